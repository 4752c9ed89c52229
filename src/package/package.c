/* package.c — load package storage: stages, transitions, package files (see package.h). */
#include "package/package.h"

#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "util/faultpoint.h"

static int nomem(cdlt_error *err) { return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }

static const char *const job_dirs[] = {"new_jobs", "started_jobs", "completed_jobs", "failed_jobs"};

const char *cdlt_package_stage_dir(cdlt_package_stage stage) {
  switch (stage) {
    case CDLT_STAGE_EXTRACTED: return "normalize/extracted";
    case CDLT_STAGE_NORMALIZING: return "load/new";
    case CDLT_STAGE_NORMALIZED: return "load/normalized";
    case CDLT_STAGE_LOADED: return "load/loaded";
    default: return NULL;
  }
}

const char *cdlt_package_stage_name(cdlt_package_stage stage) {
  static const char *const names[] = {"extracting", "extracted", "normalizing", "normalized", "loaded"};
  return (unsigned)stage < 5 ? names[stage] : "unknown";
}

const char *cdlt_job_state_dir(cdlt_job_state state) {
  return (unsigned)state < 4 ? job_dirs[state] : "unknown_jobs";
}

static int check_load_id(const char *load_id, const char *what, cdlt_error *err) {
  if (!load_id || !*load_id || strchr(load_id, '/') || load_id[0] == '.')
    return cdlt_error_set(err, CDLT_ERR_USAGE, "cannot %s load package '%s': invalid load id", what,
                          load_id ? load_id : "");
  return CDLT_OK;
}

static int check_file_name(const char *name, cdlt_error *err) {
  if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
    return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid file name '%s'", name ? name : "");
  return CDLT_OK;
}

void cdlt_package_close(cdlt_package *pkg) {
  if (!pkg) return;
  free(pkg->workdir);
  free(pkg->load_id);
  free(pkg->path);
  free(pkg->temp_dir);
  memset(pkg, 0, sizeof *pkg);
}

static char *stage_path(const char *workdir, cdlt_package_stage stage, const char *load_id) {
  return cdlt_path_join_n(workdir, cdlt_package_stage_dir(stage), load_id, (const char *)NULL);
}

/* Fills pkg (zeroed first) with copies; NOMEM leaves it closed. */
static int pkg_init(cdlt_package *pkg, const char *workdir, const char *load_id,
                    cdlt_package_stage stage, cdlt_error *err) {
  memset(pkg, 0, sizeof *pkg);
  pkg->workdir = strdup(workdir);
  pkg->load_id = strdup(load_id);
  pkg->stage = stage;
  if (stage != CDLT_STAGE_EXTRACTING) pkg->path = stage_path(workdir, stage, load_id);
  if (!pkg->workdir || !pkg->load_id || (stage != CDLT_STAGE_EXTRACTING && !pkg->path)) {
    cdlt_package_close(pkg);
    return nomem(err);
  }
  return CDLT_OK;
}

/* mkdir of the package folder itself (must not exist) + its subfolders. */
static int create_layout(const char *path, cdlt_error *err) {
  static const char *const subdirs[] = {"new_jobs", "started_jobs", "completed_jobs", "failed_jobs",
                                        CDLT_PACKAGE_PENDING_DIR};
  int rc = cdlt_fs_mkdir_p(path, 0755, err);
  for (size_t i = 0; rc == CDLT_OK && i < sizeof subdirs / sizeof *subdirs; i++) {
    char *p = cdlt_path_join(path, subdirs[i]);
    rc = p ? cdlt_fs_mkdir_p(p, 0755, err) : nomem(err);
    free(p);
  }
  return rc;
}

int cdlt_package_open(const cdlt_workdir *wd, cdlt_package_stage stage, const char *load_id,
                      cdlt_package *pkg, cdlt_error *err) {
  memset(pkg, 0, sizeof *pkg);
  int rc = check_load_id(load_id, "open", err);
  if (rc) return rc;
  if (stage == CDLT_STAGE_EXTRACTING || !cdlt_package_stage_dir(stage))
    return cdlt_error_set(err, CDLT_ERR_USAGE, "cannot open load package '%s': invalid stage", load_id);
  if ((rc = pkg_init(pkg, wd->path, load_id, stage, err))) return rc;
  if (!cdlt_fs_is_dir(pkg->path)) {
    rc = cdlt_error_set(err, CDLT_ERR_NOT_FOUND, "cannot open load package '%s': not found in '%s'",
                        load_id, pkg->path);
    cdlt_package_close(pkg);
  }
  return rc;
}

