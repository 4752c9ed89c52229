/* postgres.c — the PostgreSQL destination, on libpq.
 *
 * One connection per destination instance, opened with the credentials of
 * postgres_credentials.h (explicit string, then dlt's environment variables) and the session
 * settings TimeZone=UTC, DateStyle=ISO. Job files (JSON Lines, plain or gzip) are bulk-loaded
 * with `COPY "ds"."t" (cols) FROM STDIN`, converted row by row and streamed in chunks (memory
 * bounded by one row plus one chunk): in binary format when every column's PostgreSQL type has an
 * encoding in postgres_binary.c (the server then parses no text), else in text format; a value
 * outside the binary encoder's strict forms restarts the file in text format (after a savepoint
 * when a transaction is open). See docs/internals/PERF_POSTGRES.md. Query results are rendered as text as
 * destination.h documents. libpq notices are swallowed (the library never prints); no error
 * message contains the password or the connection string. See docs/internals/POSTGRES.md. */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "destinations/destination.h"
#include "destinations/postgres_binary.h"
#include "destinations/postgres_credentials.h"
#include "destinations/pq_lazy.h"
#include "json/json.h"
#include "json/json_reader.h"
#include "load/sql_gen.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/isotime.h"

typedef struct pg {
  cdlt_destination base;
  PGconn *conn;
  cdlt_pg_credentials cred;
  char *location;   /* masked URL */
} pg;

/* COPY data is sent in chunks of about this size */
#define PG_COPY_CHUNK (256 * 1024)

/* ---------------------------------------------------------------- errors */

/* Appends `msg` to b on one line (trailing newlines cut, inner newlines → spaces), with every
 * occurrence of the password replaced by *** (libpq does not echo it, this is a safety net). */
static void put_clean(cdlt_buf *b, const char *msg, const char *password) {
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) n--;
  size_t plen = password ? strlen(password) : 0;
  for (size_t i = 0; i < n; i++) {
    if (plen >= 3 && i + plen <= n && !memcmp(msg + i, password, plen)) {
      cdlt_buf_puts(b, "***");
      i += plen - 1;
      continue;
    }
    char c = msg[i];
    if (c == '\n' || c == '\r' || c == '\t') {
      if (b->len && b->data[b->len - 1] != ' ') cdlt_buf_putc(b, ' ');
    } else {
      cdlt_buf_putc(b, c);
    }
  }
}

/* "postgres: <what>: <message>" from a failed result (or the connection when res is NULL). */
static int pg_fail(pg *d, const PGresult *res, const char *what, cdlt_error *err) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  if (primary) {
    put_clean(&b, primary, d->cred.password);
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    if (detail) {
      cdlt_buf_puts(&b, " (");
      put_clean(&b, detail, d->cred.password);
      cdlt_buf_puts(&b, ")");
    }
    const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
    if (context && !strncmp(context, "COPY ", 5)) { /* "COPY t, line 3, column x: ..." */
      cdlt_buf_puts(&b, " [");
      put_clean(&b, context, d->cred.password);
      cdlt_buf_puts(&b, "]");
    }
  } else {
    const char *m = res ? PQresultErrorMessage(res) : NULL;
    if (!m || !*m) m = d->conn ? PQerrorMessage(d->conn) : NULL;
    put_clean(&b, m && *m ? m : "unknown error", d->cred.password);
  }
  int code = CDLT_ERR_DESTINATION;
  int rc = cdlt_error_set(err, code, "postgres: %s: %s", what, b.data ? b.data : "unknown error");
  cdlt_buf_release(&b);
  return rc;
}

/* Runs sql; ok when the result is COMMAND_OK or TUPLES_OK. */
static int run(pg *d, const char *sql, const char *what, cdlt_error *err) {
  PGresult *res = PQexec(d->conn, sql);
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  int rc = 0;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) rc = pg_fail(d, res, what, err);
  PQclear(res);
  return rc;
}

static void no_notices(void *arg, const char *message) {
  (void)arg;
  (void)message;
}

/* ---------------------------------------------------------------- open / close */

static void pg_close(cdlt_destination *base) {
  pg *d = (pg *)base;
  if (d->conn) PQfinish(d->conn);
  d->conn = NULL;
  cdlt_pg_credentials_release(&d->cred);
  free(d->location);
  d->location = NULL;
}

