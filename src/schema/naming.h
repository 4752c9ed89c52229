/* naming.h — dlt naming conventions (contract §1): identifier / path normalization, shortening.
 *
 * A convention is static data (cdlt_naming, found by name); a cdlt_naming_ctx pairs it with the
 * destination's max identifier length. All results are exact with dlt 1.26.0, including the Unicode
 * details (str.strip() whitespace, Python `\d` = Unicode Nd digits, lengths in code points).
 *
 * Strings: inputs are (pointer, length) byte strings in UTF-8 and may contain NUL bytes. Invalid
 * UTF-8 bytes are treated as single opaque characters (never matched by any class, so snake_case
 * replaces them, duck_case / direct keep them) — no input makes these functions fail except an empty
 * identifier.
 *
 * Ownership: every result is APPENDED to a caller-owned cdlt_buf (`out`); the caller reuses or
 * releases the buffer. Nothing is appended when a function fails. Functions returning int return 0,
 * CDLT_ERR_USAGE (empty / whitespace-only identifier, message in err) or CDLT_ERR_NOMEM.
 * All functions are thread-safe (no mutable global state). */
#ifndef CDLT_SCHEMA_NAMING_H
#define CDLT_SCHEMA_NAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/error.h"

/* The raw dlt prefix. The effective prefix of a schema is normalize_table_identifier("_dlt"):
 * "_dlt" for every convention except s3_tables ("dlt", leading underscores are dropped from table
 * names). Tables and columns starting with it are dlt entities. */
#define CDLT_DLT_PREFIX "_dlt"
/* Length of the shortening tag (contract §1.1 step 9). */
#define CDLT_NAMING_TAG_LEN 6

typedef enum cdlt_naming_kind {
  CDLT_NAMING_SNAKE_CASE = 0,
  CDLT_NAMING_SQL_CS_V1,
  CDLT_NAMING_SQL_CI_V1,
  CDLT_NAMING_DUCK_CASE,
  CDLT_NAMING_DIRECT,
  CDLT_NAMING_S3_TABLES
} cdlt_naming_kind;

typedef struct cdlt_naming {
  cdlt_naming_kind kind;
  const char *name;            /* canonical name as stored in the schema: "snake_case" */
  const char *path_separator;  /* "__", or "\xE2\x96\xB6" (U+25B6 ▶) for direct */
  size_t path_separator_len;
  bool case_sensitive;         /* false for snake_case, sql_ci_v1, s3_tables */
  size_t default_max_length;   /* used when the ctx max_length is 0: 255 for s3_tables, else 0 */
  bool strip_leading_underscores_in_tables;  /* s3_tables */
} cdlt_naming;

/* Looks a convention up by name: the canonical name ("snake_case", "sql_cs_v1", "sql_ci_v1",
 * "duck_case", "direct", "s3_tables") or a dlt module path ("dlt.common.normalizers.naming.<name>",
 * and the legacy "dlt.common.normalizers.names.<name>"). NULL when unknown. Static, never freed. */
const cdlt_naming *cdlt_naming_find(const char *name);
/* The default convention (snake_case). */
const cdlt_naming *cdlt_naming_default(void);

typedef struct cdlt_naming_ctx {
  const cdlt_naming *conv;
  size_t max_length;  /* in code points; 0 = unlimited (or conv->default_max_length) */
} cdlt_naming_ctx;

/* ctx = {conv (NULL → snake_case), max_length}. */
cdlt_naming_ctx cdlt_naming_ctx_make(const cdlt_naming *conv, size_t max_length);
/* The max length in force: ctx->max_length, or conv->default_max_length when it is 0. */
size_t cdlt_naming_effective_max(const cdlt_naming_ctx *ctx);

/* --- normalization (results appended to out) --- */
/* normalize_identifier(s): strip, convention rules, shorten (tag from the stripped input). */
int cdlt_naming_normalize_identifier(const cdlt_naming_ctx *ctx, const char *s, size_t len,
                                     cdlt_buf *out, cdlt_error *err);
