/* buf.h — a growable byte buffer (always NUL-terminated after its content).
 * Owned by whoever embeds it: cdlt_buf_init / cdlt_buf_release. Allocation failure aborts
 * nothing: functions return CDLT_ERR_NOMEM and leave the buffer unchanged. */
#ifndef CDLT_UTIL_BUF_H
#define CDLT_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct cdlt_buf {
  char *data;   /* NUL-terminated; NULL until first append */
  size_t len;
  size_t cap;
} cdlt_buf;

void cdlt_buf_init(cdlt_buf *b);
void cdlt_buf_release(cdlt_buf *b);
void cdlt_buf_reset(cdlt_buf *b);                 /* len = 0, keeps memory */
int cdlt_buf_reserve(cdlt_buf *b, size_t extra);  /* room for `extra` more bytes (+NUL) */
int cdlt_buf_puts(cdlt_buf *b, const char *s);

/* Appends n bytes (inline: the common case is a copy into reserved room). */
static inline int cdlt_buf_append(cdlt_buf *b, const void *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    int rc = cdlt_buf_reserve(b, n);
    if (rc) return rc;
  }
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
  return 0;
}

/* Appends one byte (inline). */
static inline int cdlt_buf_putc(cdlt_buf *b, char c) {
  if (b->len + 2 > b->cap) {
    int rc = cdlt_buf_reserve(b, 1);
    if (rc) return rc;
  }
  b->data[b->len++] = c;
  b->data[b->len] = 0;
  return 0;
}
int cdlt_buf_printf(cdlt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cdlt_buf_vprintf(cdlt_buf *b, const char *fmt, va_list ap);
/* Hands the content to the caller (free() it) and re-inits the buffer. Never NULL on success
 * (an empty buffer yields ""), NULL on allocation failure. */
char *cdlt_buf_detach(cdlt_buf *b);

#endif
