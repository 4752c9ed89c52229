/* sql_gen.c — SQL text for SQL destinations; see sql_gen.h. Dialect differences are data. */
#include "load/sql_gen.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- dialects */

static const cdlt_sql_type_step duckdb_int_steps[] = {
    {8, "TINYINT"}, {16, "SMALLINT"}, {32, "INTEGER"}, {64, "BIGINT"}, {128, "HUGEINT"}, {0, NULL}};
static const cdlt_sql_type_step duckdb_ts_ntz_steps[] = {
    {0, "TIMESTAMP_S"}, {3, "TIMESTAMP_MS"}, {6, "TIMESTAMP"}, {9, "TIMESTAMP_NS"}, {0, NULL}};

const cdlt_sql_dialect cdlt_dialect_duckdb = {
    .name = "duckdb",
    .identifier_case = CDLT_SQL_CASE_KEEP,
    .max_identifier_length = 65536,
    .case_sensitive_identifiers = false,
    .supports_create_if_not_exists = true,
    .alter_add_multi_column = false,
    .create_indexes = false,
    .unique_hint = "UNIQUE",
    .type_text = "VARCHAR",
    .type_text_precision = NULL,
    .type_double = "DOUBLE",
    .type_bool = "BOOLEAN",
    .type_date = "DATE",
    .type_binary = "BLOB",
    .type_json = "JSON",
    .type_bigint = "BIGINT",
    .bigint_steps = duckdb_int_steps,
    .type_timestamp_tz = "TIMESTAMP WITH TIME ZONE",
    .type_timestamp_tz_precision = NULL,
    .type_timestamp_ntz = "TIMESTAMP",
    .type_timestamp_ntz_precision = NULL,
    .timestamp_ntz_steps = duckdb_ts_ntz_steps,
    .timestamp_max_precision = 9,
    .type_time = "TIME",
    .type_time_precision = NULL,
    .type_decimal = "DECIMAL(%d,%d)",
    .decimal_precision = 38,
    .decimal_scale = 9,
    .wei_precision = 38,
    .wei_scale = 0,
    .truncate_format = "DELETE FROM %s WHERE 1=1;",
    .timestamp_literal_format = "'%s'::TIMESTAMPTZ",
    .string_backslash_escape = false,
    .binary_literal = CDLT_SQL_BINARY_FROM_BASE64,
    .supports_merge = true,   /* duckdb >= 1.4 */
    .temp_table_create = "CREATE TEMPORARY TABLE ",
    .bool_true_literal = "True",
    .bool_false_literal = "False",
    .supports_set_schema = false,
};

static const cdlt_sql_type_step postgres_int_steps[] = {
    {16, "smallint"}, {32, "integer"}, {64, "bigint"}, {0, NULL}};

const cdlt_sql_dialect cdlt_dialect_postgres = {
    .name = "postgres",
    .identifier_case = CDLT_SQL_CASE_LOWER,
    .max_identifier_length = 63,
    .case_sensitive_identifiers = true,
    .supports_create_if_not_exists = true,
    .alter_add_multi_column = true,
    .create_indexes = true,
    .unique_hint = "UNIQUE",
    .type_text = "varchar",
    .type_text_precision = "varchar(%d)",
    .type_double = "double precision",
    .type_bool = "boolean",
    .type_date = "date",
    .type_binary = "bytea",
    .type_json = "jsonb",
    .type_bigint = "bigint",
    .bigint_steps = postgres_int_steps,
    .type_timestamp_tz = "timestamp with time zone",
    .type_timestamp_tz_precision = "timestamp (%d) with time zone",
    .type_timestamp_ntz = "timestamp without time zone",
    .type_timestamp_ntz_precision = "timestamp (%d) without time zone",
    .timestamp_ntz_steps = NULL,
    .timestamp_max_precision = 6,
    .type_time = "time without time zone",
    .type_time_precision = "time (%d) without time zone",
    .type_decimal = "numeric(%d,%d)",
    .decimal_precision = 38,
    .decimal_scale = 9,
    .wei_precision = 156,
    .wei_scale = 78,
    .truncate_format = "TRUNCATE TABLE %s;",
    .timestamp_literal_format = "'%s'::timestamptz",
    .string_backslash_escape = true,
    .binary_literal = CDLT_SQL_BINARY_HEX,
    .supports_merge = true,
    .temp_table_create = "CREATE TEMPORARY TABLE ",
    .bool_true_literal = "True",
    .bool_false_literal = "False",
    .supports_set_schema = true,
};

