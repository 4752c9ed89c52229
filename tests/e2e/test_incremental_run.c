/* test_incremental_run.c — `cdlt run --incremental …` end to end through the real binary and a
 * DuckDB file: dlt's observed run sequence (§9), the state in state.json and in the destination's
 * `_dlt_pipeline_state` row of the same package, end_value, min, missing cursors. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "e2e.h"
#include "state/state.h"
#include "util/hash.h"

static char *state_json(const env *e, const char *pipeline) {
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/%s/state.json", e->data, pipeline);
  return check_read_file(path, NULL);
}

/* the decoded state of the newest _dlt_pipeline_state row, compact JSON (malloc'd) */
static char *dest_state(const env *e, const char *ds) {
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT state FROM %s._dlt_pipeline_state ORDER BY version DESC LIMIT 1", ds);
  char *enc = q(e->db, sql);
  cdlt_state st;
  cdlt_error err = {0};
  char *out = NULL;
  if (enc && !cdlt_state_decode(&st, enc, &err)) {
    cdlt_buf b;
    cdlt_buf_init(&b);
    cdlt_json_write(&b, cdlt_json_get(st.root, "sources"), 0);
    out = cdlt_buf_detach(&b);
    cdlt_state_release(&st);
  }
  free(enc);
  return out ? out : strdup("?");
}

#define INC_ARGS "--pipeline inc --table items --primary-key id --incremental updated_at --initial-value 2024-01-01T00:00:00Z"

static void test_observed_sequence(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "r1.jsonl",
                              "{\"id\":1,\"updated_at\":\"2024-01-02T00:00:00Z\"}\n"
                              "{\"id\":2,\"updated_at\":\"2024-01-03T00:00:00Z\"}\n"
                              "{\"id\":0,\"updated_at\":\"2023-12-01T00:00:00Z\"}\n");
  cdlt_ok(&e, "run '%s' " INC_ARGS " --credentials '%s'", f1, e.db);
  CHECK_Q(e.db, "SELECT id FROM inc_dataset.items ORDER BY id", "1\n2");
  char *st = state_json(&e, "inc");
  CHECK_MSG(contains(st, "\"sources\":{\"inc\":{\"resources\":{\"items\":{\"incremental\":{\"updated_at\":{"
                         "\"initial_value\":\"2024-01-01T00:00:00Z\",\"last_value\":\"2024-01-03T00:00:00Z\","
                         "\"unique_hashes\":[\"Tp44cKMYfAuJiBfxLAqu\"],\"start_value\":\"2024-01-01T00:00:00Z\"}}}}}}"),
            "state.json: %s", st);
  free(st);
  /* the cursor travelled in the same package as the rows */
  char *ds = dest_state(&e, "inc_dataset");
  CHECK_MSG(contains(ds, "\"last_value\":\"2024-01-03T00:00:00Z\""), "destination state: %s", ds);
  free(ds);
  CHECK_Q(e.db, "SELECT count(*) FROM inc_dataset.items i JOIN inc_dataset._dlt_pipeline_state s ON "
                "s._dlt_load_id = i._dlt_load_id", "2");
  /* the cursor column carries the incremental hint in the schema */
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/inc/schemas/inc.schema.json", e.data);
  char *schema = check_read_file(path, NULL);
  CHECK_MSG(contains(schema, "\"incremental\": true"), "schema: %s", schema);
  free(schema);

  const char *f2 = write_file(&e, "r2.jsonl",
                              "{\"id\":2,\"updated_at\":\"2024-01-03T00:00:00Z\"}\n"
                              "{\"id\":3,\"updated_at\":\"2024-01-03T00:00:00Z\"}\n"
                              "{\"id\":4,\"updated_at\":\"2024-01-04T00:00:00Z\"}\n");
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' " INC_ARGS " --credentials '%s'", f2, e.db), 0);
  CHECK_MSG(contains(out, "- items: 2 row(s)\n"), "run 2: %s", out);
  free(out);
  CHECK_Q(e.db, "SELECT id, updated_at FROM inc_dataset.items ORDER BY id",
          "1|2024-01-02T00:00:00+00:00\n2|2024-01-03T00:00:00+00:00\n3|2024-01-03T00:00:00+00:00\n"
          "4|2024-01-04T00:00:00+00:00");
  char h4[21];
  cdlt_digest128("4", 1, 15, h4);
  CHECK_EQ_STR(h4, "9ydaHrzwo9f8RuI13CNq");   /* the hash of the §7.1 example */
  st = state_json(&e, "inc");
  CHECK_MSG(contains(st, "\"initial_value\":\"2024-01-01T00:00:00Z\",\"last_value\":\"2024-01-04T00:00:00Z\","
                         "\"unique_hashes\":[\"9ydaHrzwo9f8RuI13CNq\"],\"start_value\":\"2024-01-03T00:00:00Z\""),
            "state.json: %s", st);
  CHECK_MSG(contains(st, "\"_state_version\":2,"), "state.json: %s", st);
  free(st);
  CHECK_Q(e.db, "SELECT count(*), max(version) FROM inc_dataset._dlt_pipeline_state", "2|2");

  /* run 3, the same file again: nothing passes, the state does not change, no new state row */
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' " INC_ARGS " --credentials '%s'", f2, e.db), 0);
  CHECK_MSG(!contains(out, "- items:"), "run 3: %s", out);
  free(out);
  CHECK_Q(e.db, "SELECT count(*) FROM inc_dataset.items", "4");
  CHECK_Q(e.db, "SELECT count(*) FROM inc_dataset._dlt_pipeline_state", "2");
}

