/* run_hints.c — see run_hints.h. */
#include "run_hints.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a growable string */
typedef struct sb {
  char *s;
  size_t len, cap;
  bool oom;
} sb;

static void sb_add(sb *b, const char *t, size_t n) {
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 256;
    while (nc < b->len + n + 1) nc *= 2;
    char *p = realloc(b->s, nc);
    if (!p) { b->oom = true; return; }
    b->s = p;
    b->cap = nc;
  }
  memcpy(b->s + b->len, t, n);
  b->len += n;
  b->s[b->len] = 0;
}
static void sb_puts(sb *b, const char *t) { sb_add(b, t, strlen(t)); }

static void sb_json_str(sb *b, const char *t, size_t n) {
  sb_puts(b, "\"");
  for (size_t k = 0; k < n; k++) {
    unsigned char c = (unsigned char)t[k];
    char esc[8];
    if (c == '"' || c == '\\') { esc[0] = '\\'; esc[1] = (char)c; sb_add(b, esc, 2); }
    else if (c < 0x20) { snprintf(esc, sizeof esc, "\\u%04x", c); sb_puts(b, esc); }
    else sb_add(b, (const char *)&t[k], 1);
  }
  sb_puts(b, "\"");
}

/* key: "value" with a leading comma when needed */
static void field_str(sb *b, bool *first, const char *key, const char *value) {
  if (!*first) sb_puts(b, ",");
  *first = false;
  sb_json_str(b, key, strlen(key));
  sb_puts(b, ":");
  sb_json_str(b, value, strlen(value));
}

static void field_raw(sb *b, bool *first, const char *key, const char *raw) {
  if (!*first) sb_puts(b, ",");
  *first = false;
  sb_json_str(b, key, strlen(key));
  sb_puts(b, ":");
  sb_puts(b, raw);
}

/* a list "a,b" as a JSON array of strings */
static void field_list(sb *b, bool *first, const char *key, const char *csv) {
  if (!*first) sb_puts(b, ",");
  *first = false;
  sb_json_str(b, key, strlen(key));
  sb_puts(b, ":[");
  bool f = true;
  const char *s = csv;
  while (*s) {
    const char *c = strchr(s, ',');
    size_t n = c ? (size_t)(c - s) : strlen(s);
    while (n && *s == ' ') { s++; n--; }
    while (n && s[n - 1] == ' ') n--;
    if (n) {
      if (!f) sb_puts(b, ",");
      f = false;
      sb_json_str(b, s, n);
    }
    if (!c) break;
    s = c + 1;
  }
  sb_puts(b, "]");
}

/* a command-line value: JSON number / true / false / null as such, anything else as a string */
static bool is_json_scalar(const char *v) {
  if (!strcmp(v, "true") || !strcmp(v, "false") || !strcmp(v, "null")) return true;
  const char *p = v;
  if (*p == '-') p++;
  if (!isdigit((unsigned char)*p)) return false;
  if (*p == '0' && isdigit((unsigned char)p[1])) return false;
  while (isdigit((unsigned char)*p)) p++;
  if (*p == '.') { p++; if (!isdigit((unsigned char)*p)) return false; while (isdigit((unsigned char)*p)) p++; }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p)) return false;
    while (isdigit((unsigned char)*p)) p++;
  }
  return *p == 0;
}

static void field_value(sb *b, bool *first, const char *key, const char *v) {
  if (is_json_scalar(v)) field_raw(b, first, key, v);
  else field_str(b, first, key, v);
}

static char *fail(sb *b, char *errbuf, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errbuf, errlen, fmt, ap);
  va_end(ap);
  free(b->s);
  return NULL;
}

/* a column's hint object inside "columns", created on first use: returns false on OOM */
typedef struct col_hint {
  char name[256];
  sb props;   /* "key":value,... without braces */
} col_hint;

static col_hint *col_get(col_hint *cols, size_t *n, size_t cap, const char *name, size_t len) {
  for (size_t k = 0; k < *n; k++)
    if (strlen(cols[k].name) == len && !memcmp(cols[k].name, name, len)) return &cols[k];
  if (*n == cap || len >= sizeof cols[0].name) return NULL;
  col_hint *c = &cols[(*n)++];
  memcpy(c->name, name, len);
  c->name[len] = 0;
  return c;
}

