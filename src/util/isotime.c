/* isotime.c — see isotime.h and docs/internals/TIME.md. */
#include "util/isotime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------------------------ */
/* calendar                                                                                     */

int64_t cdlt_floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

int64_t cdlt_floormod(int64_t a, int64_t b) { return a - cdlt_floordiv(a, b) * b; }

bool cdlt_is_leap_year(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int cdlt_days_in_month(int64_t y, int m) {
  static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) return 0;
  return (m == 2 && cdlt_is_leap_year(y)) ? 29 : dim[m - 1];
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t cdlt_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = cdlt_floordiv(y, 400);
  int64_t yoe = y - era * 400;                                          /* [0, 399] */
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;          /* [0, 365] */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                   /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

void cdlt_civil_from_days(int64_t z, int64_t *year, int *month, int *day) {
  z += 719468;
  int64_t era = cdlt_floordiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = (int)(doy - (153 * mp + 2) / 5 + 1);
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *year = y + (m <= 2);
  *month = m;
  *day = d;
}

static bool valid_date(int64_t y, int m, int d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= cdlt_days_in_month(y, m);
}

static bool valid_time(int h, int mi, int s, int us) {
  return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59 && us >= 0 && us <= 999999;
}

/* ISO weekday 1=Mon..7=Sun. 1970-01-01 was a Thursday. */
static int iso_weekday(int64_t days) { return (int)cdlt_floormod(days + 3, 7) + 1; }

/* Instants representable by Python datetime (years 1..9999). */
static const int64_t MIN_EPOCH_S = INT64_C(-62135596800);   /* 0001-01-01T00:00:00 */
static const int64_t MAX_EPOCH_S = INT64_C(253402300799);   /* 9999-12-31T23:59:59 */

/* ------------------------------------------------------------------------------------------ */
/* regex emulation                                                                              */
/* Python's re returns the first match in backtracking order; fullmatch requires it to span the
 * whole string. We enumerate the alternatives of each element in the same priority order
 * (greedy: longest first, present before absent) and stop at the first full match, so the groups
 * we read are exactly the ones Python would read. Strings are at most 35 bytes here. */

#define MAXLEN 35

typedef struct { int s, l; } cap;   /* group start and length; l == 0 means absent */

typedef struct {
  const char *s;
  int n;
  bool common;   /* COMMON regex instead of ISO8601_DT */
  /* date */
  bool date, isocal;
  cap year, monthsep, month, daysep, day;
  cap weeksep, isoweek, weekdaysep, isoweekday;
  /* time (captures indexed by element) */
  bool time;
  cap t[8];
} rx;

enum { T_SEP, T_HOUR, T_MINSEP, T_MIN, T_SECSEP, T_SEC, T_SUB, T_TZ, T_N };

static inline bool isdig(char c) { return c >= '0' && c <= '9'; }

static int ndigits(const rx *r, int pos, int max) {
  int k = 0;
  while (k < max && pos + k < r->n && isdig(r->s[pos + k])) k++;
  return k;
}

static inline char at(const rx *r, int pos) { return pos < r->n ? r->s[pos] : '\0'; }

/* Options (lengths, priority order) of time element e at pos. Returns the count. */
static int time_opts(const rx *r, int e, int pos, int out[12]) {
  int k = 0;
  char c = at(r, pos);
  switch (e) {
    case T_SEP:
      if (r->common ? c == ' ' : (c == 'T' || c == ' ')) out[k++] = 1;
      out[k++] = 0;
      break;
    case T_HOUR: {
      int d = ndigits(r, pos, 2);
      for (int i = d; i >= 1; i--) out[k++] = i;
      break;
    }
    case T_MINSEP:
      if (c == ':') out[k++] = 1;
      if (!r->common) out[k++] = 0;   /* COMMON: ':' is mandatory */
      break;
    case T_MIN: {
      int d = ndigits(r, pos, 2);
      for (int i = d; i >= 1; i--) out[k++] = i;
      out[k++] = 0;
      break;
    }
    case T_SECSEP:
      if (r->common) {
        out[k++] = 0;   /* COMMON folds ':' into the second group (handled in T_SEC) */
      } else {
        if (c == ':') out[k++] = 1;
        out[k++] = 0;
      }
      break;
    case T_SEC: {
      if (r->common) {   /* (?::(?P<second>\d{1,2}))? */
        if (c == ':') {
          int d = ndigits(r, pos + 1, 2);
          for (int i = d; i >= 1; i--) out[k++] = i + 1;
        }
        out[k++] = 0;
      } else {
        int d = ndigits(r, pos, 2);
        for (int i = d; i >= 1; i--) out[k++] = i;
        out[k++] = 0;
      }
      break;
    }
    case T_SUB:
      if (c == '.' || c == ',' || (r->common && c == '|')) {
        int d = ndigits(r, pos + 1, 9);
        for (int i = d; i >= 1; i--) out[k++] = i + 1;
      }
      out[k++] = 0;
      break;
    case T_TZ:
      if (!r->common) {
        if ((c == '+' || c == '-') && ndigits(r, pos + 1, 2) == 2) {
          /* [-+]\d{2}:?(?:\d{2})? */
          if (at(r, pos + 3) == ':') {
            if (ndigits(r, pos + 4, 2) == 2) out[k++] = 6;
            out[k++] = 4;
          }
          if (ndigits(r, pos + 3, 2) == 2) out[k++] = 5;
          out[k++] = 3;
        } else if (c == 'Z') {
          out[k++] = 1;
        }
      }
      out[k++] = 0;
      break;
  }
  return k;
}

static bool time_seq(rx *r, int e, int pos) {
  if (e == T_N) return pos == r->n;
  int opts[12];
  int k = time_opts(r, e, pos, opts);
  for (int i = 0; i < k; i++) {
    r->t[e].s = pos;
    r->t[e].l = opts[i];
    if (time_seq(r, e + 1, pos + opts[i])) return true;
  }
  return false;
}

/* (?P<time>...)?$ at pos */
static bool time_then_end(rx *r, int pos) {
  memset(r->t, 0, sizeof r->t);
  if (pos < r->n && time_seq(r, 0, pos)) {
    r->time = true;
    return true;
  }
  memset(r->t, 0, sizeof r->t);
  r->time = false;
  return pos == r->n;
}

static void clear_date(rx *r) {
  r->date = r->isocal = false;
  r->year = r->monthsep = r->month = r->daysep = r->day = (cap){0, 0};
  r->weeksep = r->isoweek = r->weekdaysep = r->isoweekday = (cap){0, 0};
}

static bool rx_match(rx *r) {
  clear_date(r);
  bool y4 = ndigits(r, 0, 4) == 4;
  if (y4) {
    /* classic: year (monthsep? month (daysep? day)?)?   — COMMON: day group mandatory */
    r->date = true;
    r->year = (cap){0, 4};
    int sep_opts[2], nsep = 0;
    char c4 = at(r, 4);
    bool is_msep = r->common ? (c4 == '/' || c4 == ':') : c4 == '-';
    if (is_msep) sep_opts[nsep++] = 1;
    sep_opts[nsep++] = 0;
    for (int i = 0; i < nsep; i++) {
      int p = 4 + sep_opts[i];
      if (ndigits(r, p, 2) != 2) continue;
      r->monthsep = (cap){4, sep_opts[i]};
      r->month = (cap){p, 2};
      p += 2;
      char cd = at(r, p);
      bool is_dsep = r->common ? (cd == '/' || cd == ':') : cd == '-';
      int dsep_opts[2], nd = 0;
      if (is_dsep) dsep_opts[nd++] = 1;
      dsep_opts[nd++] = 0;
      for (int j = 0; j < nd; j++) {
        int q = p + dsep_opts[j];
        int dd = ndigits(r, q, 2);
        for (int l = dd; l >= (r->common ? 2 : 1); l--) {
          r->daysep = (cap){p, dsep_opts[j]};
          r->day = (cap){q, l};
          if (time_then_end(r, q + l)) return true;
        }
      }
      r->daysep = r->day = (cap){0, 0};
      if (!r->common && time_then_end(r, p)) return true;
    }
    r->monthsep = r->month = (cap){0, 0};
    if (time_then_end(r, 4)) return true;
    /* isocalendar: isoyear weeksep? W isoweek weekdaysep? isoweekday? */
    if (!r->common) {
      r->isocal = true;
      int ws_opts[2], nws = 0;
      if (at(r, 4) == '-') ws_opts[nws++] = 1;
      ws_opts[nws++] = 0;
      for (int i = 0; i < nws; i++) {
        int p = 4 + ws_opts[i];
        if (at(r, p) != 'W' || ndigits(r, p + 1, 2) != 2) continue;
        r->weeksep = (cap){4, ws_opts[i]};
        r->isoweek = (cap){p + 1, 2};
        p += 3;
        int wd_opts[2], nwd = 0;
        if (at(r, p) == '-') wd_opts[nwd++] = 1;
        wd_opts[nwd++] = 0;
        for (int j = 0; j < nwd; j++) {
          int q = p + wd_opts[j];
          r->weekdaysep = (cap){p, wd_opts[j]};
          if (isdig(at(r, q))) {
            r->isoweekday = (cap){q, 1};
            if (time_then_end(r, q + 1)) return true;
          }
          r->isoweekday = (cap){0, 0};
          if (time_then_end(r, q)) return true;
        }
      }
    }
  }
  clear_date(r);
  return time_then_end(r, 0);
}

static int num(const rx *r, cap c) {
  int v = 0;
  for (int i = 0; i < c.l; i++) v = v * 10 + (r->s[c.s + i] - '0');
  return v;
}

/* int(f"{sub[:6]:0<6}") */
static int micro(const rx *r, cap sub) {
  int v = 0;
  for (int i = 0; i < 6; i++) v = v * 10 + (i < sub.l ? r->s[sub.s + i] - '0' : 0);
  return v;
}

static bool finish_time(cdlt_iso_parsed *o, int hour, int minute, int second, int us) {
  if (!valid_time(hour, minute, second, us)) return false;
  o->hour = hour;
  o->minute = minute;
  o->second = second;
  o->microsecond = us;
  return true;
}

/* kind and date of a parsed DATE / DATETIME */
static void set_date(cdlt_iso_parsed *o, cdlt_iso_kind kind, int64_t year, int month, int day) {
  o->kind = kind;
  o->year = (int32_t)year;
  o->month = month;
  o->day = day;
}

/* pendulum.helpers.is_long_year */
static bool pendulum_is_long_year(int64_t y) {
#define P(x) ((x) + cdlt_floordiv((x), 4) - cdlt_floordiv((x), 100) + cdlt_floordiv((x), 400))
  return cdlt_floormod(P(y), 7) == 4 || cdlt_floormod(P(y - 1), 7) == 3;
#undef P
}

/* pendulum parsing.iso8601.parse_iso8601 (pure Python) */
static bool pendulum_iso8601(const char *s, int n, cdlt_iso_parsed *o) {
  rx r;
  memset(&r, 0, sizeof r);
  r.s = s;
  r.n = n;
  r.common = false;
  if (!rx_match(&r)) return false;
  bool ambiguous = false, is_date = false;
  int64_t year = 0;
  int month = 1, day = 1;
  if (r.date) {
    is_date = true;
    if (r.isocal) {
      if (r.weeksep.l && !r.weekdaysep.l && r.isoweekday.l) return false;
      if (!r.weeksep.l && r.weekdaysep.l) return false;
      int64_t y = num(&r, r.year);
      int week = num(&r, r.isoweek);
      int wd = r.isoweekday.l ? num(&r, r.isoweekday) : 1;
      if (week > 53 || (week > 52 && !pendulum_is_long_year(y))) return false;
      if (wd > 7) return false;
      int64_t jan4 = cdlt_days_from_civil(y, 1, 4);
      int64_t ordinal = (int64_t)week * 7 + wd - (iso_weekday(jan4) + 3);
      if (ordinal < 1) {
        ordinal += cdlt_is_leap_year(y - 1) ? 366 : 365;
        y -= 1;
      }
      if (ordinal > (cdlt_is_leap_year(y) ? 366 : 365)) {
        ordinal -= cdlt_is_leap_year(y) ? 366 : 365;
        y += 1;
      }
      /* datetime.strptime(f"{year}-{ordinal}", "%Y-%j"): %Y needs exactly 4 digits */
      if (y < 1000 || y > 9999) return false;
      int64_t yy;
      cdlt_civil_from_days(cdlt_days_from_civil(y, 1, 1) + ordinal - 1, &yy, &month, &day);
      year = yy;
    } else {
      year = num(&r, r.year);
      if (r.month.l) {
        if (r.day.l) {
          if (!r.daysep.l && r.day.l == 1) {
            /* ordinal day */
            int ordinal = num(&r, r.month) * 10 + num(&r, r.day);
            static const int offs[2][14] = {
                {-1, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
                {-1, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366}};
            const int *mo = offs[cdlt_is_leap_year(year) ? 1 : 0];
            if (ordinal > mo[13]) return false;
            for (int i = 1; i < 14; i++) {
              if (ordinal <= mo[i]) {
                day = ordinal - mo[i - 1];
                month = i - 1;
                break;
              }
            }
          } else {
            month = num(&r, r.month);
            day = num(&r, r.day);
          }
        } else {
          if (!r.monthsep.l) ambiguous = true;
          month = num(&r, r.month);
          day = 1;
        }
      }
    }
  }
  if (!r.time) {
    if (ambiguous) {
      /* hhmmss = f"{year!s}{month!s:0>2}"; time(int(hh[:2]), int(hh[2:4]), int(hh[4:])) */
      char hh[16];
      int l = snprintf(hh, sizeof hh, "%lld%02d", (long long)year, month);
      if (l < 5) return false;   /* int('') raises */
      int h = (hh[0] - '0') * 10 + (hh[1] - '0');
      int mi = (hh[2] - '0') * 10 + (hh[3] - '0');
      int sec = atoi(hh + 4);
      if (!finish_time(o, h, mi, sec, 0)) return false;
      o->kind = CDLT_ISO_TIME;
      o->has_offset = false;
      o->offset_s = 0;
      return true;
    }
    if (!valid_date(year, month, day)) return false;
    set_date(o, CDLT_ISO_DATE, year, month, day);
    return true;
  }
  if (ambiguous) return false;
  if (is_date && !r.t[T_SEP].l) return false;
  int hour = num(&r, r.t[T_HOUR]);
  int minute = 0, second = 0, us = 0;
  bool minsep = r.t[T_MINSEP].l > 0, secsep = r.t[T_SECSEP].l > 0;
  if (r.t[T_MIN].l) minute = num(&r, r.t[T_MIN]);
  else if (minsep) return false;
  if (secsep && !minsep && r.t[T_MIN].l) return false;
  if (r.t[T_SEC].l) {
    if (!secsep && minsep) return false;
    second = num(&r, r.t[T_SEC]);
  } else if (secsep) {
    return false;
  }
  if (r.t[T_SUB].l) us = micro(&r, (cap){r.t[T_SUB].s + 1, r.t[T_SUB].l - 1});
  bool has_off = false;
  int32_t off = 0;
  cap tz = r.t[T_TZ];
  if (tz.l) {
    has_off = true;
    if (s[tz.s] != 'Z') {
      bool neg = s[tz.s] == '-';
      int oh = num(&r, (cap){tz.s + 1, 2});
      int om = 0;
      if (tz.l == 4) return false;                    /* "+05:" -> int("") raises */
      if (tz.l == 6) om = num(&r, (cap){tz.s + 4, 2});
      else if (tz.l == 5) om = num(&r, (cap){tz.s + 3, 2});
      off = (oh * 60 + om) * 60;
      if (neg) off = -off;
      /* Python refuses utcoffset() outside (-24h, 24h) as soon as the value is used */
      if (off <= -86400 || off >= 86400) return false;
    }
  }
  if (!finish_time(o, hour, minute, second, us)) return false;
  o->has_offset = has_off;
  o->offset_s = off;
  if (!is_date) {
    o->kind = CDLT_ISO_TIME;
    return true;
  }
  if (!valid_date(year, month, day)) return false;
  set_date(o, CDLT_ISO_DATETIME, year, month, day);
  return true;
}

/* pendulum.parsing._parse_common with DEFAULT_OPTIONS (day_first False) */
static bool pendulum_common(const char *s, int n, cdlt_iso_parsed *o) {
  rx r;
  memset(&r, 0, sizeof r);
  r.s = s;
  r.n = n;
  r.common = true;
  if (!rx_match(&r)) return false;
  bool has_date = false;
  int64_t year = 0;
  int month = 1, day = 1;
  if (r.date) {
    has_date = true;
    year = num(&r, r.year);
    if (r.month.l) {
      month = num(&r, r.month);
      day = num(&r, r.day);
    }
  }
  if (!r.time) {
    if (!valid_date(year, month, day)) return false;
    set_date(o, CDLT_ISO_DATE, year, month, day);
    return true;
  }
  int hour = num(&r, r.t[T_HOUR]);
  if (!r.t[T_MIN].l) return false;   /* int(None) raises TypeError */
  int minute = num(&r, r.t[T_MIN]);
  int second = r.t[T_SEC].l ? num(&r, (cap){r.t[T_SEC].s + 1, r.t[T_SEC].l - 1}) : 0;
  int us = r.t[T_SUB].l ? micro(&r, (cap){r.t[T_SUB].s + 1, r.t[T_SUB].l - 1}) : 0;
  if (has_date && !valid_date(year, month, day)) return false;
  if (!finish_time(o, hour, minute, second, us)) return false;
  if (has_date) set_date(o, CDLT_ISO_DATETIME, year, month, day);
  else o->kind = CDLT_ISO_TIME;
  o->has_offset = false;
  o->offset_s = 0;
  return true;
}

/* The common shape of timestamps written by programs, "YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM]",
 * parsed directly: for it the first match of pendulum's ISO 8601 pattern (tried longest first) is
 * exactly these fields, so validating them as pendulum_iso8601 does gives its result. 1: parsed;
 * -1: not this shape, 0: not a valid datetime (then the general matcher decides).
 * tests/unit/test_isotime.c compares it with the general matcher. */
static int fast_iso_datetime(const char *s, size_t n, cdlt_iso_parsed *o) {
  if (n < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return -1;
  static const unsigned char digit_at[19] = {1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1};
  for (int i = 0; i < 19; i++)
    if (digit_at[i] && !isdig(s[i])) return -1;
  size_t p = 19;
  int us = 0;
  if (p < n && s[p] == '.') {
    size_t d = 0;
    while (p + 1 + d < n && d < 10 && isdig(s[p + 1 + d])) d++;
    if (d == 0 || d > 9) return -1;
    for (size_t i = 0; i < 6; i++) us = us * 10 + (i < d ? s[p + 1 + i] - '0' : 0);
    p += 1 + d;
  }
  bool has_off = false;
  int32_t off = 0;
  if (p < n && s[p] == 'Z') {
    has_off = true;
    p++;
  } else if (p < n && (s[p] == '+' || s[p] == '-')) {
    if (p + 6 != n || !isdig(s[p + 1]) || !isdig(s[p + 2]) || s[p + 3] != ':' || !isdig(s[p + 4]) || !isdig(s[p + 5]))
      return -1;
    has_off = true;
    off = (((s[p + 1] - '0') * 10 + (s[p + 2] - '0')) * 60 + (s[p + 4] - '0') * 10 + (s[p + 5] - '0')) * 60;
    if (s[p] == '-') off = -off;
    p += 6;
  }
  if (p != n) return -1;
  int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int month = (s[5] - '0') * 10 + (s[6] - '0'), day = (s[8] - '0') * 10 + (s[9] - '0');
  int hour = (s[11] - '0') * 10 + (s[12] - '0'), minute = (s[14] - '0') * 10 + (s[15] - '0');
  int second = (s[17] - '0') * 10 + (s[18] - '0');
  if (off <= -86400 || off >= 86400 || !valid_date(year, month, day)) return 0;
  if (!finish_time(o, hour, minute, second, us)) return 0;
  set_date(o, CDLT_ISO_DATETIME, year, month, day);
  o->has_offset = has_off;
  o->offset_s = off;
  return 1;
}

cdlt_iso_kind cdlt_parse_iso_like(const char *s, size_t len, cdlt_iso_parsed *out) {
  cdlt_iso_parsed tmp;
  cdlt_iso_parsed *o = out ? out : &tmp;
  memset(o, 0, sizeof *o);
  if (len <= MAXLEN) {
    if (fast_iso_datetime(s, len, o) == 1) return o->kind;
  }
  return cdlt_parse_iso_like_general(s, len, out);
}

cdlt_iso_kind cdlt_parse_iso_like_general(const char *s, size_t len, cdlt_iso_parsed *out) {
  cdlt_iso_parsed tmp;
  cdlt_iso_parsed *o = out ? out : &tmp;
  memset(o, 0, sizeof *o);
  /* Nothing either regex accepts is longer than 35 bytes or starts with 'P' (durations). */
  if (len == 0 || len > MAXLEN || s[0] == 'P') return CDLT_ISO_NONE;
  if (pendulum_iso8601(s, (int)len, o)) return o->kind;
  memset(o, 0, sizeof *o);
  if (pendulum_common(s, (int)len, o)) return o->kind;
  memset(o, 0, sizeof *o);
  return CDLT_ISO_NONE;
}

static int64_t parsed_epoch_us(const cdlt_iso_parsed *p) {
  int64_t days = cdlt_days_from_civil(p->year, p->month, p->day);
  int64_t secs = days * 86400 + p->hour * 3600 + p->minute * 60 + p->second - p->offset_s;
  return secs * CDLT_US_PER_SEC + p->microsecond;
}

bool cdlt_detect_iso_timestamp(const char *s, size_t len, cdlt_datetime *out) {
  /* A datetime needs a 4-digit year first and at least one hour digit: "2024T1" is the shortest. */
  if (len < 6 || len > MAXLEN) return false;
  if (!isdig(s[0]) || !isdig(s[1]) || !isdig(s[2]) || !isdig(s[3])) return false;
  cdlt_iso_parsed p;
  if (cdlt_parse_iso_like(s, len, &p) != CDLT_ISO_DATETIME) return false;
  if (out) {
    out->epoch_us = parsed_epoch_us(&p);
    out->offset_s = p.offset_s;
    out->has_offset = p.has_offset;
  }
  return true;
}

bool cdlt_detect_iso_date(const char *s, size_t len, int32_t *days) {
  /* Every date form starts with a 4-digit year. */
  if (len < 4 || len > MAXLEN) return false;
  if (!isdig(s[0]) || !isdig(s[1]) || !isdig(s[2]) || !isdig(s[3])) return false;
  cdlt_iso_parsed p;
  if (cdlt_parse_iso_like(s, len, &p) != CDLT_ISO_DATE) return false;
  if (days) *days = (int32_t)cdlt_days_from_civil(p.year, p.month, p.day);
  return true;
}

/* ------------------------------------------------------------------------------------------ */
/* coercions                                                                                    */

bool cdlt_timestamp_from_unix_int(int64_t secs, int64_t *epoch_us) {
  if (secs < MIN_EPOCH_S || secs > MAX_EPOCH_S) return false;
  *epoch_us = secs * CDLT_US_PER_SEC;
  return true;
}

/* CPython _PyTime_RoundHalfEven */
static double round_half_even(double x) {
  double rounded = round(x);
  if (fabs(x - rounded) == 0.5) rounded = 2.0 * round(x / 2.0);
  return rounded;
}

bool cdlt_timestamp_from_unix_double(double secs, int64_t *epoch_us) {
  if (!isfinite(secs)) return false;
  /* CPython _PyTime_DoubleToDenominator(d, 1e6, ROUND_HALF_EVEN) */
  double intpart;
  double frac = modf(secs, &intpart);
  frac = round_half_even(frac * 1e6);
  if (frac >= 1e6) {
    frac -= 1e6;
    intpart += 1.0;
  } else if (frac < 0) {
    frac += 1e6;
    intpart -= 1.0;
  }
  if (intpart < (double)MIN_EPOCH_S || intpart > (double)MAX_EPOCH_S) return false;
  *epoch_us = (int64_t)intpart * CDLT_US_PER_SEC + (int64_t)frac;
  return true;
}

static inline bool py_space(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static bool ieq(const char *a, size_t n, const char *lit) {
  if (strlen(lit) != n) return false;
  for (size_t i = 0; i < n; i++) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != lit[i]) return false;
  }
  return true;
}

bool cdlt_py_float(const char *s, size_t len, double *out) {
  size_t b = 0, e = len;
  while (b < e && py_space((unsigned char)s[b])) b++;
  while (e > b && py_space((unsigned char)s[e - 1])) e--;
  if (b == e) return false;
  const char *p = s + b;
  size_t n = e - b;
  size_t i = 0;
  bool neg = false;
  if (p[0] == '+' || p[0] == '-') {
    neg = p[0] == '-';
    i = 1;
  }
  if (ieq(p + i, n - i, "inf") || ieq(p + i, n - i, "infinity")) {
    *out = neg ? -INFINITY : INFINITY;
    return true;
  }
  if (ieq(p + i, n - i, "nan")) {
    *out = NAN;
    return true;
  }
  /* digits (with single '_' between digits), optional '.', digits, optional exponent */
  char buf[512];
  size_t k = 0;
  if (n >= sizeof buf) return false;
  if (i) buf[k++] = p[0];
  size_t int_digits = 0, frac_digits = 0;
#define DIGITS(counter)                                                              \
  do {                                                                               \
    while (i < n) {                                                                  \
      if (isdig(p[i])) {                                                             \
        buf[k++] = p[i++];                                                           \
        counter++;                                                                   \
      } else if (p[i] == '_' && counter > 0 && i + 1 < n && isdig(p[i + 1]) && isdig(p[i - 1])) { \
        i++;                                                                         \
      } else {                                                                       \
        break;                                                                       \
      }                                                                              \
    }                                                                                \
  } while (0)
  DIGITS(int_digits);
  if (i < n && p[i] == '.') {
    buf[k++] = p[i++];
    DIGITS(frac_digits);
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    buf[k++] = p[i++];
    if (i < n && (p[i] == '+' || p[i] == '-')) buf[k++] = p[i++];
    size_t exp_digits = 0;
    DIGITS(exp_digits);
    if (exp_digits == 0) return false;
  }
#undef DIGITS
  if (i != n) return false;
  buf[k] = '\0';
  *out = strtod(buf, NULL);
  return true;
}

/* dlt _parse_pendulum_datetime(str) followed by conversion to an instant */
bool cdlt_coerce_text_to_timestamp(const char *s, size_t len, cdlt_datetime *out) {
  cdlt_iso_parsed p;
  cdlt_iso_kind k = cdlt_parse_iso_like(s, len, &p);
  if (k == CDLT_ISO_DATETIME) {
    out->epoch_us = parsed_epoch_us(&p);
    out->offset_s = p.offset_s;
    out->has_offset = p.has_offset;
    return true;
  }
  if (k == CDLT_ISO_DATE) {
    p.hour = p.minute = p.second = p.microsecond = 0;
    p.offset_s = 0;
    out->epoch_us = parsed_epoch_us(&p);
    out->offset_s = 0;
    out->has_offset = false;
    return true;
  }
  if (k == CDLT_ISO_TIME) return false;   /* "Cannot coerce ... to pendulum.DateTime" */
  double d;
  if (!cdlt_py_float(s, len, &d)) return false;
  if (!cdlt_timestamp_from_unix_double(d, &out->epoch_us)) return false;
  out->offset_s = 0;
  out->has_offset = true;   /* from_timestamp returns an aware UTC datetime */
  return true;
}

/* CPython date.fromisoformat (3.11+, C implementation), only the date forms. */
static bool py_date_fromisoformat(const char *s, size_t len, int64_t *days) {
  if (len != 7 && len != 8 && len != 10) return false;
#define C(i) ((size_t)(i) < len ? s[(i)] : '\0')
  size_t p = 0;
  int year = 0, month = 0, day = 0;
  for (int i = 0; i < 4; i++, p++) {
    if (!isdig(C(p))) return false;
    year = year * 10 + (C(p) - '0');
  }
  bool sep = C(p) == '-';
  if (sep) p++;
  if (C(p) == 'W') {
    p++;
    int week = 0, wd = 0;
    for (int i = 0; i < 2; i++, p++) {
      if (!isdig(C(p))) return false;
      week = week * 10 + (C(p) - '0');
    }
    if (p < len) {
      if (sep && C(p++) != '-') return false;
      if (!isdig(C(p))) return false;
      wd = C(p) - '0';
    } else {
      wd = 1;
    }
    if (year < 1 || year > 9999) return false;
    if (week <= 0 || week >= 53) {
      bool bad = true;
      if (week == 53) {
        int first = iso_weekday(cdlt_days_from_civil(year, 1, 1)) - 1;   /* Mon=0 */
        if (first == 3 || (first == 2 && cdlt_is_leap_year(year))) bad = false;
      }
      if (bad) return false;
    }
    if (wd <= 0 || wd >= 8) return false;
    int64_t jan4 = cdlt_days_from_civil(year, 1, 4);
    int64_t week1_monday = jan4 - (iso_weekday(jan4) - 1);
    int64_t d = week1_monday + (int64_t)(week - 1) * 7 + wd - 1;
    int64_t y;
    int m, dd;
    cdlt_civil_from_days(d, &y, &m, &dd);
    if (!valid_date(y, m, dd)) return false;
    *days = d;
    return true;
  }
  for (int i = 0; i < 2; i++, p++) {
    if (!isdig(C(p))) return false;
    month = month * 10 + (C(p) - '0');
  }
  if (sep && C(p++) != '-') return false;
  for (int i = 0; i < 2; i++, p++) {
    if (!isdig(C(p))) return false;
    day = day * 10 + (C(p) - '0');
  }
#undef C
  if (!valid_date(year, month, day)) return false;
  *days = cdlt_days_from_civil(year, month, day);
  return true;
}

bool cdlt_coerce_text_to_date(const char *s, size_t len, int32_t *days) {
  int64_t d;
  if (py_date_fromisoformat(s, len, &d)) {
    *days = (int32_t)d;
    return true;
  }
  cdlt_datetime dt;
  if (!cdlt_coerce_text_to_timestamp(s, len, &dt)) return false;
  *days = cdlt_date_from_epoch_us(dt.epoch_us);
  return true;
}

bool cdlt_date_from_unix_int(int64_t secs, int32_t *days) {
  int64_t us;
  if (!cdlt_timestamp_from_unix_int(secs, &us)) return false;
  *days = cdlt_date_from_epoch_us(us);
  return true;
}

bool cdlt_date_from_unix_double(double secs, int32_t *days) {
  int64_t us;
  if (!cdlt_timestamp_from_unix_double(secs, &us)) return false;
  *days = cdlt_date_from_epoch_us(us);
  return true;
}

int32_t cdlt_date_from_epoch_us(int64_t epoch_us) {
  return (int32_t)cdlt_floordiv(epoch_us, CDLT_US_PER_DAY);
}

int64_t cdlt_epoch_us_from_date(int32_t days) { return (int64_t)days * CDLT_US_PER_DAY; }

bool cdlt_parse_iso_time(const char *s, size_t len, int64_t *us_of_day) {
  cdlt_iso_parsed p;
  if (cdlt_parse_iso_like(s, len, &p) != CDLT_ISO_TIME) return false;
  int64_t us = ((int64_t)p.hour * 3600 + p.minute * 60 + p.second - p.offset_s) * CDLT_US_PER_SEC +
               p.microsecond;
  *us_of_day = cdlt_floormod(us, CDLT_US_PER_DAY);
  return true;
}

/* ------------------------------------------------------------------------------------------ */
/* formatting                                                                                   */

typedef struct {
  int64_t year;
  int month, day, hour, minute, second, us;
} fields;

static fields split_us(int64_t epoch_us) {
  fields f;
  int64_t days = cdlt_floordiv(epoch_us, CDLT_US_PER_DAY);
  int64_t rem = epoch_us - days * CDLT_US_PER_DAY;
  cdlt_civil_from_days(days, &f.year, &f.month, &f.day);
  int64_t secs = rem / CDLT_US_PER_SEC;
  f.us = (int)(rem % CDLT_US_PER_SEC);
  f.hour = (int)(secs / 3600);
  f.minute = (int)(secs / 60 % 60);
  f.second = (int)(secs % 60);
  return f;
}

static char *put2(char *o, int v) {
  o[0] = (char)('0' + v / 10);
  o[1] = (char)('0' + v % 10);
  return o + 2;
}

/* written by hand (not snprintf): every timestamp value of a load goes through here */
static size_t fmt_dt(int64_t epoch_us, char sep, bool always_us, const char *suffix, char out[40]) {
  fields f = split_us(epoch_us);
  if (f.year < 0 || f.year > 9999) {   /* rare: let printf deal with signs and widths */
    int n;
    if (f.us || always_us)
      n = snprintf(out, 40, "%04lld-%02d-%02d%c%02d:%02d:%02d.%06d%s", (long long)f.year, f.month, f.day,
                   sep, f.hour, f.minute, f.second, f.us, suffix);
    else
      n = snprintf(out, 40, "%04lld-%02d-%02d%c%02d:%02d:%02d%s", (long long)f.year, f.month, f.day, sep,
                   f.hour, f.minute, f.second, suffix);
    return n < 0 ? 0 : (n >= 40 ? 39 : (size_t)n);
  }
  char *o = out;
  o = put2(o, (int)(f.year / 100));
  o = put2(o, (int)(f.year % 100));
  *o++ = '-';
  o = put2(o, f.month);
  *o++ = '-';
  o = put2(o, f.day);
  *o++ = sep;
  o = put2(o, f.hour);
  *o++ = ':';
  o = put2(o, f.minute);
  *o++ = ':';
  o = put2(o, f.second);
  if (f.us || always_us) {
    *o++ = '.';
    o = put2(o, f.us / 10000);
    o = put2(o, f.us / 100 % 100);
    o = put2(o, f.us % 100);
  }
  size_t sl = strlen(suffix);
  memcpy(o, suffix, sl + 1);
  return (size_t)(o - out) + sl;
}

size_t cdlt_format_iso_utc(int64_t epoch_us, char out[40]) {
  return fmt_dt(epoch_us, 'T', false, "+00:00", out);
}

size_t cdlt_format_rfc3339_z(int64_t epoch_us, char out[40]) {
  return fmt_dt(epoch_us, 'T', false, "Z", out);
}

size_t cdlt_format_boundary(int64_t epoch_us, char out[40]) {
  return fmt_dt(epoch_us, ' ', true, "+00:00", out);
}

size_t cdlt_format_date(int32_t days, char out[16]) {
  int64_t y;
  int m, d;
  cdlt_civil_from_days(days, &y, &m, &d);
  int n = snprintf(out, 16, "%04lld-%02d-%02d", (long long)y, m, d);
  return n < 0 ? 0 : (n >= 16 ? 15 : (size_t)n);
}

size_t cdlt_format_time(int64_t us_of_day, char out[24]) {
  int64_t t = cdlt_floormod(us_of_day, CDLT_US_PER_DAY);
  int us = (int)(t % CDLT_US_PER_SEC);
  int64_t secs = t / CDLT_US_PER_SEC;
  int n;
  if (us)
    n = snprintf(out, 24, "%02d:%02d:%02d.%06d", (int)(secs / 3600), (int)(secs / 60 % 60),
                 (int)(secs % 60), us);
  else
    n = snprintf(out, 24, "%02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60),
                 (int)(secs % 60));
  return n < 0 ? 0 : (size_t)n;
}

int64_t cdlt_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * CDLT_US_PER_SEC + ts.tv_nsec / 1000;
}
