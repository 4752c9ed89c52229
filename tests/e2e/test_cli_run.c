/* test_cli_run.c — end-to-end tests of `cdlt run`: every test runs the real cdlt binary in a fresh
 * temp dir (DLT_DATA_DIR inside it, --credentials pointing at a DuckDB file inside it) and reads
 * back what was loaded through the library's DuckDB destination. Expected values follow dlt
 * (shared/spec/DLT_CONTRACT.md §3, §5, §6, §7.3, §14). */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "e2e.h"
#include "destinations/destination.h"


static int count_lines(const char *s) {
  if (!s || !*s) return 0;
  int n = 1;
  for (; *s; s++) n += *s == '\n';
  return n;
}

/* ---------------------------------------------------------------- 1. append twice */

static void test_append_twice(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "t.jsonl",
                             "{\"id\": 1, \"name\": \"a\", \"ts\": \"2024-01-01T10:00:00Z\", \"ok\": true, \"x\": 1.5}\n"
                             "{\"id\": 2, \"name\": \"b\", \"ts\": \"2024-02-01T10:00:00+02:00\", \"ok\": false, \"x\": 2}\n"
                             "{\"id\": 3, \"name\": null, \"ts\": \"2024-03-01T00:00:00.250000Z\"}\n");
  char *out = NULL;
  int rc = cdlt(&e, &out, "run '%s' --pipeline p1 --credentials '%s'", f, e.db);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(contains(out, "Normalized data for the following tables:\n") && contains(out, "- t: 3 row(s)\n"),
            "first run output: %s", out);
  CHECK_MSG(contains(out, "1 load package(s) were loaded to destination duckdb and into dataset p1_dataset\n"),
            "first run output: %s", out);
  CHECK_MSG(contains(out, "is LOADED and contains no failed jobs"), "first run output: %s", out);
  free(out);
  const char *ds = "p1_dataset";
  CHECK_COLS(e.db, ds, "t",
             "id BIGINT\nname VARCHAR\nts TIMESTAMP WITH TIME ZONE\nok BOOLEAN\nx DOUBLE\n_dlt_load_id VARCHAR\n"
             "_dlt_id VARCHAR");
  CHECK_EQ_INT(count_rows(e.db, ds, "t"), 3);
  CHECK_EQ_INT(count_rows(e.db, ds, "_dlt_pipeline_state"), 1);

  rc = cdlt(&e, &out, "run '%s' --pipeline p1 --credentials '%s'", f, e.db);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(contains(out, "- t: 3 row(s)\n"), "second run output: %s", out);
  free(out);

  CHECK_EQ_INT(count_rows(e.db, ds, "t"), 6);
  CHECK_Q(e.db, "SELECT id, name, ts, ok, x FROM p1_dataset.t ORDER BY id, _dlt_load_id",
          "1|a|2024-01-01T10:00:00+00:00|true|1.5\n"
          "1|a|2024-01-01T10:00:00+00:00|true|1.5\n"
          "2|b|2024-02-01T08:00:00+00:00|false|2.0\n"
          "2|b|2024-02-01T08:00:00+00:00|false|2.0\n"
          "3|NULL|2024-03-01T00:00:00.250000+00:00|NULL|NULL\n"
          "3|NULL|2024-03-01T00:00:00.250000+00:00|NULL|NULL");
  /* _dlt_id unique, 14 chars (10 random bytes, base64 without padding) */
  CHECK_Q(e.db, "SELECT count(DISTINCT _dlt_id), min(length(_dlt_id)), max(length(_dlt_id)) FROM p1_dataset.t",
          "6|14|14");

  /* internal tables, exact DDL column order (§4.5, §6.2) */
  CHECK_COLS(e.db, ds, "_dlt_loads",
             "load_id VARCHAR\nschema_name VARCHAR\nstatus BIGINT\ninserted_at TIMESTAMP WITH TIME ZONE\n"
             "schema_version_hash VARCHAR");
  CHECK_COLS(e.db, ds, "_dlt_version",
             "version BIGINT\nengine_version BIGINT\ninserted_at TIMESTAMP WITH TIME ZONE\nschema_name VARCHAR\n"
             "version_hash VARCHAR\nschema VARCHAR");
  CHECK_COLS(e.db, ds, "_dlt_pipeline_state",
             "version BIGINT\nengine_version BIGINT\npipeline_name VARCHAR\nstate VARCHAR\n"
             "created_at TIMESTAMP WITH TIME ZONE\nversion_hash VARCHAR\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");

  /* two loads, both status 0, named after the schema, each matching the rows' _dlt_load_id */
  CHECK_Q(e.db, "SELECT count(*), count(DISTINCT load_id), min(status), max(status), min(schema_name), "
                "max(schema_name) FROM p1_dataset._dlt_loads",
          "2|2|0|0|p1|p1");
  CHECK_Q(e.db, "SELECT l.load_id = t.lid FROM p1_dataset._dlt_loads l LEFT JOIN (SELECT _dlt_load_id lid, "
                "count(*) n FROM p1_dataset.t GROUP BY 1) t ON t.lid = l.load_id ORDER BY l.load_id",
          "true\ntrue");
  CHECK_Q(e.db, "SELECT n FROM (SELECT _dlt_load_id, count(*) n FROM p1_dataset.t GROUP BY 1 ORDER BY 1)", "3\n3");

  /* _dlt_version: one row per distinct schema version hash; the schema did not change in run 2 */
  CHECK_Q(e.db, "SELECT count(*), count(DISTINCT version_hash) FROM p1_dataset._dlt_version", "1|1");
  CHECK_Q(e.db, "SELECT count(DISTINCT schema_version_hash) FROM p1_dataset._dlt_loads", "1");
  CHECK_Q(e.db, "SELECT count(*) FROM p1_dataset._dlt_loads l JOIN p1_dataset._dlt_version v ON "
                "v.version_hash = l.schema_version_hash",
          "2");
  CHECK_Q(e.db, "SELECT engine_version, schema_name, starts_with(schema, '{') FROM p1_dataset._dlt_version",
          "11|p1|true");

  /* _dlt_pipeline_state: a row only when the state changed (§7.3) → only for the first load */
  CHECK_Q(e.db, "SELECT count(*) FROM p1_dataset._dlt_pipeline_state", "1");
  CHECK_Q(e.db, "SELECT s._dlt_load_id = (SELECT min(load_id) FROM p1_dataset._dlt_loads), s.version, "
                "s.engine_version, s.pipeline_name, starts_with(s.state, 'eNp') FROM p1_dataset._dlt_pipeline_state s",
          "true|1|4|p1|true");
  /* its version_hash is the local state's _version_hash */
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/p1/state.json", e.data);
  char *state = check_read_file(path, NULL);
  char *vh = q(e.db, "SELECT version_hash FROM p1_dataset._dlt_pipeline_state");
  char needle[256];
  snprintf(needle, sizeof needle, "\"_version_hash\":\"%s\"", vh ? vh : "?");
  CHECK_MSG(contains(state, needle), "state.json %s does not hold %s", state, needle);
  free(vh);
  free(state);
}

