/* duckdb.c — the DuckDB destination, on libduckdb's C API.
 *
 * One database + one connection per destination instance. Job files are bulk-loaded through a
 * query appender fed by cdlt's JSON reader (see the bulk load section below). Query results are rendered
 * as text as destination.h documents: timestamps are formatted here from their raw microseconds,
 * doubles with cdlt_format_double, other scalar types natively or through DuckDB's VARCHAR cast. */
#include <duckdb.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "destinations/destination.h"
#include "destinations/duckdb_cast.h"
#include "destinations/duckdb_lazy.h"
#include "cdlt/config.h"
#include "json/input.h"
#include "json/json.h"
#include "json/json_reader.h"
#include "load/sql_gen.h"
#include "util/buf.h"

/* rows of a row group of an attached database file (DuckDB's default: 122,880); see attach_file */
#define DUCK_ROW_GROUP_SIZE 16384

/* Without a configured memory_limit a bulk load runs under DUCK_LOAD_MEMORY_BASE +
 * DUCK_LOAD_MEMORY_PER_COLUMN x the table's columns (+ DUCK_LOAD_MEMORY_PER_ITEM x the largest
 * row read so far, when over 1 MiB): appending pins one 256 KiB block of each column's data and
 * validity, a long string is copied into blocks of its size a few times (appender, INSERT,
 * table); the rest — written blocks DuckDB would otherwise keep cached, up to 80% of RAM — is
 * evicted. Other statements run without a limit (DuckDB's default). docs/internals/PERF_DUCKDB.md */
#define DUCK_LOAD_MEMORY_BASE ((long long)8 << 20)
#define DUCK_LOAD_MEMORY_PER_COLUMN ((long long)640 << 10)
#define DUCK_LOAD_MEMORY_PER_ITEM 4

/* DuckDB threads during a bulk load without a configured thread count: the appender's INSERT
 * gains nothing from more, each more costs CPU and memory (nested set: 5.6 vs 5.0 s user, 97 vs
 * 90 MB with 2 threads) */
#define DUCK_LOAD_THREADS "1"

typedef struct duck {
  cdlt_destination base;
  duckdb_database db;
  duckdb_connection con;
  char *path;
  bool has_db, has_con;
  bool auto_limit;         /* no memory_limit configured: load_file sets one from the table width */
  char default_limit[64];  /* DuckDB's own memory_limit at open (text), set back after a bulk load */
  long long load_limit;    /* the memory limit (bytes) set for the running bulk load, 0 = none */
  bool auto_threads;       /* no threads configured: bulk loads run on DUCK_LOAD_THREADS */
  bool load_threads;       /* ... and that setting is on */
} duck;

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

static void duck_close(cdlt_destination *base) {
  duck *d = (duck *)base;
  if (d->has_con) duckdb_disconnect(&d->con);
  if (d->has_db) duckdb_close(&d->db);
  d->has_con = d->has_db = false;
  free(d->path);
  d->path = NULL;
}

/* Settings of the destination (config `[destination.duckdb]`, or env DESTINATION__DUCKDB__<KEY>):
 * memory_limit (DuckDB's text, e.g. "256MB"), threads, row_group_size. NULL = not configured. */
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
             *rgs = duck_setting(conf, "row_group_size");
  long long threads = 0, row_group_size = DUCK_ROW_GROUP_SIZE;
  d->auto_limit = !mem;
  d->auto_threads = !thr;
  int rc = 0;
  if (thr && !setting_int(thr, 1, 1024, &threads))
    rc = cdlt_error_set(err, CDLT_ERR_USAGE, "duckdb: setting 'threads' must be a whole number from 1 to 1024, not '%s'", thr);
  else if (rgs && (!setting_int(rgs, 2048, 1 << 30, &row_group_size) || row_group_size % 2048))
    rc = cdlt_error_set(err, CDLT_ERR_USAGE,
                        "duckdb: setting 'row_group_size' must be a multiple of 2048 (at least 2048), not '%s'", rgs);
  cdlt_buf set;
  cdlt_buf_init(&set);
  /* §6.2 connection settings */
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
  return run((duck *)base, "BEGIN TRANSACTION", "begin transaction", err);
}
static int duck_commit(cdlt_destination *base, cdlt_error *err) {
  return run((duck *)base, "COMMIT", "commit", err);
}
static void load_settings(duck *d, long long need);
static int duck_rollback(cdlt_destination *base, cdlt_error *err) {
  int rc = run((duck *)base, "ROLLBACK", "rollback", err);
  /* a load that failed inside the transaction could not set its limits back (the transaction was
   * aborted): do it now */
  if (!rc) load_settings((duck *)base, 0);
  return rc;
}

