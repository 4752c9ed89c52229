/* test_bad_inputs.c — the bad-input catalogue (docs/internals/BAD_INPUTS.md): every case runs the
 * real cdlt binary (`cdlt run <file>`) in a fresh temp dir with DLT_DATA_DIR and a DuckDB file of
 * its own, and asserts the exact outcome: exit code, the error message with file/line/column, and
 * the final table contents read back through the library's DuckDB destination.
 *
 * Cases where cdlt does not yet behave as documented would run only with CDLT_KNOWN_BUGS=1 (listed
 * in BAD_INPUTS.md under "Known bugs"); there are none open now. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "e2e.h"
#include "util/buf.h"

/* ---------------------------------------------------------------- environment / helpers */

/* Runs `cdlt run <file> --pipeline <p> --credentials <db>` in the env; *out gets stdout+stderr
 * (caller frees). */
static int run(const env *e, const char *file, const char *pipeline, char **out) {
  return cdlt(e, out, "run '%s' --pipeline %s --credentials '%s'", file, pipeline, e->db);
}

/* Expects a failed run: exit 1 and `msg` (exact substring) in the output. */
static void expect_fail(const env *e, const char *file, const char *pipeline, const char *msg) {
  char *out = NULL;
  int rc = run(e, file, pipeline, &out);
  CHECK_MSG(rc == 1, "cdlt run %s: exit %d, expected 1:\n%s", file, rc, out);
  CHECK_MSG(contains(out, msg), "cdlt run %s: expected\n  %s\nin the output:\n%s", file, msg, out);
  free(out);
}

static void expect_ok(const env *e, const char *file, const char *pipeline) {
  char *out = NULL;
  int rc = run(e, file, pipeline, &out);
  CHECK_MSG(rc == 0 && contains(out, "is LOADED and contains no failed jobs"), "cdlt run %s: exit %d:\n%s", file, rc,
            out);
  free(out);
}

/* ---------------------------------------------------------------- 1. malformed JSON mid-file */

/* 100,000 rows, line 50,001 lacks a ':' → nothing loaded, exact position; the fixed file then
 * loads every row exactly once (the failed run left nothing behind that a rerun would add). */
static void test_malformed_in_the_middle(void) {
  env e;
  env_new(&e);
  enum { N = 100000, BAD = 50001 };
  cdlt_buf b;
  cdlt_buf_init(&b);
  size_t bad_off = 0;
  for (int k = 1; k <= N; k++) {
    if (k == BAD) {
      bad_off = b.len;
      cdlt_buf_printf(&b, "{\"id\": %d, \"name\" \"row %d\"}\n", k, k);
    } else {
      cdlt_buf_printf(&b, "{\"id\": %d, \"name\": \"row %d\"}\n", k, k);
    }
  }
  const char *f = write_bytes(&e, "big.jsonl", b.data, b.len);
  /* the error is at the string after "name": column 22 of `{"id": 50001, "name" "row 50001"}` */
  char msg[512];
  snprintf(msg, sizeof msg,
           "invalid JSON in '%s' at line %d, column 22 (byte %zu): unexpected character '\"', expected ':' after an "
           "object key",
           f, BAD, bad_off + 21);
  expect_fail(&e, f, "mid", msg);
  CHECK_EQ_INT(count_rows(e.db, "mid_dataset", "big"), -1);

  /* fix the line in place and rerun the same pipeline */
  char *line = b.data + bad_off;
  char *sep = strstr(line, "\"name\" ");
  memmove(sep + 7, sep + 6, b.len - (size_t)(sep + 6 - b.data));
  sep[6] = ':';
  b.len++;
  f = write_bytes(&e, "big.jsonl", b.data, b.len);
  expect_ok(&e, f, "mid");
  CHECK_Q(e.db, "SELECT count(*), count(DISTINCT id), min(id), max(id), count(DISTINCT _dlt_load_id) FROM mid_dataset.big",
          "100000|100000|1|100000|1");
  CHECK_Q(e.db, "SELECT name FROM mid_dataset.big WHERE id = 50001", "row 50001");
  cdlt_buf_release(&b);
}

/* ---------------------------------------------------------------- 2. encodings and bytes */

