/* test_package.c — working dir resolution and layout, load package transitions per stage, job file
 * names, the pending-transition protocol and crash recovery from every intermediate state, and
 * load_package_state.json against dlt's golden file. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "package/package.h"
#include "state/package_state.h"

static cdlt_error err_storage;
static cdlt_error *const E = &err_storage;

static char *P(const cdlt_workdir *wd, const char *rel) { return cdlt_workdir_join(wd, rel); }

static bool exists_rel(const cdlt_workdir *wd, const char *rel) {
  char *p = P(wd, rel);
  bool ok = cdlt_fs_exists(p);
  free(p);
  return ok;
}

static char *read_rel(const cdlt_workdir *wd, const char *rel) {
  char *p = P(wd, rel);
  char *s = check_read_file(p, NULL);
  free(p);
  return s;
}

static void write_rel(const cdlt_workdir *wd, const char *rel, const char *content) {
  char *p = P(wd, rel);
  cdlt_fs_write_atomic(p, NULL, content, strlen(content), 0644, NULL);
  free(p);
}

static size_t count_rel(const cdlt_workdir *wd, const char *rel) {
  char *p = P(wd, rel);
  cdlt_fs_names n;
  cdlt_fs_names_init(&n);
  size_t c = cdlt_fs_list_dir(p, false, false, &n, NULL) ? (size_t)-1 : n.len;
  cdlt_fs_names_release(&n);
  free(p);
  return c;
}

static void test_job_names(void) {
  cdlt_job_file jf;
  CHECK_OK(cdlt_job_file_parse("users__pets.dee931c5ad.0.insert_values.gz", &jf, E), E);
  CHECK_EQ_STR(jf.table, "users__pets");
  CHECK_EQ_STR(jf.file_id, "dee931c5ad");
  CHECK_EQ_INT(jf.retry, 0);
  CHECK_EQ_STR(jf.format, "insert_values");
  CHECK(jf.gz);
  char *id = cdlt_job_file_job_id(&jf);
  CHECK_EQ_STR(id, "users__pets.dee931c5ad.insert_values.gz");
  free(id);
  cdlt_job_file_release(&jf);

  CHECK_OK(cdlt_job_file_parse("users.4acee7634c.12.sql", &jf, E), E);
  CHECK_EQ_STR(jf.table, "users");
  CHECK_EQ_INT(jf.retry, 12);
  CHECK_EQ_STR(jf.format, "sql");
  CHECK(!jf.gz);
  cdlt_job_file_release(&jf);

  /* dotted table names parse from the right */
  CHECK_OK(cdlt_job_file_parse("my.dotted.table.0123456789.3.typed-jsonl.gz", &jf, E), E);
  CHECK_EQ_STR(jf.table, "my.dotted.table");
  CHECK_EQ_STR(jf.file_id, "0123456789");
  CHECK_EQ_INT(jf.retry, 3);
  CHECK_EQ_STR(jf.format, "typed-jsonl");
  CHECK(jf.gz);
  char *name = cdlt_job_file_name(jf.table, jf.file_id, jf.retry, jf.format, jf.gz);
  CHECK_EQ_STR(name, "my.dotted.table.0123456789.3.typed-jsonl.gz");
  free(name);
  cdlt_job_file_release(&jf);

  /* build -> parse round trips */
  const char *tables[] = {"users", "_dlt_pipeline_state", "a.b", "x.gz", ".lead", "t.0.1"};
  const char *formats[] = {"insert_values", "parquet", "jsonl"};
  for (size_t t = 0; t < 6; t++)
    for (size_t f = 0; f < 3; f++)
      for (int gz = 0; gz < 2; gz++) {
        char fid[CDLT_JOB_FILE_ID_LEN + 1];
        CHECK_OK(cdlt_job_new_file_id(fid, E), E);
        char *n = cdlt_job_file_name(tables[t], fid, (unsigned)(t + f), formats[f], gz);
        cdlt_job_file back;
        int rc = cdlt_job_file_parse(n, &back, E);
        CHECK_MSG(rc == 0 && !strcmp(back.table, tables[t]) && !strcmp(back.file_id, fid) &&
                      back.retry == t + f && !strcmp(back.format, formats[f]) && back.gz == gz,
                  "round trip of '%s'", n);
        cdlt_job_file_release(&back);
        free(n);
      }
  char fid[CDLT_JOB_FILE_ID_LEN + 1];
  CHECK_OK(cdlt_job_new_file_id(fid, E), E);
  CHECK_EQ_INT(strlen(fid), 10);
  for (int i = 0; i < 10; i++) CHECK((fid[i] >= '0' && fid[i] <= '9') || (fid[i] >= 'a' && fid[i] <= 'f'));

  char *s = NULL;
  CHECK_OK(cdlt_job_id_of("a.b.c.0123456789.7.jsonl", &s, E), E);
  CHECK_EQ_STR(s, "a.b.c.0123456789.jsonl");
  free(s);
  CHECK_OK(cdlt_job_file_with_retry("a.b.0123456789.7.jsonl.gz", 8, &s, E), E);
  CHECK_EQ_STR(s, "a.b.0123456789.8.jsonl.gz");
  free(s);

  /* invalid names */
  const char *bad[] = {"", "users.abc.jsonl", "users.abc.x.jsonl", "users.abc.0.", ".abc.0.jsonl",
                       "users..0.jsonl", "a/b.abc.0.jsonl", "users.abc.-1.jsonl", "t.abc.0.gz", "gz",
                       "users.abc.99999999999.jsonl"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    int rc = cdlt_job_file_parse(bad[i], &jf, E);
    CHECK_MSG(rc == CDLT_ERR_PARSE, "'%s' must not parse (rc %d)", bad[i], rc);
    CHECK(jf.mem == NULL);
  }
  cdlt_job_file_parse("users.abc.jsonl", &jf, E);
  CHECK(strstr(E->msg, "invalid job file name 'users.abc.jsonl'") != NULL);
}

