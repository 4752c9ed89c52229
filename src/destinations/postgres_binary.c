/* postgres_binary.c — PostgreSQL's binary COPY encoding of value texts: strict parsers of the
 * integer, float, boolean, date, time and timestamp texts cdlt writes, producing exactly what
 * PostgreSQL's input functions would store. See postgres_binary.h. */
#include "util/intparse.h"
#include "destinations/postgres_binary.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch */
#define PG_EPOCH_DAYS 10957
#define USECS_PER_DAY INT64_C(86400000000)

static inline void be16(char *p, uint16_t v) {
  p[0] = (char)(v >> 8);
  p[1] = (char)v;
}
static inline void be32(char *p, uint32_t v) {
  p[0] = (char)(v >> 24);
  p[1] = (char)(v >> 16);
  p[2] = (char)(v >> 8);
  p[3] = (char)v;
}
static inline void be64(char *p, uint64_t v) {
  be32(p, (uint32_t)(v >> 32));
  be32(p + 4, (uint32_t)v);
}

int cdlt_pg_binary_header(cdlt_buf *b) {
  static const char sig[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0', 0, 0, 0, 0, 0, 0, 0, 0};
  return cdlt_buf_append(b, sig, sizeof sig) ? CDLT_ERR_NOMEM : 0;
}

int cdlt_pg_binary_tuple(cdlt_buf *b, unsigned nfields) {
  if (cdlt_buf_reserve(b, 2)) return CDLT_ERR_NOMEM;
  be16(b->data + b->len, (uint16_t)nfields);
  b->len += 2;
  return 0;
}

int cdlt_pg_binary_trailer(cdlt_buf *b) { return cdlt_buf_append(b, "\377\377", 2) ? CDLT_ERR_NOMEM : 0; }

int cdlt_pg_binary_null(cdlt_buf *b) { return cdlt_buf_append(b, "\377\377\377\377", 4) ? CDLT_ERR_NOMEM : 0; }

bool cdlt_pg_binary_supported(unsigned oid) {
  switch (oid) {
    case CDLT_PG_BOOL:
    case CDLT_PG_BYTEA:
    case CDLT_PG_INT8:
    case CDLT_PG_INT2:
    case CDLT_PG_INT4:
    case CDLT_PG_TEXT:
    case CDLT_PG_JSON:
    case CDLT_PG_FLOAT8:
    case CDLT_PG_VARCHAR:
    case CDLT_PG_DATE:
    case CDLT_PG_TIME:
    case CDLT_PG_TIMESTAMP:
    case CDLT_PG_TIMESTAMPTZ:
    case CDLT_PG_JSONB: return true;
    default: return false;
  }
}

/* ---------------------------------------------------------------- strict parsers */

/* n decimal digits at s → *v; false if any is not a digit */
static bool digits(const char *s, size_t n, int *v) {
  int x = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned d = (unsigned char)s[i] - '0';
    if (d > 9) return false;
    x = x * 10 + (int)d;
  }
  *v = x;
  return true;
}

static int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int64_t)era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" (years 1..9999, a real calendar day) → days since 2000-01-01 */
static bool parse_date(const char *s, int32_t *days) {
  int y, m, d;
  if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' || !digits(s + 8, 2, &d)) return false;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > mdays[m - 1] + (m == 2 && leap)) return false;
  *days = (int32_t)(days_from_civil(y, m, d) - PG_EPOCH_DAYS);
  return true;
}

/* "HH:MM:SS" + optional ".f" (1..6 digits) at s[0..n): µs of the day; *used = bytes read */
static bool parse_clock(const char *s, size_t n, int64_t *us, size_t *used) {
  int h, mi, se;
  if (n < 8 || !digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &mi) || s[5] != ':' || !digits(s + 6, 2, &se))
    return false;
  if (h > 23 || mi > 59 || se > 59) return false;
  int64_t frac = 0;
  size_t i = 8;
  if (i < n && s[i] == '.') {
    size_t k = 0;
    for (i++; i < n && k < 7 && s[i] >= '0' && s[i] <= '9'; i++, k++) frac = frac * 10 + (s[i] - '0');
    if (k == 0 || k > 6) return false;
    for (; k < 6; k++) frac *= 10;
  }
  *us = ((int64_t)h * 3600 + mi * 60 + se) * 1000000 + frac;
  *used = i;
  return true;
}

/* date, clock and optional offset (Z, +HH, +HHMM, +HH:MM): *local = µs since 2000-01-01 of the
 * written wall clock, *offset_s = the offset in seconds east (0 without one) */
static bool parse_timestamp(const char *s, size_t n, int64_t *local, int *offset_s) {
  int32_t days;
  if (n < 19 || !parse_date(s, &days) || (s[10] != 'T' && s[10] != ' ')) return false;
  int64_t us;
  size_t used;
  if (!parse_clock(s + 11, n - 11, &us, &used)) return false;
  size_t i = 11 + used;
  int off = 0;
  if (i < n) {
    if (s[i] == 'Z' && i + 1 == n) {
      i++;
    } else if (s[i] == '+' || s[i] == '-') {
      int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
      size_t rest = n - i - 1;
      const char *p = s + i + 1;
      if (rest == 2 && digits(p, 2, &oh)) {
      } else if (rest == 4 && digits(p, 2, &oh) && digits(p + 2, 2, &om)) {
      } else if (rest == 5 && digits(p, 2, &oh) && p[2] == ':' && digits(p + 3, 2, &om)) {
      } else {
        return false;
      }
      if (oh > 14 || om > 59) return false;
      off = sign * (oh * 3600 + om * 60);
      i = n;
    } else {
      return false;
    }
  }
  if (i != n) return false;
  *local = (int64_t)days * USECS_PER_DAY + us;
  *offset_s = off;
  return true;
}

