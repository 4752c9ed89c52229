/* package_jobs.c — job files of a load package and the pending-transition protocol (§5.7).
 *
 * A terminal transition of a started job is three steps, each atomic:
 *   1. write .pending_transitions/<f> = {"state": "completed"|"failed", "failed_message": ...}
 *      (for failures also failed_jobs/<f>.exception)
 *   2. rename started_jobs/<f> -> completed_jobs/<f> | failed_jobs/<f>
 *   3. remove the marker
 * A crash after 1 is finished by cdlt_package_recover_jobs without re-running the job. */
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "json/json.h"
#include "package/package.h"

static int nomem(cdlt_error *err) { return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }

static int check_job_name(const cdlt_package *pkg, const char *file_name, cdlt_error *err) {
  if (!file_name || !*file_name || strchr(file_name, '/') || file_name[0] == '.')
    return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid job file name '%s' in load package '%s'",
                          file_name ? file_name : "", pkg->load_id);
  return CDLT_OK;
}

char *cdlt_package_job_path(const cdlt_package *pkg, cdlt_job_state state, const char *file_name) {
  return cdlt_path_join_n(pkg->path, cdlt_job_state_dir(state), file_name, (const char *)NULL);
}

static char *marker_path(const cdlt_package *pkg, const char *file_name) {
  return cdlt_path_join_n(pkg->path, CDLT_PACKAGE_PENDING_DIR, file_name, (const char *)NULL);
}

static char *exception_path(const cdlt_package *pkg, const char *file_name) {
  char *p = cdlt_package_job_path(pkg, CDLT_JOB_FAILED, file_name);
  if (!p) return NULL;
  char *q = malloc(strlen(p) + sizeof CDLT_PACKAGE_EXCEPTION_SUFFIX);
  if (q) {
    strcpy(q, p);
    strcat(q, CDLT_PACKAGE_EXCEPTION_SUFFIX);
  }
  free(p);
  return q;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && !memcmp(s + a - b, suffix, b);
}

int cdlt_package_list_jobs(const cdlt_package *pkg, cdlt_job_state state, cdlt_fs_names *out,
                           cdlt_error *err) {
  char *dir = cdlt_path_join(pkg->path, cdlt_job_state_dir(state));
  if (!dir) return nomem(err);
  size_t start = out->len;
  int rc = cdlt_fs_list_dir(dir, false, true, out, err);
  free(dir);
  if (rc) return cdlt_error_wrap(err, "cannot list jobs of load package '%s'", pkg->load_id);
  size_t w = start;
  for (size_t i = start; i < out->len; i++) {
    const char *n = out->names[i];
    if (n[0] == '.' || (state == CDLT_JOB_FAILED && ends_with(n, CDLT_PACKAGE_EXCEPTION_SUFFIX)))
      free(out->names[i]);
    else
      out->names[w++] = out->names[i];
  }
  out->len = w; /* removal keeps the sorted order of the appended part */
  return CDLT_OK;
}

/* Renames <from>/<f> to <to>/<new_name or f>. */
static int move_job(const cdlt_package *pkg, const char *file_name, cdlt_job_state from,
                    cdlt_job_state to, const char *new_name, cdlt_error *err) {
  char *src = cdlt_package_job_path(pkg, from, file_name);
  char *dst = cdlt_package_job_path(pkg, to, new_name ? new_name : file_name);
  int rc = (src && dst) ? cdlt_fs_rename(src, dst, err) : nomem(err);
  if (rc == CDLT_ERR_NOT_FOUND)
    cdlt_error_set(err, CDLT_ERR_NOT_FOUND, "job '%s' is not in %s", file_name, cdlt_job_state_dir(from));
  free(src);
  free(dst);
  return rc;
}

int cdlt_package_start_job(const cdlt_package *pkg, const char *file_name, cdlt_error *err) {
  int rc = check_job_name(pkg, file_name, err);
  if (rc == CDLT_OK) rc = move_job(pkg, file_name, CDLT_JOB_NEW, CDLT_JOB_STARTED, NULL, err);
  if (rc) return cdlt_error_wrap(err, "cannot start job in load package '%s'", pkg->load_id);
  return CDLT_OK;
}

