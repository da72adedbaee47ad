#!/usr/bin/env bash
# trace_views.sh CSIM TRACE_CHECK REPO: the trace views of every bundled
# scenario.
#
#  - `csim run scenarios --trace-out DIR/ --html DIR/` writes one Chrome
#    trace event JSON and one HTML page per scenarios/**/*.scn, and every
#    JSON passes tests/trace_check (required fields per phase, B/E nesting
#    and names per track, ts order, named tracks);
#  - a second run writes the same bytes (no clock in any view);
#  - the HTML pages are self-contained (no URL to fetch anything from);
#  - explore's --trace-out / --html of the shrunk failure of
#    bugs/lost_kill_error.scn mark the failure and the critical pair, and
#    `csim replay TOKEN FILE` of its token writes the same bytes;
#  - several scenarios and a FILE destination are refused (exit 2);
#  - trace_check itself rejects broken traces.
set -euo pipefail
csim=$1
check=$2
repo=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$repo"
fail() { echo "FAIL: $*"; exit 1; }

n_scn=$(find scenarios -name '*.scn' | wc -l)
for round in 1 2; do
    set +e
    "$csim" run scenarios --trace-out "$tmp/json$round/" --html "$tmp/html$round/" \
        >"$tmp/run$round.out" 2>&1
    rc=$?
    set -e
    [ $rc -le 1 ] || { cat "$tmp/run$round.out"; fail "csim run exit $rc"; }
