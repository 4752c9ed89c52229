/* test_postgres.c — the PostgreSQL destination against a real, throwaway PostgreSQL server
 * (tests/harness/pg_server.h): the destination's methods directly (COPY of every data type,
 * escaping, NULLs, gzip, transactions, errors, query rendering), then whole pipelines through the
 * `cdlt` binary and the C API (append, nesting, evolution, replace, long identifiers, dlt's
 * tables, DDL byte-exact against dlt's statement log, env credentials, wrong password).
 * Everything is read back with libpq directly. No output of cdlt may contain the password.
 * Set CDLT_BENCH_MB=100 to also measure COPY throughput of a generated job file of that size. */
#define _GNU_SOURCE
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "cdlt/cdlt.h"
#include "check.h"
#include "e2e.h"
#include "destinations/destination.h"
#include "load/sql_gen.h"
#include "pg_query.h"
#include "pg_server.h"

static pg_server *srv;
static PGconn *db;   /* the test's own connection, as the test user */
#define PASSWORD_ENCODED "p%40ss%3Aw0rd-Zq8"

/* ---------------------------------------------------------------- reading back with libpq */

static char *pq(const char *sql) { return pg_query(db, sql); }
#define CHECK_PQ(sql, expected) CHECK_PG(db, (sql), (expected))

/* "name type\n..." of a table from information_schema, in ordinal order */
static char *pg_cols(const char *ds, const char *table) {
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT column_name || ' ' || data_type || CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END "
           "FROM information_schema.columns WHERE table_schema = '%s' AND table_name = '%s' ORDER BY ordinal_position",
           ds, table);
  return pq(sql);
}
#define CHECK_PG_COLS(ds, table, expected) \
  do {                                  \
    char *got_ = pg_cols((ds), (table));   \
    CHECK_EQ_STR(got_, (expected));     \
    free(got_);                         \
  } while (0)

static long count(const char *ds, const char *table) {
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\".\"%s\"", ds, table);
  char *r = pq(sql);
  long n = r && strncmp(r, "ERROR", 5) ? strtol(r, NULL, 10) : -1;
  free(r);
  return n;
}

/* ---------------------------------------------------------------- running cdlt */

/* asserts that text holds no form of the password */
static void check_no_password(const char *what, const char *text) {
  CHECK_MSG(!contains(text, PG_SERVER_PASSWORD) && !contains(text, PASSWORD_ENCODED) && !contains(text, "p@ss"),
            "the password appears in %s:\n%s", what, text);
}