static void test_invalid_utf8(void) {
  env e;
  env_new(&e);
  const char data[] = "{\"id\": 1, \"s\": \"ok\"}\n{\"id\": 2, \"s\": \"ab\xff" "cd\"}\n";
  const char *f = write_bytes(&e, "u.jsonl", data, sizeof data - 1);
  char msg[512];
  snprintf(msg, sizeof msg, "invalid JSON in '%s' at line 2, column 19 (byte 39): invalid UTF-8 byte 0xff", f);
  expect_fail(&e, f, "utf", msg);
  CHECK_EQ_INT(count_rows(e.db, "utf_dataset", "u"), -1);
}

static void test_utf8_bom(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "bom.jsonl", "\xEF\xBB\xBF{\"id\": 1, \"name\": \"\xC3\xA4\"}\n{\"id\": 2}\n");
  expect_ok(&e, f, "bom");
  CHECK_COLS(e.db, "bom_dataset", "bom", "id BIGINT\nname VARCHAR\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_Q(e.db, "SELECT id, name FROM bom_dataset.bom ORDER BY id", "1|\xC3\xA4\n2|NULL");
}

static void test_nul_bytes(void) {
  env e;
  env_new(&e);
  /* a raw NUL inside a string is a control character */
  const char raw[] = "{\"id\": 1, \"s\": \"a\0b\"}\n";
  const char *f = write_bytes(&e, "nul.jsonl", raw, sizeof raw - 1);
  char msg[512];
  snprintf(msg, sizeof msg,
           "invalid JSON in '%s' at line 1, column 18 (byte 17): unescaped control character 0x00 in a string",
           f);
  expect_fail(&e, f, "nul", msg);
  /* a raw NUL between two values */
  const char between[] = "{\"id\": 1}\n\0{\"id\": 2}\n";
  f = write_bytes(&e, "nul2.jsonl", between, sizeof between - 1);
  snprintf(msg, sizeof msg, "invalid JSON in '%s' at line 2, column 1 (byte 10): unexpected byte 0x00", f);
  expect_fail(&e, f, "nul", msg);
  CHECK_EQ_INT(count_rows(e.db, "nul_dataset", "nul"), -1);
  CHECK_EQ_INT(count_rows(e.db, "nul_dataset", "nul2"), -1);
  /* an escaped NUL is valid JSON: the string keeps it */
  f = write_file(&e, "nul3.jsonl", "{\"id\": 1, \"s\": \"a\\u0000b\"}\n");
  expect_ok(&e, f, "nul");
  CHECK_Q(e.db, "SELECT id, length(s), s = 'a' || chr(0) || 'b' FROM nul_dataset.nul3", "1|3|true");
}

/* ---------------------------------------------------------------- 3. numbers */

/* Integers outside int64 are never truncated or wrapped. dlt's extract serializes with orjson,
 * which rejects ints outside [-2^63, 2^64-1] ("Integer exceeds 64-bit range"): the run fails at
 * extract with the item's position. Ints in [2^63, 2^64-1] pass extract and are inferred bigint,
 * which they do not fit: the run fails at normalize, naming the table and column. Nothing is
 * loaded either way. */
static void test_big_integers(void) {
  static const struct {
    const char *value;
    bool at_extract;
  } cases[] = {{"123456789012345678901234567890", true}, {"-9223372036854775809", true},
               {"18446744073709551616", true},           {"18446744073709551615", false},
               {"9223372036854775808", false}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    env e;
    env_new(&e);
    char content[256];
    snprintf(content, sizeof content, "{\"id\": 1, \"n\": 5}\n{\"id\": 2, \"n\": %s}\n", cases[k].value);
    const char *f = write_file(&e, "big.jsonl", content);
    char msg[1024];
    if (cases[k].at_extract)
      snprintf(msg, sizeof msg, "cdlt run: item in '%s' at line 2, column 1 (byte 18): integer %s exceeds the 64-bit range",
               f, cases[k].value);
    else
      snprintf(msg, sizeof msg,
               "cdlt run: integer %s in table 'big' column 'n' does not fit a signed 64-bit bigint: enable the "
               "large_integer detection or hint the column as wei, decimal or text",
               cases[k].value);
    expect_fail(&e, f, "bigint", msg);
    CHECK_EQ_INT(count_rows(e.db, "bigint_dataset", "big"), -1);
  }
}

