#!/usr/bin/env bash
# bug_dfs.sh CSIM FILE: the hardened container has none of the bug suite's
# races.  An exhaustive dfs of FILE (preemption bound 2) under
# --variant hardened finds no failure (exit 0) and says the space was
# exhausted (a search cut short by --runs proves nothing).
set -uo pipefail
csim=$1
scn=$2
out=$("$csim" explore "$scn" --variant hardened --strategy dfs --preemptions 2 \
          --runs 200000 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
    echo "$out"
    echo "FAIL: $scn under hardened: explore exit $rc, expected 0"
    exit 1
fi
if ! grep -q '^dfs: space exhausted after ' <<<"$out"; then
    echo "$out"
    echo "FAIL: $scn under hardened: the dfs space was not exhausted"
    exit 1
fi
grep '^dfs: ' <<<"$out"
