/* paginated.c — a generator that fetches a (simulated) paginated REST API page by page until the
 * last page, asking only for records changed since the incremental cursor's start value, and
 * keeping a counter in the resource state.
 *
 *   usage: paginated [dir]
 *
 * Runs the pipeline twice: the first run loads the 25 events the API has; then 5 events are
 * added (and one is updated) and the second run fetches only what changed since the last run.
 * Table paginated_data.events: id, title, updated_at (merged on id). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cdlt/cdlt.h>

#define PAGE_SIZE 10

/* the "server": events with an id and an ISO timestamp */
typedef struct api {
  int nevents;
  int updated_id;   /* an event whose update time moved (0 = none) */
} api;

static void event_time(const api *a, int id, char out[32]) {
  int day = id;
  if (id == a->updated_id) day = a->nevents + 1;
  snprintf(out, 32, "2024-01-%02dT00:00:00Z", day);
}

/* GET /events?since=<ts>&page=<n>: events with updated_at >= since, by updated_at */
static int api_get(const api *a, const char *since, int page, char *buf, size_t cap, int *more) {
  int ids[64], n = 0;
  for (int day = 1; day <= a->nevents + 1; day++)
    for (int id = 1; id <= a->nevents; id++) {
      char ts[32];
      event_time(a, id, ts);
      char want[32];
      snprintf(want, sizeof want, "2024-01-%02dT00:00:00Z", day);
      if (strcmp(ts, want) != 0) continue;
      if (since && strcmp(ts, since) < 0) continue;
      ids[n++] = id;
    }
  size_t len = 0;
  int first = page * PAGE_SIZE, last = first + PAGE_SIZE < n ? first + PAGE_SIZE : n;
  len += (size_t)snprintf(buf + len, cap - len, "[");
  for (int k = first; k < last; k++) {
    char ts[32];
    event_time(a, ids[k], ts);
    len += (size_t)snprintf(buf + len, cap - len, "%s{\"id\": %d, \"title\": \"event %d\", \"updated_at\": \"%s\"}",
                            k > first ? ", " : "", ids[k], ids[k], ts);
  }
  snprintf(buf + len, cap - len, "]");
  *more = last < n;
  return last - first;
}

typedef struct fetch {
  const api *a;
  int page;
  char since[64];
} fetch;

static int events(void *user, cdlt_emitter *em) {
  fetch *f = user;
  if (f->page == 0) {
    /* the incremental cursor's start value, as JSON text ("\"2024-01-25T00:00:00Z\"") */
    const char *start = cdlt_emitter_incremental_start(em);
    f->since[0] = '\0';
    if (start && strlen(start) > 2 && strlen(start) < sizeof f->since + 2) {
      memcpy(f->since, start + 1, strlen(start) - 2);   /* strip the quotes */
      f->since[strlen(start) - 2] = '\0';
    }
    printf("fetching events since %s\n", f->since[0] ? f->since : "the beginning");
  }
  char page[8192];
  int more = 0;
  int n = api_get(f->a, f->since[0] ? f->since : NULL, f->page, page, sizeof page, &more);
  int rc = cdlt_emit_json(em, page, strlen(page));
  if (rc) return rc;
  printf("page %d: %d events\n", f->page, n);
  f->page++;
  if (more) return 0;   /* call me again for the next page */

  /* resource state: count the pages fetched over all runs */
  char *state = NULL;
  if (cdlt_emitter_get_state(em, &state) == CDLT_OK) {
    const char *k = strstr(state, "\"pages_fetched\":");
    int total = (k ? atoi(k + strlen("\"pages_fetched\":")) : 0) + f->page;
    char json[64];
    snprintf(json, sizeof json, "{\"pages_fetched\": %d}", total);
    rc = cdlt_emitter_set_state(em, json);
    cdlt_free(state);
    if (rc) return cdlt_emitter_fail(em, rc, "cannot save the resource state");
  }
  return CDLT_DONE;
}

static int run_once(cdlt_pipeline *p, fetch *f) {
  cdlt_resource *r = NULL;
  cdlt_source *src = NULL;
  cdlt_load_info *info = NULL;
  int rc = cdlt_resource_new("events", events, f, &r);
  if (!rc) rc = cdlt_resource_set_hints(r, "{\"primary_key\": \"id\", \"write_disposition\": \"merge\","
                                           " \"incremental\": {\"cursor_path\": \"updated_at\"}}");
  if (rc) fprintf(stderr, "error: %s\n", cdlt_resource_errmsg(r));
  if (!rc) rc = cdlt_source_new("paginated", &src);
  if (!rc) rc = cdlt_source_add(src, r);
  else cdlt_resource_free(r);
  if (!rc) {
    rc = cdlt_pipeline_run(p, src, &info);
    if (rc) fprintf(stderr, "error: %s\n", cdlt_errmsg(p));
  }
  for (size_t k = 0; info && k < cdlt_load_info_table_count(info); k++)
    printf("loaded %llu rows into %s\n", (unsigned long long)cdlt_load_info_table_rows(info, k),
           cdlt_load_info_table_name(info, k));
  cdlt_load_info_free(info);
  cdlt_source_free(src);
  return rc;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  char db[4096], pipelines[4096];
  snprintf(db, sizeof db, "%s/paginated.duckdb", dir);
  snprintf(pipelines, sizeof pipelines, "%s/pipelines", dir);
  cdlt_pipeline_options opts = {0};
  opts.pipeline_name = "paginated";
  opts.dataset_name = "paginated_data";
  opts.credentials = db;
  opts.pipelines_dir = pipelines;
  cdlt_pipeline *p = NULL;
  if (cdlt_pipeline_open(&opts, &p) != CDLT_OK) {
    fprintf(stderr, "error: %s\n", cdlt_errmsg(p));
    cdlt_pipeline_close(p);
    return 1;
  }
  api a = {25, 0};
  fetch f = {&a, 0, ""};
  int rc = run_once(p, &f);
  if (!rc) {
    a.nevents = 30;      /* five new events */
    a.updated_id = 7;    /* and event 7 changed */
    fetch g = {&a, 0, ""};
    rc = run_once(p, &g);
  }
  cdlt_pipeline_close(p);
  return rc ? 1 : 0;
}
