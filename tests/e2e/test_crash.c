/* test_crash.c — crash safety (§5.7): the real `cdlt` binary is killed with SIGKILL at every named
 * fault point (CDLT_FAULT_POINT) of an incremental run, then run again until it has caught up.
 * Every row must be in the destination exactly once, the cursor must be right, and a run that
 * finds pending packages must finish them first and say so. Also the error mode
 * (CDLT_FAULT_MODE=error): a clear error, then a clean rerun. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <sys/stat.h>

#include "check.h"
#include "e2e.h"

typedef struct point {
  const char *name;
  const char *hit;          /* CDLT_FAULT_HIT, NULL = 1 */
  bool leaves_pending;      /* the killed run leaves a package for the next run */
  bool first_run_only;      /* the point is only reached in the first run of a pipeline */
} point;

static const point POINTS[] = {
    {"extract.before_commit", NULL, false, false},
    {"extract.after_commit", NULL, true, false},
    {"state.before_save", NULL, true, false},            /* extract committed, state.json not yet saved */
    {"normalize.before_live_schema", NULL, true, false},
    {"normalize.before_commit", NULL, true, false},
    {"normalize.after_commit", NULL, true, false},
    {"load.before_commit", NULL, true, false},
    {"load.after_commit", NULL, true, false},
    {"state.before_save", "2", false, true},      /* everything loaded, first_run flag not saved */
};

static const char *DATA1 = "{\"id\":1,\"ts\":\"2024-01-01T00:00:00Z\",\"tags\":[\"a\",\"b\"]}\n"
                           "{\"id\":2,\"ts\":\"2024-01-02T00:00:00Z\",\"tags\":[\"c\"]}\n"
                           "{\"id\":3,\"ts\":\"2024-01-02T00:00:00Z\",\"tags\":[]}\n";
static const char *DATA2 = "{\"id\":3,\"ts\":\"2024-01-02T00:00:00Z\",\"tags\":[]}\n"
                           "{\"id\":4,\"ts\":\"2024-01-03T00:00:00Z\",\"tags\":[\"d\"]}\n";

#define ARGS "--pipeline cr --table ev --primary-key id --incremental ts"

static int run_with_fault(const env *e, const char *file, const char *fault, const char *hit, const char *mode, char **out) {
  setenv("CDLT_FAULT_POINT", fault, 1);
  if (hit) setenv("CDLT_FAULT_HIT", hit, 1);
  if (mode) setenv("CDLT_FAULT_MODE", mode, 1);
  int rc = cdlt(e, out, "run '%s' " ARGS " --credentials '%s'", file, e->db);
  unsetenv("CDLT_FAULT_POINT");
  unsetenv("CDLT_FAULT_HIT");
  unsetenv("CDLT_FAULT_MODE");
  return rc;
}

/* runs `file` until a run extracted it (not only finished pending packages); returns how many
 * runs said they finished pending packages */
static int catch_up(const env *e, const char *file) {
  int pending_runs = 0;
  for (int k = 0; k < 3; k++) {
    char *out = NULL;
    int rc = cdlt(e, &out, "run '%s' " ARGS " --credentials '%s'", file, e->db);
    CHECK_MSG(rc == 0, "rerun failed: %s", out);
    bool pending = contains(out, "Pending load packages from an interrupted run were loaded first");
    free(out);
    if (!pending || rc) break;
    pending_runs++;
  }
  return pending_runs;
}

static void check_final(const env *e, const char *label) {
  char *got = q(e->db, "SELECT id, count(*) FROM cr_dataset.ev GROUP BY id ORDER BY id");
  CHECK_MSG(got && !strcmp(got, "1|1\n2|1\n3|1\n4|1"), "%s: rows %s", label, got);
  free(got);
  got = q(e->db, "SELECT value, count(*) FROM cr_dataset.ev__tags GROUP BY value ORDER BY value");
  CHECK_MSG(got && !strcmp(got, "a|1\nb|1\nc|1\nd|1"), "%s: nested rows %s", label, got);
  free(got);
  /* every load has its _dlt_loads row once; every data load id is a completed load */
  got = q(e->db, "SELECT count(*) - count(DISTINCT load_id) FROM cr_dataset._dlt_loads");
  CHECK_MSG(got && !strcmp(got, "0"), "%s: duplicate loads %s", label, got);
  free(got);
  got = q(e->db, "SELECT count(*) FROM cr_dataset.ev WHERE _dlt_load_id NOT IN (SELECT load_id FROM cr_dataset._dlt_loads)");
  CHECK_MSG(got && !strcmp(got, "0"), "%s: rows of unfinished loads %s", label, got);
  free(got);
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/cr/state.json", e->data);
  char *st = check_read_file(path, NULL);
  CHECK_MSG(contains(st, "\"last_value\":\"2024-01-03T00:00:00Z\""), "%s: state %s", label, st);
  free(st);
}

