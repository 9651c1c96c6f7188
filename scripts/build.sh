#!/usr/bin/env bash
# Builds the whole output from policy_data/: the site with the JSON API and the diffs inside
# it, into site/. Installs what it needs first. The previous site/ stays intact on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export NO_MKDOCS_2_WARNING=1
exec .venv/bin/policykb build "$@"
