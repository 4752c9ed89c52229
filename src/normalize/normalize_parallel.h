/* normalize_parallel.h — the normalize stage on several threads: the extracted package's typed-jsonl
 * jobs are split at line boundaries into contiguous chunks (one per worker; with a chunk callback at
 * least one per worker, at most about `chunk_bytes` each); a pool of workers normalizes the chunks in order, each with its own copy of
 * the schema into its own job files; the chunks' schema changes are merged in chunk order as they
 * finish, and a chunk whose decisions would have differed after the chunks before it is normalized
 * again on the merged schema. The result is the sequential one whatever the number of workers or
 * chunks (docs/internals/NORMALIZE_WORKERS.md). After each merge an optional callback gets the
 * chunk's final job files (the early loader, load/load_early.h). */
#ifndef CDLT_NORMALIZE_NORMALIZE_PARALLEL_H
#define CDLT_NORMALIZE_NORMALIZE_PARALLEL_H

#include <stdbool.h>
#include <stdint.h>

#include "json/json_reader.h"
#include "package/package.h"
#include "pipeline/pipeline_internal.h"
#include "schema/schema.h"

/* One typed-jsonl job of the extracted package, in the order the sequential stage reads them. */
typedef struct cdlt_norm_input {
  const char *path;
  const char *table;    /* the root table its items belong to */
  uint64_t size;
  bool splittable;      /* plain (not gzip) data: may be split at line boundaries */
} cdlt_norm_input;

/* Called on the merging thread once chunk k's result is final, in chunk order: its job files
 * (`<table>.<file_id>.0.jsonl` in the new_jobs folder of the package being normalized) are complete,
 * fsync'd and closed, and no later decision changes them. `schema` is the merged schema after chunks
 * 0..k, a clone the callee owns (cdlt_schema_free); names (file names, in name order) and paths are
 * borrowed for the call. The callback must not block for long: normalize waits for it. */
typedef void (*cdlt_norm_chunk_fn)(void *ctx, cdlt_schema *schema, const char *const *names,
                                   const char *const *paths, size_t n);

#define CDLT_NORM_CHUNK_BYTES_DEFAULT ((uint64_t)16 << 20)   /* [normalize] chunk_bytes */

typedef struct cdlt_norm_parallel {
  const cdlt_norm_input *inputs;
  size_t ninputs;
  const cdlt_package *dst;        /* the package being normalized: jobs go to its new_jobs */
  const char *load_id;
  size_t max_identifier_length;
  cdlt_json_limits limits;        /* the reader limits for typed-jsonl lines */
  unsigned workers;               /* >= 1 (1: one worker thread, the merge on the caller's) */
  uint64_t chunk_bytes;           /* with on_chunk: input bytes per chunk (about); 0 = CDLT_NORM_CHUNK_BYTES_DEFAULT */
  cdlt_norm_chunk_fn on_chunk;    /* NULL = none */
  void *on_chunk_ctx;
  int worker_nice;                /* with on_chunk: the workers' nice value (0 = unchanged) */
} cdlt_norm_parallel;

/* Normalizes every input into job files of np->dst (the empty job of a replace table without rows
 * included), evolving *schema (replaced by the merged schema; the caller keeps owning it) and adding
 * rows per table and discard counts to stats exactly as the sequential stage does. On failure the
 * job files written so far are left to the caller's abort of the package. */
int cdlt_normalize_parallel(const cdlt_norm_parallel *np, cdlt_schema **schema, cdlt_run_stats *stats,
                            cdlt_error *err);

/* What normalize_stage.c tells a consumer of the chunks (the early loader). */
typedef struct cdlt_norm_hooks {
  cdlt_norm_chunk_fn on_chunk;
  /* called once every chunk was handed to on_chunk, just before the package is committed (which
   * moves its job files): must return only when the consumer no longer reads them */
  void (*before_commit)(void *ctx);
  void *ctx;
  int worker_nice;    /* the normalize workers' nice value while hooked (0 = unchanged) */
} cdlt_norm_hooks;

/* normalize_stage.c: cdlt_normalize_package with hooks (NULL = none). They are used only when the
 * package takes the parallel path and every table it extracted has write disposition append (the
 * early loader's condition); otherwise they are never called. */
int cdlt_normalize_package_chunks(cdlt_pipeline *p, const char *load_id, cdlt_run_stats *stats,
                                  const cdlt_norm_hooks *hooks, cdlt_error *err);

#endif
