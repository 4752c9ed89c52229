/* test_duckdb_parallel.c — the DuckDB destination's parallel bulk load (duckdb_scan.c): a job file
 * of at least two blocks is read by the table function cdlt_job_scan() on DuckDB's threads.
 * On real files and real databases it checks: which loads take that path (the fault point
 * "load.duckdb_parallel" fails exactly those), that it loads the very rows the serial load loads
 * (every column compared with EXCEPT ALL both ways), a bad value and a malformed line deep in the
 * file give the serial load's exact message with the line of the whole file, a rollback leaves
 * nothing, several job files of a table go into one INSERT (load_files) with the same rows and an
 * error naming the right file, and through `cdlt run` that append loads use it while the staging tables of a merge
 * (whose SQL picks among duplicates in row order) never do, and that a run killed between two
 * parallel loads of its package leaves it to the next run, which loads every row once. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "destinations/destination.h"
#include "e2e.h"
#include "load/sql_gen.h"

static char tmp[512];   /* the test's folder */
static cdlt_error err_storage;
static cdlt_error *err = &err_storage;
static cdlt_rows rows;

#define DS "par_data"
#define C(n, t, null) {.name = n, .type = t, .nullable = null, .precision = -1, .scale = -1, .timezone = true}
static cdlt_column_def par_cols[] = {
    C("id", CDLT_TYPE_BIGINT, false), C("name", CDLT_TYPE_TEXT, true), C("v", CDLT_TYPE_DOUBLE, true),
    C("flag", CDLT_TYPE_BOOL, true),  C("note", CDLT_TYPE_JSON, true), C("ts", CDLT_TYPE_TIMESTAMP, true),
};
static cdlt_table_def table = {.name = "par", .columns = par_cols, .ncolumns = sizeof par_cols / sizeof *par_cols};

static const char *q1(cdlt_destination *d, const char *s) {
  cdlt_rows_free(&rows);
  if (d->vtab->query(d, s, &rows, err)) {
    check_report(0, __FILE__, __LINE__, "query failed: %s: %s", s, err->msg);
    return "<error>";
  }
  return rows.nrows == 1 && rows.ncols == 1 ? cdlt_rows_get(&rows, 0, 0) : "<not one value>";
}

/* rows 1..n, ~150 bytes each (line i = row i); line bad_line (> 0) is `bad` (a format with the id) */
static void write_rows(const char *path, long n, long bad_line, const char *bad) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  for (long i = 1; i <= n; i++) {
    if (i == bad_line) {
      fprintf(f, bad, i);
      continue;
    }
    fprintf(f, "{\"id\":%ld,", i);
    if (i % 5) fprintf(f, "\"name\":\"row %07ld \\u00e9\\\"quoted\\\" text\",", i);
    fprintf(f, "\"v\":%ld.25,\"flag\":%s,", i, i % 3 ? "true" : "false");
    if (i % 7) fprintf(f, "\"note\":{\"k\":[%ld,null,\"x\"]},", i % 100);
    fprintf(f, "\"ts\":\"2024-02-%02ldT%02ld:%02ld:%02ld.%06ld+00:00\"}\n", 1 + i % 28, i / 3600 % 24, i / 60 % 60,
            i % 60, i % 1000000);
  }
  fclose(f);
}

/* a DuckDB destination on <tmp>/<name>; parallel: blocks of 64 KiB on 2 threads */
static cdlt_destination *open_db(const char *name, bool parallel) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", tmp, name);
  if (parallel) {
    setenv("DESTINATION__DUCKDB__LOAD_BLOCK_SIZE", "65536", 1);
    setenv("DESTINATION__DUCKDB__THREADS", "2", 1);
  }
  cdlt_destination_config cfg = {.credentials = path, .pipeline_name = "par_test"};
  cdlt_destination *d = NULL;
  CHECK_OK(cdlt_destination_open(cdlt_destination_find("duckdb"), &cfg, &d, err), err);
  unsetenv("DESTINATION__DUCKDB__LOAD_BLOCK_SIZE");
  unsetenv("DESTINATION__DUCKDB__THREADS");
  if (!d) return NULL;
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  CHECK_OK(cdlt_sql_create_schema(&sql, &cdlt_dialect_duckdb, DS, err), err);
  cdlt_buf_puts(&sql, ";\n");
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_duckdb, DS, &table, err), err);
  CHECK_OK(d->vtab->execute(d, sql.data, err), err);
  cdlt_buf_release(&sql);
  return d;
}

static int load(cdlt_destination *d, const char *job) {
  return d->vtab->load_file(d, DS, &table, job, CDLT_FORMAT_JSONL, err);
}

