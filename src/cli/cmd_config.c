/* cmd_config.c — `cdlt config show [--pipeline NAME] [--project-dir DIR]`: every configured value
 * resolved through dlt's providers (explicit > environment > secrets.toml > config.toml > defaults),
 * with the provider it came from; secrets masked ("***"); then the defaults of cdlt's own settings
 * (not dlt's) that are not configured. Uses only include/cdlt/config.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* cdlt's own settings, read by the pipeline (src/pipeline/pipeline.c read_normalize_settings): the
 * defaults and checks are those of the pipeline (normalize_parallel.h CDLT_NORM_CHUNK_BYTES_DEFAULT). */
typedef struct own_setting {
  const char *section, *key, *dflt;
  long long lo;   /* integers: the smallest value; -1: a boolean */
  const char *what;
} own_setting;

static const own_setting own_settings[] = {
    {"normalize", "parallel_min_bytes", "4194304", 0, "a number of bytes"},
    {"normalize", "chunk_bytes", "16777216", 1, "a number of bytes"},
    {"load", "overlap", "false", -1, "true or false"},
};

/* Whether v is a valid value of s (as the pipeline reads it). */
static int own_valid(const own_setting *s, const char *v) {
  if (s->lo < 0) return !strcasecmp(v, "true") || !strcasecmp(v, "false") || !strcmp(v, "1") || !strcmp(v, "0");
  char *end;
  long long n = strtoll(v, &end, 10);
  return *v && !*end && n >= s->lo;
}

/* Prints the defaults of cdlt's own settings that are not configured (a configured one is among the
 * values already); a configured value the pipeline would refuse is an error, as for dlt's settings. */
static int show_own_settings(cdlt_config *c) {
  for (size_t i = 0; i < sizeof own_settings / sizeof own_settings[0]; i++) {
    const own_setting *s = &own_settings[i];
    const char *v = NULL, *found = NULL;
    if (cdlt_config_get(c, s->section, s->key, &v, NULL, &found) != 0 || !v) {
      printf("  %s.%s = %s  (default)\n", s->section, s->key, s->dflt);
      continue;
    }
    if (!own_valid(s, v)) {
      fprintf(stderr, "cdlt config: configuration value '%s' is not %s: '%s'\n", found ? found : s->key, s->what, v);
      return CLI_EXIT_FAILED;
    }
  }
  return CLI_EXIT_OK;
}

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
  if (show_own_settings(c)) {
    cdlt_config_close(c);
    return CLI_EXIT_FAILED;
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
