#!/usr/bin/env bash
# test.sh - install what is missing, build with warnings as errors, run the
# cmocka suites (their summaries printed) and then the whole ctest suite
# (unit suites, every scenario file, the determinism check, the packaging
# check tests/install_embed.sh).
#
# Exits non-zero on any failure.  .ci/run runs this with CI=true, then the
# coverage run (reports/coverage.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
. .ci/deps.sh

start=$SECONDS
csim_ensure_deps
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCSIM_WERROR=ON \
    >/dev/null
cmake --build build -j2 >/dev/null || {
    cmake --build build -j1 || exit $?
    exit 1
}

# The cmocka suites, each run once directly so its PASSED/FAILED summary
# shows (cmocka prints the summary on stderr).
status=0
shopt -s nullglob
suites=(build/tests/test_*)
for exe in "${suites[@]}"; do
    [ -f "$exe" ] && [ -x "$exe" ] || continue
    echo "== ${exe#build/tests/}"
    CSIM_BIN="$PWD/build/csim" "$exe" 2>&1 || status=1
done
[ ${#suites[@]} -gt 0 ] || echo "== no cmocka suites built yet"

echo "== ctest"
ctest --test-dir build -j2 --timeout 300 --output-on-failure || status=1

echo "== test.sh: $([ $status -eq 0 ] && echo PASSED || echo FAILED)" \
     "in $((SECONDS - start))s"
exit $status
