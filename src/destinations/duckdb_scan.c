/* duckdb_scan.c — the parallel bulk load: one big jsonl job file read on DuckDB's own threads.
 *
 * The serial load (duckdb_load.c) parses a job on one thread and appends on another, and DuckDB
 * compresses every row group on the appending thread: most of the load's CPU on one core. Here
 * the file is cut into blocks of whole lines, and
 *   INSERT INTO "ds"."t" (cols) SELECT <conversions> FROM cdlt_job_scan()
 * runs on `threads` DuckDB threads with preserve_insertion_order=false. cdlt_job_scan(), a table
 * function registered on the connection, hands each thread the next unread block; the thread
 * reads it in pieces of whole lines (pread) and puts each line into the chunks DuckDB asks for
 * with the fast line parser (duckdb_line.c), and appends and compresses its own row groups. A line
 * that parser declines is read by cdlt's JSON reader on its own (duckdb_rows.c); a line that is
 * not one whole value (a value over several lines, an error) makes the reader read the rest of the
 * block from that line, as it reads whole blocks of the serial load, so results and errors are
 * the reader's. The rows land in an order that depends on
 * the threads, so a table loaded where the order matters (cdlt_table_def.in_file_order: the
 * staging tables whose merge SQL picks among duplicates) always uses the serial load.
 *
 * Before the INSERT the files are read once for their blocks, line numbers and longest line
 * (split_blocks: a big file in one part per thread, read at the same time).
 * Errors name the job file and its line (each block knows the line it starts on); when several
 * threads fail, the first error in the file is the one reported. Memory: each thread pins the
 * blocks of its own row group, so the load's memory limit is the serial one times the threads.
 * docs/internals/PERF_DUCKDB.md has the measurements. */
#define _GNU_SOURCE
#include <duckdb.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "destinations/duckdb_internal.h"
#include "destinations/duckdb_lazy.h"
#include "json/input.h"
#include "json/json_reader.h"
#include "util/faultpoint.h"
#include "util/fs.h"

/* libduckdb's allocator gives back the pages it freed every this many blocks (as the serial load
 * does after each flush): without it, it keeps ~20 MB more for its decay time */
#define DUCK_SCAN_PURGE_BLOCKS 4

/* whole lines [offset, offset + len) of job file `file`, the first of them line `line` (1-based) */
typedef struct scan_block {
  uint64_t offset, len, line;
  size_t file;
} scan_block;

/* one parallel load (d->scan while its INSERT runs) */
typedef struct job_scan {
  duck_rows plan;              /* path, table and the columns' kinds (copied by each thread) */
  duckdb_logical_type *types;
  const char *const *paths;    /* the job files of the table, in load order */
  int *fds;                    /* ... each read by every thread with pread */
  size_t nfiles;
  scan_block *blocks;
  size_t nblocks;
  uint64_t longest;            /* the longest line, newline included */
  uint64_t size, lines;        /* of the files */
  unsigned threads;
  atomic_size_t next;          /* the next block to hand out */
  atomic_uint_fast64_t rows;   /* rows produced */
  atomic_bool stop;            /* a thread failed */
  pthread_mutex_t mu;          /* guards the three below */
  bool failed;
  size_t fail_file;
  uint64_t fail_line;
  cdlt_error err;              /* the error of the first failing line (first file, then line) */
} job_scan;

/* the bytes of a block a thread reads at a time (a buffer grows to hold one longer line) */
#define DUCK_SCAN_PIECE_BYTES ((size_t)128 << 10)

/* a DuckDB thread's state */
typedef struct scan_local {
  duck_rows R;
  const scan_block *block;     /* being read, NULL between blocks */
  int fd;                      /* its file */
  size_t file;
  uint64_t block_end;          /* its end in the file */
  /* the fast path: bytes [buf_off, buf_off + buf_len) of the block in buf; the next line starts
   * at buf[pos] and is line `line` of the file */
  char *buf;                   /* owned; freed after a block that needed more than a piece */
  size_t cap, buf_len, pos;
  uint64_t buf_off, line;
  /* the reader of the rest of the block from file byte rd_off (line rd_line), when one runs */
  cdlt_input *in;
  cdlt_json_reader *rd;
  uint64_t rd_off, rd_line;
  cdlt_json_doc doc;
} scan_local;