/* which loads take the parallel path: the fault point fails exactly those */
static void test_which_loads(const char *job) {
  cdlt_destination *par = open_db("which.duckdb", true);
  if (!par) return;
  char small[4096], gz[4096];
  snprintf(small, sizeof small, "%s/small.jsonl", tmp);
  write_rows(small, 700, 0, NULL);   /* ~100 KB: fewer than two blocks */
  snprintf(gz, sizeof gz, "%s/job.jsonl.gz", tmp);
  FILE *in = fopen(job, "rb");
  gzFile out = gzopen(gz, "wb1");
  char buf[1 << 16];
  size_t n;
  while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0) gzwrite(out, buf, (unsigned)n);
  if (in) fclose(in);
  if (out) gzclose(out);

  setenv("CDLT_FAULT_POINT", "load.duckdb_parallel", 1);
  setenv("CDLT_FAULT_MODE", "error", 1);
  CHECK_EQ_INT(load(par, job), CDLT_ERR_IO);
  CHECK_EQ_STR(err->msg, "injected fault at 'load.duckdb_parallel'");
  CHECK_OK(load(par, small), err);
  CHECK_OK(load(par, gz), err);   /* gzip: serial */
  table.in_file_order = true;     /* staging tables: serial */
  CHECK_OK(load(par, job), err);
  table.in_file_order = false;
  unsetenv("CDLT_FAULT_POINT");
  unsetenv("CDLT_FAULT_MODE");
  CHECK_EQ_STR(q1(par, "SELECT count(*) || ' ' || sum(id) FROM " DS ".par"), "120700 3600305350");
  /* the serial load keeps the file order (rowid is the physical position) */
  CHECK_EQ_STR(q1(par, "SELECT count(*) FROM " DS ".par WHERE rowid >= 60700 AND id <> rowid - 60700 + 1"), "0");
  cdlt_destination_close(par);
}

/* the parallel load loads exactly the serial load's rows */
static void test_same_rows(const char *job) {
  cdlt_destination *ser = open_db("serial.duckdb", false);
  if (!ser) return;
  CHECK_OK(ser->vtab->begin(ser, err), err);
  CHECK_OK(load(ser, job), err);
  CHECK_OK(ser->vtab->commit(ser, err), err);
  cdlt_destination_close(ser);

  cdlt_destination *par = open_db("parallel.duckdb", true);
  if (!par) return;
  CHECK_OK(par->vtab->begin(par, err), err);
  CHECK_OK(load(par, job), err);
  CHECK_OK(load(par, job), err);   /* a second job of the table in the same transaction */
  CHECK_OK(par->vtab->commit(par, err), err);
  char sql[8192];
  snprintf(sql, sizeof sql, "ATTACH '%s/serial.duckdb' AS ser (READ_ONLY)", tmp);
  CHECK_OK(par->vtab->execute(par, sql, err), err);
  CHECK_EQ_STR(q1(par, "SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || sum(id) FROM " DS ".par"),
               "120000 60000 3600060000");
  CHECK_EQ_STR(q1(par, "SELECT count(*) FROM (SELECT * FROM " DS ".par EXCEPT ALL (SELECT * FROM ser." DS
                       ".par UNION ALL SELECT * FROM ser." DS ".par))"),
               "0");
  CHECK_EQ_STR(q1(par, "SELECT count(*) FROM ((SELECT * FROM ser." DS ".par UNION ALL SELECT * FROM ser." DS
                       ".par) EXCEPT ALL SELECT * FROM " DS ".par)"),
               "0");
  /* values survived the conversions (JSON, TIMESTAMPTZ with fractions, escapes, NULLs) */
  CHECK_EQ_STR(q1(par, "SELECT name || '|' || v || '|' || flag || '|' || note || '|' || "
                       "strftime(ts, '%Y-%m-%d %H:%M:%S.%f') FROM " DS ".par WHERE id = 54321 LIMIT 1"),
               "row 0054321 \xc3\xa9\"quoted\" text|54321.25|false|{\"k\":[21,null,\"x\"]}|2024-02-02 15:05:21.054321");
  CHECK_EQ_STR(q1(par, "SELECT count(name) || ' ' || count(note) FROM " DS ".par"), "96000 102858");
  cdlt_destination_close(par);
}

/* rows 1..n like write_rows, row `long_row` with a name of long_len bytes, CRLF line ends, the last
 * line without its newline, and line bad_line (> 0) a bad value */
static void write_long_middle(const char *path, long n, long long_row, size_t long_len, long bad_line) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  for (long i = 1; i <= n; i++) {
    if (i == bad_line) fprintf(f, "{\"id\":%ld,\"v\":\"abc\"}", i);
    else if (i == long_row) {
      fprintf(f, "{\"id\":%ld,\"name\":\"", i);
      for (size_t k = 0; k < long_len; k++) fputc('a' + (int)(k % 26), f);
      fprintf(f, "\",\"v\":%ld.5}", i);
    } else fprintf(f, "{\"id\":%ld,\"name\":\"row %07ld\",\"v\":%ld.25,\"flag\":%s}", i, i, i, i % 3 ? "true" : "false");
    if (i < n) fputs("\r\n", f);
  }
  fclose(f);
}

/* the block scan cuts a big file into one part per thread at line starts (split_blocks): a line
 * across the cut, CRLF, no final newline and an error after the cut load as the serial load does */
