/* test_filesystem.c — end-to-end tests of the filesystem destination through the cdlt binary:
 * `cdlt run --destination filesystem` into a bucket folder of a fresh temp dir, then the files are
 * checked by name and content (zlib for .gz, DuckDB for parquet/csv) and through `cdlt sql`.
 * Names and contents follow dlt's filesystem destination (filesystem.py, path_utils.py). */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include "cdlt/cdlt.h"

#include "check.h"
#include "e2e.h"

/* every file under dir, relative, sorted, one per line */
static void walk(const char *root, const char *rel, char ***names, size_t *n) {
  char path[2048];
  snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
  DIR *d = opendir(path);
  if (!d) return;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    char sub[2048], full[4096];
    snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
    snprintf(full, sizeof full, "%s/%s", root, sub);
    struct stat st;
    if (stat(full, &st) == 0 && S_ISDIR(st.st_mode)) walk(root, sub, names, n);
    else {
      *names = realloc(*names, (*n + 1) * sizeof **names);
      (*names)[(*n)++] = strdup(sub);
    }
  }
  closedir(d);
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static char *list_files(const char *root) {
  char **names = NULL;
  size_t n = 0;
  walk(root, "", &names, &n);
  qsort(names, n, sizeof *names, cmp_str);
  size_t len = 1;
  for (size_t k = 0; k < n; k++) len += strlen(names[k]) + 1;
  char *out = calloc(1, len);
  for (size_t k = 0; k < n; k++) {
    strcat(out, names[k]);
    if (k + 1 < n) strcat(out, "\n");
    free(names[k]);
  }
  free(names);
  return out;
}

/* whole content of a plain or gzip file */
static char *read_any(const char *path) {
  gzFile f = gzopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  int n;
  while ((n = gzread(f, buf + len, (unsigned)(cap - len - 1))) > 0) {
    len += (size_t)n;
    if (cap - len < 2) buf = realloc(buf, cap *= 2);
  }
  gzclose(f);
  buf[len] = 0;
  return buf;
}

static bool is_gzip(const char *path) {
  FILE *f = fopen(path, "rb");
  unsigned char m[2] = {0, 0};
  if (f) {
    if (fread(m, 1, 2, f) != 2) m[0] = 0;
    fclose(f);
  }
  return m[0] == 0x1f && m[1] == 0x8b;
}

/* the only line of `listing` that starts with prefix (static copy), or "" */
static const char *line_with(const char *listing, const char *prefix) {
  static char out[1024];
  out[0] = 0;
  for (const char *l = listing; l && *l;) {
    const char *nl = strchr(l, '\n');
    size_t n = nl ? (size_t)(nl - l) : strlen(l);
    if (!strncmp(l, prefix, strlen(prefix)) && n < sizeof out) {
      memcpy(out, l, n);
      out[n] = 0;
      return out;
    }
    l = nl ? nl + 1 : NULL;
  }
  return out;
}

static int count_lines_with(const char *listing, const char *prefix) {
  int n = 0;
  for (const char *l = listing; l && *l;) {
    if (!strncmp(l, prefix, strlen(prefix))) n++;
    const char *nl = strchr(l, '\n');
    l = nl ? nl + 1 : NULL;
  }
  return n;
}

/* DuckDB (in memory, through the library's destination) as "a|b\nc|d" */
static char *duck(const char *sql) { return q(":memory:", sql); }

#define CHECK_DUCK(sql, expected)                                                                          \
  do {                                                                                                     \
    char *got_ = duck(sql);                                                                                \
    CHECK_MSG(got_ && !strcmp(got_, expected), "%s\n  got:      %s\n  expected: %s", sql, got_, expected); \
    free(got_);                                                                                            \
  } while (0)

/* the load id in a table file name "<dir>/<load_id>.<file_id>.<ext>" (static copy) */
static const char *load_id_of(const char *rel) {
  static char id[64];
  const char *base = strrchr(rel, '/');
  base = base ? base + 1 : rel;
  const char *dot = strchr(base, '.');
  dot = dot ? strchr(dot + 1, '.') : NULL;   /* load ids have one dot */
  size_t n = dot ? (size_t)(dot - base) : 0;
  snprintf(id, sizeof id, "%.*s", (int)n, base);
  return id;
}

