/* package.h — load package storage (contract §5.2, §5.3, §5.7).
 *
 * A load package is a folder named by its load id that moves through the working directory:
 *
 *   extract     normalize/<8 hex>/<load_id>/  --commit-->  normalize/extracted/<load_id>/
 *   normalize   load/new/<load_id>/           --commit-->  load/normalized/<load_id>/  (+ extracted deleted)
 *   load        load/normalized/<load_id>/    --complete-> load/loaded/<load_id>/
 *
 * Layout of every package (same in every stage):
 *   new_jobs/ started_jobs/ completed_jobs/ failed_jobs/ .pending_transitions/
 *   schema.json  load_package_state.json  schema_updates.json | applied_schema_updates.json
 *   package_completed.json  failed_jobs/<job file>.exception
 *
 * Every transition is one rename(2) (made durable with directory fsyncs) and every package file is
 * written atomically, so a crash leaves the directory in a state that cdlt_package_recover finishes
 * or rolls back (docs/internals/PACKAGES.md lists the rules).
 *
 * Errors name the package: "cannot commit load package '<load_id>': <reason>".
 * Not thread-safe: one process (holding the pipeline lock) owns a working directory. */
#ifndef CDLT_PACKAGE_PACKAGE_H
#define CDLT_PACKAGE_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "package/job_file.h"
#include "package/workdir.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

/* file names inside a package */
#define CDLT_PACKAGE_SCHEMA_FILE "schema.json"
#define CDLT_PACKAGE_STATE_FILE "load_package_state.json"
#define CDLT_PACKAGE_SCHEMA_UPDATES_FILE "schema_updates.json"
#define CDLT_PACKAGE_APPLIED_SCHEMA_UPDATES_FILE "applied_schema_updates.json"
#define CDLT_PACKAGE_COMPLETED_FILE "package_completed.json"
#define CDLT_PACKAGE_CANCELLED_FILE "_cancelled"
#define CDLT_PACKAGE_PENDING_DIR ".pending_transitions"
/* <workdir>/.cdlt-removing/<id>: extracted copies of normalized packages, being removed */
#define CDLT_PACKAGE_REMOVING_DIR ".cdlt-removing"
#define CDLT_PACKAGE_EXCEPTION_SUFFIX ".exception"

typedef enum cdlt_package_stage {
  CDLT_STAGE_EXTRACTING = 0,  /* normalize/<8 hex>/<load_id>: being built by extract */
  CDLT_STAGE_EXTRACTED,       /* normalize/extracted/<load_id> */
  CDLT_STAGE_NORMALIZING,     /* load/new/<load_id>: being built by normalize */
  CDLT_STAGE_NORMALIZED,      /* load/normalized/<load_id>: ready to load / partially loaded */
  CDLT_STAGE_LOADED           /* load/loaded/<load_id>: completed (loaded or aborted) */
} cdlt_package_stage;

typedef enum cdlt_job_state {
  CDLT_JOB_NEW = 0,    /* new_jobs */
  CDLT_JOB_STARTED,    /* started_jobs */
  CDLT_JOB_COMPLETED,  /* completed_jobs */
  CDLT_JOB_FAILED      /* failed_jobs */
} cdlt_job_state;

/* Folder of a stage relative to the working dir ("load/normalized"); static. NULL for
 * CDLT_STAGE_EXTRACTING (its folder is random). */
const char *cdlt_package_stage_dir(cdlt_package_stage stage);
/* Lowercase stage name ("extracting", "extracted", "normalizing", "normalized", "loaded"); static. */
const char *cdlt_package_stage_name(cdlt_package_stage stage);
/* Job folder name ("new_jobs", "started_jobs", "completed_jobs", "failed_jobs"); static. */
const char *cdlt_job_state_dir(cdlt_job_state state);

/* An open package. Every string is malloc'd and owned by the struct; close with
 * cdlt_package_close. The struct is updated in place by _commit / _complete. */
typedef struct cdlt_package {
  char *workdir;        /* working dir path */
  char *load_id;
  char *path;           /* current folder of the package */
  char *temp_dir;       /* CDLT_STAGE_EXTRACTING only: normalize/<8 hex>; else NULL */
  cdlt_package_stage stage;
} cdlt_package;

/* Frees pkg's strings (the folder is untouched). Accepts a zeroed / failed / closed pkg. */
void cdlt_package_close(cdlt_package *pkg);

/* Opens an existing package (not EXTRACTING). CDLT_ERR_NOT_FOUND when absent. */
int cdlt_package_open(const cdlt_workdir *wd, cdlt_package_stage stage, const char *load_id,
                      cdlt_package *pkg, cdlt_error *err);
/* Load ids of the packages of a stage (not EXTRACTING) in lexicographic order (the order in which
 * they are processed, §5.1). Only folders count; names starting with '.' are skipped. out must be
 * initialised (cdlt_fs_names_init); names are appended, then the whole list is sorted. */