/* ---------------------------------------------------------------- 2. nested data */

static void test_nested(void) {
  env e;
  env_new(&e);
  const char *f = write_file(
      &e, "t.jsonl",
      "{\"id\": 1, \"list\": [\"a\", \"b\"], \"l\": [[1, 2], [3]], \"objs\": [{\"x\": 1, \"tags\": [\"p\"]}, {\"x\": 2}]}\n"
      "{\"id\": 2, \"list\": [], \"l\": [7, [8]], \"objs\": [{\"x\": 3}]}\n");
  cdlt_ok(&e, "run '%s' --pipeline nest --dataset ds --credentials '%s'", f, e.db);

  CHECK_COLS(e.db, "ds", "t", "id BIGINT\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_COLS(e.db, "ds", "t__list", "value VARCHAR\n_dlt_parent_id VARCHAR\n_dlt_list_idx BIGINT\n_dlt_id VARCHAR");
  /* first t__l row ({"list": [1,2]}) has no data column, value (from 7) is appended later */
  CHECK_COLS(e.db, "ds", "t__l", "_dlt_parent_id VARCHAR\n_dlt_list_idx BIGINT\n_dlt_id VARCHAR\nvalue BIGINT");
  CHECK_COLS(e.db, "ds", "t__l__list", "value BIGINT\n_dlt_parent_id VARCHAR\n_dlt_list_idx BIGINT\n_dlt_id VARCHAR");
  CHECK_COLS(e.db, "ds", "t__objs", "x BIGINT\n_dlt_parent_id VARCHAR\n_dlt_list_idx BIGINT\n_dlt_id VARCHAR");
  CHECK_COLS(e.db, "ds", "t__objs__tags",
             "value VARCHAR\n_dlt_parent_id VARCHAR\n_dlt_list_idx BIGINT\n_dlt_id VARCHAR");

  /* rows with their parents */
  CHECK_Q(e.db, "SELECT p.id, c._dlt_list_idx, c.value FROM ds.t__list c JOIN ds.t p ON c._dlt_parent_id = p._dlt_id "
                "ORDER BY 1, 2",
          "1|0|a\n1|1|b");
  CHECK_Q(e.db, "SELECT p.id, c._dlt_list_idx, c.value FROM ds.t__l c JOIN ds.t p ON c._dlt_parent_id = p._dlt_id "
                "ORDER BY 1, 2",
          "1|0|NULL\n1|1|NULL\n2|0|7\n2|1|NULL");
  CHECK_Q(e.db, "SELECT p.id, l._dlt_list_idx, c._dlt_list_idx, c.value FROM ds.t__l__list c JOIN ds.t__l l ON "
                "c._dlt_parent_id = l._dlt_id JOIN ds.t p ON l._dlt_parent_id = p._dlt_id ORDER BY 1, 2, 3",
          "1|0|0|1\n1|0|1|2\n1|1|0|3\n2|1|0|8");
  CHECK_Q(e.db, "SELECT p.id, c._dlt_list_idx, c.x FROM ds.t__objs c JOIN ds.t p ON c._dlt_parent_id = p._dlt_id "
                "ORDER BY 1, 2",
          "1|0|1\n1|1|2\n2|0|3");
  CHECK_Q(e.db, "SELECT o.x, c._dlt_list_idx, c.value FROM ds.t__objs__tags c JOIN ds.t__objs o ON "
                "c._dlt_parent_id = o._dlt_id ORDER BY 1, 2",
          "1|0|p");

  /* every child row links to an existing parent; no orphans, ids unique */
  static const char *const pairs[][2] = {
      {"t__list", "t"}, {"t__l", "t"}, {"t__l__list", "t__l"}, {"t__objs", "t"}, {"t__objs__tags", "t__objs"}};
  for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FILTER (WHERE p._dlt_id IS NULL), count(DISTINCT c._dlt_id) = count(*) FROM "
             "ds.\"%s\" c LEFT JOIN ds.\"%s\" p ON c._dlt_parent_id = p._dlt_id",
             pairs[k][0], pairs[k][1]);
    char *got = q(e.db, sql);
    CHECK_MSG(got && !strcmp(got, "0|true"), "%s → %s: %s", pairs[k][0], pairs[k][1], got);
    free(got);
  }
  /* _dlt_load_id only on the root, equal to the load id */
  CHECK_Q(e.db, "SELECT table_name FROM information_schema.columns WHERE table_schema = 'ds' AND "
                "column_name = '_dlt_load_id' AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\' ORDER BY 1",
          "t");
  CHECK_Q(e.db, "SELECT count(*) FROM ds.t JOIN ds._dlt_loads l ON l.load_id = t._dlt_load_id", "2");
  /* the empty list of row 2 yields nothing; t__list has only row 1's elements */
  CHECK_EQ_INT(count_rows(e.db, "ds", "t__list"), 2);
}

