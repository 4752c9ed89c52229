/* test_merge.c — end-to-end tests of the merge write disposition through the staging dataset
 * (DLT_CONTRACT §3.3, §3.5, §8.3-8.5): every test runs the real cdlt binary twice (or more) in a
 * fresh temp dir against a DuckDB file and reads the final tables back. Expected values are those
 * dlt's SQL produces for the same input (golden postgres_log__p4_* and duckdb_ddl_and_merge_sql__*).
 * Also: the `.sql` follow-up job kept in the package, propagation recorded in the schema, and a
 * crash (SIGKILL at a named fault point) between follow-up statements followed by a rerun. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "e2e.h"

/* `cd <dir> && [envs] DLT_DATA_DIR=<data> cdlt <args> --credentials <db>`; returns the exit status */
static int run_env(const env *e, const char *envs, char **out, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int run_env(const env *e, const char *envs, char **out, const char *fmt, ...) {
  char args[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  return cdlt_env(e, envs, out, "%s --credentials '%s'", args, e->db);
}

/* runs `cdlt run <file> --pipeline p <args>` with `content` as the file; expects success */
static void run_ok(const env *e, const char *file, const char *content, const char *args) {
  const char *f = write_file(e, file, content);
  char *out = NULL;
  int rc = run_env(e, NULL, &out, "run '%s' --pipeline p %s", f, args);
  CHECK_MSG(rc == 0, "cdlt run %s %s exited %d:\n%s", file, args, rc, out);
  free(out);
}

/* ---------------------------------------------------------------- golden p4 scenario */

/* the four resources of postgres_log__p4__input_script.py.txt, two runs, on duckdb */
static void p4_run(const env *e, int run) {
  const char *scd = run == 1 ? "[{\"id\": 1, \"name\": \"a\", \"tags\": [\"x\", \"y\"]}, {\"id\": 2, \"name\": \"b\"}]"
                             : "[{\"id\": 1, \"name\": \"a-changed\", \"tags\": [\"x\"]}, {\"id\": 3, \"name\": \"c\"}]";
  const char *up = run == 1 ? "[{\"id\": 1, \"name\": \"a\", \"items\": [{\"k\": 1}, {\"k\": 2}]}, {\"id\": 2, \"name\": \"b\"}]"
                            : "[{\"id\": 1, \"name\": \"a2\", \"items\": [{\"k\": 3}]}, {\"id\": 3, \"name\": \"c\"}]";
  const char *rep = run == 1 ? "[{\"id\": 1, \"v\": \"one\", \"sub\": [1, 2]}]" : "[{\"id\": 2, \"v\": \"two\"}]";
  const char *hd = run == 1 ? "[{\"id\": 1, \"seq\": 1, \"name\": \"a\", \"deleted\": false}, {\"id\": 1, \"seq\": 2, \"name\": "
                              "\"a2\", \"deleted\": false}, {\"id\": 2, \"seq\": 1, \"name\": \"b\", \"deleted\": false}]"
                            : "[{\"id\": 2, \"seq\": 2, \"name\": \"b\", \"deleted\": true}]";
  const char *boundary = run == 1 ? "2024-01-01T12:00:00Z" : "2024-02-01T12:00:00Z";
  char args[512];
  snprintf(args, sizeof args, "--table dim --write-disposition merge --merge-strategy scd2 --boundary-timestamp %s", boundary);
  run_ok(e, "dim.json", scd, args);
  run_ok(e, "ups.json", up, "--table ups --write-disposition merge --merge-strategy upsert --primary-key id");
  run_ok(e, "rep.json", rep, "--table rep --write-disposition replace");
  run_ok(e, "hd.json", hd, "--table hd --write-disposition merge --primary-key id --dedup-sort seq:desc --hard-delete deleted");
}

static void test_golden_p4(void) {
  env e;
  env_new(&e);
  p4_run(&e, 1);
  const char *db = e.db;
  /* run 1: row ids as dlt made them (key hash / row hash, §3.3) */
  CHECK_Q(db, "SELECT id, name, _dlt_id FROM p_dataset.ups ORDER BY id", "1|a|z5jIxXIbUnmbKw\n2|b|M6/KlLzJ2FeV/w");
  CHECK_Q(db, "SELECT k, _dlt_root_id, _dlt_parent_id, _dlt_list_idx, _dlt_id FROM p_dataset.ups__items ORDER BY k",
          "1|z5jIxXIbUnmbKw|z5jIxXIbUnmbKw|0|y4KCOylHMqhJ/g\n2|z5jIxXIbUnmbKw|z5jIxXIbUnmbKw|1|LXVhstbmdlmjwg");
  CHECK_Q(db, "SELECT id, name, _dlt_id, _dlt_valid_from, _dlt_valid_to FROM p_dataset.dim ORDER BY id",
          "1|a|vyO6DMrO2p4mGQ|2024-01-01T12:00:00+00:00|NULL\n2|b|pHEaP+NUKAmmfg|2024-01-01T12:00:00+00:00|NULL");
  CHECK_Q(db, "SELECT value, _dlt_parent_id, _dlt_id FROM p_dataset.dim__tags ORDER BY value",
          "x|vyO6DMrO2p4mGQ|4B/3UmxW5ayMiQ\ny|vyO6DMrO2p4mGQ|k1QilJifc3AnnQ");
  CHECK_Q(db, "SELECT id, seq, name, deleted FROM p_dataset.hd ORDER BY id", "1|2|a2|false\n2|1|b|false");
  /* scd2 nested tables carry no _dlt_root_id; delete-insert/upsert ones do */
  CHECK_Q(db, "SELECT table_name, count(*) FROM information_schema.columns WHERE table_schema = 'p_dataset' AND "
              "column_name = '_dlt_root_id' GROUP BY table_name ORDER BY table_name",
          "ups__items|1");

  p4_run(&e, 2);
  CHECK_Q(db, "SELECT id, name, _dlt_valid_from, _dlt_valid_to FROM p_dataset.dim ORDER BY id, _dlt_valid_from",
          "1|a|2024-01-01T12:00:00+00:00|2024-02-01T12:00:00+00:00\n"
          "1|a-changed|2024-02-01T12:00:00+00:00|NULL\n"
          "2|b|2024-01-01T12:00:00+00:00|2024-02-01T12:00:00+00:00\n"
          "3|c|2024-02-01T12:00:00+00:00|NULL");
  CHECK_Q(db, "SELECT t.value, d.name FROM p_dataset.dim__tags t JOIN p_dataset.dim d ON d._dlt_id = t._dlt_parent_id "
              "ORDER BY d.name, t.value",
          "x|a\ny|a\nx|a-changed");
  CHECK_Q(db, "SELECT id, name FROM p_dataset.ups ORDER BY id", "1|a2\n2|b\n3|c");
  CHECK_Q(db, "SELECT k, _dlt_root_id, _dlt_list_idx, _dlt_id FROM p_dataset.ups__items ORDER BY k",
          "3|z5jIxXIbUnmbKw|0|y4KCOylHMqhJ/g");
  CHECK_Q(db, "SELECT id, v FROM p_dataset.rep ORDER BY id", "2|two");
  CHECK_Q(db, "SELECT count(*) FROM p_dataset.rep__sub", "0");
  CHECK_Q(db, "SELECT id, seq, name, deleted FROM p_dataset.hd ORDER BY id", "1|2|a2|false");
  /* the staging dataset has its own _dlt_version and the staged tables only */
  CHECK_Q(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'p_dataset_staging' ORDER BY table_name",
          "_dlt_version\ndim\ndim__tags\nhd\nups\nups__items");
  CHECK_Q(db, "SELECT count(*) > 0 FROM p_dataset_staging._dlt_version", "true");
  /* 8 packages, each loaded once */
  CHECK_Q(db, "SELECT count(*), count(DISTINCT load_id) FROM p_dataset._dlt_loads", "8|8");

  /* propagation recorded as dlt does, for delete-insert and upsert roots only (§3.5) */
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/p/schemas/p.schema.json", e.data);
  char *schema = check_read_file(path, NULL);
  CHECK(schema && strstr(schema, "\"propagation\": {\n          \"tables\": {\n            \"ups\": {\n              "
                                 "\"_dlt_id\": \"_dlt_root_id\"\n            },\n            \"hd\": {\n              "
                                 "\"_dlt_id\": \"_dlt_root_id\"\n            }\n          }\n        }"));
  free(schema);
}

/* the golden users input (users_merge_postgres): the stored schema equals dlt's, hash included */
static void test_golden_users_schema(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "users.jsonl",
                             "{\"id\":1,\"name\":\"Alice\",\"createdAt\":\"2024-01-01T10:00:00Z\",\"address\":{\"city\":\"Berlin\"},"
                             "\"pets\":[{\"name\":\"Rex\",\"kind\":\"dog\"},{\"name\":\"Tom\",\"kind\":\"cat\"}]}\n"
                             "{\"id\":2,\"name\":\"Bob\",\"createdAt\":\"2024-02-01T10:00:00+02:00\",\"address\":{\"city\":\"Paris\"},"
                             "\"pets\":[]}\n");
  char *out = NULL;
  int rc = run_env(&e, NULL, &out, "run '%s' --pipeline golden_users --write-disposition merge --primary-key id", f);
  CHECK_MSG(rc == 0, "%s", out);
  free(out);
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/golden_users/schemas/golden_users.schema.json", e.data);
  char *got = check_read_file(path, NULL);
  snprintf(path, sizeof path, "%s/spec/golden/users_merge_postgres/pipeline_dir__schemas__golden_users.schema.json",
           check_shared_dir());
  char *want = check_read_file(path, NULL);
  CHECK(got && want);
  if (got && want) {
    /* identical up to previous_hashes (the history of intermediate versions) */
    char *gp = strstr(got, "  \"previous_hashes\""), *wp = strstr(want, "  \"previous_hashes\"");
    CHECK(gp && wp);
    if (gp && wp) {
      *gp = *wp = 0;
      CHECK_EQ_STR(got, want);
    }
  }
  free(got);
  free(want);
  CHECK_Q(e.db, "SELECT p.name, u.name FROM golden_users_dataset.users__pets p JOIN golden_users_dataset.users u ON "
                "u._dlt_id = p._dlt_root_id ORDER BY p._dlt_list_idx",
          "Rex|Alice\nTom|Alice");
}

/* ---------------------------------------------------------------- delete-insert */

static void test_delete_insert_nested(void) {
  env e;
  env_new(&e);
  const char *args = "--table users --write-disposition merge --primary-key id";
  run_ok(&e, "u.jsonl",
         "{\"id\": 1, \"name\": \"Alice\", \"pets\": [{\"name\": \"Rex\"}, {\"name\": \"Tom\"}]}\n"
         "{\"id\": 2, \"name\": \"Bob\", \"pets\": [{\"name\": \"Fido\"}]}\n",
         args);
  run_ok(&e, "u.jsonl",
         "{\"id\": 1, \"name\": \"Alice2\", \"pets\": [{\"name\": \"Max\"}]}\n"
         "{\"id\": 3, \"name\": \"Carl\"}\n"
         "{\"id\": 3, \"name\": \"Carl\"}\n",
         args);
  CHECK_Q(e.db, "SELECT id, name FROM p_dataset.users ORDER BY id", "1|Alice2\n2|Bob\n3|Carl");
  /* children of replaced parents removed; the rest kept, linked through _dlt_root_id */
  CHECK_Q(e.db, "SELECT u.id, p.name, p._dlt_list_idx FROM p_dataset.users__pets p JOIN p_dataset.users u ON "
                "u._dlt_id = p._dlt_root_id ORDER BY u.id, p._dlt_list_idx",
          "1|Max|0\n2|Fido|0");
  CHECK_Q(e.db, "SELECT count(*) FROM p_dataset.users__pets", "2");
  /* the follow-up was kept as a .sql job of the package (§8) */
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "cat '%s'/pipelines/p/load/loaded/*/completed_jobs/users.*.0.sql", e.data);
  char *out = NULL;
  CHECK_EQ_INT(check_run(cmd, &out), 0);
  CHECK_MSG(out && strstr(out, "DELETE FROM \"p_dataset\".\"users__pets\" WHERE \"_dlt_root_id\" IN ( SELECT * FROM users_delete_"),
            "sql job: %s", out);
  free(out);

  /* a third run where no row has pets: children of replaced parents still go */
  run_ok(&e, "u.jsonl", "{\"id\": 2, \"name\": \"Bob2\"}\n", args);
  CHECK_Q(e.db, "SELECT u.id, p.name FROM p_dataset.users__pets p JOIN p_dataset.users u ON u._dlt_id = p._dlt_root_id",
          "1|Max");
}