static void test_split_parts(void) {
  char job[4096];
  snprintf(job, sizeof job, "%s/long_middle.jsonl", tmp);
  /* 40,000 rows of ~70 bytes (~2.8 MB) and a 3 MiB row in the middle: the byte midpoint is in it */
  write_long_middle(job, 40000, 20000, (size_t)3 << 20, 0);
  cdlt_destination *ser = open_db("split_serial.duckdb", false);
  if (!ser) return;
  CHECK_OK(ser->vtab->begin(ser, err), err);
  CHECK_OK(load(ser, job), err);
  CHECK_OK(ser->vtab->commit(ser, err), err);
  cdlt_destination_close(ser);
  cdlt_destination *par = open_db("split_parallel.duckdb", true);
  if (!par) return;
  setenv("CDLT_FAULT_POINT", "load.duckdb_parallel", 1);
  setenv("CDLT_FAULT_HIT", "1", 1);   /* a new setting: the count starts afresh */
  setenv("CDLT_FAULT_MODE", "error", 1);
  CHECK_EQ_INT(load(par, job), CDLT_ERR_IO);   /* it takes the parallel path */
  unsetenv("CDLT_FAULT_POINT");
  unsetenv("CDLT_FAULT_HIT");
  unsetenv("CDLT_FAULT_MODE");
  CHECK_OK(par->vtab->begin(par, err), err);
  CHECK_OK(load(par, job), err);
  CHECK_OK(par->vtab->commit(par, err), err);
  char sql[8192];
  snprintf(sql, sizeof sql, "ATTACH '%s/split_serial.duckdb' AS sser (READ_ONLY)", tmp);
  CHECK_OK(par->vtab->execute(par, sql, err), err);
  CHECK_EQ_STR(q1(par, "SELECT count(*) || ' ' || sum(id) || ' ' || max(length(name)) FROM " DS ".par"),
               "40000 800020000 3145728");
  CHECK_EQ_STR(q1(par, "SELECT count(*) FROM (SELECT * FROM " DS ".par EXCEPT ALL SELECT * FROM sser." DS ".par)"), "0");
  CHECK_EQ_STR(q1(par, "SELECT count(*) FROM (SELECT * FROM sser." DS ".par EXCEPT ALL SELECT * FROM " DS ".par)"), "0");
  CHECK_EQ_STR(q1(par, "SELECT v FROM " DS ".par WHERE id = 40000"), "40000.25");   /* the line without newline */
  cdlt_destination_close(par);

  /* a bad value at line 30001, after the long line: the serial load's message */
  write_long_middle(job, 40000, 20000, (size_t)3 << 20, 30001);
  ser = open_db("split_bad_serial.duckdb", false);
  if (!ser) return;
  CHECK_EQ_INT(load(ser, job), CDLT_ERR_DESTINATION);
  char want[sizeof err->msg];
  snprintf(want, sizeof want, "%s", err->msg);
  cdlt_destination_close(ser);
  CHECK_MSG(strstr(want, "line 30001: column 'v'") != NULL, "%s", want);
  par = open_db("split_bad_parallel.duckdb", true);
  if (!par) return;
  CHECK_OK(par->vtab->begin(par, err), err);
  CHECK_EQ_INT(load(par, job), CDLT_ERR_DESTINATION);
  CHECK_EQ_STR(err->msg, want);
  CHECK_OK(par->vtab->rollback(par, err), err);
  cdlt_destination_close(par);
}

/* errors deep in the file: the serial load's exact message, with the line of the whole file */
static void test_errors(void) {
  char job[4096];
  snprintf(job, sizeof job, "%s/bad.jsonl", tmp);
  const char *bads[] = {"{\"id\":%ld,\"v\":\"abc\"}\n", "{\"id\":%ld,\"v\":1.5,,}\n", "[%ld]\n",
                        /* and what the fast line parser declines: the reader's messages */
                        "{\"id\":%ld,\"name\":\"bad \xff byte\"}\n", "{\"id\":%ld,\"name\":\"\\ud800 lone\"}\n",
                        "{\"id\":%ld,\"flag\":\"yes\"}\n", "{\"id\":%ld,\"id\":99999999999999999999}\n",
                        "{\"id\":%ld,\"name\":\"tab\there\"}\n", "{\"id\":%ld,\"v\":01}\r\n",
                        "{\"id\":%ld,\"name\":\"unterminated}\n", "{\"id\":%ld} {\"id\":1,\"v\":true}\n"};
  for (size_t k = 0; k < sizeof bads / sizeof *bads; k++) {
    write_rows(job, 60000, 50001, bads[k]);
    char want[sizeof err->msg], db[64];
    snprintf(db, sizeof db, "bad_serial%zu.duckdb", k);
    cdlt_destination *ser = open_db(db, false);
    if (!ser) return;
    CHECK_EQ_INT(load(ser, job), CDLT_ERR_DESTINATION);
    snprintf(want, sizeof want, "%s", err->msg);
    cdlt_destination_close(ser);
    CHECK_MSG(strstr(want, "line 50001") != NULL, "%s", want);

    snprintf(db, sizeof db, "bad_parallel%zu.duckdb", k);
    cdlt_destination *par = open_db(db, true);
    if (!par) return;
    CHECK_OK(par->vtab->begin(par, err), err);
    CHECK_EQ_INT(load(par, job), CDLT_ERR_DESTINATION);
    CHECK_EQ_STR(err->msg, want);
    CHECK_OK(par->vtab->rollback(par, err), err);
    CHECK_EQ_STR(q1(par, "SELECT count(*) FROM " DS ".par"), "0");
    cdlt_destination_close(par);
  }
}

