/* parquet_job.h — a loader job file (normalized JSON Lines, plain or gzip) written as a Parquet
 * file with the column types DuckDB's COPY (SELECT <casts> FROM read_json(...)) TO ... (FORMAT
 * parquet) gave the filesystem destination (see cdlt_fsd_column_read_sql), without DuckDB:
 *   text → BYTE_ARRAY UTF8            bigint → INT64 INT_64 (precision > 64: DOUBLE, as DuckDB
 *   double → DOUBLE                              writes HUGEINT)
 *   bool → BOOLEAN                    json → BYTE_ARRAY JSON
 *   timestamp → INT64 TIMESTAMP(MICROS, isAdjustedToUTC = the timezone hint)
 *   date → INT32 DATE                 time → INT64 TIME(MICROS, not UTC)
 *   binary (base64 in the job) → BYTE_ARRAY
 *   decimal / wei (default 38,9 / 38,0) → DECIMAL on INT32 (p <= 9), INT64 (p <= 18) or
 *                                         FIXED_LEN_BYTE_ARRAY(16)
 * All columns OPTIONAL, in the table's column order. */
#ifndef CDLT_FORMATS_PARQUET_JOB_H
#define CDLT_FORMATS_PARQUET_JOB_H

#include "formats/parquet_write.h"
#include "schema/types.h"
#include "util/error.h"

/* The Parquet column of a cdlt column (name borrowed from c). CDLT_ERR_SCHEMA for a column without
 * a type or a decimal precision outside 1..38 / scale outside 0..precision. */
int cdlt_parquet_column_spec(const cdlt_column_def *c, cdlt_pq_column_spec *out, cdlt_error *err);

/* Writes the rows of job file src (rows of table) to the Parquet file dest (created/truncated).
 * opt NULL = the writer's defaults. A value that does not convert is CDLT_ERR_SCHEMA:
 * "cannot convert '<src>' line L column 'c' to parquet: <why>"; a malformed job file is the
 * reader's error. dest is left partly written on error (the caller writes to a temp name). */
int cdlt_parquet_write_job(const cdlt_table_def *table, const char *src, const char *dest, const cdlt_pq_options *opt,
                           cdlt_error *err);

#endif
