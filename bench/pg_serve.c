/* pg_serve.c — bench helper (never part of the library): starts the test harness's throwaway
 * PostgreSQL server (tests/harness/pg_server.c), prints its connection URL on the first line of
 * stdout and the superuser's libpq conninfo on the second, then waits until stdin is closed and
 * removes the server. Used by bench/run.py for the PostgreSQL columns. */
#include <stdio.h>

#include "pg_server.h"

int main(void) {
  pg_server *s = NULL;
  char why[512];
  if (pg_server_start(&s, why, sizeof why)) {
    fprintf(stderr, "pg_serve: %s\n", why);
    return 1;
  }
  printf("%s\n%s\n", pg_server_url(s), pg_server_admin_conninfo(s));
  fflush(stdout);
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
  }
  pg_server_destroy(s);
  return 0;
}
