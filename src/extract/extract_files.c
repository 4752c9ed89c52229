/* extract_files.c — input files as an item source of the extract stage: every item of the files
 * (JSON Lines, a JSON array, one object; plain or gzip; "-" = stdin) goes, in file order, to the
 * one resource of the run. Items must be objects. The stage itself is extract_stage.c; one big
 * plain JSON Lines file is read on several threads (extract_parallel.c). */
#include <stdbool.h>
#include <stddef.h>

#include "extract/extract_parallel.h"
#include "extract/extract_stage.h"
#include "extract/job_writer.h"
#include "pipeline/pipeline_internal.h"

typedef struct files_ctx {
  const char *const *paths;
  size_t npaths;
  const cdlt_json_limits *limits;   /* the pipeline's input limits */
  unsigned workers;                 /* threads for one big file ([normalize] workers) */
} files_ctx;

/* An item the reader holds as its own compact serialization (the common case of JSON Lines
 * written by a program) is copied into the job file as it was read, not serialized again:
 * cdlt_json_reader_item_raw guarantees the bytes are what cdlt_json_write would produce. */
static int file_item(void *vsink, const cdlt_json_reader *r, cdlt_json_value *item, cdlt_error *err) {
  const char *raw;
  size_t len;
  bool verbatim = cdlt_json_reader_item_raw(r, &raw, &len);
  if (verbatim) cdlt_job_writer_set_verbatim(item, raw, len);
  int rc = cdlt_extract_sink_push(vsink, item, r, NULL, err);
  if (verbatim) cdlt_job_writer_set_verbatim(NULL, NULL, 0);
  return rc;
}

static int drive_files(void *vctx, cdlt_extract_sink *const *sinks, cdlt_error *err) {
  files_ctx *ctx = vctx;
  int rc = 0;
  /* one file: on several threads when it is big, plain JSON Lines and the items need no order */
  if (ctx->npaths == 1) {
    rc = cdlt_extract_parallel_file(sinks[0], ctx->paths[0], ctx->limits, ctx->workers, err);
    if (rc != CDLT_EXTRACT_SEQUENTIAL) return rc;
    rc = 0;
  }
  for (size_t k = 0; !rc && k < ctx->npaths; k++) rc = cdlt_json_each_file_item_limits(ctx->paths[k], ctx->limits, file_item, sinks[0], err);
  return rc;
}

int cdlt_extract_files(cdlt_pipeline *p, const char *const *paths, size_t npaths,
                       const cdlt_resource_options *resource, char load_id[32], cdlt_error *err) {
  files_ctx ctx = {paths, npaths, &p->json_limits, p->normalize_workers};
  cdlt_extract_resource res = {*resource, false};
  cdlt_extract_unit unit = {drive_files, &ctx, false};
  cdlt_extract_plan plan = {&res, 1, &unit, 1, -1, NULL};
  return cdlt_extract_run(p, &plan, load_id, err);
}
