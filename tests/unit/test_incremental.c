/* test_incremental.c — dlt's incremental cursor filter and its state (§9): the observed run
 * sequence, min/max, end_value, ranges, missing cursors, nested paths, lag, dedup keys. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "extract/incremental.h"
#include "json/json.h"
#include "util/hash.h"

/* Runs one "extract" of items (a JSON array) against a resource state (JSON object text or
 * NULL). Returns the kept items' ids as "1,2,..." in *kept and the resource state after commit
 * as compact JSON (malloc'd). rc of the first failure, message in err. */
static int run_inc(const char *config, const char *const *pk, size_t npk, const char *state_in, const char *items,
                   char **kept, char **state_out, cdlt_error *err) {
  cdlt_json_doc cd, sd, idoc;
  cdlt_json_doc_init(&cd);
  cdlt_json_doc_init(&sd);
  cdlt_json_doc_init(&idoc);
  cdlt_json_value *cfg = NULL, *rs = NULL, *arr = NULL;
  cdlt_incremental *inc = NULL;
  cdlt_buf k, s;
  cdlt_buf_init(&k);
  cdlt_buf_init(&s);
  int rc = cdlt_json_parse(&cd, config, strlen(config), "config", &cfg, err);
  if (!rc) rc = state_in ? cdlt_json_parse(&sd, state_in, strlen(state_in), "state", &rs, err) : 0;
  if (!rc && !rs) rs = cdlt_json_object(&sd);
  if (!rc) rc = cdlt_json_parse(&idoc, items, strlen(items), "items", &arr, err);
  if (!rc) rc = cdlt_incremental_open(cfg, "res", pk, npk, &sd, rs, &inc, err);
  for (size_t i = 0; !rc && i < arr->u.arr.len; i++) {
    bool keep = false;
    rc = cdlt_incremental_filter(inc, arr->u.arr.items[i], &keep, err);
    if (!rc && keep) {
      if (k.len) cdlt_buf_putc(&k, ',');
      cdlt_json_write(&k, cdlt_json_get(arr->u.arr.items[i], "id"), 0);
    }
  }
  if (!rc) rc = cdlt_incremental_commit(inc, err);
  if (!rc) cdlt_json_write(&s, rs, 0);
  *kept = strdup(k.data ? k.data : "");
  *state_out = strdup(s.data ? s.data : "");
  cdlt_incremental_free(inc);
  cdlt_buf_release(&k);
  cdlt_buf_release(&s);
  cdlt_json_doc_release(&cd);
  cdlt_json_doc_release(&sd);
  cdlt_json_doc_release(&idoc);
  return rc;
}

static const char *const PK_ID[] = {"id"};

static void test_row_hash(void) {
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *item = NULL;
  cdlt_error err = {0};
  const char *js = "{\"id\":2,\"b\":\"x\",\"a\":1}";
  CHECK_OK(cdlt_json_parse(&d, js, strlen(js), "t", &item, &err), &err);
  char h[21];
  CHECK_OK(cdlt_incremental_row_hash(item, PK_ID, 1, false, h, &err), &err);
  CHECK_EQ_STR(h, "Tp44cKMYfAuJiBfxLAqu");   /* §9: digest128("2") */
  /* whole row, sorted keys: digest128('{"a":1,"b":"x","id":2}') */
  char h2[21], ref[21];
  CHECK_OK(cdlt_incremental_row_hash(item, NULL, 0, false, h2, &err), &err);
  const char *sorted = "{\"a\":1,\"b\":\"x\",\"id\":2}";
  cdlt_digest128(sorted, strlen(sorted), 15, ref);
  CHECK_EQ_STR(h2, ref);
  /* compound key and a one-element list are hashed as lists */
  const char *const pk2[] = {"id", "b"};
  CHECK_OK(cdlt_incremental_row_hash(item, pk2, 2, false, h2, &err), &err);
  cdlt_digest128("[2,\"x\"]", 7, 15, ref);
  CHECK_EQ_STR(h2, ref);
  CHECK_OK(cdlt_incremental_row_hash(item, PK_ID, 1, true, h2, &err), &err);
  cdlt_digest128("[2]", 3, 15, ref);
  CHECK_EQ_STR(h2, ref);
  const char *const missing[] = {"nope"};
  CHECK_EQ_INT(cdlt_incremental_row_hash(item, missing, 1, false, h2, &err), CDLT_ERR_SCHEMA);
  CHECK_EQ_STR(err.msg, "primary key column 'nope' is missing in an item (needed for incremental deduplication)");
  cdlt_json_doc_release(&d);
}

