#!/bin/sh
# install_test.sh — ctest c_api_install: `cmake --install` of the build into a temp prefix, then
# examples/c/quickstart.c compiled against the installed copy with pkg-config and
# examples/c/transformer.c with find_package(cdlt), both run and their DuckDB tables checked
# (test_c_api --check).
#   usage: install_test.sh <build dir> <source dir> <test_c_api> [extra cflags]
set -eu
build=$1; src=$2; checker=$3; extra=${4:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cdlt-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
for f in lib/libcdlt.so lib/libcdlt.a lib/libduckdb.so include/cdlt/cdlt.h lib/pkgconfig/cdlt.pc \
         lib/cmake/cdlt/cdltConfig.cmake lib/cmake/cdlt/cdltTargets.cmake; do
  test -e "$prefix/$f" || { echo "missing $prefix/$f"; exit 1; }
done

# pkg-config
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
mkdir "$tmp/pc"
# shellcheck disable=SC2046,SC2086
cc $extra -o "$tmp/pc/quickstart" "$src/examples/c/quickstart.c" $(pkg-config --cflags --libs cdlt)
(cd "$tmp/pc" && ./quickstart "$tmp/pc") > "$tmp/pc/out.txt"
grep -q "is LOADED and contains no failed jobs" "$tmp/pc/out.txt" || { cat "$tmp/pc/out.txt"; exit 1; }
"$checker" --check quickstart "$tmp/pc"

# find_package(cdlt)
mkdir "$tmp/proj" "$tmp/proj/build" "$tmp/fp"
cat > "$tmp/proj/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(cdlt_consumer C)
find_package(cdlt 0.1 REQUIRED)
add_executable(transformer "$src/examples/c/transformer.c")
target_compile_options(transformer PRIVATE $extra)
target_link_options(transformer PRIVATE $extra)
target_link_libraries(transformer PRIVATE cdlt::cdlt)
CMAKE
cmake -S "$tmp/proj" -B "$tmp/proj/build" -DCMAKE_PREFIX_PATH="$prefix" > "$tmp/proj/configure.log" \
  || { cat "$tmp/proj/configure.log"; exit 1; }
cmake --build "$tmp/proj/build" > "$tmp/proj/build.log" || { cat "$tmp/proj/build.log"; exit 1; }
# the installed libcdlt.so loads libduckdb (on first use) from its own directory: the loader's
# trace must show the installed copy being opened
LD_DEBUG=files "$tmp/proj/build/transformer" "$tmp/fp" 2> "$tmp/ld.log"
"$checker" --check transformer "$tmp/fp"
grep -q "$prefix/lib/libduckdb.so" "$tmp/ld.log" || { grep -i duckdb "$tmp/ld.log"; echo "libduckdb not loaded from $prefix/lib"; exit 1; }
echo "install test passed"
