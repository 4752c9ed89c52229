/* duckdb_rows.c — rows of a normalized jsonl job file into typed DuckDB chunks, shared by the
 * serial bulk load (duckdb_load.c) and the parallel one (duckdb_scan.c): the loading plan of a
 * table (each column's vector type and the INSERT ... SELECT that converts what needs parsing) and
 * the filling of one row, with errors that name the job file, line and column. */
#include <duckdb.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "destinations/duckdb_cast.h"
#include "destinations/duckdb_internal.h"
#include "json/json.h"
#include "load/sql_gen.h"
#include "util/isotime.h"

int cdlt_duck_rows_fail(cdlt_error *err, const duck_rows *rows, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return cdlt_error_set(err, CDLT_ERR_DESTINATION, "duckdb: cannot load '%s' into '%s': %s", rows->path,
                        rows->table, msg);
}

/* The kind of one column and its select expression appended to sel. Strings that need parsing are
 * appended as VARCHAR and CAST in SQL, so nothing depends on DuckDB's own format detection; a
 * timestamp is taken from its parsed vector (named fast_name) when the row has one there. */
static int column_read_sql(duck_col_kind *kind, cdlt_buf *sel, const cdlt_column_def *c, const char *fast_name,
                           cdlt_error *err) {
  const cdlt_sql_dialect *dl = &cdlt_dialect_duckdb;
  const char *pre = "", *post = "";   /* the select expression: pre "col" post */
  cdlt_buf tn;
  cdlt_buf_init(&tn);
  int rc = 0;
  *kind = DUCK_COL_TEXT;
  if (c->type == CDLT_TYPE_TIMESTAMP) {   /* [CAST(]COALESCE("fast", CAST("col" AS TIMESTAMPTZ))[ AS TIMESTAMP)] */
    *kind = DUCK_COL_TIMESTAMP;
    if (sel->len && cdlt_buf_puts(sel, ", ")) goto nomem;
    if ((!c->timezone && cdlt_buf_puts(sel, "CAST(")) || cdlt_buf_puts(sel, "COALESCE(")) goto nomem;
    if ((rc = cdlt_sql_ident(sel, dl, fast_name, err))) goto done;
    if (cdlt_buf_puts(sel, ", CAST(")) goto nomem;
    if ((rc = cdlt_sql_ident(sel, dl, c->name, err))) goto done;
    if (cdlt_buf_puts(sel, c->timezone ? " AS TIMESTAMPTZ))" : " AS TIMESTAMPTZ)) AS TIMESTAMP)")) goto nomem;
    goto done;
  }
  switch (c->type) {
    case CDLT_TYPE_TEXT: break;
    case CDLT_TYPE_BIGINT:
      if (c->precision > 64) { pre = "CAST("; post = " AS HUGEINT)"; }
      else *kind = DUCK_COL_BIGINT;
      break;
    case CDLT_TYPE_DOUBLE: *kind = DUCK_COL_DOUBLE; break;
    case CDLT_TYPE_BOOL: *kind = DUCK_COL_BOOL; break;
    case CDLT_TYPE_JSON: *kind = DUCK_COL_JSON; pre = "CAST("; post = " AS JSON)"; break;
    default:   /* parsed from text by a cast (duckdb_cast.c) */
      rc = cdlt_duckdb_text_cast(c, &pre, &tn, err);
      if (rc < 0) goto done;
      rc = 0;
      post = tn.data;
      break;
  }
  if (sel->len && cdlt_buf_puts(sel, ", ")) goto nomem;
  if (cdlt_buf_puts(sel, pre)) goto nomem;
  if ((rc = cdlt_sql_ident(sel, dl, c->name, err))) goto done;
  if (cdlt_buf_puts(sel, post)) goto nomem;
done:
  cdlt_buf_release(&tn);
  return rc;
nomem:
  cdlt_buf_release(&tn);
  return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
}

