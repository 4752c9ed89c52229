/* sql_gen.h — the SQL every SQL destination runs, generated from data.
 *
 * All SQL text dlt emits for the destination-side tables (DDL, migrations, the `_dlt_*` tables,
 * replace truncation) is produced here. What differs between databases is DATA in a
 * cdlt_sql_dialect (identifier folding, type names, literal forms...), never code: adding a
 * destination means adding one dialect constant.
 *
 * Output conventions (all functions append to a cdlt_buf and return 0 or a negative cdlt_status):
 *  - "DDL" functions (create_table, alter_table_add, truncate_table, drop_table) append complete
 *    statements terminated by ";" and, when the buffer is not empty, first a "\n" — so calling
 *    them in sequence on one buffer yields dlt's migration script byte for byte
 *    (`CREATE ...;\nCREATE ...;`). The result can be passed to destination->execute as is.
 *  - "query" functions (selects, inserts, create schema) append one statement without a
 *    terminator, as dlt sends them.
 *  - Identifiers are case-folded per dialect and double-quoted (`"` doubled); an identifier longer
 *    than the dialect's max_identifier_length (bytes, after folding) is CDLT_ERR_USAGE.
 *  - The output is only valid if the function returned 0 (partial text may remain on failure). */
#ifndef CDLT_LOAD_SQL_GEN_H
#define CDLT_LOAD_SQL_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema/types.h"
#include "util/buf.h"
#include "util/error.h"

typedef enum cdlt_sql_case {
  CDLT_SQL_CASE_KEEP = 0,   /* identifiers kept as is (duckdb, sqlite) */
  CDLT_SQL_CASE_LOWER = 1   /* ASCII lower-cased before quoting (postgres) */
} cdlt_sql_case;

typedef enum cdlt_sql_binary_form {
  CDLT_SQL_BINARY_HEX = 0,        /* '\x0aff' (postgres bytea) */
  CDLT_SQL_BINARY_FROM_BASE64 = 1 /* from_base64('Cv8=') (duckdb) */
} cdlt_sql_binary_form;

/* One step of a "pick a type by precision" table: the first step with precision <= max wins.
 * Tables end with a step whose name is NULL; a precision above every step is an error. */
typedef struct cdlt_sql_type_step {
  int max;
  const char *name;
} cdlt_sql_type_step;

/* A SQL dialect. Type-name formats take printf "%d" placeholders (precision, then scale). A NULL
 * "..._precision" format means the precision hint is ignored for that type. */
typedef struct cdlt_sql_dialect {
  const char *name;                       /* "duckdb", "postgres" */
  cdlt_sql_case identifier_case;
  size_t max_identifier_length;           /* bytes; postgres 63, duckdb 65536 */
  bool case_sensitive_identifiers;        /* compare existing column names exactly? */
  bool supports_create_if_not_exists;     /* CREATE TABLE IF NOT EXISTS for _dlt_* tables */
  bool alter_add_multi_column;            /* one ALTER with many ADD COLUMN (postgres) */
  bool create_indexes;                    /* emit `unique_hint` for unique columns */
  const char *unique_hint;                /* "UNIQUE" */

  /* §2.5 type names */
  const char *type_text;                  /* "varchar" */
  const char *type_text_precision;        /* "varchar(%d)" or NULL */
  const char *type_double;
  const char *type_bool;
  const char *type_date;
  const char *type_binary;
  const char *type_json;
  const char *type_bigint;                /* no precision */
  const cdlt_sql_type_step *bigint_steps; /* by precision in bits */
  const char *type_timestamp_tz;          /* timezone true (the default) */
  const char *type_timestamp_tz_precision;/* "timestamp (%d) with time zone" or NULL (ignored) */
  const char *type_timestamp_ntz;         /* timezone false */
  const char *type_timestamp_ntz_precision; /* format, or NULL: use timestamp_ntz_steps */
  const cdlt_sql_type_step *timestamp_ntz_steps;
  int timestamp_max_precision;            /* fractional digits allowed in the precision formats */
  const char *type_time;
  const char *type_time_precision;        /* "time (%d) without time zone" or NULL */
  const char *type_decimal;               /* "numeric(%d,%d)" */
  int decimal_precision, decimal_scale;   /* defaults (38, 9) */
  int wei_precision, wei_scale;           /* postgres (156, 78), duckdb (38, 0) */

  /* statements and literals */
  const char *truncate_format;            /* "TRUNCATE TABLE %s;" — %s the qualified name */
  const char *timestamp_literal_format;   /* "'%s'::timestamptz" — %s an ISO 8601 string */
  bool string_backslash_escape;           /* strings with `\` become E'...' with `\\` (postgres) */
  cdlt_sql_binary_form binary_literal;

  /* merge / staging follow-ups (merge_sql.h) */
  bool supports_merge;                    /* MERGE INTO (upsert, insert-only) */
  const char *temp_table_create;          /* "CREATE TEMPORARY TABLE " */
  const char *bool_true_literal;          /* "True" (dlt renders Python's str(bool)) */
  const char *bool_false_literal;         /* "False" */
  bool supports_set_schema;               /* ALTER TABLE .. SET SCHEMA (staging-optimized replace) */
} cdlt_sql_dialect;

