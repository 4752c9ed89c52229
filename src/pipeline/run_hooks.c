/* run_hooks.c — lock, destination sync, first_run flag and trace around a pipeline run. */
#include "pipeline/run_hooks.h"

#include <string.h>

#include "pipeline/trace.h"
#include "util/isotime.h"

int cdlt_run_begin(cdlt_pipeline *p, cdlt_run_guard *g, cdlt_error *err) {
  memset(g, 0, sizeof *g);
  g->started_us = cdlt_now_us();
  int rc = cdlt_pipeline_lock_acquire(&g->lock, p->wd.path, p->name, cdlt_pipeline_lock_timeout_ms(), err);
  if (rc) return rc;
  if (!p->skip_restore && !p->dev_mode) rc = cdlt_pipeline_restore(p, &g->restore, err);
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
