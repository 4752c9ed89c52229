/* test_merge_sql.c — the follow-up SQL of merge and staging replace (src/load/merge_sql.c)
 * against the SQL dlt generated:
 *  - duckdb_ddl_and_merge_sql__*.sql (duckdb, whitespace already collapsed): byte for byte, with the
 *    temp-table suffixes and the scd2 boundary of the golden run passed in;
 *  - postgres_log__p4_run1_... and users_merge_postgres/...sql.txt (postgres): statement by statement
 *    after collapsing whitespace runs and dropping the trailing ";" (dlt sends its multi-line text).
 * Plus the statements with no golden text: merge keys, compound keys, asc dedup, non-bool hard
 * delete, insert-only, scd2 with merge key / active record timestamp, replace from staging. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "load/merge_sql.h"
#include "util/isotime.h"

static cdlt_error err_storage;
static cdlt_error *err = &err_storage;

static cdlt_schema *load_schema(const char *rel) {
  char path[1024];
  snprintf(path, sizeof path, "%s/spec/golden/%s", check_shared_dir(), rel);
  cdlt_schema *s = NULL;
  CHECK_OK(cdlt_schema_load_file(path, &s, err), err);
  return s;
}

/* the follow-up SQL of root's chain; malloc'd */
static char *gen_sql(const cdlt_schema *s, const char *root, const cdlt_sql_dialect *d, const char *ds,
                     int64_t created_us, const char *del_hex, const char *ins_hex) {
  cdlt_table *t = cdlt_schema_table(s, root);
  CHECK_MSG(t != NULL, "table %s", root);
  if (!t) return strdup("");
  const cdlt_table **chain = NULL;
  size_t n = 0;
  CHECK_OK(cdlt_merge_chain(s, t, &chain, &n, err), err);
  char staging[256];
  snprintf(staging, sizeof staging, "%s_staging", ds);
  cdlt_merge_params mp = {.dialect = d, .dataset = ds, .staging_dataset = staging, .package_created_us = created_us,
                          .replace_strategy = "insert-from-staging", .delete_suffix = del_hex, .insert_suffix = ins_hex};
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_merge_chain_sql(&b, &mp, s, chain, n, err);
  CHECK_MSG(rc == 0, "merge sql of %s: %s", root, err->msg);
  free(chain);
  char *out = strdup(b.data ? b.data : "");
  cdlt_buf_release(&b);
  return out;
}

/* the block of golden SQL after the line `marker` up to the next "-- " line or blank line */
static char *golden_block(const char *text, const char *marker) {
  const char *p = strstr(text, marker);
  CHECK_MSG(p != NULL, "marker %s", marker);
  if (!p) return strdup("");
  p = strchr(p, '\n') + 1;
  const char *e = p;
  while (*e && strncmp(e, "-- ", 3) && *e != '\n') {
    const char *nl = strchr(e, '\n');
    e = nl ? nl + 1 : e + strlen(e);
  }
  size_t len = (size_t)(e - p);
  while (len && p[len - 1] == '\n') len--;
  return strndup(p, len);
}

/* 32-hex suffix after "<root>_<op>_" in text (static) */
static const char *suffix_in(const char *text, const char *root, const char *op) {
  static char out[2][33];
  static int k;
  char pat[128];
  snprintf(pat, sizeof pat, "%s_%s_", root, op);
  const char *p = strstr(text, pat);
  char *o = out[k++ % 2];
  o[0] = 0;
  if (p) snprintf(o, 33, "%.32s", p + strlen(pat));
  return o;
}

static int64_t ts_us(const char *iso) {
  cdlt_datetime dt = {0};
  CHECK(cdlt_coerce_text_to_timestamp(iso, strlen(iso), &dt));
  return dt.epoch_us;
}

/* collapse whitespace runs to one space, trim, drop a trailing ";" — per line */
static char *collapse(const char *s) {
  char *out = malloc(strlen(s) + 2), *o = out;
  bool space = false, bol = true;
  for (const char *p = s;; p++) {
    if (*p == '\n' || !*p) {
      while (o > out && o[-1] == ' ') o--;
      if (o > out && o[-1] == ';') o--;
      while (o > out && o[-1] == ' ') o--;
      if (!*p) break;
      *o++ = '\n';
      bol = true;
      space = false;
      continue;
    }
    if (*p == ' ' || *p == '\t' || *p == '\r') {
      space = true;
      continue;
    }
    if (space && !bol) *o++ = ' ';
    space = false;
    bol = false;
    *o++ = *p;
  }
  *o = 0;
  return out;
}

