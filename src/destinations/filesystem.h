/* filesystem.h — the filesystem destination (dlt's `filesystem` with a local bucket): what the
 * file loader (load/load_files.c) and the destination's parts share.
 *
 * Layout on disk, as dlt's filesystem destination writes it:
 *   <bucket>/<dataset>/init                                   {"initial_version":2,"current_version":2}
 *   <bucket>/<dataset>/<layout>                               table data, default layout
 *                                                             "{table_name}/{load_id}.{file_id}.{ext}"
 *                                                             (+ ".gz" when compressed)
 *   <bucket>/<dataset>/_dlt_loads/<schema>__<load_id>.jsonl   one load record, written last
 *   <bucket>/<dataset>/_dlt_version/<schema>__<time>__<hex hash>.jsonl   schema versions
 *   <bucket>/<dataset>/_dlt_pipeline_state/<pipeline>__<load_id>__<hex schema hash>.jsonl
 * The parts: filesystem.c (vtab, configuration, query through in-memory DuckDB views),
 * filesystem_layout.c (layout placeholders, table prefixes, listing), filesystem_write.c (job file
 * → jsonl / csv / parquet, atomically). */
#ifndef CDLT_DESTINATIONS_FILESYSTEM_H
#define CDLT_DESTINATIONS_FILESYSTEM_H

#include <stdbool.h>
#include <stdint.h>

#include "destinations/destination.h"
#include "util/fs.h"

#define CDLT_FSD_DEFAULT_LAYOUT "{table_name}/{load_id}.{file_id}.{ext}"
#define CDLT_FSD_INIT_FILE "init"
#define CDLT_FSD_INIT_CONTENT "{\"initial_version\":2,\"current_version\":2}"

typedef struct cdlt_fsd {
  cdlt_destination base;
  char *bucket;        /* local directory, no trailing '/' */
  char *url;           /* file://<bucket>, for load info */
  char *layout;        /* DESTINATION__FILESYSTEM__LAYOUT or the default */
  char *file_format;   /* NORMALIZE__LOADER_FILE_FORMAT or NULL (jsonl) */
  bool compress;       /* jsonl/csv gzip unless DATA_WRITER__DISABLE_COMPRESSION */
  cdlt_destination *duck; /* lazily opened in-memory DuckDB (query, csv/parquet) */
} cdlt_fsd;

/* true when d is the filesystem destination */
bool cdlt_fsd_is(const cdlt_destination *d);

/* The in-memory DuckDB (a "duckdb" destination on ":memory:", opened on first use, owned by d)
 * used for csv/parquet writing and for queries. */
int cdlt_fsd_duck(cdlt_fsd *d, cdlt_destination **duck, cdlt_error *err);

/* --- layout (filesystem_layout.c) --- */
/* Validates a layout: known placeholders only, {table_name} present, only {schema_name} before it,
 * a separator after it. */
int cdlt_fsd_check_layout(const char *layout, cdlt_error *err);
/* The path of a table file relative to the dataset dir: the layout formatted for this job
 * (`ts_us` = the package's creation time: date placeholders, {timestamp}), ".<ext>" appended
 * when the layout has no {ext}, then ".gz" when gz. malloc'd into *out. */
int cdlt_fsd_format_path(const char *layout, const char *schema_name, const char *table, const char *load_id,
                         const char *file_id, const char *ext, bool gz, int64_t ts_us, char **out, cdlt_error *err);
/* Full paths of the files of `table` in <bucket>/<dataset> (the files under the table's layout
 * prefix; `_dlt_*` tables are folders), sorted; temp files ('.' names) skipped. */
int cdlt_fsd_list_table_files(const cdlt_fsd *d, const char *dataset, const char *schema_name, const char *table,
                              cdlt_fs_names *out, cdlt_error *err);

/* --- writing (filesystem_write.c) --- */
/* Writes the JSONL job file `src` (rows of `table`) to `dest_path` as format ("jsonl", "csv",
 * "parquet"; gz for jsonl/csv), creating parent dirs; atomic (temp file + rename). */
int cdlt_fsd_write_table_file(cdlt_fsd *d, const cdlt_table_def *table, const char *src, const char *dest_path,
                              const char *format, bool gz, cdlt_error *err);
/* Writes data to path atomically (temp file in the same dir), creating parent dirs. */
int cdlt_fsd_write_small(const char *path, const char *data, size_t len, cdlt_error *err);

/* The DuckDB read_json `columns` entry type and select expression (`pre "col" post`) of a column
 * read from JSON text, as the duckdb destination loads it. Appends to cols / sel. */
int cdlt_fsd_column_read_sql(cdlt_buf *cols, cdlt_buf *sel, const cdlt_column_def *c, bool all_varchar,
                             cdlt_error *err);

#endif
