/* sqlite.c — the SQLite destination, on libsqlite3.
 *
 * One main database file per pipeline (the credentials: a file path; ":memory:" works) and one
 * database file per dataset, ATTACHed under the dataset name: `<dir>/<stem>__<dataset><ext>` for
 * a main file `<dir>/<stem><ext>` (e.g. `shop.sqlite` + dataset `raw` → `shop__raw.sqlite`). So the
 * loader's `"dataset"."table"` SQL works unchanged, datasets are separate files like schemas are
 * separate namespaces, and a package's transaction spans main + attached files atomically
 * (rollback journal). Every existing dataset file is attached at open, so any query can read any
 * dataset. SQLite has no INFORMATION_SCHEMA and no CREATE SCHEMA: the optional vtab methods
 * dataset_exists / create_dataset / get_columns (pragma_table_info) replace them.
 *
 * Values are bound from the JSONL job files with one prepared INSERT per file, inside the caller's
 * transaction. Timestamps are stored as ISO 8601 text normalized to UTC (`...+00:00` for
 * timezone-aware columns, no offset for naive ones), dates/times as ISO text, binary as BLOB,
 * bools as 0/1 (rendered true/false from the declared type BOOLEAN), json as compact JSON text. */
#define _GNU_SOURCE
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "destinations/destination.h"
#include "json/json_reader.h"
#include "json/json.h"
#include "load/sql_gen.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/isotime.h"

typedef struct lite {
  cdlt_destination base;
  sqlite3 *db;
  char *path;       /* as given */
  char *dir;        /* directory of the main file ("." when none) */
  char *stem;       /* file name without extension */
  char *ext;        /* ".sqlite", ".db" or "" */
  bool memory;      /* ":memory:" */
} lite;

static int lite_fail(lite *d, cdlt_error *err, const char *what) {
  return cdlt_error_set(err, CDLT_ERR_DESTINATION, "sqlite: %s: %s", what, sqlite3_errmsg(d->db));
}

static void lite_close(cdlt_destination *base) {
  lite *d = (lite *)base;
  if (d->db) sqlite3_close_v2(d->db);
  d->db = NULL;
  free(d->path);
  free(d->dir);
  free(d->stem);
  free(d->ext);
  d->path = d->dir = d->stem = d->ext = NULL;
}

/* <dir>/<stem>__<dataset><ext>, malloc'd */
static char *dataset_path(const lite *d, const char *dataset) {
  if (d->memory) return strdup(":memory:");
  char *p = NULL;
  if (asprintf(&p, "%s/%s__%s%s", d->dir, d->stem, dataset, d->ext) < 0) return NULL;
  return p;
}

static bool is_attached(lite *d, const char *dataset) {
  sqlite3_stmt *st = NULL;
  bool found = false;
  if (sqlite3_prepare_v2(d->db, "SELECT 1 FROM pragma_database_list WHERE name = ?1", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, dataset, -1, SQLITE_TRANSIENT);
    found = sqlite3_step(st) == SQLITE_ROW;
  }
  sqlite3_finalize(st);
  return found;
}

static int attach(lite *d, const char *dataset, cdlt_error *err) {
  char *path = dataset_path(d, dataset);
  if (!path) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  sqlite3_stmt *st = NULL;
  int rc = 0;
  if (sqlite3_prepare_v2(d->db, "ATTACH DATABASE ?1 AS ?2", -1, &st, NULL) != SQLITE_OK) {
    rc = lite_fail(d, err, "attach");
  } else {
    sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, dataset, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
      rc = cdlt_error_set(err, CDLT_ERR_DESTINATION, "sqlite: cannot attach dataset '%s' ('%s'): %s", dataset, path,
                          sqlite3_errmsg(d->db));
  }
  sqlite3_finalize(st);
  free(path);
  return rc;
}

