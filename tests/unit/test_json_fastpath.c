/* test_json_fastpath.c — the word-at-a-time paths of the JSON reader and writer (issue 8):
 * strings with escapes, control characters, invalid and valid UTF-8 at every offset modulo 8 and
 * 16 (memory reader: scans that end exactly at the end of the data; chunked input: scans that
 * end at a window edge), numbers ending at chunk edges, the writer's escaping against a byte-by-
 * byte reference, the inline buffer/arena paths, and cdlt_json_reader_item_raw (the reader's own
 * bytes of an item are exactly its compact serialization whenever it says so). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json/json.h"
#include "json/json_reader.h"
#include "util/arena.h"

/* Reads the single top-level value of data through the memory reader (chunk 0) or an input
 * that returns at most `chunk` bytes per read. Returns the reader's rc (1 = value read). */
static int read_one(const char *data, size_t len, size_t chunk, cdlt_json_doc *doc, cdlt_json_value **v,
                    cdlt_error *err) {
  cdlt_json_reader *r = NULL;
  cdlt_input *in = NULL;
  int rc = chunk ? cdlt_input_open_memory(&in, data, len, "f.json", chunk, err)
                 : cdlt_json_reader_new_memory(&r, data, len, "f.json", NULL, err);
  if (!rc && chunk) rc = cdlt_json_reader_new(&r, in, NULL, err);
  if (!rc) rc = cdlt_json_reader_next_value(r, doc, v, err);
  cdlt_json_reader_free(r);
  cdlt_input_close(in);
  return rc;
}

static const size_t chunks[] = {0, 1, 3, 8, 16, 17, 64};
#define NCHUNKS (sizeof chunks / sizeof *chunks)

/* "<pad>" + '"' + a(k) + mid + a(m) + '"', for every k < 40: mid starts at every offset
 * modulo 8 and 16 from the string's start and from the buffer's start. */
static void test_string_offsets(void) {
  struct {
    const char *mid;      /* raw bytes inside the JSON string */
    const char *decoded;  /* what the reader must return */
    size_t dlen;
  } ok[] = {
    {"\\n", "\n", 1},
    {"\\\"", "\"", 1},
    {"\\\\", "\\", 1},
    {"\\/", "/", 1},
    {"\\u00e9", "\xc3\xa9", 2},
    {"\\u0000", "\0", 1},
    {"\\ud83d\\ude00", "\xf0\x9f\x98\x80", 4},
    {"\xc3\xa9", "\xc3\xa9", 2},
    {"\xe2\x82\xac", "\xe2\x82\xac", 3},
    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 4},
    {"\x7f", "\x7f", 1},
    {"", "", 0},
  };
  char in[256], want[256];
  for (size_t t = 0; t < sizeof ok / sizeof *ok; t++) {
    for (size_t pad = 0; pad < 16; pad += 5) {
      for (size_t k = 0; k < 40; k++) {
        for (size_t m = 0; m < 20; m += 3) {
          size_t n = 0, w = 0;
          memset(in, ' ', pad);
          n = pad;
          in[n++] = '"';
          for (size_t i = 0; i < k; i++) in[n++] = want[w++] = (char)('a' + i % 26);
          size_t ml = strlen(ok[t].mid);
          memcpy(in + n, ok[t].mid, ml);
          n += ml;
          memcpy(want + w, ok[t].decoded, ok[t].dlen);
          w += ok[t].dlen;
          for (size_t i = 0; i < m; i++) in[n++] = want[w++] = (char)('A' + i % 26);
          in[n++] = '"';
          for (size_t c = 0; c < NCHUNKS; c++) {
            cdlt_json_doc doc;
            cdlt_json_doc_init(&doc);
            cdlt_json_value *v = NULL;
            cdlt_error err;
            int rc = read_one(in, n, chunks[c], &doc, &v, &err);
            bool same = rc == 1 && v && v->type == CDLT_JSON_STRING && v->u.str.len == w &&
                        memcmp(v->u.str.ptr, want, w) == 0 && v->u.str.ptr[w] == 0;
            CHECK_MSG(same, "string case %zu pad %zu k %zu m %zu chunk %zu: rc %d %s", t, pad, k, m, chunks[c], rc,
                      rc < 0 ? err.msg : "");
            cdlt_json_doc_release(&doc);
          }
        }
      }
    }
  }
}

