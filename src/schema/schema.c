/* schema.c — the schema document: defaults, load/save, index, tables and columns, hashing. */
#include "schema/schema.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/hash.h"

/* ------------------------------------------------------------------------------------------ */
/* index maintenance */

static int index_column(cdlt_table *t, const char *name, size_t len, cdlt_json_value *json) {
  cdlt_column *c = cdlt_strmap_get(&t->by_name, name, len);
  if (!c) {
    c = calloc(1, sizeof *c);
    if (!c) return CDLT_ERR_NOMEM;
    if (t->ncolumns == t->cap) {
      size_t ncap = t->cap ? t->cap * 2 : 16;
      cdlt_column **n = realloc(t->columns, ncap * sizeof *n);
      if (!n) { free(c); return CDLT_ERR_NOMEM; }
      t->columns = n;
      t->cap = ncap;
    }
    t->columns[t->ncolumns++] = c;
    if (cdlt_strmap_put(&t->by_name, name, len, c)) return CDLT_ERR_NOMEM;
  }
  c->name = name;
  c->json = json;
  c->type = cdlt_data_type_parse(cdlt_json_get_str(json, "data_type"));
  c->nullable = cdlt_json_get_bool(json, "nullable", true);
  c->variant = cdlt_json_get_bool(json, "variant", false);
  return 0;
}

static cdlt_table *index_table(cdlt_schema *s, const char *name, size_t len, cdlt_json_value *json) {
  cdlt_table *t = cdlt_strmap_get(&s->by_name, name, len);
  if (!t) {
    t = calloc(1, sizeof *t);
    if (!t) return NULL;
    cdlt_strmap_init(&t->by_name);
    if (s->ntables == s->cap) {
      size_t ncap = s->cap ? s->cap * 2 : 16;
      cdlt_table **n = realloc(s->tables, ncap * sizeof *n);
      if (!n) { free(t); return NULL; }
      s->tables = n;
      s->cap = ncap;
    }
    s->tables[s->ntables++] = t;
    if (cdlt_strmap_put(&s->by_name, name, len, t)) return NULL;
  }
  t->name = name;
  t->json = json;
  t->parent = cdlt_json_get_str(json, "parent");
  t->columns_json = cdlt_json_get(json, "columns");
  if (!t->columns_json) {
    t->columns_json = cdlt_json_object(&s->doc);
    if (!t->columns_json || cdlt_json_object_set(&s->doc, json, "columns", t->columns_json)) return NULL;
  }
  for (size_t k = 0; k < t->columns_json->u.obj.len; k++) {
    cdlt_json_member *m = &t->columns_json->u.obj.members[k];
    if (m->value->type != CDLT_JSON_OBJECT) continue;
    if (index_column(t, m->key, m->key_len, m->value)) return NULL;
  }
  return t;
}

static void index_settings(cdlt_schema *s) {
  s->detect_iso_timestamp = s->detect_iso_date = s->detect_timestamp = s->detect_large_integer = false;
  cdlt_json_value *settings = cdlt_json_get(s->root, "settings");
  cdlt_json_value *det = cdlt_json_get(settings, "detections");
  if (!det || det->type != CDLT_JSON_ARRAY) return;
  for (size_t k = 0; k < det->u.arr.len; k++) {
    cdlt_json_value *d = det->u.arr.items[k];
    if (cdlt_json_is_str(d, "iso_timestamp")) s->detect_iso_timestamp = true;
    else if (cdlt_json_is_str(d, "iso_date")) s->detect_iso_date = true;
    else if (cdlt_json_is_str(d, "timestamp")) s->detect_timestamp = true;
    else if (cdlt_json_is_str(d, "large_integer")) s->detect_large_integer = true;
  }
}

static void free_index(cdlt_schema *s) {
  for (size_t k = 0; k < s->ntables; k++) {
    cdlt_table *t = s->tables[k];
    for (size_t c = 0; c < t->ncolumns; c++) free(t->columns[c]);
    free(t->columns);
    cdlt_strmap_release(&t->by_name);
    free(t);
  }
  free(s->tables);
  s->tables = NULL;
  s->ntables = s->cap = 0;
  cdlt_strmap_release(&s->by_name);
}

