/* parquet_job.c — a loader job file converted to Parquet: each row parsed by the streaming JSON
 * reader, each value converted to its column's Parquet value as DuckDB's casts would (timestamps
 * to UTC microseconds, dates to days, decimals scaled with rounding half away from zero, base64
 * decoded), then handed to the streaming writer. See parquet_job.h. */
#include "formats/parquet_job.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/input.h"
#include "json/json.h"
#include "json/json_reader.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/intparse.h"
#include "util/isotime.h"

/* how a column's job values are converted */
typedef enum { V_TEXT, V_JSON, V_BIGINT, V_HUGEINT, V_DOUBLE, V_BOOL, V_TIMESTAMP, V_DATE, V_TIME, V_BINARY, V_DECIMAL } vkind;

int cdlt_parquet_column_spec(const cdlt_column_def *c, cdlt_pq_column_spec *out, cdlt_error *err) {
  memset(out, 0, sizeof *out);
  out->name = c->name;
  switch (c->type) {
    case CDLT_TYPE_TEXT: out->type = CDLT_PQ_BYTE_ARRAY; out->ann = CDLT_PQ_ANN_UTF8; return 0;
    case CDLT_TYPE_JSON: out->type = CDLT_PQ_BYTE_ARRAY; out->ann = CDLT_PQ_ANN_JSON; return 0;
    case CDLT_TYPE_BINARY: out->type = CDLT_PQ_BYTE_ARRAY; return 0;
    case CDLT_TYPE_DOUBLE: out->type = CDLT_PQ_DOUBLE; return 0;
    case CDLT_TYPE_BOOL: out->type = CDLT_PQ_BOOLEAN; return 0;
    case CDLT_TYPE_BIGINT:
      if (c->precision > 64) out->type = CDLT_PQ_DOUBLE;   /* DuckDB writes HUGEINT as DOUBLE */
      else { out->type = CDLT_PQ_INT64; out->ann = CDLT_PQ_ANN_INT64; }
      return 0;
    case CDLT_TYPE_TIMESTAMP:
      out->type = CDLT_PQ_INT64;
      out->ann = CDLT_PQ_ANN_TIMESTAMP_MICROS;
      out->utc = c->timezone;
      return 0;
    case CDLT_TYPE_DATE: out->type = CDLT_PQ_INT32; out->ann = CDLT_PQ_ANN_DATE; return 0;
    case CDLT_TYPE_TIME: out->type = CDLT_PQ_INT64; out->ann = CDLT_PQ_ANN_TIME_MICROS; return 0;
    case CDLT_TYPE_DECIMAL:
    case CDLT_TYPE_WEI: {
      bool wei = c->type == CDLT_TYPE_WEI;
      int p = c->precision >= 0 ? c->precision : 38, s = c->scale >= 0 ? c->scale : (wei ? 0 : 9);
      if (p < 1 || p > 38 || s > p)
        return cdlt_error_set(err, CDLT_ERR_SCHEMA, "column '%s': decimal(%d,%d) cannot be written to parquet (precision 1..38, scale 0..precision)",
                              c->name, p, s);
      out->ann = CDLT_PQ_ANN_DECIMAL;
      out->precision = p;
      out->scale = s;
      if (p <= 9) out->type = CDLT_PQ_INT32;
      else if (p <= 18) out->type = CDLT_PQ_INT64;
      else {
        out->type = CDLT_PQ_FIXED;
        out->type_length = 16;
      }
      return 0;
    }
    default: return cdlt_error_set(err, CDLT_ERR_SCHEMA, "column '%s' has no data type", c->name ? c->name : "");
  }
}

/* ---------------------------------------------------------------- value parsers */

__extension__ typedef __int128 i128;

/* a decimal number text (-?digits[.digits][e[+-]digits]) scaled by 10^scale, rounded half away
 * from zero, within +-(10^precision - 1) */
static bool parse_decimal(const char *s, size_t n, int precision, int scale, i128 *out) {
  size_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  size_t int_at = i, int_digits = 0, frac_at = 0, frac_digits = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') i++, int_digits++;
  if (i < n && s[i] == '.') {
    frac_at = ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, frac_digits++;
  }
  if (int_digits + frac_digits == 0) return false;
  long exp = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < n && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
    size_t st = i;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
      if (exp < 100000) exp = exp * 10 + (s[i] - '0');
    if (i == st) return false;
    if (eneg) exp = -exp;
  }
  if (i != n) return false;
  /* D = the integer digits then the fraction digits; the scaled integer is D's first `keep` digits
   * (zeros past its end), the next digit decides the rounding */
  long nd = (long)(int_digits + frac_digits);
