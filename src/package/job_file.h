/* job_file.h — load job file names (contract §5.4).
 *
 *   file name  <table_name>.<file_id>.<retry_count>.<format>[.gz]   e.g. users__pets.dee931c5ad.0.insert_values.gz
 *   job id     <table_name>.<file_id>.<format>[.gz]                 (stable across retries)
 *
 * file_id is 10 lowercase hex chars (5 random bytes). The table name may itself contain dots, so
 * names are parsed from the right. */
#ifndef CDLT_PACKAGE_JOB_FILE_H
#define CDLT_PACKAGE_JOB_FILE_H

#include <stdbool.h>

#include "util/error.h"

#define CDLT_JOB_FILE_ID_LEN 10

/* A parsed file name. The strings point into `mem`, owned by the struct: release with
 * cdlt_job_file_release. */
typedef struct cdlt_job_file {
  const char *table;
  const char *file_id;
  const char *format;     /* "insert_values", "typed-jsonl", "sql", ... (without ".gz") */
  unsigned retry;         /* retry count */
  bool gz;                /* name ends with ".gz" */
  char *mem;
} cdlt_job_file;

/* Parses file_name (a bare name, no directory). CDLT_ERR_PARSE ("invalid job file name '<n>': ...")
 * when there are fewer than 4 dot-separated parts (after dropping ".gz"), an empty part, or a retry
 * count that is not a decimal number. On failure *out is zeroed. */
int cdlt_job_file_parse(const char *file_name, cdlt_job_file *out, cdlt_error *err);
void cdlt_job_file_release(cdlt_job_file *jf);

/* "<table>.<file_id>.<retry>.<format>[.gz]", malloc'd (caller frees); NULL on allocation failure. */
char *cdlt_job_file_name(const char *table, const char *file_id, unsigned retry, const char *format,
                         bool gz);
/* The job id "<table>.<file_id>.<format>[.gz]" of a parsed name, malloc'd (caller frees). */
char *cdlt_job_file_job_id(const cdlt_job_file *jf);
/* The job id of file_name, malloc'd into *out (caller frees); CDLT_ERR_PARSE as cdlt_job_file_parse. */
int cdlt_job_id_of(const char *file_name, char **out, cdlt_error *err);
/* The same file name with another retry count, malloc'd into *out (caller frees). */
int cdlt_job_file_with_retry(const char *file_name, unsigned retry, char **out, cdlt_error *err);
/* A fresh random file id: CDLT_JOB_FILE_ID_LEN lowercase hex chars + NUL. */
int cdlt_job_new_file_id(char out[CDLT_JOB_FILE_ID_LEN + 1], cdlt_error *err);

#endif