int cdlt_package_list(const cdlt_workdir *wd, cdlt_package_stage stage, cdlt_fs_names *out,
                      cdlt_error *err);

/* True when the working dir holds an extracted or normalized package not yet loaded (a run then
 * finishes those first, §5.7). Listing errors count as none. */
bool cdlt_package_any_pending(const cdlt_workdir *wd);
/* true when a package of that stage exists. */
bool cdlt_package_exists(const cdlt_workdir *wd, cdlt_package_stage stage, const char *load_id);
/* Removes the package folder (and for EXTRACTING its temp parent); pkg stays open but is gone on disk. */
int cdlt_package_delete(cdlt_package *pkg, cdlt_error *err);

/* --- extract --------------------------------------------------------------------------------- */
/* Creates normalize/<8 random hex>/<load_id>/ with the package layout; pkg is EXTRACTING.
 * CDLT_ERR_USAGE for an invalid load id (empty, '/', leading '.'). */
int cdlt_package_extract_begin(const cdlt_workdir *wd, const char *load_id, cdlt_package *pkg,
                               cdlt_error *err);
/* Renames the package to normalize/extracted/<load_id>/ and removes the temp folder; pkg becomes
 * EXTRACTED. Fails (package left where it was) if that extracted package already exists. */
int cdlt_package_extract_commit(cdlt_package *pkg, cdlt_error *err);
/* Deletes the temp folder with the package. The caller still closes pkg. */
int cdlt_package_extract_abort(cdlt_package *pkg, cdlt_error *err);
/* Removes every abandoned extract temp folder normalize/<8 hex>/ (and stray temp files there).
 * Must not run while this process has an extract open. *removed (may be NULL) += count. */
int cdlt_package_cleanup_extract_temp(const cdlt_workdir *wd, size_t *removed, cdlt_error *err);

/* --- normalize ------------------------------------------------------------------------------- */
/* Creates load/new/<load_id>/ with the package layout; pkg is NORMALIZING. Fails when that folder
 * already exists (a crashed normalization: call cdlt_package_discard_new or cdlt_package_recover). */
int cdlt_package_normalize_begin(const cdlt_workdir *wd, const char *load_id, cdlt_package *pkg,
                                 cdlt_error *err);
/* Renames load/new/<id> to load/normalized/<id> (pkg becomes NORMALIZED), then deletes
 * normalize/extracted/<id>. Fails (nothing moved) if the normalized package already exists. */
int cdlt_package_normalize_commit(cdlt_package *pkg, cdlt_error *err);
/* The commit without the delete: normalize/extracted/<id> is moved (renamed) to
 * <workdir>/.cdlt-removing/<id>, whose path *aside gets (malloc'd, the caller's; NULL on error)
 * for the caller to remove, e.g. on another thread (util/bg_remove.h). dlt does not look in
 * that folder; cdlt_package_recover removes what a crash left there. */
int cdlt_package_normalize_commit_aside(cdlt_package *pkg, char **aside, cdlt_error *err);
/* Deletes load/new/<id>. The caller still closes pkg. */
int cdlt_package_normalize_abort(cdlt_package *pkg, cdlt_error *err);
/* Deletes a stale load/new/<load_id> left by a crashed normalization (absent = success). */
int cdlt_package_discard_new(const cdlt_workdir *wd, const char *load_id, cdlt_error *err);

/* --- package files (name = one of the CDLT_PACKAGE_*_FILE names) ------------------------------ */
/* "<pkg->path>/<name>", malloc'd (caller frees); NULL on allocation failure. */
char *cdlt_package_file_path(const cdlt_package *pkg, const char *name);
bool cdlt_package_has_file(const cdlt_package *pkg, const char *name);
/* Appends the raw content to out. CDLT_ERR_NOT_FOUND when absent. */
int cdlt_package_read_file(const cdlt_package *pkg, const char *name, cdlt_buf *out, cdlt_error *err);
/* Writes the raw content atomically (temp file in the package folder, mode 0644). */
int cdlt_package_write_file(const cdlt_package *pkg, const char *name, const void *data, size_t len,
                            cdlt_error *err);
/* Removes a file (absent = success). */
int cdlt_package_remove_file(const cdlt_package *pkg, const char *name, cdlt_error *err);
/* Copies file `name` of src into dst (atomically), e.g. schema.json from extracted to new. */
int cdlt_package_copy_file(const cdlt_package *src, const cdlt_package *dst, const char *name,
                           cdlt_error *err);
/* After the destination was migrated: writes applied_schema_updates.json (the applied update), then
 * removes schema_updates.json. A crash in between leaves both: cdlt_package_recover removes
 * schema_updates.json, so the migration is not repeated. */