/* Settings of a bulk load that are not configured: raises the memory limit of the running bulk
 * load to `need` bytes (when higher) and runs DuckDB on one thread (DUCK_LOAD_THREADS);
 * need 0: back to DuckDB's defaults. Best effort: a value DuckDB refuses leaves the previous one. */
static void load_settings(duck *d, long long need) {
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
      if (duckdb_query(d->con, "RESET threads", &res) != DuckDBError) d->load_threads = false;
      duckdb_destroy_result(&res);
    }
    return;
  }
  if (d->auto_threads && !d->load_threads) {
    if (duckdb_query(d->con, "SET threads=" DUCK_LOAD_THREADS, &res) != DuckDBError) d->load_threads = true;
    duckdb_destroy_result(&res);
  }
  if (!d->auto_limit || need <= d->load_limit) return;
  char sql[96];
  snprintf(sql, sizeof sql, "SET memory_limit='%lldKiB'", (need + 1023) >> 10);
  if (duckdb_query(d->con, sql, &res) != DuckDBError) d->load_limit = need;
  duckdb_destroy_result(&res);
}

/* ---------------------------------------------------------------- bulk load
 *
 * A job file is parsed by cdlt's streaming JSON reader and appended chunk by chunk (2048 rows,
 * typed vectors) to a query appender running
 *   INSERT INTO "ds"."t" (cols) SELECT <conversions> FROM appended_data
 * so DuckDB only converts what needs parsing (timestamps, dates, decimals, base64) in SQL, and
 * the appended data is flushed (the INSERT executed) about every DUCK_FLUSH_BYTES of input: memory
 * is bounded by one flush batch and one item, never by the file. It runs in the caller's
 * transaction (the appender uses the connection's open transaction). The parsing runs on a
 * producer thread, overlapping DuckDB's appending on the calling thread (see `slot` below). */

/* Input bytes buffered in the appender before its INSERT runs: at least DUCK_FLUSH_BYTES and a
 * whole number of 2048-row chunks, or DUCK_FLUSH_MAX_BYTES (huge rows). Flushing in the middle of a
 * 2048-row vector makes DuckDB keep per-row version info (16 bytes a row, until the commit) for
 * that vector of the transaction's rows: flushing every 4 MiB at any row held 15.6 MB per million
 * rows of the flat set — memory growing with the input. */
#define DUCK_FLUSH_BYTES ((uint64_t)4 << 20)
#define DUCK_FLUSH_MAX_BYTES ((uint64_t)64 << 20)

/* how a column's values are appended (the appended_data column type) */
typedef enum { K_TEXT, K_BIGINT, K_DOUBLE, K_BOOL, K_JSON } col_kind;

/* The appended_data column kind and the select expression of one column. Strings that need
 * parsing are appended as VARCHAR and CAST in SQL, so nothing depends on DuckDB's own format
 * detection. */
