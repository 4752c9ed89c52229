/* test_json_write.c — the JSON document model and writer: compact, pretty, sorted, float repr. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "json/json.h"

static const char *fmt(double d) {
  static char b[33];
  cdlt_format_double(d, b);
  return b;
}

/* cdlt_json_int's text equals printf's %lld */
static void check_int_text(int64_t i) {
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *v = cdlt_json_int(&doc, i);
  char want[32];
  snprintf(want, sizeof want, "%lld", (long long)i);
  CHECK(v && v->u.num.len == strlen(want) && !memcmp(v->u.num.text, want, v->u.num.len) && v->u.num.i == i);
  cdlt_json_doc_release(&doc);
}

int main(void) {
  const int64_t ints[] = {0, 1, -1, 9, 10, -10, 99, 100, 123456789, -987654321, INT64_MAX, INT64_MIN, INT64_MIN + 1};
  for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) check_int_text(ints[k]);
  /* Python repr(float) */
  CHECK_EQ_STR(fmt(1.0), "1.0");
  CHECK_EQ_STR(fmt(0.1), "0.1");
  CHECK_EQ_STR(fmt(-2.5), "-2.5");
  CHECK_EQ_STR(fmt(1e20), "1e+20");
  CHECK_EQ_STR(fmt(1e16), "1e+16");
  CHECK_EQ_STR(fmt(1234567890123456.0), "1234567890123456.0");
  CHECK_EQ_STR(fmt(123456789012345678.0), "1.2345678901234568e+17");
  CHECK_EQ_STR(fmt(0.0001), "0.0001");
  CHECK_EQ_STR(fmt(0.00001), "1e-05");
  CHECK_EQ_STR(fmt(1795272839.8907554), "1795272839.8907554");
  CHECK_EQ_STR(fmt(3.0), "3.0");
  CHECK_EQ_STR(fmt(1.5e-7), "1.5e-07");
  CHECK_EQ_STR(fmt(5e-324), "5e-324");
  CHECK_EQ_STR(fmt(1.7976931348623157e308), "1.7976931348623157e+308");

  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *o = cdlt_json_object(&doc);
  cdlt_json_object_set(&doc, o, "b", cdlt_json_int(&doc, 1));
  cdlt_json_object_set(&doc, o, "a", cdlt_json_cstr(&doc, "x\"\\\n\x01\xc3\xa4"));
  cdlt_json_value *arr = cdlt_json_array(&doc);
  cdlt_json_array_push(&doc, arr, cdlt_json_bool(&doc, true));
  cdlt_json_array_push(&doc, arr, cdlt_json_null(&doc));
  cdlt_json_object_set(&doc, o, "c", arr);
  cdlt_json_object_set(&doc, o, "d", cdlt_json_object(&doc));
  cdlt_json_object_set(&doc, o, "e", cdlt_json_array(&doc));
  cdlt_json_object_set(&doc, o, "b", cdlt_json_double(&doc, 2.0)); /* replaces in place */

  cdlt_buf out;
  cdlt_buf_init(&out);
  cdlt_json_write(&out, o, 0);
  CHECK_EQ_STR(out.data, "{\"b\":2.0,\"a\":\"x\\\"\\\\\\n\\u0001\xc3\xa4\",\"c\":[true,null],\"d\":{},\"e\":[]}");
  cdlt_buf_reset(&out);
  cdlt_json_write(&out, o, CDLT_JSON_WRITE_SORT_KEYS);
  CHECK(strncmp(out.data, "{\"a\":", 5) == 0);
  cdlt_buf_reset(&out);
  cdlt_json_write(&out, arr, CDLT_JSON_WRITE_PRETTY);
  CHECK_EQ_STR(out.data, "[\n  true,\n  null\n]");
  cdlt_buf_reset(&out);
  cdlt_json_object_remove(o, "a");
  cdlt_json_object_remove(o, "c");
  cdlt_json_write(&out, o, CDLT_JSON_WRITE_PRETTY);
  CHECK_EQ_STR(out.data, "{\n  \"b\": 2.0,\n  \"d\": {},\n  \"e\": []\n}");

  cdlt_json_value *n = cdlt_json_number_text(&doc, "18446744073709551615", 20);
  CHECK_EQ_INT(n->type, CDLT_JSON_BIGINT);
  n = cdlt_json_number_text(&doc, "-42", 3);
  CHECK_EQ_INT(n->type, CDLT_JSON_INT);
  CHECK_EQ_INT(n->u.num.i, -42);
  n = cdlt_json_number_text(&doc, "1E2", 3);
  CHECK_EQ_INT(n->type, CDLT_JSON_FLOAT);
  CHECK(n->u.num.d == 100.0);

  cdlt_buf_release(&out);
  cdlt_json_doc_release(&doc);
  return check_finish();
}
