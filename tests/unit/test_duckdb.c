/* test_duckdb.c — the DuckDB destination on a real database file: DDL from sql_gen, bulk loads of
 * jsonl / jsonl.gz files, values read back as text, transactions, errors.
 * Set CDLT_BENCH_MB=100 to also measure the load throughput of a generated file of that size. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <zlib.h>

#include "check.h"
#include "destinations/destination.h"
#include "load/sql_gen.h"

static cdlt_error err_storage;
static cdlt_error *err = &err_storage; /* a pointer: CHECK_OK tests it */
static cdlt_destination *dst;
static cdlt_buf sql;
static cdlt_rows rows;
static char tmp[4096];

#define DS "my_data"

static int exec(const char *s) { return dst->vtab->execute(dst, s, err); }
static int q(const char *s) {
  cdlt_rows_free(&rows);
  return dst->vtab->query(dst, s, &rows, err);
}
static const char *cell(size_t r, size_t c) {
  if (r >= rows.nrows || c >= rows.ncols) return "<out of range>";
  return cdlt_rows_get(&rows, r, c);
}
/* the single value of a one-row one-column query */
static const char *q1(const char *s) {
  if (q(s)) {
    check_report(0, __FILE__, __LINE__, "query failed: %s: %s", s, err->msg);
    return "<error>";
  }
  return rows.nrows == 1 && rows.ncols == 1 ? cell(0, 0) : "<not one value>";
}

static void write_file(const char *path, const char *content, bool gz) {
  if (gz) {
    gzFile f = gzopen(path, "wb");
    CHECK(f != NULL);
    gzwrite(f, content, (unsigned)strlen(content));
    gzclose(f);
  } else {
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    fwrite(content, 1, strlen(content), f);
    fclose(f);
  }
}

#define C(n, t) {.name = n, .type = t, .nullable = true, .precision = -1, .scale = -1, .timezone = true}

static cdlt_column_def all_cols[] = {
    {.name = "id", .type = CDLT_TYPE_BIGINT, .nullable = false, .precision = -1, .scale = -1, .timezone = true},
    C("t", CDLT_TYPE_TEXT),
    C("d", CDLT_TYPE_DOUBLE),
    C("b", CDLT_TYPE_BOOL),
    C("ts", CDLT_TYPE_TIMESTAMP),
    C("j", CDLT_TYPE_JSON),
    C("dec", CDLT_TYPE_DECIMAL),
    C("w", CDLT_TYPE_WEI),
    C("dt", CDLT_TYPE_DATE),
    C("tm", CDLT_TYPE_TIME),
    C("bin", CDLT_TYPE_BINARY),
    {.name = "tsn", .type = CDLT_TYPE_TIMESTAMP, .nullable = true, .precision = -1, .scale = -1, .timezone = false},
    {.name = "i16", .type = CDLT_TYPE_BIGINT, .nullable = true, .precision = 16, .scale = -1, .timezone = true},
    {.name = "tsms", .type = CDLT_TYPE_TIMESTAMP, .nullable = true, .precision = 3, .scale = -1, .timezone = false},
};
#define NALL (sizeof all_cols / sizeof *all_cols)

static void test_open_errors(void) {
  cdlt_destination *d = NULL;
  const cdlt_destination_vtab *vt = cdlt_destination_find("duckdb");
  CHECK(vt != NULL && strcmp(vt->name, "duckdb") == 0 && vt->dialect == &cdlt_dialect_duckdb);
  CHECK(cdlt_destination_find("nope") == NULL);
  snprintf(tmp, sizeof tmp, "%s/no/such/dir/x.duckdb", check_tmpdir());
  cdlt_destination_config cfg = {.credentials = tmp, .pipeline_name = "p"};
  int rc = cdlt_destination_open(vt, &cfg, &d, err);
  CHECK(rc == CDLT_ERR_DESTINATION && d == NULL);
  CHECK_MSG(strstr(err->msg, "cannot open duckdb database '") && strstr(err->msg, "x.duckdb"), "%s", err->msg);
  cfg.credentials = "";
  CHECK(cdlt_destination_open(vt, &cfg, &d, err) == CDLT_ERR_USAGE);
}

