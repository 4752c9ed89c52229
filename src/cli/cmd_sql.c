/* cmd_sql.c — `cdlt sql PIPELINE "SELECT ..."`: run a query against a pipeline's dataset and print
 * the result as an aligned table, CSV or JSON (uses cdlt_pipeline_query). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "cli.h"

static const char sql_usage[] =
    "usage: cdlt sql PIPELINE QUERY [--format table|csv|json] [--pipelines-dir DIR]\n"
    "                [--destination NAME] [--credentials VALUE] [--dataset NAME]\n"
    "\n"
    "Runs QUERY against the pipeline's destination, with the pipeline's dataset as the default\n"
    "schema, and prints the result. Destination and dataset default to those of the pipeline's\n"
    "last run (its state.json); filesystem datasets are queried through DuckDB views.\n"
    "\n"
    "options:\n"
    "  --format F                table (default), csv (RFC 4180, NULL = empty) or json (an array\n"
    "                            of objects, values as strings or null)\n"
    "  --pipelines-dir DIR       where pipeline working dirs live; default as dlt\n"
    "  --destination NAME        duckdb, postgres, sqlite or filesystem\n"
    "  --credentials VALUE       database file, connection string or bucket url\n"
    "  --dataset NAME            dataset (schema) name\n";

/* display width of UTF-8 text: code points (continuation bytes not counted) */
static size_t width(const char *s) {
  size_t w = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) w++;
  return w;
}

static void pad(size_t n) {
  while (n--) putchar(' ');
}

static void print_table(const cdlt_query_result *r) {
  size_t nc = cdlt_query_result_column_count(r), nr = cdlt_query_result_row_count(r);
  size_t *w = calloc(nc + 1, sizeof *w);
  if (!w) return;
  for (size_t c = 0; c < nc; c++) {
    w[c] = width(cdlt_query_result_column_name(r, c));
    for (size_t i = 0; i < nr; i++) {
      const char *v = cdlt_query_result_value(r, i, c);
      size_t vw = width(v ? v : "NULL");
      if (vw > w[c]) w[c] = vw;
    }
  }
  for (size_t c = 0; c < nc; c++) {
    const char *n = cdlt_query_result_column_name(r, c);
    fputs(c ? " | " : "", stdout);
    fputs(n, stdout);
    if (c + 1 < nc) pad(w[c] - width(n));
  }
  putchar('\n');
  for (size_t c = 0; c < nc; c++) {
    fputs(c ? "-+-" : "", stdout);
    for (size_t k = 0; k < w[c]; k++) putchar('-');
  }
  putchar('\n');
  for (size_t i = 0; i < nr; i++) {
    for (size_t c = 0; c < nc; c++) {
      const char *v = cdlt_query_result_value(r, i, c);
      if (!v) v = "NULL";
      fputs(c ? " | " : "", stdout);
      fputs(v, stdout);
      if (c + 1 < nc) pad(w[c] - width(v));
    }
    putchar('\n');
  }
  printf("(%zu row%s)\n", nr, nr == 1 ? "" : "s");
  free(w);
}

static void csv_field(const char *v) {
  if (!v) return;
  if (!strpbrk(v, ",\"\r\n")) {
    fputs(v, stdout);
    return;
  }
  putchar('"');
  for (; *v; v++) {
    if (*v == '"') putchar('"');
    putchar(*v);
  }
  putchar('"');
}

static void print_csv(const cdlt_query_result *r) {
  size_t nc = cdlt_query_result_column_count(r), nr = cdlt_query_result_row_count(r);
  for (size_t c = 0; c < nc; c++) {
    if (c) putchar(',');
    csv_field(cdlt_query_result_column_name(r, c));
  }
  fputs("\r\n", stdout);
  for (size_t i = 0; i < nr; i++) {
    for (size_t c = 0; c < nc; c++) {
      if (c) putchar(',');
      csv_field(cdlt_query_result_value(r, i, c));
    }
    fputs("\r\n", stdout);
  }
}

static void json_string(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
      case '"': fputs("\\\"", stdout); break;
      case '\\': fputs("\\\\", stdout); break;
      case '\n': fputs("\\n", stdout); break;
      case '\r': fputs("\\r", stdout); break;
      case '\t': fputs("\\t", stdout); break;
      default:
        if (*p < 0x20) printf("\\u%04x", *p);
        else putchar(*p);
    }
  }
  putchar('"');
}

static void print_json(const cdlt_query_result *r) {
  size_t nc = cdlt_query_result_column_count(r), nr = cdlt_query_result_row_count(r);
  fputs("[", stdout);
  for (size_t i = 0; i < nr; i++) {
    fputs(i ? ",\n  {" : "\n  {", stdout);
    for (size_t c = 0; c < nc; c++) {
      const char *v = cdlt_query_result_value(r, i, c);
      if (c) putchar(',');
      json_string(cdlt_query_result_column_name(r, c));
      putchar(':');
      if (v) json_string(v);
      else fputs("null", stdout);
    }
    putchar('}');
  }
  fputs(nr ? "\n]\n" : "]\n", stdout);
}

int cmd_sql(int argc, char **argv) {
  cdlt_pipeline_options opts = {0};
  const char *query = NULL, *format = "table";
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    const char **target = NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(sql_usage, stdout); return CLI_EXIT_OK; }
    else if (!strcmp(a, "--format")) target = &format;
    else if (!strcmp(a, "--pipelines-dir")) target = &opts.pipelines_dir;
    else if (!strcmp(a, "--destination")) target = &opts.destination;
    else if (!strcmp(a, "--credentials")) target = &opts.credentials;
    else if (!strcmp(a, "--dataset")) target = &opts.dataset_name;
    else if (a[0] == '-' && a[1] == '-') {
      fprintf(stderr, "cdlt sql: unknown option '%s'\n\n%s", a, sql_usage);
      return CLI_EXIT_USAGE;
    } else if (!opts.pipeline_name) {
      opts.pipeline_name = a;
      continue;
    } else if (!query) {
      query = a;
      continue;
    } else {
      fprintf(stderr, "cdlt sql: unexpected argument '%s'\n\n%s", a, sql_usage);
      return CLI_EXIT_USAGE;
    }
    if (k + 1 >= argc) {
      fprintf(stderr, "cdlt sql: option '%s' needs a value\n", a);
      return CLI_EXIT_USAGE;
    }
    *target = argv[++k];
  }
  if (!opts.pipeline_name || !query) {
    fprintf(stderr, "cdlt sql: a pipeline name and a query are required\n\n%s", sql_usage);
    return CLI_EXIT_USAGE;
  }
  if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json")) {
    fprintf(stderr, "cdlt sql: unknown format '%s' (table, csv, json)\n", format);
    return CLI_EXIT_USAGE;
  }
  cdlt_pipeline *p = NULL;
  int rc = cdlt_pipeline_open(&opts, &p);
  cdlt_query_result *r = NULL;
  if (!rc) rc = cdlt_pipeline_query(p, query, &r);
  if (rc) {
    fprintf(stderr, "cdlt sql: %s\n", cdlt_errmsg(p));
    cdlt_pipeline_close(p);
    return rc == CDLT_ERR_USAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
  }
  if (!strcmp(format, "csv")) print_csv(r);
  else if (!strcmp(format, "json")) print_json(r);
  else print_table(r);
  cdlt_query_result_free(r);
  cdlt_pipeline_close(p);
  return CLI_EXIT_OK;
}
