/* pipeline.c — opening a pipeline and running it: extract → normalize → load, finishing
 * interrupted packages first. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cdlt/config.h"
#include "api/api_internal.h"
#include "extract/resource_hints.h"
#include "load/load_early.h"
#include "normalize/normalize_parallel.h"
#include "pipeline/pipeline_drop.h"
#include "util/isotime.h"
#include "package/package.h"
#include "pipeline/load_info.h"
#include "pipeline/pipeline_internal.h"
#include "util/bg_remove.h"
#include "pipeline/run_hooks.h"
#include "schema/naming.h"
#include "state/state.h"
#include "util/fs.h"

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

const char *cdlt_errmsg(const cdlt_pipeline *p) { return p ? p->err.msg : "out of memory"; }

static int fail(cdlt_pipeline *p, int rc) {
  if (p->err.code == 0) p->err.code = rc;
  return rc;
}

/* dlt: schema name = pipeline name without a trailing "_pipeline", snake_case, max 64 */
static char *default_schema_name(const char *pipeline_name, cdlt_error *err) {
  size_t n = strlen(pipeline_name);
  const char *suffix = "_pipeline";
  if (n > strlen(suffix) && strcmp(pipeline_name + n - strlen(suffix), suffix) == 0) n -= strlen(suffix);
  cdlt_naming_ctx ctx = cdlt_naming_ctx_make(cdlt_naming_default(), 64);
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (cdlt_naming_normalize_identifier(&ctx, pipeline_name, n, &b, err)) { cdlt_buf_release(&b); return NULL; }
  return cdlt_buf_detach(&b);
}

/* An integer setting [section] key in [lo, hi] into *out (unchanged when not configured); a value
 * that is not one is a usage error naming where it came from and `what` it must be. */
static int int_setting(cdlt_config *cfg, const char *section, const char *key, long long lo, long long hi,
                       const char *what, long long *out, cdlt_error *err) {
  const char *v = NULL, *found = NULL;
  if (cdlt_config_get(cfg, section, key, &v, NULL, &found) != 0 || !v) return 0;
  char *end;
  long long n = strtoll(v, &end, 10);
  if (!*v || *end || n < lo || n > hi) {
    if (found) return cdlt_error_set(err, CDLT_ERR_USAGE, "configuration value '%s' is not %s: '%s'", found, what, v);
    return cdlt_error_set(err, CDLT_ERR_USAGE, "configuration value '%s.%s' is not %s: '%s'", section, key, what, v);
  }
  *out = n;
  return 0;
}

/* [normalize] workers (NORMALIZE__WORKERS; default: the online cores), parallel_min_bytes
 * (default 4 MiB: smaller extracted packages are normalized on one thread) and chunk_bytes;
 * [load] overlap. */
static int read_normalize_settings(cdlt_pipeline *p, cdlt_config *cfg, cdlt_error *err) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  long long workers = cores > 0 ? (cores > 256 ? 256 : cores) : 1;
  long long min_bytes = (long long)4 << 20, chunk_bytes = 0;   /* 0: CDLT_NORM_CHUNK_BYTES_DEFAULT */
  int rc = int_setting(cfg, "normalize", "workers", 1, 256, "a number of workers (1 to 256)", &workers, err);
  if (!rc) rc = int_setting(cfg, "normalize", "parallel_min_bytes", 0, LLONG_MAX, "a number of bytes", &min_bytes, err);
  /* cdlt only: the input bytes of one chunk for the early loader (normalize_parallel.h) */
  if (!rc) rc = int_setting(cfg, "normalize", "chunk_bytes", 1, LLONG_MAX, "a number of bytes", &chunk_bytes, err);
  if (rc) return rc;
  p->normalize_workers = (unsigned)workers;
  p->normalize_parallel_min_bytes = (uint64_t)min_bytes;
  p->normalize_chunk_bytes = (uint64_t)chunk_bytes;
  const char *v = NULL, *found = NULL;
  /* cdlt only: [load] overlap (LOAD__OVERLAP), default false: load while normalize runs (load_early.h;
   * measured in docs/internals/LOAD_OVERLAP.md: faster only for wide flat DuckDB loads, +18 MiB) */
  p->load_overlap = false;
  if (cdlt_config_get(cfg, "load", "overlap", &v, NULL, &found) == 0 && v) {
    if (!strcasecmp(v, "true") || !strcmp(v, "1")) p->load_overlap = true;
    else if (!strcasecmp(v, "false") || !strcmp(v, "0")) p->load_overlap = false;
    else
      return cdlt_error_set(err, CDLT_ERR_USAGE, "configuration value '%s' is not true or false: '%s'",
                            found ? found : "load.overlap", v);
  }
  return 0;
}

