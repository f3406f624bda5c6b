#!/usr/bin/env bash
# Installs the Debian packages the build needs, and the tests' Python packages (pinned `stripe` and `didww` SDKs,
# `prometheus-client`, `standardwebhooks`), if any is missing. Needs root (or sudo) only when installing.
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
# The signature parity tests (Tests/ServerTests/StripeSignatureTests.swift, DIDWWSignatureParityTests.swift) run the
# official SDKs from PyPI, pinned.
python_sdks=()
python3 -c "import stripe, sys; sys.exit(stripe.VERSION != '16.1.0')" 2>/dev/null || python_sdks+=(stripe==16.1.0)
python3 -c "from importlib.metadata import version; import sys; sys.exit(version('didww') != '3.2.0')" 2>/dev/null \
  || python_sdks+=(didww==3.2.0)
if [ ${#python_sdks[@]} -gt 0 ]; then
  echo "installing: ${python_sdks[*]} (PyPI)" >&2
  python3 -m pip install --quiet "${python_sdks[@]}" || python3 -m pip install --quiet --break-system-packages "${python_sdks[@]}" \
    || echo "warning: could not install ${python_sdks[*]}; the SDK parity tests will fail" >&2
fi
# The /metrics format test (Tests/ServerTests/MetricsTests.swift) checks the output with the reference Prometheus parser.
if ! python3 -c "import prometheus_client" 2>/dev/null; then
  echo "installing: prometheus-client (PyPI)" >&2
  python3 -m pip install --quiet prometheus-client || python3 -m pip install --quiet --break-system-packages prometheus-client \
    || echo "warning: could not install the prometheus-client package; the metrics format test will fail" >&2
fi
# The customer webhook signature test (Tests/ServerTests/OutboundWebhookAndSMTPTests.swift) verifies with the official
# Standard Webhooks package.
if ! python3 -c "import standardwebhooks" 2>/dev/null; then
  echo "installing: standardwebhooks (PyPI)" >&2
  python3 -m pip install --quiet standardwebhooks || python3 -m pip install --quiet --break-system-packages standardwebhooks \
    || echo "warning: could not install the standardwebhooks package; the customer webhook signature test will fail" >&2
fi