/* a bad byte at every offset: the error names its exact column */
static void test_string_errors(void) {
  struct {
    const char *bad;
    size_t at;   /* offset of the reported byte inside bad */
    const char *reason;
  } bad[] = {
    {"\x01", 0, "unescaped control character 0x01 in a string"},
    {"\x1f", 0, "unescaped control character 0x1f in a string"},
    {"\n", 0, "unescaped control character 0x0a in a string"},
    {"\xff", 0, "invalid UTF-8 byte 0xff"},
    {"\xc0\x80", 0, "invalid UTF-8 byte 0xc0"},
    {"\xe2\x28\xa1", 1, "invalid UTF-8 byte 0x28"},
    {"\xed\xa0\x80", 1, "invalid UTF-8 byte 0xa0"},
    {"\xf4\x90\x80\x80", 1, "invalid UTF-8 byte 0x90"},
    {"\xf0\x9f\x98 ", 3, "invalid UTF-8 byte 0x20"},
    {"\x80", 0, "invalid UTF-8 byte 0x80"},
    {"\\x", 0, "invalid escape '\\x'"},
    {"\\u12g4", 0, "invalid \\u escape: expected 4 hex digits"},
    {"\\udc00", 0, "lone low surrogate escape '\\udc00'"},
  };
  char in[128], msg[256];
  for (size_t t = 0; t < sizeof bad / sizeof *bad; t++) {
    for (size_t k = 0; k < 40; k++) {
      size_t n = 0;
      in[n++] = '[';
      in[n++] = '"';
      for (size_t i = 0; i < k; i++) in[n++] = (char)('a' + i % 26);
      size_t col = n + bad[t].at + 1;
      size_t bl = strlen(bad[t].bad);
      memcpy(in + n, bad[t].bad, bl);
      n += bl;
      for (size_t i = 0; i < 20; i++) in[n++] = 'z';
      in[n++] = '"';
      in[n++] = ']';
      snprintf(msg, sizeof msg, "invalid JSON in 'f.json' at line 1, column %zu (byte %zu): %s", col, col - 1,
               bad[t].reason);
      for (size_t c = 0; c < NCHUNKS; c++) {
        cdlt_json_doc doc;
        cdlt_json_doc_init(&doc);
        cdlt_json_value *v = NULL;
        cdlt_error err;
        cdlt_error_clear(&err);
        int rc = read_one(in, n, chunks[c], &doc, &v, &err);
        CHECK_MSG(rc == CDLT_ERR_PARSE && strcmp(err.msg, msg) == 0 && err.column == col,
                  "bad case %zu k %zu chunk %zu: rc %d '%s', expected '%s'", t, k, chunks[c], rc, err.msg, msg);
        cdlt_json_doc_release(&doc);
      }
    }
  }
  /* a string that ends with the input, at every length: end of input inside a string */
  for (size_t k = 0; k < 40; k++) {
    size_t n = 0;
    in[n++] = '"';
    for (size_t i = 0; i < k; i++) in[n++] = (char)('a' + i % 26);
    snprintf(msg, sizeof msg, "invalid JSON in 'f.json' at line 1, column %zu (byte %zu): unexpected end of input inside a string",
             n + 1, n);
    for (size_t c = 0; c < NCHUNKS; c++) {
      cdlt_json_doc doc;
      cdlt_json_doc_init(&doc);
      cdlt_json_value *v = NULL;
      cdlt_error err;
      int rc = read_one(in, n, chunks[c], &doc, &v, &err);
      CHECK_MSG(rc == CDLT_ERR_PARSE && strcmp(err.msg, msg) == 0, "eof k %zu chunk %zu: '%s'", k, chunks[c], err.msg);
      cdlt_json_doc_release(&doc);
    }
  }
}

