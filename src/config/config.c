/* config.c — dlt's configuration providers (contract §11.1-11.2): explicit values, environment
 * variables (+ /run/secrets files), secrets.toml and config.toml (project, then global), and the
 * key lookup order with the pipeline-name section. Public API in include/cdlt/config.h,
 * internal in config.h; runtime settings in settings.c, display entries in config_show.c. */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config_internal.h"
#include "package/workdir.h"
#include "util/buf.h"
#include "util/fs.h"

static int nomem(cdlt_error *err) { return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }

/* ------------------------------------------------------------------ open / close */

static int add_file(cdlt_config *c, const char *dir, const char *file, bool secret, cdlt_error *err) {
  char *path = cdlt_path_join(dir, file);
  if (!path) return nomem(err);
  for (size_t i = 0; i < c->nfiles; i++)
    if (!strcmp(c->files[i].path, path)) {  /* global dir == project dir */
      free(path);
      return 0;
    }
  cfg_file *f = &c->files[c->nfiles++];
  f->path = path;
  f->secret = secret;
  cdlt_toml_doc_init(&f->doc);
  if (!cdlt_fs_is_file(path)) return 0;
  int rc = cdlt_toml_parse_file(&f->doc, path, err);
  if (rc) return rc;
  f->loaded = true;
  return 0;
}

static char *strdup_or_null(const char *s) { return s ? strdup(s) : NULL; }

int cdlt_config_open_ex(const cdlt_config_options *opts, cdlt_config **out, cdlt_error *err) {
  *out = NULL;
  cdlt_config *c = calloc(1, sizeof *c);
  if (!c) return nomem(err);
  cdlt_config_options none = {0};
  if (!opts) opts = &none;
  cdlt_json_doc_init(&c->doc);
  c->explicit_root = cdlt_json_object(&c->doc);
  c->use_env = !opts->ignore_environment;
  c->pipeline_name = strdup_or_null(opts->pipeline_name && *opts->pipeline_name ? opts->pipeline_name : NULL);
  const char *secrets_dir = opts->secrets_dir ? opts->secrets_dir : "/run/secrets";
  c->secrets_dir = *secrets_dir ? strdup(secrets_dir) : NULL;

  const char *project = opts->project_dir;
  char cwd[4096];
  if (!project || !*project) project = getenv("DLT_PROJECT_DIR");
  if (!project || !*project) project = getcwd(cwd, sizeof cwd) ? cwd : ".";
  c->project_dir = strdup(project);
  const char *folder = getenv("DLT_CONFIG_FOLDER");
  if (!folder || !*folder) folder = ".dlt";
  c->settings_dir = cdlt_path_join(project, folder);
  if (!c->explicit_root || !c->project_dir || !c->settings_dir) {
    cdlt_config_close(c);
    return nomem(err);
  }
  if (opts->global_dir) {
    c->global_dir = *opts->global_dir ? strdup(opts->global_dir) : NULL;
  } else {
    char *pd = NULL;
    int rc = cdlt_workdir_resolve_pipelines_dir(NULL, NULL, &pd, err);
    if (rc) {
      cdlt_config_close(c);
      return rc;
    }
    size_t l = strlen(pd);  /* "<data_dir>/pipelines" -> "<data_dir>" */
    if (l > 10 && !strcmp(pd + l - 10, "/pipelines")) pd[l - 10] = 0;
    c->global_dir = pd;
  }
  int rc = add_file(c, c->settings_dir, "secrets.toml", true, err);
  if (!rc && c->global_dir) rc = add_file(c, c->global_dir, "secrets.toml", true, err);
  if (!rc) rc = add_file(c, c->settings_dir, "config.toml", false, err);
  if (!rc && c->global_dir) rc = add_file(c, c->global_dir, "config.toml", false, err);
  if (rc) {
    cdlt_config_close(c);
    return rc;
  }
  *out = c;
  return 0;
}

int cdlt_config_open(const cdlt_config_options *opts, cdlt_config **out) {
  cdlt_error err = {0};
  *out = NULL;
  int rc = cdlt_config_open_ex(opts, out, &err);
  if (rc && rc != CDLT_ERR_NOMEM) {
    cdlt_config *c = calloc(1, sizeof *c);
    if (c) {
      cdlt_json_doc_init(&c->doc);
      snprintf(c->errmsg, sizeof c->errmsg, "%s", err.msg);
    }
    *out = c;
  }
  return rc;
}

