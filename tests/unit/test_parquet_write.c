/* test_parquet_write.c — cdlt's Parquet writer (src/formats): the Thrift compact encoder and the
 * RLE/bit-packing hybrid against byte sequences from the specifications, then conformance with
 * DuckDB: the same job file (every cdlt type, NULLs everywhere, unicode, empty and > 1 MiB strings,
 * extreme numbers, timestamps before 1970 and with fractions, decimals at max precision) written by
 * DuckDB's COPY ... (FORMAT parquet) as the filesystem destination did before, and by the new
 * writer with several row group / page / dictionary bounds; libduckdb then reads both: the
 * parquet_schema rows, the values (EXCEPT ALL both ways) and the statistics must be identical.
 * Conversion errors name the job file, line and column. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "destinations/destination.h"
#include "destinations/filesystem.h"
#include "formats/parquet_job.h"
#include "formats/parquet_write.h"
#include "formats/thrift_compact.h"
#include "util/buf.h"

static cdlt_error err_storage;
static cdlt_error *err = &err_storage;
static cdlt_destination *duck;
static cdlt_rows rows;

/* the single value of a one-row one-column query ("<error: ...>" on failure) */
static char *q1(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *q1(const char *fmt, ...) {
  static char out[1 << 16];
  char *sql = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&sql, fmt, ap) < 0) sql = NULL;
  va_end(ap);
  cdlt_rows_free(&rows);
  if (!sql || duck->vtab->query(duck, sql, &rows, err)) snprintf(out, sizeof out, "<error: %s>", err->msg);
  else if (rows.nrows != 1 || rows.ncols != 1) snprintf(out, sizeof out, "<%zu rows>", rows.nrows);
  else snprintf(out, sizeof out, "%s", cdlt_rows_get(&rows, 0, 0) ? cdlt_rows_get(&rows, 0, 0) : "NULL");
  free(sql);
  return out;
}

static char *hex(const cdlt_buf *b) {
  static char out[4096];
  size_t k = 0;
  for (size_t i = 0; i < b->len && k + 3 < sizeof out; i++) k += (size_t)snprintf(out + k, 4, "%02x", (uint8_t)b->data[i]);
  out[k] = 0;
  return out;
}

/* ---------------------------------------------------------------- encoders */

static void test_thrift_compact(void) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_tc t;
  cdlt_tc_init(&t, &b);
  cdlt_tc_struct_begin(&t);
  cdlt_tc_field_i32(&t, 1, 1);             /* 0x15 (delta 1, i32), zigzag(1) = 2 */
  cdlt_tc_field_i64(&t, 3, -1);            /* 0x26, zigzag(-1) = 1 */
  cdlt_tc_field_string(&t, 4, "ab");       /* 0x18, len 2, "ab" */
  cdlt_tc_field_bool(&t, 5, true);         /* 0x11 */
  cdlt_tc_field_bool(&t, 6, false);        /* 0x12 */
  cdlt_tc_field_i32(&t, 40, 300);          /* long form: 0x05, zigzag(40) = 80 = 0x50, zigzag(300) = 600 = d8 04 */
  cdlt_tc_field(&t, 41, CDLT_TC_LIST);     /* 0x19, 3 i32: 0x35 */
  cdlt_tc_list_begin(&t, CDLT_TC_I32, 3);
  cdlt_tc_i32(&t, 0);
  cdlt_tc_i32(&t, -2);
  cdlt_tc_i32(&t, 64);                     /* zigzag 128 = 80 01 */
  cdlt_tc_field(&t, 42, CDLT_TC_STRUCT);   /* 0x1c, nested ids restart */
  cdlt_tc_struct_begin(&t);
  cdlt_tc_field_empty_struct(&t, 2);       /* 0x2c 00 */
  cdlt_tc_struct_end(&t);                  /* 00 */
  cdlt_tc_field(&t, 43, CDLT_TC_LIST);     /* 0x19, 16 binaries: f8 10 */
  cdlt_tc_list_begin(&t, CDLT_TC_BINARY, 16);
  for (int i = 0; i < 16; i++) cdlt_tc_binary(&t, "", 0);
  cdlt_tc_struct_end(&t);
  CHECK(!cdlt_tc_failed(&t));
  CHECK_EQ_STR(hex(&b), "15022601180261621112" "0550d804" "193500038001" "1c2c0000"
                        "19f810" "00000000000000000000000000000000" "00");
  cdlt_buf_release(&b);
}

