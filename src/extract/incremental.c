/* incremental.c — cursor filtering and cursor state of dlt's incremental loading (§9). */
#define _GNU_SOURCE
#include "extract/incremental.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/isotime.h"
#include "util/strmap.h"

/* ------------------------------------------------------------------------------------------ */
/* cursor paths: a field name, or a JSONPath subset ($.a.b, a.b, a[0].b, a[*].b, $['a b']) */

typedef enum { STEP_FIELD, STEP_INDEX, STEP_WILDCARD } step_kind;
typedef struct step {
  step_kind kind;
  char *name;
  size_t name_len;
  int64_t index;
} step;

typedef struct cursor_path {
  step *steps;
  size_t n;
} cursor_path;

static void path_free(cursor_path *p) {
  for (size_t k = 0; k < p->n; k++) free(p->steps[k].name);
  free(p->steps);
  memset(p, 0, sizeof *p);
}

static int path_push(cursor_path *p, step_kind kind, const char *name, size_t len, int64_t index) {
  step *s = realloc(p->steps, (p->n + 1) * sizeof *s);
  if (!s) return CDLT_ERR_NOMEM;
  p->steps = s;
  s[p->n] = (step){kind, NULL, 0, index};
  if (name) {
    if (!(s[p->n].name = strndup(name, len))) return CDLT_ERR_NOMEM;
    s[p->n].name_len = len;
  }
  p->n++;
  return 0;
}

static int path_parse(const char *text, cursor_path *p, cdlt_error *err) {
  memset(p, 0, sizeof *p);
  const char *s = text;
  bool jsonpath = s[0] == '$' || strpbrk(s, ".[") != NULL;
  if (!jsonpath) return path_push(p, STEP_FIELD, s, strlen(s), 0);
  if (*s == '$') s++;
  if (*s == '.') s++;
  while (*s) {
    int rc;
    if (*s == '[') {
      s++;
      if (*s == '*') {
        rc = path_push(p, STEP_WILDCARD, NULL, 0, 0);
        s++;
      } else if (*s == '\'' || *s == '"') {
        char q = *s++;
        const char *e = strchr(s, q);
        if (!e) goto bad;
        rc = path_push(p, STEP_FIELD, s, (size_t)(e - s), 0);
        s = e + 1;
      } else {
        char *end;
        long long idx = strtoll(s, &end, 10);
        if (end == s) goto bad;
        rc = path_push(p, STEP_INDEX, NULL, 0, idx);
        s = end;
      }
      if (rc) return cdlt_error_set(err, rc, "out of memory");
      if (*s != ']') goto bad;
      s++;
      if (*s == '.') s++;
      continue;
    }
    size_t n = strcspn(s, ".[");
    if (n == 0) goto bad;
    if (n == 1 && *s == '*') rc = path_push(p, STEP_WILDCARD, NULL, 0, 0);
    else rc = path_push(p, STEP_FIELD, s, n, 0);
    if (rc) return cdlt_error_set(err, rc, "out of memory");
    s += n;
    if (*s == '.') {
      s++;
      if (!*s) goto bad;
    }
  }
  if (p->n == 0) goto bad;
  return 0;
bad:
  path_free(p);
  return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid incremental cursor path '%s'", text);
}

/* collects every value the path matches, in document order (JSONPath find_values) */
typedef struct matches {
  const cdlt_json_value *first;
  size_t count;
  bool any_null;
} matches;

