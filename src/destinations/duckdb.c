/* duckdb.c — the DuckDB destination, on libduckdb's C API.
 *
 * One database + one connection per destination instance. Job files are bulk-loaded through a
 * query appender fed by cdlt's JSON reader (duckdb_load.c). Query results are rendered
 * as text as destination.h documents: timestamps are formatted here from their raw microseconds,
 * doubles with cdlt_format_double, other scalar types natively or through DuckDB's VARCHAR cast. */
#include <duckdb.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "destinations/destination.h"
#include "destinations/duckdb_internal.h"
#include "destinations/duckdb_lazy.h"
#include "cdlt/config.h"
#include "json/json.h"
#include "load/sql_gen.h"
#include "util/buf.h"

/* rows of a row group of an attached database file (DuckDB's default: 122,880); see attach_file */
#define DUCK_ROW_GROUP_SIZE 16384

static int duck_fail(cdlt_error *err, const char *what, const char *msg) {
  return cdlt_error_set(err, CDLT_ERR_DESTINATION, "duckdb: %s: %s", what,
                        msg && *msg ? msg : "unknown error");
}

static int run(duck *d, const char *sql, const char *what, cdlt_error *err) {
  duckdb_result res;
  if (duckdb_query(d->con, sql, &res) == DuckDBError) {
    int rc = duck_fail(err, what, duckdb_result_error(&res));
    duckdb_destroy_result(&res);
    return rc;
  }
  duckdb_destroy_result(&res);
  return 0;
}

/* forgets the per-table row counts of the transaction that ended */
static void appended_reset(duck *d) {
  for (size_t k = 0; k < d->nappended; k++) free(d->appended[k].table);
  free(d->appended);
  d->appended = NULL;
  d->nappended = 0;
}

static duck_appended *appended_find(const duck *d, const char *dataset, const char *table) {
  size_t dl = strlen(dataset);
  for (size_t k = 0; k < d->nappended; k++) {
    const char *t = d->appended[k].table;
    if (!strncmp(t, dataset, dl) && t[dl] == '\x1f' && !strcmp(t + dl + 1, table)) return &d->appended[k];
  }
  return NULL;
}

uint64_t cdlt_duck_appended(const duck *d, const char *dataset, const char *table) {
  const duck_appended *a = d->in_transaction ? appended_find(d, dataset, table) : NULL;
  return a ? a->rows : 0;
}

int cdlt_duck_appended_add(duck *d, const char *dataset, const char *table, uint64_t rows) {
  if (!d->in_transaction) return 0;
  duck_appended *a = appended_find(d, dataset, table);
  if (a) {
    a->rows += rows;
    return 0;
  }
  duck_appended *grown = realloc(d->appended, (d->nappended + 1) * sizeof *grown);
  if (!grown) return CDLT_ERR_NOMEM;
  d->appended = grown;
  size_t dl = strlen(dataset), tl = strlen(table);
  char *name = malloc(dl + tl + 2);
  if (!name) return CDLT_ERR_NOMEM;
  memcpy(name, dataset, dl);
  name[dl] = '\x1f';
  memcpy(name + dl + 1, table, tl + 1);
  d->appended[d->nappended++] = (duck_appended){name, rows};
  return 0;
}

static void duck_close(cdlt_destination *base) {
  duck *d = (duck *)base;
  appended_reset(d);
  d->in_transaction = false;
  if (d->has_con) duckdb_disconnect(&d->con);
  if (d->has_db) duckdb_close(&d->db);
  d->has_con = d->has_db = false;
  free(d->path);
  d->path = NULL;
}

/* Settings of the destination (config `[destination.duckdb]`, or env DESTINATION__DUCKDB__<KEY>):
 * memory_limit (DuckDB's text, e.g. "256MB"), threads, row_group_size, load_block_size (bytes of a
 * block of the parallel load, duckdb_scan.c). NULL = not configured. */
