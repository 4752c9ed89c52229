/* main.c — the cdlt command-line tool: dispatches to one cmd_<verb>.c per command. */
#include <stdio.h>
#include <string.h>

#include "cdlt/cdlt.h"

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("cdlt %s\n", cdlt_version());
    return 0;
  }
  fprintf(stderr, "usage: cdlt --version\n");
  return 2;
}
