/* resource_hints.c — parsing resource hints and applying them to the schema (see resource_hints.h).
 *
 * The shape written into the schema follows dlt's DltResourceHints._create_table_schema and
 * Schema.update_table, as observed in dlt's own schema files (spec/golden): a new root table is
 * {columns, [x-merge-strategy], write_disposition, [schema_contract, table_format, file_format,
 * x-normalizer], name, resource}; hinted columns keep the keys given first and get "name" after
 * them; key columns are {"name", "nullable": false, "<hint>": true}; scd2 adds the validity
 * columns and the row-version marker on `_dlt_id`. Columns without data_type stay incomplete
 * until the normalizer sees data for them. */
#include "extract/resource_hints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/naming.h"
#include "schema/types.h"

static const char *const known_hints[] = {
    "table_name", "write_disposition", "primary_key", "merge_key", "columns", "max_table_nesting",
    "schema_contract", "incremental", "nested_hints", "file_format", "table_format", "description", NULL};

static bool one_of(const char *v, const char *const *set) {
  for (; *set; set++)
    if (!strcmp(v, *set)) return true;
  return false;
}

void cdlt_resource_hints_release(cdlt_resource_hints *h) {
  cdlt_json_doc_release(&h->doc);
  memset(h, 0, sizeof *h);
}

static int bad(cdlt_resource_hints *h, cdlt_error *err, const char *fmt, const char *a, const char *b) {
  char msg[512];
  snprintf(msg, sizeof msg, fmt, a, b);
  cdlt_resource_hints_release(h);
  return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid resource hints: %s", msg);
}

/* "id" or ["a", "b"] (or "a,b" from the command line) -> array of strings */
static cdlt_json_value *key_list(cdlt_json_doc *d, const cdlt_json_value *v) {
  cdlt_json_value *arr = cdlt_json_array(d);
  if (!arr) return NULL;
  if (v->type == CDLT_JSON_STRING) {
    const char *s = v->u.str.ptr;
    while (*s) {
      const char *comma = strchr(s, ',');
      size_t n = comma ? (size_t)(comma - s) : strlen(s);
      while (n && *s == ' ') { s++; n--; }
      while (n && s[n - 1] == ' ') n--;
      if (n && cdlt_json_array_push(d, arr, cdlt_json_string(d, s, n))) return NULL;
      if (!comma) break;
      s = comma + 1;
    }
    return arr;
  }
  if (v->type != CDLT_JSON_ARRAY) return NULL;
  for (size_t k = 0; k < v->u.arr.len; k++) {
    if (v->u.arr.items[k]->type != CDLT_JSON_STRING) return NULL;
    if (cdlt_json_array_push(d, arr, v->u.arr.items[k])) return NULL;
  }
  return arr;
}

static const char *const dispositions[] = {"append", "replace", "merge", "skip", NULL};
static const char *const strategies[] = {"delete-insert", "upsert", "insert-only", "scd2", NULL};
static const char *const contract_modes[] = {"evolve", "freeze", "discard_row", "discard_value", NULL};
static const char *const column_keys[] = {
    "name", "data_type", "nullable", "precision", "scale", "timezone", "variant", "partition", "cluster",
    "primary_key", "sort", "unique", "merge_key", "row_key", "parent_key", "root_key", "hard_delete",
    "incremental", "dedup_sort", "description", NULL};

static int check_contract(cdlt_resource_hints *h, const cdlt_json_value *v, cdlt_error *err) {
  if (v->type == CDLT_JSON_STRING) {
    if (!one_of(v->u.str.ptr, contract_modes))
      return bad(h, err, "schema_contract mode '%s' is not one of evolve, freeze, discard_row, discard_value%s", v->u.str.ptr, "");
    return 0;
  }
  if (v->type != CDLT_JSON_OBJECT) return bad(h, err, "schema_contract must be a mode or an object%s%s", "", "");
  for (size_t k = 0; k < v->u.obj.len; k++) {
    const cdlt_json_member *m = &v->u.obj.members[k];
    if (strcmp(m->key, "tables") && strcmp(m->key, "columns") && strcmp(m->key, "data_type"))
      return bad(h, err, "schema_contract entity '%s' is not one of tables, columns, data_type%s", m->key, "");
    if (m->value->type != CDLT_JSON_STRING || !one_of(m->value->u.str.ptr, contract_modes))
      return bad(h, err, "schema_contract.%s must be one of evolve, freeze, discard_row, discard_value%s", m->key, "");
  }
  return 0;
}

