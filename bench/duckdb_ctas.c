/* duckdb_ctas.c — the benchmark's DuckDB reference (bench only, never part of the library):
 * `CREATE TABLE t AS SELECT * FROM read_json_auto('<file>')` through libduckdb into a fresh
 * database file, with DuckDB's default settings. Usage: duckdb_ctas DB_FILE JSONL_FILE.
 * Prints the number of rows loaded; exit 1 with DuckDB's message on error. */
#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: duckdb_ctas DB_FILE JSONL_FILE\n");
    return 2;
  }
  duckdb_database db;
  duckdb_connection con;
  char *msg = NULL;
  if (duckdb_open_ext(argv[1], &db, NULL, &msg) == DuckDBError) {
    fprintf(stderr, "duckdb_ctas: cannot open '%s': %s\n", argv[1], msg ? msg : "unknown error");
    return 1;
  }
  if (duckdb_connect(db, &con) == DuckDBError) {
    fprintf(stderr, "duckdb_ctas: cannot connect to '%s'\n", argv[1]);
    duckdb_close(&db);
    return 1;
  }
  /* the path as a SQL string literal: double every quote */
  size_t n = strlen(argv[2]);
  char *sql = malloc(2 * n + 128);
  if (!sql) return 1;
  char *p = sql + sprintf(sql, "CREATE TABLE t AS SELECT * FROM read_json_auto('");
  for (const char *s = argv[2]; *s; s++) {
    if (*s == '\'') *p++ = '\'';
    *p++ = *s;
  }
  strcpy(p, "')");
  int rc = 0;
  duckdb_result res;
  if (duckdb_query(con, sql, &res) == DuckDBError) {
    fprintf(stderr, "duckdb_ctas: %s\n", duckdb_result_error(&res));
    rc = 1;
  }
  duckdb_destroy_result(&res);
  if (!rc && duckdb_query(con, "SELECT count(*) FROM t", &res) == DuckDBSuccess) {
    printf("%lld\n", (long long)duckdb_value_int64(&res, 0, 0));
    duckdb_destroy_result(&res);
  }
  free(sql);
  duckdb_disconnect(&con);
  duckdb_close(&db);
  return rc;
}