static void test_rle(void) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  /* the Parquet spec's bit-packing example: 0..7 with bit width 3 → 1 group: 03 88 c6 fa */
  uint32_t seq[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  CHECK_OK(cdlt_pq_rle_encode(&b, seq, 8, 3), err);
  CHECK_EQ_STR(hex(&b), "0388c6fa");
  /* a run: 100 x 5 at width 3 → header 100 << 1 = c8 01, value 05 */
  cdlt_buf_reset(&b);
  uint32_t run[100];
  for (int i = 0; i < 100; i++) run[i] = 5;
  CHECK_OK(cdlt_pq_rle_encode(&b, run, 100, 3), err);
  CHECK_EQ_STR(hex(&b), "c80105");
  /* literals, then a run once the literals fill a group of 8: 1 2 then 20 x 7 (width 4):
   * 1 2 7 7 7 7 7 7 bit-packed (03 21 77 77 77), then a run of 14 x 7 (1c 07) */
  cdlt_buf_reset(&b);
  uint32_t mix[22] = {1, 2};
  for (int i = 2; i < 22; i++) mix[i] = 7;
  CHECK_OK(cdlt_pq_rle_encode(&b, mix, 22, 4), err);
  CHECK_EQ_STR(hex(&b), "03217777771c07");
  /* a short tail is padded to a group: 1 0 1 (width 1) → 03 05 */
  cdlt_buf_reset(&b);
  uint32_t tail[3] = {1, 0, 1};
  CHECK_OK(cdlt_pq_rle_encode(&b, tail, 3, 1), err);
  CHECK_EQ_STR(hex(&b), "0305");
  cdlt_buf_release(&b);
}

/* ---------------------------------------------------------------- conformance with DuckDB */

#define C(n, t) {.name = n, .type = t, .nullable = true, .precision = -1, .scale = -1, .timezone = true}
#define CP(n, t, p, s) {.name = n, .type = t, .nullable = true, .precision = p, .scale = s, .timezone = true}
static cdlt_column_def all_cols[] = {
    C("id", CDLT_TYPE_BIGINT),
    C("s", CDLT_TYPE_TEXT),
    C("low", CDLT_TYPE_TEXT),
    C("mid", CDLT_TYPE_TEXT),
    C("f", CDLT_TYPE_DOUBLE),
    C("ok", CDLT_TYPE_BOOL),
    C("j", CDLT_TYPE_JSON),
    C("ts", CDLT_TYPE_TIMESTAMP),
    {.name = "tn", .type = CDLT_TYPE_TIMESTAMP, .nullable = true, .precision = -1, .scale = -1, .timezone = false},
    CP("tms", CDLT_TYPE_TIMESTAMP, 3, -1),
    C("d", CDLT_TYPE_DATE),
    C("t", CDLT_TYPE_TIME),
    C("b", CDLT_TYPE_BINARY),
    C("dec", CDLT_TYPE_DECIMAL),
    CP("dec9", CDLT_TYPE_DECIMAL, 9, 2),
    CP("dec18", CDLT_TYPE_DECIMAL, 18, 4),
    CP("dec20", CDLT_TYPE_DECIMAL, 20, 0),
    C("w", CDLT_TYPE_WEI),
    CP("h", CDLT_TYPE_BIGINT, 128, -1),
    CP("i32", CDLT_TYPE_BIGINT, 32, -1),
    C("nul", CDLT_TYPE_TEXT),
    C("_dlt_id", CDLT_TYPE_TEXT),
};
#define NCOLS (sizeof all_cols / sizeof *all_cols)
static const cdlt_table_def all_table = {.name = "every", .columns = all_cols, .ncolumns = NCOLS};

#define NROWS 30000
#define LONG_ROW 777
#define LONG_LEN ((size_t)1536 * 1024)

static const char *pick(int i, const char *const *v, size_t n) { return v[(size_t)i % n]; }