extern const cdlt_sql_dialect cdlt_dialect_duckdb;
extern const cdlt_sql_dialect cdlt_dialect_postgres;
extern const cdlt_sql_dialect cdlt_dialect_sqlite;   /* dialect_sqlite.c */

/* The dlt internal tables (§4.5), exact column order. Shared, never modify. */
extern const cdlt_table_def cdlt_dlt_version_table;        /* "_dlt_version" */
extern const cdlt_table_def cdlt_dlt_loads_table;          /* "_dlt_loads" */
extern const cdlt_table_def cdlt_dlt_pipeline_state_table; /* "_dlt_pipeline_state" */
/* true for "_dlt_version", "_dlt_loads", "_dlt_pipeline_state". */
bool cdlt_sql_is_dlt_table(const char *name);

/* --- identifiers and literals --- */
/* Folds `name` per dialect into b (no quotes): what the database stores as the name. */
int cdlt_sql_fold(cdlt_buf *b, const cdlt_sql_dialect *d, const char *name, cdlt_error *err);
/* "name" — folded, `"` doubled. */
int cdlt_sql_ident(cdlt_buf *b, const cdlt_sql_dialect *d, const char *name, cdlt_error *err);
/* "dataset"."table" */
int cdlt_sql_qualified(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                       const char *table, cdlt_error *err);
/* 'text' with `'` doubled; E'...' with `\` doubled too if the dialect wants it and s has a `\`. */
int cdlt_sql_string_literal(cdlt_buf *b, const cdlt_sql_dialect *d, const char *s, size_t len);
/* An ISO 8601 timestamp string as a timestamptz literal of the dialect. */
int cdlt_sql_timestamp_literal(cdlt_buf *b, const cdlt_sql_dialect *d, const char *iso);
int cdlt_sql_binary_literal(cdlt_buf *b, const cdlt_sql_dialect *d, const void *data, size_t len);

/* --- DDL --- */
/* The destination type of a column (§2.5); CDLT_ERR_SCHEMA if it cannot be mapped (bigint bits
 * or timestamp precision out of range, CDLT_TYPE_NONE). */
int cdlt_sql_type_name(cdlt_buf *b, const cdlt_sql_dialect *d, const cdlt_column_def *c,
                       cdlt_error *err);
/* `"<name>" <type> <hints> <NOT NULL|>` exactly as dlt (double spaces when hints are empty).
 * NOT NULL when !nullable or primary_key. */
int cdlt_sql_column_def(cdlt_buf *b, const cdlt_sql_dialect *d, const cdlt_column_def *c,
                        cdlt_error *err);
