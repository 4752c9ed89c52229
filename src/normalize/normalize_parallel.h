/* normalize_parallel.h — the normalize stage on several threads: the extracted package's typed-jsonl
 * jobs are split at line boundaries into one contiguous chunk per worker; each worker normalizes its
 * chunk with its own copy of the schema into its own job files; the chunks' schema changes are then
 * merged in chunk order, and a chunk whose decisions would have differed after the chunks before it
 * is normalized again on the merged schema. The result is the sequential one whatever the number of
 * workers (docs/internals/NORMALIZE_WORKERS.md). */
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

typedef struct cdlt_norm_parallel {
  const cdlt_norm_input *inputs;
  size_t ninputs;
  const cdlt_package *dst;        /* the package being normalized: jobs go to its new_jobs */
  const char *load_id;
  size_t max_identifier_length;
  cdlt_json_limits limits;        /* the reader limits for typed-jsonl lines */
  unsigned workers;               /* >= 2 */
} cdlt_norm_parallel;

/* Normalizes every input into job files of np->dst (the empty job of a replace table without rows
 * included), evolving *schema (replaced by the merged schema; the caller keeps owning it) and adding
 * rows per table and discard counts to stats exactly as the sequential stage does. On failure the
 * job files written so far are left to the caller's abort of the package. */
int cdlt_normalize_parallel(const cdlt_norm_parallel *np, cdlt_schema **schema, cdlt_run_stats *stats,
                            cdlt_error *err);

#endif