/* The repository's example file: flattening order, variants, coercion, nested tables (§3.1, §3.6). */
static void test_example_users(void) {
  env e;
  env_new(&e);
  char *out = NULL;
  int rc = cdlt(&e, &out, "run '%s/examples/users.jsonl' --pipeline quickstart --credentials '%s'", check_source_dir(),
                e.db);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(contains(out, "- users: 4 row(s)\n- users__pets: 4 row(s)\n- users__tags: 2 row(s)\n"
                          "- users__pets__vaccinated: 2 row(s)\n"),
            "output: %s", out);
  free(out);
  const char *ds = "quickstart_dataset";
  CHECK_COLS(e.db, ds, "users",
             "id BIGINT\nname VARCHAR\ncreated_at TIMESTAMP WITH TIME ZONE\nscore DOUBLE\nactive BOOLEAN\n"
             "address__city VARCHAR\naddress__zip VARCHAR\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR\n"
             "score__v_text VARCHAR\nnickname VARCHAR");
  CHECK_COLS(e.db, ds, "users__pets",
             "name VARCHAR\nkind VARCHAR\n_dlt_parent_id VARCHAR\n_dlt_list_idx BIGINT\n_dlt_id VARCHAR\nage BIGINT");
  CHECK_COLS(e.db, ds, "users__tags", "value VARCHAR\n_dlt_parent_id VARCHAR\n_dlt_list_idx BIGINT\n_dlt_id VARCHAR");
  CHECK_COLS(e.db, ds, "users__pets__vaccinated",
             "value VARCHAR\n_dlt_parent_id VARCHAR\n_dlt_list_idx BIGINT\n_dlt_id VARCHAR");
  CHECK_Q(e.db, "SELECT * EXCLUDE (_dlt_load_id, _dlt_id) FROM quickstart_dataset.users ORDER BY id",
          "1|Alice|2024-01-01T10:00:00+00:00|9.5|true|Berlin|10115|NULL|NULL\n"
          "2|Bob|2024-02-01T08:00:00+00:00|7.0|false|Paris|NULL|NULL|NULL\n"
          "3|Chandra|2024-03-15T08:30:00+00:00|NULL|true|Pune|411001|n/a|NULL\n"
          "4|Dana|2024-04-01T12:00:00.250000+00:00|8.25|NULL|NULL|NULL|NULL|D");
  CHECK_Q(e.db, "SELECT p.id, c._dlt_list_idx, c.name, c.kind, c.age FROM quickstart_dataset.users__pets c JOIN "
                "quickstart_dataset.users p ON p._dlt_id = c._dlt_parent_id ORDER BY 1, 2",
          "1|0|Rex|dog|NULL\n1|1|Tom|cat|NULL\n3|0|Mitthu|parrot|2\n4|0|Bolt|dog|NULL");
  CHECK_Q(e.db, "SELECT p.id, c._dlt_list_idx, c.value FROM quickstart_dataset.users__tags c JOIN "
                "quickstart_dataset.users p ON p._dlt_id = c._dlt_parent_id ORDER BY 1, 2",
          "1|0|admin\n1|1|early");
  CHECK_Q(e.db, "SELECT p.name, c._dlt_list_idx, c.value FROM quickstart_dataset.users__pets__vaccinated c JOIN "
                "quickstart_dataset.users__pets p ON p._dlt_id = c._dlt_parent_id ORDER BY 1, 2",
          "Bolt|0|rabies\nBolt|1|parvo");
}

