/* postgres_credentials.c — parsing PostgreSQL connection strings (URL and libpq keyword form),
 * filling missing parts from dlt's environment variables, and the masked display location.
 * See postgres_credentials.h. No message written here ever contains the input string. */
#include "destinations/postgres_credentials.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int nomem(cdlt_error *err) { return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }

static char *dupn(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (!p) return NULL;
  if (n) memcpy(p, s, n);
  p[n] = 0;
  return p;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decodes s[0..n) into a new string ('+' stays '+', as libpq and SQLAlchemy do).
 * *out NULL on a bad escape (rc CDLT_ERR_USAGE, `what` names the part) or out of memory. */
static int pct_decode(const char *s, size_t n, const char *what, char **out, cdlt_error *err) {
  *out = NULL;
  char *p = malloc(n + 1);
  if (!p) return nomem(err);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%') {
      if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
        free(p);
        return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid postgres credentials: bad percent-encoding in the %s",
                              what);
      }
      int v = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
      if (v == 0) {
        free(p);
        return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid postgres credentials: %%00 in the %s", what);
      }
      p[k++] = (char)v;
      i += 2;
    } else {
      p[k++] = s[i];
    }
  }
  p[k] = 0;
  *out = p;
  return 0;
}

static int add_param(cdlt_pg_credentials *c, char *key, char *value, cdlt_error *err) {
  cdlt_pg_param *np = realloc(c->params, (c->nparams + 1) * sizeof *np);
  if (!np) {
    free(key);
    free(value);
    return nomem(err);
  }
  c->params = np;
  c->params[c->nparams].key = key;
  c->params[c->nparams].value = value;
  c->nparams++;
  return 0;
}

/* port text → 1..65535 */
static int parse_port(const char *s, size_t n, int *port, cdlt_error *err) {
  long v = 0;
  bool ok = n > 0 && n <= 5;
  for (size_t i = 0; ok && i < n; i++) {
    if (!isdigit((unsigned char)s[i])) ok = false;
    else v = v * 10 + (s[i] - '0');
  }
  if (!ok || v < 1 || v > 65535)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid postgres credentials: invalid port '%.*s'",
                          (int)(n > 16 ? 16 : n), s);
  *port = (int)v;
  return 0;
}

/* Stores a known keyword (user, password, host, port, dbname) or keeps it as a parameter.
 * Takes ownership of key and value. */
static int set_keyword(cdlt_pg_credentials *c, char *key, char *value, cdlt_error *err) {
  char **slot = NULL;
  if (!strcmp(key, "user")) slot = &c->username;
  else if (!strcmp(key, "password")) slot = &c->password;
  else if (!strcmp(key, "host")) slot = &c->host;
  else if (!strcmp(key, "dbname")) slot = &c->database;
  else if (!strcmp(key, "port")) {
    int rc = parse_port(value, strlen(value), &c->port, err);
    free(key);
    free(value);
    return rc;
  }
  if (slot) {
    free(*slot);
    *slot = value;
    free(key);
    return 0;
  }
  return add_param(c, key, value, err);
}

/* ---------------------------------------------------------------- URL form */

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* length of the scheme + "://" if s is a postgres URL, else 0 */
static size_t url_prefix(const char *s) {
  if (starts_with(s, "postgresql://")) return 13;
  if (starts_with(s, "postgres://")) return 11;
  if (starts_with(s, "postgresql+")) {
    const char *p = s + 11;
    while (isalnum((unsigned char)*p) || *p == '_') p++;
    if (p > s + 11 && starts_with(p, "://")) return (size_t)(p - s) + 3;
  }
  return 0;
}