static void test_merge_key_compound_and_dedup(void) {
  env e;
  env_new(&e);
  /* merge key: the whole day is replaced */
  const char *mk = "--table ev --write-disposition merge --merge-key day";
  run_ok(&e, "ev.jsonl",
         "{\"day\": \"d1\", \"n\": 1}\n{\"day\": \"d1\", \"n\": 2}\n{\"day\": \"d2\", \"n\": 3}\n", mk);
  run_ok(&e, "ev.jsonl", "{\"day\": \"d1\", \"n\": 10}\n", mk);
  CHECK_Q(e.db, "SELECT day, n FROM p_dataset.ev ORDER BY day, n", "d1|10\nd2|3");

  /* compound primary key, dedup keeping the lowest v (asc) */
  const char *ck = "--table c --write-disposition merge --primary-key a,b --dedup-sort v:asc";
  run_ok(&e, "c.jsonl",
         "{\"a\": 1, \"b\": \"x\", \"v\": 5}\n{\"a\": 1, \"b\": \"x\", \"v\": 3}\n{\"a\": 1, \"b\": \"y\", \"v\": 9}\n", ck);
  CHECK_Q(e.db, "SELECT a, b, v FROM p_dataset.c ORDER BY a, b", "1|x|3\n1|y|9");
  run_ok(&e, "c.jsonl", "{\"a\": 1, \"b\": \"y\", \"v\": 7}\n{\"a\": 1, \"b\": \"y\", \"v\": 8}\n{\"a\": 2, \"b\": \"x\", \"v\": 1}\n", ck);
  CHECK_Q(e.db, "SELECT a, b, v FROM p_dataset.c ORDER BY a, b", "1|x|3\n1|y|7\n2|x|1");

  /* dedup desc keeps the highest */
  const char *dk = "--table dd --write-disposition merge --primary-key id --dedup-sort v:desc";
  run_ok(&e, "dd.jsonl", "{\"id\": 1, \"v\": 1}\n{\"id\": 1, \"v\": 4}\n{\"id\": 1, \"v\": 2}\n", dk);
  CHECK_Q(e.db, "SELECT id, v FROM p_dataset.dd", "1|4");
}

