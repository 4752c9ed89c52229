/* duckdb_load.c — the DuckDB destination's bulk load of jsonl job files (load_file).
 *
 * A job file of at least two blocks whose rows may land in any order is loaded in parallel on
 * DuckDB's threads (duckdb_scan.c). Every other one is loaded here, serially: parsed by cdlt's
 * streaming JSON reader on a producer thread into typed 2048-row chunks (duckdb_rows.c), which the
 * calling thread appends to a query appender in file order; memory is bounded by a flush batch, a
 * ring of chunks and one item. Details below and in docs/internals/PERF_DUCKDB.md. */
#include <duckdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "destinations/duckdb_internal.h"
#include "destinations/duckdb_lazy.h"
#include "json/input.h"
#include "json/json_reader.h"
#include "util/fs.h"

/* ---------------------------------------------------------------- bulk load
 *
 * A job file is parsed by cdlt's streaming JSON reader and appended chunk by chunk (2048 rows,
 * typed vectors) to a query appender running
 *   INSERT INTO "ds"."t" (cols) SELECT <conversions> FROM appended_data
 * so DuckDB only converts what needs parsing (timestamps, dates, decimals, base64) in SQL, and
 * the appended data is flushed (the INSERT executed) about every DUCK_FLUSH_BYTES of input: memory
 * is bounded by one flush batch and one item, never by the file. It runs in the caller's
 * transaction (the appender uses the connection's open transaction). The parsing runs on a
 * producer thread, overlapping DuckDB's appending on the calling thread (see `slot` below). */

/* Input bytes buffered in the appender before its INSERT runs: at least DUCK_FLUSH_BYTES and a
 * whole number of 2048-row chunks, or DUCK_FLUSH_MAX_BYTES (huge rows). Flushing in the middle of a
 * 2048-row vector makes DuckDB keep per-row version info (16 bytes a row, until the commit) for
 * that vector of the transaction's rows: flushing every 4 MiB at any row held 15.6 MB per million
 * rows of the flat set — memory growing with the input. For the same reason a job file of a table
 * that already got rows in this transaction (a second job of the table) starts with a chunk that
 * only fills the table's last vector, flushed alone, so that its later chunks start on vector
 * boundaries too. */
#define DUCK_FLUSH_BYTES ((uint64_t)4 << 20)
#define DUCK_FLUSH_MAX_BYTES ((uint64_t)64 << 20)

/* The parse overlaps DuckDB's append: a producer thread reads the job file and fills the 2048-row
 * data chunks of a ring of DUCK_RING slots, the calling thread appends them in file order and
 * flushes. Each chunk belongs to one thread at a time (handed over under the ring's mutex); every
 * call on the appender and the connection stays on the calling thread; the chunks are created and
 * destroyed there too, and the producer is joined before duck_load_file returns. The producer
 * marks where the appender is flushed (that depends only on the input bytes and rows), so the
 * batches are those of a one-thread load. Memory: the ring adds at most DUCK_RING chunks. */
#define DUCK_RING 3

typedef struct slot {
  duckdb_data_chunk chunk;
  idx_t nrows;
  bool flush;     /* flush the appender after appending this chunk */
  uint64_t big;   /* the longest row of the chunk in bytes when over 1 MiB, else 0 */
} slot;

typedef struct loader {
  duck_rows R;           /* the producer's: path, table, columns bound to the slot being filled, line, error */
  duckdb_logical_type *types;
  idx_t cap;             /* chunk capacity */
  idx_t first_cap;       /* rows of the first chunk, flushed alone: up to the table's next vector
                          * boundary in this transaction (cdlt_duck_appended), else cap */
  uint64_t rows;         /* rows read (the producer's; read after the join) */
  slot ring[DUCK_RING];
  /* the producer's: */
  cdlt_json_reader *rd;
  cdlt_json_doc doc;
  int prc;               /* the producer's result (its error in R.err) */
  /* the hand-over: */
  pthread_mutex_t mu;
  pthread_cond_t filled, freed;
  size_t published;      /* slots filled and not yet appended (taken in ring order) */
  bool done;             /* the producer has finished: prc is set, nothing more is published */
  atomic_bool stop;      /* the consumer has failed: the producer stops */
} loader;

