/* test_c_api.c — the C library API end to end against real DuckDB files: generator resources
 * (objects, pages, JSON Lines, scalars wrapped as {"value": x}), hints, the incremental cursor and
 * resource state seen from inside a generator, transformers, source-level hints, errors naming the
 * resource, parallel resources, two pipelines in two threads, the separate stages.
 *
 * Modes (tests/e2e/c_api.cmake):
 *   test_c_api                          the API tests
 *   test_c_api --example <name> <exe>   runs examples/c/<name> in a temp dir and checks its tables
 *   test_c_api --check <name> <dir>     only checks the tables an example run left in <dir> */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "check.h"
#include "e2e.h"

typedef struct tp {
  char dir[512];
  char db[700];
  cdlt_pipeline *p;
} tp;

static cdlt_pipeline *open_in(tp *t, const char *name) {
  snprintf(t->dir, sizeof t->dir, "%s", check_tmpdir());
  snprintf(t->db, sizeof t->db, "%s/%s.duckdb", t->dir, name);
  char pdir[700];
  snprintf(pdir, sizeof pdir, "%s/pipelines", t->dir);
  cdlt_pipeline_options o = {0};
  o.pipeline_name = name;
  o.dataset_name = "ds";
  o.credentials = t->db;
  o.pipelines_dir = pdir;
  t->p = NULL;
  int rc = cdlt_pipeline_open(&o, &t->p);
  CHECK_MSG(rc == 0, "open: %s", cdlt_errmsg(t->p));
  return t->p;
}

/* a generator emitting one prepared JSON text per call */
typedef struct chunks {
  const char *const *parts;
  size_t n, i;
} chunks;

static int gen_chunks(void *u, cdlt_emitter *em) {
  chunks *c = u;
  if (c->i >= c->n) return CDLT_DONE;
  const char *s = c->parts[c->i++];
  return cdlt_emit_json(em, s, strlen(s));
}

static cdlt_source *one_source(const char *rname, chunks *c, const char *hints) {
  cdlt_resource *r = NULL;
  cdlt_source *s = NULL;
  CHECK_EQ_INT(cdlt_resource_new(rname, gen_chunks, c, &r), 0);
  if (hints) CHECK_MSG(cdlt_resource_set_hints(r, hints) == 0, "hints: %s", cdlt_resource_errmsg(r));
  CHECK_EQ_INT(cdlt_source_new("src", &s), 0);
  CHECK_EQ_INT(cdlt_source_add(s, r), 0);
  return s;
}

static uint64_t info_rows(const cdlt_load_info *info, const char *table) {
  for (size_t k = 0; info && k < cdlt_load_info_table_count(info); k++)
    if (!strcmp(cdlt_load_info_table_name(info, k), table)) return cdlt_load_info_table_rows(info, k);
  return 0;
}

static void test_item_kinds(void) {
  tp t;
  cdlt_pipeline *p = open_in(&t, "kinds");
  const char *parts[] = {"{\"id\": 1, \"v\": \"a\"}", "[{\"id\": 2, \"v\": \"b\"}, {\"id\": 3}]",
                         "{\"id\": 4}\n{\"id\": 5, \"v\": \"e\"}\n", "\"scalar\"", "[\"x\", null]"};
  chunks c = {parts, 5, 0};
  cdlt_source *s = one_source("items", &c, NULL);
  cdlt_load_info *info = NULL;
  int rc = cdlt_pipeline_run(p, s, &info);
  CHECK_MSG(rc == 0, "run: %s", cdlt_errmsg(p));
  CHECK_EQ_INT(info_rows(info, "items"), 7);
  CHECK_EQ_INT(cdlt_load_info_package_count(info), 1);
  CHECK_Q(t.db, "SELECT id, v, value FROM ds.items ORDER BY id NULLS LAST, value",
          "1|a|NULL\n2|b|NULL\n3|NULL|NULL\n4|NULL|NULL\n5|e|NULL\nNULL|NULL|scalar\nNULL|NULL|x");
  CHECK_COLS(t.db, "ds", "items", "id BIGINT\nv VARCHAR\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR\nvalue VARCHAR");
  cdlt_load_info_free(info);
  /* the source can run again: the callbacks are called again (append) */
  c.i = 0;
  CHECK_EQ_INT(cdlt_pipeline_run(p, s, NULL), 0);
  CHECK_EQ_INT(count_rows(t.db, "ds", "items"), 14);
  cdlt_source_free(s);
  cdlt_pipeline_close(p);
}

