/* json_reader.h — streaming pull reader for JSON, JSON Lines and dlt's typed-jsonl.
 *
 * The reader pulls fixed-size chunks (64 KiB) from a cdlt_input, or reads a memory buffer in
 * place, and builds one top-level value (or one item) at a time in a caller-provided
 * cdlt_json_doc. Memory is bounded by the size of one item, not by the input.
 *
 *   cdlt_json_reader *r;
 *   cdlt_json_reader_new(&r, in, NULL, &err);
 *   while ((rc = cdlt_json_reader_next_item(r, &doc, &item, &err)) == 1) {
 *     ... use item ...
 *     cdlt_json_doc_reset(&doc);
 *   }
 *   if (rc < 0) report err.msg;   (rc == 0: clean end of input)
 *
 * Strict RFC 8259: no comments, trailing commas, NaN/Infinity, leading zeros or raw control
 * characters in strings; strings must be valid UTF-8 (no overlongs, UTF-8-encoded surrogates or
 * code points above U+10FFFF); \u escapes are decoded, surrogate pairs combined, lone surrogate
 * escapes rejected. A UTF-8 BOM at the very start of the input is skipped. Numbers keep their
 * text; integers outside int64 are CDLT_JSON_BIGINT, floats that overflow are CDLT_JSON_FLOAT with
 * d = +-inf. Duplicate object keys: the value of the last occurrence at the position of the first
 * (Python dict semantics).
 *
 * Top-level values must be separated by whitespace (JSON Lines: one per line).
 *
 * Errors: "invalid JSON in '<source>' at line L, column C (byte O): <reason>" with code
 * CDLT_ERR_PARSE, or CDLT_ERR_LIMIT when a limit was hit; err->line/column (1-based, column in
 * bytes) and err->offset (0-based) are set. I/O errors of the input are passed through. After an
 * error the reader stays failed: later calls return the same error. */
#ifndef CDLT_JSON_JSON_READER_H
#define CDLT_JSON_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json/input.h"
#include "json/json.h"

typedef struct cdlt_json_limits {
  size_t max_depth;          /* nesting of arrays/objects; 0 = default 10000 */
  size_t max_string_bytes;   /* decoded string / number text length; 0 = default 256 MiB */
  uint64_t max_item_bytes;   /* input bytes of one top-level value or item; 0 = default 1 GiB */
} cdlt_json_limits;

/* Limits for cdlt's own job files (loaders read what normalize wrote): anything the configured
 * input limits let through must load, so these are effectively unlimited (depth 2^24). */
extern const cdlt_json_limits cdlt_json_job_limits;
/* cdlt_json_parse with explicit limits (NULL = defaults). */
int cdlt_json_parse_limits(cdlt_json_doc *doc, const char *data, size_t len, const char *source_name,
                           const cdlt_json_limits *limits, cdlt_json_value **out, cdlt_error *err);

#define CDLT_JSON_DEFAULT_MAX_DEPTH 10000
#define CDLT_JSON_DEFAULT_MAX_STRING_BYTES ((size_t)256 << 20)
#define CDLT_JSON_DEFAULT_MAX_ITEM_BYTES ((uint64_t)1 << 30)

typedef struct cdlt_json_reader cdlt_json_reader;

/* A reader over `in` (borrowed: the caller closes it after _free). limits NULL = defaults.
 * Returns 0 or CDLT_ERR_NOMEM. */
int cdlt_json_reader_new(cdlt_json_reader **out, cdlt_input *in, const cdlt_json_limits *limits,
                         cdlt_error *err);

/* A reader over memory, read in place (no copy): data must outlive the reader. `name` (copied)
 * names the source in messages (NULL = "<memory>"). */
int cdlt_json_reader_new_memory(cdlt_json_reader **out, const void *data, size_t len,
                                const char *name, const cdlt_json_limits *limits, cdlt_error *err);

void cdlt_json_reader_free(cdlt_json_reader *r);   /* accepts NULL */

/* The next top-level value of a whitespace-separated sequence (JSON Lines, or one document).
 * Values are allocated in doc. Returns 1 when a value was read (*out set), 0 at a clean end of
 * input, < 0 on error. */
