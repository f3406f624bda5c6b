# NumNinja event core. `make run` and `make test` are the two commands a newcomer needs.
SWIFT ?= swift
DATA_DIR ?= data/state

.PHONY: run build test bench crash-test deps clean

# Installs the system libraries the build links (Debian: liblz4-dev, libssl-dev, zlib1g-dev) when missing,
# and the Python packages the tests run: the pinned SDKs (`stripe`, `didww`) for the signature parity tests,
# `prometheus-client` for the metrics format test, `standardwebhooks` for the customer webhook signature test.
deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

run: deps
	$(SWIFT) build -c release --product numninja
	./.build/release/numninja serve --data-dir $(DATA_DIR)

# Suites run one after another: several spawn processes or block on child processes, and on two cores
# those would starve the shared concurrency pool that the HTTP server tests need.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest --no-parallel

bench: deps
	$(SWIFT) build -c release --product storage-bench
	$(SWIFT) build -c release --product number-bench
	$(SWIFT) build -c release --product engine-bench
	./.build/release/storage-bench
	./.build/release/number-bench
	./.build/release/engine-bench
	./Benchmarks/http-bench.sh

# SIGKILL under signed load, 200 times, checked against an independent model (Benchmarks/README.md).
crash-test: deps
	./Benchmarks/crash-test.sh

clean:
	rm -rf .build
