/* json_write.c — serializing the JSON document model: compact, pretty (indent 2) or key-sorted,
 * byte-compatible with orjson / Python json.dumps(ensure_ascii=False). */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "json/json.h"

size_t cdlt_format_double(double d, char out[33]) {
  if (isnan(d)) { strcpy(out, "NaN"); return 3; }
  if (isinf(d)) { strcpy(out, d < 0 ? "-Infinity" : "Infinity"); return strlen(out); }
  if (d == 0) { strcpy(out, signbit(d) ? "-0.0" : "0.0"); return strlen(out); }
  /* shortest %.Ne that round-trips, then laid out as Python's repr */
  char e[40];
  int prec;
  for (prec = 0; prec < 17; prec++) {
    snprintf(e, sizeof e, "%.*e", prec, d);
    if (strtod(e, NULL) == d) break;
  }
  snprintf(e, sizeof e, "%.*e", prec, d);
  /* e = [-]D[.DDD]e[+-]XX */
  char digits[24];
  size_t nd = 0;
  const char *p = e;
  bool neg = false;
  if (*p == '-') { neg = true; p++; }
  for (; *p && *p != 'e'; p++)
    if (*p != '.') digits[nd++] = *p;
  int exp10 = atoi(p + 1);
  while (nd > 1 && digits[nd - 1] == '0') nd--;  /* trailing zeros */
  size_t o = 0;
  if (neg) out[o++] = '-';
  if (exp10 >= -4 && exp10 < 16) {
    if (exp10 >= 0) {
      for (int k = 0; k <= exp10; k++) out[o++] = (size_t)k < nd ? digits[k] : '0';
      out[o++] = '.';
      if ((size_t)exp10 + 1 < nd) for (size_t k = (size_t)exp10 + 1; k < nd; k++) out[o++] = digits[k];
      else out[o++] = '0';
    } else {
      out[o++] = '0';
      out[o++] = '.';
      for (int k = 0; k < -exp10 - 1; k++) out[o++] = '0';
      for (size_t k = 0; k < nd; k++) out[o++] = digits[k];
    }
  } else {
    out[o++] = digits[0];
    if (nd > 1) {
      out[o++] = '.';
      for (size_t k = 1; k < nd; k++) out[o++] = digits[k];
    }
    o += (size_t)snprintf(out + o, 33 - o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
  }
  out[o] = 0;
  return o;
}

/* bytes the writer must escape: '"', '\\' and control characters below 0x20 */
static const unsigned char must_escape[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  ['"'] = 1, ['\\'] = 1,
};

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
/* high bit set in the lowest byte of w (little-endian order) that is '"', '\\' or < 0x20, and
 * possibly in bytes above it (borrows); 0 when none of the 8 bytes needs escaping */
static inline uint64_t escape8(uint64_t w) {
  uint64_t q = w ^ (ONES * 0x22), b = w ^ (ONES * 0x5c);
  return (((q - ONES) & ~q) | ((b - ONES) & ~b) | ((w - ONES * 0x20) & ~w)) & HIGHS;
}

static inline bool little_endian(void) {
  const uint16_t one = 1;
  return *(const unsigned char *)&one == 1;
}

/* Index of the first byte of s[0..len) that needs escaping, or len. Word-at-a-time over runs of
 * plain bytes (ASCII and UTF-8 alike: the writer copies non-ASCII bytes unchanged). */
static inline size_t plain_run(const unsigned char *s, size_t len) {
  size_t k = 0;
#if defined(__SSE2__)
  /* 16 bytes at a time: '"', '\\', and bytes <= 0x1f by an unsigned compare (min(x, 0x1f) == x),
   * so non-ASCII bytes stay plain */
  const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1f);
  while (k + 16 <= len) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + k));
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                             _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x));
    unsigned mask = (unsigned)_mm_movemask_epi8(m);
    if (mask) return k + (size_t)__builtin_ctz(mask);
    k += 16;
  }
#endif
  while (k + 8 <= len) {
    uint64_t w;
    memcpy(&w, s + k, 8);
    uint64_t m = escape8(w);
    if (m) {
      if (little_endian()) return k + (size_t)(__builtin_ctzll(m) >> 3);
      break;
    }
    k += 8;
  }
  if (k < len && len >= 8 && little_endian()) {
    /* the last 8 bytes, overlapping checked (plain) ones: only a byte at >= k can be flagged */
    uint64_t w;
    memcpy(&w, s + len - 8, 8);
    uint64_t m = escape8(w);
    return m ? len - 8 + (size_t)(__builtin_ctzll(m) >> 3) : len;
  }
  while (k < len && !must_escape[s[k]]) k++;
  return k;
}

