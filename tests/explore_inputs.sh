#!/usr/bin/env bash
# explore_inputs.sh CSIM SCENARIOS_DIR: input gaps and output wording of
# explore / replay: a token's variant, --preemptions, duplicate `explore`
# kinds, a directory given as FILE, singular/plural, pct calibration under
# --timeout-ms, replay --json / --trace of a crashed run.
set -euo pipefail
csim=$1
scn=$2/explore/planted_one_preemption.scn
crash=$2/explore/planted_crash.scn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_exit() { # CODE PATTERN CMD...: exit CODE and PATTERN in stdout+stderr
    local code=$1 pat=$2 rc
    shift 2
    set +e; "$@" >"$tmp/o" 2>&1; rc=$?; set -e
    [ $rc -eq "$code" ] || { cat "$tmp/o"; fail "exit $rc, expected $code: $*"; }
    grep -q -e "$pat" "$tmp/o" || { cat "$tmp/o"; fail "no '$pat' from: $*"; }
}
set +e
"$csim" explore "$scn" --strategy dfs --preemptions 1 --in-process >"$tmp/x" 2>&1
set -e
tok=$(sed -n 's/^csim replay //p' "$tmp/x" | head -1)
[ -n "$tok" ] || { cat "$tmp/x"; fail "no token"; }
# 1. a token's variant must be a known preset
bogus=$(echo "$tok" | awk -F. 'BEGIN{OFS="."} {$3="bogus"; print}')
expect_exit 2 "unknown variant 'bogus'" "$csim" replay "$bogus" "$scn"
expect_exit 1 "" "$csim" replay "$tok" "$scn"
# 2. --preemptions: inf / none unbounded, negatives refused like --jobs -1
expect_exit 2 "bad preemption bound '-1'" "$csim" explore "$scn" --strategy dfs --preemptions -1
expect_exit 2 "bad preemption bound '-5'" "$csim" explore "$scn" --strategy dfs --preemptions -5
expect_exit 2 "bad number '-1'" "$csim" explore "$scn" --jobs -1
for u in inf none; do
    expect_exit 0 "no preemption bound" "$csim" explore "$scn" --strategy dfs \
        --preemptions $u --runs 5 --in-process
done
# 3. a duplicated kind on the `explore` line
printf 'scenario "x"\nexplore early early\nactor a: yield\n' >"$tmp/dup.scn"
expect_exit 2 "dup.scn:2:15: error: duplicate choice kind 'early'" "$csim" run "$tmp/dup.scn"
# 4. a directory where one scenario file is expected
expect_exit 2 "is a directory; explore takes one scenario file" "$csim" explore "$tmp"
expect_exit 2 "is a directory; replay takes one scenario file" "$csim" replay "$tok" "$tmp"
# 5. singular / plural
"$csim" explore "$scn" --strategy dfs --preemptions 0 --in-process >"$tmp/o"
grep -q '^dfs: space exhausted after 1 distinct schedule$' "$tmp/o" || { cat "$tmp/o"; fail "plural"; }
cp "$scn" "$tmp/changed.scn"
echo "# changed" >>"$tmp/changed.scn"
one=$(echo "$tok" | awk -F. 'BEGIN{OFS="."} {$NF="AAE"; print}')
set +e; "$csim" replay "$one" "$tmp/changed.scn" --continue random >/dev/null 2>"$tmp/e"; set -e
grep -q '(1 choice,' "$tmp/e" || { cat "$tmp/e"; fail "'1 choices'"; }
# 6. pct calibration runs get --timeout-ms too
printf 'scenario "spin"\nlimit steps 1000000000\nservice svc\n  entrypoint rpc\n  method rpc: return "ok"\nactor a: repeat 1000000000: yield\nexpect\n  final alive\n' >"$tmp/spin.scn"
set +e
timeout 60 "$csim" explore "$tmp/spin.scn" --strategy pct --runs 1 --timeout-ms 300 \
    --jobs 1 >"$tmp/o" 2>&1
rc=$?
set -e
[ $rc -ne 124 ] || fail "pct calibration ignores --timeout-ms (killed by timeout(1))"
grep -q 'calibration run 0 timed out after 300 ms' "$tmp/o" || { cat "$tmp/o"; fail "no calibration timeout note"; }
# 7. replay --json of a crashed run is JSON; --trace says what it can
set +e
"$csim" explore "$crash" --strategy dfs --runs 100 --jobs 1 >"$tmp/c" 2>/dev/null
set -e
ctok=$(grep -A1 '^CRASH run' "$tmp/c" | sed -n 's/^csim replay //p' | head -1)
[ -n "$ctok" ] || { cat "$tmp/c"; fail "no crash token"; }
expect_exit 3 '^{"type":"result","path":.*"verdict":"CRASH","crash":"SIGSEGV"' "$csim" replay "$ctok" "$crash" --json
[ "$(wc -l <"$tmp/o")" -eq 1 ] || { cat "$tmp/o"; fail "--json crash: not one line"; }
expect_exit 3 'no trace is available for a crashed run' "$csim" replay "$ctok" "$crash" --trace
echo "ok: inputs"