static void test_hard_delete(void) {
  env e;
  env_new(&e);
  /* non-bool hard delete column: any non-NULL value deletes */
  const char *args = "--table t --write-disposition merge --primary-key id --hard-delete deleted_at";
  run_ok(&e, "t.jsonl",
         "{\"id\": 1, \"v\": \"a\", \"kids\": [1, 2]}\n{\"id\": 2, \"v\": \"b\", \"kids\": [3]}\n{\"id\": 3, \"v\": \"c\"}\n", args);
  run_ok(&e, "t.jsonl",
         "{\"id\": 1, \"v\": \"a\", \"deleted_at\": \"2024-01-01T00:00:00Z\"}\n{\"id\": 2, \"v\": \"b2\", \"kids\": [4]}\n"
         "{\"id\": 4, \"v\": \"d\", \"deleted_at\": \"2024-01-01T00:00:00Z\", \"kids\": [5]}\n",
         args);
  CHECK_Q(e.db, "SELECT id, v, deleted_at FROM p_dataset.t ORDER BY id", "2|b2|NULL\n3|c|NULL");
  /* children of deleted roots neither kept nor inserted */
  CHECK_Q(e.db, "SELECT value FROM p_dataset.t__kids ORDER BY value", "4");
}

/* ---------------------------------------------------------------- upsert / insert-only */

