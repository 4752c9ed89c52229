/* normalize_parallel.c — parallel normalize: split into chunks, a pool of worker threads taking
 * them in order, a deterministic merge in chunk order (see normalize_parallel.h and
 * docs/internals/NORMALIZE_WORKERS.md). */
#define _GNU_SOURCE
#include "normalize/normalize_parallel.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "normalize/job_sink.h"
#include "normalize/normalize.h"
#include "schema/coerce.h"
#include "schema/schema_merge.h"
#include "util/faultpoint.h"
#include "util/fs.h"

#define MAX_CHUNKS 4095                  /* the chunk index is 3 hex digits of the file id (one left for the empties) */
#define DROP_BYTES ((uint64_t)8 << 20)   /* give back mapped input pages every 8 MiB */

/* a byte range of one input (end exclusive); whole = read the file as a stream (gzip) */
typedef struct segment {
  const cdlt_norm_input *in;
  uint64_t start, end;
  bool whole;
} segment;

typedef struct chunk {
  const cdlt_norm_parallel *np;
  const segment *segs;
  size_t nsegs;
  char file_id[CDLT_JOB_FILE_ID_LEN + 1];
  atomic_int *stop;               /* set when the result is decided: later chunks give up */
  cdlt_schema *own;               /* the worker's copy of the base schema (NULL after a re-run) */
  cdlt_normalizer *n;
  cdlt_job_sink sink;
  bool sink_open;
  bool done;                      /* the worker finished it (under the pool's mutex) */
  int rc;
  cdlt_error err;
} chunk;

/* the workers take chunks in order; at most `ahead` chunks are taken and not yet merged */
typedef struct pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  chunk *chunks;
  size_t nchunks, next, merged, ahead;
  bool quit;
  int nice;                       /* the workers' nice value when there is a chunk callback */
  const cdlt_schema *base;        /* read-only while the workers run */
} pool;

typedef struct item_ctx {
  cdlt_normalizer *n;
  const char *table;
  atomic_int *stop;
} item_ctx;

static int normalize_item(void *vctx, const cdlt_json_reader *r, cdlt_json_value *item, cdlt_error *err) {
  (void)r;
  item_ctx *ctx = vctx;
  if (ctx->stop && atomic_load_explicit(ctx->stop, memory_order_relaxed))
    return cdlt_error_set(err, CDLT_ERR_INTERNAL, "normalize cancelled");
  return cdlt_normalizer_item(ctx->n, ctx->table, item, err);
}

/* the items of [start, end) of a plain typed-jsonl file, read in place from a read-only mapping
 * whose pages are given back as the reader moves on (memory stays bounded by one item) */
