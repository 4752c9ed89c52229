/* test_postgres_copy.c — the PostgreSQL destination's two COPY formats against a real, throwaway
 * server (tests/harness/pg_server.h). Tables whose columns all have a binary encoding are loaded
 * with COPY binary (src/destinations/postgres_binary.c), others with COPY text; a value outside
 * the binary encoder's strict forms restarts the file as COPY text (inside a transaction after a
 * savepoint). Every value must arrive byte-identical to what COPY text stores: the same job file
 * is loaded into a binary table and into its twin forced to text (an extra numeric column), and
 * both are compared as PostgreSQL renders them, plus exact expected values. Which format ran is
 * read from the server's statement log. */
#define _GNU_SOURCE
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "check.h"
#include "destinations/destination.h"
#include "e2e.h"
#include "load/sql_gen.h"
#include "pg_query.h"
#include "pg_server.h"

static pg_server *srv;
static PGconn *db;
#define CHECK_PQ(sql, expected) CHECK_PG(db, (sql), (expected))

static cdlt_destination *open_dest(void) {
  const cdlt_destination_vtab *vt = cdlt_destination_find("postgres");
  cdlt_destination *d = NULL;
  cdlt_error err = {0};
  int rc = cdlt_destination_open(vt, &(cdlt_destination_config){.credentials = pg_server_url(srv)}, &d, &err);
  CHECK_OK(rc, &err);
  return rc ? NULL : d;
}

/* the server's statement log (every statement since start) */
static char *server_log(void) {
  FILE *f = fopen(pg_server_log_path(srv), "r");
  if (!f) return strdup("");
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, n, m);
  fclose(f);
  fclose(m);
  return buf;
}

static size_t occurrences(const char *hay, const char *needle) {
  size_t k = 0;
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) k++;
  return k;
}

#define C(n, t) {.name = n, .type = t, .nullable = true, .precision = -1, .scale = -1, .timezone = true}
/* every type with a binary encoding; the twin adds a numeric column, which forces COPY text */
static cdlt_column_def all_cols[] = {
    C("id", CDLT_TYPE_BIGINT),
    C("txt", CDLT_TYPE_TEXT),
    C("dbl", CDLT_TYPE_DOUBLE),
    C("flag", CDLT_TYPE_BOOL),
    C("ts", CDLT_TYPE_TIMESTAMP),
    {.name = "ts_naive", .type = CDLT_TYPE_TIMESTAMP, .nullable = true, .precision = -1, .scale = -1, .timezone = false},
    C("d", CDLT_TYPE_DATE),
    C("tm", CDLT_TYPE_TIME),
    C("bin", CDLT_TYPE_BINARY),
    C("js", CDLT_TYPE_JSON),
    {.name = "small", .type = CDLT_TYPE_BIGINT, .nullable = true, .precision = 16, .scale = -1, .timezone = true},
    {.name = "mid", .type = CDLT_TYPE_BIGINT, .nullable = true, .precision = 32, .scale = -1, .timezone = true},
    C("force_text", CDLT_TYPE_DECIMAL),
};
#define NCOLS (sizeof all_cols / sizeof *all_cols)
static const cdlt_table_def bin_table = {"bt", all_cols, NCOLS - 1, false};
static const cdlt_table_def text_table = {"tt", all_cols, NCOLS, false};
#define SELECT_COLS "id, txt, dbl, flag, ts, ts_naive, d, tm, bin, js, small, mid"