/* ---------------------------------------------------------------- internal tables */

#define COL(n, t, nul) {.name = n, .type = t, .nullable = nul, .precision = -1, .scale = -1, .timezone = true}
#define COLP(n, t, nul, p) {.name = n, .type = t, .nullable = nul, .precision = p, .scale = -1, .timezone = true}

static cdlt_column_def version_cols[] = {
    COL("version", CDLT_TYPE_BIGINT, false),      COL("engine_version", CDLT_TYPE_BIGINT, false),
    COL("inserted_at", CDLT_TYPE_TIMESTAMP, false), COL("schema_name", CDLT_TYPE_TEXT, false),
    COL("version_hash", CDLT_TYPE_TEXT, false),   COL("schema", CDLT_TYPE_TEXT, false)};
static cdlt_column_def loads_cols[] = {
    COLP("load_id", CDLT_TYPE_TEXT, false, 64), COL("schema_name", CDLT_TYPE_TEXT, true),
    COL("status", CDLT_TYPE_BIGINT, false),     COL("inserted_at", CDLT_TYPE_TIMESTAMP, false),
    COL("schema_version_hash", CDLT_TYPE_TEXT, true)};
static cdlt_column_def state_cols[] = {
    COL("version", CDLT_TYPE_BIGINT, false),
    COL("engine_version", CDLT_TYPE_BIGINT, false),
    COL("pipeline_name", CDLT_TYPE_TEXT, false),
    COL("state", CDLT_TYPE_TEXT, false),
    COL("created_at", CDLT_TYPE_TIMESTAMP, false),
    COL("version_hash", CDLT_TYPE_TEXT, true),
    COLP("_dlt_load_id", CDLT_TYPE_TEXT, false, 64),
    {.name = "_dlt_id", .type = CDLT_TYPE_TEXT, .nullable = false, .precision = -1, .scale = -1,
     .timezone = true, .unique = true}};

const cdlt_table_def cdlt_dlt_version_table = {"_dlt_version", version_cols, 6, false};
const cdlt_table_def cdlt_dlt_loads_table = {"_dlt_loads", loads_cols, 5, false};
const cdlt_table_def cdlt_dlt_pipeline_state_table = {"_dlt_pipeline_state", state_cols, 8, false};

bool cdlt_sql_is_dlt_table(const char *name) {
  return name && (!strcmp(name, "_dlt_version") || !strcmp(name, "_dlt_loads") ||
                  !strcmp(name, "_dlt_pipeline_state"));
}

/* ---------------------------------------------------------------- identifiers, literals */

#define TRY(x)            \
  do {                    \
    int rc_ = (x);        \
    if (rc_) return rc_;  \
  } while (0)
#define TRYM(x)                                                   \
  do {                                                            \
    if (x) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); \
  } while (0)

static int check_ident(const cdlt_sql_dialect *d, const char *name, cdlt_error *err) {
  if (!name || !*name) return cdlt_error_set(err, CDLT_ERR_USAGE, "empty sql identifier");
  size_t n = strlen(name);
  if (n > d->max_identifier_length)
    return cdlt_error_set(err, CDLT_ERR_USAGE,
                          "identifier '%.80s...' is too long for %s: %zu bytes, maximum is %zu",
                          name, d->name, n, d->max_identifier_length);
  return 0;
}

int cdlt_sql_fold(cdlt_buf *b, const cdlt_sql_dialect *d, const char *name, cdlt_error *err) {
  TRY(check_ident(d, name, err));
  size_t n = strlen(name);
  TRYM(cdlt_buf_reserve(b, n));
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (d->identifier_case == CDLT_SQL_CASE_LOWER && c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    b->data[b->len++] = c;
  }
  b->data[b->len] = 0;
  return 0;
}