/* A _dlt_id present in the item is kept; child ids are digest128("<pid>_<table>_<idx>") (§3.2, §3.3). */
static void test_child_ids(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "users.jsonl", "{\"_dlt_id\": \"SB/mvsew9rzxPA\", \"pets\": [{\"name\": \"Rex\"}]}\n");
  cdlt_ok(&e, "run '%s' --pipeline ids --credentials '%s'", f, e.db);
  CHECK_Q(e.db, "SELECT _dlt_id FROM ids_dataset.users", "SB/mvsew9rzxPA");
  CHECK_Q(e.db, "SELECT name, _dlt_parent_id, _dlt_list_idx, _dlt_id FROM ids_dataset.users__pets",
          "Rex|SB/mvsew9rzxPA|0|7GZrBRW/typaiw");
}

/* ---------------------------------------------------------------- 3. schema evolution */

static void test_schema_evolution(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "a.jsonl", "{\"id\": 1, \"n\": 10}\n{\"id\": 2, \"n\": 20}\n");
  cdlt_ok(&e, "run '%s' --pipeline evo --table t --credentials '%s'", f1, e.db);
  CHECK_COLS(e.db, "evo_dataset", "t", "id BIGINT\nn BIGINT\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");

  const char *f2 = write_file(&e, "b.jsonl",
                              "{\"id\": 3, \"n\": \"abc\", \"extra\": \"x\"}\n"
                              "{\"id\": 4, \"n\": \"12\"}\n"
                              "{\"id\": 5, \"n\": 40, \"extra\": \"y\"}\n");
  cdlt_ok(&e, "run '%s' --pipeline evo --table t --credentials '%s'", f2, e.db);
  /* the variant column comes first (it appears before `extra` in the row), both appended at the end */
  CHECK_COLS(e.db, "evo_dataset", "t",
             "id BIGINT\nn BIGINT\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR\nn__v_text VARCHAR\nextra VARCHAR");
  CHECK_Q(e.db, "SELECT id, n, n__v_text, extra FROM evo_dataset.t ORDER BY id",
          "1|10|NULL|NULL\n2|20|NULL|NULL\n3|NULL|abc|x\n4|12|NULL|NULL\n5|40|NULL|y");
  /* two schema versions → two _dlt_version rows, each load points at its own */
  CHECK_Q(e.db, "SELECT count(*), count(DISTINCT version_hash) FROM evo_dataset._dlt_version", "2|2");
  CHECK_Q(e.db, "SELECT count(DISTINCT l.schema_version_hash) FROM evo_dataset._dlt_loads l JOIN "
                "evo_dataset._dlt_version v ON v.version_hash = l.schema_version_hash",
          "2");

  /* the schema file records the variant */
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/evo/schemas/evo.schema.json", e.data);
  char *schema = check_read_file(path, NULL);
  CHECK_MSG(contains(schema, "\"n__v_text\"") && contains(schema, "\"variant\": true"), "schema: %s",
            schema ? schema : "(missing)");
  free(schema);
}

/* ---------------------------------------------------------------- 4. replace */

