/* test_cli_pipeline.c — `cdlt pipeline` subcommands through the real binary and a DuckDB file
 * (DLT_CONTRACT §13, §14): --list, info, trace, load-package, failed-jobs, schema, drop, sync,
 * drop-pending-packages, their confirmations and errors; the resource state API; refresh modes. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "check.h"
#include "e2e.h"
#include "util/fs.h"

#define RUN "run '%s' --pipeline pp --table items --primary-key id --incremental updated_at --credentials '%s'"

static const char *DATA = "{\"id\":1,\"updated_at\":\"2024-01-02T00:00:00Z\",\"tags\":[\"a\"]}\n"
                          "{\"id\":2,\"updated_at\":\"2024-01-03T00:00:00Z\",\"tags\":[\"b\",\"c\"]}\n";

static char *one(const env *e, const char *sql) { return q(e->db, sql); }

static void test_inspect(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "d.jsonl", DATA);
  cdlt_ok(&e, RUN, f, e.db);
  char *lid = one(&e, "SELECT load_id FROM pp_dataset._dlt_loads");
  char *out = NULL, expect[4096];

  /* --list */
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline --list"), 0);
  snprintf(expect, sizeof expect, "1 pipelines found in %s/pipelines\npp (last run: ", e.data);
  CHECK_MSG(!strncmp(out, expect, strlen(expect)) && (contains(out, " seconds ago (20") || contains(out, " second ago (20")), "list: %s", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline --list --json"), 0);
  CHECK_MSG(contains(out, "\"name\": \"pp\",\n      \"last_run\": \"20"), "list json: %s", out);
  free(out);

  /* info */
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp info"), 0);
  snprintf(expect, sizeof expect, "Found pipeline pp in %s/pipelines\nSynchronized state:\n_state_version: 1\n"
                                  "_state_engine_version: 4\npipeline_name: pp\n_version_hash: ", e.data);
  CHECK_MSG(!strncmp(out, expect, strlen(expect)), "info: %s", out);
  CHECK_MSG(contains(out, "\ndefault_schema_name: pp\ndataset_name: pp_dataset\nschema_names: ['pp']\n"
                          "destination_type: dlt.destinations.duckdb\ndestination_name: None\n\nsources:\n"
                          "Add -v option to see sources state. Note that it could be large.\n\nLocal state:\n"
                          "first_run: False\n_dev_mode: False\ninitial_cwd: "), "info: %s", out);
  snprintf(expect, sizeof expect, "\nResources in schema: pp\nitems with 2 table(s) and 1 resource state slot(s)\n\n"
                                  "Working dir content:\nHas 1 completed load packages with following load ids:\n%s\n\n"
                                  "Pipeline has last run trace. Use 'cdlt pipeline pp trace' to inspect\n", lid);
  CHECK_MSG(contains(out, expect), "info: %s", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp info -v"), 0);
  CHECK_MSG(contains(out, "\titems table 4 column(s) received data\n\titems__tags table 4 column(s) received data\n") &&
                contains(out, "\"last_value\": \"2024-01-03T00:00:00Z\""), "info -v: %s", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp info --json"), 0);
  CHECK_MSG(contains(out, "\"completed_packages\": [\n    \"") && contains(out, "\"has_trace\": true"), "info json: %s", out);
  free(out);

  /* trace */
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp trace"), 0);
  snprintf(expect, sizeof expect, "Normalized data for the following tables:\n- _dlt_pipeline_state: 1 row(s)\n- items: 2 row(s)\n"
                                  "- items__tags: 3 row(s)\nPipeline pp load step completed in ");
  CHECK_MSG(!strncmp(out, "Run started at 20", 17) && contains(out, "+00:00 and COMPLETED in ") &&
                contains(out, " seconds with 4 steps.\nStep extract COMPLETED in ") &&
                contains(out, " seconds.\nStep normalize COMPLETED in ") && contains(out, " seconds.\nStep load COMPLETED in ") &&
                contains(out, " seconds.\nStep run COMPLETED in ") && contains(out, expect),
            "trace: %s", out);
  snprintf(expect, sizeof expect, "Load package %s is LOADED and contains no failed jobs\n", lid);
  CHECK_MSG(contains(out, expect), "trace: %s", out);
  free(out);
  /* trace.json records the three stages in order, each with its times */
  {
    char tp[1024];
    snprintf(tp, sizeof tp, "%s/pipelines/pp/trace.json", e.data);
    FILE *tf = fopen(tp, "rb");
    char tj[16384] = {0};
    size_t tn = tf ? fread(tj, 1, sizeof tj - 1, tf) : 0;
    if (tf) fclose(tf);
    tj[tn] = 0;
    const char *x = strstr(tj, "\"step\": \"extract\""), *nm = x ? strstr(x, "\"step\": \"normalize\"") : NULL,
               *ld = nm ? strstr(nm, "\"step\": \"load\"") : NULL;
    CHECK_MSG(x && nm && ld && contains(ld, "\"started_at\": \"20") && contains(ld, "\"elapsed\": "), "trace.json: %s", tj);
  }

  /* load-package, default newest and by id */
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp load-package"), 0);
  snprintf(expect, sizeof expect, "Package %s found in %s/pipelines/pp/load/loaded/%s\nThe package with load id %s for schema pp is in "
                                  "LOADED state. It updated schema for ", lid, e.data, lid, lid);
  CHECK_MSG(!strncmp(out, expect, strlen(expect)) && contains(out, "\nJobs details:\nJob: _dlt_pipeline_state.") &&
                contains(out, ", table: items in completed_jobs. File type: ") && contains(out, ", table: items__tags in completed_jobs."),
            "load-package: %s", out);
  char *by_id = NULL;
  CHECK_EQ_INT(cdlt(&e, &by_id, "pipeline pp load-package %s", lid), 0);
  CHECK_EQ_STR(by_id, out);
  free(by_id);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp load-package 123.4"), 1);
  CHECK_EQ_STR(out, "cdlt pipeline: load package '123.4' not found in pipeline 'pp'\n");
  free(out);

  /* failed-jobs */
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp failed-jobs"), 0);
  snprintf(expect, sizeof expect, "Checking failed jobs in load id '%s'\nNo failed jobs found\n", lid);
  CHECK_EQ_STR(out, expect);
  free(out);

  /* schema */
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp schema --format json"), 0);
  CHECK_MSG(!strncmp(out, "Found schema with name pp\n{\n  \"version\": ", 41) && contains(out, "\"incremental\": true"), "schema: %s", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp schema"), 0);
  CHECK_MSG(!strncmp(out, "Found schema with name pp\nversion: ", 35) && contains(out, "\n    name: items\n"), "schema: %s", out);
  free(out);

  /* errors */
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline nope info"), 1);
  snprintf(expect, sizeof expect, "cdlt pipeline: pipeline 'nope' not found in '%s/pipelines'\n", e.data);
  CHECK_EQ_STR(out, expect);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp frobnicate"), 2);
  CHECK_MSG(!strncmp(out, "cdlt pipeline: unknown operation 'frobnicate'\n", 46), "%s", out);
  free(out);
  free(lid);
}

static void test_drop_and_sync(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "d.jsonl", DATA);
  const char *no = write_file(&e, "no.txt", "n\n");
  const char *yes = write_file(&e, "yes.txt", "y\n");
  cdlt_ok(&e, RUN, f, e.db);
  char *out = NULL;
  const char *plan = "About to drop the following data in dataset pp_dataset in destination duckdb:\n"
                     "Selected schema:: pp\nSelected resource(s):: ['items']\nTable(s) to drop:: ['items', 'items__tags']\n"
                     "\twith data in destination:: ['items', 'items__tags']\nResource(s) state to reset:: ['items']\n"
                     "Source state path(s) to reset:: []\n";
  /* answered "n": nothing happens */
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp drop items --credentials '%s' < '%s'", e.db, no), 0);
  char expect[2048];
  snprintf(expect, sizeof expect, "%sDo you want to apply these changes? [y/N]: ", plan);
  CHECK_EQ_STR(out, expect);
  free(out);
  CHECK(table_exists(e.db, "pp_dataset", "items"));
  /* no match */
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp drop nothing --credentials '%s' --yes", e.db), 1);
  CHECK_EQ_STR(out, "cdlt pipeline: no resource of schema 'pp' matches 'nothing'\n");
  free(out);
  /* "y" via a regex: tables gone, schema and state updated, a new package with state + schema loaded */
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp drop 're:it.*' --credentials '%s' < '%s'", e.db, yes), 0);
  snprintf(expect, sizeof expect, "%sDo you want to apply these changes? [y/N]: Resources dropped\n", plan);
  CHECK_EQ_STR(out, expect);
  free(out);
  CHECK(!table_exists(e.db, "pp_dataset", "items"));
  CHECK(!table_exists(e.db, "pp_dataset", "items__tags"));
  CHECK_Q(e.db, "SELECT count(*), max(version) FROM pp_dataset._dlt_pipeline_state", "2|2");
  CHECK_Q(e.db, "SELECT count(*) FROM pp_dataset._dlt_loads", "2");
  CHECK_Q(e.db, "SELECT count(*), max(version) FROM pp_dataset._dlt_version", "1|3");
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/pp/schemas/pp.schema.json", e.data);
  char *schema = check_read_file(path, NULL);
  CHECK_MSG(!contains(schema, "\"items\"") && !contains(schema, "\"items__tags\""), "schema: %s", schema);
  free(schema);
  snprintf(path, sizeof path, "%s/pipelines/pp/state.json", e.data);
  char *st = check_read_file(path, NULL);
  CHECK_MSG(contains(st, "\"sources\":{\"pp\":{\"resources\":{}}}") && contains(st, "\"_state_version\":2,"), "state: %s", st);
  free(st);
  /* the next run loads everything again (the cursor was reset) */
  cdlt_ok(&e, RUN, f, e.db);
  CHECK_Q(e.db, "SELECT id FROM pp_dataset.items ORDER BY id", "1\n2");

  /* sync: the working dir is gone; sync restores state and schema */
  char wd[1024];
  snprintf(wd, sizeof wd, "%s/pipelines/pp", e.data);
  CHECK_OK(cdlt_fs_rm_rf(wd, NULL), &(cdlt_error){0});
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp sync --credentials '%s' < '%s'", e.db, no), 0);
  CHECK_EQ_STR(out, "About to drop the local state of the pipeline and reset all the schemas. The destination state, data and "
                    "schemas are left intact. Proceed? [y/N]: ");
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp sync --credentials '%s' --yes", e.db), 0);
  CHECK_EQ_STR(out, "Dropping local state\nRestoring from destination\nRestored state version 3 and 1 schema(s) from dataset pp_dataset\n");
  free(out);
  st = check_read_file(path, NULL);
  CHECK_MSG(contains(st, "\"last_value\":\"2024-01-03T00:00:00Z\"") && contains(st, "\"_state_version\":3,"), "state: %s", st);
  free(st);
  /* sync of a pipeline that is not in the destination */
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline other sync --credentials '%s' --yes", e.db), 0);
  CHECK_EQ_STR(out, "Dropping local state\nRestoring from destination\nPipeline other was not found in dataset other_dataset in duckdb\n");
  free(out);
}

static void test_drop_pending(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "d.jsonl", DATA);
  const char *yes = write_file(&e, "yes.txt", "y\n");
  setenv("CDLT_FAULT_POINT", "load.before_commit", 1);
  char *out = NULL;
  CHECK(cdlt(&e, &out, RUN, f, e.db) != 0);
  free(out);
  unsetenv("CDLT_FAULT_POINT");
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/pp/load/normalized", e.data);
  char *ids = list_dir(path);
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp drop-pending-packages < '%s'", yes), 0);
  char expect[1024];
  snprintf(expect, sizeof expect, "Has 1 normalized packages ready to be loaded with following load ids:\n%s\n\n"
                                  "Delete the above packages? [y/N]: Pending packages deleted\n", ids);
  CHECK_EQ_STR(out, expect);
  free(out);
  free(ids);
  CHECK_EQ_INT(cdlt(&e, &out, "pipeline pp drop-pending-packages --yes"), 0);
  CHECK_EQ_STR(out, "No pending packages found\n");
  free(out);
  /* nothing pending: the next run extracts. As in dlt the local state keeps the cursor of the
   * dropped package, so only newer rows come */
  const char *g = write_file(&e, "g.jsonl", "{\"id\":3,\"updated_at\":\"2024-01-05T00:00:00Z\",\"tags\":[]}\n");
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' '%s' --pipeline pp --table items --primary-key id --incremental updated_at "
                              "--credentials '%s'", f, g, e.db), 0);
  CHECK_MSG(!contains(out, "Pending") && contains(out, "- items: 1 row(s)"), "%s", out);
  free(out);
  CHECK_Q(e.db, "SELECT id FROM pp_dataset.items ORDER BY id", "3");
}