int cdlt_sql_ident(cdlt_buf *b, const cdlt_sql_dialect *d, const char *name, cdlt_error *err) {
  TRY(check_ident(d, name, err));
  size_t n = strlen(name);
  TRYM(cdlt_buf_reserve(b, 2 * n + 2));
  b->data[b->len++] = '"';
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (d->identifier_case == CDLT_SQL_CASE_LOWER && c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c == '"') b->data[b->len++] = '"';
    b->data[b->len++] = c;
  }
  b->data[b->len++] = '"';
  b->data[b->len] = 0;
  return 0;
}

int cdlt_sql_qualified(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                       const char *table, cdlt_error *err) {
  TRY(cdlt_sql_ident(b, d, dataset, err));
  TRYM(cdlt_buf_putc(b, '.'));
  return cdlt_sql_ident(b, d, table, err);
}

int cdlt_sql_string_literal(cdlt_buf *b, const cdlt_sql_dialect *d, const char *s, size_t len) {
  bool esc = d->string_backslash_escape && len > 0 && memchr(s, '\\', len) != NULL;
  size_t extra = 0;
  for (size_t i = 0; i < len; i++)
    if (s[i] == '\'' || (esc && s[i] == '\\')) extra++;
  if (cdlt_buf_reserve(b, len + extra + 3)) return CDLT_ERR_NOMEM;
  if (esc) b->data[b->len++] = 'E';
  b->data[b->len++] = '\'';
  if (!extra) {
    if (len) memcpy(b->data + b->len, s, len);
    b->len += len;
  } else {
    for (size_t i = 0; i < len; i++) {
      char c = s[i];
      if (c == '\'' || (esc && c == '\\')) b->data[b->len++] = c;
      b->data[b->len++] = c;
    }
  }
  b->data[b->len++] = '\'';
  b->data[b->len] = 0;
  return 0;
}

/* a literal of a dialect-folded identifier ('ds' for INFORMATION_SCHEMA lookups) */
static int folded_literal(cdlt_buf *b, const cdlt_sql_dialect *d, const char *name, cdlt_error *err) {
  cdlt_buf t;
  cdlt_buf_init(&t);
  int rc = cdlt_sql_fold(&t, d, name, err);
  if (!rc && cdlt_sql_string_literal(b, d, t.data, t.len))
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_buf_release(&t);
  return rc;
}

static int lit(cdlt_buf *b, const cdlt_sql_dialect *d, const char *s, cdlt_error *err) {
  if (!s) {
    TRYM(cdlt_buf_puts(b, "NULL"));
    return 0;
  }
  TRYM(cdlt_sql_string_literal(b, d, s, strlen(s)));
  return 0;
}

int cdlt_sql_timestamp_literal(cdlt_buf *b, const cdlt_sql_dialect *d, const char *iso) {
  /* the ISO text never holds a quote; refuse anything else rather than emit broken SQL */
  if (!iso || strchr(iso, '\'') || strchr(iso, '\\')) return CDLT_ERR_USAGE;
  return cdlt_buf_printf(b, d->timestamp_literal_format, iso);
}

int cdlt_sql_binary_literal(cdlt_buf *b, const cdlt_sql_dialect *d, const void *data, size_t len) {
  const unsigned char *p = data;
  if (d->binary_literal == CDLT_SQL_BINARY_HEX) {
    static const char hex[] = "0123456789abcdef";
    if (cdlt_buf_reserve(b, 2 * len + 5)) return CDLT_ERR_NOMEM;
    b->data[b->len++] = '\'';
    b->data[b->len++] = '\\';
    b->data[b->len++] = 'x';
    for (size_t i = 0; i < len; i++) {
      b->data[b->len++] = hex[p[i] >> 4];
      b->data[b->len++] = hex[p[i] & 15];
    }
    b->data[b->len++] = '\'';
    b->data[b->len] = 0;
    return 0;
  }
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (cdlt_buf_reserve(b, (len + 2) / 3 * 4 + 16)) return CDLT_ERR_NOMEM;
  if (cdlt_buf_puts(b, "from_base64('")) return CDLT_ERR_NOMEM;
  for (size_t i = 0; i < len; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < len) v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < len) v |= p[i + 2];
    b->data[b->len++] = b64[(v >> 18) & 63];
    b->data[b->len++] = b64[(v >> 12) & 63];
    b->data[b->len++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
    b->data[b->len++] = i + 2 < len ? b64[v & 63] : '=';
  }
  b->data[b->len] = 0;
  return cdlt_buf_puts(b, "')");
}

