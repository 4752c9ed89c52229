/* workdir.c — resolving and creating the pipeline working directory (§5.2). */
#include "package/workdir.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdlt/cdlt.h"
#include "util/buf.h"
#include "util/fs.h"

static int nomem(cdlt_error *err) { return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }

void cdlt_workdir_env_from_process(cdlt_workdir_env *env) {
  memset(env, 0, sizeof *env);
  env->dlt_data_dir = getenv("DLT_DATA_DIR");
  const char *xdg = getenv("XDG_DATA_HOME");
  env->xdg_data_home = (xdg && *xdg) ? xdg : NULL;
  const char *home = getenv("HOME");
  if (!home || !*home) {
    struct passwd *pw = getpwuid(getuid());
    home = pw ? pw->pw_dir : NULL;
  }
  env->home = (home && *home) ? home : NULL;
  const char *tmp = getenv("TMPDIR");
  env->tmp_dir = (tmp && *tmp) ? tmp : NULL;
  env->is_root = geteuid() == 0;
}

/* path made absolute against the cwd, malloc'd. */
static char *absolute(const char *path) {
  if (path[0] == '/') return strdup(path);
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) return strdup(path);
  if (!strcmp(path, ".")) return strdup(cwd);
  if (!strncmp(path, "./", 2)) path += 2;
  return cdlt_path_join(cwd, path);
}

int cdlt_workdir_resolve_pipelines_dir(const char *explicit_dir, const cdlt_workdir_env *env,
                                       char **out, cdlt_error *err) {
  *out = NULL;
  if (explicit_dir && *explicit_dir) {
    *out = absolute(explicit_dir);
    return *out ? CDLT_OK : nomem(err);
  }
  cdlt_workdir_env own;
  if (!env) {
    cdlt_workdir_env_from_process(&own);
    env = &own;
  }
  char *data_dir = NULL;
  if (env->dlt_data_dir && *env->dlt_data_dir) {
    data_dir = absolute(env->dlt_data_dir);
  } else if (env->is_root) {
    data_dir = strdup("/var/dlt");
  } else {
    char *dot_dlt = env->home ? cdlt_path_join(env->home, ".dlt") : NULL;
    if (env->home && !dot_dlt) return nomem(err);
    if (env->xdg_data_home && (!dot_dlt || !cdlt_fs_exists(dot_dlt))) {
      data_dir = cdlt_path_join(env->xdg_data_home, "dlt");
      free(dot_dlt);
    } else if (dot_dlt && access(env->home, W_OK) == 0) {
      data_dir = dot_dlt;
    } else {
      free(dot_dlt);
      data_dir = cdlt_path_join(env->tmp_dir ? env->tmp_dir : "/tmp", "dlt");
    }
  }
  if (!data_dir) return nomem(err);
  *out = cdlt_path_join(data_dir, "pipelines");
  free(data_dir);
  return *out ? CDLT_OK : nomem(err);
}

/* Writes path with `version` unless it exists; an existing file must hold the same version. */
static int ensure_version_file(const char *path, const char *version, cdlt_error *err) {
  if (!cdlt_fs_exists(path)) return cdlt_fs_write_atomic(path, NULL, version, strlen(version), 0644, err);
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_fs_read_file(path, &b, err);
  if (rc == CDLT_OK) {
    size_t n = b.len;
    while (n > 0 && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r' || b.data[n - 1] == ' ')) n--;
    if (n != strlen(version) || memcmp(b.data, version, n) != 0)
      rc = cdlt_error_set(err, CDLT_ERR_IO, "storage '%s' has version '%.*s', expected '%s'", path,
                          (int)(n > 64 ? 64 : n), b.data ? b.data : "", version);
  }
  cdlt_buf_release(&b);
  return rc;
}

int cdlt_workdir_create_layout(const char *path, cdlt_error *err) {
  static const char *const dirs[] = {"schemas", "normalize/extracted", "load/new", "load/normalized",
                                     "load/loaded"};
  int rc = cdlt_fs_mkdir_p(path, 0755, err);
  for (size_t i = 0; rc == CDLT_OK && i < sizeof dirs / sizeof *dirs; i++) {
    char *p = cdlt_path_join(path, dirs[i]);
    rc = p ? cdlt_fs_mkdir_p(p, 0755, err) : nomem(err);
    free(p);
  }
  if (rc == CDLT_OK) {
    char *p = cdlt_path_join(path, "normalize/.version");
    rc = p ? ensure_version_file(p, CDLT_NORMALIZE_STORAGE_VERSION, err) : nomem(err);
    free(p);
  }
  if (rc == CDLT_OK) {
    char *p = cdlt_path_join(path, "load/.version");
    rc = p ? ensure_version_file(p, CDLT_LOAD_STORAGE_VERSION, err) : nomem(err);
    free(p);
  }
  if (rc != CDLT_OK && err && !strstr(err->msg, "working directory"))
    cdlt_error_wrap(err, "cannot create working directory '%s'", path);
  return rc;
}

void cdlt_workdir_close(cdlt_workdir *wd) {
  if (!wd) return;
  free(wd->pipelines_dir);
  free(wd->pipeline_name);
  free(wd->path);
  wd->pipelines_dir = wd->pipeline_name = wd->path = NULL;
}

int cdlt_workdir_open(cdlt_workdir *wd, const char *pipelines_dir, const char *pipeline_name,
                      cdlt_error *err) {
  memset(wd, 0, sizeof *wd);
  if (!pipeline_name || !*pipeline_name || strchr(pipeline_name, '/') || !strcmp(pipeline_name, ".") ||
      !strcmp(pipeline_name, ".."))
    return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid pipeline name '%s'",
                          pipeline_name ? pipeline_name : "");
  int rc = cdlt_workdir_resolve_pipelines_dir(pipelines_dir, NULL, &wd->pipelines_dir, err);
  if (rc) return rc;
  wd->pipeline_name = strdup(pipeline_name);
  wd->path = cdlt_path_join(wd->pipelines_dir, pipeline_name);
  if (!wd->pipeline_name || !wd->path) rc = nomem(err);
  if (rc == CDLT_OK) rc = cdlt_workdir_create_layout(wd->path, err);
  if (rc) cdlt_workdir_close(wd);
  return rc;
}

char *cdlt_workdir_join(const cdlt_workdir *wd, const char *rel) { return cdlt_path_join(wd->path, rel); }
