/* coerce.c — inference for new columns and coercion into existing column types. */
#include "schema/coerce.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/hash.h"
#include "util/isotime.h"

/* The text of a string value; dlt's typed-jsonl marks datetimes as "\uF027<iso>" (PUA-typed
 * JSON, §5.6): the marker is dropped and *is_datetime set. */
static void string_view(const cdlt_json_value *v, const char **s, size_t *n, bool *is_datetime) {
  *s = v->u.str.ptr;
  *n = v->u.str.len;
  *is_datetime = *n >= 3 && memcmp(*s, "\xEF\x80\xA7", 3) == 0;
  if (*is_datetime) { *s += 3; *n -= 3; }
}

const char *cdlt_value_py_type(const cdlt_json_value *v) {
  switch (v->type) {
    case CDLT_JSON_STRING: return "text";
    case CDLT_JSON_INT:
    case CDLT_JSON_BIGINT: return "bigint";
    case CDLT_JSON_FLOAT: return "double";
    case CDLT_JSON_BOOL: return "bool";
    default: return "json";
  }
}

bool cdlt_value_is_null(const cdlt_json_value *v) {
  if (!v || v->type == CDLT_JSON_NULL) return true;
  return v->type == CDLT_JSON_FLOAT && !isfinite(v->u.num.d);
}

/* dlt's `timestamp` detection (§2.3): a number within ±5 years (5 × 31536000 s) of now, with
 * "now" fixed once per process as dlt fixes it at module import */
static bool near_now(double seconds) {
  static double now_s;
  if (now_s == 0) now_s = (double)cdlt_now_us() / 1e6;
  double span = 5.0 * 31536000.0;
  return seconds >= now_s - span && seconds <= now_s + span;
}

cdlt_data_type cdlt_infer_type(const cdlt_schema *s, const cdlt_json_value *v) {
  switch (v->type) {
    case CDLT_JSON_STRING: {
      cdlt_datetime dt;
      int32_t days;
      const char *str;
      size_t n;
      bool marked;
      string_view(v, &str, &n, &marked);
      if ((marked || s->detect_iso_timestamp) && cdlt_detect_iso_timestamp(str, n, &dt)) return CDLT_TYPE_TIMESTAMP;
      if (s->detect_iso_date && cdlt_detect_iso_date(str, n, &days)) return CDLT_TYPE_DATE;
      return CDLT_TYPE_TEXT;
    }
    case CDLT_JSON_INT:
      if (s->detect_timestamp && near_now((double)v->u.num.i)) return CDLT_TYPE_TIMESTAMP;
      return CDLT_TYPE_BIGINT;
    case CDLT_JSON_BIGINT:
      if (s->detect_large_integer && v->type == CDLT_JSON_BIGINT) {
        /* > 2^63-1 → wei; above dlt's decimal range → text */
        const char *t = v->u.num.text;
        bool neg = t[0] == '-';
        size_t digits = v->u.num.len - (neg ? 1 : 0);
        if (!neg && (digits > 39 || (digits == 39 && strcmp(t, "578960446186580977117854925043439539266") > 0)))
          return CDLT_TYPE_TEXT;
        if (!neg) return CDLT_TYPE_WEI;
      }
      return CDLT_TYPE_BIGINT;
    case CDLT_JSON_FLOAT:
      if (s->detect_timestamp && near_now(v->u.num.d)) return CDLT_TYPE_TIMESTAMP;
      return CDLT_TYPE_DOUBLE;
    case CDLT_JSON_BOOL: return CDLT_TYPE_BOOL;
    case CDLT_JSON_ARRAY:
    case CDLT_JSON_OBJECT: return CDLT_TYPE_JSON;
    default: return CDLT_TYPE_NONE;
  }
}

/* --- text parsing helpers (Python int()/float() on stripped text, plus 0x hex) --- */

static void trim(const char **s, size_t *n) {
  while (*n && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r' || **s == '\f' || **s == '\v')) { (*s)++; (*n)--; }
  while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\n' || (*s)[*n - 1] == '\r' ||
                (*s)[*n - 1] == '\f' || (*s)[*n - 1] == '\v'))
    (*n)--;
}

