/* normalize_template.c — row templates: rows of objects shaped like an earlier one of their table
 * are written from their bytes, without a DOM (normalize.h cdlt_normalizer_try_template; the
 * shape matching is row_template.c). Every row they write is the row normalize.c would write; any
 * value they cannot write the same way sends the object down the general path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json_reader.h"
#include "json/plain_span.h"
#include "json/string_scan.h"
#include "normalize/normalize_internal.h"
#include "schema/coerce.h"
#include "util/faultpoint.h"

void cdlt_norm_tpl_clear(row_tpl *tp) {
  cdlt_row_template_free(tp->shape);
  for (size_t k = 0; k < tp->nemit; k++) free(tp->emit[k].key);
  for (size_t k = 0; k < tp->nlists; k++) free(tp->lists[k].parts);
  free(tp->parts);
  free(tp->emit);
  free(tp->lists);
  free(tp->tail);
  memset(tp, 0, sizeof *tp);
}

/* --- row templates (row_template.h): rows of objects shaped like an earlier one --- */

/* Keeps a template of obj, just normalized without error into a row of table t (a root item when
 * root_table is set, else a list element) flattened with `budget`, whose bytes are raw, when that
 * row can be written again from the slots: obj's bytes match its shape; every field of the row is
 * a scalar of obj under its own column name (no container kept as a json value, no colliding keys,
 * no _dlt_id / _dlt_load_id given by the object); every list it unnests is an array of obj; the
 * dlt columns exist. root_id: the rows of t get a _dlt_root_id (children of a propagating root) or,
 * for a root, its children do. Anything else: no template. */
