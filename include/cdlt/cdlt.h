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
  /* input limits of the JSON reader (0 = default); hitting one is a clear CDLT_ERR_LIMIT naming the
   * file, line and column: nesting depth (10000), one string's bytes (256 MiB), one item's bytes (1 GiB) */
  size_t max_json_depth;
  size_t max_json_string_bytes;
  uint64_t max_json_item_bytes;
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
/* Schema changes of this run: every column that became part of the destination tables (new
 * tables' columns included), in schema order, with its dlt data type. Strings owned by info. */
size_t cdlt_load_info_schema_change_count(const cdlt_load_info *info);
int cdlt_load_info_schema_change(const cdlt_load_info *info, size_t i, const char **table, const char **column,
                                 const char **data_type);
/* Failed jobs. A package is loaded in one destination transaction, so a failing job fails its
 * whole package: the run returns an error and, when *info was requested, an info whose failed
 * package (0 or 1) gives the load id and the error; the package stays pending for the next run.
 * Strings owned by info. */
size_t cdlt_load_info_failed_package_count(const cdlt_load_info *info);
int cdlt_load_info_failed_package(const cdlt_load_info *info, size_t i, const char **load_id, const char **message);
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
 * (destination_type, dataset_name), those are used (with that destination's default database file
 * unless credentials were given). A DuckDB/SQLite database file that does not exist is an error
 * (CDLT_ERR_NOT_FOUND), never created. The filesystem destination is queried through
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

/* ------------------------------------------------------------------------------------------ */
/* Resources, transformers and sources (dlt's @dlt.resource, @dlt.transformer, @dlt.source and
 * pipeline.run(source)) — see docs/internals/C_API.md
 *
 * A resource is a generator callback that emits items as JSON text; a transformer receives every
 * item its parent emits (after the parent's incremental filter) and emits its own; a source
 * groups resources and is run as ONE load package (all of its resources, as dlt does).
 *
 *   static int gen(void *user, cdlt_emitter *em) {
 *     cdlt_emit_json(em, "[{\"id\":1},{\"id\":2}]", 19);   (an object, a page, or JSON Lines)
 *     return CDLT_DONE;                                      (0 = call me again for more)
 *   }
 *   cdlt_resource *r; cdlt_resource_new("items", gen, NULL, &r);
 *   cdlt_source *s;   cdlt_source_new("demo", &s); cdlt_source_add(s, r);
 *   cdlt_pipeline_run(p, s, &info); ... cdlt_source_free(s);
 *
 * Ownership: cdlt_resource_new / cdlt_transformer_new give the caller one reference;
 * cdlt_source_add takes that reference over (also when it fails); cdlt_resource_free drops a
 * reference the caller still holds (e.g. the parent of a transformer that was not added to the
 * source). A transformer keeps its parent alive. A source is freed with cdlt_source_free; the
 * pipeline functions only borrow it, and a source may be run again (the callbacks are called
 * again).
 * Threads: resources and sources are not locked; a source is used by one run at a time. The
 * callbacks of a resource are called from one thread at a time; resources marked parallel (and
 * their transformers) run on a worker pool thread, concurrently with the other resources.
 * The callbacks' `user` pointers are never touched by cdlt. */

#define CDLT_DONE 1   /* a generator's "finished" return value */

typedef struct cdlt_emitter cdlt_emitter;
typedef struct cdlt_resource cdlt_resource;
typedef struct cdlt_source cdlt_source;

/* Called until it returns CDLT_DONE (1); 0 = call again; < 0 = the resource failed (the run
 * fails with the message given to cdlt_emitter_fail, else "resource '<name>' failed (<status>)"). */
typedef int (*cdlt_resource_fn)(void *user, cdlt_emitter *em);
/* Called once per item of the parent, item_json being its compact JSON (valid during the call).
 * Returns >= 0 on success, < 0 on failure (as above). */
typedef int (*cdlt_transform_fn)(void *user, const char *item_json, size_t len, cdlt_emitter *em);

/* Emits items: json is one JSON value (an object, or a page: an array of items) or several
 * whitespace-separated values (JSON Lines); it is parsed during the call and not retained.
 * Items that are not objects are loaded as {"value": x}, as dlt does. Parse errors name the
 * resource ("invalid JSON in '<resource>' at line 1, column 9 (byte 8): ..."); after a failed
 * emit the resource fails: return the status. Valid only inside the callback that received em. */
int cdlt_emit_json(cdlt_emitter *em, const char *json, size_t len);
/* Sets the message the run fails with (copied) and returns status (a negative cdlt_status;
 * anything else becomes CDLT_ERR_USAGE) for `return cdlt_emitter_fail(em, rc, "...")`. */
