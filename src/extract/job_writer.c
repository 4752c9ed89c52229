/* job_writer.c — typed-jsonl job files of the extract stage (see job_writer.h). */
#include "extract/job_writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "package/job_file.h"
#include "util/faultpoint.h"
#include "util/fs.h"

#define ITEMS_PER_LINE 5000   /* data_writer.buffer_max_items */

int cdlt_job_writer_open(cdlt_job_writer *w, const cdlt_package *pkg, const char *table, cdlt_error *err) {
  char fid[CDLT_JOB_FILE_ID_LEN + 1];
  int rc = cdlt_job_new_file_id(fid, err);
  if (rc) {
    memset(w, 0, sizeof *w);
    cdlt_buf_init(&w->buf);
    return rc;
  }
  return cdlt_job_writer_open_id(w, pkg, table, fid, err);
}

int cdlt_job_writer_open_id(cdlt_job_writer *w, const cdlt_package *pkg, const char *table, const char *file_id,
                            cdlt_error *err) {
  memset(w, 0, sizeof *w);
  cdlt_buf_init(&w->buf);
  char *name = cdlt_job_file_name(table, file_id, 0, "typed-jsonl", false);
  if (!name) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  w->path = cdlt_package_job_path(pkg, CDLT_JOB_NEW, name);
  free(name);
  if (!w->path) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  w->f = fopen(w->path, "wb");
  if (!w->f) return cdlt_error_errno(err, errno, "cannot create job file '%s'", w->path);
  return 0;
}

/* writes buf out; every CDLT_FS_WRITEBACK_BYTES the kernel starts writing it to disk */
static int write_buf(cdlt_job_writer *w, cdlt_error *err) {
  if (w->buf.len && fwrite(w->buf.data, 1, w->buf.len, w->f) != w->buf.len)
    return cdlt_error_errno(err, errno, "cannot write job file '%s'", w->path);
  w->written += w->buf.len;
  cdlt_buf_reset(&w->buf);
  if (w->written - w->wb_from >= CDLT_FS_WRITEBACK_BYTES && fflush(w->f) == 0)
    cdlt_fs_writeback(fileno(w->f), &w->wb_from, w->written);
  return 0;
}

static int writer_flush(cdlt_job_writer *w, cdlt_error *err) {
  if (w->in_line) {
    if (cdlt_buf_append(&w->buf, "]\n", 2)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    w->in_line = 0;
  }
  return write_buf(w, err);
}

/* the item whose compact text is known (cdlt_job_writer_set_verbatim), per thread */
static _Thread_local struct {
  const cdlt_json_value *item;
  const char *text;
  size_t len;
} verbatim;

void cdlt_job_writer_set_verbatim(const cdlt_json_value *item, const char *text, size_t len) {
  verbatim.item = item;
  verbatim.text = item ? text : NULL;
  verbatim.len = item ? len : 0;
}

int cdlt_job_writer_item(cdlt_job_writer *w, const cdlt_json_value *item, cdlt_error *err) {
  int rc = cdlt_buf_putc(&w->buf, w->in_line ? ',' : '[');
  if (!rc) rc = item == verbatim.item ? cdlt_buf_append(&w->buf, verbatim.text, verbatim.len) : cdlt_json_write(&w->buf, item, 0);
  if (rc) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  w->items++;
  if (++w->in_line == ITEMS_PER_LINE || w->buf.len > (1u << 20)) {
    if (w->in_line == ITEMS_PER_LINE) return writer_flush(w, err);
    return write_buf(w, err);
  }
  return 0;
}

int cdlt_job_writer_close(cdlt_job_writer *w, cdlt_error *err) {
  int rc = w->f ? writer_flush(w, err) : 0;
  if (w->f) {
    if (!rc && (fflush(w->f) || fsync(fileno(w->f)) || (errno = cdlt_fault_errno("job.fsync")) != 0))
      rc = cdlt_error_errno(err, errno, "cannot write job file '%s'", w->path);
    fclose(w->f);
  }
  free(w->path);
  cdlt_buf_release(&w->buf);
  memset(w, 0, sizeof *w);
  return rc;
}

int cdlt_job_writer_discard(cdlt_job_writer *w, cdlt_error *err) {
  char *path = w->path;
  w->path = NULL;
  if (w->f) fclose(w->f);
  w->f = NULL;
  cdlt_buf_release(&w->buf);
  int rc = path ? cdlt_fs_unlink(path, err) : 0;
  free(path);
  memset(w, 0, sizeof *w);
  return rc;
}
