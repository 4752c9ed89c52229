/* duckdb_internal.h — what the DuckDB destination's files share: the destination instance and
 * the limits of a bulk load. duckdb.c opens, queries and runs transactions; duckdb_load.c bulk-loads
 * job files. Not a public interface. */
#ifndef CDLT_DESTINATIONS_DUCKDB_INTERNAL_H
#define CDLT_DESTINATIONS_DUCKDB_INTERNAL_H

#include <duckdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "destinations/destination.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/error.h"

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
#define DUCK_LOAD_THREADS 1u

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
  unsigned load_threads;   /* ... and the threads a bulk load set (0: none, DuckDB's default) */
  unsigned threads;        /* the configured threads, else the online cores: the parallel load's */
  long long scan_block;    /* bytes of a block of the parallel load (load_block_size) */
  long long row_group_size; /* rows of a row group of the attached file */
  bool scan_registered;    /* cdlt_job_scan() is registered on the connection */
  void *scan;              /* the parallel load running (duckdb_scan.c), read by cdlt_job_scan() */
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
 * running bulk load to `need` bytes (when higher) and runs DuckDB on `threads` threads (the serial
 * load: DUCK_LOAD_THREADS); need 0: back to DuckDB's defaults. Best effort. */
void cdlt_duck_load_settings(duck *d, long long need, unsigned threads);

/* The destination's load_file (duckdb_load.c): appends one jsonl job file to dataset.table in the
 * connection's open transaction. 0 or an error in err; memory bounded (see duckdb_load.c). */
int cdlt_duck_load_file(cdlt_destination *base, const char *dataset, const cdlt_table_def *table, const char *path,
                        cdlt_file_format format, cdlt_error *err);
/* load_files: several job files of one table, in one parallel INSERT when the scan takes them
 * (otherwise one by one); *failed: the index of the file an error is about. */
int cdlt_duck_load_files(cdlt_destination *base, const char *dataset, const cdlt_table_def *table,
                         const char *const *paths, size_t n, cdlt_file_format format, size_t *failed, cdlt_error *err);


/* ------------------------------------------------------------ job rows → DuckDB chunks (duckdb_rows.c)
 * Both bulk loads (the serial appender of duckdb_load.c and the parallel table function of
 * duckdb_scan.c) read the rows of a normalized jsonl job with cdlt's JSON reader and fill typed
 * 2048-row chunks: BIGINT, DOUBLE, BOOLEAN or VARCHAR vectors; a column whose type needs parsing
 * (timestamps, dates, decimals, base64, JSON, HUGEINT) is appended as VARCHAR and converted by the
 * INSERT's SELECT (duckdb_cast.c), so nothing depends on DuckDB's format detection. */

/* how a column's values are appended. DUCK_COL_TIMESTAMP: a timestamp column has two vectors, its
 * text (VARCHAR, CAST in SQL) and a TIMESTAMP WITH TIME ZONE one that takes the values of the
 * shape cdlt's normalizer writes, parsed here (cdlt_duck_fast_timestamp); the SELECT takes
 * COALESCE(fast, CAST(text AS TIMESTAMPTZ)), so any other text is still DuckDB's to judge. */
typedef enum { DUCK_COL_TEXT, DUCK_COL_BIGINT, DUCK_COL_DOUBLE, DUCK_COL_BOOL, DUCK_COL_JSON, DUCK_COL_TIMESTAMP } duck_col_kind;

/* one column while rows are put into a chunk */
typedef struct duck_col {
  const char *name;   /* the table's (borrowed) */
  size_t name_len;
  duck_col_kind kind;
  duckdb_vector vec;  /* bound by duck_rows_bind */
  void *data;
  uint64_t *validity;
  bool seen;          /* set in the current row */
  /* DUCK_COL_TIMESTAMP: the chunk's column of the parsed values, and whether this row's value went
   * there (then the text vector's row is NULL) */
  size_t ts_index;
  int64_t *ts_data;
  uint64_t *ts_validity;
  bool ts_fast;
} duck_col;

