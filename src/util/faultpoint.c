/* faultpoint.c — see faultpoint.h. The environment is read at every call (points are reached a
 * few times per package, so this costs nothing measurable) so that a process embedding the library
 * can arm and disarm a point between runs, as the C API tests do. */
#include "util/faultpoint.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char armed[128];   /* the point the hit counter belongs to */
static long hits;

int cdlt_fault_point(const char *name, cdlt_error *err) {
  const char *want = getenv("CDLT_FAULT_POINT");
  if (!want || strcmp(want, name) != 0) return 0;
  const char *h = getenv("CDLT_FAULT_HIT");
  long at = h && atol(h) > 0 ? atol(h) : 1;
  const char *m = getenv("CDLT_FAULT_MODE");
  int error_mode = m && strcmp(m, "error") == 0;
  pthread_mutex_lock(&lock);
  if (strncmp(armed, name, sizeof armed) != 0) {   /* a newly armed point counts from zero */
    strncpy(armed, name, sizeof armed - 1);
    hits = 0;
  }
  long n = ++hits;
  pthread_mutex_unlock(&lock);
  if (n != at) return 0;
  if (error_mode) return cdlt_error_set(err, CDLT_ERR_IO, "injected fault at '%s'", name);
  kill(getpid(), SIGKILL);
  _exit(137);   /* not reached */
}