#define DIGIT(k) ((k) < (long)int_digits ? s[int_at + (size_t)(k)] - '0' : s[frac_at + (size_t)((k) - (long)int_digits)] - '0')
  long lead = 0;
  while (lead < nd && DIGIT(lead) == 0) lead++;
  if (lead == nd) {
    *out = 0;
    return true;
  }
  long keep = (long)int_digits + exp + scale;
  if (keep - lead > precision) return false;
  i128 limit = 1;
  for (int k = 0; k < precision; k++) limit *= 10;
  i128 m = 0;
  for (long k = lead; k < keep; k++) m = m * 10 + (k < nd ? DIGIT(k) : 0);
  int rd = keep >= 0 && keep < nd ? DIGIT(keep) : 0;
#undef DIGIT
  if (rd >= 5) m++;
  if (m >= limit) return false;
  *out = neg ? -m : m;
  return true;
}

/* an integer text (up to 39 digits) → DuckDB's HUGEINT → DOUBLE conversion */
static bool parse_hugeint_double(const char *s, size_t n, double *out) {
  size_t i = 0;
  bool neg = n && s[0] == '-';
  if (neg) i++;
  if (i == n || n - i > 39) return false;
  unsigned __int128 v = 0;
  for (; i < n; i++) {
    unsigned d = (unsigned char)s[i] - '0';
    if (d > 9) return false;
    unsigned __int128 nv = v * 10 + d;
    if (nv / 10 != v) return false;
    v = nv;
  }
  unsigned __int128 max = ((unsigned __int128)1 << 127) - 1;
  if (v > max + (neg ? 1 : 0)) return false;
  double d = (double)(uint64_t)v + (double)(uint64_t)(v >> 64) * 18446744073709551616.0;
  *out = neg ? -d : d;
  return true;
}

/* ---------------------------------------------------------------- the job reader */

typedef struct jcol {
  const char *name;
  size_t name_len;
  vkind kind;
  int precision, scale;
  cdlt_pq_type type;
  bool seen;
} jcol;

typedef struct job {
  const char *src, *table;
  jcol *cols;
  size_t ncols;
  cdlt_pq_writer *w;
  cdlt_buf scratch;
  uint64_t line;
} job;

