/* json_value.c — constructing, editing and querying values of the JSON document model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"

void cdlt_json_doc_init(cdlt_json_doc *doc) { cdlt_arena_init(&doc->arena, 0); }
void cdlt_json_doc_release(cdlt_json_doc *doc) { cdlt_arena_release(&doc->arena); }
void cdlt_json_doc_reset(cdlt_json_doc *doc) { cdlt_arena_reset(&doc->arena); }

static cdlt_json_value *new_value(cdlt_json_doc *doc, cdlt_json_type t) {
  cdlt_json_value *v = cdlt_arena_calloc(&doc->arena, sizeof *v);
  if (v) v->type = t;
  return v;
}

cdlt_json_value *cdlt_json_null(cdlt_json_doc *doc) { return new_value(doc, CDLT_JSON_NULL); }

cdlt_json_value *cdlt_json_bool(cdlt_json_doc *doc, bool b) {
  cdlt_json_value *v = new_value(doc, CDLT_JSON_BOOL);
  if (v) v->u.boolean = b;
  return v;
}

cdlt_json_value *cdlt_json_int(cdlt_json_doc *doc, int64_t i) {
  /* digits by hand (the normalizer makes one per nested row: _dlt_list_idx) */
  char tmp[32];
  char rev[24];
  int n = 0, r = 0;
  uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
  do rev[r++] = (char)('0' + u % 10); while ((u /= 10) != 0);
  if (i < 0) tmp[n++] = '-';
  while (r) tmp[n++] = rev[--r];
  cdlt_json_value *v = new_value(doc, CDLT_JSON_INT);
  if (!v) return NULL;
  v->u.num.text = cdlt_arena_strndup(&doc->arena, tmp, (size_t)n);
  if (!v->u.num.text) return NULL;
  v->u.num.len = (size_t)n;
  v->u.num.i = i;
  v->u.num.d = (double)i;
  return v;
}

cdlt_json_value *cdlt_json_double(cdlt_json_doc *doc, double d) {
  char tmp[33];
  size_t n = cdlt_format_double(d, tmp);
  cdlt_json_value *v = new_value(doc, CDLT_JSON_FLOAT);
  if (!v) return NULL;
  v->u.num.text = cdlt_arena_strndup(&doc->arena, tmp, n);
  if (!v->u.num.text) return NULL;
  v->u.num.len = n;
  v->u.num.d = d;
  return v;
}

cdlt_json_value *cdlt_json_number_text(cdlt_json_doc *doc, const char *text, size_t len) {
  bool is_float = false;
  for (size_t k = 0; k < len; k++)
    if (text[k] == '.' || text[k] == 'e' || text[k] == 'E') { is_float = true; break; }
  cdlt_json_value *v = new_value(doc, CDLT_JSON_FLOAT);
  if (!v) return NULL;
  char *t = cdlt_arena_strndup(&doc->arena, text, len);
  if (!t) return NULL;
  v->u.num.text = t;
  v->u.num.len = len;
  if (!is_float) {
    errno = 0;
    char *end;
    long long i = strtoll(t, &end, 10);
    if (errno == 0 && end == t + len) {
      v->type = CDLT_JSON_INT;
      v->u.num.i = i;
      v->u.num.d = (double)i;
    } else {
      v->type = CDLT_JSON_BIGINT;
      v->u.num.d = strtod(t, NULL);
    }
  } else {
    v->u.num.d = strtod(t, NULL);
  }
  return v;
}

cdlt_json_value *cdlt_json_string(cdlt_json_doc *doc, const char *s, size_t len) {
  cdlt_json_value *v = new_value(doc, CDLT_JSON_STRING);
  if (!v) return NULL;
  char *p = cdlt_arena_strndup(&doc->arena, s, len);
  if (!p) return NULL;
  v->u.str.ptr = p;
  v->u.str.len = len;
  return v;
}

cdlt_json_value *cdlt_json_cstr(cdlt_json_doc *doc, const char *s) {
  return cdlt_json_string(doc, s, strlen(s));
}

cdlt_json_value *cdlt_json_array(cdlt_json_doc *doc) { return new_value(doc, CDLT_JSON_ARRAY); }
cdlt_json_value *cdlt_json_object(cdlt_json_doc *doc) { return new_value(doc, CDLT_JSON_OBJECT); }

