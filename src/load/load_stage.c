/* load_stage.c — the load stage: one normalized package into the destination.
 *
 * Everything a package does to the destination runs in ONE transaction: dataset creation,
 * schema migration (CREATE/ALTER + the `_dlt_version` row), replace truncation, the staging
 * dataset (`<dataset>_staging`, §8: created/migrated like the final one, its chain tables
 * emptied), every job's bulk load (merge chains and staging replace chains into staging),
 * the follow-up SQL of each staged chain (merge_sql.h, also saved as the chain's `.sql` job),
 * and the `_dlt_loads` row last. A crash therefore leaves either nothing or the whole package;
 * on restart a package whose load id is already in `_dlt_loads` is only finalized on disk (its
 * job files moved to completed_jobs), never loaded twice. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load/load_early.h"
#include "load/load_files.h"
#include "load/merge_sql.h"
#include "load/sql_gen.h"
#include "package/job_file.h"
#include "package/package.h"
#include "pipeline/pipeline_internal.h"
#include "util/faultpoint.h"
#include "util/fs.h"
#include "util/isotime.h"
#include "util/loadid.h"

/* A UNIQUE constraint of a table created by this load (dialects with create_indexes): the table is
 * created as dlt creates it (inline UNIQUE), the constraint is dropped before its rows are loaded
 * and added back under the same name after them: one index build over the loaded rows instead of
 * maintaining the index row by row is ~2.4x less work for PostgreSQL (docs/internals/PERF_POSTGRES.md). */
typedef struct deferred_unique {
  char *dataset, *table, *name, *column;
} deferred_unique;

typedef struct load_ctx {
  cdlt_pipeline *p;
  cdlt_destination *dest;
  const cdlt_sql_dialect *dialect;
  cdlt_schema *schema;
  cdlt_package pkg;
  cdlt_buf sql;
  char *const *skip;           /* jobs the early loader already loaded in this transaction (load_early.h) */
  size_t nskip;
  deferred_unique *uniques;    /* UNIQUE constraints of tables created in this transaction, added
                                * after their rows are loaded (add_deferred_uniques) */
  size_t nuniques;
} load_ctx;

static int exec(load_ctx *c, cdlt_error *err) {
  return c->dest->vtab->execute(c->dest, c->sql.data, err);
}

static int query(load_ctx *c, cdlt_rows *rows, cdlt_error *err) {
  return c->dest->vtab->query(c->dest, c->sql.data, rows, err);
}

/* --- destinations without INFORMATION_SCHEMA / CREATE SCHEMA (sqlite): optional vtab methods --- */
static int dest_columns(load_ctx *c, const char *ds, const char *const *tables, size_t n, cdlt_rows *rows,
                        cdlt_error *err) {
  if (c->dest->vtab->get_columns) return c->dest->vtab->get_columns(c->dest, ds, tables, n, rows, err);
  cdlt_buf_reset(&c->sql);
  int rc = cdlt_sql_columns_query(&c->sql, c->dialect, ds, tables, n, err);
  return rc ? rc : query(c, rows, err);
}

static int dest_create_dataset(load_ctx *c, const char *ds, cdlt_error *err) {
  if (c->dest->vtab->create_dataset) return c->dest->vtab->create_dataset(c->dest, ds, err);
  cdlt_buf_reset(&c->sql);
  int rc = cdlt_sql_create_schema(&c->sql, c->dialect, ds, err);
  return rc ? rc : exec(c, err);
}

static int dataset_exists(load_ctx *c, const char *ds, bool *exists, cdlt_error *err) {
  if (c->dest->vtab->dataset_exists) return c->dest->vtab->dataset_exists(c->dest, ds, exists, err);
  cdlt_buf_reset(&c->sql);
  cdlt_rows rows = {0};
  int rc = cdlt_sql_dataset_exists(&c->sql, c->dialect, ds, err);
  if (!rc) rc = query(c, &rows, err);
  *exists = !rc && rows.nrows > 0;
  cdlt_rows_free(&rows);
  return rc;
}

