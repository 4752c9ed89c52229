/* duckdb_line.c — the bulk load's fast path: one line of a normalized jsonl job file parsed
 * straight into row r of the bound chunk, without building a JSON document.
 *
 * It takes only the plain form cdlt's normalizer writes: one compact object whose keys are column
 * names, each at most once, with string / number / true / false / null values of the column's kind
 * taken the simple way (see put_* below). Everything else (whitespace, nested values, unknown or
 * duplicate keys, strings in number columns, numbers the reader would not turn into an exact
 * int64 / double the simple way, anything invalid) is declined, and the caller puts the line with
 * the JSON reader and cdlt_duck_rows_put (duckdb_rows.c), which gives the result and the error
 * message of record. So every value written here must be exactly the one the DOM path writes, and
 * nothing is ever reported from here. */
#include <duckdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "destinations/duckdb_internal.h"
#include "json/json_reader.h"
#include "json/plain_span.h"
#include "json/string_scan.h"
#include "util/utf8.h"

#define DECLINE 1

/* row r's bit of a validity mask (DuckDB's documented layout: bit r % 64 of word r / 64) */
static inline void set_valid(uint64_t *validity, idx_t r, bool valid) {
  uint64_t bit = (uint64_t)1 << (r & 63);
  if (valid) validity[r >> 6] |= bit;
  else validity[r >> 6] &= ~bit;
}

/* A string whose opening quote is at *pp: on success *pp is after the closing quote and
 * (*s, *n) is its decoded value, borrowed from the line (no escapes; *escaped false) or decoded
 * into R->scratch (*escaped true). Exactly the reader's rules (json/string_scan.h). Anything else
 * declines. */
static int scan_string(duck_rows *R, const unsigned char **pp, const unsigned char *e, const char **s, size_t *n,
                       bool *escaped) {
  const unsigned char *base = *pp;
  size_t end = cdlt_json_string_end(base, 0, (size_t)(e - base), escaped);
  if (!end) return DECLINE;
  *pp = base + end;
  if (!*escaped) {
    *s = (const char *)base + 1;
    *n = end - 2;
    return 0;
  }
  cdlt_buf_reset(&R->scratch);
  if (cdlt_json_decode_string((const char *)base + 1, end - 2, &R->scratch)) return DECLINE;
  *s = R->scratch.data ? R->scratch.data : "";
  *n = R->scratch.len;
  return 0;
}

/* A number token at *pp (cdlt_json_scan_number): on success *pp is after it, *is_float tells a
 * fraction or exponent, and for an integer of at most 18 digits *small is true with its value in
 * *i (the reader's CDLT_JSON_INT). */
static int scan_number(const unsigned char **pp, const unsigned char *e, bool *is_float, bool *small, int64_t *i,
                       const unsigned char **digits) {
  bool neg;
  size_t int_digits;
  uint64_t mag;
  if (!cdlt_json_scan_number(pp, e, &neg, digits, is_float, &int_digits, &mag)) return DECLINE;
  *small = !*is_float && int_digits <= 18;
  if (*small) *i = neg ? -(int64_t)mag : (int64_t)mag;
  return 0;
}