cdlt_json_value *cdlt_json_copy(cdlt_json_doc *doc, const cdlt_json_value *v) {
  if (!v) return NULL;
  switch (v->type) {
    case CDLT_JSON_NULL: return cdlt_json_null(doc);
    case CDLT_JSON_BOOL: return cdlt_json_bool(doc, v->u.boolean);
    case CDLT_JSON_INT:
    case CDLT_JSON_BIGINT:
    case CDLT_JSON_FLOAT: {
      cdlt_json_value *c = new_value(doc, v->type);
      if (!c) return NULL;
      c->u.num = v->u.num;
      c->u.num.text = cdlt_arena_strndup(&doc->arena, v->u.num.text, v->u.num.len);
      return c->u.num.text ? c : NULL;
    }
    case CDLT_JSON_STRING: return cdlt_json_string(doc, v->u.str.ptr, v->u.str.len);
    case CDLT_JSON_ARRAY: {
      cdlt_json_value *c = cdlt_json_array(doc);
      if (!c) return NULL;
      for (size_t k = 0; k < v->u.arr.len; k++) {
        cdlt_json_value *e = cdlt_json_copy(doc, v->u.arr.items[k]);
        if (!e || cdlt_json_array_push(doc, c, e)) return NULL;
      }
      return c;
    }
    case CDLT_JSON_OBJECT: {
      cdlt_json_value *c = cdlt_json_object(doc);
      if (!c) return NULL;
      for (size_t k = 0; k < v->u.obj.len; k++) {
        const cdlt_json_member *m = &v->u.obj.members[k];
        cdlt_json_value *e = cdlt_json_copy(doc, m->value);
        if (!e || cdlt_json_object_add(doc, c, m->key, m->key_len, e)) return NULL;
      }
      return c;
    }
  }
  return NULL;
}

/* grows an arena-backed array of `elem` sized slots to hold one more */
static int grow(cdlt_json_doc *doc, void **items, size_t *cap, size_t len, size_t elem) {
  if (len < *cap) return 0;
  size_t ncap = *cap ? *cap * 2 : 4;
  void *p = cdlt_arena_alloc(&doc->arena, ncap * elem);
  if (!p) return CDLT_ERR_NOMEM;
  if (len) memcpy(p, *items, len * elem);
  *items = p;
  *cap = ncap;
  return 0;
}

int cdlt_json_array_push(cdlt_json_doc *doc, cdlt_json_value *arr, cdlt_json_value *v) {
  if (grow(doc, (void **)&arr->u.arr.items, &arr->u.arr.cap, arr->u.arr.len, sizeof(cdlt_json_value *)))
    return CDLT_ERR_NOMEM;
  arr->u.arr.items[arr->u.arr.len++] = v;
  return 0;
}

int cdlt_json_object_add(cdlt_json_doc *doc, cdlt_json_value *obj, const char *key, size_t key_len,
                         cdlt_json_value *v) {
  if (grow(doc, (void **)&obj->u.obj.members, &obj->u.obj.cap, obj->u.obj.len, sizeof(cdlt_json_member)))
    return CDLT_ERR_NOMEM;
  char *k = cdlt_arena_strndup(&doc->arena, key, key_len);
  if (!k) return CDLT_ERR_NOMEM;
  cdlt_json_member *m = &obj->u.obj.members[obj->u.obj.len++];
  m->key = k;
  m->key_len = key_len;
  m->value = v;
  return 0;
}

int cdlt_json_object_set(cdlt_json_doc *doc, cdlt_json_value *obj, const char *key, cdlt_json_value *v) {
  size_t n = strlen(key);
  for (size_t k = 0; k < obj->u.obj.len; k++) {
    cdlt_json_member *m = &obj->u.obj.members[k];
    if (m->key_len == n && memcmp(m->key, key, n) == 0) { m->value = v; return 0; }
  }
  return cdlt_json_object_add(doc, obj, key, n, v);
}

bool cdlt_json_object_remove(cdlt_json_value *obj, const char *key) {
  if (!obj || obj->type != CDLT_JSON_OBJECT) return false;
  size_t n = strlen(key);
  for (size_t k = 0; k < obj->u.obj.len; k++) {
    cdlt_json_member *m = &obj->u.obj.members[k];
    if (m->key_len == n && memcmp(m->key, key, n) == 0) {
      memmove(m, m + 1, (obj->u.obj.len - k - 1) * sizeof *m);
      obj->u.obj.len--;
      return true;
    }
  }
  return false;
}