static int job_fail(cdlt_error *err, const job *J, const jcol *c, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int job_fail(cdlt_error *err, const job *J, const jcol *c, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return cdlt_error_set(err, CDLT_ERR_SCHEMA, "cannot convert '%s' line %" PRIu64 " column '%s' to parquet: %s", J->src,
                        J->line, c->name, msg);
}

static const char *kind_name(vkind k) {
  switch (k) {
    case V_BIGINT: return "BIGINT";
    case V_HUGEINT: return "HUGEINT";
    case V_DOUBLE: return "DOUBLE";
    case V_BOOL: return "BOOLEAN";
    case V_TIMESTAMP: return "TIMESTAMP";
    case V_DATE: return "DATE";
    case V_TIME: return "TIME";
    case V_BINARY: return "BLOB";
    case V_DECIMAL: return "DECIMAL";
    case V_JSON: return "JSON";
    default: return "VARCHAR";
  }
}

/* a short quoted excerpt of the value for messages */
static int bad_text(cdlt_error *err, const job *J, const jcol *c, const char *s, size_t n) {
  return job_fail(err, J, c, "'%.*s%s' is not a valid %s", (int)(n > 64 ? 64 : n), s, n > 64 ? "..." : "", kind_name(c->kind));
}

static int nomem(cdlt_error *err) { return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }

/* the text of a string or number value; false for other kinds */
static bool value_text(const cdlt_json_value *v, const char **s, size_t *n) {
  if (v->type == CDLT_JSON_STRING) {
    *s = v->u.str.ptr;
    *n = v->u.str.len;
    return true;
  }
  if (v->type == CDLT_JSON_INT || v->type == CDLT_JSON_BIGINT || v->type == CDLT_JSON_FLOAT) {
    *s = v->u.num.text;
    *n = v->u.num.len;
    return true;
  }
  return false;
}

static int put(job *J, size_t ci, const cdlt_json_value *v, cdlt_error *err) {
  jcol *c = &J->cols[ci];
  cdlt_pq_writer *w = J->w;
  const char *s;
  size_t n;
  int rc = 0;
  switch (c->kind) {
    case V_TEXT:
      switch (v->type) {
        case CDLT_JSON_STRING: rc = cdlt_pq_put_bytes(w, ci, v->u.str.ptr, v->u.str.len); break;
        case CDLT_JSON_INT:
        case CDLT_JSON_BIGINT:
        case CDLT_JSON_FLOAT: rc = cdlt_pq_put_bytes(w, ci, v->u.num.text, v->u.num.len); break;
        case CDLT_JSON_BOOL: rc = cdlt_pq_put_bytes(w, ci, v->u.boolean ? "true" : "false", v->u.boolean ? 4 : 5); break;
        default:
          cdlt_buf_reset(&J->scratch);
          if (cdlt_json_write(&J->scratch, v, 0)) return nomem(err);
          rc = cdlt_pq_put_bytes(w, ci, J->scratch.data, J->scratch.len);
          break;
      }
      break;
    case V_JSON:
      cdlt_buf_reset(&J->scratch);
      if (cdlt_json_write(&J->scratch, v, 0)) return nomem(err);
      rc = cdlt_pq_put_bytes(w, ci, J->scratch.data, J->scratch.len);
      break;
    case V_BIGINT: {
      int64_t i;
      if (v->type == CDLT_JSON_INT) i = v->u.num.i;
      else if (v->type == CDLT_JSON_STRING) {
        if (!cdlt_parse_int_strict(v->u.str.ptr, v->u.str.len, INT64_MIN, INT64_MAX, &i)) return bad_text(err, J, c, v->u.str.ptr, v->u.str.len);
      } else if (v->type == CDLT_JSON_BIGINT) {
        return job_fail(err, J, c, "integer %.*s is out of the BIGINT range", (int)(v->u.num.len > 64 ? 64 : v->u.num.len),
                        v->u.num.text);
      } else return job_fail(err, J, c, "cannot convert %s to BIGINT", cdlt_json_type_phrase(v->type));
      rc = cdlt_pq_put_i64(w, ci, i);
      break;
    }
    case V_HUGEINT: {
      double d;
      if (v->type == CDLT_JSON_INT) d = (double)v->u.num.i;
      else if (v->type == CDLT_JSON_BIGINT || v->type == CDLT_JSON_STRING) {
        value_text(v, &s, &n);
        if (!parse_hugeint_double(s, n, &d)) return bad_text(err, J, c, s, n);
      } else return job_fail(err, J, c, "cannot convert %s to HUGEINT", cdlt_json_type_phrase(v->type));
      rc = cdlt_pq_put_double(w, ci, d);
      break;
    }
    case V_DOUBLE: {
      double x;
      if (v->type == CDLT_JSON_INT) x = (double)v->u.num.i;
      else if (v->type == CDLT_JSON_FLOAT) x = v->u.num.d;
      else if (v->type == CDLT_JSON_BIGINT) x = strtod(v->u.num.text, NULL);
      else if (v->type == CDLT_JSON_STRING) {
        char tmp[400], *end;
        if (v->u.str.len == 0 || v->u.str.len >= sizeof tmp) return bad_text(err, J, c, v->u.str.ptr, v->u.str.len);
        memcpy(tmp, v->u.str.ptr, v->u.str.len);
        tmp[v->u.str.len] = 0;
        x = strtod(tmp, &end);
        if (*end) return bad_text(err, J, c, v->u.str.ptr, v->u.str.len);
      } else return job_fail(err, J, c, "cannot convert %s to DOUBLE", cdlt_json_type_phrase(v->type));
      rc = cdlt_pq_put_double(w, ci, x);
      break;
    }
    case V_BOOL:
      if (v->type != CDLT_JSON_BOOL) return job_fail(err, J, c, "cannot convert %s to BOOLEAN", cdlt_json_type_phrase(v->type));
      rc = cdlt_pq_put_bool(w, ci, v->u.boolean);
      break;
    case V_TIMESTAMP:
    case V_DATE:
    case V_TIME: {
      if (v->type != CDLT_JSON_STRING) return job_fail(err, J, c, "cannot convert %s to %s", cdlt_json_type_phrase(v->type), kind_name(c->kind));
      s = v->u.str.ptr;
      n = v->u.str.len;
      cdlt_iso_parsed p;
      cdlt_iso_kind k = cdlt_parse_iso_like(s, n, &p);
      if (c->kind == V_TIMESTAMP) {
        if (k != CDLT_ISO_DATETIME && k != CDLT_ISO_DATE) return bad_text(err, J, c, s, n);
        int64_t days = cdlt_days_from_civil(p.year, p.month, p.day);
        int64_t us = days * CDLT_US_PER_DAY;
        if (k == CDLT_ISO_DATETIME)
          us += (((int64_t)p.hour * 60 + p.minute) * 60 + p.second - (p.has_offset ? p.offset_s : 0)) * CDLT_US_PER_SEC +
                p.microsecond;
        rc = cdlt_pq_put_i64(w, ci, us);
      } else if (c->kind == V_DATE) {
        if (k != CDLT_ISO_DATE) return bad_text(err, J, c, s, n);
        rc = cdlt_pq_put_i32(w, ci, (int32_t)cdlt_days_from_civil(p.year, p.month, p.day));
      } else {
        if (k != CDLT_ISO_TIME) return bad_text(err, J, c, s, n);
        rc = cdlt_pq_put_i64(w, ci, (((int64_t)p.hour * 60 + p.minute) * 60 + p.second) * CDLT_US_PER_SEC + p.microsecond);
      }
      break;
    }
    case V_BINARY: {
      if (v->type != CDLT_JSON_STRING) return job_fail(err, J, c, "cannot convert %s to BLOB", cdlt_json_type_phrase(v->type));
      cdlt_buf_reset(&J->scratch);
      if (cdlt_buf_reserve(&J->scratch, CDLT_BASE64_DECODED_MAX(v->u.str.len))) return nomem(err);
      size_t len = 0;
      cdlt_error e2 = {0};
      if (cdlt_base64_decode(v->u.str.ptr, v->u.str.len, (uint8_t *)J->scratch.data, &len, &e2))
        return job_fail(err, J, c, "%s", e2.msg);
      rc = cdlt_pq_put_bytes(w, ci, J->scratch.data, len);
      break;
    }
    case V_DECIMAL: {
      if (!value_text(v, &s, &n)) return job_fail(err, J, c, "cannot convert %s to DECIMAL", cdlt_json_type_phrase(v->type));
      i128 m;
      if (!parse_decimal(s, n, c->precision, c->scale, &m))
        return job_fail(err, J, c, "'%.*s%s' is not a DECIMAL(%d,%d)", (int)(n > 64 ? 64 : n), s, n > 64 ? "..." : "",
                        c->precision, c->scale);
      if (c->type == CDLT_PQ_INT32) rc = cdlt_pq_put_i32(w, ci, (int32_t)m);
      else if (c->type == CDLT_PQ_INT64) rc = cdlt_pq_put_i64(w, ci, (int64_t)m);
      else {
        uint8_t be[16];
        unsigned __int128 u = (unsigned __int128)m;
        for (int k = 15; k >= 0; k--, u >>= 8) be[k] = (uint8_t)u;
        rc = cdlt_pq_put_bytes(w, ci, be, 16);
      }
      break;
    }
  }
  return rc ? nomem(err) : 0;
}

/* the column a key names: the one after the last matched first (rows are in column order) */
static size_t find_col(const job *J, size_t *hint, const char *key, size_t len) {
  size_t h = *hint;
  for (size_t k = 0; k < J->ncols; k++) {
    size_t c = h + k < J->ncols ? h + k : h + k - J->ncols;
    const jcol *jc = &J->cols[c];
    if (jc->name_len == len && memcmp(jc->name, key, len) == 0) {
      *hint = c + 1 < J->ncols ? c + 1 : 0;
      return c;
    }
  }
  return SIZE_MAX;
}

static int put_row(job *J, const cdlt_json_value *item, cdlt_error *err) {
  if (item->type != CDLT_JSON_OBJECT)
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "cannot convert '%s' line %" PRIu64 " to parquet: expected a JSON object, got %s",
                          J->src, J->line, cdlt_json_type_phrase(item->type));
  for (size_t c = 0; c < J->ncols; c++) J->cols[c].seen = false;
  size_t hint = 0;
  for (size_t m = 0; m < item->u.obj.len; m++) {
    const cdlt_json_member *mb = &item->u.obj.members[m];
    size_t c = find_col(J, &hint, mb->key, mb->key_len);
    if (c == SIZE_MAX || J->cols[c].seen || mb->value->type == CDLT_JSON_NULL) continue;
    J->cols[c].seen = true;
    int rc = put(J, c, mb->value, err);
    if (rc) return rc;
  }
  for (size_t c = 0; c < J->ncols; c++)
    if (!J->cols[c].seen && cdlt_pq_put_null(J->w, c)) return nomem(err);
  return cdlt_pq_end_row(J->w, err);
}