/* The value at *pp into row r of cs, as put_value (duckdb_rows.c) would write it; *pp after it. */
static int put_value(duck_rows *R, duck_col *cs, idx_t r, const unsigned char **pp, const unsigned char *e) {
  const unsigned char *p = *pp;
  unsigned c = *p;
  if (c == '"') {
    const char *s;
    size_t n;
    bool escaped;
    if (scan_string(R, pp, e, &s, &n, &escaped)) return DECLINE;
    if (cs->kind == DUCK_COL_TIMESTAMP && cdlt_duck_fast_timestamp(s, n, &cs->ts_data[r])) {
      cs->ts_fast = true;   /* the text's row is NULL (set with the row's validity at its end) */
      return 0;
    }
    if (cs->kind == DUCK_COL_TEXT || cs->kind == DUCK_COL_TIMESTAMP) duckdb_vector_assign_string_element_len(cs->vec, r, s, n);
    else if (cs->kind == DUCK_COL_JSON && !escaped)   /* the writer's text of the string: its bytes */
      duckdb_vector_assign_string_element_len(cs->vec, r, (const char *)p, (size_t)(*pp - p));
    else return DECLINE;   /* strings parsed into numbers, and re-escaped JSON: the DOM path */
    set_valid(cs->validity, r, true);
    return 0;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    bool is_float, small;
    int64_t i = 0;
    const unsigned char *digits;
    if (scan_number(pp, e, &is_float, &small, &i, &digits)) return DECLINE;
    switch (cs->kind) {
      case DUCK_COL_BIGINT:
        if (!small) return DECLINE;
        ((int64_t *)cs->data)[r] = i;
        break;
      case DUCK_COL_DOUBLE: {
        double x;
        if (small) x = (double)i;
        else if (!is_float || !cdlt_json_fast_float(digits, (size_t)(*pp - digits), c == '-', &x)) return DECLINE;
        ((double *)cs->data)[r] = x;
        break;
      }
      case DUCK_COL_TEXT:
      case DUCK_COL_TIMESTAMP:
      case DUCK_COL_JSON:   /* the number's own text in all three */
        duckdb_vector_assign_string_element_len(cs->vec, r, (const char *)p, (size_t)(*pp - p));
        break;
      default: return DECLINE;
    }
    set_valid(cs->validity, r, true);
    return 0;
  }
  if (c == 't' || c == 'f') {
    bool b = c == 't';
    size_t n = b ? 4 : 5;
    if ((size_t)(e - p) < n || memcmp(p, b ? "true" : "false", n) != 0) return DECLINE;
    if (cs->kind == DUCK_COL_BOOL) ((bool *)cs->data)[r] = b;
    else if (cs->kind == DUCK_COL_TEXT || cs->kind == DUCK_COL_TIMESTAMP || cs->kind == DUCK_COL_JSON)
      duckdb_vector_assign_string_element_len(cs->vec, r, (const char *)p, n);
    else return DECLINE;
    set_valid(cs->validity, r, true);
    *pp = p + n;
    return 0;
  }
  if (c == 'n') {
    if (e - p < 4 || memcmp(p, "null", 4) != 0) return DECLINE;
    set_valid(cs->validity, r, false);
    *pp = p + 4;
    return 0;
  }
  return DECLINE;   /* nested values, and anything invalid */
}

int cdlt_duck_rows_put_line(duck_rows *R, idx_t r, const char *line, size_t len) {
  const unsigned char *p = (const unsigned char *)line, *e = p + len;
  if (len < 2 || *p != '{') return DECLINE;
  for (size_t c = 0; c < R->ncols; c++) R->cols[c].seen = R->cols[c].ts_fast = false;
  size_t hint = 0;
  p++;
  if (*p == '}') p++;
  else
    for (;;) {
      if (p >= e || *p != '"') return DECLINE;
      const unsigned char *key = ++p;
      while (p < e && cdlt_json_plain_byte[*p]) p++;
      if (p >= e || *p != '"') return DECLINE;   /* keys with escapes or non-ASCII bytes too */
      duck_col *cs = cdlt_duck_rows_find_col(R, &hint, (const char *)key, (size_t)(p - key));
      if (!cs || cs->seen) return DECLINE;   /* unknown or duplicate key */
      cs->seen = true;
      p++;
      if (p + 1 >= e || *p != ':') return DECLINE;
      p++;
      if (put_value(R, cs, r, &p, e)) return DECLINE;
      if (p >= e) return DECLINE;
      if (*p == '}') {
        p++;
        break;
      }
      if (*p != ',') return DECLINE;
      p++;
    }
  if (p != e) return DECLINE;
  for (size_t c = 0; c < R->ncols; c++) {
    duck_col *cs = &R->cols[c];
    if (!cs->seen || cs->ts_fast) set_valid(cs->validity, r, false);
    if (cs->kind == DUCK_COL_TIMESTAMP) set_valid(cs->ts_validity, r, cs->ts_fast);
  }
  return 0;
}
