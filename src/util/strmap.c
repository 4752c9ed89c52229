/* strmap.c — open-addressing (linear probing) string hash map, hashed word-at-a-time. */
#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "cdlt/cdlt.h"

void cdlt_strmap_init(cdlt_strmap *m) { m->slots = NULL; m->cap = m->len = 0; }

void cdlt_strmap_release(cdlt_strmap *m) {
  for (size_t k = 0; k < m->cap; k++) free(m->slots[k].key);
  free(m->slots);
  cdlt_strmap_init(m);
}

/* Word-at-a-time multiplicative hash (8 bytes per step): keys are column and table names, hashed
 * on every row, so this is on the normalizer's hot path. Hash values are never persisted. */
static inline uint64_t mix64(uint64_t h) {
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  h ^= h >> 32;
  return h;
}

uint64_t cdlt_strmap_hash(const char *key, size_t len) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)len * 0xff51afd7ed558ccdULL);
  size_t k = 0;
  for (; k + 8 <= len; k += 8) {
    uint64_t w;
    memcpy(&w, key + k, 8);
    h = (h ^ w) * 0x9fb21c651e98df25ULL;
    h ^= h >> 29;
  }
  if (k < len) {
    uint64_t w = 0;
    memcpy(&w, key + k, len - k);
    h = (h ^ w) * 0x9fb21c651e98df25ULL;
  }
  return mix64(h);
}

static cdlt_strmap_slot *find(const cdlt_strmap *m, const char *key, size_t len, uint64_t h) {
  size_t mask = m->cap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    cdlt_strmap_slot *s = &m->slots[i];
    if (!s->key) return s;
    if (s->hash == h && s->key_len == len && memcmp(s->key, key, len) == 0) return s;
  }
}

void *cdlt_strmap_get(const cdlt_strmap *m, const char *key, size_t len) {
  if (!m->cap) return NULL;
  cdlt_strmap_slot *s = find(m, key, len, cdlt_strmap_hash(key, len));
  return s->key ? s->value : NULL;
}

const char *cdlt_strmap_key(const cdlt_strmap *m, const char *key, size_t len) {
  if (!m->cap) return NULL;
  cdlt_strmap_slot *s = find(m, key, len, cdlt_strmap_hash(key, len));
  return s->key;
}

static int grow(cdlt_strmap *m) {
  size_t ncap = m->cap ? m->cap * 2 : 16;
  cdlt_strmap_slot *ns = calloc(ncap, sizeof *ns);
  if (!ns) return CDLT_ERR_NOMEM;
  cdlt_strmap old = *m;
  m->slots = ns;
  m->cap = ncap;
  for (size_t k = 0; k < old.cap; k++) {
    if (!old.slots[k].key) continue;
    *find(m, old.slots[k].key, old.slots[k].key_len, old.slots[k].hash) = old.slots[k];
  }
  free(old.slots);
  return 0;
}

int cdlt_strmap_put(cdlt_strmap *m, const char *key, size_t len, void *value) {
  if ((m->len + 1) * 4 > m->cap * 3 && grow(m)) return CDLT_ERR_NOMEM;
  uint64_t h = cdlt_strmap_hash(key, len);
  cdlt_strmap_slot *s = find(m, key, len, h);
  if (s->key) { s->value = value; return 0; }
  char *k = malloc(len + 1);
  if (!k) return CDLT_ERR_NOMEM;
  memcpy(k, key, len);
  k[len] = 0;
  s->key = k;
  s->key_len = len;
  s->hash = h;
  s->value = value;
  m->len++;
  return 0;
}