static void tried_clear(cdlt_config *c) {
  for (size_t i = 0; i < c->ntried; i++) free(c->tried[i]);
  c->ntried = 0;
}

void cdlt_config_close(cdlt_config *c) {
  if (!c) return;
  for (size_t i = 0; i < c->nfiles; i++) {
    free(c->files[i].path);
    cdlt_toml_doc_release(&c->files[i].doc);
  }
  tried_clear(c);
  free(c->tried);
  cfg_entries_release(c);
  cdlt_json_doc_release(&c->doc);
  free(c->pipeline_name);
  free(c->secrets_dir);
  free(c->project_dir);
  free(c->settings_dir);
  free(c->global_dir);
  free(c);
}

const char *cdlt_config_errmsg(const cdlt_config *c) { return c ? c->errmsg : "out of memory"; }

int cfg_fail(cdlt_config *c, const cdlt_error *err) {
  snprintf(c->errmsg, sizeof c->errmsg, "%s", err->msg);
  return err->code ? err->code : CDLT_ERR_INTERNAL;
}

size_t cdlt_config_file_count(const cdlt_config *c) { return c ? c->nfiles : 0; }

const char *cdlt_config_file(const cdlt_config *c, size_t i, int *exists) {
  if (!c || i >= c->nfiles) return NULL;
  if (exists) *exists = c->files[i].loaded;
  return c->files[i].path;
}

/* ------------------------------------------------------------------ explicit values */

int cdlt_config_set(cdlt_config *c, const char *dotted_key, const char *value) {
  if (!c || !c->explicit_root) return CDLT_ERR_USAGE;
  if (!dotted_key || !*dotted_key || !value) {
    snprintf(c->errmsg, sizeof c->errmsg, "cdlt_config_set needs a key and a value");
    return CDLT_ERR_USAGE;
  }
  cdlt_json_value *t = c->explicit_root;
  const char *p = dotted_key;
  for (;;) {
    const char *dot = strchr(p, '.');
    if (!dot) break;
    char part[256];
    snprintf(part, sizeof part, "%.*s", (int)(dot - p), p);
    cdlt_json_value *n = cdlt_json_get(t, part);
    if (n && n->type != CDLT_JSON_OBJECT) {
      snprintf(c->errmsg, sizeof c->errmsg, "key '%s' already holds a value", part);
      return CDLT_ERR_USAGE;
    }
    if (!n) n = cdlt_json_get_or_add_object(&c->doc, t, part);
    if (!n) return CDLT_ERR_NOMEM;
    t = n;
    p = dot + 1;
  }
  cdlt_json_value *v = cdlt_json_cstr(&c->doc, value);
  if (!v || cdlt_json_object_set(&c->doc, t, p, v)) return CDLT_ERR_NOMEM;
  return 0;
}

/* ------------------------------------------------------------------ key candidates */

static bool fixed_section(const char *s) { return !strcmp(s, "credentials") || !strcmp(s, "data_writer"); }

size_t cfg_candidates(const char *const *sections, size_t n, const char *prefix,
                      const char *cand[][CFG_MAX_PARTS], size_t *cand_len, size_t max) {
  size_t fixed = (n > 0 && fixed_section(sections[n - 1])) ? 1 : 0;
  size_t movable = n - fixed, count = 0;
  for (size_t m = movable + 1; m-- > 0 && count < max;) {
    size_t k = 0;
    if (prefix) cand[count][k++] = prefix;
    for (size_t i = 0; i < m && k < CFG_MAX_PARTS - 2; i++) cand[count][k++] = sections[i];
    for (size_t i = movable; i < n && k < CFG_MAX_PARTS - 2; i++) cand[count][k++] = sections[i];
    cand_len[count] = k;  /* the key is appended by the caller */
    count++;
  }
  return count;
}

static void join_parts(cdlt_buf *b, const char *const *parts, size_t n, const char *key, bool env) {
  cdlt_buf_reset(b);
  for (size_t i = 0; i <= n; i++) {
    const char *s = i < n ? parts[i] : key;
    if (i) cdlt_buf_puts(b, env ? "__" : ".");
    for (const char *q = s; *q; q++) cdlt_buf_putc(b, env ? (char)toupper((unsigned char)*q) : *q);
  }
}