/* ---------------------------------------------------------------- DDL */

static const char *step_name(const cdlt_sql_type_step *s, int p) {
  for (; s && s->name; s++)
    if (p <= s->max) return s->name;
  return NULL;
}

int cdlt_sql_type_name(cdlt_buf *b, const cdlt_sql_dialect *d, const cdlt_column_def *c,
                       cdlt_error *err) {
  const char *t = NULL;
  int p = c->precision, s = c->scale;
  int rc = 0;
  switch (c->type) {
    case CDLT_TYPE_TEXT:
      if (p >= 0 && d->type_text_precision) {
        rc = cdlt_buf_printf(b, d->type_text_precision, p);
        break;
      }
      t = d->type_text;
      break;
    case CDLT_TYPE_DOUBLE: t = d->type_double; break;
    case CDLT_TYPE_BOOL: t = d->type_bool; break;
    case CDLT_TYPE_DATE: t = d->type_date; break;
    case CDLT_TYPE_BINARY: t = d->type_binary; break;
    case CDLT_TYPE_JSON: t = d->type_json; break;
    case CDLT_TYPE_BIGINT:
      if (p < 0) {
        t = d->type_bigint;
      } else if (!(t = step_name(d->bigint_steps, p))) {
        return cdlt_error_set(err, CDLT_ERR_SCHEMA,
                              "column '%s': bigint with %d bits precision cannot be mapped into a %s integer type",
                              c->name, p, d->name);
      }
      break;
    case CDLT_TYPE_TIMESTAMP:
    case CDLT_TYPE_TIME: {
      bool ts = c->type == CDLT_TYPE_TIMESTAMP;
      if (p >= 0 && (p > (ts ? d->timestamp_max_precision : 6)))
        return cdlt_error_set(err, CDLT_ERR_SCHEMA,
                              "column '%s': %s with precision %d cannot be mapped into %s", c->name,
                              ts ? "timestamp" : "time", p, d->name);
      if (!ts) {
        if (p >= 0 && d->type_time_precision) rc = cdlt_buf_printf(b, d->type_time_precision, p);
        else t = d->type_time;
      } else if (c->timezone) {
        if (p >= 0 && d->type_timestamp_tz_precision)
          rc = cdlt_buf_printf(b, d->type_timestamp_tz_precision, p);
        else t = d->type_timestamp_tz;
      } else if (p < 0) {
        t = d->type_timestamp_ntz;
      } else if (d->type_timestamp_ntz_precision) {
        rc = cdlt_buf_printf(b, d->type_timestamp_ntz_precision, p);
      } else if (!(t = step_name(d->timestamp_ntz_steps, p))) {
        return cdlt_error_set(err, CDLT_ERR_SCHEMA,
                              "column '%s': timestamp with precision %d cannot be mapped into %s",
                              c->name, p, d->name);
      }
      break;
    }
    case CDLT_TYPE_DECIMAL:
    case CDLT_TYPE_WEI: {
      bool wei = c->type == CDLT_TYPE_WEI;
      int dp = wei ? d->wei_precision : d->decimal_precision;
      int ds = wei ? d->wei_scale : d->decimal_scale;
      rc = cdlt_buf_printf(b, d->type_decimal, p >= 0 ? p : dp, s >= 0 ? s : ds);
      break;
    }
    default:
      return cdlt_error_set(err, CDLT_ERR_SCHEMA, "column '%s' has no data type", c->name ? c->name : "");
  }
  if (t) rc = cdlt_buf_puts(b, t);
  if (rc) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  return 0;
}

