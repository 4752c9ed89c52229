/* fuzz_normalize_templates.c — libFuzzer target: row templates (normalize.h
 * cdlt_normalizer_try_template) write exactly the rows of the general path.
 *
 * The input is read as JSON items (as `cdlt run` reads files); the object items, twice over (so
 * every shape repeats), are normalized two ways over two fresh schemas:
 *   A  cdlt_normalizer_item on each item: the general path;
 *   B  as the parallel stage does it: the items written compactly as typed-jsonl lines of up to
 *      3 items, read by a memory reader, each item tried with cdlt_normalizer_try_template and
 *      else parsed and given to cdlt_normalizer_item_raw (which learns templates).
 * Invariants: the same rows per table in the same order (with `_dlt_id`, `_dlt_parent_id` and
 * `_dlt_root_id` values masked: root ids are random), the same error code and message at the same
 * item (or none), and schemas that serialize the same. Violations abort. The naming convention is
 * picked from a hash of the input. Built by tests/fuzz/fuzz.cmake. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "json/json_reader.h"
#include "normalize/normalize.h"
#include "schema/schema.h"
#include "util/buf.h"

#define MAX_ITEMS 128

/* the rows a normalizer wrote: "<table>\t<row with ids masked>\n" ... */
static int collect_row(void *ctx, cdlt_table *t, const char *row, size_t len, cdlt_error *err) {
  (void)err;
  cdlt_buf *out = ctx;
  static const char *const keys[] = {"\"_dlt_id\":\"", "\"_dlt_parent_id\":\"", "\"_dlt_root_id\":\""};
  if (cdlt_buf_puts(out, t->name) || cdlt_buf_putc(out, '\t')) abort();
  for (size_t p = 0; p < len;) {
    size_t klen = 0;
    for (size_t k = 0; k < 3 && !klen; k++) {
      size_t l = strlen(keys[k]);
      if (p + l <= len && !memcmp(row + p, keys[k], l)) klen = l;
    }
    if (!klen) {
      if (cdlt_buf_putc(out, row[p++])) abort();
      continue;
    }
    if (cdlt_buf_append(out, row + p, klen) || cdlt_buf_putc(out, '*')) abort();
    p += klen;
    while (p < len && row[p] != '"') p += row[p] == '\\' ? 2 : 1;
  }
  if (cdlt_buf_putc(out, '\n')) abort();
  return 0;
}

static cdlt_schema *new_schema(const char *conv) {
  cdlt_schema *schema = cdlt_schema_new("fuzz");
  if (!schema) abort();
  cdlt_json_value *norms = cdlt_json_get_or_add_object(&schema->doc, schema->root, "normalizers");
  cdlt_json_value *nm = cdlt_json_cstr(&schema->doc, conv);
  if (!norms || !nm || cdlt_json_object_set(&schema->doc, norms, "names", nm)) abort();
  return schema;
}

static uint64_t fnv(const uint8_t *d, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ d[i]) * 1099511628211ULL;
  return h;
}

typedef struct outcome {
  cdlt_buf rows, schema;
  int rc;            /* the first error, 0 none */
  size_t at;         /* the item it happened at */
  char msg[sizeof(((cdlt_error *)0)->msg)];
} outcome;