static int run_range(const segment *sg, const cdlt_json_limits *limits, item_ctx *ctx, cdlt_error *err) {
  if (sg->end <= sg->start) return 0;
  int fd = open(sg->in->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cdlt_error_errno(err, errno, "cannot open '%s'", sg->in->path);
  uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
  uint64_t astart = sg->start / page * page;
  size_t maplen = (size_t)(sg->end - astart);
  char *map = mmap(NULL, maplen, PROT_READ, MAP_PRIVATE, fd, (off_t)astart);
  int e = errno;
  close(fd);
  if (map == MAP_FAILED) return cdlt_error_errno(err, e, "cannot map '%s'", sg->in->path);
  madvise(map, maplen, MADV_SEQUENTIAL);
  size_t lead = (size_t)(sg->start - astart), dropped = 0;
  cdlt_json_reader *r = NULL;
  int rc = cdlt_json_reader_new_memory(&r, map + lead, (size_t)(sg->end - sg->start), sg->in->path, limits, err);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  unsigned long templated = 0;
  while (!rc) {
    /* an item shaped like an earlier one is written from its bytes (row templates, normalize.h);
     * any other is parsed, and may become a template */
    const char *raw;
    size_t avail, used = 0;
    int fast = 0;
    if (cdlt_json_reader_peek_item(r, &raw, &avail)) {
      if (ctx->stop && atomic_load_explicit(ctx->stop, memory_order_relaxed))
        fast = cdlt_error_set(err, CDLT_ERR_INTERNAL, "normalize cancelled");
      else
        fast = cdlt_normalizer_try_template(ctx->n, ctx->table, raw, avail, &used, err);
      if (fast < 0) { rc = fast; break; }
      /* tests: which items take this path (checked at the first in a range) */
      if (fast && !templated++ && (rc = cdlt_fault_point("normalize.row_template", err))) break;
    }
    if (fast) {
      cdlt_json_reader_consume_item(r, used);
    } else {
      cdlt_json_doc_reset(&doc);
      cdlt_json_value *item = NULL;
      int got = cdlt_json_reader_next_item(r, &doc, &item, err);
      if (got <= 0) { rc = got; break; }
      size_t raw_len = 0;
      if (!cdlt_json_reader_item_raw(r, &raw, &raw_len)) raw = NULL;
      if (ctx->stop && atomic_load_explicit(ctx->stop, memory_order_relaxed))
        rc = cdlt_error_set(err, CDLT_ERR_INTERNAL, "normalize cancelled");
      else
        rc = cdlt_normalizer_item_raw(ctx->n, ctx->table, item, raw, raw_len, err);
    }
    uint64_t at = 0;
    cdlt_json_reader_item_position(r, NULL, NULL, &at);
    size_t upto = (size_t)((lead + at) / page * page);
    if (upto > dropped + DROP_BYTES) {
      madvise(map + dropped, upto - dropped, MADV_DONTNEED);
      dropped = upto;
    }
  }
  cdlt_json_doc_release(&doc);
  cdlt_json_reader_free(r);
  munmap(map, maplen);
  return rc;
}

/* Normalizes chunk c on schema s into a fresh sink, fsync'd; the sink stays open (closed or
 * discarded by the merge). */
static int run_chunk(chunk *c, cdlt_schema *s, cdlt_error *err) {
  const cdlt_norm_parallel *np = c->np;
  cdlt_job_sink_init(&c->sink, np->dst, c->file_id);
  c->sink_open = true;
  cdlt_row_sink rs = cdlt_job_sink_rows(&c->sink);
  int rc = cdlt_normalizer_new(&c->n, s, np->load_id, &rs, np->max_identifier_length, err);
  for (size_t k = 0; k < c->nsegs && !rc; k++) {
    const segment *sg = &c->segs[k];
    item_ctx ctx = {c->n, sg->in->table, c->stop};
    rc = sg->whole ? cdlt_json_each_file_item_limits(sg->in->path, &np->limits, normalize_item, &ctx, err)
                   : run_range(sg, &np->limits, &ctx, err);
  }
  if (!rc) rc = cdlt_job_sink_sync(&c->sink, err);
  return rc;
}

/* A worker: takes the next chunk while it is not too far ahead of the merge, normalizes it on its
 * own clone of the base, marks it done. */
static void *worker_main(void *arg) {
  pool *pl = arg;
  /* while a loader consumes the chunks, the load is the critical path: the workers take the CPU it
   * leaves (Linux: the nice value is per thread) */
  if (pl->nice) (void)setpriority(PRIO_PROCESS, (id_t)gettid(), pl->nice);
  pthread_mutex_lock(&pl->mu);
  for (;;) {
    while (!pl->quit && pl->next < pl->nchunks && pl->next >= pl->merged + pl->ahead) pthread_cond_wait(&pl->cv, &pl->mu);
    if (pl->quit || pl->next >= pl->nchunks) break;
    chunk *c = &pl->chunks[pl->next++];
    pthread_mutex_unlock(&pl->mu);
    if (!(c->own = cdlt_schema_clone(pl->base))) c->rc = cdlt_error_set(&c->err, CDLT_ERR_NOMEM, "out of memory");
    else c->rc = run_chunk(c, c->own, &c->err);
    pthread_mutex_lock(&pl->mu);
    c->done = true;
    pthread_cond_broadcast(&pl->cv);
  }
  pthread_mutex_unlock(&pl->mu);
  return NULL;
}

/* the start of the first line at or after `at` in the input (its size when none) */
static int line_start_after(const cdlt_norm_input *in, uint64_t at, uint64_t *out, cdlt_error *err) {
  if (at == 0 || at >= in->size) { *out = at >= in->size ? in->size : 0; return 0; }
  int fd = open(in->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cdlt_error_errno(err, errno, "cannot open '%s'", in->path);
  int rc = cdlt_fs_next_line_start(fd, in->path, at, in->size, out, err);
  close(fd);
  return rc;
}

/* Splits the inputs into at most `want` chunks of about equal bytes at line boundaries. The
 * segments are allocated in *segs_out; chunks[k] gets its range of them. Returns the chunk count. */
static int split(const cdlt_norm_parallel *np, size_t want, segment **segs_out, chunk *chunks, size_t *nchunks,
                 cdlt_error *err) {
  uint64_t total = 0;
  for (size_t i = 0; i < np->ninputs; i++) total += np->inputs[i].size;
  /* boundaries as (input, offset), monotonic; boundary 0 = start, boundary want = end */
  size_t *bi = calloc(want + 1, sizeof *bi);
  uint64_t *bo = calloc(want + 1, sizeof *bo);
  segment *segs = calloc(np->ninputs * (want + 1) + 1, sizeof *segs);
  if (!bi || !bo || !segs) {
    free(bi); free(bo); free(segs);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  bi[want] = np->ninputs;
  bo[want] = 0;
  for (size_t k = 1; k < want; k++) {
    uint64_t target = total / want * k + total % want * k / want, acc = 0;
    size_t i = 0;
    while (i < np->ninputs && acc + np->inputs[i].size <= target) acc += np->inputs[i++].size;
    uint64_t off = 0;
    if (i < np->ninputs) {
      off = target - acc;
      if (!np->inputs[i].splittable) off = off ? np->inputs[i].size : 0;
      else {
        int rc = line_start_after(&np->inputs[i], off, &off, err);
        if (rc) { free(bi); free(bo); free(segs); return rc; }
      }
      if (off >= np->inputs[i].size) { i++; off = 0; }
    }
    if (i < bi[k - 1] || (i == bi[k - 1] && off < bo[k - 1])) { i = bi[k - 1]; off = bo[k - 1]; }
    bi[k] = i;
    bo[k] = off;
  }
  size_t ns = 0, nc = 0;
  for (size_t k = 0; k < want; k++) {
    size_t first = ns;
    for (size_t i = bi[k]; i <= bi[k + 1] && i < np->ninputs; i++) {
      const cdlt_norm_input *in = &np->inputs[i];
      uint64_t s = i == bi[k] ? bo[k] : 0, e = i == bi[k + 1] ? bo[k + 1] : in->size;
      if (e <= s) continue;
      segs[ns].in = in;
      segs[ns].start = s;
      segs[ns].end = e;
      segs[ns].whole = !in->splittable;
      ns++;
    }
    if (ns == first) continue;   /* an empty chunk */
    chunks[nc].segs = segs + first;
    chunks[nc].nsegs = ns - first;
    nc++;
  }
  free(bi);
  free(bo);
  *segs_out = segs;
  *nchunks = nc;
  return 0;
}

static bool table_has_rows(const cdlt_run_stats *st, const char *table) {
  for (size_t k = 0; k < st->ntables; k++)
    if (!strcmp(st->tables[k], table)) return st->rows[k] > 0;
  return false;
}

/* Makes the chunk's results part of *merged, or normalizes it again on *merged. */
static int merge_chunk(chunk *c, cdlt_schema **merged, const cdlt_schema *base, cdlt_error *err) {
  bool ok = false;
  int rc = 0;
  if (c->rc == 0) {
    size_t nt = cdlt_normalizer_table_count(c->n);
    const char **names = calloc(nt + 1, sizeof *names);
    if (!names) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    for (size_t t = 0; t < nt; t++) names[t] = cdlt_normalizer_table_name(c->n, t);
    cdlt_chunk_effects fx = {names, nt,
                             cdlt_normalizer_discarded_rows(c->n) + cdlt_normalizer_discarded_values(c->n) > 0};
    rc = cdlt_schema_merge_chunk(merged, base, c->own, &fx, &ok, err);
    free(names);
    if (rc) return rc;
    if (ok) return 0;
  } else if (cdlt_json_same((*merged)->root, base->root)) {
    /* it failed on the very schema the chunks before it left: that is the sequential outcome */
    if (err) *err = c->err;
    return c->rc;
  }
  /* normalize it again where the sequential stage would have: after the chunks before it */
  if (c->sink_open) {
    c->sink_open = false;
    if ((rc = cdlt_job_sink_discard(&c->sink, err))) return rc;
  }
  cdlt_normalizer_free(c->n);
  c->n = NULL;
  cdlt_schema_free(c->own);
  c->own = NULL;
  atomic_int *stop = c->stop;
  c->stop = NULL;
  rc = run_chunk(c, *merged, err);
  c->stop = stop;
  return rc;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Chunk k is merged: its counts go to *acc, its files are closed, the callback sees them, and its
 * normalizer and schema copy are freed (memory stays bounded by the chunks in flight). */
static int finish_chunk(chunk *c, const cdlt_schema *merged, cdlt_run_stats *acc, cdlt_error *err) {
  const cdlt_norm_parallel *np = c->np;
  cdlt_normalizer *n = c->n;
  acc->discarded_rows += cdlt_normalizer_discarded_rows(n);
  acc->discarded_values += cdlt_normalizer_discarded_values(n);
  for (size_t t = 0; t < cdlt_normalizer_table_count(n); t++)
    if (cdlt_run_stats_add_rows(acc, cdlt_normalizer_table_name(n, t), cdlt_normalizer_table_rows(n, t)))
      return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  /* the paths of the chunk's files, before the sink forgets them */
  size_t nf = c->sink_open ? c->sink.nfiles : 0;
  char **paths = np->on_chunk ? calloc(nf + 1, sizeof *paths) : NULL;
  int rc = np->on_chunk && !paths ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
  for (size_t f = 0; !rc && paths && f < nf; f++)
    if (!(paths[f] = strdup(c->sink.files[f]->path))) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (c->sink_open) {
    c->sink_open = false;
    int crc = cdlt_job_sink_close(&c->sink, rc ? NULL : err);
    if (!rc) rc = crc;
  }
  cdlt_normalizer_free(c->n);
  c->n = NULL;
  cdlt_schema_free(c->own);
  c->own = NULL;
  if (!rc && paths) {
    qsort(paths, nf, sizeof *paths, by_name);   /* one file id per chunk: name order = table order */
    const char **names = calloc(nf + 1, sizeof *names);
    cdlt_schema *copy = names ? cdlt_schema_clone(merged) : NULL;
    if (!copy) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    for (size_t f = 0; !rc && f < nf; f++) {
      const char *slash = strrchr(paths[f], '/');
      names[f] = slash ? slash + 1 : paths[f];
    }
    if (!rc) np->on_chunk(np->on_chunk_ctx, copy, names, (const char *const *)paths, nf);
    free(names);
  }
  for (size_t f = 0; paths && f < nf; f++) free(paths[f]);
  free(paths);
  return rc;
}

int cdlt_normalize_parallel(const cdlt_norm_parallel *np, cdlt_schema **schema, cdlt_run_stats *stats,
                            cdlt_error *err) {
  /* one chunk per worker; for a chunk callback (the early loader) chunks of about chunk_bytes, so
   * that chunks are finished while normalize goes on (and the loader has fewer job files to load
   * when nobody waits for chunks) */
  uint64_t total = 0, per = np->chunk_bytes ? np->chunk_bytes : CDLT_NORM_CHUNK_BYTES_DEFAULT;
  for (size_t i = 0; i < np->ninputs; i++) total += np->inputs[i].size;
  uint64_t by_size = total / per + (total % per != 0);
  size_t want = np->workers;
  if (np->on_chunk && by_size > want) want = by_size > MAX_CHUNKS ? MAX_CHUNKS : (size_t)by_size;
  if (want > MAX_CHUNKS) want = MAX_CHUNKS;
  chunk *chunks = calloc(want, sizeof *chunks);
  segment *segs = NULL;
  cdlt_schema *base = NULL;
  size_t nchunks = 0;
  cdlt_run_stats acc;
  memset(&acc, 0, sizeof acc);
  atomic_int stop;
  atomic_init(&stop, 0);
  if (!chunks) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int rc = split(np, want, &segs, chunks, &nchunks, err);

  /* what every normalizer does first (merge propagation), done once on the shared schema; then
   * the base every worker starts from */
  if (!rc) {
    cdlt_job_sink none;
    cdlt_job_sink_init(&none, np->dst, NULL);
    cdlt_row_sink rs = cdlt_job_sink_rows(&none);
    cdlt_normalizer *n0 = NULL;
    rc = cdlt_normalizer_new(&n0, *schema, np->load_id, &rs, np->max_identifier_length, err);
    cdlt_normalizer_free(n0);
    cdlt_job_sink_close(&none, NULL);
  }
  if (!rc && !(base = cdlt_schema_clone(*schema))) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  /* coerce.c fixes "now" for the timestamp detection on first use: do it before the threads */
  if (!rc && base->detect_timestamp) {
    cdlt_json_doc d;
    cdlt_json_doc_init(&d);
    cdlt_json_value *v = cdlt_json_int(&d, 0);
    if (v) (void)cdlt_infer_type(base, v);
    cdlt_json_doc_release(&d);
  }
  /* file ids: one random prefix, then the chunk index, so name order is chunk order */
  char prefix[CDLT_JOB_FILE_ID_LEN + 1];
  if (!rc) rc = cdlt_job_new_file_id(prefix, err);
  for (size_t k = 0; !rc && k < nchunks; k++) {
    chunk *c = &chunks[k];
    c->np = np;
    c->stop = &stop;
    snprintf(c->file_id, sizeof c->file_id, "%.7s%03zx", prefix, k);
  }

  /* the pool: workers take chunks in order, at most workers + 1 ahead of the merge */
  pool pl;
  memset(&pl, 0, sizeof pl);
  pthread_mutex_init(&pl.mu, NULL);
  pthread_cond_init(&pl.cv, NULL);
  pl.chunks = chunks;
  pl.nchunks = rc ? 0 : nchunks;
  pl.ahead = (size_t)np->workers + 1;
  pl.base = base;
  pl.nice = np->on_chunk ? np->worker_nice : 0;
  size_t nthreads = np->workers < nchunks ? np->workers : nchunks;
  pthread_t *threads = rc ? NULL : calloc(nthreads + 1, sizeof *threads);
  size_t started = 0;
  if (!rc && !threads) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  for (size_t t = 0; !rc && t < nthreads; t++)
    if (pthread_create(&threads[started], NULL, worker_main, &pl) == 0) started++;

  /* merge in chunk order as the workers finish */
  for (size_t k = 0; !rc && k < nchunks; k++) {
    chunk *c = &chunks[k];
    pthread_mutex_lock(&pl.mu);
    if (!started && pl.next == k) pl.next++;   /* no thread could start: run it here */
    else
      while (!c->done) pthread_cond_wait(&pl.cv, &pl.mu);
    pthread_mutex_unlock(&pl.mu);
    if (!started) {
      if (!(c->own = cdlt_schema_clone(base))) c->rc = cdlt_error_set(&c->err, CDLT_ERR_NOMEM, "out of memory");
      else c->rc = run_chunk(c, c->own, &c->err);
    }
    rc = merge_chunk(c, schema, base, err);
    if (!rc) rc = finish_chunk(c, *schema, &acc, err);
    pthread_mutex_lock(&pl.mu);
    pl.merged = k + 1;
    if (rc) pl.quit = true;
    pthread_cond_broadcast(&pl.cv);
    pthread_mutex_unlock(&pl.mu);
    if (rc) atomic_store(&stop, 1);
  }
  pthread_mutex_lock(&pl.mu);
  pl.quit = true;
  pthread_cond_broadcast(&pl.cv);
  pthread_mutex_unlock(&pl.mu);
  for (size_t t = 0; t < started; t++) pthread_join(threads[t], NULL);
  free(threads);
  pthread_cond_destroy(&pl.cv);
  pthread_mutex_destroy(&pl.mu);

  /* a replace resource without rows still gets an (empty) job: it truncates */
  if (!rc) {
    cdlt_job_sink empties;
    char fid[CDLT_JOB_FILE_ID_LEN + 1];
    snprintf(fid, sizeof fid, "%.7s%03zx", prefix, nchunks);
    cdlt_job_sink_init(&empties, np->dst, fid);
    for (size_t i = 0; !rc && i < np->ninputs; i++) {
      const char *table = np->inputs[i].table;
      cdlt_table *t = cdlt_schema_table(*schema, table);
      if (t && !strcmp(cdlt_table_write_disposition(*schema, t), "replace") && !table_has_rows(&acc, table) &&
          !cdlt_job_sink_file_for(&empties, table, err))
        rc = err && err->code ? err->code : CDLT_ERR_NOMEM;
    }
    int crc = cdlt_job_sink_close(&empties, rc ? NULL : err);
    if (!rc) rc = crc;
  }
  /* rows per table in order of first row, discards */
  if (!rc) {
    stats->discarded_rows += acc.discarded_rows;
    stats->discarded_values += acc.discarded_values;
    for (size_t t = 0; !rc && t < acc.ntables; t++)
      if (cdlt_run_stats_add_rows(stats, acc.tables[t], acc.rows[t])) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }

  for (size_t k = 0; k < nchunks; k++) {
    chunk *c = &chunks[k];
    if (c->sink_open) cdlt_job_sink_close(&c->sink, NULL);   /* a failed run: the caller aborts the package */
    cdlt_normalizer_free(c->n);
    cdlt_schema_free(c->own);
  }
  cdlt_run_stats_release(&acc);
  cdlt_schema_free(base);
  free(segs);
  free(chunks);
  return rc;
}