/* ---------------------------------------------------------------- blocks of whole lines */

/* files of at least this many blocks are split among the load's threads for the block scan */
#define DUCK_SCAN_SPLIT_MIN_BLOCKS 8

/* One part of a file for split_blocks: whole lines [start, end). Its blocks carry line numbers
 * counted from the part's first line (1); the caller adds the lines of the parts before. */
typedef struct part_scan {
  int fd;
  const char *path;
  size_t file;
  uint64_t start, end, block_bytes;
  scan_block *blocks;          /* owned */
  size_t nblocks, cap;
  uint64_t lines, longest;     /* lines (the last one perhaps without a newline), the longest one */
  int rc;
  cdlt_error err;
} part_scan;

static int part_add_block(part_scan *P, uint64_t offset, uint64_t len, uint64_t line) {
  if (P->nblocks == P->cap) {
    size_t ncap = P->cap ? 2 * P->cap : 64;
    scan_block *grown = realloc(P->blocks, ncap * sizeof *grown);
    if (!grown) return cdlt_error_set(&P->err, CDLT_ERR_NOMEM, "out of memory");
    P->blocks = grown;
    P->cap = ncap;
  }
  P->blocks[P->nblocks++] = (scan_block){offset, len, line, P->file};
  return 0;
}

/* Reads the part once: its blocks of at least block_bytes ending at a newline (the last one at
 * the part's end), its lines and its longest line. Sets P->rc (and P->err). */
static void scan_part(part_scan *P) {
  enum { BUF = 1 << 20 };
  char *buf = malloc(BUF);
  if (!buf) {
    P->rc = cdlt_error_set(&P->err, CDLT_ERR_NOMEM, "out of memory");
    return;
  }
  uint64_t pos = P->start, line_start = P->start, line = 1, block_start = P->start, block_line = 1;
  int rc = 0;
  for (;;) {
    uint64_t want = P->end - pos < BUF ? P->end - pos : BUF;
    ssize_t n = want ? pread(P->fd, buf, (size_t)want, (off_t)pos) : 0;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      rc = cdlt_error_errno(&P->err, errno, "cannot read '%s'", P->path);
      break;
    }
    uint64_t end = pos + (uint64_t)n;
    const char *p = buf, *e = buf + n;
    for (const char *nl; n > 0 && (nl = memchr(p, '\n', (size_t)(e - p))); p = nl + 1) {
      uint64_t after = pos + (uint64_t)(nl - buf) + 1;
      if (after - line_start > P->longest) P->longest = after - line_start;
      line_start = after;
      line++;
      if (after - block_start < P->block_bytes) continue;
      if ((rc = part_add_block(P, block_start, after - block_start, block_line))) break;
      block_start = after;
      block_line = line;
    }
    if (rc || n == 0) {
      if (!rc && end - line_start > P->longest) P->longest = end - line_start;
      P->lines = line - (end == line_start);
      /* the rest: lines shorter than a block, or no final newline */
      if (!rc && block_start < end) rc = part_add_block(P, block_start, end - block_start, block_line);
      break;
    }
    pos = end;
  }
  free(buf);
  P->rc = rc;
}

static void *scan_part_thread(void *arg) {
  scan_part(arg);
  return NULL;
}

/* Reads file f once: its blocks of at least `block_bytes` ending at a newline (the last one at the
 * end of the file) and the longest line; adds its size and lines. A big file is cut into one part
 * per load thread at line starts, read at the same time (the scan is on the load's critical path:
 * ~0.13 s per 600 MB read alone). 0 or an error. */
