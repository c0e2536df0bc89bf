# Build rules shared by every module.
#   sealpost_library(NAME SRCS a.cc b.cc DEPS x y)  -> static library sealpost_NAME
#   sealpost_test(NAME SRCS a_test.cc DEPS x y)     -> gtest binary registered with ctest

function(sealpost_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror
    -Wno-missing-field-initializers)
endfunction()

# lld, when installed, links several times faster than GNU ld (the CI's
# release and check trees link every test binary). Every executable links a
# sealpost library, which carries the option to it.
find_program(SEALPOST_LLD ld.lld)
add_library(sealpost_linker INTERFACE)
if(SEALPOST_LLD AND EXISTS "${SEALPOST_LLD}")
  target_link_options(sealpost_linker INTERFACE -fuse-ld=lld)
endif()

function(sealpost_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(sealpost_${name} STATIC ${ARG_SRCS})
  target_include_directories(sealpost_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(sealpost_${name} PUBLIC ${ARG_DEPS} sealpost_linker)
  sealpost_warnings(sealpost_${name})
endfunction()

function(sealpost_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} sealpost_linker GTest::gtest GTest::gmock
    GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src
    ${PROJECT_SOURCE_DIR}/tests)
  sealpost_warnings(${name})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(ARG_LABELS STREQUAL "unit")
    # `make asan` builds only these (target unit_tests), to keep CI short.
    if(NOT TARGET unit_tests)
      add_custom_target(unit_tests)
    endif()
    add_dependencies(unit_tests ${name})
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}"
    DISCOVERY_TIMEOUT 30)
endfunction()