static void check_same(const char *got, const char *want, const char *what) {
  CHECK_MSG(!strcmp(got, want), "%s differs:\n--- got\n%s\n--- want\n%s", what, got, want);
}

/* ---------------------------------------------------------------- duckdb golden */

static void test_duckdb_golden_delete_insert_nested(void) {
  cdlt_schema *s = load_schema("duckdb_ddl_and_merge_sql__delete_insert_nested.input_schema.json");
  char path[1024];
  snprintf(path, sizeof path, "%s/spec/golden/duckdb_ddl_and_merge_sql__delete_insert_nested.sql", check_shared_dir());
  char *text = check_read_file(path, NULL);
  CHECK(text != NULL);
  if (!s || !text) return;
  char *want = golden_block(text, "-- MERGE orders None");
  char *got = gen_sql(s, "orders", &cdlt_dialect_duckdb, "my_data", 0, suffix_in(want, "orders", "delete"),
                      suffix_in(want, "orders", "insert"));
  check_same(got, want, "orders delete-insert with nested table");
  free(got);
  free(want);
  free(text);
  cdlt_schema_free(s);
}

static void test_duckdb_golden_scd2_upsert_harddelete(void) {
  cdlt_schema *s = load_schema("duckdb_ddl_and_merge_sql__scd2_upsert_harddelete.input_schema.json");
  char path[1024];
  snprintf(path, sizeof path, "%s/spec/golden/duckdb_ddl_and_merge_sql__scd2_upsert_harddelete.sql", check_shared_dir());
  char *text = check_read_file(path, NULL);
  CHECK(text != NULL);
  if (!s || !text) return;
  int64_t boundary = ts_us("2024-01-01T12:00:00Z");
  struct {
    const char *root, *marker;
  } cases[] = {{"dim", "-- MERGE dim scd2"}, {"ups", "-- MERGE ups upsert"}, {"hd", "-- MERGE hd None"}};
  for (size_t k = 0; k < 3; k++) {
    char *want = golden_block(text, cases[k].marker);
    char *got = gen_sql(s, cases[k].root, &cdlt_dialect_duckdb, "my_data", boundary, NULL, NULL);
    check_same(got, want, cases[k].marker);
    free(got);
    free(want);
  }
  free(text);
  cdlt_schema_free(s);
}

/* ---------------------------------------------------------------- postgres golden */

static void test_postgres_golden_p4(void) {
  cdlt_schema *s = load_schema("duckdb_ddl_and_merge_sql__scd2_upsert_harddelete.input_schema.json");
  char path[1024];
  snprintf(path, sizeof path, "%s/spec/golden/postgres_log__p4_run1_scd2_upsert_replace_harddelete.sql", check_shared_dir());
  char *text = check_read_file(path, NULL);
  CHECK(text != NULL);
  if (!s || !text) return;
  /* the follow-up statements of run 1: from the hd DELETE up to the _dlt_loads insert */
  const char *a = strstr(text, "DELETE FROM \"p4_data\".\"hd\" as d");
  const char *e = a ? strstr(a, "INSERT INTO \"p4_data\".\"_dlt_loads\"") : NULL;
  CHECK(a && e);
  if (!a || !e) return;
  char *block = strndup(a, (size_t)(e - a));
  char *want_all = collapse(block);
  int64_t boundary = ts_us("2026-11-21T14:55:15.158366+00:00");
  cdlt_buf got_all;
  cdlt_buf_init(&got_all);
  const char *roots[] = {"hd", "ups", "dim"};
  for (size_t k = 0; k < 3; k++) {
    char *g = gen_sql(s, roots[k], &cdlt_dialect_postgres, "p4_data", boundary, NULL, NULL);
    char *c = collapse(g);
    cdlt_buf_puts(&got_all, c);
    cdlt_buf_putc(&got_all, '\n');
    free(c);
    free(g);
  }
  check_same(got_all.data, want_all, "p4 run 1 follow-ups (postgres)");
  cdlt_buf_release(&got_all);
  free(want_all);
  free(block);
  free(text);
  cdlt_schema_free(s);
}