static void test_schema_and_internal_tables(void) {
  CHECK_EQ_STR(q1("SELECT current_setting('TimeZone')"), "UTC");
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_dataset_exists(&sql, &cdlt_dialect_duckdb, DS, err), err);
  CHECK_OK(q(sql.data), err);
  CHECK_EQ_INT(rows.nrows, 0);
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_create_schema(&sql, &cdlt_dialect_duckdb, DS, err), err);
  CHECK_OK(exec(sql.data), err);
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_dataset_exists(&sql, &cdlt_dialect_duckdb, DS, err), err);
  CHECK_OK(q(sql.data), err);
  CHECK_EQ_INT(rows.nrows, 1);
  CHECK_EQ_STR(cell(0, 0), "1");

  /* internal tables + a data table in one multi-statement script, in a transaction */
  cdlt_table_def all = {"all_types", all_cols, NALL - 1, false};
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_duckdb, DS, &cdlt_dlt_version_table, err), err);
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_duckdb, DS, &cdlt_dlt_loads_table, err), err);
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_duckdb, DS, &cdlt_dlt_pipeline_state_table, err), err);
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_duckdb, DS, &all, err), err);
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_OK(exec(sql.data), err);
  CHECK_OK(dst->vtab->commit(dst, err), err);
  /* migration: add the last column */
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_alter_table_add(&sql, &cdlt_dialect_duckdb, DS, "all_types", &all_cols[NALL - 1], 1, err), err);
  CHECK_OK(exec(sql.data), err);

  const char *tables[] = {"_dlt_version", "_dlt_loads", "_dlt_pipeline_state", "all_types"};
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_columns_query(&sql, &cdlt_dialect_duckdb, DS, tables, 4, err), err);
  CHECK_OK(q(sql.data), err);
  CHECK_EQ_INT(rows.ncols, 6);
  CHECK_EQ_STR(rows.col_names[2], "data_type");
  CHECK_EQ_INT(rows.nrows, 6 + 5 + 8 + NALL);
  /* ordered by table_name, ordinal_position: _dlt_loads, _dlt_pipeline_state, _dlt_version, all_types */
  CHECK_EQ_STR(cell(0, 0), "_dlt_loads");
  CHECK_EQ_STR(cell(0, 1), "load_id");
  CHECK_EQ_STR(cell(0, 2), "VARCHAR");
  CHECK_EQ_STR(cell(0, 3), "NO");
  CHECK_EQ_STR(cell(1, 3), "YES");
  CHECK_EQ_STR(cell(3, 2), "TIMESTAMP WITH TIME ZONE");
  static const char *expected_types[] = {
      "BIGINT", "VARCHAR", "DOUBLE", "BOOLEAN", "TIMESTAMP WITH TIME ZONE", "JSON", "DECIMAL(38,9)",
      "DECIMAL(38,0)", "DATE", "TIME", "BLOB", "TIMESTAMP", "SMALLINT", "TIMESTAMP_MS"};
  size_t base = 6 + 5 + 8;
  for (size_t i = 0; i < NALL; i++) {
    CHECK_EQ_STR(cell(base + i, 0), "all_types");
    CHECK_EQ_STR(cell(base + i, 1), all_cols[i].name);
    CHECK_EQ_STR(cell(base + i, 2), expected_types[i]);
  }
  CHECK_EQ_STR(cell(base + 6, 4), "38");   /* numeric_precision */
  CHECK_EQ_STR(cell(base + 6, 5), "9");    /* numeric_scale */
  CHECK_EQ_STR(cell(base + 1, 4), NULL);

  /* _dlt_version / _dlt_loads rows, read back */
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_insert_version(&sql, &cdlt_dialect_duckdb, DS, 2, 11, "2024-02-01T10:00:00+02:00",
                                   "my_schema", "hash=", "{\"a\":\"it's\"}", 12, err), err);
  CHECK_OK(exec(sql.data), err);
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_insert_version(&sql, &cdlt_dialect_duckdb, DS, 3, 11, "2024-02-01T10:00:00.123456+00:00",
                                   "my_schema", "hash2", "{}", 2, err), err);
  CHECK_OK(exec(sql.data), err);
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_version_by_hash(&sql, &cdlt_dialect_duckdb, DS, "hash=", err), err);
  CHECK_OK(q(sql.data), err);
  CHECK_EQ_INT(rows.nrows, 1);
  CHECK_EQ_STR(cell(0, 0), "2");
  CHECK_EQ_STR(cell(0, 1), "11");
  CHECK_EQ_STR(cell(0, 2), "2024-02-01T08:00:00+00:00");
  CHECK_EQ_STR(cell(0, 3), "my_schema");
  CHECK_EQ_STR(cell(0, 5), "{\"a\":\"it's\"}");
  CHECK_EQ_STR(rows.col_names[5], "schema");
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_newest_schema(&sql, &cdlt_dialect_duckdb, DS, "my_schema", err), err);
  CHECK_OK(q(sql.data), err);
  CHECK_EQ_INT(rows.nrows, 1);
  CHECK_EQ_STR(cell(0, 0), "3");
  CHECK_EQ_STR(cell(0, 2), "2024-02-01T10:00:00.123456+00:00");

  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_insert_load(&sql, &cdlt_dialect_duckdb, DS, "1795273080.7271657", "my_schema", 0,
                                "2026-11-21T14:58:00.879536+00:00", "hash2", err), err);
  CHECK_OK(exec(sql.data), err);
  CHECK_OK(exec("INSERT INTO " DS "._dlt_pipeline_state VALUES (1, 4, 'pipe', 'eNp9', "
                "'2026-11-21T14:58:00.741873+00:00', 'vh', '1795273080.7271657', 'id1')"),
           err);
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_newest_state(&sql, &cdlt_dialect_duckdb, DS, "pipe", err), err);
  CHECK_OK(q(sql.data), err);
  CHECK_EQ_INT(rows.nrows, 1);
  CHECK_EQ_STR(cell(0, 3), "eNp9");
  CHECK_EQ_STR(cell(0, 4), "2026-11-21T14:58:00.741873+00:00");
  CHECK_EQ_STR(cell(0, 5), "1795273080.7271657");
}

