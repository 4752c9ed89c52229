/* test_merge_postgres.c — the merge and staging-replace scenarios of test_merge.c / test_replace.c
 * on a real, throwaway PostgreSQL server (tests/harness/pg_server.h), through the cdlt binary:
 * the golden p4 scenario (scd2, upsert, replace, delete-insert with dedup_sort and hard_delete,
 * two runs, same final contents as dlt's SQL produced), delete-insert with nested tables,
 * insert-only, insert-from-staging and staging-optimized replace, and a SIGKILL between follow-up
 * statements followed by a rerun. Read back with libpq. */
#define _GNU_SOURCE
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "e2e.h"
#include "pg_query.h"
#include "pg_server.h"

static pg_server *srv;
static PGconn *db;

#define CHECK_PQ(sql, expected) CHECK_PG(db, (sql), (expected))

/* an e2e env (tests/harness/e2e.h) and the dataset its runs load into */
typedef struct pg_env {
  env e;
  const char *ds;
} pg_env;

static void pg_env_new(pg_env *e, const char *ds) {
  env_new(&e->e);
  e->ds = ds;
}

/* `cdlt run <file> --pipeline p --dataset <ds>` into the server, with extra environment `envs`
 * (may be NULL); the output must not hold the password. Returns the exit status. */
static int run_env(const pg_env *e, const char *envs, char **out, const char *file, const char *args) {
  char *o = NULL;
  int rc = cdlt_env(&e->e, envs, &o, "run '%s' --pipeline p --dataset %s --destination postgres --credentials '%s' %s",
                    file, e->ds, pg_server_url(srv), args);
  CHECK_MSG(!strstr(o, PG_SERVER_PASSWORD) && !strstr(o, "p%40ss%3Aw0rd-Zq8"), "password in output: %s", o);
  if (out) *out = o;
  else free(o);
  return rc;
}

static void run_ok(const pg_env *e, const char *file, const char *content, const char *args) {
  const char *f = write_file(&e->e, file, content);
  char *out = NULL;
  int rc = run_env(e, NULL, &out, f, args);
  CHECK_MSG(rc == 0, "cdlt run %s %s exited %d:\n%s", file, args, rc, out);
  free(out);
}

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"

/* ---------------------------------------------------------------- golden p4 */

static void p4_run(const pg_env *e, int run) {
  const char *scd = run == 1 ? "[{\"id\": 1, \"name\": \"a\", \"tags\": [\"x\", \"y\"]}, {\"id\": 2, \"name\": \"b\"}]"
                             : "[{\"id\": 1, \"name\": \"a-changed\", \"tags\": [\"x\"]}, {\"id\": 3, \"name\": \"c\"}]";
  const char *up = run == 1 ? "[{\"id\": 1, \"name\": \"a\", \"items\": [{\"k\": 1}, {\"k\": 2}]}, {\"id\": 2, \"name\": \"b\"}]"
                            : "[{\"id\": 1, \"name\": \"a2\", \"items\": [{\"k\": 3}]}, {\"id\": 3, \"name\": \"c\"}]";
  const char *rep = run == 1 ? "[{\"id\": 1, \"v\": \"one\", \"sub\": [1, 2]}]" : "[{\"id\": 2, \"v\": \"two\"}]";
  const char *hd = run == 1 ? "[{\"id\": 1, \"seq\": 1, \"name\": \"a\", \"deleted\": false}, {\"id\": 1, \"seq\": 2, \"name\": "
                              "\"a2\", \"deleted\": false}, {\"id\": 2, \"seq\": 1, \"name\": \"b\", \"deleted\": false}]"
                            : "[{\"id\": 2, \"seq\": 2, \"name\": \"b\", \"deleted\": true}]";
  char args[512];
  snprintf(args, sizeof args, "--table dim --write-disposition merge --merge-strategy scd2 --boundary-timestamp %s",
           run == 1 ? "2024-01-01T12:00:00Z" : "2024-02-01T12:00:00Z");
  run_ok(e, "dim.json", scd, args);
  run_ok(e, "ups.json", up, "--table ups --write-disposition merge --merge-strategy upsert --primary-key id");
  run_ok(e, "rep.json", rep, "--table rep --write-disposition replace");
  run_ok(e, "hd.json", hd, "--table hd --write-disposition merge --primary-key id --dedup-sort seq:desc --hard-delete deleted");
}