static const cdlt_json_value *tree_get(const cdlt_json_value *root, const char *const *parts, size_t n,
                                       const char *key) {
  const cdlt_json_value *t = root;
  for (size_t i = 0; i < n && t; i++) {
    t = cdlt_json_get(t, parts[i]);
    if (t && t->type != CDLT_JSON_OBJECT) return NULL;
  }
  return t ? cdlt_json_get(t, key) : NULL;
}

bool cdlt_config_is_secret_key(const char *key) {
  static const char *const words[] = {"password", "secret", "token", "credentials", "api_key",
                                      "private_key", "passphrase", "access_key", NULL};
  for (size_t i = 0; words[i]; i++)
    if (strstr(key, words[i])) return true;
  return false;
}

/* /run/secrets/<env-name lower, '_' -> '-'> */
static char *secret_file_value(cdlt_config *c, const char *env_name, char **path_out) {
  char name[1024];
  size_t i = 0;
  for (; env_name[i] && i < sizeof name - 1; i++)
    name[i] = env_name[i] == '_' ? '-' : (char)tolower((unsigned char)env_name[i]);
  name[i] = 0;
  char *path = cdlt_path_join(c->secrets_dir, name);
  if (!path || !cdlt_fs_is_file(path)) {
    free(path);
    return NULL;
  }
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_error err = {0};
  if (cdlt_fs_read_file(path, &b, &err)) {
    free(path);
    cdlt_buf_release(&b);
    return NULL;
  }
  while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r')) b.data[--b.len] = 0;
  *path_out = path;
  char *v = cdlt_buf_detach(&b);
  return v;
}

static int tried_add(cdlt_config *c, const char *provider, const char *key) {
  if (c->ntried == c->tried_cap) {
    size_t ncap = c->tried_cap ? c->tried_cap * 2 : 32;
    char **n = realloc(c->tried, ncap * sizeof *n);
    if (!n) return CDLT_ERR_NOMEM;
    c->tried = n;
    c->tried_cap = ncap;
  }
  size_t l = strlen(provider) + strlen(key) + 3;
  char *s = malloc(l);
  if (!s) return CDLT_ERR_NOMEM;
  snprintf(s, l, "%s: %s", provider, key);
  c->tried[c->ntried++] = s;
  return 0;
}

size_t cdlt_config_tried_count(const cdlt_config *c) { return c ? c->ntried : 0; }
const char *cdlt_config_tried(const cdlt_config *c, size_t i) {
  return c && i < c->ntried ? c->tried[i] : NULL;
}

static const char *doc_str(cdlt_config *c, const char *s) {
  cdlt_json_value *v = cdlt_json_cstr(&c->doc, s);
  return v ? v->u.str.ptr : NULL;
}

/* Builds the "missing" message: per provider the keys tried (env names once, TOML keys once). */
static int missing_error(cdlt_config *c, const char *key, cdlt_buf *env_keys, cdlt_buf *toml_keys,
                         cdlt_error *err) {
  cdlt_buf m;
  cdlt_buf_init(&m);
  cdlt_buf_printf(&m, "missing configuration value '%s': tried", key);
  bool any = false;
  if (env_keys->len) {
    cdlt_buf_printf(&m, " environment variables %s", env_keys->data);
    any = true;
  }
  if (toml_keys->len) {
    cdlt_buf_printf(&m, "%s secrets.toml and config.toml keys %s in", any ? ";" : "", toml_keys->data);
    bool first = true;
    for (size_t i = 0; i < c->nfiles; i++) {
      cdlt_buf_printf(&m, "%s '%s'", first ? "" : ",", c->files[i].path);
      first = false;
    }
    any = true;
  }
  if (!any) cdlt_buf_puts(&m, " nothing (no providers)");
  int rc = cdlt_error_set(err, CDLT_ERR_NOT_FOUND, "%s", m.data ? m.data : "missing configuration value");
  cdlt_buf_release(&m);
  return rc;
}