/* One line per row; keys may be missing (NULL). */
static const char *jsonl_rows =
    "{\"id\":1,\"t\":\"123\",\"d\":1e+20,\"b\":true,\"ts\":\"2024-01-01T10:00:00+00:00\",\"j\":{\"a\":[1,2,{\"b\":null}],\"s\":\"x\\\"y\"},"
    "\"dec\":\"1.5\",\"w\":\"99999999999999999999999999999999999999\",\"dt\":\"2024-01-31\",\"tm\":\"10:11:12.5\","
    "\"bin\":\"AAH/\",\"tsn\":\"2024-02-01T10:00:00+02:00\",\"i16\":-32768,\"tsms\":\"2024-01-01T00:00:00.123+00:00\"}\n"
    "{\"id\":9223372036854775807,\"t\":\"za\\u017c\\u00f3\\u0142\\u0107 \xf0\x9f\x8e\x89 it's \\\"q\\\"\\nline2\\\\\",\"d\":0.1,\"b\":false,"
    "\"ts\":\"2024-02-01T10:00:00.123456+02:00\",\"j\":\"just a string\",\"dec\":12.25,\"dt\":\"1999-12-31\",\"tsn\":\"2024-01-01T10:00:00\"}\n"
    "{\"id\":-9223372036854775808,\"t\":\"\",\"d\":-2.5,\"ts\":\"2024-01-01T10:00:00.000001Z\",\"j\":[],\"w\":\"0\"}\n"
    "{\"id\":4,\"t\":null,\"d\":null,\"b\":null,\"ts\":null,\"j\":null,\"dec\":null,\"w\":null,\"dt\":null,\"tm\":null,\"bin\":null,\"tsn\":null,\"i16\":null,\"tsms\":null}\n"
    "{\"id\":5,\"j\":{\"n\":1.0,\"big\":12345678901234567890,\"u\":\"\xc3\xa9\"},\"d\":3}\n";

