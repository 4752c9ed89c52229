/* test_sqlite.c — end-to-end tests of the SQLite destination through the cdlt binary: every test
 * runs `cdlt run --destination sqlite` in a fresh temp dir and reads the database files back with
 * libsqlite3 directly (the dataset is the ATTACHed file <dir>/<stem>__<dataset>.sqlite), then
 * checks `cdlt sql` output. Expected values follow dlt (shared/spec/DLT_CONTRACT.md §3, §6, §8). */
#define _GNU_SOURCE
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "e2e.h"

/* A fresh env whose db is the main SQLite file <dir>/test.sqlite (passed with --credentials). */
static void env_new_sqlite(env *e) {
  env_new(e);
  snprintf(e->db, sizeof e->db, "%s/test.sqlite", e->dir);
}

/* Runs sql on the sqlite file with the dataset file attached as `ds`; "a|b\nc|d", NULL → "NULL". */
static char *sq(const char *main_db, const char *ds_name, const char *ds_file, const char *sql) {
  sqlite3 *db = NULL;
  char *res = NULL;
  size_t cap = 256, len = 0;
  res = calloc(1, cap);
  if (sqlite3_open_v2(main_db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    free(res);
    if (asprintf(&res, "ERROR: open %s", main_db) < 0) res = NULL;
    sqlite3_close(db);
    return res;
  }
  char attach[2048];
  snprintf(attach, sizeof attach, "ATTACH DATABASE '%s' AS \"%s\"", ds_file, ds_name);
  sqlite3_exec(db, attach, NULL, NULL, NULL);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    free(res);
    if (asprintf(&res, "ERROR: %s", sqlite3_errmsg(db)) < 0) res = NULL;
    sqlite3_close(db);
    return res;
  }
  bool first = true;
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(st); c++) {
      const char *v = (const char *)sqlite3_column_text(st, c);
      if (!v) v = "NULL";
      size_t need = len + strlen(v) + 3;
      while (need > cap) res = realloc(res, cap *= 2);
      if (c) res[len++] = '|';
      else if (!first) res[len++] = '\n';
      memcpy(res + len, v, strlen(v));
      len += strlen(v);
      res[len] = 0;
    }
    first = false;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return res;
}

/* the dataset file of e->db for dataset ds */
static const char *ds_file(const env *e, const char *ds) {
  static char path[1024];
  snprintf(path, sizeof path, "%s/test__%s.sqlite", e->dir, ds);
  return path;
}

#define CHECK_SQ(e, ds, sql, expected)                                              \
  do {                                                                               \
    char *got_ = sq((e)->db, ds, ds_file(e, ds), sql);                               \
    CHECK_MSG(got_ && !strcmp(got_, expected), "%s\n  got:      %s\n  expected: %s", \
              sql, got_ ? got_ : "(null)", expected);                                \
    free(got_);                                                                      \
  } while (0)

static const char users1[] =
    "{\"id\": 1, \"name\": \"Alice\", \"ts\": \"2024-01-01T12:00:00+02:00\", \"ok\": true, \"score\": 1.5,"
    " \"pets\": [{\"name\": \"Rex\"}, {\"name\": \"Tom\"}]}\n"
    "{\"id\": 2, \"name\": \"Bob\", \"ts\": \"2024-02-01T08:00:00Z\", \"ok\": false, \"meta\": {\"a\": [1, 2]}}\n";

/* ---------------------------------------------------------------- append, types, dlt tables */

