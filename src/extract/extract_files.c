/* extract_files.c — the extract stage for file and stdin resources: every item of the input
 * files is validated and written, unchanged, into a typed-jsonl job of a new load package,
 * together with the pipeline state row; the package is committed atomically (§5.2, §5.7). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "extract/incremental.h"
#include "extract/resource_hints.h"
#include "json/json_reader.h"
#include "package/job_file.h"
#include "package/package.h"
#include "pipeline/pipeline_internal.h"
#include "schema/naming.h"
#include "state/state.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/isotime.h"
#include "util/loadid.h"

#define ITEMS_PER_LINE 5000   /* data_writer.buffer_max_items */

/* a typed-jsonl job being written: one JSON array of items per line */
typedef struct job_writer {
  FILE *f;
  char *path;
  size_t in_line;
  cdlt_buf buf;
} job_writer;

static int writer_open(job_writer *w, const cdlt_package *pkg, const char *table, cdlt_error *err) {
  memset(w, 0, sizeof *w);
  cdlt_buf_init(&w->buf);
  char fid[CDLT_JOB_FILE_ID_LEN + 1];
  int rc = cdlt_job_new_file_id(fid, err);
  if (rc) return rc;
  char *name = cdlt_job_file_name(table, fid, 0, "typed-jsonl", false);
  if (!name) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  w->path = cdlt_package_job_path(pkg, CDLT_JOB_NEW, name);
  free(name);
  if (!w->path) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  w->f = fopen(w->path, "wb");
  if (!w->f) return cdlt_error_errno(err, errno, "cannot create job file '%s'", w->path);
  return 0;
}