static int pg_open(cdlt_destination *base, const cdlt_destination_config *cfg, cdlt_error *err) {
  pg *d = (pg *)base;
  int rc = cdlt_pq_available(err);   /* libpq is loaded on first use (pq_lazy.c) */
  if (!rc) rc = cdlt_pg_credentials_resolve(cfg->credentials, &d->cred, err);
  if (rc) {
    pg_close(base);
    return rc;
  }
  cdlt_buf loc;
  cdlt_buf_init(&loc);
  if (cdlt_pg_credentials_location(&d->cred, &loc) || !(d->location = cdlt_buf_detach(&loc))) {
    cdlt_buf_release(&loc);
    pg_close(base);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }

  /* keyword arrays for PQconnectdbParams (expand_dbname 0: dbname is never parsed as conninfo) */
  size_t cap = 8 + d->cred.nparams;
  const char **keys = calloc(cap, sizeof *keys), **vals = calloc(cap, sizeof *vals);
  char port[16];
  snprintf(port, sizeof port, "%d", d->cred.port ? d->cred.port : CDLT_PG_DEFAULT_PORT);
  size_t n = 0;
  if (!keys || !vals) {
    free(keys);
    free(vals);
    pg_close(base);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
#define KW(k, v) (keys[n] = (k), vals[n] = (v), n++)
  KW("host", d->cred.host);
  KW("port", port);
  KW("dbname", d->cred.database);
  KW("user", d->cred.username);
  if (d->cred.password) KW("password", d->cred.password);
  if (!cdlt_pg_credentials_param(&d->cred, "connect_timeout")) KW("connect_timeout", CDLT_PG_DEFAULT_CONNECT_TIMEOUT);
  if (!cdlt_pg_credentials_param(&d->cred, "client_encoding")) KW("client_encoding", "UTF8");
  for (size_t i = 0; i < d->cred.nparams; i++) KW(d->cred.params[i].key, d->cred.params[i].value);
#undef KW
  keys[n] = vals[n] = NULL;
  d->conn = PQconnectdbParams(keys, vals, 0);
  free(keys);
  free(vals);
  if (!d->conn) {
    pg_close(base);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  if (PQstatus(d->conn) != CONNECTION_OK) {
    cdlt_buf b;
    cdlt_buf_init(&b);
    put_clean(&b, PQerrorMessage(d->conn), d->cred.password);
    rc = cdlt_error_set(err, CDLT_ERR_DESTINATION, "cannot connect to postgres at '%s': %s", d->location,
                        b.data ? b.data : "unknown error");
    cdlt_buf_release(&b);
    pg_close(base);
    return rc;
  }
  PQsetNoticeProcessor(d->conn, no_notices, NULL);
  rc = run(d,
           "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO'; SET IntervalStyle TO 'iso_8601'; "
           "SET extra_float_digits TO 1",
           "connection settings", err);
  if (rc) {
    cdlt_error_wrap(err, "cannot connect to postgres at '%s'", d->location);
    pg_close(base);
    return rc;
  }
  return 0;
}

static int pg_execute(cdlt_destination *base, const char *sql, cdlt_error *err) {
  /* PQexec runs every statement of a multi-statement string (simple query protocol) */
  return run((pg *)base, sql, "execute", err);
}

static int pg_begin(cdlt_destination *base, cdlt_error *err) {
  return run((pg *)base, "BEGIN", "begin transaction", err);
}

static int pg_commit(cdlt_destination *base, cdlt_error *err) {
  pg *d = (pg *)base;
  PGresult *res = PQexec(d->conn, "COMMIT");
  int rc = 0;
  if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) rc = pg_fail(d, res, "commit", err);
  else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) /* an aborted transaction "commits" as ROLLBACK */
    rc = cdlt_error_set(err, CDLT_ERR_DESTINATION, "postgres: commit: the transaction was aborted and rolled back");
  PQclear(res);
  return rc;
}

static int pg_rollback(cdlt_destination *base, cdlt_error *err) {
  return run((pg *)base, "ROLLBACK", "rollback", err);
}

/* ---------------------------------------------------------------- query results as text */

/* type oids (pg_type.h) */
enum {
  OID_BOOL = 16,
  OID_FLOAT4 = 700,
  OID_FLOAT8 = 701,
  OID_TIMESTAMP = 1114,
  OID_TIMESTAMPTZ = 1184
};