static int appender_fail(cdlt_error *err, const loader *L, duckdb_appender app) {
  duckdb_error_data e = duckdb_appender_error_data(app);
  const char *m = e ? duckdb_error_data_message(e) : NULL;
  int rc = cdlt_duck_rows_fail(err, &L->R, "%s", m && *m ? m : "unknown error");
  if (e) duckdb_destroy_error_data(&e);
  return rc;
}

/* Producer: waits for slot k to be free (appended by the consumer), empties it and binds the
 * column vectors to it. false: the consumer has stopped. */
static bool take_slot(loader *L, size_t k) {
  pthread_mutex_lock(&L->mu);
  while (L->published == DUCK_RING && !atomic_load(&L->stop)) pthread_cond_wait(&L->freed, &L->mu);
  pthread_mutex_unlock(&L->mu);
  if (atomic_load(&L->stop)) return false;
  slot *s = &L->ring[k];
  duckdb_data_chunk_reset(s->chunk);
  s->nrows = 0;
  s->flush = false;
  s->big = 0;
  cdlt_duck_rows_bind(&L->R, s->chunk);
  return true;
}

/* Producer: hands the filled slot over to the consumer. */
static void publish(loader *L) {
  pthread_mutex_lock(&L->mu);
  L->published++;
  pthread_cond_signal(&L->filled);
  pthread_mutex_unlock(&L->mu);
}

/* Producer: reads every row of the file into the ring's chunks; 0 at the end of the file (or
 * when the consumer stopped), else the error (in L->R.err). A chunk is handed over when full, or
 * when the appender is to be flushed after it: after >= DUCK_FLUSH_BYTES of input at a full
 * chunk, or after DUCK_FLUSH_MAX_BYTES at any row. */
static int produce_rows(loader *L) {
  uint64_t flushed = 0, consumed_before = 0;
  size_t k = 0;
  if (!take_slot(L, k)) return 0;
  slot *s = &L->ring[k];
  cdlt_json_value *item;
  int rc;
  while ((rc = cdlt_json_reader_next_value(L->rd, &L->doc, &item, &L->R.err)) == 1) {
    if (atomic_load_explicit(&L->stop, memory_order_relaxed)) return 0;
    cdlt_json_reader_item_position(L->rd, &L->R.line, NULL, NULL);
    uint64_t consumed = cdlt_json_reader_bytes_consumed(L->rd);
    uint64_t size = consumed - consumed_before;
    if (size > (uint64_t)1 << 20 && size > s->big) s->big = size;   /* a big row: room for its copies */
    consumed_before = consumed;
    rc = cdlt_duck_rows_put(&L->R, s->nrows, item);
    if (!rc) s->nrows++;
    cdlt_json_doc_reset(&L->doc);
    if (rc) return rc;
    bool first = L->rows++ < L->first_cap;   /* this row is in the first chunk */
    bool full = s->nrows == (first ? L->first_cap : L->cap);
    bool flush = (first && full && L->first_cap < L->cap) ||
                 (consumed - flushed >= DUCK_FLUSH_BYTES && (full || consumed - flushed >= DUCK_FLUSH_MAX_BYTES));
    if (full || flush) {
      s->flush = flush;
      if (flush) flushed = consumed;
      publish(L);
      k = (k + 1) % DUCK_RING;
      if (!take_slot(L, k)) return 0;
      s = &L->ring[k];
    }
  }
  if (rc < 0 && rc != CDLT_ERR_DESTINATION && rc != CDLT_ERR_NOMEM) return cdlt_duck_rows_fail(&L->R.err, &L->R, "%s", L->R.err.msg);
  if (rc) return rc;
  if (s->nrows) publish(L);
  return 0;
}

