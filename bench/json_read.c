/* json_read.c — bench/profiling helper (never part of the library): the JSON reader, the JSON
 * writer and the extract stage alone, timed (wall and user CPU) on one file.
 *   json_read read FILE            parse every item (cdlt_json_each_file_item), job-file limits
 *   json_read write FILE OUT       parse + write every item compact, one per line, into OUT
 *   json_read extract FILE DIR     the real extract stage (cdlt_extract_files) of pipeline "bench"
 *                                  in pipelines dir DIR, table "events"; prints the load id
 * Prints "<mode>: <items> items, <MB> MB in <wall> s wall, <user> s user, <MB/s> MB/s (user)". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "json/json_reader.h"
#include "pipeline/pipeline_internal.h"
#include "util/buf.h"

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double user_now(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
}

typedef struct ctx {
  unsigned long long items;
  FILE *out;
  cdlt_buf buf;
} ctx;

static int on_item(void *vc, const cdlt_json_reader *r, cdlt_json_value *item, cdlt_error *err) {
  (void)r;
  ctx *c = vc;
  c->items++;
  if (!c->out) return 0;
  if (cdlt_json_write(&c->buf, item, 0) || cdlt_buf_putc(&c->buf, '\n'))
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (c->buf.len > (1u << 20)) {
    if (fwrite(c->buf.data, 1, c->buf.len, c->out) != c->buf.len)
      return cdlt_error_set(err, CDLT_ERR_IO, "cannot write");
    cdlt_buf_reset(&c->buf);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[1], "read") && argc < 4)) {
    fprintf(stderr, "usage: json_read read FILE | write FILE OUT | extract FILE PIPELINES_DIR\n");
    return 2;
  }
  const char *mode = argv[1], *path = argv[2];
  struct stat st;
  if (stat(path, &st)) {
    perror(path);
    return 1;
  }
  cdlt_error err = {0};
  ctx c = {0};
  cdlt_buf_init(&c.buf);
  int rc = 0;
  double w0 = wall_now(), u0 = user_now();
  if (!strcmp(mode, "read") || !strcmp(mode, "write")) {
    if (!strcmp(mode, "write") && !(c.out = fopen(argv[3], "wb"))) {
      perror(argv[3]);
      return 1;
    }
    rc = cdlt_json_each_file_item_limits(path, &cdlt_json_job_limits, on_item, &c, &err);
    if (!rc && c.out && c.buf.len && fwrite(c.buf.data, 1, c.buf.len, c.out) != c.buf.len) rc = -1;
    if (c.out && fclose(c.out)) rc = -1;
  } else if (!strcmp(mode, "extract")) {
    cdlt_pipeline_options o = {.pipeline_name = "bench", .pipelines_dir = argv[3], .skip_restore = 1};
    cdlt_pipeline *p = NULL;
    rc = cdlt_pipeline_open(&o, &p);
    if (rc) {
      fprintf(stderr, "json_read: %s\n", p ? cdlt_errmsg(p) : "out of memory");
      cdlt_pipeline_close(p);
      return 1;
    }
    w0 = wall_now();
    u0 = user_now();
    cdlt_resource_options res = {.table_name = "events"};
    char load_id[32];
    rc = cdlt_extract_files(p, &path, 1, &res, load_id, &err);
    if (!rc) printf("load id %s\n", load_id);
    cdlt_pipeline_close(p);
  } else {
    fprintf(stderr, "json_read: unknown mode '%s'\n", mode);
    return 2;
  }
  double w = wall_now() - w0, u = user_now() - u0;
  cdlt_buf_release(&c.buf);
  if (rc) {
    fprintf(stderr, "json_read: %s\n", err.msg[0] ? err.msg : "failed");
    return 1;
  }
  double mb = (double)st.st_size / 1e6;
  printf("%s: %llu items, %.1f MB in %.3f s wall, %.3f s user, %.1f MB/s (user)\n", mode, c.items, mb, w, u,
         u > 0 ? mb / u : 0.0);
  return 0;
}
