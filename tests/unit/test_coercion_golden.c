/* test_coercion_golden.c — dlt's coercion table (spec/golden/unit/coercion_golden.json) in full:
 * for every (column type, input value) row, the value is normalized into a table whose c_<type>
 * columns are hinted with that type; the test asserts the column the value landed in (the typed
 * column or the right variant, §3.6-3.7) and the value stored, rendered as the SQL literal of
 * dlt's postgres insert_values writer that the golden file records. Finally the table's columns
 * (names, types, variant flags, order) must equal the golden final_columns. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json/json.h"
#include "normalize/normalize.h"
#include "schema/schema.h"
#include "util/buf.h"
#include "util/hash.h"

/* the last row the normalizer wrote for table "t" */
typedef struct capture {
  char *row;
} capture;

static int write_row(void *ctx, cdlt_table *table, const char *row_json, size_t len, cdlt_error *err) {
  capture *c = ctx;
  free(c->row);
  c->row = strndup(row_json, len);
  return 0;
}

/* dlt's postgres literal for a stored jsonl value of a column of `type` */
static void literal(cdlt_buf *b, cdlt_data_type type, const cdlt_json_value *v) {
  switch (type) {
    case CDLT_TYPE_BOOL:
      cdlt_buf_puts(b, v->type == CDLT_JSON_BOOL && v->u.boolean ? "True" : "False");
      return;
    case CDLT_TYPE_BIGINT:
    case CDLT_TYPE_DOUBLE:
    case CDLT_TYPE_DECIMAL:
    case CDLT_TYPE_WEI:
      if (v->type == CDLT_JSON_STRING) cdlt_buf_puts(b, v->u.str.ptr);
      else cdlt_buf_append(b, v->u.num.text, v->u.num.len);
      return;
    case CDLT_TYPE_TIMESTAMP:
    case CDLT_TYPE_DATE:
    case CDLT_TYPE_TIME:
      cdlt_buf_printf(b, "'%s'", v->u.str.ptr);
      return;
    case CDLT_TYPE_BINARY: {
      uint8_t raw[256];
      size_t n = 0;
      cdlt_base64_decode(v->u.str.ptr, v->u.str.len, raw, &n, NULL);
      cdlt_buf_puts(b, "'\\x");
      for (size_t k = 0; k < n; k++) cdlt_buf_printf(b, "%02x", raw[k]);
      cdlt_buf_puts(b, "'");
      return;
    }
    case CDLT_TYPE_JSON:
      if (v->type == CDLT_JSON_BOOL) { cdlt_buf_puts(b, v->u.boolean ? "True" : "False"); return; }
      if (v->type == CDLT_JSON_INT || v->type == CDLT_JSON_FLOAT || v->type == CDLT_JSON_BIGINT) {
        cdlt_buf_append(b, v->u.num.text, v->u.num.len);
        return;
      }
      cdlt_buf_puts(b, "E'");
      if (v->type == CDLT_JSON_STRING) cdlt_buf_puts(b, v->u.str.ptr);
      else cdlt_json_write(b, v, 0);
      cdlt_buf_puts(b, "'");
      return;
    default:
      cdlt_buf_printf(b, "E'%s'", v->type == CDLT_JSON_STRING ? v->u.str.ptr : "?");
  }
}

