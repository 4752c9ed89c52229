/* cmd_run.c — `cdlt run FILE...`: load JSON files into a destination through a pipeline.
 * Flags are turned into pipeline options and into dlt's resource hints (a JSON object, see
 * cdlt_resource_options.hints_json); the library does the rest. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "cdlt/config.h"
#include "cli.h"
#include "run_hints.h"

static const char run_usage[] =
    "usage: cdlt run FILE... --pipeline NAME [options]\n"
    "       cdlt run -c PIPELINE_FILE.toml [--pipelines-dir DIR] [--dev-mode] [--refresh MODE]\n"
    "\n"
    "Loads FILEs (JSON Lines, a JSON array of objects or one JSON object; plain or .gz;\n"
    "'-' for standard input) into the destination, as dlt's pipeline.run() does.\n"
    "\n"
    "pipeline:\n"
    "  --pipeline NAME             pipeline name (working dir <pipelines-dir>/NAME)\n"
    "  --dataset NAME              dataset (schema) name; default NAME_dataset\n"
    "  --destination NAME          duckdb (default), postgres, sqlite, filesystem\n"
    "  --credentials VALUE         database file, connection string or bucket url\n"
    "  --pipelines-dir DIR         where working dirs live; default as dlt\n"
    "                              ($DLT_DATA_DIR/pipelines, ~/.dlt/pipelines)\n"
    "  --naming NAME               naming convention of a new schema: snake_case (default),\n"
    "                              duck_case, direct, sql_cs_v1, sql_ci_v1\n"
    "  --detections LIST           type detections, e.g. iso_timestamp,iso_date,timestamp,\n"
    "                              large_integer (default iso_timestamp); '' = none\n"
    "  --replace-strategy S        truncate-and-insert (default), insert-from-staging,\n"
    "                              staging-optimized\n"
    "  --dev-mode                  load into a fresh dataset with a time suffix\n"
    "  --refresh MODE              drop_sources, drop_resources or drop_data before loading\n"
    "  --no-restore                do not restore state/schema from the destination\n"
    "  --import-schema PATH        schema file (.json/.yaml) or folder with <schema>.schema.yaml,\n"
    "                              imported whenever it changes (dlt's import_schema_path)\n"
    "  --export-schema DIR         write <schema>.schema.yaml there after each run\n"
    "  --max-json-depth N          input limits: nesting depth (default 10000), bytes of one\n"
    "  --max-json-string-bytes N   string (256 MiB) and of one item (1 GiB); hitting one is an\n"
    "  --max-json-item-bytes N     error naming the file, line and column\n"
    "  --normalize-workers N       threads of the normalize stage (default: the CPU cores;\n"
    "                              [normalize] workers, NORMALIZE__WORKERS)\n"
    "\n"
    "resource (one per table; hints as dlt's @dlt.resource arguments):\n"
    "  --table NAME                table name; default: each file's base name\n"
    "  --write-disposition WD      append (default), replace, merge, skip\n"
    "  --merge-strategy S          delete-insert (default), upsert, insert-only, scd2\n"
    "  --primary-key COLS          comma-separated column names\n"
    "  --merge-key COLS            comma-separated column names\n"
    "  --dedup-sort COL[:asc|desc] keep the highest (desc, default) / lowest row per key\n"
    "  --hard-delete COL           rows with this column set are deleted\n"
    "  --validity-columns FROM,TO  scd2 validity column names\n"
    "  --boundary-timestamp TS     scd2 validity boundary (default: the load time)\n"
    "  --active-record-timestamp TS  scd2 'valid to' value of active records (default NULL)\n"
    "  --row-version-column COL    scd2 row version column (default _dlt_id = row hash)\n"
    "  --columns SPEC              column hints: a JSON object {\"col\": {\"data_type\": ...}}\n"
    "                              or col:type[,col:type...]\n"
    "  --max-table-nesting N       nesting depth that becomes child tables (deeper: json)\n"
    "  --schema-contract C         evolve, freeze, discard_row, discard_value, or JSON\n"
    "                              {\"tables\": m, \"columns\": m, \"data_type\": m}\n"
    "  --hints JSON                any resource hints as a JSON object\n"
    "\n"
    "incremental (dlt.sources.incremental):\n"
    "  --incremental CURSOR_PATH   cursor field ('updated_at', 'a.b', '$.a.b')\n"
    "  --initial-value V           --end-value V\n"
    "  --last-value-func max|min   --row-order asc|desc\n"
    "  --on-cursor-value-missing raise|include|exclude\n"
    "  --lag N                     --range-start closed|open   --range-end open|closed\n";

/* table name from a file name: base name without .gz and one data extension */
static char *table_from_path(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char *t = strdup(base);
  if (!t) return NULL;
  static const char *const exts[] = {".gz", ".jsonl", ".ndjson", ".json", NULL};
  for (const char *const *e = exts; *e; e++) {
    size_t n = strlen(t), el = strlen(*e);
    if (n > el && !strcmp(t + n - el, *e)) t[n - el] = 0;
  }
  return t;
}

