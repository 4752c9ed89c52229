/* test_sql_gen.c — SQL generation checked byte for byte against DDL dlt emitted (golden files). */
#include <stdlib.h>

#include "check.h"
#include "load/sql_gen.h"

static cdlt_error err_storage;
static cdlt_error *err = &err_storage; /* a pointer: CHECK_OK tests it */
static cdlt_buf b;

/* golden file content; postgres server logs have continuation lines prefixed by a tab: removed */
static char *golden(const char *rel, bool detab) {
  char path[4096];
  snprintf(path, sizeof path, "%s/spec/golden/%s", check_shared_dir(), rel);
  char *s = check_read_file(path, NULL);
  CHECK_MSG(s != NULL, "cannot read %s", path);
  if (!s) return calloc(1, 1);
  if (detab) {
    char *w = s;
    for (char *r = s; *r; r++) {
      if (*r == '\t' && r > s && r[-1] == '\n') continue;
      *w++ = *r;
    }
    *w = 0;
  }
  return s;
}

#define CHECK_IN(hay, needle) \
  CHECK_MSG(strstr((hay), (needle)) != NULL, "generated SQL not found in golden file:\n%s", (needle))

static const char *type_of(const cdlt_sql_dialect *d, cdlt_data_type t, int p, int s, bool tz) {
  cdlt_column_def c = {.name = "c", .type = t, .nullable = true, .precision = p, .scale = s, .timezone = tz};
  cdlt_buf_reset(&b);
  if (cdlt_sql_type_name(&b, d, &c, err)) return "<error>";
  return b.data;
}

#define C(n, t, nul) {.name = n, .type = t, .nullable = nul, .precision = -1, .scale = -1, .timezone = true}
#define CU(n, t) {.name = n, .type = t, .nullable = false, .precision = -1, .scale = -1, .timezone = true, .unique = true}

static void test_types(void) {
  const cdlt_sql_dialect *dd = &cdlt_dialect_duckdb, *pg = &cdlt_dialect_postgres;
  /* duckdb */
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TEXT, -1, -1, true), "VARCHAR");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TEXT, 64, -1, true), "VARCHAR");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_DOUBLE, -1, -1, true), "DOUBLE");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_BOOL, -1, -1, true), "BOOLEAN");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_BIGINT, -1, -1, true), "BIGINT");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_BIGINT, 8, -1, true), "TINYINT");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_BIGINT, 16, -1, true), "SMALLINT");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_BIGINT, 17, -1, true), "INTEGER");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_BIGINT, 32, -1, true), "INTEGER");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_BIGINT, 64, -1, true), "BIGINT");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_BIGINT, 128, -1, true), "HUGEINT");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_BIGINT, 129, -1, true), "<error>");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TIMESTAMP, -1, -1, true), "TIMESTAMP WITH TIME ZONE");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TIMESTAMP, 3, -1, true), "TIMESTAMP WITH TIME ZONE");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TIMESTAMP, -1, -1, false), "TIMESTAMP");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TIMESTAMP, 0, -1, false), "TIMESTAMP_S");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TIMESTAMP, 1, -1, false), "TIMESTAMP_MS");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TIMESTAMP, 3, -1, false), "TIMESTAMP_MS");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TIMESTAMP, 6, -1, false), "TIMESTAMP");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TIMESTAMP, 9, -1, false), "TIMESTAMP_NS");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TIMESTAMP, 10, -1, false), "<error>");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_DATE, -1, -1, true), "DATE");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TIME, -1, -1, true), "TIME");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_TIME, 3, -1, true), "TIME");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_DECIMAL, -1, -1, true), "DECIMAL(38,9)");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_DECIMAL, 10, 2, true), "DECIMAL(10,2)");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_DECIMAL, 10, -1, true), "DECIMAL(10,9)");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_WEI, -1, -1, true), "DECIMAL(38,0)");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_BINARY, -1, -1, true), "BLOB");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_JSON, -1, -1, true), "JSON");
  CHECK_EQ_STR(type_of(dd, CDLT_TYPE_NONE, -1, -1, true), "<error>");
  /* postgres */
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_TEXT, -1, -1, true), "varchar");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_TEXT, 64, -1, true), "varchar(64)");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_DOUBLE, -1, -1, true), "double precision");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_BOOL, -1, -1, true), "boolean");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_BIGINT, -1, -1, true), "bigint");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_BIGINT, 8, -1, true), "smallint");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_BIGINT, 16, -1, true), "smallint");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_BIGINT, 32, -1, true), "integer");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_BIGINT, 64, -1, true), "bigint");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_BIGINT, 65, -1, true), "<error>");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_TIMESTAMP, -1, -1, true), "timestamp with time zone");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_TIMESTAMP, 3, -1, true), "timestamp (3) with time zone");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_TIMESTAMP, -1, -1, false), "timestamp without time zone");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_TIMESTAMP, 0, -1, false), "timestamp (0) without time zone");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_TIMESTAMP, 7, -1, true), "<error>");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_DATE, -1, -1, true), "date");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_TIME, -1, -1, true), "time without time zone");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_TIME, 3, -1, true), "time (3) without time zone");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_DECIMAL, -1, -1, true), "numeric(38,9)");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_DECIMAL, 12, 4, true), "numeric(12,4)");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_WEI, -1, -1, true), "numeric(156,78)");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_BINARY, -1, -1, true), "bytea");
  CHECK_EQ_STR(type_of(pg, CDLT_TYPE_JSON, -1, -1, true), "jsonb");
  /* errors name the column */
  type_of(pg, CDLT_TYPE_BIGINT, 65, -1, true);
  CHECK(strstr(err->msg, "'c'") != NULL);
}

