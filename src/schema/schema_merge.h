/* schema_merge.h — merging the schema changes of one parallel-normalize chunk into the schema
 * the chunks before it produced, only when that is exactly what normalizing the chunk after them
 * would have produced (docs/internals/NORMALIZE_WORKERS.md). */
#ifndef CDLT_SCHEMA_SCHEMA_MERGE_H
#define CDLT_SCHEMA_SCHEMA_MERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "schema/schema.h"

/* What a chunk did besides changing its schema: the tables it wrote rows to and whether schema
 * contracts discarded anything. Strings borrowed. */
typedef struct cdlt_chunk_effects {
  const char *const *tables;
  size_t ntables;
  bool discarded;
} cdlt_chunk_effects;

/* `chunk` is a copy of `base` after normalizing one chunk; *merged is `base` after normalizing
 * the chunks before it (in order). When every decision the chunk made would have been the same
 * starting from *merged — the tables and columns it added or completed are absent from *merged
 * or identical there (type, flags, variant, position rules), no column the earlier chunks added
 * would have changed how its rows were read, and no schema contract would have decided
 * differently — the chunk's changes are replayed onto a copy of *merged in the chunk's order,
 * *merged is replaced by it (the old one freed) and *ok = true. Otherwise *merged is unchanged
 * and *ok = false: the chunk must be normalized again, on *merged. Returns 0 or CDLT_ERR_NOMEM. */
int cdlt_schema_merge_chunk(cdlt_schema **merged, const cdlt_schema *base, const cdlt_schema *chunk,
                            const cdlt_chunk_effects *effects, bool *ok, cdlt_error *err);

/* Whether two JSON values are equal with object members in the same order (the byte-for-byte
 * equality of their serialized forms). */
bool cdlt_json_same(const cdlt_json_value *a, const cdlt_json_value *b);

#endif
