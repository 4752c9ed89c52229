/* test_config.c — dlt's config/secret providers (contract §11.1-11.2) on real files in a temp dir:
 * provider order, key lookup order with the pipeline section, env naming, /run/secrets-style
 * files, named destinations, credentials as one string or as fields, the missing-value error
 * listing every key tried, runtime settings (§11.4), masking and the modes of scaffolded files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config/config.h"
#include "util/fs.h"

static char project[600], global[600], secrets_dir[600];

static void put_file(const char *dir, const char *rel, const char *text) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  char *slash = strrchr(path, '/');
  *slash = 0;
  cdlt_error err = {0};
  cdlt_fs_mkdir_p(path, 0755, &err);
  *slash = '/';
  FILE *f = fopen(path, "wb");
  CHECK_MSG(f != NULL, "cannot write %s", path);
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static cdlt_config *open_cfg(const char *pipeline) {
  cdlt_config_options o = {0};
  o.project_dir = project;
  o.global_dir = global;
  o.secrets_dir = secrets_dir;
  o.pipeline_name = pipeline;
  cdlt_config *c = NULL;
  cdlt_error err = {0};
  CHECK_OK(cdlt_config_open_ex(&o, &c, &err), &err);
  return c;
}

/* value text and provider of key under sections */
static void expect(cdlt_config *c, const char *sections, const char *key, const char *value,
                   const char *provider_suffix) {
  const char *v = NULL, *p = NULL, *k = NULL;
  int rc = cdlt_config_get(c, sections, key, &v, &p, &k);
  CHECK_MSG(rc == 0, "%s.%s: %s", sections ? sections : "", key, cdlt_config_errmsg(c));
  CHECK_EQ_STR(v, value);
  size_t pl = p ? strlen(p) : 0, sl = strlen(provider_suffix);
  CHECK_MSG(p && pl >= sl && !strcmp(p + pl - sl, provider_suffix), "provider of %s: '%s', expected ...'%s'",
            key, p ? p : "(null)", provider_suffix);
}

static void test_provider_order(void) {
  put_file(project, ".dlt/config.toml",
        "[runtime]\nlog_level = \"INFO\"\n[load]\nworkers = 3\n"
        "[destination.postgres.credentials]\nhost = \"cfg-host\"\nusername = \"cfg-user\"\n"
        "only_config = 1\n");
  put_file(project, ".dlt/secrets.toml",
        "[destination.postgres.credentials]\nhost = \"secret-host\"\npassword = \"s3cret\"\n");
  put_file(global, "config.toml", "[load]\nworkers = 9\nraise_on_max_retries = 7\n[global_only]\nx = true\n");
  put_file(global, "secrets.toml", "[destination.postgres.credentials]\npassword = \"global-pw\"\ndatabase = \"gdb\"\n");
  cdlt_config *c = open_cfg(NULL);
  if (!c) return;
  const char *pg = "destination.postgres.credentials";
  expect(c, pg, "only_config", "1", "/.dlt/config.toml");
  expect(c, pg, "host", "secret-host", "/.dlt/secrets.toml");       /* secrets > config */
  expect(c, pg, "password", "s3cret", "/.dlt/secrets.toml");        /* project > global */
  expect(c, pg, "database", "gdb", "/g/secrets.toml");              /* global secrets > project config */
  expect(c, "load", "workers", "3", "/.dlt/config.toml");
  expect(c, "load", "raise_on_max_retries", "7", "/g/config.toml");
  expect(c, "global_only", "x", "true", "/g/config.toml");
  setenv("DESTINATION__POSTGRES__CREDENTIALS__HOST", "env-host", 1);
  expect(c, pg, "host", "env-host", "environment variable DESTINATION__POSTGRES__CREDENTIALS__HOST");
  CHECK_EQ_INT(cdlt_config_set(c, "destination.postgres.credentials.host", "explicit-host"), 0);
  expect(c, pg, "host", "explicit-host", "explicit");
  unsetenv("DESTINATION__POSTGRES__CREDENTIALS__HOST");
  /* files considered, in priority order */
  CHECK_EQ_INT(cdlt_config_file_count(c), 4);
  int exists = 0;
  char want[1200];
  snprintf(want, sizeof want, "%s/.dlt/secrets.toml", project);
  CHECK_EQ_STR(cdlt_config_file(c, 0, &exists), want);
  CHECK_EQ_INT(exists, 1);
  snprintf(want, sizeof want, "%s/config.toml", global);
  CHECK_EQ_STR(cdlt_config_file(c, 3, &exists), want);
  cdlt_config_close(c);
}