static int print_info(const cdlt_load_info *info) {
  if (cdlt_load_info_pending_only(info))
    printf("Pending load packages from an interrupted run were loaded first; the given files were NOT "
           "extracted. Run the command again to load them.\n");
  size_t nt = cdlt_load_info_table_count(info);
  if (nt) {
    printf("Normalized data for the following tables:\n");
    for (size_t k = 0; k < nt; k++)
      printf("- %s: %llu row(s)\n", cdlt_load_info_table_name(info, k),
             (unsigned long long)cdlt_load_info_table_rows(info, k));
  }
  printf("%s\n", cdlt_load_info_text(info));
  return 0;
}

/* `cdlt run -c FILE`: every [[resources]] entry of the pipeline file, in order, through one
 * pipeline; the few run flags given on the command line override the file. */
static int run_pipeline_file(const char *path, const cdlt_pipeline_options *overrides) {
  cdlt_pipeline_file *pf = NULL;
  if (cdlt_pipeline_file_load(path, &pf)) {
    fprintf(stderr, "cdlt run: %s\n", pf ? cdlt_pipeline_file_errmsg(pf) : "out of memory");
    cdlt_pipeline_file_free(pf);
    return CLI_EXIT_FAILED;
  }
  cdlt_pipeline_options opts = *cdlt_pipeline_file_options(pf);
  if (overrides->pipelines_dir) opts.pipelines_dir = overrides->pipelines_dir;
  if (overrides->dev_mode) opts.dev_mode = 1;
  if (overrides->refresh) opts.refresh = overrides->refresh;
  if (overrides->skip_restore) opts.skip_restore = 1;
  if (overrides->credentials) opts.credentials = overrides->credentials;
  cdlt_pipeline *p = NULL;
  int rc = cdlt_pipeline_open(&opts, &p);
  if (rc) {
    fprintf(stderr, "cdlt run: %s\n", cdlt_errmsg(p));
    cdlt_pipeline_close(p);
    cdlt_pipeline_file_free(pf);
    return rc == CDLT_ERR_USAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
  }
  int exit_code = CLI_EXIT_OK;
  for (size_t k = 0; k < cdlt_pipeline_file_resource_count(pf) && exit_code == CLI_EXIT_OK; k++) {
    size_t n = 0;
    const char *const *paths = cdlt_pipeline_file_resource_paths(pf, k, &n);
    cdlt_load_info *info = NULL;
    rc = cdlt_pipeline_run_files(p, paths, n, cdlt_pipeline_file_resource_options(pf, k), &info);
    if (rc) {
      fprintf(stderr, "cdlt run: resource '%s': %s\n", cdlt_pipeline_file_resource_name(pf, k), cdlt_errmsg(p));
      exit_code = rc == CDLT_ERR_USAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
    } else {
      print_info(info);
    }
    cdlt_load_info_free(info);
  }
  cdlt_pipeline_close(p);
  cdlt_pipeline_file_free(pf);
  return exit_code;
}

/* A value-taking option: its name and where its value goes. */
typedef struct opt_spec {
  const char *flag;
  const char **target;
} opt_spec;

