/* duckdb_ctas.c — the benchmark's DuckDB reference (bench only, never part of the library):
 * `CREATE TABLE t AS SELECT * FROM read_json_auto('<file>')` through libduckdb into a fresh
 * database file, with DuckDB's default settings. Usage: duckdb_ctas DB_FILE JSONL_FILE.
 * With --parquet OUT_FILE JSONL_FILE instead: `COPY (SELECT * FROM read_json_auto(..)) TO OUT_FILE
 * (FORMAT parquet)` in an in-memory database (the filesystem destination's reference).
 * Prints the number of rows loaded; exit 1 with DuckDB's message on error. */
#include <duckdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *quote(char *p, const char *s) {
  for (; *s; s++) {
    if (*s == '\'') *p++ = '\'';
    *p++ = *s;
  }
  return p;
}

int main(int argc, char **argv) {
  bool parquet = argc == 4 && strcmp(argv[1], "--parquet") == 0;
  if (parquet) argv++, argc--;
  if (argc != 3) {
    fprintf(stderr, "usage: duckdb_ctas DB_FILE JSONL_FILE | --parquet OUT_FILE JSONL_FILE\n");
    return 2;
  }
  duckdb_database db;
  duckdb_connection con;
  char *msg = NULL;
  if (duckdb_open_ext(parquet ? NULL : argv[1], &db, NULL, &msg) == DuckDBError) {
    fprintf(stderr, "duckdb_ctas: cannot open '%s': %s\n", argv[1], msg ? msg : "unknown error");
    return 1;
  }
  if (duckdb_connect(db, &con) == DuckDBError) {
    fprintf(stderr, "duckdb_ctas: cannot connect to '%s'\n", argv[1]);
    duckdb_close(&db);
    return 1;
  }
  /* paths as SQL string literals: double every quote */
  size_t n = strlen(argv[1]) + strlen(argv[2]);
  char *sql = malloc(2 * n + 128);
  if (!sql) return 1;
  char *p = sql + sprintf(sql, parquet ? "COPY (SELECT * FROM read_json_auto('" : "CREATE TABLE t AS SELECT * FROM read_json_auto('");
  p = quote(p, argv[2]);
  if (parquet) {
    p += sprintf(p, "')) TO '");
    p = quote(p, argv[1]);
    strcpy(p, "' (FORMAT parquet)");
  } else {
    strcpy(p, "')");
  }
  int rc = 0;
  duckdb_result res;
  if (duckdb_query(con, sql, &res) == DuckDBError) {
    fprintf(stderr, "duckdb_ctas: %s\n", duckdb_result_error(&res));
    rc = 1;
  }
  duckdb_destroy_result(&res);
  if (!rc && parquet) {
    char *cnt = malloc(2 * n + 128);
    char *q = cnt + sprintf(cnt, "SELECT count(*) FROM read_parquet('");
    strcpy(quote(q, argv[1]), "')");
    if (cnt && duckdb_query(con, cnt, &res) == DuckDBSuccess) {
      printf("%lld\n", (long long)duckdb_value_int64(&res, 0, 0));
      duckdb_destroy_result(&res);
    }
    free(cnt);
  } else if (!rc && duckdb_query(con, "SELECT count(*) FROM t", &res) == DuckDBSuccess) {
    printf("%lld\n", (long long)duckdb_value_int64(&res, 0, 0));
    duckdb_destroy_result(&res);
  }
  free(sql);
  duckdb_disconnect(&con);
  duckdb_close(&db);
  return rc;
}