/* ---------------------------------------------------------------- the parsing thread
 *
 * The job file is parsed on a producer thread into batches of rows (each batch's values in its own
 * document), which the calling thread converts and writes in file order: the parse overlaps the
 * encoding and compression. A ring of PJ_RING batches bounds the memory (PJ_BATCH_ROWS rows or
 * PJ_BATCH_BYTES of input a batch, whichever comes first, and the rows themselves). A producer
 * error is reported after every row before it is written, as a one-thread conversion would. */
#define PJ_RING 3
#define PJ_BATCH_ROWS 512
#define PJ_BATCH_BYTES ((uint64_t)1 << 20)

typedef struct pj_batch {
  cdlt_json_doc doc;
  cdlt_json_value **items;
  uint64_t *lines;
  size_t n;
} pj_batch;

typedef struct pj_ring {
  cdlt_json_reader *rd;
  pj_batch b[PJ_RING];
  pthread_mutex_t mu;
  pthread_cond_t filled, freed;
  size_t published;     /* batches filled and not yet consumed (taken in ring order) */
  bool done;            /* the producer has finished; prc / perr are set */
  int prc;
  cdlt_error perr;
  atomic_bool stop;     /* the consumer has failed */
} pj_ring;

static void *pj_produce(void *arg) {
  pj_ring *R = arg;
  int rc = 0;
  for (size_t k = 0;; k = (k + 1) % PJ_RING) {
    pthread_mutex_lock(&R->mu);
    while (R->published == PJ_RING && !atomic_load(&R->stop)) pthread_cond_wait(&R->freed, &R->mu);
    pthread_mutex_unlock(&R->mu);
    if (atomic_load(&R->stop)) break;
    pj_batch *b = &R->b[k];
    cdlt_json_doc_reset(&b->doc);
    b->n = 0;
    uint64_t start = cdlt_json_reader_bytes_consumed(R->rd);
    cdlt_json_value *item;
    while (b->n < PJ_BATCH_ROWS && cdlt_json_reader_bytes_consumed(R->rd) - start < PJ_BATCH_BYTES &&
           (rc = cdlt_json_reader_next_value(R->rd, &b->doc, &item, &R->perr)) == 1) {
      cdlt_json_reader_item_position(R->rd, &b->lines[b->n], NULL, NULL);
      b->items[b->n++] = item;
    }
    if (rc == 1) rc = 0;
    bool last = rc != 0 || (b->n < PJ_BATCH_ROWS && cdlt_json_reader_bytes_consumed(R->rd) - start < PJ_BATCH_BYTES);
    pthread_mutex_lock(&R->mu);
    if (b->n) {
      R->published++;
      pthread_cond_signal(&R->filled);
    }
    pthread_mutex_unlock(&R->mu);
    if (last) break;
  }
  pthread_mutex_lock(&R->mu);
  R->prc = rc < 0 ? rc : 0;
  R->done = true;
  pthread_cond_signal(&R->filled);
  pthread_mutex_unlock(&R->mu);
  return NULL;
}

