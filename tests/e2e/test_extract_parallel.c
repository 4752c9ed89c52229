/* test_extract_parallel.c — extract of one big plain JSON Lines file on several threads
 * (src/extract/extract_parallel.c) gives exactly the sequential result: with 1, 2, 3 and 8 workers
 * the extracted typed-jsonl jobs hold the same items in the same order (one job per range when the
 * file was split), the loaded rows, schema and counts are identical; files that cannot be split
 * (pretty-printed objects across the split points, a top-level array) fall back to the sequential
 * extract; bad items anywhere (a syntax error, a scalar, an oversized integer, a BOM inside) give
 * the sequential error with the file's line and column, exit code and nothing extracted; CRLF line
 * ends, no final newline and a UTF-8 BOM split as well; the ranges' fast path for compact lines
 * (src/extract/extract_line.c) takes and declines lines exactly as the reader would have them
 * (same items, same errors). Every file is above the 8 MiB threshold. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "e2e.h"
#include "extract/extract_parallel.h"

#define NLINES 60000   /* ~9.8 MiB of events */

typedef struct sbuf {
  char *p;
  size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->p = realloc(b->p, b->cap);
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}

static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

/* one event as JSON on one line: varied types, nested lists (child tables), compact (written
 * verbatim) or spaced, escapes, non-ASCII text, a duplicate key now and then */
static void event(sbuf *b, int i) {
  char line[1024];
  int o;
  if (i % 3 == 0)
    o = snprintf(line, sizeof line, "{\"id\":%d,\"name\":\"n%d\",\"score\":%d.5,\"ok\":%s,\"nil\":null,"
                 "\"ts\":\"2024-01-%02dT10:00:00Z\",\"tags\":[\"a%d\",\"b\"],\"obj\":{\"a\":{\"b\":%d}}}",
                 i, i, i, i % 2 ? "true" : "false", 1 + i % 28, i % 5, i);
  else
    o = snprintf(line, sizeof line,
                 "{\"id\": %d, \"name\": \"caf\xc3\xa9 \\u00e9 \\\"q\\\" %d\", \"score\": %d, \"ok\": %s, "
                 "\"kids\": [{\"k\": %d, \"v\": [%d, %d]}, {\"k\": \"s%d\", \"z\": null}], \"obj\": {\"a\": {\"b\": %d}}%s}",
                 i, i, i * 3, i % 4 ? "true" : "false", i, i, i + 1, i, i,
                 i % 17 == 0 ? ", \"dup\": 1, \"dup\": \"two\"" : "");
  put(b, line, (size_t)o);
}

/* NLINES events as JSON Lines with the given line end; final: end the last line too */
static sbuf events(const char *eol, bool final) {
  sbuf b = {0};
  for (int i = 0; i < NLINES; i++) {
    event(&b, i);
    if (i + 1 < NLINES || final) puts_(&b, eol);
  }
  return b;
}

static void append(char **acc, const char *s, size_t n) {
  size_t a = *acc ? strlen(*acc) : 0;
  *acc = realloc(*acc, a + n + 1);
  memcpy(*acc + a, s, n);
  (*acc)[a + n] = 0;
}

/* what the extract stage wrote for table ev */
typedef struct extracted {
  int rc;
  char *out;       /* the run's output */
  int jobs;        /* typed-jsonl jobs of table ev */
  char *items;     /* their items in job name order, joined with ',' (NULL: no package) */
} extracted;

/* runs `cdlt run` on content up to the committed extract (then killed) and reads the jobs */
static void extract_only(const char *content, size_t len, int workers, extracted *x) {
  memset(x, 0, sizeof *x);
  env e;
  env_new(&e);
  const char *f = write_bytes(&e, "ev.jsonl", content, len);
  x->rc = cdlt_env(&e, "CDLT_FAULT_POINT=extract.after_commit", &x->out,
                   "run '%s' --pipeline p --credentials '%s' --normalize-workers %d", f, e.db, workers);
  char dir[1200];
  snprintf(dir, sizeof dir, "%s/pipelines/p/normalize/extracted", e.data);
  char *ids = list_dir(dir);
  if (!ids || !*ids || strchr(ids, '\n')) { free(ids); return; }   /* none, or more than one package */
  char jobs[1400];
  snprintf(jobs, sizeof jobs, "%s/%s/new_jobs", dir, ids);
  free(ids);
  char *names = list_dir(jobs);
  x->items = strdup("");
  for (char *name = strtok(names, "\n"); name; name = strtok(NULL, "\n")) {
    if (strncmp(name, "ev.", 3)) continue;
    x->jobs++;
    char path[1700];
    snprintf(path, sizeof path, "%s/%s", jobs, name);
    char *data = check_read_file(path, NULL);
    CHECK_MSG(data != NULL, "cannot read %s", path);
    /* each line is one array of items: "[a,b,c]\n" */
    for (char *p = data; p && *p;) {
      char *nl = strchr(p, '\n');
      CHECK_MSG(nl && p[0] == '[' && nl[-1] == ']', "bad job line in %s", name);
      if (!nl || nl - p < 2) break;
      if (*x->items) append(&x->items, ",", 1);
      append(&x->items, p + 1, (size_t)(nl - p - 2));
      p = nl + 1;
    }
    free(data);
  }
  free(names);
}

