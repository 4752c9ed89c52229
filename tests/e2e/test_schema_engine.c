/* test_schema_engine.c — end-to-end tests of the schema engine through `cdlt run` and a real
 * DuckDB file (DLT_CONTRACT §1-§4, §8.6, §10): resource hints as dlt stores them (checked against
 * the schema dlt wrote for the same resources, bit for bit), naming conventions, detections,
 * column hints and DDL, nesting limits, schema contracts, evolution across runs, and input shapes
 * of real APIs (event logs with changing types, deep nesting with long names, wide records). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "e2e.h"
#include "json/json.h"
#include "schema/schema.h"

/* the live schema of pipeline `name` in env e */
static cdlt_schema *live_schema(const env *e, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/pipelines/%s/schemas/%s.schema.json", e->data, name, name);
  cdlt_schema *s = NULL;
  cdlt_error err = {0};
  CHECK_OK(cdlt_schema_load_file(path, &s, &err), &err);
  return s;
}

/* compact JSON of a table of the schema (key order as stored) */
static char *table_json(const cdlt_schema *s, const char *table) {
  cdlt_table *t = s ? cdlt_schema_table(s, table) : NULL;
  if (!t) return strdup("(missing)");
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_json_write(&b, t->json, 0);
  return cdlt_buf_detach(&b);
}

/* ------------------------------------------------ hints stored exactly as dlt stores them */

static void test_hints_match_dlt(void) {
  env e;
  env_new(&e);
  /* the resources of shared/spec/golden/postgres_log__p4__input_script.py.txt, run 1 */
  const char *dim = write_file(&e, "dim.json", "[{\"id\": 1, \"name\": \"a\", \"tags\": [\"x\", \"y\"]}, {\"id\": 2, \"name\": \"b\"}]");
  const char *ups = write_file(&e, "ups.json", "[{\"id\": 1, \"name\": \"a\", \"items\": [{\"k\": 1}, {\"k\": 2}]}, {\"id\": 2, \"name\": \"b\"}]");
  const char *hd = write_file(&e, "hd.json",
                              "[{\"id\": 1, \"seq\": 1, \"name\": \"a\", \"deleted\": false}, {\"id\": 1, \"seq\": 2, \"name\": "
                              "\"a2\", \"deleted\": false}, {\"id\": 2, \"seq\": 1, \"name\": \"b\", \"deleted\": false}]");
  cdlt_ok(&e, "run '%s' --pipeline p4 --dataset p4_data --credentials '%s' --write-disposition merge --merge-strategy scd2", dim, e.db);
  cdlt_ok(&e, "run '%s' --pipeline p4 --dataset p4_data --credentials '%s' --write-disposition merge --merge-strategy upsert "
          "--primary-key id", ups, e.db);
  cdlt_ok(&e, "run '%s' --pipeline p4 --dataset p4_data --credentials '%s' --write-disposition merge --primary-key id "
          "--dedup-sort seq:desc --hard-delete deleted", hd, e.db);

  char path[1024];
  snprintf(path, sizeof path, "%s/spec/golden/duckdb_ddl_and_merge_sql__scd2_upsert_harddelete.input_schema.json",
           check_shared_dir());
  cdlt_schema *gold = NULL;
  cdlt_error err = {0};
  CHECK_OK(cdlt_schema_load_file(path, &gold, &err), &err);
  cdlt_schema *ours = live_schema(&e, "p4");
  if (!gold || !ours) return;
  static const char *const tables[] = {"dim", "ups", "hd", "dim__tags", "ups__items", "_dlt_pipeline_state",
                                       "_dlt_version", "_dlt_loads", NULL};
  for (const char *const *t = tables; *t; t++) {
    char *a = table_json(ours, *t), *b = table_json(gold, *t);
    CHECK_MSG(!strcmp(a, b), "table %s differs from dlt's:\n ours %s\n dlt  %s", *t, a, b);
    free(a);
    free(b);
  }
  /* the content hash covers everything (tables, settings, normalizers incl. propagation) */
  char h1[45], h2[45];
  CHECK_OK(cdlt_schema_compute_hash(ours, h1, &err), &err);
  CHECK_OK(cdlt_schema_compute_hash(gold, h2, &err), &err);
  CHECK_EQ_STR(h1, "W9CGLinjHIhXPds2m06mpGpIuKIRkm7PGH+E49uXBrE=");
  CHECK_EQ_STR(h2, "W9CGLinjHIhXPds2m06mpGpIuKIRkm7PGH+E49uXBrE=");
  CHECK_EQ_STR(cdlt_schema_stored_hash(ours), "W9CGLinjHIhXPds2m06mpGpIuKIRkm7PGH+E49uXBrE=");
  cdlt_schema_free(ours);
  cdlt_schema_free(gold);
}

