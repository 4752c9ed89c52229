/* json_reader.c — the streaming JSON / JSON Lines reader and cdlt_json_parse.
 *
 * Design (see docs/internals/JSON.md): a window of input bytes (the caller's memory, or a 64 KiB
 * buffer refilled from a cdlt_input) and an iterative parser with explicit stacks, so nesting
 * depth never touches the C stack. Children of open containers wait on reusable stacks and are
 * copied into exact-size arena arrays when the container closes. Strings are copied straight from
 * the window into the doc arena when they hold no escapes and end inside the window; otherwise
 * they are decoded into a reusable scratch buffer. Only a number token (or one escape / UTF-8
 * sequence) must be contiguous, so the window never has to hold a whole item. Lines are counted
 * lazily with memchr, only up to the positions someone asks for (item starts, errors) and the
 * bytes dropped on refill. */
#include "util/utf8.h"
#include "json/json_reader.h"
#include "json/plain_span.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE ((size_t)64 * 1024)
#define END_OF_INPUT 256
#define SMALL_OBJECT 32   /* objects up to this size are de-duplicated pairwise, larger by hash */
#define RAW_KEEP ((size_t)1 << 20)   /* a refill keeps the current item's bytes up to this size */

enum { FR_ARRAY, FR_OBJECT };
typedef struct frame {
  int type;
  size_t start;   /* first child on the value stack (arrays) or member stack (objects) */
} frame;

struct cdlt_json_reader {
  cdlt_input *in;            /* NULL for a memory reader */
  char *name_owned;
  const char *name;
  size_t max_depth, max_str;
  uint64_t max_item;

  unsigned char *buf;        /* window storage (input readers) */
  size_t cap;
  const unsigned char *data; /* the window: buf, or the caller's memory */
  size_t len, pos;           /* valid bytes in the window; current index */
  uint64_t base;             /* input offset of data[0] */
  bool eof;                  /* nothing more after the window */
  bool started;              /* BOM check done */
  bool need_sep;             /* a top-level value just ended: whitespace must follow */
  bool in_item;
  bool canon;                /* the current item's bytes are its compact serialization so far */
  bool raw_ok;               /* the last item's bytes are canonical and in the window */
  bool long_int;             /* the current/last item has an integer of more than 18 digits */
  int top_state;             /* 0: outside, 1: after a top-level '[', 2: after an element */
  size_t peek_at;            /* cdlt_json_reader_peek_item: where the peeked item starts */
  bool peeked;               /* ... when an item was peeked and not consumed */

  uint64_t nl_off, line, line_start;   /* lines counted up to nl_off; line starts at line_start */
  uint64_t item_off, item_line, item_col;

  frame *frames;
  size_t nframes, fcap;
  cdlt_json_value **vs;
  size_t vlen, vcap;
  cdlt_json_member *ms;
  size_t mlen, mcap;
  char *sb;                  /* string scratch */
  size_t slen, scap;
  uint32_t *ht;              /* de-duplication hash table */
  size_t htcap;

  int failed;
  cdlt_error saved;
};

/* bytes of a number token: digits - + . e E */
static const unsigned char numch[256] = {
  ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
  ['8'] = 1, ['9'] = 1, ['-'] = 1, ['+'] = 1, ['.'] = 1, ['e'] = 1, ['E'] = 1,
};

static const signed char hexval[256] = {
#define M16 -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
  M16, M16, M16,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,
  -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, M16,
  -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, M16,
  M16, M16, M16, M16, M16, M16, M16, M16
#undef M16
};

/* ---------- positions and errors ---------- */

static void advance_lines(cdlt_json_reader *r, uint64_t target) {
  if (target <= r->nl_off) return;
  const unsigned char *p = r->data + (r->nl_off - r->base);
  const unsigned char *e = r->data + (target - r->base);
  while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
    r->line++;
    r->line_start = r->base + (uint64_t)(p - r->data) + 1;
    p++;
  }
  r->nl_off = target;
}

static void position(cdlt_json_reader *r, uint64_t off, uint64_t *line, uint64_t *col) {
  if (off >= r->nl_off || off >= r->line_start) {
    advance_lines(r, off);
    *line = r->line;
    *col = off - r->line_start + 1;
    return;
  }
  /* before the counted point (not used by the parser; kept correct while in the window) */
  uint64_t l = r->line;
  uint64_t lo = off > r->base ? off : r->base;
  for (uint64_t k = lo; k < r->nl_off; k++)
    if (r->data[k - r->base] == '\n') l--;
  uint64_t ls = r->base;
  for (uint64_t k = off; k > r->base; k--)
    if (r->data[k - 1 - r->base] == '\n') { ls = k; break; }
  *line = l;
  *col = off >= ls ? off - ls + 1 : 1;
}