static void test_pipelines_dir(void) {
  const char *tmp = check_tmpdir();
  char *home = cdlt_path_join(tmp, "home");
  cdlt_fs_mkdir_p(home, 0755, NULL);
  cdlt_workdir_env env = {0};
  env.home = home;
  char *out = NULL;

  CHECK_OK(cdlt_workdir_resolve_pipelines_dir("/explicit/dir", &env, &out, E), E);
  CHECK_EQ_STR(out, "/explicit/dir");
  free(out);

  char expect[4096];
  snprintf(expect, sizeof expect, "%s/.dlt/pipelines", home);
  CHECK_OK(cdlt_workdir_resolve_pipelines_dir(NULL, &env, &out, E), E);
  CHECK_EQ_STR(out, expect);
  free(out);

  /* XDG wins while ~/.dlt does not exist */
  env.xdg_data_home = "/xdg/data";
  CHECK_OK(cdlt_workdir_resolve_pipelines_dir(NULL, &env, &out, E), E);
  CHECK_EQ_STR(out, "/xdg/data/dlt/pipelines");
  free(out);
  char *dot = cdlt_path_join(home, ".dlt");
  cdlt_fs_mkdir_p(dot, 0755, NULL);
  CHECK_OK(cdlt_workdir_resolve_pipelines_dir(NULL, &env, &out, E), E);
  CHECK_EQ_STR(out, expect);
  free(out);

  env.is_root = true;
  CHECK_OK(cdlt_workdir_resolve_pipelines_dir(NULL, &env, &out, E), E);
  CHECK_EQ_STR(out, "/var/dlt/pipelines");
  free(out);

  env.dlt_data_dir = "/data/dir";
  CHECK_OK(cdlt_workdir_resolve_pipelines_dir(NULL, &env, &out, E), E);
  CHECK_EQ_STR(out, "/data/dir/pipelines");
  free(out);

  /* relative DLT_DATA_DIR is made absolute */
  env.dlt_data_dir = "rel";
  CHECK_OK(cdlt_workdir_resolve_pipelines_dir(NULL, &env, &out, E), E);
  CHECK(out && out[0] == '/' && strstr(out, "/rel/pipelines"));
  free(out);

  /* no home -> tmp */
  cdlt_workdir_env env2 = {0};
  env2.tmp_dir = "/sometmp";
  CHECK_OK(cdlt_workdir_resolve_pipelines_dir(NULL, &env2, &out, E), E);
  CHECK_EQ_STR(out, "/sometmp/dlt/pipelines");
  free(out);
  env2.home = "/nonexistent/home/dir";
  CHECK_OK(cdlt_workdir_resolve_pipelines_dir(NULL, &env2, &out, E), E);
  if (geteuid() != 0) CHECK_EQ_STR(out, "/sometmp/dlt/pipelines");
  free(out);
  free(dot);
  free(home);
}