/* incremental cursor and resource state as the generator sees them */
typedef struct inc_gen {
  const char *items;
  char start[64];
  char end[64];
  char state_seen[128];
  int has_start;
} inc_gen;

static int gen_inc(void *u, cdlt_emitter *em) {
  inc_gen *g = u;
  const char *s = cdlt_emitter_incremental_start(em);
  g->has_start = s != NULL;
  snprintf(g->start, sizeof g->start, "%s", s ? s : "(none)");
  const char *e = cdlt_emitter_incremental_end(em);
  snprintf(g->end, sizeof g->end, "%s", e ? e : "(none)");
  char *st = NULL;
  if (cdlt_emitter_get_state(em, &st) == 0) snprintf(g->state_seen, sizeof g->state_seen, "%s", st);
  int runs = st && strstr(st, "\"runs\":") ? atoi(strstr(st, "\"runs\":") + 7) : 0;
  cdlt_free(st);
  char json[64];
  snprintf(json, sizeof json, "{\"runs\": %d, \"name\": \"%s\"}", runs + 1, cdlt_emitter_resource_name(em));
  int rc = cdlt_emitter_set_state(em, json);
  if (!rc) rc = cdlt_emit_json(em, g->items, strlen(g->items));
  return rc ? rc : CDLT_DONE;
}

static void test_incremental_and_state(void) {
  tp t;
  cdlt_pipeline *p = open_in(&t, "inc");
  const char *hints = "{\"primary_key\": \"id\", \"incremental\": {\"cursor_path\": \"ts\", \"initial_value\": 5}}";
  inc_gen g = {.items = "[{\"id\": 1, \"ts\": 10}, {\"id\": 2, \"ts\": 20}, {\"id\": 9, \"ts\": 3}]"};
  cdlt_resource *r = NULL;
  cdlt_source *s = NULL;
  CHECK_EQ_INT(cdlt_resource_new("orders", gen_inc, &g, &r), 0);
  CHECK_EQ_INT(cdlt_resource_set_hints(r, hints), 0);
  CHECK_EQ_INT(cdlt_source_new("shop", &s), 0);
  CHECK_EQ_INT(cdlt_source_add(s, r), 0);
  CHECK_MSG(cdlt_pipeline_run(p, s, NULL) == 0, "run 1: %s", cdlt_errmsg(p));
  CHECK_EQ_STR(g.start, "5");
  CHECK_EQ_STR(g.end, "(none)");
  CHECK_EQ_STR(g.state_seen, "{}");
  CHECK_Q(t.db, "SELECT id, ts FROM ds.orders ORDER BY id", "1|10\n2|20");

  /* run 2: the generator asks "since 20"; 2 is a duplicate at the boundary, 4 is older */
  g.items = "[{\"id\": 2, \"ts\": 20}, {\"id\": 3, \"ts\": 30}, {\"id\": 4, \"ts\": 1}]";
  CHECK_MSG(cdlt_pipeline_run(p, s, NULL) == 0, "run 2: %s", cdlt_errmsg(p));
  CHECK_EQ_STR(g.start, "20");
  CHECK_EQ_STR(g.state_seen, "{\"runs\":1,\"name\":\"orders\"}");
  CHECK_Q(t.db, "SELECT id, ts FROM ds.orders ORDER BY id", "1|10\n2|20\n3|30");
  char *state = NULL;
  CHECK_EQ_INT(cdlt_pipeline_get_resource_state(p, "orders", &state), 0);
  CHECK_MSG(state && strstr(state, "\"runs\":2,\"name\":\"orders\"") && strstr(state, "\"last_value\":30"), "state: %s", state);
  cdlt_free(state);
  /* the state went to the destination with the package */
  CHECK_Q(t.db, "SELECT count(*) FROM ds._dlt_pipeline_state", "2");
  cdlt_source_free(s);
  cdlt_pipeline_close(p);
}

