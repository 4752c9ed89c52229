/* yaml.c — YAML writer (a port of PyYAML's Emitter for the events a JSON value produces) and a
 * YAML reader into the JSON DOM, sharing PyYAML's implicit scalar resolver (resolver.py). */
#include "schema/yaml.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/* ========================================================================================== */
/* the implicit resolver (PyYAML resolver.py, YAML 1.1)                                        */

typedef enum yaml_tag { TAG_STR, TAG_BOOL, TAG_INT, TAG_FLOAT, TAG_NULL, TAG_TIMESTAMP, TAG_MERGE, TAG_VALUE } yaml_tag;

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* ^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$ */
static bool match_bool(const char *s, size_t n, bool *value) {
  static const char *const t[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const char *const f[] = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  for (size_t k = 0; k < 9; k++) {
    if (strlen(t[k]) == n && !memcmp(s, t[k], n)) { *value = true; return true; }
    if (strlen(f[k]) == n && !memcmp(s, f[k], n)) { *value = false; return true; }
  }
  return false;
}

/* (?::[0-5]?[0-9])+ followed by whatever `rest` accepts; backtracks over the optional digit */
typedef bool (*rest_fn)(const char *s, size_t i, size_t n);
static bool sexagesimal_tail(const char *s, size_t i, size_t n, rest_fn rest, bool have_one) {
  if (have_one && rest(s, i, n)) return true;
  if (i >= n || s[i] != ':') return false;
  i++;
  /* two digits: [0-5][0-9] */
  if (i + 1 < n && s[i] >= '0' && s[i] <= '5' && is_digit(s[i + 1]) &&
      sexagesimal_tail(s, i + 2, n, rest, true))
    return true;
  return i < n && is_digit(s[i]) && sexagesimal_tail(s, i + 1, n, rest, true);
}

static bool rest_end(const char *s, size_t i, size_t n) { (void)s; return i == n; }
static bool rest_fraction(const char *s, size_t i, size_t n) {  /* \.[0-9_]*$ */
  if (i >= n || s[i] != '.') return false;
  for (i++; i < n; i++)
    if (!is_digit(s[i]) && s[i] != '_') return false;
  return true;
}

static size_t skip_sign(const char *s, size_t n) { return n > 0 && (s[0] == '-' || s[0] == '+') ? 1 : 0; }

static bool exponent_then_end(const char *s, size_t i, size_t n) {  /* (?:[eE][-+][0-9]+)?$ */
  if (i == n) return true;
  if (s[i] != 'e' && s[i] != 'E') return false;
  i++;
  if (i >= n || (s[i] != '-' && s[i] != '+')) return false;
  i++;
  if (i >= n) return false;
  for (; i < n; i++)
    if (!is_digit(s[i])) return false;
  return true;
}

static bool match_float(const char *s, size_t n) {
  size_t i = skip_sign(s, n);
  /* [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)? */
  if (i < n && is_digit(s[i])) {
    size_t j = i + 1;
    while (j < n && (is_digit(s[j]) || s[j] == '_')) j++;
    if (j < n && s[j] == '.') {
      size_t k = j + 1;
      while (k < n && (is_digit(s[k]) || s[k] == '_')) k++;
      if (exponent_then_end(s, k, n)) return true;
    }
    /* [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]* — [0-9_]* is greedy but cannot eat ':' */
    if (j < n && s[j] == ':' && sexagesimal_tail(s, j, n, rest_fraction, false)) return true;
  }
  /* \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?  (no sign) */
  if (n >= 2 && s[0] == '.' && is_digit(s[1])) {
    size_t k = 2;
    while (k < n && (is_digit(s[k]) || s[k] == '_')) k++;
    if (exponent_then_end(s, k, n)) return true;
  }
  /* [-+]?\.(?:inf|Inf|INF) */
  if (n - i == 4 && s[i] == '.' &&
      (!memcmp(s + i + 1, "inf", 3) || !memcmp(s + i + 1, "Inf", 3) || !memcmp(s + i + 1, "INF", 3)))
    return true;
  /* \.(?:nan|NaN|NAN) */
  if (n == 4 && (!memcmp(s, ".nan", 4) || !memcmp(s, ".NaN", 4) || !memcmp(s, ".NAN", 4))) return true;
  return false;
}

static bool all_of(const char *s, size_t i, size_t n, const char *set) {
  if (i >= n) return false;
  for (; i < n; i++)
    if (!strchr(set, s[i]) || s[i] == 0) return false;
  return true;
}

static bool match_int(const char *s, size_t n) {
  size_t i = skip_sign(s, n);
  if (i >= n) return false;
  if (n - i >= 2 && s[i] == '0' && s[i + 1] == 'b' && all_of(s, i + 2, n, "01_")) return true;
  if (s[i] == '0' && all_of(s, i + 1, n, "01234567_")) return true;
  if (s[i] == '0' && i + 1 == n) return true;
  if (s[i] >= '1' && s[i] <= '9' && (i + 1 == n || all_of(s, i + 1, n, "0123456789_"))) return true;
  if (n - i >= 2 && s[i] == '0' && s[i + 1] == 'x' && all_of(s, i + 2, n, "0123456789abcdefABCDEF_")) return true;
  if (s[i] >= '1' && s[i] <= '9') {
    size_t j = i + 1;
    while (j < n && (is_digit(s[j]) || s[j] == '_')) j++;
    if (j < n && s[j] == ':' && sexagesimal_tail(s, j, n, rest_end, false)) return true;
  }
  return false;
}

static bool match_null(const char *s, size_t n) {
  return n == 0 || (n == 1 && s[0] == '~') ||
         (n == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

/* [0-9]{n1} or [0-9][0-9]? ; returns the index after, or (size_t)-1 */
static size_t digits(const char *s, size_t i, size_t n, size_t min, size_t max) {
  size_t k = 0;
  while (i + k < n && k < max && is_digit(s[i + k])) k++;
  return k >= min ? i + k : (size_t)-1;
}

static bool match_timestamp(const char *s, size_t n) {
  size_t i = digits(s, 0, n, 4, 4);
  if (i == (size_t)-1 || i >= n || s[i] != '-') return false;
  /* [0-9]{4}-[0-9]{2}-[0-9]{2}$ */
  if (n == 10 && is_digit(s[5]) && is_digit(s[6]) && s[7] == '-' && is_digit(s[8]) && is_digit(s[9])) return true;
  i = digits(s, i + 1, n, 1, 2);
  if (i == (size_t)-1 || i >= n || s[i] != '-') return false;
  i = digits(s, i + 1, n, 1, 2);
  if (i == (size_t)-1 || i >= n) return false;
  if (s[i] == 'T' || s[i] == 't') i++;
  else if (s[i] == ' ' || s[i] == '\t') while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
  else return false;
  i = digits(s, i, n, 1, 2);
  if (i == (size_t)-1 || i >= n || s[i] != ':') return false;
  i = digits(s, i + 1, n, 2, 2);
  if (i == (size_t)-1 || i >= n || s[i] != ':') return false;
  i = digits(s, i + 1, n, 2, 2);
  if (i == (size_t)-1) return false;
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && is_digit(s[i])) i++;
  }
  if (i == n) return true;
  while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
  if (i < n && s[i] == 'Z') return i + 1 == n;
  if (i >= n || (s[i] != '-' && s[i] != '+')) return false;
  i = digits(s, i + 1, n, 1, 2);
  if (i == (size_t)-1) return false;
  if (i == n) return true;
  if (s[i] != ':') return false;
  i = digits(s, i + 1, n, 2, 2);
  return i == n;
}

/* The tag PyYAML's Resolver gives a plain scalar (resolve(ScalarNode, value, (True, False))). */
static yaml_tag resolve_plain(const char *s, size_t n) {
  bool b;
  if (n > 0 && strchr("yYnNtTfFoO", s[0]) && match_bool(s, n, &b)) return TAG_BOOL;
  if (n > 0 && strchr("-+0123456789.", s[0]) && match_float(s, n)) return TAG_FLOAT;
  if (n > 0 && strchr("-+0123456789", s[0]) && match_int(s, n)) return TAG_INT;
  if (n == 2 && s[0] == '<' && s[1] == '<') return TAG_MERGE;
  if (match_null(s, n)) return TAG_NULL;
  if (n > 0 && is_digit(s[0]) && match_timestamp(s, n)) return TAG_TIMESTAMP;
  if (n == 1 && s[0] == '=') return TAG_VALUE;
  return TAG_STR;
}

/* ========================================================================================== */
/* writer: PyYAML emitter.py, restricted to the events of plain data (no anchors, tags, flow)   */

#define BEST_INDENT 2
#define BEST_WIDTH 80
#define NO_CH 0xFFFFFFFFu

typedef struct emitter {
  cdlt_buf *out;
  size_t column;        /* in characters, as PyYAML counts */
  bool whitespace, indention, open_ended;
  int indent;           /* -1 = None */
  int flow_level;
  bool root_ctx, seq_ctx, map_ctx, simple_key_ctx;
  int rc;
} emitter;

typedef struct scalar {
  uint32_t *t;          /* code points */
  size_t n;
  bool implicit;        /* plain style keeps the type (resolves back to the same tag) */
  /* analysis */
  bool empty, multiline, allow_flow_plain, allow_block_plain, allow_single_quoted, allow_block;
} scalar;

static void put(emitter *e, const char *s, size_t n) {
  if (!e->rc) e->rc = cdlt_buf_append(e->out, s, n);
}

static void put_cp(emitter *e, uint32_t cp) {
  char b[4];
  if (cp >= 0xDC80 && cp <= 0xDCFF) {  /* an undecodable byte kept as a lone surrogate escape */
    b[0] = (char)(cp - 0xDC00);
    put(e, b, 1);
    return;
  }
  put(e, b, cdlt_utf8_encode(cp, b));
}

static void put_cps(emitter *e, const uint32_t *t, size_t start, size_t end) {
  for (size_t k = start; k < end; k++) put_cp(e, t[k]);
  e->column += end - start;
}

static void increase_indent(emitter *e, bool flow, bool indentless) {
  if (e->indent < 0) e->indent = flow ? BEST_INDENT : 0;
  else if (!indentless) e->indent += BEST_INDENT;
}

static void write_indicator(emitter *e, const char *ind, bool need_whitespace, bool whitespace, bool indention) {
  if (!(e->whitespace || !need_whitespace)) {
    put(e, " ", 1);
    e->column++;
  }
  put(e, ind, strlen(ind));
  e->column += strlen(ind);
  e->whitespace = whitespace;
  e->indention = e->indention && indention;
  e->open_ended = false;
}

static void write_line_break(emitter *e, uint32_t br) {
  e->whitespace = true;
  e->indention = true;
  e->column = 0;
  put_cp(e, br);
}

static void write_indent(emitter *e) {
  size_t indent = e->indent < 0 ? 0 : (size_t)e->indent;
  if (!e->indention || e->column > indent || (e->column == indent && !e->whitespace)) write_line_break(e, '\n');
  if (e->column < indent) {
    e->whitespace = true;
    for (size_t k = e->column; k < indent; k++) put(e, " ", 1);
    e->column = indent;
  }
}

static bool is_break(uint32_t c) { return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029; }
static bool is_ws_or_end(uint32_t c) { return c == 0 || c == ' ' || c == '\t' || c == '\r' || is_break(c); }

static void analyze(scalar *sc) {
  const uint32_t *t = sc->t;
  size_t n = sc->n;
  sc->multiline = false;
  if (n == 0) {
    sc->empty = true;
    sc->allow_flow_plain = false;
    sc->allow_block_plain = sc->allow_single_quoted = true;
    sc->allow_block = false;
    return;
  }
  sc->empty = false;
  bool block_ind = false, flow_ind = false, line_breaks = false, special = false;
  bool leading_space = false, leading_break = false, trailing_space = false, trailing_break = false;
  bool break_space = false, space_break = false;
  if (n >= 3 && ((t[0] == '-' && t[1] == '-' && t[2] == '-') || (t[0] == '.' && t[1] == '.' && t[2] == '.')))
    block_ind = flow_ind = true;
  bool preceded_by_ws = true;
  bool followed_by_ws = n == 1 || is_ws_or_end(t[1]);
  bool prev_space = false, prev_break = false;
  for (size_t i = 0; i < n; i++) {
    uint32_t ch = t[i];
    if (i == 0) {
      if (ch < 0x80 && ch && strchr("#,[]{}&*!|>'\"%@`", (int)ch)) flow_ind = block_ind = true;
      if (ch == '?' || ch == ':') {
        flow_ind = true;
        if (followed_by_ws) block_ind = true;
      }
      if (ch == '-' && followed_by_ws) flow_ind = block_ind = true;
    } else {
      if (ch < 0x80 && ch && strchr(",?[]{}", (int)ch)) flow_ind = true;
      if (ch == ':') {
        flow_ind = true;
        if (followed_by_ws) block_ind = true;
      }
      if (ch == '#' && preceded_by_ws) flow_ind = block_ind = true;
    }
    if (is_break(ch)) line_breaks = true;
    if (!(ch == '\n' || (ch >= 0x20 && ch <= 0x7E))) {
      bool unicode = (ch == 0x85 || (ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD) ||
                      (ch >= 0x10000 && ch < 0x10FFFF)) && ch != 0xFEFF;
      if (!unicode) special = true;  /* allow_unicode=True: other unicode is fine */
    }
    if (ch == ' ') {
      if (i == 0) leading_space = true;
      if (i == n - 1) trailing_space = true;
      if (prev_break) break_space = true;
      prev_space = true;
      prev_break = false;
    } else if (is_break(ch)) {
      if (i == 0) leading_break = true;
      if (i == n - 1) trailing_break = true;
      if (prev_space) space_break = true;
      prev_space = false;
      prev_break = true;
    } else {
      prev_space = prev_break = false;
    }
    preceded_by_ws = is_ws_or_end(ch);
    followed_by_ws = i + 2 >= n || is_ws_or_end(t[i + 2]);
  }
  bool flow_plain = true, block_plain = true, single = true, block = true;
  if (leading_space || leading_break || trailing_space || trailing_break) flow_plain = block_plain = false;
  if (trailing_space) block = false;
  if (break_space) flow_plain = block_plain = single = false;
  if (space_break || special) flow_plain = block_plain = single = block = false;
  if (line_breaks) flow_plain = block_plain = false;
  if (flow_ind) flow_plain = false;
  if (block_ind) block_plain = false;
  sc->multiline = line_breaks;
  sc->allow_flow_plain = flow_plain;
  sc->allow_block_plain = block_plain;
  sc->allow_single_quoted = single;
  sc->allow_block = block;
}

static void write_plain(emitter *e, const scalar *sc, bool split) {
  const uint32_t *t = sc->t;
  size_t n = sc->n;
  if (e->root_ctx) e->open_ended = true;
  if (n == 0) return;
  if (!e->whitespace) {
    put(e, " ", 1);
    e->column++;
  }
  e->whitespace = e->indention = false;
  bool spaces = false, breaks = false;
  size_t start = 0, end = 0;
  while (end <= n) {
    uint32_t ch = end < n ? t[end] : NO_CH;
    if (spaces) {
      if (ch != ' ') {
        if (start + 1 == end && e->column > BEST_WIDTH && split) {
          write_indent(e);
          e->whitespace = e->indention = false;
        } else {
          put_cps(e, t, start, end);
        }
        start = end;
      }
    } else if (breaks) {
      if (!is_break(ch)) {
        if (t[start] == '\n') write_line_break(e, '\n');
        for (size_t k = start; k < end; k++) write_line_break(e, t[k]);
        write_indent(e);
        e->whitespace = e->indention = false;
        start = end;
      }
    } else if (ch == NO_CH || ch == ' ' || is_break(ch)) {
      put_cps(e, t, start, end);
      start = end;
    }
    if (ch != NO_CH) {
      spaces = ch == ' ';
      breaks = is_break(ch);
    }
    end++;
  }
}

static void write_single_quoted(emitter *e, const scalar *sc, bool split) {
  const uint32_t *t = sc->t;
  size_t n = sc->n;
  write_indicator(e, "'", true, false, false);
  bool spaces = false, breaks = false;
  size_t start = 0, end = 0;
  while (end <= n) {
    uint32_t ch = end < n ? t[end] : NO_CH;
    if (spaces) {
      if (ch != ' ') {
        if (start + 1 == end && e->column > BEST_WIDTH && split && start != 0 && end != n) write_indent(e);
        else put_cps(e, t, start, end);
        start = end;
      }
    } else if (breaks) {
      if (!is_break(ch)) {
        if (t[start] == '\n') write_line_break(e, '\n');
        for (size_t k = start; k < end; k++) write_line_break(e, t[k]);
        write_indent(e);
        start = end;
      }
    } else if (ch == NO_CH || ch == ' ' || is_break(ch) || ch == '\'') {
      if (start < end) {
        put_cps(e, t, start, end);
        start = end;
      }
    }
    if (ch == '\'') {
      put(e, "''", 2);
      e->column += 2;
      start = end + 1;
    }
    if (ch != NO_CH) {
      spaces = ch == ' ';
      breaks = is_break(ch);
    }
    end++;
  }
  write_indicator(e, "'", false, false, false);
}

static void write_double_quoted(emitter *e, const scalar *sc, bool split) {
  const uint32_t *t = sc->t;
  size_t n = sc->n;
  write_indicator(e, "\"", true, false, false);
  size_t start = 0, end = 0;
  while (end <= n) {
    uint32_t ch = end < n ? t[end] : NO_CH;
    if (ch == NO_CH || ch == '"' || ch == '\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 || ch == 0xFEFF ||
        !((ch >= 0x20 && ch <= 0x7E) || (ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD))) {
      if (start < end) {
        put_cps(e, t, start, end);
        start = end;
      }
      if (ch != NO_CH) {
        char data[16];
        const char *rep = NULL;
        switch (ch) {
          case 0: rep = "0"; break;
          case 7: rep = "a"; break;
          case 8: rep = "b"; break;
          case 9: rep = "t"; break;
          case 10: rep = "n"; break;
          case 11: rep = "v"; break;
          case 12: rep = "f"; break;
          case 13: rep = "r"; break;
          case 27: rep = "e"; break;
          case '"': rep = "\""; break;
          case '\\': rep = "\\"; break;
          case 0x85: rep = "N"; break;
          case 0xA0: rep = "_"; break;
          case 0x2028: rep = "L"; break;
          case 0x2029: rep = "P"; break;
          default: break;
        }
        if (rep) snprintf(data, sizeof data, "\\%s", rep);
        else if (ch <= 0xFF) snprintf(data, sizeof data, "\\x%02X", (unsigned)ch);
        else if (ch <= 0xFFFF) snprintf(data, sizeof data, "\\u%04X", (unsigned)ch);
        else snprintf(data, sizeof data, "\\U%08X", (unsigned)ch);
        put(e, data, strlen(data));
        e->column += strlen(data);
        start = end + 1;
      }
    }
    if (end > 0 && end + 1 < n && (ch == ' ' || start >= end) && e->column + (end - start) > BEST_WIDTH && split) {
      put_cps(e, t, start, end);
      put(e, "\\", 1);
      e->column++;
      if (start < end) start = end;
      write_indent(e);
      e->whitespace = e->indention = false;
      if (t[start] == ' ') {
        put(e, "\\", 1);
        e->column++;
      }
    }
    end++;
  }
  write_indicator(e, "\"", false, false, false);
}

/* UTF-8 -> code points; an invalid byte b becomes U+DC00+b (written back unchanged). */
static uint32_t *decode_utf8(const char *s, size_t len, size_t *n_out) {
  uint32_t *t = malloc((len + 1) * sizeof *t);
  if (!t) return NULL;
  size_t n = 0;
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < len;) {
    unsigned c = p[i];
    uint32_t cp;
    size_t k = 0;
    if (c < 0x80) { cp = c; k = 1; }
    else if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; k = 2; }
    else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; k = 3; }
    else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; k = 4; }
    else { t[n++] = 0xDC00 + c; i++; continue; }
    bool ok = i + k <= len;
    for (size_t j = 1; ok && j < k; j++) {
      if ((p[i + j] & 0xC0) != 0x80) ok = false;
      else cp = (cp << 6) | (p[i + j] & 0x3F);
    }
    if (!ok || (k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      t[n++] = 0xDC00 + c;
      i++;
      continue;
    }
    t[n++] = cp;
    i += k;
  }
  *n_out = n;
  return t;
}

