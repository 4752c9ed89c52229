/* pq_lazy.h — libpq loaded on first use (see pq_lazy.c). */
#ifndef CDLT_DESTINATIONS_PQ_LAZY_H
#define CDLT_DESTINATIONS_PQ_LAZY_H

#include "util/error.h"

/* Loads libpq once (thread-safe); 0, or CDLT_ERR_DESTINATION with the loader's message. Call
 * before the first libpq function. */
int cdlt_pq_available(cdlt_error *err);

#endif