static const char ROWS[] =
    /* escapes and unicode in text (raw and \u escapes, a surrogate pair) */
    "{\"id\":1,\"txt\":\"tab\\there\\nnew line \\\\ back\\\\slash \\\\N 'q' \\\"dq\\\" \\r ünï€ \\u00e9\\ud83d\\ude00 😀\","
    "\"dbl\":1.5,\"flag\":true,\"ts\":\"2024-02-01T10:00:00+02:00\",\"ts_naive\":\"2024-02-01T10:00:00+02:00\","
    "\"d\":\"2024-02-29\",\"tm\":\"10:11:12.5\",\"bin\":\"AAH/Cg==\",\"js\":{\"a\":[1,2.5,\"x\\ty\"],\"b\":null,\"u\":\"€\"},"
    "\"small\":-32768,\"mid\":2147483647}\n"
    /* numbers at the edges */
    "{\"id\":-9223372036854775808,\"dbl\":-0.0,\"flag\":false,\"ts\":\"2024-01-01T10:00:00.25Z\","
    "\"ts_naive\":\"2024-01-01T10:00:00.000001\",\"d\":\"0001-01-01\",\"tm\":\"00:00:00\",\"bin\":\"\",\"js\":\"just a string\","
    "\"small\":32767,\"mid\":-2147483648}\n"
    "{\"id\":9223372036854775807,\"dbl\":5e-324,\"ts\":\"0001-01-01T00:00:00+00:00\",\"ts_naive\":\"9999-12-31T23:59:59.999999\","
    "\"d\":\"9999-12-31\",\"tm\":\"23:59:59.999999\",\"js\":[],\"small\":0,\"mid\":0}\n"
    "{\"id\":4,\"dbl\":1.7976931348623157e308,\"ts\":\"2024-03-10T01:02:03-0530\",\"ts_naive\":\"2024-03-10 01:02:03-05:30\","
    "\"d\":\"1999-12-31\",\"js\":42,\"txt\":\"\"}\n"
    "{\"id\":5,\"dbl\":3,\"ts\":\"2024-03-10T01:02:03+05\",\"ts_naive\":\"2000-01-01T00:00:00\",\"d\":\"2000-01-01\",\"js\":-1.25e-7}\n"
    "{\"id\":6,\"dbl\":12345678901234567890123,\"ts\":\"1999-12-31 23:59:59.5\",\"js\":true,\"txt\":123}\n"
    "{\"id\":7,\"dbl\":-0,\"txt\":true,\"js\":null}\n"
    "{\"id\":8,\"dbl\":0.1,\"txt\":{\"nested\":[1,\"two\"]},\"flag\":\"true\"}\n"
    "{\"id\":9,\"dbl\":2.2250738585072014e-308,\"txt\":[\"a\\tb\"]}\n"
    /* NULLs: explicit and missing; unknown keys ignored */
    "{\"id\":10,\"txt\":null,\"dbl\":null,\"flag\":null,\"ts\":null,\"ts_naive\":null,\"d\":null,\"tm\":null,\"bin\":null,"
    "\"js\":null,\"small\":null,\"mid\":null,\"unknown\":1}\n"
    "{\"id\":11}\n";

/* a row with a 1.5 MiB text (several COPY chunks inside one row) and a 300 KiB bytea */
static char *long_row(void) {
  size_t tlen = 3 * 512 * 1024, blen = 400 * 1024;
  char *s = malloc(2 * tlen + blen + 200);
  if (!s) return NULL;
  size_t n = (size_t)sprintf(s, "{\"id\":12,\"txt\":\"");
  static const char pat[] = "abcdefghijklmnopqrstuvwxyz\\.";   /* 28 bytes, a backslash among them */
  for (size_t i = 0; i < tlen; i++) {
    char c = pat[i % 28];
    if (c == '\\') s[n++] = '\\';
    s[n++] = c;
  }
  n += (size_t)sprintf(s + n, "\",\"bin\":\"");
  for (size_t i = 0; i < blen; i++) s[n++] = "QUJD"[i % 4];   /* "ABC" repeated */
  n += (size_t)sprintf(s + n, "\"}\n");
  s[n] = 0;
  return s;
}

static void create(cdlt_destination *d, const cdlt_table_def *t) {
  cdlt_error err = {0};
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_postgres, "cp", t, &err), &err);
  CHECK_OK(d->vtab->execute(d, sql.data, &err), &err);
  cdlt_buf_release(&sql);
}

