/* toml.c — the TOML 1.0 reader (see toml.h): a hand-written recursive-descent parser over a byte
 * buffer that builds the JSON DOM directly, plus a side table (value pointer -> kind, position,
 * table flags) that carries what JSON cannot say and enforces TOML's definition rules:
 *   - a key is defined once; a [table] header defines a table once;
 *   - tables created on the path of a header are implicit and may be defined later by a header;
 *   - tables created by dotted keys may be extended by dotted keys and get sub-tables through
 *     headers, but a header may not define them;
 *   - inline tables and static arrays are frozen once closed;
 *   - [[x]] appends to an array of tables that no static array or table named x precedes. */
#include "config/toml.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/strmap.h"
#include "util/utf8.h"

enum {
  F_EXPLICIT = 1,  /* table defined by a [header] or [[header]] element */
  F_IMPLICIT = 2,  /* table created on the path of a header, not yet defined */
  F_DOTTED = 4,    /* table created by a dotted key */
  F_FROZEN = 8,    /* inline table or static array: cannot be extended */
  F_AOT = 16       /* array created by [[header]] */
};

struct cdlt_toml_meta {
  const cdlt_json_value *v;
  unsigned kind;
  unsigned flags;
  uint64_t line, col;
};

typedef struct parser {
  const char *s;
  size_t len, pos;
  const char *name;
  cdlt_toml_doc *doc;
  cdlt_error *err;
  cdlt_strmap keys;         /* "<table pointer bytes><key>" -> member value */
  cdlt_buf scratch;         /* lookup keys */
  cdlt_buf str;             /* string being decoded */
  cdlt_json_value *cur;     /* table receiving key/value pairs */
  int depth;
  size_t pc_off, pc_ls;     /* position cache: offset, start of its line */
  uint64_t pc_line;
} parser;

typedef struct key_part {
  char *s;       /* arena copy, NUL-terminated */
  size_t len;
  size_t at;     /* offset of the part in the source */
} key_part;

/* ------------------------------------------------------------------ doc and side table */

void cdlt_toml_doc_init(cdlt_toml_doc *doc) {
  memset(doc, 0, sizeof *doc);
  cdlt_json_doc_init(&doc->json);
}

void cdlt_toml_doc_release(cdlt_toml_doc *doc) {
  if (!doc) return;
  cdlt_json_doc_release(&doc->json);
  free(doc->meta);
  memset(doc, 0, sizeof *doc);
}

static size_t ptr_hash(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x;
}

static cdlt_toml_meta *meta_find(const cdlt_toml_doc *doc, const cdlt_json_value *v) {
  if (!doc->meta_cap || !v) return NULL;
  size_t mask = doc->meta_cap - 1;
  for (size_t i = ptr_hash(v) & mask;; i = (i + 1) & mask) {
    cdlt_toml_meta *m = doc->meta[i];
    if (!m) return NULL;
    if (m->v == v) return m;
  }
}

static int meta_insert(cdlt_toml_doc *doc, cdlt_toml_meta *m) {
  if ((doc->meta_len + 1) * 2 > doc->meta_cap) {
    size_t ncap = doc->meta_cap ? doc->meta_cap * 2 : 256;
    cdlt_toml_meta **n = calloc(ncap, sizeof *n);
    if (!n) return CDLT_ERR_NOMEM;
    for (size_t i = 0; i < doc->meta_cap; i++) {
      if (!doc->meta[i]) continue;
      size_t j = ptr_hash(doc->meta[i]->v) & (ncap - 1);
      while (n[j]) j = (j + 1) & (ncap - 1);
      n[j] = doc->meta[i];
    }
    free(doc->meta);
    doc->meta = n;
    doc->meta_cap = ncap;
  }
  size_t j = ptr_hash(m->v) & (doc->meta_cap - 1);
  while (doc->meta[j]) j = (j + 1) & (doc->meta_cap - 1);
  doc->meta[j] = m;
  doc->meta_len++;
  return 0;
}

cdlt_toml_kind cdlt_toml_kind_of(const cdlt_toml_doc *doc, const cdlt_json_value *v) {
  const cdlt_toml_meta *m = doc ? meta_find(doc, v) : NULL;
  return m ? (cdlt_toml_kind)m->kind : CDLT_TOML_NONE;
}

bool cdlt_toml_position(const cdlt_toml_doc *doc, const cdlt_json_value *v, uint64_t *line,
                        uint64_t *column) {
  const cdlt_toml_meta *m = doc ? meta_find(doc, v) : NULL;
  if (line) *line = m ? m->line : 0;
  if (column) *column = m ? m->col : 0;
  return m != NULL;
}

const char *cdlt_toml_kind_name(cdlt_toml_kind kind) {
  switch (kind) {
    case CDLT_TOML_STRING: return "string";
    case CDLT_TOML_INTEGER: return "integer";
    case CDLT_TOML_FLOAT: return "float";
    case CDLT_TOML_BOOL: return "bool";
    case CDLT_TOML_DATETIME: return "datetime";
    case CDLT_TOML_DATETIME_LOCAL: return "datetime-local";
    case CDLT_TOML_DATE_LOCAL: return "date-local";
    case CDLT_TOML_TIME_LOCAL: return "time-local";
    case CDLT_TOML_ARRAY: return "array";
    case CDLT_TOML_TABLE: return "table";
    default: return "none";
  }
}