done
n_json=$(find "$tmp/json1" -name '*.trace.json' | wc -l)
n_html=$(find "$tmp/html1" -name '*.html' | wc -l)
[ "$n_json" -eq "$n_scn" ] || fail "$n_json trace files for $n_scn scenarios"
[ "$n_html" -eq "$n_scn" ] || fail "$n_html HTML files for $n_scn scenarios"
"$check" "$tmp"/json1/*.trace.json >"$tmp/check.out" ||
    { grep -v '^ok ' "$tmp/check.out" | head -40; fail "trace_check rejected a trace"; }
[ "$(grep -c '^ok ' "$tmp/check.out")" -eq "$n_scn" ] || fail "not every trace checked"
diff -r "$tmp/json1" "$tmp/json2" >/dev/null || fail "the trace JSON differs between two runs"
diff -r "$tmp/html1" "$tmp/html2" >/dev/null || fail "the HTML differs between two runs"
if grep -lE '(src|href|url)[=(]"?(https?:)?//' "$tmp"/html1/*.html >"$tmp/net"; then
    fail "HTML that fetches something: $(head -3 "$tmp/net")"
fi
# a scenario's file is named after its path
[ -f "$tmp/json1/scenarios_bugs_lost_kill_error.trace.json" ] || fail "file naming"

# explore: the shrunk failure, with its critical pair; replay: the same bytes
scn=scenarios/bugs/lost_kill_error.scn
set +e
"$csim" explore "$scn" --in-process --trace-out "$tmp/x.json" --html "$tmp/x.html" \
    >"$tmp/explore.out" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || { cat "$tmp/explore.out"; fail "explore exit $rc, expected 1"; }
token=$(sed -n 's/^csim replay //p' "$tmp/explore.out")
[ -n "$token" ] || fail "no replay token"
"$check" "$tmp/x.json" >/dev/null || { "$check" "$tmp/x.json"; fail "explore's trace"; }
[ "$(grep -c '"cat":"csim.critical"' "$tmp/x.json")" -eq 2 ] || fail "critical pair not marked"
grep -q '"cat":"csim.failure"' "$tmp/x.json" || fail "cited events not marked"
grep -q '"critical":\[[0-9]*,[0-9]*\]' "$tmp/x.html" || fail "HTML without the critical pair"
grep -q '<section id="failures">' "$tmp/x.html" || fail "HTML without the failure"
set +e
"$csim" replay "$token" "$scn" --trace-out "$tmp/r.json" --html "$tmp/r.html" >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || fail "replay exit $rc, expected 1"
cmp -s "$tmp/x.json" "$tmp/r.json" || fail "replay's trace JSON differs from explore's"
cmp -s "$tmp/x.html" "$tmp/r.html" || fail "replay's HTML differs from explore's"

# several scenarios need a directory
set +e
"$csim" run scenarios/examples --trace-out "$tmp/one.json" >"$tmp/many.out" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || fail "several scenarios with a FILE: exit $rc, expected 2"
grep -q 'takes one scenario' "$tmp/many.out" || fail "no reason given: $(cat "$tmp/many.out")"
[ ! -e "$tmp/one.json" ] || fail "wrote a file after refusing"

# the checker catches what it should
bad() {
    local name=$1 want=$2 json=$3
    printf '%s\n' "$json" >"$tmp/bad-$name.json"
    set +e
    "$check" "$tmp/bad-$name.json" >"$tmp/bad-$name.out"
    local rc=$?
    set -e
    [ $rc -eq 1 ] || fail "trace_check accepted $name (exit $rc)"
    grep -q -- "$want" "$tmp/bad-$name.out" ||
        fail "trace_check on $name: wanted '$want', said: $(cat "$tmp/bad-$name.out")"
}
meta='{"ph":"M","pid":1,"tid":1,"name":"thread_name","args":{"name":"t"}},{"ph":"M","pid":1,"tid":1,"name":"process_name","args":{"name":"p"}}'
bad notjson 'not JSON' '{"traceEvents":[,]}'
bad noarray 'no "traceEvents" array' '{"events":[]}'
bad nots 'no "ts"' "{\"traceEvents\":[$meta,{\"ph\":\"i\",\"pid\":1,\"tid\":1,\"name\":\"x\"}]}"
bad nonest 'do not nest' "{\"traceEvents\":[$meta,{\"ph\":\"B\",\"pid\":1,\"tid\":1,\"ts\":1,\"name\":\"a\"},{\"ph\":\"B\",\"pid\":1,\"tid\":1,\"ts\":2,\"name\":\"b\"},{\"ph\":\"E\",\"pid\":1,\"tid\":1,\"ts\":3,\"name\":\"a\"},{\"ph\":\"E\",\"pid\":1,\"tid\":1,\"ts\":4,\"name\":\"b\"}]}"
bad unclosed 'never closed' "{\"traceEvents\":[$meta,{\"ph\":\"B\",\"pid\":1,\"tid\":1,\"ts\":1,\"name\":\"a\"}]}"
bad orphan 'no open B' "{\"traceEvents\":[$meta,{\"ph\":\"E\",\"pid\":1,\"tid\":1,\"ts\":1}]}"
bad order 'before the' "{\"traceEvents\":[$meta,{\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":1,\"ts\":5,\"name\":\"a\"},{\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":1,\"ts\":4,\"name\":\"b\"}]}"
bad unnamed 'no thread_name' '{"traceEvents":[{"ph":"M","pid":1,"tid":1,"name":"process_name","args":{"name":"p"}},{"ph":"i","s":"t","pid":1,"tid":2,"ts":1,"name":"a"}]}'
bad tid0 'tid 0' "{\"traceEvents\":[$meta,{\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":0,\"ts\":1,\"name\":\"a\"}]}"
bad scope 'scope' "{\"traceEvents\":[$meta,{\"ph\":\"i\",\"s\":\"x\",\"pid\":1,\"tid\":1,\"ts\":1,\"name\":\"a\"}]}"
bad badutf8 'invalid UTF-8' "$(printf '{"traceEvents":[],"otherData":{"x":"\xff"}}')"
echo "ok: $n_scn scenarios: trace JSON checked ($(awk '{s += $3} END {print s}' "$tmp/check.out") events), HTML written, both deterministic; explore and replay views equal"