/* numbers of every length ending at every position relative to the chunk edges */
static void test_number_edges(void) {
  const char *nums[] = {"0", "-7", "42", "1234567", "-9223372036854775808", "9223372036854775807",
                        "9223372036854775808", "0.5", "-12.25e-3", "1E400", "123456789012345678901234567890"};
  char in[128];
  for (size_t t = 0; t < sizeof nums / sizeof *nums; t++) {
    for (size_t pad = 0; pad < 18; pad++) {
      size_t n = 0;
      in[n++] = '[';
      for (size_t i = 0; i < pad; i++) in[n++] = ' ';
      size_t nl = strlen(nums[t]);
      memcpy(in + n, nums[t], nl);
      n += nl;
      in[n++] = ']';
      for (size_t c = 0; c < NCHUNKS; c++) {
        cdlt_json_doc doc;
        cdlt_json_doc_init(&doc);
        cdlt_json_value *v = NULL;
        cdlt_error err;
        int rc = read_one(in, n, chunks[c], &doc, &v, &err);
        const cdlt_json_value *x = rc == 1 && v->type == CDLT_JSON_ARRAY && v->u.arr.len == 1 ? v->u.arr.items[0] : NULL;
        CHECK_MSG(x && x->u.num.len == nl && memcmp(x->u.num.text, nums[t], nl) == 0,
                  "number %s pad %zu chunk %zu: rc %d", nums[t], pad, chunks[c], rc);
        if (x) {
          cdlt_json_doc ref;
          cdlt_json_doc_init(&ref);
          const cdlt_json_value *y = cdlt_json_number_text(&ref, nums[t], nl);
          CHECK_MSG(y && y->type == x->type && (x->type != CDLT_JSON_INT || x->u.num.i == y->u.num.i) &&
                        (x->type != CDLT_JSON_FLOAT || x->u.num.d == y->u.num.d),
                    "number %s: type %d", nums[t], (int)x->type);
          cdlt_json_doc_release(&ref);
        }
        cdlt_json_doc_release(&doc);
      }
      /* the number as the last bytes of the input (no closing bracket): the scan hits the end */
      for (size_t c = 0; c < NCHUNKS; c++) {
        cdlt_json_doc doc;
        cdlt_json_doc_init(&doc);
        cdlt_json_value *v = NULL;
        cdlt_error err;
        int rc = read_one(in + 1, n - 2, chunks[c], &doc, &v, &err);
        CHECK_MSG(rc == 1 && v->u.num.len == nl && memcmp(v->u.num.text, nums[t], nl) == 0,
                  "bare number %s pad %zu chunk %zu: rc %d", nums[t], pad, chunks[c], rc);
        cdlt_json_doc_release(&doc);
      }
    }
  }
}

/* the writer's escaping, byte by byte, as orjson: \" \\ \n \r \t \b \f, \u00xx for other
 * control characters, everything else (DEL, UTF-8) unchanged */
static void ref_escape(cdlt_buf *b, const unsigned char *s, size_t n) {
  cdlt_buf_putc(b, '"');
  for (size_t k = 0; k < n; k++) {
    unsigned c = s[k];
    if (c == '"') cdlt_buf_puts(b, "\\\"");
    else if (c == '\\') cdlt_buf_puts(b, "\\\\");
    else if (c == '\n') cdlt_buf_puts(b, "\\n");
    else if (c == '\r') cdlt_buf_puts(b, "\\r");
    else if (c == '\t') cdlt_buf_puts(b, "\\t");
    else if (c == '\b') cdlt_buf_puts(b, "\\b");
    else if (c == '\f') cdlt_buf_puts(b, "\\f");
    else if (c < 0x20) cdlt_buf_printf(b, "\\u%04x", c);
    else cdlt_buf_putc(b, (char)c);
  }
  cdlt_buf_putc(b, '"');
}

