/* e2e.c — see e2e.h. */
#define _GNU_SOURCE
#include "e2e.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "destinations/destination.h"



void env_new(env *e) {
  snprintf(e->dir, sizeof e->dir, "%s", check_tmpdir());
  snprintf(e->data, sizeof e->data, "%s/dlt", e->dir);
  snprintf(e->db, sizeof e->db, "%s/test.duckdb", e->dir);
  snprintf(e->bucket, sizeof e->bucket, "%s/bucket", e->dir);
  e->vars = NULL;
}

/* Writes len bytes to <dir>/<name>; returns the full path in static storage (a ring of 16 buffers,
 * so a few paths can be held at once). */
const char *write_bytes(const env *e, const char *name, const void *data, size_t len) {
  static char paths[16][1024];
  static unsigned next;
  char *path = paths[next++ % 16];
  snprintf(path, sizeof paths[0], "%s/%s", e->dir, name);
  FILE *f = fopen(path, "wb");
  CHECK_MSG(f != NULL, "cannot create %s", path);
  if (f) {
    CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
  }
  return path;
}

/* Writes `content` to <dir>/<name>; see write_bytes. */
const char *write_file(const env *e, const char *name, const char *content) {
  return write_bytes(e, name, content, strlen(content));
}

static int cdlt_v(const env *e, const char *envs, char **out, const char *fmt, va_list ap) {
  char args[4096], cmd[8192];
  vsnprintf(args, sizeof args, fmt, ap);
  snprintf(cmd, sizeof cmd, "cd '%s' && %s %s DLT_DATA_DIR='%s' '%s' %s", e->dir, envs ? envs : "",
           e->vars ? e->vars : "", e->data, check_cdlt_bin(), args);
  char *o = NULL;
  int rc = check_run(cmd, &o);
  /* under -DCDLT_SANITIZE=ON a sanitizer report must fail the test even where exit 1 is expected */
  CHECK_MSG(!o || !strstr(o, "Sanitizer"), "sanitizer report from cdlt %s:\n%s", args, o);
  if (out) *out = o ? o : strdup("");
  else free(o);
  return rc;
}

/* Runs `cd <dir> && <vars> DLT_DATA_DIR=<data> <cdlt> <args>`; *out gets stdout+stderr (caller frees). */
int cdlt(const env *e, char **out, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = cdlt_v(e, NULL, out, fmt, ap);
  va_end(ap);
  return rc;
}

/* cdlt() with extra environment `envs` (may be NULL). */
int cdlt_env(const env *e, const char *envs, char **out, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = cdlt_v(e, envs, out, fmt, ap);
  va_end(ap);
  return rc;
}

/* Runs cdlt and expects exit 0; prints the output when it fails. */
void cdlt_ok(const env *e, const char *fmt, ...) {
  char args[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  char *out = NULL;
  int rc = cdlt(e, &out, "%s", args);
  CHECK_MSG(rc == 0, "cdlt %s exited %d:\n%s", args, rc, out);
  free(out);
}

bool file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

bool contains(const char *hay, const char *needle) { return hay && needle && strstr(hay, needle); }

/* Runs `sql` against the duckdb file and renders the result as "a|b\nc|d" (NULL → "NULL").
 * Returns a malloc'd string, "ERROR: <msg>" on failure. */
char *q(const char *db, const char *sql) {
  const cdlt_destination_vtab *vt = cdlt_destination_find("duckdb");
  cdlt_destination *d = NULL;
  cdlt_error err = {0};
  char *res = NULL;
  if (!vt || cdlt_destination_open(vt, &(cdlt_destination_config){.credentials = db}, &d, &err)) {
    if (asprintf(&res, "ERROR: open: %s", err.msg) < 0) res = NULL;
    return res;
  }
  cdlt_rows rows = {0};
  if (d->vtab->query(d, sql, &rows, &err)) {
    if (asprintf(&res, "ERROR: %s", err.msg) < 0) res = NULL;
  } else {
    size_t cap = 256, len = 0;
    res = malloc(cap);
    res[0] = 0;
    for (size_t r = 0; r < rows.nrows; r++) {
      for (size_t c = 0; c < rows.ncols; c++) {
        const char *v = cdlt_rows_get(&rows, r, c);
        if (!v) v = "NULL";
        size_t need = len + strlen(v) + 3;
        if (need > cap) {
          while (need > cap) cap *= 2;
          res = realloc(res, cap);
        }
        if (c) res[len++] = '|';
        memcpy(res + len, v, strlen(v));
        len += strlen(v);
        res[len] = 0;
      }
      if (r + 1 < rows.nrows) {
        res[len++] = '\n';
        res[len] = 0;
      }
    }
  }
  cdlt_rows_free(&rows);
  cdlt_destination_close(d);
  return res;
}


/* information_schema columns of a table: "name TYPE\n..." in ordinal order */
char *cols(const char *db, const char *ds, const char *table) {
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_schema = '%s' "
           "AND table_name = '%s' ORDER BY ordinal_position",
           ds, table);
  return q(db, sql);
}

/* Whether the table exists (false when the database file does not exist at all). */
bool table_exists(const char *db, const char *ds, const char *table) {
  if (!file_exists(db)) return false;
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM information_schema.tables WHERE table_schema = '%s' AND table_name = '%s'", ds,
           table);
  char *r = q(db, sql);
  bool yes = r && !strcmp(r, "1");
  free(r);
  return yes;
}

/* count(*) of "<ds>"."<table>" as a number; -1 when the table (or db) does not exist. */
long count_rows(const char *db, const char *ds, const char *table) {
  if (!table_exists(db, ds, table)) return -1;
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\".\"%s\"", ds, table);
  char *r = q(db, sql);
  long n = r ? strtol(r, NULL, 10) : -2;
  free(r);
  return n;
}

/* Names of the entries of a directory (no dot entries), sorted, joined with '\n'; malloc'd. */
char *list_dir(const char *path) {
  struct dirent **ents = NULL;
  int n = scandir(path, &ents, NULL, alphasort);
  size_t cap = 64, len = 0;
  char *res = calloc(1, cap);
  for (int k = 0; k < n; k++) {
    const char *nm = ents[k]->d_name;
    if (nm[0] != '.') {
      size_t need = len + strlen(nm) + 2;
      if (need > cap) {
        while (need > cap) cap *= 2;
        res = realloc(res, cap);
      }
      if (len) res[len++] = '\n';
      strcpy(res + len, nm);
      len += strlen(nm);
    }
    free(ents[k]);
  }
  free(ents);
  return res;
}