static void test_workdir_layout(const char *pipelines_dir) {
  cdlt_workdir wd;
  CHECK(cdlt_workdir_open(&wd, pipelines_dir, "", E) == CDLT_ERR_USAGE);
  cdlt_workdir_close(&wd);
  CHECK(cdlt_workdir_open(&wd, pipelines_dir, "a/b", E) == CDLT_ERR_USAGE);
  cdlt_workdir_close(&wd);
  CHECK_OK(cdlt_workdir_open(&wd, pipelines_dir, "layout", E), E);
  CHECK(exists_rel(&wd, "schemas"));
  CHECK(exists_rel(&wd, "normalize/extracted"));
  CHECK(exists_rel(&wd, "load/new"));
  CHECK(exists_rel(&wd, "load/normalized"));
  CHECK(exists_rel(&wd, "load/loaded"));
  char *v = read_rel(&wd, "normalize/.version");
  CHECK_EQ_STR(v, "1.0.1");
  free(v);
  v = read_rel(&wd, "load/.version");
  CHECK_EQ_STR(v, "1.0.0");
  free(v);
  CHECK_EQ_INT(count_rel(&wd, "normalize"), 2); /* .version + extracted: no temp files */
  CHECK_EQ_INT(count_rel(&wd, "load"), 4);
  cdlt_workdir_close(&wd);
  /* reopen is idempotent; another storage version is refused */
  CHECK_OK(cdlt_workdir_open(&wd, pipelines_dir, "layout", E), E);
  write_rel(&wd, "load/.version", "9.9.9");
  cdlt_workdir_close(&wd);
  CHECK(cdlt_workdir_open(&wd, pipelines_dir, "layout", E) != 0);
  CHECK(strstr(E->msg, "9.9.9") != NULL);
  cdlt_workdir_close(&wd);
}

static void add_job(const cdlt_package *pkg, cdlt_job_state st, const char *name, const char *content) {
  char *p = cdlt_package_job_path(pkg, st, name);
  cdlt_fs_write_atomic(p, NULL, content, strlen(content), 0644, NULL);
  free(p);
}

static bool job_in(const cdlt_package *pkg, cdlt_job_state st, const char *name) {
  char *p = cdlt_package_job_path(pkg, st, name);
  bool ok = cdlt_fs_is_file(p);
  free(p);
  return ok;
}

