/* fuzz_normalizer.c — libFuzzer target for the relational normalizer (src/normalize/normalize.h).
 *
 * The input is read as JSON items (JSON Lines / array / object, as `cdlt run` reads files) and
 * every object item goes through a normalizer over a fresh schema, as normalize_stage.c drives
 * it (root table "items"); the naming convention and max identifier length (0 or 63) are picked
 * from a hash of the input. The first normalizer error ends the run (as it ends a stage).
 * Invariants checked on every row the sink receives:
 *   - the row is one valid JSON object with a string `_dlt_id`;
 *   - every key is a complete column (has a data type) of the row's table in the schema;
 *   - a child row's `_dlt_parent_id` is the `_dlt_id` of a row emitted earlier in the same item,
 *     and its table's parent is that row's table;
 *   - a column's data type never changes during the run.
 * Violations abort. Built by tests/fuzz/fuzz.cmake. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "json/json_reader.h"
#include "normalize/normalize.h"
#include "schema/schema.h"
#include "util/strmap.h"

#define MAX_ITEMS 256

typedef struct check_ctx {
  cdlt_strmap ids;        /* _dlt_id of rows of the current item -> table name (strdup'd) */
  cdlt_strmap col_types;  /* "table\x01column" -> type + 1 */
  cdlt_json_doc doc;
  size_t rows;
} check_ctx;

static void fail(const char *what, const char *table, const char *row, size_t len) {
  fprintf(stderr, "fuzz_normalizer: %s (table '%s')\n  row: %.*s\n", what, table, (int)(len > 4000 ? 4000 : len), row);
  abort();
}

static void clear_ids(cdlt_strmap *m) {
  for (size_t k = 0; k < m->cap; k++)
    if (m->slots[k].key) free(m->slots[k].value);
  cdlt_strmap_release(m);
  cdlt_strmap_init(m);
}

static int check_row(void *vctx, cdlt_table *t, const char *row, size_t len, cdlt_error *err) {
  check_ctx *c = vctx;
  cdlt_json_value *v = NULL;
  cdlt_error perr = {0};
  cdlt_json_doc_reset(&c->doc);
  if (cdlt_json_parse(&c->doc, row, len, "row", &v, &perr) || v->type != CDLT_JSON_OBJECT)
    fail("row is not one JSON object", t->name, row, len);
  const cdlt_json_value *id = cdlt_json_get(v, "_dlt_id");
  if (!id || id->type != CDLT_JSON_STRING) fail("row without a string _dlt_id", t->name, row, len);
  char key[1024];
  for (size_t k = 0; k < v->u.obj.len; k++) {
    const cdlt_json_member *m = &v->u.obj.members[k];
    const cdlt_column *col = cdlt_table_column(t, m->key, m->key_len);
    if (!col || col->type == CDLT_TYPE_NONE) fail("row key is not a complete column of its table", t->name, row, len);
    int kl = snprintf(key, sizeof key, "%s\x01%.*s", t->name, (int)m->key_len, m->key);
    if (kl < 0 || (size_t)kl >= sizeof key) continue;
    uintptr_t seen = (uintptr_t)cdlt_strmap_get(&c->col_types, key, (size_t)kl);
    if (seen && seen != (uintptr_t)col->type + 1) fail("column type changed within the run", t->name, row, len);
    if (!seen && cdlt_strmap_put(&c->col_types, key, (size_t)kl, (void *)((uintptr_t)col->type + 1))) abort();
  }
  if (t->parent) {
    const cdlt_json_value *pid = cdlt_json_get(v, "_dlt_parent_id");
    if (!pid || pid->type != CDLT_JSON_STRING) fail("child row without a string _dlt_parent_id", t->name, row, len);
    const char *ptable = cdlt_strmap_get(&c->ids, pid->u.str.ptr, pid->u.str.len);
    if (!ptable) fail("_dlt_parent_id does not refer to a row emitted earlier in the item", t->name, row, len);
    if (strcmp(ptable, t->parent) != 0) fail("_dlt_parent_id refers to a row of another table than the parent", t->name, row, len);
  }
  char *tn = strdup(t->name);
  if (!tn) abort();
  free(cdlt_strmap_get(&c->ids, id->u.str.ptr, id->u.str.len));   /* a repeated user-supplied _dlt_id */
  if (cdlt_strmap_put(&c->ids, id->u.str.ptr, id->u.str.len, tn)) abort();
  c->rows++;
  (void)err;
  return 0;
}

static uint64_t fnv(const uint8_t *d, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ d[i]) * 1099511628211ULL;
  return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const convs[] = {"snake_case", "sql_cs_v1", "sql_ci_v1", "duck_case", "direct", "s3_tables"};
  uint64_t h = fnv(data, size);
  cdlt_schema *schema = cdlt_schema_new("fuzz");
  if (!schema) abort();
  /* the naming convention lives in the schema, as a pipeline sets it */
  cdlt_json_value *norms = cdlt_json_get_or_add_object(&schema->doc, schema->root, "normalizers");
  cdlt_json_value *nm = cdlt_json_cstr(&schema->doc, convs[h % 6]);
  if (!norms || !nm || cdlt_json_object_set(&schema->doc, norms, "names", nm)) abort();

  check_ctx c;
  memset(&c, 0, sizeof c);
  cdlt_strmap_init(&c.ids);
  cdlt_strmap_init(&c.col_types);
  cdlt_json_doc_init(&c.doc);
  cdlt_row_sink sink = {&c, check_row};
  cdlt_normalizer *n = NULL;
  cdlt_error err = {0};
  if (cdlt_normalizer_new(&n, schema, "1700000000.123456", &sink, (h >> 8) & 1 ? 63 : 0, &err)) {
    fprintf(stderr, "fuzz_normalizer: cannot create the normalizer: %s\n", err.msg);
    abort();
  }
  cdlt_json_reader *r = NULL;
  if (cdlt_json_reader_new_memory(&r, data, size, "fuzz.jsonl", NULL, &err)) abort();
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *item;
  for (size_t k = 0; k < MAX_ITEMS && cdlt_json_reader_next_item(r, &doc, &item, &err) == 1; k++) {
    clear_ids(&c.ids);
    int rc = cdlt_normalizer_item(n, "items", item, &err);
    cdlt_json_doc_reset(&doc);
    if (rc) {
      if (rc != err.code || !err.msg[0]) {
        fprintf(stderr, "fuzz_normalizer: error %d without a matching message\n", rc);
        abort();
      }
      break;
    }
  }
  /* the evolved schema still serializes */
  cdlt_buf sb;
  cdlt_buf_init(&sb);
  if (cdlt_schema_write(schema, &sb, 0)) abort();
  cdlt_buf_release(&sb);

  cdlt_json_doc_release(&doc);
  cdlt_json_reader_free(r);
  cdlt_normalizer_free(n);
  clear_ids(&c.ids);
  cdlt_strmap_release(&c.ids);
  cdlt_strmap_release(&c.col_types);
  cdlt_json_doc_release(&c.doc);
  cdlt_schema_free(schema);
  return 0;
}