/* cdlt_env() of tests/harness/e2e.h; every output is also checked for the password. */
static int cdlt_pg(const env *e, const char *envs, char **out, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int cdlt_pg(const env *e, const char *envs, char **out, const char *fmt, ...) {
  char args[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  char *o = NULL;
  int rc = cdlt_env(e, envs, &o, "%s", args);
  check_no_password("the output of cdlt", o);
  if (out) *out = o;
  else free(o);
  return rc;
}

/* cdlt run <file> --destination postgres --credentials <url> <more>; expects exit 0 */
static void run_ok(const env *e, const char *file, const char *more) {
  char *out = NULL;
  int rc = cdlt_pg(e, NULL, &out, "run '%s' --destination postgres --credentials '%s' %s", file, pg_server_url(srv),
                    more);
  CHECK_MSG(rc == 0, "cdlt run %s %s exited %d:\n%s", file, more, rc, out);
  free(out);
}

/* ---------------------------------------------------------------- 1. the destination itself */

static cdlt_destination *open_dest(const char *credentials) {
  const cdlt_destination_vtab *vt = cdlt_destination_find("postgres");
  cdlt_destination *d = NULL;
  cdlt_error err = {0};
  CHECK(vt != NULL);
  if (!vt) return NULL;
  int rc = cdlt_destination_open(vt, &(cdlt_destination_config){.credentials = credentials}, &d, &err);
  CHECK_OK(rc, &err);
  return rc ? NULL : d;
}

/* Renders a destination query like pq(). */
static char *dq(cdlt_destination *d, const char *sql) {
  cdlt_rows rows = {0};
  cdlt_error err = {0};
  char *res = NULL;
  if (d->vtab->query(d, sql, &rows, &err)) {
    if (asprintf(&res, "ERROR: %s", err.msg) < 0) res = NULL;
    return res;
  }
  size_t len = 0;
  FILE *f = open_memstream(&res, &len);
  for (size_t i = 0; i < rows.nrows; i++) {
    if (i) fputc('\n', f);
    for (size_t j = 0; j < rows.ncols; j++) {
      const char *v = cdlt_rows_get(&rows, i, j);
      if (j) fputc('|', f);
      fputs(v ? v : "NULL", f);
    }
  }
  fclose(f);
  cdlt_rows_free(&rows);
  return res;
}
#define CHECK_DQ(d, sql, expected)  \
  do {                              \
    char *got_ = dq((d), (sql));    \
    CHECK_EQ_STR(got_, (expected)); \
    free(got_);                     \
  } while (0)

#define C(n, t) {.name = n, .type = t, .nullable = true, .precision = -1, .scale = -1, .timezone = true}
static cdlt_column_def all_cols[] = {
    C("id", CDLT_TYPE_BIGINT),
    C("txt", CDLT_TYPE_TEXT),
    C("dbl", CDLT_TYPE_DOUBLE),
    C("flag", CDLT_TYPE_BOOL),
    C("ts", CDLT_TYPE_TIMESTAMP),
    {.name = "ts_naive", .type = CDLT_TYPE_TIMESTAMP, .nullable = true, .precision = -1, .scale = -1, .timezone = false},
    C("d", CDLT_TYPE_DATE),
    C("tm", CDLT_TYPE_TIME),
    C("dec", CDLT_TYPE_DECIMAL),
    C("wei", CDLT_TYPE_WEI),
    C("bin", CDLT_TYPE_BINARY),
    C("js", CDLT_TYPE_JSON),
    {.name = "small", .type = CDLT_TYPE_BIGINT, .nullable = true, .precision = 16, .scale = -1, .timezone = true},
    {.name = "Mixed Case", .type = CDLT_TYPE_TEXT, .nullable = true, .precision = -1, .scale = -1, .timezone = true},
};
static const cdlt_table_def all_table = {"all_types", all_cols, sizeof all_cols / sizeof *all_cols, false};

static const char ALL_JSONL[] =
    /* every type, with escapes in text */
    "{\"id\":1,\"txt\":\"tab\\there\\nnew line \\\\ back\\\\slash 'q' \\\"dq\\\" \\r ünï€ \\\\N\",\"dbl\":1.5,"
    "\"flag\":true,\"ts\":\"2024-02-01T10:00:00+02:00\",\"ts_naive\":\"2024-02-01T10:00:00+02:00\","
    "\"d\":\"2024-02-29\",\"tm\":\"10:11:12.5\",\"dec\":\"12345.678901234\",\"wei\":"
    "\"123456789012345678901234567890123456789012345678901234567890\",\"bin\":\"AAH/Cg==\","
    "\"js\":{\"a\":[1,2.5,\"x\\ty\"],\"b\":null},\"small\":-32768,\"Mixed Case\":\"MC\"}\n"
    /* numbers as JSON numbers, other json values, NULLs written as null */
    "{\"id\":2,\"txt\":\"\",\"dbl\":1e20,\"flag\":false,\"ts\":\"2024-01-01T10:00:00.25Z\",\"ts_naive\":"
    "\"2024-01-01T10:00:00.000001\",\"d\":null,\"tm\":\"23:59:59\",\"dec\":-0.5,\"wei\":1e30,\"bin\":\"\","
    "\"js\":\"just a string\",\"small\":null,\"Mixed Case\":null}\n"
    /* missing keys are NULL, unknown keys ignored, key order free */
    "{\"js\":[],\"unknown\":1,\"id\":3}\n"
    "{\"id\":4,\"dbl\":3,\"js\":42}\n";

static void write_gz(const char *path, const char *content) {
  gzFile g = gzopen(path, "wb");
  CHECK(g != NULL);
  if (!g) return;
  gzwrite(g, content, (unsigned)strlen(content));
  gzclose(g);
}

static void test_destination_types(void) {
  cdlt_destination *d = open_dest(pg_server_url(srv));
  if (!d) return;
  char loc[256];
  snprintf(loc, sizeof loc, "postgresql://cdlt_user:***@127.0.0.1:%d/cdlt_db", pg_server_port(srv));
  CHECK_EQ_STR(d->vtab->location(d), loc);
  cdlt_error err = {0};
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  CHECK_OK(cdlt_sql_create_schema(&sql, &cdlt_dialect_postgres, "dest_ds", &err), &err);
  CHECK_OK(d->vtab->execute(d, sql.data, &err), &err);
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_postgres, "dest_ds", &all_table, &err), &err);
  CHECK_OK(d->vtab->execute(d, sql.data, &err), &err);
  cdlt_buf_release(&sql);
  CHECK_PG_COLS("dest_ds", "all_types",
             "id bigint\ntxt character varying\ndbl double precision\nflag boolean\nts timestamp with time zone\n"
             "ts_naive timestamp without time zone\nd date\ntm time without time zone\ndec numeric\nwei numeric\n"
             "bin bytea\njs jsonb\nsmall smallint\nmixed case character varying");

  env e;
  env_new(&e);
  const char *f = write_file(&e, "all.jsonl", ALL_JSONL);
  CHECK_OK(d->vtab->load_file(d, "dest_ds", &all_table, f, CDLT_FORMAT_JSONL, &err), &err);
  CHECK_EQ_INT(count("dest_ds", "all_types"), 4);
  /* PostgreSQL's own text of every value */
  CHECK_PQ("SELECT id, txt, dbl, flag, ts, ts_naive, d, tm, dec, wei, bin, js, small, \"mixed case\" FROM "
           "dest_ds.all_types ORDER BY id",
           "1|tab\there\nnew line \\ back\\slash 'q' \"dq\" \r ünï€ \\N|1.5|t|2024-02-01 08:00:00+00|"
           "2024-02-01 08:00:00|2024-02-29|10:11:12.5|12345.678901234|"
           "123456789012345678901234567890123456789012345678901234567890.000000000000000000000000000000000000000000000"
           "000000000000000000000000000000000|\\x0001ff0a|{\"a\": [1, 2.5, \"x\\ty\"], \"b\": null}|-32768|MC\n"
           "2||1e+20|f|2024-01-01 10:00:00.25+00|2024-01-01 10:00:00.000001|NULL|23:59:59|-0.500000000|"
           "1000000000000000000000000000000.000000000000000000000000000000000000000000000000000000000000000000000000000"
           "000|\\x|\"just a string\"|NULL|NULL\n"
           "3|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|[]|NULL|NULL\n"
           "4|NULL|3|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|42|NULL|NULL");
  /* the same through the destination's query(): dlt's text conventions */
  CHECK_DQ(d, "SELECT id, flag, dbl, ts, ts_naive, d, js::text, txt IS NULL FROM dest_ds.all_types ORDER BY id",
           "1|true|1.5|2024-02-01T08:00:00+00:00|2024-02-01T08:00:00|2024-02-29|{\"a\": [1, 2.5, \"x\\ty\"], \"b\": "
           "null}|false\n"
           "2|false|1e+20|2024-01-01T10:00:00.250000+00:00|2024-01-01T10:00:00.000001|NULL|\"just a string\"|false\n"
           "3|NULL|NULL|NULL|NULL|NULL|[]|true\n"
           "4|NULL|3.0|NULL|NULL|NULL|42|true");
  CHECK_DQ(d, "SELECT 'infinity'::timestamptz, '2024-01-01 05:30:00+05:30'::timestamptz, 0.1::float8, "
              "'-Infinity'::float8, 2::smallint, NULL::text, ''::text",
           "infinity|2024-01-01T00:00:00+00:00|0.1|-Infinity|2|NULL|");

  /* gzip job files load the same */
  char gz[1100];
  snprintf(gz, sizeof gz, "%s/all.jsonl.gz", e.dir);
  write_gz(gz, ALL_JSONL);
  CHECK_OK(d->vtab->load_file(d, "dest_ds", &all_table, gz, CDLT_FORMAT_JSONL, &err), &err);
  CHECK_PQ("SELECT count(*), count(DISTINCT (id, txt, dbl, flag, ts, ts_naive, d, tm, dec, wei, bin, js::text, small)) "
           "FROM dest_ds.all_types",
           "8|4");
  cdlt_destination_close(d);
}

