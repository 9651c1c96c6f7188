#!/usr/bin/env bash
# Installs what policykb needs on a fresh machine: a virtualenv with the package and, with
# --test, the test tools (Python, and axe-core from npm) and Debian's Chromium for the browser tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
extras=""
if [ "${1:-}" = "--test" ]; then
  extras="[test]"
  if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/lib/chromium/chromium ]; then
    echo "Installing Chromium from Debian for the browser tests..."
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
fi
if [ "${1:-}" = "--test" ]; then
  # Browser-test tools pinned in package.json / package-lock.json (axe-core for the accessibility audits).
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import generators" # fails loudly if the install did not work
