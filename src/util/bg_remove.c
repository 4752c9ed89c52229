/* bg_remove.c — removing a folder tree on a background thread (see bg_remove.h). */
#include "util/bg_remove.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util/faultpoint.h"
#include "util/fs.h"

struct cdlt_bg_remove {
  char *path;           /* owned */
  pthread_t thread;
  bool started;         /* false: removed synchronously, rc and err already set */
  int rc;
  cdlt_error err;
};

static void remove_now(cdlt_bg_remove *r) {
  r->rc = cdlt_fault_point("removal.before", &r->err);
  if (!r->rc) r->rc = cdlt_fs_rm_rf(r->path, &r->err);
}

static void *remove_thread(void *arg) {
  remove_now(arg);
  return NULL;
}

cdlt_bg_remove *cdlt_bg_remove_start(char *path) {
  cdlt_bg_remove *r = calloc(1, sizeof *r);
  if (!r) {
    cdlt_error ignored = {0};
    cdlt_fs_rm_rf(path, &ignored);
    free(path);
    return NULL;
  }
  r->path = path;
  r->started = pthread_create(&r->thread, NULL, remove_thread, r) == 0;
  if (!r->started) remove_now(r);
  return r;
}

int cdlt_bg_remove_wait(cdlt_bg_remove *r, cdlt_error *err) {
  if (!r) return 0;
  if (r->started) pthread_join(r->thread, NULL);
  int rc = r->rc;
  if (rc && err) *err = r->err;
  free(r->path);
  free(r);
  return rc;
}
