/* test_json_reader.c — the streaming JSON reader: JSON Lines, array files, typed-jsonl, chunk
 * boundaries, error positions, truncation (plain and gzip), duplicate keys, limits, UTF-8,
 * numbers, and the real-world corpus. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include "check.h"
#include "json/json.h"
#include "json/json_reader.h"

/* ---------- helpers ---------- */

/* Reads every item (flatten) or value of `in`, writes them compact, one per line, into *out
 * (malloc'd). Returns the final rc (0 = clean end) and fills err on failure. */
static int collect(cdlt_json_reader *r, bool items, char **out, int *count, cdlt_error *err) {
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_json_value *v;
  int rc, n = 0;
  while ((rc = items ? cdlt_json_reader_next_item(r, &doc, &v, err) : cdlt_json_reader_next_value(r, &doc, &v, err)) == 1) {
    cdlt_json_write(&b, v, 0);
    cdlt_buf_putc(&b, '\n');
    n++;
    cdlt_json_doc_reset(&doc);
  }
  cdlt_json_doc_release(&doc);
  *out = cdlt_buf_detach(&b);
  if (count) *count = n;
  return rc;
}

static int collect_mem(const char *data, size_t len, bool items, size_t chunk, const cdlt_json_limits *lim,
                       char **out, int *count, cdlt_error *err) {
  cdlt_json_reader *r = NULL;
  cdlt_input *in = NULL;
  int rc;
  if (chunk == 0) {
    rc = cdlt_json_reader_new_memory(&r, data, len, "mem.jsonl", lim, err);
  } else {
    rc = cdlt_input_open_memory(&in, data, len, "mem.jsonl", chunk, err);
    if (!rc) rc = cdlt_json_reader_new(&r, in, lim, err);
  }
  if (rc) { *out = NULL; return rc; }
  rc = collect(r, items, out, count, err);
  cdlt_json_reader_free(r);
  cdlt_input_close(in);
  return rc;
}

/* parse one document or fail the check */
static cdlt_json_value *parse(cdlt_json_doc *doc, const char *s) {
  cdlt_error err;
  cdlt_error_clear(&err);
  cdlt_json_value *v = NULL;
  int rc = cdlt_json_parse(doc, s, strlen(s), "t.json", &v, &err);
  CHECK_MSG(rc == 0, "parse %s: %s", s, err.msg);
  return v;
}

/* expects the error code/line/column of parsing s (with every chunk size, and in memory) */
static void expect_error(const char *s, size_t len, bool items, int code, uint64_t line, uint64_t col,
                         const char *msg_part) {
  for (size_t chunk = 0; chunk <= 5; chunk++) {
    char *out = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    int rc = collect_mem(s, len, items, chunk, NULL, &out, NULL, &err);
    CHECK_MSG(rc == code, "'%s' (chunk %zu): rc %d, expected %d: %s", s, chunk, rc, code, err.msg);
    CHECK_MSG(err.code == code && err.line == line && err.column == col,
              "'%s' (chunk %zu): position %llu:%llu, expected %llu:%llu (%s)", s, chunk,
              (unsigned long long)err.line, (unsigned long long)err.column, (unsigned long long)line,
              (unsigned long long)col, err.msg);
    CHECK_MSG(!msg_part || strstr(err.msg, msg_part), "'%s': message '%s' lacks '%s'", s, err.msg, msg_part);
    free(out);
  }
}

static void write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  fwrite(data, 1, len, f);
  fclose(f);
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---------- tests ---------- */

static void test_jsonl(void) {
  const char *s = "{\"a\":1}\n{\"b\":[1,2,{\"c\":null}]}\r\n  \"x\"\n\n[1,2]\n";
  char *out;
  int n;
  cdlt_error err;
  CHECK_EQ_INT(collect_mem(s, strlen(s), false, 0, NULL, &out, &n, &err), 0);
  CHECK_EQ_STR(out, "{\"a\":1}\n{\"b\":[1,2,{\"c\":null}]}\n\"x\"\n[1,2]\n");
  CHECK_EQ_INT(n, 4);
  free(out);
  /* items: the last line's array is flattened */
  CHECK_EQ_INT(collect_mem(s, strlen(s), true, 0, NULL, &out, &n, &err), 0);
  CHECK_EQ_STR(out, "{\"a\":1}\n{\"b\":[1,2,{\"c\":null}]}\n\"x\"\n1\n2\n");
  CHECK_EQ_INT(n, 5);
  free(out);

  /* item positions */
  cdlt_json_reader *r;
  CHECK_OK(cdlt_json_reader_new_memory(&r, s, strlen(s), "p.jsonl", NULL, &err), &err);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *v;
  uint64_t line, col, off;
  uint64_t want[][3] = {{1, 1, 0}, {2, 1, 8}, {3, 3, 34}, {5, 2, 40}, {5, 4, 42}};
  for (int k = 0; k < 5; k++) {
    CHECK_EQ_INT(cdlt_json_reader_next_item(r, &doc, &v, &err), 1);
    cdlt_json_reader_item_position(r, &line, &col, &off);
    CHECK_MSG(line == want[k][0] && col == want[k][1] && off == want[k][2],
              "item %d at %llu:%llu (%llu)", k, (unsigned long long)line, (unsigned long long)col,
              (unsigned long long)off);
  }
  CHECK_EQ_INT(cdlt_json_reader_next_item(r, &doc, &v, &err), 0);
  CHECK_EQ_INT(cdlt_json_reader_next_item(r, &doc, &v, &err), 0);   /* stays at the end */
  CHECK_EQ_STR(cdlt_json_reader_source_name(r), "p.jsonl");
  cdlt_json_reader_free(r);
  cdlt_json_doc_release(&doc);

  /* empty and whitespace-only inputs have no items */
  CHECK_EQ_INT(collect_mem("", 0, true, 0, NULL, &out, &n, &err), 0);
  CHECK_EQ_INT(n, 0);
  free(out);
  CHECK_EQ_INT(collect_mem(" \n\t\r\n", 5, true, 1, NULL, &out, &n, &err), 0);
  CHECK_EQ_INT(n, 0);
  free(out);
  /* top-level values need whitespace between them */
  expect_error("{}{}", 4, false, CDLT_ERR_PARSE, 1, 3, "between top-level values");
  expect_error("[1][2]", 6, true, CDLT_ERR_PARSE, 1, 4, "between top-level values");
  CHECK_EQ_INT(collect_mem("1 2\t3", 5, false, 0, NULL, &out, &n, &err), 0);
  CHECK_EQ_INT(n, 3);
  free(out);
}

