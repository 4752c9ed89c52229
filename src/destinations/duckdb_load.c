/* duckdb_load.c — the DuckDB destination's bulk load of jsonl job files (load_file).
 *
 * A job file is parsed by cdlt's streaming JSON reader on a producer thread into typed 2048-row
 * chunks, which the calling thread appends to a query appender in file order; memory is bounded by
 * a flush batch, a ring of chunks and one item. Details below and in docs/internals/PERF_DUCKDB.md. */
#include <duckdb.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "destinations/duckdb_cast.h"
#include "destinations/duckdb_internal.h"
#include "destinations/duckdb_lazy.h"
#include "json/input.h"
#include "json/json.h"
#include "json/json_reader.h"
#include "load/sql_gen.h"

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

/* how a column's values are appended (the appended_data column type) */
typedef enum { K_TEXT, K_BIGINT, K_DOUBLE, K_BOOL, K_JSON } col_kind;

/* The appended_data column kind and the select expression of one column. Strings that need
 * parsing are appended as VARCHAR and CAST in SQL, so nothing depends on DuckDB's own format
 * detection. */
static int column_read_sql(col_kind *kind, cdlt_buf *sel, const cdlt_column_def *c, cdlt_error *err) {
  const cdlt_sql_dialect *dl = &cdlt_dialect_duckdb;
  const char *pre = "", *post = "";   /* the select expression: pre "col" post */
  cdlt_buf tn;
  cdlt_buf_init(&tn);
  int rc = 0;
  *kind = K_TEXT;
  switch (c->type) {
    case CDLT_TYPE_TEXT: break;
    case CDLT_TYPE_BIGINT:
      if (c->precision > 64) { pre = "CAST("; post = " AS HUGEINT)"; }
      else *kind = K_BIGINT;
      break;
    case CDLT_TYPE_DOUBLE: *kind = K_DOUBLE; break;
    case CDLT_TYPE_BOOL: *kind = K_BOOL; break;
    case CDLT_TYPE_JSON: *kind = K_JSON; pre = "CAST("; post = " AS JSON)"; break;
    default:   /* parsed from text by a cast (duckdb_cast.c) */
      rc = cdlt_duckdb_text_cast(c, &pre, &tn, err);
      if (rc < 0) goto done;
      rc = 0;
      post = tn.data;
      break;
  }
  if (sel->len && cdlt_buf_puts(sel, ", ")) goto nomem;
  if (cdlt_buf_puts(sel, pre)) goto nomem;
  if ((rc = cdlt_sql_ident(sel, dl, c->name, err))) goto done;
  if (cdlt_buf_puts(sel, post)) goto nomem;
done:
  cdlt_buf_release(&tn);
  return rc;
nomem:
  cdlt_buf_release(&tn);
  return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
}

typedef struct col_state {
  const char *name;
  size_t name_len;
  col_kind kind;
  duckdb_vector vec;
  void *data;
  uint64_t *validity;
  bool seen;   /* set in the current row */
} col_state;

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
  const char *path, *table;
  size_t ncols;
  duckdb_logical_type *types;
  idx_t cap;             /* chunk capacity */
  idx_t first_cap;       /* rows of the first chunk, flushed alone: up to the table's next vector
                          * boundary in this transaction (cdlt_duck_appended), else cap */
  uint64_t rows;         /* rows read (the producer's; read after the join) */
  slot ring[DUCK_RING];
  /* the producer's: */
  col_state *cols;       /* bound to the vectors of the slot being filled */
  cdlt_json_reader *rd;
  cdlt_json_doc doc;
  cdlt_buf scratch;      /* JSON text of json / nested values */
  uint64_t line;         /* line of the current row */
  cdlt_error perr;       /* the producer's error (copied to the caller's when it is the result) */
  int prc;               /* the producer's result */
  /* the hand-over: */
  pthread_mutex_t mu;
  pthread_cond_t filled, freed;
  size_t published;      /* slots filled and not yet appended (taken in ring order) */
  bool done;             /* the producer has finished: prc is set, nothing more is published */
  atomic_bool stop;      /* the consumer has failed: the producer stops */
} loader;

