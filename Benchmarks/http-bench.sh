#!/usr/bin/env bash
# Webhook ingestion over HTTP against nginx's `return 200` on the same machine (see Benchmarks/README.md).
# Installs nginx when missing, builds release binaries, runs the suite. Extra arguments go to http-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null \
            || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
    else
        echo "http-bench: nginx is missing; install it (apt-get install nginx-light)" >&2
        exit 1
    fi
fi
swift build -c release --product numninja
swift build -c release --product http-bench
exec ./.build/release/http-bench suite "$@"