static void test_destination_transactions_and_errors(void) {
  cdlt_destination *d = open_dest(pg_server_url(srv));
  if (!d) return;
  cdlt_error err = {0};
  env e;
  env_new(&e);
  CHECK_OK(d->vtab->execute(d, "CREATE SCHEMA tx_ds; CREATE TABLE tx_ds.t (id bigint NOT NULL, s varchar)", &err),
           &err);
  static cdlt_column_def tc[] = {{.name = "id", .type = CDLT_TYPE_BIGINT, .nullable = false, .precision = -1, .scale = -1},
                                 C("s", CDLT_TYPE_TEXT)};
  static const cdlt_table_def t = {"t", tc, 2, false};
  const char *good = write_file(&e, "good.jsonl", "{\"id\":1,\"s\":\"a\"}\n{\"id\":2}\n");

  /* rollback discards a load, commit keeps it */
  CHECK_OK(d->vtab->begin(d, &err), &err);
  CHECK_OK(d->vtab->load_file(d, "tx_ds", &t, good, CDLT_FORMAT_JSONL, &err), &err);
  CHECK_OK(d->vtab->rollback(d, &err), &err);
  CHECK_EQ_INT(count("tx_ds", "t"), 0);
  CHECK_OK(d->vtab->begin(d, &err), &err);
  CHECK_OK(d->vtab->load_file(d, "tx_ds", &t, good, CDLT_FORMAT_JSONL, &err), &err);
  CHECK_OK(d->vtab->commit(d, &err), &err);
  CHECK_EQ_INT(count("tx_ds", "t"), 2);

  /* a value postgres rejects fails the whole file, with postgres's message and the place */
  const char *bad = write_file(&e, "bad.jsonl", "{\"id\":3}\n{\"id\":\"x\"}\n");
  CHECK_EQ_INT(d->vtab->load_file(d, "tx_ds", &t, bad, CDLT_FORMAT_JSONL, &err), CDLT_ERR_DESTINATION);
  CHECK_MSG(contains(err.msg, "cannot load '") && contains(err.msg, "bad.jsonl' into 't'") &&
                contains(err.msg, "invalid input syntax for type bigint: \"x\"") && contains(err.msg, "line 2"),
            "message: %s", err.msg);
  /* a NULL in a NOT NULL column */
  const char *nul = write_file(&e, "nul.jsonl", "{\"s\":\"no id\"}\n");
  CHECK_EQ_INT(d->vtab->load_file(d, "tx_ds", &t, nul, CDLT_FORMAT_JSONL, &err), CDLT_ERR_DESTINATION);
  CHECK_MSG(contains(err.msg, "null value in column \"id\""), "message: %s", err.msg);
  /* a NUL character cannot be stored: cdlt's own message, the COPY is aborted */
  const char *zero = write_file(&e, "zero.jsonl", "{\"id\":5,\"s\":\"a\\u0000b\"}\n");
  CHECK_EQ_INT(d->vtab->load_file(d, "tx_ds", &t, zero, CDLT_FORMAT_JSONL, &err), CDLT_ERR_DESTINATION);
  CHECK_MSG(contains(err.msg, "zero.jsonl' into 't': line 1, column 's': text contains a NUL character"),
            "message: %s", err.msg);
  /* bad JSON in the job */
  const char *broken = write_file(&e, "broken.jsonl", "{\"id\":6}\n{\"id\":\n");
  CHECK(d->vtab->load_file(d, "tx_ds", &t, broken, CDLT_FORMAT_JSONL, &err) < 0);
  CHECK_MSG(contains(err.msg, "broken.jsonl"), "message: %s", err.msg);
  /* bad base64 in a binary column */
  static cdlt_column_def bc[] = {C("b", CDLT_TYPE_BINARY)};
  static const cdlt_table_def bt = {"b", bc, 1, false};
  CHECK_OK(d->vtab->execute(d, "CREATE TABLE tx_ds.b (b bytea)", &err), &err);
  const char *b64 = write_file(&e, "b64.jsonl", "{\"b\":\"AAH/Cg==\"}\n{\"b\":\"!!\"}\n");
  CHECK_EQ_INT(d->vtab->load_file(d, "tx_ds", &bt, b64, CDLT_FORMAT_JSONL, &err), CDLT_ERR_DESTINATION);
  CHECK_MSG(contains(err.msg, "line 2, column 'b': binary value is not valid base64"), "message: %s", err.msg);
  /* nothing of the failed files arrived */
  CHECK_EQ_INT(count("tx_ds", "t"), 2);
  CHECK_EQ_INT(count("tx_ds", "b"), 0);
  /* the connection is still usable after failed COPYs */
  CHECK_DQ(d, "SELECT count(*) FROM tx_ds.t", "2");

  /* an error inside a transaction aborts it: commit reports it */
  CHECK_OK(d->vtab->begin(d, &err), &err);
  CHECK_EQ_INT(d->vtab->load_file(d, "tx_ds", &t, bad, CDLT_FORMAT_JSONL, &err), CDLT_ERR_DESTINATION);
  CHECK_EQ_INT(d->vtab->commit(d, &err), CDLT_ERR_DESTINATION);
  CHECK_EQ_STR(err.msg, "postgres: commit: the transaction was aborted and rolled back");
  CHECK_EQ_INT(count("tx_ds", "t"), 2);

  /* SQL errors carry postgres's primary message */
  CHECK_EQ_INT(d->vtab->execute(d, "SELECT * FROM tx_ds.nope", &err), CDLT_ERR_DESTINATION);
  CHECK_EQ_STR(err.msg, "postgres: execute: relation \"tx_ds.nope\" does not exist");
  CHECK_EQ_INT(d->vtab->query(d, "SELEC 1", &(cdlt_rows){0}, &err), CDLT_ERR_DESTINATION);
  CHECK_EQ_STR(err.msg, "postgres: query: syntax error at or near \"SELEC\"");

  /* many rows: streamed in chunks */
  char big[1100];
  snprintf(big, sizeof big, "%s/big.jsonl", e.dir);
  FILE *fb = fopen(big, "w");
  for (int i = 0; i < 50000; i++) fprintf(fb, "{\"id\":%d,\"s\":\"row %d with some text to make it longer\"}\n", i + 100, i);
  fclose(fb);
  CHECK_OK(d->vtab->load_file(d, "tx_ds", &t, big, CDLT_FORMAT_JSONL, &err), &err);
  CHECK_PQ("SELECT count(*), min(id), max(id), max(s) FILTER (WHERE id = 50099) FROM tx_ds.t WHERE id >= 100",
           "50000|100|50099|row 49999 with some text to make it longer");
  cdlt_destination_close(d);
}

