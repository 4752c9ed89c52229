/* check.c — implementation of the minimal test harness. */
#define _GNU_SOURCE
#include "check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int check_passed, check_failed;
/* Every directory check_tmpdir made, removed by check_finish (unless CDLT_KEEP_TMP is set). */
static char **tmpdirs;
static int ntmpdirs, tmpdirs_cap;

int check_report(int ok, const char *file, int line, const char *fmt, ...) {
  if (ok) { check_passed++; return 1; }
  check_failed++;
  fprintf(stderr, "FAIL %s:%d: ", file, line);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return 0;
}

int check_finish(void) {
  if (!getenv("CDLT_KEEP_TMP")) {
    for (int k = 0; k < ntmpdirs; k++) {
      char cmd[600];
      snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdirs[k]);
      if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdirs[k]);
    }
  }
  for (int k = 0; k < ntmpdirs; k++) free(tmpdirs[k]);
  free(tmpdirs);
  tmpdirs = NULL;
  ntmpdirs = tmpdirs_cap = 0;
  printf("%d passed, %d failed\n", check_passed, check_failed);
  return check_failed ? 1 : 0;
}

const char *check_source_dir(void) {
  const char *s = getenv("CDLT_SOURCE_DIR");
  return s ? s : ".";
}

const char *check_shared_dir(void) {
  static char path[1024];
  const char *s = getenv("CDLT_SHARED_DIR");
  if (s) return s;
  snprintf(path, sizeof path, "%s/../shared", check_source_dir());
  return path;
}

const char *check_cdlt_bin(void) {
  const char *s = getenv("CDLT_BIN");
  return s ? s : "cdlt";
}

const char *check_tmpdir(void) {
  static char path[512];
  const char *base = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/cdlt-test-XXXXXX", base ? base : "/tmp");
  if (!mkdtemp(path)) { perror("mkdtemp"); exit(2); }
  if (ntmpdirs == tmpdirs_cap) {
    int cap = tmpdirs_cap ? tmpdirs_cap * 2 : 16;
    char **grown = realloc(tmpdirs, (size_t)cap * sizeof *grown);
    if (!grown) { perror("realloc"); exit(2); }
    tmpdirs = grown;
    tmpdirs_cap = cap;
  }
  tmpdirs[ntmpdirs] = strdup(path);
  if (!tmpdirs[ntmpdirs]) { perror("strdup"); exit(2); }
  ntmpdirs++;
  return path;
}

char *check_read_file(const char *path, size_t *len_out) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += n;
    if (cap - len - 1 == 0) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) { free(buf); buf = NULL; break; }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) return NULL;
  buf[len] = 0;
  if (len_out) *len_out = len;
  return buf;
}

int check_run(const char *cmd, char **output) {
  char *full = NULL;
  if (asprintf(&full, "( %s ) 2>&1", cmd) < 0) return -1;
  FILE *p = popen(full, "r");
  free(full);
  if (!p) return -1;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
    len += n;
    if (cap - len - 1 == 0) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) { free(buf); buf = NULL; break; }
      buf = nb;
      cap *= 2;
    }
  }
  int st = pclose(p);
  if (buf) buf[len] = 0;
  if (output) *output = buf; else free(buf);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
