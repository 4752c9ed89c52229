/* dynlib.c — see dynlib.h. */
#define _GNU_SOURCE
#include "util/dynlib.h"

#include <dlfcn.h>
#include <stdio.h>

void *cdlt_dynlib_open_first(const char *const *tries, size_t n, char *err, size_t errcap) {
  void *lib = NULL;
  for (size_t k = 0; k < n && !lib; k++) {
    if (!tries[k] || !tries[k][0]) continue;
    lib = dlopen(tries[k], RTLD_NOW | RTLD_LOCAL);
    if (!lib && errcap) {
      const char *e = dlerror();
      snprintf(err, errcap, "%s", e ? e : "unknown error");
    }
  }
  return lib;
}