static void check_loaded_rows(long long id_offset) {
  char s[512];
  snprintf(s, sizeof s,
           "SELECT id, t, d, b, ts, j, dec, w, dt, tm, bin, tsn, i16, tsms, typeof(j) FROM " DS
           ".all_types WHERE _k = %lld ORDER BY id",
           id_offset);
  if (!dst) return;
  CHECK_OK(q(s), err);
  CHECK_EQ_INT(rows.nrows, 5);
  if (rows.nrows != 5) return;
  /* row order by id: INT64_MIN, 1, 4, 5, INT64_MAX */
  CHECK_EQ_STR(cell(0, 0), "-9223372036854775808");
  CHECK_EQ_STR(cell(0, 1), "");
  CHECK_EQ_STR(cell(0, 2), "-2.5");
  CHECK_EQ_STR(cell(0, 3), NULL);
  CHECK_EQ_STR(cell(0, 4), "2024-01-01T10:00:00.000001+00:00");
  CHECK_EQ_STR(cell(0, 5), "[]");
  CHECK_EQ_STR(cell(0, 7), "0");

  CHECK_EQ_STR(cell(1, 0), "1");
  CHECK_EQ_STR(cell(1, 1), "123");
  CHECK_EQ_STR(cell(1, 2), "1e+20");
  CHECK_EQ_STR(cell(1, 3), "true");
  CHECK_EQ_STR(cell(1, 4), "2024-01-01T10:00:00+00:00");
  CHECK_EQ_STR(cell(1, 5), "{\"a\":[1,2,{\"b\":null}],\"s\":\"x\\\"y\"}");
  CHECK_EQ_STR(cell(1, 6), "1.500000000");
  CHECK_EQ_STR(cell(1, 7), "99999999999999999999999999999999999999");
  CHECK_EQ_STR(cell(1, 8), "2024-01-31");
  CHECK_EQ_STR(cell(1, 9), "10:11:12.5");
  CHECK_EQ_STR(cell(1, 10), "\\x00\\x01\\xFF");
  CHECK_EQ_STR(cell(1, 11), "2024-02-01T08:00:00");
  CHECK_EQ_STR(cell(1, 12), "-32768");
  CHECK_EQ_STR(cell(1, 13), "2024-01-01T00:00:00.123000");
  CHECK_EQ_STR(cell(1, 14), "JSON");

  for (size_t c = 1; c < 14; c++) CHECK_MSG(cell(2, c) == NULL, "row id=4 column %zu is not NULL", c);
  CHECK_EQ_STR(cell(2, 0), "4");

  CHECK_EQ_STR(cell(3, 0), "5");
  CHECK_EQ_STR(cell(3, 1), NULL); /* missing key */
  CHECK_EQ_STR(cell(3, 2), "3.0");
  CHECK_EQ_STR(cell(3, 5), "{\"n\":1.0,\"big\":12345678901234567890,\"u\":\"\xc3\xa9\"}");

  CHECK_EQ_STR(cell(4, 0), "9223372036854775807");
  CHECK_EQ_STR(cell(4, 1), "za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 \xf0\x9f\x8e\x89 it's \"q\"\nline2\\");
  CHECK_EQ_STR(cell(4, 2), "0.1");
  CHECK_EQ_STR(cell(4, 3), "false");
  CHECK_EQ_STR(cell(4, 4), "2024-02-01T08:00:00.123456+00:00");
  CHECK_EQ_STR(cell(4, 5), "\"just a string\"");
  CHECK_EQ_STR(cell(4, 6), "12.250000000");
  CHECK_EQ_STR(cell(4, 7), NULL);
  CHECK_EQ_STR(cell(4, 8), "1999-12-31");
  CHECK_EQ_STR(cell(4, 11), "2024-01-01T10:00:00");
}

/* all_types plus a "_k" column telling the loads apart */
static cdlt_table_def loaded_table(cdlt_column_def *cols) {
  memcpy(cols, all_cols, sizeof all_cols);
  return (cdlt_table_def){"all_types", cols, NALL, false};
}