int cdlt_config_lookup(cdlt_config *c, const char *const *sections, size_t n, const char *key,
                       const cdlt_json_value **value, const char **provider, const char **found_key,
                       cdlt_error *err) {
  *value = NULL;
  if (provider) *provider = NULL;
  if (found_key) *found_key = NULL;
  if (n > CFG_MAX_PARTS - 4) return cdlt_error_set(err, CDLT_ERR_USAGE, "too many sections for '%s'", key);
  tried_clear(c);
  bool secret = cdlt_config_is_secret_key(key);
  for (size_t i = 0; i < n; i++)
    if (cdlt_config_is_secret_key(sections[i])) secret = true;
  cdlt_buf name, env_keys, toml_keys;
  cdlt_buf_init(&name);
  cdlt_buf_init(&env_keys);
  cdlt_buf_init(&toml_keys);
  int rc = CDLT_ERR_NOT_FOUND;
  const char *prefixes[2] = {c->pipeline_name, NULL};
  for (size_t pi = c->pipeline_name ? 0 : 1; pi < 2 && rc == CDLT_ERR_NOT_FOUND; pi++) {
    const char *cand[CFG_MAX_PARTS + 1][CFG_MAX_PARTS];
    size_t cand_len[CFG_MAX_PARTS + 1];
    size_t nc = cfg_candidates(sections, n, prefixes[pi], cand, cand_len, CFG_MAX_PARTS + 1);
    /* 1. explicit */
    for (size_t k = 0; k < nc && rc == CDLT_ERR_NOT_FOUND; k++) {
      const cdlt_json_value *v = tree_get(c->explicit_root, cand[k], cand_len[k], key);
      join_parts(&name, cand[k], cand_len[k], key, false);
      tried_add(c, "explicit", name.data);
      if (v) {
        *value = v;
        if (provider) *provider = "explicit";
        if (found_key) *found_key = doc_str(c, name.data);
        rc = 0;
      }
    }
    /* 2. environment (and secret files) */
    for (size_t k = 0; c->use_env && k < nc && rc == CDLT_ERR_NOT_FOUND; k++) {
      join_parts(&name, cand[k], cand_len[k], key, true);
      tried_add(c, "environment", name.data);
      cdlt_buf_printf(&env_keys, "%s%s", env_keys.len ? ", " : "", name.data);
      const char *ev = getenv(name.data);
      char *spath = NULL, *sval = NULL;
      if (!ev && secret && c->secrets_dir) sval = secret_file_value(c, name.data, &spath);
      if (ev || sval) {
        cdlt_json_value *v = cdlt_json_cstr(&c->doc, ev ? ev : sval);
        cdlt_buf pb;
        cdlt_buf_init(&pb);
        if (ev) cdlt_buf_printf(&pb, "environment variable %s", name.data);
        else cdlt_buf_puts(&pb, spath);
        const char *pn = pb.data ? doc_str(c, pb.data) : NULL;
        cdlt_buf_release(&pb);
        join_parts(&name, cand[k], cand_len[k], key, false);
        if (found_key) *found_key = doc_str(c, name.data);
        free(spath);
        free(sval);
        if (!v || !pn) {
          rc = nomem(err);
          break;
        }
        *value = v;
        if (provider) *provider = pn;
        rc = 0;
      }
    }
    /* 3./4. secrets.toml then config.toml (project before global) */
    for (size_t fi = 0; fi < c->nfiles && rc == CDLT_ERR_NOT_FOUND; fi++) {
      cfg_file *f = &c->files[fi];
      for (size_t k = 0; k < nc && rc == CDLT_ERR_NOT_FOUND; k++) {
        join_parts(&name, cand[k], cand_len[k], key, false);
        tried_add(c, f->path, name.data);
        if (fi == 0) cdlt_buf_printf(&toml_keys, "%s%s", toml_keys.len ? ", " : "", name.data);
        const cdlt_json_value *v = f->loaded ? tree_get(f->doc.root, cand[k], cand_len[k], key) : NULL;
        if (v) {
          *value = v;
          if (provider) *provider = f->path;
          if (found_key) *found_key = doc_str(c, name.data);
          rc = 0;
        }
      }
    }
  }
  if (rc == CDLT_ERR_NOT_FOUND) missing_error(c, key, &env_keys, &toml_keys, err);
  cdlt_buf_release(&name);
  cdlt_buf_release(&env_keys);
  cdlt_buf_release(&toml_keys);
  return rc;
}

/* ------------------------------------------------------------------ public text lookups */

/* Splits "a.b.c" into parts (in buf); returns the count or -1 when too many. */
static int split_sections(const char *s, char *buf, size_t cap, const char **parts, size_t max) {
  if (!s || !*s) return 0;
  snprintf(buf, cap, "%s", s);
  size_t n = 0;
  for (char *p = buf;;) {
    if (n == max) return -1;
    parts[n++] = p;
    char *dot = strchr(p, '.');
    if (!dot) break;
    *dot = 0;
    p = dot + 1;
  }
  return (int)n;
}

