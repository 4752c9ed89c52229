/* arena.h — bump allocator for data with one lifetime (an item, a batch, a document).
 * Everything allocated from an arena is released at once by cdlt_arena_reset/_release.
 * Owned by whoever embeds it. Allocation failure returns NULL. The common case of an allocation
 * (room left in the current block) is inline; a new block is cdlt_arena_alloc_slow. */
#ifndef CDLT_UTIL_ARENA_H
#define CDLT_UTIL_ARENA_H

#include <stddef.h>

typedef struct cdlt_arena_block cdlt_arena_block;
typedef struct cdlt_arena {
  cdlt_arena_block *head;   /* current block (newest first chain) */
  unsigned char *cur, *end; /* free room of the current block (NULL, NULL: none) */
  size_t block_size;        /* default block size for new blocks */
  size_t total;             /* bytes held in blocks */
} cdlt_arena;

void cdlt_arena_init(cdlt_arena *a, size_t block_size);   /* block_size 0 = 64 KiB */
void cdlt_arena_release(cdlt_arena *a);                   /* frees every block */
void cdlt_arena_reset(cdlt_arena *a);                     /* keeps the first block, frees the rest */
void *cdlt_arena_alloc_slow(cdlt_arena *a, size_t n);     /* cdlt_arena_alloc when a block is needed */
void *cdlt_arena_calloc(cdlt_arena *a, size_t n);         /* zeroed */
char *cdlt_arena_strndup(cdlt_arena *a, const char *s, size_t n); /* copies n bytes + NUL */
char *cdlt_arena_strdup(cdlt_arena *a, const char *s);

/* n bytes, 16-byte aligned, uninitialised. */
static inline void *cdlt_arena_alloc(cdlt_arena *a, size_t n) {
  size_t r = (n + 15) & ~(size_t)15;
  if (r >= n && (size_t)(a->end - a->cur) >= r) {
    void *p = a->cur;
    a->cur += r;
    return p;
  }
  return cdlt_arena_alloc_slow(a, n);
}

#endif