static void test_load(void) {
  CHECK_OK(exec("ALTER TABLE " DS ".all_types ADD COLUMN _k BIGINT DEFAULT 0"), err);
  cdlt_column_def cols[NALL];
  cdlt_table_def t = loaded_table(cols);

  snprintf(tmp, sizeof tmp, "%s/all_types.abc.0.jsonl", check_tmpdir());
  write_file(tmp, jsonl_rows, false);
  CHECK_OK(dst->vtab->load_file(dst, DS, &t, tmp, CDLT_FORMAT_JSONL, err), err);
  check_loaded_rows(0);

  /* the same rows gzipped, inside a transaction */
  CHECK_OK(exec("UPDATE " DS ".all_types SET _k = 1"), err);
  snprintf(tmp, sizeof tmp, "%s/it's all_types.abd.0.jsonl.gz", check_tmpdir());
  write_file(tmp, jsonl_rows, true);
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_OK(dst->vtab->load_file(dst, DS, &t, tmp, CDLT_FORMAT_JSONL, err), err);
  CHECK_OK(dst->vtab->commit(dst, err), err);
  check_loaded_rows(0);
  check_loaded_rows(1);
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".all_types"), "10");

  /* rollback undoes a load */
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_OK(dst->vtab->load_file(dst, DS, &t, tmp, CDLT_FORMAT_JSONL, err), err);
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".all_types"), "15");
  CHECK_OK(dst->vtab->rollback(dst, err), err);
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".all_types"), "10");

  /* a subset of the table's columns: the others get NULL (or their default) */
  cdlt_column_def two[] = {all_cols[0], all_cols[1]};
  cdlt_table_def t2 = {"all_types", two, 2, false};
  snprintf(tmp, sizeof tmp, "%s/two.jsonl", check_tmpdir());
  write_file(tmp, "{\"id\":100,\"t\":\"x\"}\n{\"id\":101}\n", false);
  CHECK_OK(dst->vtab->load_file(dst, DS, &t2, tmp, CDLT_FORMAT_JSONL, err), err);
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".all_types WHERE id >= 100 AND d IS NULL AND _k = 0"), "2");

  /* unknown keys are ignored (the loader writes only known columns) */
  snprintf(tmp, sizeof tmp, "%s/extra.jsonl", check_tmpdir());
  write_file(tmp, "{\"id\":102,\"zzz\":1,\"t\":\"y\"}\n", false);
  CHECK_OK(dst->vtab->load_file(dst, DS, &t2, tmp, CDLT_FORMAT_JSONL, err), err);
  CHECK_EQ_STR(q1("SELECT t FROM " DS ".all_types WHERE id = 102"), "y");

  /* an empty file loads nothing */
  snprintf(tmp, sizeof tmp, "%s/empty.jsonl", check_tmpdir());
  write_file(tmp, "", false);
  CHECK_OK(dst->vtab->load_file(dst, DS, &t2, tmp, CDLT_FORMAT_JSONL, err), err);

  /* a row bigger than read_json's default 16 MB object limit */
  size_t big = 40u << 20;
  char *line = malloc(big + 64);
  int n = snprintf(line, 64, "{\"id\":200,\"t\":\"");
  memset(line + n, 'x', big);
  strcpy(line + n + big, "\"}\n");
  snprintf(tmp, sizeof tmp, "%s/big.jsonl", check_tmpdir());
  write_file(tmp, line, false);
  free(line);
  CHECK_OK(dst->vtab->load_file(dst, DS, &t2, tmp, CDLT_FORMAT_JSONL, err), err);
  CHECK_EQ_STR(q1("SELECT length(t) FROM " DS ".all_types WHERE id = 200"), "41943040");

  /* errors carry duckdb's message and the file */
  snprintf(tmp, sizeof tmp, "%s/bad.jsonl", check_tmpdir());
  write_file(tmp, "{\"id\":\"not a number\"}\n", false);
  CHECK(dst->vtab->load_file(dst, DS, &t2, tmp, CDLT_FORMAT_JSONL, err) == CDLT_ERR_DESTINATION);
  CHECK_MSG(strstr(err->msg, "bad.jsonl") != NULL, "%s", err->msg);
  write_file(tmp, "{\"id\":null}\n", false);   /* NOT NULL column */
  CHECK(dst->vtab->load_file(dst, DS, &t2, tmp, CDLT_FORMAT_JSONL, err) == CDLT_ERR_DESTINATION);
  CHECK_MSG(strstr(err->msg, "NOT NULL") != NULL, "%s", err->msg);
  write_file(tmp, "{\"id\":1\n", false);       /* malformed */
  CHECK(dst->vtab->load_file(dst, DS, &t2, tmp, CDLT_FORMAT_JSONL, err) == CDLT_ERR_DESTINATION);
  write_file(tmp, "{\"id\":9223372036854775808}\n", false);  /* > int64 */
  CHECK(dst->vtab->load_file(dst, DS, &t2, tmp, CDLT_FORMAT_JSONL, err) == CDLT_ERR_DESTINATION);
  snprintf(tmp, sizeof tmp, "%s/missing.jsonl", check_tmpdir());
  CHECK(dst->vtab->load_file(dst, DS, &t2, tmp, CDLT_FORMAT_JSONL, err) == CDLT_ERR_DESTINATION);
  CHECK_MSG(strstr(err->msg, "missing.jsonl") != NULL, "%s", err->msg);
  CHECK(dst->vtab->load_file(dst, DS, &t2, tmp, CDLT_FORMAT_CSV, err) == CDLT_ERR_USAGE);
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".all_types WHERE id < 100 OR id > 200"), "10");
}

