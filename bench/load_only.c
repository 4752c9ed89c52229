/* load_only.c — bench/profiling helper (never part of the library): runs only the DuckDB
 * destination's bulk load of already-normalized job files, as the load stage does (one
 * transaction: CREATE SCHEMA, CREATE TABLE, load_file per job, COMMIT, close = checkpoint).
 * Usage: load_only DB_FILE SCHEMA_JSON TABLE=JOB_FILE... ; prints seconds per step to stderr.
 * LOAD_ONLY_SQL: SQL run right after open (settings to try). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "destinations/destination.h"
#include "load/sql_gen.h"
#include "schema/schema.h"
#include "util/buf.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
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
    cdlt_buf sql;
    cdlt_buf_init(&sql);
    if (cdlt_sql_create_table(&sql, vt->dialect, "bench", &def, &err) || vt->execute(d, sql.data, &err))
      return fail(&err);
    cdlt_buf_release(&sql);
    double a = now();
    if (vt->load_file(d, "bench", &def, eq + 1, CDLT_FORMAT_JSONL, &err)) return fail(&err);
    fprintf(stderr, "load %s: %.3f s\n", argv[i], now() - a);
    cdlt_table_def_release(&def);
  }
  double t2 = now();
  if (vt->commit(d, &err)) return fail(&err);
  double t3 = now();
  cdlt_destination_close(d);
  double t4 = now();
  fprintf(stderr, "open %.3f s, loads %.3f s, commit %.3f s, close %.3f s, total %.3f s\n", t1 - t0, t2 - t1,
          t3 - t2, t4 - t3, t4 - t0);
  cdlt_schema_free(schema);
  return 0;
}
