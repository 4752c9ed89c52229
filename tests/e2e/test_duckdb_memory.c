/* test_duckdb_memory.c — the DuckDB destination's bulk load runs in memory bounded by its
 * settings, not by the input: loading 4x the rows (one transaction, as the load stage does)
 * raises the peak RSS of the loading process by less than 8 MB. Each load runs in a child process
 * (real DuckDB file, real job file) whose peak RSS is read with wait4(). Before the loader flushed
 * at 2048-row boundaries DuckDB kept version info for every flush until the commit: +9.8 MB here
 * for the larger load. The same rows in 12 job files (as parallel normalize writes several jobs per
 * table) hold no more heap until the commit than in one: before each job after the first started
 * on a vector boundary, DuckDB kept 8 bytes of version info per row (+9 MB here). */
#include <malloc.h>
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
static cdlt_table_def table = {"items", cols, 4, false};

/* rows with ids [from, to) */
static void write_job(const char *path, long from, long to) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  for (long i = from; i < to; i++)
    fprintf(f, "{\"id\":%ld,\"name\":\"item %ld\",\"score\":%ld.5,\"ts\":\"2024-03-01T00:%02ld:%02ld+00:00\"}\n", i,
            i % 1000, i % 97, i / 60 % 60, i % 60);
  fclose(f);
}

/* Child: opens db, loads the jobs into ds.items in one transaction, writes the heap in use by then
 * (glibc's, where DuckDB's C++ objects live) to heap_out, commits, closes. Exit 0 on success. */
static int load_in_child(const char *db, char jobs[][4096], int njobs, const char *heap_out) {
  cdlt_error err = {0};
  cdlt_destination *d = NULL;
  const cdlt_destination_vtab *vt = cdlt_destination_find("duckdb");
  cdlt_destination_config cfg = {.credentials = db, .pipeline_name = "memory_test"};
  if (cdlt_destination_open(vt, &cfg, &d, &err)) goto fail;
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  if (cdlt_sql_create_schema(&sql, vt->dialect, "ds", &err) || cdlt_buf_puts(&sql, ";\n") ||
      cdlt_sql_create_table(&sql, vt->dialect, "ds", &table, &err) || vt->execute(d, sql.data, &err) ||
      vt->begin(d, &err))
    goto fail;
  for (int k = 0; k < njobs; k++)
    if (vt->load_file(d, "ds", &table, jobs[k], CDLT_FORMAT_JSONL, &err)) goto fail;
  FILE *f = fopen(heap_out, "w");
  if (!f) return 1;
  fprintf(f, "%zu\n", mallinfo2().uordblks);
  fclose(f);
  if (vt->commit(d, &err)) goto fail;
  cdlt_buf_release(&sql);
  cdlt_destination_close(d);
  return 0;
fail:
  fprintf(stderr, "child: %s\n", err.msg);
  return 1;
}

typedef struct load_result {
  long peak_rss_kb;      /* -1 on failure */
  long heap_kb;          /* glibc heap in use before the commit */
} load_result;

/* a child loading n rows split into njobs job files */
static load_result measure_load(long n, int njobs) {
  load_result res = {-1, -1};
  const char *dir = check_tmpdir();
  char db[4096], heap[4096], jobs[12][4096];
  snprintf(db, sizeof db, "%s/mem.duckdb", dir);
  snprintf(heap, sizeof heap, "%s/heap.txt", dir);
  unlink(db);
  for (int k = 0; k < njobs; k++) {
    snprintf(jobs[k], sizeof jobs[k], "%s/items.%d.jsonl", dir, k);
    write_job(jobs[k], n * k / njobs, n * (k + 1) / njobs);
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) _exit(load_in_child(db, jobs, njobs, heap));
  int status = 0;
  struct rusage ru;
  if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) return res;
  CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "load of %ld rows failed (status %d)", n, status);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return res;
  FILE *f = fopen(heap, "r");
  CHECK(f != NULL);
  if (f) {
    CHECK(fscanf(f, "%ld", &res.heap_kb) == 1);
    res.heap_kb /= 1024;
    fclose(f);
  }

  /* every row is there, once */
  cdlt_error err = {0};
  cdlt_destination *d = NULL;
  cdlt_destination_config cfg = {.credentials = db, .pipeline_name = "memory_test"};
  CHECK_OK(cdlt_destination_open(cdlt_destination_find("duckdb"), &cfg, &d, &err), &err);
  if (d) {
    cdlt_rows rows;
    CHECK_OK(d->vtab->query(d, "SELECT count(*), sum(id), count(DISTINCT ts), count(DISTINCT id) FROM ds.items", &rows,
                            &err), &err);
    char want[128];
    snprintf(want, sizeof want, "%ld %ld %ld %ld", n, n * (n - 1) / 2, n < 3600 ? n : 3600, n);
    char got[128];
    snprintf(got, sizeof got, "%s %s %s %s", cdlt_rows_get(&rows, 0, 0), cdlt_rows_get(&rows, 0, 1),
             cdlt_rows_get(&rows, 0, 2), cdlt_rows_get(&rows, 0, 3));
    CHECK_EQ_STR(got, want);
    cdlt_rows_free(&rows);
    cdlt_destination_close(d);
  }
  for (int k = 0; k < njobs; k++) unlink(jobs[k]);
  res.peak_rss_kb = ru.ru_maxrss;
  return res;
}

int main(void) {
  load_result small = measure_load(300000, 1);    /* ~27 MB of job file */
  load_result large = measure_load(1200000, 1);   /* ~110 MB */
  load_result split = measure_load(1200000, 12);  /* 12 jobs of 100,000 rows: none a multiple of 2048 */
  CHECK(small.peak_rss_kb > 0 && large.peak_rss_kb > 0 && split.peak_rss_kb > 0);
#if defined(__SANITIZE_ADDRESS__)
  /* AddressSanitizer's quarantine keeps freed memory (up to 256 MB) and replaces malloc: neither RSS
   * nor the heap says anything here */
  printf("AddressSanitizer build: memory not compared\n");
#else
  CHECK_MSG(large.peak_rss_kb - small.peak_rss_kb < 8192,
            "peak RSS %ld KB for 300k rows, %ld KB for 1.2M rows: grows with the input", small.peak_rss_kb,
            large.peak_rss_kb);
  CHECK_MSG(split.heap_kb - large.heap_kb < 2048,
            "heap before the commit %ld KB for 1.2M rows in 12 jobs, %ld KB in one: grows with the jobs",
            split.heap_kb, large.heap_kb);
#endif
  printf("peak RSS: %ld KB (300k rows), %ld KB (1.2M rows), %ld KB (1.2M rows in 12 jobs)\n", small.peak_rss_kb,
         large.peak_rss_kb, split.peak_rss_kb);
  printf("heap before the commit: %ld KB (300k rows), %ld KB (1.2M rows), %ld KB (1.2M rows in 12 jobs)\n",
         small.heap_kb, large.heap_kb, split.heap_kb);
  return check_finish();
}
