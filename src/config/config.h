/* config.h — the library-internal side of the configuration providers (public API in
 * include/cdlt/config.h): typed lookups returning JSON values, the keys tried, secret detection. */
#ifndef CDLT_CONFIG_CONFIG_H
#define CDLT_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "cdlt/config.h"
#include "json/json.h"
#include "util/error.h"

/* Shortest form: opens providers for project_dir / pipeline_name (NULLs as in
 * cdlt_config_options). Errors go to err; *out NULL on failure. */
int cdlt_config_open_ex(const cdlt_config_options *opts, cdlt_config **out, cdlt_error *err);

/* Looks up key under sections[0..n) in provider order (see include/cdlt/config.h). On success
 * *value is the value (a TOML value, or a string from the environment / explicit / secret files;
 * owned by c), *provider (may be NULL) the provider's name, *found_key (may be NULL) the dotted
 * key that matched. Not found: CDLT_ERR_NOT_FOUND, err says "missing configuration value" and
 * lists every key tried; cdlt_config_tried_* give the same list. */
int cdlt_config_lookup(cdlt_config *c, const char *const *sections, size_t n, const char *key,
                       const cdlt_json_value **value, const char **provider, const char **found_key,
                       cdlt_error *err);

/* The keys tried by the last lookup: "<provider>: <key>", in the order tried. Owned by c. */
size_t cdlt_config_tried_count(const cdlt_config *c);
const char *cdlt_config_tried(const cdlt_config *c, size_t i);

/* True when a key with this last segment holds a secret (password, secret, token, credentials,
 * api_key, private_key, ...). */
bool cdlt_config_is_secret_key(const char *key);

#endif