/* resource state through the library API */
static void test_resource_state_api(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "d.jsonl", DATA);
  cdlt_ok(&e, RUN, f, e.db);
  char pdir[700];
  snprintf(pdir, sizeof pdir, "%s/pipelines", e.data);
  cdlt_pipeline_options o = {0};
  o.pipeline_name = "pp";
  o.pipelines_dir = pdir;
  o.credentials = e.db;
  cdlt_pipeline *p = NULL;
  CHECK_EQ_INT(cdlt_pipeline_attach(&o, &p), 0);
  char *js = NULL;
  CHECK_EQ_INT(cdlt_pipeline_get_resource_state(p, "items", &js), 0);
  CHECK_MSG(js && !strncmp(js, "{\"incremental\":{\"updated_at\":{\"initial_value\":null,\"last_value\":\"2024-01-03T00:00:00Z\"", 84),
            "%s", js);
  cdlt_free(js);
  CHECK_EQ_INT(cdlt_pipeline_get_resource_state(p, "nothing", &js), 0);
  CHECK_EQ_STR(js, "{}");
  cdlt_free(js);
  /* move the cursor back by hand: the next run loads id 2 again */
  CHECK_EQ_INT(cdlt_pipeline_set_resource_state(p, "items",
                                                "{\"incremental\":{\"updated_at\":{\"initial_value\":null,\"last_value\":"
                                                "\"2024-01-02T12:00:00Z\",\"unique_hashes\":[]}}}"), 0);
  CHECK_EQ_INT(cdlt_pipeline_set_resource_state(p, "items", "[1]"), CDLT_ERR_USAGE);
  CHECK_EQ_STR(cdlt_errmsg(p), "the state of resource 'items' must be a JSON object");
  cdlt_pipeline_close(p);
  cdlt_ok(&e, RUN " --no-restore", f, e.db);
  CHECK_Q(e.db, "SELECT id, count(*) FROM pp_dataset.items GROUP BY id ORDER BY id", "1|1\n2|2");
  /* the hand-made state went into the destination with that run */
  CHECK_Q(e.db, "SELECT count(*) FROM pp_dataset._dlt_pipeline_state", "2");

  cdlt_pipeline_options none = {0};
  none.pipeline_name = "missing";
  none.pipelines_dir = pdir;
  CHECK_EQ_INT(cdlt_pipeline_attach(&none, &p), CDLT_ERR_NOT_FOUND);
  char expect[900];
  snprintf(expect, sizeof expect, "pipeline 'missing' not found in '%s'", pdir);
  CHECK_EQ_STR(cdlt_errmsg(p), expect);
  cdlt_pipeline_close(p);
}