static bool text_to_int(const char *s, size_t n, long long *out) {
  trim(&s, &n);
  if (n == 0 || n > 60) return false;
  char tmp[64];
  memcpy(tmp, s, n);
  tmp[n] = 0;
  errno = 0;
  char *end;
  long long v;
  if (n > 2 && tmp[0] == '0' && (tmp[1] == 'x' || tmp[1] == 'X')) {
    unsigned long long u = strtoull(tmp + 2, &end, 16);
    if (errno || *end || end == tmp + 2 || u > INT64_MAX) return false;
    v = (long long)u;
  } else {
    size_t k = (tmp[0] == '+' || tmp[0] == '-') ? 1 : 0;
    if (k == n) return false;
    for (size_t j = k; j < n; j++)
      if (tmp[j] < '0' || tmp[j] > '9') return false;
    v = strtoll(tmp, &end, 10);
    if (errno || *end) return false;
  }
  *out = v;
  return true;
}

/* Python float(text), and dlt's `0x..` hex integers */
static bool text_to_double(const char *s, size_t n, double *out) {
  long long i;
  if (text_to_int(s, n, &i)) { *out = (double)i; return true; }
  return cdlt_py_float(s, n, out);
}

static bool write_double(double d, cdlt_buf *out) {
  if (!isfinite(d)) return cdlt_buf_append(out, "null", 4) == 0;
  char b[33];
  size_t n = cdlt_format_double(d, b);
  return cdlt_buf_append(out, b, n) == 0;
}

/* True when the JSON number text t is already what Python's repr() gives for its double:
 * [-](0|[1-9]digits).digits in fixed notation (1e-4 <= |x| < 1e16), no exponent, no trailing zero
 * in the fraction (except a lone ".0"), and at most 15 significant digits — a decimal with <= 15
 * significant digits is recovered exactly from its double, so it is also the shortest
 * round-tripping form Python picks. The common case of numbers read from JSON text, written
 * without formatting the double again. */
static bool is_python_float_repr(const char *t, size_t n) {
  size_t k = 0;
  if (k < n && t[k] == '-') k++;
  size_t int_start = k;
  if (k < n && t[k] == '0') k++;
  else while (k < n && t[k] >= '0' && t[k] <= '9') k++;
  size_t int_digits = k - int_start;
  if (!int_digits || k >= n || t[k] != '.') return false;
  size_t frac_start = ++k;
  while (k < n && t[k] >= '0' && t[k] <= '9') k++;
  size_t frac_digits = k - frac_start;
  if (k != n || !frac_digits) return false;
  bool int_zero = int_digits == 1 && t[int_start] == '0';
  if (frac_digits == 1 && t[frac_start] == '0') {       /* "<int>.0" */
    if (int_zero) return true;                          /* 0.0, -0.0 */
    return int_digits <= 15;
  }
  if (t[n - 1] == '0') return false;                    /* 1.50 is repr'd 1.5 */
  if (!int_zero) return int_digits + frac_digits <= 15;
  size_t lead = 0;                                      /* 0.000123: zeros are not significant */
  while (lead < frac_digits && t[frac_start + lead] == '0') lead++;
  if (lead > 3) return false;                           /* below 1e-4: Python writes 1.23e-05 */
  return frac_digits - lead <= 15;
}

static bool write_timestamp_us(int64_t us, cdlt_buf *out) {
  char b[48];
  size_t n = cdlt_format_iso_utc(us, b);
  return cdlt_buf_putc(out, '"') == 0 && cdlt_buf_append(out, b, n) == 0 && cdlt_buf_putc(out, '"') == 0;
}

/* [+-]digits[.digits] */
static bool is_decimal_literal(const char *t, size_t n) {
  size_t k = 0, digits = 0;
  if (k < n && (t[k] == '+' || t[k] == '-')) k++;
  while (k < n && t[k] >= '0' && t[k] <= '9') { k++; digits++; }
  if (k < n && t[k] == '.') {
    k++;
    size_t frac = 0;
    while (k < n && t[k] >= '0' && t[k] <= '9') { k++; frac++; }
    if (!frac) return false;
  }
  return digits > 0 && k == n && n < 80;
}

