/* normalize.c — the relational normalizer: flatten, unnest lists, ids, coercion, variants (the
 * general path; rows shaped like earlier ones go through normalize_template.c). */
#include "normalize/normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize/normalize_internal.h"
#include "schema/coerce.h"

/* --- schema contracts (§10) --- */
enum contract_mode { MODE_EVOLVE = 0, MODE_FREEZE, MODE_DISCARD_ROW, MODE_DISCARD_VALUE };

static int parse_mode(const char *m) {
  if (!m) return MODE_EVOLVE;
  if (!strcmp(m, "freeze")) return MODE_FREEZE;
  if (!strcmp(m, "discard_row")) return MODE_DISCARD_ROW;
  if (!strcmp(m, "discard_value")) return MODE_DISCARD_VALUE;
  return MODE_EVOLVE;
}

static const char *mode_name(int m) {
  static const char *const names[] = {"evolve", "freeze", "discard_row", "discard_value"};
  return names[m];
}

/* the contract of a table: its own schema_contract, else its parent chain's, else the schema
 * settings'; entity = "tables" | "columns" | "data_type" */
static int contract_mode_for(const cdlt_schema *s, const cdlt_table *t, const char *parent, const char *entity) {
  const cdlt_json_value *c = NULL;
  for (int guard = 0; !c && guard < 1000; guard++) {
    if (!t && parent) t = cdlt_schema_table(s, parent);
    if (!t) break;
    c = cdlt_json_get(t->json, "schema_contract");
    parent = t->parent;
    t = NULL;
    if (!parent) break;
  }
  if (!c) c = cdlt_json_get(cdlt_json_get(s->root, "settings"), "schema_contract");
  if (!c) return MODE_EVOLVE;
  if (c->type == CDLT_JSON_STRING) return parse_mode(c->u.str.ptr);
  return parse_mode(cdlt_json_get_str(c, entity));
}

static bool is_dlt_name(const char *name) { return strncmp(name, "_dlt", 4) == 0; }

/* DataValidationError of dlt (§10), as CDLT_ERR_CONTRACT */
static int contract_violation(const cdlt_normalizer *n, const char *table, const char *column, const char *entity,
                              int mode, const char *details, cdlt_error *err) {
  if (column)
    return cdlt_error_set(err, CDLT_ERR_CONTRACT,
                          "In schema `%s`: In Table: `%s` Column: `%s` . Contract on `%s` with `contract_mode='%s'` is "
                          "violated. %s",
                          cdlt_schema_name(n->schema), table, column, entity, mode_name(mode), details);
  return cdlt_error_set(err, CDLT_ERR_CONTRACT,
                        "In schema `%s`: In Table: `%s` . Contract on `%s` with `contract_mode='%s'` is violated. %s",
                        cdlt_schema_name(n->schema), table, entity, mode_name(mode), details);
}

uint64_t cdlt_normalizer_discarded_rows(const cdlt_normalizer *n) { return n->discarded_rows; }
uint64_t cdlt_normalizer_discarded_values(const cdlt_normalizer *n) { return n->discarded_values; }

int cdlt_norm_vec_push(cdlt_arena *a, vec *v, const void *item) {
  if (v->len == v->cap) {
    size_t ncap = v->cap ? v->cap * 2 : 16;
    void *p = cdlt_arena_alloc(a, ncap * v->elem);
    if (!p) return CDLT_ERR_NOMEM;
    if (v->len) memcpy(p, v->items, v->len * v->elem);
    v->items = p;
    v->cap = ncap;
  }
  memcpy((char *)v->items + v->len * v->elem, item, v->elem);
  v->len++;
  return 0;
}

static int ensure_merge_propagation(cdlt_schema *s, cdlt_error *err);

int cdlt_normalizer_new(cdlt_normalizer **out, cdlt_schema *schema, const char *load_id,
                        const cdlt_row_sink *sink, size_t max_identifier_length, cdlt_error *err) {
  cdlt_normalizer *n = calloc(1, sizeof *n);
  if (!n) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  n->schema = schema;
  n->sink = *sink;
  const char *names = cdlt_json_get_str(cdlt_json_get(schema->root, "normalizers"), "names");
  const cdlt_naming *conv = cdlt_naming_find(names ? names : "snake_case");
  if (!conv) {
    free(n);
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "unknown naming convention '%s' in schema '%s'", names,
                          cdlt_schema_name(schema));
  }
  n->naming = cdlt_naming_ctx_make(conv, max_identifier_length);
  snprintf(n->load_id, sizeof n->load_id, "%s", load_id);
  cdlt_strmap_init(&n->key_cache);
  cdlt_strmap_init(&n->table_key_cache);
  cdlt_strmap_init(&n->join_cache);
  cdlt_strmap_init(&n->root_names);
  cdlt_buf_init(&n->join_key);
  cdlt_strmap_init(&n->stats_by_name);
  cdlt_arena_init(&n->arena, 0);
  cdlt_json_doc_init(&n->scratch);
  cdlt_buf_init(&n->line);
  cdlt_buf_init(&n->name);
  cdlt_buf_init(&n->tmp);
  n->digest = cdlt_digest_ctx_new();
  cdlt_json_doc_init(&n->list_doc);
  cdlt_buf_init(&n->slot_text);
  n->slots = malloc(CDLT_ROW_TEMPLATE_MAX_SLOTS * sizeof *n->slots);
  if (!n->digest || !n->slots) {
    cdlt_normalizer_free(n);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  int prc = ensure_merge_propagation(schema, err);
  if (prc) {
    cdlt_normalizer_free(n);
    return prc;
  }
  *out = n;
  return 0;
}

