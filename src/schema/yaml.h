/* yaml.h — YAML for dlt schema files: a writer byte-exact with PyYAML and a reader into the JSON DOM.
 *
 * dlt exports schemas with `yaml.dump(d, allow_unicode=True, default_flow_style=False,
 * sort_keys=False)` (PyYAML's pure-Python Dumper); cdlt_yaml_write reproduces that output byte for
 * byte for any JSON value: block mappings and sequences (sequences in mappings are not indented),
 * `{}` / `[]` for empty collections, PyYAML's choice between plain, 'single' and "double" quoted
 * scalars (strings that would resolve to another type are quoted, non-printable characters are
 * escaped), folding of long scalars at width 80, `? key` for keys of 123+ characters.
 *
 * cdlt_yaml_parse reads one YAML document (what the writer produces and reasonable hand-written
 * YAML: block and flow collections, plain / quoted / literal / folded scalars, comments) and
 * resolves plain scalars as PyYAML's safe_load does (YAML 1.1: yes/no/on/off are booleans, 0x1F,
 * 0o-less octal 017, 1_000 and 1:30 are ints, ~ and empty are null). Timestamps stay strings (the
 * JSON DOM has no date type). Anchors, aliases, tags and multiple documents are rejected. */
#ifndef CDLT_SCHEMA_YAML_H
#define CDLT_SCHEMA_YAML_H

#include <stddef.h>

#include "json/json.h"
#include "util/buf.h"
#include "util/error.h"

/* Appends v as PyYAML's yaml.dump would (ends with a newline). Returns 0 or CDLT_ERR_NOMEM. */
int cdlt_yaml_write(cdlt_buf *out, const cdlt_json_value *v);

/* Parses one YAML document from data[0..len) into values owned by doc. `source_name` names the
 * input in error messages ("invalid YAML in '<name>' at line L, column C: ..."; err->line and
 * err->column are set). An empty document yields a JSON null. */
int cdlt_yaml_parse(cdlt_json_doc *doc, const char *data, size_t len, const char *source_name,
                    cdlt_json_value **out, cdlt_error *err);

#endif
