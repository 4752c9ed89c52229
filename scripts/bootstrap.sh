#!/usr/bin/env bash
# Installs what cdlt needs on a fresh Debian machine, skipping what is already there:
#  - Debian -dev packages (compiler, cmake, zlib, openssl, libpq, sqlite, curl, PostgreSQL server),
#    clang with libFuzzer's runtime (libclang-rt-dev: only recommended by clang) and valgrind
#  - DuckDB 1.4.4 (libduckdb.so + duckdb.h) from the npm registry into .deps/duckdb,
#    unless CDLT_DUCKDB_DIR points at a user's own copy (with include/duckdb.h and lib/libduckdb.so).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

need_pkgs=()
for p in build-essential cmake pkg-config zlib1g-dev libssl-dev libpq-dev libsqlite3-dev \
         libcurl4-openssl-dev libzstd-dev libsnappy-dev postgresql clang libclang-rt-dev valgrind; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
command -v npm >/dev/null 2>&1 || need_pkgs+=(npm)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "bootstrap: installing ${need_pkgs[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if [ -n "${CDLT_DUCKDB_DIR:-}" ]; then
  [ -f "$CDLT_DUCKDB_DIR/include/duckdb.h" ] && [ -f "$CDLT_DUCKDB_DIR/lib/libduckdb.so" ] || {
    echo "bootstrap: CDLT_DUCKDB_DIR=$CDLT_DUCKDB_DIR lacks include/duckdb.h or lib/libduckdb.so" >&2; exit 1; }
  exit 0
fi

dd="$here/.deps/duckdb"
if [ -f "$dd/include/duckdb.h" ] && [ -f "$dd/lib/libduckdb.so" ]; then exit 0; fi
case "$(uname -m)" in
  x86_64) arch=x64 ;; aarch64|arm64) arch=arm64 ;;
  *) echo "bootstrap: no DuckDB build for $(uname -m); set CDLT_DUCKDB_DIR" >&2; exit 1 ;;
esac
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
echo "bootstrap: fetching DuckDB 1.4.4 ($arch) with npm pack"
( cd "$tmp" && npm pack --silent "@duckdb/node-bindings-linux-$arch@1.4.4-r.4" >/dev/null \
            && npm pack --silent "duckdb@1.4.4" >/dev/null )
mkdir -p "$tmp/lib" "$tmp/hdr" "$dd.partial/include" "$dd.partial/lib"
tar xzf "$tmp"/duckdb-node-bindings-linux-*.tgz -C "$tmp/lib" package/libduckdb.so
tar xzf "$tmp"/duckdb-1.4.4.tgz -C "$tmp/hdr" package/src/duckdb/src/include/duckdb.h
cp "$tmp/lib/package/libduckdb.so" "$dd.partial/lib/"
cp "$tmp/hdr/package/src/duckdb/src/include/duckdb.h" "$dd.partial/include/"
rm -rf "$dd"; mv "$dd.partial" "$dd"
echo "bootstrap: DuckDB in $dd"
