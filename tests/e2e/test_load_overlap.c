/* test_load_overlap.c — loading a package while it is normalized ([load] overlap, src/load/load_early.c)
 * gives exactly the serial result. Every scenario runs the same commands twice, in two fresh pipeline
 * directories: once with LOAD__OVERLAP=false (the serial stages) and once with overlap on; both
 * normalize on 2 workers in chunks of one typed-jsonl line (NORMALIZE__CHUNK_BYTES=1: 5000 items per
 * chunk, 6 chunks for 30000 items), so the early loader gets many chunks. Compared: every table of
 * the dataset (dlt's own included) with its columns (name, type, nullability, in order) and its rows
 * in load order (random ids, load ids and times left out), and the load info / error output. The
 * trace shows whether the load began while normalize still ran (it must for the overlap run, and
 * must not for a serial one). Real DuckDB files and the real PostgreSQL test server; evolving schemas
 * (a new column, a new child table, a variant column, each first seen in a later chunk), a value the
 * destination rejects in a later chunk, a contract violation in a later chunk (normalize fails: the
 * destination is untouched), crashes (a kill inside the early load and after the normalize commit:
 * the next run loads the package exactly once), an injected early-load error (the serial load takes
 * over), and replace / merge (serial path). */
#define _GNU_SOURCE
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "e2e.h"
#include "pg_query.h"
#include "pg_server.h"

#define NITEMS 30000
#define COMMON "NORMALIZE__PARALLEL_MIN_BYTES=0 NORMALIZE__CHUNK_BYTES=1 NORMALIZE__WORKERS=2"
#define AMOUNT_HINT "--columns '{\"amount\": {\"data_type\": \"decimal\", \"precision\": 5, \"scale\": 0}}'"

static pg_server *srv;
static PGconn *pg;

/* --------------------------------------------------------------------------- data */

typedef struct shape {
  int first, n;
  int extra_from;   /* a new column `extra` from this item on (-1: never) */
  int tags_from;    /* a new child table ev__tags from this item on (-1: never) */
  int bad_at;       /* an amount the destination rejects at this item (-1: none) */
  int frozen_from;  /* a column `unfrozen` from this item on (-1: never) */
} shape;

/* items whose schema evolves chunk after chunk (5000 items a chunk): `late` from item 12000,
 * `score` null until 15000 then a double, child table ev__kids from 17000, `val` a variant (text)
 * from 22000; plus what s asks for */
static char *make_events(const shape *s) {
  size_t cap = (size_t)s->n * 300 + 1, len = 0;
  char *out = malloc(cap);
  for (int i = s->first; i < s->first + s->n; i++) {
    char line[1024];
    int o = snprintf(line, sizeof line, "{\"id\": %d, \"name\": \"n%d\", \"amount\": %d", i, i,
                     i == s->bad_at ? 1234567 : i % 1000);
    if (i >= 22000 && i % 5 == 0) o += snprintf(line + o, sizeof line - o, ", \"val\": \"s%d\"", i);
    else o += snprintf(line + o, sizeof line - o, ", \"val\": %d", i);
    if (i >= 12000) o += snprintf(line + o, sizeof line - o, ", \"late\": %s", i % 2 ? "true" : "false");
    if (i >= 15000) o += snprintf(line + o, sizeof line - o, ", \"score\": %d.5", i);
    else o += snprintf(line + o, sizeof line - o, ", \"score\": null");
    if (i >= 17000 && i % 4 == 0) o += snprintf(line + o, sizeof line - o, ", \"kids\": [{\"k\": %d}, {\"k\": %d}]", i, i + 1);
    if (s->extra_from >= 0 && i >= s->extra_from) o += snprintf(line + o, sizeof line - o, ", \"extra\": \"x%d\"", i);
    if (s->tags_from >= 0 && i >= s->tags_from && i % 3 == 0)
      o += snprintf(line + o, sizeof line - o, ", \"tags\": [\"a%d\", \"b\"]", i);
    if (s->frozen_from >= 0 && i >= s->frozen_from) o += snprintf(line + o, sizeof line - o, ", \"unfrozen\": 1");
    o += snprintf(line + o, sizeof line - o, "}\n");
    memcpy(out + len, line, (size_t)o);
    len += (size_t)o;
  }
  out[len] = 0;
  return out;
}

