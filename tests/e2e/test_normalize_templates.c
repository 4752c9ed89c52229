/* test_normalize_templates.c — normalize's row templates (normalize.h cdlt_normalizer_try_template)
 * write exactly the rows of the general path. The same runs go through the one-thread stage (no
 * templates: --normalize-workers 1) and the parallel stage (templates: 2 workers), and must give
 * byte-identical job files (only random ids and load ids masked), the same schema file and the same
 * load info or error. The data has repeated shapes whose values need every general-path decision
 * after the template was made: strings with every escape and UTF-8, numbers on and off the reader's
 * fast paths, variants, a column that is null for a while, new columns, keys in another order,
 * colliding keys, duplicate keys, a user _dlt_id, json columns, empty objects and lists, nested
 * lists, --max-table-nesting, merge tables (key-hash and propagated ids), a not-nullable column
 * that gets a null (the error). The fault points normalize.row_template and
 * normalize.child_template prove that root rows and list elements' rows take the path. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "e2e.h"
#include "util/hash.h"

#define NITEMS 40000   /* 8 typed-jsonl lines of 5000 items: both workers get chunks */

static const char *const texts[] = {
    "plain",         "q\\\"uote",           "back\\\\slash\\nnl\\ttab", "\\u00e9\\u20ac\\u0041", "caf\xc3\xa9 \xe2\x82\xac",
    "\\ud83d\\ude00", "\\u0001ctl\\u001f", "sl\\/ash",                  "\xf0\x9f\x98\x80",     "2024-02-03T04:05:06Z"};
static const char *const numbers[] = {"0",     "-0",     "17",          "-123456789012345678", "1234567890123456789",
                                      "0.5",   "1e300",  "-2.25e-5",    "1.7976931348623157e308", "1E+2",
                                      "123456789012345.6"};

typedef struct sbuf {
  char *p;
  size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if ((size_t)n < b->cap - b->len) {
      b->len += (size_t)n;
      return;
    }
    b->cap = b->cap * 2 + (size_t)n + 1024;
    b->p = realloc(b->p, b->cap);
  }
}

/* the main data set: mostly one shape, some others (see the file comment) */
static char *make_items(bool null_late) {
  sbuf b = {malloc(1 << 20), 0, 1 << 20};
  for (int i = 0; i < NITEMS; i++) {
    int shape = i % 50 == 7 ? 1 : i % 50 == 13 ? 2 : i % 50 == 21 ? 3 : i % 50 == 33 ? 4 : i % 50 == 41 ? 5 : 0;
    const char *txt = texts[(i / 3) % 10];
    const char *num = numbers[(i / 7) % 11];
    switch (shape) {
      case 0:   /* the common shape */
        put(&b, "{\"id\": %d, \"name\": \"n%d\", \"txt\": \"%s\", \"num\": %s, \"flag\": %s, \"ts\": \"2024-01-%02dT00:00:02Z\", "
                "\"val\": %s, \"later\": %s, \"req\": %s, \"obj\": {\"a\": %d, \"deep\": {\"c\": \"x%d\"}, \"e\": {}}, "
                "\"tags\": [%s], \"kids\": [{\"k\": %d, \"sub\": [%d, [%d]]}], \"none\": []}\n",
            i, i, txt, num, i % 2 ? "true" : "false", 1 + i % 28, i % 97 == 0 ? "\"s\"" : i % 89 == 0 ? "2.5" : "12",
            i < 15000 ? "null" : i % 3 ? "\"l\"" : "7", null_late && i == 33330 ? "null" : "5", i, i,
            i % 4 == 0 ? "" : i % 4 == 1 ? "\"t\"" : "\"t\", \"u\"", i, i, i);
        break;
      case 1:   /* the same keys in another order */
        put(&b, "{\"name\": \"n%d\", \"id\": %d, \"num\": %s, \"txt\": \"%s\", \"req\": 1, \"obj\": {\"deep\": {\"c\": \"y\"}, \"a\": 1}}\n",
            i, i, num, txt);
        break;
      case 2:   /* keys that collide after normalization */
        put(&b, "{\"id\": %d, \"A b\": 1, \"a_b\": \"two\", \"req\": 2}\n", i);
        break;
      case 3:   /* a user row id, and a duplicate key */
        put(&b, "{\"id\": %d, \"_dlt_id\": \"mine%d\", \"req\": 3, \"name\": \"a\", \"name\": \"b\"}\n", i, i);
        break;
      case 4:   /* a json column (hinted): an object kept whole */
        put(&b, "{\"id\": %d, \"blob\": {\"x\": [1, {\"y\": \"%s\"}]}, \"req\": 4}\n", i, txt);
        break;
      default:   /* a new column late, and a list of lists */
        put(&b, "{\"id\": %d, \"req\": 5, \"fresh_%d\": %d, \"grid\": [[1, 2], [], [3]]}\n", i, i % 1000 / 100, i);
        break;
    }
  }
  return b.p;
}

