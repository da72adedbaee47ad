# .ci/deps.sh - sourced by run.sh and test.sh: make sure the Debian 12
# packages csim builds and tests with are installed (with CI=true also
# chromium, for the browser test tests/html_browser.sh).
#
# csim_ensure_deps: checks each package the cheap way (command -v for tools,
# pkg-config for libraries, dpkg -s as the fallback).  Returns at once when
# nothing is missing.  Otherwise, as root: one quiet `apt-get update` and one
# `apt-get install -y --no-install-recommends` of exactly the missing
# packages.  Not root: prints the missing packages and the sudo command, and
# exits 2.

csim_have_deb() {
    local status
    status=$(dpkg -s "$1" 2>/dev/null) || return 1
    [[ $status == *"Status: install ok installed"* ]]
}

csim_missing_packages() {
    local missing=() tool pkg
    # tool -> package.  valgrind also ships valgrind/valgrind.h, which the
    # build needs to register green-thread stacks (tests/valgrind.sh).
    for tool in cmake:cmake gcc:gcc make:make pkg-config:pkg-config \
                lcov:lcov valgrind:valgrind xmllint:libxml2-utils; do
        command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
    done
    # libc headers: gcc only recommends them, and we install without
    # recommends.
    csim_have_deb libc6-dev || missing+=(libc6-dev)
    # pkg-config module -> package
    for pkg in libuv:libuv1-dev cmocka:libcmocka-dev; do
        if command -v pkg-config >/dev/null 2>&1; then
            pkg-config --exists "${pkg%%:*}" && continue
        else
            csim_have_deb "${pkg#*:}" && continue
        fi
        missing+=("${pkg#*:}")
    done
    # CI (CI=true) also loads the HTML timelines in a real browser
    # (tests/html_browser.sh); elsewhere that test is skipped without one,
    # so ./run.sh and a developer's ./test.sh do not pull in chromium.
    if [ "${CI:-}" = true ]; then
        command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    fi
    echo "${missing[*]}"
}

csim_ensure_deps() {
    local missing
    missing=$(csim_missing_packages)
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "csim needs these Debian packages, which are missing: $missing" >&2
        echo "install them with:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $missing" >&2
        exit 2
    fi
    echo "installing: $missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null
    # shellcheck disable=SC2086  # word splitting is the point
    apt-get install -y -qq --no-install-recommends $missing </dev/null >/dev/null
    missing=$(csim_missing_packages)
    if [ -n "$missing" ]; then
        echo "still missing after apt-get install: $missing" >&2
        exit 2
    fi
}