void cdlt_norm_tpl_learn(cdlt_normalizer *n, cdlt_table *t, const char *root_table, const char *const *parts, size_t nparts,
                      int budget, bool root_id, const cdlt_json_value *obj, const char *raw, size_t raw_len) {
  if (!t || !cdlt_table_is_complete(t)) return;
  bool child = root_table == NULL;
  row_tpl tp = {0};
  tp.id_col = cdlt_table_column(t, "_dlt_id", 7);
  if (child) {
    tp.parent_col = cdlt_table_column(t, "_dlt_parent_id", 14);
    tp.idx_col = cdlt_table_column(t, "_dlt_list_idx", 13);
    tp.root_col = root_id ? cdlt_table_column(t, "_dlt_root_id", 12) : NULL;
    if (!tp.parent_col || !tp.idx_col || tp.parent_col->type == CDLT_TYPE_NONE || tp.idx_col->type == CDLT_TYPE_NONE ||
        (root_id && (!tp.root_col || tp.root_col->type == CDLT_TYPE_NONE)))
      return;
  }
  if (!tp.id_col || tp.id_col->type == CDLT_TYPE_NONE) return;
  const cdlt_json_value **values = cdlt_arena_alloc(&n->arena, CDLT_ROW_TEMPLATE_MAX_SLOTS * sizeof *values);
  size_t nslots = 0;
  if (!values || cdlt_row_template_build(obj, &tp.shape, values, &nslots)) return;
  vec fields = {NULL, 0, 0, sizeof(field)};
  vec lists = {NULL, 0, 0, sizeof(found_list)};
  cdlt_error ignored = {0};
  if (cdlt_row_template_match(tp.shape, raw, raw_len, n->slots) != raw_len ||
      cdlt_norm_flatten(n, t, obj, budget, &fields, &lists, &ignored))
    goto fail;
  size_t nfields = fields.len;
  if (cdlt_norm_dedupe_fields(n, &fields) || fields.len != nfields) goto fail;
  tp.emit = calloc(nfields ? nfields : 1, sizeof *tp.emit);
  tp.lists = calloc(lists.len ? lists.len : 1, sizeof *tp.lists);
  tp.parts = malloc(nparts * sizeof *tp.parts);
  if (!tp.emit || !tp.lists || !tp.parts) goto fail;
  memcpy(tp.parts, parts, nparts * sizeof *tp.parts);
  tp.nparts = nparts;
  const field *fs = fields.items;
  for (size_t k = 0; k < nfields; k++) {
    if (!strcmp(fs[k].name, "_dlt_id") || !strcmp(fs[k].name, "_dlt_load_id")) goto fail;
    size_t sl = 0;
    while (sl < nslots && values[sl] != fs[k].value) sl++;
    if (sl == nslots || cdlt_row_template_is_list(tp.shape, sl)) goto fail;
    tpl_emit *e = &tp.emit[tp.nemit++];
    e->slot = (uint32_t)sl;
    e->c = cdlt_table_column(t, fs[k].name, strlen(fs[k].name));
    cdlt_buf_reset(&n->tmp);
    if (cdlt_json_write_string(&n->tmp, fs[k].name, strlen(fs[k].name)) || cdlt_buf_putc(&n->tmp, ':') ||
        !(e->key = malloc(n->tmp.len)))
      goto fail;
    memcpy(e->key, n->tmp.data, n->tmp.len);
    e->key_len = (uint32_t)n->tmp.len;
  }
  const found_list *ls = lists.items;
  for (size_t k = 0; k < lists.len; k++) {
    size_t sl = 0;
    while (sl < nslots && values[sl] != ls[k].list) sl++;
    if (sl == nslots || !cdlt_row_template_is_list(tp.shape, sl)) goto fail;
    tpl_list *l = &tp.lists[tp.nlists++];
    l->slot = (uint32_t)sl;
    l->child = -1;
    l->nparts = nparts + ls[k].nparts;
    if (!(l->parts = malloc(l->nparts * sizeof *l->parts))) goto fail;
    memcpy(l->parts, parts, nparts * sizeof *l->parts);
    memcpy(l->parts + nparts, ls[k].parts, ls[k].nparts * sizeof *l->parts);
  }
  if (!child) {   /* the row's end as emit_value writes it: `"_dlt_load_id":<id>,"_dlt_id":` */
    const cdlt_column *load_col = cdlt_table_column(t, "_dlt_load_id", 12);
    if (!load_col || load_col->type == CDLT_TYPE_NONE) goto fail;
    cdlt_json_value lid = {.type = CDLT_JSON_STRING};
    lid.u.str.ptr = n->load_id;
    lid.u.str.len = strlen(n->load_id);
    cdlt_buf_reset(&n->tmp);
    if (cdlt_buf_puts(&n->tmp, "\"_dlt_load_id\":") || !cdlt_coerce_write(load_col->type, &lid, &n->tmp) ||
        cdlt_buf_puts(&n->tmp, ",\"_dlt_id\":") || !(tp.tail = malloc(n->tmp.len)))
      goto fail;
    memcpy(tp.tail, n->tmp.data, n->tmp.len);
    tp.tail_len = n->tmp.len;
  }
  tp.root = root_table;
  tp.t = t;
  tp.budget = budget;
  tp.root_id = root_id;
  tp.gen = n->schema_gen;
  tp.used = ++n->tpl_clock;
  row_tpl *slot = &n->tpl[0];   /* an unused or stale entry, else the least recently used */
  for (size_t k = 0; k < ROW_TEMPLATES; k++) {
    row_tpl *e = &n->tpl[k];
    if (e->busy) continue;   /* writing a row now (its lists are being normalized) */
    if (!e->shape || e->gen != n->schema_gen) {
      slot = e;
      break;
    }
    if (slot->busy || e->used < slot->used) slot = e;
  }
  if (slot->busy) goto fail;
  cdlt_norm_tpl_clear(slot);
  *slot = tp;
  return;
fail:
  cdlt_norm_tpl_clear(&tp);
}

/* appends `,"<key>":` (key with its quotes) and value v coerced to type, as emit_value does */
static int put_dlt_value(cdlt_buf *line, const char *key, const cdlt_column *c, const cdlt_json_value *v) {
  if ((line->len > 1 && cdlt_buf_putc(line, ',')) || cdlt_buf_puts(line, key) || cdlt_buf_putc(line, ':')) return 1;
  return cdlt_coerce_write(c->type, v, line) ? 0 : 1;
}

static int tpl_lists(cdlt_normalizer *n, row_tpl *tp, const cdlt_slot *slots, const char *row_id,
                     const char *root_id, cdlt_error *err);

/* Writes the row of the object matched into slots (n->slots is only read before the row's lists,
 * which match their elements into it again) and normalizes its lists. A child row is element
 * list_idx of a list of row parent_id; root_id: the _dlt_root_id of its rows (NULL: none).
 * Returns 1 done, 0 a value the template cannot write (nothing written), < 0 error. */