static void test_append_twice(void) {
  env e;
  env_new_sqlite(&e);
  const char *f = write_file(&e, "users.jsonl", users1);
  char *out = NULL;
  int rc = cdlt(&e, &out, "run '%s' --pipeline sq --dataset ds --destination sqlite --credentials '%s'", f, e.db);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(contains(out, "1 load package(s) were loaded to destination sqlite and into dataset ds"), "%s", out);
  free(out);
  cdlt_ok(&e, "run '%s' --pipeline sq --dataset ds --destination sqlite --credentials '%s'", f, e.db);

  struct stat st;
  CHECK(stat(e.db, &st) == 0);
  CHECK(stat(ds_file(&e, "ds"), &st) == 0 && st.st_size > 0);

  /* table DDL: SQLite type names of the dialect, dlt column order */
  CHECK_SQ(&e, "ds", "SELECT name, type, \"notnull\" FROM pragma_table_info('users', 'ds') ORDER BY cid",
           "id|INTEGER|0\nname|TEXT|0\nts|TIMESTAMP WITH TIME ZONE|0\nok|BOOLEAN|0\nscore|REAL|0\n"
           "_dlt_load_id|TEXT|1\n_dlt_id|TEXT|1");
  CHECK_SQ(&e, "ds", "SELECT name, type, \"notnull\" FROM pragma_table_info('_dlt_loads', 'ds') ORDER BY cid",
           "load_id|TEXT|1\nschema_name|TEXT|0\nstatus|INTEGER|1\ninserted_at|TIMESTAMP WITH TIME ZONE|1\n"
           "schema_version_hash|TEXT|0");
  CHECK_SQ(&e, "ds", "SELECT name FROM pragma_table_info('_dlt_version', 'ds') ORDER BY cid",
           "version\nengine_version\ninserted_at\nschema_name\nversion_hash\nschema");
  /* rows: timestamps as UTC ISO text, bools 0/1, doubles REAL; json of a nested list stays in a
   * child table (meta.a is a list → ds.users__meta__a) */
  CHECK_SQ(&e, "ds", "SELECT id, name, ts, typeof(ts), ok, score, typeof(score) FROM ds.users ORDER BY id, _dlt_load_id",
           "1|Alice|2024-01-01T10:00:00+00:00|text|1|1.5|real\n1|Alice|2024-01-01T10:00:00+00:00|text|1|1.5|real\n"
           "2|Bob|2024-02-01T08:00:00+00:00|text|0|NULL|null\n2|Bob|2024-02-01T08:00:00+00:00|text|0|NULL|null");
  CHECK_SQ(&e, "ds", "SELECT count(*), count(DISTINCT _dlt_id), count(DISTINCT _dlt_load_id) FROM ds.users", "4|4|2");
  CHECK_SQ(&e, "ds", "SELECT count(*), count(DISTINCT load_id), min(status), max(status), min(schema_name) FROM ds._dlt_loads",
           "2|2|0|0|sq");
  CHECK_SQ(&e, "ds", "SELECT count(*) FROM ds._dlt_loads l JOIN (SELECT DISTINCT _dlt_load_id lid FROM ds.users) u "
                     "ON u.lid = l.load_id",
           "2");
  CHECK_SQ(&e, "ds", "SELECT count(*), min(engine_version), min(schema_name) FROM ds._dlt_version", "1|11|sq");
  CHECK_SQ(&e, "ds", "SELECT count(*) FROM ds._dlt_version v JOIN ds._dlt_loads l ON l.schema_version_hash = v.version_hash",
           "2");
  /* the pipeline state row (§7.3) */
  CHECK_SQ(&e, "ds", "SELECT version, engine_version, pipeline_name, substr(state, 1, 3) FROM ds._dlt_pipeline_state",
           "1|4|sq|eNp");

  /* cdlt sql renders SQLite values like the other destinations: bools, UTC timestamps, NULL */
  rc = cdlt(&e, &out, "sql sq \"SELECT id, name, ts, ok, score FROM users WHERE _dlt_load_id = (SELECT min(load_id) "
                      "FROM _dlt_loads) ORDER BY id\" --destination sqlite --dataset ds --credentials '%s'",
            e.db);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out,
               "id | name  | ts                        | ok    | score\n"
               "---+-------+---------------------------+-------+------\n"
               "1  | Alice | 2024-01-01T10:00:00+00:00 | true  | 1.5\n"
               "2  | Bob   | 2024-02-01T08:00:00+00:00 | false | NULL\n"
               "(2 rows)\n");
  free(out);
  /* destination and dataset come from the last run's state.json */
  rc = cdlt(&e, &out, "sql sq \"SELECT count(*) AS n FROM ds.users\" --format csv --credentials '%s'", e.db);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out, "n\r\n4\r\n");
  free(out);
}

/* ---------------------------------------------------------------- default file names */

static void test_defaults(void) {
  env e;
  env_new_sqlite(&e);
  const char *f = write_file(&e, "a.jsonl", "{\"id\": 5}\n");
  /* no credentials: <cwd>/<pipeline>.sqlite, the dataset file next to it */
  cdlt_ok(&e, "run '%s' --pipeline defs --table t --destination sqlite", f);
  char main_db[1024], ds_db[1024];
  snprintf(main_db, sizeof main_db, "%s/defs.sqlite", e.dir);
  snprintf(ds_db, sizeof ds_db, "%s/defs__defs_dataset.sqlite", e.dir);
  struct stat st;
  CHECK(stat(main_db, &st) == 0);
  CHECK(stat(ds_db, &st) == 0 && st.st_size > 0);
  /* cdlt sql finds destination, database and dataset from the last run */
  char *out = NULL;
  int rc = cdlt(&e, &out, "sql defs \"SELECT id FROM t\" --format csv");
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out, "id\r\n5\r\n");
  free(out);
}

