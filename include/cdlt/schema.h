/* schema.h — public API for dlt schema files (JSON or YAML): validate and print them in dlt's
 * external formats, as `dlt schema FILE` does. Part of the cdlt library; include after or instead
 * of cdlt/cdlt.h. The library never prints: text is returned to the caller. */
#ifndef CDLT_SCHEMA_H
#define CDLT_SCHEMA_H

#include <stddef.h>

#include "cdlt/cdlt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the schema file at `path` (JSON when the name ends in ".json", YAML otherwise), validates
 * it, applies dlt's defaults and bumps its version as dlt's Schema.from_dict does, and renders it
 * as `format` ("yaml" or NULL: PyYAML-exact YAML ending with a newline; "json": 2-space indented
 * JSON without a trailing newline) — dlt's Schema.to_pretty_yaml / to_pretty_json. With
 * remove_defaults != 0 the table and column `name` keys are left out (dlt's remove_defaults).
 * On success *text is a malloc'd NUL-terminated string the caller frees. On failure returns a
 * negative cdlt_status (CDLT_ERR_IO, CDLT_ERR_PARSE with line and column, CDLT_ERR_SCHEMA naming the
 * table and column, CDLT_ERR_USAGE for an unknown format) and writes the message into errbuf
 * (truncated to errbuf_size; errbuf may be NULL). */
int cdlt_schema_file_format(const char *path, const char *format, int remove_defaults, char **text,
                            char *errbuf, size_t errbuf_size);

#ifdef __cplusplus
}
#endif

#endif