/* The text PyYAML's representer gives a non-string scalar. */
static void scalar_text(const cdlt_json_value *v, char buf[64], const char **s, size_t *n) {
  switch (v->type) {
    case CDLT_JSON_NULL: *s = "null"; break;
    case CDLT_JSON_BOOL: *s = v->u.boolean ? "true" : "false"; break;
    case CDLT_JSON_INT:
      snprintf(buf, 64, "%lld", (long long)v->u.num.i);
      *s = buf;
      break;
    case CDLT_JSON_BIGINT:
      *s = v->u.num.text;
      *n = v->u.num.len;
      return;
    case CDLT_JSON_FLOAT: {
      double d = v->u.num.d;
      if (isnan(d)) *s = ".nan";
      else if (isinf(d)) *s = d > 0 ? ".inf" : "-.inf";
      else {
        char r[33];
        cdlt_format_double(d, r);  /* repr(float) */
        size_t o = 0;
        bool dot = strchr(r, '.') != NULL;
        for (const char *p = r; *p && o < 60; p++) {
          char c = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
          if (c == 'e' && !dot) {
            buf[o++] = '.';
            buf[o++] = '0';
            dot = true;
          }
          buf[o++] = c;
        }
        buf[o] = 0;
        *s = buf;
      }
      break;
    }
    default: *s = ""; break;
  }
  *n = strlen(*s);
}

