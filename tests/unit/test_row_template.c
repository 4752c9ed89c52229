/* test_row_template.c — normalize's row templates (src/normalize/row_template.c): a template made
 * from an item matches exactly the items of the same shape; each slot's value is the value the JSON
 * reader builds for those bytes (type, number text and value, decoded string), for strings with
 * every escape, UTF-8 and numbers on and off the reader's fast paths; malformed scalars, other
 * shapes and truncated items do not match; and the memory reader's peek / consume of items. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json/json.h"
#include "json/json_reader.h"
#include "json/string_scan.h"
#include "normalize/row_template.h"

static cdlt_json_value *parse(cdlt_json_doc *doc, const char *s) {
  cdlt_json_value *v = NULL;
  cdlt_error err = {0};
  int rc = cdlt_json_parse(doc, s, strlen(s), "t", &v, &err);
  CHECK_MSG(rc == 0, "parse %s: %s", s, err.msg);
  return v;
}

static cdlt_row_template *build(cdlt_json_doc *doc, const char *s, const cdlt_json_value **values, size_t *n) {
  cdlt_row_template *t = NULL;
  int rc = cdlt_row_template_build(parse(doc, s), &t, values, n);
  CHECK_MSG(rc == 0 && t, "build %s: %d", s, rc);
  return t;
}

/* the slot value of `scalar` (JSON text) equals the reader's value of it */
static void check_scalar(const char *scalar) {
  char item[512];
  snprintf(item, sizeof item, "{\"k\":%s}", scalar);
  cdlt_json_doc doc, scratch;
  cdlt_json_doc_init(&doc);
  cdlt_json_doc_init(&scratch);
  const cdlt_json_value *values[CDLT_ROW_TEMPLATE_MAX_SLOTS];
  size_t n = 0;
  cdlt_row_template *t = build(&doc, item, values, &n);
  cdlt_slot slots[4];
  CHECK_EQ_INT((long)n, 1);
  size_t len = t ? cdlt_row_template_match(t, item, strlen(item), slots) : 0;
  CHECK_MSG(len == strlen(item), "%s matches its own template (%zu)", item, len);
  const cdlt_json_value *want = values[0];
  cdlt_buf text;
  cdlt_buf_init(&text);
  cdlt_json_value got;
  int rc = len ? cdlt_slot_value(&slots[0], &text, &scratch, &got) : -1;
  if (rc == 1) {   /* only a lone surrogate is left to the general path, and the reader rejects it */
    CHECK_MSG(0, "%s: declined", scalar);
  } else {
    CHECK_MSG(rc == 0, "%s: slot value %d", scalar, rc);
    CHECK_MSG(rc == 0 && got.type == want->type, "%s: type %d, reader %d", scalar, (int)got.type, (int)want->type);
    if (rc == 0 && got.type == want->type) {
      switch (got.type) {
        case CDLT_JSON_STRING:
          CHECK_MSG(got.u.str.len == want->u.str.len && !memcmp(got.u.str.ptr, want->u.str.ptr, got.u.str.len) &&
                        got.u.str.ptr[got.u.str.len] == 0,
                    "%s: string", scalar);
          break;
        case CDLT_JSON_INT:
        case CDLT_JSON_BIGINT:
        case CDLT_JSON_FLOAT:
          CHECK_MSG(got.u.num.len == want->u.num.len && !memcmp(got.u.num.text, want->u.num.text, got.u.num.len) &&
                        got.u.num.text[got.u.num.len] == 0,
                    "%s: number text", scalar);
          CHECK_MSG(got.u.num.i == want->u.num.i, "%s: i %lld, reader %lld", scalar, (long long)got.u.num.i,
                    (long long)want->u.num.i);
          CHECK_MSG(got.u.num.d == want->u.num.d || (isnan(got.u.num.d) && isnan(want->u.num.d)), "%s: d %.17g, reader %.17g",
                    scalar, got.u.num.d, want->u.num.d);
          break;
        case CDLT_JSON_BOOL: CHECK(got.u.boolean == want->u.boolean); break;
        default: break;
      }
    }
  }
  cdlt_buf_release(&text);
  cdlt_row_template_free(t);
  cdlt_json_doc_release(&doc);
  cdlt_json_doc_release(&scratch);
}