/* the observed sequence of §9 (max, pk id, initial 2024-01-01T00:00:00Z) */
static void test_observed_sequence(void) {
  cdlt_error err = {0};
  char *kept, *state;
  const char *cfg = "{\"cursor_path\":\"updated_at\",\"initial_value\":\"2024-01-01T00:00:00Z\"}";
  CHECK_OK(run_inc(cfg, PK_ID, 1, NULL,
                   "[{\"id\":1,\"updated_at\":\"2024-01-02T00:00:00Z\"},{\"id\":2,\"updated_at\":\"2024-01-03T00:00:00Z\"},"
                   "{\"id\":0,\"updated_at\":\"2023-12-31T00:00:00Z\"}]",
                   &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "1,2");
  CHECK_EQ_STR(state, "{\"incremental\":{\"updated_at\":{\"initial_value\":\"2024-01-01T00:00:00Z\","
                      "\"last_value\":\"2024-01-03T00:00:00Z\",\"unique_hashes\":[\"Tp44cKMYfAuJiBfxLAqu\"],"
                      "\"start_value\":\"2024-01-01T00:00:00Z\"}}}");
  char *run2_state = state;
  free(kept);
  CHECK_OK(run_inc(cfg, PK_ID, 1, run2_state,
                   "[{\"id\":2,\"updated_at\":\"2024-01-03T00:00:00Z\"},{\"id\":3,\"updated_at\":\"2024-01-03T00:00:00Z\"},"
                   "{\"id\":4,\"updated_at\":\"2024-01-04T00:00:00Z\"}]",
                   &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "3,4");
  char h4[21];
  cdlt_digest128("4", 1, 15, h4);
  char expect[512];
  snprintf(expect, sizeof expect,
           "{\"incremental\":{\"updated_at\":{\"initial_value\":\"2024-01-01T00:00:00Z\","
           "\"last_value\":\"2024-01-04T00:00:00Z\",\"unique_hashes\":[\"%s\"],\"start_value\":\"2024-01-03T00:00:00Z\"}}}", h4);
  CHECK_EQ_STR(state, expect);
  free(kept);
  free(state);
  /* run 3: same data again: nothing new; the state keeps its value and hashes, start_value too */
  char *run3_in = NULL;
  CHECK_OK(run_inc(cfg, PK_ID, 1, run2_state, "[{\"id\":2,\"updated_at\":\"2024-01-03T00:00:00Z\"}]", &kept, &run3_in, &err),
           &err);
  CHECK_EQ_STR(kept, "");
  CHECK(strstr(run3_in, "\"last_value\":\"2024-01-03T00:00:00Z\",\"unique_hashes\":[\"Tp44cKMYfAuJiBfxLAqu\"]") != NULL);
  free(kept);
  free(run3_in);
  free(run2_state);
}

/* rows equal to the last value that did not move: saved hashes + new ones */
static void test_boundary_union(void) {
  cdlt_error err = {0};
  char *kept, *state;
  const char *cfg = "{\"cursor_path\":\"n\"}";
  const char *in = "{\"incremental\":{\"n\":{\"initial_value\":null,\"last_value\":5,\"unique_hashes\":[\"Tp44cKMYfAuJiBfxLAqu\"]}}}";
  CHECK_OK(run_inc(cfg, PK_ID, 1, in, "[{\"id\":2,\"n\":5},{\"id\":3,\"n\":5},{\"id\":1,\"n\":4}]", &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "3");
  char h3[21], expect[300];
  cdlt_digest128("3", 1, 15, h3);
  /* sorted list: T... < u... etc; build expected order by strcmp */
  const char *a = "Tp44cKMYfAuJiBfxLAqu", *b = h3;
  if (strcmp(a, b) > 0) { const char *t = a; a = b; b = t; }
  snprintf(expect, sizeof expect,
           "{\"incremental\":{\"n\":{\"initial_value\":null,\"last_value\":5,\"unique_hashes\":[\"%s\",\"%s\"],\"start_value\":5}}}", a, b);
  CHECK_EQ_STR(state, expect);
  free(kept);
  free(state);
}

static void test_min_and_first_run_without_initial(void) {
  cdlt_error err = {0};
  char *kept, *state;
  CHECK_OK(run_inc("{\"cursor_path\":\"n\",\"last_value_func\":\"min\"}", PK_ID, 1, NULL,
                   "[{\"id\":1,\"n\":10},{\"id\":2,\"n\":7},{\"id\":3,\"n\":9},{\"id\":4,\"n\":7}]", &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "1,2,3,4");
  CHECK(strstr(state, "\"initial_value\":null,\"last_value\":7,") != NULL);
  CHECK(strstr(state, "\"start_value\":null") != NULL);
  char *s2 = state;
  free(kept);
  CHECK_OK(run_inc("{\"cursor_path\":\"n\",\"last_value_func\":\"min\"}", PK_ID, 1, s2,
                   "[{\"id\":5,\"n\":8},{\"id\":2,\"n\":7},{\"id\":6,\"n\":7},{\"id\":7,\"n\":6.5}]", &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "6,7");
  CHECK(strstr(state, "\"last_value\":6.5,") != NULL);
  free(kept);
  free(state);
  free(s2);
}

static void test_end_value_and_ranges(void) {
  cdlt_error err = {0};
  char *kept, *state;
  const char *in = "{\"incremental\":{\"n\":{\"initial_value\":0,\"last_value\":100,\"unique_hashes\":[]}}}";
  const char *items = "[{\"id\":1,\"n\":1},{\"id\":2,\"n\":2},{\"id\":3,\"n\":3},{\"id\":4,\"n\":4}]";
  /* end_value: the state is ignored (start = initial) and not written; range_end open */
  CHECK_OK(run_inc("{\"cursor_path\":\"n\",\"initial_value\":2,\"end_value\":4}", PK_ID, 1, in, items, &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "2,3");
  CHECK(strstr(state, "\"last_value\":100,") != NULL);
  free(kept);
  free(state);
  CHECK_OK(run_inc("{\"cursor_path\":\"n\",\"initial_value\":2,\"end_value\":4,\"range_end\":\"closed\",\"range_start\":\"open\"}",
                   PK_ID, 1, NULL, items, &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "3,4");
  CHECK_EQ_STR(state, "{}");
  free(kept);
  free(state);
  /* range_start open: rows at the last value are dropped, no hashes kept */
  CHECK_OK(run_inc("{\"cursor_path\":\"n\",\"range_start\":\"open\"}", PK_ID, 1,
                   "{\"incremental\":{\"n\":{\"initial_value\":null,\"last_value\":2,\"unique_hashes\":[]}}}", items, &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "3,4");
  CHECK_EQ_STR(state, "{\"incremental\":{\"n\":{\"initial_value\":null,\"last_value\":4,\"unique_hashes\":[],\"start_value\":2}}}");
  free(kept);
  free(state);
  /* primary_key [] disables dedup: a row at the boundary is loaded again */
  CHECK_OK(run_inc("{\"cursor_path\":\"n\",\"primary_key\":[]}", PK_ID, 1,
                   "{\"incremental\":{\"n\":{\"initial_value\":null,\"last_value\":2,\"unique_hashes\":[\"Tp44cKMYfAuJiBfxLAqu\"]}}}",
                   items, &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "2,3,4");
  CHECK(strstr(state, "\"unique_hashes\":[]") != NULL);
  free(kept);
  free(state);
}

static void test_missing_cursor(void) {
  cdlt_error err = {0};
  char *kept, *state;
  const char *items = "[{\"id\":1,\"n\":1},{\"id\":2},{\"id\":3,\"n\":null},{\"id\":4,\"n\":4}]";
  CHECK_EQ_INT(run_inc("{\"cursor_path\":\"n\"}", PK_ID, 1, NULL, items, &kept, &state, &err), CDLT_ERR_SCHEMA);
  CHECK_EQ_STR(err.msg, "incremental cursor 'n' was not found in an item of resource 'res' (use on_cursor_value_missing include or exclude)");
  free(kept);
  free(state);
  CHECK_EQ_INT(run_inc("{\"cursor_path\":\"n\"}", PK_ID, 1, NULL, "[{\"id\":3,\"n\":null}]", &kept, &state, &err), CDLT_ERR_SCHEMA);
  CHECK_EQ_STR(err.msg, "incremental cursor 'n' is null in an item of resource 'res' (use on_cursor_value_missing include or exclude)");
  free(kept);
  free(state);
  CHECK_OK(run_inc("{\"cursor_path\":\"n\",\"on_cursor_value_missing\":\"include\"}", PK_ID, 1, NULL, items, &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "1,2,3,4");
  CHECK(strstr(state, "\"last_value\":4") != NULL);
  free(kept);
  free(state);
  CHECK_OK(run_inc("{\"cursor_path\":\"n\",\"on_cursor_value_missing\":\"exclude\"}", PK_ID, 1, NULL, items, &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "1,4");
  free(kept);
  free(state);
  CHECK_EQ_INT(run_inc("{\"cursor_path\":\"n\",\"on_cursor_value_missing\":\"maybe\"}", PK_ID, 1, NULL, items, &kept, &state, &err),
               CDLT_ERR_USAGE);
  CHECK_EQ_STR(err.msg, "incremental 'on_cursor_value_missing' must be raise, include or exclude");
  free(kept);
  free(state);
  /* a cursor that cannot be compared with the last value */
  CHECK_EQ_INT(run_inc("{\"cursor_path\":\"n\",\"initial_value\":\"abc\"}", PK_ID, 1, NULL, "[{\"id\":1,\"n\":3}]", &kept, &state, &err),
               CDLT_ERR_SCHEMA);
  CHECK_EQ_STR(err.msg, "incremental cursor 'n' of resource 'res': cannot compare a number with a string");
  free(kept);
  free(state);
}

static void test_paths_and_types(void) {
  cdlt_error err = {0};
  char *kept, *state;
  const char *items = "[{\"id\":1,\"a\":{\"b\":3,\"l\":[{\"t\":5}]}},{\"id\":2,\"a\":{\"b\":1,\"l\":[{\"t\":9}]}}]";
  CHECK_OK(run_inc("{\"cursor_path\":\"a.b\",\"initial_value\":2}", PK_ID, 1, NULL, items, &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "1");
  CHECK(strstr(state, "{\"incremental\":{\"a.b\":{\"initial_value\":2,\"last_value\":3,") != NULL);
  free(kept);
  free(state);
  CHECK_OK(run_inc("{\"cursor_path\":\"$.a.l[0].t\",\"initial_value\":6}", PK_ID, 1, NULL, items, &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "2");
  free(kept);
  free(state);
  CHECK_OK(run_inc("{\"cursor_path\":\"$.a.l[*].t\"}", PK_ID, 1, NULL, items, &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "1,2");
  CHECK(strstr(state, "\"last_value\":9,") != NULL);
  free(kept);
  free(state);
  CHECK_EQ_INT(run_inc("{\"cursor_path\":\"a..b\"}", PK_ID, 1, NULL, items, &kept, &state, &err), CDLT_ERR_USAGE);
  CHECK_EQ_STR(err.msg, "invalid incremental cursor path 'a..b'");
  free(kept);
  free(state);
  /* ISO strings compare as instants: +01:00 is earlier than the Z value */
  CHECK_OK(run_inc("{\"cursor_path\":\"t\",\"initial_value\":\"2024-01-01T00:30:00Z\"}", PK_ID, 1, NULL,
                   "[{\"id\":1,\"t\":\"2024-01-01T01:00:00+01:00\"},{\"id\":2,\"t\":\"2024-01-01T00:31:00+00:00\"}]", &kept, &state, &err),
           &err);
  CHECK_EQ_STR(kept, "2");
  free(kept);
  free(state);
  /* a numeric initial value given as text compares as a number */
  CHECK_OK(run_inc("{\"cursor_path\":\"n\",\"initial_value\":\"10\"}", PK_ID, 1, NULL, "[{\"id\":1,\"n\":9},{\"id\":2,\"n\":11}]", &kept,
                   &state, &err), &err);
  CHECK_EQ_STR(kept, "2");
  free(kept);
  free(state);
}

static void test_lag(void) {
  cdlt_error err = {0};
  char *kept, *state;
  const char *in = "{\"incremental\":{\"n\":{\"initial_value\":0,\"last_value\":10,\"unique_hashes\":[]}}}";
  CHECK_OK(run_inc("{\"cursor_path\":\"n\",\"initial_value\":0,\"lag\":3}", PK_ID, 1, in,
                   "[{\"id\":1,\"n\":6},{\"id\":2,\"n\":7},{\"id\":3,\"n\":9}]", &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "2,3");
  /* the stored cursor never moves back */
  CHECK_EQ_STR(state, "{\"incremental\":{\"n\":{\"initial_value\":0,\"last_value\":10,\"unique_hashes\":[],\"start_value\":7}}}");
  free(kept);
  free(state);
  const char *tin = "{\"incremental\":{\"t\":{\"initial_value\":null,\"last_value\":\"2024-01-02T00:00:00Z\",\"unique_hashes\":[]}}}";
  CHECK_OK(run_inc("{\"cursor_path\":\"t\",\"lag\":3600}", PK_ID, 1, tin,
                   "[{\"id\":1,\"t\":\"2024-01-01T22:59:59Z\"},{\"id\":2,\"t\":\"2024-01-01T23:00:00Z\"},{\"id\":3,\"t\":\"2024-01-02T01:00:00Z\"}]",
                   &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "2,3");
  CHECK(strstr(state, "\"last_value\":\"2024-01-02T01:00:00Z\",\"unique_hashes\":[],\"start_value\":\"2024-01-01T23:00:00Z\"") != NULL);
  free(kept);
  free(state);
}

/* a whole-row hash dedups rows without any key */
static void test_no_key(void) {
  cdlt_error err = {0};
  char *kept, *state;
  CHECK_OK(run_inc("{\"cursor_path\":\"n\"}", NULL, 0, NULL, "[{\"id\":1,\"n\":5},{\"id\":2,\"n\":5}]", &kept, &state, &err), &err);
  char *s2 = state;
  free(kept);
  CHECK_OK(run_inc("{\"cursor_path\":\"n\"}", NULL, 0, s2, "[{\"n\":5,\"id\":1},{\"id\":3,\"n\":5}]", &kept, &state, &err), &err);
  CHECK_EQ_STR(kept, "3");
  free(kept);
  free(state);
  free(s2);
}

int main(void) {
  test_row_hash();
  test_observed_sequence();
  test_boundary_union();
  test_min_and_first_run_without_initial();
  test_end_value_and_ranges();
  test_missing_cursor();
  test_paths_and_types();
  test_lag();
  test_no_key();
  return check_finish();
}