/* a JSON number literal: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; *nonzero: a non-zero
 * digit in the significand */
static bool json_number(const char *s, size_t n, bool *nonzero) {
  size_t i = 0;
  *nonzero = false;
  if (i < n && s[i] == '-') i++;
  size_t st = i;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) *nonzero |= s[i] != '0';
  if (i == st || (s[st] == '0' && i - st > 1)) return false;
  if (i < n && s[i] == '.') {
    st = ++i;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) *nonzero |= s[i] != '0';
    if (i == st) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    st = i;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    }
    if (i == st) return false;
  }
  return i == n;
}

/* float8in's value of a JSON number text (strtod, as PostgreSQL; out-of-range → false) */
static bool parse_float8(const char *s, size_t n, const double *num, double *out) {
  bool nonzero;
  if (!json_number(s, n, &nonzero)) return false;
  double d;
  if (num) {
    d = *num;
  } else {
    char tmp[64];
    char *heap = NULL, *p = tmp;
    if (n >= sizeof tmp) {
      if (!(heap = malloc(n + 1))) return false;
      p = heap;
    }
    memcpy(p, s, n);
    p[n] = 0;
    d = strtod(p, NULL);
    free(heap);
  }
  if (!isfinite(d)) return false;            /* overflow: float8in's "out of range" error */
  if (d == 0 && nonzero) return false;       /* underflow to zero: the same */
  if (d == 0) d = s[0] == '-' ? -0.0 : 0.0;  /* "-0" is -0 for strtod */
  *out = d;
  return true;
}

/* ---------------------------------------------------------------- fields */

static int put_fixed(cdlt_buf *b, const void *v, uint32_t len) {
  if (cdlt_buf_reserve(b, 4 + len)) return CDLT_ERR_NOMEM;
  be32(b->data + b->len, len);
  memcpy(b->data + b->len + 4, v, len);
  b->len += 4 + len;
  b->data[b->len] = 0;
  return 0;
}

static int put_int(cdlt_buf *b, int64_t v, uint32_t size) {
  char p[8];
  if (size == 2) be16(p, (uint16_t)v);
  else if (size == 4) be32(p, (uint32_t)v);
  else be64(p, (uint64_t)v);
  return put_fixed(b, p, size);
}

static int put_bytes(cdlt_buf *b, const char *prefix, size_t plen, const char *s, size_t n) {
  if (n + plen > INT32_MAX) return 1;   /* beyond a field's length: COPY text reports it */
  if (cdlt_buf_reserve(b, 4 + plen + n)) return CDLT_ERR_NOMEM;
  be32(b->data + b->len, (uint32_t)(plen + n));
  b->len += 4;
  if (plen) memcpy(b->data + b->len, prefix, plen);
  if (n) memcpy(b->data + b->len + plen, s, n);
  b->len += plen + n;
  b->data[b->len] = 0;
  return 0;
}

int cdlt_pg_binary_field(cdlt_buf *b, unsigned oid, const char *s, size_t n, const double *num) {
  int64_t i;
  switch (oid) {
    case CDLT_PG_TEXT:
    case CDLT_PG_VARCHAR:
    case CDLT_PG_JSON:
    case CDLT_PG_BYTEA: return put_bytes(b, NULL, 0, s, n);
    case CDLT_PG_JSONB: return put_bytes(b, "\1", 1, s, n);   /* jsonb_recv: version 1 + JSON text */
    case CDLT_PG_INT8:
      return cdlt_parse_int_strict(s, n, INT64_MIN, INT64_MAX, &i) ? put_int(b, i, 8) : 1;
    case CDLT_PG_INT4:
      return cdlt_parse_int_strict(s, n, INT32_MIN, INT32_MAX, &i) ? put_int(b, i, 4) : 1;
    case CDLT_PG_INT2:
      return cdlt_parse_int_strict(s, n, INT16_MIN, INT16_MAX, &i) ? put_int(b, i, 2) : 1;
    case CDLT_PG_FLOAT8: {
      double d;
      if (!parse_float8(s, n, num, &d)) return 1;
      uint64_t u;
      memcpy(&u, &d, 8);
      return put_int(b, (int64_t)u, 8);
    }
    case CDLT_PG_BOOL: {
      char v;
      if ((n == 1 && s[0] == 't') || (n == 4 && !memcmp(s, "true", 4))) v = 1;
      else if ((n == 1 && s[0] == 'f') || (n == 5 && !memcmp(s, "false", 5))) v = 0;
      else return 1;
      return put_fixed(b, &v, 1);
    }
    case CDLT_PG_DATE: {
      int32_t days;
      if (n != 10 || !parse_date(s, &days)) return 1;
      return put_int(b, days, 4);
    }
    case CDLT_PG_TIME: {
      int64_t us;
      size_t used;
      if (!parse_clock(s, n, &us, &used) || used != n) return 1;
      return put_int(b, us, 8);
    }
    case CDLT_PG_TIMESTAMP:
    case CDLT_PG_TIMESTAMPTZ: {
      int64_t local;
      int off;
      if (!parse_timestamp(s, n, &local, &off)) return 1;
      /* timestamptz_in honours the offset (no offset: the session's TimeZone, UTC);
       * timestamp_in ignores it */
      if (oid == CDLT_PG_TIMESTAMPTZ) local -= (int64_t)off * 1000000;
      return put_int(b, local, 8);
    }
    default: return 1;
  }
}
