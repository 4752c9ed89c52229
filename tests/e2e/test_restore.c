/* test_restore.c — state and schema restore from the destination (§7.4), the reset when the
 * dataset was dropped (§5.7), --no-restore and --dev-mode (§15), through the real `cdlt` binary
 * and a DuckDB file. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "e2e.h"
#include "util/fs.h"

static char *wd_file(const env *e, const char *pipeline, const char *rel) {
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/%s/%s", e->data, pipeline, rel);
  return check_read_file(path, NULL);
}

static void rm_workdir(const env *e, const char *pipeline) {
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/%s", e->data, pipeline);
  CHECK_OK(cdlt_fs_rm_rf(path, NULL), &(cdlt_error){0});
  CHECK(!file_exists(path));
}

#define ARGS "--pipeline rs --table items --primary-key id --incremental updated_at"

static const char *R1 = "{\"id\":1,\"updated_at\":\"2024-01-02T00:00:00Z\",\"v\":\"a\"}\n"
                        "{\"id\":2,\"updated_at\":\"2024-01-03T00:00:00Z\",\"v\":\"b\"}\n";
static const char *R2 = "{\"id\":2,\"updated_at\":\"2024-01-03T00:00:00Z\",\"v\":\"b\"}\n"
                        "{\"id\":3,\"updated_at\":\"2024-01-04T00:00:00Z\",\"v\":\"c\"}\n";

/* a fresh machine: the working dir is gone; the run restores state and schema and continues */
static void test_restore_fresh_machine(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "r1.jsonl", R1);
  const char *f2 = write_file(&e, "r2.jsonl", R2);
  cdlt_ok(&e, "run '%s' " ARGS " --credentials '%s'", f1, e.db);
  char *schema_before = wd_file(&e, "rs", "schemas/rs.schema.json");
  char *state_before = wd_file(&e, "rs", "state.json");
  CHECK(schema_before && state_before);
  rm_workdir(&e, "rs");

  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' " ARGS " --credentials '%s'", f2, e.db), 0);
  CHECK_MSG(contains(out, "- items: 1 row(s)\n"), "output: %s", out);
  free(out);
  /* id 2 was at the cursor boundary: not loaded again; id 3 is new */
  CHECK_Q(e.db, "SELECT id, count(*) FROM rs_dataset.items GROUP BY id ORDER BY id", "1|1\n2|1\n3|1");
  char *st = wd_file(&e, "rs", "state.json");
  CHECK_MSG(contains(st, "\"last_value\":\"2024-01-04T00:00:00Z\"") && contains(st, "\"start_value\":\"2024-01-03T00:00:00Z\"") &&
                contains(st, "\"_state_version\":2,"),
            "state.json: %s", st);
  free(st);
  /* the restored schema is the one that was loaded; the run then evolved nothing */
  char *schema_after = wd_file(&e, "rs", "schemas/rs.schema.json");
  CHECK_EQ_STR(schema_after, schema_before);
  free(schema_after);
  CHECK_Q(e.db, "SELECT count(DISTINCT version_hash) FROM rs_dataset._dlt_version", "1");

  /* again from scratch, with the same data: nothing at all is reloaded */
  rm_workdir(&e, "rs");
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' '%s' " ARGS " --credentials '%s'", f1, f2, e.db), 0);
  CHECK_MSG(!contains(out, "- items:"), "output: %s", out);
  free(out);
  CHECK_Q(e.db, "SELECT count(*) FROM rs_dataset.items", "3");
  free(schema_before);
  free(state_before);
}

/* a destination state newer than the local one wins (another machine ran the pipeline) */
static void test_newer_remote_state_wins(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "r1.jsonl", R1);
  const char *f2 = write_file(&e, "r2.jsonl", R2);
  cdlt_ok(&e, "run '%s' " ARGS " --credentials '%s'", f1, e.db);
  char *old_state = wd_file(&e, "rs", "state.json");
  cdlt_ok(&e, "run '%s' " ARGS " --credentials '%s'", f2, e.db);
  /* put the old state.json back: the local state is now behind the destination's */
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/rs/state.json", e.data);
  CHECK_OK(cdlt_fs_write_atomic(path, NULL, old_state, strlen(old_state), 0600, NULL), &(cdlt_error){0});
  free(old_state);
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' " ARGS " --credentials '%s'", f2, e.db), 0);
  CHECK_MSG(!contains(out, "- items:"), "output: %s", out);
  free(out);
  CHECK_Q(e.db, "SELECT count(*) FROM rs_dataset.items", "3");
  char *st = wd_file(&e, "rs", "state.json");
  CHECK_MSG(contains(st, "\"last_value\":\"2024-01-04T00:00:00Z\"") && contains(st, "\"_state_version\":2,"),
            "state.json: %s", st);
  free(st);
}