static int column_read_sql(col_kind *kind, cdlt_buf *sel, const cdlt_column_def *c, cdlt_error *err) {
  const cdlt_sql_dialect *dl = &cdlt_dialect_duckdb;
  const char *pre = "", *post = "";   /* the select expression: pre "col" post */
  cdlt_buf tn;
  cdlt_buf_init(&tn);
  int rc = 0;
  *kind = K_TEXT;
  switch (c->type) {
    case CDLT_TYPE_TEXT: break;
    case CDLT_TYPE_BIGINT:
      if (c->precision > 64) { pre = "CAST("; post = " AS HUGEINT)"; }
      else *kind = K_BIGINT;
      break;
    case CDLT_TYPE_DOUBLE: *kind = K_DOUBLE; break;
    case CDLT_TYPE_BOOL: *kind = K_BOOL; break;
    case CDLT_TYPE_JSON: *kind = K_JSON; pre = "CAST("; post = " AS JSON)"; break;
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

typedef struct col_state {
  const char *name;
  size_t name_len;
  col_kind kind;
  duckdb_vector vec;
  void *data;
  uint64_t *validity;
  bool seen;   /* set in the current row */
} col_state;

/* The parse overlaps DuckDB's append: a producer thread reads the job file and fills the 2048-row
 * data chunks of a ring of DUCK_RING slots, the calling thread appends them in file order and
 * flushes. Each chunk belongs to one thread at a time (handed over under the ring's mutex); every
 * call on the appender and the connection stays on the calling thread; the chunks are created and
 * destroyed there too, and the producer is joined before duck_load_file returns. The producer
 * marks where the appender is flushed (that depends only on the input bytes and rows), so the
 * batches are those of a one-thread load. Memory: the ring adds at most DUCK_RING chunks. */
#define DUCK_RING 3

typedef struct slot {
  duckdb_data_chunk chunk;
  idx_t nrows;
  bool flush;     /* flush the appender after appending this chunk */
  uint64_t big;   /* the longest row of the chunk in bytes when over 1 MiB, else 0 */
} slot;

typedef struct loader {
  const char *path, *table;
  size_t ncols;
  duckdb_logical_type *types;
  idx_t cap;             /* chunk capacity */
  slot ring[DUCK_RING];
  /* the producer's: */
  col_state *cols;       /* bound to the vectors of the slot being filled */
  cdlt_json_reader *rd;
  cdlt_json_doc doc;
  cdlt_buf scratch;      /* JSON text of json / nested values */
  uint64_t line;         /* line of the current row */
  cdlt_error perr;       /* the producer's error (copied to the caller's when it is the result) */
  int prc;               /* the producer's result */
  /* the hand-over: */
  pthread_mutex_t mu;
  pthread_cond_t filled, freed;
  size_t published;      /* slots filled and not yet appended (taken in ring order) */
  bool done;             /* the producer has finished: prc is set, nothing more is published */
  atomic_bool stop;      /* the consumer has failed: the producer stops */
} loader;

static int load_fail(cdlt_error *err, const loader *L, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int load_fail(cdlt_error *err, const loader *L, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return cdlt_error_set(err, CDLT_ERR_DESTINATION, "duckdb: cannot load '%s' into '%s': %s", L->path,
                        L->table, msg);
}

static int appender_fail(cdlt_error *err, const loader *L, duckdb_appender app) {
  duckdb_error_data e = duckdb_appender_error_data(app);
  const char *m = e ? duckdb_error_data_message(e) : NULL;
  int rc = load_fail(err, L, "%s", m && *m ? m : "unknown error");
  if (e) duckdb_destroy_error_data(&e);
  return rc;
}

static const char *json_kind_name(cdlt_json_type t) {
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

static int bad_value(loader *L, const col_state *cs, const cdlt_json_value *v, const char *want) {
  return load_fail(&L->perr, L, "line %" PRIu64 ": column '%s': cannot convert %s to %s", L->line, cs->name,
                   json_kind_name(v->type), want);
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

/* Producer: sets row `r` of column `cs` from v (not NULL). */
static int put_value(loader *L, col_state *cs, idx_t r, const cdlt_json_value *v) {
  switch (cs->kind) {
    case K_BIGINT: {
      int64_t i;
      if (v->type == CDLT_JSON_INT) i = v->u.num.i;
      else if (v->type == CDLT_JSON_STRING && parse_i64(v->u.str.ptr, v->u.str.len, &i)) {
      } else if (v->type == CDLT_JSON_BIGINT) {
        return load_fail(&L->perr, L, "line %" PRIu64 ": column '%s': integer %.*s is out of the BIGINT range",
                         L->line, cs->name, (int)(v->u.num.len > 64 ? 64 : v->u.num.len), v->u.num.text);
      } else return bad_value(L, cs, v, "BIGINT");
      ((int64_t *)cs->data)[r] = i;
      return 0;
    }
    case K_DOUBLE: {
      double x;
      if (v->type == CDLT_JSON_INT) x = (double)v->u.num.i;
      else if (v->type == CDLT_JSON_FLOAT) x = v->u.num.d;
      else if (v->type == CDLT_JSON_BIGINT) x = strtod(v->u.num.text, NULL);
      else if (v->type == CDLT_JSON_STRING && parse_f64(v->u.str.ptr, v->u.str.len, &x)) {
      } else return bad_value(L, cs, v, "DOUBLE");
      ((double *)cs->data)[r] = x;
      return 0;
    }
    case K_BOOL:
      if (v->type != CDLT_JSON_BOOL) return bad_value(L, cs, v, "BOOLEAN");
      ((bool *)cs->data)[r] = v->u.boolean;
      return 0;
    case K_TEXT:
      switch (v->type) {
        case CDLT_JSON_STRING: duckdb_vector_assign_string_element_len(cs->vec, r, v->u.str.ptr, v->u.str.len); return 0;
        case CDLT_JSON_INT:
        case CDLT_JSON_BIGINT:
        case CDLT_JSON_FLOAT: duckdb_vector_assign_string_element_len(cs->vec, r, v->u.num.text, v->u.num.len); return 0;
        case CDLT_JSON_BOOL: duckdb_vector_assign_string_element_len(cs->vec, r, v->u.boolean ? "true" : "false", v->u.boolean ? 4 : 5); return 0;
        default: break;   /* arrays and objects: their JSON text */
      }
      /* fallthrough */
    case K_JSON:
      cdlt_buf_reset(&L->scratch);
      if (cdlt_json_write(&L->scratch, v, 0)) return cdlt_error_set(&L->perr, CDLT_ERR_NOMEM, "out of memory");
      duckdb_vector_assign_string_element_len(cs->vec, r, L->scratch.data, L->scratch.len);
      return 0;
  }
  return 0;
}

/* The column a key names: the one after the last matched column first (rows are written in
 * column order), else a scan. NULL when the key is not a column (ignored). */
static col_state *find_col(loader *L, size_t *hint, const char *key, size_t len) {
  size_t h = *hint;
  for (size_t k = 0; k < L->ncols; k++) {
    size_t c = h + k < L->ncols ? h + k : h + k - L->ncols;
    col_state *cs = &L->cols[c];
    if (cs->name_len == len && memcmp(cs->name, key, len) == 0) {
      *hint = c + 1 < L->ncols ? c + 1 : 0;
      return cs;
    }
  }
  return NULL;
}

/* Producer: the next row of slot s from item. */
static int put_row(loader *L, slot *s, const cdlt_json_value *item) {
  if (item->type != CDLT_JSON_OBJECT)
    return load_fail(&L->perr, L, "line %" PRIu64 ": expected a JSON object, got %s", L->line,
                     json_kind_name(item->type));
  idx_t r = s->nrows;
  for (size_t c = 0; c < L->ncols; c++) L->cols[c].seen = false;
  size_t hint = 0;
  int rc = 0;
  for (size_t m = 0; m < item->u.obj.len && !rc; m++) {
    const cdlt_json_member *mb = &item->u.obj.members[m];
    col_state *cs = find_col(L, &hint, mb->key, mb->key_len);
    if (!cs || mb->value->type == CDLT_JSON_NULL) continue;
    cs->seen = true;
    rc = put_value(L, cs, r, mb->value);
  }
  if (rc) return rc;
  for (size_t c = 0; c < L->ncols; c++) duckdb_validity_set_row_validity(L->cols[c].validity, r, L->cols[c].seen);
  s->nrows++;
  return 0;
}

/* Producer: waits for slot k to be free (appended by the consumer), empties it and binds the
 * column vectors to it. false: the consumer has stopped. */
static bool take_slot(loader *L, size_t k) {
  pthread_mutex_lock(&L->mu);
  while (L->published == DUCK_RING && !atomic_load(&L->stop)) pthread_cond_wait(&L->freed, &L->mu);
  pthread_mutex_unlock(&L->mu);
  if (atomic_load(&L->stop)) return false;
  slot *s = &L->ring[k];
  duckdb_data_chunk_reset(s->chunk);
  s->nrows = 0;
  s->flush = false;
  s->big = 0;
  for (size_t c = 0; c < L->ncols; c++) {
    col_state *cs = &L->cols[c];
    cs->vec = duckdb_data_chunk_get_vector(s->chunk, c);
    cs->data = duckdb_vector_get_data(cs->vec);
    duckdb_vector_ensure_validity_writable(cs->vec);
    cs->validity = duckdb_vector_get_validity(cs->vec);
  }
  return true;
}

/* Producer: hands the filled slot over to the consumer. */
static void publish(loader *L) {
  pthread_mutex_lock(&L->mu);
  L->published++;
  pthread_cond_signal(&L->filled);
  pthread_mutex_unlock(&L->mu);
}

/* Producer: reads every row of the file into the ring's chunks; 0 at the end of the file (or
 * when the consumer stopped), else the error (in L->perr). A chunk is handed over when full, or
 * when the appender is to be flushed after it: after >= DUCK_FLUSH_BYTES of input at a full
 * chunk, or after DUCK_FLUSH_MAX_BYTES at any row. */
static int produce_rows(loader *L) {
  uint64_t flushed = 0, consumed_before = 0;
  size_t k = 0;
  if (!take_slot(L, k)) return 0;
  slot *s = &L->ring[k];
  cdlt_json_value *item;
  int rc;
  while ((rc = cdlt_json_reader_next_value(L->rd, &L->doc, &item, &L->perr)) == 1) {
    if (atomic_load_explicit(&L->stop, memory_order_relaxed)) return 0;
    cdlt_json_reader_item_position(L->rd, &L->line, NULL, NULL);
    uint64_t consumed = cdlt_json_reader_bytes_consumed(L->rd);
    uint64_t size = consumed - consumed_before;
    if (size > (uint64_t)1 << 20 && size > s->big) s->big = size;   /* a big row: room for its copies */
    consumed_before = consumed;
    rc = put_row(L, s, item);
    cdlt_json_doc_reset(&L->doc);
    if (rc) return rc;
    bool full = s->nrows == L->cap;
    bool flush = consumed - flushed >= DUCK_FLUSH_BYTES && (full || consumed - flushed >= DUCK_FLUSH_MAX_BYTES);
    if (full || flush) {
      s->flush = flush;
      if (flush) flushed = consumed;
      publish(L);
      k = (k + 1) % DUCK_RING;
      if (!take_slot(L, k)) return 0;
      s = &L->ring[k];
    }
  }
  if (rc < 0 && rc != CDLT_ERR_DESTINATION && rc != CDLT_ERR_NOMEM) return load_fail(&L->perr, L, "%s", L->perr.msg);
  if (rc) return rc;
  if (s->nrows) publish(L);
  return 0;
}

static void *producer_main(void *arg) {
  loader *L = arg;
  int rc = produce_rows(L);
  pthread_mutex_lock(&L->mu);
  L->prc = rc;
  L->done = true;
  pthread_cond_signal(&L->filled);
  pthread_mutex_unlock(&L->mu);
  return NULL;
}

/* Consumer (the calling thread): appends the published chunks in order, flushing where the
 * producer marked it, until the producer is done. The producer's error is returned once every
 * chunk before it is appended (as a one-thread load would); an appender error is returned at
 * once (the caller stops the producer). */
static int consume(loader *L, duck *d, duckdb_appender app, long long need, cdlt_error *err) {
  for (size_t k = 0;; k = (k + 1) % DUCK_RING) {
    pthread_mutex_lock(&L->mu);
    while (!L->published && !L->done) pthread_cond_wait(&L->filled, &L->mu);
    bool have = L->published > 0;
    int prc = L->prc;
    pthread_mutex_unlock(&L->mu);
    if (!have) {
      if (prc) *err = L->perr;
      return prc;
    }
    slot *s = &L->ring[k];
    int rc = 0;
    if (s->big) load_settings(d, need + DUCK_LOAD_MEMORY_PER_ITEM * (long long)s->big);
    duckdb_data_chunk_set_size(s->chunk, s->nrows);
    if (duckdb_append_data_chunk(app, s->chunk) == DuckDBError) rc = appender_fail(err, L, app);
    else if (s->flush) {
      if (duckdb_appender_flush(app) == DuckDBError) rc = appender_fail(err, L, app);
      cdlt_duckdb_allocator_purge();   /* what the INSERT freed, before the next batch */
    }
    pthread_mutex_lock(&L->mu);
    L->published--;
    pthread_cond_signal(&L->freed);
    pthread_mutex_unlock(&L->mu);
    if (rc) return rc;
  }
}

static int duck_load_file(cdlt_destination *base, const char *dataset, const cdlt_table_def *table,
                          const char *path, cdlt_file_format format, cdlt_error *err) {
  duck *d = (duck *)base;
  const cdlt_sql_dialect *dl = &cdlt_dialect_duckdb;
  if (format != CDLT_FORMAT_JSONL)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "duckdb: cannot load '%s': unsupported file format %d",
                          path, (int)format);
  if (table->ncolumns == 0)
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "duckdb: cannot load '%s': table '%s' has no columns",
                          path, table->name);
  loader L = {.path = path, .table = table->name, .ncols = table->ncolumns};
  atomic_init(&L.stop, false);
  cdlt_buf_init(&L.scratch);
  cdlt_json_doc_init(&L.doc);
  cdlt_buf sql, sel;
  cdlt_buf_init(&sql);
  cdlt_buf_init(&sel);
  cdlt_input *in = NULL;
  duckdb_appender app = NULL;
  bool has_app = false, has_sync = false, has_thread = false;
  pthread_t thread;
  const char **names = calloc(L.ncols, sizeof *names);
  L.cols = calloc(L.ncols, sizeof *L.cols);
  L.types = calloc(L.ncols, sizeof *L.types);
  int rc = 0;
  if (!names || !L.cols || !L.types) {
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < L.ncols && !rc; i++) {
    col_state *cs = &L.cols[i];
    cs->name = names[i] = table->columns[i].name;
    cs->name_len = strlen(cs->name);
    rc = column_read_sql(&cs->kind, &sel, &table->columns[i], err);
    if (rc) break;
    duckdb_type t = cs->kind == K_BIGINT   ? DUCKDB_TYPE_BIGINT
                    : cs->kind == K_DOUBLE ? DUCKDB_TYPE_DOUBLE
                    : cs->kind == K_BOOL   ? DUCKDB_TYPE_BOOLEAN
                                           : DUCKDB_TYPE_VARCHAR;
    L.types[i] = duckdb_create_logical_type(t);
  }
  if (rc) goto done;
  rc = cdlt_buf_puts(&sql, "INSERT INTO ") ? CDLT_ERR_NOMEM : 0;
  if (!rc) rc = cdlt_sql_qualified(&sql, dl, dataset, table->name, err);
  if (rc) goto done;
  rc |= cdlt_buf_puts(&sql, " (");
  for (size_t i = 0; i < L.ncols && !rc; i++) {
    if (i) rc |= cdlt_buf_puts(&sql, ", ");
    if (!rc) rc = cdlt_sql_ident(&sql, dl, table->columns[i].name, err);
  }
  if (rc) goto done;
  if (cdlt_buf_printf(&sql, ") SELECT %s FROM appended_data", sel.data)) {
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    goto done;
  }

  if ((rc = cdlt_input_open(&in, path, err)) || (rc = cdlt_json_reader_new(&L.rd, in, &cdlt_json_job_limits, err))) {
    rc = load_fail(err, &L, "%s", err->msg);
    goto done;
  }
  long long need = DUCK_LOAD_MEMORY_BASE + DUCK_LOAD_MEMORY_PER_COLUMN * (long long)L.ncols;
  load_settings(d, need);
  if (duckdb_appender_create_query(d->con, sql.data, L.ncols, L.types, "appended_data", names, &app) ==
      DuckDBError) {
    has_app = true;   /* destroy even a failed appender */
    rc = appender_fail(err, &L, app);
    goto done;
  }
  has_app = true;
  L.cap = duckdb_vector_size();
  for (size_t k = 0; k < DUCK_RING; k++)
    if (!(L.ring[k].chunk = duckdb_create_data_chunk(L.types, L.ncols))) {
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      goto done;
    }
  if (pthread_mutex_init(&L.mu, NULL)) goto nosync;
  if (pthread_cond_init(&L.filled, NULL)) {
    pthread_mutex_destroy(&L.mu);
    goto nosync;
  }
  if (pthread_cond_init(&L.freed, NULL)) {
    pthread_cond_destroy(&L.filled);
    pthread_mutex_destroy(&L.mu);
    goto nosync;
  }
  has_sync = true;
  int trc = pthread_create(&thread, NULL, producer_main, &L);
  if (trc) {
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "duckdb: cannot load '%s' into '%s': cannot start a thread: %s", path,
                        table->name, strerror(trc));
    goto done;
  }
  has_thread = true;
  rc = consume(&L, d, app, need, err);
  goto done;
nosync:
  rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
done:
  if (has_thread) {   /* the producer ends at once when stopped; it never outlives the load */
    atomic_store(&L.stop, true);
    pthread_mutex_lock(&L.mu);
    pthread_cond_signal(&L.freed);
    pthread_mutex_unlock(&L.mu);
    pthread_join(thread, NULL);
  }
  if (!rc && has_app && duckdb_appender_close(app) == DuckDBError) rc = appender_fail(err, &L, app);
  if (has_sync) {
    pthread_cond_destroy(&L.freed);
    pthread_cond_destroy(&L.filled);
    pthread_mutex_destroy(&L.mu);
  }
  for (size_t k = 0; k < DUCK_RING; k++)
    if (L.ring[k].chunk) duckdb_destroy_data_chunk(&L.ring[k].chunk);
  if (has_app) duckdb_appender_destroy(&app);
  load_settings(d, 0);
  cdlt_duckdb_allocator_purge();
  if (L.types)
    for (size_t i = 0; i < L.ncols; i++)
      if (L.types[i]) duckdb_destroy_logical_type(&L.types[i]);
  cdlt_json_reader_free(L.rd);
  cdlt_input_close(in);
  cdlt_json_doc_release(&L.doc);
  free(names);
  free(L.cols);
  free(L.types);
  cdlt_buf_release(&L.scratch);
  cdlt_buf_release(&sql);
  cdlt_buf_release(&sel);
  return rc;
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
    .load_file = duck_load_file,
    .location = duck_location,
};