static const char *duck_setting(cdlt_config *conf, const char *key) {
  const char *v = NULL;
  return conf && cdlt_config_get(conf, "destination.duckdb", key, &v, NULL, NULL) == 0 && v && *v ? v : NULL;
}

/* a whole decimal number in [lo, hi] */
static bool setting_int(const char *v, long long lo, long long hi, long long *out) {
  char *end;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (errno || end == v || *end || n < lo || n > hi) return false;
  *out = n;
  return true;
}

/* appends '<path>.tmp' as a SQL string literal */
static int append_temp_dir_literal(cdlt_buf *b, const char *path) {
  cdlt_buf dir;
  cdlt_buf_init(&dir);
  int rc = cdlt_buf_printf(&dir, "%s.tmp", path) || cdlt_sql_string_literal(b, &cdlt_dialect_duckdb, dir.data, dir.len);
  cdlt_buf_release(&dir);
  return rc;
}

static bool is_memory_path(const char *path) { return !strcmp(path, ":memory:") || !strncmp(path, ":memory:", 8); }

/* The database file is ATTACHed to an in-memory database (rather than opened directly) so its
 * ROW_GROUP_SIZE can be chosen: DuckDB keeps a transaction's unfinished row group uncompressed in
 * memory, 122,880 rows by default (~150 MB for a 41-column table), pinned. The
 * catalog keeps the name DuckDB gives a directly opened file (its stem, chosen by DuckDB), the
 * in-memory catalog is detached again, so queries see exactly the catalogs of a direct open. */
static int attach_file(duck *d, const char *path, long long row_group_size, cdlt_error *err) {
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  /* a boot catalog first, so that a file named memory.duckdb gets the name "memory" too */
  int rc = run(d, "ATTACH ':memory:' AS \"cdlt$boot\"; USE \"cdlt$boot\"; DETACH \"memory\"", "attach", err);
  if (rc) goto done;
  rc = cdlt_buf_puts(&sql, "ATTACH ") || cdlt_sql_string_literal(&sql, &cdlt_dialect_duckdb, path, strlen(path)) ||
               cdlt_buf_printf(&sql, " (ROW_GROUP_SIZE %lld)", row_group_size)
           ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory")
           : 0;
  if (!rc) rc = run(d, sql.data, "attach", err);
  if (rc) goto done;
  duckdb_result res;
  if (duckdb_query(d->con, "SELECT database_name FROM duckdb_databases() WHERE NOT internal AND database_name <> 'cdlt$boot'",
                   &res) == DuckDBError) {
    rc = duck_fail(err, "attach", duckdb_result_error(&res));
    duckdb_destroy_result(&res);
    goto done;
  }
  char *name = duckdb_row_count(&res) == 1 ? duckdb_value_varchar(&res, 0, 0) : NULL;
  duckdb_destroy_result(&res);
  if (!name) {
    rc = cdlt_error_set(err, CDLT_ERR_DESTINATION, "duckdb: attach: the attached database has no name");
    goto done;
  }
  cdlt_buf_reset(&sql);
  rc = cdlt_buf_puts(&sql, "USE ") ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
  if (!rc) rc = cdlt_sql_ident(&sql, &cdlt_dialect_duckdb, name, err);
  duckdb_free(name);
  if (!rc) rc = cdlt_buf_puts(&sql, "; DETACH \"cdlt$boot\"") ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
  if (!rc) rc = run(d, sql.data, "attach", err);
done:
  cdlt_buf_release(&sql);
  return rc;
}

