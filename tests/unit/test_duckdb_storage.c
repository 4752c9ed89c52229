/* test_duckdb_storage.c — how the DuckDB destination holds its database file (real files):
 * the file is ATTACHed to an in-memory database under the catalog name DuckDB gives the file
 * itself, with no other catalog visible; row group size, threads and memory_limit come from the
 * configuration ([destination.duckdb], here through DESTINATION__DUCKDB__* environment variables);
 * a bulk load without a configured memory limit / thread count runs under ones sized from the
 * table (one thread) and restores DuckDB's defaults afterwards; loads bigger than one flush batch keep every row. */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "destinations/destination.h"
#include "load/sql_gen.h"

static cdlt_error err_storage;
static cdlt_error *err = &err_storage;
static cdlt_destination *dst;
static cdlt_rows rows;
static char tmp[4096];

static int exec(const char *s) { return dst->vtab->execute(dst, s, err); }
/* the single value of a one-row one-column query on d */
static const char *q1d(cdlt_destination *d, const char *s) {
  cdlt_rows_free(&rows);
  if (d->vtab->query(d, s, &rows, err)) {
    check_report(0, __FILE__, __LINE__, "query failed: %s: %s", s, err->msg);
    return "<error>";
  }
  return rows.nrows == 1 && rows.ncols == 1 ? cdlt_rows_get(&rows, 0, 0) : "<not one value>";
}
static const char *q1(const char *s) { return q1d(dst, s); }

static int open_db(const char *path, cdlt_destination **out) {
  cdlt_destination_config cfg = {.credentials = path, .pipeline_name = "storage_test"};
  return cdlt_destination_open(cdlt_destination_find("duckdb"), &cfg, out, err);
}

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* The catalog name DuckDB itself gives the file: ATTACH without AS in a plain in-memory database. */
static char *duckdb_own_name(const char *path) {
  cdlt_destination *mem = NULL;
  if (open_db(":memory:", &mem)) return NULL;
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  cdlt_buf_puts(&sql, "ATTACH ");
  cdlt_sql_string_literal(&sql, &cdlt_dialect_duckdb, path, strlen(path));
  cdlt_buf_puts(&sql, " (READ_ONLY)");
  char *name = NULL;
  if (mem->vtab->execute(mem, sql.data, err) == 0) {
    const char *n = q1d(mem, "SELECT database_name FROM duckdb_databases() WHERE NOT internal AND database_name <> 'memory'");
    name = strdup(n);
  } else {
    check_report(0, __FILE__, __LINE__, "attach failed: %s", err->msg);
  }
  cdlt_buf_release(&sql);
  cdlt_destination_close(mem);
  return name;
}

static void test_catalog_name(const char *file, const char *expected) {
  snprintf(tmp, sizeof tmp, "%s/%s", check_tmpdir(), file);
  char path[4096];
  snprintf(path, sizeof path, "%s", tmp);
  CHECK_OK(open_db(path, &dst), err);
  if (!dst) return;
  CHECK_EQ_STR(q1("SELECT current_database()"), expected);
  /* exactly the catalogs of a directly opened file: no in-memory catalog */
  char want[256];
  snprintf(want, sizeof want, "%s,system,temp", expected);
  CHECK_EQ_STR(q1("SELECT string_agg(database_name, ',' ORDER BY database_name) FROM duckdb_databases()"), want);
  CHECK_EQ_STR(q1("SELECT count(*) FROM information_schema.schemata WHERE catalog_name NOT IN "
                  "('system', 'temp', current_database())"),
               "0");
  CHECK_OK(exec("CREATE SCHEMA ds; CREATE TABLE ds.t (i BIGINT); INSERT INTO ds.t VALUES (1), (2)"), err);
  CHECK_EQ_STR(q1("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ds'"), "1");
  cdlt_rows_free(&rows);
  cdlt_destination_close(dst);
  dst = NULL;
  /* closing checkpointed the file: no WAL left, the data is in the file */
  char wal[4200];
  snprintf(wal, sizeof wal, "%s.wal", path);
  CHECK_MSG(!exists(wal), "%s exists", wal);
  if (strcmp(expected, "memory")) {   /* a plain in-memory database is itself named "memory" */
    char *own = duckdb_own_name(path);
    CHECK_EQ_STR(own, expected);
    free(own);
  }
  CHECK_OK(open_db(path, &dst), err);
  if (!dst) return;
  CHECK_EQ_STR(q1("SELECT sum(i) FROM ds.t"), "3");
  CHECK_EQ_STR(q1("SELECT current_database()"), expected);
  cdlt_rows_free(&rows);
  cdlt_destination_close(dst);
  dst = NULL;
}

