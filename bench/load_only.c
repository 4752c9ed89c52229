/* load_only.c — bench/profiling helper (never part of the library): runs only the DuckDB
 * destination's bulk load of already-normalized job files, as the load stage does (one
 * transaction: CREATE SCHEMA, CREATE TABLE, load_file per job, COMMIT, close = checkpoint).
 * Usage: load_only DB_FILE SCHEMA_JSON TABLE=JOB_FILE... (a table may be named again); prints seconds per step to stderr.
 * LOAD_ONLY_SQL: SQL run right after open (settings to try). LOAD_ONLY_MEM=1: after each step, RSS
 * (anon / file-backed), DuckDB's duckdb_memory() and — with LOAD_ONLY_DUCKDB_LIB=<libduckdb.so>
 * — its jemalloc's stats; LOAD_ONLY_MEM=2 also copies /proc/self/smaps to /tmp/load_only.smaps.
 * LOAD_ONLY_DECAY=<ms> (with LOAD_ONLY_DUCKDB_LIB): jemalloc page decay of every arena. */
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* LOAD_ONLY_MEM set: RSS and DuckDB's own accounting (duckdb_memory()) after each step */
static void mem_report(const cdlt_destination_vtab *vt, cdlt_destination *d, const char *when) {
  if (!getenv("LOAD_ONLY_MEM")) return;
  long rss = 0, anon = 0, file = 0;
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6)) rss = atol(line + 6);
    else if (!strncmp(line, "RssAnon:", 8)) anon = atol(line + 8);
    else if (!strncmp(line, "RssFile:", 8)) file = atol(line + 8);
  if (f) fclose(f);
  struct mallinfo2 mi = mallinfo2();   /* glibc's heap: in use / free (not DuckDB's jemalloc) */
  fprintf(stderr, "[%s] rss %ld KB (anon %ld, file %ld); malloc used %zu KB free %zu KB;", when, rss, anon, file,
          mi.uordblks / 1024, mi.fordblks / 1024);
  cdlt_rows r;
  cdlt_error err = {0};
  if (vt->query(d, "SELECT tag, memory_usage_bytes // 1024 FROM duckdb_memory() WHERE memory_usage_bytes > 0", &r, &err) == 0) {
    for (size_t i = 0; i < r.nrows; i++) fprintf(stderr, " %s=%s KB", cdlt_rows_get(&r, i, 0), cdlt_rows_get(&r, i, 1));
    cdlt_rows_free(&r);
  }
  /* jemalloc inside libduckdb: allocated / active / resident / retained (LOAD_ONLY_DUCKDB_LIB = its path) */
  const char *lib = getenv("LOAD_ONLY_DUCKDB_LIB");
  void *h = lib ? dlopen(lib, RTLD_NOW | RTLD_NOLOAD) : NULL;
  int (*ctl)(const char *, void *, size_t *, void *, size_t) = h ? (int (*)(const char *, void *, size_t *, void *, size_t))dlsym(h, "duckdb_je_mallctl") : NULL;
  if (ctl) {
    uint64_t epoch = 1;
    size_t sz = sizeof epoch;
    ctl("epoch", &epoch, &sz, &epoch, sz);
    const char *names[] = {"stats.allocated", "stats.active", "stats.resident", "stats.retained", "stats.mapped"};
    for (size_t k = 0; k < 5; k++) {
      size_t v = 0, vs = sizeof v;
      if (ctl(names[k], &v, &vs, NULL, 0) == 0) fprintf(stderr, " je.%s=%zu KB", names[k] + 6, v / 1024);
    }
  }
  if (h) dlclose(h);
  fprintf(stderr, "\n");
  if (!strcmp(getenv("LOAD_ONLY_MEM"), "2")) {   /* the mappings holding > 1 MB */
    char cmd[64];
    snprintf(cmd, sizeof cmd, "cp /proc/%d/smaps /tmp/load_only.smaps", (int)getpid());
    if (system(cmd)) fprintf(stderr, "cannot copy smaps\n");
  }
}

