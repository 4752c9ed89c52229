/* cli.h — shared pieces of the cdlt command-line tool (a client of include/cdlt/cdlt.h only). */
#ifndef CDLT_CLI_CLI_H
#define CDLT_CLI_CLI_H

/* Exit codes: 0 ok, 1 the command failed, 2 wrong usage. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILED 1
#define CLI_EXIT_USAGE 2

int cmd_run(int argc, char **argv);
int cmd_pipeline(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_sql(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_init(int argc, char **argv);

#endif
