/* test_normalize_workers.c — parallel normalize ([normalize] workers, --normalize-workers) gives
 * exactly the sequential result: the same runs with 1, 2, 3 and 8 workers on data whose types
 * evolve, with variants, nested lists, columns that appear late (and one that is null for the first
 * half), two input files, schema contracts that discard, a replace resource without rows and a
 * frozen schema that fails late must produce byte-identical schema files (live schema, each
 * package's schema and schema updates), the same load info counts and error messages, and the same
 * rows per table in the order they were loaded (ignoring only random row ids and load ids); also
 * with many more chunks than workers (NORMALIZE__CHUNK_BYTES), loading while normalizing or not. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "e2e.h"

#define NITEMS 42000   /* > 8 typed-jsonl lines of 5000 items: every worker gets a chunk */

/* ev.jsonl: evolving data (see the file comment); every value derives from the item index */
static char *make_events(int first, int n, bool contract_data) {
  size_t cap = (size_t)n * 400 + 1, len = 0;
  char *s = malloc(cap);
  for (int i = first; i < first + n; i++) {
    char line[1024];
    int o = snprintf(line, sizeof line, "{\"id\": %d, \"name\": \"n%d\"", i, i);
    if (i < 15000 || i % 7) o += snprintf(line + o, sizeof line - o, ", \"val\": %d", i);
    else o += snprintf(line + o, sizeof line - o, ", \"val\": \"s%d\"", i);          /* variant val__v_text */
    if (i >= 8000) o += snprintf(line + o, sizeof line - o, ", \"y\": %d", i);
    if (i >= 10000 && i < 20000) o += snprintf(line + o, sizeof line - o, ", \"x\": \"str%d\"", i);
    if (i >= 20000) o += snprintf(line + o, sizeof line - o, ", \"x\": %d", i);        /* variant x__v_bigint */
    if (i >= 30000) o += snprintf(line + o, sizeof line - o, ", \"late\": %s", i % 2 ? "true" : "false");
    if (i >= 21000) o += snprintf(line + o, sizeof line - o, ", \"score\": %d.25", i);
    else o += snprintf(line + o, sizeof line - o, ", \"score\": null");
    o += snprintf(line + o, sizeof line - o, ", \"obj\": {\"a\": %d%s}", i, i >= 25000 ? ", \"b\": \"b\"" : "");
    if (i % 3 == 0) {
      o += snprintf(line + o, sizeof line - o, ", \"tags\": [");
      for (int j = 0; j < i % 4; j++) o += snprintf(line + o, sizeof line - o, "%s\"t%d\"", j ? ", " : "", j);
      o += snprintf(line + o, sizeof line - o, "]");
    }
    if (i % 5 == 0)
      o += snprintf(line + o, sizeof line - o,
                    ", \"kids\": [{\"k\": \"%d\", \"z\": null}, {\"k\": %d, \"sub\": [%d, [%d, %d]]%s}]", i, i, i, i, i + 1,
                    i >= 33000 ? ", \"kz\": 1.5" : "");
    if (contract_data && i % 11 == 0) o += snprintf(line + o, sizeof line - o, ", \"new_col_%d\": 1", i % 3);
    if (contract_data && i % 13 == 0) o += snprintf(line + o, sizeof line - o, ", \"id\": \"not a number\"");
    o += snprintf(line + o, sizeof line - o, "}\n");
    memcpy(s + len, line, (size_t)o);
    len += (size_t)o;
  }
  s[len] = 0;
  return s;
}

static char *make_other(int n) {
  char *s = malloc((size_t)n * 64 + 1);
  size_t len = 0;
  for (int i = 0; i < n; i++)
    len += (size_t)sprintf(s + len, "{\"k\": %d, \"v\": %s}\n", i, i < n / 2 ? "null" : "\"half\"");
  return s;
}

typedef struct result {
  char *out[4];       /* the load info lines with counts of each run, or the error */
  int rc[4];
  char *schema;       /* the live schema file */
  char *packages;     /* every loaded package's schema.json and applied_schema_updates.json */
  char *rows;         /* every table's rows in load order, without random ids */
  int ev_jobs;        /* job files of table ev in the first package */
  int npackages;      /* loaded packages */
} result;

/* the lines of a run's output that carry counts: "- table: N row(s)", discards, and errors */
static char *count_lines(const char *out) {
  size_t n = strlen(out), len = 0;
  char *r = calloc(n + 1, 1);
  const char *p = out;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    char *one = strndup(p, l);
    if (!strncmp(one, "- ", 2) || strstr(one, "discard") || strstr(one, "rror") || strstr(one, "ontract")) {
      memcpy(r + len, p, l);
      len += l;
      r[len++] = '\n';
    }
    free(one);
    p += l + (e ? 1 : 0);
  }
  return r;
}