static void test_scalars_as_the_reader(void) {
  static const char *const scalars[] = {
      "0", "-0", "7", "-12", "123456789012345678", "-123456789012345678", "1234567890123456789",
      "9223372036854775807", "-9223372036854775808", "9223372036854775808", "123456789012345678901234567890",
      "1.5", "-0.0", "0.1", "2.25e-5", "1E+2", "1e22", "1e23", "123456789012345.6", "1234567890123456.7",
      "1.7976931348623157e308", "1e400", "-1e400", "5e-324", "true", "false", "null", "\"\"", "\"plain\"",
      "\"q\\\"b\\\\s\\/f\\bf\\fn\\nr\\rt\\t\"", "\"\\u0041\\u00e9\\u20ac\\u0000\\u001f\"", "\"\\ud83d\\ude00\"",
      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "\"\x7f\"", "\"2024-01-01T00:00:02Z\""};
  for (size_t k = 0; k < sizeof scalars / sizeof *scalars; k++) check_scalar(scalars[k]);
}

static void test_shapes(void) {
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  const cdlt_json_value *values[CDLT_ROW_TEMPLATE_MAX_SLOTS];
  size_t n = 0;
  const char *learned = "{\"id\":1,\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1,[2],{\"z\":\"]\"}],\"e\":[],\"k\\\"q\":null}";
  cdlt_row_template *t = build(&doc, learned, values, &n);
  CHECK_EQ_INT((long)n, 5);   /* id, a.b, l, e, k"q */
  CHECK(cdlt_row_template_is_list(t, 2) && cdlt_row_template_is_list(t, 3) && !cdlt_row_template_is_list(t, 0) &&
        !cdlt_row_template_is_list(t, 1));
  cdlt_slot slots[8];
  const char *same = "{\"id\":\"s\",\"a\":{\"b\":2.5,\"c\":{}},\"l\":[],\"e\":[{\"x\":\"[\\\"\"}],\"k\\\"q\":true},tail";
  size_t len = cdlt_row_template_match(t, same, strlen(same), slots);
  CHECK_EQ_INT((long)len, (long)(strlen(same) - 5));
  CHECK(slots[0].kind == CDLT_SLOT_STRING && slots[0].len == 1 && slots[0].p[0] == 's');
  CHECK(slots[1].kind == CDLT_SLOT_NUMBER && slots[1].len == 3 && !slots[1].small_int);
  CHECK(slots[2].kind == CDLT_SLOT_ARRAY && slots[2].len == 2);
  CHECK(slots[3].kind == CDLT_SLOT_ARRAY && slots[3].len == strlen("[{\"x\":\"[\\\"\"}]"));
  CHECK(slots[4].kind == CDLT_SLOT_TRUE);
  static const char *const others[] = {
      "{\"id\":1,\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[]}",                       /* a key missing */
      "{\"a\":{\"b\":\"x\",\"c\":{}},\"id\":1,\"l\":[1],\"e\":[],\"k\\\"q\":null}",       /* another order */
      "{\"id\":1,\"a\":null,\"l\":[1],\"e\":[],\"k\\\"q\":null}",                         /* null for an object */
      "{\"id\":{\"x\":1},\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[],\"k\\\"q\":null}", /* object for a scalar */
      "{\"id\":[1],\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[],\"k\\\"q\":null}",     /* array for a scalar */
      "{\"id\":1,\"a\":{\"b\":\"x\",\"c\":{}},\"l\":\"no\",\"e\":[],\"k\\\"q\":null}",    /* scalar for a list */
      "{\"id\": 1,\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[],\"k\\\"q\":null}",      /* whitespace */
      "{\"id\":01,\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[],\"k\\\"q\":null}",      /* leading zero */
      "{\"id\":1.,\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[],\"k\\\"q\":null}",      /* bad number */
      "{\"id\":tru,\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[],\"k\\\"q\":null}",     /* bad literal */
      "{\"id\":\"\\x\",\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[],\"k\\\"q\":null}", /* bad escape */
      "{\"id\":\"\\u12\",\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[],\"k\\\"q\":null}",
      "{\"id\":\"\xc3\",\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[],\"k\\\"q\":null}",     /* truncated UTF-8 */
      "{\"id\":\"\xed\xa0\x80\",\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[],\"k\\\"q\":null}", /* a surrogate */
      "{\"id\":\"\xc0\xaf\",\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[],\"k\\\"q\":null}",    /* overlong */
      "{\"id\":\"a\tb\",\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1],\"e\":[],\"k\\\"q\":null}",        /* raw control */
      "{\"id\":1,\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1,\"]\",\"e\":[],\"k\\\"q\":null}",          /* unclosed list */
      "{\"id\":1,\"a\":{\"b\":\"x\",\"c\":{}},\"l\":[1},\"e\":[],\"k\\\"q\":null}",             /* [ closed by } */
  };
  for (size_t k = 0; k < sizeof others / sizeof *others; k++)
    CHECK_MSG(cdlt_row_template_match(t, others[k], strlen(others[k]), slots) == 0, "no match: %s", others[k]);
  /* every truncation of a matching item fails */
  const char *ok = "{\"id\":123,\"a\":{\"b\":\"xyz\",\"c\":{}},\"l\":[1,\"]\"],\"e\":[],\"k\\\"q\":false}";
  size_t oklen = strlen(ok);
  CHECK_EQ_INT((long)cdlt_row_template_match(t, ok, oklen, slots), (long)oklen);
  for (size_t cut = 0; cut < oklen; cut++) {
    char *copy = malloc(cut + 1);
    memcpy(copy, ok, cut);   /* no terminator read: avail is cut */
    CHECK_MSG(cdlt_row_template_match(t, copy, cut, slots) == 0, "truncated at %zu", cut);
    free(copy);
  }
  cdlt_row_template_free(t);
  /* not an object; too many slots */
  cdlt_row_template *none = NULL;
  CHECK_EQ_INT(cdlt_row_template_build(parse(&doc, "[1]"), &none, values, &n), 1);
  cdlt_buf wide;
  cdlt_buf_init(&wide);
  cdlt_buf_putc(&wide, '{');
  for (int k = 0; k <= CDLT_ROW_TEMPLATE_MAX_SLOTS; k++) cdlt_buf_printf(&wide, "%s\"c%d\":%d", k ? "," : "", k, k);
  cdlt_buf_putc(&wide, '}');
  CHECK_EQ_INT(cdlt_row_template_build(parse(&doc, wide.data), &none, values, &n), 1);
  CHECK(none == NULL);
  cdlt_buf_release(&wide);
  cdlt_json_doc_release(&doc);
}