/* the job file as normalize writes it: typed JSON values, NULLs as absent keys (or null) */
static void write_job(const char *path, bool gz) {
  static const char *const texts[] = {"\"héllo wörld ✓ 😀\"", "\"\"", "\"a\\\"b\\\\c\\n\\u0001\"", "\"日本語テキスト\""};
  static const char *const doubles[] = {"1.7976931348623157e+308", "-1.7976931348623157e+308", "5e-324", "-0.0", "0.1", "1e+300", "-2.5", "123456789.125"};
  static const char *const jsons[] = {"{\"a\":[1,\"x\",null,true],\"b\":{\"c\":1.5}}", "[]", "\"str\"", "42", "{\"u\":\"é😀\"}", "[1,[2,[3]]]"};
  static const char *const tss[] = {"1969-12-31T23:59:59.999999+00:00", "1900-01-01T00:00:00+00:00", "0001-01-01T00:00:00+00:00",
                                    "9999-12-31T23:59:59.999999+00:00", "2024-02-29T12:34:56.5+00:00", "1970-01-01T00:00:00+00:00",
                                    "2024-01-01T10:00:00+05:30", "1950-06-15T08:30:00.000001+00:00"};
  static const char *const dates[] = {"0001-01-01", "9999-12-31", "1969-12-31", "1970-01-01", "2024-02-29", "1900-03-01"};
  static const char *const times[] = {"00:00:00", "23:59:59.999999", "12:00:00.5", "10:11:12.123456", "06:07:08"};
  static const char *const bins[] = {"\"AAH/\"", "\"\"", "\"aGVsbG8gd29ybGQ=\"", "\"/w==\""};
  /* DuckDB's read_json turns a JSON number read as VARCHAR into a double's text ("1e+29"), so the
   * DuckDB side only keeps the digits of up to 15-digit numbers: longer ones are strings here
   * (test_exact_numbers checks them as numbers against literal values) */
  static const char *const decs[] = {"12.50", "-0.000000001", "\"99999999999999999999999999999.999999999\"",
                                     "\"-99999999999999999999999999999.999999999\"", "1.00005", "-1.00005", "0", "3e5", "1.5E-3",
                                     "\"7.25\"", "\"1.0000000005\"", "\"-1.0000000005\"", "\"-0.0000000004\""};
  static const char *const dec9s[] = {"9999999.99", "-9999999.99", "0.005", "-0.004", "123.4"};
  static const char *const dec18s[] = {"\"99999999999999.9999\"", "\"-99999999999999.9999\"", "0.00005", "42", "12345.6789"};
  static const char *const dec20s[] = {"\"99999999999999999999\"", "\"-99999999999999999999\"", "\"12345678901234567890\"", "-1"};
  static const char *const weis[] = {"\"123456789012345678901234567890\"", "\"99999999999999999999999999999999999999\"", "-5", "0", "1000000000000000"};
  static const char *const hs[] = {"170141183460469231731687303715884105727", "-170141183460469231731687303715884105728",
                                   "18446744073709551617", "-9223372036854775808", "12345", "36893488147419103231"};
  gzFile gf = gz ? gzopen(path, "wb1") : NULL;
  FILE *f = gz ? NULL : fopen(path, "wb");
  CHECK_MSG(gf || f, "cannot create %s", path);
  cdlt_buf row;
  cdlt_buf_init(&row);
  for (int i = 0; i < NROWS; i++) {
    cdlt_buf_reset(&row);
    int64_t id = i == 1 ? INT64_MIN : i == 2 ? INT64_MAX : i;
    cdlt_buf_printf(&row, "{\"id\":%" PRId64, id);
    if (i == LONG_ROW) {
      cdlt_buf_puts(&row, ",\"s\":\"");
      for (size_t k = 0; k < LONG_LEN; k++) cdlt_buf_putc(&row, (char)('a' + k % 26));
      cdlt_buf_puts(&row, "\"");
    } else if (i % 7 != 3) {
      if (i % 5 == 0) cdlt_buf_printf(&row, ",\"s\":%s", pick(i / 5, texts, 4));
      else cdlt_buf_printf(&row, ",\"s\":\"row %d of the set\"", i * 7919 % 100003);
    }
    if (i % 11 != 5) cdlt_buf_printf(&row, ",\"low\":\"%s\"", pick(i, (const char *const[]){"red", "green", "blue", ""}, 4));
    if (i % 13 != 1) cdlt_buf_printf(&row, ",\"mid\":\"value %d\"", i / 3);
    if (i % 4 != 1) cdlt_buf_printf(&row, ",\"f\":%s", i % 3 ? pick(i, doubles, 8) : "7");
    if (i % 3 != 2) cdlt_buf_printf(&row, ",\"ok\":%s", i % 5 < 2 ? "true" : "false");
    else cdlt_buf_puts(&row, ",\"ok\":null");
    if (i % 6 != 0) cdlt_buf_printf(&row, ",\"j\":%s", pick(i, jsons, 6));
    if (i % 9 != 4) cdlt_buf_printf(&row, ",\"ts\":\"%s\"", pick(i, tss, 8));
    if (i % 8 != 2) cdlt_buf_printf(&row, ",\"tn\":\"%s\"", pick(i + 3, tss, 8));
    if (i % 10 != 7) cdlt_buf_printf(&row, ",\"tms\":\"%s\"", pick(i + 1, tss, 8));
    if (i % 7 != 0) cdlt_buf_printf(&row, ",\"d\":\"%s\"", pick(i, dates, 6));
    if (i % 6 != 3) cdlt_buf_printf(&row, ",\"t\":\"%s\"", pick(i, times, 5));
    if (i % 5 != 4) cdlt_buf_printf(&row, ",\"b\":%s", pick(i, bins, 4));
    if (i % 4 != 3) cdlt_buf_printf(&row, ",\"dec\":%s", pick(i, decs, 13));
    if (i % 3 != 0) cdlt_buf_printf(&row, ",\"dec9\":%s", pick(i, dec9s, 5));
    if (i % 5 != 1) cdlt_buf_printf(&row, ",\"dec18\":%s", pick(i, dec18s, 5));
    if (i % 6 != 1) cdlt_buf_printf(&row, ",\"dec20\":%s", pick(i, dec20s, 4));
    if (i % 7 != 6) cdlt_buf_printf(&row, ",\"w\":%s", pick(i, weis, 5));
    if (i % 8 != 5) cdlt_buf_printf(&row, ",\"h\":%s", pick(i, hs, 6));
    if (i % 9 != 8) cdlt_buf_printf(&row, ",\"i32\":%d", i % 2 ? -2147483647 - 1 : 2147483647 - i);
    cdlt_buf_printf(&row, ",\"_dlt_id\":\"id%07d\"}\n", i);
    if (gz) CHECK(gzwrite(gf, row.data, (unsigned)row.len) == (int)row.len);
    else CHECK(fwrite(row.data, 1, row.len, f) == row.len);
  }
  cdlt_buf_release(&row);
  if (gz) CHECK(gzclose(gf) == Z_OK);
  else CHECK(fclose(f) == 0);
}