bool cdlt_package_exists(const cdlt_workdir *wd, cdlt_package_stage stage, const char *load_id) {
  if (stage == CDLT_STAGE_EXTRACTING || !cdlt_package_stage_dir(stage)) return false;
  char *p = stage_path(wd->path, stage, load_id);
  bool ok = p && cdlt_fs_is_dir(p);
  free(p);
  return ok;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int cdlt_package_list(const cdlt_workdir *wd, cdlt_package_stage stage, cdlt_fs_names *out,
                      cdlt_error *err) {
  const char *dir = cdlt_package_stage_dir(stage);
  if (!dir) return cdlt_error_set(err, CDLT_ERR_USAGE, "cannot list load packages: invalid stage");
  char *p = cdlt_path_join(wd->path, dir);
  if (!p) return nomem(err);
  size_t start = out->len;
  int rc = cdlt_fs_list_dir(p, true, false, out, err);
  if (rc == CDLT_ERR_NOT_FOUND) {
    cdlt_error_clear(err);
    rc = CDLT_OK;
  }
  free(p);
  if (rc) return cdlt_error_wrap(err, "cannot list %s load packages", cdlt_package_stage_name(stage));
  /* drop hidden names, keep order */
  size_t w = start;
  for (size_t i = start; i < out->len; i++) {
    if (out->names[i][0] == '.') free(out->names[i]);
    else out->names[w++] = out->names[i];
  }
  out->len = w;
  if (out->len > 1) qsort(out->names, out->len, sizeof *out->names, cmp_str);
  return CDLT_OK;
}

bool cdlt_package_any_pending(const cdlt_workdir *wd) {
  cdlt_fs_names a, b;
  cdlt_fs_names_init(&a);
  cdlt_fs_names_init(&b);
  cdlt_package_list(wd, CDLT_STAGE_EXTRACTED, &a, NULL);
  cdlt_package_list(wd, CDLT_STAGE_NORMALIZED, &b, NULL);
  bool pending = a.len + b.len > 0;
  cdlt_fs_names_release(&a);
  cdlt_fs_names_release(&b);
  return pending;
}

int cdlt_package_delete(cdlt_package *pkg, cdlt_error *err) {
  const char *target = pkg->temp_dir ? pkg->temp_dir : pkg->path;
  int rc = target ? cdlt_fs_rm_rf(target, err) : CDLT_OK;
  if (rc) return cdlt_error_wrap(err, "cannot delete load package '%s'", pkg->load_id);
  return CDLT_OK;
}

/* ------------------------------------------------------------------------------------- extract */

int cdlt_package_extract_begin(const cdlt_workdir *wd, const char *load_id, cdlt_package *pkg,
                               cdlt_error *err) {
  memset(pkg, 0, sizeof *pkg);
  int rc = check_load_id(load_id, "begin", err);
  if (rc) return rc;
  if ((rc = pkg_init(pkg, wd->path, load_id, CDLT_STAGE_EXTRACTING, err))) return rc;
  for (int attempt = 0; attempt < 16; attempt++) {
    char hex[CDLT_FS_TEMP_NAME_LEN + 1];
    if ((rc = cdlt_fs_random_hex(hex, CDLT_FS_TEMP_NAME_LEN, err))) break;
    char *tmp = cdlt_path_join_n(wd->path, "normalize", hex, (const char *)NULL);
    if (!tmp) { rc = nomem(err); break; }
    if (cdlt_fs_exists(tmp)) {
      free(tmp);
      continue;
    }
    pkg->temp_dir = tmp;
    pkg->path = cdlt_path_join(tmp, load_id);
    if (!pkg->path) { rc = nomem(err); break; }
    rc = create_layout(pkg->path, err);
    if (rc) cdlt_fs_rm_rf(tmp, NULL);
    break;
  }
  if (rc == CDLT_OK && !pkg->path)
    rc = cdlt_error_set(err, CDLT_ERR_IO, "no free temp folder name in '%s/normalize'", wd->path);
  if (rc) {
    cdlt_error_wrap(err, "cannot begin load package '%s'", load_id);
    cdlt_package_close(pkg);
  }
  return rc;
}

/* Renames the package folder into `stage` (refusing to replace an existing package there) and
 * updates pkg. `verb` names the operation in errors ("commit", "complete"). */
static int move_to_stage(cdlt_package *pkg, cdlt_package_stage stage, const char *verb, cdlt_error *err) {
  char *target = stage_path(pkg->workdir, stage, pkg->load_id);
  if (!target) return nomem(err);
  int rc = CDLT_OK;
  if (cdlt_fs_exists(target))
    rc = cdlt_error_set(err, CDLT_ERR_IO, "cannot %s load package '%s': '%s' already exists", verb, pkg->load_id, target);
  else if ((rc = cdlt_fs_rename(pkg->path, target, err)))
    cdlt_error_wrap(err, "cannot %s load package '%s'", verb, pkg->load_id);
  if (rc) {
    free(target);
    return rc;
  }
  free(pkg->path);
  pkg->path = target;
  pkg->stage = stage;
  return CDLT_OK;
}

int cdlt_package_extract_commit(cdlt_package *pkg, cdlt_error *err) {
  if (pkg->stage != CDLT_STAGE_EXTRACTING || !pkg->temp_dir)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "cannot commit load package '%s': not being extracted (stage %s)",
                          pkg->load_id, cdlt_package_stage_name(pkg->stage));
  int rc = cdlt_fault_point("extract.before_commit", err);
  if (!rc) rc = move_to_stage(pkg, CDLT_STAGE_EXTRACTED, "commit", err);
  if (!rc) rc = cdlt_fault_point("extract.after_commit", err);
  if (rc) return rc;
  /* the package is committed; a left-over empty temp folder is garbage for cleanup_extract_temp */
  rc = cdlt_fs_rmdir(pkg->temp_dir, err);
  if (rc) cdlt_error_wrap(err, "load package '%s' committed but its temp folder remains", pkg->load_id);
  free(pkg->temp_dir);
  pkg->temp_dir = NULL;
  return rc;
}