/* attaches every `<stem>__<dataset><ext>` file next to the main file */
static int attach_existing(lite *d, cdlt_error *err) {
  if (d->memory) return 0;
  cdlt_fs_names names;
  cdlt_fs_names_init(&names);
  if (cdlt_fs_list_dir(d->dir, false, true, &names, NULL)) return 0;
  size_t sl = strlen(d->stem), el = strlen(d->ext);
  int rc = 0;
  for (size_t k = 0; k < names.len && !rc; k++) {
    const char *n = names.names[k];
    size_t nl = strlen(n);
    if (nl <= sl + 2 + el || strncmp(n, d->stem, sl) || strncmp(n + sl, "__", 2) || strcmp(n + nl - el, d->ext)) continue;
    char *ds = strndup(n + sl + 2, nl - sl - 2 - el);
    if (!ds) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    else if (!is_attached(d, ds)) rc = attach(d, ds, err);
    free(ds);
  }
  cdlt_fs_names_release(&names);
  return rc;
}

static int lite_open(cdlt_destination *base, const cdlt_destination_config *cfg, cdlt_error *err) {
  lite *d = (lite *)base;
  const char *path = cfg->credentials;
  if (!path || !*path) return cdlt_error_set(err, CDLT_ERR_USAGE, "sqlite: no database file path given");
  d->memory = strcmp(path, ":memory:") == 0;
  const char *slash = strrchr(path, '/');
  const char *base_name = slash ? slash + 1 : path;
  const char *dot = strrchr(base_name, '.');
  if (!dot || dot == base_name) dot = base_name + strlen(base_name);
  d->path = strdup(path);
  d->dir = slash ? strndup(path, (size_t)(slash == path ? 1 : slash - path)) : strdup(".");
  d->stem = strndup(base_name, (size_t)(dot - base_name));
  d->ext = strdup(dot);
  if (!d->path || !d->dir || !d->stem || !d->ext) {
    lite_close(base);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    int rc = cdlt_error_set(err, CDLT_ERR_DESTINATION, "cannot open sqlite database '%s': %s", path,
                            d->db ? sqlite3_errmsg(d->db) : "out of memory");
    lite_close(base);
    return rc;
  }
  sqlite3_busy_timeout(d->db, 5000);
  int rc = attach_existing(d, err);
  if (rc) {
    cdlt_error_wrap(err, "cannot open sqlite database '%s'", path);
    lite_close(base);
  }
  return rc;
}

static int lite_execute(cdlt_destination *base, const char *sql, cdlt_error *err) {
  lite *d = (lite *)base;
  char *msg = NULL;
  if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    int rc = cdlt_error_set(err, CDLT_ERR_DESTINATION, "sqlite: execute: %s", msg ? msg : sqlite3_errmsg(d->db));
    sqlite3_free(msg);
    return rc;
  }
  return 0;
}

static int lite_begin(cdlt_destination *base, cdlt_error *err) { return lite_execute(base, "BEGIN", err); }
static int lite_commit(cdlt_destination *base, cdlt_error *err) { return lite_execute(base, "COMMIT", err); }
static int lite_rollback(cdlt_destination *base, cdlt_error *err) { return lite_execute(base, "ROLLBACK", err); }

/* ---------------------------------------------------------------- results */

/* appends one row of ncols cells (taken over, also on failure) */
static int rows_push(cdlt_rows *r, char **cells) {
  char **n = realloc(r->cells, (r->nrows + 1) * r->ncols * sizeof *n + 1);
  if (!n) {
    for (size_t c = 0; c < r->ncols; c++) free(cells[c]);
    return CDLT_ERR_NOMEM;
  }
  r->cells = n;
  memcpy(n + r->nrows * r->ncols, cells, r->ncols * sizeof *n);
  r->nrows++;
  return 0;
}

static int rows_init(cdlt_rows *r, size_t ncols, const char *const *names) {
  memset(r, 0, sizeof *r);
  r->ncols = ncols;
  r->col_names = calloc(ncols ? ncols : 1, sizeof(char *));
  r->cells = calloc(1, sizeof(char *));
  if (!r->col_names || !r->cells) return CDLT_ERR_NOMEM;
  for (size_t c = 0; c < ncols; c++)
    if (!(r->col_names[c] = strdup(names[c] ? names[c] : ""))) return CDLT_ERR_NOMEM;
  return 0;
}

