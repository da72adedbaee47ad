#!/usr/bin/env bash
# tests/uv_differential.sh CSIM SCENARIOS [BOUND_MS [BUDGET_MS]]
#
# The libuv runtime against the simulator: for every bundled scenario that
# qualifies, `csim run --realtime --trace --json` (a libuv world, real
# time) must print what `csim run --trace --json` (the virtual clock, fifo)
# prints, except the times of the events (real, not virtual) and the why
# texts of failed expectations (they quote event times): the same events
# with the same seq, step, thread, kind, subject and detail, the same
# verdict, failed lines, end time on the world's timeline and steps.
#
# Which files qualify is computed, each exclusion printed with its reason:
#  - the fifo run must complete (a `crash segv|abort` it reaches ends the
#    process: nothing to compare);
#  - it must not end at its step or time limit (a libuv world's time limit
#    is real time, so the cut-off would fall elsewhere);
#  - its virtual duration (the result's time) must be at most BOUND_MS
#    (default 2000): in real time it costs that much wall time;
#  - the real-time runs together stay within BUDGET_MS (default 20000) of
#    virtual time; files past it are left out, largest first.
# Scenarios need no other property: a libuv world answers every scheduling
# choice as fifo does, so `explore` lines, runners, interrupts and hangs
# all compare.  Exit 0 when every qualifying file matches, 1 otherwise.
set -u
csim=${1:?usage: uv_differential.sh CSIM SCENARIOS [BOUND_MS [BUDGET_MS]]}
dir=${2:?usage: uv_differential.sh CSIM SCENARIOS [BOUND_MS [BUDGET_MS]]}
bound_ms=${3:-2000}
budget_ms=${4:-20000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Event times, and the why texts and detail lines of failures, which quote
# them.  The result keeps its time: the timeline's end, the same in both.
normalize() {
    sed -E -e '/^\{"type":"event"/s/,"time":-?[0-9]+//' \
        -e 's/,"why":"([^"\\]|\\.)*"//g' \
        -e 's/,"details":\[("([^"\\]|\\.)*",?)*\]//g' "$1"
}

mapfile -t files < <(find "$dir" -name '*.scn' | LC_ALL=C sort)
excluded=0 compared=0 failed=0
declare -a keep=() dur=()
for f in "${files[@]}"; do
    i=${#keep[@]}
    "$csim" run --trace --json "$f" >"$work/v.$i" 2>"$work/v.$i.err"
    rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "excluded  $f: the fifo run does not complete (exit $rc)"
        excluded=$((excluded + 1))
        continue
    fi
    if grep -q '^{"type":"event".*"kind":"limit"' "$work/v.$i"; then
        echo "excluded  $f: the fifo run ends at its step or time limit (a real-time limit cuts elsewhere)"
        excluded=$((excluded + 1))
        continue
    fi
    ns=$(sed -nE 's/^\{"type":"result".*"time":([0-9]+).*/\1/p' "$work/v.$i")
    ms=$(( (${ns:-0} + 999999) / 1000000 ))
    if [ "$ms" -gt "$bound_ms" ]; then
        echo "excluded  $f: virtual time ${ms}ms > ${bound_ms}ms bound (too slow in real time)"
        excluded=$((excluded + 1))
        continue
    fi
    keep+=("$f")
    dur+=("$ms")
done

# The budget: shortest first, so what does not fit is the longest.
order=$(for i in "${!keep[@]}"; do echo "${dur[$i]} $i"; done | sort -n -k1,1 -k2,2 | cut -d' ' -f2)
spent=0
declare -A run=()
for i in $order; do
    if [ $((spent + dur[i])) -gt "$budget_ms" ]; then
        echo "excluded  ${keep[$i]}: over the ${budget_ms}ms real-time budget of this check (${dur[$i]}ms)"
        excluded=$((excluded + 1))
        continue
    fi
    spent=$((spent + dur[i]))
    run[$i]=1
done

for i in "${!keep[@]}"; do
    [ -n "${run[$i]:-}" ] || continue
    f=${keep[$i]}
    "$csim" run --realtime --trace --json "$f" >"$work/r.$i" 2>"$work/r.$i.err"
    rc=$?
    compared=$((compared + 1))
    if [ "$rc" -gt 1 ]; then
        echo "FAIL      $f: the real-time run exited $rc: $(head -c 300 "$work/r.$i.err")"
        failed=$((failed + 1))
        continue
    fi
    if ! diff <(normalize "$work/v.$i") <(normalize "$work/r.$i") >"$work/d.$i"; then
        echo "FAIL      $f: the real-time trace differs (< virtual, > real time):"
        head -n 12 "$work/d.$i" | sed 's/^/          /'
        failed=$((failed + 1))
        continue
    fi
    echo "same      $f (${dur[$i]}ms)"
done
echo "uv_differential: $compared compared, $((compared - failed)) same, $failed different, $excluded excluded"
[ "$failed" -eq 0 ]
