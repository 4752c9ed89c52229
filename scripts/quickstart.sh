#!/usr/bin/env bash
# The quickstart behind `make run`: loads examples/users.jsonl into ./quickstart.duckdb with the
# cdlt CLI and prints dlt's load info plus the tables and row counts it created.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cdlt="${1:-$here/build/cdlt}"
export DLT_DATA_DIR="${DLT_DATA_DIR:-$here/.dlt-quickstart}"
"$cdlt" run "$here/examples/users.jsonl" --pipeline quickstart --credentials "$PWD/quickstart.duckdb"
