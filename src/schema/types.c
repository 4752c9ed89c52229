/* types.c — names of dlt's data types. */
#include "schema/types.h"

#include <string.h>

static const char *const type_names[] = {
    NULL, "text", "double", "bool", "timestamp", "bigint", "binary", "json", "decimal", "wei", "date", "time"};

const char *cdlt_data_type_name(cdlt_data_type t) {
  return (unsigned)t < sizeof type_names / sizeof *type_names ? type_names[t] : NULL;
}

cdlt_data_type cdlt_data_type_parse(const char *name) {
  if (!name) return CDLT_TYPE_NONE;
  if (strcmp(name, "complex") == 0) return CDLT_TYPE_JSON;
  for (size_t k = 1; k < sizeof type_names / sizeof *type_names; k++)
    if (strcmp(type_names[k], name) == 0) return (cdlt_data_type)k;
  return CDLT_TYPE_NONE;
}