static void expect_node(emitter *e, const cdlt_json_value *v, bool root, bool seq, bool map, bool simple_key);

static int make_scalar(const cdlt_json_value *v, scalar *sc) {
  memset(sc, 0, sizeof *sc);
  const char *s;
  size_t n;
  char buf[64];
  if (v->type == CDLT_JSON_STRING) {
    s = v->u.str.ptr;
    n = v->u.str.len;
    sc->implicit = resolve_plain(s, n) == TAG_STR;
  } else {
    scalar_text(v, buf, &s, &n);
    sc->implicit = true;
  }
  sc->t = decode_utf8(s, n, &sc->n);
  if (!sc->t) return CDLT_ERR_NOMEM;
  analyze(sc);
  return 0;
}

static int make_key(const cdlt_json_member *m, scalar *sc) {
  cdlt_json_value k;
  k.type = CDLT_JSON_STRING;
  k.u.str.ptr = m->key;
  k.u.str.len = m->key_len;
  return make_scalar(&k, sc);
}

static void emit_scalar(emitter *e, scalar *sc) {
  int saved = e->indent;
  increase_indent(e, true, false);
  char style = '"';
  if (sc->implicit && !(e->simple_key_ctx && (sc->empty || sc->multiline)) &&
      (e->flow_level ? sc->allow_flow_plain : sc->allow_block_plain))
    style = 0;
  else if (sc->allow_single_quoted && !(e->simple_key_ctx && sc->multiline))
    style = '\'';
  bool split = !e->simple_key_ctx;
  if (style == 0) write_plain(e, sc, split);
  else if (style == '\'') write_single_quoted(e, sc, split);
  else write_double_quoted(e, sc, split);
  e->indent = saved;
}

static void expect_scalar_value(emitter *e, const cdlt_json_value *v) {
  scalar sc;
  if (make_scalar(v, &sc)) {
    e->rc = CDLT_ERR_NOMEM;
    return;
  }
  emit_scalar(e, &sc);
  free(sc.t);
}

static void expect_empty_flow(emitter *e, const char *open, const char *close) {
  int saved = e->indent;
  write_indicator(e, open, true, true, false);
  e->flow_level++;
  increase_indent(e, true, false);
  e->indent = saved;
  e->flow_level--;
  write_indicator(e, close, false, false, false);
}