/* Floats that overflow a double: Python's json reads 1e400 as inf, and dlt writes inf as JSON
 * null, so the value arrives as NULL (and a column that only ever saw inf is not created).
 * 1e-400 underflows to 0.0. */
static void test_float_overflow(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "fl.jsonl", "{\"id\": 1, \"x\": 1.5, \"y\": 1e-400}\n{\"id\": 2, \"x\": 1e400, \"y\": 2.5}\n"
                                              "{\"id\": 3, \"x\": -1e400, \"y\": 0}\n");
  char *out = NULL;
  int rc = run(&e, f, "fl", &out);
  CHECK_MSG(rc == 0, "exit %d:\n%s", rc, out);
  free(out);
  CHECK_COLS(e.db, "fl_dataset", "fl", "id BIGINT\nx DOUBLE\ny DOUBLE\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_Q(e.db, "SELECT id, x, y FROM fl_dataset.fl ORDER BY id", "1|1.5|0.0\n2|NULL|2.5\n3|NULL|0.0");
  /* a column that only ever receives inf is never created (its values are all null) */
  env e2;
  env_new(&e2);
  f = write_file(&e2, "fl.jsonl", "{\"id\": 1, \"z\": 1e400}\n");
  expect_ok(&e2, f, "fl");
  CHECK_COLS(e2.db, "fl_dataset", "fl", "id BIGINT\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
}

/* ---------------------------------------------------------------- 4. sizes */

static char *nested(size_t depth, const char *leaf) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_buf_puts(&b, "{\"id\": 1, \"deep\": ");
  for (size_t k = 0; k < depth; k++) cdlt_buf_putc(&b, '[');
  cdlt_buf_puts(&b, leaf);
  for (size_t k = 0; k < depth; k++) cdlt_buf_putc(&b, ']');
  cdlt_buf_puts(&b, "}\n");
  return cdlt_buf_detach(&b);
}

/* Nesting beyond the reader's depth limit (10,000 containers) is a clear error at the exact
 * position, never a stack overflow. */
static void test_deep_nesting(void) {
  env e;
  env_new(&e);
  /* the item object is level 1, so 10,000 '[' make 10,001 levels */
  char *doc = nested(10000, "1");
  const char *f = write_file(&e, "deep.jsonl", doc);
  free(doc);
  char msg[512];
  snprintf(msg, sizeof msg,
           "JSON limit exceeded in '%s' at line 1, column 10018 (byte 10017): nesting depth exceeds the limit of 10000", f);
  expect_fail(&e, f, "deep", msg);
  CHECK_EQ_INT(count_rows(e.db, "deep_dataset", "deep"), -1);
}

static char *nested_objects(size_t depth) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_buf_puts(&b, "{\"id\": 1, \"deep\": ");
  for (size_t k = 0; k < depth; k++) cdlt_buf_puts(&b, "{\"a\": ");
  cdlt_buf_puts(&b, "1");
  for (size_t k = 0; k < depth; k++) cdlt_buf_putc(&b, '}');
  cdlt_buf_puts(&b, "}\n");
  return cdlt_buf_detach(&b);
}

/* Deep but inside the limit (9,999 levels; the extracted typed-jsonl job wraps items in one more
 * array, which counts as a level when the job is read back). Objects: dlt's max_nesting (1000)
 * flattens the first levels into one long column name and keeps the rest as one json value. */
