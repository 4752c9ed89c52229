/* fuzz_toml.c — libFuzzer entry point for the TOML reader (src/config/toml.c): parses the input as
 * a document and, when it is accepted, walks every value asking for its kind and position (the side
 * table must know every value). Built by the fuzzing setup, not by the default build. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config/toml.h"

static void walk(const cdlt_toml_doc *doc, const cdlt_json_value *v, int depth) {
  if (cdlt_toml_kind_of(doc, v) == CDLT_TOML_NONE) abort();
  uint64_t line, col;
  if (!cdlt_toml_position(doc, v, &line, &col) || line == 0 || col == 0) abort();
  if (depth > CDLT_TOML_MAX_DEPTH * 2 + 8) abort();
  if (v->type == CDLT_JSON_ARRAY)
    for (size_t i = 0; i < v->u.arr.len; i++) walk(doc, v->u.arr.items[i], depth + 1);
  else if (v->type == CDLT_JSON_OBJECT)
    for (size_t i = 0; i < v->u.obj.len; i++) walk(doc, v->u.obj.members[i].value, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cdlt_toml_doc doc;
  cdlt_toml_doc_init(&doc);
  cdlt_error err = {0};
  int rc = cdlt_toml_parse(&doc, (const char *)data, size, "fuzz.toml", &err);
  if (rc == 0) {
    if (!doc.root) abort();
    walk(&doc, doc.root, 0);
  } else if (rc != CDLT_ERR_PARSE && rc != CDLT_ERR_LIMIT && rc != CDLT_ERR_NOMEM) {
    abort();
  } else if ((rc == CDLT_ERR_PARSE) && err.line == 0) {
    abort();
  }
  cdlt_toml_doc_release(&doc);
  return 0;
}
