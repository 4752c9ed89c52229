/* cmd_pipeline.c — `cdlt pipeline`: inspect and maintain a pipeline's working dir and its
 * dataset, as `dlt pipeline` does (DLT_CONTRACT §13). Public API only. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "cli.h"

static const char pipeline_usage[] =
    "usage: cdlt pipeline --list [--pipelines-dir DIR] [--json]\n"
    "       cdlt pipeline NAME <operation> [options]\n"
    "\n"
    "operations:\n"
    "  info                     state, resources, working dir content (-v: more)\n"
    "  trace                    the last run\n"
    "  load-package [LOAD_ID]   one load package (default: the newest) and its jobs\n"
    "  failed-jobs              failed jobs of the loaded packages, with their errors\n"
    "  schema                   the default schema (--format yaml|json, --remove-defaults)\n"
    "  drop RESOURCE...         drop resources (names or re:<regex>): tables and state\n"
    "                           (--state-only: only reset the state)\n"
    "  sync                     drop the local state and restore it from the destination\n"
    "  drop-pending-packages    delete extracted and normalized packages\n"
    "\n"
    "options:\n"
    "  --pipelines-dir DIR      where working dirs live; default as dlt\n"
    "  --destination NAME       --credentials VALUE   --dataset NAME\n"
    "                           the destination (default: the one of the last run)\n"
    "  --json                   machine-readable output\n"
    "  --yes, -y                do not ask for confirmation (drop, sync, drop-pending-packages)\n"
    "  --verbose, -v            more detail\n";

/* prints the question, reads y/N from stdin */
static bool confirm(const char *question) {
  printf("%s [y/N]: ", question);
  fflush(stdout);
  char line[64];
  if (!fgets(line, sizeof line, stdin)) {
    putchar('\n');
    return false;
  }
  return !strcmp(line, "y\n") || !strcmp(line, "Y\n") || !strcmp(line, "yes\n") || !strcmp(line, "y") || !strcmp(line, "yes");
}

static int emit(int rc, cdlt_pipeline *p, char *text) {
  if (rc) {
    fprintf(stderr, "cdlt pipeline: %s\n", cdlt_errmsg(p));
    cdlt_free(text);
    return CLI_EXIT_FAILED;
  }
  if (text) fputs(text, stdout);
  cdlt_free(text);
  return CLI_EXIT_OK;
}

