/* cmd_config.c — `cdlt config show [--pipeline NAME] [--project-dir DIR]`: every configured value
 * resolved through dlt's providers (explicit > environment > secrets.toml > config.toml > defaults),
 * with the provider it came from; secrets masked ("***"). Uses only include/cdlt/config.h. */
#include <stdio.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "cdlt/config.h"
#include "cli.h"

static const char config_usage[] =
    "usage: cdlt config show [--pipeline NAME] [--project-dir DIR]\n"
    "\n"
    "Prints every configuration value and where it came from, in dlt's provider order:\n"
    "environment variables > .dlt/secrets.toml > .dlt/config.toml (project, then global\n"
    "dir) > defaults. Secrets are masked.\n"
    "\n"
    "  --pipeline NAME      look up keys with the pipeline name section first\n"
    "  --project-dir DIR    project directory holding .dlt/ (default: $DLT_PROJECT_DIR or .)\n";

static int show(const char *pipeline, const char *project_dir) {
  cdlt_config_options o = {0};
  o.pipeline_name = pipeline;
  o.project_dir = project_dir;
  cdlt_config *c = NULL;
  int rc = cdlt_config_open(&o, &c);
  if (rc) {
    fprintf(stderr, "cdlt config: %s\n", c ? cdlt_config_errmsg(c) : "out of memory");
    cdlt_config_close(c);
    return CLI_EXIT_FAILED;
  }
  printf("config files:\n");
  for (size_t i = 0; i < cdlt_config_file_count(c); i++) {
    int exists = 0;
    const char *path = cdlt_config_file(c, i, &exists);
    printf("  %s%s\n", path, exists ? "" : " (not found)");
  }
  if (pipeline) printf("pipeline: %s\n", pipeline);
  printf("values:\n");
  size_t n = cdlt_config_entry_count(c);
  for (size_t i = 0; i < n; i++) {
    const char *key, *value, *provider;
    if (cdlt_config_entry(c, i, &key, &value, &provider)) continue;
    printf("  %s = %s  (%s)\n", key, value, provider);
  }
  cdlt_runtime_settings s;
  rc = cdlt_config_runtime_settings(c, &s);
  if (rc) {
    fprintf(stderr, "cdlt config: %s\n", cdlt_config_errmsg(c));
    cdlt_config_close(c);
    return CLI_EXIT_FAILED;
  }
  cdlt_config_close(c);
  return CLI_EXIT_OK;
}

int cmd_config(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(config_usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  }
  if (strcmp(argv[1], "show")) {
    fprintf(stderr, "cdlt config: unknown subcommand '%s'\n\n%s", argv[1], config_usage);
    return CLI_EXIT_USAGE;
  }
  const char *pipeline = NULL, *project_dir = NULL;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(config_usage, stdout);
      return CLI_EXIT_OK;
    }
    const char **dst = !strcmp(a, "--pipeline") ? &pipeline : !strcmp(a, "--project-dir") ? &project_dir : NULL;
    if (!dst) {
      fprintf(stderr, "cdlt config: unknown option '%s'\n\n%s", a, config_usage);
      return CLI_EXIT_USAGE;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "cdlt config: option '%s' needs a value\n", a);
      return CLI_EXIT_USAGE;
    }
    *dst = argv[++i];
  }
  return show(pipeline, project_dir);
}