/* repos | contributors */
static int gen_repos(void *u, cdlt_emitter *em) {
  const char *page = "[{\"id\": 1, \"name\": \"a\"}, {\"id\": 2, \"name\": \"b\"}, 7]";
  int rc = cdlt_emit_json(em, page, strlen(page));
  return rc ? rc : CDLT_DONE;
}

static int tr_contrib(void *u, const char *item, size_t len, cdlt_emitter *em) {
  int *calls = u;
  (*calls)++;
  /* the parent item as compact JSON; a scalar parent item arrives as it was emitted */
  char buf[256];
  int n = snprintf(buf, sizeof buf, "{\"parent\": %.*s, \"login\": \"u%d\"}\n{\"parent\": %.*s, \"login\": \"v%d\"}",
                   (int)len, item, *calls, (int)len, item, *calls);
  return cdlt_emit_json(em, buf, (size_t)n);
}

static void test_transformer(void) {
  tp t;
  cdlt_pipeline *p = open_in(&t, "tr");
  int calls = 0;
  cdlt_resource *repos = NULL, *contrib = NULL;
  cdlt_source *s = NULL;
  CHECK_EQ_INT(cdlt_resource_new("repos", gen_repos, NULL, &repos), 0);
  CHECK_EQ_INT(cdlt_transformer_new("contributors", repos, tr_contrib, &calls, &contrib), 0);
  CHECK_EQ_INT(cdlt_source_new("gh", &s), 0);
  CHECK_EQ_INT(cdlt_source_add(s, repos), 0);
  CHECK_EQ_INT(cdlt_source_add(s, contrib), 0);
  cdlt_load_info *info = NULL;
  CHECK_MSG(cdlt_pipeline_run(p, s, &info) == 0, "run: %s", cdlt_errmsg(p));
  CHECK_EQ_INT(calls, 3);
  CHECK_EQ_INT(info_rows(info, "repos"), 3);
  CHECK_EQ_INT(info_rows(info, "contributors"), 6);
  CHECK_EQ_INT(cdlt_load_info_package_count(info), 1);
  cdlt_load_info_free(info);
  CHECK_Q(t.db, "SELECT id, name, value FROM ds.repos ORDER BY id NULLS LAST", "1|a|NULL\n2|b|NULL\nNULL|NULL|7");
  CHECK_Q(t.db, "SELECT parent__id, parent__name, parent, login FROM ds.contributors ORDER BY login",
          "1|a|NULL|u1\n2|b|NULL|u2\nNULL|NULL|7|u3\n1|a|NULL|v1\n2|b|NULL|v2\nNULL|NULL|7|v3");
  cdlt_source_free(s);

  /* only the transformer in the source: the parent feeds it but is not loaded */
  tp t2;
  cdlt_pipeline *p2 = open_in(&t2, "tr2");
  calls = 0;
  CHECK_EQ_INT(cdlt_resource_new("repos", gen_repos, NULL, &repos), 0);
  CHECK_EQ_INT(cdlt_transformer_new("contributors", repos, tr_contrib, &calls, &contrib), 0);
  cdlt_resource_free(repos);   /* the transformer keeps it alive */
  CHECK_EQ_INT(cdlt_source_new("gh", &s), 0);
  CHECK_EQ_INT(cdlt_source_add(s, contrib), 0);
  CHECK_MSG(cdlt_pipeline_run(p2, s, NULL) == 0, "run: %s", cdlt_errmsg(p2));
  CHECK_EQ_INT(calls, 3);
  CHECK_EQ_INT(count_rows(t2.db, "ds", "contributors"), 6);
  CHECK(!table_exists(t2.db, "ds", "repos"));
  cdlt_source_free(s);
  cdlt_pipeline_close(p2);
  cdlt_pipeline_close(p);
}

static int gen_fail_msg(void *u, cdlt_emitter *em) {
  const char *ok = "{\"id\": 1}";
  cdlt_emit_json(em, ok, strlen(ok));
  return cdlt_emitter_fail(em, CDLT_ERR_IO, "upstream returned 500");
}
static int gen_fail_plain(void *u, cdlt_emitter *em) { return -1; }

static cdlt_source *fn_source(const char *name, cdlt_resource_fn fn) {
  cdlt_resource *r = NULL;
  cdlt_source *s = NULL;
  CHECK_EQ_INT(cdlt_resource_new(name, fn, NULL, &r), 0);
  CHECK_EQ_INT(cdlt_source_new("src", &s), 0);
  CHECK_EQ_INT(cdlt_source_add(s, r), 0);
  return s;
}

