/* test_state.c — the pipeline state against dlt's golden files (§7): the version hash of real
 * state.json files, decoding real `_dlt_pipeline_state.state` values, the row round trip, the
 * bump rules; and the pipeline lock within one process (flock is per open file). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "pipeline/lock.h"
#include "state/state.h"
#include "util/fs.h"

static const char *const GOLDEN[] = {"users_append_postgres", "users_merge_postgres", "users_replace_postgres",
                                     "users_append_duckdb_normalize_only", "users_merge_duckdb_normalize_only"};

static void test_golden_hashes(void) {
  for (size_t k = 0; k < sizeof GOLDEN / sizeof *GOLDEN; k++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/spec/golden/%s/pipeline_dir__state.json", check_shared_dir(), GOLDEN[k]);
    cdlt_state st;
    cdlt_error err = {0};
    CHECK_OK(cdlt_state_load(&st, path, &err), &err);
    if (!st.root) continue;
    char h[45];
    CHECK_OK(cdlt_state_compute_hash(&st, h, &err), &err);
    CHECK_EQ_STR(h, cdlt_json_get_str(st.root, "_version_hash"));
    /* an unchanged state does not bump */
    bool changed = true;
    CHECK_OK(cdlt_state_bump(&st, &changed, &err), &err);
    CHECK(!changed);
    CHECK_EQ_INT(cdlt_json_get_int(st.root, "_state_version", -1), 1);
    CHECK(!cdlt_state_needs_extract(&st));
    /* a change bumps once */
    CHECK_EQ_INT(cdlt_state_set_str(&st, "dataset_name", "other"), 0);
    CHECK_OK(cdlt_state_bump(&st, &changed, &err), &err);
    CHECK(changed);
    CHECK_EQ_INT(cdlt_json_get_int(st.root, "_state_version", -1), 2);
    CHECK(cdlt_state_needs_extract(&st));
    cdlt_state_release(&st);
  }
}

/* the `state` value of dlt's golden insert file decodes to the state without _local */
static void test_decode_golden_row(void) {
  char path[1024];
  snprintf(path, sizeof path, "%s/spec/golden/users_append_postgres/package__load_package_state.json", check_shared_dir());
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  char *text = check_read_file(path, NULL);
  cdlt_json_value *ps = NULL;
  cdlt_error err = {0};
  CHECK_OK(cdlt_json_parse(&d, text ? text : "", text ? strlen(text) : 0, path, &ps, &err), &err);
  const cdlt_json_value *row = cdlt_json_get(ps, "pipeline_state");
  const char *enc = cdlt_json_get_str(row, "state");
  CHECK(enc != NULL);
  cdlt_state st;
  CHECK_OK(cdlt_state_decode(&st, enc ? enc : "", &err), &err);
  if (st.root) {
    CHECK(cdlt_json_get(st.root, "_local") == NULL);
    CHECK_EQ_STR(cdlt_json_get_str(st.root, "pipeline_name"), "golden_postgres_append");
    char h[45];
    CHECK_OK(cdlt_state_compute_hash(&st, h, &err), &err);
    CHECK_EQ_STR(h, cdlt_json_get_str(row, "version_hash"));
    CHECK_EQ_INT(cdlt_json_get_int(st.root, "_state_version", -1), cdlt_json_get_int(row, "version", -2));
  }
  cdlt_state_release(&st);
  /* plain JSON is accepted too; garbage is an error */
  CHECK_OK(cdlt_state_decode(&st, "{\"_state_version\":3}", &err), &err);
  CHECK_EQ_INT(cdlt_json_get_int(st.root, "_state_version", -1), 3);
  cdlt_state_release(&st);
  CHECK(cdlt_state_decode(&st, "eNp!!", &err) != 0);
  cdlt_state_release(&st);
  free(text);
  cdlt_json_doc_release(&d);
}

