/* test_isotime.c — ISO parsing/detection, formatting, coercions, load ids. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "util/isotime.h"
#include "util/loadid.h"

static bool det_ts(const char *s) { return cdlt_detect_iso_timestamp(s, strlen(s), NULL); }
static bool det_date(const char *s) { return cdlt_detect_iso_date(s, strlen(s), NULL); }

static const char *ts_utc(const char *s) {
  static char out[40];
  cdlt_datetime dt;
  if (!cdlt_detect_iso_timestamp(s, strlen(s), &dt)) return "(none)";
  cdlt_format_iso_utc(dt.epoch_us, out);
  return out;
}

static const char *date_of(const char *s) {
  static char out[16];
  int32_t d;
  if (!cdlt_detect_iso_date(s, strlen(s), &d)) return "(none)";
  cdlt_format_date(d, out);
  return out;
}

static const char *time_of(const char *s) {
  static char out[24];
  int64_t us;
  if (!cdlt_parse_iso_time(s, strlen(s), &us)) return "(none)";
  cdlt_format_time(us, out);
  return out;
}

static const char *kind_of(const char *s) {
  cdlt_iso_parsed p;
  switch (cdlt_parse_iso_like(s, strlen(s), &p)) {
    case CDLT_ISO_DATETIME: return "datetime";
    case CDLT_ISO_DATE: return "date";
    case CDLT_ISO_TIME: return "time";
    default: return "none";
  }
}

static void test_detect_timestamp(void) {
  /* §2.3 positives */
  CHECK(det_ts("2024-01-01T10:00:00Z"));
  CHECK(det_ts("2024-01-01T10:00:00"));
  CHECK(det_ts("2024-01-01 10:00:00"));
  CHECK(det_ts("2024-01-01T10:00"));
  CHECK(det_ts("20240101T100000"));
  CHECK(det_ts("2024-01-01T10:00:00.123456+05:30"));
  /* §2.3 negatives */
  CHECK(!det_ts("2024-01-01"));
  CHECK(!det_ts("2024-01"));
  CHECK(!det_ts("20240101"));
  CHECK(!det_ts("10:00:00"));
  CHECK(!det_ts("1700000000"));
  CHECK(!det_ts("2024-1-1"));
  CHECK(!det_ts("2024-01-01T25:00:00"));
  CHECK(!det_ts(" 2024-01-01T10:00:00"));
  CHECK(!det_ts("  2024-01-01"));
  CHECK(!det_ts(""));
  CHECK(!cdlt_detect_iso_timestamp("", 0, NULL));
  CHECK(!det_ts("2024-01-01T10:00:00 "));
  CHECK(!det_ts("2024-01-01T10:00:00\n"));
  CHECK(!det_ts("abc"));
  CHECK(!det_ts("P1D"));
  CHECK(!det_ts("2024-02-30T10:00:00"));
  CHECK(!det_ts("2024-01-01T10:60:00"));
  CHECK(!det_ts("2024-01-01T10:00:60"));
  CHECK(!det_ts("2024-01-01T24:00:00"));   /* the pure-Python parser has no 24:00 special case */
  CHECK(!det_ts("2024-01-01T10:00:00+24:00"));
  CHECK(!det_ts("0000-01-01T10:00:00"));
  CHECK(!det_ts("2024-01-0110:00"));       /* date without T/space before a time */
  CHECK(!det_ts("2024-01-01T10:00:00+05:"));

  /* values (§2.6) */
  CHECK_EQ_STR(ts_utc("2024-02-01T10:00:00+02:00"), "2024-02-01T08:00:00+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01T10:00:00"), "2024-01-01T10:00:00+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01T10:00:00Z"), "2024-01-01T10:00:00+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01 10:00:00"), "2024-01-01T10:00:00+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01T10:00"), "2024-01-01T10:00:00+00:00");
  CHECK_EQ_STR(ts_utc("20240101T100000"), "2024-01-01T10:00:00+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01T10:00:00.123456+05:30"), "2024-01-01T04:30:00.123456+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01T00:30:00-01:00"), "2024-01-01T01:30:00+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01T00:30:00+01:00"), "2023-12-31T23:30:00+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01T10:00:00+0530"), "2024-01-01T04:30:00+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01T10:00:00+05"), "2024-01-01T05:00:00+00:00");
  /* fractions: up to 9 digits, truncated (not rounded) to microseconds; ',' also a separator */
  CHECK_EQ_STR(ts_utc("2024-01-01T10:00:00.123456789Z"), "2024-01-01T10:00:00.123456+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01T10:00:00.9999999"), "2024-01-01T10:00:00.999999+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01T10:00:00.5"), "2024-01-01T10:00:00.500000+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01T10:00:00,25"), "2024-01-01T10:00:00.250000+00:00");
  CHECK(!det_ts("2024-01-01T10:00:00.1234567890"));   /* 10 digits: no match */
  CHECK(!det_ts("2024-01-01T10:00:00."));
  /* pendulum's pure-Python parser quirks */
  CHECK_EQ_STR(ts_utc("2024-01-01T10"), "2024-01-01T10:00:00+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01T1000"), "2024-01-01T10:00:00+00:00");
  CHECK_EQ_STR(ts_utc("2024-01-01 1:5"), "2024-01-01T01:05:00+00:00");
  CHECK_EQ_STR(ts_utc("2024T1"), "2024-01-01T01:00:00+00:00");
  CHECK_EQ_STR(ts_utc("2024-032T10:00"), "2024-02-01T10:00:00+00:00");   /* ordinal date */
  CHECK_EQ_STR(ts_utc("2024-W01-1T10:00"), "2024-01-01T10:00:00+00:00");  /* week date */
  CHECK_EQ_STR(ts_utc("2020W537 10:00"), "2021-01-03T10:00:00+00:00");
  CHECK(!det_ts("2021-W53T10:00"));                    /* 2021 has 52 ISO weeks */
  CHECK(!det_ts("2024-W011T10:00"));                   /* "-W" then day without '-' */
  CHECK(!det_ts("202401T10:00"));                      /* ambiguous date with a time */
  /* common-parser fallback: '/' and ':' date separators, no T needed */
  CHECK_EQ_STR(ts_utc("2024/01/15 10:00"), "2024-01-15T10:00:00+00:00");
  CHECK_EQ_STR(ts_utc("2024:01:15 10:00:30.5"), "2024-01-15T10:00:30.500000+00:00");
  CHECK_EQ_STR(ts_utc("2024011510:00"), "2024-01-15T10:00:00+00:00");
  CHECK_EQ_STR(ts_utc("2024/01/15 10:00|5"), "2024-01-15T10:00:00.500000+00:00");
  CHECK(!det_ts("2024/01/15 10:"));                    /* int(None) in _parse_common */
  CHECK(!det_ts("2024/01/15T10:00"));
  /* leap years */
  CHECK(det_ts("2024-02-29T00:00:00"));
  CHECK(!det_ts("2023-02-29T00:00:00"));
  CHECK(det_ts("2000-02-29T00:00:00"));
  CHECK(!det_ts("1900-02-29T00:00:00"));
  CHECK_EQ_STR(ts_utc("0001-01-01T00:00:00"), "0001-01-01T00:00:00+00:00");
  CHECK_EQ_STR(ts_utc("9999-12-31T23:59:59.999999"), "9999-12-31T23:59:59.999999+00:00");
  CHECK_EQ_STR(ts_utc("0999-03-04T05:06:07"), "0999-03-04T05:06:07+00:00");

  cdlt_datetime dt;
  CHECK(cdlt_detect_iso_timestamp("2024-01-01T10:00:00+05:30", 25, &dt));
  CHECK(dt.has_offset);
  CHECK_EQ_INT(dt.offset_s, 19800);
  CHECK(cdlt_detect_iso_timestamp("2024-01-01T10:00:00", 19, &dt));
  CHECK(!dt.has_offset);
  CHECK_EQ_INT(dt.epoch_us, INT64_C(1704103200000000));
  /* length is honoured (no NUL needed) */
  CHECK(cdlt_detect_iso_timestamp("2024-01-01T10:00:00XYZ", 19, NULL));
}

