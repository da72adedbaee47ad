#!/usr/bin/env bash
# doccheck.sh [--update] CSIM_BIN REPO_DIR [DOC.md...]
#
# The sample outputs in the docs are generated from real runs.  Every marked
# example is regenerated; without --update the script fails, printing a
# unified diff, if any checked-in block differs; with --update it rewrites the
# blocks in place.  DOCs default to every *.md under REPO_DIR (outside build*
# directories and .git) that contains a marker.
#
# Markers: an HTML comment on the line immediately before a fenced block.
#
#   <!-- doccheck: [exit=N] COMMAND -->
#       The block is exactly the stdout of COMMAND, run as
#       `bash -o pipefail -c COMMAND` (so filters such as `| grep -E ...`
#       work, and the status is csim's, not the filter's), which must exit
#       with N (default 0).  `csim` on PATH is CSIM_BIN.  Add `2>&1` to show
#       what goes to stderr.
#   <!-- doccheck-file: NAME.scn -->
#       The block is a file the examples below it use: it is written, as is,
#       to the work directory as NAME (a plain file name).  A later block may
#       rewrite the same NAME (a tutorial editing its file).
#   <!-- doccheck-include: PATH -->
#       The block is the repository file PATH (relative to REPO_DIR), byte
#       for byte: a listing that claims to be a bundled file.
#
# Commands run in a fresh work directory per document that holds a copy of
# REPO_DIR/scenarios as scenarios/ (so output paths read `scenarios/...`, as
# from the repo root, and nothing can change the checked-in files) and the
# document's file blocks, in document order.  Environment: LC_ALL=C,
# TZ=UTC.
#
# Exit status: 0 all blocks up to date (or rewritten with --update), 1 a
# block differs or a command exited with an unexpected status, 2 usage or a
# malformed marker.
set -uo pipefail
# Seconds per command; instrumented builds (CSIM_TEST_SLOW, set by
# tests/sanitize.sh) run `csim variants` of the bug suite ~20x slower.
cmd_timeout=120
[ -z "${CSIM_TEST_SLOW:-}" ] || cmd_timeout=900

update=0
if [ "${1:-}" = --update ]; then
    update=1
    shift