/* row → decode gives back the state without _local; the golden row's compressed bytes match */
static void test_row_round_trip(void) {
  char path[1024];
  snprintf(path, sizeof path, "%s/spec/golden/users_append_postgres/pipeline_dir__state.json", check_shared_dir());
  cdlt_state st, back;
  cdlt_error err = {0};
  CHECK_OK(cdlt_state_load(&st, path, &err), &err);
  cdlt_json_value *row = NULL;
  CHECK_OK(cdlt_state_row(&st, "1795273080.7271657", 0, &row, &err), &err);
  const char *enc = cdlt_json_get_str(row, "state");
  /* dlt's own encoding of exactly this state (zlib level 9 is deterministic) */
  CHECK_EQ_STR(enc, "eNp9kNFqwkAQRf9lnoNVaRADfeiDWLEoiJhiKcvojsnCOlmdSTCU/nuTtkIo6OudM4fL/QQjikqmorO4giEZRNeIOHPcuTxGEFwg34aMR4IEs"
                    "sJbYhMK0exMYjAEYgsRyD6nI/5gAsn7LfAjAouKQnrfaFqq0Vo6YOnVdPT3WlgSdYza1Ddah5a1XnudWHrXr3/4r5pL75s9/iYwOUreOKqHeLJ"
                    "zm+eXOs3S4WI5PdXz9eB1fBnPeJ5uyY7eXBVvy9Wo/wRf3xPugnY=");
  CHECK_EQ_INT(cdlt_json_get_int(row, "version", -1), 1);
  CHECK_EQ_INT(cdlt_json_get_int(row, "engine_version", -1), 4);
  CHECK_EQ_STR(cdlt_json_get_str(row, "version_hash"), "v/5EbiVAHyWgW2NOGqyKT1L9x9InKWZed7Xiv5ZuR70=");
  CHECK_OK(cdlt_state_decode(&back, enc ? enc : "", &err), &err);
  char h1[45], h2[45];
  cdlt_state_compute_hash(&st, h1, &err);
  cdlt_state_compute_hash(&back, h2, &err);
  CHECK_EQ_STR(h1, h2);
  cdlt_state_release(&back);
  cdlt_state_release(&st);
}

static void test_lock(void) {
  const char *dir = check_tmpdir();
  cdlt_pipeline_lock a, b;
  cdlt_error err = {0};
  CHECK_OK(cdlt_pipeline_lock_acquire(&a, dir, "p", 0, &err), &err);
  char *path = cdlt_path_join(dir, ".lock");
  char *content = check_read_file(path, NULL);
  char pid[32];
  snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  CHECK_EQ_STR(content, pid);
  free(content);
  /* a second open file description conflicts, even in the same process */
  CHECK_EQ_INT(cdlt_pipeline_lock_acquire(&b, dir, "p", 120, &err), CDLT_ERR_BUSY);
  char msg[128];
  snprintf(msg, sizeof msg, "pipeline 'p' is in use by another process (pid %ld)", (long)getpid());
  CHECK_EQ_STR(err.msg, msg);
  CHECK_EQ_INT(b.fd, -1);
  cdlt_pipeline_lock_release(&a);
  cdlt_pipeline_lock_release(&a);   /* idempotent */
  CHECK_OK(cdlt_pipeline_lock_acquire(&b, dir, "p", 0, &err), &err);
  cdlt_pipeline_lock_release(&b);
  CHECK(cdlt_fs_exists(path));      /* the file stays */
  free(path);
  /* an unusable working dir */
  CHECK_EQ_INT(cdlt_pipeline_lock_acquire(&b, "/nonexistent/dir", "p", 0, &err), CDLT_ERR_IO);
  CHECK(!strncmp(err.msg, "cannot open the pipeline lock '/nonexistent/dir/.lock'", 54));
  setenv("CDLT_LOCK_TIMEOUT", "2.5", 1);
  CHECK_EQ_INT(cdlt_pipeline_lock_timeout_ms(), 2500);
  setenv("CDLT_LOCK_TIMEOUT", "x", 1);
  CHECK_EQ_INT(cdlt_pipeline_lock_timeout_ms(), 0);
  unsetenv("CDLT_LOCK_TIMEOUT");
}

int main(void) {
  test_golden_hashes();
  test_decode_golden_row();
  test_row_round_trip();
  test_lock();
  return check_finish();
}