static void extracted_free(extracted *x) {
  free(x->out);
  free(x->items);
}

/* the same items with 2, 3 and 8 workers as with 1; jobs: the expected job count with n workers
 * (0: one per worker, the file was split; 1: fell back to one sequential job) */
static void check_same_extract(const char *what, const char *content, size_t len, int jobs) {
  extracted base;
  extract_only(content, len, 1, &base);
  CHECK_MSG(base.items != NULL && base.jobs == 1, "%s: sequential extract: %d jobs\n%s", what, base.jobs, base.out);
  const int counts[] = {2, 3, 8};
  for (int k = 0; k < 3; k++) {
    extracted x;
    extract_only(content, len, counts[k], &x);
    int want = jobs ? jobs : counts[k];
    CHECK_MSG(x.jobs == want, "%s, %d workers: %d job files, expected %d\n%s", what, counts[k], x.jobs, want, x.out);
    CHECK_MSG(x.items && base.items && !strcmp(x.items, base.items), "%s, %d workers: the extracted items differ", what,
              counts[k]);
    extracted_free(&x);
  }
  extracted_free(&base);
}

/* out with every occurrence of dir replaced by "<dir>" (the runs use different temp dirs) */
static char *without_dir(char *out, const char *dir) {
  char *acc = strdup("");
  size_t dl = strlen(dir);
  for (char *p = out; *p;) {
    char *hit = strstr(p, dir);
    if (!hit) { append(&acc, p, strlen(p)); break; }
    append(&acc, p, (size_t)(hit - p));
    append(&acc, "<dir>", 5);
    p = hit + dl;
  }
  free(out);
  return acc;
}

/* a run expected to fail in extract: the same exit code and message with 1 and 3 workers, and
 * nothing extracted or loaded; returns the sequential output (caller frees) */
static char *check_same_error(const char *what, const char *content, size_t len) {
  char *base = NULL;
  int base_rc = 0;
  for (int w = 1; w <= 3; w += 2) {
    env e;
    env_new(&e);
    const char *f = write_bytes(&e, "ev.jsonl", content, len);
    char *out = NULL;
    int rc = cdlt(&e, &out, "run '%s' --pipeline p --credentials '%s' --normalize-workers %d", f, e.db, w);
    CHECK_MSG(rc != 0, "%s, %d workers: the run did not fail\n%s", what, w, out);
    out = without_dir(out, e.dir);
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/pipelines/p/normalize/extracted", e.data);
    char *ids = list_dir(dir);
    CHECK_MSG(!ids || !*ids, "%s, %d workers: an extracted package was left: %s", what, w, ids);
    free(ids);
    CHECK(!table_exists(e.db, "p_dataset", "ev"));
    if (w == 1) {
      base = out;
      base_rc = rc;
    } else {
      CHECK_EQ_INT(rc, base_rc);
      CHECK_MSG(!strcmp(out, base), "%s: 3 workers:\n%s\nvs sequential:\n%s", what, out, base);
      free(out);
    }
  }
  return base;
}

