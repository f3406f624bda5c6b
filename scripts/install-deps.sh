#!/usr/bin/env bash
# Installs the Debian packages the build needs, and the tests' Python packages (`stripe`, `prometheus-client`), if any is missing. Needs root (or sudo) only when installing.
set -euo pipefail
packages=(liblz4-dev libssl-dev zlib1g-dev pkg-config lz4 curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Stripe signature parity test (Tests/ServerTests/StripeSignatureTests.swift) runs the official SDK from PyPI.
if ! python3 -c "import stripe" 2>/dev/null; then
  echo "installing: stripe (PyPI)" >&2
  python3 -m pip install --quiet stripe || python3 -m pip install --quiet --break-system-packages stripe \
    || echo "warning: could not install the stripe package; the Stripe SDK parity test will fail" >&2
fi
# The /metrics format test (Tests/ServerTests/MetricsTests.swift) checks the output with the reference Prometheus parser.
if ! python3 -c "import prometheus_client" 2>/dev/null; then
  echo "installing: prometheus-client (PyPI)" >&2
  python3 -m pip install --quiet prometheus-client || python3 -m pip install --quiet --break-system-packages prometheus-client \
    || echo "warning: could not install the prometheus-client package; the metrics format test will fail" >&2
fi
