/* item_stream.c — the one loop that reads every item of a JSON file: used by the extract stage
 * (validating input files) and the normalize stage (reading typed-jsonl jobs). */
#include "json/input.h"
#include "json/json_reader.h"

int cdlt_json_each_file_item(const char *path, cdlt_json_item_fn fn, void *ctx, cdlt_error *err) {
  return cdlt_json_each_file_item_limits(path, NULL, fn, ctx, err);
}

int cdlt_json_each_file_item_limits(const char *path, const cdlt_json_limits *limits, cdlt_json_item_fn fn, void *ctx,
                                    cdlt_error *err) {
  cdlt_input *in = NULL;
  cdlt_json_reader *r = NULL;
  int rc = cdlt_input_open(&in, path, err);
  if (!rc) rc = cdlt_json_reader_new(&r, in, limits, err);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  while (!rc) {
    cdlt_json_doc_reset(&doc);
    cdlt_json_value *item = NULL;
    int got = cdlt_json_reader_next_item(r, &doc, &item, err);
    if (got <= 0) { rc = got; break; }
    rc = fn(ctx, r, item, err);
  }
  cdlt_json_doc_release(&doc);
  cdlt_json_reader_free(r);
  cdlt_input_close(in);
  return rc;
}
