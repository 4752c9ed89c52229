/* parquet_write.c — the streaming Parquet writer; see parquet_write.h and docs/internals/PARQUET.md.
 *
 * Per column the writer keeps the current data page (definition levels, and PLAIN values or
 * dictionary indices), the column chunk's finished pages (headers + snappy bodies), the chunk's
 * dictionary and statistics. A page is finished when its PLAIN size reaches page_bytes; a row
 * group is written out (dictionary page first, then the data pages of each column) when the
 * buffered bytes reach row_group_bytes or its rows row_group_rows. Each row group's metadata is
 * encoded (Thrift compact) right away into the footer buffer, so the footer is all that grows
 * with the file. */
#include "formats/parquet_write.h"

#include <errno.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/snappy_lazy.h"
#include "formats/thrift_compact.h"
#include "util/buf.h"

#define PQ_DEFAULT_ROW_GROUP_BYTES ((size_t)8 << 20)
#define PQ_DEFAULT_ROW_GROUP_ROWS ((size_t)122880)
#define PQ_DEFAULT_PAGE_BYTES ((size_t)1 << 20)
#define PQ_DEFAULT_DICT_BYTES ((size_t)1 << 20)
/* a dictionary is given up when, after this many values of a chunk, more than half are distinct */
#define PQ_DICT_PROBE_VALUES 1024
/* min/max statistics of byte arrays longer than this are not written */
#define PQ_MAX_STAT_BYTES 64

/* Parquet enums */
enum { ENC_PLAIN = 0, ENC_RLE = 3, ENC_RLE_DICTIONARY = 8 };
enum { PAGE_DATA = 0, PAGE_DICTIONARY = 2 };
enum { CODEC_UNCOMPRESSED = 0, CODEC_SNAPPY = 1 };
enum { CT_UTF8 = 0, CT_DECIMAL = 5, CT_DATE = 6, CT_TIME_MICROS = 8, CT_TIMESTAMP_MICROS = 10, CT_INT_64 = 18, CT_JSON = 19 };
enum { REP_REQUIRED = 0, REP_OPTIONAL = 1 };

typedef struct pq_col {
  cdlt_pq_column_spec spec;
  char *name;
  size_t width;             /* bytes of a fixed-size value (BOOLEAN: 1 in vals), 0 for BYTE_ARRAY */
  /* the current page */
  cdlt_buf defs;            /* one byte (0/1) per value */
  cdlt_buf vals;            /* PLAIN values (booleans one byte each), or uint32 dictionary indices */
  size_t page_plain;        /* PLAIN size of the page's values */
  bool dict_mode;           /* vals holds dictionary indices */
  bool has_value;           /* a put since the last end_row */
  /* the dictionary of the current chunk */
  bool dict_off;            /* no dictionary for the rest of the chunk */
  bool dict_pages;          /* a data page of the chunk is dictionary-encoded */
  bool plain_pages;         /* a data page of the chunk is PLAIN */
  cdlt_buf dict;            /* PLAIN-encoded dictionary values */
  uint32_t *dict_at;        /* offset in dict of each entry's value bytes (after a length prefix) */
  uint32_t *dict_len;
  size_t dict_n, dict_cap;
  uint32_t *slots;          /* hash table: entry index + 1, 0 = empty */
  size_t nslots;
  uint64_t chunk_nonnull;
  /* the chunk's finished pages */
  cdlt_buf chunk;
  int64_t chunk_values, chunk_unc, chunk_comp;
  /* statistics of the chunk */
  int64_t nulls;
  bool has_minmax;
  union { int32_t i32; int64_t i64; double d; bool b; } min, max;
  cdlt_buf smin, smax;      /* BYTE_ARRAY / FIXED */
} pq_col;

struct cdlt_pq_writer {
  FILE *f;
  char *path;
  pq_col *cols;
  size_t ncols;
  cdlt_pq_options opt;
  char *created_by;
  uint64_t offset;          /* bytes written to f */
  uint64_t rows, rg_rows, row_groups;
  size_t buffered;          /* bytes held by the current row group (approximate, deterministic) */
  cdlt_buf rowgroups;       /* encoded RowGroup structs */
  cdlt_buf body, comp, hdr; /* scratch */
  bool failed;
};

/* ---------------------------------------------------------------- RLE / bit-packing hybrid */

static int put_uvarint(cdlt_buf *out, uint64_t v) {
  uint8_t tmp[10];
  return cdlt_buf_append(out, tmp, cdlt_tc_uvarint(tmp, v)) ? CDLT_ERR_NOMEM : 0;
}

/* bit-packed groups of v[a..b) (padded with zeros to a multiple of 8) */
static int put_literals(cdlt_buf *out, const uint32_t *v, size_t a, size_t b, int bw) {
  if (a == b) return 0;
  size_t groups = (b - a + 7) / 8;
  if (put_uvarint(out, (uint64_t)groups << 1 | 1)) return CDLT_ERR_NOMEM;
  size_t bytes = groups * (size_t)bw;
  if (cdlt_buf_reserve(out, bytes)) return CDLT_ERR_NOMEM;
  uint8_t *p = (uint8_t *)out->data + out->len;
  uint64_t acc = 0;
  int nbits = 0;
  size_t k = 0;
  for (size_t i = a; i < a + groups * 8; i++) {
    uint64_t x = i < b ? v[i] : 0;
    acc |= x << nbits;
    nbits += bw;
    while (nbits >= 8) {
      p[k++] = (uint8_t)acc;
      acc >>= 8;
      nbits -= 8;
    }
  }
  out->len += bytes;   /* groups * 8 * bw bits: whole bytes */
  return 0;
}