static void test_detect_date(void) {
  CHECK_EQ_STR(date_of("2024-01-01"), "2024-01-01");
  CHECK_EQ_STR(date_of("20240101"), "2024-01-01");
  CHECK_EQ_STR(date_of("2024-W01"), "2024-01-01");
  CHECK_EQ_STR(date_of("2024-001"), "2024-01-01");
  CHECK_EQ_STR(date_of("2024"), "2024-01-01");
  CHECK_EQ_STR(date_of("2024/01/15"), "2024-01-15");
  CHECK_EQ_STR(date_of("2024-01"), "2024-01-01");
  CHECK_EQ_STR(date_of("2024-366"), "2024-12-31");
  CHECK_EQ_STR(date_of("2025-W01-3"), "2025-01-01");
  CHECK_EQ_STR(date_of("2026W01"), "2025-12-29");
  CHECK_EQ_STR(date_of("2024-0115"), "2024-01-15");
  CHECK(!det_date("2023-366"));
  CHECK(!det_date("2024-01-01T10:00:00"));
  CHECK(!det_date("10:00:00"));
  CHECK(!det_date("202401"));      /* ambiguous: parsed as time 20:24:01 */
  CHECK(!det_date("2024-1-1"));
  CHECK(!det_date("2024-13-01"));
  CHECK(!det_date("abc"));
  CHECK(!det_date(""));
  CHECK(!det_date("123"));
  CHECK_EQ_STR(kind_of("202401"), "time");
  CHECK_EQ_STR(kind_of("123"), "time");
  CHECK_EQ_STR(kind_of("12.5"), "time");
  CHECK_EQ_STR(kind_of("1700000000"), "none");
  CHECK_EQ_STR(kind_of("P1D"), "none");
}