static void expect_block_sequence(emitter *e, const cdlt_json_value *v) {
  int saved = e->indent;
  bool indentless = e->map_ctx && !e->indention;
  increase_indent(e, false, indentless);
  for (size_t k = 0; k < v->u.arr.len && !e->rc; k++) {
    write_indent(e);
    write_indicator(e, "-", true, false, true);
    expect_node(e, v->u.arr.items[k], false, true, false, false);
  }
  e->indent = saved;
}

static void expect_block_mapping(emitter *e, const cdlt_json_value *v) {
  int saved = e->indent;
  increase_indent(e, false, false);
  for (size_t k = 0; k < v->u.obj.len && !e->rc; k++) {
    const cdlt_json_member *m = &v->u.obj.members[k];
    write_indent(e);
    scalar key;
    if (make_key(m, &key)) {
      e->rc = CDLT_ERR_NOMEM;
      break;
    }
    /* check_simple_key: len('!!str') + len(scalar) < 128, not empty, not multiline */
    bool simple = 5 + key.n < 128 && !key.empty && !key.multiline;
    if (simple) {
      e->root_ctx = e->seq_ctx = false;
      e->map_ctx = e->simple_key_ctx = true;
      emit_scalar(e, &key);
      free(key.t);
      write_indicator(e, ":", false, false, false);
      expect_node(e, m->value, false, false, true, false);
    } else {
      write_indicator(e, "?", true, false, true);
      e->root_ctx = e->seq_ctx = e->simple_key_ctx = false;
      e->map_ctx = true;
      emit_scalar(e, &key);
      free(key.t);
      write_indent(e);
      write_indicator(e, ":", true, false, true);
      expect_node(e, m->value, false, false, true, false);
    }
  }
  e->indent = saved;
}

static void expect_node(emitter *e, const cdlt_json_value *v, bool root, bool seq, bool map, bool simple_key) {
  e->root_ctx = root;
  e->seq_ctx = seq;
  e->map_ctx = map;
  e->simple_key_ctx = simple_key;
  if (v->type == CDLT_JSON_ARRAY) {
    if (e->flow_level || v->u.arr.len == 0) expect_empty_flow(e, "[", "]");
    else expect_block_sequence(e, v);
  } else if (v->type == CDLT_JSON_OBJECT) {
    if (e->flow_level || v->u.obj.len == 0) expect_empty_flow(e, "{", "}");
    else expect_block_mapping(e, v);
  } else {
    expect_scalar_value(e, v);
  }
}

int cdlt_yaml_write(cdlt_buf *out, const cdlt_json_value *v) {
  emitter e;
  memset(&e, 0, sizeof e);
  e.out = out;
  e.whitespace = e.indention = true;
  e.indent = -1;
  expect_node(&e, v, true, false, false, false);
  /* document end, then stream end */
  e.indent = -1;
  write_indent(&e);
  if (e.open_ended) {
    write_indicator(&e, "...", true, false, false);
    write_indent(&e);
  }
  return e.rc;
}

/* ========================================================================================== */
/* reader: a recursive-descent parser for one YAML document into the JSON DOM                   */

#define MAX_DEPTH 512

typedef struct parser {
  const char *s;
  size_t n, pos;
  const char *name;
  cdlt_json_doc *doc;
  cdlt_error *err;
  int depth;
  int rc;
  cdlt_buf tmp;
} parser;

typedef enum ctx { CTX_ROOT, CTX_MAP_VALUE, CTX_COMPLEX_VALUE, CTX_SEQ_ITEM, CTX_KEY } ctx;

