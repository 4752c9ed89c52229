/* extract_parallel.c — one big plain JSON Lines file extracted on several threads: split at
 * newlines, ranges read with pread in bounded pieces (no mapping: a file that shrinks under us is an
 * error, never a SIGBUS), parsed speculatively and verified, extra jobs in range order, sequential
 * fallback on any doubt (see extract_parallel.h). Compact lines the reader would hand on as their
 * own bytes are copied without a DOM (extract_line.c); the others are read with the JSON reader. */
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
#include <sys/stat.h>
#include <unistd.h>

#include "extract/extract_line.h"
#include "extract/job_writer.h"
#include "package/job_file.h"
#include "util/faultpoint.h"

#define SCAN_BYTES ((size_t)64 << 10)         /* the buffer of the split's scans */
#define MIN_RANGE_BYTES ((uint64_t)1 << 20)   /* no range smaller than this (but the last) */
#define RANGE_PIECE_BYTES ((size_t)1 << 20)   /* a range is read in pieces of this size (more for a longer line) */

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
  int fd;                     /* the file, read with pread by every range */
  uint64_t size;              /* its size when the extract began */
  char prefix[CDLT_JOB_FILE_ID_LEN + 1];
  atomic_int stop;            /* a range failed: the others give up */
} par;

/* Reads up to cap bytes at off (fewer only at the end of the file). Returns the count or -1. */
static long read_at(int fd, unsigned char *buf, size_t cap, uint64_t off) {
  size_t got = 0;
  while (got < cap) {
    ssize_t n = pread(fd, buf + got, cap - got, (off_t)(off + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += (size_t)n;
  }
  return (long)got;
}

/* One range's reading state: the bytes [off, off + len) of the file in buf, lines from pos on not
 * yet handled; [run, run_end) a run of whole lines the fast path declined, not yet read. */
typedef struct rbuf {
  unsigned char *buf;
  size_t cap, len, pos;
  uint64_t off;
  size_t run, run_end;
  bool in_run;
} rbuf;

/* an item the writer copies (cdlt_job_writer_set_verbatim): the lines of the fast path */
static const cdlt_json_value line_item;

/* Writes one item of the range: raw (rawlen bytes) when they are its compact serialization (the
 * reader's cdlt_json_reader_item_raw, or a line of the fast path), else item serialized (raw NULL). */
static int write_item(prange *g, const cdlt_json_value *item, const char *raw, size_t rawlen, cdlt_error *err) {
  if (raw) cdlt_job_writer_set_verbatim(item, raw, rawlen);
  int rc = cdlt_job_writer_item(&g->w, item, err);
  if (raw) cdlt_job_writer_set_verbatim(NULL, NULL, 0);
  if (!rc) g->items++;
  return rc;
}

/* Reads the pending run of declined lines with the JSON reader, every item checked and written as
 * the whole range's reader would (a run is whole lines: a value across its ends fails here, and
 * the range with it). A run must not start with a BOM, but at the start of the file (where the
 * range's reader would skip it too). */
static int read_run(prange *g, rbuf *b, cdlt_json_doc *doc, cdlt_error *err) {
  if (!b->in_run) return 0;
  b->in_run = false;
  par *P = g->P;
  const unsigned char *run = b->buf + b->run;
  size_t n = b->run_end - b->run;
  if (n >= 3 && memcmp(run, "\xEF\xBB\xBF", 3) == 0 && b->off + b->run != 0) return CDLT_ERR_PARSE;
  cdlt_json_reader *r = NULL;
  int rc = cdlt_json_reader_new_memory(&r, run, n, P->path, P->limits, err);
  while (!rc) {
    cdlt_json_doc_reset(doc);
    cdlt_json_value *item = NULL;
    int got = cdlt_json_reader_next_item(r, doc, &item, err);
    if (got <= 0) { rc = got; break; }
    rc = cdlt_extract_sink_check(P->sink, item, r, err);
    if (rc) break;
    const char *raw = NULL;
    size_t rawlen = 0;
    if (!cdlt_json_reader_item_raw(r, &raw, &rawlen)) raw = NULL;
    rc = write_item(g, item, raw, rawlen, err);
  }
  cdlt_json_reader_free(r);
  return rc;
}

/* Reads more of the range after buf[pos] (moving the unread bytes to the front; growing buf when
 * one line fills it). 0 when bytes were added; CDLT_ERR_IO when the file ends early (it shrank:
 * the range fails); CDLT_ERR_NOMEM. */
static int read_more(prange *g, rbuf *b) {
  if (b->pos) {
    memmove(b->buf, b->buf + b->pos, b->len - b->pos);
    b->off += b->pos;
    b->len -= b->pos;
    b->pos = 0;
  }
  if (b->len == b->cap) {
    size_t ncap = b->cap ? 2 * b->cap : RANGE_PIECE_BYTES;   /* a whole piece first */
    unsigned char *grown = realloc(b->buf, ncap);
    if (!grown) return CDLT_ERR_NOMEM;
    b->buf = grown;
    b->cap = ncap;
  }
  uint64_t at = b->off + b->len, want = b->cap - b->len;
  if (want > g->end - at) want = g->end - at;
  long got = read_at(g->P->fd, b->buf + b->len, (size_t)want, at);
  if (got <= 0) return CDLT_ERR_IO;
  b->len += (size_t)got;
  return 0;
}

/* Parses and writes one range; g->rc = 0 only when the whole range was consumed cleanly. Errors
 * are not kept: the sequential extract reports them. Line by line: a line the fast path takes
 * (cdlt_extract_line_verbatim) is copied to the job as the writer copies the reader's raw bytes;
 * runs of the other lines are read with the JSON reader (read_run). */
static void run_range(prange *g) {
  par *P = g->P;
  cdlt_error err;
  memset(&err, 0, sizeof err);
  uint64_t len = g->end - g->start;
  /* a BOM is skipped only at the very start of the file: elsewhere it is an error */
  unsigned char head[3];
  if (g->index > 0 && len >= 3 && read_at(P->fd, head, 3, g->start) == 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) {
    g->rc = CDLT_ERR_PARSE;
    atomic_store(&P->stop, 1);
    return;
  }
  char fid[CDLT_JOB_FILE_ID_LEN + 1];
  snprintf(fid, sizeof fid, "%.7s%03zx", P->prefix, g->index);
  int rc = cdlt_extract_sink_open_job(P->sink, &g->w, fid, &err);
  g->w_open = true;
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  rbuf b = {.off = g->start};
  while (!rc) {
    if (atomic_load_explicit(&P->stop, memory_order_relaxed)) { rc = CDLT_ERR_INTERNAL; break; }
    unsigned char *start = b.buf + b.pos;
    unsigned char *nl = b.pos < b.len ? memchr(start, '\n', b.len - b.pos) : NULL;
    size_t next;
    if (nl) next = (size_t)(nl - b.buf) + 1;
    else if (b.off + b.len < g->end) {   /* the line goes on after buf: read the run first */
      rc = read_run(g, &b, &doc, &err);
      if (!rc) rc = read_more(g, &b);
      continue;
    } else if (b.pos == b.len) break;   /* the end of the range */
    else next = b.len;                  /* the last line of the file, without a newline */
    size_t body = (nl ? (size_t)(nl - start) : next - b.pos);
    if (body && start[body - 1] == '\r') body--;
    if (body && cdlt_extract_line_verbatim((const char *)start, body, P->limits)) {
      rc = read_run(g, &b, &doc, &err);
      if (!rc) rc = write_item(g, &line_item, (const char *)start, body, &err);
    } else if (body || b.in_run) {   /* blank lines are whitespace: skipped, or in the run */
      if (!b.in_run) b.run = b.pos;
      b.in_run = true;
      b.run_end = next;
    }
    b.pos = next;
  }
  if (!rc) rc = read_run(g, &b, &doc, &err);
  cdlt_json_doc_release(&doc);
  free(b.buf);
  g->rc = rc;
  if (rc) atomic_store(&P->stop, 1);
}

static void *range_main(void *arg) {
  run_range(arg);
  return NULL;
}

/* the first byte after the newline at or after at - 1 (the size when none, or the file cannot be
 * read: then the range ends short and fails) */
static uint64_t line_start_after(const par *P, unsigned char *buf, uint64_t at) {
  if (at == 0 || at >= P->size) return at >= P->size ? P->size : 0;
  for (uint64_t off = at - 1; off < P->size;) {
    long n = read_at(P->fd, buf, SCAN_BYTES, off);
    if (n <= 0) break;
    const unsigned char *nl = memchr(buf, '\n', (size_t)n);
    if (nl) return off + (uint64_t)(nl - buf) + 1;
    off += (uint64_t)n;
  }
  return P->size;
}

/* whether the file's content allows the split: not gzip, not a top-level array */
static bool content_eligible(const par *P, unsigned char *buf) {
  long n = read_at(P->fd, buf, SCAN_BYTES, 0);
  if (n < 2 || (buf[0] == 0x1f && buf[1] == 0x8b)) return false;
  uint64_t off = 0;
  long k = n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  for (;;) {
    while (k < n && (buf[k] == ' ' || buf[k] == '\t' || buf[k] == '\n' || buf[k] == '\r')) k++;
    if (k < n) return buf[k] != '[';
    off += (uint64_t)n;
    if (off >= P->size || (n = read_at(P->fd, buf, SCAN_BYTES, off)) <= 0) return false;
    k = 0;
  }
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

/* The error when the file is shorter than when the extract began (it shrank while it was read:
 * the ranges' reads came up short); 0 when it is not. */
static int shrunk(const par *P, cdlt_error *err) {
  struct stat st;
  if (fstat(P->fd, &st) || (uint64_t)st.st_size >= P->size) return 0;
  return cdlt_error_set(err, CDLT_ERR_IO, "cannot read '%s': the file shrank while it was read (%llu bytes, expected %llu)",
                        P->path, (unsigned long long)st.st_size, (unsigned long long)P->size);
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
  par P = {.sink = sink, .path = path, .limits = limits, .fd = fd, .size = (uint64_t)st.st_size};
  atomic_init(&P.stop, 0);
  cdlt_error ignored;
  unsigned char *scan = malloc(SCAN_BYTES);
  if (!scan || !content_eligible(&P, scan) || cdlt_job_new_file_id(P.prefix, &ignored)) {
    free(scan);
    close(fd);
    return CDLT_EXTRACT_SEQUENTIAL;
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  size_t n = workers;
  if (n > CDLT_EXTRACT_PARALLEL_MAX_RANGES) n = CDLT_EXTRACT_PARALLEL_MAX_RANGES;
  if (n > P.size / MIN_RANGE_BYTES) n = (size_t)(P.size / MIN_RANGE_BYTES);
  prange *g = calloc(n, sizeof *g);
  pthread_t *th = calloc(n, sizeof *th);
  bool *started = calloc(n, sizeof *started);
  if (!g || !th || !started) {
    free(g); free(th); free(started); free(scan);
    close(fd);
    return CDLT_EXTRACT_SEQUENTIAL;
  }
  /* equal byte ranges, each moved to the start of the next line */
  uint64_t prev = 0;
  for (size_t k = 0; k < n; k++) {
    uint64_t end = k + 1 == n ? P.size : line_start_after(&P, scan, P.size / n * (k + 1));
    if (end < prev) end = prev;
    g[k] = (prange){.P = &P, .index = k, .start = prev, .end = end};
    prev = end;
  }
  free(scan);
  /* tests stop here (pause mode) to change the file under the ranges */
  int rc = cdlt_fault_point("extract.parallel_ranges", err);
  if (!rc) {
    for (size_t k = 1; k < n; k++) started[k] = pthread_create(&th[k], NULL, range_main, &g[k]) == 0;
    run_range(&g[0]);
    for (size_t k = 1; k < n; k++) {
      if (started[k]) pthread_join(th[k], NULL);
      else if (!atomic_load(&P.stop)) run_range(&g[k]);   /* no thread: on this one */
      else g[k].rc = CDLT_ERR_INTERNAL;
    }
  }
  bool ok = !rc;
  for (size_t k = 0; k < n; k++) ok = ok && g[k].rc == 0;
  /* a file that shrank under the ranges is an error: the sequential extract would read what is left */
  if (!rc && !ok) rc = shrunk(&P, err);
  int frc = finish(&P, g, n, ok, err);
  if (!rc) rc = frc;
  free(g);
  free(th);
  free(started);
  close(fd);
  if (rc) return rc;
  return ok ? 0 : CDLT_EXTRACT_SEQUENTIAL;
}
