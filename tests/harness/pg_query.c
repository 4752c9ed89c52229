/* pg_query.c — see pg_query.h. */
#define _GNU_SOURCE
#include "pg_query.h"

#include <stdio.h>

/* Renders the rows of sql as "a|b\nc|d"; caller frees the result. */
char *pg_query(PGconn *conn, const char *sql) {
  PGresult *r = PQexec(conn, sql);
  char *res = NULL;
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    if (asprintf(&res, "ERROR: %s", PQresultErrorMessage(r)) < 0) res = NULL;
    PQclear(r);
    return res;
  }
  size_t len = 0;
  FILE *f = open_memstream(&res, &len);
  for (int i = 0; i < PQntuples(r); i++) {
    if (i) fputc('\n', f);
    for (int j = 0; j < PQnfields(r); j++) {
      if (j) fputc('|', f);
      fputs(PQgetisnull(r, i, j) ? "NULL" : PQgetvalue(r, i, j), f);
    }
  }
  fclose(f);
  PQclear(r);
  return res;
}

PGconn *pg_test_connect(const pg_server *s) {
  char conninfo[512];
  snprintf(conninfo, sizeof conninfo,
           "host=127.0.0.1 port=%d dbname=" PG_SERVER_DATABASE " user=" PG_SERVER_USER " password='" PG_SERVER_PASSWORD "'",
           pg_server_port(s));
  PGconn *db = PQconnectdb(conninfo);
  CHECK_MSG(PQstatus(db) == CONNECTION_OK, "test connection: %s", PQerrorMessage(db));
  PQclear(PQexec(db, "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO'"));
  return db;
}