static void test_binary_equals_text(void) {
  cdlt_destination *d = open_dest();
  if (!d) return;
  cdlt_error err = {0};
  CHECK_OK(d->vtab->execute(d, "CREATE SCHEMA cp", &err), &err);
  create(d, &bin_table);
  create(d, &text_table);
  env e;
  env_new(&e);
  char *lr = long_row();
  char *content = NULL;
  CHECK(lr && asprintf(&content, "%s%s", ROWS, lr) > 0);
  const char *f = write_file(&e, "rows.jsonl", content);
  free(content);
  free(lr);
  CHECK_OK(d->vtab->load_file(d, "cp", &bin_table, f, CDLT_FORMAT_JSONL, &err), &err);
  CHECK_OK(d->vtab->load_file(d, "cp", &text_table, f, CDLT_FORMAT_JSONL, &err), &err);

  /* the formats the destination chose */
  char *log = server_log();
  CHECK_EQ_INT(occurrences(log, "statement: COPY \"cp\".\"bt\" (\"id\", \"txt\", \"dbl\", \"flag\", \"ts\", \"ts_naive\", \"d\", \"tm\", "
                                "\"bin\", \"js\", \"small\", \"mid\") FROM STDIN (FORMAT binary)"),
               1);
  CHECK_EQ_INT(occurrences(log, "statement: COPY \"cp\".\"tt\" (\"id\", \"txt\", \"dbl\", \"flag\", \"ts\", \"ts_naive\", \"d\", \"tm\", "
                                "\"bin\", \"js\", \"small\", \"mid\", \"force_text\") FROM STDIN\n"),
               1);
  CHECK_EQ_INT(occurrences(log, "\"tt\" (\"id\", \"txt\", \"dbl\", \"flag\", \"ts\", \"ts_naive\", \"d\", \"tm\", \"bin\", "
                                "\"js\", \"small\", \"mid\", \"force_text\") FROM STDIN (FORMAT binary)"),
               0);
  CHECK_EQ_INT(occurrences(log, "SAVEPOINT"), 0);   /* not in a transaction, nothing fell back */
  free(log);

  CHECK_PQ("SELECT count(*), count(DISTINCT id) FROM cp.bt", "12|12");
  /* the whole tables as PostgreSQL renders them (extra_float_digits 1: shortest exact floats, -0) */
  CHECK_PQ("SELECT (SELECT string_agg(b::text, E'\\n' ORDER BY id) FROM (SELECT " SELECT_COLS " FROM cp.bt) b) = "
           "(SELECT string_agg(t::text, E'\\n' ORDER BY id) FROM (SELECT " SELECT_COLS " FROM cp.tt) t)",
           "t");
  CHECK_PQ("SELECT count(*) FROM (SELECT " SELECT_COLS " FROM cp.bt EXCEPT ALL SELECT " SELECT_COLS " FROM cp.tt) x", "0");
  /* and the exact values */
  CHECK_PQ("SELECT id, txt, dbl, flag, ts, ts_naive, d, tm, bin, js, small, mid FROM cp.bt WHERE id <> 12 ORDER BY id",
           "-9223372036854775808|NULL|-0|f|2024-01-01 10:00:00.25+00|2024-01-01 10:00:00.000001|0001-01-01|00:00:00|\\x|"
           "\"just a string\"|32767|-2147483648\n"
           "1|tab\there\nnew line \\ back\\slash \\N 'q' \"dq\" \r ünï€ é😀 😀|1.5|t|2024-02-01 08:00:00+00|"
           "2024-02-01 08:00:00|2024-02-29|10:11:12.5|\\x0001ff0a|{\"a\": [1, 2.5, \"x\\ty\"], \"b\": null, \"u\": \"€\"}|"
           "-32768|2147483647\n"
           "4||1.7976931348623157e+308|NULL|2024-03-10 06:32:03+00|2024-03-10 06:32:03|1999-12-31|NULL|NULL|42|NULL|NULL\n"
           "5|NULL|3|NULL|2024-03-09 20:02:03+00|2000-01-01 00:00:00|2000-01-01|NULL|NULL|-0.000000125|NULL|NULL\n"
           "6|123|1.2345678901234568e+22|NULL|1999-12-31 23:59:59.5+00|NULL|NULL|NULL|NULL|true|NULL|NULL\n"
           "7|true|-0|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL\n"
           "8|{\"nested\":[1,\"two\"]}|0.1|t|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL\n"
           "9|[\"a\\tb\"]|2.2250738585072014e-308|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL\n"
           "10|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL\n"
           "11|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL\n"
           "9223372036854775807|NULL|5e-324|NULL|0001-01-01 00:00:00+00|9999-12-31 23:59:59.999999|9999-12-31|"
           "23:59:59.999999|NULL|[]|0|0");
  CHECK_PQ("SELECT txt FROM cp.bt WHERE id IN (6, 7, 8, 9) ORDER BY id", "123\ntrue\n{\"nested\":[1,\"two\"]}\n[\"a\\tb\"]");
  /* the long row: every byte of the 1.5 MiB text, the decoded bytea */
  CHECK_PQ("SELECT length(txt), md5(txt) = md5(repeat('abcdefghijklmnopqrstuvwxyz\\.', 3 * 512 * 1024 / 28) || "
           "left('abcdefghijklmnopqrstuvwxyz\\.', 3 * 512 * 1024 % 28)), length(bin), "
           "bin = decode(repeat('414243', 400 * 1024 / 4), 'hex') FROM cp.bt WHERE id = 12",
           "1572864|t|307200|t");
  cdlt_destination_close(d);
}

