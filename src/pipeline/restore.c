/* restore.c — state and schema restore from the destination, working-dir reset, dev_mode. */
#define _GNU_SOURCE
#include "pipeline/restore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/sql_gen.h"
#include "pipeline/lock.h"
#include "state/state.h"
#include "util/fs.h"
#include "util/isotime.h"
#include "util/loadid.h"

int cdlt_pipeline_wipe_workdir(cdlt_pipeline *p, cdlt_error *err) {
  cdlt_fs_names names;
  cdlt_fs_names_init(&names);
  int rc = cdlt_fs_list_dir(p->wd.path, false, false, &names, err);
  if (rc == CDLT_ERR_NOT_FOUND) rc = 0;
  for (size_t k = 0; !rc && k < names.len; k++) {
    if (!strcmp(names.names[k], ".lock")) continue;
    char *path = cdlt_path_join(p->wd.path, names.names[k]);
    rc = path ? cdlt_fs_rm_rf(path, err) : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    free(path);
  }
  cdlt_fs_names_release(&names);
  if (!rc) rc = cdlt_workdir_create_layout(p->wd.path, err);
  return rc;
}

static int load_local_state(cdlt_pipeline *p, cdlt_state *st, bool *have, cdlt_error *err) {
  *have = false;
  char *path = cdlt_workdir_join(&p->wd, "state.json");
  if (!path) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int rc = cdlt_state_load(st, path, err);
  free(path);
  if (rc == CDLT_ERR_NOT_FOUND) {
    cdlt_state_release(st);
    return 0;
  }
  if (!rc) *have = true;
  return rc;
}

static int save_state(cdlt_pipeline *p, const cdlt_state *st, cdlt_error *err) {
  char *path = cdlt_workdir_join(&p->wd, "state.json");
  if (!path) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int rc = cdlt_state_save(st, path, err);
  free(path);
  return rc;
}

int cdlt_pipeline_mark_loaded(cdlt_pipeline *p, cdlt_error *err) {
  cdlt_state st = {0};
  bool have;
  int rc = load_local_state(p, &st, &have, err);
  if (rc || !have) return rc;
  cdlt_json_value *local = cdlt_json_get_or_add_object(&st.doc, st.root, "_local");
  if (!local) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  else if (cdlt_json_get_bool(local, "first_run", true)) {
    if (cdlt_json_object_set(&st.doc, local, "first_run", cdlt_json_bool(&st.doc, false)))
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    else rc = save_state(p, &st, err);
  }
  cdlt_state_release(&st);
  return rc;
}

/* --- destination access through the vtab (SQL destinations) --- */

static int run_query(cdlt_destination *d, cdlt_buf *sql, cdlt_rows *out, cdlt_error *err) {
  return d->vtab->query(d, sql->data, out, err);
}

static int dataset_exists(cdlt_pipeline *p, cdlt_destination *d, bool *exists, cdlt_error *err) {
  if (d->vtab->dataset_exists) return d->vtab->dataset_exists(d, p->dataset, exists, err);
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  cdlt_rows rows = {0};
  int rc = cdlt_sql_dataset_exists(&sql, d->vtab->dialect, p->dataset, err);
  if (!rc) rc = run_query(d, &sql, &rows, err);
  *exists = !rc && rows.nrows > 0;
  cdlt_rows_free(&rows);
  cdlt_buf_release(&sql);
  return rc;
}

/* which of the dlt tables exist: bit 0 _dlt_pipeline_state, 1 _dlt_loads, 2 _dlt_version */
static int dlt_tables(cdlt_pipeline *p, cdlt_destination *d, unsigned *mask, cdlt_error *err) {
  static const char *const names[] = {"_dlt_pipeline_state", "_dlt_loads", "_dlt_version"};
  cdlt_rows rows = {0};
  int rc;
  if (d->vtab->get_columns) {
    rc = d->vtab->get_columns(d, p->dataset, names, 3, &rows, err);
  } else {
    cdlt_buf sql;
    cdlt_buf_init(&sql);
    rc = cdlt_sql_columns_query(&sql, d->vtab->dialect, p->dataset, names, 3, err);
    if (!rc) rc = run_query(d, &sql, &rows, err);
    cdlt_buf_release(&sql);
  }
  *mask = 0;
  for (size_t r = 0; !rc && r < rows.nrows; r++)
    for (unsigned k = 0; k < 3; k++) {
      const char *t = cdlt_rows_get(&rows, r, 0);
      if (t && !strcmp(t, names[k])) *mask |= 1u << k;
    }
  cdlt_rows_free(&rows);
  return rc;
}