/* converts every batch the producer publishes, in order; the first error (ours or the producer's) */
static int pj_consume(pj_ring *R, job *J, cdlt_error *err) {
  for (size_t k = 0;; k = (k + 1) % PJ_RING) {
    pthread_mutex_lock(&R->mu);
    while (!R->published && !R->done) pthread_cond_wait(&R->filled, &R->mu);
    bool have = R->published > 0;
    int prc = R->prc;
    pthread_mutex_unlock(&R->mu);
    if (!have) {
      if (prc) *err = R->perr;
      return prc;
    }
    pj_batch *b = &R->b[k];
    int rc = 0;
    for (size_t i = 0; i < b->n && !rc; i++) {
      J->line = b->lines[i];
      rc = put_row(J, b->items[i], err);
    }
    pthread_mutex_lock(&R->mu);
    R->published--;
    pthread_cond_signal(&R->freed);
    pthread_mutex_unlock(&R->mu);
    if (rc) return rc;
  }
}

/* parses rd on a producer thread and writes its rows through J */
static int pj_run(cdlt_json_reader *rd, job *J, cdlt_error *err) {
  pj_ring *R = calloc(1, sizeof *R);
  if (!R) return nomem(err);
  R->rd = rd;
  atomic_init(&R->stop, false);
  int rc = 0;
  for (size_t k = 0; k < PJ_RING; k++) {
    cdlt_json_doc_init(&R->b[k].doc);
    R->b[k].items = malloc(PJ_BATCH_ROWS * sizeof *R->b[k].items);
    R->b[k].lines = malloc(PJ_BATCH_ROWS * sizeof *R->b[k].lines);
    if (!R->b[k].items || !R->b[k].lines) rc = nomem(err);
  }
  pthread_t th;
  bool sync = false, thread = false;
  if (!rc) {
    if (pthread_mutex_init(&R->mu, NULL) || pthread_cond_init(&R->filled, NULL) || pthread_cond_init(&R->freed, NULL))
      rc = cdlt_error_set(err, CDLT_ERR_INTERNAL, "cannot create a parquet conversion thread");
    else sync = true;
  }
  if (!rc) {
    if (pthread_create(&th, NULL, pj_produce, R)) rc = cdlt_error_set(err, CDLT_ERR_INTERNAL, "cannot create a parquet conversion thread");
    else thread = true;
  }
  if (!rc) rc = pj_consume(R, J, err);
  if (thread) {
    pthread_mutex_lock(&R->mu);
    atomic_store(&R->stop, true);
    pthread_cond_signal(&R->freed);
    pthread_mutex_unlock(&R->mu);
    pthread_join(th, NULL);
  }
  if (sync) {
    pthread_mutex_destroy(&R->mu);
    pthread_cond_destroy(&R->filled);
    pthread_cond_destroy(&R->freed);
  }
  for (size_t k = 0; k < PJ_RING; k++) {
    cdlt_json_doc_release(&R->b[k].doc);
    free(R->b[k].items);
    free(R->b[k].lines);
  }
  free(R);
  return rc;
}