static void finish(outcome *o, cdlt_schema *schema) {
  cdlt_buf_init(&o->schema);
  if (cdlt_schema_write(schema, &o->schema, 0)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const convs[] = {"snake_case", "sql_cs_v1", "duck_case", "direct"};
  uint64_t h = fnv(data, size);
  const char *conv = convs[h % 4];
  size_t max_ident = (h >> 8) & 1 ? 63 : 0;

  /* the object items, compact, twice over */
  cdlt_json_reader *r = NULL;
  cdlt_error err = {0};
  if (cdlt_json_reader_new_memory(&r, data, size, "fuzz.jsonl", NULL, &err)) abort();
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_buf items[MAX_ITEMS];
  size_t nitems = 0;
  cdlt_json_value *item;
  while (nitems < MAX_ITEMS / 2 && cdlt_json_reader_next_item(r, &doc, &item, &err) == 1) {
    if (item->type == CDLT_JSON_OBJECT) {
      cdlt_buf_init(&items[nitems]);
      if (cdlt_json_write(&items[nitems], item, 0)) abort();
      nitems++;
    }
    cdlt_json_doc_reset(&doc);
  }
  cdlt_json_reader_free(r);
  size_t total = nitems * 2;

  /* A: the general path */
  outcome a = {0}, b = {0};
  cdlt_buf_init(&a.rows);
  cdlt_buf_init(&b.rows);
  cdlt_schema *sa = new_schema(conv), *sb = new_schema(conv);
  cdlt_row_sink sink_a = {&a.rows, collect_row}, sink_b = {&b.rows, collect_row};
  cdlt_normalizer *na = NULL, *nb = NULL;
  if (cdlt_normalizer_new(&na, sa, "1700000000.123456", &sink_a, max_ident, &err) ||
      cdlt_normalizer_new(&nb, sb, "1700000000.123456", &sink_b, max_ident, &err))
    abort();
  for (size_t k = 0; k < total && !a.rc; k++) {
    const cdlt_buf *it = &items[k % nitems];
    cdlt_json_doc_reset(&doc);
    if (cdlt_json_parse(&doc, it->data, it->len, "item", &item, &err)) abort();
    if ((a.rc = cdlt_normalizer_item(na, "items", item, &err))) {
      a.at = k;
      snprintf(a.msg, sizeof a.msg, "%s", err.msg);
    }
  }
  finish(&a, sa);

  /* B: typed-jsonl lines of up to 3 items through the template path */
  cdlt_buf job;
  cdlt_buf_init(&job);
  for (size_t k = 0; k < total; k++) {
    const cdlt_buf *it = &items[k % nitems];
    if ((k % 3 == 0 && cdlt_buf_putc(&job, '[')) || (k % 3 && cdlt_buf_putc(&job, ',')) ||
        cdlt_buf_append(&job, it->data, it->len) || ((k % 3 == 2 || k + 1 == total) && cdlt_buf_puts(&job, "]\n")))
      abort();
  }
  if (cdlt_json_reader_new_memory(&r, job.data ? job.data : "", job.len, "job", &cdlt_json_job_limits, &err)) abort();
  for (size_t k = 0; k < total && !b.rc; k++) {
    const char *raw;
    size_t avail, used = 0;
    int fast = 0;
    if (cdlt_json_reader_peek_item(r, &raw, &avail)) {
      fast = cdlt_normalizer_try_template(nb, "items", raw, avail, &used, &err);
      if (fast > 0) {
        cdlt_json_reader_consume_item(r, used);
        continue;
      }
      if (fast < 0) {
        b.rc = fast;
        b.at = k;
        snprintf(b.msg, sizeof b.msg, "%s", err.msg);
        break;
      }
    }
    cdlt_json_doc_reset(&doc);
    if (cdlt_json_reader_next_item(r, &doc, &item, &err) != 1) abort();   /* the items written above */
    size_t raw_len = 0;
    if (!cdlt_json_reader_item_raw(r, &raw, &raw_len)) raw = NULL;
    if ((b.rc = cdlt_normalizer_item_raw(nb, "items", item, raw, raw_len, &err))) {
      b.at = k;
      snprintf(b.msg, sizeof b.msg, "%s", err.msg);
    }
  }
  cdlt_json_reader_free(r);
  finish(&b, sb);

  if (a.rc != b.rc || a.at != b.at || strcmp(a.msg, b.msg)) {
    fprintf(stderr, "fuzz_normalize_templates: general path error %d at item %zu '%s', templates %d at %zu '%s'\n",
            a.rc, a.at, a.msg, b.rc, b.at, b.msg);
    abort();
  }
  if (a.rows.len != b.rows.len || (a.rows.len && memcmp(a.rows.data, b.rows.data, a.rows.len))) {
    size_t d = 0;
    while (d < a.rows.len && d < b.rows.len && a.rows.data[d] == b.rows.data[d]) d++;
    size_t from = d > 200 ? d - 200 : 0;
    fprintf(stderr, "fuzz_normalize_templates: rows differ at byte %zu\n  general:   %.400s\n  templates: %.400s\n", d,
            a.rows.data ? a.rows.data + from : "", b.rows.data ? b.rows.data + from : "");
    abort();
  }
  if (a.schema.len != b.schema.len || memcmp(a.schema.data, b.schema.data, a.schema.len)) {
    fprintf(stderr, "fuzz_normalize_templates: schemas differ\n");
    abort();
  }
  for (size_t k = 0; k < nitems; k++) cdlt_buf_release(&items[k]);
  cdlt_buf_release(&job);
  cdlt_buf_release(&a.rows);
  cdlt_buf_release(&b.rows);
  cdlt_buf_release(&a.schema);
  cdlt_buf_release(&b.schema);
  cdlt_normalizer_free(na);
  cdlt_normalizer_free(nb);
  cdlt_schema_free(sa);
  cdlt_schema_free(sb);
  cdlt_json_doc_release(&doc);
  return 0;
}
