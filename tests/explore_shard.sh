#!/usr/bin/env bash
# explore_shard.sh CSIM SCENARIOS_DIR: `--shard 1/2` + `--shard 2/2` with
# `--out`, combined by `csim merge`, give the unsharded run's totals (runs,
# distinct schedules, failures, the set of replay tokens) for portfolio and
# dfs (run to exhaustion: a dfs shard's --runs is its own budget), in
# process (--in-process) and in worker processes (--jobs 1, --jobs 2), and
# the same totals for all.
set -euo pipefail
csim=$1
bug=$2/explore/planted_order_bug.scn
crash=$2/explore/planted_crash.scn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
totals() { grep -E '^[0-9]+ runs?: ' "$1" | sed -E 's/, [0-9]+ runs\/s, [0-9]+ decisions\/s$//'; }
tokens() { sed -n 's/^csim replay //p' "$1" | LC_ALL=C sort; }

check() { # FILE JOBS ARGS...
    local f=$1 j=$2 tag
    shift 2
    tag=$(basename "$f" .scn)-j$j-$1$2
    local jobs=(--jobs "$j")
    [ "$j" = 0 ] && jobs=(--in-process)
    "$csim" explore "$f" "${jobs[@]}" --until all "$@" --out "$tmp/$tag.all.json" >"$tmp/$tag.all" 2>/dev/null || true
    for k in 1 2; do
        "$csim" explore "$f" "${jobs[@]}" --until all "$@" --shard $k/2 \
            --out "$tmp/$tag.$k.json" >"$tmp/$tag.$k" 2>/dev/null || true
    done
    "$csim" merge "$tmp/$tag.1.json" "$tmp/$tag.2.json" >"$tmp/$tag.merge" || true
    "$csim" merge "$tmp/$tag.all.json" >"$tmp/$tag.allmerge" || true
    [ -n "$(totals "$tmp/$tag.all")" ] || fail "$tag: no summary"
    diff <(totals "$tmp/$tag.all") <(totals "$tmp/$tag.merge") || fail "$tag: merged totals differ"
    diff <(tokens "$tmp/$tag.allmerge") <(tokens "$tmp/$tag.merge") || fail "$tag: merged tokens differ"
    diff <(tokens "$tmp/$tag.all") <(tokens "$tmp/$tag.merge") || fail "$tag: tokens differ"
    if [ "$1" = --strategy ] && [ "$2" = dfs ]; then
        grep -q '^dfs: space exhausted' "$tmp/$tag.merge" || fail "$tag: merge does not say exhausted"
    fi
    echo "$tag: $(totals "$tmp/$tag.merge")"
}
for j in 0 1 2; do
    check "$bug" $j --strategy portfolio --runs 60
    check "$bug" $j --strategy dfs --runs 5000
done
# in-process, J=1 and J=2 agree
for s in portfolio dfs; do
    for j in 0 1; do
        diff <(totals "$tmp/planted_order_bug-j$j---strategy$s.merge") \
             <(totals "$tmp/planted_order_bug-j2---strategy$s.merge") || fail "$s: J=$j and J=2 differ"
    done
done
# with crashes (worker processes only)
check "$crash" 2 --strategy portfolio --runs 60
check "$crash" 2 --strategy dfs --runs 5000