static void test_kill_everywhere(void) {
  for (size_t k = 0; k < sizeof POINTS / sizeof *POINTS; k++) {
    const point *pt = &POINTS[k];
    char label[128];
    snprintf(label, sizeof label, "%s#%s", pt->name, pt->hit ? pt->hit : "1");
    /* the crash in the first run (fresh pipeline) */
    env e;
    env_new(&e);
    const char *f1 = write_file(&e, "d1.jsonl", DATA1);
    const char *f2 = write_file(&e, "d2.jsonl", DATA2);
    char *out = NULL;
    int rc = run_with_fault(&e, f1, pt->name, pt->hit, NULL, &out);
    CHECK_MSG(rc != 0, "%s: the run was not killed: %s", label, out);
    free(out);
    int pending = catch_up(&e, f1);
    CHECK_MSG(pending == (pt->leaves_pending ? 1 : 0), "%s: %d run(s) finished pending packages", label, pending);
    CHECK_EQ_INT(catch_up(&e, f2), 0);
    check_final(&e, label);
    if (pt->first_run_only) continue;

    /* the crash in a later run (the cursor moves while the destination has data) */
    env e2;
    env_new(&e2);
    f1 = write_file(&e2, "d1.jsonl", DATA1);
    f2 = write_file(&e2, "d2.jsonl", DATA2);
    cdlt_ok(&e2, "run '%s' " ARGS " --credentials '%s'", f1, e2.db);
    rc = run_with_fault(&e2, f2, pt->name, pt->hit, NULL, &out);
    CHECK_MSG(rc != 0, "%s (run 2): the run was not killed: %s", label, out);
    free(out);
    pending = catch_up(&e2, f2);
    CHECK_MSG(pending == (pt->leaves_pending ? 1 : 0), "%s (run 2): %d run(s) finished pending packages", label, pending);
    CHECK_EQ_INT(catch_up(&e2, f1), 0);   /* old data: nothing new */
    check_final(&e2, label);
  }
}

static void test_error_mode(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "d1.jsonl", DATA1);
  const char *f2 = write_file(&e, "d2.jsonl", DATA2);
  char *out = NULL;
  CHECK_EQ_INT(run_with_fault(&e, f1, "normalize.before_commit", NULL, "error", &out), 1);
  CHECK_EQ_STR(out, "cdlt run: injected fault at 'normalize.before_commit'\n");
  free(out);
  CHECK_EQ_INT(catch_up(&e, f1), 1);
  CHECK_EQ_INT(catch_up(&e, f2), 0);
  check_final(&e, "error mode");
}

/* merge (staging + follow-up SQL): killed in the middle of a merge, the rerun leaves one row per
 * key with the newest values */
static void test_kill_merge(void) {
  static const char *const points[] = {"load.after_staging_load", "load.before_followup", "load.followup_statement",
                                       "load.before_commit", "load.after_commit"};
  for (size_t k = 0; k < sizeof points / sizeof *points; k++) {
    env e;
    env_new(&e);
    const char *f1 = write_file(&e, "m1.jsonl", "{\"id\":1,\"v\":\"a\",\"tags\":[\"x\"]}\n{\"id\":2,\"v\":\"b\",\"tags\":[]}\n");
    const char *f2 = write_file(&e, "m2.jsonl", "{\"id\":2,\"v\":\"B\",\"tags\":[\"y\",\"z\"]}\n{\"id\":3,\"v\":\"c\",\"tags\":[]}\n");
    cdlt_ok(&e, "run '%s' --pipeline mg --table t --write-disposition merge --primary-key id --credentials '%s'", f1, e.db);
    setenv("CDLT_FAULT_POINT", points[k], 1);
    char *out = NULL;
    int rc = cdlt(&e, &out, "run '%s' --pipeline mg --table t --write-disposition merge --primary-key id --credentials '%s'", f2, e.db);
    unsetenv("CDLT_FAULT_POINT");
    CHECK_MSG(rc != 0, "%s: the run was not killed: %s", points[k], out);
    free(out);
    CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline mg --table t --write-disposition merge --primary-key id --credentials '%s'",
                      f2, e.db), 0);
    CHECK_MSG(contains(out, "Pending load packages from an interrupted run were loaded first"), "%s: %s", points[k], out);
    free(out);
    char *got = q(e.db, "SELECT id, v FROM mg_dataset.t ORDER BY id");
    CHECK_MSG(got && !strcmp(got, "1|a\n2|B\n3|c"), "%s: rows %s", points[k], got ? got : "(none)");
    free(got);
    got = q(e.db, "SELECT c.value FROM mg_dataset.t__tags c JOIN mg_dataset.t p ON c._dlt_parent_id = p._dlt_id ORDER BY 1");
    CHECK_MSG(got && !strcmp(got, "x\ny\nz"), "%s: nested rows %s", points[k], got ? got : "(none)");
    free(got);
    got = q(e.db, "SELECT count(*) FROM mg_dataset.t__tags");
    CHECK_MSG(got && !strcmp(got, "3"), "%s: nested count %s", points[k], got ? got : "(none)");
    free(got);
  }
}

