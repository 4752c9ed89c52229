/* normalize_parallel.c — parallel normalize: split, one thread per chunk, deterministic merge (see
 * normalize_parallel.h and docs/internals/NORMALIZE_WORKERS.md). */
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
#include <unistd.h>

#include "normalize/job_sink.h"
#include "normalize/normalize.h"
#include "schema/coerce.h"
#include "schema/schema_merge.h"

#define MAX_CHUNKS 4096                  /* the chunk index is 3 hex digits of the file id */
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
  bool sink_open, started;
  pthread_t thread;
  int rc;
  cdlt_error err;
} chunk;

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
  while (!rc) {
    cdlt_json_doc_reset(&doc);
    cdlt_json_value *item = NULL;
    int got = cdlt_json_reader_next_item(r, &doc, &item, err);
    if (got <= 0) { rc = got; break; }
    rc = normalize_item(ctx, r, item, err);
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

static void *worker_main(void *arg) {
  chunk *c = arg;
  c->rc = run_chunk(c, c->own, &c->err);
  return NULL;
}

/* the first byte after the newline at or after `at` in the input (its size when none) */
static int line_start_after(const cdlt_norm_input *in, uint64_t at, uint64_t *out, cdlt_error *err) {
  if (at == 0 || at >= in->size) { *out = at >= in->size ? in->size : 0; return 0; }
  int fd = open(in->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cdlt_error_errno(err, errno, "cannot open '%s'", in->path);
  char buf[1 << 16];
  uint64_t pos = at - 1;   /* a boundary right after a newline stays where it is */
  *out = in->size;
  for (;;) {
    ssize_t got = pread(fd, buf, sizeof buf, (off_t)pos);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int e = errno;
      close(fd);
      return cdlt_error_errno(err, e, "cannot read '%s'", in->path);
    }
    if (got == 0) break;
    char *nl = memchr(buf, '\n', (size_t)got);
    if (nl) { *out = pos + (uint64_t)(nl - buf) + 1; break; }
    pos += (uint64_t)got;
  }
  close(fd);
  return 0;
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

static bool table_has_rows(chunk *chunks, size_t n, const char *table) {
  for (size_t k = 0; k < n; k++)
    for (size_t t = 0; chunks[k].n && t < cdlt_normalizer_table_count(chunks[k].n); t++)
      if (!strcmp(cdlt_normalizer_table_name(chunks[k].n, t), table) && cdlt_normalizer_table_rows(chunks[k].n, t))
        return true;
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

int cdlt_normalize_parallel(const cdlt_norm_parallel *np, cdlt_schema **schema, cdlt_run_stats *stats,
                            cdlt_error *err) {
  size_t want = np->workers < MAX_CHUNKS ? np->workers : MAX_CHUNKS;
  chunk *chunks = calloc(want, sizeof *chunks);
  segment *segs = NULL;
  cdlt_schema *base = NULL;
  size_t nchunks = 0;
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
    if (!(c->own = cdlt_schema_clone(base))) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  for (size_t k = 0; !rc && k < nchunks; k++)
    chunks[k].started = pthread_create(&chunks[k].thread, NULL, worker_main, &chunks[k]) == 0;

  /* merge in chunk order as the workers finish */
  bool failed = rc != 0;
  for (size_t k = 0; k < nchunks; k++) {
    chunk *c = &chunks[k];
    if (c->started) pthread_join(c->thread, NULL);
    else if (!failed && c->own) c->rc = run_chunk(c, c->own, &c->err);   /* no thread: here */
    c->started = false;
    if (failed) continue;
    if ((rc = merge_chunk(c, schema, base, err))) {
      failed = true;
      atomic_store(&stop, 1);
    }
  }

  /* a replace resource without rows still gets an (empty) job: it truncates */
  if (!rc) {
    cdlt_job_sink empties;
    char fid[CDLT_JOB_FILE_ID_LEN + 1];
    snprintf(fid, sizeof fid, "%.7s%03zx", prefix, nchunks);
    cdlt_job_sink_init(&empties, np->dst, fid);
    for (size_t i = 0; !rc && i < np->ninputs; i++) {
      const char *table = np->inputs[i].table;
      cdlt_table *t = cdlt_schema_table(*schema, table);
      if (t && !strcmp(cdlt_table_write_disposition(*schema, t), "replace") && !table_has_rows(chunks, nchunks, table) &&
          !cdlt_job_sink_file_for(&empties, table, err))
        rc = err && err->code ? err->code : CDLT_ERR_NOMEM;
    }
    int crc = cdlt_job_sink_close(&empties, rc ? NULL : err);
    if (!rc) rc = crc;
  }
  /* rows per table in order of first row, discards */
  for (size_t k = 0; !rc && k < nchunks; k++) {
    cdlt_normalizer *n = chunks[k].n;
    stats->discarded_rows += cdlt_normalizer_discarded_rows(n);
    stats->discarded_values += cdlt_normalizer_discarded_values(n);
    for (size_t t = 0; t < cdlt_normalizer_table_count(n); t++)
      if (cdlt_run_stats_add_rows(stats, cdlt_normalizer_table_name(n, t), cdlt_normalizer_table_rows(n, t)))
        rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }

  for (size_t k = 0; k < nchunks; k++) {
    chunk *c = &chunks[k];
    if (c->sink_open) {
      int crc = cdlt_job_sink_close(&c->sink, rc ? NULL : err);
      if (!rc) rc = crc;
    }
    cdlt_normalizer_free(c->n);
    cdlt_schema_free(c->own);
  }
  cdlt_schema_free(base);
  free(segs);
  free(chunks);
  return rc;
}