static void test_end_value_min_missing(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "n.jsonl",
                             "{\"id\":1,\"n\":5}\n{\"id\":2,\"n\":10}\n{\"id\":3,\"n\":15}\n{\"id\":4,\"n\":20}\n");
  /* end_value: [initial, end) and no state written */
  cdlt_ok(&e, "run '%s' --pipeline ev --table t --primary-key id --incremental n --initial-value 10 --end-value 20 "
              "--credentials '%s'", f, e.db);
  CHECK_Q(e.db, "SELECT id FROM ev_dataset.t ORDER BY id", "2\n3");
  char *st = state_json(&e, "ev");
  CHECK_MSG(!contains(st, "\"incremental\":{\"n\":{\"initial_value\""), "state.json: %s", st);
  free(st);

  /* min: the cursor moves down */
  cdlt_ok(&e, "run '%s' --pipeline mn --table t --primary-key id --incremental n --last-value-func min "
              "--initial-value 16 --credentials '%s'", f, e.db);
  CHECK_Q(e.db, "SELECT id FROM mn_dataset.t ORDER BY id", "1\n2\n3");
  st = state_json(&e, "mn");
  CHECK_MSG(contains(st, "\"incremental\":{\"n\":{\"initial_value\":16,\"last_value\":5,"), "state.json: %s", st);
  free(st);

  /* a missing cursor fails the run with a clear message; include / exclude */
  const char *g = write_file(&e, "m.jsonl", "{\"id\":1,\"n\":5}\n{\"id\":2}\n");
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline ms --table t --incremental n --credentials '%s'", g, e.db), 1);
  CHECK_MSG(contains(out, "incremental cursor 'n' was not found in an item of resource 't' (use "
                          "on_cursor_value_missing include or exclude)"), "output: %s", out);
  free(out);
  CHECK(!table_exists(e.db, "ms_dataset", "t"));
  cdlt_ok(&e, "run '%s' --pipeline ms2 --table t --incremental n --on-cursor-value-missing exclude --credentials '%s'",
          g, e.db);
  CHECK_Q(e.db, "SELECT id FROM ms2_dataset.t ORDER BY id", "1");
  cdlt_ok(&e, "run '%s' --pipeline ms3 --table t --incremental n --on-cursor-value-missing include --credentials '%s'",
          g, e.db);
  CHECK_Q(e.db, "SELECT id FROM ms3_dataset.t ORDER BY id", "1\n2");
}

int main(void) {
  test_observed_sequence();
  test_end_value_min_missing();
  return check_finish();
}
