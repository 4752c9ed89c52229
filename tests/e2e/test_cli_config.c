/* test_cli_config.c — end-to-end tests of `cdlt init` and `cdlt config show` through the real
 * binary in a fresh temp dir: scaffolded files and their modes, values and providers printed by
 * config show, secrets masked in the output, errors and exit codes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "normalize/normalize_parallel.h"

static char dir[600];

/* Runs `cd <dir> && <env> cdlt <args>`; *out gets stdout+stderr (caller frees). */
static int cdlt(char **out, const char *env, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cdlt(char **out, const char *env, const char *fmt, ...) {
  char args[2048], cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "cd '%s' && env -u DLT_PROJECT_DIR DLT_DATA_DIR='%s/global' %s '%s' %s", dir, dir,
           env ? env : "", check_cdlt_bin(), args);
  char *o = NULL;
  int rc = check_run(cmd, &o);
  CHECK_MSG(!o || !strstr(o, "Sanitizer"), "sanitizer report from cdlt %s:\n%s", args, o);
  *out = o ? o : strdup("");
  return rc;
}

static void put_file(const char *rel, const char *text) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *f = fopen(path, "wb");
  CHECK_MSG(f != NULL, "cannot write %s", path);
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static bool has_line(const char *out, const char *line) {
  size_t n = strlen(line);
  for (const char *p = out; (p = strstr(p, line)); p++)
    if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0)) return true;
  return false;
}

static void test_init(void) {
  char *out = NULL;
  int rc = cdlt(&out, NULL, "init shop postgres");
  CHECK_MSG(rc == 0, "init exited %d:\n%s", rc, out);
  CHECK_EQ_STR(out,
               "created:\n"
               "  ./.dlt/config.toml\n"
               "  ./.dlt/secrets.toml\n"
               "  ./shop.pipeline.toml\n"
               "  ./data/shop.jsonl\n"
               "next: fill in .dlt/secrets.toml, then run `cdlt run -c shop.pipeline.toml`\n");
  free(out);
  char p[1200];
  struct stat st;
  snprintf(p, sizeof p, "%s/.dlt/secrets.toml", dir);
  CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
  snprintf(p, sizeof p, "%s/.dlt/config.toml", dir);
  CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0644);
  snprintf(p, sizeof p, "%s/shop.pipeline.toml", dir);
  char *pf = check_read_file(p, NULL);
  CHECK(pf && strstr(pf, "[pipeline]\nname = \"shop\"\ndestination = \"postgres\"\ndataset_name = \"shop_dataset\"\n"));
  CHECK(pf && strstr(pf, "paths = [\"data/shop.jsonl\"]"));
  free(pf);
  snprintf(p, sizeof p, "%s/data/shop.jsonl", dir);
  char *data = check_read_file(p, NULL);
  CHECK(data && !strncmp(data, "{\"id\": 1, \"name\": \"Alice\"", 25));
  free(data);
  /* again: refuses to overwrite, exit 2 */
  rc = cdlt(&out, NULL, "init shop postgres");
  CHECK_EQ_INT(rc, 2);
  CHECK_EQ_STR(out, "cdlt init: './.dlt/config.toml' already exists: not overwriting it\n");
  free(out);
  rc = cdlt(&out, NULL, "init onlyname");
  CHECK_EQ_INT(rc, 2);
  CHECK(strstr(out, "usage: cdlt init NAME DESTINATION") == out);
  free(out);
}