/* ---------------------------------------------------------------- nested tables */

static void test_nested(void) {
  env e;
  env_new_sqlite(&e);
  const char *f = write_file(&e, "users.jsonl", users1);
  cdlt_ok(&e, "run '%s' --pipeline nest --dataset ds --destination sqlite --credentials '%s'", f, e.db);
  CHECK_SQ(&e, "ds", "SELECT name FROM pragma_table_info('users__pets', 'ds') ORDER BY cid",
           "name\n_dlt_parent_id\n_dlt_list_idx\n_dlt_id");
  CHECK_SQ(&e, "ds", "SELECT u.id, p._dlt_list_idx, p.name FROM ds.users__pets p JOIN ds.users u ON "
                     "u._dlt_id = p._dlt_parent_id ORDER BY 1, 2",
           "1|0|Rex\n1|1|Tom");
  CHECK_SQ(&e, "ds", "SELECT u.id, m._dlt_list_idx, m.value, typeof(m.value) FROM ds.users__meta__a m JOIN ds.users u ON "
                     "u._dlt_id = m._dlt_parent_id ORDER BY 1, 2",
           "2|0|1|integer\n2|1|2|integer");
}

/* ---------------------------------------------------------------- schema evolution */

static void test_evolution(void) {
  env e;
  env_new_sqlite(&e);
  const char *f1 = write_file(&e, "a.jsonl", "{\"id\": 1, \"n\": 10}\n");
  cdlt_ok(&e, "run '%s' --pipeline evo --table t --destination sqlite --credentials '%s'", f1, e.db);
  const char *f2 = write_file(&e, "b.jsonl", "{\"id\": 2, \"n\": \"abc\", \"extra\": \"x\"}\n{\"id\": 3, \"n\": 30}\n");
  cdlt_ok(&e, "run '%s' --pipeline evo --table t --destination sqlite --credentials '%s'", f2, e.db);
  CHECK_SQ(&e, "evo_dataset", "SELECT name, type FROM pragma_table_info('t', 'evo_dataset') ORDER BY cid",
           "id|INTEGER\nn|INTEGER\n_dlt_load_id|TEXT\n_dlt_id|TEXT\nn__v_text|TEXT\nextra|TEXT");
  CHECK_SQ(&e, "evo_dataset", "SELECT id, n, n__v_text, extra FROM evo_dataset.t ORDER BY id",
           "1|10|NULL|NULL\n2|NULL|abc|x\n3|30|NULL|NULL");
  CHECK_SQ(&e, "evo_dataset", "SELECT count(*), count(DISTINCT version_hash) FROM evo_dataset._dlt_version", "2|2");
}

/* ---------------------------------------------------------------- replace */

static void test_replace(void) {
  env e;
  env_new_sqlite(&e);
  const char *f1 = write_file(&e, "users.jsonl", users1);
  cdlt_ok(&e, "run '%s' --pipeline rep --dataset ds --write-disposition replace --destination sqlite --credentials '%s'",
          f1, e.db);
  cdlt_ok(&e, "run '%s' --pipeline rep --dataset ds --write-disposition replace --destination sqlite --credentials '%s'",
          f1, e.db);
  CHECK_SQ(&e, "ds", "SELECT count(*), count(DISTINCT _dlt_load_id) FROM ds.users", "2|1");
  CHECK_SQ(&e, "ds", "SELECT count(*) FROM ds.users__pets", "2");
  /* a run without pets: the nested table is emptied too (§8.2) */
  const char *f2 = write_file(&e, "users2.jsonl", "{\"id\": 7, \"name\": \"Zed\"}\n");
  cdlt_ok(&e, "run '%s' --pipeline rep --dataset ds --table users --write-disposition replace --destination sqlite "
              "--credentials '%s'",
          f2, e.db);
  CHECK_SQ(&e, "ds", "SELECT id, name FROM ds.users", "7|Zed");
  CHECK_SQ(&e, "ds", "SELECT count(*) FROM ds.users__pets", "0");
  CHECK_SQ(&e, "ds", "SELECT count(*) FROM ds.users__meta__a", "0");
  CHECK_SQ(&e, "ds", "SELECT count(*) FROM ds._dlt_loads", "3");
}

/* ---------------------------------------------------------------- column types from hints */

