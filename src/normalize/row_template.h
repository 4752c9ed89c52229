/* row_template.h — the shape of a compact JSON object, for normalize's row templates.
 *
 * Items of one resource usually repeat the same keys in the same order. A template is built from
 * one item (its DOM): the item's compact serialization with every scalar value and every array cut
 * out as a "slot". A later item's bytes match the template when they are the same bytes around
 * the slots, with one scalar (string, number, true, false, null) in each scalar slot and one array
 * in each list slot. Matching reads the bytes once and builds nothing: the normalizer
 * (normalize.c) then writes the row from the slots the way it wrote the row of the item the
 * template came from.
 *
 * Scalars are checked as the JSON reader checks them (string escapes and UTF-8, the number
 * grammar, the literals); arrays are only delimited (the normalizer parses each one it uses). */
#ifndef CDLT_NORMALIZE_ROW_TEMPLATE_H
#define CDLT_NORMALIZE_ROW_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json/json.h"
#include "util/buf.h"

#define CDLT_ROW_TEMPLATE_MAX_SLOTS 1024   /* an item with more scalars and arrays gets no template */

typedef enum cdlt_slot_kind {
  CDLT_SLOT_STRING = 1,
  CDLT_SLOT_NUMBER,
  CDLT_SLOT_TRUE,
  CDLT_SLOT_FALSE,
  CDLT_SLOT_NULL,
  CDLT_SLOT_ARRAY
} cdlt_slot_kind;

/* one slot of a matched item: its bytes (a string without its quotes) */
typedef struct cdlt_slot {
  const char *p;
  uint32_t len;
  uint8_t kind;        /* cdlt_slot_kind */
  bool escaped;        /* a string with a backslash escape */
  bool small_int;      /* a number without fraction or exponent of at most 18 digits (the reader's INT) */
} cdlt_slot;

typedef struct cdlt_row_template cdlt_row_template;

/* Builds the template of obj (an object) into *out, owned by the caller (cdlt_row_template_free).
 * values[k] (room for CDLT_ROW_TEMPLATE_MAX_SLOTS) gets the DOM value in slot k, in document
 * order; *nslots their number. Returns 0, 1 when obj gets no template (too many slots, too deep),
 * or CDLT_ERR_NOMEM. */
int cdlt_row_template_build(const cdlt_json_value *obj, cdlt_row_template **out, const cdlt_json_value **values,
                            size_t *nslots);
void cdlt_row_template_free(cdlt_row_template *t);   /* accepts NULL */

/* The number of slots of t, and whether slot k is a list slot. */
size_t cdlt_row_template_slots(const cdlt_row_template *t);
bool cdlt_row_template_is_list(const cdlt_row_template *t, size_t k);

/* Matches the item starting at p (avail bytes readable) against t: returns the item's length and
 * fills slots[0 .. cdlt_row_template_slots(t)), or 0 when it does not match. */
size_t cdlt_row_template_match(const cdlt_row_template *t, const char *p, size_t avail, cdlt_slot *slots);

/* The value the JSON reader builds for scalar slot s, in *v. String and number text is copied
 * into *text (reset first; v points into it until its next use); a number the reader keeps as
 * text only (BIGINT, or a float off the exact fast path) is made in doc. Returns 0, 1 when s is a
 * string with a lone surrogate escape (the reader rejects it: the caller takes the general path,
 * which reports it), or CDLT_ERR_NOMEM. */
int cdlt_slot_value(const cdlt_slot *s, cdlt_buf *text, cdlt_json_doc *doc, cdlt_json_value *v);

#endif
