#!/usr/bin/env bash
# tests/install_embed.sh BUILD_DIR SOURCE_DIR - the packaging check (ctest
# install/embed, label install).
#
# Installs BUILD_DIR into a temporary prefix, checks the layout (public
# headers only), then builds examples/embed against the installed files and
# nothing else: the example is copied out of the tree first, and the
# compile commands must not name the source or build tree.  Three builds:
# CMake with pkg-config (the example's default), a plain `cc $(pkg-config
# ...)` line, and CMake with find_package(csim).  Each binary must print
# examples/embed/expected.txt on the virtual clock (the first line's backend
# name and the trace event count aside); the CMake one also runs --kill and
# --real-time (the same lines, times aside).  Last, the installed csim runs a
# scenario.  Exit 0 when all of that holds.
set -euo pipefail

build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "install_embed: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" ||
    { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }

# ---------------------------------------------------------------- layout
pc=$(find "$prefix" -name csim-sim.pc -print -quit)
[ -n "$pc" ] || fail "no csim-sim.pc installed"
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
for f in "$prefix/bin/csim" "$libdir/libcsim-sim.a" "$libdir/libcsim-container.a" \
         "$pcdir/csim-container.pc" "$libdir/cmake/csim/csimConfig.cmake" \
         "$libdir/cmake/csim/csimConfigVersion.cmake"; do
    [ -f "$f" ] || fail "missing ${f#"$prefix"/}"
done
headers=$(cd "$prefix/include/csim" && printf '%s ' *)
[ "$headers" = "container.h sim.h sim_alloc.h sim_uv.h variant.h " ] ||
    fail "include/csim/ holds: $headers(expected container.h sim.h sim_alloc.h sim_uv.h variant.h)"
# Every quoted include of a public header is another public header.
for h in "$prefix"/include/csim/*.h; do
    { grep -o '^#include "[^"]*"' "$h" || true; } | cut -d'"' -f2 | while read -r inc; do
        [ -f "$prefix/include/csim/$inc" ] || fail "$(basename "$h") includes $inc, not installed"
    done
done

# ---------------------------------------------------------------- builds
cp -R "$src/examples/embed" "$tmp/embed"
export PKG_CONFIG_PATH=$pcdir
export CMAKE_PREFIX_PATH=
check_tree_free() { # FILE: names neither the source nor the build tree
    if grep -qF -e "$src/" -e "$build/" "$1"; then
        grep -F -e "$src/" -e "$build/" "$1" | head -3 >&2
        fail "$1 points into the csim tree"
    fi
}

if ! { cmake -S "$tmp/embed" -B "$tmp/b-pc" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON &&
        cmake --build "$tmp/b-pc"; } >"$tmp/b-pc.log" 2>&1; then
    cat "$tmp/b-pc.log" >&2
    fail "examples/embed (pkg-config) did not build"
fi
check_tree_free "$tmp/b-pc/compile_commands.json"

# shellcheck disable=SC2046  # pkg-config's words are meant to split
cc -std=c11 -Wall -Wextra -Wpedantic -Werror $(pkg-config --cflags csim-container) \
    "$tmp/embed/main.c" -o "$tmp/embed-cc" $(pkg-config --libs csim-container) ||
    fail "cc with pkg-config --cflags --libs csim-container failed"

if ! { cmake -S "$tmp/embed" -B "$tmp/b-cfg" -DEMBED_FIND_PACKAGE=ON \
            -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON &&
        cmake --build "$tmp/b-cfg"; } >"$tmp/b-cfg.log" 2>&1; then
    cat "$tmp/b-cfg.log" >&2
    fail "examples/embed (find_package) did not build"
fi
check_tree_free "$tmp/b-cfg/compile_commands.json"

# ---------------------------------------------------------------- runs
normalize() { # the backend name and the trace's length vary by build
    sed -E -e '1s/^csim [a-z]+ backend/csim BACKEND backend/' \
        -e 's/^(sim_run: .*; )[0-9]+ trace events$/\1N trace events/'
}
expected=$src/examples/embed/expected.txt
for exe in "$tmp/b-pc/embed" "$tmp/embed-cc" "$tmp/b-cfg/embed"; do
    rc=0
    "$exe" >"$tmp/out.txt" || rc=$?
    [ $rc -eq 0 ] || { cat "$tmp/out.txt" >&2; fail "$exe exited $rc"; }
    normalize <"$tmp/out.txt" >"$tmp/out.norm"
    diff -u "$expected" "$tmp/out.norm" >&2 || fail "$exe: output differs from examples/embed/expected.txt"
done

# --kill: the timer's kill hook runs instead of its stop hook.
"$tmp/b-pc/embed" --kill >"$tmp/kill.txt" || { cat "$tmp/kill.txt" >&2; fail "--kill failed"; }
grep -q 'timer  *kill: kill timer.run' "$tmp/kill.txt" || fail "--kill: no timer kill"
grep -q 'timer  *stop:' "$tmp/kill.txt" && fail "--kill: the timer was stopped"

# --real-time: on libuv, the same lines as on the virtual clock (its
# sleeps wake at now + d, so only the clock readings differ).
untimed() {
    normalize | sed -E -e '/^wall clock: /d' -e 's/^\[ *[0-9a-z]+\] /[] /' -e '1s/, .*//'
}
start_ns=$(date +%s%N)
"$tmp/b-pc/embed" --real-time >"$tmp/rt.txt" || { cat "$tmp/rt.txt" >&2; fail "--real-time failed"; }
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
diff -u <(untimed <"$expected") <(untimed <"$tmp/rt.txt") >&2 ||
    fail "--real-time: lines differ from the virtual clock's"
[ "$elapsed_ms" -ge 350 ] || fail "--real-time took ${elapsed_ms} ms, less than the 350 ms it runs"

# ---------------------------------------------------------------- csim
"$prefix/bin/csim" --version >/dev/null || fail "installed csim --version failed"
cat >"$tmp/installed.scn" <<'EOF'
scenario "the installed csim runs a scenario"
service svc
  dependency db
actor a: start; stop
expect
  call db.start then call db.stop
  final dead
EOF
"$prefix/bin/csim" run "$tmp/installed.scn" >"$tmp/csim.txt" ||
    { cat "$tmp/csim.txt" >&2; fail "installed csim run failed"; }

echo "install_embed: ok (prefix layout, 3 builds of examples/embed, runs, csim; real time ${elapsed_ms} ms)"
