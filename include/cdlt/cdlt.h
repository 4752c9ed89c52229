/* cdlt.h — the public C API of cdlt, dlt (the data load tool) in C.
 *
 * This is the one header applications include. Conventions:
 *  - Every function returning int returns CDLT_OK (0) or a negative cdlt_status.
 *  - Handles are opaque; `_new`/`_free` for heap objects, `_open`/`_close` for objects holding outside
 *    resources. Destructors accept NULL.
 *  - The error text of a failed call belongs to the handle it was made on (cdlt_errmsg) and stays
 *    valid until the next call on that handle.
 *  - The library never prints and never exits. A handle is used by one thread at a time; different
 *    handles may be used from different threads.
 *  - Ownership of every returned pointer is stated at the function. */
#ifndef CDLT_CDLT_H
#define CDLT_CDLT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cdlt_status {
  CDLT_OK = 0,
  CDLT_ERR_USAGE = -1,        /* invalid argument or option */
  CDLT_ERR_IO = -2,           /* file system error */
  CDLT_ERR_PARSE = -3,        /* malformed input (JSON, TOML, schema file) */
  CDLT_ERR_NOMEM = -4,        /* out of memory */
  CDLT_ERR_SCHEMA = -5,       /* schema violation, type that cannot be coerced */
  CDLT_ERR_DESTINATION = -6,  /* the destination refused or failed */
  CDLT_ERR_LIMIT = -7,        /* a configured limit was hit (nesting depth, item size...) */
  CDLT_ERR_BUSY = -8,         /* another process holds the pipeline lock */
  CDLT_ERR_INTERNAL = -9,     /* a bug: please report */
  CDLT_ERR_NOT_FOUND = -10,   /* pipeline, package or file does not exist */
  CDLT_ERR_CONTRACT = -11     /* schema contract violated (freeze) */
} cdlt_status;

/* Version string "MAJOR.MINOR.PATCH"; static, never freed. */
const char *cdlt_version(void);

/* Short static description of a status code ("parse error"); never NULL. */
const char *cdlt_status_str(int status);


/* ------------------------------------------------------------------------------------------ */
/* Pipelines
 *
 * A pipeline moves data from resources into a dataset of a destination, in three stages that
 * each persist to the pipeline's working directory (<pipelines_dir>/<name>/):
 * extract (items -> load package), normalize (package -> typed rows per table) and load
 * (rows -> destination). An interrupted run is finished by the next one. */

typedef struct cdlt_pipeline cdlt_pipeline;
typedef struct cdlt_load_info cdlt_load_info;

typedef struct cdlt_pipeline_options {
  const char *pipeline_name;   /* required */
  const char *dataset_name;    /* NULL = "<pipeline_name>_dataset" */
  const char *destination;     /* NULL = "duckdb" */
  const char *credentials;     /* duckdb: database file; NULL = "<cwd>/<pipeline_name>.duckdb" */
  const char *pipelines_dir;   /* NULL = dlt's default (DLT_DATA_DIR, ~/.dlt/pipelines, ...) */
  const char *naming;          /* naming convention of a NEW schema: NULL = "snake_case"; "duck_case",
                                  "direct", "sql_cs_v1", "sql_ci_v1" (§1). An existing schema keeps its own. */
  const char *replace_strategy;/* NULL = "truncate-and-insert"; "insert-from-staging", "staging-optimized" */
  int dev_mode;                /* 1: dataset name gets a per-run suffix, nothing restored (§15) */
  const char *refresh;         /* NULL, "drop_sources", "drop_resources" or "drop_data" (one run) */
  int skip_restore;            /* 1: do not restore state and schema from the destination (dlt's
                                  restore_from_destination=False) */
  const char *detections;      /* NULL = keep the schema's; else comma-separated list of
                                  iso_timestamp, iso_date, timestamp, large_integer ("" = none),
                                  written into the schema's settings.detections (§2.3) */
  const char *import_schema_path; /* dlt's import_schema_path: a schema file (.json or YAML) or a
                                  folder holding <schema>.schema.yaml; imported when it changed */
  const char *export_schema_path; /* a folder: <schema>.schema.yaml is written after each run */
} cdlt_pipeline_options;

/* Opens (creating if needed) the pipeline's working directory. On success *out is a pipeline
 * the caller closes with cdlt_pipeline_close. On failure returns a status and, unless memory ran
 * out, *out still holds a handle whose cdlt_errmsg says why (close it too). Strings in opts are
 * copied. */