/* the filesystem destination's former parquet writer: DuckDB's COPY with the same casts */
static void duck_write(const cdlt_table_def *table, const char *job, const char *out) {
  cdlt_buf cols, sel, sql;
  cdlt_buf_init(&cols);
  cdlt_buf_init(&sel);
  cdlt_buf_init(&sql);
  for (size_t i = 0; i < table->ncolumns; i++) CHECK_OK(cdlt_fsd_column_read_sql(&cols, &sel, &table->columns[i], false, err), err);
  cdlt_buf_printf(&sql,
                  "COPY (SELECT %s FROM read_json('%s', format='newline_delimited', records=true, columns={%s}, "
                  "compression='auto_detect', maximum_object_size=67108864, ignore_errors=false)) TO '%s' "
                  "(FORMAT parquet, ROW_GROUP_SIZE 8192)",
                  sel.data, job, cols.data, out);
  CHECK_OK(duck->vtab->execute(duck, sql.data, err), err);
  cdlt_buf_release(&cols);
  cdlt_buf_release(&sel);
  cdlt_buf_release(&sql);
}

#define SCHEMA_ROW                                                                                                    \
  "concat_ws('|', name, coalesce(type, '-'), coalesce(type_length::VARCHAR, '-'), coalesce(repetition_type, '-'), " \
  "coalesce(num_children::VARCHAR, '-'), coalesce(converted_type, '-'), coalesce(scale::VARCHAR, '-'), "            \
  "coalesce(precision::VARCHAR, '-'), coalesce(field_id::VARCHAR, '-'), coalesce(logical_type, '-'), "             \
  "coalesce(duckdb_type, '-'))"