static int split_blocks(job_scan *S, size_t f, uint64_t block_bytes, cdlt_error *err) {
  struct stat st;
  if (fstat(S->fds[f], &st)) return cdlt_error_errno(err, errno, "cannot read '%s'", S->paths[f]);
  uint64_t size = (uint64_t)st.st_size;
  size_t nparts = S->threads > 1 && size / DUCK_SCAN_SPLIT_MIN_BLOCKS >= block_bytes ? S->threads : 1;
  part_scan *parts = calloc(nparts, sizeof *parts);
  pthread_t *threads = calloc(nparts, sizeof *threads);
  bool *started = calloc(nparts, sizeof *started);
  int rc = parts && threads && started ? 0 : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  uint64_t start = 0;
  for (size_t k = 0; !rc && k < nparts; k++) {
    uint64_t end = size;
    if (k + 1 < nparts) rc = cdlt_fs_next_line_start(S->fds[f], S->paths[f], size / nparts * (k + 1), size, &end, err);
    if (end < start) end = start;
    parts[k] = (part_scan){.fd = S->fds[f], .path = S->paths[f], .file = f, .start = start, .end = end,
                           .block_bytes = block_bytes};
    start = end;
  }
  for (size_t k = 1; !rc && k < nparts; k++)
    started[k] = pthread_create(&threads[k], NULL, scan_part_thread, &parts[k]) == 0;
  if (!rc) scan_part(&parts[0]);
  for (size_t k = 1; !rc && k < nparts; k++) {
    if (started[k]) pthread_join(threads[k], NULL);
    else scan_part(&parts[k]);
  }
  /* the parts' blocks in file order, with line numbers of the file */
  uint64_t base = 0;
  for (size_t k = 0; !rc && k < nparts; k++) {
    part_scan *P = &parts[k];
    if (P->rc) {
      rc = P->rc;
      *err = P->err;
      break;
    }
    scan_block *grown = P->nblocks ? realloc(S->blocks, (S->nblocks + P->nblocks) * sizeof *grown) : S->blocks;
    if (P->nblocks && !grown) {
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      break;
    }
    S->blocks = grown;
    for (size_t b = 0; b < P->nblocks; b++) {
      S->blocks[S->nblocks] = P->blocks[b];
      S->blocks[S->nblocks++].line += base;
    }
    base += P->lines;
    if (P->longest > S->longest) S->longest = P->longest;
  }
  if (!rc) {
    S->size += size;
    S->lines += base;
  }
  for (size_t k = 0; parts && k < nparts; k++) free(parts[k].blocks);
  free(parts);
  free(threads);
  free(started);
  return rc;
}

/* ---------------------------------------------------------------- the table function */

/* Records T's error (in T->R.err) as the load's when it is the first in the files (by file, then
 * line), and stops the other threads; DuckDB then fails the INSERT with it. */
static void scan_fail(job_scan *S, scan_local *T, duckdb_function_info info) {
  pthread_mutex_lock(&S->mu);
  if (!S->failed || T->file < S->fail_file || (T->file == S->fail_file && T->R.line < S->fail_line)) {
    S->failed = true;
    S->fail_file = T->file;
    S->fail_line = T->R.line;
    S->err = T->R.err;
  }
  pthread_mutex_unlock(&S->mu);
  atomic_store(&S->stop, true);
  duckdb_function_set_error(info, T->R.err.msg);
}

/* A reader error with the line, column and byte of the whole file (the reader counts from rd_off,
 * line rd_line): "invalid JSON in '<path>' at line L, column C (byte O): <reason>". */