static int parse_query(cdlt_pg_credentials *c, const char *q, cdlt_error *err) {
  while (*q) {
    size_t n = strcspn(q, "&");
    if (n) {
      const char *eq = memchr(q, '=', n);
      if (!eq)
        return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid postgres credentials: query parameter without '='");
      char *key = NULL, *value = NULL;
      int rc = pct_decode(q, (size_t)(eq - q), "query parameter name", &key, err);
      if (!rc) rc = pct_decode(eq + 1, n - (size_t)(eq - q) - 1, "query parameter value", &value, err);
      if (!rc && !*key) rc = cdlt_error_set(err, CDLT_ERR_USAGE, "invalid postgres credentials: empty query parameter name");
      if (rc) {
        free(key);
        free(value);
        return rc;
      }
      if ((rc = set_keyword(c, key, value, err))) return rc;
    }
    q += n;
    if (*q == '&') q++;
  }
  return 0;
}

static int parse_url(const char *s, size_t skip, cdlt_pg_credentials *c, cdlt_error *err) {
  const char *rest = s + skip;
  /* the query starts at the first '?' after the authority and path */
  const char *qmark = strchr(rest, '?');
  const char *end = qmark ? qmark : rest + strlen(rest);
  /* user info ends at the last '@' before the query (a raw '@' in a password is tolerated) */
  const char *at = NULL;
  for (const char *p = rest; p < end; p++)
    if (*p == '@') at = p;
  int rc = 0;
  const char *hp = rest;
  if (at) {
    const char *colon = memchr(rest, ':', (size_t)(at - rest));
    if (colon) {
      rc = pct_decode(rest, (size_t)(colon - rest), "user name", &c->username, err);
      if (!rc) rc = pct_decode(colon + 1, (size_t)(at - colon - 1), "password", &c->password, err);
    } else {
      rc = pct_decode(rest, (size_t)(at - rest), "user name", &c->username, err);
    }
    if (rc) return rc;
    if (c->username && !*c->username) {
      free(c->username);
      c->username = NULL;
    }
    hp = at + 1;
  }
  /* host[:port] up to '/' */
  size_t hlen = end > hp ? (size_t)(end - hp) : 0;
  const char *slash = memchr(hp, '/', hlen);
  const char *hend = slash ? slash : end;
  const char *port = NULL;
  if (hp < hend && *hp == '[') {
    const char *rb = memchr(hp, ']', (size_t)(hend - hp));
    if (!rb) return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid postgres credentials: unterminated '[' in the host");
    if ((rc = pct_decode(hp + 1, (size_t)(rb - hp - 1), "host", &c->host, err))) return rc;
    if (rb + 1 < hend) {
      if (rb[1] != ':')
        return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid postgres credentials: unexpected text after ']'");
      port = rb + 2;
    }
  } else {
    const char *colon = memchr(hp, ':', (size_t)(hend - hp));
    const char *hostend = colon ? colon : hend;
    if (hostend > hp && (rc = pct_decode(hp, (size_t)(hostend - hp), "host", &c->host, err))) return rc;
    if (colon) port = colon + 1;
  }
  if (port && port < hend && (rc = parse_port(port, (size_t)(hend - port), &c->port, err))) return rc;
  if (slash && slash + 1 < end && (rc = pct_decode(slash + 1, (size_t)(end - slash - 1), "database", &c->database, err)))
    return rc;
  if (qmark) rc = parse_query(c, qmark + 1, err);
  return rc;
}

/* ---------------------------------------------------------------- keyword/value form */