static void test_deep_nesting_inside_limit(void) {
  env e;
  env_new(&e);
  char *doc = nested_objects(9998);
  const char *f = write_file(&e, "deep.jsonl", doc);
  free(doc);
  expect_ok(&e, f, "deep");
  CHECK_EQ_INT(count_rows(e.db, "deep_dataset", "deep"), 1);
  CHECK_Q(e.db,
          "SELECT count(*), max(length(column_name)), min(data_type), max(data_type) FROM information_schema.columns "
          "WHERE table_schema = 'deep_dataset' AND table_name = 'deep' AND column_name LIKE 'deep%'",
          "1|3004|JSON|JSON");

  /* Lists: every level is a child table deep__deep__list__list...; past ~80 levels the table's
   * job file name exceeds the file system's 255-byte limit (dlt names job files the same way).
   * A clear error, nothing loaded. */
  env e1;
  env_new(&e1);
  doc = nested(9998, "1");
  f = write_file(&e1, "deepl.jsonl", doc);
  free(doc);
  expect_fail(&e1, f, "deepl", "File name too long");
  CHECK_EQ_INT(count_rows(e1.db, "deepl_dataset", "deepl"), -1);

  /* exactly 10,000 levels pass the extract reader; normalize reads its own typed-jsonl job (one
   * array level more) with the limit + 1, so the item loads */
  env e2;
  env_new(&e2);
  doc = nested_objects(9999);
  f = write_file(&e2, "deep.jsonl", doc);
  free(doc);
  expect_ok(&e2, f, "deep");
  CHECK_EQ_INT(count_rows(e2.db, "deep_dataset", "deep"), 1);
}

/* One 100 MB string value: loaded whole. */
static void test_huge_string(void) {
  env e;
  env_new(&e);
  size_t n = (size_t)100 << 20;
  char *doc = malloc(n + 64);
  CHECK(doc != NULL);
  if (!doc) return;
  size_t len = (size_t)sprintf(doc, "{\"id\": 1, \"s\": \"");
  for (size_t k = 0; k < n; k++) doc[len + k] = (char)('a' + k % 26);
  len += n;
  len += (size_t)sprintf(doc + len, "\"}\n");
  const char *f = write_bytes(&e, "huge.jsonl", doc, len);
  free(doc);
  expect_ok(&e, f, "huge");
  CHECK_Q(e.db, "SELECT id, length(s), left(s, 5), right(s, 3) FROM huge_dataset.huge", "1|104857600|abcde|nop");
}

/* 50,000 distinct keys in one object: 50,000 columns. */
static void test_many_keys(void) {
  env e;
  env_new(&e);
  enum { K = 50000 };
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_buf_putc(&b, '{');
  for (int k = 0; k < K; k++) cdlt_buf_printf(&b, "%s\"k%d\": %d", k ? ", " : "", k, k);
  cdlt_buf_puts(&b, "}\n");
  const char *f = write_bytes(&e, "wide.jsonl", b.data, b.len);
  cdlt_buf_release(&b);
  char *out = NULL;
  int rc = run(&e, f, "wide", &out);
  CHECK_MSG(rc == 0, "exit %d:\n%.2000s", rc, out);
  free(out);
  CHECK_Q(e.db,
          "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'wide_dataset' AND table_name = 'wide'",
          "50002");
  CHECK_Q(e.db, "SELECT k0, k12345, k49999 FROM wide_dataset.wide", "0|12345|49999");
}

/* ---------------------------------------------------------------- 5. keys */

/* Duplicate keys in one object: the last value wins (Python dict), at the first key's position. */
static void test_duplicate_keys(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "dup.jsonl", "{\"id\": 1, \"a\": \"first\", \"b\": true, \"a\": \"second\"}\n");
  expect_ok(&e, f, "dup");
  CHECK_COLS(e.db, "dup_dataset", "dup", "id BIGINT\na VARCHAR\nb BOOLEAN\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_Q(e.db, "SELECT id, a, b FROM dup_dataset.dup", "1|second|true");
}

/* Keys that collide after normalization ("A b" and "a_b" are both a_b): one column. Across rows
 * both values land in it; inside one object the later key wins, as in dlt's row dict. */
