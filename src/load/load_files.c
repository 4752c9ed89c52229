/* load_files.c — the load stage for the filesystem destination (no SQL), as dlt's filesystem
 * destination does it (dlt/destinations/impl/filesystem/filesystem.py):
 *
 *   1. `<dataset>/init` is created once ({"initial_version":2,"current_version":2}).
 *   2. The schema is stored as `_dlt_version/<schema>__<time>__<hex of version hash>.jsonl` unless a
 *      file with that hash exists.
 *   3. replace: every file of the root table and of its nested tables is deleted.
 *   4. Each job is written to the layout path (jsonl copied / gzipped, csv and parquet converted),
 *      atomically. The `_dlt_pipeline_state` job is not a table file: its row becomes
 *      `_dlt_pipeline_state/<pipeline>__<load_id>__<hex of schema hash>.jsonl`.
 *   5. `_dlt_loads/<schema>__<load_id>.jsonl` is written LAST: it commits the package.
 *
 * Exactly once: a package whose `_dlt_loads` file exists is only finalized on disk. A package that
 * failed before it is redone from step 1: table file names are <load_id>.<file_id> so rewriting
 * replaces them (no duplicates), and replace deletes the table's files again first. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "destinations/filesystem.h"
#include "json/json.h"
#include "load/load_files.h"
#include "package/job_file.h"
#include "package/package.h"
#include "util/faultpoint.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/isotime.h"

typedef struct files_ctx {
  cdlt_pipeline *p;
  cdlt_fsd *d;
  cdlt_schema *schema;
  cdlt_package pkg;
  char *ds_path;   /* <bucket>/<dataset> */
} files_ctx;

/* dlt's _to_path_safe_string: the base64 hash as lowercase hex */
static int hash_hex(const char *b64, char **out, cdlt_error *err) {
  size_t n = strlen(b64);
  uint8_t raw[64];
  size_t len = 0;
  *out = NULL;
  if (CDLT_BASE64_DECODED_MAX(n) > sizeof raw) return cdlt_error_set(err, CDLT_ERR_PARSE, "invalid version hash '%s'", b64);
  int rc = cdlt_base64_decode(b64, n, raw, &len, err);
  if (rc) return rc;
  char *h = malloc(len * 2 + 1);
  if (!h) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < len; i++) sprintf(h + 2 * i, "%02x", raw[i]);
  h[len * 2] = 0;
  *out = h;
  return 0;
}

static int write_json_file(const char *path, const cdlt_json_value *v, cdlt_error *err) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_json_write(&b, v, 0) ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
  if (!rc) rc = cdlt_fsd_write_small(path, b.data, b.len, err);
  cdlt_buf_release(&b);
  return rc;
}

static char *dlt_file_path(const files_ctx *c, const char *table, const char *name) {
  return cdlt_path_join_n(c->ds_path, table, name, NULL);
}

static int ensure_init(files_ctx *c, cdlt_error *err) {
  char *init = cdlt_path_join(c->ds_path, CDLT_FSD_INIT_FILE);
  if (!init) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int rc = cdlt_fs_exists(init) ? 0 : cdlt_fsd_write_small(init, CDLT_FSD_INIT_CONTENT, strlen(CDLT_FSD_INIT_CONTENT), err);
  free(init);
  return rc;
}