int cdlt_package_extract_abort(cdlt_package *pkg, cdlt_error *err) {
  if (pkg->stage != CDLT_STAGE_EXTRACTING || !pkg->temp_dir)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "cannot abort load package '%s': not being extracted",
                          pkg->load_id);
  int rc = cdlt_fs_rm_rf(pkg->temp_dir, err);
  if (rc) return cdlt_error_wrap(err, "cannot abort load package '%s'", pkg->load_id);
  return CDLT_OK;
}

int cdlt_package_cleanup_extract_temp(const cdlt_workdir *wd, size_t *removed, cdlt_error *err) {
  char *dir = cdlt_path_join(wd->path, "normalize");
  if (!dir) return nomem(err);
  cdlt_fs_names names;
  cdlt_fs_names_init(&names);
  int rc = cdlt_fs_list_dir(dir, false, false, &names, err);
  if (rc == CDLT_ERR_NOT_FOUND) {
    cdlt_error_clear(err);
    rc = CDLT_OK;
  }
  for (size_t i = 0; rc == CDLT_OK && i < names.len; i++) {
    if (!cdlt_fs_is_temp_name(names.names[i])) continue;
    char *p = cdlt_path_join(dir, names.names[i]);
    if (!p) { rc = nomem(err); break; }
    bool is_dir = cdlt_fs_is_dir(p);
    rc = cdlt_fs_rm_rf(p, err);
    if (rc == CDLT_OK && is_dir && removed) (*removed)++;
    free(p);
  }
  cdlt_fs_names_release(&names);
  free(dir);
  if (rc) return cdlt_error_wrap(err, "cannot remove abandoned extract folders");
  return CDLT_OK;
}

/* ----------------------------------------------------------------------------------- normalize */

