#!/usr/bin/env bash
# explore_crash.sh CSIM SCENARIOS_DIR: worker isolation.  The planted crash
# passes under `csim run` (fifo); `csim explore --jobs 2` reports the runs
# that segfault as CRASH with a replay token and still completes every other
# run; `csim replay` of such a token says the run crashed (exit 3); the
# output is the same for any number of jobs, also with the crash, and the
# same as in-process where nothing crashes; `crash abort` is named as an abort; `crash overflow` is caught by
# sim as a green thread's stack overflow and is an ordinary failure.
set -euo pipefail
csim=$1
scn=$2/explore/planted_crash.scn
bug=$2/explore/planted_order_bug.scn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
untimed() { sed -E 's/, [0-9]+ runs\/s, [0-9]+ decisions\/s$//' "$1"; }

"$csim" run "$scn" >/dev/null || fail "planted_crash.scn does not pass under fifo"

# until first: the first CRASH ends it, one replay line
set +e
"$csim" explore "$scn" --jobs 2 --runs 200 >"$tmp/first" 2>"$tmp/first.err"
rc=$?
set -e
[ $rc -eq 1 ] || { cat "$tmp/first" "$tmp/first.err"; fail "explore exit $rc, expected 1"; }
grep -q '^CRASH run [0-9]*: SIGSEGV$' "$tmp/first" || { cat "$tmp/first"; fail "no CRASH line"; }
[ "$(grep -c '^csim replay ' "$tmp/first")" -eq 1 ] || fail "not exactly one replay line"

# until all: every run is accounted for, each crash has its token
set +e
"$csim" explore "$scn" --jobs 2 --runs 200 --until all >"$tmp/j2" 2>/dev/null
rc=$?
set -e
[ $rc -eq 1 ] || fail "explore --until all exit $rc, expected 1"
n=$(grep -c '^CRASH run ' "$tmp/j2")
[ "$n" -ge 1 ] || fail "no crash found"
[ "$(grep -c '^csim replay ' "$tmp/j2")" -eq "$n" ] || fail "not one replay line per crash"
grep -q "^200 runs: [0-9]* distinct schedules, $n failures" "$tmp/j2" ||
    { tail -1 "$tmp/j2"; fail "the summary does not count all 200 runs and $n failures"; }

# the same results for any J
for j in 1 3; do
    "$csim" explore "$scn" --jobs $j --runs 200 --until all >"$tmp/j$j" 2>/dev/null || true
    diff <(untimed "$tmp/j2") <(untimed "$tmp/j$j") || fail "--jobs 2 and --jobs $j differ"
done
for s in portfolio dfs; do
    "$csim" explore "$bug" --strategy $s --in-process --runs 120 --until all >"$tmp/b0" || true
    "$csim" explore "$bug" --strategy $s --jobs 1 --runs 120 --until all >"$tmp/b1" 2>/dev/null || true
    "$csim" explore "$bug" --strategy $s --jobs 2 --runs 120 --until all >"$tmp/b2" 2>/dev/null || true
    diff <(untimed "$tmp/b0") <(untimed "$tmp/b1") || fail "$s: in-process and --jobs 1 differ"
    diff <(untimed "$tmp/b1") <(untimed "$tmp/b2") || fail "$s: --jobs 1 and --jobs 2 differ"
done

# the token really crashes, and replay says so
token=$(sed -n 's/^csim replay //p' "$tmp/first")
set +e
"$csim" replay "$token" "$scn" >"$tmp/replay" 2>&1
rc=$?
set -e
[ $rc -eq 3 ] || { cat "$tmp/replay"; fail "replay exit $rc, expected 3 (crashed)"; }
grep -q 'the run crashed: SIGSEGV' "$tmp/replay" || { cat "$tmp/replay"; fail "replay does not say SIGSEGV"; }

# abort and a green thread's stack overflow
sed 's/crash segv/crash abort/' "$scn" >"$tmp/abort.scn"
"$csim" explore "$tmp/abort.scn" --jobs 2 --runs 50 >"$tmp/abort" 2>/dev/null || true
grep -q '^CRASH run [0-9]*: abort (SIGABRT)$' "$tmp/abort" || { cat "$tmp/abort"; fail "abort not reported"; }
sed 's/crash segv/crash overflow/' "$scn" >"$tmp/ovf.scn"
"$csim" explore "$tmp/ovf.scn" --jobs 2 --runs 50 >"$tmp/ovf" 2>/dev/null || true
grep -q '^FAIL run ' "$tmp/ovf" || { cat "$tmp/ovf"; fail "overflow run not a failure"; }
otok=$(sed -n 's/^csim replay //p' "$tmp/ovf")
"$csim" replay "$otok" "$tmp/ovf.scn" --trace >"$tmp/ovf.trace" 2>&1 || true
grep -q "overflowed its stack" "$tmp/ovf.trace" &&
    grep -Eq 'crash +svc\.rpc\.1 +stack overflow' "$tmp/ovf.trace" ||
    { cat "$tmp/ovf.trace"; fail "the overflow is not named"; }
# dfs: a worker restarted after a crash re-enumerates up to it without
# executing it again (--skip), and the enumeration goes on after it
sed 's/^actor firer: .*/&\nactor other: yield; yield/' "$scn" >"$tmp/dfs.scn"
"$csim" run "$tmp/dfs.scn" >/dev/null || fail "dfs.scn does not pass under fifo"
"$csim" explore "$tmp/dfs.scn" --strategy dfs --runs 100000 --jobs 2 --until all >"$tmp/dfs" 2>/dev/null || true
nd=$(grep -c '^CRASH run [0-9]*: SIGSEGV$' "$tmp/dfs")
first=$(sed -n 's/^CRASH run \([0-9]*\):.*/\1/p' "$tmp/dfs" | head -1)
total=$(sed -n 's/^\([0-9]*\) runs: .*/\1/p' "$tmp/dfs")
grep -q '^dfs: space exhausted' "$tmp/dfs" || { cat "$tmp/dfs"; fail "dfs not exhausted"; }
[ "$nd" -ge 2 ] && [ "$total" -gt $((first + 1)) ] || { cat "$tmp/dfs"; fail "dfs did not go on after a crash"; }
"$csim" explore "$tmp/dfs.scn" --strategy dfs --runs 100000 --jobs 3 --until all >"$tmp/dfs3" 2>/dev/null || true
diff <(untimed "$tmp/dfs") <(untimed "$tmp/dfs3") || fail "dfs: --jobs 2 and --jobs 3 differ"
echo "ok: $n crashes in 200 runs; dfs: $nd crashes in $total runs, exhausted; replay: $(grep -o 'the run crashed: [A-Z]*' "$tmp/replay")"
