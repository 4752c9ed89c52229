/* test_pg_credentials.c — PostgreSQL credentials: URL and keyword parsing, percent-decoding,
 * IPv6 hosts, query parameters, filling from dlt's environment variables, the masked location,
 * and that no error message ever repeats the input (it may hold a password). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "destinations/destination.h"
#include "destinations/postgres_credentials.h"
#include "load/sql_gen.h"

static const char *const ENV_VARS[] = {
    "DESTINATION__POSTGRES__CREDENTIALS",           "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD",
    "DESTINATION__POSTGRES__CREDENTIALS__USERNAME", "DESTINATION__POSTGRES__CREDENTIALS__HOST",
    "DESTINATION__POSTGRES__CREDENTIALS__PORT",     "DESTINATION__POSTGRES__CREDENTIALS__DATABASE",
    "DESTINATION__POSTGRES__CREDENTIALS__CONNECT_TIMEOUT"};

static void clear_env(void) {
  for (size_t i = 0; i < sizeof ENV_VARS / sizeof *ENV_VARS; i++) unsetenv(ENV_VARS[i]);
}

/* location of c as a static string */
static const char *loc(const cdlt_pg_credentials *c) {
  static char out[512];
  cdlt_buf b;
  cdlt_buf_init(&b);
  out[0] = 0;
  if (cdlt_pg_credentials_location(c, &b) == 0) snprintf(out, sizeof out, "%s", b.data);
  cdlt_buf_release(&b);
  return out;
}

/* "key=value&key=value" of the parameters */
static const char *params(const cdlt_pg_credentials *c) {
  static char out[512];
  size_t n = 0;
  out[0] = 0;
  for (size_t i = 0; i < c->nparams; i++)
    n += (size_t)snprintf(out + n, sizeof out - n, "%s%s=%s", i ? "&" : "", c->params[i].key, c->params[i].value);
  return out;
}

static void test_url_full(void) {
  cdlt_pg_credentials c;
  cdlt_error err = {0};
  CHECK_OK(cdlt_pg_credentials_parse("postgresql://loader:pw@db.example.com:5433/dlt_data?sslmode=require&connect_timeout=5",
                                     &c, &err),
           &err);
  CHECK_EQ_STR(c.username, "loader");
  CHECK_EQ_STR(c.password, "pw");
  CHECK_EQ_STR(c.host, "db.example.com");
  CHECK_EQ_INT(c.port, 5433);
  CHECK_EQ_STR(c.database, "dlt_data");
  CHECK_EQ_STR(params(&c), "sslmode=require&connect_timeout=5");
  CHECK_EQ_STR(cdlt_pg_credentials_param(&c, "sslmode"), "require");
  CHECK_EQ_STR(cdlt_pg_credentials_param(&c, "nope"), NULL);
  /* as dlt prints it in load info: password masked, no query (§14) */
  CHECK_EQ_STR(loc(&c), "postgresql://loader:***@db.example.com:5433/dlt_data");
  cdlt_pg_credentials_release(&c);
  CHECK(c.password == NULL && c.nparams == 0);

  /* postgres:// and postgresql+driver:// are the same thing */
  CHECK_OK(cdlt_pg_credentials_parse("postgres://u:p@h/d", &c, &err), &err);
  CHECK_EQ_STR(loc(&c), "postgresql://u:***@h:5432/d");
  cdlt_pg_credentials_release(&c);
  CHECK_OK(cdlt_pg_credentials_parse("postgresql+psycopg2://u@h:1/d", &c, &err), &err);
  CHECK_EQ_STR(c.host, "h");
  CHECK_EQ_INT(c.port, 1);
  CHECK_EQ_STR(c.password, NULL);
  CHECK_EQ_STR(loc(&c), "postgresql://u@h:1/d");
  cdlt_pg_credentials_release(&c);
}