int cdlt_json_write_string(cdlt_buf *out, const char *str, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  /* room for the quotes and every byte unescaped; an escape reserves its extra bytes */
  if (out->len + len + 3 > out->cap && cdlt_buf_reserve(out, len + 2)) return CDLT_ERR_NOMEM;
  char *o = out->data + out->len;
  *o++ = '"';
  size_t k = 0;
  for (;;) {
    size_t run = plain_run(s + k, len - k);
    memcpy(o, s + k, run);
    o += run;
    k += run;
    if (k == len) break;
    /* one byte to escape: at most 6 output bytes instead of 1 */
    out->len = (size_t)(o - out->data);
    if (cdlt_buf_reserve(out, 5 + (len - k) + 1)) {
      out->data[out->len] = 0;
      return CDLT_ERR_NOMEM;
    }
    o = out->data + out->len;
    unsigned char c = s[k++];
    *o++ = '\\';
    switch (c) {
      case '"': *o++ = '"'; break;
      case '\\': *o++ = '\\'; break;
      case '\n': *o++ = 'n'; break;
      case '\r': *o++ = 'r'; break;
      case '\t': *o++ = 't'; break;
      case '\b': *o++ = 'b'; break;
      case '\f': *o++ = 'f'; break;
      default:
        *o++ = 'u'; *o++ = '0'; *o++ = '0'; *o++ = hex[c >> 4]; *o++ = hex[c & 15];
    }
  }
  *o++ = '"';
  out->len = (size_t)(o - out->data);
  *o = 0;
  return 0;
}

static int cmp_members(const void *a, const void *b) {
  const cdlt_json_member *x = *(const cdlt_json_member *const *)a, *y = *(const cdlt_json_member *const *)b;
  size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
  int c = memcmp(x->key, y->key, n);
  if (c) return c;
  return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

static int indent(cdlt_buf *out, int depth) {
  if (cdlt_buf_putc(out, '\n')) return CDLT_ERR_NOMEM;
  for (int k = 0; k < depth; k++)
    if (cdlt_buf_append(out, "  ", 2)) return CDLT_ERR_NOMEM;
  return 0;
}

static int write_value(cdlt_buf *out, const cdlt_json_value *v, unsigned flags, int depth) {
  bool pretty = flags & CDLT_JSON_WRITE_PRETTY;
  switch (v->type) {
    case CDLT_JSON_NULL: return cdlt_buf_append(out, "null", 4);
    case CDLT_JSON_BOOL: return v->u.boolean ? cdlt_buf_append(out, "true", 4) : cdlt_buf_append(out, "false", 5);
    case CDLT_JSON_INT:
    case CDLT_JSON_BIGINT:
    case CDLT_JSON_FLOAT: return cdlt_buf_append(out, v->u.num.text, v->u.num.len);
    case CDLT_JSON_STRING: return cdlt_json_write_string(out, v->u.str.ptr, v->u.str.len);
    case CDLT_JSON_ARRAY: {
      if (v->u.arr.len == 0) return cdlt_buf_append(out, "[]", 2);
      if (cdlt_buf_putc(out, '[')) return CDLT_ERR_NOMEM;
      for (size_t k = 0; k < v->u.arr.len; k++) {
        if (k && cdlt_buf_putc(out, ',')) return CDLT_ERR_NOMEM;
        if (pretty && indent(out, depth + 1)) return CDLT_ERR_NOMEM;
        if (write_value(out, v->u.arr.items[k], flags, depth + 1)) return CDLT_ERR_NOMEM;
      }
      if (pretty && indent(out, depth)) return CDLT_ERR_NOMEM;
      return cdlt_buf_putc(out, ']');
    }
    case CDLT_JSON_OBJECT: {
      size_t n = v->u.obj.len;
      if (n == 0) return cdlt_buf_append(out, "{}", 2);
      if (!(flags & (CDLT_JSON_WRITE_SORT_KEYS | CDLT_JSON_WRITE_PRETTY))) {   /* compact, in order */
        const cdlt_json_member *m = v->u.obj.members;
        for (size_t k = 0; k < n; k++) {
          if (cdlt_buf_putc(out, k ? ',' : '{') || cdlt_json_write_string(out, m[k].key, m[k].key_len) ||
              cdlt_buf_putc(out, ':') || write_value(out, m[k].value, flags, depth + 1))
            return CDLT_ERR_NOMEM;
        }
        return cdlt_buf_putc(out, '}');
      }
      const cdlt_json_member *small[16];
      const cdlt_json_member **order = n <= 16 ? small : malloc(n * sizeof *order);
      if (!order) return CDLT_ERR_NOMEM;
      for (size_t k = 0; k < n; k++) order[k] = &v->u.obj.members[k];
      if (flags & CDLT_JSON_WRITE_SORT_KEYS) qsort(order, n, sizeof *order, cmp_members);
      int rc = cdlt_buf_putc(out, '{');
      for (size_t k = 0; k < n && !rc; k++) {
        if (k) rc = cdlt_buf_putc(out, ',');
        if (!rc && pretty) rc = indent(out, depth + 1);
        if (!rc) rc = cdlt_json_write_string(out, order[k]->key, order[k]->key_len);
        if (!rc) rc = pretty ? cdlt_buf_append(out, ": ", 2) : cdlt_buf_putc(out, ':');
        if (!rc) rc = write_value(out, order[k]->value, flags, depth + 1);
      }
      if (!rc && pretty) rc = indent(out, depth);
      if (!rc) rc = cdlt_buf_putc(out, '}');
      if (order != small) free(order);
      return rc;
    }
  }
  return CDLT_ERR_INTERNAL;
}

int cdlt_json_write(cdlt_buf *out, const cdlt_json_value *v, unsigned flags) {
  return write_value(out, v, flags, 0);
}
