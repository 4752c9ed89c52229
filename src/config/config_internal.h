/* config_internal.h — the cdlt_config struct, shared by the files of src/config/ only. */
#ifndef CDLT_CONFIG_CONFIG_INTERNAL_H
#define CDLT_CONFIG_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "config/toml.h"

#define CFG_MAX_PARTS 16

typedef struct cfg_file {
  char *path;          /* <dir>/secrets.toml or config.toml */
  bool secret;         /* a secrets.toml */
  bool loaded;         /* the file exists and parsed */
  cdlt_toml_doc doc;
} cfg_file;

typedef struct cfg_entry {
  char *key, *value, *provider;   /* value already masked */
} cfg_entry;

struct cdlt_config {
  char *pipeline_name;   /* NULL = none */
  char *project_dir, *settings_dir, *global_dir, *secrets_dir;
  bool use_env;
  cdlt_json_doc doc;               /* explicit values, returned strings */
  cdlt_json_value *explicit_root;
  cfg_file files[4];               /* project secrets, global secrets, project config, global config */
  size_t nfiles;
  char **tried;                    /* "<provider>: <key>" of the last lookup */
  size_t ntried, tried_cap;
  cfg_entry *entries;              /* built by the first cdlt_config_entry_count */
  size_t nentries, entries_cap;
  bool entries_built;
  char errmsg[1024];
};

/* Candidate section paths, most specific first (the key is not included): prefix (may be NULL),
 * then sections dropping from the right, never a trailing "credentials"/"data_writer". */
size_t cfg_candidates(const char *const *sections, size_t n, const char *prefix,
                      const char *cand[][CFG_MAX_PARTS], size_t *cand_len, size_t max);
/* Text form of a value, owned by c (NULL on NOMEM). */
const char *cfg_value_text(cdlt_config *c, const cdlt_json_value *v);
/* Copies err's message into c->errmsg; returns its code. */
int cfg_fail(cdlt_config *c, const cdlt_error *err);
void cfg_entries_release(cdlt_config *c);

/* settings.c: the §11.4 table for display. */
size_t cfg_settings_count(void);
void cfg_setting_info(size_t i, char *key, size_t cap, const char **sections, const char **name,
                      const char **dflt);

#endif