static void test_postgres_golden_users_sql_job(void) {
  cdlt_schema *s = load_schema("users_merge_postgres/pipeline_dir__schemas__golden_users.schema.json");
  char path[1024];
  snprintf(path, sizeof path, "%s/spec/golden/users_merge_postgres/package__completed_jobs__users.4acee7634c.0.sql.txt",
           check_shared_dir());
  char *text = check_read_file(path, NULL);
  CHECK(text != NULL);
  if (!s || !text) return;
  char *want = collapse(text);
  size_t wl = strlen(want);
  while (wl && want[wl - 1] == '\n') want[--wl] = 0;
  char *got = gen_sql(s, "users", &cdlt_dialect_postgres, "golden_users_data", 0, suffix_in(text, "users", "delete"),
                      suffix_in(text, "users", "insert"));
  char *gc = collapse(got);
  check_same(gc, want, "users .sql job (postgres)");
  free(gc);
  free(got);
  free(want);
  free(text);
  cdlt_schema_free(s);
}

/* ---------------------------------------------------------------- no golden text */

static cdlt_schema *schema_from(const char *tables_json) {
  char *doc = NULL;
  if (asprintf(&doc,
               "{\"version\":1,\"version_hash\":\"\",\"engine_version\":11,\"name\":\"t\",\"tables\":{"
               "\"_dlt_version\":{\"name\":\"_dlt_version\",\"columns\":{}},\"_dlt_loads\":{\"name\":\"_dlt_loads\",\"columns\":{}},%.*s},"
               "\"settings\":{},\"normalizers\":{\"names\":\"snake_case\",\"json\":{\"module\":\"x\"}}}",
               (int)strlen(tables_json) - 2, tables_json + 1) < 0)
    return NULL;
  cdlt_schema *s = NULL;
  CHECK_OK(cdlt_schema_from_json(doc, strlen(doc), "test", &s, err), err);
  free(doc);
  return s;
}

#define COLS_ROOT_KEYS                                                                                   \
  "\"a\":{\"name\":\"a\",\"data_type\":\"bigint\",\"nullable\":false,\"merge_key\":true},"               \
  "\"b\":{\"name\":\"b\",\"data_type\":\"text\",\"nullable\":false,\"merge_key\":true},"                 \
  "\"v\":{\"name\":\"v\",\"data_type\":\"text\",\"dedup_sort\":\"asc\"},"                                 \
  "\"gone\":{\"name\":\"gone\",\"data_type\":\"timestamp\",\"hard_delete\":true},"                         \
  "\"_dlt_load_id\":{\"name\":\"_dlt_load_id\",\"data_type\":\"text\",\"nullable\":false},"                \
  "\"_dlt_id\":{\"name\":\"_dlt_id\",\"data_type\":\"text\",\"nullable\":false,\"unique\":true,\"row_key\":true}"