static int put_run(cdlt_buf *out, uint32_t value, size_t count, int bw) {
  if (put_uvarint(out, (uint64_t)count << 1)) return CDLT_ERR_NOMEM;
  uint8_t b[4];
  int nb = (bw + 7) / 8;
  for (int i = 0; i < nb; i++) b[i] = (uint8_t)(value >> (8 * i));
  return cdlt_buf_append(out, b, (size_t)nb) ? CDLT_ERR_NOMEM : 0;
}

int cdlt_pq_rle_encode(cdlt_buf *out, const uint32_t *v, size_t n, int bw) {
  size_t i = 0, lit = 0;   /* v[lit..i) are pending literals */
  while (i < n) {
    size_t j = i + 1;
    while (j < n && v[j] == v[i]) j++;
    size_t r = j - i;
    if (r >= 8 && (i - lit) % 8 == 0) {
      if (put_literals(out, v, lit, i, bw) || put_run(out, v[i], r, bw)) return CDLT_ERR_NOMEM;
      i = lit = j;
    } else if (r >= 8) {
      i += 8 - (i - lit) % 8;   /* complete the literal group from the run */
    } else {
      i = j;
    }
  }
  return put_literals(out, v, lit, n, bw);
}

/* the same for one-byte values (definition levels, bit width 1) */
static int rle_encode_bytes(cdlt_buf *out, const uint8_t *v, size_t n) {
  uint32_t tmp[512];
  size_t i = 0, lit = 0;
  while (i < n) {
    size_t j = i + 1;
    while (j < n && v[j] == v[i]) j++;
    size_t r = j - i;
    if (r >= 8 && (i - lit) % 8 == 0) {
      for (size_t a = lit; a < i; a += 512) {   /* literals in runs of up to 512 values */
        size_t e = i - a < 512 ? i : a + 512;
        for (size_t k = a; k < e; k++) tmp[k - a] = v[k];
        if (put_literals(out, tmp, 0, e - a, 1)) return CDLT_ERR_NOMEM;
      }
      if (put_run(out, v[i], r, 1)) return CDLT_ERR_NOMEM;
      i = lit = j;
    } else if (r >= 8) {
      i += 8 - (i - lit) % 8;
    } else {
      i = j;
    }
  }
  for (size_t a = lit; a < n; a += 512) {
    size_t e = n - a < 512 ? n : a + 512;
    for (size_t k = a; k < e; k++) tmp[k - a] = v[k];
    if (put_literals(out, tmp, 0, e - a, 1)) return CDLT_ERR_NOMEM;
  }
  return 0;
}

static int bit_width(size_t max_value) {
  int bw = 0;
  while (max_value >> bw) bw++;
  return bw;
}

/* ---------------------------------------------------------------- pages */

static void put_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* compresses w->body into w->comp (or copies it); 0 or NOMEM */
static int compress_body(cdlt_pq_writer *w) {
  cdlt_buf_reset(&w->comp);
  if (w->opt.no_compression) return cdlt_buf_append(&w->comp, w->body.data ? w->body.data : "", w->body.len) ? CDLT_ERR_NOMEM : 0;
  size_t cap = snappy_max_compressed_length(w->body.len);
  if (cdlt_buf_reserve(&w->comp, cap)) return CDLT_ERR_NOMEM;
  size_t n = cap;
  if (snappy_compress(w->body.data ? w->body.data : "", w->body.len, w->comp.data, &n) != SNAPPY_OK) return CDLT_ERR_NOMEM;
  w->comp.len = n;
  return 0;
}

/* a page header for the body in w->body / w->comp into w->hdr */
static int page_header(cdlt_pq_writer *w, int type, int32_t num_values, int encoding) {
  cdlt_buf_reset(&w->hdr);
  cdlt_tc t;
  cdlt_tc_init(&t, &w->hdr);
  cdlt_tc_struct_begin(&t);
  cdlt_tc_field_i32(&t, 1, type);
  cdlt_tc_field_i32(&t, 2, (int32_t)w->body.len);
  cdlt_tc_field_i32(&t, 3, (int32_t)w->comp.len);
  if (type == PAGE_DATA) {
    cdlt_tc_field(&t, 5, CDLT_TC_STRUCT);
    cdlt_tc_struct_begin(&t);
    cdlt_tc_field_i32(&t, 1, num_values);
    cdlt_tc_field_i32(&t, 2, encoding);
    cdlt_tc_field_i32(&t, 3, ENC_RLE);
    cdlt_tc_field_i32(&t, 4, ENC_RLE);
    cdlt_tc_struct_end(&t);
  } else {
    cdlt_tc_field(&t, 7, CDLT_TC_STRUCT);
    cdlt_tc_struct_begin(&t);
    cdlt_tc_field_i32(&t, 1, num_values);
    cdlt_tc_field_i32(&t, 2, encoding);
    cdlt_tc_struct_end(&t);
  }
  cdlt_tc_struct_end(&t);
  return cdlt_tc_failed(&t) ? CDLT_ERR_NOMEM : 0;
}

/* PLAIN bytes of dictionary entry e */
static const char *dict_value(const pq_col *c, size_t e, size_t *n) {
  *n = c->dict_len[e];
  return c->dict.data + c->dict_at[e];
}

