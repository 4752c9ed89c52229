/* filesystem.c — the filesystem destination (dlt's `filesystem`, local buckets): configuration,
 * the vtab, and SQL queries over the files.
 *
 * Packages are not loaded with SQL (vtab writes_files): the loader writes them as files through
 * load/load_files.c. The vtab's dialect is DuckDB's, the dialect of query/execute. Configuration (dlt's names):
 *   bucket_url   the credentials: `file:///abs/path` or a plain path (relative = to the cwd);
 *                DESTINATION__FILESYSTEM__BUCKET_URL when no credentials are given
 *   layout       DESTINATION__FILESYSTEM__LAYOUT, default "{table_name}/{load_id}.{file_id}.{ext}"
 *   format       the table's `file_format` hint, else NORMALIZE__LOADER_FILE_FORMAT, else jsonl
 *   compression  gzip for jsonl/csv unless NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION or
 *                DATA_WRITER__DISABLE_COMPRESSION is true
 * All settings come from dlt's config providers (env, .dlt/secrets.toml, .dlt/config.toml: e.g.
 * [destination.filesystem] bucket_url / layout, [normalize] loader_file_format).
 * Queries (dlt's filesystem SQL client): an in-memory DuckDB where each dataset folder of the
 * bucket is a schema and each table with files is a view over them (read_json / read_csv /
 * read_parquet, typed from the newest stored schema); `_dlt_loads`, `_dlt_version` and
 * `_dlt_pipeline_state` are views over their jsonl folders, so the loader's state queries work.
 * Views are rebuilt before every statement (they reflect the files at that moment). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdlt/config.h"
#include "destinations/filesystem.h"
#include "json/json.h"
#include "load/sql_gen.h"
#include "schema/schema.h"
#include "util/buf.h"

extern const cdlt_destination_vtab cdlt_filesystem_destination;

bool cdlt_fsd_is(const cdlt_destination *d) { return d && d->vtab == &cdlt_filesystem_destination; }

static bool is_true(const char *v) {
  return v && (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE") || !strcmp(v, "1"));
}

/* a configuration value (explicit > environment > secrets.toml > config.toml, §11) or NULL */
static const char *setting(cdlt_config *c, const char *sections, const char *key) {
  const char *v = NULL;
  return c && cdlt_config_get(c, sections, key, &v, NULL, NULL) == 0 ? v : NULL;
}

