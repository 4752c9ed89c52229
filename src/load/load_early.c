/* load_early.c — the early loader: a thread that loads a package's finished normalize chunks into
 * the destination inside one open transaction while the rest is still being normalized (see
 * load_early.h and docs/internals/LOAD_OVERLAP.md). */
#define _GNU_SOURCE
#include "load/load_early.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "package/job_file.h"
#include "util/isotime.h"

/* a finished chunk waiting for the loader */
typedef struct early_chunk {
  struct early_chunk *next;
  cdlt_schema *schema;   /* the merged schema after this chunk (owned) */
  char **names, **paths;
  size_t n;
} early_chunk;

/* the columns a table was migrated to in this transaction (to keep the serial column order) */
typedef struct early_table {
  char *name;
  cdlt_column_def *cols;   /* names owned */
  size_t ncols;
} early_table;

struct cdlt_load_early {
  cdlt_pipeline *p;
  pthread_t thread;
  bool started;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  early_chunk *head, *tail;
  bool closing;            /* no more chunks will come */
  bool abandon;            /* drop queued chunks */
  bool busy;               /* the loader is working on a chunk */
  /* owned by the loader thread until it is joined */
  bool failed;             /* gave up: rolled back, destination closed */
  cdlt_destination *dest;
  cdlt_load_tx *tx;
  early_table *tables;
  size_t ntables;
  size_t nchunks;          /* chunks loaded */
  char *created_db;        /* the DuckDB file the loader's open created: removed again if it gives up */
  int64_t started_us;
  int64_t drained_us;      /* when normalize had handed over its last chunk (under mu) */
};

static void chunk_free(early_chunk *c) {
  if (!c) return;
  cdlt_schema_free(c->schema);
  for (size_t k = 0; k < c->n; k++) {
    if (c->names) free(c->names[k]);
    if (c->paths) free(c->paths[k]);
  }
  free(c->names);
  free(c->paths);
  free(c);
}

static void tables_free(cdlt_load_early *el) {
  for (size_t k = 0; k < el->ntables; k++) {
    for (size_t c = 0; c < el->tables[k].ncols; c++) free((char *)el->tables[k].cols[c].name);
    free(el->tables[k].cols);
    free(el->tables[k].name);
  }
  free(el->tables);
  el->tables = NULL;
  el->ntables = 0;
}

static bool same_column(const cdlt_column_def *a, const cdlt_column_def *b) {
  return !strcmp(a->name, b->name) && a->type == b->type && a->nullable == b->nullable && a->precision == b->precision &&
         a->scale == b->scale && a->timezone == b->timezone && a->unique == b->unique && a->primary_key == b->primary_key;
}

/* The table may be migrated to `def` early only when the columns it was migrated to before in this
 * transaction are the first columns of def, unchanged: then every ALTER TABLE ADD COLUMN appends in
 * the order of the final schema, and the table ends up with the columns the serial load gives it.
 * Records def as the table's columns. Returns false when early loading must stop. */
static bool keeps_column_order(cdlt_load_early *el, const cdlt_table_def *def) {
  early_table *t = NULL;
  for (size_t k = 0; k < el->ntables && !t; k++)
    if (!strcmp(el->tables[k].name, def->name)) t = &el->tables[k];
  if (!t) {
    early_table *grown = realloc(el->tables, (el->ntables + 1) * sizeof *grown);
    if (!grown) return false;
    el->tables = grown;
    t = &el->tables[el->ntables];
    memset(t, 0, sizeof *t);
    if (!(t->name = strdup(def->name))) return false;
    el->ntables++;
  }
  if (def->ncolumns < t->ncols) return false;
  for (size_t c = 0; c < t->ncols; c++)
    if (!same_column(&t->cols[c], &def->columns[c])) return false;
  if (def->ncolumns == t->ncols) return true;
  cdlt_column_def *cols = realloc(t->cols, def->ncolumns * sizeof *cols);
  if (!cols) return false;
  t->cols = cols;
  for (size_t c = t->ncols; c < def->ncolumns; c++) {
    cols[c] = def->columns[c];
    if (!(cols[c].name = strdup(def->columns[c].name))) return false;
    t->ncols = c + 1;
  }
  return true;
}

/* The DuckDB database file the destination is about to create (it does not exist yet), malloc'd; NULL
 * when it exists, is in memory, or the destination is another one. A serial run whose normalize fails
 * never opens the destination, so it never creates the file: the early loader removes it when it
 * gives up. */
