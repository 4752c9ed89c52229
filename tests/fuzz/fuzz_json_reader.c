/* fuzz_json_reader.c — libFuzzer target for the JSON reader (src/json/json_reader.h).
 *
 * The same bytes go through every way cdlt reads JSON, and all of them must agree:
 *   - cdlt_json_parse on the whole buffer (exactly one value);
 *   - the in-place memory reader (cdlt_json_reader_new_memory), next_value and next_item;
 *   - the streaming reader over a cdlt_input that hands out the bytes in chunks of 1-3 sizes
 *     derived from the input (so token, escape and UTF-8 boundaries fall at arbitrary places),
 *     plus 1-byte chunks for short inputs.
 * A "transcript" of a run records every value (re-serialized: keys in order, numbers by text), its
 * start position, and the final status (clean end, or the error code and full message). Every
 * streaming transcript must equal the memory one byte for byte; a failed reader must repeat its
 * error; cdlt_json_parse must succeed exactly when the reader yields one value and then ends,
 * with the same value, and fail with the same message when the reader fails on the first value.
 * Any disagreement aborts (a crash for libFuzzer). Built by tests/fuzz/fuzz.cmake. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/input.h"
#include "json/json.h"
#include "json/json_reader.h"
#include "util/buf.h"

#define MAX_VALUES 4096   /* stop a transcript after this many values (keeps runs fast) */

static void die(const char *what, const cdlt_buf *a, const cdlt_buf *b) {
  fprintf(stderr, "fuzz_json_reader: %s\n--- A (%zu bytes)\n%.*s\n--- B (%zu bytes)\n%.*s\n", what,
          a ? a->len : 0, a ? (int)(a->len > 4000 ? 4000 : a->len) : 0, a && a->data ? a->data : "",
          b ? b->len : 0, b ? (int)(b->len > 4000 ? 4000 : b->len) : 0, b && b->data ? b->data : "");
  abort();
}

static void put(cdlt_buf *t, const char *s) {
  if (cdlt_buf_append(t, s, strlen(s))) abort();
}

/* Records every value of reader r into t; returns the number of values read before the end. */
static size_t transcript(cdlt_json_reader *r, bool items, cdlt_buf *t, cdlt_error *last) {
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  size_t n = 0;
  char line[160];
  for (;;) {
    cdlt_json_value *v = NULL;
    cdlt_error err = {0};
    int rc = items ? cdlt_json_reader_next_item(r, &doc, &v, &err) : cdlt_json_reader_next_value(r, &doc, &v, &err);
    if (rc == 1) {
      if (!v) die("reader returned 1 without a value", t, NULL);
      uint64_t l, c, o;
      cdlt_json_reader_item_position(r, &l, &c, &o);
      snprintf(line, sizeof line, "@%llu:%llu:%llu ", (unsigned long long)l, (unsigned long long)c,
               (unsigned long long)o);
      put(t, line);
      if (cdlt_json_write(t, v, 0)) abort();
      put(t, "\n");
      cdlt_json_doc_reset(&doc);
      if (++n >= MAX_VALUES) { put(t, "STOP\n"); break; }
      continue;
    }
    if (rc == 0) {
      if (v) die("reader returned 0 with a value", t, NULL);
      put(t, "END\n");
      /* a clean end stays a clean end */
      if ((items ? cdlt_json_reader_next_item(r, &doc, &v, &err) : cdlt_json_reader_next_value(r, &doc, &v, &err)) != 0)
        die("reader did not stay at the end", t, NULL);
      break;
    }
    if (rc != err.code || err.msg[0] == 0) die("error without a matching code/message", t, NULL);
    snprintf(line, sizeof line, "ERR %d %llu:%llu:%llu ", rc, (unsigned long long)err.line,
             (unsigned long long)err.column, (unsigned long long)err.offset);
    put(t, line);
    put(t, err.msg);
    put(t, "\n");
    /* a failed reader stays failed with the same error */
    cdlt_error again = {0};
    int rc2 = items ? cdlt_json_reader_next_item(r, &doc, &v, &again) : cdlt_json_reader_next_value(r, &doc, &v, &again);
    if (rc2 != rc || strcmp(again.msg, err.msg) != 0) die("reader did not repeat its error", t, NULL);
    if (last) *last = err;
    break;
  }
  cdlt_json_doc_release(&doc);
  return n;
}