/* wrong password / unreachable server: clear error, no password; env credentials */
static void test_destination_credentials(void) {
  const cdlt_destination_vtab *vt = cdlt_destination_find("postgres");
  cdlt_destination *d = NULL;
  cdlt_error err = {0};
  char url[512];
  snprintf(url, sizeof url, "postgresql://cdlt_user:wrong-S3CRET@127.0.0.1:%d/cdlt_db", pg_server_port(srv));
  CHECK_EQ_INT(cdlt_destination_open(vt, &(cdlt_destination_config){.credentials = url}, &d, &err),
               CDLT_ERR_DESTINATION);
  char expect[512];
  snprintf(expect, sizeof expect, "cannot connect to postgres at 'postgresql://cdlt_user:***@127.0.0.1:%d/cdlt_db': ",
           pg_server_port(srv));
  CHECK_MSG(!strncmp(err.msg, expect, strlen(expect)) &&
                contains(err.msg, "password authentication failed for user \"cdlt_user\""),
            "message: %s", err.msg);
  CHECK_MSG(!contains(err.msg, "S3CRET"), "message leaks the password: %s", err.msg);

  /* the password from DESTINATION__POSTGRES__CREDENTIALS__PASSWORD */
  setenv("DESTINATION__POSTGRES__CREDENTIALS__PASSWORD", PG_SERVER_PASSWORD, 1);
  d = open_dest(pg_server_url_nopass(srv));
  if (d) CHECK_DQ(d, "SELECT current_user, current_setting('TimeZone')", "cdlt_user|UTC");
  cdlt_destination_close(d);
  unsetenv("DESTINATION__POSTGRES__CREDENTIALS__PASSWORD");
  /* the whole string from DESTINATION__POSTGRES__CREDENTIALS */
  setenv("DESTINATION__POSTGRES__CREDENTIALS", pg_server_url(srv), 1);
  d = open_dest(NULL);
  if (d) CHECK_DQ(d, "SELECT current_database()", "cdlt_db");
  cdlt_destination_close(d);
  unsetenv("DESTINATION__POSTGRES__CREDENTIALS");
}

/* ---------------------------------------------------------------- 2. pipelines through cdlt */

static void test_cli_append_twice(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "t.jsonl",
                             "{\"id\": 1, \"name\": \"a\", \"ts\": \"2024-01-01T10:00:00Z\", \"ok\": true, \"x\": 1.5}\n"
                             "{\"id\": 2, \"name\": \"b\", \"ts\": \"2024-02-01T10:00:00+02:00\", \"ok\": false, \"x\": 2}\n"
                             "{\"id\": 3, \"name\": null, \"ts\": \"2024-03-01T00:00:00.250000Z\"}\n");
  char *out = NULL;
  int rc = cdlt_pg(&e, NULL, &out, "run '%s' --pipeline pg1 --destination postgres --credentials '%s'", f,
                    pg_server_url(srv));
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(contains(out, "1 load package(s) were loaded to destination postgres and into dataset pg1_dataset\n"),
            "output: %s", out);
  char line[256];
  snprintf(line, sizeof line,
           "The postgres destination used postgresql://cdlt_user:***@127.0.0.1:%d/cdlt_db location to store data",
           pg_server_port(srv));
  CHECK_MSG(contains(out, line), "output lacks '%s':\n%s", line, out);
  free(out);
  run_ok(&e, f, "--pipeline pg1");

  const char *ds = "pg1_dataset";
  CHECK_PG_COLS(ds, "t",
             "id bigint\nname character varying\nts timestamp with time zone\nok boolean\nx double precision\n"
             "_dlt_load_id character varying NOT NULL\n_dlt_id character varying NOT NULL");
  CHECK_PQ("SELECT id, name, ts, ok, x FROM pg1_dataset.t ORDER BY id, _dlt_load_id",
           "1|a|2024-01-01 10:00:00+00|t|1.5\n1|a|2024-01-01 10:00:00+00|t|1.5\n"
           "2|b|2024-02-01 08:00:00+00|f|2\n2|b|2024-02-01 08:00:00+00|f|2\n"
           "3|NULL|2024-03-01 00:00:00.25+00|NULL|NULL\n3|NULL|2024-03-01 00:00:00.25+00|NULL|NULL");
  /* _dlt_id is UNIQUE on postgres (create_indexes, §6.1) */
  CHECK_PQ("SELECT count(*) FROM pg_indexes WHERE schemaname = 'pg1_dataset' AND tablename = 't' AND "
           "indexdef LIKE 'CREATE UNIQUE INDEX%(_dlt_id)'",
           "1");
  /* dlt's tables (§4.5, §6.1) */
  CHECK_PG_COLS(ds, "_dlt_loads",
             "load_id character varying NOT NULL\nschema_name character varying\nstatus bigint NOT NULL\n"
             "inserted_at timestamp with time zone NOT NULL\nschema_version_hash character varying");
  CHECK_PQ("SELECT character_maximum_length FROM information_schema.columns WHERE table_schema = 'pg1_dataset' AND "
           "table_name = '_dlt_loads' AND column_name = 'load_id'",
           "64");
  CHECK_PG_COLS(ds, "_dlt_version",
             "version bigint NOT NULL\nengine_version bigint NOT NULL\ninserted_at timestamp with time zone NOT NULL\n"
             "schema_name character varying NOT NULL\nversion_hash character varying NOT NULL\n"
             "schema character varying NOT NULL");
  CHECK_PG_COLS(ds, "_dlt_pipeline_state",
             "version bigint NOT NULL\nengine_version bigint NOT NULL\npipeline_name character varying NOT NULL\n"
             "state character varying NOT NULL\ncreated_at timestamp with time zone NOT NULL\n"
             "version_hash character varying\n_dlt_load_id character varying NOT NULL\n"
             "_dlt_id character varying NOT NULL");
  CHECK_PQ("SELECT count(*), count(DISTINCT load_id), min(status), max(status), min(schema_name) FROM "
           "pg1_dataset._dlt_loads",
           "2|2|0|0|pg1");
  CHECK_PQ("SELECT count(*) FROM pg1_dataset._dlt_loads l JOIN (SELECT DISTINCT _dlt_load_id FROM pg1_dataset.t) t "
           "ON t._dlt_load_id = l.load_id",
           "2");
  CHECK_PQ("SELECT count(*), min(engine_version), min(schema_name), bool_and(schema LIKE '{%') FROM "
           "pg1_dataset._dlt_version",
           "1|11|pg1|t");
  CHECK_PQ("SELECT count(*) FROM pg1_dataset._dlt_loads l JOIN pg1_dataset._dlt_version v ON "
           "v.version_hash = l.schema_version_hash",
           "2");
  CHECK_PQ("SELECT count(*), min(version), min(engine_version), min(pipeline_name), bool_and(state LIKE 'eNp%'), "
           "min(_dlt_load_id) = (SELECT min(load_id) FROM pg1_dataset._dlt_loads) FROM pg1_dataset._dlt_pipeline_state",
           "1|1|4|pg1|t|t");
}

