/* run_hooks.c — lock, destination sync, first_run flag and trace around a pipeline run. */
#include "pipeline/run_hooks.h"

#include <stdlib.h>
#include <string.h>

#include "package/package.h"
#include "pipeline/pipeline_drop.h"
#include "schema/naming.h"
#include "util/fs.h"

#include "pipeline/trace.h"
#include "util/isotime.h"

/* the resource's table name as the schema has it */
static int refresh(cdlt_pipeline *p, const cdlt_resource_options *resource, cdlt_error *err) {
  if (!p->refresh || !resource || !resource->table_name || cdlt_package_any_pending(&p->wd)) return 0;
  const cdlt_naming *conv = cdlt_naming_find(p->naming ? p->naming : "snake_case");
  cdlt_naming_ctx nctx = cdlt_naming_ctx_make(conv ? conv : cdlt_naming_default(), 0);
  cdlt_buf t;
  cdlt_buf_init(&t);
  int rc = cdlt_naming_normalize_tables_path(&nctx, resource->table_name, strlen(resource->table_name), &t, err);
  if (!rc) rc = cdlt_refresh_apply(p, t.data ? t.data : "", err);
  cdlt_buf_release(&t);
  /* drop_sources empties the whole source once per pipeline handle, not once per resource */
  if (!rc && !strcmp(p->refresh, "drop_sources")) {
    free(p->refresh);
    p->refresh = NULL;
  }
  return rc;
}

int cdlt_run_begin(cdlt_pipeline *p, const cdlt_resource_options *resource, cdlt_run_guard *g, cdlt_error *err) {
  memset(g, 0, sizeof *g);
  g->started_us = cdlt_now_us();
  int rc = cdlt_pipeline_lock_acquire(&g->lock, p->wd.path, p->name, cdlt_pipeline_lock_timeout_ms(), err);
  if (rc) return rc;
  if (!p->skip_restore && !p->dev_mode) rc = cdlt_pipeline_restore(p, &g->restore, err);
  if (!rc) rc = refresh(p, resource, err);
  if (rc) cdlt_pipeline_lock_release(&g->lock);
  return rc;
}

void cdlt_run_end(cdlt_pipeline *p, cdlt_run_guard *g, const cdlt_run_stats *stats, int rc,
                  const cdlt_load_info *info) {
  if (!rc && stats && stats->nload_ids) {
    cdlt_error ignored;
    cdlt_pipeline_mark_loaded(p, &ignored);
  }
  cdlt_trace_write(p, g->started_us, cdlt_now_us(), stats, rc, rc ? p->err.msg : NULL, info);
  cdlt_pipeline_lock_release(&g->lock);
}