static int write_marker(const cdlt_package *pkg, const char *file_name, bool failed,
                        const char *message, cdlt_error *err) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_buf_puts(&b, failed ? "{\"state\": \"failed\", \"failed_message\": "
                                    : "{\"state\": \"completed\", \"failed_message\": ");
  if (rc == CDLT_OK) rc = message ? cdlt_json_write_string(&b, message, strlen(message)) : cdlt_buf_puts(&b, "null");
  if (rc == CDLT_OK) rc = cdlt_buf_putc(&b, '}');
  char *p = marker_path(pkg, file_name);
  if (rc != CDLT_OK || !p) rc = nomem(err);
  else rc = cdlt_fs_write_atomic(p, pkg->path, b.data, b.len, 0644, err);
  free(p);
  cdlt_buf_release(&b);
  return rc;
}

static int write_exception(const cdlt_package *pkg, const char *file_name, const char *message,
                           cdlt_error *err) {
  char *p = exception_path(pkg, file_name);
  if (!p) return nomem(err);
  const char *m = message ? message : "";
  int rc = cdlt_fs_write_atomic(p, pkg->path, m, strlen(m), 0644, err);
  free(p);
  return rc;
}

static int remove_marker(const cdlt_package *pkg, const char *file_name, cdlt_error *err) {
  char *p = marker_path(pkg, file_name);
  int rc = p ? cdlt_fs_unlink(p, err) : nomem(err);
  free(p);
  return rc;
}

static bool job_exists(const cdlt_package *pkg, cdlt_job_state state, const char *file_name) {
  char *p = cdlt_package_job_path(pkg, state, file_name);
  bool ok = p && cdlt_fs_is_file(p);
  free(p);
  return ok;
}

/* Steps 2 and 3 of a terminal transition (the marker is written). */
static int finalize(const cdlt_package *pkg, const char *file_name, bool failed, cdlt_error *err) {
  int rc = move_job(pkg, file_name, CDLT_JOB_STARTED, failed ? CDLT_JOB_FAILED : CDLT_JOB_COMPLETED, NULL, err);
  if (rc == CDLT_OK) rc = remove_marker(pkg, file_name, err);
  return rc;
}

int cdlt_package_complete_job(const cdlt_package *pkg, const char *file_name, cdlt_error *err) {
  int rc = check_job_name(pkg, file_name, err);
  if (rc == CDLT_OK && !job_exists(pkg, CDLT_JOB_STARTED, file_name))
    rc = cdlt_error_set(err, CDLT_ERR_NOT_FOUND, "job '%s' is not in started_jobs", file_name);
  if (rc == CDLT_OK) rc = write_marker(pkg, file_name, false, NULL, err);
  if (rc == CDLT_OK) rc = finalize(pkg, file_name, false, err);
  if (rc) return cdlt_error_wrap(err, "cannot complete job in load package '%s'", pkg->load_id);
  return CDLT_OK;
}

int cdlt_package_fail_job(const cdlt_package *pkg, const char *file_name, const char *message,
                          cdlt_error *err) {
  int rc = check_job_name(pkg, file_name, err);
  if (rc == CDLT_OK && !job_exists(pkg, CDLT_JOB_STARTED, file_name))
    rc = cdlt_error_set(err, CDLT_ERR_NOT_FOUND, "job '%s' is not in started_jobs", file_name);
  if (rc == CDLT_OK) rc = write_marker(pkg, file_name, true, message ? message : "", err);
  if (rc == CDLT_OK) rc = write_exception(pkg, file_name, message, err);
  if (rc == CDLT_OK) rc = finalize(pkg, file_name, true, err);
  if (rc) return cdlt_error_wrap(err, "cannot fail job in load package '%s'", pkg->load_id);
  return CDLT_OK;
}

