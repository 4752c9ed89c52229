/* types.h — dlt's data types and the flat table description handed to destinations.
 *
 * The schema document itself is JSON (schema.h); destinations and SQL generation only see this
 * flat, typed view of a table, built from the schema for one migration or one load. */
#ifndef CDLT_SCHEMA_TYPES_H
#define CDLT_SCHEMA_TYPES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum cdlt_data_type {
  CDLT_TYPE_NONE = 0,   /* incomplete column (no data_type yet) */
  CDLT_TYPE_TEXT,
  CDLT_TYPE_DOUBLE,
  CDLT_TYPE_BOOL,
  CDLT_TYPE_TIMESTAMP,
  CDLT_TYPE_BIGINT,
  CDLT_TYPE_BINARY,
  CDLT_TYPE_JSON,
  CDLT_TYPE_DECIMAL,
  CDLT_TYPE_WEI,
  CDLT_TYPE_DATE,
  CDLT_TYPE_TIME
} cdlt_data_type;

/* "text", "bigint", ... ; NULL for CDLT_TYPE_NONE. Static. */
const char *cdlt_data_type_name(cdlt_data_type t);
/* Parses a dlt type name ("complex" is accepted as json); CDLT_TYPE_NONE if unknown. */
cdlt_data_type cdlt_data_type_parse(const char *name);

/* One column as a destination needs it. Strings are borrowed from whoever built the def. */
typedef struct cdlt_column_def {
  const char *name;
  cdlt_data_type type;
  bool nullable;        /* default true */
  int precision;        /* -1 = not set */
  int scale;            /* -1 = not set */
  bool timezone;        /* default true */
  bool unique;
  bool primary_key;
} cdlt_column_def;

typedef struct cdlt_table_def {
  const char *name;
  cdlt_column_def *columns;
  size_t ncolumns;
  /* the rows must land in the table in the order of the job file (set by the load stage for the
   * staging tables of merge and replace, whose follow-up SQL may pick among duplicates); otherwise
   * a destination may load a file's rows on several threads, in any order */
  bool in_file_order;
} cdlt_table_def;

#endif