static void test_write_string(void) {
  const unsigned char specials[] = {'"', '\\', '\n', '\r', '\t', '\b', '\f', 0x00, 0x01, 0x1f, 0x7f, 0x80, 0xc3, 0xff, ' ', 'x'};
  unsigned char s[64];
  for (size_t len = 0; len <= 40; len++) {
    for (size_t at = 0; at < (len ? len : 1); at++) {
      for (size_t t = 0; t < sizeof specials; t++) {
        for (size_t i = 0; i < len; i++) s[i] = (unsigned char)('a' + i % 26);
        if (len) s[at] = specials[t];
        if (len > 3 && at + 3 < len) s[len - 1] = specials[(t + 3) % sizeof specials];   /* a second one near the end */
        for (size_t prefix = 0; prefix < 70; prefix += 23) {   /* output buffers with content and odd capacity */
          cdlt_buf got, want;
          cdlt_buf_init(&got);
          cdlt_buf_init(&want);
          for (size_t i = 0; i < prefix; i++) {
            cdlt_buf_putc(&got, 'p');
            cdlt_buf_putc(&want, 'p');
          }
          CHECK_EQ_INT(cdlt_json_write_string(&got, (const char *)s, len), 0);
          ref_escape(&want, s, len);
          CHECK_MSG(got.len == want.len && memcmp(got.data, want.data, got.len) == 0 && got.data[got.len] == 0,
                    "write_string len %zu at %zu special 0x%02x prefix %zu: '%s' vs '%s'", len, at, specials[t], prefix,
                    got.data, want.data);
          cdlt_buf_release(&got);
          cdlt_buf_release(&want);
        }
      }
    }
  }
  /* every byte value, and a long run of escapes (the per-escape reservation) */
  unsigned char all[256];
  for (int i = 0; i < 256; i++) all[i] = (unsigned char)i;
  cdlt_buf got, want;
  cdlt_buf_init(&got);
  cdlt_buf_init(&want);
  CHECK_EQ_INT(cdlt_json_write_string(&got, (const char *)all, 256), 0);
  ref_escape(&want, all, 256);
  CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
  cdlt_buf_reset(&got);
  cdlt_buf_reset(&want);
  unsigned char ctl[1000];
  memset(ctl, 0x01, sizeof ctl);
  CHECK_EQ_INT(cdlt_json_write_string(&got, (const char *)ctl, sizeof ctl), 0);
  ref_escape(&want, ctl, sizeof ctl);
  CHECK_EQ_INT(got.len, 6 * 1000 + 2);
  CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
  cdlt_buf_release(&got);
  cdlt_buf_release(&want);
}

/* the arena's inline path and its block changes: every allocation aligned, distinct, writable */
static void test_arena(void) {
  cdlt_arena a;
  cdlt_arena_init(&a, 256);
  for (int round = 0; round < 3; round++) {
    unsigned char *prev[200];
    size_t sizes[200];
    for (size_t i = 0; i < 200; i++) {
      sizes[i] = (i * 37) % 150 + (i % 17 == 0 ? 1000 : 0);   /* some one-off blocks bigger than 1/4 block */
      prev[i] = cdlt_arena_alloc(&a, sizes[i]);
      CHECK(prev[i] != NULL && ((uintptr_t)prev[i] & 15) == 0);
      memset(prev[i], (int)i, sizes[i]);
    }
    bool intact = true;
    for (size_t i = 0; i < 200; i++)
      for (size_t k = 0; k < sizes[i]; k++)
        if (prev[i][k] != (unsigned char)i) intact = false;
    CHECK_MSG(intact, "arena round %d: an allocation was overwritten", round);
    cdlt_arena_reset(&a);
  }
  CHECK(cdlt_arena_alloc(&a, 0) != NULL);
  CHECK_EQ_STR(cdlt_arena_strndup(&a, "abcdef", 3), "abc");
  cdlt_arena_release(&a);
  /* a zeroed arena (never initialised with a block size) still allocates */
  cdlt_arena z;
  memset(&z, 0, sizeof z);
  char *p = cdlt_arena_alloc(&z, 10);
  CHECK(p != NULL);
  cdlt_arena_release(&z);
}

