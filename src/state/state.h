/* state.h — pipeline state (DLT_CONTRACT §7): state.json in the working dir, its version hash,
 * and the `_dlt_pipeline_state` row that carries it into the destination (zlib + base64).
 *
 * The state is a JSON object in dlt's key order; datetimes in it are PUA-typed strings
 * ("\uF027<iso>"), written and read as plain strings. */
#ifndef CDLT_STATE_STATE_H
#define CDLT_STATE_STATE_H

#include <stdbool.h>

#include "json/json.h"
#include "util/error.h"

#define CDLT_STATE_ENGINE_VERSION 4
#define CDLT_PUA_DATETIME "\xEF\x80\xA7" /* U+F027 */

typedef struct cdlt_state {
  cdlt_json_doc doc;
  cdlt_json_value *root;
} cdlt_state;

/* A fresh state for a new pipeline (version 0, `_local` filled from cwd). Caller releases. */
int cdlt_state_init_new(cdlt_state *st, const char *pipeline_name, cdlt_error *err);
/* Loads `<working_dir>/state.json`; CDLT_ERR_NOT_FOUND when absent. */
int cdlt_state_load(cdlt_state *st, const char *path, cdlt_error *err);
/* Writes state.json atomically (compact). */
int cdlt_state_save(const cdlt_state *st, const char *path, cdlt_error *err);
void cdlt_state_release(cdlt_state *st);

/* Sets a top-level key (value copied), keeping its position when present. */
int cdlt_state_set(cdlt_state *st, const char *key, const cdlt_json_value *value);
int cdlt_state_set_str(cdlt_state *st, const char *key, const char *value /* NULL = null */);

/* §7.2: hash of the state without _local/_state_version/_state_engine_version/_version_hash. */
int cdlt_state_compute_hash(const cdlt_state *st, char out[45], cdlt_error *err);
/* Applies dlt's bump: first hash sets without bumping; a changed hash increments _state_version. */
int cdlt_state_bump(cdlt_state *st, bool *changed, cdlt_error *err);
/* True when the current _version_hash differs from _local._last_extracted_hash. */
bool cdlt_state_needs_extract(const cdlt_state *st);
/* Records that the state was put into a package: _local._last_extracted_hash/_at. */
int cdlt_state_mark_extracted(cdlt_state *st, int64_t now_us);

/* §7.3: the `_dlt_pipeline_state` row as a JSON object (in st's doc): version, engine_version,
 * pipeline_name, state (base64 of zlib level 9 of the compact state without _local),
 * created_at (PUA datetime), version_hash, _dlt_load_id. */
int cdlt_state_row(cdlt_state *st, const char *load_id, int64_t now_us, cdlt_json_value **row, cdlt_error *err);
/* Decodes a `state` column value (base64+zlib, or plain JSON) into a state. */
int cdlt_state_decode(cdlt_state *st, const char *encoded, cdlt_error *err);

/* Adds the PUA datetime prefix to an ISO string: appends to out. */
int cdlt_pua_datetime(cdlt_buf *out, int64_t epoch_us);

#endif