static void test_upsert_and_insert_only(void) {
  env e;
  env_new(&e);
  const char *up = "--table u --write-disposition merge --merge-strategy upsert --primary-key id --hard-delete gone";
  run_ok(&e, "u.jsonl", "{\"id\": 1, \"v\": \"a\", \"l\": [1, 2, 3]}\n{\"id\": 2, \"v\": \"b\", \"l\": [9]}\n", up);
  run_ok(&e, "u.jsonl", "{\"id\": 1, \"v\": \"a2\", \"l\": [7]}\n{\"id\": 2, \"gone\": true}\n{\"id\": 3, \"v\": \"c\"}\n", up);
  CHECK_Q(e.db, "SELECT id, v FROM p_dataset.u ORDER BY id", "1|a2\n3|c");
  CHECK_Q(e.db, "SELECT value, _dlt_list_idx FROM p_dataset.u__l ORDER BY value", "7|0");

  const char *io = "--table i --write-disposition merge --merge-strategy insert-only --primary-key id";
  run_ok(&e, "i.jsonl", "{\"id\": 1, \"v\": \"a\", \"l\": [1]}\n", io);
  run_ok(&e, "i.jsonl", "{\"id\": 1, \"v\": \"CHANGED\", \"l\": [5, 6]}\n{\"id\": 2, \"v\": \"b\", \"l\": [2]}\n", io);
  CHECK_Q(e.db, "SELECT id, v FROM p_dataset.i ORDER BY id", "1|a\n2|b");
  CHECK_Q(e.db, "SELECT i.id, l.value FROM p_dataset.i__l l JOIN p_dataset.i i ON i._dlt_id = l._dlt_root_id "
                "ORDER BY i.id, l.value",
          "1|1\n2|2");
}