int cmd_run(int argc, char **argv) {
  cdlt_pipeline_options opts = {0};
  run_hint_args h = {0};
  const char *table = NULL, *pipeline_file = NULL, *max_depth = NULL, *max_string = NULL, *max_item = NULL;
  const char *normalize_workers = NULL;
  const char **files = calloc((size_t)argc + 1, sizeof *files);
  size_t nfiles = 0;
  if (!files) return CLI_EXIT_FAILED;
  const opt_spec specs[] = {
      {"-c", &pipeline_file}, {"--config", &pipeline_file}, {"--pipeline", &opts.pipeline_name}, {"--dataset", &opts.dataset_name}, {"--table", &table},
      {"--destination", &opts.destination}, {"--credentials", &opts.credentials},
      {"--pipelines-dir", &opts.pipelines_dir}, {"--naming", &opts.naming},
      {"--replace-strategy", &opts.replace_strategy}, {"--refresh", &opts.refresh},
      {"--detections", &opts.detections}, {"--import-schema", &opts.import_schema_path},
      {"--export-schema", &opts.export_schema_path}, {"--max-json-depth", &max_depth},
      {"--max-json-string-bytes", &max_string}, {"--max-json-item-bytes", &max_item},
      {"--write-disposition", &h.write_disposition}, {"--merge-strategy", &h.merge_strategy},
      {"--primary-key", &h.primary_key}, {"--merge-key", &h.merge_key}, {"--dedup-sort", &h.dedup_sort},
      {"--hard-delete", &h.hard_delete}, {"--validity-columns", &h.validity_columns},
      {"--boundary-timestamp", &h.boundary_timestamp}, {"--active-record-timestamp", &h.active_record_timestamp},
      {"--row-version-column", &h.row_version_column}, {"--columns", &h.columns},
      {"--max-table-nesting", &h.max_table_nesting}, {"--schema-contract", &h.schema_contract},
      {"--hints", &h.extra_json}, {"--incremental", &h.cursor_path}, {"--initial-value", &h.initial_value},
      {"--end-value", &h.end_value}, {"--last-value-func", &h.last_value_func}, {"--row-order", &h.row_order},
      {"--on-cursor-value-missing", &h.on_cursor_value_missing}, {"--lag", &h.lag},
      {"--range-start", &h.range_start}, {"--range-end", &h.range_end},
      {"--normalize-workers", &normalize_workers},
      {NULL, NULL}};
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(run_usage, stdout); free(files); return CLI_EXIT_OK; }
    if (!strcmp(a, "--dev-mode")) { opts.dev_mode = 1; continue; }
    if (!strcmp(a, "--no-restore")) { opts.skip_restore = 1; continue; }
    const opt_spec *spec = NULL;
    for (const opt_spec *s = specs; s->flag && !spec; s++)
      if (!strcmp(a, s->flag)) spec = s;
    if (!spec && a[0] == '-' && a[1] != 0) {
      fprintf(stderr, "cdlt run: unknown option '%s'\n\n%s", a, run_usage);
      free(files);
      return CLI_EXIT_USAGE;
    }
    if (!spec) {
      files[nfiles++] = a;
      continue;
    }
    if (k + 1 >= argc) {
      fprintf(stderr, "cdlt run: option '%s' needs a value\n", a);
      free(files);
      return CLI_EXIT_USAGE;
    }
    *spec->target = argv[++k];
  }
  /* the pipeline reads [normalize] workers through the config providers: the flag is the env var */
  if (normalize_workers) {
    char *end;
    long n = strtol(normalize_workers, &end, 10);
    if (!*normalize_workers || *end || n < 1 || n > 256) {
      fprintf(stderr, "cdlt run: --normalize-workers must be a number from 1 to 256, not '%s'\n", normalize_workers);
      free(files);
      return CLI_EXIT_USAGE;
    }
    setenv("NORMALIZE__WORKERS", normalize_workers, 1);
  }
  if (pipeline_file) {
    if (nfiles || opts.pipeline_name || table) {
      fprintf(stderr, "cdlt run: -c takes the pipeline, tables and input files from the pipeline file\n");
      free(files);
      return CLI_EXIT_USAGE;
    }
    free(files);
    return run_pipeline_file(pipeline_file, &opts);
  }
  if (!opts.pipeline_name || nfiles == 0) {
    fprintf(stderr, "cdlt run: %s\n\n%s", !opts.pipeline_name ? "--pipeline is required" : "no input files", run_usage);
    free(files);
    return CLI_EXIT_USAGE;
  }
  for (size_t k = 0; k < nfiles && !table; k++)
    if (!strcmp(files[k], "-")) {
      fprintf(stderr, "cdlt run: --table is required when reading standard input\n");
      free(files);
      return CLI_EXIT_USAGE;
    }
  /* input limits */
  if (max_depth) opts.max_json_depth = (size_t)strtoull(max_depth, NULL, 10);
  if (max_string) opts.max_json_string_bytes = (size_t)strtoull(max_string, NULL, 10);
  if (max_item) opts.max_json_item_bytes = strtoull(max_item, NULL, 10);
  char hint_err[512];
  char *hints_json = run_hints_build(&h, hint_err, sizeof hint_err);
  if (!hints_json) {
    fprintf(stderr, "cdlt run: %s\n", hint_err);
    free(files);
    return CLI_EXIT_USAGE;
  }

  cdlt_pipeline *p = NULL;
  int rc = cdlt_pipeline_open(&opts, &p);
  if (rc) {
    fprintf(stderr, "cdlt run: %s\n", cdlt_errmsg(p));
    cdlt_pipeline_close(p);
    free(files);
    free(hints_json);
    return rc == CDLT_ERR_USAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
  }
  /* one resource per table: files with the same table name go together, in argument order */
  int exit_code = CLI_EXIT_OK;
  bool *done = calloc(nfiles, sizeof *done);
  const char **group = calloc(nfiles + 1, sizeof *group);
  for (size_t k = 0; done && group && k < nfiles && exit_code == CLI_EXIT_OK; k++) {
    if (done[k]) continue;
    char *tname = table ? strdup(table) : table_from_path(files[k]);
    size_t ng = 0;
    for (size_t j = k; j < nfiles; j++) {
      char *other = table ? NULL : table_from_path(files[j]);
      if (table || (other && !strcmp(other, tname))) { group[ng++] = files[j]; done[j] = true; }
      free(other);
    }
    cdlt_resource_options res = {tname, NULL, hints_json};
    cdlt_load_info *info = NULL;
    rc = cdlt_pipeline_run_files(p, group, ng, &res, &info);
    if (rc) {
      fprintf(stderr, "cdlt run: %s\n", cdlt_errmsg(p));
      exit_code = rc == CDLT_ERR_USAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
    } else {
      print_info(info);
    }
    cdlt_load_info_free(info);
    free(tname);
  }
  free(done);
  free(group);
  cdlt_pipeline_close(p);
  free(files);
  free(hints_json);
  return exit_code;
}