static int duck_open(cdlt_destination *base, const cdlt_destination_config *cfg, cdlt_error *err) {
  duck *d = (duck *)base;
  int lrc = cdlt_duckdb_available(err);   /* libduckdb is loaded on first use (duckdb_lazy.c) */
  if (lrc) return lrc;
  const char *path = cfg->credentials;
  if (!path || !*path)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "duckdb: no database file path given");
  if (!(d->path = strdup(path))) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_config *conf = NULL;
  cdlt_config_options co = {.pipeline_name = cfg->pipeline_name};
  if (cdlt_config_open(&co, &conf)) {
    int rc = cdlt_error_set(err, CDLT_ERR_PARSE, "duckdb: %s", cdlt_config_errmsg(conf));
    cdlt_config_close(conf);
    duck_close(base);
    return rc;
  }
  const char *mem = duck_setting(conf, "memory_limit"), *thr = duck_setting(conf, "threads"),
             *rgs = duck_setting(conf, "row_group_size"), *blk = duck_setting(conf, "load_block_size");
  long long threads = 0, row_group_size = DUCK_ROW_GROUP_SIZE, block = DUCK_SCAN_BLOCK_BYTES;
  d->auto_limit = !mem;
  d->auto_threads = !thr;
  int rc = 0;
  if (thr && !setting_int(thr, 1, 1024, &threads))
    rc = cdlt_error_set(err, CDLT_ERR_USAGE, "duckdb: setting 'threads' must be a whole number from 1 to 1024, not '%s'", thr);
  else if (rgs && (!setting_int(rgs, 2048, 1 << 30, &row_group_size) || row_group_size % 2048))
    rc = cdlt_error_set(err, CDLT_ERR_USAGE,
                        "duckdb: setting 'row_group_size' must be a multiple of 2048 (at least 2048), not '%s'", rgs);
  else if (blk && !setting_int(blk, 4096, (long long)1 << 40, &block))
    rc = cdlt_error_set(err, CDLT_ERR_USAGE,
                        "duckdb: setting 'load_block_size' must be a whole number of bytes from 4096, not '%s'", blk);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  d->threads = threads ? (unsigned)threads : cores > 0 ? (unsigned)cores : 1;
  d->scan_block = block;
  d->row_group_size = row_group_size;
  cdlt_buf set;
  cdlt_buf_init(&set);
  /* §6.2 connection settings */
  /* spilled buffers go next to the database file, as DuckDB does for a file it opens itself (the
   * file is ATTACHed to an in-memory database, whose default is ".tmp" in the working directory) */
  if (!rc && !is_memory_path(path) &&
      (cdlt_buf_puts(&set, "SET temp_directory=") || append_temp_dir_literal(&set, path) || cdlt_buf_puts(&set, ";\n")))
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc && (cdlt_buf_puts(&set, "SET GLOBAL TimeZone='UTC';\nSET checkpoint_threshold='1gb';\n"
                                  "PRAGMA enable_checkpoint_on_shutdown;\n") ||
              (threads && cdlt_buf_printf(&set, "SET threads=%lld;\n", threads)) ||
              (mem && (cdlt_buf_puts(&set, "SET memory_limit=") ||
                       cdlt_sql_string_literal(&set, &cdlt_dialect_duckdb, mem, strlen(mem))))))
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_config_close(conf);
  char *msg = NULL;
  if (!rc && duckdb_open_ext(is_memory_path(path) ? path : ":memory:", &d->db, NULL, &msg) == DuckDBError) {
    rc = cdlt_error_set(err, CDLT_ERR_DESTINATION, "cannot open duckdb database '%s': %s", path,
                        msg && *msg ? msg : "unknown error");
    if (msg) duckdb_free(msg);
  }
  if (!rc) {
    d->has_db = true;
    if (duckdb_connect(d->db, &d->con) == DuckDBError)
      rc = cdlt_error_set(err, CDLT_ERR_DESTINATION, "cannot connect to duckdb database '%s'", path);
    else d->has_con = true;
  }
  if (!rc && !is_memory_path(path)) {
    rc = attach_file(d, path, row_group_size, err);
    if (rc) {
      char why[sizeof err->msg];
      snprintf(why, sizeof why, "%s", strncmp(err->msg, "duckdb: attach: ", 16) ? err->msg : err->msg + 16);
      cdlt_error_set(err, CDLT_ERR_DESTINATION, "cannot open duckdb database '%s': %s", path, why);
    }
  }
  if (!rc) {
    rc = run(d, set.data, "connection settings", err);
    if (rc) cdlt_error_wrap(err, "cannot open duckdb database '%s'", path);
  }
  if (!rc) {   /* without it every job is loaded serially (d->scan_registered stays false) */
    cdlt_error ignored = {0};
    cdlt_duck_scan_register(d, &ignored);
  }
  if (!rc && d->auto_limit) {
    /* RESET memory_limit resets the setting's text but not the buffer pool's limit (DuckDB
     * 1.4.4): the limit in effect before a load is remembered and SET back after it */
    duckdb_result res;
    if (duckdb_query(d->con, "SELECT current_setting('memory_limit')", &res) != DuckDBError) {
      char *v = duckdb_row_count(&res) == 1 ? duckdb_value_varchar(&res, 0, 0) : NULL;
      if (v) snprintf(d->default_limit, sizeof d->default_limit, "%s", v);
      duckdb_free(v);
    }
    duckdb_destroy_result(&res);
  }
  cdlt_buf_release(&set);
  if (rc) duck_close(base);
  return rc;
}