static const char users1[] =
    "{\"id\": 1, \"name\": \"Alice\", \"ts\": \"2024-01-01T12:00:00+02:00\", \"ok\": true, \"score\": 1.5,"
    " \"pets\": [{\"name\": \"Rex\"}, {\"name\": \"Tom\"}]}\n"
    "{\"id\": 2, \"name\": \"Bob\", \"ts\": \"2024-02-01T08:00:00Z\", \"ok\": false}\n";

/* ---------------------------------------------------------------- default layout, dlt's files */

static void test_default_layout_and_dlt_files(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "users.jsonl", users1);
  char *out = NULL;
  int rc = cdlt(&e, &out, "run '%s' --pipeline fsp --destination filesystem --credentials 'file://%s'", f, e.bucket);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(contains(out, "1 load package(s) were loaded to destination filesystem and into dataset fsp_dataset"), "%s", out);
  free(out);

  char root[1024];
  snprintf(root, sizeof root, "%s/fsp_dataset", e.bucket);
  char *files = list_files(root);
  /* init, 1 loads file, 1 state file, 1 schema version, one data file per table */
  CHECK_EQ_INT(count_lines_with(files, ""), 6);
  char path[2048];
  snprintf(path, sizeof path, "%s/init", root);
  char *init = read_any(path);
  CHECK_EQ_STR(init, "{\"initial_version\":2,\"current_version\":2}");
  free(init);

  const char *users_file = line_with(files, "users/");
  char users_rel[1024];
  snprintf(users_rel, sizeof users_rel, "%s", users_file);
  char load_id[64];
  snprintf(load_id, sizeof load_id, "%s", load_id_of(users_rel));
  CHECK_MSG(strlen(load_id) > 10 && strchr(load_id, '.'), "load id from %s", users_rel);
  /* users/<load_id>.<10 hex>.jsonl.gz — gzip by default */
  char fid[64] = "";
  sscanf(users_rel + strlen("users/") + strlen(load_id) + 1, "%10[0-9a-f]", fid);
  CHECK_EQ_INT(strlen(fid), 10);
  char expect[1024];
  snprintf(expect, sizeof expect, "users/%s.%s.jsonl.gz", load_id, fid);
  CHECK_EQ_STR(users_rel, expect);
  snprintf(path, sizeof path, "%s/%s", root, users_rel);
  CHECK(is_gzip(path));
  char *content = read_any(path);
  /* the loader's jsonl rows: UTC timestamps, missing keys absent */
  CHECK_MSG(contains(content, "{\"id\":1,\"name\":\"Alice\",\"ts\":\"2024-01-01T10:00:00+00:00\",\"ok\":true,\"score\":1.5,"
                              "\"_dlt_load_id\":\"") &&
                contains(content, "{\"id\":2,\"name\":\"Bob\",\"ts\":\"2024-02-01T08:00:00+00:00\",\"ok\":false,"
                                  "\"_dlt_load_id\":\""),
            "%s", content);
  free(content);
  CHECK_EQ_INT(count_lines_with(files, "users__pets/"), 1);

  /* _dlt_loads/<schema>__<load_id>.jsonl */
  snprintf(expect, sizeof expect, "_dlt_loads/fsp__%s.jsonl", load_id);
  CHECK_EQ_STR(line_with(files, "_dlt_loads/"), expect);
  snprintf(path, sizeof path, "%s/%s", root, expect);
  char *loads = read_any(path);
  snprintf(expect, sizeof expect, "{\"load_id\":\"%s\",\"schema_name\":\"fsp\",\"status\":0,\"inserted_at\":\"", load_id);
  CHECK_MSG(loads && !strncmp(loads, expect, strlen(expect)), "%s", loads ? loads : "(missing)");

  /* the schema hash: _dlt_version/<schema>__<time>__<hex(hash)>.jsonl, and the same hash in _dlt_loads */
  snprintf(path, sizeof path,
           "SELECT lower(to_hex(from_base64(version_hash))), schema_name, version, engine_version, "
           "json_extract_string(schema, '$.name'), json_extract_string(schema, '$.version_hash') = version_hash "
           "FROM read_json('%s/_dlt_version/*.jsonl', columns={version_hash: 'VARCHAR', schema_name: 'VARCHAR', "
           "version: 'BIGINT', engine_version: 'BIGINT', inserted_at: 'VARCHAR', schema: 'VARCHAR'})",
           root);
  char *ver = duck(path);
  char hex[128] = "";
  sscanf(ver ? ver : "", "%64[0-9a-f]", hex);
  CHECK_EQ_INT(strlen(hex), 64);
  snprintf(expect, sizeof expect, "%s|fsp|2|11|fsp|true", hex);
  CHECK_EQ_STR(ver, expect);
  free(ver);
  const char *vfile = line_with(files, "_dlt_version/");
  CHECK_MSG(!strncmp(vfile, "_dlt_version/fsp__", 18), "%s", vfile);
  snprintf(expect, sizeof expect, "__%s.jsonl", hex);
  CHECK_MSG(strlen(vfile) > strlen(expect) && !strcmp(vfile + strlen(vfile) - strlen(expect), expect), "%s", vfile);
  snprintf(path, sizeof path,
           "SELECT lower(to_hex(from_base64(schema_version_hash))) FROM read_json('%s/_dlt_loads/*.jsonl')", root);
  char *lh = duck(path);
  CHECK_EQ_STR(lh, hex);
  free(lh);
  free(loads);

  /* _dlt_pipeline_state/<pipeline>__<load_id>__<hex(schema hash)>.jsonl with the state row minus _dlt_id */
  snprintf(expect, sizeof expect, "_dlt_pipeline_state/fsp__%s__%s.jsonl", load_id, hex);
  CHECK_EQ_STR(line_with(files, "_dlt_pipeline_state/"), expect);
  snprintf(path, sizeof path, "%s/%s", root, expect);
  char *state = read_any(path);
  snprintf(expect, sizeof expect, "{\"version\":1,\"engine_version\":4,\"pipeline_name\":\"fsp\",\"state\":\"eNp");
  CHECK_MSG(state && !strncmp(state, expect, strlen(expect)), "%s", state ? state : "(missing)");
  snprintf(expect, sizeof expect, ",\"_dlt_load_id\":\"%s\"}", load_id);
  CHECK_MSG(state && strlen(state) > strlen(expect) && !strcmp(state + strlen(state) - strlen(expect), expect), "%s",
            state ? state : "(missing)");
  CHECK_MSG(!contains(state, "_dlt_id\""), "%s", state);
  free(state);
  free(files);

  /* cdlt sql: views over the files, typed from the stored schema */
  rc = cdlt(&e, &out, "sql fsp \"SELECT id, name, ts, ok, score FROM users ORDER BY id\" --credentials '%s'", e.bucket);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out,
               "id | name  | ts                        | ok    | score\n"
               "---+-------+---------------------------+-------+------\n"
               "1  | Alice | 2024-01-01T10:00:00+00:00 | true  | 1.5\n"
               "2  | Bob   | 2024-02-01T08:00:00+00:00 | false | NULL\n"
               "(2 rows)\n");
  free(out);
  rc = cdlt(&e, &out,
            "sql fsp \"SELECT u.id, p._dlt_list_idx, p.name FROM users__pets p JOIN users u ON u._dlt_id = "
            "p._dlt_parent_id ORDER BY 1, 2\" --format csv --credentials '%s'",
            e.bucket);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out, "id,_dlt_list_idx,name\r\n1,0,Rex\r\n1,1,Tom\r\n");
  free(out);
  rc = cdlt(&e, &out,
            "sql fsp \"SELECT l.status, s.pipeline_name, s.version FROM _dlt_loads l JOIN _dlt_pipeline_state s ON "
            "s._dlt_load_id = l.load_id\" --format json --credentials '%s'",
            e.bucket);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out, "[\n  {\"status\":\"0\",\"pipeline_name\":\"fsp\",\"version\":\"1\"}\n]\n");
  free(out);
}