/* schema and values of new equal those of old */
static void check_same(const char *old, const char *new_, const char *what) {
  char want[1 << 14];
  snprintf(want, sizeof want, "%s", q1("SELECT string_agg(" SCHEMA_ROW ", chr(10)) FROM parquet_schema('%s')", old));
  CHECK_MSG(strstr(want, "dec|FIXED_LEN_BYTE_ARRAY|16|OPTIONAL|-|DECIMAL|9|38|"), "%s: %s", what, want);
  const char *got = q1("SELECT string_agg(" SCHEMA_ROW ", chr(10)) FROM parquet_schema('%s')", new_);
  CHECK_MSG(!strcmp(got, want), "%s: schema\n  got:  %s\n  want: %s", what, got, want);
  CHECK_EQ_STR(q1("SELECT count(*) FROM read_parquet('%s')", new_), "30000");
  CHECK_MSG(!strcmp(q1("SELECT count(*) FROM (SELECT * FROM read_parquet('%s') EXCEPT ALL SELECT * FROM read_parquet('%s'))",
                       old, new_), "0"),
            "%s: rows of the DuckDB file missing from the new one: %s", what, q1("SELECT count(*) FROM (SELECT * FROM read_parquet('%s') EXCEPT ALL SELECT * FROM read_parquet('%s'))", old, new_));
  CHECK_MSG(!strcmp(q1("SELECT count(*) FROM (SELECT * FROM read_parquet('%s') EXCEPT ALL SELECT * FROM read_parquet('%s'))",
                       new_, old), "0"),
            "%s: rows of the new file missing from the DuckDB one", what);
  /* the same rows in the same order: a digest over the row number and the whole row */
  const char *dg = "SELECT sum(hash(rn, r)) FROM (SELECT row_number() OVER () rn, t::VARCHAR r FROM read_parquet('%s') t)";
  char h_old[128];
  snprintf(h_old, sizeof h_old, "%s", q1(dg, old));
  CHECK_MSG(!strcmp(q1(dg, new_), h_old), "%s: row order or content differs", what);
}

