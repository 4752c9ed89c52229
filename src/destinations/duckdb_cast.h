/* duckdb_cast.h — the SQL that turns a loader-job text value into a DuckDB column value, shared
 * by the DuckDB destination (appender) and the filesystem destination (csv/parquet through
 * DuckDB), so both convert timestamps, dates, times, binary and decimals the same way. */
#ifndef CDLT_DESTINATIONS_DUCKDB_CAST_H
#define CDLT_DESTINATIONS_DUCKDB_CAST_H

#include "schema/types.h"
#include "util/buf.h"
#include "util/error.h"

/* For the types DuckDB must parse from text — timestamp (aware values to UTC, naive ones are UTC;
 * timezone false: then made naive), date, time, binary (base64), decimal and wei — sets the
 * select expression `*pre "col" post` with post written into post_buf (reset first) and returns
 * 1. Returns 0 for the other types (text, bigint, double, bool, json: the caller reads them
 * natively), CDLT_ERR_SCHEMA for a column without a type, CDLT_ERR_NOMEM. */
int cdlt_duckdb_text_cast(const cdlt_column_def *c, const char **pre, cdlt_buf *post_buf, cdlt_error *err);

#endif