/* `"<key>":"...` values of ids and load ids replaced by `*` (in place, one pass) */
static void mask_ids(char *s) {
  static const char *const keys[] = {"\"_dlt_id\":\"", "\"_dlt_parent_id\":\"", "\"_dlt_root_id\":\"", "\"_dlt_load_id\":\""};
  char *o = s;
  for (const char *p = s; *p;) {
    size_t klen = 0;
    for (size_t k = 0; k < 4 && !klen; k++)
      if (*p == '"' && !strncmp(p, keys[k], strlen(keys[k]))) klen = strlen(keys[k]);
    if (!klen) {
      *o++ = *p++;
      continue;
    }
    memmove(o, p, klen);
    o += klen;
    p += klen;
    *o++ = '*';
    while (*p && *p != '"') p++;
  }
  *o = 0;
}

/* the string value of `"key":"` in a row line (copied into out), false when absent */
static bool str_field(const char *line, const char *key, char *out, size_t cap) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  const char *p = strstr(line, pat);
  if (!p) return false;
  p += strlen(pat);
  size_t n = strcspn(p, "\"");
  if (n >= cap) return false;
  memcpy(out, p, n);
  out[n] = 0;
  return true;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* ids as dlt makes them, checked in the unmasked job files: a child row's _dlt_id is
 * digest128("<_dlt_parent_id>_<table>_<_dlt_list_idx>"), every _dlt_parent_id is the _dlt_id of a
 * row of the parent table, every _dlt_root_id the _dlt_id of a root row. `ids` collects every
 * table's row ids (sorted at the end by the caller). Returns the number of failures. */
typedef struct id_set {
  char **v;
  size_t n, cap;
} id_set;

static void id_add(id_set *s, const char *id) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 1024;
    s->v = realloc(s->v, s->cap * sizeof *s->v);
  }
  s->v[s->n++] = strdup(id);
}

