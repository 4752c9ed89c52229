/* resource.c — the C API's resources, transformers and sources (handles, hints, references) and
 * the extract plan a source becomes (see api_internal.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "extract/resource_hints.h"

static cdlt_resource *resource_alloc(const char *name, void *user, cdlt_resource **out) {
  *out = NULL;
  if (!name || !name[0]) return NULL;
  cdlt_resource *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->refs = 1;
  r->user = user;
  r->sink = -1;
  if (!(r->name = strdup(name))) { free(r); return NULL; }
  *out = r;
  return r;
}

/* Ownership: *out holds one reference for the caller. */
int cdlt_resource_new(const char *name, cdlt_resource_fn fn, void *user, cdlt_resource **out) {
  if (!out) return CDLT_ERR_USAGE;
  if (!name || !name[0] || !fn) { *out = NULL; return CDLT_ERR_USAGE; }
  cdlt_resource *r = resource_alloc(name, user, out);
  if (!r) return CDLT_ERR_NOMEM;
  r->gen = fn;
  return 0;
}

/* Ownership: *out holds one reference for the caller; the transformer holds one on parent. */
int cdlt_transformer_new(const char *name, cdlt_resource *parent, cdlt_transform_fn fn, void *user,
                         cdlt_resource **out) {
  if (!out) return CDLT_ERR_USAGE;
  if (!name || !name[0] || !fn || !parent) { *out = NULL; return CDLT_ERR_USAGE; }
  cdlt_resource **ch = realloc(parent->children, (parent->nchildren + 1) * sizeof *ch);
  if (!ch) { *out = NULL; return CDLT_ERR_NOMEM; }
  parent->children = ch;
  cdlt_resource *r = resource_alloc(name, user, out);
  if (!r) return CDLT_ERR_NOMEM;
  r->transform = fn;
  r->parent = parent;
  parent->refs++;
  ch[parent->nchildren++] = r;
  return 0;
}

int cdlt_resource_set_hints(cdlt_resource *r, const char *hints_json) {
  if (!r) return CDLT_ERR_USAGE;
  cdlt_error_clear(&r->err);
  if (hints_json) {
    cdlt_resource_options o = {r->name, NULL, hints_json};
    cdlt_resource_hints h;
    int rc = cdlt_resource_hints_parse(&o, &h, &r->err);
    if (rc) return rc;
    cdlt_resource_hints_release(&h);
  }
  char *copy = hints_json ? strdup(hints_json) : NULL;
  if (hints_json && !copy) return cdlt_error_set(&r->err, CDLT_ERR_NOMEM, "out of memory");
  free(r->hints_json);
  r->hints_json = copy;
  return 0;
}

int cdlt_resource_set_parallel(cdlt_resource *r, int on) {
  if (!r) return CDLT_ERR_USAGE;
  r->parallel = on != 0;
  return 0;
}

const char *cdlt_resource_errmsg(const cdlt_resource *r) { return r ? r->err.msg : "out of memory"; }

void cdlt_resource_free(cdlt_resource *r) {
  if (!r || --r->refs > 0) return;
  cdlt_resource *parent = r->parent;
  if (parent) {
    for (size_t k = 0; k < parent->nchildren; k++)
      if (parent->children[k] == r) {
        memmove(&parent->children[k], &parent->children[k + 1], (parent->nchildren - k - 1) * sizeof *parent->children);
        parent->nchildren--;
        break;
      }
  }
  free(r->children);
  free(r->name);
  free(r->hints_json);
  free(r);
  cdlt_resource_free(parent);
}

/* ------------------------------------------------------------------------------------------ */
/* sources */

/* Ownership: *out is freed with cdlt_source_free. */
int cdlt_source_new(const char *name, cdlt_source **out) {
  if (!out) return CDLT_ERR_USAGE;
  *out = NULL;
  if (!name || !name[0]) return CDLT_ERR_USAGE;
  cdlt_source *s = calloc(1, sizeof *s);
  if (!s) return CDLT_ERR_NOMEM;
  s->max_table_nesting = -1;
  if (!(s->name = strdup(name))) { free(s); return CDLT_ERR_NOMEM; }
  *out = s;
  return 0;
}

int cdlt_source_add(cdlt_source *src, cdlt_resource *res) {
  if (!src || !res) { cdlt_resource_free(res); return CDLT_ERR_USAGE; }
  cdlt_error_clear(&src->err);
  for (size_t k = 0; k < src->nres; k++)
    if (!strcmp(src->res[k]->name, res->name)) {
      int rc = cdlt_error_set(&src->err, CDLT_ERR_USAGE, "resource '%s' is already in source '%s'", res->name, src->name);
      cdlt_resource_free(res);
      return rc;
    }
  cdlt_resource **n = realloc(src->res, (src->nres + 1) * sizeof *n);
  if (!n) { cdlt_resource_free(res); return cdlt_error_set(&src->err, CDLT_ERR_NOMEM, "out of memory"); }
  src->res = n;
  n[src->nres++] = res;
  return 0;
}