static void test_lifecycle(const char *pipelines_dir) {
  cdlt_workdir wd;
  CHECK_OK(cdlt_workdir_open(&wd, pipelines_dir, "life", E), E);
  const char *load_id = "1795272839.8907554";

  /* extract */
  cdlt_package pkg;
  CHECK_OK(cdlt_package_extract_begin(&wd, load_id, &pkg, E), E);
  CHECK_EQ_INT(pkg.stage, CDLT_STAGE_EXTRACTING);
  CHECK(pkg.temp_dir && strstr(pkg.path, "/normalize/") && strstr(pkg.path, load_id));
  const char *sub[] = {"new_jobs", "started_jobs", "completed_jobs", "failed_jobs", ".pending_transitions"};
  for (int i = 0; i < 5; i++) {
    char *p = cdlt_path_join(pkg.path, sub[i]);
    CHECK_MSG(cdlt_fs_is_dir(p), "'%s' created", p);
    free(p);
  }
  CHECK_OK(cdlt_package_write_file(&pkg, CDLT_PACKAGE_SCHEMA_FILE, "{\"name\":\"s\"}", 12, E), E);
  CHECK_OK(cdlt_package_write_file(&pkg, CDLT_PACKAGE_STATE_FILE, "{}", 2, E), E);
  add_job(&pkg, CDLT_JOB_NEW, "users.0123456789.0.typed-jsonl.gz", "x");
  CHECK_EQ_INT(count_rel(&wd, "normalize/extracted"), 0);
  char *temp_dir = strdup(pkg.temp_dir);
  CHECK_OK(cdlt_package_extract_commit(&pkg, E), E);
  CHECK_EQ_INT(pkg.stage, CDLT_STAGE_EXTRACTED);
  CHECK(pkg.temp_dir == NULL);
  CHECK(!cdlt_fs_exists(temp_dir));
  free(temp_dir);
  CHECK(cdlt_package_exists(&wd, CDLT_STAGE_EXTRACTED, load_id));
  CHECK_EQ_INT(count_rel(&wd, "normalize"), 2);
  /* no temp files left in the package root by atomic writes */
  CHECK_EQ_INT(count_rel(&wd, "normalize/extracted/1795272839.8907554"), 7);
  cdlt_package_close(&pkg);

  /* committing twice the same load id fails and leaves the second package in place */
  cdlt_package dup;
  CHECK_OK(cdlt_package_extract_begin(&wd, load_id, &dup, E), E);
  CHECK(cdlt_package_extract_commit(&dup, E) != 0);
  CHECK(strstr(E->msg, "cannot commit load package '1795272839.8907554'") != NULL);
  CHECK_OK(cdlt_package_extract_abort(&dup, E), E);
  CHECK(!cdlt_fs_exists(dup.temp_dir));
  cdlt_package_close(&dup);
  CHECK_EQ_INT(count_rel(&wd, "normalize"), 2);

  /* normalize */
  cdlt_package ex, nw;
  CHECK_OK(cdlt_package_open(&wd, CDLT_STAGE_EXTRACTED, load_id, &ex, E), E);
  CHECK_OK(cdlt_package_normalize_begin(&wd, load_id, &nw, E), E);
  CHECK_OK(cdlt_package_copy_file(&ex, &nw, CDLT_PACKAGE_SCHEMA_FILE, E), E);
  CHECK_OK(cdlt_package_copy_file(&ex, &nw, CDLT_PACKAGE_STATE_FILE, E), E);
  CHECK_OK(cdlt_package_write_file(&nw, CDLT_PACKAGE_SCHEMA_UPDATES_FILE, "{\"users\":{}}", 12, E), E);
  add_job(&nw, CDLT_JOB_NEW, "users.aaaaaaaaaa.0.insert_values.gz", "INSERT");
  add_job(&nw, CDLT_JOB_NEW, "users__pets.bbbbbbbbbb.0.insert_values.gz", "INSERT");
  add_job(&nw, CDLT_JOB_NEW, "_dlt_pipeline_state.cccccccccc.0.insert_values.gz", "INSERT");
  cdlt_package_close(&ex);
  CHECK_OK(cdlt_package_normalize_commit(&nw, E), E);
  CHECK_EQ_INT(nw.stage, CDLT_STAGE_NORMALIZED);
  CHECK(!cdlt_package_exists(&wd, CDLT_STAGE_EXTRACTED, load_id));
  CHECK(!cdlt_package_exists(&wd, CDLT_STAGE_NORMALIZING, load_id));
  CHECK(cdlt_package_exists(&wd, CDLT_STAGE_NORMALIZED, load_id));
  cdlt_package_close(&nw);

  /* load */
  CHECK_OK(cdlt_package_open(&wd, CDLT_STAGE_NORMALIZED, load_id, &pkg, E), E);
  cdlt_buf b;
  cdlt_buf_init(&b);
  CHECK_OK(cdlt_package_read_file(&pkg, CDLT_PACKAGE_SCHEMA_FILE, &b, E), E);
  CHECK_EQ_STR(b.data, "{\"name\":\"s\"}");
  cdlt_fs_names jobs;
  cdlt_fs_names_init(&jobs);
  CHECK_OK(cdlt_package_list_jobs(&pkg, CDLT_JOB_NEW, &jobs, E), E);
  CHECK_EQ_INT(jobs.len, 3);
  if (jobs.len == 3) {
    CHECK_EQ_STR(jobs.names[0], "_dlt_pipeline_state.cccccccccc.0.insert_values.gz");
    CHECK_EQ_STR(jobs.names[1], "users.aaaaaaaaaa.0.insert_values.gz");
    CHECK_EQ_STR(jobs.names[2], "users__pets.bbbbbbbbbb.0.insert_values.gz");
  }
  cdlt_fs_names_release(&jobs);

  CHECK_OK(cdlt_package_commit_schema_updates(&pkg, "{\"users\":{}}", 12, E), E);
  CHECK(!cdlt_package_has_file(&pkg, CDLT_PACKAGE_SCHEMA_UPDATES_FILE));
  CHECK(cdlt_package_has_file(&pkg, CDLT_PACKAGE_APPLIED_SCHEMA_UPDATES_FILE));

  const char *j1 = "users.aaaaaaaaaa.0.insert_values.gz";
  const char *j2 = "users__pets.bbbbbbbbbb.0.insert_values.gz";
  const char *j3 = "_dlt_pipeline_state.cccccccccc.0.insert_values.gz";
  CHECK_OK(cdlt_package_start_job(&pkg, j1, E), E);
  CHECK(job_in(&pkg, CDLT_JOB_STARTED, j1) && !job_in(&pkg, CDLT_JOB_NEW, j1));
  CHECK_EQ_INT(cdlt_package_start_job(&pkg, j1, E), CDLT_ERR_NOT_FOUND);
  CHECK(strstr(E->msg, j1) != NULL);
  CHECK_OK(cdlt_package_complete_job(&pkg, j1, E), E);
  CHECK(job_in(&pkg, CDLT_JOB_COMPLETED, j1) && !job_in(&pkg, CDLT_JOB_STARTED, j1));
  CHECK(!cdlt_package_job_has_pending_transition(&pkg, j1));
  CHECK_EQ_INT(cdlt_package_complete_job(&pkg, j1, E), CDLT_ERR_NOT_FOUND);

  /* retry: back to new_jobs with retry + 1 */
  CHECK_OK(cdlt_package_start_job(&pkg, j2, E), E);
  char *retried = NULL;
  CHECK_OK(cdlt_package_retry_job(&pkg, j2, &retried, E), E);
  CHECK_EQ_STR(retried, "users__pets.bbbbbbbbbb.1.insert_values.gz");
  CHECK(job_in(&pkg, CDLT_JOB_NEW, retried) && !job_in(&pkg, CDLT_JOB_STARTED, j2));
  /* then terminal failure with exception file */
  CHECK_OK(cdlt_package_start_job(&pkg, retried, E), E);
  CHECK_OK(cdlt_package_fail_job(&pkg, retried, "relation \"x\" does not exist\nline 2", E), E);
  CHECK(job_in(&pkg, CDLT_JOB_FAILED, retried));
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_package_read_job_exception(&pkg, retried, &b, E), E);
  CHECK_EQ_STR(b.data, "relation \"x\" does not exist\nline 2");
  CHECK_OK(cdlt_package_list_jobs(&pkg, CDLT_JOB_FAILED, &jobs, E), E);
  CHECK_EQ_INT(jobs.len, 1); /* .exception is not a job */
  cdlt_fs_names_release(&jobs);
  CHECK_EQ_INT(count_rel(&wd, "load/normalized/1795272839.8907554/.pending_transitions"), 0);
  free(retried);

  CHECK_OK(cdlt_package_start_job(&pkg, j3, E), E);
  CHECK_OK(cdlt_package_complete_job(&pkg, j3, E), E);

  /* complete the package */
  CHECK_OK(cdlt_package_complete(&pkg, false, E), E);
  CHECK_EQ_INT(pkg.stage, CDLT_STAGE_LOADED);
  CHECK(cdlt_package_exists(&wd, CDLT_STAGE_LOADED, load_id));
  CHECK(!cdlt_package_exists(&wd, CDLT_STAGE_NORMALIZED, load_id));
  char *pc = read_rel(&wd, "load/loaded/1795272839.8907554/package_completed.json");
  CHECK_EQ_STR(pc, "loaded");
  free(pc);
  CHECK(cdlt_package_complete(&pkg, false, E) == CDLT_ERR_USAGE);
  CHECK_OK(cdlt_package_delete_completed_jobs(&pkg, E), E);
  CHECK_OK(cdlt_package_list_jobs(&pkg, CDLT_JOB_COMPLETED, &jobs, E), E);
  CHECK_EQ_INT(jobs.len, 0);
  cdlt_fs_names_release(&jobs);
  /* no temp files anywhere in the package root */
  CHECK_EQ_INT(count_rel(&wd, "load/loaded/1795272839.8907554"), 9);
  cdlt_package_close(&pkg);

  /* open errors */
  CHECK_EQ_INT(cdlt_package_open(&wd, CDLT_STAGE_NORMALIZED, "123.4", &pkg, E), CDLT_ERR_NOT_FOUND);
  CHECK(strstr(E->msg, "'123.4'") != NULL);
  cdlt_package_close(&pkg);
  CHECK_EQ_INT(cdlt_package_extract_begin(&wd, "../x", &pkg, E), CDLT_ERR_USAGE);
  cdlt_package_close(&pkg);
  cdlt_buf_release(&b);
  cdlt_workdir_close(&wd);
}