static void append(char **acc, const char *s) {
  size_t a = *acc ? strlen(*acc) : 0, b = strlen(s);
  *acc = realloc(*acc, a + b + 1);
  memcpy(*acc + a, s, b + 1);
}

static char *sorted_entries(const char *dir, int *count) {
  struct dirent **names = NULL;
  int n = scandir(dir, &names, NULL, alphasort);
  char *acc = strdup("");
  *count = 0;
  for (int k = 0; k < n; k++) {
    if (names[k]->d_name[0] != '.') {
      append(&acc, names[k]->d_name);
      append(&acc, "\n");
      (*count)++;
    }
    free(names[k]);
  }
  free(names);
  return acc;
}

/* rows of every table of the dataset in load order (DuckDB rowid), random ids left out */
static char *all_rows(const char *db) {
  char *acc = strdup("");
  char *tables = q(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'p_dataset' "
                       "AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\' ORDER BY table_name");
  for (char *t = strtok(tables, "\n"); t; t = strtok(NULL, "\n")) {
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns "
             "WHERE table_schema = 'p_dataset' AND table_name = '%s' AND column_name NOT IN "
             "('_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_load_id')", t);
    char *colist = q(db, sql);
    char *sel = NULL;
    if (asprintf(&sel, "SELECT %s FROM p_dataset.\"%s\" ORDER BY rowid", colist, t) < 0) sel = NULL;
    char *rows = q(db, sel);
    append(&acc, "## ");
    append(&acc, t);
    append(&acc, " (");
    append(&acc, colist);
    append(&acc, ")\n");
    append(&acc, rows);
    append(&acc, "\n");
    free(rows);
    free(sel);
    free(colist);
  }
  free(tables);
  return acc;
}

/* the environment of the runs: the sequential reference does not load while normalizing (its
 * normalize is then the plain one-thread stage); others may set a small chunk size */
static const char *run_vars = "NORMALIZE__PARALLEL_MIN_BYTES=0";

static void run_all(int workers, const char *ev, const char *other, const char *ev2, result *r) {
  memset(r, 0, sizeof *r);
  env e;
  env_new(&e);
  e.vars = run_vars;
  const char *fev = write_file(&e, "ev.jsonl", ev);
  const char *fother = write_file(&e, "other.jsonl", other);
  const char *fev2 = write_file(&e, "ev2.jsonl", ev2);
  const char *fempty = write_file(&e, "empty.jsonl", "");
  /* 1: two files (tables ev and other), evolving data */
  r->rc[0] = cdlt(&e, &r->out[0], "run '%s' '%s' --pipeline p --credentials '%s' --normalize-workers %d", fev, fother,
                  e.db, workers);
  /* 2: contracts discard values (new columns) and rows (type changes) of an existing table */
  r->rc[1] = cdlt(&e, &r->out[1],
                  "run '%s' --table ev --pipeline p --credentials '%s' --normalize-workers %d "
                  "--schema-contract '{\"columns\": \"discard_value\", \"data_type\": \"discard_row\"}'",
                  fev2, e.db, workers);
  /* 3: a replace resource that yields no rows (an empty job truncates) */
  r->rc[2] = cdlt(&e, &r->out[2], "run '%s' --table other --write-disposition replace --pipeline p --credentials '%s' "
                  "--normalize-workers %d", fempty, e.db, workers);
  /* 4: frozen columns, violated by a column that appears late: the error of the sequential stage */
  r->rc[3] = cdlt(&e, &r->out[3], "run '%s' --table ev --pipeline p --credentials '%s' --normalize-workers %d "
                  "--schema-contract '{\"columns\": \"freeze\"}'", fev2, e.db, workers);
  for (int k = 0; k < 4; k++) {
    char *c = count_lines(r->out[k]);
    free(r->out[k]);
    r->out[k] = c;
  }
  char path[1200];
  snprintf(path, sizeof path, "%s/pipelines/p/schemas/p.schema.json", e.data);
  r->schema = check_read_file(path, NULL);
  snprintf(path, sizeof path, "%s/pipelines/p/load/loaded", e.data);
  int n = 0;
  char *ids = sorted_entries(path, &n);
  r->packages = strdup("");
  bool first = true;
  for (char *id = strtok(ids, "\n"); id; id = strtok(NULL, "\n")) {
    const char *files[] = {"schema.json", "applied_schema_updates.json"};
    for (int f = 0; f < 2; f++) {
      char fp[1400];
      snprintf(fp, sizeof fp, "%s/%s/%s", path, id, files[f]);
      char *content = check_read_file(fp, NULL);
      append(&r->packages, content ? content : "(missing)");
      append(&r->packages, "\n");
      free(content);
    }
    if (first) {
      char jobs[1400];
      snprintf(jobs, sizeof jobs, "%s/%s/completed_jobs", path, id);
      int nj = 0;
      char *names = sorted_entries(jobs, &nj);
      for (char *l = strtok(names, "\n"); l; l = strtok(NULL, "\n")) r->ev_jobs += !strncmp(l, "ev.", 3);
      free(names);
      first = false;
    }
  }
  r->npackages = n;
  free(ids);
  r->rows = all_rows(e.db);
}

