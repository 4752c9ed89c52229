/* test_config_pipeline_file.c — pipeline files (`cdlt run -c`): options, glob expansion relative to
 * the file, the exact hints JSON handed to cdlt_pipeline_run_files, and the validation errors
 * (unknown keys with file and line, wrong types, globs without matches). Real files in a temp dir. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdlt/config.h"
#include "check.h"
#include "util/fs.h"

static char dir[600];

static const char *put_file(const char *rel, const char *text) {
  static char path[8][1200];
  static unsigned next;
  char *p = path[next++ % 8];
  snprintf(p, sizeof path[0], "%s/%s", dir, rel);
  char *slash = strrchr(p, '/');
  *slash = 0;
  cdlt_error err = {0};
  cdlt_fs_mkdir_p(p, 0755, &err);
  *slash = '/';
  FILE *f = fopen(p, "wb");
  CHECK_MSG(f != NULL, "cannot write %s", p);
  if (f) {
    fputs(text, f);
    fclose(f);
  }
  return p;
}

static void test_full_file(void) {
  put_file("proj/data/b.jsonl", "{}\n");
  put_file("proj/data/a.jsonl", "{}\n");
  put_file("proj/data/c.json", "{}\n");
  put_file("proj/other/x.jsonl", "{}\n");
  const char *path = put_file("proj/shop.pipeline.toml",
      "[pipeline]\n"
      "name = \"shop\"\n"
      "destination = \"postgres\"\n"
      "dataset_name = \"shop_data\"\n"
      "pipelines_dir = \"work\"\n"
      "dev_mode = true\n"
      "restore_from_destination = false\n"
      "\n"
      "[[resources]]\n"
      "name = \"orders\"\n"
      "paths = [\"data/*.jsonl\", \"other/x.jsonl\"]\n"
      "write_disposition = {disposition = \"merge\", strategy = \"scd2\", validity_column_names = [\"from\", \"to\"]}\n"
      "primary_key = [\"id\", \"shop\"]\n"
      "merge_key = \"day\"\n"
      "max_table_nesting = 1\n"
      "schema_contract = {tables = \"evolve\", columns = \"freeze\"}\n"
      "incremental = {cursor_path = \"updated_at\", initial_value = 2024-01-01T00:00:00Z, lag = 3600, range_start = \"open\"}\n"
      "file_format = \"jsonl\"\n"
      "[resources.columns.amount]\n"
      "data_type = \"decimal\"\n"
      "precision = 10\n"
      "scale = 2\n"
      "[resources.columns.day]\n"
      "data_type = \"date\"\n"
      "nullable = false\n"
      "[resources.nested_hints.orders__items]\n"
      "primary_key = \"sku\"\n"
      "\n"
      "[[resources]]\n"
      "name = \"customers\"\n"
      "table_name = \"people\"\n"
      "paths = \"data/c.json\"\n"
      "write_disposition = \"replace\"\n");
  cdlt_pipeline_file *f = NULL;
  int rc = cdlt_pipeline_file_load(path, &f);
  CHECK_MSG(rc == 0, "load: %s", f ? cdlt_pipeline_file_errmsg(f) : "nomem");
  if (rc) {
    cdlt_pipeline_file_free(f);
    return;
  }
  const cdlt_pipeline_options *o = cdlt_pipeline_file_options(f);
  char want[1400];
  CHECK_EQ_STR(o->pipeline_name, "shop");
  CHECK_EQ_STR(o->destination, "postgres");
  CHECK_EQ_STR(o->dataset_name, "shop_data");
  CHECK_EQ_STR(o->credentials, NULL);
  snprintf(want, sizeof want, "%s/proj/work", dir);
  CHECK_EQ_STR(o->pipelines_dir, want);
  CHECK_EQ_INT(o->dev_mode, 1);
  CHECK_EQ_INT(o->skip_restore, 1);
  snprintf(want, sizeof want, "%s/proj", dir);
  CHECK_EQ_STR(cdlt_pipeline_file_dir(f), want);
  CHECK_EQ_INT(cdlt_pipeline_file_resource_count(f), 2);
  CHECK_EQ_STR(cdlt_pipeline_file_resource_name(f, 0), "orders");
  size_t n = 0;
  const char *const *paths = cdlt_pipeline_file_resource_paths(f, 0, &n);
  CHECK_EQ_INT(n, 3);
  const char *rel[] = {"data/a.jsonl", "data/b.jsonl", "other/x.jsonl"};
  for (size_t i = 0; i < 3 && i < n; i++) {
    snprintf(want, sizeof want, "%s/proj/%s", dir, rel[i]);
    CHECK_EQ_STR(paths[i], want);
  }
  const cdlt_resource_options *r = cdlt_pipeline_file_resource_options(f, 0);
  CHECK_EQ_STR(r->table_name, "orders");
  CHECK_EQ_STR(r->write_disposition, NULL);
  CHECK_EQ_STR(r->hints_json,
               "{\"table_name\":\"orders\","
               "\"write_disposition\":{\"disposition\":\"merge\",\"strategy\":\"scd2\",\"validity_column_names\":[\"from\",\"to\"]},"
               "\"primary_key\":[\"id\",\"shop\"],\"merge_key\":\"day\","
               "\"columns\":{\"amount\":{\"data_type\":\"decimal\",\"precision\":10,\"scale\":2},"
               "\"day\":{\"data_type\":\"date\",\"nullable\":false}},"
               "\"max_table_nesting\":1,\"schema_contract\":{\"tables\":\"evolve\",\"columns\":\"freeze\"},"
               "\"incremental\":{\"cursor_path\":\"updated_at\",\"initial_value\":\"2024-01-01T00:00:00Z\",\"lag\":3600,\"range_start\":\"open\"},"
               "\"nested_hints\":{\"orders__items\":{\"primary_key\":\"sku\"}},"
               "\"file_format\":\"jsonl\"}");
  CHECK_EQ_STR(cdlt_pipeline_file_resource_name(f, 1), "customers");
  r = cdlt_pipeline_file_resource_options(f, 1);
  CHECK_EQ_STR(r->table_name, "people");
  CHECK_EQ_STR(r->hints_json, "{\"table_name\":\"people\",\"write_disposition\":\"replace\"}");
  paths = cdlt_pipeline_file_resource_paths(f, 1, &n);
  CHECK_EQ_INT(n, 1);
  CHECK(cdlt_pipeline_file_resource_options(f, 2) == NULL);
  cdlt_pipeline_file_free(f);
}

/* Loads text as a pipeline file and expects failure with exactly msg (%s = the file path). */
static void expect_error(const char *text, int code, const char *msg_fmt) {
  const char *path = put_file("proj/bad.pipeline.toml", text);
  cdlt_pipeline_file *f = NULL;
  int rc = cdlt_pipeline_file_load(path, &f);
  CHECK_MSG(rc == code, "rc %d, expected %d for:\n%s", rc, code, text);
  char want[2000];
  snprintf(want, sizeof want, msg_fmt, path);
  CHECK_EQ_STR(f ? cdlt_pipeline_file_errmsg(f) : NULL, want);
  cdlt_pipeline_file_free(f);
}