static void reader_error(scan_local *T) {
  cdlt_error *e = &T->R.err;
  const char *why = strstr(e->msg, "): ");
  if (e->line > 0 && why) {
    uint64_t line = T->rd_line + e->line - 1, col = e->column, byte = T->rd_off + e->offset;
    char reason[sizeof e->msg];
    snprintf(reason, sizeof reason, "%s", why + 3);
    cdlt_duck_rows_fail(e, &T->R, "invalid JSON in '%s' at line %" PRIu64 ", column %" PRIu64 " (byte %" PRIu64 "): %s",
                        T->R.path, line, col, byte, reason);
    e->line = line;
    e->column = col;
    e->offset = byte;
    return;
  }
  char msg[sizeof e->msg];
  snprintf(msg, sizeof msg, "%s", e->msg);
  cdlt_duck_rows_fail(e, &T->R, "%s", msg);
}

static void block_close(scan_local *T) {
  cdlt_json_reader_free(T->rd);
  cdlt_input_close(T->in);
  T->rd = NULL;
  T->in = NULL;
  T->block = NULL;
  if (T->cap > DUCK_SCAN_PIECE_BYTES) {   /* after a long line: back to a piece */
    free(T->buf);
    T->buf = NULL;
    T->cap = 0;
  }
}

static void scan_bind(duckdb_bind_info info) {
  duck *d = duckdb_bind_get_extra_info(info);
  job_scan *S = d->scan;
  if (!S) {
    duckdb_bind_set_error(info, "cdlt_job_scan() is used only by cdlt's bulk load");
    return;
  }
  for (size_t c = 0; c < S->plan.nvec; c++) duckdb_bind_add_result_column(info, S->plan.vec_names[c], S->types[c]);
  duckdb_bind_set_bind_data(info, S, NULL);
}

static void scan_init(duckdb_init_info info) {
  job_scan *S = duckdb_init_get_bind_data(info);
  duckdb_init_set_max_threads(info, S->threads);
}

static void local_free(void *p) {
  scan_local *T = p;
  block_close(T);
  free(T->buf);
  cdlt_json_doc_release(&T->doc);
  cdlt_duck_rows_release(&T->R);
  free(T);
}

static void scan_local_init(duckdb_init_info info) {
  job_scan *S = duckdb_init_get_bind_data(info);
  scan_local *T = calloc(1, sizeof *T);
  duck_col *cols = T ? malloc(S->plan.ncols * sizeof *cols) : NULL;
  if (!cols) {
    free(T);
    duckdb_init_set_error(info, "out of memory");
    return;
  }
  memcpy(cols, S->plan.cols, S->plan.ncols * sizeof *cols);
  T->R = (duck_rows){.path = S->plan.path, .table = S->plan.table, .ncols = S->plan.ncols, .cols = cols};
  cdlt_buf_init(&T->R.scratch);
  cdlt_json_doc_init(&T->doc);
  duckdb_init_set_init_data(info, T, local_free);
}

/* Starts the reader on the rest of the block from the line that starts at file byte off, line
 * `line`. It starts one byte early (on the previous line's newline) unless that is the block's
 * start, so a byte order mark is skipped only where the reader of a whole block would skip it.
 * 0, or the error reported (scan_fail). */
static int reader_from(job_scan *S, scan_local *T, duckdb_function_info info, uint64_t off, uint64_t line) {
  if (off > T->block->offset) {
    off--;
    line--;
  }
  T->rd_off = off;
  T->rd_line = line;
  if (cdlt_input_open_file_range(&T->in, T->fd, off, T->block_end - off, T->R.path, &T->R.err) ||
      cdlt_json_reader_new(&T->rd, T->in, &cdlt_json_job_limits, &T->R.err)) {
    T->R.line = line;
    reader_error(T);
    scan_fail(S, T, info);
    return -1;
  }
  return 0;
}

/* Reads more of the block after buf[pos] (moving the unread bytes to the front; growing buf when
 * one line fills it). 0 when bytes were added; 1 when none could be (the reader then reads on,
 * and reports what it finds); -1 out of memory. */
