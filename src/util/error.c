/* error.c — filling cdlt_error records. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cdlt_error_set(cdlt_error *err, int code, const char *fmt, ...) {
  if (!err) return code;
  err->code = code;
  err->line = err->column = err->offset = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return code;
}

int cdlt_error_wrap(cdlt_error *err, const char *fmt, ...) {
  if (!err) return CDLT_ERR_INTERNAL;
  char prefix[512], old[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
  if (err->code == 0) err->code = CDLT_ERR_INTERNAL;
  return err->code;
}

int cdlt_error_errno(cdlt_error *err, int errno_value, const char *fmt, ...) {
  if (!err) return CDLT_ERR_IO;
  char what[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return cdlt_error_set(err, CDLT_ERR_IO, "%s: %s", what, strerror(errno_value));
}

void cdlt_error_clear(cdlt_error *err) {
  if (err) memset(err, 0, sizeof *err);
}