/* several job files of a table in one INSERT (load_files): the rows of loading them one by one,
 * one parallel scan for all of them (a second scan would hit the armed fault point), and an error
 * in a later file names that file, its line and its index */
static void test_several_files(const char *job) {
  char second[4096], bad[4096], small[4096];
  snprintf(second, sizeof second, "%s/second.jsonl", tmp);
  write_rows(second, 30000, 0, NULL);
  snprintf(small, sizeof small, "%s/small2.jsonl", tmp);
  write_rows(small, 700, 0, NULL);   /* under two blocks on its own: in a run with big ones */
  cdlt_destination *ser = open_db("several_serial.duckdb", false);
  if (!ser) return;
  CHECK_OK(ser->vtab->begin(ser, err), err);
  CHECK_OK(load(ser, job), err);
  CHECK_OK(load(ser, small), err);
  CHECK_OK(load(ser, second), err);
  CHECK_OK(ser->vtab->commit(ser, err), err);
  cdlt_destination_close(ser);

  cdlt_destination *par = open_db("several.duckdb", true);
  if (!par) return;
  CHECK(par->vtab->load_files != NULL);
  if (!par->vtab->load_files) return;
  const char *paths[3] = {job, small, second};
  size_t failed = 99;
  setenv("CDLT_FAULT_POINT", "load.duckdb_parallel", 1);
  setenv("CDLT_FAULT_MODE", "error", 1);
  setenv("CDLT_FAULT_HIT", "2", 1);
  CHECK_OK(par->vtab->begin(par, err), err);
  CHECK_OK(par->vtab->load_files(par, DS, &table, paths, 3, CDLT_FORMAT_JSONL, &failed, err), err);
  CHECK_OK(par->vtab->commit(par, err), err);
  unsetenv("CDLT_FAULT_HIT");
  /* the first scan is the fault point's first hit: the files went into one INSERT */
  CHECK_EQ_INT(par->vtab->load_files(par, DS, &table, paths, 3, CDLT_FORMAT_JSONL, &failed, err), CDLT_ERR_IO);
  CHECK_EQ_STR(err->msg, "injected fault at 'load.duckdb_parallel'");
  unsetenv("CDLT_FAULT_POINT");
  unsetenv("CDLT_FAULT_MODE");
  char sql[8192];
  snprintf(sql, sizeof sql, "ATTACH '%s/several_serial.duckdb' AS ser (READ_ONLY)", tmp);
  CHECK_OK(par->vtab->execute(par, sql, err), err);
  CHECK_EQ_STR(q1(par, "SELECT count(*) || ' ' || sum(id) FROM " DS ".par"), "90700 2250290350");
  CHECK_EQ_STR(q1(par, "SELECT count(*) FROM (SELECT * FROM " DS ".par EXCEPT ALL SELECT * FROM ser." DS ".par)"), "0");
  CHECK_EQ_STR(q1(par, "SELECT count(*) FROM (SELECT * FROM ser." DS ".par EXCEPT ALL SELECT * FROM " DS ".par)"), "0");
  cdlt_destination_close(par);

  /* a bad value at line 20001 of the third file: the serial load's message for that file */
  snprintf(bad, sizeof bad, "%s/third_bad.jsonl", tmp);
  write_rows(bad, 30000, 20001, "{\"id\":%ld,\"v\":\"abc\"}\n");
  ser = open_db("several_bad_serial.duckdb", false);
  if (!ser) return;
  CHECK_EQ_INT(load(ser, bad), CDLT_ERR_DESTINATION);
  char want[sizeof err->msg];
  snprintf(want, sizeof want, "%s", err->msg);
  cdlt_destination_close(ser);
  CHECK_MSG(strstr(want, "line 20001") && strstr(want, "third_bad.jsonl"), "%s", want);
  par = open_db("several_bad.duckdb", true);
  if (!par) return;
  const char *with_bad[3] = {job, second, bad};
  CHECK_OK(par->vtab->begin(par, err), err);
  CHECK_EQ_INT(par->vtab->load_files(par, DS, &table, with_bad, 3, CDLT_FORMAT_JSONL, &failed, err), CDLT_ERR_DESTINATION);
  CHECK_EQ_STR(err->msg, want);
  CHECK_EQ_INT((long)failed, 2);
  CHECK_OK(par->vtab->rollback(par, err), err);
  CHECK_EQ_STR(q1(par, "SELECT count(*) FROM " DS ".par"), "0");
  cdlt_destination_close(par);
}

/* ---------------------------------------------------------------- the fast line parser
 * The parallel load puts plain lines with duckdb_line.c and every other line with the reader; the
 * serial load always uses the reader. A job of tricky values loads the same either way, bit for
 * bit (doubles compared by their text, which tells -0.0 and every double apart). */