static void test_errors(void) {
  tp t;
  cdlt_pipeline *p = open_in(&t, "errs");
  /* malformed JSON names the resource */
  const char *bad[] = {"{\"id\": 1}", "{\"id\": 2,}"};
  chunks c = {bad, 2, 0};
  cdlt_source *s = one_source("events", &c, NULL);
  CHECK_EQ_INT(cdlt_pipeline_run(p, s, NULL), CDLT_ERR_PARSE);
  CHECK_EQ_STR(cdlt_errmsg(p), "invalid JSON in 'events' at line 1, column 10 (byte 9): trailing comma before '}'");
  cdlt_source_free(s);
  /* a too large integer */
  const char *big[] = {"{\"id\": 1}\n{\"id\": 123456789012345678901234}"};
  chunks cb = {big, 1, 0};
  s = one_source("events", &cb, NULL);
  CHECK_EQ_INT(cdlt_pipeline_run(p, s, NULL), CDLT_ERR_PARSE);
  CHECK_EQ_STR(cdlt_errmsg(p), "item in 'events' at line 2, column 1 (byte 10): integer 123456789012345678901234 exceeds the 64-bit range");
  cdlt_source_free(s);
  /* a callback failing with and without a message */
  s = fn_source("api", gen_fail_msg);
  CHECK_EQ_INT(cdlt_pipeline_run(p, s, NULL), CDLT_ERR_IO);
  CHECK_EQ_STR(cdlt_errmsg(p), "resource 'api': upstream returned 500");
  cdlt_source_free(s);
  s = fn_source("api", gen_fail_plain);
  CHECK_EQ_INT(cdlt_pipeline_run(p, s, NULL), CDLT_ERR_USAGE);
  CHECK_EQ_STR(cdlt_errmsg(p), "resource 'api' failed (usage error)");
  cdlt_source_free(s);
  /* failed extractions leave nothing behind: no pending package, no table */
  size_t pending = 99;
  char *txt = NULL;
  CHECK_EQ_INT(cdlt_pipeline_pending_packages(p, &pending, &txt), 0);
  CHECK_EQ_INT(pending, 0);
  cdlt_free(txt);
  CHECK(!table_exists(t.db, "ds", "events"));
  CHECK(!table_exists(t.db, "ds", "api"));

  /* invalid hints and duplicate names are refused at once, on the handle */
  cdlt_resource *r = NULL, *r2 = NULL;
  CHECK_EQ_INT(cdlt_resource_new("x", gen_fail_plain, NULL, &r), 0);
  CHECK_EQ_INT(cdlt_resource_set_hints(r, "{\"write_disposition\": \"sometimes\"}"), CDLT_ERR_USAGE);
  CHECK_EQ_STR(cdlt_resource_errmsg(r), "invalid resource hints: write_disposition 'sometimes' is not one of append, replace, merge, skip");
  CHECK_EQ_INT(cdlt_resource_new("x", gen_fail_plain, NULL, &r2), 0);
  CHECK_EQ_INT(cdlt_source_new("dup", &s), 0);
  CHECK_EQ_INT(cdlt_source_add(s, r), 0);
  CHECK_EQ_INT(cdlt_source_add(s, r2), CDLT_ERR_USAGE);
  CHECK_EQ_STR(cdlt_source_errmsg(s), "resource 'x' is already in source 'dup'");
  CHECK_EQ_INT(cdlt_source_set_schema_contract(s, "sometimes"), CDLT_ERR_USAGE);
  CHECK_EQ_INT(cdlt_resource_new("", gen_fail_plain, NULL, &r2), CDLT_ERR_USAGE);
  CHECK(r2 == NULL);
  cdlt_source_free(s);
  CHECK_EQ_INT(cdlt_source_new("empty", &s), 0);
  CHECK_EQ_INT(cdlt_pipeline_run(p, s, NULL), CDLT_ERR_USAGE);
  CHECK_EQ_STR(cdlt_errmsg(p), "source 'empty' has no resources");
  cdlt_source_free(s);
  cdlt_pipeline_close(p);
}