static void test_replace(void) {
  env e;
  env_new(&e);
  const char *f1 = write_file(&e, "r1.jsonl", "{\"id\": 1, \"c\": [1, 2]}\n{\"id\": 2, \"c\": [3]}\n");
  cdlt_ok(&e, "run '%s' --pipeline rep --table t --write-disposition replace --credentials '%s'", f1, e.db);
  CHECK_Q(e.db, "SELECT id FROM rep_dataset.t ORDER BY id", "1\n2");
  CHECK_Q(e.db, "SELECT value FROM rep_dataset.t__c ORDER BY value", "1\n2\n3");

  const char *f2 = write_file(&e, "r2.jsonl", "{\"id\": 3, \"c\": [4]}\n");
  cdlt_ok(&e, "run '%s' --pipeline rep --table t --write-disposition replace --credentials '%s'", f2, e.db);
  CHECK_Q(e.db, "SELECT id FROM rep_dataset.t ORDER BY id", "3");
  CHECK_Q(e.db, "SELECT c.value, p.id FROM rep_dataset.t__c c JOIN rep_dataset.t p ON c._dlt_parent_id = p._dlt_id",
          "4|3");
  CHECK_EQ_INT(count_rows(e.db, "rep_dataset", "t__c"), 1);

  /* a replace run that yields nothing empties the root and its child tables */
  const char *f3 = write_file(&e, "r3.jsonl", "");
  cdlt_ok(&e, "run '%s' --pipeline rep --table t --write-disposition replace --credentials '%s'", f3, e.db);
  CHECK_EQ_INT(count_rows(e.db, "rep_dataset", "t"), 0);
  CHECK_EQ_INT(count_rows(e.db, "rep_dataset", "t__c"), 0);
  CHECK_Q(e.db, "SELECT count(*), max(status) FROM rep_dataset._dlt_loads", "3|0");

  /* append after replace adds to what is there */
  cdlt_ok(&e, "run '%s' --pipeline rep --table t --credentials '%s'", f2, e.db);
  cdlt_ok(&e, "run '%s' --pipeline rep --table t --credentials '%s'", f2, e.db);
  CHECK_EQ_INT(count_rows(e.db, "rep_dataset", "t"), 2);
  CHECK_EQ_INT(count_rows(e.db, "rep_dataset", "t__c"), 2);
}

/* ---------------------------------------------------------------- 5. input formats */

static void test_inputs(void) {
  env e;
  env_new(&e);
  const char *rows = "1|a|x\n2|b|NULL\n3|c|NULL";
  write_file(&e, "lines.jsonl", "{\"id\":1,\"name\":\"a\",\"o\":{\"k\":\"x\"}}\n\n{\"id\":2,\"name\":\"b\"}\r\n"
                                "  {\"id\":3,\"name\":\"c\"}");
  write_file(&e, "arr.json", "[\n  {\"id\": 1, \"name\": \"a\", \"o\": {\"k\": \"x\"}},\n  {\"id\": 2, \"name\": \"b\"},\n"
                             "  {\"id\": 3, \"name\": \"c\"}\n]\n");
  write_file(&e, "one.json", "{\n  \"id\": 1,\n  \"name\": \"a\",\n  \"o\": {\"k\": \"x\"}\n}\n");
  char *out = NULL;
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "cd '%s' && cp lines.jsonl gz.jsonl && gzip gz.jsonl && cp arr.json arr2.json && "
                            "gzip arr2.json && ls gz.jsonl.gz arr2.json.gz", e.dir);
  CHECK_EQ_INT(check_run(cmd, &out), 0);
  free(out);

  cdlt_ok(&e, "run lines.jsonl --pipeline inp --credentials '%s'", e.db);
  cdlt_ok(&e, "run arr.json --pipeline inp --credentials '%s'", e.db);
  cdlt_ok(&e, "run one.json --pipeline inp --credentials '%s'", e.db);
  cdlt_ok(&e, "run gz.jsonl.gz --pipeline inp --credentials '%s'", e.db);
  cdlt_ok(&e, "run arr2.json.gz --pipeline inp --credentials '%s'", e.db);
  /* stdin */
  int rc = cdlt(&e, &out, "run - --table sin --pipeline inp --credentials '%s' < lines.jsonl", e.db);
  CHECK_MSG(rc == 0, "stdin run exited %d: %s", rc, out);
  free(out);
  rc = cdlt(&e, &out, "run - --table sin2 --pipeline inp --credentials '%s' < arr.json", e.db);
  CHECK_MSG(rc == 0, "stdin array run exited %d: %s", rc, out);
  free(out);
  snprintf(cmd, sizeof cmd, "cd '%s' && cat lines.jsonl | DLT_DATA_DIR='%s' '%s' run - --table piped --pipeline inp "
                            "--credentials '%s'", e.dir, e.data, check_cdlt_bin(), e.db);
  rc = check_run(cmd, &out);
  CHECK_MSG(rc == 0, "piped run exited %d: %s", rc, out);
  free(out);

  static const char *const tables[] = {"lines", "arr", "gz", "arr2", "sin", "sin2", "piped"};
  for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT id, name, o__k FROM inp_dataset.\"%s\" ORDER BY id", tables[k]);
    char *got = q(e.db, sql);
    CHECK_MSG(got && !strcmp(got, rows), "table %s: \"%s\"", tables[k], got);
    free(got);
    char *c = cols(e.db, "inp_dataset", tables[k]);
    CHECK_MSG(c && !strcmp(c, "id BIGINT\nname VARCHAR\no__k VARCHAR\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR"),
              "columns of %s: %s", tables[k], c);
    free(c);
  }
  CHECK_Q(e.db, "SELECT id, name, o__k FROM inp_dataset.one", "1|a|x");
  CHECK_Q(e.db, "SELECT count(*), max(status) FROM inp_dataset._dlt_loads", "8|0");

  /* several files for the same table in one run */
  cdlt_ok(&e, "run lines.jsonl arr.json gz.jsonl.gz --table multi --pipeline inp --credentials '%s'", e.db);
  CHECK_EQ_INT(count_rows(e.db, "inp_dataset", "multi"), 9);
}