/* PostgreSQL ISO timestamp text ("2024-01-01 10:00:00.25+00") → ISO 8601 as destination.h
 * wants it ("2024-01-01T10:00:00.250000+00:00"). Other forms (infinity, BC) are kept. */
static char *render_timestamp(const char *s) {
  size_t n = strlen(s);
  if (n < 19 || s[4] != '-' || s[10] != ' ' || strstr(s, " BC")) return strdup(s);
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_buf_append(&b, s, 10);
  rc |= cdlt_buf_putc(&b, 'T');
  rc |= cdlt_buf_append(&b, s + 11, 8);
  const char *p = s + 19;
  if (*p == '.') {
    size_t digits = strspn(p + 1, "0123456789");
    rc |= cdlt_buf_append(&b, p, 1 + digits);
    for (size_t k = digits; k < 6; k++) rc |= cdlt_buf_putc(&b, '0');
    p += 1 + digits;
  }
  if (*p == '+' || *p == '-') {
    /* +HH, +HH:MM, +HH:MM:SS */
    rc |= cdlt_buf_append(&b, p, 3);
    if (p[3] == ':') rc |= cdlt_buf_puts(&b, p + 3);
    else rc |= cdlt_buf_puts(&b, ":00");
  }
  if (rc) {
    cdlt_buf_release(&b);
    return NULL;
  }
  return cdlt_buf_detach(&b);
}

static char *render(Oid type, const char *s) {
  switch (type) {
    case OID_BOOL: return strdup(s[0] == 't' ? "true" : "false");
    case OID_FLOAT4:
    case OID_FLOAT8: {
      char tmp[40];
      cdlt_format_double(strtod(s, NULL), tmp);
      return strdup(tmp);
    }
    case OID_TIMESTAMP:
    case OID_TIMESTAMPTZ: return render_timestamp(s);
    default: return strdup(s);
  }
}

static int pg_query(cdlt_destination *base, const char *sql, cdlt_rows *out, cdlt_error *err) {
  pg *d = (pg *)base;
  memset(out, 0, sizeof *out);
  PGresult *res = PQexec(d->conn, sql);
  if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
    int rc = pg_fail(d, res, "query", err);
    PQclear(res);
    return rc;
  }
  size_t ncols = (size_t)PQnfields(res), nrows = (size_t)PQntuples(res);
  out->ncols = ncols;
  out->nrows = nrows;
  out->col_names = calloc(ncols ? ncols : 1, sizeof(char *));
  out->cells = calloc(nrows * ncols > 0 ? nrows * ncols : 1, sizeof(char *));
  int rc = 0;
  if (!out->col_names || !out->cells) rc = CDLT_ERR_NOMEM;
  for (size_t c = 0; !rc && c < ncols; c++)
    if (!(out->col_names[c] = strdup(PQfname(res, (int)c)))) rc = CDLT_ERR_NOMEM;
  for (size_t r = 0; !rc && r < nrows; r++)
    for (size_t c = 0; !rc && c < ncols; c++) {
      if (PQgetisnull(res, (int)r, (int)c)) continue;
      char *v = render(PQftype(res, (int)c), PQgetvalue(res, (int)r, (int)c));
      if (!v) rc = CDLT_ERR_NOMEM;
      out->cells[r * ncols + c] = v;
    }
  PQclear(res);
  if (rc) {
    cdlt_rows_free(out);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  return 0;
}

/* ---------------------------------------------------------------- bulk load with COPY */

typedef struct copy_ctx {
  pg *d;
  const cdlt_table_def *table;
  const char *path;
  const cdlt_json_value **vals;   /* per column, for the current row */
  cdlt_buf out;                   /* COPY data not sent yet */
  cdlt_buf tmp;
  uint8_t *bin;                   /* base64 decode buffer */
  size_t bincap;
  size_t *name_len;               /* strlen of every column name */
  unsigned *oids;                 /* PostgreSQL type per column: COPY binary; NULL: COPY text */
  uint64_t rows;
} copy_ctx;

