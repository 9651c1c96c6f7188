#!/usr/bin/env bash
# Runs every test, browser tests included. Installs what it needs first (Chromium from Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export NO_MKDOCS_2_WARNING=1
exec .venv/bin/python -m pytest "$@"