int cdlt_sql_column_def(cdlt_buf *b, const cdlt_sql_dialect *d, const cdlt_column_def *c,
                        cdlt_error *err) {
  TRY(cdlt_sql_ident(b, d, c->name, err));
  TRYM(cdlt_buf_putc(b, ' '));
  TRY(cdlt_sql_type_name(b, d, c, err));
  TRYM(cdlt_buf_putc(b, ' '));
  if (d->create_indexes && c->unique) TRYM(cdlt_buf_puts(b, d->unique_hint));
  TRYM(cdlt_buf_putc(b, ' '));
  if (!c->nullable || c->primary_key) TRYM(cdlt_buf_puts(b, "NOT NULL"));
  return 0;
}

static int ddl_sep(cdlt_buf *b, cdlt_error *err) {
  if (b->len > 0 && b->data[b->len - 1] != '\n') TRYM(cdlt_buf_putc(b, '\n'));
  return 0;
}

int cdlt_sql_create_table(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                          const cdlt_table_def *t, cdlt_error *err) {
  if (t->ncolumns == 0)
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "cannot create table '%s' without columns", t->name);
  TRY(ddl_sep(b, err));
  TRYM(cdlt_buf_puts(b, d->supports_create_if_not_exists && cdlt_sql_is_dlt_table(t->name)
                            ? "CREATE TABLE IF NOT EXISTS "
                            : "CREATE TABLE "));
  TRY(cdlt_sql_qualified(b, d, dataset, t->name, err));
  TRYM(cdlt_buf_puts(b, " (\n"));
  for (size_t i = 0; i < t->ncolumns; i++) {
    if (i) TRYM(cdlt_buf_puts(b, ",\n"));
    TRY(cdlt_sql_column_def(b, d, &t->columns[i], err));
  }
  TRYM(cdlt_buf_puts(b, ");"));
  return 0;
}

int cdlt_sql_alter_table_add(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                             const char *table, const cdlt_column_def *cols, size_t ncols,
                             cdlt_error *err) {
  if (ncols == 0) return cdlt_error_set(err, CDLT_ERR_USAGE, "no columns to add to table '%s'", table);
  for (size_t i = 0; i < ncols; i++) {
    if (i == 0 || !d->alter_add_multi_column) {
      if (i) TRYM(cdlt_buf_puts(b, ";"));
      TRY(ddl_sep(b, err));
      TRYM(cdlt_buf_puts(b, "ALTER TABLE "));
      TRY(cdlt_sql_qualified(b, d, dataset, table, err));
      TRYM(cdlt_buf_puts(b, "\nADD COLUMN "));
    } else {
      TRYM(cdlt_buf_puts(b, ",\nADD COLUMN "));
    }
    TRY(cdlt_sql_column_def(b, d, &cols[i], err));
  }
  TRYM(cdlt_buf_puts(b, ";"));
  return 0;
}

int cdlt_sql_unique_constraints_query(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset, const char *table,
                                      cdlt_error *err) {
  TRYM(cdlt_buf_puts(b,
                     "SELECT tc.constraint_name, cu.column_name\n"
                     "    FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS tc\n"
                     "    JOIN INFORMATION_SCHEMA.CONSTRAINT_COLUMN_USAGE cu\n"
                     "      ON cu.constraint_schema = tc.constraint_schema AND cu.constraint_name = tc.constraint_name\n"
                     "WHERE tc.constraint_type = 'UNIQUE' AND tc.table_schema = "));
  TRY(folded_literal(b, d, dataset, err));
  TRYM(cdlt_buf_puts(b, " AND tc.table_name = "));
  TRY(folded_literal(b, d, table, err));
  TRYM(cdlt_buf_puts(b, " ORDER BY 1, 2"));
  return 0;
}

/* `ALTER TABLE "ds"."t"<verb>"name"` (verb: " DROP CONSTRAINT " / " ADD CONSTRAINT ") */
static int alter_constraint(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset, const char *table,
                            const char *verb, const char *name, cdlt_error *err) {
  TRY(ddl_sep(b, err));
  TRYM(cdlt_buf_puts(b, "ALTER TABLE "));
  TRY(cdlt_sql_qualified(b, d, dataset, table, err));
  TRYM(cdlt_buf_puts(b, verb));
  TRY(cdlt_sql_ident(b, d, name, err));
  return 0;
}

