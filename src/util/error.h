/* error.h — the error record every internal function fills on failure.
 *
 * Convention (as in libgit2 / yyjson): functions return 0 (CDLT_OK) on success or a negative
 * cdlt_status on failure and, when given a non-NULL cdlt_error*, describe the failure there.
 * Messages are lowercase, quote their subject ('%s'), and never contain secrets. Parse errors
 * also carry the position (line/column 1-based, byte offset 0-based) in the named source. */
#ifndef CDLT_UTIL_ERROR_H
#define CDLT_UTIL_ERROR_H

#include <stddef.h>
#include <stdint.h>
#include "cdlt/cdlt.h"

typedef struct cdlt_error {
  int code;            /* a cdlt_status value, 0 when no error */
  char msg[1024];      /* full human-readable message */
  /* position, set by parsers (0 when unknown) */
  uint64_t line;       /* 1-based */
  uint64_t column;     /* 1-based, in bytes */
  uint64_t offset;     /* 0-based byte offset */
} cdlt_error;

/* Sets code and a printf-formatted message; returns code (so `return cdlt_error_set(...)` works).
 * err may be NULL. */
int cdlt_error_set(cdlt_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with a formatted context ("while loading 'x': <old msg>"). */
int cdlt_error_wrap(cdlt_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets code CDLT_ERR_IO with strerror(errno_value) appended: "<what>: <strerror>". */
int cdlt_error_errno(cdlt_error *err, int errno_value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void cdlt_error_clear(cdlt_error *err);

#endif