static cdlt_column_def fast_cols[] = {
    C("id", CDLT_TYPE_BIGINT, true), C("b", CDLT_TYPE_BIGINT, true), C("t", CDLT_TYPE_TEXT, true),
    C("d", CDLT_TYPE_DOUBLE, true),  C("f", CDLT_TYPE_BOOL, true),   C("j", CDLT_TYPE_JSON, true),
    C("ts", CDLT_TYPE_TIMESTAMP, true),
};
static cdlt_table_def fast_table = {.name = "fast", .columns = fast_cols, .ncolumns = sizeof fast_cols / sizeof *fast_cols};

/* line templates, %ld = the id (each used many times, in turn) */
static const char *fast_lines[] = {
    "{\"id\":%ld,\"b\":9223372036854775807,\"t\":\"plain\",\"d\":1e308,\"f\":true}\n",
    "{\"id\":%ld,\"b\":-9223372036854775808,\"t\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t \\u00e9 \\u20AC \\ud83d\\ude00 end\",\"d\":-0.0}\n",
    "{\"id\":%ld,\"b\":-0,\"t\":\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xc2\xa9 \xf0\x9f\x98\x80\",\"d\":1E5,\"f\":false,\"j\":\"str\"}\n",
    "{\"ts\":\"2024-01-01T00:00:02+00:00\",\"j\":{\"k\":[1,null,\"x\"]},\"f\":null,\"d\":1.5e-7,\"t\":1.50,\"b\":123,\"id\":%ld}\n",
    "{\"id\":%ld,\"d\":123456789012345678,\"t\":-0}\r\n",
    "{\"id\":%ld,\"d\":1234567890123456789012,\"t\":1E5,\"j\":12.5}\n",
    "{\"id\":%ld,\"d\":3.14159265358979323846,\"t\":true,\"j\":true}\n",
    "{\"id\":%ld,\"d\":1e-400,\"t\":false,\"j\":[]}\n",
    "{\"id\":%ld,\"d\":\"2.5\",\"b\":\"42\",\"zzz\":{\"q\":1}}\n",
    "{ \"id\": %ld , \"t\" : {\"a\": [1, 2]} }\n",
    "{\"id\":%ld,\"t\":\"first\",\"t\":\"second\",\"d\":0.1,\"d\":null}\n",
    "\n",
    "  \r\n",
    "{\"id\":%ld,\"j\":\"esc\\\"aped \\u0001\",\"t\":\"\\u0001nul\",\"d\":-5}\n",
    "{\"id\":%ld,\"b\":-1,\"d\":2.2250738585072014e-308,\"t\":\"x\",\"j\":null,\"f\":true,\"ts\":null}\n",
    "{\"id\":%ld}\n",
    "{\"id\":%ld,\"d\":-1.7976931348623157e308,\"b\":1000000000000000000,\"t\":12345678901234567890123}\n",
};

static void write_fast_job(const char *path, long n) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  size_t k = sizeof fast_lines / sizeof *fast_lines;
  for (long i = 1; i <= n; i++) {
    fprintf(f, fast_lines[i % k], i);
    if (i == 3) fprintf(f, "{\"id\":-3,\n\"t\":\"over two lines\"}\n");   /* one value, two lines */
    if (i % 1000 == 0) {   /* a long string: 3 MiB at the 2000th line (longer than a block and a piece) */
      size_t len = i == 2000 ? (size_t)3 << 20 : 100000;
      fprintf(f, "{\"id\":%ld,\"t\":\"", -i);
      for (size_t c = 0; c < len; c++) fputc('a' + (int)(c % 26), f);
      fprintf(f, "\xc3\xa9\"}\n");
    }
  }
  fprintf(f, "{\"id\":-1,\"t\":\"last line, no newline\"}");
  fclose(f);
}

static cdlt_destination *open_fast_db(const char *name, bool parallel) {
  cdlt_destination *d = open_db(name, parallel);
  if (!d) return NULL;
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_duckdb, DS, &fast_table, err), err);
  CHECK_OK(d->vtab->execute(d, sql.data, err), err);
  cdlt_buf_release(&sql);
  return d;
}