static int fail(parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(parser *p, size_t at, const char *fmt, ...) {
  if (p->rc) return p->rc;
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  uint64_t line = 1, ls = 0;
  for (size_t k = 0; k < at && k < p->n; k++)
    if (p->s[k] == '\n') {
      line++;
      ls = k + 1;
    }
  uint64_t col = at - ls + 1;
  cdlt_error_set(p->err, CDLT_ERR_PARSE, "invalid YAML in '%s' at line %llu, column %llu: %s", p->name,
                 (unsigned long long)line, (unsigned long long)col, reason);
  if (p->err) {
    p->err->line = line;
    p->err->column = col;
    p->err->offset = at;
  }
  p->rc = CDLT_ERR_PARSE;
  return p->rc;
}

static int nomem(parser *p) {
  if (!p->rc) p->rc = cdlt_error_set(p->err, CDLT_ERR_NOMEM, "out of memory reading YAML from '%s'", p->name);
  return p->rc;
}

static char at(const parser *p, size_t i) { return i < p->n ? p->s[i] : 0; }
static char cur(const parser *p) { return at(p, p->pos); }
static bool eol_at(const parser *p, size_t i) { return i >= p->n || p->s[i] == '\n' || p->s[i] == '\r'; }
static bool blank_at(const parser *p, size_t i) { return i < p->n && (p->s[i] == ' ' || p->s[i] == '\t'); }
static bool ws_or_eol_at(const parser *p, size_t i) { return eol_at(p, i) || blank_at(p, i); }

static size_t line_start(const parser *p, size_t i) {
  while (i > 0 && p->s[i - 1] != '\n') i--;
  return i;
}
static int column_of(const parser *p, size_t i) { return (int)(i - line_start(p, i)); }

/* position after the line break at i (i must be at '\r' or '\n') */
static size_t after_break(const parser *p, size_t i) {
  if (i < p->n && p->s[i] == '\r') i++;
  if (i < p->n && p->s[i] == '\n') i++;
  return i;
}

static bool is_doc_marker(const parser *p, size_t i) {
  return column_of(p, i) == 0 && i + 3 <= p->n &&
         (!memcmp(p->s + i, "---", 3) || !memcmp(p->s + i, "...", 3)) && ws_or_eol_at(p, i + 3);
}

/* Skips blanks and a comment on the current line; stops at the line break (or EOF). */
static void skip_line_rest(parser *p) {
  while (blank_at(p, p->pos)) p->pos++;
  if (cur(p) == '#')
    while (!eol_at(p, p->pos)) p->pos++;
}

/* From anywhere: skips blanks, comments and line breaks up to the next token. Rejects tabs used
 * as indentation. */
static void skip_to_token(parser *p) {
  for (;;) {
    size_t ls = p->pos;
    bool at_line_start = column_of(p, ls) == 0;
    while (cur(p) == ' ') p->pos++;
    if (cur(p) == '\t') {
      size_t t = p->pos;
      while (blank_at(p, p->pos)) p->pos++;
      if (at_line_start && !eol_at(p, p->pos) && cur(p) != '#') {
        fail(p, t, "tab characters must not be used for indentation");
        return;
      }
    }
    if (cur(p) == '#')
      while (!eol_at(p, p->pos)) p->pos++;
    if (p->pos < p->n && eol_at(p, p->pos)) {
      p->pos = after_break(p, p->pos);
      continue;
    }
    return;
  }
}

static cdlt_json_value *parse_block_at(parser *p, int parent_indent, ctx c);
static cdlt_json_value *parse_flow_node(parser *p);

static bool unsupported_indicator(parser *p) {
  char c = cur(p);
  if (c == '&' || c == '*') return fail(p, p->pos, "anchors and aliases are not supported"), true;
  if (c == '!') return fail(p, p->pos, "tags are not supported"), true;
  if (c == '%' && column_of(p, p->pos) == 0) return fail(p, p->pos, "directives are only allowed before the document"), true;
  if (c == '@' || c == '`') return fail(p, p->pos, "found character '%c' that cannot start any token", c), true;
  return false;
}

/* ----------------------------------------------------------------------------- scalars */

static void tmp_put(parser *p, const char *s, size_t n) {
  if (!p->rc && cdlt_buf_append(&p->tmp, s, n)) nomem(p);
}

static void tmp_trim_blanks(parser *p) {
  while (p->tmp.len > 0 && (p->tmp.data[p->tmp.len - 1] == ' ' || p->tmp.data[p->tmp.len - 1] == '\t')) p->tmp.len--;
  if (p->tmp.data) p->tmp.data[p->tmp.len] = 0;
}

/* At a line break inside a quoted or plain scalar: consumes the break, following empty lines and
 * the next line's indentation; appends the folding (' ' or n x '\n'). Returns false at EOF. */
static bool fold_breaks(parser *p, bool escaped) {
  p->pos = after_break(p, p->pos);
  size_t empty = 0;
  for (;;) {
    while (blank_at(p, p->pos)) p->pos++;
    if (p->pos < p->n && eol_at(p, p->pos)) {
      empty++;
      p->pos = after_break(p, p->pos);
      continue;
    }
    break;
  }
  if (p->pos >= p->n) return false;
  if (escaped) {
    for (size_t k = 0; k < empty; k++) tmp_put(p, "\n", 1);
  } else if (empty == 0) {
    tmp_put(p, " ", 1);
  } else {
    for (size_t k = 0; k < empty; k++) tmp_put(p, "\n", 1);
  }
  return true;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* '...' or "..." at p->pos into p->tmp */
static void scan_quoted(parser *p) {
  char q = cur(p);
  size_t start = p->pos;
  p->pos++;
  cdlt_buf_reset(&p->tmp);
  tmp_put(p, "", 0);
  while (!p->rc) {
    if (p->pos >= p->n) {
      fail(p, start, "unterminated quoted scalar");
      return;
    }
    char c = cur(p);
    if (is_doc_marker(p, p->pos)) {
      fail(p, p->pos, "document marker inside a quoted scalar");
      return;
    }
    if (c == q) {
      if (q == '\'' && at(p, p->pos + 1) == '\'') {
        tmp_put(p, "'", 1);
        p->pos += 2;
        continue;
      }
      p->pos++;
      return;
    }
    if (c == ' ' || c == '\t') {  /* blanks before a line break are not content */
      size_t j = p->pos;
      while (blank_at(p, j)) j++;
      if (!eol_at(p, j)) tmp_put(p, p->s + p->pos, j - p->pos);
      p->pos = j;
      continue;
    }
    if (eol_at(p, p->pos)) {
      if (!fold_breaks(p, false)) {
        fail(p, start, "unterminated quoted scalar");
        return;
      }
      continue;
    }
    if (q == '"' && c == '\\') {
      char e = at(p, p->pos + 1);
      const char *rep = NULL;
      int hex = 0;
      switch (e) {
        case '0': rep = "\0"; break;
        case 'a': rep = "\a"; break;
        case 'b': rep = "\b"; break;
        case 't': case '\t': rep = "\t"; break;
        case 'n': rep = "\n"; break;
        case 'v': rep = "\v"; break;
        case 'f': rep = "\f"; break;
        case 'r': rep = "\r"; break;
        case 'e': rep = "\x1b"; break;
        case ' ': rep = " "; break;
        case '"': rep = "\""; break;
        case '/': rep = "/"; break;
        case '\\': rep = "\\"; break;
        case 'N': rep = "\xc2\x85"; break;
        case '_': rep = "\xc2\xa0"; break;
        case 'L': rep = "\xe2\x80\xa8"; break;
        case 'P': rep = "\xe2\x80\xa9"; break;
        case 'x': hex = 2; break;
        case 'u': hex = 4; break;
        case 'U': hex = 8; break;
        default: break;
      }
      if (rep) {
        tmp_put(p, rep, e == '0' ? 1 : strlen(rep));
        p->pos += 2;
      } else if (hex) {
        uint32_t cp = 0;
        for (int k = 0; k < hex; k++) {
          int h = hexval(at(p, p->pos + 2 + (size_t)k));
          if (h < 0) {
            fail(p, p->pos, "expected %d hexadecimal digits after '\\%c'", hex, e);
            return;
          }
          cp = cp * 16 + (uint32_t)h;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          fail(p, p->pos, "invalid unicode escape");
          return;
        }
        char b[4];
        tmp_put(p, b, cdlt_utf8_encode(cp, b));
        p->pos += 2 + (size_t)hex;
      } else if (eol_at(p, p->pos + 1) && p->pos + 1 < p->n) {
        p->pos++;
        if (!fold_breaks(p, true)) {
          fail(p, start, "unterminated quoted scalar");
          return;
        }
      } else {
        fail(p, p->pos, "unknown escape sequence '\\%c'", e ? e : ' ');
        return;
      }
      continue;
    }
    tmp_put(p, p->s + p->pos, 1);
    p->pos++;
  }
}

/* Plain scalar at p->pos into p->tmp. In block context continuation lines must be indented more
 * than `parent_indent`; a key is single-line. Stops before ': ' (sets *is_key when a ':' follows). */
static void scan_plain(parser *p, bool flow, int parent_indent, bool single_line, bool *is_key) {
  cdlt_buf_reset(&p->tmp);
  tmp_put(p, "", 0);
  *is_key = false;
  for (;;) {
    /* one line */
    size_t line_begin = p->pos;
    while (p->pos < p->n && !eol_at(p, p->pos)) {
      char c = cur(p);
      if (c == ':' && (ws_or_eol_at(p, p->pos + 1) || (flow && strchr(",[]{}", at(p, p->pos + 1)) && at(p, p->pos + 1)))) break;
      if (c == '#' && p->pos > line_begin && blank_at(p, p->pos - 1)) break;
      if (flow && strchr(",[]{}", c)) break;
      tmp_put(p, p->s + p->pos, 1);
      p->pos++;
    }
    tmp_trim_blanks(p);
    if (cur(p) == ':' && !eol_at(p, p->pos)) {
      *is_key = true;
      return;
    }
    if (single_line || cur(p) == '#' || (flow && p->pos < p->n && strchr(",[]{}", cur(p)))) return;
    if (p->pos >= p->n) return;
    /* look ahead for a continuation line */
    size_t save = p->pos, save_len = p->tmp.len;
    size_t q = after_break(p, p->pos);
    size_t empty = 0;
    for (;;) {
      size_t ls = q;
      while (q < p->n && p->s[q] == ' ') q++;
      if (q < p->n && p->s[q] == '\t' && !flow) {
        while (blank_at(p, q)) q++;
      }
      if (q < p->n && eol_at(p, q)) {
        empty++;
        q = after_break(p, q);
        continue;
      }
      int col = (int)(q - ls);
      if (q >= p->n || p->s[q] == '#' || is_doc_marker(p, ls) ||
          (!flow && col <= parent_indent) || (flow && strchr(",[]{}", p->s[q]))) {
        p->pos = save;
        p->tmp.len = save_len;
        return;
      }
      break;
    }
    if (empty == 0) tmp_put(p, " ", 1);
    else for (size_t k = 0; k < empty; k++) tmp_put(p, "\n", 1);
    p->pos = q;
    size_t cont = p->pos;
    /* continuation lines never hold a key */
    while (p->pos < p->n && !eol_at(p, p->pos)) {
      char c = cur(p);
      if (c == ':' && (ws_or_eol_at(p, p->pos + 1) || (flow && at(p, p->pos + 1) && strchr(",[]{}", at(p, p->pos + 1))))) {
        if (!flow) {
          fail(p, p->pos, "mapping values are not allowed here");
          return;
        }
        break;
      }
      if (c == '#' && p->pos > cont && blank_at(p, p->pos - 1)) break;
      if (flow && strchr(",[]{}", c)) break;
      tmp_put(p, p->s + p->pos, 1);
      p->pos++;
    }
    tmp_trim_blanks(p);
    if (cur(p) == '#' || (flow && p->pos < p->n && (strchr(",[]{}", cur(p)) || cur(p) == ':'))) return;
    if (p->pos >= p->n) return;
  }
}

/* Plain scalar text -> JSON value, as PyYAML's SafeConstructor. */
static cdlt_json_value *construct_plain(parser *p, const char *s, size_t n, size_t where) {
  cdlt_json_doc *d = p->doc;
  switch (resolve_plain(s, n)) {
    case TAG_NULL: return cdlt_json_null(d);
    case TAG_BOOL: {
      bool b = false;
      match_bool(s, n, &b);
      return cdlt_json_bool(d, b);
    }
    case TAG_INT: {
      char clean[128];
      size_t m = 0;
      if (n >= sizeof clean) {
        fail(p, where, "integer '%.*s' is too long", (int)(n > 40 ? 40 : n), s);
        return NULL;
      }
      for (size_t k = 0; k < n; k++)
        if (s[k] != '_') clean[m++] = s[k];
      clean[m] = 0;
      bool neg = clean[0] == '-';
      const char *v = clean + (clean[0] == '-' || clean[0] == '+');
      if (!strcmp(v, "0")) return cdlt_json_int(d, 0);
      int base = 10;
      if (!strncmp(v, "0b", 2)) { base = 2; v += 2; }
      else if (!strncmp(v, "0x", 2)) { base = 16; v += 2; }
      else if (v[0] == '0') base = 8;
      if (strchr(v, ':')) {
        /* sexagesimal: parts in base 60 */
        long double acc = 0;
        const char *q = v;
        while (*q) {
          long part = strtol(q, (char **)&q, 10);
          acc = acc * 60 + part;
          if (*q == ':') q++;
        }
        if (acc > 9.2e18L) {
          fail(p, where, "integer '%s' is out of range", clean);
          return NULL;
        }
        return cdlt_json_int(d, (int64_t)(neg ? -acc : acc));
      }
      if (base == 10) {
        /* decimal text keeps big integers exact (BIGINT) */
        char num[130];
        snprintf(num, sizeof num, "%s%s", neg ? "-" : "", v);
        return cdlt_json_number_text(d, num, strlen(num));
      }
      errno = 0;
      unsigned long long u = strtoull(v, NULL, base);
      if (errno || u > (unsigned long long)INT64_MAX + (neg ? 1u : 0u)) {
        fail(p, where, "integer '%s' is out of range", clean);
        return NULL;
      }
      return cdlt_json_int(d, neg ? (int64_t)(0 - u) : (int64_t)u);
    }
    case TAG_FLOAT: {
      char clean[128];
      size_t m = 0;
      if (n >= sizeof clean) {
        fail(p, where, "number '%.*s' is too long", 40, s);
        return NULL;
      }
      for (size_t k = 0; k < n; k++)
        if (s[k] != '_') clean[m++] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] + 32 : s[k]);
      clean[m] = 0;
      double sign = clean[0] == '-' ? -1.0 : 1.0;
      const char *v = clean + (clean[0] == '-' || clean[0] == '+');
      double x;
      if (!strcmp(v, ".inf")) x = sign * INFINITY;
      else if (!strcmp(v, ".nan")) x = NAN;
      else if (strchr(v, ':')) {
        double acc = 0;
        const char *q = v;
        while (*q) {
          double part = strtod(q, (char **)&q);
          acc = acc * 60 + part;
          if (*q == ':') q++;
        }
        x = sign * acc;
      } else {
        x = sign * strtod(v, NULL);
      }
      return cdlt_json_double(d, x);
    }
    default: return cdlt_json_string(d, s, n);  /* str, timestamp (kept as text), merge, value */
  }
}

