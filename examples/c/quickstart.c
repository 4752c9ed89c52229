/* quickstart.c — the smallest cdlt program: a generator resource emitting a few objects, loaded
 * into DuckDB (dlt's `pipeline.run(users())`).
 *
 *   usage: quickstart [dir]     (dir: where the pipeline's working dir and DuckDB file go; default .)
 *
 * Loads table quickstart_data.users (id, name, email) and the nested table users__tags. */
#include <stdio.h>
#include <string.h>

#include <cdlt/cdlt.h>

/* a generator: emits everything at once and says it is done */
static int users(void *user, cdlt_emitter *em) {
  (void)user;
  /* one object... */
  const char *alice = "{\"id\": 1, \"name\": \"Alice\", \"email\": \"alice@example.com\", \"tags\": [\"admin\", \"dev\"]}";
  /* ...and a page of objects */
  const char *page = "[{\"id\": 2, \"name\": \"Bob\", \"email\": null, \"tags\": []},"
                     " {\"id\": 3, \"name\": \"Carol\", \"email\": \"carol@example.com\", \"tags\": [\"dev\"]}]";
  int rc = cdlt_emit_json(em, alice, strlen(alice));
  if (!rc) rc = cdlt_emit_json(em, page, strlen(page));
  return rc ? rc : CDLT_DONE;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  char db[4096], pipelines[4096];
  snprintf(db, sizeof db, "%s/quickstart.duckdb", dir);
  snprintf(pipelines, sizeof pipelines, "%s/pipelines", dir);

  cdlt_pipeline_options opts = {0};
  opts.pipeline_name = "quickstart";
  opts.dataset_name = "quickstart_data";
  opts.destination = "duckdb";
  opts.credentials = db;
  opts.pipelines_dir = pipelines;
  cdlt_pipeline *p = NULL;
  if (cdlt_pipeline_open(&opts, &p) != CDLT_OK) {
    fprintf(stderr, "error: %s\n", cdlt_errmsg(p));
    cdlt_pipeline_close(p);
    return 1;
  }

  /* the resource: hints as in @dlt.resource(primary_key="id", write_disposition="merge") */
  cdlt_resource *r = NULL;
  int rc = cdlt_resource_new("users", users, NULL, &r);
  if (!rc && (rc = cdlt_resource_set_hints(r, "{\"primary_key\": \"id\", \"write_disposition\": \"merge\"}")))
    fprintf(stderr, "error: %s\n", cdlt_resource_errmsg(r));
  cdlt_source *src = NULL;
  if (!rc) rc = cdlt_source_new("quickstart", &src);
  if (!rc) rc = cdlt_source_add(src, r);   /* the source owns r from here on */
  else cdlt_resource_free(r);
  cdlt_load_info *info = NULL;
  if (!rc) {
    rc = cdlt_pipeline_run(p, src, &info);
    if (rc) fprintf(stderr, "error: %s\n", cdlt_errmsg(p));
    else printf("%s\n", cdlt_load_info_text(info));
  }

  cdlt_load_info_free(info);
  cdlt_source_free(src);
  cdlt_pipeline_close(p);
  return rc ? 1 : 0;
}
