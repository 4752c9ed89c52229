/* resource_hints.h — dlt's resource hints (the arguments of @dlt.resource / apply_hints):
 * parsed and validated from the JSON form of cdlt_resource_options.hints_json, and applied to the
 * schema at extract time exactly as dlt stores them (DLT_CONTRACT §4.2-4.3, §8.5-8.6):
 * table properties, hinted columns (incomplete until data completes them, §3.8), primary and
 * merge keys, merge strategies with the scd2 validity columns, nesting limit, schema contract.
 *
 * Ownership: a cdlt_resource_hints is embedded by the caller (_parse fills it, _release frees
 * what it holds). Pointers into it stay valid until _release. */
#ifndef CDLT_EXTRACT_RESOURCE_HINTS_H
#define CDLT_EXTRACT_RESOURCE_HINTS_H

#include <stdbool.h>

#include "cdlt/cdlt.h"
#include "json/json.h"
#include "schema/schema.h"
#include "util/error.h"

typedef struct cdlt_resource_hints {
  cdlt_json_doc doc;                 /* owns every value below */
  cdlt_json_value *hints;            /* the whole hints object (never NULL after parse) */
  const char *resource_name;         /* the resource (and default table) name as given */
  const char *write_disposition;     /* "append" | "replace" | "merge" | "skip" */
  const char *merge_strategy;        /* NULL unless given in the write_disposition object */
  cdlt_json_value *merge_config;     /* the write_disposition object, or NULL */
  cdlt_json_value *primary_key;      /* array of strings, or NULL */
  cdlt_json_value *merge_key;        /* array of strings, or NULL */
  cdlt_json_value *columns;          /* object name -> column schema (names as given), or NULL */
  int64_t max_table_nesting;         /* -1 when not given */
  cdlt_json_value *schema_contract;  /* string or object, or NULL */
  cdlt_json_value *incremental;      /* the incremental object, or NULL */
  cdlt_json_value *nested_hints;     /* object, or NULL */
} cdlt_resource_hints;

/* Parses and validates opts (table_name and write_disposition fields win over hints_json).
 * Unknown keys, wrong types and invalid values fail with CDLT_ERR_USAGE naming the hint.
 * On failure h is released. */
int cdlt_resource_hints_parse(const cdlt_resource_options *opts, cdlt_resource_hints *h, cdlt_error *err);
void cdlt_resource_hints_release(cdlt_resource_hints *h);

/* Applies the hints to the schema: creates the root table `table_name` (already normalized) or
 * updates it, and the nested tables named in nested_hints. Identifiers in the hints are
 * normalized with the schema's naming convention. *out_table receives the root table. */
int cdlt_resource_hints_apply(cdlt_schema *s, const cdlt_resource_hints *h, const char *table_name,
                              cdlt_table **out_table, cdlt_error *err);

#endif
