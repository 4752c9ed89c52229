/* schema_export.c — import of schema files (dlt Schema.from_dict) and export in dlt's formats
 * (Schema.to_pretty_json / to_pretty_yaml), plus the small public API of include/cdlt/schema.h. */
#include "schema/schema_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/schema.h"
#include "schema/yaml.h"
#include "util/fs.h"

cdlt_schema_format cdlt_schema_format_of_path(const char *path) {
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  if (dot && (!slash || dot > slash) && !strcmp(dot, ".json")) return CDLT_SCHEMA_FORMAT_JSON;
  return CDLT_SCHEMA_FORMAT_YAML;
}

static int nomem(cdlt_error *err) { return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }

int cdlt_schema_apply_defaults(cdlt_json_doc *d, cdlt_json_value *stored) {
  cdlt_json_value *tables = cdlt_json_get(stored, "tables");
  if (tables && tables->type == CDLT_JSON_OBJECT)
    for (size_t k = 0; k < tables->u.obj.len; k++) {
      cdlt_json_member *tm = &tables->u.obj.members[k];
      cdlt_json_value *t = tm->value;
      if (t->type != CDLT_JSON_OBJECT) continue;
      if (cdlt_json_object_set(d, t, "name", cdlt_json_string(d, tm->key, tm->key_len))) return CDLT_ERR_NOMEM;
      cdlt_json_value *cols = cdlt_json_get(t, "columns");
      if (cols && cols->type == CDLT_JSON_OBJECT)
        for (size_t c = 0; c < cols->u.obj.len; c++) {
          cdlt_json_member *cm = &cols->u.obj.members[c];
          if (cm->value->type != CDLT_JSON_OBJECT) continue;
          if (cdlt_json_object_set(d, cm->value, "name", cdlt_json_string(d, cm->key, cm->key_len)))
            return CDLT_ERR_NOMEM;
        }
      const cdlt_json_value *parent = cdlt_json_get(t, "parent");
      bool nested = parent && parent->type == CDLT_JSON_STRING && parent->u.str.len > 0;
      if (!nested) {
        const cdlt_json_value *wd = cdlt_json_get(t, "write_disposition");
        if ((!wd || wd->type == CDLT_JSON_NULL) && cdlt_json_object_set(d, t, "write_disposition", cdlt_json_cstr(d, "append")))
          return CDLT_ERR_NOMEM;
        const cdlt_json_value *res = cdlt_json_get(t, "resource");
        if ((!res || res->type == CDLT_JSON_NULL) &&
            cdlt_json_object_set(d, t, "resource", cdlt_json_string(d, tm->key, tm->key_len)))
          return CDLT_ERR_NOMEM;
      }
    }
  /* what Schema keeps for a dict without them (settings or {}, default normalizers) */
  const cdlt_json_value *settings = cdlt_json_get(stored, "settings");
  if ((!settings || settings->type == CDLT_JSON_NULL) && cdlt_json_object_set(d, stored, "settings", cdlt_json_object(d)))
    return CDLT_ERR_NOMEM;
  cdlt_json_value *norm = cdlt_json_get(stored, "normalizers");
  if (!norm || norm->type != CDLT_JSON_OBJECT) {
    norm = cdlt_json_object(d);
    if (!norm || cdlt_json_object_set(d, stored, "normalizers", norm)) return CDLT_ERR_NOMEM;
  }
  const cdlt_json_value *names = cdlt_json_get(norm, "names");
  if ((!names || names->type == CDLT_JSON_NULL) && cdlt_json_object_set(d, norm, "names", cdlt_json_cstr(d, "snake_case")))
    return CDLT_ERR_NOMEM;
  const cdlt_json_value *js = cdlt_json_get(norm, "json");
  if (!js || js->type == CDLT_JSON_NULL) {
    cdlt_json_value *j = cdlt_json_object(d);
    if (!j || cdlt_json_object_set(d, j, "module", cdlt_json_cstr(d, "dlt.common.normalizers.json.relational")) ||
        cdlt_json_object_set(d, norm, "json", j))
      return CDLT_ERR_NOMEM;
  }
  const cdlt_json_value *ph = cdlt_json_get(stored, "previous_hashes");
  if (!ph && cdlt_json_object_set(d, stored, "previous_hashes", cdlt_json_array(d))) return CDLT_ERR_NOMEM;
  return 0;
}

