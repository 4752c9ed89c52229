/* schema.h — the dlt schema document (DLT_CONTRACT §4) and the index cdlt keeps over it.
 *
 * The schema IS a JSON document in dlt's stored format (key order kept, unknown `x-*` keys kept),
 * so loading, saving, exporting and hashing are exact. For speed the schema also keeps an index:
 * a cdlt_table per table and a cdlt_column per column, pointing into the document. Every change
 * goes through the functions here, which keep document and index in step.
 *
 * Ownership: a cdlt_schema owns its document, tables and columns; pointers returned by lookups
 * stay valid until the schema is freed (tables and columns are never removed while in use). */
#ifndef CDLT_SCHEMA_SCHEMA_H
#define CDLT_SCHEMA_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "json/json.h"
#include "schema/types.h"
#include "util/error.h"
#include "util/strmap.h"

#define CDLT_SCHEMA_ENGINE_VERSION 11

typedef struct cdlt_column {
  const char *name;
  cdlt_json_value *json;     /* the column's object in the document */
  cdlt_data_type type;       /* CDLT_TYPE_NONE for an incomplete column */
  bool nullable;
  bool variant;
} cdlt_column;

typedef struct cdlt_table {
  const char *name;
  cdlt_json_value *json;     /* the table's object in the document */
  cdlt_json_value *columns_json;
  cdlt_column **columns;     /* in stored order */
  size_t ncolumns, cap;
  cdlt_strmap by_name;       /* column name -> cdlt_column* */
  const char *parent;        /* NULL for root tables */
} cdlt_table;

typedef struct cdlt_schema {
  cdlt_json_doc doc;
  cdlt_json_value *root;     /* the stored schema object */
  cdlt_json_value *tables_json;
  cdlt_table **tables;       /* in stored order */
  size_t ntables, cap;
  cdlt_strmap by_name;       /* table name -> cdlt_table* */
  bool detect_iso_timestamp, detect_iso_date, detect_timestamp, detect_large_integer;
} cdlt_schema;

/* A new schema with dlt's defaults (§4.1, §4.5): version 1, `_dlt_version` and `_dlt_loads`.
 * Caller frees with cdlt_schema_free. NULL on allocation failure. */
cdlt_schema *cdlt_schema_new(const char *name);
/* Parses a stored schema (JSON text). `source` names it in errors. Caller frees. */
int cdlt_schema_from_json(const char *text, size_t len, const char *source, cdlt_schema **out, cdlt_error *err);
/* Reads a schema file (.schema.json). */
int cdlt_schema_load_file(const char *path, cdlt_schema **out, cdlt_error *err);
/* Deep copy. Caller frees. */
cdlt_schema *cdlt_schema_clone(const cdlt_schema *s);
void cdlt_schema_free(cdlt_schema *s);

const char *cdlt_schema_name(const cdlt_schema *s);
int64_t cdlt_schema_version(const cdlt_schema *s);
/* Stored version_hash ("" for a schema never hashed). Valid until the next bump. */
const char *cdlt_schema_stored_hash(const cdlt_schema *s);

/* Computes the content hash of §4.4 into out (44 chars + NUL). */
int cdlt_schema_compute_hash(const cdlt_schema *s, char out[45], cdlt_error *err);
/* Applies the bump rule of §4.4: version/version_hash/previous_hashes. Sets *changed when the
 * hash differed from the stored one. */
int cdlt_schema_bump_version(cdlt_schema *s, bool *changed, cdlt_error *err);
/* Serializes (after the caller bumped). flags: CDLT_JSON_WRITE_PRETTY for the schema file,
 * 0 for the compact form in packages and `_dlt_version`. */
int cdlt_schema_write(const cdlt_schema *s, cdlt_buf *out, unsigned flags);
/* Bumps and writes pretty JSON to path atomically. */
int cdlt_schema_save_file(cdlt_schema *s, const char *path, cdlt_error *err);

/* Sets settings.detections from a comma-separated list (iso_timestamp, iso_date, timestamp,
 * large_integer; "" = none). Unknown names: CDLT_ERR_USAGE. */
int cdlt_schema_set_detections(cdlt_schema *s, const char *csv, cdlt_error *err);

/* --- tables --- */
cdlt_table *cdlt_schema_table(const cdlt_schema *s, const char *name);
/* Root (resource) table with `write_disposition` and `resource` = name, as extract creates it.
 * Returns the existing table if present. */
cdlt_table *cdlt_schema_add_root_table(cdlt_schema *s, const char *name, const char *write_disposition,
                                       const char *resource);
/* Nested table created by the normalizer ({name, columns, parent}). Existing table if present. */
cdlt_table *cdlt_schema_add_nested_table(cdlt_schema *s, const char *name, const char *parent);
/* Root table at the top of name's parent chain (the table itself for roots). */
cdlt_table *cdlt_schema_root_of(const cdlt_schema *s, const cdlt_table *t);
/* Effective write disposition (inherited from the root; "append" by default). */
const char *cdlt_table_write_disposition(const cdlt_schema *s, const cdlt_table *t);
/* True when the table has at least one complete column (dlt: "is not new"). */
bool cdlt_table_is_complete(const cdlt_table *t);
/* Sets a table property (replaces in place or appends). Value is copied into the schema doc. */
int cdlt_table_set_prop(cdlt_schema *s, cdlt_table *t, const char *key, const cdlt_json_value *value);
/* Marks `x-normalizer.seen-data = true`. */
int cdlt_table_mark_seen_data(cdlt_schema *s, cdlt_table *t);
bool cdlt_table_seen_data(const cdlt_table *t);

/* --- columns --- */
cdlt_column *cdlt_table_column(const cdlt_table *t, const char *name, size_t len);
/* Appends a complete column inferred from data (§3.9): name, data_type, nullable from the
 * not_null default hint, then every other default hint matching the name, and `variant`. */
cdlt_column *cdlt_schema_add_inferred_column(cdlt_schema *s, cdlt_table *t, const char *name,
                                             cdlt_data_type type, bool variant);
/* Completes an incomplete column (no data_type) with a type inferred from data, as dlt's
 * merge_columns does: the column keeps its own properties first, gains the inferred ones it
 * lacks (data_type, nullable, default hints), and moves to the END of the table's columns. */
cdlt_column *cdlt_schema_complete_column(cdlt_schema *s, cdlt_table *t, cdlt_column *c, cdlt_data_type type);
/* Appends (or merges into an existing column) a column given as a JSON object; refreshes index. */
cdlt_column *cdlt_schema_merge_column(cdlt_schema *s, cdlt_table *t, const cdlt_json_value *col);

/* Flat view for destinations: complete columns only, in stored order. Strings borrowed from
 * the schema; def->columns malloc'd (free with cdlt_table_def_release). */
int cdlt_schema_table_def(const cdlt_schema *s, const cdlt_table *t, cdlt_table_def *def);
void cdlt_table_def_release(cdlt_table_def *def);

/* Whether `name` matches a default hint (not_null, unique, ...) of the schema settings. */
bool cdlt_schema_hint_matches(const cdlt_schema *s, const char *hint, const char *name);

#endif
