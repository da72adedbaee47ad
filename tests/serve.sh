#!/usr/bin/env bash
# tests/serve.sh CSIM SCENARIOS
#
# `csim serve` for real: a background csim serve on a loopback port, a
# bash /dev/tcp client, real signals.  Every case is bounded (10 s to get
# ready, 20 s to exit, then SIGKILL and a failure) and ends by itself.
#   echo        request lines and their replies (routing, errors, order),
#               SIGINT -> graceful stop, exit 0
#   sigterm     SIGTERM -> graceful stop, exit 0
#   kill        a slow worker blocks the stop, a second SIGINT kills:
#               the worker's reply is `error: GreenletExit`, exit 1
#   third       a third SIGINT while the kill waits exits at once, exit 1
#   duration    --duration stops by itself, the timer ticked, exit 0
#   died        a managed thread's error kills the container: runner.wait
#               raises, `container svc died: ...`, exit 1
#   host-only   a file without actors or expectations is servable
#   variant     --variant hardened: a self-killing timer kills its container
#   usage       bad options, a missing file, a busy port: exit 2
set -u
csim=${1:?usage: serve.sh CSIM SCENARIOS}
scenarios=${2:?usage: serve.sh CSIM SCENARIOS}
sample=$scenarios/examples/serve_echo.scn
work=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
failures=0
case_name=

fail() {
    echo "FAIL  serve/$case_name: $*"
    [ -n "${log:-}" ] && [ -f "$log" ] && sed 's/^/      | /' "$log" | tail -n 40
    failures=$((failures + 1))
}

# start NAME ARGS...: csim serve ARGS in the background, stderr to $log;
# waits (10 s at most) for the ready line and sets $port.
start() {
    case_name=$1
    shift
    log=$work/$case_name.log
    : >"$log"
    "$csim" serve "$@" 2>>"$log" &
    pid=$!
    port=
    for _ in $(seq 200); do
        port=$(sed -nE 's/^csim serve: listening on 127\.0\.0\.1:([0-9]+)$/\1/p' "$log")
        [ -n "$port" ] && return 0
        grep -q '^csim serve: running' "$log" && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    fail "not ready within 10 s"
    return 1
}

# wait_log PATTERN: until the log has a line matching (grep -E), 10 s at most.
wait_log() {
    for _ in $(seq 200); do
        grep -qE -- "$1" "$log" && return 0
        sleep 0.05
    done
    fail "no log line matching '$1' within 10 s"
    return 1
}