int cdlt_schema_remove_defaults(cdlt_json_value *stored) {
  cdlt_json_value *tables = cdlt_json_get(stored, "tables");
  if (!tables || tables->type != CDLT_JSON_OBJECT) return 0;
  for (size_t k = 0; k < tables->u.obj.len; k++) {
    cdlt_json_value *t = tables->u.obj.members[k].value;
    cdlt_json_object_remove(t, "name");
    cdlt_json_value *cols = cdlt_json_get(t, "columns");
    if (cols && cols->type == CDLT_JSON_OBJECT)
      for (size_t c = 0; c < cols->u.obj.len; c++) cdlt_json_object_remove(cols->u.obj.members[c].value, "name");
  }
  return 0;
}

static cdlt_json_value *to_dict(cdlt_json_doc *d, const cdlt_json_value *root, bool remove_defaults);

/* A cdlt_schema from a dict with defaults: through the schema's own JSON loader (one format). */
static int schema_of_dict(const cdlt_json_value *dict, const char *source, cdlt_schema **out, cdlt_error *err) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (cdlt_json_write(&b, dict, 0)) {
    cdlt_buf_release(&b);
    return nomem(err);
  }
  int rc = cdlt_schema_from_json(b.data, b.len, source, out, err);
  cdlt_buf_release(&b);
  return rc;
}

int cdlt_schema_from_dict(const cdlt_json_value *stored, const char *source, cdlt_schema **out, cdlt_error *err) {
  *out = NULL;
  int rc = cdlt_schema_validate_dict(stored, source, err);
  if (rc) return rc;
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *copy = cdlt_json_copy(&d, stored);
  if (!copy || cdlt_schema_apply_defaults(&d, copy)) {
    cdlt_json_doc_release(&d);
    return nomem(err);
  }
  /* the schema keeps only the keys Schema.to_dict knows, in its order */
  cdlt_json_value *ordered = to_dict(&d, copy, false);
  if (!ordered) {
    cdlt_json_doc_release(&d);
    return nomem(err);
  }
  rc = schema_of_dict(ordered, source, out, err);
  cdlt_json_doc_release(&d);
  if (rc) return rc;
  rc = cdlt_schema_bump_version(*out, NULL, err);
  if (rc) {
    cdlt_schema_free(*out);
    *out = NULL;
  }
  return rc;
}

int cdlt_schema_import_text(const char *text, size_t len, cdlt_schema_format fmt, const char *source,
                            cdlt_schema **out, cdlt_error *err) {
  *out = NULL;
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *v = NULL;
  int rc = fmt == CDLT_SCHEMA_FORMAT_JSON ? cdlt_json_parse(&d, text, len, source, &v, err)
                                          : cdlt_yaml_parse(&d, text, len, source, &v, err);
  if (!rc) rc = cdlt_schema_from_dict(v, source, out, err);
  cdlt_json_doc_release(&d);
  return rc;
}

int cdlt_schema_import_file(const char *path, cdlt_schema **out, cdlt_error *err) {
  *out = NULL;
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_fs_read_file(path, &b, err);
  if (rc) {
    cdlt_buf_release(&b);
    return rc;
  }
  const char *text = b.data ? b.data : "";
  cdlt_schema_format fmt = cdlt_schema_format_of_path(path);
  if (fmt == CDLT_SCHEMA_FORMAT_YAML) {
    const char *e = strrchr(path, '.');
    bool yaml_ext = e && (!strcmp(e, ".yaml") || !strcmp(e, ".yml"));
    size_t k = 0;
    while (k < b.len && (text[k] == ' ' || text[k] == '\n' || text[k] == '\r' || text[k] == '\t')) k++;
    if (!yaml_ext && k < b.len && text[k] == '{') fmt = CDLT_SCHEMA_FORMAT_JSON;
  }
  rc = cdlt_schema_import_text(text, b.len, fmt, path, out, err);
  cdlt_buf_release(&b);
  return rc;
}

