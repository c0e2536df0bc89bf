# Quick start: `make run` (dev server) and `make test` (everything).
# Both install missing Debian packages first (scripts/install-deps).
BUILD ?= build
# `ci` is `release` without -g (.ci/run; a third less compile time).
PRESET ?= release
CMAKE ?= cmake
JOBS ?= $(shell nproc)
# Tests at once in `make test`; most of them wait on servers they started
# (CI runs 3 on 2 cores: the suite used 1.2 cores at 2).
TEST_JOBS ?= $(JOBS)
SEALPOST_ARGS ?=

.PHONY: all deps clang build run test unit bench fuzz tsa fmt fmt-check layering \
  sizes lint asan check check-build clean package

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	$(CMAKE) --preset $(PRESET)

build: deps $(BUILD)/build.ninja
	$(CMAKE) --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/sealpost server -dev $(SEALPOST_ARGS)

test: build
	@scripts/install-test-deps
	cd $(BUILD) && ctest --output-on-failure -j $(TEST_JOBS) --timeout 900

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

asan: deps
	$(CMAKE) --preset asan
	$(CMAKE) --build build-asan -j $(JOBS) --target unit_tests
	cd build-asan && ctest --output-on-failure -j $(JOBS) -L unit

bench: build
	@scripts/install-test-deps
	@scripts/install-deps scripts/bench-packages.txt
	bench/run

# clang-14 and its sanitizer runtimes, for `make fuzz` and `make tsa`.
clang:
	@dpkg -s clang-14 libclang-rt-14-dev >/dev/null 2>&1 || \
	  (sudo=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	   $$sudo apt-get install -y -qq clang-14 libclang-rt-14-dev >/dev/null)

# libFuzzer targets (clang-14), each run for FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS = smtp_protocol_fuzz sealed_reader_fuzz policy_rules_fuzz mime_fuzz \
  html_sanitize_fuzz form_fuzz oidc_token_fuzz certificate_import_fuzz \
  device_kind_fuzz cms_decrypt_fuzz text_extract_fuzz ocsp_response_fuzz \
  page_render_fuzz signed_scan_fuzz
fuzz: deps clang
	$(CMAKE) --preset fuzz
	$(CMAKE) --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	scripts/run-fuzz build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Clang's thread-safety analysis (base/thread_annotations.h) over all of
# src/ and the unit tests: a build with -Werror=thread-safety, nothing run.
TSA_TARGETS = sealpost oidc_flow_probe unit_tests
tsa: deps clang
	$(CMAKE) --preset tsa
	$(CMAKE) --build build-tsa -j $(JOBS) --target $(TSA_TARGETS)

# What CI runs after `make test`, in one clang-14 tree (build-check) instead
# of three: the thread-safety analysis (as `make tsa`), the unit tests under
# ASan+UBSan (as `make asan`, with clang) and every fuzz target for
# FUZZ_SECONDS (as `make fuzz`, two at a time on two cores).
# `check-build` is its build alone (CI runs it at nice 19 beside `make test`).
check-build: deps clang
	$(CMAKE) --preset check
	$(CMAKE) --build build-check -j $(JOBS) --target $(TSA_TARGETS) $(FUZZ_TARGETS)

check: check-build
	cd build-check && ctest --output-on-failure -j $(JOBS) -L unit
	scripts/run-fuzz build-check $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# build/sealpost_<version>_<arch>.deb (scripts/make-package; docs/operations.md).
package: build
	scripts/make-package $(BUILD)

fmt:
	git ls-files '*.cc' '*.h' | xargs clang-format-14 -i

fmt-check:
	git ls-files '*.cc' '*.h' | xargs clang-format-14 --dry-run -Werror

# The module table of docs/architecture.md, checked on every #include.
layering:
	scripts/check-layering

# Functions over 150 lines and files over 600 in src/ need a `// Long:`
# reason beside them (issue 17); ctags reads them in about a second.
sizes:
	scripts/check-sizes

lint: layering sizes $(BUILD)/build.ninja
	git ls-files 'src/*.cc' | xargs clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD) build-*
