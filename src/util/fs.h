/* fs.h — POSIX file-system helpers used by every storage module.
 *
 * Every function returns CDLT_OK (0) or a negative cdlt_status and, on failure, fills err with a
 * message naming the path ("cannot create directory '/x/y': Permission denied"). A missing file is
 * reported as CDLT_ERR_NOT_FOUND where noted, other system errors as CDLT_ERR_IO.
 * No function keeps a pointer to its arguments. Paths are plain NUL-terminated strings.
 *
 * Durability (contract §5.2): cdlt_fs_write_atomic writes "<dir>/<8 random hex>", fsyncs it, renames
 * it over the target and fsyncs the target's directory; cdlt_fs_rename fsyncs the directories it
 * touched. A reader therefore sees either the old or the new content, never a partial file. */
#ifndef CDLT_UTIL_FS_H
#define CDLT_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/buf.h"
#include "util/error.h"

/* Length of the random temp names (file and folder) used by atomic writes and extract (§5.2). */
#define CDLT_FS_TEMP_NAME_LEN 8

/* A sorted list of names; owned by the caller, freed with cdlt_fs_names_release. */
typedef struct cdlt_fs_names {
  char **names;   /* each malloc'd, NUL-terminated */
  size_t len;
} cdlt_fs_names;

void cdlt_fs_names_init(cdlt_fs_names *n);
void cdlt_fs_names_release(cdlt_fs_names *n);   /* frees every name and the array; re-inits */

/* --- queries (never fail: errors read as "no") --- */
bool cdlt_fs_exists(const char *path);    /* anything at path (a dangling symlink counts) */
bool cdlt_fs_is_dir(const char *path);    /* a directory (symlinks followed) */
bool cdlt_fs_is_file(const char *path);   /* a regular file (symlinks followed) */

/* Size in bytes of the file at path. CDLT_ERR_NOT_FOUND when absent. */
int cdlt_fs_file_size(const char *path, uint64_t *size_out, cdlt_error *err);

/* --- directories --- */
/* Creates path and every missing parent with `mode` (e.g. 0755; umask applies). Existing
 * directories are fine; an existing non-directory is an error. */
int cdlt_fs_mkdir_p(const char *path, mode_t mode, cdlt_error *err);
/* Removes path recursively. Symlinks are removed, never followed. A missing path is success. */
int cdlt_fs_rm_rf(const char *path, cdlt_error *err);
/* Removes an empty directory; a missing path is success, a non-empty one fails. */
int cdlt_fs_rmdir(const char *path, cdlt_error *err);
/* Fills out (which must be initialised) with the entry names of directory path, without "." and
 * "..", sorted by strcmp (= Python's sort of str for UTF-8 names). CDLT_ERR_NOT_FOUND when absent.
 * `only_dirs` keeps only directories, `only_files` only regular files (both false: everything). */
int cdlt_fs_list_dir(const char *path, bool only_dirs, bool only_files, cdlt_fs_names *out,
                     cdlt_error *err);
/* fsync of a directory (makes renames/creations inside it durable). */
int cdlt_fs_fsync_dir(const char *path, cdlt_error *err);

/* --- files --- */
/* Appends the whole content of path to out. CDLT_ERR_NOT_FOUND when absent. */
int cdlt_fs_read_file(const char *path, cdlt_buf *out, cdlt_error *err);
/* Atomically replaces path with data[0..len) created with `mode` (0644; 0600 for files that may hold
 * secrets). The temp file "<temp_dir>/<8 random hex>" must be on the same file system as path;
 * temp_dir NULL = the directory of path. On failure the temp file is removed and path unchanged. */
int cdlt_fs_write_atomic(const char *path, const char *temp_dir, const void *data, size_t len,
                         mode_t mode, cdlt_error *err);
/* rename(2) from → to (replacing a file or an empty directory at `to`), then fsyncs the parent
 * directory of `to` and, when different, of `from`. CDLT_ERR_NOT_FOUND when `from` is absent. */
int cdlt_fs_rename(const char *from, const char *to, cdlt_error *err);
/* The offset of the first line that starts at or after `at` in the open file fd of `size` bytes:
 * `at` itself when byte at - 1 is a newline (or at == 0), else the byte after the next newline,
 * `size` when there is none. Used to cut files into ranges of whole lines. 0 or an error naming
 * path. */
int cdlt_fs_next_line_start(int fd, const char *path, uint64_t at, uint64_t size, uint64_t *out, cdlt_error *err);
/* Written job files are fsync'd before their package is committed. So that the fsync finds little
 * left to write (the flat bench set: ~1.9 s spent in the fsyncs of extract and normalize), a writer
 * starts the writeback of what it wrote as it goes: cdlt_fs_writeback asks the kernel to start
 * writing fd's bytes [*from, to) once CDLT_FS_WRITEBACK_BYTES have accumulated since *from, and
 * moves *from to `to` (Linux sync_file_range; does not wait for the disk; elsewhere a no-op). `to`
 * must be bytes the kernel has (after fflush). Best effort: errors are left to the final fsync. */
#define CDLT_FS_WRITEBACK_BYTES ((uint64_t)8 << 20)
void cdlt_fs_writeback(int fd, uint64_t *from, uint64_t to);
/* Removes a file; a missing file is success. */
int cdlt_fs_unlink(const char *path, cdlt_error *err);
/* Copies the regular file `from` to `to` (created with mode, replaced atomically via a temp file in
 * the directory of `to`). */
int cdlt_fs_copy_file(const char *from, const char *to, mode_t mode, cdlt_error *err);

/* --- names --- */
/* Writes n random lowercase hex chars + NUL into out (size n+1) from getrandom()/dev/urandom. */
int cdlt_fs_random_hex(char *out, size_t n, cdlt_error *err);
/* true when name is exactly CDLT_FS_TEMP_NAME_LEN lowercase hex chars (a temp file or folder). */
bool cdlt_fs_is_temp_name(const char *name);
/* "<a>/<b>" (one slash; a trailing slash of a is not doubled), malloc'd (caller frees); NULL on
 * allocation failure. */
char *cdlt_path_join(const char *a, const char *b);
/* Like cdlt_path_join with any number of parts, terminated by NULL: cdlt_path_join_n(a, b, c, NULL). */
char *cdlt_path_join_n(const char *first, ...);

#endif