static void test_fast_path_values(void) {
  char job[4096];
  snprintf(job, sizeof job, "%s/fast.jsonl", tmp);
  write_fast_job(job, 6000);   /* ~4.5 MB: blocks of 64 KiB */
  cdlt_destination *ser = open_fast_db("fast_serial.duckdb", false);
  if (!ser) return;
  CHECK_OK(ser->vtab->load_file(ser, DS, &fast_table, job, CDLT_FORMAT_JSONL, err), err);
  cdlt_destination_close(ser);
  cdlt_destination *par = open_fast_db("fast_parallel.duckdb", true);
  if (!par) return;
  /* proves the parallel path runs (a new CDLT_FAULT_HIT starts the point's hit count afresh) */
  setenv("CDLT_FAULT_POINT", "load.duckdb_parallel", 1);
  setenv("CDLT_FAULT_MODE", "error", 1);
  setenv("CDLT_FAULT_HIT", "1", 1);
  CHECK_EQ_INT(par->vtab->load_file(par, DS, &fast_table, job, CDLT_FORMAT_JSONL, err), CDLT_ERR_IO);
  unsetenv("CDLT_FAULT_POINT");
  unsetenv("CDLT_FAULT_MODE");
  unsetenv("CDLT_FAULT_HIT");
  CHECK_OK(par->vtab->load_file(par, DS, &fast_table, job, CDLT_FORMAT_JSONL, err), err);
  char sql[8192];
  snprintf(sql, sizeof sql, "ATTACH '%s/fast_serial.duckdb' AS ser (READ_ONLY)", tmp);
  CHECK_OK(par->vtab->execute(par, sql, err), err);
#define FAST_ROW "id, b, t, d::VARCHAR, f, j::VARCHAR, ts"
  CHECK_EQ_STR(q1(par, "SELECT count(*) FROM (SELECT " FAST_ROW " FROM " DS ".fast EXCEPT ALL SELECT " FAST_ROW
                       " FROM ser." DS ".fast)"),
               "0");
  CHECK_EQ_STR(q1(par, "SELECT count(*) FROM (SELECT " FAST_ROW " FROM ser." DS ".fast EXCEPT ALL SELECT " FAST_ROW
                       " FROM " DS ".fast)"),
               "0");
  /* 6000 lines less the 2 x 353 blank ones, plus the two-line value, 6 long lines and the last */
  CHECK_EQ_STR(q1(par, "SELECT count(*) FROM " DS ".fast"), "5302");
  /* and the values are the expected ones, not only the same */
  CHECK_EQ_STR(q1(par, "SELECT min(b) || ' ' || max(b) FROM " DS ".fast"), "-9223372036854775808 9223372036854775807");
  CHECK_EQ_STR(q1(par, "SELECT t || '|' || d FROM " DS ".fast WHERE id = 18"),
               "a\"b\\c/d\b\f\n\r\t \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 end|-0.0");
  CHECK_EQ_STR(q1(par, "SELECT t || '|' || d || '|' || b || '|' || j FROM " DS ".fast WHERE id = 19"),
               "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xc2\xa9 \xf0\x9f\x98\x80|100000.0|0|\"str\"");
  CHECK_EQ_STR(q1(par, "SELECT t || '|' || d || '|' || j || '|' || strftime(ts, '%Y-%m-%d %H:%M:%S') || '|' || "
                       "(f IS NULL) FROM " DS ".fast WHERE id = 20"),
               "1.50|1.5e-07|{\"k\":[1,null,\"x\"]}|2024-01-01 00:00:02|true");
  CHECK_EQ_STR(q1(par, "SELECT (d = 1e308) || ' ' || f || ' ' || t FROM " DS ".fast WHERE id = 17"), "true true plain");
  CHECK_EQ_STR(q1(par, "SELECT t || '|' || j FROM " DS ".fast WHERE id = 30"), "\x01nul|\"esc\\\"aped \\u0001\"");
  CHECK_EQ_STR(q1(par, "SELECT t || '|' || (d IS NULL) FROM " DS ".fast WHERE id = 27"), "second|true");
  CHECK_EQ_STR(q1(par, "SELECT t FROM " DS ".fast WHERE id = -3"), "over two lines");
  CHECK_EQ_STR(q1(par, "SELECT length(t) || ' ' || right(t, 2) FROM " DS ".fast WHERE id = -2000"), "3145729 n\xc3\xa9");
  CHECK_EQ_STR(q1(par, "SELECT t FROM " DS ".fast WHERE id = -1"), "last line, no newline");
  cdlt_destination_close(par);
}

/* ---------------------------------------------------------------- timestamps
 * A timestamp of the normalizer's shape is parsed by the load (cdlt_duck_fast_timestamp) instead
 * of DuckDB's CAST, every other text is still CAST: either way the value is DuckDB's CAST of the
 * text. Drawn timestamps of many shapes (years 1..9999, month ends, leap days, 0..6 fraction
 * digits, Z, other offsets, a space, no offset) are compared with CAST(text) in SQL, for a column
 * with and one without time zone, through the parallel and the serial load. */
static cdlt_column_def ts_cols[] = {
    C("id", CDLT_TYPE_BIGINT, true), C("s", CDLT_TYPE_TEXT, true), C("tz", CDLT_TYPE_TIMESTAMP, true),
    {.name = "ntz", .type = CDLT_TYPE_TIMESTAMP, .nullable = true, .precision = -1, .scale = -1, .timezone = false},
};
static cdlt_table_def ts_table = {.name = "tsx", .columns = ts_cols, .ncolumns = sizeof ts_cols / sizeof *ts_cols};

static uint64_t ts_rand_state = 88172645463325252ULL;
static unsigned ts_rand(unsigned n) {   /* xorshift64: the same draws every run */
  ts_rand_state ^= ts_rand_state << 13;
  ts_rand_state ^= ts_rand_state >> 7;
  ts_rand_state ^= ts_rand_state << 17;
  return (unsigned)(ts_rand_state % n);
}