static char *db_file_to_create(const cdlt_pipeline *p) {
  const char *path = p->credentials;
  if (strcmp(p->dest_vt->name, "duckdb") || !path || !*path || !strncmp(path, ":memory:", 8)) return NULL;
  if (access(path, F_OK) == 0 || errno != ENOENT) return NULL;
  char wal[4200];   /* nor its write-ahead log (an orphan one is not the loader's to remove) */
  if (snprintf(wal, sizeof wal, "%s.wal", path) >= (int)sizeof wal || access(wal, F_OK) == 0 || errno != ENOENT) return NULL;
  return strdup(path);
}

/* Loads one chunk; nonzero = give up early loading. */
static int load_chunk(cdlt_load_early *el, early_chunk *ch) {
  cdlt_error err;
  cdlt_error_clear(&err);
  int rc = 0;
  if (!el->dest) {
    el->started_us = cdlt_now_us();
    free(el->created_db);
    el->created_db = db_file_to_create(el->p);
    if ((rc = cdlt_pipeline_open_destination(el->p, &el->dest, &err))) return rc;
    if (el->dest->vtab->writes_files || !el->dest->vtab->dialect) return CDLT_ERR_USAGE;
  }
  if (!el->tx && (rc = cdlt_load_tx_begin(el->p, el->dest, &el->tx, &err))) return rc;
  /* the chunk's tables (job names are sorted), dlt's own tables first as the serial load does */
  const char **tables = calloc(ch->n + 3, sizeof *tables);
  char **owned = calloc(ch->n + 1, sizeof *owned);
  size_t nt = 0;
  if (!tables || !owned) rc = CDLT_ERR_NOMEM;
  if (!rc && el->nchunks == 0) {
    tables[nt++] = "_dlt_version";
    tables[nt++] = "_dlt_loads";
  }
  for (size_t k = 0; !rc && k < ch->n; k++) {
    cdlt_job_file jf;
    if ((rc = cdlt_job_file_parse(ch->names[k], &jf, &err))) break;
    owned[k] = strdup(jf.table);
    cdlt_job_file_release(&jf);
    if (!owned[k]) { rc = CDLT_ERR_NOMEM; break; }
    const cdlt_table *t = cdlt_schema_table(ch->schema, owned[k]);
    /* only append tables (replace and merge keep the serial path) */
    if (!t || strcmp(cdlt_table_write_disposition(ch->schema, t), "append")) { rc = CDLT_ERR_USAGE; break; }
    cdlt_table_def def;
    if (cdlt_schema_table_def(ch->schema, t, &def)) { rc = CDLT_ERR_NOMEM; break; }
    bool ok = keeps_column_order(el, &def);
    cdlt_table_def_release(&def);
    if (!ok) { rc = CDLT_ERR_USAGE; break; }
    bool dup = false;
    for (size_t j = 0; j < nt; j++) dup |= !strcmp(tables[j], owned[k]);
    if (!dup) tables[nt++] = owned[k];
  }
  if (!rc) rc = cdlt_load_tx_migrate(el->tx, ch->schema, tables, nt, &err);
  for (size_t k = 0; !rc && k < ch->n; k++) rc = cdlt_load_tx_load_job(el->tx, ch->schema, ch->names[k], ch->paths[k], &err);
  for (size_t k = 0; owned && k < ch->n; k++) free(owned[k]);
  free(owned);
  if (!rc) el->nchunks++;
  free(tables);
  return rc;
}

/* rolls back and closes: the serial load will do everything. A database file the loader's open
 * created is removed while the destination still holds it (no other process has it open then). */
static void give_up(cdlt_load_early *el) {
  el->failed = true;
  cdlt_load_tx_free(el->tx);
  el->tx = NULL;
  if (el->created_db) {
    unlink(el->created_db);
    char wal[4200];
    if (snprintf(wal, sizeof wal, "%s.wal", el->created_db) < (int)sizeof wal) unlink(wal);
    free(el->created_db);
    el->created_db = NULL;
  }
  cdlt_destination_close(el->dest);
  el->dest = NULL;
  tables_free(el);
}