int cdlt_duck_rows_plan(duck_rows *rows, const char *dataset, const cdlt_table_def *table, const char *source,
                        duckdb_logical_type **types, cdlt_buf *sql, cdlt_error *err) {
  const cdlt_sql_dialect *dl = &cdlt_dialect_duckdb;
  rows->ncols = rows->nvec = table->ncolumns;
  for (size_t i = 0; i < table->ncolumns; i++)
    if (table->columns[i].type == CDLT_TYPE_TIMESTAMP) rows->nvec++;
  cdlt_buf_init(&rows->scratch);
  rows->cols = calloc(rows->ncols ? rows->ncols : 1, sizeof *rows->cols);
  rows->vec_names = calloc(rows->nvec ? rows->nvec : 1, sizeof *rows->vec_names);
  *types = calloc(rows->nvec ? rows->nvec : 1, sizeof **types);
  if (!rows->cols || !rows->vec_names || !*types) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_buf sel;
  cdlt_buf_init(&sel);
  int rc = 0;
  size_t next_vec = rows->ncols;
  for (size_t i = 0; i < rows->ncols && !rc; i++) {
    duck_col *cs = &rows->cols[i];
    cs->name = table->columns[i].name;
    cs->name_len = strlen(cs->name);
    char fast_name[48] = "";
    if (table->columns[i].type == CDLT_TYPE_TIMESTAMP) {
      cs->ts_index = next_vec++;
      snprintf(fast_name, sizeof fast_name, "cdlt\x01ts%zu", i);
      if (!(rows->vec_names[cs->ts_index] = strdup(fast_name)) ||
          !((*types)[cs->ts_index] = duckdb_create_logical_type(DUCKDB_TYPE_TIMESTAMP_TZ))) {
        rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
        break;
      }
    }
    if (!(rows->vec_names[i] = strdup(cs->name))) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if (!rc) rc = column_read_sql(&cs->kind, &sel, &table->columns[i], fast_name, err);
    if (rc) break;
    duckdb_type t = cs->kind == DUCK_COL_BIGINT   ? DUCKDB_TYPE_BIGINT
                    : cs->kind == DUCK_COL_DOUBLE ? DUCKDB_TYPE_DOUBLE
                    : cs->kind == DUCK_COL_BOOL   ? DUCKDB_TYPE_BOOLEAN
                                                  : DUCKDB_TYPE_VARCHAR;
    (*types)[i] = duckdb_create_logical_type(t);
  }
  if (!rc) rc = cdlt_buf_puts(sql, "INSERT INTO ") ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
  if (!rc) rc = cdlt_sql_qualified(sql, dl, dataset, table->name, err);
  if (!rc && cdlt_buf_puts(sql, " (")) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < rows->ncols && !rc; i++) {
    if (i && cdlt_buf_puts(sql, ", ")) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if (!rc) rc = cdlt_sql_ident(sql, dl, table->columns[i].name, err);
  }
  if (!rc && cdlt_buf_printf(sql, ") SELECT %s FROM %s", sel.data, source))
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_buf_release(&sel);
  return rc;
}

void cdlt_duck_rows_release(duck_rows *rows) {
  free(rows->cols);
  rows->cols = NULL;
  for (size_t i = 0; rows->vec_names && i < rows->nvec; i++) free(rows->vec_names[i]);
  free(rows->vec_names);
  rows->vec_names = NULL;
  cdlt_buf_release(&rows->scratch);
}

void cdlt_duck_rows_bind(duck_rows *rows, duckdb_data_chunk chunk) {
  for (size_t c = 0; c < rows->ncols; c++) {
    duck_col *cs = &rows->cols[c];
    cs->vec = duckdb_data_chunk_get_vector(chunk, c);
    cs->data = duckdb_vector_get_data(cs->vec);
    duckdb_vector_ensure_validity_writable(cs->vec);
    cs->validity = duckdb_vector_get_validity(cs->vec);
    if (cs->kind == DUCK_COL_TIMESTAMP) {
      duckdb_vector tv = duckdb_data_chunk_get_vector(chunk, cs->ts_index);
      cs->ts_data = duckdb_vector_get_data(tv);
      duckdb_vector_ensure_validity_writable(tv);
      cs->ts_validity = duckdb_vector_get_validity(tv);
    }
  }
}