int cdlt_parquet_write_job(const cdlt_table_def *table, const char *src, const char *dest, const cdlt_pq_options *opt,
                           cdlt_error *err) {
  if (table->ncolumns == 0)
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "cannot convert '%s' to parquet: table '%s' has no columns", src, table->name);
  job J = {.src = src, .table = table->name, .ncols = table->ncolumns};
  cdlt_buf_init(&J.scratch);
  cdlt_pq_column_spec *specs = calloc(J.ncols, sizeof *specs);
  J.cols = calloc(J.ncols, sizeof *J.cols);
  cdlt_input *in = NULL;
  cdlt_json_reader *rd = NULL;
  int rc = 0;
  if (!specs || !J.cols) {
    rc = nomem(err);
    goto done;
  }
  for (size_t i = 0; i < J.ncols && !rc; i++) {
    const cdlt_column_def *cd = &table->columns[i];
    rc = cdlt_parquet_column_spec(cd, &specs[i], err);
    jcol *c = &J.cols[i];
    c->name = cd->name;
    c->name_len = strlen(cd->name);
    c->type = specs[i].type;
    c->precision = specs[i].precision;
    c->scale = specs[i].scale;
    switch (cd->type) {
      case CDLT_TYPE_JSON: c->kind = V_JSON; break;
      case CDLT_TYPE_BIGINT: c->kind = cd->precision > 64 ? V_HUGEINT : V_BIGINT; break;
      case CDLT_TYPE_DOUBLE: c->kind = V_DOUBLE; break;
      case CDLT_TYPE_BOOL: c->kind = V_BOOL; break;
      case CDLT_TYPE_TIMESTAMP: c->kind = V_TIMESTAMP; break;
      case CDLT_TYPE_DATE: c->kind = V_DATE; break;
      case CDLT_TYPE_TIME: c->kind = V_TIME; break;
      case CDLT_TYPE_BINARY: c->kind = V_BINARY; break;
      case CDLT_TYPE_DECIMAL:
      case CDLT_TYPE_WEI: c->kind = V_DECIMAL; break;
      default: c->kind = V_TEXT; break;
    }
  }
  if (rc) goto done;
  if ((rc = cdlt_input_open(&in, src, err)) || (rc = cdlt_json_reader_new(&rd, in, &cdlt_json_job_limits, err))) goto done;
  if ((rc = cdlt_pq_writer_open(&J.w, dest, specs, J.ncols, opt, err))) goto done;
  if ((rc = pj_run(rd, &J, err))) goto done;
  rc = cdlt_pq_writer_close(J.w, err);
done:
  cdlt_pq_writer_free(J.w);
  cdlt_json_reader_free(rd);
  cdlt_input_close(in);
  cdlt_buf_release(&J.scratch);
  free(specs);
  free(J.cols);
  return rc;
}
