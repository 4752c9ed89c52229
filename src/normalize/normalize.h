/* normalize.h — dlt's relational normalizer (DLT_CONTRACT §3): one JSON item in, parent and
 * child rows out, with the schema inferred and evolved on the way.
 *
 * For each item: keys are normalized (naming convention), nested objects are flattened into
 * `a__b` columns (sibling sub-objects in dlt's LIFO order), lists become child tables with
 * `_dlt_parent_id` / `_dlt_list_idx` and deterministic `_dlt_id`s, root rows get `_dlt_load_id`
 * and a random `_dlt_id`. Every value is coerced to its column's type (a new column's type is
 * inferred; a value that does not fit goes to a variant column `<col>__v_<type>`), and each
 * finished row is handed to the sink as one compact JSON object in the loader's jsonl form. */
#ifndef CDLT_NORMALIZE_NORMALIZE_H
#define CDLT_NORMALIZE_NORMALIZE_H

#include <stdint.h>

#include "json/json.h"
#include "schema/schema.h"
#include "util/error.h"

typedef struct cdlt_row_sink {
  void *ctx;
  /* One finished row of `table`: a compact JSON object (no newline), valid during the call. */
  int (*write_row)(void *ctx, cdlt_table *table, const char *row_json, size_t len, cdlt_error *err);
} cdlt_row_sink;

typedef struct cdlt_normalizer cdlt_normalizer;

/* A normalizer that evolves `schema` (borrowed, modified in place) and writes rows to `sink`
 * (copied). `max_identifier_length` 0 = unlimited (DuckDB), 63 for PostgreSQL.
 * Caller frees with cdlt_normalizer_free. */
int cdlt_normalizer_new(cdlt_normalizer **out, cdlt_schema *schema, const char *load_id,
                        const cdlt_row_sink *sink, size_t max_identifier_length, cdlt_error *err);
void cdlt_normalizer_free(cdlt_normalizer *n);

/* Normalizes one item (a JSON object) of the root table `root_table` (an already-normalized
 * table name). Errors name the table and column. */
int cdlt_normalizer_item(cdlt_normalizer *n, const char *root_table, const cdlt_json_value *item,
                         cdlt_error *err);

/* cdlt_normalizer_item for an item whose compact bytes raw[0..raw_len) are known (NULL: not
 * known): after the item, the normalizer may keep a row template of it (row_template.h) for
 * cdlt_normalizer_try_template. */
int cdlt_normalizer_item_raw(cdlt_normalizer *n, const char *root_table, const cdlt_json_value *item,
                             const char *raw, size_t raw_len, cdlt_error *err);

/* The fast path for an item given only as bytes: at[0..avail) starts with a compact object of
 * `root_table` (a memory reader's cdlt_json_reader_peek_item). When it matches a row template of
 * an earlier item of that table made on the current schema, normalizes it without building it
 * (the rows, schema and errors of cdlt_normalizer_item), sets *used to its length and returns 1.
 * Returns 0, having written and changed nothing, when no template applies (a new shape, a value
 * that needs a new column or a variant, a null in a column that is not nullable, ...): the caller
 * then parses the item and calls cdlt_normalizer_item_raw. < 0: an error (as cdlt_normalizer_item). */
int cdlt_normalizer_try_template(cdlt_normalizer *n, const char *root_table, const char *at, size_t avail,
                                 size_t *used, cdlt_error *err);

/* Rows written so far per table, in order of first row: returns the number of tables; names and
 * counts are borrowed from the normalizer. */
size_t cdlt_normalizer_table_count(const cdlt_normalizer *n);
const char *cdlt_normalizer_table_name(const cdlt_normalizer *n, size_t i);
uint64_t cdlt_normalizer_table_rows(const cdlt_normalizer *n, size_t i);
/* Rows and values dropped by discard_row / discard_value schema contracts (§10). */
uint64_t cdlt_normalizer_discarded_rows(const cdlt_normalizer *n);
uint64_t cdlt_normalizer_discarded_values(const cdlt_normalizer *n);

#endif
