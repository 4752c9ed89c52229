/* pipeline_drop.c — dropping resources (`cdlt pipeline NAME drop`, §13) and the run's `refresh`
 * modes (§15): the tables go from the destination and the schema, the resource states are reset,
 * and the new schema version and state are loaded in a new load package, as dlt does. */
#define _GNU_SOURCE
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "load/sql_gen.h"
#include "package/job_file.h"
#include "package/package.h"
#include "pipeline/lock.h"
#include "pipeline/pipeline_drop.h"
#include "pipeline/pipeline_internal.h"
#include "schema/schema.h"
#include "state/package_state.h"
#include "state/state.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/isotime.h"
#include "util/loadid.h"

static int fail(cdlt_pipeline *p, int rc) {
  if (p->err.code == 0) p->err.code = rc;
  return rc;
}

/* what a drop does */
typedef struct drop_plan {
  char **resources;      /* matched resources */
  size_t nres;
  char **tables;         /* tables to drop, parents before children, schema order */
  size_t ntables;
  char **data_tables;    /* of those, the ones that received data */
  size_t ndata;
  char **states;         /* resources with a state slot to reset */
  size_t nstates;
} drop_plan;

static void plan_release(drop_plan *pl) {
  char **lists[] = {pl->resources, pl->tables, pl->data_tables, pl->states};
  size_t lens[] = {pl->nres, pl->ntables, pl->ndata, pl->nstates};
  for (size_t l = 0; l < 4; l++) {
    for (size_t k = 0; k < lens[l]; k++) free(lists[l][k]);
    free(lists[l]);
  }
  memset(pl, 0, sizeof *pl);
}

static int push(char ***list, size_t *n, const char *s) {
  for (size_t k = 0; k < *n; k++)
    if (!strcmp((*list)[k], s)) return 0;
  char **l = realloc(*list, (*n + 1) * sizeof *l);
  if (!l) return CDLT_ERR_NOMEM;
  *list = l;
  if (!(l[*n] = strdup(s))) return CDLT_ERR_NOMEM;
  (*n)++;
  return 0;
}

static const char *resource_of(const cdlt_schema *s, const cdlt_table *t) {
  const cdlt_table *root = cdlt_schema_root_of(s, t);
  if (!root) root = t;
  const char *r = cdlt_json_get_str(root->json, "resource");
  return r ? r : root->name;
}

/* name matches one of the selectors: exact names, or "re:<regex>" matched from the start */
static int matches(const char *name, const char *const *sel, size_t n, bool *out, cdlt_error *err) {
  *out = false;
  for (size_t k = 0; k < n && !*out; k++) {
    if (strncmp(sel[k], "re:", 3) != 0) {
      *out = !strcmp(sel[k], name);
      continue;
    }
    char *pat = NULL;
    if (asprintf(&pat, "^(%s)", sel[k] + 3) < 0) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    regex_t re;
    int rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB);
    free(pat);
    if (rc) return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid resource regex '%s'", sel[k] + 3);
    *out = regexec(&re, name, 0, NULL, 0) == 0;
    regfree(&re);
  }
  return 0;
}

