/* e2e.h — helpers for end-to-end tests that run the real `cdlt` binary in a fresh temp dir
 * (DLT_DATA_DIR inside it, a DuckDB file inside it) and read back what was loaded through the
 * library's DuckDB destination. */
#ifndef CDLT_TEST_E2E_H
#define CDLT_TEST_E2E_H

#include <stdbool.h>
#include <stddef.h>

#include "check.h"

typedef struct env {
  char dir[512];    /* fresh temp dir, the cwd of every cdlt run */
  char data[600];   /* DLT_DATA_DIR */
  char db[600];     /* duckdb file passed with --credentials */
  char bucket[600]; /* <dir>/bucket, a folder for the filesystem destination */
  const char *vars; /* extra environment "A=1 B=2" for the next cdlt runs; NULL for none */
} env;

/* A fresh env: new temp dir, DLT_DATA_DIR=<dir>/dlt, db <dir>/test.duckdb, bucket <dir>/bucket,
 * no extra vars. */
void env_new(env *e);
/* Writes `content` to <dir>/<name>; returns the full path in static storage (a ring of 16
 * buffers, so a few paths can be held at once). */
const char *write_file(const env *e, const char *name, const char *content);
/* The same for len bytes of data (binary content, NUL bytes). */
const char *write_bytes(const env *e, const char *name, const void *data, size_t len);
/* Runs `cd <dir> && <vars> DLT_DATA_DIR=<data> <cdlt> <args>`; *out (may be NULL) gets stdout+stderr
 * (caller frees). Fails the test on any sanitizer report. Returns the exit status. */
int cdlt(const env *e, char **out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same with extra environment `envs` ("A=1 B=2", may be NULL) before e->vars. */
int cdlt_env(const env *e, const char *envs, char **out, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Runs cdlt and expects exit 0; prints the output when it fails. */
void cdlt_ok(const env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool file_exists(const char *path);
bool contains(const char *hay, const char *needle);
/* Runs `sql` against the duckdb file and renders the result as "a|b\nc|d" (NULL -> "NULL").
 * Returns a malloc'd string, "ERROR: <msg>" on failure. */
char *q(const char *db, const char *sql);
/* information_schema columns of a table: "name TYPE\n..." in ordinal order (malloc'd) */
char *cols(const char *db, const char *ds, const char *table);
/* Whether the table exists (false when the database file does not exist at all). */
bool table_exists(const char *db, const char *ds, const char *table);
/* count(*) of "<ds>"."<table>"; -1 when the table (or db) does not exist. */
long count_rows(const char *db, const char *ds, const char *table);
/* Names of the entries of a directory (no dot entries), sorted, joined with '\n'; malloc'd. */
char *list_dir(const char *path);

/* CHECK_EQ_STR of a query result, freeing it. */
#define CHECK_Q(db, sql, expected)      \
  do {                                  \
    char *got_ = q((db), (sql));        \
    CHECK_EQ_STR(got_, (expected));     \
    free(got_);                         \
  } while (0)
#define CHECK_COLS(db, ds, table, expected) \
  do {                                      \
    char *got_ = cols((db), (ds), (table)); \
    CHECK_EQ_STR(got_, (expected));         \
    free(got_);                             \
  } while (0)

#endif
