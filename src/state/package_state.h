/* package_state.h — a load package's load_package_state.json (§5.4): the pipeline state row that
 * travels with the package, and the file's hash. */
#ifndef CDLT_STATE_PACKAGE_STATE_H
#define CDLT_STATE_PACKAGE_STATE_H

#include "json/json.h"
#include "package/package.h"
#include "util/error.h"

/* Writes load_package_state.json into pkg: _state_version 1, _state_engine_version 1, created_at
 * (the load id's time, PUA-typed), _version_hash, then pipeline_state = state_row (omitted when
 * NULL). The hash is dlt's: base64 SHA3-256 of the compact key-sorted JSON of the state without
 * _state_version, _state_engine_version, _version_hash and load_metrics. state_row is borrowed. */
int cdlt_package_state_write(const cdlt_package *pkg, const char *load_id, const cdlt_json_value *state_row,
                             cdlt_error *err);

#endif
