/* extract_parallel.c — one big plain JSON Lines file extracted on several threads: split at
 * newlines, ranges parsed speculatively and verified, extra jobs in range order, sequential
 * fallback on any doubt (see extract_parallel.h). */
#define _GNU_SOURCE
#include "extract/extract_parallel.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract/job_writer.h"
#include "package/job_file.h"

#define DROP_BYTES ((uint64_t)2 << 20)        /* give back mapped input pages every 2 MiB */
#define MIN_RANGE_BYTES ((uint64_t)1 << 20)   /* no range smaller than this (but the last) */

struct par;

typedef struct prange {
  struct par *P;
  size_t index;
  uint64_t start, end;     /* byte range of the file, end exclusive */
  cdlt_job_writer w;
  bool w_open;
  uint64_t items;
  int rc;                  /* 0: parsed to its very end, every item checked and written */
} prange;

typedef struct par {
  cdlt_extract_sink *sink;
  const char *path;
  const cdlt_json_limits *limits;
  const unsigned char *map;   /* the whole file, read-only */
  uint64_t size, page;
  char prefix[CDLT_JOB_FILE_ID_LEN + 1];
  atomic_int stop;            /* a range failed: the others give up */
} par;

static void drop_pages(const par *P, uint64_t *dropped, uint64_t upto) {
  upto = upto / P->page * P->page;
  if (upto > *dropped) {
    madvise((void *)(P->map + *dropped), (size_t)(upto - *dropped), MADV_DONTNEED);
    *dropped = upto;
  }
}

/* Parses and writes one range; g->rc = 0 only when the whole range was consumed cleanly. Errors
 * are not kept: the sequential extract reports them. */
static void run_range(prange *g) {
  par *P = g->P;
  cdlt_error err;
  memset(&err, 0, sizeof err);
  uint64_t len = g->end - g->start;
  /* a BOM is skipped only at the very start of the file: elsewhere it is an error */
  if (g->index > 0 && len >= 3 && memcmp(P->map + g->start, "\xEF\xBB\xBF", 3) == 0) {
    g->rc = CDLT_ERR_PARSE;
    atomic_store(&P->stop, 1);
    return;
  }
  char fid[CDLT_JOB_FILE_ID_LEN + 1];
  snprintf(fid, sizeof fid, "%.7s%03zx", P->prefix, g->index);
  int rc = cdlt_extract_sink_open_job(P->sink, &g->w, fid, &err);
  g->w_open = true;
  cdlt_json_reader *r = NULL;
  if (!rc) rc = cdlt_json_reader_new_memory(&r, P->map + g->start, (size_t)len, P->path, P->limits, &err);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  uint64_t dropped = g->start / P->page * P->page;
  while (!rc) {
    if (atomic_load_explicit(&P->stop, memory_order_relaxed)) { rc = CDLT_ERR_INTERNAL; break; }
    cdlt_json_doc_reset(&doc);
    cdlt_json_value *item = NULL;
    int got = cdlt_json_reader_next_item(r, &doc, &item, &err);
    if (got <= 0) { rc = got; break; }
    rc = cdlt_extract_sink_check(P->sink, item, r, &err);
    if (rc) break;
    const char *raw;
    size_t rawlen;
    bool verbatim = cdlt_json_reader_item_raw(r, &raw, &rawlen);
    if (verbatim) cdlt_job_writer_set_verbatim(item, raw, rawlen);
    rc = cdlt_job_writer_item(&g->w, item, &err);
    if (verbatim) cdlt_job_writer_set_verbatim(NULL, NULL, 0);
    g->items++;
    uint64_t at = 0;
    cdlt_json_reader_item_position(r, NULL, NULL, &at);
    if (g->start + at > dropped + DROP_BYTES) drop_pages(P, &dropped, g->start + at);
  }
  cdlt_json_doc_release(&doc);
  cdlt_json_reader_free(r);
  drop_pages(P, &dropped, g->end);
  g->rc = rc;
  if (rc) atomic_store(&P->stop, 1);
}

static void *range_main(void *arg) {
  run_range(arg);
  return NULL;
}

/* the first byte after the newline at or after at - 1 (the size when none); scanned pages are given back */
static uint64_t line_start_after(const par *P, uint64_t at) {
  if (at == 0 || at >= P->size) return at >= P->size ? P->size : 0;
  const unsigned char *nl = memchr(P->map + at - 1, '\n', (size_t)(P->size - at + 1));
  uint64_t out = nl ? (uint64_t)(nl - P->map) + 1 : P->size;
  uint64_t from = (at - 1) / P->page * P->page;
  drop_pages(P, &from, out);
  return out;
}