/* ------------------------------------------------ naming conventions */

static void test_naming(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "Events.jsonl",
                             "{\"UserName\": \"a\", \"Nested\": {\"Key A\": 1}, \"Items\": [{\"X Y\": 2}]}\n");
  cdlt_ok(&e, "run '%s' --pipeline nm --credentials '%s'", f, e.db);
  CHECK_COLS(e.db, "nm_dataset", "events", "user_name VARCHAR\nnested__key_a BIGINT\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_COLS(e.db, "nm_dataset", "events__items", "x_y BIGINT\n_dlt_parent_id VARCHAR\n_dlt_list_idx BIGINT\n_dlt_id VARCHAR");

  env_new(&e);
  f = write_file(&e, "Events.jsonl", "{\"UserName\": \"a\", \"Nested\": {\"Key A\": 1}, \"Items\": [{\"X Y\": 2}]}\n");
  cdlt_ok(&e, "run '%s' --pipeline nm --credentials '%s' --naming duck_case", f, e.db);
  CHECK_COLS(e.db, "nm_dataset", "Events", "UserName VARCHAR\nNested__Key A BIGINT\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_COLS(e.db, "nm_dataset", "Events__Items", "X Y BIGINT\n_dlt_parent_id VARCHAR\n_dlt_list_idx BIGINT\n_dlt_id VARCHAR");
  cdlt_schema *s = live_schema(&e, "nm");
  CHECK_EQ_STR(s ? cdlt_json_get_str(cdlt_json_get(s->root, "normalizers"), "names") : NULL, "duck_case");
  cdlt_schema_free(s);
  /* an existing schema keeps its convention: a later run without --naming still uses duck_case */
  const char *g = write_file(&e, "Events.jsonl", "{\"UserName\": \"b\", \"NewCol\": true}\n");
  cdlt_ok(&e, "run '%s' --pipeline nm --credentials '%s'", g, e.db);
  CHECK_Q(e.db, "SELECT \"UserName\", \"NewCol\" FROM nm_dataset.\"Events\" ORDER BY \"UserName\"", "a|NULL\nb|true");

  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline nm2 --naming camelCase", f), 2);
  CHECK_MSG(contains(out, "unknown naming convention 'camelCase'"), "output: %s", out);
  free(out);
}

/* ------------------------------------------------ detections and big integers */

static void test_detections(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "d.jsonl",
                             "{\"ts\": \"2024-01-01T10:00:00+02:00\", \"day\": \"2024-01-15\", \"unix\": 1790000000, "
                             "\"big\": 9223372036854775808, \"n\": 5}\n");
  /* default: only iso_timestamp */
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline det --credentials '%s'", f, e.db), 1);
  CHECK_MSG(contains(out, "integer 9223372036854775808 in table 'd' column 'big' does not fit a signed 64-bit bigint"),
            "output: %s", out);
  free(out);

  env_new(&e);
  f = write_file(&e, "d.jsonl",
                 "{\"ts\": \"2024-01-01T10:00:00+02:00\", \"day\": \"2024-01-15\", \"unix\": 1790000000, "
                 "\"big\": 9223372036854775808, \"n\": 5}\n");
  cdlt_ok(&e, "run '%s' --pipeline det --credentials '%s' --detections iso_timestamp,iso_date,timestamp,large_integer", f, e.db);
  CHECK_COLS(e.db, "det_dataset", "d",
             "ts TIMESTAMP WITH TIME ZONE\nday DATE\nunix TIMESTAMP WITH TIME ZONE\nbig DECIMAL(38,0)\n"
             "n BIGINT\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_Q(e.db, "SELECT ts, day, unix, big, n FROM det_dataset.d",
          "2024-01-01T08:00:00+00:00|2024-01-15|2026-09-21T14:13:20+00:00|9223372036854775808|5");
  cdlt_schema *s = live_schema(&e, "det");
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (s) cdlt_json_write(&b, cdlt_json_get(cdlt_json_get(s->root, "settings"), "detections"), 0);
  CHECK_EQ_STR(b.data, "[\"iso_timestamp\",\"iso_date\",\"timestamp\",\"large_integer\"]");
  cdlt_buf_release(&b);
  cdlt_schema_free(s);

  /* beyond 64 bits: refused at extract with the position, as dlt's extract refuses it */
  const char *g = write_file(&e, "g.jsonl", "{\"a\": 1}\n{\"a\": 18446744073709551616}\n");
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline det --credentials '%s'", g, e.db), 1);
  CHECK_MSG(contains(out, "item in '") && contains(out, "g.jsonl' at line 2, column 1 (byte 9): integer "
                                                    "18446744073709551616 exceeds the 64-bit range"),
            "output: %s", out);
  free(out);
  CHECK_EQ_INT(count_rows(e.db, "det_dataset", "g"), -1);

  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline det --credentials '%s' --detections iso_week", g, e.db), 2);
  CHECK_MSG(contains(out, "unknown detection 'iso_week'"), "output: %s", out);
  free(out);
}

