#!/usr/bin/env bash
# explore_verify.sh CSIM SCENARIOS_DIR: replay determinism.  Every bundled
# scenario is staged for fifo, so it runs once under fifo with --verify;
# the scenarios under explore/ are made for exploration and run 50
# schedules each with --verify (their failures are expected: only a replay
# mismatch, reported as VERIFY, fails this test).  The bug suite (bugs/)
# fails under fifo on the presets that have the bug: there too only a
# replay mismatch counts.
set -uo pipefail
csim=$1
dir=$2
bad=0
while IFS= read -r f; do
    case $f in */explore/*) continue ;; esac
    out=$("$csim" explore "$f" --strategy fifo --runs 1 --verify 2>&1)
    rc=$?
    case $f in */bugs/*) [ $rc -eq 1 ] && rc=0 ;; esac
    if [ $rc -ne 0 ] || ! grep -q '^verify: every replay' <<<"$out"; then
        echo "$f:"; echo "$out"; bad=1
    fi
done < <(find "$dir" -name '*.scn' | LC_ALL=C sort)
while IFS= read -r f; do
    # planted_crash*.scn really crash the process on some schedules, and
    # --verify runs in-process: they are tests/explore_crash.sh's.
    case $f in */planted_crash*) continue ;; esac
    out=$("$csim" explore "$f" --verify --runs 50 --until all --no-shrink 2>&1)
    if grep -q '^VERIFY' <<<"$out" || ! grep -q '^verify: every replay' <<<"$out"; then
        echo "$f:"; echo "$out"; bad=1
    fi
done < <(find "$dir/explore" -name '*.scn' | LC_ALL=C sort)
exit $bad