static void test_cli_nested_and_evolution(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "n1.jsonl",
                              "{\"id\": 1, \"tags\": [\"a\", \"b\"], \"objs\": [{\"x\": 1, \"deep\": [\"p\"]}, {\"x\": 2}]}\n"
                              "{\"id\": 2, \"tags\": [], \"objs\": [{\"x\": 3}]}\n");
  run_ok(&e, f1, "--pipeline nest --dataset nds --table t");
  CHECK_PG_COLS("nds", "t", "id bigint\n_dlt_load_id character varying NOT NULL\n_dlt_id character varying NOT NULL");
  CHECK_PG_COLS("nds", "t__tags",
             "value character varying\n_dlt_parent_id character varying NOT NULL\n_dlt_list_idx bigint NOT NULL\n"
             "_dlt_id character varying NOT NULL");
  CHECK_PG_COLS("nds", "t__objs__deep",
             "value character varying\n_dlt_parent_id character varying NOT NULL\n_dlt_list_idx bigint NOT NULL\n"
             "_dlt_id character varying NOT NULL");
  CHECK_PQ("SELECT p.id, c._dlt_list_idx, c.value FROM nds.t__tags c JOIN nds.t p ON c._dlt_parent_id = p._dlt_id "
           "ORDER BY 1, 2",
           "1|0|a\n1|1|b");
  CHECK_PQ("SELECT p.id, c._dlt_list_idx, c.x FROM nds.t__objs c JOIN nds.t p ON c._dlt_parent_id = p._dlt_id "
           "ORDER BY 1, 2",
           "1|0|1\n1|1|2\n2|0|3");
  CHECK_PQ("SELECT o.x, c.value FROM nds.t__objs__deep c JOIN nds.t__objs o ON c._dlt_parent_id = o._dlt_id", "1|p");

  /* evolution: a new column (ALTER TABLE ADD COLUMN) and a variant column for a new type */
  const char *f2 = write_file(&e, "n2.jsonl",
                              "{\"id\": 3, \"extra\": \"new\", \"objs\": [{\"x\": \"not a number\", \"y\": true}]}\n");
  run_ok(&e, f2, "--pipeline nest --dataset nds --table t");
  CHECK_PG_COLS("nds", "t",
             "id bigint\n_dlt_load_id character varying NOT NULL\n_dlt_id character varying NOT NULL\n"
             "extra character varying");
  CHECK_PG_COLS("nds", "t__objs",
             "x bigint\n_dlt_parent_id character varying NOT NULL\n_dlt_list_idx bigint NOT NULL\n"
             "_dlt_id character varying NOT NULL\nx__v_text character varying\ny boolean");
  CHECK_PQ("SELECT p.id, c.x, c.x__v_text, c.y FROM nds.t__objs c JOIN nds.t p ON c._dlt_parent_id = p._dlt_id "
           "ORDER BY 1, 2",
           "1|1|NULL|NULL\n1|2|NULL|NULL\n2|3|NULL|NULL\n3|NULL|not a number|t");
  CHECK_PQ("SELECT id, extra FROM nds.t ORDER BY 1", "1|NULL\n2|NULL\n3|new");
  /* two schema versions recorded */
  CHECK_PQ("SELECT count(*), count(DISTINCT version_hash) FROM nds._dlt_version", "2|2");
}

static void test_cli_replace(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "r1.jsonl", "{\"id\": 1, \"kids\": [{\"k\": 1}, {\"k\": 2}]}\n{\"id\": 2}\n");
  run_ok(&e, f1, "--pipeline rep --dataset rds --table t --write-disposition replace");
  CHECK_EQ_INT(count("rds", "t"), 2);
  CHECK_EQ_INT(count("rds", "t__kids"), 2);
  const char *f2 = write_file(&e, "r2.jsonl", "{\"id\": 3}\n");
  run_ok(&e, f2, "--pipeline rep --dataset rds --table t --write-disposition replace");
  CHECK_PQ("SELECT id FROM rds.t", "3");
  /* the child table of the replaced root is truncated too (§8.2) */
  CHECK_EQ_INT(count("rds", "t__kids"), 0);
  run_ok(&e, f1, "--pipeline rep --dataset rds --table t");
  CHECK_PQ("SELECT id FROM rds.t ORDER BY 1", "1\n2\n3");
  CHECK_EQ_INT(count("rds", "t__kids"), 2);
  CHECK_PQ("SELECT count(*) FROM rds._dlt_loads WHERE status = 0", "3");
}

/* identifiers longer than 63 bytes are shortened as dlt does (golden: unit/naming_golden.json,
 * snake_case_max63) */
static void test_cli_long_identifiers(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "long.jsonl",
                             "{\"id\": 1, \"veryLongFieldNameThatExceedsTheSixtyThreeCharacterPostgresLimitForSureYes\": "
                             "\"v\"}\n");
  run_ok(&e, f, "--pipeline longid --dataset lds --table t");
  CHECK_PG_COLS("lds", "t",
             "id bigint\nvery_long_field_name_that_excbpc1ka_postgres_limit_for_sure_yes character varying\n"
             "_dlt_load_id character varying NOT NULL\n_dlt_id character varying NOT NULL");
  CHECK_PQ("SELECT very_long_field_name_that_excbpc1ka_postgres_limit_for_sure_yes FROM lds.t", "v");
}

/* The DDL cdlt sent is byte for byte the DDL in dlt's postgres statement log (golden
 * users_append_postgres: same input, pipeline and dataset names). */
static char *extract_statement(const char *log, const char *start) {
  const char *p = log, *found = NULL;
  while ((p = strstr(p, start)) != NULL) { /* the last one */
    found = p;
    p += strlen(start);
  }
  if (!found) return NULL;
  const char *end = strstr(found, ");");
  if (!end) return NULL;
  return strndup(found, (size_t)(end - found + 2));
}

