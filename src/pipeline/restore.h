/* restore.h — keeping the local pipeline in step with its destination (DLT_CONTRACT §7.4, §5.7,
 * §15): state and schema restore at the start of a run, the working-dir reset when the dataset
 * was dropped, dev_mode, and the `_local.first_run` flag. */
#ifndef CDLT_PIPELINE_RESTORE_H
#define CDLT_PIPELINE_RESTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/pipeline_internal.h"

typedef struct cdlt_restore_result {
  bool wiped;              /* the dataset is gone: the local working dir was reset */
  bool state_restored;     /* the destination's state replaced the local one */
  int64_t state_version;   /* its _state_version */
  int schemas_restored;    /* schema files written from _dlt_version */
} cdlt_restore_result;

/* dlt's sync_destination: reads the newest state of the pipeline in the destination; when it is
 * at least as new as the local one (by _state_version) and differs, adopts it (keeping _local and
 * the current dataset name) and downloads every schema it names; otherwise downloads only
 * schemas missing locally. When the dataset does not exist and the local pipeline loaded data
 * before (_local.first_run is false), the working dir is reset (pending packages included).
 * Destinations without query() are skipped. res may be NULL. The caller holds the lock. */
int cdlt_pipeline_restore(cdlt_pipeline *p, cdlt_restore_result *res, cdlt_error *err);

/* Deletes everything in the working dir except the lock file, then recreates the layout. */
int cdlt_pipeline_wipe_workdir(cdlt_pipeline *p, cdlt_error *err);

/* Records in state.json that a load completed (_local.first_run = false); no-op without state. */
int cdlt_pipeline_mark_loaded(cdlt_pipeline *p, cdlt_error *err);

/* dev_mode (§15): wipes the working dir and gives the dataset the suffix _YYYYMMDDhhmmss (local
 * time, 12-hour clock; no extra '_' after a trailing '_'). Called once when the pipeline opens. */
int cdlt_pipeline_dev_mode_apply(cdlt_pipeline *p, cdlt_error *err);

#endif