/* appends the PLAIN encoding of one value to b */
static int plain_append(const pq_col *c, cdlt_buf *b, const void *p, size_t n) {
  if (c->width == 0) {
    uint8_t len[4];
    put_le32(len, (uint32_t)n);
    if (cdlt_buf_append(b, len, 4)) return CDLT_ERR_NOMEM;
  }
  return cdlt_buf_append(b, p, n) ? CDLT_ERR_NOMEM : 0;
}

/* the page's dictionary indices rewritten as PLAIN values */
static int page_to_plain(pq_col *c) {
  cdlt_buf plain;
  cdlt_buf_init(&plain);
  size_t n = c->vals.len / 4;
  const uint32_t *idx = (const uint32_t *)c->vals.data;
  for (size_t i = 0; i < n; i++) {
    size_t len;
    const char *v = dict_value(c, idx[i], &len);
    if (plain_append(c, &plain, v, len)) {
      cdlt_buf_release(&plain);
      return CDLT_ERR_NOMEM;
    }
  }
  cdlt_buf_release(&c->vals);
  c->vals = plain;
  c->dict_mode = false;
  return 0;
}

static void dict_clear(pq_col *c) {
  cdlt_buf_reset(&c->dict);
  c->dict_n = 0;
  if (c->slots) memset(c->slots, 0, c->nslots * sizeof *c->slots);
}

/* gives up the dictionary for the rest of the chunk: the page becomes PLAIN; the dictionary is
 * dropped unless an earlier page of the chunk uses it */
static int dict_fallback(cdlt_pq_writer *w, pq_col *c) {
  if (c->dict_mode && page_to_plain(c)) return CDLT_ERR_NOMEM;
  c->dict_off = true;
  if (!c->dict_pages) {
    w->buffered -= c->dict.len;
    dict_clear(c);
  }
  return 0;
}

/* finishes the current page of c into its chunk */
static int flush_page(cdlt_pq_writer *w, pq_col *c) {
  size_t nvals = c->defs.len;
  if (!nvals) return 0;
  cdlt_buf_reset(&w->body);
  if (cdlt_buf_reserve(&w->body, 4)) return CDLT_ERR_NOMEM;
  w->body.len = 4;
  if (rle_encode_bytes(&w->body, (const uint8_t *)c->defs.data, nvals)) return CDLT_ERR_NOMEM;
  put_le32((uint8_t *)w->body.data, (uint32_t)(w->body.len - 4));
  int encoding = ENC_PLAIN;
  if (c->dict_mode) {
    encoding = ENC_RLE_DICTIONARY;
    int bw = bit_width(c->dict_n > 1 ? c->dict_n - 1 : 1);
    uint8_t b = (uint8_t)bw;
    if (cdlt_buf_append(&w->body, &b, 1)) return CDLT_ERR_NOMEM;
    if (cdlt_pq_rle_encode(&w->body, (const uint32_t *)c->vals.data, c->vals.len / 4, bw)) return CDLT_ERR_NOMEM;
    c->dict_pages = true;
  } else if (c->spec.type == CDLT_PQ_BOOLEAN) {
    size_t n = c->vals.len, bytes = (n + 7) / 8;
    if (cdlt_buf_reserve(&w->body, bytes)) return CDLT_ERR_NOMEM;
    uint8_t *p = (uint8_t *)w->body.data + w->body.len;
    memset(p, 0, bytes);
    for (size_t i = 0; i < n; i++)
      if (c->vals.data[i]) p[i / 8] |= (uint8_t)(1u << (i % 8));
    w->body.len += bytes;
    c->plain_pages = true;
  } else {
    if (cdlt_buf_append(&w->body, c->vals.data ? c->vals.data : "", c->vals.len)) return CDLT_ERR_NOMEM;
    c->plain_pages = true;
  }
  if (compress_body(w) || page_header(w, PAGE_DATA, (int32_t)nvals, encoding)) return CDLT_ERR_NOMEM;
  if (cdlt_buf_append(&c->chunk, w->hdr.data, w->hdr.len) || cdlt_buf_append(&c->chunk, w->comp.data, w->comp.len))
    return CDLT_ERR_NOMEM;
  c->chunk_values += (int64_t)nvals;
  c->chunk_unc += (int64_t)(w->hdr.len + w->body.len);
  c->chunk_comp += (int64_t)(w->hdr.len + w->comp.len);
  w->buffered -= c->vals.len;
  w->buffered += w->hdr.len + w->comp.len;
  cdlt_buf_reset(&c->defs);
  cdlt_buf_reset(&c->vals);
  c->page_plain = 0;
  /* the next page: dictionary indices while the dictionary lasts */
  c->dict_mode = !c->dict_off && !w->opt.no_dictionary && c->spec.type != CDLT_PQ_BOOLEAN;
  return 0;
}

/* ---------------------------------------------------------------- values */

static uint64_t hash_bytes(const void *p, size_t n) {
  const uint8_t *s = p;
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
  while (n >= 8) {
    uint64_t x;
    memcpy(&x, s, 8);
    h = (h ^ x) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    s += 8;
    n -= 8;
  }
  uint64_t x = 0;
  memcpy(&x, s, n);
  h = (h ^ x) * 0x94D049BB133111EBull;
  return h ^ (h >> 29);
}

