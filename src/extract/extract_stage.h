/* extract_stage.h — the one extract stage (§5.2, §5.7) for every kind of item source: input
 * files (extract_files.c) and the C API's generator resources and transformers (src/api/).
 *
 * A plan names the resources of one source (each becomes a sink: its table hints applied to the
 * schema, its incremental cursor, its own typed-jsonl job) and the units that drive items into
 * those sinks. All resources of the plan go into ONE new load package, together with the
 * pipeline state row; the package is committed atomically.
 *
 * Threads: units run in plan order on the calling thread, except units marked parallel, which
 * run concurrently on a small worker pool (at most CDLT_EXTRACT_MAX_WORKERS threads). A sink is
 * used by exactly one unit; cdlt_extract_sink_* functions are safe to call from the unit that
 * drives the sink. Hints are applied and cursors committed in resource order, so the package
 * does not depend on scheduling. */
#ifndef CDLT_EXTRACT_EXTRACT_STAGE_H
#define CDLT_EXTRACT_EXTRACT_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "cdlt/cdlt.h"
#include "json/json.h"
#include "json/json_reader.h"
#include "extract/job_writer.h"
#include "util/error.h"

#define CDLT_EXTRACT_MAX_WORKERS 4

typedef struct cdlt_extract_sink cdlt_extract_sink;

typedef struct cdlt_extract_resource {
  cdlt_resource_options opts;   /* table_name is the resource name; strings borrowed for the run */
  bool wrap_scalars;            /* items that are not objects become {"value": x} (generators);
                                   false: they are refused (files) */
} cdlt_extract_resource;

/* Drives items into sinks (the plan's sinks, indexed as its resources) with
 * cdlt_extract_sink_push. Returns 0 or a negative status with err filled. */
typedef int (*cdlt_extract_drive_fn)(void *ctx, cdlt_extract_sink *const *sinks, cdlt_error *err);

typedef struct cdlt_extract_unit {
  cdlt_extract_drive_fn drive;
  void *ctx;
  bool parallel;
} cdlt_extract_unit;

typedef struct cdlt_extract_plan {
  const cdlt_extract_resource *resources;
  size_t nresources;
  const cdlt_extract_unit *units;
  size_t nunits;
  int64_t max_table_nesting;       /* source level (schema normalizers config); -1 = not set */
  const char *schema_contract_json;/* source level (schema settings); NULL = not set */
} cdlt_extract_plan;

/* Validates every resource's hints (CDLT_ERR_USAGE naming the hint) without touching anything. */
int cdlt_extract_plan_check(const cdlt_extract_plan *plan, cdlt_error *err);

/* Runs the plan into a new extracted package; load_id receives its id. */
int cdlt_extract_run(cdlt_pipeline *p, const cdlt_extract_plan *plan, char load_id[32], cdlt_error *err);

/* One item of the sink's resource: validated (objects only unless wrap_scalars; integers within
 * 64 bits), filtered by the incremental cursor, written unchanged. r names the origin in messages
 * (line/column). *kept (may be NULL) tells whether the item passed the cursor. item is not
 * retained. */
int cdlt_extract_sink_push(cdlt_extract_sink *s, cdlt_json_value *item, const cdlt_json_reader *r, bool *kept,
                           cdlt_error *err);

/* Whether the per-item work of cdlt_extract_sink_push does not depend on the items before it (no
 * incremental cursor, no wrapping of scalars): then the items may be checked with
 * cdlt_extract_sink_check on several threads at once and written into extra jobs of the sink
 * (extract_parallel.c). */
bool cdlt_extract_sink_order_free(const cdlt_extract_sink *s);
/* The checks of cdlt_extract_sink_push alone (an object; integers within 64 bits), with its exact
 * messages; for an order-free sink. Thread-safe (reads only the sink). */
int cdlt_extract_sink_check(const cdlt_extract_sink *s, const cdlt_json_value *item, const cdlt_json_reader *r,
                            cdlt_error *err);
/* Opens an extra typed-jsonl job of the sink's table in the package being extracted, with the given
 * file id (CDLT_JOB_FILE_ID_LEN chars); w is the caller's (closed or discarded by it). Thread-safe. */
int cdlt_extract_sink_open_job(const cdlt_extract_sink *s, cdlt_job_writer *w, const char *file_id, cdlt_error *err);
/* Counts n items written into closed extra jobs: when the sink's own job then holds no item, it is
 * dropped at the end of the stage. Called by the thread that drives the sink. */
void cdlt_extract_sink_add_items(cdlt_extract_sink *s, uint64_t n);

/* The resource name as given. Owned by the sink. */
const char *cdlt_extract_sink_name(const cdlt_extract_sink *s);
/* The incremental cursor of the resource as compact JSON, owned by the sink: the start value
 * (the last_value stored by the previous run, else initial_value) and end_value. NULL when the
 * resource has no incremental hint or the value is not set. */
const char *cdlt_extract_sink_incremental_start(const cdlt_extract_sink *s);
const char *cdlt_extract_sink_incremental_end(const cdlt_extract_sink *s);
/* The resource state (sources.<schema>.resources.<resource>) without the cursor's "incremental"
 * key, as compact JSON ("{}" when none), malloc'd for the caller. */
int cdlt_extract_sink_get_state(cdlt_extract_sink *s, char **json, cdlt_error *err);
/* Replaces the resource state (json: an object; the "incremental" key is kept). */
int cdlt_extract_sink_set_state(cdlt_extract_sink *s, const char *json, size_t len, cdlt_error *err);

#endif