int cdlt_sql_drop_constraint(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset, const char *table,
                             const char *name, cdlt_error *err) {
  TRY(alter_constraint(b, d, dataset, table, " DROP CONSTRAINT ", name, err));
  TRYM(cdlt_buf_puts(b, ";"));
  return 0;
}

int cdlt_sql_add_unique(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset, const char *table,
                        const char *name, const char *column, cdlt_error *err) {
  TRY(alter_constraint(b, d, dataset, table, " ADD CONSTRAINT ", name, err));
  TRYM(cdlt_buf_puts(b, " UNIQUE ("));
  TRY(cdlt_sql_ident(b, d, column, err));
  TRYM(cdlt_buf_puts(b, ");"));
  return 0;
}

int cdlt_sql_truncate_table(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                            const char *table, cdlt_error *err) {
  cdlt_buf q;
  cdlt_buf_init(&q);
  int rc = cdlt_sql_qualified(&q, d, dataset, table, err);
  if (!rc) rc = ddl_sep(b, err);
  if (!rc && cdlt_buf_printf(b, d->truncate_format, q.data))
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_buf_release(&q);
  return rc;
}

int cdlt_sql_drop_table(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                        const char *table, cdlt_error *err) {
  TRY(ddl_sep(b, err));
  TRYM(cdlt_buf_puts(b, "DROP TABLE IF EXISTS "));
  TRY(cdlt_sql_qualified(b, d, dataset, table, err));
  TRYM(cdlt_buf_putc(b, ';'));
  return 0;
}

/* ---------------------------------------------------------------- queries */

static const char version_cols_sql[] =
    "SELECT  \"version\", \"engine_version\", \"inserted_at\", \"schema_name\", \"version_hash\", "
    "\"schema\" FROM ";

int cdlt_sql_create_schema(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                           cdlt_error *err) {
  TRYM(cdlt_buf_puts(b, "CREATE SCHEMA "));
  return cdlt_sql_ident(b, d, dataset, err);
}

int cdlt_sql_dataset_exists(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                            cdlt_error *err) {
  TRYM(cdlt_buf_puts(b, "SELECT 1\n    FROM INFORMATION_SCHEMA.SCHEMATA\n    WHERE schema_name = "));
  return folded_literal(b, d, dataset, err);
}

int cdlt_sql_columns_query(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                           const char *const *tables, size_t ntables, cdlt_error *err) {
  if (ntables == 0) return cdlt_error_set(err, CDLT_ERR_USAGE, "no tables to look up");
  TRYM(cdlt_buf_puts(b,
                     "SELECT table_name,column_name,data_type,is_nullable,numeric_precision,numeric_scale\n"
                     "    FROM INFORMATION_SCHEMA.COLUMNS\nWHERE table_schema = "));
  TRY(folded_literal(b, d, dataset, err));
  TRYM(cdlt_buf_puts(b, " AND table_name IN ("));
  for (size_t i = 0; i < ntables; i++) {
    if (i) TRYM(cdlt_buf_putc(b, ','));
    TRY(folded_literal(b, d, tables[i], err));
  }
  TRYM(cdlt_buf_puts(b, ") ORDER BY table_name, ordinal_position"));
  return 0;
}

int cdlt_sql_version_by_hash(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                             const char *version_hash, cdlt_error *err) {
  TRYM(cdlt_buf_puts(b, version_cols_sql));
  TRY(cdlt_sql_qualified(b, d, dataset, "_dlt_version", err));
  TRYM(cdlt_buf_puts(b, " WHERE \"version_hash\" = "));
  TRY(lit(b, d, version_hash, err));
  TRYM(cdlt_buf_puts(b, " LIMIT 1"));
  return 0;
}

int cdlt_sql_newest_schema(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                           const char *schema_name, cdlt_error *err) {
  TRYM(cdlt_buf_puts(b, version_cols_sql));
  TRY(cdlt_sql_qualified(b, d, dataset, "_dlt_version", err));
  TRYM(cdlt_buf_puts(b, " WHERE \"schema_name\" = "));
  TRY(lit(b, d, schema_name, err));
  TRYM(cdlt_buf_puts(b, " ORDER BY \"inserted_at\" DESC LIMIT 1"));
  return 0;
}