int cdlt_source_set_max_table_nesting(cdlt_source *src, int max_table_nesting) {
  if (!src) return CDLT_ERR_USAGE;
  src->max_table_nesting = max_table_nesting < 0 ? -1 : max_table_nesting;
  return 0;
}

int cdlt_source_set_schema_contract(cdlt_source *src, const char *contract) {
  if (!src) return CDLT_ERR_USAGE;
  cdlt_error_clear(&src->err);
  char *json = NULL;
  if (contract) {
    /* a bare mode is checked like the resource hint of the same name */
    const char *modes[] = {"evolve", "freeze", "discard_row", "discard_value"};
    bool bare = contract[0] != '{';
    if (bare) {
      bool ok = false;
      for (size_t k = 0; k < 4; k++) ok |= !strcmp(contract, modes[k]);
      if (!ok)
        return cdlt_error_set(&src->err, CDLT_ERR_USAGE,
                              "invalid schema_contract '%s' (evolve, freeze, discard_row, discard_value or a JSON object)", contract);
      if (asprintf(&json, "\"%s\"", contract) < 0) json = NULL;
    } else {
      /* validated through the resource hints parser */
      char *hints = NULL;
      if (asprintf(&hints, "{\"schema_contract\":%s}", contract) < 0) hints = NULL;
      if (!hints) return cdlt_error_set(&src->err, CDLT_ERR_NOMEM, "out of memory");
      cdlt_resource_options o = {src->name, NULL, hints};
      cdlt_resource_hints h;
      int rc = cdlt_resource_hints_parse(&o, &h, &src->err);
      free(hints);
      if (rc) return rc;
      cdlt_resource_hints_release(&h);
      json = strdup(contract);
    }
    if (!json) return cdlt_error_set(&src->err, CDLT_ERR_NOMEM, "out of memory");
  }
  free(src->schema_contract);
  src->schema_contract = json;
  return 0;
}

const char *cdlt_source_errmsg(const cdlt_source *src) { return src ? src->err.msg : "out of memory"; }

void cdlt_source_free(cdlt_source *src) {
  if (!src) return;
  for (size_t k = 0; k < src->nres; k++) cdlt_resource_free(src->res[k]);
  free(src->res);
  free(src->name);
  free(src->schema_contract);
  free(src);
}

/* ------------------------------------------------------------------------------------------ */
/* the plan */

static void mark_needed(cdlt_resource *r) {
  for (; r && !r->needed; r = r->parent) r->needed = true;
}

static cdlt_resource *root_of(cdlt_resource *r) {
  while (r->parent) r = r->parent;
  return r;
}

/* resets the run marks of a whole tree (a resource may have been run in another source) */
static void clear_tree(cdlt_resource *r) {
  r->needed = false;
  r->sink = -1;
  for (size_t k = 0; k < r->nchildren; k++) clear_tree(r->children[k]);
}

int cdlt_source_plan_build(cdlt_source *src, cdlt_source_plan *sp, cdlt_error *err) {
  memset(sp, 0, sizeof *sp);
  if (!src) return cdlt_error_set(err, CDLT_ERR_USAGE, "a source is required");
  if (src->nres == 0) return cdlt_error_set(err, CDLT_ERR_USAGE, "source '%s' has no resources", src->name);
  for (size_t k = 0; k < src->nres; k++) clear_tree(root_of(src->res[k]));
  size_t n = src->nres;
  sp->resources = calloc(n, sizeof *sp->resources);
  sp->units = calloc(n, sizeof *sp->units);
  if (!sp->resources || !sp->units) { cdlt_source_plan_release(sp); return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }
  size_t nunits = 0;
  for (size_t k = 0; k < n; k++) {
    cdlt_resource *r = src->res[k];
    mark_needed(r);
    r->sink = (long)k;
    sp->resources[k].opts = (cdlt_resource_options){r->name, NULL, r->hints_json};
    sp->resources[k].wrap_scalars = true;
    cdlt_resource *root = root_of(r);
    bool seen = false;
    for (size_t u = 0; u < nunits; u++) seen |= sp->units[u].ctx == root;
    if (!seen) sp->units[nunits++] = (cdlt_extract_unit){cdlt_api_drive_resource, root, root->parallel};
  }
  sp->plan = (cdlt_extract_plan){sp->resources, n, sp->units, nunits, src->max_table_nesting, src->schema_contract};
  int rc = cdlt_extract_plan_check(&sp->plan, err);
  if (rc) cdlt_source_plan_release(sp);
  return rc;
}

void cdlt_source_plan_release(cdlt_source_plan *sp) {
  free(sp->resources);
  free(sp->units);
  memset(sp, 0, sizeof *sp);
}