/* ---------------------------------------------------------------- append, evolution, replace */

static void test_append_evolution_replace(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "users.jsonl", users1);
  const char *run = "run '%s' --pipeline app --table users --destination filesystem --credentials '%s'";
  cdlt_ok(&e, run, f1, e.bucket);
  const char *f2 = write_file(&e, "users2.jsonl", "{\"id\": 3, \"name\": \"Cy\", \"email\": \"c@x\"}\n");
  cdlt_ok(&e, run, f2, e.bucket);
  char root[1024];
  snprintf(root, sizeof root, "%s/app_dataset", e.bucket);
  char *files = list_files(root);
  CHECK_EQ_INT(count_lines_with(files, "users/"), 2);
  CHECK_EQ_INT(count_lines_with(files, "users__pets/"), 1);
  CHECK_EQ_INT(count_lines_with(files, "_dlt_loads/"), 2);
  CHECK_EQ_INT(count_lines_with(files, "_dlt_version/"), 2);   /* the schema changed (email) */
  free(files);
  /* the new column reads as NULL for the older file */
  char *out = NULL;
  int rc = cdlt(&e, &out, "sql app \"SELECT id, name, email FROM users ORDER BY id\" --credentials '%s'", e.bucket);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out,
               "id | name  | email\n"
               "---+-------+------\n"
               "1  | Alice | NULL\n"
               "2  | Bob   | NULL\n"
               "3  | Cy    | c@x\n"
               "(3 rows)\n");
  free(out);

  /* replace: the table's and its nested tables' files are deleted first (§8.2) */
  const char *rep = "run '%s' --pipeline app --table users --write-disposition replace --destination filesystem "
                    "--credentials '%s'";
  cdlt_ok(&e, rep, f2, e.bucket);
  files = list_files(root);
  CHECK_EQ_INT(count_lines_with(files, "users/"), 1);
  CHECK_EQ_INT(count_lines_with(files, "users__pets/"), 0);
  CHECK_EQ_INT(count_lines_with(files, "_dlt_loads/"), 3);
  free(files);
  rc = cdlt(&e, &out, "sql app \"SELECT id, name, email FROM users\" --format csv --credentials '%s'", e.bucket);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out, "id,name,email\r\n3,Cy,c@x\r\n");
  free(out);
}

