/* loadid.c — see loadid.h. */
#include "util/loadid.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json/json.h"
#include "util/isotime.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static double g_last = 0.0;

/* CPython time.time(): _PyTime_AsSecondsDouble of the CLOCK_REALTIME nanoseconds. */
static double py_time_time(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t ns = (int64_t)ts.tv_sec * INT64_C(1000000000) + ts.tv_nsec;
  if (ns % INT64_C(1000000000) == 0) return (double)(ns / INT64_C(1000000000));
  return (double)ns / 1e9;
}

void cdlt_load_id_new(char out[32]) {
  double wall = py_time_time();
  pthread_mutex_lock(&g_lock);
  if (wall > g_last) g_last = wall;
  else g_last = nextafter(g_last, INFINITY);
  double t = g_last;
  pthread_mutex_unlock(&g_lock);
  char buf[33];
  size_t n = cdlt_format_double(t, buf);
  if (n > 31) n = 31;
  memcpy(out, buf, n);
  out[n] = '\0';
}

int64_t cdlt_load_id_to_us(const char *load_id) {
  double d;
  int64_t us;
  if (!load_id || !cdlt_py_float(load_id, strlen(load_id), &d)) return 0;
  if (!cdlt_timestamp_from_unix_double(d, &us)) return 0;
  return us;
}

void cdlt_dev_mode_suffix(int64_t epoch_us, char out[16]) {
  time_t secs = (time_t)cdlt_floordiv(epoch_us, CDLT_US_PER_SEC);
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  localtime_r(&secs, &tm);
  int h12 = tm.tm_hour % 12;
  if (h12 == 0) h12 = 12;
  snprintf(out, 16, "_%04d%02d%02d%02d%02d%02d", (tm.tm_year + 1900) % 10000, tm.tm_mon + 1,
           tm.tm_mday, h12, tm.tm_min, tm.tm_sec);
}