static void test_literals(void) {
  const cdlt_sql_dialect *dd = &cdlt_dialect_duckdb, *pg = &cdlt_dialect_postgres;
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_ident(&b, pg, "My\"Col", err), err);
  CHECK_EQ_STR(b.data, "\"my\"\"col\"");
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_ident(&b, dd, "My\"Col", err), err);
  CHECK_EQ_STR(b.data, "\"My\"\"Col\"");
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_qualified(&b, dd, "ds", "t", err), err);
  CHECK_EQ_STR(b.data, "\"ds\".\"t\"");
  /* 63-byte limit on postgres */
  char longname[80];
  memset(longname, 'a', 64);
  longname[64] = 0;
  cdlt_buf_reset(&b);
  CHECK(cdlt_sql_ident(&b, pg, longname, err) == CDLT_ERR_USAGE);
  CHECK(strstr(err->msg, "too long") != NULL);
  longname[63] = 0;
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_ident(&b, pg, longname, err), err);
  longname[63] = 'a';
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_ident(&b, dd, longname, err), err);

  cdlt_buf_reset(&b);
  cdlt_sql_string_literal(&b, dd, "it's a\\b", 8);
  CHECK_EQ_STR(b.data, "'it''s a\\b'");
  cdlt_buf_reset(&b);
  cdlt_sql_string_literal(&b, pg, "it's a\\b", 8);
  CHECK_EQ_STR(b.data, "E'it''s a\\\\b'");
  cdlt_buf_reset(&b);
  cdlt_sql_string_literal(&b, pg, "it's", 4);
  CHECK_EQ_STR(b.data, "'it''s'");
  cdlt_buf_reset(&b);
  cdlt_sql_string_literal(&b, pg, "", 0);
  CHECK_EQ_STR(b.data, "''");
  cdlt_buf_reset(&b);
  cdlt_sql_timestamp_literal(&b, pg, "2024-01-01T10:00:00+00:00");
  CHECK_EQ_STR(b.data, "'2024-01-01T10:00:00+00:00'::timestamptz");
  cdlt_buf_reset(&b);
  CHECK(cdlt_sql_timestamp_literal(&b, pg, "x'y") == CDLT_ERR_USAGE);
  cdlt_buf_reset(&b);
  cdlt_sql_binary_literal(&b, pg, "\x0a\xff", 2);
  CHECK_EQ_STR(b.data, "'\\x0aff'");
  cdlt_buf_reset(&b);
  cdlt_sql_binary_literal(&b, dd, "\x0a\xff", 2);
  CHECK_EQ_STR(b.data, "from_base64('Cv8=')");
  cdlt_buf_reset(&b);
  cdlt_sql_binary_literal(&b, dd, "abc", 3);
  CHECK_EQ_STR(b.data, "from_base64('YWJj')");
  cdlt_buf_reset(&b);
  cdlt_sql_binary_literal(&b, dd, "a", 1);
  CHECK_EQ_STR(b.data, "from_base64('YQ==')");
  cdlt_buf_reset(&b);
  cdlt_sql_binary_literal(&b, dd, "", 0);
  CHECK_EQ_STR(b.data, "from_base64('')");
  CHECK(cdlt_sql_is_dlt_table("_dlt_loads") && cdlt_sql_is_dlt_table("_dlt_version") &&
        cdlt_sql_is_dlt_table("_dlt_pipeline_state") && !cdlt_sql_is_dlt_table("_dlt_x") &&
        !cdlt_sql_is_dlt_table("users"));
}