static void test_lookup_order(void) {
  cdlt_config *c = open_cfg("p1");
  if (!c) return;
  const char *secs[] = {"destination", "postgres", "credentials"};
  const cdlt_json_value *v;
  cdlt_error err = {0};
  int rc = cdlt_config_lookup(c, secs, 3, "no_such_key", &v, NULL, NULL, &err);
  CHECK_EQ_INT(rc, CDLT_ERR_NOT_FOUND);
  /* env names tried, in dlt's order (§11.2) */
  const char *env_expected[] = {
      "P1__DESTINATION__POSTGRES__CREDENTIALS__NO_SUCH_KEY", "P1__DESTINATION__CREDENTIALS__NO_SUCH_KEY",
      "P1__CREDENTIALS__NO_SUCH_KEY", "DESTINATION__POSTGRES__CREDENTIALS__NO_SUCH_KEY",
      "DESTINATION__CREDENTIALS__NO_SUCH_KEY", "CREDENTIALS__NO_SUCH_KEY"};
  size_t ne = 0;
  for (size_t i = 0; i < cdlt_config_tried_count(c); i++) {
    const char *t = cdlt_config_tried(c, i);
    if (strncmp(t, "environment: ", 13)) continue;
    if (ne < 6) CHECK_EQ_STR(t + 13, env_expected[ne]);
    ne++;
  }
  CHECK_EQ_INT(ne, 6);
  /* every provider x every key: explicit, env, 4 files (6 keys each) */
  CHECK_EQ_INT(cdlt_config_tried_count(c), 6 * 6);
  char tried0[1300];
  snprintf(tried0, sizeof tried0, "%s/.dlt/secrets.toml: p1.destination.postgres.credentials.no_such_key", project);
  bool found = false;
  for (size_t i = 0; i < cdlt_config_tried_count(c); i++) found |= !strcmp(cdlt_config_tried(c, i), tried0);
  CHECK_MSG(found, "missing tried key %s", tried0);
  /* the message lists every env name and TOML key */
  for (size_t i = 0; i < 6; i++) CHECK_MSG(strstr(err.msg, env_expected[i]) != NULL, "%s not in: %s", env_expected[i], err.msg);
  CHECK(strstr(err.msg, "missing configuration value 'no_such_key': tried environment variables "
                        "P1__DESTINATION__POSTGRES__CREDENTIALS__NO_SUCH_KEY, ") == err.msg);
  CHECK(strstr(err.msg, "; secrets.toml and config.toml keys p1.destination.postgres.credentials.no_such_key, "
                        "p1.destination.credentials.no_such_key, p1.credentials.no_such_key, "
                        "destination.postgres.credentials.no_such_key, destination.credentials.no_such_key, "
                        "credentials.no_such_key in '") != NULL);
  /* with the pipeline section: wins over the plain key, from any provider */
  setenv("P1__DESTINATION__CREDENTIALS__PASSWORD", "pipe-env", 1);
  expect(c, "destination.postgres.credentials", "password", "pipe-env",
         "environment variable P1__DESTINATION__CREDENTIALS__PASSWORD");
  unsetenv("P1__DESTINATION__CREDENTIALS__PASSWORD");
  /* a less specific key is found: credentials.password at top level of the pipeline section */
  put_file(project, ".dlt/config.toml", "[p1.credentials]\nusername = \"p1-user\"\n[destination.postgres.credentials]\nusername = \"plain\"\n");
  cdlt_config_close(c);
  c = open_cfg("p1");
  expect(c, "destination.postgres.credentials", "username", "p1-user", "/.dlt/config.toml");
  /* the pipeline pass covers all providers before the plain pass: TOML p1.* beats plain env */
  setenv("DESTINATION__POSTGRES__CREDENTIALS__USERNAME", "env-plain", 1);
  expect(c, "destination.postgres.credentials", "username", "p1-user", "/.dlt/config.toml");
  unsetenv("DESTINATION__POSTGRES__CREDENTIALS__USERNAME");
  cdlt_config_close(c);
  /* without a pipeline name the p1 section is never read */
  c = open_cfg(NULL);
  expect(c, "destination.postgres.credentials", "username", "plain", "/.dlt/config.toml");
  /* sources: sources.<module>.<source>.<key> -> ... -> <key> */
  rc = cdlt_config_get(c, "sources.mod.src", "api_key", &(const char *){NULL}, NULL, NULL);
  CHECK_EQ_INT(rc, CDLT_ERR_NOT_FOUND);
  const char *src_expected[] = {"SOURCES__MOD__SRC__API_KEY", "SOURCES__MOD__API_KEY", "SOURCES__API_KEY", "API_KEY"};
  ne = 0;
  for (size_t i = 0; i < cdlt_config_tried_count(c); i++) {
    const char *t = cdlt_config_tried(c, i);
    if (strncmp(t, "environment: ", 13)) continue;
    if (ne < 4) CHECK_EQ_STR(t + 13, src_expected[ne]);
    ne++;
  }
  CHECK_EQ_INT(ne, 4);
  CHECK(strstr(cdlt_config_errmsg(c), "missing configuration value 'api_key'") == cdlt_config_errmsg(c));
  cdlt_config_close(c);
}