/* the newest schema `name` from _dlt_version into schemas/<name>.schema.json */
static int download_schema(cdlt_pipeline *p, cdlt_destination *d, const char *name, bool *found, cdlt_error *err) {
  *found = false;
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  cdlt_rows rows = {0};
  int rc = cdlt_sql_newest_schema(&sql, d->vtab->dialect, p->dataset, name, err);
  if (!rc) rc = run_query(d, &sql, &rows, err);
  cdlt_buf_release(&sql);
  if (rc || rows.nrows == 0) { cdlt_rows_free(&rows); return rc; }
  const char *text = NULL;
  for (size_t c = 0; c < rows.ncols; c++)
    if (!strcmp(rows.col_names[c], "schema")) text = cdlt_rows_get(&rows, 0, c);
  cdlt_schema *s = NULL;
  if (!text) rc = cdlt_error_set(err, CDLT_ERR_DESTINATION, "schema '%s' in the destination has no content", name);
  else rc = cdlt_schema_from_json(text, strlen(text), "destination schema", &s, err);
  if (!rc) {
    char *rel = NULL, *path = NULL;
    if (asprintf(&rel, "schemas/%s.schema.json", name) >= 0) path = cdlt_workdir_join(&p->wd, rel);
    rc = path ? cdlt_schema_save_file(s, path, err) : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    free(rel);
    free(path);
    if (!rc) *found = true;
  }
  cdlt_schema_free(s);
  cdlt_rows_free(&rows);
  return rc;
}

static bool local_schema_exists(cdlt_pipeline *p, const char *name) {
  char *rel = NULL, *path = NULL;
  if (asprintf(&rel, "schemas/%s.schema.json", name) >= 0) path = cdlt_workdir_join(&p->wd, rel);
  bool e = path && cdlt_fs_exists(path);
  free(rel);
  free(path);
  return e;
}

/* the remote state with the local `_local` (or a fresh one) and the current dataset name, in
 * dlt's key order (version keys, _local, then the remote keys) */
