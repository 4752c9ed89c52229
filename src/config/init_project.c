/* init_project.c — project scaffolding for `cdlt init NAME DESTINATION` (cdlt_init_project): the
 * .dlt/config.toml and .dlt/secrets.toml dlt projects use (secrets with mode 0600 and placeholder
 * values), a sample JSON Lines file and NAME.pipeline.toml that loads it with `cdlt run -c`. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/config.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

typedef struct out_file {
  char *path;
  cdlt_buf text;
  mode_t mode;
} out_file;

static bool valid_name(const char *s) {
  if (!s || !*s || strlen(s) > 64) return false;
  if (s[0] >= '0' && s[0] <= '9') return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
      return false;
  return true;
}

static void config_toml(cdlt_buf *b) {
  cdlt_buf_puts(b,
                "# Configuration of this cdlt (dlt) project. Values here are overridden by\n"
                "# .dlt/secrets.toml and by environment variables (RUNTIME__LOG_LEVEL=INFO, ...).\n"
                "# `cdlt config show` prints every resolved value and where it came from.\n"
                "\n"
                "[runtime]\n"
                "log_level = \"WARNING\"\n"
                "\n"
                "[data_writer]\n"
                "buffer_max_items = 5000\n"
                "\n"
                "[normalize]\n"
                "workers = 1\n"
                "\n"
                "[load]\n"
                "workers = 20\n");
}

static void secrets_toml(cdlt_buf *b, const char *name, const char *destination) {
  cdlt_buf_puts(b,
                "# Secrets of this cdlt (dlt) project: keep this file out of version control.\n"
                "# Environment variables override it, e.g. DESTINATION__POSTGRES__CREDENTIALS__PASSWORD.\n"
                "\n");
  if (!strcmp(destination, "postgres")) {
    cdlt_buf_puts(b,
                  "[destination.postgres.credentials]\n"
                  "database = \"dlt_data\"\n"
                  "username = \"loader\"\n"
                  "password = \"<configure me>\"  # replace with your password\n"
                  "host = \"localhost\"\n"
                  "port = 5432\n"
                  "connect_timeout = 15\n");
  } else if (!strcmp(destination, "duckdb") || !strcmp(destination, "sqlite")) {
    cdlt_buf_printf(b,
                    "# %s needs no secrets: the database file defaults to %s.%s in the directory\n"
                    "# cdlt runs in. To choose another file:\n"
                    "[destination.%s]\n"
                    "# credentials = \"%s.%s\"\n",
                    destination, name, destination, destination, name, destination);
  } else {
    cdlt_buf_printf(b,
                    "[destination.%s.credentials]\n"
                    "# fill in the credentials of %s\n",
                    destination, destination);
  }
}

static void pipeline_toml(cdlt_buf *b, const char *name, const char *destination) {
  cdlt_buf_printf(b,
                  "# Pipeline file: run it with `cdlt run -c %s.pipeline.toml`.\n"
                  "# Credentials come from .dlt/secrets.toml (or the environment) unless given here.\n"
                  "\n"
                  "[pipeline]\n"
                  "name = \"%s\"\n"
                  "destination = \"%s\"\n"
                  "dataset_name = \"%s_dataset\"\n"
                  "\n"
                  "[[resources]]\n"
                  "name = \"%s\"\n"
                  "paths = [\"data/%s.jsonl\"]  # globs, relative to this file\n"
                  "write_disposition = \"append\"  # or \"replace\", \"merge\" (with primary_key)\n"
                  "primary_key = \"id\"\n"
                  "\n"
                  "[resources.columns.created_at]\n"
                  "data_type = \"timestamp\"\n",
                  name, name, destination, name, name, name);
}

static void sample_data(cdlt_buf *b) {
  cdlt_buf_puts(b,
                "{\"id\": 1, \"name\": \"Alice\", \"created_at\": \"2024-01-01T10:00:00Z\", \"tags\": [\"a\", \"b\"]}\n"
                "{\"id\": 2, \"name\": \"Bob\", \"created_at\": \"2024-01-02T11:30:00Z\", \"tags\": []}\n"
                "{\"id\": 3, \"name\": \"Carol\", \"created_at\": \"2024-01-03T12:45:00Z\", \"tags\": [\"c\"]}\n");
}

static void set_err(char *errbuf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *errbuf, size_t len, const char *fmt, ...) {
  if (!errbuf || !len) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errbuf, len, fmt, ap);
  va_end(ap);
}

int cdlt_init_project(const char *project_dir, const char *name, const char *destination,
                      char **written, char *errbuf, size_t errbuf_len) {
  if (written) *written = NULL;
  if (errbuf && errbuf_len) errbuf[0] = 0;
  if (!project_dir || !*project_dir) project_dir = ".";
  if (!valid_name(name)) {
    set_err(errbuf, errbuf_len, "invalid pipeline name '%s': use letters, digits and '_'", name ? name : "");
    return CDLT_ERR_USAGE;
  }
  if (!valid_name(destination)) {
    set_err(errbuf, errbuf_len, "invalid destination name '%s'", destination ? destination : "");
    return CDLT_ERR_USAGE;
  }
  char fname[128], dname[128];
  snprintf(fname, sizeof fname, "%s.pipeline.toml", name);
  snprintf(dname, sizeof dname, "data/%s.jsonl", name);
  out_file files[4] = {
      {cdlt_path_join_n(project_dir, ".dlt", "config.toml", NULL), {0}, 0644},
      {cdlt_path_join_n(project_dir, ".dlt", "secrets.toml", NULL), {0}, 0600},
      {cdlt_path_join(project_dir, fname), {0}, 0644},
      {cdlt_path_join(project_dir, dname), {0}, 0644},
  };
  int rc = 0;
  for (size_t i = 0; i < 4; i++) {
    cdlt_buf_init(&files[i].text);
    if (!files[i].path) rc = CDLT_ERR_NOMEM;
  }
  for (size_t i = 0; !rc && i < 4; i++)
    if (cdlt_fs_exists(files[i].path)) {
      set_err(errbuf, errbuf_len, "'%s' already exists: not overwriting it", files[i].path);
      rc = CDLT_ERR_USAGE;
    }
  cdlt_error err = {0};
  char *dlt_dir = cdlt_path_join(project_dir, ".dlt"), *data_dir = cdlt_path_join(project_dir, "data");
  if (!rc && (!dlt_dir || !data_dir)) rc = CDLT_ERR_NOMEM;
  if (!rc) rc = cdlt_fs_mkdir_p(dlt_dir, 0755, &err);
  if (!rc) rc = cdlt_fs_mkdir_p(data_dir, 0755, &err);
  if (rc && err.code) set_err(errbuf, errbuf_len, "%s", err.msg);
  if (!rc) {
    config_toml(&files[0].text);
    secrets_toml(&files[1].text, name, destination);
    pipeline_toml(&files[2].text, name, destination);
    sample_data(&files[3].text);
  }
  cdlt_buf list;
  cdlt_buf_init(&list);
  for (size_t i = 0; !rc && i < 4; i++) {
    if (!files[i].text.data) {
      rc = CDLT_ERR_NOMEM;
      break;
    }
    rc = cdlt_fs_write_atomic(files[i].path, NULL, files[i].text.data, files[i].text.len, files[i].mode, &err);
    if (rc) set_err(errbuf, errbuf_len, "%s", err.msg);
    else cdlt_buf_printf(&list, "%s\n", files[i].path);
  }
  if (rc == CDLT_ERR_NOMEM) set_err(errbuf, errbuf_len, "out of memory");
  if (!rc && written) *written = cdlt_buf_detach(&list);
  cdlt_buf_release(&list);
  for (size_t i = 0; i < 4; i++) {
    free(files[i].path);
    cdlt_buf_release(&files[i].text);
  }
  free(dlt_dir);
  free(data_dir);
  return rc;
}
