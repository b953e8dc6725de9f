#!/usr/bin/env bash
# Builds the page and serves it at http://127.0.0.1:8080 (offline).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
exec trunk serve --release --offline "$@"
