#!/usr/bin/env bash
# junit.sh CSIM SCENARIOS_DIR XSD: `--junit FILE` on run, explore and
# variants.  Every file written validates against tests/junit.xsd (the
# common Jenkins/Ant JUnit shape) with `xmllint --schema`; one testcase per
# scenario file (run), per scenario (explore), per cell `FILE [PRESET]`
# (variants); failures carry the failed expectation and a `csim replay`
# token that replays it; scenario file errors are <error>s, files not run
# <skipped>; text is escaped (markup, control characters, bytes that are
# not UTF-8); the content is the same on every run but for the time
# attributes, and for any --jobs; the file is written atomically.
# xmllint is in Debian's libxml2-utils (.ci/deps.sh installs it).
set -euo pipefail
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
csim=$(abs "$1")
dir=$(abs "$2")
xsd=$(abs "$3")
command -v xmllint >/dev/null 2>&1 ||
    { echo "FAIL: xmllint not found: install libxml2-utils (.ci/deps.sh does)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
valid() { xmllint --noout --schema "$xsd" "$1" 2>"$tmp/xmllint" || { cat "$tmp/xmllint" "$1"; fail "$1 is not valid JUnit XML"; }; }
untimed() { sed -E 's/ time="[0-9.]+"//' "$1"; }
attr() { sed -n "s/.*<$2 [^>]*$3=\"\([^\"]*\)\".*/\1/p" "$1" | head -1; }

# the XSD is strict enough to reject what is not JUnit
printf '<testsuites><testsuite name="x" tests="many"/></testsuites>\n' >"$tmp/bad.xml"
! xmllint --noout --schema "$xsd" "$tmp/bad.xml" 2>/dev/null || fail "the XSD accepts tests=\"many\""
printf '<testsuites><testsuite name="x" tests="1"><testcase name="a"><failure/><error/></testcase></testsuite></testsuites>\n' >"$tmp/bad.xml"
! xmllint --noout --schema "$xsd" "$tmp/bad.xml" 2>/dev/null || fail "the XSD accepts two outcomes"

# run: one testcase per file, all passing
"$csim" run "$dir"/*.scn --junit "$tmp/run.xml" >/dev/null
valid "$tmp/run.xml"
n=$(ls "$dir"/*.scn | wc -l)
[ "$(attr "$tmp/run.xml" testsuite tests)" = "$n" ] || fail "run: tests is not $n"
[ "$(grep -c '<testcase ' "$tmp/run.xml")" = "$n" ] || fail "run: not $n testcases"
[ "$(attr "$tmp/run.xml" testsuite failures)" = 0 ] || fail "run: failures in the bundled scenarios"
"$csim" run "$dir"/*.scn --junit "$tmp/run2.xml" >/dev/null
diff <(untimed "$tmp/run.xml") <(untimed "$tmp/run2.xml") || fail "run: two runs differ beyond time"

# run: a failure carries its expectation and a token that replays it;
# markup and control characters are escaped (a byte that is not UTF-8 is a
# scenario file error, tests/hostile.sh)
sed 's/^  wait returns$/  wait raises Boom/' "$dir/kill_during_stop_loses_error.scn" >"$tmp/wrong.scn"
printf 'service svc\n  dependency db\nactor a: start; stop\nexpect\n  log debug "a<b>&\x01c\xc3\xa9"\n' >"$tmp/odd.scn"
set +e
(cd "$tmp" && "$csim" run wrong.scn odd.scn "$dir/kill_stops_timer.scn" --junit r.xml >/dev/null); rc=$?
set -e
[ $rc -eq 1 ] || fail "run with failures exit $rc"
valid "$tmp/r.xml"
[ "$(attr "$tmp/r.xml" testsuite failures)" = 2 ] || fail "run: not 2 failures"
grep -q '<failure type="FAIL" message="wrong.scn:23: wait raises Boom — actor waiter' "$tmp/r.xml" ||
    fail "run: the failure does not name the expectation"
grep -q 'a&lt;b&gt;&amp;\\x01cé' "$tmp/r.xml" || { cat "$tmp/r.xml"; fail "run: text not escaped"; }
tok=$(sed -n 's/^csim replay //p' "$tmp/r.xml" | head -1)
[ -n "$tok" ] || fail "run: no replay token"
set +e
(cd "$tmp" && "$csim" replay "$tok" wrong.scn) >"$tmp/replay"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q '^FAIL  wrong.scn:23: wait raises Boom' "$tmp/replay" ||
    { cat "$tmp/replay"; fail "run: the token does not replay the failure"; }
# a random run's token replays that run
(cd "$tmp" && "$csim" run --strategy random --seed 3 wrong.scn --junit rr.xml >"$tmp/rr.out") || true
tok=$(sed -n 's/^csim replay //p' "$tmp/rr.xml")
[ -n "$tok" ] || fail "run: no token for the random run"
(cd "$tmp" && "$csim" replay "$tok" wrong.scn) >"$tmp/rr.replay" || true
diff <(head -1 "$tmp/rr.replay") <(head -1 "$tmp/rr.out") ||
    fail "run: a random run's token replays another verdict"

# run: a scenario file error is an <error>; the files not run are <skipped>
printf 'service svc\n  dependency db\nactor a: sleep 5\nexpect\n  final alive\n' >"$tmp/broken.scn"
set +e
"$csim" run "$dir/kill_stops_timer.scn" "$tmp/broken.scn" --junit "$tmp/e.xml" 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ] || fail "run with a file error exit $rc"
valid "$tmp/e.xml"
[ "$(attr "$tmp/e.xml" testsuite errors)" = 1 ] && [ "$(attr "$tmp/e.xml" testsuite skipped)" = 1 ] ||
    fail "run: not 1 error and 1 skipped"
grep -q "<error type=\"ERROR\" message=\"$tmp/broken.scn:3:16: error: bad duration" "$tmp/e.xml" ||
    { cat "$tmp/e.xml"; fail "run: the error does not carry the diagnostic"; }

# atomic: no temp file left; an unwritable path is an error
ls "$tmp" | grep -q '\.tmp\.' && fail "a temp file was left behind"
set +e
"$csim" run "$dir/kill_stops_timer.scn" --junit "$tmp/no/such/dir.xml" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "cannot write $tmp/no/such/dir.xml" "$tmp/err" || fail "unwritable --junit: exit $rc"

# explore: the failure found, with its token; the same for any --jobs
bug=$dir/explore/planted_order_bug.scn
for j in 1 2; do
    "$csim" explore "$bug" --jobs $j --junit "$tmp/x$j.xml" >/dev/null 2>&1 || true
    valid "$tmp/x$j.xml"
done
diff <(untimed "$tmp/x1.xml") <(untimed "$tmp/x2.xml") || fail "explore: --jobs 1 and 2 differ"
[ "$(grep -c '<testcase ' "$tmp/x1.xml")" = 1 ] && [ "$(attr "$tmp/x1.xml" testsuite failures)" = 1 ] ||
    fail "explore: not one failing testcase"
grep -q '<failure type="FAIL" message="FAIL run [0-9]*: .*planted_order_bug.scn:[0-9]*: ' "$tmp/x1.xml" ||
    fail "explore: the failure does not name the expectation"
tok=$(sed -n 's/^csim replay //p' "$tmp/x1.xml")
set +e
"$csim" replay "$tok" "$bug" >/dev/null; rc=$?
set -e
[ $rc -eq 1 ] || fail "explore: the token does not replay a failure (exit $rc)"
# passing, with the sometimes counts as system-out; NEVER HIT is a failure
"$csim" explore "$dir/explore/stop_kill_both_outcomes.scn" --junit "$tmp/s.xml" >/dev/null 2>&1
valid "$tmp/s.xml"
grep -q '<system-out>1000 runs: .*' "$tmp/s.xml" && grep -q '^sometimes .* — hit in [0-9]* of 1000 runs$' "$tmp/s.xml" ||
    fail "explore: no sometimes counts"
set +e
"$csim" explore "$dir/explore/kill_races_worker_wakeup.scn" --strategy dfs --runs 100000 \
    --junit "$tmp/n.xml" >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 1 ] || fail "explore NEVER HIT exit $rc"
valid "$tmp/n.xml"
grep -q '<failure type="NEVER HIT" message=".*kill_races_worker_wakeup.scn:23: ' "$tmp/n.xml" ||
    fail "explore: NEVER HIT is not a failure"
set +e
"$csim" explore "$tmp/broken.scn" --junit "$tmp/xe.xml" 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ] || fail "explore of a broken file exit $rc"
valid "$tmp/xe.xml"
[ "$(attr "$tmp/xe.xml" testsuite errors)" = 1 ] || fail "explore: a file error is not an <error>"

# variants: one testcase per cell; with --expect only the differing cell fails
cat >"$tmp/hook.scn" <<'EOF'
scenario "a kill hook sees the kill's error"
service svc
  dependency db
    kill: mark k "$error"
actor a: start; kill Boom("dying")
expect
  mark k "Boom: dying"
EOF
printf 'scenario\tv1.2.3\tv1.5.0\tcurrent\nhook.scn\tpass\tfail\tpass\n' >"$tmp/want.tsv"
(cd "$tmp" && "$csim" variants hook.scn --variant v1.2.3,v1.5.0,current --runs 50 --junit v.xml >/dev/null)
valid "$tmp/v.xml"
[ "$(attr "$tmp/v.xml" testsuite tests)" = 3 ] && [ "$(attr "$tmp/v.xml" testsuite failures)" = 2 ] ||
    fail "variants: not 3 cells with 2 failures"
grep -q '<testcase classname="csim.variants" name="hook.scn \[v1.5.0\]"' "$tmp/v.xml" || fail "variants: cell name"
set +e
(cd "$tmp" && "$csim" variants hook.scn --variant v1.2.3,v1.5.0,current --runs 50 \
    --expect want.tsv --junit ve.xml >/dev/null); rc=$?
set -e
[ $rc -eq 1 ] || fail "variants --expect exit $rc"
valid "$tmp/ve.xml"
[ "$(attr "$tmp/ve.xml" testsuite failures)" = 1 ] || fail "variants --expect: not 1 failure"
grep -q '<failure type="MISMATCH" message="expected pass, got FAIL@0">hook.scn \[current\] FAIL@0: .*csim replay c1\.' "$tmp/ve.xml" ||
    { cat "$tmp/ve.xml"; fail "variants --expect: the mismatch is not the failure"; }
# a --expect file that cannot be used: exit 2, and every cell an <error>
set +e
(cd "$tmp" && "$csim" variants hook.scn --variant v1.2.3,current --runs 50 \
    --expect want.tsv --junit vt.xml >/dev/null 2>&1); rc=$?
set -e
[ $rc -eq 2 ] || fail "variants with an unusable --expect: exit $rc"
valid "$tmp/vt.xml"
[ "$(attr "$tmp/vt.xml" testsuite errors)" = 2 ] ||
    { cat "$tmp/vt.xml"; fail "variants with an unusable --expect: not 2 errors"; }
echo "ok: junit (run, explore, variants valid against $(basename "$xsd"))"