static void test_errors_and_transactions(void) {
  CHECK(exec("SELEC 1") == CDLT_ERR_DESTINATION);
  CHECK_MSG(strstr(err->msg, "syntax error") != NULL, "%s", err->msg);
  CHECK(q("SELECT * FROM nope.nope") == CDLT_ERR_DESTINATION);
  CHECK_MSG(strstr(err->msg, "nope") != NULL, "%s", err->msg);
  CHECK_EQ_INT(rows.nrows, 0);

  CHECK_OK(exec("CREATE TABLE " DS ".tx (a BIGINT)"), err);
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_OK(exec("INSERT INTO " DS ".tx VALUES (1); INSERT INTO " DS ".tx VALUES (2)"), err);
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".tx"), "2");
  CHECK_OK(dst->vtab->rollback(dst, err), err);
  CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".tx"), "0");
  /* a failing statement in a multi-statement script stops it */
  CHECK(exec("INSERT INTO " DS ".tx VALUES (1); INSERT INTO " DS ".tx VALUES ('x'); INSERT INTO " DS ".tx VALUES (3)") ==
        CDLT_ERR_DESTINATION);
  CHECK_EQ_STR(q1("SELECT string_agg(a::VARCHAR, ',') FROM " DS ".tx"), "1");
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_OK(exec("INSERT INTO " DS ".tx VALUES (5)"), err);
  CHECK_OK(dst->vtab->commit(dst, err), err);
  CHECK_EQ_STR(q1("SELECT sum(a) FROM " DS ".tx"), "6");
  CHECK(dst->vtab->commit(dst, err) == CDLT_ERR_DESTINATION); /* no transaction */

  /* rendering of other types, chunk path (every column type formatted by cdlt) */
  CHECK_OK(q("SELECT 1.5::FLOAT, DATE '0001-01-01', TIMESTAMP '1969-12-31 23:59:59.5', "
             "TIMESTAMPTZ 'infinity', 42::UBIGINT, NULL::VARCHAR, TIMESTAMP_NS '2024-01-01 00:00:00.123456789', "
             "'2024-01-01 10:00:00+05:30'::TIMESTAMPTZ, TIMESTAMP_S '2024-01-01 00:00:01', -1::TINYINT, DATE '2024-02-29'"),
           err);
  CHECK_EQ_INT(rows.nrows, 1);
  CHECK_EQ_STR(cell(0, 0), "1.5");
  CHECK_EQ_STR(cell(0, 1), "0001-01-01");
  CHECK_EQ_STR(cell(0, 2), "1969-12-31T23:59:59.500000");
  CHECK_EQ_STR(cell(0, 3), "infinity");
  CHECK_EQ_STR(cell(0, 4), "42");
  CHECK_EQ_STR(cell(0, 5), NULL);
  CHECK_EQ_STR(cell(0, 6), "2024-01-01T00:00:00.123456789");
  CHECK_EQ_STR(cell(0, 7), "2024-01-01T04:30:00+00:00");
  CHECK_EQ_STR(cell(0, 8), "2024-01-01T00:00:01");
  CHECK_EQ_STR(cell(0, 9), "-1");
  CHECK_EQ_STR(cell(0, 10), "2024-02-29");
  /* types cdlt does not format: DuckDB's text for those */
  CHECK_OK(q("SELECT 1::HUGEINT << 100, 'a'::BLOB, INTERVAL 1 DAY, 2::UHUGEINT, 1.25::DECIMAL(10,3), "
             "'2024-01-01 10:00:00.5+05:30'::TIMESTAMPTZ, 1e20::DOUBLE, NULL::BIGINT, true, TIME '10:00:00', "
             "TIMESTAMP '2024-01-01 10:00:00' FROM range(3)"),
           err);
  CHECK_EQ_INT(rows.nrows, 3);
  CHECK_EQ_STR(cell(2, 0), "1267650600228229401496703205376");
  CHECK_EQ_STR(cell(2, 1), "a");
  CHECK_EQ_STR(cell(2, 2), "1 day");
  CHECK_EQ_STR(cell(2, 3), "2");
  CHECK_EQ_STR(cell(2, 4), "1.250");
  CHECK_EQ_STR(cell(2, 5), "2024-01-01T04:30:00.500000+00:00");
  CHECK_EQ_STR(cell(2, 6), "1e+20");
  CHECK_EQ_STR(cell(2, 7), NULL);
  CHECK_EQ_STR(cell(2, 8), "true");
  CHECK_EQ_STR(cell(2, 9), "10:00:00");
  CHECK_EQ_STR(cell(2, 10), "2024-01-01T10:00:00");
  CHECK_EQ_STR(q1("SELECT -1.5::DECIMAL(4,1)"), "-1.5");
  CHECK_EQ_STR(q1("SELECT -1.5::DECIMAL(18,1)"), "-1.5");
  CHECK_EQ_STR(q1("SELECT 'x'::BLOB || '\\x00'::BLOB"), "x\\x00");
  CHECK(q("SELECT [1,2]") == CDLT_ERR_DESTINATION);
  CHECK_MSG(strstr(err->msg, "cast it to VARCHAR") != NULL, "%s", err->msg);
  CHECK_EQ_INT(rows.nrows, 0);
  /* many rows over several chunks */
  CHECK_OK(q("SELECT i, i::VARCHAR FROM range(5000) t(i) ORDER BY i"), err);
  CHECK_EQ_INT(rows.nrows, 5000);
  CHECK_EQ_STR(cell(4999, 0), "4999");
  CHECK_EQ_STR(cell(2048, 1), "2048");
  CHECK_OK(q("SELECT 1 WHERE false"), err);
  CHECK_EQ_INT(rows.nrows, 0);
  CHECK_EQ_INT(rows.ncols, 1);
}