static cdlt_column_def cols[] = {
    {.name = "id", .type = CDLT_TYPE_BIGINT, .nullable = false, .precision = -1, .scale = -1, .timezone = true},
    {.name = "t", .type = CDLT_TYPE_TEXT, .nullable = true, .precision = -1, .scale = -1, .timezone = true},
    {.name = "ts", .type = CDLT_TYPE_TIMESTAMP, .nullable = true, .precision = -1, .scale = -1, .timezone = true},
};
static cdlt_table_def table = {"rows", cols, 3, false};

/* n rows {"id": i, "t": <pad chars + i>, "ts": 2024-01-01 + i seconds} */
static void write_rows(const char *path, long n, size_t pad) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  char *p = malloc(pad + 1);
  memset(p, 'x', pad);
  p[pad] = 0;
  for (long i = 0; i < n; i++)
    fprintf(f, "{\"id\":%ld,\"t\":\"%s%ld\",\"ts\":\"2024-01-01T%02ld:%02ld:%02ld+00:00\"}\n", i, p, i,
            i / 3600 % 24, i / 60 % 60, i % 60);
  free(p);
  fclose(f);
}

static void create_table(void) {
  cdlt_buf sql;
  cdlt_buf_init(&sql);
  CHECK_OK(cdlt_sql_create_schema(&sql, &cdlt_dialect_duckdb, "ds", err), err);
  cdlt_buf_puts(&sql, ";\n");
  CHECK_OK(cdlt_sql_create_table(&sql, &cdlt_dialect_duckdb, "ds", &table, err), err);
  CHECK_OK(exec(sql.data), err);
  cdlt_buf_release(&sql);
}

static void test_row_groups_and_flushes(void) {
  /* 5000 rows of ~1 KiB: more than one 4 MiB flush batch, row groups of 2048 rows */
  setenv("DESTINATION__DUCKDB__ROW_GROUP_SIZE", "2048", 1);
  snprintf(tmp, sizeof tmp, "%s/rg.duckdb", check_tmpdir());
  char path[4096], job[4200];
  snprintf(path, sizeof path, "%s", tmp);
  snprintf(job, sizeof job, "%s/rows.jsonl", check_tmpdir());
  write_rows(job, 5000, 1000);
  CHECK_OK(open_db(path, &dst), err);
  unsetenv("DESTINATION__DUCKDB__ROW_GROUP_SIZE");
  if (!dst) return;
  create_table();
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_OK(dst->vtab->load_file(dst, "ds", &table, job, CDLT_FORMAT_JSONL, err), err);
  CHECK_OK(dst->vtab->commit(dst, err), err);
  CHECK_EQ_STR(q1("SELECT count(*) || ' ' || sum(id) || ' ' || count(DISTINCT id) FROM ds.rows"), "5000 12497500 5000");
  CHECK_EQ_STR(q1("SELECT count(*) FROM ds.rows WHERE length(t) = 1000 + length(id::VARCHAR) AND t LIKE 'xxx%' "
                  "AND ts = TIMESTAMP '2024-01-01' + to_seconds(id)"),
               "5000");
  CHECK_EQ_STR(q1("SELECT CAST(ts AS VARCHAR) FROM ds.rows WHERE id = 4999"), "2024-01-01 01:23:19+00");
  CHECK_EQ_STR(q1("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('ds.rows')"), "3");
  cdlt_rows_free(&rows);
  cdlt_destination_close(dst);
  dst = NULL;

  /* the default row group size: 16384 rows */
  snprintf(tmp, sizeof tmp, "%s/rg_default.duckdb", check_tmpdir());
  snprintf(path, sizeof path, "%s", tmp);
  snprintf(job, sizeof job, "%s/rows.jsonl", check_tmpdir());
  write_rows(job, 20000, 1);
  CHECK_OK(open_db(path, &dst), err);
  if (!dst) return;
  create_table();
  CHECK_OK(dst->vtab->begin(dst, err), err);
  CHECK_OK(dst->vtab->load_file(dst, "ds", &table, job, CDLT_FORMAT_JSONL, err), err);
  CHECK_OK(dst->vtab->commit(dst, err), err);
  CHECK_EQ_STR(q1("SELECT count(*) || ' ' || sum(id) FROM ds.rows"), "20000 199990000");
  CHECK_EQ_STR(q1("SELECT string_agg(n, ',' ORDER BY n DESC) FROM (SELECT row_group_id, max(count) AS n FROM "
                  "pragma_storage_info('ds.rows') WHERE column_name = 'id' GROUP BY ALL)"),
               "16384,3616");
  cdlt_rows_free(&rows);
  cdlt_destination_close(dst);
  dst = NULL;
}