static const shape BASE = {0, NITEMS, -1, -1, -1, -1};

/* --------------------------------------------------------------------------- helpers */

static void append(char **acc, const char *s) {
  size_t a = *acc ? strlen(*acc) : 0, b = strlen(s);
  *acc = realloc(*acc, a + b + 1);
  memcpy(*acc + a, s, b + 1);
}

/* random parts of an output replaced: 10-hex-digit file ids, load ids (digits.digits), paths */
static char *scrub(const char *out) {
  char *r = strdup(out ? out : "");
  size_t w = 0;
  for (size_t i = 0; r[i];) {
    size_t h = 0;
    while (r[i + h] && strchr("0123456789abcdef", r[i + h])) h++;
    if (h == 10 && (i == 0 || r[i - 1] == '.') && r[i + h] == '.') {
      memcpy(r + w, "<fid>", 5);
      w += 5;
      i += h;
      continue;
    }
    size_t d = 0;
    while (r[i + d] >= '0' && r[i + d] <= '9') d++;
    if (d == 10 && r[i + d] == '.' && r[i + d + 1] >= '0' && r[i + d + 1] <= '9') {
      i += d + 1;
      while (r[i] >= '0' && r[i] <= '9') i++;
      memcpy(r + w, "<lid>", 5);
      w += 5;
      continue;
    }
    if (!strncmp(r + i, "/tmp/", 5)) {   /* a temp dir: up to the pipelines folder */
      const char *pd = strstr(r + i, "/pipelines/");
      if (pd && !memchr(r + i, ' ', (size_t)(pd - (r + i)))) {
        memcpy(r + w, "<dir>", 5);
        w += 5;
        i = (size_t)(pd - r);
        continue;
      }
    }
    r[w++] = r[i++];
  }
  r[w] = 0;
  return r;
}

/* lines of the output that carry counts, messages and errors (not times or locations) */
static char *info_lines(const char *out) {
  char *s = scrub(out), *acc = strdup("");
  for (char *l = strtok(s, "\n"); l; l = strtok(NULL, "\n"))
    if (!strncmp(l, "- ", 2) || strstr(l, "rror") || strstr(l, "cannot") || strstr(l, "load package") ||
        strstr(l, "is LOADED") || strstr(l, "ontract")) {
      append(&acc, l);
      append(&acc, "\n");
    }
  free(s);
  return acc;
}

/* "<step>": its started_at / finished_at in the pipeline's trace.json ("" if absent), malloc'd */
static char *trace_time(const env *e, const char *step, const char *key) {
  char path[1200];
  snprintf(path, sizeof path, "%s/pipelines/p/trace.json", e->data);
  char *t = check_read_file(path, NULL);
  char want[64];
  snprintf(want, sizeof want, "\"step\": \"%s\"", step);
  const char *s = t ? strstr(t, want) : NULL;
  char k[64];
  snprintf(k, sizeof k, "\"%s\": \"", key);
  const char *v = s ? strstr(s, k) : NULL;
  char *r = v ? strndup(v + strlen(k), strcspn(v + strlen(k), "\"")) : strdup("");
  free(t);
  return r;
}

/* the load began before normalize ended (timestamps in one ISO form: strings compare as times) */
static bool overlapped(const env *e) {
  char *ls = trace_time(e, "load", "started_at"), *ne = trace_time(e, "normalize", "finished_at");
  bool r = *ls && *ne && strcmp(ls, ne) < 0;
  if (!*ls || !*ne) fprintf(stderr, "trace has no load/normalize step\n");
  free(ls);
  free(ne);
  return r;
}

typedef enum { DUCK, PG } dest_kind;

typedef struct side {
  env e;
  const char *ds;   /* the dataset */
  dest_kind kind;
} side;

static void side_new(side *s, dest_kind kind, const char *ds, bool overlap) {
  env_new(&s->e);
  s->e.vars = overlap ? COMMON " LOAD__OVERLAP=true" : COMMON " LOAD__OVERLAP=false";
  s->ds = ds;
  s->kind = kind;
}