static double now_s(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return tv.tv_sec + tv.tv_usec / 1e6;
}

static void bench(long mb, bool gz) {
  snprintf(tmp, sizeof tmp, "%s/bench.jsonl%s", check_tmpdir(), gz ? ".gz" : "");
  FILE *f = gz ? NULL : fopen(tmp, "wb");
  gzFile g = gz ? gzopen(tmp, "wb1") : NULL;
  long long nrows = 0;
  size_t bytes = 0;
  char line[512];
  while (bytes < (size_t)mb << 20) {
    int n = snprintf(line, sizeof line,
                     "{\"id\":%lld,\"name\":\"user number %lld with some text\",\"score\":%lld.25,"
                     "\"active\":%s,\"created_at\":\"2024-01-01T10:%02lld:%02lld.%06lld+00:00\","
                     "\"_dlt_load_id\":\"1795273080.7271657\",\"_dlt_id\":\"Fu%012lldQ\"}\n",
                     nrows, nrows, nrows % 1000, nrows % 2 ? "true" : "false", nrows / 60 % 60,
                     nrows % 60, nrows % 1000000, nrows);
    if (gz) gzwrite(g, line, (unsigned)n);
    else fwrite(line, 1, (size_t)n, f);
    bytes += (size_t)n;
    nrows++;
  }
  if (gz) gzclose(g);
  else fclose(f);
  cdlt_column_def cols[] = {
      {.name = "id", .type = CDLT_TYPE_BIGINT, .nullable = false, .precision = -1, .scale = -1, .timezone = true},
      C("name", CDLT_TYPE_TEXT), C("score", CDLT_TYPE_DOUBLE), C("active", CDLT_TYPE_BOOL),
      C("created_at", CDLT_TYPE_TIMESTAMP),
      {.name = "_dlt_load_id", .type = CDLT_TYPE_TEXT, .nullable = false, .precision = -1, .scale = -1, .timezone = true},
      {.name = "_dlt_id", .type = CDLT_TYPE_TEXT, .nullable = false, .precision = -1, .scale = -1, .timezone = true, .unique = true}};
  cdlt_table_def t = {gz ? "bench_gz" : "bench", cols, 7, false};
  cdlt_buf_reset(&sql);
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_duckdb, DS, &t, err), err);
  CHECK_OK(exec(sql.data), err);
  double t0 = now_s();
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_OK(dst->vtab->load_file(dst, DS, &t, tmp, CDLT_FORMAT_JSONL, err), err);
  CHECK_OK(dst->vtab->commit(dst, err), err);
  double dt = now_s() - t0;
  printf("bench %s: %lld rows, %.1f MB (uncompressed) in %.2f s: %.0f rows/s, %.1f MB/s\n",
         gz ? "jsonl.gz" : "jsonl", nrows, bytes / 1048576.0, dt, nrows / dt, bytes / 1048576.0 / dt);
  char s[256];
  snprintf(s, sizeof s, "SELECT count(*) FROM " DS ".%s", t.name);
  char expect[32];
  snprintf(expect, sizeof expect, "%lld", nrows);
  CHECK_EQ_STR(q1(s), expect);
  remove(tmp);
}