/* n rows (row n / 2 is `bad`, when given); returns how many have NULL timestamps */
static long write_ts_job(const char *path, long n, const char *bad) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return 0;
  long nulls = 0;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (long i = 1; i <= n; i++) {
    if (bad && i == n / 2) {
      fprintf(f, "{\"id\":%ld,\"tz\":\"%s\"}\n", i, bad);
      continue;
    }
    int y = ts_rand(10) == 0 ? 1 + (int)ts_rand(9999) : 1960 + (int)ts_rand(100), m = 1 + (int)ts_rand(12);
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0, last = mdays[m - 1] + (m == 2 && leap);
    int d = ts_rand(4) == 0 ? last : 1 + (int)ts_rand((unsigned)last);
    char t[80], frac[16] = "";
    int digits = (int)ts_rand(8);   /* 0: none, 1..6 digits, 7: ".000000" */
    if (digits == 7) snprintf(frac, sizeof frac, ".000000");
    else if (digits) snprintf(frac, sizeof frac, ".%0*u", digits, ts_rand(1000000) % (digits == 6 ? 1000000 : 1000));
    static const char *ends[] = {"+00:00", "+00:00", "+00:00", "Z", "+02:00", "-05:30", "", "+00:00"};
    const char *end = ends[ts_rand(8)];
    unsigned hh = ts_rand(500) ? ts_rand(24) : 24;   /* 24:00:00 is the next day's midnight to DuckDB */
    snprintf(t, sizeof t, "%04d-%02d-%02d%c%02u:%02u:%02u%s%s", y, m, d, ts_rand(10) ? 'T' : ' ', hh,
             hh == 24 ? 0 : ts_rand(60), hh == 24 ? 0 : ts_rand(60), hh == 24 ? "" : frac, end);
    if (ts_rand(50) == 0) {
      fprintf(f, "{\"id\":%ld,\"s\":null,\"tz\":null}\n", i);
      nulls++;
    } else fprintf(f, "{\"id\":%ld,\"s\":\"%s\",\"tz\":\"%s\",\"ntz\":\"%s\"}\n", i, t, t, t);
  }
  fclose(f);
  return nulls;
}

static cdlt_destination *open_ts_db(const char *name, bool parallel) {
  cdlt_destination *d = open_db(name, parallel);
  if (!d) return NULL;
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_duckdb, DS, &ts_table, err), err);
  CHECK_OK(d->vtab->execute(d, sql.data, err), err);
  cdlt_buf_release(&sql);
  return d;
}

static void test_fast_timestamps(void) {
  char job[4096];
  snprintf(job, sizeof job, "%s/ts.jsonl", tmp);
  long nulls = write_ts_job(job, 40000, NULL);   /* ~3.5 MB: blocks of 64 KiB */
  CHECK_MSG(nulls > 400 && nulls < 1200, "%ld NULL rows", nulls);
  char counts[64];
  snprintf(counts, sizeof counts, "40000 %ld %ld %ld", 40000 - nulls, 40000 - nulls, 40000 - nulls);
  for (int parallel = 0; parallel < 2; parallel++) {
    cdlt_destination *d = open_ts_db(parallel ? "ts_parallel.duckdb" : "ts_serial.duckdb", parallel);
    if (!d) return;
    CHECK_OK(d->vtab->load_file(d, DS, &ts_table, job, CDLT_FORMAT_JSONL, err), err);
    CHECK_EQ_STR(q1(d, "SELECT count(*) || ' ' || count(s) || ' ' || count(tz) || ' ' || count(ntz) FROM " DS ".tsx"),
                 counts);
    CHECK_EQ_STR(q1(d, "SELECT count(*) FROM " DS ".tsx WHERE tz IS DISTINCT FROM CAST(s AS TIMESTAMPTZ) OR "
                       "ntz IS DISTINCT FROM CAST(CAST(s AS TIMESTAMPTZ) AS TIMESTAMP)"),
                 "0");
    /* the draws cover what the fast path takes and what it leaves to the CAST */
    CHECK_EQ_STR(q1(d, "SELECT (count(*) FILTER (s LIKE '____-__-__T__:__:__%+00:00') > 10000) || ' ' || "
                       "(count(*) FILTER (s LIKE '%-05:30') > 3000) || ' ' || (count(*) FILTER (s LIKE '____-02-29%') > 20) "
                       "|| ' ' || (min(tz) < '1000-01-01') FROM " DS ".tsx"),
                 "true true true true");
    CHECK_EQ_STR(q1(d, "SELECT typeof(tz) || ' ' || typeof(ntz) FROM " DS ".tsx LIMIT 1"), "TIMESTAMP WITH TIME ZONE TIMESTAMP");
    cdlt_destination_close(d);
  }
  /* a date that does not exist is DuckDB's to reject, in both loads (the serial load's appender
   * words it "Failed to append: ...", the parallel INSERT "Conversion Error: ...") */
  const char *bads[] = {"2023-02-29T00:00:00+00:00", "2024-04-31T10:00:00Z", "2024-13-01T00:00:00+00:00"};
  for (size_t k = 0; k < sizeof bads / sizeof *bads; k++) {
    write_ts_job(job, 40000, bads[k]);
    for (int parallel = 0; parallel < 2; parallel++) {
      char db[64];
      snprintf(db, sizeof db, "ts_bad%zu_%d.duckdb", k, parallel);
      cdlt_destination *d = open_ts_db(db, parallel);
      if (!d) return;
      CHECK_EQ_INT(d->vtab->load_file(d, DS, &ts_table, job, CDLT_FORMAT_JSONL, err), CDLT_ERR_DESTINATION);
      CHECK_MSG(strstr(err->msg, bads[k]) != NULL && strstr(err->msg, "out of range") != NULL, "%s: %s", bads[k],
                err->msg);
      cdlt_destination_close(d);
    }
  }
}

