/* buf.c — growable byte buffer (append and putc are inline in buf.h). */
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"

void cdlt_buf_init(cdlt_buf *b) { b->data = NULL; b->len = b->cap = 0; }

void cdlt_buf_release(cdlt_buf *b) { free(b->data); cdlt_buf_init(b); }

void cdlt_buf_reset(cdlt_buf *b) { b->len = 0; if (b->data) b->data[0] = 0; }

int cdlt_buf_reserve(cdlt_buf *b, size_t extra) {
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap = cap * 2;
  char *p = realloc(b->data, cap);
  if (!p) return CDLT_ERR_NOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int cdlt_buf_puts(cdlt_buf *b, const char *s) { return cdlt_buf_append(b, s, strlen(s)); }

int cdlt_buf_vprintf(cdlt_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return CDLT_ERR_INTERNAL;
  if (cdlt_buf_reserve(b, (size_t)n)) return CDLT_ERR_NOMEM;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int cdlt_buf_printf(cdlt_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = cdlt_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

char *cdlt_buf_detach(cdlt_buf *b) {
  if (!b->data && cdlt_buf_reserve(b, 0)) return NULL;
  if (b->len == 0) b->data[0] = 0;
  char *p = b->data;
  cdlt_buf_init(b);
  return p;
}