/* Key text: strings as they are; other plain scalars as the JSON text of their value. */
static int key_text(parser *p, const cdlt_json_value *k, size_t where, char **text, size_t *len) {
  cdlt_buf *b = &p->tmp;
  cdlt_buf_reset(b);
  int rc = 0;
  switch (k->type) {
    case CDLT_JSON_STRING: rc = cdlt_buf_append(b, k->u.str.ptr, k->u.str.len); break;
    case CDLT_JSON_NULL: rc = cdlt_buf_puts(b, "null"); break;
    case CDLT_JSON_BOOL: rc = cdlt_buf_puts(b, k->u.boolean ? "true" : "false"); break;
    case CDLT_JSON_INT:
    case CDLT_JSON_BIGINT:
    case CDLT_JSON_FLOAT: rc = cdlt_buf_append(b, k->u.num.text, k->u.num.len); break;
    default: return fail(p, where, "mapping keys must be scalars");
  }
  if (rc || cdlt_buf_append(b, "", 0)) return nomem(p);
  *text = b->data;
  *len = b->len;
  return 0;
}

/* ----------------------------------------------------------------------------- block scalars */

static cdlt_json_value *parse_block_scalar(parser *p, int parent_indent) {
  bool folded = cur(p) == '>';
  size_t start = p->pos;
  p->pos++;
  int chomp = 0; /* -1 strip, 0 clip, +1 keep */
  int increment = 0;
  for (int k = 0; k < 2; k++) {
    char c = cur(p);
    if ((c == '+' || c == '-') && chomp == 0) {
      chomp = c == '+' ? 1 : -1;
      p->pos++;
    } else if (c >= '1' && c <= '9' && increment == 0) {
      increment = c - '0';
      p->pos++;
    } else if (c == '0') {
      fail(p, p->pos, "block scalar indentation indicator must be 1-9");
      return NULL;
    }
  }
  skip_line_rest(p);
  if (!eol_at(p, p->pos)) {
    fail(p, p->pos, "expected a comment or a line break after the block scalar header");
    return NULL;
  }
  int min_indent = parent_indent + 1;
  if (min_indent < 1) min_indent = 1;
  cdlt_buf *b = &p->tmp;
  cdlt_buf_reset(b);
  tmp_put(p, "", 0);
  /* leading breaks and indentation */
  size_t q = p->pos < p->n ? after_break(p, p->pos) : p->pos;
  int indent;
  size_t nbreaks = 0;
  if (increment) {
    indent = min_indent + increment - 1;
  } else {
    int max_indent = 0;
    size_t r = q;
    for (;;) {
      size_t ls = r;
      while (r < p->n && p->s[r] == ' ') r++;
      if ((int)(r - ls) > max_indent) max_indent = (int)(r - ls);
      if (r < p->n && eol_at(p, r)) {
        r = after_break(p, r);
        continue;
      }
      break;
    }
    indent = max_indent > min_indent ? max_indent : min_indent;
  }
  /* PyYAML scan_block_scalar_breaks: empty lines after a content line */
  size_t breaks_len = 0;
#define SCAN_BREAKS()                                                             \
  do {                                                                            \
    breaks_len = 0;                                                               \
    for (;;) {                                                                    \
      size_t ls_ = q;                                                             \
      while (q < p->n && p->s[q] == ' ' && (int)(q - ls_) < indent) q++;          \
      if (q < p->n && eol_at(p, q)) {                                             \
        breaks_len++;                                                             \
        q = after_break(p, q);                                                    \
        continue;                                                                 \
      }                                                                           \
      break;                                                                      \
    }                                                                             \
  } while (0)
  SCAN_BREAKS();
  nbreaks = breaks_len;
  bool have_line_break = false;
  for (;;) {
    size_t ls = line_start(p, q);
    int col = (int)(q - ls);
    if (!(col == indent && q < p->n) || is_doc_marker(p, ls)) break;
    for (size_t k = 0; k < nbreaks; k++) tmp_put(p, "\n", 1);
    bool leading_non_space = p->s[q] != ' ' && p->s[q] != '\t';
    size_t e = q;
    while (e < p->n && !eol_at(p, e)) e++;
    tmp_put(p, p->s + q, e - q);
    have_line_break = e < p->n;
    q = e < p->n ? after_break(p, e) : e;
    SCAN_BREAKS();
    nbreaks = breaks_len;
    ls = line_start(p, q);
    col = (int)(q - ls);
    if (col == indent && q < p->n && !is_doc_marker(p, ls)) {
      if (folded && leading_non_space && p->s[q] != ' ' && p->s[q] != '\t') {
        if (nbreaks == 0) tmp_put(p, " ", 1);
      } else {
        tmp_put(p, "\n", 1);
      }
    } else {
      break;
    }
  }
#undef SCAN_BREAKS
  if (chomp >= 0 && have_line_break) tmp_put(p, "\n", 1);
  if (chomp > 0)
    for (size_t k = 0; k < nbreaks; k++) tmp_put(p, "\n", 1);
  /* the scalar ends at the start of the line holding the next token */
  size_t ls = line_start(p, q);
  p->pos = q < p->n ? ls : p->n;
  if (p->pos < start) p->pos = start;  /* never move backwards over the header */
  if (p->rc) return NULL;
  cdlt_json_value *v = cdlt_json_string(p->doc, b->data, b->len);
  if (!v) nomem(p);
  return v;
}