static void test_golden_p4(void) {
  pg_env e;
  pg_env_new(&e, "p4_data");
  p4_run(&e, 1);
  CHECK_PQ("SELECT id, name, _dlt_id FROM p4_data.ups ORDER BY id", "1|a|z5jIxXIbUnmbKw\n2|b|M6/KlLzJ2FeV/w");
  CHECK_PQ("SELECT id, name, _dlt_id FROM p4_data.dim ORDER BY id", "1|a|vyO6DMrO2p4mGQ\n2|b|pHEaP+NUKAmmfg");
  CHECK_PQ("SELECT id, seq, name, deleted FROM p4_data.hd ORDER BY id", "1|2|a2|f\n2|1|b|f");
  /* staging tables as dlt creates them (UNIQUE on _dlt_id except the scd2 root) */
  CHECK_PQ("SELECT table_name FROM information_schema.tables WHERE table_schema = 'p4_data_staging' ORDER BY table_name",
           "_dlt_version\ndim\ndim__tags\nhd\nups\nups__items");
  p4_run(&e, 2);
  CHECK_PQ("SELECT id, name, " TS("_dlt_valid_from") ", " TS("_dlt_valid_to") " FROM p4_data.dim ORDER BY id, _dlt_valid_from",
           "1|a|2024-01-01 12:00:00|2024-02-01 12:00:00\n"
           "1|a-changed|2024-02-01 12:00:00|NULL\n"
           "2|b|2024-01-01 12:00:00|2024-02-01 12:00:00\n"
           "3|c|2024-02-01 12:00:00|NULL");
  CHECK_PQ("SELECT t.value, d.name FROM p4_data.dim__tags t JOIN p4_data.dim d ON d._dlt_id = t._dlt_parent_id "
           "ORDER BY d.name, t.value",
           "x|a\ny|a\nx|a-changed");
  CHECK_PQ("SELECT id, name FROM p4_data.ups ORDER BY id", "1|a2\n2|b\n3|c");
  CHECK_PQ("SELECT k, _dlt_root_id, _dlt_list_idx, _dlt_id FROM p4_data.ups__items ORDER BY k", "3|z5jIxXIbUnmbKw|0|y4KCOylHMqhJ/g");
  CHECK_PQ("SELECT id, v FROM p4_data.rep", "2|two");
  CHECK_PQ("SELECT count(*) FROM p4_data.rep__sub", "0");
  CHECK_PQ("SELECT id, seq, name, deleted FROM p4_data.hd ORDER BY id", "1|2|a2|f");
  CHECK_PQ("SELECT count(*), count(DISTINCT load_id) FROM p4_data._dlt_loads", "8|8");
}

/* ---------------------------------------------------------------- other strategies */

static void test_delete_insert_and_insert_only(void) {
  pg_env e;
  pg_env_new(&e, "di_data");
  const char *args = "--table users --write-disposition merge --primary-key id";
  run_ok(&e, "u.jsonl", "{\"id\": 1, \"name\": \"A\", \"pets\": [{\"n\": \"r\"}, {\"n\": \"t\"}]}\n{\"id\": 2, \"name\": \"B\", \"pets\": [{\"n\": \"f\"}]}\n", args);
  run_ok(&e, "u.jsonl", "{\"id\": 1, \"name\": \"A2\", \"pets\": [{\"n\": \"m\"}]}\n{\"id\": 3, \"name\": \"C\"}\n", args);
  CHECK_PQ("SELECT id, name FROM di_data.users ORDER BY id", "1|A2\n2|B\n3|C");
  CHECK_PQ("SELECT u.id, p.n FROM di_data.users__pets p JOIN di_data.users u ON u._dlt_id = p._dlt_root_id ORDER BY u.id",
           "1|m\n2|f");

  const char *io = "--table i --write-disposition merge --merge-strategy insert-only --primary-key id";
  run_ok(&e, "i.jsonl", "{\"id\": 1, \"v\": \"a\", \"l\": [1]}\n", io);
  run_ok(&e, "i.jsonl", "{\"id\": 1, \"v\": \"X\", \"l\": [5, 6]}\n{\"id\": 2, \"v\": \"b\", \"l\": [2]}\n", io);
  CHECK_PQ("SELECT id, v FROM di_data.i ORDER BY id", "1|a\n2|b");
  CHECK_PQ("SELECT i.id, l.value FROM di_data.i__l l JOIN di_data.i i ON i._dlt_id = l._dlt_root_id ORDER BY i.id", "1|1\n2|2");
}

