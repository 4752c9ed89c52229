/* schema_files.c — dlt's import_schema_path and export_schema_path for a pipeline's schema:
 * a user-edited schema file (JSON or YAML) seeds or replaces the live schema when it changes, and
 * the live schema is exported as YAML after each run (DLT_CONTRACT §4; SchemaStorage rules in
 * docs/internals/SCHEMA.md). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/pipeline_internal.h"
#include "schema/schema_export.h"
#include "util/fs.h"

/* the file to read: the path itself, or <dir>/<schema>.schema.yaml (.json when only that exists) */
static char *schema_file_in(const char *path, const char *schema_name, bool for_write) {
  struct stat st;
  char *out = NULL;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (asprintf(&out, "%s/%s.schema.yaml", path, schema_name) < 0) return NULL;
    if (!for_write && !cdlt_fs_exists(out)) {
      char *json = NULL;
      if (asprintf(&json, "%s/%s.schema.json", path, schema_name) >= 0 && cdlt_fs_exists(json)) {
        free(out);
        return json;
      }
      free(json);
    }
    return out;
  }
  return for_write ? NULL : strdup(path);
}

int cdlt_pipeline_import_schema(const cdlt_pipeline *p, cdlt_schema **live, cdlt_error *err) {
  char *file = schema_file_in(p->import_schema_path, p->schema_name, false);
  if (!file) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!cdlt_fs_exists(file)) {   /* dlt: a missing import file is not an error */
    free(file);
    return 0;
  }
  cdlt_schema *imported = NULL;
  int rc = cdlt_schema_import_file(file, &imported, err);
  free(file);
  if (rc) return rc;
  const char *new_hash = cdlt_schema_stored_hash(imported);
  const char *seen = cdlt_json_get_str((*live)->root, "imported_version_hash");
  if (seen && !strcmp(seen, new_hash)) {   /* unchanged since the last import: keep the live one */
    cdlt_schema_free(imported);
    return 0;
  }
  /* replace the live content, linking it to the replaced version (previous_hashes) */
  cdlt_json_doc *d = &imported->doc;
  const char *old_hash = cdlt_schema_stored_hash(*live);
  bool had_live = old_hash && old_hash[0];   /* a schema that was ever saved */
  if (had_live && strcmp(old_hash, new_hash) != 0) {
    cdlt_json_value *prev = cdlt_json_get(imported->root, "previous_hashes");
    if (!prev || prev->type != CDLT_JSON_ARRAY) {
      prev = cdlt_json_array(d);
      if (!prev || cdlt_json_object_set(d, imported->root, "previous_hashes", prev)) rc = CDLT_ERR_NOMEM;
    }
    if (!rc) {
      cdlt_json_value *linked = cdlt_json_array(d);
      rc = linked ? cdlt_json_array_push(d, linked, cdlt_json_cstr(d, old_hash)) : CDLT_ERR_NOMEM;
      for (size_t k = 0; !rc && k < prev->u.arr.len && linked->u.arr.len < 10; k++)
        if (!cdlt_json_is_str(prev->u.arr.items[k], old_hash)) rc = cdlt_json_array_push(d, linked, prev->u.arr.items[k]);
      if (!rc) rc = cdlt_json_object_set(d, imported->root, "previous_hashes", linked);
      int64_t v = cdlt_schema_version(*live) + 1;
      if (!rc && cdlt_schema_version(imported) < v) rc = cdlt_json_object_set(d, imported->root, "version", cdlt_json_int(d, v));
    }
  }
  if (!rc) rc = cdlt_json_object_set(d, imported->root, "imported_version_hash", cdlt_json_cstr(d, new_hash));
  if (rc) {
    cdlt_schema_free(imported);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  if (strcmp(cdlt_schema_name(imported), p->schema_name) != 0) {
    int r = cdlt_error_set(err, CDLT_ERR_SCHEMA, "imported schema '%s' does not match the pipeline's schema name '%s'",
                           cdlt_schema_name(imported), p->schema_name);
    cdlt_schema_free(imported);
    return r;
  }
  cdlt_schema_free(*live);
  *live = imported;
  return 0;
}

int cdlt_pipeline_export_schema(const cdlt_pipeline *p, cdlt_error *err) {
  if (!p->export_schema_path) return 0;
  int rc = cdlt_fs_mkdir_p(p->export_schema_path, 0755, err);
  if (rc) return rc;
  char *file = schema_file_in(p->export_schema_path, p->schema_name, true);
  if (!file) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_schema *s = NULL;
  rc = cdlt_pipeline_load_schema(p, &s, err);
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (!rc) rc = cdlt_schema_export(s, CDLT_SCHEMA_FORMAT_YAML, true, &b, err);
  if (!rc) rc = cdlt_fs_write_atomic(file, p->export_schema_path, b.data, b.len, 0644, err);
  cdlt_buf_release(&b);
  cdlt_schema_free(s);
  free(file);
  return rc;
}