static void test_secret_files(void) {
  put_file(secrets_dir, "destination--postgres--credentials--password", "from-file\n");
  put_file(secrets_dir, "runtime--log-level", "DEBUG\n");
  cdlt_config *c = open_cfg(NULL);
  if (!c) return;
  char want[1300];
  snprintf(want, sizeof want, "%s/destination--postgres--credentials--password", secrets_dir);
  expect(c, "destination.postgres.credentials", "password", "from-file", want);
  /* not a secret key: the file is not read */
  const char *v = NULL;
  CHECK_EQ_INT(cdlt_config_get(c, "runtime", "log_level", &v, NULL, NULL), CDLT_ERR_NOT_FOUND);
  cdlt_config_close(c);
  char path[1300];
  snprintf(path, sizeof path, "%s/destination--postgres--credentials--password", secrets_dir);
  unlink(path);
}

static void test_credentials(void) {
  put_file(project, ".dlt/secrets.toml",
        "[destination.postgres.credentials]\ndatabase = \"dlt_data\"\nusername = \"loader\"\n"
        "password = \"it's \\\\ secret\"\nhost = \"localhost\"\nport = 5432\n"
        "[destination.my_pg]\ndestination_type = \"postgres\"\n"
        "credentials = \"postgresql://loader:pw@db.example.com:5433/warehouse?sslmode=require\"\n"
        "[destination.duckdb]\ncredentials = \"local.duckdb\"\n"
        "[destination.duck_fields.credentials]\ndatabase = \"fields.duckdb\"\n"
        "[destination.duck_fields]\ndestination_type = \"duckdb\"\n");
  put_file(project, ".dlt/config.toml", "");
  cdlt_config *c = open_cfg(NULL);
  if (!c) return;
  const char *cred = NULL, *prov = NULL, *type = NULL;
  CHECK_EQ_INT(cdlt_config_credentials(c, "postgres", &cred, &prov), 0);
  CHECK_EQ_STR(cred, "host='localhost' port='5432' dbname='dlt_data' user='loader' password='it\\'s \\\\ secret'");
  CHECK(prov && strstr(prov, "/.dlt/secrets.toml"));
  CHECK_EQ_INT(cdlt_config_destination_type(c, "my_pg", &type), 0);
  CHECK_EQ_STR(type, "postgres");
  CHECK_EQ_INT(cdlt_config_destination_type(c, "postgres", &type), 0);
  CHECK_EQ_STR(type, "postgres");
  CHECK_EQ_INT(cdlt_config_credentials(c, "my_pg", &cred, &prov), 0);
  CHECK_EQ_STR(cred, "postgresql://loader:pw@db.example.com:5433/warehouse?sslmode=require");
  CHECK_EQ_INT(cdlt_config_credentials(c, "duckdb", &cred, &prov), 0);
  CHECK_EQ_STR(cred, "local.duckdb");
  CHECK_EQ_INT(cdlt_config_credentials(c, "duck_fields", &cred, &prov), 0);
  CHECK_EQ_STR(cred, "fields.duckdb");
  /* a whole connection string from the environment wins over the TOML fields */
  setenv("DESTINATION__POSTGRES__CREDENTIALS", "postgresql://u:envpw@h/db", 1);
  CHECK_EQ_INT(cdlt_config_credentials(c, "postgres", &cred, &prov), 0);
  CHECK_EQ_STR(cred, "postgresql://u:envpw@h/db");
  CHECK_EQ_STR(prov, "environment variable DESTINATION__POSTGRES__CREDENTIALS");
  unsetenv("DESTINATION__POSTGRES__CREDENTIALS");
  /* nothing configured: the message lists the keys tried, no secrets */
  CHECK_EQ_INT(cdlt_config_credentials(c, "nothing", &cred, &prov), CDLT_ERR_NOT_FOUND);
  const char *m = cdlt_config_errmsg(c);
  CHECK(strstr(m, "missing credentials for destination 'nothing': tried DESTINATION__NOTHING__CREDENTIALS, ") == m);
  CHECK(strstr(m, "DESTINATION__NOTHING__CREDENTIALS__PASSWORD") != NULL);
  CHECK(strstr(m, "CREDENTIALS__HOST") != NULL);
  cdlt_config_close(c);
}

