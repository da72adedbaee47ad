#!/usr/bin/env bash
# tests/determinism_builds.sh [BUILD_DIR...] - the bundled suite's trace
# hashes are the same whatever the build and the address-space layout.
#
# A run is a pure function of (scenario, strategy, seed); nothing of an
# address, the optimiser or the context-switch code may reach a trace.  So
# every csim binary of the given build directories (default: build
# build-coverage build-asan build-asan-ucontext, which .ci/run has built by
# then; each holds csim and csim-<other backend>) runs
#   csim run --hash scenarios/          (every bundled file, bugs/ too)
#   csim explore --in-process --runs 40 --until all planted_order_bug.scn
# and each output (stdout and exit status; the explorer's runs/s removed)
# must equal the first binary's byte for byte.  That compares:
#   - the asm and the ucontext backend (csim / csim-ucontext, csim-asm);
#   - -O2 (build/, RelWithDebInfo) with -O0 (build-coverage/, gcov, and
#     the asan builds, Debug), read from each binary's real compile flags;
#   - ASan + UBSan builds with plain ones;
#   - address-space layouts: the first binary runs twice more, once as
#     another randomised process and once under `setarch -R` (ASLR off, a
#     third layout), when the kernel randomises (randomize_va_space > 0)
#     and setarch is permitted; otherwise it says so and compares what it can.
# Coverage binaries write their counters under a temporary GCOV_PREFIX, so
# the coverage report is untouched.  Prints one summary line; exits 1 on
# any difference, 2 if a build directory has no csim.  About 1 min (most of
# it the sanitizer binaries).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(build build-coverage build-asan build-asan-ucontext)
scenarios=scenarios
explore_file=scenarios/explore/planted_order_bug.scn

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GCOV_PREFIX=$tmp/gcov
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# "ctx -On plain|asan" of a binary, from the flags its main.c compiled with.
describe() {
    local dir=$1 exe=$2 ctx flags opt san
    case $exe in
    csim) ctx=$(sed -n 's/^CSIM_CONTEXT:STRING=//p' "$dir/CMakeCache.txt") ;;
    *) ctx=${exe#csim-} ;;
    esac
    flags=$(sed -n 's/^C_FLAGS = //p' "$dir/CMakeFiles/$exe.dir/flags.make" 2>/dev/null)
    opt=$(grep -oE '(^| )-O[0-9sgz]?' <<<"$flags" | tail -1 | tr -d ' ')
    san=plain
    [[ $flags == *-fsanitize=address* ]] && san=asan+ubsan
    [[ $flags == *--coverage* ]] && san=gcov
    echo "$ctx ${opt:--O0} $san"
}

bins=() labels=()
for d in "${dirs[@]}"; do
    found=0
    for exe in csim csim-asm csim-ucontext; do
        [ -x "$d/$exe" ] || continue
        bins+=("$d/$exe")
        labels+=("$d/$exe ($(describe "$d" "$exe"))")
        found=1
    done
    if [ $found -eq 0 ]; then
        echo "determinism_builds: no csim in $d (build it first)" >&2
        exit 2
    fi
done

# Everything one process prints for the suite and the short exploration.
run_suite() { # OUT PREFIX... BIN
    local out=$1
    shift
    "$@" run --hash "$scenarios" >"$out" 2>/dev/null
    echo "exit status $?" >>"$out"
    "$@" explore --in-process --runs 40 --until all "$explore_file" 2>/dev/null |
        sed -E 's/, [0-9.]+ runs\/s, [0-9.]+ decisions\/s$//' >>"$out"
    echo "exit status ${PIPESTATUS[0]}" >>"$out"
}

runs=() names=()
i=0
for b in "${bins[@]}"; do
    run_suite "$tmp/$i" "$b"
    runs+=("$tmp/$i")
    names+=("${labels[$i]}")
    i=$((i + 1))
done

# Layouts: a second randomised process, then one with randomisation off.
aslr=$(cat /proc/sys/kernel/randomize_va_space 2>/dev/null || echo 0)
layouts="1 layout"
if [ "$aslr" -gt 0 ]; then
    run_suite "$tmp/aslr2" "${bins[0]}"
    runs+=("$tmp/aslr2")
    names+=("${labels[0]}, a second randomised process")
    layouts="2 randomised layouts"
    if setarch "$(uname -m)" -R true 2>/dev/null; then
        run_suite "$tmp/norand" setarch "$(uname -m)" -R "${bins[0]}"
        runs+=("$tmp/norand")
        names+=("${labels[0]} under setarch -R")
        layouts+=" + 1 unrandomised"
    else
        echo "determinism_builds: setarch -R not permitted here; comparing" \
             "two randomised processes only"
    fi
else
    echo "determinism_builds: ASLR is off (randomize_va_space=0); every" \
         "process has the same layout"
fi

differ=0
for ((k = 1; k < ${#runs[@]}; k++)); do
    if ! cmp -s "${runs[0]}" "${runs[$k]}"; then
        echo "DIFFERS: ${names[$k]} vs ${names[0]}"
        diff "${runs[0]}" "${runs[$k]}" | head -20
        differ=$((differ + 1))
    fi
done

nscn=$(grep -c '^HASH ' "${runs[0]}")
if [ "$nscn" -eq 0 ]; then
    echo "determinism_builds: no HASH lines from ${names[0]}:"
    head -5 "${runs[0]}"
    exit 1
fi
if [ $differ -ne 0 ]; then
    echo "determinism_builds: $differ of $((${#runs[@]} - 1)) runs differ from ${names[0]}"
    exit 1
fi
echo "determinism_builds: $nscn scenario hashes + 1 exploration identical over" \
     "${#runs[@]} processes: ${#bins[@]} binaries, $layouts"
printf '  %s\n' "${labels[@]}"