static void test_conformance(void) {
  char job[4096], jobgz[4096], old[4096], out[4096];
  snprintf(job, sizeof job, "%s/every.jsonl", check_tmpdir());
  snprintf(jobgz, sizeof jobgz, "%s/every.jsonl.gz", check_tmpdir());
  snprintf(old, sizeof old, "%s/every_duck.parquet", check_tmpdir());
  snprintf(out, sizeof out, "%s/every_cdlt.parquet", check_tmpdir());
  write_job(job, false);
  write_job(jobgz, true);
  duck_write(&all_table, job, old);

  /* the defaults, as the filesystem destination writes */
  CHECK_OK(cdlt_parquet_write_job(&all_table, job, out, NULL, err), err);
  check_same(old, out, "defaults");
  char created_by[64];
  snprintf(created_by, sizeof created_by, "cdlt version %s", cdlt_version());
  CHECK_EQ_STR(q1("SELECT created_by FROM parquet_file_metadata('%s')", out), created_by);
  CHECK_EQ_STR(q1("SELECT length(s) FROM read_parquet('%s') WHERE id = %d", out, LONG_ROW), "1572864");
  CHECK_EQ_STR(q1("SELECT count(*) FROM read_parquet('%s') WHERE nul IS NOT NULL", out), "0");
  /* dictionaries where they pay (low, ok is never), PLAIN where they do not (_dlt_id) */
  CHECK_EQ_STR(q1("SELECT encodings FROM parquet_metadata('%s') WHERE path_in_schema = 'low' AND row_group_id = 0", out),
               "RLE, PLAIN, RLE_DICTIONARY");
  CHECK_EQ_STR(q1("SELECT encodings FROM parquet_metadata('%s') WHERE path_in_schema = '_dlt_id' AND row_group_id = 0", out),
               "RLE, PLAIN");
  CHECK_EQ_STR(q1("SELECT compression FROM parquet_metadata('%s') WHERE path_in_schema = 'id' AND row_group_id = 0", out), "SNAPPY");

  /* the same row groups as DuckDB's 8192 rows: statistics equal, column by column */
  cdlt_pq_options rg = {.row_group_rows = 8192, .row_group_bytes = (size_t)1 << 30};
  CHECK_OK(cdlt_parquet_write_job(&all_table, jobgz, out, &rg, err), err);
  check_same(old, out, "8192-row groups from gzip");
  const char *stats = "SELECT string_agg(concat_ws('|', row_group_id, path_in_schema, num_values, stats_null_count, "
                      "coalesce(stats_min_value, '-'), coalesce(stats_max_value, '-')), chr(10) ORDER BY row_group_id, "
                      "column_id) FROM parquet_metadata('%s') WHERE path_in_schema NOT IN ('s', 'j', 'b', 'mid', 'low', 'nul', '_dlt_id', 'f', 'h')";
  char want[1 << 15];
  snprintf(want, sizeof want, "%s", q1(stats, old));
  const char *got = q1(stats, out);
  CHECK_MSG(!strcmp(got, want), "statistics\n  got:  %s\n  want: %s", got, want);
  const char *fstats = "SELECT string_agg(concat_ws('|', row_group_id, path_in_schema, stats_null_count, "
                       "coalesce(stats_min_value, '-'), coalesce(stats_max_value, '-')), chr(10) ORDER BY row_group_id, "
                       "column_id) FROM parquet_metadata('%s') WHERE path_in_schema IN ('f', 'low', 'mid', '_dlt_id')";
  snprintf(want, sizeof want, "%s", q1(fstats, old));
  got = q1(fstats, out);
  CHECK_MSG(!strcmp(got, want), "double / string statistics\n  got:  %s\n  want: %s", got, want);
  CHECK_EQ_STR(q1("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('%s')", out), "4");
  /* DuckDB writes no min/max for HUGEINT (as DOUBLE); cdlt does */
  CHECK_EQ_STR(q1("SELECT stats_min_value || ' ' || stats_max_value FROM parquet_metadata('%s') WHERE path_in_schema = 'h' "
                  "AND row_group_id = 0", out), "-1.7014118346046923e+38 1.7014118346046923e+38");

  /* small bounds: many row groups and pages, dictionaries falling back to PLAIN mid-chunk */
  cdlt_pq_options small = {.row_group_rows = 3000, .row_group_bytes = 256 << 10, .page_bytes = 2000, .dict_bytes = 1500};
  CHECK_OK(cdlt_parquet_write_job(&all_table, job, out, &small, err), err);
  check_same(old, out, "small bounds");
  CHECK_MSG(atoi(q1("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('%s')", out)) >= 10, "%s",
            q1("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('%s')", out));
  /* mid: 3 rows a value, so the dictionary passes the probe and outgrows 1500 bytes */
  CHECK_EQ_STR(q1("SELECT encodings FROM parquet_metadata('%s') WHERE path_in_schema = 'mid' AND row_group_id = 1", out),
               "RLE, PLAIN, RLE_DICTIONARY");

  /* no dictionary, no compression */
  cdlt_pq_options plain = {.no_dictionary = true, .no_compression = true};
  CHECK_OK(cdlt_parquet_write_job(&all_table, job, out, &plain, err), err);
  check_same(old, out, "plain");
  CHECK_EQ_STR(q1("SELECT compression FROM parquet_metadata('%s') WHERE path_in_schema = 'id' AND row_group_id = 0", out),
               "UNCOMPRESSED");
}

/* decimals and wei as the JSON numbers normalize writes keep every digit (DuckDB's read_json
 * would have read them through a double); decimals round half away from zero as DuckDB's cast */