static void test_array_file(void) {
  const char *s = "[\n  {\"id\": 1, \"v\": [1, 2]},\n  {\"id\": 2},\n  3,\n  [4]\n]\n";
  char *out;
  int n;
  cdlt_error err;
  CHECK_EQ_INT(collect_mem(s, strlen(s), true, 0, NULL, &out, &n, &err), 0);
  CHECK_EQ_STR(out, "{\"id\":1,\"v\":[1,2]}\n{\"id\":2}\n3\n[4]\n");
  CHECK_EQ_INT(n, 4);
  free(out);
  /* as a value: the whole array */
  CHECK_EQ_INT(collect_mem(s, strlen(s), false, 0, NULL, &out, &n, &err), 0);
  CHECK_EQ_STR(out, "[{\"id\":1,\"v\":[1,2]},{\"id\":2},3,[4]]\n");
  free(out);
  /* positions of elements */
  cdlt_json_reader *r;
  CHECK_OK(cdlt_json_reader_new_memory(&r, s, strlen(s), "a.json", NULL, &err), &err);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *v;
  uint64_t line, col, off;
  CHECK_EQ_INT(cdlt_json_reader_next_item(r, &doc, &v, &err), 1);
  cdlt_json_reader_item_position(r, &line, &col, &off);
  CHECK(line == 2 && col == 3 && off == 4);
  CHECK_EQ_INT(cdlt_json_reader_next_item(r, &doc, &v, &err), 1);
  cdlt_json_reader_item_position(r, &line, &col, &off);
  CHECK(line == 3 && col == 3);
  cdlt_json_reader_free(r);
  cdlt_json_doc_release(&doc);

  /* empty arrays, single object, errors inside the flattened array */
  CHECK_EQ_INT(collect_mem("[]", 2, true, 0, NULL, &out, &n, &err), 0);
  CHECK_EQ_INT(n, 0);
  free(out);
  CHECK_EQ_INT(collect_mem("[ ]\n[1]", 7, true, 1, NULL, &out, &n, &err), 0);
  CHECK_EQ_STR(out, "1\n");
  free(out);
  CHECK_EQ_INT(collect_mem("{\"a\":[1,2]}", 11, true, 0, NULL, &out, &n, &err), 0);
  CHECK_EQ_STR(out, "{\"a\":[1,2]}\n");
  free(out);
  expect_error("[1,]", 4, true, CDLT_ERR_PARSE, 1, 4, "trailing comma");
  expect_error("[1 2]", 5, true, CDLT_ERR_PARSE, 1, 4, "expected ',' or ']'");
  expect_error("[1,\n2", 5, true, CDLT_ERR_PARSE, 2, 2, "unexpected end of input inside an array");
  expect_error("[,1]", 4, true, CDLT_ERR_PARSE, 1, 2, "expected a JSON value");
}

static void test_typed_jsonl(void) {
  const char *s = "[{\"a\":1},{\"a\":2}]\n[{\"a\":3,\"b\":\"x\\ny\"}]\n[]\n[{\"c\":{\"d\":[]}}]\n";
  char *out;
  int n;
  cdlt_error err;
  CHECK_EQ_INT(collect_mem(s, strlen(s), true, 7, NULL, &out, &n, &err), 0);
  CHECK_EQ_STR(out, "{\"a\":1}\n{\"a\":2}\n{\"a\":3,\"b\":\"x\\ny\"}\n{\"c\":{\"d\":[]}}\n");
  CHECK_EQ_INT(n, 4);
  free(out);
}

