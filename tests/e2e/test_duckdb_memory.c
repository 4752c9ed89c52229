/* test_duckdb_memory.c — the DuckDB destination's bulk load runs in memory bounded by its
 * settings, not by the input: loading 4x the rows (one transaction, as the load stage does)
 * raises the peak RSS of the loading process by less than 8 MB. Each load runs in a child process
 * (real DuckDB file, real job file) whose peak RSS is read with wait4(). Before the loader flushed
 * at 2048-row boundaries DuckDB kept version info for every flush until the commit: +9.8 MB here
 * for the larger load. */
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "destinations/destination.h"
#include "load/sql_gen.h"

static cdlt_column_def cols[] = {
    {.name = "id", .type = CDLT_TYPE_BIGINT, .nullable = false, .precision = -1, .scale = -1, .timezone = true},
    {.name = "name", .type = CDLT_TYPE_TEXT, .nullable = true, .precision = -1, .scale = -1, .timezone = true},
    {.name = "score", .type = CDLT_TYPE_DOUBLE, .nullable = true, .precision = -1, .scale = -1, .timezone = true},
    {.name = "ts", .type = CDLT_TYPE_TIMESTAMP, .nullable = true, .precision = -1, .scale = -1, .timezone = true},
};
static cdlt_table_def table = {"items", cols, 4};

static void write_job(const char *path, long n) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  for (long i = 0; i < n; i++)
    fprintf(f, "{\"id\":%ld,\"name\":\"item %ld\",\"score\":%ld.5,\"ts\":\"2024-03-01T00:%02ld:%02ld+00:00\"}\n", i,
            i % 1000, i % 97, i / 60 % 60, i % 60);
  fclose(f);
}

/* Child: opens db, loads job into ds.items in one transaction, closes. Exit 0 on success. */
static int load_in_child(const char *db, const char *job) {
  cdlt_error err = {0};
  cdlt_destination *d = NULL;
  const cdlt_destination_vtab *vt = cdlt_destination_find("duckdb");
  cdlt_destination_config cfg = {.credentials = db, .pipeline_name = "memory_test"};
  if (cdlt_destination_open(vt, &cfg, &d, &err)) goto fail;
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  if (cdlt_sql_create_schema(&sql, vt->dialect, "ds", &err) || cdlt_buf_puts(&sql, ";\n") ||
      cdlt_sql_create_table(&sql, vt->dialect, "ds", &table, &err) || vt->execute(d, sql.data, &err) ||
      vt->begin(d, &err) || vt->load_file(d, "ds", &table, job, CDLT_FORMAT_JSONL, &err) || vt->commit(d, &err))
    goto fail;
  cdlt_buf_release(&sql);
  cdlt_destination_close(d);
  return 0;
fail:
  fprintf(stderr, "child: %s\n", err.msg);
  return 1;
}

/* peak RSS (KB) of a child loading n rows; -1 on failure */
static long peak_rss_of_load(long n) {
  const char *dir = check_tmpdir();
  char db[4096], job[4096];
  snprintf(db, sizeof db, "%s/mem.duckdb", dir);
  snprintf(job, sizeof job, "%s/items.jsonl", dir);
  write_job(job, n);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) _exit(load_in_child(db, job));
  int status = 0;
  struct rusage ru;
  if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) return -1;
  CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "load of %ld rows failed (status %d)", n, status);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;

  /* every row is there */
  cdlt_error err = {0};
  cdlt_destination *d = NULL;
  cdlt_destination_config cfg = {.credentials = db, .pipeline_name = "memory_test"};
  CHECK_OK(cdlt_destination_open(cdlt_destination_find("duckdb"), &cfg, &d, &err), &err);
  if (d) {
    cdlt_rows rows;
    CHECK_OK(d->vtab->query(d, "SELECT count(*), sum(id), count(DISTINCT ts) FROM ds.items", &rows, &err), &err);
    char want[128];
    snprintf(want, sizeof want, "%ld %ld %ld", n, n * (n - 1) / 2, n < 3600 ? n : 3600);
    char got[128];
    snprintf(got, sizeof got, "%s %s %s", cdlt_rows_get(&rows, 0, 0), cdlt_rows_get(&rows, 0, 1),
             cdlt_rows_get(&rows, 0, 2));
    CHECK_EQ_STR(got, want);
    cdlt_rows_free(&rows);
    cdlt_destination_close(d);
  }
  unlink(job);
  return ru.ru_maxrss;
}

int main(void) {
  long small = peak_rss_of_load(300000);    /* ~27 MB of job file */
  long large = peak_rss_of_load(1200000);   /* ~110 MB */
  CHECK(small > 0 && large > 0);
#if defined(__SANITIZE_ADDRESS__)
  /* AddressSanitizer's quarantine keeps freed memory (up to 256 MB): RSS says nothing here */
  printf("AddressSanitizer build: peak RSS not compared\n");
#else
  CHECK_MSG(large - small < 8192, "peak RSS %ld KB for 300k rows, %ld KB for 1.2M rows: grows with the input",
            small, large);
#endif
  printf("peak RSS: %ld KB (300k rows), %ld KB (1.2M rows)\n", small, large);
  return check_finish();
}