static void test_settings(void) {
  cdlt_runtime_settings s;
  cdlt_runtime_settings_defaults(&s);
  CHECK_EQ_STR(s.log_level, "WARNING");
  CHECK_EQ_INT(s.buffer_max_items, 5000);
  CHECK_EQ_INT(s.normalize_workers, sysconf(_SC_NPROCESSORS_ONLN));   /* cdlt: all cores */
  CHECK_EQ_INT(s.load_workers, 20);
  CHECK_EQ_INT(s.extract_workers, 5);
  CHECK_EQ_INT(s.raise_on_failed_jobs, 1);
  CHECK_EQ_INT(s.raise_on_max_retries, 5);
  CHECK_EQ_STR(s.replace_strategy, "truncate-and-insert");
  CHECK_EQ_INT(s.restore_from_destination, 1);
  CHECK_EQ_INT(s.dlthub_telemetry, 1);
  put_file(project, ".dlt/config.toml",
        "[runtime]\nlog_level = \"INFO\"\n[data_writer]\nbuffer_max_items = 100\n"
        "[normalize]\nworkers = 2\n[normalize.data_writer]\nfile_max_items = 7\n"
        "[load]\nworkers = 4\nraise_on_failed_jobs = false\n"
        "[destination]\nreplace_strategy = \"staging-optimized\"\n");
  cdlt_config *c = open_cfg(NULL);
  if (!c) return;
  setenv("EXTRACT__WORKERS", "11", 1);
  CHECK_EQ_INT(cdlt_config_runtime_settings(c, &s), 0);
  unsetenv("EXTRACT__WORKERS");
  CHECK_EQ_STR(s.log_level, "INFO");
  CHECK_EQ_INT(s.buffer_max_items, 100);
  CHECK_EQ_INT(s.file_max_items, 7);
  CHECK_EQ_INT(s.normalize_workers, 2);
  CHECK_EQ_INT(s.load_workers, 4);
  CHECK_EQ_INT(s.extract_workers, 11);
  CHECK_EQ_INT(s.raise_on_failed_jobs, 0);
  CHECK_EQ_STR(s.replace_strategy, "staging-optimized");
  setenv("LOAD__WORKERS", "many", 1);
  CHECK_EQ_INT(cdlt_config_runtime_settings(c, &s), CDLT_ERR_USAGE);
  CHECK_EQ_STR(cdlt_config_errmsg(c),
               "configuration value 'load.workers' from 'environment variable LOAD__WORKERS' is not an integer");
  unsetenv("LOAD__WORKERS");
  cdlt_config_close(c);
}