static void test_split_everywhere(void) {
  const char *cases[] = {
    "{\"a\":1,\"b\":-2.5e+3,\"c\":\"h\\u00e9llo \\ud83d\\ude00 \\\"q\\\" \\\\ \\/\\b\\f\\n\\r\\t\",\"d\":[true,false,null]}\n"
    "{\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\":\"\xe2\x82\xac\xf0\x9f\x98\x80\xc3\xa9\",\"n\":12345678901234567890123}\n",
    "[1, 0, -0, 0.5, 1E400, \"\\u0000x\", {\"k\": {\"k\": [[]]}}, 9223372036854775807]",
    "\xEF\xBB\xBF{\"bom\":true}",
    "[[1],[2]]\n[[3]]\n",
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    const char *s = cases[c];
    size_t len = strlen(s);
    if (c == 1) len = strlen(s);   /* \u0000 is an escape: the text has no raw NUL */
    for (int items = 0; items <= 1; items++) {
      char *ref = NULL;
      int nref;
      cdlt_error err;
      int rc = collect_mem(s, len, items, 0, NULL, &ref, &nref, &err);
      CHECK_MSG(rc == 0, "case %zu: %s", c, err.msg);
      for (size_t chunk = 1; chunk <= len + 1; chunk++) {
        char *out = NULL;
        int n;
        rc = collect_mem(s, len, items, chunk, NULL, &out, &n, &err);
        CHECK_MSG(rc == 0 && n == nref && out && ref && strcmp(out, ref) == 0,
                  "case %zu items %d chunk %zu differs: %s", c, items, chunk, rc ? err.msg : "");
        free(out);
      }
      free(ref);
    }
  }
}

static void test_error_positions(void) {
  const char *s = "{\"a\":1}\n{\"b\":2}\n{\"c\":tru}\n{\"d\":4}\n";
  expect_error(s, strlen(s), true, CDLT_ERR_PARSE, 3, 9, "invalid literal");
  s = "{\"a\":1}\n{\"b\":2}\n  {\"c\" 1}\n";
  expect_error(s, strlen(s), true, CDLT_ERR_PARSE, 3, 8, "expected ':' after an object key");
  s = "{\"a\":1}\n{\"b\":2 \"c\":3}\n";
  expect_error(s, strlen(s), false, CDLT_ERR_PARSE, 2, 8, "expected ',' or '}' after an object member");
  s = "{\"a\":1}\n{\"b\":\"\\x\"}\n";
  expect_error(s, strlen(s), false, CDLT_ERR_PARSE, 2, 7, "invalid escape '\\x'");
  s = "[1,\n 2,\n 012]";
  expect_error(s, strlen(s), true, CDLT_ERR_PARSE, 3, 2, "leading zeros are not allowed");
  s = "{\"a\":\"abc";
  expect_error(s, strlen(s), false, CDLT_ERR_PARSE, 1, 10, "unexpected end of input inside a string");
  s = "{\"a\":[1,{\"b\":2}";
  expect_error(s, strlen(s), false, CDLT_ERR_PARSE, 1, 16, "unexpected end of input inside an array");
  s = "[1, NaN]";
  expect_error(s, strlen(s), false, CDLT_ERR_PARSE, 1, 5, "unexpected character 'N'");
  s = "{\"a\":1} // c";
  expect_error(s, strlen(s), false, CDLT_ERR_PARSE, 1, 9, "unexpected character '/'");
  s = "{\"a\":\"x\ty\"}";
  expect_error(s, strlen(s), false, CDLT_ERR_PARSE, 1, 8, "unescaped control character 0x09");
  /* raw NUL outside strings and inside strings */
  expect_error("[1,\0]", 5, false, CDLT_ERR_PARSE, 1, 4, "byte 0x00");
  expect_error("\"a\0\"", 4, false, CDLT_ERR_PARSE, 1, 3, "control character 0x00");

  /* the message format */
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *v;
  cdlt_error err;
  CHECK_EQ_INT(cdlt_json_parse(&doc, "{\"a\" 1}", 7, "x.json", &v, &err), CDLT_ERR_PARSE);
  CHECK_EQ_STR(err.msg, "invalid JSON in 'x.json' at line 1, column 6 (byte 5): unexpected character '1', "
                        "expected ':' after an object key");
  CHECK_EQ_INT(err.offset, 5);
  CHECK_EQ_INT(cdlt_json_parse(&doc, "[1] [2]", 7, "x.json", &v, &err), CDLT_ERR_PARSE);
  CHECK(strstr(err.msg, "expected the end of input after the JSON value") != NULL);
  CHECK_EQ_INT(cdlt_json_parse(&doc, "  ", 2, "x.json", &v, &err), CDLT_ERR_PARSE);
  CHECK(strstr(err.msg, "expected a JSON value") != NULL);
  CHECK(v == NULL);

  /* sticky error */
  cdlt_json_reader *r;
  CHECK_OK(cdlt_json_reader_new_memory(&r, "1\n[\n2\n", 6, NULL, NULL, &err), &err);
  CHECK_EQ_INT(cdlt_json_reader_next_value(r, &doc, &v, &err), 1);
  CHECK_EQ_INT(cdlt_json_reader_next_value(r, &doc, &v, &err), CDLT_ERR_PARSE);
  CHECK_EQ_INT(err.line, 4);
  CHECK(strstr(err.msg, "'<memory>'") != NULL);
  cdlt_error_clear(&err);
  CHECK_EQ_INT(cdlt_json_reader_next_value(r, &doc, &v, &err), CDLT_ERR_PARSE);
  CHECK_EQ_INT(err.line, 4);
  cdlt_json_reader_free(r);
  cdlt_json_doc_release(&doc);
}

