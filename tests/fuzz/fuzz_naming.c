/* fuzz_naming.c — libFuzzer target for the naming conventions (src/schema/naming.h).
 *
 * The input is one identifier / path (any bytes, also invalid UTF-8 and NULs). For every
 * convention and the max lengths 0 (unlimited or the convention's default), 10 and 63:
 *   - normalize_identifier / normalize_table_identifier fail only with CDLT_ERR_USAGE, and only
 *     for a blank (str.strip()-empty) input; they append nothing when they fail;
 *   - they are idempotent: f(f(x)) == f(x), and f(x) is never empty (except for sql_cs_v1 /
 *     sql_ci_v1, where dlt 1.26 returns "" for e.g. "__": golden naming_golden.json);
 *   - normalize_path / normalize_tables_path never fail on a non-empty input and are idempotent
 *     when the path was not shortened (a shortened path may end inside the separator, in dlt too)
 *     and has no "___" (a '_' piece edge next to the separator moves on re-splitting, in dlt too);
 *   - with a max length in force, no result has more code points than the max;
 *   - break_path and the path_next iterator yield the same pieces, none of them blank.
 * A violation aborts with the input and both results on stderr. Built by tests/fuzz/fuzz.cmake. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/naming.h"
#include "util/buf.h"

static const char *const conv_names[] = {"snake_case", "sql_cs_v1", "sql_ci_v1", "duck_case", "direct", "s3_tables"};
static const size_t max_lengths[] = {0, 10, 63};

static void die(const char *conv, size_t max, const char *what, const char *in, size_t in_len, const cdlt_buf *a,
                const cdlt_buf *b) {
  fprintf(stderr, "fuzz_naming: %s (convention %s, max_length %zu)\n  input  [%zu] '%.*s'\n", what, conv, max,
          in_len, (int)in_len, in);
  if (a) fprintf(stderr, "  f(x)   [%zu] '%.*s'\n", a->len, (int)a->len, a->data ? a->data : "");
  if (b) fprintf(stderr, "  f(f(x))[%zu] '%.*s'\n", b->len, (int)b->len, b->data ? b->data : "");
  abort();
}

typedef int (*norm_fn)(const cdlt_naming_ctx *, const char *, size_t, cdlt_buf *, cdlt_error *);

/* Checks one normalization function on x; `is_path` functions accept blank input (result ""). */
static void check_fn(const cdlt_naming_ctx *ctx, norm_fn f, const char *fname, bool is_path, const char *x,
                     size_t len, bool blank) {
  const char *cn = ctx->conv->name;
  size_t max = cdlt_naming_effective_max(ctx);
  cdlt_buf a, b;
  cdlt_buf_init(&a);
  cdlt_buf_init(&b);
  cdlt_error err = {0};
  char what[128];
  int rc = f(ctx, x, len, &a, &err);
  if (rc) {
    snprintf(what, sizeof what, "%s failed (rc %d: %s)", fname, rc, err.msg);
    if (rc != CDLT_ERR_USAGE || !blank || is_path) die(cn, max, what, x, len, &a, NULL);
    if (a.len) die(cn, max, "a failing call appended to out", x, len, &a, NULL);
    goto done;
  }
  /* sql_cs_v1 / sql_ci_v1 strip every trailing '_': dlt 1.26 itself returns "" for "__" (golden) */
  bool may_be_empty = ctx->conv->kind == CDLT_NAMING_SQL_CS_V1 || ctx->conv->kind == CDLT_NAMING_SQL_CI_V1;
  if (!is_path && !may_be_empty && a.len == 0) {
    snprintf(what, sizeof what, "%s returned an empty identifier", fname);
    die(cn, max, what, x, len, &a, NULL);
  }
  if (max && cdlt_utf8_length(a.data ? a.data : "", a.len) > max) {
    snprintf(what, sizeof what, "%s result longer than max_length", fname);
    die(cn, max, what, x, len, &a, NULL);
  }
  if (a.len == 0) goto done;   /* "" (normalizing "" again is an error by design) */
  if (is_path && max) {
    /* dlt shortens the joined path, and the cut may end in the separator or split it
     * ("e_yqoldq__" for max 10): such a shortened path is not idempotent in dlt either, so
     * idempotence is required only when no shortening happened. */
    cdlt_naming_ctx unlimited = *ctx;
    unlimited.max_length = (size_t)-1;
    cdlt_buf_reset(&b);
    if (f(&unlimited, x, len, &b, &err)) die(cn, max, "unlimited path normalization failed", x, len, &a, NULL);
    size_t full = cdlt_utf8_length(b.data ? b.data : "", b.len);
    cdlt_buf_reset(&b);
    if (full > max) goto done;
  }
  /* a piece that is "_" (sql_cs_v1 keeps a lone '_') or ends in '_' (duck_case, direct) next to
   * the "__" separator makes "___": re-splitting it moves the underscore to the other piece, so
   * dlt's normalize_path is not idempotent there either ("\xd9__:d" → "____d" → "d"). */
  if (is_path && ctx->conv->kind != CDLT_NAMING_DIRECT && memmem(a.data, a.len, "___", 3)) goto done;
  rc = f(ctx, a.data, a.len, &b, &err);
  if (rc || b.len != a.len || memcmp(a.data, b.data, a.len) != 0) {
    snprintf(what, sizeof what, "%s is not idempotent (rc %d)", fname, rc);
    die(cn, max, what, x, len, &a, &b);
  }
done:
  cdlt_buf_release(&a);
  cdlt_buf_release(&b);
}

static void check_break_path(const cdlt_naming *conv, const char *x, size_t len) {
  size_t count = 0;
  char **pieces = cdlt_naming_break_path(conv, x, len, &count);
  if (!pieces) abort();
  size_t pos = 0, k = 0;
  const char *piece;
  size_t plen;
  while (cdlt_naming_path_next(conv, x, len, &pos, &piece, &plen)) {
    size_t s, e;
    if (k >= count || strlen(pieces[k]) > plen || memcmp(pieces[k], piece, plen) != 0 ||
        !cdlt_naming_strip(piece, plen, &s, &e)) {
      fprintf(stderr, "fuzz_naming: break_path / path_next disagree or yield a blank piece at %zu (%s)\n", k,
              conv->name);
      abort();
    }
    k++;
  }
  if (k != count || pieces[count] != NULL) {
    fprintf(stderr, "fuzz_naming: break_path has %zu pieces, path_next %zu (%s)\n", count, k, conv->name);
    abort();
  }
  free(pieces);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;   /* identifiers are short; keep runs fast */
  const char *x = (const char *)data;
  size_t s0, e0;
  bool blank = !cdlt_naming_strip(x, size, &s0, &e0);
  for (size_t c = 0; c < sizeof conv_names / sizeof conv_names[0]; c++) {
    const cdlt_naming *conv = cdlt_naming_find(conv_names[c]);
    if (!conv) abort();
    check_break_path(conv, x, size);
    for (size_t m = 0; m < sizeof max_lengths / sizeof max_lengths[0]; m++) {
      cdlt_naming_ctx ctx = cdlt_naming_ctx_make(conv, max_lengths[m]);
      check_fn(&ctx, cdlt_naming_normalize_identifier, "normalize_identifier", false, x, size, blank);
      check_fn(&ctx, cdlt_naming_normalize_table_identifier, "normalize_table_identifier", false, x, size, blank);
      if (size) {
        check_fn(&ctx, cdlt_naming_normalize_path, "normalize_path", true, x, size, blank);
        check_fn(&ctx, cdlt_naming_normalize_tables_path, "normalize_tables_path", true, x, size, blank);
      }
    }
  }
  return 0;
}