const char *cfg_value_text(cdlt_config *c, const cdlt_json_value *v) {
  switch (v->type) {
    case CDLT_JSON_STRING: return v->u.str.ptr;
    case CDLT_JSON_BOOL: return v->u.boolean ? "true" : "false";
    case CDLT_JSON_NULL: return "null";
    case CDLT_JSON_INT:
    case CDLT_JSON_BIGINT:
    case CDLT_JSON_FLOAT: {
      char t[64];
      snprintf(t, sizeof t, "%.*s", (int)v->u.num.len, v->u.num.text);
      if (v->type == CDLT_JSON_FLOAT) {
        if (!strcmp(t, "Infinity")) return "inf";
        if (!strcmp(t, "-Infinity")) return "-inf";
        if (!strcmp(t, "NaN")) return "nan";
      }
      return doc_str(c, t);
    }
    default: {
      cdlt_buf b;
      cdlt_buf_init(&b);
      const char *r = NULL;
      if (!cdlt_json_write(&b, v, 0)) r = doc_str(c, b.data);
      cdlt_buf_release(&b);
      return r;
    }
  }
}

int cdlt_config_get(cdlt_config *c, const char *sections, const char *key, const char **value,
                    const char **provider, const char **found_key) {
  *value = NULL;
  if (!c || !c->explicit_root || !key) return CDLT_ERR_USAGE;
  char buf[1024];
  const char *parts[CFG_MAX_PARTS];
  int n = split_sections(sections, buf, sizeof buf, parts, CFG_MAX_PARTS - 4);
  if (n < 0) {
    snprintf(c->errmsg, sizeof c->errmsg, "too many sections in '%s'", sections);
    return CDLT_ERR_USAGE;
  }
  cdlt_error err = {0};
  const cdlt_json_value *v;
  int rc = cdlt_config_lookup(c, parts, (size_t)n, key, &v, provider, found_key, &err);
  if (rc) return cfg_fail(c, &err);
  *value = cfg_value_text(c, v);
  return *value ? 0 : CDLT_ERR_NOMEM;
}

int cdlt_config_destination_type(cdlt_config *c, const char *destination_name, const char **type) {
  *type = NULL;
  if (!c || !c->explicit_root || !destination_name) return CDLT_ERR_USAGE;
  const char *secs[2] = {"destination", destination_name};
  const cdlt_json_value *v;
  cdlt_error err = {0};
  /* only the exact section: destination.<name>.destination_type (with or without pipeline) */
  int rc = cdlt_config_lookup(c, secs, 2, "destination_type", &v, NULL, NULL, &err);
  if (rc == 0 && v->type == CDLT_JSON_STRING) {
    *type = v->u.str.ptr;
    return 0;
  }
  if (rc && rc != CDLT_ERR_NOT_FOUND) return cfg_fail(c, &err);
  *type = doc_str(c, destination_name);
  return *type ? 0 : CDLT_ERR_NOMEM;
}

/* Appends key=value for a libpq keyword string, quoting as libpq does. */
static void kv_append(cdlt_buf *b, const char *k, const char *v) {
  if (b->len) cdlt_buf_putc(b, ' ');
  cdlt_buf_printf(b, "%s='", k);
  for (const char *p = v; *p; p++) {
    if (*p == '\'' || *p == '\\') cdlt_buf_putc(b, '\\');
    cdlt_buf_putc(b, *p);
  }
  cdlt_buf_putc(b, '\'');
}