static void test_mask_and_show(void) {
  char out[256];
  CHECK_EQ_STR(cdlt_config_mask("hunter2", 1, out, sizeof out), "***");
  CHECK_EQ_STR(cdlt_config_mask("INFO", 0, out, sizeof out), "INFO");
  CHECK_EQ_STR(cdlt_config_mask("postgresql://loader:pw@localhost/dlt?x=1", 1, out, sizeof out),
               "postgresql://loader:***@localhost/dlt?x=1");
  CHECK_EQ_STR(cdlt_config_mask("postgresql://loader:pw@localhost/dlt", 0, out, sizeof out),
               "postgresql://loader:***@localhost/dlt");
  CHECK_EQ_STR(cdlt_config_mask("host=h password='a b' user=u", 1, out, sizeof out), "host=h password=*** user=u");
  CHECK_EQ_STR(cdlt_config_mask("https://token@x/y", 1, out, sizeof out), "***");
  put_file(project, ".dlt/secrets.toml", "[sources.api]\nnot_obviously_secret = \"zzz-secret-value\"\n");
  put_file(project, ".dlt/config.toml", "[destination.pg]\ncredentials = \"postgresql://a:cfgpw@h/d\"\n[runtime]\nlog_level = \"ERROR\"\n");
  setenv("DESTINATION__PG__CREDENTIALS__PASSWORD", "env-pw-value", 1);
  cdlt_config *c = open_cfg(NULL);
  if (!c) return;
  size_t n = cdlt_config_entry_count(c);
  bool saw_pw = false, saw_src = false, saw_cfg = false, saw_level = false, saw_default = false;
  for (size_t i = 0; i < n; i++) {
    const char *k, *v, *p;
    CHECK_EQ_INT(cdlt_config_entry(c, i, &k, &v, &p), 0);
    CHECK_MSG(!strstr(v, "env-pw-value") && !strstr(v, "zzz-secret") && !strstr(v, "cfgpw"), "secret shown: %s = %s", k, v);
    if (!strcmp(k, "destination.pg.credentials.password")) {
      saw_pw = true;
      CHECK_EQ_STR(v, "***");
      CHECK_EQ_STR(p, "environment variable DESTINATION__PG__CREDENTIALS__PASSWORD");
    }
    if (!strcmp(k, "sources.api.not_obviously_secret")) saw_src = !strcmp(v, "***");
    if (!strcmp(k, "destination.pg.credentials")) saw_cfg = !strcmp(v, "postgresql://a:***@h/d");
    if (!strcmp(k, "runtime.log_level")) saw_level = !strcmp(v, "ERROR") && strstr(p, "config.toml");
    if (!strcmp(k, "extract.max_parallel_items")) saw_default = !strcmp(v, "20") && !strcmp(p, "default");
  }
  CHECK(saw_pw);
  CHECK(saw_src);
  CHECK(saw_cfg);
  CHECK(saw_level);
  CHECK(saw_default);
  unsetenv("DESTINATION__PG__CREDENTIALS__PASSWORD");
  cdlt_config_close(c);
}

