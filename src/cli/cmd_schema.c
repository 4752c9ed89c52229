/* cmd_schema.c — `cdlt schema FILE [--format json|yaml] [--remove-defaults]`: loads, validates and
 * prints a dlt schema file, as `dlt schema` does (default format yaml). Public API only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/schema.h"
#include "cli.h"

static const char schema_usage[] =
    "usage: cdlt schema FILE [--format json|yaml] [--remove-defaults]\n"
    "\n"
    "Loads, validates and prints a dlt schema file (JSON when FILE ends in .json, YAML otherwise).\n"
    "\n"
    "options:\n"
    "  --format json|yaml   output format (default: yaml)\n"
    "  --remove-defaults    leave out the table and column names (dlt's remove_defaults)\n";

int cmd_schema(int argc, char **argv) {
  const char *file = NULL, *format = "yaml";
  int remove_defaults = 0;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(schema_usage, stdout);
      return CLI_EXIT_OK;
    } else if (!strcmp(a, "--remove-defaults")) {
      remove_defaults = 1;
    } else if (!strcmp(a, "--format") || !strncmp(a, "--format=", 9)) {
      const char *v = a[8] == '=' ? a + 9 : (k + 1 < argc ? argv[++k] : NULL);
      if (!v || (strcmp(v, "json") && strcmp(v, "yaml"))) {
        fprintf(stderr, "cdlt schema: --format must be json or yaml\n\n%s", schema_usage);
        return CLI_EXIT_USAGE;
      }
      format = v;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "cdlt schema: unknown option '%s'\n\n%s", a, schema_usage);
      return CLI_EXIT_USAGE;
    } else if (!file) {
      file = a;
    } else {
      fprintf(stderr, "cdlt schema: unexpected argument '%s'\n\n%s", a, schema_usage);
      return CLI_EXIT_USAGE;
    }
  }
  if (!file) {
    fprintf(stderr, "cdlt schema: missing FILE\n\n%s", schema_usage);
    return CLI_EXIT_USAGE;
  }
  char *text = NULL;
  char err[1024];
  if (cdlt_schema_file_format(file, format, remove_defaults, &text, err, sizeof err)) {
    fprintf(stderr, "cdlt schema: %s\n", err);
    return CLI_EXIT_FAILED;
  }
  /* dlt prints with click.echo, which adds a newline */
  fputs(text, stdout);
  fputc('\n', stdout);
  free(text);
  return CLI_EXIT_OK;
}