static int parse_keywords(const char *s, cdlt_pg_credentials *c, cdlt_error *err) {
  const char *p = s;
  for (;;) {
    while (isspace((unsigned char)*p)) p++;
    if (!*p) return 0;
    const char *k = p;
    while (*p && *p != '=' && !isspace((unsigned char)*p)) p++;
    size_t klen = (size_t)(p - k);
    while (isspace((unsigned char)*p)) p++;
    if (*p != '=' || klen == 0)
      return cdlt_error_set(err, CDLT_ERR_USAGE,
                            "invalid postgres credentials: expected a postgresql:// URL or libpq keyword=value pairs");
    p++;
    while (isspace((unsigned char)*p)) p++;
    cdlt_buf v;
    cdlt_buf_init(&v);
    int rc = 0;
    if (*p == '\'') {
      p++;
      for (;;) {
        if (!*p) {
          cdlt_buf_release(&v);
          return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid postgres credentials: unterminated quoted value");
        }
        if (*p == '\'') { p++; break; }
        if (*p == '\\' && p[1]) p++;
        rc |= cdlt_buf_putc(&v, *p++);
      }
    } else {
      while (*p && !isspace((unsigned char)*p)) {
        if (*p == '\\' && p[1]) p++;
        rc |= cdlt_buf_putc(&v, *p++);
      }
    }
    char *key = dupn(k, klen);
    char *value = rc ? NULL : cdlt_buf_detach(&v);
    cdlt_buf_release(&v);
    if (!key || !value) {
      free(key);
      free(value);
      return nomem(err);
    }
    if ((rc = set_keyword(c, key, value, err))) return rc;
  }
}

/* ---------------------------------------------------------------- public */

void cdlt_pg_credentials_release(cdlt_pg_credentials *c) {
  if (!c) return;
  free(c->username);
  if (c->password) {
    /* do not leave the secret in freed memory */
    volatile char *v = c->password;
    while (*v) *v++ = 0;
    free(c->password);
  }
  free(c->host);
  free(c->database);
  for (size_t i = 0; i < c->nparams; i++) {
    free(c->params[i].key);
    free(c->params[i].value);
  }
  free(c->params);
  memset(c, 0, sizeof *c);
}

int cdlt_pg_credentials_parse(const char *s, cdlt_pg_credentials *out, cdlt_error *err) {
  memset(out, 0, sizeof *out);
  if (!s) s = "";
  size_t skip = url_prefix(s);
  if (skip) return parse_url(s, skip, out, err);
  if (strstr(s, "://"))
    return cdlt_error_set(err, CDLT_ERR_USAGE,
                          "invalid postgres credentials: the URL scheme must be postgresql:// or postgres://");
  return parse_keywords(s, out, err);
}

const char *cdlt_pg_credentials_param(const cdlt_pg_credentials *c, const char *key) {
  for (size_t i = 0; i < c->nparams; i++)
    if (!strcmp(c->params[i].key, key)) return c->params[i].value;
  return NULL;
}

#define ENV_PREFIX "DESTINATION__POSTGRES__CREDENTIALS"

static int fill_str(char **slot, const char *value, cdlt_error *err) {
  if (*slot || !value || !*value) return 0;
  if (!(*slot = strdup(value))) return nomem(err);
  return 0;
}

/* moves every part of src that dst lacks into dst */
static int merge_missing(cdlt_pg_credentials *dst, cdlt_pg_credentials *src, cdlt_error *err) {
  char **d[] = {&dst->username, &dst->password, &dst->host, &dst->database};
  char **s[] = {&src->username, &src->password, &src->host, &src->database};
  for (size_t i = 0; i < 4; i++)
    if (!*d[i] && *s[i]) {
      *d[i] = *s[i];
      *s[i] = NULL;
    }
  if (!dst->port) dst->port = src->port;
  for (size_t i = 0; i < src->nparams; i++) {
    if (cdlt_pg_credentials_param(dst, src->params[i].key)) continue;
    int rc = add_param(dst, src->params[i].key, src->params[i].value, err);
    src->params[i].key = src->params[i].value = NULL;
    if (rc) return rc;
  }
  return 0;
}