/* appends s[0..n) escaped for COPY text format; false when s holds a NUL byte */
static bool put_escaped(cdlt_buf *b, const char *s, size_t n, int *rc) {
  if (cdlt_buf_reserve(b, n + n / 8 + 16)) {
    *rc = CDLT_ERR_NOMEM;
    return true;
  }
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    const char *esc = NULL;
    switch (s[i]) {
      case '\\': esc = "\\\\"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      case '\0': return false;
      default: continue;
    }
    *rc |= cdlt_buf_append(b, s + start, i - start);
    *rc |= cdlt_buf_puts(b, esc);
    start = i + 1;
  }
  *rc |= cdlt_buf_append(b, s + start, n - start);
  return true;
}

static int value_error(copy_ctx *x, const cdlt_json_reader *r, const cdlt_column_def *c, const char *why,
                       cdlt_error *err) {
  uint64_t line = 0;
  cdlt_json_reader_item_position(r, &line, NULL, NULL);
  return cdlt_error_set(err, CDLT_ERR_DESTINATION, "postgres: cannot load '%s' into '%s': line %llu, column '%s': %s",
                        x->path, x->table->name, (unsigned long long)line, c->name, why);
}

/* The text PostgreSQL would get for one non-NULL value of column c (unescaped): sp, np. For binary
 * (bytea) columns the base64 is decoded instead: bytes is set and sp, np are the raw bytes. The
 * text may live in x->tmp or x->bin until the next call. */