/* ----------------------------------------------------------------------------- flow */

static void skip_flow_ws(parser *p) {
  for (;;) {
    while (blank_at(p, p->pos)) p->pos++;
    if (cur(p) == '#')
      while (!eol_at(p, p->pos)) p->pos++;
    if (p->pos < p->n && eol_at(p, p->pos)) {
      p->pos = after_break(p, p->pos);
      continue;
    }
    return;
  }
}

static cdlt_json_value *flow_scalar(parser *p, bool *is_key_out) {
  size_t where = p->pos;
  bool is_key = false;
  cdlt_json_value *v;
  if (cur(p) == '"' || cur(p) == '\'') {
    scan_quoted(p);
    if (p->rc) return NULL;
    v = cdlt_json_string(p->doc, p->tmp.data, p->tmp.len);
  } else {
    scan_plain(p, true, -1, false, &is_key);
    if (p->rc) return NULL;
    v = construct_plain(p, p->tmp.data, p->tmp.len, where);
  }
  if (!v && !p->rc) nomem(p);
  if (is_key_out) *is_key_out = is_key;
  return v;
}

static int add_member(parser *p, cdlt_json_value *obj, const cdlt_json_value *key, size_t where, cdlt_json_value *val) {
  char *kt = NULL;
  size_t kl = 0;
  if (key_text(p, key, where, &kt, &kl)) return p->rc;
  cdlt_json_value *existing = cdlt_json_getn(obj, kt, kl);
  if (existing) {  /* a repeated key replaces the value in place, as a Python dict does */
    for (size_t k = 0; k < obj->u.obj.len; k++)
      if (obj->u.obj.members[k].key_len == kl && !memcmp(obj->u.obj.members[k].key, kt, kl))
        obj->u.obj.members[k].value = val;
    return 0;
  }
  if (cdlt_json_object_add(p->doc, obj, kt, kl, val)) return nomem(p);
  return 0;
}

static cdlt_json_value *parse_flow_node(parser *p) {
  if (++p->depth > MAX_DEPTH) {
    fail(p, p->pos, "nesting deeper than %d levels", MAX_DEPTH);
    return NULL;
  }
  cdlt_json_value *res = NULL;
  skip_flow_ws(p);
  if (unsupported_indicator(p)) return NULL;
  char c = cur(p);
  if (c == '[' || c == '{') {
    bool map = c == '{';
    size_t open = p->pos;
    p->pos++;
    res = map ? cdlt_json_object(p->doc) : cdlt_json_array(p->doc);
    if (!res) { nomem(p); return NULL; }
    for (;;) {
      skip_flow_ws(p);
      if (p->pos >= p->n) { fail(p, open, "unterminated flow %s", map ? "mapping" : "sequence"); return NULL; }
      if (cur(p) == (map ? '}' : ']')) { p->pos++; break; }
      if (cur(p) == '?' && ws_or_eol_at(p, p->pos + 1)) {  /* explicit key */
        p->pos++;
        skip_flow_ws(p);
      }
      size_t where = p->pos;
      cdlt_json_value *item;
      bool is_key = false;
      if (cur(p) == '[' || cur(p) == '{') item = parse_flow_node(p);
      else {
        if (unsupported_indicator(p)) return NULL;
        item = flow_scalar(p, &is_key);
      }
      if (!item) return NULL;
      skip_flow_ws(p);
      if (map) {
        cdlt_json_value *val;
        if (cur(p) == ':') {
          p->pos++;
          skip_flow_ws(p);
          if (cur(p) == ',' || cur(p) == '}') val = cdlt_json_null(p->doc);
          else val = parse_flow_node(p);
          if (!val) return NULL;
        } else {
          val = cdlt_json_null(p->doc);
        }
        if (add_member(p, res, item, where, val)) return NULL;
      } else {
        if (cur(p) == ':') {  /* [a: b] is a single-pair mapping */
          p->pos++;
          cdlt_json_value *val = parse_flow_node(p);
          if (!val) return NULL;
          cdlt_json_value *pair = cdlt_json_object(p->doc);
          if (!pair || add_member(p, pair, item, where, val)) return NULL;
          item = pair;
        }
        if (cdlt_json_array_push(p->doc, res, item)) { nomem(p); return NULL; }
      }
      skip_flow_ws(p);
      if (p->pos >= p->n) { fail(p, open, "unterminated flow %s", map ? "mapping" : "sequence"); return NULL; }
      if (cur(p) == ',') { p->pos++; continue; }
      if (cur(p) == (map ? '}' : ']')) { p->pos++; break; }
      fail(p, p->pos, "expected ',' or '%c' in a flow %s", map ? '}' : ']', map ? "mapping" : "sequence");
      return NULL;
    }
  } else if (c == ']' || c == '}' || c == ',') {
    fail(p, p->pos, "unexpected '%c'", c);
  } else {
    res = flow_scalar(p, NULL);
  }
  p->depth--;
  return res;
}

/* ----------------------------------------------------------------------------- block */

static bool seq_entry_at(const parser *p, size_t i) { return at(p, i) == '-' && ws_or_eol_at(p, i + 1); }

/* After an indicator ("key:", "- ", "? ") or at the document start: the node on the rest of the
 * line, or on the following more-indented lines, or null. `indent` is the column of the
 * collection the node belongs to. */
static cdlt_json_value *parse_node_after(parser *p, int indent, ctx c) {
  skip_line_rest(p);
  if (eol_at(p, p->pos)) {
    size_t save = p->pos;
    skip_to_token(p);
    if (p->rc) return NULL;
    int col = column_of(p, p->pos);
    bool indentless_seq = (c == CTX_MAP_VALUE || c == CTX_COMPLEX_VALUE) && col == indent && seq_entry_at(p, p->pos);
    if (p->pos >= p->n || is_doc_marker(p, p->pos) || (col <= indent && !indentless_seq)) {
      p->pos = save;
      skip_line_rest(p);
      cdlt_json_value *v = cdlt_json_null(p->doc);
      if (!v) nomem(p);
      return v;
    }
    return parse_block_at(p, indent, CTX_ROOT);
  }
  /* after "- ", "? " and ": " of a complex key a compact collection may start on the same line */
  return parse_block_at(p, indent, c == CTX_COMPLEX_VALUE ? CTX_SEQ_ITEM : c);
}

static cdlt_json_value *parse_block_sequence(parser *p, int col) {
  cdlt_json_value *arr = cdlt_json_array(p->doc);
  if (!arr) { nomem(p); return NULL; }
  for (;;) {
    p->pos++;  /* '-' */
    cdlt_json_value *item = parse_node_after(p, col, CTX_SEQ_ITEM);
    if (!item || cdlt_json_array_push(p->doc, arr, item)) { if (!p->rc) nomem(p); return NULL; }
    size_t save = p->pos;
    skip_to_token(p);
    if (p->rc) return NULL;
    int c2 = column_of(p, p->pos);
    if (p->pos >= p->n || is_doc_marker(p, p->pos) || c2 < col) { p->pos = save; return arr; }
    if (c2 == col && seq_entry_at(p, p->pos)) continue;
    if (c2 == col) { p->pos = save; return arr; }
    fail(p, p->pos, "bad indentation of a sequence entry");
    return NULL;
  }
}

/* Reads a key at p->pos (column col): '? complex', quoted or plain; leaves pos after ':' or, for
 * a complex key without value, at the next token. Returns the key or NULL. */