int cdlt_package_normalize_begin(const cdlt_workdir *wd, const char *load_id, cdlt_package *pkg,
                                 cdlt_error *err) {
  memset(pkg, 0, sizeof *pkg);
  int rc = check_load_id(load_id, "begin", err);
  if (rc) return rc;
  if ((rc = pkg_init(pkg, wd->path, load_id, CDLT_STAGE_NORMALIZING, err))) return rc;
  if (cdlt_fs_exists(pkg->path))
    rc = cdlt_error_set(err, CDLT_ERR_IO,
                        "cannot begin load package '%s': '%s' already exists (left by a crashed "
                        "normalization; discard it first)", load_id, pkg->path);
  else if ((rc = create_layout(pkg->path, err)))
    cdlt_error_wrap(err, "cannot begin load package '%s'", load_id);
  if (rc) cdlt_package_close(pkg);
  return rc;
}

int cdlt_package_normalize_commit_aside(cdlt_package *pkg, char **aside, cdlt_error *err) {
  *aside = NULL;
  if (pkg->stage != CDLT_STAGE_NORMALIZING)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "cannot commit load package '%s': not being normalized (stage %s)",
                          pkg->load_id, cdlt_package_stage_name(pkg->stage));
  char *extracted = stage_path(pkg->workdir, CDLT_STAGE_EXTRACTED, pkg->load_id);
  char *removing = cdlt_path_join(pkg->workdir, CDLT_PACKAGE_REMOVING_DIR);
  char *target = removing ? cdlt_path_join(removing, pkg->load_id) : NULL;
  int rc = extracted && target ? cdlt_fault_point("normalize.before_commit", err) : nomem(err);
  if (!rc) rc = move_to_stage(pkg, CDLT_STAGE_NORMALIZED, "commit", err);
  if (!rc) rc = cdlt_fault_point("normalize.after_commit", err);
  /* committed: the extracted copy is garbage (cdlt_package_recover removes it after a crash) */
  if (!rc) rc = cdlt_fs_mkdir_p(removing, 0755, err);
  if (!rc) rc = cdlt_fs_rename(extracted, target, err);
  if (rc && pkg->stage == CDLT_STAGE_NORMALIZED)
    cdlt_error_wrap(err, "load package '%s' committed but its extracted copy remains", pkg->load_id);
  if (!rc) {
    *aside = target;
    target = NULL;
  }
  free(extracted);
  free(removing);
  free(target);
  return rc;
}

int cdlt_package_normalize_commit(cdlt_package *pkg, cdlt_error *err) {
  char *aside = NULL;
  int rc = cdlt_package_normalize_commit_aside(pkg, &aside, err);
  if (!rc) rc = cdlt_fs_rm_rf(aside, err);
  if (rc && aside) cdlt_error_wrap(err, "load package '%s' committed but its extracted copy remains", pkg->load_id);
  free(aside);
  return rc;
}

int cdlt_package_normalize_abort(cdlt_package *pkg, cdlt_error *err) {
  if (pkg->stage != CDLT_STAGE_NORMALIZING)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "cannot abort load package '%s': not being normalized",
                          pkg->load_id);
  int rc = cdlt_fs_rm_rf(pkg->path, err);
  if (rc) return cdlt_error_wrap(err, "cannot abort load package '%s'", pkg->load_id);
  return CDLT_OK;
}

int cdlt_package_discard_new(const cdlt_workdir *wd, const char *load_id, cdlt_error *err) {
  int rc = check_load_id(load_id, "discard", err);
  if (rc) return rc;
  char *p = stage_path(wd->path, CDLT_STAGE_NORMALIZING, load_id);
  if (!p) return nomem(err);
  rc = cdlt_fs_rm_rf(p, err);
  free(p);
  if (rc) return cdlt_error_wrap(err, "cannot discard load package '%s'", load_id);
  return CDLT_OK;
}

/* ---------------------------------------------------------------------------------------- files */

char *cdlt_package_file_path(const cdlt_package *pkg, const char *name) {
  return cdlt_path_join(pkg->path, name);
}

bool cdlt_package_has_file(const cdlt_package *pkg, const char *name) {
  char *p = cdlt_package_file_path(pkg, name);
  bool ok = p && cdlt_fs_is_file(p);
  free(p);
  return ok;
}