static void test_files_and_gzip(void) {
  const char *dir = check_tmpdir();
  char path[4096], gzpath[4096], trpath[4096], trgz[4096];
  cdlt_error err;
  cdlt_input *in;
  cdlt_json_reader *r;
  char *out;
  int n;

  /* missing file */
  snprintf(path, sizeof path, "%s/missing.jsonl", dir);
  CHECK_EQ_INT(cdlt_input_open(&in, path, &err), CDLT_ERR_NOT_FOUND);
  CHECK(in == NULL);
  char want[4200];
  snprintf(want, sizeof want, "cannot open '%s': No such file or directory", path);
  CHECK_EQ_STR(err.msg, want);
  CHECK_EQ_INT(cdlt_input_open(&in, dir, &err), CDLT_ERR_IO);

  /* a JSONL file of 20000 lines, plain and gzipped (bigger than a chunk) */
  cdlt_buf b;
  cdlt_buf_init(&b);
  for (int k = 0; k < 20000; k++)
    cdlt_buf_printf(&b, "{\"id\":%d,\"name\":\"item \\\"%d\\\" \xc3\xa9\",\"vals\":[%d.5,true,null]}\n", k, k, k);
  snprintf(path, sizeof path, "%s/data.jsonl", dir);
  write_file(path, b.data, b.len);
  snprintf(gzpath, sizeof gzpath, "%s/data.jsonl.gz", dir);
  gzFile gz = gzopen(gzpath, "wb");
  CHECK(gz != NULL);
  gzwrite(gz, b.data, (unsigned)b.len);
  gzclose(gz);

  char *ref = NULL;
  CHECK_OK(cdlt_input_open(&in, path, &err), &err);
  CHECK_OK(cdlt_json_reader_new(&r, in, NULL, &err), &err);
  CHECK_EQ_INT(collect(r, true, &ref, &n, &err), 0);
  CHECK_EQ_INT(n, 20000);
  CHECK_EQ_INT(cdlt_json_reader_bytes_consumed(r), b.len);
  cdlt_json_reader_free(r);
  cdlt_input_close(in);

  CHECK_OK(cdlt_input_open(&in, gzpath, &err), &err);
  CHECK_EQ_STR(cdlt_input_name(in), gzpath);
  CHECK_OK(cdlt_json_reader_new(&r, in, NULL, &err), &err);
  CHECK_EQ_INT(collect(r, true, &out, &n, &err), 0);
  CHECK_EQ_INT(n, 20000);
  CHECK(ref && out && strcmp(ref, out) == 0);
  free(out);
  cdlt_json_reader_free(r);
  cdlt_input_close(in);

  /* truncated plain file: an error at the end, after the complete items */
  snprintf(trpath, sizeof trpath, "%s/trunc.jsonl", dir);
  write_file(trpath, b.data, b.len - 10);
  CHECK_OK(cdlt_input_open(&in, trpath, &err), &err);
  CHECK_OK(cdlt_json_reader_new(&r, in, NULL, &err), &err);
  CHECK_EQ_INT(collect(r, true, &out, &n, &err), CDLT_ERR_PARSE);
  CHECK_EQ_INT(n, 19999);
  CHECK_EQ_INT(err.line, 20000);
  CHECK_EQ_INT(err.offset, b.len - 10);
  CHECK(strstr(err.msg, "unexpected end of input") != NULL);
  free(out);
  cdlt_json_reader_free(r);
  cdlt_input_close(in);

  /* truncated gzip: an error, never a silent end */
  size_t gzlen = 0;
  char *gzdata = check_read_file(gzpath, &gzlen);
  CHECK(gzdata && gzlen > 100);
  snprintf(trgz, sizeof trgz, "%s/trunc.jsonl.gz", dir);
  write_file(trgz, gzdata, gzlen / 2);
  CHECK_OK(cdlt_input_open(&in, trgz, &err), &err);
  CHECK_OK(cdlt_json_reader_new(&r, in, NULL, &err), &err);
  int rc = collect(r, true, &out, &n, &err);
  CHECK_MSG(rc < 0, "truncated gzip must fail (rc %d, %d items)", rc, n);
  CHECK(n > 0 && n < 20000);
  CHECK_MSG(strstr(err.msg, "truncated gzip") != NULL || strstr(err.msg, "unexpected end") != NULL, "%s", err.msg);
  free(out);
  cdlt_json_reader_free(r);
  cdlt_input_close(in);
  /* truncated right after a complete JSON line inside the gzip stream: still an error */
  write_file(trgz, gzdata, gzlen - 4);   /* drops part of the trailer (ISIZE) */
  CHECK_OK(cdlt_input_open(&in, trgz, &err), &err);
  CHECK_OK(cdlt_json_reader_new(&r, in, NULL, &err), &err);
  rc = collect(r, true, &out, &n, &err);
  CHECK_EQ_INT(rc, CDLT_ERR_PARSE);
  CHECK(strstr(err.msg, "truncated gzip") != NULL);
  CHECK(strstr(err.msg, "trunc.jsonl.gz") != NULL);
  free(out);
  cdlt_json_reader_free(r);
  cdlt_input_close(in);
  /* corrupt gzip data */
  gzdata[gzlen / 2] ^= 0x55;
  gzdata[gzlen / 2 + 1] ^= 0x55;
  write_file(trgz, gzdata, gzlen);
  CHECK_OK(cdlt_input_open(&in, trgz, &err), &err);
  CHECK_OK(cdlt_json_reader_new(&r, in, NULL, &err), &err);
  rc = collect(r, true, &out, &n, &err);
  CHECK_MSG(rc < 0, "corrupt gzip must fail (rc %d)", rc);
  free(out);
  cdlt_json_reader_free(r);
  cdlt_input_close(in);

  free(gzdata);
  free(ref);
  cdlt_buf_release(&b);
}