static int duck_execute(cdlt_destination *base, const char *sql, cdlt_error *err) {
  /* duckdb_query runs every statement of a multi-statement string, stopping at the first error */
  return run((duck *)base, sql, "execute", err);
}

/* ---------------------------------------------------------------- rendering values as text */

static char *dupn(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (!p) return NULL;
  if (n) memcpy(p, s, n);
  p[n] = 0;
  return p;
}

/* days since 1970-01-01 → civil date (H. Hinnant's algorithm) */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *dd) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *dd = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

static int64_t floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

/* ISO 8601 like Python's isoformat(): fraction only when non-zero (6 digits, or 9 when the
 * value has nanoseconds). Returns false when the year is outside 1..9999 (caller falls back). */
static bool format_ts(char out[64], int64_t secs, int64_t nanos, bool tz) {
  int64_t days = floordiv(secs, 86400);
  int64_t sod = secs - days * 86400;
  int64_t y;
  unsigned m, dd;
  civil_from_days(days, &y, &m, &dd);
  if (y < 1 || y > 9999) return false;
  int n = snprintf(out, 64, "%04d-%02u-%02uT%02d:%02d:%02d", (int)y, m, dd, (int)(sod / 3600),
                   (int)(sod / 60 % 60), (int)(sod % 60));
  if (nanos % 1000) n += snprintf(out + n, 64 - (size_t)n, ".%09d", (int)nanos);
  else if (nanos) n += snprintf(out + n, 64 - (size_t)n, ".%06d", (int)(nanos / 1000));
  if (tz) snprintf(out + n, 64 - (size_t)n, "+00:00");
  return true;
}

/* Renders one non-NULL cell (malloc'd). *fallback set: not formatted here (other types, dates
 * outside years 1..9999, infinities), use DuckDB's text; otherwise NULL means out of memory. */
