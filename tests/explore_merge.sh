#!/usr/bin/env bash
# explore_merge.sh CSIM SCENARIOS_DIR: `csim merge` refuses inconsistent
# result files (exit 2), reports a partial set of shards, claims dfs
# exhaustion only with every shard present and exhausted, and prints the
# failures as the shards did (the "— why", shrunk and critical lines).
set -euo pipefail
csim=$1
bug=$2/explore/planted_order_bug.scn
one=$2/explore/planted_one_preemption.scn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
x() { "$csim" explore "$@" --in-process >/dev/null 2>&1 || true; }
refuse() { # PATTERN FILES...
    local pat=$1 rc
    shift
    set +e; "$csim" merge "$@" >"$tmp/o" 2>&1; rc=$?; set -e
    [ $rc -eq 2 ] || { cat "$tmp/o"; fail "merge $* exit $rc, expected 2"; }
    grep -q -e "$pat" "$tmp/o" || { cat "$tmp/o"; fail "merge $*: no '$pat'"; }
}
for k in 1 2 3; do
    x "$bug" --strategy dfs --runs 5000 --until all --shard $k/3 --out "$tmp/d$k.json"
    x "$bug" --strategy portfolio --runs 60 --until all --shard $k/3 --out "$tmp/p$k.json"
done
x "$bug" --strategy random --runs 60 --until all --shard 2/3 --out "$tmp/r2.json"
x "$one" --strategy portfolio --runs 60 --until all --shard 2/3 --out "$tmp/o2.json"
x "$bug" --strategy portfolio --runs 60 --until all --shard 2/3 --seed 7 --out "$tmp/s2.json"
x "$bug" --strategy portfolio --runs 61 --until all --shard 2/3 --out "$tmp/n2.json"
x "$bug" --strategy portfolio --runs 60 --shard 2/3 --out "$tmp/u2.json"
x "$bug" --strategy portfolio --runs 60 --until all --shard 2/4 --out "$tmp/q2.json"
x "$bug" --strategy dfs --runs 5000 --until all --shard 2/3 --preemptions 1 --out "$tmp/b2.json"
x "$bug" --strategy portfolio --runs 60 --until all --shard 2/3 --choices all --out "$tmp/c2.json"
refuse 'shard 1/3 is given twice' "$tmp/d1.json" "$tmp/d1.json"
refuse 'strategy' "$tmp/p1.json" "$tmp/r2.json"
refuse 'scenario' "$tmp/p1.json" "$tmp/o2.json"
refuse 'seed' "$tmp/p1.json" "$tmp/s2.json"
refuse 'runs' "$tmp/p1.json" "$tmp/n2.json"
refuse 'until' "$tmp/p1.json" "$tmp/u2.json"
refuse 'shard' "$tmp/p1.json" "$tmp/q2.json"
refuse 'preemption' "$tmp/d1.json" "$tmp/b2.json"
refuse 'choices' "$tmp/p1.json" "$tmp/c2.json"
# a partial set: merged, said so, and never "exhausted"
set +e; "$csim" merge "$tmp/d1.json" "$tmp/d3.json" >"$tmp/o" 2>&1; set -e
grep -q '^partial: shards 1,3 of 3$' "$tmp/o" || { cat "$tmp/o"; fail "no partial line"; }
if grep -q 'space exhausted' "$tmp/o"; then cat "$tmp/o"; fail "partial dfs claims exhaustion"; fi
set +e; "$csim" merge "$tmp/d3.json" "$tmp/d1.json" "$tmp/d2.json" >"$tmp/o" 2>&1; set -e
grep -q '^dfs: space exhausted' "$tmp/o" || { cat "$tmp/o"; fail "full dfs set not exhausted"; }
if grep -q '^partial' "$tmp/o"; then fail "full set called partial"; fi
# the failure lines are the shard's own: the "— why", shrunk and critical lines
"$csim" explore "$bug" --strategy portfolio --runs 60 --until all --shard 2/3 --in-process \
    >"$tmp/shard" 2>/dev/null || true
set +e; "$csim" merge "$tmp/p2.json" >"$tmp/o" 2>&1; set -e
grep -q ' — ' "$tmp/o" || { cat "$tmp/o"; fail "merge drops the why"; }
grep -q '^  shrunk: ' "$tmp/o" || { cat "$tmp/o"; fail "merge drops the shrunk line"; }
diff <(grep -E '^(FAIL|HUNG|CRASH|TIMEOUT) run |^  |^csim replay ' "$tmp/shard") \
     <(grep -E '^(FAIL|HUNG|CRASH|TIMEOUT) run |^  |^csim replay ' "$tmp/o") ||
    fail "merge's failure lines differ from the shard's"
echo "ok: merge"
