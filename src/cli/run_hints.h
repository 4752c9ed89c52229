/* run_hints.h — turns `cdlt run` resource flags into dlt's resource hints as JSON text
 * (cdlt_resource_options.hints_json). Pure string work; validation of values is the library's. */
#ifndef CDLT_CLI_RUN_HINTS_H
#define CDLT_CLI_RUN_HINTS_H

#include <stddef.h>

/* Flag values as given (NULL = flag absent). Strings are borrowed. */
typedef struct run_hint_args {
  const char *write_disposition, *merge_strategy, *primary_key, *merge_key, *dedup_sort, *hard_delete;
  const char *validity_columns, *boundary_timestamp, *active_record_timestamp, *row_version_column;
  const char *columns, *max_table_nesting, *schema_contract, *extra_json;
  const char *cursor_path, *initial_value, *end_value, *last_value_func, *row_order;
  const char *on_cursor_value_missing, *lag, *range_start, *range_end;
} run_hint_args;

/* Returns a malloc'd JSON object text (caller frees), or NULL with a message in errbuf for flags
 * that cannot be expressed (e.g. --merge-strategy without merge, a malformed --columns). */
char *run_hints_build(const run_hint_args *a, char *errbuf, size_t errlen);

#endif