/* ---------------------------------------------------------------- file formats */

static void test_formats(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "users.jsonl", users1);
  char root[1024], path[2048], sql[4096];

  /* parquet: typed columns (TIMESTAMPTZ, BOOLEAN, DOUBLE) */
  e.vars = "NORMALIZE__LOADER_FILE_FORMAT=parquet";
  cdlt_ok(&e, "run '%s' --pipeline pq --destination filesystem --credentials '%s'", f, e.bucket);
  e.vars = "";
  snprintf(root, sizeof root, "%s/pq_dataset", e.bucket);
  char *files = list_files(root);
  const char *pf = line_with(files, "users/");
  CHECK_MSG(strlen(pf) > 8 && !strcmp(pf + strlen(pf) - 8, ".parquet"), "%s", pf);
  snprintf(path, sizeof path, "%s/%s", root, pf);
  snprintf(sql, sizeof sql,
           "SELECT id, name, ts, ok, score FROM read_parquet('%s') ORDER BY id", path);
  CHECK_DUCK(sql, "1|Alice|2024-01-01T10:00:00+00:00|true|1.5\n2|Bob|2024-02-01T08:00:00+00:00|false|NULL");
  snprintf(sql, sizeof sql,
           "SELECT string_agg(column_name || ' ' || column_type, ', ') FROM (DESCRIBE SELECT * FROM read_parquet('%s'))",
           path);
  CHECK_DUCK(sql, "id BIGINT, name VARCHAR, ts TIMESTAMP WITH TIME ZONE, ok BOOLEAN, score DOUBLE, _dlt_load_id VARCHAR, "
                  "_dlt_id VARCHAR");
  /* written by cdlt's own parquet writer (src/formats/parquet_write.c), snappy pages */
  snprintf(sql, sizeof sql, "SELECT created_by FROM parquet_file_metadata('%s')", path);
  char created_by[64];
  snprintf(created_by, sizeof created_by, "cdlt version %s", cdlt_version());
  CHECK_DUCK(sql, created_by);
  snprintf(sql, sizeof sql, "SELECT DISTINCT compression FROM parquet_metadata('%s')", path);
  CHECK_DUCK(sql, "SNAPPY");
  free(files);

  /* csv, gzip by default: header + rows */
  e.vars = "NORMALIZE__LOADER_FILE_FORMAT=csv";
  cdlt_ok(&e, "run '%s' --pipeline cs --destination filesystem --credentials '%s'", f, e.bucket);
  e.vars = "";
  snprintf(root, sizeof root, "%s/cs_dataset", e.bucket);
  files = list_files(root);
  const char *cf = line_with(files, "users__pets/");
  CHECK_MSG(strlen(cf) > 7 && !strcmp(cf + strlen(cf) - 7, ".csv.gz"), "%s", cf);
  snprintf(path, sizeof path, "%s/%s", root, cf);
  CHECK(is_gzip(path));
  char *csv = read_any(path);
  CHECK_MSG(csv && !strncmp(csv, "name,_dlt_parent_id,_dlt_list_idx,_dlt_id\nRex,", 46), "%s", csv);
  free(csv);
  free(files);

  /* jsonl without compression: plain text, the job file as is */
  e.vars = "DATA_WRITER__DISABLE_COMPRESSION=true";
  cdlt_ok(&e, "run '%s' --pipeline js --destination filesystem --credentials '%s'", f, e.bucket);
  e.vars = "";
  snprintf(root, sizeof root, "%s/js_dataset", e.bucket);
  files = list_files(root);
  const char *jf = line_with(files, "users__pets/");
  CHECK_MSG(strlen(jf) > 6 && !strcmp(jf + strlen(jf) - 6, ".jsonl"), "%s", jf);
  snprintf(path, sizeof path, "%s/%s", root, jf);
  CHECK(!is_gzip(path));
  char *js = read_any(path);
  CHECK_MSG(js && !strncmp(js, "{\"name\":\"Rex\",\"_dlt_parent_id\":\"", 32), "%s", js);
  free(js);
  free(files);

  /* every format reads back the same through cdlt sql */
  const char *pipes[] = {"pq", "cs", "js"};
  for (int k = 0; k < 3; k++) {
    char *out = NULL;
    int rc = cdlt(&e, &out, "sql %s \"SELECT id, ts, ok FROM users ORDER BY id\" --format csv --credentials '%s'", pipes[k],
                  e.bucket);
    CHECK_EQ_INT(rc, 0);
    CHECK_MSG(out && !strcmp(out, "id,ts,ok\r\n1,2024-01-01T10:00:00+00:00,true\r\n2,2024-02-01T08:00:00+00:00,false\r\n"),
              "%s: %s", pipes[k], out);
    free(out);
  }

  /* an unknown format is refused */
  e.vars = "NORMALIZE__LOADER_FILE_FORMAT=avro";
  char *out = NULL;
  int rc = cdlt(&e, &out, "run '%s' --pipeline av --destination filesystem --credentials '%s'", f, e.bucket);
  e.vars = "";
  CHECK_EQ_INT(rc, 2);   /* configuration: usage error */
  CHECK_MSG(contains(out, "filesystem: unsupported loader file format 'avro' (jsonl, csv, parquet)"), "%s", out);
  free(out);
}