static int fail(const cdlt_error *err) {
  fprintf(stderr, "load_only: %s\n", err->msg);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: load_only DB_FILE SCHEMA_JSON TABLE=JOB_FILE...\n");
    return 2;
  }
  cdlt_error err = {0};
  cdlt_schema *schema = NULL;
  if (cdlt_schema_load_file(argv[2], &schema, &err)) return fail(&err);
  const cdlt_destination_vtab *vt = cdlt_destination_find("duckdb");
  cdlt_destination_config cfg = {.credentials = argv[1], .pipeline_name = "bench", .working_dir = "."};
  cdlt_destination *d = NULL;
  double t0 = now();
  if (cdlt_destination_open(vt, &cfg, &d, &err)) return fail(&err);
  const char *extra = getenv("LOAD_ONLY_SQL");   /* settings to try, e.g. "SET threads=1" */
  if (extra && *extra && vt->execute(d, extra, &err)) return fail(&err);
  const char *decay = getenv("LOAD_ONLY_DECAY");   /* jemalloc dirty/muzzy decay (ms) of all arenas */
  void *h = decay && getenv("LOAD_ONLY_DUCKDB_LIB") ? dlopen(getenv("LOAD_ONLY_DUCKDB_LIB"), RTLD_NOW | RTLD_NOLOAD) : NULL;
  int (*ctl)(const char *, void *, size_t *, void *, size_t) = h ? (int (*)(const char *, void *, size_t *, void *, size_t))dlsym(h, "duckdb_je_mallctl") : NULL;
  if (ctl) {
    ssize_t ms = atol(decay);
    unsigned na = 0;
    size_t nsz = sizeof na;
    ctl("arenas.narenas", &na, &nsz, NULL, 0);
    int r1 = 0, r2 = 0;
    for (unsigned a = 0; a < na; a++) {
      char nm[64];
      snprintf(nm, sizeof nm, "arena.%u.dirty_decay_ms", a);
      r1 |= ctl(nm, NULL, NULL, &ms, sizeof ms);
      snprintf(nm, sizeof nm, "arena.%u.muzzy_decay_ms", a);
      r2 |= ctl(nm, NULL, NULL, &ms, sizeof ms);
    }
    fprintf(stderr, "%u arenas\n", na);
    int r3 = ctl("arenas.dirty_decay_ms", NULL, NULL, &ms, sizeof ms);
    int r4 = ctl("arenas.muzzy_decay_ms", NULL, NULL, &ms, sizeof ms);
    fprintf(stderr, "decay %zd ms: %d %d %d %d\n", ms, r1, r2, r3, r4);
  }
  if (vt->begin(d, &err) || vt->execute(d, "CREATE SCHEMA IF NOT EXISTS bench", &err)) return fail(&err);
  double t1 = now();
  for (int i = 3; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) return 2;
    *eq = 0;
    cdlt_table *t = cdlt_schema_table(schema, argv[i]);
    if (!t) {
      fprintf(stderr, "load_only: no table '%s' in the schema\n", argv[i]);
      return 1;
    }
    cdlt_table_def def;
    if (cdlt_schema_table_def(schema, t, &def)) return 1;
    bool created = false;   /* a table named again (TABLE=JOB_FILE repeated) is created once */
    for (int j = 3; j < i; j++) created |= !strcmp(argv[j], argv[i]);
    cdlt_buf sql;
    cdlt_buf_init(&sql);
    if (!created && (cdlt_sql_create_table(&sql, vt->dialect, "bench", &def, &err) || vt->execute(d, sql.data, &err)))
      return fail(&err);
    cdlt_buf_release(&sql);
    double a = now();
    if (vt->load_file(d, "bench", &def, eq + 1, CDLT_FORMAT_JSONL, &err)) return fail(&err);
    fprintf(stderr, "load %s: %.3f s\n", argv[i], now() - a);
    mem_report(vt, d, argv[i]);
    cdlt_table_def_release(&def);
  }
  double t2 = now();
  if (vt->commit(d, &err)) return fail(&err);
  double t3 = now();
  mem_report(vt, d, "commit");
  cdlt_destination_close(d);
  double t4 = now();
  fprintf(stderr, "open %.3f s, loads %.3f s, commit %.3f s, close %.3f s, total %.3f s\n", t1 - t0, t2 - t1,
          t3 - t2, t4 - t3, t4 - t0);
  cdlt_schema_free(schema);
  return 0;
}
