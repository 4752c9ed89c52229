#!/bin/sh
# bench/run.sh — `make bench`: builds cdlt with the bench helpers (-DCDLT_BENCH=ON) in BUILD
# (default ./build) and runs bench/run.py; extra arguments go to run.py (--runs N, --datasets,
# --targets duckdb,postgres,parquet, --no-write).
set -e
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCDLT_BENCH=ON >/dev/null
cmake --build "$BUILD" -j "${JOBS:-2}" --target cdlt duckdb_ctas pg_serve >/dev/null
exec python3 bench/run.py --build "$BUILD" "$@"