static void test_compound_merge_key_asc_nonbool_hard_delete(void) {
  cdlt_schema *s = schema_from("{\"m\":{\"name\":\"m\",\"write_disposition\":\"merge\",\"columns\":{" COLS_ROOT_KEYS
                               "},\"x-normalizer\":{\"seen-data\":true}}}");
  if (!s) return;
  char *got = gen_sql(s, "m", &cdlt_dialect_duckdb, "ds", 0, NULL, NULL);
  /* no primary key: no dedup, merge keys AND-ed, non-bool hard delete: IS NULL */
  check_same(got,
             "DELETE FROM \"ds\".\"m\" as d WHERE EXISTS (SELECT 1 FROM \"ds_staging\".\"m\" as s WHERE d.\"a\" = s.\"a\" AND "
             "d.\"b\" = s.\"b\");\n"
             "INSERT INTO \"ds\".\"m\"(\"a\", \"b\", \"v\", \"gone\", \"_dlt_load_id\", \"_dlt_id\") SELECT \"a\", \"b\", \"v\", "
             "\"gone\", \"_dlt_load_id\", \"_dlt_id\" FROM \"ds_staging\".\"m\" WHERE \"gone\" IS NULL;",
             "merge keys, non-bool hard delete");
  free(got);
  cdlt_schema_free(s);

  /* primary key AND merge key: OR-ed clauses; asc dedup */
  s = schema_from("{\"m\":{\"name\":\"m\",\"write_disposition\":\"merge\",\"columns\":{"
                  "\"id\":{\"name\":\"id\",\"data_type\":\"bigint\",\"nullable\":false,\"primary_key\":true},"
                  "\"day\":{\"name\":\"day\",\"data_type\":\"date\",\"merge_key\":true},"
                  "\"v\":{\"name\":\"v\",\"data_type\":\"bigint\",\"dedup_sort\":\"asc\"}}}}");
  if (!s) return;
  got = gen_sql(s, "m", &cdlt_dialect_postgres, "ds", 0, NULL, NULL);
  check_same(got,
             "DELETE FROM \"ds\".\"m\" as d WHERE EXISTS (SELECT 1 FROM \"ds_staging\".\"m\" as s WHERE d.\"id\" = s.\"id\" OR "
             "d.\"day\" = s.\"day\");\n"
             "INSERT INTO \"ds\".\"m\"(\"id\", \"day\", \"v\") SELECT \"id\", \"day\", \"v\" FROM ( SELECT ROW_NUMBER() OVER "
             "(partition BY \"id\" ORDER BY \"v\" ASC) AS _dlt_dedup_rn, \"id\", \"day\", \"v\" FROM \"ds_staging\".\"m\" ) AS "
             "_dlt_dedup_numbered WHERE _dlt_dedup_rn = 1 AND (1 = 1);",
             "primary + merge key, asc dedup");
  free(got);
  cdlt_schema_free(s);
}

static void test_no_keys_is_staged_append(void) {
  cdlt_schema *s = schema_from("{\"m\":{\"name\":\"m\",\"write_disposition\":\"merge\",\"columns\":{"
                               "\"x\":{\"name\":\"x\",\"data_type\":\"bigint\"}}}}");
  if (!s) return;
  char *got = gen_sql(s, "m", &cdlt_dialect_duckdb, "ds", 0, NULL, NULL);
  check_same(got, "INSERT INTO \"ds\".\"m\"(\"x\") SELECT \"x\" FROM \"ds_staging\".\"m\" WHERE 1 = 1;", "no keys");
  free(got);
  cdlt_schema_free(s);
}

static const char *upsert_tables(const char *strategy) {
  static char buf[4096];
  snprintf(buf, sizeof buf,
           "{\"u\":{\"name\":\"u\",\"write_disposition\":\"merge\",\"x-merge-strategy\":\"%s\",\"columns\":{"
           "\"id\":{\"name\":\"id\",\"data_type\":\"bigint\",\"nullable\":false,\"primary_key\":true},"
           "\"del\":{\"name\":\"del\",\"data_type\":\"bool\",\"hard_delete\":true},"
           "\"_dlt_id\":{\"name\":\"_dlt_id\",\"data_type\":\"text\",\"nullable\":false,\"unique\":true,\"row_key\":true}},"
           "\"x-normalizer\":{\"seen-data\":true}},"
           "\"u__l\":{\"name\":\"u__l\",\"parent\":\"u\",\"columns\":{"
           "\"k\":{\"name\":\"k\",\"data_type\":\"bigint\"},"
           "\"_dlt_root_id\":{\"name\":\"_dlt_root_id\",\"data_type\":\"text\",\"nullable\":false,\"root_key\":true},"
           "\"_dlt_id\":{\"name\":\"_dlt_id\",\"data_type\":\"text\",\"nullable\":false,\"unique\":true,\"row_key\":true}},"
           "\"x-normalizer\":{\"seen-data\":true}},"
           "\"u__never\":{\"name\":\"u__never\",\"parent\":\"u\",\"columns\":{}}}",
           strategy);
  return buf;
}