int cdlt_package_read_file(const cdlt_package *pkg, const char *name, cdlt_buf *out, cdlt_error *err) {
  int rc = check_file_name(name, err);
  if (rc) return rc;
  char *p = cdlt_package_file_path(pkg, name);
  if (!p) return nomem(err);
  rc = cdlt_fs_read_file(p, out, err);
  free(p);
  if (rc) return cdlt_error_wrap(err, "cannot read '%s' of load package '%s'", name, pkg->load_id);
  return CDLT_OK;
}

int cdlt_package_write_file(const cdlt_package *pkg, const char *name, const void *data, size_t len,
                            cdlt_error *err) {
  int rc = check_file_name(name, err);
  if (rc) return rc;
  char *p = cdlt_package_file_path(pkg, name);
  if (!p) return nomem(err);
  rc = cdlt_fs_write_atomic(p, pkg->path, data, len, 0644, err);
  free(p);
  if (rc) return cdlt_error_wrap(err, "cannot write '%s' of load package '%s'", name, pkg->load_id);
  return CDLT_OK;
}

int cdlt_package_remove_file(const cdlt_package *pkg, const char *name, cdlt_error *err) {
  int rc = check_file_name(name, err);
  if (rc) return rc;
  char *p = cdlt_package_file_path(pkg, name);
  if (!p) return nomem(err);
  rc = cdlt_fs_unlink(p, err);
  free(p);
  if (rc) return cdlt_error_wrap(err, "cannot remove '%s' of load package '%s'", name, pkg->load_id);
  return CDLT_OK;
}

int cdlt_package_copy_file(const cdlt_package *src, const cdlt_package *dst, const char *name,
                           cdlt_error *err) {
  int rc = check_file_name(name, err);
  if (rc) return rc;
  char *from = cdlt_package_file_path(src, name), *to = cdlt_package_file_path(dst, name);
  rc = (from && to) ? cdlt_fs_copy_file(from, to, 0644, err) : nomem(err);
  free(from);
  free(to);
  if (rc) return cdlt_error_wrap(err, "cannot copy '%s' of load package '%s'", name, src->load_id);
  return CDLT_OK;
}

int cdlt_package_commit_schema_updates(const cdlt_package *pkg, const void *applied, size_t len,
                                       cdlt_error *err) {
  int rc = cdlt_package_write_file(pkg, CDLT_PACKAGE_APPLIED_SCHEMA_UPDATES_FILE, applied, len, err);
  if (rc == CDLT_OK) rc = cdlt_package_remove_file(pkg, CDLT_PACKAGE_SCHEMA_UPDATES_FILE, err);
  return rc;
}

/* ----------------------------------------------------------------------------------- completion */

int cdlt_package_complete(cdlt_package *pkg, bool aborted, cdlt_error *err) {
  if (pkg->stage != CDLT_STAGE_NORMALIZED)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "cannot complete load package '%s': stage is %s, not normalized",
                          pkg->load_id, cdlt_package_stage_name(pkg->stage));
  const char *status = aborted ? "aborted" : "loaded";
  int rc = cdlt_package_write_file(pkg, CDLT_PACKAGE_COMPLETED_FILE, status, strlen(status), err);
  if (rc) return cdlt_error_wrap(err, "cannot complete load package '%s'", pkg->load_id);
  return move_to_stage(pkg, CDLT_STAGE_LOADED, "complete", err);
}

int cdlt_package_delete_completed_jobs(const cdlt_package *pkg, cdlt_error *err) {
  cdlt_fs_names names;
  cdlt_fs_names_init(&names);
  int rc = cdlt_package_list_jobs(pkg, CDLT_JOB_COMPLETED, &names, err);
  for (size_t i = 0; rc == CDLT_OK && i < names.len; i++) {
    char *p = cdlt_package_job_path(pkg, CDLT_JOB_COMPLETED, names.names[i]);
    rc = p ? cdlt_fs_unlink(p, err) : nomem(err);
    free(p);
  }
  cdlt_fs_names_release(&names);
  if (rc) return cdlt_error_wrap(err, "cannot delete completed jobs of load package '%s'", pkg->load_id);
  return CDLT_OK;
}