static int check_columns(cdlt_resource_hints *h, cdlt_json_value **columns, cdlt_error *err) {
  cdlt_json_doc *d = &h->doc;
  cdlt_json_value *v = *columns;
  /* a list of column schemas becomes an object by name */
  if (v->type == CDLT_JSON_ARRAY) {
    cdlt_json_value *obj = cdlt_json_object(d);
    if (!obj) return CDLT_ERR_NOMEM;
    for (size_t k = 0; k < v->u.arr.len; k++) {
      const char *name = cdlt_json_get_str(v->u.arr.items[k], "name");
      if (!name) return bad(h, err, "every entry of the columns list needs a \"name\"%s%s", "", "");
      if (cdlt_json_object_set(d, obj, name, v->u.arr.items[k])) return CDLT_ERR_NOMEM;
    }
    *columns = v = obj;
  }
  if (v->type != CDLT_JSON_OBJECT) return bad(h, err, "columns must be an object or a list%s%s", "", "");
  for (size_t k = 0; k < v->u.obj.len; k++) {
    const cdlt_json_member *m = &v->u.obj.members[k];
    const cdlt_json_value *c = m->value;
    if (c->type != CDLT_JSON_OBJECT) return bad(h, err, "column '%s' must be an object%s", m->key, "");
    for (size_t j = 0; j < c->u.obj.len; j++) {
      const char *key = c->u.obj.members[j].key;
      const cdlt_json_value *cv = c->u.obj.members[j].value;
      if (strncmp(key, "x-", 2) != 0 && !one_of(key, column_keys))
        return bad(h, err, "column '%s' has an unknown property '%s'", m->key, key);
      if (!strcmp(key, "data_type") &&
          (cv->type != CDLT_JSON_STRING || cdlt_data_type_parse(cv->u.str.ptr) == CDLT_TYPE_NONE))
        return bad(h, err, "column '%s' has an unknown data_type (text, double, bool, timestamp, bigint, binary, "
                           "json, decimal, wei, date, time)%s", m->key, "");
      if (!strcmp(key, "dedup_sort") && !cdlt_json_is_str(cv, "asc") && !cdlt_json_is_str(cv, "desc"))
        return bad(h, err, "column '%s': dedup_sort must be \"asc\" or \"desc\"%s", m->key, "");
      if ((!strcmp(key, "precision") || !strcmp(key, "scale")) && cv->type != CDLT_JSON_INT)
        return bad(h, err, "column '%s': %s must be an integer", m->key, key);
    }
  }
  return 0;
}