static void *loader_main(void *arg) {
  cdlt_load_early *el = arg;
  pthread_mutex_lock(&el->mu);
  for (;;) {
    while (!el->head && !el->closing) pthread_cond_wait(&el->cv, &el->mu);
    early_chunk *ch = el->head;
    if (!ch) break;
    el->head = ch->next;
    if (!el->head) el->tail = NULL;
    bool skip = el->abandon || el->failed;
    el->busy = true;
    pthread_mutex_unlock(&el->mu);
    if (!skip && load_chunk(el, ch)) give_up(el);
    chunk_free(ch);
    pthread_mutex_lock(&el->mu);
    el->busy = false;
    pthread_cond_broadcast(&el->cv);   /* for cdlt_load_early_drain */
  }
  pthread_mutex_unlock(&el->mu);
  return NULL;
}

int cdlt_load_early_start(cdlt_pipeline *p, cdlt_load_early **out, cdlt_error *err) {
  cdlt_load_early *el = calloc(1, sizeof *el);
  *out = el;
  if (!el) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  el->p = p;
  pthread_mutex_init(&el->mu, NULL);
  pthread_cond_init(&el->cv, NULL);
  if (pthread_create(&el->thread, NULL, loader_main, el) != 0) {
    el->failed = true;   /* no thread: no early load, chunks are dropped */
    return 0;
  }
  el->started = true;
  return 0;
}

void cdlt_load_early_chunk(void *vel, cdlt_schema *schema, const char *const *names, const char *const *paths,
                           size_t n) {
  cdlt_load_early *el = vel;
  early_chunk *ch = calloc(1, sizeof *ch);
  bool ok = ch != NULL;
  if (ok) {
    ch->schema = schema;
    schema = NULL;
    ch->names = calloc(n + 1, sizeof *ch->names);
    ch->paths = calloc(n + 1, sizeof *ch->paths);
    ok = ch->names && ch->paths;
    for (size_t k = 0; ok && k < n; k++) {
      ch->names[k] = strdup(names[k]);
      ch->paths[k] = strdup(paths[k]);
      ch->n = k + 1;
      ok = ch->names[k] && ch->paths[k];
    }
  }
  cdlt_schema_free(schema);
  pthread_mutex_lock(&el->mu);
  if (!ok) el->abandon = true;   /* a chunk missing: the load would not be complete */
  if (ok && el->started && !el->closing) {
    if (el->tail) el->tail->next = ch;
    else el->head = ch;
    el->tail = ch;
    ch = NULL;
    pthread_cond_broadcast(&el->cv);
  }
  pthread_mutex_unlock(&el->mu);
  chunk_free(ch);
}

void cdlt_load_early_drain(void *vel) {
  cdlt_load_early *el = vel;
  pthread_mutex_lock(&el->mu);
  el->drained_us = cdlt_now_us();
  while (el->started && (el->head || el->busy)) pthread_cond_wait(&el->cv, &el->mu);
  pthread_mutex_unlock(&el->mu);
}

static void join(cdlt_load_early *el, bool abandon) {
  if (!el->started) return;
  pthread_mutex_lock(&el->mu);
  el->closing = true;
  if (abandon) el->abandon = true;
  pthread_cond_broadcast(&el->cv);
  pthread_mutex_unlock(&el->mu);
  pthread_join(el->thread, NULL);
  el->started = false;
}

int64_t cdlt_load_early_normalized_us(cdlt_load_early *el) {
  pthread_mutex_lock(&el->mu);
  int64_t t = el->drained_us;
  pthread_mutex_unlock(&el->mu);
  return t;
}

bool cdlt_load_early_finish(cdlt_load_early *el, cdlt_destination **dest, cdlt_load_tx **tx, int64_t *started_us) {
  *dest = NULL;
  *tx = NULL;
  join(el, false);
  if (el->failed || el->abandon || !el->tx || el->nchunks == 0) return false;
  *dest = el->dest;
  *tx = el->tx;
  *started_us = el->started_us;
  free(el->created_db);   /* the serial load goes on with it */
  el->created_db = NULL;
  el->dest = NULL;
  el->tx = NULL;
  return true;
}

void cdlt_load_early_free(cdlt_load_early *el) {
  if (!el) return;
  join(el, true);
  for (early_chunk *c = el->head; c;) {
    early_chunk *next = c->next;
    chunk_free(c);
    c = next;
  }
  give_up(el);
  pthread_cond_destroy(&el->cv);
  pthread_mutex_destroy(&el->mu);
  free(el);
}