static void test_upsert_hard_delete_and_insert_only(void) {
  cdlt_schema *s = schema_from(upsert_tables("upsert"));
  if (!s) return;
  char *got = gen_sql(s, "u", &cdlt_dialect_duckdb, "ds", 0, NULL, NULL);
  check_same(got,
             "MERGE INTO \"ds\".\"u\" d USING \"ds_staging\".\"u\" s ON d.\"id\" = s.\"id\" WHEN MATCHED AND s.\"del\" = True "
             "THEN DELETE WHEN MATCHED THEN UPDATE SET \"id\" = s.\"id\", \"del\" = s.\"del\", \"_dlt_id\" = s.\"_dlt_id\" WHEN "
             "NOT MATCHED THEN INSERT (\"id\", \"del\", \"_dlt_id\") VALUES (s.\"id\", s.\"del\", s.\"_dlt_id\");\n"
             "MERGE INTO \"ds\".\"u__l\" d USING \"ds_staging\".\"u__l\" s ON d.\"_dlt_id\" = s.\"_dlt_id\" WHEN MATCHED THEN "
             "UPDATE SET \"k\" = s.\"k\", \"_dlt_root_id\" = s.\"_dlt_root_id\", \"_dlt_id\" = s.\"_dlt_id\" WHEN NOT MATCHED "
             "THEN INSERT (\"k\", \"_dlt_root_id\", \"_dlt_id\") VALUES (s.\"k\", s.\"_dlt_root_id\", s.\"_dlt_id\");\n"
             "DELETE FROM \"ds\".\"u__l\" WHERE \"_dlt_root_id\" IN (SELECT \"_dlt_id\" FROM \"ds_staging\".\"u\") AND "
             "\"_dlt_id\" NOT IN (SELECT \"_dlt_id\" FROM \"ds_staging\".\"u__l\");\n"
             "DELETE FROM \"ds\".\"u__l\" WHERE \"_dlt_root_id\" IN (SELECT \"_dlt_id\" FROM \"ds_staging\".\"u\" WHERE \"del\" "
             "= True);",
             "upsert with hard delete and nested (table never seen data left out)");
  free(got);
  cdlt_schema_free(s);

  s = schema_from(upsert_tables("insert-only"));
  if (!s) return;
  got = gen_sql(s, "u", &cdlt_dialect_postgres, "ds", 0, NULL, NULL);
  check_same(got,
             "MERGE INTO \"ds\".\"u__l\" d USING (SELECT * FROM \"ds_staging\".\"u__l\" WHERE \"_dlt_root_id\" NOT IN (SELECT "
             "\"_dlt_id\" FROM \"ds\".\"u\") AND \"_dlt_root_id\" NOT IN (SELECT \"_dlt_id\" FROM \"ds_staging\".\"u\" WHERE "
             "\"del\" = True)) s ON d.\"_dlt_id\" = s.\"_dlt_id\" WHEN NOT MATCHED THEN INSERT (\"k\", \"_dlt_root_id\", "
             "\"_dlt_id\") VALUES (s.\"k\", s.\"_dlt_root_id\", s.\"_dlt_id\");\n"
             "MERGE INTO \"ds\".\"u\" d USING (SELECT * FROM \"ds_staging\".\"u\" WHERE \"del\" IS NULL OR \"del\" = False) s "
             "ON d.\"id\" = s.\"id\" WHEN NOT MATCHED THEN INSERT (\"id\", \"del\", \"_dlt_id\") VALUES (s.\"id\", s.\"del\", "
             "s.\"_dlt_id\");",
             "insert-only");
  free(got);
  cdlt_schema_free(s);

  /* upsert needs a primary key */
  s = schema_from("{\"u\":{\"name\":\"u\",\"write_disposition\":\"merge\",\"x-merge-strategy\":\"upsert\",\"columns\":{"
                  "\"x\":{\"name\":\"x\",\"data_type\":\"bigint\"}}}}");
  if (!s) return;
  const cdlt_table **chain = NULL;
  size_t n = 0;
  cdlt_merge_chain(s, cdlt_schema_table(s, "u"), &chain, &n, err);
  cdlt_merge_params mp = {.dialect = &cdlt_dialect_duckdb, .dataset = "ds", .staging_dataset = "ds_staging"};
  cdlt_buf b;
  cdlt_buf_init(&b);
  CHECK_EQ_INT(cdlt_merge_chain_sql(&b, &mp, s, chain, n, err), CDLT_ERR_SCHEMA);
  CHECK_EQ_STR(err->msg, "merge strategy 'upsert' of table 'u' requires a primary key");
  cdlt_buf_release(&b);
  free(chain);
  cdlt_schema_free(s);
}

