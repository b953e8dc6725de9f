#!/usr/bin/env bash
# Runs `layercake inspect --json` on each hostile archive of tests/hostile.rs
# (a)–(f) and (m)–(o) and prints a table: archive, size, exit code, seconds, peak RSS.
#
#   scripts/bench-hostile.sh                     # build this tree's release binary and measure it
#   scripts/bench-hostile.sh --bin PATH          # measure another binary (e.g. an older checkout's)
#   scripts/bench-hostile.sh --out table.txt     # also save the table
#
# The archives are written once by `cargo run --release --example hostile`
# into $HOSTILE_DIR (default /tmp/layercake-hostile); about 260 MB on disk.
# Every run is capped: $BENCH_TIMEOUT seconds (60) and $BENCH_MEM_KB of
# address space (8000000), so a runaway case is recorded as 'timeout' or
# 'killed' instead of taking the machine down.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

dir="${HOSTILE_DIR:-/tmp/layercake-hostile}"
limit_s="${BENCH_TIMEOUT:-60}"
limit_kb="${BENCH_MEM_KB:-8000000}"

if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq time >&2; else sudo apt-get install -y -qq time >&2; fi
fi

if [ -z "$bin" ]; then
  cargo build --release --locked --bin layercake >&2
  target="${CARGO_TARGET_DIR:-target}"
  bin="$target/release/layercake"
fi
[ -x "$bin" ] || { echo "no binary at $bin" >&2; exit 2; }

archives=(
  a-index-dag-40x2.tar
  b-index-chain-20000.tar
  c-pax-paths-32768-components.tar
  d-gzip-4GiB-padding.tar.gz
  e-gzip-layer-1GiB-pax.tar
  f-manifest-3000x-4MiB-config.tar
  m-gzip-60000-tiny-members.tar.gz
  n-60-images-of-1000-tiny-layers.tar
  o-gzip-layer-1000000-unsafe-names.tar
)
missing=0
for a in "${archives[@]}"; do [ -f "$dir/$a" ] || missing=1; done
if [ "$missing" = 1 ]; then
  echo "writing the hostile archives to $dir" >&2
  cargo run --release --locked --example hostile -- "$dir" >&2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

table() {
  printf '%-36s %10s %9s %9s %12s\n' archive size exit seconds "peak RSS"
  for a in "${archives[@]}"; do
    f="$dir/$a"
    size="$(stat -c %s "$f")"
    set +e
    prlimit --as=$((limit_kb * 1024)) -- \
      /usr/bin/time -o "$tmp/time" -f '%e %M' \
      timeout -k 5 "$limit_s" "$bin" inspect --json "$f" >"$tmp/json" 2>"$tmp/err"
    code=$?
    set -e
    read -r secs kb < <(grep -E '^[0-9.]+ [0-9]+$' "$tmp/time" | tail -1 || echo "- -")
    case "$code" in
      0|1|2) result="$code" ;;
      124) result="timeout" ;;
      *) result="killed($code)" ;;
    esac
    if [ "$kb" != "-" ] && [ -n "$kb" ]; then rss="$((kb / 1024)) MB"; else rss="-"; fi
    printf '%-36s %10s %9s %9s %12s\n' "$a" "$(numfmt --to=iec "$size")" "$result" "$secs" "$rss"
  done
}

echo "layercake: $bin ($("$bin" --version 2>/dev/null || echo '?')); limits ${limit_s} s, ${limit_kb} KB address space" >&2
if [ -n "$out" ]; then
  table | tee "$out"
else
  table
fi
