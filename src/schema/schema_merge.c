/* schema_merge.c — deterministic merge of parallel-normalize chunk schemas (see schema_merge.h). */
#include "schema/schema_merge.h"

#include <stdlib.h>
#include <string.h>

bool cdlt_json_same(const cdlt_json_value *a, const cdlt_json_value *b) {
  if (a == b) return true;
  if (!a || !b || a->type != b->type) return false;
  switch (a->type) {
    case CDLT_JSON_ARRAY:
      if (a->u.arr.len != b->u.arr.len) return false;
      for (size_t k = 0; k < a->u.arr.len; k++)
        if (!cdlt_json_same(a->u.arr.items[k], b->u.arr.items[k])) return false;
      return true;
    case CDLT_JSON_OBJECT:
      if (a->u.obj.len != b->u.obj.len) return false;
      for (size_t k = 0; k < a->u.obj.len; k++) {
        const cdlt_json_member *x = &a->u.obj.members[k], *y = &b->u.obj.members[k];
        if (x->key_len != y->key_len || memcmp(x->key, y->key, x->key_len) || !cdlt_json_same(x->value, y->value))
          return false;
      }
      return true;
    default:
      return cdlt_json_equal(a, b);
  }
}

static bool same_column(const cdlt_column *a, const cdlt_column *b) {
  if (!a || !b) return a == b;
  return cdlt_json_same(a->json, b->json);
}

/* x-normalizer members other than seen-data (which marks data, not a decision) */
static bool skip_xn_member(const cdlt_json_member *m) { return !strcmp(m->key, "seen-data"); }

static bool same_xn(const cdlt_json_value *p, const cdlt_json_value *q) {
  size_t u = 0, v = 0;
  for (;;) {
    while (u < p->u.obj.len && skip_xn_member(&p->u.obj.members[u])) u++;
    while (v < q->u.obj.len && skip_xn_member(&q->u.obj.members[v])) v++;
    if (u == p->u.obj.len || v == q->u.obj.len) return u == p->u.obj.len && v == q->u.obj.len;
    const cdlt_json_member *pm = &p->u.obj.members[u++], *qm = &q->u.obj.members[v++];
    if (strcmp(pm->key, qm->key) || !cdlt_json_same(pm->value, qm->value)) return false;
  }
}

/* a table member that is not a property to compare: the columns, an x-normalizer holding only seen-data */
static bool skip_table_member(const cdlt_json_member *m) {
  if (!strcmp(m->key, "columns")) return true;
  if (strcmp(m->key, "x-normalizer") || m->value->type != CDLT_JSON_OBJECT) return false;
  for (size_t k = 0; k < m->value->u.obj.len; k++)
    if (!skip_xn_member(&m->value->u.obj.members[k])) return false;
  return true;
}

/* table properties other than the columns and x-normalizer.seen-data, in order */
static bool same_table_props(const cdlt_table *a, const cdlt_table *b) {
  const cdlt_json_value *x = a->json, *y = b->json;
  size_t i = 0, j = 0;
  for (;;) {
    while (i < x->u.obj.len && skip_table_member(&x->u.obj.members[i])) i++;
    while (j < y->u.obj.len && skip_table_member(&y->u.obj.members[j])) j++;
    if (i == x->u.obj.len || j == y->u.obj.len) return i == x->u.obj.len && j == y->u.obj.len;
    const cdlt_json_member *m = &x->u.obj.members[i++], *n = &y->u.obj.members[j++];
    if (strcmp(m->key, n->key)) return false;
    bool xn = !strcmp(m->key, "x-normalizer") && m->value->type == CDLT_JSON_OBJECT && n->value->type == CDLT_JSON_OBJECT;
    if (xn ? !same_xn(m->value, n->value) : !cdlt_json_same(m->value, n->value)) return false;
  }
}

