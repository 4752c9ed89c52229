/* cmd_init.c — `cdlt init NAME DESTINATION [--project-dir DIR]`: scaffolds a project as dlt init
 * does: .dlt/config.toml, .dlt/secrets.toml (mode 0600, placeholders), data/NAME.jsonl and
 * NAME.pipeline.toml for `cdlt run -c`. Uses only include/cdlt/config.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "cdlt/config.h"
#include "cli.h"

static const char init_usage[] =
    "usage: cdlt init NAME DESTINATION [--project-dir DIR]\n"
    "\n"
    "Creates a starter project in DIR (default: the current directory):\n"
    "  .dlt/config.toml      configuration (log level, workers, ...)\n"
    "  .dlt/secrets.toml     destination credentials (placeholders; mode 0600)\n"
    "  NAME.pipeline.toml    pipeline file: run it with `cdlt run -c NAME.pipeline.toml`\n"
    "  data/NAME.jsonl       sample data the pipeline file loads\n"
    "Existing files are never overwritten.\n";

int cmd_init(int argc, char **argv) {
  const char *pos[2] = {NULL, NULL}, *project_dir = ".";
  size_t npos = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(init_usage, stdout);
      return CLI_EXIT_OK;
    }
    if (!strcmp(a, "--project-dir")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "cdlt init: option '--project-dir' needs a value\n");
        return CLI_EXIT_USAGE;
      }
      project_dir = argv[++i];
      continue;
    }
    if (a[0] == '-' || npos == 2) {
      fprintf(stderr, "cdlt init: unexpected argument '%s'\n\n%s", a, init_usage);
      return CLI_EXIT_USAGE;
    }
    pos[npos++] = a;
  }
  if (npos != 2) {
    fputs(init_usage, stderr);
    return CLI_EXIT_USAGE;
  }
  char err[1024], *written = NULL;
  int rc = cdlt_init_project(project_dir, pos[0], pos[1], &written, err, sizeof err);
  if (rc) {
    fprintf(stderr, "cdlt init: %s\n", err);
    return rc == CDLT_ERR_USAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
  }
  printf("created:\n");
  for (char *line = written; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    printf("  %s\n", line);
    line = nl ? nl + 1 : NULL;
  }
  free(written);
  printf("next: fill in .dlt/secrets.toml, then run `cdlt run -c %s.pipeline.toml`\n", pos[0]);
  return CLI_EXIT_OK;
}