static int read_more(job_scan *S, scan_local *T) {
  if (T->pos) {
    memmove(T->buf, T->buf + T->pos, T->buf_len - T->pos);
    T->buf_off += T->pos;
    T->buf_len -= T->pos;
    T->pos = 0;
  }
  if (T->buf_len == T->cap) {
    size_t ncap = T->cap ? 2 * T->cap : DUCK_SCAN_PIECE_BYTES;
    /* growing past a piece for a long line: no more than the longest line needs */
    if (T->cap && ncap > S->longest && S->longest > T->cap) ncap = (size_t)S->longest;
    char *grown = realloc(T->buf, ncap);
    if (!grown) return -1;
    T->buf = grown;
    T->cap = ncap;
  }
  uint64_t at = T->buf_off + T->buf_len, want = T->cap - T->buf_len;
  if (want > T->block_end - at) want = T->block_end - at;
  ssize_t got;
  do got = pread(T->fd, T->buf + T->buf_len, (size_t)want, (off_t)at);
  while (got < 0 && errno == EINTR);
  if (got <= 0) return 1;
  T->buf_len += (size_t)got;
  return 0;
}

static bool blank(const char *s, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (s[k] != ' ' && s[k] != '\t' && s[k] != '\r') return false;
  return true;
}

/* Puts the line buf[pos, pos + len) (its newline included) declined by the fast path as row r
 * with the reader and cdlt_duck_rows_put, when the line holds exactly one value. 0 when it did;
 * 1 when the line is not one whole value: the reader of the rest of the block takes it; -1 when
 * the row's error was reported. */
static int put_line_with_reader(job_scan *S, scan_local *T, duckdb_function_info info, idx_t r, size_t len) {
  const char *line = T->buf + T->pos;
  if ((unsigned char)line[0] == 0xEF) return 1;   /* perhaps a byte order mark: see reader_from */
  cdlt_json_reader *rd;
  if (cdlt_json_reader_new_memory(&rd, line, len, T->R.path, &cdlt_json_job_limits, &T->R.err)) return 1;
  cdlt_json_value *item, *more;
  int rc = cdlt_json_reader_next_value(rd, &T->doc, &item, &T->R.err);
  if (rc == 1) {
    T->R.line = T->line;
    if (cdlt_duck_rows_put(&T->R, r, item)) {
      cdlt_json_reader_free(rd);
      cdlt_json_doc_reset(&T->doc);
      scan_fail(S, T, info);
      return -1;
    }
    rc = cdlt_json_reader_next_value(rd, &T->doc, &more, &T->R.err) == 0 ? 0 : 1;
  } else rc = 1;
  cdlt_json_reader_free(rd);
  cdlt_json_doc_reset(&T->doc);
  return rc;
}

