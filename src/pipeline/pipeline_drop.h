/* pipeline_drop.h — dropping resources of a pipeline (tables in the destination and the schema,
 * resource state), shared by `cdlt pipeline NAME drop` and the run's `refresh` modes (§13, §15). */
#ifndef CDLT_PIPELINE_PIPELINE_DROP_H
#define CDLT_PIPELINE_PIPELINE_DROP_H

#include <stdbool.h>

#include "pipeline/pipeline_internal.h"

typedef enum cdlt_drop_mode {
  CDLT_DROP_TABLES = 0,   /* drop the tables (destination + schema) and reset the resource state */
  CDLT_DROP_DATA,         /* truncate the tables, keep the schema, reset the resource state */
  CDLT_DROP_STATE_ONLY    /* only reset the resource state */
} cdlt_drop_mode;

/* Applies a drop of the resources matching sel (names or "re:<regex>") of the default schema.
 * load_package: also load the new state and schema version in a new load package now (the
 * `drop` command); otherwise the next extract of the run carries them (refresh), and a pipeline
 * or resource that does not exist yet is no error. The caller holds the lock. */
int cdlt_drop_resources(cdlt_pipeline *p, const char *const *sel, size_t nsel, cdlt_drop_mode mode,
                        bool load_package, cdlt_error *err);

/* The run's refresh (p->refresh) for the resource table of this run: drop_sources (every
 * table and the source state), drop_resources (this resource's tables and state) or drop_data
 * (truncate this resource's tables, reset its state). No-op without refresh. */
int cdlt_refresh_apply(cdlt_pipeline *p, const char *resource_table, cdlt_error *err);

#endif