static char *run_side(side *s, const char *envs, int *rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static char *run_side(side *s, const char *envs, int *rc, const char *fmt, ...) {
  char args[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  char *out = NULL;
  if (s->kind == DUCK)
    *rc = cdlt_env(&s->e, envs, &out, "run %s --pipeline p --dataset %s --credentials '%s'", args, s->ds, s->e.db);
  else
    *rc = cdlt_env(&s->e, envs, &out, "run %s --pipeline p --dataset %s --destination postgres --credentials '%s'", args,
                   s->ds, pg_server_url(srv));
  CHECK_MSG(!contains(out, PG_SERVER_PASSWORD), "the password appears in the output");
  /* the dataset name as <ds>: the two sides of a PostgreSQL comparison load different datasets */
  char *acc = strdup("");
  size_t dl = strlen(s->ds);
  for (const char *p = out, *hit; *p; p = hit + dl) {
    hit = strstr(p, s->ds);
    if (!hit) {
      append(&acc, p);
      break;
    }
    char *part = strndup(p, (size_t)(hit - p));
    append(&acc, part);
    append(&acc, "<ds>");
    free(part);
  }
  free(out);
  return acc;
}

static char *sq(const side *s, const char *sql) { return s->kind == DUCK ? q(s->e.db, sql) : pg_query(pg, sql); }

/* every table of the dataset: columns in order, then rows in load order without random values */
static char *dump(const side *s) {
  char sql[2048];
  snprintf(sql, sizeof sql,
           "SELECT table_name FROM information_schema.tables WHERE table_schema = '%s' ORDER BY table_name", s->ds);
  char *tables = sq(s, sql), *acc = strdup("");
  if (!strncmp(tables, "ERROR", 5)) {
    append(&acc, tables);
    free(tables);
    return acc;
  }
  for (char *t = strtok(tables, "\n"); t; t = strtok(NULL, "\n")) {
    snprintf(sql, sizeof sql,
             "SELECT column_name || ' ' || data_type || ' ' || is_nullable FROM information_schema.columns "
             "WHERE table_schema = '%s' AND table_name = '%s' ORDER BY ordinal_position", s->ds, t);
    char *colinfo = sq(s, sql);
    const char *skip = !strcmp(t, "_dlt_pipeline_state") ? "'state', 'version_hash', " : "";
    snprintf(sql, sizeof sql,
             "SELECT string_agg('\"' || column_name || '\"', ', ' ORDER BY ordinal_position) FROM information_schema.columns "
             "WHERE table_schema = '%s' AND table_name = '%s' AND column_name NOT IN (%s'_dlt_id', '_dlt_parent_id', "
             "'_dlt_root_id', '_dlt_load_id', 'load_id', 'inserted_at', 'created_at')", s->ds, t, skip);
    char *colist = sq(s, sql);
    /* DuckDB: insertion order; PostgreSQL: the physical order of a table only ever appended to */
    snprintf(sql, sizeof sql, "SELECT %s FROM \"%s\".\"%s\" ORDER BY %s", colist, s->ds, t,
             s->kind == DUCK ? "rowid" : "ctid");
    char *rows = sq(s, sql);
    append(&acc, "## ");
    append(&acc, t);
    append(&acc, "\n");
    append(&acc, colinfo);
    append(&acc, "\n--\n");
    append(&acc, rows);
    append(&acc, "\n");
    free(rows);
    free(colist);
    free(colinfo);
  }
  free(tables);
  return acc;
}

/* s (freed) with "line 17002" -> "line <n>" */
static char *mask_line_numbers(char *s) {
  char *r = malloc(strlen(s) * 2 + 1);   /* "line 1" (6 bytes) becomes 8 */
  size_t w = 0;
  for (size_t i = 0; s[i];) {
    if (!strncmp(s + i, "line ", 5) && s[i + 5] >= '0' && s[i + 5] <= '9') {
      memcpy(r + w, "line <n>", 8);
      w += 8;
      i += 5;
      while (s[i] >= '0' && s[i] <= '9') i++;
      continue;
    }
    r[w++] = s[i++];
  }
  r[w] = 0;
  free(s);
  return r;
}

/* CHECK that two dumps are equal, printing the first difference */
static void check_same(const char *what, const char *a, const char *b) {
  if (!strcmp(a, b)) {
    CHECK(1);
    return;
  }
  size_t i = 0;
  while (a[i] && a[i] == b[i]) i++;
  size_t from = i > 200 ? i - 200 : 0;
  CHECK_MSG(0, "%s: overlap and serial differ at byte %zu:\n--- serial:\n%.400s\n--- overlap:\n%.400s", what, i, a + from,
            b + from);
}

static long side_count(const side *s, const char *table) {
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\".\"%s\"", s->ds, table);
  char *r = sq(s, sql);
  long n = r && strncmp(r, "ERROR", 5) ? strtol(r, NULL, 10) : -1;
  free(r);
  return n;
}

static char *data_file(const side *s, const char *name, const shape *sh) {
  char *d = make_events(sh);
  const char *f = write_file(&s->e, name, d);
  free(d);
  return strdup(f);
}

/* --------------------------------------------------------------------------- scenarios */

/* two runs (a new dataset, then new columns and a new child table into existing tables): the
 * overlap run loads early and ends with exactly the serial dataset */
static void same_as_serial(dest_kind kind, const char *ds_ser, const char *ds_ovl) {
  side ser, ovl;
  side_new(&ser, kind, ds_ser, false);
  side_new(&ovl, kind, ds_ovl, true);
  shape two = {NITEMS, NITEMS, 12000 + NITEMS, 16000 + NITEMS, -1, -1};
  side *sides[2] = {&ser, &ovl};
  char *out[2][2];
  int rc[2][2];
  for (int k = 0; k < 2; k++) {
    char *f1 = data_file(sides[k], "ev1.jsonl", &BASE), *f2 = data_file(sides[k], "ev2.jsonl", &two);
    out[k][0] = run_side(sides[k], NULL, &rc[k][0], "'%s' --table ev " AMOUNT_HINT, f1);
    CHECK_MSG(rc[k][0] == 0, "run 1 (%s): %s", k ? "overlap" : "serial", out[k][0]);
    CHECK_MSG(overlapped(&sides[k]->e) == (k == 1), "run 1 (%s): the load %s while normalize ran", k ? "overlap" : "serial",
              k ? "did not begin" : "began");
    out[k][1] = run_side(sides[k], NULL, &rc[k][1], "'%s' --table ev", f2);
    CHECK_MSG(rc[k][1] == 0, "run 2 (%s): %s", k ? "overlap" : "serial", out[k][1]);
    CHECK_MSG(overlapped(&sides[k]->e) == (k == 1), "run 2 (%s): overlap as expected", k ? "overlap" : "serial");
    free(f1);
    free(f2);
  }
  for (int r = 0; r < 2; r++) {
    char *a = info_lines(out[0][r]), *b = info_lines(out[1][r]);
    check_same("load info", a, b);
    free(a);
    free(b);
  }
  CHECK_MSG(contains(out[1][0], "- ev: 30000 row(s)") && contains(out[1][0], "- ev__kids: 6500 row(s)"), "%s", out[1][0]);
  CHECK_MSG(contains(out[1][1], "- ev__tags: 9332 row(s)"), "%s", out[1][1]);
  char *a = dump(&ser), *b = dump(&ovl);
  check_same("dataset", a, b);
  /* what the data is (the serial dataset is dlt's result for it) */
  CHECK_EQ_INT(side_count(&ovl, "ev"), 2 * NITEMS);
  CHECK_EQ_INT(side_count(&ovl, "ev__kids"), 6500 + 15000);
  CHECK_EQ_INT(side_count(&ovl, "_dlt_loads"), 2);
  CHECK_EQ_INT(side_count(&ovl, "_dlt_version"), 2);
  CHECK_MSG(contains(b, "\nval__v_text ") && contains(b, "\nlate ") && contains(b, "\nextra ") && contains(b, "## ev__tags\n"),
            "%.2000s", b);
  if (kind == DUCK)
    CHECK_Q(ovl.e.db, "SELECT count(*), count(DISTINCT id), min(id), max(id), count(late), count(score), count(extra) "
                      "FROM ds_ovl.ev", "60000|60000|0|59999|48000|45000|18000");
  free(a);
  free(b);
  for (int k = 0; k < 2; k++)
    for (int r = 0; r < 2; r++) free(out[k][r]);
}

/* a value the destination rejects, in chunk 3 of the second package: the early load fails, the
 * serial load reports what the serial run reports, nothing of the package is committed */
static void bad_value(dest_kind kind, const char *ds_ser, const char *ds_ovl) {
  side ser, ovl;
  side_new(&ser, kind, ds_ser, false);
  side_new(&ovl, kind, ds_ovl, true);
  shape bad = {NITEMS, NITEMS, -1, -1, NITEMS + 17001, -1};
  side *sides[2] = {&ser, &ovl};
  char *before[2], *out[2];
  int rc;
  for (int k = 0; k < 2; k++) {
    char *f1 = data_file(sides[k], "ev1.jsonl", &BASE), *f2 = data_file(sides[k], "bad.jsonl", &bad);
    char *o = run_side(sides[k], NULL, &rc, "'%s' --table ev " AMOUNT_HINT, f1);
    CHECK_MSG(rc == 0, "%s", o);
    free(o);
    before[k] = dump(sides[k]);
    out[k] = run_side(sides[k], NULL, &rc, "'%s' --table ev", f2);
    CHECK_MSG(rc != 0, "the bad value loaded: %s", out[k]);
    /* the early loader gave up; the serial load ran after normalize and failed */
    CHECK_MSG(!overlapped(&sides[k]->e), "%s: the failed load is reported as the serial one", k ? "overlap" : "serial");
    char *after = dump(sides[k]);
    check_same("nothing committed", before[k], after);
    free(after);
    free(f1);
    free(f2);
  }
  char *a = info_lines(out[0]), *b = info_lines(out[1]);
  /* the same error, but at another line of its job file: the overlapped package was normalized in
   * chunks of NORMALIZE__CHUNK_BYTES, the serial one in one chunk per worker */
  a = mask_line_numbers(a);
  b = mask_line_numbers(b);
  check_same("error output", a, b);
  CHECK_MSG(contains(b, "cannot load job 'ev.<fid>.0.jsonl' into table 'ev'"), "%s", b);
  CHECK_MSG(contains(b, "[COPY ev, line <n>, column amount: \"1234567\"]") || kind != PG, "%s", b);
  check_same("dataset before the failure", before[0], before[1]);
  free(a);
  free(b);
  for (int k = 0; k < 2; k++) {
    free(before[k]);
    free(out[k]);
  }
}

/* frozen columns violated in chunk 4: normalize fails after the early loader got chunks 0-3; the
 * destination is exactly as before, the error is the serial one */
static void normalize_failure(dest_kind kind, const char *ds_ser, const char *ds_ovl) {
  side ser, ovl;
  side_new(&ser, kind, ds_ser, false);
  side_new(&ovl, kind, ds_ovl, true);
  shape frozen = {NITEMS, NITEMS, -1, -1, -1, NITEMS + 21000};
  side *sides[2] = {&ser, &ovl};
  char *out[2];
  int rc;
  for (int k = 0; k < 2; k++) {
    char *f1 = data_file(sides[k], "ev1.jsonl", &BASE), *f2 = data_file(sides[k], "frozen.jsonl", &frozen);
    char *o = run_side(sides[k], NULL, &rc, "'%s' --table ev " AMOUNT_HINT, f1);
    CHECK_MSG(rc == 0, "%s", o);
    free(o);
    char *before = dump(sides[k]);
    out[k] = run_side(sides[k], NULL, &rc, "'%s' --table ev --schema-contract '{\"columns\": \"freeze\"}'", f2);
    CHECK_MSG(rc != 0, "the frozen column was added: %s", out[k]);
    char *after = dump(sides[k]);
    check_same("destination untouched by a failed normalize", before, after);
    free(before);
    free(after);
    free(f1);
    free(f2);
  }
  char *a = info_lines(out[0]), *b = info_lines(out[1]);
  check_same("error output", a, b);
  CHECK_MSG(contains(b, "Can't add table column `unfrozen` to table `ev` because `columns` are frozen."), "%s", b);
  free(a);
  free(b);
  if (kind == PG) {
    /* the early loader did load the chunks before the failure, in a transaction that was rolled back */
    char *log = check_read_file(pg_server_log_path(srv), NULL);
    char copy[128];
    snprintf(copy, sizeof copy, "COPY \"%s\".\"ev\" ", ds_ovl);
    const char *c = log ? strstr(log, copy) : NULL;
    CHECK_MSG(c != NULL, "no COPY into %s.ev in the server log", ds_ovl);
    free(log);
  }
  for (int k = 0; k < 2; k++) free(out[k]);
}

/* crashes: a kill in the middle of the early load (normalize not committed), then a kill after the
 * normalize commit before the destination's; each next run ends with the package loaded once */
static void crashes(dest_kind kind, const char *ds_ser, const char *ds_ovl) {
  side ser, ovl;
  side_new(&ser, kind, ds_ser, false);
  side_new(&ovl, kind, ds_ovl, true);
  char *f = data_file(&ovl, "ev1.jsonl", &BASE), *fs = data_file(&ser, "ev1.jsonl", &BASE);
  int rc;
  char *o = run_side(&ser, NULL, &rc, "'%s' --table ev " AMOUNT_HINT, fs);
  CHECK_MSG(rc == 0, "%s", o);
  free(o);
  /* the third early job: the early loader really loaded while normalize ran */
  o = run_side(&ovl, "CDLT_FAULT_POINT=load.early_job CDLT_FAULT_HIT=3", &rc, "'%s' --table ev " AMOUNT_HINT, f);
  CHECK_MSG(rc != 0, "no kill inside the early load: %s", o);
  free(o);
  CHECK_EQ_INT(side_count(&ovl, "ev"), -1);   /* no table: nothing was committed */
  /* again, killed after normalize committed the package, before the destination commit */
  o = run_side(&ovl, "CDLT_FAULT_POINT=load.before_commit", &rc, "'%s' --table ev " AMOUNT_HINT, f);
  CHECK_MSG(rc != 0, "no kill before the commit: %s", o);
  free(o);
  CHECK_EQ_INT(side_count(&ovl, "ev"), -1);
  char path[1200];
  snprintf(path, sizeof path, "%s/pipelines/p/load/normalized", ovl.e.data);
  char *pending = list_dir(path);
  CHECK_MSG(pending && *pending && !strchr(pending, '\n'), "one normalized package waits: '%s'", pending ? pending : "");
  free(pending);
  /* the next run finishes the pending package: loaded exactly once */
  o = run_side(&ovl, NULL, &rc, "'%s' --table ev " AMOUNT_HINT, f);
  CHECK_MSG(rc == 0, "%s", o);
  free(o);
  CHECK_EQ_INT(side_count(&ovl, "ev"), NITEMS);
  CHECK_EQ_INT(side_count(&ovl, "_dlt_loads"), 1);
  char *a = dump(&ser), *b = dump(&ovl);
  check_same("dataset after the crashes", a, b);
  free(a);
  free(b);
  free(f);
  free(fs);
}

/* an injected error in the early load (second job): it rolls back, the serial load does it all */
static void injected_early_error(void) {
  side ser, ovl;
  side_new(&ser, DUCK, "ds_ser", false);
  side_new(&ovl, DUCK, "ds_ovl", true);
  side *sides[2] = {&ser, &ovl};
  char *out[2];
  int rc;
  for (int k = 0; k < 2; k++) {
    char *f = data_file(sides[k], "ev1.jsonl", &BASE);
    out[k] = run_side(sides[k], "CDLT_FAULT_POINT=load.early_job CDLT_FAULT_MODE=error CDLT_FAULT_HIT=2", &rc,
                      "'%s' --table ev " AMOUNT_HINT, f);
    CHECK_MSG(rc == 0, "%s", out[k]);
    CHECK(!overlapped(&sides[k]->e));
    free(f);
  }
  char *a = dump(&ser), *b = dump(&ovl), *ia = info_lines(out[0]), *ib = info_lines(out[1]);
  check_same("dataset", a, b);
  check_same("load info", ia, ib);
  CHECK_EQ_INT(side_count(&ovl, "ev"), NITEMS);
  free(a);
  free(b);
  free(ia);
  free(ib);
  free(out[0]);
  free(out[1]);
}

/* replace and merge packages keep the serial path */
/* A failed FIRST run into a DuckDB file that does not exist yet leaves the same files as the serial
 * run: a normalize failure (frozen columns: `late` is new in chunk 2, after the early loader got
 * chunks 0-1 and had opened — created — the database) leaves no database file (the serial run never opens
 * the destination); a value the destination rejects (chunk 4) leaves one on both sides (the serial
 * load opened it). */
static void first_run_failures(void) {
  shape bad = {0, NITEMS, -1, -1, 21000, -1};
  for (int k = 0; k < 2; k++) {
    side s;
    side_new(&s, DUCK, "ds", k == 1);
    char *f = data_file(&s, "frozen.jsonl", &BASE);
    int rc;
    char *out = run_side(&s, NULL, &rc, "'%s' --table ev --schema-contract '{\"columns\": \"freeze\"}'", f);
    CHECK_MSG(rc != 0 && contains(out, "Can't add table column `late` to table `ev` because `columns` are frozen."),
              "%s", out);
    char wal[700];
    snprintf(wal, sizeof wal, "%s.wal", s.e.db);
    CHECK_MSG(!file_exists(s.e.db) && !file_exists(wal), "overlap %d: a failed normalize left the database file '%s'",
              k, s.e.db);
    free(out);
    free(f);
    side b;
    side_new(&b, DUCK, "ds", k == 1);
    f = data_file(&b, "bad.jsonl", &bad);
    out = run_side(&b, NULL, &rc, "'%s' --table ev " AMOUNT_HINT, f);
    CHECK_MSG(rc != 0 && contains(out, "1234567"), "%s", out);
    CHECK_MSG(file_exists(b.e.db), "overlap %d: a failed load left no database file", k);
    CHECK(!table_exists(b.e.db, "ds", "ev"));
    free(out);
    free(f);
  }
}

static void replace_and_merge(void) {
  const char *how[2] = {"--write-disposition replace", "--write-disposition merge --primary-key id"};
  for (int h = 0; h < 2; h++) {
    side ovl;
    side_new(&ovl, DUCK, "ds_ovl", true);
    char *f = data_file(&ovl, "ev1.jsonl", &BASE);
    int rc;
    for (int r = 0; r < 2; r++) {
      char *o = run_side(&ovl, NULL, &rc, "'%s' --table ev %s", f, how[h]);
      CHECK_MSG(rc == 0, "%s", o);
      free(o);
      CHECK_MSG(!overlapped(&ovl.e), "%s: loaded while normalizing", how[h]);
    }
    CHECK_EQ_INT(side_count(&ovl, "ev"), NITEMS);
    CHECK_EQ_INT(side_count(&ovl, "ev__kids"), 6500);
    CHECK_EQ_INT(side_count(&ovl, "_dlt_loads"), 2);
    free(f);
  }
}

int main(void) {
  same_as_serial(DUCK, "ds_ser", "ds_ovl");
  bad_value(DUCK, "ds_ser", "ds_ovl");
  normalize_failure(DUCK, "ds_ser", "ds_ovl");
  first_run_failures();
  crashes(DUCK, "ds_ser", "ds_ovl");
  injected_early_error();
  replace_and_merge();

  char why[2048];
  if (pg_server_start(&srv, why, sizeof why)) {
    CHECK_MSG(0, "cannot start the test PostgreSQL server: %s", why);
    return check_finish();
  }
  pg = pg_test_connect(srv);
  same_as_serial(PG, "pq_ser", "pq_ovl");
  bad_value(PG, "pgb_ser", "pgb_ovl");
  normalize_failure(PG, "pgn_ser", "pgn_ovl");
  crashes(PG, "pgc_ser", "pgc_ovl");
  PQfinish(pg);
  pg_server_destroy(srv);
  return check_finish();
}
