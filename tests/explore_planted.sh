#!/usr/bin/env bash
# explore_planted.sh CSIM SCENARIOS_DIR: the planted ordering bug passes
# under `csim run` (fifo), `csim explore` with default settings finds it
# within 1,000 schedules, and `csim replay TOKEN --trace` prints the very
# trace the explorer printed for it.
set -euo pipefail
csim=$1
scn=$2/explore/planted_order_bug.scn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$csim" run "$scn" >/dev/null
set +e
"$csim" explore "$scn" --runs 1000 --trace >"$tmp/explore"
rc=$?
set -e
[ $rc -eq 1 ] || { echo "explore exit $rc, expected 1"; cat "$tmp/explore"; exit 1; }
grep -q '^FAIL run ' "$tmp/explore" || { echo "no failure found"; exit 1; }
[ "$(grep -c '^csim replay ' "$tmp/explore")" -eq 1 ] || { echo "not one replay line"; exit 1; }
token=$(sed -n 's/^csim replay //p' "$tmp/explore")
[ ${#token} -le 100 ] || { echo "token longer than 100 bytes"; exit 1; }
set +e
"$csim" replay "$token" "$scn" --trace >"$tmp/replay"
rc=$?
set -e
[ $rc -eq 1 ] || { echo "replay exit $rc, expected 1"; exit 1; }
sed -n '/^== /,/^csim replay\|^[0-9]* runs\?:/p' "$tmp/explore" |
    grep -v '^csim replay \|^[0-9]* runs\?: ' >"$tmp/explored"
diff "$tmp/explored" "$tmp/replay"
# an unbounded --runs budget is a budget, not a reservation: dfs in a
# worker runs to exhaustion without reserving a slot per possible run
"$csim" explore "$scn" --strategy dfs --preemptions 1 --runs 1000000000 \
    --until all >"$tmp/dfs" 2>&1 || { cat "$tmp/dfs"; echo "dfs with a huge --runs failed"; exit 1; }
grep -q '^dfs: space exhausted after [0-9]* distinct schedules' "$tmp/dfs" ||
    { cat "$tmp/dfs"; echo "dfs did not report exhaustion"; exit 1; }
echo "ok: $(grep '^FAIL run' "$tmp/explore" | cut -d: -f1); $(grep '^dfs:' "$tmp/dfs")"
