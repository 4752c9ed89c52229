/* test_toml.c — the TOML reader beyond toml-test: decoded values and their kinds, normalised
 * date-times, key order, positions of values, exact error messages and positions, limits. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/toml.h"

/* Parses text; returns rc, fills err. doc must be released by the caller. */
static int parse(cdlt_toml_doc *doc, const char *text, cdlt_error *err) {
  cdlt_toml_doc_init(doc);
  memset(err, 0, sizeof *err);
  return cdlt_toml_parse(doc, text, strlen(text), "t.toml", err);
}

/* Expects a parse error with this message (after the "invalid TOML in ..." prefix) at line:col. */
static void expect_error(const char *text, uint64_t line, uint64_t col, const char *reason) {
  cdlt_toml_doc doc;
  cdlt_error err;
  int rc = parse(&doc, text, &err);
  CHECK_MSG(rc == CDLT_ERR_PARSE, "accepted or wrong code %d: %s", rc, text);
  CHECK_MSG(err.line == line && err.column == col, "position %llu:%llu, expected %llu:%llu for %s (%s)",
            (unsigned long long)err.line, (unsigned long long)err.column, (unsigned long long)line,
            (unsigned long long)col, text, err.msg);
  char expected[1024];
  snprintf(expected, sizeof expected, "invalid TOML in 't.toml' at line %llu, column %llu: %s",
           (unsigned long long)line, (unsigned long long)col, reason);
  CHECK_EQ_STR(err.msg, expected);
  CHECK(doc.root == NULL);
  cdlt_toml_doc_release(&doc);
}

static void test_values(void) {
  const char *text =
      "# values of every kind\n"
      "title = \"TOML \\u00e9\\U0001F600\\t\"\n"
      "lit = 'C:\\path'\n"
      "ml = \"\"\"\n  a \\\n   b\"\"\"\n"
      "mll = '''\nx\n'''\n"
      "int = +1_000\n"
      "hex = 0xDEAD_beef\n"
      "oct = 0o755\n"
      "bin = -0\n"
      "flt = 6.626e-34\n"
      "ninf = -inf\n"
      "nan = nan\n"
      "odt = 1979-05-27 07:32:00.999z\n"
      "off = 1979-05-27T00:32:00-07:00\n"
      "ldt = 1979-05-27t07:32:00\n"
      "ld = 1979-05-27\n"
      "lt = 07:32:00.5\n"
      "yes = true\n"
      "arr = [1, 'two', [3.0], {four = 4}]\n"
      "[server.\"a b\".c]\n"
      "port = 8080\n"
      "[[items]]\n"
      "id = 1\n"
      "[[items]]\n"
      "id = 2\n";
  cdlt_toml_doc doc;
  cdlt_error err;
  CHECK_OK(parse(&doc, text, &err), &err);
  const cdlt_json_value *r = doc.root;
  if (!r) return;
  CHECK_EQ_INT(cdlt_toml_kind_of(&doc, r), CDLT_TOML_TABLE);
  CHECK_EQ_STR(cdlt_json_get_str(r, "title"), "TOML \xc3\xa9\xf0\x9f\x98\x80\t");
  CHECK_EQ_STR(cdlt_json_get_str(r, "lit"), "C:\\path");
  CHECK_EQ_STR(cdlt_json_get_str(r, "ml"), "  a b");
  CHECK_EQ_STR(cdlt_json_get_str(r, "mll"), "x\n");
  CHECK_EQ_INT(cdlt_json_get_int(r, "int", 0), 1000);
  CHECK_EQ_INT(cdlt_json_get_int(r, "hex", 0), 0xDEADBEEF);
  CHECK_EQ_INT(cdlt_json_get_int(r, "oct", 0), 0755);
  CHECK_EQ_INT(cdlt_toml_kind_of(&doc, cdlt_json_get(r, "bin")), CDLT_TOML_INTEGER);
  const cdlt_json_value *f = cdlt_json_get(r, "flt");
  CHECK(f && f->type == CDLT_JSON_FLOAT && f->u.num.d == 6.626e-34);
  CHECK_EQ_INT(cdlt_toml_kind_of(&doc, f), CDLT_TOML_FLOAT);
  CHECK(cdlt_json_get(r, "ninf")->u.num.d < -1e308);
  CHECK(cdlt_json_get(r, "nan")->u.num.d != cdlt_json_get(r, "nan")->u.num.d);
  /* date-times: normalised text and kinds */
  CHECK_EQ_STR(cdlt_json_get_str(r, "odt"), "1979-05-27T07:32:00.999Z");
  CHECK_EQ_INT(cdlt_toml_kind_of(&doc, cdlt_json_get(r, "odt")), CDLT_TOML_DATETIME);
  CHECK_EQ_STR(cdlt_json_get_str(r, "off"), "1979-05-27T00:32:00-07:00");
  CHECK_EQ_STR(cdlt_json_get_str(r, "ldt"), "1979-05-27T07:32:00");
  CHECK_EQ_INT(cdlt_toml_kind_of(&doc, cdlt_json_get(r, "ldt")), CDLT_TOML_DATETIME_LOCAL);
  CHECK_EQ_STR(cdlt_json_get_str(r, "ld"), "1979-05-27");
  CHECK_EQ_INT(cdlt_toml_kind_of(&doc, cdlt_json_get(r, "ld")), CDLT_TOML_DATE_LOCAL);
  CHECK_EQ_STR(cdlt_json_get_str(r, "lt"), "07:32:00.5");
  CHECK_EQ_INT(cdlt_toml_kind_of(&doc, cdlt_json_get(r, "lt")), CDLT_TOML_TIME_LOCAL);
  CHECK_EQ_INT(cdlt_toml_kind_of(&doc, cdlt_json_get(r, "title")), CDLT_TOML_STRING);
  CHECK_EQ_INT(cdlt_toml_kind_of(&doc, cdlt_json_get(r, "yes")), CDLT_TOML_BOOL);
  /* the whole array as JSON, key order kept everywhere */
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_json_write(&b, cdlt_json_get(r, "arr"), 0);
  CHECK_EQ_STR(b.data, "[1,\"two\",[3.0],{\"four\":4}]");
  cdlt_buf_reset(&b);
  cdlt_json_write(&b, cdlt_json_get(r, "server"), 0);
  CHECK_EQ_STR(b.data, "{\"a b\":{\"c\":{\"port\":8080}}}");
  cdlt_buf_reset(&b);
  cdlt_json_write(&b, cdlt_json_get(r, "items"), 0);
  CHECK_EQ_STR(b.data, "[{\"id\":1},{\"id\":2}]");
  cdlt_buf_release(&b);
  const char *order[] = {"title", "lit", "ml", "mll", "int", "hex", "oct", "bin", "flt", "ninf", "nan",
                         "odt", "off", "ldt", "ld", "lt", "yes", "arr", "server", "items"};
  CHECK_EQ_INT(r->u.obj.len, 20);
  for (size_t i = 0; i < 20 && i < r->u.obj.len; i++) CHECK_EQ_STR(r->u.obj.members[i].key, order[i]);
  /* positions: of a keyed value, its key; of a [[table]] element, its header */
  uint64_t line, col;
  CHECK(cdlt_toml_position(&doc, cdlt_json_get(r, "hex"), &line, &col));
  CHECK_EQ_INT(line, 11);
  CHECK_EQ_INT(col, 1);
  const cdlt_json_value *items = cdlt_json_get(r, "items");
  CHECK(cdlt_toml_position(&doc, items->u.arr.items[1], &line, &col));
  CHECK_EQ_INT(line, 28);
  CHECK(cdlt_toml_position(&doc, cdlt_json_get(items->u.arr.items[1], "id"), &line, &col));
  CHECK_EQ_INT(line, 29);
  CHECK(!cdlt_toml_position(&doc, NULL, &line, &col));
  CHECK_EQ_INT(line, 0);
  cdlt_toml_doc_release(&doc);
}

