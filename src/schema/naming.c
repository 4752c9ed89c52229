/* naming.c — dlt naming conventions (contract §1). See naming.h and docs/internals/NAMING.md.
 *
 * Structure: every convention has a "core" (the per-identifier rewrite, no strip, no shortening)
 * and a fast-path predicate telling when the core is the identity (the common case: keys already
 * in the target form). The generic functions strip, test the fast path, run the core, shorten. */
#include "util/utf8.h"
#include "schema/naming.h"

#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "util/hash.h"

/* ------------------------------------------------------------------------------------------ */
/* the conventions */

static const cdlt_naming conventions[] = {
    {CDLT_NAMING_SNAKE_CASE, "snake_case", "__", 2, false, 0, false},
    {CDLT_NAMING_SQL_CS_V1, "sql_cs_v1", "__", 2, true, 0, false},
    {CDLT_NAMING_SQL_CI_V1, "sql_ci_v1", "__", 2, false, 0, false},
    {CDLT_NAMING_DUCK_CASE, "duck_case", "__", 2, true, 0, false},
    {CDLT_NAMING_DIRECT, "direct", "\xE2\x96\xB6", 3, true, 0, false},
    {CDLT_NAMING_S3_TABLES, "s3_tables", "__", 2, false, 255, true},
};
#define N_CONVENTIONS (sizeof conventions / sizeof conventions[0])

const cdlt_naming *cdlt_naming_find(const char *name) {
  if (!name) return NULL;
  static const char *const prefixes[] = {"", "dlt.common.normalizers.naming.",
                                         "dlt.common.normalizers.names."};
  for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
    size_t pl = strlen(prefixes[p]);
    if (strncmp(name, prefixes[p], pl) != 0) continue;
    for (size_t i = 0; i < N_CONVENTIONS; i++)
      if (strcmp(name + pl, conventions[i].name) == 0) return &conventions[i];
  }
  return NULL;
}

const cdlt_naming *cdlt_naming_default(void) { return &conventions[0]; }

cdlt_naming_ctx cdlt_naming_ctx_make(const cdlt_naming *conv, size_t max_length) {
  cdlt_naming_ctx c = {conv ? conv : &conventions[0], max_length};
  return c;
}

size_t cdlt_naming_effective_max(const cdlt_naming_ctx *ctx) {
  if (ctx->max_length) return ctx->max_length;
  return ctx->conv ? ctx->conv->default_max_length : 0;
}

static const cdlt_naming *ctx_conv(const cdlt_naming_ctx *ctx) {
  return ctx->conv ? ctx->conv : &conventions[0];
}

/* ------------------------------------------------------------------------------------------ */
/* Unicode */