static int fail_at(cdlt_json_reader *r, cdlt_error *err, int code, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail_at(cdlt_json_reader *r, cdlt_error *err, int code, uint64_t off, const char *fmt, ...) {
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  uint64_t line, col;
  position(r, off, &line, &col);
  cdlt_error_set(err, code, "%s in '%s' at line %llu, column %llu (byte %llu): %s",
                 code == CDLT_ERR_LIMIT ? "JSON limit exceeded" : "invalid JSON", r->name,
                 (unsigned long long)line, (unsigned long long)col, (unsigned long long)off, reason);
  err->line = line;
  err->column = col;
  err->offset = off;
  return code;
}

static int nomem(cdlt_json_reader *r, cdlt_error *err) {
  return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory reading JSON from '%s'", r->name);
}

static uint64_t here(const cdlt_json_reader *r) { return r->base + r->pos; }

/* ---------- the window ---------- */

/* Reads more input. Drops window bytes before min(*keep, pos) (adjusting *keep and pos).
 * Returns 1 when bytes were added, 0 at the end of input, < 0 on error. */
static int refill(cdlt_json_reader *r, size_t *keep, cdlt_error *err) {
  if (r->eof) return 0;
  if (!r->in) { r->eof = true; return 0; }
  if (r->in_item && here(r) - r->item_off > r->max_item)
    return fail_at(r, err, CDLT_ERR_LIMIT, here(r), "item larger than the limit of %llu bytes",
                   (unsigned long long)r->max_item);
  size_t drop = r->pos;
  if (keep && *keep < drop) drop = *keep;
  if (r->in_item && r->item_off >= r->base && r->item_off - r->base < drop &&
      here(r) - r->item_off <= RAW_KEEP)
    drop = (size_t)(r->item_off - r->base);   /* small item: keep its bytes for item_raw */
  if (drop) {
    advance_lines(r, r->base + drop);
    memmove(r->buf, r->buf + drop, r->len - drop);
    r->len -= drop;
    r->pos -= drop;
    r->base += drop;
    if (keep) *keep -= drop;
  }
  if (r->cap - r->len < CHUNK_SIZE / 2) {
    size_t ncap = r->cap * 2;
    unsigned char *nb = realloc(r->buf, ncap);
    if (!nb) return nomem(r, err);
    r->buf = nb;
    r->cap = ncap;
  }
  r->data = r->buf;
  long n = cdlt_input_read(r->in, (char *)r->buf + r->len, r->cap - r->len, err);
  if (n < 0) return (int)n;
  if (n == 0) { r->eof = true; return 0; }
  r->len += (size_t)n;
  return 1;
}

/* Makes `need` bytes available from *at if the input has them. Returns the bytes available from
 * *at (may be < need at the end of input) or < 0 on error. */
static long ensure(cdlt_json_reader *r, size_t *at, size_t need, cdlt_error *err) {
  while (r->len - *at < need) {
    int rc = refill(r, at, err);
    if (rc < 0) return rc;
    if (rc == 0) break;
  }
  return (long)(r->len - *at);
}

/* skip_ws when the next byte is whitespace (or the window is empty) */
static int skip_ws_slow(cdlt_json_reader *r, cdlt_error *err) {
  for (;;) {
    const unsigned char *d = r->data;
    size_t p = r->pos, n = r->len;
    while (p < n) {
      unsigned c = d[p];
      if (c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t')) {
        if (p != r->pos) r->canon = false;
        r->pos = p;
        return (int)c;
      }
      p++;
    }
    if (p != r->pos) r->canon = false;
    r->pos = p;
    int rc = refill(r, NULL, err);
    if (rc < 0) return rc;
    if (rc == 0) return END_OF_INPUT;
  }
}

/* Skips whitespace; returns the next byte (not consumed), END_OF_INPUT, or < 0 on error.
 * Skipping any byte marks the current item as not canonical. */
static inline int skip_ws(cdlt_json_reader *r, cdlt_error *err) {
  if (r->pos < r->len && r->data[r->pos] > ' ') return r->data[r->pos];   /* compact JSON */
  return skip_ws_slow(r, err);
}

/* ---------- scratch stacks ---------- */

static int sb_append(cdlt_json_reader *r, const void *p, size_t n, cdlt_error *err) {
  if (r->slen + n > r->max_str)
    return fail_at(r, err, CDLT_ERR_LIMIT, here(r), "string longer than the limit of %zu bytes",
                   r->max_str);
  if (r->slen + n + 1 > r->scap) {
    size_t ncap = r->scap ? r->scap : 256;
    while (ncap < r->slen + n + 1) ncap *= 2;
    char *nb = realloc(r->sb, ncap);
    if (!nb) return nomem(r, err);
    r->sb = nb;
    r->scap = ncap;
  }
  memcpy(r->sb + r->slen, p, n);
  r->slen += n;
  return 0;
}

static int grow_stack(cdlt_json_reader *r, void **items, size_t *cap, size_t elem, cdlt_error *err) {
  size_t ncap = *cap ? *cap * 2 : 64;
  void *p = realloc(*items, ncap * elem);
  if (!p) return nomem(r, err);
  *items = p;
  *cap = ncap;
  return 0;
}

/* ---------- values ---------- */

static cdlt_json_value *make_string(cdlt_json_doc *doc, const char *s, size_t n) {
  cdlt_json_value *v = cdlt_arena_alloc(&doc->arena, sizeof *v + n + 1);
  if (!v) return NULL;
  char *p = (char *)(v + 1);
  memcpy(p, s, n);
  p[n] = 0;
  v->type = CDLT_JSON_STRING;
  v->u.str.ptr = p;
  v->u.str.len = n;
  return v;
}

static cdlt_json_value *make_literal(cdlt_json_doc *doc, int c) {
  cdlt_json_value *v = cdlt_arena_alloc(&doc->arena, sizeof *v);
  if (!v) return NULL;
  memset(v, 0, sizeof *v);
  if (c == 'n') {
    v->type = CDLT_JSON_NULL;
  } else {
    v->type = CDLT_JSON_BOOL;
    v->u.boolean = c == 't';
  }
  return v;
}

/* ---------- strings ---------- */

static int utf8_seq(const unsigned char *s, size_t avail) { return cdlt_utf8_seq(s, avail); }

static size_t utf8_encode(uint32_t cp, char *o) { return cdlt_utf8_encode(cp, o); }

/* true when the \uXXXX escape at e (6 bytes) is the one the writer would write for cp: a control
 * character without a short escape, as \u00xx with lowercase hex digits */
static bool canonical_u(const unsigned char *e, long cp) {
  static const char hex[] = "0123456789abcdef";
  if (cp >= 0x20 || cp == '\b' || cp == '\t' || cp == '\n' || cp == '\f' || cp == '\r') return false;
  return e[2] == '0' && e[3] == '0' && e[4] == (unsigned char)hex[cp >> 4] && e[5] == (unsigned char)hex[cp & 15];
}

static int eof_in_string(cdlt_json_reader *r, cdlt_error *err) {
  return fail_at(r, err, CDLT_ERR_PARSE, r->base + r->len, "unexpected end of input inside a string");
}

/* Reads the 4 hex digits of a \u escape whose backslash is at index at (6 bytes available
 * or the end of input). Returns the code unit, or < 0 with err filled. */
static long hex4(cdlt_json_reader *r, size_t at, long avail, cdlt_error *err) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    if (2 + i >= avail) return eof_in_string(r, err);
    int h = hexval[r->data[at + 2 + (size_t)i]];
    if (h < 0)
      return fail_at(r, err, CDLT_ERR_PARSE, r->base + at, "invalid \\u escape: expected 4 hex digits");
    v = v * 16 + (uint32_t)h;
  }
  return (long)v;
}