static void test_listing(const char *pipelines_dir) {
  cdlt_workdir wd;
  CHECK_OK(cdlt_workdir_open(&wd, pipelines_dir, "listing", E), E);
  const char *ids[] = {"1795272891.264143", "1795272839.8907554", "1795272839.89", "1795272839.9"};
  for (int i = 0; i < 4; i++) {
    cdlt_package pkg;
    CHECK_OK(cdlt_package_extract_begin(&wd, ids[i], &pkg, E), E);
    CHECK_OK(cdlt_package_extract_commit(&pkg, E), E);
    cdlt_package_close(&pkg);
  }
  write_rel(&wd, "normalize/extracted/stray_file", "x"); /* files are not packages */
  cdlt_fs_names n;
  cdlt_fs_names_init(&n);
  CHECK_OK(cdlt_package_list(&wd, CDLT_STAGE_EXTRACTED, &n, E), E);
  CHECK_EQ_INT(n.len, 4);
  if (n.len == 4) {
    CHECK_EQ_STR(n.names[0], "1795272839.89");
    CHECK_EQ_STR(n.names[1], "1795272839.8907554");
    CHECK_EQ_STR(n.names[2], "1795272839.9");
    CHECK_EQ_STR(n.names[3], "1795272891.264143");
  }
  cdlt_fs_names_release(&n);
  CHECK_OK(cdlt_package_list(&wd, CDLT_STAGE_LOADED, &n, E), E);
  CHECK_EQ_INT(n.len, 0);
  CHECK(cdlt_package_list(&wd, CDLT_STAGE_EXTRACTING, &n, E) == CDLT_ERR_USAGE);
  cdlt_fs_names_release(&n);
  cdlt_workdir_close(&wd);
}

