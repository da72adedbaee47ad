#!/usr/bin/env bash
# run.sh - install what is missing, build csim, run every bundled scenario.
#
# Prints one line per scenario and csim's summary; exits with csim's status
# (0 all passed, 1 a scenario failed or hung, 2 a usage or scenario-file
# error).  A second run with everything installed and built is a no-op
# build plus the scenario run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
. .ci/deps.sh

csim_ensure_deps
if [ ! -f build/CMakeCache.txt ]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build -j2 >/dev/null || {
    # Quiet on success; on failure, rerun serially so the error is readable.
    cmake --build build -j1 || exit $?
    exit 1
}
exec build/csim run scenarios "$@"
