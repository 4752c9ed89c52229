/* dialect_sqlite.c — the SQLite dialect (data only, see sql_gen.h).
 *
 * SQLite takes any type name and derives a column "affinity" from it; the names below are chosen
 * so that each dlt type keeps its values: text, dates, times and timestamps (ISO 8601 text) and
 * json (compact JSON text) get TEXT or NUMERIC affinity that leaves ISO strings as text, bigint
 * INTEGER, double REAL, binary BLOB, bool BOOLEAN (0/1; the destination renders true/false from
 * the declared type). Identifiers are case-insensitive and kept as written. Datasets are attached
 * database files, so `"dataset"."table"` qualification works unchanged (sqlite.c). */
#include "load/sql_gen.h"

static const cdlt_sql_type_step sqlite_int_steps[] = {{64, "INTEGER"}, {0, NULL}};
static const cdlt_sql_type_step sqlite_ts_ntz_steps[] = {{9, "TIMESTAMP"}, {0, NULL}};

const cdlt_sql_dialect cdlt_dialect_sqlite = {
    .name = "sqlite",
    .identifier_case = CDLT_SQL_CASE_KEEP,
    .max_identifier_length = 65536,
    .case_sensitive_identifiers = false,
    .supports_create_if_not_exists = true,
    .alter_add_multi_column = false,
    .create_indexes = false,
    .unique_hint = "UNIQUE",
    .type_text = "TEXT",
    .type_text_precision = NULL,
    .type_double = "REAL",
    .type_bool = "BOOLEAN",
    .type_date = "DATE",
    .type_binary = "BLOB",
    .type_json = "TEXT",
    .type_bigint = "INTEGER",
    .bigint_steps = sqlite_int_steps,
    .type_timestamp_tz = "TIMESTAMP WITH TIME ZONE",
    .type_timestamp_tz_precision = NULL,
    .type_timestamp_ntz = "TIMESTAMP",
    .type_timestamp_ntz_precision = NULL,
    .timestamp_ntz_steps = sqlite_ts_ntz_steps,
    .timestamp_max_precision = 6,
    .type_time = "TIME",
    .type_time_precision = NULL,
    .type_decimal = "DECIMAL(%d,%d)",
    .decimal_precision = 38,
    .decimal_scale = 9,
    .wei_precision = 38,
    .wei_scale = 0,
    .truncate_format = "DELETE FROM %s;",
    .timestamp_literal_format = "'%s'",
    .string_backslash_escape = false,
    .binary_literal = CDLT_SQL_BINARY_HEX,   /* not used by the SQLite load path (bound BLOBs) */
    /* merge follow-ups: no MERGE statement in SQLite 3.40 (upsert / insert-only are refused),
     * temp tables live in the connection's temp schema */
    .supports_merge = false,
    .temp_table_create = "CREATE TEMPORARY TABLE ",
    .bool_true_literal = "TRUE",
    .bool_false_literal = "FALSE",
    .supports_set_schema = false,
};
