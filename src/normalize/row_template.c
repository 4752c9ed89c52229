/* row_template.c — building and matching the shape of a compact JSON object (see row_template.h). */
#include "normalize/row_template.h"

#include <stdlib.h>
#include <string.h>

#include "json/json_reader.h"
#include "json/plain_span.h"
#include "json/string_scan.h"
#include "util/utf8.h"

#define MAX_DEPTH 64   /* objects nested deeper get no template */

/* the template: literal bytes and slots, in document order */
typedef enum op_kind { OP_LITERAL, OP_SCALAR, OP_LIST } op_kind;
typedef struct op {
  uint8_t kind;
  uint32_t off, len;   /* OP_LITERAL: bytes [off, off + len) of lits */
} op;

struct cdlt_row_template {
  op *ops;
  size_t nops, opcap;
  cdlt_buf lits;
  size_t nslots;
  uint8_t *is_list;    /* per slot */
};

typedef struct builder {
  cdlt_row_template *t;
  const cdlt_json_value **values;
} builder;

static int push_op(cdlt_row_template *t, uint8_t kind, uint32_t off, uint32_t len) {
  if (kind == OP_LITERAL && t->nops && t->ops[t->nops - 1].kind == OP_LITERAL) {   /* merge adjacent literals */
    t->ops[t->nops - 1].len += len;
    return 0;
  }
  if (t->nops == t->opcap) {
    size_t ncap = t->opcap ? t->opcap * 2 : 32;
    op *o = realloc(t->ops, ncap * sizeof *o);
    if (!o) return CDLT_ERR_NOMEM;
    t->ops = o;
    t->opcap = ncap;
  }
  t->ops[t->nops++] = (op){kind, off, len};
  return 0;
}

static int literal(cdlt_row_template *t, size_t from) {
  if (t->lits.len == from) return 0;
  return push_op(t, OP_LITERAL, (uint32_t)from, (uint32_t)(t->lits.len - from));
}

static int slot(builder *b, const cdlt_json_value *v, bool list) {
  cdlt_row_template *t = b->t;
  if (t->nslots == CDLT_ROW_TEMPLATE_MAX_SLOTS) return 1;
  if (push_op(t, list ? OP_LIST : OP_SCALAR, 0, 0)) return CDLT_ERR_NOMEM;
  t->is_list[t->nslots] = list;
  b->values[t->nslots++] = v;
  return 0;
}

/* obj's compact serialization (the JSON writer's: its keys escaped the writer's way) around the
 * slots of its scalars and arrays */
static int build_object(builder *b, const cdlt_json_value *obj, int depth) {
  cdlt_row_template *t = b->t;
  if (depth > MAX_DEPTH) return 1;
  size_t from = t->lits.len;
  if (cdlt_buf_putc(&t->lits, '{')) return CDLT_ERR_NOMEM;
  for (size_t k = 0; k < obj->u.obj.len; k++) {
    const cdlt_json_member *m = &obj->u.obj.members[k];
    if ((k && cdlt_buf_putc(&t->lits, ',')) || cdlt_json_write_string(&t->lits, m->key, m->key_len) ||
        cdlt_buf_putc(&t->lits, ':'))
      return CDLT_ERR_NOMEM;
    const cdlt_json_value *v = m->value;
    if (v->type == CDLT_JSON_OBJECT) {
      if (literal(t, from)) return CDLT_ERR_NOMEM;
      int rc = build_object(b, v, depth + 1);
      if (rc) return rc;
      from = t->lits.len;
      continue;
    }
    if (literal(t, from)) return CDLT_ERR_NOMEM;
    int rc = slot(b, v, v->type == CDLT_JSON_ARRAY);
    if (rc) return rc;
    from = t->lits.len;
  }
  if (cdlt_buf_putc(&t->lits, '}') || literal(t, from)) return CDLT_ERR_NOMEM;
  return 0;
}

int cdlt_row_template_build(const cdlt_json_value *obj, cdlt_row_template **out, const cdlt_json_value **values,
                            size_t *nslots) {
  *out = NULL;
  *nslots = 0;
  if (!obj || obj->type != CDLT_JSON_OBJECT) return 1;
  cdlt_row_template *t = calloc(1, sizeof *t);
  if (!t) return CDLT_ERR_NOMEM;
  cdlt_buf_init(&t->lits);
  t->is_list = malloc(CDLT_ROW_TEMPLATE_MAX_SLOTS);
  builder b = {t, values};
  int rc = t->is_list ? build_object(&b, obj, 0) : CDLT_ERR_NOMEM;
  if (rc) {
    cdlt_row_template_free(t);
    return rc;
  }
  *out = t;
  *nslots = t->nslots;
  return 0;
}

void cdlt_row_template_free(cdlt_row_template *t) {
  if (!t) return;
  free(t->ops);
  cdlt_buf_release(&t->lits);
  free(t->is_list);
  free(t);
}

size_t cdlt_row_template_slots(const cdlt_row_template *t) { return t->nslots; }
bool cdlt_row_template_is_list(const cdlt_row_template *t, size_t k) { return k < t->nslots && t->is_list[k]; }

/* a[0..len) == b[0..len) for the short literals of a shape (keys: mostly 5..30 bytes), without a
 * call: 8 bytes at a time, the last 8 overlapping */