static void test_colliding_identifiers(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "coll.jsonl", "{\"id\": 1, \"A b\": \"x\"}\n{\"id\": 2, \"a_b\": \"y\"}\n");
  expect_ok(&e, f, "coll");
  CHECK_COLS(e.db, "coll_dataset", "coll", "id BIGINT\na_b VARCHAR\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_Q(e.db, "SELECT id, a_b FROM coll_dataset.coll ORDER BY id", "1|x\n2|y");

  env e2;
  env_new(&e2);
  f = write_file(&e2, "coll.jsonl", "{\"id\": 1, \"A b\": \"x\", \"a_b\": \"y\", \"aB\": \"z\"}\n");
  /* the three keys are one column after normalization: the last value wins, as in dlt's row dict */
  expect_ok(&e2, f, "coll");
  CHECK_COLS(e2.db, "coll_dataset", "coll", "id BIGINT\na_b VARCHAR\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_Q(e2.db, "SELECT id, a_b FROM coll_dataset.coll", "1|z");
}

/* ---------------------------------------------------------------- 6. not data */

static void test_empty_files(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "empty.jsonl", "");
  char *out = NULL;
  int rc = run(&e, f, "empty", &out);
  CHECK_MSG(rc == 0, "empty file: exit %d:\n%s", rc, out);
  free(out);
  CHECK_EQ_INT(count_rows(e.db, "empty_dataset", "empty"), -1);
  /* whitespace only is empty too */
  f = write_file(&e, "blank.jsonl", "\n\n  \n");
  rc = run(&e, f, "empty", &out);
  CHECK_MSG(rc == 0, "blank file: exit %d:\n%s", rc, out);
  free(out);
  CHECK_EQ_INT(count_rows(e.db, "empty_dataset", "blank"), -1);
}

static void test_not_json(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "notes.jsonl", "hello, world\n");
  char msg[512];
  snprintf(msg, sizeof msg, "invalid JSON in '%s' at line 1, column 1 (byte 0): unexpected character 'h'", f);
  expect_fail(&e, f, "nj", msg);
  /* a PNG header: binary garbage */
  const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
  f = write_bytes(&e, "img.jsonl", png, sizeof png);
  snprintf(msg, sizeof msg, "invalid JSON in '%s' at line 1, column 1 (byte 0): unexpected byte 0x89", f);
  expect_fail(&e, f, "nj", msg);
  CHECK_EQ_INT(count_rows(e.db, "nj_dataset", "notes"), -1);
}

/* The reader's limits are configurable (cdlt_pipeline_options / --max-json-*): hitting a lowered
 * one is the same clear error, and the normalize stage honours the raised depth too. */
static void test_configurable_limits(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "lim.jsonl", "{\"a\": {\"b\": {\"c\": [1, [2, [3]]]}}}\n{\"s\": \"0123456789\"}\n");
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline lim --credentials '%s' --max-json-depth 4", f, e.db), 1);
  CHECK_MSG(contains(out, "lim.jsonl' at line 1, column ") && contains(out, "nesting depth exceeds the limit of 4"),
            "output: %s", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline lim2 --credentials '%s' --max-json-string-bytes 5", f, e.db), 1);
  CHECK_MSG(contains(out, "lim.jsonl' at line 2, column ") && contains(out, "limit"), "output: %s", out);
  free(out);
  CHECK_EQ_INT(count_rows(e.db, "lim_dataset", "lim"), -1);
  CHECK_EQ_INT(count_rows(e.db, "lim2_dataset", "lim"), -1);
  /* 12,000 levels (beyond the default) load once the limit is raised */
  char *deep = malloc(64 * 1024);
  size_t n = 0;
  n += (size_t)sprintf(deep + n, "{\"x\": ");
  for (int k = 0; k < 12000; k++) deep[n++] = '[';
  deep[n++] = '1';
  for (int k = 0; k < 12000; k++) deep[n++] = ']';
  n += (size_t)sprintf(deep + n, "}\n");
  deep[n] = 0;
  const char *d = write_file(&e, "deep12k.jsonl", deep);
  free(deep);
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline lim3 --credentials '%s' --max-json-depth 20000 --max-table-nesting 0", d,
                    e.db), 0);
  free(out);
  CHECK_EQ_INT(count_rows(e.db, "lim3_dataset", "deep12k"), 1);
}

int main(void) {
  test_configurable_limits();
  test_malformed_in_the_middle();
  test_invalid_utf8();
  test_utf8_bom();
  test_nul_bytes();
  test_big_integers();
  test_float_overflow();
  test_deep_nesting();
  test_deep_nesting_inside_limit();
  test_huge_string();
  test_many_keys();
  test_duplicate_keys();
  test_colliding_identifiers();
  test_empty_files();
  test_not_json();
  return check_finish();
}
