/* json.h — cdlt's JSON document model (DOM), writer and parser entry points.
 *
 * A cdlt_json_doc owns an arena; every value, string and container made for it lives until the
 * doc is reset or released, so one item (or one schema) is freed at once. Objects keep their keys
 * in insertion order (dlt's files depend on order). Numbers keep their source text, so they are
 * written back exactly as read; integers that fit int64 also carry `i`, floats carry `d`.
 * Strings may contain NUL bytes: always use the length.
 *
 * The streaming reader (json_reader.h) builds values of this model one item at a time. */
#ifndef CDLT_JSON_JSON_H
#define CDLT_JSON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/error.h"

typedef enum cdlt_json_type {
  CDLT_JSON_NULL = 0,
  CDLT_JSON_BOOL,
  CDLT_JSON_INT,     /* integer literal that fits int64: u.num.i */
  CDLT_JSON_BIGINT,  /* integer literal outside int64: text only */
  CDLT_JSON_FLOAT,   /* literal with fraction or exponent: u.num.d (may be +-inf on overflow) */
  CDLT_JSON_STRING,
  CDLT_JSON_ARRAY,
  CDLT_JSON_OBJECT
} cdlt_json_type;

typedef struct cdlt_json_value cdlt_json_value;

typedef struct cdlt_json_member {
  const char *key;     /* NUL-terminated, may contain NULs before key_len */
  size_t key_len;
  cdlt_json_value *value;
} cdlt_json_member;

struct cdlt_json_value {
  cdlt_json_type type;
  union {
    bool boolean;
    struct { const char *text; size_t len; int64_t i; double d; } num;
    struct { const char *ptr; size_t len; } str;            /* ptr NUL-terminated */
    struct { cdlt_json_value **items; size_t len, cap; } arr;
    struct { cdlt_json_member *members; size_t len, cap; } obj;
  } u;
};

typedef struct cdlt_json_doc {
  cdlt_arena arena;
} cdlt_json_doc;

/* --- documents (embedded by the caller) --- */
void cdlt_json_doc_init(cdlt_json_doc *doc);
void cdlt_json_doc_release(cdlt_json_doc *doc);
void cdlt_json_doc_reset(cdlt_json_doc *doc);   /* frees every value made for doc */

/* --- constructors: return NULL only on allocation failure; results belong to doc --- */
cdlt_json_value *cdlt_json_null(cdlt_json_doc *doc);
cdlt_json_value *cdlt_json_bool(cdlt_json_doc *doc, bool b);
cdlt_json_value *cdlt_json_int(cdlt_json_doc *doc, int64_t i);
cdlt_json_value *cdlt_json_double(cdlt_json_doc *doc, double d);   /* text as Python repr() */
/* Number from JSON number text (validated by the caller): classifies INT / BIGINT / FLOAT. */
cdlt_json_value *cdlt_json_number_text(cdlt_json_doc *doc, const char *text, size_t len);
cdlt_json_value *cdlt_json_string(cdlt_json_doc *doc, const char *s, size_t len);  /* copies */
cdlt_json_value *cdlt_json_cstr(cdlt_json_doc *doc, const char *s);                 /* copies */
cdlt_json_value *cdlt_json_array(cdlt_json_doc *doc);
cdlt_json_value *cdlt_json_object(cdlt_json_doc *doc);
/* Deep copy of v (from any doc) into doc. */
cdlt_json_value *cdlt_json_copy(cdlt_json_doc *doc, const cdlt_json_value *v);

/* --- containers; all return 0 or CDLT_ERR_NOMEM --- */
int cdlt_json_array_push(cdlt_json_doc *doc, cdlt_json_value *arr, cdlt_json_value *v);
/* Appends key (copied) without looking for an existing one. */
int cdlt_json_object_add(cdlt_json_doc *doc, cdlt_json_value *obj, const char *key, size_t key_len,
                         cdlt_json_value *v);
/* Replaces the value of an existing key in place (keeps its position) or appends. */
int cdlt_json_object_set(cdlt_json_doc *doc, cdlt_json_value *obj, const char *key, cdlt_json_value *v);
/* Removes key if present; returns true when removed. */
bool cdlt_json_object_remove(cdlt_json_value *obj, const char *key);

/* --- lookups (NULL when absent or obj is not an object) --- */
cdlt_json_value *cdlt_json_get(const cdlt_json_value *obj, const char *key);
cdlt_json_value *cdlt_json_getn(const cdlt_json_value *obj, const char *key, size_t key_len);
const char *cdlt_json_get_str(const cdlt_json_value *obj, const char *key);   /* string value */
/* Integer member or `dflt`; bools count as 0/1. */
int64_t cdlt_json_get_int(const cdlt_json_value *obj, const char *key, int64_t dflt);
/* Bool member or `dflt`. */
bool cdlt_json_get_bool(const cdlt_json_value *obj, const char *key, bool dflt);
/* Object member, created (empty object) and appended if absent. NULL on NOMEM or type clash. */
cdlt_json_value *cdlt_json_get_or_add_object(cdlt_json_doc *doc, cdlt_json_value *obj, const char *key);

bool cdlt_json_is_str(const cdlt_json_value *v, const char *s);
/* The type as a phrase for messages: "a boolean", "an integer", "a float", "a string", "an array",
 * "an object", "null". Static storage. */
const char *cdlt_json_type_phrase(cdlt_json_type t);
/* Structural equality (object key order ignored; numbers compared by text, then by value). */
bool cdlt_json_equal(const cdlt_json_value *a, const cdlt_json_value *b);

/* --- writer --- */
enum {
  CDLT_JSON_WRITE_PRETTY = 1,     /* 2-space indent, "key": value, as Python json.dumps(indent=2) */
  CDLT_JSON_WRITE_SORT_KEYS = 2   /* object keys sorted by UTF-8 bytes, recursively */
};
/* Appends v to out. Compact by default (`,` `:` no spaces), non-ASCII raw UTF-8 (orjson style). */
int cdlt_json_write(cdlt_buf *out, const cdlt_json_value *v, unsigned flags);
/* Appends s as a quoted, escaped JSON string. */
int cdlt_json_write_string(cdlt_buf *out, const char *s, size_t len);
/* Shortest text that round-trips d, formatted as Python's repr(float) ("1.0", "1e+20", "0.1").
 * Writes at most 32 bytes + NUL into out; returns the length. NaN/inf yield "NaN"/"Infinity". */
size_t cdlt_format_double(double d, char out[33]);

/* --- parsing a whole buffer (strict RFC 8259: exactly one value, whitespace around) ---
 * Implemented in json_reader.c. `source_name` is used in error messages. */
int cdlt_json_parse(cdlt_json_doc *doc, const char *data, size_t len, const char *source_name,
                    cdlt_json_value **out, cdlt_error *err);

#endif