static int adopt(cdlt_pipeline *p, cdlt_state *local, bool have_local, const cdlt_state *remote, cdlt_state *out,
                 cdlt_error *err) {
  int rc = cdlt_state_init_new(out, p->name, err);
  if (rc) return rc;
  cdlt_json_doc *d = &out->doc;
  if (have_local) {
    const cdlt_json_value *l = cdlt_json_get(local->root, "_local");
    if (l && cdlt_state_set(out, "_local", l)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  cdlt_json_object_remove(out->root, "pipeline_name");
  cdlt_json_object_remove(out->root, "_version_hash");
  for (size_t k = 0; k < remote->root->u.obj.len; k++) {
    const cdlt_json_member *m = &remote->root->u.obj.members[k];
    if (!strcmp(m->key, "_local")) continue;
    if (cdlt_state_set(out, m->key, m->value)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  if (cdlt_json_get(out->root, "dataset_name") && cdlt_state_set_str(out, "dataset_name", p->dataset))
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  (void)d;
  /* what is in the destination counts as extracted: no new state row until it changes; and a
   * load completed (the state came from one), which is what a later dataset drop is judged by */
  if (cdlt_state_mark_extracted(out, cdlt_now_us())) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_json_value *loc = cdlt_json_get(out->root, "_local");
  if (!loc || cdlt_json_object_set(&out->doc, loc, "first_run", cdlt_json_bool(&out->doc, false)))
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  return 0;
}

int cdlt_pipeline_restore(cdlt_pipeline *p, cdlt_restore_result *res, cdlt_error *err) {
  cdlt_restore_result dummy;
  if (!res) res = &dummy;
  memset(res, 0, sizeof *res);
  if (!p->dest_vt->query) return 0;
  cdlt_state local = {0}, remote = {0}, merged = {0};
  bool have_local = false, have_remote = false, have_merged = false;
  cdlt_destination *d = NULL;
  cdlt_rows rows = {0};
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  int rc = load_local_state(p, &local, &have_local, err);
  if (rc) goto done;
  bool exists = false;
  /* a database file that does not exist holds no dataset: do not create it just to look */
  bool file_db = !strcmp(p->destination_name, "duckdb") || !strcmp(p->destination_name, "sqlite");
  if (!(file_db && p->credentials && strcmp(p->credentials, ":memory:") && !cdlt_fs_exists(p->credentials))) {
    if ((rc = cdlt_pipeline_open_destination(p, &d, err))) goto done;
    if ((rc = dataset_exists(p, d, &exists, err))) goto done;
  }
  if (!exists) {
    /* the destination is the source of truth: a dropped dataset resets a pipeline that loaded */
    if (have_local && !cdlt_json_get_bool(cdlt_json_get(local.root, "_local"), "first_run", true)) {
      if ((rc = cdlt_pipeline_wipe_workdir(p, err))) goto done;
      res->wiped = true;
    }
    goto done;
  }
  unsigned mask = 0;
  if ((rc = dlt_tables(p, d, &mask, err))) goto done;
  if ((mask & 3) == 3) {
    if ((rc = cdlt_sql_newest_state(&sql, d->vtab->dialect, p->dataset, p->name, err))) goto done;
    if ((rc = run_query(d, &sql, &rows, err))) goto done;
    const char *enc = NULL;
    for (size_t c = 0; rows.nrows && c < rows.ncols; c++)
      if (!strcmp(rows.col_names[c], "state")) enc = cdlt_rows_get(&rows, 0, c);
    if (enc) {
      if ((rc = cdlt_state_decode(&remote, enc, err))) {
        cdlt_error_wrap(err, "cannot read the pipeline state of '%s' in the destination", p->name);
        goto done;
      }
      have_remote = true;
    }
  }
  const cdlt_json_value *schema_names = have_local ? cdlt_json_get(local.root, "schema_names") : NULL;
  bool always = false;
  if (have_remote) {
    int64_t rv = cdlt_json_get_int(remote.root, "_state_version", 0);
    int64_t lv = have_local ? cdlt_json_get_int(local.root, "_state_version", 0) : 0;
    const char *rh = cdlt_json_get_str(remote.root, "_version_hash");
    const char *lh = have_local ? cdlt_json_get_str(local.root, "_version_hash") : NULL;
    if (rv >= lv && (!lh || !rh || strcmp(rh, lh) != 0)) {
      if ((rc = adopt(p, &local, have_local, &remote, &merged, err))) goto done;
      have_merged = true;
      if ((rc = save_state(p, &merged, err))) goto done;
      res->state_restored = true;
      res->state_version = rv;
      schema_names = cdlt_json_get(merged.root, "schema_names");
      always = true;
    }
  }
  if ((mask & 4) && schema_names && schema_names->type == CDLT_JSON_ARRAY) {
    for (size_t k = 0; k < schema_names->u.arr.len; k++) {
      const cdlt_json_value *n = schema_names->u.arr.items[k];
      if (n->type != CDLT_JSON_STRING || strchr(n->u.str.ptr, '/')) continue;
      if (!always && local_schema_exists(p, n->u.str.ptr)) continue;
      bool found;
      if ((rc = download_schema(p, d, n->u.str.ptr, &found, err))) goto done;
      if (found) res->schemas_restored++;
    }
  }
done:
  cdlt_rows_free(&rows);
  cdlt_buf_release(&sql);
  cdlt_destination_close(d);
  if (have_local) cdlt_state_release(&local);
  if (have_remote) cdlt_state_release(&remote);
  if (have_merged) cdlt_state_release(&merged);
  return rc;
}

int cdlt_pipeline_dev_mode_apply(cdlt_pipeline *p, cdlt_error *err) {
  cdlt_pipeline_lock lk;
  int rc = cdlt_pipeline_lock_acquire(&lk, p->wd.path, p->name, cdlt_pipeline_lock_timeout_ms(), err);
  if (rc) return rc;
  rc = cdlt_pipeline_wipe_workdir(p, err);
  if (!rc) {
    /* a fresh state that says so (_local._dev_mode) */
    cdlt_state st;
    rc = cdlt_state_init_new(&st, p->name, err);
    cdlt_json_value *local = rc ? NULL : cdlt_json_get(st.root, "_local");
    if (!rc && (!local || cdlt_json_object_set(&st.doc, local, "_dev_mode", cdlt_json_bool(&st.doc, true))))
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if (!rc) rc = save_state(p, &st, err);
    cdlt_state_release(&st);
  }
  cdlt_pipeline_lock_release(&lk);
  if (rc) return rc;
  char suffix[16];
  cdlt_dev_mode_suffix(cdlt_now_us(), suffix);
  size_t n = strlen(p->dataset);
  const char *sfx = (n && p->dataset[n - 1] == '_' && suffix[0] == '_') ? suffix + 1 : suffix;
  char *ds = NULL;
  if (asprintf(&ds, "%s%s", p->dataset, sfx) < 0) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  free(p->dataset);
  p->dataset = ds;
  return 0;
}