int cmd_pipeline(int argc, char **argv) {
  cdlt_pipeline_options opts = {0};
  const char *format = "yaml";
  bool list = false, json = false, yes = false, verbose = false, remove_defaults = false, state_only = false;
  const char **pos = calloc((size_t)argc + 1, sizeof *pos);
  size_t npos = 0;
  if (!pos) return CLI_EXIT_FAILED;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    const char **target = NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(pipeline_usage, stdout); free(pos); return CLI_EXIT_OK; }
    else if (!strcmp(a, "--list") || !strcmp(a, "-l") || !strcmp(a, "--list-pipelines")) { list = true; continue; }
    else if (!strcmp(a, "--json")) { json = true; continue; }
    else if (!strcmp(a, "--yes") || !strcmp(a, "-y")) { yes = true; continue; }
    else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) { verbose = true; continue; }
    else if (!strcmp(a, "--remove-defaults")) { remove_defaults = true; continue; }
    else if (!strcmp(a, "--state-only")) { state_only = true; continue; }
    else if (!strcmp(a, "--pipelines-dir")) target = &opts.pipelines_dir;
    else if (!strcmp(a, "--destination")) target = &opts.destination;
    else if (!strcmp(a, "--credentials")) target = &opts.credentials;
    else if (!strcmp(a, "--dataset")) target = &opts.dataset_name;
    else if (!strcmp(a, "--format")) target = &format;
    else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "cdlt pipeline: unknown option '%s'\n\n%s", a, pipeline_usage);
      free(pos);
      return CLI_EXIT_USAGE;
    } else {
      pos[npos++] = a;
      continue;
    }
    if (k + 1 >= argc) {
      fprintf(stderr, "cdlt pipeline: option '%s' needs a value\n", a);
      free(pos);
      return CLI_EXIT_USAGE;
    }
    *target = argv[++k];
  }
  if (list) {
    char *text = NULL;
    int rc = cdlt_pipelines_list(opts.pipelines_dir, json, &text);
    if (rc) fprintf(stderr, "cdlt pipeline: %s\n", text ? text : "out of memory");
    else fputs(text, stdout);
    cdlt_free(text);
    free(pos);
    return rc ? CLI_EXIT_FAILED : CLI_EXIT_OK;
  }
  if (npos < 2) {
    fprintf(stderr, "cdlt pipeline: %s\n\n%s", npos ? "missing operation" : "missing pipeline name", pipeline_usage);
    free(pos);
    return CLI_EXIT_USAGE;
  }
  const char *op = pos[1];
  static const char *const ops[] = {"info", "trace", "load-package", "failed-jobs", "schema", "drop", "sync",
                                    "drop-pending-packages", NULL};
  bool known = false;
  for (const char *const *o = ops; *o; o++) known |= !strcmp(*o, op);
  if (!known) {
    fprintf(stderr, "cdlt pipeline: unknown operation '%s'\n\n%s", op, pipeline_usage);
    free(pos);
    return CLI_EXIT_USAGE;
  }
  if (strcmp(format, "yaml") && strcmp(format, "json")) {
    fprintf(stderr, "cdlt pipeline: --format must be yaml or json, not '%s'\n", format);
    free(pos);
    return CLI_EXIT_USAGE;
  }
  if (!strcmp(op, "drop") && npos < 3) {
    fprintf(stderr, "cdlt pipeline: drop needs at least one resource name (or re:<regex>)\n");
    free(pos);
    return CLI_EXIT_USAGE;
  }
  opts.pipeline_name = pos[0];
  cdlt_pipeline *p = NULL;
  int rc;
  if (!strcmp(op, "sync")) {
    opts.skip_restore = 1;
    rc = cdlt_pipeline_open(&opts, &p);   /* the working dir may not exist yet: sync restores it */
  } else {
    rc = cdlt_pipeline_attach(&opts, &p);
  }
  if (rc) {
    fprintf(stderr, "cdlt pipeline: %s\n", cdlt_errmsg(p));
    cdlt_pipeline_close(p);
    free(pos);
    return CLI_EXIT_FAILED;
  }
  int exit_code = CLI_EXIT_OK;
  char *text = NULL;
  if (!strcmp(op, "info")) {
    rc = cdlt_pipeline_info(p, verbose, json, &text);
    exit_code = emit(rc, p, text);
  } else if (!strcmp(op, "trace")) {
    rc = cdlt_pipeline_trace(p, json, &text);
    exit_code = emit(rc, p, text);
  } else if (!strcmp(op, "load-package")) {
    rc = cdlt_pipeline_load_package(p, npos > 2 ? pos[2] : NULL, json, &text);
    exit_code = emit(rc, p, text);
  } else if (!strcmp(op, "failed-jobs")) {
    rc = cdlt_pipeline_failed_jobs(p, json, &text);
    exit_code = emit(rc, p, text);
  } else if (!strcmp(op, "schema")) {
    rc = cdlt_pipeline_schema(p, format, remove_defaults, &text);
    exit_code = emit(rc, p, text);
    if (!rc) putchar('\n');
  } else if (!strcmp(op, "drop")) {
    rc = cdlt_pipeline_drop_plan(p, pos + 2, npos - 2, state_only, &text);
    exit_code = emit(rc, p, text);
    if (!rc && (yes || confirm("Do you want to apply these changes?"))) {
      text = NULL;
      rc = cdlt_pipeline_drop(p, pos + 2, npos - 2, state_only, &text);
      exit_code = emit(rc, p, text);
    }
  } else if (!strcmp(op, "sync")) {
    if (yes || confirm("About to drop the local state of the pipeline and reset all the schemas. The destination state, "
                       "data and schemas are left intact. Proceed?")) {
      printf("Dropping local state\nRestoring from destination\n");
      rc = cdlt_pipeline_sync(p, &text);
      exit_code = emit(rc, p, text);
    }
  } else {
    size_t count = 0;
    rc = cdlt_pipeline_pending_packages(p, &count, &text);
    exit_code = emit(rc, p, text);
    if (!rc && count && (yes || confirm("Delete the above packages?"))) {
      if (cdlt_pipeline_drop_pending_packages(p)) {
        fprintf(stderr, "cdlt pipeline: %s\n", cdlt_errmsg(p));
        exit_code = CLI_EXIT_FAILED;
      } else {
        printf("Pending packages deleted\n");
      }
    }
  }
  cdlt_pipeline_close(p);
  free(pos);
  return exit_code;
}