/* The destination and its credentials: explicit options > dlt's config providers (environment,
 * .dlt/secrets.toml, .dlt/config.toml; named destinations via destination_type, §11) > the
 * destination's default (duckdb: <cwd>/<pipeline>.duckdb, sqlite: <cwd>/<pipeline>.sqlite). */
static int resolve_destination(cdlt_pipeline *p, const cdlt_pipeline_options *opts, cdlt_error *err) {
  cdlt_config *cfg = NULL;
  cdlt_config_options co = {.pipeline_name = opts->pipeline_name};
  if (cdlt_config_open(&co, &cfg)) {
    int rc = cdlt_error_set(err, CDLT_ERR_PARSE, "%s", cdlt_config_errmsg(cfg));
    cdlt_config_close(cfg);
    return rc;
  }
  int nrc = read_normalize_settings(p, cfg, err);
  if (nrc) {
    cdlt_config_close(cfg);
    return nrc;
  }
  const char *type = p->destination_name;
  cdlt_config_destination_type(cfg, p->destination_name, &type);
  p->dest_vt = cdlt_destination_find(type ? type : p->destination_name);
  if (!p->dest_vt) {
    cdlt_config_close(cfg);
    return cdlt_error_set(err, CDLT_ERR_USAGE, "unknown destination '%s' (available: duckdb, postgres, sqlite, filesystem)",
                          p->destination_name);
  }
  if (opts->credentials) p->credentials = strdup(opts->credentials);
  else {
    const char *cred = NULL;
    if (cdlt_config_credentials(cfg, p->destination_name, &cred, NULL) == 0 && cred) p->credentials = strdup(cred);
    else if (!strcmp(p->dest_vt->name, "duckdb") || !strcmp(p->dest_vt->name, "sqlite")) {
      char cwd[PATH_MAX];
      if (!getcwd(cwd, sizeof cwd)) {
        cdlt_config_close(cfg);
        return cdlt_error_errno(err, errno, "cannot read the current directory");
      }
      if (asprintf(&p->credentials, "%s/%s.%s", cwd, opts->pipeline_name, p->dest_vt->name) < 0) p->credentials = NULL;
    } else {
      p->credentials = strdup("");   /* the destination reads what it needs (e.g. libpq env) or fails */
    }
  }
  cdlt_config_close(cfg);
  return p->credentials ? 0 : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
}

