/* test_all_destinations.c — one scenario, every destination: the same `cdlt run` commands load
 * nested data with schema evolution, merge and an incremental cursor into DuckDB, PostgreSQL (a
 * throwaway server), SQLite and the filesystem; then the working dir is deleted and a third run
 * must restore its state from the destination (the cursor continues, nothing is reloaded). The
 * resulting tables, read back with `cdlt sql --format csv`, must be the same everywhere (the
 * filesystem destination has no merge: dlt loads merge as append there, §6). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "e2e.h"
#include "pg_server.h"

static const char *const run1 =
    "{\"id\": 1, \"name\": \"ann\", \"updated_at\": 10, \"address\": {\"city\": \"Oslo\"}, \"pets\": [{\"name\": \"rex\"}, {\"name\": \"tom\"}]}\n"
    "{\"id\": 2, \"name\": \"bob\", \"updated_at\": 11, \"address\": {\"city\": \"Rome\"}, \"pets\": []}\n";
/* evolution (email), an update of id 1, and a stale row that the cursor drops */
static const char *const run2 =
    "{\"id\": 1, \"name\": \"ann\", \"email\": \"ann@x.org\", \"updated_at\": 20, \"address\": {\"city\": \"Bergen\"}, \"pets\": [{\"name\": \"rex\"}]}\n"
    "{\"id\": 3, \"name\": \"cid\", \"updated_at\": 5, \"address\": {\"city\": \"Nice\"}}\n";
/* after the working dir is gone: one row behind the restored cursor, one ahead */
static const char *const run3 =
    "{\"id\": 4, \"name\": \"dan\", \"updated_at\": 19, \"address\": {\"city\": \"Linz\"}}\n"
    "{\"id\": 5, \"name\": \"eve\", \"updated_at\": 21, \"address\": {\"city\": \"Graz\"}}\n";

/* `cdlt sql` csv output of a query, header included; malloc'd */
static char *sql_csv(const env *e, const char *credentials, const char *query) {
  char *out = NULL;
  int rc = cdlt(e, &out, "sql all \"%s\" --format csv --credentials '%s'", query, credentials);
  CHECK_MSG(rc == 0, "cdlt sql '%s' exited %d: %s", query, rc, out);
  /* RFC 4180 lines end in CRLF: compare with plain \n */
  size_t w = 0;
  for (size_t r = 0; out && out[r]; r++)
    if (!(out[r] == '\r' && out[r + 1] == '\n')) out[w++] = out[r];
  if (out) out[w] = 0;
  return out;
}

static void scenario(const char *destination, const char *credentials, const env *e, bool has_merge) {
  const char *f1 = write_file(e, "users.jsonl", run1);
  const char *flags = "--write-disposition merge --primary-key id --incremental updated_at";
  cdlt_ok(e, "run '%s' --pipeline all --destination %s --credentials '%s' %s", f1, destination, credentials, flags);
  const char *f2 = write_file(e, "users.jsonl", run2);
  cdlt_ok(e, "run '%s' --pipeline all --destination %s --credentials '%s' %s", f2, destination, credentials, flags);

  /* a fresh machine: no working dir; the state comes back from the destination */
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s/pipelines/all'", e->data);
  CHECK_EQ_INT(check_run(cmd, NULL), 0);
  const char *f3 = write_file(e, "users.jsonl", run3);
  cdlt_ok(e, "run '%s' --pipeline all --destination %s --credentials '%s' %s", f3, destination, credentials, flags);

  char *users = sql_csv(e, credentials, "SELECT id, name, email, address__city, updated_at FROM users ORDER BY id, updated_at");
  const char *expected = has_merge ? "id,name,email,address__city,updated_at\n"
                                     "1,ann,ann@x.org,Bergen,20\n"
                                     "2,bob,,Rome,11\n"
                                     "5,eve,,Graz,21\n"
                                   : "id,name,email,address__city,updated_at\n"
                                     "1,ann,,Oslo,10\n"
                                     "1,ann,ann@x.org,Bergen,20\n"
                                     "2,bob,,Rome,11\n"
                                     "5,eve,,Graz,21\n";
  CHECK_MSG(users && !strcmp(users, expected), "%s users:\n%s\nexpected:\n%s", destination, users ? users : "(none)", expected);
  free(users);
  char *pets = sql_csv(e, credentials, "SELECT u.id, p.name FROM users__pets p JOIN users u ON p._dlt_parent_id = u._dlt_id "
                          "ORDER BY u.id, p.name");
  const char *pets_expected = has_merge ? "id,name\n1,rex\n" : "id,name\n1,rex\n1,rex\n1,tom\n";
  CHECK_MSG(pets && !strcmp(pets, pets_expected), "%s pets:\n%s", destination, pets);
  free(pets);
  char *loads = sql_csv(e, credentials, "SELECT count(*) AS n, count(DISTINCT schema_name) AS s FROM _dlt_loads");
  CHECK_MSG(loads && !strcmp(loads, "n,s\n3,1\n"), "%s loads:\n%s", destination, loads);
  free(loads);
  /* the restored cursor: state.json holds last_value 21 */
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/all/state.json", e->data);
  char *state = check_read_file(path, NULL);
  CHECK_MSG(state && strstr(state, "\"last_value\":21"), "%s state: %s", destination, state);
  free(state);
}

int main(void) {
  env e;

  env_new(&e);
  scenario("duckdb", e.db, &e, true);

  env_new(&e);
  char lite[700];
  snprintf(lite, sizeof lite, "%s/all.sqlite", e.dir);
  scenario("sqlite", lite, &e, true);

  env_new(&e);
  char bucket[700];
  snprintf(bucket, sizeof bucket, "file://%s/bucket", e.dir);
  scenario("filesystem", bucket, &e, false);

  pg_server *pg = NULL;
  char why[512];
  if (pg_server_start(&pg, why, sizeof why)) {
    CHECK_MSG(0, "cannot start the PostgreSQL test server: %s", why);
  } else {
    env_new(&e);
    scenario("postgres", pg_server_url(pg), &e, true);
    pg_server_destroy(pg);
  }
  return check_finish();
}
