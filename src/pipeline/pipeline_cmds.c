/* pipeline_cmds.c — inspection and maintenance of a pipeline's working dir, behind `cdlt pipeline`
 * (DLT_CONTRACT §13): attach, list, info, trace, load-package, failed-jobs, schema, pending
 * packages, sync, and the resource state API. Texts follow dlt's printed form. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cdlt/cdlt.h"
#include "cdlt/schema.h"
#include "json/json.h"
#include "package/job_file.h"
#include "package/package.h"
#include "pipeline/lock.h"
#include "pipeline/pipeline_internal.h"
#include "pipeline/restore.h"
#include "pipeline/trace.h"
#include "schema/schema.h"
#include "state/state.h"
#include "util/fs.h"
#include "util/isotime.h"

void cdlt_free(void *ptr) { free(ptr); }

static int fail(cdlt_pipeline *p, int rc) {
  if (p->err.code == 0) p->err.code = rc;
  return rc;
}

static int nomem(cdlt_pipeline *p) { return fail(p, cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory")); }

/* hands the buffer to the caller */
static int give(cdlt_pipeline *p, cdlt_buf *b, char **out) {
  if (!b->data && cdlt_buf_puts(b, "")) { cdlt_buf_release(b); return nomem(p); }
  *out = cdlt_buf_detach(b);
  return *out ? 0 : nomem(p);
}

/* a string without dlt's PUA type prefix (typed values print as their text) */
static const char *strip_pua(const char *s) {
  unsigned char c0 = (unsigned char)s[0], c1 = (unsigned char)s[1], c2 = (unsigned char)s[2];
  if (c0 == 0xEF && c1 == 0x80 && c2 >= 0xA6 && c2 <= 0xAD) return s + 3;
  return s;
}