/* ---------------------------------------------------------------- scd2 */

static void test_scd2(void) {
  env e;
  env_new(&e);
  const char *base = "--table s --write-disposition merge --merge-strategy scd2 --validity-columns vf,vt";
  char args[512];
  snprintf(args, sizeof args, "%s --boundary-timestamp 2024-01-01T00:00:00Z", base);
  run_ok(&e, "s.jsonl", "{\"id\": 1, \"v\": \"a\", \"n\": [1]}\n{\"id\": 2, \"v\": \"b\"}\n", args);
  snprintf(args, sizeof args, "%s --boundary-timestamp 2024-02-01T00:00:00Z", base);
  run_ok(&e, "s.jsonl", "{\"id\": 1, \"v\": \"a\", \"n\": [1, 2]}\n", args);   /* 1 changed (nested), 2 retired */
  snprintf(args, sizeof args, "%s --boundary-timestamp 2024-03-01T00:00:00Z", base);
  run_ok(&e, "s.jsonl", "{\"id\": 1, \"v\": \"a\", \"n\": [1, 2]}\n{\"id\": 2, \"v\": \"b\"}\n", args);   /* 2 re-appears */
  CHECK_Q(e.db, "SELECT id, v, vf, vt FROM p_dataset.s ORDER BY id, vf",
          "1|a|2024-01-01T00:00:00+00:00|2024-02-01T00:00:00+00:00\n"
          "1|a|2024-02-01T00:00:00+00:00|NULL\n"
          "2|b|2024-01-01T00:00:00+00:00|2024-02-01T00:00:00+00:00\n"
          "2|b|2024-03-01T00:00:00+00:00|NULL");
  /* nested rows versioned with their parent */
  CHECK_Q(e.db, "SELECT s.vf, n.value FROM p_dataset.s__n n JOIN p_dataset.s s ON s._dlt_id = n._dlt_parent_id ORDER BY s.vf, n.value",
          "2024-01-01T00:00:00+00:00|1\n2024-02-01T00:00:00+00:00|1\n2024-02-01T00:00:00+00:00|2");
  /* the re-appearing version has the same row hash as its first version: same _dlt_id */
  CHECK_Q(e.db, "SELECT count(DISTINCT _dlt_id) FROM p_dataset.s WHERE id = 2", "1");

  /* merge key: only records whose key is in the load are retired (incremental scd2); a user row
   * version column replaces the row hash */
  env e3;
  env_new(&e3);
  const char *mk = "--table k --write-disposition merge --merge-strategy scd2 --merge-key grp --row-version-column ver";
  snprintf(args, sizeof args, "%s --boundary-timestamp 2024-01-01T00:00:00Z", mk);
  run_ok(&e3, "k.jsonl", "{\"grp\": \"g1\", \"id\": 1, \"ver\": \"h1\"}\n{\"grp\": \"g2\", \"id\": 2, \"ver\": \"h2\"}\n", args);
  snprintf(args, sizeof args, "%s --boundary-timestamp 2024-02-01T00:00:00Z", mk);
  run_ok(&e3, "k.jsonl", "{\"grp\": \"g1\", \"id\": 3, \"ver\": \"h3\"}\n", args);
  CHECK_Q(e3.db, "SELECT grp, id, _dlt_valid_from, _dlt_valid_to FROM p_dataset.k ORDER BY id",
          "g1|1|2024-01-01T00:00:00+00:00|2024-02-01T00:00:00+00:00\n"
          "g2|2|2024-01-01T00:00:00+00:00|NULL\n"
          "g1|3|2024-02-01T00:00:00+00:00|NULL");
  /* with a user row version column the _dlt_id stays random */
  CHECK_Q(e3.db, "SELECT count(DISTINCT _dlt_id), min(length(_dlt_id)) FROM p_dataset.k", "3|14");

  /* no boundary given: the package creation time (the load id) */
  env e2;
  env_new(&e2);
  run_ok(&e2, "s.jsonl", "{\"id\": 1}\n", "--table s --write-disposition merge --merge-strategy scd2");
  /* the load id's fraction is rounded half-to-even to microseconds (Python's fromtimestamp); the
   * query rounds the product, which can differ by 1 µs */
  CHECK_Q(e2.db, "SELECT count(*) FROM p_dataset.s WHERE abs(epoch_us(_dlt_valid_from) - CAST(round(CAST(_dlt_load_id AS "
                 "DOUBLE) * 1000000) AS BIGINT)) <= 1 AND _dlt_valid_to IS NULL",
          "1");
}