static char *render(duckdb_type t, void *data, idx_t i, bool *fallback) {
  char tmp[64];
  *fallback = false;
  switch (t) {
    case DUCKDB_TYPE_BOOLEAN: return strdup(((bool *)data)[i] ? "true" : "false");
    case DUCKDB_TYPE_TINYINT: snprintf(tmp, sizeof tmp, "%d", ((int8_t *)data)[i]); break;
    case DUCKDB_TYPE_SMALLINT: snprintf(tmp, sizeof tmp, "%d", ((int16_t *)data)[i]); break;
    case DUCKDB_TYPE_INTEGER: snprintf(tmp, sizeof tmp, "%" PRId32, ((int32_t *)data)[i]); break;
    case DUCKDB_TYPE_BIGINT: snprintf(tmp, sizeof tmp, "%" PRId64, ((int64_t *)data)[i]); break;
    case DUCKDB_TYPE_UTINYINT: snprintf(tmp, sizeof tmp, "%u", ((uint8_t *)data)[i]); break;
    case DUCKDB_TYPE_USMALLINT: snprintf(tmp, sizeof tmp, "%u", ((uint16_t *)data)[i]); break;
    case DUCKDB_TYPE_UINTEGER: snprintf(tmp, sizeof tmp, "%" PRIu32, ((uint32_t *)data)[i]); break;
    case DUCKDB_TYPE_UBIGINT: snprintf(tmp, sizeof tmp, "%" PRIu64, ((uint64_t *)data)[i]); break;
    case DUCKDB_TYPE_DOUBLE: cdlt_format_double(((double *)data)[i], tmp); break;
    case DUCKDB_TYPE_FLOAT: cdlt_format_double((double)((float *)data)[i], tmp); break;
    case DUCKDB_TYPE_VARCHAR: {
      duckdb_string_t *s = &((duckdb_string_t *)data)[i];
      return dupn(duckdb_string_t_data(s), duckdb_string_t_length(*s));
    }
    case DUCKDB_TYPE_DATE: {
      int32_t days = ((duckdb_date *)data)[i].days;
      int64_t y;
      unsigned m, dd;
      civil_from_days(days, &y, &m, &dd);
      if (y < 1 || y > 9999) goto fb;
      snprintf(tmp, sizeof tmp, "%04d-%02u-%02u", (int)y, m, dd);
      break;
    }
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS: {
      int64_t v = ((int64_t *)data)[i];
      if (v == INT64_MAX || v == -INT64_MAX) goto fb; /* +-infinity */
      int64_t per = t == DUCKDB_TYPE_TIMESTAMP_S    ? 1
                    : t == DUCKDB_TYPE_TIMESTAMP_MS ? 1000
                    : t == DUCKDB_TYPE_TIMESTAMP_NS ? 1000000000
                                                    : 1000000;
      int64_t secs = floordiv(v, per);
      int64_t frac = v - secs * per;
      int64_t nanos = frac * (1000000000 / per);
      if (!format_ts(tmp, secs, nanos, t == DUCKDB_TYPE_TIMESTAMP_TZ)) goto fb;
      break;
    }
    default:
      goto fb;
  }
  return strdup(tmp);
fb:
  *fallback = true;
  return NULL;
}

/* A value render() does not format (or an out-of-range date/timestamp) as a duckdb_value, to
 * get DuckDB's own text for it. NULL for types cdlt does not render (nested types, enums...). */
