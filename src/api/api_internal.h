/* api_internal.h — the C API's resources and sources as the pipeline sees them: a source is
 * turned into an extract plan (extract/extract_stage.h) whose units drive the generator
 * callbacks and feed transformers. Not part of the public API. */
#ifndef CDLT_API_API_INTERNAL_H
#define CDLT_API_API_INTERNAL_H

#include <stdbool.h>

#include "cdlt/cdlt.h"
#include "extract/extract_stage.h"
#include "util/error.h"

struct cdlt_resource {
  int refs;
  char *name;
  char *hints_json;             /* NULL = none */
  cdlt_resource_fn gen;         /* generators */
  cdlt_transform_fn transform;  /* transformers */
  void *user;
  cdlt_resource *parent;        /* transformers: a counted reference */
  cdlt_resource **children;     /* transformers of this resource (not counted) */
  size_t nchildren;
  bool parallel;
  cdlt_error err;
  /* set for one run by cdlt_source_plan_build */
  bool needed;                  /* member of the source, or an ancestor of one */
  long sink;                    /* index of its sink in the plan, -1 when only feeding */
};

struct cdlt_source {
  char *name;
  cdlt_resource **res;
  size_t nres;
  int max_table_nesting;        /* -1 = unset */
  char *schema_contract;        /* JSON text or NULL */
  cdlt_error err;
};

/* The extract plan of a source, owning its arrays. */
typedef struct cdlt_source_plan {
  cdlt_extract_plan plan;
  cdlt_extract_resource *resources;
  cdlt_extract_unit *units;
} cdlt_source_plan;

/* Builds the plan (one sink per member in order, one unit per root generator) and validates
 * every resource's hints. On failure sp holds nothing. */
int cdlt_source_plan_build(cdlt_source *src, cdlt_source_plan *sp, cdlt_error *err);
void cdlt_source_plan_release(cdlt_source_plan *sp);

/* emitter.c: the unit drive function; ctx is the root resource. */
int cdlt_api_drive_resource(void *ctx, cdlt_extract_sink *const *sinks, cdlt_error *err);

#endif
