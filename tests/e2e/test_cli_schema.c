/* test_cli_schema.c — end-to-end tests of `cdlt schema FILE [--format json|yaml] [--remove-defaults]`
 * with the real binary on dlt-written golden schema files: JSON output equals dlt's file, YAML with
 * removed defaults equals what dlt's `dlt schema` prints (PyYAML text, plus click.echo's newline),
 * a YAML export re-read keeps the version_hash, invalid files exit 1 with the reason. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char append_yaml_rd[] =
    "version: 2\n"
    "version_hash: 3ThQWyvVe6Il+pCPI4i3hXGQ1PSAK3eq5/a2/eewWvs=\n"
    "engine_version: 11\n"
    "name: golden_postgres_append\n"
    "tables:\n"
    "  _dlt_version:\n"
    "    columns:\n"
    "      version:\n"
    "        data_type: bigint\n"
    "        nullable: false\n"
    "      engine_version:\n"
    "        data_type: bigint\n"
    "        nullable: false\n"
    "      inserted_at:\n"
    "        data_type: timestamp\n"
    "        nullable: false\n"
    "      schema_name:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "      version_hash:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "      schema:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "    write_disposition: skip\n"
    "    resource: _dlt_version\n"
    "    description: Created by DLT. Tracks schema updates\n"
    "  _dlt_loads:\n"
    "    columns:\n"
    "      load_id:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "        precision: 64\n"
    "      schema_name:\n"
    "        data_type: text\n"
    "        nullable: true\n"
    "      status:\n"
    "        data_type: bigint\n"
    "        nullable: false\n"
    "      inserted_at:\n"
    "        data_type: timestamp\n"
    "        nullable: false\n"
    "      schema_version_hash:\n"
    "        data_type: text\n"
    "        nullable: true\n"
    "    write_disposition: skip\n"
    "    resource: _dlt_loads\n"
    "    description: Created by DLT. Tracks completed loads\n"
    "  users:\n"
    "    columns:\n"
    "      id:\n"
    "        data_type: bigint\n"
    "        nullable: true\n"
    "      name:\n"
    "        data_type: text\n"
    "        nullable: true\n"
    "      created_at:\n"
    "        data_type: timestamp\n"
    "        nullable: true\n"
    "      address__city:\n"
    "        data_type: text\n"
    "        nullable: true\n"
    "      _dlt_load_id:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "      _dlt_id:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "        unique: true\n"
    "        row_key: true\n"
    "    write_disposition: append\n"
    "    resource: users\n"
    "    x-normalizer:\n"
    "      seen-data: true\n"
    "  _dlt_pipeline_state:\n"
    "    columns:\n"
    "      version:\n"
    "        data_type: bigint\n"
    "        nullable: false\n"
    "      engine_version:\n"
    "        data_type: bigint\n"
    "        nullable: false\n"
    "      pipeline_name:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "      state:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "      created_at:\n"
    "        data_type: timestamp\n"
    "        nullable: false\n"
    "      version_hash:\n"
    "        data_type: text\n"
    "        nullable: true\n"
    "      _dlt_load_id:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "        precision: 64\n"
    "      _dlt_id:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "        unique: true\n"
    "        row_key: true\n"
    "    write_disposition: append\n"
    "    file_format: preferred\n"
    "    resource: _dlt_pipeline_state\n"
    "    x-normalizer:\n"
    "      seen-data: true\n"
    "  users__pets:\n"
    "    columns:\n"
    "      name:\n"
    "        data_type: text\n"
    "        nullable: true\n"
    "      kind:\n"
    "        data_type: text\n"
    "        nullable: true\n"
    "      _dlt_parent_id:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "        parent_key: true\n"
    "      _dlt_list_idx:\n"
    "        data_type: bigint\n"
    "        nullable: false\n"
    "      _dlt_id:\n"
    "        data_type: text\n"
    "        nullable: false\n"
    "        unique: true\n"
    "        row_key: true\n"
    "    parent: users\n"
    "    x-normalizer:\n"
    "      seen-data: true\n"
    "settings:\n"
    "  detections:\n"
    "  - iso_timestamp\n"
    "  default_hints:\n"
    "    not_null:\n"
    "    - _dlt_id\n"
    "    - _dlt_root_id\n"
    "    - _dlt_parent_id\n"
    "    - _dlt_list_idx\n"
    "    - _dlt_load_id\n"
    "    parent_key:\n"
    "    - _dlt_parent_id\n"
    "    root_key:\n"
    "    - _dlt_root_id\n"
    "    unique:\n"
    "    - _dlt_id\n"
    "    row_key:\n"
    "    - _dlt_id\n"
    "normalizers:\n"
    "  names: snake_case\n"
    "  json:\n"
    "    module: dlt.common.normalizers.json.relational\n"
    "previous_hashes:\n"
    "- BXkKsHAc2U3aibD9ES1RKbuwTPEJ/cyCmqUraUlOLQQ=\n"
    "- 8qn1e0j0ACmMNhUAjuVRyDvJn0wpBU2Y+zTjjJAjOO0=\n"
    "\n";

static const char *golden_append(void) {
  static char p[1024];
  snprintf(p, sizeof p, "%s/spec/golden/users_append_postgres/pipeline_dir__schemas__golden_postgres_append.schema.json",
           check_shared_dir());
  return p;
}

/* runs `cdlt <args>`; stdout only when errors_too is false. Returns the exit status. */
static int cdlt(char **out, bool errors_too, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cdlt(char **out, bool errors_too, const char *fmt, ...) {
  char args[2048], cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "'%s' %s%s", check_cdlt_bin(), args, errors_too ? "" : " 2>/dev/null");
  int rc = check_run(cmd, out);
  CHECK_MSG(!*out || !strstr(*out, "Sanitizer"), "sanitizer report from cdlt %s:\n%s", args, *out);
  return rc;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK_MSG(f != NULL, "cannot create %s", path);
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static void test_json_is_dlts_file(void) {
  size_t len = 0;
  char *file = check_read_file(golden_append(), &len);
  CHECK(file != NULL);
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&out, false, "schema '%s' --format json", golden_append()), 0);
  /* dlt's schema file is to_pretty_json; `dlt schema` echoes it with a newline */
  CHECK_MSG(out && file && strlen(out) == len + 1 && !memcmp(out, file, len) && out[len] == '\n',
            "json output differs from dlt's file");
  free(out);
  free(file);
}