/* ------------------------------------------------ column hints, DDL, incomplete columns */

static void test_column_hints(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "pay.jsonl", "{\"id\": 1, \"amount\": \"12.345\", \"at\": \"2024-05-01T10:00:00+02:00\", "
                                              "\"code\": \"X\", \"small\": 7, \"later\": null}\n");
  cdlt_ok(&e, "run '%s' --pipeline ch --credentials '%s' --primary-key id --columns "
          "'{\"amount\": {\"data_type\": \"decimal\", \"precision\": 10, \"scale\": 2}, \"at\": {\"data_type\": "
          "\"timestamp\", \"timezone\": false}, \"code\": {\"data_type\": \"text\", \"nullable\": false}, \"small\": "
          "{\"data_type\": \"bigint\", \"precision\": 16}, \"never\": {\"data_type\": \"text\"}, \"later\": {\"x-custom\": 1}}'",
          f, e.db);
  /* hinted complete columns come first and exist without data (never); id got its type from data and
   * moved after them (dlt's merge_columns order); the incomplete `later` (null only) is not created */
  CHECK_COLS(e.db, "ch_dataset", "pay",
             "amount DECIMAL(10,2)\nat TIMESTAMP\ncode VARCHAR\nsmall SMALLINT\nnever VARCHAR\nid BIGINT\n"
             "_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_Q(e.db, "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'pay' AND column_name IN "
                "('code', 'id', 'amount') ORDER BY column_name",
          "YES\nNO\nNO");
  CHECK_Q(e.db, "SELECT amount, \"at\", code, small FROM ch_dataset.pay", "12.35|2024-05-01T08:00:00|X|7");
  cdlt_schema *s = live_schema(&e, "ch");
  char *later = NULL, *id = NULL;
  if (s) {
    cdlt_table *t = cdlt_schema_table(s, "pay");
    cdlt_buf b;
    cdlt_buf_init(&b);
    cdlt_json_write(&b, cdlt_table_column(t, "later", 5)->json, 0);
    later = cdlt_buf_detach(&b);
    cdlt_buf_init(&b);
    cdlt_json_write(&b, cdlt_table_column(t, "id", 2)->json, 0);
    id = cdlt_buf_detach(&b);
  }
  CHECK_EQ_STR(later, "{\"x-custom\":1,\"name\":\"later\"}");
  CHECK_EQ_STR(id, "{\"name\":\"id\",\"nullable\":false,\"primary_key\":true,\"data_type\":\"bigint\"}");
  free(later);
  free(id);
  cdlt_schema_free(s);

  /* a value that cannot be coerced into a hinted type lands in a variant column */
  const char *g = write_file(&e, "pay.jsonl", "{\"id\": 2, \"amount\": \"n/a\", \"code\": \"Y\"}\n");
  cdlt_ok(&e, "run '%s' --pipeline ch --credentials '%s'", g, e.db);
  CHECK_Q(e.db, "SELECT id, amount, amount__v_text FROM ch_dataset.pay ORDER BY id", "1|12.35|NULL\n2|NULL|n/a");

  /* decimal text is kept digit for digit (Decimal(str)), not through a double */
  const char *h = write_file(&e, "dec.jsonl", "{\"d\": \"12345678901234567890123.123456789\"}\n");
  cdlt_ok(&e, "run '%s' --pipeline ch --credentials '%s' --columns d:decimal", h, e.db);
  CHECK_Q(e.db, "SELECT d::VARCHAR FROM ch_dataset.dec", "12345678901234567890123.123456789");

  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline ch --columns '{\"a\": {\"data_type\": \"integer\"}}'", g), 2);
  CHECK_MSG(contains(out, "invalid resource hints: column 'a' has an unknown data_type"), "output: %s", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline ch --hints '{\"primary_keys\": \"id\"}'", g), 2);
  CHECK_MSG(contains(out, "invalid resource hints: unknown hint 'primary_keys'"), "output: %s", out);
  free(out);
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline ch --write-disposition merge --merge-strategy upsert", g), 2);
  CHECK_MSG(contains(out, "merge strategy 'upsert' needs a primary_key"), "output: %s", out);
  free(out);
}