static void test_duplicates(void) {
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *v = parse(&doc, "{\"a\":1,\"b\":2,\"a\":3,\"c\":{\"x\":1,\"x\":[2]},\"b\":4}");
  CHECK(v && v->type == CDLT_JSON_OBJECT && v->u.obj.len == 3);
  if (v && v->u.obj.len == 3) {
    CHECK_EQ_STR(v->u.obj.members[0].key, "a");
    CHECK_EQ_INT(v->u.obj.members[0].value->u.num.i, 3);
    CHECK_EQ_STR(v->u.obj.members[1].key, "b");
    CHECK_EQ_INT(v->u.obj.members[1].value->u.num.i, 4);
    CHECK_EQ_STR(v->u.obj.members[2].key, "c");
    cdlt_json_value *c = v->u.obj.members[2].value;
    CHECK(c->u.obj.len == 1 && c->u.obj.members[0].value->type == CDLT_JSON_ARRAY);
  }
  /* keys that differ only after a NUL are different keys */
  v = parse(&doc, "{\"a\\u0000b\":1,\"a\\u0000c\":2,\"a\":3}");
  CHECK(v && v->u.obj.len == 3 && v->u.obj.members[0].key_len == 3);
  /* large object with duplicates (hash path) */
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_buf_putc(&b, '{');
  for (int k = 0; k < 100; k++) cdlt_buf_printf(&b, "\"k%d\":%d,", k, k);
  for (int k = 0; k < 100; k += 2) cdlt_buf_printf(&b, "\"k%d\":%d,", k, -k);
  cdlt_buf_puts(&b, "\"last\":0}");
  v = parse(&doc, b.data);
  CHECK(v && v->u.obj.len == 101);
  if (v && v->u.obj.len == 101) {
    CHECK_EQ_STR(v->u.obj.members[10].key, "k10");
    CHECK_EQ_INT(v->u.obj.members[10].value->u.num.i, -10);
    CHECK_EQ_INT(v->u.obj.members[11].value->u.num.i, 11);
    CHECK_EQ_STR(v->u.obj.members[100].key, "last");
  }
  cdlt_buf_release(&b);
  cdlt_json_doc_release(&doc);
}

static void test_many_keys(void) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_buf_putc(&b, '{');
  for (int k = 0; k < 50000; k++) cdlt_buf_printf(&b, "%s\"key_%d\":%d", k ? "," : "", k, k);
  cdlt_buf_puts(&b, ",\"key_0\":\"again\"}");
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  double t0 = now_s();
  cdlt_json_value *v = parse(&doc, b.data);
  double t = now_s() - t0;
  CHECK(v && v->u.obj.len == 50000);
  if (v && v->u.obj.len == 50000) {
    CHECK(cdlt_json_is_str(v->u.obj.members[0].value, "again"));
    CHECK_EQ_STR(v->u.obj.members[49999].key, "key_49999");
  }
  CHECK_MSG(t < 0.5, "50,000 keys took %.3f s", t);
  /* streaming in small chunks too */
  char *out;
  int n;
  cdlt_error err;
  t0 = now_s();
  CHECK_EQ_INT(collect_mem(b.data, b.len, true, 100, NULL, &out, &n, &err), 0);
  CHECK_MSG(now_s() - t0 < 1.0, "50,000 keys streamed took %.3f s", now_s() - t0);
  CHECK_EQ_INT(n, 1);
  free(out);
  cdlt_buf_release(&b);
  cdlt_json_doc_release(&doc);
}