static void test_cli_ddl_matches_golden(void) {
  env e;
  env_new(&e);
  const char *f = write_file(
      &e, "users.jsonl",
      "{\"id\":1,\"name\":\"Alice\",\"createdAt\":\"2024-01-01T10:00:00Z\",\"address\":{\"city\":\"Berlin\"},"
      "\"pets\":[{\"name\":\"Rex\",\"kind\":\"dog\"},{\"name\":\"Tom\",\"kind\":\"cat\"}]}\n"
      "{\"id\":2,\"name\":\"Bob\",\"createdAt\":\"2024-02-01T10:00:00+02:00\",\"address\":{\"city\":\"Paris\"},\"pets\":[]}\n");
  run_ok(&e, f, "--pipeline golden_postgres_append --dataset golden_postgres_append_data --table users");
  char gpath[1024];
  snprintf(gpath, sizeof gpath, "%s/spec/golden/users_append_postgres/postgres_statement_log.txt", check_shared_dir());
  char *golden = check_read_file(gpath, NULL);
  char *log = check_read_file(pg_server_log_path(srv), NULL);
  CHECK_MSG(golden && log, "cannot read %s or the server log", gpath);
  static const char *const stmts[] = {
      "CREATE TABLE \"golden_postgres_append_data\".\"users\" (",
      "CREATE TABLE \"golden_postgres_append_data\".\"users__pets\" (",
      "CREATE TABLE IF NOT EXISTS \"golden_postgres_append_data\".\"_dlt_loads\" (",
      "CREATE TABLE IF NOT EXISTS \"golden_postgres_append_data\".\"_dlt_version\" (",
      "CREATE TABLE IF NOT EXISTS \"golden_postgres_append_data\".\"_dlt_pipeline_state\" (",
  };
  for (size_t k = 0; golden && log && k < sizeof stmts / sizeof *stmts; k++) {
    char *want = extract_statement(golden, stmts[k]), *got = extract_statement(log, stmts[k]);
    CHECK_MSG(want != NULL, "golden lacks %s", stmts[k]);
    CHECK_EQ_STR(got, want);
    free(want);
    free(got);
  }
  CHECK_PQ("SELECT u.id, u.name, u.created_at, u.address__city, p.name, p.kind, p._dlt_list_idx FROM "
           "golden_postgres_append_data.users u LEFT JOIN golden_postgres_append_data.users__pets p ON "
           "p._dlt_parent_id = u._dlt_id ORDER BY 1, 7",
           "1|Alice|2024-01-01 10:00:00+00|Berlin|Rex|dog|0\n1|Alice|2024-01-01 10:00:00+00|Berlin|Tom|cat|1\n"
           "2|Bob|2024-02-01 08:00:00+00|Paris|NULL|NULL|NULL");
  free(golden);
  free(log);
}

/* An append table created by the load is created as dlt creates it (inline UNIQUE on _dlt_id), its
 * constraint dropped before the COPY and added back under the same name after it (one index build
 * instead of one insertion per row); a table that exists keeps its index; replace tables keep dlt's
 * flow. The constraints end as the inline ones: same names and definitions, enforced. */
static size_t occurrences_in(const char *hay, const char *needle) {
  size_t k = 0;
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) k++;
  return k;
}

static void test_cli_unique_built_after_rows(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "u1.jsonl", "{\"id\": 1, \"kids\": [{\"k\": 1}, {\"k\": 2}]}\n{\"id\": 2}\n");
  run_ok(&e, f1, "--pipeline uq --dataset uq_ds --table t");
  const char *f2 = write_file(&e, "u2.jsonl", "{\"id\": 3, \"kids\": [{\"k\": 3}]}\n");
  run_ok(&e, f2, "--pipeline uq --dataset uq_ds --table t");
  run_ok(&e, f1, "--pipeline uqr --dataset uq_rep --table t --write-disposition replace");
  CHECK_PQ("SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
           "WHERE connamespace = 'uq_ds'::regnamespace ORDER BY 1, 2",
           "uq_ds._dlt_pipeline_state|_dlt_pipeline_state__dlt_id_key|u|UNIQUE (_dlt_id)\n"
           "uq_ds.t|t__dlt_id_key|u|UNIQUE (_dlt_id)\n"
           "uq_ds.t__kids|t__kids__dlt_id_key|u|UNIQUE (_dlt_id)");
  CHECK_PQ("SELECT id FROM uq_ds.t ORDER BY 1", "1\n2\n3");
  PGresult *dup = PQexec(db, "INSERT INTO uq_ds.t (id, _dlt_load_id, _dlt_id) SELECT 9, _dlt_load_id, _dlt_id FROM "
                             "uq_ds.t WHERE id = 1");
  CHECK_EQ_INT(PQresultStatus(dup), PGRES_FATAL_ERROR);
  CHECK_MSG(strstr(PQresultErrorMessage(dup), "duplicate key value violates unique constraint \"t__dlt_id_key\""),
            "error: %s", PQresultErrorMessage(dup));
  PQclear(dup);

  char *log = check_read_file(pg_server_log_path(srv), NULL);
  CHECK(log != NULL);
  if (!log) return;
  const char *create = strstr(log, "CREATE TABLE \"uq_ds\".\"t\" (");
  const char *drop = strstr(log, "ALTER TABLE \"uq_ds\".\"t\" DROP CONSTRAINT \"t__dlt_id_key\"");
  const char *copy = strstr(log, "COPY \"uq_ds\".\"t\" ");
  const char *add = strstr(log, "ALTER TABLE \"uq_ds\".\"t\" ADD CONSTRAINT \"t__dlt_id_key\" UNIQUE (\"_dlt_id\")");
  CHECK_MSG(create && drop && copy && add && create < drop && drop < copy && copy < add,
            "expected CREATE TABLE, DROP CONSTRAINT, COPY, ADD CONSTRAINT in this order (%p %p %p %p)", (void *)create,
            (void *)drop, (void *)copy, (void *)add);
  CHECK_MSG(create && strstr(create, "\"_dlt_id\" varchar UNIQUE NOT NULL"), "the table is created with inline UNIQUE");
  /* the second load into the existing tables keeps their indexes */
  CHECK_EQ_INT(occurrences_in(log, "ALTER TABLE \"uq_ds\".\"t\" DROP CONSTRAINT"), 1);
  CHECK_EQ_INT(occurrences_in(log, "ALTER TABLE \"uq_ds\".\"t__kids\" DROP CONSTRAINT"), 1);
  CHECK_EQ_INT(occurrences_in(log, "ALTER TABLE \"uq_rep\".\"t\" DROP CONSTRAINT"), 0);
  CHECK_EQ_INT(occurrences_in(log, "ALTER TABLE \"uq_rep\".\"t__kids\" DROP CONSTRAINT"), 0);
  CHECK_PQ("SELECT conname FROM pg_constraint WHERE connamespace = 'uq_rep'::regnamespace ORDER BY 1",
           "_dlt_pipeline_state__dlt_id_key\nt__dlt_id_key\nt__kids__dlt_id_key");
  free(log);
}

