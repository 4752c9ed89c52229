/* test_duckdb_threaded.c — the DuckDB destination's bulk load with its producer thread (the job
 * file is parsed into a ring of chunks on a second thread, appended on the calling one), on real
 * files and a real database: files of many chunks and several flush batches load every row in
 * file order; a bad value deep in a file, a malformed line and an appender error (NOT NULL) are
 * the load's error with the exact message, the first in file order wins, and after a rollback
 * nothing is loaded; no thread outlives a load. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "destinations/destination.h"
#include "load/sql_gen.h"

static cdlt_error err_storage;
static cdlt_error *err = &err_storage;
static cdlt_destination *dst;
static cdlt_rows rows;
static char path[4096];

#define DS "thr_data"

static int exec(const char *s) { return dst->vtab->execute(dst, s, err); }
static const char *q1(const char *s) {
  cdlt_rows_free(&rows);
  if (dst->vtab->query(dst, s, &rows, err)) {
    check_report(0, __FILE__, __LINE__, "query failed: %s: %s", s, err->msg);
    return "<error>";
  }
  return rows.nrows == 1 && rows.ncols == 1 ? cdlt_rows_get(&rows, 0, 0) : "<not one value>";
}

#define C(n, t, null) {.name = n, .type = t, .nullable = null, .precision = -1, .scale = -1, .timezone = true}
static cdlt_column_def cols[] = {
    C("id", CDLT_TYPE_BIGINT, false), C("name", CDLT_TYPE_TEXT, true), C("v", CDLT_TYPE_DOUBLE, true),
    C("flag", CDLT_TYPE_BOOL, true),  C("note", CDLT_TYPE_TEXT, true), C("ts", CDLT_TYPE_TIMESTAMP, true),
};
static cdlt_table_def table = {"thr", cols, sizeof cols / sizeof *cols, false};

/* threads of this process (/proc/self/task) */
static int thread_count(void) {
  DIR *dir = opendir("/proc/self/task");
  int n = 0;
  struct dirent *e;
  while (dir && (e = readdir(dir)))
    if (e->d_name[0] != '.') n++;
  if (dir) closedir(dir);
  return n;
}

/* Writes rows 1..n (line i = row id i) to `path`; line `bad_line` (when > 0) is replaced by `bad`
 * (a format with the row id). Every 7th row has no note, every 5th a JSON null name. */
static void write_rows(long n, long bad_line, const char *bad, long bad_line2, const char *bad2) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  for (long i = 1; i <= n; i++) {
    if (i == bad_line) fprintf(f, bad, i);
    else if (i == bad_line2) fprintf(f, bad2, i);
    else {
      fprintf(f, "{\"id\":%ld,", i);
      if (i % 5 == 0) fprintf(f, "\"name\":null,");
      else fprintf(f, "\"name\":\"row %07ld with some padding text to make the row longer\",", i);
      fprintf(f, "\"v\":%ld.5,\"flag\":%s,", i, i % 2 ? "true" : "false");
      if (i % 7) fprintf(f, "\"note\":\"n%ld\",", i % 1000);
      fprintf(f, "\"ts\":\"2024-01-01T%02ld:%02ld:%02ld+00:00\"}\n", i / 3600 % 24, i / 60 % 60, i % 60);
    }
  }
  fclose(f);
}

/* the loaded table holds exactly rows 1..n of write_rows, in file order */
static void check_rows(long n) {
  char s[512], want[64];
  snprintf(want, sizeof want, "%ld", n);
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".thr"), want);
  /* rowid is DuckDB's physical position: file order */
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".thr WHERE id <> rowid + 1"), "0");
  snprintf(want, sizeof want, "%ld", n * (n + 1) / 2);
  CHECK_EQ_STR(q1("SELECT sum(id) FROM " DS ".thr"), want);
  snprintf(want, sizeof want, "%ld", n - n / 5);
  CHECK_EQ_STR(q1("SELECT count(name) FROM " DS ".thr"), want);
  snprintf(want, sizeof want, "%ld", n - n / 7);
  CHECK_EQ_STR(q1("SELECT count(note) FROM " DS ".thr"), want);
  snprintf(want, sizeof want, "%ld", n / 2);
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".thr WHERE NOT flag"), want);
  snprintf(s, sizeof s,
           "SELECT count(*) FROM " DS ".thr WHERE v <> id + 0.5 OR (id %% 5 <> 0 AND name <> "
           "'row ' || lpad(id::VARCHAR, 7, '0') || ' with some padding text to make the row longer') "
           "OR (id %% 7 <> 0 AND note <> 'n' || (id %% 1000)::VARCHAR) "
           "OR epoch(ts)::BIGINT <> epoch(TIMESTAMPTZ '2024-01-01 00:00:00+00') + (id // 3600 %% 24) * 3600 "
           "+ (id // 60 %% 60) * 60 + id %% 60");
  CHECK_EQ_STR(q1(s), "0");
  snprintf(s, sizeof s, "SELECT name || '|' || v::VARCHAR || '|' || flag::VARCHAR || '|' || note FROM " DS
                        ".thr WHERE id = %ld", n - 1);
  snprintf(want, sizeof want, "row %07ld with some padding text to make the row longer", n - 1);
  if ((n - 1) % 5 && (n - 1) % 7) {
    char full[256];
    snprintf(full, sizeof full, "%s|%ld.5|%s|n%ld", want, n - 1, (n - 1) % 2 ? "true" : "false", (n - 1) % 1000);
    CHECK_EQ_STR(q1(s), full);
  }
}

static int load(void) { return dst->vtab->load_file(dst, DS, &table, path, CDLT_FORMAT_JSONL, err); }