static int build_index(cdlt_schema *s, cdlt_error *err) {
  free_index(s);
  cdlt_strmap_init(&s->by_name);
  s->tables_json = cdlt_json_get(s->root, "tables");
  if (!s->tables_json || s->tables_json->type != CDLT_JSON_OBJECT)
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "schema '%s' has no tables", cdlt_schema_name(s));
  for (size_t k = 0; k < s->tables_json->u.obj.len; k++) {
    cdlt_json_member *m = &s->tables_json->u.obj.members[k];
    if (m->value->type != CDLT_JSON_OBJECT)
      return cdlt_error_set(err, CDLT_ERR_SCHEMA, "table '%s' of schema '%s' is not an object", m->key,
                            cdlt_schema_name(s));
    if (!index_table(s, m->key, m->key_len, m->value)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  index_settings(s);
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* construction */

static cdlt_json_value *col_obj(cdlt_json_doc *d, const char *name, const char *type, bool nullable, int precision) {
  cdlt_json_value *c = cdlt_json_object(d);
  cdlt_json_object_set(d, c, "name", cdlt_json_cstr(d, name));
  cdlt_json_object_set(d, c, "data_type", cdlt_json_cstr(d, type));
  cdlt_json_object_set(d, c, "nullable", cdlt_json_bool(d, nullable));
  if (precision > 0) cdlt_json_object_set(d, c, "precision", cdlt_json_int(d, precision));
  return c;
}

static cdlt_json_value *str_list(cdlt_json_doc *d, const char *const *items) {
  cdlt_json_value *a = cdlt_json_array(d);
  for (; *items; items++) cdlt_json_array_push(d, a, cdlt_json_cstr(d, *items));
  return a;
}

static cdlt_json_value *internal_table(cdlt_json_doc *d, const char *name, const char *description) {
  cdlt_json_value *t = cdlt_json_object(d);
  cdlt_json_object_set(d, t, "name", cdlt_json_cstr(d, name));
  cdlt_json_value *cols = cdlt_json_object(d);
  cdlt_json_object_set(d, t, "columns", cols);
  cdlt_json_object_set(d, t, "write_disposition", cdlt_json_cstr(d, "skip"));
  cdlt_json_object_set(d, t, "resource", cdlt_json_cstr(d, name));
  cdlt_json_object_set(d, t, "description", cdlt_json_cstr(d, description));
  return t;
}

cdlt_schema *cdlt_schema_new(const char *name) {
  cdlt_schema *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  cdlt_json_doc_init(&s->doc);
  cdlt_strmap_init(&s->by_name);
  cdlt_json_doc *d = &s->doc;
  cdlt_json_value *r = cdlt_json_object(d);
  s->root = r;
  cdlt_json_object_set(d, r, "version", cdlt_json_int(d, 1));
  cdlt_json_object_set(d, r, "version_hash", cdlt_json_cstr(d, ""));
  cdlt_json_object_set(d, r, "engine_version", cdlt_json_int(d, CDLT_SCHEMA_ENGINE_VERSION));
  cdlt_json_object_set(d, r, "name", cdlt_json_cstr(d, name));
  cdlt_json_value *tables = cdlt_json_object(d);
  cdlt_json_object_set(d, r, "tables", tables);

  cdlt_json_value *v = internal_table(d, "_dlt_version", "Created by DLT. Tracks schema updates");
  cdlt_json_value *vc = cdlt_json_get(v, "columns");
  cdlt_json_object_set(d, vc, "version", col_obj(d, "version", "bigint", false, 0));
  cdlt_json_object_set(d, vc, "engine_version", col_obj(d, "engine_version", "bigint", false, 0));
  cdlt_json_object_set(d, vc, "inserted_at", col_obj(d, "inserted_at", "timestamp", false, 0));
  cdlt_json_object_set(d, vc, "schema_name", col_obj(d, "schema_name", "text", false, 0));
  cdlt_json_object_set(d, vc, "version_hash", col_obj(d, "version_hash", "text", false, 0));
  cdlt_json_object_set(d, vc, "schema", col_obj(d, "schema", "text", false, 0));
  cdlt_json_object_set(d, tables, "_dlt_version", v);

  cdlt_json_value *l = internal_table(d, "_dlt_loads", "Created by DLT. Tracks completed loads");
  cdlt_json_value *lc = cdlt_json_get(l, "columns");
  cdlt_json_object_set(d, lc, "load_id", col_obj(d, "load_id", "text", false, 64));
  cdlt_json_object_set(d, lc, "schema_name", col_obj(d, "schema_name", "text", true, 0));
  cdlt_json_object_set(d, lc, "status", col_obj(d, "status", "bigint", false, 0));
  cdlt_json_object_set(d, lc, "inserted_at", col_obj(d, "inserted_at", "timestamp", false, 0));
  cdlt_json_object_set(d, lc, "schema_version_hash", col_obj(d, "schema_version_hash", "text", true, 0));
  cdlt_json_object_set(d, tables, "_dlt_loads", l);

  cdlt_json_value *settings = cdlt_json_object(d);
  static const char *const det[] = {"iso_timestamp", NULL};
  cdlt_json_object_set(d, settings, "detections", str_list(d, det));
  cdlt_json_value *hints = cdlt_json_object(d);
  static const char *const not_null[] = {"_dlt_id", "_dlt_root_id", "_dlt_parent_id", "_dlt_list_idx", "_dlt_load_id", NULL};
  static const char *const parent_key[] = {"_dlt_parent_id", NULL};
  static const char *const root_key[] = {"_dlt_root_id", NULL};
  static const char *const unique[] = {"_dlt_id", NULL};
  cdlt_json_object_set(d, hints, "not_null", str_list(d, not_null));
  cdlt_json_object_set(d, hints, "parent_key", str_list(d, parent_key));
  cdlt_json_object_set(d, hints, "root_key", str_list(d, root_key));
  cdlt_json_object_set(d, hints, "unique", str_list(d, unique));
  cdlt_json_object_set(d, hints, "row_key", str_list(d, unique));
  cdlt_json_object_set(d, settings, "default_hints", hints);
  cdlt_json_object_set(d, r, "settings", settings);

  cdlt_json_value *norm = cdlt_json_object(d);
  cdlt_json_object_set(d, norm, "names", cdlt_json_cstr(d, "snake_case"));
  cdlt_json_value *js = cdlt_json_object(d);
  cdlt_json_object_set(d, js, "module", cdlt_json_cstr(d, "dlt.common.normalizers.json.relational"));
  cdlt_json_object_set(d, norm, "json", js);
  cdlt_json_object_set(d, r, "normalizers", norm);
  cdlt_json_object_set(d, r, "previous_hashes", cdlt_json_array(d));

  if (build_index(s, NULL)) { cdlt_schema_free(s); return NULL; }
  return s;
}

int cdlt_schema_from_json(const char *text, size_t len, const char *source, cdlt_schema **out, cdlt_error *err) {
  *out = NULL;
  cdlt_schema *s = calloc(1, sizeof *s);
  if (!s) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_json_doc_init(&s->doc);
  cdlt_strmap_init(&s->by_name);
  int rc = cdlt_json_parse(&s->doc, text, len, source, &s->root, err);
  if (rc) { cdlt_schema_free(s); return rc; }
  if (s->root->type != CDLT_JSON_OBJECT || !cdlt_json_get_str(s->root, "name")) {
    cdlt_schema_free(s);
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "'%s' is not a dlt schema: no 'name'", source);
  }
  int64_t engine = cdlt_json_get_int(s->root, "engine_version", 0);
  if (engine != CDLT_SCHEMA_ENGINE_VERSION) {
    cdlt_schema_free(s);
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "schema '%s' has engine_version %lld; cdlt reads engine version %d",
                          source, (long long)engine, CDLT_SCHEMA_ENGINE_VERSION);
  }
  rc = build_index(s, err);
  if (rc) { cdlt_schema_free(s); return rc; }
  if (!cdlt_schema_table(s, "_dlt_version") || !cdlt_schema_table(s, "_dlt_loads")) {
    cdlt_schema_free(s);
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "schema '%s' is corrupt: it lacks _dlt_version or _dlt_loads", source);
  }
  *out = s;
  return 0;
}