int cdlt_pg_credentials_fill_from_env(cdlt_pg_credentials *c, cdlt_error *err) {
  const char *whole = getenv(ENV_PREFIX);
  int rc = 0;
  if (whole && *whole) {
    cdlt_pg_credentials env;
    rc = cdlt_pg_credentials_parse(whole, &env, err);
    if (!rc) rc = merge_missing(c, &env, err);
    cdlt_pg_credentials_release(&env);
    if (rc) return cdlt_error_wrap(err, "in environment variable " ENV_PREFIX);
  }
  if ((rc = fill_str(&c->username, getenv(ENV_PREFIX "__USERNAME"), err))) return rc;
  if ((rc = fill_str(&c->password, getenv(ENV_PREFIX "__PASSWORD"), err))) return rc;
  if ((rc = fill_str(&c->host, getenv(ENV_PREFIX "__HOST"), err))) return rc;
  if ((rc = fill_str(&c->database, getenv(ENV_PREFIX "__DATABASE"), err))) return rc;
  const char *port = getenv(ENV_PREFIX "__PORT");
  if (!c->port && port && *port && (rc = parse_port(port, strlen(port), &c->port, err)))
    return cdlt_error_wrap(err, "in environment variable " ENV_PREFIX "__PORT");
  const char *timeout = getenv(ENV_PREFIX "__CONNECT_TIMEOUT");
  if (timeout && *timeout && !cdlt_pg_credentials_param(c, "connect_timeout")) {
    char *k = strdup("connect_timeout"), *v = strdup(timeout);
    if (!k || !v) {
      free(k);
      free(v);
      return nomem(err);
    }
    if ((rc = add_param(c, k, v, err))) return rc;
  }
  return 0;
}

int cdlt_pg_credentials_resolve(const char *explicit_str, cdlt_pg_credentials *out, cdlt_error *err) {
  int rc = cdlt_pg_credentials_parse(explicit_str, out, err);
  if (!rc) rc = cdlt_pg_credentials_fill_from_env(out, err);
  if (rc) return rc;
  static const struct {
    size_t off;
    const char *name, *env;
  } required[] = {
      {offsetof(cdlt_pg_credentials, host), "host", ENV_PREFIX "__HOST"},
      {offsetof(cdlt_pg_credentials, database), "database", ENV_PREFIX "__DATABASE"},
      {offsetof(cdlt_pg_credentials, username), "username", ENV_PREFIX "__USERNAME"},
  };
  for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
    char *v = *(char **)((char *)out + required[i].off);
    if (!v || !*v)
      return cdlt_error_set(err, CDLT_ERR_USAGE,
                            "postgres credentials lack the %s: give a connection string "
                            "(postgresql://user:password@host:port/database) or set %s",
                            required[i].name, required[i].env);
  }
  return 0;
}

/* SQLAlchemy's URL quoting of user and database: ':', '@', '/' (and '%') escaped */
static int put_quoted(cdlt_buf *b, const char *s) {
  int rc = 0;
  for (; *s; s++) {
    if (*s == ':' || *s == '@' || *s == '/' || *s == '%') rc |= cdlt_buf_printf(b, "%%%02X", (unsigned char)*s);
    else rc |= cdlt_buf_putc(b, *s);
  }
  return rc;
}

int cdlt_pg_credentials_location(const cdlt_pg_credentials *c, cdlt_buf *out) {
  int rc = cdlt_buf_puts(out, "postgresql://");
  if (c->username) {
    rc |= put_quoted(out, c->username);
    if (c->password) rc |= cdlt_buf_puts(out, ":***");
    rc |= cdlt_buf_putc(out, '@');
  } else if (c->password) {
    rc |= cdlt_buf_puts(out, ":***@");
  }
  if (c->host) {
    bool v6 = strchr(c->host, ':') != NULL;
    rc |= cdlt_buf_printf(out, v6 ? "[%s]" : "%s", c->host);
  }
  rc |= cdlt_buf_printf(out, ":%d", c->port ? c->port : CDLT_PG_DEFAULT_PORT);
  if (c->database) {
    rc |= cdlt_buf_putc(out, '/');
    rc |= put_quoted(out, c->database);
  }
  return rc ? CDLT_ERR_NOMEM : 0;
}
