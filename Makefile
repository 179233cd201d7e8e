# Front door. Every target installs what is missing first (fast when
# nothing is), then builds with cmake into build/.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
LISTEN ?= 0.0.0.0:9477

.PHONY: all deps build run test golden clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./scripts/run-agent.sh $(BUILD_DIR)/hostlens --listen $(LISTEN) $(ARGS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 300

# Rewrites tests/fixtures/golden/*.prom from the current agent's output.
golden: build
	$(BUILD_DIR)/tests/golden_test --update-golden

clean:
	rm -rf $(BUILD_DIR)
