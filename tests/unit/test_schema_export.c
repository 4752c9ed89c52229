/* test_schema_export.c — schema files in dlt's formats: golden schema files (written by dlt) import
 * with their stored version_hash, export as JSON byte-identical to dlt's file, export as YAML and
 * re-import with the same hash; dlt's remove_defaults / apply_defaults on a hand-written YAML schema
 * (expected text from PyYAML via dlt's to_pretty_yaml rules); validation errors with exact messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "schema/schema.h"
#include "schema/schema_export.h"
#include "schema/yaml.h"
#include "util/buf.h"

static const char *const golden[] = {
    "users_merge_postgres/pipeline_dir__schemas__golden_users.schema.json",
    "users_append_postgres/pipeline_dir__schemas__golden_postgres_append.schema.json",
    "users_replace_postgres/pipeline_dir__schemas__golden_postgres_replace.schema.json",
    "users_merge_duckdb_normalize_only/pipeline_dir__schemas__golden_duckdb_merge.schema.json",
    "duckdb_ddl_and_merge_sql__scd2_upsert_harddelete.input_schema.json",
    "duckdb_ddl_and_merge_sql__delete_insert_nested.input_schema.json",
};

static const char demo_yaml[] =
    "# a hand-written schema\n"
    "version: 1\n"
    "engine_version: 11\n"
    "name: demo\n"
    "tables:\n"
    "  _dlt_version: {columns: {version: {data_type: bigint, nullable: false}}}\n"
    "  _dlt_loads: {columns: {load_id: {data_type: text, nullable: false}}}\n"
    "  users:\n"
    "    columns:\n"
    "      id: {data_type: bigint, nullable: false, primary_key: true}\n"
    "      name:\n"
    "        data_type: text\n"
    "        description: \"it's: a name\"\n"
    "      created: {data_type: timestamp, timezone: false, precision: 3}\n"
    "    write_disposition: merge\n"
    "    x-merge-strategy: upsert\n"
    "  users__pets:\n"
    "    parent: users\n"
    "    columns:\n"
    "      kind: {data_type: text}\n"
    "settings:\n"
    "  detections: [iso_timestamp]\n"
    "  default_hints:\n"
    "    not_null: [_dlt_id]\n"
    "  preferred_types:\n"
    "    re:_at$: timestamp\n"
    "normalizers:\n"
    "  names: snake_case\n"
    "  json: {module: dlt.common.normalizers.json.relational}\n"
    "previous_hashes: []\n";

/* PyYAML output of dlt's to_pretty_yaml(remove_defaults=True) for demo_yaml */
static const char demo_expected[] =
    "version: 1\n"
    "version_hash: s7k7rbynpMK5gkf0v+IAPMio/s4U2l1djkC93UjlYVQ=\n"
    "engine_version: 11\n"
    "name: demo\n"
    "tables:\n"
    "  _dlt_version:\n"
    "    columns:\n"
    "      version:\n"
    "        data_type: bigint\n"
    "        nullable: false\n"
    "    write_disposition: append\n"
    "    resource: _dlt_version\n"
    "  _dlt_loads:\n"
    "    columns:\n"
    "      load_id:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "    write_disposition: append\n"
    "    resource: _dlt_loads\n"
    "  users:\n"
    "    columns:\n"
    "      id:\n"
    "        data_type: bigint\n"
    "        nullable: false\n"
    "        primary_key: true\n"
    "      name:\n"
    "        data_type: text\n"
    "        description: 'it''s: a name'\n"
    "      created:\n"
    "        data_type: timestamp\n"
    "        timezone: false\n"
    "        precision: 3\n"
    "    write_disposition: merge\n"
    "    x-merge-strategy: upsert\n"
    "    resource: users\n"
    "  users__pets:\n"
    "    parent: users\n"
    "    columns:\n"
    "      kind:\n"
    "        data_type: text\n"
    "settings:\n"
    "  detections:\n"
    "  - iso_timestamp\n"
    "  default_hints:\n"
    "    not_null:\n"
    "    - _dlt_id\n"
    "  preferred_types:\n"
    "    re:_at$: timestamp\n"
    "normalizers:\n"
    "  names: snake_case\n"
    "  json:\n"
    "    module: dlt.common.normalizers.json.relational\n"
    "previous_hashes: []\n";

static char *golden_path(const char *rel) {
  static char p[1024];
  snprintf(p, sizeof p, "%s/spec/golden/%s", check_shared_dir(), rel);
  return p;
}

