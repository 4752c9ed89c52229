/* fs.c — POSIX file-system helpers (see fs.h). */
#define _GNU_SOURCE   /* sync_file_range */
#include "util/fs.h"
#include "util/faultpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdlt/cdlt.h"

static int errno_err(cdlt_error *err, int e, const char *what, const char *path) {
  int rc = cdlt_error_errno(err, e, "%s '%s'", what, path);
  if (e == ENOENT && err) err->code = CDLT_ERR_NOT_FOUND;
  return e == ENOENT ? CDLT_ERR_NOT_FOUND : rc;
}

static int nomem(cdlt_error *err) { return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }

void cdlt_fs_names_init(cdlt_fs_names *n) {
  n->names = NULL;
  n->len = 0;
}

void cdlt_fs_names_release(cdlt_fs_names *n) {
  if (!n) return;
  for (size_t i = 0; i < n->len; i++) free(n->names[i]);
  free(n->names);
  cdlt_fs_names_init(n);
}

/* ---------------------------------------------------------------------------- paths */

char *cdlt_path_join(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  while (la > 1 && a[la - 1] == '/') la--;
  bool slash = la > 0 && a[la - 1] != '/';
  char *p = malloc(la + slash + lb + 1);
  if (!p) return NULL;
  memcpy(p, a, la);
  if (slash) p[la] = '/';
  memcpy(p + la + slash, b, lb + 1);
  return p;
}

char *cdlt_path_join_n(const char *first, ...) {
  char *acc = strdup(first);
  va_list ap;
  va_start(ap, first);
  const char *part;
  while (acc && (part = va_arg(ap, const char *)) != NULL) {
    char *next = cdlt_path_join(acc, part);
    free(acc);
    acc = next;
  }
  va_end(ap);
  return acc;
}

/* Directory part of path, malloc'd: "a/b" -> "a", "b" -> ".", "/b" -> "/". */
static char *dir_of(const char *path) {
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/') n--;
  while (n > 0 && path[n - 1] != '/') n--;
  if (n == 0) return strdup(".");
  while (n > 1 && path[n - 1] == '/') n--;
  char *d = malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, path, n);
  d[n] = 0;
  return d;
}

/* ---------------------------------------------------------------------------- random */

