/* utf8.h — encoding one Unicode code point as UTF-8 (shared by the JSON reader and naming). */
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

#endif