static void *producer_main(void *arg) {
  loader *L = arg;
  int rc = produce_rows(L);
  pthread_mutex_lock(&L->mu);
  L->prc = rc;
  L->done = true;
  pthread_cond_signal(&L->filled);
  pthread_mutex_unlock(&L->mu);
  return NULL;
}

/* Consumer (the calling thread): appends the published chunks in order, flushing where the
 * producer marked it, until the producer is done. The producer's error is returned once every
 * chunk before it is appended (as a one-thread load would); an appender error is returned at
 * once (the caller stops the producer). */
static int consume(loader *L, duck *d, duckdb_appender app, long long need, cdlt_error *err) {
  for (size_t k = 0;; k = (k + 1) % DUCK_RING) {
    pthread_mutex_lock(&L->mu);
    while (!L->published && !L->done) pthread_cond_wait(&L->filled, &L->mu);
    bool have = L->published > 0;
    int prc = L->prc;
    pthread_mutex_unlock(&L->mu);
    if (!have) {
      if (prc) *err = L->R.err;
      return prc;
    }
    slot *s = &L->ring[k];
    int rc = 0;
    if (s->big) cdlt_duck_load_settings(d, need + DUCK_LOAD_MEMORY_PER_ITEM * (long long)s->big, DUCK_LOAD_THREADS);
    duckdb_data_chunk_set_size(s->chunk, s->nrows);
    if (duckdb_append_data_chunk(app, s->chunk) == DuckDBError) rc = appender_fail(err, L, app);
    else if (s->flush) {
      if (duckdb_appender_flush(app) == DuckDBError) rc = appender_fail(err, L, app);
      cdlt_duckdb_allocator_purge();   /* what the INSERT freed, before the next batch */
    }
    pthread_mutex_lock(&L->mu);
    L->published--;
    pthread_cond_signal(&L->freed);
    pthread_mutex_unlock(&L->mu);
    if (rc) return rc;
  }
}

/* the serial load of one job file: see the top of this file */
static int load_serial(duck *d, const char *dataset, const cdlt_table_def *table, const char *path,
                       cdlt_error *err) {
  loader L = {.R = {.path = path, .table = table->name}};
  atomic_init(&L.stop, false);
  cdlt_json_doc_init(&L.doc);
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  cdlt_input *in = NULL;
  duckdb_appender app = NULL;
  bool has_app = false, has_sync = false, has_thread = false;
  pthread_t thread;
  size_t ncols = table->ncolumns;
  int rc = cdlt_duck_rows_plan(&L.R, dataset, table, "appended_data", &L.types, &sql, err);
  if (rc) goto done;
  if ((rc = cdlt_input_open(&in, path, err)) || (rc = cdlt_json_reader_new(&L.rd, in, &cdlt_json_job_limits, err))) {
    rc = cdlt_duck_rows_fail(err, &L.R, "%s", err->msg);
    goto done;
  }
  long long need = DUCK_LOAD_MEMORY_BASE + DUCK_LOAD_MEMORY_PER_COLUMN * (long long)ncols;
  cdlt_duck_load_settings(d, need, DUCK_LOAD_THREADS);
  if (duckdb_appender_create_query(d->con, sql.data, L.R.nvec, L.types, "appended_data",
                                   (const char **)L.R.vec_names, &app) == DuckDBError) {
    has_app = true;   /* destroy even a failed appender */
    rc = appender_fail(err, &L, app);
    goto done;
  }
  has_app = true;
  L.cap = duckdb_vector_size();
  L.first_cap = L.cap - cdlt_duck_appended(d, dataset, table->name) % L.cap;
  for (size_t k = 0; k < DUCK_RING; k++)
    if (!(L.ring[k].chunk = duckdb_create_data_chunk(L.types, L.R.nvec))) {
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      goto done;
    }
  if (pthread_mutex_init(&L.mu, NULL)) goto nosync;
  if (pthread_cond_init(&L.filled, NULL)) {
    pthread_mutex_destroy(&L.mu);
    goto nosync;
  }
  if (pthread_cond_init(&L.freed, NULL)) {
    pthread_cond_destroy(&L.filled);
    pthread_mutex_destroy(&L.mu);
    goto nosync;
  }
  has_sync = true;
  int trc = pthread_create(&thread, NULL, producer_main, &L);
  if (trc) {
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "duckdb: cannot load '%s' into '%s': cannot start a thread: %s", path,
                        table->name, strerror(trc));
    goto done;
  }
  has_thread = true;
  rc = consume(&L, d, app, need, err);
  goto done;