static int writer_flush(job_writer *w, cdlt_error *err) {
  if (w->in_line) {
    if (cdlt_buf_append(&w->buf, "]\n", 2)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    w->in_line = 0;
  }
  if (w->buf.len && fwrite(w->buf.data, 1, w->buf.len, w->f) != w->buf.len)
    return cdlt_error_errno(err, errno, "cannot write job file '%s'", w->path);
  cdlt_buf_reset(&w->buf);
  return 0;
}

static int writer_item(job_writer *w, const cdlt_json_value *item, cdlt_error *err) {
  if (cdlt_buf_putc(&w->buf, w->in_line ? ',' : '[') || cdlt_json_write(&w->buf, item, 0))
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (++w->in_line == ITEMS_PER_LINE || w->buf.len > (1u << 20)) {
    if (w->in_line == ITEMS_PER_LINE) return writer_flush(w, err);
    if (fwrite(w->buf.data, 1, w->buf.len, w->f) != w->buf.len)
      return cdlt_error_errno(err, errno, "cannot write job file '%s'", w->path);
    cdlt_buf_reset(&w->buf);
  }
  return 0;
}

static int writer_close(job_writer *w, cdlt_error *err) {
  int rc = w->f ? writer_flush(w, err) : 0;
  if (w->f) {
    if (!rc && (fflush(w->f) || fsync(fileno(w->f)))) rc = cdlt_error_errno(err, errno, "cannot write job file '%s'", w->path);
    fclose(w->f);
  }
  free(w->path);
  cdlt_buf_release(&w->buf);
  memset(w, 0, sizeof *w);
  return rc;
}

static const char *json_kind(const cdlt_json_value *v) {
  switch (v->type) {
    case CDLT_JSON_NULL: return "null";
    case CDLT_JSON_BOOL: return "a boolean";
    case CDLT_JSON_STRING: return "a string";
    case CDLT_JSON_ARRAY: return "an array";
    case CDLT_JSON_OBJECT: return "an object";
    default: return "a number";
  }
}

typedef struct extract_ctx {
  job_writer *w;
  uint64_t count;
  cdlt_incremental *inc;   /* NULL without an incremental hint */
} extract_ctx;

/* The first integer of v outside [-2^63, 2^64-1], or NULL: dlt's extract serializes items with
 * orjson, which refuses those ("Integer exceeds 64-bit range", §2.2). Depth-limited by the reader. */
static const cdlt_json_value *oversized_int(const cdlt_json_value *v) {
  if (v->type == CDLT_JSON_BIGINT) {
    const char *t = v->u.num.text;
    size_t n = v->u.num.len;
    if (t[0] == '-') return v;   /* BIGINT below int64's minimum */
    if (n > 20 || (n == 20 && memcmp(t, "18446744073709551615", 20) > 0)) return v;
    return NULL;
  }
  if (v->type == CDLT_JSON_ARRAY)
    for (size_t k = 0; k < v->u.arr.len; k++) {
      const cdlt_json_value *hit = oversized_int(v->u.arr.items[k]);
      if (hit) return hit;
    }
  if (v->type == CDLT_JSON_OBJECT)
    for (size_t k = 0; k < v->u.obj.len; k++) {
      const cdlt_json_value *hit = oversized_int(v->u.obj.members[k].value);
      if (hit) return hit;
    }
  return NULL;
}

/* one input item: must be an object; filtered by the incremental cursor, then written unchanged
 * into the typed-jsonl job */
static int extract_item(void *vctx, const cdlt_json_reader *r, cdlt_json_value *item, cdlt_error *err) {
  extract_ctx *ctx = vctx;
  if (item->type != CDLT_JSON_OBJECT) {
    uint64_t line, col, off;
    cdlt_json_reader_item_position(r, &line, &col, &off);
    int rc = cdlt_error_set(err, CDLT_ERR_PARSE, "item in '%s' at line %llu, column %llu (byte %llu) is %s, not a JSON object",
                            cdlt_json_reader_source_name(r), (unsigned long long)line, (unsigned long long)col,
                            (unsigned long long)off, json_kind(item));
    if (err) { err->line = line; err->column = col; err->offset = off; }
    return rc;
  }
  const cdlt_json_value *big = oversized_int(item);
  if (big) {
    uint64_t line, col, off;
    cdlt_json_reader_item_position(r, &line, &col, &off);
    int rc = cdlt_error_set(err, CDLT_ERR_PARSE, "item in '%s' at line %llu, column %llu (byte %llu): integer %.*s exceeds the 64-bit range",
                            cdlt_json_reader_source_name(r), (unsigned long long)line, (unsigned long long)col,
                            (unsigned long long)off, (int)(big->u.num.len > 60 ? 60 : big->u.num.len), big->u.num.text);
    if (err) { err->line = line; err->column = col; err->offset = off; }
    return rc;
  }
  /* INCREMENTAL HOOK: the cursor filter decides whether the item is loaded (§9) */
  if (ctx->inc) {
    bool keep = true;
    int rc = cdlt_incremental_filter(ctx->inc, item, &keep, err);
    if (rc) {
      uint64_t line, col, off;
      cdlt_json_reader_item_position(r, &line, &col, &off);
      return cdlt_error_wrap(err, "item in '%s' at line %llu, column %llu: ", cdlt_json_reader_source_name(r),
                             (unsigned long long)line, (unsigned long long)col);
    }
    if (!keep) return 0;
  }
  ctx->count++;
  return writer_item(ctx->w, item, err);
}

/* the _dlt_pipeline_state table as dlt adds it once state is extracted (§4.5) */
static int add_state_table(cdlt_schema *s, cdlt_error *err) {
  if (cdlt_schema_table(s, "_dlt_pipeline_state")) return 0;
  static const char *const def =
      "{\"columns\":{"
      "\"version\":{\"name\":\"version\",\"data_type\":\"bigint\",\"nullable\":false},"
      "\"engine_version\":{\"name\":\"engine_version\",\"data_type\":\"bigint\",\"nullable\":false},"
      "\"pipeline_name\":{\"name\":\"pipeline_name\",\"data_type\":\"text\",\"nullable\":false},"
      "\"state\":{\"name\":\"state\",\"data_type\":\"text\",\"nullable\":false},"
      "\"created_at\":{\"name\":\"created_at\",\"data_type\":\"timestamp\",\"nullable\":false},"
      "\"version_hash\":{\"name\":\"version_hash\",\"data_type\":\"text\",\"nullable\":true},"
      "\"_dlt_load_id\":{\"name\":\"_dlt_load_id\",\"data_type\":\"text\",\"nullable\":false,\"precision\":64},"
      "\"_dlt_id\":{\"name\":\"_dlt_id\",\"data_type\":\"text\",\"nullable\":false,\"unique\":true,\"row_key\":true}},"
      "\"write_disposition\":\"append\",\"file_format\":\"preferred\",\"name\":\"_dlt_pipeline_state\","
      "\"resource\":\"_dlt_pipeline_state\"}";
  cdlt_json_doc tmp;
  cdlt_json_doc_init(&tmp);
  cdlt_json_value *t = NULL;
  int rc = cdlt_json_parse(&tmp, def, strlen(def), "state table", &t, err);
  if (!rc) {
    cdlt_table *st = cdlt_schema_add_root_table(s, "_dlt_pipeline_state", "append", "_dlt_pipeline_state");
    if (!st) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    /* replace the default-made table object with dlt's exact one (key order included), then
     * re-index its columns */
    if (st) {
      cdlt_json_object_remove(st->json, "name");
      cdlt_json_object_remove(st->json, "resource");
    }
    for (size_t k = 0; !rc && k < t->u.obj.len; k++) {
      const cdlt_json_member *m = &t->u.obj.members[k];
      if (strcmp(m->key, "columns") == 0) continue;
      rc = cdlt_table_set_prop(s, st, m->key, m->value);
    }
    cdlt_json_value *cols = cdlt_json_get(t, "columns");
    for (size_t k = 0; !rc && k < cols->u.obj.len; k++)
      if (!cdlt_schema_merge_column(s, st, cols->u.obj.members[k].value)) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  cdlt_json_doc_release(&tmp);
  return rc;
}

/* load_package_state.json (§5.4) with the state row */
static int write_package_state(const cdlt_package *pkg, const char *load_id, const cdlt_json_value *state_row,
                               cdlt_error *err) {
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *ps = cdlt_json_object(&d);
  cdlt_buf created;
  cdlt_buf_init(&created);
  cdlt_pua_datetime(&created, cdlt_load_id_to_us(load_id));
  cdlt_json_object_set(&d, ps, "_state_version", cdlt_json_int(&d, 1));
  cdlt_json_object_set(&d, ps, "_state_engine_version", cdlt_json_int(&d, 1));
  cdlt_json_object_set(&d, ps, "created_at", cdlt_json_string(&d, created.data, created.len));
  if (state_row) cdlt_json_object_set(&d, ps, "pipeline_state", cdlt_json_copy(&d, state_row));
  /* hash over everything but the version keys (§5.4) */
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_json_write(&b, ps, CDLT_JSON_WRITE_SORT_KEYS);
  char hash[45];
  uint8_t digest[32];
  cdlt_sha3_256(b.data, b.len, digest);
  cdlt_base64_encode(digest, 32, hash, true);
  /* _version_hash goes after created_at, as dlt writes it */
  cdlt_json_value *ordered = cdlt_json_object(&d);
  for (size_t k = 0; k < ps->u.obj.len; k++) {
    cdlt_json_member *m = &ps->u.obj.members[k];
    cdlt_json_object_add(&d, ordered, m->key, m->key_len, m->value);
    if (!strcmp(m->key, "created_at")) cdlt_json_object_set(&d, ordered, "_version_hash", cdlt_json_cstr(&d, hash));
  }
  cdlt_buf_reset(&b);
  if (!rc) rc = cdlt_json_write(&b, ordered, 0);
  if (!rc) rc = cdlt_package_write_file(pkg, CDLT_PACKAGE_STATE_FILE, b.data, b.len, err);
  else rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_buf_release(&b);
  cdlt_buf_release(&created);
  cdlt_json_doc_release(&d);
  return rc;
}

static int update_state(cdlt_pipeline *p, cdlt_state *st) {
  int rc = 0;
  cdlt_json_doc *d = &st->doc;
  cdlt_json_value *names = cdlt_json_array(d);
  cdlt_json_array_push(d, names, cdlt_json_cstr(d, p->schema_name));
  rc |= cdlt_state_set_str(st, "default_schema_name", p->schema_name);
  rc |= cdlt_state_set_str(st, "dataset_name", p->dataset);
  rc |= cdlt_state_set(st, "schema_names", names);
  rc |= cdlt_state_set_str(st, "pipeline_name", p->name);
  char dtype[128];
  snprintf(dtype, sizeof dtype, "dlt.destinations.%s", p->destination_name);
  rc |= cdlt_state_set_str(st, "destination_type", dtype);
  rc |= cdlt_state_set_str(st, "destination_name", NULL);
  return rc ? CDLT_ERR_NOMEM : 0;
}

/* sources.<schema>.resources.<resource> in the state, created when missing (§7.1) */
static cdlt_json_value *resource_state(cdlt_state *st, const char *schema_name, const char *resource) {
  cdlt_json_doc *d = &st->doc;
  cdlt_json_value *sources = cdlt_json_get_or_add_object(d, st->root, "sources");
  cdlt_json_value *src = sources ? cdlt_json_get_or_add_object(d, sources, schema_name) : NULL;
  cdlt_json_value *resources = src ? cdlt_json_get_or_add_object(d, src, "resources") : NULL;
  return resources ? cdlt_json_get_or_add_object(d, resources, resource) : NULL;
}

/* the resource's primary key as an array of C strings (borrowed from the hints) */
static size_t primary_key_names(const cdlt_resource_hints *h, const char **names, size_t cap) {
  size_t n = 0;
  for (size_t k = 0; h->primary_key && k < h->primary_key->u.arr.len && n < cap; k++)
    names[n++] = h->primary_key->u.arr.items[k]->u.str.ptr;
  for (size_t k = 0; !h->primary_key && h->columns && k < h->columns->u.obj.len && n < cap; k++)
    if (cdlt_json_get_bool(h->columns->u.obj.members[k].value, "primary_key", false))
      names[n++] = h->columns->u.obj.members[k].key;
  return n;
}

/* marks the cursor column `incremental: true` (dlt's cursor column hint, §9) */
static int hint_cursor_column(cdlt_schema *schema, cdlt_table *t, const cdlt_incremental *inc, cdlt_error *err) {
  const char *raw = cdlt_incremental_cursor_column(inc);
  if (!raw) return 0;
  const char *names = cdlt_json_get_str(cdlt_json_get(schema->root, "normalizers"), "names");
  cdlt_naming_ctx nctx = cdlt_naming_ctx_make(cdlt_naming_find(names ? names : "snake_case"), 0);
  cdlt_buf col;
  cdlt_buf_init(&col);
  int rc = cdlt_naming_normalize_path(&nctx, raw, strlen(raw), &col, err);
  cdlt_json_doc tmp;
  cdlt_json_doc_init(&tmp);
  if (!rc) {
    cdlt_json_value *c = cdlt_json_object(&tmp);
    if (!c || cdlt_json_object_set(&tmp, c, "name", cdlt_json_cstr(&tmp, col.data)) ||
        cdlt_json_object_set(&tmp, c, "incremental", cdlt_json_bool(&tmp, true)) || !cdlt_schema_merge_column(schema, t, c))
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  cdlt_json_doc_release(&tmp);
  cdlt_buf_release(&col);
  return rc;
}

int cdlt_extract_files(cdlt_pipeline *p, const char *const *paths, size_t npaths,
                       const cdlt_resource_options *resource, char load_id[32], cdlt_error *err) {
  cdlt_resource_hints hints;
  int rc = cdlt_resource_hints_parse(resource, &hints, err);
  if (rc) return rc;
  const char *wd_name = hints.write_disposition;

  cdlt_schema *schema = NULL;
  cdlt_state st = {0};
  bool have_state = false;
  cdlt_package pkg;
  memset(&pkg, 0, sizeof pkg);
  bool pkg_open = false;
  job_writer w;
  memset(&w, 0, sizeof w);
  cdlt_incremental *inc = NULL;
  cdlt_buf tname;
  cdlt_buf_init(&tname);
  char *state_path = cdlt_workdir_join(&p->wd, "state.json");
  char *schema_path = cdlt_pipeline_schema_path(p);
  if (!state_path || !schema_path) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto done; }

  rc = cdlt_pipeline_load_schema(p, &schema, err);
  if (rc) goto done;
  /* the table name with the schema's naming convention */
  {
    const char *names = cdlt_json_get_str(cdlt_json_get(schema->root, "normalizers"), "names");
    const cdlt_naming *conv = cdlt_naming_find(names ? names : "snake_case");
    if (!conv) { rc = cdlt_error_set(err, CDLT_ERR_SCHEMA, "unknown naming convention '%s' in schema '%s'", names, cdlt_schema_name(schema)); goto done; }
    cdlt_naming_ctx nctx = cdlt_naming_ctx_make(conv, 0);
    rc = cdlt_naming_normalize_tables_path(&nctx, hints.resource_name, strlen(hints.resource_name), &tname, err);
    if (rc) goto done;
    if (tname.len == 0) { rc = cdlt_error_set(err, CDLT_ERR_USAGE, "table name '%s' is empty after normalization", hints.resource_name); goto done; }
  }
  cdlt_table *t = NULL;
  if ((rc = cdlt_resource_hints_apply(schema, &hints, tname.data, &t, err))) goto done;

  /* pipeline state: loaded first, the incremental cursor lives in it */
  rc = cdlt_state_load(&st, state_path, err);
  if (rc == CDLT_ERR_NOT_FOUND) {
    cdlt_state_release(&st);
    rc = cdlt_state_init_new(&st, p->name, err);
  }
  if (rc) goto done;
  have_state = true;
  /* INCREMENTAL HOOK: open the cursor on the resource's state */
  if (hints.incremental) {
    const char *pk[64];
    size_t npk = primary_key_names(&hints, pk, 64);
    cdlt_json_value *rs = resource_state(&st, p->schema_name, tname.data);
    if (!rs) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto done; }
    if ((rc = cdlt_incremental_open(hints.incremental, tname.data, pk, npk, &st.doc, rs, &inc, err))) goto done;
    if ((rc = hint_cursor_column(schema, t, inc, err))) goto done;
  }

  cdlt_load_id_new(load_id);
  rc = cdlt_package_extract_begin(&p->wd, load_id, &pkg, err);
  if (rc) goto done;
  pkg_open = true;

  rc = writer_open(&w, &pkg, tname.data, err);
  extract_ctx ectx = {&w, 0, inc};
  for (size_t k = 0; !rc && k < npaths; k++) rc = cdlt_json_each_file_item(paths[k], extract_item, &ectx, err);
  uint64_t count = ectx.count;
  if (!rc) rc = writer_close(&w, err);
  else writer_close(&w, NULL);
  if (rc) goto done;
  if (count == 0 && strcmp(wd_name, "replace") != 0) {
    /* nothing to load for append/merge: no data job (a replace keeps its empty job to truncate) */
    cdlt_fs_names jobs;
    cdlt_fs_names_init(&jobs);
    rc = cdlt_package_list_jobs(&pkg, CDLT_JOB_NEW, &jobs, err);
    for (size_t k = 0; !rc && k < jobs.len; k++) {
      char *jp = cdlt_package_job_path(&pkg, CDLT_JOB_NEW, jobs.names[k]);
      rc = jp ? cdlt_fs_unlink(jp, err) : CDLT_ERR_NOMEM;
      free(jp);
    }
    cdlt_fs_names_release(&jobs);
    if (rc) goto done;
  }
  /* INCREMENTAL HOOK: the new cursor goes into the state row of this same package */
  if (inc && (rc = cdlt_incremental_commit(inc, err))) goto done;

  /* pipeline state: a row in this package whenever it changed (§7.3) */
  if ((rc = update_state(p, &st))) { cdlt_error_set(err, rc, "out of memory"); goto done; }
  if ((rc = cdlt_state_bump(&st, NULL, err))) goto done;
  cdlt_json_value *row = NULL;
  int64_t now = cdlt_now_us();
  if (cdlt_state_needs_extract(&st)) {
    rc = cdlt_state_row(&st, load_id, now, &row, err);
    if (!rc) rc = add_state_table(schema, err);
    job_writer sw;
    if (!rc) rc = writer_open(&sw, &pkg, "_dlt_pipeline_state", err);
    if (!rc) {
      rc = writer_item(&sw, row, err);
      int rc2 = writer_close(&sw, rc ? NULL : err);
      if (!rc) rc = rc2;
    }
    if (rc) goto done;
  }
  if ((rc = write_package_state(&pkg, load_id, row, err))) goto done;

  /* the schema: live file first, then the package copy; then commit the package */
  rc = cdlt_schema_save_file(schema, schema_path, err);
  if (!rc) {
    cdlt_buf sb;
    cdlt_buf_init(&sb);
    rc = cdlt_schema_write(schema, &sb, 0);
    if (!rc) rc = cdlt_package_write_file(&pkg, CDLT_PACKAGE_SCHEMA_FILE, sb.data, sb.len, err);
    cdlt_buf_release(&sb);
  }
  if (!rc) rc = cdlt_package_extract_commit(&pkg, err);
  if (rc) goto done;
  pkg_open = false;
  if (row) {
    cdlt_state_mark_extracted(&st, now);
  }
  rc = cdlt_state_save(&st, state_path, err);

done:
  if (pkg_open) {
    cdlt_error ignored;
    cdlt_package_extract_abort(&pkg, &ignored);
  }
  cdlt_incremental_free(inc);
  cdlt_package_close(&pkg);
  if (have_state) cdlt_state_release(&st);
  cdlt_schema_free(schema);
  free(state_path);
  free(schema_path);
  cdlt_buf_release(&tname);
  cdlt_resource_hints_release(&hints);
  return rc;
}