static void free_cache_values(cdlt_strmap *m) {
  for (size_t k = 0; k < m->cap; k++)
    if (m->slots[k].key) free(m->slots[k].value);
  cdlt_strmap_release(m);
}

void cdlt_normalizer_free(cdlt_normalizer *n) {
  if (!n) return;
  for (size_t k = 0; k < ROW_TEMPLATES; k++) cdlt_norm_tpl_clear(&n->tpl[k]);
  free(n->slots);
  cdlt_json_doc_release(&n->list_doc);
  cdlt_buf_release(&n->slot_text);
  free_cache_values(&n->key_cache);
  free_cache_values(&n->table_key_cache);
  free_cache_values(&n->join_cache);
  free_cache_values(&n->root_names);
  cdlt_buf_release(&n->join_key);
  cdlt_strmap_release(&n->stats_by_name);
  for (size_t k = 0; k < n->nstats; k++) free(n->stats[k].name);
  free(n->stats);
  cdlt_arena_release(&n->arena);
  cdlt_json_doc_release(&n->scratch);
  cdlt_buf_release(&n->line);
  cdlt_buf_release(&n->name);
  cdlt_buf_release(&n->tmp);
  cdlt_digest_ctx_free(n->digest);
  free(n);
}

size_t cdlt_normalizer_table_count(const cdlt_normalizer *n) { return n->nstats; }
const char *cdlt_normalizer_table_name(const cdlt_normalizer *n, size_t i) { return n->stats[i].name; }
uint64_t cdlt_normalizer_table_rows(const cdlt_normalizer *n, size_t i) { return n->stats[i].rows; }

int cdlt_norm_count_row(cdlt_normalizer *n, const char *table) {
  if (n->last_counted && (n->last_counted == table || !strcmp(n->last_counted, table))) {
    n->stats[n->last_counted_idx].rows++;
    return 0;
  }
  size_t len = strlen(table);
  uintptr_t idx = (uintptr_t)cdlt_strmap_get(&n->stats_by_name, table, len);  /* index + 1 */
  if (idx) {
    n->stats[idx - 1].rows++;
    n->last_counted = n->stats[idx - 1].name;
    n->last_counted_idx = idx - 1;
    return 0;
  }
  if (n->nstats == n->stats_cap) {
    size_t ncap = n->stats_cap ? n->stats_cap * 2 : 8;
    table_stat *p = realloc(n->stats, ncap * sizeof *p);
    if (!p) return CDLT_ERR_NOMEM;
    n->stats = p;
    n->stats_cap = ncap;
  }
  n->stats[n->nstats].name = strdup(table);
  if (!n->stats[n->nstats].name) return CDLT_ERR_NOMEM;
  n->stats[n->nstats].rows = 1;
  n->nstats++;
  return cdlt_strmap_put(&n->stats_by_name, table, len, (void *)(uintptr_t)n->nstats) ? CDLT_ERR_NOMEM : 0;
}

static bool column_memo_hit(const cdlt_normalizer *n, struct column_memo *m, const cdlt_table *t, const char *name) {
  if (m->t == t && m->gen == n->schema_gen && m->c && (m->name == name || !strcmp(m->c->name, name))) {
    m->name = name;
    return true;
  }
  return false;
}

/* cdlt_table_column through the memo: rows repeat the same (table, column) pairs. The memo also
 * holds the name encoded as a JSON key for emit_value. Two ways per set (slots i and i + 1, the
 * newest entry in i): the slot comes from addresses, and with one way two columns of a table
 * sharing a slot (a third of the runs for 26 columns) missed on every row. */
static struct column_memo *column_lookup(cdlt_normalizer *n, const cdlt_table *t, const char *name) {
  uintptr_t h = ((uintptr_t)t * 0x9E3779B97F4A7C15ULL) ^ ((uintptr_t)name * 0xC2B2AE3D27D4EB4FULL);
  struct column_memo *m = &n->column_memo[(h >> 20) & (COLUMN_MEMO_SIZE - 2)];
  if (column_memo_hit(n, &m[0], t, name)) return &m[0];
  if (column_memo_hit(n, &m[1], t, name)) return &m[1];
  m[1] = m[0];
  size_t len = strlen(name);
  m->t = t;
  m->name = name;
  m->c = cdlt_table_column(t, name, len);
  m->gen = n->schema_gen;
  m->key_len = 0;
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (!cdlt_json_write_string(&b, name, len) && !cdlt_buf_putc(&b, ':') && b.len <= sizeof m->key) {
    memcpy(m->key, b.data, b.len);
    m->key_len = (uint8_t)b.len;
  }
  cdlt_buf_release(&b);
  return m;
}

/* The first and last (up to) 8 bytes of a key as two words (overlapping for 8..15 bytes, zero
 * beyond a shorter key): equal words and lengths mean equal keys of up to 16 bytes. */
static inline void key_words(const char *key, size_t len, uint64_t *head, uint64_t *tail) {
  uint64_t a = 0, b = 0;
  if (len >= 8) {
    memcpy(&a, key, 8);
    memcpy(&b, key + len - 8, 8);
  } else if (len >= 4) {   /* two overlapping loads, as for >= 8 */
    uint32_t x, y;
    memcpy(&x, key, 4);
    memcpy(&y, key + len - 4, 4);
    a = x;
    b = y;
  } else if (len >= 2) {
    uint16_t x, y;
    memcpy(&x, key, 2);
    memcpy(&y, key + len - 2, 2);
    a = x;
    b = y;
  } else if (len == 1) {
    a = (unsigned char)key[0];
  }
  *head = a;
  *tail = b;
}