int cdlt_config_credentials(cdlt_config *c, const char *destination_name, const char **credentials,
                            const char **provider) {
  *credentials = NULL;
  if (provider) *provider = NULL;
  if (!c || !c->explicit_root || !destination_name) return CDLT_ERR_USAGE;
  const char *type = NULL;
  int rc = cdlt_config_destination_type(c, destination_name, &type);
  if (rc) return rc;
  const char *secs[3] = {"destination", destination_name, "credentials"};
  const cdlt_json_value *v;
  cdlt_error err = {0};
  rc = cdlt_config_lookup(c, secs, 2, "credentials", &v, provider, NULL, &err);
  if (rc && rc != CDLT_ERR_NOT_FOUND) return cfg_fail(c, &err);
  if (rc == 0 && v->type == CDLT_JSON_STRING) {
    *credentials = v->u.str.ptr;
    return 0;
  }
  /* field by field (a TOML table [destination.x.credentials] is found this way too) */
  static const char *const pg_fields[][2] = {
      {"host", "host"}, {"port", "port"}, {"database", "dbname"}, {"username", "user"},
      {"password", "password"}, {"connect_timeout", "connect_timeout"},
      {"client_encoding", "client_encoding"}, {"sslmode", "sslmode"}, {NULL, NULL}};
  bool duck = !strcmp(type, "duckdb") || !strcmp(type, "sqlite");
  cdlt_buf b;
  cdlt_buf_init(&b);
  const char *first_provider = NULL;
  cdlt_buf keys;
  cdlt_buf_init(&keys);
  for (size_t i = 0; pg_fields[i][0]; i++) {
    if (duck && strcmp(pg_fields[i][0], "database")) continue;
    const char *pv;
    rc = cdlt_config_lookup(c, secs, 3, pg_fields[i][0], &v, &pv, NULL, &err);
    if (rc == CDLT_ERR_NOT_FOUND) {
      for (size_t t = 0; t < c->ntried; t++)
        if (!strncmp(c->tried[t], "environment: ", 13))
          cdlt_buf_printf(&keys, "%s%s", keys.len ? ", " : "", c->tried[t] + 13);
      continue;
    }
    if (rc) break;
    if (!first_provider) first_provider = pv;
    const char *text = cfg_value_text(c, v);
    if (!text) {
      rc = CDLT_ERR_NOMEM;
      break;
    }
    if (duck) cdlt_buf_puts(&b, text);
    else kv_append(&b, pg_fields[i][1], text);
  }
  if (rc && rc != CDLT_ERR_NOT_FOUND) {
    cdlt_buf_release(&b);
    cdlt_buf_release(&keys);
    return cfg_fail(c, &err);
  }
  if (!b.len) {
    cdlt_buf m;
    cdlt_buf_init(&m);
    cdlt_buf_printf(&m, "missing credentials for destination '%s': tried ", destination_name);
    char up[256];
    size_t k = 0;
    for (; destination_name[k] && k < sizeof up - 1; k++) up[k] = (char)toupper((unsigned char)destination_name[k]);
    up[k] = 0;
    if (c->pipeline_name) {
      char pu[256];
      size_t j = 0;
      for (; c->pipeline_name[j] && j < sizeof pu - 1; j++) pu[j] = (char)toupper((unsigned char)c->pipeline_name[j]);
      pu[j] = 0;
      cdlt_buf_printf(&m, "%s__DESTINATION__%s__CREDENTIALS, ", pu, up);
    }
    cdlt_buf_printf(&m, "DESTINATION__%s__CREDENTIALS, %s and destination.%s.credentials in the TOML files",
                    up, keys.data ? keys.data : "", destination_name);
    snprintf(c->errmsg, sizeof c->errmsg, "%s", m.data ? m.data : "missing credentials");
    cdlt_buf_release(&m);
    cdlt_buf_release(&b);
    cdlt_buf_release(&keys);
    return CDLT_ERR_NOT_FOUND;
  }
  *credentials = doc_str(c, b.data);
  if (provider) *provider = first_provider;
  cdlt_buf_release(&b);
  cdlt_buf_release(&keys);
  return *credentials ? 0 : CDLT_ERR_NOMEM;
}

/* ------------------------------------------------------------------ masking */

char *cdlt_config_mask(const char *value, int is_secret, char *out, size_t cap) {
  if (!cap) return out;
  out[0] = 0;
  if (!value) return out;
  const char *scheme = strstr(value, "://");
  const char *pw = strstr(value, "password=");
  if (scheme) {
    const char *auth = scheme + 3;
    const char *at = strchr(auth, '@');
    const char *slash = strchr(auth, '/');
    const char *colon = strchr(auth, ':');
    if (at && (!slash || at < slash) && colon && colon < at && !strstr(at, "password=")) {
      snprintf(out, cap, "%.*s***%s", (int)(colon + 1 - value), value, at);
      return out;
    }
    snprintf(out, cap, "%s", is_secret || pw ? "***" : value);
    return out;
  }
  if (pw && (pw == value || pw[-1] == ' ')) {
    size_t head = (size_t)(pw + 9 - value);
    const char *end = pw + 9;
    if (*end == '\'') {
      end++;
      while (*end && *end != '\'') end += (*end == '\\' && end[1]) ? 2 : 1;
      if (*end) end++;
    } else {
      while (*end && *end != ' ') end++;
    }
    snprintf(out, cap, "%.*s***%s", (int)head, value, end);
    return out;
  }
  snprintf(out, cap, "%s", is_secret ? "***" : value);
  return out;
}
