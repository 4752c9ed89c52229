/* incremental.h — dlt's `dlt.sources.incremental` for JSON items (DLT_CONTRACT §9): filters the
 * items of one resource by a cursor value and keeps the cursor in the pipeline state at
 * sources.<schema>.resources.<resource>.incremental.<cursor_path> =
 * {initial_value, last_value, unique_hashes, start_value}.
 *
 * Use: open once per resource and run (reads the resource state), filter every item in input
 * order, commit once when the package is complete (writes the state back into the caller's
 * state doc), free. Values are compared the way dlt compares the raw Python values of JSON
 * items: numbers as numbers, strings as strings, except that two strings that both parse as ISO
 * 8601 datetimes/dates compare as instants (so "…Z" and "…+00:00" agree). Cursor values are
 * stored exactly as found in the items (JSON type kept). */
#ifndef CDLT_EXTRACT_INCREMENTAL_H
#define CDLT_EXTRACT_INCREMENTAL_H

#include <stdbool.h>
#include <stddef.h>

#include "json/json.h"
#include "util/error.h"

typedef struct cdlt_incremental cdlt_incremental;

/* config: the "incremental" hints object (cursor_path required; initial_value, end_value,
 *   last_value_func "max"|"min", row_order "asc"|"desc", on_cursor_value_missing
 *   "raise"|"include"|"exclude", lag (number), range_start "closed"|"open", range_end
 *   "open"|"closed", primary_key (string or list; [] disables boundary dedup)).
 * resource_name: for messages. resource_pk/npk: the resource primary key (dedup key when the
 *   config has none; none at all = the whole item is hashed).
 * state_doc/resource_state: the pipeline state doc and the resource's state object in it
 *   (sources.<schema>.resources.<resource>); "incremental" is created there at commit.
 *   Both must stay valid until commit.
 * On success *out is owned by the caller (cdlt_incremental_free). Config errors: CDLT_ERR_USAGE. */
int cdlt_incremental_open(const cdlt_json_value *config, const char *resource_name,
                          const char *const *resource_pk, size_t npk, cdlt_json_doc *state_doc,
                          cdlt_json_value *resource_state, cdlt_incremental **out, cdlt_error *err);

/* Decides whether item (a JSON object) is loaded. A missing cursor with
 * on_cursor_value_missing=raise, an uncomparable cursor value or a missing primary key column
 * fail with CDLT_ERR_SCHEMA. item is not retained. */
int cdlt_incremental_filter(cdlt_incremental *inc, const cdlt_json_value *item, bool *keep,
                            cdlt_error *err);

/* True when row_order allows to stop reading: asc and a row was past end_value, or desc and a
 * row was below the start value. */
bool cdlt_incremental_can_stop(const cdlt_incremental *inc);

/* Writes last_value, unique_hashes and (when rows passed) start_value into the resource state.
 * Does nothing when end_value is set (dlt neither reads nor writes the state then). */
int cdlt_incremental_commit(cdlt_incremental *inc, cdlt_error *err);

/* The cursor path as given ("updated_at", "$.a.b") — the key in the state. Owned by inc. */
const char *cdlt_incremental_cursor_path(const cdlt_incremental *inc);

/* The cursor as a column path for the `incremental: true` column hint: field names joined by
 * "__" ("a__b", not yet normalized), or NULL when the path has indexes or wildcards. Owned by inc. */
const char *cdlt_incremental_cursor_column(const cdlt_incremental *inc);

/* Rows kept / dropped so far (for messages and tests). */
size_t cdlt_incremental_kept(const cdlt_incremental *inc);
size_t cdlt_incremental_dropped(const cdlt_incremental *inc);

/* dlt's unique row hash (§9): digest128 of the compact JSON of the key value (one column), the
 * list of key values (compound key) or the whole item with sorted keys (npk == 0). Writes 20
 * chars + NUL. as_list: a one-column key given as a list is hashed as a list ([2]). */
int cdlt_incremental_row_hash(const cdlt_json_value *item, const char *const *pk, size_t npk,
                              bool as_list, char out[21], cdlt_error *err);

void cdlt_incremental_free(cdlt_incremental *inc);

#endif
