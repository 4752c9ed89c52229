/* test_lock.c — the pipeline lock with two real `cdlt` processes: the first one blocks reading
 * its standard input (a FIFO) while it holds the lock; a second run of the same pipeline fails at
 * once with a clear message naming the holder, or waits with CDLT_LOCK_TIMEOUT; another pipeline
 * is not affected; a killed holder leaves no stale lock. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "e2e.h"

typedef struct holder {
  pid_t pid;
  int fifo_w;
  char out[700];
} holder;

/* starts `cdlt run - --table t --pipeline NAME` reading from a FIFO we keep open, and waits until
 * it holds the lock (its pid is in <working dir>/.lock) */
static void start_holder(const env *e, const char *pipeline, holder *h) {
  char fifo[700];
  snprintf(fifo, sizeof fifo, "%s/in.fifo", e->dir);
  snprintf(h->out, sizeof h->out, "%s/holder.out", e->dir);
  unlink(fifo);
  CHECK(mkfifo(fifo, 0600) == 0);
  h->fifo_w = open(fifo, O_RDWR | O_CLOEXEC);   /* a writer exists, so the reader's open does not block */
  CHECK(h->fifo_w >= 0);
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "cd '%s' && DLT_DATA_DIR='%s' exec '%s' run - --table t --pipeline %s --credentials '%s' <'%s' >'%s' 2>&1",
           e->dir, e->data, check_cdlt_bin(), pipeline, e->db, fifo, h->out);
  h->pid = fork();
  if (h->pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  char lock[800], want[32];
  snprintf(lock, sizeof lock, "%s/pipelines/%s/.lock", e->data, pipeline);
  snprintf(want, sizeof want, "%ld\n", (long)h->pid);
  for (int k = 0; k < 400; k++) {
    char *c = check_read_file(lock, NULL);
    bool held = c && !strcmp(c, want);
    free(c);
    if (held) return;
    struct timespec nap = {0, 25 * 1000000L};
    nanosleep(&nap, NULL);
  }
  CHECK_MSG(false, "the holder did not take the lock");
}

/* feeds the holder its data and waits for it; returns its exit status */
static int finish_holder(holder *h, const char *data) {
  if (data) CHECK(write(h->fifo_w, data, strlen(data)) == (ssize_t)strlen(data));
  close(h->fifo_w);
  int status = 0;
  waitpid(h->pid, &status, 0);
  char *out = check_read_file(h->out, NULL);
  CHECK_MSG(!contains(out, "Sanitizer") && !contains(out, "runtime error"), "holder output: %s", out);
  free(out);
  return status;
}

static void test_second_process_fails_fast(void) {
  env e;
  env_new(&e);
  holder h;
  start_holder(&e, "lk", &h);
  const char *f = write_file(&e, "x.jsonl", "{\"id\": 10}\n");
  char *out = NULL;
  int rc = cdlt(&e, &out, "run '%s' --table t --pipeline lk --credentials '%s'", f, e.db);
  CHECK_EQ_INT(rc, 1);
  char msg[256];
  snprintf(msg, sizeof msg, "cdlt run: pipeline 'lk' is in use by another process (pid %ld)\n", (long)h.pid);
  CHECK_EQ_STR(out, msg);
  free(out);
  /* another pipeline in the same data dir is free */
  cdlt_ok(&e, "run '%s' --table t --pipeline other --credentials '%s'", f, e.db);

  int status = finish_holder(&h, "{\"id\": 1}\n{\"id\": 2}\n");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK_Q(e.db, "SELECT id FROM lk_dataset.t ORDER BY id", "1\n2");
  /* the lock is free again */
  cdlt_ok(&e, "run '%s' --table t --pipeline lk --credentials '%s'", f, e.db);
  CHECK_Q(e.db, "SELECT id FROM lk_dataset.t ORDER BY id", "1\n2\n10");
}

static void test_wait_with_timeout(void) {
  env e;
  env_new(&e);
  holder h;
  start_holder(&e, "lw", &h);
  const char *f = write_file(&e, "x.jsonl", "{\"id\": 10}\n");
  /* the second run waits up to 20 s; the holder finishes after ~0.5 s */
  char cmd[4096], outp[800];
  snprintf(outp, sizeof outp, "%s/waiter.out", e.dir);
  snprintf(cmd, sizeof cmd, "cd '%s' && CDLT_LOCK_TIMEOUT=20 DLT_DATA_DIR='%s' exec '%s' run '%s' --table t --pipeline lw --credentials '%s' >'%s' 2>&1",
           e.dir, e.data, check_cdlt_bin(), f, e.db, outp);
  pid_t w = fork();
  if (w == 0) {
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  struct timespec nap = {0, 500 * 1000000L};
  nanosleep(&nap, NULL);
  int st = 0;
  CHECK_EQ_INT(waitpid(w, &st, WNOHANG), 0);   /* still waiting for the lock */
  CHECK(WIFEXITED(finish_holder(&h, "{\"id\": 1}\n")));
  waitpid(w, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK_Q(e.db, "SELECT id FROM lw_dataset.t ORDER BY id", "1\n10");
}

static void test_killed_holder_leaves_no_lock(void) {
  env e;
  env_new(&e);
  holder h;
  start_holder(&e, "lkill", &h);
  kill(h.pid, SIGKILL);
  int status = 0;
  waitpid(h.pid, &status, 0);
  close(h.fifo_w);
  CHECK(WIFSIGNALED(status));
  const char *f = write_file(&e, "x.jsonl", "{\"id\": 7}\n");
  cdlt_ok(&e, "run '%s' --table t --pipeline lkill --credentials '%s'", f, e.db);
  CHECK_Q(e.db, "SELECT id FROM lkill_dataset.t", "7");
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  test_second_process_fails_fast();
  test_wait_with_timeout();
  test_killed_holder_leaves_no_lock();
  return check_finish();
}