/* `_dlt_version` file of the schema unless one with its hash exists */
static int store_schema(files_ctx *c, cdlt_error *err) {
  char *hex = NULL;
  int rc = hash_hex(cdlt_schema_stored_hash(c->schema), &hex, err);
  if (rc) return rc;
  cdlt_fs_names files;
  cdlt_fs_names_init(&files);
  rc = cdlt_fsd_list_table_files(c->d, c->p->dataset, NULL, "_dlt_version", &files, err);
  bool present = false;
  for (size_t k = 0; !rc && k < files.len; k++) {
    /* <name>__<time>__<hex>.jsonl: the last part */
    const char *base = strrchr(files.names[k], '/') + 1;
    const char *last = NULL;
    for (const char *q = strstr(base, "__"); q; q = strstr(q + 2, "__")) last = q + 2;
    size_t hl = strlen(hex);
    if (last && !strncmp(last, hex, hl) && !strcmp(last + hl, ".jsonl")) present = true;
  }
  cdlt_fs_names_release(&files);
  if (rc || present) {
    free(hex);
    return rc;
  }
  cdlt_buf schema_json;
  cdlt_buf_init(&schema_json);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  char now[40], name[256], *path = NULL;
  int64_t now_us = cdlt_now_us();
  cdlt_format_iso_utc(now_us, now);
  /* dlt: str(time.precise_time()) — seconds as a float */
  snprintf(name, sizeof name, "%s__%lld.%06lld__%s.jsonl", cdlt_schema_name(c->schema), (long long)(now_us / 1000000),
           (long long)(now_us % 1000000), hex);
  if (cdlt_schema_write(c->schema, &schema_json, 0)) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_json_value *o = rc ? NULL : cdlt_json_object(&doc);
  if (!rc && (!o || cdlt_json_object_set(&doc, o, "version_hash", cdlt_json_cstr(&doc, cdlt_schema_stored_hash(c->schema))) ||
              cdlt_json_object_set(&doc, o, "schema_name", cdlt_json_cstr(&doc, cdlt_schema_name(c->schema))) ||
              cdlt_json_object_set(&doc, o, "version", cdlt_json_int(&doc, cdlt_schema_version(c->schema))) ||
              cdlt_json_object_set(&doc, o, "engine_version", cdlt_json_int(&doc, CDLT_SCHEMA_ENGINE_VERSION)) ||
              cdlt_json_object_set(&doc, o, "inserted_at", cdlt_json_cstr(&doc, now)) ||
              cdlt_json_object_set(&doc, o, "schema", cdlt_json_string(&doc, schema_json.data, schema_json.len))))
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc && !(path = dlt_file_path(c, "_dlt_version", name))) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc) rc = write_json_file(path, o, err);
  free(path);
  free(hex);
  cdlt_json_doc_release(&doc);
  cdlt_buf_release(&schema_json);
  return rc;
}

/* replace: delete the files of each replace root table with jobs and of all its nested tables */
static int truncate_replace(files_ctx *c, char **job_tables, size_t n, cdlt_error *err) {
  for (size_t k = 0; k < n; k++) {
    cdlt_table *root = job_tables[k] ? cdlt_schema_table(c->schema, job_tables[k]) : NULL;
    if (!root || root->parent || strcmp(cdlt_table_write_disposition(c->schema, root), "replace")) continue;
    bool dup = false;
    for (size_t j = 0; j < k; j++) dup |= job_tables[j] && !strcmp(job_tables[j], job_tables[k]);
    if (dup) continue;
    for (size_t t = 0; t < c->schema->ntables; t++) {
      cdlt_table *cand = c->schema->tables[t];
      if (cdlt_schema_root_of(c->schema, cand) != root) continue;
      cdlt_fs_names files;
      cdlt_fs_names_init(&files);
      int rc = cdlt_fsd_list_table_files(c->d, c->p->dataset, cdlt_schema_name(c->schema), cand->name, &files, err);
      for (size_t f = 0; !rc && f < files.len; f++) rc = cdlt_fs_unlink(files.names[f], err);
      cdlt_fs_names_release(&files);
      if (rc) return rc;
    }
  }
  return 0;
}

/* the table's file format: the root table's file_format hint, the configured one, or jsonl */
static const char *table_format(files_ctx *c, cdlt_table *t) {
  cdlt_table *root = cdlt_schema_root_of(c->schema, t);
  const char *hint = root ? cdlt_json_get_str(root->json, "file_format") : NULL;
  if (hint && (!strcmp(hint, "jsonl") || !strcmp(hint, "csv") || !strcmp(hint, "parquet"))) return hint;
  return c->d->file_format ? c->d->file_format : "jsonl";
}

/* the first row of the `_dlt_pipeline_state` job without `_dlt_id`, written as the state file */
static int store_state(files_ctx *c, const char *load_id, const char *job_path, cdlt_error *err) {
  cdlt_buf text;
  cdlt_buf_init(&text);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  char *hex = NULL, *name = NULL, *path = NULL;
  int rc = cdlt_fs_read_file(job_path, &text, err);
  if (!rc && text.len) {
    char *nl = memchr(text.data, '\n', text.len);
    size_t len = nl ? (size_t)(nl - text.data) : text.len;
    cdlt_json_value *row = NULL;
    rc = cdlt_json_parse_limits(&doc, text.data, len, job_path, &cdlt_json_job_limits, &row, err);
    if (!rc) {
      cdlt_json_object_remove(row, "_dlt_id");
      const char *pipeline = cdlt_json_get_str(row, "pipeline_name");
      rc = hash_hex(cdlt_schema_stored_hash(c->schema), &hex, err);
      if (!rc && asprintf(&name, "%s__%s__%s.jsonl", pipeline ? pipeline : c->p->name, load_id, hex) < 0) name = NULL;
      if (!rc && (!name || !(path = dlt_file_path(c, "_dlt_pipeline_state", name))))
        rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      if (!rc) rc = write_json_file(path, row, err);
    }
  }
  free(hex);
  free(name);
  free(path);
  cdlt_json_doc_release(&doc);
  cdlt_buf_release(&text);
  return rc;
}