/* Crash recovery: leave the directory in every intermediate state and recover. */
static void test_recovery(const char *pipelines_dir) {
  cdlt_workdir wd;
  CHECK_OK(cdlt_workdir_open(&wd, pipelines_dir, "crash", E), E);
  cdlt_package_recovery st;

  /* 1. extract crashed before commit: temp folder is garbage */
  cdlt_package pkg;
  CHECK_OK(cdlt_package_extract_begin(&wd, "100.1", &pkg, E), E);
  add_job(&pkg, CDLT_JOB_NEW, "t.0123456789.0.typed-jsonl.gz", "x");
  cdlt_package_close(&pkg);
  write_rel(&wd, "normalize/0badf00d", "stray atomic temp file");
  /* 2. extract crashed after the rename, before removing the empty temp folder */
  char *empty_tmp = P(&wd, "normalize/abcdef01");
  cdlt_fs_mkdir_p(empty_tmp, 0755, NULL);
  free(empty_tmp);
  CHECK_EQ_INT(count_rel(&wd, "normalize"), 5);
  CHECK_OK(cdlt_package_recover(&wd, &st, E), E);
  CHECK_EQ_INT(st.extract_temp_removed, 2);
  CHECK_EQ_INT(count_rel(&wd, "normalize"), 2);
  CHECK_EQ_INT(count_rel(&wd, "normalize/extracted"), 0);

  /* 3. normalize crashed while writing load/new/<id>: discarded, extracted kept (re-run) */
  CHECK_OK(cdlt_package_extract_begin(&wd, "200.2", &pkg, E), E);
  CHECK_OK(cdlt_package_extract_commit(&pkg, E), E);
  cdlt_package_close(&pkg);
  CHECK_OK(cdlt_package_normalize_begin(&wd, "200.2", &pkg, E), E);
  add_job(&pkg, CDLT_JOB_NEW, "t.0123456789.0.insert_values.gz", "partial");
  cdlt_package_close(&pkg);
  /* a second normalize_begin refuses the stale folder */
  CHECK(cdlt_package_normalize_begin(&wd, "200.2", &pkg, E) != 0);
  CHECK(strstr(E->msg, "already exists") != NULL);
  cdlt_package_close(&pkg);
  CHECK_OK(cdlt_package_recover(&wd, &st, E), E);
  CHECK_EQ_INT(st.new_discarded, 1);
  CHECK(!cdlt_package_exists(&wd, CDLT_STAGE_NORMALIZING, "200.2"));
  CHECK(cdlt_package_exists(&wd, CDLT_STAGE_EXTRACTED, "200.2"));
  /* discard_new directly */
  CHECK_OK(cdlt_package_normalize_begin(&wd, "200.2", &pkg, E), E);
  cdlt_package_close(&pkg);
  CHECK_OK(cdlt_package_discard_new(&wd, "200.2", E), E);
  CHECK(!cdlt_package_exists(&wd, CDLT_STAGE_NORMALIZING, "200.2"));
  CHECK_OK(cdlt_package_discard_new(&wd, "200.2", E), E); /* absent */
  /* normalize_abort */
  CHECK_OK(cdlt_package_normalize_begin(&wd, "200.2", &pkg, E), E);
  CHECK_OK(cdlt_package_normalize_abort(&pkg, E), E);
  cdlt_package_close(&pkg);
  CHECK(!cdlt_package_exists(&wd, CDLT_STAGE_NORMALIZING, "200.2"));

  /* 4. normalize crashed between rename and deleting the extracted package */
  CHECK_OK(cdlt_package_normalize_begin(&wd, "200.2", &pkg, E), E);
  char *np = strdup(pkg.path);
  cdlt_package_close(&pkg);
  char *normalized = P(&wd, "load/normalized/200.2");
  CHECK_OK(cdlt_fs_rename(np, normalized, E), E); /* the commit rename, but no delete */
  free(np);
  free(normalized);
  CHECK_OK(cdlt_package_recover(&wd, &st, E), E);
  CHECK_EQ_INT(st.extracted_removed, 1);
  CHECK(!cdlt_package_exists(&wd, CDLT_STAGE_EXTRACTED, "200.2"));
  CHECK(cdlt_package_exists(&wd, CDLT_STAGE_NORMALIZED, "200.2"));

  /* 5. load crashed mid-job transitions */
  CHECK_OK(cdlt_package_open(&wd, CDLT_STAGE_NORMALIZED, "200.2", &pkg, E), E);
  const char *a = "a.1111111111.0.insert_values.gz";   /* marker completed, still in started */
  const char *b = "b.2222222222.0.insert_values.gz";   /* marker failed, still in started, no .exception */
  const char *c = "c.3333333333.0.insert_values.gz";   /* marker completed, already moved */
  const char *d = "d.4444444444.0.insert_values.gz";   /* started, no marker: re-run by the loader */
  const char *e = "e.5555555555.0.insert_values.gz";   /* marker failed, already moved, exception written */
  add_job(&pkg, CDLT_JOB_STARTED, a, "x");
  add_job(&pkg, CDLT_JOB_STARTED, b, "x");
  add_job(&pkg, CDLT_JOB_COMPLETED, c, "x");
  add_job(&pkg, CDLT_JOB_STARTED, d, "x");
  add_job(&pkg, CDLT_JOB_FAILED, e, "x");
  write_rel(&wd, "load/normalized/200.2/.pending_transitions/a.1111111111.0.insert_values.gz",
            "{\"state\": \"completed\", \"failed_message\": null}");
  write_rel(&wd, "load/normalized/200.2/.pending_transitions/b.2222222222.0.insert_values.gz",
            "{\"state\": \"failed\", \"failed_message\": \"duplicate key \\\"x\\\"\"}");
  write_rel(&wd, "load/normalized/200.2/.pending_transitions/c.3333333333.0.insert_values.gz",
            "{\"state\": \"completed\", \"failed_message\": null}");
  write_rel(&wd, "load/normalized/200.2/failed_jobs/e.5555555555.0.insert_values.gz.exception", "boom");
  write_rel(&wd, "load/normalized/200.2/.pending_transitions/e.5555555555.0.insert_values.gz",
            "{\"state\": \"failed\", \"failed_message\": \"boom\"}");
  write_rel(&wd, "load/normalized/200.2/deadbeef", "stray temp");
  CHECK(cdlt_package_job_has_pending_transition(&pkg, a));
  CHECK(!cdlt_package_job_has_pending_transition(&pkg, d));
  /* 6. crash after writing applied_schema_updates.json, before removing schema_updates.json */
  CHECK_OK(cdlt_package_write_file(&pkg, CDLT_PACKAGE_SCHEMA_UPDATES_FILE, "{}", 2, E), E);
  CHECK_OK(cdlt_package_write_file(&pkg, CDLT_PACKAGE_APPLIED_SCHEMA_UPDATES_FILE, "{}", 2, E), E);
  cdlt_package_close(&pkg);

  CHECK_OK(cdlt_package_recover(&wd, &st, E), E);
  CHECK_EQ_INT(st.jobs_finalized, 2);
  CHECK_EQ_INT(st.schema_updates_removed, 1);
  CHECK_EQ_INT(st.packages_completed, 0);
  CHECK_OK(cdlt_package_open(&wd, CDLT_STAGE_NORMALIZED, "200.2", &pkg, E), E);
  CHECK(job_in(&pkg, CDLT_JOB_COMPLETED, a));
  CHECK(job_in(&pkg, CDLT_JOB_FAILED, b));
  CHECK(job_in(&pkg, CDLT_JOB_COMPLETED, c));
  CHECK(job_in(&pkg, CDLT_JOB_STARTED, d));
  CHECK(job_in(&pkg, CDLT_JOB_FAILED, e));
  cdlt_buf buf;
  cdlt_buf_init(&buf);
  CHECK_OK(cdlt_package_read_job_exception(&pkg, b, &buf, E), E);
  CHECK_EQ_STR(buf.data, "duplicate key \"x\"");
  cdlt_buf_reset(&buf);
  CHECK_OK(cdlt_package_read_job_exception(&pkg, e, &buf, E), E);
  CHECK_EQ_STR(buf.data, "boom");
  CHECK_EQ_INT(count_rel(&wd, "load/normalized/200.2/.pending_transitions"), 0);
  CHECK(!cdlt_package_has_file(&pkg, "deadbeef"));
  CHECK(!cdlt_package_has_file(&pkg, CDLT_PACKAGE_SCHEMA_UPDATES_FILE));
  CHECK(cdlt_package_has_file(&pkg, CDLT_PACKAGE_APPLIED_SCHEMA_UPDATES_FILE));
  /* idempotent */
  CHECK_OK(cdlt_package_recover(&wd, &st, E), E);
  CHECK_EQ_INT(st.jobs_finalized + st.extract_temp_removed + st.new_discarded + st.extracted_removed +
                   st.packages_completed + st.schema_updates_removed, 0);

  /* 7. crash after writing package_completed.json, before the move to loaded */
  CHECK_EQ_INT(cdlt_package_start_job(&pkg, a, E), CDLT_ERR_NOT_FOUND); /* already completed */
  CHECK_OK(cdlt_package_complete_job(&pkg, d, E), E);
  CHECK_OK(cdlt_package_write_file(&pkg, CDLT_PACKAGE_COMPLETED_FILE, "aborted", 7, E), E);
  cdlt_package_close(&pkg);
  CHECK_OK(cdlt_package_recover(&wd, &st, E), E);
  CHECK_EQ_INT(st.packages_completed, 1);
  CHECK(cdlt_package_exists(&wd, CDLT_STAGE_LOADED, "200.2"));
  CHECK(!cdlt_package_exists(&wd, CDLT_STAGE_NORMALIZED, "200.2"));
  char *pc = read_rel(&wd, "load/loaded/200.2/package_completed.json");
  CHECK_EQ_STR(pc, "aborted");
  free(pc);

  /* a corrupt marker is reported, naming the package */
  CHECK_OK(cdlt_package_extract_begin(&wd, "300.3", &pkg, E), E);
  CHECK_OK(cdlt_package_extract_commit(&pkg, E), E);
  cdlt_package_close(&pkg);
  CHECK_OK(cdlt_package_normalize_begin(&wd, "300.3", &pkg, E), E);
  CHECK_OK(cdlt_package_normalize_commit(&pkg, E), E);
  add_job(&pkg, CDLT_JOB_STARTED, a, "x");
  write_rel(&wd, "load/normalized/300.3/.pending_transitions/a.1111111111.0.insert_values.gz",
            "{\"state\": \"weird\"}");
  CHECK(cdlt_package_recover_jobs(&pkg, NULL, E) != 0);
  CHECK(strstr(E->msg, "'300.3'") != NULL);
  CHECK(job_in(&pkg, CDLT_JOB_STARTED, a));
  cdlt_package_close(&pkg);

  cdlt_buf_release(&buf);
  cdlt_workdir_close(&wd);
}