/* Reads every item of data (chunk 0 = memory reader); for each, whether item_raw offered the
 * bytes, and checks that offered bytes equal cdlt_json_write(item). Returns the items; raw_mask
 * gets bit i set when item i was offered. */
static int raw_items(const char *data, size_t len, size_t chunk, unsigned long long *raw_mask, const char *label) {
  cdlt_json_reader *r = NULL;
  cdlt_input *in = NULL;
  cdlt_error err;
  int rc = chunk ? cdlt_input_open_memory(&in, data, len, "r.jsonl", chunk, &err)
                 : cdlt_json_reader_new_memory(&r, data, len, "r.jsonl", NULL, &err);
  if (!rc && chunk) rc = cdlt_json_reader_new(&r, in, NULL, &err);
  CHECK_OK(rc, &err);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_json_value *v;
  int n = 0;
  *raw_mask = 0;
  while ((rc = cdlt_json_reader_next_item(r, &doc, &v, &err)) == 1) {
    const char *raw;
    size_t rl;
    if (cdlt_json_reader_item_raw(r, &raw, &rl)) {
      if (n < 64) *raw_mask |= 1ULL << n;
      cdlt_buf_reset(&b);
      cdlt_json_write(&b, v, 0);
      CHECK_MSG(b.len == rl && memcmp(b.data, raw, rl) == 0, "%s chunk %zu item %d: raw '%.*s' vs written '%s'", label,
                chunk, n, (int)(rl > 200 ? 200 : rl), raw, b.data);
    }
    n++;
    cdlt_json_doc_reset(&doc);
  }
  CHECK_MSG(rc == 0, "%s: %s", label, rc ? err.msg : "");
  const char *raw;
  size_t rl;
  CHECK(!cdlt_json_reader_item_raw(r, &raw, &rl));   /* nothing after the end */
  cdlt_buf_release(&b);
  cdlt_json_doc_release(&doc);
  cdlt_json_reader_free(r);
  cdlt_input_close(in);
  return n;
}

