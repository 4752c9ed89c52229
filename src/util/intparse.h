/* intparse.h — strict decimal integer text: `-?[0-9]{1,19}` within a range, nothing else (no sign
 * '+', no spaces, no exponent). Used where a value must convert exactly as the destination's own
 * strict integer input would (PostgreSQL's binary COPY, Parquet INT64 columns). */
#ifndef CDLT_UTIL_INTPARSE_H
#define CDLT_UTIL_INTPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The n bytes at s as an integer in [lo, hi] into *out; false (out untouched) when they are not
 * one or it is outside the range. */
bool cdlt_parse_int_strict(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out);

#endif