static void test_definition_rules(void) {
  const char *ok =
      "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true\n"
      "[x.y.z]\n[x]\nk = 1\n"  /* implicit x defined later once */
      "[[a.b]]\n[a.b.c]\nd = 1\n[[a.b]]\n[a.b.c]\nd = 2\n";
  cdlt_toml_doc doc;
  cdlt_error err;
  CHECK_OK(parse(&doc, ok, &err), &err);
  cdlt_toml_doc_release(&doc);
  expect_error("a = 1\na = 2\n", 2, 1, "key 'a' is defined twice");
  expect_error("[t]\nx = 1\n[t]\n", 3, 1, "table 't' is defined twice");
  expect_error("[fruit]\napple.color = 1\n[fruit.apple]\n", 3, 1, "table 'fruit.apple' is defined twice");
  expect_error("a = {b = 1}\na.c = 2\n", 2, 1, "key 'a' is already defined");
  expect_error("a = {b = 1}\n[a.c]\n", 2, 2, "key 'a' is already defined and is not a table");
  expect_error("a = [1]\n[[a]]\n", 2, 1, "'a' is already defined and is not an array of tables");
  expect_error("[[a]]\n[a]\n", 2, 1, "key 'a' is already defined and is not a table");
  expect_error("[a.b.c]\nz = 9\n[a]\nb.c.t = 9\n", 4, 1, "key 'b' is already defined");
}