static const char types_cols[] = "{\"d\":{\"data_type\":\"date\"},\"j\":{\"data_type\":\"json\"},\"dec\":{\"data_type\":\"decimal\"},\"t\":{\"data_type\":\"time\"},\"b\":{\"data_type\":\"binary\"},\"n\":{\"data_type\":\"timestamp\",\"timezone\":false}}";

static void test_types(void) {
  env e;
  env_new_sqlite(&e);
  const char *f = write_file(&e, "ty.jsonl", "{\"id\": 1, \"d\": \"2024-03-04\", \"j\": {\"a\": [1, \"x\"]}, \"dec\": \"12.50\", \"t\": \"10:11:12\", \"b\": \"AAH/\", \"n\": \"2024-01-01T10:00:00+05:00\"}\n{\"id\": 2}\n");
  cdlt_ok(&e, "run '%s' --pipeline ty --dataset ds --destination sqlite --credentials '%s' --columns '%s'", f, e.db,
          types_cols);
  CHECK_SQ(&e, "ds", "SELECT name, type FROM pragma_table_info('ty', 'ds') ORDER BY cid",
           "d|DATE\nj|TEXT\ndec|DECIMAL(38,9)\nt|TIME\nb|BLOB\nn|TIMESTAMP\nid|INTEGER\n_dlt_load_id|TEXT\n_dlt_id|TEXT");
  CHECK_SQ(&e, "ds", "SELECT d, j, typeof(dec), t, hex(b), n FROM ds.ty WHERE id = 1",
           "2024-03-04|{\"a\":[1,\"x\"]}|real|10:11:12|0001FF|2024-01-01T05:00:00");
  char *out = NULL;
  int rc = cdlt(&e, &out, "sql ty \"SELECT id, d, j, dec, t, b, n FROM ty ORDER BY id\" --credentials '%s'", e.db);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out,
               "id | d          | j             | dec  | t        | b            | n\n"
               "---+------------+---------------+------+----------+--------------+--------------------\n"
               "1  | 2024-03-04 | {\"a\":[1,\"x\"]} | 12.5 | 10:11:12 | \\x00\\x01\\xFF | 2024-01-01T05:00:00\n"
               "2  | NULL       | NULL          | NULL | NULL     | NULL         | NULL\n"
               "(2 rows)\n");
  free(out);
}

/* ---------------------------------------------------------------- merge (staging dataset file) */

static void test_merge(void) {
  env e;
  env_new_sqlite(&e);
  const char *run = "run '%s' --pipeline mg --dataset ds --table m --write-disposition merge --primary-key id "
                    "--destination sqlite --credentials '%s'";
  const char *f1 = write_file(&e, "m1.jsonl", "{\"id\": 1, \"v\": \"a\"}\n{\"id\": 2, \"v\": \"b\"}\n");
  cdlt_ok(&e, run, f1, e.db);
  const char *f2 = write_file(&e, "m2.jsonl", "{\"id\": 2, \"v\": \"B\"}\n{\"id\": 3, \"v\": \"c\"}\n");
  cdlt_ok(&e, run, f2, e.db);
  CHECK_SQ(&e, "ds", "SELECT id, v FROM ds.m ORDER BY id", "1|a\n2|B\n3|c");
  /* the staging dataset is its own attached file */
  struct stat st;
  CHECK(stat(ds_file(&e, "ds_staging"), &st) == 0);
}

/* ---------------------------------------------------------------- restore on a fresh working dir */

static void test_restore(void) {
  env e;
  env_new_sqlite(&e);
  const char *f1 = write_file(&e, "a.jsonl", "{\"id\": 1, \"name\": \"x\"}\n");
  cdlt_ok(&e, "run '%s' --pipeline rs --dataset ds --table t --destination sqlite --credentials '%s'", f1, e.db);
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "rm -rf '%s/pipelines/rs'", e.data);
  CHECK_EQ_INT(system(cmd), 0);
  /* the schema (with `name`) and state come back from the dataset file */
  const char *f2 = write_file(&e, "b.jsonl", "{\"id\": 2}\n");
  cdlt_ok(&e, "run '%s' --pipeline rs --dataset ds --table t --destination sqlite --credentials '%s'", f2, e.db);
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/rs/schemas/rs.schema.json", e.data);
  char *schema = check_read_file(path, NULL);
  CHECK_MSG(contains(schema, "\"name\": {"), "%s", schema ? schema : "(missing)");
  free(schema);
  CHECK_SQ(&e, "ds", "SELECT id, name FROM ds.t ORDER BY id", "1|x\n2|NULL");
}