int cdlt_fs_random_hex(char *out, size_t n, cdlt_error *err) {
  static const char hex[] = "0123456789abcdef";
  unsigned char bytes[64];
  size_t done = 0;
  while (done < n) {
    size_t want = (n - done + 1) / 2;
    if (want > sizeof bytes) want = sizeof bytes;
    size_t got = 0;
    while (got < want) {
      ssize_t r = getrandom(bytes + got, want - got, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += (size_t)r;
    }
    if (got < want) { /* no getrandom(): fall back to /dev/urandom */
      int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
      if (fd < 0) return errno_err(err, errno, "cannot open", "/dev/urandom");
      while (got < want) {
        ssize_t r = read(fd, bytes + got, want - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
          int e = r < 0 ? errno : EIO;
          close(fd);
          return errno_err(err, e, "cannot read", "/dev/urandom");
        }
        got += (size_t)r;
      }
      close(fd);
    }
    for (size_t i = 0; i < want && done < n; i++) {
      out[done++] = hex[bytes[i] >> 4];
      if (done < n) out[done++] = hex[bytes[i] & 15];
    }
  }
  out[n] = 0;
  return CDLT_OK;
}

bool cdlt_fs_is_temp_name(const char *name) {
  size_t i = 0;
  for (; name[i]; i++) {
    char c = name[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return i == CDLT_FS_TEMP_NAME_LEN;
}

/* ---------------------------------------------------------------------------- queries */

bool cdlt_fs_exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

bool cdlt_fs_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool cdlt_fs_is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int cdlt_fs_file_size(const char *path, uint64_t *size_out, cdlt_error *err) {
  struct stat st;
  if (stat(path, &st) != 0) return errno_err(err, errno, "cannot stat", path);
  *size_out = (uint64_t)st.st_size;
  return CDLT_OK;
}

/* ---------------------------------------------------------------------------- directories */

int cdlt_fs_mkdir_p(const char *path, mode_t mode, cdlt_error *err) {
  if (!path || !*path) return cdlt_error_set(err, CDLT_ERR_USAGE, "cannot create directory: empty path");
  char *p = strdup(path);
  if (!p) return nomem(err);
  size_t n = strlen(p);
  int rc = CDLT_OK;
  for (size_t i = 1; i <= n && rc == CDLT_OK; i++) {
    if (p[i] != '/' && p[i] != 0) continue;
    if (p[i - 1] == '/') continue; /* "a//b" */
    char saved = p[i];
    p[i] = 0;
    if (mkdir(p, mode) != 0) {
      int e = errno;
      struct stat st;
      if (e == EEXIST || e == EISDIR) {
        if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
          rc = cdlt_error_set(err, CDLT_ERR_IO, "cannot create directory '%s': '%s' exists and is not a directory", path, p);
      } else if (e == EACCES && stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
        /* an existing parent we may not write to is fine */
      } else {
        rc = cdlt_error_errno(err, e, "cannot create directory '%s'", p);
      }
    }
    p[i] = saved;
  }
  free(p);
  return rc;
}

static int rm_rf_at(int parent_fd, const char *name, cdlt_buf *path, cdlt_error *err) {
  struct stat st;
  if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return CDLT_OK;
    return cdlt_error_errno(err, errno, "cannot remove '%s'", path->data);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(parent_fd, name, 0) != 0 && errno != ENOENT)
      return cdlt_error_errno(err, errno, "cannot remove '%s'", path->data);
    return CDLT_OK;
  }
  int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return CDLT_OK;
    return cdlt_error_errno(err, errno, "cannot remove '%s'", path->data);
  }
  DIR *d = fdopendir(fd);
  if (!d) {
    int e = errno;
    close(fd);
    return cdlt_error_errno(err, e, "cannot remove '%s'", path->data);
  }
  int rc = CDLT_OK;
  struct dirent *de;
  size_t base = path->len;
  while (rc == CDLT_OK && (errno = 0, de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    path->len = base;
    path->data[base] = 0;
    if (cdlt_buf_putc(path, '/') || cdlt_buf_puts(path, de->d_name)) {
      rc = nomem(err);
      break;
    }
    rc = rm_rf_at(dirfd(d), de->d_name, path, err);
  }
  path->len = base;
  path->data[base] = 0;
  closedir(d);
  if (rc != CDLT_OK) return rc;
  if (unlinkat(parent_fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
    return cdlt_error_errno(err, errno, "cannot remove '%s'", path->data);
  return CDLT_OK;
}

int cdlt_fs_rm_rf(const char *path, cdlt_error *err) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (cdlt_buf_puts(&b, path)) return nomem(err);
  int rc = rm_rf_at(AT_FDCWD, path, &b, err);
  cdlt_buf_release(&b);
  return rc;
}

int cdlt_fs_rmdir(const char *path, cdlt_error *err) {
  if (rmdir(path) != 0 && errno != ENOENT)
    return cdlt_error_errno(err, errno, "cannot remove directory '%s'", path);
  return CDLT_OK;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int cdlt_fs_list_dir(const char *path, bool only_dirs, bool only_files, cdlt_fs_names *out,
                     cdlt_error *err) {
  DIR *d = opendir(path);
  if (!d) return errno_err(err, errno, "cannot list directory", path);
  size_t cap = out->len;
  int rc = CDLT_OK;
  struct dirent *de;
  while ((errno = 0, de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    if (only_dirs || only_files) {
      struct stat st;
      if (fstatat(dirfd(d), de->d_name, &st, 0) != 0) continue; /* vanished or dangling link */
      if (only_dirs && !S_ISDIR(st.st_mode)) continue;
      if (only_files && !S_ISREG(st.st_mode)) continue;
    }
    if (out->len == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      char **nn = realloc(out->names, ncap * sizeof *nn);
      if (!nn) { rc = nomem(err); break; }
      out->names = nn;
      cap = ncap;
    }
    char *name = strdup(de->d_name);
    if (!name) { rc = nomem(err); break; }
    out->names[out->len++] = name;
  }
  if (rc == CDLT_OK && errno != 0 && de == NULL)
    rc = cdlt_error_errno(err, errno, "cannot list directory '%s'", path);
  closedir(d);
  if (rc == CDLT_OK && out->len > 1) qsort(out->names, out->len, sizeof *out->names, cmp_names);
  return rc;
}

int cdlt_fs_fsync_dir(const char *path, cdlt_error *err) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_err(err, errno, "cannot open directory", path);
  int rc = CDLT_OK;
  if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
    rc = cdlt_error_errno(err, errno, "cannot fsync directory '%s'", path);
  close(fd);
  return rc;
}

/* ---------------------------------------------------------------------------- files */

int cdlt_fs_read_file(const char *path, cdlt_buf *out, cdlt_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_err(err, errno, "cannot open", path);
  size_t start = out->len;
  int rc = CDLT_OK;
  for (;;) {
    if (cdlt_buf_reserve(out, 65536)) { rc = nomem(err); break; }
    ssize_t r = read(fd, out->data + out->len, out->cap - out->len - 1);
    if (r < 0) {
      if (errno == EINTR) continue;
      rc = cdlt_error_errno(err, errno, "cannot read '%s'", path);
      break;
    }
    if (r == 0) break;
    out->len += (size_t)r;
    out->data[out->len] = 0;
  }
  close(fd);
  if (rc != CDLT_OK && out->data) {
    out->len = start;
    out->data[start] = 0;
  }
  return rc;
}

static int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

/* Creates "<dir>/<8 hex>" exclusively; *tmp_out is malloc'd. */
static int open_temp(const char *dir, mode_t mode, char **tmp_out, int *fd_out, cdlt_error *err) {
  for (int attempt = 0; attempt < 16; attempt++) {
    char name[CDLT_FS_TEMP_NAME_LEN + 1];
    int rc = cdlt_fs_random_hex(name, CDLT_FS_TEMP_NAME_LEN, err);
    if (rc) return rc;
    char *tmp = cdlt_path_join(dir, name);
    if (!tmp) return nomem(err);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd >= 0) {
      *tmp_out = tmp;
      *fd_out = fd;
      return CDLT_OK;
    }
    int e = errno;
    if (e != EEXIST) {
      rc = cdlt_error_errno(err, e, "cannot create temp file '%s'", tmp);
      free(tmp);
      return rc;
    }
    free(tmp);
  }
  return cdlt_error_set(err, CDLT_ERR_IO, "cannot create a temp file in '%s'", dir);
}

/* fsync + close fd, rename tmp over path, fsync path's directory. Removes tmp on failure. */
static int finish_temp(int fd, char *tmp, const char *path, const char *what, cdlt_error *err) {
  int rc = CDLT_OK;
  int fe = cdlt_fault_errno("fs.fsync");
  if (fe) rc = cdlt_error_errno(err, fe, "cannot %s '%s': fsync", what, path);
  else if (fsync(fd) != 0 && errno != EINVAL) rc = cdlt_error_errno(err, errno, "cannot %s '%s': fsync", what, path);
  if (close(fd) != 0 && rc == CDLT_OK) rc = cdlt_error_errno(err, errno, "cannot %s '%s': close", what, path);
  if (rc == CDLT_OK && rename(tmp, path) != 0) rc = cdlt_error_errno(err, errno, "cannot %s '%s'", what, path);
  if (rc != CDLT_OK) {
    unlink(tmp);
    free(tmp);
    return rc;
  }
  free(tmp);
  char *dir = dir_of(path);
  if (!dir) return nomem(err);
  rc = cdlt_fs_fsync_dir(dir, err);
  free(dir);
  return rc;
}

int cdlt_fs_write_atomic(const char *path, const char *temp_dir, const void *data, size_t len,
                         mode_t mode, cdlt_error *err) {
  char *own_dir = NULL;
  if (!temp_dir) {
    own_dir = dir_of(path);
    if (!own_dir) return nomem(err);
    temp_dir = own_dir;
  }
  char *tmp = NULL;
  int fd = -1;
  int rc = open_temp(temp_dir, mode, &tmp, &fd, err);
  free(own_dir);
  if (rc) return cdlt_error_wrap(err, "cannot write '%s'", path);
  int e = cdlt_fault_errno("fs.write");
  if (!e) e = write_all(fd, data, len);
  if (e) {
    close(fd);
    unlink(tmp);
    free(tmp);
    return cdlt_error_errno(err, e, "cannot write '%s'", path);
  }
  return finish_temp(fd, tmp, path, "write", err);
}

int cdlt_fs_rename(const char *from, const char *to, cdlt_error *err) {
  int fe = cdlt_fault_errno("fs.rename");
  if (fe || rename(from, to) != 0) {
    int e = fe ? fe : errno;
    int rc = cdlt_error_errno(err, e, "cannot rename '%s' to '%s'", from, to);
    if (e == ENOENT && !cdlt_fs_exists(from)) {
      if (err) err->code = CDLT_ERR_NOT_FOUND;
      return CDLT_ERR_NOT_FOUND;
    }
    return rc;
  }
  char *d_to = dir_of(to), *d_from = dir_of(from);
  int rc = (!d_to || !d_from) ? nomem(err) : cdlt_fs_fsync_dir(d_to, err);
  if (rc == CDLT_OK && strcmp(d_to, d_from) != 0) rc = cdlt_fs_fsync_dir(d_from, err);
  free(d_to);
  free(d_from);
  return rc;
}

int cdlt_fs_unlink(const char *path, cdlt_error *err) {
  if (unlink(path) != 0 && errno != ENOENT) return cdlt_error_errno(err, errno, "cannot remove '%s'", path);
  return CDLT_OK;
}

int cdlt_fs_copy_file(const char *from, const char *to, mode_t mode, cdlt_error *err) {
  int in = open(from, O_RDONLY | O_CLOEXEC);
  if (in < 0) return errno_err(err, errno, "cannot open", from);
  char *dir = dir_of(to);
  if (!dir) {
    close(in);
    return nomem(err);
  }
  char *tmp = NULL;
  int out = -1;
  int rc = open_temp(dir, mode, &tmp, &out, err);
  free(dir);
  if (rc) {
    close(in);
    return cdlt_error_wrap(err, "cannot copy '%s' to '%s'", from, to);
  }
  char chunk[65536];
  for (;;) {
    ssize_t r = read(in, chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    int e = r < 0 ? errno : (r > 0 ? write_all(out, chunk, (size_t)r) : 0);
    if (e) {
      close(in);
      close(out);
      unlink(tmp);
      free(tmp);
      return cdlt_error_errno(err, e, "cannot copy '%s' to '%s'", from, to);
    }
    if (r == 0) break;
  }
  close(in);
  return finish_temp(out, tmp, to, "copy to", err);
}

void cdlt_fs_writeback(int fd, uint64_t *from, uint64_t to) {
  if (to < *from + CDLT_FS_WRITEBACK_BYTES) return;
#ifdef SYNC_FILE_RANGE_WRITE
  sync_file_range(fd, (off_t)*from, (off_t)(to - *from), SYNC_FILE_RANGE_WRITE);
#else
  (void)fd;
#endif
  *from = to;
}

int cdlt_fs_next_line_start(int fd, const char *path, uint64_t at, uint64_t size, uint64_t *out, cdlt_error *err) {
  *out = at >= size ? size : at;
  if (at == 0 || at >= size) return 0;
  char buf[1 << 16];
  uint64_t pos = at - 1;   /* a boundary right after a newline stays where it is */
  *out = size;
  for (;;) {
    ssize_t got = pread(fd, buf, sizeof buf, (off_t)pos);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return cdlt_error_errno(err, errno, "cannot read '%s'", path);
    if (got == 0) return 0;
    char *nl = memchr(buf, '\n', (size_t)got);
    if (nl) {
      *out = pos + (uint64_t)(nl - buf) + 1;
      return 0;
    }
    pos += (uint64_t)got;
  }
}
