/* thrift_compact.c — Thrift compact protocol encoder; see thrift_compact.h. */
#include "formats/thrift_compact.h"

#include <string.h>

void cdlt_tc_init(cdlt_tc *t, cdlt_buf *out) {
  memset(t, 0, sizeof *t);
  t->out = out;
}

bool cdlt_tc_failed(const cdlt_tc *t) { return t->failed; }

static void put(cdlt_tc *t, const void *p, size_t n) {
  if (!t->failed && cdlt_buf_append(t->out, p, n)) t->failed = true;
}

static void byte(cdlt_tc *t, uint8_t b) { put(t, &b, 1); }

size_t cdlt_tc_uvarint(uint8_t *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

static void uvarint(cdlt_tc *t, uint64_t v) {
  uint8_t tmp[10];
  put(t, tmp, cdlt_tc_uvarint(tmp, v));
}

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

void cdlt_tc_struct_begin(cdlt_tc *t) {
  if (t->depth >= CDLT_TC_MAX_DEPTH) {
    t->failed = true;
    return;
  }
  t->last[t->depth++] = 0;
}

void cdlt_tc_struct_end(cdlt_tc *t) {
  byte(t, 0);   /* stop */
  if (t->depth > 0) t->depth--;
}

void cdlt_tc_field(cdlt_tc *t, int16_t id, uint8_t type) {
  if (t->depth == 0) {
    t->failed = true;
    return;
  }
  int16_t *last = &t->last[t->depth - 1];
  int delta = id - *last;
  if (delta > 0 && delta <= 15) {
    byte(t, (uint8_t)(delta << 4 | type));
  } else {
    byte(t, type);
    uvarint(t, zigzag(id));
  }
  *last = id;
}

void cdlt_tc_i32(cdlt_tc *t, int32_t v) { uvarint(t, zigzag(v)); }
void cdlt_tc_i64(cdlt_tc *t, int64_t v) { uvarint(t, zigzag(v)); }

void cdlt_tc_binary(cdlt_tc *t, const void *p, size_t n) {
  uvarint(t, n);
  put(t, p, n);
}

void cdlt_tc_double(cdlt_tc *t, double v) {   /* 8 bytes little-endian */
  uint64_t u;
  memcpy(&u, &v, 8);
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(u >> (8 * i));
  put(t, b, 8);
}

void cdlt_tc_field_i32(cdlt_tc *t, int16_t id, int32_t v) {
  cdlt_tc_field(t, id, CDLT_TC_I32);
  cdlt_tc_i32(t, v);
}

void cdlt_tc_field_i64(cdlt_tc *t, int16_t id, int64_t v) {
  cdlt_tc_field(t, id, CDLT_TC_I64);
  cdlt_tc_i64(t, v);
}

void cdlt_tc_field_bool(cdlt_tc *t, int16_t id, bool v) {
  cdlt_tc_field(t, id, v ? CDLT_TC_BOOL_TRUE : CDLT_TC_BOOL_FALSE);
}

void cdlt_tc_field_binary(cdlt_tc *t, int16_t id, const void *p, size_t n) {
  cdlt_tc_field(t, id, CDLT_TC_BINARY);
  cdlt_tc_binary(t, p, n);
}

void cdlt_tc_field_string(cdlt_tc *t, int16_t id, const char *s) { cdlt_tc_field_binary(t, id, s, strlen(s)); }

void cdlt_tc_field_empty_struct(cdlt_tc *t, int16_t id) {
  cdlt_tc_field(t, id, CDLT_TC_STRUCT);
  cdlt_tc_struct_begin(t);
  cdlt_tc_struct_end(t);
}

void cdlt_tc_list_begin(cdlt_tc *t, uint8_t elem_type, size_t n) {
  if (n < 15) {
    byte(t, (uint8_t)(n << 4 | elem_type));
  } else {
    byte(t, (uint8_t)(0xF0 | elem_type));
    uvarint(t, n);
  }
}