/* the whole pipeline: loaded rows (rowid order, random ids left out), schema and counts */
static char *full_run(const char *content, size_t len, int workers) {
  env e;
  env_new(&e);
  const char *f = write_bytes(&e, "ev.jsonl", content, len);
  char *out = NULL;
  int rc = cdlt(&e, &out, "run '%s' --pipeline p --credentials '%s' --normalize-workers %d", f, e.db, workers);
  CHECK_MSG(rc == 0, "%d workers: %s", workers, out);
  char *acc = NULL;
  /* the count lines of the load info */
  for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
    if (!strncmp(l, "- ", 2)) { append(&acc, l, strlen(l)); append(&acc, "\n", 1); }
  free(out);
  char path[1200];
  snprintf(path, sizeof path, "%s/pipelines/p/schemas/p.schema.json", e.data);
  char *schema = check_read_file(path, NULL);
  append(&acc, schema ? schema : "(no schema)", strlen(schema ? schema : "(no schema)"));
  free(schema);
  char *tables = q(e.db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'p_dataset' "
                         "AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\' ORDER BY table_name");
  for (char *t = strtok(tables, "\n"); t; t = strtok(NULL, "\n")) {
    char sql[600];
    snprintf(sql, sizeof sql,
             "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns "
             "WHERE table_schema = 'p_dataset' AND table_name = '%s' AND column_name NOT IN "
             "('_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_load_id')", t);
    char *colist = q(e.db, sql);
    char *sel = NULL;
    if (asprintf(&sel, "SELECT %s FROM p_dataset.\"%s\" ORDER BY rowid", colist, t) < 0) sel = NULL;
    char *rows = q(e.db, sel);
    append(&acc, "\n## ", 4);
    append(&acc, t, strlen(t));
    append(&acc, " (", 2);
    append(&acc, colist, strlen(colist));
    append(&acc, ")\n", 2);
    append(&acc, rows, strlen(rows));
    free(rows);
    free(sel);
    free(colist);
  }
  free(tables);
  return acc;
}

static void test_same_result_for_any_worker_count(void) {
  sbuf b = events("\n", true);
  CHECK(b.len > (9u << 20));
  check_same_extract("json lines", b.p, b.len, 0);
  /* the sequential result is what the data says */
  char *base = full_run(b.p, b.len, 1);
  CHECK_MSG(contains(base, "- ev: 60000 row(s)\n") && contains(base, "- ev__kids: 80000 row(s)\n") &&
                contains(base, "- ev__tags: 40000 row(s)\n") && contains(base, "- ev__kids__v: 80000 row(s)\n"),
            "%.400s", base);
  CHECK_MSG(contains(base, "\n11998|caf\xc3\xa9 \xc3\xa9 \"q\" 11998|35994.0|true|NULL|11998|NULL\n"), "%.400s", strstr(base, "## ev ("));
  const int counts[] = {2, 3, 8};
  for (int k = 0; k < 3; k++) {
    char *r = full_run(b.p, b.len, counts[k]);
    CHECK_MSG(!strcmp(r, base), "%d workers: the loaded result differs", counts[k]);
    free(r);
  }
  free(base);
  free(b.p);
}

/* objects of ~0.5 MiB printed over thousands of lines: the split points fall inside them */
static void test_pretty_printed_falls_back(void) {
  sbuf b = {0};
  for (int o = 0; b.len < (10u << 20); o++) {
    char line[128];
    snprintf(line, sizeof line, "{\n  \"id\": %d,\n  \"m\": {\n", o);
    puts_(&b, line);
    for (int k = 0; k < 12000; k++) {
      int n = snprintf(line, sizeof line, "    \"k%d\": %d%s\n", k, k * o, k + 1 < 12000 ? "," : "");
      put(&b, line, (size_t)n);
    }
    puts_(&b, "  }\n}\n");
  }
  check_same_extract("pretty-printed", b.p, b.len, 1);
  free(b.p);
}

static void test_top_level_array_falls_back(void) {
  sbuf b = {0};
  puts_(&b, " \n[\n");
  for (int i = 0; i < NLINES; i++) {
    if (i) puts_(&b, ",\n");
    event(&b, i);
  }
  puts_(&b, "\n]\n");
  check_same_extract("top-level array", b.p, b.len, 1);
  free(b.p);
}

/* the file with line `at` (0-based) replaced by `bad` */
static sbuf with_line(int at, const char *bad) {
  sbuf b = {0};
  for (int i = 0; i < NLINES; i++) {
    if (i == at) puts_(&b, bad);
    else event(&b, i);
    puts_(&b, "\n");
  }
  return b;
}