static void test_cli_env_credentials(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "t.jsonl", "{\"id\": 1}\n");
  char envs[256];
  snprintf(envs, sizeof envs, "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD='%s'", PG_SERVER_PASSWORD);
  char *out = NULL;
  int rc = cdlt_pg(&e, envs, &out, "run '%s' --pipeline envp --destination postgres --credentials '%s'", f,
                    pg_server_url_nopass(srv));
  CHECK_MSG(rc == 0, "exit %d:\n%s", rc, out);
  free(out);
  CHECK_PQ("SELECT id FROM envp_dataset.t", "1");
  /* no --credentials at all: the whole connection string from DESTINATION__POSTGRES__CREDENTIALS */
  snprintf(envs, sizeof envs, "DESTINATION__POSTGRES__CREDENTIALS='%s'", pg_server_url(srv));
  rc = cdlt_pg(&e, envs, &out, "run '%s' --pipeline envp --destination postgres", f);
  CHECK_MSG(rc == 0, "exit %d:\n%s", rc, out);
  free(out);
  CHECK_PQ("SELECT count(*) FROM envp_dataset.t", "2");
  /* nothing at all: a usage error (exit 2) naming the variable to set */
  rc = cdlt_pg(&e, NULL, &out, "run '%s' --pipeline envp2 --destination postgres", f);
  CHECK_EQ_INT(rc, 2);
  CHECK_MSG(contains(out, "postgres credentials lack the host") && contains(out, "DESTINATION__POSTGRES__CREDENTIALS__HOST"),
            "output: %s", out);
  free(out);
}

static void test_cli_wrong_password(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "t.jsonl", "{\"id\": 1}\n");
  char url[512];
  snprintf(url, sizeof url, "postgresql://cdlt_user:p%%40ss-wrong@127.0.0.1:%d/cdlt_db", pg_server_port(srv));
  char *out = NULL;
  int rc = cdlt_pg(&e, NULL, &out, "run '%s' --pipeline wrongpw --destination postgres --credentials '%s'", f, url);
  CHECK_EQ_INT(rc, 1);
  CHECK_MSG(contains(out, "password authentication failed for user \"cdlt_user\""), "output: %s", out);
  CHECK_MSG(!contains(out, "wrong"), "the wrong password is printed:\n%s", out);
  free(out);
  /* the same with the wrong password from the environment */
  rc = cdlt_pg(&e, "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD='p@ss-wrong'", &out,
                "run '%s' --pipeline wrongpw --destination postgres --credentials '%s'", f, pg_server_url_nopass(srv));
  CHECK_EQ_INT(rc, 1);
  CHECK_MSG(contains(out, "password authentication failed"), "output: %s", out);
  CHECK_MSG(!contains(out, "wrong"), "the wrong password is printed:\n%s", out);
  free(out);
  CHECK_PQ("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'wrongpw_dataset'", "0");
}

/* ---------------------------------------------------------------- 3. the C API, all data types */

/* numeric(156,78) prints 78 fraction digits */
#define WEI_ZEROS "000000000000000000000000000000000000000000000000000000000000000000000000000000"

static void test_api_all_types(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "types.jsonl",
                             "{\"id\": 1, \"dec\": \"1.25\", \"wei\": 9007199254740993, \"d\": \"2024-02-29\","
                             " \"tm\": \"10:11:12\", \"js\": {\"k\": [1, \"two\"]}, \"tsn\": \"2024-01-01T10:00:00+02:00\","
                             " \"small\": 7, \"txt\": \"x\\ty\", \"f\": 0.1}\n"
                             "{\"id\": 2}\n");
  cdlt_pipeline_options o = {.pipeline_name = "types", .dataset_name = "tds", .destination = "postgres",
                             .credentials = pg_server_url(srv), .pipelines_dir = e.data};
  cdlt_pipeline *p = NULL;
  int rc = cdlt_pipeline_open(&o, &p);
  CHECK_MSG(rc == 0, "open: %s", p ? cdlt_errmsg(p) : "nomem");
  if (rc) {
    cdlt_pipeline_close(p);
    return;
  }
  cdlt_resource_options r = {
      .table_name = "types",
      .hints_json = "{\"columns\": {\"dec\": {\"data_type\": \"decimal\", \"precision\": 10, \"scale\": 3},"
                    " \"wei\": {\"data_type\": \"wei\"}, \"d\": {\"data_type\": \"date\"},"
                    " \"tm\": {\"data_type\": \"time\"}, \"js\": {\"data_type\": \"json\"},"
                    " \"tsn\": {\"data_type\": \"timestamp\", \"timezone\": false, \"precision\": 3},"
                    " \"small\": {\"data_type\": \"bigint\", \"precision\": 32},"
                    " \"txt\": {\"data_type\": \"text\", \"precision\": 10}, \"f\": {\"data_type\": \"double\"}}}"};
  cdlt_load_info *info = NULL;
  const char *paths[] = {f};
  rc = cdlt_pipeline_run_files(p, paths, 1, &r, &info);
  CHECK_MSG(rc == 0, "run: %s", cdlt_errmsg(p));
  if (info) check_no_password("load info", cdlt_load_info_text(info));
  cdlt_load_info_free(info);
  cdlt_pipeline_close(p);
  CHECK_PQ("SELECT column_name, data_type, coalesce(numeric_precision::text, ''), coalesce(numeric_scale::text, ''), "
           "coalesce(character_maximum_length::text, ''), coalesce(datetime_precision::text, '') FROM "
           "information_schema.columns WHERE table_schema = 'tds' AND table_name = 'types' AND column_name NOT LIKE "
           "'\\_dlt%' ORDER BY ordinal_position",
           /* hinted columns first, in hint order, then the inferred ones (as dlt) */
           "dec|numeric|10|3||\nwei|numeric|156|78||\nd|date||||0\ntm|time without time zone||||6\njs|jsonb||||\n"
           "tsn|timestamp without time zone||||3\nsmall|integer|32|0||\ntxt|character varying|||10|\n"
           "f|double precision|53|||\nid|bigint|64|0||");
  CHECK_PQ("SELECT id, dec, wei, d, tm, js, tsn, small, txt, f FROM tds.types ORDER BY id",
           "1|1.250|9007199254740993." WEI_ZEROS "|"
           "2024-02-29|10:11:12|{\"k\": [1, \"two\"]}|2024-01-01 08:00:00|7|x\ty|0.1\n"
           "2|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL");
}