static int store_load(files_ctx *c, const char *load_id, cdlt_error *err) {
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  char now[40], *name = NULL, *path = NULL;
  cdlt_format_iso_utc(cdlt_now_us(), now);
  int rc = 0;
  cdlt_json_value *o = cdlt_json_object(&doc);
  if (!o || cdlt_json_object_set(&doc, o, "load_id", cdlt_json_cstr(&doc, load_id)) ||
      cdlt_json_object_set(&doc, o, "schema_name", cdlt_json_cstr(&doc, cdlt_schema_name(c->schema))) ||
      cdlt_json_object_set(&doc, o, "status", cdlt_json_int(&doc, 0)) ||
      cdlt_json_object_set(&doc, o, "inserted_at", cdlt_json_cstr(&doc, now)) ||
      cdlt_json_object_set(&doc, o, "schema_version_hash", cdlt_json_cstr(&doc, cdlt_schema_stored_hash(c->schema))) ||
      asprintf(&name, "%s__%s.jsonl", cdlt_schema_name(c->schema), load_id) < 0 ||
      !(path = dlt_file_path(c, "_dlt_loads", name)))
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc) rc = write_json_file(path, o, err);
  free(name);
  free(path);
  cdlt_json_doc_release(&doc);
  return rc;
}

/* moves every job to completed_jobs and the package to load/loaded (see load_files.h) */
int cdlt_load_finalize_package(cdlt_package *pkg, cdlt_error *err) {
  cdlt_fs_names jobs;
  cdlt_fs_names_init(&jobs);
  int rc = cdlt_package_list_jobs(pkg, CDLT_JOB_NEW, &jobs, err);
  for (size_t k = 0; !rc && k < jobs.len; k++) rc = cdlt_package_start_job(pkg, jobs.names[k], err);
  cdlt_fs_names_release(&jobs);
  if (!rc) rc = cdlt_package_list_jobs(pkg, CDLT_JOB_STARTED, &jobs, err);
  for (size_t k = 0; !rc && k < jobs.len; k++) rc = cdlt_package_complete_job(pkg, jobs.names[k], err);
  cdlt_fs_names_release(&jobs);
  if (!rc && cdlt_package_has_file(pkg, CDLT_PACKAGE_SCHEMA_UPDATES_FILE)) {
    cdlt_buf b;
    cdlt_buf_init(&b);
    rc = cdlt_package_read_file(pkg, CDLT_PACKAGE_SCHEMA_UPDATES_FILE, &b, err);
    if (!rc) rc = cdlt_package_commit_schema_updates(pkg, b.data ? b.data : "{}", b.data ? b.len : 2, err);
    cdlt_buf_release(&b);
  }
  if (!rc) rc = cdlt_package_complete(pkg, false, err);
  return rc;
}

static int write_jobs(files_ctx *c, const char *load_id, cdlt_fs_names *jobs, cdlt_error *err) {
  /* time placeholders: the package's creation time = the load id (seconds, float) */
  int64_t ts_us = (int64_t)(strtod(load_id, NULL) * 1e6);
  for (size_t k = 0; k < jobs->len; k++) {
    cdlt_job_file jf;
    int rc = cdlt_job_file_parse(jobs->names[k], &jf, err);
    if (rc) return rc;
    char *src = cdlt_package_job_path(&c->pkg, CDLT_JOB_STARTED, jobs->names[k]);
    cdlt_table *t = cdlt_schema_table(c->schema, jf.table);
    uint64_t size = 0;
    if (!src) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    else if (!t)
      rc = cdlt_error_set(err, CDLT_ERR_SCHEMA, "job '%s' names table '%s' that is not in schema '%s'", jobs->names[k],
                          jf.table, cdlt_schema_name(c->schema));
    else if (cdlt_fs_file_size(src, &size, NULL) || size == 0) {
      /* empty job (a replace resource without rows): nothing to write */
    } else if (!strcmp(jf.table, "_dlt_pipeline_state")) {
      rc = store_state(c, load_id, src, err);
    } else {
      const char *format = table_format(c, t);
      bool gz = c->d->compress && strcmp(format, "parquet");
      cdlt_table_def def = {0};
      char *rel = NULL, *dest = NULL;
      bool have_def = cdlt_schema_table_def(c->schema, t, &def) == 0;
      rc = have_def ? 0 : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      if (!rc) rc = cdlt_fsd_format_path(c->d->layout, cdlt_schema_name(c->schema), jf.table, load_id, jf.file_id, format,
                                         gz, ts_us, &rel, err);
      if (!rc && !(dest = cdlt_path_join(c->ds_path, rel))) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      if (!rc) rc = cdlt_fsd_write_table_file(c->d, &def, src, dest, format, gz, err);
      if (rc) cdlt_error_wrap(err, "cannot load job '%s' into table '%s'", jobs->names[k], jf.table);
      free(rel);
      free(dest);
      if (have_def) cdlt_table_def_release(&def);
    }
    if (!rc) rc = cdlt_fault_point("load.after_job", err);
    free(src);
    cdlt_job_file_release(&jf);
    if (rc) return rc;
  }
  return 0;
}