int main(void) {
  cdlt_buf_init(&sql);
  test_open_errors();

  snprintf(tmp, sizeof tmp, "%s/pipe.duckdb", check_tmpdir());
  char dbpath[4096];
  snprintf(dbpath, sizeof dbpath, "%s", tmp);
  cdlt_destination_config cfg = {.credentials = dbpath, .pipeline_name = "pipe"};
  CHECK_OK(cdlt_destination_open(cdlt_destination_find("duckdb"), &cfg, &dst, err), err);
  if (!dst) return check_finish();
  CHECK_EQ_STR(dst->vtab->location(dst), dbpath);
  /* buffers a load spills go next to the database file, not to ".tmp" in the working directory */
  char want_tmp[4200];
  snprintf(want_tmp, sizeof want_tmp, "%s.tmp", dbpath);
  CHECK_EQ_STR(q1("SELECT current_setting('temp_directory')"), want_tmp);

  test_schema_and_internal_tables();
  test_load();
  test_errors_and_transactions();
  const char *b = getenv("CDLT_BENCH_MB");
  if (b && atol(b) > 0) {
    bench(atol(b), false);
    bench(atol(b), true);
  }
  cdlt_rows_free(&rows);
  cdlt_destination_close(dst);

  /* reopen: the data survived */
  CHECK_OK(cdlt_destination_open(cdlt_destination_find("duckdb"), &cfg, &dst, err), err);
  if (dst) {
    CHECK_EQ_STR(q1("SELECT count(*) FROM " DS ".all_types WHERE id < 100 OR id > 200"), "10");
    cdlt_rows_free(&rows);
    cdlt_destination_close(dst);
  }
  cdlt_destination_close(NULL);
  cdlt_rows_free(NULL);
  cdlt_buf_release(&sql);
  return check_finish();
}
