/* settings.c — the runtime settings of contract §11.4 (cdlt_runtime_settings) resolved through the
 * providers, with dlt's defaults; the same table feeds the defaults shown by `cdlt config show`. */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "config/config_internal.h"

typedef enum { S_STR, S_INT, S_BOOL, S_FLOAT } stype;

typedef struct setting {
  const char *sections;   /* dotted, "" = top level */
  const char *key;
  stype type;
  size_t offset;
  size_t size;            /* strings: capacity of the char array */
  const char *dflt;       /* text of the default */
} setting;

#define OFF(f) offsetof(cdlt_runtime_settings, f)
#define SZ(f) sizeof(((cdlt_runtime_settings *)0)->f)
static const setting settings[] = {
    {"runtime", "log_level", S_STR, OFF(log_level), SZ(log_level), "WARNING"},
    {"runtime", "dlthub_telemetry", S_BOOL, OFF(dlthub_telemetry), 0, "true"},
    {"runtime", "request_timeout", S_INT, OFF(request_timeout), 0, "60"},
    {"runtime", "request_max_attempts", S_INT, OFF(request_max_attempts), 0, "5"},
    {"runtime", "request_backoff_factor", S_FLOAT, OFF(request_backoff_factor), 0, "1"},
    {"normalize.data_writer", "buffer_max_items", S_INT, OFF(buffer_max_items), 0, "5000"},
    {"normalize.data_writer", "file_max_items", S_INT, OFF(file_max_items), 0, "0"},
    {"normalize.data_writer", "file_max_bytes", S_INT, OFF(file_max_bytes), 0, "0"},
    {"normalize.data_writer", "disable_compression", S_BOOL, OFF(disable_compression), 0, "false"},
    {"extract", "workers", S_INT, OFF(extract_workers), 0, "5"},
    {"extract", "max_parallel_items", S_INT, OFF(extract_max_parallel_items), 0, "20"},
    {"normalize", "workers", S_INT, OFF(normalize_workers), 0, NULL},   /* NULL: the online cores */
    {"load", "workers", S_INT, OFF(load_workers), 0, "20"},
    {"load", "raise_on_failed_jobs", S_BOOL, OFF(raise_on_failed_jobs), 0, "true"},
    {"load", "raise_on_max_retries", S_INT, OFF(raise_on_max_retries), 0, "5"},
    {"load", "truncate_staging_dataset", S_BOOL, OFF(truncate_staging_dataset), 0, "false"},
    {"load", "delete_completed_jobs", S_BOOL, OFF(delete_completed_jobs), 0, "false"},
    {"destination", "replace_strategy", S_STR, OFF(replace_strategy), SZ(replace_strategy), "truncate-and-insert"},
    {"", "restore_from_destination", S_BOOL, OFF(restore_from_destination), 0, "true"},
    {"", "dev_mode", S_BOOL, OFF(dev_mode), 0, "false"},
    {"schema", "naming", S_STR, OFF(naming), SZ(naming), "snake_case"},
    {"", "dataset_name_layout", S_STR, OFF(dataset_name_layout), SZ(dataset_name_layout), ""},
    {"", "enable_dataset_name_normalization", S_BOOL, OFF(enable_dataset_name_normalization), 0, "true"},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

static int set_from_text(cdlt_runtime_settings *s, const setting *d, const char *text) {
  char *field = (char *)s + d->offset;
  char *end;
  switch (d->type) {
    case S_STR:
      if (strlen(text) >= d->size) return -1;
      snprintf(field, d->size, "%s", text);
      return 0;
    case S_INT: {
      long long v = strtoll(text, &end, 10);
      if (!*text || *end) return -1;
      *(int64_t *)field = v;
      return 0;
    }
    case S_FLOAT: {
      double v = strtod(text, &end);
      if (!*text || *end) return -1;
      *(double *)field = v;
      return 0;
    }
    case S_BOOL:
      if (!strcasecmp(text, "true") || !strcmp(text, "1")) *(int *)field = 1;
      else if (!strcasecmp(text, "false") || !strcmp(text, "0")) *(int *)field = 0;
      else return -1;
      return 0;
  }
  return -1;
}

/* The text of a setting's default; cdlt's normalize.workers defaults to the number of online
 * cores (dlt's is 1), written into buf. */
static const char *default_text(const setting *d, char *buf, size_t cap) {
  if (d->dflt) return d->dflt;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  snprintf(buf, cap, "%ld", cores > 0 ? (cores > 256 ? 256 : cores) : 1);
  return buf;
}

void cdlt_runtime_settings_defaults(cdlt_runtime_settings *s) {
  memset(s, 0, sizeof *s);
  char buf[32];
  for (size_t i = 0; i < NSETTINGS; i++) set_from_text(s, &settings[i], default_text(&settings[i], buf, sizeof buf));
}

static const char *type_name(stype t) {
  return t == S_INT ? "an integer" : t == S_BOOL ? "a boolean" : t == S_FLOAT ? "a number" : "a string";
}

int cdlt_config_runtime_settings(cdlt_config *c, cdlt_runtime_settings *s) {
  cdlt_runtime_settings_defaults(s);
  if (!c || !c->explicit_root) return CDLT_ERR_USAGE;
  for (size_t i = 0; i < NSETTINGS; i++) {
    const setting *d = &settings[i];
    char buf[128];
    const char *parts[4];
    size_t n = 0;
    if (*d->sections) {
      snprintf(buf, sizeof buf, "%s", d->sections);
      for (char *p = buf; p && n < 4;) {
        parts[n++] = p;
        p = strchr(p, '.');
        if (p) *p++ = 0;
      }
    }
    const cdlt_json_value *v;
    const char *provider, *found;
    cdlt_error err = {0};
    int rc = cdlt_config_lookup(c, parts, n, d->key, &v, &provider, &found, &err);
    if (rc == CDLT_ERR_NOT_FOUND) continue;
    if (rc) return cfg_fail(c, &err);
    bool type_ok = v->type == CDLT_JSON_STRING ||
                   (d->type == S_INT && v->type == CDLT_JSON_INT) ||
                   (d->type == S_FLOAT && (v->type == CDLT_JSON_INT || v->type == CDLT_JSON_FLOAT)) ||
                   (d->type == S_BOOL && v->type == CDLT_JSON_BOOL);
    const char *text = type_ok ? cfg_value_text(c, v) : NULL;
    if (!type_ok || !text || set_from_text(s, d, text)) {
      snprintf(c->errmsg, sizeof c->errmsg, "configuration value '%s' from '%s' is not %s", found,
               provider, type_name(d->type));
      return CDLT_ERR_USAGE;
    }
  }
  return 0;
}

/* For config show: default entries of the settings not set anywhere. */
size_t cfg_settings_count(void) { return NSETTINGS; }
void cfg_setting_info(size_t i, char *key, size_t cap, const char **sections, const char **name,
                      const char **dflt) {
  const setting *d = &settings[i];
  const char *secs = d->sections;
  /* show the general form: data_writer.* rather than normalize.data_writer.* */
  if (!strcmp(secs, "normalize.data_writer")) secs = "data_writer";
  snprintf(key, cap, "%s%s%s", secs, *secs ? "." : "", d->key);
  *sections = d->sections;
  *name = d->key;
  static _Thread_local char cores[32];
  *dflt = default_text(d, cores, sizeof cores);
}
