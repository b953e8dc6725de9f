#!/usr/bin/env bash
# Builds the page into dist/ as the README's embedding steps say, from any
# shell: the project's own tools (trunk, wasm-bindgen, and wasm-opt from
# node_modules/.bin) are put on PATH first. Extra arguments go to trunk.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$root/scripts/env.sh"
cd "$root"
for tool in trunk wasm-bindgen wasm-opt; do
  if ! command -v "$tool" >/dev/null; then
    echo "scripts/build.sh: $tool is missing: run scripts/setup.sh (it installs only what is missing)" >&2
    exit 1
  fi
done
exec trunk build --release --offline "$@"