static void test_time(void) {
  CHECK_EQ_STR(time_of("123"), "12:03:00");
  CHECK_EQ_STR(time_of("12.5"), "12:00:00.500000");
  CHECK_EQ_STR(time_of("10:00:00"), "10:00:00");
  CHECK_EQ_STR(time_of("10:00"), "10:00:00");
  CHECK_EQ_STR(time_of("1:5"), "01:05:00");
  CHECK_EQ_STR(time_of("T10:00"), "10:00:00");
  CHECK_EQ_STR(time_of("100000"), "10:00:00");   /* ambiguous YYYYMM read as hhmmss */
  CHECK_EQ_STR(time_of("10:00:00+02:00"), "08:00:00");
  CHECK_EQ_STR(time_of("01:00:00+02:00"), "23:00:00");
  CHECK_EQ_STR(time_of("10:00:00.123456789Z"), "10:00:00.123456");
  CHECK_EQ_STR(time_of(" 10:00"), "10:00:00");   /* common parser allows a leading space */
  CHECK_EQ_STR(time_of("abc"), "(none)");
  CHECK_EQ_STR(time_of("true"), "(none)");
  CHECK_EQ_STR(time_of("2024-01-01"), "(none)");
  CHECK_EQ_STR(time_of("2024-01-01T10:00:00"), "(none)");
  CHECK_EQ_STR(time_of("25:00"), "(none)");
  CHECK_EQ_STR(time_of("0x1f"), "(none)");
  CHECK_EQ_STR(time_of("10:"), "(none)");
}

static const char *fmt_iso(int64_t us) {
  static char out[40];
  cdlt_format_iso_utc(us, out);
  return out;
}

