/* test_fs.c — file-system helpers: mkdir -p, rm -rf (symlinks not followed), atomic write (no temp
 * files left), rename, sorted listing, read, size, copy, random hex, path join. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "util/fs.h"

static cdlt_error err_storage;
static cdlt_error *const E = &err_storage;

static char *J(const char *a, const char *b) { return cdlt_path_join(a, b); }

static void write_plain(const char *path, const char *s) {
  FILE *f = fopen(path, "wb");
  if (f) {
    fputs(s, f);
    fclose(f);
  }
}

static size_t count_entries(const char *dir) {
  cdlt_fs_names n;
  cdlt_fs_names_init(&n);
  if (cdlt_fs_list_dir(dir, false, false, &n, NULL)) return (size_t)-1;
  size_t c = n.len;
  cdlt_fs_names_release(&n);
  return c;
}

int main(void) {
  const char *tmp = check_tmpdir();
  char *root = strdup(tmp);

  /* path join */
  char *p = cdlt_path_join("/a/", "b");
  CHECK_EQ_STR(p, "/a/b");
  free(p);
  p = cdlt_path_join_n("x", "y", "z.json", (const char *)NULL);
  CHECK_EQ_STR(p, "x/y/z.json");
  free(p);
  p = cdlt_path_join("/", "b");
  CHECK_EQ_STR(p, "/b");
  free(p);

  /* random hex / temp names */
  char hex[11];
  CHECK_OK(cdlt_fs_random_hex(hex, 10, E), E);
  CHECK_EQ_INT(strlen(hex), 10);
  CHECK(cdlt_fs_is_temp_name("0a1b2c3d"));
  CHECK(!cdlt_fs_is_temp_name("0a1b2c3"));
  CHECK(!cdlt_fs_is_temp_name("0A1B2C3D"));
  CHECK(!cdlt_fs_is_temp_name("extracted"));
  char h8[9];
  CHECK_OK(cdlt_fs_random_hex(h8, 8, E), E);
  CHECK(cdlt_fs_is_temp_name(h8));
  char h1[2], h2[2];
  cdlt_fs_random_hex(h1, 1, E);
  CHECK_EQ_INT(strlen(h1), 1);
  (void)h2;

  /* mkdir -p, exists, is_dir */
  char *deep = cdlt_path_join_n(root, "a", "b", "c", (const char *)NULL);
  CHECK_OK(cdlt_fs_mkdir_p(deep, 0755, E), E);
  CHECK(cdlt_fs_is_dir(deep));
  CHECK_OK(cdlt_fs_mkdir_p(deep, 0755, E), E); /* idempotent */
  char *afile = J(root, "afile");
  write_plain(afile, "x");
  CHECK(cdlt_fs_is_file(afile));
  CHECK(!cdlt_fs_is_dir(afile));
  char *under_file = J(afile, "sub");
  CHECK(cdlt_fs_mkdir_p(under_file, 0755, E) != 0);
  CHECK(strstr(E->msg, "afile") != NULL);

  /* atomic write: content, mode, no temp file left, replaces */
  char *adir = J(root, "atomic");
  cdlt_fs_mkdir_p(adir, 0755, NULL);
  char *target = J(adir, "state.json");
  CHECK_OK(cdlt_fs_write_atomic(target, NULL, "{\"a\":1}", 7, 0600, E), E);
  cdlt_buf b;
  cdlt_buf_init(&b);
  CHECK_OK(cdlt_fs_read_file(target, &b, E), E);
  CHECK_EQ_STR(b.data, "{\"a\":1}");
  struct stat st;
  CHECK(stat(target, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK_EQ_INT(count_entries(adir), 1);
  CHECK_OK(cdlt_fs_write_atomic(target, NULL, "second", 6, 0644, E), E);
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_fs_read_file(target, &b, E), E);
  CHECK_EQ_STR(b.data, "second");
  CHECK_EQ_INT(count_entries(adir), 1);
  /* temp in another directory (same fs) */
  char *tdir = J(root, "tmpdir");
  cdlt_fs_mkdir_p(tdir, 0755, NULL);
  CHECK_OK(cdlt_fs_write_atomic(target, tdir, "third", 5, 0644, E), E);
  CHECK_EQ_INT(count_entries(tdir), 0);
  CHECK_EQ_INT(count_entries(adir), 1);
  /* empty content */
  char *empty = J(adir, "empty");
  CHECK_OK(cdlt_fs_write_atomic(empty, NULL, "", 0, 0644, E), E);
  uint64_t size = 99;
  CHECK_OK(cdlt_fs_file_size(empty, &size, E), E);
  CHECK_EQ_INT(size, 0);
  CHECK_OK(cdlt_fs_file_size(target, &size, E), E);
  CHECK_EQ_INT(size, 5);
  /* failure names the path and leaves nothing */
  char *missing_dir_target = cdlt_path_join_n(root, "nope", "x.json", (const char *)NULL);
  CHECK(cdlt_fs_write_atomic(missing_dir_target, NULL, "x", 1, 0644, E) != 0);
  CHECK(strstr(E->msg, "nope/x.json") != NULL);

  /* read missing file */
  char *missing = J(root, "missing.json");
  CHECK_EQ_INT(cdlt_fs_read_file(missing, &b, E), CDLT_ERR_NOT_FOUND);
  CHECK(strstr(E->msg, "missing.json") != NULL);
  CHECK_EQ_INT(cdlt_fs_file_size(missing, &size, E), CDLT_ERR_NOT_FOUND);

  /* sorted listing (lexicographic, like Python sorted()) and filters */
  char *ldir = J(root, "list");
  cdlt_fs_mkdir_p(ldir, 0755, NULL);
  const char *ids[] = {"1795272839.8907554", "1795272839.89", "1795272891.264143", "10", "9", "1795272839.9"};
  for (size_t i = 0; i < 6; i++) {
    char *d = J(ldir, ids[i]);
    cdlt_fs_mkdir_p(d, 0755, NULL);
    free(d);
  }
  char *lf = J(ldir, "zfile");
  write_plain(lf, "z");
  cdlt_fs_names names;
  cdlt_fs_names_init(&names);
  CHECK_OK(cdlt_fs_list_dir(ldir, true, false, &names, E), E);
  CHECK_EQ_INT(names.len, 6);
  if (names.len == 6) {
    CHECK_EQ_STR(names.names[0], "10");
    CHECK_EQ_STR(names.names[1], "1795272839.89");
    CHECK_EQ_STR(names.names[2], "1795272839.8907554");
    CHECK_EQ_STR(names.names[3], "1795272839.9");
    CHECK_EQ_STR(names.names[4], "1795272891.264143");
    CHECK_EQ_STR(names.names[5], "9");
  }
  cdlt_fs_names_release(&names);
  CHECK_OK(cdlt_fs_list_dir(ldir, false, true, &names, E), E);
  CHECK_EQ_INT(names.len, 1);
  cdlt_fs_names_release(&names);
  CHECK_OK(cdlt_fs_list_dir(ldir, false, false, &names, E), E);
  CHECK_EQ_INT(names.len, 7);
  cdlt_fs_names_release(&names);
  CHECK_EQ_INT(cdlt_fs_list_dir(missing, false, false, &names, E), CDLT_ERR_NOT_FOUND);

  /* rename (+ NOT_FOUND) */
  char *r1 = J(root, "r1"), *r2 = J(root, "r2");
  write_plain(r1, "r");
  CHECK_OK(cdlt_fs_rename(r1, r2, E), E);
  CHECK(!cdlt_fs_exists(r1) && cdlt_fs_is_file(r2));
  CHECK_EQ_INT(cdlt_fs_rename(r1, r2, E), CDLT_ERR_NOT_FOUND);
  CHECK(strstr(E->msg, "r1") != NULL);
  /* rename of a directory */
  char *d1 = J(root, "d1"), *d2 = J(root, "d2");
  cdlt_fs_mkdir_p(d1, 0755, NULL);
  CHECK_OK(cdlt_fs_rename(d1, d2, E), E);
  CHECK(cdlt_fs_is_dir(d2) && !cdlt_fs_exists(d1));

  /* copy */
  char *c2 = J(root, "copy_of_r2");
  CHECK_OK(cdlt_fs_copy_file(r2, c2, 0600, E), E);
  cdlt_buf_reset(&b);
  CHECK_OK(cdlt_fs_read_file(c2, &b, E), E);
  CHECK_EQ_STR(b.data, "r");
  CHECK_EQ_INT(cdlt_fs_copy_file(missing, c2, 0600, E), CDLT_ERR_NOT_FOUND);
  /* a bigger file */
  char *big = J(root, "big"), *big2 = J(root, "big2");
  {
    char *data = malloc(200000);
    for (int i = 0; i < 200000; i++) data[i] = (char)('a' + i % 26);
    CHECK_OK(cdlt_fs_write_atomic(big, NULL, data, 200000, 0644, E), E);
    CHECK_OK(cdlt_fs_copy_file(big, big2, 0644, E), E);
    cdlt_buf_reset(&b);
    CHECK_OK(cdlt_fs_read_file(big2, &b, E), E);
    CHECK(b.len == 200000 && !memcmp(b.data, data, 200000));
    free(data);
  }

  /* unlink / rmdir */
  CHECK_OK(cdlt_fs_unlink(c2, E), E);
  CHECK_OK(cdlt_fs_unlink(c2, E), E); /* absent is fine */
  CHECK_OK(cdlt_fs_rmdir(d2, E), E);
  CHECK_OK(cdlt_fs_rmdir(d2, E), E);
  CHECK(cdlt_fs_rmdir(ldir, E) != 0); /* not empty */

  /* rm -rf does not follow symlinks */
  char *keep = J(root, "keep");
  cdlt_fs_mkdir_p(keep, 0755, NULL);
  char *keepf = J(keep, "precious");
  write_plain(keepf, "p");
  char *victim = J(root, "victim");
  char *vsub = J(victim, "sub");
  cdlt_fs_mkdir_p(vsub, 0755, NULL);
  char *vf = J(vsub, "f");
  write_plain(vf, "f");
  char *link = J(victim, "link_to_keep");
  CHECK(symlink(keep, link) == 0);
  char *link2 = J(vsub, "link_to_file");
  CHECK(symlink(keepf, link2) == 0);
  CHECK_OK(cdlt_fs_rm_rf(victim, E), E);
  CHECK(!cdlt_fs_exists(victim));
  CHECK(cdlt_fs_is_file(keepf));
  /* rm -rf of a symlink to a dir removes only the link */
  char *toplink = J(root, "toplink");
  CHECK(symlink(keep, toplink) == 0);
  CHECK_OK(cdlt_fs_rm_rf(toplink, E), E);
  CHECK(!cdlt_fs_exists(toplink) && cdlt_fs_is_file(keepf));
  CHECK_OK(cdlt_fs_rm_rf(victim, E), E); /* absent */
  /* rm -rf of a plain file */
  CHECK_OK(cdlt_fs_rm_rf(keepf, E), E);
  CHECK(!cdlt_fs_exists(keepf));

  cdlt_buf_release(&b);
  char *all[] = {root, deep, afile, under_file, adir, target, tdir, empty, missing_dir_target, missing,
                 ldir, lf, r1, r2, d1, d2, c2, big, big2, keep, keepf, victim, vsub, vf, link, link2, toplink};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
  /* writeback is started once CDLT_FS_WRITEBACK_BYTES accumulated, and the file stays intact */
  {
    char *wp = cdlt_path_join(check_tmpdir(), "writeback.bin");
    FILE *f = fopen(wp, "wb");
    CHECK(f != NULL);
    if (f) {
      static char block[1 << 20];
      uint64_t from = 0, written = 0;
      for (int k = 0; k < 20; k++) {
        memset(block, 'a' + k, sizeof block);
        CHECK(fwrite(block, 1, sizeof block, f) == sizeof block);
        written += sizeof block;
        CHECK(fflush(f) == 0);
        uint64_t before = from;
        cdlt_fs_writeback(fileno(f), &from, written);
        CHECK_EQ_INT(from, written - before >= CDLT_FS_WRITEBACK_BYTES ? written : before);
      }
      CHECK_EQ_INT(from, 16u << 20);   /* after 8 and 16 MiB */
      CHECK(fsync(fileno(f)) == 0);
      fclose(f);
      cdlt_buf content;
      cdlt_buf_init(&content);
      CHECK_OK(cdlt_fs_read_file(wp, &content, E), E);
      CHECK_EQ_INT(content.len, 20u << 20);
      for (int k = 0; k < 20 && content.len == (20u << 20); k++)
        CHECK(content.data[(size_t)k << 20] == (char)('a' + k) && content.data[((size_t)(k + 1) << 20) - 1] == (char)('a' + k));
      cdlt_buf_release(&content);
    }
    free(wp);
  }

  return check_finish();
}