static void test_scd2_merge_key_active_ts_custom_names(void) {
  cdlt_schema *s = schema_from(
      "{\"d\":{\"name\":\"d\",\"write_disposition\":\"merge\",\"x-merge-strategy\":\"scd2\","
      "\"x-boundary-timestamp\":\"2024-05-06T07:08:09.5+02:00\",\"columns\":{"
      "\"vf\":{\"name\":\"vf\",\"data_type\":\"timestamp\",\"x-valid-from\":true},"
      "\"vt\":{\"name\":\"vt\",\"data_type\":\"timestamp\",\"x-valid-to\":true,\"x-active-record-timestamp\":\"9999-12-31\"},"
      "\"a\":{\"name\":\"a\",\"data_type\":\"bigint\",\"merge_key\":true},"
      "\"b\":{\"name\":\"b\",\"data_type\":\"text\",\"merge_key\":true},"
      "\"h\":{\"name\":\"h\",\"data_type\":\"text\",\"x-row-version\":true}}}}");
  if (!s) return;
  char *got = gen_sql(s, "d", &cdlt_dialect_postgres, "ds", 0, NULL, NULL);
  check_same(got,
             "UPDATE \"ds\".\"d\" SET \"vt\" = '2024-05-06 05:08:09.500000+00:00' WHERE \"vt\" = '9999-12-31 "
             "00:00:00.000000+00:00' AND \"h\" NOT IN (SELECT \"h\" FROM \"ds_staging\".\"d\") AND CONCAT(\"a\", \"b\") IN "
             "(SELECT CONCAT(\"a\", \"b\") FROM \"ds_staging\".\"d\");\n"
             "INSERT INTO \"ds\".\"d\" (\"a\", \"b\", \"h\", \"vf\", \"vt\") SELECT \"a\", \"b\", \"h\", '2024-05-06 "
             "05:08:09.500000+00:00' AS \"vf\", '9999-12-31 00:00:00.000000+00:00' AS \"vt\" FROM \"ds_staging\".\"d\" AS s "
             "WHERE \"h\" NOT IN (SELECT \"h\" FROM \"ds\".\"d\" WHERE \"vt\" = '9999-12-31 00:00:00.000000+00:00');",
             "scd2 custom columns, compound merge key, active record timestamp, boundary hint");
  free(got);
  cdlt_schema_free(s);
}

