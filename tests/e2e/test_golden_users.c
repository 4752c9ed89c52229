/* test_golden_users.c — the input of shared/spec/golden/users_* loaded with append by the cdlt
 * binary gives exactly what dlt produced: the same schema (bit-exact version_hash), the same
 * pipeline state hash, and in DuckDB the same tables, columns, column order, types and values. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "destinations/destination.h"
#include "json/json.h"
#include "state/state.h"
#include "util/hash.h"

static const char *golden_dir = "spec/golden/users_append_duckdb_normalize_only";

/* renders a query result as "a|b\nc|d" (NULL as "NULL"); caller frees */
static char *query_text(cdlt_destination *d, const char *sql) {
  cdlt_rows rows = {0};
  cdlt_error err = {0};
  if (d->vtab->query(d, sql, &rows, &err)) {
    fprintf(stderr, "query failed: %s\n%s\n", sql, err.msg);
    return strdup("<error>");
  }
  size_t cap = 1024, len = 0;
  char *out = malloc(cap);
  out[0] = 0;
  for (size_t r = 0; r < rows.nrows; r++)
    for (size_t c = 0; c < rows.ncols; c++) {
      const char *v = cdlt_rows_get(&rows, r, c);
      if (!v) v = "NULL";
      size_t need = len + strlen(v) + 3;
      if (need > cap) { cap = need * 2; out = realloc(out, cap); }
      len += (size_t)sprintf(out + len, "%s%s", v, c + 1 < rows.ncols ? "|" : (r + 1 < rows.nrows ? "\n" : ""));
    }
  cdlt_rows_free(&rows);
  return out;
}

static cdlt_json_value *parse_file(cdlt_json_doc *doc, const char *path) {
  size_t len = 0;
  char *text = check_read_file(path, &len);
  if (!text) { check_report(0, __FILE__, __LINE__, "cannot read %s", path); return NULL; }
  cdlt_json_value *v = NULL;
  cdlt_error err = {0};
  if (cdlt_json_parse(doc, text, len, path, &v, &err)) check_report(0, __FILE__, __LINE__, "%s", err.msg);
  free(text);
  return v;
}

