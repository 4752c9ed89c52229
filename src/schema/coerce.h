/* coerce.h — type inference for new columns and coercion of values into typed columns
 * (DLT_CONTRACT §2.2-2.3, §3.6-3.7), writing the coerced value as a JSON literal for the
 * loader's jsonl job files. */
#ifndef CDLT_SCHEMA_COERCE_H
#define CDLT_SCHEMA_COERCE_H

#include <stdbool.h>

#include "json/json.h"
#include "schema/schema.h"
#include "util/buf.h"

/* dlt's name for the Python type of a JSON value, used to name variant columns
 * (`<col>__v_<type>`): "text", "bigint", "double", "bool" or "json". */
const char *cdlt_value_py_type(const cdlt_json_value *v);

/* The type a new column gets from its first non-null value: the schema's detections first
 * (iso_timestamp, iso_date, timestamp, large_integer), then the plain JSON type. */
cdlt_data_type cdlt_infer_type(const cdlt_schema *s, const cdlt_json_value *v);

/* True when v is a JSON null or a value dlt writes as null (NaN / +-Infinity floats). */
bool cdlt_value_is_null(const cdlt_json_value *v);

/* Appends v coerced to `to` as a JSON literal (what the jsonl job file holds for a column of
 * that type: ISO-8601 UTC strings for timestamps, compact JSON for json, ...). Returns false,
 * appending nothing, when dlt would not coerce this value (the caller then uses a variant
 * column). */
bool cdlt_coerce_write(cdlt_data_type to, const cdlt_json_value *v, cdlt_buf *out);

#endif