/* Fills the next chunk of up to 2048 rows from this thread's blocks; 0 rows when none is left. */
static void scan_chunk(duckdb_function_info info, duckdb_data_chunk output) {
  job_scan *S = duckdb_function_get_bind_data(info);
  scan_local *T = duckdb_function_get_local_init_data(info);
  cdlt_duck_rows_bind(&T->R, output);
  idx_t cap = duckdb_vector_size(), n = 0;
  while (n < cap) {
    if (!T->block) {
      size_t k = atomic_fetch_add(&S->next, 1);
      if (atomic_load(&S->stop) || k >= S->nblocks) break;
      T->block = &S->blocks[k];
      T->file = T->block->file;
      T->fd = S->fds[T->file];
      T->R.path = S->paths[T->file];
      if (k % DUCK_SCAN_PURGE_BLOCKS == DUCK_SCAN_PURGE_BLOCKS - 1) cdlt_duckdb_allocator_purge();
      T->block_end = T->block->offset + T->block->len;
      T->buf_off = T->block->offset;
      T->buf_len = T->pos = 0;
      T->line = T->block->line;
    }
    if (T->rd) {   /* the reader reads the rest of the block */
      cdlt_json_value *item;
      int rc = cdlt_json_reader_next_value(T->rd, &T->doc, &item, &T->R.err);
      if (rc == 0) {
        block_close(T);
        continue;
      }
      if (rc < 0) {
        T->R.line = T->rd_line + (T->R.err.line > 0 ? T->R.err.line - 1 : 0);
        if (rc != CDLT_ERR_NOMEM) reader_error(T);
        scan_fail(S, T, info);
        return;
      }
      uint64_t line = 1;
      cdlt_json_reader_item_position(T->rd, &line, NULL, NULL);
      T->R.line = T->rd_line + line - 1;
      rc = cdlt_duck_rows_put(&T->R, n, item);
      cdlt_json_doc_reset(&T->doc);
      if (rc) {
        scan_fail(S, T, info);
        return;
      }
      n++;
      continue;
    }
    /* the next line of the block: [pos, next) with its newline, the last one perhaps without */
    const char *start = T->buf + T->pos;
    const char *nl = T->pos < T->buf_len ? memchr(start, '\n', T->buf_len - T->pos) : NULL;
    size_t next;
    if (nl) next = (size_t)(nl - T->buf) + 1;
    else if (T->buf_off + T->buf_len < T->block_end) {
      int rc = read_more(S, T);
      if (rc < 0) {
        cdlt_error_set(&T->R.err, CDLT_ERR_NOMEM, "out of memory");
        scan_fail(S, T, info);
        return;
      }
      if (rc && reader_from(S, T, info, T->buf_off + T->pos, T->line)) return;
      continue;
    } else if (T->pos == T->buf_len) {
      block_close(T);
      continue;
    } else next = T->buf_len;
    size_t len = next - T->pos, body = nl ? len - 1 : len;
    if (body && start[body - 1] == '\r') body--;
    if (!blank(start, body)) {
      if (cdlt_duck_rows_put_line(&T->R, n, start, body) == 0) n++;
      else {
        int rc = put_line_with_reader(S, T, info, n, len);
        if (rc < 0) return;
        if (rc) {
          if (reader_from(S, T, info, T->buf_off + T->pos, T->line)) return;
          continue;
        }
        n++;
      }
    }
    T->pos = next;
    T->line++;
  }
  atomic_fetch_add(&S->rows, n);
  duckdb_data_chunk_set_size(output, n);
}

int cdlt_duck_scan_register(duck *d, cdlt_error *err) {
  duckdb_table_function f = duckdb_create_table_function();
  if (!f) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  duckdb_table_function_set_name(f, "cdlt_job_scan");
  duckdb_table_function_set_extra_info(f, d, NULL);
  duckdb_table_function_set_bind(f, scan_bind);
  duckdb_table_function_set_init(f, scan_init);
  duckdb_table_function_set_local_init(f, scan_local_init);
  duckdb_table_function_set_function(f, scan_chunk);
  duckdb_state st = duckdb_register_table_function(d->con, f);
  duckdb_destroy_table_function(&f);
  if (st == DuckDBError) return cdlt_error_set(err, CDLT_ERR_DESTINATION, "duckdb: cannot register cdlt_job_scan()");
  d->scan_registered = true;
  return 0;
}

/* ---------------------------------------------------------------- the load */

bool cdlt_duck_scan_wanted(const duck *d, const cdlt_table_def *table, const char *const *paths, size_t n,
                           uint64_t size, unsigned *threads) {
  if (!d->scan_registered || table->in_file_order || d->threads < 2 || d->scan_block <= 0 ||
      size < (uint64_t)d->scan_block * DUCK_SCAN_MIN_BLOCKS)
    return false;
  for (size_t k = 0; k < n; k++) {   /* gzip job files are read by the serial load */
    unsigned char magic[2] = {0};
    FILE *f = fopen(paths[k], "rb");
    bool gz = f && fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (f) fclose(f);
    if (!f || gz) return false;
  }
  *threads = d->threads;
  return true;
}

static void run_quietly(duck *d, const char *sql) {
  duckdb_result res;
  duckdb_query(d->con, sql, &res);
  duckdb_destroy_result(&res);
}