static void fsd_close(cdlt_destination *base) {
  cdlt_fsd *d = (cdlt_fsd *)base;
  cdlt_destination_close(d->duck);
  d->duck = NULL;
  free(d->bucket);
  free(d->url);
  free(d->layout);
  free(d->file_format);
  d->bucket = d->url = d->layout = d->file_format = NULL;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

static int fsd_open(cdlt_destination *base, const cdlt_destination_config *cfg, cdlt_error *err) {
  cdlt_fsd *d = (cdlt_fsd *)base;
  cdlt_config *conf = NULL;
  cdlt_config_options co = {.pipeline_name = cfg->pipeline_name};
  if (cdlt_config_open(&co, &conf)) {
    int rc = cdlt_error_set(err, CDLT_ERR_PARSE, "filesystem: %s", cdlt_config_errmsg(conf));
    cdlt_config_close(conf);
    return rc;
  }
  const char *url = cfg->credentials;
  const char *conf_url = setting(conf, "destination.filesystem", "bucket_url");
  /* the pipeline's default credentials may be a DuckDB file path: not a bucket */
  if ((!url || !*url || ends_with(url, ".duckdb")) && conf_url && *conf_url) url = conf_url;
  int rc = 0;
  if (!url || !*url || ends_with(url, ".duckdb"))
    rc = cdlt_error_set(err, CDLT_ERR_USAGE,
                        "filesystem: no bucket_url given (--credentials file:///path or DESTINATION__FILESYSTEM__BUCKET_URL)");
  else if (!strncmp(url, "file://", 7)) url += 7;
  else if (strstr(url, "://"))
    rc = cdlt_error_set(err, CDLT_ERR_USAGE, "filesystem: unsupported bucket_url '%s': only local paths and file:// urls", url);
  if (!rc) {
    if (url[0] == '/') {
      d->bucket = strdup(url);
    } else {
      char cwd[PATH_MAX];
      if (!getcwd(cwd, sizeof cwd)) rc = cdlt_error_errno(err, errno, "cannot read the current directory");
      else d->bucket = cdlt_path_join(cwd, url);
    }
  }
  if (!rc && d->bucket) {
    size_t n = strlen(d->bucket);
    while (n > 1 && d->bucket[n - 1] == '/') d->bucket[--n] = 0;
    const char *layout = setting(conf, "destination.filesystem", "layout");
    d->layout = strdup(layout && *layout ? layout : CDLT_FSD_DEFAULT_LAYOUT);
    if (asprintf(&d->url, "file://%s", d->bucket) < 0) d->url = NULL;
  }
  if (!rc && (!d->bucket || !d->layout || !d->url)) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc) rc = cdlt_fsd_check_layout(d->layout, err);
  const char *fmt = rc ? NULL : setting(conf, "normalize", "loader_file_format");
  if (fmt && *fmt) {
    if (strcmp(fmt, "jsonl") && strcmp(fmt, "csv") && strcmp(fmt, "parquet"))
      rc = cdlt_error_set(err, CDLT_ERR_USAGE, "filesystem: unsupported loader file format '%s' (jsonl, csv, parquet)", fmt);
    else if (!(d->file_format = strdup(fmt)))
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  /* [normalize.data_writer] disable_compression (dlt also finds [data_writer]) */
  d->compress = !is_true(setting(conf, "normalize.data_writer", "disable_compression")) &&
                !is_true(setting(conf, "data_writer", "disable_compression"));
  cdlt_config_close(conf);
  if (rc) fsd_close(base);
  return rc;
}

int cdlt_fsd_duck(cdlt_fsd *d, cdlt_destination **duck, cdlt_error *err) {
  if (!d->duck) {
    const cdlt_destination_vtab *vt = cdlt_destination_find("duckdb");
    cdlt_destination_config cfg = {.credentials = ":memory:"};
    if (!vt) return cdlt_error_set(err, CDLT_ERR_INTERNAL, "filesystem: the duckdb destination is missing");
    int rc = cdlt_destination_open(vt, &cfg, &d->duck, err);
    if (rc) return rc;
  }
  *duck = d->duck;
  return 0;
}

/* ---------------------------------------------------------------- views */

typedef struct view_ctx {
  cdlt_fsd *d;
  cdlt_destination *duck;
  cdlt_buf sql;
} view_ctx;

static int list_literal(cdlt_buf *b, const cdlt_fs_names *files, const char *const *suffixes) {
  int rc = cdlt_buf_putc(b, '[');
  bool first = true;
  for (size_t k = 0; k < files->len; k++) {
    bool match = false;
    for (const char *const *s = suffixes; *s; s++) match |= ends_with(files->names[k], *s);
    if (!match) continue;
    if (!first) rc |= cdlt_buf_puts(b, ", ");
    first = false;
    rc |= cdlt_sql_string_literal(b, &cdlt_dialect_duckdb, files->names[k], strlen(files->names[k]));
  }
  rc |= cdlt_buf_putc(b, ']');
  return rc ? CDLT_ERR_NOMEM : (first ? 1 : 0);   /* 1: no file matched */
}

/* CREATE VIEW "ds"."t" AS <selects over the files, one per format, UNION ALL BY NAME> */
static int create_view(view_ctx *v, const char *dataset, const cdlt_table_def *def, const cdlt_fs_names *files,
                       cdlt_error *err) {
  static const char *const jsonl_sfx[] = {".jsonl", ".jsonl.gz", NULL};
  static const char *const csv_sfx[] = {".csv", ".csv.gz", NULL};
  static const char *const parquet_sfx[] = {".parquet", NULL};
  const cdlt_sql_dialect *dl = &cdlt_dialect_duckdb;
  cdlt_buf *b = &v->sql;
  cdlt_buf cols, sel, list;
  cdlt_buf_init(&cols);
  cdlt_buf_init(&sel);
  cdlt_buf_init(&list);
  cdlt_buf_reset(b);
  int rc = cdlt_buf_puts(b, "CREATE VIEW ") ? CDLT_ERR_NOMEM : 0;
  if (!rc) rc = cdlt_sql_qualified(b, dl, dataset, def->name, err);
  if (!rc) rc = cdlt_buf_puts(b, " AS ");
  bool any = false;
  for (int fmt = 0; fmt < 3 && !rc; fmt++) {
    cdlt_buf_reset(&cols);
    cdlt_buf_reset(&sel);
    cdlt_buf_reset(&list);
    int m = list_literal(&list, files, fmt == 0 ? jsonl_sfx : fmt == 1 ? csv_sfx : parquet_sfx);
    if (m == 1) continue;
    if (m) { rc = CDLT_ERR_NOMEM; break; }
    for (size_t i = 0; i < def->ncolumns && !rc; i++) {
      if (fmt == 2) {
        if (sel.len) rc = cdlt_buf_puts(&sel, ", ");
        if (!rc) rc = cdlt_sql_ident(&sel, dl, def->columns[i].name, err);
      } else {
        rc = cdlt_fsd_column_read_sql(fmt == 0 ? &cols : NULL, &sel, &def->columns[i], fmt == 1, err);
      }
    }
    if (rc) break;
    if (any) rc = cdlt_buf_puts(b, " UNION ALL BY NAME ");
    any = true;
    if (fmt == 0)
      rc |= cdlt_buf_printf(b,
                            "SELECT %s FROM read_json(%s, format='newline_delimited', records=true, columns={%s}, "
                            "compression='auto_detect', maximum_object_size=1073741824)",
                            sel.data, list.data, cols.data);
    else if (fmt == 1)
      rc |= cdlt_buf_printf(b, "SELECT %s FROM read_csv(%s, header=true, all_varchar=true, union_by_name=true)", sel.data,
                            list.data);
    else
      rc |= cdlt_buf_printf(b, "SELECT %s FROM read_parquet(%s, union_by_name=true)", sel.data, list.data);
  }
  if (rc == CDLT_ERR_NOMEM) cdlt_error_set(err, rc, "out of memory");
  if (!rc && any) rc = v->duck->vtab->execute(v->duck, b->data, err);
  cdlt_buf_release(&cols);
  cdlt_buf_release(&sel);
  cdlt_buf_release(&list);
  return rc;
}

/* the newest stored schema of each schema name in <ds>/_dlt_version (file name
 * <schema>__<time>__<hash>.jsonl: the largest time per name wins) */
static int stored_schemas(cdlt_fsd *d, const char *dataset, cdlt_schema ***out, size_t *n, cdlt_error *err) {
  *out = NULL;
  *n = 0;
  cdlt_fs_names files;
  cdlt_fs_names_init(&files);
  int rc = cdlt_fsd_list_table_files(d, dataset, NULL, "_dlt_version", &files, err);
  for (size_t k = 0; !rc && k < files.len; k++) {
    const char *base = strrchr(files.names[k], '/') + 1;
    const char *sep = strstr(base, "__");
    if (!sep) continue;
    bool newest = true;
    for (size_t j = 0; j < files.len && newest; j++) {
      const char *ob = strrchr(files.names[j], '/') + 1;
      const char *os = strstr(ob, "__");
      if (j == k || !os || os - ob != sep - base || strncmp(ob, base, (size_t)(sep - base))) continue;
      double t1 = strtod(sep + 2, NULL), t2 = strtod(os + 2, NULL);
      if (t2 > t1 || (t2 == t1 && j > k)) newest = false;
    }
    if (!newest) continue;
    cdlt_buf text;
    cdlt_buf_init(&text);
    cdlt_json_doc doc;
    cdlt_json_doc_init(&doc);
    cdlt_json_value *v = NULL;
    rc = cdlt_fs_read_file(files.names[k], &text, err);
    if (!rc) rc = cdlt_json_parse(&doc, text.data ? text.data : "", text.len, files.names[k], &v, err);
    const cdlt_json_value *sj = rc ? NULL : cdlt_json_get(v, "schema");
    cdlt_schema *s = NULL;
    if (!rc && sj && sj->type == CDLT_JSON_STRING) rc = cdlt_schema_from_json(sj->u.str.ptr, sj->u.str.len, files.names[k], &s, err);
    if (s) {
      cdlt_schema **grown = realloc(*out, (*n + 1) * sizeof *grown);
      if (!grown) {
        cdlt_schema_free(s);
        rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      } else {
        *out = grown;
        grown[(*n)++] = s;
      }
    }
    cdlt_json_doc_release(&doc);
    cdlt_buf_release(&text);
  }
  cdlt_fs_names_release(&files);
  return rc;
}

static int dataset_views(view_ctx *v, const char *dataset, cdlt_error *err) {
  cdlt_buf_reset(&v->sql);
  int rc = cdlt_buf_puts(&v->sql, "CREATE SCHEMA IF NOT EXISTS ") ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
  if (!rc) rc = cdlt_sql_ident(&v->sql, &cdlt_dialect_duckdb, dataset, err);
  if (!rc) rc = v->duck->vtab->execute(v->duck, v->sql.data, err);
  const cdlt_table_def *dlt_tables[] = {&cdlt_dlt_loads_table, &cdlt_dlt_version_table, &cdlt_dlt_pipeline_state_table};
  for (size_t k = 0; k < 3 && !rc; k++) {
    cdlt_fs_names files;
    cdlt_fs_names_init(&files);
    rc = cdlt_fsd_list_table_files(v->d, dataset, NULL, dlt_tables[k]->name, &files, err);
    if (!rc && files.len) {
      /* the state table as stored in files has no _dlt_id */
      cdlt_table_def def = *dlt_tables[k];
      if (def.ncolumns && !strcmp(def.columns[def.ncolumns - 1].name, "_dlt_id")) def.ncolumns--;
      rc = create_view(v, dataset, &def, &files, err);
    }
    cdlt_fs_names_release(&files);
  }
  cdlt_schema **schemas = NULL;
  size_t nschemas = 0;
  if (!rc) rc = stored_schemas(v->d, dataset, &schemas, &nschemas, err);
  for (size_t s = 0; s < nschemas && !rc; s++) {
    for (size_t t = 0; t < schemas[s]->ntables && !rc; t++) {
      cdlt_table *tab = schemas[s]->tables[t];
      if (!strncmp(tab->name, "_dlt_", 5)) continue;
      cdlt_table_def def;
      if (cdlt_schema_table_def(schemas[s], tab, &def)) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); break; }
      cdlt_fs_names files;
      cdlt_fs_names_init(&files);
      if (def.ncolumns) rc = cdlt_fsd_list_table_files(v->d, dataset, cdlt_schema_name(schemas[s]), tab->name, &files, err);
      if (!rc && files.len) rc = create_view(v, dataset, &def, &files, err);
      cdlt_fs_names_release(&files);
      cdlt_table_def_release(&def);
    }
  }
  for (size_t s = 0; s < nschemas; s++) cdlt_schema_free(schemas[s]);
  free(schemas);
  return rc;
}