static void memory_transcript(const uint8_t *data, size_t size, bool items, cdlt_buf *t, size_t *n,
                              cdlt_error *last) {
  cdlt_json_reader *r = NULL;
  cdlt_error err = {0};
  if (cdlt_json_reader_new_memory(&r, data, size, "fuzz.json", NULL, &err)) abort();
  *n = transcript(r, items, t, last);
  cdlt_json_reader_free(r);
}

static void chunked_transcript(const uint8_t *data, size_t size, size_t chunk, bool items, cdlt_buf *t) {
  cdlt_input *in = NULL;
  cdlt_json_reader *r = NULL;
  cdlt_error err = {0};
  if (cdlt_input_open_memory(&in, data, size, "fuzz.json", chunk, &err)) abort();
  if (cdlt_json_reader_new(&r, in, NULL, &err)) abort();
  transcript(r, items, t, NULL);
  cdlt_json_reader_free(r);
  cdlt_input_close(in);
}

/* FNV-1a of the input: the source of the chunk sizes */
static uint64_t fnv(const uint8_t *d, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ d[i]) * 1099511628211ULL;
  return h;
}

static void compare_chunked(const uint8_t *data, size_t size, bool items, const cdlt_buf *ref) {
  uint64_t h = fnv(data, size);
  size_t nsplit = 1 + (size_t)(h % 3);
  cdlt_buf t;
  cdlt_buf_init(&t);
  for (size_t k = 0; k <= nsplit; k++) {
    size_t chunk;
    if (k == nsplit) {
      if (size > 4096) break;
      chunk = 1;   /* every boundary */
    } else {
      chunk = 1 + (size_t)((h >> (8 + 16 * k)) % (size ? size : 1));
    }
    t.len = 0;
    chunked_transcript(data, size, chunk, items, &t);
    if (t.len != ref->len || memcmp(t.data, ref->data, t.len) != 0) {
      char what[96];
      snprintf(what, sizeof what, "chunked reader (chunk %zu, %s) differs from the memory reader", chunk,
               items ? "next_item" : "next_value");
      die(what, ref, &t);
    }
  }
  cdlt_buf_release(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cdlt_buf values, items, pbuf;
  cdlt_buf_init(&values);
  cdlt_buf_init(&items);
  cdlt_buf_init(&pbuf);
  size_t nvalues = 0, nitems = 0;
  cdlt_error first_err = {0};
  memory_transcript(data, size, false, &values, &nvalues, &first_err);
  memory_transcript(data, size, true, &items, &nitems, NULL);
  compare_chunked(data, size, false, &values);
  compare_chunked(data, size, true, &items);

  /* whole-buffer parse vs. the reader */
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *v = NULL;
  cdlt_error err = {0};
  int rc = cdlt_json_parse(&doc, (const char *)data, size, "fuzz.json", &v, &err);
  bool one_value = nvalues == 1 && values.len >= 4 && memcmp(values.data + values.len - 4, "END\n", 4) == 0;
  if (rc == 0) {
    if (!one_value) die("cdlt_json_parse accepted what the reader does not read as one value", &values, NULL);
    if (cdlt_json_write(&pbuf, v, 0)) abort();
    /* the reader's line is "@l:c:o <json>\nEND\n" */
    const char *sp = memchr(values.data, ' ', values.len);
    size_t jl = values.len - 5 - (size_t)(sp + 1 - values.data);
    if (!sp || jl != pbuf.len || memcmp(sp + 1, pbuf.data, jl) != 0)
      die("cdlt_json_parse and the reader built different values", &values, &pbuf);
  } else {
    if (one_value) die("cdlt_json_parse rejected a single value the reader accepts", &values, NULL);
    if (v) die("cdlt_json_parse failed but set a value", NULL, NULL);
    if (rc != err.code) die("cdlt_json_parse error code mismatch", NULL, NULL);
    if (nvalues == 0 && first_err.code && (first_err.code != err.code || strcmp(first_err.msg, err.msg) != 0)) {
      cdlt_buf_append(&pbuf, err.msg, strlen(err.msg));
      die("cdlt_json_parse and the reader fail differently on the first value", &values, &pbuf);
    }
  }
  cdlt_json_doc_release(&doc);
  cdlt_buf_release(&values);
  cdlt_buf_release(&items);
  cdlt_buf_release(&pbuf);
  return 0;
}