int cdlt_schema_load_file(const char *path, cdlt_schema **out, cdlt_error *err) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_fs_read_file(path, &b, err);
  if (!rc) rc = cdlt_schema_from_json(b.data ? b.data : "", b.len, path, out, err);
  cdlt_buf_release(&b);
  return rc;
}

cdlt_schema *cdlt_schema_clone(const cdlt_schema *src) {
  cdlt_schema *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  cdlt_json_doc_init(&s->doc);
  cdlt_strmap_init(&s->by_name);
  s->root = cdlt_json_copy(&s->doc, src->root);
  if (!s->root || build_index(s, NULL)) { cdlt_schema_free(s); return NULL; }
  return s;
}

void cdlt_schema_free(cdlt_schema *s) {
  if (!s) return;
  free_index(s);
  cdlt_json_doc_release(&s->doc);
  free(s);
}

const char *cdlt_schema_name(const cdlt_schema *s) {
  const char *n = cdlt_json_get_str(s->root, "name");
  return n ? n : "";
}

int64_t cdlt_schema_version(const cdlt_schema *s) { return cdlt_json_get_int(s->root, "version", 1); }

const char *cdlt_schema_stored_hash(const cdlt_schema *s) {
  const char *h = cdlt_json_get_str(s->root, "version_hash");
  return h ? h : "";
}