static cdlt_json_value *parse_block_mapping(parser *p, int col, cdlt_json_value *first_key, size_t first_where) {
  cdlt_json_value *obj = cdlt_json_object(p->doc);
  if (!obj) { nomem(p); return NULL; }
  cdlt_json_value *key = first_key;
  size_t where = first_where;
  for (;;) {
    cdlt_json_value *val;
    if (!key) {  /* "? key" */
      where = p->pos;
      p->pos++;
      key = parse_node_after(p, col, CTX_KEY);
      if (!key) return NULL;
      size_t save = p->pos;
      skip_to_token(p);
      if (p->rc) return NULL;
      if (p->pos < p->n && column_of(p, p->pos) == col && cur(p) == ':' && ws_or_eol_at(p, p->pos + 1)) {
        p->pos++;
        val = parse_node_after(p, col, CTX_COMPLEX_VALUE);
      } else {
        p->pos = save;
        val = cdlt_json_null(p->doc);
      }
    } else {
      p->pos++;  /* ':' */
      val = parse_node_after(p, col, CTX_MAP_VALUE);
    }
    if (!val) { if (!p->rc) nomem(p); return NULL; }
    if (add_member(p, obj, key, where, val)) return NULL;
    /* next key */
    size_t save = p->pos;
    skip_to_token(p);
    if (p->rc) return NULL;
    int c2 = column_of(p, p->pos);
    if (p->pos >= p->n || is_doc_marker(p, p->pos) || c2 < col) { p->pos = save; return obj; }
    if (c2 > col) { fail(p, p->pos, "bad indentation of a mapping entry"); return NULL; }
    if (unsupported_indicator(p)) return NULL;
    where = p->pos;
    if (cur(p) == '?' && ws_or_eol_at(p, p->pos + 1)) { key = NULL; continue; }
    if (seq_entry_at(p, p->pos)) { fail(p, p->pos, "expected a mapping key, found a sequence entry"); return NULL; }
    bool is_key = false;
    if (cur(p) == '"' || cur(p) == '\'') {
      scan_quoted(p);
      if (p->rc) return NULL;
      key = cdlt_json_string(p->doc, p->tmp.data, p->tmp.len);
      while (blank_at(p, p->pos)) p->pos++;
      is_key = cur(p) == ':' && ws_or_eol_at(p, p->pos + 1);
    } else if (cur(p) == '[' || cur(p) == '{') {
      fail(p, p->pos, "flow collections as mapping keys are not supported");
      return NULL;
    } else {
      scan_plain(p, false, col, true, &is_key);
      if (p->rc) return NULL;
      key = construct_plain(p, p->tmp.data, p->tmp.len, where);
    }
    if (!key) { if (!p->rc) nomem(p); return NULL; }
    if (!is_key) { fail(p, p->pos, "expected ':' after the mapping key"); return NULL; }
  }
}

/* A node whose first token is at p->pos. parent_indent: the column of the enclosing collection
 * (-1 at the root). c == CTX_MAP_VALUE: on the line of its key (no nested block collection). */
static cdlt_json_value *parse_block_at(parser *p, int parent_indent, ctx c) {
  if (++p->depth > MAX_DEPTH) {
    fail(p, p->pos, "nesting deeper than %d levels", MAX_DEPTH);
    return NULL;
  }
  cdlt_json_value *res = NULL;
  int col = column_of(p, p->pos);
  size_t where = p->pos;
  char ch = cur(p);
  if (unsupported_indicator(p)) return NULL;
  if (seq_entry_at(p, p->pos)) {
    if (c == CTX_MAP_VALUE) { fail(p, p->pos, "block sequence entries are not allowed here"); return NULL; }
    res = parse_block_sequence(p, col);
  } else if (ch == '?' && ws_or_eol_at(p, p->pos + 1)) {
    if (c == CTX_MAP_VALUE) { fail(p, p->pos, "mapping keys are not allowed here"); return NULL; }
    res = parse_block_mapping(p, col, NULL, where);
  } else if (ch == '|' || ch == '>') {
    res = parse_block_scalar(p, parent_indent);
  } else if (ch == '[' || ch == '{') {
    res = parse_flow_node(p);
    if (res) {
      while (blank_at(p, p->pos)) p->pos++;
      if (cur(p) == ':' && ws_or_eol_at(p, p->pos + 1)) {
        fail(p, p->pos, "flow collections as mapping keys are not supported");
        return NULL;
      }
    }
  } else if (ch == '"' || ch == '\'') {
    size_t qline = line_start(p, p->pos);
    scan_quoted(p);
    if (p->rc) return NULL;
    res = cdlt_json_string(p->doc, p->tmp.data, p->tmp.len);
    size_t after = p->pos;
    while (blank_at(p, p->pos)) p->pos++;
    if (cur(p) == ':' && ws_or_eol_at(p, p->pos + 1)) {
      if (c == CTX_MAP_VALUE) { fail(p, p->pos, "mapping values are not allowed here"); return NULL; }
      if (line_start(p, p->pos) != qline) { fail(p, p->pos, "a mapping key must be on one line"); return NULL; }
      res = parse_block_mapping(p, col, res, where);
    } else {
      p->pos = after;
    }
  } else if (ch == ':' && ws_or_eol_at(p, p->pos + 1)) {
    fail(p, p->pos, "empty mapping keys are not supported");
  } else if (ch == ',' || ch == ']' || ch == '}') {
    fail(p, p->pos, "unexpected '%c'", ch);
  } else {
    bool is_key = false;
    /* a key is single-line: scan the first line alone to find out */
    size_t start = p->pos;
    scan_plain(p, false, parent_indent, true, &is_key);
    if (p->rc) return NULL;
    if (is_key) {
      if (c == CTX_MAP_VALUE) { fail(p, p->pos, "mapping values are not allowed here"); return NULL; }
      res = construct_plain(p, p->tmp.data, p->tmp.len, where);
      if (res) res = parse_block_mapping(p, col, res, where);
    } else {
      p->pos = start;
      scan_plain(p, false, parent_indent, false, &is_key);
      if (p->rc) return NULL;
      res = construct_plain(p, p->tmp.data, p->tmp.len, where);
    }
  }
  if (!res && !p->rc) nomem(p);
  p->depth--;
  return res;
}

int cdlt_yaml_parse(cdlt_json_doc *doc, const char *data, size_t len, const char *source_name,
                    cdlt_json_value **out, cdlt_error *err) {
  parser p;
  memset(&p, 0, sizeof p);
  p.s = data;
  p.n = len;
  p.name = source_name ? source_name : "<yaml>";
  p.doc = doc;
  p.err = err;
  cdlt_buf_init(&p.tmp);
  *out = NULL;
  if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {  /* a BOM is not part of the first line */
    p.s += 3;
    p.n -= 3;
  }
  if (memchr(p.s, 0, p.n)) {
    fail(&p, (size_t)((const char *)memchr(p.s, 0, p.n) - p.s), "NUL characters are not allowed");
    cdlt_buf_release(&p.tmp);
    return p.rc;
  }
  cdlt_json_value *v = NULL;
  skip_to_token(&p);
  /* directives and the explicit document start */
  while (!p.rc && cur(&p) == '%' && column_of(&p, p.pos) == 0) {
    if (p.pos + 5 <= p.n && !memcmp(p.s + p.pos, "%YAML", 5)) {
      while (!eol_at(&p, p.pos)) p.pos++;
      skip_to_token(&p);
    } else {
      fail(&p, p.pos, "directives other than %%YAML are not supported");
    }
  }
  bool explicit_start = false;
  if (!p.rc && p.pos + 3 <= p.n && !memcmp(p.s + p.pos, "---", 3) && ws_or_eol_at(&p, p.pos + 3)) {
    p.pos += 3;
    explicit_start = true;
  }
  if (!p.rc) {
    if (explicit_start) {
      v = parse_node_after(&p, -1, CTX_ROOT);
    } else if (p.pos >= p.n || is_doc_marker(&p, p.pos)) {
      v = cdlt_json_null(doc);
    } else {
      v = parse_block_at(&p, -1, CTX_ROOT);
    }
  }
  if (!p.rc && !v) nomem(&p);
  if (!p.rc) {
    skip_to_token(&p);
    if (!p.rc && p.pos + 3 <= p.n && !memcmp(p.s + p.pos, "...", 3) && is_doc_marker(&p, p.pos)) {
      p.pos += 3;
      skip_to_token(&p);
    }
    if (!p.rc && p.pos < p.n) {
      if (is_doc_marker(&p, p.pos)) fail(&p, p.pos, "multiple documents are not supported");
      else fail(&p, p.pos, "unexpected content after the document (bad indentation?)");
    }
  }
  cdlt_buf_release(&p.tmp);
  if (p.rc) return p.rc;
  *out = v;
  return 0;
}
