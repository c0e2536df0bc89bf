# Third-party dependencies, all from Debian 12 packages (scripts/packages.txt).
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json url)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)
include(GoogleTest)

# Boost headers for every target; Boost.JSON and Boost.URL link their
# compiled Debian libraries (Boost::json, Boost::url) where used.
add_library(sealpost_boost INTERFACE)
target_link_libraries(sealpost_boost INTERFACE Boost::headers Threads::Threads)
target_compile_definitions(sealpost_boost INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_JSON_NO_LIB BOOST_ALL_NO_LIB)
