/* dynlib.h — opening a shared library from a list of candidate paths (libraries cdlt loads on
 * first use: libduckdb, libpq). */
#ifndef CDLT_UTIL_DYNLIB_H
#define CDLT_UTIL_DYNLIB_H

#include <stddef.h>

/* dlopen(RTLD_NOW | RTLD_LOCAL) of the first of tries[0..n) that opens (NULL or empty entries are
 * skipped). Returns the handle (owned by the caller; cdlt never closes these), or NULL with the
 * last loader message in err[0..errcap). */
void *cdlt_dynlib_open_first(const char *const *tries, size_t n, char *err, size_t errcap);

#endif