cdlt_json_value *cdlt_json_getn(const cdlt_json_value *obj, const char *key, size_t key_len) {
  if (!obj || obj->type != CDLT_JSON_OBJECT) return NULL;
  for (size_t k = 0; k < obj->u.obj.len; k++) {
    const cdlt_json_member *m = &obj->u.obj.members[k];
    if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0) return m->value;
  }
  return NULL;
}

cdlt_json_value *cdlt_json_get(const cdlt_json_value *obj, const char *key) {
  return cdlt_json_getn(obj, key, strlen(key));
}

const char *cdlt_json_get_str(const cdlt_json_value *obj, const char *key) {
  cdlt_json_value *v = cdlt_json_get(obj, key);
  return v && v->type == CDLT_JSON_STRING ? v->u.str.ptr : NULL;
}

int64_t cdlt_json_get_int(const cdlt_json_value *obj, const char *key, int64_t dflt) {
  cdlt_json_value *v = cdlt_json_get(obj, key);
  if (!v) return dflt;
  if (v->type == CDLT_JSON_INT) return v->u.num.i;
  if (v->type == CDLT_JSON_BOOL) return v->u.boolean;
  return dflt;
}

bool cdlt_json_get_bool(const cdlt_json_value *obj, const char *key, bool dflt) {
  cdlt_json_value *v = cdlt_json_get(obj, key);
  return v && v->type == CDLT_JSON_BOOL ? v->u.boolean : dflt;
}

cdlt_json_value *cdlt_json_get_or_add_object(cdlt_json_doc *doc, cdlt_json_value *obj, const char *key) {
  cdlt_json_value *v = cdlt_json_get(obj, key);
  if (v) return v->type == CDLT_JSON_OBJECT ? v : NULL;
  v = cdlt_json_object(doc);
  if (!v || cdlt_json_object_add(doc, obj, key, strlen(key), v)) return NULL;
  return v;
}

bool cdlt_json_is_str(const cdlt_json_value *v, const char *s) {
  return v && v->type == CDLT_JSON_STRING && strlen(s) == v->u.str.len && memcmp(v->u.str.ptr, s, v->u.str.len) == 0;
}

bool cdlt_json_equal(const cdlt_json_value *a, const cdlt_json_value *b) {
  if (a == b) return true;
  if (!a || !b) return false;
  bool anum = a->type == CDLT_JSON_INT || a->type == CDLT_JSON_FLOAT || a->type == CDLT_JSON_BIGINT;
  bool bnum = b->type == CDLT_JSON_INT || b->type == CDLT_JSON_FLOAT || b->type == CDLT_JSON_BIGINT;
  if (anum && bnum) {
    if (a->u.num.len == b->u.num.len && memcmp(a->u.num.text, b->u.num.text, a->u.num.len) == 0) return true;
    if (a->type == CDLT_JSON_INT && b->type == CDLT_JSON_INT) return a->u.num.i == b->u.num.i;
    return a->type != CDLT_JSON_BIGINT && b->type != CDLT_JSON_BIGINT && a->u.num.d == b->u.num.d;
  }
  if (a->type != b->type) return false;
  switch (a->type) {
    case CDLT_JSON_NULL: return true;
    case CDLT_JSON_BOOL: return a->u.boolean == b->u.boolean;
    case CDLT_JSON_STRING:
      return a->u.str.len == b->u.str.len && memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
    case CDLT_JSON_ARRAY:
      if (a->u.arr.len != b->u.arr.len) return false;
      for (size_t k = 0; k < a->u.arr.len; k++)
        if (!cdlt_json_equal(a->u.arr.items[k], b->u.arr.items[k])) return false;
      return true;
    case CDLT_JSON_OBJECT:
      if (a->u.obj.len != b->u.obj.len) return false;
      for (size_t k = 0; k < a->u.obj.len; k++) {
        const cdlt_json_member *m = &a->u.obj.members[k];
        if (!cdlt_json_equal(m->value, cdlt_json_getn(b, m->key, m->key_len))) return false;
      }
      return true;
    default: return false;
  }
}

const char *cdlt_json_type_phrase(cdlt_json_type t) {
  switch (t) {
    case CDLT_JSON_BOOL: return "a boolean";
    case CDLT_JSON_INT:
    case CDLT_JSON_BIGINT: return "an integer";
    case CDLT_JSON_FLOAT: return "a float";
    case CDLT_JSON_STRING: return "a string";
    case CDLT_JSON_ARRAY: return "an array";
    case CDLT_JSON_OBJECT: return "an object";
    default: return "null";
  }
}