static int dict_grow(pq_col *c) {
  size_t ns = c->nslots ? c->nslots * 2 : 1024;
  uint32_t *slots = calloc(ns, sizeof *slots);
  if (!slots) return CDLT_ERR_NOMEM;
  for (size_t e = 0; e < c->dict_n; e++) {
    size_t len;
    const char *v = dict_value(c, e, &len);
    size_t h = (size_t)hash_bytes(v, len) & (ns - 1);
    while (slots[h]) h = (h + 1) & (ns - 1);
    slots[h] = (uint32_t)e + 1;
  }
  free(c->slots);
  c->slots = slots;
  c->nslots = ns;
  return 0;
}

/* the dictionary index of a value, added when new (*added). */
static int dict_index(cdlt_pq_writer *w, pq_col *c, const void *p, size_t n, uint32_t *out, bool *added) {
  *added = false;
  if ((c->dict_n + 1) * 2 > c->nslots && dict_grow(c)) return CDLT_ERR_NOMEM;
  size_t mask = c->nslots - 1, h = (size_t)hash_bytes(p, n) & mask;
  for (uint32_t s; (s = c->slots[h]); h = (h + 1) & mask) {
    size_t len;
    const char *v = dict_value(c, s - 1, &len);
    if (len == n && !memcmp(v, p, n)) {
      *out = s - 1;
      return 0;
    }
  }
  if (c->dict_n == c->dict_cap) {
    size_t cap = c->dict_cap ? c->dict_cap * 2 : 256;
    uint32_t *at = realloc(c->dict_at, cap * sizeof *at);
    if (!at) return CDLT_ERR_NOMEM;
    c->dict_at = at;
    uint32_t *len = realloc(c->dict_len, cap * sizeof *len);
    if (!len) return CDLT_ERR_NOMEM;
    c->dict_len = len;
    c->dict_cap = cap;
  }
  size_t before = c->dict.len;
  if (plain_append(c, &c->dict, p, n)) return CDLT_ERR_NOMEM;
  c->dict_at[c->dict_n] = (uint32_t)(c->dict.len - n);
  c->dict_len[c->dict_n] = (uint32_t)n;
  c->slots[h] = (uint32_t)++c->dict_n;
  w->buffered += c->dict.len - before;
  *out = (uint32_t)(c->dict_n - 1);
  *added = true;
  return 0;
}

/* signed comparison of two big-endian two's complement numbers of n bytes */
static int cmp_fixed_signed(const uint8_t *a, const uint8_t *b, size_t n) {
  if (n && a[0] != b[0]) return (int8_t)a[0] < (int8_t)b[0] ? -1 : 1;
  int r = n ? memcmp(a + 1, b + 1, n - 1) : 0;
  return r;
}

static int cmp_bytes(const pq_col *c, const void *a, size_t an, const void *b, size_t bn) {
  if (c->spec.type == CDLT_PQ_FIXED) return cmp_fixed_signed(a, b, an);
  size_t m = an < bn ? an : bn;
  int r = memcmp(a, b, m);
  if (r) return r;
  return an < bn ? -1 : an > bn;
}

static int stats_bytes(pq_col *c, const void *p, size_t n) {
  if (!c->has_minmax) {
    cdlt_buf_reset(&c->smin);
    cdlt_buf_reset(&c->smax);
    if (cdlt_buf_append(&c->smin, p, n) || cdlt_buf_append(&c->smax, p, n)) return CDLT_ERR_NOMEM;
    c->has_minmax = true;
    return 0;
  }
  if (cmp_bytes(c, p, n, c->smin.data, c->smin.len) < 0) {
    cdlt_buf_reset(&c->smin);
    if (cdlt_buf_append(&c->smin, p, n)) return CDLT_ERR_NOMEM;
  }
  if (cmp_bytes(c, p, n, c->smax.data, c->smax.len) > 0) {
    cdlt_buf_reset(&c->smax);
    if (cdlt_buf_append(&c->smax, p, n)) return CDLT_ERR_NOMEM;
  }
  return 0;
}

/* a non-null value's PLAIN bytes (fixed-width types: the little-endian value) */
static int put_value(cdlt_pq_writer *w, pq_col *c, const void *p, size_t n) {
  uint8_t one = 1;
  if (cdlt_buf_append(&c->defs, &one, 1)) return CDLT_ERR_NOMEM;
  c->has_value = true;
  c->chunk_nonnull++;
  size_t plain = c->width ? c->width : 4 + n;
  c->page_plain += plain;
  if (c->dict_mode) {
    uint32_t idx;
    bool added;
    if (dict_index(w, c, p, n, &idx, &added)) return CDLT_ERR_NOMEM;
    if (added && c->width == 0 && stats_bytes(c, p, n)) return CDLT_ERR_NOMEM;
    if (added && c->spec.type == CDLT_PQ_FIXED && stats_bytes(c, p, n)) return CDLT_ERR_NOMEM;
    if (cdlt_buf_append(&c->vals, &idx, 4)) return CDLT_ERR_NOMEM;
    w->buffered += 4;
    if (c->dict.len > w->opt.dict_bytes ||
        (c->chunk_nonnull == PQ_DICT_PROBE_VALUES && c->dict_n * 2 > PQ_DICT_PROBE_VALUES)) {
      size_t before = c->vals.len;
      if (dict_fallback(w, c)) return CDLT_ERR_NOMEM;
      w->buffered += c->vals.len - before;
    }
  } else {
    if ((c->width == 0 || c->spec.type == CDLT_PQ_FIXED) && stats_bytes(c, p, n)) return CDLT_ERR_NOMEM;
    size_t before = c->vals.len;
    if (plain_append(c, &c->vals, p, n)) return CDLT_ERR_NOMEM;
    w->buffered += c->vals.len - before;
  }
  if (c->page_plain >= w->opt.page_bytes) return flush_page(w, c);
  return 0;
}