/* cheap hash of a raw key for the key memo: its length and first and last bytes */
static inline size_t key_slot_of(uint64_t head, uint64_t tail, size_t len) {
  uint64_t h = (head * 0x9E3779B97F4A7C15ULL) ^ (tail * 0xC2B2AE3D27D4EB4FULL) ^ (len * 0x165667B19E3779F9ULL);
  return (size_t)(h >> 40) & (KEY_MEMO_SIZE - 1);
}

static size_t key_memo_slot(const char *key, size_t len) {
  uint64_t a, b;
  key_words(key, len, &a, &b);
  return key_slot_of(a, b, len);
}

/* normalized form of a data key (normalize_path; blank key → "_empty"), cached */
static const char *norm_key(cdlt_normalizer *n, const char *key, size_t len, bool for_table, cdlt_error *err) {
  struct key_memo *memo = NULL;
  uint64_t head = 0, tail = 0;
  if (!for_table) {
    key_words(key, len, &head, &tail);
    memo = &n->key_memo[key_slot_of(head, tail, len)];
    if (memo->raw && memo->len == len && memo->head == head && memo->tail == tail &&
        (len <= 16 || !memcmp(memo->raw + 8, key + 8, len - 16)))
      return memo->norm;
  }
  cdlt_strmap *cache = for_table ? &n->table_key_cache : &n->key_cache;
  const char *hit = cdlt_strmap_get(cache, key, len);
  if (hit) {
    if (memo) {   /* the map owns a copy of the key: remember that one */
      memo->raw = cdlt_strmap_key(cache, key, len);
      memo->len = len;
      memo->norm = hit;
      memo->head = head;
      memo->tail = tail;
    }
    return hit;
  }
  bool blank = true;
  for (size_t k = 0; k < len && blank; k++)
    if (key[k] != ' ' && key[k] != '\t' && key[k] != '\n' && key[k] != '\r' && key[k] != '\f' && key[k] != '\v')
      blank = false;
  cdlt_buf_reset(&n->tmp);
  int rc;
  if (blank) rc = cdlt_buf_puts(&n->tmp, "_empty");
  else if (for_table) rc = cdlt_naming_normalize_tables_path(&n->naming, key, len, &n->tmp, err);
  else rc = cdlt_naming_normalize_path(&n->naming, key, len, &n->tmp, err);
  if (rc) return NULL;
  char *copy = strdup(n->tmp.data ? n->tmp.data : "");
  if (!copy || cdlt_strmap_put(cache, key, len, copy)) {
    free(copy);
    cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    return NULL;
  }
  return copy;
}

static const char *join_parts_slow(cdlt_normalizer *n, const char *const *parts, size_t nparts, const char *last,
                                   size_t count);

/* shorten_fragments(parts..., last), cached for the normalizer's lifetime: the same paths come
 * back on every row, and shortening (which may hash long names) is the expensive part */
const char *cdlt_norm_join_parts(cdlt_normalizer *n, const char *const *parts, size_t nparts, const char *last) {
  size_t count = nparts + (last ? 1 : 0);
  if (count == 1) return nparts ? parts[0] : last;
  /* every part is an interned string (the key caches, this cache, the interned root table), so
   * the same pointers mean the same text */
  struct join_memo *memo = NULL;
  if (count <= JOIN_MEMO_PARTS) {
    uint64_t h = count;
    for (size_t k = 0; k < nparts; k++) h = (h ^ (uintptr_t)parts[k]) * 0x9E3779B97F4A7C15ULL;
    if (last) h = (h ^ (uintptr_t)last) * 0x9E3779B97F4A7C15ULL;
    memo = &n->join_memo[(h >> 40) & (JOIN_MEMO_SIZE - 1)];
    if (memo->count == count) {
      bool same = true;
      for (size_t k = 0; k < nparts && same; k++) same = memo->parts[k] == parts[k];
      if (same && (!last || memo->parts[nparts] == last)) return memo->joined;
    }
  }
  const char *joined = join_parts_slow(n, parts, nparts, last, count);
  if (memo && joined) {
    memo->count = count;
    for (size_t k = 0; k < nparts; k++) memo->parts[k] = parts[k];
    if (last) memo->parts[nparts] = last;
    memo->joined = joined;
  }
  return joined;
}

static const char *join_parts_slow(cdlt_normalizer *n, const char *const *parts, size_t nparts, const char *last,
                                   size_t count) {
  cdlt_buf *key = &n->join_key;
  cdlt_buf_reset(key);
  for (size_t k = 0; k < nparts; k++)
    if ((k && cdlt_buf_putc(key, '\x1f')) || cdlt_buf_puts(key, parts[k])) return NULL;
  if (last && ((nparts && cdlt_buf_putc(key, '\x1f')) || cdlt_buf_puts(key, last))) return NULL;
  const char *hit = cdlt_strmap_get(&n->join_cache, key->data, key->len);
  if (hit) return hit;
  const char *small[64];
  const char **all = count <= 64 ? small : cdlt_arena_alloc(&n->arena, count * sizeof *all);
  if (!all) return NULL;
  for (size_t k = 0; k < nparts; k++) all[k] = parts[k];
  if (last) all[nparts] = last;
  cdlt_buf_reset(&n->name);
  if (cdlt_naming_shorten_fragments(&n->naming, all, NULL, count, &n->name)) return NULL;
  char *copy = strdup(n->name.data ? n->name.data : "");
  if (!copy || cdlt_strmap_put(&n->join_cache, key->data, key->len, copy)) {
    free(copy);
    return NULL;
  }
  return copy;
}

static int table_max_nesting(const cdlt_normalizer *n, const cdlt_table *root) {
  if (root) {
    cdlt_json_value *mn = cdlt_json_get(cdlt_json_get(root->json, "x-normalizer"), "max_nesting");
    if (mn && mn->type == CDLT_JSON_INT) return (int)mn->u.num.i;
  }
  cdlt_json_value *cfg = cdlt_json_get(cdlt_json_get(cdlt_json_get(n->schema->root, "normalizers"), "json"), "config");
  cdlt_json_value *mn = cdlt_json_get(cfg, "max_nesting");
  if (mn && mn->type == CDLT_JSON_INT) return (int)mn->u.num.i;
  return DEFAULT_MAX_NESTING;
}