static void test_item_raw(void) {
  const char *s =
      "{\"a\":1,\"b\":[1,2,{\"c\":\"x\\ny\"}],\"d\":-0.5e+3,\"e\":\"\\\"\\\\\\b\\f\\r\\t\\u001f\\u0000\",\"f\":\"\xc3\xa9\x7f\"}\n"   /* 0 yes */
      "{\"a\": 1}\n"                       /* 1 no: whitespace inside */
      "{\"a\":1,\"a\":2}\n"                /* 2 no: duplicate key */
      "{\"a\":\"\\/\"}\n"                  /* 3 no: \/ is written as / */
      "{\"a\":\"\\u0041\"}\n"              /* 4 no: written as A */
      "{\"a\":\"\\u001F\"}\n"              /* 5 no: written as \u001f */
      "{\"a\":\"\\u000a\"}\n"              /* 6 no: written as \n */
      "{\"a\":\"\\u00e9\"}\n"              /* 7 no: written as raw UTF-8 */
      "{\"a\":\"\\ud83d\\ude00\"}\n"       /* 8 no */
      "  {\"a\":[]}  \n"                   /* 9 yes: whitespace only around it */
      "[{\"x\":1},{\"y\":{}}, {\"z\":null}]\n" /* 10, 11 yes; 12 yes (space before it is outside) */
      "[1 ,2]\n"                           /* 13 yes; 14 yes */
      "{\"k\":[1,2 ]}\n"                   /* 15 no */
      "\"str\"\n"                          /* 16 yes */
      "{\"big\":123456789012345678901234567890,\"f\":1E400,\"t\":true,\"n\":null}\n"; /* 17 yes */
  unsigned long long want = (1ULL << 0) | (1ULL << 9) | (1ULL << 10) | (1ULL << 11) | (1ULL << 12) | (1ULL << 13) |
                            (1ULL << 14) | (1ULL << 16) | (1ULL << 17);
  for (size_t c = 0; c < NCHUNKS; c++) {
    unsigned long long mask;
    int n = raw_items(s, strlen(s), chunks[c], &mask, "mixed");
    CHECK_EQ_INT(n, 18);
    CHECK_MSG(mask == want, "chunk %zu: raw mask %llx, expected %llx", chunks[c], mask, want);
  }
  /* a 2 MiB item read in 64 KiB chunks is not kept whole in the window: not offered, still read */
  size_t big = (size_t)2 << 20;
  char *b = malloc(big + 64);
  size_t n = 0;
  n += (size_t)sprintf(b, "{\"s\":\"");
  memset(b + n, 'q', big);
  n += big;
  n += (size_t)sprintf(b + n, "\"}\n{\"t\":1}\n");
  unsigned long long mask;
  CHECK_EQ_INT(raw_items(b, n, 65536, &mask, "big"), 2);
  CHECK_EQ_INT(mask, 2);
  CHECK_EQ_INT(raw_items(b, n, 0, &mask, "big in memory"), 2);
  CHECK_EQ_INT(mask, 3);
  free(b);
}

/* every valid document of JSONTestSuite and the real-world corpus, compacted and as it is: offered
 * raw bytes are always the writer's bytes */
static void test_item_raw_corpus(void) {
  const char *sub[] = {"testdata/json/JSONTestSuite", "testdata/realworld"};
  int files = 0;
  for (size_t d = 0; d < 2; d++) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", check_shared_dir(), sub[d]);
    DIR *dh = opendir(dir);
    if (!dh) continue;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
      size_t nl = strlen(e->d_name);
      bool json = (nl > 5 && !strcmp(e->d_name + nl - 5, ".json")) || (nl > 6 && !strcmp(e->d_name + nl - 6, ".jsonl")) ||
                  (nl > 7 && !strcmp(e->d_name + nl - 7, ".ndjson"));
      if (!json || (d == 0 && e->d_name[0] != 'y')) continue;
      char path[4500];
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      size_t len;
      char *data = check_read_file(path, &len);
      if (!data) continue;
      /* the document must parse as a whole first (realworld may hold other formats) */
      cdlt_json_doc doc;
      cdlt_json_doc_init(&doc);
      cdlt_json_value *v;
      cdlt_error err;
      cdlt_json_reader *r = NULL;
      bool all_ok = cdlt_json_reader_new_memory(&r, data, len, "x", NULL, &err) == 0;
      int rc;
      while (all_ok && (rc = cdlt_json_reader_next_item(r, &doc, &v, &err)) == 1) cdlt_json_doc_reset(&doc);
      all_ok = all_ok && rc == 0;
      cdlt_json_reader_free(r);
      cdlt_json_doc_release(&doc);
      if (all_ok) {
        unsigned long long mask;
        raw_items(data, len, 0, &mask, e->d_name);
        raw_items(data, len, 5, &mask, e->d_name);
        files++;
      }
      free(data);
    }
    closedir(dh);
  }
  CHECK_MSG(files >= 95, "corpus files checked: %d", files);
}

int main(void) {
  test_string_offsets();
  test_string_errors();
  test_number_edges();
  test_write_string();
  test_arena();
  test_item_raw();
  test_item_raw_corpus();
  return check_finish();
}