static void test_column_def(void) {
  cdlt_column_def c = CU("_dlt_id", CDLT_TYPE_TEXT);
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_column_def(&b, &cdlt_dialect_postgres, &c, err), err);
  CHECK_EQ_STR(b.data, "\"_dlt_id\" varchar UNIQUE NOT NULL");
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_column_def(&b, &cdlt_dialect_duckdb, &c, err), err);
  CHECK_EQ_STR(b.data, "\"_dlt_id\" VARCHAR  NOT NULL");
  cdlt_column_def n = C("name", CDLT_TYPE_TEXT, true);
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_column_def(&b, &cdlt_dialect_duckdb, &n, err), err);
  CHECK_EQ_STR(b.data, "\"name\" VARCHAR  ");
  cdlt_column_def pk = C("id", CDLT_TYPE_BIGINT, true);
  pk.primary_key = true;
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_column_def(&b, &cdlt_dialect_postgres, &pk, err), err);
  CHECK_EQ_STR(b.data, "\"id\" bigint  NOT NULL");
}

static void test_duckdb_golden(void) {
  char *g = golden("duckdb_ddl_and_merge_sql__delete_insert_nested.sql", false);
  const cdlt_sql_dialect *d = &cdlt_dialect_duckdb;
  /* the internal tables, each one statement of the golden script */
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_create_table(&b, d, "my_data", &cdlt_dlt_version_table, err), err);
  CHECK_OK(cdlt_sql_create_table(&b, d, "my_data", &cdlt_dlt_loads_table, err), err);
  CHECK_IN(g, b.data);
  CHECK(strncmp(g, b.data, b.len) == 0); /* the golden file starts with exactly these two */
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_create_table(&b, d, "my_data", &cdlt_dlt_pipeline_state_table, err), err);
  CHECK_IN(g, b.data);

  cdlt_column_def orders_cols[] = {C("id", CDLT_TYPE_BIGINT, false), C("name", CDLT_TYPE_TEXT, true),
                                   C("updated", CDLT_TYPE_TIMESTAMP, true),
                                   C("_dlt_load_id", CDLT_TYPE_TEXT, false), CU("_dlt_id", CDLT_TYPE_TEXT),
                                   C("deleted", CDLT_TYPE_BOOL, true)};
  cdlt_table_def orders = {"orders", orders_cols, 6, false};
  cdlt_column_def items_cols[] = {C("sku", CDLT_TYPE_TEXT, true), C("_dlt_root_id", CDLT_TYPE_TEXT, false),
                                  C("_dlt_parent_id", CDLT_TYPE_TEXT, false),
                                  C("_dlt_list_idx", CDLT_TYPE_BIGINT, false), CU("_dlt_id", CDLT_TYPE_TEXT)};
  cdlt_table_def items = {"orders__items", items_cols, 5, false};
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_create_table(&b, d, "my_data", &orders, err), err);
  CHECK_IN(g, b.data);
  CHECK(strstr(b.data, "CREATE TABLE \"my_data\".\"orders\" (\n") == b.data);
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_create_table(&b, d, "my_data", &items, err), err);
  CHECK_IN(g, b.data);

  /* ALTER: one statement per column on duckdb */
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_alter_table_add(&b, d, "my_data", "orders", orders_cols, 1, err), err);
  CHECK_EQ_STR(b.data, "ALTER TABLE \"my_data\".\"orders\"\nADD COLUMN \"id\" BIGINT  NOT NULL;");
  CHECK_IN(g, b.data);
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_alter_table_add(&b, d, "my_data", "orders", orders_cols, 2, err), err);
  CHECK_EQ_STR(b.data, "ALTER TABLE \"my_data\".\"orders\"\nADD COLUMN \"id\" BIGINT  NOT NULL;\n"
                       "ALTER TABLE \"my_data\".\"orders\"\nADD COLUMN \"name\" VARCHAR  ;");
  /* replace on duckdb */
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_truncate_table(&b, d, "my_data", "orders", err), err);
  CHECK_OK(cdlt_sql_truncate_table(&b, d, "my_data", "orders__items", err), err);
  CHECK_EQ_STR(b.data, "DELETE FROM \"my_data\".\"orders\" WHERE 1=1;\nDELETE FROM \"my_data\".\"orders__items\" WHERE 1=1;");
  /* an empty table cannot be created */
  cdlt_table_def empty = {"e", NULL, 0, false};
  cdlt_buf_reset(&b);
  CHECK(cdlt_sql_create_table(&b, d, "my_data", &empty, err) == CDLT_ERR_SCHEMA);
  free(g);

  /* the second golden script has the same internal tables */
  g = golden("duckdb_ddl_and_merge_sql__scd2_upsert_harddelete.sql", false);
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_create_table(&b, d, "my_data", &cdlt_dlt_loads_table, err), err);
  CHECK_IN(g, b.data);
  free(g);
}

