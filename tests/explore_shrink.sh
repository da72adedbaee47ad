#!/usr/bin/env bash
# explore_shrink.sh CSIM SCENARIOS_DIR: shrinking reaches a true fixpoint.
# explore/planted_one_preemption.scn fails with exactly 1 preemption (dfs
# --preemptions 0 finds nothing, --preemptions 1 finds it), so every
# failure, whatever strategy and seed found it, must shrink to 1 preemption,
# and its critical pair must be against a run that passes (never "that run
# fails too").
set -euo pipefail
csim=$1
scn=$2/explore/planted_one_preemption.scn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$csim" explore "$scn" --strategy dfs --preemptions 0 --in-process >/dev/null ||
    fail "dfs bound 0 finds a failure: the planted race is not 1-preemption"
n=0
for strat in random pct portfolio; do
    for seed in $(seq 0 19); do
        "$csim" explore "$scn" --strategy $strat --seed "$seed" --in-process \
            >"$tmp/out" 2>&1 && continue
        n=$((n + 1))
        grep -q '^  shrunk: 1 preemption (from ' "$tmp/out" ||
            { cat "$tmp/out"; fail "$strat seed $seed: not shrunk to 1 preemption"; }
        grep -q '^  critical pair: ' "$tmp/out" ||
            { cat "$tmp/out"; fail "$strat seed $seed: no critical pair"; }
        if grep -q 'fails too' "$tmp/out"; then
            cat "$tmp/out"; fail "$strat seed $seed: critical pair against a failing run"
        fi
        # the shrunk token still fails
        tok=$(sed -n 's/^csim replay //p' "$tmp/out")
        set +e; "$csim" replay "$tok" "$scn" >/dev/null; rc=$?; set -e
        [ $rc -eq 1 ] || fail "$strat seed $seed: shrunk token replays with exit $rc"
    done
done
[ $n -ge 20 ] || fail "only $n explorations failed: the test proves little"
# worker processes shrink the same way
"$csim" explore "$scn" --strategy random --seed 9 --jobs 1 >"$tmp/w" 2>&1 || true
grep -q '^  shrunk: 1 preemption (from ' "$tmp/w" || { cat "$tmp/w"; fail "worker shrink"; }
echo "ok: $n failures, each shrunk to 1 preemption"
