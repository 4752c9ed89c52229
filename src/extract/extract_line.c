/* extract_line.c — the parallel extract's fast path (see extract_line.h): a strict scanner that
 * tells whether one line of JSON Lines is an item the JSON reader (json_reader.c) would return as
 * one object whose input bytes are its compact serialization (cdlt_json_reader_item_raw), so that
 * run_range (extract_parallel.c) can copy the line into the job without building a DOM, the way
 * the job writer copies the reader's raw bytes.
 *
 * It takes only the plain form: one object, no whitespace anywhere in it, strings with valid
 * UTF-8 and only the escapes the writer writes the same way (json_reader.c canonical_u and '\/'),
 * no duplicate keys in any object, numbers in the reader's grammar with no integer of more than
 * 18 digits (those the sink checks for the 64-bit range), nesting within the reader's limit and a
 * small one of its own, the line no longer than the string limit. Everything else is declined
 * (false), and the caller reads the line with the JSON reader, which gives the result and the
 * error of record. So a line accepted here must be exactly one the reader would take and write
 * verbatim; nothing is reported from here. It is in the style of the DuckDB load's line parser
 * (src/destinations/duckdb_line.c). */
#include "extract/extract_line.h"

#include <stdint.h>
#include <string.h>

#include "json/plain_span.h"
#include "util/utf8.h"

#define MAX_DEPTH 32         /* deeper lines are declined */
#define MAX_KEYS 64          /* objects with more keys are declined */
#define MAX_OPEN_KEYS 512    /* keys of all open objects together */

typedef struct frame {
  bool object;
  unsigned keys0;     /* its first key in keys[] */
  uint64_t seen;      /* one bit per key (key_bit): a key whose bit is new repeats none */
} frame;

typedef struct key_ref {
  const unsigned char *p;
  size_t n;
} key_ref;

