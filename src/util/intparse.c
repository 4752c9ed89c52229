/* intparse.c — strict decimal integer text (see intparse.h). */
#include "util/intparse.h"

bool cdlt_parse_int_strict(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out) {
  size_t i = 0;
  bool neg = n && s[0] == '-';
  if (neg) i++;
  if (i == n || n - i > 19) return false;
  uint64_t x = 0;
  for (; i < n; i++) {
    unsigned d = (unsigned char)s[i] - '0';
    if (d > 9) return false;
    x = x * 10 + d;   /* at most 19 digits: no uint64 overflow */
  }
  if (neg ? x > (uint64_t)-(lo + 1) + 1 : x > (uint64_t)hi) return false;
  *out = neg ? (int64_t)(0 - x) : (int64_t)x;
  return true;
}
