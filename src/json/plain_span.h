/* plain_span.h — finding the end of the plain run of a JSON string (bytes 0x20..0x7f but '"' and
 * '\\'), the one-character escapes and the number grammar, shared by the JSON reader and the line
 * scanners of the DuckDB bulk load (duckdb_line.c) and the parallel extract (extract_line.c). */
#ifndef CDLT_JSON_PLAIN_SPAN_H
#define CDLT_JSON_PLAIN_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* bytes that may appear unescaped in a string and need no UTF-8 check: 0x20..0x7f but '"' '\' */
static const unsigned char cdlt_json_plain_byte[256] __attribute__((unused)) = {
#define P16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
  P16(0), P16(0),
  1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x20: '"' at 0x22 */
  P16(1), P16(1),
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,   /* 0x50: '\' at 0x5c */
  P16(1), P16(1),
  P16(0), P16(0), P16(0), P16(0), P16(0), P16(0), P16(0), P16(0)
#undef P16
};

/* The byte the one-character JSON escape `\c` stands for (c one of " \ / b f n r t), else -1
 * (also for 'u', whose four hex digits the caller reads). */
static inline int cdlt_json_short_escape(unsigned c) {
  switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return -1;
  }
}

/* A JSON number token at *pp (before e) checked with the reader's grammar (json_reader.c
 * parse_number: '-', no leading zero, fraction, exponent; the token is the longest run of number
 * bytes, so one followed by another number byte is invalid). On success: true, *pp after it, *neg,
 * *digits at its first digit, *is_float for a fraction or exponent, *int_digits the digits before
 * them and *mag their value (meaningful for at most 18 digits). False: not a valid token. */
static inline bool cdlt_json_scan_number(const unsigned char **pp, const unsigned char *e, bool *neg,
                                         const unsigned char **digits, bool *is_float, size_t *int_digits,
                                         uint64_t *mag) {
  const unsigned char *p = *pp;
  *neg = p < e && *p == '-';
  if (*neg) p++;
  *digits = p;
  if (p >= e || *p < '0' || *p > '9') return false;
  uint64_t m = 0;
  if (*p == '0') {
    p++;
    if (p < e && *p >= '0' && *p <= '9') return false;   /* leading zero */
  } else {
    while (p < e && *p >= '0' && *p <= '9') m = m * 10 + (uint64_t)(*p++ - '0');
  }
  *int_digits = (size_t)(p - *digits);
  *mag = m;
  bool f = false;
  if (p < e && *p == '.') {
    p++;
    f = true;
    if (p >= e || *p < '0' || *p > '9') return false;
    while (p < e && *p >= '0' && *p <= '9') p++;
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    p++;
    f = true;
    if (p < e && (*p == '+' || *p == '-')) p++;
    if (p >= e || *p < '0' || *p > '9') return false;
    while (p < e && *p >= '0' && *p <= '9') p++;
  }
  if (p < e && (*p == '+' || *p == '-' || *p == '.' || *p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9')))
    return false;
  *is_float = f;
  *pp = p;
  return true;
}

#define CDLT_JSON_ONES 0x0101010101010101ULL
#define CDLT_JSON_HIGHS 0x8080808080808080ULL
/* High bit set in every byte of w that is '"', '\', < 0x20 or >= 0x80, and possibly in bytes
 * above such a byte (borrows propagate upwards only): 0 exactly when all 8 bytes are plain, and
 * on a little-endian machine the lowest set bit marks the first special byte. */
static inline uint64_t cdlt_json_special8(uint64_t w) {
  uint64_t q = w ^ (CDLT_JSON_ONES * 0x22), b = w ^ (CDLT_JSON_ONES * 0x5c);
  return (((q - CDLT_JSON_ONES) & ~q) | ((b - CDLT_JSON_ONES) & ~b) | ((w - CDLT_JSON_ONES * 0x20) & ~w) | w) & CDLT_JSON_HIGHS;
}

static inline bool cdlt_json_little_endian(void) {
  const uint16_t one = 1;
  return *(const unsigned char *)&one == 1;
}

/* The first index in [p, n) of d whose byte is not `plain` (n when none): 16 bytes at a time with
 * SSE2 (x86-64 baseline), else 8 at a time (SWAR), then byte by byte. */
static inline size_t cdlt_json_plain_span(const unsigned char *d, size_t p, size_t n) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
  while (p + 16 <= n) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(d + p));
    /* signed compare: bytes >= 0x80 are negative, so "< 0x20" also catches every non-ASCII byte */
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                             _mm_cmplt_epi8(x, space));
    unsigned mask = (unsigned)_mm_movemask_epi8(m);
    if (mask) return p + (size_t)__builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p + 8 <= n) {
    uint64_t w;
    memcpy(&w, d + p, 8);
    uint64_t m = cdlt_json_special8(w);
    if (m) {
      if (cdlt_json_little_endian()) return p + (size_t)(__builtin_ctzll(m) >> 3);
      break;
    }
    p += 8;
  }
  while (p < n && cdlt_json_plain_byte[d[p]]) p++;
  return p;
}

#endif
