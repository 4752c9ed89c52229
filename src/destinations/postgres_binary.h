/* postgres_binary.h — PostgreSQL's binary COPY encoding of value texts (used by postgres.c).
 *
 * The PostgreSQL destination computes, for every value, the text that COPY's text format would
 * send; for tables whose columns all have a type listed here it sends COPY's binary format
 * instead, which spares the server the text parsing (int8in, float8in, timestamptz_in...).
 * cdlt_pg_binary_field encodes a value text exactly as the type's input function would read it,
 * but only for a strict subset of each input grammar (the forms cdlt's normalizer writes); any
 * other text returns 1 and the caller loads the file with COPY text instead, so PostgreSQL stays
 * the judge of unusual values and of errors. */
#ifndef CDLT_DESTINATIONS_POSTGRES_BINARY_H
#define CDLT_DESTINATIONS_POSTGRES_BINARY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

/* type oids (pg_type.h) */
enum {
  CDLT_PG_BOOL = 16,
  CDLT_PG_BYTEA = 17,
  CDLT_PG_INT8 = 20,
  CDLT_PG_INT2 = 21,
  CDLT_PG_INT4 = 23,
  CDLT_PG_TEXT = 25,
  CDLT_PG_JSON = 114,
  CDLT_PG_FLOAT4 = 700,
  CDLT_PG_FLOAT8 = 701,
  CDLT_PG_VARCHAR = 1043,
  CDLT_PG_DATE = 1082,
  CDLT_PG_TIME = 1083,
  CDLT_PG_TIMESTAMP = 1114,
  CDLT_PG_TIMESTAMPTZ = 1184,
  CDLT_PG_JSONB = 3802
};

/* The 19-byte header of a binary COPY stream (signature, flags 0, no extension). */
int cdlt_pg_binary_header(cdlt_buf *b);
/* A tuple's field count (int16) / the trailer (int16 -1). */
int cdlt_pg_binary_tuple(cdlt_buf *b, unsigned nfields);
int cdlt_pg_binary_trailer(cdlt_buf *b);
/* A NULL field (length -1). */
int cdlt_pg_binary_null(cdlt_buf *b);

/* true when cdlt_pg_binary_field can encode values of type oid */
bool cdlt_pg_binary_supported(unsigned oid);

/* Appends one field (int32 length + value) of type oid read from the text s[0..n) to b, as
 * PostgreSQL's input function of that type would read the text. `num`: when the text is a JSON
 * number literal, its correctly rounded double (spares a strtod), else NULL. bytea: s[0..n) are
 * the raw bytes. Returns 0, 1 when the text is not one of the strict forms encoded here (nothing
 * appended: load with COPY text), or CDLT_ERR_NOMEM. Texts with a NUL byte are the caller's
 * concern. */
int cdlt_pg_binary_field(cdlt_buf *b, unsigned oid, const char *s, size_t n, const double *num);

#endif