/* whether the file's content allows the split: not gzip, not a top-level array */
static bool content_eligible(const par *P) {
  const unsigned char *m = P->map;
  if (P->size >= 2 && m[0] == 0x1f && m[1] == 0x8b) return false;
  uint64_t k = P->size >= 3 && memcmp(m, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  while (k < P->size && (m[k] == ' ' || m[k] == '\t' || m[k] == '\n' || m[k] == '\r')) k++;
  return k < P->size && m[k] != '[';
}

static int finish(par *P, prange *g, size_t n, bool ok, cdlt_error *err) {
  int rc = 0;
  uint64_t total = 0;
  for (size_t k = 0; k < n; k++) {
    if (!g[k].w_open) continue;
    g[k].w_open = false;
    if (!ok || g[k].items == 0 || rc) {
      cdlt_error ignored;
      cdlt_job_writer_discard(&g[k].w, &ignored);
      continue;
    }
    rc = cdlt_job_writer_close(&g[k].w, err);
    if (rc) {
      /* the run fails: the package with the jobs closed so far is aborted by the stage */
      continue;
    }
    total += g[k].items;
  }
  if (ok && !rc) cdlt_extract_sink_add_items(P->sink, total);
  return rc;
}

int cdlt_extract_parallel_file(cdlt_extract_sink *sink, const char *path, const cdlt_json_limits *limits,
                               unsigned workers, cdlt_error *err) {
  if (workers < 2 || !cdlt_extract_sink_order_free(sink) || !strcmp(path, "-")) return CDLT_EXTRACT_SEQUENTIAL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return CDLT_EXTRACT_SEQUENTIAL;
  struct stat st;
  if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < CDLT_EXTRACT_PARALLEL_MIN_BYTES ||
      (uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
    close(fd);
    return CDLT_EXTRACT_SEQUENTIAL;
  }
  par P = {.sink = sink, .path = path, .limits = limits, .size = (uint64_t)st.st_size,
           .page = (uint64_t)sysconf(_SC_PAGESIZE)};
  atomic_init(&P.stop, 0);
  void *map = mmap(NULL, (size_t)P.size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return CDLT_EXTRACT_SEQUENTIAL;
  P.map = map;
  cdlt_error ignored;
  if (!content_eligible(&P) || cdlt_job_new_file_id(P.prefix, &ignored)) {
    munmap(map, (size_t)P.size);
    return CDLT_EXTRACT_SEQUENTIAL;
  }
  madvise(map, (size_t)P.size, MADV_SEQUENTIAL);
  size_t n = workers;
  if (n > CDLT_EXTRACT_PARALLEL_MAX_RANGES) n = CDLT_EXTRACT_PARALLEL_MAX_RANGES;
  if (n > P.size / MIN_RANGE_BYTES) n = (size_t)(P.size / MIN_RANGE_BYTES);
  prange *g = calloc(n, sizeof *g);
  pthread_t *th = calloc(n, sizeof *th);
  bool *started = calloc(n, sizeof *started);
  if (!g || !th || !started) {
    free(g); free(th); free(started);
    munmap(map, (size_t)P.size);
    return CDLT_EXTRACT_SEQUENTIAL;
  }
  /* equal byte ranges, each moved to the start of the next line */
  uint64_t prev = 0;
  for (size_t k = 0; k < n; k++) {
    uint64_t end = k + 1 == n ? P.size : line_start_after(&P, P.size / n * (k + 1));
    if (end < prev) end = prev;
    g[k] = (prange){.P = &P, .index = k, .start = prev, .end = end};
    prev = end;
  }
  for (size_t k = 1; k < n; k++) started[k] = pthread_create(&th[k], NULL, range_main, &g[k]) == 0;
  run_range(&g[0]);
  for (size_t k = 1; k < n; k++) {
    if (started[k]) pthread_join(th[k], NULL);
    else if (!atomic_load(&P.stop)) run_range(&g[k]);   /* no thread: on this one */
    else g[k].rc = CDLT_ERR_INTERNAL;
  }
  bool ok = true;
  for (size_t k = 0; k < n; k++) ok = ok && g[k].rc == 0;
  int rc = finish(&P, g, n, ok, err);
  free(g);
  free(th);
  free(started);
  munmap(map, (size_t)P.size);
  if (rc) return rc;
  return ok ? 0 : CDLT_EXTRACT_SEQUENTIAL;
}