/* values outside the binary encoder's forms: the file is loaded again with COPY text, once */
static void test_fallback_to_text(void) {
  cdlt_destination *d = open_dest();
  if (!d) return;
  cdlt_error err = {0};
  static cdlt_column_def fc[] = {C("id", CDLT_TYPE_BIGINT), C("n", CDLT_TYPE_BIGINT), C("x", CDLT_TYPE_DOUBLE),
                                 C("ts", CDLT_TYPE_TIMESTAMP), C("small", CDLT_TYPE_TEXT)};
  static const cdlt_table_def ft = {"fb", fc, 5, false};
  CHECK_OK(d->vtab->execute(d, "CREATE SCHEMA fb_ds; CREATE TABLE fb_ds.fb (id bigint, n bigint, x double precision, "
                               "ts timestamptz, small smallint)",
                            &err),
           &err);
  env e;
  env_new(&e);
  /* what int8in, float8in, timestamptz_in and int2in accept beyond the strict forms */
  const char *odd = write_file(&e, "odd.jsonl",
                               "{\"id\":1,\"n\":1,\"x\":1.5,\"ts\":\"2024-01-01T00:00:00Z\",\"small\":\"7\"}\n"
                               "{\"id\":2,\"n\":\" 42 \",\"x\":\"NaN\",\"ts\":\"infinity\",\"small\":\"+8\"}\n"
                               "{\"id\":3,\"n\":\"+5\",\"x\":\"-Infinity\",\"ts\":\"2024-01-01T10:00:00.1234567Z\"}\n");
  /* outside a transaction */
  CHECK_OK(d->vtab->load_file(d, "fb_ds", &ft, odd, CDLT_FORMAT_JSONL, &err), &err);
  CHECK_PQ("SELECT id, n, x, ts, small FROM fb_ds.fb ORDER BY id",
           "1|1|1.5|2024-01-01 00:00:00+00|7\n2|42|NaN|infinity|8\n3|5|-Infinity|2024-01-01 10:00:00.123457+00|NULL");
  char *log = server_log();
  CHECK_EQ_INT(occurrences(log, "statement: COPY \"fb_ds\".\"fb\" (\"id\", \"n\", \"x\", \"ts\", \"small\") FROM STDIN (FORMAT binary)"), 1);
  CHECK_EQ_INT(occurrences(log, "statement: COPY \"fb_ds\".\"fb\" (\"id\", \"n\", \"x\", \"ts\", \"small\") FROM STDIN\n"), 1);
  free(log);

  /* inside a transaction: a savepoint keeps the transaction alive, the next file loads binary */
  const char *plain = write_file(&e, "plain.jsonl", "{\"id\":4,\"n\":4}\n");
  CHECK_OK(d->vtab->begin(d, &err), &err);
  CHECK_OK(d->vtab->load_file(d, "fb_ds", &ft, odd, CDLT_FORMAT_JSONL, &err), &err);
  CHECK_OK(d->vtab->load_file(d, "fb_ds", &ft, plain, CDLT_FORMAT_JSONL, &err), &err);
  CHECK_OK(d->vtab->commit(d, &err), &err);
  CHECK_PQ("SELECT count(*), count(DISTINCT id), sum(n) FROM fb_ds.fb", "7|4|100");
  log = server_log();
  CHECK_EQ_INT(occurrences(log, "ROLLBACK TO SAVEPOINT cdlt_copy"), 1);
  CHECK_EQ_INT(occurrences(log, "RELEASE SAVEPOINT cdlt_copy"), 2);
  CHECK_EQ_INT(occurrences(log, "statement: COPY \"fb_ds\".\"fb\" (\"id\", \"n\", \"x\", \"ts\", \"small\") FROM STDIN (FORMAT binary)"), 3);
  free(log);

  /* values PostgreSQL rejects keep PostgreSQL's messages (from the COPY text run) */
  const char *under = write_file(&e, "under.jsonl", "{\"id\":5,\"x\":1e-400}\n");
  CHECK_EQ_INT(d->vtab->load_file(d, "fb_ds", &ft, under, CDLT_FORMAT_JSONL, &err), CDLT_ERR_DESTINATION);
  CHECK_MSG(contains(err.msg, "\"1e-400\" is out of range for type double precision") && contains(err.msg, "line 1"),
            "message: %s", err.msg);
  const char *big = write_file(&e, "big.jsonl", "{\"id\":5,\"small\":\"40000\"}\n");
  CHECK_EQ_INT(d->vtab->load_file(d, "fb_ds", &ft, big, CDLT_FORMAT_JSONL, &err), CDLT_ERR_DESTINATION);
  CHECK_MSG(contains(err.msg, "value \"40000\" is out of range for type smallint"), "message: %s", err.msg);
  const char *feb = write_file(&e, "feb.jsonl", "{\"id\":5,\"ts\":\"2023-02-29T00:00:00Z\"}\n");
  CHECK_EQ_INT(d->vtab->load_file(d, "fb_ds", &ft, feb, CDLT_FORMAT_JSONL, &err), CDLT_ERR_DESTINATION);
  CHECK_MSG(contains(err.msg, "date/time field value out of range: \"2023-02-29T00:00:00Z\""), "message: %s", err.msg);
  /* inside a transaction the error still aborts it */
  CHECK_OK(d->vtab->begin(d, &err), &err);
  CHECK_EQ_INT(d->vtab->load_file(d, "fb_ds", &ft, big, CDLT_FORMAT_JSONL, &err), CDLT_ERR_DESTINATION);
  CHECK_EQ_INT(d->vtab->commit(d, &err), CDLT_ERR_DESTINATION);
  CHECK_PQ("SELECT count(*) FROM fb_ds.fb", "7");
  cdlt_destination_close(d);
}

int main(void) {
  char why[2048];
  if (pg_server_start(&srv, why, sizeof why)) {
    CHECK_MSG(0, "cannot start the test PostgreSQL server: %s", why);
    return check_finish();
  }
  db = pg_test_connect(srv);

  test_binary_equals_text();
  test_fallback_to_text();

  PQfinish(db);
  pg_server_destroy(srv);
  return check_finish();
}