static inline bool same_bytes(const unsigned char *a, const char *b, size_t len) {
  uint64_t x, y;
  if (len >= 8) {
    size_t k = 0;
    for (; k + 8 <= len; k += 8) {
      memcpy(&x, a + k, 8);
      memcpy(&y, b + k, 8);
      if (x != y) return false;
    }
    if (k == len) return true;
    memcpy(&x, a + len - 8, 8);
    memcpy(&y, b + len - 8, 8);
    return x == y;
  }
  for (size_t k = 0; k < len; k++)
    if (a[k] != (unsigned char)b[k]) return false;
  return true;
}

size_t cdlt_row_template_match(const cdlt_row_template *t, const char *item, size_t avail, cdlt_slot *slots) {
  const unsigned char *d = (const unsigned char *)item;
  const char *lits = t->lits.data;
  size_t p = 0, s = 0;
  for (size_t k = 0; k < t->nops; k++) {
    const op *o = &t->ops[k];
    if (o->kind == OP_LITERAL) {
      if (avail - p < o->len || !same_bytes(d + p, lits + o->off, o->len)) return 0;
      p += o->len;
      continue;
    }
    if (p >= avail) return 0;
    cdlt_slot *sl = &slots[s++];
    unsigned c = d[p];
    size_t end;
    sl->escaped = false;
    sl->small_int = false;
    if (o->kind == OP_LIST) {
      if (c != '[' || !(end = cdlt_json_value_end(d, p, avail))) return 0;
      sl->kind = CDLT_SLOT_ARRAY;
      sl->p = item + p;
    } else if (c == '"') {
      if (!(end = cdlt_json_string_end(d, p, avail, &sl->escaped))) return 0;
      sl->kind = CDLT_SLOT_STRING;
      sl->p = item + p + 1;
      sl->len = (uint32_t)(end - p - 2);
      p = end;
      continue;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const unsigned char *q = d + p, *digits;
      bool neg, isf;
      size_t int_digits;
      uint64_t mag;
      if (!cdlt_json_scan_number(&q, d + avail, &neg, &digits, &isf, &int_digits, &mag)) return 0;
      end = (size_t)(q - d);
      sl->kind = CDLT_SLOT_NUMBER;
      sl->small_int = !isf && int_digits <= 18;
      sl->p = item + p;
    } else {
      static const char *const lit[3] = {"true", "false", "null"};
      int which = c == 't' ? 0 : c == 'f' ? 1 : c == 'n' ? 2 : -1;
      if (which < 0) return 0;
      size_t len = which == 1 ? 5 : 4;
      if (avail - p < len || memcmp(d + p, lit[which], len)) return 0;
      end = p + len;
      sl->kind = (uint8_t)(CDLT_SLOT_TRUE + which);
      sl->p = item + p;
    }
    if (end - p > UINT32_MAX) return 0;
    sl->len = (uint32_t)(end - p);
    p = end;
  }
  return p;
}

int cdlt_slot_value(const cdlt_slot *s, cdlt_buf *text, cdlt_json_doc *doc, cdlt_json_value *v) {
  memset(v, 0, sizeof *v);
  switch (s->kind) {
    case CDLT_SLOT_TRUE:
    case CDLT_SLOT_FALSE:
      v->type = CDLT_JSON_BOOL;
      v->u.boolean = s->kind == CDLT_SLOT_TRUE;
      return 0;
    case CDLT_SLOT_NULL:
      v->type = CDLT_JSON_NULL;
      return 0;
    case CDLT_SLOT_STRING: {
      cdlt_buf_reset(text);
      if (cdlt_buf_reserve(text, (size_t)s->len + 1)) return CDLT_ERR_NOMEM;
      if (!s->escaped) {
        memcpy(text->data, s->p, s->len);
        text->len = s->len;
        text->data[text->len] = 0;
      } else {
        int rc = cdlt_json_decode_string(s->p, s->len, text);
        if (rc) return rc;   /* 1: a lone surrogate escape, the reader's error to report */
      }
      v->type = CDLT_JSON_STRING;
      v->u.str.ptr = text->data;
      v->u.str.len = text->len;
      return 0;
    }
    case CDLT_SLOT_NUMBER: {
      /* as json_reader.c parse_number: INT up to 18 integer digits, FLOAT on the exact fast path,
       * else the reader's classification of the text */
      const unsigned char *q = (const unsigned char *)s->p, *digits;
      bool neg, isf;
      size_t int_digits;
      uint64_t mag;
      if (!cdlt_json_scan_number(&q, q + s->len, &neg, &digits, &isf, &int_digits, &mag)) return 1;
      double dv;
      if (!isf && int_digits <= 18) {
        int64_t x = (int64_t)mag;
        v->type = CDLT_JSON_INT;
        v->u.num.i = neg ? -x : x;
        v->u.num.d = (double)v->u.num.i;
      } else if (isf && cdlt_json_fast_float(digits, s->len - (size_t)(digits - (const unsigned char *)s->p), neg, &dv)) {
        v->type = CDLT_JSON_FLOAT;
        v->u.num.d = dv;
      } else {
        cdlt_json_value *made = cdlt_json_number_text(doc, s->p, s->len);
        if (!made) return CDLT_ERR_NOMEM;
        *v = *made;
        return 0;
      }
      cdlt_buf_reset(text);
      if (cdlt_buf_append(text, s->p, s->len)) return CDLT_ERR_NOMEM;
      v->u.num.text = text->data;
      v->u.num.len = s->len;
      return 0;
    }
    default:
      return 1;
  }
}