static void test_limits(void) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  char *out;
  int n;
  cdlt_error err;
  /* default depth 10000: 10000 nested arrays are fine, 10001 are not */
  for (int k = 0; k < 10000; k++) cdlt_buf_putc(&b, '[');
  for (int k = 0; k < 10000; k++) cdlt_buf_putc(&b, ']');
  CHECK_EQ_INT(collect_mem(b.data, b.len, false, 0, NULL, &out, &n, &err), 0);
  free(out);
  CHECK_EQ_INT(collect_mem(b.data, b.len, false, 4096, NULL, &out, &n, &err), 0);
  free(out);
  cdlt_buf_reset(&b);
  for (int k = 0; k < 10001; k++) cdlt_buf_puts(&b, "{\"a\":");
  cdlt_buf_puts(&b, "1");
  for (int k = 0; k < 10001; k++) cdlt_buf_putc(&b, '}');
  CHECK_EQ_INT(collect_mem(b.data, b.len, false, 0, NULL, &out, &n, &err), CDLT_ERR_LIMIT);
  CHECK(strstr(err.msg, "nesting depth exceeds the limit of 10000") != NULL);
  CHECK_EQ_INT(err.offset, 50000);
  CHECK_EQ_INT(err.column, 50001);
  free(out);
  /* an explicit limit; the flattened top-level array counts as one level */
  cdlt_json_limits lim = {.max_depth = 3};
  CHECK_EQ_INT(collect_mem("[[[1]]]", 7, false, 0, &lim, &out, &n, &err), 0);
  free(out);
  CHECK_EQ_INT(collect_mem("[[[[1]]]]", 9, false, 0, &lim, &out, &n, &err), CDLT_ERR_LIMIT);
  CHECK_EQ_INT(err.column, 4);
  free(out);
  CHECK_EQ_INT(collect_mem("[[[1]]]", 7, true, 1, &lim, &out, &n, &err), 0);
  free(out);
  CHECK_EQ_INT(collect_mem("[[[[1]]]]", 9, true, 1, &lim, &out, &n, &err), CDLT_ERR_LIMIT);
  free(out);
  /* string and item size */
  lim = (cdlt_json_limits){.max_string_bytes = 10};
  for (size_t chunk = 0; chunk <= 3; chunk++) {
    CHECK_EQ_INT(collect_mem("[\"0123456789\"]", 14, false, chunk, &lim, &out, &n, &err), 0);
    free(out);
    CHECK_EQ_INT(collect_mem("[\"0123456789a\"]", 15, false, chunk, &lim, &out, &n, &err), CDLT_ERR_LIMIT);
    CHECK(strstr(err.msg, "string longer than the limit of 10 bytes") != NULL);
    free(out);
    CHECK_EQ_INT(collect_mem("[\"\\n123456789a\"]", 16, false, chunk, &lim, &out, &n, &err), CDLT_ERR_LIMIT);
    free(out);
    CHECK_EQ_INT(collect_mem("[123456789012]", 14, false, chunk, &lim, &out, &n, &err), CDLT_ERR_LIMIT);
    free(out);
  }
  lim = (cdlt_json_limits){.max_item_bytes = 100};
  cdlt_buf_reset(&b);
  cdlt_buf_puts(&b, "{\"small\":1}\n[");
  for (int k = 0; k < 100; k++) cdlt_buf_puts(&b, "1,");
  cdlt_buf_puts(&b, "2]\n");
  for (size_t chunk = 0; chunk <= 16; chunk += 16) {
    CHECK_EQ_INT(collect_mem(b.data, b.len, false, chunk, &lim, &out, &n, &err), CDLT_ERR_LIMIT);
    CHECK_EQ_INT(n, 1);
    CHECK(strstr(err.msg, "limit of 100 bytes") != NULL);
    free(out);
    /* as items, each element is small */
    CHECK_EQ_INT(collect_mem(b.data, b.len, true, chunk, &lim, &out, &n, &err), 0);
    CHECK_EQ_INT(n, 102);
    free(out);
  }
  cdlt_buf_release(&b);
}

static void test_bom(void) {
  const char *s = "\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}";
  char *out;
  int n;
  cdlt_error err;
  for (size_t chunk = 0; chunk <= 4; chunk++) {
    CHECK_EQ_INT(collect_mem(s, strlen(s), true, chunk, NULL, &out, &n, &err), 0);
    CHECK_EQ_STR(out, "{\"a\":1}\n{\"b\":2}\n");
    free(out);
  }
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *v = parse(&doc, "\xEF\xBB\xBF [1]");
  CHECK(v && v->type == CDLT_JSON_ARRAY);
  /* a BOM anywhere else is an error; a BOM alone is empty input */
  expect_error("{}\n\xEF\xBB\xBF{}", 8, true, CDLT_ERR_PARSE, 2, 1, "unexpected byte 0xef");
  CHECK_EQ_INT(collect_mem("\xEF\xBB\xBF", 3, true, 1, NULL, &out, &n, &err), 0);
  CHECK_EQ_INT(n, 0);
  free(out);
  /* positions count the BOM's bytes */
  expect_error("\xEF\xBB\xBF[x]", 6, true, CDLT_ERR_PARSE, 1, 5, "unexpected character 'x'");
  cdlt_json_doc_release(&doc);
}