/* the statement of the log line starting with `prefix` ("LOG:  statement: " removed) */
static char *log_line(const char *log, const char *prefix) {
  const char *p = strstr(log, prefix);
  if (!p) return NULL;
  const char *e = strchr(p, '\n');
  size_t n = e ? (size_t)(e - p) : strlen(p);
  char *s = malloc(n + 1);
  memcpy(s, p, n);
  s[n] = 0;
  return s;
}

static void test_postgres_golden(void) {
  char *g = golden("users_append_postgres/postgres_statement_log.txt", true);
  const cdlt_sql_dialect *d = &cdlt_dialect_postgres;
  const char *ds = "golden_postgres_append_data";
  cdlt_column_def users_cols[] = {C("id", CDLT_TYPE_BIGINT, true), C("name", CDLT_TYPE_TEXT, true),
                                  C("created_at", CDLT_TYPE_TIMESTAMP, true),
                                  C("address__city", CDLT_TYPE_TEXT, true),
                                  C("_dlt_load_id", CDLT_TYPE_TEXT, false), CU("_dlt_id", CDLT_TYPE_TEXT)};
  cdlt_table_def users = {"users", users_cols, 6, false};
  cdlt_column_def pets_cols[] = {C("name", CDLT_TYPE_TEXT, true), C("kind", CDLT_TYPE_TEXT, true),
                                 C("_dlt_parent_id", CDLT_TYPE_TEXT, false),
                                 C("_dlt_list_idx", CDLT_TYPE_BIGINT, false), CU("_dlt_id", CDLT_TYPE_TEXT)};
  cdlt_table_def pets = {"users__pets", pets_cols, 5, false};

  /* the whole migration script, in the order dlt sent it */
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_create_table(&b, d, ds, &cdlt_dlt_loads_table, err), err);
  CHECK_OK(cdlt_sql_create_table(&b, d, ds, &cdlt_dlt_pipeline_state_table, err), err);
  CHECK_OK(cdlt_sql_create_table(&b, d, ds, &pets, err), err);
  CHECK_OK(cdlt_sql_create_table(&b, d, ds, &cdlt_dlt_version_table, err), err);
  CHECK_OK(cdlt_sql_create_table(&b, d, ds, &users, err), err);
  CHECK_IN(g, b.data);
  CHECK(strstr(b.data, "\"load_id\" varchar(64)  NOT NULL,\n") != NULL);

  /* ALTER: one statement for many columns on postgres (§6.3) */
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_alter_table_add(&b, d, ds, "Users", users_cols, 2, err), err);
  CHECK_EQ_STR(b.data, "ALTER TABLE \"golden_postgres_append_data\".\"users\"\n"
                       "ADD COLUMN \"id\" bigint  ,\nADD COLUMN \"name\" varchar  ;");

  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_create_schema(&b, d, ds, err), err);
  CHECK_IN(g, "LOG:  statement: CREATE SCHEMA \"golden_postgres_append_data\"\n");
  CHECK_EQ_STR(b.data, "CREATE SCHEMA \"golden_postgres_append_data\"");

  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_dataset_exists(&b, d, ds, err), err);
  CHECK_IN(g, b.data);

  const char *tables[] = {"_dlt_loads", "_dlt_pipeline_state", "users__pets", "_dlt_version", "users"};
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_columns_query(&b, d, ds, tables, 5, err), err);
  CHECK_IN(g, b.data);

  const char *hash = "3ThQWyvVe6Il+pCPI4i3hXGQ1PSAK3eq5/a2/eewWvs=";
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_version_by_hash(&b, d, ds, hash, err), err);
  char *line = log_line(g, "SELECT  \"version\", \"engine_version\", \"inserted_at\"");
  CHECK_EQ_STR(b.data, line);
  free(line);

  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_newest_state(&b, d, ds, "golden_postgres_append", err), err);
  line = log_line(g, "SELECT  \"version\", \"engine_version\", \"pipeline_name\"");
  CHECK_EQ_STR(b.data, line);
  free(line);

  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_insert_load(&b, d, ds, "1795273080.7271657", "golden_postgres_append", 0,
                                "2026-11-21T14:58:00.879536+00:00", hash, err), err);
  line = log_line(g, "INSERT INTO \"golden_postgres_append_data\".\"_dlt_loads\"");
  CHECK_EQ_STR(b.data, line);
  free(line);

  /* _dlt_version insert: take the schema text from the log, regenerate the whole statement */
  line = log_line(g, "INSERT INTO \"golden_postgres_append_data\".\"_dlt_version\"");
  CHECK(line != NULL);
  if (line) {
    const char *s0 = strstr(line, ", '{\"version\"");
    CHECK(s0 != NULL);
    if (s0) {
      s0 += 3;
      size_t n = strlen(s0) - 2; /* drop "')" */
      char *schema = malloc(n + 1);
      size_t w = 0;
      for (size_t i = 0; i < n; i++) {
        schema[w++] = s0[i];
        if (s0[i] == '\'' && s0[i + 1] == '\'') i++;
      }
      schema[w] = 0;
      cdlt_buf_reset(&b);
      CHECK_OK(cdlt_sql_insert_version(&b, d, ds, 2, 11, "2026-11-21T14:58:00.848438+00:00",
                                       "golden_postgres_append", hash, schema, w, err), err);
      CHECK_EQ_STR(b.data, line);
      free(schema);
    }
    free(line);
  }
  free(g);

  /* replace: truncate-and-insert on postgres */
  g = golden("users_replace_postgres/postgres_statement_log.txt", true);
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_truncate_table(&b, d, "golden_postgres_replace_data", "users__pets", err), err);
  CHECK_OK(cdlt_sql_truncate_table(&b, d, "golden_postgres_replace_data", "users", err), err);
  CHECK_IN(g, b.data);
  free(g);

  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_newest_schema(&b, d, "DS", "s", err), err);
  CHECK_EQ_STR(b.data, "SELECT  \"version\", \"engine_version\", \"inserted_at\", \"schema_name\", "
                       "\"version_hash\", \"schema\" FROM \"ds\".\"_dlt_version\" WHERE "
                       "\"schema_name\" = 's' ORDER BY \"inserted_at\" DESC LIMIT 1");
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_delete_schema_versions(&b, d, "ds", "o'x", err), err);
  CHECK_EQ_STR(b.data, "DELETE FROM \"ds\".\"_dlt_version\" WHERE \"schema_name\" = 'o''x'");
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_drop_table(&b, d, "ds", "t", err), err);
  CHECK_EQ_STR(b.data, "DROP TABLE IF EXISTS \"ds\".\"t\";");
  /* dataset names are folded in literals too */
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_sql_dataset_exists(&b, d, "My_Data", err), err);
  CHECK(strstr(b.data, "'my_data'") != NULL);
}

int main(void) {
  cdlt_buf_init(&b);
  test_types();
  test_literals();
  test_column_def();
  test_duckdb_golden();
  test_postgres_golden();
  cdlt_buf_release(&b);
  return check_finish();
}