/* ------------------------------------------------------------------------------------------ */
/* hashing and versions */

int cdlt_schema_compute_hash(const cdlt_schema *s, char out[45], cdlt_error *err) {
  /* the dict without version keys, sorted compact JSON (§4.4 step 1-2) */
  cdlt_json_value tmp = *s->root;
  cdlt_json_member *members = malloc((s->root->u.obj.len + 1) * sizeof *members);
  if (!members) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  size_t n = 0;
  for (size_t k = 0; k < s->root->u.obj.len; k++) {
    const cdlt_json_member *m = &s->root->u.obj.members[k];
    if (!strcmp(m->key, "version") || !strcmp(m->key, "version_hash") ||
        !strcmp(m->key, "imported_version_hash") || !strcmp(m->key, "previous_hashes"))
      continue;
    members[n++] = *m;
  }
  tmp.u.obj.members = members;
  tmp.u.obj.len = n;
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_json_write(&b, &tmp, CDLT_JSON_WRITE_SORT_KEYS);
  free(members);
  if (rc) { cdlt_buf_release(&b); return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }

  cdlt_sha3_ctx *ctx = cdlt_sha3_new();
  if (!ctx) { cdlt_buf_release(&b); return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }
  cdlt_sha3_update(ctx, b.data, b.len);
  cdlt_buf_release(&b);
  /* step 3: table names sorted, each followed by its column names in stored order */
  size_t nt = s->tables_json->u.obj.len;
  const cdlt_json_member **order = malloc((nt + 1) * sizeof *order);
  if (!order) { cdlt_sha3_free(ctx); return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }
  for (size_t k = 0; k < nt; k++) order[k] = &s->tables_json->u.obj.members[k];
  for (size_t i = 1; i < nt; i++) /* insertion sort by UTF-8 bytes: table counts are small */
    for (size_t j = i; j > 0 && strcmp(order[j - 1]->key, order[j]->key) > 0; j--) {
      const cdlt_json_member *t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  for (size_t k = 0; k < nt; k++) {
    cdlt_sha3_update(ctx, order[k]->key, order[k]->key_len);
    cdlt_json_value *cols = cdlt_json_get(order[k]->value, "columns");
    if (cols && cols->type == CDLT_JSON_OBJECT)
      for (size_t c = 0; c < cols->u.obj.len; c++)
        cdlt_sha3_update(ctx, cols->u.obj.members[c].key, cols->u.obj.members[c].key_len);
  }
  free(order);
  uint8_t digest[32];
  cdlt_sha3_final(ctx, digest);
  cdlt_base64_encode(digest, 32, out, true);
  return 0;
}

int cdlt_schema_bump_version(cdlt_schema *s, bool *changed, cdlt_error *err) {
  char h[45];
  int rc = cdlt_schema_compute_hash(s, h, err);
  if (rc) return rc;
  const char *prev = cdlt_schema_stored_hash(s);
  bool differs = strcmp(prev, h) != 0;
  if (changed) *changed = differs;
  cdlt_json_doc *d = &s->doc;
  if (prev[0] == 0) {
    if (!cdlt_json_get(s->root, "version")) cdlt_json_object_set(d, s->root, "version", cdlt_json_int(d, 1));
  } else if (differs) {
    cdlt_json_object_set(d, s->root, "version", cdlt_json_int(d, cdlt_schema_version(s) + 1));
    cdlt_json_value *ph = cdlt_json_get(s->root, "previous_hashes");
    if (!ph || ph->type != CDLT_JSON_ARRAY) {
      ph = cdlt_json_array(d);
      cdlt_json_object_set(d, s->root, "previous_hashes", ph);
    }
    bool present = false;
    for (size_t k = 0; k < ph->u.arr.len; k++)
      if (cdlt_json_is_str(ph->u.arr.items[k], prev)) present = true;
    if (!present) {
      cdlt_json_value *nv = cdlt_json_cstr(d, prev);
      if (cdlt_json_array_push(d, ph, nv)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      memmove(ph->u.arr.items + 1, ph->u.arr.items, (ph->u.arr.len - 1) * sizeof *ph->u.arr.items);
      ph->u.arr.items[0] = nv;
      if (ph->u.arr.len > 10) ph->u.arr.len = 10;
    }
  }
  if (differs || prev[0] == 0) cdlt_json_object_set(d, s->root, "version_hash", cdlt_json_cstr(d, h));
  return 0;
}

int cdlt_schema_write(const cdlt_schema *s, cdlt_buf *out, unsigned flags) {
  return cdlt_json_write(out, s->root, flags);
}

int cdlt_schema_save_file(cdlt_schema *s, const char *path, cdlt_error *err) {
  int rc = cdlt_schema_bump_version(s, NULL, err);
  if (rc) return rc;
  cdlt_buf b;
  cdlt_buf_init(&b);
  rc = cdlt_schema_write(s, &b, CDLT_JSON_WRITE_PRETTY);
  if (rc) { cdlt_buf_release(&b); return cdlt_error_set(err, rc, "out of memory"); }
  rc = cdlt_fs_write_atomic(path, NULL, b.data, b.len, 0644, err);
  cdlt_buf_release(&b);
  return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* tables */

int cdlt_schema_set_detections(cdlt_schema *s, const char *csv, cdlt_error *err) {
  static const char *const known[] = {"iso_timestamp", "iso_date", "timestamp", "large_integer", NULL};
  cdlt_json_doc *d = &s->doc;
  cdlt_json_value *list = cdlt_json_array(d);
  if (!list) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  const char *p = csv;
  while (*p) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    while (n && *p == ' ') { p++; n--; }
    while (n && p[n - 1] == ' ') n--;
    if (n) {
      bool ok = false;
      for (const char *const *k = known; *k && !ok; k++) ok = strlen(*k) == n && !memcmp(*k, p, n);
      if (!ok)
        return cdlt_error_set(err, CDLT_ERR_USAGE, "unknown detection '%.*s' (iso_timestamp, iso_date, timestamp, large_integer)",
                              (int)n, p);
      if (cdlt_json_array_push(d, list, cdlt_json_string(d, p, n))) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    }
    if (!comma) break;
    p = comma + 1;
  }
  cdlt_json_value *settings = cdlt_json_get_or_add_object(d, s->root, "settings");
  if (!settings || cdlt_json_object_set(d, settings, "detections", list)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  index_settings(s);
  return 0;
}

cdlt_table *cdlt_schema_table(const cdlt_schema *s, const char *name) {
  return cdlt_strmap_get(&s->by_name, name, strlen(name));
}

static cdlt_table *attach_table(cdlt_schema *s, const char *name, cdlt_json_value *t) {
  size_t n = strlen(name);
  if (cdlt_json_object_add(&s->doc, s->tables_json, name, n, t)) return NULL;
  const char *key = s->tables_json->u.obj.members[s->tables_json->u.obj.len - 1].key;
  return index_table(s, key, n, t);
}

cdlt_table *cdlt_schema_add_root_table(cdlt_schema *s, const char *name, const char *write_disposition,
                                       const char *resource) {
  cdlt_table *t = cdlt_schema_table(s, name);
  if (t) return t;
  cdlt_json_doc *d = &s->doc;
  cdlt_json_value *j = cdlt_json_object(d);
  if (!j) return NULL;
  cdlt_json_object_set(d, j, "columns", cdlt_json_object(d));
  cdlt_json_object_set(d, j, "write_disposition", cdlt_json_cstr(d, write_disposition ? write_disposition : "append"));
  cdlt_json_object_set(d, j, "name", cdlt_json_cstr(d, name));
  cdlt_json_object_set(d, j, "resource", cdlt_json_cstr(d, resource ? resource : name));
  return attach_table(s, name, j);
}

cdlt_table *cdlt_schema_add_nested_table(cdlt_schema *s, const char *name, const char *parent) {
  cdlt_table *t = cdlt_schema_table(s, name);
  if (t) return t;
  cdlt_json_doc *d = &s->doc;
  cdlt_json_value *j = cdlt_json_object(d);
  if (!j) return NULL;
  cdlt_json_object_set(d, j, "name", cdlt_json_cstr(d, name));
  cdlt_json_object_set(d, j, "columns", cdlt_json_object(d));
  cdlt_json_object_set(d, j, "parent", cdlt_json_cstr(d, parent));
  return attach_table(s, name, j);
}

cdlt_table *cdlt_schema_root_of(const cdlt_schema *s, const cdlt_table *t) {
  const cdlt_table *cur = t;
  for (int guard = 0; cur && cur->parent && guard < 10000; guard++) {
    const cdlt_table *p = cdlt_schema_table(s, cur->parent);
    if (!p) break;
    cur = p;
  }
  return (cdlt_table *)cur;
}

const char *cdlt_table_write_disposition(const cdlt_schema *s, const cdlt_table *t) {
  const cdlt_table *root = cdlt_schema_root_of(s, t);
  const char *wd = root ? cdlt_json_get_str(root->json, "write_disposition") : NULL;
  return wd ? wd : "append";
}

bool cdlt_table_is_complete(const cdlt_table *t) {
  for (size_t k = 0; k < t->ncolumns; k++)
    if (t->columns[k]->type != CDLT_TYPE_NONE) return true;
  return false;
}

int cdlt_table_set_prop(cdlt_schema *s, cdlt_table *t, const char *key, const cdlt_json_value *value) {
  cdlt_json_value *c = cdlt_json_copy(&s->doc, value);
  if (!c || cdlt_json_object_set(&s->doc, t->json, key, c)) return CDLT_ERR_NOMEM;
  if (!strcmp(key, "parent")) t->parent = cdlt_json_get_str(t->json, "parent");
  return 0;
}

int cdlt_table_mark_seen_data(cdlt_schema *s, cdlt_table *t) {
  cdlt_json_value *xn = cdlt_json_get_or_add_object(&s->doc, t->json, "x-normalizer");
  if (!xn) return CDLT_ERR_NOMEM;
  if (cdlt_json_get_bool(xn, "seen-data", false)) return 0;
  return cdlt_json_object_set(&s->doc, xn, "seen-data", cdlt_json_bool(&s->doc, true));
}

bool cdlt_table_seen_data(const cdlt_table *t) {
  return cdlt_json_get_bool(cdlt_json_get(t->json, "x-normalizer"), "seen-data", false);
}

/* ------------------------------------------------------------------------------------------ */
/* columns and hints */

cdlt_column *cdlt_table_column(const cdlt_table *t, const char *name, size_t len) {
  return cdlt_strmap_get(&t->by_name, name, len);
}

/* dlt "simple regex": exact match, or `re:` + a regex searched anywhere (POSIX ERE here) */
static bool simple_regex_match(const char *pattern, const char *name) {
  if (strncmp(pattern, "re:", 3) != 0) return strcmp(pattern, name) == 0;
  regex_t re;
  if (regcomp(&re, pattern + 3, REG_EXTENDED | REG_NOSUB)) return false;
  bool ok = regexec(&re, name, 0, NULL, 0) == 0;
  regfree(&re);
  return ok;
}

bool cdlt_schema_hint_matches(const cdlt_schema *s, const char *hint, const char *name) {
  cdlt_json_value *hints = cdlt_json_get(cdlt_json_get(s->root, "settings"), "default_hints");
  cdlt_json_value *list = cdlt_json_get(hints, hint);
  if (!list || list->type != CDLT_JSON_ARRAY) return false;
  for (size_t k = 0; k < list->u.arr.len; k++) {
    cdlt_json_value *p = list->u.arr.items[k];
    if (p->type == CDLT_JSON_STRING && simple_regex_match(p->u.str.ptr, name)) return true;
  }
  return false;
}

static cdlt_column *attach_column(cdlt_schema *s, cdlt_table *t, const char *name, cdlt_json_value *c) {
  size_t n = strlen(name);
  if (cdlt_json_object_add(&s->doc, t->columns_json, name, n, c)) return NULL;
  const char *key = t->columns_json->u.obj.members[t->columns_json->u.obj.len - 1].key;
  if (index_column(t, key, n, c)) return NULL;
  return cdlt_table_column(t, key, n);
}

/* dlt's inferred column object (§3.9), not attached to any table */
static cdlt_json_value *inferred_column_obj(cdlt_schema *s, const char *name, cdlt_data_type type, bool variant) {
  cdlt_json_doc *d = &s->doc;
  cdlt_json_value *c = cdlt_json_object(d);
  if (!c) return NULL;
  cdlt_json_object_set(d, c, "name", cdlt_json_cstr(d, name));
  cdlt_json_object_set(d, c, "data_type", cdlt_json_cstr(d, cdlt_data_type_name(type)));
  cdlt_json_object_set(d, c, "nullable", cdlt_json_bool(d, !cdlt_schema_hint_matches(s, "not_null", name)));
  cdlt_json_value *hints = cdlt_json_get(cdlt_json_get(s->root, "settings"), "default_hints");
  if (hints && hints->type == CDLT_JSON_OBJECT)
    for (size_t k = 0; k < hints->u.obj.len; k++) {
      const char *h = hints->u.obj.members[k].key;
      if (!strcmp(h, "not_null")) continue;
      if (cdlt_schema_hint_matches(s, h, name)) cdlt_json_object_set(d, c, h, cdlt_json_bool(d, true));
    }
  if (variant) cdlt_json_object_set(d, c, "variant", cdlt_json_bool(d, true));
  return c;
}

cdlt_column *cdlt_schema_add_inferred_column(cdlt_schema *s, cdlt_table *t, const char *name,
                                             cdlt_data_type type, bool variant) {
  cdlt_json_value *c = inferred_column_obj(s, name, type, variant);
  return c ? attach_column(s, t, name, c) : NULL;
}

cdlt_column *cdlt_schema_complete_column(cdlt_schema *s, cdlt_table *t, cdlt_column *c, cdlt_data_type type) {
  cdlt_json_doc *d = &s->doc;
  cdlt_json_value *inferred = inferred_column_obj(s, c->name, type, false);
  cdlt_json_value *merged = cdlt_json_copy(d, c->json);
  if (!inferred || !merged) return NULL;
  for (size_t k = 0; k < inferred->u.obj.len; k++) {
    const cdlt_json_member *m = &inferred->u.obj.members[k];
    cdlt_json_value *have = cdlt_json_getn(merged, m->key, m->key_len);
    if (have && !(have->type == CDLT_JSON_NULL && !strcmp(m->key, "data_type"))) continue;
    if (have) cdlt_json_object_remove(merged, m->key);
    if (cdlt_json_object_add(d, merged, m->key, m->key_len, m->value)) return NULL;
  }
  /* pop the incomplete column and append the complete one (dlt's merge_columns order) */
  size_t nlen = strlen(c->name);
  char *name = malloc(nlen + 1);
  if (!name) return NULL;
  memcpy(name, c->name, nlen + 1);
  cdlt_json_object_remove(t->columns_json, name);
  size_t at = 0;
  while (at < t->ncolumns && t->columns[at] != c) at++;
  if (at < t->ncolumns) {
    memmove(t->columns + at, t->columns + at + 1, (t->ncolumns - at - 1) * sizeof *t->columns);
    t->columns[t->ncolumns - 1] = c;
  }
  int rc = cdlt_json_object_add(d, t->columns_json, name, nlen, merged);
  free(name);
  if (rc) return NULL;
  const char *key = t->columns_json->u.obj.members[t->columns_json->u.obj.len - 1].key;
  if (index_column(t, key, nlen, merged)) return NULL;
  return c;
}

cdlt_column *cdlt_schema_merge_column(cdlt_schema *s, cdlt_table *t, const cdlt_json_value *col) {
  const char *name = cdlt_json_get_str(col, "name");
  if (!name) return NULL;
  cdlt_column *existing = cdlt_table_column(t, name, strlen(name));
  if (!existing) {
    cdlt_json_value *c = cdlt_json_copy(&s->doc, col);
    return c ? attach_column(s, t, name, c) : NULL;
  }
  for (size_t k = 0; k < col->u.obj.len; k++) {
    const cdlt_json_member *m = &col->u.obj.members[k];
    cdlt_json_value *v = cdlt_json_copy(&s->doc, m->value);
    if (!v || cdlt_json_object_set(&s->doc, existing->json, m->key, v)) return NULL;
  }
  if (index_column(t, existing->name, strlen(existing->name), existing->json)) return NULL;
  return existing;
}

int cdlt_schema_table_def(const cdlt_schema *s, const cdlt_table *t, cdlt_table_def *def) {
  (void)s;
  def->name = t->name;
  def->ncolumns = 0;
  def->in_file_order = false;
  def->columns = calloc(t->ncolumns + 1, sizeof *def->columns);
  if (!def->columns) return CDLT_ERR_NOMEM;
  for (size_t k = 0; k < t->ncolumns; k++) {
    const cdlt_column *c = t->columns[k];
    if (c->type == CDLT_TYPE_NONE) continue;
    cdlt_column_def *cd = &def->columns[def->ncolumns++];
    cd->name = c->name;
    cd->type = c->type;
    cd->nullable = c->nullable;
    cdlt_json_value *p = cdlt_json_get(c->json, "precision");
    cdlt_json_value *sc = cdlt_json_get(c->json, "scale");
    cd->precision = p && p->type == CDLT_JSON_INT ? (int)p->u.num.i : -1;
    cd->scale = sc && sc->type == CDLT_JSON_INT ? (int)sc->u.num.i : -1;
    cd->timezone = cdlt_json_get_bool(c->json, "timezone", true);
    cd->unique = cdlt_json_get_bool(c->json, "unique", false);
    cd->primary_key = cdlt_json_get_bool(c->json, "primary_key", false);
  }
  return 0;
}

void cdlt_table_def_release(cdlt_table_def *def) {
  free(def->columns);
  def->columns = NULL;
  def->ncolumns = 0;
}
