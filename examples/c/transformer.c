/* transformer.c — a resource and a transformer chained (dlt's `repos | contributors`): the repos
 * generator emits a page of repositories; for each one the contributors transformer emits that
 * repository's contributors. Both are in the source, so both tables are loaded, in one package.
 *
 *   usage: transformer [dir]
 *
 * Tables transformer_data.repos (id, name, stars) and transformer_data.contributors
 * (repo_id, login, contributions). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cdlt/cdlt.h>

static int repos(void *user, cdlt_emitter *em) {
  (void)user;
  const char *page = "[{\"id\": 1, \"name\": \"dlt\", \"stars\": 4000},"
                     " {\"id\": 2, \"name\": \"cdlt\", \"stars\": 12},"
                     " {\"id\": 3, \"name\": \"empty\", \"stars\": 0}]";
  int rc = cdlt_emit_json(em, page, strlen(page));
  return rc ? rc : CDLT_DONE;
}

/* the simulated "GET /repos/<id>/contributors" */
static const char *const people[] = {"alice", "bob", "carol"};

static int contributors(void *user, const char *item_json, size_t len, cdlt_emitter *em) {
  (void)user;
  (void)len;
  /* the parent's item arrives as compact JSON: {"id":1,"name":"dlt","stars":4000} */
  const char *idp = strstr(item_json, "\"id\":");
  if (!idp) return cdlt_emitter_fail(em, CDLT_ERR_PARSE, "repository without an id");
  int repo_id = atoi(idp + 5);
  /* repository k has 3 - k + 1 contributors; "empty" (3) has one */
  int n = 4 - repo_id;
  char buf[512];
  size_t off = 0;
  for (int k = 0; k < n; k++)   /* JSON Lines this time */
    off += (size_t)snprintf(buf + off, sizeof buf - off, "{\"repo_id\": %d, \"login\": \"%s\", \"contributions\": %d}\n",
                            repo_id, people[k], (repo_id * 10) + k);
  return cdlt_emit_json(em, buf, off);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  char db[4096], pipelines[4096];
  snprintf(db, sizeof db, "%s/transformer.duckdb", dir);
  snprintf(pipelines, sizeof pipelines, "%s/pipelines", dir);
  cdlt_pipeline_options opts = {0};
  opts.pipeline_name = "transformer";
  opts.dataset_name = "transformer_data";
  opts.credentials = db;
  opts.pipelines_dir = pipelines;
  cdlt_pipeline *p = NULL;
  if (cdlt_pipeline_open(&opts, &p) != CDLT_OK) {
    fprintf(stderr, "error: %s\n", cdlt_errmsg(p));
    cdlt_pipeline_close(p);
    return 1;
  }
  cdlt_resource *r = NULL, *c = NULL;
  cdlt_source *src = NULL;
  cdlt_load_info *info = NULL;
  int rc = cdlt_resource_new("repos", repos, NULL, &r);
  if (!rc) rc = cdlt_transformer_new("contributors", r, contributors, NULL, &c);
  if (!rc) rc = cdlt_resource_set_hints(c, "{\"primary_key\": [\"repo_id\", \"login\"], \"write_disposition\": \"merge\"}");
  if (!rc) rc = cdlt_source_new("github", &src);
  /* the source takes over both references */
  if (!rc) { rc = cdlt_source_add(src, r); r = NULL; }
  if (!rc) { rc = cdlt_source_add(src, c); c = NULL; }
  if (!rc) {
    rc = cdlt_pipeline_run(p, src, &info);
    if (rc) fprintf(stderr, "error: %s\n", cdlt_errmsg(p));
  } else {
    fprintf(stderr, "error: cannot set up the source (%s)\n", cdlt_status_str(rc));
  }
  for (size_t k = 0; info && k < cdlt_load_info_table_count(info); k++)
    printf("loaded %llu rows into %s\n", (unsigned long long)cdlt_load_info_table_rows(info, k),
           cdlt_load_info_table_name(info, k));
  cdlt_load_info_free(info);
  cdlt_source_free(src);
  cdlt_resource_free(c);
  cdlt_resource_free(r);
  cdlt_pipeline_close(p);
  return rc ? 1 : 0;
}