/* peek / consume on a typed-jsonl memory reader: consumed items are skipped, the others read as
 * before, positions and the end of input as next_item gives them */
static void test_reader_peek(void) {
  const char *data = "[{\"a\":1},{\"a\":2},3,{\"a\":4}]\n[{\"a\":5}]\n[ {\"a\":6}]\n";
  cdlt_json_reader *r = NULL;
  cdlt_error err = {0};
  CHECK_OK(cdlt_json_reader_new_memory(&r, data, strlen(data), "job", NULL, &err), &err);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  const char *at;
  size_t avail;
  CHECK(!cdlt_json_reader_peek_item(r, &at, &avail));   /* before the first next_item */
  cdlt_json_value *v = NULL;
  CHECK_EQ_INT(cdlt_json_reader_next_item(r, &doc, &v, &err), 1);
  CHECK(v && cdlt_json_get(v, "a")->u.num.i == 1);
  CHECK(cdlt_json_reader_peek_item(r, &at, &avail) && !strncmp(at, "{\"a\":2}", 7) && avail == strlen(at));
  cdlt_json_reader_consume_item(r, 7);
  uint64_t line = 0, col = 0;
  cdlt_json_reader_item_position(r, &line, &col, NULL);
  CHECK(line == 1 && col == 10);
  CHECK(!cdlt_json_reader_peek_item(r, &at, &avail));   /* a scalar item */
  CHECK_EQ_INT(cdlt_json_reader_next_item(r, &doc, &v, &err), 1);
  CHECK(v && v->type == CDLT_JSON_INT && v->u.num.i == 3);
  CHECK(cdlt_json_reader_peek_item(r, &at, &avail) && !strncmp(at, "{\"a\":4}", 7));
  CHECK_EQ_INT(cdlt_json_reader_next_item(r, &doc, &v, &err), 1);   /* peeked, not consumed */
  CHECK(v && cdlt_json_get(v, "a")->u.num.i == 4);
  CHECK(cdlt_json_reader_peek_item(r, &at, &avail) && !strncmp(at, "{\"a\":5}", 7));   /* the next line */
  cdlt_json_reader_consume_item(r, 7);
  cdlt_json_reader_item_position(r, &line, &col, NULL);
  CHECK(line == 2 && col == 2);
  CHECK(!cdlt_json_reader_peek_item(r, &at, &avail));   /* "[ {" is not compact */
  CHECK_EQ_INT(cdlt_json_reader_next_item(r, &doc, &v, &err), 1);
  CHECK(v && cdlt_json_get(v, "a")->u.num.i == 6);
  CHECK(!cdlt_json_reader_peek_item(r, &at, &avail));
  CHECK_EQ_INT(cdlt_json_reader_next_item(r, &doc, &v, &err), 0);
  cdlt_json_reader_free(r);
  /* a consumed item followed by garbage: next_item reports it where it is */
  const char *bad = "[{\"a\":1},{\"a\":2}x]\n";
  CHECK_OK(cdlt_json_reader_new_memory(&r, bad, strlen(bad), "job", NULL, &err), &err);
  CHECK_EQ_INT(cdlt_json_reader_next_item(r, &doc, &v, &err), 1);
  CHECK(cdlt_json_reader_peek_item(r, &at, &avail));
  cdlt_json_reader_consume_item(r, 7);
  CHECK(cdlt_json_reader_next_item(r, &doc, &v, &err) < 0);
  CHECK_MSG(strstr(err.msg, "line 1, column 17") != NULL, "%s", err.msg);
  cdlt_json_reader_free(r);
  cdlt_json_doc_release(&doc);
}