/* normalize_table_identifier(s): as normalize_identifier; s3_tables also drops leading '_'. */
int cdlt_naming_normalize_table_identifier(const cdlt_naming_ctx *ctx, const char *s, size_t len,
                                           cdlt_buf *out, cdlt_error *err);
/* normalize_path(p): break_path, normalize_identifier per piece, make_path, shorten the joined
 * string with the tag computed from the raw p. A path with no non-blank piece yields "" (no error). */
int cdlt_naming_normalize_path(const cdlt_naming_ctx *ctx, const char *p, size_t len,
                               cdlt_buf *out, cdlt_error *err);
/* normalize_tables_path(p): same with normalize_table_identifier per piece. */
int cdlt_naming_normalize_tables_path(const cdlt_naming_ctx *ctx, const char *p, size_t len,
                                      cdlt_buf *out, cdlt_error *err);

/* --- paths --- */
/* make_path(parts...): joins the non-blank parts (str.strip() non-empty) with the separator.
 * lens may be NULL (parts are then NUL-terminated). Returns 0 or CDLT_ERR_NOMEM. */
int cdlt_naming_make_path(const cdlt_naming *conv, const char *const *parts, const size_t *lens,
                          size_t nparts, cdlt_buf *out);
/* Iterator form of break_path (no allocation): yields the non-blank pieces of p split on the
 * separator (Python str.split semantics), in order. Start with *pos = 0; each call returning true
 * sets *piece / *piece_len (pointing into p). */
bool cdlt_naming_path_next(const cdlt_naming *conv, const char *p, size_t len, size_t *pos,
                           const char **piece, size_t *piece_len);
/* break_path(p) as one allocation: returns a NULL-terminated array of NUL-terminated pieces, the
 * strings stored in the same block — free() the returned pointer once. *count (may be NULL) gets
 * the number of pieces. NULL only on allocation failure. */
char **cdlt_naming_break_path(const cdlt_naming *conv, const char *p, size_t len, size_t *count);
/* shorten_fragments(parts...): make_path of already-normalized parts, then shorten with the tag
 * computed from the joined string. (dlt returns None for zero parts; here out gets nothing.) */
int cdlt_naming_shorten_fragments(const cdlt_naming_ctx *ctx, const char *const *parts,
                                  const size_t *lens, size_t nparts, cdlt_buf *out);

/* --- shortening primitives --- */
/* shorten_identifier(normalized, tag_source, max_length): appends normalized unchanged when
 * max_length is 0 or it has at most max_length code points; otherwise the first
 * ceil((max_length-6)/2) code points, the tag of tag_source, the last floor((max_length-6)/2).
 * max_length must be 0 or >= 6 (smaller values are treated as 6). */
int cdlt_naming_shorten_identifier(const char *normalized, size_t len, const char *tag_source,
                                   size_t tag_source_len, size_t max_length, cdlt_buf *out);
/* _trim_and_tag(s, tag, max_length): always trims (no length test): first
 * ceil((max_length-taglen)/2) code points + tag + last floor((max_length-taglen)/2) code points of
 * s. Requires taglen <= max_length <= code points of s (else s is appended unchanged). */
int cdlt_naming_trim_and_tag(const char *s, size_t len, const char *tag, size_t max_length,
                             cdlt_buf *out);
/* _compute_tag(s): lowercase(base64(SHAKE-128(s)[:4]) without '=', '/'→'a', '+'→'b'): 6 chars + NUL. */
void cdlt_naming_tag(const char *s, size_t len, char out[CDLT_NAMING_TAG_LEN + 1]);

/* --- Unicode helpers (exposed for the normalizer and tests) --- */
/* Python str.isspace() for one code point. */
bool cdlt_unicode_is_space(uint32_t cp);
/* Python re `\d` on str: Unicode general category Nd. */
bool cdlt_unicode_is_decimal(uint32_t cp);
/* Number of code points in a UTF-8 string (invalid bytes count as one each). */
size_t cdlt_utf8_length(const char *s, size_t len);
/* Python str.strip(): sets *start / *end (byte offsets, end exclusive) of s without surrounding
 * Unicode whitespace. Returns true when something remains. */
bool cdlt_naming_strip(const char *s, size_t len, size_t *start, size_t *end);

#endif
