/* test_replace.c — end-to-end tests of append and replace (DLT_CONTRACT §8.1, §8.2) with every
 * replace strategy on DuckDB: truncate-and-insert straight into the final tables,
 * insert-from-staging (and staging-optimized, which DuckDB runs as insert-from-staging) through
 * the staging dataset; a replace without rows empties the root and its nested tables; a crash
 * between the staged load and the follow-up leaves the old contents, a rerun the new ones once. */
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

static void test_append(void) {
  env e;
  env_new(&e);
  run_ok(&e, "a.jsonl", "{\"id\": 1, \"l\": [1]}\n", "--table a");
  run_ok(&e, "a.jsonl", "{\"id\": 1, \"l\": [1]}\n", "--table a --write-disposition append");
  CHECK_Q(e.db, "SELECT id, count(*) FROM p_dataset.a GROUP BY id", "1|2");
  CHECK_Q(e.db, "SELECT count(*) FROM p_dataset.a__l", "2");
  /* append never creates the staging dataset */
  CHECK_Q(e.db, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'p_dataset_staging'", "0");
}

static void replace_scenario(const char *strategy, bool expect_staging) {
  env e;
  env_new(&e);
  char args[256];
  snprintf(args, sizeof args, "--table r --write-disposition replace --replace-strategy %s", strategy);
  run_ok(&e, "r.jsonl", "{\"id\": 1, \"sub\": [1, 2], \"o\": [{\"k\": 1, \"d\": [7]}]}\n{\"id\": 2, \"sub\": [3]}\n", args);
  CHECK_Q(e.db, "SELECT id FROM p_dataset.r ORDER BY id", "1\n2");
  CHECK_Q(e.db, "SELECT value FROM p_dataset.r__sub ORDER BY value", "1\n2\n3");
  CHECK_Q(e.db, "SELECT value FROM p_dataset.r__o__d", "7");
  run_ok(&e, "r.jsonl", "{\"id\": 3, \"sub\": [4]}\n", args);
  CHECK_Q(e.db, "SELECT id FROM p_dataset.r ORDER BY id", "3");
  CHECK_Q(e.db, "SELECT value FROM p_dataset.r__sub ORDER BY value", "4");
  /* nested tables without rows in this load are emptied too */
  CHECK_Q(e.db, "SELECT count(*) FROM p_dataset.r__o", "0");
  CHECK_Q(e.db, "SELECT count(*) FROM p_dataset.r__o__d", "0");
  /* no rows at all: everything emptied */
  run_ok(&e, "r.jsonl", "", args);
  CHECK_Q(e.db, "SELECT (SELECT count(*) FROM p_dataset.r) + (SELECT count(*) FROM p_dataset.r__sub) + "
                "(SELECT count(*) FROM p_dataset.r__o) + (SELECT count(*) FROM p_dataset.r__o__d)",
          "0");
  CHECK_Q(e.db, "SELECT count(*) FROM p_dataset._dlt_loads", "3");
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'p_dataset_staging'");
  CHECK_Q(e.db, sql, expect_staging ? "1" : "0");
  if (expect_staging) {
    /* the follow-up job: truncate + insert per table of the chain */
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cat '%s'/pipelines/p/load/loaded/*/completed_jobs/r.*.0.sql | sort | uniq -c | sort", e.data);
    char *out = NULL;
    CHECK_EQ_INT(check_run(cmd, &out), 0);
    CHECK_MSG(out && strstr(out, "INSERT INTO \"p_dataset\".\"r__sub\"(\"value\", \"_dlt_parent_id\", \"_dlt_list_idx\", "
                                 "\"_dlt_id\") SELECT \"value\", \"_dlt_parent_id\", \"_dlt_list_idx\", \"_dlt_id\" FROM "
                                 "\"p_dataset_staging\".\"r__sub\";") &&
                  strstr(out, "DELETE FROM \"p_dataset\".\"r__o__d\" WHERE 1=1;"),
              "sql jobs: %s", out);
    free(out);
  }
}

static void test_replace_strategies(void) {
  replace_scenario("truncate-and-insert", false);
  replace_scenario("insert-from-staging", true);
  replace_scenario("staging-optimized", true);
}

static void test_crash_before_followup(void) {
  env e;
  env_new(&e);
  const char *args = "--table r --write-disposition replace --replace-strategy insert-from-staging";
  run_ok(&e, "r.jsonl", "{\"id\": 1, \"sub\": [1]}\n", args);
  const char *f = write_file(&e, "r.jsonl", "{\"id\": 2, \"sub\": [2, 3]}\n");
  const char *points[] = {"load.after_staging_load", "load.before_followup"};
  for (size_t k = 0; k < 2; k++) {
    char envs[128];
    snprintf(envs, sizeof envs, "CDLT_FAULT_POINT=%s", points[k]);
    char *out = NULL;
    int rc = run_env(&e, envs, &out, "run '%s' --pipeline p %s", f, args);
    CHECK_MSG(rc != 0, "not killed at %s: %s", points[k], out);
    free(out);
    CHECK_Q(e.db, "SELECT id FROM p_dataset.r", "1");
    CHECK_Q(e.db, "SELECT value FROM p_dataset.r__sub", "1");
  }
  char *out = NULL;
  int rc = run_env(&e, NULL, &out, "run '%s' --pipeline p %s", f, args);
  CHECK_MSG(rc == 0, "rerun: %s", out);
  free(out);
  CHECK_Q(e.db, "SELECT id FROM p_dataset.r", "2");
  CHECK_Q(e.db, "SELECT value FROM p_dataset.r__sub ORDER BY value", "2\n3");
  CHECK_Q(e.db, "SELECT count(*) FROM p_dataset._dlt_loads", "2");
}

int main(void) {
  test_append();
  test_replace_strategies();
  test_crash_before_followup();
  return check_finish();
}