/* the schema document without its tables (the normalizer changes nothing else) */
static bool same_outside_tables(const cdlt_schema *a, const cdlt_schema *b) {
  const cdlt_json_value *x = a->root, *y = b->root;
  if (x->u.obj.len != y->u.obj.len) return false;
  for (size_t k = 0; k < x->u.obj.len; k++) {
    const cdlt_json_member *m = &x->u.obj.members[k], *n = &y->u.obj.members[k];
    if (strcmp(m->key, n->key)) return false;
    if (strcmp(m->key, "tables") && !cdlt_json_same(m->value, n->value)) return false;
  }
  return true;
}

/* whether a schema contract other than evolve governs columns or data types of t (its own
 * schema_contract, its parents', or the schema's) */
static bool contract_limits_columns(const cdlt_schema *s, const cdlt_table *t) {
  const cdlt_json_value *c = NULL;
  for (int guard = 0; t && !c && guard < 10000; guard++) {
    c = cdlt_json_get(t->json, "schema_contract");
    t = t->parent ? cdlt_schema_table(s, t->parent) : NULL;
  }
  if (!c) c = cdlt_json_get(cdlt_json_get(s->root, "settings"), "schema_contract");
  if (!c) return false;
  if (c->type == CDLT_JSON_STRING) return strcmp(c->u.str.ptr, "evolve") != 0;
  const char *cols = cdlt_json_get_str(c, "columns"), *types = cdlt_json_get_str(c, "data_type");
  return (cols && strcmp(cols, "evolve")) || (types && strcmp(types, "evolve"));
}

/* whether table `name` differs between base and m */
static bool table_changed(const cdlt_schema *base, const cdlt_schema *m, const char *name) {
  const cdlt_table *b = cdlt_schema_table(base, name), *t = cdlt_schema_table(m, name);
  if (!b || !t) return b != t;
  return !cdlt_json_same(b->json, t->json);
}

static bool touched(const cdlt_schema *base, const cdlt_schema *chunk, const cdlt_chunk_effects *fx, const char *name) {
  for (size_t k = 0; k < fx->ntables; k++)
    if (!strcmp(fx->tables[k], name)) return true;
  return table_changed(base, chunk, name);
}

/* The checks that do not depend on the replay: false = the chunk must be normalized again. */
static bool chunk_consistent(const cdlt_schema *m, const cdlt_schema *base, const cdlt_schema *chunk,
                             const cdlt_chunk_effects *fx) {
  if (!same_outside_tables(base, chunk)) return false;
  /* tables the earlier chunks changed, as the chunk's rows would have met them */
  for (size_t k = 0; k < m->ntables; k++) {
    const cdlt_table *tm = m->tables[k];
    const cdlt_table *t0 = cdlt_schema_table(base, tm->name);
    if (t0 && cdlt_json_same(t0->json, tm->json)) continue;
    if (!touched(base, chunk, fx, tm->name)) continue;
    /* contracts decided on data the earlier chunks changed */
    if (fx->discarded) return false;
    /* a table that became complete: a columns/data_type contract would now apply to it */
    if ((!t0 || !cdlt_table_is_complete(t0)) && cdlt_table_is_complete(tm) && contract_limits_columns(m, tm)) return false;
    const cdlt_table *tk = cdlt_schema_table(chunk, tm->name);
    for (size_t c = 0; c < tm->ncolumns; c++) {
      const cdlt_column *cm = tm->columns[c];
      const cdlt_column *c0 = t0 ? cdlt_table_column(t0, cm->name, strlen(cm->name)) : NULL;
      if (same_column(c0, cm) || cm->type == CDLT_TYPE_NONE) continue;
      const cdlt_column *ck = tk ? cdlt_table_column(tk, cm->name, strlen(cm->name)) : NULL;
      /* a new primary key column changes the key hash of rows before it existed */
      if (cdlt_json_get_bool(cm->json, "primary_key", false) && !(c0 && cdlt_json_get_bool(c0->json, "primary_key", false)))
        return false;
      if (same_column(ck, cm)) continue;
      /* the chunk did not make this column: a null for a NOT NULL column would have failed, an
       * object for a json column would not have been flattened */
      if (!cm->nullable || cm->type == CDLT_TYPE_JSON) return false;
    }
  }
  return true;
}

