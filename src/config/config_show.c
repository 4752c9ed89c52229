/* config_show.c — the flat list of every configured value, for `cdlt config show`: each key once,
 * with the provider that wins for it, secrets masked; then §11.4 defaults not configured. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_internal.h"
#include "util/buf.h"
#include "util/strmap.h"

extern char **environ;

void cfg_entries_release(cdlt_config *c) {
  for (size_t i = 0; i < c->nentries; i++) {
    free(c->entries[i].key);
    free(c->entries[i].value);
    free(c->entries[i].provider);
  }
  free(c->entries);
  c->entries = NULL;
  c->nentries = c->entries_cap = 0;
}

typedef struct builder {
  cdlt_config *c;
  cdlt_strmap seen;
  int rc;
} builder;

static void add_entry(builder *b, const char *key, const char *value, const char *provider, bool secret) {
  if (b->rc) return;
  if (cdlt_strmap_get(&b->seen, key, strlen(key))) return;
  cdlt_config *c = b->c;
  if (c->nentries == c->entries_cap) {
    size_t ncap = c->entries_cap ? c->entries_cap * 2 : 32;
    cfg_entry *n = realloc(c->entries, ncap * sizeof *n);
    if (!n) {
      b->rc = CDLT_ERR_NOMEM;
      return;
    }
    c->entries = n;
    c->entries_cap = ncap;
  }
  size_t cap = strlen(value) + 8;
  char *masked = malloc(cap);
  cfg_entry *e = &c->entries[c->nentries];
  e->key = strdup(key);
  e->provider = strdup(provider);
  e->value = masked ? cdlt_config_mask(value, secret || cdlt_config_is_secret_key(key), masked, cap) : NULL;
  if (!e->key || !e->provider || !e->value || cdlt_strmap_put(&b->seen, key, strlen(key), (void *)1)) {
    free(e->key);
    free(e->provider);
    free(masked);
    b->rc = CDLT_ERR_NOMEM;
    return;
  }
  c->nentries++;
}

static void flatten(builder *b, cdlt_buf *path, const cdlt_json_value *v, const char *provider, bool secret) {
  if (v->type == CDLT_JSON_OBJECT) {
    for (size_t i = 0; i < v->u.obj.len && !b->rc; i++) {
      size_t mark = path->len;
      if (path->len) cdlt_buf_putc(path, '.');
      cdlt_buf_append(path, v->u.obj.members[i].key, v->u.obj.members[i].key_len);
      flatten(b, path, v->u.obj.members[i].value, provider, secret);
      path->len = mark;
      if (path->data) path->data[mark] = 0;
    }
    return;
  }
  const char *text = cfg_value_text(b->c, v);
  if (!text) {
    b->rc = CDLT_ERR_NOMEM;
    return;
  }
  add_entry(b, path->data ? path->data : "", text, provider, secret);
}

static bool known_section(const cdlt_config *c, const char *first) {
  static const char *const sections[] = {"destination", "sources", "runtime", "normalize", "load",
                                         "extract", "data_writer", "pipelines", "schema",
                                         "credentials", NULL};
  for (size_t i = 0; sections[i]; i++)
    if (!strcmp(first, sections[i])) return true;
  return c->pipeline_name && !strcasecmp(first, c->pipeline_name);
}

static void from_environment(builder *b) {
  cdlt_buf key, prov;
  cdlt_buf_init(&key);
  cdlt_buf_init(&prov);
  for (char **e = environ; e && *e && !b->rc; e++) {
    const char *eq = strchr(*e, '=');
    const char *first_end = strstr(*e, "__");
    if (!eq || !first_end || first_end >= eq) continue;
    cdlt_buf_reset(&key);
    char first[128];
    snprintf(first, sizeof first, "%.*s", (int)(first_end - *e), *e);
    for (char *p = first; *p; p++) *p = (char)tolower((unsigned char)*p);
    if (!known_section(b->c, first)) continue;
    for (const char *p = *e; p < eq; p++) {
      if (p[0] == '_' && p[1] == '_' && p + 1 < eq) {
        cdlt_buf_putc(&key, '.');
        p++;
      } else {
        cdlt_buf_putc(&key, (char)tolower((unsigned char)*p));
      }
    }
    cdlt_buf_reset(&prov);
    cdlt_buf_printf(&prov, "environment variable %.*s", (int)(eq - *e), *e);
    if (key.data && prov.data) add_entry(b, key.data, eq + 1, prov.data, false);
  }
  cdlt_buf_release(&key);
  cdlt_buf_release(&prov);
}

static int build(cdlt_config *c) {
  builder b = {c, {0}, 0};
  cdlt_strmap_init(&b.seen);
  cdlt_buf path;
  cdlt_buf_init(&path);
  flatten(&b, &path, c->explicit_root, "explicit", false);
  if (c->use_env) from_environment(&b);
  for (size_t i = 0; i < c->nfiles && !b.rc; i++)
    if (c->files[i].loaded) flatten(&b, &path, c->files[i].doc.root, c->files[i].path, c->files[i].secret);
  for (size_t i = 0; i < cfg_settings_count() && !b.rc; i++) {
    char key[128];
    const char *secs, *name, *dflt;
    cfg_setting_info(i, key, sizeof key, &secs, &name, &dflt);
    add_entry(&b, key, *dflt ? dflt : "\"\"", "default", false);
  }
  cdlt_buf_release(&path);
  cdlt_strmap_release(&b.seen);
  c->entries_built = true;
  return b.rc;
}

size_t cdlt_config_entry_count(cdlt_config *c) {
  if (!c || !c->explicit_root) return 0;
  if (!c->entries_built && build(c)) {
    snprintf(c->errmsg, sizeof c->errmsg, "out of memory");
    return 0;
  }
  return c->nentries;
}

int cdlt_config_entry(cdlt_config *c, size_t i, const char **key, const char **masked_value,
                      const char **provider) {
  if (i >= cdlt_config_entry_count(c)) return CDLT_ERR_USAGE;
  *key = c->entries[i].key;
  *masked_value = c->entries[i].value;
  *provider = c->entries[i].provider;
  return 0;
}
