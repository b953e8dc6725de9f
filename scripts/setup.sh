#!/usr/bin/env bash
# Installs what building, serving and testing Layer Cake needs on a Debian
# machine with Rust, skipping whatever is already present. Everything comes
# from the package registries (Debian, crates.io, npm, PyPI); nothing else is
# downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: the browser and its driver for tests, node for Playwright,
# python for the docs.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || need+=(firefox-esr)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v python3 >/dev/null 2>&1 || need+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# Trunk (0.22 needs a newer rustc than this machine's).
if ! trunk --version 2>/dev/null | grep -q ' 0\.21\.14'; then
  log "cargo install trunk 0.21.14 (about 10 minutes on 2 cores)"
  cargo install trunk --version 0.21.14 --locked
fi

# wasm-bindgen-cli at exactly the version Cargo.lock pins.
wb=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"; then
  log "cargo install wasm-bindgen-cli $wb"
  cargo install wasm-bindgen-cli --version "=$wb" --locked ||
    cargo install wasm-bindgen-cli --version "=$wb"
fi

# geckodriver, for the wasm tests in Firefox too.
if ! geckodriver --version 2>/dev/null | grep -q '^geckodriver 0\.37\.1'; then
  log "cargo install geckodriver 0.37.1"
  cargo install geckodriver --version 0.37.1 --locked
fi

# npm packages: playwright-core (drives Debian's chromium) and binaryen
# (wasm-opt 132; Debian's binaryen cannot read current wasm-bindgen output).
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Sphinx for the lab-guide docs, in a venv of our own.
if [ -f docs/requirements.txt ] && ! .venv/bin/python -c 'import sphinx' >/dev/null 2>&1; then
  log "python venv with Sphinx"
  python3 -m venv .venv
  .venv/bin/pip install --quiet -r docs/requirements.txt
fi

# Crates, so builds can run offline.
cargo fetch --locked >/dev/null 2>&1 || cargo fetch --locked
log "ready"
