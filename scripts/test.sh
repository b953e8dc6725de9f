#!/usr/bin/env bash
# Runs every test: the core natively (with the fixture corpus), the browser
# code under wasm-bindgen-test in headless Chromium, then the built page
# end to end with Playwright.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh

if [ ! -f "$LAYERCAKE_FIXTURES/facts.json" ]; then
  echo "fixture corpus not found at $LAYERCAKE_FIXTURES (set LAYERCAKE_FIXTURES)" >&2
  if [ "${CI:-}" = true ]; then exit 1; fi
fi

step() { printf '\n==> %s\n' "$*"; }

step "native tests (core, CLI, conformance over the fixtures)"
cargo test --locked

# optimised: a minute of structure-aware fuzzing (a failure prints the seed
# to replay with LAYERCAKE_FUZZ_SEED), and the hostile archives read by the
# release binary
step "fuzz for 60 s, and the hostile archives (release)"
LAYERCAKE_FUZZ_SECONDS=60 cargo test --locked --release --test fuzz --test hostile

# exactly one of CHROMEDRIVER and GECKODRIVER per run: with both, or
# neither, the runner quietly picks Firefox
step "browser tests (wasm-bindgen-test in headless Chromium)"
env -u GECKODRIVER CHROMEDRIVER="$CHROMEDRIVER" \
  cargo test --locked --target wasm32-unknown-unknown --test wasm_worker --test wasm_dom --test wasm_sha256x4

step "browser tests (wasm-bindgen-test in headless Firefox)"
env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" \
  cargo test --locked --target wasm32-unknown-unknown --test wasm_worker --test wasm_dom --test wasm_sha256x4

step "build the page"
trunk build --release --offline

if [ -d docs ] && [ -x .venv/bin/sphinx-build ]; then
  step "build the lab-guide docs"
  .venv/bin/sphinx-build -q -b html docs docs/_build/html
fi

step "end-to-end tests (Playwright, Chromium)"
node --test --test-concurrency=1 tests/e2e/