/* Continues a string at r->pos, decoding into the scratch buffer (which holds the part before). */
static int scan_string_slow(cdlt_json_reader *r, const char **sp, size_t *sl, cdlt_error *err) {
  for (;;) {
    const unsigned char *d = r->data;
    size_t p = r->pos, n = r->len, q = cdlt_json_plain_span(d, p, n);
    if (q > p) {
      int rc = sb_append(r, d + p, q - p, err);
      if (rc) return rc;
    }
    r->pos = q;
    if (q == n) {
      int rc = refill(r, NULL, err);
      if (rc < 0) return rc;
      if (rc == 0) return eof_in_string(r, err);
      continue;
    }
    unsigned c = d[q];
    if (c == '"') {
      r->pos = q + 1;
      *sp = r->sb ? r->sb : "";
      *sl = r->slen;
      return 0;
    }
    size_t at = q;
    if (c == '\\') {
      long av = ensure(r, &at, 2, err);
      if (av < 0) return (int)av;
      if (av < 2) return eof_in_string(r, err);
      d = r->data;
      unsigned e = d[at + 1];
      int short_escape = cdlt_json_short_escape(e);
      char ch = (char)short_escape;
      if (e == '/') r->canon = false;   /* the writer writes '/' unescaped */
      switch (short_escape >= 0 ? '\\' : e) {
        case '\\': break;   /* one of the one-character escapes: ch */
        case 'u': {
          av = ensure(r, &at, 6, err);
          if (av < 0) return (int)av;
          long cp = hex4(r, at, av, err);
          if (cp < 0) return (int)cp;
          size_t used = 6;
          if (!canonical_u(r->data + at, cp)) r->canon = false;
          if (cp >= 0xDC00 && cp <= 0xDFFF)
            return fail_at(r, err, CDLT_ERR_PARSE, r->base + at,
                           "lone low surrogate escape '\\u%04lx'", (unsigned long)cp);
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            av = ensure(r, &at, 12, err);
            if (av < 0) return (int)av;
            d = r->data;
            long lo = -1;
            if (av >= 12 && d[at + 6] == '\\' && d[at + 7] == 'u') {
              bool ok = true;
              lo = 0;
              for (int i = 0; i < 4; i++) {
                int h = hexval[d[at + 8 + (size_t)i]];
                if (h < 0) { ok = false; break; }
                lo = lo * 16 + h;
              }
              if (!ok) lo = -1;
            }
            if (lo < 0xDC00 || lo > 0xDFFF)
              return fail_at(r, err, CDLT_ERR_PARSE, r->base + at,
                             "lone surrogate escape '\\u%04lx' (not followed by a low surrogate escape)",
                             (unsigned long)cp);
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            used = 12;
          }
          char tmp[4];
          size_t k = utf8_encode((uint32_t)cp, tmp);
          r->pos = at;
          int rc = sb_append(r, tmp, k, err);
          if (rc) return rc;
          r->pos = at + used;
          continue;
        }
        default:
          if (e >= 0x20 && e < 0x7F)
            return fail_at(r, err, CDLT_ERR_PARSE, r->base + at, "invalid escape '\\%c'", (int)e);
          return fail_at(r, err, CDLT_ERR_PARSE, r->base + at,
                         "invalid escape: '\\' followed by byte 0x%02x", e);
      }
      r->pos = at;
      int rc = sb_append(r, &ch, 1, err);
      if (rc) return rc;
      r->pos = at + 2;
      continue;
    }
    if (c < 0x20)
      return fail_at(r, err, CDLT_ERR_PARSE, r->base + q,
                     "unescaped control character 0x%02x in a string", c);
    /* c >= 0x80: one UTF-8 sequence */
    long av = ensure(r, &at, 4, err);
    if (av < 0) return (int)av;
    d = r->data;
    int k = utf8_seq(d + at, (size_t)av);
    if (k == 0) return eof_in_string(r, err);
    if (k < 0) {
      size_t bad = at + (size_t)(-k - 1);
      return fail_at(r, err, CDLT_ERR_PARSE, r->base + bad, "invalid UTF-8 byte 0x%02x", d[bad]);
    }
    r->pos = at;
    int rc = sb_append(r, d + at, (size_t)k, err);
    if (rc) return rc;
    r->pos = at + (size_t)k;
  }
}

/* Reads the string whose opening quote is at r->pos. The result (*sp, *sl) stays valid until
 * the next reader operation: copy it. */