/* load_package_state.json is dlt's, byte for byte: the golden users_merge_postgres package's file
 * (without load_metrics, which the loader adds) from its load id and pipeline_state row */
static void test_package_state_golden(const char *pipelines_dir) {
  char *gpath = cdlt_path_join(check_shared_dir(), "spec/golden/users_merge_postgres/package__load_package_state.json");
  cdlt_buf golden;
  cdlt_buf_init(&golden);
  CHECK_OK(cdlt_fs_read_file(gpath, &golden, E), E);
  free(gpath);
  const char *cut = golden.data ? strstr(golden.data, ",\"load_metrics\"") : NULL;
  CHECK(cut != NULL);
  if (!cut) { cdlt_buf_release(&golden); return; }
  char *want = NULL;
  CHECK(asprintf(&want, "%.*s}", (int)(cut - golden.data), golden.data) > 0);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *root = NULL;
  CHECK_OK(cdlt_json_parse(&doc, golden.data, golden.len, "golden", &root, E), E);
  const cdlt_json_value *row = cdlt_json_get(root, "pipeline_state");
  cdlt_workdir wd;
  CHECK_OK(cdlt_workdir_open(&wd, pipelines_dir, "pstate", E), E);
  cdlt_package pkg;
  memset(&pkg, 0, sizeof pkg);
  CHECK_OK(cdlt_package_extract_begin(&wd, "1795273074.4003608", &pkg, E), E);
  CHECK_OK(cdlt_package_state_write(&pkg, "1795273074.4003608", row, E), E);
  cdlt_buf got;
  cdlt_buf_init(&got);
  CHECK_OK(cdlt_package_read_file(&pkg, CDLT_PACKAGE_STATE_FILE, &got, E), E);
  CHECK_EQ_STR(got.data, want);
  cdlt_package_extract_abort(&pkg, E);
  cdlt_package_close(&pkg);
  cdlt_workdir_close(&wd);
  cdlt_buf_release(&got);
  cdlt_json_doc_release(&doc);
  cdlt_buf_release(&golden);
  free(want);
}

int main(void) {
  test_job_names();
  test_pipelines_dir();
  char *pipelines = cdlt_path_join(check_tmpdir(), "pipelines");
  test_workdir_layout(pipelines);
  test_lifecycle(pipelines);
  test_listing(pipelines);
  test_recovery(pipelines);
  test_package_state_golden(pipelines);
  free(pipelines);
  return check_finish();
}