/* the stored version_hash of a golden file, read with the JSON parser */
static void stored_hash_of(const char *text, char out[64]) {
  const char *k = strstr(text, "\"version_hash\": \"");
  out[0] = 0;
  if (k) snprintf(out, 45, "%s", k + strlen("\"version_hash\": \""));
}

static void test_golden_round_trips(void) {
  for (size_t g = 0; g < sizeof golden / sizeof *golden; g++) {
    const char *path = golden_path(golden[g]);
    size_t len = 0;
    char *file = check_read_file(path, &len);
    CHECK_MSG(file != NULL, "cannot read %s", path);
    if (!file) continue;
    char want[64];
    stored_hash_of(file, want);
    CHECK_EQ_INT(strlen(want), 44);

    cdlt_error err = {0};
    cdlt_schema *s = NULL;
    CHECK_OK(cdlt_schema_import_file(path, &s, &err), &err);
    if (!s) { free(file); continue; }
    CHECK_EQ_STR(cdlt_schema_stored_hash(s), want);
    char h[45];
    CHECK_OK(cdlt_schema_compute_hash(s, h, &err), &err);
    CHECK_EQ_STR(h, want);

    /* JSON export without remove_defaults is dlt's own file, byte for byte */
    cdlt_buf b;
    cdlt_buf_init(&b);
    CHECK_OK(cdlt_schema_export(s, CDLT_SCHEMA_FORMAT_JSON, false, &b, &err), &err);
    CHECK_MSG(b.len == len && !memcmp(b.data, file, len), "%s: JSON export differs from dlt's file", golden[g]);

    /* YAML with removed defaults re-imports to the same version and hash */
    for (int rd = 0; rd < 2; rd++) {
      cdlt_buf_reset(&b);
      CHECK_OK(cdlt_schema_export(s, CDLT_SCHEMA_FORMAT_YAML, rd, &b, &err), &err);
      CHECK(strstr(b.data, "version_hash: ") != NULL);
      CHECK(rd ? !strstr(b.data, "\n    name: ") : strstr(b.data, "\n    name: ") != NULL);
      cdlt_schema *back = NULL;
      CHECK_OK(cdlt_schema_import_text(b.data, b.len, CDLT_SCHEMA_FORMAT_YAML, "export.yaml", &back, &err), &err);
      if (back) {
        CHECK_EQ_STR(cdlt_schema_stored_hash(back), want);
        CHECK_EQ_INT(cdlt_schema_version(back), cdlt_schema_version(s));
        CHECK_EQ_INT(back->ntables, s->ntables);
      }
      cdlt_schema_free(back);
    }
    /* JSON with removed defaults too */
    cdlt_buf_reset(&b);
    CHECK_OK(cdlt_schema_export(s, CDLT_SCHEMA_FORMAT_JSON, true, &b, &err), &err);
    cdlt_schema *back = NULL;
    CHECK_OK(cdlt_schema_import_text(b.data, b.len, CDLT_SCHEMA_FORMAT_JSON, "export.json", &back, &err), &err);
    if (back) CHECK_EQ_STR(cdlt_schema_stored_hash(back), want);
    cdlt_schema_free(back);
    cdlt_buf_release(&b);
    cdlt_schema_free(s);
    free(file);
  }
}