static void result_free(result *r) {
  for (int k = 0; k < 4; k++) free(r->out[k]);
  free(r->schema);
  free(r->packages);
  free(r->rows);
}

static void test_same_result_for_any_worker_count(void) {
  char *ev = make_events(0, NITEMS, false);
  char *other = make_other(12000);
  char *ev2 = make_events(NITEMS, NITEMS, true);
  result base;
  run_vars = "NORMALIZE__PARALLEL_MIN_BYTES=0 LOAD__OVERLAP=false";
  run_all(1, ev, other, ev2, &base);
  run_vars = "NORMALIZE__PARALLEL_MIN_BYTES=0";
  /* the sequential result itself is what dlt's normalizer makes of the data */
  CHECK_EQ_INT(base.rc[0], 0);
  CHECK_EQ_INT(base.rc[1], 0);
  CHECK_EQ_INT(base.rc[2], 0);
  CHECK(base.rc[3] != 0);
  CHECK_MSG(contains(base.out[0], "- ev: 42000 row(s)\n") && contains(base.out[0], "- other: 12000 row(s)\n") &&
                contains(base.out[0], "- ev__kids: 16800 row(s)\n") && contains(base.out[0], "- ev__tags: 21000 row(s)\n"),
            "run 1: %s", base.out[0]);
  CHECK_MSG(contains(base.out[3], "Can't add table column `new_col_0` to table `ev` because `columns` are frozen."),
            "run 4: %s", base.out[3]);
  CHECK_EQ_INT(base.ev_jobs, 1);
  CHECK(base.npackages >= 3);
  CHECK(contains(base.schema, "\"val__v_text\"") && contains(base.schema, "\"late\"") &&
        contains(base.schema, "\"ev__kids__sub__list\""));
  CHECK_MSG(contains(base.rows, "## other (k, v)\n\n"), "%s", strstr(base.rows, "## other") ? strstr(base.rows, "## other") : "no other");   /* replaced by nothing */
  CHECK_MSG(contains(base.rows, "## ev__kids__sub__list (value, _dlt_list_idx)\n0|0\n1|1\n5|0\n6|1\n10|0\n"), "%.200s",
            strstr(base.rows, "## ev__kids__sub__list") ? strstr(base.rows, "## ev__kids__sub__list") : "none");
  const int counts[] = {2, 3, 8};
  for (int k = 0; k < 3; k++) {
    result r;
    run_all(counts[k], ev, other, ev2, &r);
    for (int i = 0; i < 4; i++) {
      CHECK_EQ_INT(r.rc[i], base.rc[i]);
      CHECK_MSG(!strcmp(r.out[i], base.out[i]), "workers %d run %d:\n%s\nvs sequential:\n%s", counts[k], i + 1, r.out[i],
                base.out[i]);
    }
    CHECK_EQ_INT(r.npackages, base.npackages);
    CHECK_MSG(r.schema && base.schema && !strcmp(r.schema, base.schema), "workers %d: live schema differs", counts[k]);
    CHECK_MSG(!strcmp(r.packages, base.packages), "workers %d: package schemas differ", counts[k]);
    CHECK_MSG(!strcmp(r.rows, base.rows), "workers %d: loaded rows differ", counts[k]);
    /* the parallel stage did run: one job file per chunk (42000 items are 9 lines of typed-jsonl) */
    CHECK_MSG(r.ev_jobs == counts[k], "workers %d: %d job files of table ev", counts[k], r.ev_jobs);
    result_free(&r);
  }
  /* many more chunks than workers ([normalize] chunk_bytes: one typed-jsonl line of 5000 items per
   * chunk) when loading while normalizing, taken by the pool in order and merged in order; 1 worker
   * too (with the early loader a single worker also normalizes in chunks); and without loading
   * while normalizing (then one chunk per worker whatever chunk_bytes says) */
  const int many[] = {1, 2, 3, 2};
  const char *many_vars[] = {"NORMALIZE__PARALLEL_MIN_BYTES=0 NORMALIZE__CHUNK_BYTES=1 LOAD__OVERLAP=true",
                             "NORMALIZE__PARALLEL_MIN_BYTES=0 NORMALIZE__CHUNK_BYTES=1 LOAD__OVERLAP=true",
                             "NORMALIZE__PARALLEL_MIN_BYTES=0 NORMALIZE__CHUNK_BYTES=1 LOAD__OVERLAP=true",
                             "NORMALIZE__PARALLEL_MIN_BYTES=0 NORMALIZE__CHUNK_BYTES=1 LOAD__OVERLAP=false"};
  for (int k = 0; k < 4; k++) {
    result r;
    run_vars = many_vars[k];
    run_all(many[k], ev, other, ev2, &r);
    for (int i = 0; i < 4; i++) {
      CHECK_EQ_INT(r.rc[i], base.rc[i]);
      CHECK_MSG(!strcmp(r.out[i], base.out[i]), "many chunks, workers %d run %d:\n%s\nvs sequential:\n%s", many[k], i + 1,
                r.out[i], base.out[i]);
    }
    CHECK_EQ_INT(r.npackages, base.npackages);
    CHECK_MSG(r.schema && base.schema && !strcmp(r.schema, base.schema), "many chunks, workers %d: live schema differs", many[k]);
    CHECK_MSG(!strcmp(r.packages, base.packages), "many chunks, workers %d: package schemas differ", many[k]);
    CHECK_MSG(!strcmp(r.rows, base.rows), "many chunks, workers %d: loaded rows differ", many[k]);
    /* 42000 items are 9 lines of typed-jsonl: 9 chunks for the early loader (1 worker too); without
     * it one chunk per worker */
    int want_jobs = strstr(many_vars[k], "LOAD__OVERLAP=false") ? many[k] : 9;
    CHECK_MSG(r.ev_jobs == want_jobs, "many chunks, workers %d: %d job files of table ev", many[k], r.ev_jobs);
    result_free(&r);
  }
  run_vars = "NORMALIZE__PARALLEL_MIN_BYTES=0";
  result_free(&base);
  free(ev);
  free(other);
  free(ev2);
}