int cdlt_package_retry_job(const cdlt_package *pkg, const char *file_name, char **new_file_name,
                           cdlt_error *err) {
  if (new_file_name) *new_file_name = NULL;
  int rc = check_job_name(pkg, file_name, err);
  char *next = NULL;
  if (rc == CDLT_OK) {
    cdlt_job_file jf;
    rc = cdlt_job_file_parse(file_name, &jf, err);
    if (rc == CDLT_OK) {
      next = cdlt_job_file_name(jf.table, jf.file_id, jf.retry + 1, jf.format, jf.gz);
      if (!next) rc = nomem(err);
      cdlt_job_file_release(&jf);
    }
  }
  if (rc == CDLT_OK) rc = move_job(pkg, file_name, CDLT_JOB_STARTED, CDLT_JOB_NEW, next, err);
  if (rc) {
    free(next);
    return cdlt_error_wrap(err, "cannot retry job in load package '%s'", pkg->load_id);
  }
  if (new_file_name) *new_file_name = next;
  else free(next);
  return CDLT_OK;
}

int cdlt_package_read_job_exception(const cdlt_package *pkg, const char *file_name, cdlt_buf *out,
                                    cdlt_error *err) {
  int rc = check_job_name(pkg, file_name, err);
  if (rc) return rc;
  char *p = exception_path(pkg, file_name);
  if (!p) return nomem(err);
  rc = cdlt_fs_read_file(p, out, err);
  free(p);
  if (rc) return cdlt_error_wrap(err, "cannot read the exception of job '%s' in load package '%s'",
                                 file_name, pkg->load_id);
  return CDLT_OK;
}

bool cdlt_package_job_has_pending_transition(const cdlt_package *pkg, const char *file_name) {
  char *p = marker_path(pkg, file_name);
  bool ok = p && cdlt_fs_is_file(p);
  free(p);
  return ok;
}

/* Reads a marker: *failed and *message (malloc'd, may be NULL). */
static int read_marker(const cdlt_package *pkg, const char *file_name, bool *failed, char **message,
                       cdlt_error *err) {
  *failed = false;
  *message = NULL;
  char *p = marker_path(pkg, file_name);
  if (!p) return nomem(err);
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_fs_read_file(p, &b, err);
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *v = NULL;
  if (rc == CDLT_OK) rc = cdlt_json_parse(&doc, b.data ? b.data : "", b.len, p, &v, err);
  if (rc == CDLT_OK) {
    const char *state = cdlt_json_get_str(v, "state");
    if (state && !strcmp(state, "failed")) *failed = true;
    else if (!state || strcmp(state, "completed"))
      rc = cdlt_error_set(err, CDLT_ERR_PARSE, "pending transition '%s': unknown state '%s'", p,
                          state ? state : "(missing)");
    const char *msg = cdlt_json_get_str(v, "failed_message");
    if (rc == CDLT_OK && msg && !(*message = strdup(msg))) rc = nomem(err);
  }
  cdlt_json_doc_release(&doc);
  cdlt_buf_release(&b);
  free(p);
  return rc;
}

int cdlt_package_recover_jobs(const cdlt_package *pkg, size_t *finalized, cdlt_error *err) {
  char *dir = cdlt_path_join(pkg->path, CDLT_PACKAGE_PENDING_DIR);
  if (!dir) return nomem(err);
  cdlt_fs_names names;
  cdlt_fs_names_init(&names);
  int rc = cdlt_fs_list_dir(dir, false, true, &names, err);
  if (rc == CDLT_ERR_NOT_FOUND) { /* package written without the folder: nothing pending */
    cdlt_error_clear(err);
    rc = CDLT_OK;
  }
  for (size_t i = 0; rc == CDLT_OK && i < names.len; i++) {
    const char *f = names.names[i];
    bool failed = false;
    char *message = NULL;
    rc = read_marker(pkg, f, &failed, &message, err);
    if (rc == CDLT_OK) {
      if (failed) {
        char *ep = exception_path(pkg, f);
        if (!ep) rc = nomem(err);
        else if (!cdlt_fs_exists(ep)) rc = write_exception(pkg, f, message, err);
        free(ep);
      }
      if (rc == CDLT_OK && job_exists(pkg, CDLT_JOB_STARTED, f)) {
        rc = finalize(pkg, f, failed, err);
        if (rc == CDLT_OK && finalized) (*finalized)++;
      } else if (rc == CDLT_OK) {
        rc = remove_marker(pkg, f, err); /* the move happened before the crash */
      }
    }
    free(message);
  }
  cdlt_fs_names_release(&names);
  free(dir);
  if (rc) return cdlt_error_wrap(err, "cannot recover jobs of load package '%s'", pkg->load_id);
  return CDLT_OK;
}