static void test_hand_written_yaml(void) {
  cdlt_error err = {0};
  cdlt_schema *s = NULL;
  CHECK_OK(cdlt_schema_import_text(demo_yaml, strlen(demo_yaml), CDLT_SCHEMA_FORMAT_YAML, "demo.yaml", &s, &err), &err);
  if (!s) return;
  /* defaults applied (dlt apply_defaults): names, root write_disposition and resource */
  cdlt_table *users = cdlt_schema_table(s, "users");
  cdlt_table *pets = cdlt_schema_table(s, "users__pets");
  cdlt_table *loads = cdlt_schema_table(s, "_dlt_loads");
  CHECK(users && pets && loads);
  if (users && pets && loads) {
    CHECK_EQ_STR(cdlt_json_get_str(users->json, "name"), "users");
    CHECK_EQ_STR(cdlt_json_get_str(users->json, "resource"), "users");
    CHECK_EQ_STR(cdlt_json_get_str(users->json, "write_disposition"), "merge");
    CHECK_EQ_STR(cdlt_json_get_str(loads->json, "write_disposition"), "append");
    CHECK(cdlt_json_get(pets->json, "write_disposition") == NULL);
    CHECK(cdlt_json_get(pets->json, "resource") == NULL);
    CHECK_EQ_STR(pets->parent, "users");
    CHECK_EQ_INT(users->ncolumns, 3);
    CHECK_EQ_STR(cdlt_json_get_str(users->columns[1]->json, "name"), "name");
    CHECK_EQ_INT(users->columns[0]->type, CDLT_TYPE_BIGINT);
    CHECK(!users->columns[0]->nullable);
  }
  CHECK_EQ_INT(cdlt_schema_version(s), 1);
  CHECK_EQ_STR(cdlt_schema_stored_hash(s), "s7k7rbynpMK5gkf0v+IAPMio/s4U2l1djkC93UjlYVQ=");

  cdlt_buf b;
  cdlt_buf_init(&b);
  CHECK_OK(cdlt_schema_export(s, CDLT_SCHEMA_FORMAT_YAML, true, &b, &err), &err);
  CHECK_MSG(b.data && !strcmp(b.data, demo_expected), "remove_defaults YAML: expected\n%s\ngot\n%s", demo_expected,
            b.data ? b.data : "");
  /* exporting does not change the schema */
  CHECK_EQ_STR(cdlt_json_get_str(users ? users->json : NULL, "name"), "users");
  cdlt_buf_release(&b);
  cdlt_schema_free(s);
}

static void test_remove_apply_defaults(void) {
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  const char *j = "{\"name\":\"x\",\"tables\":{\"t\":{\"name\":\"t\",\"columns\":{\"a\":{\"name\":\"a\",\"data_type\":\"text\","
                  "\"nullable\":true,\"unique\":false}},\"write_disposition\":\"append\",\"resource\":\"t\"},"
                  "\"t__c\":{\"name\":\"t__c\",\"columns\":{},\"parent\":\"t\"}}}";
  cdlt_json_value *v = NULL;
  cdlt_error err = {0};
  CHECK_OK(cdlt_json_parse(&d, j, strlen(j), "j", &v, &err), &err);
  CHECK_EQ_INT(cdlt_schema_remove_defaults(v), 0);
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_json_write(&b, v, 0);
  /* only names go: dlt keeps nullable/false hints and the resource */
  CHECK_EQ_STR(b.data, "{\"name\":\"x\",\"tables\":{\"t\":{\"columns\":{\"a\":{\"data_type\":\"text\",\"nullable\":true,"
                       "\"unique\":false}},\"write_disposition\":\"append\",\"resource\":\"t\"},\"t__c\":{\"columns\":{},"
                       "\"parent\":\"t\"}}}");
  CHECK_EQ_INT(cdlt_schema_apply_defaults(&d, v), 0);
  cdlt_buf_reset(&b);
  cdlt_json_write(&b, cdlt_json_get(v, "tables"), 0);
  CHECK_EQ_STR(b.data, "{\"t\":{\"columns\":{\"a\":{\"data_type\":\"text\",\"nullable\":true,\"unique\":false,\"name\":\"a\"}},"
                       "\"write_disposition\":\"append\",\"resource\":\"t\",\"name\":\"t\"},\"t__c\":{\"columns\":{},"
                       "\"parent\":\"t\",\"name\":\"t__c\"}}");
  cdlt_buf_release(&b);
  cdlt_json_doc_release(&d);
}

typedef struct vcase {
  const char *from, *to, *msg;
} vcase;