int cdlt_pipeline_open(const cdlt_pipeline_options *opts, cdlt_pipeline **out);
void cdlt_pipeline_close(cdlt_pipeline *p);
/* Message of the last failed call on p ("" when none). Owned by p. */
const char *cdlt_errmsg(const cdlt_pipeline *p);

/* How the items of one resource are loaded.
 *
 * hints_json is a JSON object of dlt's resource hints (the arguments of @dlt.resource /
 * apply_hints), all optional:
 *   "write_disposition": "append" | "replace" | "merge" | "skip", or an object
 *        {"disposition": "merge", "strategy": "delete-insert" | "upsert" | "insert-only" | "scd2",
 *         "validity_column_names": [from, to], "active_record_timestamp": ts, "boundary_timestamp": ts,
 *         "row_version_column_name": col}
 *   "primary_key", "merge_key": a column name or a list of names
 *   "columns": {"name": {column schema (§4.3): data_type, nullable, precision, scale, timezone,
 *               primary_key, merge_key, unique, partition, cluster, sort, hard_delete, dedup_sort, x-*}}
 *              or a list of column schemas with "name"
 *   "max_table_nesting": n
 *   "schema_contract": "evolve" | "freeze" | "discard_row" | "discard_value", or
 *              {"tables": mode, "columns": mode, "data_type": mode}
 *   "incremental": {"cursor_path": "a.b", "initial_value": v, "end_value": v, "last_value_func": "max"|"min",
 *              "row_order": "asc"|"desc", "on_cursor_value_missing": "raise"|"include"|"exclude",
 *              "lag": n, "range_start": "closed"|"open", "range_end": "open"|"closed", "primary_key": [..]}
 *   "nested_hints": {"path__to__nested": {hints as above: columns, primary_key, ...}}
 *   "file_format": "jsonl" | "parquet" | "csv" | "insert_values", "table_format": ...
 * table_name and write_disposition given as fields take precedence over the same keys in hints_json. */
typedef struct cdlt_resource_options {
  const char *table_name;         /* required: the resource / root table name (normalized) */
  const char *write_disposition;  /* NULL = from hints_json, else "append" */
  const char *hints_json;         /* NULL or a JSON object as above; copied */
} cdlt_resource_options;

/* Runs the pipeline on JSON files (JSON Lines, a JSON array of objects, or one object; plain or
 * gzip; "-" = standard input) as one resource: extract, normalize, load. If the working dir
 * holds packages from an interrupted run, those are finished first and the files are NOT
 * extracted (as dlt does): cdlt_load_info_pending_only tells, and the caller runs again.
 * *info (may be NULL) receives the load info on success and on load failures; free it. */
int cdlt_pipeline_run_files(cdlt_pipeline *p, const char *const *paths, size_t npaths,
                            const cdlt_resource_options *resource, cdlt_load_info **info);

/* Load info: dlt's printed form (§14) and the counts behind it. All strings owned by info. */
const char *cdlt_load_info_text(const cdlt_load_info *info);
size_t cdlt_load_info_package_count(const cdlt_load_info *info);
const char *cdlt_load_info_load_id(const cdlt_load_info *info, size_t package);
/* Tables that received rows in this run, in normalization order, with their row counts. */
size_t cdlt_load_info_table_count(const cdlt_load_info *info);
const char *cdlt_load_info_table_name(const cdlt_load_info *info, size_t i);
uint64_t cdlt_load_info_table_rows(const cdlt_load_info *info, size_t i);
/* Rows and values dropped by discard_row / discard_value schema contracts in this run (§10). */
uint64_t cdlt_load_info_discarded_rows(const cdlt_load_info *info);
uint64_t cdlt_load_info_discarded_values(const cdlt_load_info *info);
/* 1 when the run only finished pending packages and did not extract new data. */
int cdlt_load_info_pending_only(const cdlt_load_info *info);
void cdlt_load_info_free(cdlt_load_info *info);

/* ------------------------------------------------------------------------------------------ */
/* Queries (dlt's pipeline.sql_client())
 *
 * Runs one SQL statement against the pipeline's destination. The pipeline's dataset is the
 * default schema (unqualified table names resolve there; on SQLite every attached dataset is
 * searched). Destination and dataset are the ones the pipeline was opened with; when they were
 * left at their defaults and the working dir's state.json (the last run) names others
 * (destination_type, dataset_name), those are used. The filesystem destination is queried through
 * an in-memory DuckDB with one view per table over its files. Values are text as the destination
 * renders them (NULL pointer = SQL NULL). */
typedef struct cdlt_query_result cdlt_query_result;

/* On success *out is a result the caller frees with cdlt_query_result_free; on failure the
 * message is in cdlt_errmsg(p). */
