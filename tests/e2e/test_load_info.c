/* test_load_info.c — the load info object of the C API: packages, tables and row counts, schema
 * changes of the run, and the failed package of a load that was rolled back (§14). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "check.h"
#include "e2e.h"

static int run(cdlt_pipeline *p, const char *path, cdlt_load_info **info) {
  const char *paths[] = {path};
  cdlt_resource_options res = {"items", NULL, NULL};
  return cdlt_pipeline_run_files(p, paths, 1, &res, info);
}

/* "table.column:type,..." of the schema changes */
static char *changes(const cdlt_load_info *info) {
  char *out = calloc(1, 4096);
  for (size_t k = 0; out && k < cdlt_load_info_schema_change_count(info); k++) {
    const char *t, *c, *d;
    if (cdlt_load_info_schema_change(info, k, &t, &c, &d)) break;
    if (strstr(t, "_dlt_") == t) continue;   /* internal tables: checked elsewhere */
    size_t n = strlen(out);
    snprintf(out + n, 4096 - n, "%s%s.%s:%s", n ? "," : "", t, c, d);
  }
  return out;
}

int main(void) {
  env e;
  env_new(&e);
  char pipelines[700];
  snprintf(pipelines, sizeof pipelines, "%s/pipelines", e.dir);
  cdlt_pipeline_options opts = {.pipeline_name = "li", .credentials = e.db, .pipelines_dir = pipelines};
  cdlt_pipeline *p = NULL;
  CHECK_EQ_INT(cdlt_pipeline_open(&opts, &p), 0);

  const char *f1 = write_file(&e, "a.jsonl", "{\"id\": 1, \"tags\": [\"x\"]}\n");
  cdlt_load_info *info = NULL;
  CHECK_EQ_INT(run(p, f1, &info), 0);
  char *ch = changes(info);
  CHECK_EQ_STR(ch, "items.id:bigint,items._dlt_load_id:text,items._dlt_id:text,items__tags.value:text,"
                   "items__tags._dlt_parent_id:text,items__tags._dlt_list_idx:bigint,items__tags._dlt_id:text");
  free(ch);
  CHECK_EQ_INT(cdlt_load_info_package_count(info), 1);
  CHECK_EQ_INT(cdlt_load_info_failed_package_count(info), 0);
  cdlt_load_info_free(info);

  /* the second run adds one column and a variant: only those are changes */
  const char *f2 = write_file(&e, "a.jsonl", "{\"id\": \"two\", \"name\": \"n\"}\n");
  CHECK_EQ_INT(run(p, f2, &info), 0);
  ch = changes(info);
  CHECK_EQ_STR(ch, "items.id__v_text:text,items.name:text");
  free(ch);
  cdlt_load_info_free(info);

  /* a load that fails is rolled back as a whole: the info names the package and the reason */
  const char *f3 = write_file(&e, "a.jsonl", "{\"id\": 3}\n");
  setenv("CDLT_FAULT_POINT", "load.before_commit", 1);
  setenv("CDLT_FAULT_MODE", "error", 1);
  int rc = run(p, f3, &info);
  unsetenv("CDLT_FAULT_POINT");
  unsetenv("CDLT_FAULT_MODE");
  CHECK_EQ_INT(rc, CDLT_ERR_IO);
  CHECK(strstr(cdlt_errmsg(p), "injected fault at 'load.before_commit'") != NULL);
  CHECK_EQ_INT(cdlt_load_info_failed_package_count(info), 1);
  const char *lid = NULL, *msg = NULL;
  CHECK_EQ_INT(cdlt_load_info_failed_package(info, 0, &lid, &msg), 0);
  CHECK_MSG(lid && strlen(lid) > 10 && msg && strstr(msg, "injected fault"), "failed package %s: %s", lid, msg);
  CHECK_MSG(strstr(cdlt_load_info_text(info), "is NOT LOADED") != NULL, "text: %s", cdlt_load_info_text(info));
  cdlt_load_info_free(info);
  CHECK_EQ_INT(count_rows(e.db, "li_dataset", "items"), 2);

  /* the next run finishes the pending package first */
  CHECK_EQ_INT(run(p, f3, &info), 0);
  CHECK_EQ_INT(cdlt_load_info_pending_only(info), 1);
  cdlt_load_info_free(info);
  CHECK_EQ_INT(count_rows(e.db, "li_dataset", "items"), 3);
  cdlt_pipeline_close(p);
  return check_finish();
}