static inline int scan_string(cdlt_json_reader *r, const char **sp, size_t *sl, cdlt_error *err) {
  const unsigned char *d = r->data;
  size_t n = r->len, start = r->pos + 1, p = start;
  for (;;) {
    p = cdlt_json_plain_span(d, p, n);
    if (p >= n) break;
    unsigned c = d[p];
    if (c == '"') {
      size_t len = p - start;
      if (len > r->max_str)
        return fail_at(r, err, CDLT_ERR_LIMIT, r->base + start - 1,
                       "string longer than the limit of %zu bytes", r->max_str);
      *sp = (const char *)d + start;
      *sl = len;
      r->pos = p + 1;
      return 0;
    }
    if (c < 0x80) break;   /* escape or control character */
    int k = utf8_seq(d + p, n - p);
    if (k <= 0) break;     /* invalid, or continues after the window: the slow path decides */
    p += (size_t)k;
  }
  r->slen = 0;
  r->pos = start;
  if (p > start) {
    int rc = sb_append(r, d + start, p - start, err);
    if (rc) return rc;
  }
  r->pos = p;
  return scan_string_slow(r, sp, sl, err);
}

/* ---------- numbers and literals ---------- */

/* Clinger's fast path: a validated float literal (no sign) whose significand has at most 15
 * digits and whose decimal exponent is within +-22 is exactly m * 10^e or m / 10^-e in double
 * arithmetic (one correctly rounded operation on exact operands). Else false: use strtod. */
bool cdlt_json_fast_float(const unsigned char *t, size_t len, bool neg, double *out) {
  static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  uint64_t m = 0;
  int digits = 0, e = 0;
  size_t i = 0;
  for (; i < len && t[i] >= '0' && t[i] <= '9'; i++) {
    if (m == 0 && t[i] == '0') continue;
    if (++digits > 15) return false;
    m = m * 10 + (uint64_t)(t[i] - '0');
  }
  if (i < len && t[i] == '.') {
    for (i++; i < len && t[i] >= '0' && t[i] <= '9'; i++) {
      e--;
      if (m == 0 && t[i] == '0') continue;
      if (++digits > 15) return false;
      m = m * 10 + (uint64_t)(t[i] - '0');
    }
  }
  if (i < len) {   /* exponent */
    i++;
    bool eneg = false;
    if (t[i] == '+' || t[i] == '-') eneg = t[i++] == '-';
    int x = 0;
    for (; i < len; i++) {
      if (x > 10000) return false;
      x = x * 10 + (t[i] - '0');
    }
    e += eneg ? -x : x;
  }
  double d = (double)m;
  if (m == 0) d = 0.0;
  else if (e < -22 || e > 22) return false;
  else if (e < 0) d /= p10[-e];
  else d *= p10[e];
  *out = neg ? -d : d;
  return true;
}

static int parse_number(cdlt_json_reader *r, cdlt_json_doc *doc, cdlt_json_value **out, cdlt_error *err) {
  size_t start = r->pos, p = start;
  for (;;) {
    const unsigned char *d = r->data;
    size_t n = r->len;
    while (p < n && numch[d[p]]) p++;
    if (p < n || r->eof) break;
    if (p - start > r->max_str)
      return fail_at(r, err, CDLT_ERR_LIMIT, r->base + start, "number longer than the limit of %zu bytes",
                     r->max_str);
    size_t off = p - start;
    r->pos = p;
    int rc = refill(r, &start, err);
    if (rc < 0) return rc;
    p = start + off;
    if (rc == 0) break;
  }
  r->pos = start;
  const unsigned char *t = r->data + start;
  size_t len = p - start, i = 0;
  uint64_t b = r->base + start;
  if (len > r->max_str)
    return fail_at(r, err, CDLT_ERR_LIMIT, b, "number longer than the limit of %zu bytes", r->max_str);
  bool neg = false, isf = false;
  if (t[0] == '-') { neg = true; i++; }
  if (i == len || t[i] < '0' || t[i] > '9')
    return fail_at(r, err, CDLT_ERR_PARSE, b + i, "expected a digit after '-'");
  size_t int_start = i;
  uint64_t mag = 0;   /* the integer part's value while it has at most 18 digits (used only then) */
  if (t[i] == '0') {
    i++;
    if (i < len && t[i] >= '0' && t[i] <= '9')
      return fail_at(r, err, CDLT_ERR_PARSE, b + i - 1, "leading zeros are not allowed");
  } else {
    while (i < len && t[i] >= '0' && t[i] <= '9') mag = mag * 10 + (uint64_t)(t[i++] - '0');
  }
  size_t int_digits = i - int_start;
  if (i < len && t[i] == '.') {
    i++;
    isf = true;
    if (i == len || t[i] < '0' || t[i] > '9')
      return fail_at(r, err, CDLT_ERR_PARSE, b + i, "expected a digit after the decimal point");
    while (i < len && t[i] >= '0' && t[i] <= '9') i++;
  }
  if (i < len && (t[i] == 'e' || t[i] == 'E')) {
    i++;
    isf = true;
    if (i < len && (t[i] == '+' || t[i] == '-')) i++;
    if (i == len || t[i] < '0' || t[i] > '9')
      return fail_at(r, err, CDLT_ERR_PARSE, b + i, "expected a digit in the exponent");
    while (i < len && t[i] >= '0' && t[i] <= '9') i++;
  }
  if (i < len)
    return fail_at(r, err, CDLT_ERR_PARSE, b + i, "unexpected '%c' in a number", t[i]);
  cdlt_json_value *v;
  double dv;
  if (!isf && int_digits <= 18) {
    int64_t x = (int64_t)mag;   /* < 10^18: no overflow (the wrapped value of longer parts is unused) */
    if (neg) x = -x;
    v = cdlt_arena_alloc(&doc->arena, sizeof *v + len + 1);
    if (!v) return nomem(r, err);
    char *txt = (char *)(v + 1);
    memcpy(txt, t, len);
    txt[len] = 0;
    v->type = CDLT_JSON_INT;
    v->u.num.text = txt;
    v->u.num.len = len;
    v->u.num.i = x;
    v->u.num.d = (double)x;
  } else if (!isf || !cdlt_json_fast_float(t + int_start, len - int_start, neg, &dv)) {
    if (!isf) r->long_int = true;
    v = cdlt_json_number_text(doc, (const char *)t, len);
    if (!v) return nomem(r, err);
  } else {
    v = cdlt_arena_alloc(&doc->arena, sizeof *v + len + 1);
    if (!v) return nomem(r, err);
    char *txt = (char *)(v + 1);
    memcpy(txt, t, len);
    txt[len] = 0;
    v->type = CDLT_JSON_FLOAT;
    v->u.num.text = txt;
    v->u.num.len = len;
    v->u.num.i = 0;
    v->u.num.d = dv;
  }
  r->pos = p;
  *out = v;
  return 0;
}