static void test_refresh(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "d.jsonl", DATA);
  const char *g = write_file(&e, "other.jsonl", "{\"k\":1}\n");
  cdlt_ok(&e, RUN, f, e.db);
  cdlt_ok(&e, "run '%s' --pipeline pp --table other --credentials '%s'", g, e.db);
  /* without refresh the same data is filtered by the cursor */
  cdlt_ok(&e, RUN, f, e.db);
  CHECK_Q(e.db, "SELECT count(*) FROM pp_dataset.items", "2");
  /* drop_data: truncated, state reset, loaded again; the schema keeps the table */
  cdlt_ok(&e, RUN " --refresh drop_data", f, e.db);
  CHECK_Q(e.db, "SELECT count(*) FROM pp_dataset.items", "2");
  CHECK_Q(e.db, "SELECT count(*) FROM pp_dataset.items__tags", "3");
  CHECK_Q(e.db, "SELECT count(*) FROM pp_dataset.other", "1");
  /* drop_resources: the resource's tables re-created; other resources untouched */
  char *r = q(e.db, "ALTER TABLE pp_dataset.items ADD COLUMN extra BIGINT");
  free(r);
  cdlt_ok(&e, RUN " --refresh drop_resources", f, e.db);
  CHECK_COLS(e.db, "pp_dataset", "items", "id BIGINT\nupdated_at TIMESTAMP WITH TIME ZONE\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_Q(e.db, "SELECT count(*) FROM pp_dataset.items", "2");
  CHECK_Q(e.db, "SELECT count(*) FROM pp_dataset.other", "1");
  /* drop_sources: every table of the source goes, only the run's resource comes back */
  cdlt_ok(&e, RUN " --refresh drop_sources", f, e.db);
  CHECK_Q(e.db, "SELECT count(*) FROM pp_dataset.items", "2");
  CHECK(!table_exists(e.db, "pp_dataset", "other"));
}

int main(void) {
  test_inspect();
  test_drop_and_sync();
  test_drop_pending();
  test_resource_state_api();
  test_refresh();
  return check_finish();
}