/* BLOB as DuckDB prints it: printable ASCII as is, other bytes (and `\`) as \xHH */
static char *render_blob(const unsigned char *p, int n) {
  char *out = malloc((size_t)n * 4 + 1), *o = out;
  if (!out) return NULL;
  for (int i = 0; i < n; i++) {
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') *o++ = (char)p[i];
    else o += sprintf(o, "\\x%02X", p[i]);
  }
  *o = 0;
  return out;
}

static char *render(sqlite3_stmt *st, int c, bool *is_null) {
  char tmp[64];
  *is_null = false;
  switch (sqlite3_column_type(st, c)) {
    case SQLITE_NULL: *is_null = true; return NULL;
    case SQLITE_INTEGER: {
      const char *decl = sqlite3_column_decltype(st, c);
      sqlite3_int64 v = sqlite3_column_int64(st, c);
      if (decl && strcasestr(decl, "BOOL")) return strdup(v ? "true" : "false");
      snprintf(tmp, sizeof tmp, "%lld", (long long)v);
      return strdup(tmp);
    }
    case SQLITE_FLOAT: cdlt_format_double(sqlite3_column_double(st, c), tmp); return strdup(tmp);
    case SQLITE_BLOB: return render_blob(sqlite3_column_blob(st, c), sqlite3_column_bytes(st, c));
    default: {
      const unsigned char *t = sqlite3_column_text(st, c);
      return t ? strndup((const char *)t, (size_t)sqlite3_column_bytes(st, c)) : NULL;
    }
  }
}

static int lite_query(cdlt_destination *base, const char *sql, cdlt_rows *out, cdlt_error *err) {
  lite *d = (lite *)base;
  memset(out, 0, sizeof *out);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK) return lite_fail(d, err, "query");
  if (!st) return cdlt_error_set(err, CDLT_ERR_USAGE, "sqlite: query: empty statement");
  int ncols = sqlite3_column_count(st), rc = 0;
  const char **names = calloc((size_t)ncols + 1, sizeof *names);
  char **cells = calloc((size_t)ncols + 1, sizeof *cells);
  if (!names || !cells) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto done; }
  for (int c = 0; c < ncols; c++) names[c] = sqlite3_column_name(st, c);
  if (rows_init(out, (size_t)ncols, names)) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto done; }
  int s;
  while ((s = sqlite3_step(st)) == SQLITE_ROW) {
    for (int c = 0; c < ncols; c++) {
      bool is_null;
      cells[c] = render(st, c, &is_null);
      if (!cells[c] && !is_null) {
        for (int k = 0; k < c; k++) free(cells[k]);
        rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
        goto done;
      }
    }
    if (rows_push(out, cells)) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto done; }
  }
  if (s != SQLITE_DONE) rc = lite_fail(d, err, "query");
done:
  free(names);
  free(cells);
  sqlite3_finalize(st);
  if (rc) cdlt_rows_free(out);
  return rc;
}

/* ---------------------------------------------------------------- datasets and columns */

static int lite_dataset_exists(cdlt_destination *base, const char *dataset, bool *exists, cdlt_error *err) {
  lite *d = (lite *)base;
  *exists = false;
  if (is_attached(d, dataset)) {
    *exists = true;
    return 0;
  }
  if (d->memory) return 0;
  char *path = dataset_path(d, dataset);
  if (!path) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  uint64_t size = 0;
  bool present = cdlt_fs_file_size(path, &size, NULL) == 0 && size > 0;
  free(path);
  if (!present) return 0;
  int rc = attach(d, dataset, err);
  *exists = rc == 0;
  return rc;
}