fi
if [ $# -lt 2 ]; then
    echo "usage: doccheck.sh [--update] CSIM_BIN REPO_DIR [DOC.md...]" >&2
    exit 2
fi
csim_bin=$1
repo=$2
shift 2
case $csim_bin in /*) ;; *) csim_bin=$PWD/$csim_bin ;; esac
repo=$(cd "$repo" && pwd) || exit 2
if [ ! -x "$csim_bin" ]; then
    echo "doccheck: $csim_bin is not an executable" >&2
    exit 2
fi

docs=("$@")
if [ ${#docs[@]} -eq 0 ]; then
    while IFS= read -r f; do
        docs+=("${f#"$repo"/}")
    done < <(find "$repo" \( -path "$repo/build*" -o -path "$repo/.git" \) -prune \
                 -o -name '*.md' -type f -print | LC_ALL=C sort |
             xargs -r grep -l -- '<!-- doccheck' 2>/dev/null)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
ln -s "$csim_bin" "$tmp/bin/csim"
export LC_ALL=C TZ=UTC

status=0
blocks=0

# fail DOC LINE MESSAGE: a malformed marker (exit 2 at the end).
malformed() {
    echo "$1:$2: doccheck: $3" >&2
    [ $status -eq 2 ] || status=2
}

# process DOC: writes the regenerated document to $tmp/new.
process() {
    local doc=$1 work="$tmp/work" n i j line kind arg fence body want rc
    local -a lines
    rm -rf "$work"
    mkdir "$work"
    [ -d "$repo/scenarios" ] && cp -R "$repo/scenarios" "$work/scenarios"
    mapfile -t lines < "$repo/$doc"
    n=${#lines[@]}
    : > "$tmp/new"
    i=0
    while [ $i -lt $n ]; do
        line=${lines[i]}
        printf '%s\n' "$line" >> "$tmp/new"
        i=$((i + 1))
        [[ $line =~ ^'<!-- doccheck'(-file|-include)?:[[:space:]]*(.*[^[:space:]])[[:space:]]*'-->'$ ]] ||
            continue
        kind=${BASH_REMATCH[1]:-run}
        arg=${BASH_REMATCH[2]}
        fence=${lines[i]:-}
        if [[ ! $fence =~ ^(\`\`\`+) ]]; then
            malformed "$doc" $i "the marker must be followed by a fenced block (\`\`\`)"
            continue
        fi
        fence=${BASH_REMATCH[1]}
        # Find the closing fence: a line of (at least) the same backticks.
        j=$((i + 1))
        while [ $j -lt $n ] && [[ ! ${lines[j]} =~ ^$fence\`*[[:space:]]*$ ]]; do
            j=$((j + 1))
        done
        if [ $j -ge $n ]; then
            malformed "$doc" $((i + 1)) "unclosed fenced block"
            return
        fi
        printf '%s\n' "${lines[i]}" >> "$tmp/new"
        blocks=$((blocks + 1))
        : > "$tmp/body"
        if [ $j -gt $((i + 1)) ]; then
            printf '%s\n' "${lines[@]:i+1:j-i-1}" > "$tmp/body"
        fi
        case $kind in
        -file)
            if [[ $arg == */* || $arg == .* ]]; then
                malformed "$doc" $i "doccheck-file takes a plain file name, not '$arg'"
            else
                cp "$tmp/body" "$work/$arg"
            fi
            ;;
        -include)
            if [ -f "$repo/$arg" ]; then
                cp "$repo/$arg" "$tmp/body"
            else
                malformed "$doc" $i "no file '$arg' in $repo"
            fi
            ;;
        run)
            want=0
            if [[ $arg =~ ^exit=([0-9]+)[[:space:]]+(.*)$ ]]; then
                want=${BASH_REMATCH[1]}
                arg=${BASH_REMATCH[2]}
            fi
            (cd "$work" && PATH="$tmp/bin:$PATH" \
                timeout "$cmd_timeout" bash -o pipefail -c "$arg") \
                > "$tmp/body" 2> "$tmp/stderr" < /dev/null
            rc=$?
            if [ $rc -ne "$want" ]; then
                echo "$doc:$i: doccheck: \`$arg\` exited with $rc, the marker says exit=$want" >&2
                sed 's/^/    stderr: /' "$tmp/stderr" >&2
                status=1
            fi
            ;;
        esac
        # A block always ends with a newline (the closing fence is its own line).
        if [ -s "$tmp/body" ] && [ -n "$(tail -c1 "$tmp/body")" ]; then
            echo >> "$tmp/body"
        fi
        if grep -q "^$fence" "$tmp/body"; then
            malformed "$doc" $((i + 1)) "the generated text contains the fence $fence; use a longer one"
        fi
        cat "$tmp/body" >> "$tmp/new"
        i=$j
    done
}

for doc in "${docs[@]}"; do
    if [ ! -f "$repo/$doc" ]; then
        echo "doccheck: no file $repo/$doc" >&2
        status=2
        continue
    fi
    process "$doc"
    if cmp -s "$repo/$doc" "$tmp/new"; then
        continue
    fi
    if [ $update -eq 1 ]; then
        cat "$tmp/new" > "$repo/$doc"
        echo "doccheck: updated $doc"
    else
        diff -u --label "a/$doc (checked in)" --label "b/$doc (generated)" \
            "$repo/$doc" "$tmp/new"
        [ $status -ne 0 ] || status=1
    fi
done

if [ $status -eq 0 ]; then
    echo "doccheck: ${#docs[@]} document(s), $blocks marked block(s)," \
         "$([ $update -eq 1 ] && echo "up to date" || echo "all match")"
elif [ $status -eq 1 ] && [ $update -eq 0 ]; then
    echo "doccheck: FAILED; if the new output is right: tests/doccheck.sh --update CSIM_BIN REPO_DIR," \
         "then review the diff" >&2
fi
exit $status
