/* loadid.h — load ids (§5.1) and the dev_mode dataset suffix (§15). */
#ifndef CDLT_UTIL_LOADID_H
#define CDLT_UTIL_LOADID_H

#include <stdint.h>

/* New load id: Python `str(time.time())` — the shortest repr of the Unix time as a double
 * (e.g. "1795272839.8907554"). Strictly increasing within the process (when the clock does not
 * advance, the previous value is bumped with nextafter(prev, +inf), like dlt's
 * LockedMonotonicPreciseTime). Thread-safe. out receives at most 32 bytes incl. NUL. */
void cdlt_load_id_new(char out[32]);

/* Package created_at of a load id: from_timestamp(float(load_id)) in microseconds (UTC, rounded
 * half-even like CPython). Returns 0 for text that is not a number. */
int64_t cdlt_load_id_to_us(const char *load_id);

/* dev_mode dataset suffix "_YYYYMMDDhhmmss" from LOCAL time of epoch_us, `hh` being the 12-hour
 * clock (pendulum token: 00:xx -> 12, 15:04:05 -> 030405). out gets 15 chars + NUL. */
void cdlt_dev_mode_suffix(int64_t epoch_us, char out[16]);

#endif