/* true when `_dlt_loads` already holds load_id (the package was loaded before a crash) */
static int already_loaded(load_ctx *c, const char *load_id, bool *loaded, cdlt_error *err) {
  *loaded = false;
  bool exists;
  int rc = dataset_exists(c, c->p->dataset, &exists, err);
  if (rc || !exists) return rc;
  const char *tables[1] = {"_dlt_loads"};
  cdlt_rows rows = {0};
  rc = dest_columns(c, c->p->dataset, tables, 1, &rows, err);
  bool table_exists = !rc && rows.nrows > 0;
  cdlt_rows_free(&rows);
  if (rc || !table_exists) return rc;
  cdlt_buf_reset(&c->sql);
  cdlt_buf_puts(&c->sql, "SELECT 1 FROM ");
  rc = cdlt_sql_qualified(&c->sql, c->dialect, c->p->dataset, "_dlt_loads", err);
  if (rc) return rc;
  cdlt_buf_puts(&c->sql, " WHERE load_id = ");
  cdlt_sql_string_literal(&c->sql, c->dialect, load_id, strlen(load_id));
  rc = query(c, &rows, err);
  *loaded = !rc && rows.nrows > 0;
  cdlt_rows_free(&rows);
  return rc;
}

/* Drops the UNIQUE constraints of a table just created (create_indexes dialects), recording them in
 * c->uniques to be added back by add_deferred_uniques. Only for append tables of the dataset: the
 * tables of replace and merge loads go through staging tables and follow-up SQL that move and copy
 * tables with their constraints, and keep dlt's flow exactly. */
static int defer_uniques(load_ctx *c, const char *ds, const cdlt_table *t, const cdlt_table_def *def,
                         cdlt_error *err) {
  bool any = false;
  for (size_t col = 0; col < def->ncolumns; col++) any |= def->columns[col].unique;
  if (!c->dialect->create_indexes || !any || strcmp(ds, c->p->dataset) ||
      strcmp(cdlt_table_write_disposition(c->schema, t), "append"))
    return 0;
  cdlt_rows rows = {0};
  cdlt_buf_reset(&c->sql);
  int rc = cdlt_sql_unique_constraints_query(&c->sql, c->dialect, ds, def->name, err);
  if (!rc) rc = query(c, &rows, err);
  for (size_t r = 0; r < rows.nrows && !rc; r++) {
    const char *name = cdlt_rows_get(&rows, r, 0), *column = cdlt_rows_get(&rows, r, 1);
    if (!name || !column) continue;
    deferred_unique *grown = realloc(c->uniques, (c->nuniques + 1) * sizeof *grown);
    if (!grown) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); break; }
    c->uniques = grown;
    deferred_unique *u = &c->uniques[c->nuniques++];
    *u = (deferred_unique){strdup(ds), strdup(def->name), strdup(name), strdup(column)};
    if (!u->dataset || !u->table || !u->name || !u->column) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); break; }
    cdlt_buf_reset(&c->sql);
    rc = cdlt_sql_drop_constraint(&c->sql, c->dialect, ds, def->name, name, err);
    if (!rc) rc = exec(c, err);
  }
  cdlt_rows_free(&rows);
  return rc;
}

/* Adds the deferred UNIQUE constraints (before the commit: a duplicate fails the load). */
static int add_deferred_uniques(load_ctx *c, cdlt_error *err) {
  int rc = 0;
  for (size_t k = 0; k < c->nuniques && !rc; k++) {
    const deferred_unique *u = &c->uniques[k];
    cdlt_buf_reset(&c->sql);
    rc = cdlt_sql_add_unique(&c->sql, c->dialect, u->dataset, u->table, u->name, u->column, err);
    if (!rc) rc = exec(c, err);
  }
  return rc;
}

static void release_uniques(load_ctx *c) {
  for (size_t k = 0; k < c->nuniques; k++) {
    free(c->uniques[k].dataset);
    free(c->uniques[k].table);
    free(c->uniques[k].name);
    free(c->uniques[k].column);
  }
  free(c->uniques);
  c->uniques = NULL;
  c->nuniques = 0;
}