int cdlt_pq_put_null(cdlt_pq_writer *w, size_t col) {
  pq_col *c = &w->cols[col];
  uint8_t zero = 0;
  if (cdlt_buf_append(&c->defs, &zero, 1)) return CDLT_ERR_NOMEM;
  c->has_value = true;
  c->nulls++;
  return 0;
}

int cdlt_pq_put_bool(cdlt_pq_writer *w, size_t col, bool v) {
  pq_col *c = &w->cols[col];
  if (!c->has_minmax) {
    c->min.b = c->max.b = v;
    c->has_minmax = true;
  } else {
    c->min.b &= v;
    c->max.b |= v;
  }
  uint8_t b = v;
  return put_value(w, c, &b, 1);
}

int cdlt_pq_put_i32(cdlt_pq_writer *w, size_t col, int32_t v) {
  pq_col *c = &w->cols[col];
  if (!c->has_minmax) {
    c->min.i32 = c->max.i32 = v;
    c->has_minmax = true;
  } else if (v < c->min.i32) c->min.i32 = v;
  else if (v > c->max.i32) c->max.i32 = v;
  return put_value(w, c, &v, 4);   /* little-endian hosts only (checked at open) */
}

int cdlt_pq_put_i64(cdlt_pq_writer *w, size_t col, int64_t v) {
  pq_col *c = &w->cols[col];
  if (!c->has_minmax) {
    c->min.i64 = c->max.i64 = v;
    c->has_minmax = true;
  } else if (v < c->min.i64) c->min.i64 = v;
  else if (v > c->max.i64) c->max.i64 = v;
  return put_value(w, c, &v, 8);
}

int cdlt_pq_put_double(cdlt_pq_writer *w, size_t col, double v) {
  pq_col *c = &w->cols[col];
  if (v == v) {   /* NaN is left out of min/max (Parquet's rule) */
    if (!c->has_minmax) {
      c->min.d = c->max.d = v;
      c->has_minmax = true;
    } else if (v < c->min.d) c->min.d = v;
    else if (v > c->max.d) c->max.d = v;
  }
  return put_value(w, c, &v, 8);
}

int cdlt_pq_put_bytes(cdlt_pq_writer *w, size_t col, const void *p, size_t n) {
  pq_col *c = &w->cols[col];
  if (c->spec.type == CDLT_PQ_FIXED && n != c->width) return CDLT_ERR_USAGE;
  if (n > UINT32_MAX - 8) return CDLT_ERR_USAGE;
  return put_value(w, c, n ? p : "", n);
}

/* ---------------------------------------------------------------- row groups and footer */

static int file_write(cdlt_pq_writer *w, const void *p, size_t n, cdlt_error *err) {
  if (n && fwrite(p, 1, n, w->f) != n) {
    w->failed = true;
    return cdlt_error_errno(err, errno, "cannot write '%s'", w->path);
  }
  w->offset += n;
  return 0;
}

/* Statistics: legacy min/max (fields 1, 2) for numbers, min_value/max_value (5, 6) always */
static void write_stats(cdlt_tc *t, const pq_col *c) {
  uint8_t lo[8], hi[8];
  const void *pmin = NULL, *pmax = NULL;
  size_t n = 0;
  bool legacy = true;
  if (c->has_minmax) {
    switch (c->spec.type) {
      case CDLT_PQ_BOOLEAN: lo[0] = c->min.b; hi[0] = c->max.b; n = 1; pmin = lo; pmax = hi; break;
      case CDLT_PQ_INT32: memcpy(lo, &c->min.i32, 4); memcpy(hi, &c->max.i32, 4); n = 4; pmin = lo; pmax = hi; break;
      case CDLT_PQ_INT64: memcpy(lo, &c->min.i64, 8); memcpy(hi, &c->max.i64, 8); n = 8; pmin = lo; pmax = hi; break;
      case CDLT_PQ_DOUBLE: memcpy(lo, &c->min.d, 8); memcpy(hi, &c->max.d, 8); n = 8; pmin = lo; pmax = hi; break;
      default: legacy = c->spec.type == CDLT_PQ_FIXED; break;
    }
  }
  cdlt_tc_field(t, 12, CDLT_TC_STRUCT);
  cdlt_tc_struct_begin(t);
  if (pmin && legacy) {
    cdlt_tc_field_binary(t, 1, pmax, n);
    cdlt_tc_field_binary(t, 2, pmin, n);
  }
  cdlt_tc_field_i64(t, 3, c->nulls);
  if (pmin) {
    cdlt_tc_field_binary(t, 5, pmax, n);
    cdlt_tc_field_binary(t, 6, pmin, n);
  } else if (c->has_minmax && c->smin.len <= PQ_MAX_STAT_BYTES && c->smax.len <= PQ_MAX_STAT_BYTES) {
    cdlt_tc_field_binary(t, 5, c->smax.data ? c->smax.data : "", c->smax.len);
    cdlt_tc_field_binary(t, 6, c->smin.data ? c->smin.data : "", c->smin.len);
  }
  cdlt_tc_struct_end(t);
}