static void test_errors(void) {
  const char *head = "[pipeline]\nname = \"p\"\n";
  char text[1024];
  snprintf(text, sizeof text, "%s[[resources]]\nname = \"r\"\npaths = [\"data/*.jsonl\"]\nprimary_kye = \"id\"\n", head);
  expect_error(text, CDLT_ERR_USAGE, "unknown key 'primary_kye' in [[resources]] in '%s' at line 6");
  snprintf(text, sizeof text, "[pipeline]\nname = \"p\"\ndestinaton = \"duckdb\"\n[[resources]]\nname=\"r\"\npaths=\"data/a.jsonl\"\n");
  expect_error(text, CDLT_ERR_USAGE, "unknown key 'destinaton' in [pipeline] in '%s' at line 3");
  snprintf(text, sizeof text, "%s[[resources]]\nname = \"r\"\npaths = \"data/a.jsonl\"\nincremental = {cursor_path = \"a\", inital_value = 1}\n", head);
  expect_error(text, CDLT_ERR_USAGE, "unknown key 'inital_value' in incremental in '%s' at line 6");
  snprintf(text, sizeof text, "%s[[resources]]\nname = \"r\"\npaths = \"data/none*.jsonl\"\n", head);
  expect_error(text, CDLT_ERR_USAGE, "resource 'r': no file matches 'data/none*.jsonl' in '%s' at line 5");
  snprintf(text, sizeof text, "%s[[resources]]\nname = \"r\"\npaths = \"data/a.jsonl\"\nmax_table_nesting = \"2\"\n", head);
  expect_error(text, CDLT_ERR_USAGE, "'max_table_nesting' must be a non-negative integer in '%s' at line 6");
  snprintf(text, sizeof text, "%s[[resources]]\nname = \"r\"\n", head);
  expect_error(text, CDLT_ERR_USAGE, "resource 'r' needs 'paths' in '%s' at line 3");
  snprintf(text, sizeof text, "%s", head);
  expect_error(text, CDLT_ERR_USAGE, "no [[resources]] in '%s'");
  snprintf(text, sizeof text, "[pipelines]\nname = 1\n");
  expect_error(text, CDLT_ERR_USAGE, "unknown key 'pipelines' in the pipeline file in '%s' at line 1");
  snprintf(text, sizeof text, "[pipeline]\nname = 1\n");
  expect_error(text, CDLT_ERR_USAGE, "'name' must be a string in '%s' at line 2");
  snprintf(text, sizeof text, "[pipeline]\nname = \"p\"\nname = \"q\"\n");
  expect_error(text, CDLT_ERR_PARSE, "invalid TOML in '%s' at line 3, column 1: key 'name' is defined twice");
  cdlt_pipeline_file *f = NULL;
  CHECK_EQ_INT(cdlt_pipeline_file_load("/nonexistent/p.toml", &f), CDLT_ERR_NOT_FOUND);
  cdlt_pipeline_file_free(f);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s", check_tmpdir());
  test_full_file();
  test_errors();
  return check_finish();
}