/* an empty table "thr" (rowids from 0: DELETE would keep them counting) */
static void fresh_table(void) {
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  CHECK_OK(exec("DROP TABLE IF EXISTS " DS ".thr"), err);
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_duckdb, DS, &table, err), err);
  CHECK_OK(exec(sql.data), err);
  cdlt_buf_release(&sql);
}

static void test_many_chunks_in_order(void) {
  /* 60,001 rows of ~150 bytes: 30 chunks (the last partial), 2 flush batches of 4 MiB */
  write_rows(60001, 0, NULL, 0, NULL);
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_OK(load(), err);
  CHECK_OK(dst->vtab->commit(dst, err), err);
  check_rows(60001);
  /* exactly 5 full chunks: the last chunk is handed over when full, nothing after it */
  fresh_table();
  write_rows(5 * 2048, 0, NULL, 0, NULL);
  CHECK_OK(load(), err);   /* no transaction: autocommit */
  check_rows(5 * 2048);
  fresh_table();
}

static void test_errors(int threads_idle) {
  char want[8192];
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".thr"), "0");

  /* a bad value deep in a file of many chunks (and past the first flush): the producer's exact
   * message, with the line; after the rollback nothing is loaded */
  write_rows(60000, 50001, "{\"id\":%ld,\"v\":\"abc\"}\n", 0, NULL);
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_EQ_INT(load(), CDLT_ERR_DESTINATION);
  snprintf(want, sizeof want, "duckdb: cannot load '%s' into 'thr': line 50001: column 'v': cannot convert a string to DOUBLE",
           path);
  CHECK_EQ_STR(err->msg, want);
  CHECK_OK(dst->vtab->rollback(dst, err), err);
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".thr"), "0");
  CHECK_EQ_INT(thread_count(), threads_idle);

  /* out of BIGINT range, deep */
  write_rows(30000, 29999, "{\"id\":92233720368547758070}\n", 0, NULL);
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_EQ_INT(load(), CDLT_ERR_DESTINATION);
  snprintf(want, sizeof want,
           "duckdb: cannot load '%s' into 'thr': line 29999: column 'id': integer 92233720368547758070 is out of the BIGINT range",
           path);
  CHECK_EQ_STR(err->msg, want);
  CHECK_OK(dst->vtab->rollback(dst, err), err);

  /* a malformed line deep in the file: the reader's error, with the file */
  write_rows(40000, 30000, "{\"id\":%ld,\"name\":}\n", 0, NULL);
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_EQ_INT(load(), CDLT_ERR_DESTINATION);
  snprintf(want, sizeof want, "duckdb: cannot load '%s' into 'thr': ", path);
  CHECK_MSG(!strncmp(err->msg, want, strlen(want)) && strstr(err->msg, "at line 30000, column 20 (byte "), "%s", err->msg);
  CHECK_OK(dst->vtab->rollback(dst, err), err);
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".thr"), "0");

  /* not an object, in a later chunk */
  write_rows(10000, 9000, "[%ld]\n", 0, NULL);
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_EQ_INT(load(), CDLT_ERR_DESTINATION);
  CHECK_OK(dst->vtab->rollback(dst, err), err);
  snprintf(want, sizeof want, "duckdb: cannot load '%s' into 'thr': line 9000: expected a JSON object, got an array", path);
  CHECK_EQ_STR(err->msg, want);

  /* an appender error (NOT NULL, raised by the first flush's INSERT) before a bad value later in
   * the file: the first error in file order is the load's error, the producer stops */
  write_rows(60000, 100, "{\"id\":null}\n", 50001, "{\"id\":%ld,\"v\":\"abc\"}\n");
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_EQ_INT(load(), CDLT_ERR_DESTINATION);
  snprintf(want, sizeof want, "duckdb: cannot load '%s' into 'thr': Failed to append: NOT NULL constraint failed: thr.id",
           path);
  CHECK_EQ_STR(err->msg, want);
  CHECK_OK(dst->vtab->rollback(dst, err), err);
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".thr"), "0");
  CHECK_EQ_INT(thread_count(), threads_idle);

  /* the connection loads normally afterwards */
  write_rows(4097, 0, NULL, 0, NULL);
  CHECK_OK(load(), err);
  check_rows(4097);
  fresh_table();
}

int main(void) {
  /* DuckDB's own thread count fixed, so that the threads of the process after a load are known */
  setenv("DESTINATION__DUCKDB__THREADS", "1", 1);
  const char *dir = check_tmpdir();
  char db[4096];
  snprintf(db, sizeof db, "%s/threaded.duckdb", dir);
  snprintf(path, sizeof path, "%s/thr.1234.0.jsonl", dir);
  cdlt_destination_config cfg = {.credentials = db, .pipeline_name = "threaded"};
  CHECK_OK(cdlt_destination_open(cdlt_destination_find("duckdb"), &cfg, &dst, err), err);
  if (!dst) return check_finish();
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  CHECK_OK(cdlt_sql_create_schema(&sql, &cdlt_dialect_duckdb, DS, err), err);
  CHECK_OK(exec(sql.data), err);
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_duckdb, DS, &table, err), err);
  CHECK_OK(exec(sql.data), err);
  cdlt_buf_release(&sql);

  int idle = thread_count();   /* DuckDB runs no worker thread (threads=1 configured) */
  test_many_chunks_in_order();
  CHECK_EQ_INT(thread_count(), idle);
  test_errors(idle);
  CHECK_EQ_INT(thread_count(), idle);
  remove(path);
  cdlt_rows_free(&rows);
  cdlt_destination_close(dst);
  return check_finish();
}
