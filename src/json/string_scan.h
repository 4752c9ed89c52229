/* string_scan.h — JSON read by the fast paths that bypass the JSON reader (the DuckDB bulk load's
 * line parser, duckdb_line.c; normalize's row templates, row_template.c and normalize_template.c):
 * a string's end and its escapes decoded with the reader's rules, and a value's structural end. */
#ifndef CDLT_JSON_STRING_SCAN_H
#define CDLT_JSON_STRING_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "json/plain_span.h"
#include "util/buf.h"
#include "util/utf8.h"

/* The code unit of the 4 hex digits at p (4 bytes readable), or -1. */
static inline long cdlt_json_hex4(const unsigned char *p) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned c = p[i];
    int h = c >= '0' && c <= '9' ? (int)(c - '0') : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (int)((c | 0x20) - 'a' + 10) : -1;
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/* The end (the index after the closing quote) of the JSON string whose opening quote is at d[p],
 * 0 when there is no valid string before n. Valid as the reader reads strings: raw bytes 0x20..
 * but '"' and '\' as valid UTF-8 (cdlt_utf8_seq), the one-character escapes, \u with four hex
 * digits; whether \u surrogates pair up is left to cdlt_json_decode_string. *escaped: the string
 * has a backslash (its bytes are not its value). */
static inline size_t cdlt_json_string_end(const unsigned char *d, size_t p, size_t n, bool *escaped) {
  size_t q = p + 1;
  *escaped = false;
  for (;;) {
    q = cdlt_json_plain_span(d, q, n);
    if (q >= n) return 0;
    unsigned c = d[q];
    if (c == '"') return q + 1;
    if (c == '\\') {
      if (q + 1 >= n) return 0;
      *escaped = true;
      if (d[q + 1] == 'u') {
        if (q + 6 > n || cdlt_json_hex4(d + q + 2) < 0) return 0;
        q += 6;
      } else if (cdlt_json_short_escape(d[q + 1]) >= 0) {
        q += 2;
      } else {
        return 0;
      }
    } else if (c < 0x80) {   /* a raw control character */
      return 0;
    } else {
      int k = cdlt_utf8_seq(d + q, n - q);
      if (k <= 0) return 0;
      q += (size_t)k;
    }
  }
}

/* Appends the value of the string body s[0..len) (between the quotes, accepted by
 * cdlt_json_string_end) to out, decoded as the reader decodes it: escapes replaced, a \u surrogate
 * pair combined into one code point. Returns 0; 1 for a surrogate escape without its pair (the
 * reader rejects it: nothing useful was appended); CDLT_ERR_NOMEM. */
int cdlt_json_decode_string(const char *s, size_t len, cdlt_buf *out);

/* The end of the JSON value at d[p] (its first byte) before n: after the matching bracket of an
 * array or object (strings skipped, escapes included), after the closing quote of a string, at
 * the ',' ']' or '}' that ends any other scalar; 0 when it does not end before n. Structure only:
 * the bytes are not checked (the caller parses or matches them). */
size_t cdlt_json_value_end(const unsigned char *d, size_t p, size_t n);

#endif