static void test_show(void) {
  /* secrets.toml from init holds password "<configure me>"; put a real-looking one in */
  put_file(".dlt/secrets.toml",
           "[destination.postgres.credentials]\ndatabase = \"dlt_data\"\nusername = \"loader\"\n"
           "password = \"toml-pass-123\"\nhost = \"localhost\"\n");
  put_file(".dlt/config.toml",
           "[runtime]\nlog_level = \"INFO\"\n[load]\nworkers = 4\noverlap = true\n"
           "[destination.other]\ncredentials = \"postgresql://u:url-pass-456@h:5432/db\"\n"
           "[shop.runtime]\nlog_level = \"DEBUG\"\n");
  char *out = NULL;
  int rc = cdlt(&out, "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD=env-pass-789 NORMALIZE__WORKERS=3 NORMALIZE__CHUNK_BYTES=1000",
                "config show --pipeline shop");
  CHECK_MSG(rc == 0, "config show exited %d:\n%s", rc, out);
  CHECK_MSG(!strstr(out, "toml-pass-123") && !strstr(out, "url-pass-456") && !strstr(out, "env-pass-789"),
            "a secret is printed:\n%s", out);
  char line[1400];
  snprintf(line, sizeof line, "config files:\n  %s/.dlt/secrets.toml\n  %s/global/secrets.toml (not found)\n"
                              "  %s/.dlt/config.toml\n  %s/global/config.toml (not found)\npipeline: shop\nvalues:\n",
           dir, dir, dir, dir);
  CHECK_MSG(strstr(out, line) == out, "header:\n%s", out);
  CHECK(has_line(out, "  destination.postgres.credentials.password = ***  "
                      "(environment variable DESTINATION__POSTGRES__CREDENTIALS__PASSWORD)"));
  CHECK(has_line(out, "  normalize.workers = 3  (environment variable NORMALIZE__WORKERS)"));
  snprintf(line, sizeof line, "  destination.postgres.credentials.username = ***  (%s/.dlt/secrets.toml)", dir);
  CHECK(has_line(out, line));
  snprintf(line, sizeof line, "  runtime.log_level = INFO  (%s/.dlt/config.toml)", dir);
  CHECK(has_line(out, line));
  snprintf(line, sizeof line, "  shop.runtime.log_level = DEBUG  (%s/.dlt/config.toml)", dir);
  CHECK(has_line(out, line));
  snprintf(line, sizeof line, "  destination.other.credentials = postgresql://u:***@h:5432/db  (%s/.dlt/config.toml)", dir);
  CHECK(has_line(out, line));
  snprintf(line, sizeof line, "  load.workers = 4  (%s/.dlt/config.toml)", dir);
  CHECK(has_line(out, line));
  CHECK(has_line(out, "  extract.workers = 5  (default)"));
  CHECK(has_line(out, "  destination.replace_strategy = truncate-and-insert  (default)"));
  CHECK_MSG(!has_line(out, "  load.workers = 20  (default)"), "default shown for a configured key:\n%s", out);
  /* cdlt's own settings: configured ones with their provider, the others with the pipeline's default */
  CHECK_MSG(has_line(out, "  normalize.chunk_bytes = 1000  (environment variable NORMALIZE__CHUNK_BYTES)"), "%s", out);
  snprintf(line, sizeof line, "  load.overlap = true  (%s/.dlt/config.toml)", dir);
  CHECK_MSG(has_line(out, line), "%s", out);
  CHECK_MSG(has_line(out, "  normalize.parallel_min_bytes = 4194304  (default)"), "%s", out);
  CHECK_MSG(!strstr(out, "normalize.chunk_bytes = 16777216") && !strstr(out, "load.overlap = false"),
            "default shown for a configured key:\n%s", out);
  free(out);
  /* a malformed file: exit 1 and the position */
  put_file(".dlt/config.toml", "[runtime]\nlog_level = \"INFO\"\n[runtime]\n");
  rc = cdlt(&out, NULL, "config show");
  CHECK_EQ_INT(rc, 1);
  snprintf(line, sizeof line, "cdlt config: invalid TOML in '%s/.dlt/config.toml' at line 3, column 1: table 'runtime' is defined twice\n", dir);
  CHECK_EQ_STR(out, line);
  free(out);
  /* a wrong type of a runtime setting */
  put_file(".dlt/config.toml", "[load]\nworkers = \"many\"\n");
  rc = cdlt(&out, NULL, "config show");
  CHECK_EQ_INT(rc, 1);
  snprintf(line, sizeof line, "cdlt config: configuration value 'load.workers' from '%s/.dlt/config.toml' is not an integer\n", dir);
  CHECK(strstr(out, line) != NULL);
  free(out);
  rc = cdlt(&out, NULL, "config frobnicate");
  CHECK_EQ_INT(rc, 2);
  CHECK(strstr(out, "cdlt config: unknown subcommand 'frobnicate'") == out);
  free(out);
  /* --project-dir from elsewhere */
  put_file(".dlt/config.toml", "[runtime]\nlog_level = \"ERROR\"\n");
  rc = cdlt(&out, NULL, "config show --project-dir '%s' | grep runtime.log_level", dir);
  snprintf(line, sizeof line, "  runtime.log_level = ERROR  (%s/.dlt/config.toml)\n", dir);
  CHECK_EQ_STR(out, line);
  free(out);
  /* cdlt's own settings not configured: the pipeline's defaults */
  rc = cdlt(&out, NULL, "config show");
  CHECK_EQ_INT(rc, 0);
  snprintf(line, sizeof line, "  normalize.chunk_bytes = %llu  (default)", (unsigned long long)CDLT_NORM_CHUNK_BYTES_DEFAULT);
  CHECK_MSG(has_line(out, line), "%s", out);
  free(out);
  rc = cdlt(&out, "NORMALIZE__PARALLEL_MIN_BYTES=4096", "config show");
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(has_line(out, "  normalize.parallel_min_bytes = 4096  (environment variable NORMALIZE__PARALLEL_MIN_BYTES)") &&
                has_line(out, "  load.overlap = false  (default)") && !strstr(out, "normalize.parallel_min_bytes = 4194304"),
            "%s", out);
  free(out);
  /* a value the pipeline would refuse: exit 1, as `cdlt run` */
  rc = cdlt(&out, "NORMALIZE__CHUNK_BYTES=0", "config show");
  CHECK_EQ_INT(rc, 1);
  CHECK_MSG(strstr(out, "cdlt config: configuration value 'normalize.chunk_bytes' is not a number of bytes: '0'\n") != NULL, "%s", out);
  free(out);
  rc = cdlt(&out, "LOAD__OVERLAP=maybe", "config show");
  CHECK_EQ_INT(rc, 1);
  CHECK_MSG(strstr(out, "cdlt config: configuration value 'load.overlap' is not true or false: 'maybe'\n") != NULL, "%s", out);
  free(out);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s", check_tmpdir());
  test_init();
  test_show();
  return check_finish();
}