/* ------------------------------------------------------------------ errors */

/* Line and column of byte off. Offsets asked for mostly grow, so the scan resumes from the last
 * answer, stepping back when needed (keeps the whole parse linear). */
static void position(parser *p, size_t off, uint64_t *line, uint64_t *col) {
  if (off > p->len) off = p->len;
  if (off < p->pc_off) {  /* step back: short distances (a key before its value) */
    for (size_t i = off; i < p->pc_off; i++)
      if (p->s[i] == '\n') p->pc_line--;
    size_t ls = off;
    while (ls > 0 && p->s[ls - 1] != '\n') ls--;
    p->pc_off = off;
    p->pc_ls = ls;
  }
  for (size_t i = p->pc_off; i < off; i++)
    if (p->s[i] == '\n') {
      p->pc_line++;
      p->pc_ls = i + 1;
    }
  p->pc_off = off;
  *line = p->pc_line;
  *col = (uint64_t)(off - p->pc_ls) + 1;
}

static int fail_code_at(parser *p, int code, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_code_at(parser *p, int code, size_t off, const char *fmt, ...) {
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  uint64_t line, col;
  position(p, off, &line, &col);
  cdlt_error_set(p->err, code, "%s in '%s' at line %llu, column %llu: %s",
                 code == CDLT_ERR_LIMIT ? "TOML limit exceeded" : "invalid TOML", p->name,
                 (unsigned long long)line, (unsigned long long)col, reason);
  if (p->err) {
    p->err->line = line;
    p->err->column = col;
    p->err->offset = off;
  }
  return code;
}
#define fail_at(p, off, ...) fail_code_at((p), CDLT_ERR_PARSE, (off), __VA_ARGS__)
#define fail(p, ...) fail_code_at((p), CDLT_ERR_PARSE, (p)->pos, __VA_ARGS__)

static int nomem(parser *p) {
  return cdlt_error_set(p->err, CDLT_ERR_NOMEM, "out of memory reading TOML from '%s'", p->name);
}

/* ------------------------------------------------------------------ values with metadata */

static cdlt_toml_meta *meta_new(parser *p, cdlt_json_value *v, cdlt_toml_kind kind, unsigned flags,
                                size_t at) {
  if (!v) return NULL;
  cdlt_toml_meta *m = cdlt_arena_alloc(&p->doc->json.arena, sizeof *m);
  if (!m) return NULL;
  m->v = v;
  m->kind = kind;
  m->flags = flags;
  position(p, at, &m->line, &m->col);
  if (meta_insert(p->doc, m)) return NULL;
  return m;
}

static cdlt_toml_meta *meta_of(parser *p, const cdlt_json_value *v) { return meta_find(p->doc, v); }

static cdlt_json_value *table_new(parser *p, unsigned flags, size_t at) {
  cdlt_json_value *t = cdlt_json_object(&p->doc->json);
  if (!meta_new(p, t, CDLT_TOML_TABLE, flags, at)) return NULL;
  return t;
}

static const char *lookup_key(parser *p, const cdlt_json_value *table, const char *k, size_t n,
                              size_t *klen) {
  cdlt_buf_reset(&p->scratch);
  if (cdlt_buf_append(&p->scratch, &table, sizeof table) || cdlt_buf_append(&p->scratch, k, n))
    return NULL;
  *klen = p->scratch.len;
  return p->scratch.data;
}

static cdlt_json_value *table_get(parser *p, const cdlt_json_value *table, const key_part *k) {
  size_t kl;
  const char *key = lookup_key(p, table, k->s, k->len, &kl);
  return key ? cdlt_strmap_get(&p->keys, key, kl) : NULL;
}

static int table_add(parser *p, cdlt_json_value *table, const key_part *k, cdlt_json_value *v) {
  size_t kl;
  const char *key = lookup_key(p, table, k->s, k->len, &kl);
  if (!key || cdlt_strmap_put(&p->keys, key, kl, v) ||
      cdlt_json_object_add(&p->doc->json, table, k->s, k->len, v))
    return nomem(p);
  return 0;
}

/* ------------------------------------------------------------------ lexing helpers */

static int peek(const parser *p) { return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1; }
static int peek_at(const parser *p, size_t k) {
  return p->pos + k < p->len ? (unsigned char)p->s[p->pos + k] : -1;
}
static bool at_str(const parser *p, const char *lit) {
  size_t n = strlen(lit);
  return p->len - p->pos >= n && !memcmp(p->s + p->pos, lit, n);
}

static void skip_ws(parser *p) {
  while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')) p->pos++;
}

/* Is the byte c allowed raw in a comment or a string (tab and non-control)? */
static bool allowed_char(int c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

/* At '#': skips the comment up to (not including) the newline. */
static int skip_comment(parser *p) {
  p->pos++;
  while (p->pos < p->len) {
    int c = (unsigned char)p->s[p->pos];
    if (c == '\n') break;
    if (c == '\r') {
      if (peek_at(p, 1) == '\n') break;
      return fail(p, "bare carriage return in a comment");
    }
    if (!allowed_char(c)) return fail(p, "control character 0x%02x in a comment", c);
    p->pos++;
  }
  return 0;
}

/* Consumes a newline (LF or CRLF) if there is one; returns 1 if consumed, 0 if none, <0 error. */
static int eat_newline(parser *p) {
  int c = peek(p);
  if (c == '\n') {
    p->pos++;
    return 1;
  }
  if (c == '\r') {
    if (peek_at(p, 1) == '\n') {
      p->pos += 2;
      return 1;
    }
    return fail(p, "bare carriage return");
  }
  return 0;
}

/* Skips whitespace, comments and newlines (inside arrays). */
static int skip_ws_nl_comments(parser *p) {
  for (;;) {
    skip_ws(p);
    int c = peek(p);
    if (c == '#') {
      int rc = skip_comment(p);
      if (rc) return rc;
      continue;
    }
    int rc = eat_newline(p);
    if (rc < 0) return rc;
    if (rc == 0) return 0;
  }
}

/* After a key/value pair or header: optional whitespace and comment, then newline or end. */
static int end_of_line(parser *p) {
  skip_ws(p);
  if (peek(p) == '#') {
    int rc = skip_comment(p);
    if (rc) return rc;
  }
  if (p->pos >= p->len) return 0;
  int rc = eat_newline(p);
  if (rc < 0) return rc;
  if (rc == 0) return fail(p, "expected a newline after the value, found '%c'", peek(p));
  return 0;
}

static int utf8_check(parser *p) {
  const unsigned char *s = (const unsigned char *)p->s;
  size_t i = 0, n = p->len;
  while (i < n) {
    unsigned c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t need;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; min = 0x10000; }
    else return fail_at(p, i, "invalid UTF-8 byte 0x%02x", c);
    for (size_t k = 1; k <= need; k++) {
      if (i + k >= n || (s[i + k] & 0xC0) != 0x80) return fail_at(p, i, "invalid UTF-8 sequence");
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return fail_at(p, i, "invalid UTF-8 sequence");
    i += need + 1;
  }
  return 0;
}

/* ------------------------------------------------------------------ strings */

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* At '\\' inside a basic string: appends the escaped character to p->str. */
static int parse_escape(parser *p) {
  size_t at = p->pos;
  p->pos++;
  int e = peek(p);
  char ch;
  switch (e) {
    case 'b': ch = '\b'; break;
    case 't': ch = '\t'; break;
    case 'n': ch = '\n'; break;
    case 'f': ch = '\f'; break;
    case 'r': ch = '\r'; break;
    case '"': ch = '"'; break;
    case '\\': ch = '\\'; break;
    case 'u':
    case 'U': {
      size_t nd = e == 'u' ? 4 : 8;
      uint32_t cp = 0;
      for (size_t k = 1; k <= nd; k++) {
        int h = hexval(peek_at(p, k));
        if (h < 0) return fail_at(p, at, "invalid \\%c escape: expected %zu hex digits", e, nd);
        cp = cp * 16 + (uint32_t)h;
      }
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return fail_at(p, at, "escape \\%c is not a Unicode scalar value", e);
      char o[4];
      size_t n = cdlt_utf8_encode(cp, o);
      if (cdlt_buf_append(&p->str, o, n)) return nomem(p);
      p->pos += nd + 1;
      return 0;
    }
    default:
      if (e < 0) return fail_at(p, at, "unterminated string");
      if (e >= 0x20 && e < 0x7f) return fail_at(p, at, "invalid escape '\\%c'", e);
      return fail_at(p, at, "invalid escape");
  }
  if (cdlt_buf_putc(&p->str, ch)) return nomem(p);
  p->pos++;
  return 0;
}

/* Appends the raw byte at pos (validated) to p->str. */
static int raw_char(parser *p) {
  int c = peek(p);
  if (!allowed_char(c) && c < 0x80) return fail(p, "control character 0x%02x in a string", c);
  if (cdlt_buf_putc(&p->str, (char)c)) return nomem(p);
  p->pos++;
  return 0;
}

/* Parses any string form starting at the quote; result in p->str. multiline_ok=false for keys. */
static int parse_string(parser *p, bool multiline_ok) {
  size_t start = p->pos;
  cdlt_buf_reset(&p->str);
  if (cdlt_buf_reserve(&p->str, 16)) return nomem(p);
  char q = p->s[p->pos];
  bool literal = q == '\'';
  bool ml = (q == '"' && at_str(p, "\"\"\"")) || (q == '\'' && at_str(p, "'''"));
  if (ml) {
    if (!multiline_ok) return fail(p, "a multi-line string cannot be a key");
    p->pos += 3;
    int rc = eat_newline(p);  /* a newline right after the delimiter is trimmed */
    if (rc < 0) return rc;
    for (;;) {
      int c = peek(p);
      if (c < 0) return fail_at(p, start, "unterminated multi-line string");
      if (c == q) {
        size_t run = 0;
        while (peek_at(p, run) == q) run++;
        if (run >= 3) {
          if (run > 5) return fail(p, "too many quotes at the end of a multi-line string");
          for (size_t k = 0; k < run - 3; k++)
            if (cdlt_buf_putc(&p->str, q)) return nomem(p);
          p->pos += run;
          return 0;
        }
        for (size_t k = 0; k < run; k++)
          if (cdlt_buf_putc(&p->str, q)) return nomem(p);
        p->pos += run;
        continue;
      }
      if (c == '\n' || c == '\r') {
        size_t at = p->pos;
        rc = eat_newline(p);
        if (rc < 0) return rc;
        if (cdlt_buf_append(&p->str, p->s + at, p->pos - at)) return nomem(p);
        continue;
      }
      if (c == '\\' && !literal) {
        /* line-ending backslash: trims whitespace and newlines up to the next character */
        size_t k = 1;
        while (peek_at(p, k) == ' ' || peek_at(p, k) == '\t') k++;
        int nc = peek_at(p, k);
        if (nc == '\n' || (nc == '\r' && peek_at(p, k + 1) == '\n')) {
          p->pos += k;
          for (;;) {
            skip_ws(p);
            rc = eat_newline(p);
            if (rc < 0) return rc;
            if (rc == 0) break;
          }
          continue;
        }
        rc = parse_escape(p);
        if (rc) return rc;
        continue;
      }
      rc = raw_char(p);
      if (rc) return rc;
    }
  }
  p->pos++;
  for (;;) {
    int c = peek(p);
    if (c < 0 || c == '\n' || c == '\r') return fail_at(p, start, "unterminated string");
    if (c == q) {
      p->pos++;
      return 0;
    }
    int rc = (c == '\\' && !literal) ? parse_escape(p) : raw_char(p);
    if (rc) return rc;
  }
}

/* ------------------------------------------------------------------ keys */

static bool is_bare(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

/* Parses a (dotted) key into parts (arena copies). */
static int parse_key(parser *p, key_part **parts_out, size_t *n_out) {
  size_t cap = 4, n = 0;
  key_part *parts = cdlt_arena_alloc(&p->doc->json.arena, cap * sizeof *parts);
  if (!parts) return nomem(p);
  for (;;) {
    skip_ws(p);
    size_t at = p->pos;
    int c = peek(p);
    const char *s;
    size_t len;
    if (c == '"' || c == '\'') {
      int rc = parse_string(p, false);
      if (rc) return rc;
      s = p->str.data;
      len = p->str.len;
    } else if (is_bare(c)) {
      while (is_bare(peek(p))) p->pos++;
      s = p->s + at;
      len = p->pos - at;
    } else if (c < 0 || c == '\n' || c == '\r') {
      return fail(p, "expected a key");
    } else if (c == '=') {
      return fail(p, "expected a key before '='");
    } else {
      return fail(p, "invalid character '%c' in a key", c >= 0x20 && c < 0x7f ? c : '?');
    }
    if (n == cap) {
      if (cap >= CDLT_TOML_MAX_DEPTH)
        return fail_code_at(p, CDLT_ERR_LIMIT, at, "key has more than %d parts", CDLT_TOML_MAX_DEPTH);
      key_part *np = cdlt_arena_alloc(&p->doc->json.arena, cap * 2 * sizeof *np);
      if (!np) return nomem(p);
      memcpy(np, parts, n * sizeof *np);
      parts = np;
      cap *= 2;
    }
    parts[n].s = cdlt_arena_strndup(&p->doc->json.arena, s, len);
    if (!parts[n].s) return nomem(p);
    parts[n].len = len;
    parts[n].at = at;
    n++;
    skip_ws(p);
    if (peek(p) != '.') break;
    p->pos++;
  }
  *parts_out = parts;
  *n_out = n;
  return 0;
}

static void key_text(const key_part *parts, size_t n, char *out, size_t cap) {
  size_t o = 0;
  out[0] = 0;
  for (size_t i = 0; i < n && o + 1 < cap; i++) {
    int w = snprintf(out + o, cap - o, "%s%.*s", i ? "." : "", (int)parts[i].len, parts[i].s);
    if (w < 0) break;
    o += (size_t)w;
    if (o >= cap) {
      o = cap - 1;
      break;
    }
  }
}

/* ------------------------------------------------------------------ scalars */

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

static int digits_n(const char *s, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_digit((unsigned char)s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* Validates date "YYYY-MM-DD" at s (10 bytes). */
static bool valid_date(const char *s) {
  if (s[4] != '-' || s[7] != '-') return false;
  int y = digits_n(s, 4), m = digits_n(s + 5, 2), d = digits_n(s + 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1) return false;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int md = mdays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) md = 29;
  return d <= md;
}

/* Validates "HH:MM:SS[.f+]" at s (up to n bytes); returns its length or 0. */
static size_t valid_time(const char *s, size_t n) {
  if (n < 8 || s[2] != ':' || s[5] != ':') return 0;
  int h = digits_n(s, 2), mi = digits_n(s + 3, 2), se = digits_n(s + 6, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return 0;
  size_t i = 8;
  if (i < n && s[i] == '.') {
    i++;
    size_t f = i;
    while (i < n && is_digit((unsigned char)s[i])) i++;
    if (i == f) return 0;
  }
  return i;
}

/* Parses the date-time token tok[0..n) (already delimited) into a normalised string value. */
static cdlt_json_value *parse_datetime(parser *p, const char *tok, size_t n, size_t at,
                                       cdlt_toml_kind *kind, int *rc) {
  char out[96];
  *rc = 0;
  if (n > 80) goto bad;
  if (n >= 3 && tok[2] == ':') {
    size_t tl = valid_time(tok, n);
    if (!tl || tl != n) goto bad;
    memcpy(out, tok, n);
    out[n] = 0;
    *kind = CDLT_TOML_TIME_LOCAL;
  } else {
    if (n < 10 || !valid_date(tok)) goto bad;
    memcpy(out, tok, 10);
    if (n == 10) {
      out[10] = 0;
      *kind = CDLT_TOML_DATE_LOCAL;
    } else {
      char sep = tok[10];
      if (sep != 'T' && sep != 't' && sep != ' ') goto bad;
      out[10] = 'T';
      size_t tl = valid_time(tok + 11, n - 11);
      if (!tl) goto bad;
      memcpy(out + 11, tok + 11, tl);
      size_t i = 11 + tl;
      if (i == n) {
        out[i] = 0;
        *kind = CDLT_TOML_DATETIME_LOCAL;
      } else if ((tok[i] == 'Z' || tok[i] == 'z') && i + 1 == n) {
        out[i] = 'Z';
        out[i + 1] = 0;
        *kind = CDLT_TOML_DATETIME;
      } else if ((tok[i] == '+' || tok[i] == '-') && n - i == 6 && tok[i + 3] == ':') {
        int oh = digits_n(tok + i + 1, 2), om = digits_n(tok + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59) goto bad;
        memcpy(out + i, tok + i, 6);
        out[i + 6] = 0;
        *kind = CDLT_TOML_DATETIME;
      } else {
        goto bad;
      }
    }
  }
  cdlt_json_value *v = cdlt_json_cstr(&p->doc->json, out);
  if (!v) *rc = nomem(p);
  return v;
bad:
  *rc = fail_at(p, at, "invalid date-time '%.*s'", (int)(n > 60 ? 60 : n), tok);
  return NULL;
}

/* Checks digits with single underscores between digits of `base`; copies digits to out. */
static bool digit_run(const char *s, size_t n, int base, char *out, size_t *olen) {
  if (n == 0) return false;
  size_t o = *olen;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    if (c == '_') {
      if (i == 0 || i + 1 == n || s[i + 1] == '_') return false;
      continue;
    }
    int v = hexval(c);
    if (v < 0 || v >= base) return false;
    out[o++] = (char)c;
  }
  *olen = o;
  return true;
}

static cdlt_json_value *parse_number(parser *p, const char *tok, size_t n, size_t at,
                                     cdlt_toml_kind *kind, int *rc) {
  char buf[512];
  size_t o = 0;
  *rc = 0;
  if (n >= sizeof buf - 8) goto bad;
  const char *s = tok;
  size_t len = n;
  bool neg = false, signed_ = false;
  if (len && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    signed_ = true;
    s++;
    len--;
  }
  if (len == 3 && (!memcmp(s, "inf", 3) || !memcmp(s, "nan", 3))) {
    double d = s[0] == 'i' ? INFINITY : NAN;
    if (neg) d = -d;
    *kind = CDLT_TOML_FLOAT;
    cdlt_json_value *v = cdlt_json_double(&p->doc->json, d);
    if (!v) *rc = nomem(p);
    return v;
  }
  if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
    if (signed_) goto bad;
    int base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
    if (!digit_run(s + 2, len - 2, base, buf, &o)) goto bad;
    buf[o] = 0;
    errno = 0;
    char *end;
    unsigned long long u = strtoull(buf, &end, base);
    if (errno == ERANGE || u > (unsigned long long)INT64_MAX)
      return *rc = fail_at(p, at, "integer '%.*s' does not fit 64 bits", (int)n, tok), NULL;
    *kind = CDLT_TOML_INTEGER;
    cdlt_json_value *v = cdlt_json_int(&p->doc->json, (int64_t)u);
    if (!v) *rc = nomem(p);
    return v;
  }
  /* decimal integer part */
  size_t ip = 0;
  while (ip < len && (is_digit((unsigned char)s[ip]) || s[ip] == '_')) ip++;
  if (ip == 0) goto bad;
  if (neg) buf[o++] = '-';
  size_t int_start = o;
  if (!digit_run(s, ip, 10, buf, &o)) goto bad;
  if (o - int_start > 1 && buf[int_start] == '0') goto bad;  /* leading zero */
  size_t i = ip;
  bool is_float = false;
  if (i < len && s[i] == '.') {
    is_float = true;
    i++;
    size_t fs = i;
    while (i < len && (is_digit((unsigned char)s[i]) || s[i] == '_')) i++;
    buf[o++] = '.';
    if (!digit_run(s + fs, i - fs, 10, buf, &o)) goto bad;
  }
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    is_float = true;
    i++;
    buf[o++] = 'e';
    if (i < len && (s[i] == '+' || s[i] == '-')) buf[o++] = s[i++];
    size_t es = i;
    while (i < len && (is_digit((unsigned char)s[i]) || s[i] == '_')) i++;
    if (!digit_run(s + es, i - es, 10, buf, &o)) goto bad;
  }
  if (i != len) goto bad;
  buf[o] = 0;
  cdlt_json_value *v;
  if (is_float) {
    *kind = CDLT_TOML_FLOAT;
    v = cdlt_json_double(&p->doc->json, strtod(buf, NULL));
  } else {
    errno = 0;
    char *end;
    long long x = strtoll(buf, &end, 10);
    if (errno == ERANGE)
      return *rc = fail_at(p, at, "integer '%.*s' does not fit 64 bits", (int)n, tok), NULL;
    *kind = CDLT_TOML_INTEGER;
    v = cdlt_json_int(&p->doc->json, (int64_t)x);
  }
  if (!v) *rc = nomem(p);
  return v;
bad:
  *rc = fail_at(p, at, "invalid value '%.*s'", (int)(n > 60 ? 60 : n), tok);
  return NULL;
}

static bool tok_char(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == '+' || c == '-' || c == '.' || c == ':';
}

/* ------------------------------------------------------------------ values */

static int parse_value(parser *p, cdlt_json_value **out);
static int keyval(parser *p, cdlt_json_value *table, bool in_inline);

static int parse_array(parser *p, cdlt_json_value **out) {
  size_t at = p->pos;
  if (++p->depth > CDLT_TOML_MAX_DEPTH)
    return fail_code_at(p, CDLT_ERR_LIMIT, at, "nesting deeper than %d", CDLT_TOML_MAX_DEPTH);
  p->pos++;
  cdlt_json_value *arr = cdlt_json_array(&p->doc->json);
  if (!meta_new(p, arr, CDLT_TOML_ARRAY, F_FROZEN, at)) return nomem(p);
  for (;;) {
    int rc = skip_ws_nl_comments(p);
    if (rc) return rc;
    if (peek(p) == ']') {
      p->pos++;
      break;
    }
    cdlt_json_value *v;
    rc = parse_value(p, &v);
    if (rc) return rc;
    if (cdlt_json_array_push(&p->doc->json, arr, v)) return nomem(p);
    rc = skip_ws_nl_comments(p);
    if (rc) return rc;
    int c = peek(p);
    if (c == ',') {
      p->pos++;
      continue;
    }
    if (c == ']') {
      p->pos++;
      break;
    }
    if (c < 0) return fail_at(p, at, "unterminated array");
    return fail(p, "expected ',' or ']' in an array");
  }
  p->depth--;
  *out = arr;
  return 0;
}

static int parse_inline_table(parser *p, cdlt_json_value **out) {
  size_t at = p->pos;
  if (++p->depth > CDLT_TOML_MAX_DEPTH)
    return fail_code_at(p, CDLT_ERR_LIMIT, at, "nesting deeper than %d", CDLT_TOML_MAX_DEPTH);
  p->pos++;
  cdlt_json_value *t = table_new(p, 0, at);
  if (!t) return nomem(p);
  skip_ws(p);
  if (peek(p) == '}') {
    p->pos++;
  } else {
    for (;;) {
      skip_ws(p);
      int rc = keyval(p, t, true);
      if (rc) return rc;
      skip_ws(p);
      int c = peek(p);
      if (c == ',') {
        p->pos++;
        skip_ws(p);
        if (peek(p) == '}') return fail(p, "trailing comma in an inline table");
        continue;
      }
      if (c == '}') {
        p->pos++;
        break;
      }
      if (c == '\n' || c == '\r') return fail(p, "newline in an inline table");
      if (c < 0) return fail_at(p, at, "unterminated inline table");
      return fail(p, "expected ',' or '}' in an inline table");
    }
  }
  meta_of(p, t)->flags |= F_FROZEN;
  p->depth--;
  *out = t;
  return 0;
}

static int parse_value(parser *p, cdlt_json_value **out) {
  size_t at = p->pos;
  int c = peek(p);
  cdlt_json_value *v = NULL;
  cdlt_toml_kind kind;
  int rc = 0;
  if (c == '"' || c == '\'') {
    rc = parse_string(p, true);
    if (rc) return rc;
    v = cdlt_json_string(&p->doc->json, p->str.data ? p->str.data : "", p->str.len);
    kind = CDLT_TOML_STRING;
  } else if (c == '[') {
    return parse_array(p, out);
  } else if (c == '{') {
    return parse_inline_table(p, out);
  } else if (at_str(p, "true") && !tok_char(peek_at(p, 4))) {
    p->pos += 4;
    v = cdlt_json_bool(&p->doc->json, true);
    kind = CDLT_TOML_BOOL;
  } else if (at_str(p, "false") && !tok_char(peek_at(p, 5))) {
    p->pos += 5;
    v = cdlt_json_bool(&p->doc->json, false);
    kind = CDLT_TOML_BOOL;
  } else if (tok_char(c)) {
    size_t e = p->pos;
    while (e < p->len && tok_char((unsigned char)p->s[e])) e++;
    /* "1979-05-27 07:32:00": a date followed by a space and a time */
    if (e - p->pos == 10 && e + 3 < p->len && p->s[e] == ' ' && is_digit((unsigned char)p->s[e + 1]) &&
        is_digit((unsigned char)p->s[e + 2]) && p->s[e + 3] == ':' && p->s[p->pos + 4] == '-') {
      e++;
      while (e < p->len && tok_char((unsigned char)p->s[e])) e++;
    }
    const char *tok = p->s + p->pos;
    size_t n = e - p->pos;
    bool dt = (n >= 3 && tok[2] == ':') || (n >= 5 && is_digit((unsigned char)tok[0]) && tok[4] == '-' &&
                                             is_digit((unsigned char)tok[1]));
    v = dt ? parse_datetime(p, tok, n, at, &kind, &rc) : parse_number(p, tok, n, at, &kind, &rc);
    if (rc) return rc;
    p->pos = e;
  } else if (c < 0 || c == '\n' || c == '\r' || c == '#') {
    return fail(p, "expected a value");
  } else {
    return fail(p, "invalid value");
  }
  if (!v || !meta_new(p, v, kind, 0, at)) return nomem(p);
  *out = v;
  return 0;
}

/* key = value into table (the current table or an inline table being built). */
static int keyval(parser *p, cdlt_json_value *table, bool in_inline) {
  key_part *parts;
  size_t n;
  size_t key_at = p->pos;
  int rc = parse_key(p, &parts, &n);
  if (rc) return rc;
  if (peek(p) != '=') {
    if (peek(p) < 0 || peek(p) == '\n' || peek(p) == '\r') return fail(p, "expected '=' after a key");
    return fail(p, "expected '=' after a key, found '%c'", peek(p) >= 0x20 && peek(p) < 0x7f ? peek(p) : '?');
  }
  p->pos++;
  skip_ws(p);
  cdlt_json_value *t = table;
  for (size_t i = 0; i + 1 < n; i++) {
    cdlt_json_value *ex = table_get(p, t, &parts[i]);
    if (!ex) {
      cdlt_json_value *nt = table_new(p, F_DOTTED, parts[i].at);
      if (!nt) return nomem(p);
      rc = table_add(p, t, &parts[i], nt);
      if (rc) return rc;
      t = nt;
      continue;
    }
    cdlt_toml_meta *m = meta_of(p, ex);
    char k[256];
    key_text(parts, i + 1, k, sizeof k);
    if (!m || m->kind != CDLT_TOML_TABLE || (m->flags & F_FROZEN) || !(m->flags & F_DOTTED))
      return fail_at(p, parts[i].at, "key '%s' is already defined", k);
    t = ex;
  }
  (void)in_inline;
  if (table_get(p, t, &parts[n - 1])) {
    char k[256];
    key_text(parts, n, k, sizeof k);
    return fail_at(p, parts[n - 1].at, "key '%s' is defined twice", k);
  }
  cdlt_json_value *v;
  rc = parse_value(p, &v);
  if (rc) return rc;
  cdlt_toml_meta *vm = meta_of(p, v);
  position(p, key_at, &vm->line, &vm->col);
  return table_add(p, t, &parts[n - 1], v);
}

/* [a.b.c] or [[a.b.c]] at '['. */
static int header(parser *p) {
  size_t at = p->pos;
  bool aot = at_str(p, "[[");
  p->pos += aot ? 2 : 1;
  key_part *parts;
  size_t n;
  int rc = parse_key(p, &parts, &n);
  if (rc) return rc;
  if (aot ? !at_str(p, "]]") : peek(p) != ']') return fail(p, "expected '%s' to close a table header", aot ? "]]" : "]");
  p->pos += aot ? 2 : 1;
  char k[256];
  cdlt_json_value *t = p->doc->root;
  for (size_t i = 0; i + 1 < n; i++) {
    cdlt_json_value *ex = table_get(p, t, &parts[i]);
    if (!ex) {
      cdlt_json_value *nt = table_new(p, F_IMPLICIT, parts[i].at);
      if (!nt) return nomem(p);
      rc = table_add(p, t, &parts[i], nt);
      if (rc) return rc;
      t = nt;
      continue;
    }
    cdlt_toml_meta *m = meta_of(p, ex);
    key_text(parts, i + 1, k, sizeof k);
    if (m && m->kind == CDLT_TOML_TABLE && !(m->flags & F_FROZEN)) {
      t = ex;
    } else if (m && m->kind == CDLT_TOML_ARRAY && (m->flags & F_AOT)) {
      t = ex->u.arr.items[ex->u.arr.len - 1];
    } else {
      return fail_at(p, parts[i].at, "key '%s' is already defined and is not a table", k);
    }
  }
  key_text(parts, n, k, sizeof k);
  cdlt_json_value *ex = table_get(p, t, &parts[n - 1]);
  cdlt_toml_meta *m = ex ? meta_of(p, ex) : NULL;
  if (aot) {
    if (!ex) {
      ex = cdlt_json_array(&p->doc->json);
      if (!meta_new(p, ex, CDLT_TOML_ARRAY, F_AOT, parts[n - 1].at)) return nomem(p);
      rc = table_add(p, t, &parts[n - 1], ex);
      if (rc) return rc;
    } else if (!m || m->kind != CDLT_TOML_ARRAY || !(m->flags & F_AOT)) {
      return fail_at(p, at, "'%s' is already defined and is not an array of tables", k);
    }
    cdlt_json_value *nt = table_new(p, F_EXPLICIT, at);
    if (!nt) return nomem(p);
    if (cdlt_json_array_push(&p->doc->json, ex, nt)) return nomem(p);
    p->cur = nt;
    return 0;
  }
  if (!ex) {
    cdlt_json_value *nt = table_new(p, F_EXPLICIT, at);
    if (!nt) return nomem(p);
    rc = table_add(p, t, &parts[n - 1], nt);
    if (rc) return rc;
    p->cur = nt;
    return 0;
  }
  if (!m || m->kind != CDLT_TOML_TABLE) return fail_at(p, at, "key '%s' is already defined and is not a table", k);
  if (!(m->flags & F_IMPLICIT) || (m->flags & (F_EXPLICIT | F_DOTTED | F_FROZEN)))
    return fail_at(p, at, "table '%s' is defined twice", k);
  m->flags = (m->flags & ~(unsigned)F_IMPLICIT) | F_EXPLICIT;
  position(p, at, &m->line, &m->col);
  p->cur = ex;
  return 0;
}

static int parse_document(parser *p) {
  if (p->len >= 3 && !memcmp(p->s, "\xEF\xBB\xBF", 3)) p->pos = 3;
  for (;;) {
    skip_ws(p);
    int c = peek(p);
    if (c < 0) return 0;
    int rc;
    if (c == '#') {
      rc = skip_comment(p);
      if (rc) return rc;
      rc = eat_newline(p);
      if (rc < 0) return rc;
      continue;
    }
    if (c == '\n' || c == '\r') {
      rc = eat_newline(p);
      if (rc < 0) return rc;
      continue;
    }
    rc = c == '[' ? header(p) : keyval(p, p->cur, false);
    if (rc) return rc;
    rc = end_of_line(p);
    if (rc) return rc;
  }
}

int cdlt_toml_parse(cdlt_toml_doc *doc, const char *data, size_t len, const char *source_name,
                    cdlt_error *err) {
  parser p;
  memset(&p, 0, sizeof p);
  p.s = data ? data : "";
  p.len = data ? len : 0;
  p.name = source_name ? source_name : "<toml>";
  p.doc = doc;
  p.err = err;
  p.pc_line = 1;
  if (len > CDLT_TOML_MAX_SIZE)
    return cdlt_error_set(err, CDLT_ERR_LIMIT, "TOML limit exceeded in '%s': larger than %zu bytes",
                          p.name, CDLT_TOML_MAX_SIZE);
  int rc = utf8_check(&p);
  if (rc) return rc;
  cdlt_strmap_init(&p.keys);
  cdlt_buf_init(&p.scratch);
  cdlt_buf_init(&p.str);
  doc->root = table_new(&p, F_EXPLICIT, 0);
  if (!doc->root) {
    rc = nomem(&p);
  } else {
    p.cur = doc->root;
    rc = parse_document(&p);
  }
  cdlt_strmap_release(&p.keys);
  cdlt_buf_release(&p.scratch);
  cdlt_buf_release(&p.str);
  if (rc) doc->root = NULL;
  return rc;
}

int cdlt_toml_parse_file(cdlt_toml_doc *doc, const char *path, cdlt_error *err) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  uint64_t size = 0;
  int rc = cdlt_fs_file_size(path, &size, err);
  if (rc) return rc;
  if (size > CDLT_TOML_MAX_SIZE)
    return cdlt_error_set(err, CDLT_ERR_LIMIT, "TOML limit exceeded in '%s': larger than %zu bytes",
                          path, CDLT_TOML_MAX_SIZE);
  rc = cdlt_fs_read_file(path, &b, err);
  if (!rc) rc = cdlt_toml_parse(doc, b.data ? b.data : "", b.len, path, err);
  cdlt_buf_release(&b);
  return rc;
}
