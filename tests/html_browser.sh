#!/usr/bin/env bash
# html_browser.sh CSIM TRACE_CHECK REPO [SCREENSHOT.png]: the HTML timelines
# in a real browser.  Headless Chromium (Debian's `chromium`, started with
# --headless --no-sandbox --disable-gpu) loads the page of every
# scenarios/examples/*.scn run and of the shrunk failure of
# bugs/lost_kill_error.scn (explore --html), and for each:
#
#  - the page's script ran to its end without an error: the dumped DOM has
#    <body data-timeline="ok"> (window.onerror would set "error");
#  - it draws one lane per green thread: data-lanes and the number of
#    class="lane" elements both equal the thread tracks of the same run's
#    trace JSON (trace_check --threads);
#  - the failure page marks the cited events and the critical pair.
#
# Then it takes a screenshot of the failure page (a PNG; to SCREENSHOT.png
# when given: how reports/timeline-example.png is made).  Without chromium
# the test is skipped (exit 77) unless CI=true, where .ci/deps.sh installs
# it and a missing browser is a failure.
set -euo pipefail
csim=$1
check=$2
repo=$3
shot=${4:-}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    if [ "${CI:-}" = true ]; then
        echo "FAIL: chromium is not installed (CI=true: .ci/deps.sh should have installed it)"
        exit 1
    fi
    echo "SKIP: chromium is not installed; the HTML timeline browser test runs in CI"
    echo "      (apt-get install --no-install-recommends chromium, or run with CI=true ./test.sh)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$repo"
fail() { echo "FAIL: $*"; exit 1; }
start=$SECONDS

chrome() {
    # a profile of its own: nothing read from or left in $HOME
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
        --user-data-dir="$tmp/profile" --no-first-run --disable-extensions \
        --hide-scrollbars "$@" 2>>"$tmp/chromium.log"
}

set +e
"$csim" run scenarios/examples --trace-out "$tmp/v/" --html "$tmp/v/" >/dev/null 2>&1
rc=$?
"$csim" explore scenarios/bugs/lost_kill_error.scn --in-process \
    --trace-out "$tmp/v/failure.trace.json" --html "$tmp/v/failure.html" >/dev/null 2>&1
rc2=$?
set -e
[ $rc -le 1 ] || fail "csim run exit $rc"
[ $rc2 -eq 1 ] || fail "csim explore exit $rc2, expected 1 (a failure)"

pages=0
for html in "$tmp"/v/*.html; do
    base=${html%.html}
    want=$("$check" --threads "$base.trace.json") || fail "trace_check $base.trace.json"
    chrome --dump-dom "file://$html" >"$base.dom" ||
        { tail -5 "$tmp/chromium.log"; fail "chromium could not load $html"; }
    body=$(grep -o '<body[^>]*>' "$base.dom" | head -1)
    case $body in
    *'data-timeline="ok"'*) ;;
    *) fail "$(basename "$html"): the page script did not finish: $body; $(grep -o '<p id="status"[^<]*' "$base.dom")" ;;
    esac
    lanes=$(grep -o 'class="lane"' "$base.dom" | wc -l)
    attr=$(sed -n 's/.*data-lanes="\([0-9]*\)".*/\1/p' <<<"$body")
    [ "$lanes" -eq "$want" ] && [ "$attr" = "$want" ] ||
        fail "$(basename "$html"): $lanes lanes (data-lanes $attr), the trace has $want threads"
    echo "ok $(basename "$html"): loaded, $lanes lanes = $want threads"
    pages=$((pages + 1))
done
dom=$tmp/v/failure.dom
grep -q 'class="guide[a-z ]* crit first"' "$dom" || fail "the critical pair's first event is not marked"
grep -q 'class="guide[a-z ]* crit"' "$dom" || fail "the critical pair's second event is not marked"
grep -q 'class="guide cite' "$dom" || fail "the events the failure cites are not marked"
grep -q '<tr id="ev-[0-9]*" data-i="[0-9]*" class="[a-z ]*cited' "$dom" ||
    fail "no cited row in the event table"

# the virtual-time scale draws too (file://...html#time opens on it)
chrome --dump-dom "file://$tmp/v/failure.html#time" >"$tmp/time.dom" ||
    fail "chromium could not load failure.html#time"
grep -q '<body[^>]*data-timeline="ok"' "$tmp/time.dom" ||
    fail "the virtual-time scale: $(grep -o '<p id="status"[^<]*' "$tmp/time.dom")"
grep -q 'id="scale-time" class="on"' "$tmp/time.dom" || fail "#time did not select the time scale"

out=${shot:-$tmp/failure.png}
chrome --window-size=1400,1020 --screenshot="$out" "file://$tmp/v/failure.html" >/dev/null ||
    fail "chromium could not take a screenshot"
[ "$(head -c 8 "$out" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "the screenshot is not a PNG"
[ "$(wc -c <"$out")" -gt 20000 ] || fail "the screenshot is nearly empty"
echo "ok: $pages pages loaded in $("$browser" --version 2>/dev/null | head -1), no script errors, one lane per thread; screenshot $(wc -c <"$out") bytes; $((SECONDS - start))s"