static void test_settings(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "t.jsonl", "{\"a\": 1}\n");
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline p --credentials '%s' --normalize-workers 0", f, e.db), 2);
  CHECK_MSG(contains(out, "cdlt run: --normalize-workers must be a number from 1 to 256, not '0'"), "%s", out);
  free(out);
  CHECK(cdlt_env(&e, "NORMALIZE__WORKERS=many", &out, "run '%s' --pipeline p --credentials '%s'", f, e.db) != 0);
  CHECK_MSG(contains(out, "configuration value 'normalize.workers' is not a number of workers (1 to 256): 'many'"),
            "%s", out);
  free(out);
  /* config.toml, small input (stays sequential): loads */
  char dlt[600];
  snprintf(dlt, sizeof dlt, "%s/.dlt", e.dir);
  mkdir(dlt, 0755);
  write_file(&e, ".dlt/config.toml", "[normalize]\nworkers = 4\n");
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline p --credentials '%s'", f, e.db), 0);
  free(out);
  CHECK_EQ_INT(count_rows(e.db, "p_dataset", "t"), 1);
}

/* a crash after the workers wrote their jobs leaves the extracted package to redo */
static void test_crash_redone(void) {
  env e;
  env_new(&e);
  e.vars = "NORMALIZE__PARALLEL_MIN_BYTES=0";
  char *ev = make_events(0, 26000, false);
  const char *f = write_file(&e, "ev.jsonl", ev);
  free(ev);
  char *out = NULL;
  int rc = cdlt_env(&e, "CDLT_FAULT_POINT=normalize.before_live_schema", &out,
                    "run '%s' --pipeline p --write-disposition replace --credentials '%s' --normalize-workers 3", f, e.db);
  CHECK(rc != 0);
  free(out);
  CHECK(!table_exists(e.db, "p_dataset", "ev"));
  rc = cdlt(&e, &out, "run '%s' --pipeline p --write-disposition replace --credentials '%s' --normalize-workers 3", f, e.db);
  CHECK_EQ_INT(rc, 0);
  free(out);
  CHECK_EQ_INT(count_rows(e.db, "p_dataset", "ev"), 26000);
  CHECK_EQ_INT(count_rows(e.db, "p_dataset", "ev__kids"), 10400);
  CHECK_Q(e.db, "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM p_dataset.ev", "26000|26000|0|25999");
}

int main(void) {
  test_settings();
  test_same_result_for_any_worker_count();
  test_crash_redone();
  return check_finish();
}
