/* faultpoint.c — see faultpoint.h. The environment is read at every call (points are reached a
 * few times per package, so this costs nothing measurable) so that a process embedding the library
 * can arm and disarm a point between runs, as the C API tests do. */
#include "util/faultpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char armed[160];   /* the point and CDLT_FAULT_HIT the hit counter belongs to */
static long hits;

/* Whether the armed point `name` fires now; *mode gets CDLT_FAULT_MODE ("" = kill). */
static bool fires(const char *name, const char **mode) {
  const char *want = getenv("CDLT_FAULT_POINT");
  if (!want || strcmp(want, name) != 0) return false;
  const char *h = getenv("CDLT_FAULT_HIT");
  long at = h && atol(h) > 0 ? atol(h) : 1;
  const char *m = getenv("CDLT_FAULT_MODE");
  *mode = m ? m : "";
  char key[sizeof armed];
  snprintf(key, sizeof key, "%s\x1f%s", name, h ? h : "");
  pthread_mutex_lock(&lock);
  if (strcmp(armed, key) != 0) {   /* a newly armed point, or a new CDLT_FAULT_HIT, counts from zero */
    memcpy(armed, key, sizeof armed);
    hits = 0;
  }
  long n = ++hits;
  pthread_mutex_unlock(&lock);
  return n == at;
}

/* pause mode: announce through a file, wait until the test removes it */
static void pause_here(void) {
  const char *f = getenv("CDLT_FAULT_PAUSE_FILE");
  if (!f) return;
  int fd = open(f, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd >= 0) close(fd);
  for (int k = 0; k < 12000 && access(f, F_OK) == 0; k++) usleep(10000);
}

static int errno_of(const char *mode) {
  const char *e = mode + strlen("errno:");
  if (!strcmp(e, "ENOSPC")) return ENOSPC;
  if (!strcmp(e, "EIO")) return EIO;
  if (!strcmp(e, "EDQUOT")) return EDQUOT;
  if (!strcmp(e, "EACCES")) return EACCES;
  return EIO;
}

int cdlt_fault_point(const char *name, cdlt_error *err) {
  const char *mode;
  if (!fires(name, &mode)) return 0;
  if (!strcmp(mode, "pause")) { pause_here(); return 0; }
  if (!strcmp(mode, "error")) return cdlt_error_set(err, CDLT_ERR_IO, "injected fault at '%s'", name);
  if (!strncmp(mode, "errno:", 6)) return cdlt_error_errno(err, errno_of(mode), "injected fault at '%s'", name);
  kill(getpid(), SIGKILL);
  _exit(137);   /* not reached */
}

int cdlt_fault_errno(const char *name) {
  const char *mode;
  if (!fires(name, &mode)) return 0;
  if (!strncmp(mode, "errno:", 6)) return errno_of(mode);
  if (!strcmp(mode, "error")) return EIO;
  if (!strcmp(mode, "pause")) { pause_here(); return 0; }
  kill(getpid(), SIGKILL);
  _exit(137);   /* not reached */
}