/* `cdlt run`: an append load takes the parallel path, the staging tables of a merge never do */
static void test_cli_merge_stays_serial(void) {
  env e;
  env_new(&e);
  char *buf = NULL;
  size_t cap = 0;
  FILE *f = open_memstream(&buf, &cap);
  for (int i = 0; i < 30000; i++)   /* every id twice: the merge keeps one row per id */
    fprintf(f, "{\"id\": %d, \"n\": %d, \"pad\": \"padding text to make a row of about a hundred bytes\"}\n", i % 15000, i);
  fclose(f);
  const char *data = write_bytes(&e, "rows.jsonl", buf, cap);
  free(buf);
  const char *vars = "DESTINATION__DUCKDB__LOAD_BLOCK_SIZE=65536 DESTINATION__DUCKDB__THREADS=2 "
                     "CDLT_FAULT_POINT=load.duckdb_parallel CDLT_FAULT_MODE=error";
  char *out = NULL;
  int rc = cdlt_env(&e, vars, &out, "run '%s' --pipeline pm --table t --credentials '%s'", data, e.db);
  CHECK_MSG(rc != 0 && contains(out, "injected fault at 'load.duckdb_parallel'"), "exit %d: %s", rc, out);
  free(out);
  out = NULL;
  rc = cdlt_env(&e, vars, &out, "run '%s' --pipeline pm2 --table t --write-disposition merge --primary-key id "
                "--credentials '%s'", data, e.db);
  CHECK_MSG(rc == 0, "exit %d: %s", rc, out);
  free(out);
  CHECK_Q(e.db, "SELECT count(*), count(DISTINCT id) FROM pm2_dataset.t", "15000|15000");
  /* without the fault: the append loads in parallel, every row once */
  cdlt_env(&e, "DESTINATION__DUCKDB__LOAD_BLOCK_SIZE=65536 DESTINATION__DUCKDB__THREADS=2", NULL,
           "run '%s' --pipeline pa --table t --credentials '%s'", data, e.db);
  CHECK_Q(e.db, "SELECT count(*), sum(n), count(DISTINCT _dlt_id) FROM pa_dataset.t", "30000|449985000|30000");
}

/* a run killed between two parallel loads of its package: the next run loads the package once */
static void test_cli_killed_between_loads(void) {
  env e;
  env_new(&e);
  char *buf = NULL;
  size_t cap = 0;
  FILE *f = open_memstream(&buf, &cap);
  for (int i = 0; i < 20000; i++)   /* tables t and t__items: two jobs of several blocks */
    fprintf(f, "{\"id\": %d, \"pad\": \"padding text to make a row longer\", \"items\": [{\"k\": %d}, {\"k\": %d}]}\n", i,
            2 * i, 2 * i + 1);
  fclose(f);
  const char *data = write_bytes(&e, "rows.jsonl", buf, cap);
  free(buf);
  const char *par = "DESTINATION__DUCKDB__LOAD_BLOCK_SIZE=65536 DESTINATION__DUCKDB__THREADS=2";
  char vars[512];
  snprintf(vars, sizeof vars, "%s CDLT_FAULT_POINT=load.duckdb_parallel CDLT_FAULT_HIT=2", par);
  char *out = NULL;
  int rc = cdlt_env(&e, vars, &out, "run '%s' --pipeline pk --table t --credentials '%s'", data, e.db);
  CHECK_MSG(rc != 0, "the run was not killed: %s", out);
  free(out);
  out = NULL;
  rc = cdlt_env(&e, par, &out, "run '%s' --pipeline pk --table t --credentials '%s'", data, e.db);
  CHECK_MSG(rc == 0, "exit %d: %s", rc, out);
  free(out);
  CHECK_Q(e.db, "SELECT count(*), count(DISTINCT id), sum(id) FROM pk_dataset.t", "20000|20000|199990000");
  CHECK_Q(e.db, "SELECT count(*), sum(k) FROM pk_dataset.t__items", "40000|799980000");
  CHECK_Q(e.db, "SELECT count(*) FROM pk_dataset._dlt_loads", "1");
}

int main(void) {
  snprintf(tmp, sizeof tmp, "%s", check_tmpdir());
  char job[4096];
  snprintf(job, sizeof job, "%s/job.jsonl", tmp);
  write_rows(job, 60000, 0, NULL);   /* ~9 MB: ~140 blocks of 64 KiB */
  test_which_loads(job);
  test_same_rows(job);
  test_errors();
  test_split_parts();
  test_several_files(job);
  test_fast_path_values();
  test_fast_timestamps();
  test_cli_merge_stays_serial();
  test_cli_killed_between_loads();
  cdlt_rows_free(&rows);
  return check_finish();
}