/* ---------------------------------------------------------------- 4. server stop / restart */

static void test_server_restart(void) {
  cdlt_destination *d = open_dest(pg_server_url(srv));
  if (!d) return;
  cdlt_error err = {0};
  CHECK_OK(d->vtab->execute(d, "CREATE TABLE tx_ds.survivor (i bigint); INSERT INTO tx_ds.survivor VALUES (7)", &err),
           &err);
  PQfinish(db);
  db = NULL;
  CHECK_EQ_INT(pg_server_stop(srv), 0);
  /* the open connection is gone: a clear error, no crash */
  CHECK_EQ_INT(d->vtab->execute(d, "SELECT 1", &err), CDLT_ERR_DESTINATION);
  CHECK_MSG(!strncmp(err.msg, "postgres: execute: ", 19), "message: %s", err.msg);
  cdlt_destination_close(d);
  /* a new connection is refused */
  const cdlt_destination_vtab *vt = cdlt_destination_find("postgres");
  d = NULL;
  CHECK_EQ_INT(cdlt_destination_open(vt, &(cdlt_destination_config){.credentials = pg_server_url(srv)}, &d, &err),
               CDLT_ERR_DESTINATION);
  CHECK_MSG(contains(err.msg, "cannot connect to postgres at 'postgresql://cdlt_user:***@127.0.0.1:") &&
                contains(err.msg, "Connection refused"),
            "message: %s", err.msg);
  char why[2048];
  CHECK_MSG(pg_server_restart(srv, why, sizeof why) == 0, "restart: %s", why);
  d = open_dest(pg_server_url(srv));
  if (d) CHECK_DQ(d, "SELECT i FROM tx_ds.survivor", "7");
  cdlt_destination_close(d);
}

/* ---------------------------------------------------------------- 5. throughput (CDLT_BENCH_MB) */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The same generated file as test_duckdb's bench: prints rows/s, asserts only the row count. */
static void bench(long mb, bool gz) {
  char path[1100];
  snprintf(path, sizeof path, "%s/bench.jsonl%s", check_tmpdir(), gz ? ".gz" : "");
  FILE *f = gz ? NULL : fopen(path, "wb");
  gzFile g = gz ? gzopen(path, "wb1") : NULL;
  long long nrows = 0;
  size_t bytes = 0;
  char line[512];
  while (bytes < (size_t)mb << 20) {
    int n = snprintf(line, sizeof line,
                     "{\"id\":%lld,\"name\":\"user number %lld with some text\",\"score\":%lld.25,"
                     "\"active\":%s,\"created_at\":\"2024-01-01T10:%02lld:%02lld.%06lld+00:00\","
                     "\"_dlt_load_id\":\"1795273080.7271657\",\"_dlt_id\":\"Fu%012lldQ\"}\n",
                     nrows, nrows, nrows % 1000, nrows % 2 ? "true" : "false", nrows / 60 % 60, nrows % 60,
                     nrows % 1000000, nrows);
    if (gz) gzwrite(g, line, (unsigned)n);
    else fwrite(line, 1, (size_t)n, f);
    bytes += (size_t)n;
    nrows++;
  }
  if (gz) gzclose(g);
  else fclose(f);
  cdlt_column_def bc[] = {
      {.name = "id", .type = CDLT_TYPE_BIGINT, .nullable = false, .precision = -1, .scale = -1, .timezone = true},
      C("name", CDLT_TYPE_TEXT), C("score", CDLT_TYPE_DOUBLE), C("active", CDLT_TYPE_BOOL),
      C("created_at", CDLT_TYPE_TIMESTAMP),
      {.name = "_dlt_load_id", .type = CDLT_TYPE_TEXT, .nullable = false, .precision = -1, .scale = -1, .timezone = true},
      {.name = "_dlt_id", .type = CDLT_TYPE_TEXT, .nullable = false, .precision = -1, .scale = -1, .timezone = true,
       .unique = true}};
  cdlt_table_def t = {gz ? "bench_gz" : "bench", bc, 7, false};
  cdlt_destination *d = open_dest(pg_server_url(srv));
  if (!d) return;
  cdlt_error err = {0};
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  CHECK_OK(d->vtab->execute(d, "CREATE SCHEMA IF NOT EXISTS bench_ds", &err), &err);
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_postgres, "bench_ds", &t, &err), &err);
  CHECK_OK(d->vtab->execute(d, sql.data, &err), &err);
  cdlt_buf_release(&sql);
  double t0 = now_s();
  CHECK_OK(d->vtab->begin(d, &err), &err);
  CHECK_OK(d->vtab->load_file(d, "bench_ds", &t, path, CDLT_FORMAT_JSONL, &err), &err);
  CHECK_OK(d->vtab->commit(d, &err), &err);
  double dt = now_s() - t0;
  printf("bench %s: %lld rows, %.1f MB (uncompressed) in %.2f s: %.0f rows/s, %.1f MB/s\n", gz ? "jsonl.gz" : "jsonl",
         nrows, bytes / 1048576.0, dt, nrows / dt, bytes / 1048576.0 / dt);
  char q[128], expect[32];
  snprintf(q, sizeof q, "SELECT count(*) FROM bench_ds.%s", t.name);
  snprintf(expect, sizeof expect, "%lld", nrows);
  CHECK_PQ(q, expect);
  cdlt_destination_close(d);
}

static void connect_test_db(void) {
  db = pg_test_connect(srv);
}

int main(void) {
  char why[2048];
  if (pg_server_start(&srv, why, sizeof why)) {
    CHECK_MSG(0, "cannot start the test PostgreSQL server: %s", why);
    return check_finish();
  }
  connect_test_db();

  test_destination_types();
  test_destination_transactions_and_errors();
  test_destination_credentials();
  test_cli_append_twice();
  test_cli_nested_and_evolution();
  test_cli_replace();
  test_cli_long_identifiers();
  test_cli_ddl_matches_golden();
  test_cli_unique_built_after_rows();
  test_cli_env_credentials();
  test_cli_wrong_password();
  test_api_all_types();
  const char *b = getenv("CDLT_BENCH_MB");
  if (b && atol(b) > 0) {
    bench(atol(b), false);
    bench(atol(b), true);
  }
  test_server_restart();
  connect_test_db();
  CHECK_PQ("SELECT count(*) FROM tx_ds.survivor", "1");

  PQfinish(db);
  pg_server_destroy(srv);
  return check_finish();
}