static duckdb_value to_value(duckdb_type t, duckdb_logical_type lt, void *data, idx_t i) {
  switch (t) {
    case DUCKDB_TYPE_DATE: return duckdb_create_date(((duckdb_date *)data)[i]);
    case DUCKDB_TYPE_TIMESTAMP: return duckdb_create_timestamp(((duckdb_timestamp *)data)[i]);
    case DUCKDB_TYPE_TIMESTAMP_TZ: return duckdb_create_timestamp_tz(((duckdb_timestamp *)data)[i]);
    case DUCKDB_TYPE_TIMESTAMP_S: return duckdb_create_timestamp_s(((duckdb_timestamp_s *)data)[i]);
    case DUCKDB_TYPE_TIMESTAMP_MS: return duckdb_create_timestamp_ms(((duckdb_timestamp_ms *)data)[i]);
    case DUCKDB_TYPE_TIMESTAMP_NS: return duckdb_create_timestamp_ns(((duckdb_timestamp_ns *)data)[i]);
    case DUCKDB_TYPE_TIME: return duckdb_create_time(((duckdb_time *)data)[i]);
    case DUCKDB_TYPE_INTERVAL: return duckdb_create_interval(((duckdb_interval *)data)[i]);
    case DUCKDB_TYPE_HUGEINT: return duckdb_create_hugeint(((duckdb_hugeint *)data)[i]);
    case DUCKDB_TYPE_UHUGEINT: return duckdb_create_uhugeint(((duckdb_uhugeint *)data)[i]);
    case DUCKDB_TYPE_BLOB: {
      duckdb_string_t *s = &((duckdb_string_t *)data)[i];
      return duckdb_create_blob((const uint8_t *)duckdb_string_t_data(s), duckdb_string_t_length(*s));
    }
    case DUCKDB_TYPE_DECIMAL: {
      duckdb_decimal dec = {.width = duckdb_decimal_width(lt), .scale = duckdb_decimal_scale(lt)};
      int64_t v;
      switch (duckdb_decimal_internal_type(lt)) {
        case DUCKDB_TYPE_SMALLINT: v = ((int16_t *)data)[i]; break;
        case DUCKDB_TYPE_INTEGER: v = ((int32_t *)data)[i]; break;
        case DUCKDB_TYPE_BIGINT: v = ((int64_t *)data)[i]; break;
        case DUCKDB_TYPE_HUGEINT: dec.value = ((duckdb_hugeint *)data)[i]; return duckdb_create_decimal(dec);
        default: return NULL;
      }
      dec.value.lower = (uint64_t)v;
      dec.value.upper = v < 0 ? -1 : 0;
      return duckdb_create_decimal(dec);
    }
    default: return NULL;
  }
}

static int duck_query(cdlt_destination *base, const char *sql, cdlt_rows *out, cdlt_error *err) {
  duck *d = (duck *)base;
  memset(out, 0, sizeof *out);
  duckdb_result res;
  if (duckdb_query(d->con, sql, &res) == DuckDBError) {
    int rc = duck_fail(err, "query", duckdb_result_error(&res));
    duckdb_destroy_result(&res);
    return rc;
  }
  int rc = 0;
  idx_t ncols = duckdb_column_count(&res), nrows = duckdb_row_count(&res);
  duckdb_logical_type *lts = calloc(ncols ? ncols : 1, sizeof *lts);
  out->ncols = ncols;
  out->nrows = nrows;
  out->col_names = calloc(ncols ? ncols : 1, sizeof(char *));
  out->cells = calloc(nrows * ncols > 0 ? nrows * ncols : 1, sizeof(char *));
  if (!lts || !out->col_names || !out->cells) goto oom;
  for (idx_t c = 0; c < ncols; c++) {
    if (!(out->col_names[c] = strdup(duckdb_column_name(&res, c)))) goto oom;
    lts[c] = duckdb_column_logical_type(&res, c);
  }

  idx_t row0 = 0, nchunks = duckdb_result_chunk_count(res);
  for (idx_t k = 0; k < nchunks && !rc; k++) {
    duckdb_data_chunk ch = duckdb_result_get_chunk(res, k);
    if (!ch) break;
    idx_t n = duckdb_data_chunk_get_size(ch);
    for (idx_t c = 0; c < ncols && !rc; c++) {
      duckdb_type t = duckdb_column_type(&res, c);
      duckdb_vector vec = duckdb_data_chunk_get_vector(ch, c);
      void *data = duckdb_vector_get_data(vec);
      uint64_t *valid = duckdb_vector_get_validity(vec);
      for (idx_t i = 0; i < n && row0 + i < nrows; i++) {
        if (valid && !duckdb_validity_row_is_valid(valid, i)) continue;
        bool fb;
        char *v = render(t, data, i, &fb);
        if (fb) { /* DuckDB's own text */
          duckdb_value dv = to_value(t, lts[c], data, i);
          if (!dv) {
            rc = cdlt_error_set(err, CDLT_ERR_DESTINATION,
                                "duckdb: query: column '%s' has a type cdlt cannot read (%d): cast it to VARCHAR",
                                out->col_names[c], (int)t);
            break;
          }
          char *s = duckdb_get_varchar(dv);
          v = s ? strdup(s) : NULL;
          if (s) duckdb_free(s);
          duckdb_destroy_value(&dv);
        }
        if (!v) {
          rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
          break;
        }
        out->cells[(row0 + i) * ncols + c] = v;
      }
    }
    row0 += n;
    duckdb_destroy_data_chunk(&ch);
  }
  goto done;
oom:
  rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
done:
  if (lts)
    for (idx_t c = 0; c < ncols; c++)
      if (lts[c]) duckdb_destroy_logical_type(&lts[c]);
  free(lts);
  duckdb_destroy_result(&res);
  if (rc) cdlt_rows_free(out);
  return rc;
}