int cdlt_package_commit_schema_updates(const cdlt_package *pkg, const void *applied, size_t len,
                                       cdlt_error *err);

/* --- jobs (file_name = a bare job file name, §5.4) ------------------------------------------- */
/* "<pkg->path>/<state dir>/<file_name>", malloc'd (caller frees); NULL on allocation failure. */
char *cdlt_package_job_path(const cdlt_package *pkg, cdlt_job_state state, const char *file_name);
/* Job file names in one state folder, sorted; failed_jobs/<f>.exception files are not jobs and are
 * skipped. out must be initialised; names are appended, then the whole list is sorted. */
int cdlt_package_list_jobs(const cdlt_package *pkg, cdlt_job_state state, cdlt_fs_names *out,
                           cdlt_error *err);
/* new_jobs/<f> -> started_jobs/<f>. CDLT_ERR_NOT_FOUND when not in new_jobs. */
int cdlt_package_start_job(const cdlt_package *pkg, const char *file_name, cdlt_error *err);
/* Terminal success of a started job: marker .pending_transitions/<f> {"state": "completed", ...},
 * started_jobs/<f> -> completed_jobs/<f>, marker removed. */
int cdlt_package_complete_job(const cdlt_package *pkg, const char *file_name, cdlt_error *err);
/* Terminal failure of a started job: marker {"state": "failed", "failed_message": message},
 * failed_jobs/<f>.exception = message, started_jobs/<f> -> failed_jobs/<f>, marker removed. */
int cdlt_package_fail_job(const cdlt_package *pkg, const char *file_name, const char *message,
                          cdlt_error *err);
/* Retryable failure: started_jobs/<f> -> new_jobs/<f with retry count + 1> (one rename).
 * *new_file_name (may be NULL) receives the new name, malloc'd (caller frees). */
int cdlt_package_retry_job(const cdlt_package *pkg, const char *file_name, char **new_file_name,
                           cdlt_error *err);
/* Appends failed_jobs/<f>.exception to out. CDLT_ERR_NOT_FOUND when absent. */
int cdlt_package_read_job_exception(const cdlt_package *pkg, const char *file_name, cdlt_buf *out,
                                    cdlt_error *err);
/* true when .pending_transitions/<f> exists (the job reached a terminal state; do not re-run it). */
bool cdlt_package_job_has_pending_transition(const cdlt_package *pkg, const char *file_name);
/* Finalizes every job with a pending-transition marker (moves it to completed_jobs / failed_jobs
 * as the marker says, writes the .exception, removes the marker). Started jobs without a marker
 * stay in started_jobs: the loader re-runs them. *finalized (may be NULL) += count. */
int cdlt_package_recover_jobs(const cdlt_package *pkg, size_t *finalized, cdlt_error *err);

/* --- completion ------------------------------------------------------------------------------ */
/* Writes package_completed.json ("loaded", or "aborted" when aborted) and renames
 * load/normalized/<id> to load/loaded/<id>; pkg becomes LOADED. pkg must be NORMALIZED. */
int cdlt_package_complete(cdlt_package *pkg, bool aborted, cdlt_error *err);
/* Removes every file in completed_jobs/ (load.delete_completed_jobs=true). */
int cdlt_package_delete_completed_jobs(const cdlt_package *pkg, cdlt_error *err);

/* --- recovery -------------------------------------------------------------------------------- */
typedef struct cdlt_package_recovery {
  size_t extract_temp_removed;   /* abandoned normalize/<8 hex>/ folders */
  size_t new_discarded;          /* load/new/<id> of crashed normalizations */
  size_t extracted_removed;      /* extracted packages already normalized */
  size_t jobs_finalized;         /* started jobs finalized from a pending-transition marker */
  size_t packages_completed;     /* normalized packages with package_completed.json moved to loaded */
  size_t schema_updates_removed; /* schema_updates.json next to applied_schema_updates.json */
  size_t aside_removed;          /* <workdir>/.cdlt-removing folders (extracted copies set aside) */
} cdlt_package_recovery;

/* Brings the working dir back to a consistent state after a crash (idempotent; call before
 * extract/normalize/load, holding the pipeline lock):
 *   - removes abandoned extract temp folders, and <workdir>/.cdlt-removing;
 *   - deletes every load/new/<id> (an unfinished normalization; re-run from the extracted package);
 *   - deletes normalize/extracted/<id> when load/normalized/<id> exists;
 *   - per normalized package: removes stray temp files, removes schema_updates.json when
 *     applied_schema_updates.json exists, finalizes jobs with pending-transition markers, and
 *     moves the package to load/loaded when package_completed.json exists.
 * stats (may be NULL) is zeroed, then counts what was done. */
int cdlt_package_recover(const cdlt_workdir *wd, cdlt_package_recovery *stats, cdlt_error *err);

#endif
