/* schema_export.h — schema files in dlt's external formats: import (JSON or YAML, validated, with
 * dlt's defaults applied and the version bumped as Schema.from_dict does) and export (dlt's
 * Schema.to_pretty_json / to_pretty_yaml, optionally with utils.remove_defaults).
 *
 * dlt semantics mirrored here (dlt/common/schema/schema.py, utils.py):
 *  - from_dict: validate_stored_schema -> apply_defaults (table and column `name` from their keys;
 *    root tables get `write_disposition: append` and `resource: <table>` when absent) ->
 *    bump_version_if_modified. A file exported with remove_defaults re-imports with the SAME
 *    version_hash, because the hash is always computed on the schema with defaults.
 *  - to_dict: keys version, version_hash, engine_version, name, tables, settings, normalizers,
 *    previous_hashes, [imported_version_hash unless remove_defaults], [description]; unknown
 *    top-level keys are not exported. remove_defaults only deletes `name` inside tables and columns.
 *
 * Validation (dlt validate_stored_schema + SchemaCorruptedException): known keys and their types at
 * every level (any `x-*` key is allowed anywhere), data types (§2.1), write dispositions, table and
 * file formats, merge strategies, schema contract modes, detections, default hint names, simple
 * regexes, parent tables that exist, `_dlt_version` / `_dlt_loads` present, engine_version 11,
 * schema name a Python identifier of at most 64 characters. Messages name the file, table and column. */
#ifndef CDLT_SCHEMA_SCHEMA_EXPORT_H
#define CDLT_SCHEMA_SCHEMA_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "json/json.h"
#include "schema/schema.h"
#include "util/buf.h"
#include "util/error.h"

typedef enum cdlt_schema_format {
  CDLT_SCHEMA_FORMAT_YAML = 0,
  CDLT_SCHEMA_FORMAT_JSON = 1
} cdlt_schema_format;

/* Format of a schema file by name, as dlt decides: ".json" is JSON, anything else YAML. */
cdlt_schema_format cdlt_schema_format_of_path(const char *path);

/* Checks a stored-schema dict (parsed file content) against dlt's schema document rules.
 * `source` names the file in messages. Returns 0 or CDLT_ERR_SCHEMA. */
int cdlt_schema_validate_dict(const cdlt_json_value *stored, const char *source, cdlt_error *err);

/* dlt utils.apply_defaults on a stored-schema dict owned by doc (in place). Also gives a dict
 * without them `settings: {}`, `previous_hashes: []` and dlt's default normalizers. */
int cdlt_schema_apply_defaults(cdlt_json_doc *doc, cdlt_json_value *stored);

/* dlt utils.remove_defaults on a stored-schema dict owned by doc (in place). */
int cdlt_schema_remove_defaults(cdlt_json_value *stored);

/* Schema from parsed file content (dlt Schema.from_dict): validates, applies defaults, bumps the
 * version. The dict is copied; caller frees *out with cdlt_schema_free. */
int cdlt_schema_from_dict(const cdlt_json_value *stored, const char *source, cdlt_schema **out, cdlt_error *err);

/* Parses text (JSON or YAML) and calls cdlt_schema_from_dict. */
int cdlt_schema_import_text(const char *text, size_t len, cdlt_schema_format fmt, const char *source,
                            cdlt_schema **out, cdlt_error *err);

/* Reads a schema file, JSON when its name ends in ".json" (or its content starts with '{'),
 * YAML otherwise; validated and with defaults, as dlt imports `import_schema_path` files.
 * Caller frees *out with cdlt_schema_free. */
int cdlt_schema_import_file(const char *path, cdlt_schema **out, cdlt_error *err);

/* Appends the schema as dlt's to_pretty_json / to_pretty_yaml(remove_defaults) would produce it
 * (the version is bumped on a copy first, as to_dict does; `s` is not modified). JSON has no
 * trailing newline, YAML ends with one. */
int cdlt_schema_export(const cdlt_schema *s, cdlt_schema_format fmt, bool remove_defaults, cdlt_buf *out,
                       cdlt_error *err);

#endif
