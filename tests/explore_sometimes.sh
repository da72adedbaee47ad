#!/usr/bin/env bash
# explore_sometimes.sh CSIM SCENARIOS_DIR: `sometimes` lines.  Under
# `csim run` they are reported (hit / not hit) and never fail the run;
# `csim explore` counts the runs in which each held, identically for any
# --jobs, in-process, and over --shard + merge; a line hit in no run makes
# explore (and merge) exit 1 with NEVER HIT; --until first counts over the
# runs done.
set -euo pipefail
csim=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
untimed() { sed -E 's/, [0-9]+ runs\/s, [0-9]+ decisions\/s$//' "$1"; }
wake=$dir/explore/kill_races_worker_wakeup.scn
both=$dir/explore/stop_kill_both_outcomes.scn

# run: reported, never failing
"$csim" run "$wake" >"$tmp/run" || { cat "$tmp/run"; fail "csim run fails on a sometimes line"; }
[ "$(grep -c '^      sometimes .*: .* — \(hit\|not hit in this run\)$' "$tmp/run")" -eq 4 ] ||
    { cat "$tmp/run"; fail "csim run does not report the four sometimes lines"; }
"$csim" run --json "$both" | grep -q '"sometimes":\[{"line":16,"expectation":"sometimes wait returns","hit":true},{"line":17,' ||
    fail "--json has no sometimes array"

# explore: the same counts in-process and with any number of jobs
"$csim" explore "$wake" --in-process >"$tmp/p" || { cat "$tmp/p"; fail "explore exit $?"; }
[ "$(grep -c '^sometimes .* — hit in [1-9][0-9]* of 1000 runs$' "$tmp/p")" -eq 4 ] ||
    { cat "$tmp/p"; fail "not four counted sometimes lines"; }
for j in 1 3; do
    "$csim" explore "$wake" --jobs $j >"$tmp/j$j" 2>/dev/null
    diff <(untimed "$tmp/p") <(untimed "$tmp/j$j") || fail "--in-process and --jobs $j differ"
done

# shards + merge (--until all): the unsharded counts
"$csim" explore "$both" --until all --jobs 2 >"$tmp/all" 2>/dev/null
for k in 1 2 3; do
    "$csim" explore "$both" --until all --jobs 2 --shard $k/3 --out "$tmp/s$k.json" >/dev/null 2>&1
done
"$csim" merge "$tmp"/s[123].json >"$tmp/merged"
diff <(grep '^sometimes \|^NEVER HIT ' "$tmp/all") <(grep '^sometimes \|^NEVER HIT ' "$tmp/merged") ||
    fail "merged sometimes counts differ from the unsharded run's"
set +e
"$csim" merge "$tmp/s2.json" >"$tmp/m2"; rc=$?
set -e
[ $rc -eq 0 ] || grep -q '^NEVER HIT ' "$tmp/m2" || fail "merge exit $rc without NEVER HIT"

# a window the exploration never reaches: NEVER HIT, exit 1
set +e
"$csim" explore "$wake" --strategy dfs --preemptions 2 --runs 100000 >"$tmp/dfs" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] || { cat "$tmp/dfs"; fail "dfs explore exit $rc, expected 1 (NEVER HIT)"; }
grep -q '^dfs: space exhausted' "$tmp/dfs" || { cat "$tmp/dfs"; fail "dfs not exhausted"; }
grep -q '^NEVER HIT .*kill_races_worker_wakeup.scn:23: .* — hit in 0 of [0-9]* runs$' "$tmp/dfs" ||
    { cat "$tmp/dfs"; fail "no NEVER HIT line"; }

# --until first: counted over the runs done
sed 's/^  kill returns$/  kill returns\n  never worker svc.slow.1 killed/' "$wake" >"$tmp/first.scn"
set +e
"$csim" explore "$tmp/first.scn" --jobs 2 >"$tmp/first" 2>/dev/null; rc=$?
set -e
[ $rc -eq 1 ] || fail "explore with a failure exit $rc"
runs=$(sed -n 's/^\([0-9]*\) runs\{0,1\}: .*/\1/p' "$tmp/first")
[ -n "$runs" ] && [ "$runs" -lt 1000 ] || { cat "$tmp/first"; fail "did not stop at the first failure"; }
[ "$(grep -c " — hit in [0-9]* of $runs runs\{0,1\}$" "$tmp/first")" -eq 4 ] ||
    { cat "$tmp/first"; fail "the counts are not over the $runs runs done"; }
echo "ok: sometimes ($(grep -c '^sometimes' "$tmp/p") lines counted, merge and --jobs agree)"
