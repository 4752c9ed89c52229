/* thrift_compact.h — a small encoder of Apache Thrift's compact protocol, enough for Parquet's
 * footer (FileMetaData) and page headers: structs, i16/i32/i64 (zigzag varints), booleans,
 * binary/strings, doubles and lists. The caller writes fields in increasing id order per struct
 * (the protocol encodes the id delta); nesting is tracked on a small stack. Output goes to a
 * cdlt_buf; an allocation failure is remembered and reported by cdlt_tc_failed. */
#ifndef CDLT_FORMATS_THRIFT_COMPACT_H
#define CDLT_FORMATS_THRIFT_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* compact protocol element types */
enum {
  CDLT_TC_BOOL_TRUE = 1,
  CDLT_TC_BOOL_FALSE = 2,
  CDLT_TC_BYTE = 3,
  CDLT_TC_I16 = 4,
  CDLT_TC_I32 = 5,
  CDLT_TC_I64 = 6,
  CDLT_TC_DOUBLE = 7,
  CDLT_TC_BINARY = 8,
  CDLT_TC_LIST = 9,
  CDLT_TC_STRUCT = 12
};

#define CDLT_TC_MAX_DEPTH 16

typedef struct cdlt_tc {
  cdlt_buf *out;                       /* borrowed */
  int16_t last[CDLT_TC_MAX_DEPTH];     /* the last field id of each open struct */
  int depth;                           /* open structs (0: at top level) */
  bool failed;                         /* out of memory or misuse (too deep) */
} cdlt_tc;

/* Starts encoding into out (appends; out is borrowed). The top-level value is a struct: call
 * cdlt_tc_struct_begin first. */
void cdlt_tc_init(cdlt_tc *t, cdlt_buf *out);
/* true when an append failed or structs nested deeper than CDLT_TC_MAX_DEPTH */
bool cdlt_tc_failed(const cdlt_tc *t);

/* A struct value: top level, a list element (after cdlt_tc_list_begin with CDLT_TC_STRUCT) or a
 * field's value (after cdlt_tc_field with CDLT_TC_STRUCT). end writes the stop byte. */
void cdlt_tc_struct_begin(cdlt_tc *t);
void cdlt_tc_struct_end(cdlt_tc *t);

/* Field headers followed by their value. */
void cdlt_tc_field(cdlt_tc *t, int16_t id, uint8_t type);
void cdlt_tc_field_i32(cdlt_tc *t, int16_t id, int32_t v);
void cdlt_tc_field_i64(cdlt_tc *t, int16_t id, int64_t v);
void cdlt_tc_field_bool(cdlt_tc *t, int16_t id, bool v);   /* the value is in the header */
void cdlt_tc_field_binary(cdlt_tc *t, int16_t id, const void *p, size_t n);
void cdlt_tc_field_string(cdlt_tc *t, int16_t id, const char *s);
/* A field holding an empty struct (Parquet's unions of empty structs: TimeUnit, StringType...). */
void cdlt_tc_field_empty_struct(cdlt_tc *t, int16_t id);

/* Bare values (list elements). */
void cdlt_tc_list_begin(cdlt_tc *t, uint8_t elem_type, size_t n);
void cdlt_tc_i32(cdlt_tc *t, int32_t v);
void cdlt_tc_i64(cdlt_tc *t, int64_t v);
void cdlt_tc_binary(cdlt_tc *t, const void *p, size_t n);
void cdlt_tc_double(cdlt_tc *t, double v);

/* Unsigned LEB128 varint into p (at least 10 bytes); returns the length. */
size_t cdlt_tc_uvarint(uint8_t *p, uint64_t v);

#endif
