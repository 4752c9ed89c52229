/* config.h — public API of cdlt's configuration: dlt's config/secret providers, the runtime
 * settings they control, pipeline files (`cdlt run -c pipeline.toml`) and project scaffolding
 * (`cdlt init`). Part of libcdlt; see docs/internals/CONFIG.md and contract §11.
 *
 * Conventions as in cdlt.h: int returns are CDLT_OK or a negative cdlt_status; the text of the
 * last failure belongs to the handle (cdlt_config_errmsg / cdlt_pipeline_file_errmsg); strings
 * returned by a handle stay valid until it is closed. Secrets never appear in error messages. */
#ifndef CDLT_CONFIG_PUBLIC_H
#define CDLT_CONFIG_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

#include "cdlt/cdlt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Providers
 *
 * Lookup order (first hit wins): explicit values (cdlt_config_set) > environment variables
 * (and /run/secrets/<name> files for secret keys) > secrets.toml > config.toml > defaults.
 * TOML files are read from the project settings dir <project_dir>/.dlt/ and the global dir
 * (dlt's data dir: $DLT_DATA_DIR, /var/dlt as root, ~/.dlt); project values win over global.
 * Every key is looked up first with the pipeline name as outermost section, then without; inside,
 * from the full section path to the shortest by dropping sections from the right, never dropping
 * a trailing "credentials" / "data_writer" section:
 *   p1.destination.postgres.credentials.password, p1.destination.credentials.password,
 *   p1.credentials.password, destination.postgres.credentials.password, ... (env: P1__DESTINATION__...). */

typedef struct cdlt_config cdlt_config;

typedef struct cdlt_config_options {
  const char *project_dir;     /* NULL = $DLT_PROJECT_DIR, else the current directory */
  const char *pipeline_name;   /* NULL = no pipeline section */
  const char *global_dir;      /* NULL = dlt's data dir; "" = no global files */
  const char *secrets_dir;     /* NULL = "/run/secrets"; "" = none */
  int ignore_environment;      /* 1: environment variables are not a provider */
} cdlt_config_options;

/* Opens the providers (reads and parses the TOML files that exist). On success *out is a handle
 * to close with cdlt_config_close. On failure (e.g. a malformed TOML file: the message names file,
 * line and column) returns a status and, unless memory ran out, *out holds a handle whose
 * cdlt_config_errmsg says why (close it too). */
int cdlt_config_open(const cdlt_config_options *opts, cdlt_config **out);
void cdlt_config_close(cdlt_config *c);
/* Message of the last failed call on c ("" when none). Owned by c. */
const char *cdlt_config_errmsg(const cdlt_config *c);

/* Sets an explicit value (highest priority) at a dotted key ("destination.postgres.credentials"). */
int cdlt_config_set(cdlt_config *c, const char *dotted_key, const char *value);

/* Looks up `key` under the dotted `sections` (NULL or "" = none). On success *value is its text
 * (strings as they are, numbers/booleans as TOML writes them, tables/arrays as JSON), *provider
 * (may be NULL) names where it came from ("explicit", "environment variable X", a TOML file path,
 * a /run/secrets file) and *found_key (may be NULL) the dotted key that matched. Not found:
 * CDLT_ERR_NOT_FOUND and the message lists every key tried, per provider. Strings owned by c. */
int cdlt_config_get(cdlt_config *c, const char *sections, const char *key, const char **value,
                    const char **provider, const char **found_key);

/* Type of a (possibly named) destination: `destination.<name>.destination_type` if set, else name
 * itself. *type owned by c. */
int cdlt_config_destination_type(cdlt_config *c, const char *destination_name, const char **type);

/* Credentials of destination `destination_name` as one string the destination accepts: a whole
 * value (`destination.<name>.credentials = "postgresql://..."`, or a path for duckdb) or, when
 * given as fields (database, username, password, host, port, connect_timeout, ...), a postgres
 * keyword/value string `host=... port=... dbname=... user=... password='...'` (duckdb: the
 * `database` field). CDLT_ERR_NOT_FOUND when nothing is configured (the message lists the keys
 * tried). *credentials owned by c; it may hold a secret: never print it. */
int cdlt_config_credentials(cdlt_config *c, const char *destination_name, const char **credentials,
                            const char **provider);

/* §11.4 settings with dlt's defaults; strings are copied into the struct. */
typedef struct cdlt_runtime_settings {
  char log_level[16];                 /* runtime.log_level = "WARNING" */
  int dlthub_telemetry;               /* runtime.dlthub_telemetry = 1 */
  int64_t request_timeout;            /* runtime.request_timeout = 60 (s) */
  int64_t request_max_attempts;       /* runtime.request_max_attempts = 5 */
  double request_backoff_factor;      /* runtime.request_backoff_factor = 1 */
  int64_t buffer_max_items;           /* data_writer.buffer_max_items = 5000 (normalize.data_writer.* wins) */
  int64_t file_max_items;             /* data_writer.file_max_items = 0 (None) */
  int64_t file_max_bytes;             /* data_writer.file_max_bytes = 0 (None) */
  int disable_compression;            /* data_writer.disable_compression = 0 */
  int64_t extract_workers;            /* extract.workers = 5 */
  int64_t extract_max_parallel_items; /* extract.max_parallel_items = 20 */
  int64_t normalize_workers;          /* normalize.workers = 1 */
  int64_t load_workers;               /* load.workers = 20 */
  int raise_on_failed_jobs;           /* load.raise_on_failed_jobs = 1 */
  int64_t raise_on_max_retries;       /* load.raise_on_max_retries = 5 */
  int truncate_staging_dataset;       /* load.truncate_staging_dataset = 0 */
  int delete_completed_jobs;          /* load.delete_completed_jobs = 0 */
  char replace_strategy[32];          /* destination.replace_strategy = "truncate-and-insert" */
  int restore_from_destination;       /* restore_from_destination = 1 */
  int dev_mode;                       /* dev_mode = 0 */
  char naming[32];                    /* schema.naming = "snake_case" */
  char dataset_name_layout[64];       /* dataset_name_layout = "" (none) */
  int enable_dataset_name_normalization; /* enable_dataset_name_normalization = 1 */
} cdlt_runtime_settings;

/* Fills s with dlt's defaults. */
void cdlt_runtime_settings_defaults(cdlt_runtime_settings *s);
/* Fills s from the providers (defaults where not configured). A value of the wrong type
 * (e.g. `workers = "x"`) is CDLT_ERR_USAGE naming the key and the provider. */
int cdlt_config_runtime_settings(cdlt_config *c, cdlt_runtime_settings *s);

/* Every value the providers hold, for display (`cdlt config show`): entries in provider order
 * (explicit, environment, secrets.toml files, config.toml files), each key once with the winning
 * provider; values of secrets (anything from a secrets source, and keys such as password, token,
 * secret, credentials) are masked "***" (connection strings keep everything but the password). */
size_t cdlt_config_entry_count(cdlt_config *c);
int cdlt_config_entry(cdlt_config *c, size_t i, const char **key, const char **masked_value,
                      const char **provider);
/* The TOML files considered (existing or not), in priority order: *path owned by c, *exists 0/1. */
size_t cdlt_config_file_count(const cdlt_config *c);
const char *cdlt_config_file(const cdlt_config *c, size_t i, int *exists);

/* "***" for secrets; a connection string "scheme://user:pw@host/db" with the password masked.
 * Writes at most cap-1 bytes + NUL into out; returns out. */
char *cdlt_config_mask(const char *value, int is_secret, char *out, size_t cap);

/* ------------------------------------------------------------------------------------------ */
/* Pipeline files: `cdlt run -c NAME.pipeline.toml` (format in docs/internals/CONFIG.md)
 *
 *   [pipeline]   name, destination, dataset_name, credentials, pipelines_dir, dev_mode, ...
 *   [[resources]] name, paths (globs relative to the file), table_name, write_disposition,
 *                 primary_key, merge_key, columns, max_table_nesting, schema_contract,
 *                 incremental, nested_hints, file_format                                      */

typedef struct cdlt_pipeline_file cdlt_pipeline_file;

/* Reads, validates and expands (globs) the file. On success *out is a handle to free with
 * cdlt_pipeline_file_free. On failure returns a status and *out holds a handle whose
 * cdlt_pipeline_file_errmsg says why (unknown keys name key, file and line), unless memory ran out. */
int cdlt_pipeline_file_load(const char *path, cdlt_pipeline_file **out);
void cdlt_pipeline_file_free(cdlt_pipeline_file *f);
const char *cdlt_pipeline_file_errmsg(const cdlt_pipeline_file *f);

/* The [pipeline] table as pipeline options; unset fields are NULL / 0. Strings owned by f.
 * pipelines_dir is made absolute against the file's directory. */
const cdlt_pipeline_options *cdlt_pipeline_file_options(const cdlt_pipeline_file *f);
/* The directory holding the file (absolute). */
const char *cdlt_pipeline_file_dir(const cdlt_pipeline_file *f);

size_t cdlt_pipeline_file_resource_count(const cdlt_pipeline_file *f);
/* Resource i: its name (the table name when table_name is not given) and options
 * (table_name, write_disposition NULL, hints_json: the resource hints as JSON, see cdlt.h). */
const char *cdlt_pipeline_file_resource_name(const cdlt_pipeline_file *f, size_t i);
const cdlt_resource_options *cdlt_pipeline_file_resource_options(const cdlt_pipeline_file *f, size_t i);
/* Expanded input files of resource i (glob matches sorted, absolute paths), *n set to the count. */
const char *const *cdlt_pipeline_file_resource_paths(const cdlt_pipeline_file *f, size_t i, size_t *n);

/* ------------------------------------------------------------------------------------------ */
/* Project scaffolding (`cdlt init NAME DESTINATION`)
 *
 * In project_dir writes .dlt/config.toml, .dlt/secrets.toml (mode 0600, placeholders), a sample
 * data file data/<NAME>.jsonl and NAME.pipeline.toml that loads it. Existing files are never
 * overwritten: CDLT_ERR_USAGE naming the first one. `written` (may be NULL) receives the paths
 * created, one per line (malloc'd, caller frees). errbuf (may be NULL) receives the message. */
int cdlt_init_project(const char *project_dir, const char *name, const char *destination,
                      char **written, char *errbuf, size_t errbuf_len);

#ifdef __cplusplus
}
#endif
#endif