int main(void) {
  const char *tmp = check_tmpdir();
  char *input = NULL, *cmd = NULL, *out = NULL, *path = NULL;
  if (asprintf(&input, "%s/users.jsonl", tmp) < 0) return 2;
  FILE *f = fopen(input, "w");
  fputs("{\"id\":1,\"name\":\"Alice\",\"createdAt\":\"2024-01-01T10:00:00Z\",\"address\":{\"city\":\"Berlin\"},"
        "\"pets\":[{\"name\":\"Rex\",\"kind\":\"dog\"},{\"name\":\"Tom\",\"kind\":\"cat\"}]}\n"
        "{\"id\":2,\"name\":\"Bob\",\"createdAt\":\"2024-02-01T10:00:00+02:00\",\"address\":{\"city\":\"Paris\"},\"pets\":[]}\n",
        f);
  fclose(f);
  if (asprintf(&cmd, "cd '%s' && DLT_DATA_DIR='%s/dlt' '%s' run users.jsonl --pipeline golden_duckdb_append "
               "--dataset golden_duckdb_append_data", tmp, tmp, check_cdlt_bin()) < 0) return 2;
  int rc = check_run(cmd, &out);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(strstr(out, "1 load package(s) were loaded to destination duckdb and into dataset golden_duckdb_append_data"),
            "load info: %s", out);
  CHECK_MSG(strstr(out, "- users: 2 row(s)") && strstr(out, "- users__pets: 2 row(s)"), "row counts: %s", out);

  /* the schema file equals dlt's, bit-exact hash included */
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  char *gold_path = NULL;
  if (asprintf(&gold_path, "%s/%s/pipeline_dir__schemas__golden_duckdb_append.schema.json", check_shared_dir(), golden_dir) < 0) return 2;
  if (asprintf(&path, "%s/dlt/pipelines/golden_duckdb_append/schemas/golden_duckdb_append.schema.json", tmp) < 0) return 2;
  cdlt_json_value *gold = parse_file(&doc, gold_path), *ours = parse_file(&doc, path);
  if (gold && ours) {
    CHECK_EQ_STR(cdlt_json_get_str(ours, "version_hash"), cdlt_json_get_str(gold, "version_hash"));
    CHECK_EQ_INT(cdlt_json_get_int(ours, "version", 0), cdlt_json_get_int(gold, "version", -1));
    CHECK_EQ_INT(cdlt_json_get_int(ours, "engine_version", 0), 11);
    CHECK(cdlt_json_equal(cdlt_json_get(ours, "tables"), cdlt_json_get(gold, "tables")));
    CHECK(cdlt_json_equal(cdlt_json_get(ours, "settings"), cdlt_json_get(gold, "settings")));
    CHECK(cdlt_json_equal(cdlt_json_get(ours, "normalizers"), cdlt_json_get(gold, "normalizers")));
    /* table order (it feeds the hash through column order) */
    cdlt_json_value *ot = cdlt_json_get(ours, "tables"), *gt = cdlt_json_get(gold, "tables");
    for (size_t k = 0; ot && gt && k < gt->u.obj.len && k < ot->u.obj.len; k++)
      CHECK_EQ_STR(ot->u.obj.members[k].key, gt->u.obj.members[k].key);
  }
  /* pretty format: 2-space indent as dlt writes it */
  char *text = check_read_file(path, NULL);
  CHECK(text && strncmp(text, "{\n  \"version\": 2,\n  \"version_hash\": ", 36) == 0);
  free(text);

  /* state.json: same content hash as dlt's */
  free(path);
  if (asprintf(&path, "%s/dlt/pipelines/golden_duckdb_append/state.json", tmp) < 0) return 2;
  cdlt_state st;
  cdlt_error err = {0};
  CHECK_OK(cdlt_state_load(&st, path, &err), &err);
  if (st.root) {
    CHECK_EQ_STR(cdlt_json_get_str(st.root, "_version_hash"), "b+vNCEcwt+1bSrFQCK/6+3Fuy8H7SFHRhHPeUicNjTY=");
    CHECK_EQ_INT(cdlt_json_get_int(st.root, "_state_version", 0), 1);
    const char *at = cdlt_json_get_str(cdlt_json_get(st.root, "_local"), "_last_extracted_at");
    CHECK_MSG(at && strncmp(at, CDLT_PUA_DATETIME, 3) == 0, "_last_extracted_at is PUA-typed");
  }
  cdlt_state_release(&st);

  /* the destination */
  cdlt_destination *d = NULL;
  char *db = NULL;
  if (asprintf(&db, "%s/golden_duckdb_append.duckdb", tmp) < 0) return 2;
  cdlt_destination_config cfg = {.credentials = db};
  CHECK_OK(cdlt_destination_open(cdlt_destination_find("duckdb"), &cfg, &d, &err), &err);
  if (d) {
    char *s = query_text(d, "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                            "'golden_duckdb_append_data' ORDER BY table_name");
    CHECK_EQ_STR(s, "_dlt_loads\n_dlt_pipeline_state\n_dlt_version\nusers\nusers__pets");
    free(s);
    s = query_text(d, "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = "
                      "'golden_duckdb_append_data' AND table_name = 'users' ORDER BY ordinal_position");
    CHECK_EQ_STR(s, "id|BIGINT|YES\nname|VARCHAR|YES\ncreated_at|TIMESTAMP WITH TIME ZONE|YES\naddress__city|VARCHAR|YES\n"
                    "_dlt_load_id|VARCHAR|NO\n_dlt_id|VARCHAR|NO");
    free(s);
    s = query_text(d, "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = "
                      "'golden_duckdb_append_data' AND table_name = 'users__pets' ORDER BY ordinal_position");
    CHECK_EQ_STR(s, "name|VARCHAR|YES\nkind|VARCHAR|YES\n_dlt_parent_id|VARCHAR|NO\n_dlt_list_idx|BIGINT|NO\n_dlt_id|VARCHAR|NO");
    free(s);
    s = query_text(d, "SELECT id, name, created_at, address__city FROM golden_duckdb_append_data.users ORDER BY id");
    CHECK_EQ_STR(s, "1|Alice|2024-01-01T10:00:00+00:00|Berlin\n2|Bob|2024-02-01T08:00:00+00:00|Paris");
    free(s);
    /* children link to Alice's row, with dlt's deterministic ids */
    s = query_text(d, "SELECT p.name, p.kind, p._dlt_list_idx FROM golden_duckdb_append_data.users__pets p JOIN "
                      "golden_duckdb_append_data.users u ON p._dlt_parent_id = u._dlt_id WHERE u.id = 1 ORDER BY p._dlt_list_idx");
    CHECK_EQ_STR(s, "Rex|dog|0\nTom|cat|1");
    free(s);
    char *pid = query_text(d, "SELECT _dlt_id FROM golden_duckdb_append_data.users WHERE id = 1");
    char *kid = query_text(d, "SELECT _dlt_id FROM golden_duckdb_append_data.users__pets WHERE _dlt_list_idx = 1");
    char src[128], expect[32];
    snprintf(src, sizeof src, "%s_users__pets_1", pid);
    cdlt_digest128(src, strlen(src), 10, expect);
    CHECK_EQ_STR(kid, expect);
    CHECK_EQ_INT(strlen(pid), 14);
    free(pid);
    free(kid);
    /* internal tables */
    s = query_text(d, "SELECT count(*), min(status), min(schema_name), min(schema_version_hash) FROM golden_duckdb_append_data._dlt_loads");
    CHECK_EQ_STR(s, "1|0|golden_duckdb_append|CTr4JepnyDgldaN+8BShEAj1sqt2j7zcHrgGpj3iC+w=");
    free(s);
    s = query_text(d, "SELECT (SELECT count(DISTINCT _dlt_load_id) FROM golden_duckdb_append_data.users) = 1 AND "
                      "(SELECT min(_dlt_load_id) FROM golden_duckdb_append_data.users) = (SELECT min(load_id) FROM "
                      "golden_duckdb_append_data._dlt_loads)");
    CHECK_EQ_STR(s, "true");
    free(s);
    s = query_text(d, "SELECT version, engine_version, schema_name, version_hash FROM golden_duckdb_append_data._dlt_version");
    CHECK_EQ_STR(s, "2|11|golden_duckdb_append|CTr4JepnyDgldaN+8BShEAj1sqt2j7zcHrgGpj3iC+w=");
    free(s);
    s = query_text(d, "SELECT version, engine_version, pipeline_name, version_hash FROM golden_duckdb_append_data._dlt_pipeline_state");
    CHECK_EQ_STR(s, "1|4|golden_duckdb_append|b+vNCEcwt+1bSrFQCK/6+3Fuy8H7SFHRhHPeUicNjTY=");
    free(s);
    /* the stored state decodes to dlt's content */
    char *enc = query_text(d, "SELECT state FROM golden_duckdb_append_data._dlt_pipeline_state");
    cdlt_state dec;
    CHECK_OK(cdlt_state_decode(&dec, enc, &err), &err);
    if (dec.root) {
      CHECK_EQ_STR(cdlt_json_get_str(dec.root, "dataset_name"), "golden_duckdb_append_data");
      CHECK_EQ_STR(cdlt_json_get_str(dec.root, "destination_type"), "dlt.destinations.duckdb");
      CHECK(cdlt_json_get(dec.root, "_local") == NULL);
    }
    cdlt_state_release(&dec);
    free(enc);
    cdlt_destination_close(d);
  }
  cdlt_json_doc_release(&doc);
  free(db);
  free(gold_path);
  free(path);
  free(out);
  free(cmd);
  free(input);
  return check_finish();
}