static void test_yaml_remove_defaults(void) {
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&out, false, "schema '%s' --remove-defaults", golden_append()), 0);
  CHECK_MSG(out && !strcmp(out, append_yaml_rd), "yaml differs:\n%s", out ? out : "");
  free(out);
  /* --format yaml is the default; without --remove-defaults names are kept */
  CHECK_EQ_INT(cdlt(&out, false, "schema --format yaml '%s'", golden_append()), 0);
  /* same header (version, version_hash, engine_version, name) as with --remove-defaults */
  const char *tables = strstr(append_yaml_rd, "tables:\n");
  CHECK(out && tables && !strncmp(out, append_yaml_rd, (size_t)(tables - append_yaml_rd)));
  CHECK(out && strstr(out, "  users:\n    columns:\n      id:\n        name: id\n"));
  CHECK(out && strstr(out, "\n    name: users\n"));
  free(out);
}

static void test_yaml_round_trip(void) {
  const char *dir = check_tmpdir();
  char path[1024];
  snprintf(path, sizeof path, "%s/golden.schema.yaml", dir);
  write_text(path, append_yaml_rd);
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&out, false, "schema '%s' --format json", path), 0);
  size_t len = 0;
  char *file = check_read_file(golden_append(), &len);
  /* same version and version_hash as dlt's file: the hash is computed with the defaults back */
  const char *vh = file ? strstr(file, "\"version_hash\"") : NULL;
  CHECK(out && vh && !strncmp(out, "{\n  \"version\": ", 14));
  CHECK(out && vh && strstr(out, "\"version_hash\": \"") && !strncmp(strstr(out, "\"version_hash\""), vh, 62));
  /* names are back, appended after the other keys as dlt's apply_defaults does */
  CHECK(out && strstr(out, "\"write_disposition\": \"append\",\n      \"resource\": \"users\",\n      \"x-normalizer\": {\n"
                           "        \"seen-data\": true\n      },\n      \"name\": \"users\"\n"));
  free(out);
  free(file);
}

static void test_invalid_files(void) {
  const char *dir = check_tmpdir();
  char path[1024], yaml[8192];
  snprintf(path, sizeof path, "%s/bad.schema.yaml", dir);
  /* data_type that dlt does not know */
  const char *at = strstr(append_yaml_rd, "      id:\n        data_type: bigint\n");
  CHECK(at != NULL);
  if (!at) return;
  snprintf(yaml, sizeof yaml, "%.*s      id:\n        data_type: integer\n%s", (int)(at - append_yaml_rd), append_yaml_rd,
           at + strlen("      id:\n        data_type: bigint\n"));
  write_text(path, yaml);
  char *out = NULL;
  CHECK_EQ_INT(cdlt(&out, true, "schema '%s'", path), 1);
  char want[2048];
  snprintf(want, sizeof want,
           "cdlt schema: invalid schema file '%s': table 'users', column 'id': field 'data_type' has value 'integer', "
           "expected one of: text, double, bool, timestamp, bigint, binary, json, decimal, wei, date, time\n", path);
  CHECK_EQ_STR(out, want);
  free(out);

  /* broken YAML: line and column */
  write_text(path, "version: 2\ntables:\n  t: [1\n");
  CHECK_EQ_INT(cdlt(&out, true, "schema '%s'", path), 1);
  snprintf(want, sizeof want, "cdlt schema: invalid YAML in '%s' at line 3, column 6: unterminated flow sequence\n", path);
  CHECK_EQ_STR(out, want);
  free(out);

  /* missing file */
  CHECK_EQ_INT(cdlt(&out, true, "schema '%s/nope.yaml'", dir), 1);
  CHECK(out && !strncmp(out, "cdlt schema: ", 13) && strstr(out, "nope.yaml"));
  free(out);

  /* usage */
  CHECK_EQ_INT(cdlt(&out, true, "schema"), 2);
  CHECK(out && strstr(out, "cdlt schema: missing FILE"));
  free(out);
  CHECK_EQ_INT(cdlt(&out, true, "schema '%s' --format xml", golden_append()), 2);
  CHECK(out && strstr(out, "--format must be json or yaml"));
  free(out);
}

int main(void) {
  test_json_is_dlts_file();
  test_yaml_remove_defaults();
  test_yaml_round_trip();
  test_invalid_files();
  return check_finish();
}