/* §6.3: create missing tables, add missing complete columns, record the schema version */
static int migrate(load_ctx *c, const char *ds, const char *const *tables, size_t ntables, cdlt_rows *existing,
                   cdlt_error *err) {
  int rc = 0;
  for (size_t k = 0; k < ntables && !rc; k++) {
    cdlt_table *t = cdlt_schema_table(c->schema, tables[k]);
    if (!t) continue;
    cdlt_table_def def;
    if (cdlt_schema_table_def(c->schema, t, &def)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if (def.ncolumns == 0) { cdlt_table_def_release(&def); continue; }
    /* columns the destination does not have yet */
    cdlt_column_def *missing = calloc(def.ncolumns, sizeof *missing);
    size_t nmissing = 0;
    if (!missing) { cdlt_table_def_release(&def); return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }
    for (size_t col = 0; col < def.ncolumns; col++) {
      bool found = false;
      for (size_t r = 0; r < existing->nrows; r++) {
        const char *tn = cdlt_rows_get(existing, r, 0), *cn = cdlt_rows_get(existing, r, 1);
        if (tn && cn && !strcmp(tn, t->name) && !strcasecmp(cn, def.columns[col].name)) { found = true; break; }
      }
      if (!found) missing[nmissing++] = def.columns[col];
    }
    bool table_exists = false;
    for (size_t r = 0; r < existing->nrows; r++)
      if (cdlt_rows_get(existing, r, 0) && !strcmp(cdlt_rows_get(existing, r, 0), t->name)) table_exists = true;
    cdlt_buf_reset(&c->sql);
    if (!table_exists) {
      rc = cdlt_sql_create_table(&c->sql, c->dialect, ds, &def, err);
      if (!rc) rc = exec(c, err);
      if (!rc) rc = defer_uniques(c, ds, t, &def, err);
    } else if (nmissing) {
      rc = cdlt_sql_alter_table_add(&c->sql, c->dialect, ds, t->name, missing, nmissing, err);
      if (!rc) rc = exec(c, err);
    }
    free(missing);
    cdlt_table_def_release(&def);
  }
  return rc;
}

static int record_version(load_ctx *c, const char *ds, cdlt_error *err) {
  cdlt_rows rows = {0};
  cdlt_buf_reset(&c->sql);
  int rc = cdlt_sql_version_by_hash(&c->sql, c->dialect, ds, cdlt_schema_stored_hash(c->schema), err);
  if (!rc) rc = query(c, &rows, err);
  bool present = !rc && rows.nrows > 0;
  cdlt_rows_free(&rows);
  if (rc || present) return rc;
  cdlt_buf json;
  cdlt_buf_init(&json);
  if (cdlt_schema_write(c->schema, &json, 0)) { cdlt_buf_release(&json); return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }
  char now[48];
  cdlt_format_iso_utc(cdlt_now_us(), now);
  cdlt_buf_reset(&c->sql);
  rc = cdlt_sql_insert_version(&c->sql, c->dialect, ds, cdlt_schema_version(c->schema), CDLT_SCHEMA_ENGINE_VERSION, now,
                               cdlt_schema_name(c->schema), cdlt_schema_stored_hash(c->schema), json.data, json.len, err);
  cdlt_buf_release(&json);
  if (!rc) rc = exec(c, err);
  return rc;
}

/* --- staging (§8): chains of merge roots and staging replace roots --- */

typedef struct staged_chain {
  const cdlt_table *root;
  const cdlt_table **tables;   /* root first, then nested tables that have seen data; borrowed */
  size_t n;
} staged_chain;

typedef struct staging {
  char *dataset;               /* "<dataset>_staging" */
  staged_chain *chains;
  size_t nchains;
} staging;

static void staging_release(staging *st) {
  for (size_t k = 0; k < st->nchains; k++) free(st->chains[k].tables);
  free(st->chains);
  free(st->dataset);
  memset(st, 0, sizeof *st);
}

/* the chain that holds table `name`, or NULL when the table loads straight into the final dataset */
static const staged_chain *staged_chain_of(const staging *st, const char *name) {
  if (!strcmp(name, "_dlt_pipeline_state")) return NULL;   /* always into the final dataset */
  for (size_t k = 0; k < st->nchains; k++)
    for (size_t t = 0; t < st->chains[k].n; t++)
      if (!strcmp(st->chains[k].tables[t]->name, name)) return &st->chains[k];
  return NULL;
}

/* one chain per root of a job table whose disposition loads through staging */
static int staging_plan(load_ctx *c, const char *const *tables, size_t ntables, staging *st, cdlt_error *err) {
  memset(st, 0, sizeof *st);
  for (size_t k = 0; k < ntables; k++) {
    cdlt_table *t = cdlt_schema_table(c->schema, tables[k]);
    if (!t || cdlt_sql_is_dlt_table(t->name)) continue;
    const cdlt_table *root = cdlt_schema_root_of(c->schema, t);
    if (!root || !cdlt_merge_uses_staging(c->schema, root, c->p->replace_strategy)) continue;
    bool have = false;
    for (size_t j = 0; j < st->nchains; j++) have |= st->chains[j].root == root;
    if (have) continue;
    staged_chain *nc = realloc(st->chains, (st->nchains + 1) * sizeof *nc);
    if (!nc) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    st->chains = nc;
    staged_chain *ch = &st->chains[st->nchains];
    memset(ch, 0, sizeof *ch);
    ch->root = root;
    int rc = cdlt_merge_chain(c->schema, root, &ch->tables, &ch->n, err);
    st->nchains++;
    if (rc) return rc;
  }
  if (st->nchains && asprintf(&st->dataset, "%s_staging", c->p->dataset) < 0) {
    st->dataset = NULL;
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  return 0;
}

/* creates / migrates the staging dataset (its own `_dlt_version`) and empties its chain tables */
static int staging_prepare(load_ctx *c, staging *st, cdlt_error *err) {
  size_t cap = 2;
  for (size_t k = 0; k < st->nchains; k++) cap += st->chains[k].n;
  const char **tables = calloc(cap, sizeof *tables);
  if (!tables) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  size_t n = 0;
  tables[n++] = "_dlt_version";
  for (size_t k = 0; k < st->nchains; k++)
    for (size_t t = 0; t < st->chains[k].n; t++) tables[n++] = st->chains[k].tables[t]->name;
  bool exists;
  cdlt_rows existing = {0};
  int rc = dataset_exists(c, st->dataset, &exists, err);
  if (!rc && !exists) rc = dest_create_dataset(c, st->dataset, err);
  if (!rc) rc = dest_columns(c, st->dataset, tables, n, &existing, err);
  if (!rc) rc = migrate(c, st->dataset, tables, n, &existing, err);
  if (!rc) rc = record_version(c, st->dataset, err);
  for (size_t k = 1; !rc && k < n; k++) {
    cdlt_buf_reset(&c->sql);
    rc = cdlt_sql_truncate_table(&c->sql, c->dialect, st->dataset, tables[k], err);
    if (!rc) rc = exec(c, err);
  }
  cdlt_rows_free(&existing);
  free(tables);
  return rc;
}

/* Generates the chain's follow-up SQL, saves it as the `<root>.<id>.0.sql` job in started_jobs
 * (completed with the package, as dlt keeps it) and runs it statement by statement. */
static int run_followup(load_ctx *c, const staging *st, const staged_chain *ch, cdlt_error *err) {
  char *load_id = c->pkg.load_id;
  cdlt_merge_params mp = {.dialect = c->dialect,
                          .dataset = c->p->dataset,
                          .staging_dataset = st->dataset,
                          .package_created_us = cdlt_load_id_to_us(load_id),
                          .replace_strategy = c->p->replace_strategy};
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  int rc = cdlt_merge_chain_sql(&sql, &mp, c->schema, ch->tables, ch->n, err);
  char file_id[CDLT_JOB_FILE_ID_LEN + 1];
  if (!rc) rc = cdlt_job_new_file_id(file_id, err);
  char *name = rc ? NULL : cdlt_job_file_name(ch->root->name, file_id, 0, "sql", false);
  char *path = name ? cdlt_package_job_path(&c->pkg, CDLT_JOB_STARTED, name) : NULL;
  if (!rc && !path) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc) rc = cdlt_fs_write_atomic(path, NULL, sql.data ? sql.data : "", sql.len, 0644, err);
  if (!rc) rc = cdlt_fault_point("load.before_followup", err);
  /* one statement per line */
  for (char *line = sql.data; !rc && line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    rc = c->dest->vtab->execute(c->dest, line, err);
    if (rc) cdlt_error_wrap(err, "follow-up sql of table '%s' failed", ch->root->name);
    if (!rc) rc = cdlt_fault_point("load.followup_statement", err);
    line = nl ? nl + 1 : NULL;
  }
  free(path);
  free(name);
  cdlt_buf_release(&sql);
  return rc;
}

/* removes `.sql` jobs left in started_jobs by an interrupted attempt: they are regenerated */
static int drop_stale_followups(load_ctx *c, cdlt_fs_names *jobs, cdlt_error *err) {
  for (size_t k = 0; k < jobs->len; k++) {
    cdlt_job_file jf;
    if (cdlt_job_file_parse(jobs->names[k], &jf, NULL)) continue;
    bool is_sql = !strcmp(jf.format, "sql");
    cdlt_job_file_release(&jf);
    if (!is_sql) continue;
    char *path = cdlt_package_job_path(&c->pkg, CDLT_JOB_STARTED, jobs->names[k]);
    int rc = path ? cdlt_fs_unlink(path, err) : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    free(path);
    if (rc) return rc;
    free(jobs->names[k]);
    memmove(&jobs->names[k], &jobs->names[k + 1], (jobs->len - k - 1) * sizeof *jobs->names);
    jobs->len--;
    k--;
  }
  return 0;
}

/* replace (truncate-and-insert): empty the root table and every nested table of it that exists (§8.2) */
static int truncate_replace_tables(load_ctx *c, const char *const *tables, size_t ntables, cdlt_rows *existing,
                                   const staging *st, cdlt_error *err) {
  for (size_t k = 0; k < ntables; k++) {
    cdlt_table *root = cdlt_schema_table(c->schema, tables[k]);
    if (!root || root->parent || strcmp(cdlt_table_write_disposition(c->schema, root), "replace")) continue;
    if (staged_chain_of(st, root->name)) continue;   /* insert-from-staging / staging-optimized */
    for (size_t t = 0; t < c->schema->ntables; t++) {
      cdlt_table *cand = c->schema->tables[t];
      if (cdlt_schema_root_of(c->schema, cand) != root) continue;
      bool exists = false;
      for (size_t r = 0; r < existing->nrows; r++)
        if (cdlt_rows_get(existing, r, 0) && !strcmp(cdlt_rows_get(existing, r, 0), cand->name)) exists = true;
      if (!exists) continue;
      cdlt_buf_reset(&c->sql);
      int rc = cdlt_sql_truncate_table(&c->sql, c->dialect, c->p->dataset, cand->name, err);
      if (!rc) rc = exec(c, err);
      if (rc) return rc;
    }
  }
  return 0;
}

static bool skipped(const load_ctx *c, const char *name) {
  for (size_t k = 0; k < c->nskip; k++)
    if (!strcmp(c->skip[k], name)) return true;
  return false;
}

/* The table of job `name` into *table (malloc'd), or an error. */
static int job_table(const char *name, char **table, cdlt_error *err) {
  cdlt_job_file jf;
  int rc = cdlt_job_file_parse(name, &jf, err);
  if (rc) return rc;
  *table = strdup(jf.table);
  cdlt_job_file_release(&jf);
  return *table ? 0 : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
}

/* Loads the jobs in name order. The consecutive jobs of one table (the parallel normalize writes
 * one per chunk) go to the destination together when it loads several files at once (load_files:
 * DuckDB then runs one INSERT for them instead of one per file); an error names the job it is
 * about. */
static int load_jobs(load_ctx *c, cdlt_fs_names *jobs, const staging *st, cdlt_error *err) {
  const char **paths = calloc(jobs->len ? jobs->len : 1, sizeof *paths);
  size_t *which = calloc(jobs->len ? jobs->len : 1, sizeof *which);   /* paths[g] is job which[g] */
  char *table = NULL, *next_table = NULL;
  int rc = paths && which ? 0 : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  for (size_t k = 0; k < jobs->len && !rc;) {
    if (skipped(c, jobs->names[k])) {   /* loaded early, in this transaction */
      k++;
      continue;
    }
    free(table);
    table = NULL;
    if ((rc = job_table(jobs->names[k], &table, err))) break;
    cdlt_table *t = cdlt_schema_table(c->schema, table);
    if (!t) {
      rc = cdlt_error_set(err, CDLT_ERR_SCHEMA, "job '%s' names table '%s' that is not in schema '%s'", jobs->names[k],
                          table, cdlt_schema_name(c->schema));
      break;
    }
    /* the run of jobs of this table from k: [k, end) */
    size_t end = k + 1;
    while (c->dest->vtab->load_files && end < jobs->len && !skipped(c, jobs->names[end])) {
      free(next_table);
      next_table = NULL;
      if ((rc = job_table(jobs->names[end], &next_table, err))) break;
      if (strcmp(next_table, table)) break;
      end++;
    }
    if (rc) break;
    bool staged = staged_chain_of(st, t->name) != NULL;
    const char *ds = staged ? st->dataset : c->p->dataset;
    cdlt_table_def def;
    rc = cdlt_schema_table_def(c->schema, t, &def) ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
    def.in_file_order = staged;
    size_t n = 0;
    for (size_t g = k; g < end && !rc; g++) {   /* the non-empty jobs of the run */
      char *path = cdlt_package_job_path(&c->pkg, CDLT_JOB_STARTED, jobs->names[g]);
      uint64_t size = 0;
      if (!path) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      else cdlt_fs_file_size(path, &size, NULL);
      if (!rc && size > 0 && def.ncolumns > 0) {
        rc = cdlt_fault_point("load.before_job", err);
        if (rc) cdlt_error_wrap(err, "cannot load job '%s' into table '%s'", jobs->names[g], table);
        paths[n] = path;
        which[n++] = g;
      } else free(path);
    }
    if (!rc && n == 1) {
      rc = c->dest->vtab->load_file(c->dest, ds, &def, paths[0], CDLT_FORMAT_JSONL, err);
      if (rc) cdlt_error_wrap(err, "cannot load job '%s' into table '%s'", jobs->names[which[0]], table);
    } else if (!rc && n > 1) {
      size_t failed = 0;
      rc = c->dest->vtab->load_files(c->dest, ds, &def, paths, n, CDLT_FORMAT_JSONL, &failed, err);
      if (rc) cdlt_error_wrap(err, "cannot load job '%s' into table '%s'", jobs->names[which[failed < n ? failed : 0]], table);
    }
    for (size_t g = 0; g < n; g++) free((char *)paths[g]);
    cdlt_table_def_release(&def);
    k = end;
  }
  free(table);
  free(next_table);
  free(paths);
  free(which);
  return rc;
}

/* --- the transaction of an early load (load_early.h) --- */

struct cdlt_load_tx {
  load_ctx c;        /* p, dest, dialect, sql; schema borrowed during a call */
  bool in_tx, dataset_ready;
  char **loaded;     /* job names loaded in the transaction */
  size_t nloaded;
};

int cdlt_load_tx_begin(cdlt_pipeline *p, cdlt_destination *dest, cdlt_load_tx **out, cdlt_error *err) {
  cdlt_load_tx *tx = calloc(1, sizeof *tx);
  *out = tx;
  if (!tx) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  tx->c.p = p;
  tx->c.dest = dest;
  tx->c.dialect = dest->vtab->dialect;
  cdlt_buf_init(&tx->c.sql);
  int rc = dest->vtab->begin(dest, err);
  tx->in_tx = rc == 0;
  return rc;
}

int cdlt_load_tx_migrate(cdlt_load_tx *tx, const cdlt_schema *schema, const char *const *tables, size_t n,
                         cdlt_error *err) {
  load_ctx *c = &tx->c;
  c->schema = (cdlt_schema *)schema;   /* only read */
  int rc = 0;
  if (!tx->dataset_ready) {
    bool exists;
    rc = dataset_exists(c, c->p->dataset, &exists, err);
    if (!rc && !exists) rc = dest_create_dataset(c, c->p->dataset, err);
    tx->dataset_ready = rc == 0;
  }
  cdlt_rows existing = {0};
  if (!rc) rc = dest_columns(c, c->p->dataset, tables, n, &existing, err);
  if (!rc) rc = migrate(c, c->p->dataset, tables, n, &existing, err);
  cdlt_rows_free(&existing);
  c->schema = NULL;
  return rc;
}

int cdlt_load_tx_load_job(cdlt_load_tx *tx, const cdlt_schema *schema, const char *name, const char *path,
                          cdlt_error *err) {
  load_ctx *c = &tx->c;
  cdlt_job_file jf;
  int rc = cdlt_job_file_parse(name, &jf, err);
  if (rc) return rc;
  cdlt_table *t = cdlt_schema_table(schema, jf.table);
  char **grown = realloc(tx->loaded, (tx->nloaded + 1) * sizeof *grown);
  if (grown) tx->loaded = grown;
  if (!t) rc = cdlt_error_set(err, CDLT_ERR_SCHEMA, "job '%s' names table '%s' that is not in schema '%s'", name, jf.table,
                              cdlt_schema_name(schema));
  else if (!grown) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  else {
    cdlt_table_def def;
    rc = cdlt_schema_table_def(schema, t, &def) ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
    uint64_t size = 0;
    if (!rc) rc = cdlt_fs_file_size(path, &size, err);   /* a job file that is not there: give up */
    if (!rc && size > 0 && def.ncolumns > 0) {
      rc = cdlt_fault_point("load.early_job", err);
      if (!rc) rc = c->dest->vtab->load_file(c->dest, c->p->dataset, &def, path, CDLT_FORMAT_JSONL, err);
      if (rc) cdlt_error_wrap(err, "cannot load job '%s' into table '%s'", name, jf.table);
    }
    /* done: loaded, or empty (the serial load skips it too); a table without columns yet is left to it */
    bool done = size == 0 || def.ncolumns > 0;
    cdlt_table_def_release(&def);
    if (!rc && done && !(tx->loaded[tx->nloaded] = strdup(name))) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if (!rc && done) tx->nloaded++;
  }
  cdlt_job_file_release(&jf);
  return rc;
}

void cdlt_load_tx_free(cdlt_load_tx *tx) {
  if (!tx) return;
  if (tx->in_tx) {
    cdlt_error ignored;
    tx->c.dest->vtab->rollback(tx->c.dest, &ignored);
  }
  for (size_t k = 0; k < tx->nloaded; k++) free(tx->loaded[k]);
  free(tx->loaded);
  cdlt_buf_release(&tx->c.sql);
  release_uniques(&tx->c);
  free(tx);
}

static int load_package(cdlt_pipeline *p, cdlt_destination *dest, const char *load_id, cdlt_load_tx *tx,
                        cdlt_error *err);

int cdlt_load_package(cdlt_pipeline *p, cdlt_destination *dest, const char *load_id, cdlt_error *err) {
  return load_package(p, dest, load_id, NULL, err);
}

int cdlt_load_package_tx(cdlt_pipeline *p, cdlt_destination *dest, const char *load_id, cdlt_load_tx *tx,
                         cdlt_error *err) {
  int rc = load_package(p, dest, load_id, tx, err);
  cdlt_load_tx_free(tx);
  return rc;
}

/* tx: the transaction an early load left open (NULL: a new one). The package's own load. */
static int load_package(cdlt_pipeline *p, cdlt_destination *dest, const char *load_id, cdlt_load_tx *tx,
                        cdlt_error *err) {
  if (dest->vtab->writes_files || !dest->vtab->dialect) return cdlt_load_package_files(p, dest, load_id, err);   /* filesystem */
  load_ctx c;
  memset(&c, 0, sizeof c);
  c.p = p;
  c.dest = dest;
  c.dialect = dest->vtab->dialect;
  cdlt_buf_init(&c.sql);
  cdlt_fs_names jobs;
  cdlt_fs_names_init(&jobs);
  cdlt_rows existing = {0};
  const char **tables = NULL;
  char **job_tables = NULL;
  size_t ntables = 0;
  bool in_tx = false;
  staging st;
  memset(&st, 0, sizeof st);
  if (tx && tx->in_tx) {   /* continue the early load's transaction, with what it set up */
    cdlt_buf_release(&c.sql);
    c = tx->c;
    memset(&tx->c, 0, sizeof tx->c);
    cdlt_buf_init(&tx->c.sql);
    tx->in_tx = false;
    in_tx = true;
    c.skip = tx->loaded;
    c.nskip = tx->nloaded;
  }

  int rc = cdlt_package_open(&p->wd, CDLT_STAGE_NORMALIZED, load_id, &c.pkg, err);
  if (rc) goto done;
  cdlt_buf sb;
  cdlt_buf_init(&sb);
  rc = cdlt_package_read_file(&c.pkg, CDLT_PACKAGE_SCHEMA_FILE, &sb, err);
  if (!rc) rc = cdlt_schema_from_json(sb.data ? sb.data : "", sb.len, "schema.json", &c.schema, err);
  cdlt_buf_release(&sb);
  if (rc) goto done;

  bool loaded;
  if ((rc = already_loaded(&c, load_id, &loaded, err))) goto done;
  if (loaded) { rc = cdlt_load_finalize_package(&c.pkg, err); goto done; }

  /* jobs: start every new one (started ones are from an interrupted attempt) */
  if ((rc = cdlt_package_list_jobs(&c.pkg, CDLT_JOB_NEW, &jobs, err))) goto done;
  for (size_t k = 0; !rc && k < jobs.len; k++) rc = cdlt_package_start_job(&c.pkg, jobs.names[k], err);
  cdlt_fs_names_release(&jobs);
  if (rc || (rc = cdlt_package_list_jobs(&c.pkg, CDLT_JOB_STARTED, &jobs, err))) goto done;
  if ((rc = drop_stale_followups(&c, &jobs, err))) goto done;

  /* tables this package touches, plus dlt's own, plus every table of a staged chain */
  tables = calloc(jobs.len + c.schema->ntables + 3, sizeof *tables);
  job_tables = calloc(jobs.len + 1, sizeof *job_tables);
  if (!tables || !job_tables) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto done; }
  tables[ntables++] = "_dlt_version";
  tables[ntables++] = "_dlt_loads";
  for (size_t k = 0; k < jobs.len; k++) {
    cdlt_job_file jf;
    if (cdlt_job_file_parse(jobs.names[k], &jf, NULL) == 0) {
      job_tables[k] = strdup(jf.table);
      cdlt_job_file_release(&jf);
      bool dup = false;
      for (size_t t = 0; t < ntables; t++) if (job_tables[k] && !strcmp(tables[t], job_tables[k])) dup = true;
      if (job_tables[k] && !dup) tables[ntables++] = job_tables[k];
    }
  }
  if ((rc = staging_plan(&c, tables, ntables, &st, err))) goto done;
  for (size_t k = 0; k < st.nchains; k++)
    for (size_t t = 0; t < st.chains[k].n; t++) {
      bool dup = false;
      for (size_t j = 0; j < ntables; j++) if (!strcmp(tables[j], st.chains[k].tables[t]->name)) dup = true;
      if (!dup) tables[ntables++] = st.chains[k].tables[t]->name;
    }

  if (!in_tx && (rc = dest->vtab->begin(dest, err))) goto done;
  in_tx = true;
  bool exists;
  if ((rc = dataset_exists(&c, p->dataset, &exists, err))) goto done;
  if (!exists && (rc = dest_create_dataset(&c, p->dataset, err))) goto done;
  /* every table of the schema is looked up, so replace can truncate nested tables too */
  {
    const char **all = calloc(c.schema->ntables + 1, sizeof *all);
    if (!all) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto done; }
    for (size_t k = 0; k < c.schema->ntables; k++) all[k] = c.schema->tables[k]->name;
    rc = dest_columns(&c, p->dataset, all, c.schema->ntables, &existing, err);
    free(all);
    if (rc) goto done;
  }
  if ((rc = migrate(&c, p->dataset, tables, ntables, &existing, err))) goto done;
  if ((rc = record_version(&c, p->dataset, err))) goto done;
  if ((rc = truncate_replace_tables(&c, tables, ntables, &existing, &st, err))) goto done;
  if (st.nchains && (rc = staging_prepare(&c, &st, err))) goto done;
  if ((rc = load_jobs(&c, &jobs, &st, err))) goto done;
  if (st.nchains && (rc = cdlt_fault_point("load.after_staging_load", err))) goto done;
  for (size_t k = 0; k < st.nchains; k++)
    if ((rc = run_followup(&c, &st, &st.chains[k], err))) goto done;
  if ((rc = add_deferred_uniques(&c, err))) goto done;
  {
    char now[48];
    cdlt_format_iso_utc(cdlt_now_us(), now);
    cdlt_buf_reset(&c.sql);
    rc = cdlt_sql_insert_load(&c.sql, c.dialect, p->dataset, load_id, cdlt_schema_name(c.schema), 0, now,
                              cdlt_schema_stored_hash(c.schema), err);
    if (!rc) rc = exec(&c, err);
    if (!rc) rc = cdlt_fault_point("load.before_commit", err);
    if (rc) goto done;
  }
  rc = dest->vtab->commit(dest, err);
  in_tx = false;
  if (!rc) rc = cdlt_fault_point("load.after_commit", err);
  if (!rc) rc = cdlt_load_finalize_package(&c.pkg, err);

done:
  if (in_tx) {
    cdlt_error ignored;
    dest->vtab->rollback(dest, &ignored);
  }
  if (job_tables) {
    for (size_t k = 0; k < jobs.len; k++) free(job_tables[k]);
    free(job_tables);
  }
  staging_release(&st);
  free(tables);
  cdlt_rows_free(&existing);
  cdlt_fs_names_release(&jobs);
  cdlt_schema_free(c.schema);
  cdlt_package_close(&c.pkg);
  cdlt_buf_release(&c.sql);
  release_uniques(&c);
  return rc;
}
