/* run_hooks.h — what wraps every run of a pipeline: before it, the lock and the sync with the
 * destination (restore, dataset reset); after it, the first_run flag, the trace file and the
 * unlock. pipeline.c calls exactly these two functions around its stages. */
#ifndef CDLT_PIPELINE_RUN_HOOKS_H
#define CDLT_PIPELINE_RUN_HOOKS_H

#include "pipeline/lock.h"
#include "pipeline/pipeline_internal.h"
#include "pipeline/restore.h"

typedef struct cdlt_run_guard {
  cdlt_pipeline_lock lock;
  int64_t started_us;
  cdlt_restore_result restore;
} cdlt_run_guard;

/* Takes the lock (waiting $CDLT_LOCK_TIMEOUT seconds), unless skip_restore or dev_mode syncs
 * with the destination, then applies the pipeline's refresh mode to `resource` (only when no
 * pending package makes the run skip extraction). On failure the lock is not held. */
int cdlt_run_begin(cdlt_pipeline *p, const cdlt_resource_options *resource, cdlt_run_guard *g, cdlt_error *err);

/* rc: the run's result (its message in p->err). Marks the first load, writes
 * <working_dir>/trace.json (trace.c) and releases the lock. info may be NULL. Never fails the run:
 * a trace that cannot be written is skipped. */
void cdlt_run_end(cdlt_pipeline *p, cdlt_run_guard *g, const cdlt_run_stats *stats, int rc,
                  const cdlt_load_info *info);

#endif
