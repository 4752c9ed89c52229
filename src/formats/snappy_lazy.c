/* snappy_lazy.c — libsnappy is loaded on first use (dlopen), not when cdlt starts: it is C++ and
 * brings libstdc++ and libgcc_s, whose relocations and constructors every `cdlt --version` paid,
 * and only a run that writes Parquet files needs it. The two snappy functions cdlt calls are
 * defined here with snappy's own prototypes (snappy-c.h) and forward to the real ones, resolved
 * once ($CDLT_SNAPPY_LIBRARY is tried first, then the system's). The Parquet writer calls
 * cdlt_snappy_available() when it opens a compressed file, so a missing library is a clear error,
 * not a crash. */
#define _GNU_SOURCE
#include "formats/snappy_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <snappy-c.h>

#include "util/dynlib.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *lib;
static char load_error[512];

static void load(void) {
  const char *tries[] = {getenv("CDLT_SNAPPY_LIBRARY"), "libsnappy.so.1", "libsnappy.so"};
  lib = cdlt_dynlib_open_first(tries, sizeof tries / sizeof *tries, load_error, sizeof load_error);
}

int cdlt_snappy_available(cdlt_error *err) {
  pthread_once(&once, load);
  if (lib && dlsym(lib, "snappy_compress") && dlsym(lib, "snappy_max_compressed_length")) return 0;
  return cdlt_error_set(err, CDLT_ERR_USAGE,
                        "parquet: cannot load libsnappy (install libsnappy1v5 or set CDLT_SNAPPY_LIBRARY to its path): %s",
                        lib ? "the library has no snappy_compress" : load_error);
}

/* the real function; only reached after cdlt_snappy_available() succeeded */
static void *resolve(_Atomic(void *) *slot, const char *name) {
  void *f = atomic_load_explicit(slot, memory_order_acquire);
  if (f) return f;
  pthread_once(&once, load);
  f = lib ? dlsym(lib, name) : NULL;
  if (!f) abort();   /* the writer skipped cdlt_snappy_available(): a bug */
  atomic_store_explicit(slot, f, memory_order_release);
  return f;
}

snappy_status snappy_compress(const char *input, size_t input_length, char *compressed, size_t *compressed_length) {
  static _Atomic(void *) slot;
  snappy_status (*f)(const char *, size_t, char *, size_t *) =
      (snappy_status(*)(const char *, size_t, char *, size_t *))resolve(&slot, "snappy_compress");
  return f(input, input_length, compressed, compressed_length);
}

size_t snappy_max_compressed_length(size_t source_length) {
  static _Atomic(void *) slot;
  size_t (*f)(size_t) = (size_t(*)(size_t))resolve(&slot, "snappy_max_compressed_length");
  return f(source_length);
}
