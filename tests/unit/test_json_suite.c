/* test_json_suite.c — JSONTestSuite, data-driven: `test_json_suite <file.json>` checks one file,
 * no argument checks every file of $CDLT_SHARED_DIR/testdata/json/JSONTestSuite.
 *
 * y_: cdlt_json_parse accepts; the streaming reader (1-, 2-, 3- and 7-byte chunks) returns exactly
 *     one value, equal to the parsed one.
 * n_: cdlt_json_parse fails with CDLT_ERR_PARSE and a position inside the file (a nesting-limit
 *     failure, CDLT_ERR_LIMIT, must turn into CDLT_ERR_PARSE once the limit is raised); the
 *     streaming reader does not accept it as exactly one value either, and when it fails on the
 *     first value it reports the very same error.
 * i_: must not crash; the decisions documented in docs/internals/JSON.md are asserted:
 *     i_number_* and i_structure_* are accepted, i_string_* and i_object_* are rejected. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json/json.h"
#include "json/json_reader.h"

/* Streams data through an input with max_chunk-byte reads; returns 1 when it holds exactly one
 * value (*out set), else the failing rc (< 0) or 2 for "not exactly one value". */
static int stream_one(cdlt_json_doc *doc, const char *data, size_t len, const char *name, size_t chunk,
                      const cdlt_json_limits *lim, cdlt_json_value **out, cdlt_error *err) {
  cdlt_input *in = NULL;
  cdlt_json_reader *r = NULL;
  int rc = cdlt_input_open_memory(&in, data, len, name, chunk, err);
  if (!rc) rc = cdlt_json_reader_new(&r, in, lim, err);
  if (!rc) {
    rc = cdlt_json_reader_next_value(r, doc, out, err);
    if (rc == 1) {
      cdlt_json_value *extra = NULL;
      int rc2 = cdlt_json_reader_next_value(r, doc, &extra, err);
      if (rc2 != 0) rc = 2;
    } else if (rc == 0) {
      rc = 2;
    }
  }
  cdlt_json_reader_free(r);
  cdlt_input_close(in);
  return rc;
}

static void check_position(const cdlt_error *err, size_t len, const char *name) {
  CHECK_MSG(err->line >= 1 && err->column >= 1 && err->offset <= len,
            "%s: error position line %llu column %llu offset %llu (file size %zu)", name,
            (unsigned long long)err->line, (unsigned long long)err->column,
            (unsigned long long)err->offset, len);
  CHECK_MSG(strstr(err->msg, " at line ") != NULL, "%s: message names the position: %s", name, err->msg);
}

static void check_file(const char *path) {
  const char *name = strrchr(path, '/');
  name = name ? name + 1 : path;
  size_t len = 0;
  char *data = check_read_file(path, &len);
  CHECK_MSG(data != NULL, "cannot read %s", path);
  if (!data) return;
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_error err;
  cdlt_error_clear(&err);
  cdlt_json_value *v = NULL;
  int rc = cdlt_json_parse(&doc, data, len, name, &v, &err);

  if (name[0] == 'y') {
    CHECK_MSG(rc == 0 && v != NULL, "%s must parse: %s", name, err.msg);
    static const size_t chunks[] = {1, 2, 3, 7};
    for (size_t k = 0; rc == 0 && k < sizeof chunks / sizeof *chunks; k++) {
      cdlt_json_doc doc2;
      cdlt_json_doc_init(&doc2);
      cdlt_json_value *w = NULL;
      cdlt_error err2;
      cdlt_error_clear(&err2);
      int rc2 = stream_one(&doc2, data, len, name, chunks[k], NULL, &w, &err2);
      CHECK_MSG(rc2 == 1, "%s: streaming (%zu-byte chunks) returned %d: %s", name, chunks[k], rc2, err2.msg);
      CHECK_MSG(rc2 != 1 || cdlt_json_equal(v, w), "%s: streaming (%zu-byte chunks) gives another value",
                name, chunks[k]);
      cdlt_json_doc_release(&doc2);
    }
  } else if (name[0] == 'n') {
    CHECK_MSG(rc == CDLT_ERR_PARSE || rc == CDLT_ERR_LIMIT, "%s must be rejected (rc %d)", name, rc);
    if (rc < 0) {
      CHECK_EQ_INT(err.code, rc);
      check_position(&err, len, name);
    }
    cdlt_json_limits deep = {.max_depth = 1u << 20};
    if (rc == CDLT_ERR_LIMIT) {
      /* only the nesting limit may come first; with room, the document is malformed */
      CHECK_MSG(strstr(err.msg, "nesting depth") != NULL, "%s: limit error is the nesting depth: %s", name, err.msg);
      cdlt_json_doc_reset(&doc);
      cdlt_json_reader *r = NULL;
      CHECK_OK(cdlt_json_reader_new_memory(&r, data, len, name, &deep, &err), &err);
      int rc3 = cdlt_json_reader_next_value(r, &doc, &v, &err);
      CHECK_MSG(rc3 == CDLT_ERR_PARSE, "%s: with max_depth 2^20 must fail with a parse error (rc %d)", name, rc3);
      if (rc3 < 0) check_position(&err, len, name);
      cdlt_json_reader_free(r);
    }
    static const size_t chunks[] = {1, 3};
    for (size_t k = 0; k < sizeof chunks / sizeof *chunks; k++) {
      cdlt_json_doc doc2;
      cdlt_json_doc_init(&doc2);
      cdlt_json_value *w = NULL;
      cdlt_error err2;
      cdlt_error_clear(&err2);
      int rc2 = stream_one(&doc2, data, len, name, chunks[k], rc == CDLT_ERR_LIMIT ? NULL : NULL, &w, &err2);
      CHECK_MSG(rc2 != 1, "%s: streaming (%zu-byte chunks) accepted it", name, chunks[k]);
      if (rc2 < 0 && rc < 0) {
        /* the first value failed in both modes: the very same error */
        bool first_value_error = err2.offset == err.offset;
        if (first_value_error) {
          CHECK_EQ_INT(err2.code, err.code);
          CHECK_EQ_INT(err2.line, err.line);
          CHECK_EQ_INT(err2.column, err.column);
          CHECK_EQ_STR(err2.msg, err.msg);
        }
        check_position(&err2, len, name);
      }
      cdlt_json_doc_release(&doc2);
    }
  } else if (name[0] == 'i') {
    bool accept = strncmp(name, "i_number_", 9) == 0 || strncmp(name, "i_structure_", 12) == 0;
    if (accept) {
      CHECK_MSG(rc == 0, "%s: cdlt accepts this case: %s", name, err.msg);
    } else {
      CHECK_MSG(rc == CDLT_ERR_PARSE, "%s: cdlt rejects this case (rc %d)", name, rc);
      if (rc < 0) check_position(&err, len, name);
    }
    printf("%s: %s%s%s\n", name, rc == 0 ? "accepted" : "rejected: ", rc == 0 ? "" : err.msg, "");
  }
  cdlt_json_doc_release(&doc);
  free(data);
}

int main(int argc, char **argv) {
  if (argc > 1) {
    for (int k = 1; k < argc; k++) check_file(argv[k]);
    return check_finish();
  }
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/testdata/json/JSONTestSuite", check_shared_dir());
  DIR *d = opendir(dir);
  CHECK_MSG(d != NULL, "cannot open %s", dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      size_t n = strlen(e->d_name);
      if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
      char path[8192];
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      check_file(path);
    }
    closedir(d);
  }
  return check_finish();
}
