/* replay_main.c — a main() for fuzz targets built without libFuzzer (gcc, the normal and the
 * ASan+UBSan trees): runs LLVMFuzzerTestOneInput once on every file named on the command line,
 * or on every file under a named directory (recursively, in sorted order). A target signals a
 * violated invariant by aborting, which fails the ctest. Missing directories are skipped, so an
 * empty regressions/<target>/ folder is fine. Prints the number of inputs replayed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t replayed;

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: cannot open '%s'\n", path);
    return 1;
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      uint8_t *nb = realloc(buf, cap *= 2);
      if (!nb) { free(buf); buf = NULL; }
      else buf = nb;
    }
  }
  fclose(f);
  if (!buf) {
    fprintf(stderr, "replay: out of memory reading '%s'\n", path);
    return 1;
  }
  /* the exact bytes, in a buffer of exactly that size (so ASan sees overreads) */
  uint8_t *exact = malloc(len ? len : 1);
  if (!exact) { free(buf); return 1; }
  memcpy(exact, buf, len);
  free(buf);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  replayed++;
  return 0;
}

static int replay_path(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return 0;   /* an absent folder: nothing to replay */
  if (!S_ISDIR(st.st_mode)) return replay_file(path);
  struct dirent **ents = NULL;
  int n = scandir(path, &ents, NULL, alphasort);
  int rc = 0;
  for (int k = 0; k < n; k++) {
    const char *nm = ents[k]->d_name;
    if (nm[0] != '.' && !rc) {
      size_t pl = strlen(path) + strlen(nm) + 2;
      char *p = malloc(pl);
      if (!p) rc = 1;
      else {
        snprintf(p, pl, "%s/%s", path, nm);
        rc = replay_path(p);
        free(p);
      }
    }
    free(ents[k]);
  }
  free(ents);
  return rc;
}

int main(int argc, char **argv) {
  int rc = 0;
  for (int k = 1; k < argc && !rc; k++) rc = replay_path(argv[k]);
  printf("replayed %zu input(s)\n", replayed);
  return rc;
}