static bool id_has(const id_set *s, const char *id) {
  return bsearch(&id, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

static int check_child_ids(const char *table, const char *content, const id_set *roots, const id_set *all) {
  int bad = 0;
  for (const char *line = content; *line;) {
    const char *nl = strchr(line, '\n');
    char *one = strndup(line, nl ? (size_t)(nl - line) : strlen(line));
    char pid[64], id[64], rid[64];
    const char *ix = strstr(one, "\"_dlt_list_idx\":");
    if (!str_field(one, "_dlt_parent_id", pid, sizeof pid) || !str_field(one, "_dlt_id", id, sizeof id) || !ix) {
      bad++;
    } else {
      char key[300], want[64];
      int kl = snprintf(key, sizeof key, "%s_%s_%ld", pid, table, atol(ix + strlen("\"_dlt_list_idx\":")));
      cdlt_digest128(key, (size_t)kl, 10, want);
      if (strcmp(want, id) || !id_has(all, pid)) bad++;
      if (str_field(one, "_dlt_root_id", rid, sizeof rid) && !id_has(roots, rid)) bad++;
    }
    free(one);
    line = nl ? nl + 1 : line + strlen(line);
  }
  return bad;
}

static void append(char **acc, const char *s) {
  size_t a = *acc ? strlen(*acc) : 0, b = strlen(s);
  *acc = realloc(*acc, a + b + 1);
  memcpy(*acc + a, s, b + 1);
}

/* every jsonl job file of the loaded packages, per table in name order, ids masked ("" when
 * none); *bad_ids: failures of check_child_ids */
static char *loaded_jobs(const env *e, int *bad_ids) {
  char dir[1200];
  snprintf(dir, sizeof dir, "%s/pipelines/p/load/loaded", e->data);
  char *acc = strdup("");
  *bad_ids = 0;
  struct dirent **pk = NULL;
  int np = scandir(dir, &pk, NULL, alphasort);
  for (int i = 0; i < np; i++) {
    if (pk[i]->d_name[0] == '.') {
      free(pk[i]);
      continue;
    }
    char jobs[1500];
    snprintf(jobs, sizeof jobs, "%s/%s/completed_jobs", dir, pk[i]->d_name);
    struct dirent **names = NULL;
    int n = scandir(jobs, &names, NULL, alphasort);
    /* the row ids of every table (roots: tables without "__"), then the children's checks */
    id_set roots = {0}, all = {0};
    char **tables = calloc((size_t)(n > 0 ? n : 1), sizeof *tables), **contents = calloc((size_t)(n > 0 ? n : 1), sizeof *contents);
    for (int k = 0; k < n; k++) {
      const char *nm = names[k]->d_name;
      size_t nl = strlen(nm);   /* the rows: jsonl jobs (a merge's SQL job names random temp tables) */
      if (nm[0] != '.' && strncmp(nm, "_dlt", 4) && nl > 6 && !strcmp(nm + nl - 6, ".jsonl")) {
        char path[1800];
        snprintf(path, sizeof path, "%s/%s", jobs, nm);
        tables[k] = strndup(nm, strcspn(nm, "."));
        contents[k] = check_read_file(path, NULL);
        for (const char *line = contents[k]; line && *line;) {
          char id[64];
          const char *end = strchr(line, '\n');
          char *one = strndup(line, end ? (size_t)(end - line) : strlen(line));
          if (str_field(one, "_dlt_id", id, sizeof id)) {
            id_add(&all, id);
            if (!strstr(tables[k], "__")) id_add(&roots, id);
          }
          free(one);
          line = end ? end + 1 : line + strlen(line);
        }
      }
    }
    qsort(roots.v, roots.n, sizeof *roots.v, cmp_str);
    qsort(all.v, all.n, sizeof *all.v, cmp_str);
    const char *last_table = "";
    for (int k = 0; k < n; k++) {
      if (contents[k]) {
        if (strstr(tables[k], "__")) *bad_ids += check_child_ids(tables[k], contents[k], &roots, &all);
        if (strcmp(tables[k], last_table)) {
          append(&acc, "## ");
          append(&acc, tables[k]);
          append(&acc, "\n");
        }
        last_table = tables[k];
        mask_ids(contents[k]);
        append(&acc, contents[k]);
      }
      free(names[k]);
    }
    for (int k = 0; k < n; k++) {
      free(tables[k]);
      free(contents[k]);
    }
    for (size_t k = 0; k < all.n; k++) free(all.v[k]);
    for (size_t k = 0; k < roots.n; k++) free(roots.v[k]);
    free(all.v);
    free(roots.v);
    free(tables);
    free(contents);
    free(names);
    free(pk[i]);
  }
  free(pk);
  return acc;
}

/* the lines of the output with counts or errors */
static char *count_lines(const char *out) {
  char *r = strdup("");
  const char *p = out;
  while (p && *p) {
    const char *e = strchr(p, '\n');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    char *one = strndup(p, l);
    if (!strncmp(one, "- ", 2) || strstr(one, "rror") || strstr(one, "cdlt run:")) {
      append(&r, one);
      append(&r, "\n");
    }
    free(one);
    p += l + (e ? 1 : 0);
  }
  return r;
}

typedef struct outcome {
  int rc, bad_ids;
  char *out, *jobs, *schema;
} outcome;

static void run(const char *data, const char *args, int workers, const char *fault, outcome *o) {
  env e;
  env_new(&e);
  e.vars = "NORMALIZE__PARALLEL_MIN_BYTES=0";
  const char *f = write_file(&e, "items.jsonl", data);
  char *raw = NULL;
  o->rc = cdlt_env(&e, fault, &raw, "run '%s' --table items --pipeline p --credentials '%s' --normalize-workers %d %s", f,
                   e.db, workers, args);
  o->out = count_lines(raw);
  free(raw);
  o->jobs = loaded_jobs(&e, &o->bad_ids);
  char path[1200];
  snprintf(path, sizeof path, "%s/pipelines/p/schemas/p.schema.json", e.data);
  o->schema = check_read_file(path, NULL);
  if (!o->schema) o->schema = strdup("(none)");
}

static void outcome_free(outcome *o) {
  free(o->out);
  free(o->jobs);
  free(o->schema);
}

/* the general path (1 worker) and the templates (2 workers) give the same result */
static void same_both_ways(const char *what, const char *data, const char *args, int want_rc, const char *tables) {
  outcome one, two;
  run(data, args, 1, NULL, &one);
  run(data, args, 2, NULL, &two);
  CHECK_MSG(one.rc == want_rc && two.rc == want_rc, "%s: exit %d and %d, want %d\n%s\n%s", what, one.rc, two.rc, want_rc,
            one.out, two.out);
  CHECK_MSG(!strcmp(one.out, two.out), "%s: load info\n%s---\n%s", what, one.out, two.out);
  CHECK_MSG(one.bad_ids == 0 && two.bad_ids == 0, "%s: child rows whose ids are not dlt's: %d and %d", what, one.bad_ids,
            two.bad_ids);
  CHECK_MSG(!strcmp(one.schema, two.schema), "%s: schema files differ", what);
  CHECK_MSG(!strcmp(one.jobs, two.jobs), "%s: job files differ (%zu and %zu bytes)", what, strlen(one.jobs),
            strlen(two.jobs));
  if (strcmp(one.jobs, two.jobs)) {   /* the first differing line */
    const char *a = one.jobs, *b = two.jobs;
    while (*a && *a == *b) a++, b++;
    while (a > one.jobs && a[-1] != '\n') a--, b--;
    fprintf(stderr, "general:   %.300s\ntemplates: %.300s\n", a, b);
  }
  for (const char *t = tables; *t; t += strlen(t) + 1) {
    char head[200];
    snprintf(head, sizeof head, "## %s\n", t);
    CHECK_MSG(strstr(one.jobs, head) != NULL, "%s: table %s loaded", what, t);
  }
  outcome_free(&one);
  outcome_free(&two);
}

static const char *hints = "--columns '{\"blob\": {\"data_type\": \"json\"}, \"req\": {\"data_type\": \"bigint\", \"nullable\": false}}'";

static void test_same_rows(void) {
  char *data = make_items(false);
  same_both_ways("append", data, hints, 0, "items\0items__kids\0items__kids__sub\0items__tags\0items__grid\0");
  char args[600];
  snprintf(args, sizeof args, "%s --max-table-nesting 1", hints);
  same_both_ways("max nesting 1", data, args, 0, "items\0items__kids\0items__tags\0");
  snprintf(args, sizeof args, "%s --write-disposition merge --primary-key id", hints);
  same_both_ways("merge delete-insert", data, args, 0, "items\0items__kids\0");
  snprintf(args, sizeof args, "%s --write-disposition merge --merge-strategy upsert --primary-key id", hints);
  same_both_ways("merge upsert", data, args, 0, "items\0items__kids\0");
  free(data);
}

/* a null in the not-nullable column after the template was made: the general path's error, and
 * nothing loaded */
static void test_same_error(void) {
  char *data = make_items(true);
  outcome o;
  run(data, hints, 2, NULL, &o);
  CHECK(o.rc != 0);
  CHECK_MSG(contains(o.out, "cannot coerce null in table 'items' column 'req': the column is not nullable"), "%s", o.out);
  CHECK_EQ_STR(o.jobs, "");
  outcome_free(&o);
  same_both_ways("null in a not-nullable column", data, hints, 1, "");
  free(data);
}

/* the template path is taken: its fault point (kill mode: the first hit in any chunk, even one
 * the parallel stage would normalize again after an error) kills the parallel run, and not the
 * one-thread one */
static void test_path_taken(void) {
  char *data = make_items(false);
  /* root rows, and the rows of list elements (items__kids) through child templates */
  static const char *const points[] = {"CDLT_FAULT_POINT=normalize.row_template",
                                       "CDLT_FAULT_POINT=normalize.child_template"};
  for (size_t k = 0; k < 2; k++) {
    outcome o;
    run(data, hints, 2, points[k], &o);
    CHECK_MSG(o.rc == 137, "%s: 2 workers exited %d", points[k], o.rc);
    outcome_free(&o);
    run(data, hints, 1, points[k], &o);
    CHECK_MSG(o.rc == 0, "%s: 1 worker exited %d", points[k], o.rc);
    outcome_free(&o);
  }
  free(data);
}

int main(void) {
  test_path_taken();
  test_same_rows();
  test_same_error();
  return check_finish();
}
