/* isotime.h — calendar math, ISO-8601 parsing as dlt does it, and Python-compatible formatting.
 *
 * Nothing here depends on the process time zone (no mktime/timegm/localtime), except
 * cdlt_dev_mode_suffix in loadid.h which is documented to use local time.
 *
 * Parsing mirrors dlt's `parse_iso_like_datetime` (dlt/common/time.py): pendulum's pure-Python
 * `parse_iso8601` (pendulum/parsing/iso8601.py, regex ISO8601_DT) and, when that raises, pendulum's
 * `_parse_common` (regex COMMON). The golden data (time <- "123" = 12:03:00, time <- "12.5" =
 * 12:00:00.5) is only produced by the pure-Python parser, not pendulum's Rust extension.
 * See docs/internals/TIME.md for the accepted formats. Only ASCII digits are accepted (Python's
 * `\d` would also accept other Unicode decimal digits).
 *
 * Ranges: like Python's datetime, years 1..9999. Instants are int64 microseconds since
 * 1970-01-01T00:00:00Z; dates are int32 days since 1970-01-01; times of day are microseconds since
 * midnight. */
#ifndef CDLT_UTIL_ISOTIME_H
#define CDLT_UTIL_ISOTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CDLT_US_PER_SEC INT64_C(1000000)
#define CDLT_US_PER_DAY INT64_C(86400000000)

/* An instant parsed from text. epoch_us is always the UTC instant (naive text counts as UTC);
 * offset_s/has_offset keep the offset written in the text (has_offset false for naive text). */
typedef struct {
  int64_t epoch_us;   /* UTC instant, microseconds */
  int32_t offset_s;   /* offset east of UTC given in the text (0 when none) */
  bool has_offset;
} cdlt_datetime;

/* What `parse_iso_like_datetime` returned. */
typedef enum cdlt_iso_kind {
  CDLT_ISO_NONE = 0,   /* raised: not parseable (or an ISO duration / interval) */
  CDLT_ISO_DATETIME,   /* datetime.datetime */
  CDLT_ISO_DATE,       /* datetime.date */
  CDLT_ISO_TIME        /* datetime.time */
} cdlt_iso_kind;

typedef struct cdlt_iso_parsed {
  cdlt_iso_kind kind;
  int32_t year, month, day;                       /* DATETIME, DATE */
  int32_t hour, minute, second, microsecond;      /* DATETIME, TIME */
  bool has_offset;                                /* DATETIME, TIME: text carried Z or +hh:mm */
  int32_t offset_s;
} cdlt_iso_parsed;

/* --- calendar (proleptic Gregorian, any int year) --- */
bool cdlt_is_leap_year(int64_t year);
/* Days since 1970-01-01 of year-month-day (month 1..12, day 1..31; not validated). */
int64_t cdlt_days_from_civil(int64_t year, int month, int day);
void cdlt_civil_from_days(int64_t days, int64_t *year, int *month, int *day);
int cdlt_days_in_month(int64_t year, int month);
/* Floor division / modulo by a positive divisor (Python semantics). */
int64_t cdlt_floordiv(int64_t a, int64_t b);
int64_t cdlt_floormod(int64_t a, int64_t b);

/* --- parsing --- */
/* dlt's parse_iso_like_datetime(s). Returns out->kind (CDLT_ISO_NONE on any failure). */
cdlt_iso_kind cdlt_parse_iso_like(const char *s, size_t len, cdlt_iso_parsed *out);
/* The same without the fast path for "YYYY-MM-DDTHH:MM:SS[.f][Z|±HH:MM]" (the tests compare both). */
cdlt_iso_kind cdlt_parse_iso_like_general(const char *s, size_t len, cdlt_iso_parsed *out);

/* dlt detection `iso_timestamp`: non-empty string parsing to a *datetime*. On true fills out
 * (may be NULL). Rejects most non-candidates after a few byte checks. */
bool cdlt_detect_iso_timestamp(const char *s, size_t len, cdlt_datetime *out);
/* dlt detection `iso_date`: not an iso_timestamp and parses to a date. days may be NULL. */
bool cdlt_detect_iso_date(const char *s, size_t len, int32_t *days_since_epoch);

/* --- coercions into typed columns (dlt's coerce_value, §3.7); false = not coercible --- */
/* timestamp <- bigint: pendulum.from_timestamp(int); false outside years 1..9999. */
bool cdlt_timestamp_from_unix_int(int64_t secs, int64_t *epoch_us);
/* timestamp <- double: pendulum.from_timestamp(float); microseconds rounded half-even as CPython
 * does; false for NaN/inf/out of range. */
bool cdlt_timestamp_from_unix_double(double secs, int64_t *epoch_us);
/* timestamp <- text: a datetime (offset kept), a date (midnight UTC), else Python float(text) as
 * unix seconds. A bare time is rejected. */
bool cdlt_coerce_text_to_timestamp(const char *s, size_t len, cdlt_datetime *out);
/* date <- text: date.fromisoformat fast path, then like timestamp <- text and take the UTC date. */
bool cdlt_coerce_text_to_date(const char *s, size_t len, int32_t *days);
/* date <- bigint / double: UTC date of from_timestamp. */
bool cdlt_date_from_unix_int(int64_t secs, int32_t *days);
bool cdlt_date_from_unix_double(double secs, int32_t *days);
/* date <- timestamp: UTC date of the instant. */
int32_t cdlt_date_from_epoch_us(int64_t epoch_us);
/* timestamp <- date: midnight UTC. */
int64_t cdlt_epoch_us_from_date(int32_t days);
/* time <- text: ensure_pendulum_time — only texts parsing to a time; an offset is applied
 * (converted to UTC, wrapped into the day). *us_of_day in [0, 86400e6). */
bool cdlt_parse_iso_time(const char *s, size_t len, int64_t *us_of_day);
/* Python float(text) (whitespace trimmed, underscores between digits, inf/nan words). */
bool cdlt_py_float(const char *s, size_t len, double *out);

/* --- formatting; each returns the length written (NUL-terminated) --- */
/* datetime.isoformat() of the UTC instant: 2024-02-01T08:00:00+00:00 (.ffffff when us != 0). */
size_t cdlt_format_iso_utc(int64_t epoch_us, char out[40]);
/* orjson with OPT_UTC_Z: 2024-01-01T10:00:00Z (.ffffff when us != 0). */
size_t cdlt_format_rfc3339_z(int64_t epoch_us, char out[40]);
/* scd2 boundary literal: 2024-01-01 10:00:00.000000+00:00 (space, always 6 digits). */
size_t cdlt_format_boundary(int64_t epoch_us, char out[40]);
/* date.isoformat(): 2024-01-01 */
size_t cdlt_format_date(int32_t days, char out[16]);
/* time.isoformat(): 12:03:00 (.ffffff when us != 0). us_of_day is reduced modulo one day. */
size_t cdlt_format_time(int64_t us_of_day, char out[24]);

/* Current time (CLOCK_REALTIME) in microseconds since the epoch. */
int64_t cdlt_now_us(void);

#endif