static void test_bad_toml_and_init(void) {
  put_file(project, ".dlt/config.toml", "[runtime]\nlog_level = INFO\n");
  cdlt_config_options o = {0};
  o.project_dir = project;
  o.global_dir = "";
  cdlt_config *c = NULL;
  CHECK_EQ_INT(cdlt_config_open(&o, &c), CDLT_ERR_PARSE);
  char want[1400];
  snprintf(want, sizeof want, "invalid TOML in '%s/.dlt/config.toml' at line 2, column 13: invalid value 'INFO'", project);
  CHECK_EQ_STR(c ? cdlt_config_errmsg(c) : NULL, want);
  cdlt_config_close(c);
  /* scaffolding: secrets.toml is 0600, the rest 0644; nothing overwritten */
  char dir[700], errbuf[512], *written = NULL;
  snprintf(dir, sizeof dir, "%s/newproj", project);
  CHECK_EQ_INT(cdlt_init_project(dir, "shop", "postgres", &written, errbuf, sizeof errbuf), 0);
  char p1[800], p2[800];
  snprintf(p1, sizeof p1, "%s/.dlt/secrets.toml", dir);
  snprintf(p2, sizeof p2, "%s/.dlt/config.toml", dir);
  struct stat st;
  CHECK(stat(p1, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK(stat(p2, &st) == 0 && (st.st_mode & 0777) == 0644);
  CHECK(written && strstr(written, p1));
  free(written);
  CHECK_EQ_INT(cdlt_init_project(dir, "shop", "postgres", NULL, errbuf, sizeof errbuf), CDLT_ERR_USAGE);
  snprintf(want, sizeof want, "'%s' already exists: not overwriting it", p2);
  CHECK_EQ_STR(errbuf, want);
  CHECK_EQ_INT(cdlt_init_project(dir, "bad name", "postgres", NULL, errbuf, sizeof errbuf), CDLT_ERR_USAGE);
  CHECK_EQ_STR(errbuf, "invalid pipeline name 'bad name': use letters, digits and '_'");
  /* the scaffolded files are valid for the providers */
  cdlt_config_options o2 = {0};
  o2.project_dir = dir;
  o2.global_dir = "";
  o2.ignore_environment = 1;
  c = NULL;
  CHECK_EQ_INT(cdlt_config_open(&o2, &c), 0);
  const char *cred;
  CHECK_EQ_INT(cdlt_config_credentials(c, "postgres", &cred, NULL), 0);
  CHECK_EQ_STR(cred, "host='localhost' port='5432' dbname='dlt_data' user='loader' password='<configure me>' connect_timeout='15'");
  cdlt_config_close(c);
  /* the scaffolded pipeline file loads: its glob finds the sample data */
  char pf[800];
  snprintf(pf, sizeof pf, "%s/shop.pipeline.toml", dir);
  cdlt_pipeline_file *f = NULL;
  CHECK_EQ_INT(cdlt_pipeline_file_load(pf, &f), 0);
  if (f && cdlt_pipeline_file_resource_count(f) == 1) {
    size_t n = 0;
    const char *const *paths = cdlt_pipeline_file_resource_paths(f, 0, &n);
    snprintf(want, sizeof want, "%s/data/shop.jsonl", dir);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(n ? paths[0] : NULL, want);
    CHECK_EQ_STR(cdlt_pipeline_file_options(f)->destination, "postgres");
    CHECK_EQ_STR(cdlt_pipeline_file_resource_options(f, 0)->hints_json,
                 "{\"table_name\":\"shop\",\"write_disposition\":\"append\",\"primary_key\":\"id\","
                 "\"columns\":{\"created_at\":{\"data_type\":\"timestamp\"}}}");
  } else {
    CHECK_MSG(0, "scaffolded pipeline file: %s", f ? cdlt_pipeline_file_errmsg(f) : "nomem");
  }
  cdlt_pipeline_file_free(f);
}

int main(void) {
  const char *t = check_tmpdir();
  snprintf(project, sizeof project, "%s", t);
  snprintf(global, sizeof global, "%s/g", t);
  snprintf(secrets_dir, sizeof secrets_dir, "%s/run-secrets", t);
  cdlt_error err = {0};
  cdlt_fs_mkdir_p(secrets_dir, 0755, &err);
  test_provider_order();
  test_lookup_order();
  test_secret_files();
  test_credentials();
  test_settings();
  test_mask_and_show();
  test_bad_toml_and_init();
  return check_finish();
}
