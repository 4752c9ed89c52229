/* job_writer.h — writes one typed-jsonl job file of a load package being extracted: items as
 * JSON arrays, at most 5000 items per line (dlt's data_writer.buffer_max_items), fsync'd on
 * close. One writer is used by one thread at a time.
 *
 * Ownership: a cdlt_job_writer is embedded by the caller; _open fills it, _close frees what it
 * holds (also after a failed _open). */
#ifndef CDLT_EXTRACT_JOB_WRITER_H
#define CDLT_EXTRACT_JOB_WRITER_H

#include <stdint.h>
#include <stdio.h>

#include "json/json.h"
#include "package/package.h"
#include "util/buf.h"
#include "util/error.h"

typedef struct cdlt_job_writer {
  FILE *f;
  char *path;        /* the job file, malloc'd */
  size_t in_line;    /* items on the current line */
  uint64_t items;    /* items written in total */
  uint64_t written;  /* bytes handed to f */
  uint64_t wb_from;  /* writeback started up to here (cdlt_fs_writeback) */
  cdlt_buf buf;
} cdlt_job_writer;

/* Creates a new job file <table>.<file id>.0.typed-jsonl in the package's new_jobs. */
int cdlt_job_writer_open(cdlt_job_writer *w, const cdlt_package *pkg, const char *table, cdlt_error *err);
/* The same with a given file id (CDLT_JOB_FILE_ID_LEN lowercase hex chars): extra jobs whose names
 * sort in the order of their items (extract_parallel.c). */
int cdlt_job_writer_open_id(cdlt_job_writer *w, const cdlt_package *pkg, const char *table, const char *file_id,
                            cdlt_error *err);
/* Appends one item (written compact, unchanged). */
int cdlt_job_writer_item(cdlt_job_writer *w, const cdlt_json_value *item, cdlt_error *err);
/* Declares `text` (len bytes) to be exactly what cdlt_json_write(item, 0) would append — the
 * reader's own bytes of the item (cdlt_json_reader_item_raw). While declared, on this thread,
 * cdlt_job_writer_item(w, item) copies text instead of serializing item (same bytes, less work);
 * any other item is serialized as usual. item NULL clears it; the caller clears it before text
 * or item go away. text is borrowed. */
void cdlt_job_writer_set_verbatim(const cdlt_json_value *item, const char *text, size_t len);
/* Flushes, fsyncs and closes; err may be NULL (then errors are ignored, e.g. on abort). */
int cdlt_job_writer_close(cdlt_job_writer *w, cdlt_error *err);
/* Closes and deletes the file (a job with nothing to load). */
int cdlt_job_writer_discard(cdlt_job_writer *w, cdlt_error *err);

#endif
