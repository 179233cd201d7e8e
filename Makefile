# Front door. Every target installs what is missing first (fast when
# nothing is), then builds with cmake into build/.
BUILD_DIR ?= build
FUZZ_DIR ?= build-fuzz
JOBS ?= $(shell nproc)
LISTEN ?= 0.0.0.0:9477
# libFuzzer targets, one per protocol parser; make test runs each briefly.
FUZZERS = http1_fuzzer http1_fast_fuzzer postgres_fuzzer mysql_fuzzer redis_fuzzer memcached_fuzzer sql_fuzzer tls_fuzzer \
  proc_fuzzer config_fuzzer route_fuzzer api_query_fuzzer
FUZZ_SECONDS ?= 15

.PHONY: all deps build run test test-kernels fuzz-build fuzz golden bench clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./scripts/run-agent.sh $(BUILD_DIR)/hostlens --listen $(LISTEN) $(ARGS)

test: build fuzz-build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 300
	$(MAKE) --no-print-directory test-kernels
	$(MAKE) --no-print-directory fuzz

# The kernel matrix (tests/kernels/): Debian 11's 5.10, Debian 12's 6.1 and 6.12 booted in qemu
# on this machine's root filesystem, and this machine's kernel, each running the smoke suite.
# KERNELS=5.10,6.1 for some of them.
test-kernels: build
	/usr/bin/python3 -B tests/kernels/run_matrix.py --build $(BUILD_DIR) $(if $(KERNELS),--kernels $(KERNELS))

# The fuzzers need clang; they get a build tree of their own.
fuzz-build: deps
	cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOSTLENS_FUZZ=ON \
	  -DHOSTLENS_BUILD_TESTS=OFF -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(FUZZERS)

fuzz: fuzz-build
	@for f in $(FUZZERS); do ./scripts/run-fuzzer.sh $(FUZZ_DIR)/fuzz/$$f $(FUZZ_SECONDS) || exit 1; done

# Overhead suite (bench/README.md): under 10 minutes, writes bench/RESULTS.md. BENCH_QUICK=1 for
# a ~2-minute check of the machinery (results in $(BUILD_DIR)/bench/RESULTS-quick.md).
bench: build
	/usr/bin/python3 bench/run.py --build-dir $(BUILD_DIR)

# Rewrites tests/fixtures/golden/*.prom from the current agent's output.
golden: build
	$(BUILD_DIR)/tests/golden_test --update-golden

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
