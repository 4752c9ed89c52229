#!/usr/bin/env bash
# run_cli.sh — the cdlt CLI end to end under valgrind (ctest valgrind_cli, registered by
# tests/fuzz/fuzz.cmake; also `make valgrind`). Two runs in a fresh temp dir:
#   1. a small JSON Lines file with a nested list, loaded into DuckDB: cdlt must exit 0;
#   2. a file with malformed JSON on line 2: cdlt must exit 1 (the error path frees too).
# valgrind --leak-check=full: memory errors or definite/indirect leaks make valgrind exit 99
# (still-reachable blocks, e.g. DuckDB's process-lifetime caches, do not count).
# Usage: run_cli.sh <path to cdlt>. Exits 77 (skipped) when valgrind is not installed.
set -euo pipefail
cdlt="${1:?usage: run_cli.sh <cdlt binary>}"
here="$(cd "$(dirname "$0")" && pwd)"
command -v valgrind >/dev/null 2>&1 || { echo "valgrind not installed: skipped"; exit 77; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
export DLT_DATA_DIR="$tmp/dlt"
vg=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
    --error-exitcode=99 --suppressions="$here/cdlt.supp" --num-callers=30)

printf '%s\n' '{"id": 1, "name": "a", "tags": ["x", "y"], "nested": {"k": 1.5}, "big": 9223372036854775807}' \
              '{"id": 2, "name": "b", "tags": [], "nested": {"k": null}, "when": "2024-01-01T10:00:00Z"}' > small.jsonl
set +e
"${vg[@]}" "$cdlt" run small.jsonl --pipeline vg --credentials "$tmp/vg.duckdb" > run1.log 2>&1
rc=$?
set -e
cat run1.log
[ "$rc" -eq 0 ] || { echo "FAIL: cdlt run under valgrind exited $rc (99 = valgrind found errors or leaks)"; exit 1; }
grep -q "is LOADED and contains no failed jobs" run1.log || { echo "FAIL: the load did not complete"; exit 1; }

printf '%s\n' '{"id": 1}' '{"id": 2,, }' > bad.jsonl
set +e
"${vg[@]}" "$cdlt" run bad.jsonl --pipeline vgbad --credentials "$tmp/vg.duckdb" > run2.log 2>&1
rc=$?
set -e
cat run2.log
[ "$rc" -eq 1 ] || { echo "FAIL: cdlt run on bad input under valgrind exited $rc, expected 1 (99 = valgrind errors)"; exit 1; }
echo "valgrind: no memory errors, no definite or indirect leaks"