/* ---------------------------------------------------------------- crash between follow-up statements */

static void test_crash_in_followup(void) {
  const char *points[] = {"load.before_followup", "load.followup_statement", "load.before_commit"};
  for (size_t k = 0; k < 3; k++) {
    env e;
    env_new(&e);
    const char *args = "--table users --write-disposition merge --primary-key id";
    run_ok(&e, "u.jsonl", "{\"id\": 1, \"name\": \"A\", \"pets\": [{\"n\": \"r\"}, {\"n\": \"t\"}]}\n{\"id\": 2, \"name\": \"B\"}\n", args);
    const char *f = write_file(&e, "u.jsonl", "{\"id\": 1, \"name\": \"A2\", \"pets\": [{\"n\": \"m\"}]}\n{\"id\": 3, \"name\": \"C\"}\n");
    char envs[256];
    snprintf(envs, sizeof envs, "CDLT_FAULT_POINT=%s CDLT_FAULT_HIT=2", points[k]);
    if (k != 1) snprintf(envs, sizeof envs, "CDLT_FAULT_POINT=%s", points[k]);
    char *out = NULL;
    int rc = run_env(&e, envs, &out, "run '%s' --pipeline p %s", f, args);
    CHECK_MSG(rc != 0, "cdlt was not killed at %s: %s", points[k], out);
    free(out);
    /* old state visible: nothing of the second package */
    CHECK_Q(e.db, "SELECT id, name FROM p_dataset.users ORDER BY id", "1|A\n2|B");
    CHECK_Q(e.db, "SELECT count(*) FROM p_dataset.users__pets", "2");
    /* rerun finishes the pending package exactly once */
    rc = run_env(&e, NULL, &out, "run '%s' --pipeline p %s", f, args);
    CHECK_MSG(rc == 0, "rerun after crash at %s: %s", points[k], out);
    free(out);
    CHECK_Q(e.db, "SELECT id, name FROM p_dataset.users ORDER BY id", "1|A2\n2|B\n3|C");
    CHECK_Q(e.db, "SELECT p.n FROM p_dataset.users__pets p JOIN p_dataset.users u ON u._dlt_id = p._dlt_root_id ORDER BY p.n", "m");
    CHECK_Q(e.db, "SELECT count(*) FROM p_dataset._dlt_loads", "2");
  }
}

int main(void) {
  test_golden_p4();
  test_golden_users_schema();
  test_delete_insert_nested();
  test_merge_key_compound_and_dedup();
  test_hard_delete();
  test_upsert_and_insert_only();
  test_scd2();
  test_crash_in_followup();
  return check_finish();
}
