/* arena.c — bump allocator: a chain of blocks, released whole. */
#include "util/arena.h"

#include <stdlib.h>
#include <string.h>

struct cdlt_arena_block {
  cdlt_arena_block *next;
  size_t size, used;
  _Alignas(16) unsigned char data[];
};

void cdlt_arena_init(cdlt_arena *a, size_t block_size) {
  a->head = NULL;
  a->block_size = block_size ? block_size : 64 * 1024;
  a->total = 0;
}

void cdlt_arena_release(cdlt_arena *a) {
  cdlt_arena_block *b = a->head;
  while (b) { cdlt_arena_block *n = b->next; free(b); b = n; }
  a->head = NULL;
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
  if (keep) { keep->next = NULL; keep->used = 0; }
}

void *cdlt_arena_alloc(cdlt_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  cdlt_arena_block *b = a->head;
  if (!b || b->size - b->used < n) {
    size_t size = n > a->block_size / 4 ? n : a->block_size;
    cdlt_arena_block *nb = malloc(sizeof *nb + size);
    if (!nb) return NULL;
    nb->size = size;
    nb->used = 0;
    if (b && size != a->block_size) {
      /* a big one-off allocation: put it behind the current block so the current one keeps serving */
      nb->next = b->next;
      b->next = nb;
    } else {
      nb->next = b;
      a->head = nb;
    }
    a->total += size;
    nb->used = n;
    return nb->data;
  }
  void *p = b->data + b->used;
  b->used += n;
  return p;
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
