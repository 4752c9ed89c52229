/* main.c — the cdlt command-line tool: global options and dispatch to one cmd_<verb>.c per
 * command. Uses only the public API (include/cdlt/cdlt.h). */
#include <stdio.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "cli.h"

static const char usage[] =
    "usage: cdlt [--version] [--help] <command> [<args>]\n"
    "\n"
    "cdlt loads JSON data into a live, typed, relational dataset, the way dlt does.\n"
    "\n"
    "commands:\n"
    "  run       load JSON / JSON Lines files (or stdin) into a destination\n"
    "  pipeline  inspect a pipeline: info, trace, load packages, drop, sync\n"
    "  schema    validate a dlt schema file and print it as YAML or JSON\n"
    "  sql       run a SQL query against a pipeline's dataset and print the result\n"
    "  config    show the resolved configuration (config/secrets providers)\n"
    "  init      create a starter project (.dlt/, a pipeline file, sample data)\n"
    "\n"
    "Run 'cdlt <command> --help' for the options of a command.\n";

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return CLI_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
    printf("cdlt %s\n", cdlt_version());
    return CLI_EXIT_OK;
  }
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage, stdout);
    return CLI_EXIT_OK;
  }
  if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
  if (!strcmp(cmd, "pipeline")) return cmd_pipeline(argc - 1, argv + 1);
  if (!strcmp(cmd, "schema")) return cmd_schema(argc - 1, argv + 1);
  if (!strcmp(cmd, "sql")) return cmd_sql(argc - 1, argv + 1);
  if (!strcmp(cmd, "config")) return cmd_config(argc - 1, argv + 1);
  if (!strcmp(cmd, "init")) return cmd_init(argc - 1, argv + 1);
  fprintf(stderr, "cdlt: unknown command '%s'\n\n%s", cmd, usage);
  return CLI_EXIT_USAGE;
}
