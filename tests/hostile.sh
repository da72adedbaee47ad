#!/usr/bin/env bash
# hostile.sh CSIM SCENARIOS_DIR: hostile scenario files (issue #7).  One
# check per class: csim exits 2 with the exact `file:line:col: error:` line
# for a file error (1 with a clear verdict for a run-time one), never dies
# by a signal (exit >= 128) and never hangs (every command runs under a
# timeout).  Big inputs are generated here, in a temporary directory.
set -uo pipefail
csim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
scenarios=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# run_csim NAME CMD...: runs csim CMD... under a timeout; sets rc, out
# (stdout) and err (stderr); a signal or a timeout is a failure.
run_csim() {
    local name=$1
    shift
    timeout 60 "$csim" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
    if [ $rc -eq 124 ]; then
        fail "$name: timed out (csim $*)"
        return 1
    fi
    if [ $rc -ge 128 ]; then
        fail "$name: killed by signal $((rc - 128)) (csim $*)"
        return 1
    fi
    return 0
}

# file_error NAME FILE LINE [SUBCOMMAND]: csim SUBCOMMAND (default run)
# FILE exits 2 and its first stderr line is exactly LINE.
file_error() {
    local name=$1 file=$2 want=$3 cmd=${4:-run}
    run_csim "$name" "$cmd" "$file" || return
    [ $rc -eq 2 ] || fail "$name: $cmd exit $rc, expected 2"
    local first=${err%%$'\n'*}
    [ "$first" = "$want" ] ||
        fail "$name: $cmd printed '$first', expected '$want'"
}

# verdict NAME FILE RC LINE: csim run FILE exits RC and stdout has LINE.
verdict() {
    local name=$1 file=$2 want_rc=$3 want=$4
    run_csim "$name" run "$file" || return
    [ $rc -eq "$want_rc" ] || fail "$name: exit $rc, expected $want_rc ($out $err)"
    grep -qxF -- "$want" "$tmp/out" || fail "$name: no line '$want' in: $out"
}

SVC='service svc
  method m: return "1"'
EXP='expect
  final alive'
# mk NAME LINES...: writes NAME.scn from the lines
mk() {
    local f=$1
    shift
    printf '%s\n' "$@" >"$f"
}