/* each case replaces `from` by `to` in demo_yaml */
static const vcase invalid[] = {
    {"{data_type: bigint, nullable: false, primary_key: true}", "{data_type: integer}",
     "invalid schema file 'bad.yaml': table 'users', column 'id': field 'data_type' has value 'integer', expected one "
     "of: text, double, bool, timestamp, bigint, binary, json, decimal, wei, date, time"},
    {"write_disposition: merge", "write_disposition: upsert",
     "invalid schema file 'bad.yaml': table 'users': field 'write_disposition' has value 'upsert', expected one of: "
     "skip, append, replace, merge"},
    {"parent: users", "parent: people",
     "invalid schema file 'bad.yaml': table 'users__pets': parent table 'people' is not in the schema"},
    {"kind: {data_type: text}", "kind: {data_type: text, colour: red}",
     "invalid schema file 'bad.yaml': table 'users__pets', column 'kind': unexpected field 'colour'"},
    {"kind: {data_type: text}", "kind: {data_type: text, nullable: maybe}",
     "invalid schema file 'bad.yaml': table 'users__pets', column 'kind': field 'nullable' is a string, expected a boolean"},
    {"  _dlt_loads: {columns: {load_id: {data_type: text, nullable: false}}}\n", "",
     "invalid schema file 'bad.yaml': schema 'demo' is corrupt: it must contain table '_dlt_loads'"},
    {"name: demo", "name: 1demo",
     "invalid schema file 'bad.yaml': schema name '1demo' is not a valid identifier of at most 64 characters"},
    {"engine_version: 11", "engine_version: 9",
     "invalid schema file 'bad.yaml': engine_version 9 is not supported (cdlt reads engine version 11)"},
    {"not_null: [_dlt_id]", "not_null: ['*_id']",
     "invalid schema file 'bad.yaml': settings, default_hints: field 'not_null' value '*_id' looks like a regex, please "
     "prefix with re:"},
    {"x-merge-strategy: upsert", "x-merge-strategy: scd3",
     "invalid schema file 'bad.yaml': table 'users': field 'x-merge-strategy' must be one of: delete-insert, scd2, "
     "upsert, insert-only"},
    {"detections: [iso_timestamp]", "detections: [iso_datetime]",
     "invalid schema file 'bad.yaml': settings: item 'iso_datetime' of 'detections' is not one of: timestamp, "
     "iso_timestamp, iso_date, large_integer, hexbytes_to_text, wei_to_double"},
    {"    columns:\n      kind: {data_type: text}\n", "",
     "invalid schema file 'bad.yaml': table 'users__pets': required field 'columns' is missing"},
    {"previous_hashes: []", "previous_hashes: []\nhashes: 1",
     "invalid schema file 'bad.yaml': unexpected field 'hashes'"},
    {"version: 1", "version: one",
     "invalid schema file 'bad.yaml': field 'version' is a string, expected an integer"},
    {"write_disposition: merge", "write_disposition: merge\n   bad: 1",
     "invalid YAML in 'bad.yaml' at line 16, column 4: bad indentation of a mapping entry"},
    {"{data_type: bigint, nullable: false, primary_key: true}", "{data_type: bigint, nullable: false, primary_key: true}\n      - 1",
     "invalid YAML in 'bad.yaml' at line 11, column 7: expected a mapping key, found a sequence entry"},
};

static char *replace(const char *s, const char *from, const char *to) {
  const char *at = strstr(s, from);
  CHECK_MSG(at != NULL, "case text not found: %s", from);
  if (!at) return NULL;
  size_t n = strlen(s) - strlen(from) + strlen(to);
  char *r = malloc(n + 1);
  size_t pre = (size_t)(at - s);
  memcpy(r, s, pre);
  strcpy(r + pre, to);
  strcat(r, at + strlen(from));
  return r;
}

static void test_validation_errors(void) {
  for (size_t k = 0; k < sizeof invalid / sizeof *invalid; k++) {
    char *y = replace(demo_yaml, invalid[k].from, invalid[k].to);
    if (!y) continue;
    cdlt_error err = {0};
    cdlt_schema *s = NULL;
    int rc = cdlt_schema_import_text(y, strlen(y), CDLT_SCHEMA_FORMAT_YAML, "bad.yaml", &s, &err);
    CHECK_MSG(rc != 0, "case %zu accepted", k);
    CHECK(s == NULL);
    CHECK_EQ_STR(err.msg, invalid[k].msg);
    cdlt_schema_free(s);
    free(y);
  }
}

static void test_import_file_errors(void) {
  cdlt_error err = {0};
  cdlt_schema *s = NULL;
  const char *dir = check_tmpdir();
  char path[1024];
  snprintf(path, sizeof path, "%s/missing.schema.yaml", dir);
  CHECK_EQ_INT(cdlt_schema_import_file(path, &s, &err), CDLT_ERR_NOT_FOUND);
  CHECK(strstr(err.msg, "missing.schema.yaml") != NULL);
  /* a .json file is read as JSON: YAML in it is a JSON error */
  snprintf(path, sizeof path, "%s/demo.schema.json", dir);
  FILE *f = fopen(path, "w");
  if (f) {
    fputs(demo_yaml, f);
    fclose(f);
  }
  CHECK_EQ_INT(cdlt_schema_import_file(path, &s, &err), CDLT_ERR_PARSE);
  CHECK(strstr(err.msg, "invalid JSON") != NULL);
  CHECK(s == NULL);
}

int main(void) {
  test_golden_round_trips();
  test_hand_written_yaml();
  test_remove_apply_defaults();
  test_validation_errors();
  test_import_file_errors();
  return check_finish();
}
