/* faultpoint.c — see faultpoint.h. */
#include "util/faultpoint.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *armed_name;   /* NULL when no fault is armed */
static long armed_hit = 1;
static int error_mode;
static long hits;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void read_env(void) {
  const char *n = getenv("CDLT_FAULT_POINT");
  if (!n || !n[0]) return;
  armed_name = n;
  const char *h = getenv("CDLT_FAULT_HIT");
  if (h && atol(h) > 0) armed_hit = atol(h);
  const char *m = getenv("CDLT_FAULT_MODE");
  error_mode = m && strcmp(m, "error") == 0;
}

int cdlt_fault_point(const char *name, cdlt_error *err) {
  pthread_once(&once, read_env);
  if (!armed_name || strcmp(armed_name, name) != 0) return 0;
  pthread_mutex_lock(&lock);
  long n = ++hits;
  pthread_mutex_unlock(&lock);
  if (n != armed_hit) return 0;
  if (error_mode) return cdlt_error_set(err, CDLT_ERR_IO, "injected fault at '%s'", name);
  kill(getpid(), SIGKILL);
  _exit(137);   /* not reached */
}
