/* trace.c — writing and printing the trace of the last run (trace.json). */
#define _GNU_SOURCE
#include "pipeline/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "pipeline/load_info.h"
#include "pipeline/pipeline_internal.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/isotime.h"

void cdlt_trace_write(const cdlt_pipeline *p, int64_t started_us, int64_t finished_us,
                      const cdlt_run_stats *stats, int rc, const char *error, const cdlt_load_info *info) {
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *t = cdlt_json_object(&d);
  char iso[48], tid[33];
  if (!t || cdlt_random_hex(tid, 32)) { cdlt_json_doc_release(&d); return; }
  cdlt_json_object_set(&d, t, "transaction_id", cdlt_json_cstr(&d, tid));
  cdlt_json_object_set(&d, t, "pipeline_name", cdlt_json_cstr(&d, p->name));
  cdlt_format_iso_utc(started_us, iso);
  cdlt_json_object_set(&d, t, "started_at", cdlt_json_cstr(&d, iso));
  cdlt_format_iso_utc(finished_us, iso);
  cdlt_json_object_set(&d, t, "finished_at", cdlt_json_cstr(&d, iso));
  cdlt_json_object_set(&d, t, "elapsed", cdlt_json_double(&d, (double)(finished_us - started_us) / 1e6));
  cdlt_json_object_set(&d, t, "status", cdlt_json_cstr(&d, rc ? "FAILED" : "COMPLETED"));
  cdlt_json_object_set(&d, t, "error", error ? cdlt_json_cstr(&d, error) : cdlt_json_null(&d));
  cdlt_json_value *ids = cdlt_json_array(&d), *tables = cdlt_json_object(&d);
  for (size_t k = 0; stats && ids && k < stats->nload_ids; k++) cdlt_json_array_push(&d, ids, cdlt_json_cstr(&d, stats->load_ids[k]));
  for (size_t k = 0; stats && tables && k < stats->ntables; k++)
    cdlt_json_object_set(&d, tables, stats->tables[k], cdlt_json_int(&d, (int64_t)stats->rows[k]));
  /* the steps that ran (extract, normalize, load), each with its start, end and elapsed seconds */
  static const char *const step_names[CDLT_RUN_STEPS] = {"extract", "normalize", "load"};
  cdlt_json_value *steps = cdlt_json_array(&d);
  for (int k = 0; stats && steps && k < CDLT_RUN_STEPS; k++) {
    if (!stats->step_started_us[k]) continue;
    int64_t end = stats->step_finished_us[k] >= stats->step_started_us[k] ? stats->step_finished_us[k] : finished_us;
    cdlt_json_value *st = cdlt_json_object(&d);
    if (!st) break;
    cdlt_json_object_set(&d, st, "step", cdlt_json_cstr(&d, step_names[k]));
    cdlt_format_iso_utc(stats->step_started_us[k], iso);
    cdlt_json_object_set(&d, st, "started_at", cdlt_json_cstr(&d, iso));
    cdlt_format_iso_utc(end, iso);
    cdlt_json_object_set(&d, st, "finished_at", cdlt_json_cstr(&d, iso));
    cdlt_json_object_set(&d, st, "elapsed", cdlt_json_double(&d, (double)(end - stats->step_started_us[k]) / 1e6));
    cdlt_json_array_push(&d, steps, st);
  }
  cdlt_json_object_set(&d, t, "steps", steps);
  cdlt_json_object_set(&d, t, "load_ids", ids);
  cdlt_json_object_set(&d, t, "tables", tables);
  cdlt_json_object_set(&d, t, "load_info", info ? cdlt_json_cstr(&d, cdlt_load_info_text(info)) : cdlt_json_null(&d));
  cdlt_json_object_set(&d, t, "engine_version", cdlt_json_int(&d, 1));
  cdlt_buf b;
  cdlt_buf_init(&b);
  char *path = cdlt_workdir_join(&p->wd, "trace.json");
  if (path && !cdlt_json_write(&b, t, CDLT_JSON_WRITE_PRETTY)) cdlt_fs_write_atomic(path, NULL, b.data, b.len, 0644, NULL);
  free(path);
  cdlt_buf_release(&b);
  cdlt_json_doc_release(&d);
}

/* "2026-11-21 14:54:32.559371+00:00" (Python's str(datetime)) from an ISO text */
static void human_ts(const char *iso, char out[48]) {
  snprintf(out, 48, "%s", iso ? iso : "?");
  char *t = strchr(out, 'T');
  if (t) *t = ' ';
}

int cdlt_trace_format(const char *path, cdlt_buf *out, cdlt_error *err) {
  cdlt_buf raw;
  cdlt_buf_init(&raw);
  int rc = cdlt_fs_read_file(path, &raw, err);
  if (rc == CDLT_ERR_NOT_FOUND) {
    cdlt_buf_release(&raw);
    return cdlt_error_set(err, CDLT_ERR_NOT_FOUND, "no trace found in '%s' (the pipeline has not run yet)", path);
  }
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_json_value *t = NULL;
  if (!rc) rc = cdlt_json_parse(&d, raw.data ? raw.data : "", raw.len, path, &t, err);
  if (!rc) {
    char ts[48], dur[96];
    human_ts(cdlt_json_get_str(t, "started_at"), ts);
    const cdlt_json_value *el = cdlt_json_get(t, "elapsed");
    double secs = el && el->type == CDLT_JSON_FLOAT ? el->u.num.d : el && el->type == CDLT_JSON_INT ? (double)el->u.num.i : 0;
    cdlt_format_duration(secs, dur, sizeof dur);
    const char *status = cdlt_json_get_str(t, "status");
    status = status ? status : "COMPLETED";
    const cdlt_json_value *steps = cdlt_json_get(t, "steps");
    size_t nsteps = steps && steps->type == CDLT_JSON_ARRAY ? steps->u.arr.len : 0;
    cdlt_buf_printf(out, "Run started at %s and %s in %s with %zu steps.\n", ts, status, dur, nsteps + 1);
    for (size_t k = 0; k < nsteps; k++) {   /* the stages; a failed run failed in its last one */
      const cdlt_json_value *st = steps->u.arr.items[k];
      const cdlt_json_value *se = cdlt_json_get(st, "elapsed");
      char sdur[96];
      cdlt_format_duration(se && se->type == CDLT_JSON_FLOAT ? se->u.num.d : 0, sdur, sizeof sdur);
      const char *sname = cdlt_json_get_str(st, "step");
      cdlt_buf_printf(out, "Step %s %s in %s.\n", sname ? sname : "?",
                      k + 1 == nsteps ? status : "COMPLETED", sdur);
    }
    cdlt_buf_printf(out, "Step run %s in %s.\n", status, dur);
    const cdlt_json_value *tables = cdlt_json_get(t, "tables");
    if (tables && tables->type == CDLT_JSON_OBJECT && tables->u.obj.len) {
      cdlt_buf_puts(out, "Normalized data for the following tables:\n");
      for (size_t k = 0; k < tables->u.obj.len; k++)
        cdlt_buf_printf(out, "- %s: %lld row(s)\n", tables->u.obj.members[k].key,
                        (long long)tables->u.obj.members[k].value->u.num.i);
    }
    const char *li = cdlt_json_get_str(t, "load_info");
    if (li) cdlt_buf_printf(out, "%s\n", li);
    const char *e = cdlt_json_get_str(t, "error");
    if (e) cdlt_buf_printf(out, "Failed due to: %s\n", e);
  }
  cdlt_json_doc_release(&d);
  cdlt_buf_release(&raw);
  return rc;
}