static int parse_literal(cdlt_json_reader *r, cdlt_json_doc *doc, int c, cdlt_json_value **out,
                         cdlt_error *err) {
  const char *lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
  size_t n = c == 'f' ? 5 : 4, at = r->pos;
  long av = ensure(r, &at, n, err);
  if (av < 0) return (int)av;
  for (size_t i = 0; i < n; i++) {
    if ((long)i >= av)
      return fail_at(r, err, CDLT_ERR_PARSE, r->base + at + i,
                     "unexpected end of input in literal (expected '%s')", lit);
    if (r->data[at + i] != (unsigned char)lit[i])
      return fail_at(r, err, CDLT_ERR_PARSE, r->base + at + i, "invalid literal (expected '%s')", lit);
  }
  r->pos = at + n;
  *out = make_literal(doc, c);
  return *out ? 0 : nomem(r, err);
}

/* ---------- containers ---------- */

static uint64_t hash_key(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t k = 0; k < n; k++) h = (h ^ (unsigned char)s[k]) * 1099511628211ULL;
  return h ^ (h >> 29);
}

static inline unsigned key_bit(const cdlt_json_member *m) {
  const unsigned char *k = (const unsigned char *)m->key;
  size_t n = m->key_len;
  uint64_t h = n ? ((uint64_t)k[0] | (uint64_t)k[n / 2] << 8 | (uint64_t)k[n - 1] << 16) : 0;
  h = (h | (uint64_t)n << 24) * 0x9E3779B97F4A7C15ULL;
  return (unsigned)(h >> 58);
}

