/* pipeline_file.c — pipeline files for `cdlt run -c NAME.pipeline.toml` (docs/internals/CONFIG.md):
 * a [pipeline] table of pipeline options and [[resources]] entries, each with input globs and
 * dlt's resource hints, validated strictly (unknown keys name key, file and line) and turned into
 * cdlt_pipeline_options / cdlt_resource_options (hints as JSON, TOML date-times as ISO strings). */
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdlt/config.h"
#include "config/toml.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

typedef struct pf_resource {
  char *name;
  char **paths;
  size_t npaths;
  char *hints_json;
  cdlt_resource_options opts;
} pf_resource;

struct cdlt_pipeline_file {
  char *path, *dir;
  cdlt_toml_doc doc;
  cdlt_pipeline_options opts;
  char *pipelines_dir;
  pf_resource *res;
  size_t nres;
  char errmsg[1024];
};

typedef struct ctx {
  cdlt_pipeline_file *f;
  cdlt_error *err;
} ctx;

static int failv(ctx *x, const cdlt_json_value *at, const char *fmt, va_list ap) {
  char reason[700];
  vsnprintf(reason, sizeof reason, fmt, ap);
  uint64_t line = 0, col = 0;
  if (at && cdlt_toml_position(&x->f->doc, at, &line, &col)) {
    cdlt_error_set(x->err, CDLT_ERR_USAGE, "%s in '%s' at line %llu", reason, x->f->path,
                   (unsigned long long)line);
    x->err->line = line;
    x->err->column = col;
  } else {
    cdlt_error_set(x->err, CDLT_ERR_USAGE, "%s in '%s'", reason, x->f->path);
  }
  return CDLT_ERR_USAGE;
}