/* Replays the chunk's table and column changes onto w (a copy of m). false = conflict. */
static int replay(cdlt_schema *w, const cdlt_schema *m, const cdlt_schema *base, const cdlt_schema *chunk, bool *ok) {
  *ok = false;
  for (size_t k = 0; k < chunk->ntables; k++) {
    const cdlt_table *tk = chunk->tables[k];
    const cdlt_table *t0 = cdlt_schema_table(base, tk->name);
    if (t0 && cdlt_json_same(t0->json, tk->json)) continue;
    const cdlt_table *tm = cdlt_schema_table(m, tk->name);
    if (t0 && !same_table_props(t0, tk)) return 0;
    if (!t0 && tm && !same_table_props(tm, tk)) return 0;
    cdlt_table *tw = cdlt_schema_table(w, tk->name);
    if (!tw) {
      if (tk->parent) {
        if (!cdlt_schema_table(w, tk->parent)) return 0;
        tw = cdlt_schema_add_nested_table(w, tk->name, tk->parent);
      } else {
        tw = cdlt_schema_add_root_table(w, tk->name, cdlt_json_get_str(tk->json, "write_disposition"),
                                        cdlt_json_get_str(tk->json, "resource"));
      }
      if (!tw) return CDLT_ERR_NOMEM;
      if (!same_table_props(tw, tk)) return 0;
    }
    for (size_t c = 0; c < tk->ncolumns; c++) {
      const cdlt_column *ck = tk->columns[c];
      size_t nlen = strlen(ck->name);
      const cdlt_column *c0 = t0 ? cdlt_table_column(t0, ck->name, nlen) : NULL;
      if (same_column(c0, ck)) continue;
      if (c0 && c0->type != CDLT_TYPE_NONE) return 0;   /* the normalizer never changes complete columns */
      if (ck->type == CDLT_TYPE_NONE) return 0;
      const cdlt_column *cm = tm ? cdlt_table_column(tm, ck->name, nlen) : NULL;
      if (!same_column(cm, c0)) {   /* an earlier chunk made it: identical or a conflict */
        if (same_column(cm, ck)) continue;
        return 0;
      }
      cdlt_column *cw = cdlt_table_column(tw, ck->name, nlen);
      cdlt_column *made = cw ? cdlt_schema_complete_column(w, tw, cw, ck->type)
                             : cdlt_schema_add_inferred_column(w, tw, ck->name, ck->type, ck->variant);
      if (!made) return CDLT_ERR_NOMEM;
      if (!cdlt_json_same(made->json, ck->json)) return 0;
    }
    if (cdlt_table_seen_data(tk) && !cdlt_table_seen_data(tw) && cdlt_table_mark_seen_data(w, tw)) return CDLT_ERR_NOMEM;
    if (!tm && !cdlt_json_same(tw->json, tk->json)) return 0;   /* a table new to all: exactly the chunk's */
  }
  *ok = true;
  return 0;
}

int cdlt_schema_merge_chunk(cdlt_schema **merged, const cdlt_schema *base, const cdlt_schema *chunk,
                            const cdlt_chunk_effects *effects, bool *ok, cdlt_error *err) {
  *ok = false;
  if (!chunk_consistent(*merged, base, chunk, effects)) return 0;
  cdlt_schema *w = cdlt_schema_clone(*merged);
  if (!w) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int rc = replay(w, *merged, base, chunk, ok);
  if (rc || !*ok) {
    *ok = false;
    cdlt_schema_free(w);
    return rc ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
  }
  cdlt_schema_free(*merged);
  *merged = w;
  return 0;
}
