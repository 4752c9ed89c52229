/* emitter.c — running the C API's resources inside the extract stage: a unit drives one root
 * generator until it is done; every item it emits goes to its sink (when it is a member of the
 * source) and, once past the cursor, to each of its transformers that the run needs, depth first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "json/json_reader.h"
#include "util/buf.h"

struct cdlt_emitter {
  cdlt_resource *res;
  cdlt_extract_sink *sink;            /* NULL: the resource only feeds transformers */
  cdlt_extract_sink *const *sinks;
  cdlt_error *err;                    /* the unit's error */
  int rc;                             /* first failure of an emit or a transformer */
  bool failed_set;                    /* cdlt_emitter_fail was called */
  cdlt_json_doc doc;
  cdlt_buf text;                      /* an item's JSON for the transformers */
};

static void emitter_init(cdlt_emitter *em, cdlt_resource *r, cdlt_extract_sink *const *sinks, cdlt_error *err) {
  memset(em, 0, sizeof *em);
  em->res = r;
  em->sinks = sinks;
  em->sink = r->sink >= 0 ? sinks[r->sink] : NULL;
  em->err = err;
  cdlt_json_doc_init(&em->doc);
  cdlt_buf_init(&em->text);
}

static void emitter_release(cdlt_emitter *em) {
  cdlt_json_doc_release(&em->doc);
  cdlt_buf_release(&em->text);
}

/* a callback's negative return: its own message, else a generic one */
static int callback_failed(cdlt_emitter *em, int rc) {
  if (em->rc) return em->rc;
  if (rc >= 0 || rc < CDLT_ERR_CONTRACT) rc = CDLT_ERR_USAGE;
  if (em->failed_set) return em->err->code = rc;
  return cdlt_error_set(em->err, rc, "resource '%s' failed (%s)", em->res->name, cdlt_status_str(rc));
}

/* one item of em's resource: loaded, then handed to the needed transformers */
static int emit_item(cdlt_emitter *em, cdlt_json_value *item, const cdlt_json_reader *r) {
  if (item->type == CDLT_JSON_NULL) return 0;   /* dlt skips None items */
  bool kept = true;
  int rc = em->sink ? cdlt_extract_sink_push(em->sink, item, r, &kept, em->err) : 0;
  if (rc || !kept) return rc;
  bool text_done = false;
  for (size_t k = 0; k < em->res->nchildren; k++) {
    cdlt_resource *child = em->res->children[k];
    if (!child->needed) continue;
    if (!text_done) {
      cdlt_buf_reset(&em->text);
      if (cdlt_json_write(&em->text, item, 0) || cdlt_buf_putc(&em->text, '\0'))
        return cdlt_error_set(em->err, CDLT_ERR_NOMEM, "out of memory");
      text_done = true;
    }
    cdlt_emitter cem;
    emitter_init(&cem, child, em->sinks, em->err);
    int crc = child->transform(child->user, em->text.data, em->text.len - 1, &cem);
    if (crc < 0 || cem.rc) rc = callback_failed(&cem, crc);
    emitter_release(&cem);
    if (rc) return rc;
  }
  return 0;
}

int cdlt_emit_json(cdlt_emitter *em, const char *json, size_t len) {
  if (!em) return CDLT_ERR_USAGE;
  if (em->rc) return em->rc;
  if (!json) return em->rc = cdlt_error_set(em->err, CDLT_ERR_USAGE, "resource '%s' emitted NULL", em->res->name);
  cdlt_json_reader *r = NULL;
  int rc = cdlt_json_reader_new_memory(&r, json, len, em->res->name, NULL, em->err);
  while (!rc) {
    cdlt_json_doc_reset(&em->doc);
    cdlt_json_value *item = NULL;
    int got = cdlt_json_reader_next_item(r, &em->doc, &item, em->err);
    if (got <= 0) { rc = got; break; }
    rc = emit_item(em, item, r);
  }
  cdlt_json_reader_free(r);
  cdlt_json_doc_reset(&em->doc);
  if (rc) em->rc = rc;
  return rc;
}

int cdlt_emitter_fail(cdlt_emitter *em, int status, const char *msg) {
  if (status >= 0 || status < CDLT_ERR_CONTRACT) status = CDLT_ERR_USAGE;
  if (!em) return status;
  if (!em->rc) {
    cdlt_error_set(em->err, status, "resource '%s': %s", em->res->name, msg ? msg : "failed");
    em->failed_set = true;
  }
  return status;
}

const char *cdlt_emitter_resource_name(const cdlt_emitter *em) { return em ? em->res->name : NULL; }

const char *cdlt_emitter_incremental_start(const cdlt_emitter *em) {
  return em && em->sink ? cdlt_extract_sink_incremental_start(em->sink) : NULL;
}

const char *cdlt_emitter_incremental_end(const cdlt_emitter *em) {
  return em && em->sink ? cdlt_extract_sink_incremental_end(em->sink) : NULL;
}

int cdlt_emitter_get_state(cdlt_emitter *em, char **json_out) {
  if (!json_out) return CDLT_ERR_USAGE;
  *json_out = NULL;
  if (!em) return CDLT_ERR_USAGE;
  if (!em->sink) {
    /* a parent that only feeds transformers has no state of its own in this run */
    *json_out = strdup("{}");
    return *json_out ? 0 : CDLT_ERR_NOMEM;
  }
  cdlt_error e = {0};
  int rc = cdlt_extract_sink_get_state(em->sink, json_out, &e);
  return rc;
}

int cdlt_emitter_set_state(cdlt_emitter *em, const char *json) {
  if (!em || !json) return CDLT_ERR_USAGE;
  if (!em->sink)
    return cdlt_emitter_fail(em, CDLT_ERR_USAGE, "resource state can only be set by resources of the source");
  cdlt_error e = {0};
  int rc = cdlt_extract_sink_set_state(em->sink, json, strlen(json), &e);
  if (rc && !em->rc) {
    *em->err = e;
    em->failed_set = true;
  }
  return rc;
}

int cdlt_api_drive_resource(void *ctx, cdlt_extract_sink *const *sinks, cdlt_error *err) {
  cdlt_resource *r = ctx;
  cdlt_emitter em;
  emitter_init(&em, r, sinks, err);
  int rc = 0;
  for (;;) {
    int g = r->gen(r->user, &em);
    if (g < 0 || em.rc) { rc = callback_failed(&em, g); break; }
    if (g == CDLT_DONE) break;
  }
  emitter_release(&em);
  return rc;
}