/* the file_format hint of a resource wins; types survive the parquet round trip */
static void test_format_hint_types(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "ty.jsonl", "{\"id\": 1, \"d\": \"2024-03-04\", \"j\": {\"a\": [1, \"x\"]}, \"dec\": \"12.50\", \"t\": \"10:11:12\", \"b\": \"AAH/\", \"n\": \"2024-01-01T10:00:00+05:00\"}\n{\"id\": 2}\n");
  cdlt_ok(&e, "run '%s' --pipeline ty --destination filesystem --credentials '%s' --columns '%s' --hints "
              "'{\"file_format\": \"parquet\"}'",
          f, e.bucket, "{\"d\":{\"data_type\":\"date\"},\"j\":{\"data_type\":\"json\"},\"dec\":{\"data_type\":\"decimal\"},\"t\":{\"data_type\":\"time\"},\"b\":{\"data_type\":\"binary\"},\"n\":{\"data_type\":\"timestamp\",\"timezone\":false}}");
  char root[1024];
  snprintf(root, sizeof root, "%s/ty_dataset", e.bucket);
  char *files = list_files(root);
  const char *pf = line_with(files, "ty/");
  CHECK_MSG(strlen(pf) > 8 && !strcmp(pf + strlen(pf) - 8, ".parquet"), "%s", pf);
  free(files);
  char *out = NULL;
  int rc = cdlt(&e, &out, "sql ty \"SELECT id, d, j, dec, t, b, n FROM ty ORDER BY id\" --credentials '%s'", e.bucket);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out,
               "id | d          | j             | dec          | t        | b            | n\n"
               "---+------------+---------------+--------------+----------+--------------+--------------------\n"
               "1  | 2024-03-04 | {\"a\":[1,\"x\"]} | 12.500000000 | 10:11:12 | \\x00\\x01\\xFF | 2024-01-01T05:00:00\n"
               "2  | NULL       | NULL          | NULL         | NULL     | NULL         | NULL\n"
               "(2 rows)\n");
  free(out);
}

/* ---------------------------------------------------------------- layout placeholders */

