#!/usr/bin/env bash
# The long form of the crash harness (see Benchmarks/README.md, crash-harness): release build, 200 kill/restart
# cycles under signed load, a disk that fills, a torn tail and a corrupted record. Extra arguments go to
# crash-harness (for example --seed N to replay a run, --recovery-numbers 1000000 for the recovery-time figure).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product numninja
swift build -c release --product crash-harness
exec ./.build/release/crash-harness --long "$@"
