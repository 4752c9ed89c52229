/* pg_server.h — a throwaway PostgreSQL server for one test process.
 *
 *   pg_server *s;
 *   char why[512];
 *   if (pg_server_start(&s, why, sizeof why)) { CHECK_MSG(0, "%s", why); ... }
 *   ... connect with pg_server_url(s) (user cdlt_user with a password, database cdlt_db) ...
 *   pg_server_stop(s); pg_server_restart(s);   (fault injection: immediate stop, start again)
 *   pg_server_destroy(s);                      (also done at exit and if the process dies)
 *
 * The server is initdb'ed into a fresh temp dir ($CDLT_PG_TMPDIR, else /tmp as root, else
 * $TMPDIR or /tmp) and started with pg_ctl on a free loopback port
 * (listen_addresses=127.0.0.1, unix socket inside the temp dir, fsync=off, log_statement=all). Binaries come from
 * $CDLT_PG_BINDIR or the newest /usr/lib/postgresql/<ver>/bin. initdb refuses to run as root:
 * as root, every server command runs as the `postgres` system user (`runuser -u postgres --`,
 * the user exists once the Debian `postgresql` package is installed) and the temp dir is given
 * to that user. TCP connections need a password (scram-sha-256); the harness itself sets up the
 * role and database over the unix socket (trust). A watchdog child process stops the server and
 * removes the dir when the test process exits for any reason (even a crash or a kill). */
#ifndef CDLT_TEST_PG_SERVER_H
#define CDLT_TEST_PG_SERVER_H

#include <stddef.h>

typedef struct pg_server pg_server;

#define PG_SERVER_USER "cdlt_user"
#define PG_SERVER_PASSWORD "p@ss:w0rd-Zq8"   /* '@' and ':' exercise percent-encoding */
#define PG_SERVER_DATABASE "cdlt_db"

/* Starts a server; 0 on success, -1 with a message in why (why may be NULL). */
int pg_server_start(pg_server **out, char *why, size_t whylen);
/* postgresql://cdlt_user:<percent-encoded password>@127.0.0.1:<port>/cdlt_db. Static until destroy. */
const char *pg_server_url(const pg_server *s);
/* The same without the password (for tests of environment variables). */
const char *pg_server_url_nopass(const pg_server *s);
int pg_server_port(const pg_server *s);
/* libpq keyword string of the superuser over the unix socket (trust). */
const char *pg_server_admin_conninfo(const pg_server *s);
/* The server log: every statement is logged (log_statement=all, no line prefix), so tests can
 * compare the SQL cdlt sent with dlt's golden statement logs. Static storage. */
const char *pg_server_log_path(const pg_server *s);
/* Immediate shutdown (pg_ctl stop -m immediate); 0 or -1. */
int pg_server_stop(pg_server *s);
/* Starts a stopped server again on the same port and data; 0 or -1 (message in why). */
int pg_server_restart(pg_server *s, char *why, size_t whylen);
/* Stops the server, removes its dir, frees s. NULL-safe. */
void pg_server_destroy(pg_server *s);

#endif
