# Sourced by the scripts: puts the project's tools on PATH.
# shellcheck shell=bash
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export LAYERCAKE_FIXTURES="${LAYERCAKE_FIXTURES:-$root/../shared/fixtures}"
