/* package_recover.c — finishing or rolling back transitions interrupted by a crash (§5.7).
 * The rules are listed in docs/internals/PACKAGES.md. */
#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"
#include "package/package.h"

static int nomem(cdlt_error *err) { return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }

/* Removes stray atomic-write temp files (8 hex names) from the package root. */
static int remove_temp_files(const cdlt_package *pkg, cdlt_error *err) {
  cdlt_fs_names names;
  cdlt_fs_names_init(&names);
  int rc = cdlt_fs_list_dir(pkg->path, false, true, &names, err);
  for (size_t i = 0; rc == CDLT_OK && i < names.len; i++) {
    if (!cdlt_fs_is_temp_name(names.names[i])) continue;
    char *p = cdlt_package_file_path(pkg, names.names[i]);
    rc = p ? cdlt_fs_unlink(p, err) : nomem(err);
    free(p);
  }
  cdlt_fs_names_release(&names);
  return rc;
}

static int recover_normalized(const cdlt_workdir *wd, const char *load_id, cdlt_package_recovery *st,
                              cdlt_error *err) {
  /* crash between the normalize rename and the delete of the extracted package */
  if (cdlt_package_exists(wd, CDLT_STAGE_EXTRACTED, load_id)) {
    cdlt_package ex;
    int rc = cdlt_package_open(wd, CDLT_STAGE_EXTRACTED, load_id, &ex, err);
    if (rc == CDLT_OK) rc = cdlt_package_delete(&ex, err);
    cdlt_package_close(&ex);
    if (rc) return rc;
    st->extracted_removed++;
  }
  cdlt_package pkg;
  int rc = cdlt_package_open(wd, CDLT_STAGE_NORMALIZED, load_id, &pkg, err);
  if (rc) return rc;
  rc = remove_temp_files(&pkg, err);
  /* crash between writing applied_schema_updates.json and removing schema_updates.json */
  if (rc == CDLT_OK && cdlt_package_has_file(&pkg, CDLT_PACKAGE_APPLIED_SCHEMA_UPDATES_FILE) &&
      cdlt_package_has_file(&pkg, CDLT_PACKAGE_SCHEMA_UPDATES_FILE)) {
    rc = cdlt_package_remove_file(&pkg, CDLT_PACKAGE_SCHEMA_UPDATES_FILE, err);
    if (rc == CDLT_OK) st->schema_updates_removed++;
  }
  if (rc == CDLT_OK) rc = cdlt_package_recover_jobs(&pkg, &st->jobs_finalized, err);
  /* crash between writing package_completed.json and the move to load/loaded */
  if (rc == CDLT_OK && cdlt_package_has_file(&pkg, CDLT_PACKAGE_COMPLETED_FILE)) {
    cdlt_buf b;
    cdlt_buf_init(&b);
    rc = cdlt_package_read_file(&pkg, CDLT_PACKAGE_COMPLETED_FILE, &b, err);
    bool aborted = rc == CDLT_OK && b.data && !strcmp(b.data, "aborted");
    cdlt_buf_release(&b);
    if (rc == CDLT_OK) rc = cdlt_package_complete(&pkg, aborted, err);
    if (rc == CDLT_OK) st->packages_completed++;
  }
  cdlt_package_close(&pkg);
  return rc;
}

int cdlt_package_recover(const cdlt_workdir *wd, cdlt_package_recovery *stats, cdlt_error *err) {
  cdlt_package_recovery local;
  cdlt_package_recovery *st = stats ? stats : &local;
  memset(st, 0, sizeof *st);
  int rc = cdlt_package_cleanup_extract_temp(wd, &st->extract_temp_removed, err);
  /* a crash while an extracted copy set aside by cdlt_package_normalize_commit_aside was removed */
  char *aside = rc == CDLT_OK ? cdlt_path_join(wd->path, CDLT_PACKAGE_REMOVING_DIR) : NULL;
  if (rc == CDLT_OK && !aside) rc = nomem(err);
  if (rc == CDLT_OK && cdlt_fs_exists(aside)) {
    rc = cdlt_fs_rm_rf(aside, err);
    if (rc == CDLT_OK) st->aside_removed++;
  }
  free(aside);

  cdlt_fs_names ids;
  cdlt_fs_names_init(&ids);
  /* everything in load/new is an unfinished normalization: it is only ever committed by rename */
  if (rc == CDLT_OK) rc = cdlt_package_list(wd, CDLT_STAGE_NORMALIZING, &ids, err);
  for (size_t i = 0; rc == CDLT_OK && i < ids.len; i++) {
    rc = cdlt_package_discard_new(wd, ids.names[i], err);
    if (rc == CDLT_OK) st->new_discarded++;
  }
  cdlt_fs_names_release(&ids);

  if (rc == CDLT_OK) rc = cdlt_package_list(wd, CDLT_STAGE_NORMALIZED, &ids, err);
  for (size_t i = 0; rc == CDLT_OK && i < ids.len; i++) rc = recover_normalized(wd, ids.names[i], st, err);
  cdlt_fs_names_release(&ids);
  if (rc) return cdlt_error_wrap(err, "cannot recover working directory '%s'", wd->path);
  return CDLT_OK;
}
