/* normalize_stage.c — the normalize stage: an extracted package's typed-jsonl jobs through the
 * relational normalizer into jsonl loader jobs of a new package (one per table, or one per table
 * and worker chunk: normalize_parallel.c), which is then committed atomically (load/new →
 * load/normalized) while the extracted one is removed. The parallel path can hand each finished
 * chunk's jobs to the early loader (cdlt_normalize_package_chunks, load/load_early.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json/json_reader.h"
#include "load/sql_gen.h"
#include "normalize/job_sink.h"
#include "normalize/normalize.h"
#include "normalize/normalize_parallel.h"
#include "package/job_file.h"
#include "package/package.h"
#include "pipeline/pipeline_internal.h"
#include "util/faultpoint.h"
#include "util/fs.h"
#include "util/strmap.h"

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

/* the typed-jsonl jobs of the extracted package, in name order, for the parallel stage */
static int collect_inputs(const cdlt_package *src, const cdlt_fs_names *jobs, cdlt_norm_input *inputs,
                          cdlt_job_file *parsed, uint64_t *total, cdlt_error *err) {
  *total = 0;
  for (size_t k = 0; k < jobs->len; k++) {
    int rc = cdlt_job_file_parse(jobs->names[k], &parsed[k], err);
    if (rc) return rc;
    if (strcmp(parsed[k].format, "typed-jsonl") != 0)
      return cdlt_error_set(err, CDLT_ERR_INTERNAL, "unexpected job '%s' in extracted package '%s'", jobs->names[k],
                            src->load_id);
    char *path = cdlt_package_job_path(src, CDLT_JOB_NEW, jobs->names[k]);
    if (!path) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    inputs[k].path = path;
    inputs[k].table = parsed[k].table;
    if ((rc = cdlt_fs_file_size(path, &inputs[k].size, err))) return rc;
    /* gzip data is read as a stream; plain lines can be split */
    unsigned char magic[2] = {0, 0};
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(magic, 1, 2, f) : 0;
    if (f) fclose(f);
    inputs[k].splittable = !parsed[k].gz && !(got == 2 && magic[0] == 0x1f && magic[1] == 0x8b);
    *total += inputs[k].size;
  }
  return 0;
}

/* the early loader's condition: every table the package extracted loads with append */
static bool all_append(const cdlt_schema *schema, const cdlt_norm_input *inputs, size_t n) {
  for (size_t k = 0; k < n; k++) {
    const cdlt_table *t = cdlt_schema_table(schema, inputs[k].table);
    if (t && strcmp(cdlt_table_write_disposition(schema, t), "append")) return false;
  }
  return true;
}

int cdlt_normalize_package(cdlt_pipeline *p, const char *load_id, cdlt_run_stats *stats, cdlt_error *err) {
  return cdlt_normalize_package_chunks(p, load_id, stats, NULL, err);
}

