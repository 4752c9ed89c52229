/* normalize_stage.c — the normalize stage: an extracted package's typed-jsonl jobs through the
 * relational normalizer into one jsonl loader job per table of a new package, which is then
 * committed atomically (load/new → load/normalized) while the extracted one is removed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json/json_reader.h"
#include "load/sql_gen.h"
#include "normalize/normalize.h"
#include "package/job_file.h"
#include "package/package.h"
#include "pipeline/pipeline_internal.h"
#include "util/faultpoint.h"
#include "util/fs.h"
#include "util/strmap.h"

/* one loader job file per table */
typedef struct table_writer {
  FILE *f;
  char *path;
} table_writer;

typedef struct stage_sink {
  const cdlt_package *pkg;
  cdlt_strmap writers;      /* table name -> table_writer* */
  table_writer **list;
  size_t n;
} stage_sink;

static table_writer *writer_for(stage_sink *s, const char *table, cdlt_error *err) {
  table_writer *w = cdlt_strmap_get(&s->writers, table, strlen(table));
  if (w) return w;
  w = calloc(1, sizeof *w);
  table_writer **nl = realloc(s->list, (s->n + 1) * sizeof *nl);
  if (!w || !nl) { free(w); cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); return NULL; }
  s->list = nl;
  s->list[s->n++] = w;
  char fid[CDLT_JOB_FILE_ID_LEN + 1];
  if (cdlt_job_new_file_id(fid, err)) return NULL;
  char *name = cdlt_job_file_name(table, fid, 0, "jsonl", false);
  w->path = name ? cdlt_package_job_path(s->pkg, CDLT_JOB_NEW, name) : NULL;
  free(name);
  if (!w->path) { cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); return NULL; }
  w->f = fopen(w->path, "wb");
  if (!w->f) { cdlt_error_errno(err, errno, "cannot create job file '%s'", w->path); return NULL; }
  setvbuf(w->f, NULL, _IOFBF, 1 << 20);
  if (cdlt_strmap_put(&s->writers, table, strlen(table), w)) { cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); return NULL; }
  return w;
}

static int sink_write_row(void *ctx, cdlt_table *table, const char *row, size_t len, cdlt_error *err) {
  stage_sink *s = ctx;
  table_writer *w = writer_for(s, table->name, err);
  if (!w) return err && err->code ? err->code : CDLT_ERR_NOMEM;
  if (fwrite(row, 1, len, w->f) != len || fputc('\n', w->f) == EOF)
    return cdlt_error_errno(err, errno, "cannot write job file '%s'", w->path);
  return 0;
}

static int sink_close(stage_sink *s, cdlt_error *err) {
  int rc = 0;
  for (size_t k = 0; k < s->n; k++) {
    table_writer *w = s->list[k];
    if (w->f) {
      if (!rc && (fflush(w->f) || fsync(fileno(w->f)) || (errno = cdlt_fault_errno("job.fsync")) != 0))
      rc = cdlt_error_errno(err, errno, "cannot write job file '%s'", w->path);
      fclose(w->f);
    }
    free(w->path);
    free(w);
  }
  free(s->list);
  s->list = NULL;
  s->n = 0;
  cdlt_strmap_release(&s->writers);
  return rc;
}

/* schema_updates.json: for every table with new columns, the table with only those columns */
static int write_schema_updates(const cdlt_package *pkg, const cdlt_schema *before, const cdlt_schema *after,
                                cdlt_error *err) {
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *updates = cdlt_json_object(&d);
  for (size_t k = 0; k < after->ntables; k++) {
    const cdlt_table *t = after->tables[k];
    const cdlt_table *old = cdlt_schema_table(before, t->name);
    cdlt_json_value *cols = cdlt_json_object(&d);
    for (size_t c = 0; c < t->ncolumns; c++) {
      const cdlt_column *col = t->columns[c];
      if (col->type == CDLT_TYPE_NONE) continue;
      const cdlt_column *oc = old ? cdlt_table_column(old, col->name, strlen(col->name)) : NULL;
      if (oc && oc->type != CDLT_TYPE_NONE) continue;
      cdlt_json_object_set(&d, cols, col->name, cdlt_json_copy(&d, col->json));
    }
    if (cols->u.obj.len == 0) continue;
    cdlt_json_value *tj = cdlt_json_object(&d);
    for (size_t m = 0; m < t->json->u.obj.len; m++) {
      const cdlt_json_member *mm = &t->json->u.obj.members[m];
      cdlt_json_object_add(&d, tj, mm->key, mm->key_len,
                           strcmp(mm->key, "columns") ? cdlt_json_copy(&d, mm->value) : cols);
    }
    cdlt_json_object_set(&d, updates, t->name, tj);
  }
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_json_write(&b, updates, 0) ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory")
                                           : cdlt_package_write_file(pkg, CDLT_PACKAGE_SCHEMA_UPDATES_FILE, b.data, b.len, err);
  cdlt_buf_release(&b);
  cdlt_json_doc_release(&d);
  return rc;
}

/* the columns this package made complete, for the load info */
static int record_schema_changes(cdlt_run_stats *stats, const cdlt_schema *before, const cdlt_schema *after,
                                 cdlt_error *err) {
  for (size_t k = 0; k < after->ntables; k++) {
    const cdlt_table *t = after->tables[k];
    const cdlt_table *old = cdlt_schema_table(before, t->name);
    for (size_t c = 0; c < t->ncolumns; c++) {
      const cdlt_column *col = t->columns[c];
      if (col->type == CDLT_TYPE_NONE) continue;
      const cdlt_column *oc = old ? cdlt_table_column(old, col->name, strlen(col->name)) : NULL;
      if (oc && oc->type != CDLT_TYPE_NONE) continue;
      if (cdlt_run_stats_add_change(stats, t->name, col->name, cdlt_data_type_name(col->type)))
        return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    }
  }
  return 0;
}