/* ---------------------------------------------------------------- 6. bad input */

/* One bad-input case: on a fresh pipeline the bad run loads nothing, a good run works, the bad run
 * again leaves the table and _dlt_loads unchanged, and a following good run works. */
static void bad_case(const char *label, const char *bad_name, const char *bad_content, const char *expected_msg) {
  env e;
  env_new(&e);
  char bad[1024];
  if (bad_content) snprintf(bad, sizeof bad, "%s", write_file(&e, bad_name, bad_content));
  else snprintf(bad, sizeof bad, "%s/%s", e.dir, bad_name);
  const char *good = write_file(&e, "good.jsonl", "{\"a\": 1}\n{\"a\": 2}\n");
  char *out = NULL;
  char msg[2048];
  snprintf(msg, sizeof msg, expected_msg, bad);

  /* fresh pipeline */
  int rc = cdlt(&e, &out, "run '%s' --pipeline bad --table t --credentials '%s'", bad, e.db);
  CHECK_MSG(rc == 1, "[%s] fresh bad run exit %d", label, rc);
  CHECK_MSG(contains(out, msg), "[%s] expected \"%s\" in output:\n%s", label, msg, out);
  free(out);
  CHECK_MSG(!table_exists(e.db, "bad_dataset", "t"), "[%s] table t exists after a failed first run", label);
  CHECK_MSG(!table_exists(e.db, "bad_dataset", "_dlt_loads"), "[%s] _dlt_loads exists after a failed run", label);

  rc = cdlt(&e, &out, "run '%s' --pipeline bad --table t --credentials '%s'", good, e.db);
  CHECK_MSG(rc == 0, "[%s] good run after bad exit %d: %s", label, rc, out);
  CHECK_MSG(!contains(out, "Pending"), "[%s] a pending package was left by the bad run:\n%s", label, out);
  free(out);
  CHECK_EQ_INT(count_rows(e.db, "bad_dataset", "t"), 2);
  CHECK_EQ_INT(count_rows(e.db, "bad_dataset", "_dlt_loads"), 1);

  /* existing pipeline */
  rc = cdlt(&e, &out, "run '%s' --pipeline bad --table t --credentials '%s'", bad, e.db);
  CHECK_MSG(rc == 1, "[%s] second bad run exit %d", label, rc);
  CHECK_MSG(contains(out, msg), "[%s] expected \"%s\" in output:\n%s", label, msg, out);
  free(out);
  CHECK_EQ_INT(count_rows(e.db, "bad_dataset", "t"), 2);
  CHECK_EQ_INT(count_rows(e.db, "bad_dataset", "_dlt_loads"), 1);

  rc = cdlt(&e, &out, "run '%s' --pipeline bad --table t --credentials '%s'", good, e.db);
  CHECK_MSG(rc == 0, "[%s] good run after second bad exit %d: %s", label, rc, out);
  CHECK_MSG(!contains(out, "Pending"), "[%s] a pending package was left by the bad run:\n%s", label, out);
  free(out);
  CHECK_EQ_INT(count_rows(e.db, "bad_dataset", "t"), 4);
  CHECK_EQ_INT(count_rows(e.db, "bad_dataset", "_dlt_loads"), 2);
  /* no package left behind in extracted / normalized */
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/bad/normalize/extracted", e.data);
  char *l = list_dir(path);
  CHECK_MSG(l && !*l, "[%s] extracted packages left: %s", label, l);
  free(l);
  snprintf(path, sizeof path, "%s/pipelines/bad/load/normalized", e.data);
  l = list_dir(path);
  CHECK_MSG(l && !*l, "[%s] normalized packages left: %s", label, l);
  free(l);
}

static void test_bad_input(void) {
  bad_case("malformed line", "m.jsonl", "{\"a\":1}\n{\"a\":2}\n{\"a\": 3,, }\n{\"a\":4}\n",
           "invalid JSON in '%s' at line 3, column 9");
  bad_case("truncated", "tr.jsonl", "{\"a\":1}\n{\"a\":2", "invalid JSON in '%s' at line 2, column 7");
  bad_case("truncated array", "tr.json", "[{\"a\":1},\n {\"a\":2}", "invalid JSON in '%s' at line 2, column 9");
  bad_case("bare number", "num.jsonl", "{\"a\":1}\n{\"a\":2}\n  42\n", "item in '%s' at line 3, column 3");
  bad_case("bare string", "str.jsonl", "{\"a\":1}\n\"str\"\n", "item in '%s' at line 2, column 1");
  bad_case("number in array", "arr.json", "[{\"a\":1},\n   5]", "item in '%s' at line 2, column 4");
  bad_case("missing file", "nope.jsonl", NULL, "cannot open '%s'");
  /* the kind of the non-object item is named */
  env e;
  env_new(&e);
  const char *f = write_file(&e, "n.jsonl", "7\n");
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline b2 --credentials '%s'", f, e.db), 1);
  CHECK_MSG(contains(out, "is a number, not a JSON object"), "output: %s", out);
  free(out);
  /* a bad file among good ones: nothing of the run is loaded */
  const char *g = write_file(&e, "g.jsonl", "{\"a\":1}\n");
  f = write_file(&e, "b.jsonl", "{\"a\":1}\n{\n");
  CHECK_EQ_INT(cdlt(&e, &out, "run g.jsonl b.jsonl --table t --pipeline b3 --credentials '%s'", e.db), 1);
  free(out);
  (void)g;
  CHECK_MSG(!table_exists(e.db, "b3_dataset", "t"), "%s", "table t exists after a failed multi-file run");
}