int cdlt_sql_newest_state(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                          const char *pipeline_name, cdlt_error *err) {
  TRYM(cdlt_buf_puts(b, "SELECT  \"version\", \"engine_version\", \"pipeline_name\", \"state\", "
                        "\"created_at\", \"_dlt_load_id\" FROM "));
  TRY(cdlt_sql_qualified(b, d, dataset, "_dlt_pipeline_state", err));
  TRYM(cdlt_buf_puts(b, " AS s JOIN "));
  TRY(cdlt_sql_qualified(b, d, dataset, "_dlt_loads", err));
  TRYM(cdlt_buf_puts(b, " AS l ON l.\"load_id\" = s.\"_dlt_load_id\" WHERE \"pipeline_name\" = "));
  TRY(lit(b, d, pipeline_name, err));
  TRYM(cdlt_buf_puts(b, " AND l.\"status\" = 0 ORDER BY \"load_id\" DESC LIMIT 1"));
  return 0;
}

int cdlt_sql_delete_schema_versions(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                                    const char *schema_name, cdlt_error *err) {
  TRYM(cdlt_buf_puts(b, "DELETE FROM "));
  TRY(cdlt_sql_qualified(b, d, dataset, "_dlt_version", err));
  TRYM(cdlt_buf_puts(b, " WHERE \"schema_name\" = "));
  return lit(b, d, schema_name, err);
}

static int ts_lit(cdlt_buf *b, const cdlt_sql_dialect *d, const char *iso, cdlt_error *err) {
  int rc = cdlt_sql_timestamp_literal(b, d, iso);
  if (rc == CDLT_ERR_USAGE)
    return cdlt_error_set(err, rc, "invalid timestamp '%s'", iso ? iso : "(null)");
  if (rc) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  return 0;
}

int cdlt_sql_insert_version(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                            int64_t version, int64_t engine_version, const char *inserted_at,
                            const char *schema_name, const char *version_hash,
                            const char *schema_json, size_t schema_len, cdlt_error *err) {
  TRYM(cdlt_buf_puts(b, "INSERT INTO "));
  TRY(cdlt_sql_qualified(b, d, dataset, "_dlt_version", err));
  TRYM(cdlt_buf_printf(b,
                       "(\"version\", \"engine_version\", \"inserted_at\", \"schema_name\", "
                       "\"version_hash\", \"schema\") VALUES (%lld, %lld, ",
                       (long long)version, (long long)engine_version));
  TRY(ts_lit(b, d, inserted_at, err));
  TRYM(cdlt_buf_puts(b, ", "));
  TRY(lit(b, d, schema_name, err));
  TRYM(cdlt_buf_puts(b, ", "));
  TRY(lit(b, d, version_hash, err));
  TRYM(cdlt_buf_puts(b, ", "));
  TRYM(cdlt_sql_string_literal(b, d, schema_json, schema_len));
  TRYM(cdlt_buf_putc(b, ')'));
  return 0;
}

int cdlt_sql_insert_load(cdlt_buf *b, const cdlt_sql_dialect *d, const char *dataset,
                         const char *load_id, const char *schema_name, int status,
                         const char *inserted_at, const char *schema_version_hash,
                         cdlt_error *err) {
  TRYM(cdlt_buf_puts(b, "INSERT INTO "));
  TRY(cdlt_sql_qualified(b, d, dataset, "_dlt_loads", err));
  TRYM(cdlt_buf_puts(b, "(\"load_id\", \"schema_name\", \"status\", \"inserted_at\", "
                        "\"schema_version_hash\") VALUES("));
  TRY(lit(b, d, load_id, err));
  TRYM(cdlt_buf_puts(b, ", "));
  TRY(lit(b, d, schema_name, err));
  TRYM(cdlt_buf_printf(b, ", %d, ", status));
  TRY(ts_lit(b, d, inserted_at, err));
  TRYM(cdlt_buf_puts(b, ", "));
  TRY(lit(b, d, schema_version_hash, err));
  TRYM(cdlt_buf_putc(b, ')'));
  return 0;
}