/* Python str.isspace(): bidirectional class WS/B/S or category Zs. */
bool cdlt_unicode_is_space(uint32_t cp) {
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
  switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

/* General category Nd (what Python's re `\d` matches in str patterns), Unicode 15.1 (Python
 * 3.12/3.13). Every range is one or more blocks of ten digits. */
static const uint32_t nd_ranges[][2] = {
    {0x30, 0x39},       {0x660, 0x669},     {0x6F0, 0x6F9},     {0x7C0, 0x7C9},
    {0x966, 0x96F},     {0x9E6, 0x9EF},     {0xA66, 0xA6F},     {0xAE6, 0xAEF},
    {0xB66, 0xB6F},     {0xBE6, 0xBEF},     {0xC66, 0xC6F},     {0xCE6, 0xCEF},
    {0xD66, 0xD6F},     {0xDE6, 0xDEF},     {0xE50, 0xE59},     {0xED0, 0xED9},
    {0xF20, 0xF29},     {0x1040, 0x1049},   {0x1090, 0x1099},   {0x17E0, 0x17E9},
    {0x1810, 0x1819},   {0x1946, 0x194F},   {0x19D0, 0x19D9},   {0x1A80, 0x1A89},
    {0x1A90, 0x1A99},   {0x1B50, 0x1B59},   {0x1BB0, 0x1BB9},   {0x1C40, 0x1C49},
    {0x1C50, 0x1C59},   {0xA620, 0xA629},   {0xA8D0, 0xA8D9},   {0xA900, 0xA909},
    {0xA9D0, 0xA9D9},   {0xA9F0, 0xA9F9},   {0xAA50, 0xAA59},   {0xABF0, 0xABF9},
    {0xFF10, 0xFF19},   {0x104A0, 0x104A9}, {0x10D30, 0x10D39}, {0x11066, 0x1106F},
    {0x110F0, 0x110F9}, {0x11136, 0x1113F}, {0x111D0, 0x111D9}, {0x112F0, 0x112F9},
    {0x11450, 0x11459}, {0x114D0, 0x114D9}, {0x11650, 0x11659}, {0x116C0, 0x116C9},
    {0x11730, 0x11739}, {0x118E0, 0x118E9}, {0x11950, 0x11959}, {0x11C50, 0x11C59},
    {0x11D50, 0x11D59}, {0x11DA0, 0x11DA9}, {0x11F50, 0x11F59}, {0x16A60, 0x16A69},
    {0x16AC0, 0x16AC9}, {0x16B50, 0x16B59}, {0x1D7CE, 0x1D7FF}, {0x1E140, 0x1E149},
    {0x1E2F0, 0x1E2F9}, {0x1E4F0, 0x1E4F9}, {0x1E950, 0x1E959}, {0x1FBF0, 0x1FBF9},
};

bool cdlt_unicode_is_decimal(uint32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  size_t lo = 1, hi = sizeof nd_ranges / sizeof nd_ranges[0];
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cp < nd_ranges[mid][0]) hi = mid;
    else if (cp > nd_ranges[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/* Code points of invalid UTF-8 bytes: U+DC80..U+DCFF (Python's surrogateescape). A well-formed
 * input never decodes to a surrogate, so these map back to the original byte when encoding. */
#define INVALID_BYTE_CP(b) (0xDC00u | (b))

/* Decodes one code point at s[i] (i < len); returns the number of bytes consumed (>= 1). */
static size_t utf8_decode(const unsigned char *s, size_t len, size_t i, uint32_t *cp) {
  unsigned char c = s[i];
  if (c < 0x80) { *cp = c; return 1; }
  size_t n;
  uint32_t v, min;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; v = c & 0x1F; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; v = c & 0x0F; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; v = c & 0x07; min = 0x10000; }
  else goto invalid;
  if (i + n > len) goto invalid;
  for (size_t k = 1; k < n; k++) {
    unsigned char cc = s[i + k];
    if ((cc & 0xC0) != 0x80) goto invalid;
    v = (v << 6) | (cc & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) goto invalid;
  *cp = v;
  return n;
invalid:
  *cp = INVALID_BYTE_CP(c);
  return 1;
}

/* Start of the last code point of s[0..end) (end > 0), consistent with forward decoding. */
static size_t utf8_prev(const unsigned char *s, size_t end, uint32_t *cp) {
  size_t b = end - 1;
  size_t lim = end >= 4 ? end - 4 : 0;
  while (b > lim && (s[b] & 0xC0) == 0x80) b--;
  if (b < end - 1 || (s[b] & 0xC0) != 0x80) {
    uint32_t v;
    size_t n = utf8_decode(s, end, b, &v);
    if (b + n == end) { *cp = v; return b; }
  }
  *cp = INVALID_BYTE_CP(s[end - 1]);
  if (s[end - 1] < 0x80) *cp = s[end - 1];
  return end - 1;
}

/* like cdlt_utf8_encode, but U+DC80..U+DCFF stand for invalid input bytes and are written back raw */
static size_t utf8_encode(uint32_t cp, char *o) {
  if (cp >= 0xDC80 && cp <= 0xDCFF) { o[0] = (char)(cp & 0xFF); return 1; }
  return cdlt_utf8_encode(cp, o);
}

size_t cdlt_utf8_length(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  size_t n = 0, i = 0;
  while (i < len) {
    if (u[i] < 0x80) { i++; n++; continue; }
    uint32_t cp;
    i += utf8_decode(u, len, i, &cp);
    n++;
  }
  return n;
}

/* Byte offset of code point index k (k <= number of code points). */
static size_t utf8_offset(const char *s, size_t len, size_t k) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (k && i < len) {
    uint32_t cp;
    i += u[i] < 0x80 ? 1 : utf8_decode(u, len, i, &cp);
    k--;
  }
  return i;
}

bool cdlt_naming_strip(const char *s, size_t len, size_t *start, size_t *end) {
  const unsigned char *u = (const unsigned char *)s;
  size_t a = 0, b = len;
  while (a < b) {
    uint32_t cp;
    size_t n = utf8_decode(u, b, a, &cp);
    if (!cdlt_unicode_is_space(cp)) break;
    a += n;
  }
  while (b > a) {
    uint32_t cp;
    size_t p = utf8_prev(u + a, b - a, &cp) + a;
    if (!cdlt_unicode_is_space(cp)) break;
    b = p;
  }
  *start = a;
  *end = b;
  return b > a;
}

static bool is_blank(const char *s, size_t len) {
  size_t a, b;
  return !cdlt_naming_strip(s, len, &a, &b);
}

/* ------------------------------------------------------------------------------------------ */
/* tags and shortening */

void cdlt_naming_tag(const char *s, size_t len, char out[CDLT_NAMING_TAG_LEN + 1]) {
  /* tl_bytes = int((3 * log2(1/0.001)) // 8) + 1 = 4 → 8 base64 chars, "==" stripped → 6 */
  uint8_t h[4];
  char b64[9];
  cdlt_shake128(s, len, h, sizeof h);
  cdlt_base64_encode(h, sizeof h, b64, false);
  for (int i = 0; i < CDLT_NAMING_TAG_LEN; i++) {
    char c = b64[i];
    if (c == '/') c = 'a';
    else if (c == '+') c = 'b';
    else if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    out[i] = c;
  }
  out[CDLT_NAMING_TAG_LEN] = 0;
}

/* Shortens out->data[start..out->len) in place when longer than max_length code points. The tag
 * is computed before anything is rewritten, so tag_src may point into out. */
static void shorten_in_place(cdlt_buf *out, size_t start, const char *tag_src, size_t tag_len,
                             size_t max_length) {
  if (!max_length) return;
  const char *s = out->data + start;
  size_t blen = out->len - start;
  if (blen <= max_length) return;  /* bytes >= code points */
  size_t n = cdlt_utf8_length(s, blen);
  if (n <= max_length) return;
  if (max_length < CDLT_NAMING_TAG_LEN) max_length = CDLT_NAMING_TAG_LEN;
  size_t remaining = max_length - CDLT_NAMING_TAG_LEN;
  size_t head = remaining / 2 + remaining % 2, tail = remaining / 2;
  size_t head_b = utf8_offset(s, blen, head);
  size_t tail_b = head_b + utf8_offset(s + head_b, blen - head_b, n - tail - head);
  char tag[CDLT_NAMING_TAG_LEN + 1];
  cdlt_naming_tag(tag_src, tag_len, tag);
  /* the cut middle has n - max_length + 6 >= 7 code points (>= 7 bytes): the tag fits in it */
  char *d = out->data + start;
  memcpy(d + head_b, tag, CDLT_NAMING_TAG_LEN);
  memmove(d + head_b + CDLT_NAMING_TAG_LEN, d + tail_b, blen - tail_b);
  out->len = start + head_b + CDLT_NAMING_TAG_LEN + (blen - tail_b);
  out->data[out->len] = 0;
}

int cdlt_naming_trim_and_tag(const char *s, size_t len, const char *tag, size_t max_length,
                             cdlt_buf *out) {
  size_t tl = strlen(tag), n = cdlt_utf8_length(s, len);
  if (tl > max_length || max_length > n) return cdlt_buf_append(out, s, len);
  size_t remaining = max_length - tl;
  size_t head_b = utf8_offset(s, len, remaining / 2 + remaining % 2);
  size_t tail_b = head_b + utf8_offset(s + head_b, len - head_b, n - remaining / 2 - (remaining / 2 + remaining % 2));
  size_t start = out->len;
  if (cdlt_buf_append(out, s, head_b) || cdlt_buf_append(out, tag, tl) ||
      cdlt_buf_append(out, s + tail_b, len - tail_b)) {
    out->len = start;
    if (out->data) out->data[start] = 0;
    return CDLT_ERR_NOMEM;
  }
  return 0;
}

int cdlt_naming_shorten_identifier(const char *normalized, size_t len, const char *tag_source,
                                   size_t tag_source_len, size_t max_length, cdlt_buf *out) {
  size_t start = out->len;
  if (cdlt_buf_append(out, normalized, len)) return CDLT_ERR_NOMEM;
  shorten_in_place(out, start, tag_source, tag_source_len, max_length);
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* convention cores (input: stripped, non-empty; output appended to out, unshortened) */

static inline bool ascii_upper(uint32_t c) { return c >= 'A' && c <= 'Z'; }
static inline bool ascii_lower(uint32_t c) { return c >= 'a' && c <= 'z'; }
static inline bool ascii_digit(uint32_t c) { return c >= '0' && c <= '9'; }
/* [a-zA-Z\d_] with Python's Unicode \d */
static inline bool word_char(uint32_t c) {
  return ascii_lower(c) || ascii_upper(c) || c == '_' || cdlt_unicode_is_decimal(c);
}

/* Fast path: s (stripped) would come out of the core unchanged. */
static bool fast_identity(const cdlt_naming *conv, const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  switch (conv->kind) {
    case CDLT_NAMING_SNAKE_CASE:
    case CDLT_NAMING_S3_TABLES:
    case CDLT_NAMING_SQL_CI_V1:
    case CDLT_NAMING_SQL_CS_V1: {
      bool upper_ok = conv->kind == CDLT_NAMING_SQL_CS_V1;
      if (ascii_digit(u[0]) || u[len - 1] == '_') return false;
      for (size_t i = 0; i < len; i++) {
        unsigned char c = u[i];
        if (ascii_lower(c) || ascii_digit(c)) continue;
        if (c == '_') {
          if (i + 1 < len && u[i + 1] == '_') return false;
          continue;
        }
        if (upper_ok && ascii_upper(c)) continue;
        return false;
      }
      return true;
    }
    case CDLT_NAMING_DUCK_CASE:
      for (size_t i = 0; i < len; i++) {
        unsigned char c = u[i];
        if (c == '\n' || c == '\r' || c == '"') return false;
        if (c == '_' && i + 1 < len && u[i + 1] == '_') return false;
      }
      return true;
    case CDLT_NAMING_DIRECT:
      for (size_t i = 0; i < len; i++) {
        unsigned char c = u[i];
        if (c == '\n' || c == '\r' || c == '"' || c == '\'' || c == 0xE2) return false;
      }
      return true;
  }
  return false;
}

/* Code-point work arrays: on the stack for short identifiers. */
#define CP_STACK 192
typedef struct cp_vec {
  uint32_t *v;
  size_t n;
} cp_vec;

static int core_snake_or_sql(const cdlt_naming *conv, const char *s, size_t len, cdlt_buf *out) {
  uint32_t stack[3 * CP_STACK];
  uint32_t *mem = stack;
  /* worst case growth: pass 1 and pass 2 each insert at most one '_' per 2 code points, plus the
   * leading '_': 3 * (n + 1) code points per array, two arrays. */
  size_t cap = len + 2;
  size_t need = 2 * 3 * cap;
  if (need > sizeof stack / sizeof stack[0]) {
    mem = malloc(need * sizeof *mem);
    if (!mem) return CDLT_ERR_NOMEM;
  }
  uint32_t *a = mem, *b = mem + 3 * cap;
  const unsigned char *u = (const unsigned char *)s;
  bool snake = conv->kind == CDLT_NAMING_SNAKE_CASE || conv->kind == CDLT_NAMING_S3_TABLES;
  size_t n = 0;
  /* translate (snake_case only) and replace runs of [^a-zA-Z\d_] by one '_' */
  bool in_run = false;
  for (size_t i = 0; i < len;) {
    uint32_t c;
    i += u[i] < 0x80 ? (c = u[i], 1) : utf8_decode(u, len, i, &c);
    if (snake) {
      switch (c) {
        case '+': c = 'x'; break;
        case '-': c = '_'; break;
        case '*': c = 'x'; break;
        case '@': c = 'a'; break;
        case '|': c = 'l'; break;
        default: break;
      }
    }
    if (word_char(c)) {
      a[n++] = c;
      in_run = false;
    } else if (!in_run) {
      a[n++] = '_';
      in_run = true;
    }
  }
  if (snake) {
    /* pass 1: ([^_])([A-Z][a-z]+) → \1_\2 (leftmost, non-overlapping) */
    size_t m = 0;
    for (size_t i = 0; i < n;) {
      if (a[i] != '_' && i + 2 < n && ascii_upper(a[i + 1]) && ascii_lower(a[i + 2])) {
        b[m++] = a[i];
        b[m++] = '_';
        b[m++] = a[i + 1];
        i += 2;
        while (i < n && ascii_lower(a[i])) b[m++] = a[i++];
      } else {
        b[m++] = a[i++];
      }
    }
    /* pass 2: ([a-z0-9])([A-Z]) → \1_\2, then lower() */
    n = 0;
    for (size_t i = 0; i < m;) {
      if ((ascii_lower(b[i]) || ascii_digit(b[i])) && i + 1 < m && ascii_upper(b[i + 1])) {
        a[n++] = b[i];
        a[n++] = '_';
        a[n++] = b[i + 1];
        i += 2;
      } else {
        a[n++] = b[i++];
      }
    }
  }
  if (conv->kind != CDLT_NAMING_SQL_CS_V1)
    for (size_t i = 0; i < n; i++)
      if (ascii_upper(a[i])) a[i] += 'a' - 'A';
  /* leading digit (^\d+) → prefix '_' */
  if (n && cdlt_unicode_is_decimal(a[0])) {
    memmove(a + 1, a, n * sizeof *a);
    a[0] = '_';
    n++;
  }
  /* trailing underscores */
  size_t stripped = n;
  while (stripped > 0 && a[stripped - 1] == '_') stripped--;
  if (snake) {
    for (size_t i = stripped; i < n; i++) a[i] = 'x';
  } else if (!(n == 1 && a[0] == '_')) {
    n = stripped;
  }
  /* collapse __+ and encode */
  int rc = cdlt_buf_reserve(out, 4 * n);
  if (rc) goto done;
  char *o = out->data + out->len;
  char *o0 = o;
  for (size_t i = 0; i < n; i++) {
    if (a[i] == '_' && i > 0 && a[i - 1] == '_') continue;
    o += utf8_encode(a[i], o);
  }
  out->len += (size_t)(o - o0);
  out->data[out->len] = 0;
done:
  if (mem != stack) free(mem);
  return rc;
}

static int core_duck_case(const char *s, size_t len, cdlt_buf *out) {
  if (cdlt_buf_reserve(out, len)) return CDLT_ERR_NOMEM;
  char *o = out->data + out->len;
  char *o0 = o;
  char prev = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '\n' || c == '\r' || c == '"') c = '_';
    if (c == '_' && prev == '_') continue;
    *o++ = c;
    prev = c;
  }
  out->len += (size_t)(o - o0);
  out->data[out->len] = 0;
  return 0;
}

static int core_direct(const char *s, size_t len, cdlt_buf *out) {
  if (cdlt_buf_reserve(out, len)) return CDLT_ERR_NOMEM;
  char *o = out->data + out->len;
  char *o0 = o;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '\n' || c == '\r' || c == '"' || c == '\'') c = '_';
    else if ((unsigned char)c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x96 &&
             (unsigned char)s[i + 2] == 0xB6) {
      c = '_';  /* ▶ U+25B6, the direct path separator */
      i += 2;
    }
    *o++ = c;
  }
  out->len += (size_t)(o - o0);
  out->data[out->len] = 0;
  return 0;
}