static int lite_create_dataset(cdlt_destination *base, const char *dataset, cdlt_error *err) {
  lite *d = (lite *)base;
  return is_attached(d, dataset) ? 0 : attach(d, dataset, err);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int lite_get_columns(cdlt_destination *base, const char *dataset, const char *const *tables, size_t ntables,
                            cdlt_rows *out, cdlt_error *err) {
  lite *d = (lite *)base;
  static const char *const names[] = {"table_name", "column_name", "data_type", "is_nullable", "numeric_precision",
                                      "numeric_scale"};
  if (rows_init(out, 6, names)) {
    cdlt_rows_free(out);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  if (!is_attached(d, dataset) || ntables == 0) return 0;
  const char **sorted = malloc(ntables * sizeof *sorted);
  if (!sorted) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  memcpy(sorted, tables, ntables * sizeof *sorted);
  qsort(sorted, ntables, sizeof *sorted, cmp_str);
  sqlite3_stmt *st = NULL;
  int rc = 0;
  if (sqlite3_prepare_v2(d->db, "SELECT name, type, \"notnull\" FROM pragma_table_info(?1, ?2) ORDER BY cid", -1, &st,
                         NULL) != SQLITE_OK)
    rc = lite_fail(d, err, "table columns");
  for (size_t t = 0; t < ntables && !rc; t++) {
    if (t && !strcmp(sorted[t], sorted[t - 1])) continue;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, sorted[t], -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, dataset, -1, SQLITE_TRANSIENT);
    int s;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
      char *cells[6] = {strdup(sorted[t]), strdup((const char *)sqlite3_column_text(st, 0)),
                        strdup(sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : ""),
                        strdup(sqlite3_column_int(st, 2) ? "NO" : "YES"), NULL, NULL};
      if (!cells[0] || !cells[1] || !cells[2] || !cells[3]) {
        for (int c = 0; c < 4; c++) free(cells[c]);
        rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      } else if (rows_push(out, cells)) {
        rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      }
    }
    if (!rc && s != SQLITE_DONE) rc = lite_fail(d, err, "table columns");
  }
  sqlite3_finalize(st);
  free(sorted);
  if (rc) cdlt_rows_free(out);
  return rc;
}

/* ---------------------------------------------------------------- bulk load */

/* Reads one line (without the newline) of a plain or gzip file into line; false at EOF. */
static bool read_line(gzFile f, cdlt_buf *line, bool *failed) {
  cdlt_buf_reset(line);
  *failed = false;
  char chunk[65536];
  for (;;) {
    if (!gzgets(f, chunk, sizeof chunk)) {
      int errnum;
      gzerror(f, &errnum);
      if (errnum != Z_OK && errnum != Z_STREAM_END) *failed = true;
      return line->len > 0 && !*failed;
    }
    size_t n = strlen(chunk);
    bool nl = n && chunk[n - 1] == '\n';
    if (cdlt_buf_append(line, chunk, nl ? n - 1 : n)) { *failed = true; return false; }
    if (nl) return true;
  }
}

