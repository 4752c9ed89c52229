/* duckdb_lazy.h — libduckdb loaded on first use (see duckdb_lazy.c). */
#ifndef CDLT_DESTINATIONS_DUCKDB_LAZY_H
#define CDLT_DESTINATIONS_DUCKDB_LAZY_H

#include "util/error.h"

/* Loads libduckdb once (thread-safe); 0, or CDLT_ERR_DESTINATION with the loader's message.
 * Call before the first DuckDB function. */
int cdlt_duckdb_available(cdlt_error *err);

#endif