int cdlt_load_package_files(cdlt_pipeline *p, cdlt_destination *dest, const char *load_id, cdlt_error *err) {
  if (!cdlt_fsd_is(dest))
    return cdlt_error_set(err, CDLT_ERR_INTERNAL, "destination '%s' writes files but is not the filesystem destination", dest->vtab->name);
  files_ctx c;
  memset(&c, 0, sizeof c);
  c.p = p;
  c.d = (cdlt_fsd *)dest;
  cdlt_fs_names jobs;
  cdlt_fs_names_init(&jobs);
  char **job_tables = NULL;
  char *loads_name = NULL, *loads_path = NULL;
  int rc = cdlt_package_open(&p->wd, CDLT_STAGE_NORMALIZED, load_id, &c.pkg, err);
  if (rc) goto done;
  cdlt_buf sb;
  cdlt_buf_init(&sb);
  rc = cdlt_package_read_file(&c.pkg, CDLT_PACKAGE_SCHEMA_FILE, &sb, err);
  if (!rc) rc = cdlt_schema_from_json(sb.data ? sb.data : "", sb.len, "schema.json", &c.schema, err);
  cdlt_buf_release(&sb);
  if (rc) goto done;
  if (!(c.ds_path = cdlt_path_join(c.d->bucket, p->dataset)) ||
      asprintf(&loads_name, "%s__%s.jsonl", cdlt_schema_name(c.schema), load_id) < 0 ||
      !(loads_path = dlt_file_path(&c, "_dlt_loads", loads_name))) {
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    goto done;
  }
  if (cdlt_fs_exists(loads_path)) {   /* loaded before a crash: only finalize */
    rc = cdlt_load_finalize_package(&c.pkg, err);
    goto done;
  }
  if ((rc = cdlt_package_list_jobs(&c.pkg, CDLT_JOB_NEW, &jobs, err))) goto done;
  for (size_t k = 0; !rc && k < jobs.len; k++) rc = cdlt_package_start_job(&c.pkg, jobs.names[k], err);
  cdlt_fs_names_release(&jobs);
  if (rc || (rc = cdlt_package_list_jobs(&c.pkg, CDLT_JOB_STARTED, &jobs, err))) goto done;
  job_tables = calloc(jobs.len + 1, sizeof *job_tables);
  if (!job_tables) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto done; }
  for (size_t k = 0; k < jobs.len; k++) {
    cdlt_job_file jf;
    if (cdlt_job_file_parse(jobs.names[k], &jf, NULL) == 0) {
      job_tables[k] = strdup(jf.table);
      cdlt_job_file_release(&jf);
    }
  }
  if (!rc) rc = ensure_init(&c, err);
  if (!rc) rc = store_schema(&c, err);
  if (!rc) rc = truncate_replace(&c, job_tables, jobs.len, err);
  if (!rc) rc = write_jobs(&c, load_id, &jobs, err);
  if (!rc) rc = cdlt_fault_point("load.before_loads_file", err);
  if (!rc) rc = store_load(&c, load_id, err);
  if (!rc) rc = cdlt_load_finalize_package(&c.pkg, err);
done:
  if (job_tables)
    for (size_t k = 0; k < jobs.len; k++) free(job_tables[k]);
  free(job_tables);
  free(loads_name);
  free(loads_path);
  free(c.ds_path);
  cdlt_fs_names_release(&jobs);
  cdlt_schema_free(c.schema);
  cdlt_package_close(&c.pkg);
  return rc;
}
