/* query.c — cdlt_pipeline_query: one SQL statement against the pipeline's destination, the
 * result as text (dlt's pipeline.sql_client()). See include/cdlt/cdlt.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

#include "json/json.h"
#include "load/sql_gen.h"
#include "pipeline/pipeline_internal.h"
#include "schema/naming.h"
#include "util/fs.h"

struct cdlt_query_result {
  cdlt_rows rows;
};

static int fail(cdlt_pipeline *p, int rc) {
  if (p->err.code == 0) p->err.code = rc;
  return rc;
}

/* the default dataset name of the pipeline (as cdlt_pipeline_open makes it), malloc'd */
static char *default_dataset(const cdlt_pipeline *p) {
  char *raw = NULL;
  if (asprintf(&raw, "%s_dataset", p->name) < 0) return NULL;
  cdlt_naming_ctx ctx = cdlt_naming_ctx_make(cdlt_naming_default(), 0);
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_naming_normalize_identifier(&ctx, raw, strlen(raw), &b, NULL);
  free(raw);
  if (rc) {
    cdlt_buf_release(&b);
    return NULL;
  }
  return cdlt_buf_detach(&b);
}

/* <cwd>/<pipeline>.<ext>, malloc'd (NULL on failure) */
static char *default_file(const cdlt_pipeline *p, const char *ext) {
  char cwd[PATH_MAX], *path = NULL;
  if (!getcwd(cwd, sizeof cwd) || asprintf(&path, "%s/%s.%s", cwd, p->name, ext) < 0) return NULL;
  return path;
}

/* destination type and dataset of the last run, from <workdir>/state.json (NULL when absent) */
static void last_run(const cdlt_pipeline *p, char **dest, char **dataset) {
  *dest = *dataset = NULL;
  char *path = cdlt_workdir_join(&p->wd, "state.json");
  cdlt_buf text;
  cdlt_buf_init(&text);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *v = NULL;
  if (path && cdlt_fs_read_file(path, &text, NULL) == 0 &&
      cdlt_json_parse(&doc, text.data ? text.data : "", text.len, path, &v, NULL) == 0 && v->type == CDLT_JSON_OBJECT) {
    const char *t = cdlt_json_get_str(v, "destination_type");
    const char *ds = cdlt_json_get_str(v, "dataset_name");
    if (t) {
      const char *dot = strrchr(t, '.');   /* "dlt.destinations.duckdb" */
      *dest = strdup(dot ? dot + 1 : t);
    }
    if (ds) *dataset = strdup(ds);
  }
  cdlt_json_doc_release(&doc);
  cdlt_buf_release(&text);
  free(path);
}

/* makes the dataset the default schema where the database has one (errors ignored: a dataset
 * that does not exist yet just leaves names unresolved) */
static void set_default_schema(cdlt_destination *d, const char *dataset) {
  const char *name = d->vtab->name;
  if (!strcmp(name, "sqlite")) return;   /* attached datasets are searched already */
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  cdlt_error ignored;
  int rc;
  if (!strcmp(name, "postgres")) {
    rc = cdlt_buf_puts(&sql, "SET search_path TO ");
    if (!rc) rc = cdlt_sql_ident(&sql, &cdlt_dialect_postgres, dataset, &ignored);
  } else {
    rc = cdlt_buf_puts(&sql, "SET search_path = ");
    if (!rc) rc = cdlt_sql_string_literal(&sql, &cdlt_dialect_duckdb, dataset, strlen(dataset));
  }
  if (!rc) d->vtab->execute(d, sql.data, &ignored);
  cdlt_buf_release(&sql);
}

int cdlt_pipeline_query(cdlt_pipeline *p, const char *sql, cdlt_query_result **out) {
  *out = NULL;
  cdlt_error_clear(&p->err);
  if (!sql || !*sql) return fail(p, cdlt_error_set(&p->err, CDLT_ERR_USAGE, "an sql query is required"));
  char *state_dest = NULL, *state_ds = NULL, *dflt_ds = default_dataset(p);
  last_run(p, &state_dest, &state_ds);
  /* the destination the pipeline was opened with, or the last run's when left at the default */
  const cdlt_destination_vtab *vt = p->dest_vt;
  const char *dataset = p->dataset, *credentials = p->credentials;
  char *switched_cred = NULL;
  int rc = 0;
  if (state_dest && !strcmp(p->destination_name, "duckdb") && strcmp(state_dest, vt->name)) {
    vt = cdlt_destination_find(state_dest);
    if (!vt) rc = cdlt_error_set(&p->err, CDLT_ERR_USAGE, "unknown destination '%s' in the pipeline state", state_dest);
    else {
      /* the default duckdb file is not that destination's: use its own default */
      char *duck_default = default_file(p, "duckdb");
      if (duck_default && !strcmp(credentials, duck_default))
        credentials = !strcmp(vt->name, "sqlite") ? (switched_cred = default_file(p, "sqlite")) : "";
      free(duck_default);
    }
  }
  if (state_ds && dflt_ds && !strcmp(dataset, dflt_ds)) dataset = state_ds;
  /* a database file that does not exist is an error, not a new empty database */
  if (!rc && vt && (!strcmp(vt->name, "duckdb") || !strcmp(vt->name, "sqlite")) && credentials &&
      strcmp(credentials, ":memory:") && !cdlt_fs_exists(credentials))
    rc = cdlt_error_set(&p->err, CDLT_ERR_NOT_FOUND, "%s database '%s' does not exist (has pipeline '%s' run?)", vt->name,
                        credentials, p->name);
  cdlt_destination *d = NULL;
  cdlt_query_result *r = NULL;
  if (!rc) {
    cdlt_destination_config cfg = {credentials, p->name, p->wd.path};
    rc = cdlt_destination_open(vt, &cfg, &d, &p->err);
  }
  if (!rc && !(r = calloc(1, sizeof *r))) rc = cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc) {
    set_default_schema(d, dataset);
    rc = d->vtab->query(d, sql, &r->rows, &p->err);
  }
  cdlt_destination_close(d);
  free(switched_cred);
  free(state_dest);
  free(state_ds);
  free(dflt_ds);
  if (rc) {
    free(r);
    return fail(p, rc);
  }
  *out = r;
  return 0;
}

size_t cdlt_query_result_column_count(const cdlt_query_result *r) { return r ? r->rows.ncols : 0; }
size_t cdlt_query_result_row_count(const cdlt_query_result *r) { return r ? r->rows.nrows : 0; }

const char *cdlt_query_result_column_name(const cdlt_query_result *r, size_t col) {
  return r && col < r->rows.ncols ? r->rows.col_names[col] : NULL;
}

const char *cdlt_query_result_value(const cdlt_query_result *r, size_t row, size_t col) {
  return r && row < r->rows.nrows && col < r->rows.ncols ? cdlt_rows_get(&r->rows, row, col) : NULL;
}

void cdlt_query_result_free(cdlt_query_result *r) {
  if (!r) return;
  cdlt_rows_free(&r->rows);
  free(r);
}