static void path_find(const cursor_path *p, size_t k, const cdlt_json_value *v, matches *m) {
  if (k == p->n) {
    if (!m->first) m->first = v;
    m->count++;
    if (v->type == CDLT_JSON_NULL) m->any_null = true;
    return;
  }
  const step *s = &p->steps[k];
  if (s->kind == STEP_FIELD) {
    const cdlt_json_value *c = cdlt_json_getn(v, s->name, s->name_len);
    if (c) path_find(p, k + 1, c, m);
  } else if (s->kind == STEP_INDEX) {
    if (v->type != CDLT_JSON_ARRAY) return;
    int64_t i = s->index < 0 ? (int64_t)v->u.arr.len + s->index : s->index;
    if (i >= 0 && (size_t)i < v->u.arr.len) path_find(p, k + 1, v->u.arr.items[i], m);
  } else {
    if (v->type == CDLT_JSON_ARRAY)
      for (size_t j = 0; j < v->u.arr.len; j++) path_find(p, k + 1, v->u.arr.items[j], m);
    else if (v->type == CDLT_JSON_OBJECT)
      for (size_t j = 0; j < v->u.obj.len; j++) path_find(p, k + 1, v->u.obj.members[j].value, m);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* comparable cursor values */

typedef enum { CV_NONE, CV_NUM, CV_STR } cv_kind;
typedef struct cval {
  cv_kind kind;
  bool is_int;       /* CV_NUM: exact int64 in i */
  int64_t i;
  double d;
  bool is_time;      /* CV_STR parsing as an ISO datetime or date: instant in us */
  int64_t us;
  const char *s;
  size_t len;
} cval;

static bool cval_make(const cdlt_json_value *v, cval *out) {
  memset(out, 0, sizeof *out);
  switch (v ? v->type : CDLT_JSON_NULL) {
    case CDLT_JSON_BOOL:
      out->kind = CV_NUM, out->is_int = true, out->i = v->u.boolean, out->d = v->u.boolean;
      return true;
    case CDLT_JSON_INT:
      out->kind = CV_NUM, out->is_int = true, out->i = v->u.num.i, out->d = (double)v->u.num.i;
      return true;
    case CDLT_JSON_BIGINT:
    case CDLT_JSON_FLOAT:
      out->kind = CV_NUM, out->d = v->type == CDLT_JSON_FLOAT ? v->u.num.d : strtod(v->u.num.text, NULL);
      return true;
    case CDLT_JSON_STRING: {
      out->kind = CV_STR, out->s = v->u.str.ptr, out->len = v->u.str.len;
      cdlt_iso_parsed ip;
      cdlt_iso_kind k = out->len >= 8 ? cdlt_parse_iso_like(out->s, out->len, &ip) : CDLT_ISO_NONE;
      if (k == CDLT_ISO_DATETIME || k == CDLT_ISO_DATE) {
        int64_t days = cdlt_days_from_civil(ip.year, ip.month, ip.day);
        out->us = days * CDLT_US_PER_DAY;
        if (k == CDLT_ISO_DATETIME)
          out->us += ((int64_t)ip.hour * 3600 + ip.minute * 60 + ip.second - (ip.has_offset ? ip.offset_s : 0)) *
                         CDLT_US_PER_SEC + ip.microsecond;
        out->is_time = true;
      }
      return true;
    }
    default:
      return false;
  }
}

/* three-way comparison; false when the values cannot be compared (Python would raise) */
static bool cval_cmp(const cval *a, const cval *b, int *res) {
  if (a->kind == CV_NUM && b->kind == CV_NUM) {
    if (a->is_int && b->is_int) *res = (a->i > b->i) - (a->i < b->i);
    else *res = (a->d > b->d) - (a->d < b->d);
    return true;
  }
  if (a->kind == CV_STR && b->kind == CV_STR) {
    if (a->is_time && b->is_time) {
      *res = (a->us > b->us) - (a->us < b->us);
      return true;
    }
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    *res = c ? (c > 0) - (c < 0) : (a->len > b->len) - (a->len < b->len);
    return true;
  }
  /* a number against a numeric string (e.g. --initial-value 5 given on a command line) */
  const cval *num = a->kind == CV_NUM ? a : b, *str = a->kind == CV_NUM ? b : a;
  if (num->kind == CV_NUM && str->kind == CV_STR) {
    double d;
    if (!cdlt_py_float(str->s, str->len, &d)) return false;
    int c = (num->d > d) - (num->d < d);
    *res = a == num ? c : -c;
    return true;
  }
  return false;
}

/* ------------------------------------------------------------------------------------------ */

struct cdlt_incremental {
  char *resource;
  char *cursor_text;
  char *cursor_column;
  cursor_path path;
  bool is_min;                  /* last_value_func = min */
  bool row_order_asc, row_order_desc;
  int on_missing;               /* 0 raise, 1 include, 2 exclude */
  bool range_start_open, range_end_closed;
  bool dedup;                   /* boundary deduplication enabled */
  bool has_lag;
  double lag;
  /* dedup key */
  char **pk;
  size_t npk;
  bool pk_as_list;
  /* values (in vdoc): initial, end, start (last value at the start of the run) */
  cdlt_json_doc vdoc;
  const cdlt_json_value *initial, *end, *start, *stored_last;
  cval cinitial, cend, cstart;
  bool has_end, has_start;
  /* the running last value: copied into one of two docs, alternating, so memory stays flat */
  cdlt_json_doc last_docs[2];
  int last_cur;
  const cdlt_json_value *last;
  cval clast;
  bool last_moved;
  /* hashes */
  cdlt_strmap start_hashes;     /* from the state */
  cdlt_strmap last_hashes;      /* rows at the current last value */
  size_t kept, dropped;
  bool start_out_of_range, end_out_of_range;
  /* state */
  cdlt_json_doc *state_doc;
  cdlt_json_value *resource_state;
};

static int signed_cmp(const cdlt_incremental *inc, const cval *a, const cval *b, int *res, cdlt_error *err) {
  if (!cval_cmp(a, b, res))
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "incremental cursor '%s' of resource '%s': cannot compare a %s with a %s",
                          inc->cursor_text, inc->resource, a->kind == CV_NUM ? "number" : "string",
                          b->kind == CV_NUM ? "number" : "string");
  if (inc->is_min) *res = -*res;   /* "greater" means "better for last_value_func" */
  return 0;
}

const char *cdlt_incremental_cursor_path(const cdlt_incremental *inc) { return inc->cursor_text; }
const char *cdlt_incremental_cursor_column(const cdlt_incremental *inc) { return inc->cursor_column; }
size_t cdlt_incremental_kept(const cdlt_incremental *inc) { return inc->kept; }
size_t cdlt_incremental_dropped(const cdlt_incremental *inc) { return inc->dropped; }
bool cdlt_incremental_can_stop(const cdlt_incremental *inc) {
  return (inc->row_order_asc && inc->end_out_of_range) || (inc->row_order_desc && inc->start_out_of_range);
}

void cdlt_incremental_free(cdlt_incremental *inc) {
  if (!inc) return;
  free(inc->resource);
  free(inc->cursor_text);
  free(inc->cursor_column);
  path_free(&inc->path);
  for (size_t k = 0; k < inc->npk; k++) free(inc->pk[k]);
  free(inc->pk);
  cdlt_json_doc_release(&inc->vdoc);
  cdlt_json_doc_release(&inc->last_docs[0]);
  cdlt_json_doc_release(&inc->last_docs[1]);
  cdlt_strmap_release(&inc->start_hashes);
  cdlt_strmap_release(&inc->last_hashes);
  free(inc);
}

int cdlt_incremental_row_hash(const cdlt_json_value *item, const char *const *pk, size_t npk, bool as_list,
                              char out[21], cdlt_error *err) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = 0;
  if (npk == 0) {
    rc = cdlt_json_write(&b, item, CDLT_JSON_WRITE_SORT_KEYS);
  } else {
    bool list = npk > 1 || as_list;
    if (list) rc = cdlt_buf_putc(&b, '[');
    for (size_t k = 0; !rc && k < npk; k++) {
      const cdlt_json_value *v = cdlt_json_get(item, pk[k]);
      if (!v) {
        cdlt_buf_release(&b);
        return cdlt_error_set(err, CDLT_ERR_SCHEMA, "primary key column '%s' is missing in an item (needed for incremental deduplication)",
                              pk[k]);
      }
      if (k) rc = cdlt_buf_putc(&b, ',');
      if (!rc) rc = cdlt_json_write(&b, v, CDLT_JSON_WRITE_SORT_KEYS);
    }
    if (!rc && list) rc = cdlt_buf_putc(&b, ']');
  }
  if (rc) {
    cdlt_buf_release(&b);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  cdlt_digest128(b.data ? b.data : "", b.len, 15, out);
  cdlt_buf_release(&b);
  return 0;
}

static int hash_of(cdlt_incremental *inc, const cdlt_json_value *item, char out[21], cdlt_error *err) {
  return cdlt_incremental_row_hash(item, (const char *const *)inc->pk, inc->npk, inc->pk_as_list, out, err);
}

/* last value := v (copied) */
static int set_last(cdlt_incremental *inc, const cdlt_json_value *v) {
  int next = 1 - inc->last_cur;
  cdlt_json_doc_reset(&inc->last_docs[next]);
  cdlt_json_value *c = cdlt_json_copy(&inc->last_docs[next], v);
  if (!c) return CDLT_ERR_NOMEM;
  inc->last_cur = next;
  inc->last = c;
  cval_make(c, &inc->clast);
  return 0;
}

/* the value moved back by `lag` (seconds for datetimes, days for dates, units for numbers),
 * never beyond the initial value (dlt's apply_lag) */
static const cdlt_json_value *apply_lag(cdlt_incremental *inc, const cdlt_json_value *v) {
  cval c;
  if (!cval_make(v, &c)) return v;
  double sign = inc->is_min ? 1.0 : -1.0;
  cdlt_json_value *out = NULL;
  if (c.kind == CV_NUM) {
    if (c.is_int && inc->lag == (double)(int64_t)inc->lag) out = cdlt_json_int(&inc->vdoc, c.i + (int64_t)(sign * inc->lag));
    else out = cdlt_json_double(&inc->vdoc, c.d + sign * inc->lag);
  } else if (c.kind == CV_STR && c.is_time) {
    char buf[48];
    size_t n;
    bool date_only = c.len == 10;
    if (date_only) {
      int64_t days = c.us / CDLT_US_PER_DAY + (int64_t)(sign * inc->lag);
      n = cdlt_format_date((int32_t)days, buf);
    } else {
      int64_t us = c.us + (int64_t)(sign * inc->lag * 1e6);
      n = c.s[c.len - 1] == 'Z' ? cdlt_format_rfc3339_z(us, buf) : cdlt_format_iso_utc(us, buf);
    }
    out = cdlt_json_string(&inc->vdoc, buf, n);
  }
  if (!out) return v;
  if (inc->initial && inc->initial->type != CDLT_JSON_NULL) {
    cval lagged;
    int r;
    cval_make(out, &lagged);
    if (cval_cmp(&lagged, &inc->cinitial, &r) && (inc->is_min ? -r : r) < 0) return inc->initial;
  }
  return out;
}

static int load_hashes(cdlt_strmap *m, const cdlt_json_value *arr) {
  if (!arr || arr->type != CDLT_JSON_ARRAY) return 0;
  for (size_t k = 0; k < arr->u.arr.len; k++) {
    const cdlt_json_value *h = arr->u.arr.items[k];
    if (h->type == CDLT_JSON_STRING && cdlt_strmap_put(m, h->u.str.ptr, h->u.str.len, (void *)1)) return CDLT_ERR_NOMEM;
  }
  return 0;
}

static int opt_choice(const cdlt_json_value *cfg, const char *key, const char *a, const char *b, const char *c,
                      int *out, cdlt_error *err) {
  const cdlt_json_value *v = cdlt_json_get(cfg, key);
  *out = 0;
  if (!v || v->type == CDLT_JSON_NULL) return 0;
  if (v->type == CDLT_JSON_STRING) {
    if (!strcmp(v->u.str.ptr, a)) return 0;
    if (!strcmp(v->u.str.ptr, b)) { *out = 1; return 0; }
    if (c && !strcmp(v->u.str.ptr, c)) { *out = 2; return 0; }
  }
  return cdlt_error_set(err, CDLT_ERR_USAGE, "incremental '%s' must be %s%s%s%s%s", key, a, c ? ", " : " or ", b,
                        c ? " or " : "", c ? c : "");
}

int cdlt_incremental_open(const cdlt_json_value *config, const char *resource_name, const char *const *resource_pk,
                          size_t npk, cdlt_json_doc *state_doc, cdlt_json_value *resource_state, cdlt_incremental **out,
                          cdlt_error *err) {
  *out = NULL;
  if (!config || config->type != CDLT_JSON_OBJECT)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "the incremental hint of resource '%s' must be an object", resource_name);
  const char *cursor = cdlt_json_get_str(config, "cursor_path");
  if (!cursor || !cursor[0])
    return cdlt_error_set(err, CDLT_ERR_USAGE, "the incremental hint of resource '%s' needs a cursor_path", resource_name);
  cdlt_incremental *inc = calloc(1, sizeof *inc);
  if (!inc) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_json_doc_init(&inc->vdoc);
  cdlt_json_doc_init(&inc->last_docs[0]);
  cdlt_json_doc_init(&inc->last_docs[1]);
  cdlt_strmap_init(&inc->start_hashes);
  cdlt_strmap_init(&inc->last_hashes);
  inc->state_doc = state_doc;
  inc->resource_state = resource_state;
  inc->resource = strdup(resource_name ? resource_name : "");
  inc->cursor_text = strdup(cursor);
  int rc = 0;
  if (!inc->resource || !inc->cursor_text) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto fail; }
  if ((rc = path_parse(cursor, &inc->path, err))) goto fail;
  /* column path for the schema hint */
  {
    cdlt_buf col;
    cdlt_buf_init(&col);
    bool ok = true;
    for (size_t k = 0; k < inc->path.n && ok; k++) {
      if (inc->path.steps[k].kind != STEP_FIELD) ok = false;
      else if ((k && cdlt_buf_puts(&col, "__")) || cdlt_buf_append(&col, inc->path.steps[k].name, inc->path.steps[k].name_len))
        ok = false;
    }
    if (ok) inc->cursor_column = cdlt_buf_detach(&col);
    cdlt_buf_release(&col);
  }

  int v;
  if ((rc = opt_choice(config, "last_value_func", "max", "min", NULL, &v, err))) goto fail;
  inc->is_min = v == 1;
  if ((rc = opt_choice(config, "row_order", "asc", "desc", NULL, &v, err))) goto fail;
  const cdlt_json_value *ro = cdlt_json_get(config, "row_order");
  inc->row_order_asc = ro && ro->type == CDLT_JSON_STRING && v == 0;
  inc->row_order_desc = v == 1;
  if ((rc = opt_choice(config, "on_cursor_value_missing", "raise", "include", "exclude", &inc->on_missing, err))) goto fail;
  if ((rc = opt_choice(config, "range_start", "closed", "open", NULL, &v, err))) goto fail;
  inc->range_start_open = v == 1;
  if ((rc = opt_choice(config, "range_end", "open", "closed", NULL, &v, err))) goto fail;
  inc->range_end_closed = v == 1;
  const cdlt_json_value *lag = cdlt_json_get(config, "lag");
  if (lag && lag->type != CDLT_JSON_NULL) {
    if (lag->type != CDLT_JSON_INT && lag->type != CDLT_JSON_FLOAT) {
      rc = cdlt_error_set(err, CDLT_ERR_USAGE, "incremental 'lag' must be a number");
      goto fail;
    }
    inc->has_lag = true;
    inc->lag = lag->type == CDLT_JSON_INT ? (double)lag->u.num.i : lag->u.num.d;
  }

  /* dedup key: the incremental's primary_key, else the resource's */
  const cdlt_json_value *ipk = cdlt_json_get(config, "primary_key");
  bool dedup_off = false;
  if (ipk && ipk->type == CDLT_JSON_STRING) {
    inc->pk = calloc(1, sizeof *inc->pk);
    if (!inc->pk || !(inc->pk[0] = strdup(ipk->u.str.ptr))) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto fail; }
    inc->npk = 1;
  } else if (ipk && ipk->type == CDLT_JSON_ARRAY) {
    dedup_off = ipk->u.arr.len == 0;
    inc->pk_as_list = true;
    inc->pk = calloc(ipk->u.arr.len + 1, sizeof *inc->pk);
    if (!inc->pk) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto fail; }
    for (size_t k = 0; k < ipk->u.arr.len; k++) {
      const cdlt_json_value *e = ipk->u.arr.items[k];
      if (e->type != CDLT_JSON_STRING) { rc = cdlt_error_set(err, CDLT_ERR_USAGE, "incremental 'primary_key' must be a string or a list of strings"); goto fail; }
      if (!(inc->pk[inc->npk] = strdup(e->u.str.ptr))) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto fail; }
      inc->npk++;
    }
  } else if (ipk && ipk->type != CDLT_JSON_NULL) {
    rc = cdlt_error_set(err, CDLT_ERR_USAGE, "incremental 'primary_key' must be a string or a list of strings");
    goto fail;
  } else if (npk) {
    inc->pk = calloc(npk, sizeof *inc->pk);
    if (!inc->pk) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto fail; }
    for (size_t k = 0; k < npk; k++) {
      if (!(inc->pk[k] = strdup(resource_pk[k]))) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto fail; }
      inc->npk++;
    }
  }

  /* values */
  const cdlt_json_value *iv = cdlt_json_get(config, "initial_value");
  const cdlt_json_value *ev = cdlt_json_get(config, "end_value");
  inc->initial = iv ? cdlt_json_copy(&inc->vdoc, iv) : cdlt_json_null(&inc->vdoc);
  if (!inc->initial) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto fail; }
  cval_make(inc->initial, &inc->cinitial);
  if (ev && ev->type != CDLT_JSON_NULL) {
    inc->end = cdlt_json_copy(&inc->vdoc, ev);
    if (!inc->end) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto fail; }
    if (!cval_make(inc->end, &inc->cend)) { rc = cdlt_error_set(err, CDLT_ERR_USAGE, "incremental 'end_value' must be a number or a string"); goto fail; }
    inc->has_end = true;
  }
  if (inc->initial->type != CDLT_JSON_NULL && inc->cinitial.kind == CV_NONE) {
    rc = cdlt_error_set(err, CDLT_ERR_USAGE, "incremental 'initial_value' must be a number or a string");
    goto fail;
  }
  /* the start: from the state unless end_value is set (then initial_value, state unused) */
  const cdlt_json_value *last = inc->initial;
  if (!inc->has_end) {
    const cdlt_json_value *cs = cdlt_json_get(cdlt_json_get(resource_state, "incremental"), cursor);
    if (cs && cs->type == CDLT_JSON_OBJECT && cs->u.obj.len) {
      const cdlt_json_value *lv = cdlt_json_get(cs, "last_value");
      if (lv) {
        last = cdlt_json_copy(&inc->vdoc, lv);
        if (!last) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto fail; }
      }
      if (load_hashes(&inc->start_hashes, cdlt_json_get(cs, "unique_hashes"))) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto fail; }
    }
  }
  inc->stored_last = last;
  if (inc->has_lag && last->type != CDLT_JSON_NULL) last = apply_lag(inc, last);
  inc->dedup = !dedup_off && !inc->range_start_open && !inc->has_end && !inc->has_lag;
  if (last->type != CDLT_JSON_NULL) {
    inc->start = last;
    if (!cval_make(last, &inc->cstart)) { rc = cdlt_error_set(err, CDLT_ERR_SCHEMA, "incremental state of resource '%s' holds an unusable last_value", resource_name); goto fail; }
    inc->has_start = true;
    if (set_last(inc, last)) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto fail; }
  }
  *out = inc;
  return 0;
