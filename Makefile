# Entry points. `make run` = quickstart on DuckDB, `make test` = the whole suite (one ctest run).
# Every target installs what is missing first (scripts/bootstrap.sh) and builds in ./build.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all bootstrap build run test asan clean bench fuzz valgrind

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@scripts/quickstart.sh $(BUILD)/cdlt

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	@$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DCDLT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

# libFuzzer (clang): builds the fuzz targets in build-fuzz and runs each FUZZ_TIME seconds on its
# seed corpus (docs/internals/FUZZING.md). The test suite runs each for 20 s.
FUZZ_TIME ?= 300
fuzz: bootstrap
	@tests/fuzz/fuzz.sh build . build-fuzz
	@for t in $$(tests/fuzz/fuzz.sh targets .); do \
	  echo "== fuzz_$$t for $(FUZZ_TIME) s"; tests/fuzz/fuzz.sh run . build-fuzz $$t $(FUZZ_TIME) || exit 1; done

# The cdlt CLI end to end under valgrind --leak-check=full (also the ctest valgrind_cli).
valgrind: build
	@tests/valgrind/run_cli.sh $(BUILD)/cdlt

# Benchmarks vs DuckDB / psql references (not part of `make test`); results in bench/results/.
bench: bootstrap
	@BUILD=$(BUILD) JOBS=$(JOBS) bench/run.sh $(BENCH_ARGS)

clean:
	rm -rf build build-asan build-fuzz