static int duck_begin(cdlt_destination *base, cdlt_error *err) {
  duck *d = (duck *)base;
  int rc = run(d, "BEGIN TRANSACTION", "begin transaction", err);
  appended_reset(d);
  d->in_transaction = !rc;
  return rc;
}
static int duck_commit(cdlt_destination *base, cdlt_error *err) {
  duck *d = (duck *)base;
  appended_reset(d);   /* committed or not, the transaction is over */
  d->in_transaction = false;
  return run(d, "COMMIT", "commit", err);
}
static int duck_rollback(cdlt_destination *base, cdlt_error *err) {
  appended_reset((duck *)base);
  ((duck *)base)->in_transaction = false;
  int rc = run((duck *)base, "ROLLBACK", "rollback", err);
  /* a load that failed inside the transaction could not set its limits back (the transaction was
   * aborted): do it now */
  if (!rc) cdlt_duck_load_settings((duck *)base, 0, 0);
  return rc;
}

/* See duckdb_internal.h. A value DuckDB refuses leaves the previous one. */
void cdlt_duck_load_settings(duck *d, long long need, unsigned threads) {
  duckdb_result res;
  if (!need) {
    if (d->auto_limit && d->load_limit) {
      char sql[128];
      if (d->default_limit[0] && !strchr(d->default_limit, '\''))
        snprintf(sql, sizeof sql, "SET memory_limit='%s'", d->default_limit);
      else
        snprintf(sql, sizeof sql, "RESET memory_limit");
      if (duckdb_query(d->con, sql, &res) != DuckDBError) d->load_limit = 0;
      duckdb_destroy_result(&res);
    }
    if (d->auto_threads && d->load_threads) {
      if (duckdb_query(d->con, "RESET threads", &res) != DuckDBError) d->load_threads = 0;
      duckdb_destroy_result(&res);
    }
    return;
  }
  if (d->auto_threads && d->load_threads != threads) {
    char sql[64];
    snprintf(sql, sizeof sql, "SET threads=%u", threads);
    if (duckdb_query(d->con, sql, &res) != DuckDBError) d->load_threads = threads;
    duckdb_destroy_result(&res);
  }
  if (!d->auto_limit || need <= d->load_limit) return;
  char sql[96];
  snprintf(sql, sizeof sql, "SET memory_limit='%lldKiB'", (need + 1023) >> 10);
  if (duckdb_query(d->con, sql, &res) != DuckDBError) d->load_limit = need;
  duckdb_destroy_result(&res);
}

static const char *duck_location(cdlt_destination *base) { return ((duck *)base)->path; }

const cdlt_destination_vtab cdlt_duckdb_destination = {
    .abi_version = 1,
    .name = "duckdb",
    .instance_size = sizeof(duck),
    .dialect = &cdlt_dialect_duckdb,
    .supported_formats = (1u << CDLT_FORMAT_JSONL),
    .preferred_format = CDLT_FORMAT_JSONL,
    .open = duck_open,
    .close = duck_close,
    .execute = duck_execute,
    .query = duck_query,
    .begin = duck_begin,
    .commit = duck_commit,
    .rollback = duck_rollback,
    .load_file = cdlt_duck_load_file,
    .load_files = cdlt_duck_load_files,
    .location = duck_location,
};