/* ---------------------------------------------------------------- failed load, rerun: exactly once */

static void test_exactly_once_after_failed_load(void) {
  env e;
  env_new_sqlite(&e);
  const char *f = write_file(&e, "a.jsonl", "{\"id\": 1}\n{\"id\": 2}\n");
  const char *run = "run '%s' --pipeline once --dataset ds --table t --destination sqlite --credentials '%s'";
  cdlt_ok(&e, run, f, e.db);

  /* the load fails just before COMMIT: the transaction is rolled back, nothing of it is visible */
  e.vars = "CDLT_FAULT_POINT=load.before_commit CDLT_FAULT_MODE=error";
  char *out = NULL;
  int rc = cdlt(&e, &out, run, f, e.db);
  e.vars = "";
  CHECK_EQ_INT(rc, 1);
  CHECK_MSG(contains(out, "injected fault at 'load.before_commit'"), "%s", out);
  free(out);
  CHECK_SQ(&e, "ds", "SELECT count(*) FROM ds.t", "2");
  CHECK_SQ(&e, "ds", "SELECT count(*) FROM ds._dlt_loads", "1");

  /* the rerun loads the pending package once (the files given are not extracted, as dlt does) */
  rc = cdlt(&e, &out, run, f, e.db);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(contains(out, "Pending load packages"), "%s", out);
  free(out);
  CHECK_SQ(&e, "ds", "SELECT count(*), count(DISTINCT _dlt_load_id) FROM ds.t", "4|2");
  CHECK_SQ(&e, "ds", "SELECT count(*) FROM ds._dlt_loads", "2");

  /* killed right after COMMIT, before the package is moved to loaded: the rerun only finalizes */
  e.vars = "CDLT_FAULT_POINT=load.after_commit";
  rc = cdlt(&e, &out, run, f, e.db);
  e.vars = "";
  CHECK(rc != 0);
  free(out);
  CHECK_SQ(&e, "ds", "SELECT count(*), count(DISTINCT _dlt_load_id) FROM ds.t", "6|3");
  rc = cdlt(&e, &out, run, f, e.db);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(contains(out, "Pending load packages"), "%s", out);
  free(out);
  CHECK_SQ(&e, "ds", "SELECT count(*), count(DISTINCT _dlt_load_id) FROM ds.t", "6|3");
  CHECK_SQ(&e, "ds", "SELECT count(*) FROM ds._dlt_loads", "3");
}

/* another process holds an exclusive lock on the dataset file: a clear error, nothing loaded */
static void test_locked(void) {
  env e;
  env_new_sqlite(&e);
  const char *f = write_file(&e, "a.jsonl", "{\"id\": 1}\n");
  const char *run = "run '%s' --pipeline lock --dataset ds --table t --destination sqlite --credentials '%s'";
  cdlt_ok(&e, run, f, e.db);
  sqlite3 *locker = NULL;
  CHECK(sqlite3_open(ds_file(&e, "ds"), &locker) == SQLITE_OK);
  CHECK(sqlite3_exec(locker, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK);
  char *out = NULL;
  int rc = cdlt(&e, &out, run, f, e.db);
  CHECK_EQ_INT(rc, 1);
  CHECK_MSG(contains(out, "database is locked"), "%s", out);
  free(out);
  sqlite3_exec(locker, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(locker);
  CHECK_SQ(&e, "ds", "SELECT count(*) FROM ds.t", "1");
}

/* ---------------------------------------------------------------- errors */

static void test_bad_path(void) {
  env e;
  env_new_sqlite(&e);
  const char *f = write_file(&e, "a.jsonl", "{\"id\": 1}\n");
  char *out = NULL;
  int rc = cdlt(&e, &out, "run '%s' --pipeline bad --table t --destination sqlite --credentials '%s/no/such/dir/x.sqlite'", f,
                e.dir);
  CHECK_EQ_INT(rc, 1);
  char expect[1024];
  snprintf(expect, sizeof expect, "cannot open sqlite database '%s/no/such/dir/x.sqlite': unable to open database file",
           e.dir);
  CHECK_MSG(contains(out, expect), "%s", out);
  free(out);
}

int main(void) {
  test_append_twice();
  test_nested();
  test_defaults();
  test_evolution();
  test_replace();
  test_merge();
  test_types();
  test_restore();
  test_exactly_once_after_failed_load();
  test_locked();
  test_bad_path();
  return check_finish();
}
