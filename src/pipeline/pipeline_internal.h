/* pipeline_internal.h — the pipeline handle and the stage functions that work on it.
 * Not part of the public API: the stages (extract/, normalize/, load/) and pipeline/ share it. */
#ifndef CDLT_PIPELINE_PIPELINE_INTERNAL_H
#define CDLT_PIPELINE_PIPELINE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cdlt/cdlt.h"
#include "destinations/destination.h"
#include "json/json_reader.h"
#include "package/workdir.h"
#include "schema/schema.h"
#include "util/error.h"

struct cdlt_pipeline {
  char *name;
  char *dataset;
  char *destination_name;
  char *credentials;          /* resolved: duckdb database path */
  char *schema_name;          /* default schema: pipeline name minus "_pipeline", snake_case */
  char *naming;               /* naming convention for new schemas ("snake_case") */
  char *replace_strategy;     /* "truncate-and-insert" (default), "insert-from-staging", "staging-optimized" */
  bool dev_mode;
  char *refresh;              /* NULL or drop_sources / drop_resources / drop_data */
  bool skip_restore;          /* do not restore state/schema from the destination */
  char *detections;           /* NULL or the settings.detections to set (comma-separated) */
  char *import_schema_path;   /* NULL, a schema file or a folder (dlt's import_schema_path) */
  char *location;             /* masked destination location for load info, set when it opens */
  cdlt_json_limits json_limits; /* the reader's limits for input (0 fields = defaults) */
  unsigned normalize_workers;   /* [normalize] workers: threads of the normalize stage (default: online cores) */
  uint64_t normalize_parallel_min_bytes; /* [normalize] parallel_min_bytes: smaller packages stay sequential */
  uint64_t normalize_chunk_bytes; /* [normalize] chunk_bytes: input bytes per parallel chunk (0 = 16 MiB) */
  bool load_overlap;            /* [load] overlap: load chunks while normalize runs (load/load_early.h) */
  char *export_schema_path;   /* NULL or a folder for <schema>.schema.yaml */
  const cdlt_destination_vtab *dest_vt;
  cdlt_workdir wd;
  cdlt_error err;
  /* the extracted copy of the last normalized package, being removed on a background thread;
   * every API call that normalizes waits for it (cdlt_pipeline_removal_wait) before returning */
  struct cdlt_bg_remove *removing;
};

enum { CDLT_STEP_EXTRACT, CDLT_STEP_NORMALIZE, CDLT_STEP_LOAD, CDLT_RUN_STEPS };

/* Per-run accumulation of what happened, turned into cdlt_load_info at the end. */
typedef struct cdlt_run_stats {
  char **load_ids;
  size_t nload_ids;
  char **tables;
  uint64_t *rows;
  size_t ntables;
  uint64_t discarded_rows, discarded_values;   /* by discard_row / discard_value contracts */
  /* schema changes of this run: columns that became complete (new tables included) */
  char **change_tables, **change_columns, **change_types;
  size_t nchanges;
  /* the package whose load failed (its jobs were rolled back as a whole) and why */
  char *failed_load_id, *failed_message;
  /* the run's steps as dlt's trace records them: when each stage started and finished (µs since
   * the epoch; 0 = the step did not run) */
  int64_t step_started_us[CDLT_RUN_STEPS], step_finished_us[CDLT_RUN_STEPS];
} cdlt_run_stats;

int cdlt_run_stats_add_change(cdlt_run_stats *st, const char *table, const char *column, const char *data_type);

void cdlt_run_stats_release(cdlt_run_stats *st);
int cdlt_run_stats_add_load_id(cdlt_run_stats *st, const char *load_id);
int cdlt_run_stats_add_rows(cdlt_run_stats *st, const char *table, uint64_t rows);

/* Path of the live schema file: <workdir>/schemas/<schema_name>.schema.json (malloc'd). */
char *cdlt_pipeline_schema_path(const cdlt_pipeline *p);
/* schema_files.c: dlt's import_schema_path / export_schema_path. Import replaces *live (freed)
 * with the imported schema when the file's hash differs from live's imported_version_hash;
 * export writes <export dir>/<schema>.schema.yaml (defaults removed). */
int cdlt_pipeline_import_schema(const cdlt_pipeline *p, cdlt_schema **live, cdlt_error *err);
int cdlt_pipeline_export_schema(const cdlt_pipeline *p, cdlt_error *err);
/* Loads the live schema, or makes a new default one when there is none. */
int cdlt_pipeline_load_schema(const cdlt_pipeline *p, cdlt_schema **out, cdlt_error *err);

/* extract/extract_files.c: items of JSON files into a new extracted package. Returns its load id. */
int cdlt_extract_files(cdlt_pipeline *p, const char *const *paths, size_t npaths,
                       const cdlt_resource_options *resource, char load_id[32], cdlt_error *err);

/* normalize/normalize_stage.c: one extracted package into a normalized package. */
int cdlt_normalize_package(cdlt_pipeline *p, const char *load_id, cdlt_run_stats *stats, cdlt_error *err);

/* load/load_stage.c: one normalized package into the destination, in one transaction. */
int cdlt_load_package(cdlt_pipeline *p, cdlt_destination *dest, const char *load_id, cdlt_error *err);

/* Removes `aside` (taken; an extracted copy, cdlt_package_normalize_commit_aside) on a
 * background thread, after waiting for the previous removal. 0 or that previous removal's error. */
int cdlt_pipeline_remove_later(cdlt_pipeline *p, char *aside, cdlt_error *err);
/* Waits for the background removal, if one runs, and returns the caller's result rc, or when rc
 * is 0 the removal's error (in err; the package it belonged to was committed: the message says
 * what remains). */
int cdlt_pipeline_removal_wait(cdlt_pipeline *p, int rc, cdlt_error *err);

/* Opens the pipeline's destination. */
int cdlt_pipeline_open_destination(cdlt_pipeline *p, cdlt_destination **out, cdlt_error *err);

#endif