/* --no-restore: a fresh working dir starts from the initial state, the boundary row comes again */
static void test_no_restore(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "r1.jsonl", R1);
  const char *f2 = write_file(&e, "r2.jsonl", R2);
  cdlt_ok(&e, "run '%s' " ARGS " --credentials '%s'", f1, e.db);
  rm_workdir(&e, "rs");
  cdlt_ok(&e, "run '%s' " ARGS " --no-restore --credentials '%s'", f2, e.db);
  CHECK_Q(e.db, "SELECT id, count(*) FROM rs_dataset.items GROUP BY id ORDER BY id", "1|1\n2|2\n3|1");
}

/* the dataset was dropped in the destination: the local pipeline starts over (§5.7) */
static void test_dataset_dropped(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "r1.jsonl", R1);
  cdlt_ok(&e, "run '%s' " ARGS " --credentials '%s'", f1, e.db);
  char *r = q(e.db, "DROP SCHEMA rs_dataset CASCADE");
  free(r);
  CHECK(!table_exists(e.db, "rs_dataset", "items"));
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' " ARGS " --credentials '%s'", f1, e.db), 0);
  CHECK_MSG(contains(out, "- items: 2 row(s)\n"), "output: %s", out);
  free(out);
  CHECK_Q(e.db, "SELECT id FROM rs_dataset.items ORDER BY id", "1\n2");
  /* a new state history: version 1 again */
  CHECK_Q(e.db, "SELECT count(*), max(version) FROM rs_dataset._dlt_pipeline_state", "1|1");
  char *st = wd_file(&e, "rs", "state.json");
  CHECK_MSG(contains(st, "\"_state_version\":1,"), "state.json: %s", st);
  free(st);

  /* the database file deleted altogether counts the same */
  CHECK(unlink(e.db) == 0);
  cdlt_ok(&e, "run '%s' " ARGS " --credentials '%s'", f1, e.db);
  CHECK_Q(e.db, "SELECT id FROM rs_dataset.items ORDER BY id", "1\n2");

  /* a pipeline that never loaded keeps its pending package even though the dataset is missing */
  env e2;
  env_new(&e2);
  const char *g = write_file(&e2, "g.jsonl", R1);
  out = NULL;
  int rc = 0;
  {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && CDLT_FAULT_POINT=load.before_commit DLT_DATA_DIR='%s' '%s' run '%s' " ARGS
             " --credentials '%s' >/dev/null 2>&1", e2.dir, e2.data, check_cdlt_bin(), g, e2.db);
    rc = system(cmd);
  }
  CHECK(rc != 0);
  CHECK_EQ_INT(cdlt(&e2, &out, "run '%s' " ARGS " --credentials '%s'", g, e2.db), 0);
  CHECK_MSG(contains(out, "Pending load packages"), "output: %s", out);
  free(out);
  CHECK_Q(e2.db, "SELECT id FROM rs_dataset.items ORDER BY id", "1\n2");
}

/* dev_mode: a new dataset with a time suffix on every run, nothing restored */
static void test_dev_mode(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "r1.jsonl", R1);
  cdlt_ok(&e, "run '%s' " ARGS " --dev-mode --credentials '%s'", f1, e.db);
  char *ds = q(e.db, "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'rs_dataset%' "
                     "ORDER BY 1");
  CHECK_MSG(ds && strlen(ds) == strlen("rs_dataset_20240101120000") && !strncmp(ds, "rs_dataset_", 11),
            "datasets: %s", ds ? ds : "(none)");
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\".items", ds ? ds : "?");
  CHECK_Q(e.db, sql, "2");
  char *st = wd_file(&e, "rs", "state.json");
  char needle[128];
  snprintf(needle, sizeof needle, "\"dataset_name\":\"%s\"", ds ? ds : "?");
  CHECK_MSG(contains(st, needle) && contains(st, "\"_dev_mode\":true"), "state.json: %s", st);
  free(st);
  /* the next dev_mode run starts over: a second dataset (the suffix has second resolution) */
  sleep(1);
  cdlt_ok(&e, "run '%s' " ARGS " --dev-mode --credentials '%s'", f1, e.db);
  char *n = q(e.db, "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'rs_dataset_%'");
  CHECK_EQ_STR(n, "2");
  free(n);
  free(ds);
}

int main(void) {
  test_restore_fresh_machine();
  test_newer_remote_state_wins();
  test_no_restore();
  test_dataset_dropped();
  test_dev_mode();
  return check_finish();
}