static void test_bad_items(void) {
  /* a syntax error near the end (the last range) */
  sbuf b = with_line(NLINES - 100, "{\"id\": 1, \"x\": tru}");
  char *out = check_same_error("syntax error late", b.p, b.len);
  char want[200];
  snprintf(want, sizeof want, "invalid JSON in '<dir>/ev.jsonl' at line %d, column 19 (byte ", NLINES - 99);
  CHECK_MSG(contains(out, want) && contains(out, "invalid literal (expected 'true')"), "%s", out);
  free(out);
  free(b.p);
  /* one in the first range and one in a later one: the first wins */
  b = with_line(200, "{\"id\": 1,}");
  memcpy(strstr(b.p + b.len / 2, "\"id\""), "\"id\"x", 5);
  out = check_same_error("two errors", b.p, b.len);
  CHECK_MSG(contains(out, "at line 201, column 10 (byte 29843): trailing comma before '}'"), "%s", out);
  free(out);
  free(b.p);
  /* an item that is not an object, in the second half */
  b = with_line(NLINES * 2 / 3, "42");
  out = check_same_error("scalar", b.p, b.len);
  snprintf(want, sizeof want, "item in '<dir>/ev.jsonl' at line %d, column 1 (byte ", NLINES * 2 / 3 + 1);
  CHECK_MSG(contains(out, want) && contains(out, "is a number, not a JSON object"), "%s", out);
  free(out);
  free(b.p);
  /* an integer outside the 64-bit range in the last range */
  b = with_line(NLINES - 3, "{\"id\": 18446744073709551616}");
  out = check_same_error("oversized integer", b.p, b.len);
  snprintf(want, sizeof want, "at line %d, column 1 (byte ", NLINES - 2);
  CHECK_MSG(contains(out, want) && contains(out, "integer 18446744073709551616 exceeds the 64-bit range"), "%s", out);
  free(out);
  free(b.p);
  /* a BOM that is not at the start of the file */
  b = with_line(NLINES / 2, "\xEF\xBB\xBF{\"id\": 1}");
  out = check_same_error("BOM inside", b.p, b.len);
  snprintf(want, sizeof want, "at line %d, column 1 (byte ", NLINES / 2 + 1);
  CHECK_MSG(contains(out, want) && contains(out, "unexpected byte 0xef, expected a JSON value"), "%s", out);
  free(out);
  free(b.p);
}

/* a line that is an array of objects is flattened into items, in the middle of JSON Lines too */
static void test_array_line_flattened(void) {
  sbuf b = with_line(NLINES / 2, "[{\"id\": -1}, {\"id\": -2, \"kids\": [{\"k\": 0}]}]");
  check_same_extract("array line", b.p, b.len, 0);
  free(b.p);
}

/* Lines for the fast path of the ranges (src/extract/extract_line.c): forms it takes (written as
 * their bytes) and forms it declines (read with the JSON reader), each several times in every
 * range among the events; the extract must be the sequential one, split, with any worker count. */
static const char *const fast_lines[] = {
  /* taken */
  "{}",
  "{\"a\":{},\"b\":[],\"c\":[[]],\"d\":[{\"x\":[1,{\"y\":null}],\"t\":true,\"f\":false}]}",
  "{\"s\":\"tab\\t nl\\n q\\\" bs\\\\ b\\b f\\f r\\r ctl\\u0001 \\u001f \\u0000\"}",
  "{\"n\":-0,\"m\":-0.0,\"e\":1E5,\"f\":1e-5,\"g\":-1.5e+10,\"h\":0.25E-0}",
  "{\"i\":123456789012345678,\"j\":-123456789012345678,\"k\":1234567890123456789.5,\"l\":1e400}",
  "{\"u\":\"caf\xc3\xa9 \xc3\xbc \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xef\xbf\xbf\",\"\xc3\xa9\":1}",
  "{\"a\":1,\"b\":{\"a\":1,\"b\":[{\"a\":2}]},\"c\":[{\"a\":3},{\"a\":4}]}",
  "{\"id\":7,\"x\":\"/path/to\"}\r",
  /* declined */
  "{\"s\":\"a\\/b\"}",
  "{\"s\":\"\\u00e9\"}",
  "{\"s\":\"\\u001F\"}",
  "{\"s\":\"\\u000a\"}",
  "{\"s\":\"\\u0008\"}",
  "{\"s\":\"\\ud83d\\ude00\"}",
  "{\"s\":\"\\u0041\"}",
  "{\"a\":1,\"a\":2}",
  "{\"o\":{\"k\":1,\"z\":[1],\"k\":{\"q\":2}}}",
  "{\"a\":\"x\",\"\\u0061\":\"y\"}",
  "{\"a\": 1}",
  " {\"a\":1}",
  "{\"a\":1} ",
  "{\"a\":1}\t",
  "{\"a\":[1 ,2]}",
  "{\"i\":1234567890123456789}",
  "{\"i\":-9223372036854775808,\"j\":9223372036854775807}",
  "[{\"id\":1},{\"id\":2}]",
  "{\"a\":1} {\"b\":2}",
  "",
  "   ",
  "\r",
};

