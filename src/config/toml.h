/* toml.h — a TOML 1.0 reader written for cdlt (config.toml, secrets.toml, pipeline files).
 *
 * A document parses into the project's JSON DOM (json/json.h): tables are objects (keys in source
 * order), arrays are arrays, strings/booleans are strings/booleans, integers are CDLT_JSON_INT
 * (TOML integers are int64), floats CDLT_JSON_FLOAT (inf/nan included). What JSON lacks is kept
 * in a side table of the doc: the TOML kind of every value (date-times are JSON strings whose kind
 * says which of the four forms they are) and the line/column where the value was defined (for a
 * keyed value: its key). Date-time strings are normalised to RFC 3339: 'T' between date and time,
 * upper-case 'Z'; fractional seconds are kept as written.
 *
 * Errors are CDLT_ERR_PARSE with "invalid TOML in '<name>' at line L, column C: <reason>" and
 * err->line/column/offset set; limits (nesting depth, document size) are CDLT_ERR_LIMIT. */
#ifndef CDLT_CONFIG_TOML_H
#define CDLT_CONFIG_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json/json.h"
#include "util/error.h"

/* Largest document accepted (bytes) and deepest nesting of arrays / inline tables / keys. */
#define CDLT_TOML_MAX_SIZE ((size_t)64 << 20)
#define CDLT_TOML_MAX_DEPTH 128

typedef enum cdlt_toml_kind {
  CDLT_TOML_NONE = 0,        /* not a value of this doc */
  CDLT_TOML_STRING,
  CDLT_TOML_INTEGER,
  CDLT_TOML_FLOAT,
  CDLT_TOML_BOOL,
  CDLT_TOML_DATETIME,        /* offset date-time: 1979-05-27T07:32:00Z / ...-07:00 */
  CDLT_TOML_DATETIME_LOCAL,  /* 1979-05-27T07:32:00 */
  CDLT_TOML_DATE_LOCAL,      /* 1979-05-27 */
  CDLT_TOML_TIME_LOCAL,      /* 07:32:00 */
  CDLT_TOML_ARRAY,
  CDLT_TOML_TABLE
} cdlt_toml_kind;

typedef struct cdlt_toml_meta cdlt_toml_meta;

/* Embedded by the caller: cdlt_toml_doc_init, cdlt_toml_parse*, cdlt_toml_doc_release. */
typedef struct cdlt_toml_doc {
  cdlt_json_doc json;          /* owns every value */
  cdlt_json_value *root;       /* the root table after a successful parse (owned by json) */
  cdlt_toml_meta **meta;       /* open-addressing table value pointer -> kind/position */
  size_t meta_cap, meta_len;
} cdlt_toml_doc;

void cdlt_toml_doc_init(cdlt_toml_doc *doc);
void cdlt_toml_doc_release(cdlt_toml_doc *doc);

/* Parses data[0..len) (raw bytes, UTF-8, an optional BOM) into doc (which must be freshly
 * initialised). source_name appears in error messages. On success doc->root is the root table. */
int cdlt_toml_parse(cdlt_toml_doc *doc, const char *data, size_t len, const char *source_name,
                    cdlt_error *err);
/* Reads and parses the file at path (CDLT_ERR_NOT_FOUND when absent). */
int cdlt_toml_parse_file(cdlt_toml_doc *doc, const char *path, cdlt_error *err);

/* TOML kind of v (a value of this doc); CDLT_TOML_NONE for foreign values. */
cdlt_toml_kind cdlt_toml_kind_of(const cdlt_toml_doc *doc, const cdlt_json_value *v);
/* Where v was defined (1-based); false (and 0s) when unknown. */
bool cdlt_toml_position(const cdlt_toml_doc *doc, const cdlt_json_value *v, uint64_t *line,
                        uint64_t *column);
/* Static name of a kind as toml-test spells it: "string", "integer", "float", "bool", "datetime",
 * "datetime-local", "date-local", "time-local", "array", "table". */
const char *cdlt_toml_kind_name(cdlt_toml_kind kind);

#endif
