#!/usr/bin/env bash
# bench-diff.sh - time `layercake diff` of the large image against a copy
# with one changed layer, against one `layercake inspect` of the image, in
# the same run (the issue's bar: a diff costs at most 2x one inspect).
#
#   scripts/bench-diff.sh              # FILE=/tmp/layercake-large/large.tar, RUNS=5
#
# The copy (COPY, default large-changed.tar next to FILE) is made once with
# Python's tarfile: layer N-2 gains one file, and the config's diff_ids and
# manifest.json follow. Output: each run's wall time, then the best of each.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FILE=${FILE:-/tmp/layercake-large/large.tar}
COPY=${COPY:-$(dirname "$FILE")/large-changed.tar}
RUNS=${RUNS:-5}
BIN=$ROOT/target/release/layercake
[ -f "$FILE" ] || { echo "no $FILE: build it with ../shared/fixtures/make-large.sh" >&2; exit 2; }
(cd "$ROOT" && cargo build --release --quiet)
if [ ! -f "$COPY" ] || [ "$COPY" -ot "$FILE" ]; then
  python3 - "$FILE" "$COPY" <<'PY'
import hashlib, io, json, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
with tarfile.open(src) as t:
    manifest = json.load(t.extractfile("manifest.json"))
    m = manifest[0]
    k = len(m["Layers"]) - 2
    old_layer = m["Layers"][k]
    layer = t.extractfile(old_layer).read()
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(layer)) as lt, tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as nt:
        for member in lt.getmembers():
            nt.addfile(member, lt.extractfile(member) if member.isfile() else None)
        extra = b"changed by bench-diff.sh\n"
        info = tarfile.TarInfo("bench-diff-changed.txt"); info.size = len(extra); info.mtime = 1700000000
        nt.addfile(info, io.BytesIO(extra))
    new_layer = out.getvalue()
    new_id = hashlib.sha256(new_layer).hexdigest()
    config = json.load(t.extractfile(m["Config"]))
    config["rootfs"]["diff_ids"][k] = "sha256:" + new_id
    new_config = json.dumps(config).encode()
    config_name = hashlib.sha256(new_config).hexdigest() + ".json"
    renames = {old_layer: (new_id + ".tar", new_layer), m["Config"]: (config_name, new_config)}
    m["Layers"][k] = new_id + ".tar"; m["Config"] = config_name
    with tarfile.open(dst, "w") as o:
        for member in t.getmembers():
            if member.name == "manifest.json":
                continue
            if member.name in renames:
                name, data = renames[member.name]
                info = tarfile.TarInfo(name); info.size = len(data); info.mtime = member.mtime
                o.addfile(info, io.BytesIO(data))
            else:
                o.addfile(member, t.extractfile(member) if member.isfile() else None)
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json"); info.size = len(data)
        o.addfile(info, io.BytesIO(data))
print(f"wrote {dst}: layer {k} gains one file", file=sys.stderr)
PY
fi
best() { sort -n | head -1; }
t_inspect=(); t_diff=(); t_digests=()
for i in $(seq "$RUNS"); do
  s=$(date +%s.%N); "$BIN" inspect "$FILE" >/dev/null; e=$(date +%s.%N)
  t_inspect+=("$(echo "$e - $s" | bc)")
  s=$(date +%s.%N); "$BIN" inspect --content-digests "$FILE" >/dev/null; e=$(date +%s.%N)
  t_digests+=("$(echo "$e - $s" | bc)")
  s=$(date +%s.%N); set +e; "$BIN" diff "$FILE" "$COPY" >/dev/null; rc=$?; set -e; e=$(date +%s.%N)
  [ "$rc" = 1 ] || { echo "diff exited $rc, expected 1 (they differ)" >&2; exit 2; }
  t_diff+=("$(echo "$e - $s" | bc)")
  echo "run $i: inspect ${t_inspect[-1]} s, inspect --content-digests ${t_digests[-1]} s, diff ${t_diff[-1]} s"
done
bi=$(printf '%s\n' "${t_inspect[@]}" | best)
bc_=$(printf '%s\n' "${t_digests[@]}" | best)
bd=$(printf '%s\n' "${t_diff[@]}" | best)
echo "best of $RUNS: inspect $bi s, inspect --content-digests $bc_ s, diff $bd s (diff / inspect = $(echo "scale=2; $bd / $bi" | bc))"
"$BIN" diff "$FILE" "$COPY" | tail -1 || true
