/* arena.c — bump allocator: a chain of blocks, released whole (the inline fast path of
 * cdlt_arena_alloc is in arena.h). */
#include "util/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cdlt_arena_block {
  cdlt_arena_block *next;
  size_t size;
  _Alignas(16) unsigned char data[];
};

void cdlt_arena_init(cdlt_arena *a, size_t block_size) {
  a->head = NULL;
  a->cur = a->end = NULL;
  a->block_size = block_size ? block_size : 64 * 1024;
  a->total = 0;
}

void cdlt_arena_release(cdlt_arena *a) {
  cdlt_arena_block *b = a->head;
  while (b) { cdlt_arena_block *n = b->next; free(b); b = n; }
  a->head = NULL;
  a->cur = a->end = NULL;
  a->total = 0;
}

void cdlt_arena_reset(cdlt_arena *a) {
  /* keep one standard-sized block for reuse, free everything else */
  cdlt_arena_block *keep = NULL, *b = a->head;
  while (b) {
    cdlt_arena_block *n = b->next;
    if (!keep && b->size == a->block_size) keep = b;
    else free(b);
    b = n;
  }
  a->head = keep;
  a->total = keep ? keep->size : 0;
  if (keep) {
    keep->next = NULL;
    a->cur = keep->data;
    a->end = keep->data + keep->size;
  } else {
    a->cur = a->end = NULL;
  }
}

void *cdlt_arena_alloc_slow(cdlt_arena *a, size_t n) {
  if (n > SIZE_MAX - sizeof(cdlt_arena_block) - 15) return NULL;
  n = (n + 15) & ~(size_t)15;
  cdlt_arena_block *b = a->head;
  if (b && (size_t)(a->end - a->cur) >= n) {
    void *p = a->cur;
    a->cur += n;
    return p;
  }
  size_t size = n > a->block_size / 4 ? n : a->block_size;
  cdlt_arena_block *nb = malloc(sizeof *nb + size);
  if (!nb) return NULL;
  nb->size = size;
  a->total += size;
  if (b && size != a->block_size) {
    /* a big one-off allocation: put it behind the current block so the current one keeps serving */
    nb->next = b->next;
    b->next = nb;
    return nb->data;
  }
  nb->next = b;
  a->head = nb;
  a->cur = nb->data + n;
  a->end = nb->data + size;
  return nb->data;
}

void *cdlt_arena_calloc(cdlt_arena *a, size_t n) {
  void *p = cdlt_arena_alloc(a, n);
  if (p) memset(p, 0, n);
  return p;
}

char *cdlt_arena_strndup(cdlt_arena *a, const char *s, size_t n) {
  char *p = cdlt_arena_alloc(a, n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *cdlt_arena_strdup(cdlt_arena *a, const char *s) { return cdlt_arena_strndup(a, s, strlen(s)); }