static void test_percent_decoding(void) {
  cdlt_pg_credentials c;
  cdlt_error err = {0};
  CHECK_OK(cdlt_pg_credentials_parse("postgresql://us%65r%40corp:p%40ss%3Aw%2Frd%25+x@h%2Dq/my%20db?application_name=a%20b%26c",
                                     &c, &err),
           &err);
  CHECK_EQ_STR(c.username, "user@corp");
  CHECK_EQ_STR(c.password, "p@ss:w/rd%+x");   /* '+' is not a space in URLs' user info */
  CHECK_EQ_STR(c.host, "h-q");
  CHECK_EQ_STR(c.database, "my db");
  CHECK_EQ_STR(params(&c), "application_name=a b&c");
  /* the location re-quotes ':' '@' '/' '%' of user and database */
  CHECK_EQ_STR(loc(&c), "postgresql://user%40corp:***@h-q:5432/my db");
  cdlt_pg_credentials_release(&c);

  /* a raw '@' in a password: the last '@' ends the user info */
  CHECK_OK(cdlt_pg_credentials_parse("postgresql://u:p@ss@h:5433/db", &c, &err), &err);
  CHECK_EQ_STR(c.username, "u");
  CHECK_EQ_STR(c.password, "p@ss");
  CHECK_EQ_STR(c.host, "h");
  CHECK_EQ_INT(c.port, 5433);
  cdlt_pg_credentials_release(&c);

  /* an empty password is a password (masked) */
  CHECK_OK(cdlt_pg_credentials_parse("postgresql://u:@h/db", &c, &err), &err);
  CHECK_EQ_STR(c.password, "");
  CHECK_EQ_STR(loc(&c), "postgresql://u:***@h:5432/db");
  cdlt_pg_credentials_release(&c);
}

static void test_ipv6(void) {
  cdlt_pg_credentials c;
  cdlt_error err = {0};
  CHECK_OK(cdlt_pg_credentials_parse("postgresql://u:pw@[::1]:6543/db", &c, &err), &err);
  CHECK_EQ_STR(c.host, "::1");
  CHECK_EQ_INT(c.port, 6543);
  CHECK_EQ_STR(c.database, "db");
  CHECK_EQ_STR(loc(&c), "postgresql://u:***@[::1]:6543/db");
  cdlt_pg_credentials_release(&c);
  CHECK_OK(cdlt_pg_credentials_parse("postgresql://[2001:db8::7]/x", &c, &err), &err);
  CHECK_EQ_STR(c.host, "2001:db8::7");
  CHECK_EQ_INT(c.port, 0);
  CHECK_EQ_STR(c.username, NULL);
  CHECK_EQ_STR(loc(&c), "postgresql://[2001:db8::7]:5432/x");
  cdlt_pg_credentials_release(&c);
  CHECK_EQ_INT(cdlt_pg_credentials_parse("postgresql://u:pw@[::1:5432/db", &c, &err), CDLT_ERR_USAGE);
  CHECK_EQ_STR(err.msg, "invalid postgres credentials: unterminated '[' in the host");
  cdlt_pg_credentials_release(&c);
}

static void test_missing_parts(void) {
  cdlt_pg_credentials c;
  cdlt_error err = {0};
  CHECK_OK(cdlt_pg_credentials_parse("postgresql://h", &c, &err), &err);
  CHECK(c.host && !strcmp(c.host, "h") && !c.username && !c.password && !c.database && c.port == 0 && !c.nparams);
  cdlt_pg_credentials_release(&c);
  CHECK_OK(cdlt_pg_credentials_parse("postgresql:///db", &c, &err), &err);
  CHECK(!c.host && c.database && !strcmp(c.database, "db"));
  cdlt_pg_credentials_release(&c);
  CHECK_OK(cdlt_pg_credentials_parse("postgresql://", &c, &err), &err);
  CHECK(!c.host && !c.database && !c.username);
  cdlt_pg_credentials_release(&c);
  CHECK_OK(cdlt_pg_credentials_parse("", &c, &err), &err);
  CHECK(!c.host && !c.database && !c.username);
  cdlt_pg_credentials_release(&c);
  CHECK_OK(cdlt_pg_credentials_parse(NULL, &c, &err), &err);
  cdlt_pg_credentials_release(&c);
}

static void test_keywords(void) {
  cdlt_pg_credentials c;
  cdlt_error err = {0};
  CHECK_OK(cdlt_pg_credentials_parse("  host=h port = 5433 dbname=d user=u password='a b\\'c\\\\' sslmode=require ",
                                     &c, &err),
           &err);
  CHECK_EQ_STR(c.host, "h");
  CHECK_EQ_INT(c.port, 5433);
  CHECK_EQ_STR(c.database, "d");
  CHECK_EQ_STR(c.username, "u");
  CHECK_EQ_STR(c.password, "a b'c\\");
  CHECK_EQ_STR(params(&c), "sslmode=require");
  CHECK_EQ_STR(loc(&c), "postgresql://u:***@h:5433/d");
  cdlt_pg_credentials_release(&c);
  /* query keywords host/port/user/password/dbname in a URL land in their fields */
  CHECK_OK(cdlt_pg_credentials_parse("postgresql:///d?host=/var/run/postgresql&user=x&port=7", &c, &err), &err);
  CHECK_EQ_STR(c.host, "/var/run/postgresql");
  CHECK_EQ_STR(c.username, "x");
  CHECK_EQ_INT(c.port, 7);
  CHECK_EQ_INT(c.nparams, 0);
  cdlt_pg_credentials_release(&c);
}

