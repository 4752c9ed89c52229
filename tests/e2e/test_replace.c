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
#include "destinations/destination.h"
#include "util/buf.h"

typedef struct env {
  char dir[512], data[600], db[600];
} env;

static void env_new(env *e) {
  snprintf(e->dir, sizeof e->dir, "%s", check_tmpdir());
  snprintf(e->data, sizeof e->data, "%s/dlt", e->dir);
  snprintf(e->db, sizeof e->db, "%s/test.duckdb", e->dir);
}

static const char *write_file(const env *e, const char *name, const char *content) {
  static char paths[8][1024];
  static unsigned next;
  char *path = paths[next++ % 8];
  snprintf(path, sizeof paths[0], "%s/%s", e->dir, name);
  FILE *f = fopen(path, "wb");
  CHECK_MSG(f != NULL, "cannot create %s", path);
  if (f) {
    fputs(content, f);
    fclose(f);
  }
  return path;
}

/* `cd <dir> && [envs] DLT_DATA_DIR=<data> cdlt <args>`; returns the exit status */
static int run_env(const env *e, const char *envs, char **out, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int run_env(const env *e, const char *envs, char **out, const char *fmt, ...) {
  char args[4096], cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "cd '%s' && %s DLT_DATA_DIR='%s' '%s' %s --credentials '%s'", e->dir, envs ? envs : "", e->data,
           check_cdlt_bin(), args, e->db);
  char *o = NULL;
  int rc = check_run(cmd, &o);
  CHECK_MSG(!o || !strstr(o, "Sanitizer"), "sanitizer report from cdlt %s:\n%s", args, o);
  if (out) *out = o ? o : strdup("");
  else free(o);
  return rc;
}

/* runs `cdlt run <file> --pipeline p <args>` with `content` as the file; expects success */
static void run_ok(const env *e, const char *file, const char *content, const char *args) {
  const char *f = write_file(e, file, content);
  char *out = NULL;
  int rc = run_env(e, NULL, &out, "run '%s' --pipeline p %s", f, args);
  CHECK_MSG(rc == 0, "cdlt run %s %s exited %d:\n%s", file, args, rc, out);
  free(out);
}

static char *q(const char *db, const char *sql) {
  const cdlt_destination_vtab *vt = cdlt_destination_find("duckdb");
  cdlt_destination *d = NULL;
  cdlt_error err = {0};
  char *res = NULL;
  if (!vt || cdlt_destination_open(vt, &(cdlt_destination_config){.credentials = db}, &d, &err)) {
    if (asprintf(&res, "ERROR: open: %s", err.msg) < 0) res = NULL;
    return res;
  }
  cdlt_rows rows = {0};
  if (d->vtab->query(d, sql, &rows, &err)) {
    if (asprintf(&res, "ERROR: %s", err.msg) < 0) res = NULL;
  } else {
    cdlt_buf b;
    cdlt_buf_init(&b);
    for (size_t r = 0; r < rows.nrows; r++) {
      for (size_t c = 0; c < rows.ncols; c++) {
        const char *v = cdlt_rows_get(&rows, r, c);
        if (c) cdlt_buf_putc(&b, '|');
        cdlt_buf_puts(&b, v ? v : "NULL");
      }
      if (r + 1 < rows.nrows) cdlt_buf_putc(&b, '\n');
    }
    res = strdup(b.data ? b.data : "");
    cdlt_buf_release(&b);
  }
  cdlt_rows_free(&rows);
  cdlt_destination_close(d);
  return res;
}

#define CHECK_Q(db, sql, expected)  \
  do {                              \
    char *got_ = q((db), (sql));    \
    CHECK_EQ_STR(got_, (expected)); \
    free(got_);                     \
  } while (0)


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