/* ------------------------------------------------ nesting limits */

static void test_max_table_nesting(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "n.jsonl", "{\"id\": 1, \"o\": {\"p\": {\"q\": 1}}, \"l\": [{\"m\": [1, 2], \"r\": {\"s\": 3}}]}\n");
  cdlt_ok(&e, "run '%s' --pipeline mn --credentials '%s' --max-table-nesting 1", f, e.db);
  CHECK_COLS(e.db, "mn_dataset", "n", "id BIGINT\no__p JSON\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_COLS(e.db, "mn_dataset", "n__l", "m JSON\nr JSON\n_dlt_parent_id VARCHAR\n_dlt_list_idx BIGINT\n_dlt_id VARCHAR");
  CHECK_Q(e.db, "SELECT o__p::VARCHAR FROM mn_dataset.n", "{\"q\":1}");
  CHECK_Q(e.db, "SELECT m::VARCHAR, r::VARCHAR FROM mn_dataset.n__l", "[1,2]|{\"s\":3}");
  CHECK_EQ_INT(table_exists(e.db, "mn_dataset", "n__l__m"), 0);

  env_new(&e);
  f = write_file(&e, "n.jsonl", "{\"id\": 1, \"o\": {\"p\": 1}, \"l\": [1, 2]}\n");
  cdlt_ok(&e, "run '%s' --pipeline mn --credentials '%s' --max-table-nesting 0", f, e.db);
  CHECK_COLS(e.db, "mn_dataset", "n", "id BIGINT\no JSON\nl JSON\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
}

/* ------------------------------------------------ schema contracts */

static void test_contracts(void) {
  env e;
  env_new(&e);
  const char *a = write_file(&e, "c.jsonl", "{\"id\": 1, \"name\": \"a\"}\n");
  cdlt_ok(&e, "run '%s' --pipeline ct --credentials '%s'", a, e.db);

  /* columns: freeze — dlt's DataValidationError, nothing of the package loaded */
  const char *b = write_file(&e, "c.jsonl", "{\"id\": 2, \"name\": \"b\"}\n{\"id\": 3, \"name\": \"c\", \"extra\": 1}\n");
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline ct --credentials '%s' --schema-contract '{\"columns\": \"freeze\"}'", b, e.db), 1);
  CHECK_MSG(contains(out, "In schema `ct`: In Table: `c` Column: `extra` . Contract on `columns` with "
                          "`contract_mode='freeze'` is violated. Can't add table column `extra` to table `c` because "
                          "`columns` are frozen."),
            "output: %s", out);
  free(out);
  CHECK_EQ_INT(count_rows(e.db, "ct_dataset", "c"), 1);

  /* the rejected package stays pending, as in dlt; a fresh pipeline shows discard modes */
  env_new(&e);
  a = write_file(&e, "c.jsonl", "{\"id\": 1, \"name\": \"a\"}\n");
  cdlt_ok(&e, "run '%s' --pipeline ct --credentials '%s'", a, e.db);
  b = write_file(&e, "c.jsonl", "{\"id\": 2, \"name\": \"b\"}\n{\"id\": 3, \"name\": \"c\", \"extra\": 1}\n"
                                "{\"id\": 4, \"name\": 5, \"more\": [1]}\n");
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline ct --credentials '%s' --schema-contract discard_row", b, e.db), 0);
  CHECK_MSG(contains(out, "Schema contract discarded 2 row(s) and 0 value(s)"), "output: %s", out);
  free(out);
  /* row 3 has a new column: dropped; row 4's list would make a new nested table: its rows are
   * dropped, the row itself loads (5 is coerced to text "5") */
  CHECK_Q(e.db, "SELECT id, name FROM ct_dataset.c ORDER BY id", "1|a\n2|b\n4|5");
  CHECK_COLS(e.db, "ct_dataset", "c", "id BIGINT\nname VARCHAR\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_EQ_INT(table_exists(e.db, "ct_dataset", "c__more"), 0);

  /* discard_value for every entity: the new column's value and the value that would need a variant
   * column are dropped, the rows load */
  const char *c = write_file(&e, "c.jsonl", "{\"id\": 5, \"name\": \"e\", \"extra\": 1}\n{\"id\": \"six\", \"name\": \"f\"}\n");
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline ct --credentials '%s' --schema-contract discard_value", c, e.db), 0);
  CHECK_MSG(contains(out, "Schema contract discarded 0 row(s) and 2 value(s)"), "output: %s", out);
  free(out);
  CHECK_Q(e.db, "SELECT id, name FROM ct_dataset.c ORDER BY id NULLS LAST", "1|a\n2|b\n4|5\n5|e\nNULL|f");
  CHECK_COLS(e.db, "ct_dataset", "c", "id BIGINT\nname VARCHAR\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");

  /* data_type: freeze refuses a variant */
  const char *d = write_file(&e, "c.jsonl", "{\"id\": \"eight\"}\n");
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline ct --credentials '%s' --schema-contract '{\"data_type\": \"freeze\"}'", d, e.db), 1);
  CHECK_MSG(contains(out, "In schema `ct`: In Table: `c` Column: `id` . Contract on `data_type` with "
                          "`contract_mode='freeze'` is violated. Can't add variant column `id__v_text` for table `c` "
                          "because `data_types` are frozen."),
            "output: %s", out);
  free(out);

  /* tables: freeze on a new resource */
  env_new(&e);
  a = write_file(&e, "t.jsonl", "{\"id\": 1}\n");
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline ct --credentials '%s' --schema-contract freeze", a, e.db), 1);
  CHECK_MSG(contains(out, "In schema `ct`: In Table: `t` . Contract on `tables` with `contract_mode='freeze'` is "
                          "violated. Trying to add table `t` but new tables are frozen."),
            "output: %s", out);
  free(out);
  CHECK_EQ_INT(count_rows(e.db, "ct_dataset", "t"), -1);

  /* the contract is stored on the table as dlt stores it */
  env_new(&e);
  a = write_file(&e, "c.jsonl", "{\"id\": 1}\n");
  cdlt_ok(&e, "run '%s' --pipeline ct --credentials '%s' --schema-contract '{\"columns\": \"discard_value\"}'", a, e.db);
  cdlt_schema *s = live_schema(&e, "ct");
  char *tj = table_json(s, "c");
  CHECK_MSG(contains(tj, "\"schema_contract\":{\"columns\":\"discard_value\"}"), "table: %s", tj);
  free(tj);
  cdlt_schema_free(s);
}

/* ------------------------------------------------ evolution across runs */

static void test_evolution(void) {
  env e;
  env_new(&e);
  const char *r1 = write_file(&e, "ev.jsonl", "{\"a\": 1}\n");
  cdlt_ok(&e, "run '%s' --pipeline ev --credentials '%s'", r1, e.db);
  cdlt_schema *s1 = live_schema(&e, "ev");
  int64_t v1 = s1 ? cdlt_schema_version(s1) : -1;
  char h1[64] = "";
  if (s1) snprintf(h1, sizeof h1, "%s", cdlt_schema_stored_hash(s1));
  cdlt_schema_free(s1);

  const char *r2 = write_file(&e, "ev.jsonl", "{\"a\": \"x\", \"b\": 2.5}\n{\"a\": 3, \"c\": {\"d\": true}}\n");
  cdlt_ok(&e, "run '%s' --pipeline ev --credentials '%s'", r2, e.db);
  CHECK_COLS(e.db, "ev_dataset", "ev",
             "a BIGINT\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR\na__v_text VARCHAR\nb DOUBLE\nc__d BOOLEAN");
  CHECK_Q(e.db, "SELECT a, a__v_text, b, c__d FROM ev_dataset.ev ORDER BY _dlt_load_id, a NULLS FIRST",
          "1|NULL|NULL|NULL\nNULL|x|2.5|NULL\n3|NULL|NULL|true");
  cdlt_schema *s2 = live_schema(&e, "ev");
  if (s2) {
    CHECK(cdlt_schema_version(s2) > v1);
    cdlt_json_value *prev = cdlt_json_get(s2->root, "previous_hashes");
    CHECK_MSG(prev && prev->u.arr.len >= 1 && cdlt_json_is_str(prev->u.arr.items[0], h1), "previous_hashes must start with %s", h1);
    /* one _dlt_version row per stored version of the schema */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT max(version) = %lld, count(DISTINCT version_hash) = count(*) FROM ev_dataset._dlt_version",
             (long long)cdlt_schema_version(s2));
    CHECK_Q(e.db, sql, "true|true");
  }
  cdlt_schema_free(s2);
}

/* ------------------------------------------------ real-world shapes */

static void test_real_world_shapes(void) {
  env e;
  env_new(&e);
  /* rasa-style event log: the same field changes type between files */
  const char *f1 = write_file(&e, "events1.jsonl",
                              "{\"event\": \"user\", \"timestamp\": 1700000000.5, \"text\": \"hi\", \"parse_data\": "
                              "{\"intent\": {\"name\": \"greet\", \"confidence\": 0.9}, \"entities\": []}}\n"
                              "{\"event\": \"action\", \"timestamp\": 1700000001.25, \"name\": \"utter_greet\", \"policy\": null}\n");
  const char *f2 = write_file(&e, "events2.jsonl",
                              "{\"event\": \"slot\", \"timestamp\": \"2023-11-14T22:13:22Z\", \"name\": \"city\", \"value\": "
                              "[\"Berlin\", \"Paris\"]}\n"
                              "{\"event\": \"user\", \"timestamp\": 1700000003, \"text\": 42, \"parse_data\": {\"intent\": "
                              "{\"name\": \"inform\", \"confidence\": 1}, \"entities\": [{\"entity\": \"city\", \"start\": 0}]}}\n");
  cdlt_ok(&e, "run '%s' '%s' --table events --pipeline rasa --credentials '%s'", f1, f2, e.db);
  /* a string in the double column goes to a variant named after the value's Python type (text) whose
   * type is inferred with the detections (timestamp), as dlt does; an int into a double coerces */
  CHECK_COLS(e.db, "rasa_dataset", "events",
             "event VARCHAR\ntimestamp DOUBLE\ntext VARCHAR\nparse_data__intent__name VARCHAR\n"
             "parse_data__intent__confidence DOUBLE\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR\nname VARCHAR\n"
             "timestamp__v_text TIMESTAMP WITH TIME ZONE");
  CHECK_Q(e.db, "SELECT event, timestamp, timestamp__v_text, text FROM rasa_dataset.events ORDER BY timestamp NULLS LAST, event",
          "user|1700000000.5|NULL|hi\naction|1700000001.25|NULL|NULL\nuser|1700000003.0|NULL|42\n"
          "slot|NULL|2023-11-14T22:13:22+00:00|NULL");
  CHECK_Q(e.db, "SELECT value, _dlt_list_idx FROM rasa_dataset.events__value ORDER BY _dlt_list_idx", "Berlin|0\nParis|1");
  CHECK_Q(e.db, "SELECT entity, start FROM rasa_dataset.events__parse_data__entities", "city|0");

  /* GitHub-API style page: deep nesting and long names (DuckDB keeps every name whole) */
  env_new(&e);
  const char *gh = write_file(&e, "issues.json",
                              "[{\"id\": 1, \"user\": {\"login\": \"octocat\", \"site_admin\": false}, \"labels\": [{\"name\": "
                              "\"bug\", \"color\": \"f00\"}], \"reactions\": {\"+1\": 2, \"-1\": 0, \"total_count\": 2}, "
                              "\"pull_request\": {\"merged_at\": \"2024-01-02T03:04:05Z\", \"html_url\": \"https://x\"}, "
                              "\"performed_via_github_app\": {\"owner\": {\"organizations_url_for_the_owner_of_this_app_installation\": "
                              "\"u\"}, \"events\": [\"push\"]}}]");
  cdlt_ok(&e, "run '%s' --pipeline gh --credentials '%s'", gh, e.db);
  CHECK_COLS(e.db, "gh_dataset", "issues",
             /* nested objects are flattened last-first (dlt's LIFO stack, §3.1) */
             "id BIGINT\nperformed_via_github_app__owner__organizations_url_for_the_owner_of_this_app_installation VARCHAR\n"
             "pull_request__merged_at TIMESTAMP WITH TIME ZONE\npull_request__html_url VARCHAR\nreactions__x1 BIGINT\n"
             "reactions___1 BIGINT\nreactions__total_count BIGINT\nuser__login VARCHAR\nuser__site_admin BOOLEAN\n"
             "_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_Q(e.db, "SELECT name, color FROM gh_dataset.issues__labels", "bug|f00");
  CHECK_Q(e.db, "SELECT value FROM gh_dataset.issues__performed_via_github_app__events", "push");

  /* a wide record: 240 columns of mixed types */
  env_new(&e);
  char *wide = malloc(64 * 1024);
  size_t len = 0;
  len += (size_t)sprintf(wide + len, "{\"id\": 0");
  for (int k = 1; k < 240; k++) {
    switch (k % 4) {
      case 0: len += (size_t)sprintf(wide + len, ", \"Col %d\": %d", k, k); break;
      case 1: len += (size_t)sprintf(wide + len, ", \"Col %d\": \"v%d\"", k, k); break;
      case 2: len += (size_t)sprintf(wide + len, ", \"Col %d\": %d.5", k, k); break;
      default: len += (size_t)sprintf(wide + len, ", \"Col %d\": %s", k, k % 8 == 3 ? "true" : "false"); break;
    }
  }
  sprintf(wide + len, "}\n");
  const char *w = write_file(&e, "wide.jsonl", wide);
  free(wide);
  cdlt_ok(&e, "run '%s' --pipeline wide --credentials '%s'", w, e.db);
  CHECK_Q(e.db, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'wide_dataset' AND table_name = 'wide'", "242");
  CHECK_Q(e.db, "SELECT col_1, col_2, col_3, col_4, col_239 FROM wide_dataset.wide", "v1|2.5|true|4|false");
}

/* ------------------------------------------------ import / export schema files, pipeline files */

static void test_schema_files(void) {
  env e;
  env_new(&e);
  const char *f = write_file(&e, "items.jsonl", "{\"id\": 1, \"price\": \"9.99\", \"tags\": [\"a\"]}\n");
  char exp[700], imp[700];
  snprintf(exp, sizeof exp, "%s/export", e.dir);
  cdlt_ok(&e, "run '%s' --pipeline sf --credentials '%s' --export-schema '%s'", f, e.db, exp);
  char path[1024];
  snprintf(path, sizeof path, "%s/sf.schema.yaml", exp);
  char *yaml = check_read_file(path, NULL);
  CHECK_MSG(yaml && !strncmp(yaml, "version: 2\nversion_hash: ", strlen("version: 2\nversion_hash: ")), "exported yaml: %.200s", yaml ? yaml : "(none)");
  CHECK_MSG(contains(yaml, "  items:\n    columns:\n      id:\n        data_type: bigint\n"), "exported yaml: %s", yaml);

  /* the user edits the exported schema (price becomes decimal) and imports it into a new pipeline */
  snprintf(imp, sizeof imp, "%s/import", e.dir);
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s' && sed 's/^name: sf$/name: sf2/' '%s' > '%s/sf2.schema.yaml'", imp, path, imp);
  CHECK_EQ_INT(check_run(cmd, NULL), 0);
  char *edited = NULL;
  snprintf(path, sizeof path, "%s/sf2.schema.yaml", imp);
  edited = check_read_file(path, NULL);
  CHECK(edited != NULL);
  if (edited) {
    /* add a hinted column the data does not have yet */
    FILE *w = fopen(path, "wb");
    const char *at = strstr(edited, "      price:\n");
    if (w && at) {
      fwrite(edited, 1, (size_t)(at - edited), w);
      fputs("      price:\n        data_type: decimal\n        precision: 12\n        scale: 4\n        nullable: true\n", w);
      const char *rest = strstr(at, "      _dlt_load_id:");
      fputs(rest ? rest : "", w);
    }
    if (w) fclose(w);
  }
  free(edited);
  free(yaml);
  cdlt_ok(&e, "run '%s' --pipeline sf2 --credentials '%s' --import-schema '%s'", f, e.db, imp);
  CHECK_COLS(e.db, "sf2_dataset", "items", "id BIGINT\nprice DECIMAL(12,4)\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_Q(e.db, "SELECT price FROM sf2_dataset.items", "9.9900");
  cdlt_schema *s = live_schema(&e, "sf2");
  CHECK_MSG(s && cdlt_json_get_str(s->root, "imported_version_hash") != NULL, "%s", "imported_version_hash must be set");
  cdlt_schema_free(s);

  /* an invalid import file is a clear error naming the file */
  write_file(&e, "bad.schema.yaml", "version: 1\nengine_version: 11\nname: sf3\ntables:\n  t:\n    columns:\n      a:\n        data_type: integer\n");
  char *out = NULL;
  snprintf(path, sizeof path, "%s/bad.schema.yaml", e.dir);
  CHECK_EQ_INT(cdlt(&e, &out, "run '%s' --pipeline sf3 --credentials '%s' --import-schema '%s'", f, e.db, path), 1);
  CHECK_MSG(contains(out, "bad.schema.yaml") && contains(out, "'integer'"), "output: %s", out);
  free(out);

  /* a pipeline file describes the same run as the flags */
  env_new(&e);
  write_file(&e, "a1.jsonl", "{\"id\": 1, \"v\": \"x\"}\n");
  write_file(&e, "a2.jsonl", "{\"id\": 1, \"v\": \"y\"}\n{\"id\": 2, \"v\": \"z\"}\n");
  char toml[2048];
  snprintf(toml, sizeof toml,
           "[pipeline]\nname = \"pf\"\ndestination = \"duckdb\"\ncredentials = \"%s\"\ndataset_name = \"pf_data\"\n\n"
           "[[resources]]\nname = \"acc\"\npaths = [\"a*.jsonl\"]\nwrite_disposition = \"merge\"\nprimary_key = \"id\"\n"
           "schema_contract = {columns = \"freeze\"}\n[resources.columns.v]\ndata_type = \"text\"\nnullable = false\n",
           e.db);
  const char *pf = write_file(&e, "pf.pipeline.toml", toml);
  cdlt_ok(&e, "run -c '%s'", pf);
  CHECK_COLS(e.db, "pf_data", "acc", "v VARCHAR\nid BIGINT\n_dlt_load_id VARCHAR\n_dlt_id VARCHAR");
  CHECK_Q(e.db, "SELECT is_nullable FROM information_schema.columns WHERE table_schema = 'pf_data' AND table_name = 'acc' "
                "AND column_name = 'v'", "NO");
  s = live_schema(&e, "pf");
  char *tj = table_json(s, "acc");
  CHECK_MSG(contains(tj, "\"schema_contract\":{\"columns\":\"freeze\"}") && contains(tj, "\"write_disposition\":\"merge\""),
            "table: %s", tj);
  free(tj);
  cdlt_schema_free(s);
  pf = write_file(&e, "bad.pipeline.toml", "[pipeline]\nname = \"pf\"\n[[resources]]\nname = \"x\"\npaths = [\"a1.jsonl\"]\nprimary_keys = 1\n");
  CHECK_EQ_INT(cdlt(&e, &out, "run -c '%s'", pf), 1);
  CHECK_MSG(contains(out, "primary_keys") && contains(out, "bad.pipeline.toml") && contains(out, "line 6"), "output: %s", out);
  free(out);
}

int main(void) {
  test_hints_match_dlt();
  test_naming();
  test_detections();
  test_column_hints();
  test_max_table_nesting();
  test_contracts();
  test_evolution();
  test_real_world_shapes();
  test_schema_files();
  return check_finish();
}
