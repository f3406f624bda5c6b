# NumNinja event core. `make run` and `make test` are the two commands a newcomer needs.
SWIFT ?= swift
DATA_DIR ?= data/state

.PHONY: run build test bench deps clean

# Installs the system libraries the build links (Debian: liblz4-dev, libssl-dev, zlib1g-dev) when missing,
# and the Python `stripe` package that the Stripe SDK parity test runs.
deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

run: deps
	$(SWIFT) build -c release --product numninja
	./.build/release/numninja serve --data-dir $(DATA_DIR)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

bench: deps
	$(SWIFT) build -c release --product storage-bench
	$(SWIFT) build -c release --product number-bench
	$(SWIFT) build -c release --product engine-bench
	./.build/release/storage-bench
	./.build/release/number-bench
	./.build/release/engine-bench

clean:
	rm -rf .build