/* Python's str() of a JSON value, for dlt's "key: value" lines */
static void py_str(cdlt_buf *b, const cdlt_json_value *v, bool nested) {
  switch (v->type) {
    case CDLT_JSON_NULL: cdlt_buf_puts(b, "None"); break;
    case CDLT_JSON_BOOL: cdlt_buf_puts(b, v->u.boolean ? "True" : "False"); break;
    case CDLT_JSON_STRING:
      if (nested) cdlt_buf_printf(b, "'%s'", strip_pua(v->u.str.ptr));
      else cdlt_buf_puts(b, strip_pua(v->u.str.ptr));
      break;
    case CDLT_JSON_ARRAY:
      cdlt_buf_putc(b, '[');
      for (size_t k = 0; k < v->u.arr.len; k++) {
        if (k) cdlt_buf_puts(b, ", ");
        py_str(b, v->u.arr.items[k], true);
      }
      cdlt_buf_putc(b, ']');
      break;
    case CDLT_JSON_OBJECT: cdlt_json_write(b, v, 0); break;
    default: cdlt_buf_append(b, v->u.num.text, v->u.num.len); break;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* attach / list */

static void last_run(const char *wd_path, char **dest, char **dataset) {
  *dest = *dataset = NULL;
  char *path = cdlt_path_join(wd_path, "state.json");
  cdlt_state st;
  if (path && cdlt_state_load(&st, path, NULL) == 0) {
    const char *t = cdlt_json_get_str(st.root, "destination_type");
    const char *ds = cdlt_json_get_str(st.root, "dataset_name");
    if (t) {
      const char *dot = strrchr(t, '.');
      *dest = strdup(dot ? dot + 1 : t);
    }
    if (ds) *dataset = strdup(ds);
  }
  cdlt_state_release(&st);
  free(path);
}

int cdlt_pipeline_attach(const cdlt_pipeline_options *opts, cdlt_pipeline **out) {
  *out = NULL;
  char *dir = NULL, *wd = NULL;
  cdlt_error err = {0};
  int rc = 0;
  if (opts && opts->pipeline_name && opts->pipeline_name[0] && !strchr(opts->pipeline_name, '/')) {
    rc = cdlt_workdir_resolve_pipelines_dir(opts->pipelines_dir, NULL, &dir, &err);
    if (!rc && !(wd = cdlt_path_join(dir, opts->pipeline_name))) rc = CDLT_ERR_NOMEM;
    if (!rc && !cdlt_fs_is_dir(wd)) rc = cdlt_error_set(&err, CDLT_ERR_NOT_FOUND, "pipeline '%s' not found in '%s'", opts->pipeline_name, dir);
  }
  char *dest = NULL, *ds = NULL;
  if (!rc && wd) last_run(wd, &dest, &ds);
  cdlt_pipeline_options o = opts ? *opts : (cdlt_pipeline_options){0};
  if (!o.destination) o.destination = dest;
  if (!o.dataset_name) o.dataset_name = ds;
  o.skip_restore = 1;
  o.dev_mode = 0;
  if (!rc) {
    rc = cdlt_pipeline_open(&o, out);
  } else {
    /* a handle that carries the message */
    cdlt_pipeline_options none = {0};
    cdlt_pipeline_open(&none, out);
    if (*out) {
      (*out)->err = err;
      if (!(*out)->err.code) (*out)->err.code = rc;
      if (rc == CDLT_ERR_NOMEM) cdlt_error_set(&(*out)->err, rc, "out of memory");
    }
  }
  free(dest);
  free(ds);
  free(dir);
  free(wd);
  return rc;
}

/* "20 seconds ago" (humanize.naturaltime, coarse) */
static void ago(time_t then, char *out, size_t cap) {
  long d = (long)(time(NULL) - then);
  if (d < 0) d = 0;
  if (d < 60) snprintf(out, cap, "%ld second%s ago", d, d == 1 ? "" : "s");
  else if (d < 3600) snprintf(out, cap, "%ld minute%s ago", d / 60, d / 60 == 1 ? "" : "s");
  else if (d < 86400) snprintf(out, cap, "%ld hour%s ago", d / 3600, d / 3600 == 1 ? "" : "s");
  else snprintf(out, cap, "%ld day%s ago", d / 86400, d / 86400 == 1 ? "" : "s");
}

int cdlt_pipelines_list(const char *pipelines_dir, int json, char **out) {
  *out = NULL;
  cdlt_error err = {0};
  char *dir = NULL;
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_fs_names names;
  cdlt_fs_names_init(&names);
  int rc = cdlt_workdir_resolve_pipelines_dir(pipelines_dir, NULL, &dir, &err);
  if (!rc) {
    rc = cdlt_fs_list_dir(dir, true, false, &names, &err);
    if (rc == CDLT_ERR_NOT_FOUND) rc = 0;
  }
  if (rc) {
    *out = strdup(err.msg);
    free(dir);
    return rc;
  }
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *arr = cdlt_json_array(&d);
  if (!json) cdlt_buf_printf(&b, "%zu pipelines found in %s\n", names.len, dir);
  for (size_t k = 0; k < names.len; k++) {
    char *wd = cdlt_path_join(dir, names.names[k]);
    char *trace = wd ? cdlt_path_join(wd, "trace.json") : NULL;
    struct stat sb;
    bool has = trace && stat(trace, &sb) == 0;
    char iso[48] = "", rel[64] = "";
    if (has) {
      cdlt_format_iso_utc((int64_t)sb.st_mtim.tv_sec * CDLT_US_PER_SEC + sb.st_mtim.tv_nsec / 1000, iso);
      ago(sb.st_mtim.tv_sec, rel, sizeof rel);
    }
    if (json) {
      cdlt_json_value *o = cdlt_json_object(&d);
      cdlt_json_object_set(&d, o, "name", cdlt_json_cstr(&d, names.names[k]));
      cdlt_json_object_set(&d, o, "last_run", has ? cdlt_json_cstr(&d, iso) : cdlt_json_null(&d));
      cdlt_json_array_push(&d, arr, o);
    } else if (has) {
      cdlt_buf_printf(&b, "%s (last run: %s (%s))\n", names.names[k], rel, iso);
    } else {
      cdlt_buf_printf(&b, "%s (last run: never)\n", names.names[k]);
    }
    free(wd);
    free(trace);
  }
  if (json) {
    cdlt_json_value *o = cdlt_json_object(&d);
    cdlt_json_object_set(&d, o, "pipelines_dir", cdlt_json_cstr(&d, dir));
    cdlt_json_object_set(&d, o, "pipelines", arr);
    cdlt_json_write(&b, o, CDLT_JSON_WRITE_PRETTY);
    cdlt_buf_putc(&b, '\n');
  }
  cdlt_json_doc_release(&d);
  cdlt_fs_names_release(&names);
  free(dir);
  if (!b.data) cdlt_buf_puts(&b, "");
  *out = cdlt_buf_detach(&b);
  return *out ? 0 : CDLT_ERR_NOMEM;
}

/* ------------------------------------------------------------------------------------------ */
/* info */

static int load_state(cdlt_pipeline *p, cdlt_state *st, bool *have) {
  *have = false;
  char *path = cdlt_workdir_join(&p->wd, "state.json");
  if (!path) return nomem(p);
  int rc = cdlt_state_load(st, path, &p->err);
  free(path);
  if (rc == CDLT_ERR_NOT_FOUND) {
    cdlt_state_release(st);
    cdlt_error_clear(&p->err);
    return 0;
  }
  if (rc) return fail(p, rc);
  *have = true;
  return 0;
}

static int list_stage(cdlt_pipeline *p, cdlt_package_stage stage, cdlt_fs_names *n) {
  cdlt_fs_names_init(n);
  int rc = cdlt_package_list(&p->wd, stage, n, &p->err);
  return rc ? fail(p, rc) : 0;
}

static void names_json(cdlt_json_doc *d, cdlt_json_value *o, const char *key, const cdlt_fs_names *n) {
  cdlt_json_value *a = cdlt_json_array(d);
  for (size_t k = 0; k < n->len; k++) cdlt_json_array_push(d, a, cdlt_json_cstr(d, n->names[k]));
  cdlt_json_object_set(d, o, key, a);
}

/* the pending packages part of info / drop-pending-packages */
static void pending_text(cdlt_buf *b, const cdlt_fs_names *ex, const cdlt_fs_names *norm) {
  if (ex->len) {
    cdlt_buf_printf(b, "Has %zu extracted packages ready to be normalized with following load ids:\n", ex->len);
    for (size_t k = 0; k < ex->len; k++) cdlt_buf_printf(b, "%s\n", ex->names[k]);
  }
  if (norm->len) {
    cdlt_buf_printf(b, "Has %zu normalized packages ready to be loaded with following load ids:\n", norm->len);
    for (size_t k = 0; k < norm->len; k++) cdlt_buf_printf(b, "%s\n", norm->names[k]);
    cdlt_buf_putc(b, '\n');
  }
}

/* resources of a schema: root data tables grouped by their `resource`, nested tables counted with
 * their root (dlt's group_tables_by_resource over data_tables) */
static void resources_text(cdlt_buf *b, const cdlt_schema *s, const cdlt_json_value *source_state, bool verbose,
                           cdlt_json_doc *d, cdlt_json_value *jres) {
  const char **seen = calloc(s->ntables + 1, sizeof *seen);
  size_t nseen = 0;
  for (size_t k = 0; seen && k < s->ntables; k++) {
    const cdlt_table *t = s->tables[k];
    if (!strncmp(t->name, "_dlt", 4)) continue;
    const cdlt_table *root = cdlt_schema_root_of(s, t);
    const char *res = cdlt_json_get_str(root ? root->json : t->json, "resource");
    if (!res) res = root ? root->name : t->name;
    bool dup = false;
    for (size_t j = 0; j < nseen; j++) dup |= !strcmp(seen[j], res);
    if (dup) continue;
    seen[nseen++] = res;
    size_t ntables = 0;
    for (size_t j = 0; j < s->ntables; j++) {
      const cdlt_table *u = s->tables[j];
      if (!strncmp(u->name, "_dlt", 4)) continue;
      const cdlt_table *r2 = cdlt_schema_root_of(s, u);
      const char *res2 = cdlt_json_get_str(r2 ? r2->json : u->json, "resource");
      if (!strcmp(res2 ? res2 : (r2 ? r2->name : u->name), res)) ntables++;
    }
    const cdlt_json_value *rs = cdlt_json_get(cdlt_json_get(source_state, "resources"), res);
    size_t slots = rs && rs->type == CDLT_JSON_OBJECT ? rs->u.obj.len : 0;
    if (b) cdlt_buf_printf(b, "%s with %zu table(s) and %zu resource state slot(s)\n", res, ntables, slots);
    cdlt_json_value *jr = d ? cdlt_json_object(d) : NULL;
    cdlt_json_value *jt = d ? cdlt_json_array(d) : NULL;
    for (size_t j = 0; j < s->ntables; j++) {
      const cdlt_table *u = s->tables[j];
      if (!strncmp(u->name, "_dlt", 4)) continue;
      const cdlt_table *r2 = cdlt_schema_root_of(s, u);
      const char *res2 = cdlt_json_get_str(r2 ? r2->json : u->json, "resource");
      if (strcmp(res2 ? res2 : (r2 ? r2->name : u->name), res)) continue;
      bool data = cdlt_table_seen_data(u);
      if (b && verbose)
        cdlt_buf_printf(b, "\t%s table %zu column(s) %s\n", u->name, u->ncolumns, data ? "received data" : "not yet received data");
      if (jt) {
        cdlt_json_value *o = cdlt_json_object(d);
        cdlt_json_object_set(d, o, "name", cdlt_json_cstr(d, u->name));
        cdlt_json_object_set(d, o, "columns", cdlt_json_int(d, (int64_t)u->ncolumns));
        cdlt_json_object_set(d, o, "received_data", cdlt_json_bool(d, data));
        cdlt_json_array_push(d, jt, o);
      }
    }
    if (jr) {
      cdlt_json_object_set(d, jr, "tables", jt);
      cdlt_json_object_set(d, jr, "resource_state_slots", cdlt_json_int(d, (int64_t)slots));
      cdlt_json_object_set(d, jres, res, jr);
    }
  }
  free(seen);
}

int cdlt_pipeline_info(cdlt_pipeline *p, int verbose, int json, char **out) {
  *out = NULL;
  cdlt_error_clear(&p->err);
  cdlt_state st;
  bool have;
  int rc = load_state(p, &st, &have);
  if (rc) return rc;
  cdlt_fs_names ex, norm, loaded;
  list_stage(p, CDLT_STAGE_EXTRACTED, &ex);
  list_stage(p, CDLT_STAGE_NORMALIZED, &norm);
  list_stage(p, CDLT_STAGE_LOADED, &loaded);
  char *trace_path = cdlt_workdir_join(&p->wd, "trace.json");
  bool has_trace = trace_path && cdlt_fs_exists(trace_path);
  free(trace_path);
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *jo = json ? cdlt_json_object(&d) : NULL;
  if (!json) {
    cdlt_buf_printf(&b, "Found pipeline %s in %s\n", p->name, p->wd.pipelines_dir);
    cdlt_buf_puts(&b, "Synchronized state:\n");
  } else {
    cdlt_json_object_set(&d, jo, "pipeline_name", cdlt_json_cstr(&d, p->name));
    cdlt_json_object_set(&d, jo, "pipelines_dir", cdlt_json_cstr(&d, p->wd.pipelines_dir));
    cdlt_json_object_set(&d, jo, "state", have ? cdlt_json_copy(&d, st.root) : cdlt_json_null(&d));
  }
  const cdlt_json_value *sources = have ? cdlt_json_get(st.root, "sources") : NULL;
  if (!json) {
    for (size_t k = 0; have && k < st.root->u.obj.len; k++) {
      const cdlt_json_member *m = &st.root->u.obj.members[k];
      if (m->value->type == CDLT_JSON_OBJECT) continue;
      cdlt_buf_printf(&b, "%s: ", m->key);
      py_str(&b, m->value, false);
      cdlt_buf_putc(&b, '\n');
    }
    cdlt_buf_puts(&b, "\nsources:\n");
    if (verbose) {
      if (sources) cdlt_json_write(&b, sources, CDLT_JSON_WRITE_PRETTY);
      else cdlt_buf_puts(&b, "{}");
      cdlt_buf_putc(&b, '\n');
    } else {
      cdlt_buf_puts(&b, "Add -v option to see sources state. Note that it could be large.\n");
    }
    cdlt_buf_puts(&b, "\nLocal state:\n");
    const cdlt_json_value *local = have ? cdlt_json_get(st.root, "_local") : NULL;
    for (size_t k = 0; local && local->type == CDLT_JSON_OBJECT && k < local->u.obj.len; k++) {
      const cdlt_json_member *m = &local->u.obj.members[k];
      if (m->value->type == CDLT_JSON_OBJECT) continue;
      cdlt_buf_printf(&b, "%s: ", m->key);
      py_str(&b, m->value, false);
      cdlt_buf_putc(&b, '\n');
    }
    cdlt_buf_putc(&b, '\n');
  }
  /* resources per schema */
  const cdlt_json_value *schema_names = have ? cdlt_json_get(st.root, "schema_names") : NULL;
  cdlt_json_value *jschemas = json ? cdlt_json_object(&d) : NULL;
  if (!schema_names || schema_names->type != CDLT_JSON_ARRAY || !schema_names->u.arr.len) {
    if (!json) cdlt_buf_puts(&b, "This pipeline does not have a default schema\n");
  } else {
    bool single = schema_names->u.arr.len == 1;
    for (size_t k = 0; k < schema_names->u.arr.len; k++) {
      const cdlt_json_value *n = schema_names->u.arr.items[k];
      if (n->type != CDLT_JSON_STRING) continue;
      char *rel = NULL, *path = NULL;
      if (asprintf(&rel, "schemas/%s.schema.json", n->u.str.ptr) >= 0) path = cdlt_workdir_join(&p->wd, rel);
      cdlt_schema *s = NULL;
      cdlt_error ignored;
      if (path && cdlt_fs_exists(path)) cdlt_schema_load_file(path, &s, &ignored);
      free(rel);
      free(path);
      if (!json) cdlt_buf_printf(&b, "Resources in schema: %s\n", n->u.str.ptr);
      const cdlt_json_value *src_state = NULL;
      if (sources && sources->type == CDLT_JSON_OBJECT)
        src_state = single ? (sources->u.obj.len ? sources->u.obj.members[0].value : NULL) : cdlt_json_get(sources, n->u.str.ptr);
      cdlt_json_value *jres = json ? cdlt_json_object(&d) : NULL;
      if (s) resources_text(json ? NULL : &b, s, src_state, verbose != 0, json ? &d : NULL, jres);
      if (json) cdlt_json_object_set(&d, jschemas, n->u.str.ptr, jres);
      else cdlt_buf_putc(&b, '\n');
      cdlt_schema_free(s);
    }
  }
  if (!json) {
    cdlt_buf_puts(&b, "Working dir content:\n");
    pending_text(&b, &ex, &norm);
    if (loaded.len) {
      cdlt_buf_printf(&b, "Has %zu completed load packages with following load ids:\n", loaded.len);
      for (size_t k = 0; k < loaded.len; k++) cdlt_buf_printf(&b, "%s\n", loaded.names[k]);
      cdlt_buf_putc(&b, '\n');
    }
    if (has_trace) cdlt_buf_printf(&b, "Pipeline has last run trace. Use 'cdlt pipeline %s trace' to inspect\n", p->name);
    else cdlt_buf_puts(&b, "Pipeline does not have last run trace.\n");
  } else {
    cdlt_json_object_set(&d, jo, "resources", jschemas);
    names_json(&d, jo, "extracted_packages", &ex);
    names_json(&d, jo, "normalized_packages", &norm);
    names_json(&d, jo, "completed_packages", &loaded);
    cdlt_json_object_set(&d, jo, "has_trace", cdlt_json_bool(&d, has_trace));
    cdlt_json_write(&b, jo, CDLT_JSON_WRITE_PRETTY);
    cdlt_buf_putc(&b, '\n');
  }
  cdlt_json_doc_release(&d);
  cdlt_fs_names_release(&ex);
  cdlt_fs_names_release(&norm);
  cdlt_fs_names_release(&loaded);
  if (have) cdlt_state_release(&st);
  return give(p, &b, out);
}

int cdlt_pipeline_trace(cdlt_pipeline *p, int json, char **out) {
  *out = NULL;
  cdlt_error_clear(&p->err);
  char *path = cdlt_workdir_join(&p->wd, "trace.json");
  if (!path) return nomem(p);
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = json ? cdlt_fs_read_file(path, &b, &p->err) : cdlt_trace_format(path, &b, &p->err);
  if (rc == CDLT_ERR_NOT_FOUND && json)
    rc = cdlt_error_set(&p->err, CDLT_ERR_NOT_FOUND, "no trace found in '%s' (the pipeline has not run yet)", path);
  free(path);
  if (rc) {
    cdlt_buf_release(&b);
    return fail(p, rc);
  }
  if (json) cdlt_buf_putc(&b, '\n');
  return give(p, &b, out);
}

/* ------------------------------------------------------------------------------------------ */
/* load packages */

/* humanize.naturalsize(n, gnu=True): "1.8K", "512B" */
static void natural_size(uint64_t n, char *out, size_t cap) {
  if (n < 1024) { snprintf(out, cap, "%lluB", (unsigned long long)n); return; }
  static const char units[] = "KMGTPE";
  double v = (double)n;
  int u = -1;
  while (v >= 1024 && u < 5) { v /= 1024; u++; }
  snprintf(out, cap, "%.1f%c", v, units[u]);
}

static void file_time(const char *path, char out[48]) {
  struct stat sb;
  out[0] = 0;
  if (stat(path, &sb) != 0) return;
  cdlt_format_boundary((int64_t)sb.st_mtim.tv_sec * CDLT_US_PER_SEC + sb.st_mtim.tv_nsec / 1000, out);
}

/* finds a package in any stage; newest loaded (then normalized, extracted) when load_id is NULL */
static int find_package(cdlt_pipeline *p, const char *load_id, cdlt_package *pkg) {
  static const cdlt_package_stage order[] = {CDLT_STAGE_LOADED, CDLT_STAGE_NORMALIZED, CDLT_STAGE_EXTRACTED};
  char newest[64] = "";
  cdlt_package_stage where = CDLT_STAGE_LOADED;
  for (size_t s = 0; s < 3; s++) {
    if (load_id) {
      if (cdlt_package_exists(&p->wd, order[s], load_id)) {
        snprintf(newest, sizeof newest, "%s", load_id);
        where = order[s];
        break;
      }
      continue;
    }
    cdlt_fs_names n;
    list_stage(p, order[s], &n);
    if (n.len && strcmp(n.names[n.len - 1], newest) > 0) {
      snprintf(newest, sizeof newest, "%s", n.names[n.len - 1]);
      where = order[s];
    }
    cdlt_fs_names_release(&n);
  }
  if (!newest[0]) {
    if (load_id) return fail(p, cdlt_error_set(&p->err, CDLT_ERR_NOT_FOUND, "load package '%s' not found in pipeline '%s'", load_id, p->name));
    return fail(p, cdlt_error_set(&p->err, CDLT_ERR_NOT_FOUND, "pipeline '%s' has no load packages", p->name));
  }
  int rc = cdlt_package_open(&p->wd, where, newest, pkg, &p->err);
  return rc ? fail(p, rc) : 0;
}

static const char *package_state_name(const cdlt_package *pkg) {
  if (pkg->stage == CDLT_STAGE_EXTRACTED) return "EXTRACTED";
  if (pkg->stage == CDLT_STAGE_NORMALIZED) return "NORMALIZED";
  if (pkg->stage != CDLT_STAGE_LOADED) return "NEW";
  cdlt_buf b;
  cdlt_buf_init(&b);
  const char *s = "LOADED";
  if (cdlt_package_read_file(pkg, CDLT_PACKAGE_COMPLETED_FILE, &b, NULL) == 0 && b.data && !strncmp(b.data, "aborted", 7))
    s = "ABORTED";
  cdlt_buf_release(&b);
  return s;
}

int cdlt_pipeline_load_package(cdlt_pipeline *p, const char *load_id, int json, char **out) {
  *out = NULL;
  cdlt_error_clear(&p->err);
  cdlt_package pkg;
  memset(&pkg, 0, sizeof pkg);
  int rc = find_package(p, load_id, &pkg);
  if (rc) return rc;
  cdlt_buf b, tmp;
  cdlt_buf_init(&b);
  cdlt_buf_init(&tmp);
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  const char *state = package_state_name(&pkg);
  /* schema name and updated tables */
  const char *schema_name = p->schema_name;
  cdlt_json_value *sch = NULL, *upd = NULL;
  if (cdlt_package_read_file(&pkg, CDLT_PACKAGE_SCHEMA_FILE, &tmp, NULL) == 0 &&
      cdlt_json_parse(&d, tmp.data ? tmp.data : "", tmp.len, "schema", &sch, NULL) == 0 && cdlt_json_get_str(sch, "name"))
    schema_name = cdlt_json_get_str(sch, "name");
  cdlt_buf_reset(&tmp);
  if (cdlt_package_read_file(&pkg, CDLT_PACKAGE_APPLIED_SCHEMA_UPDATES_FILE, &tmp, NULL) == 0 ||
      cdlt_package_read_file(&pkg, CDLT_PACKAGE_SCHEMA_UPDATES_FILE, &tmp, NULL) == 0)
    cdlt_json_parse(&d, tmp.data ? tmp.data : "", tmp.len, "schema updates", &upd, NULL);
  size_t nupd = upd && upd->type == CDLT_JSON_OBJECT ? upd->u.obj.len : 0;
  char done_at[48] = "";
  char *cpath = cdlt_package_file_path(&pkg, CDLT_PACKAGE_COMPLETED_FILE);
  if (cpath) file_time(cpath, done_at);
  free(cpath);
  cdlt_json_value *jo = cdlt_json_object(&d), *jjobs = cdlt_json_array(&d);
  if (!json) {
    cdlt_buf_printf(&b, "Package %s found in %s\n", pkg.load_id, pkg.path);
    cdlt_buf_printf(&b, "The package with load id %s for schema %s is in %s state. It updated schema for %zu tables.",
                    pkg.load_id, schema_name, state, nupd);
    if (done_at[0]) cdlt_buf_printf(&b, " The package was %s at %s.", state, done_at);
    cdlt_buf_puts(&b, "\nJobs details:\n");
  }
  static const cdlt_job_state js[] = {CDLT_JOB_NEW, CDLT_JOB_STARTED, CDLT_JOB_COMPLETED, CDLT_JOB_FAILED};
  for (size_t s = 0; s < 4; s++) {
    cdlt_fs_names jobs;
    cdlt_fs_names_init(&jobs);
    cdlt_package_list_jobs(&pkg, js[s], &jobs, NULL);
    for (size_t k = 0; k < jobs.len; k++) {
      cdlt_job_file jf;
      if (cdlt_job_file_parse(jobs.names[k], &jf, NULL)) continue;
      char *jid = cdlt_job_file_job_id(&jf);
      char *jp = cdlt_package_job_path(&pkg, js[s], jobs.names[k]);
      uint64_t size = 0;
      if (jp) cdlt_fs_file_size(jp, &size, NULL);
      char sz[32], at[48] = "";
      natural_size(size, sz, sizeof sz);
      if (jp) file_time(jp, at);
      if (!json) {
        cdlt_buf_printf(&b, "Job: %s, table: %s in %s. File type: %s, size: %s.", jid ? jid : jobs.names[k], jf.table,
                        cdlt_job_state_dir(js[s]), jf.format, sz);
        if (at[0] && js[s] == CDLT_JOB_COMPLETED) cdlt_buf_printf(&b, " Completed on: %s.", at);
        cdlt_buf_putc(&b, '\n');
      } else {
        cdlt_json_value *o = cdlt_json_object(&d);
        cdlt_json_object_set(&d, o, "job_id", cdlt_json_cstr(&d, jid ? jid : jobs.names[k]));
        cdlt_json_object_set(&d, o, "table", cdlt_json_cstr(&d, jf.table));
        cdlt_json_object_set(&d, o, "state", cdlt_json_cstr(&d, cdlt_job_state_dir(js[s])));
        cdlt_json_object_set(&d, o, "file_type", cdlt_json_cstr(&d, jf.format));
        cdlt_json_object_set(&d, o, "size", cdlt_json_int(&d, (int64_t)size));
        cdlt_json_object_set(&d, o, "path", jp ? cdlt_json_cstr(&d, jp) : cdlt_json_null(&d));
        cdlt_json_array_push(&d, jjobs, o);
      }
      free(jid);
      free(jp);
      cdlt_job_file_release(&jf);
    }
    cdlt_fs_names_release(&jobs);
  }
  if (json) {
    cdlt_json_object_set(&d, jo, "load_id", cdlt_json_cstr(&d, pkg.load_id));
    cdlt_json_object_set(&d, jo, "path", cdlt_json_cstr(&d, pkg.path));
    cdlt_json_object_set(&d, jo, "schema_name", cdlt_json_cstr(&d, schema_name));
    cdlt_json_object_set(&d, jo, "state", cdlt_json_cstr(&d, state));
    cdlt_json_object_set(&d, jo, "updated_tables", cdlt_json_int(&d, (int64_t)nupd));
    cdlt_json_object_set(&d, jo, "jobs", jjobs);
    cdlt_json_write(&b, jo, CDLT_JSON_WRITE_PRETTY);
    cdlt_buf_putc(&b, '\n');
  }
  cdlt_json_doc_release(&d);
  cdlt_buf_release(&tmp);
  cdlt_package_close(&pkg);
  return give(p, &b, out);
}

int cdlt_pipeline_failed_jobs(cdlt_pipeline *p, int json, char **out) {
  *out = NULL;
  cdlt_error_clear(&p->err);
  cdlt_fs_names loaded, norm;
  list_stage(p, CDLT_STAGE_LOADED, &loaded);
  list_stage(p, CDLT_STAGE_NORMALIZED, &norm);
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *arr = cdlt_json_array(&d);
  for (size_t s = 0; s < 2; s++) {
    const cdlt_fs_names *n = s ? &norm : &loaded;
    for (size_t k = 0; k < n->len; k++) {
      cdlt_package pkg;
      memset(&pkg, 0, sizeof pkg);
      if (cdlt_package_open(&p->wd, s ? CDLT_STAGE_NORMALIZED : CDLT_STAGE_LOADED, n->names[k], &pkg, NULL)) continue;
      if (!json) cdlt_buf_printf(&b, "Checking failed jobs in load id '%s'\n", n->names[k]);
      cdlt_fs_names jobs;
      cdlt_fs_names_init(&jobs);
      cdlt_package_list_jobs(&pkg, CDLT_JOB_FAILED, &jobs, NULL);
      size_t nfailed = 0;
      for (size_t j = 0; j < jobs.len; j++) {
        size_t l = strlen(jobs.names[j]), sl = strlen(CDLT_PACKAGE_EXCEPTION_SUFFIX);
        if (l > sl && !strcmp(jobs.names[j] + l - sl, CDLT_PACKAGE_EXCEPTION_SUFFIX)) continue;
        cdlt_job_file jf;
        if (cdlt_job_file_parse(jobs.names[j], &jf, NULL)) continue;
        nfailed++;
        char *jid = cdlt_job_file_job_id(&jf);
        char *jp = cdlt_package_job_path(&pkg, CDLT_JOB_FAILED, jobs.names[j]);
        cdlt_buf msg;
        cdlt_buf_init(&msg);
        cdlt_package_read_job_exception(&pkg, jobs.names[j], &msg, NULL);
        if (!json) {
          cdlt_buf_printf(&b, "JOB: %s(%s)\nJOB file type: %s\nJOB file path: %s\n%s\n", jid ? jid : jobs.names[j], jf.table,
                          jf.format, jp ? jp : "", msg.data ? msg.data : "");
        } else {
          cdlt_json_value *o = cdlt_json_object(&d);
          cdlt_json_object_set(&d, o, "load_id", cdlt_json_cstr(&d, n->names[k]));
          cdlt_json_object_set(&d, o, "job_id", cdlt_json_cstr(&d, jid ? jid : jobs.names[j]));
          cdlt_json_object_set(&d, o, "table", cdlt_json_cstr(&d, jf.table));
          cdlt_json_object_set(&d, o, "file_type", cdlt_json_cstr(&d, jf.format));
          cdlt_json_object_set(&d, o, "path", cdlt_json_cstr(&d, jp ? jp : ""));
          cdlt_json_object_set(&d, o, "failed_message", cdlt_json_cstr(&d, msg.data ? msg.data : ""));
          cdlt_json_array_push(&d, arr, o);
        }
        cdlt_buf_release(&msg);
        free(jid);
        free(jp);
        cdlt_job_file_release(&jf);
      }
      if (!json) cdlt_buf_puts(&b, nfailed ? "\n" : "No failed jobs found\n");
      cdlt_fs_names_release(&jobs);
      cdlt_package_close(&pkg);
    }
  }
  if (json) {
    cdlt_json_value *o = cdlt_json_object(&d);
    cdlt_json_object_set(&d, o, "failed_jobs", arr);
    cdlt_json_write(&b, o, CDLT_JSON_WRITE_PRETTY);
    cdlt_buf_putc(&b, '\n');
  }
  cdlt_json_doc_release(&d);
  cdlt_fs_names_release(&loaded);
  cdlt_fs_names_release(&norm);
  return give(p, &b, out);
}

int cdlt_pipeline_schema(cdlt_pipeline *p, const char *format, int remove_defaults, char **out) {
  *out = NULL;
  cdlt_error_clear(&p->err);
  char *path = cdlt_pipeline_schema_path(p);
  if (!path) return nomem(p);
  if (!cdlt_fs_exists(path)) {
    free(path);
    return fail(p, cdlt_error_set(&p->err, CDLT_ERR_NOT_FOUND, "pipeline '%s' has no schema yet", p->name));
  }
  char *text = NULL;
  int rc = cdlt_schema_file_format(path, format, remove_defaults, &text, p->err.msg, sizeof p->err.msg);
  free(path);
  if (rc) return fail(p, rc);
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_buf_printf(&b, "Found schema with name %s\n%s", p->schema_name, text);
  free(text);
  return give(p, &b, out);
}

/* ------------------------------------------------------------------------------------------ */
/* pending packages, sync */

int cdlt_pipeline_pending_packages(cdlt_pipeline *p, size_t *count, char **out) {
  *out = NULL;
  cdlt_error_clear(&p->err);
  cdlt_fs_names ex, norm;
  list_stage(p, CDLT_STAGE_EXTRACTED, &ex);
  list_stage(p, CDLT_STAGE_NORMALIZED, &norm);
  cdlt_buf b;
  cdlt_buf_init(&b);
  pending_text(&b, &ex, &norm);
  *count = ex.len + norm.len;
  if (!*count) cdlt_buf_puts(&b, "No pending packages found\n");
  cdlt_fs_names_release(&ex);
  cdlt_fs_names_release(&norm);
  return give(p, &b, out);
}

int cdlt_pipeline_drop_pending_packages(cdlt_pipeline *p) {
  cdlt_error_clear(&p->err);
  cdlt_pipeline_lock lk;
  int rc = cdlt_pipeline_lock_acquire(&lk, p->wd.path, p->name, 0, &p->err);
  if (rc) return fail(p, rc);
  static const cdlt_package_stage st[] = {CDLT_STAGE_EXTRACTED, CDLT_STAGE_NORMALIZED};
  for (size_t s = 0; !rc && s < 2; s++) {
    cdlt_fs_names n;
    list_stage(p, st[s], &n);
    for (size_t k = 0; !rc && k < n.len; k++) {
      cdlt_package pkg;
      memset(&pkg, 0, sizeof pkg);
      rc = cdlt_package_open(&p->wd, st[s], n.names[k], &pkg, &p->err);
      if (!rc) rc = cdlt_package_delete(&pkg, &p->err);
      cdlt_package_close(&pkg);
    }
    cdlt_fs_names_release(&n);
  }
  /* half-built packages too (normalize/<temp>, load/new) */
  if (!rc) {
    size_t removed;
    rc = cdlt_package_cleanup_extract_temp(&p->wd, &removed, &p->err);
  }
  if (!rc) {
    char *newdir = cdlt_workdir_join(&p->wd, "load/new");
    cdlt_fs_names n;
    cdlt_fs_names_init(&n);
    if (newdir && cdlt_fs_list_dir(newdir, true, false, &n, NULL) == 0)
      for (size_t k = 0; !rc && k < n.len; k++) rc = cdlt_package_discard_new(&p->wd, n.names[k], &p->err);
    cdlt_fs_names_release(&n);
    free(newdir);
  }
  cdlt_pipeline_lock_release(&lk);
  return rc ? fail(p, rc) : 0;
}

int cdlt_pipeline_sync(cdlt_pipeline *p, char **out) {
  if (out) *out = NULL;
  cdlt_error_clear(&p->err);
  cdlt_pipeline_lock lk;
  int rc = cdlt_pipeline_lock_acquire(&lk, p->wd.path, p->name, 0, &p->err);
  if (rc) return fail(p, rc);
  /* drop the local state and schemas; packages stay */
  char *state = cdlt_workdir_join(&p->wd, "state.json");
  char *schemas = cdlt_workdir_join(&p->wd, "schemas");
  if (!state || !schemas) rc = cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc) rc = cdlt_fs_unlink(state, &p->err);
  if (!rc) rc = cdlt_fs_rm_rf(schemas, &p->err);
  if (!rc) rc = cdlt_fs_mkdir_p(schemas, 0755, &p->err);
  free(state);
  free(schemas);
  cdlt_restore_result res;
  if (!rc) rc = cdlt_pipeline_restore(p, &res, &p->err);
  cdlt_pipeline_lock_release(&lk);
  if (rc) return fail(p, rc);
  if (!out) return 0;
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (res.state_restored)
    cdlt_buf_printf(&b, "Restored state version %lld and %d schema(s) from dataset %s\n", (long long)res.state_version,
                    res.schemas_restored, p->dataset);
  else
    cdlt_buf_printf(&b, "Pipeline %s was not found in dataset %s in %s\n", p->name, p->dataset, p->destination_name);
  return give(p, &b, out);
}

/* ------------------------------------------------------------------------------------------ */
/* resource state */

static cdlt_json_value *resource_obj(cdlt_state *st, const char *schema, const char *resource, bool create) {
  cdlt_json_doc *d = &st->doc;
  if (!create) return cdlt_json_get(cdlt_json_get(cdlt_json_get(cdlt_json_get(st->root, "sources"), schema), "resources"), resource);
  cdlt_json_value *s = cdlt_json_get_or_add_object(d, st->root, "sources");
  s = s ? cdlt_json_get_or_add_object(d, s, schema) : NULL;
  s = s ? cdlt_json_get_or_add_object(d, s, "resources") : NULL;
  return s ? cdlt_json_get_or_add_object(d, s, resource) : NULL;
}

int cdlt_pipeline_get_resource_state(cdlt_pipeline *p, const char *resource, char **json_out) {
  *json_out = NULL;
  cdlt_error_clear(&p->err);
  if (!resource) return fail(p, cdlt_error_set(&p->err, CDLT_ERR_USAGE, "a resource name is required"));
  cdlt_state st;
  bool have;
  int rc = load_state(p, &st, &have);
  if (rc) return rc;
  const cdlt_json_value *r = have ? resource_obj(&st, p->schema_name, resource, false) : NULL;
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (r) cdlt_json_write(&b, r, 0);
  else cdlt_buf_puts(&b, "{}");
  if (have) cdlt_state_release(&st);
  return give(p, &b, json_out);
}

int cdlt_pipeline_set_resource_state(cdlt_pipeline *p, const char *resource, const char *json) {
  cdlt_error_clear(&p->err);
  if (!resource || !json) return fail(p, cdlt_error_set(&p->err, CDLT_ERR_USAGE, "a resource name and a JSON object are required"));
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *v = NULL;
  int rc = cdlt_json_parse(&d, json, strlen(json), "resource state", &v, &p->err);
  if (!rc && v->type != CDLT_JSON_OBJECT) rc = cdlt_error_set(&p->err, CDLT_ERR_USAGE, "the state of resource '%s' must be a JSON object", resource);
  cdlt_pipeline_lock lk = {-1};
  if (!rc) rc = cdlt_pipeline_lock_acquire(&lk, p->wd.path, p->name, cdlt_pipeline_lock_timeout_ms(), &p->err);
  cdlt_state st;
  bool have = false;
  if (!rc) rc = load_state(p, &st, &have);
  if (!rc && !have) {
    rc = cdlt_state_init_new(&st, p->name, &p->err);
    have = !rc;
  }
  if (!rc) {
    cdlt_json_value *res = cdlt_json_get_or_add_object(&st.doc, cdlt_json_get_or_add_object(&st.doc,
                                                          cdlt_json_get_or_add_object(&st.doc, st.root, "sources"), p->schema_name),
                                                      "resources");
    cdlt_json_value *c = cdlt_json_copy(&st.doc, v);
    if (!res || !c || cdlt_json_object_set(&st.doc, res, resource, c)) rc = cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory");
  }
  if (!rc) rc = cdlt_state_bump(&st, NULL, &p->err);
  if (!rc) {
    char *path = cdlt_workdir_join(&p->wd, "state.json");
    rc = path ? cdlt_state_save(&st, path, &p->err) : cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory");
    free(path);
  }
  if (have) cdlt_state_release(&st);
  cdlt_pipeline_lock_release(&lk);
  cdlt_json_doc_release(&d);
  (void)resource_obj;
  return rc ? fail(p, rc) : 0;
}
