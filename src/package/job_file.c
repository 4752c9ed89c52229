/* job_file.c — building and parsing load job file names (§5.4). */
#include "package/job_file.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "util/fs.h"

void cdlt_job_file_release(cdlt_job_file *jf) {
  if (!jf) return;
  free(jf->mem);
  memset(jf, 0, sizeof *jf);
}

int cdlt_job_file_parse(const char *file_name, cdlt_job_file *out, cdlt_error *err) {
  memset(out, 0, sizeof *out);
  const char *why = NULL;
  if (!file_name || !*file_name) return cdlt_error_set(err, CDLT_ERR_PARSE, "invalid job file name '': empty");
  if (strchr(file_name, '/')) why = "contains '/'";
  char *m = why ? NULL : strdup(file_name);
  if (!why && !m) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  char *end = m ? m + strlen(m) : NULL;
  bool gz = false;
  if (m && end - m > 3 && !strcmp(end - 3, ".gz")) {
    gz = true;
    end -= 3;
    *end = 0;
  }
  /* split the last three parts from the right: format, retry, file_id */
  char *parts[3] = {NULL, NULL, NULL};
  for (int i = 0; m && !why && i < 3; i++) {
    char *dot = NULL;
    for (char *p = end; p > m; p--)
      if (p[-1] == '.') { dot = p - 1; break; }
    if (!dot) { why = "expected <table>.<file_id>.<retry_count>.<format>[.gz]"; break; }
    *dot = 0;
    parts[i] = dot + 1;
    end = dot;
  }
  if (!why && (!*m || !*parts[0] || !*parts[1] || !*parts[2])) why = "empty part";
  unsigned long retry = 0;
  if (!why) {
    const char *r = parts[1];
    for (const char *p = r; *p; p++)
      if (*p < '0' || *p > '9') { why = "retry count is not a number"; break; }
    if (!why) {
      retry = strtoul(r, NULL, 10);
      if (strlen(r) > 9 || retry > UINT_MAX) why = "retry count too large";
    }
  }
  if (why) {
    free(m);
    return cdlt_error_set(err, CDLT_ERR_PARSE, "invalid job file name '%s': %s", file_name, why);
  }
  out->mem = m;
  out->table = m;
  out->file_id = parts[2];
  out->retry = (unsigned)retry;
  out->format = parts[0];
  out->gz = gz;
  return CDLT_OK;
}

char *cdlt_job_file_name(const char *table, const char *file_id, unsigned retry, const char *format,
                         bool gz) {
  size_t n = strlen(table) + strlen(file_id) + strlen(format) + 32;
  char *s = malloc(n);
  if (!s) return NULL;
  snprintf(s, n, "%s.%s.%u.%s%s", table, file_id, retry, format, gz ? ".gz" : "");
  return s;
}

char *cdlt_job_file_job_id(const cdlt_job_file *jf) {
  size_t n = strlen(jf->table) + strlen(jf->file_id) + strlen(jf->format) + 8;
  char *s = malloc(n);
  if (!s) return NULL;
  snprintf(s, n, "%s.%s.%s%s", jf->table, jf->file_id, jf->format, jf->gz ? ".gz" : "");
  return s;
}

int cdlt_job_id_of(const char *file_name, char **out, cdlt_error *err) {
  *out = NULL;
  cdlt_job_file jf;
  int rc = cdlt_job_file_parse(file_name, &jf, err);
  if (rc) return rc;
  *out = cdlt_job_file_job_id(&jf);
  cdlt_job_file_release(&jf);
  return *out ? CDLT_OK : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
}

int cdlt_job_file_with_retry(const char *file_name, unsigned retry, char **out, cdlt_error *err) {
  *out = NULL;
  cdlt_job_file jf;
  int rc = cdlt_job_file_parse(file_name, &jf, err);
  if (rc) return rc;
  *out = cdlt_job_file_name(jf.table, jf.file_id, retry, jf.format, jf.gz);
  cdlt_job_file_release(&jf);
  return *out ? CDLT_OK : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
}

int cdlt_job_new_file_id(char out[CDLT_JOB_FILE_ID_LEN + 1], cdlt_error *err) {
  return cdlt_fs_random_hex(out, CDLT_JOB_FILE_ID_LEN, err);
}