/* (re)creates a schema per dataset folder of the bucket (those with an init file) and its views */
static int refresh_views(cdlt_fsd *d, cdlt_destination **duck, cdlt_error *err) {
  view_ctx v = {.d = d};
  int rc = cdlt_fsd_duck(d, &v.duck, err);
  if (rc) return rc;
  *duck = v.duck;
  cdlt_buf_init(&v.sql);
  cdlt_fs_names dirs;
  cdlt_fs_names_init(&dirs);
  cdlt_fs_list_dir(d->bucket, true, false, &dirs, NULL);   /* a missing bucket has no datasets */
  /* drop the views of a previous refresh (schemas stay: a search_path keeps pointing at them) */
  cdlt_rows old = {0};
  rc = v.duck->vtab->query(v.duck, "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal", &old, err);
  for (size_t r = 0; !rc && r < old.nrows; r++) {
    cdlt_buf_reset(&v.sql);
    rc = cdlt_buf_puts(&v.sql, "DROP VIEW ") ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
    if (!rc) rc = cdlt_sql_qualified(&v.sql, &cdlt_dialect_duckdb, cdlt_rows_get(&old, r, 0), cdlt_rows_get(&old, r, 1), err);
    if (!rc) rc = v.duck->vtab->execute(v.duck, v.sql.data, err);
  }
  cdlt_rows_free(&old);
  for (size_t k = 0; k < dirs.len && !rc; k++) {
    char *init = cdlt_path_join_n(d->bucket, dirs.names[k], CDLT_FSD_INIT_FILE, NULL);
    if (!init) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    else if (cdlt_fs_exists(init)) rc = dataset_views(&v, dirs.names[k], err);
    free(init);
  }
  cdlt_fs_names_release(&dirs);
  cdlt_buf_release(&v.sql);
  return rc;
}

