/* job_sink.c — the normalize stage's per-table loader job files (see job_sink.h). */
#include "normalize/job_sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/faultpoint.h"
#include "util/fs.h"

void cdlt_job_sink_init(cdlt_job_sink *s, const cdlt_package *pkg, const char *file_id) {
  memset(s, 0, sizeof *s);
  s->pkg = pkg;
  s->synced = true;   /* no files yet */
  if (file_id) snprintf(s->file_id, sizeof s->file_id, "%s", file_id);
  cdlt_strmap_init(&s->by_table);
}

cdlt_job_sink_file *cdlt_job_sink_file_for(cdlt_job_sink *s, const char *table, cdlt_error *err) {
  cdlt_job_sink_file *w = cdlt_strmap_get(&s->by_table, table, strlen(table));
  if (w) return w;
  w = calloc(1, sizeof *w);
  cdlt_job_sink_file **nl = realloc(s->files, (s->nfiles + 1) * sizeof *nl);
  if (nl) s->files = nl;
  if (!w || !nl) { free(w); cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); return NULL; }
  s->files[s->nfiles++] = w;
  char fid[CDLT_JOB_FILE_ID_LEN + 1];
  if (s->file_id[0]) memcpy(fid, s->file_id, sizeof fid);
  else if (cdlt_job_new_file_id(fid, err)) return NULL;
  char *name = cdlt_job_file_name(table, fid, 0, "jsonl", false);
  w->path = name ? cdlt_package_job_path(s->pkg, CDLT_JOB_NEW, name) : NULL;
  free(name);
  if (!w->path) { cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); return NULL; }
  w->f = fopen(w->path, "wb");
  if (!w->f) { cdlt_error_errno(err, errno, "cannot create job file '%s'", w->path); return NULL; }
  setvbuf(w->f, NULL, _IOFBF, 1 << 20);
  s->synced = false;
  if (cdlt_strmap_put(&s->by_table, table, strlen(table), w)) { cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); return NULL; }
  return w;
}

static int write_row(void *ctx, cdlt_table *table, const char *row, size_t len, cdlt_error *err) {
  cdlt_job_sink *s = ctx;
  s->synced = false;
  cdlt_job_sink_file *w = cdlt_job_sink_file_for(s, table->name, err);
  if (!w) return err && err->code ? err->code : CDLT_ERR_NOMEM;
  if (fwrite(row, 1, len, w->f) != len || fputc('\n', w->f) == EOF)
    return cdlt_error_errno(err, errno, "cannot write job file '%s'", w->path);
  w->written += len + 1;
  if (w->written - w->wb_from >= CDLT_FS_WRITEBACK_BYTES && fflush(w->f) == 0)   /* the fsync finds less to do */
    cdlt_fs_writeback(fileno(w->f), &w->wb_from, w->written);
  return 0;
}

cdlt_row_sink cdlt_job_sink_rows(cdlt_job_sink *s) {
  cdlt_row_sink rs = {s, write_row};
  return rs;
}

static int sync_file(cdlt_job_sink_file *w, cdlt_error *err) {
  if (fflush(w->f) || fsync(fileno(w->f)) || (errno = cdlt_fault_errno("job.fsync")) != 0)
    return cdlt_error_errno(err, errno, "cannot write job file '%s'", w->path);
  return 0;
}

int cdlt_job_sink_sync(cdlt_job_sink *s, cdlt_error *err) {
  for (size_t k = 0; k < s->nfiles; k++) {
    int rc = s->files[k]->f ? sync_file(s->files[k], err) : 0;
    if (rc) return rc;
  }
  s->synced = true;
  return 0;
}

static int finish(cdlt_job_sink *s, bool keep, cdlt_error *err) {
  int rc = 0;
  for (size_t k = 0; k < s->nfiles; k++) {
    cdlt_job_sink_file *w = s->files[k];
    if (w->f) {
      if (keep && !s->synced && !rc && (fflush(w->f) || fsync(fileno(w->f)) || (errno = cdlt_fault_errno("job.fsync")) != 0))
        rc = cdlt_error_errno(err, errno, "cannot write job file '%s'", w->path);
      fclose(w->f);
    }
    if (!keep && w->path && unlink(w->path) && errno != ENOENT && !rc)
      rc = cdlt_error_errno(err, errno, "cannot remove job file '%s'", w->path);
    free(w->path);
    free(w);
  }
  free(s->files);
  s->files = NULL;
  s->nfiles = 0;
  s->synced = false;
  cdlt_strmap_release(&s->by_table);
  return rc;
}

int cdlt_job_sink_close(cdlt_job_sink *s, cdlt_error *err) { return finish(s, true, err); }
int cdlt_job_sink_discard(cdlt_job_sink *s, cdlt_error *err) { return finish(s, false, err); }
