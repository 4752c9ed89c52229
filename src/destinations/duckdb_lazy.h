/* duckdb_lazy.h — libduckdb loaded on first use (see duckdb_lazy.c). */
#ifndef CDLT_DESTINATIONS_DUCKDB_LAZY_H
#define CDLT_DESTINATIONS_DUCKDB_LAZY_H

#include <stdbool.h>

#include "util/error.h"

/* Loads libduckdb once (thread-safe); 0, or CDLT_ERR_DESTINATION with the loader's message.
 * Call before the first DuckDB function. */
int cdlt_duckdb_available(cdlt_error *err);

/* Returns the free pages of every arena of the jemalloc allocator built into libduckdb to the OS
 * now, so pages DuckDB freed during a bulk load stop counting toward the process's RSS (jemalloc
 * otherwise keeps them for about a second, ~15-20 MB during a load). Uses the allocator's exported
 * control function (duckdb_je_mallctl); a libduckdb without it (built with another allocator) is
 * left alone. Process-wide. */
void cdlt_duckdb_allocator_purge(void);

#endif