# finish: wait for the process to exit (20 s at most); sets $status.
finish() {
    for _ in $(seq 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid"
        fail "did not exit within 20 s of being told to"
    fi
    wait "$pid"
    status=$?
    pid=
}

expect_status() {
    [ "$status" -eq "$1" ] || fail "exit status $status, expected $1"
}

expect_log() {
    grep -qE -- "$1" "$log" || fail "no log line matching '$1'"
}

# ask: send each argument as a line on a new connection, print the replies.
ask() {
    local fd reply
    exec {fd}<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf '%s\n' "$@" >&$fd
    for _ in "$@"; do
        if ! IFS= read -r -t 5 reply <&$fd; then
            echo "<no reply within 5 s>"
            break
        fi
        echo "$reply"
    done
    exec {fd}>&-
}

expect_replies() {
    local got=$1
    shift
    local want
    want=$(printf '%s\n' "$@")
    [ "$got" = "$want" ] || fail "replies differ:
--- expected
$want
--- got
$got"
}

# ---------------------------------------------------------------- echo
if start echo "$sample" --port 0 --log-level debug; then
    got=$(ask "echo hello" "svc.echo qualified  spaces kept" "slow a" "echo b" \
              "nosuch x" "")
    expect_replies "$got" "hello" "qualified  spaces kept" "slept on a" "b" \
        "error: UnknownEntrypoint: 'nosuch' (a line starts with one of: svc.echo svc.slow)" \
        "error: UnknownEntrypoint: '' (a line starts with one of: svc.echo svc.slow)"
    kill -INT "$pid"
    finish
    expect_status 0
    expect_log '^csim serve: .*serve_echo.scn: 4 actor\(s\) and 8 expectation\(s\) are not run'
    expect_log '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z info    starting services: svc$'
    expect_log 'Z debug   reply slow slept on a$'
    expect_log '^csim serve: SIGINT: stopping the services'
    expect_log 'Z info    host runner interrupted: stop$'
    expect_log 'Z info    stopping services: svc$'
    expect_log 'Z debug   services stopped: svc$'
    expect_log 'Z info    state svc dead$'
    expect_log '^csim serve: stopped$'
    grep -q 'killing' "$log" && fail "a clean stop logged a kill"
fi

# ---------------------------------------------------------------- sigterm
if start sigterm "$sample" --log-level warning; then
    expect_replies "$(ask "echo x")" "x"
    kill -TERM "$pid"
    finish
    expect_status 0
    expect_log '^csim serve: SIGTERM: stopping the services'
    expect_log '^csim serve: stopped$'
    grep -qE 'Z (debug|info) ' "$log" && fail "--log-level warning printed info or debug lines"
fi

# ---------------------------------------------------------------- kill
sed 's/sleep 300ms/sleep 60s/' "$sample" >"$work/slow.scn"
if start kill "$work/slow.scn" --log-level debug; then
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'slow it\n' >&3
    wait_log 'calling handler for svc\.slow\.'
    kill -INT "$pid"
    wait_log 'Z info    stopping services: svc$'
    sleep 0.2
    kill -0 "$pid" 2>/dev/null || fail "the stop did not wait for the slow worker"
    kill -INT "$pid"
    IFS= read -r -t 5 reply <&3 || reply="<no reply within 5 s>"
    exec 3>&-
    expect_replies "$reply" "error: GreenletExit"
    finish
    expect_status 1
    expect_log '^csim serve: SIGINT while stopping: killing the services'
    expect_log 'Z info    host runner interrupted: kill$'
    expect_log 'Z info    killing services: svc$'
    expect_log 'Z info    killing svc$'
    expect_log 'Z warning killing active worker for svc\.slow\.'
    expect_log '^csim serve: killed: SIGINT during the stop$'
fi

# ---------------------------------------------------------------- third
cat >"$work/stuck.scn" <<'EOF'
service svc
  dependency db
    kill: sleep 60s                 # the kill never ends
  entrypoint slow tcp
  method slow: sleep 60s
EOF
if start third "$work/stuck.scn" --log-level debug; then
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'now\n' >&3
    wait_log 'calling handler for svc\.slow\.'
    kill -INT "$pid"
    wait_log 'Z info    stopping services: svc$'
    kill -INT "$pid"
    wait_log 'Z info    killing svc$'
    kill -INT "$pid"
    finish
    exec 3>&-
    expect_status 1
    expect_log '^csim serve: SIGINT a third time: exiting now$'
fi

# ---------------------------------------------------------------- duration
if start duration "$sample" --duration 1s; then
    expect_replies "$(ask "echo still here")" "still here"
    finish
    expect_status 0
    expect_log '^csim serve: --duration 1s elapsed: stopping the services'
    expect_log '^csim serve: stopped$'
    ticks=$(grep -c 'Z info    mark tick svc\.tick\.' "$log")
    [ "$ticks" -ge 5 ] && [ "$ticks" -le 11 ] ||
        fail "$ticks ticks of a 100ms timer in 1s (expected 5 to 11)"
fi

# ---------------------------------------------------------------- died
cat >"$work/died.scn" <<'EOF'
service svc
  entrypoint boom tcp
  method boom: spawn bad: raise Boom("it broke: $args")
EOF
if start died "$work/died.scn"; then
    expect_replies "$(ask "now")" "None"
    finish
    expect_status 1
    expect_log 'Z error   state svc dead:Boom: it broke: now$'
    expect_log '^csim serve: container svc died: Boom: it broke: now$'
fi

# ---------------------------------------------------------------- host-only
cat >"$work/ticker.scn" <<'EOF'
service ticker
  entrypoint tick timer=50ms
  method tick: mark tick
EOF
if start host-only "$work/ticker.scn" --duration 300ms; then
    finish
    expect_status 0
    expect_log '^csim serve: running ticker \(no tcp entrypoint\)$'
    expect_log 'Z info    mark tick$'
    grep -q 'not run' "$log" && fail "a file without actors got the 'not run' note"
fi

# ---------------------------------------------------------------- variant
# A timer method that kills its own container: under the reference the
# kill aborts (the self-kill hazard) and --duration has to escalate; under
# --variant hardened the kill completes and the container dies at once.
cat >"$work/selfkill.scn" <<'EOF'
service svc
  entrypoint tick method=t timer=50ms
  method t: kill Boom("self")
EOF
if start variant "$work/selfkill.scn" --variant hardened --duration 5s; then
    finish
    expect_status 1
    expect_log '^csim serve: container svc died: Boom: self$'
fi

# ---------------------------------------------------------------- usage
case_name=usage
log=
u() {
    local want=$1 pattern=$2
    shift 2
    "$csim" serve "$@" >/dev/null 2>"$work/usage.err"
    local st=$?
    [ "$st" -eq "$want" ] || fail "csim serve $*: exit $st, expected $want"
    grep -qE -- "$pattern" "$work/usage.err" ||
        fail "csim serve $*: no message matching '$pattern': $(head -c 300 "$work/usage.err")"
}
u 2 '^csim: no scenario FILE given' 
u 2 "^csim: unknown option '--bogus'" "$sample" --bogus
u 2 "^csim: bad --port '70000'" "$sample" --port 70000
u 2 "^csim: bad --log-level 'loud'" "$sample" --log-level loud
u 2 "^csim: bad --duration '5'" "$sample" --duration 5
u 2 "^csim: unknown variant 'nope'" "$sample" --variant nope
u 2 'cannot read' "$work/missing.scn"
u 2 'error: unknown option .fast. for entrypoint' <(printf 'service s\n  entrypoint e fast\n  method e: yield\n')
if start busy "$sample"; then
    u 2 "^csim serve: cannot listen on 127\.0\.0\.1 port $port: address already in use" "$sample" --port "$port"
    case_name=busy
    kill -INT "$pid"
    finish
    expect_status 0
fi
"$csim" serve --help | grep -q '^usage: csim serve FILE' || fail "csim serve --help"

if [ "$failures" -eq 0 ]; then
    echo "serve: all cases passed"
    exit 0
fi
echo "serve: $failures failure(s)"
exit 1