/* an object nested n deep in lists and objects, compact: {"d":[{"d":[...1...]}]} */
static void deep(sbuf *b, int n) {
  for (int k = 0; k < n; k++) puts_(b, k % 2 ? "[" : "{\"d\":");
  puts_(b, "1");
  for (int k = n - 1; k >= 0; k--) puts_(b, k % 2 ? "]" : "}");
}

/* an object of n keys k0..k(n-1), compact */
static void wide(sbuf *b, int n) {
  puts_(b, "{");
  for (int k = 0; k < n; k++) {
    char m[40];
    int o = snprintf(m, sizeof m, "%s\"k%d\":%d", k ? "," : "", k, k);
    put(b, m, (size_t)o);
  }
  puts_(b, "}");
}

static void test_fast_path_lines(void) {
  size_t nfast = sizeof fast_lines / sizeof *fast_lines;
  sbuf b = {0};
  for (int i = 0; i < NLINES; i++) {
    if (i % 97 == 5) puts_(&b, fast_lines[(size_t)(i / 97) % nfast]);
    else if (i % 1009 == 11) deep(&b, 31 + (i / 1009) % 4);   /* the fast path takes up to 32 levels */
    else if (i % 1013 == 12) wide(&b, 62 + (i / 1013) % 4);   /* and up to 64 keys */
    else event(&b, i);
    puts_(&b, i % 89 == 3 ? "\r\n" : "\n");
  }
  /* long lines: one taken and one declined, longer than a piece of the range's buffer (1 MiB) */
  for (int k = 0; k < 2; k++) {
    puts_(&b, k ? "{\"long\": \"" : "{\"long\":\"");
    for (int j = 0; j < 300000; j++) puts_(&b, "abc\xc3\xa9\\n");
    puts_(&b, "\"}\n");
    for (int i = 0; i < 1000; i++) { event(&b, i); puts_(&b, "\n"); }
  }
  puts_(&b, "{\"last\":true}");   /* no final newline */
  CHECK(b.len > (10u << 20));
  check_same_extract("fast path lines", b.p, b.len, 0);
  char *base = full_run(b.p, b.len, 1);
  char *r = full_run(b.p, b.len, 3);
  CHECK_MSG(!strcmp(r, base), "%s", "3 workers: the loaded result differs");
  free(r);
  free(base);
  free(b.p);
}

