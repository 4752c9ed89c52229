/* test_lazy_libraries.c — libduckdb, libpq and libsnappy are loaded only when a run needs them
 * (src/destinations/duckdb_lazy.c, pq_lazy.c, src/formats/snappy_lazy.c): `cdlt --version` and a
 * run into SQLite load none of them, a run into DuckDB loads libduckdb but not libpq, a run writing
 * Parquet files loads libsnappy. Checked with the dynamic loader's own trace (LD_DEBUG=libs lists
 * every library it opens). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "e2e.h"

/* the loader trace of a cdlt command: did it look for or open a library named `lib`? (the trace
 * has "find library=<name>" for linked libraries and "file=<path>" for each one it opens) */
static bool opened(const char *trace, const char *lib) { return strstr(trace, lib) != NULL; }

int main(void) {
  env e;
  env_new(&e);
  char *out = NULL;

  CHECK_EQ_INT(cdlt_env(&e, "LD_DEBUG=libs", &out, "--version"), 0);
  CHECK_MSG(contains(out, "library=libc.so.6"), "no loader trace: %s", out);   /* the trace works */
  /* (libstdc++, which libsnappy brings, is not checked: the sanitizer runtime loads it too) */
  CHECK_MSG(!opened(out, "libpq.so") && !opened(out, "libduckdb.so") && !opened(out, "libsnappy.so"),
            "--version loaded: %s", out);
  free(out);

  const char *f = write_file(&e, "t.jsonl", "{\"id\": 1}\n{\"id\": 2}\n");
  char lite[4200];
  snprintf(lite, sizeof lite, "%s/t.sqlite", e.dir);
  CHECK_EQ_INT(cdlt_env(&e, "LD_DEBUG=libs", &out, "run '%s' --pipeline lite --destination sqlite --credentials '%s'", f, lite), 0);
  CHECK_MSG(contains(out, "1 load package(s) were loaded") && !opened(out, "libpq.so") && !opened(out, "libduckdb.so") &&
                !opened(out, "libsnappy.so"),
            "sqlite run: %s", out);
  free(out);

  CHECK_EQ_INT(cdlt_env(&e, "LD_DEBUG=libs", &out, "run '%s' --pipeline duck --credentials '%s'", f, e.db), 0);
  CHECK_MSG(contains(out, "1 load package(s) were loaded") && opened(out, "libduckdb.so") && !opened(out, "libpq.so"),
            "duckdb run: %s", out);
  free(out);
  CHECK_Q(e.db, "SELECT sum(id) FROM duck_dataset.t", "3");

  /* parquet files of the filesystem destination come from cdlt's own writer (src/formats): a first
   * run loads no libduckdb (a later run's state restore queries the bucket through DuckDB views) */
  CHECK_EQ_INT(cdlt_env(&e, "LD_DEBUG=libs NORMALIZE__LOADER_FILE_FORMAT=parquet", &out,
                        "run '%s' --pipeline pqt --destination filesystem --credentials '%s'", f, e.bucket), 0);
  CHECK_MSG(contains(out, "1 load package(s) were loaded") && !opened(out, "libduckdb.so") && !opened(out, "libpq.so") &&
                opened(out, "libsnappy.so"),
            "filesystem parquet run: %s", out);

  free(out);

  return check_finish();
}
