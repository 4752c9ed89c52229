/* input.c — byte sources: files and stdin through zlib (plain or gzip), memory, and byte ranges of
 * plain files (pread). */
#include "json/input.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum { INPUT_GZ, INPUT_MEMORY, INPUT_RANGE };

struct cdlt_input {
  int kind;
  char *name;
  int failed;          /* sticky error code after a failed read */
  /* INPUT_GZ */
  gzFile gz;
  /* INPUT_MEMORY */
  const char *mem;
  size_t mem_len, mem_pos, max_chunk;
  /* INPUT_RANGE */
  int fd;
  uint64_t at, end;    /* next byte to read; end of the range (exclusive) */
};

static int new_input(cdlt_input **out, int kind, const char *name, cdlt_error *err) {
  cdlt_input *in = calloc(1, sizeof *in);
  char *n = strdup(name);
  if (!in || !n) {
    free(in);
    free(n);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory opening '%s'", name);
  }
  in->kind = kind;
  in->name = n;
  *out = in;
  return 0;
}

int cdlt_input_open(cdlt_input **out, const char *path, cdlt_error *err) {
  *out = NULL;
  bool is_stdin = strcmp(path, "-") == 0;
  const char *name = is_stdin ? "<stdin>" : path;
  int fd;
  if (is_stdin) {
    fd = dup(STDIN_FILENO);   /* gzclose closes its descriptor; stdin stays open */
    if (fd < 0) return cdlt_error_errno(err, errno, "cannot open '%s'", name);
  } else {
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      cdlt_error_errno(err, e, "cannot open '%s'", name);
      if (e == ENOENT && err) err->code = CDLT_ERR_NOT_FOUND;
      return e == ENOENT ? CDLT_ERR_NOT_FOUND : CDLT_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      close(fd);
      return cdlt_error_errno(err, EISDIR, "cannot open '%s'", name);
    }
  }
  int rc = new_input(out, INPUT_GZ, name, err);
  if (rc) { close(fd); return rc; }
  (*out)->gz = gzdopen(fd, "rb");
  if (!(*out)->gz) {
    close(fd);
    cdlt_input_close(*out);
    *out = NULL;
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "cannot open '%s': out of memory", name);
  }
  gzbuffer((*out)->gz, 128 * 1024);
  return 0;
}

int cdlt_input_open_memory(cdlt_input **out, const void *data, size_t len, const char *name,
                           size_t max_chunk, cdlt_error *err) {
  *out = NULL;
  int rc = new_input(out, INPUT_MEMORY, name ? name : "<memory>", err);
  if (rc) return rc;
  (*out)->mem = data;
  (*out)->mem_len = len;
  (*out)->max_chunk = max_chunk;
  return 0;
}

int cdlt_input_open_file_range(cdlt_input **out, int fd, uint64_t offset, uint64_t len, const char *name,
                               cdlt_error *err) {
  *out = NULL;
  int rc = new_input(out, INPUT_RANGE, name, err);
  if (rc) return rc;
  (*out)->fd = fd;
  (*out)->at = offset;
  (*out)->end = offset + len;
  return 0;
}

/* INPUT_RANGE: one pread of up to cap bytes of what is left of the range */
static long read_range(cdlt_input *in, char *buf, size_t cap, cdlt_error *err) {
  if (in->at >= in->end) return 0;
  if ((uint64_t)cap > in->end - in->at) cap = (size_t)(in->end - in->at);
  if (cap > (size_t)INT_MAX) cap = (size_t)INT_MAX;
  ssize_t n;
  do n = pread(in->fd, buf, cap, (off_t)in->at);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    in->failed = CDLT_ERR_IO;
    return cdlt_error_errno(err, errno, "cannot read '%s'", in->name);
  }
  if (n == 0) {   /* the range was in the file when it was opened */
    struct stat st;
    unsigned long long now = fstat(in->fd, &st) == 0 ? (unsigned long long)st.st_size : (unsigned long long)in->at;
    in->failed = CDLT_ERR_IO;
    return cdlt_error_set(err, CDLT_ERR_IO, "cannot read '%s': the file shrank while it was read (%llu bytes, expected at least %llu)",
                          in->name, now, (unsigned long long)in->end);
  }
  in->at += (uint64_t)n;
  return (long)n;
}

long cdlt_input_read(cdlt_input *in, char *buf, size_t cap, cdlt_error *err) {
  if (in->failed) {
    return cdlt_error_set(err, in->failed, "cannot read '%s': an earlier read failed", in->name);
  }
  if (cap == 0) return 0;
  if (in->kind == INPUT_MEMORY) {
    size_t n = in->mem_len - in->mem_pos;
    if (n > cap) n = cap;
    if (in->max_chunk && n > in->max_chunk) n = in->max_chunk;
    if (n) memcpy(buf, in->mem + in->mem_pos, n);
    in->mem_pos += n;
    return (long)n;
  }
  if (in->kind == INPUT_RANGE) return read_range(in, buf, cap, err);
  if (cap > (size_t)INT_MAX / 2) cap = (size_t)INT_MAX / 2;
  errno = 0;
  int n = gzread(in->gz, buf, (unsigned)cap);
  int zerr = Z_OK;
  const char *zmsg = gzerror(in->gz, &zerr);
  if (n > 0) return n;
  if (n == 0 && zerr == Z_OK) return 0;
  /* n < 0, or n == 0 with Z_BUF_ERROR: the gzip stream ended early */
  if (zerr == Z_ERRNO) {
    int e = errno ? errno : EIO;
    in->failed = CDLT_ERR_IO;
    return cdlt_error_errno(err, e, "cannot read '%s'", in->name);
  }
  in->failed = zerr == Z_MEM_ERROR ? CDLT_ERR_NOMEM : CDLT_ERR_PARSE;
  if (zerr == Z_BUF_ERROR)
    return cdlt_error_set(err, in->failed, "cannot read '%s': truncated gzip data (%s)", in->name,
                          zmsg && *zmsg ? zmsg : "unexpected end of file");
  return cdlt_error_set(err, in->failed, "cannot read '%s': corrupt gzip data (%s)", in->name,
                        zmsg && *zmsg ? zmsg : "unknown zlib error");
}

const char *cdlt_input_name(const cdlt_input *in) { return in->name; }

void cdlt_input_close(cdlt_input *in) {
  if (!in) return;
  if (in->kind == INPUT_GZ && in->gz) gzclose_r(in->gz);
  free(in->name);
  free(in);
}
