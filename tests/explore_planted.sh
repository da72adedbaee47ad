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
echo "ok: $(grep '^FAIL run' "$tmp/explore" | cut -d: -f1)"
