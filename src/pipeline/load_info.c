/* load_info.c — the load info object and its dlt-style text (§14). */
#define _GNU_SOURCE
#include "pipeline/load_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

struct cdlt_load_info {
  char *text;
  cdlt_run_stats stats;
  int pending_only;
};

void cdlt_format_duration(double seconds, char *out, size_t cap) {
  if (seconds < 60) { snprintf(out, cap, "%.2f seconds", seconds); return; }
  long minutes = (long)(seconds / 60);
  double rest = seconds - 60.0 * (double)minutes;
  if (minutes < 60) {
    snprintf(out, cap, "%ld minute%s and %.2f seconds", minutes, minutes == 1 ? "" : "s", rest);
    return;
  }
  long hours = minutes / 60;
  minutes %= 60;
  snprintf(out, cap, "%ld hour%s, %ld minute%s and %.2f seconds", hours, hours == 1 ? "" : "s", minutes,
           minutes == 1 ? "" : "s", rest);
}

static int copy_stats(cdlt_run_stats *dst, const cdlt_run_stats *src) {
  for (size_t k = 0; k < src->nload_ids; k++)
    if (cdlt_run_stats_add_load_id(dst, src->load_ids[k])) return CDLT_ERR_NOMEM;
  for (size_t k = 0; k < src->ntables; k++)
    if (cdlt_run_stats_add_rows(dst, src->tables[k], src->rows[k])) return CDLT_ERR_NOMEM;
  for (size_t k = 0; k < src->nchanges; k++)
    if (cdlt_run_stats_add_change(dst, src->change_tables[k], src->change_columns[k], src->change_types[k]))
      return CDLT_ERR_NOMEM;
  if (src->failed_load_id && !(dst->failed_load_id = strdup(src->failed_load_id))) return CDLT_ERR_NOMEM;
  if (src->failed_message && !(dst->failed_message = strdup(src->failed_message))) return CDLT_ERR_NOMEM;
  dst->discarded_rows = src->discarded_rows;
  dst->discarded_values = src->discarded_values;
  return 0;
}

cdlt_load_info *cdlt_load_info_build(const cdlt_pipeline *p, const cdlt_run_stats *stats, double elapsed_s,
                                     bool pending_only) {
  cdlt_load_info *info = calloc(1, sizeof *info);
  if (!info) return NULL;
  info->pending_only = pending_only;
  if (copy_stats(&info->stats, stats)) { cdlt_load_info_free(info); return NULL; }
  char dur[96];
  cdlt_format_duration(elapsed_s, dur, sizeof dur);
  cdlt_buf b;
  cdlt_buf_init(&b);
  /* never the raw credentials: the location the destination reported (password masked) */
  char fallback[64];
  const char *loc = p->location;
  if (!loc) {
    snprintf(fallback, sizeof fallback, "%s://(not connected)", p->destination_name);
    loc = fallback;
  }
  cdlt_buf_printf(&b, "Pipeline %s load step completed in %s\n", p->name, dur);
  cdlt_buf_printf(&b, "%zu load package(s) were loaded to destination %s and into dataset %s\n", stats->nload_ids,
                  p->destination_name, p->dataset);
  cdlt_buf_printf(&b, "The %s destination used %s location to store data", p->destination_name, loc);
  for (size_t k = 0; k < stats->nload_ids; k++)
    cdlt_buf_printf(&b, "\nLoad package %s is LOADED and contains no failed jobs", stats->load_ids[k]);
  if (stats->failed_load_id)
    cdlt_buf_printf(&b, "\nLoad package %s is NOT LOADED: its jobs were rolled back: %s", stats->failed_load_id,
                    stats->failed_message ? stats->failed_message : "");
  if (stats->discarded_rows || stats->discarded_values)
    cdlt_buf_printf(&b, "\nSchema contract discarded %llu row(s) and %llu value(s)",
                    (unsigned long long)stats->discarded_rows, (unsigned long long)stats->discarded_values);
  info->text = cdlt_buf_detach(&b);
  if (!info->text) { cdlt_load_info_free(info); return NULL; }
  return info;
}

const char *cdlt_load_info_text(const cdlt_load_info *info) { return info ? info->text : ""; }
size_t cdlt_load_info_package_count(const cdlt_load_info *info) { return info ? info->stats.nload_ids : 0; }
const char *cdlt_load_info_load_id(const cdlt_load_info *info, size_t k) {
  return info && k < info->stats.nload_ids ? info->stats.load_ids[k] : NULL;
}
size_t cdlt_load_info_table_count(const cdlt_load_info *info) { return info ? info->stats.ntables : 0; }
const char *cdlt_load_info_table_name(const cdlt_load_info *info, size_t i) {
  return info && i < info->stats.ntables ? info->stats.tables[i] : NULL;
}
uint64_t cdlt_load_info_table_rows(const cdlt_load_info *info, size_t i) {
  return info && i < info->stats.ntables ? info->stats.rows[i] : 0;
}
uint64_t cdlt_load_info_discarded_rows(const cdlt_load_info *info) { return info ? info->stats.discarded_rows : 0; }
uint64_t cdlt_load_info_discarded_values(const cdlt_load_info *info) { return info ? info->stats.discarded_values : 0; }
size_t cdlt_load_info_schema_change_count(const cdlt_load_info *info) { return info ? info->stats.nchanges : 0; }
int cdlt_load_info_schema_change(const cdlt_load_info *info, size_t i, const char **table, const char **column,
                                 const char **data_type) {
  if (!info || i >= info->stats.nchanges) return CDLT_ERR_NOT_FOUND;
  if (table) *table = info->stats.change_tables[i];
  if (column) *column = info->stats.change_columns[i];
  if (data_type) *data_type = info->stats.change_types[i];
  return 0;
}
size_t cdlt_load_info_failed_package_count(const cdlt_load_info *info) { return info && info->stats.failed_load_id ? 1 : 0; }
int cdlt_load_info_failed_package(const cdlt_load_info *info, size_t i, const char **load_id, const char **message) {
  if (!info || i > 0 || !info->stats.failed_load_id) return CDLT_ERR_NOT_FOUND;
  if (load_id) *load_id = info->stats.failed_load_id;
  if (message) *message = info->stats.failed_message ? info->stats.failed_message : "";
  return 0;
}
int cdlt_load_info_pending_only(const cdlt_load_info *info) { return info ? info->pending_only : 0; }

void cdlt_load_info_free(cdlt_load_info *info) {
  if (!info) return;
  free(info->text);
  cdlt_run_stats_release(&info->stats);
  free(info);
}