int cdlt_pipeline_query(cdlt_pipeline *p, const char *sql, cdlt_query_result **out);
size_t cdlt_query_result_column_count(const cdlt_query_result *r);
size_t cdlt_query_result_row_count(const cdlt_query_result *r);
/* Owned by r. */
const char *cdlt_query_result_column_name(const cdlt_query_result *r, size_t col);
/* Owned by r; NULL for SQL NULL (and out-of-range indexes). */
const char *cdlt_query_result_value(const cdlt_query_result *r, size_t row, size_t col);
void cdlt_query_result_free(cdlt_query_result *r);


/* ------------------------------------------------------------------------------------------ */
/* Pipeline inspection and maintenance (dlt's `dlt pipeline` command and pipeline.state)
 *
 * The text functions return dlt's printed form (§13) — or, with json = 1, one JSON object — in
 * *out, a malloc'd string the caller frees with cdlt_free. On failure they return a status and
 * the message is in cdlt_errmsg(p); *out is NULL. Functions that change the working dir or the
 * destination take the pipeline lock (CDLT_ERR_BUSY when another process runs the pipeline). */

/* Frees a string returned by the functions below. */
void cdlt_free(void *ptr);

/* Opens an EXISTING pipeline (CDLT_ERR_NOT_FOUND: "pipeline 'x' not found in '<dir>'"). Options
 * left NULL are taken from the last run (state.json: destination_type, dataset_name); restore is
 * off. As cdlt_pipeline_open otherwise (close the handle also on failure). */
int cdlt_pipeline_attach(const cdlt_pipeline_options *opts, cdlt_pipeline **out);

/* "N pipelines found in <dir>" and one line per pipeline "name (last run: <ts>)" (json: {"dir",
 * "pipelines": [{"name", "last_run"}]}). pipelines_dir NULL = the default. On failure *out holds
 * the error message (free it too). */
int cdlt_pipelines_list(const char *pipelines_dir, int json, char **out);

/* `info`: the synchronized and local state, resources per schema, working dir content, trace. */
int cdlt_pipeline_info(cdlt_pipeline *p, int verbose, int json, char **out);
/* `trace`: the last run (§14). CDLT_ERR_NOT_FOUND when the pipeline never ran. */
int cdlt_pipeline_trace(cdlt_pipeline *p, int json, char **out);
/* `load-package [load_id]`: one package (NULL = the newest) and its jobs. */
int cdlt_pipeline_load_package(cdlt_pipeline *p, const char *load_id, int json, char **out);
/* `failed-jobs`: failed jobs of every loaded package, with their error text. */
int cdlt_pipeline_failed_jobs(cdlt_pipeline *p, int json, char **out);
/* `schema`: "Found schema with name <s>" then the default schema as "yaml" or "json". */
int cdlt_pipeline_schema(cdlt_pipeline *p, const char *format, int remove_defaults, char **out);
/* Pending (extracted and normalized) packages, as `drop-pending-packages` lists them; *count
 * receives their number. */
int cdlt_pipeline_pending_packages(cdlt_pipeline *p, size_t *count, char **out);
/* Deletes the pending packages (§13 drop-pending-packages). */
int cdlt_pipeline_drop_pending_packages(cdlt_pipeline *p);
/* `sync`: drops the local state and schemas, then restores them from the destination.
 * *out (may be NULL) receives what happened ("Restored state version N and M schema(s)"...). */
int cdlt_pipeline_sync(cdlt_pipeline *p, char **out);
/* `drop`: resources (names, or "re:<regex>"; none = nothing) of the default schema. The plan
 * lists the tables (nested included) and resource states that would go; cdlt_pipeline_drop
 * then drops the tables in the destination, removes them from the schema, resets the resource
 * states, and loads the new schema version and state in a new load package (§13).
 * state_only: only reset the state. CDLT_ERR_NOT_FOUND when nothing matches. */
int cdlt_pipeline_drop_plan(cdlt_pipeline *p, const char *const *resources, size_t n, int state_only, char **out);
int cdlt_pipeline_drop(cdlt_pipeline *p, const char *const *resources, size_t n, int state_only, char **out);

/* The state of one resource (sources.<schema>.resources.<resource> in state.json) as compact
 * JSON ("{}" when there is none); *json_out freed with cdlt_free. */
int cdlt_pipeline_get_resource_state(cdlt_pipeline *p, const char *resource, char **json_out);
/* Replaces that state with json (an object); bumps the state version. The next run carries it
 * into the destination. */
int cdlt_pipeline_set_resource_state(cdlt_pipeline *p, const char *resource, const char *json);

#ifdef __cplusplus
}
#endif
#endif