static int make_plan(cdlt_pipeline *p, const cdlt_schema *s, const cdlt_state *st, const char *const *sel, size_t nsel,
                     drop_plan *pl, cdlt_error *err) {
  memset(pl, 0, sizeof *pl);
  int rc = 0;
  for (size_t k = 0; !rc && k < s->ntables; k++) {
    const cdlt_table *t = s->tables[k];
    if (!strncmp(t->name, "_dlt", 4)) continue;
    const char *res = resource_of(s, t);
    bool m;
    if ((rc = matches(res, sel, nsel, &m, err))) break;
    if (!m) continue;
    if (push(&pl->resources, &pl->nres, res) || push(&pl->tables, &pl->ntables, t->name) ||
        (cdlt_table_seen_data(t) && push(&pl->data_tables, &pl->ndata, t->name)))
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  /* resources that only have state (no tables yet) */
  const cdlt_json_value *rs = st ? cdlt_json_get(cdlt_json_get(cdlt_json_get(st->root, "sources"), p->schema_name), "resources") : NULL;
  for (size_t k = 0; !rc && rs && rs->type == CDLT_JSON_OBJECT && k < rs->u.obj.len; k++) {
    bool m;
    if ((rc = matches(rs->u.obj.members[k].key, sel, nsel, &m, err))) break;
    if (m && (push(&pl->resources, &pl->nres, rs->u.obj.members[k].key) || push(&pl->states, &pl->nstates, rs->u.obj.members[k].key)))
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  if (!rc && pl->nres == 0) {
    cdlt_buf b;
    cdlt_buf_init(&b);
    for (size_t k = 0; k < nsel; k++) cdlt_buf_printf(&b, "%s'%s'", k ? ", " : "", sel[k]);
    rc = cdlt_error_set(err, CDLT_ERR_NOT_FOUND, "no resource of schema '%s' matches %s", p->schema_name, b.data ? b.data : "''");
    cdlt_buf_release(&b);
  }
  if (rc) plan_release(pl);
  return rc;
}

static void py_list(cdlt_buf *b, char **l, size_t n) {
  cdlt_buf_putc(b, '[');
  for (size_t k = 0; k < n; k++) cdlt_buf_printf(b, "%s'%s'", k ? ", " : "", l[k]);
  cdlt_buf_putc(b, ']');
}

static void plan_text(const cdlt_pipeline *p, const drop_plan *pl, bool state_only, cdlt_buf *b) {
  cdlt_buf_printf(b, "About to drop the following data in dataset %s in destination %s:\n", p->dataset, p->destination_name);
  cdlt_buf_printf(b, "Selected schema:: %s\nSelected resource(s):: ", p->schema_name);
  py_list(b, pl->resources, pl->nres);
  cdlt_buf_puts(b, "\nTable(s) to drop:: ");
  if (state_only) cdlt_buf_puts(b, "[]");
  else py_list(b, pl->tables, pl->ntables);
  cdlt_buf_puts(b, "\n\twith data in destination:: ");
  if (state_only) cdlt_buf_puts(b, "[]");
  else py_list(b, pl->data_tables, pl->ndata);
  cdlt_buf_puts(b, "\nResource(s) state to reset:: ");
  py_list(b, pl->states, pl->nstates);
  cdlt_buf_puts(b, "\nSource state path(s) to reset:: []\n");
}

static int load_inputs(cdlt_pipeline *p, cdlt_schema **s, cdlt_state *st, bool *have_state, cdlt_error *err) {
  *s = NULL;
  *have_state = false;
  char *path = cdlt_pipeline_schema_path(p);
  if (!path) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int rc = cdlt_fs_exists(path) ? cdlt_schema_load_file(path, s, err)
                                : cdlt_error_set(err, CDLT_ERR_NOT_FOUND, "pipeline '%s' has no schema yet", p->name);
  free(path);
  if (rc) return rc;
  char *sp = cdlt_workdir_join(&p->wd, "state.json");
  rc = sp ? cdlt_state_load(st, sp, err) : CDLT_ERR_NOMEM;
  free(sp);
  if (rc == CDLT_ERR_NOT_FOUND) {
    cdlt_state_release(st);
    cdlt_error_clear(err);
    rc = 0;
  } else if (!rc) {
    *have_state = true;
  }
  if (rc) {
    cdlt_schema_free(*s);
    *s = NULL;
  }
  return rc;
}

int cdlt_pipeline_drop_plan(cdlt_pipeline *p, const char *const *resources, size_t n, int state_only, char **out) {
  *out = NULL;
  cdlt_error_clear(&p->err);
  cdlt_schema *s;
  cdlt_state st;
  bool have;
  int rc = load_inputs(p, &s, &st, &have, &p->err);
  if (rc) return fail(p, rc);
  drop_plan pl;
  rc = make_plan(p, s, have ? &st : NULL, resources, n, &pl, &p->err);
  if (!rc) {
    cdlt_buf b;
    cdlt_buf_init(&b);
    plan_text(p, &pl, state_only != 0, &b);
    *out = cdlt_buf_detach(&b);
    if (!*out) rc = cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory");
    plan_release(&pl);
  }
  cdlt_schema_free(s);
  if (have) cdlt_state_release(&st);
  return rc ? fail(p, rc) : 0;
}

/* --- applying a plan --- */

/* drops (or truncates) the tables in the destination and its staging dataset */
static int dest_tables(cdlt_pipeline *p, cdlt_destination *d, char **tables, size_t n, bool truncate, cdlt_error *err) {
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  char *staging = NULL;
  if (asprintf(&staging, "%s_staging", p->dataset) < 0) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  /* children first, so no foreign key would ever be in the way */
  int rc = 0;
  for (size_t k = n; !rc && k-- > 0;) {
    const char *names[1] = {tables[k]};
    cdlt_rows rows = {0};
    if (d->vtab->get_columns) rc = d->vtab->get_columns(d, p->dataset, names, 1, &rows, err);
    else {
      cdlt_buf_reset(&sql);
      rc = cdlt_sql_columns_query(&sql, d->vtab->dialect, p->dataset, names, 1, err);
      if (!rc) rc = d->vtab->query(d, sql.data, &rows, err);
    }
    bool exists = !rc && rows.nrows > 0;
    cdlt_rows_free(&rows);
    if (rc || !exists) continue;
    cdlt_buf_reset(&sql);
    rc = truncate ? cdlt_sql_truncate_table(&sql, d->vtab->dialect, p->dataset, tables[k], err)
                  : cdlt_sql_drop_table(&sql, d->vtab->dialect, p->dataset, tables[k], err);
    if (!rc) rc = d->vtab->execute(d, sql.data, err);
    if (!rc && !truncate) {
      /* the staging copy too, when there is one (errors: there is none) */
      cdlt_buf_reset(&sql);
      cdlt_error ignored;
      if (!cdlt_sql_drop_table(&sql, d->vtab->dialect, staging, tables[k], &ignored)) d->vtab->execute(d, sql.data, &ignored);
    }
  }
  free(staging);
  cdlt_buf_release(&sql);
  return rc;
}

/* the schema without the dropped tables, version bumped */
static int schema_without(cdlt_schema **s, char **tables, size_t n, cdlt_error *err) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_schema_write(*s, &b, 0);
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *root = NULL;
  if (!rc) rc = cdlt_json_parse(&d, b.data, b.len, "schema", &root, err);
  if (!rc) {
    cdlt_json_value *t = cdlt_json_get(root, "tables");
    for (size_t k = 0; k < n; k++) cdlt_json_object_remove(t, tables[k]);
    cdlt_buf_reset(&b);
    rc = cdlt_json_write(&b, root, 0);
  }
  cdlt_schema *ns = NULL;
  if (!rc) rc = cdlt_schema_from_json(b.data, b.len, "schema", &ns, err);
  if (!rc) rc = cdlt_schema_bump_version(ns, NULL, err);
  if (!rc) {
    cdlt_schema_free(*s);
    *s = ns;
  } else {
    cdlt_schema_free(ns);
  }
  cdlt_json_doc_release(&d);
  cdlt_buf_release(&b);
  return rc;
}

/* the load package that carries the new state (and the new schema version) into the destination */
static int write_state_package(cdlt_pipeline *p, cdlt_state *st, const cdlt_schema *s, char load_id[32], cdlt_error *err) {
  cdlt_package pkg;
  memset(&pkg, 0, sizeof pkg);
  cdlt_load_id_new(load_id);
  int rc = cdlt_package_extract_begin(&p->wd, load_id, &pkg, err);
  if (rc) return rc;
  int64_t now = cdlt_now_us();
  cdlt_json_value *row = NULL;
  cdlt_buf b;
  cdlt_buf_init(&b);
  rc = cdlt_state_row(st, load_id, now, &row, err);
  if (!rc) {
    char fid[CDLT_JOB_FILE_ID_LEN + 1];
    rc = cdlt_job_new_file_id(fid, err);
    char *name = rc ? NULL : cdlt_job_file_name("_dlt_pipeline_state", fid, 0, "typed-jsonl", false);
    char *path = name ? cdlt_package_job_path(&pkg, CDLT_JOB_NEW, name) : NULL;
    if (!rc && !path) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if (!rc && (cdlt_buf_putc(&b, '[') || cdlt_json_write(&b, row, 0) || cdlt_buf_puts(&b, "]\n")))
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if (!rc) rc = cdlt_fs_write_atomic(path, NULL, b.data, b.len, 0644, err);
    free(name);
    free(path);
  }
  /* load_package_state.json: the state row rides along (§5.4) */
  if (!rc) rc = cdlt_package_state_write(&pkg, load_id, row, err);
  if (!rc) {
    cdlt_buf_reset(&b);
    rc = cdlt_schema_write(s, &b, 0);
    if (rc) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    else rc = cdlt_package_write_file(&pkg, CDLT_PACKAGE_SCHEMA_FILE, b.data, b.len, err);
  }
  if (!rc) rc = cdlt_package_extract_commit(&pkg, err);
  if (rc && pkg.stage == CDLT_STAGE_EXTRACTING) {
    cdlt_error ignored;
    cdlt_package_extract_abort(&pkg, &ignored);
  }
  if (!rc) cdlt_state_mark_extracted(st, now);
  cdlt_package_close(&pkg);
  cdlt_buf_release(&b);
  return rc;
}

int cdlt_drop_resources(cdlt_pipeline *p, const char *const *sel, size_t nsel, cdlt_drop_mode mode, bool load_package,
                        cdlt_error *err) {
  cdlt_schema *s = NULL;
  cdlt_state st;
  bool have;
  int rc = load_inputs(p, &s, &st, &have, err);
  if (rc == CDLT_ERR_NOT_FOUND && !load_package) {
    /* refresh on a pipeline that never ran: nothing to drop */
    cdlt_error_clear(err);
    return 0;
  }
  if (rc) return rc;
  drop_plan pl;
  rc = make_plan(p, s, have ? &st : NULL, sel, nsel, &pl, err);
  if (rc == CDLT_ERR_NOT_FOUND && !load_package) {
    cdlt_error_clear(err);
    rc = 0;
    memset(&pl, 0, sizeof pl);
    goto out;
  }
  if (rc) goto out;
  /* 1. the destination */
  if (mode != CDLT_DROP_STATE_ONLY && pl.ntables && p->dest_vt->query) {
    bool file_db = !strcmp(p->destination_name, "duckdb") || !strcmp(p->destination_name, "sqlite");
    if (!(file_db && p->credentials && strcmp(p->credentials, ":memory:") && !cdlt_fs_exists(p->credentials))) {
      cdlt_destination *d = NULL;
      rc = cdlt_pipeline_open_destination(p, &d, err);
      if (!rc) rc = dest_tables(p, d, pl.tables, pl.ntables, mode == CDLT_DROP_DATA, err);
      if (!rc && mode != CDLT_DROP_DATA) {
        /* dlt deletes the schema's history: the new version is stored by the next load */
        const char *names[1] = {"_dlt_version"};
        cdlt_rows rows = {0};
        cdlt_buf sql;
        cdlt_buf_init(&sql);
        if (d->vtab->get_columns) rc = d->vtab->get_columns(d, p->dataset, names, 1, &rows, err);
        else if (!(rc = cdlt_sql_columns_query(&sql, d->vtab->dialect, p->dataset, names, 1, err)))
          rc = d->vtab->query(d, sql.data, &rows, err);
        if (!rc && rows.nrows) {
          cdlt_buf_reset(&sql);
          rc = cdlt_sql_delete_schema_versions(&sql, d->vtab->dialect, p->dataset, p->schema_name, err);
          if (!rc) rc = d->vtab->execute(d, sql.data, err);
        }
        cdlt_rows_free(&rows);
        cdlt_buf_release(&sql);
      }
      cdlt_destination_close(d);
      if (rc) goto out;
    }
  }
  /* 2. the schema */
  if (mode == CDLT_DROP_TABLES && pl.ntables) {
    if ((rc = schema_without(&s, pl.tables, pl.ntables, err))) goto out;
    char *path = cdlt_pipeline_schema_path(p);
    rc = path ? cdlt_schema_save_file(s, path, err) : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    free(path);
    if (rc) goto out;
  }
  /* 3. the resource states */
  if (have) {
    cdlt_json_value *rs = cdlt_json_get(cdlt_json_get(cdlt_json_get(st.root, "sources"), p->schema_name), "resources");
    for (size_t k = 0; rs && k < pl.nstates; k++) cdlt_json_object_remove(rs, pl.states[k]);
    if ((rc = cdlt_state_bump(&st, NULL, err))) goto out;
  }
  /* 4. a package with the new state and schema, loaded now (dlt's drop) */
  char *state_path = cdlt_workdir_join(&p->wd, "state.json");
  if (!state_path) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto out; }
  if (load_package && have) {
    char load_id[32];
    rc = write_state_package(p, &st, s, load_id, err);
    if (!rc) rc = cdlt_state_save(&st, state_path, err);
    cdlt_run_stats stats = {0};
    if (!rc) rc = cdlt_normalize_package(p, load_id, &stats, err);
    cdlt_run_stats_release(&stats);
    cdlt_destination *d = NULL;
    if (!rc) rc = cdlt_pipeline_open_destination(p, &d, err);
    if (!rc) rc = cdlt_load_package(p, d, load_id, err);
    cdlt_destination_close(d);
    rc = cdlt_pipeline_removal_wait(p, rc, err);
  } else if (have) {
    rc = cdlt_state_save(&st, state_path, err);
  }
  free(state_path);
out:
  plan_release(&pl);
  cdlt_schema_free(s);
  if (have) cdlt_state_release(&st);
  return rc;
}