/* Killed after the extract commit but before state.json is saved, and no restore from the
 * destination to repair it: the pending package carries the newer state, which the next run
 * adopts before finishing the package, so the cursor is not lost and nothing loads twice. */
static void test_state_window_without_restore(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "ev.jsonl", DATA1);
  cdlt_ok(&e, "run '%s' " ARGS " --no-restore --credentials '%s'", f1, e.db);
  const char *f2 = write_file(&e, "ev.jsonl", DATA2);
  setenv("CDLT_FAULT_POINT", "state.before_save", 1);
  char *out = NULL;
  int rc = cdlt(&e, &out, "run '%s' " ARGS " --no-restore --credentials '%s'", f2, e.db);
  unsetenv("CDLT_FAULT_POINT");
  CHECK_MSG(rc != 0, "the run must have been killed: %s", out);
  free(out);
  for (int k = 0; k < 3; k++) cdlt_ok(&e, "run '%s' " ARGS " --no-restore --credentials '%s'", f2, e.db);
  CHECK_Q(e.db, "SELECT id, count(*) FROM cr_dataset.ev GROUP BY id ORDER BY id", "1|1\n2|1\n3|1\n4|1");
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/cr/state.json", e.data);
  char *state = check_read_file(path, NULL);
  CHECK_MSG(state && strstr(state, "\"last_value\":\"2024-01-03T00:00:00Z\""), "state: %s", state);
  free(state);
}

static bool dir_empty(const env *e, const char *rel) {
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/cr/%s", e->data, rel);
  DIR *d = opendir(path);
  if (!d) return true;
  bool empty = true;
  for (struct dirent *de; (de = readdir(d));)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) empty = false;
  closedir(d);
  return empty;
}

/* the extracted copy of a normalized package is removed on a background thread while the load
 * runs (util/bg_remove.h): nothing of it stays after a run; killed while removing it, the next run
 * clears what is left and the data is there once; a removal error is reported after the load */
static void test_extracted_copy_removal(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "d1.jsonl", DATA1);
  const char *f2 = write_file(&e, "d2.jsonl", DATA2);
  char *out = NULL;
  int rc = run_with_fault(&e, f1, "removal.before", NULL, NULL, &out);
  CHECK_MSG(rc != 0, "the run was not killed: %s", out);
  free(out);
  CHECK_MSG(!dir_empty(&e, ".cdlt-removing"), "the killed removal left nothing in .cdlt-removing");
  CHECK_MSG(dir_empty(&e, "normalize/extracted"), "the extracted package was not moved aside before its removal");
  catch_up(&e, f1);   /* the kill raced the load: either run loaded the package */
  CHECK_MSG(dir_empty(&e, ".cdlt-removing"), "the next run left the extracted copy in .cdlt-removing");
  CHECK_EQ_INT(catch_up(&e, f2), 0);
  CHECK_MSG(dir_empty(&e, ".cdlt-removing"), "a normal run left an extracted copy in .cdlt-removing");
  CHECK_MSG(dir_empty(&e, "normalize/extracted"), "a normal run left an extracted package");
  check_final(&e, "removal killed");

  env e2;
  env_new(&e2);
  f1 = write_file(&e2, "d1.jsonl", DATA1);
  f2 = write_file(&e2, "d2.jsonl", DATA2);
  CHECK_EQ_INT(run_with_fault(&e2, f1, "removal.before", NULL, "error", &out), 1);
  CHECK_EQ_STR(out, "cdlt run: a normalized package's extracted copy remains (removed by the next run): "
                    "injected fault at 'removal.before'\n");
  free(out);
  char *got = q(e2.db, "SELECT count(*) FROM cr_dataset.ev");
  CHECK_MSG(got && !strcmp(got, "3"), "the package was not loaded before the removal error: %s", got);
  free(got);
  CHECK_MSG(!dir_empty(&e2, ".cdlt-removing"), "the failed removal left nothing in .cdlt-removing");
  CHECK_EQ_INT(catch_up(&e2, f2), 0);
  CHECK_MSG(dir_empty(&e2, ".cdlt-removing"), "the next run left the extracted copy in .cdlt-removing");
  check_final(&e2, "removal error");
}

int main(void) {
  test_state_window_without_restore();
  test_error_mode();
  test_extracted_copy_removal();
  test_kill_everywhere();
  test_kill_merge();
  return check_finish();
}
