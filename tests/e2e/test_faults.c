/* test_faults.c — fault injection through the real `cdlt` binary (docs/internals/BAD_INPUTS.md,
 * src/util/faultpoint.h): a full disk (ENOSPC) or an I/O error (EIO) on every write, fsync and
 * rename of the working dir and job files, at successive points of extract, normalize and load;
 * and a PostgreSQL server that goes away in the middle of a load. Each fault must give a clear
 * error and a non-zero exit; once the fault is gone, reruns finish and every row is loaded
 * exactly once. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "e2e.h"
#include "pg_server.h"

/* runs until a run exits 0 without "Pending" (all caught up); at most 4 runs */
static void catch_up(const env *e, const char *file, const char *args) {
  for (int k = 0; k < 4; k++) {
    char *out = NULL;
    int rc = cdlt(e, &out, "run '%s' %s", file, args);
    CHECK_MSG(rc == 0, "rerun after the fault failed: %s", out);
    bool pending = contains(out, "Pending load packages");
    free(out);
    if (rc || !pending) return;
  }
}

static void test_disk_faults(void) {
  static const char *const points[] = {"fs.write", "fs.fsync", "fs.rename", "job.fsync", NULL};
  static const char *const modes[] = {"errno:ENOSPC", "errno:EIO"};
  static const char *const texts[] = {"No space left on device", "Input/output error"};
  for (const char *const *pt = points; *pt; pt++) {
    env e;
    env_new(&e);
    char args[1024];
    /* the cursor is what makes a rerun of the same file idempotent: rows a committed package
     * loaded are behind it (dlt's incremental, §9) */
    snprintf(args, sizeof args, "--pipeline fl --table t --incremental id --primary-key id --credentials '%s'", e.db);
    int next_id = 0, fired = 0;
    for (int hit = 1; hit <= 8; hit++) {
      char data[256];
      snprintf(data, sizeof data, "{\"id\": %d, \"l\": [%d]}\n{\"id\": %d, \"l\": []}\n", next_id, next_id, next_id + 1);
      next_id += 2;
      const char *f = write_file(&e, "t.jsonl", data);
      int m = hit % 2;
      char hitbuf[8];
      snprintf(hitbuf, sizeof hitbuf, "%d", hit);
      setenv("CDLT_FAULT_POINT", *pt, 1);
      setenv("CDLT_FAULT_HIT", hitbuf, 1);
      setenv("CDLT_FAULT_MODE", modes[m], 1);
      char *out = NULL;
      int rc = cdlt(&e, &out, "run '%s' %s", f, args);
      unsetenv("CDLT_FAULT_POINT");
      unsetenv("CDLT_FAULT_HIT");
      unsetenv("CDLT_FAULT_MODE");
      if (rc != 0) {
        fired++;
        CHECK_MSG(rc == 1 && contains(out, texts[m]) && contains(out, "injected") == 0,
                  "%s hit %d: exit %d, output: %s", *pt, hit, rc, out);
      }
      free(out);
      /* fault gone: the pending work is finished and the file is loaded (once) */
      catch_up(&e, f, args);
      char want[64];
      snprintf(want, sizeof want, "%d|%d", next_id, next_id);
      CHECK_Q(e.db, "SELECT count(*), count(DISTINCT id) FROM fl_dataset.t", want);
      snprintf(want, sizeof want, "%d", next_id / 2);
      CHECK_Q(e.db, "SELECT count(*) FROM fl_dataset.t__l", want);
    }
    CHECK_MSG(fired >= 2, "fault point %s fired only %d time(s)", *pt, fired);
  }
}

/* `cdlt run` in the background, stdout+stderr into out_path; returns the pid */
static pid_t spawn(const env *e, const char *out_path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static pid_t spawn(const env *e, const char *out_path, const char *fmt, ...) {
  char args[2048], cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "cd '%s' && DLT_DATA_DIR='%s' exec '%s' %s > '%s' 2>&1", e->dir, e->data, check_cdlt_bin(),
           args, out_path);
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  return pid;
}

static void test_postgres_goes_away(void) {
  pg_server *pg = NULL;
  char why[512];
  if (pg_server_start(&pg, why, sizeof why)) {
    CHECK_MSG(0, "cannot start the PostgreSQL test server: %s", why);
    return;
  }
  env e;
  env_new(&e);
  char args[1024];
  snprintf(args, sizeof args, "--pipeline pgf --table t --incremental id --destination postgres --credentials '%s'",
           pg_server_url(pg));
  const char *f1 = write_file(&e, "t.jsonl", "{\"id\": 1}\n{\"id\": 2}\n");
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' %s", f1, args), 0);
  free(out);

  /* the second run stops before its first COPY; the server is stopped under it */
  const char *f2 = write_file(&e, "t2.jsonl", "{\"id\": 3, \"l\": [1, 2]}\n{\"id\": 4}\n");
  char pause_file[700], out_path[700];
  snprintf(pause_file, sizeof pause_file, "%s/paused", e.dir);
  snprintf(out_path, sizeof out_path, "%s/run2.out", e.dir);
  setenv("CDLT_FAULT_POINT", "load.before_job", 1);
  setenv("CDLT_FAULT_MODE", "pause", 1);
  setenv("CDLT_FAULT_PAUSE_FILE", pause_file, 1);
  pid_t pid = spawn(&e, out_path, "run '%s' %s", f2, args);
  unsetenv("CDLT_FAULT_POINT");
  unsetenv("CDLT_FAULT_MODE");
  unsetenv("CDLT_FAULT_PAUSE_FILE");
  int waited = 0;
  while (access(pause_file, F_OK) != 0 && waited++ < 3000) usleep(10000);
  CHECK_MSG(access(pause_file, F_OK) == 0, "%s", "cdlt never reached the load");
  CHECK_EQ_INT(pg_server_stop(pg), 0);
  unlink(pause_file);
  int status = 0;
  waitpid(pid, &status, 0);
  char *o2 = check_read_file(out_path, NULL);
  CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 1, "run against a stopped server: status %d: %s", status, o2);
  CHECK_MSG(o2 && contains(o2, "cdlt run:") && !contains(o2, PG_SERVER_PASSWORD), "output: %s", o2);
  free(o2);

  /* server back: the pending package is loaded, then the file is not loaded again */
  CHECK_EQ_INT(pg_server_restart(pg, why, sizeof why), 0);
  catch_up(&e, f2, args);
  CHECK_EQ_INT(cdlt(&e, &out, "sql pgf \"SELECT count(*), count(DISTINCT id) FROM t\" --format csv --credentials '%s'",
                    pg_server_url(pg)), 0);
  CHECK_MSG(contains(out, "4,4"), "rows after the restart: %s", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "sql pgf \"SELECT count(*) FROM t__l\" --format csv --credentials '%s'", pg_server_url(pg)), 0);
  CHECK_MSG(contains(out, "\n2"), "child rows after the restart: %s", out);
  free(out);
  pg_server_destroy(pg);
}

int main(void) {
  test_disk_faults();
  test_postgres_goes_away();
  return check_finish();
}
