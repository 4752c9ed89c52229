/* load_info.h — building the load info object (DLT_CONTRACT §14) at the end of a run. */
#ifndef CDLT_PIPELINE_LOAD_INFO_H
#define CDLT_PIPELINE_LOAD_INFO_H

#include "pipeline/pipeline_internal.h"

/* NULL on allocation failure. The caller owns the result (cdlt_load_info_free). */
cdlt_load_info *cdlt_load_info_build(const cdlt_pipeline *p, const cdlt_run_stats *stats, double elapsed_s,
                                     bool pending_only);

/* dlt's humanize.precisedelta-like duration: "0.09 seconds", "1 minute and 2.50 seconds". */
void cdlt_format_duration(double seconds, char *out, size_t cap);

#endif