static void test_source_hints(void) {
  tp t;
  cdlt_pipeline *p = open_in(&t, "srch");
  const char *parts[] = {"{\"id\": 1, \"tags\": [\"a\", \"b\"], \"meta\": {\"k\": 1}}"};
  chunks c = {parts, 1, 0};
  cdlt_source *s = one_source("docs", &c, NULL);
  CHECK_EQ_INT(cdlt_source_set_max_table_nesting(s, 0), 0);
  CHECK_MSG(cdlt_pipeline_run(p, s, NULL) == 0, "run: %s", cdlt_errmsg(p));
  CHECK_COLS(t.db, "ds", "docs", "id BIGINT\ntags JSON\nmeta JSON\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK(!table_exists(t.db, "ds", "docs__tags"));
  cdlt_source_free(s);
  /* freeze: a new column violates the contract */
  const char *more[] = {"{\"id\": 2, \"extra\": true}"};
  chunks c2 = {more, 1, 0};
  s = one_source("docs", &c2, NULL);
  CHECK_EQ_INT(cdlt_source_set_schema_contract(s, "freeze"), 0);
  CHECK_EQ_INT(cdlt_pipeline_run(p, s, NULL), CDLT_ERR_CONTRACT);
  CHECK_MSG(strstr(cdlt_errmsg(p), "extra") != NULL, "message: %s", cdlt_errmsg(p));
  CHECK_EQ_INT(count_rows(t.db, "ds", "docs"), 1);
  cdlt_source_free(s);
  cdlt_pipeline_close(p);
}

/* parallel resources: pages of 10 rows, `pages` pages each */
typedef struct pager {
  int base, page, pages;
} pager;

static int gen_pages(void *u, cdlt_emitter *em) {
  pager *g = u;
  if (g->page == g->pages) return CDLT_DONE;
  char buf[1024];
  size_t off = 0;
  off += (size_t)snprintf(buf + off, sizeof buf - off, "[");
  for (int k = 0; k < 10; k++)
    off += (size_t)snprintf(buf + off, sizeof buf - off, "%s{\"id\": %d, \"page\": %d}", k ? "," : "",
                            g->base + g->page * 10 + k, g->page);
  off += (size_t)snprintf(buf + off, sizeof buf - off, "]");
  g->page++;
  return cdlt_emit_json(em, buf, off);
}

static cdlt_source *pager_source(pager *g, int n, int parallel) {
  cdlt_source *s = NULL;
  CHECK_EQ_INT(cdlt_source_new("many", &s), 0);
  for (int k = 0; k < n; k++) {
    char name[32];
    snprintf(name, sizeof name, "r%d", k);
    cdlt_resource *r = NULL;
    g[k] = (pager){k * 100000, 0, 50 + k};
    CHECK_EQ_INT(cdlt_resource_new(name, gen_pages, &g[k], &r), 0);
    CHECK_EQ_INT(cdlt_resource_set_parallel(r, parallel && k != 2), 0);
    CHECK_EQ_INT(cdlt_source_add(s, r), 0);
  }
  return s;
}

static void test_parallel(void) {
  tp t;
  cdlt_pipeline *p = open_in(&t, "par");
  pager g[5];
  cdlt_source *s = pager_source(g, 5, 1);
  cdlt_load_info *info = NULL;
  CHECK_MSG(cdlt_pipeline_run(p, s, &info) == 0, "run: %s", cdlt_errmsg(p));
  CHECK_EQ_INT(cdlt_load_info_package_count(info), 1);
  for (int k = 0; k < 5; k++) {
    char tbl[8], sql[256], want[64];
    snprintf(tbl, sizeof tbl, "r%d", k);
    CHECK_EQ_INT(info_rows(info, tbl), (50 + k) * 10);
    snprintf(sql, sizeof sql, "SELECT count(*), min(id), max(id), count(DISTINCT id) FROM ds.r%d", k);
    snprintf(want, sizeof want, "%d|%d|%d|%d", (50 + k) * 10, k * 100000, k * 100000 + (50 + k) * 10 - 1, (50 + k) * 10);
    CHECK_Q(t.db, sql, want);
  }
  cdlt_load_info_free(info);
  /* the schema does not depend on scheduling: same tables in resource order as a sequential run */
  char *sch_par = NULL, *sch_seq = NULL;
  CHECK_EQ_INT(cdlt_pipeline_schema(p, "json", 1, &sch_par), 0);
  cdlt_source_free(s);
  tp t2;
  cdlt_pipeline *p2 = open_in(&t2, "par");
  s = pager_source(g, 5, 0);
  CHECK_MSG(cdlt_pipeline_run(p2, s, NULL) == 0, "run: %s", cdlt_errmsg(p2));
  CHECK_EQ_INT(cdlt_pipeline_schema(p2, "json", 1, &sch_seq), 0);
  CHECK(sch_par && sch_seq);
  if (sch_par && sch_seq) {
    /* version hashes are equal, so are tables and columns (load ids and dates differ) */
    const char *a = strstr(sch_par, "\"version_hash\""), *b = strstr(sch_seq, "\"version_hash\"");
    CHECK(a && b && strncmp(a, b, 60) == 0);
  }
  cdlt_free(sch_par);
  cdlt_free(sch_seq);
  cdlt_source_free(s);
  cdlt_pipeline_close(p2);
  cdlt_pipeline_close(p);
}

/* two pipelines in two threads at once */
typedef struct thread_run {
  tp t;
  const char *name;
  pager g[3];
  int rc;
} thread_run;

static void *run_thread(void *arg) {
  thread_run *tr = arg;
  cdlt_source *s = NULL;
  cdlt_source_new("th", &s);
  for (int k = 0; k < 3; k++) {
    char name[16];
    snprintf(name, sizeof name, "t%d", k);
    cdlt_resource *r = NULL;
    cdlt_resource_new(name, gen_pages, &tr->g[k], &r);
    cdlt_source_add(s, r);
  }
  tr->rc = cdlt_pipeline_run(tr->t.p, s, NULL);
  cdlt_source_free(s);
  return NULL;
}

static void test_two_pipelines(void) {
  thread_run a = {.name = "alpha"}, b = {.name = "beta"};
  open_in(&a.t, "alpha");
  open_in(&b.t, "beta");
  for (int k = 0; k < 3; k++) {
    a.g[k] = (pager){k * 1000, 0, 30};
    b.g[k] = (pager){k * 1000 + 500, 0, 20};
  }
  pthread_t ta, tb;
  pthread_create(&ta, NULL, run_thread, &a);
  pthread_create(&tb, NULL, run_thread, &b);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  CHECK_MSG(a.rc == 0, "alpha: %s", cdlt_errmsg(a.t.p));
  CHECK_MSG(b.rc == 0, "beta: %s", cdlt_errmsg(b.t.p));
  CHECK_Q(a.t.db, "SELECT count(*), min(id) FROM ds.t1", "300|1000");
  CHECK_Q(b.t.db, "SELECT count(*), min(id) FROM ds.t1", "200|1500");
  cdlt_pipeline_close(a.t.p);
  cdlt_pipeline_close(b.t.p);
}

static void test_stages(void) {
  tp t;
  cdlt_pipeline *p = open_in(&t, "stages");
  const char *parts[] = {"[{\"id\": 1}, {\"id\": 2}]"};
  chunks c = {parts, 1, 0};
  cdlt_source *s = one_source("things", &c, "{\"write_disposition\": \"replace\"}");
  char *load_id = NULL;
  CHECK_MSG(cdlt_pipeline_extract(p, s, &load_id) == 0, "extract: %s", cdlt_errmsg(p));
  CHECK(load_id && strlen(load_id) > 10);
  size_t pending = 0;
  char *txt = NULL;
  CHECK_EQ_INT(cdlt_pipeline_pending_packages(p, &pending, &txt), 0);
  CHECK_EQ_INT(pending, 1);
  cdlt_free(txt);
  CHECK(!table_exists(t.db, "ds", "things"));
  CHECK_MSG(cdlt_pipeline_normalize(p) == 0, "normalize: %s", cdlt_errmsg(p));
  CHECK(!table_exists(t.db, "ds", "things"));
  cdlt_load_info *info = NULL;
  CHECK_MSG(cdlt_pipeline_load(p, &info) == 0, "load: %s", cdlt_errmsg(p));
  CHECK_EQ_INT(cdlt_load_info_package_count(info), 1);
  CHECK_EQ_STR(cdlt_load_info_load_id(info, 0), load_id);
  CHECK_Q(t.db, "SELECT id FROM ds.things ORDER BY id", "1\n2");
  CHECK_Q(t.db, "SELECT count(*) FROM ds._dlt_loads WHERE status = 0", "1");
  cdlt_load_info_free(info);
  cdlt_free(load_id);
  cdlt_source_free(s);
  cdlt_pipeline_close(p);
}

/* ------------------------------------------------------------------------------------------ */
/* the examples */

static void check_example(const char *name, const char *dir) {
  char db[1024];
  snprintf(db, sizeof db, "%s/%s.duckdb", dir, name);
  if (!strcmp(name, "quickstart")) {
    CHECK_Q(db, "SELECT id, name, email FROM quickstart_data.users ORDER BY id",
            "1|Alice|alice@example.com\n2|Bob|NULL\n3|Carol|carol@example.com");
    CHECK_Q(db, "SELECT u.id, t.value FROM quickstart_data.users u JOIN quickstart_data.users__tags t "
                "ON t._dlt_parent_id = u._dlt_id ORDER BY u.id, t._dlt_list_idx",
            "1|admin\n1|dev\n3|dev");
  } else if (!strcmp(name, "paginated")) {
    CHECK_Q(db, "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM paginated_data.events", "30|30|1|30");
    CHECK_Q(db, "SELECT id, title, strftime(updated_at AT TIME ZONE 'UTC', '%Y-%m-%d') FROM paginated_data.events "
                "WHERE id IN (1, 7, 25, 26, 30) ORDER BY id",
            "1|event 1|2024-01-01\n7|event 7|2024-01-31\n25|event 25|2024-01-25\n26|event 26|2024-01-26\n30|event 30|2024-01-30");
    /* two loads: 25 rows, then 6 (5 new + 1 updated; the boundary row 25 was deduplicated) */
    CHECK_Q(db, "SELECT count(*) FROM paginated_data._dlt_loads", "2");
  } else if (!strcmp(name, "transformer")) {
    CHECK_Q(db, "SELECT id, name, stars FROM transformer_data.repos ORDER BY id", "1|dlt|4000\n2|cdlt|12\n3|empty|0");
    CHECK_Q(db, "SELECT repo_id, login, contributions FROM transformer_data.contributors ORDER BY repo_id, login",
            "1|alice|10\n1|bob|11\n1|carol|12\n2|alice|20\n2|bob|21\n3|alice|30");
  } else {
    CHECK_MSG(0, "unknown example '%s'", name);
  }
}

static const char *expected_output(const char *name) {
  if (!strcmp(name, "paginated"))
    return "fetching events since the beginning\npage 0: 10 events\npage 1: 10 events\npage 2: 5 events\n"
           "loaded 1 rows into _dlt_pipeline_state\nloaded 25 rows into events\n"
           "fetching events since 2024-01-25T00:00:00Z\npage 0: 7 events\n"
           "loaded 1 rows into _dlt_pipeline_state\nloaded 6 rows into events\n";
  if (!strcmp(name, "transformer"))
    return "loaded 1 rows into _dlt_pipeline_state\nloaded 6 rows into contributors\nloaded 3 rows into repos\n";
  return NULL;
}

static void run_example(const char *name, const char *exe) {
  const char *dir = check_tmpdir();
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "'%s' '%s'", exe, dir);
  char *out = NULL;
  int rc = check_run(cmd, &out);
  CHECK_MSG(rc == 0, "%s exited with %d: %s", name, rc, out ? out : "");
  const char *want = expected_output(name);
  if (want) CHECK_EQ_STR(out, want);
  else CHECK_MSG(out && strstr(out, "is LOADED and contains no failed jobs"), "output: %s", out ? out : "");
  free(out);
  check_example(name, dir);
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "--example")) {
    run_example(argv[2], argv[3]);
    return check_finish();
  }
  if (argc == 4 && !strcmp(argv[1], "--check")) {
    check_example(argv[2], argv[3]);
    return check_finish();
  }
  test_item_kinds();
  test_incremental_and_state();
  test_transformer();
  test_errors();
  test_source_hints();
  test_parallel();
  test_two_pipelines();
  test_stages();
  return check_finish();
}