int cdlt_pipeline_drop(cdlt_pipeline *p, const char *const *resources, size_t n, int state_only, char **out) {
  if (out) *out = NULL;
  cdlt_error_clear(&p->err);
  cdlt_pipeline_lock lk;
  int rc = cdlt_pipeline_lock_acquire(&lk, p->wd.path, p->name, 0, &p->err);
  if (rc) return fail(p, rc);
  rc = cdlt_drop_resources(p, resources, n, state_only ? CDLT_DROP_STATE_ONLY : CDLT_DROP_TABLES, true, &p->err);
  cdlt_pipeline_lock_release(&lk);
  if (rc) return fail(p, rc);
  if (out && !(*out = strdup(state_only ? "Resource state reset\n" : "Resources dropped\n")))
    return fail(p, cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory"));
  return 0;
}

int cdlt_refresh_apply(cdlt_pipeline *p, const char *resource_table, cdlt_error *err) {
  if (!p->refresh || !resource_table) return 0;
  /* the resource of this run; drop_sources takes every resource of the source (schema) */
  const char *all[1] = {"re:.*"};
  const char *one[1] = {resource_table};
  if (!strcmp(p->refresh, "drop_sources")) {
    int rc = cdlt_drop_resources(p, all, 1, CDLT_DROP_TABLES, false, err);
    if (rc) return rc;
    /* and the source-level state */
    char *sp = cdlt_workdir_join(&p->wd, "state.json");
    cdlt_state st;
    rc = sp ? cdlt_state_load(&st, sp, err) : CDLT_ERR_NOMEM;
    if (rc == CDLT_ERR_NOT_FOUND) {
      cdlt_state_release(&st);
      free(sp);
      cdlt_error_clear(err);
      return 0;
    }
    if (!rc) {
      cdlt_json_object_remove(cdlt_json_get(st.root, "sources"), p->schema_name);
      rc = cdlt_state_bump(&st, NULL, err);
      if (!rc) rc = cdlt_state_save(&st, sp, err);
      cdlt_state_release(&st);
    }
    free(sp);
    return rc;
  }
  if (!strcmp(p->refresh, "drop_resources")) return cdlt_drop_resources(p, one, 1, CDLT_DROP_TABLES, false, err);
  return cdlt_drop_resources(p, one, 1, CDLT_DROP_DATA, false, err);
}