int cdlt_normalize_package_chunks(cdlt_pipeline *p, const char *load_id, cdlt_run_stats *stats,
                                  const cdlt_norm_hooks *hooks, cdlt_error *err) {
  cdlt_package src, dst;
  memset(&src, 0, sizeof src);
  memset(&dst, 0, sizeof dst);
  cdlt_schema *schema = NULL, *before = NULL;
  cdlt_normalizer *n = NULL;
  cdlt_job_sink sink;
  bool sink_open = false;
  cdlt_fs_names jobs;
  cdlt_fs_names_init(&jobs);
  cdlt_norm_input *inputs = NULL;
  cdlt_job_file *parsed = NULL;
  bool dst_open = false, chunked = false;
  char *schema_path = cdlt_pipeline_schema_path(p);

  int rc = cdlt_package_open(&p->wd, CDLT_STAGE_EXTRACTED, load_id, &src, err);
  if (!rc) rc = cdlt_pipeline_load_schema(p, &schema, err);
  if (!rc && !(before = cdlt_schema_clone(schema))) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc) rc = cdlt_package_normalize_begin(&p->wd, load_id, &dst, err);
  if (rc) goto done;
  dst_open = true;
  size_t max_ident = p->dest_vt->dialect ? p->dest_vt->dialect->max_identifier_length : 0;
  if (max_ident >= 65536) max_ident = 0; /* dlt never shortens DuckDB names */
  /* typed-jsonl lines are arrays of items: one level more than the items were allowed */
  cdlt_json_limits job_limits = p->json_limits;
  job_limits.max_depth = (p->json_limits.max_depth ? p->json_limits.max_depth : CDLT_JSON_DEFAULT_MAX_DEPTH) + 1;
  if ((rc = cdlt_package_list_jobs(&src, CDLT_JOB_NEW, &jobs, err))) goto done;

  /* several workers when there are several and enough data for them (normalize_parallel.c); with
   * chunk hooks (the early loader) also one worker, so that the chunks reach them as they are done */
  unsigned workers = p->normalize_workers;
  bool hooked = hooks && hooks->on_chunk;
  if ((workers > 1 || hooked) && jobs.len > 0) {
    inputs = calloc(jobs.len, sizeof *inputs);
    parsed = calloc(jobs.len, sizeof *parsed);
    uint64_t total = 0;
    if (!inputs || !parsed) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    else rc = collect_inputs(&src, &jobs, inputs, parsed, &total, err);
    if (rc) goto done;
    if (total < p->normalize_parallel_min_bytes) workers = 1, hooked = false;
    if (hooked && !all_append(schema, inputs, jobs.len)) hooked = false;
  }
  if ((workers > 1 || hooked) && jobs.len > 0) {
    cdlt_norm_parallel np = {inputs, jobs.len, &dst, load_id, max_ident, job_limits, workers,
                             p->normalize_chunk_bytes, NULL, NULL, 0};
    if (hooked) {
      np.on_chunk = hooks->on_chunk;
      np.on_chunk_ctx = hooks->ctx;
      np.worker_nice = hooks->worker_nice;
      chunked = true;
    }
    if ((rc = cdlt_normalize_parallel(&np, &schema, stats, err))) goto done;
  } else {
    cdlt_job_sink_init(&sink, &dst, NULL);
    sink_open = true;
    cdlt_row_sink rs = cdlt_job_sink_rows(&sink);
    if ((rc = cdlt_normalizer_new(&n, schema, load_id, &rs, max_ident, err))) goto done;
    for (size_t k = 0; k < jobs.len && !rc; k++) {
      cdlt_job_file jf;
      if ((rc = cdlt_job_file_parse(jobs.names[k], &jf, err))) break;
      char *path = cdlt_package_job_path(&src, CDLT_JOB_NEW, jobs.names[k]);
      if (!path) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      else if (strcmp(jf.format, "typed-jsonl") != 0)
        rc = cdlt_error_set(err, CDLT_ERR_INTERNAL, "unexpected job '%s' in extracted package '%s'", jobs.names[k], load_id);
      else {
        job_ctx jc = {n, jf.table};
        rc = cdlt_json_each_file_item_limits(path, &job_limits, normalize_item, &jc, err);
        /* a replace resource that yielded nothing still gets an (empty) job: it truncates */
        cdlt_table *t = cdlt_schema_table(schema, jf.table);
        if (!rc && t && !strcmp(cdlt_table_write_disposition(schema, t), "replace") &&
            !cdlt_job_sink_file_for(&sink, jf.table, err))
          rc = err->code ? err->code : CDLT_ERR_NOMEM;
      }
      free(path);
      cdlt_job_file_release(&jf);
    }
    if (rc) goto done;
    sink_open = false;
    if ((rc = cdlt_job_sink_close(&sink, err))) goto done;

    stats->discarded_rows += cdlt_normalizer_discarded_rows(n);
    stats->discarded_values += cdlt_normalizer_discarded_values(n);
    for (size_t k = 0; k < cdlt_normalizer_table_count(n); k++)
      if (cdlt_run_stats_add_rows(stats, cdlt_normalizer_table_name(n, k), cdlt_normalizer_table_rows(n, k))) {
        rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
        goto done;
      }
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
  if (!rc && chunked && hooks->before_commit) hooks->before_commit(hooks->ctx);   /* no one reads the jobs now */
  /* committed: its extracted copy is removed on a background thread while the load runs */
  char *aside = NULL;
  if (!rc) rc = cdlt_package_normalize_commit_aside(&dst, &aside, err);
  if (!rc) {
    dst_open = false;
    rc = cdlt_pipeline_remove_later(p, aside, err);
  }

done:
  if (sink_open) cdlt_job_sink_close(&sink, NULL);
  if (dst_open) {
    cdlt_error ignored;
    cdlt_package_normalize_abort(&dst, &ignored);
  }
  if (inputs)
    for (size_t k = 0; k < jobs.len; k++) free((char *)inputs[k].path);
  if (parsed)
    for (size_t k = 0; k < jobs.len; k++) cdlt_job_file_release(&parsed[k]);
  free(inputs);
  free(parsed);
  cdlt_normalizer_free(n);
  cdlt_fs_names_release(&jobs);
  cdlt_package_close(&src);
  cdlt_package_close(&dst);
  cdlt_schema_free(schema);
  cdlt_schema_free(before);
  free(schema_path);
  return rc;
}