int cdlt_pipeline_open(const cdlt_pipeline_options *opts, cdlt_pipeline **out) {
  cdlt_pipeline *p = calloc(1, sizeof *p);
  *out = p;
  if (!p) return CDLT_ERR_NOMEM;
  if (!opts || !opts->pipeline_name || !opts->pipeline_name[0])
    return fail(p, cdlt_error_set(&p->err, CDLT_ERR_USAGE, "a pipeline name is required"));
  p->name = strdup(opts->pipeline_name);
  p->destination_name = strdup(opts->destination ? opts->destination : "duckdb");
  if (!p->name || !p->destination_name) return fail(p, cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory"));
  int rc = resolve_destination(p, opts, &p->err);
  if (rc) return fail(p, rc);

  /* dataset names are normalized with the naming convention (§15) */
  cdlt_naming_ctx ctx = cdlt_naming_ctx_make(cdlt_naming_default(), 0);
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (opts->dataset_name) rc = cdlt_naming_normalize_identifier(&ctx, opts->dataset_name, strlen(opts->dataset_name), &b, &p->err);
  else {
    char *raw = NULL;
    if (asprintf(&raw, "%s_dataset", opts->pipeline_name) < 0) raw = NULL;
    rc = raw ? cdlt_naming_normalize_identifier(&ctx, raw, strlen(raw), &b, &p->err) : CDLT_ERR_NOMEM;
    free(raw);
  }
  if (rc) { cdlt_buf_release(&b); return fail(p, rc); }
  p->dataset = cdlt_buf_detach(&b);
  p->schema_name = default_schema_name(opts->pipeline_name, &p->err);
  if (!p->dataset || !p->schema_name) return fail(p, p->err.code ? p->err.code : CDLT_ERR_NOMEM);


  p->naming = strdup(opts->naming ? opts->naming : "snake_case");
  p->replace_strategy = strdup(opts->replace_strategy ? opts->replace_strategy : "truncate-and-insert");
  p->refresh = dup_or_null(opts->refresh);
  p->detections = dup_or_null(opts->detections);
  p->import_schema_path = dup_or_null(opts->import_schema_path);
  p->export_schema_path = dup_or_null(opts->export_schema_path);
  p->json_limits.max_depth = opts->max_json_depth;
  p->json_limits.max_string_bytes = opts->max_json_string_bytes;
  p->json_limits.max_item_bytes = opts->max_json_item_bytes;
  p->dev_mode = opts->dev_mode != 0;
  p->skip_restore = opts->skip_restore != 0;
  if (!p->naming || !p->replace_strategy || (opts->refresh && !p->refresh))
    return fail(p, cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory"));
  if (!cdlt_naming_find(p->naming))
    return fail(p, cdlt_error_set(&p->err, CDLT_ERR_USAGE,
                                  "unknown naming convention '%s' (snake_case, duck_case, direct, sql_cs_v1, sql_ci_v1)", p->naming));
  if (strcmp(p->replace_strategy, "truncate-and-insert") && strcmp(p->replace_strategy, "insert-from-staging") &&
      strcmp(p->replace_strategy, "staging-optimized"))
    return fail(p, cdlt_error_set(&p->err, CDLT_ERR_USAGE,
                                  "unknown replace strategy '%s' (truncate-and-insert, insert-from-staging, staging-optimized)",
                                  p->replace_strategy));
  if (p->refresh && strcmp(p->refresh, "drop_sources") && strcmp(p->refresh, "drop_resources") && strcmp(p->refresh, "drop_data"))
    return fail(p, cdlt_error_set(&p->err, CDLT_ERR_USAGE, "unknown refresh mode '%s' (drop_sources, drop_resources, drop_data)",
                                  p->refresh));

  rc = cdlt_workdir_open(&p->wd, opts->pipelines_dir, opts->pipeline_name, &p->err);
  if (rc) return fail(p, rc);
  /* dev_mode: fresh working dir and a per-run dataset suffix (restore.c) */
  if (p->dev_mode && (rc = cdlt_pipeline_dev_mode_apply(p, &p->err))) return fail(p, rc);
  return 0;
}

int cdlt_pipeline_remove_later(cdlt_pipeline *p, char *aside, cdlt_error *err) {
  int rc = cdlt_pipeline_removal_wait(p, 0, err);
  p->removing = cdlt_bg_remove_start(aside);
  return rc;
}

int cdlt_pipeline_removal_wait(cdlt_pipeline *p, int rc, cdlt_error *err) {
  cdlt_error removal_err = {0};
  int rrc = cdlt_bg_remove_wait(p->removing, &removal_err);
  p->removing = NULL;
  if (!rrc || rc) return rc;   /* an earlier error is the one reported */
  cdlt_error_wrap(&removal_err, "a normalized package's extracted copy remains (removed by the next run)");
  if (err) *err = removal_err;
  return rrc;
}

void cdlt_pipeline_close(cdlt_pipeline *p) {
  if (!p) return;
  cdlt_pipeline_removal_wait(p, 0, NULL);
  cdlt_workdir_close(&p->wd);
  free(p->name);
  free(p->dataset);
  free(p->destination_name);
  free(p->credentials);
  free(p->schema_name);
  free(p->naming);
  free(p->replace_strategy);
  free(p->refresh);
  free(p->detections);
  free(p->location);
  free(p->import_schema_path);
  free(p->export_schema_path);
  free(p);
}

char *cdlt_pipeline_schema_path(const cdlt_pipeline *p) {
  char *rel = NULL;
  if (asprintf(&rel, "schemas/%s.schema.json", p->schema_name) < 0) return NULL;
  char *path = cdlt_workdir_join(&p->wd, rel);
  free(rel);
  return path;
}

int cdlt_pipeline_load_schema(const cdlt_pipeline *p, cdlt_schema **out, cdlt_error *err) {
  char *path = cdlt_pipeline_schema_path(p);
  if (!path) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int rc;
  if (cdlt_fs_exists(path)) {
    rc = cdlt_schema_load_file(path, out, err);
  } else {
    *out = cdlt_schema_new(p->schema_name);
    rc = *out ? 0 : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    /* a new schema gets the pipeline's naming convention (§1) */
    cdlt_json_value *norm = *out ? cdlt_json_get((*out)->root, "normalizers") : NULL;
    if (!rc && norm && p->naming && strcmp(p->naming, "snake_case") != 0 &&
        cdlt_json_object_set(&(*out)->doc, norm, "names", cdlt_json_cstr(&(*out)->doc, p->naming)))
      rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  if (!rc && p->import_schema_path) rc = cdlt_pipeline_import_schema(p, out, err);
  if (!rc && p->detections) rc = cdlt_schema_set_detections(*out, p->detections, err);
  free(path);
  return rc;
}

int cdlt_pipeline_open_destination(cdlt_pipeline *p, cdlt_destination **out, cdlt_error *err) {
  cdlt_destination_config cfg = {p->credentials, p->name, p->wd.path};
  int rc = cdlt_destination_open(p->dest_vt, &cfg, out, err);
  if (!rc && (*out)->vtab->location) {
    /* the destination's own location has any password masked (§14); kept for the load info */
    const char *loc = (*out)->vtab->location(*out);
    char *copy = NULL;
    if (loc && (!strcmp(p->dest_vt->name, "duckdb") || !strcmp(p->dest_vt->name, "sqlite"))) {
      if (asprintf(&copy, "%s:///%s", p->dest_vt->name, loc) < 0) copy = NULL;
    } else if (loc) {
      copy = strdup(loc);
    }
    if (copy) {
      free(p->location);
      p->location = copy;
    }
  }
  return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* run stats */

void cdlt_run_stats_release(cdlt_run_stats *st) {
  for (size_t k = 0; k < st->nload_ids; k++) free(st->load_ids[k]);
  for (size_t k = 0; k < st->ntables; k++) free(st->tables[k]);
  for (size_t k = 0; k < st->nchanges; k++) {
    free(st->change_tables[k]);
    free(st->change_columns[k]);
    free(st->change_types[k]);
  }
  free(st->change_tables);
  free(st->change_columns);
  free(st->change_types);
  free(st->failed_load_id);
  free(st->failed_message);
  free(st->load_ids);
  free(st->tables);
  free(st->rows);
  memset(st, 0, sizeof *st);
}

int cdlt_run_stats_add_load_id(cdlt_run_stats *st, const char *load_id) {
  char **n = realloc(st->load_ids, (st->nload_ids + 1) * sizeof *n);
  if (!n) return CDLT_ERR_NOMEM;
  st->load_ids = n;
  if (!(n[st->nload_ids] = strdup(load_id))) return CDLT_ERR_NOMEM;
  st->nload_ids++;
  return 0;
}

int cdlt_run_stats_add_change(cdlt_run_stats *st, const char *table, const char *column, const char *data_type) {
  size_t n = st->nchanges + 1;
  char **t = realloc(st->change_tables, n * sizeof *t);
  if (!t) return CDLT_ERR_NOMEM;
  st->change_tables = t;
  char **c = realloc(st->change_columns, n * sizeof *c);
  if (!c) return CDLT_ERR_NOMEM;
  st->change_columns = c;
  char **d = realloc(st->change_types, n * sizeof *d);
  if (!d) return CDLT_ERR_NOMEM;
  st->change_types = d;
  t[n - 1] = strdup(table);
  c[n - 1] = strdup(column);
  d[n - 1] = strdup(data_type ? data_type : "");
  st->nchanges = n;
  return t[n - 1] && c[n - 1] && d[n - 1] ? 0 : CDLT_ERR_NOMEM;
}

int cdlt_run_stats_add_rows(cdlt_run_stats *st, const char *table, uint64_t rows) {
  for (size_t k = 0; k < st->ntables; k++)
    if (!strcmp(st->tables[k], table)) { st->rows[k] += rows; return 0; }
  char **t = realloc(st->tables, (st->ntables + 1) * sizeof *t);
  if (!t) return CDLT_ERR_NOMEM;
  st->tables = t;
  uint64_t *r = realloc(st->rows, (st->ntables + 1) * sizeof *r);
  if (!r) return CDLT_ERR_NOMEM;
  st->rows = r;
  if (!(t[st->ntables] = strdup(table))) return CDLT_ERR_NOMEM;
  r[st->ntables++] = rows;
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* run */

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Normalizes every extracted package and loads every normalized one, oldest first. */
/* A crash between an extract commit and the state.json save leaves a package that carries a
 * newer pipeline state than state.json. Before that package is finished, its state (the
 * `_dlt_pipeline_state` row in load_package_state.json, §5.4) becomes the local state, so the
 * cursors it advanced are not lost and the next extract does not load the same rows again. */
static int adopt_package_state(cdlt_pipeline *p, const char *load_id, cdlt_error *err) {
  cdlt_package pkg;
  memset(&pkg, 0, sizeof pkg);
  int rc = cdlt_package_open(&p->wd, CDLT_STAGE_EXTRACTED, load_id, &pkg, err);
  if (rc) return rc;
  cdlt_buf text;
  cdlt_buf_init(&text);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_state local = {0}, newer = {0};
  bool have_local = false, have_newer = false;
  char *state_path = cdlt_workdir_join(&p->wd, "state.json");
  cdlt_json_value *ps = NULL;
  if (!state_path) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto done; }
  if (cdlt_package_read_file(&pkg, CDLT_PACKAGE_STATE_FILE, &text, NULL)) goto done;   /* no state file: nothing to adopt */
  cdlt_json_value *root = NULL;
  if (cdlt_json_parse(&doc, text.data, text.len, CDLT_PACKAGE_STATE_FILE, &root, NULL)) goto done;
  ps = cdlt_json_get(root, "pipeline_state");
  const char *encoded = cdlt_json_get_str(ps, "state");
  if (!encoded) goto done;
  int64_t version = cdlt_json_get_int(ps, "version", 0);
  int lrc = cdlt_state_load(&local, state_path, NULL);
  have_local = lrc == 0;
  if (lrc && lrc != CDLT_ERR_NOT_FOUND) { cdlt_state_release(&local); goto done; }
  if (lrc == CDLT_ERR_NOT_FOUND) cdlt_state_release(&local);
  if (have_local && cdlt_json_get_int(local.root, "_state_version", 0) >= version) goto done;
  if ((rc = cdlt_state_decode(&newer, encoded, err))) goto done;
  have_newer = true;
  /* keep the machine-local part, and record that this state is already in a package */
  cdlt_json_value *loc = have_local ? cdlt_json_get(local.root, "_local") : NULL;
  cdlt_json_value *nl = loc ? cdlt_json_copy(&newer.doc, loc) : cdlt_json_object(&newer.doc);
  const char *vh = cdlt_json_get_str(ps, "version_hash");
  if (!nl || (vh && cdlt_json_object_set(&newer.doc, nl, "_last_extracted_hash", cdlt_json_cstr(&newer.doc, vh))) ||
      cdlt_state_set(&newer, "_local", nl))
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc) rc = cdlt_state_save(&newer, state_path, err);
done:
  if (have_local) cdlt_state_release(&local);
  if (have_newer) cdlt_state_release(&newer);
  cdlt_json_doc_release(&doc);
  cdlt_buf_release(&text);
  free(state_path);
  cdlt_package_close(&pkg);
  return rc;
}

/* records the start (first call) and the end of a step in the run's trace */
static void step_began(cdlt_run_stats *stats, int step) {
  if (!stats->step_started_us[step]) stats->step_started_us[step] = cdlt_now_us();
}
static void step_ended(cdlt_run_stats *stats, int step) { stats->step_finished_us[step] = cdlt_now_us(); }

/* Whether the package can be loaded while it is normalized (load/load_early.h): overlap is on, it is
 * the only extracted package, no normalized package waits to be loaded before it, and the
 * destination loads with SQL. (Its tables must also all be append: normalize_stage.c checks.) */
static bool overlap_applies(cdlt_pipeline *p, const cdlt_fs_names *extracted) {
  if (!p->load_overlap || extracted->len != 1 || p->dest_vt->writes_files || !p->dest_vt->dialect) return false;
  cdlt_fs_names waiting;
  cdlt_fs_names_init(&waiting);
  bool none = cdlt_package_list(&p->wd, CDLT_STAGE_NORMALIZED, &waiting, NULL) == 0 && waiting.len == 0;
  cdlt_fs_names_release(&waiting);
  return none;
}

static int finish_packages(cdlt_pipeline *p, cdlt_run_stats *stats, cdlt_error *err) {
  cdlt_fs_names names;
  cdlt_fs_names_init(&names);
  cdlt_load_early *early = NULL;
  cdlt_destination *dest = NULL;
  cdlt_load_tx *tx = NULL;   /* the early load's open transaction, for package early_id */
  char *early_id = NULL;
  int rc = cdlt_package_list(&p->wd, CDLT_STAGE_EXTRACTED, &names, err);
  if (!rc && overlap_applies(p, &names) && cdlt_load_early_start(p, &early, NULL)) {
    cdlt_load_early_free(early);
    early = NULL;
  }
  if (!rc && names.len) step_began(stats, CDLT_STEP_NORMALIZE);
  for (size_t k = 0; !rc && k < names.len; k++) {
    rc = adopt_package_state(p, names.names[k], err);
    /* the load is the critical path: normalize takes the CPU it leaves (LOAD_OVERLAP.md, numbers) */
    cdlt_norm_hooks hooks = {cdlt_load_early_chunk, cdlt_load_early_drain, early, CDLT_LOAD_EARLY_NICE};
    if (!rc && early) rc = cdlt_normalize_package_chunks(p, names.names[k], stats, &hooks, err);
    else if (!rc) rc = cdlt_normalize_package(p, names.names[k], stats, err);
  }
  if (names.len) step_ended(stats, CDLT_STEP_NORMALIZE);
  /* with early loading, normalize ends when its last chunk is handed over (it then waits for the loader) */
  int64_t normalized = early ? cdlt_load_early_normalized_us(early) : 0;
  if (normalized) stats->step_finished_us[CDLT_STEP_NORMALIZE] = normalized;
  /* normalize committed the package: the early load's transaction may go on (never before) */
  int64_t early_began = 0;
  if (early && !rc && cdlt_load_early_finish(early, &dest, &tx, &early_began) && !(early_id = strdup(names.names[0]))) {
    cdlt_load_tx_free(tx);
    tx = NULL;
  }
  cdlt_load_early_free(early);   /* a normalize failure: rolled back, nothing changed in the destination */
  cdlt_fs_names_release(&names);

  if (!rc) rc = cdlt_package_list(&p->wd, CDLT_STAGE_NORMALIZED, &names, err);
  if (!rc && names.len) {
    if (tx && !stats->step_started_us[CDLT_STEP_LOAD]) stats->step_started_us[CDLT_STEP_LOAD] = early_began;
    step_began(stats, CDLT_STEP_LOAD);
    if (!dest) rc = cdlt_pipeline_open_destination(p, &dest, err);
    for (size_t k = 0; !rc && k < names.len; k++) {
      if (tx && !strcmp(names.names[k], early_id)) {
        rc = cdlt_load_package_tx(p, dest, names.names[k], tx, err);
        tx = NULL;
      } else {
        rc = cdlt_load_package(p, dest, names.names[k], err);
      }
      if (rc) {   /* the whole package was rolled back: report it as failed in the load info */
        free(stats->failed_load_id);
        free(stats->failed_message);
        stats->failed_load_id = strdup(names.names[k]);
        stats->failed_message = strdup(err ? err->msg : "");
      }
      if (!rc) rc = cdlt_run_stats_add_load_id(stats, names.names[k]) ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
    }
    step_ended(stats, CDLT_STEP_LOAD);
  }
  cdlt_load_tx_free(tx);   /* not used (an error before its package): rolled back */
  cdlt_destination_close(dest);
  free(early_id);
  cdlt_fs_names_release(&names);
  return cdlt_pipeline_removal_wait(p, rc, err);   /* normalize's extracted copy, removed during the load */
}

/* What a run does once it holds the lock (rc: the result so far): recover interrupted packages;
 * finish pending packages — or else extract (the caller's extract function, a step of the trace)
 * and normalize and load the new package; export the schema; build the load info; write the trace
 * and unlock (cdlt_run_end). Returns the run's result, recorded in p->err. */
typedef int (*extract_fn)(cdlt_pipeline *p, void *ctx, char load_id[32], cdlt_error *err);

static int run_stages(cdlt_pipeline *p, cdlt_run_guard *guard, int rc, extract_fn extract, void *ctx, double started,
                      cdlt_load_info **info) {
  cdlt_run_stats stats = {0};
  cdlt_package_recovery rec;
  if (!rc) rc = cdlt_package_recover(&p->wd, &rec, &p->err);
  bool pending_only = false;
  if (!rc && cdlt_package_any_pending(&p->wd)) {
    pending_only = true;
    rc = finish_packages(p, &stats, &p->err);
  } else if (!rc) {
    char load_id[32];
    step_began(&stats, CDLT_STEP_EXTRACT);
    rc = extract(p, ctx, load_id, &p->err);
    step_ended(&stats, CDLT_STEP_EXTRACT);
    if (!rc) rc = finish_packages(p, &stats, &p->err);
  }
  if (!rc) rc = cdlt_pipeline_export_schema(p, &p->err);
  if (info && (!rc || stats.failed_load_id)) {   /* load failures get a load info too */
    *info = cdlt_load_info_build(p, &stats, now_seconds() - started, pending_only);
    if (!*info && !rc) rc = cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory");
  }
  cdlt_run_end(p, guard, &stats, rc, info ? *info : NULL);
  cdlt_run_stats_release(&stats);
  return rc ? fail(p, rc) : 0;
}

/* the extract step of cdlt_pipeline_run_files */
typedef struct files_extract {
  const char *const *paths;
  size_t npaths;
  const cdlt_resource_options *resource;
} files_extract;

static int extract_files(cdlt_pipeline *p, void *ctx, char load_id[32], cdlt_error *err) {
  files_extract *fx = ctx;
  return cdlt_extract_files(p, fx->paths, fx->npaths, fx->resource, load_id, err);
}

int cdlt_pipeline_run_files(cdlt_pipeline *p, const char *const *paths, size_t npaths,
                            const cdlt_resource_options *resource, cdlt_load_info **info) {
  if (info) *info = NULL;
  cdlt_error_clear(&p->err);
  if (!resource || !resource->table_name || !resource->table_name[0])
    return fail(p, cdlt_error_set(&p->err, CDLT_ERR_USAGE, "a table name is required"));
  {
    /* invalid hints are a usage error before anything is touched */
    cdlt_resource_hints hints;
    int hrc = cdlt_resource_hints_parse(resource, &hints, &p->err);
    if (hrc) return fail(p, hrc);
    cdlt_resource_hints_release(&hints);
  }
  double started = now_seconds();
  /* lock + sync with the destination; released with the trace in cdlt_run_end (run_hooks.c) */
  cdlt_run_guard guard;
  int rc = cdlt_run_begin(p, resource, &guard, &p->err);
  if (rc) return fail(p, rc);
  files_extract fx = {paths, npaths, resource};
  return run_stages(p, &guard, 0, extract_files, &fx, started, info);
}

/* ------------------------------------------------------------------------------------------ */
/* sources of the C API (src/api/): the same flow as cdlt_pipeline_run_files, one package for
 * all resources of the source */

/* the refresh mode for the resources after the first (cdlt_run_begin handles the first) */
static int refresh_more(cdlt_pipeline *p, const cdlt_extract_plan *plan, cdlt_error *err) {
  int rc = 0;
  for (size_t k = 1; !rc && p->refresh && k < plan->nresources && !cdlt_package_any_pending(&p->wd); k++) {
    const cdlt_naming *conv = cdlt_naming_find(p->naming ? p->naming : "snake_case");
    cdlt_naming_ctx nctx = cdlt_naming_ctx_make(conv ? conv : cdlt_naming_default(), 0);
    const char *name = plan->resources[k].opts.table_name;
    cdlt_buf t;
    cdlt_buf_init(&t);
    rc = cdlt_naming_normalize_tables_path(&nctx, name, strlen(name), &t, err);
    if (!rc) rc = cdlt_refresh_apply(p, t.data ? t.data : "", err);
    cdlt_buf_release(&t);
  }
  return rc;
}

/* the extract step of cdlt_pipeline_run */
static int extract_plan(cdlt_pipeline *p, void *ctx, char load_id[32], cdlt_error *err) {
  return cdlt_extract_run(p, ctx, load_id, err);
}

int cdlt_pipeline_run(cdlt_pipeline *p, cdlt_source *src, cdlt_load_info **info) {
  if (info) *info = NULL;
  if (!p) return CDLT_ERR_USAGE;
  cdlt_error_clear(&p->err);
  cdlt_source_plan sp;
  int rc = cdlt_source_plan_build(src, &sp, &p->err);
  if (rc) return fail(p, rc);
  double started = now_seconds();
  cdlt_run_guard guard;
  rc = cdlt_run_begin(p, &sp.plan.resources[0].opts, &guard, &p->err);
  if (rc) { cdlt_source_plan_release(&sp); return fail(p, rc); }
  rc = run_stages(p, &guard, refresh_more(p, &sp.plan, &p->err), extract_plan, &sp.plan, started, info);
  cdlt_source_plan_release(&sp);
  return rc;
}

int cdlt_pipeline_extract(cdlt_pipeline *p, cdlt_source *src, char **load_id_out) {
  if (load_id_out) *load_id_out = NULL;
  if (!p) return CDLT_ERR_USAGE;
  cdlt_error_clear(&p->err);
  cdlt_source_plan sp;
  int rc = cdlt_source_plan_build(src, &sp, &p->err);
  if (rc) return fail(p, rc);
  cdlt_run_stats stats = {0};
  cdlt_run_guard guard;
  rc = cdlt_run_begin(p, &sp.plan.resources[0].opts, &guard, &p->err);
  if (rc) { cdlt_source_plan_release(&sp); return fail(p, rc); }
  rc = refresh_more(p, &sp.plan, &p->err);
  cdlt_package_recovery rec;
  if (!rc) rc = cdlt_package_recover(&p->wd, &rec, &p->err);
  char load_id[32];
  if (!rc) rc = cdlt_extract_run(p, &sp.plan, load_id, &p->err);
  if (!rc && load_id_out && !(*load_id_out = strdup(load_id))) rc = cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_run_end(p, &guard, &stats, rc, NULL);
  cdlt_source_plan_release(&sp);
  return rc ? fail(p, rc) : 0;
}

int cdlt_pipeline_normalize(cdlt_pipeline *p) {
  if (!p) return CDLT_ERR_USAGE;
  cdlt_error_clear(&p->err);
  cdlt_pipeline_lock lock;
  int rc = cdlt_pipeline_lock_acquire(&lock, p->wd.path, p->name, cdlt_pipeline_lock_timeout_ms(), &p->err);
  if (rc) return fail(p, rc);
  cdlt_package_recovery rec;
  rc = cdlt_package_recover(&p->wd, &rec, &p->err);
  cdlt_run_stats stats = {0};
  cdlt_fs_names names;
  cdlt_fs_names_init(&names);
  if (!rc) rc = cdlt_package_list(&p->wd, CDLT_STAGE_EXTRACTED, &names, &p->err);
  for (size_t k = 0; !rc && k < names.len; k++) rc = cdlt_normalize_package(p, names.names[k], &stats, &p->err);
  rc = cdlt_pipeline_removal_wait(p, rc, &p->err);
  cdlt_fs_names_release(&names);
  cdlt_run_stats_release(&stats);
  cdlt_pipeline_lock_release(&lock);
  return rc ? fail(p, rc) : 0;
}

int cdlt_pipeline_load(cdlt_pipeline *p, cdlt_load_info **info) {
  if (info) *info = NULL;
  if (!p) return CDLT_ERR_USAGE;
  cdlt_error_clear(&p->err);
  double started = now_seconds();
  cdlt_run_guard guard;
  memset(&guard, 0, sizeof guard);
  guard.started_us = cdlt_now_us();
  int rc = cdlt_pipeline_lock_acquire(&guard.lock, p->wd.path, p->name, cdlt_pipeline_lock_timeout_ms(), &p->err);
  if (rc) return fail(p, rc);
  cdlt_package_recovery rec;
  rc = cdlt_package_recover(&p->wd, &rec, &p->err);
  cdlt_run_stats stats = {0};
  cdlt_fs_names names;
  cdlt_fs_names_init(&names);
  if (!rc) rc = cdlt_package_list(&p->wd, CDLT_STAGE_NORMALIZED, &names, &p->err);
  if (!rc && names.len) {
    cdlt_destination *dest = NULL;
    rc = cdlt_pipeline_open_destination(p, &dest, &p->err);
    for (size_t k = 0; !rc && k < names.len; k++) {
      rc = cdlt_load_package(p, dest, names.names[k], &p->err);
      if (!rc && cdlt_run_stats_add_load_id(&stats, names.names[k])) rc = cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory");
    }
    cdlt_destination_close(dest);
  }
  cdlt_fs_names_release(&names);
  if (!rc) rc = cdlt_pipeline_export_schema(p, &p->err);
  if (!rc && info) {
    *info = cdlt_load_info_build(p, &stats, now_seconds() - started, false);
    if (!*info) rc = cdlt_error_set(&p->err, CDLT_ERR_NOMEM, "out of memory");
  }
  cdlt_run_end(p, &guard, &stats, rc, info ? *info : NULL);
  cdlt_run_stats_release(&stats);
  return rc ? fail(p, rc) : 0;
}
