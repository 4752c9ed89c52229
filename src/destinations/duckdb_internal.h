/* duckdb_internal.h — what the DuckDB destination's files share: the destination instance and
 * the limits of a bulk load. duckdb.c opens, queries and runs transactions; duckdb_load.c bulk-loads
 * job files. Not a public interface. */
#ifndef CDLT_DESTINATIONS_DUCKDB_INTERNAL_H
#define CDLT_DESTINATIONS_DUCKDB_INTERNAL_H

#include <duckdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "destinations/destination.h"

/* Without a configured memory_limit a bulk load runs under DUCK_LOAD_MEMORY_BASE +
 * DUCK_LOAD_MEMORY_PER_COLUMN x the table's columns (+ DUCK_LOAD_MEMORY_PER_ITEM x the largest
 * row read so far, when over 1 MiB): appending pins one 256 KiB block of each column's data and
 * validity, a long string is copied into blocks of its size a few times (appender, INSERT,
 * table); the rest — written blocks DuckDB would otherwise keep cached, up to 80% of RAM — is
 * evicted. Other statements run without a limit (DuckDB's default). docs/internals/PERF_DUCKDB.md */
#define DUCK_LOAD_MEMORY_BASE ((long long)8 << 20)
#define DUCK_LOAD_MEMORY_PER_COLUMN ((long long)640 << 10)
#define DUCK_LOAD_MEMORY_PER_ITEM 4

/* DuckDB threads during a bulk load without a configured thread count: the appender's INSERT
 * gains nothing from more, each more costs CPU and memory (nested set: 5.6 vs 5.0 s user, 97 vs
 * 90 MB with 2 threads) */
#define DUCK_LOAD_THREADS "1"

/* Rows load_file appended to one table in the open transaction (see cdlt_duck_appended). */
typedef struct duck_appended {
  char *table;      /* "<dataset>\x1f<table>" */
  uint64_t rows;
} duck_appended;

typedef struct duck {
  cdlt_destination base;
  duckdb_database db;
  duckdb_connection con;
  char *path;
  bool has_db, has_con;
  bool auto_limit;         /* no memory_limit configured: load_file sets one from the table width */
  char default_limit[64];  /* DuckDB's own memory_limit at open (text), set back after a bulk load */
  long long load_limit;    /* the memory limit (bytes) set for the running bulk load, 0 = none */
  bool auto_threads;       /* no threads configured: bulk loads run on DUCK_LOAD_THREADS */
  bool load_threads;       /* ... and that setting is on */
  bool in_transaction;     /* begin was called, commit/rollback not yet */
  duck_appended *appended; /* per table, the rows bulk-loaded in the open transaction */
  size_t nappended;
} duck;

/* The rows bulk-loaded into dataset.table since the open transaction began (0 outside one), and
 * adding to them (duckdb.c). DuckDB keeps per-row version info (8 bytes a row, until the commit)
 * for every 2048-row vector that a transaction fills in more than one append; a second job file of
 * the same table would otherwise start in the middle of a vector and every vector of it would pay
 * that: ~6 MB per million rows, memory growing with the input (docs/internals/PERF_DUCKDB.md). */
uint64_t cdlt_duck_appended(const duck *d, const char *dataset, const char *table);
/* Returns 0, or CDLT_ERR_NOMEM (then the next load of the table is only unaligned: no error). */
int cdlt_duck_appended_add(duck *d, const char *dataset, const char *table, uint64_t rows);

/* Settings of a bulk load that are not configured (duckdb.c): raises the memory limit of the
 * running bulk load to `need` bytes (when higher) and runs DuckDB on one thread
 * (DUCK_LOAD_THREADS); need 0: back to DuckDB's defaults. Best effort. */
void cdlt_duck_load_settings(duck *d, long long need);

/* The destination's load_file (duckdb_load.c): appends one jsonl job file to dataset.table in the
 * connection's open transaction. 0 or an error in err; memory bounded (see duckdb_load.c). */
int cdlt_duck_load_file(cdlt_destination *base, const char *dataset, const cdlt_table_def *table, const char *path,
                        cdlt_file_format format, cdlt_error *err);

#endif