static void test_settings(void) {
  snprintf(tmp, sizeof tmp, "%s/settings.duckdb", check_tmpdir());
  char path[4096], job[4200];
  snprintf(path, sizeof path, "%s", tmp);
  snprintf(job, sizeof job, "%s/rows.jsonl", check_tmpdir());
  write_rows(job, 100, 10);

  setenv("DESTINATION__DUCKDB__THREADS", "1", 1);
  setenv("DESTINATION__DUCKDB__MEMORY_LIMIT", "100MB", 1);
  CHECK_OK(open_db(path, &dst), err);
  if (dst) {
    CHECK_EQ_STR(q1("SELECT current_setting('threads')"), "1");
    CHECK_EQ_STR(q1("SELECT current_setting('memory_limit')"), "95.3 MiB");
    create_table();
    CHECK_OK(dst->vtab->load_file(dst, "ds", &table, job, CDLT_FORMAT_JSONL, err), err);
    CHECK_EQ_STR(q1("SELECT current_setting('memory_limit')"), "95.3 MiB");   /* a configured limit stays */
    cdlt_rows_free(&rows);
    cdlt_destination_close(dst);
    dst = NULL;
  }
  unsetenv("DESTINATION__DUCKDB__THREADS");
  unsetenv("DESTINATION__DUCKDB__MEMORY_LIMIT");

  /* no limit configured: DuckDB's default before and after a load */
  CHECK_OK(open_db(path, &dst), err);
  if (dst) {
    char *before = strdup(q1("SELECT current_setting('memory_limit') || ' ' || current_setting('threads')"));
    CHECK(strncmp(before, "95.3 MiB", 8) != 0);
    CHECK_OK(dst->vtab->begin(dst, err), err);
    CHECK_OK(dst->vtab->load_file(dst, "ds", &table, job, CDLT_FORMAT_JSONL, err), err);
    /* DuckDB's limit again (its text is rounded to 0.1: "18.8 GiB" may come back as "18.7 GiB"),
     * not the load's MiB-sized one, and its thread count */
    const char *after = q1("SELECT current_setting('memory_limit') || ' ' || current_setting('threads')");
    const char *bunit = strchr(before, ' '), *aunit = strchr(after, ' ');
    CHECK_MSG(bunit && aunit && strtol(before, NULL, 10) == strtol(after, NULL, 10) && !strcmp(bunit, aunit),
              "limit after a load: '%s', before: '%s'", after, before);
    CHECK_OK(dst->vtab->commit(dst, err), err);
    CHECK_EQ_STR(q1("SELECT count(*) FROM ds.rows"), "200");
    /* a load that fails inside its transaction: after the rollback DuckDB's limits are back too */
    char bad[4200];
    snprintf(bad, sizeof bad, "%s/bad.jsonl", check_tmpdir());
    FILE *bf = fopen(bad, "wb");
    CHECK(bf != NULL);
    if (bf) {
      /* a missing id: DuckDB's NOT NULL error aborts the transaction */
      fputs("{\"id\":1,\"t\":\"a\",\"ts\":\"2024-01-01T00:00:00+00:00\"}\n{\"t\":\"no id\"}\n", bf);
      fclose(bf);
    }
    CHECK_OK(dst->vtab->begin(dst, err), err);
    CHECK(dst->vtab->load_file(dst, "ds", &table, bad, CDLT_FORMAT_JSONL, err) != 0);
    CHECK_OK(dst->vtab->rollback(dst, err), err);
    after = q1("SELECT current_setting('memory_limit') || ' ' || current_setting('threads')");
    aunit = strchr(after, ' ');
    CHECK_MSG(bunit && aunit && strtol(before, NULL, 10) == strtol(after, NULL, 10) && !strcmp(bunit, aunit),
              "limit after a failed load and rollback: '%s', before: '%s'", after, before);
    CHECK_EQ_STR(q1("SELECT count(*) FROM ds.rows"), "200");
    free(before);
    cdlt_rows_free(&rows);
    cdlt_destination_close(dst);
    dst = NULL;
  }

  /* bad values: exact messages, nothing opened */
  struct {
    const char *key, *value, *msg;
  } bad[] = {
      {"DESTINATION__DUCKDB__THREADS", "0", "duckdb: setting 'threads' must be a whole number from 1 to 1024, not '0'"},
      {"DESTINATION__DUCKDB__THREADS", "two", "duckdb: setting 'threads' must be a whole number from 1 to 1024, not 'two'"},
      {"DESTINATION__DUCKDB__ROW_GROUP_SIZE", "1000",
       "duckdb: setting 'row_group_size' must be a multiple of 2048 (at least 2048), not '1000'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    setenv(bad[i].key, bad[i].value, 1);
    cdlt_destination *d = NULL;
    CHECK_EQ_INT(open_db(path, &d), CDLT_ERR_USAGE);
    CHECK(d == NULL);
    CHECK_EQ_STR(err->msg, bad[i].msg);
    unsetenv(bad[i].key);
  }
  setenv("DESTINATION__DUCKDB__MEMORY_LIMIT", "lots", 1);
  cdlt_destination *d = NULL;
  CHECK_EQ_INT(open_db(path, &d), CDLT_ERR_DESTINATION);
  CHECK_MSG(strstr(err->msg, "cannot open duckdb database '") && strstr(err->msg, "settings.duckdb") &&
                strstr(err->msg, "connection settings: ") && strstr(err->msg, "memory_limit"),
            "%s", err->msg);
  unsetenv("DESTINATION__DUCKDB__MEMORY_LIMIT");
}

static void test_locked_file(void) {
  /* a second instance cannot attach a file another open destination holds (DuckDB's file lock) */
  snprintf(tmp, sizeof tmp, "%s/locked.duckdb", check_tmpdir());
  char path[4096];
  snprintf(path, sizeof path, "%s", tmp);
  CHECK_OK(open_db(path, &dst), err);
  if (!dst) return;
  pid_t pid = fork();
  if (pid == 0) {
    cdlt_destination *d = NULL;
    int rc = open_db(path, &d);
    _exit(rc == CDLT_ERR_DESTINATION && strstr(err->msg, "cannot open duckdb database '") &&
                  strstr(err->msg, "lock")
              ? 0
              : 1);
  }
  int status = 0;
  CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
  CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
  cdlt_destination_close(dst);
  dst = NULL;
}

int main(void) {
  test_catalog_name("plain.duckdb", "plain");
  test_catalog_name("a.b-c.duckdb", "a");
  test_catalog_name("memory.duckdb", "memory");
  test_catalog_name("my data-1.db", "my data-1");
  test_row_groups_and_flushes();
  test_settings();
  test_locked_file();
  cdlt_rows_free(&rows);
  return check_finish();
}