/* ---------------------------------------------------------------- vtab */

/* Statements run in the in-memory DuckDB after the views are refreshed: nothing is written to
 * the bucket (as dlt's filesystem SQL client). `SET search_path` persists for later queries. */
static int fsd_execute(cdlt_destination *base, const char *sql, cdlt_error *err) {
  cdlt_destination *duck;
  int rc = refresh_views((cdlt_fsd *)base, &duck, err);
  return rc ? rc : duck->vtab->execute(duck, sql, err);
}

static int fsd_query(cdlt_destination *base, const char *sql, cdlt_rows *out, cdlt_error *err) {
  memset(out, 0, sizeof *out);
  cdlt_destination *duck;
  int rc = refresh_views((cdlt_fsd *)base, &duck, err);
  return rc ? rc : duck->vtab->query(duck, sql, out, err);
}

/* files are written atomically one by one; the `_dlt_loads` file written last commits a package */
static int fsd_noop(cdlt_destination *base, cdlt_error *err) {
  (void)base;
  (void)err;
  return 0;
}

static int fsd_load_file(cdlt_destination *base, const char *dataset, const cdlt_table_def *table, const char *path,
                         cdlt_file_format format, cdlt_error *err) {
  (void)base;
  (void)dataset;
  (void)format;
  return cdlt_error_set(err, CDLT_ERR_INTERNAL, "filesystem: '%s' for table '%s' must be written by the file loader", path,
                        table->name);
}

