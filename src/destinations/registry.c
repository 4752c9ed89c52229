/* registry.c — the destinations compiled into cdlt, by name. */
#include "destinations/destination.h"

#include <string.h>

extern const cdlt_destination_vtab cdlt_duckdb_destination;   /* duckdb.c */
extern const cdlt_destination_vtab cdlt_postgres_destination; /* postgres.c */
extern const cdlt_destination_vtab cdlt_sqlite_destination;   /* sqlite.c */
extern const cdlt_destination_vtab cdlt_filesystem_destination; /* filesystem.c */

static const cdlt_destination_vtab *const registry[] = {&cdlt_duckdb_destination, &cdlt_postgres_destination,
                                                     &cdlt_sqlite_destination, &cdlt_filesystem_destination};

const cdlt_destination_vtab *cdlt_destination_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < sizeof registry / sizeof *registry; i++)
    if (strcmp(registry[i]->name, name) == 0) return registry[i];
  return NULL;
}
