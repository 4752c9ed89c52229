/* workdir.h — the pipeline working directory (contract §5.2).
 *
 *   <pipelines_dir>/<pipeline_name>/
 *     state.json  trace.pickle  schemas/
 *     normalize/.version ("1.0.1")  normalize/extracted/  normalize/<8 hex>/ (extract temp)
 *     load/.version ("1.0.0")  load/new/  load/normalized/  load/loaded/
 *
 * Load packages inside it are handled by package.h. */
#ifndef CDLT_PACKAGE_WORKDIR_H
#define CDLT_PACKAGE_WORKDIR_H

#include <stdbool.h>

#include "util/error.h"

#define CDLT_NORMALIZE_STORAGE_VERSION "1.0.1"
#define CDLT_LOAD_STORAGE_VERSION "1.0.0"

/* The inputs of the pipelines_dir resolution, so that tests can fake them. */
typedef struct cdlt_workdir_env {
  const char *dlt_data_dir;    /* $DLT_DATA_DIR, NULL when unset */
  const char *xdg_data_home;   /* $XDG_DATA_HOME, NULL when unset or empty */
  const char *home;            /* $HOME (or the passwd entry), NULL when unknown */
  const char *tmp_dir;         /* $TMPDIR, NULL = "/tmp" */
  bool is_root;                /* geteuid() == 0 */
} cdlt_workdir_env;

/* Fills env from the process environment. The strings point into environ / static storage:
 * valid until the environment changes. */
void cdlt_workdir_env_from_process(cdlt_workdir_env *env);

/* Resolves pipelines_dir (§5.2): explicit_dir if non-NULL, else <data_dir>/pipelines with data_dir =
 * $DLT_DATA_DIR > /var/dlt (root) > $XDG_DATA_HOME/dlt (if set and ~/.dlt does not exist) > ~/.dlt;
 * when home is unknown or not writable: <tmp>/dlt. Relative paths are made absolute against the
 * current directory. env NULL = cdlt_workdir_env_from_process. *out is malloc'd (caller frees). */
int cdlt_workdir_resolve_pipelines_dir(const char *explicit_dir, const cdlt_workdir_env *env,
                                       char **out, cdlt_error *err);

/* An opened working directory. Every string is malloc'd and owned by the struct. */
typedef struct cdlt_workdir {
  char *pipelines_dir;
  char *pipeline_name;
  char *path;            /* <pipelines_dir>/<pipeline_name> */
} cdlt_workdir;

/* Sets wd to <pipelines_dir>/<pipeline_name> (pipelines_dir NULL = resolved from the process
 * environment) and creates the layout (idempotent; existing content is kept). Fails with
 * CDLT_ERR_USAGE for an empty pipeline name or one containing '/' or being "." / "..", and with
 * CDLT_ERR_IO when a .version file holds another storage version. On failure wd is left empty
 * (closing it is still fine). */
int cdlt_workdir_open(cdlt_workdir *wd, const char *pipelines_dir, const char *pipeline_name,
                      cdlt_error *err);
/* Frees the strings of wd (the directory is untouched). Accepts a zeroed / failed wd. */
void cdlt_workdir_close(cdlt_workdir *wd);

/* Creates the layout below an existing-or-not working dir path (mkdir -p, .version files). */
int cdlt_workdir_create_layout(const char *path, cdlt_error *err);

/* "<wd->path>/<rel>", malloc'd (caller frees); NULL on allocation failure. */
char *cdlt_workdir_join(const cdlt_workdir *wd, const char *rel);

#endif