static void test_layout(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "users.jsonl", users1);
  e.vars = "DESTINATION__FILESYSTEM__LAYOUT='{schema_name}/{table_name}/{YYYY}/{MM}/{DD}/{timestamp}_{Q}_{ddd}."
          "{load_id}.{file_id}'";
  cdlt_ok(&e, "run '%s' --pipeline lay --destination filesystem --credentials '%s'", f, e.bucket);
  char root[1024];
  snprintf(root, sizeof root, "%s/lay_dataset", e.bucket);
  char *files = list_files(root);
  const char *loads = line_with(files, "_dlt_loads/lay__");
  char load_id[64];
  snprintf(load_id, sizeof load_id, "%.*s", (int)(strlen(loads) - strlen("_dlt_loads/lay__") - 6),
           loads + strlen("_dlt_loads/lay__"));
  /* the package time (load id) in UTC */
  time_t t = (time_t)strtod(load_id, NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  static const char *const wd[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  char prefix[512];
  snprintf(prefix, sizeof prefix, "lay/users/%04d/%02d/%02d/%lld_%d_%s.%s.", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           (long long)t, tm.tm_mon / 3 + 1, wd[tm.tm_wday], load_id);
  const char *uf = line_with(files, "lay/users/");
  /* no {ext} in the layout: ".jsonl" is appended, then ".gz" */
  CHECK_MSG(!strncmp(uf, prefix, strlen(prefix)) && strlen(uf) == strlen(prefix) + 10 + strlen(".jsonl.gz") &&
                !strcmp(uf + strlen(uf) - 9, ".jsonl.gz"),
            "%s (expected %s<file_id>.jsonl.gz)", uf, prefix);
  CHECK_EQ_INT(count_lines_with(files, "lay/users__pets/"), 1);
  /* dlt tables ignore the layout */
  CHECK_EQ_INT(count_lines_with(files, "_dlt_version/"), 1);
  free(files);
  /* queries find the tables through the same layout */
  char *out = NULL;
  int rc = cdlt(&e, &out, "sql lay \"SELECT count(*) AS n FROM users__pets\" --format csv --credentials '%s'", e.bucket);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out, "n\r\n2\r\n");
  free(out);

  /* invalid layouts */
  e.vars = "DESTINATION__FILESYSTEM__LAYOUT='{table_name}/{bogus}.{ext}'";
  rc = cdlt(&e, &out, "run '%s' --pipeline lay2 --destination filesystem --credentials '%s'", f, e.bucket);
  CHECK_EQ_INT(rc, 2);   /* configuration: usage error */
  CHECK_MSG(contains(out, "invalid filesystem layout '{table_name}/{bogus}.{ext}': unknown placeholder 'bogus'"), "%s", out);
  free(out);
  e.vars = "DESTINATION__FILESYSTEM__LAYOUT='{load_id}/{table_name}.{ext}'";
  rc = cdlt(&e, &out, "run '%s' --pipeline lay3 --destination filesystem --credentials '%s'", f, e.bucket);
  CHECK_EQ_INT(rc, 2);   /* configuration: usage error */
  CHECK_MSG(contains(out, "only {schema_name} may come before {table_name}"), "%s", out);
  free(out);
  e.vars = "";
}

/* ---------------------------------------------------------------- exactly once */

static void test_exactly_once(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "users.jsonl", users1);
  const char *run = "run '%s' --pipeline once --table users --destination filesystem --credentials '%s'";
  char root[1024];
  snprintf(root, sizeof root, "%s/once_dataset", e.bucket);

  /* the load fails after the data files, before the _dlt_loads file */
  e.vars = "CDLT_FAULT_POINT=load.before_loads_file CDLT_FAULT_MODE=error";
  char *out = NULL;
  int rc = cdlt(&e, &out, run, f, e.bucket);
  e.vars = "";
  CHECK_EQ_INT(rc, 1);
  CHECK_MSG(contains(out, "injected fault at 'load.before_loads_file'"), "%s", out);
  free(out);
  char *files = list_files(root);
  CHECK_EQ_INT(count_lines_with(files, "users/"), 1);
  CHECK_EQ_INT(count_lines_with(files, "_dlt_loads/"), 0);
  free(files);

  /* killed after the first job file: the rerun rewrites the same names, then commits */
  e.vars = "CDLT_FAULT_POINT=load.after_job";
  rc = cdlt(&e, &out, run, f, e.bucket);
  e.vars = "";
  CHECK(rc != 0);
  free(out);
  rc = cdlt(&e, &out, run, f, e.bucket);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(contains(out, "Pending load packages"), "%s", out);
  free(out);
  files = list_files(root);
  CHECK_EQ_INT(count_lines_with(files, "users/"), 1);
  CHECK_EQ_INT(count_lines_with(files, "users__pets/"), 1);
  CHECK_EQ_INT(count_lines_with(files, "_dlt_loads/"), 1);
  CHECK_EQ_INT(count_lines_with(files, "_dlt_pipeline_state/"), 1);
  free(files);
  rc = cdlt(&e, &out, "sql once \"SELECT count(*) AS n FROM users\" --format csv --credentials '%s'", e.bucket);
  CHECK_EQ_STR(out, "n\r\n2\r\n");
  free(out);
  /* the next run loads the file again: a second package, 4 rows */
  cdlt_ok(&e, run, f, e.bucket);
  rc = cdlt(&e, &out, "sql once \"SELECT count(*) AS n, count(DISTINCT _dlt_load_id) AS l FROM users\" --format csv "
                      "--credentials '%s'",
            e.bucket);
  CHECK_EQ_STR(out, "n,l\r\n4,2\r\n");
  free(out);
}

