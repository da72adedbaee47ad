#!/usr/bin/env bash
# tests/valgrind.sh [BUILD_DIR] - every cmocka suite under valgrind memcheck.
#
# BUILD_DIR (default build/, what ./test.sh builds: RelWithDebInfo, -O2 -g,
# no sanitizer) is configured if need be and brought up to date, and must
# have found valgrind/valgrind.h (Debian package valgrind, which .ci/deps.sh
# installs): sim/stack.c then registers every green-thread stack with
# VALGRIND_STACK_REGISTER, so memcheck knows a switch onto one is a stack
# switch, not a huge SP move, and re-marks a pooled stack undefined when it
# is reused.  With that, no --max-stackframe and no suppression file are
# needed; a sanitizer build cannot run under valgrind at all.
#
# Each BUILD_DIR/tests/test_* executable runs once under
#   valgrind --error-exitcode=99 --leak-check=full
#            --errors-for-leak-kinds=definite,indirect
# (possibly-lost and still-reachable blocks are not errors: libuv and the C
# library keep some until exit).  Children are not traced: the suites that
# exec the csim CLI (test_cli, test_variants, test_workers) or whose
# explorer spawns worker processes would cost minutes more for code the
# in-process suites already run under memcheck; the sanitizer builds
# (tests/sanitize.sh) cover those processes.  Two suites run at a time.
# test_alloc_sweep sweeps every CSIM_SWEEP_STEP-th failure point (default
# here 20) instead of all of them.  Prints one line per suite and a summary;
# exits 1 if any suite failed or had a memcheck error.  About 3 min on 2
# idle cores.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build}

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2
    exit 2
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCSIM_WERROR=ON \
        >/dev/null || exit 1
fi
if ! grep -q '^CSIM_HAVE_VALGRIND_H:INTERNAL=1' "$build/CMakeCache.txt"; then
    echo "valgrind.sh: $build was configured without valgrind/valgrind.h;" \
         "green-thread stacks would be unannotated" >&2
    exit 2
fi
if grep -q '^CSIM_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
    echo "valgrind.sh: $build is a sanitizer build; valgrind cannot run it" >&2
    exit 2
fi
cmake --build "$build" -j2 >/dev/null || {
    cmake --build "$build" -j1
    exit 1
}

suites=()
for exe in "$build"/tests/test_*; do
    [ -f "$exe" ] && [ -x "$exe" ] && suites+=("$exe")
done
if [ ${#suites[@]} -eq 0 ]; then
    echo "valgrind.sh: no cmocka suites in $build/tests" >&2
    exit 1
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
export CSIM_BIN=$PWD/$build/csim
export CSIM_SWEEP_STEP=${CSIM_SWEEP_STEP:-20}
export CSIM_TEST_SLOW=1 # test_workers: a wider worker timeout under valgrind

# One suite: its verdict line on stdout, its whole log kept for a failure.
run_one() {
    local exe=$1 logs=$2 name start rc
    name=$(basename "$exe")
    start=$SECONDS
    valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --num-callers=30 \
        "$exe" >"$logs/$name.log" 2>&1 </dev/null
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "ok      $name ($((SECONDS - start))s)"
    else
        echo "FAILED  $name (exit $rc$([ $rc -eq 99 ] && echo ": memcheck errors"), $((SECONDS - start))s)"
        touch "$logs/$name.failed"
    fi
}
export -f run_one

start=$SECONDS
printf '%s\n' "${suites[@]}" | xargs -P 2 -I{} bash -c 'run_one "$1" "$2"' _ {} "$logs"
failed=0
for f in "$logs"/*.failed; do
    [ -e "$f" ] || continue
    failed=$((failed + 1))
    echo "---- ${f%.failed}.log" | sed "s|$logs/||"
    # memcheck's own lines and cmocka's verdicts; the rest is test chatter
    grep -E '^==[0-9]+==|^\[ +(FAILED|PASSED|ERROR) +\]' "${f%.failed}.log" | head -150
done
echo "valgrind: $((${#suites[@]} - failed)) of ${#suites[@]} suites clean" \
     "in $((SECONDS - start))s"
[ $failed -eq 0 ]