static void test_replace_strategies(void) {
  const char *strategies[] = {"insert-from-staging", "staging-optimized"};
  const char *datasets[] = {"rs_ifs", "rs_opt"};
  for (size_t k = 0; k < 2; k++) {
    pg_env e;
    pg_env_new(&e, datasets[k]);
    char args[256];
    snprintf(args, sizeof args, "--table r --write-disposition replace --replace-strategy %s", strategies[k]);
    run_ok(&e, "r.jsonl", "{\"id\": 1, \"sub\": [1, 2]}\n{\"id\": 2}\n", args);
    run_ok(&e, "r.jsonl", "{\"id\": 3, \"sub\": [4]}\n", args);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT id FROM %s.r", datasets[k]);
    CHECK_PQ(sql, "3");
    snprintf(sql, sizeof sql, "SELECT value FROM %s.r__sub", datasets[k]);
    CHECK_PQ(sql, "4");
    run_ok(&e, "r.jsonl", "", args);
    snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM %s.r) + (SELECT count(*) FROM %s.r__sub)", datasets[k], datasets[k]);
    CHECK_PQ(sql, "0");
    /* the staging tables are still there (recreated by staging-optimized) */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM information_schema.tables WHERE table_schema = '%s_staging'", datasets[k]);
    CHECK_PQ(sql, "3");
  }
}

static void test_crash_in_followup(void) {
  pg_env e;
  pg_env_new(&e, "crash_data");
  const char *args = "--table users --write-disposition merge --primary-key id";
  run_ok(&e, "u.jsonl", "{\"id\": 1, \"name\": \"A\", \"pets\": [{\"n\": \"r\"}]}\n{\"id\": 2, \"name\": \"B\"}\n", args);
  const char *f = write_file(&e.e, "u.jsonl", "{\"id\": 1, \"name\": \"A2\", \"pets\": [{\"n\": \"m\"}]}\n{\"id\": 3, \"name\": \"C\"}\n");
  char *out = NULL;
  int rc = run_env(&e, "CDLT_FAULT_POINT=load.followup_statement CDLT_FAULT_HIT=3", &out, f, args);
  CHECK_MSG(rc != 0, "not killed: %s", out);
  free(out);
  CHECK_PQ("SELECT id, name FROM crash_data.users ORDER BY id", "1|A\n2|B");
  rc = run_env(&e, NULL, &out, f, args);
  CHECK_MSG(rc == 0, "rerun: %s", out);
  free(out);
  CHECK_PQ("SELECT id, name FROM crash_data.users ORDER BY id", "1|A2\n2|B\n3|C");
  CHECK_PQ("SELECT p.n FROM crash_data.users__pets p", "m");
  CHECK_PQ("SELECT count(*) FROM crash_data._dlt_loads", "2");
}

int main(void) {
  char why[2048];
  if (pg_server_start(&srv, why, sizeof why)) {
    CHECK_MSG(0, "cannot start the test PostgreSQL server: %s", why);
    return check_finish();
  }
  db = pg_test_connect(srv);
  PQclear(PQexec(db, "SET TimeZone TO 'UTC'"));

  test_golden_p4();
  test_delete_insert_and_insert_only();
  test_replace_strategies();
  test_crash_in_followup();

  PQfinish(db);
  pg_server_destroy(srv);
  return check_finish();
}