static void test_numbers(void) {
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *v = parse(&doc,
      "[12345678901234567890123, -9223372036854775808, 9223372036854775807, 9223372036854775808,"
      " 1e400, -1E400, 1.5, 0, -0, 1e-400, 123456789012345678, -0.0, 2.5E-3, 100000000000000000000.0]");
  CHECK(v && v->u.arr.len == 14);
  if (v && v->u.arr.len == 14) {
    cdlt_json_value **a = v->u.arr.items;
    CHECK_EQ_INT(a[0]->type, CDLT_JSON_BIGINT);
    CHECK(a[0]->u.num.len == 23 && memcmp(a[0]->u.num.text, "12345678901234567890123", 23) == 0);
    CHECK_EQ_INT(a[1]->type, CDLT_JSON_INT);
    CHECK(a[1]->u.num.i == INT64_MIN);
    CHECK_EQ_INT(a[2]->type, CDLT_JSON_INT);
    CHECK(a[2]->u.num.i == INT64_MAX);
    CHECK_EQ_INT(a[3]->type, CDLT_JSON_BIGINT);
    CHECK_EQ_STR(a[3]->u.num.text, "9223372036854775808");
    CHECK_EQ_INT(a[4]->type, CDLT_JSON_FLOAT);
    CHECK(a[4]->u.num.d > 1e308);
    CHECK_EQ_STR(a[4]->u.num.text, "1e400");
    CHECK(a[5]->type == CDLT_JSON_FLOAT && a[5]->u.num.d < -1e308);
    CHECK(a[6]->type == CDLT_JSON_FLOAT && a[6]->u.num.d == 1.5);
    CHECK(a[7]->type == CDLT_JSON_INT && a[7]->u.num.i == 0);
    CHECK(a[8]->type == CDLT_JSON_INT && a[8]->u.num.i == 0);
    CHECK_EQ_STR(a[8]->u.num.text, "-0");
    CHECK(a[9]->type == CDLT_JSON_FLOAT && a[9]->u.num.d == 0.0);
    CHECK(a[10]->type == CDLT_JSON_INT && a[10]->u.num.i == 123456789012345678LL);
    CHECK(a[11]->type == CDLT_JSON_FLOAT && a[11]->u.num.d == 0.0);
    CHECK(a[12]->type == CDLT_JSON_FLOAT && a[12]->u.num.d == 2.5e-3);
    CHECK(a[13]->type == CDLT_JSON_FLOAT && a[13]->u.num.d == 1e20);
    /* written back exactly as read */
    cdlt_buf b;
    cdlt_buf_init(&b);
    cdlt_json_write(&b, v, 0);
    CHECK_EQ_STR(b.data, "[12345678901234567890123,-9223372036854775808,9223372036854775807,9223372036854775808,"
                         "1e400,-1E400,1.5,0,-0,1e-400,123456789012345678,-0.0,2.5E-3,100000000000000000000.0]");
    cdlt_buf_release(&b);
  }
  cdlt_json_doc_release(&doc);
}

static void test_strings(void) {
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *v = parse(&doc, "[\"\\u00e9\", \"\\ud83d\\ude00\", \"a\\u0000b\", \"\xe2\x82\xac\", \"\\uFFFF\", \"\x7f\", \"\"]");
  CHECK(v && v->u.arr.len == 7);
  if (v && v->u.arr.len == 7) {
    cdlt_json_value **a = v->u.arr.items;
    CHECK(a[0]->u.str.len == 2 && memcmp(a[0]->u.str.ptr, "\xc3\xa9", 2) == 0);
    CHECK(a[1]->u.str.len == 4 && memcmp(a[1]->u.str.ptr, "\xf0\x9f\x98\x80", 4) == 0);
    CHECK(a[2]->u.str.len == 3 && memcmp(a[2]->u.str.ptr, "a\0b", 3) == 0);
    CHECK_EQ_STR(a[3]->u.str.ptr, "\xe2\x82\xac");
    CHECK_EQ_STR(a[4]->u.str.ptr, "\xef\xbf\xbf");
    CHECK_EQ_STR(a[5]->u.str.ptr, "\x7f");
    CHECK(a[6]->u.str.len == 0 && a[6]->u.str.ptr[0] == 0);
  }
  /* invalid UTF-8: the offending byte's position */
  expect_error("[\"ab\xff\"]", 7, false, CDLT_ERR_PARSE, 1, 5, "invalid UTF-8 byte 0xff");
  expect_error("[\"\xc0\x80\"]", 6, false, CDLT_ERR_PARSE, 1, 3, "invalid UTF-8 byte 0xc0");          /* overlong NUL */
  expect_error("[\"\xe0\x80\xaf\"]", 7, false, CDLT_ERR_PARSE, 1, 4, "invalid UTF-8 byte 0x80");      /* overlong '/' */
  expect_error("[\"\xed\xa0\x80\"]", 7, false, CDLT_ERR_PARSE, 1, 4, "invalid UTF-8 byte 0xa0");      /* U+D800 */
  expect_error("[\"\xf4\x90\x80\x80\"]", 8, false, CDLT_ERR_PARSE, 1, 4, "invalid UTF-8 byte 0x90");  /* > U+10FFFF */
  expect_error("[\"\xe2\x82\"]", 6, false, CDLT_ERR_PARSE, 1, 5, "invalid UTF-8 byte 0x22");          /* cut short */
  expect_error("{\"k\xe2\x82", 5, false, CDLT_ERR_PARSE, 1, 6, "unexpected end of input inside a string");
  /* escapes */
  expect_error("[\"\\ud800\"]", 10, false, CDLT_ERR_PARSE, 1, 3, "lone surrogate escape '\\ud800'");
  expect_error("[\"\\udc00\\ud800\"]", 16, false, CDLT_ERR_PARSE, 1, 3, "lone low surrogate");
  expect_error("[\"\\u12g4\"]", 10, false, CDLT_ERR_PARSE, 1, 3, "expected 4 hex digits");
  expect_error("[\"\\", 3, false, CDLT_ERR_PARSE, 1, 4, "unexpected end of input inside a string");
  cdlt_json_doc_release(&doc);
}

