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