typedef struct job_ctx {
  cdlt_normalizer *n;
  const char *table;
} job_ctx;

static int normalize_item(void *vctx, const cdlt_json_reader *r, cdlt_json_value *item, cdlt_error *err) {
  (void)r;
  job_ctx *ctx = vctx;
  return cdlt_normalizer_item(ctx->n, ctx->table, item, err);
}

int cdlt_normalize_package(cdlt_pipeline *p, const char *load_id, cdlt_run_stats *stats, cdlt_error *err) {
  cdlt_package src, dst;
  memset(&src, 0, sizeof src);
  memset(&dst, 0, sizeof dst);
  cdlt_schema *schema = NULL, *before = NULL;
  cdlt_normalizer *n = NULL;
  stage_sink sink = {0};
  cdlt_strmap_init(&sink.writers);
  cdlt_fs_names jobs;
  cdlt_fs_names_init(&jobs);
  bool dst_open = false;
  char *schema_path = cdlt_pipeline_schema_path(p);

  int rc = cdlt_package_open(&p->wd, CDLT_STAGE_EXTRACTED, load_id, &src, err);
  if (!rc) rc = cdlt_pipeline_load_schema(p, &schema, err);
  if (!rc && !(before = cdlt_schema_clone(schema))) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc) rc = cdlt_package_normalize_begin(&p->wd, load_id, &dst, err);
  if (rc) goto done;
  dst_open = true;
  sink.pkg = &dst;
  cdlt_row_sink rs = {&sink, sink_write_row};
  size_t max_ident = p->dest_vt->dialect ? p->dest_vt->dialect->max_identifier_length : 0;
  if (max_ident >= 65536) max_ident = 0; /* dlt never shortens DuckDB names */
  if ((rc = cdlt_normalizer_new(&n, schema, load_id, &rs, max_ident, err))) goto done;
  if ((rc = cdlt_package_list_jobs(&src, CDLT_JOB_NEW, &jobs, err))) goto done;
  for (size_t k = 0; k < jobs.len && !rc; k++) {
    cdlt_job_file jf;
    if ((rc = cdlt_job_file_parse(jobs.names[k], &jf, err))) break;
    char *path = cdlt_package_job_path(&src, CDLT_JOB_NEW, jobs.names[k]);
    if (!path) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    else if (strcmp(jf.format, "typed-jsonl") != 0)
      rc = cdlt_error_set(err, CDLT_ERR_INTERNAL, "unexpected job '%s' in extracted package '%s'", jobs.names[k], load_id);
    else {
      job_ctx jc = {n, jf.table};
      /* typed-jsonl lines are arrays of items: one level more than the items were allowed */
      cdlt_json_limits job_limits = {0};
      job_limits = p->json_limits;
      job_limits.max_depth = (p->json_limits.max_depth ? p->json_limits.max_depth : CDLT_JSON_DEFAULT_MAX_DEPTH) + 1;
      rc = cdlt_json_each_file_item_limits(path, &job_limits, normalize_item, &jc, err);
      /* a replace resource that yielded nothing still gets an (empty) job: it truncates */
      cdlt_table *t = cdlt_schema_table(schema, jf.table);
      if (!rc && t && !strcmp(cdlt_table_write_disposition(schema, t), "replace") && !writer_for(&sink, jf.table, err))
        rc = err->code ? err->code : CDLT_ERR_NOMEM;
    }
    free(path);
    cdlt_job_file_release(&jf);
  }
  if (rc) goto done;
  if ((rc = sink_close(&sink, err))) goto done;

  stats->discarded_rows += cdlt_normalizer_discarded_rows(n);
  stats->discarded_values += cdlt_normalizer_discarded_values(n);
  for (size_t k = 0; k < cdlt_normalizer_table_count(n); k++)
    if (cdlt_run_stats_add_rows(stats, cdlt_normalizer_table_name(n, k), cdlt_normalizer_table_rows(n, k))) {
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      goto done;
    }

  /* package files, the live schema, then the atomic commit */
  if ((rc = cdlt_schema_bump_version(schema, NULL, err))) goto done;
  if ((rc = write_schema_updates(&dst, before, schema, err))) goto done;
  if ((rc = record_schema_changes(stats, before, schema, err))) goto done;
  cdlt_buf sb;
  cdlt_buf_init(&sb);
  rc = cdlt_schema_write(schema, &sb, 0);
  if (!rc) rc = cdlt_package_write_file(&dst, CDLT_PACKAGE_SCHEMA_FILE, sb.data, sb.len, err);
  cdlt_buf_release(&sb);
  if (!rc) rc = cdlt_package_copy_file(&src, &dst, CDLT_PACKAGE_STATE_FILE, err);
  if (!rc) rc = cdlt_fault_point("normalize.before_live_schema", err);
  if (!rc) rc = cdlt_schema_save_file(schema, schema_path, err);
  if (!rc) rc = cdlt_package_normalize_commit(&dst, err);
  if (!rc) dst_open = false;

done:
  if (sink.list) sink_close(&sink, NULL);
  cdlt_strmap_release(&sink.writers);
  if (dst_open) {
    cdlt_error ignored;
    cdlt_package_normalize_abort(&dst, &ignored);
  }
  cdlt_normalizer_free(n);
  cdlt_fs_names_release(&jobs);
  cdlt_package_close(&src);
  cdlt_package_close(&dst);
  cdlt_schema_free(schema);
  cdlt_schema_free(before);
  free(schema_path);
  return rc;
}