int cdlt_emitter_fail(cdlt_emitter *em, int status, const char *msg);
/* The resource's name. Owned by em. */
const char *cdlt_emitter_resource_name(const cdlt_emitter *em);
/* The resource's incremental cursor as compact JSON text, owned by em (NULL when the resource has
 * no "incremental" hint or the value is not set): the start value is dlt's
 * incremental.start_value — the last_value stored by the previous run, else initial_value — for
 * asking an API for "changed since X"; the end value is the hint's end_value. Items are still
 * filtered by the cursor as they are emitted. */
const char *cdlt_emitter_incremental_start(const cdlt_emitter *em);
const char *cdlt_emitter_incremental_end(const cdlt_emitter *em);
/* The resource state (dlt's dlt.current.resource_state(): sources.<schema>.resources.<resource>,
 * without the cursor's "incremental" key) as compact JSON, "{}" when none; *json_out is freed
 * with cdlt_free. set replaces it with json (an object; the cursor is kept); it is saved with
 * the package, like dlt's state. */
int cdlt_emitter_get_state(cdlt_emitter *em, char **json_out);
int cdlt_emitter_set_state(cdlt_emitter *em, const char *json);

/* A generator resource named `name` (its table unless hints give table_name); name is copied. */
int cdlt_resource_new(const char *name, cdlt_resource_fn fn, void *user, cdlt_resource **out);
/* A transformer of parent (parent | name). The parent runs once per run and feeds every
 * transformer of it; the parent's own items are loaded only if the parent is in the source. */
int cdlt_transformer_new(const char *name, cdlt_resource *parent, cdlt_transform_fn fn, void *user,
                         cdlt_resource **out);
/* The resource hints, as cdlt_resource_options.hints_json (copied; validated now: an invalid
 * hint returns CDLT_ERR_USAGE with the message in cdlt_resource_errmsg). NULL clears them. */
int cdlt_resource_set_hints(cdlt_resource *r, const char *hints_json);
/* on = 1: the resource (with its transformers) runs on a worker thread (dlt's parallelized=True).
 * Output does not depend on scheduling: each resource writes its own job files. */
int cdlt_resource_set_parallel(cdlt_resource *r, int on);
/* Message of the last failed call on r ("" when none). Owned by r. */
const char *cdlt_resource_errmsg(const cdlt_resource *r);
/* Drops the caller's reference (NULL accepted). */
void cdlt_resource_free(cdlt_resource *r);

/* A source; name is copied (used in messages; tables go to the pipeline's default schema). */
int cdlt_source_new(const char *name, cdlt_source **out);
/* Adds res (takes over the caller's reference, also on failure). CDLT_ERR_USAGE when a resource
 * with the same name is already in the source (message in cdlt_source_errmsg). Resources run and
 * are loaded in the order added. */
int cdlt_source_add(cdlt_source *src, cdlt_resource *res);
/* Source-level hints (dlt's @dlt.source arguments), stored in the schema: max_table_nesting
 * (-1 = unset) and schema_contract ("evolve" | "freeze" | "discard_row" | "discard_value", or a
 * JSON object {"tables": mode, "columns": mode, "data_type": mode}). */
int cdlt_source_set_max_table_nesting(cdlt_source *src, int max_table_nesting);
int cdlt_source_set_schema_contract(cdlt_source *src, const char *contract);
const char *cdlt_source_errmsg(const cdlt_source *src);
void cdlt_source_free(cdlt_source *src);

/* Runs the source: extract (one package), normalize, load — as cdlt_pipeline_run_files, which it
 * mirrors (pending packages of an interrupted run are finished first and the source is NOT
 * extracted then: cdlt_load_info_pending_only). Errors (also a callback's) are in cdlt_errmsg(p).
 * src is borrowed. */
int cdlt_pipeline_run(cdlt_pipeline *p, cdlt_source *src, cdlt_load_info **info);
/* The stages separately (dlt's pipeline.extract / normalize / load). extract writes one extracted
 * package (*load_id, may be NULL, receives its id: malloc'd, cdlt_free); normalize normalizes
 * every extracted package; load loads every normalized one (*info as in cdlt_pipeline_run). */
int cdlt_pipeline_extract(cdlt_pipeline *p, cdlt_source *src, char **load_id);
int cdlt_pipeline_normalize(cdlt_pipeline *p);
int cdlt_pipeline_load(cdlt_pipeline *p, cdlt_load_info **info);

#ifdef __cplusplus
}
#endif
#endif
