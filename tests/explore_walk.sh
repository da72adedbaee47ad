#!/usr/bin/env bash
# explore_walk.sh CSIM SCENARIOS_DIR: the directory walk (harness/scn_walk.c)
# shared by `csim run DIR` and `csim replay TOKEN` (no FILE): sorted, *.scn
# only, never into a symlinked directory, bounded for replay's search, and
# replay prefers the shallowest match.
set -euo pipefail
csim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2/explore/planted_one_preemption.scn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
d=$tmp/tree
mkdir -p "$d/a/b" "$d/z"
cp "$src" "$d/a/b/deep.scn"
cp "$src" "$d/z/top.scn"
cp "$src" "$d/m.scn"
ln -s .. "$d/a/loop"          # a symlink loop
ln -s "$d" "$d/z/back"        # another one
ln -s "$d/m.scn" "$d/z/link.scn" # a symlink to a file: taken
echo "not a scenario" >"$d/a/notes.txt"
out=$("$csim" run "$d" | tail -1)
[ "$out" = "4 passed, 0 failed" ] || fail "run DIR: '$out' (expected 4 runs: loops not followed)"
"$csim" run "$d" | sed -n 's/^PASS  \([^ ]*\) .*/\1/p' >"$tmp/order"
printf '%s\n' "$d/a/b/deep.scn" "$d/m.scn" "$d/z/link.scn" "$d/z/top.scn" | diff - "$tmp/order" ||
    fail "run DIR order"
# replay without FILE: the shallowest match, not the first in walk order
set +e
"$csim" explore "$src" --strategy dfs --preemptions 1 --in-process >"$tmp/x" 2>&1
set -e
tok=$(sed -n 's/^csim replay //p' "$tmp/x" | head -1)
[ -n "$tok" ] || { cat "$tmp/x"; fail "no token"; }
set +e
(cd "$d" && timeout 20 "$csim" replay "$tok") >/dev/null 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 1 ] || { cat "$tmp/err"; fail "replay exit $rc"; }
grep -q 'replaying against m.scn ' "$tmp/err" || { cat "$tmp/err"; fail "not the shallowest match"; }
# bounded: a chain deeper than 32 directories without a match
e=$tmp/deep
p=$e
for i in $(seq 1 40); do p=$p/d; done
mkdir -p "$p"
cp "$src" "$p/x.scn"
set +e
(cd "$e" && timeout 20 "$csim" replay "$tok") >/dev/null 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 2 ] || { cat "$tmp/err"; fail "deep replay exit $rc"; }
grep -q 'depth 32' "$tmp/err" || { cat "$tmp/err"; fail "the error does not name the depth limit"; }
echo "ok: walk"