int main(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s/spec/golden/unit/coercion_golden.json", check_shared_dir());
  size_t len = 0;
  char *text = check_read_file(path, &len);
  CHECK_MSG(text != NULL, "cannot read %s", path);
  if (!text) return check_finish();
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *golden = NULL;
  cdlt_error err = {0};
  CHECK_OK(cdlt_json_parse(&doc, text, len, path, &golden, &err), &err);
  if (!golden) return check_finish();

  /* a schema with every hinted column, as the golden run declared them */
  cdlt_schema *s = cdlt_schema_new("coerce");
  cdlt_table *t = cdlt_schema_add_root_table(s, "t", "append", "t");
  /* the golden run kept objects and lists as values: max_table_nesting = 0 */
  cdlt_json_doc xn_doc;
  cdlt_json_doc_init(&xn_doc);
  cdlt_json_value *xn = cdlt_json_object(&xn_doc);
  cdlt_json_object_set(&xn_doc, xn, "max_nesting", cdlt_json_int(&xn_doc, 0));
  CHECK(cdlt_table_set_prop(s, t, "x-normalizer", xn) == 0);
  cdlt_json_doc_release(&xn_doc);
  static const char *const types[] = {"text", "bigint", "double", "bool", "timestamp", "date", "time",
                                      "decimal", "wei", "binary", "json", NULL};
  for (const char *const *ty = types; *ty; ty++) {
    char col[256];
    snprintf(col, sizeof col, "{\"name\":\"c_%s\",\"data_type\":\"%s\",\"nullable\":true}", *ty, *ty);
    cdlt_json_doc tmp;
    cdlt_json_doc_init(&tmp);
    cdlt_json_value *c = NULL;
    CHECK_OK(cdlt_json_parse(&tmp, col, strlen(col), "col", &c, &err), &err);
    CHECK(cdlt_schema_merge_column(s, t, c) != NULL);
    cdlt_json_doc_release(&tmp);
  }
  capture cap = {0};
  cdlt_row_sink sink = {&cap, write_row};
  cdlt_normalizer *n = NULL;
  CHECK_OK(cdlt_normalizer_new(&n, s, "1700000000.000001", &sink, 0, &err), &err);

  cdlt_json_value *results = cdlt_json_get(golden, "results");
  size_t rows = 0, matched = 0;
  for (size_t k = 0; n && results && k < results->u.arr.len; k++) {
    const cdlt_json_value *r = results->u.arr.items[k];
    const char *type = cdlt_json_get_str(r, "column_type");
    const char *input = cdlt_json_get_str(r, "input_json");
    const cdlt_json_member *want = &cdlt_json_get(r, "output_columns")->u.obj.members[0];
    char item_text[512];
    snprintf(item_text, sizeof item_text, "{\"case\":\"%zu\",\"c_%s\":%s}", k, type, input);
    cdlt_json_doc item_doc;
    cdlt_json_doc_init(&item_doc);
    cdlt_json_value *item = NULL;
    CHECK_OK(cdlt_json_parse(&item_doc, item_text, strlen(item_text), "item", &item, &err), &err);
    rows++;
    int rc = cdlt_normalizer_item(n, "t", item, &err);
    CHECK_MSG(rc == 0, "row %zu (%s <- %s): %s", k, type, input, err.msg);
    /* the row: find the one column that is neither "case" nor a dlt column */
    cdlt_json_doc row_doc;
    cdlt_json_doc_init(&row_doc);
    cdlt_json_value *row = NULL;
    if (!rc && cap.row && !cdlt_json_parse(&row_doc, cap.row, strlen(cap.row), "row", &row, &err)) {
      const cdlt_json_member *got = NULL;
      for (size_t j = 0; j < row->u.obj.len; j++) {
        const char *key = row->u.obj.members[j].key;
        if (strcmp(key, "case") && strncmp(key, "_dlt", 4)) got = &row->u.obj.members[j];
      }
      cdlt_buf lit;
      cdlt_buf_init(&lit);
      if (got) {
        const cdlt_column *c = cdlt_table_column(cdlt_schema_table(s, "t"), got->key, got->key_len);
        literal(&lit, c ? c->type : CDLT_TYPE_NONE, got->value);
      }
      bool ok = got && !strcmp(got->key, want->key) && lit.data && !strcmp(lit.data, want->value->u.str.ptr);
      CHECK_MSG(ok, "row %zu: %s <- %s: expected %s = %s, got %s = %s", k, type, input, want->key,
                want->value->u.str.ptr, got ? got->key : "(none)", lit.data ? lit.data : "");
      matched += ok;
      cdlt_buf_release(&lit);
    }
    cdlt_json_doc_release(&row_doc);
    cdlt_json_doc_release(&item_doc);
  }
  CHECK_EQ_INT(rows, 198);
  CHECK_EQ_INT(matched, rows);

  /* the final columns: names, types, variant flags, in order */
  cdlt_json_value *final_cols = cdlt_json_get(golden, "final_columns");
  t = cdlt_schema_table(s, "t");
  CHECK_EQ_INT(t->ncolumns, final_cols->u.obj.len);
  for (size_t k = 0; k < final_cols->u.obj.len && k < t->ncolumns; k++) {
    const cdlt_json_member *m = &final_cols->u.obj.members[k];
    const cdlt_column *c = t->columns[k];
    CHECK_EQ_STR(c->name, m->key);
    CHECK_EQ_STR(cdlt_data_type_name(c->type), cdlt_json_get_str(m->value, "data_type"));
    CHECK_EQ_INT(c->variant, cdlt_json_get_bool(m->value, "variant", false));
  }

  free(cap.row);
  cdlt_normalizer_free(n);
  cdlt_schema_free(s);
  cdlt_json_doc_release(&doc);
  free(text);
  return check_finish();
}