static int value_text(copy_ctx *x, const cdlt_json_reader *r, const cdlt_column_def *c, const cdlt_json_value *v,
                      const char **sp, size_t *np, bool *bytes, cdlt_error *err) {
  const char *s = NULL;
  size_t n = 0;
  *bytes = false;
  switch (v->type) {
    case CDLT_JSON_STRING: s = v->u.str.ptr; n = v->u.str.len; break;
    case CDLT_JSON_INT:
    case CDLT_JSON_BIGINT:
    case CDLT_JSON_FLOAT: s = v->u.num.text; n = v->u.num.len; break;
    case CDLT_JSON_BOOL: s = v->u.boolean ? "true" : "false"; n = strlen(s); break;
    default: break;
  }
  switch (c->type) {
    case CDLT_TYPE_JSON:
      /* the value's compact JSON text (a JSON string stays quoted) */
      cdlt_buf_reset(&x->tmp);
      if (cdlt_json_write(&x->tmp, v, 0)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      s = x->tmp.data;
      n = x->tmp.len;
      break;
    case CDLT_TYPE_BINARY: {
      if (v->type != CDLT_JSON_STRING) return value_error(x, r, c, "binary values must be base64 strings", err);
      size_t need = CDLT_BASE64_DECODED_MAX(n) + 1;
      if (need > x->bincap) {
        uint8_t *nb = realloc(x->bin, need);
        if (!nb) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
        x->bin = nb;
        x->bincap = need;
      }
      size_t blen = 0;
      cdlt_error derr = {0};
      if (cdlt_base64_decode(s, n, x->bin, &blen, &derr))
        return value_error(x, r, c, "binary value is not valid base64", err);
      *sp = (const char *)x->bin;
      *np = blen;
      *bytes = true;
      return 0;
    }
    case CDLT_TYPE_TIMESTAMP:
      if (!c->timezone && v->type == CDLT_JSON_STRING) {
        /* postgres ignores the offset of text loaded into `timestamp without time zone`: shift
         * aware values to UTC first (dlt's convention, §2.6) */
        cdlt_datetime dt;
        if (cdlt_coerce_text_to_timestamp(s, n, &dt) && dt.has_offset) {
          char iso[48];
          size_t len = cdlt_format_iso_utc(dt.epoch_us, iso);
          if (len > 6 && !strcmp(iso + len - 6, "+00:00")) iso[len -= 6] = 0;
          cdlt_buf_reset(&x->tmp);
          if (cdlt_buf_append(&x->tmp, iso, len)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
          s = x->tmp.data;
          n = x->tmp.len;
        }
      }
      break;
    case CDLT_TYPE_BOOL:
      if (v->type == CDLT_JSON_BOOL) {
        s = v->u.boolean ? "t" : "f";
        n = 1;
      }
      break;
    default: break;
  }
  if (!s) {
    /* arrays and objects outside json columns: their JSON text (postgres decides if it fits) */
    cdlt_buf_reset(&x->tmp);
    if (cdlt_json_write(&x->tmp, v, 0)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    s = x->tmp.data;
    n = x->tmp.len;
  }
  *sp = s;
  *np = n;
  return 0;
}

/* the text of one non-NULL value for column c, escaped for COPY text format, appended to x->out */
static int put_value(copy_ctx *x, const cdlt_json_reader *r, const cdlt_column_def *c, const cdlt_json_value *v,
                     cdlt_error *err) {
  cdlt_buf *b = &x->out;
  const char *s;
  size_t n;
  bool bytes;
  int rc = value_text(x, r, c, v, &s, &n, &bytes, err);
  if (rc) return rc;
  if (bytes) {
    /* bytea hex input `\x0aff`, its backslash doubled for COPY */
    static const char hex[] = "0123456789abcdef";
    const uint8_t *u = (const uint8_t *)s;
    if (cdlt_buf_reserve(b, 3 + 2 * n)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    rc |= cdlt_buf_puts(b, "\\\\x");
    for (size_t i = 0; i < n; i++) {
      b->data[b->len++] = hex[u[i] >> 4];
      b->data[b->len++] = hex[u[i] & 15];
    }
    b->data[b->len] = 0;
    return rc ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
  }
  if (!put_escaped(b, s, n, &rc))
    return value_error(x, r, c, "text contains a NUL character, which postgres cannot store", err);
  return rc ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
}

static int send_chunk(copy_ctx *x, cdlt_error *err) {
  if (!x->out.len) return 0;
  if (PQputCopyData(x->d->conn, x->out.data, (int)x->out.len) != 1)
    return pg_fail(x->d, NULL, "copy", err);
  cdlt_buf_reset(&x->out);
  return 0;
}

/* copy_row's return when a value has no binary encoding: the file is loaded with COPY text */
#define PG_USE_TEXT 1

/* one non-NULL value in COPY binary format: 0, PG_USE_TEXT, or an error */
static int put_binary_value(copy_ctx *x, const cdlt_json_reader *r, size_t k, const cdlt_json_value *v,
                            cdlt_error *err) {
  const cdlt_column_def *c = &x->table->columns[k];
  const char *s;
  size_t n;
  bool bytes;
  int rc = value_text(x, r, c, v, &s, &n, &bytes, err);
  if (rc) return rc;
  if (bytes != (x->oids[k] == CDLT_PG_BYTEA)) return PG_USE_TEXT;
  if (!bytes && memchr(s, 0, n))
    return value_error(x, r, c, "text contains a NUL character, which postgres cannot store", err);
  const double *num = NULL;
  if ((v->type == CDLT_JSON_INT || v->type == CDLT_JSON_FLOAT) && s == v->u.num.text) num = &v->u.num.d;
  rc = cdlt_pg_binary_field(&x->out, x->oids[k], s, n, num);
  if (rc < 0) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  return rc;
}

static int copy_row(void *ctx, const cdlt_json_reader *r, cdlt_json_value *item, cdlt_error *err) {
  copy_ctx *x = ctx;
  const cdlt_table_def *t = x->table;
  if (item->type != CDLT_JSON_OBJECT) {
    uint64_t line = 0;
    cdlt_json_reader_item_position(r, &line, NULL, NULL);
    return cdlt_error_set(err, CDLT_ERR_DESTINATION, "postgres: cannot load '%s' into '%s': line %llu is not a JSON object",
                          x->path, t->name, (unsigned long long)line);
  }
  memset(x->vals, 0, t->ncolumns * sizeof *x->vals);
  /* members usually come in column order: try the next column first */
  size_t hint = 0;
  for (size_t m = 0; m < item->u.obj.len; m++) {
    const cdlt_json_member *mb = &item->u.obj.members[m];
    size_t found = t->ncolumns;
    for (size_t k = 0; k < t->ncolumns; k++) {
      size_t ci = hint + k < t->ncolumns ? hint + k : hint + k - t->ncolumns;
      if (x->name_len[ci] == mb->key_len && !memcmp(t->columns[ci].name, mb->key, mb->key_len)) {
        found = ci;
        break;
      }
    }
    if (found == t->ncolumns) continue; /* keys outside the table are ignored */
    x->vals[found] = mb->value;
    hint = found + 1;
  }
  if (x->oids) {
    if (cdlt_pg_binary_tuple(&x->out, (unsigned)t->ncolumns)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < t->ncolumns; k++) {
      const cdlt_json_value *v = x->vals[k];
      int rc = !v || v->type == CDLT_JSON_NULL ? cdlt_pg_binary_null(&x->out) : put_binary_value(x, r, k, v, err);
      if (rc == CDLT_ERR_NOMEM) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      if (rc) return rc;
    }
  } else {
    for (size_t k = 0; k < t->ncolumns; k++) {
      const cdlt_json_value *v = x->vals[k];
      if (k && cdlt_buf_putc(&x->out, '\t')) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      if (!v || v->type == CDLT_JSON_NULL) {
        if (cdlt_buf_puts(&x->out, "\\N")) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      } else {
        int rc = put_value(x, r, &t->columns[k], v, err);
        if (rc) return rc;
      }
    }
    if (cdlt_buf_putc(&x->out, '\n')) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  x->rows++;
  return x->out.len >= PG_COPY_CHUNK ? send_chunk(x, err) : 0;
}

/* The PostgreSQL type of every column of the table (x->oids), when all of them have a binary
 * encoding; else x->oids stays NULL (COPY text). A failed lookup (no such table, aborted
 * transaction) also means COPY text: that COPY then reports the error. */
static int column_types(copy_ctx *x, const char *qualified, cdlt_error *err) {
  const char *params[1] = {qualified};
  PGresult *res = PQexecParams(x->d->conn,
                               "SELECT attname, atttypid FROM pg_catalog.pg_attribute WHERE attrelid = "
                               "pg_catalog.to_regclass($1) AND attnum > 0 AND NOT attisdropped",
                               1, NULL, params, NULL, NULL, 0);
  if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
    PQclear(res);
    return 0;
  }
  unsigned *oids = calloc(x->table->ncolumns, sizeof *oids);
  if (!oids) {
    PQclear(res);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  int nrows = PQntuples(res);
  bool all = true;
  for (size_t k = 0; k < x->table->ncolumns && all; k++) {
    for (int i = 0; i < nrows; i++)
      if (!strcmp(PQgetvalue(res, i, 0), x->table->columns[k].name)) {
        oids[k] = (unsigned)strtoul(PQgetvalue(res, i, 1), NULL, 10);
        break;
      }
    all = cdlt_pg_binary_supported(oids[k]);
  }
  PQclear(res);
  if (all) x->oids = oids;
  else free(oids);
  return 0;
}

/* Runs one COPY of the file (sql starts it), binary when x->oids is set. With a value that has no
 * binary encoding the COPY is abandoned and PG_USE_TEXT returned. */
static int copy_once(copy_ctx *x, const char *sql, cdlt_error *err) {
  pg *d = x->d;
  x->rows = 0;
  cdlt_buf_reset(&x->out);
  PGresult *res = PQexec(d->conn, sql);
  if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
    int rc = pg_fail(d, res, "copy", err);
    cdlt_error_wrap(err, "cannot load '%s' into '%s'", x->path, x->table->name);
    PQclear(res);
    return rc;
  }
  PQclear(res);

  int rc = x->oids && cdlt_pg_binary_header(&x->out) ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
  if (!rc) rc = cdlt_json_each_file_item_limits(x->path, &cdlt_json_job_limits, copy_row, x, err);
  if (!rc && x->oids && cdlt_pg_binary_trailer(&x->out)) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc) rc = send_chunk(x, err);
  /* end the COPY; on a local failure (or to switch to text) abort it so the server discards the rows */
  if (PQputCopyEnd(d->conn, rc ? "cdlt: load aborted" : NULL) != 1 && !rc)
    rc = pg_fail(d, NULL, "copy", err);
  int copy_in_left = 2; /* a connection still in COPY IN (the end was not accepted): abort it, then give up */
  while ((res = PQgetResult(d->conn)) != NULL) {
    if (PQresultStatus(res) == PGRES_COPY_IN) {
      PQclear(res);
      if (!rc) rc = pg_fail(d, NULL, "copy", err);
      if (--copy_in_left < 0 || PQputCopyEnd(d->conn, "cdlt: load aborted") != 1) break;
      continue;
    }
    if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK) {
      rc = pg_fail(d, res, "copy", err);
      cdlt_error_wrap(err, "cannot load '%s' into '%s'", x->path, x->table->name);
    }
    PQclear(res);
  }
  return rc;
}

static int pg_load_file(cdlt_destination *base, const char *dataset, const cdlt_table_def *table, const char *path,
                        cdlt_file_format format, cdlt_error *err) {
  pg *d = (pg *)base;
  const cdlt_sql_dialect *dl = &cdlt_dialect_postgres;
  if (format != CDLT_FORMAT_JSONL)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "postgres: cannot load '%s': unsupported file format %d", path,
                          (int)format);
  if (table->ncolumns == 0)
    return cdlt_error_set(err, CDLT_ERR_SCHEMA, "postgres: cannot load '%s': table '%s' has no columns", path,
                          table->name);
  cdlt_buf sql, qname;
  cdlt_buf_init(&sql);
  cdlt_buf_init(&qname);
  int rc = cdlt_sql_qualified(&qname, dl, dataset, table->name, err);
  if (!rc && cdlt_buf_printf(&sql, "COPY %s (", qname.data)) rc = CDLT_ERR_NOMEM;
  for (size_t i = 0; i < table->ncolumns && !rc; i++) {
    if (i && cdlt_buf_puts(&sql, ", ")) rc = CDLT_ERR_NOMEM;
    if (!rc) rc = cdlt_sql_ident(&sql, dl, table->columns[i].name, err);
  }
  if (!rc && cdlt_buf_puts(&sql, ") FROM STDIN")) rc = CDLT_ERR_NOMEM;
  size_t text_len = sql.len;
  if (!rc && cdlt_buf_puts(&sql, " (FORMAT binary)")) rc = CDLT_ERR_NOMEM;
  if (rc) {
    cdlt_buf_release(&sql);
    cdlt_buf_release(&qname);
    return rc == CDLT_ERR_NOMEM ? cdlt_error_set(err, rc, "out of memory") : rc;
  }

  copy_ctx x;
  memset(&x, 0, sizeof x);
  x.d = d;
  x.table = table;
  x.path = path;
  cdlt_buf_init(&x.out);
  cdlt_buf_init(&x.tmp);
  x.vals = calloc(table->ncolumns, sizeof *x.vals);
  x.name_len = calloc(table->ncolumns, sizeof *x.name_len);
  if (!x.vals || !x.name_len) {
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t k = 0; k < table->ncolumns; k++) x.name_len[k] = strlen(table->columns[k].name);
  if ((rc = column_types(&x, qname.data, err))) goto done;

  if (x.oids) {
    /* binary COPY; a value without a binary encoding restarts the file as COPY text, inside a
     * transaction after rolling back to a savepoint (an abandoned COPY aborts the transaction) */
    bool in_tx = PQtransactionStatus(d->conn) == PQTRANS_INTRANS;
    if (in_tx && (rc = run(d, "SAVEPOINT cdlt_copy", "copy", err))) goto done;
    rc = copy_once(&x, sql.data, err);
    if (rc == PG_USE_TEXT) {
      free(x.oids);
      x.oids = NULL;
      rc = in_tx ? run(d, "ROLLBACK TO SAVEPOINT cdlt_copy; RELEASE SAVEPOINT cdlt_copy", "copy", err) : 0;
    } else {
      if (!rc && in_tx) rc = run(d, "RELEASE SAVEPOINT cdlt_copy", "copy", err);
      goto done;
    }
    if (rc) goto done;
  }
  sql.data[text_len] = 0;
  rc = copy_once(&x, sql.data, err);
done:
  free(x.vals);
  free(x.name_len);
  free(x.oids);
  free(x.bin);
  cdlt_buf_release(&x.out);
  cdlt_buf_release(&x.tmp);
  cdlt_buf_release(&sql);
  cdlt_buf_release(&qname);
  return rc;
}

static const char *pg_location(cdlt_destination *base) { return ((pg *)base)->location; }

const cdlt_destination_vtab cdlt_postgres_destination = {
    .abi_version = 1,
    .name = "postgres",
    .instance_size = sizeof(pg),
    .dialect = &cdlt_dialect_postgres,
    .supported_formats = (1u << CDLT_FORMAT_JSONL),
    .preferred_format = CDLT_FORMAT_JSONL,
    .open = pg_open,
    .close = pg_close,
    .execute = pg_execute,
    .query = pg_query,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .load_file = pg_load_file,
    .location = pg_location,
};