/* the rows of one job file being put into chunks by one thread */
typedef struct duck_rows {
  const char *path, *table;   /* for messages (borrowed) */
  size_t ncols;
  duck_col *cols;             /* owned */
  /* the chunk's columns: the table's ncols, then one per DUCK_COL_TIMESTAMP column; their names
   * (the table's, then "cdlt\x01ts<i>"), owned */
  size_t nvec;
  char **vec_names;
  cdlt_buf scratch;           /* JSON text of json / nested values */
  uint64_t line;              /* line of the current row, for messages */
  cdlt_error err;             /* the error of the last failed call */
} duck_rows;

/* The loading plan of a table: each column's kind (into rows->cols, which it allocates), the
 * chunk's column names (rows->vec_names) and logical types (*types: rows->nvec, caller destroys
 * each and frees the array) and
 * `INSERT INTO "dataset"."table" (cols) SELECT <conversions> FROM <source>` into sql.
 * rows->path/table are set by the caller. 0 or an error in err. */
int cdlt_duck_rows_plan(duck_rows *rows, const char *dataset, const cdlt_table_def *table, const char *source,
                        duckdb_logical_type **types, cdlt_buf *sql, cdlt_error *err);
/* A timestamp of the shape cdlt's normalizer writes (YYYY-MM-DDTHH:MM:SS[.f up to 6 digits]
 * followed by +00:00 or Z; a valid date and time) as microseconds since 1970-01-01 UTC into *us,
 * exactly as DuckDB's CAST to TIMESTAMPTZ reads it: true; anything else false. */
bool cdlt_duck_fast_timestamp(const char *s, size_t n, int64_t *us);
/* Frees what _plan and the filling allocated (not the types). */
void cdlt_duck_rows_release(duck_rows *rows);
/* Binds the columns to the vectors of chunk (whose columns are the plan's types). */
void cdlt_duck_rows_bind(duck_rows *rows, duckdb_data_chunk chunk);
/* The column a row's key names (borrowed from rows): the one after the last matched column first
 * (*hint, which it updates; rows are written in column order), else a scan; NULL when the key is
 * not a column. */
duck_col *cdlt_duck_rows_find_col(duck_rows *rows, size_t *hint, const char *key, size_t len);
/* Puts item as row r of the bound chunk. 0, or an error in rows->err naming path, table, line and
 * column. */
int cdlt_duck_rows_put(duck_rows *rows, idx_t r, const cdlt_json_value *item);
/* The fast path of _put (duckdb_line.c): puts one line of a job file (its bytes, without the line
 * end; borrowed) as row r of the bound chunk without building a JSON document. 0 when it did,
 * exactly as the reader and _put would have; 1 when it declined (anything but a compact object of
 * column keys with values of the column's kind, or anything invalid): then row r holds partial
 * values and the caller must put the line with the reader and _put, which overwrite every column's
 * validity and report any error. Never fails itself: rows->err is untouched. */
int cdlt_duck_rows_put_line(duck_rows *rows, idx_t r, const char *line, size_t len);
/* "duckdb: cannot load '<path>' into '<table>': <fmt...>" into err; returns CDLT_ERR_DESTINATION */
int cdlt_duck_rows_fail(cdlt_error *err, const duck_rows *rows, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ the parallel load (duckdb_scan.c)
 * Job files of at least DUCK_SCAN_MIN_BLOCKS blocks of d->scan_block bytes (plain jsonl, loaded
 * where row order does not matter) are read by the table function cdlt_job_scan() on DuckDB's
 * threads. */
#define DUCK_SCAN_BLOCK_BYTES ((long long)8 << 20)
#define DUCK_SCAN_MIN_BLOCKS 2
/* Registers cdlt_job_scan() on the connection (at open; best effort: a failure leaves every load
 * serial). 0 or an error. */
int cdlt_duck_scan_register(duck *d, cdlt_error *err);
/* Whether the n job files at paths (size bytes in all) of one table are loaded by the parallel
 * scan, with how many threads (set in *threads). */
bool cdlt_duck_scan_wanted(const duck *d, const cdlt_table_def *table, const char *const *paths, size_t n,
                           uint64_t size, unsigned *threads);
/* Loads the n job files at paths into dataset.table with one parallel scan (one INSERT) on
 * `threads` threads, in the connection's open transaction. 0, or an error in err and (failed not
 * NULL) in *failed the index of the file it is about (0 when it is about none). */
int cdlt_duck_scan_load(duck *d, const char *dataset, const cdlt_table_def *table, const char *const *paths, size_t n,
                        unsigned threads, size_t *failed, cdlt_error *err);

#endif
