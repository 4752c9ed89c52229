/* pg_query.h — reading a PostgreSQL database back in tests through libpq: a connection to the test
 * server, and a query's rows rendered as "a|b\nc|d" in PostgreSQL's own text, so expectations are
 * plain strings. */
#ifndef CDLT_TEST_PG_QUERY_H
#define CDLT_TEST_PG_QUERY_H

#include <libpq-fe.h>
#include <stdlib.h>

#include "check.h"
#include "pg_server.h"

/* A connection to the test server as the test user over TCP, with TimeZone UTC and DateStyle ISO
 * so timestamps read back in one form. Fails the test (CHECK) when it cannot connect; the caller
 * PQfinish()es it. */
PGconn *pg_test_connect(const pg_server *s);

/* Runs sql on conn and renders the rows as "a|b\nc|d" (NULL -> "NULL"); a statement without rows
 * gives "". "ERROR: <msg>" on failure. Returns a malloc'd string (caller frees). */
char *pg_query(PGconn *conn, const char *sql);

/* CHECK_EQ_STR of a pg_query result, freeing it. */
#define CHECK_PG(conn, sql, expected)    \
  do {                                   \
    char *got_ = pg_query((conn), (sql)); \
    CHECK_EQ_STR(got_, (expected));      \
    free(got_);                          \
  } while (0)

#endif