static inline bool lower_hex(unsigned c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

/* A string whose opening quote is at *pp, taken when the reader would read it and mark nothing
 * non-canonical: raw bytes 0x20.. but '"' '\' with valid UTF-8 (cdlt_utf8_seq), the short escapes
 * but '\/', and \u00xx in lowercase for a control character without a short escape (canonical_u).
 * On success *pp is after the closing quote and (*s, *n) the bytes between the quotes. */
static bool scan_string(const unsigned char **pp, const unsigned char *base, const unsigned char *e,
                        const unsigned char **s, size_t *n) {
  const unsigned char *p = *pp + 1, *start = p;
  size_t n_all = (size_t)(e - base);
  for (;;) {
    p = base + cdlt_json_plain_span(base, (size_t)(p - base), n_all);
    if (p >= e) return false;
    unsigned c = *p;
    if (c == '"') break;
    if (c == '\\') {
      if (e - p < 2) return false;
      switch (p[1]) {
        case '"': case '\\': case 'b': case 'f': case 'n': case 'r': case 't':
          p += 2;
          continue;
        case 'u': {
          /* only \u00xx (lowercase) of a control character other than \b \t \n \f \r */
          if (e - p < 6 || p[2] != '0' || p[3] != '0' || (p[4] != '0' && p[4] != '1') || !lower_hex(p[5])) return false;
          unsigned cp = (unsigned)(p[4] - '0') * 16 + (unsigned)(p[5] <= '9' ? p[5] - '0' : p[5] - 'a' + 10);
          if (cp == '\b' || cp == '\t' || cp == '\n' || cp == '\f' || cp == '\r') return false;
          p += 6;
          continue;
        }
        default: return false;   /* '\/' (the writer writes '/'), and invalid escapes */
      }
    }
    if (c < 0x80) return false;   /* a raw control character */
    int k = cdlt_utf8_seq(p, (size_t)(e - p));
    if (k <= 0) return false;
    p += k;
  }
  *s = start;
  *n = (size_t)(p - start);
  *pp = p + 1;
  return true;
}

/* A number at *pp in the reader's grammar (cdlt_json_scan_number), not an integer of more than
 * 18 digits (the reader's long_int, which the sink checks); *pp after it. */
static bool scan_number(const unsigned char **pp, const unsigned char *e) {
  bool neg, is_float;
  const unsigned char *digits;
  size_t int_digits;
  uint64_t mag;
  return cdlt_json_scan_number(pp, e, &neg, &digits, &is_float, &int_digits, &mag) && (is_float || int_digits <= 18);
}

/* json_reader.c key_bit: a hash of the key's length and three of its bytes, 0..63 */
static inline unsigned key_bit(const unsigned char *k, size_t n) {
  uint64_t h = n ? ((uint64_t)k[0] | (uint64_t)k[n / 2] << 8 | (uint64_t)k[n - 1] << 16) : 0;
  h = (h | (uint64_t)n << 24) * 0x9E3779B97F4A7C15ULL;
  return (unsigned)(h >> 58);
}

bool cdlt_extract_line_verbatim(const char *line, size_t len, const cdlt_json_limits *limits) {
  size_t max_depth = limits && limits->max_depth ? limits->max_depth : CDLT_JSON_DEFAULT_MAX_DEPTH;
  size_t max_str = limits && limits->max_string_bytes ? limits->max_string_bytes : CDLT_JSON_DEFAULT_MAX_STRING_BYTES;
  uint64_t max_item = limits && limits->max_item_bytes ? limits->max_item_bytes : CDLT_JSON_DEFAULT_MAX_ITEM_BYTES;
  /* every string, number and the item itself are shorter than the line: no limit can be hit */
  if (len < 2 || len > max_str || (uint64_t)len > max_item || line[0] != '{') return false;
  if (max_depth > MAX_DEPTH) max_depth = MAX_DEPTH;
  const unsigned char *base = (const unsigned char *)line, *p = base, *e = base + len;
  frame fr[MAX_DEPTH];
  key_ref keys[MAX_OPEN_KEYS];
  size_t depth = 0;
  unsigned nkeys = 0;
  const unsigned char *s;
  size_t sn;

value:
  if (p >= e) return false;
  switch (*p) {
    case '"':
      if (!scan_string(&p, base, e, &s, &sn)) return false;
      goto done;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      if (!scan_number(&p, e)) return false;
      goto done;
    case 't':
      if (e - p < 4 || memcmp(p, "true", 4)) return false;
      p += 4;
      goto done;
    case 'f':
      if (e - p < 5 || memcmp(p, "false", 5)) return false;
      p += 5;
      goto done;
    case 'n':
      if (e - p < 4 || memcmp(p, "null", 4)) return false;
      p += 4;
      goto done;
    case '{':
    case '[': {
      bool object = *p == '{';
      if (depth + 1 > max_depth) return false;
      fr[depth++] = (frame){.object = object, .keys0 = nkeys, .seen = 0};
      p++;
      if (p >= e) return false;
      if (*p == (object ? '}' : ']')) {
        p++;
        depth--;
        goto done;
      }
      if (object) goto key;
      goto value;
    }
    default: return false;
  }

key:
  if (p >= e || *p != '"') return false;
  if (!scan_string(&p, base, e, &s, &sn)) return false;
  {
    /* no duplicate keys: the reader drops them (the item is then not its bytes). In a taken
     * string every character has one spelling, so equal keys are equal bytes. */
    frame *f = &fr[depth - 1];
    if (nkeys - f->keys0 >= MAX_KEYS || nkeys >= MAX_OPEN_KEYS) return false;
    uint64_t bit = (uint64_t)1 << key_bit(s, sn);
    if (f->seen & bit)
      for (unsigned k = f->keys0; k < nkeys; k++)
        if (keys[k].n == sn && memcmp(keys[k].p, s, sn) == 0) return false;
    f->seen |= bit;
    keys[nkeys++] = (key_ref){s, sn};
  }
  if (p >= e || *p != ':') return false;
  p++;
  goto value;

done:
  if (depth == 0) return p == e;   /* the top-level object ends the line */
  if (p >= e) return false;
  if (*p == ',') {
    p++;
    if (fr[depth - 1].object) goto key;
    goto value;
  }
  if (*p != (fr[depth - 1].object ? '}' : ']')) return false;
  p++;
  if (fr[depth - 1].object) nkeys = fr[depth - 1].keys0;
  depth--;
  goto done;
}