static int flush_row_group(cdlt_pq_writer *w, cdlt_error *err) {
  if (!w->rg_rows) return 0;
  for (size_t i = 0; i < w->ncols; i++)
    if (flush_page(w, &w->cols[i])) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_buf rg;
  cdlt_buf_init(&rg);
  cdlt_tc t;
  cdlt_tc_init(&t, &rg);
  cdlt_tc_struct_begin(&t);                       /* RowGroup */
  cdlt_tc_field(&t, 1, CDLT_TC_LIST);
  cdlt_tc_list_begin(&t, CDLT_TC_STRUCT, w->ncols);
  int64_t total_unc = 0, total_comp = 0;
  uint64_t rg_offset = w->offset;
  int rc = 0;
  for (size_t i = 0; i < w->ncols && !rc; i++) {
    pq_col *c = &w->cols[i];
    uint64_t start = w->offset;
    int64_t unc = c->chunk_unc, comp = c->chunk_comp;
    bool dict = c->dict_pages;
    if (dict) {   /* the dictionary page first */
      cdlt_buf_reset(&w->body);
      if (cdlt_buf_append(&w->body, c->dict.data ? c->dict.data : "", c->dict.len) || compress_body(w) ||
          page_header(w, PAGE_DICTIONARY, (int32_t)c->dict_n, ENC_PLAIN)) {
        rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
        break;
      }
      unc += (int64_t)(w->hdr.len + w->body.len);
      comp += (int64_t)(w->hdr.len + w->comp.len);
      if ((rc = file_write(w, w->hdr.data, w->hdr.len, err)) || (rc = file_write(w, w->comp.data, w->comp.len, err))) break;
    }
    uint64_t data_offset = w->offset;
    if ((rc = file_write(w, c->chunk.data, c->chunk.len, err))) break;
    total_unc += unc;
    total_comp += comp;
    cdlt_tc_struct_begin(&t);                     /* ColumnChunk */
    cdlt_tc_field_i64(&t, 2, (int64_t)start);
    cdlt_tc_field(&t, 3, CDLT_TC_STRUCT);
    cdlt_tc_struct_begin(&t);                     /* ColumnMetaData */
    cdlt_tc_field_i32(&t, 1, (int32_t)c->spec.type);
    int encs[3], ne = 0;
    encs[ne++] = ENC_RLE;
    if (dict || c->plain_pages) encs[ne++] = ENC_PLAIN;
    if (dict) encs[ne++] = ENC_RLE_DICTIONARY;
    cdlt_tc_field(&t, 2, CDLT_TC_LIST);
    cdlt_tc_list_begin(&t, CDLT_TC_I32, (size_t)ne);
    for (int k = 0; k < ne; k++) cdlt_tc_i32(&t, encs[k]);
    cdlt_tc_field(&t, 3, CDLT_TC_LIST);
    cdlt_tc_list_begin(&t, CDLT_TC_BINARY, 1);
    cdlt_tc_binary(&t, c->name, strlen(c->name));
    cdlt_tc_field_i32(&t, 4, w->opt.no_compression ? CODEC_UNCOMPRESSED : CODEC_SNAPPY);
    cdlt_tc_field_i64(&t, 5, c->chunk_values);
    cdlt_tc_field_i64(&t, 6, unc);
    cdlt_tc_field_i64(&t, 7, comp);
    cdlt_tc_field_i64(&t, 9, (int64_t)data_offset);
    if (dict) cdlt_tc_field_i64(&t, 11, (int64_t)start);
    write_stats(&t, c);
    cdlt_tc_struct_end(&t);
    cdlt_tc_struct_end(&t);
  }
  if (!rc) {
    cdlt_tc_field_i64(&t, 2, total_unc);
    cdlt_tc_field_i64(&t, 3, (int64_t)w->rg_rows);
    cdlt_tc_field_i64(&t, 5, (int64_t)rg_offset);
    cdlt_tc_field_i64(&t, 6, total_comp);
    cdlt_tc_field(&t, 7, CDLT_TC_I16);
    cdlt_tc_i32(&t, (int32_t)(int16_t)w->row_groups);   /* i16: the same zigzag varint */
    cdlt_tc_struct_end(&t);
    if (cdlt_tc_failed(&t) || cdlt_buf_append(&w->rowgroups, rg.data, rg.len))
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  cdlt_buf_release(&rg);
  if (rc) {
    w->failed = true;
    return rc;
  }
  for (size_t i = 0; i < w->ncols; i++) {   /* a fresh chunk: dictionary, pages, statistics */
    pq_col *c = &w->cols[i];
    cdlt_buf_reset(&c->chunk);
    dict_clear(c);
    c->dict_off = c->dict_pages = c->plain_pages = false;
    c->dict_mode = !w->opt.no_dictionary && c->spec.type != CDLT_PQ_BOOLEAN;
    c->chunk_nonnull = 0;
    c->chunk_values = c->chunk_unc = c->chunk_comp = 0;
    c->nulls = 0;
    c->has_minmax = false;
  }
  w->buffered = 0;
  w->rg_rows = 0;
  w->row_groups++;
  return 0;
}

int cdlt_pq_end_row(cdlt_pq_writer *w, cdlt_error *err) {
  if (w->failed) return cdlt_error_set(err, CDLT_ERR_USAGE, "parquet writer of '%s' has failed", w->path);
  for (size_t i = 0; i < w->ncols; i++)
    if (!w->cols[i].has_value)
      return cdlt_error_set(err, CDLT_ERR_USAGE, "parquet: no value for column '%s' in row %llu", w->cols[i].name,
                            (unsigned long long)w->rows + 1);
  for (size_t i = 0; i < w->ncols; i++) w->cols[i].has_value = false;
  w->rows++;
  w->rg_rows++;
  if (w->rg_rows >= w->opt.row_group_rows || w->buffered >= w->opt.row_group_bytes) return flush_row_group(w, err);
  return 0;
}

static void schema_element(cdlt_tc *t, const pq_col *c) {
  const cdlt_pq_column_spec *s = &c->spec;
  cdlt_tc_struct_begin(t);
  cdlt_tc_field_i32(t, 1, (int32_t)s->type);
  if (s->type == CDLT_PQ_FIXED) cdlt_tc_field_i32(t, 2, s->type_length);
  cdlt_tc_field_i32(t, 3, REP_OPTIONAL);
  cdlt_tc_field_string(t, 4, c->name);
  int ct = -1;
  switch (s->ann) {
    case CDLT_PQ_ANN_UTF8: ct = CT_UTF8; break;
    case CDLT_PQ_ANN_JSON: ct = CT_JSON; break;
    case CDLT_PQ_ANN_INT64: ct = CT_INT_64; break;
    case CDLT_PQ_ANN_DATE: ct = CT_DATE; break;
    case CDLT_PQ_ANN_TIME_MICROS: ct = CT_TIME_MICROS; break;
    case CDLT_PQ_ANN_TIMESTAMP_MICROS: ct = CT_TIMESTAMP_MICROS; break;
    case CDLT_PQ_ANN_DECIMAL: ct = CT_DECIMAL; break;
    default: break;
  }
  if (ct >= 0) cdlt_tc_field_i32(t, 6, ct);
  if (s->ann == CDLT_PQ_ANN_DECIMAL) {
    cdlt_tc_field_i32(t, 7, s->scale);
    cdlt_tc_field_i32(t, 8, s->precision);
  }
  /* logicalType (field 10): a union */
  if (s->ann == CDLT_PQ_ANN_JSON || s->ann == CDLT_PQ_ANN_DECIMAL || s->ann == CDLT_PQ_ANN_TIME_MICROS ||
      s->ann == CDLT_PQ_ANN_TIMESTAMP_MICROS) {
    cdlt_tc_field(t, 10, CDLT_TC_STRUCT);
    cdlt_tc_struct_begin(t);
    if (s->ann == CDLT_PQ_ANN_JSON) {
      cdlt_tc_field_empty_struct(t, 12);
    } else if (s->ann == CDLT_PQ_ANN_DECIMAL) {
      cdlt_tc_field(t, 5, CDLT_TC_STRUCT);
      cdlt_tc_struct_begin(t);
      cdlt_tc_field_i32(t, 1, s->scale);
      cdlt_tc_field_i32(t, 2, s->precision);
      cdlt_tc_struct_end(t);
    } else {
      cdlt_tc_field(t, s->ann == CDLT_PQ_ANN_TIME_MICROS ? 7 : 8, CDLT_TC_STRUCT);
      cdlt_tc_struct_begin(t);
      cdlt_tc_field_bool(t, 1, s->utc);
      cdlt_tc_field(t, 2, CDLT_TC_STRUCT);   /* TimeUnit: MICROS */
      cdlt_tc_struct_begin(t);
      cdlt_tc_field_empty_struct(t, 2);
      cdlt_tc_struct_end(t);
      cdlt_tc_struct_end(t);
    }
    cdlt_tc_struct_end(t);
  }
  cdlt_tc_struct_end(t);
}

int cdlt_pq_writer_close(cdlt_pq_writer *w, cdlt_error *err) {
  if (w->failed) return cdlt_error_set(err, CDLT_ERR_USAGE, "parquet writer of '%s' has failed", w->path);
  int rc = flush_row_group(w, err);
  if (rc) return rc;
  cdlt_buf footer;
  cdlt_buf_init(&footer);
  cdlt_tc t;
  cdlt_tc_init(&t, &footer);
  cdlt_tc_struct_begin(&t);   /* FileMetaData */
  cdlt_tc_field_i32(&t, 1, 1);
  cdlt_tc_field(&t, 2, CDLT_TC_LIST);
  cdlt_tc_list_begin(&t, CDLT_TC_STRUCT, w->ncols + 1);
  cdlt_tc_struct_begin(&t);   /* the root */
  cdlt_tc_field_i32(&t, 3, REP_REQUIRED);
  cdlt_tc_field_string(&t, 4, "duckdb_schema");
  cdlt_tc_field_i32(&t, 5, (int32_t)w->ncols);
  cdlt_tc_struct_end(&t);
  for (size_t i = 0; i < w->ncols; i++) schema_element(&t, &w->cols[i]);
  cdlt_tc_field_i64(&t, 3, (int64_t)w->rows);
  cdlt_tc_field(&t, 4, CDLT_TC_LIST);
  cdlt_tc_list_begin(&t, CDLT_TC_STRUCT, (size_t)w->row_groups);
  if (!t.failed && cdlt_buf_append(&footer, w->rowgroups.data ? w->rowgroups.data : "", w->rowgroups.len)) t.failed = true;
  cdlt_tc_field_string(&t, 6, w->created_by);
  cdlt_tc_struct_end(&t);
  if (cdlt_tc_failed(&t)) {
    cdlt_buf_release(&footer);
    w->failed = true;
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  uint8_t tail[8];
  put_le32(tail, (uint32_t)footer.len);
  memcpy(tail + 4, "PAR1", 4);
  rc = file_write(w, footer.data, footer.len, err);
  if (!rc) rc = file_write(w, tail, 8, err);
  cdlt_buf_release(&footer);
  if (rc) return rc;
  FILE *f = w->f;
  w->f = NULL;
  if (fclose(f) != 0) {
    w->failed = true;
    return cdlt_error_errno(err, errno, "cannot write '%s'", w->path);
  }
  return 0;
}

/* ---------------------------------------------------------------- open / free */

int cdlt_pq_writer_open(cdlt_pq_writer **out, const char *path, const cdlt_pq_column_spec *specs, size_t ncols,
                        const cdlt_pq_options *opt, cdlt_error *err) {
  *out = NULL;
  const uint16_t probe = 1;
  if (*(const uint8_t *)&probe != 1) return cdlt_error_set(err, CDLT_ERR_USAGE, "parquet: big-endian hosts are not supported");
  if (ncols == 0) return cdlt_error_set(err, CDLT_ERR_USAGE, "parquet: '%s' has no columns", path);
  if (!(opt && opt->no_compression)) {   /* libsnappy is loaded on first use (snappy_lazy.c) */
    int lrc = cdlt_snappy_available(err);
    if (lrc) return lrc;
  }
  for (size_t i = 0; i < ncols; i++)
    if (specs[i].type == CDLT_PQ_FIXED && (specs[i].type_length <= 0 || specs[i].type_length > 64))
      return cdlt_error_set(err, CDLT_ERR_USAGE, "parquet: column '%s' has a bad fixed length %d", specs[i].name,
                            specs[i].type_length);
  cdlt_pq_writer *w = calloc(1, sizeof *w);
  if (!w) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (opt) w->opt = *opt;
  if (!w->opt.row_group_bytes) w->opt.row_group_bytes = PQ_DEFAULT_ROW_GROUP_BYTES;
  if (!w->opt.row_group_rows) w->opt.row_group_rows = PQ_DEFAULT_ROW_GROUP_ROWS;
  if (!w->opt.page_bytes) w->opt.page_bytes = PQ_DEFAULT_PAGE_BYTES;
  if (!w->opt.dict_bytes) w->opt.dict_bytes = PQ_DEFAULT_DICT_BYTES;
  w->ncols = ncols;
  w->cols = calloc(ncols, sizeof *w->cols);
  w->path = strdup(path);
  w->created_by = opt && opt->created_by ? strdup(opt->created_by) : NULL;
  if (!w->created_by && !(opt && opt->created_by)) {
    const char *v = cdlt_version();
    size_t n = strlen(v) + 32;
    if ((w->created_by = malloc(n))) snprintf(w->created_by, n, "cdlt version %s", v);
  }
  if (!w->cols || !w->path || !w->created_by) {
    cdlt_pq_writer_free(w);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  w->opt.created_by = NULL;
  for (size_t i = 0; i < ncols; i++) {
    pq_col *c = &w->cols[i];
    c->spec = specs[i];
    c->name = strdup(specs[i].name ? specs[i].name : "");
    if (!c->name) {
      cdlt_pq_writer_free(w);
      return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    }
    c->spec.name = c->name;
    switch (c->spec.type) {
      case CDLT_PQ_BOOLEAN: c->width = 1; break;
      case CDLT_PQ_INT32: c->width = 4; break;
      case CDLT_PQ_INT64:
      case CDLT_PQ_DOUBLE: c->width = 8; break;
      case CDLT_PQ_FIXED: c->width = (size_t)c->spec.type_length; break;
      default: c->width = 0; break;
    }
    c->dict_mode = !w->opt.no_dictionary && c->spec.type != CDLT_PQ_BOOLEAN;
  }
  w->f = fopen(path, "wb");
  if (!w->f) {
    int e = errno;
    cdlt_pq_writer_free(w);
    return cdlt_error_errno(err, e, "cannot create '%s'", path);
  }
  if (file_write(w, "PAR1", 4, err)) {
    cdlt_pq_writer_free(w);
    return CDLT_ERR_IO;
  }
  *out = w;
  return 0;
}

void cdlt_pq_writer_free(cdlt_pq_writer *w) {
  if (!w) return;
  if (w->f) fclose(w->f);
  for (size_t i = 0; w->cols && i < w->ncols; i++) {
    pq_col *c = &w->cols[i];
    free(c->name);
    cdlt_buf_release(&c->defs);
    cdlt_buf_release(&c->vals);
    cdlt_buf_release(&c->dict);
    cdlt_buf_release(&c->chunk);
    cdlt_buf_release(&c->smin);
    cdlt_buf_release(&c->smax);
    free(c->dict_at);
    free(c->dict_len);
    free(c->slots);
  }
  free(w->cols);
  cdlt_buf_release(&w->rowgroups);
  cdlt_buf_release(&w->body);
  cdlt_buf_release(&w->comp);
  cdlt_buf_release(&w->hdr);
  free(w->created_by);
  free(w->path);
  free(w);
}

uint64_t cdlt_pq_writer_rows(const cdlt_pq_writer *w) { return w->rows; }
uint64_t cdlt_pq_writer_row_groups(const cdlt_pq_writer *w) { return w->row_groups; }
