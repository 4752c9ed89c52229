/* pg_load_only.c — bench/profiling helper (never part of the library): runs only the PostgreSQL
 * destination's bulk load of already-normalized job files, as the load stage does (one
 * transaction: CREATE SCHEMA, CREATE TABLE, load_file per job, COMMIT).
 * Usage: pg_load_only CREDENTIALS DATASET SCHEMA_JSON TABLE=JOB_FILE...
 * Prints to stderr, per job and in total, wall seconds, this process's CPU (user+sys, getrusage)
 * and the server backend's CPU (utime+stime from /proc/<pg_backend_pid()>/stat: only when the
 * server runs on this machine and /proc of its processes is readable, else "n/a").
 * PG_LOAD_ONLY_SQL: SQL run right after open (settings to try). The dataset schema is dropped
 * first (CASCADE) when it exists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "destinations/destination.h"
#include "load/sql_gen.h"
#include "schema/schema.h"
#include "util/buf.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double self_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

/* utime+stime of process pid in seconds, or -1 */
static double proc_cpu(long pid) {
  char path[64], line[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(line, 1, sizeof line - 1, f);
  fclose(f);
  line[n] = 0;
  char *p = strrchr(line, ')'); /* the command name may hold spaces */
  if (!p) return -1;
  unsigned long ut = 0, st = 0;
  /* fields after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return -1;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int fail(const cdlt_error *err) {
  fprintf(stderr, "pg_load_only: %s\n", err->msg);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: pg_load_only CREDENTIALS DATASET SCHEMA_JSON TABLE=JOB_FILE...\n");
    return 2;
  }
  const char *ds = argv[2];
  cdlt_error err = {0};
  cdlt_schema *schema = NULL;
  if (cdlt_schema_load_file(argv[3], &schema, &err)) return fail(&err);
  const cdlt_destination_vtab *vt = cdlt_destination_find("postgres");
  cdlt_destination_config cfg = {.credentials = argv[1], .pipeline_name = "bench", .working_dir = "."};
  cdlt_destination *d = NULL;
  double t0 = now();
  if (cdlt_destination_open(vt, &cfg, &d, &err)) return fail(&err);
  const char *extra = getenv("PG_LOAD_ONLY_SQL");
  if (extra && *extra && vt->execute(d, extra, &err)) return fail(&err);
  long backend = -1;
  cdlt_rows rows;
  if (!vt->query(d, "SELECT pg_backend_pid()", &rows, &err)) {
    if (rows.nrows == 1 && rows.cells[0]) backend = atol(rows.cells[0]);
    cdlt_rows_free(&rows);
  }
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  cdlt_buf_printf(&sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE", ds);
  if (vt->execute(d, sql.data, &err)) return fail(&err);
  cdlt_buf_reset(&sql);
  cdlt_buf_printf(&sql, "CREATE SCHEMA \"%s\"", ds);
  if (vt->begin(d, &err) || vt->execute(d, sql.data, &err)) return fail(&err);
  double t1 = now(), c1 = self_cpu(), s1 = proc_cpu(backend);
  for (int i = 4; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) return 2;
    *eq = 0;
    cdlt_table *t = cdlt_schema_table(schema, argv[i]);
    if (!t) {
      fprintf(stderr, "pg_load_only: no table '%s' in the schema\n", argv[i]);
      return 1;
    }
    cdlt_table_def def;
    if (cdlt_schema_table_def(schema, t, &def)) return 1;
    cdlt_buf_reset(&sql);
    if (cdlt_sql_create_table(&sql, vt->dialect, ds, &def, &err) || vt->execute(d, sql.data, &err)) return fail(&err);
    double a = now(), ca = self_cpu(), sa = proc_cpu(backend);
    if (vt->load_file(d, ds, &def, eq + 1, CDLT_FORMAT_JSONL, &err)) return fail(&err);
    double sb = proc_cpu(backend);
    fprintf(stderr, "load %s: %.3f s wall, client cpu %.3f s, server cpu ", argv[i], now() - a, self_cpu() - ca);
    if (sa >= 0 && sb >= 0) fprintf(stderr, "%.3f s\n", sb - sa);
    else fprintf(stderr, "n/a\n");
    cdlt_table_def_release(&def);
  }
  double t2 = now(), c2 = self_cpu(), s2 = proc_cpu(backend);
  if (vt->commit(d, &err)) return fail(&err);
  double t3 = now();
  cdlt_destination_close(d);
  fprintf(stderr, "loads %.3f s wall, client cpu %.3f s, server cpu ", t2 - t1, c2 - c1);
  if (s1 >= 0 && s2 >= 0) fprintf(stderr, "%.3f s", s2 - s1);
  else fprintf(stderr, "n/a");
  fprintf(stderr, "; commit %.3f s, total %.3f s\n", t3 - t2, now() - t0);
  cdlt_buf_release(&sql);
  cdlt_schema_free(schema);
  return 0;
}
