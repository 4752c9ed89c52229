/* job_sink.h — the normalize stage's row sink: one jsonl loader job file per table in the new_jobs
 * folder of the package being normalized (`<table>.<file_id>.0.jsonl`), fsync'd on close.
 *
 * The file id is random per table, or — for the chunks of a parallel normalize — one fixed id per
 * sink, chosen so that sorting job names gives the chunk order (normalize_parallel.c).
 *
 * Ownership: a cdlt_job_sink is embedded by the caller: _init, then _close (keeps the files) or
 * _discard (deletes them); both free everything. One sink is used by one thread at a time. */
#ifndef CDLT_NORMALIZE_JOB_SINK_H
#define CDLT_NORMALIZE_JOB_SINK_H

#include <stdint.h>
#include <stdio.h>

#include "normalize/normalize.h"
#include "package/job_file.h"
#include "package/package.h"
#include "util/strmap.h"

typedef struct cdlt_job_sink_file {
  FILE *f;
  char *path;
  uint64_t written;   /* bytes handed to f */
  uint64_t wb_from;   /* writeback started up to here (cdlt_fs_writeback) */
} cdlt_job_sink_file;

typedef struct cdlt_job_sink {
  const cdlt_package *pkg;                  /* borrowed */
  char file_id[CDLT_JOB_FILE_ID_LEN + 1];   /* "" = a random id per table */
  cdlt_strmap by_table;                     /* table name -> cdlt_job_sink_file* */
  cdlt_job_sink_file **files;
  size_t nfiles;
  bool synced;                              /* nothing written since the last _sync */
} cdlt_job_sink;

/* file_id NULL = random ids. */
void cdlt_job_sink_init(cdlt_job_sink *s, const cdlt_package *pkg, const char *file_id);
/* The open job file of `table`, created on first use (an empty file is a job too: replace). */
cdlt_job_sink_file *cdlt_job_sink_file_for(cdlt_job_sink *s, const char *table, cdlt_error *err);
/* A cdlt_row_sink writing into s (s must outlive it). */
cdlt_row_sink cdlt_job_sink_rows(cdlt_job_sink *s);
/* Flushes and fsyncs every file, leaving them open (a worker's files, closed or discarded later). */
int cdlt_job_sink_sync(cdlt_job_sink *s, cdlt_error *err);
/* Flushes, fsyncs (unless synced since the last row) and closes every file; err may be NULL (abort:
 * errors ignored). */
int cdlt_job_sink_close(cdlt_job_sink *s, cdlt_error *err);
/* Closes and deletes every file written so far. */
int cdlt_job_sink_discard(cdlt_job_sink *s, cdlt_error *err);

#endif
