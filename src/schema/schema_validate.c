/* schema_validate.c — validation of a stored-schema dict read from a schema file (dlt's
 * validate_stored_schema over TStoredSchema, plus the checks Schema.from_dict makes). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "schema/schema_export.h"
#include "schema/types.h"

typedef struct vctx {
  const char *source;
  cdlt_error *err;
} vctx;

static const char *type_name(const cdlt_json_value *v) {
  switch (v->type) {
    case CDLT_JSON_NULL: return "null";
    case CDLT_JSON_BOOL: return "a boolean";
    case CDLT_JSON_INT:
    case CDLT_JSON_BIGINT: return "an integer";
    case CDLT_JSON_FLOAT: return "a number";
    case CDLT_JSON_STRING: return "a string";
    case CDLT_JSON_ARRAY: return "a list";
    case CDLT_JSON_OBJECT: return "a mapping";
  }
  return "?";
}

static bool in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (!strcmp(s, *list)) return true;
  return false;
}

static void join(char *out, size_t cap, const char *const *list) {
  size_t o = 0;
  out[0] = 0;
  for (; *list && o < cap; list++) o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? ", " : "", *list);
}

/* "in '<file>': <where>: <what>" */
static int bad(vctx *c, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(vctx *c, const char *where, const char *fmt, ...) {
  char what[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return cdlt_error_set(c->err, CDLT_ERR_SCHEMA, "invalid schema file '%s': %s%s%s", c->source, where,
                        where[0] ? ": " : "", what);
}

enum kind { K_STR, K_BOOL, K_INT, K_LIST, K_MAP, K_ANY };

static bool kind_ok(const cdlt_json_value *v, enum kind k) {
  switch (k) {
    case K_STR: return v->type == CDLT_JSON_STRING;
    case K_BOOL: return v->type == CDLT_JSON_BOOL;
    case K_INT: return v->type == CDLT_JSON_INT;
    case K_LIST: return v->type == CDLT_JSON_ARRAY;
    case K_MAP: return v->type == CDLT_JSON_OBJECT;
    case K_ANY: return true;
  }
  return false;
}
static const char *kind_name(enum kind k) {
  static const char *const n[] = {"a string", "a boolean", "an integer", "a list", "a mapping", "any value"};
  return n[k];
}

typedef struct field {
  const char *name;
  enum kind kind;
  bool nullable;                  /* Optional[...] in dlt's TypedDict */
  const char *const *one_of;      /* for strings: the allowed literals */
} field;

static const char *const DATA_TYPES[] = {"text", "double", "bool", "timestamp", "bigint", "binary",
                                         "json", "decimal", "wei", "date", "time", NULL};
static const char *const WRITE_DISPOSITIONS[] = {"skip", "append", "replace", "merge", NULL};
static const char *const TABLE_FORMATS[] = {"iceberg", "delta", "hive", "native", NULL};
static const char *const FILE_FORMATS[] = {"preferred", "jsonl", "typed-jsonl", "insert_values", "parquet",
                                           "csv", "reference", "model", NULL};
static const char *const MERGE_STRATEGIES[] = {"delete-insert", "scd2", "upsert", "insert-only", NULL};
static const char *const CONTRACT_MODES[] = {"evolve", "discard_value", "freeze", "discard_row", NULL};
static const char *const SORT_ORDERS[] = {"asc", "desc", NULL};
static const char *const DETECTIONS[] = {"timestamp", "iso_timestamp", "iso_date", "large_integer",
                                         "hexbytes_to_text", "wei_to_double", NULL};
static const char *const DEFAULT_HINTS[] = {"not_null", "partition", "cluster", "primary_key", "row_key",
                                            "parent_key", "root_key", "merge_key", "sort", "unique",
                                            "hard_delete", "dedup_sort", "incremental", NULL};
static const char *const CARDINALITIES[] = {"zero_to_one", "one_to_zero", "zero_to_many", "many_to_zero",
                                            "one_to_many", "many_to_one", "one_to_one", "many_to_many", NULL};

/* Checks the fields of obj against spec; unknown keys other than x-* are errors. */
static int check_fields(vctx *c, const char *where, const cdlt_json_value *obj, const field *spec) {
  for (size_t k = 0; k < obj->u.obj.len; k++) {
    const cdlt_json_member *m = &obj->u.obj.members[k];
    if (!strncmp(m->key, "x-", 2)) continue;
    const field *f = spec;
    while (f->name && strcmp(f->name, m->key)) f++;
    if (!f->name) return bad(c, where, "unexpected field '%s'", m->key);
    const cdlt_json_value *v = m->value;
    if (v->type == CDLT_JSON_NULL && f->nullable) continue;
    if (!kind_ok(v, f->kind))
      return bad(c, where, "field '%s' is %s, expected %s", m->key, type_name(v), kind_name(f->kind));
    if (f->one_of && !in_list(v->u.str.ptr, f->one_of)) {
      char allowed[400];
      join(allowed, sizeof allowed, f->one_of);
      return bad(c, where, "field '%s' has value '%s', expected one of: %s", m->key, v->u.str.ptr, allowed);
    }
  }
  return 0;
}

static int check_str_list(vctx *c, const char *where, const char *key, const cdlt_json_value *v,
                          const char *const *one_of) {
  if (!v || v->type == CDLT_JSON_NULL) return 0;
  if (v->type != CDLT_JSON_ARRAY) return bad(c, where, "field '%s' is %s, expected a list", key, type_name(v));
  for (size_t k = 0; k < v->u.arr.len; k++) {
    const cdlt_json_value *it = v->u.arr.items[k];
    if (it->type != CDLT_JSON_STRING)
      return bad(c, where, "item %zu of '%s' is %s, expected a string", k, key, type_name(it));
    if (one_of && !in_list(it->u.str.ptr, one_of)) {
      char allowed[400];
      join(allowed, sizeof allowed, one_of);
      return bad(c, where, "item '%s' of '%s' is not one of: %s", it->u.str.ptr, key, allowed);
    }
  }
  return 0;
}

/* dlt simple regex: "re:<python regex>" or an exact name that must not look like a regex */
static int check_simple_regex(vctx *c, const char *where, const char *key, const cdlt_json_value *v) {
  if (v->type != CDLT_JSON_STRING)
    return bad(c, where, "field '%s' value is %s, expected a string", key, type_name(v));
  const char *s = v->u.str.ptr;
  if (!strncmp(s, "re:", 3)) return 0;
  char ch = s[0];
  bool word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
  if (ch && !word) return bad(c, where, "field '%s' value '%s' looks like a regex, please prefix with re:", key, s);
  return 0;
}

static int check_contract(vctx *c, const char *where, const cdlt_json_value *v) {
  if (!v || v->type == CDLT_JSON_NULL) return 0;
  if (v->type == CDLT_JSON_STRING) {
    static const field f[] = {{"schema_contract", K_STR, true, CONTRACT_MODES}, {NULL, K_ANY, false, NULL}};
    cdlt_json_value wrap;
    cdlt_json_member m = {"schema_contract", strlen("schema_contract"), (cdlt_json_value *)v};
    wrap.type = CDLT_JSON_OBJECT;
    wrap.u.obj.members = &m;
    wrap.u.obj.len = wrap.u.obj.cap = 1;
    return check_fields(c, where, &wrap, f);
  }
  if (v->type != CDLT_JSON_OBJECT)
    return bad(c, where, "field 'schema_contract' is %s, expected a string or a mapping", type_name(v));
  static const field f[] = {{"tables", K_STR, true, CONTRACT_MODES},
                            {"columns", K_STR, true, CONTRACT_MODES},
                            {"data_type", K_STR, true, CONTRACT_MODES},
                            {NULL, K_ANY, false, NULL}};
  char w[300];
  snprintf(w, sizeof w, "%s%sschema_contract", where, where[0] ? ", " : "");
  return check_fields(c, w, v, f);
}

static int check_column(vctx *c, const char *table, const char *name, const cdlt_json_value *col) {
  char where[400];
  snprintf(where, sizeof where, "table '%s', column '%s'", table, name);
  if (col->type != CDLT_JSON_OBJECT) return bad(c, where, "column is %s, expected a mapping", type_name(col));
  static const field f[] = {
      {"name", K_STR, true, NULL},          {"data_type", K_STR, true, DATA_TYPES},
      {"nullable", K_BOOL, true, NULL},     {"precision", K_INT, true, NULL},
      {"scale", K_INT, true, NULL},         {"timezone", K_BOOL, true, NULL},
      {"variant", K_BOOL, true, NULL},      {"partition", K_BOOL, true, NULL},
      {"cluster", K_BOOL, true, NULL},      {"primary_key", K_BOOL, true, NULL},
      {"sort", K_BOOL, true, NULL},         {"unique", K_BOOL, true, NULL},
      {"merge_key", K_BOOL, true, NULL},    {"row_key", K_BOOL, true, NULL},
      {"parent_key", K_BOOL, true, NULL},   {"root_key", K_BOOL, true, NULL},
      {"hard_delete", K_BOOL, true, NULL},  {"incremental", K_BOOL, true, NULL},
      {"dedup_sort", K_STR, true, SORT_ORDERS}, {"description", K_STR, true, NULL},
      {NULL, K_ANY, false, NULL}};
  return check_fields(c, where, col, f);
}

static int check_table(vctx *c, const cdlt_json_value *tables, const char *name, const cdlt_json_value *t) {
  char where[400];
  snprintf(where, sizeof where, "table '%s'", name);
  if (t->type != CDLT_JSON_OBJECT) return bad(c, where, "table is %s, expected a mapping", type_name(t));
  static const field f[] = {
      {"name", K_STR, true, NULL},           {"description", K_STR, true, NULL},
      {"write_disposition", K_STR, true, WRITE_DISPOSITIONS},
      {"schema_contract", K_ANY, true, NULL}, {"table_sealed", K_BOOL, true, NULL},
      {"parent", K_STR, true, NULL},         {"filters", K_MAP, true, NULL},
      {"columns", K_MAP, false, NULL},       {"resource", K_STR, true, NULL},
      {"table_format", K_STR, true, TABLE_FORMATS}, {"file_format", K_STR, true, FILE_FORMATS},
      {"references", K_LIST, true, NULL},    {NULL, K_ANY, false, NULL}};
  int rc = check_fields(c, where, t, f);
  if (rc) return rc;
  const cdlt_json_value *cols = cdlt_json_get(t, "columns");
  if (!cols) return bad(c, where, "required field 'columns' is missing");
  if ((rc = check_contract(c, where, cdlt_json_get(t, "schema_contract")))) return rc;
  const cdlt_json_value *ms = cdlt_json_get(t, "x-merge-strategy");
  if (ms && ms->type != CDLT_JSON_NULL && (ms->type != CDLT_JSON_STRING || !in_list(ms->u.str.ptr, MERGE_STRATEGIES))) {
    char allowed[200];
    join(allowed, sizeof allowed, MERGE_STRATEGIES);
    return bad(c, where, "field 'x-merge-strategy' must be one of: %s", allowed);
  }
  const cdlt_json_value *filters = cdlt_json_get(t, "filters");
  if (filters && filters->type == CDLT_JSON_OBJECT) {
    static const field ff[] = {{"excludes", K_LIST, true, NULL}, {"includes", K_LIST, true, NULL}, {NULL, K_ANY, false, NULL}};
    if ((rc = check_fields(c, where, filters, ff))) return rc;
    for (size_t k = 0; k < filters->u.obj.len; k++) {
      const cdlt_json_value *l = filters->u.obj.members[k].value;
      if (l->type != CDLT_JSON_ARRAY) continue;
      for (size_t i = 0; i < l->u.arr.len; i++)
        if ((rc = check_simple_regex(c, where, filters->u.obj.members[k].key, l->u.arr.items[i]))) return rc;
    }
  }
  const cdlt_json_value *refs = cdlt_json_get(t, "references");
  if (refs && refs->type == CDLT_JSON_ARRAY) {
    static const field rf[] = {{"columns", K_LIST, false, NULL}, {"referenced_table", K_STR, false, NULL},
                               {"referenced_columns", K_LIST, false, NULL}, {"label", K_STR, true, NULL},
                               {"cardinality", K_STR, true, CARDINALITIES}, {NULL, K_ANY, false, NULL}};
    for (size_t k = 0; k < refs->u.arr.len; k++) {
      const cdlt_json_value *r = refs->u.arr.items[k];
      char w[460];
      snprintf(w, sizeof w, "%s, reference %zu", where, k);
      if (r->type != CDLT_JSON_OBJECT) return bad(c, w, "reference is %s, expected a mapping", type_name(r));
      if ((rc = check_fields(c, w, r, rf))) return rc;
      if (!cdlt_json_get(r, "referenced_table")) return bad(c, w, "required field 'referenced_table' is missing");
      if ((rc = check_str_list(c, w, "columns", cdlt_json_get(r, "columns"), NULL))) return rc;
      if ((rc = check_str_list(c, w, "referenced_columns", cdlt_json_get(r, "referenced_columns"), NULL))) return rc;
    }
  }
  for (size_t k = 0; k < cols->u.obj.len; k++)
    if ((rc = check_column(c, name, cols->u.obj.members[k].key, cols->u.obj.members[k].value))) return rc;
  const char *parent = cdlt_json_get_str(t, "parent");
  if (parent && parent[0] && !cdlt_json_get(tables, parent))
    return bad(c, where, "parent table '%s' is not in the schema", parent);
  return 0;
}

static int check_settings(vctx *c, const cdlt_json_value *s) {
  static const field f[] = {{"schema_contract", K_ANY, true, NULL}, {"detections", K_LIST, true, NULL},
                            {"default_hints", K_MAP, true, NULL}, {"preferred_types", K_MAP, true, NULL},
                            {NULL, K_ANY, false, NULL}};
  int rc = check_fields(c, "settings", s, f);
  if (rc) return rc;
  if ((rc = check_contract(c, "settings", cdlt_json_get(s, "schema_contract")))) return rc;
  if ((rc = check_str_list(c, "settings", "detections", cdlt_json_get(s, "detections"), DETECTIONS))) return rc;
  const cdlt_json_value *dh = cdlt_json_get(s, "default_hints");
  if (dh && dh->type == CDLT_JSON_OBJECT)
    for (size_t k = 0; k < dh->u.obj.len; k++) {
      const cdlt_json_member *m = &dh->u.obj.members[k];
      if (!in_list(m->key, DEFAULT_HINTS)) {
        char allowed[400];
        join(allowed, sizeof allowed, DEFAULT_HINTS);
        return bad(c, "settings, default_hints", "'%s' is not a column hint (%s)", m->key, allowed);
      }
      if (m->value->type == CDLT_JSON_NULL) continue;
      if (m->value->type != CDLT_JSON_ARRAY)
        return bad(c, "settings, default_hints", "field '%s' is %s, expected a list", m->key, type_name(m->value));
      for (size_t i = 0; i < m->value->u.arr.len; i++)
        if ((rc = check_simple_regex(c, "settings, default_hints", m->key, m->value->u.arr.items[i]))) return rc;
    }
  const cdlt_json_value *pt = cdlt_json_get(s, "preferred_types");
  if (pt && pt->type == CDLT_JSON_OBJECT)
    for (size_t k = 0; k < pt->u.obj.len; k++) {
      const cdlt_json_member *m = &pt->u.obj.members[k];
      cdlt_json_value key;
      key.type = CDLT_JSON_STRING;
      key.u.str.ptr = m->key;
      key.u.str.len = m->key_len;
      if ((rc = check_simple_regex(c, "settings, preferred_types", "preferred_types", &key))) return rc;
      if (m->value->type != CDLT_JSON_STRING || !in_list(m->value->u.str.ptr, DATA_TYPES))
        return bad(c, "settings, preferred_types", "'%s' maps to %s%s%s, which is not a dlt data type", m->key,
                   m->value->type == CDLT_JSON_STRING ? "'" : "",
                   m->value->type == CDLT_JSON_STRING ? m->value->u.str.ptr : type_name(m->value),
                   m->value->type == CDLT_JSON_STRING ? "'" : "");
    }
  return 0;
}

static bool valid_schema_name(const char *n) {
  size_t len = strlen(n);
  if (len == 0 || len > 64) return false;
  if (n[0] >= '0' && n[0] <= '9') return false;
  for (const unsigned char *p = (const unsigned char *)n; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' || *p >= 0x80))
      return false;
  return true;
}

int cdlt_schema_validate_dict(const cdlt_json_value *stored, const char *source, cdlt_error *err) {
  vctx c = {source, err};
  if (!stored || stored->type != CDLT_JSON_OBJECT)
    return bad(&c, "", "the document is %s, expected a mapping", stored ? type_name(stored) : "empty");
  static const field f[] = {
      {"version", K_INT, false, NULL},          {"version_hash", K_STR, false, NULL},
      {"previous_hashes", K_LIST, false, NULL}, {"imported_version_hash", K_STR, true, NULL},
      {"engine_version", K_INT, false, NULL},   {"name", K_STR, false, NULL},
      {"description", K_STR, true, NULL},       {"settings", K_MAP, true, NULL},
      {"tables", K_MAP, false, NULL},           {"normalizers", K_MAP, false, NULL},
      {NULL, K_ANY, false, NULL}};
  int rc = check_fields(&c, "", stored, f);
  if (rc) return rc;
  const char *name = cdlt_json_get_str(stored, "name");
  if (!name) return bad(&c, "", "required field 'name' is missing");
  if (!valid_schema_name(name))
    return bad(&c, "", "schema name '%s' is not a valid identifier of at most 64 characters", name);
  const cdlt_json_value *ev = cdlt_json_get(stored, "engine_version");
  if (!ev) return bad(&c, "", "required field 'engine_version' is missing");
  if (ev->u.num.i != CDLT_SCHEMA_ENGINE_VERSION)
    return bad(&c, "", "engine_version %lld is not supported (cdlt reads engine version %d)", (long long)ev->u.num.i,
               CDLT_SCHEMA_ENGINE_VERSION);
  if ((rc = check_str_list(&c, "", "previous_hashes", cdlt_json_get(stored, "previous_hashes"), NULL))) return rc;
  const cdlt_json_value *settings = cdlt_json_get(stored, "settings");
  if (settings && settings->type == CDLT_JSON_OBJECT && (rc = check_settings(&c, settings))) return rc;
  const cdlt_json_value *norm = cdlt_json_get(stored, "normalizers");
  if (norm) {
    static const field nf[] = {{"names", K_STR, true, NULL}, {"json", K_MAP, true, NULL},
                               {"detections", K_LIST, true, NULL},
                               {"allow_identifier_change_on_table_with_data", K_BOOL, true, NULL},
                               {"use_break_path_on_normalize", K_BOOL, true, NULL},
                               {NULL, K_ANY, false, NULL}};
    if ((rc = check_fields(&c, "normalizers", norm, nf))) return rc;
    const cdlt_json_value *js = cdlt_json_get(norm, "json");
    if (js && js->type == CDLT_JSON_OBJECT) {
      static const field jf[] = {{"module", K_STR, false, NULL}, {"config", K_MAP, true, NULL}, {NULL, K_ANY, false, NULL}};
      if ((rc = check_fields(&c, "normalizers, json", js, jf))) return rc;
    }
  }
  const cdlt_json_value *tables = cdlt_json_get(stored, "tables");
  if (!tables) return bad(&c, "", "required field 'tables' is missing");
  for (size_t k = 0; k < tables->u.obj.len; k++)
    if ((rc = check_table(&c, tables, tables->u.obj.members[k].key, tables->u.obj.members[k].value))) return rc;
  if (!cdlt_json_get(tables, "_dlt_version"))
    return bad(&c, "", "schema '%s' is corrupt: it must contain table '_dlt_version'", name);
  if (!cdlt_json_get(tables, "_dlt_loads"))
    return bad(&c, "", "schema '%s' is corrupt: it must contain table '_dlt_loads'", name);
  return 0;
}