/* ---------------------------------------------------------------- restore on a fresh working dir */

static void test_restore(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "a.jsonl", "{\"id\": 1, \"name\": \"x\"}\n");
  cdlt_ok(&e, "run '%s' --pipeline rs --table t --destination filesystem --credentials '%s'", f1, e.bucket);
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "rm -rf '%s/pipelines/rs'", e.data);
  CHECK_EQ_INT(system(cmd), 0);
  /* the schema (with `name`) comes back from the _dlt_version / state files through the views */
  const char *f2 = write_file(&e, "b.jsonl", "{\"id\": 2}\n");
  cdlt_ok(&e, "run '%s' --pipeline rs --table t --destination filesystem --credentials '%s'", f2, e.bucket);
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/rs/schemas/rs.schema.json", e.data);
  char *schema = check_read_file(path, NULL);
  CHECK_MSG(contains(schema, "\"name\": {"), "%s", schema ? schema : "(missing)");
  free(schema);
  char *out = NULL;
  int rc = cdlt(&e, &out, "sql rs \"SELECT id, name FROM t ORDER BY id\" --format csv --credentials '%s'", e.bucket);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out, "id,name\r\n1,x\r\n2,\r\n");
  free(out);
}

/* bucket_url, layout and file format from .dlt/config.toml (dlt's config providers) */
static void test_config_toml(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "users.jsonl", users1);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/.dlt", e.dir);
  mkdir(dir, 0755);
  char toml[2048];
  snprintf(toml, sizeof toml,
           "[destination.filesystem]\nbucket_url = \"file://%s\"\nlayout = \"{table_name}/x_{load_id}.{file_id}.{ext}\"\n"
           "\n[normalize]\nloader_file_format = \"csv\"\n",
           e.bucket);
  write_file(&e, ".dlt/config.toml", toml);
  cdlt_ok(&e, "run '%s' --pipeline ct --destination filesystem", f);
  char root[1024];
  snprintf(root, sizeof root, "%s/ct_dataset", e.bucket);
  char *files = list_files(root);
  const char *uf = line_with(files, "users/x_");
  CHECK_MSG(strlen(uf) > 7 && !strcmp(uf + strlen(uf) - 7, ".csv.gz"), "%s", files);
  free(files);
  char *out = NULL;
  int rc = cdlt(&e, &out, "sql ct \"SELECT count(*) AS n FROM users\" --format csv");
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_STR(out, "n\r\n2\r\n");
  free(out);
}

static void test_bad_bucket(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "users.jsonl", users1);
  char *out = NULL;
  int rc = cdlt(&e, &out, "run '%s' --pipeline bb --destination filesystem --credentials 's3://bucket/x'", f);
  CHECK_EQ_INT(rc, 2);   /* configuration: usage error */
  CHECK_MSG(contains(out, "filesystem: unsupported bucket_url 's3://bucket/x': only local paths and file:// urls"), "%s",
            out);
  free(out);
}

int main(void) {
  test_default_layout_and_dlt_files();
  test_append_evolution_replace();
  test_formats();
  test_format_hint_types();
  test_layout();
  test_exactly_once();
  test_restore();
  test_config_toml();
  test_bad_bucket();
  return check_finish();
}