static void test_replace_from_staging(void) {
  cdlt_schema *s = schema_from("{\"r\":{\"name\":\"r\",\"write_disposition\":\"replace\",\"columns\":{"
                               "\"x\":{\"name\":\"x\",\"data_type\":\"bigint\"}}},"
                               "\"r__c\":{\"name\":\"r__c\",\"parent\":\"r\",\"columns\":{"
                               "\"y\":{\"name\":\"y\",\"data_type\":\"text\"}},\"x-normalizer\":{\"seen-data\":true}}}");
  if (!s) return;
  char *got = gen_sql(s, "r", &cdlt_dialect_duckdb, "ds", 0, NULL, NULL);
  check_same(got,
             "DELETE FROM \"ds\".\"r\" WHERE 1=1;\nINSERT INTO \"ds\".\"r\"(\"x\") SELECT \"x\" FROM \"ds_staging\".\"r\";\n"
             "DELETE FROM \"ds\".\"r__c\" WHERE 1=1;\nINSERT INTO \"ds\".\"r__c\"(\"y\") SELECT \"y\" FROM \"ds_staging\".\"r__c\";",
             "insert-from-staging (duckdb)");
  free(got);
  got = gen_sql(s, "r", &cdlt_dialect_postgres, "ds", 0, NULL, NULL);
  check_same(got,
             "TRUNCATE TABLE \"ds\".\"r\";\nINSERT INTO \"ds\".\"r\"(\"x\") SELECT \"x\" FROM \"ds_staging\".\"r\";\n"
             "TRUNCATE TABLE \"ds\".\"r__c\";\nINSERT INTO \"ds\".\"r__c\"(\"y\") SELECT \"y\" FROM \"ds_staging\".\"r__c\";",
             "insert-from-staging (postgres)");
  free(got);
  /* staging-optimized: postgres moves tables, duckdb falls back to insert-from-staging */
  const cdlt_table **chain = NULL;
  size_t n = 0;
  cdlt_merge_chain(s, cdlt_schema_table(s, "r"), &chain, &n, err);
  CHECK_EQ_INT(n, 2);
  cdlt_merge_params mp = {.dialect = &cdlt_dialect_postgres, .dataset = "ds", .staging_dataset = "ds_staging",
                          .replace_strategy = "staging-optimized"};
  cdlt_buf b;
  cdlt_buf_init(&b);
  CHECK_OK(cdlt_merge_chain_sql(&b, &mp, s, chain, 1, err), err);
  CHECK_EQ_STR(b.data, "DROP TABLE IF EXISTS \"ds\".\"r\";\nALTER TABLE \"ds_staging\".\"r\" SET SCHEMA \"ds\";\n"
                       "CREATE TABLE \"ds_staging\".\"r\" (like \"ds\".\"r\" including all);");
  cdlt_buf_reset(&b);
  mp.dialect = &cdlt_dialect_duckdb;
  CHECK_OK(cdlt_merge_chain_sql(&b, &mp, s, chain, 1, err), err);
  CHECK_EQ_STR(b.data, "DELETE FROM \"ds\".\"r\" WHERE 1=1;\nINSERT INTO \"ds\".\"r\"(\"x\") SELECT \"x\" FROM \"ds_staging\".\"r\";");
  cdlt_buf_release(&b);
  free(chain);
  CHECK(cdlt_merge_uses_staging(s, cdlt_schema_table(s, "r"), "insert-from-staging"));
  CHECK(!cdlt_merge_uses_staging(s, cdlt_schema_table(s, "r"), "truncate-and-insert"));
  CHECK(!cdlt_merge_uses_staging(s, cdlt_schema_table(s, "r"), NULL));
  cdlt_schema_free(s);
}

static void test_temp_table_name_shortened_for_postgres(void) {
  char name[80];
  memset(name, 'x', 60);
  name[60] = 0;
  char tables[1024];
  snprintf(tables, sizeof tables,
           "{\"%s\":{\"name\":\"%s\",\"write_disposition\":\"merge\",\"columns\":{"
           "\"id\":{\"name\":\"id\",\"data_type\":\"bigint\",\"primary_key\":true},"
           "\"_dlt_id\":{\"name\":\"_dlt_id\",\"data_type\":\"text\",\"row_key\":true}}},"
           "\"%s__c\":{\"name\":\"%s__c\",\"parent\":\"%s\",\"columns\":{"
           "\"_dlt_root_id\":{\"name\":\"_dlt_root_id\",\"data_type\":\"text\",\"root_key\":true},"
           "\"_dlt_id\":{\"name\":\"_dlt_id\",\"data_type\":\"text\",\"row_key\":true}},\"x-normalizer\":{\"seen-data\":true}}}",
           name, name, name, name, name);
  cdlt_schema *s = schema_from(tables);
  if (!s) return;
  char *got = gen_sql(s, name, &cdlt_dialect_postgres, "ds", 0, NULL, NULL);
  /* CREATE TEMPORARY TABLE <63 chars> AS ... */
  const char *p = strstr(got, "CREATE TEMPORARY TABLE ");
  CHECK(p != NULL);
  if (p) {
    p += strlen("CREATE TEMPORARY TABLE ");
    const char *sp = strchr(p, ' ');
    CHECK_EQ_INT(sp - p, 63);
  }
  free(got);
  cdlt_schema_free(s);
}

int main(void) {
  test_duckdb_golden_delete_insert_nested();
  test_duckdb_golden_scd2_upsert_harddelete();
  test_postgres_golden_p4();
  test_postgres_golden_users_sql_job();
  test_compound_merge_key_asc_nonbool_hard_delete();
  test_no_keys_is_staged_append();
  test_upsert_hard_delete_and_insert_only();
  test_scd2_merge_key_active_ts_custom_names();
  test_replace_from_staging();
  test_temp_table_name_shortened_for_postgres();
  return check_finish();
}