# ---- empty file: the error, and no blank source line and caret after it
: >empty.scn
file_error empty empty.scn "empty.scn:1:1: error: empty scenario file"
[ "$err" = "empty.scn:1:1: error: empty scenario file
csim: 1 scenario file with errors; nothing was run" ] || fail "empty: stderr is '$err'"
mk comments.scn "# only a comment" "" "   "
file_error comments-only comments.scn "comments.scn:1:1: error: empty scenario file"

# echoed NAME SOURCE COL: the last file error's stderr lines 2 and 3 are
# SOURCE (the line as echoed, bad bytes escaped) and a caret under its
# column COL, i.e. under the escape of the bad byte.
echoed() {
    local name=$1 src=$2 col=$3 want got
    want=$(printf '  %s\n  %*s^' "$src" $((col - 1)) '')
    got=$(printf '%s\n' "$err" | sed -n 2,3p)
    [ "$got" = "$want" ] || fail "$name: echoed '$got', expected '$want'"
}

# ---- NUL bytes: at the byte's own line and column; the whole line is
# echoed with the NUL as \0 and the caret under it
printf 'scenario "ab\0cd"\n' >nul.scn
file_error nul nul.scn "nul.scn:1:13: error: NUL byte in scenario file"
echoed nul 'scenario "ab\0cd"' 13
printf '%s\n  # a NUL \0 in a comment\n' "$SVC" >nul2.scn
file_error nul-comment nul2.scn "nul2.scn:3:11: error: NUL byte in scenario file"
echoed nul-comment '  # a NUL \0 in a comment' 11
printf '\0service svc\n' >nul0.scn
file_error nul-col1 nul0.scn "nul0.scn:1:1: error: NUL byte in scenario file"
echoed nul-col1 '\0service svc' 1
printf 'scenario "\0\xff"\n' >nulutf.scn
file_error nul-and-utf8 nulutf.scn "nulutf.scn:1:11: error: NUL byte in scenario file"
echoed nul-and-utf8 'scenario "\0\xff"' 11

# ---- invalid UTF-8, at the first bad byte: stray, overlong, surrogate,
# above U+10FFFF, truncated; in a string and in a comment
utf8() { # NAME BYTES COL
    printf 'scenario "x%b"\n%s\nactor a: start\n%s\n' "$2" "$SVC" "$EXP" >"$1.scn"
    file_error "utf8-$1" "$1.scn" \
        "$1.scn:1:$3: error: invalid UTF-8 (byte 0x$4); scenario files are UTF-8 text"
    # every byte of these is outside a valid sequence: echoed as written
    echoed "utf8-$1" "scenario \"x$2\"" "$3"
}
utf8 stray '\xff\xfe' 12 ff
utf8 cont '\x80' 12 80
utf8 overlong2 '\xc0\xaf' 12 c0
utf8 overlong3 '\xe0\x80\xaf' 12 e0
utf8 overlong4 '\xf0\x80\x80\xaf' 12 f0
utf8 surrogate '\xed\xa0\x80' 12 ed
utf8 toobig '\xf4\x90\x80\x80' 12 f4
utf8 truncated 'ok\xe2\x82' 14 e2
utf8 f5 '\xf5\x80\x80\x80' 12 f5
printf '%s\nactor a: start  # caf\xe9\n%s\n' "$SVC" "$EXP" >latin1.scn
file_error utf8-comment latin1.scn \
    "latin1.scn:3:22: error: invalid UTF-8 (byte 0xe9); scenario files are UTF-8 text"
echoed utf8-comment 'actor a: start  # caf\xe9' 22
printf '\xffservice svc\n' >lead.scn
file_error utf8-col1 lead.scn "lead.scn:1:1: error: invalid UTF-8 (byte 0xff); scenario files are UTF-8 text"
echoed utf8-col1 '\xffservice svc' 1
printf 'service svc\n  method m: return "\xc3' >tailc3.scn
file_error utf8-eof tailc3.scn "tailc3.scn:2:21: error: invalid UTF-8 (byte 0xc3); scenario files are UTF-8 text"
echoed utf8-eof '  method m: return "\xc3' 21
# valid characters before the bad byte stay as they are; the caret counts
# "\xc3\xa9" as one column
printf 'scenario "h\xc3\xa9\xff"\n' >mixed.scn
file_error utf8-mixed mixed.scn "mixed.scn:1:14: error: invalid UTF-8 (byte 0xff); scenario files are UTF-8 text"
echoed utf8-mixed "$(printf 'scenario "h\xc3\xa9')\\xff\"" 13
printf 'scenario "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e \xef\xbf\xbd"  # \xe2\x9c\x93\n%s\nactor a: start\n%s\n' \
    "$SVC" "$EXP" >goodutf8.scn
verdict utf8-valid goodutf8.scn 0 "PASS  goodutf8.scn  (6 events)"
printf '\xef\xbb\xbfscenario "bom"\n%s\nactor a: strat\n%s\n' "$SVC" "$EXP" >bom.scn
file_error utf8-bom bom.scn "bom.scn:4:10: error: unknown step 'strat'; did you mean 'start'?"

# ---- a 1 MiB line: the diagnostic shows a window around the column, the
# caret under the right byte; a 1 MiB comment is fine
big=$(head -c 1048576 /dev/zero | tr '\0' a)
printf 'scenario "%s" junk\n%s\nactor a: start\n%s\n' "$big" "$SVC" "$EXP" >long.scn
file_error long-line long.scn "long.scn:1:1048589: error: unexpected 'junk' at end of line"
src=$(sed -n 2p "$tmp/err")
caret=$(sed -n 3p "$tmp/err")
[ ${#src} -le 140 ] || fail "long-line: source line is ${#src} bytes"
case $src in "  ..."*'" junk') ;; *) fail "long-line: source window '$src'" ;; esac
[ "${src:${#caret}-1:4}" = "junk" ] || fail "long-line: caret not under 'junk': '$src' / '$caret'"
[ "$(wc -c <"$tmp/err")" -lt 1000 ] || fail "long-line: stderr is $(wc -c <"$tmp/err") bytes"
printf '# %s\n%s\nactor a: start\n%s\n' "$big" "$SVC" "$EXP" >longcomment.scn
verdict long-comment longcomment.scn 0 "PASS  longcomment.scn  (6 events)"
# a 1 MiB line of 80k steps with strings: linear, not quadratic
{
    echo "$SVC"
    printf 'actor a: '
    yes 'mark x "a"; ' | head -n 80000 | tr -d '\n'
    echo 'mark y'
    echo "expect"
    echo "  exactly 80000 mark x"
} >strings.scn
verdict long-line-strings strings.scn 0 "PASS  strings.scn  (80004 events)"
# a multi-byte character before the column takes one caret column
printf 'scenario "%s\xc3\xa9" junk\n%s\nactor a: start\n%s\n' "$big" "$SVC" "$EXP" >longe.scn
file_error long-utf8 longe.scn "longe.scn:1:1048591: error: unexpected 'junk' at end of line"

# ---- 100k lines
{
    echo "$SVC"
    echo "actor a:"
    yes "  mark a" | head -n 100000
    echo "expect"
    echo "  exactly 100000 mark a"
} >lines.scn
verdict 100k-lines lines.scn 0 "PASS  lines.scn  (100003 events)"
# 100k distinct names of each kind: linear, not quadratic (each well
# inside the timeout).  Checking is expectations x events, so 1000 here.
{
    echo "$SVC"
    echo "actor a:"
    seq 1 100000 | sed 's/^/  mark a/'
    seq 1 100000 | sed 's/^/  send e/'
    echo "expect"
    seq 1 100 100000 | sed 's/^/  mark a/'
} >names.scn
verdict 100k-names names.scn 0 "PASS  names.scn  (200003 events)"
{
    printf 'event'
    seq 1 100000 | sed 's/^/ w/' | tr -d '\n'
    echo
    seq 1 100000 | sed 's/^\(.*\)$/error e\1 = Boom("x")/'
    echo "service svc"
    seq 1 100000 | sed 's/^/  method m/; s/$/: return "1"/'
    seq 1 100000 | sed 's/^/service s/'
    echo "actor a: start svc"
    echo "expect"
    echo "  final svc alive"
} >decls.scn
verdict 100k-declarations decls.scn 0 "PASS  decls.scn  (6 events)"
{
    echo "$SVC"
    echo "actor a: start"
    echo "expect"
    seq 1 100000 | sed 's/^/  never mark nosuch/'
} >warns.scn
run_csim 100k-warnings run warns.scn
[ $rc -eq 0 ] || fail "100k-warnings: exit $rc"
[ "$(grep -c ': warning: ' "$tmp/err")" = 21 ] || fail "100k-warnings: $(grep -c ': warning: ' "$tmp/err") warning lines"
grep -qxF "warns.scn: warning: 99980 more patterns that can never match (not shown)" "$tmp/err" ||
    fail "100k-warnings: no closing count"

# ---- deep nesting: the block limit (32), for every block step, inline
# and indented; sub-extensions (32, what the container binds); the
# indentation limit (200) for step lines; 100k levels on one line; 32
# blocks still run
blocks() { # N STEP: STEP: nested N times, then mark deep
    local s="" i
    for ((i = 0; i < $1; i++)); do s+="$2: "; done
    printf '%smark deep' "$s"
}
for step in "repeat 1" "spawn t" "every 1ms"; do
    n=${step%% *}
    mk "inline_$n.scn" "$SVC" "actor a: $(blocks 33 "$step")" "$EXP"
    col=$((10 + 32 * (${#step} + 2)))
    file_error "nesting-inline-$n" "inline_$n.scn" \
        "inline_$n.scn:3:$col: error: blocks nested too deep (more than 32 nested spawn, every and repeat steps)"
done
{
    echo "$SVC"
    echo "actor a:"
    for ((i = 0; i < 3000; i++)); do printf '%*srepeat 1:\n' $((i + 2)) ""; done
    printf '%*smark a\n' 3002 ""
    echo "$EXP"
} >indented.scn
file_error nesting-indented indented.scn \
    "indented.scn:36:35: error: blocks nested too deep (more than 32 nested spawn, every and repeat steps)"
mk inline100k.scn "$SVC" "actor a: $(blocks 100000 "repeat 1")" "$EXP"
file_error nesting-100k inline100k.scn \
    "inline100k.scn:3:330: error: blocks nested too deep (more than 32 nested spawn, every and repeat steps)"
{
    echo "$SVC"
    echo "actor a:"
    for ((i = 0; i < 3000; i++)); do printf '%*smark a\n' $((i + 2)) ""; done
    echo "$EXP"
} >continued.scn
file_error nesting-lines continued.scn \
    "continued.scn:203:202: error: indentation nested too deep (more than 200 levels)"
{
    echo "service svc"
    echo "  dependency db"
    for ((i = 0; i < 3000; i++)); do printf '%*sextension e%d\n' $((i + 4)) "" $i; done
    echo "actor a: start"
    echo "$EXP"
} >exts.scn
file_error nesting-extensions exts.scn \
    "exts.scn:35:37: error: extensions nested too deep (more than 32 sub-extensions inside one another)"
mk hooks.scn "service svc" "  dependency db" "    stop: $(blocks 33 "repeat 1")" \
    "actor a: start" "$EXP"
file_error nesting-hook hooks.scn \
    "hooks.scn:3:331: error: blocks nested too deep (more than 32 nested spawn, every and repeat steps)"
mk deep32.scn "service svc" "  entrypoint rpc method=m" \
    "    handle_result: $(blocks 32 "repeat 1")" \
    "  method m: $(blocks 32 "repeat 1")" \
    "actor a: start; fire rpc; $(blocks 32 "spawn t")" \
    "expect" "  exactly 3 mark deep"
verdict nesting-32-runs deep32.scn 0 "PASS  deep32.scn  (271 events)"

# ---- unterminated strings
mk unterm.scn 'scenario "abc' "$SVC" "actor a: start" "$EXP"
file_error unterminated unterm.scn "unterm.scn:1:10: error: unterminated string"
mk unterm2.scn "$SVC" 'actor a: mark x "ab\' "$EXP"
file_error unterminated-escape unterm2.scn "unterm2.scn:3:17: error: unterminated string"

# ---- unknown keywords (top level, step, hook)
mk kw.scn "$SVC" "actor a: start" "servise x" "$EXP"
file_error unknown-keyword kw.scn "kw.scn:4:1: error: unknown keyword 'servise'; did you mean 'service'?"
mk kw2.scn "$SVC" "actor a: strat" "$EXP"
file_error unknown-step kw2.scn "kw2.scn:3:10: error: unknown step 'strat'; did you mean 'start'?"
mk kw3.scn "service svc" "  dependency db" "    stp: mark x" "actor a: start" "$EXP"
file_error unknown-hook kw3.scn "kw3.scn:3:5: error: unknown hook 'stp'; did you mean 'stop'?"

# ---- duplicate names
mk dup1.scn "$SVC" "$SVC" "actor a: start" "$EXP"
file_error duplicate-service dup1.scn "dup1.scn:3:9: error: duplicate service 'svc'"
mk dup2.scn "$SVC" "actor a: start" "actor a: stop" "$EXP"
file_error duplicate-actor dup2.scn "dup2.scn:4:7: error: duplicate actor 'a'"
mk dup3.scn "event go go" "$SVC" "actor a: start" "$EXP"
file_error duplicate-event dup3.scn "dup3.scn:1:10: error: duplicate event 'go'"
mk dup4.scn "$SVC" '  method m: return "2"' "actor a: start" "$EXP"
file_error duplicate-method dup4.scn "dup4.scn:3:10: error: duplicate method 'm' in service 'svc'"
mk dup5.scn 'error e = Boom("a")' 'error e = Boom("b")' "$SVC" "actor a: start" "$EXP"
file_error duplicate-error dup5.scn "dup5.scn:2:7: error: duplicate error 'e'"
mk dup6.scn "$SVC" "  dependency db" "  dependency db" "actor a: start" "$EXP"
file_error duplicate-extension dup6.scn "dup6.scn:4:14: error: duplicate extension 'db' in service 'svc'"

# ---- references to undefined events, extensions, methods, actors, errors
mk undef1.scn "$SVC" "actor a: wait og" "$EXP"
file_error undefined-event undef1.scn \
    "undef1.scn:3:15: error: undefined event 'og' (never sent; declare it with 'event og' to wait forever)"
mk undef2.scn "$SVC" "actor a: start" "expect" "  never db.stop"
file_error undefined-extension undef2.scn "undef2.scn:5:9: error: undefined extension 'db' in 'db.stop'"
mk undef3.scn "service svc" "  entrypoint rpc method=nosuch" "actor a: start" "$EXP"
file_error undefined-method undef3.scn "undef3.scn:2:25: error: undefined method 'nosuch' in service 'svc'"
mk undef4.scn "$SVC" "actor a: start" "expect" "  actor b returns"
file_error undefined-actor undef4.scn "undef4.scn:5:9: error: undefined actor 'b'"
mk undef5.scn "$SVC" "actor a: start" "expect" "  start raises Nope"
file_error undefined-error-type undef5.scn \
    "undef5.scn:5:16: error: undefined error type 'Nope' (never raised in this file and not built in)"
mk undef6.scn "$SVC" "actor a: raise boom" "$EXP"
file_error undefined-error undef6.scn \
    "undef6.scn:3:16: error: undefined error 'boom' (declare it with 'error boom = Type(\"message\")', or capitalise an error type)"

# ---- negative, zero and overflowing durations and counts
dur() { # NAME STEPLINE COL MESSAGE [TOPLINE: then the error is on it]
    mk "$1.scn" ${5:+"$5"} "$SVC" "actor a: $2" "$EXP"
    local line=3
    [ -n "${5:-}" ] && line=1
    file_error "count-$1" "$1.scn" "$1.scn:$line:$3: error: $4"
}
dur sleep-neg "sleep -1ms" 16 "duration must not be negative: '-1ms'"
dur sleep-big "sleep 9223372037s" 16 "duration '9223372037s' overflows"
dur sleep-unit "sleep 5" 16 "bad duration '5' (missing unit: ns, us, ms or s)"
dur every-zero "every 0ms: mark x" 16 "duration must be positive: '0ms'"
dur timeout-zero "wait go timeout 0" 26 "duration must be positive: '0'"
dur repeat-zero "repeat 0: mark x" 17 "repeat count must be at least 1 (a 'repeat 0' block would never run)"
dur repeat-neg "repeat -3: mark x" 17 "a repeat count must not be negative"
dur repeat-big "repeat 9223372036854775808: mark x" 17 "number '9223372036854775808' is too large"
dur limit-steps-zero "start" 13 "step limit must be positive" "limit steps 0"
dur limit-steps-neg "start" 13 "a step count must not be negative" "limit steps -1"
dur limit-steps-big "start" 13 "number '99999999999999999999' is too large" "limit steps 99999999999999999999"
dur limit-time-zero "start" 12 "duration must be positive: '0s'" "limit time 0s"
mk at.scn "$SVC" "actor a at -1ms: start" "$EXP"
file_error count-at-neg at.scn "at.scn:3:12: error: duration must not be negative: '-1ms'"
mk mw.scn "service svc max_workers=0" '  method m: return "1"' "actor a: start" "$EXP"
file_error count-max-workers-zero mw.scn "mw.scn:1:25: error: max_workers must be at least 1"
mk timer.scn "service svc" "  entrypoint t timer=0ms" '  method t: return "1"' "actor a: start" "$EXP"
file_error count-timer-zero timer.scn "timer.scn:2:22: error: duration must be positive: '0ms'"
mk least.scn "$SVC" "actor a: start" "expect" "  at least 0 mark x"
file_error count-at-least-zero least.scn \
    "least.scn:5:12: error: 'at least 0' always holds (a count of 0 is only meaningful as 'exactly 0' or 'at most 0', i.e. never)"
mk exbig.scn "$SVC" "actor a: mark x" "expect" "  exactly 9223372036854775808 mark x"
file_error count-exactly-big exbig.scn "exbig.scn:5:11: error: number '9223372036854775808' is too large"
# zero where it means something: sleep 0 yields, exactly 0 is never
mk zero.scn "$SVC" "actor a: sleep 0; sleep 0s; start" "expect" "  exactly 0 mark x" "  at most 0 mark x" "  final alive"
verdict count-zero-ok zero.scn 0 "PASS  zero.scn  (10 events)"
# virtual time saturates: a sleep past the end of time hits the time limit
mk endtime.scn "limit time 9223372036s" "$SVC" "actor a at 9223372036s: sleep 9223372036s; mark x" "$EXP"
verdict time-saturates endtime.scn 1 \
    "HUNG  endtime.scn: time limit reached (9223372036s of virtual time) at step 2; no thread kept switching; still alive: thread 1 a"
# one long sleep past the default limit: nothing spun, so no "livelock" and
# no "spinning", the sleeper is named
mk longsleep.scn "$SVC" "actor a: sleep 9223372036854775807ns" "$EXP"
verdict time-long-sleep longsleep.scn 1 \
    "HUNG  longsleep.scn: time limit reached (3600s of virtual time) at step 1; no thread kept switching; still alive: thread 1 a"
# a thread that kept waking up to the time limit is still spinning
mk tick.scn "limit time 10s" "$SVC" "actor a:" "  repeat 1000:" "    sleep 1s" "$EXP"
verdict time-spinning tick.scn 1 \
    "HUNG  tick.scn: livelock: time limit reached (10s of virtual time) at step 11; spinning in the last 11 switches: thread 1 a (11)"
# the step limit: "1 switch", not "1 switches"
mk onestep.scn "limit steps 1" "$SVC" "actor a: sleep 0s" "actor b: sleep 0s" "$EXP"
verdict step-limit-one onestep.scn 1 \
    "HUNG  onestep.scn: livelock: step limit reached (1 switch) at 0; spinning in the last 1 switch: thread 1 a (1)"

# ---- a deadlock of many threads: the first 20 are listed, then a count,
# in the text and in --json (details and "blocked")
mk many.scn "event go" "$SVC" "actor a:" "  repeat 3000:" "    spawn t:" "      wait go" "  wait go" "$EXP"
verdict deadlock-cap many.scn 1 \
    "HUNG  many.scn: 3001 thread(s) blocked at 0 (step 3001), nothing can wake them"
[ "$(grep -c '^      thread ' "$tmp/out")" = 20 ] || fail "deadlock-cap: not 20 thread lines: $(wc -l <"$tmp/out") lines"
grep -qxF "      thread 20 t: event go" "$tmp/out" || fail "deadlock-cap: no thread 20 line"
grep -qxF "      ... and 2981 more blocked threads" "$tmp/out" || fail "deadlock-cap: no count line"
[ "$(wc -l <"$tmp/out")" = 23 ] || fail "deadlock-cap: $(wc -l <"$tmp/out") lines, expected 23"
run_csim deadlock-cap-json run --json many.scn
grep -qF '"thread 20 t: event go","... and 2981 more blocked threads"]' "$tmp/out" ||
    fail "deadlock-cap-json: details: $(head -c 300 "$tmp/out")"
[ "$(grep -o '"waiting_on"' "$tmp/out" | wc -l)" = 20 ] || fail "deadlock-cap-json: blocked is not 20 entries"
grep -qF '"blocked_more":2981' "$tmp/out" || fail "deadlock-cap-json: no blocked_more"

# ---- an expectation that can never match: a warning, the run goes on
mk never.scn "$SVC" "actor a: start; mark real" "expect" "  exactly 1 mark nosuch" "  final alive"
run_csim warning-fails run never.scn
[ $rc -eq 1 ] || fail "warning: exit $rc, expected 1 (the expectation fails)"
[ "${err%%$'\n'*}" = "never.scn:5:18: warning: 'mark nosuch' can never match in this scenario (no step marks 'nosuch')" ] ||
    fail "warning: stderr '$err'"
mk never2.scn "$SVC" "actor a: start" "expect" "  never crash" "  never reply x" "  never step b.start" \
    "  never call svc.m" "  final alive"
run_csim warning-passes run never2.scn
[ $rc -eq 0 ] || fail "warning-passes: exit $rc, expected 0"
[ "$(grep -c ': warning: ' "$tmp/err")" = 4 ] || fail "warning-passes: stderr '$err'"
grep -qxF "never2.scn:8:14: warning: 'call svc.m' can never match in this scenario (no entrypoint of 'svc' runs method 'm')" "$tmp/err" ||
    fail "warning-passes: no method warning in '$err'"
grep -qxF "never2.scn:7:14: warning: 'step b.start' can never match in this scenario (no actor is called 'b')" "$tmp/err" ||
    fail "warning-passes: no step warning in '$err'"
run_csim warning-explore explore never.scn --runs 2
grep -qF "never.scn:5:18: warning: 'mark nosuch'" "$tmp/err" || fail "warning-explore: stderr '$err'"
# and none on the bundled scenarios
run_csim warning-bundled run "$scenarios"
! grep -q ': warning: ' "$tmp/err" || fail "bundled scenarios warn: $(grep ': warning: ' "$tmp/err")"

# ---- an actor with no steps
mk nosteps.scn "$SVC" "actor main:" "$EXP"
file_error no-steps nosteps.scn "nosteps.scn:3:7: error: actor 'main' has no steps (give it at least one, e.g. 'actor main: start')"

# ---- a livelock: the step limit, the spinning thread named; virtual time
mk spin.scn "$SVC" "actor spinner:" "  repeat 1000000000:" "    sleep 0s" "$EXP"
verdict livelock-steps spin.scn 1 \
    "HUNG  spin.scn: livelock: step limit reached (1000000 switches) at 0; spinning in the last 100 switches: thread 1 spinner (100)"
mk spin2.scn "limit steps 1000" "event never" "$SVC" "actor idle: wait never" "actor a: repeat 1000000: yield" \
    "actor b: repeat 1000000: mark b" "$EXP"
verdict livelock-two spin2.scn 1 \
    "HUNG  spin2.scn: livelock: step limit reached (1000 switches) at 0; spinning in the last 100 switches: thread 2 a (50), thread 3 b (50)"
first=$out
run_csim livelock-deterministic run spin2.scn
[ "$out" = "$first" ] || fail "livelock: two runs differ"
run_csim livelock-json run --json spin2.scn
grep -q '"verdict":"HUNG",.*"why":"livelock: step limit reached (1000 switches)' "$tmp/out" ||
    fail "livelock-json: $out"
mk spin3.scn "limit time 10ms" "$SVC" "actor ticker: every 1ms: mark t" "$EXP"
verdict livelock-time spin3.scn 1 \
    "HUNG  spin3.scn: livelock: time limit reached (10ms of virtual time) at step 11; spinning in the last 11 switches: thread 1 ticker (11)"

# ---- a green thread that overflows its stack: named, its run FAILs, the
# rest of the suite runs
mkdir suite
mk suite/a_overflow.scn "$SVC" "actor deep: crash overflow" "actor other: start" "$EXP"
mk suite/b_ok.scn "$SVC" "actor main: start" "$EXP"
run_csim overflow run suite
[ $rc -eq 1 ] || fail "overflow: exit $rc, expected 1"
grep -qxF "csim: green thread 'deep' overflowed its stack" "$tmp/err" || fail "overflow: stderr '$err'"
grep -qxF "FAIL  suite/a_overflow.scn: run — green thread 'deep' crashed (stack overflow)" "$tmp/out" ||
    fail "overflow: stdout '$out'"
grep -qxF "PASS  suite/b_ok.scn  (6 events)" "$tmp/out" || fail "overflow: the other file: '$out'"
grep -qxF "1 passed, 1 failed" "$tmp/out" || fail "overflow: summary '$out'"
# explore and variants word the overflow as run does: a FAIL of the run,
# not "hung" (nothing deadlocked)
run_csim overflow-explore explore suite/a_overflow.scn --runs 5
[ $rc -eq 1 ] || fail "overflow-explore: exit $rc, expected 1"
grep -qxF "FAIL run 0: suite/a_overflow.scn: run — green thread 'deep' crashed (stack overflow)" "$tmp/out" ||
    fail "overflow-explore: stdout '$out'"
run_csim overflow-variants variants suite --variant current
grep -q "^suite/a_overflow.scn \[current\] FAIL@0: run — csim replay " "$tmp/out" ||
    fail "overflow-variants: stdout '$out'"
if grep -q 'hung' "$tmp/out"; then fail "overflow-variants: says hung: '$out'"; fi

# ---- explore and variants report file errors the same way
file_error explore-utf8 stray.scn \
    "stray.scn:1:12: error: invalid UTF-8 (byte 0xff); scenario files are UTF-8 text" explore
file_error explore-nesting inline_repeat.scn \
    "inline_repeat.scn:3:330: error: blocks nested too deep (more than 32 nested spawn, every and repeat steps)" explore
file_error explore-no-steps nosteps.scn "nosteps.scn:3:7: error: actor 'main' has no steps (give it at least one, e.g. 'actor main: start')" explore
file_error variants-no-steps nosteps.scn "nosteps.scn:3:7: error: actor 'main' has no steps (give it at least one, e.g. 'actor main: start')" variants
file_error variants-repeat-zero repeat-zero.scn \
    "repeat-zero.scn:3:17: error: repeat count must be at least 1 (a 'repeat 0' block would never run)" variants
file_error variants-empty empty.scn "empty.scn:1:1: error: empty scenario file" variants

# ---- --runs 0 would "pass" having run nothing: a usage error
for cmd in explore variants; do
    run_csim "$cmd-runs-zero" "$cmd" suite/b_ok.scn --runs 0 || continue
    [ $rc -eq 2 ] || fail "$cmd-runs-zero: exit $rc, expected 2 ($out)"
    [ "${err%%$'\n'*}" = "csim: --runs must be >= 1, not 0" ] ||
        fail "$cmd-runs-zero: stderr '$err'"
done

if [ $failed -ne 0 ]; then
    echo "$failed hostile check(s) failed"
    exit 1
fi
echo "hostile: all checks passed"