/* Python's str(Decimal(d)) for a finite double: its exact decimal expansion ("1" for 1.0,
 * "12.5", "0.1000000000000000055511151231257827021181583404541015625") */
static bool write_exact_decimal(double d, cdlt_buf *out) {
  if (!isfinite(d)) return false;
  char b[1200];
  int n = snprintf(b, sizeof b, "%.1074f", d);
  if (n <= 0 || (size_t)n >= sizeof b) return false;
  char *dot = strchr(b, '.');
  if (dot) {
    char *end = b + n - 1;
    while (end > dot && *end == '0') *end-- = 0;
    if (end == dot) *end = 0;
  }
  if (!strcmp(b, "-0")) strcpy(b, "0");
  return cdlt_buf_puts(out, b) == 0;
}

/* pendulum's compact time forms that the golden coercion table shows: digits "HH", "HHM",
 * "HHMM", "HHMMSS" and "HH.f" (a fraction of a second) */
static bool compact_time(const char *s, size_t n, int64_t *us) {
  size_t digits = 0;
  while (digits < n && s[digits] >= '0' && s[digits] <= '9') digits++;
  if (digits < 2 || digits > 6 || digits == 5) return false;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = 0, sec = 0;
  if (digits == 3) m = s[2] - '0';
  if (digits >= 4) m = (s[2] - '0') * 10 + (s[3] - '0');
  if (digits == 6) sec = (s[4] - '0') * 10 + (s[5] - '0');
  int64_t frac = 0;
  if (digits < n) {
    if (s[digits] != '.' && s[digits] != ',') return false;
    size_t k = digits + 1;
    if (k == n) return false;
    int64_t scale = 100000;
    for (; k < n; k++) {
      if (s[k] < '0' || s[k] > '9') return false;
      frac += (s[k] - '0') * scale;
      scale /= 10;
    }
  }
  if (h > 23 || m > 59 || sec > 59) return false;
  *us = ((int64_t)h * 3600 + m * 60 + sec) * 1000000 + frac;
  return true;
}

/* binary (§3.7): a "0x.." hex string or canonical padded base64 text gives its bytes, a
 * non-negative int its minimal little-endian bytes; written as base64 (the job format) */
static bool write_binary(const cdlt_json_value *v, cdlt_buf *out) {
  uint8_t small[64];
  uint8_t *raw = small;
  size_t n = 0;
  bool ok = false;
  if (v->type == CDLT_JSON_STRING) {
    const char *s = v->u.str.ptr;
    size_t len = v->u.str.len;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      size_t hex = len - 2;
      if (hex % 2 == 0) {
        if (hex / 2 > sizeof small && !(raw = malloc(hex / 2))) return false;
        ok = true;
        for (size_t k = 0; ok && k < hex / 2; k++) {
          int hi = -1, lo = -1;
          char c1 = s[2 + 2 * k], c2 = s[3 + 2 * k];
          hi = isxdigit((unsigned char)c1) ? (isdigit((unsigned char)c1) ? c1 - '0' : (tolower(c1) - 'a' + 10)) : -1;
          lo = isxdigit((unsigned char)c2) ? (isdigit((unsigned char)c2) ? c2 - '0' : (tolower(c2) - 'a' + 10)) : -1;
          if (hi < 0 || lo < 0) ok = false;
          else raw[n++] = (uint8_t)(hi * 16 + lo);
        }
      }
    } else if (len % 4 == 0 && len > 0) {
      if (CDLT_BASE64_DECODED_MAX(len) > sizeof small && !(raw = malloc(CDLT_BASE64_DECODED_MAX(len)))) return false;
      ok = cdlt_base64_decode(s, len, raw, &n, NULL) == 0;
    }
  } else if (v->type == CDLT_JSON_INT && v->u.num.i >= 0) {
    uint64_t u = (uint64_t)v->u.num.i;
    while (u) { raw[n++] = (uint8_t)(u & 0xff); u >>= 8; }
    ok = true;
  }
  if (ok) {
    size_t elen = cdlt_base64_encoded_len(n, true);
    char *enc = malloc(elen + 1);
    ok = enc != NULL;
    if (ok) {
      cdlt_base64_encode(raw, n, enc, true);
      ok = cdlt_json_write_string(out, enc, elen) == 0;
      free(enc);
    }
  }
  if (raw != small) free(raw);
  return ok;
}

