#!/usr/bin/env bash
# determinism.sh SCENARIO_DIR CSIM [CSIM_OTHER...]
#
# A run is a pure function of its inputs: for every scenario file under
# SCENARIO_DIR, run `csim run --hash FILE` twice with each given binary (the
# build passes the asm and the ucontext build) and fail unless every output
# and exit status is identical.  A binary without --hash is compared on its
# --trace output, byte for byte.
set -uo pipefail

if [ $# -lt 2 ]; then
    echo "usage: determinism.sh SCENARIO_DIR CSIM [CSIM_OTHER...]" >&2
    exit 2
fi
dir=$1
shift
bins=("$@")

mode=--hash
for b in "${bins[@]}"; do
    { "$b" run --help 2>&1 || "$b" --help 2>&1; } | grep -q -- --hash ||
        mode=--trace
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mapfile -t files < <(find "$dir" -name '*.scn' -type f | LC_ALL=C sort)
compared=0
differ=0
for f in "${files[@]}"; do
    ref=""
    same=1
    for b in "${bins[@]}"; do
        for i in 1 2; do
            out=$tmp/$compared.$i.$(basename "$b")
            # stdout only: sanitizer builds add notes of their own on stderr
            "$b" run "$mode" "$f" >"$out" 2>/dev/null
            echo "exit status $?" >>"$out"
            if [ -z "$ref" ]; then
                ref=$out
            elif ! cmp -s "$ref" "$out"; then
                echo "DIFFERS: $f: $(basename "$b") run $i vs first run" \
                     "of $(basename "${bins[0]}")"
                diff "$ref" "$out" | head -20
                same=0
            fi
        done
    done
    [ "$same" -eq 1 ] || differ=$((differ + 1))
    compared=$((compared + 1))
done

runs=$((2 * ${#bins[@]}))
if [ "$differ" -ne 0 ]; then
    echo "determinism: $differ of $compared scenarios differ ($mode, $runs runs each)"
    exit 1
fi
if [ "$compared" -eq 0 ]; then
    echo "determinism: no scenario files under $dir"
    exit 1
fi
echo "determinism: $compared scenarios compared, $runs identical runs each" \
     "($mode; ${bins[*]##*/})"