static const char *fsd_location(cdlt_destination *base) { return ((cdlt_fsd *)base)->url; }

/* a dataset exists once its init file does */
static int fsd_dataset_exists(cdlt_destination *base, const char *dataset, bool *exists, cdlt_error *err) {
  char *init = cdlt_path_join_n(((cdlt_fsd *)base)->bucket, dataset, CDLT_FSD_INIT_FILE, NULL);
  if (!init) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  *exists = cdlt_fs_exists(init);
  free(init);
  return 0;
}

static int fsd_create_dataset(cdlt_destination *base, const char *dataset, cdlt_error *err) {
  char *init = cdlt_path_join_n(((cdlt_fsd *)base)->bucket, dataset, CDLT_FSD_INIT_FILE, NULL);
  if (!init) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int rc = cdlt_fs_exists(init) ? 0 : cdlt_fsd_write_small(init, CDLT_FSD_INIT_CONTENT, strlen(CDLT_FSD_INIT_CONTENT), err);
  free(init);
  return rc;
}

static int push_row(cdlt_rows *r, const char *table, const cdlt_column_def *c) {
  char **n = realloc(r->cells, (r->nrows + 1) * 6 * sizeof *n);
  if (!n) return CDLT_ERR_NOMEM;
  r->cells = n;
  char **row = n + r->nrows * 6;
  memset(row, 0, 6 * sizeof *row);
  row[0] = strdup(table);
  row[1] = strdup(c->name);
  row[2] = strdup(cdlt_data_type_name(c->type));
  row[3] = strdup(c->nullable ? "YES" : "NO");
  r->nrows++;
  return row[0] && row[1] && row[2] && row[3] ? 0 : CDLT_ERR_NOMEM;
}

