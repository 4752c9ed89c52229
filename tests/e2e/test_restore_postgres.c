/* test_restore_postgres.c — restore from a real PostgreSQL server (§7.4, §5.7): the incremental
 * cursor continues after the working dir is deleted, `cdlt pipeline sync` restores, and a
 * dropped dataset resets the local pipeline. Only the destination vtab is used by restore, so
 * this is the same code path as DuckDB on another SQL destination. */
#define _GNU_SOURCE
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "e2e.h"
#include "pg_query.h"
#include "pg_server.h"
#include "util/fs.h"

static pg_server *srv;
static PGconn *db;

static char *pq(const char *sql) { return pg_query(db, sql); }
#define CHECK_PQ(sql, expected) CHECK_PG(db, (sql), (expected))

#define ARGS "--pipeline pgr --table items --primary-key id --incremental updated_at --destination postgres"

static void rm_workdir(const env *e) {
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/pgr", e->data);
  cdlt_fs_rm_rf(path, NULL);
}

static void test_restore_on_postgres(void) {
  env e;
  env_new(&e);
  const char *url = pg_server_url(srv);
  const char *f1 = write_file(&e, "r1.jsonl", "{\"id\":1,\"updated_at\":\"2024-01-02T00:00:00Z\"}\n"
                                              "{\"id\":2,\"updated_at\":\"2024-01-03T00:00:00Z\"}\n");
  const char *f2 = write_file(&e, "r2.jsonl", "{\"id\":2,\"updated_at\":\"2024-01-03T00:00:00Z\"}\n"
                                              "{\"id\":3,\"updated_at\":\"2024-01-04T00:00:00Z\"}\n");
  cdlt_ok(&e, "run '%s' " ARGS " --credentials '%s'", f1, url);
  rm_workdir(&e);
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' " ARGS " --credentials '%s'", f2, url), 0);
  CHECK_MSG(contains(out, "- items: 1 row(s)\n") && !contains(out, PG_SERVER_PASSWORD), "output: %s", out);
  free(out);
  CHECK_PQ("SELECT id, count(*) FROM pgr_dataset.items GROUP BY id ORDER BY id", "1|1\n2|1\n3|1");
  CHECK_PQ("SELECT max(version) FROM pgr_dataset._dlt_pipeline_state", "2");

  /* sync from the CLI */
  rm_workdir(&e);
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pgr sync --destination postgres --credentials '%s' --yes", url), 0);
  CHECK_EQ_STR(out, "Dropping local state\nRestoring from destination\nRestored state version 2 and 1 schema(s) from dataset pgr_dataset\n");
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pgr info"), 0);
  CHECK_MSG(contains(out, "destination_type: dlt.destinations.postgres\n") && contains(out, "items with 1 table(s) and 1 resource state slot(s)"),
            "info: %s", out);
  free(out);

  /* the dataset dropped in the destination: the pipeline starts over */
  char *r = pq("DROP SCHEMA pgr_dataset CASCADE");
  free(r);
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' " ARGS " --credentials '%s'", f1, url), 0);
  CHECK_MSG(contains(out, "- items: 2 row(s)\n"), "output: %s", out);
  free(out);
  CHECK_PQ("SELECT id FROM pgr_dataset.items ORDER BY id", "1\n2");
  CHECK_PQ("SELECT count(*), max(version) FROM pgr_dataset._dlt_pipeline_state", "1|1");
}

int main(void) {
  char why[2048];
  if (pg_server_start(&srv, why, sizeof why)) {
    CHECK_MSG(0, "cannot start the test PostgreSQL server: %s", why);
    return check_finish();
  }
  db = pg_test_connect(srv);
  test_restore_on_postgres();
  PQfinish(db);
  pg_server_destroy(srv);
  return check_finish();
}