static inline bool same_key(const cdlt_json_member *a, const cdlt_json_member *b) {
  return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

/* Python dict semantics in place: the last value of a key, at the position of its first
 * occurrence. Returns the new member count, or (size_t)-1 on allocation failure. */
static size_t dedup(cdlt_json_reader *r, cdlt_json_member *m, size_t n) {
  if (n < 2) return n;
  size_t out = 1;
  if (n <= SMALL_OBJECT) {
    /* one bit per key (a hash of its length and three bytes): a key whose bit is not yet set
     * cannot repeat an earlier key, so most keys skip the pairwise search */
    uint64_t seen = (uint64_t)1 << key_bit(&m[0]);
    for (size_t i = 1; i < n; i++) {
      uint64_t bit = (uint64_t)1 << key_bit(&m[i]);
      if (!(seen & bit)) {
        seen |= bit;
        m[out++] = m[i];
        continue;
      }
      size_t j = 0;
      while (j < out && !same_key(&m[j], &m[i])) j++;
      if (j < out) m[j].value = m[i].value;
      else m[out++] = m[i];
    }
    return out;
  }
  size_t cap = 64;
  while (cap < n * 2) cap *= 2;
  if (cap > r->htcap) {
    uint32_t *t = realloc(r->ht, cap * sizeof *t);
    if (!t) return (size_t)-1;
    r->ht = t;
    r->htcap = cap;
  }
  memset(r->ht, 0, cap * sizeof *r->ht);
  size_t mask = cap - 1;
  out = 0;
  for (size_t i = 0; i < n; i++) {
    size_t h = (size_t)hash_key(m[i].key, m[i].key_len) & mask;
    for (;;) {
      uint32_t slot = r->ht[h];
      if (slot == 0) {
        r->ht[h] = (uint32_t)(out + 1);
        m[out++] = m[i];
        break;
      }
      if (same_key(&m[slot - 1], &m[i])) {
        m[slot - 1].value = m[i].value;
        break;
      }
      h = (h + 1) & mask;
    }
  }
  return out;
}

static cdlt_json_value *close_array(cdlt_json_reader *r, cdlt_json_doc *doc, size_t start) {
  size_t n = r->vlen - start;
  cdlt_json_value *v = cdlt_arena_alloc(&doc->arena, sizeof *v + n * sizeof(cdlt_json_value *));
  if (!v) return NULL;
  v->type = CDLT_JSON_ARRAY;
  v->u.arr.items = n ? (cdlt_json_value **)(v + 1) : NULL;
  if (n) memcpy(v->u.arr.items, r->vs + start, n * sizeof *r->vs);
  v->u.arr.len = v->u.arr.cap = n;
  r->vlen = start;
  return v;
}

static cdlt_json_value *close_object(cdlt_json_reader *r, cdlt_json_doc *doc, size_t start) {
  size_t n = r->mlen > start ? dedup(r, r->ms + start, r->mlen - start) : 0;   /* ms may be NULL */
  if (n == (size_t)-1) return NULL;
  if (n != r->mlen - start) r->canon = false;   /* duplicate keys: the item is written without them */
  cdlt_json_value *v = cdlt_arena_alloc(&doc->arena, sizeof *v + n * sizeof(cdlt_json_member));
  if (!v) return NULL;
  v->type = CDLT_JSON_OBJECT;
  v->u.obj.members = n ? (cdlt_json_member *)(v + 1) : NULL;
  if (n) memcpy(v->u.obj.members, r->ms + start, n * sizeof *r->ms);
  v->u.obj.len = v->u.obj.cap = n;
  r->mlen = start;
  return v;
}

static int push_frame(cdlt_json_reader *r, int type, size_t depth0, cdlt_error *err) {
  if (depth0 + r->nframes + 1 > r->max_depth)
    return fail_at(r, err, CDLT_ERR_LIMIT, here(r), "nesting depth exceeds the limit of %zu",
                   r->max_depth);
  if (r->nframes == r->fcap && grow_stack(r, (void **)&r->frames, &r->fcap, sizeof *r->frames, err))
    return CDLT_ERR_NOMEM;
  r->frames[r->nframes].type = type;
  r->frames[r->nframes].start = type == FR_ARRAY ? r->vlen : r->mlen;
  r->nframes++;
  return 0;
}

static int eof_inside(cdlt_json_reader *r, cdlt_error *err) {
  if (r->nframes == 0)
    return fail_at(r, err, CDLT_ERR_PARSE, here(r), "unexpected end of input, expected a JSON value");
  return fail_at(r, err, CDLT_ERR_PARSE, here(r), "unexpected end of input inside an %s",
                 r->frames[r->nframes - 1].type == FR_ARRAY ? "array" : "object");
}

static int unexpected(cdlt_json_reader *r, int c, const char *what, cdlt_error *err) {
  if (c == END_OF_INPUT) return eof_inside(r, err);
  if (c > 0x20 && c < 0x7F)
    return fail_at(r, err, CDLT_ERR_PARSE, here(r), "unexpected character '%c', %s", c, what);
  return fail_at(r, err, CDLT_ERR_PARSE, here(r), "unexpected byte 0x%02x, %s", (unsigned)c, what);
}

/* Parses one complete value starting at the next non-whitespace byte. depth0 = nesting of the
 * value's parent (1 inside a flattened top-level array). Returns 0 or < 0. */
static int parse_value(cdlt_json_reader *r, cdlt_json_doc *doc, size_t depth0, cdlt_json_value **out,
                       cdlt_error *err) {
  cdlt_json_value *v = NULL;
  const char *s;
  size_t sn;
  int c, rc;
  bool after_comma = false;
  r->nframes = r->vlen = r->mlen = 0;

value:
  c = skip_ws(r, err);
  if (c < 0) return c;
  switch (c) {
    case '"':
      if ((rc = scan_string(r, &s, &sn, err))) return rc;
      if (!(v = make_string(doc, s, sn))) return nomem(r, err);
      goto done;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      if ((rc = parse_number(r, doc, &v, err))) return rc;
      goto done;
    case '{':
      if ((rc = push_frame(r, FR_OBJECT, depth0, err))) return rc;
      r->pos++;
      c = skip_ws(r, err);
      if (c < 0) return c;
      if (c == '}') {
        r->pos++;
        v = close_object(r, doc, r->frames[--r->nframes].start);
        if (!v) return nomem(r, err);
        goto done;
      }
      if (c != '"') return unexpected(r, c, "expected a string key or '}'", err);
      goto key;
    case '[':
      if ((rc = push_frame(r, FR_ARRAY, depth0, err))) return rc;
      r->pos++;
      c = skip_ws(r, err);
      if (c < 0) return c;
      if (c == ']') {
        r->pos++;
        v = close_array(r, doc, r->frames[--r->nframes].start);
        if (!v) return nomem(r, err);
        goto done;
      }
      after_comma = false;
      goto value;
    case 't': case 'f': case 'n':
      if ((rc = parse_literal(r, doc, c, &v, err))) return rc;
      goto done;
    default:
      if (after_comma && c == ']')
        return fail_at(r, err, CDLT_ERR_PARSE, here(r), "trailing comma before ']'");
      return unexpected(r, c, "expected a JSON value", err);
  }

key:
  if ((rc = scan_string(r, &s, &sn, err))) return rc;
  if (r->mlen == r->mcap && grow_stack(r, (void **)&r->ms, &r->mcap, sizeof *r->ms, err))
    return CDLT_ERR_NOMEM;
  {
    cdlt_json_member *m = &r->ms[r->mlen++];
    char *k = cdlt_arena_alloc(&doc->arena, sn + 1);
    if (!k) return nomem(r, err);
    memcpy(k, s, sn);
    k[sn] = 0;
    m->key = k;
    m->key_len = sn;
    m->value = NULL;
  }
  c = skip_ws(r, err);
  if (c < 0) return c;
  if (c != ':') return unexpected(r, c, "expected ':' after an object key", err);
  r->pos++;
  after_comma = false;
  goto value;

done:
  if (r->nframes == 0) {
    *out = v;
    return 0;
  }
  c = skip_ws(r, err);
  if (c < 0) return c;
  if (r->frames[r->nframes - 1].type == FR_ARRAY) {
    if (r->vlen == r->vcap && grow_stack(r, (void **)&r->vs, &r->vcap, sizeof *r->vs, err))
      return CDLT_ERR_NOMEM;
    r->vs[r->vlen++] = v;
    if (c == ',') {
      r->pos++;
      after_comma = true;
      goto value;
    }
    if (c == ']') {
      r->pos++;
      v = close_array(r, doc, r->frames[--r->nframes].start);
      if (!v) return nomem(r, err);
      goto done;
    }
    return unexpected(r, c, "expected ',' or ']' after an array element", err);
  }
  r->ms[r->mlen - 1].value = v;
  if (c == ',') {
    r->pos++;
    c = skip_ws(r, err);
    if (c < 0) return c;
    if (c == '"') goto key;
    if (c == '}') return fail_at(r, err, CDLT_ERR_PARSE, here(r), "trailing comma before '}'");
    return unexpected(r, c, "expected a string key after ','", err);
  }
  if (c == '}') {
    r->pos++;
    v = close_object(r, doc, r->frames[--r->nframes].start);
    if (!v) return nomem(r, err);
    goto done;
  }
  return unexpected(r, c, "expected ',' or '}' after an object member", err);
}

/* ---------- top level ---------- */

static int read_item(cdlt_json_reader *r, cdlt_json_doc *doc, size_t depth0, cdlt_json_value **out,
                     cdlt_error *err) {
  r->item_off = here(r);
  position(r, r->item_off, &r->item_line, &r->item_col);
  r->in_item = true;
  r->canon = true;
  r->long_int = false;
  int rc = parse_value(r, doc, depth0, out, err);
  r->in_item = false;
  if (rc < 0) return rc;
  r->raw_ok = r->canon && r->item_off >= r->base;
  if (here(r) - r->item_off > r->max_item)
    return fail_at(r, err, CDLT_ERR_LIMIT, r->item_off, "item of %llu bytes exceeds the limit of %llu bytes",
                   (unsigned long long)(here(r) - r->item_off), (unsigned long long)r->max_item);
  return 1;
}

static int next(cdlt_json_reader *r, cdlt_json_doc *doc, cdlt_json_value **out, bool flatten,
                cdlt_error *err) {
  int c, rc;
  r->raw_ok = false;
  if (!r->started) {
    r->started = true;
    size_t at = r->pos;
    long av = ensure(r, &at, 3, err);
    if (av < 0) return (int)av;
    if (av >= 3 && memcmp(r->data + at, "\xEF\xBB\xBF", 3) == 0) r->pos = at + 3;
  }
  for (;;) {
    uint64_t before = here(r);
    c = skip_ws(r, err);
    if (c < 0) return c;
    if (r->top_state == 0) {
      if (c == END_OF_INPUT) return 0;
      if (r->need_sep && here(r) == before)
        return fail_at(r, err, CDLT_ERR_PARSE, here(r),
                       "expected whitespace or a newline between top-level values");
      r->need_sep = false;
      if (flatten && c == '[') {
        if (r->max_depth < 1)
          return fail_at(r, err, CDLT_ERR_LIMIT, here(r), "nesting depth exceeds the limit of %zu",
                         r->max_depth);
        r->pos++;
        r->top_state = 1;
        continue;
      }
      rc = read_item(r, doc, 0, out, err);
      if (rc < 0) return rc;
      r->need_sep = true;
      return 1;
    }
    /* inside a flattened top-level array */
    if (c == END_OF_INPUT)
      return fail_at(r, err, CDLT_ERR_PARSE, here(r), "unexpected end of input inside an array");
    if (c == ']') {
      r->pos++;
      r->top_state = 0;
      r->need_sep = true;
      continue;
    }
    if (r->top_state == 2) {
      if (c != ',') {
        if (c > 0x20 && c < 0x7F)
          return fail_at(r, err, CDLT_ERR_PARSE, here(r),
                         "unexpected character '%c', expected ',' or ']' after an array element", c);
        return fail_at(r, err, CDLT_ERR_PARSE, here(r),
                       "unexpected byte 0x%02x, expected ',' or ']' after an array element", (unsigned)c);
      }
      r->pos++;
      c = skip_ws(r, err);
      if (c < 0) return c;
      if (c == ']') return fail_at(r, err, CDLT_ERR_PARSE, here(r), "trailing comma before ']'");
      if (c == END_OF_INPUT)
        return fail_at(r, err, CDLT_ERR_PARSE, here(r), "unexpected end of input inside an array");
    }
    rc = read_item(r, doc, 1, out, err);
    if (rc < 0) return rc;
    r->top_state = 2;
    return 1;
  }
}

/* ---------- lifecycle and public API ---------- */

static void reader_init(cdlt_json_reader *r, const cdlt_json_limits *limits) {
  memset(r, 0, sizeof *r);
  r->max_depth = limits && limits->max_depth ? limits->max_depth : CDLT_JSON_DEFAULT_MAX_DEPTH;
  r->max_str = limits && limits->max_string_bytes ? limits->max_string_bytes : CDLT_JSON_DEFAULT_MAX_STRING_BYTES;
  r->max_item = limits && limits->max_item_bytes ? limits->max_item_bytes : CDLT_JSON_DEFAULT_MAX_ITEM_BYTES;
  r->line = 1;
}

static void reader_release(cdlt_json_reader *r) {
  free(r->buf);
  free(r->name_owned);
  free(r->frames);
  free(r->vs);
  free(r->ms);
  free(r->sb);
  free(r->ht);
}

int cdlt_json_reader_new(cdlt_json_reader **out, cdlt_input *in, const cdlt_json_limits *limits,
                         cdlt_error *err) {
  *out = NULL;
  cdlt_json_reader *r = malloc(sizeof *r);
  if (!r) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory creating a JSON reader");
  reader_init(r, limits);
  r->in = in;
  r->name = cdlt_input_name(in);
  r->cap = CHUNK_SIZE;
  r->buf = malloc(r->cap);
  if (!r->buf) {
    free(r);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory creating a JSON reader");
  }
  r->data = r->buf;
  *out = r;
  return 0;
}

int cdlt_json_reader_new_memory(cdlt_json_reader **out, const void *data, size_t len,
                                const char *name, const cdlt_json_limits *limits, cdlt_error *err) {
  *out = NULL;
  cdlt_json_reader *r = malloc(sizeof *r);
  if (!r) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory creating a JSON reader");
  reader_init(r, limits);
  r->name_owned = strdup(name ? name : "<memory>");
  if (!r->name_owned) {
    free(r);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory creating a JSON reader");
  }
  r->name = r->name_owned;
  r->data = data ? data : (const void *)"";
  r->len = data ? len : 0;
  r->eof = true;
  *out = r;
  return 0;
}

void cdlt_json_reader_free(cdlt_json_reader *r) {
  if (!r) return;
  reader_release(r);
  free(r);
}

static int next_public(cdlt_json_reader *r, cdlt_json_doc *doc, cdlt_json_value **out, bool flatten,
                       cdlt_error *err) {
  *out = NULL;
  if (r->failed) {
    if (err) *err = r->saved;
    return r->failed;
  }
  int rc = next(r, doc, out, flatten, &r->saved);
  if (rc < 0) {
    r->failed = rc;
    r->saved.code = rc;
    *out = NULL;
    if (err) *err = r->saved;
  }
  return rc;
}

int cdlt_json_reader_next_value(cdlt_json_reader *r, cdlt_json_doc *doc, cdlt_json_value **out,
                                cdlt_error *err) {
  return next_public(r, doc, out, false, err);
}

int cdlt_json_reader_next_item(cdlt_json_reader *r, cdlt_json_doc *doc, cdlt_json_value **out,
                               cdlt_error *err) {
  return next_public(r, doc, out, true, err);
}

void cdlt_json_reader_item_position(const cdlt_json_reader *r, uint64_t *line, uint64_t *column,
                                    uint64_t *offset) {
  if (line) *line = r->item_line;
  if (column) *column = r->item_col;
  if (offset) *offset = r->item_off;
}

const char *cdlt_json_reader_source_name(const cdlt_json_reader *r) { return r->name; }

bool cdlt_json_reader_item_raw(const cdlt_json_reader *r, const char **raw, size_t *len) {
  if (r->failed || !r->raw_ok) return false;
  *raw = (const char *)r->data + (r->item_off - r->base);
  *len = (size_t)(here(r) - r->item_off);
  return true;
}

bool cdlt_json_reader_item_long_int(const cdlt_json_reader *r) { return r->long_int; }

bool cdlt_json_reader_peek_item(cdlt_json_reader *r, const char **at, size_t *avail) {
  r->peeked = false;
  if (r->in || r->failed || !r->started) return false;
  const unsigned char *d = r->data;
  size_t p = r->pos, n = r->len;
  int state = r->top_state;
  bool need_sep = r->need_sep;
  if (state == 2) {   /* after an item: ',' and the next one, or the end of the line's array */
    if (p >= n || (d[p] != ',' && d[p] != ']')) return false;
    if (d[p++] == ']') state = 0, need_sep = true;
  }
  if (state == 0) {   /* the next line of a typed-jsonl file: "\n[" (the separator, the array) */
    if (need_sep) {
      if (p >= n || d[p] != '\n') return false;
      p++;
    }
    if (p >= n || d[p] != '[' || r->max_depth < 1) return false;
    p++;
  }
  if (p >= n || d[p] != '{') return false;
  r->peek_at = p;
  r->peeked = true;
  *at = (const char *)d + p;
  size_t left = n - p;
  *avail = (uint64_t)left > r->max_item ? (size_t)r->max_item : left;
  return true;
}

void cdlt_json_reader_consume_item(cdlt_json_reader *r, size_t len) {
  if (!r->peeked) return;
  r->pos = r->peek_at + len;
  r->top_state = 2;
  r->need_sep = false;
  r->peeked = false;
  r->raw_ok = false;
  r->long_int = true;   /* not looked at: it may have one */
  r->item_off = r->base + r->peek_at;
  position(r, r->item_off, &r->item_line, &r->item_col);
}

uint64_t cdlt_json_reader_bytes_consumed(const cdlt_json_reader *r) { return here(r); }

const cdlt_json_limits cdlt_json_job_limits = {((size_t)1 << 24), ((size_t)1 << 40), ((uint64_t)1 << 50)};

int cdlt_json_parse(cdlt_json_doc *doc, const char *data, size_t len, const char *source_name,
                    cdlt_json_value **out, cdlt_error *err) {
  return cdlt_json_parse_limits(doc, data, len, source_name, NULL, out, err);
}

int cdlt_json_parse_limits(cdlt_json_doc *doc, const char *data, size_t len, const char *source_name,
                           const cdlt_json_limits *limits, cdlt_json_value **out, cdlt_error *err) {
  *out = NULL;
  cdlt_json_reader *r = malloc(sizeof *r);
  if (!r) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory parsing JSON");
  reader_init(r, limits);
  r->name = source_name ? source_name : "<memory>";
  r->data = data ? (const unsigned char *)data : (const unsigned char *)"";
  r->len = data ? len : 0;
  r->eof = true;
  cdlt_error *e = &r->saved;
  cdlt_json_value *v = NULL;
  int rc = next(r, doc, &v, false, e);
  if (rc == 0) {
    rc = fail_at(r, e, CDLT_ERR_PARSE, here(r),
                 here(r) == 0 ? "empty input, expected a JSON value"
                              : "unexpected end of input, expected a JSON value");
  } else if (rc == 1) {
    int c = skip_ws(r, e);
    if (c == END_OF_INPUT) rc = 0;
    else if (c >= 0) rc = unexpected(r, c, "expected the end of input after the JSON value", e);
    else rc = c;
  }
  if (rc == 0) *out = v;
  else if (err) *err = r->saved;
  reader_release(r);
  free(r);
  return rc;
}
