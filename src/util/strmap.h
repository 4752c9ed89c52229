/* strmap.h — an open-addressing hash map from byte strings to pointers.
 * Keys are copied (owned by the map); values are borrowed. Owned by whoever embeds it. */
#ifndef CDLT_UTIL_STRMAP_H
#define CDLT_UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct cdlt_strmap_slot {
  char *key;        /* NULL = empty */
  size_t key_len;
  uint64_t hash;
  void *value;
} cdlt_strmap_slot;

typedef struct cdlt_strmap {
  cdlt_strmap_slot *slots;
  size_t cap;       /* power of two */
  size_t len;
} cdlt_strmap;

void cdlt_strmap_init(cdlt_strmap *m);
void cdlt_strmap_release(cdlt_strmap *m);
uint64_t cdlt_strmap_hash(const char *key, size_t len);
/* The map's own copy of `key` (valid until the key is replaced or the map released), or NULL
 * when absent. Borrowed: owned by the map. */
const char *cdlt_strmap_key(const cdlt_strmap *m, const char *key, size_t len);
/* Value for key, or NULL. */
void *cdlt_strmap_get(const cdlt_strmap *m, const char *key, size_t len);
/* Inserts or replaces; returns 0 or CDLT_ERR_NOMEM. */
int cdlt_strmap_put(cdlt_strmap *m, const char *key, size_t len, void *value);

#endif