/* bad lines that are compact (the fast path's shape): the sequential error, as before */
static void test_fast_path_bad_lines(void) {
  static const struct { const char *line, *msg; } bad[] = {
    {"{\"s\":\"\xc3\x28\"}", "invalid UTF-8 byte 0x28"},
    {"{\"s\":\"\xc0\xaf\"}", "invalid UTF-8 byte 0xc0"},
    {"{\"s\":\"\xed\xa0\x80\"}", "invalid UTF-8 byte 0xa0"},
    {"{\"s\":\"\xf4\x90\x80\x80\"}", "invalid UTF-8 byte 0x90"},
    {"{\"s\":\"\\udc00\"}", "lone low surrogate escape"},
    {"{\"s\":\"a\x01\"}", "unescaped control character 0x01"},
    {"{\"n\":01}", "leading zeros are not allowed"},
    {"{\"n\":1.}", "expected a digit after the decimal point"},
    {"{\"n\":1e+}", "expected a digit in the exponent"},
    {"{\"n\":-}", "expected a digit after '-'"},
    {"{\"n\":1-2}", "unexpected '-' in a number"},
    {"{\"a\":1}{\"b\":2}", "expected whitespace or a newline between top-level values"},
    {"{\"a\":1,}", "trailing comma before '}'"},
    {"{\"a\":[1,]}", "trailing comma before ']'"},
    {"{\"a\":tru}", "invalid literal (expected 'true')"},
    {"{\"a\":1]", "expected ',' or '}' after an object member"},
    {"{\"s\":\"\\x\"}", "invalid escape '\\x'"},
    {"{\"id\":18446744073709551616}", "integer 18446744073709551616 exceeds the 64-bit range"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    int at = k % 2 ? NLINES / 3 : NLINES - 7;
    sbuf b = {0};
    /* over CDLT_EXTRACT_PARALLEL_MIN_BYTES, so the ranges (and their fast path) read it: NLINES
     * compact events alone stay under it */
    for (int i = 0; i < NLINES || b.len < CDLT_EXTRACT_PARALLEL_MIN_BYTES + (1 << 20); i++) {
      if (i == at) puts_(&b, bad[k].line);
      else event(&b, i % 3 ? i - i % 3 : i);   /* compact events: the fast path's */
      puts_(&b, "\n");
    }
    char *out = check_same_error(bad[k].line, b.p, b.len);
    char want[200];
    snprintf(want, sizeof want, "at line %d, column ", at + 1);
    CHECK_MSG(contains(out, want) && contains(out, bad[k].msg), "%s: %s", bad[k].line, out);
    free(out);
    free(b.p);
  }
}

static void test_line_ends_and_bom(void) {
  sbuf b = events("\r\n", true);
  check_same_extract("crlf", b.p, b.len, 0);
  free(b.p);
  b = events("\n", false);
  check_same_extract("no final newline", b.p, b.len, 0);
  free(b.p);
  sbuf c = {0};
  puts_(&c, "\xEF\xBB\xBF");
  b = events("\n", true);
  put(&c, b.p, b.len);
  free(b.p);
  check_same_extract("bom", c.p, c.len, 0);
  free(c.p);
}

/* The file is truncated to half its size while the ranges read it: the run stops at the fault point
 * extract.parallel_ranges (pause mode) after the split, the test truncates the file and lets it go
 * on. A clear error naming the file, exit 1, no crash (the mapping of old gave SIGBUS), nothing
 * extracted or loaded. */
static void test_file_shrinks_while_read(void) {
  sbuf b = events("\n", true);
  env e;
  env_new(&e);
  const char *f = write_bytes(&e, "ev.jsonl", b.p, b.len);
  char pause_file[700], out_path[700], cmd[4096];
  snprintf(pause_file, sizeof pause_file, "%s/paused", e.dir);
  snprintf(out_path, sizeof out_path, "%s/run.out", e.dir);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && CDLT_FAULT_POINT=extract.parallel_ranges CDLT_FAULT_MODE=pause CDLT_FAULT_PAUSE_FILE='%s' "
           "DLT_DATA_DIR='%s' exec '%s' run '%s' --pipeline p --credentials '%s' --normalize-workers 3 > '%s' 2>&1",
           e.dir, pause_file, e.data, check_cdlt_bin(), f, e.db, out_path);
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  CHECK(pid > 0);
  int waited = 0;
  while (access(pause_file, F_OK) != 0 && waited++ < 6000) usleep(10000);
  CHECK_MSG(access(pause_file, F_OK) == 0, "%s", "cdlt never reached extract.parallel_ranges");
  size_t half = b.len / 2;
  CHECK_EQ_INT(truncate(f, (off_t)half), 0);
  unlink(pause_file);
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  char *out = check_read_file(out_path, NULL);
  if (!out) out = strdup("(no output)");
  CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d (signal %d): %s", status,
            WIFSIGNALED(status) ? WTERMSIG(status) : 0, out);
  char want[1200];
  snprintf(want, sizeof want, "cannot read '%s': the file shrank while it was read (%zu bytes, expected %zu)", f, half,
           b.len);
  CHECK_MSG(contains(out, want), "expected '%s' in:\n%s", want, out);
  CHECK_MSG(!contains(out, "Sanitizer"), "%s", out);
  free(out);
  char dir[1200];
  snprintf(dir, sizeof dir, "%s/pipelines/p/normalize/extracted", e.data);
  char *ids = list_dir(dir);
  CHECK_MSG(!ids || !*ids, "an extracted package was left: %s", ids);
  free(ids);
  CHECK(!table_exists(e.db, "p_dataset", "ev"));
  free(b.p);
}

int main(void) {
  test_fast_path_lines();
  test_fast_path_bad_lines();
  test_file_shrinks_while_read();
  test_line_ends_and_bom();
  test_array_line_flattened();
  test_bad_items();
  test_pretty_printed_falls_back();
  test_top_level_array_falls_back();
  test_same_result_for_any_worker_count();
  return check_finish();
}
