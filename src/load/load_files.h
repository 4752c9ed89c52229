/* load_files.h — the load stage for destinations that write files (vtab writes_files: the filesystem
 * destination): one normalized package written as files, `_dlt_loads` file last. */
#ifndef CDLT_LOAD_LOAD_FILES_H
#define CDLT_LOAD_LOAD_FILES_H

#include "destinations/destination.h"
#include "package/package.h"
#include "pipeline/pipeline_internal.h"

/* Loads package load_id of p (stage normalized) into dest (a filesystem destination) and moves
 * it to load/loaded. A package whose `_dlt_loads` file exists is only finalized (exactly once). */
int cdlt_load_package_files(cdlt_pipeline *p, cdlt_destination *dest, const char *load_id, cdlt_error *err);

/* Finishes a loaded package (both load stages): moves every new and started job to
 * completed_jobs, commits the package's schema updates and moves it to load/loaded. pkg stays
 * owned by the caller. */
int cdlt_load_finalize_package(cdlt_package *pkg, cdlt_error *err);

#endif
