/* destination.h — the interface every destination implements (DuckDB, PostgreSQL, SQLite,
 * filesystem), as a struct of function pointers (SQLite's vfs / git's ref backends pattern).
 *
 * The core allocates `instance_size` bytes (zeroed) whose first member is cdlt_destination, calls
 * open, then the other methods, then close. Destinations know nothing of schemas or packages:
 * the loader generates SQL (sql_gen.h, with the dialect the destination exposes) and asks the
 * destination to execute it, to run queries, and to bulk-load job files. */
#ifndef CDLT_DESTINATIONS_DESTINATION_H
#define CDLT_DESTINATIONS_DESTINATION_H

#include <stdbool.h>
#include <stddef.h>

#include "schema/types.h"
#include "util/error.h"

typedef struct cdlt_destination cdlt_destination;
typedef struct cdlt_sql_dialect cdlt_sql_dialect;   /* sql_gen.h */

/* A query result: rows x columns of nullable text values (NULL pointer = SQL NULL). Values are
 * rendered as text by the destination: integers in decimal, bools "true"/"false", timestamps as
 * ISO 8601 in UTC ("2024-01-01T10:00:00+00:00" style, microseconds only when non-zero). */
typedef struct cdlt_rows {
  size_t nrows, ncols;
  char **col_names;   /* ncols */
  char **cells;       /* nrows * ncols, row-major */
} cdlt_rows;
void cdlt_rows_free(cdlt_rows *r);   /* frees contents, leaves r zeroed; NULL-safe */
static inline const char *cdlt_rows_get(const cdlt_rows *r, size_t row, size_t col) {
  return r->cells[row * r->ncols + col];
}

/* Connection settings for open(). Strings are borrowed for the duration of open(). */
typedef struct cdlt_destination_config {
  const char *credentials;      /* duckdb: database file path; postgres: connection string */
  const char *pipeline_name;
  const char *working_dir;      /* the pipeline working dir (for :pipeline: style paths) */
} cdlt_destination_config;

/* File formats a destination can bulk-load. */
typedef enum cdlt_file_format {
  CDLT_FORMAT_JSONL = 1,        /* one compact JSON object per line, optionally .gz */
  CDLT_FORMAT_CSV = 2,
  CDLT_FORMAT_PARQUET = 3,
  CDLT_FORMAT_INSERT_VALUES = 4
} cdlt_file_format;

typedef struct cdlt_destination_vtab {
  int abi_version;               /* 1; new methods are only ever appended */
  const char *name;              /* "duckdb" */
  size_t instance_size;          /* >= sizeof(cdlt_destination) */
  const cdlt_sql_dialect *dialect;
  unsigned supported_formats;    /* bit (1 << cdlt_file_format) */
  cdlt_file_format preferred_format;

  int (*open)(cdlt_destination *d, const cdlt_destination_config *cfg, cdlt_error *err);
  void (*close)(cdlt_destination *d);
  /* Executes one or more SQL statements (no result). */
  int (*execute)(cdlt_destination *d, const char *sql, cdlt_error *err);
  /* Runs one query; on success *out holds the result (free with cdlt_rows_free). */
  int (*query)(cdlt_destination *d, const char *sql, cdlt_rows *out, cdlt_error *err);
  int (*begin)(cdlt_destination *d, cdlt_error *err);
  int (*commit)(cdlt_destination *d, cdlt_error *err);
  int (*rollback)(cdlt_destination *d, cdlt_error *err);
  /* Bulk-loads a job file into an existing table `"<dataset>"."<table->name>"`. The file holds
   * exactly the columns of `table` (each row may omit a column: NULL). Runs inside the caller's
   * transaction if one is open. */
  int (*load_file)(cdlt_destination *d, const char *dataset, const cdlt_table_def *table,
                   const char *path, cdlt_file_format format, cdlt_error *err);
  /* A human-readable location for load info, with any password masked as ***. Static until close. */
  const char *(*location)(cdlt_destination *d);

  /* --- optional methods (appended; NULL = the loader uses SQL: INFORMATION_SCHEMA queries and
   * CREATE SCHEMA). For databases without INFORMATION_SCHEMA or schemas (SQLite). --- */
  /* Sets *exists when the dataset exists. */
  int (*dataset_exists)(cdlt_destination *d, const char *dataset, bool *exists, cdlt_error *err);
  /* Creates the dataset; may be called inside the loader's transaction. */
  int (*create_dataset)(cdlt_destination *d, const char *dataset, cdlt_error *err);
  /* The columns of those `tables` that exist in the dataset, shaped like the result of
   * cdlt_sql_columns_query: table_name, column_name, data_type, is_nullable ("YES"/"NO"),
   * numeric_precision, numeric_scale (NULL), ordered by table name, then column position. */
  int (*get_columns)(cdlt_destination *d, const char *dataset, const char *const *tables,
                     size_t ntables, cdlt_rows *out, cdlt_error *err);
  /* true: packages are written as files by load/load_files.c (filesystem), not loaded with SQL;
   * `dialect` is then only the dialect of the SQL that query/execute accept (DuckDB views). */
  bool writes_files;
  /* Bulk-loads n job files of one table, as load_file one after the other would, in the caller's
   * transaction (DuckDB: one INSERT for all). On error, *failed is the index of the file it is
   * about. NULL: the loader calls load_file per file. */
  int (*load_files)(cdlt_destination *d, const char *dataset, const cdlt_table_def *table, const char *const *paths,
                    size_t n, cdlt_file_format format, size_t *failed, cdlt_error *err);
} cdlt_destination_vtab;

struct cdlt_destination {
  const cdlt_destination_vtab *vtab;
};

/* Looks a destination up by name ("duckdb"); NULL if unknown. (registry.c) */
const cdlt_destination_vtab *cdlt_destination_find(const char *name);

/* Allocates and opens a destination; *out owned by caller, release with cdlt_destination_close. */
int cdlt_destination_open(const cdlt_destination_vtab *vt, const cdlt_destination_config *cfg,
                          cdlt_destination **out, cdlt_error *err);
void cdlt_destination_close(cdlt_destination *d);   /* closes and frees; NULL-safe */

#endif