/* malformed input: CDLT_ERR_USAGE, and the message never repeats the secret */
static void test_errors_hide_input(void) {
  static const struct {
    const char *in, *msg;
  } cases[] = {
      {"mysql://u:S3CRET@h/db", "invalid postgres credentials: the URL scheme must be postgresql:// or postgres://"},
      {"postgresql://u:S3CRET%zz@h/db", "invalid postgres credentials: bad percent-encoding in the password"},
      {"postgresql://u:S3CRET%4@h/db", "invalid postgres credentials: bad percent-encoding in the password"},
      {"postgresql://u:S3CRET%00@h/db", "invalid postgres credentials: %00 in the password"},
      {"postgresql://u:S3CRET@h:99999/db", "invalid postgres credentials: invalid port '99999'"},
      {"postgresql://u:S3CRET@h:0/db", "invalid postgres credentials: invalid port '0'"},
      {"postgresql://u:S3CRET@h:5x/db", "invalid postgres credentials: invalid port '5x'"},
      {"postgresql://u:S3CRET@h/db?S3CRET", "invalid postgres credentials: query parameter without '='"},
      {"host=h password=S3CRET garbage",
       "invalid postgres credentials: expected a postgresql:// URL or libpq keyword=value pairs"},
      {"/home/me/p.duckdb", "invalid postgres credentials: expected a postgresql:// URL or libpq keyword=value pairs"},
      {"host=h password='S3CRET", "invalid postgres credentials: unterminated quoted value"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    cdlt_pg_credentials c;
    cdlt_error err = {0};
    int rc = cdlt_pg_credentials_parse(cases[i].in, &c, &err);
    CHECK_MSG(rc == CDLT_ERR_USAGE, "%s: rc %d", cases[i].in, rc);
    CHECK_EQ_STR(err.msg, cases[i].msg);
    CHECK_MSG(!strstr(err.msg, "S3CRET"), "%s leaks: %s", cases[i].in, err.msg);
    cdlt_pg_credentials_release(&c);
  }
}

static void test_env(void) {
  cdlt_pg_credentials c;
  cdlt_error err = {0};
  clear_env();
  /* the password from its own variable fills what the string lacks */
  setenv("DESTINATION__POSTGRES__CREDENTIALS__PASSWORD", "envpw", 1);
  CHECK_OK(cdlt_pg_credentials_resolve("postgresql://u@h/db", &c, &err), &err);
  CHECK_EQ_STR(c.password, "envpw");
  CHECK_EQ_STR(loc(&c), "postgresql://u:***@h:5432/db");
  cdlt_pg_credentials_release(&c);
  /* explicit credentials win */
  CHECK_OK(cdlt_pg_credentials_resolve("postgresql://u:mine@h/db", &c, &err), &err);
  CHECK_EQ_STR(c.password, "mine");
  cdlt_pg_credentials_release(&c);

  /* a whole connection string in DESTINATION__POSTGRES__CREDENTIALS */
  clear_env();
  setenv("DESTINATION__POSTGRES__CREDENTIALS", "postgresql://eu:ep@eh:6000/edb?sslmode=disable", 1);
  CHECK_OK(cdlt_pg_credentials_resolve(NULL, &c, &err), &err);
  CHECK(c.username && !strcmp(c.username, "eu") && c.password && !strcmp(c.password, "ep") && c.host &&
        !strcmp(c.host, "eh") && c.port == 6000 && c.database && !strcmp(c.database, "edb"));
  CHECK_EQ_STR(params(&c), "sslmode=disable");
  cdlt_pg_credentials_release(&c);
  /* ... only fills the gaps of explicit ones */
  CHECK_OK(cdlt_pg_credentials_resolve("postgresql://u@h/db?sslmode=require", &c, &err), &err);
  CHECK_EQ_STR(c.username, "u");
  CHECK_EQ_STR(c.password, "ep");
  CHECK_EQ_STR(c.host, "h");
  CHECK_EQ_INT(c.port, 6000);
  CHECK_EQ_STR(c.database, "db");
  CHECK_EQ_STR(params(&c), "sslmode=require");
  cdlt_pg_credentials_release(&c);
  /* and comes before the single-field variables */
  setenv("DESTINATION__POSTGRES__CREDENTIALS__PASSWORD", "fieldpw", 1);
  CHECK_OK(cdlt_pg_credentials_resolve("", &c, &err), &err);
  CHECK_EQ_STR(c.password, "ep");
  cdlt_pg_credentials_release(&c);

  /* every part from its own variable */
  clear_env();
  setenv("DESTINATION__POSTGRES__CREDENTIALS__USERNAME", "fu", 1);
  setenv("DESTINATION__POSTGRES__CREDENTIALS__PASSWORD", "fp", 1);
  setenv("DESTINATION__POSTGRES__CREDENTIALS__HOST", "fh", 1);
  setenv("DESTINATION__POSTGRES__CREDENTIALS__PORT", "6001", 1);
  setenv("DESTINATION__POSTGRES__CREDENTIALS__DATABASE", "fd", 1);
  setenv("DESTINATION__POSTGRES__CREDENTIALS__CONNECT_TIMEOUT", "3", 1);
  CHECK_OK(cdlt_pg_credentials_resolve(NULL, &c, &err), &err);
  CHECK_EQ_STR(loc(&c), "postgresql://fu:***@fh:6001/fd");
  CHECK_EQ_STR(c.password, "fp");
  CHECK_EQ_STR(params(&c), "connect_timeout=3");
  cdlt_pg_credentials_release(&c);
  /* a bad variable is named, its value is not repeated */
  setenv("DESTINATION__POSTGRES__CREDENTIALS__PORT", "S3CRET", 1);
  CHECK_EQ_INT(cdlt_pg_credentials_resolve(NULL, &c, &err), CDLT_ERR_USAGE);
  CHECK_EQ_STR(err.msg, "in environment variable DESTINATION__POSTGRES__CREDENTIALS__PORT: invalid postgres "
                        "credentials: invalid port 'S3CRET'");
  cdlt_pg_credentials_release(&c);
  clear_env();
  setenv("DESTINATION__POSTGRES__CREDENTIALS", "postgresql://u:S3CRET%q@h/d", 1);
  CHECK_EQ_INT(cdlt_pg_credentials_resolve(NULL, &c, &err), CDLT_ERR_USAGE);
  CHECK_EQ_STR(err.msg, "in environment variable DESTINATION__POSTGRES__CREDENTIALS: invalid postgres credentials: "
                        "bad percent-encoding in the password");
  cdlt_pg_credentials_release(&c);

  /* required parts */
  clear_env();
  CHECK_EQ_INT(cdlt_pg_credentials_resolve("postgresql://u:pw@/db", &c, &err), CDLT_ERR_USAGE);
  CHECK_EQ_STR(err.msg, "postgres credentials lack the host: give a connection string "
                        "(postgresql://user:password@host:port/database) or set DESTINATION__POSTGRES__CREDENTIALS__HOST");
  cdlt_pg_credentials_release(&c);
  CHECK_EQ_INT(cdlt_pg_credentials_resolve("postgresql://u:pw@h", &c, &err), CDLT_ERR_USAGE);
  CHECK(strstr(err.msg, "lack the database") && strstr(err.msg, "DESTINATION__POSTGRES__CREDENTIALS__DATABASE"));
  cdlt_pg_credentials_release(&c);
  CHECK_EQ_INT(cdlt_pg_credentials_resolve(NULL, &c, &err), CDLT_ERR_USAGE);
  CHECK(strstr(err.msg, "lack the host") != NULL);
  cdlt_pg_credentials_release(&c);
  /* a password is not required (trust, .pgpass, PGPASSWORD) */
  CHECK_OK(cdlt_pg_credentials_resolve("postgresql://u@h/db", &c, &err), &err);
  CHECK_EQ_STR(c.password, NULL);
  cdlt_pg_credentials_release(&c);
}

static void test_registry(void) {
  const cdlt_destination_vtab *vt = cdlt_destination_find("postgres");
  CHECK(vt != NULL);
  if (!vt) return;
  CHECK_EQ_STR(vt->name, "postgres");
  CHECK(vt->dialect == &cdlt_dialect_postgres);
  CHECK(vt->supported_formats & (1u << CDLT_FORMAT_JSONL));
  /* open fails cleanly (nothing to free) when credentials are incomplete, before any connection */
  clear_env();
  cdlt_destination *d = NULL;
  cdlt_error err = {0};
  CHECK_EQ_INT(cdlt_destination_open(vt, &(cdlt_destination_config){.credentials = "postgresql://u:S3CRET@/db"}, &d,
                                     &err),
               CDLT_ERR_USAGE);
  CHECK(d == NULL);
  CHECK(strstr(err.msg, "lack the host") && !strstr(err.msg, "S3CRET"));
}

int main(void) {
  test_url_full();
  test_percent_decoding();
  test_ipv6();
  test_missing_parts();
  test_keywords();
  test_errors_hide_input();
  test_env();
  test_registry();
  return check_finish();
}