bool cdlt_coerce_write(cdlt_data_type to, const cdlt_json_value *v, cdlt_buf *out) {
  switch (to) {
    case CDLT_TYPE_TEXT:
      switch (v->type) {
        case CDLT_JSON_STRING: return cdlt_json_write_string(out, v->u.str.ptr, v->u.str.len) == 0;
        case CDLT_JSON_INT:
        case CDLT_JSON_BIGINT: return cdlt_json_write_string(out, v->u.num.text, v->u.num.len) == 0;
        case CDLT_JSON_FLOAT: {
          char b[33];
          size_t n = cdlt_format_double(v->u.num.d, b);
          return cdlt_json_write_string(out, b, n) == 0;
        }
        case CDLT_JSON_BOOL: return cdlt_buf_puts(out, v->u.boolean ? "\"True\"" : "\"False\"") == 0;
        case CDLT_JSON_ARRAY:
        case CDLT_JSON_OBJECT: {
          cdlt_buf tmp;
          cdlt_buf_init(&tmp);
          bool ok = cdlt_json_write(&tmp, v, 0) == 0 && cdlt_json_write_string(out, tmp.data, tmp.len) == 0;
          cdlt_buf_release(&tmp);
          return ok;
        }
        default: return false;
      }
    case CDLT_TYPE_BIGINT:
    case CDLT_TYPE_WEI:
    case CDLT_TYPE_DECIMAL:
      switch (v->type) {
        case CDLT_JSON_INT: return cdlt_buf_append(out, v->u.num.text, v->u.num.len) == 0;
        case CDLT_JSON_BIGINT:
          /* beyond int64: only decimal/wei columns can hold it exactly */
          if (to == CDLT_TYPE_BIGINT) return false;
          return cdlt_buf_append(out, v->u.num.text, v->u.num.len) == 0;
        case CDLT_JSON_FLOAT:
          if (to == CDLT_TYPE_BIGINT) {
            double d = v->u.num.d;
            if (!isfinite(d) || d != floor(d) || fabs(d) >= 9.2e18) return false;
            return cdlt_buf_printf(out, "%lld", (long long)d) == 0;
          }
          return write_exact_decimal(v->u.num.d, out);   /* Decimal(float) */
        case CDLT_JSON_STRING: {
          long long i;
          if (text_to_int(v->u.str.ptr, v->u.str.len, &i)) return cdlt_buf_printf(out, "%lld", i) == 0;
          if (to != CDLT_TYPE_BIGINT) {
            /* Decimal(text) is exact: a plain decimal literal is kept digit for digit */
            const char *t = v->u.str.ptr;
            size_t n = v->u.str.len;
            trim(&t, &n);
            if (is_decimal_literal(t, n)) {
              if (*t == '+') { t++; n--; }
              return cdlt_buf_append(out, t, n) == 0;
            }
            double d;
            if (text_to_double(v->u.str.ptr, v->u.str.len, &d) && isfinite(d)) return write_double(d, out);
          }
          return false;
        }
        default: return false;
      }
    case CDLT_TYPE_DOUBLE:
      switch (v->type) {
        case CDLT_JSON_FLOAT:
          if (v->u.num.text && is_python_float_repr(v->u.num.text, v->u.num.len) && isfinite(v->u.num.d))
            return cdlt_buf_append(out, v->u.num.text, v->u.num.len) == 0;
          return write_double(v->u.num.d, out);
        case CDLT_JSON_INT:
        case CDLT_JSON_BIGINT: return write_double(v->u.num.d, out);
        case CDLT_JSON_STRING: {
          double d;
          return text_to_double(v->u.str.ptr, v->u.str.len, &d) && write_double(d, out);
        }
        default: return false;
      }
    case CDLT_TYPE_BOOL:
      switch (v->type) {
        case CDLT_JSON_BOOL: return cdlt_buf_puts(out, v->u.boolean ? "true" : "false") == 0;
        case CDLT_JSON_INT:
        case CDLT_JSON_BIGINT:
        case CDLT_JSON_FLOAT: return cdlt_buf_puts(out, v->u.num.d != 0 ? "true" : "false") == 0;
        case CDLT_JSON_STRING: {
          const char *s = v->u.str.ptr;
          size_t n = v->u.str.len;
          static const char *const yes[] = {"yes", "true", "t", "y", "1"}, *const no[] = {"no", "false", "f", "n", "0"};
          for (int k = 0; k < 5; k++) {
            if (strlen(yes[k]) == n && strncasecmp(s, yes[k], n) == 0) return cdlt_buf_puts(out, "true") == 0;
            if (strlen(no[k]) == n && strncasecmp(s, no[k], n) == 0) return cdlt_buf_puts(out, "false") == 0;
          }
          return false;
        }
        default: return false;
      }
    case CDLT_TYPE_TIMESTAMP: {
      cdlt_datetime dt;
      int64_t us;
      const char *str;
      size_t n;
      bool marked;
      switch (v->type) {
        case CDLT_JSON_STRING:
          string_view(v, &str, &n, &marked);
          return cdlt_coerce_text_to_timestamp(str, n, &dt) && write_timestamp_us(dt.epoch_us, out);
        case CDLT_JSON_INT: return cdlt_timestamp_from_unix_int(v->u.num.i, &us) && write_timestamp_us(us, out);
        case CDLT_JSON_FLOAT: return cdlt_timestamp_from_unix_double(v->u.num.d, &us) && write_timestamp_us(us, out);
        default: return false;
      }
    }
    case CDLT_TYPE_DATE: {
      int32_t days;
      const char *str;
      size_t n;
      bool marked;
      bool ok = false;
      switch (v->type) {
        case CDLT_JSON_STRING:
          string_view(v, &str, &n, &marked);
          ok = cdlt_coerce_text_to_date(str, n, &days);
          break;
        case CDLT_JSON_INT: ok = cdlt_date_from_unix_int(v->u.num.i, &days); break;
        case CDLT_JSON_FLOAT: ok = cdlt_date_from_unix_double(v->u.num.d, &days); break;
        default: break;
      }
      if (!ok) return false;
      char b[16];
      size_t len = cdlt_format_date(days, b);
      return cdlt_json_write_string(out, b, len) == 0;
    }
    case CDLT_TYPE_TIME: {
      int64_t us;
      const char *str;
      size_t n;
      bool marked;
      if (v->type != CDLT_JSON_STRING) return false;   /* numbers become variants (§3.7) */
      string_view(v, &str, &n, &marked);
      if (!cdlt_parse_iso_time(str, n, &us) && !compact_time(str, n, &us)) return false;
      char b[24];
      size_t len = cdlt_format_time(us, b);
      return cdlt_json_write_string(out, b, len) == 0;
    }
    case CDLT_TYPE_BINARY:
      return write_binary(v, out);
    case CDLT_TYPE_JSON:
      switch (v->type) {
        case CDLT_JSON_STRING: {
          /* json.loads(text): a string holding JSON becomes that JSON value */
          cdlt_json_doc tmp;
          cdlt_json_doc_init(&tmp);
          cdlt_json_value *parsed = NULL;
          bool ok = cdlt_json_parse(&tmp, v->u.str.ptr, v->u.str.len, "value", &parsed, NULL) == 0 &&
                    cdlt_json_write(out, parsed, 0) == 0;
          cdlt_json_doc_release(&tmp);
          return ok;
        }
        case CDLT_JSON_ARRAY:
        case CDLT_JSON_OBJECT: return cdlt_json_write(out, v, 0) == 0;
        default: return false;   /* a bare number or bool is not JSON data: a variant (§3.7) */
      }
    default: return false;
  }
}
