/* extract_stage.c — the shared extract stage (see extract_stage.h): resource hints applied to the
 * schema, incremental cursors opened on the pipeline state, one typed-jsonl job per resource,
 * units driven (parallel ones on a worker pool), cursors committed, the state row, the package
 * state and schema written, the package committed (§5.2, §5.4, §5.7, §7.3, §9). */
#define _GNU_SOURCE
#include "extract/extract_stage.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/incremental.h"
#include "extract/job_writer.h"
#include "extract/resource_hints.h"
#include "package/package.h"
#include "pipeline/pipeline_internal.h"
#include "schema/naming.h"
#include "state/package_state.h"
#include "state/state.h"
#include "util/hash.h"
#include "util/isotime.h"
#include "util/loadid.h"

struct cdlt_extract_sink {
  const cdlt_extract_resource *res;
  cdlt_resource_hints hints;
  bool hints_parsed;
  char *table;                  /* normalized root table */
  cdlt_incremental *inc;        /* NULL without an incremental hint */
  char *inc_start, *inc_end;    /* compact JSON or NULL */
  cdlt_job_writer w;
  bool writer_open;
  uint64_t count;               /* items kept */
  const cdlt_package *pkg;      /* the package being extracted (extra jobs, extract_parallel.c) */
  cdlt_json_doc scratch;        /* the {"value": x} wrapper of scalar items */
  /* shared with every sink of the run */
  pthread_mutex_t *state_mu;
  cdlt_state *st;
  const char *schema_name;
};

static const char *json_kind(const cdlt_json_value *v) {
  switch (v->type) {
    case CDLT_JSON_NULL: return "null";
    case CDLT_JSON_BOOL: return "a boolean";
    case CDLT_JSON_STRING: return "a string";
    case CDLT_JSON_ARRAY: return "an array";
    case CDLT_JSON_OBJECT: return "an object";
    default: return "a number";
  }
}

/* The first integer of v outside [-2^63, 2^64-1], or NULL: dlt's extract serializes items with
 * orjson, which refuses those ("Integer exceeds 64-bit range", §2.2). Depth-limited by the reader. */
static const cdlt_json_value *oversized_int(const cdlt_json_value *v) {
  if (v->type == CDLT_JSON_BIGINT) {
    const char *t = v->u.num.text;
    size_t n = v->u.num.len;
    if (t[0] == '-') return v;   /* BIGINT below int64's minimum */
    if (n > 20 || (n == 20 && memcmp(t, "18446744073709551615", 20) > 0)) return v;
    return NULL;
  }
  if (v->type == CDLT_JSON_ARRAY)
    for (size_t k = 0; k < v->u.arr.len; k++) {
      const cdlt_json_value *hit = oversized_int(v->u.arr.items[k]);
      if (hit) return hit;
    }
  if (v->type == CDLT_JSON_OBJECT)
    for (size_t k = 0; k < v->u.obj.len; k++) {
      const cdlt_json_value *hit = oversized_int(v->u.obj.members[k].value);
      if (hit) return hit;
    }
  return NULL;
}

