#!/usr/bin/env bash
# tests/sanitize.sh [PRESET...] - the whole ctest suite under ASan + UBSan.
#
# For each preset (default: asan asan-ucontext, i.e. both context-switch
# backends; CMakePresets.json), configure, build (-Werror) and run every
# ctest test of that build.  The green-thread switches are annotated for
# ASan (sim/sched.c: __sanitizer_start/finish_switch_fiber, so fake stacks
# and stack bounds follow each switch; sim/stack.c unpoisons a reused
# stack), so nothing of ours is suppressed: any report is a failure.
#
#   ASAN_OPTIONS  detect_leaks=1 (LeakSanitizer at exit of every process),
#                 check_initialization_order, strict_string_checks,
#                 abort_on_error=0 so exit statuses stay plain; a caller's
#                 ASAN_OPTIONS is appended (wins).
#   UBSAN_OPTIONS halt_on_error=1:print_stacktrace=1 (the build also has
#                 -fno-sanitize-recover=undefined).
#
# Then the in-process suites that run green threads (test_sim*,
# test_container*, test_runner, test_scn) once more with
# detect_stack_use_after_return=1: fake stacks are what the fiber
# annotations hand over at each switch.  Not for the whole suite: every
# green thread then maps and unmaps a fake stack, which made it ~5x slower
# (mostly system time) and could not fit CI's 30 minutes.
#
# Tests that cannot be meaningful in an instrumented build are left out by
# CMake itself, with the reason there (install/embed: its installed archives
# need the sanitizer runtime to link), not here.  Exits 1 if any preset
# failed to build or had a failing test.  About 3 min per preset on 2 idle
# cores (build ~1 min, suite ~2 min).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(asan asan-ucontext)

asan_defaults=detect_leaks=1:check_initialization_order=1:strict_string_checks=1
asan_defaults+=:abort_on_error=0
export ASAN_OPTIONS=$asan_defaults${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
# Tests with wall-clock limits tuned for plain builds widen them (doccheck's
# per-command timeout, test_workers' worker timeout): an ASan process forks
# and starts slowly.
export CSIM_TEST_SLOW=1

status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for p in "${presets[@]}"; do
    start=$SECONDS
    echo "== sanitize $p: cmake --preset $p && cmake --build --preset $p && ctest --preset $p"
    if ! { cmake --preset "$p" >"$log" 2>&1 &&
           cmake --build --preset "$p" >>"$log" 2>&1; }; then
        cat "$log"
        echo "== sanitize $p: build FAILED in $((SECONDS - start))s"
        status=1
        continue
    fi
    # Only ctest's summary and failures: the passing tests' lines are noise.
    if ctest --preset "$p" </dev/null >"$log" 2>&1; then
        grep -E 'tests passed|Total Test time' "$log"
    else
        cat "$log"
        echo "== sanitize $p: FAILED in $((SECONDS - start))s"
        status=1
        continue
    fi
    bdir=build-$p # each sanitizer preset's binaryDir (CMakePresets.json)
    uar=0
    for exe in "$bdir"/tests/test_sim* "$bdir"/tests/test_container* \
               "$bdir"/tests/test_runner "$bdir"/tests/test_scn; do
        [ -x "$exe" ] || continue
        ASAN_OPTIONS=$ASAN_OPTIONS:detect_stack_use_after_return=1 \
            "$exe" >"$log" 2>&1 </dev/null && continue
        cat "$log"
        echo "== sanitize $p: ${exe##*/} FAILED with detect_stack_use_after_return=1"
        uar=1
    done
    if [ $uar -ne 0 ]; then
        echo "== sanitize $p: FAILED in $((SECONDS - start))s"
        status=1
    else
        echo "== sanitize $p: passed in $((SECONDS - start))s"
    fi
done
exit $status
