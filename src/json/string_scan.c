/* string_scan.c — decoding the escapes of a JSON string the reader's way, and the structural end
 * of a value (see string_scan.h). */
#include "json/string_scan.h"

#include "util/error.h"

int cdlt_json_decode_string(const char *s, size_t len, cdlt_buf *out) {
  const unsigned char *p = (const unsigned char *)s, *e = p + len;
  while (p < e) {
    const unsigned char *run = p;
    while (p < e && *p != '\\') p++;
    if (p > run && cdlt_buf_append(out, run, (size_t)(p - run))) return CDLT_ERR_NOMEM;
    if (p >= e) break;
    if (e - p < 2) return 1;
    int ch = cdlt_json_short_escape(p[1]);
    if (ch >= 0) {
      if (cdlt_buf_putc(out, (char)ch)) return CDLT_ERR_NOMEM;
      p += 2;
      continue;
    }
    if (p[1] != 'u' || e - p < 6) return 1;
    long cp = cdlt_json_hex4(p + 2);
    if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return 1;   /* a lone low surrogate */
    size_t used = 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {   /* a high surrogate: its low one must follow */
      if (e - p < 12 || p[6] != '\\' || p[7] != 'u') return 1;
      long lo = cdlt_json_hex4(p + 8);
      if (lo < 0xDC00 || lo > 0xDFFF) return 1;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      used = 12;
    }
    char u[4];
    if (cdlt_buf_append(out, u, cdlt_utf8_encode((uint32_t)cp, u))) return CDLT_ERR_NOMEM;
    p += used;
  }
  return 0;
}

/* (string_scan.h) Brackets are counted, not matched, inside; the outermost pair must match: an
 * array `[…}` has no end. */
size_t cdlt_json_value_end(const unsigned char *d, size_t p, size_t n) {
  size_t depth = 0, q = p;
  unsigned close = p < n ? (d[p] == '[' ? ']' : d[p] == '{' ? '}' : 0) : 0;
  while (q < n) {
    unsigned c = d[q];
    if (c == '"') {
      for (q++;;) {
        q = cdlt_json_plain_span(d, q, n);
        if (q >= n) return 0;
        if (d[q] == '"') break;
        q += d[q] == '\\' ? 2 : 1;
      }
      q++;
      if (!depth) return q;
      continue;
    }
    if (c == '[' || c == '{') depth++;
    else if (c == ']' || c == '}') {
      if (!depth) return q;   /* the end of a scalar: the enclosing list ends */
      if (--depth == 0) return c == close ? q + 1 : 0;
    } else if (!depth && c == ',') return q;
    q++;
  }
  return 0;
}