static int fail(ctx *x, const cdlt_json_value *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(ctx *x, const cdlt_json_value *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = failv(x, at, fmt, ap);
  va_end(ap);
  return rc;
}

/* Every key of table must be in allowed (NULL-terminated). */
static int check_keys(ctx *x, const cdlt_json_value *table, const char *where,
                      const char *const *allowed) {
  for (size_t i = 0; i < table->u.obj.len; i++) {
    const cdlt_json_member *m = &table->u.obj.members[i];
    bool ok = false;
    for (size_t k = 0; allowed[k] && !ok; k++) ok = !strcmp(m->key, allowed[k]);
    if (!ok) return fail(x, m->value, "unknown key '%s' in %s", m->key, where);
  }
  return 0;
}

static int want_string(ctx *x, const cdlt_json_value *v, const char *what, const char **out) {
  if (!v) return 0;
  if (v->type != CDLT_JSON_STRING || cdlt_toml_kind_of(&x->f->doc, v) != CDLT_TOML_STRING)
    return fail(x, v, "'%s' must be a string", what);
  *out = v->u.str.ptr;
  return 0;
}

static int want_bool(ctx *x, const cdlt_json_value *v, const char *what, int *out) {
  if (!v) return 0;
  if (v->type != CDLT_JSON_BOOL) return fail(x, v, "'%s' must be true or false", what);
  *out = v->u.boolean;
  return 0;
}

/* A string or an array of strings. */
static int want_string_or_list(ctx *x, const cdlt_json_value *v, const char *what) {
  if (!v || v->type == CDLT_JSON_STRING) return 0;
  if (v->type == CDLT_JSON_ARRAY) {
    for (size_t i = 0; i < v->u.arr.len; i++)
      if (v->u.arr.items[i]->type != CDLT_JSON_STRING)
        return fail(x, v, "'%s' must be a string or a list of strings", what);
    return 0;
  }
  return fail(x, v, "'%s' must be a string or a list of strings", what);
}

static char *absolute_in(const char *dir, const char *p) {
  if (p[0] == '/') return strdup(p);
  if (!strcmp(p, ".")) return strdup(dir);
  if (!strncmp(p, "./", 2)) p += 2;
  return cdlt_path_join(dir, p);
}

static int parse_pipeline(ctx *x, const cdlt_json_value *t) {
  static const char *const keys[] = {"name", "pipeline_name", "destination", "dataset_name",
                                     "credentials", "pipelines_dir", "dev_mode", "naming",
                                     "replace_strategy", "refresh", "restore_from_destination", NULL};
  if (t->type != CDLT_JSON_OBJECT) return fail(x, t, "'pipeline' must be a table");
  int rc = check_keys(x, t, "[pipeline]", keys);
  cdlt_pipeline_options *o = &x->f->opts;
  const char *pipelines_dir = NULL;
  int restore = 1;
  if (!rc) rc = want_string(x, cdlt_json_get(t, "name"), "name", &o->pipeline_name);
  if (!rc && !o->pipeline_name) rc = want_string(x, cdlt_json_get(t, "pipeline_name"), "pipeline_name", &o->pipeline_name);
  if (!rc) rc = want_string(x, cdlt_json_get(t, "destination"), "destination", &o->destination);
  if (!rc) rc = want_string(x, cdlt_json_get(t, "dataset_name"), "dataset_name", &o->dataset_name);
  if (!rc) rc = want_string(x, cdlt_json_get(t, "credentials"), "credentials", &o->credentials);
  if (!rc) rc = want_string(x, cdlt_json_get(t, "pipelines_dir"), "pipelines_dir", &pipelines_dir);
  if (!rc) rc = want_bool(x, cdlt_json_get(t, "dev_mode"), "dev_mode", &o->dev_mode);
  if (!rc) rc = want_string(x, cdlt_json_get(t, "naming"), "naming", &o->naming);
  if (!rc) rc = want_string(x, cdlt_json_get(t, "replace_strategy"), "replace_strategy", &o->replace_strategy);
  if (!rc) rc = want_string(x, cdlt_json_get(t, "refresh"), "refresh", &o->refresh);
  if (!rc) rc = want_bool(x, cdlt_json_get(t, "restore_from_destination"), "restore_from_destination", &restore);
  if (rc) return rc;
  o->skip_restore = !restore;
  if (pipelines_dir) {
    x->f->pipelines_dir = absolute_in(x->f->dir, pipelines_dir);
    if (!x->f->pipelines_dir) return cdlt_error_set(x->err, CDLT_ERR_NOMEM, "out of memory");
    o->pipelines_dir = x->f->pipelines_dir;
  }
  if (!o->pipeline_name) return fail(x, t, "[pipeline] needs a 'name'");
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int expand_paths(ctx *x, pf_resource *r, const cdlt_json_value *paths) {
  size_t n = paths->type == CDLT_JSON_ARRAY ? paths->u.arr.len : 1;
  if (n == 0) return fail(x, paths, "resource '%s': 'paths' is empty", r->name);
  for (size_t i = 0; i < n; i++) {
    const cdlt_json_value *p = paths->type == CDLT_JSON_ARRAY ? paths->u.arr.items[i] : paths;
    char *pattern = absolute_in(x->f->dir, p->u.str.ptr);
    if (!pattern) return cdlt_error_set(x->err, CDLT_ERR_NOMEM, "out of memory");
    glob_t g;
    memset(&g, 0, sizeof g);
    int grc = glob(pattern, 0, NULL, &g);
    free(pattern);
    if (grc == GLOB_NOMATCH || (grc == 0 && g.gl_pathc == 0)) {
      globfree(&g);
      return fail(x, paths, "resource '%s': no file matches '%s'", r->name, p->u.str.ptr);
    }
    if (grc != 0) {
      globfree(&g);
      return fail(x, paths, "resource '%s': cannot expand '%s'", r->name, p->u.str.ptr);
    }
    char **np = realloc(r->paths, (r->npaths + g.gl_pathc) * sizeof *np);
    if (!np) {
      globfree(&g);
      return cdlt_error_set(x->err, CDLT_ERR_NOMEM, "out of memory");
    }
    r->paths = np;
    size_t first = r->npaths;
    for (size_t k = 0; k < g.gl_pathc; k++) {
      if (!cdlt_fs_is_file(g.gl_pathv[k])) continue;
      char *s = strdup(g.gl_pathv[k]);
      if (!s) {
        globfree(&g);
        return cdlt_error_set(x->err, CDLT_ERR_NOMEM, "out of memory");
      }
      r->paths[r->npaths++] = s;
    }
    globfree(&g);
    qsort(r->paths + first, r->npaths - first, sizeof *r->paths, cmp_str);
    if (r->npaths == first)
      return fail(x, paths, "resource '%s': no file matches '%s'", r->name, p->u.str.ptr);
  }
  return 0;
}

static int check_write_disposition(ctx *x, const cdlt_json_value *v) {
  static const char *const keys[] = {"disposition", "strategy", "validity_column_names",
                                     "active_record_timestamp", "boundary_timestamp",
                                     "row_version_column_name", NULL};
  if (v->type == CDLT_JSON_STRING) return 0;
  if (v->type != CDLT_JSON_OBJECT) return fail(x, v, "'write_disposition' must be a string or a table");
  int rc = check_keys(x, v, "write_disposition", keys);
  if (!rc && !cdlt_json_get(v, "disposition")) return fail(x, v, "write_disposition needs 'disposition'");
  return rc;
}

static int check_incremental(ctx *x, const cdlt_json_value *v) {
  static const char *const keys[] = {"cursor_path", "initial_value", "end_value", "last_value_func",
                                     "row_order", "on_cursor_value_missing", "lag", "range_start",
                                     "range_end", "primary_key", NULL};
  if (v->type != CDLT_JSON_OBJECT) return fail(x, v, "'incremental' must be a table");
  int rc = check_keys(x, v, "incremental", keys);
  if (!rc && !cdlt_json_get_str(v, "cursor_path")) return fail(x, v, "incremental needs a 'cursor_path'");
  return rc;
}

static int parse_resource(ctx *x, const cdlt_json_value *t, size_t idx, pf_resource *r) {
  static const char *const keys[] = {"name", "paths", "table_name", "write_disposition", "primary_key",
                                     "merge_key", "columns", "max_table_nesting", "schema_contract",
                                     "incremental", "nested_hints", "file_format", NULL};
  if (t->type != CDLT_JSON_OBJECT) return fail(x, t, "'resources' must be an array of tables");
  int rc = check_keys(x, t, "[[resources]]", keys);
  if (rc) return rc;
  const char *name = NULL, *table_name = NULL;
  rc = want_string(x, cdlt_json_get(t, "name"), "name", &name);
  if (!rc) rc = want_string(x, cdlt_json_get(t, "table_name"), "table_name", &table_name);
  if (rc) return rc;
  if (!name) name = table_name;
  if (!name) return fail(x, t, "resource %zu needs a 'name' or a 'table_name'", idx + 1);
  r->name = strdup(name);
  if (!r->name) return cdlt_error_set(x->err, CDLT_ERR_NOMEM, "out of memory");
  const cdlt_json_value *paths = cdlt_json_get(t, "paths");
  if (!paths) return fail(x, t, "resource '%s' needs 'paths'", name);
  rc = want_string_or_list(x, paths, "paths");
  if (!rc) rc = want_string_or_list(x, cdlt_json_get(t, "primary_key"), "primary_key");
  if (!rc) rc = want_string_or_list(x, cdlt_json_get(t, "merge_key"), "merge_key");
  if (rc) return rc;
  const cdlt_json_value *v;
  if (!rc && (v = cdlt_json_get(t, "write_disposition"))) rc = check_write_disposition(x, v);
  if (!rc && (v = cdlt_json_get(t, "incremental"))) rc = check_incremental(x, v);
  if (!rc && (v = cdlt_json_get(t, "columns")) && v->type != CDLT_JSON_OBJECT && v->type != CDLT_JSON_ARRAY)
    rc = fail(x, v, "'columns' must be a table of column schemas");
  if (!rc && (v = cdlt_json_get(t, "max_table_nesting")) && (v->type != CDLT_JSON_INT || v->u.num.i < 0))
    rc = fail(x, v, "'max_table_nesting' must be a non-negative integer");
  if (!rc && (v = cdlt_json_get(t, "schema_contract")) && v->type != CDLT_JSON_STRING) {
    static const char *const sc_keys[] = {"tables", "columns", "data_type", NULL};
    rc = v->type == CDLT_JSON_OBJECT ? check_keys(x, v, "schema_contract", sc_keys)
                                     : fail(x, v, "'schema_contract' must be a string or a table");
  }
  if (!rc && (v = cdlt_json_get(t, "nested_hints")) && v->type != CDLT_JSON_OBJECT)
    rc = fail(x, v, "'nested_hints' must be a table");
  if (!rc && (v = cdlt_json_get(t, "file_format")) && v->type != CDLT_JSON_STRING)
    rc = fail(x, v, "'file_format' must be a string");
  if (rc) return rc;
  rc = expand_paths(x, r, paths);
  if (rc) return rc;
  /* hints JSON, keys in dlt's order */
  static const char *const hint_keys[] = {"write_disposition", "primary_key", "merge_key", "columns",
                                          "max_table_nesting", "schema_contract", "incremental",
                                          "nested_hints", "file_format", NULL};
  cdlt_json_doc *d = &x->f->doc.json;
  cdlt_json_value *h = cdlt_json_object(d);
  if (!h || cdlt_json_object_add(d, h, "table_name", 10, cdlt_json_cstr(d, table_name ? table_name : name)))
    return cdlt_error_set(x->err, CDLT_ERR_NOMEM, "out of memory");
  for (size_t k = 0; hint_keys[k]; k++)
    if ((v = cdlt_json_get(t, hint_keys[k])) && cdlt_json_object_add(d, h, hint_keys[k], strlen(hint_keys[k]), (cdlt_json_value *)v))
      return cdlt_error_set(x->err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (cdlt_json_write(&b, h, 0)) {
    cdlt_buf_release(&b);
    return cdlt_error_set(x->err, CDLT_ERR_NOMEM, "out of memory");
  }
  r->hints_json = cdlt_buf_detach(&b);
  if (!r->hints_json) return cdlt_error_set(x->err, CDLT_ERR_NOMEM, "out of memory");
  r->opts.table_name = table_name ? table_name : name;
  r->opts.write_disposition = NULL;
  r->opts.hints_json = r->hints_json;
  return 0;
}

static int load(cdlt_pipeline_file *f, const char *path, cdlt_error *err) {
  ctx x = {f, err};
  f->path = strdup(path);
  char *slash = f->path ? strrchr(f->path, '/') : NULL;
  char cwd[PATH_MAX];
  if (!f->path || !getcwd(cwd, sizeof cwd)) return cdlt_error_set(err, CDLT_ERR_IO, "cannot get the current directory");
  if (!slash) f->dir = strdup(cwd);
  else if (f->path[0] == '/') f->dir = strndup(f->path, slash == f->path ? 1 : (size_t)(slash - f->path));
  else {
    char *rel = strndup(f->path, (size_t)(slash - f->path));
    f->dir = rel ? absolute_in(cwd, rel) : NULL;
    free(rel);
  }
  if (!f->dir) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int rc = cdlt_toml_parse_file(&f->doc, path, err);
  if (rc) return rc;
  const cdlt_json_value *root = f->doc.root;
  static const char *const top[] = {"pipeline", "resources", NULL};
  rc = check_keys(&x, root, "the pipeline file", top);
  if (rc) return rc;
  const cdlt_json_value *p = cdlt_json_get(root, "pipeline");
  if (!p) return cdlt_error_set(err, CDLT_ERR_USAGE, "missing [pipeline] table in '%s'", path);
  rc = parse_pipeline(&x, p);
  if (rc) return rc;
  const cdlt_json_value *rs = cdlt_json_get(root, "resources");
  if (!rs || rs->type != CDLT_JSON_ARRAY || rs->u.arr.len == 0)
    return rs ? fail(&x, rs, "'resources' must be an array of tables ([[resources]])")
              : cdlt_error_set(err, CDLT_ERR_USAGE, "no [[resources]] in '%s'", path);
  f->res = calloc(rs->u.arr.len, sizeof *f->res);
  if (!f->res) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < rs->u.arr.len; i++) {
    f->nres = i + 1;
    rc = parse_resource(&x, rs->u.arr.items[i], i, &f->res[i]);
    if (rc) return rc;
    for (size_t k = 0; k < i; k++)
      if (!strcmp(f->res[k].opts.table_name, f->res[i].opts.table_name))
        return fail(&x, rs->u.arr.items[i], "two resources load table '%s'", f->res[i].opts.table_name);
  }
  return 0;
}

int cdlt_pipeline_file_load(const char *path, cdlt_pipeline_file **out) {
  *out = NULL;
  cdlt_pipeline_file *f = calloc(1, sizeof *f);
  if (!f) return CDLT_ERR_NOMEM;
  cdlt_toml_doc_init(&f->doc);
  *out = f;
  if (!path || !*path) {
    snprintf(f->errmsg, sizeof f->errmsg, "no pipeline file given");
    return CDLT_ERR_USAGE;
  }
  cdlt_error err = {0};
  int rc = load(f, path, &err);
  if (rc) snprintf(f->errmsg, sizeof f->errmsg, "%s", err.msg);
  return rc;
}

void cdlt_pipeline_file_free(cdlt_pipeline_file *f) {
  if (!f) return;
  for (size_t i = 0; i < f->nres; i++) {
    free(f->res[i].name);
    for (size_t k = 0; k < f->res[i].npaths; k++) free(f->res[i].paths[k]);
    free(f->res[i].paths);
    free(f->res[i].hints_json);
  }
  free(f->res);
  free(f->pipelines_dir);
  free(f->path);
  free(f->dir);
  cdlt_toml_doc_release(&f->doc);
  free(f);
}

const char *cdlt_pipeline_file_errmsg(const cdlt_pipeline_file *f) { return f ? f->errmsg : "out of memory"; }
const cdlt_pipeline_options *cdlt_pipeline_file_options(const cdlt_pipeline_file *f) { return &f->opts; }
const char *cdlt_pipeline_file_dir(const cdlt_pipeline_file *f) { return f->dir; }
size_t cdlt_pipeline_file_resource_count(const cdlt_pipeline_file *f) { return f ? f->nres : 0; }
const char *cdlt_pipeline_file_resource_name(const cdlt_pipeline_file *f, size_t i) {
  return i < f->nres ? f->res[i].name : NULL;
}
const cdlt_resource_options *cdlt_pipeline_file_resource_options(const cdlt_pipeline_file *f, size_t i) {
  return i < f->nres ? &f->res[i].opts : NULL;
}
const char *const *cdlt_pipeline_file_resource_paths(const cdlt_pipeline_file *f, size_t i, size_t *n) {
  if (i >= f->nres) {
    if (n) *n = 0;
    return NULL;
  }
  if (n) *n = f->res[i].npaths;
  return (const char *const *)f->res[i].paths;
}