/* the _dlt_pipeline_state table as dlt adds it once state is extracted (§4.5) */
static int add_state_table(cdlt_schema *s, cdlt_error *err) {
  if (cdlt_schema_table(s, "_dlt_pipeline_state")) return 0;
  static const char *const def =
      "{\"columns\":{"
      "\"version\":{\"name\":\"version\",\"data_type\":\"bigint\",\"nullable\":false},"
      "\"engine_version\":{\"name\":\"engine_version\",\"data_type\":\"bigint\",\"nullable\":false},"
      "\"pipeline_name\":{\"name\":\"pipeline_name\",\"data_type\":\"text\",\"nullable\":false},"
      "\"state\":{\"name\":\"state\",\"data_type\":\"text\",\"nullable\":false},"
      "\"created_at\":{\"name\":\"created_at\",\"data_type\":\"timestamp\",\"nullable\":false},"
      "\"version_hash\":{\"name\":\"version_hash\",\"data_type\":\"text\",\"nullable\":true},"
      "\"_dlt_load_id\":{\"name\":\"_dlt_load_id\",\"data_type\":\"text\",\"nullable\":false,\"precision\":64},"
      "\"_dlt_id\":{\"name\":\"_dlt_id\",\"data_type\":\"text\",\"nullable\":false,\"unique\":true,\"row_key\":true}},"
      "\"write_disposition\":\"append\",\"file_format\":\"preferred\",\"name\":\"_dlt_pipeline_state\","
      "\"resource\":\"_dlt_pipeline_state\"}";
  cdlt_json_doc tmp;
  cdlt_json_doc_init(&tmp);
  cdlt_json_value *t = NULL;
  int rc = cdlt_json_parse(&tmp, def, strlen(def), "state table", &t, err);
  if (!rc) {
    cdlt_table *st = cdlt_schema_add_root_table(s, "_dlt_pipeline_state", "append", "_dlt_pipeline_state");
    if (!st) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    /* replace the default-made table object with dlt's exact one (key order included), then
     * re-index its columns */
    if (st) {
      cdlt_json_object_remove(st->json, "name");
      cdlt_json_object_remove(st->json, "resource");
    }
    for (size_t k = 0; !rc && k < t->u.obj.len; k++) {
      const cdlt_json_member *m = &t->u.obj.members[k];
      if (strcmp(m->key, "columns") == 0) continue;
      rc = cdlt_table_set_prop(s, st, m->key, m->value);
    }
    cdlt_json_value *cols = cdlt_json_get(t, "columns");
    for (size_t k = 0; !rc && k < cols->u.obj.len; k++)
      if (!cdlt_schema_merge_column(s, st, cols->u.obj.members[k].value)) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  cdlt_json_doc_release(&tmp);
  return rc;
}

static int update_state(cdlt_pipeline *p, cdlt_state *st) {
  int rc = 0;
  cdlt_json_doc *d = &st->doc;
  cdlt_json_value *names = cdlt_json_array(d);
  cdlt_json_array_push(d, names, cdlt_json_cstr(d, p->schema_name));
  rc |= cdlt_state_set_str(st, "default_schema_name", p->schema_name);
  rc |= cdlt_state_set_str(st, "dataset_name", p->dataset);
  rc |= cdlt_state_set(st, "schema_names", names);
  rc |= cdlt_state_set_str(st, "pipeline_name", p->name);
  char dtype[128];
  /* a named destination (destination_type in config) records its type and its name, as dlt does */
  snprintf(dtype, sizeof dtype, "dlt.destinations.%s", p->dest_vt->name);
  rc |= cdlt_state_set_str(st, "destination_type", dtype);
  rc |= cdlt_state_set_str(st, "destination_name", strcmp(p->destination_name, p->dest_vt->name) ? p->destination_name : NULL);
  return rc ? CDLT_ERR_NOMEM : 0;
}

/* sources.<schema>.resources.<resource> in the state, created when missing (§7.1) */
static cdlt_json_value *resource_state(cdlt_state *st, const char *schema_name, const char *resource) {
  cdlt_json_doc *d = &st->doc;
  cdlt_json_value *sources = cdlt_json_get_or_add_object(d, st->root, "sources");
  cdlt_json_value *src = sources ? cdlt_json_get_or_add_object(d, sources, schema_name) : NULL;
  cdlt_json_value *resources = src ? cdlt_json_get_or_add_object(d, src, "resources") : NULL;
  return resources ? cdlt_json_get_or_add_object(d, resources, resource) : NULL;
}

/* the resource's primary key as an array of C strings (borrowed from the hints) */
static size_t primary_key_names(const cdlt_resource_hints *h, const char **names, size_t cap) {
  size_t n = 0;
  for (size_t k = 0; h->primary_key && k < h->primary_key->u.arr.len && n < cap; k++)
    names[n++] = h->primary_key->u.arr.items[k]->u.str.ptr;
  for (size_t k = 0; !h->primary_key && h->columns && k < h->columns->u.obj.len && n < cap; k++)
    if (cdlt_json_get_bool(h->columns->u.obj.members[k].value, "primary_key", false))
      names[n++] = h->columns->u.obj.members[k].key;
  return n;
}

/* marks the cursor column `incremental: true` (dlt's cursor column hint, §9) */
static int hint_cursor_column(cdlt_schema *schema, cdlt_table *t, const cdlt_incremental *inc, cdlt_error *err) {
  const char *raw = cdlt_incremental_cursor_column(inc);
  if (!raw) return 0;
  const char *names = cdlt_json_get_str(cdlt_json_get(schema->root, "normalizers"), "names");
  cdlt_naming_ctx nctx = cdlt_naming_ctx_make(cdlt_naming_find(names ? names : "snake_case"), 0);
  cdlt_buf col;
  cdlt_buf_init(&col);
  int rc = cdlt_naming_normalize_path(&nctx, raw, strlen(raw), &col, err);
  cdlt_json_doc tmp;
  cdlt_json_doc_init(&tmp);
  if (!rc) {
    cdlt_json_value *c = cdlt_json_object(&tmp);
    if (!c || cdlt_json_object_set(&tmp, c, "name", cdlt_json_cstr(&tmp, col.data)) ||
        cdlt_json_object_set(&tmp, c, "incremental", cdlt_json_bool(&tmp, true)) || !cdlt_schema_merge_column(schema, t, c))
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  cdlt_json_doc_release(&tmp);
  cdlt_buf_release(&col);
  return rc;
}

/* "item in '<source>' at line L, column C (byte B)<what>": a parse error at the reader's last item */
static int item_error(const cdlt_json_reader *r, cdlt_error *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int item_error(const cdlt_json_reader *r, cdlt_error *err, const char *fmt, ...) {
  uint64_t line, col, off;
  cdlt_json_reader_item_position(r, &line, &col, &off);
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  int rc = cdlt_error_set(err, CDLT_ERR_PARSE, "item in '%s' at line %llu, column %llu (byte %llu)%s",
                          cdlt_json_reader_source_name(r), (unsigned long long)line, (unsigned long long)col,
                          (unsigned long long)off, what);
  if (err) { err->line = line; err->column = col; err->offset = off; }
  return rc;
}

static int refuse_not_object(const cdlt_json_value *item, const cdlt_json_reader *r, cdlt_error *err) {
  return item_error(r, err, " is %s, not a JSON object", json_kind(item));
}

static int refuse_oversized(const cdlt_json_value *big, const cdlt_json_reader *r, cdlt_error *err) {
  return item_error(r, err, ": integer %.*s exceeds the 64-bit range", (int)(big->u.num.len > 60 ? 60 : big->u.num.len),
                    big->u.num.text);
}

/* one item of a resource: must be an object (or is wrapped); filtered by the incremental cursor,
 * then written unchanged into the resource's typed-jsonl job */
int cdlt_extract_sink_push(cdlt_extract_sink *s, cdlt_json_value *item, const cdlt_json_reader *r, bool *kept,
                           cdlt_error *err) {
  if (kept) *kept = false;
  if (item->type != CDLT_JSON_OBJECT) {
    if (!s->res->wrap_scalars) return refuse_not_object(item, r, err);
    /* dlt wraps values that are not dicts as {"value": x} (§3) */
    cdlt_json_doc_reset(&s->scratch);
    cdlt_json_value *w = cdlt_json_object(&s->scratch);
    if (!w || cdlt_json_object_set(&s->scratch, w, "value", item)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    item = w;
  }
  const cdlt_json_value *big = !r || cdlt_json_reader_item_long_int(r) ? oversized_int(item) : NULL;
  if (big) return refuse_oversized(big, r, err);
  /* INCREMENTAL HOOK: the cursor filter decides whether the item is loaded (§9) */
  if (s->inc) {
    bool keep = true;
    int rc = cdlt_incremental_filter(s->inc, item, &keep, err);
    if (rc) {
      uint64_t line, col, off;
      cdlt_json_reader_item_position(r, &line, &col, &off);
      return cdlt_error_wrap(err, "item in '%s' at line %llu, column %llu", cdlt_json_reader_source_name(r),
                             (unsigned long long)line, (unsigned long long)col);
    }
    if (!keep) return 0;
  }
  s->count++;
  if (kept) *kept = true;
  return cdlt_job_writer_item(&s->w, item, err);
}

bool cdlt_extract_sink_order_free(const cdlt_extract_sink *s) { return !s->inc && !s->res->wrap_scalars; }

int cdlt_extract_sink_check(const cdlt_extract_sink *s, const cdlt_json_value *item, const cdlt_json_reader *r,
                            cdlt_error *err) {
  (void)s;
  if (item->type != CDLT_JSON_OBJECT) return refuse_not_object(item, r, err);
  const cdlt_json_value *big = cdlt_json_reader_item_long_int(r) ? oversized_int(item) : NULL;
  return big ? refuse_oversized(big, r, err) : 0;
}

int cdlt_extract_sink_open_job(const cdlt_extract_sink *s, cdlt_job_writer *w, const char *file_id, cdlt_error *err) {
  return cdlt_job_writer_open_id(w, s->pkg, s->table, file_id, err);
}

void cdlt_extract_sink_add_items(cdlt_extract_sink *s, uint64_t n) { s->count += n; }

const char *cdlt_extract_sink_name(const cdlt_extract_sink *s) { return s->res->opts.table_name; }
const char *cdlt_extract_sink_incremental_start(const cdlt_extract_sink *s) { return s->inc_start; }
const char *cdlt_extract_sink_incremental_end(const cdlt_extract_sink *s) { return s->inc_end; }

/* the resource's state object, NULL when it does not exist (create: made when missing) */
static cdlt_json_value *sink_state(cdlt_extract_sink *s, bool create) {
  if (create) return resource_state(s->st, s->schema_name, s->table);
  cdlt_json_value *v = cdlt_json_get(cdlt_json_get(cdlt_json_get(s->st->root, "sources"), s->schema_name), "resources");
  return cdlt_json_get(v, s->table);
}

int cdlt_extract_sink_get_state(cdlt_extract_sink *s, char **json, cdlt_error *err) {
  *json = NULL;
  pthread_mutex_lock(s->state_mu);
  cdlt_json_value *rs = sink_state(s, false);
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_buf_putc(&b, '{');
  bool first = true;
  for (size_t k = 0; !rc && rs && rs->type == CDLT_JSON_OBJECT && k < rs->u.obj.len; k++) {
    const cdlt_json_member *m = &rs->u.obj.members[k];
    if (!strcmp(m->key, "incremental")) continue;
    if (!first) rc = cdlt_buf_putc(&b, ',');
    first = false;
    if (!rc) rc = cdlt_json_write_string(&b, m->key, m->key_len);
    if (!rc) rc = cdlt_buf_putc(&b, ':');
    if (!rc) rc = cdlt_json_write(&b, m->value, 0);
  }
  if (!rc) rc = cdlt_buf_putc(&b, '}');
  pthread_mutex_unlock(s->state_mu);
  if (rc) { cdlt_buf_release(&b); return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }
  *json = cdlt_buf_detach(&b);
  return 0;
}

int cdlt_extract_sink_set_state(cdlt_extract_sink *s, const char *json, size_t len, cdlt_error *err) {
  cdlt_json_doc tmp;
  cdlt_json_doc_init(&tmp);
  cdlt_json_value *v = NULL;
  int rc = cdlt_json_parse(&tmp, json, len, s->res->opts.table_name, &v, err);
  if (!rc && v->type != CDLT_JSON_OBJECT)
    rc = cdlt_error_set(err, CDLT_ERR_USAGE, "state of resource '%s' must be a JSON object", s->res->opts.table_name);
  if (!rc) {
    pthread_mutex_lock(s->state_mu);
    cdlt_json_value *rs = sink_state(s, true);
    if (!rs) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    /* drop every key but the cursor's, then add the new ones (same object: the cursor keeps its pointer) */
    for (size_t k = rs ? rs->u.obj.len : 0; !rc && k-- > 0;) {
      const char *key = rs->u.obj.members[k].key;
      if (strcmp(key, "incremental")) cdlt_json_object_remove(rs, key);
    }
    for (size_t k = 0; !rc && k < v->u.obj.len; k++) {
      const cdlt_json_member *m = &v->u.obj.members[k];
      if (!strcmp(m->key, "incremental")) continue;
      if (cdlt_json_object_add(&s->st->doc, rs, m->key, m->key_len, cdlt_json_copy(&s->st->doc, m->value)))
        rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_unlock(s->state_mu);
  }
  cdlt_json_doc_release(&tmp);
  return rc;
}

/* compact JSON of v, or NULL for NULL / JSON null */
static int json_text(const cdlt_json_value *v, char **out) {
  *out = NULL;
  if (!v || v->type == CDLT_JSON_NULL) return 0;
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (cdlt_json_write(&b, v, 0)) { cdlt_buf_release(&b); return CDLT_ERR_NOMEM; }
  *out = cdlt_buf_detach(&b);
  return *out ? 0 : CDLT_ERR_NOMEM;
}

/* the cursor as the generator sees it: dlt's incremental.start_value (the stored last_value, or
 * initial_value; initial_value alone when end_value is set) */
static int sink_cursor_texts(cdlt_extract_sink *s, const cdlt_json_value *rs) {
  const cdlt_json_value *cfg = s->hints.incremental;
  const cdlt_json_value *end = cdlt_json_get(cfg, "end_value");
  const cdlt_json_value *start = cdlt_json_get(cfg, "initial_value");
  if (!end || end->type == CDLT_JSON_NULL) {
    const cdlt_json_value *cs = cdlt_json_get(cdlt_json_get(rs, "incremental"), cdlt_incremental_cursor_path(s->inc));
    const cdlt_json_value *lv = cdlt_json_get(cs, "last_value");
    if (lv) start = lv;
  }
  if (json_text(start, &s->inc_start) || json_text(end, &s->inc_end)) return CDLT_ERR_NOMEM;
  return 0;
}

/* hints, table, cursor of one sink (in resource order, before any unit runs) */
static int sink_prepare(cdlt_pipeline *p, cdlt_extract_sink *s, cdlt_schema *schema, cdlt_state *st, cdlt_error *err) {
  int rc = cdlt_resource_hints_parse(&s->res->opts, &s->hints, err);
  if (rc) return rc;
  s->hints_parsed = true;
  const char *names = cdlt_json_get_str(cdlt_json_get(schema->root, "normalizers"), "names");
  const cdlt_naming *conv = cdlt_naming_find(names ? names : "snake_case");
  if (!conv) return cdlt_error_set(err, CDLT_ERR_SCHEMA, "unknown naming convention '%s' in schema '%s'", names, cdlt_schema_name(schema));
  cdlt_naming_ctx nctx = cdlt_naming_ctx_make(conv, 0);
  cdlt_buf tname;
  cdlt_buf_init(&tname);
  rc = cdlt_naming_normalize_tables_path(&nctx, s->hints.resource_name, strlen(s->hints.resource_name), &tname, err);
  if (!rc && tname.len == 0) rc = cdlt_error_set(err, CDLT_ERR_USAGE, "table name '%s' is empty after normalization", s->hints.resource_name);
  if (rc) { cdlt_buf_release(&tname); return rc; }
  s->table = cdlt_buf_detach(&tname);
  cdlt_table *t = NULL;
  if ((rc = cdlt_resource_hints_apply(schema, &s->hints, s->table, &t, err))) return rc;
  /* INCREMENTAL HOOK: open the cursor on the resource's state */
  if (s->hints.incremental) {
    const char *pk[64];
    size_t npk = primary_key_names(&s->hints, pk, 64);
    cdlt_json_value *rs = resource_state(st, p->schema_name, s->table);
    if (!rs) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if ((rc = cdlt_incremental_open(s->hints.incremental, s->table, pk, npk, &st->doc, rs, &s->inc, err))) return rc;
    if ((rc = hint_cursor_column(schema, t, s->inc, err))) return rc;
    if (sink_cursor_texts(s, rs)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  return 0;
}

static void sink_release(cdlt_extract_sink *s) {
  if (s->writer_open) cdlt_job_writer_close(&s->w, NULL);
  cdlt_incremental_free(s->inc);
  if (s->hints_parsed) cdlt_resource_hints_release(&s->hints);
  cdlt_json_doc_release(&s->scratch);
  free(s->table);
  free(s->inc_start);
  free(s->inc_end);
}

/* source-level hints live in the schema: max_table_nesting in the json normalizer's config,
 * schema_contract in the settings (dlt's DltSource setters) */
static int apply_source_hints(cdlt_schema *s, const cdlt_extract_plan *plan, cdlt_error *err) {
  cdlt_json_doc *d = &s->doc;
  if (plan->max_table_nesting >= 0) {
    cdlt_json_value *n = cdlt_json_get_or_add_object(d, s->root, "normalizers");
    cdlt_json_value *j = n ? cdlt_json_get_or_add_object(d, n, "json") : NULL;
    cdlt_json_value *c = j ? cdlt_json_get_or_add_object(d, j, "config") : NULL;
    if (!c || cdlt_json_object_set(d, c, "max_nesting", cdlt_json_int(d, plan->max_table_nesting)))
      return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  if (plan->schema_contract_json) {
    cdlt_json_value *v = NULL;
    int rc = cdlt_json_parse(d, plan->schema_contract_json, strlen(plan->schema_contract_json), "schema_contract", &v, err);
    if (rc) return rc;
    cdlt_json_value *st = cdlt_json_get_or_add_object(d, s->root, "settings");
    if (!st || cdlt_json_object_set(d, st, "schema_contract", v)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  return 0;
}

int cdlt_extract_plan_check(const cdlt_extract_plan *plan, cdlt_error *err) {
  for (size_t k = 0; k < plan->nresources; k++) {
    const cdlt_resource_options *o = &plan->resources[k].opts;
    if (!o->table_name || !o->table_name[0]) return cdlt_error_set(err, CDLT_ERR_USAGE, "a table name is required");
    cdlt_resource_hints h;
    int rc = cdlt_resource_hints_parse(o, &h, err);
    if (rc) return err ? cdlt_error_wrap(err, "resource '%s'", o->table_name) : rc;
    cdlt_resource_hints_release(&h);
  }
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* running the units */

typedef struct unit_run {
  const cdlt_extract_plan *plan;
  cdlt_extract_sink *const *sinks;
  cdlt_error *errs;      /* one per unit */
  int *rcs;
  pthread_mutex_t mu;
  size_t next;           /* next unit index to look at (parallel units) */
  _Atomic int failed;    /* stop picking new units after a failure */
} unit_run;

static void *worker(void *arg) {
  unit_run *u = arg;
  for (;;) {
    pthread_mutex_lock(&u->mu);
    size_t k = u->next;
    while (k < u->plan->nunits && !u->plan->units[k].parallel) k++;
    u->next = k + 1;
    int stop = u->failed;
    pthread_mutex_unlock(&u->mu);
    if (k >= u->plan->nunits || stop) break;
    const cdlt_extract_unit *un = &u->plan->units[k];
    u->rcs[k] = un->drive(un->ctx, u->sinks, &u->errs[k]);
    if (u->rcs[k]) {
      pthread_mutex_lock(&u->mu);
      u->failed = 1;
      pthread_mutex_unlock(&u->mu);
    }
  }
  return NULL;
}

static int run_units(const cdlt_extract_plan *plan, cdlt_extract_sink *const *sinks, cdlt_error *err) {
  size_t npar = 0;
  for (size_t k = 0; k < plan->nunits; k++) npar += plan->units[k].parallel;
  unit_run u = {.plan = plan, .sinks = sinks};
  u.errs = calloc(plan->nunits ? plan->nunits : 1, sizeof *u.errs);
  u.rcs = calloc(plan->nunits ? plan->nunits : 1, sizeof *u.rcs);
  if (!u.errs || !u.rcs) { free(u.errs); free(u.rcs); return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }
  pthread_mutex_init(&u.mu, NULL);
  pthread_t th[CDLT_EXTRACT_MAX_WORKERS];
  size_t nth = 0;
  for (; nth < npar && nth < CDLT_EXTRACT_MAX_WORKERS; nth++)
    if (pthread_create(&th[nth], NULL, worker, &u)) break;
  /* sequential units on this thread; parallel ones too when no worker could start */
  for (size_t k = 0; k < plan->nunits && !u.failed; k++) {
    if (plan->units[k].parallel && nth > 0) continue;
    u.rcs[k] = plan->units[k].drive(plan->units[k].ctx, sinks, &u.errs[k]);
    if (u.rcs[k]) {
      pthread_mutex_lock(&u.mu);
      u.failed = 1;
      pthread_mutex_unlock(&u.mu);
    }
  }
  for (size_t k = 0; k < nth; k++) pthread_join(th[k], NULL);
  pthread_mutex_destroy(&u.mu);
  /* the first failing unit in plan order reports */
  int rc = 0;
  for (size_t k = 0; k < plan->nunits && !rc; k++)
    if (u.rcs[k]) {
      rc = u.rcs[k];
      if (err) *err = u.errs[k];
      if (err && !err->code) err->code = rc;
    }
  free(u.errs);
  free(u.rcs);
  return rc;
}

int cdlt_extract_run(cdlt_pipeline *p, const cdlt_extract_plan *plan, char load_id[32], cdlt_error *err) {
  cdlt_schema *schema = NULL;
  cdlt_state st = {0};
  bool have_state = false;
  cdlt_package pkg;
  memset(&pkg, 0, sizeof pkg);
  bool pkg_open = false;
  pthread_mutex_t state_mu = PTHREAD_MUTEX_INITIALIZER;
  size_t n = plan->nresources;
  cdlt_extract_sink *sinks = calloc(n ? n : 1, sizeof *sinks);
  cdlt_extract_sink **sinkp = calloc(n ? n : 1, sizeof *sinkp);
  char *state_path = cdlt_workdir_join(&p->wd, "state.json");
  char *schema_path = cdlt_pipeline_schema_path(p);
  int rc = 0;
  for (size_t k = 0; sinks && k < n; k++) cdlt_json_doc_init(&sinks[k].scratch);
  if (!sinks || !sinkp || !state_path || !schema_path) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto done; }
  for (size_t k = 0; k < n; k++) {
    sinks[k].res = &plan->resources[k];
    sinks[k].state_mu = &state_mu;
    sinks[k].st = &st;
    sinks[k].schema_name = p->schema_name;
    sinkp[k] = &sinks[k];
  }

  rc = cdlt_pipeline_load_schema(p, &schema, err);
  if (!rc) rc = apply_source_hints(schema, plan, err);
  if (rc) goto done;
  /* pipeline state: loaded first, the incremental cursors live in it */
  rc = cdlt_state_load(&st, state_path, err);
  if (rc == CDLT_ERR_NOT_FOUND) {
    cdlt_state_release(&st);
    rc = cdlt_state_init_new(&st, p->name, err);
  }
  if (rc) goto done;
  have_state = true;
  /* the pipeline keys first, so a new state has dlt's key order (sources after them) */
  if ((rc = update_state(p, &st))) { cdlt_error_set(err, rc, "out of memory"); goto done; }
  for (size_t k = 0; !rc && k < n; k++) rc = sink_prepare(p, &sinks[k], schema, &st, err);
  if (rc) goto done;

  cdlt_load_id_new(load_id);
  rc = cdlt_package_extract_begin(&p->wd, load_id, &pkg, err);
  if (rc) goto done;
  pkg_open = true;
  for (size_t k = 0; !rc && k < n; k++) {
    rc = cdlt_job_writer_open(&sinks[k].w, &pkg, sinks[k].table, err);
    sinks[k].writer_open = true;
    sinks[k].pkg = &pkg;
  }
  if (!rc) rc = run_units(plan, sinkp, err);
  for (size_t k = 0; k < n; k++) {
    if (!sinks[k].writer_open) continue;
    sinks[k].writer_open = false;
    if (rc) { cdlt_job_writer_close(&sinks[k].w, NULL); continue; }
    /* nothing to load for append/merge: no data job (a replace keeps its empty job to truncate) */
    if (sinks[k].count == 0 && strcmp(sinks[k].hints.write_disposition, "replace") != 0)
      rc = cdlt_job_writer_discard(&sinks[k].w, err);
    else if (sinks[k].count > 0 && sinks[k].w.items == 0)   /* the items are in extra jobs (extract_parallel.c) */
      rc = cdlt_job_writer_discard(&sinks[k].w, err);
    else
      rc = cdlt_job_writer_close(&sinks[k].w, err);
  }
  if (rc) goto done;
  /* INCREMENTAL HOOK: the new cursors go into the state row of this same package */
  for (size_t k = 0; !rc && k < n; k++)
    if (sinks[k].inc) rc = cdlt_incremental_commit(sinks[k].inc, err);
  if (rc) goto done;

  /* pipeline state: a row in this package whenever it changed (§7.3) */
  if ((rc = update_state(p, &st))) { cdlt_error_set(err, rc, "out of memory"); goto done; }
  if ((rc = cdlt_state_bump(&st, NULL, err))) goto done;
  cdlt_json_value *row = NULL;
  int64_t now = cdlt_now_us();
  if (cdlt_state_needs_extract(&st)) {
    rc = cdlt_state_row(&st, load_id, now, &row, err);
    if (!rc) rc = add_state_table(schema, err);
    cdlt_job_writer sw;
    if (!rc) rc = cdlt_job_writer_open(&sw, &pkg, "_dlt_pipeline_state", err);
    if (!rc) {
      rc = cdlt_job_writer_item(&sw, row, err);
      int rc2 = cdlt_job_writer_close(&sw, rc ? NULL : err);
      if (!rc) rc = rc2;
    }
    if (rc) goto done;
  }
  if ((rc = cdlt_package_state_write(&pkg, load_id, row, err))) goto done;

  /* the schema: live file first, then the package copy; then commit the package */
  rc = cdlt_schema_save_file(schema, schema_path, err);
  if (!rc) {
    cdlt_buf sb;
    cdlt_buf_init(&sb);
    rc = cdlt_schema_write(schema, &sb, 0);
    if (!rc) rc = cdlt_package_write_file(&pkg, CDLT_PACKAGE_SCHEMA_FILE, sb.data, sb.len, err);
    cdlt_buf_release(&sb);
  }
  if (!rc) rc = cdlt_package_extract_commit(&pkg, err);
  if (rc) goto done;
  pkg_open = false;
  if (row) cdlt_state_mark_extracted(&st, now);
  rc = cdlt_state_save(&st, state_path, err);

done:
  for (size_t k = 0; sinks && k < n; k++) sink_release(&sinks[k]);
  if (pkg_open) {
    cdlt_error ignored;
    cdlt_package_extract_abort(&pkg, &ignored);
  }
  cdlt_package_close(&pkg);
  if (have_state) cdlt_state_release(&st);
  cdlt_schema_free(schema);
  free(sinks);
  free(sinkp);
  free(state_path);
  free(schema_path);
  return rc;
}
