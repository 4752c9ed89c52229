/* lock.c — the exclusive pipeline lock on <working_dir>/.lock (flock). */
#define _GNU_SOURCE
#include "pipeline/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "util/fs.h"

long cdlt_pipeline_lock_timeout_ms(void) {
  const char *v = getenv("CDLT_LOCK_TIMEOUT");
  if (!v || !*v) return 0;
  char *end;
  double s = strtod(v, &end);
  if (end == v || s < 0) return 0;
  return (long)(s * 1000.0);
}

static long holder_pid(int fd) {
  char buf[32] = {0};
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  return strtol(buf, NULL, 10);
}

int cdlt_pipeline_lock_acquire(cdlt_pipeline_lock *lock, const char *wd_path, const char *name, long timeout_ms,
                               cdlt_error *err) {
  lock->fd = -1;
  char *path = cdlt_path_join(wd_path, ".lock");
  if (!path) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    int rc = cdlt_error_errno(err, errno, "cannot open the pipeline lock '%s'", path);
    free(path);
    return rc;
  }
  free(path);
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) break;
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int rc = cdlt_error_errno(err, errno, "cannot lock pipeline '%s'", name);
      close(fd);
      return rc;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long waited = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (waited >= timeout_ms) {
      long pid = holder_pid(fd);
      close(fd);
      if (pid > 0)
        return cdlt_error_set(err, CDLT_ERR_BUSY, "pipeline '%s' is in use by another process (pid %ld)", name, pid);
      return cdlt_error_set(err, CDLT_ERR_BUSY, "pipeline '%s' is in use by another process", name);
    }
    struct timespec nap = {0, 50 * 1000000L};
    nanosleep(&nap, NULL);
  }
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
    int rc = cdlt_error_errno(err, errno, "cannot write the pipeline lock of '%s'", name);
    close(fd);
    return rc;
  }
  lock->fd = fd;
  return 0;
}

void cdlt_pipeline_lock_release(cdlt_pipeline_lock *lock) {
  if (!lock || lock->fd < 0) return;
  /* the pid is left in the file: harmless, the next holder overwrites it */
  flock(lock->fd, LOCK_UN);
  close(lock->fd);
  lock->fd = -1;
}
