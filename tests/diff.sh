#!/usr/bin/env bash
# diff.sh CSIM REPO: `csim diff`.
#
#  - a token against itself, and a run's `--json --trace` JSON Lines against
#    its `--trace` text: identical, exit 0;
#  - the shrunk failure of bugs/lost_kill_error.scn alone: B is its schedule
#    without the last preemption; with `--only lifecycle` the first lines
#    that differ are the critical pair explore printed (exit 1);
#  - `--variant hardened`: the same token under the hardened container;
#  - two different schedules as text traces differ (exit 1) and print the
#    context asked for;
#  - errors are exit 2: not a token or file, a passing token alone, a run
#    that crashes, a trace file of two scenarios.
set -euo pipefail
csim=$1
repo=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$repo"
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() {
    local want=$1 out=$2
    shift 2
    set +e
    "$csim" "$@" >"$out" 2>"$out.err"
    local rc=$?
    set -e
    [ $rc -eq "$want" ] || { cat "$out" "$out.err"; fail "csim $* exit $rc, expected $want"; }
}

scn=scenarios/bugs/lost_kill_error.scn
expect_rc 1 "$tmp/explore" explore "$scn" --in-process
token=$(sed -n 's/^csim replay //p' "$tmp/explore")
crit=$(sed -n 's/^  critical pair: //p' "$tmp/explore")
[ -n "$token" ] && [ -n "$crit" ] || fail "explore gave no token or critical pair"

expect_rc 0 "$tmp/same" diff "$token" "$token" "$scn"
grep -q '^identical: [0-9]* events$' "$tmp/same" || fail "not identical: $(cat "$tmp/same")"

expect_rc 0 "$tmp/run.jsonl" run --json --trace scenarios/examples/self_kill_hangs.scn
expect_rc 0 "$tmp/run.txt" run --trace scenarios/examples/self_kill_hangs.scn
expect_rc 0 "$tmp/formats" diff "$tmp/run.jsonl" "$tmp/run.txt"

# one token: against the schedule without its last preemption
expect_rc 1 "$tmp/nb" diff "$token" "$scn" --only lifecycle --context 2
grep -q '^B: the same schedule without its last preemption (critical pair: ' "$tmp/nb" ||
    fail "B is not the neighbour: $(cat "$tmp/nb")"
a=$(sed -n 's/^`\([^`]*\)` before `.*/\1/p' <<<"$crit")
b=$(sed -n 's/^`[^`]*` before `\([^`]*\)`.*/\1/p' <<<"$crit")
minus=$(grep -m1 '^- ' "$tmp/nb" | awk '{$1=$2=$3=$4=$5=""; print}' | xargs)
plus=$(grep -m1 '^+ ' "$tmp/nb" | awk '{$1=$2=$3=$4=$5=""; print}' | xargs)
[ "$minus" = "$(xargs <<<"$a")" ] || fail "first A line '$minus', the critical pair says '$a'"
[ "$plus" = "$(xargs <<<"$b")" ] || fail "first B line '$plus', the critical pair says '$b'"
[ "$(grep -c '^  ' "$tmp/nb")" -eq 3 ] || fail "not the header and 2 context lines: $(cat "$tmp/nb")"

expect_rc 1 "$tmp/var" diff "$token" "$scn" --variant hardened
grep -q '^B: the same token under --variant hardened: PASS' "$tmp/var" || fail "variant: $(cat "$tmp/var")"

expect_rc 0 "$tmp/a.txt" run --trace scenarios/kill_during_stop_loses_error.scn
expect_rc 0 "$tmp/b.txt" run --trace --strategy random --seed 3 scenarios/kill_during_stop_loses_error.scn
expect_rc 1 "$tmp/ab" diff "$tmp/a.txt" "$tmp/b.txt" --context 1 --ignore-time
grep -q '^first difference: A #[0-9]*, B #[0-9]* (after [0-9]* equal events)$' "$tmp/ab" ||
    fail "no first difference line: $(cat "$tmp/ab")"
[ "$(grep -c '^- ' "$tmp/ab")" -eq 2 ] && [ "$(grep -c '^+ ' "$tmp/ab")" -eq 2 ] ||
    fail "--context 1: not 2 lines a side: $(cat "$tmp/ab")"

# errors
expect_rc 2 "$tmp/e1" diff no-such-thing "$token"
grep -q 'neither a trace file nor a replay token' "$tmp/e1.err" || fail "e1: $(cat "$tmp/e1.err")"
expect_rc 1 "$tmp/pl" explore scenarios/explore/planted_order_bug.scn --in-process
ptok=$(sed -n 's/^csim replay //p' "$tmp/pl")
[ -n "$ptok" ] || fail "no planted token"
expect_rc 0 "$tmp/fifo.txt" run --trace scenarios/explore/planted_order_bug.scn
expect_rc 1 "$tmp/pl2" diff "$tmp/fifo.txt" "$ptok" scenarios/explore/planted_order_bug.scn
# a passing run alone has no neighbour to compare with: the fifo token
fifo_token=$(sed -E 's/\.x\.[A-Za-z0-9_-]*$/.x./' <<<"$ptok")
expect_rc 2 "$tmp/e2" diff "$fifo_token" scenarios/explore/planted_order_bug.scn
grep -q 'passed; give a second token' "$tmp/e2.err" || fail "e2: $(cat "$tmp/e2.err")"
cat "$tmp/a.txt" "$tmp/run.txt" >"$tmp/two.txt"
expect_rc 2 "$tmp/e3" diff "$tmp/two.txt" "$tmp/a.txt"
grep -q 'diff takes one run per side' "$tmp/e3.err" || fail "e3: $(cat "$tmp/e3.err")"
set +e
"$csim" explore scenarios/explore/planted_crash.scn --jobs 1 --runs 200 >"$tmp/crash" 2>/dev/null
set -e
ctok=$(sed -n 's/^csim replay //p' "$tmp/crash")
[ -n "$ctok" ] || fail "no crash token"
expect_rc 2 "$tmp/e4" diff "$ctok" "$ctok" scenarios/explore/planted_crash.scn
grep -q 'crashed' "$tmp/e4.err" || fail "e4: $(cat "$tmp/e4.err")"
echo "ok: identical runs, JSON Lines = text, the neighbour's first difference is the critical pair ($crit), variants, context, errors"
