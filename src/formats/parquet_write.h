/* parquet_write.h — a streaming Parquet file writer: flat schemas of OPTIONAL columns, data pages
 * v1, PLAIN encoding or RLE_DICTIONARY (falling back to PLAIN when the dictionary stops paying
 * or outgrows its bound), RLE/bit-packed definition levels, snappy compression, column
 * statistics (null_count, min/max). Memory is bounded by one row group (bytes and rows), never
 * by the file. The column annotations are those DuckDB's COPY ... (FORMAT parquet) writes for
 * the same DuckDB types (docs/internals/PARQUET.md).
 *
 *   cdlt_pq_writer *w;
 *   cdlt_pq_writer_open(&w, path, specs, n, NULL, &err);
 *   for each row: one cdlt_pq_put_* (or cdlt_pq_put_null) per column, then cdlt_pq_end_row(w, &err);
 *   cdlt_pq_writer_close(w, &err);    (writes the footer)
 *   cdlt_pq_writer_free(w);
 *
 * A writer is used by one thread at a time. */
#ifndef CDLT_FORMATS_PARQUET_WRITE_H
#define CDLT_FORMATS_PARQUET_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* physical types (Parquet's Type enum values) */
typedef enum cdlt_pq_type {
  CDLT_PQ_BOOLEAN = 0,
  CDLT_PQ_INT32 = 1,
  CDLT_PQ_INT64 = 2,
  CDLT_PQ_DOUBLE = 5,
  CDLT_PQ_BYTE_ARRAY = 6,
  CDLT_PQ_FIXED = 7   /* FIXED_LEN_BYTE_ARRAY of type_length bytes */
} cdlt_pq_type;

/* the converted type / logical type written with a column */
typedef enum cdlt_pq_annotation {
  CDLT_PQ_ANN_NONE = 0,
  CDLT_PQ_ANN_UTF8,               /* converted UTF8 */
  CDLT_PQ_ANN_JSON,               /* converted JSON + logical JSON */
  CDLT_PQ_ANN_INT64,              /* converted INT_64 */
  CDLT_PQ_ANN_DATE,               /* converted DATE */
  CDLT_PQ_ANN_TIME_MICROS,        /* converted TIME_MICROS + logical TIME(utc, MICROS) */
  CDLT_PQ_ANN_TIMESTAMP_MICROS,   /* converted TIMESTAMP_MICROS + logical TIMESTAMP(utc, MICROS) */
  CDLT_PQ_ANN_DECIMAL             /* converted DECIMAL + scale/precision + logical DECIMAL */
} cdlt_pq_annotation;

typedef struct cdlt_pq_column_spec {
  const char *name;   /* copied by the writer */
  cdlt_pq_type type;
  cdlt_pq_annotation ann;
  bool utc;           /* isAdjustedToUTC of TIME / TIMESTAMP */
  int type_length;    /* CDLT_PQ_FIXED */
  int precision, scale;   /* CDLT_PQ_ANN_DECIMAL */
} cdlt_pq_column_spec;

typedef struct cdlt_pq_options {
  size_t row_group_bytes;   /* buffered bytes (pages, dictionaries) that end a row group; 0 = 8 MiB */
  size_t row_group_rows;    /* rows that end a row group; 0 = 122880 */
  size_t page_bytes;        /* PLAIN-size of a data page's values; 0 = 1 MiB */
  size_t dict_bytes;        /* dictionary size beyond which a column chunk falls back to PLAIN; 0 = 1 MiB */
  bool no_dictionary;       /* never dictionary-encode */
  bool no_compression;      /* UNCOMPRESSED instead of SNAPPY */
  const char *created_by;   /* NULL = "cdlt version <version>" */
} cdlt_pq_options;

typedef struct cdlt_pq_writer cdlt_pq_writer;

/* Creates path (truncating it) and returns a writer of its ncols columns (specs copied; the root
 * schema element is named "duckdb_schema", as DuckDB names it). opt NULL = defaults.
 * Errors: CDLT_ERR_IO (path), CDLT_ERR_USAGE (no columns, bad spec), CDLT_ERR_NOMEM. */
int cdlt_pq_writer_open(cdlt_pq_writer **out, const char *path, const cdlt_pq_column_spec *specs, size_t ncols,
                        const cdlt_pq_options *opt, cdlt_error *err);

/* One value of column col in the current row. Return 0 or CDLT_ERR_NOMEM. The value's type must
 * be the column's physical type (bytes: BYTE_ARRAY, or FIXED with exactly type_length bytes;
 * a FIXED value of another length returns CDLT_ERR_USAGE). */
int cdlt_pq_put_null(cdlt_pq_writer *w, size_t col);
int cdlt_pq_put_bool(cdlt_pq_writer *w, size_t col, bool v);
int cdlt_pq_put_i32(cdlt_pq_writer *w, size_t col, int32_t v);
int cdlt_pq_put_i64(cdlt_pq_writer *w, size_t col, int64_t v);
int cdlt_pq_put_double(cdlt_pq_writer *w, size_t col, double v);
int cdlt_pq_put_bytes(cdlt_pq_writer *w, size_t col, const void *p, size_t n);

/* Ends the current row (every column must have had one put); writes a row group out when the
 * bounds are reached. CDLT_ERR_IO / CDLT_ERR_NOMEM / CDLT_ERR_USAGE (a column without a value). */
int cdlt_pq_end_row(cdlt_pq_writer *w, cdlt_error *err);

/* Writes the last row group and the footer and closes the file. */
int cdlt_pq_writer_close(cdlt_pq_writer *w, cdlt_error *err);

/* Frees the writer (closing the file if still open, without a footer). NULL-safe. */
void cdlt_pq_writer_free(cdlt_pq_writer *w);

/* Rows and row groups written so far (for tests and logs). */
uint64_t cdlt_pq_writer_rows(const cdlt_pq_writer *w);
uint64_t cdlt_pq_writer_row_groups(const cdlt_pq_writer *w);

/* Parquet's RLE / bit-packing hybrid encoding of n values of bit width bw (0..32) appended to out
 * (no length prefix). 0 or CDLT_ERR_NOMEM. Exposed for tests. */
struct cdlt_buf;
int cdlt_pq_rle_encode(struct cdlt_buf *out, const uint32_t *v, size_t n, int bw);

#endif
