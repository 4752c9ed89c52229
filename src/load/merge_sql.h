/* merge_sql.h — the follow-up SQL of write dispositions that go through the staging dataset
 * (DLT_CONTRACT §8): merge (delete-insert, upsert, insert-only, scd2) and replace with
 * insert-from-staging / staging-optimized.
 *
 * A "chain" is a root table and its nested tables (depth first, parent before child, in schema
 * order) — exactly the tables one follow-up job covers. Every hint is read from the schema:
 * `x-merge-strategy`, `x-stage-data-deduplicated`, `x-boundary-timestamp` on the root, column
 * hints primary_key / merge_key / hard_delete / dedup_sort / row_key / root_key / parent_key /
 * unique / x-row-version / x-valid-from / x-valid-to / x-active-record-timestamp.
 *
 * Output: one statement per line, each terminated by ";", lines separated by "\n" — the form dlt
 * saves as the `.sql` job of the package. Statement text follows dlt 1.26 with its whitespace
 * collapsed (the golden duckdb_ddl_and_merge_sql__*.sql files byte for byte). Dialect
 * differences (truncate form, MERGE support, ALTER ... SET SCHEMA) come from cdlt_sql_dialect. */
#ifndef CDLT_LOAD_MERGE_SQL_H
#define CDLT_LOAD_MERGE_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "load/sql_gen.h"
#include "schema/schema.h"
#include "util/buf.h"
#include "util/error.h"

typedef struct cdlt_merge_params {
  const cdlt_sql_dialect *dialect;
  const char *dataset;             /* final dataset */
  const char *staging_dataset;     /* "<dataset>_staging" */
  int64_t package_created_us;      /* scd2 boundary when the root has no x-boundary-timestamp */
  const char *replace_strategy;    /* for replace chains: "insert-from-staging" / "staging-optimized" */
  /* tests only: fixed 32-hex suffixes of the delete / insert temp tables (NULL = random) */
  const char *delete_suffix, *insert_suffix;
} cdlt_merge_params;

/* The chain of `root`: root first, then every nested table below it (depth first, schema order)
 * that has seen data. *out is malloc'd (caller frees); entries are borrowed from the schema. */
int cdlt_merge_chain(const cdlt_schema *s, const cdlt_table *root, const cdlt_table ***out, size_t *n,
                     cdlt_error *err);

/* The root's merge strategy: x-merge-strategy or "delete-insert" (borrowed from the schema / static). */
const char *cdlt_merge_strategy(const cdlt_table *root);

/* True when tables of this root's chain are loaded into the staging dataset first: merge roots,
 * and replace roots when replace_strategy is insert-from-staging / staging-optimized. */
bool cdlt_merge_uses_staging(const cdlt_schema *s, const cdlt_table *root, const char *replace_strategy);

/* Appends the follow-up SQL of one chain (merge or staging replace, decided by the root's write
 * disposition) to out. CDLT_ERR_SCHEMA when a hint the strategy needs is missing (upsert without
 * primary key, nested table without root key...), CDLT_ERR_USAGE when the dialect lacks MERGE. */
int cdlt_merge_chain_sql(cdlt_buf *out, const cdlt_merge_params *mp, const cdlt_schema *s,
                         const cdlt_table *const *chain, size_t nchain, cdlt_error *err);

#endif
