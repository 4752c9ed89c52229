/* utf8.h — encoding one Unicode code point as UTF-8 and validating one UTF-8 sequence (shared by
 * the JSON reader, naming and the DuckDB bulk load's line parser). */
#ifndef CDLT_UTIL_UTF8_H
#define CDLT_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Writes cp (<= 0x10FFFF) into o (4 bytes of room); returns the number of bytes written. */
static inline size_t cdlt_utf8_encode(uint32_t cp, char *o) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Validates one UTF-8 sequence at s (s[0] >= 0x80) the way the JSON reader does: no overlongs,
 * no UTF-8-encoded surrogates, nothing above U+10FFFF. Returns its length, 0 when avail ends
 * before it does (prefix valid), or -(1 + index of the offending byte). */
static inline int cdlt_utf8_seq(const unsigned char *s, size_t avail) {
  unsigned c = s[0], lo = 0x80, hi = 0xBF;
  int need;
  if (c < 0xC2) return -1;
  if (c < 0xE0) {
    need = 2;
  } else if (c < 0xF0) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;        /* overlong */
    else if (c == 0xED) hi = 0x9F;   /* UTF-16 surrogates */
  } else if (c < 0xF5) {
    need = 4;
    if (c == 0xF0) lo = 0x90;        /* overlong */
    else if (c == 0xF4) hi = 0x8F;   /* above U+10FFFF */
  } else {
    return -1;
  }
  for (int i = 1; i < need; i++) {
    if ((size_t)i >= avail) return 0;
    unsigned b = s[i];
    if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return -(i + 1);
  }
  return need;
}

#endif