/* CREATE TABLE [IF NOT EXISTS for _dlt_* tables] "ds"."t" (\n<col>,\n<col>); */
int cdlt_sql_create_table(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                          const cdlt_table_def *t, cdlt_error *err);
/* ALTER TABLE "ds"."t"\nADD COLUMN <col>[,\nADD COLUMN <col>]; — or one such statement per
 * column when the dialect does not add multiple columns at once. ncols must be > 0. */
int cdlt_sql_alter_table_add(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                             const char *table, const cdlt_column_def *cols, size_t ncols,
                             cdlt_error *err);
/* The UNIQUE constraints of "ds"."t" and their column: constraint_name, column_name (rows). */
int cdlt_sql_unique_constraints_query(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset, const char *table,
                                      cdlt_error *err);
/* ALTER TABLE "ds"."t" DROP CONSTRAINT "name"; */
int cdlt_sql_drop_constraint(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset, const char *table,
                             const char *name, cdlt_error *err);
/* ALTER TABLE "ds"."t" ADD CONSTRAINT "name" UNIQUE ("col"); */
int cdlt_sql_add_unique(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset, const char *table,
                        const char *name, const char *column, cdlt_error *err);
/* Replace (truncate-and-insert, §8.2): `TRUNCATE TABLE "ds"."t";` / `DELETE FROM "ds"."t" WHERE 1=1;` */
int cdlt_sql_truncate_table(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                            const char *table, cdlt_error *err);
/* DROP TABLE IF EXISTS "ds"."t"; */
int cdlt_sql_drop_table(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                        const char *table, cdlt_error *err);

/* --- queries (§6.3 - §6.5) --- */
/* CREATE SCHEMA "ds" */
int cdlt_sql_create_schema(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                           cdlt_error *err);
/* SELECT 1 FROM INFORMATION_SCHEMA.SCHEMATA WHERE schema_name = '<ds>' (one row if it exists) */
int cdlt_sql_dataset_exists(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                            cdlt_error *err);
/* SELECT table_name,column_name,data_type,is_nullable,numeric_precision,numeric_scale FROM
 * INFORMATION_SCHEMA.COLUMNS WHERE table_schema = '<ds>' AND table_name IN (...) ORDER BY
 * table_name, ordinal_position. ntables must be > 0. */
int cdlt_sql_columns_query(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                           const char *const *tables, size_t ntables, cdlt_error *err);
/* The 6 _dlt_version columns of the row with this version_hash (LIMIT 1). */
int cdlt_sql_version_by_hash(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                             const char *version_hash, cdlt_error *err);
/* The 6 _dlt_version columns of the newest version of a schema (ORDER BY inserted_at DESC
 * LIMIT 1). */
int cdlt_sql_newest_schema(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                           const char *schema_name, cdlt_error *err);
/* version, engine_version, pipeline_name, state, created_at, _dlt_load_id of the newest state of
 * a pipeline whose load completed (§6.5). */
int cdlt_sql_newest_state(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                          const char *pipeline_name, cdlt_error *err);
/* DELETE FROM "ds"."_dlt_version" WHERE "schema_name" = '<name>' */
int cdlt_sql_delete_schema_versions(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                                    const char *schema_name, cdlt_error *err);
/* INSERT INTO "ds"."_dlt_version"(...) VALUES (version, engine_version, <inserted_at>,
 * '<schema_name>', '<version_hash>', '<schema>'). inserted_at: ISO 8601 UTC string. */
int cdlt_sql_insert_version(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                            int64_t version, int64_t engine_version, const char *inserted_at,
                            const char *schema_name, const char *version_hash,
                            const char *schema_json, size_t schema_len, cdlt_error *err);
/* INSERT INTO "ds"."_dlt_loads"(...) VALUES('<load_id>', '<schema_name>', status, <inserted_at>,
 * '<schema_version_hash>') */
int cdlt_sql_insert_load(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                         const char *load_id, const char *schema_name, int status,
                         const char *inserted_at, const char *schema_version_hash,
                         cdlt_error *err);

#endif