int cdlt_duck_scan_load(duck *d, const char *dataset, const cdlt_table_def *table, const char *const *paths, size_t n,
                        unsigned threads, size_t *failed, cdlt_error *err) {
  job_scan S = {.plan = {.path = paths[0], .table = table->name}, .paths = paths, .nfiles = n, .threads = threads};
  if (failed) *failed = 0;
  atomic_init(&S.next, 0);
  atomic_init(&S.rows, 0);
  atomic_init(&S.stop, false);
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  bool has_mu = false;
  int rc = cdlt_fault_point("load.duckdb_parallel", err);   /* tests: which loads take this path */
  if (!rc) rc = cdlt_duck_rows_plan(&S.plan, dataset, table, "cdlt_job_scan()", &S.types, &sql, err);
  if (!rc && !(S.fds = malloc(n * sizeof *S.fds))) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  for (size_t k = 0; k < n && S.fds; k++) S.fds[k] = -1;
  for (size_t k = 0; k < n && !rc; k++) {
    if ((S.fds[k] = open(paths[k], O_RDONLY | O_CLOEXEC)) < 0) {
      S.plan.path = paths[k];
      rc = cdlt_duck_rows_fail(err, &S.plan, "cannot open '%s': %s", paths[k], strerror(errno));
    } else rc = split_blocks(&S, k, (uint64_t)d->scan_block, err);
    if (rc && failed) *failed = k;
  }
  if (!rc && pthread_mutex_init(&S.mu, NULL)) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (rc) goto done;
  has_mu = true;
  if (S.nblocks < S.threads) S.threads = (unsigned)(S.nblocks ? S.nblocks : 1);
  /* per thread: the serial load's budget, or room for one row group of average rows when that is
   * more (each thread holds its own row group in memory until it is full: rows of a few KiB in a
   * narrow table failed with "failed to allocate" under the serial budget) */
  uint64_t avg_row = S.lines ? S.size / S.lines : S.size;
  long long per_thread = DUCK_LOAD_MEMORY_BASE + DUCK_LOAD_MEMORY_PER_COLUMN * (long long)S.plan.ncols;
  long long row_group = d->row_group_size * (long long)avg_row * 5 / 4;
  long long need = (per_thread > row_group ? per_thread : row_group) * S.threads;
  if (S.longest > (uint64_t)1 << 20) need += DUCK_LOAD_MEMORY_PER_ITEM * (long long)S.longest * S.threads;
  cdlt_duck_load_settings(d, need, S.threads);
  run_quietly(d, "SET preserve_insertion_order=false");
  d->scan = &S;
  duckdb_result res;
  if (duckdb_query(d->con, sql.data, &res) == DuckDBError) {
    if (S.failed) {
      *err = S.err;
      rc = err->code ? err->code : CDLT_ERR_DESTINATION;
      if (failed) *failed = S.fail_file;
    } else rc = cdlt_duck_rows_fail(err, &S.plan, "%s", duckdb_result_error(&res));
  }
  duckdb_destroy_result(&res);
  d->scan = NULL;
  run_quietly(d, "RESET preserve_insertion_order");
  cdlt_duck_load_settings(d, 0, 0);
  cdlt_duckdb_allocator_purge();
  if (!rc) cdlt_duck_appended_add(d, dataset, table->name, atomic_load(&S.rows));
done:
  if (has_mu) pthread_mutex_destroy(&S.mu);
  for (size_t k = 0; S.fds && k < n; k++)
    if (S.fds[k] >= 0) close(S.fds[k]);
  free(S.fds);
  if (S.types)
    for (size_t i = 0; i < S.plan.nvec; i++)
      if (S.types[i]) duckdb_destroy_logical_type(&S.types[i]);
  free(S.types);
  free(S.blocks);
  cdlt_duck_rows_release(&S.plan);
  cdlt_buf_release(&sql);
  return rc;
}