static void col_prop(col_hint *c, const char *key, const char *raw) {
  if (c->props.len) sb_puts(&c->props, ",");
  sb_json_str(&c->props, key, strlen(key));
  sb_puts(&c->props, ":");
  sb_puts(&c->props, raw);
}

char *run_hints_build(const run_hint_args *a, char *errbuf, size_t errlen) {
  sb b = {0};
  bool first = true;
  col_hint cols[64];
  size_t ncols = 0;
  memset(cols, 0, sizeof cols);
  sb_puts(&b, "{");
  char *result = NULL;

  const char *wd = a->write_disposition;
  bool merge_like = a->merge_strategy || a->validity_columns || a->boundary_timestamp ||
                    a->active_record_timestamp || a->row_version_column;
  if (merge_like && wd && strcmp(wd, "merge") != 0) {
    fail(&b, errbuf, errlen, "--merge-strategy and the scd2 options need --write-disposition merge");
    goto out;
  }
  if (merge_like) {
    if (!first) sb_puts(&b, ",");
    first = false;
    sb_puts(&b, "\"write_disposition\":{");
    bool f = true;
    field_str(&b, &f, "disposition", "merge");
    if (a->merge_strategy) field_str(&b, &f, "strategy", a->merge_strategy);
    if (a->validity_columns) field_list(&b, &f, "validity_column_names", a->validity_columns);
    if (a->boundary_timestamp) field_str(&b, &f, "boundary_timestamp", a->boundary_timestamp);
    if (a->active_record_timestamp) field_str(&b, &f, "active_record_timestamp", a->active_record_timestamp);
    if (a->row_version_column) field_str(&b, &f, "row_version_column_name", a->row_version_column);
    sb_puts(&b, "}");
  } else if (wd) {
    field_str(&b, &first, "write_disposition", wd);
  }
  if (a->primary_key) field_list(&b, &first, "primary_key", a->primary_key);
  if (a->merge_key) field_list(&b, &first, "merge_key", a->merge_key);

  /* columns: JSON object, or col:type,... ; plus --dedup-sort / --hard-delete */
  const char *raw_columns_json = NULL;
  if (a->columns) {
    const char *c = a->columns;
    while (*c == ' ') c++;
    if (*c == '{' || *c == '[') raw_columns_json = a->columns;
    else {
      const char *s = a->columns;
      while (*s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        const char *colon = memchr(s, ':', n);
        if (!colon || colon == s || colon + 1 == s + n) {
          fail(&b, errbuf, errlen, "--columns expects col:type[,col:type...] or a JSON object, got '%.*s'", (int)n, s);
          goto out;
        }
        col_hint *ch = col_get(cols, &ncols, 64, s, (size_t)(colon - s));
        if (!ch) { fail(&b, errbuf, errlen, "--columns: too many columns or a name too long"); goto out; }
        sb tmp = {0};
        sb_json_str(&tmp, colon + 1, (size_t)(s + n - colon - 1));
        col_prop(ch, "data_type", tmp.s ? tmp.s : "\"\"");
        free(tmp.s);
        if (!comma) break;
        s = comma + 1;
      }
    }
  }
  if (a->dedup_sort) {
    const char *colon = strchr(a->dedup_sort, ':');
    size_t n = colon ? (size_t)(colon - a->dedup_sort) : strlen(a->dedup_sort);
    const char *dir = colon ? colon + 1 : "desc";
    if (strcmp(dir, "asc") && strcmp(dir, "desc")) {
      fail(&b, errbuf, errlen, "--dedup-sort expects COL[:asc|desc], got '%s'", a->dedup_sort);
      goto out;
    }
    col_hint *ch = col_get(cols, &ncols, 64, a->dedup_sort, n);
    if (!ch) { fail(&b, errbuf, errlen, "--dedup-sort: column name too long"); goto out; }
    col_prop(ch, "dedup_sort", !strcmp(dir, "asc") ? "\"asc\"" : "\"desc\"");
  }
  if (a->hard_delete) {
    col_hint *ch = col_get(cols, &ncols, 64, a->hard_delete, strlen(a->hard_delete));
    if (!ch) { fail(&b, errbuf, errlen, "--hard-delete: column name too long"); goto out; }
    col_prop(ch, "hard_delete", "true");
  }
  if (raw_columns_json && ncols) {
    fail(&b, errbuf, errlen, "--columns as JSON cannot be combined with --dedup-sort/--hard-delete; put those hints into the JSON");
    goto out;
  }
  if (raw_columns_json) field_raw(&b, &first, "columns", raw_columns_json);
  else if (ncols) {
    if (!first) sb_puts(&b, ",");
    first = false;
    sb_puts(&b, "\"columns\":{");
    for (size_t k = 0; k < ncols; k++) {
      if (k) sb_puts(&b, ",");
      sb_json_str(&b, cols[k].name, strlen(cols[k].name));
      sb_puts(&b, ":{");
      if (cols[k].props.s) sb_puts(&b, cols[k].props.s);
      sb_puts(&b, "}");
    }
    sb_puts(&b, "}");
  }
  if (a->max_table_nesting) {
    if (!is_json_scalar(a->max_table_nesting) || strchr(a->max_table_nesting, '.') || a->max_table_nesting[0] == '-') {
      fail(&b, errbuf, errlen, "--max-table-nesting expects a non-negative integer, got '%s'", a->max_table_nesting);
      goto out;
    }
    field_raw(&b, &first, "max_table_nesting", a->max_table_nesting);
  }
  if (a->schema_contract) {
    const char *c = a->schema_contract;
    while (*c == ' ') c++;
    if (*c == '{') field_raw(&b, &first, "schema_contract", a->schema_contract);
    else field_str(&b, &first, "schema_contract", a->schema_contract);
  }
  bool inc_opts = a->initial_value || a->end_value || a->last_value_func || a->row_order ||
                  a->on_cursor_value_missing || a->lag || a->range_start || a->range_end;
  if (inc_opts && !a->cursor_path) {
    fail(&b, errbuf, errlen, "the incremental options need --incremental CURSOR_PATH");
    goto out;
  }
  if (a->cursor_path) {
    if (!first) sb_puts(&b, ",");
    first = false;
    sb_puts(&b, "\"incremental\":{");
    bool f = true;
    field_str(&b, &f, "cursor_path", a->cursor_path);
    if (a->initial_value) field_value(&b, &f, "initial_value", a->initial_value);
    if (a->end_value) field_value(&b, &f, "end_value", a->end_value);
    if (a->last_value_func) field_str(&b, &f, "last_value_func", a->last_value_func);
    if (a->row_order) field_str(&b, &f, "row_order", a->row_order);
    if (a->on_cursor_value_missing) field_str(&b, &f, "on_cursor_value_missing", a->on_cursor_value_missing);
    if (a->lag) {
      if (!is_json_scalar(a->lag)) { fail(&b, errbuf, errlen, "--lag expects a number, got '%s'", a->lag); goto out; }
      field_raw(&b, &f, "lag", a->lag);
    }
    if (a->range_start) field_str(&b, &f, "range_start", a->range_start);
    if (a->range_end) field_str(&b, &f, "range_end", a->range_end);
    sb_puts(&b, "}");
  }
  /* --hints: a JSON object whose members are appended (the library rejects duplicates' ambiguity
   * by taking the last occurrence) */
  if (a->extra_json) {
    const char *s = a->extra_json;
    while (*s == ' ' || *s == '\n' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t')) n--;
    if (n < 2 || s[0] != '{' || s[n - 1] != '}') {
      fail(&b, errbuf, errlen, "--hints expects a JSON object");
      goto out;
    }
    const char *inner = s + 1;
    size_t inner_len = n - 2;
    bool blank = true;
    for (size_t k = 0; k < inner_len; k++)
      if (inner[k] != ' ' && inner[k] != '\n' && inner[k] != '\t') blank = false;
    if (!blank) {
      if (!first) sb_puts(&b, ",");
      first = false;
      sb_add(&b, inner, inner_len);
    }
  }
  sb_puts(&b, "}");
  if (b.oom) { fail(&b, errbuf, errlen, "out of memory"); goto out; }
  result = b.s;
out:
  for (size_t k = 0; k < ncols; k++) free(cols[k].props.s);
  return result;
}