static bool is_nested_type(const cdlt_table *t, const char *column, int budget) {
  if (budget <= 0) return true;
  if (!t) return false;
  const cdlt_column *c = cdlt_table_column(t, column, strlen(column));
  return c && c->type == CDLT_TYPE_JSON;
}

/* Flattens obj into fields and lists (dlt's explicit LIFO stack, §3.1). */
int cdlt_norm_flatten(cdlt_normalizer *n, const cdlt_table *t, const cdlt_json_value *obj, int budget,
                   vec *fields, vec *lists, cdlt_error *err) {
  typedef struct frame {
    const cdlt_json_value *obj;
    const char **path;
    size_t npath;
    int budget;
  } frame;
  vec stack = {NULL, 0, 0, sizeof(frame)};
  frame first = {obj, NULL, 0, budget};
  if (cdlt_norm_vec_push(&n->arena, &stack, &first)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  while (stack.len) {
    frame f = ((frame *)stack.items)[--stack.len];
    for (size_t k = 0; k < f.obj->u.obj.len; k++) {
      const cdlt_json_member *m = &f.obj->u.obj.members[k];
      const char *nk = norm_key(n, m->key, m->key_len, false, err);
      if (!nk) return err ? err->code : CDLT_ERR_INTERNAL;
      const cdlt_json_value *v = m->value;
      const char *col = f.npath ? cdlt_norm_join_parts(n, f.path, f.npath, nk) : nk;
      if (!col) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      if ((v->type == CDLT_JSON_OBJECT || v->type == CDLT_JSON_ARRAY) && !is_nested_type(t, col, f.budget)) {
        if (v->type == CDLT_JSON_OBJECT) {
          const char **path = cdlt_arena_alloc(&n->arena, (f.npath + 1) * sizeof *path);
          if (!path) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
          if (f.npath) memcpy(path, f.path, f.npath * sizeof *path);
          path[f.npath] = nk;
          frame child = {v, path, f.npath + 1, f.budget - 1};
          if (cdlt_norm_vec_push(&n->arena, &stack, &child)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
        } else {
          const char *tk = norm_key(n, m->key, m->key_len, true, err);
          if (!tk) return err ? err->code : CDLT_ERR_INTERNAL;
          const char **parts = cdlt_arena_alloc(&n->arena, (f.npath + 1) * sizeof *parts);
          if (!parts) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
          if (f.npath) memcpy(parts, f.path, f.npath * sizeof *parts);
          parts[f.npath] = tk;
          found_list fl = {parts, f.npath + 1, v};
          if (cdlt_norm_vec_push(&n->arena, lists, &fl)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
        }
        continue;
      }
      field fd = {col, v};
      if (cdlt_norm_vec_push(&n->arena, fields, &fd)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    }
  }
  return 0;
}

/* Adds one value of column `name` to the row line, creating/typing columns and variants. */
static int emit_value(cdlt_normalizer *n, cdlt_table *t, const char *name, const cdlt_json_value *v, cdlt_error *err) {
  cdlt_schema *s = n->schema;
  struct column_memo *memo = column_lookup(n, t, name);
  cdlt_column *c = memo->c;
  /* copied: adding a column below may reuse the memo slot. Whole-array copies: a copy of key_len
   * bytes (at most 55) compiles to `rep movsq`, which took 16% of the normalize stage's CPU. */
  char key[sizeof memo->key];
  size_t key_len = memo->key_len;
  memcpy(key, memo->key, sizeof key);
  if (cdlt_value_is_null(v)) {
    if (c && c->type != CDLT_TYPE_NONE && !c->nullable)
      return cdlt_error_set(err, CDLT_ERR_SCHEMA,
                            "cannot coerce null in table '%s' column '%s': the column is not nullable", t->name, name);
    return 0;
  }
  if (!c && !n->rc.table_new && n->rc.columns != MODE_EVOLVE && !is_dlt_name(name)) {
    /* a genuinely new column on an existing table (§10 columns) */
    if (n->rc.columns == MODE_FREEZE) {
      char details[512];
      snprintf(details, sizeof details, "Can't add table column `%s` to table `%s` because `columns` are frozen.", name, t->name);
      return contract_violation(n, t->name, name, "columns", MODE_FREEZE, details, err);
    }
    if (n->rc.columns == MODE_DISCARD_ROW) n->rc.drop = true;
    else n->discarded_values++;
    return 0;
  }
  if (!c) {
    n->schema_gen++;
    c = cdlt_schema_add_inferred_column(s, t, name, cdlt_infer_type(s, v), false);
    if (!c) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  } else if (c->type == CDLT_TYPE_NONE) {
    /* incomplete column: complete it with the inferred type, keeping its hints (§3.8) */
    n->schema_gen++;
    if (!cdlt_schema_complete_column(s, t, c, cdlt_infer_type(s, v))) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  size_t mark = n->line.len;
  if (key_len) {   /* `,"name":` with one fixed-size copy into reserved room; len then counts key_len */
    if (cdlt_buf_reserve(&n->line, 1 + sizeof key)) return CDLT_ERR_NOMEM;
    char *p = n->line.data + n->line.len;
    if (n->line.len > 1) *p++ = ',';
    memcpy(p, key, sizeof key);
    n->line.len = (size_t)(p - n->line.data) + key_len;
    n->line.data[n->line.len] = 0;
  } else if ((n->line.len > 1 && cdlt_buf_putc(&n->line, ',')) || cdlt_json_write_string(&n->line, name, strlen(name)) ||
             cdlt_buf_putc(&n->line, ':'))
    return CDLT_ERR_NOMEM;
  if (cdlt_coerce_write(c->type, v, &n->line)) return 0;
  if (v->type == CDLT_JSON_BIGINT && c->type == CDLT_TYPE_BIGINT)
    return cdlt_error_set(err, CDLT_ERR_SCHEMA,
                          "integer %.*s in table '%s' column '%s' does not fit a signed 64-bit bigint: enable the "
                          "large_integer detection or hint the column as wei, decimal or text",
                          (int)(v->u.num.len > 60 ? 60 : v->u.num.len), v->u.num.text, t->name, name);

  /* does not fit: the variant column <name>__v_<py type> (§3.6) */
  n->line.len = mark;
  n->line.data[mark] = 0;
  char suffix[16];
  snprintf(suffix, sizeof suffix, "v_%s", cdlt_value_py_type(v));
  const char *parts[2] = {name, suffix};
  cdlt_buf_reset(&n->name);
  if (cdlt_naming_shorten_fragments(&n->naming, parts, NULL, 2, &n->name)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  char *vname = cdlt_arena_strndup(&n->arena, n->name.data, n->name.len);
  if (!vname) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_column *vc = cdlt_table_column(t, vname, n->name.len);
  if (!vc && n->rc.data_type != MODE_EVOLVE && !is_dlt_name(name)) {
    /* a variant column is a data type change (§10 data_type) */
    if (n->rc.data_type == MODE_FREEZE) {
      char details[512];
      snprintf(details, sizeof details, "Can't add variant column `%s` for table `%s` because `data_types` are frozen.",
               vname, t->name);
      return contract_violation(n, t->name, name, "data_type", MODE_FREEZE, details, err);
    }
    if (n->rc.data_type == MODE_DISCARD_ROW) n->rc.drop = true;
    else n->discarded_values++;
    return 0;
  }
  if (!vc) {
    n->schema_gen++;
    vc = cdlt_schema_add_inferred_column(s, t, vname, cdlt_infer_type(s, v), true);
    if (!vc) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  if (n->line.len > 1 && cdlt_buf_putc(&n->line, ',')) return CDLT_ERR_NOMEM;
  if (cdlt_json_write_string(&n->line, vname, strlen(vname)) || cdlt_buf_putc(&n->line, ':')) return CDLT_ERR_NOMEM;
  if (cdlt_coerce_write(vc->type, v, &n->line)) return 0;
  return cdlt_error_set(err, CDLT_ERR_SCHEMA, "cannot coerce type %s to %s in table '%s' column '%s'",
                        cdlt_value_py_type(v), cdlt_data_type_name(vc->type), t->name, vname);
}

/* --- merge: root row ids (§3.3) and root key propagation (§3.5) --- */

/* How the root `_dlt_id` is made: key hash (upsert, insert-only), row hash (scd2 whose row version
 * column is _dlt_id) or random. */
typedef enum row_id_kind { ROW_ID_RANDOM, ROW_ID_KEY_HASH, ROW_ID_ROW_HASH } row_id_kind;

static row_id_kind root_row_id_kind(const cdlt_table *t) {
  const char *wd = cdlt_json_get_str(t->json, "write_disposition");
  const char *strategy = cdlt_json_get_str(t->json, "x-merge-strategy");
  if (!wd || strcmp(wd, "merge") || !strategy) return ROW_ID_RANDOM;
  if (!strcmp(strategy, "upsert") || !strcmp(strategy, "insert-only")) return ROW_ID_KEY_HASH;
  if (!strcmp(strategy, "scd2")) {
    for (size_t k = 0; k < t->ncolumns; k++)   /* incomplete columns count too */
      if (cdlt_json_get_bool(t->columns[k]->json, "x-row-version", false))
        return strcmp(t->columns[k]->name, "_dlt_id") ? ROW_ID_RANDOM : ROW_ID_ROW_HASH;
  }
  return ROW_ID_RANDOM;
}

static int cmp_field_name(const void *a, const void *b) {
  return strcmp(((const field *)a)->name, ((const field *)b)->name);
}

/* digest128b of the compact, key-sorted JSON of: the primary-key fields of the flattened row (key
 * hash) or the original item without top-level "_dlt*" keys (row hash). */
static int root_row_id(cdlt_normalizer *n, const cdlt_table *t, const cdlt_json_value *item, const field *fields,
                       size_t nfields, char id[32], cdlt_error *err) {
  row_id_kind kind = root_row_id_kind(t);
  if (kind == ROW_ID_RANDOM) {
    if (cdlt_random_row_id(id)) return cdlt_error_set(err, CDLT_ERR_INTERNAL, "random number generator failed");
    return 0;
  }
  cdlt_buf_reset(&n->tmp);
  int rc = 0;
  if (kind == ROW_ID_ROW_HASH) {
    cdlt_json_value *copy = cdlt_json_object(&n->scratch);
    for (size_t k = 0; !rc && copy && k < item->u.obj.len; k++) {
      const cdlt_json_member *m = &item->u.obj.members[k];
      if (m->key_len >= 4 && !memcmp(m->key, "_dlt", 4)) continue;
      rc = cdlt_json_object_add(&n->scratch, copy, m->key, m->key_len, m->value);
    }
    if (!copy || rc || cdlt_json_write(&n->tmp, copy, CDLT_JSON_WRITE_SORT_KEYS))
      return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  } else {
    field *pk = cdlt_arena_alloc(&n->arena, (nfields + 1) * sizeof *pk);
    size_t npk = 0;
    if (!pk) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < nfields; k++) {
      const cdlt_column *c = cdlt_table_column(t, fields[k].name, strlen(fields[k].name));
      if (c && cdlt_json_get_bool(c->json, "primary_key", false)) pk[npk++] = fields[k];
    }
    if (npk == 0)
      return cdlt_error_set(err, CDLT_ERR_SCHEMA, "table '%s' with merge strategy '%s' needs a primary key value in every row",
                            t->name, cdlt_json_get_str(t->json, "x-merge-strategy"));
    qsort(pk, npk, sizeof *pk, cmp_field_name);
    rc = cdlt_buf_putc(&n->tmp, '{');
    for (size_t k = 0; !rc && k < npk; k++) {
      if (k) rc = cdlt_buf_putc(&n->tmp, ',');
      if (!rc) rc = cdlt_json_write_string(&n->tmp, pk[k].name, strlen(pk[k].name));
      if (!rc) rc = cdlt_buf_putc(&n->tmp, ':');
      if (!rc) rc = cdlt_json_write(&n->tmp, pk[k].value, CDLT_JSON_WRITE_SORT_KEYS);
    }
    if (rc || cdlt_buf_putc(&n->tmp, '}')) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  cdlt_digest128_with(n->digest, n->tmp.data, n->tmp.len, 10, id);
  return 0;
}

/* dlt's extend_table: a merge root with strategy delete-insert / upsert / insert-only propagates its
 * `_dlt_id` to every descendant as `_dlt_root_id`, recorded in normalizers.json.config.propagation. */
static int ensure_merge_propagation(cdlt_schema *s, cdlt_error *err) {
  for (size_t k = 0; k < s->ntables; k++) {
    cdlt_table *t = s->tables[k];
    if (t->parent) continue;
    const char *wd = cdlt_json_get_str(t->json, "write_disposition");
    const char *strategy = cdlt_json_get_str(t->json, "x-merge-strategy");
    if (!wd || strcmp(wd, "merge") || (strategy && !strcmp(strategy, "scd2"))) continue;
    cdlt_json_value *norm = cdlt_json_get_or_add_object(&s->doc, s->root, "normalizers");
    cdlt_json_value *json = norm ? cdlt_json_get_or_add_object(&s->doc, norm, "json") : NULL;
    cdlt_json_value *cfg = json ? cdlt_json_get_or_add_object(&s->doc, json, "config") : NULL;
    cdlt_json_value *prop = cfg ? cdlt_json_get_or_add_object(&s->doc, cfg, "propagation") : NULL;
    cdlt_json_value *tabs = prop ? cdlt_json_get_or_add_object(&s->doc, prop, "tables") : NULL;
    cdlt_json_value *mine = tabs ? cdlt_json_get_or_add_object(&s->doc, tabs, t->name) : NULL;
    if (!mine) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if (cdlt_json_is_str(cdlt_json_get(mine, "_dlt_id"), "_dlt_root_id")) continue;
    cdlt_json_value *as = cdlt_json_cstr(&s->doc, "_dlt_root_id");
    if (!as || cdlt_json_object_set(&s->doc, mine, "_dlt_id", as)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  return 0;
}

static int normalize_row(cdlt_normalizer *n, const cdlt_json_value *obj, const char **table_parts, size_t ntable_parts,
                         const char *parent_table, int budget, const char *parent_id, int64_t list_idx,
                         const cdlt_json_value *root_id, cdlt_error *err);

/* Keys that collide after normalization ("A b", "a_b", "aB" -> a_b) are one column: the last
 * value wins at the position of the first, as a Python dict assignment does in dlt. */
int cdlt_norm_dedupe_fields(cdlt_normalizer *n, vec *fields) {
  field *fs = fields->items;
  size_t len = fields->len, out = 0;
  if (len < 2) return 0;
  if (len <= 8) {   /* small rows: pairwise is cheaper than a table */
    for (size_t k = 0; k < len; k++) {
      size_t j = 0;
      while (j < out && strcmp(fs[j].name, fs[k].name) != 0) j++;
      if (j < out) fs[j].value = fs[k].value;
      else fs[out++] = fs[k];
    }
    fields->len = out;
    return 0;
  }
  /* wide rows: an open-addressing table of field indexes in the item arena (no key copies) */
  size_t cap = 64;
  while (cap < len * 2) cap *= 2;
  uint32_t *slot = cdlt_arena_alloc(&n->arena, cap * sizeof *slot);   /* index + 1, 0 = empty */
  if (!slot) return CDLT_ERR_NOMEM;
  memset(slot, 0, cap * sizeof *slot);
  for (size_t k = 0; k < len; k++) {
    size_t i = key_memo_slot(fs[k].name, strlen(fs[k].name)) & (cap - 1);
    while (slot[i] && strcmp(fs[slot[i] - 1].name, fs[k].name) != 0) i = (i + 1) & (cap - 1);
    if (slot[i]) {
      fs[slot[i] - 1].value = fs[k].value;
      continue;
    }
    fs[out] = fs[k];
    slot[i] = (uint32_t)(out + 1);
    out++;
  }
  fields->len = out;
  return 0;
}

/* element i of a list (§3.2): an object is a row; a scalar becomes {"value": v}, a nested list
 * {"list": v} one level deeper */
int cdlt_norm_list_item(cdlt_normalizer *n, const cdlt_json_value *v, size_t i, const char **table_parts,
                               size_t ntable_parts, const char *parent_table, int budget, const char *parent_id,
                               const cdlt_json_value *root_id, cdlt_error *err) {
  if (v->type == CDLT_JSON_OBJECT)
    return normalize_row(n, v, table_parts, ntable_parts, parent_table, budget, parent_id, (int64_t)i, root_id, err);
  cdlt_json_value *wrap = cdlt_json_object(&n->scratch);
  bool nested = v->type == CDLT_JSON_ARRAY;
  if (!wrap || cdlt_json_object_add(&n->scratch, wrap, nested ? "list" : "value", nested ? 4 : 5, (cdlt_json_value *)v))
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  return normalize_row(n, wrap, table_parts, ntable_parts, parent_table, nested ? budget - 1 : budget, parent_id,
                       (int64_t)i, root_id, err);
}

int cdlt_norm_list(cdlt_normalizer *n, const cdlt_json_value *list, const char **table_parts, size_t ntable_parts,
                          const char *parent_table, int budget, const char *parent_id, const cdlt_json_value *root_id,
                          cdlt_error *err) {
  for (size_t i = 0; i < list->u.arr.len; i++) {
    int rc = cdlt_norm_list_item(n, list->u.arr.items[i], i, table_parts, ntable_parts, parent_table, budget, parent_id,
                                 root_id, err);
    if (rc) return rc;
  }
  return 0;
}

/* what normalize_row reads from the schema document for a row of t, memoized per schema_gen */
static struct contract_memo *contract_memo_of(cdlt_normalizer *n, const cdlt_table *t) {
  cdlt_schema *s = n->schema;
  struct contract_memo *cm = &n->contract_memo[((uintptr_t)t >> 4) & (CONTRACT_MEMO_SIZE - 1)];
  if (cm->t != t || cm->gen != n->schema_gen) {
    cm->t = t;
    cm->gen = n->schema_gen;
    cm->columns = contract_mode_for(s, t, NULL, "columns");
    cm->data_type = contract_mode_for(s, t, NULL, "data_type");
    cm->evolve_once = cdlt_json_get_bool(cdlt_json_get(t->json, "x-normalizer"), "evolve-columns-once", false);
    /* root key propagation (§3.5): normalizers.json.config.propagation */
    cdlt_json_value *config = cdlt_json_get(cdlt_json_get(cdlt_json_get(s->root, "normalizers"), "json"), "config");
    cdlt_json_value *prop = cdlt_json_get(config, "propagation");
    cdlt_json_value *tp = cdlt_json_get(cdlt_json_get(prop, "tables"), t->name);
    cdlt_json_value *rp = cdlt_json_get(prop, "root");
    cm->propagate_root_id = (tp && cdlt_json_get(tp, "_dlt_id")) || (rp && cdlt_json_get(rp, "_dlt_id")) ||
                            cdlt_json_get_bool(config, "root_key_propagation", false);
    cm->seen_data = cdlt_table_seen_data(t);
  }
  return cm;
}

static int normalize_row(cdlt_normalizer *n, const cdlt_json_value *obj, const char **table_parts, size_t ntable_parts,
                         const char *parent_table, int budget, const char *parent_id, int64_t list_idx,
                         const cdlt_json_value *root_id, cdlt_error *err) {
  cdlt_schema *s = n->schema;
  const char *table_name = cdlt_norm_join_parts(n, table_parts, ntable_parts - 1, table_parts[ntable_parts - 1]);
  if (!table_name) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_table *t = cdlt_schema_table(s, table_name);
  bool is_root = parent_table == NULL;
  bool table_new = !t || !cdlt_table_is_complete(t);
  if (table_new && !is_dlt_name(table_name)) {
    int tables_mode = contract_mode_for(s, t, parent_table, "tables");
    if (tables_mode == MODE_FREEZE) {
      char details[512];
      snprintf(details, sizeof details, "Trying to add table `%s` but new tables are frozen.", table_name);
      return contract_violation(n, table_name, NULL, "tables", MODE_FREEZE, details, err);
    }
    if (tables_mode != MODE_EVOLVE) {   /* discard_row / discard_value: the row and its children */
      n->discarded_rows++;
      return 0;
    }
  }
  if (!t) {
    n->schema_gen++;
    t = is_root ? cdlt_schema_add_root_table(s, table_name, "append", table_name)
                : cdlt_schema_add_nested_table(s, table_name, parent_table);
    if (!t) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  vec fields = {NULL, 0, 0, sizeof(field)};
  vec lists = {NULL, 0, 0, sizeof(found_list)};
  int rc = cdlt_norm_flatten(n, t, obj, budget, &fields, &lists, err);
  if (rc) return rc;
  if ((rc = cdlt_norm_dedupe_fields(n, &fields))) return cdlt_error_set(err, rc, "out of memory");

  /* the row id: an existing _dlt_id is kept; roots random, children derived from the parent */
  const cdlt_json_value *row_id = NULL;
  field *fs = fields.items;
  for (size_t k = 0; k < fields.len; k++)
    if (fs[k].name[0] == '_' && !strcmp(fs[k].name, "_dlt_id") && fs[k].value->type == CDLT_JSON_STRING) row_id = fs[k].value;
  if (!row_id) {
    char id[32];
    if (is_root) {
      if ((rc = root_row_id(n, t, obj, fields.items, fields.len, id, err))) return rc;
    } else {
      /* digest of "<parent id>_<table>_<list index>" */
      char idx[24];
      size_t il = 0;
      for (uint64_t v = (uint64_t)list_idx; il == 0 || v; v /= 10) idx[il++] = (char)('0' + v % 10);
      cdlt_buf_reset(&n->tmp);
      int w = cdlt_buf_puts(&n->tmp, parent_id) || cdlt_buf_putc(&n->tmp, '_') || cdlt_buf_puts(&n->tmp, table_name) ||
              cdlt_buf_putc(&n->tmp, '_');
      while (!w && il) w = cdlt_buf_putc(&n->tmp, idx[--il]);
      if (w) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      cdlt_digest128_with(n->digest, n->tmp.data, n->tmp.len, 10, id);
    }
    row_id = cdlt_json_cstr(&n->scratch, id);
    if (!row_id) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }

  struct contract_memo *cm = contract_memo_of(n, t);
  if (is_root) root_id = cm->propagate_root_id ? row_id : NULL;

  /* the contract for this row's columns: a new table may create its columns once (§10) */
  n->rc.table_new = table_new || cm->evolve_once;
  n->rc.columns = cm->columns;
  n->rc.data_type = cm->data_type;
  n->rc.drop = false;

  /* build the line: data columns, then the dlt columns in dlt's order */
  cdlt_buf_reset(&n->line);
  if (cdlt_buf_putc(&n->line, '{')) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  for (size_t k = 0; k < fields.len; k++) {
    /* the row id is emitted last; a user _dlt_id that is not a string is replaced, as dlt replaces
     * a falsy one, so every row keeps a string id its children can refer to */
    if (fs[k].name[0] == '_') {
      if (!strcmp(fs[k].name, "_dlt_id")) continue;
      if (is_root && !strcmp(fs[k].name, "_dlt_load_id")) continue; /* replaced by this load's id */
    }
    rc = emit_value(n, t, fs[k].name, fs[k].value, err);
    if (rc) return rc;
  }
  if (is_root) {
    cdlt_json_value *lid = cdlt_json_cstr(&n->scratch, n->load_id);
    if (!lid) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if ((rc = emit_value(n, t, "_dlt_load_id", lid, err))) return rc;
  } else {
    if (root_id && (rc = emit_value(n, t, "_dlt_root_id", root_id, err))) return rc;
    cdlt_json_value *pid = cdlt_json_cstr(&n->scratch, parent_id);
    cdlt_json_value *idx = cdlt_json_int(&n->scratch, list_idx);
    if (!pid || !idx) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if ((rc = emit_value(n, t, "_dlt_parent_id", pid, err))) return rc;
    if ((rc = emit_value(n, t, "_dlt_list_idx", idx, err))) return rc;
  }
  if ((rc = emit_value(n, t, "_dlt_id", row_id, err))) return rc;
  if (cdlt_buf_putc(&n->line, '}')) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (n->rc.drop) {   /* discard_row: neither the row nor its children are loaded */
    n->discarded_rows++;
    return 0;
  }

  if (!cm->seen_data) {
    if (!cdlt_table_seen_data(t) && cdlt_table_mark_seen_data(s, t)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    cm->seen_data = true;
  }
  if ((rc = n->sink.write_row(n->sink.ctx, t, n->line.data, n->line.len, err))) return rc;
  if (cdlt_norm_count_row(n, t->name)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");

  /* then the lists, in the order they were found, one nesting level deeper */
  const char *pid = row_id->u.str.ptr;
  found_list *ls = lists.items;
  for (size_t k = 0; k < lists.len; k++) {
    size_t np = ntable_parts + ls[k].nparts;
    const char **parts = cdlt_arena_alloc(&n->arena, np * sizeof *parts);
    if (!parts) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    memcpy(parts, table_parts, ntable_parts * sizeof *parts);
    memcpy(parts + ntable_parts, ls[k].parts, ls[k].nparts * sizeof *parts);
    rc = cdlt_norm_list(n, ls[k].list, parts, np, t->name, budget - 1, pid, root_id, err);
    if (rc) return rc;
  }
  return 0;
}

/* the interned copy of a root table name (join_parts compares path parts by pointer), and
 * n->nesting set for its table; NULL when out of memory */
static const char *root_prepare(cdlt_normalizer *n, const char *root_table) {
  cdlt_table *root = cdlt_schema_table(n->schema, root_table);
  const char *interned = cdlt_strmap_get(&n->root_names, root_table, strlen(root_table));
  if (!interned) {
    char *copy = strdup(root_table);
    if (!copy || cdlt_strmap_put(&n->root_names, root_table, strlen(root_table), copy)) {
      free(copy);
      return NULL;
    }
    interned = copy;
  }
  if (!root || root != n->nesting_root || n->nesting_gen != n->schema_gen) {   /* the schema's setting, per table */
    n->nesting = table_max_nesting(n, root);
    n->nesting_root = root;
    n->nesting_gen = n->schema_gen;
  }
  return interned;
}

int cdlt_normalizer_item(cdlt_normalizer *n, const char *root_table, const cdlt_json_value *item, cdlt_error *err) {
  return cdlt_normalizer_item_raw(n, root_table, item, NULL, 0, err);
}

int cdlt_normalizer_item_raw(cdlt_normalizer *n, const char *root_table, const cdlt_json_value *item,
                             const char *raw, size_t raw_len, cdlt_error *err) {
  cdlt_arena_reset(&n->arena);
  cdlt_json_doc_reset(&n->scratch);
  if (!item || item->type != CDLT_JSON_OBJECT)
    return cdlt_error_set(err, CDLT_ERR_PARSE, "item of table '%s' is not a JSON object", root_table);
  const char *interned = root_prepare(n, root_table);
  if (!interned) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  const char *parts[1] = {interned};
  int rc = normalize_row(n, item, parts, 1, NULL, n->nesting, NULL, 0, NULL, err);
  if (rc || !raw) return rc;
  /* a template after the first items, then again now and then while items keep missing */
  n->tpl_misses++;
  if (n->tpl_misses <= 8 || (n->tpl_misses & 63) == 0) {
    cdlt_table *t = cdlt_schema_table(n->schema, interned);
    if (t && root_row_id_kind(t) == ROW_ID_RANDOM)   /* not a key or row hash */
      cdlt_norm_tpl_learn(n, t, root_table, parts, 1, n->nesting, contract_memo_of(n, t)->propagate_root_id, item, raw, raw_len);
  }
  return 0;
}