/* parsed doubles equal strtod's for many shapes (the fast path and the fallback) */
static void test_float_accuracy(void) {
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  unsigned long long seed = 12345;
  int bad = 0;
  for (int k = 0; k < 200000; k++) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    unsigned long long x = seed >> 11;
    char txt[64];
    int digits = 1 + (int)(x % 19), point = (int)((x >> 5) % 21), ex = (int)((x >> 10) % 61) - 30;
    size_t n = 0;
    if (x & 1) txt[n++] = '-';
    unsigned long long y = seed;
    for (int d = 0; d < digits; d++) {
      if (d == point && d > 0) txt[n++] = '.';
      txt[n++] = (char)('0' + (d == 0 && digits > 1 && point != 1 ? 1 + y % 9 : y % 10));
      y = y * 2862933555777941757ULL + 3037000493ULL;
      y ^= y >> 17;
    }
    if ((x >> 20) & 1) n += (size_t)snprintf(txt + n, sizeof txt - n, "e%d", ex);
    else if (point == 0 || point >= digits) n += (size_t)snprintf(txt + n, sizeof txt - n, ".5");
    txt[n] = 0;
    cdlt_json_value *v = NULL;
    cdlt_error err;
    if (cdlt_json_parse(&doc, txt, n, "f", &v, &err) != 0) {
      if (bad++ < 5) CHECK_MSG(0, "%s: %s", txt, err.msg);
      continue;
    }
    double want = strtod(txt, NULL);
    if (v->u.num.d != want && bad++ < 5) CHECK_MSG(0, "%s parsed as %.17g, strtod %.17g", txt, v->u.num.d, want);
    cdlt_json_doc_reset(&doc);
  }
  CHECK_EQ_INT(bad, 0);
  cdlt_json_doc_release(&doc);
}

static int count_realworld(const char *dir, int depth) {
  DIR *d = opendir(dir);
  CHECK_MSG(d != NULL, "cannot open %s", dir);
  if (!d) return 0;
  int files = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (depth < 4) files += count_realworld(path, depth + 1);
      continue;
    }
    size_t n = strlen(e->d_name);
    cdlt_error err;
    cdlt_error_clear(&err);
    if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
      size_t len;
      char *data = check_read_file(path, &len);
      cdlt_json_doc doc, doc2;
      cdlt_json_doc_init(&doc);
      cdlt_json_doc_init(&doc2);
      cdlt_json_value *v = NULL, *w = NULL;
      int rc = cdlt_json_parse(&doc, data, len, e->d_name, &v, &err);
      CHECK_MSG(rc == 0, "%s: %s", path, err.msg);
      /* the same through a file input in 64 KiB chunks */
      cdlt_input *in;
      cdlt_json_reader *r;
      CHECK_OK(cdlt_input_open(&in, path, &err), &err);
      CHECK_OK(cdlt_json_reader_new(&r, in, NULL, &err), &err);
      CHECK_EQ_INT(cdlt_json_reader_next_value(r, &doc2, &w, &err), 1);
      cdlt_json_value *extra = NULL;
      CHECK_EQ_INT(cdlt_json_reader_next_value(r, &doc2, &extra, &err), 0);
      cdlt_json_reader_free(r);
      cdlt_input_close(in);
      CHECK_MSG(rc == 0 && v && w && cdlt_json_equal(v, w), "%s: streamed value differs", path);
      cdlt_json_doc_release(&doc);
      cdlt_json_doc_release(&doc2);
      free(data);
      files++;
    } else if (n > 7 && strcmp(e->d_name + n - 7, ".ndjson") == 0) {
      cdlt_input *in;
      cdlt_json_reader *r;
      char *out;
      int lines = 0, items = 0;
      CHECK_OK(cdlt_input_open(&in, path, &err), &err);
      CHECK_OK(cdlt_json_reader_new(&r, in, NULL, &err), &err);
      CHECK_EQ_INT(collect(r, false, &out, &lines, &err), 0);
      free(out);
      cdlt_json_reader_free(r);
      cdlt_input_close(in);
      CHECK_OK(cdlt_input_open(&in, path, &err), &err);
      CHECK_OK(cdlt_json_reader_new(&r, in, NULL, &err), &err);
      CHECK_EQ_INT(collect(r, true, &out, &items, &err), 0);
      free(out);
      cdlt_json_reader_free(r);
      cdlt_input_close(in);
      if (strcmp(e->d_name, "amazon_cellphones.ndjson") == 0) {
        CHECK_EQ_INT(lines, 793);
        CHECK_EQ_INT(items, 793 * 9);   /* each line is an array of 9 values, flattened */
      }
      files++;
    }
  }
  closedir(d);
  return files;
}

static void test_realworld(void) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/testdata/realworld", check_shared_dir());
  int files = count_realworld(dir, 0);
  CHECK_MSG(files >= 25, "realworld corpus: %d files", files);
}

int main(void) {
  test_jsonl();
  test_array_file();
  test_typed_jsonl();
  test_split_everywhere();
  test_error_positions();
  test_files_and_gzip();
  test_duplicates();
  test_many_keys();
  test_limits();
  test_bom();
  test_numbers();
  test_float_accuracy();
  test_strings();
  test_realworld();
  return check_finish();
}