fail:
  cdlt_incremental_free(inc);
  return rc;
}

int cdlt_incremental_filter(cdlt_incremental *inc, const cdlt_json_value *item, bool *keep, cdlt_error *err) {
  *keep = false;
  matches m = {0};
  path_find(&inc->path, 0, item, &m);
  if (!m.first || m.any_null) {
    if (inc->on_missing == 0)
      return cdlt_error_set(err, CDLT_ERR_SCHEMA,
                            m.first ? "incremental cursor '%s' is null in an item of resource '%s' (use on_cursor_value_missing include or exclude)"
                                    : "incremental cursor '%s' was not found in an item of resource '%s' (use on_cursor_value_missing include or exclude)",
                            inc->cursor_text, inc->resource);
    *keep = inc->on_missing == 1;
    if (*keep) inc->kept++;
    else inc->dropped++;
    return 0;
  }
  cval row;
  if (!cval_make(m.first, &row))
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "incremental cursor '%s' of resource '%s' is not a number or a string",
                          inc->cursor_text, inc->resource);
  int c, rc;
  if (inc->has_end) {
    if ((rc = signed_cmp(inc, &row, &inc->cend, &c, err))) return rc;
    if (c > 0 || (c == 0 && !inc->range_end_closed)) {
      inc->end_out_of_range = true;
      inc->dropped++;
      return 0;
    }
  }
  if (inc->last) {
    if ((rc = signed_cmp(inc, &row, &inc->clast, &c, err))) return rc;
  } else {
    c = 1;
  }
  char h[21];
  if (c > 0) {
    /* a new last value: the boundary rows start over with this one */
    if (set_last(inc, m.first)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    inc->last_moved = true;
    cdlt_strmap_release(&inc->last_hashes);
    cdlt_strmap_init(&inc->last_hashes);
    if (inc->dedup) {
      if ((rc = hash_of(inc, item, h, err))) return rc;
      if (cdlt_strmap_put(&inc->last_hashes, h, 20, (void *)1)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    }
    *keep = true;
    inc->kept++;
    return 0;
  }
  bool at_last = c == 0;
  if (inc->has_start) {
    int s;
    if ((rc = signed_cmp(inc, &row, &inc->cstart, &s, err))) return rc;
    if (s < 0) {
      inc->start_out_of_range = true;
      inc->dropped++;
      return 0;
    }
    if (s == 0) {
      if (inc->range_start_open) {
        inc->start_out_of_range = true;
        inc->dropped++;
        return 0;
      }
      if (inc->dedup) {
        if ((rc = hash_of(inc, item, h, err))) return rc;
        if (cdlt_strmap_get(&inc->start_hashes, h, 20)) {
          inc->start_out_of_range = true;
          inc->dropped++;
          return 0;
        }
      }
    }
  }
  if (at_last && inc->dedup) {
    if ((rc = hash_of(inc, item, h, err))) return rc;
    if (cdlt_strmap_put(&inc->last_hashes, h, 20, (void *)1)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  *keep = true;
  inc->kept++;
  return 0;
}

static int put_hashes(cdlt_json_doc *d, cdlt_json_value *arr, const cdlt_strmap *m) {
  /* sorted, so the state (and its hash) does not depend on the hash map's layout */
  const char **keys = malloc((m->len + 1) * sizeof *keys);
  if (!keys) return CDLT_ERR_NOMEM;
  size_t n = 0;
  for (size_t k = 0; k < m->cap; k++)
    if (m->slots[k].key) keys[n++] = m->slots[k].key;
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
      const char *t = keys[j];
      keys[j] = keys[j - 1];
      keys[j - 1] = t;
    }
  int rc = 0;
  for (size_t k = 0; k < n && !rc; k++) rc = cdlt_json_array_push(d, arr, cdlt_json_cstr(d, keys[k]));
  free(keys);
  return rc;
}

int cdlt_incremental_commit(cdlt_incremental *inc, cdlt_error *err) {
  if (inc->has_end) return 0;
  cdlt_json_doc *d = inc->state_doc;
  cdlt_json_value *incr = cdlt_json_get_or_add_object(d, inc->resource_state, "incremental");
  cdlt_json_value *cs = incr ? cdlt_json_get(incr, inc->cursor_text) : NULL;
  if (incr && (!cs || cs->type != CDLT_JSON_OBJECT)) {
    cs = cdlt_json_object(d);
    if (!cs || cdlt_json_object_set(d, incr, inc->cursor_text, cs)) cs = NULL;
  }
  if (!cs) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int rc = 0;
  if (!cdlt_json_get(cs, "initial_value")) rc |= cdlt_json_object_set(d, cs, "initial_value", cdlt_json_copy(d, inc->initial));
  /* with a lag the stored last value never moves back */
  const cdlt_json_value *last = inc->last ? inc->last : inc->stored_last;
  if (inc->has_lag && inc->stored_last && inc->stored_last->type != CDLT_JSON_NULL && inc->last) {
    cval a, b;
    int r;
    cval_make(inc->stored_last, &a);
    cval_make(inc->last, &b);
    if (cval_cmp(&a, &b, &r) && (inc->is_min ? -r : r) > 0) last = inc->stored_last;
  }
  rc |= cdlt_json_object_set(d, cs, "last_value", last ? cdlt_json_copy(d, last) : cdlt_json_null(d));
  cdlt_json_value *hashes = cdlt_json_array(d);
  if (!hashes) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (inc->dedup) {
    /* moved: only the rows at the new last value; else the saved ones plus the new ones */
    cdlt_strmap extra;
    cdlt_strmap_init(&extra);
    for (size_t k = 0; !inc->last_moved && k < inc->start_hashes.cap; k++) {
      cdlt_strmap_slot *s = &inc->start_hashes.slots[k];
      if (s->key) rc |= cdlt_strmap_put(&extra, s->key, s->key_len, (void *)1);
    }
    for (size_t k = 0; k < inc->last_hashes.cap; k++) {
      cdlt_strmap_slot *s = &inc->last_hashes.slots[k];
      if (s->key) rc |= cdlt_strmap_put(&extra, s->key, s->key_len, (void *)1);
    }
    rc |= put_hashes(d, hashes, &extra);
    cdlt_strmap_release(&extra);
  }
  rc |= cdlt_json_object_set(d, cs, "unique_hashes", hashes);
  if (inc->kept) rc |= cdlt_json_object_set(d, cs, "start_value", inc->start ? cdlt_json_copy(d, inc->start) : cdlt_json_null(d));
  return rc ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
}