static int tpl_write(cdlt_normalizer *n, row_tpl *tp, cdlt_slot *slots, const char *parent_id, int64_t list_idx,
                     const char *root_id, cdlt_error *err) {
  cdlt_buf *line = &n->line;
  cdlt_buf_reset(line);
  if (cdlt_buf_putc(line, '{')) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  for (size_t k = 0; k < tp->nemit; k++) {
    const tpl_emit *e = &tp->emit[k];
    const cdlt_slot *s = &slots[e->slot];
    const cdlt_column *c = e->c;
    if (s->kind == CDLT_SLOT_NULL) {   /* as emit_value: nothing, unless the column is not nullable */
      if (c && c->type != CDLT_TYPE_NONE && !c->nullable) return 0;
      continue;
    }
    if (!c || c->type == CDLT_TYPE_NONE) return 0;   /* a new or incomplete column */
    /* the value's own bytes where cdlt_coerce_write writes exactly them: a string without escapes
     * (scanned: no byte the writer escapes) as text, a 64-bit integer's text as bigint, a boolean */
    const char *same = NULL;
    size_t same_len = 0;
    if (c->type == CDLT_TYPE_TEXT && s->kind == CDLT_SLOT_STRING && !s->escaped) same = s->p - 1, same_len = s->len + 2u;
    else if (c->type == CDLT_TYPE_BIGINT && s->small_int) same = s->p, same_len = s->len;
    else if (c->type == CDLT_TYPE_BOOL && (s->kind == CDLT_SLOT_TRUE || s->kind == CDLT_SLOT_FALSE)) same = s->p, same_len = s->len;
    if (cdlt_buf_reserve(line, 1 + e->key_len + same_len)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    char *o = line->data + line->len;
    if (line->len > 1) *o++ = ',';
    memcpy(o, e->key, e->key_len);
    o += e->key_len;
    if (same) {
      memcpy(o, same, same_len);
      line->len = (size_t)(o + same_len - line->data);
      line->data[line->len] = 0;
      continue;
    }
    line->len = (size_t)(o - line->data);
    line->data[line->len] = 0;
    cdlt_json_value v;
    int rc = cdlt_slot_value(s, &n->slot_text, &n->scratch, &v);
    if (rc) return rc == 1 ? 0 : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if (!cdlt_coerce_write(c->type, &v, line)) return 0;   /* a variant (or an error) */
  }
  char id[32];
  cdlt_json_value idv = {.type = CDLT_JSON_STRING};
  idv.u.str.ptr = id;
  if (!tp->root) {   /* a child: _dlt_root_id, _dlt_parent_id, _dlt_list_idx, then _dlt_id = the digest of
                      * "<parent id>_<table>_<list index>" (normalize_row) */
    cdlt_json_value sv = {.type = CDLT_JSON_STRING};
    if (tp->root_id != (root_id != NULL)) return 0;
    if (root_id) {
      sv.u.str.ptr = root_id;
      sv.u.str.len = strlen(root_id);
      if (put_dlt_value(line, "\"_dlt_root_id\"", tp->root_col, &sv)) return 0;
    }
    sv.u.str.ptr = parent_id;
    sv.u.str.len = strlen(parent_id);
    if (put_dlt_value(line, "\"_dlt_parent_id\"", tp->parent_col, &sv)) return 0;
    char idx[24];
    cdlt_json_value iv = {.type = CDLT_JSON_INT};
    size_t il = 0;   /* list_idx >= 0, in decimal */
    for (uint64_t x = (uint64_t)list_idx; il == 0 || x; x /= 10) idx[il++] = (char)('0' + x % 10);
    for (size_t a = 0, b = il - 1; a < b; a++, b--) {
      char c = idx[a];
      idx[a] = idx[b];
      idx[b] = c;
    }
    idx[il] = 0;
    iv.u.num.len = il;
    iv.u.num.text = idx;
    iv.u.num.i = list_idx;
    iv.u.num.d = (double)list_idx;
    if (put_dlt_value(line, "\"_dlt_list_idx\"", tp->idx_col, &iv)) return 0;
    cdlt_buf_reset(&n->tmp);
    if (cdlt_buf_puts(&n->tmp, parent_id) || cdlt_buf_putc(&n->tmp, '_') || cdlt_buf_puts(&n->tmp, tp->t->name) ||
        cdlt_buf_putc(&n->tmp, '_') || cdlt_buf_append(&n->tmp, idx, iv.u.num.len))
      return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    cdlt_digest128_with(n->digest, n->tmp.data, n->tmp.len, 10, id);
    idv.u.str.len = strlen(id);
    if (put_dlt_value(line, "\"_dlt_id\"", tp->id_col, &idv)) return 0;
  } else {
    if (cdlt_random_row_id(id)) return cdlt_error_set(err, CDLT_ERR_INTERNAL, "random number generator failed");
    idv.u.str.len = strlen(id);
    if ((line->len > 1 && cdlt_buf_putc(line, ',')) || cdlt_buf_append(line, tp->tail, tp->tail_len))
      return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if (!cdlt_coerce_write(tp->id_col->type, &idv, line)) return 0;   /* the general path's way (or error) */
    root_id = tp->root_id ? id : NULL;
  }
  if (cdlt_buf_putc(line, '}')) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int rc = n->sink.write_row(n->sink.ctx, tp->t, line->data, line->len, err);
  if (rc) return rc;
  if (cdlt_norm_count_row(n, tp->t->name)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!tp->nlists) return 1;
  tp->busy++;   /* its lists' children may make templates: not in this entry */
  rc = tpl_lists(n, tp, slots, id, root_id, err);
  tp->busy--;
  return rc ? rc : 1;
}

static size_t skip_space(const unsigned char *d, size_t p, size_t end) {
  while (p < end && (d[p] == ' ' || d[p] == '\n' || d[p] == '\r' || d[p] == '\t')) p++;
  return p;
}

/* the error of a list the element walk found malformed: the JSON reader's, as when the list is
 * parsed whole */
static int list_error(cdlt_normalizer *n, const cdlt_slot *s, const char *source, cdlt_error *err) {
  cdlt_json_value *list = NULL;
  int rc = cdlt_json_parse_limits(&n->list_doc, s->p, s->len, source, &cdlt_json_job_limits, &list, err);
  return rc ? rc : cdlt_error_set(err, CDLT_ERR_INTERNAL, "a list of table '%s' could not be walked", source);
}

/* the child template for a row of t flattened with budget that matches at[0..avail) (into
 * n->slots), the one at *hint first; NULL when none */
static row_tpl *child_match(cdlt_normalizer *n, const cdlt_table *t, int budget, int *hint, const char *at, size_t avail,
                            size_t *len) {
  for (int k = -1; k < ROW_TEMPLATES; k++) {
    int at_k = k < 0 ? *hint : k;
    if (at_k < 0 || (k >= 0 && k == *hint)) continue;
    row_tpl *tp = &n->tpl[at_k];
    if (!tp->shape || tp->root || tp->t != t || tp->budget != budget || tp->gen != n->schema_gen) continue;
    if ((*len = cdlt_row_template_match(tp->shape, at, avail, n->slots))) {
      *hint = at_k;
      return tp;
    }
  }
  return NULL;
}

/* The lists of a templated row (normalize_row's order), element by element: an object that matches
 * a child template is written from its bytes; any other element is parsed and normalized as
 * normalize_list does (and an object may become a child template). */
static int tpl_lists(cdlt_normalizer *n, row_tpl *tp, const cdlt_slot *slots, const char *row_id,
                     const char *root_id, cdlt_error *err) {
  /* the lists' slots are copied: the elements' rows match into the normalizer's slot array again */
  cdlt_slot lists[8];
  cdlt_slot *ls = tp->nlists <= 8 ? lists : cdlt_arena_alloc(&n->arena, tp->nlists * sizeof *ls);
  if (!ls) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  for (size_t k = 0; k < tp->nlists; k++) ls[k] = slots[tp->lists[k].slot];
  const cdlt_json_value *root_value = NULL;
  char pid[32], rid[32];
  snprintf(pid, sizeof pid, "%s", row_id);   /* the callers' buffers are reused by the children */
  if (root_id) {
    snprintf(rid, sizeof rid, "%s", root_id);
    root_id = rid;
  }
  int budget = tp->budget - 1;
  for (size_t k = 0; k < tp->nlists; k++) {
    tpl_list *l = &tp->lists[k];
    const cdlt_slot *s = &ls[k];
    const char *table_name = cdlt_norm_join_parts(n, l->parts, l->nparts - 1, l->parts[l->nparts - 1]);
    if (!table_name) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    cdlt_table *ct = cdlt_schema_table(n->schema, table_name);
    /* element by element: `[`, elements separated by `,`, `]` (whitespace allowed around them) */
    const unsigned char *d = (const unsigned char *)s->p;
    size_t end = s->len - 1, p = skip_space(d, 1, end);   /* end: the closing ']' */
    for (size_t i = 0; p < end; i++) {
      const char *at = s->p + p;
      size_t len = 0;
      row_tpl *ctp = ct && *at == '{' ? child_match(n, ct, budget, &l->child, at, end - p, &len) : NULL;
      if (ctp) {
        if (!n->child_templated) {   /* tests: whether child rows take this path (checked at the first) */
          n->child_templated = true;
          int frc = cdlt_fault_point("normalize.child_template", err);
          if (frc) return frc;
        }
        int rc = tpl_write(n, ctp, n->slots, pid, (int64_t)i, root_id, err);
        if (rc < 0) return rc;
        if (rc == 1) {
          ctp->used = ++n->tpl_clock;
          n->child_misses = 0;
          goto next;
        }
      } else {
        size_t e = cdlt_json_value_end(d, p, end + 1);
        if (!e || e == p || e > end) return list_error(n, s, tp->t->name, err);
        len = e - p;
      }
      {   /* the general way for this element (and an object may become a child template) */
        cdlt_json_value *v = NULL;
        if (root_id && !root_value && !(root_value = cdlt_json_cstr(&n->scratch, root_id)))
          return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
        int rc = cdlt_json_parse_limits(&n->list_doc, at, len, tp->t->name, &cdlt_json_job_limits, &v, err);
        if (rc) return list_error(n, s, tp->t->name, err);
        rc = cdlt_norm_list_item(n, v, i, l->parts, l->nparts, tp->t->name, budget, pid, root_value, err);
        if (rc) return rc;
        if (v->type == CDLT_JSON_OBJECT && (++n->child_misses <= 8 || (n->child_misses & 63) == 0)) {
          ct = cdlt_schema_table(n->schema, table_name);   /* the row may have made or changed it */
          cdlt_norm_tpl_learn(n, ct, NULL, l->parts, l->nparts, budget, root_id != NULL, v, at, len);
        }
      }
    next:
      p = skip_space(d, p + len, end);
      if (p == end) break;
      if (d[p] != ',') return list_error(n, s, tp->t->name, err);
      p = skip_space(d, p + 1, end);
      if (p == end) return list_error(n, s, tp->t->name, err);   /* a trailing comma */
    }
  }
  return 0;
}

int cdlt_normalizer_try_template(cdlt_normalizer *n, const char *root_table, const char *at, size_t avail,
                                 size_t *used, cdlt_error *err) {
  /* the most recently matched template first */
  row_tpl *order[ROW_TEMPLATES];
  size_t cand = 0;
  for (size_t k = 0; k < ROW_TEMPLATES; k++) {
    row_tpl *tp = &n->tpl[k];
    if (!tp->shape || !tp->root || tp->gen != n->schema_gen || (tp->root != root_table && strcmp(tp->root, root_table)))
      continue;
    size_t j = cand++;
    while (j && order[j - 1]->used < tp->used) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = tp;
  }
  for (size_t k = 0; k < cand; k++) {
    row_tpl *tp = order[k];
    size_t len = cdlt_row_template_match(tp->shape, at, avail, n->slots);
    if (!len) continue;
    cdlt_arena_reset(&n->arena);
    cdlt_json_doc_reset(&n->scratch);
    cdlt_json_doc_reset(&n->list_doc);
    int rc = tpl_write(n, tp, n->slots, NULL, 0, NULL, err);
    if (rc <= 0) return rc;   /* 0: a value only the general path writes */
    tp->used = ++n->tpl_clock;
    n->tpl_misses = 0;
    *used = len;
    return 1;
  }
  return 0;
}
