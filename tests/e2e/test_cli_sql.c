/* test_cli_sql.c — end-to-end tests of `cdlt sql` on the DuckDB destination: exact table / csv /
 * json output of the real binary after a real `cdlt run`, defaults taken from the pipeline's last
 * run, and usage errors. (SQLite and filesystem output: test_sqlite.c, test_filesystem.c.) */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "e2e.h"

/* Runs `cd <dir> && DLT_DATA_DIR=<data> <cdlt> <args>`; stdout only into *out, stderr into *errout. */
static int cdlt_split(const env *e, char **out, char **errout, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int cdlt_split(const env *e, char **out, char **errout, const char *fmt, ...) {
  char args[2048], cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "cd '%s' && DLT_DATA_DIR='%s' '%s' %s 2>'%s/stderr.txt'", e->dir, e->data, check_cdlt_bin(),
           args, e->dir);
  char *o = NULL;
  int rc = check_run(cmd, &o);
  char path[1024];
  snprintf(path, sizeof path, "%s/stderr.txt", e->dir);
  char *er = check_read_file(path, NULL);
  CHECK_MSG(!er || !strstr(er, "Sanitizer"), "sanitizer report from cdlt %s:\n%s", args, er ? er : "");
  if (out) *out = o ? o : strdup("");
  else free(o);
  if (errout) *errout = er ? er : strdup("");
  else free(er);
  return rc;
}

static void test_outputs(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "people.jsonl",
                             "{\"id\": 1, \"name\": \"Zo\xc3\xab\", \"note\": \"a,\\\"b\\\"\", \"ts\": \"2024-05-01T10:00:00Z\"}\n"
                             "{\"id\": 2, \"name\": \"Bartholomew\", \"note\": \"line\\nbreak\", \"score\": 2.5}\n"
                             "{\"id\": 10, \"name\": null}\n");
  /* default credentials: <cwd>/<pipeline>.duckdb, dataset <pipeline>_dataset */
  char *out = NULL, *err = NULL;
  int rc = cdlt_split(&e, &out, &err, "run '%s' --pipeline q", f);
  CHECK_MSG(rc == 0, "%s%s", out, err);
  free(out);
  free(err);

  /* table: columns padded to the widest value (UTF-8 aware), NULL shown, row count */
  rc = cdlt_split(&e, &out, &err, "sql q \"SELECT id, name, score, ts FROM people ORDER BY id\"");
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out,
               "id | name        | score | ts\n"
               "---+-------------+-------+--------------------------\n"
               "1  | Zo\xc3\xab         | NULL  | 2024-05-01T10:00:00+00:00\n"
               "2  | Bartholomew | 2.5   | NULL\n"
               "10 | NULL        | NULL  | NULL\n"
               "(3 rows)\n");
  CHECK_EQ_STR(err, "");
  free(out);
  free(err);

  /* csv: RFC 4180 quoting, NULL empty, CRLF */
  rc = cdlt_split(&e, &out, &err, "sql q \"SELECT id, note, score FROM people ORDER BY id\" --format csv");
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out, "id,note,score\r\n1,\"a,\"\"b\"\"\",\r\n2,\"line\nbreak\",2.5\r\n10,,\r\n");
  free(out);
  free(err);

  /* json: an array of objects, values as strings, null */
  rc = cdlt_split(&e, &out, &err, "sql q \"SELECT id, note FROM people WHERE id <= 2 ORDER BY id\" --format json");
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out, "[\n  {\"id\":\"1\",\"note\":\"a,\\\"b\\\"\"},\n  {\"id\":\"2\",\"note\":\"line\\nbreak\"}\n]\n");
  free(out);
  free(err);

  /* an empty result */
  rc = cdlt_split(&e, &out, &err, "sql q \"SELECT id AS only_col FROM people WHERE id > 100\"");
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out, "only_col\n--------\n(0 rows)\n");
  free(out);
  free(err);
  rc = cdlt_split(&e, &out, &err, "sql q \"SELECT 1 AS x WHERE false\" --format json");
  CHECK_EQ_STR(out, "[]\n");
  free(out);
  free(err);

  /* dlt's tables are there, qualified or not */
  rc = cdlt_split(&e, &out, &err, "sql q \"SELECT count(*) AS loads, min(status) AS status FROM q_dataset._dlt_loads\" --format csv");
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out, "loads,status\r\n1,0\r\n");
  free(out);
  free(err);

  /* a failing query: exit 1, the destination's message on stderr, nothing on stdout */
  rc = cdlt_split(&e, &out, &err, "sql q \"SELECT nope FROM people\"");
  CHECK_EQ_INT(rc, 1);
  CHECK_EQ_STR(out, "");
  CHECK_MSG(!strncmp(err, "cdlt sql: duckdb: query: Binder Error: Referenced column \"nope\" not found", 72), "%s", err);
  free(out);
  free(err);
}

static void test_usage(void) {
  env e;
  env_new(&e);
  char *out = NULL, *err = NULL;
  int rc = cdlt_split(&e, &out, &err, "sql q");
  CHECK_EQ_INT(rc, 2);
  CHECK_MSG(contains(err, "cdlt sql: a pipeline name and a query are required"), "%s", err);
  free(out);
  free(err);
  rc = cdlt_split(&e, &out, &err, "sql q \"SELECT 1\" --format xml");
  CHECK_EQ_INT(rc, 2);
  CHECK_EQ_STR(err, "cdlt sql: unknown format 'xml' (table, csv, json)\n");
  free(out);
  free(err);
  rc = cdlt_split(&e, &out, &err, "sql q \"SELECT 1\" --bogus");
  CHECK_EQ_INT(rc, 2);
  CHECK_MSG(contains(err, "cdlt sql: unknown option '--bogus'"), "%s", err);
  free(out);
  free(err);
  rc = cdlt_split(&e, &out, &err, "sql --help");
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(!strncmp(out, "usage: cdlt sql PIPELINE QUERY", 30), "%s", out);
  free(out);
  free(err);
  /* a pipeline that never ran: no database is created */
  rc = cdlt_split(&e, &out, &err, "sql nope \"SELECT 1\"");
  CHECK_EQ_INT(rc, 1);
  char expect[1024], path[1024];
  snprintf(expect, sizeof expect, "cdlt sql: duckdb database '%s/nope.duckdb' does not exist (has pipeline 'nope' run?)\n",
           e.dir);
  CHECK_EQ_STR(err, expect);
  snprintf(path, sizeof path, "%s/nope.duckdb", e.dir);
  CHECK(access(path, F_OK) != 0);
  free(out);
  free(err);
  /* the top-level help lists the command */
  rc = cdlt_split(&e, &out, &err, "--help");
  CHECK_MSG(contains(out, "  sql       run a SQL query against a pipeline's dataset and print the result\n"), "%s", out);
  free(out);
  free(err);
}

int main(void) {
  test_outputs();
  test_usage();
  return check_finish();
}