static void test_usage(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "u.jsonl", "{\"a\":1}\n");
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s'", f), 2);
  CHECK_MSG(contains(out, "--pipeline is required"), "output: %s", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline u --bogus", f), 2);
  CHECK_MSG(contains(out, "unknown option '--bogus'"), "output: %s", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "run --pipeline u"), 2);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline", f), 2);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline u --write-disposition bogus", f), 2);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "run - --pipeline u < '%s'", f), 2);
  CHECK_MSG(contains(out, "--table is required"), "output: %s", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "frobnicate"), 2);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "%s", ""), 2);
  free(out);
  CHECK_MSG(!file_exists(e.db), "%s", "usage errors must not create the database");
  snprintf(e.db, sizeof e.db, "%s/u.duckdb", e.dir);
  CHECK_MSG(!file_exists(e.db), "%s", "usage errors must not create the database");

  CHECK_EQ_INT(cdlt(&e, &out, "--version"), 0);
  CHECK_MSG(out && !strncmp(out, "cdlt ", 5) && out[5] >= '0' && out[5] <= '9' && count_lines(out) == 2 &&
                out[strlen(out) - 1] == '\n',
            "--version: \"%s\"", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "--help"), 0);
  CHECK_MSG(contains(out, "run"), "--help: %s", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "run --help"), 0);
  CHECK_MSG(contains(out, "--pipeline") && contains(out, "--write-disposition"), "run --help: %s", out);
  free(out);
}

/* ---------------------------------------------------------------- 7. defaults */

static void test_defaults(void) {
  env e;
  env_new(&e);
  write_file(&e, "users.jsonl", "{\"id\": 1}\n{\"id\": 2}\n");
  write_file(&e, "events.json", "[{\"e\": \"x\"}]");
  char *out = NULL;
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "cd '%s' && gzip events.json", e.dir);
  CHECK_EQ_INT(check_run(cmd, &out), 0);
  free(out);

  int rc = cdlt(&e, &out, "run users.jsonl --pipeline defs");
  CHECK_EQ_INT(rc, 0);
  char loc[1024];
  snprintf(loc, sizeof loc, "The duckdb destination used duckdb:///%s/defs.duckdb location to store data", e.dir);
  CHECK_MSG(contains(out, loc), "expected \"%s\" in:\n%s", loc, out);
  CHECK_MSG(contains(out, "into dataset defs_dataset\n"), "output: %s", out);
  free(out);
  cdlt_ok(&e, "run events.json.gz --pipeline defs");

  char db[1024];
  snprintf(db, sizeof db, "%s/defs.duckdb", e.dir);
  CHECK(file_exists(db));
  CHECK_Q(db, "SELECT id FROM defs_dataset.users ORDER BY id", "1\n2");
  CHECK_Q(db, "SELECT e FROM defs_dataset.events", "x");
  CHECK_Q(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'defs_dataset' ORDER BY 1",
          "_dlt_loads\n_dlt_pipeline_state\n_dlt_version\nevents\nusers");

  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/defs/state.json", e.data);
  char *state = check_read_file(path, NULL);
  CHECK_MSG(contains(state, "\"pipeline_name\":\"defs\"") && contains(state, "\"dataset_name\":\"defs_dataset\""),
            "state.json: %s", state ? state : "(missing)");
  free(state);
  snprintf(path, sizeof path, "%s/pipelines/defs/schemas/defs.schema.json", e.data);
  char *schema = check_read_file(path, NULL);
  CHECK_MSG(contains(schema, "\"name\": \"defs\"") && contains(schema, "\"users\"") && contains(schema, "\"events\""),
            "schema: %s", schema ? schema : "(missing)");
  free(schema);

  /* one loaded package per run, named by the load ids recorded in _dlt_loads */
  snprintf(path, sizeof path, "%s/pipelines/defs/load/loaded", e.data);
  char *loaded = list_dir(path);
  char *ids = q(db, "SELECT load_id FROM defs_dataset._dlt_loads ORDER BY load_id");
  CHECK_EQ_STR(loaded, ids);
  CHECK_EQ_INT(count_lines(loaded), 2);
  free(ids);
  if (loaded && *loaded) {
    char first[64];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(loaded, "\n"), loaded);
    snprintf(path, sizeof path, "%s/pipelines/defs/load/loaded/%s/package_completed.json", e.data, first);
    char *pc = check_read_file(path, NULL);
    CHECK_EQ_STR(pc, "loaded");
    free(pc);
    snprintf(path, sizeof path, "%s/pipelines/defs/load/loaded/%s/completed_jobs", e.data, first);
    char *jobs = list_dir(path);
    CHECK_MSG(contains(jobs, "users."), "completed jobs: %s", jobs);
    free(jobs);
  }
  free(loaded);

  /* --pipelines-dir overrides DLT_DATA_DIR */
  snprintf(path, sizeof path, "%s/other", e.dir);
  cdlt_ok(&e, "run users.jsonl --pipeline pd --pipelines-dir '%s'", path);
  snprintf(path, sizeof path, "%s/other/pd/state.json", e.dir);
  CHECK(file_exists(path));
  snprintf(path, sizeof path, "%s/pipelines/pd", e.data);
  CHECK(!file_exists(path));
}