/* Schema.to_dict: the known keys in dlt's order, from the schema's document. */
static cdlt_json_value *to_dict(cdlt_json_doc *d, const cdlt_json_value *root, bool remove_defaults) {
  cdlt_json_value *o = cdlt_json_object(d);
  if (!o) return NULL;
  static const char *const keys[] = {"version", "version_hash", "engine_version", "name", "tables",
                                     "settings", "normalizers", "previous_hashes"};
  for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
    const cdlt_json_value *v = cdlt_json_get(root, keys[k]);
    cdlt_json_value *c = v ? cdlt_json_copy(d, v) : NULL;
    if (!v) {
      if (!strcmp(keys[k], "engine_version")) c = cdlt_json_int(d, CDLT_SCHEMA_ENGINE_VERSION);
      else if (!strcmp(keys[k], "version")) c = cdlt_json_int(d, 1);
      else if (!strcmp(keys[k], "version_hash")) c = cdlt_json_cstr(d, "");
      else if (!strcmp(keys[k], "settings")) c = cdlt_json_object(d);
      else if (!strcmp(keys[k], "previous_hashes")) c = cdlt_json_array(d);
      else c = cdlt_json_null(d);
    }
    if (!c || cdlt_json_object_set(d, o, keys[k], c)) return NULL;
  }
  const char *ivh = cdlt_json_get_str(root, "imported_version_hash");
  if (ivh && ivh[0] && !remove_defaults && cdlt_json_object_set(d, o, "imported_version_hash", cdlt_json_cstr(d, ivh)))
    return NULL;
  const char *desc = cdlt_json_get_str(root, "description");
  if (desc && desc[0] && cdlt_json_object_set(d, o, "description", cdlt_json_cstr(d, desc))) return NULL;
  return o;
}

int cdlt_schema_export(const cdlt_schema *s, cdlt_schema_format fmt, bool remove_defaults, cdlt_buf *out,
                       cdlt_error *err) {
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *dict = to_dict(&d, s->root, remove_defaults);
  if (!dict) {
    cdlt_json_doc_release(&d);
    return nomem(err);
  }
  /* to_dict bumps the version of what it returns */
  cdlt_schema *copy = NULL;
  int rc = schema_of_dict(dict, cdlt_schema_name(s), &copy, err);
  if (!rc) rc = cdlt_schema_bump_version(copy, NULL, err);
  if (!rc) {
    cdlt_json_value *bumped = cdlt_json_copy(&d, copy->root);
    if (!bumped) rc = nomem(err);
    else {
      if (remove_defaults) cdlt_schema_remove_defaults(bumped);
      rc = fmt == CDLT_SCHEMA_FORMAT_JSON ? cdlt_json_write(out, bumped, CDLT_JSON_WRITE_PRETTY)
                                          : cdlt_yaml_write(out, bumped);
      if (rc) rc = nomem(err);
    }
  }
  cdlt_schema_free(copy);
  cdlt_json_doc_release(&d);
  return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* public API (include/cdlt/schema.h) */

int cdlt_schema_file_format(const char *path, const char *format, int remove_defaults, char **text,
                            char *errbuf, size_t errbuf_size) {
  cdlt_error err;
  cdlt_error_clear(&err);
  *text = NULL;
  if (errbuf && errbuf_size) errbuf[0] = 0;
  cdlt_schema_format fmt = CDLT_SCHEMA_FORMAT_YAML;
  int rc = 0;
  if (format && !strcmp(format, "json")) fmt = CDLT_SCHEMA_FORMAT_JSON;
  else if (format && strcmp(format, "yaml"))
    rc = cdlt_error_set(&err, CDLT_ERR_USAGE, "unknown schema format '%s' (expected json or yaml)", format);
  cdlt_schema *s = NULL;
  if (!rc) rc = cdlt_schema_import_file(path, &s, &err);
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (!rc) rc = cdlt_schema_export(s, fmt, remove_defaults != 0, &b, &err);
  if (!rc && !(*text = cdlt_buf_detach(&b))) rc = nomem(&err);
  cdlt_buf_release(&b);
  cdlt_schema_free(s);
  if (rc && errbuf && errbuf_size) snprintf(errbuf, errbuf_size, "%s", err.msg);
  return rc;
}
