/* trace.h — the trace of the last run (DLT_CONTRACT §14): <working_dir>/trace.json, written at the
 * end of every run (dlt keeps a pickle, trace.pickle, which is not part of the interchange
 * contract), and its dlt-style text for `cdlt pipeline NAME trace`. */
#ifndef CDLT_PIPELINE_TRACE_H
#define CDLT_PIPELINE_TRACE_H

#include <stdint.h>

#include "pipeline/pipeline_internal.h"
#include "util/buf.h"

/* Writes trace.json: {"transaction_id", "pipeline_name", "started_at", "finished_at", "status"
 * ("COMPLETED"|"FAILED"), "error", "load_ids", "tables": {table: rows}, "load_info",
 * "engine_version": 1}. Errors are ignored (the trace is informational). */
void cdlt_trace_write(const cdlt_pipeline *p, int64_t started_us, int64_t finished_us,
                      const cdlt_run_stats *stats, int rc, const char *error, const cdlt_load_info *info);

/* Appends the text of the trace in `path` (a trace.json) to out:
 *   Run started at <ts> and COMPLETED in 0.22 seconds with 1 steps.
 *   Step run COMPLETED in 0.22 seconds.
 *   Normalized data for the following tables: ... <load info>
 * CDLT_ERR_NOT_FOUND when there is no trace. */
int cdlt_trace_format(const char *path, cdlt_buf *out, cdlt_error *err);

#endif