static void test_format(void) {
  char out[40];
  CHECK_EQ_STR(fmt_iso(0), "1970-01-01T00:00:00+00:00");
  CHECK_EQ_STR(fmt_iso(1), "1970-01-01T00:00:00.000001+00:00");
  CHECK_EQ_STR(fmt_iso(-1), "1969-12-31T23:59:59.999999+00:00");
  CHECK_EQ_STR(fmt_iso(-7 * CDLT_US_PER_SEC), "1969-12-31T23:59:53+00:00");
  CHECK_EQ_STR(fmt_iso(INT64_C(1700000000) * CDLT_US_PER_SEC), "2023-11-14T22:13:20+00:00");
  CHECK_EQ_STR(fmt_iso(INT64_C(-62135596800) * CDLT_US_PER_SEC), "0001-01-01T00:00:00+00:00");
  CHECK_EQ_STR(fmt_iso(INT64_C(253402300799999999)), "9999-12-31T23:59:59.999999+00:00");
  CHECK_EQ_STR(fmt_iso(INT64_C(951782400) * CDLT_US_PER_SEC), "2000-02-29T00:00:00+00:00");
  cdlt_format_boundary(INT64_C(1795272839158366), out);
  CHECK_EQ_STR(out, "2026-11-21 14:53:59.158366+00:00");
  cdlt_format_boundary(INT64_C(1704103200) * CDLT_US_PER_SEC, out);
  CHECK_EQ_STR(out, "2024-01-01 10:00:00.000000+00:00");
  cdlt_format_rfc3339_z(INT64_C(1704103200) * CDLT_US_PER_SEC, out);
  CHECK_EQ_STR(out, "2024-01-01T10:00:00Z");
  cdlt_format_rfc3339_z(INT64_C(1704103200) * CDLT_US_PER_SEC + 120000, out);
  CHECK_EQ_STR(out, "2024-01-01T10:00:00.120000Z");
  char d[16];
  cdlt_format_date(0, d);
  CHECK_EQ_STR(d, "1970-01-01");
  cdlt_format_date(-1, d);
  CHECK_EQ_STR(d, "1969-12-31");
  cdlt_format_date(19723, d);
  CHECK_EQ_STR(d, "2024-01-01");
  cdlt_format_date((int32_t)cdlt_days_from_civil(999, 12, 31), d);
  CHECK_EQ_STR(d, "0999-12-31");
  char t[24];
  cdlt_format_time(0, t);
  CHECK_EQ_STR(t, "00:00:00");
  cdlt_format_time(INT64_C(43380) * CDLT_US_PER_SEC, t);
  CHECK_EQ_STR(t, "12:03:00");
  cdlt_format_time(CDLT_US_PER_DAY - 1, t);
  CHECK_EQ_STR(t, "23:59:59.999999");
  /* civil round trip over a wide range */
  int bad = 0;
  for (int64_t days = -800000; days <= 3000000; days += 7) {
    int64_t y;
    int m, dd;
    cdlt_civil_from_days(days, &y, &m, &dd);
    if (cdlt_days_from_civil(y, m, dd) != days || dd < 1 || dd > cdlt_days_in_month(y, m)) bad++;
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(cdlt_days_from_civil(1970, 1, 1), 0);
  CHECK_EQ_INT(cdlt_days_from_civil(2000, 3, 1), 11017);
}

static void test_unix(void) {
  int64_t us;
  CHECK(cdlt_timestamp_from_unix_double(12.5, &us));
  CHECK_EQ_INT(us, 12500000);
  CHECK(cdlt_timestamp_from_unix_double(-7.5, &us));
  CHECK_EQ_INT(us, -7500000);
  CHECK(cdlt_timestamp_from_unix_double(1e-7, &us));   /* 0.1 us rounds to 0 */
  CHECK_EQ_INT(us, 0);
  CHECK(cdlt_timestamp_from_unix_double(2.5e-6, &us)); /* half-even -> 2 */
  CHECK_EQ_INT(us, 2);
  CHECK(cdlt_timestamp_from_unix_double(1795272839.8907554, &us));
  CHECK_EQ_INT(us, INT64_C(1795272839890755));
  CHECK(!cdlt_timestamp_from_unix_double(NAN, &us));
  CHECK(!cdlt_timestamp_from_unix_double(INFINITY, &us));
  CHECK(!cdlt_timestamp_from_unix_double(1e20, &us));
  CHECK(!cdlt_timestamp_from_unix_int(INT64_C(253402300800), &us));
  CHECK(cdlt_timestamp_from_unix_int(INT64_C(253402300799), &us));
  CHECK(!cdlt_timestamp_from_unix_int(INT64_C(-62135596801), &us));
  CHECK(!cdlt_timestamp_from_unix_int(INT64_MIN, &us));

  cdlt_datetime dt;
  char out[40];
  CHECK(cdlt_coerce_text_to_timestamp("1700000000", 10, &dt));
  cdlt_format_iso_utc(dt.epoch_us, out);
  CHECK_EQ_STR(out, "2023-11-14T22:13:20+00:00");
  CHECK(cdlt_coerce_text_to_timestamp(" 1_700_000_000.5 ", 17, &dt));
  CHECK_EQ_INT(dt.epoch_us, INT64_C(1700000000500000));
  CHECK(cdlt_coerce_text_to_timestamp("1e9", 3, &dt));
  CHECK(!cdlt_coerce_text_to_timestamp("nan", 3, &dt));
  CHECK(!cdlt_coerce_text_to_timestamp("inf", 3, &dt));
  CHECK(!cdlt_coerce_text_to_timestamp("0x10", 4, &dt));
  CHECK(!cdlt_coerce_text_to_timestamp("1__0", 4, &dt));
  double f;
  CHECK(cdlt_py_float(".5", 2, &f) && f == 0.5);
  CHECK(cdlt_py_float("5.", 2, &f) && f == 5.0);
  CHECK(cdlt_py_float("-Infinity", 9, &f) && isinf(f) && f < 0);
  CHECK(!cdlt_py_float(".", 1, &f));
  CHECK(!cdlt_py_float("1e", 2, &f));
  CHECK(!cdlt_py_float("_1", 2, &f));

  int32_t days;
  char d[16];
  CHECK(cdlt_coerce_text_to_date("2024010100", 10, &days));   /* fromisoformat ignores the tail */
  cdlt_format_date(days, d);
  CHECK_EQ_STR(d, "2024-01-01");
  CHECK(cdlt_coerce_text_to_date("2024-01-01T23:30:00-01:00", 25, &days));
  cdlt_format_date(days, d);
  CHECK_EQ_STR(d, "2024-01-02");
  CHECK(cdlt_coerce_text_to_date("2024-W01-1", 10, &days));
  cdlt_format_date(days, d);
  CHECK_EQ_STR(d, "2024-01-01");
  CHECK(cdlt_coerce_text_to_date("1700000000", 10, &days));
  cdlt_format_date(days, d);
  CHECK_EQ_STR(d, "2023-11-14");
  CHECK(cdlt_date_from_unix_int(-7, &days));
  CHECK_EQ_INT(days, -1);
  CHECK_EQ_INT(cdlt_date_from_epoch_us(-1), -1);
  CHECK_EQ_INT(cdlt_epoch_us_from_date(1), CDLT_US_PER_DAY);
}

/* ---- coercion_golden.json rows for timestamp/date/time ---- */

/* Reads the JSON string starting at p (just after the opening quote) into out; returns the
 * pointer after the closing quote. Handles \" \\ \/ \n \t and \uXXXX for ASCII. */
static const char *read_jstr(const char *p, char *out, size_t cap) {
  size_t n = 0;
  while (*p && *p != '"') {
    char c = *p++;
    if (c == '\\') {
      c = *p++;
      if (c == 'n') c = '\n';
      else if (c == 't') c = '\t';
      else if (c == 'u') {
        char hex[5] = {p[0], p[1], p[2], p[3], 0};
        c = (char)strtol(hex, NULL, 16);
        p += 4;
      }
    }
    if (n + 1 < cap) out[n++] = c;
  }
  out[n] = '\0';
  return *p ? p + 1 : p;
}

static void test_golden(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s/spec/golden/unit/coercion_golden.json", check_shared_dir());
  char *doc = check_read_file(path, NULL);
  CHECK_MSG(doc != NULL, "cannot read %s", path);
  if (!doc) return;
  int rows = 0;
  const char *p = doc;
  while ((p = strstr(p, "\"column_type\": \"")) != NULL) {
    char type[32], input[256], key[64], val[256];
    p = read_jstr(p + 16, type, sizeof type);
    const char *q = strstr(p, "\"input_json\": \"");
    if (!q) break;
    p = read_jstr(q + 15, input, sizeof input);
    q = strstr(p, "\"output_columns\": {");
    if (!q) break;
    q = strchr(q + 18, '"');
    p = read_jstr(q + 1, key, sizeof key);
    q = strchr(p, '"');
    p = read_jstr(q + 1, val, sizeof val);
    if (strcmp(type, "timestamp") && strcmp(type, "date") && strcmp(type, "time")) continue;
    rows++;
    char plain[64];
    snprintf(plain, sizeof plain, "c_%s", type);
    bool expect_ok = strcmp(key, plain) == 0;
    /* actual coercion */
    bool ok = false;
    char lit[64] = "";
    size_t ilen = strlen(input);
    if (input[0] == '"') {
      char text[256];
      read_jstr(input + 1, text, sizeof text);
      size_t tl = strlen(text);
      if (!strcmp(type, "timestamp")) {
        cdlt_datetime dt;
        if ((ok = cdlt_coerce_text_to_timestamp(text, tl, &dt))) cdlt_format_iso_utc(dt.epoch_us, lit);
      } else if (!strcmp(type, "date")) {
        int32_t d;
        if ((ok = cdlt_coerce_text_to_date(text, tl, &d))) cdlt_format_date(d, lit);
      } else {
        int64_t us;
        if ((ok = cdlt_parse_iso_time(text, tl, &us))) cdlt_format_time(us, lit);
      }
    } else if (input[0] == '-' || (input[0] >= '0' && input[0] <= '9')) {
      bool is_float = strpbrk(input, ".eE") != NULL;
      if (!strcmp(type, "timestamp")) {
        int64_t us;
        ok = is_float ? cdlt_timestamp_from_unix_double(strtod(input, NULL), &us)
                      : cdlt_timestamp_from_unix_int(strtoll(input, NULL, 10), &us);
        if (ok) cdlt_format_iso_utc(us, lit);
      } else if (!strcmp(type, "date")) {
        int32_t d;
        ok = is_float ? cdlt_date_from_unix_double(strtod(input, NULL), &d)
                      : cdlt_date_from_unix_int(strtoll(input, NULL, 10), &d);
        if (ok) cdlt_format_date(d, lit);
      } else {
        ok = false;   /* time <- numbers: not attempted by dlt */
      }
    } else {
      ok = false;     /* bool / object / array: not attempted */
    }
    (void)ilen;
    CHECK_MSG(ok == expect_ok, "%s <- %s: expected %s, got %s", type, input,
              expect_ok ? "coerced" : "variant", ok ? "coerced" : "variant");
    if (ok && expect_ok) {
      char want[80];
      snprintf(want, sizeof want, "'%s'", lit);
      CHECK_MSG(strcmp(want, val) == 0, "%s <- %s: expected %s, got %s", type, input, val, want);
    }
  }
  CHECK_EQ_INT(rows, 54);
  free(doc);
}

/* ---- load ids ---- */

static bool repr_shape(const char *s) {
  /* digits '.' digits, no exponent */
  const char *dot = strchr(s, '.');
  if (!dot || dot == s || !dot[1]) return false;
  for (const char *p = s; *p; p++)
    if (p != dot && (*p < '0' || *p > '9')) return false;
  return strlen(dot + 1) <= 7;
}

#define NTHREADS 4
#define PER_THREAD 2000
static char g_ids[NTHREADS][PER_THREAD][32];

static void *gen_ids(void *arg) {
  int t = (int)(intptr_t)arg;
  for (int i = 0; i < PER_THREAD; i++) cdlt_load_id_new(g_ids[t][i]);
  return NULL;
}

static int cmp_double_str(const void *a, const void *b) {
  double x = strtod((const char *)a, NULL), y = strtod((const char *)b, NULL);
  return x < y ? -1 : x > y;
}

static void test_load_id(void) {
  char prev[32], cur[32];
  cdlt_load_id_new(prev);
  CHECK_MSG(repr_shape(prev), "load id shape: %s", prev);
  double now = (double)cdlt_now_us() / 1e6;
  CHECK(fabs(strtod(prev, NULL) - now) < 5.0);
  int non_increasing = 0, bad_shape = 0;
  for (int i = 0; i < 20000; i++) {
    cdlt_load_id_new(cur);
    if (!(strtod(cur, NULL) > strtod(prev, NULL))) non_increasing++;
    /* a nextafter bump of a ~1.7e9 double adds 2.4e-7: at most 7 decimals still */
    if (!repr_shape(cur)) bad_shape++;
    memcpy(prev, cur, sizeof cur);
  }
  CHECK_EQ_INT(non_increasing, 0);
  CHECK_EQ_INT(bad_shape, 0);
  /* threads: all ids distinct */
  pthread_t th[NTHREADS];
  for (int t = 0; t < NTHREADS; t++) pthread_create(&th[t], NULL, gen_ids, (void *)(intptr_t)t);
  for (int t = 0; t < NTHREADS; t++) pthread_join(th[t], NULL);
  qsort(g_ids, NTHREADS * PER_THREAD, 32, cmp_double_str);
  int dups = 0;
  char(*flat)[32] = (char(*)[32])g_ids;
  for (int i = 1; i < NTHREADS * PER_THREAD; i++)
    if (!strcmp(flat[i], flat[i - 1])) dups++;
  CHECK_EQ_INT(dups, 0);

  CHECK_EQ_INT(cdlt_load_id_to_us("1795272839.8907554"), INT64_C(1795272839890755));
  CHECK_EQ_INT(cdlt_load_id_to_us("1795272891.264143"), INT64_C(1795272891264143));
  CHECK_EQ_INT(cdlt_load_id_to_us("1700000000"), INT64_C(1700000000000000));
  CHECK_EQ_INT(cdlt_load_id_to_us("x"), 0);
  char b[40];
  cdlt_format_boundary(cdlt_load_id_to_us("1795272839.8907554"), b);
  CHECK_EQ_STR(b, "2026-11-21 14:53:59.890755+00:00");

  /* dev_mode suffix: local time, 12-hour clock */
  setenv("TZ", "UTC", 1);
  tzset();
  char sfx[16];
  cdlt_dev_mode_suffix(INT64_C(1704121445) * CDLT_US_PER_SEC, sfx);   /* 2024-01-01 15:04:05 */
  CHECK_EQ_STR(sfx, "_20240101030405");
  cdlt_dev_mode_suffix(INT64_C(1704067200) * CDLT_US_PER_SEC, sfx);   /* 00:00:00 -> 12 */
  CHECK_EQ_STR(sfx, "_20240101120000");
  cdlt_dev_mode_suffix(INT64_C(1704110400) * CDLT_US_PER_SEC, sfx);   /* 12:00:00 -> 12 */
  CHECK_EQ_STR(sfx, "_20240101120000");
  setenv("TZ", "EST5", 1);   /* local time differs from UTC */
  tzset();
  cdlt_dev_mode_suffix(INT64_C(1704121445) * CDLT_US_PER_SEC, sfx);   /* 10:04:05 local */
  CHECK_EQ_STR(sfx, "_20240101100405");
  /* parsing must not depend on TZ */
  CHECK_EQ_STR(ts_utc("2024-01-01T10:00:00"), "2024-01-01T10:00:00+00:00");
  unsetenv("TZ");
  tzset();
}

/* the hand-written formatter agrees with gmtime_r + snprintf over the whole 4-digit-year range */
static void test_format_against_gmtime(void) {
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  int bad = 0;
  for (int k = 0; k < 100000; k++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    /* 0001-01-01 .. 9999-12-31 in seconds relative to 1970, plus microseconds (half of them 0) */
    int64_t secs = -62135596800LL + (int64_t)(x % 315537897600ULL);
    int us = k % 2 ? (int)((x >> 40) % 1000000) : 0;
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    char want[64], got[40], wantb[64], gotb[40];
    if (us) snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
    else snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    snprintf(wantb, sizeof wantb, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, us);
    size_t n = cdlt_format_iso_utc(secs * CDLT_US_PER_SEC + us, got);
    cdlt_format_boundary(secs * CDLT_US_PER_SEC + us, gotb);
    if ((strcmp(got, want) || n != strlen(want) || strcmp(gotb, wantb)) && bad++ < 5)
      fprintf(stderr, "%lld us: %s / %s, want %s / %s\n", (long long)(secs * CDLT_US_PER_SEC + us), got, gotb, want, wantb);
  }
  CHECK_EQ_INT(bad, 0);
}

/* a pseudo-random index below n (64-bit LCG, fixed seed: the same draws every run) */
static size_t draw(uint64_t *x, size_t n) {
  *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
  return (size_t)((*x >> 33) % n);
}

/* The fast path for "YYYY-MM-DDTHH:MM:SS[.f][Z|±HH:MM]" gives what the general matcher (pendulum's
 * patterns) gives, on the shape, its invalid values and near misses: 300,000 combinations drawn
 * with a fixed seed from each part's candidates. */
static void test_fast_path_matches_general(void) {
  static const char *const years[] = {"0000", "0001", "1969", "1970", "2000", "2023", "2024", "2100", "9999"};
  static const char *const months[] = {"00", "01", "02", "09", "12", "13"};
  static const char *const days[] = {"00", "01", "28", "29", "30", "31", "32"};
  static const char *const seps[] = {"T", "T", "T", " ", "t"};
  static const char *const hours[] = {"00", "09", "23", "24"};
  static const char *const minutes[] = {"00", "30", "59", "60"};
  static const char *const seconds[] = {"00", "02", "59", "60"};
  static const char *const fracs[] = {"", "", ".1", ".163327", ".1234567", ".123456789", ".1234567891", ",5", ".", ".12a"};
  static const char *const tzs[] = {"", "Z", "+00:00", "-05:30", "+23:59", "+24:00", "-24:00", "+0530", "+05", "+05:3", "z", "+05:30:00"};
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  int fast_shape = 0, disagreements = 0;
#define PICK(a) a[draw(&x, sizeof a / sizeof *a)]
  for (int k = 0; k < 300000; k++) {
    const char *y = PICK(years), *mo = PICK(months), *d = PICK(days), *sep = PICK(seps), *h = PICK(hours);
    const char *mi = PICK(minutes), *sec = PICK(seconds), *f = PICK(fracs), *tz = PICK(tzs);
    char str[80];
    snprintf(str, sizeof str, "%s-%s-%s%s%s:%s:%s%s%s", y, mo, d, sep, h, mi, sec, f, tz);
    cdlt_iso_parsed a, b;
    cdlt_iso_kind ka = cdlt_parse_iso_like(str, strlen(str), &a);
    cdlt_iso_kind kb = cdlt_parse_iso_like_general(str, strlen(str), &b);
    fast_shape += ka == CDLT_ISO_DATETIME;
    bool same = ka == kb && a.kind == b.kind && a.year == b.year && a.month == b.month && a.day == b.day &&
                a.hour == b.hour && a.minute == b.minute && a.second == b.second && a.microsecond == b.microsecond &&
                a.has_offset == b.has_offset && a.offset_s == b.offset_s;
    if (!same && disagreements++ < 10) CHECK_MSG(0, "fast and general parses of '%s' differ (%d vs %d)", str, ka, kb);
  }
#undef PICK
  CHECK_EQ_INT(disagreements, 0);
  CHECK(fast_shape > 10000);   /* the shape was drawn often enough to mean something */
}

int main(void) {
  test_fast_path_matches_general();
  test_format_against_gmtime();
  test_detect_timestamp();
  test_detect_date();
  test_time();
  test_format();
  test_unix();
  test_golden();
  test_load_id();
  return check_finish();
}