static void test_exact_numbers(void) {
  char job[4096], out[4096];
  snprintf(job, sizeof job, "%s/exact.jsonl", check_tmpdir());
  snprintf(out, sizeof out, "%s/exact.parquet", check_tmpdir());
  FILE *f = fopen(job, "wb");
  CHECK(f != NULL);
  if (!f) return;
  fputs("{\"dec\":99999999999999999999999999999.999999999,\"w\":123456789012345678901234567890,\"d2\":1.005,\"h\":36893488147419103231}\n"
        "{\"dec\":-0.0000000005,\"w\":-99999999999999999999999999999999999999,\"d2\":-1.005,\"h\":-36893488147419103232}\n"
        "{\"dec\":1.23456789012345678901e5,\"w\":1e3,\"d2\":0.004999,\"h\":-1}\n", f);
  fclose(f);
  cdlt_column_def cols[] = {C("dec", CDLT_TYPE_DECIMAL), C("w", CDLT_TYPE_WEI), CP("d2", CDLT_TYPE_DECIMAL, 5, 2),
                            CP("h", CDLT_TYPE_BIGINT, 128, -1)};
  cdlt_table_def t = {.name = "exact", .columns = cols, .ncolumns = 4};
  CHECK_OK(cdlt_parquet_write_job(&t, job, out, NULL, err), err);
  CHECK_EQ_STR(q1("SELECT string_agg(dec::VARCHAR || ' ' || w::VARCHAR || ' ' || d2::VARCHAR || ' ' || h::VARCHAR, ', ') "
                  "FROM read_parquet('%s')", out),
               "99999999999999999999999999999.999999999 123456789012345678901234567890 1.01 3.6893488147419103e+19, "
               "-0.000000001 -99999999999999999999999999999999999999 -1.01 -3.6893488147419103e+19, "
               "123456.789012346 1000 0.00 -1.0");
}

/* ---------------------------------------------------------------- errors */

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

