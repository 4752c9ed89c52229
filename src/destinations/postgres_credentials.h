/* postgres_credentials.h — PostgreSQL credentials as dlt takes them (contract §11.2, §14).
 *
 * Accepted forms:
 *  - a URL: `postgresql://user:pass@host:port/db?key=value&...` (also `postgres://` and
 *    `postgresql+<driver>://`); user, password, host, database and query keys/values are
 *    percent-decoded; an IPv6 host is written in brackets (`[::1]`); query parameters are kept
 *    in order and handed to libpq as connection keywords (sslmode, connect_timeout, ...).
 *  - a libpq keyword/value string: `host=h port=5432 dbname=db user=u password='a b'` (values
 *    may be single-quoted with `\'` and `\\` escapes); keywords other than host, port, dbname,
 *    user and password are kept like URL query parameters.
 * Missing parts are filled from the environment (cdlt_pg_credentials_fill_from_env), never
 * overriding what was given explicitly.
 *
 * Error messages never contain the password, nor the connection string (which may hold it). */
#ifndef CDLT_DESTINATIONS_POSTGRES_CREDENTIALS_H
#define CDLT_DESTINATIONS_POSTGRES_CREDENTIALS_H

#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

#define CDLT_PG_DEFAULT_PORT 5432
#define CDLT_PG_DEFAULT_CONNECT_TIMEOUT "15"

typedef struct cdlt_pg_param {
  char *key, *value;
} cdlt_pg_param;

/* Every string member is malloc'd and owned by the struct (NULL = not given). */
typedef struct cdlt_pg_credentials {
  char *username;
  char *password;
  char *host;
  char *database;
  int port;                 /* 0 = not given */
  cdlt_pg_param *params;    /* other libpq keywords (query parameters), in the order given */
  size_t nparams;
} cdlt_pg_credentials;

/* Parses a URL or a keyword/value string into *out (zeroed first; release it even on failure).
 * Returns 0, CDLT_ERR_USAGE (malformed, message without the input) or CDLT_ERR_NOMEM. */
int cdlt_pg_credentials_parse(const char *s, cdlt_pg_credentials *out, cdlt_error *err);

/* Fills the parts c lacks from the environment, in this order (each only where still missing):
 *   DESTINATION__POSTGRES__CREDENTIALS (a whole connection string, parsed as above), then
 *   DESTINATION__POSTGRES__CREDENTIALS__USERNAME / __PASSWORD / __HOST / __PORT / __DATABASE,
 *   DESTINATION__POSTGRES__CREDENTIALS__CONNECT_TIMEOUT (a libpq parameter).
 * Returns 0 or a negative status (a malformed value names the variable, never its content). */
int cdlt_pg_credentials_fill_from_env(cdlt_pg_credentials *c, cdlt_error *err);

/* The credentials open() uses: `explicit_str` (NULL or "" = none) parsed, then filled from the
 * environment; host, database and username must be known in the end (CDLT_ERR_USAGE naming the
 * missing part and the variable that would provide it). */
int cdlt_pg_credentials_resolve(const char *explicit_str, cdlt_pg_credentials *out, cdlt_error *err);

/* The value of parameter `key`, or NULL. Borrowed. */
const char *cdlt_pg_credentials_param(const cdlt_pg_credentials *c, const char *key);

/* Appends the displayable location, as dlt prints it in load info (§14):
 * `postgresql://user:***@host:port/db` — the password (when there is one) always as `***`,
 * the port always (5432 when not given), no query parameters. IPv6 hosts in brackets.
 * Returns 0 or CDLT_ERR_NOMEM. */
int cdlt_pg_credentials_location(const cdlt_pg_credentials *c, cdlt_buf *out);

void cdlt_pg_credentials_release(cdlt_pg_credentials *c);   /* frees members, zeroes; NULL-safe */

#endif
