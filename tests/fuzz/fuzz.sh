#!/usr/bin/env bash
# fuzz.sh — builds and runs cdlt's libFuzzer targets (docs/internals/FUZZING.md). Used by the
# ctest entries fuzz_build / fuzz_<target> (tests/fuzz/fuzz.cmake) and by `make fuzz`.
#   fuzz.sh build <source dir> <fuzz build dir>
#       configures a separate tree with clang and -DCDLT_FUZZ=ON and builds every fuzz target
#   fuzz.sh run <source dir> <fuzz build dir> <target> <seconds>
#       runs fuzz_<target> for <seconds> on its seed corpus; new inputs go to <build>/corpus/<target>,
#       a crashing input to <build>/artifacts/<target>-crash-<sha1> (the run then fails)
#   fuzz.sh targets <source dir>
#       prints the target names (tests/fuzz/fuzz_<name>.c)
#   fuzz.sh seeds <source dir> <target>
#       prints the seed folders of a target (read-only; the shared testdata is used by path)
# Exits 77 (ctest: skipped) when clang or libFuzzer's runtime is not installed (libFuzzer's own
# default error exit code, 77, is therefore replaced by 1).
set -euo pipefail

cmd="${1:-}"; src="${2:-}"
[ -n "$cmd" ] && [ -n "$src" ] || { echo "usage: fuzz.sh build|run|targets|seeds <source dir> ..." >&2; exit 2; }
src="$(cd "$src" && pwd)"
shared="${CDLT_SHARED_DIR:-$src/../shared}"
CLANG="${CLANG:-clang}"

seeds() {
  local t="$1" d
  local dirs=("$src/tests/fuzz/regressions/$t" "$src/tests/fuzz/seeds/$t")
  case "$t" in
    json_reader|normalizer|normalize_templates) dirs+=("$shared/testdata/json" "$shared/testdata/realworld") ;;
    toml) dirs+=("$shared/testdata/toml") ;;
  esac
  for d in "${dirs[@]}"; do [ -d "$d" ] && echo "$d"; done
  return 0
}

have_libfuzzer() {
  command -v "$CLANG" >/dev/null 2>&1 || return 1
  local tmp; tmp="$(mktemp -d)"
  printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$tmp/t.c"
  local ok=0
  "$CLANG" -fsanitize=fuzzer,address,undefined "$tmp/t.c" -o "$tmp/t" >/dev/null 2>&1 || ok=1
  rm -rf "$tmp"
  return $ok
}

case "$cmd" in
  build)
    out="${3:?fuzz build dir}"
    if ! have_libfuzzer; then
      echo "fuzz: clang with libFuzzer is not available (install clang and libclang-rt-14-dev): skipped"; exit 77
    fi
    jobs="$(nproc 2>/dev/null || echo 2)"
    CC="$CLANG" cmake -S "$src" -B "$out" -DCDLT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCDLT_SHARED_DIR="$shared" >/dev/null
    cmake --build "$out" --target cdlt_fuzz_all -j "$jobs"
    ;;
  run)
    out="${3:?fuzz build dir}"; t="${4:?target}"; secs="${5:-20}"
    bin="$out/fuzz_$t"
    if [ ! -x "$bin" ]; then
      have_libfuzzer || { echo "fuzz: clang with libFuzzer is not available: skipped"; exit 77; }
      echo "fuzz: $bin not built (run: fuzz.sh build $src $out)" >&2; exit 1
    fi
    mkdir -p "$out/corpus/$t" "$out/artifacts"
    mapfile -t seed_dirs < <(seeds "$t")
    # -max_len keeps mutation fast on the big real-world seeds (they are read truncated)
    exec "$bin" -max_total_time="$secs" -max_len="${FUZZ_MAX_LEN:-16384}" -timeout=30 -rss_limit_mb=3072 -error_exitcode=1 -timeout_exitcode=1 \
      -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" "$out/corpus/$t" "${seed_dirs[@]}"
    ;;
  seeds)
    seeds "${3:?target}"
    ;;
  targets)
    for f in "$src"/tests/fuzz/fuzz_*.c; do b="${f##*/fuzz_}"; echo "${b%.c}"; done
    ;;
  *)
    echo "fuzz.sh: unknown command '$cmd'" >&2; exit 2 ;;
esac
