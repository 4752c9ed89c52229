/* snappy_lazy.h — libsnappy is loaded on first use (see snappy_lazy.c). */
#ifndef CDLT_FORMATS_SNAPPY_LAZY_H
#define CDLT_FORMATS_SNAPPY_LAZY_H

#include "util/error.h"

/* Loads libsnappy once ("libsnappy.so.1", else "libsnappy.so", or $CDLT_SNAPPY_LIBRARY). 0, or an
 * error naming the library when it cannot be loaded. Call it before snappy_compress /
 * snappy_max_compressed_length, which snappy_lazy.c defines and forwards to the library. */
int cdlt_snappy_available(cdlt_error *err);

#endif