nosync:
  rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
done:
  if (has_thread) {   /* the producer ends at once when stopped; it never outlives the load */
    atomic_store(&L.stop, true);
    pthread_mutex_lock(&L.mu);
    pthread_cond_signal(&L.freed);
    pthread_mutex_unlock(&L.mu);
    pthread_join(thread, NULL);
  }
  if (!rc && has_app && duckdb_appender_close(app) == DuckDBError) rc = appender_fail(err, &L, app);
  if (!rc) cdlt_duck_appended_add(d, dataset, table->name, L.rows);   /* no memory: only unaligned */
  if (has_sync) {
    pthread_cond_destroy(&L.freed);
    pthread_cond_destroy(&L.filled);
    pthread_mutex_destroy(&L.mu);
  }
  for (size_t k = 0; k < DUCK_RING; k++)
    if (L.ring[k].chunk) duckdb_destroy_data_chunk(&L.ring[k].chunk);
  if (has_app) duckdb_appender_destroy(&app);
  cdlt_duck_load_settings(d, 0, 0);
  cdlt_duckdb_allocator_purge();
  if (L.types)
    for (size_t i = 0; i < L.R.nvec; i++)
      if (L.types[i]) duckdb_destroy_logical_type(&L.types[i]);
  free(L.types);
  cdlt_json_reader_free(L.rd);
  cdlt_input_close(in);
  cdlt_json_doc_release(&L.doc);
  cdlt_duck_rows_release(&L.R);
  cdlt_buf_release(&sql);
  return rc;
}

int cdlt_duck_load_file(cdlt_destination *base, const char *dataset, const cdlt_table_def *table,
                          const char *path, cdlt_file_format format, cdlt_error *err) {
  duck *d = (duck *)base;
  if (format != CDLT_FORMAT_JSONL)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "duckdb: cannot load '%s': unsupported file format %d",
                          path, (int)format);
  if (table->ncolumns == 0)
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "duckdb: cannot load '%s': table '%s' has no columns",
                          path, table->name);
  uint64_t size = 0;
  unsigned threads = 1;
  if (!cdlt_fs_file_size(path, &size, NULL) && cdlt_duck_scan_wanted(d, table, &path, 1, size, &threads))
    return cdlt_duck_scan_load(d, dataset, table, &path, 1, threads, NULL, err);
  return load_serial(d, dataset, table, path, err);
}

int cdlt_duck_load_files(cdlt_destination *base, const char *dataset, const cdlt_table_def *table,
                         const char *const *paths, size_t n, cdlt_file_format format, size_t *failed, cdlt_error *err) {
  duck *d = (duck *)base;
  *failed = 0;
  uint64_t total = 0;
  bool sized = true;   /* a file whose size is unknown: the one-by-one load reports it */
  for (size_t k = 0; k < n && sized; k++) {
    uint64_t size = 0;
    sized = cdlt_fs_file_size(paths[k], &size, NULL) == 0;
    total += size;
  }
  unsigned threads = 1;
  if (n > 1 && sized && format == CDLT_FORMAT_JSONL && table->ncolumns > 0 &&
      cdlt_duck_scan_wanted(d, table, paths, n, total, &threads))
    return cdlt_duck_scan_load(d, dataset, table, paths, n, threads, failed, err);
  for (size_t k = 0; k < n; k++) {
    int rc = cdlt_duck_load_file(base, dataset, table, paths[k], format, err);
    if (rc) {
      *failed = k;
      return rc;
    }
  }
  return 0;
}
