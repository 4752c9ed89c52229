/* cmd_run.c — `cdlt run FILE...`: load JSON files into a destination through a pipeline. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "cli.h"

static const char run_usage[] =
    "usage: cdlt run FILE... --pipeline NAME [--dataset NAME] [--table NAME]\n"
    "                [--destination duckdb] [--credentials PATH]\n"
    "                [--write-disposition append|replace] [--pipelines-dir DIR]\n"
    "\n"
    "Loads FILEs (JSON Lines, a JSON array of objects or one JSON object; plain or .gz;\n"
    "'-' for standard input) into the destination, as dlt's pipeline.run() does.\n"
    "\n"
    "options:\n"
    "  --pipeline NAME           pipeline name (working dir <pipelines-dir>/NAME)\n"
    "  --dataset NAME            dataset (schema) name; default NAME_dataset\n"
    "  --table NAME              table name; default: each file's base name\n"
    "  --destination NAME        destination; default duckdb\n"
    "  --credentials PATH        duckdb database file; default ./<pipeline>.duckdb\n"
    "  --write-disposition WD    append (default) or replace\n"
    "  --pipelines-dir DIR       where pipeline working dirs live; default as dlt\n"
    "                            ($DLT_DATA_DIR/pipelines, ~/.dlt/pipelines)\n";

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

int cmd_run(int argc, char **argv) {
  cdlt_pipeline_options opts = {0};
  const char *table = NULL, *wd = NULL;
  const char **files = calloc((size_t)argc + 1, sizeof *files);
  size_t nfiles = 0;
  if (!files) return CLI_EXIT_FAILED;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    const char **target = NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(run_usage, stdout); free(files); return CLI_EXIT_OK; }
    else if (!strcmp(a, "--pipeline")) target = &opts.pipeline_name;
    else if (!strcmp(a, "--dataset")) target = &opts.dataset_name;
    else if (!strcmp(a, "--table")) target = &table;
    else if (!strcmp(a, "--destination")) target = &opts.destination;
    else if (!strcmp(a, "--credentials")) target = &opts.credentials;
    else if (!strcmp(a, "--write-disposition")) target = &wd;
    else if (!strcmp(a, "--pipelines-dir")) target = &opts.pipelines_dir;
    else if (a[0] == '-' && a[1] == '-') {
      fprintf(stderr, "cdlt run: unknown option '%s'\n\n%s", a, run_usage);
      free(files);
      return CLI_EXIT_USAGE;
    } else {
      files[nfiles++] = a;
      continue;
    }
    if (k + 1 >= argc) {
      fprintf(stderr, "cdlt run: option '%s' needs a value\n", a);
      free(files);
      return CLI_EXIT_USAGE;
    }
    *target = argv[++k];
  }
  if (!opts.pipeline_name || nfiles == 0) {
    fprintf(stderr, "cdlt run: %s\n\n%s", !opts.pipeline_name ? "--pipeline is required" : "no input files", run_usage);
    free(files);
    return CLI_EXIT_USAGE;
  }
  if (wd && strcmp(wd, "append") && strcmp(wd, "replace")) {
    fprintf(stderr, "cdlt run: --write-disposition must be append or replace, not '%s'\n", wd);
    free(files);
    return CLI_EXIT_USAGE;
  }
  for (size_t k = 0; k < nfiles && !table; k++)
    if (!strcmp(files[k], "-")) {
      fprintf(stderr, "cdlt run: --table is required when reading standard input\n");
      free(files);
      return CLI_EXIT_USAGE;
    }

  cdlt_pipeline *p = NULL;
  int rc = cdlt_pipeline_open(&opts, &p);
  if (rc) {
    fprintf(stderr, "cdlt run: %s\n", cdlt_errmsg(p));
    cdlt_pipeline_close(p);
    free(files);
    return CLI_EXIT_FAILED;
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
    cdlt_resource_options res = {tname, wd, NULL};
    cdlt_load_info *info = NULL;
    rc = cdlt_pipeline_run_files(p, group, ng, &res, &info);
    if (rc) {
      fprintf(stderr, "cdlt run: %s\n", cdlt_errmsg(p));
      exit_code = CLI_EXIT_FAILED;
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
  return exit_code;
}