static int load_fail(cdlt_error *err, const loader *L, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int load_fail(cdlt_error *err, const loader *L, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return cdlt_error_set(err, CDLT_ERR_DESTINATION, "duckdb: cannot load '%s' into '%s': %s", L->path,
                        L->table, msg);
}

static int appender_fail(cdlt_error *err, const loader *L, duckdb_appender app) {
  duckdb_error_data e = duckdb_appender_error_data(app);
  const char *m = e ? duckdb_error_data_message(e) : NULL;
  int rc = load_fail(err, L, "%s", m && *m ? m : "unknown error");
  if (e) duckdb_destroy_error_data(&e);
  return rc;
}

static const char *json_kind_name(cdlt_json_type t) {
  switch (t) {
    case CDLT_JSON_BOOL: return "a boolean";
    case CDLT_JSON_INT:
    case CDLT_JSON_BIGINT: return "an integer";
    case CDLT_JSON_FLOAT: return "a float";
    case CDLT_JSON_STRING: return "a string";
    case CDLT_JSON_ARRAY: return "an array";
    case CDLT_JSON_OBJECT: return "an object";
    default: return "null";
  }
}

static int bad_value(loader *L, const col_state *cs, const cdlt_json_value *v, const char *want) {
  return load_fail(&L->perr, L, "line %" PRIu64 ": column '%s': cannot convert %s to %s", L->line, cs->name,
                   json_kind_name(v->type), want);
}

/* a whole string as a decimal int64 / a finite double (DuckDB's cast accepts these too) */
static bool parse_i64(const char *s, size_t n, int64_t *out) {
  char tmp[32];
  if (n == 0 || n >= sizeof tmp) return false;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  char *end;
  errno = 0;
  long long v = strtoll(tmp, &end, 10);
  if (errno || *end || end == tmp) return false;
  *out = v;
  return true;
}
static bool parse_f64(const char *s, size_t n, double *out) {
  char tmp[400];
  if (n == 0 || n >= sizeof tmp) return false;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  char *end;
  double v = strtod(tmp, &end);
  if (*end || end == tmp) return false;
  *out = v;
  return true;
}

/* Producer: sets row `r` of column `cs` from v (not NULL). */
static int put_value(loader *L, col_state *cs, idx_t r, const cdlt_json_value *v) {
  switch (cs->kind) {
    case K_BIGINT: {
      int64_t i;
      if (v->type == CDLT_JSON_INT) i = v->u.num.i;
      else if (v->type == CDLT_JSON_STRING && parse_i64(v->u.str.ptr, v->u.str.len, &i)) {
      } else if (v->type == CDLT_JSON_BIGINT) {
        return load_fail(&L->perr, L, "line %" PRIu64 ": column '%s': integer %.*s is out of the BIGINT range",
                         L->line, cs->name, (int)(v->u.num.len > 64 ? 64 : v->u.num.len), v->u.num.text);
      } else return bad_value(L, cs, v, "BIGINT");
      ((int64_t *)cs->data)[r] = i;
      return 0;
    }
    case K_DOUBLE: {
      double x;
      if (v->type == CDLT_JSON_INT) x = (double)v->u.num.i;
      else if (v->type == CDLT_JSON_FLOAT) x = v->u.num.d;
      else if (v->type == CDLT_JSON_BIGINT) x = strtod(v->u.num.text, NULL);
      else if (v->type == CDLT_JSON_STRING && parse_f64(v->u.str.ptr, v->u.str.len, &x)) {
      } else return bad_value(L, cs, v, "DOUBLE");
      ((double *)cs->data)[r] = x;
      return 0;
    }
    case K_BOOL:
      if (v->type != CDLT_JSON_BOOL) return bad_value(L, cs, v, "BOOLEAN");
      ((bool *)cs->data)[r] = v->u.boolean;
      return 0;
    case K_TEXT:
      switch (v->type) {
        case CDLT_JSON_STRING: duckdb_vector_assign_string_element_len(cs->vec, r, v->u.str.ptr, v->u.str.len); return 0;
        case CDLT_JSON_INT:
        case CDLT_JSON_BIGINT:
        case CDLT_JSON_FLOAT: duckdb_vector_assign_string_element_len(cs->vec, r, v->u.num.text, v->u.num.len); return 0;
        case CDLT_JSON_BOOL: duckdb_vector_assign_string_element_len(cs->vec, r, v->u.boolean ? "true" : "false", v->u.boolean ? 4 : 5); return 0;
        default: break;   /* arrays and objects: their JSON text */
      }
      /* fallthrough */
    case K_JSON:
      cdlt_buf_reset(&L->scratch);
      if (cdlt_json_write(&L->scratch, v, 0)) return cdlt_error_set(&L->perr, CDLT_ERR_NOMEM, "out of memory");
      duckdb_vector_assign_string_element_len(cs->vec, r, L->scratch.data, L->scratch.len);
      return 0;
  }
  return 0;
}

/* The column a key names: the one after the last matched column first (rows are written in
 * column order), else a scan. NULL when the key is not a column (ignored). */
static col_state *find_col(loader *L, size_t *hint, const char *key, size_t len) {
  size_t h = *hint;
  for (size_t k = 0; k < L->ncols; k++) {
    size_t c = h + k < L->ncols ? h + k : h + k - L->ncols;
    col_state *cs = &L->cols[c];
    if (cs->name_len == len && memcmp(cs->name, key, len) == 0) {
      *hint = c + 1 < L->ncols ? c + 1 : 0;
      return cs;
    }
  }
  return NULL;
}

/* Producer: the next row of slot s from item. */
static int put_row(loader *L, slot *s, const cdlt_json_value *item) {
  if (item->type != CDLT_JSON_OBJECT)
    return load_fail(&L->perr, L, "line %" PRIu64 ": expected a JSON object, got %s", L->line,
                     json_kind_name(item->type));
  idx_t r = s->nrows;
  for (size_t c = 0; c < L->ncols; c++) L->cols[c].seen = false;
  size_t hint = 0;
  int rc = 0;
  for (size_t m = 0; m < item->u.obj.len && !rc; m++) {
    const cdlt_json_member *mb = &item->u.obj.members[m];
    col_state *cs = find_col(L, &hint, mb->key, mb->key_len);
    if (!cs || mb->value->type == CDLT_JSON_NULL) continue;
    cs->seen = true;
    rc = put_value(L, cs, r, mb->value);
  }
  if (rc) return rc;
  for (size_t c = 0; c < L->ncols; c++) duckdb_validity_set_row_validity(L->cols[c].validity, r, L->cols[c].seen);
  s->nrows++;
  return 0;
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
  for (size_t c = 0; c < L->ncols; c++) {
    col_state *cs = &L->cols[c];
    cs->vec = duckdb_data_chunk_get_vector(s->chunk, c);
    cs->data = duckdb_vector_get_data(cs->vec);
    duckdb_vector_ensure_validity_writable(cs->vec);
    cs->validity = duckdb_vector_get_validity(cs->vec);
  }
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
 * when the consumer stopped), else the error (in L->perr). A chunk is handed over when full, or
 * when the appender is to be flushed after it: after >= DUCK_FLUSH_BYTES of input at a full
 * chunk, or after DUCK_FLUSH_MAX_BYTES at any row. */
static int produce_rows(loader *L) {
  uint64_t flushed = 0, consumed_before = 0;
  size_t k = 0;
  if (!take_slot(L, k)) return 0;
  slot *s = &L->ring[k];
  cdlt_json_value *item;
  int rc;
  while ((rc = cdlt_json_reader_next_value(L->rd, &L->doc, &item, &L->perr)) == 1) {
    if (atomic_load_explicit(&L->stop, memory_order_relaxed)) return 0;
    cdlt_json_reader_item_position(L->rd, &L->line, NULL, NULL);
    uint64_t consumed = cdlt_json_reader_bytes_consumed(L->rd);
    uint64_t size = consumed - consumed_before;
    if (size > (uint64_t)1 << 20 && size > s->big) s->big = size;   /* a big row: room for its copies */
    consumed_before = consumed;
    rc = put_row(L, s, item);
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
  if (rc < 0 && rc != CDLT_ERR_DESTINATION && rc != CDLT_ERR_NOMEM) return load_fail(&L->perr, L, "%s", L->perr.msg);
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
      if (prc) *err = L->perr;
      return prc;
    }
    slot *s = &L->ring[k];
    int rc = 0;
    if (s->big) cdlt_duck_load_settings(d, need + DUCK_LOAD_MEMORY_PER_ITEM * (long long)s->big);
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

int cdlt_duck_load_file(cdlt_destination *base, const char *dataset, const cdlt_table_def *table,
                          const char *path, cdlt_file_format format, cdlt_error *err) {
  duck *d = (duck *)base;
  const cdlt_sql_dialect *dl = &cdlt_dialect_duckdb;
  if (format != CDLT_FORMAT_JSONL)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "duckdb: cannot load '%s': unsupported file format %d",
                          path, (int)format);
  if (table->ncolumns == 0)
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "duckdb: cannot load '%s': table '%s' has no columns",
                          path, table->name);
  loader L = {.path = path, .table = table->name, .ncols = table->ncolumns};
  atomic_init(&L.stop, false);
  cdlt_buf_init(&L.scratch);
  cdlt_json_doc_init(&L.doc);
  cdlt_buf sql, sel;
  cdlt_buf_init(&sql);
  cdlt_buf_init(&sel);
  cdlt_input *in = NULL;
  duckdb_appender app = NULL;
  bool has_app = false, has_sync = false, has_thread = false;
  pthread_t thread;
  const char **names = calloc(L.ncols, sizeof *names);
  L.cols = calloc(L.ncols, sizeof *L.cols);
  L.types = calloc(L.ncols, sizeof *L.types);
  int rc = 0;
  if (!names || !L.cols || !L.types) {
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < L.ncols && !rc; i++) {
    col_state *cs = &L.cols[i];
    cs->name = names[i] = table->columns[i].name;
    cs->name_len = strlen(cs->name);
    rc = column_read_sql(&cs->kind, &sel, &table->columns[i], err);
    if (rc) break;
    duckdb_type t = cs->kind == K_BIGINT   ? DUCKDB_TYPE_BIGINT
                    : cs->kind == K_DOUBLE ? DUCKDB_TYPE_DOUBLE
                    : cs->kind == K_BOOL   ? DUCKDB_TYPE_BOOLEAN
                                           : DUCKDB_TYPE_VARCHAR;
    L.types[i] = duckdb_create_logical_type(t);
  }
  if (rc) goto done;
  rc = cdlt_buf_puts(&sql, "INSERT INTO ") ? CDLT_ERR_NOMEM : 0;
  if (!rc) rc = cdlt_sql_qualified(&sql, dl, dataset, table->name, err);
  if (rc) goto done;
  rc |= cdlt_buf_puts(&sql, " (");
  for (size_t i = 0; i < L.ncols && !rc; i++) {
    if (i) rc |= cdlt_buf_puts(&sql, ", ");
    if (!rc) rc = cdlt_sql_ident(&sql, dl, table->columns[i].name, err);
  }
  if (rc) goto done;
  if (cdlt_buf_printf(&sql, ") SELECT %s FROM appended_data", sel.data)) {
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    goto done;
  }

  if ((rc = cdlt_input_open(&in, path, err)) || (rc = cdlt_json_reader_new(&L.rd, in, &cdlt_json_job_limits, err))) {
    rc = load_fail(err, &L, "%s", err->msg);
    goto done;
  }
  long long need = DUCK_LOAD_MEMORY_BASE + DUCK_LOAD_MEMORY_PER_COLUMN * (long long)L.ncols;
  cdlt_duck_load_settings(d, need);
  if (duckdb_appender_create_query(d->con, sql.data, L.ncols, L.types, "appended_data", names, &app) ==
      DuckDBError) {
    has_app = true;   /* destroy even a failed appender */
    rc = appender_fail(err, &L, app);
    goto done;
  }
  has_app = true;
  L.cap = duckdb_vector_size();
  L.first_cap = L.cap - cdlt_duck_appended(d, dataset, table->name) % L.cap;
  for (size_t k = 0; k < DUCK_RING; k++)
    if (!(L.ring[k].chunk = duckdb_create_data_chunk(L.types, L.ncols))) {
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
  cdlt_duck_load_settings(d, 0);
  cdlt_duckdb_allocator_purge();
  if (L.types)
    for (size_t i = 0; i < L.ncols; i++)
      if (L.types[i]) duckdb_destroy_logical_type(&L.types[i]);
  cdlt_json_reader_free(L.rd);
  cdlt_input_close(in);
  cdlt_json_doc_release(&L.doc);
  free(names);
  free(L.cols);
  free(L.types);
  cdlt_buf_release(&L.scratch);
  cdlt_buf_release(&sql);
  cdlt_buf_release(&sel);
  return rc;
}