/* n digits at s as a number; -1 when one is not a digit */
static int digits(const char *s, int n) {
  int v = 0;
  for (int k = 0; k < n; k++) {
    unsigned d = (unsigned)(s[k] - '0');
    if (d > 9) return -1;
    v = v * 10 + (int)d;
  }
  return v;
}

bool cdlt_duck_fast_timestamp(const char *s, size_t n, int64_t *us) {
  /* YYYY-MM-DDTHH:MM:SS = 19 bytes, then [.f{1,6}], then +00:00 or Z */
  if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
  int year = digits(s, 4), month = digits(s + 5, 2), day = digits(s + 8, 2), hour = digits(s + 11, 2),
      minute = digits(s + 14, 2), second = digits(s + 17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > cdlt_days_in_month(year, month) || hour < 0 ||
      hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return false;
  size_t p = 19;
  int64_t frac = 0;
  if (s[p] == '.') {
    size_t start = ++p;
    while (p < n && p - start < 7 && s[p] >= '0' && s[p] <= '9') frac = frac * 10 + (s[p++] - '0');
    size_t nd = p - start;
    if (nd == 0 || nd > 6) return false;
    for (; nd < 6; nd++) frac *= 10;
  }
  if (!((n - p == 1 && s[p] == 'Z') || (n - p == 6 && !memcmp(s + p, "+00:00", 6)))) return false;
  int64_t days = cdlt_days_from_civil(year, month, day);
  *us = ((days * 24 + hour) * 60 + minute) * (int64_t)60000000 + (int64_t)second * 1000000 + frac;
  return true;
}

static int bad_value(duck_rows *R, const duck_col *cs, const cdlt_json_value *v, const char *want) {
  return cdlt_duck_rows_fail(&R->err, R, "line %" PRIu64 ": column '%s': cannot convert %s to %s", R->line, cs->name,
                             cdlt_json_type_phrase(v->type), want);
}

/* a whole string as a decimal int64 / a finite double (DuckDB's cast accepts these too) */
static bool parse_i64(const char *s, size_t n, int64_t *out) {
  char tmp[32];
  if (n == 0 || n >= sizeof tmp) return false;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  char *end;
  errno = 0;
  long long v = strtoll(tmp, &end, 10);
  if (errno || *end || end == tmp) return false;
  *out = v;
  return true;
}
static bool parse_f64(const char *s, size_t n, double *out) {
  char tmp[400];
  if (n == 0 || n >= sizeof tmp) return false;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  char *end;
  double v = strtod(tmp, &end);
  if (*end || end == tmp) return false;
  *out = v;
  return true;
}

/* sets row r of column cs from v (not NULL) */
static int put_value(duck_rows *R, duck_col *cs, idx_t r, const cdlt_json_value *v) {
  switch (cs->kind) {
    case DUCK_COL_BIGINT: {
      int64_t i;
      if (v->type == CDLT_JSON_INT) i = v->u.num.i;
      else if (v->type == CDLT_JSON_STRING && parse_i64(v->u.str.ptr, v->u.str.len, &i)) {
      } else if (v->type == CDLT_JSON_BIGINT) {
        return cdlt_duck_rows_fail(&R->err, R, "line %" PRIu64 ": column '%s': integer %.*s is out of the BIGINT range",
                                   R->line, cs->name, (int)(v->u.num.len > 64 ? 64 : v->u.num.len), v->u.num.text);
      } else return bad_value(R, cs, v, "BIGINT");
      ((int64_t *)cs->data)[r] = i;
      return 0;
    }
    case DUCK_COL_DOUBLE: {
      double x;
      if (v->type == CDLT_JSON_INT) x = (double)v->u.num.i;
      else if (v->type == CDLT_JSON_FLOAT) x = v->u.num.d;
      else if (v->type == CDLT_JSON_BIGINT) x = strtod(v->u.num.text, NULL);
      else if (v->type == CDLT_JSON_STRING && parse_f64(v->u.str.ptr, v->u.str.len, &x)) {
      } else return bad_value(R, cs, v, "DOUBLE");
      ((double *)cs->data)[r] = x;
      return 0;
    }
    case DUCK_COL_BOOL:
      if (v->type != CDLT_JSON_BOOL) return bad_value(R, cs, v, "BOOLEAN");
      ((bool *)cs->data)[r] = v->u.boolean;
      return 0;
    case DUCK_COL_TIMESTAMP:
      if (v->type == CDLT_JSON_STRING && cdlt_duck_fast_timestamp(v->u.str.ptr, v->u.str.len, &cs->ts_data[r])) {
        cs->ts_fast = true;
        return 0;
      }
      /* any other value: its text, CAST in SQL */
      /* fallthrough */
    case DUCK_COL_TEXT:
      switch (v->type) {
        case CDLT_JSON_STRING: duckdb_vector_assign_string_element_len(cs->vec, r, v->u.str.ptr, v->u.str.len); return 0;
        case CDLT_JSON_INT:
        case CDLT_JSON_BIGINT:
        case CDLT_JSON_FLOAT: duckdb_vector_assign_string_element_len(cs->vec, r, v->u.num.text, v->u.num.len); return 0;
        case CDLT_JSON_BOOL: duckdb_vector_assign_string_element_len(cs->vec, r, v->u.boolean ? "true" : "false", v->u.boolean ? 4 : 5); return 0;
        default: break;   /* arrays and objects: their JSON text */
      }
      /* fallthrough */
    case DUCK_COL_JSON:
      cdlt_buf_reset(&R->scratch);
      if (cdlt_json_write(&R->scratch, v, 0)) return cdlt_error_set(&R->err, CDLT_ERR_NOMEM, "out of memory");
      duckdb_vector_assign_string_element_len(cs->vec, r, R->scratch.data, R->scratch.len);
      return 0;
  }
  return 0;
}

/* The column a key names: the one after the last matched column first (rows are written in
 * column order), else a scan. NULL when the key is not a column (ignored). */
duck_col *cdlt_duck_rows_find_col(duck_rows *R, size_t *hint, const char *key, size_t len) {
  size_t h = *hint;
  for (size_t k = 0; k < R->ncols; k++) {
    size_t c = h + k < R->ncols ? h + k : h + k - R->ncols;
    duck_col *cs = &R->cols[c];
    if (cs->name_len == len && memcmp(cs->name, key, len) == 0) {
      *hint = c + 1 < R->ncols ? c + 1 : 0;
      return cs;
    }
  }
  return NULL;
}

int cdlt_duck_rows_put(duck_rows *R, idx_t r, const cdlt_json_value *item) {
  if (item->type != CDLT_JSON_OBJECT)
    return cdlt_duck_rows_fail(&R->err, R, "line %" PRIu64 ": expected a JSON object, got %s", R->line,
                               cdlt_json_type_phrase(item->type));
  for (size_t c = 0; c < R->ncols; c++) R->cols[c].seen = R->cols[c].ts_fast = false;
  size_t hint = 0;
  int rc = 0;
  for (size_t m = 0; m < item->u.obj.len && !rc; m++) {
    const cdlt_json_member *mb = &item->u.obj.members[m];
    duck_col *cs = cdlt_duck_rows_find_col(R, &hint, mb->key, mb->key_len);
    if (!cs || mb->value->type == CDLT_JSON_NULL) continue;
    cs->seen = true;
    rc = put_value(R, cs, r, mb->value);
  }
  if (rc) return rc;
  for (size_t c = 0; c < R->ncols; c++) {
    duck_col *cs = &R->cols[c];
    duckdb_validity_set_row_validity(cs->validity, r, cs->seen && !cs->ts_fast);
    if (cs->kind == DUCK_COL_TIMESTAMP) duckdb_validity_set_row_validity(cs->ts_validity, r, cs->ts_fast);
  }
  return 0;
}