int cdlt_resource_hints_parse(const cdlt_resource_options *opts, cdlt_resource_hints *h, cdlt_error *err) {
  memset(h, 0, sizeof *h);
  cdlt_json_doc_init(&h->doc);
  cdlt_json_doc *d = &h->doc;
  h->max_table_nesting = -1;
  if (opts->hints_json && opts->hints_json[0]) {
    int rc = cdlt_json_parse(d, opts->hints_json, strlen(opts->hints_json), "resource hints", &h->hints, err);
    if (rc) { cdlt_resource_hints_release(h); return cdlt_error_wrap(err, "invalid resource hints"); }
    if (h->hints->type != CDLT_JSON_OBJECT) return bad(h, err, "resource hints must be a JSON object%s%s", "", "");
  } else {
    h->hints = cdlt_json_object(d);
    if (!h->hints) { cdlt_resource_hints_release(h); return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }
  }
  cdlt_json_value *o = h->hints;
  for (size_t k = 0; k < o->u.obj.len; k++)
    if (!one_of(o->u.obj.members[k].key, known_hints) && strncmp(o->u.obj.members[k].key, "x-", 2) != 0)
      return bad(h, err, "unknown hint '%s'%s", o->u.obj.members[k].key, "");

  /* table / resource name */
  h->resource_name = opts->table_name;
  if (!h->resource_name) h->resource_name = cdlt_json_get_str(o, "table_name");
  if (!h->resource_name || !h->resource_name[0]) return bad(h, err, "a table name is required%s%s", "", "");

  /* write disposition: string or {"disposition": ..., "strategy": ..., ...} */
  cdlt_json_value *wd = cdlt_json_get(o, "write_disposition");
  if (opts->write_disposition) wd = cdlt_json_cstr(d, opts->write_disposition);
  h->write_disposition = "append";
  if (wd && wd->type == CDLT_JSON_STRING) {
    h->write_disposition = wd->u.str.ptr;
  } else if (wd && wd->type == CDLT_JSON_OBJECT) {
    h->merge_config = wd;
    const char *disp = cdlt_json_get_str(wd, "disposition");
    if (!disp) return bad(h, err, "write_disposition object needs a \"disposition\"%s%s", "", "");
    h->write_disposition = disp;
    for (size_t k = 0; k < wd->u.obj.len; k++) {
      static const char *const keys[] = {"disposition", "strategy", "validity_column_names", "active_record_timestamp",
                                         "boundary_timestamp", "row_version_column_name", "retire_absent_rows",
                                         "natural_key", NULL};
      if (!one_of(wd->u.obj.members[k].key, keys))
        return bad(h, err, "unknown write_disposition option '%s'%s", wd->u.obj.members[k].key, "");
    }
    const char *strategy = cdlt_json_get_str(wd, "strategy");
    if (cdlt_json_get(wd, "strategy") && !strategy) return bad(h, err, "write_disposition.strategy must be a string%s%s", "", "");
    if (strategy && !one_of(strategy, strategies))
      return bad(h, err, "'%s' is not a valid merge strategy. Allowed values: \"delete-insert\", \"upsert\", "
                         "\"insert-only\", \"scd2\"%s", strategy, "");
    if (!strcmp(disp, "merge")) h->merge_strategy = strategy ? strategy : "delete-insert";
    cdlt_json_value *vc = cdlt_json_get(wd, "validity_column_names");
    if (vc && (vc->type != CDLT_JSON_ARRAY || vc->u.arr.len != 2 || vc->u.arr.items[0]->type != CDLT_JSON_STRING ||
               vc->u.arr.items[1]->type != CDLT_JSON_STRING))
      return bad(h, err, "validity_column_names must be a list of two column names%s%s", "", "");
  } else if (wd) {
    return bad(h, err, "write_disposition must be a string or an object%s%s", "", "");
  }
  if (!one_of(h->write_disposition, dispositions))
    return bad(h, err, "write_disposition '%s' is not one of append, replace, merge, skip%s", h->write_disposition, "");

  cdlt_json_value *v;
  if ((v = cdlt_json_get(o, "primary_key")) && !(h->primary_key = key_list(d, v)))
    return bad(h, err, "primary_key must be a column name or a list of names%s%s", "", "");
  if ((v = cdlt_json_get(o, "merge_key")) && !(h->merge_key = key_list(d, v)))
    return bad(h, err, "merge_key must be a column name or a list of names%s%s", "", "");
  if ((v = cdlt_json_get(o, "columns"))) {
    h->columns = v;
    int rc = check_columns(h, &h->columns, err);
    if (rc) { if (rc == CDLT_ERR_NOMEM) { cdlt_resource_hints_release(h); return cdlt_error_set(err, rc, "out of memory"); } return rc; }
  }
  if ((v = cdlt_json_get(o, "max_table_nesting"))) {
    if (v->type != CDLT_JSON_INT || v->u.num.i < 0) return bad(h, err, "max_table_nesting must be a non-negative integer%s%s", "", "");
    h->max_table_nesting = v->u.num.i;
  }
  if ((v = cdlt_json_get(o, "schema_contract"))) {
    int rc = check_contract(h, v, err);
    if (rc) return rc;
    h->schema_contract = v;
  }
  if ((v = cdlt_json_get(o, "incremental"))) {
    if (v->type != CDLT_JSON_OBJECT || !cdlt_json_get_str(v, "cursor_path"))
      return bad(h, err, "incremental must be an object with a \"cursor_path\"%s%s", "", "");
    h->incremental = v;
  }
  if ((v = cdlt_json_get(o, "nested_hints"))) {
    if (v->type != CDLT_JSON_OBJECT) return bad(h, err, "nested_hints must be an object%s%s", "", "");
    h->nested_hints = v;
  }
  if ((v = cdlt_json_get(o, "file_format"))) {
    static const char *const formats[] = {"preferred", "jsonl", "parquet", "csv", "insert_values", "typed-jsonl", NULL};
    if (v->type != CDLT_JSON_STRING || !one_of(v->u.str.ptr, formats))
      return bad(h, err, "file_format must be one of preferred, jsonl, parquet, csv, insert_values%s%s", "", "");
  }
  if (h->merge_strategy && !strcmp(h->merge_strategy, "upsert") && !h->primary_key) {
    bool pk_in_columns = false;
    for (size_t k = 0; h->columns && k < h->columns->u.obj.len; k++)
      if (cdlt_json_get_bool(h->columns->u.obj.members[k].value, "primary_key", false)) pk_in_columns = true;
    if (!pk_in_columns) return bad(h, err, "merge strategy 'upsert' needs a primary_key%s%s", "", "");
  }
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* applying */

typedef struct applier {
  cdlt_schema *s;
  cdlt_naming_ctx naming;
  cdlt_buf name;
  cdlt_json_doc tmp;
  cdlt_error *err;
} applier;

static const char *norm_column(applier *a, const char *raw) {
  cdlt_buf_reset(&a->name);
  if (cdlt_naming_normalize_path(&a->naming, raw, strlen(raw), &a->name, a->err)) return NULL;
  return a->name.data ? a->name.data : "";
}

/* a column schema from the hints, with its name normalized and "name" after the given keys */
static cdlt_json_value *hinted_column(applier *a, const char *raw_name, const cdlt_json_value *props) {
  const char *name = norm_column(a, cdlt_json_get_str(props, "name") ? cdlt_json_get_str(props, "name") : raw_name);
  if (!name) return NULL;
  cdlt_json_value *c = cdlt_json_copy(&a->tmp, props);
  if (!c || cdlt_json_object_set(&a->tmp, c, "name", cdlt_json_cstr(&a->tmp, name))) return NULL;
  return c;
}

/* sets or merges a column into table t: a new column is appended; an existing one gets the
 * given properties in place (dlt's merge_column) */
static int put_column(applier *a, cdlt_table *t, const cdlt_json_value *col) {
  if (!cdlt_schema_merge_column(a->s, t, col)) return cdlt_error_set(a->err, CDLT_ERR_NOMEM, "out of memory");
  return 0;
}

/* primary_key / merge_key: {"name", "nullable": false, hint: true}, or the hint merged into an
 * existing column keeping its nullable (dlt's _merge_key) */
static int put_key_columns(applier *a, cdlt_table *t, const cdlt_json_value *keys, const char *hint) {
  for (size_t k = 0; keys && k < keys->u.arr.len; k++) {
    const char *name = norm_column(a, keys->u.arr.items[k]->u.str.ptr);
    if (!name) return a->err->code;
    cdlt_column *existing = cdlt_table_column(t, name, strlen(name));
    cdlt_json_value *c = cdlt_json_object(&a->tmp);
    if (!c) return CDLT_ERR_NOMEM;
    cdlt_json_object_set(&a->tmp, c, "name", cdlt_json_cstr(&a->tmp, name));
    if (existing) {
      cdlt_json_object_set(&a->tmp, c, hint, cdlt_json_bool(&a->tmp, true));
      cdlt_json_value *nl = cdlt_json_get(existing->json, "nullable");
      cdlt_json_object_set(&a->tmp, c, "nullable", nl ? cdlt_json_copy(&a->tmp, nl) : cdlt_json_bool(&a->tmp, false));
    } else {
      cdlt_json_object_set(&a->tmp, c, "nullable", cdlt_json_bool(&a->tmp, false));
      cdlt_json_object_set(&a->tmp, c, hint, cdlt_json_bool(&a->tmp, true));
    }
    int rc = put_column(a, t, c);
    if (rc) return rc;
  }
  return 0;
}

/* the scd2 columns (§8.5): validity from/to and the row version marker */
static int put_scd2_columns(applier *a, cdlt_table *t, const cdlt_json_value *cfg) {
  cdlt_json_doc *d = &a->tmp;
  const char *from = "_dlt_valid_from", *to = "_dlt_valid_to";
  cdlt_json_value *vc = cdlt_json_get(cfg, "validity_column_names");
  if (vc) { from = vc->u.arr.items[0]->u.str.ptr; to = vc->u.arr.items[1]->u.str.ptr; }
  char *from_n = NULL, *to_n = NULL;
  const char *n = norm_column(a, from);
  if (n) from_n = strdup(n);
  n = norm_column(a, to);
  if (n) to_n = strdup(n);
  int rc = 0;
  if (!from_n || !to_n) { rc = a->err->code ? a->err->code : CDLT_ERR_NOMEM; goto out; }
  cdlt_json_value *c = cdlt_json_object(d);
  cdlt_json_object_set(d, c, "name", cdlt_json_cstr(d, from_n));
  cdlt_json_object_set(d, c, "data_type", cdlt_json_cstr(d, "timestamp"));
  cdlt_json_object_set(d, c, "nullable", cdlt_json_bool(d, true));
  cdlt_json_object_set(d, c, "x-valid-from", cdlt_json_bool(d, true));
  if ((rc = put_column(a, t, c))) goto out;
  c = cdlt_json_object(d);
  cdlt_json_object_set(d, c, "name", cdlt_json_cstr(d, to_n));
  cdlt_json_object_set(d, c, "data_type", cdlt_json_cstr(d, "timestamp"));
  cdlt_json_object_set(d, c, "nullable", cdlt_json_bool(d, true));
  cdlt_json_object_set(d, c, "x-valid-to", cdlt_json_bool(d, true));
  cdlt_json_value *art = cdlt_json_get(cfg, "active_record_timestamp");
  cdlt_json_object_set(d, c, "x-active-record-timestamp", art ? cdlt_json_copy(d, art) : cdlt_json_null(d));
  if ((rc = put_column(a, t, c))) goto out;
  const char *rv = cdlt_json_get_str(cfg, "row_version_column_name");
  const char *rv_n = rv ? norm_column(a, rv) : "_dlt_id";
  if (!rv_n) { rc = a->err->code; goto out; }
  c = cdlt_json_object(d);
  cdlt_json_object_set(d, c, "name", cdlt_json_cstr(d, rv_n));
  cdlt_json_object_set(d, c, "nullable", cdlt_json_bool(d, false));
  cdlt_json_object_set(d, c, "x-row-version", cdlt_json_bool(d, true));
  if (!strcmp(rv_n, "_dlt_id")) {
    cdlt_json_object_set(d, c, "unique", cdlt_json_bool(d, false));
    cdlt_json_object_set(d, c, "row_key", cdlt_json_bool(d, false));
  }
  rc = put_column(a, t, c);
out:
  free(from_n);
  free(to_n);
  return rc;
}

/* table-level properties after the columns, in dlt's order; existing tables are updated in place */
static int put_table_props(applier *a, cdlt_table *t, const cdlt_resource_hints *h, bool is_root) {
  cdlt_json_doc *d = &a->tmp;
  int rc = 0;
  if (is_root && h->merge_strategy) rc |= cdlt_table_set_prop(a->s, t, "x-merge-strategy", cdlt_json_cstr(d, h->merge_strategy));
  if (is_root && h->merge_config) {
    cdlt_json_value *bt = cdlt_json_get(h->merge_config, "boundary_timestamp");
    if (bt) rc |= cdlt_table_set_prop(a->s, t, "x-boundary-timestamp", bt);
  }
  if (is_root) rc |= cdlt_table_set_prop(a->s, t, "write_disposition", cdlt_json_cstr(d, h->write_disposition));
  if (h->schema_contract) rc |= cdlt_table_set_prop(a->s, t, "schema_contract", h->schema_contract);
  cdlt_json_value *v;
  if ((v = cdlt_json_get(h->hints, "table_format"))) rc |= cdlt_table_set_prop(a->s, t, "table_format", v);
  if ((v = cdlt_json_get(h->hints, "file_format"))) rc |= cdlt_table_set_prop(a->s, t, "file_format", v);
  if ((v = cdlt_json_get(h->hints, "description"))) rc |= cdlt_table_set_prop(a->s, t, "description", v);
  if (h->max_table_nesting >= 0) {
    cdlt_json_value *xn = cdlt_json_get(t->json, "x-normalizer");
    cdlt_json_value *nx = xn ? cdlt_json_copy(d, xn) : cdlt_json_object(d);
    if (!nx || cdlt_json_object_set(d, nx, "max_nesting", cdlt_json_int(d, h->max_table_nesting))) return CDLT_ERR_NOMEM;
    rc |= cdlt_table_set_prop(a->s, t, "x-normalizer", nx);
  }
  for (size_t k = 0; k < h->hints->u.obj.len; k++) {
    const cdlt_json_member *m = &h->hints->u.obj.members[k];
    if (!strncmp(m->key, "x-", 2)) rc |= cdlt_table_set_prop(a->s, t, m->key, m->value);
  }
  return rc ? cdlt_error_set(a->err, CDLT_ERR_NOMEM, "out of memory") : 0;
}

static int apply_columns(applier *a, cdlt_table *t, const cdlt_json_value *columns) {
  for (size_t k = 0; columns && k < columns->u.obj.len; k++) {
    cdlt_json_value *c = hinted_column(a, columns->u.obj.members[k].key, columns->u.obj.members[k].value);
    if (!c) return a->err->code ? a->err->code : cdlt_error_set(a->err, CDLT_ERR_NOMEM, "out of memory");
    int rc = put_column(a, t, c);
    if (rc) return rc;
  }
  return 0;
}

int cdlt_resource_hints_apply(cdlt_schema *s, const cdlt_resource_hints *h, const char *table_name,
                              cdlt_table **out_table, cdlt_error *err) {
  applier a = {.s = s, .err = err};
  const char *names = cdlt_json_get_str(cdlt_json_get(s->root, "normalizers"), "names");
  const cdlt_naming *conv = cdlt_naming_find(names ? names : "snake_case");
  if (!conv) return cdlt_error_set(err, CDLT_ERR_SCHEMA, "unknown naming convention '%s'", names);
  a.naming = cdlt_naming_ctx_make(conv, 0);
  cdlt_buf_init(&a.name);
  cdlt_json_doc_init(&a.tmp);
  int rc = 0;

  cdlt_table *t = cdlt_schema_table(s, table_name);
  bool is_new = t == NULL;
  if (is_new) {
    /* a fresh table object with the columns first; table props and name/resource follow */
    cdlt_json_value *j = cdlt_json_object(&a.tmp);
    if (!j || cdlt_json_object_set(&a.tmp, j, "columns", cdlt_json_object(&a.tmp))) { rc = CDLT_ERR_NOMEM; goto out; }
    t = cdlt_schema_add_root_table(s, table_name, h->write_disposition, table_name);
    if (!t) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto out; }
    /* add_root_table wrote {columns, write_disposition, name, resource}: drop the last three and
     * put them back after the hinted properties, as dlt orders them */
    cdlt_json_object_remove(t->json, "write_disposition");
    cdlt_json_object_remove(t->json, "name");
    cdlt_json_object_remove(t->json, "resource");
  } else if (t->parent) {
    rc = cdlt_error_set(err, CDLT_ERR_USAGE, "table '%s' is a nested table of '%s' and cannot receive a resource's items",
                        table_name, t->parent);
    goto out;
  }
  if ((rc = apply_columns(&a, t, h->columns))) goto out;
  if ((rc = put_key_columns(&a, t, h->primary_key, "primary_key"))) goto out;
  if ((rc = put_key_columns(&a, t, h->merge_key, "merge_key"))) goto out;
  if (h->merge_strategy && !strcmp(h->merge_strategy, "scd2") && (rc = put_scd2_columns(&a, t, h->merge_config))) goto out;
  if ((rc = put_table_props(&a, t, h, true))) goto out;
  if (is_new) {
    rc |= cdlt_table_set_prop(s, t, "name", cdlt_json_cstr(&a.tmp, table_name));
    rc |= cdlt_table_set_prop(s, t, "resource", cdlt_json_cstr(&a.tmp, table_name));
    if (rc) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto out; }
  }

  /* nested_hints: {"path": {columns, primary_key, merge_key, ...}} for <root>__<path> tables */
  for (size_t k = 0; h->nested_hints && k < h->nested_hints->u.obj.len; k++) {
    const cdlt_json_member *m = &h->nested_hints->u.obj.members[k];
    cdlt_buf path;
    cdlt_buf_init(&path);
    cdlt_buf_printf(&path, "%s__%s", table_name, m->key);
    cdlt_buf full;
    cdlt_buf_init(&full);
    rc = cdlt_naming_normalize_tables_path(&a.naming, path.data, path.len, &full, err);
    cdlt_buf_release(&path);
    if (rc) { cdlt_buf_release(&full); goto out; }
    /* the parent is the path without its last segment */
    char *parent = strdup(full.data);
    char *cut = parent ? strstr(parent, "__") : NULL;
    for (char *p = cut; p; p = strstr(p + 2, "__")) cut = p;
    if (cut) *cut = 0;
    cdlt_table *nt = parent ? cdlt_schema_add_nested_table(s, full.data, parent) : NULL;
    free(parent);
    cdlt_buf_release(&full);
    if (!nt) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto out; }
    const cdlt_json_value *nh = m->value;
    if ((rc = apply_columns(&a, nt, cdlt_json_get(nh, "columns")))) goto out;
    cdlt_json_value *pk = cdlt_json_get(nh, "primary_key");
    cdlt_json_value *pkl = pk ? key_list(&a.tmp, pk) : NULL;
    if ((rc = put_key_columns(&a, nt, pkl, "primary_key"))) goto out;
  }
  if (out_table) *out_table = t;
out:
  cdlt_buf_release(&a.name);
  cdlt_json_doc_release(&a.tmp);
  return rc;
}