int cdlt_json_reader_next_value(cdlt_json_reader *r, cdlt_json_doc *doc, cdlt_json_value **out,
                                cdlt_error *err);

/* Like next_value, but a top-level ARRAY is flattened one level: its elements are returned one
 * at a time without materializing the array (an arbitrarily large JSON array file streams).
 * Top-level objects and scalars are returned as they are. Handles JSON Lines, a JSON array
 * file, a single object and typed-jsonl (one array of items per line). Do not mix next_value
 * and next_item calls on one reader while inside a top-level array (next_value would continue
 * the flattening). */
int cdlt_json_reader_next_item(cdlt_json_reader *r, cdlt_json_doc *doc, cdlt_json_value **out,
                               cdlt_error *err);

/* Where the last value/item returned started: line and column (1-based, bytes) and byte offset
 * (0-based) in the input. Any pointer may be NULL. */
void cdlt_json_reader_item_position(const cdlt_json_reader *r, uint64_t *line, uint64_t *column,
                                    uint64_t *offset);

/* The input bytes of the last value/item returned when they are exactly its compact
 * serialization (what cdlt_json_write(item, 0) appends): no whitespace inside it, only the escapes
 * the writer writes the same way, no duplicate keys; and still in the reader's window (items up to
 * 1 MiB stay in it). Returns true and sets *raw / *len (borrowed, valid until the next call on r);
 * false otherwise. */
bool cdlt_json_reader_item_raw(const cdlt_json_reader *r, const char **raw, size_t *len);

/* Whether the last value/item returned has an integer of more than 18 digits (only such an integer
 * can be outside the 64-bit range: a caller looking for those can skip the items without). */
bool cdlt_json_reader_item_long_int(const cdlt_json_reader *r);

/* A fast path over memory readers in item mode (cdlt's own typed-jsonl job files, whose lines are
 * compact arrays of compact objects): when the next item is an object that follows the ',' of the
 * flattened top-level array, or starts the next line's array ("\n[" right after the last item),
 * sets *at to its first byte and *avail to the bytes from there to the end of the input (at most the
 * item size limit) and returns true. Nothing is consumed: a caller that recognizes the item's
 * bytes calls cdlt_json_reader_consume_item(r, its length) before any other call on r, which
 * moves past it as next_item would (item position set; item_raw false; item_long_int true), and
 * otherwise just calls next_item. False: not such a position (an input reader, before the first
 * next_item, after an error, whitespace or anything else): call next_item. */
bool cdlt_json_reader_peek_item(cdlt_json_reader *r, const char **at, size_t *avail);
void cdlt_json_reader_consume_item(cdlt_json_reader *r, size_t len);

/* The reader's exact float fast path (Clinger's): t is a float literal already validated as JSON,
 * without its sign, len its bytes; neg its sign. True with *out set when the significand has at
 * most 15 digits and the exponent is within +-22 (the value is then exact and what strtod gives);
 * false otherwise. The JSON reader uses it for every float it reads, so a caller that gets true has
 * the value the reader would produce. */
bool cdlt_json_fast_float(const unsigned char *t, size_t len, bool neg, double *out);

/* Name of the source (for messages). Owned by the reader (or its input). */
const char *cdlt_json_reader_source_name(const cdlt_json_reader *r);

/* Input bytes consumed so far (after decompression). */
uint64_t cdlt_json_reader_bytes_consumed(const cdlt_json_reader *r);

/* Calls fn for every item (see cdlt_json_reader_next_item) of the file at path ("-" = stdin,
 * gzip transparent), each built in a document that is reset between items. Stops at the first
 * non-zero return of fn or reader error and returns it; 0 when every item was handled.
 * (item_stream.c) */
typedef int (*cdlt_json_item_fn)(void *ctx, const cdlt_json_reader *r, cdlt_json_value *item, cdlt_error *err);
int cdlt_json_each_file_item(const char *path, cdlt_json_item_fn fn, void *ctx, cdlt_error *err);
/* The same with explicit limits (NULL = defaults): internal job files wrap items in one more
 * array level than the user's input, so their reader allows one more level. */
int cdlt_json_each_file_item_limits(const char *path, const cdlt_json_limits *limits, cdlt_json_item_fn fn, void *ctx,
                                    cdlt_error *err);

#endif