/* binds one JSON value v (non-NULL) to parameter i for column c */
static int bind_value(sqlite3_stmt *st, int i, const cdlt_column_def *c, const cdlt_json_value *v, cdlt_buf *tmp,
                      cdlt_error *err) {
  if (v->type == CDLT_JSON_NULL) return sqlite3_bind_null(st, i) == SQLITE_OK ? 0 : CDLT_ERR_DESTINATION;
  int src = 0;
  switch (c->type) {
    case CDLT_TYPE_BIGINT:
      if (v->type == CDLT_JSON_INT) src = sqlite3_bind_int64(st, i, v->u.num.i);
      else if (v->type == CDLT_JSON_STRING) src = sqlite3_bind_text(st, i, v->u.str.ptr, (int)v->u.str.len, SQLITE_STATIC);
      else return cdlt_error_set(err, CDLT_ERR_SCHEMA, "column '%s': value does not fit a 64-bit integer", c->name);
      break;
    case CDLT_TYPE_DOUBLE:
      if (v->type == CDLT_JSON_INT || v->type == CDLT_JSON_FLOAT || v->type == CDLT_JSON_BIGINT) {
        double dv = v->type == CDLT_JSON_INT ? (double)v->u.num.i : strtod(v->u.num.text, NULL);
        if (v->type == CDLT_JSON_FLOAT) dv = v->u.num.d;
        src = sqlite3_bind_double(st, i, dv);
      } else {
        return cdlt_error_set(err, CDLT_ERR_SCHEMA, "column '%s': expected a number", c->name);
      }
      break;
    case CDLT_TYPE_BOOL:
      if (v->type != CDLT_JSON_BOOL) return cdlt_error_set(err, CDLT_ERR_SCHEMA, "column '%s': expected a boolean", c->name);
      src = sqlite3_bind_int(st, i, v->u.boolean ? 1 : 0);
      break;
    case CDLT_TYPE_TIMESTAMP: {
      cdlt_iso_parsed p;
      if (v->type != CDLT_JSON_STRING || cdlt_parse_iso_like(v->u.str.ptr, v->u.str.len, &p) == CDLT_ISO_NONE)
        return cdlt_error_set(err, CDLT_ERR_SCHEMA, "column '%s': not an ISO 8601 timestamp", c->name);
      int64_t days = cdlt_days_from_civil(p.year, p.month, p.day);
      int64_t us = days * CDLT_US_PER_DAY;
      if (p.kind == CDLT_ISO_DATETIME)
        us += ((int64_t)p.hour * 3600 + p.minute * 60 + p.second - (p.has_offset ? p.offset_s : 0)) * CDLT_US_PER_SEC +
              p.microsecond;
      else if (p.kind != CDLT_ISO_DATE)
        return cdlt_error_set(err, CDLT_ERR_SCHEMA, "column '%s': not an ISO 8601 timestamp", c->name);
      char iso[40];
      size_t n = cdlt_format_iso_utc(us, iso);
      if (!c->timezone && n > 6) iso[n -= 6] = 0;   /* naive: UTC wall time without "+00:00" */
      src = sqlite3_bind_text(st, i, iso, (int)n, SQLITE_TRANSIENT);
      break;
    }
    case CDLT_TYPE_BINARY: {
      if (v->type != CDLT_JSON_STRING) return cdlt_error_set(err, CDLT_ERR_SCHEMA, "column '%s': expected base64 text", c->name);
      cdlt_buf_reset(tmp);
      if (cdlt_buf_reserve(tmp, CDLT_BASE64_DECODED_MAX(v->u.str.len) + 1)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      size_t n = 0;
      int rc = cdlt_base64_decode(v->u.str.ptr, v->u.str.len, (uint8_t *)tmp->data, &n, err);
      if (rc) return cdlt_error_wrap(err, "column '%s'", c->name);
      src = sqlite3_bind_blob(st, i, tmp->data, (int)n, SQLITE_TRANSIENT);
      break;
    }
    case CDLT_TYPE_JSON:
      cdlt_buf_reset(tmp);
      if (cdlt_json_write(tmp, v, 0)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      src = sqlite3_bind_text(st, i, tmp->data, (int)tmp->len, SQLITE_TRANSIENT);
      break;
    default: /* text, date, time, decimal, wei: text (numbers keep their source text) */
      if (v->type == CDLT_JSON_STRING) src = sqlite3_bind_text(st, i, v->u.str.ptr, (int)v->u.str.len, SQLITE_STATIC);
      else if (v->type == CDLT_JSON_INT || v->type == CDLT_JSON_FLOAT || v->type == CDLT_JSON_BIGINT)
        src = sqlite3_bind_text(st, i, v->u.num.text, (int)v->u.num.len, SQLITE_STATIC);
      else {
        cdlt_buf_reset(tmp);
        if (cdlt_json_write(tmp, v, 0)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
        src = sqlite3_bind_text(st, i, tmp->data, (int)tmp->len, SQLITE_TRANSIENT);
      }
      break;
  }
  return src == SQLITE_OK ? 0 : CDLT_ERR_DESTINATION;
}

static int lite_load_file(cdlt_destination *base, const char *dataset, const cdlt_table_def *table, const char *path,
                          cdlt_file_format format, cdlt_error *err) {
  lite *d = (lite *)base;
  if (format != CDLT_FORMAT_JSONL)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "sqlite: cannot load '%s': unsupported file format %d", path, (int)format);
  if (table->ncolumns == 0)
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "sqlite: cannot load '%s': table '%s' has no columns", path, table->name);
  const cdlt_sql_dialect *dl = &cdlt_dialect_sqlite;
  cdlt_buf sql, line, tmp;
  cdlt_buf_init(&sql);
  cdlt_buf_init(&line);
  cdlt_buf_init(&tmp);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  sqlite3_stmt *st = NULL;
  gzFile f = NULL;
  int rc = cdlt_buf_puts(&sql, "INSERT INTO ") ? CDLT_ERR_NOMEM : 0;
  if (!rc) rc = cdlt_sql_qualified(&sql, dl, dataset, table->name, err);
  if (!rc) rc = cdlt_buf_puts(&sql, " (");
  for (size_t i = 0; i < table->ncolumns && !rc; i++) {
    if (i) rc = cdlt_buf_puts(&sql, ", ");
    if (!rc) rc = cdlt_sql_ident(&sql, dl, table->columns[i].name, err);
  }
  if (!rc) rc = cdlt_buf_puts(&sql, ") VALUES (");
  for (size_t i = 0; i < table->ncolumns && !rc; i++) rc = cdlt_buf_puts(&sql, i ? ", ?" : "?");
  if (!rc) rc = cdlt_buf_putc(&sql, ')');
  if (rc) {
    if (rc == CDLT_ERR_NOMEM) cdlt_error_set(err, rc, "out of memory");
    goto done;
  }
  if (sqlite3_prepare_v2(d->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
    rc = cdlt_error_set(err, CDLT_ERR_DESTINATION, "sqlite: cannot load '%s' into '%s': %s", path, table->name,
                        sqlite3_errmsg(d->db));
    goto done;
  }
  if (!(f = gzopen(path, "rb"))) {
    rc = cdlt_error_set(err, CDLT_ERR_IO, "sqlite: cannot open '%s'", path);
    goto done;
  }
  gzbuffer(f, 1 << 17);
  size_t lineno = 0;
  bool failed = false;
  while (!rc && read_line(f, &line, &failed)) {
    lineno++;
    if (line.len == 0) continue;
    cdlt_json_doc_reset(&doc);
    cdlt_json_value *obj = NULL;
    rc = cdlt_json_parse_limits(&doc, line.data, line.len, path, &cdlt_json_job_limits, &obj, err);
    if (!rc && obj->type != CDLT_JSON_OBJECT) rc = cdlt_error_set(err, CDLT_ERR_PARSE, "line is not a JSON object");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (size_t i = 0; i < table->ncolumns && !rc; i++) {
      const cdlt_json_value *v = cdlt_json_get(obj, table->columns[i].name);
      if (v) rc = bind_value(st, (int)i + 1, &table->columns[i], v, &tmp, err);
      if (rc == CDLT_ERR_DESTINATION) rc = lite_fail(d, err, "bind");
    }
    if (!rc && sqlite3_step(st) != SQLITE_DONE)
      rc = cdlt_error_set(err, CDLT_ERR_DESTINATION, "%s", sqlite3_errmsg(d->db));
    if (rc) cdlt_error_wrap(err, "sqlite: cannot load '%s' into '%s': line %zu", path, table->name, lineno);
  }
  if (!rc && failed) rc = cdlt_error_set(err, CDLT_ERR_IO, "sqlite: cannot read '%s'", path);
done:
  if (f) gzclose(f);
  sqlite3_finalize(st);
  cdlt_json_doc_release(&doc);
  cdlt_buf_release(&sql);
  cdlt_buf_release(&line);
  cdlt_buf_release(&tmp);
  return rc;
}

static const char *lite_location(cdlt_destination *base) { return ((lite *)base)->path; }

const cdlt_destination_vtab cdlt_sqlite_destination = {
    .abi_version = 1,
    .name = "sqlite",
    .instance_size = sizeof(lite),
    .dialect = &cdlt_dialect_sqlite,
    .supported_formats = (1u << CDLT_FORMAT_JSONL),
    .preferred_format = CDLT_FORMAT_JSONL,
    .open = lite_open,
    .close = lite_close,
    .execute = lite_execute,
    .query = lite_query,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .load_file = lite_load_file,
    .location = lite_location,
    .dataset_exists = lite_dataset_exists,
    .create_dataset = lite_create_dataset,
    .get_columns = lite_get_columns,
};