static void test_errors(void) {
  expect_error("a = 1\nb = \n", 2, 5, "expected a value");
  expect_error("s = \"abc\n", 1, 5, "unterminated string");
  expect_error("x = 0x\n", 1, 5, "invalid value '0x'");
  expect_error("x = 012\n", 1, 5, "invalid value '012'");
  expect_error("x = 1__0\n", 1, 5, "invalid value '1__0'");
  expect_error("x = 9223372036854775808\n", 1, 5, "integer '9223372036854775808' does not fit 64 bits");
  expect_error("a = \"x\\qy\"\n", 1, 7, "invalid escape '\\q'");
  expect_error("a = \"\\uD800\"\n", 1, 6, "escape \\u is not a Unicode scalar value");
  expect_error("d = 2021-02-29\n", 1, 5, "invalid date-time '2021-02-29'");
  expect_error("t = 24:00:00\n", 1, 5, "invalid date-time '24:00:00'");
  expect_error("a = 1 b = 2\n", 1, 7, "expected a newline after the value, found 'b'");
  expect_error("a = { b = 1, }\n", 1, 14, "trailing comma in an inline table");
  expect_error("a = { b = 1,\n c = 2 }\n", 1, 13, "expected a key");
  expect_error("a = [1, 2\n", 1, 5, "unterminated array");
  expect_error("key\n", 1, 4, "expected '=' after a key");
  expect_error("a = 1\r\n\rb = 2\n", 2, 1, "bare carriage return");
  expect_error("# ok\n# bad \x01\n", 2, 7, "control character 0x01 in a comment");
  expect_error("a = 'ok'\nb = '\xff'\n", 2, 6, "invalid UTF-8 byte 0xff");
  expect_error("[a\n", 1, 3, "expected ']' to close a table header");
  expect_error("a = \"\"\"x\"\"\"\"\"\"\n", 1, 9, "too many quotes at the end of a multi-line string");
}

static void test_limits(void) {
  char deep[1024];
  size_t n = 0;
  n += (size_t)snprintf(deep, sizeof deep, "a = ");
  for (int i = 0; i < 200; i++) deep[n++] = '[';
  for (int i = 0; i < 200; i++) deep[n++] = ']';
  deep[n++] = '\n';
  deep[n] = 0;
  cdlt_toml_doc doc;
  cdlt_error err;
  CHECK_EQ_INT(parse(&doc, deep, &err), CDLT_ERR_LIMIT);
  CHECK_EQ_STR(err.msg, "TOML limit exceeded in 't.toml' at line 1, column 133: nesting deeper than 128");
  cdlt_toml_doc_release(&doc);
  /* 100 levels are fine */
  n = (size_t)snprintf(deep, sizeof deep, "a = ");
  for (int i = 0; i < 100; i++) deep[n++] = '[';
  for (int i = 0; i < 100; i++) deep[n++] = ']';
  deep[n] = 0;
  CHECK_OK(parse(&doc, deep, &err), &err);
  cdlt_toml_doc_release(&doc);
  /* size limit is checked before reading a byte */
  cdlt_toml_doc_init(&doc);
  CHECK_EQ_INT(cdlt_toml_parse(&doc, "", CDLT_TOML_MAX_SIZE + 1, "big.toml", &err), CDLT_ERR_LIMIT);
  CHECK(strstr(err.msg, "'big.toml'") != NULL);
  cdlt_toml_doc_release(&doc);
  /* a missing file */
  cdlt_toml_doc_init(&doc);
  CHECK_EQ_INT(cdlt_toml_parse_file(&doc, "/nonexistent/x.toml", &err), CDLT_ERR_NOT_FOUND);
  cdlt_toml_doc_release(&doc);
  /* empty doc and BOM */
  CHECK_OK(parse(&doc, "\xEF\xBB\xBF# only a comment", &err), &err);
  CHECK(doc.root && doc.root->u.obj.len == 0);
  cdlt_toml_doc_release(&doc);
}

/* many keys in one table: stays linear (no quadratic key lookups) and correct */
static void test_many_keys(void) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  for (int i = 0; i < 50000; i++) cdlt_buf_printf(&b, "k%d = %d\n", i, i);
  cdlt_toml_doc doc;
  cdlt_error err;
  cdlt_toml_doc_init(&doc);
  CHECK_OK(cdlt_toml_parse(&doc, b.data, b.len, "many.toml", &err), &err);
  CHECK_EQ_INT(doc.root ? doc.root->u.obj.len : 0, 50000);
  CHECK_EQ_INT(cdlt_json_get_int(doc.root, "k49999", -1), 49999);
  uint64_t line = 0;
  cdlt_toml_position(&doc, cdlt_json_get(doc.root, "k49999"), &line, NULL);
  CHECK_EQ_INT(line, 50000);
  cdlt_toml_doc_release(&doc);
  cdlt_buf_release(&b);
}

int main(void) {
  test_values();
  test_definition_rules();
  test_errors();
  test_limits();
  test_many_keys();
  return check_finish();
}
