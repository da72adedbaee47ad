#!/usr/bin/env bash
# tests/fuzz/run.sh - build the libFuzzer targets (clang, CSIM_FUZZ=ON) and
# run them (tests/fuzz/README.md has the whole story).
#
#   tests/fuzz/run.sh TARGET SECONDS [LIBFUZZER_FLAG...]
#       fuzz TARGET (parse, run, token, or all: each in turn) for SECONDS of
#       wall time, under `nice -n 19`.  The checked-in corpus and regression
#       inputs are read, never written: new inputs go to a work corpus,
#       $BUILD/fuzz/TARGET/corpus, and crashes, leaks, timeouts and
#       out-of-memory inputs to $BUILD/fuzz/TARGET/artifacts/.  Extra flags
#       go to libFuzzer, e.g. a long campaign on 4 cores:
#           tests/fuzz/run.sh run 3600 -fork=4
#   tests/fuzz/run.sh --ci [SECONDS]
#       CI smoke: replay every checked-in corpus and regression input under
#       ASan + UBSan, then fuzz each target SECONDS (default
#       $CSIM_FUZZ_SMOKE, else 25) from the checked-in inputs only (work
#       corpus $BUILD/fuzz-ci/, emptied first).  Exit 1 if anything
#       crashed.
#   tests/fuzz/run.sh --merge TARGET
#       fold the work corpus into tests/fuzz/corpus/TARGET, keeping only the
#       inputs that add coverage (libFuzzer -merge=1); review, then commit.
#
# Environment: CSIM_FUZZ_BUILD (build directory, default build-fuzz; an
# existing one is only rebuilt, never reconfigured), CSIM_FUZZ_NICE (the
# nice level, default 19).  Installs clang and libclang-rt-14-dev when they
# are missing (as root; otherwise prints the apt-get line and exits 2).
#
# Exit status: 0 nothing found, 1 a target crashed / leaked / hung (the
# artifact is named), 2 usage or setup error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
FUZZ=$ROOT/tests/fuzz
BUILD=${CSIM_FUZZ_BUILD:-build-fuzz}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
NICE=${CSIM_FUZZ_NICE:-19}
TARGETS=(parse run token)

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

ensure_clang() {
    local missing=()
    command -v clang >/dev/null 2>&1 || missing+=(clang)
    dpkg -s libclang-rt-14-dev >/dev/null 2>&1 || missing+=(libclang-rt-14-dev)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "the fuzz targets need: ${missing[*]}; install them with:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 2
    fi
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
}

build() {
    ensure_clang
    if [ ! -f "$BUILD/CMakeCache.txt" ]; then
        CC=clang cmake -S "$ROOT" -B "$BUILD" -DCSIM_FUZZ=ON \
            -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    fi
    local t exes=()
    for t in "$@"; do exes+=(--target "fuzz_$t"); done
    nice -n "$NICE" cmake --build "$BUILD" -j2 "${exes[@]}" >/dev/null || {
        nice -n "$NICE" cmake --build "$BUILD" -j1 "${exes[@]}"
        exit 2
    }
}

exe() { echo "$BUILD/tests/fuzz/fuzz_$1"; }

flags() { # the libFuzzer flags of target $1
    case $1 in
    parse | run) echo "-dict=$FUZZ/scn.dict -max_len=4096" ;;
    token) echo "-max_len=128" ;;
    esac
    echo "-timeout=30 -rss_limit_mb=2048 -detect_leaks=1 -print_final_stats=1"
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# fuzz TARGET SECONDS FLAG...: one campaign in $WORK/TARGET (its corpus
# grows from one campaign to the next); prints libFuzzer's last stat line
# and where the log is.
WORK=$BUILD/fuzz
fuzz() {
    local t=$1 secs=$2
    shift 2
    local dir=$WORK/$t
    mkdir -p "$dir/corpus" "$dir/artifacts"
    local log=$dir/last.log regs=()
    [ -d "$FUZZ/regressions/$t" ] && regs=("$FUZZ/regressions/$t")
    echo "== fuzz $t: ${secs}s (log: ${log#"$ROOT"/})"
    local rc=0 start=$SECONDS
    # shellcheck disable=SC2046  # flags() is a list of words
    (cd "$dir" && nice -n "$NICE" "$(exe "$t")" $(flags "$t") \
        -max_total_time="$secs" -artifact_prefix="$dir/artifacts/" "$@" \
        "$dir/corpus" "$FUZZ/corpus/$t" "${regs[@]}") >"$log" 2>&1 || rc=$?
    # the last stat line: `#N DONE ...`, or `#N: cov: ...` under -fork
    grep -E '^#[0-9]+(:|[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED))' "$log" |
        tail -n 1 || true
    grep -E '^(stat::number_of_executed_units|Done [0-9]+ runs)' "$log" || true
    echo "   wall $((SECONDS - start))s, exit $rc"
    if [ $rc -ne 0 ]; then
        grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|Test unit written' \
            "$log" | head -n 5 || true
        return 1
    fi
}

# replay TARGET: every checked-in input once, under the sanitizers.
replay() {
    local t=$1 dirs=("$FUZZ/corpus/$1")
    [ -d "$FUZZ/regressions/$t" ] && dirs+=("$FUZZ/regressions/$t")
    echo "== replay $t: ${dirs[*]#"$ROOT"/}"
    local log=$BUILD/fuzz/$t/replay.log
    mkdir -p "$BUILD/fuzz/$t"
    # shellcheck disable=SC2046
    if ! nice -n "$NICE" "$(exe "$t")" $(flags "$t") -runs=0 "${dirs[@]}" \
        >"$log" 2>&1; then
        tail -n 30 "$log"
        return 1
    fi
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" || true
}

[ $# -ge 1 ] || usage
case $1 in
--ci)
    secs=${2:-${CSIM_FUZZ_SMOKE:-25}}
    build "${TARGETS[@]}"
    status=0
    for t in "${TARGETS[@]}"; do replay "$t" || status=1; done
    # a fresh work corpus: the smoke starts from the checked-in inputs only
    WORK=$BUILD/fuzz-ci
    rm -rf "$WORK"
    for t in "${TARGETS[@]}"; do fuzz "$t" "$secs" || status=1; done
    echo "== fuzz smoke: $([ $status -eq 0 ] && echo PASSED || echo FAILED)"
    exit $status
    ;;
--merge)
    [ $# -eq 2 ] || usage
    t=$2
    build "$t"
    mkdir -p "$BUILD/fuzz/$t/corpus"
    # shellcheck disable=SC2046
    nice -n "$NICE" "$(exe "$t")" $(flags "$t") -merge=1 \
        "$FUZZ/corpus/$t" "$BUILD/fuzz/$t/corpus"
    exit 0
    ;;
-h | --help) usage ;;
esac
[ $# -ge 2 ] || usage
target=$1 secs=$2
shift 2
case $target in
all) list=("${TARGETS[@]}") ;;
parse | run | token) list=("$target") ;;
*) usage ;;
esac
[[ $secs =~ ^[0-9]+$ ]] || usage
build "${list[@]}"
status=0
for t in "${list[@]}"; do fuzz "$t" "$secs" "$@" || status=1; done
exit $status