/* the structural end of values */
static void test_value_end(void) {
  static const struct { const char *v; size_t end; } cases[] = {
      {"[1,[2,{\"a\":\"]}\\\"\"}],3],", 22}, {"{\"a\":[1]}]", 9}, {"\"s\\\"t\",", 6}, {"123,", 3},
      {"true]", 4}, {"null}", 4}, {"[1}", 0}, {"{\"a\":1]", 0}, {"[1,2", 0}, {"\"open", 0}, {"[[1}]", 5}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    const char *v = cases[k].v;
    size_t got = cdlt_json_value_end((const unsigned char *)v, 0, strlen(v));
    CHECK_MSG(got == cases[k].end, "value_end(%s) = %zu, want %zu", v, got, cases[k].end);
  }
}

/* escapes decoded as the reader decodes them; lone surrogates refused */
static void test_decode(void) {
  static const struct { const char *body, *want; int rc; } cases[] = {
      {"a\\nb\\u00e9\\ud83d\\ude00\\/", "a\nb\xc3\xa9\xf0\x9f\x98\x80/", 0},
      {"\\ud800", NULL, 1}, {"x\\udc00", NULL, 1}, {"\\ud800\\u0041", NULL, 1}, {"\\ud800x", NULL, 1}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    cdlt_buf out;
    cdlt_buf_init(&out);
    int rc = cdlt_json_decode_string(cases[k].body, strlen(cases[k].body), &out);
    CHECK_MSG(rc == cases[k].rc, "decode %s: %d", cases[k].body, rc);
    if (cases[k].want) CHECK_MSG(out.len == strlen(cases[k].want) && !memcmp(out.data, cases[k].want, out.len), "decode %s", cases[k].body);
    cdlt_buf_release(&out);
  }
}

int main(void) {
  test_value_end();
  test_decode();
  test_scalars_as_the_reader();
  test_shapes();
  test_reader_peek();
  return check_finish();
}