static void test_errors(void) {
  char job[4096], out[4096];
  snprintf(job, sizeof job, "%s/bad.jsonl", check_tmpdir());
  snprintf(out, sizeof out, "%s/bad.parquet", check_tmpdir());
  struct {
    const char *col_json;
    cdlt_column_def col;
    const char *msg;
  } cases[] = {
      {"\"x\":\"2024-13-01\"", C("x", CDLT_TYPE_DATE), "column 'x' to parquet: '2024-13-01' is not a valid DATE"},
      {"\"x\":\"yesterday\"", C("x", CDLT_TYPE_TIMESTAMP), "column 'x' to parquet: 'yesterday' is not a valid TIMESTAMP"},
      {"\"x\":\"25:00:00\"", C("x", CDLT_TYPE_TIME), "column 'x' to parquet: '25:00:00' is not a valid TIME"},
      {"\"x\":1.5", C("x", CDLT_TYPE_BIGINT), "column 'x' to parquet: cannot convert a float to BIGINT"},
      {"\"x\":123456789012345678901", C("x", CDLT_TYPE_BIGINT), "integer 123456789012345678901 is out of the BIGINT range"},
      {"\"x\":\"1\"", C("x", CDLT_TYPE_BOOL), "column 'x' to parquet: cannot convert a string to BOOLEAN"},
      {"\"x\":\"a?b\"", C("x", CDLT_TYPE_BINARY), "column 'x' to parquet: "},
      {"\"x\":1e40", C("x", CDLT_TYPE_DECIMAL), "column 'x' to parquet: '1e40' is not a DECIMAL(38,9)"},
      {"\"x\":10000.005", CP("x", CDLT_TYPE_DECIMAL, 6, 2), "'10000.005' is not a DECIMAL(6,2)"},
      {"\"x\":\"abc\"", C("x", CDLT_TYPE_DECIMAL), "'abc' is not a DECIMAL(38,9)"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char text[512];
    snprintf(text, sizeof text, "{\"id\":1}\n{\"id\":2,%s}\n", cases[k].col_json);
    write_text(job, text);
    cdlt_column_def cols[2] = {C("id", CDLT_TYPE_BIGINT), cases[k].col};
    cdlt_table_def t = {.name = "bad", .columns = cols, .ncolumns = 2};
    int rc = cdlt_parquet_write_job(&t, job, out, NULL, err);
    CHECK_EQ_INT(rc, CDLT_ERR_SCHEMA);
    char want[1024];
    snprintf(want, sizeof want, "cannot convert '%s' line 2 ", job);
    CHECK_MSG(strstr(err->msg, want) && strstr(err->msg, cases[k].msg), "case %zu: %s", k, err->msg);
  }
  /* a decimal precision DuckDB does not have */
  cdlt_column_def wide[1] = {CP("x", CDLT_TYPE_DECIMAL, 76, 0)};
  cdlt_table_def tw = {.name = "bad", .columns = wide, .ncolumns = 1};
  CHECK_EQ_INT(cdlt_parquet_write_job(&tw, job, out, NULL, err), CDLT_ERR_SCHEMA);
  CHECK_EQ_STR(err->msg, "column 'x': decimal(76,0) cannot be written to parquet (precision 1..38, scale 0..precision)");
  /* a row that is not an object, a malformed job, a missing job */
  cdlt_column_def one[1] = {C("id", CDLT_TYPE_BIGINT)};
  cdlt_table_def t1 = {.name = "bad", .columns = one, .ncolumns = 1};
  write_text(job, "{\"id\":1}\n[1]\n");
  CHECK_EQ_INT(cdlt_parquet_write_job(&t1, job, out, NULL, err), CDLT_ERR_SCHEMA);
  CHECK_MSG(strstr(err->msg, "line 2 to parquet: expected a JSON object, got an array"), "%s", err->msg);
  write_text(job, "{\"id\":1}\n{\"id\":\n");
  CHECK(cdlt_parquet_write_job(&t1, job, out, NULL, err) == CDLT_ERR_PARSE);
  CHECK_MSG(strstr(err->msg, "bad.jsonl"), "%s", err->msg);
  char missing[4096];
  snprintf(missing, sizeof missing, "%s/nope.jsonl", check_tmpdir());
  CHECK(cdlt_parquet_write_job(&t1, missing, out, NULL, err) < 0);
  CHECK_MSG(strstr(err->msg, "nope.jsonl"), "%s", err->msg);
  /* an unwritable destination */
  write_text(job, "{\"id\":1}\n");
  CHECK_EQ_INT(cdlt_parquet_write_job(&t1, job, "/nonexistent-dir/x.parquet", NULL, err), CDLT_ERR_IO);
  CHECK_MSG(strstr(err->msg, "cannot create '/nonexistent-dir/x.parquet'"), "%s", err->msg);
  /* an empty job: a valid file without row groups */
  write_text(job, "");
  CHECK_OK(cdlt_parquet_write_job(&t1, job, out, NULL, err), err);
  CHECK_EQ_STR(q1("SELECT count(*) FROM read_parquet('%s')", out), "0");
  CHECK_EQ_STR(q1("SELECT string_agg(name || ' ' || type, ',') FROM parquet_schema('%s') WHERE type IS NOT NULL", out), "id INT64");
}

/* the writer API directly: a row without every column is refused */
static void test_writer_api(void) {
  char out[4096];
  snprintf(out, sizeof out, "%s/api.parquet", check_tmpdir());
  cdlt_pq_column_spec specs[2] = {{.name = "a", .type = CDLT_PQ_INT64}, {.name = "b", .type = CDLT_PQ_FIXED, .type_length = 4}};
  cdlt_pq_writer *w = NULL;
  CHECK_OK(cdlt_pq_writer_open(&w, out, specs, 2, NULL, err), err);
  CHECK_EQ_INT(cdlt_pq_put_i64(w, 0, 7), 0);
  CHECK_EQ_INT(cdlt_pq_put_bytes(w, 1, "abc", 3), CDLT_ERR_USAGE);   /* wrong fixed length */
  CHECK_EQ_INT(cdlt_pq_end_row(w, err), CDLT_ERR_USAGE);
  CHECK_EQ_STR(err->msg, "parquet: no value for column 'b' in row 1");
  CHECK_EQ_INT(cdlt_pq_put_bytes(w, 1, "abcd", 4), 0);
  CHECK_OK(cdlt_pq_end_row(w, err), err);
  CHECK_OK(cdlt_pq_writer_close(w, err), err);
  CHECK(cdlt_pq_writer_rows(w) == 1 && cdlt_pq_writer_row_groups(w) == 1);
  cdlt_pq_writer_free(w);
  CHECK_EQ_STR(q1("SELECT a || ' ' || b::VARCHAR FROM read_parquet('%s')", out), "7 abcd");
  CHECK_EQ_INT(cdlt_pq_writer_open(&w, out, specs, 0, NULL, err), CDLT_ERR_USAGE);
}

int main(void) {
  test_thrift_compact();
  test_rle();
  const cdlt_destination_vtab *vt = cdlt_destination_find("duckdb");
  cdlt_destination_config cfg = {.credentials = ":memory:"};
  CHECK_OK(cdlt_destination_open(vt, &cfg, &duck, err), err);
  if (duck) {
    test_writer_api();
    test_errors();
    test_conformance();
    test_exact_numbers();
    cdlt_rows_free(&rows);
    cdlt_destination_close(duck);
  }
  return check_finish();
}