/* ---------------------------------------------------------------- 8. resume */

static void test_resume(void) {
  env e;
  env_new(&e);
  const char *a = write_file(&e, "a.jsonl", "{\"n\": 1}\n{\"n\": 2}\n");
  cdlt_ok(&e, "run '%s' --pipeline res --table t --credentials '%s'", a, e.db);
  CHECK_EQ_INT(count_rows(e.db, "res_dataset", "t"), 2);

  /* make the load step fail after extract+normalize, inside the load transaction: an injected
   * error at the named fault point just before the commit */
  const char *b = write_file(&e, "b.jsonl", "{\"n\": 3}\n{\"n\": 4}\n{\"n\": 5}\n");
  setenv("CDLT_FAULT_POINT", "load.before_commit", 1);
  setenv("CDLT_FAULT_MODE", "error", 1);
  char *out = NULL;
  int rc = cdlt(&e, &out, "run '%s' --pipeline res --table t --credentials '%s'", b, e.db);
  unsetenv("CDLT_FAULT_POINT");
  unsetenv("CDLT_FAULT_MODE");
  CHECK_MSG(rc == 1 && contains(out, "injected fault at 'load.before_commit'"), "failed load exit %d: %s", rc, out);
  free(out);

  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/res/load/normalized", e.data);
  char *pending = list_dir(path);
  CHECK_EQ_INT(count_lines(pending), 1);
  CHECK_EQ_INT(count_rows(e.db, "res_dataset", "t"), 2);
  CHECK_EQ_INT(count_rows(e.db, "res_dataset", "_dlt_loads"), 1);

  /* next run: the pending package is loaded, the new file is NOT extracted */
  const char *c = write_file(&e, "c.jsonl", "{\"n\": 6}\n");
  rc = cdlt(&e, &out, "run '%s' --pipeline res --table t --credentials '%s'", c, e.db);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(contains(out, "Pending load packages from an interrupted run were loaded first; the given files were "
                          "NOT extracted."),
            "output: %s", out);
  if (pending && *pending) {
    char line[128];
    snprintf(line, sizeof line, "Load package %s is LOADED", pending);
    CHECK_MSG(contains(out, line), "expected \"%s\" in:\n%s", line, out);
  }
  free(out);
  CHECK_Q(e.db, "SELECT n FROM res_dataset.t ORDER BY n", "1\n2\n3\n4\n5");
  CHECK_EQ_INT(count_rows(e.db, "res_dataset", "_dlt_loads"), 2);
  if (pending && *pending) {
    char sql[256], exp[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM res_dataset.t WHERE _dlt_load_id = '%s'", pending);
    CHECK_Q(e.db, sql, "3");
    snprintf(sql, sizeof sql, "SELECT max(load_id) FROM res_dataset._dlt_loads");
    snprintf(exp, sizeof exp, "%s", pending);
    CHECK_Q(e.db, sql, exp);
  }
  free(pending);
  pending = list_dir(path);
  CHECK_EQ_STR(pending, "");
  free(pending);

  /* third run loads the new file */
  rc = cdlt(&e, &out, "run '%s' --pipeline res --table t --credentials '%s'", c, e.db);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(!contains(out, "Pending"), "output: %s", out);
  free(out);
  CHECK_Q(e.db, "SELECT n FROM res_dataset.t ORDER BY n", "1\n2\n3\n4\n5\n6");
  CHECK_EQ_INT(count_rows(e.db, "res_dataset", "_dlt_loads"), 3);
}

int main(void) {
  test_append_twice();
  test_nested();
  test_example_users();
  test_child_ids();
  test_schema_evolution();
  test_replace();
  test_inputs();
  test_bad_input();
  test_usage();
  test_defaults();
  test_resume();
  return check_finish();
}