static int core(const cdlt_naming *conv, const char *s, size_t len, cdlt_buf *out) {
  if (fast_identity(conv, s, len)) return cdlt_buf_append(out, s, len);
  switch (conv->kind) {
    case CDLT_NAMING_DUCK_CASE: return core_duck_case(s, len, out);
    case CDLT_NAMING_DIRECT: return core_direct(s, len, out);
    default: return core_snake_or_sql(conv, s, len, out);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* public normalization */

static int normalize_ident(const cdlt_naming_ctx *ctx, const char *s, size_t len, bool table,
                           cdlt_buf *out, cdlt_error *err) {
  const cdlt_naming *conv = ctx_conv(ctx);
  size_t a, b;
  if (!s || !cdlt_naming_strip(s, len, &a, &b))
    return cdlt_error_set(err, CDLT_ERR_USAGE, "cannot normalize an empty identifier ('%.*s')",
                          s ? (int)(len > 64 ? 64 : len) : 0, s ? s : "");
  size_t start = out->len;
  int rc = core(conv, s + a, b - a, out);
  if (rc) { out->len = start; if (out->data) out->data[start] = 0; return rc; }
  shorten_in_place(out, start, s + a, b - a, cdlt_naming_effective_max(ctx));
  if (table && conv->strip_leading_underscores_in_tables) {
    size_t k = start;
    while (k < out->len && out->data[k] == '_') k++;
    if (k > start) {
      memmove(out->data + start, out->data + k, out->len - k);
      out->len -= k - start;
      out->data[out->len] = 0;
    }
  }
  return 0;
}

int cdlt_naming_normalize_identifier(const cdlt_naming_ctx *ctx, const char *s, size_t len,
                                     cdlt_buf *out, cdlt_error *err) {
  return normalize_ident(ctx, s, len, false, out, err);
}

int cdlt_naming_normalize_table_identifier(const cdlt_naming_ctx *ctx, const char *s, size_t len,
                                           cdlt_buf *out, cdlt_error *err) {
  return normalize_ident(ctx, s, len, true, out, err);
}

bool cdlt_naming_path_next(const cdlt_naming *conv, const char *p, size_t len, size_t *pos,
                           const char **piece, size_t *piece_len) {
  const char *sep = conv->path_separator;
  size_t sl = conv->path_separator_len;
  while (*pos <= len) {
    size_t a = *pos, e = len;
    for (size_t i = a; i + sl <= len; i++)
      if (p[i] == sep[0] && memcmp(p + i, sep, sl) == 0) { e = i; break; }
    *pos = e == len ? len + 1 : e + sl;
    if (!is_blank(p + a, e - a)) {
      *piece = p + a;
      *piece_len = e - a;
      return true;
    }
  }
  return false;
}

char **cdlt_naming_break_path(const cdlt_naming *conv, const char *p, size_t len, size_t *count) {
  size_t n = 0, bytes = 0, pos = 0, pl;
  const char *piece;
  while (cdlt_naming_path_next(conv, p, len, &pos, &piece, &pl)) { n++; bytes += pl + 1; }
  char **arr = malloc((n + 1) * sizeof *arr + bytes);
  if (!arr) return NULL;
  char *str = (char *)(arr + n + 1);
  size_t k = 0;
  pos = 0;
  while (cdlt_naming_path_next(conv, p, len, &pos, &piece, &pl)) {
    memcpy(str, piece, pl);
    str[pl] = 0;
    arr[k++] = str;
    str += pl + 1;
  }
  arr[k] = NULL;
  if (count) *count = n;
  return arr;
}

static int normalize_path(const cdlt_naming_ctx *ctx, const char *p, size_t len, bool tables,
                          cdlt_buf *out, cdlt_error *err) {
  const cdlt_naming *conv = ctx_conv(ctx);
  size_t max = cdlt_naming_effective_max(ctx);
  if (!p) return cdlt_error_set(err, CDLT_ERR_USAGE, "cannot normalize a null path");
  size_t start = out->len;
  /* fast path: one piece, no surrounding whitespace, already normalized (implies no separator) */
  if (len && fast_identity(conv, p, len) && !cdlt_unicode_is_space((unsigned char)p[0]) &&
      !cdlt_unicode_is_space((unsigned char)p[len - 1]) && (unsigned char)p[0] < 0x80 &&
      (unsigned char)p[len - 1] < 0x80 && !(tables && conv->strip_leading_underscores_in_tables)) {
    if (cdlt_buf_append(out, p, len)) return CDLT_ERR_NOMEM;
    shorten_in_place(out, start, p, len, max);
    return 0;
  }
  /* pieces are normalized without the path-level limit applied to the whole, but with the
   * identifier limit each (as dlt: normalize_identifier shortens every piece) */
  size_t pos = 0, pl;
  const char *piece;
  bool first = true;
  while (cdlt_naming_path_next(conv, p, len, &pos, &piece, &pl)) {
    size_t mark = out->len;
    if (!first && cdlt_buf_append(out, conv->path_separator, conv->path_separator_len)) goto nomem;
    size_t pstart = out->len;
    int rc = normalize_ident(ctx, piece, pl, tables, out, err);
    if (rc) { out->len = start; if (out->data) out->data[start] = 0; return rc; }
    if (is_blank(out->data + pstart, out->len - pstart)) {  /* make_path drops blank idents */
      out->len = mark;
      out->data[mark] = 0;
      continue;
    }
    first = false;
  }
  if (out->data) shorten_in_place(out, start, p, len, max);
  return 0;
nomem:
  out->len = start;
  if (out->data) out->data[start] = 0;
  return CDLT_ERR_NOMEM;
}

int cdlt_naming_normalize_path(const cdlt_naming_ctx *ctx, const char *p, size_t len,
                               cdlt_buf *out, cdlt_error *err) {
  return normalize_path(ctx, p, len, false, out, err);
}

int cdlt_naming_normalize_tables_path(const cdlt_naming_ctx *ctx, const char *p, size_t len,
                                      cdlt_buf *out, cdlt_error *err) {
  return normalize_path(ctx, p, len, true, out, err);
}

int cdlt_naming_make_path(const cdlt_naming *conv, const char *const *parts, const size_t *lens,
                          size_t nparts, cdlt_buf *out) {
  if (!conv) conv = &conventions[0];
  size_t start = out->len;
  bool first = true;
  for (size_t i = 0; i < nparts; i++) {
    size_t l = lens ? lens[i] : strlen(parts[i]);
    if (is_blank(parts[i], l)) continue;
    if ((!first && cdlt_buf_append(out, conv->path_separator, conv->path_separator_len)) ||
        cdlt_buf_append(out, parts[i], l)) {
      out->len = start;
      if (out->data) out->data[start] = 0;
      return CDLT_ERR_NOMEM;
    }
    first = false;
  }
  return 0;
}

int cdlt_naming_shorten_fragments(const cdlt_naming_ctx *ctx, const char *const *parts,
                                  const size_t *lens, size_t nparts, cdlt_buf *out) {
  size_t start = out->len;
  int rc = cdlt_naming_make_path(ctx_conv(ctx), parts, lens, nparts, out);
  if (rc) return rc;
  size_t max = cdlt_naming_effective_max(ctx);
  if (!max || !out->data || out->len - start <= max) return 0;
  /* the tag is computed from the joined string itself (shorten_in_place hashes it first) */
  shorten_in_place(out, start, out->data + start, out->len - start, max);
  return 0;
}