/* tables "exist" when they have files; columns from the `_dlt_*` definitions or the newest stored
 * schema (files carry no column catalog) */
static int fsd_get_columns(cdlt_destination *base, const char *dataset, const char *const *tables, size_t ntables,
                           cdlt_rows *out, cdlt_error *err) {
  cdlt_fsd *d = (cdlt_fsd *)base;
  static const char *const names[] = {"table_name", "column_name", "data_type", "is_nullable", "numeric_precision",
                                      "numeric_scale"};
  memset(out, 0, sizeof *out);
  out->ncols = 6;
  out->col_names = calloc(6, sizeof(char *));
  out->cells = calloc(1, sizeof(char *));
  int rc = out->col_names && out->cells ? 0 : CDLT_ERR_NOMEM;
  for (size_t c = 0; c < 6 && !rc; c++)
    if (!(out->col_names[c] = strdup(names[c]))) rc = CDLT_ERR_NOMEM;
  if (rc) {
    cdlt_rows_free(out);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  cdlt_schema **schemas = NULL;
  size_t nschemas = 0;
  rc = stored_schemas(d, dataset, &schemas, &nschemas, err);
  const cdlt_table_def *dlt_tables[] = {&cdlt_dlt_loads_table, &cdlt_dlt_version_table, &cdlt_dlt_pipeline_state_table};
  for (size_t k = 0; k < ntables && !rc; k++) {
    cdlt_fs_names files;
    cdlt_fs_names_init(&files);
    const char *schema_name = nschemas ? cdlt_schema_name(schemas[0]) : "";
    rc = cdlt_fsd_list_table_files(d, dataset, schema_name, tables[k], &files, err);
    bool has_files = files.len > 0;
    cdlt_fs_names_release(&files);
    if (rc || !has_files) continue;
    bool done = false;
    for (size_t t = 0; t < 3 && !done && !rc; t++)
      if (!strcmp(tables[k], dlt_tables[t]->name)) {
        for (size_t c = 0; c < dlt_tables[t]->ncolumns && !rc; c++) rc = push_row(out, tables[k], &dlt_tables[t]->columns[c]);
        done = true;
      }
    for (size_t s = 0; s < nschemas && !done && !rc; s++) {
      cdlt_table *tab = cdlt_schema_table(schemas[s], tables[k]);
      cdlt_table_def def;
      if (!tab) continue;
      if (cdlt_schema_table_def(schemas[s], tab, &def)) { rc = CDLT_ERR_NOMEM; break; }
      for (size_t c = 0; c < def.ncolumns && !rc; c++) rc = push_row(out, tables[k], &def.columns[c]);
      cdlt_table_def_release(&def);
      done = true;
    }
    if (rc == CDLT_ERR_NOMEM) cdlt_error_set(err, rc, "out of memory");
  }
  for (size_t s = 0; s < nschemas; s++) cdlt_schema_free(schemas[s]);
  free(schemas);
  if (rc) cdlt_rows_free(out);
  return rc;
}

const cdlt_destination_vtab cdlt_filesystem_destination = {
    .abi_version = 1,
    .name = "filesystem",
    .instance_size = sizeof(cdlt_fsd),
    .dialect = &cdlt_dialect_duckdb,   /* of query/execute (in-memory DuckDB views); see writes_files */
    .supported_formats = (1u << CDLT_FORMAT_JSONL) | (1u << CDLT_FORMAT_CSV) | (1u << CDLT_FORMAT_PARQUET),
    .preferred_format = CDLT_FORMAT_JSONL,
    .open = fsd_open,
    .close = fsd_close,
    .execute = fsd_execute,
    .query = fsd_query,
    .begin = fsd_noop,
    .commit = fsd_noop,
    .rollback = fsd_noop,
    .load_file = fsd_load_file,
    .location = fsd_location,
    .dataset_exists = fsd_dataset_exists,
    .create_dataset = fsd_create_dataset,
    .get_columns = fsd_get_columns,
    .writes_files = true,
};
