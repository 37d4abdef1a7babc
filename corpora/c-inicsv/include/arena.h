/* arena.h - bump allocator: many small allocations, freed all at once. */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>

#define ARENA_ALIGN 8u

typedef struct arena_block {
    struct arena_block *next;
    size_t cap;
    size_t used;
    unsigned char data[];
} arena_block_t;

typedef struct {
    arena_block_t *head;    /* first block, kept across arena_reset */
    arena_block_t *current; /* block that serves new allocations */
    size_t block_size;
    size_t blocks;
} arena_t;

/** Prepare an arena whose blocks hold block_size bytes. Returns 0, or -1 if block_size is 0 or memory runs out. */
int arena_init(arena_t *a, size_t block_size);

/**
 * Allocate `size` bytes aligned to ARENA_ALIGN. Requests of any size are
 * served: one larger than the block size gets a block of its own. NULL only
 * if memory runs out.
 */
void *arena_alloc(arena_t *a, size_t size);

/** Copy n bytes of s plus a NUL into the arena. */
char *arena_strndup(arena_t *a, const char *s, size_t n);

/** Copy the NUL-terminated s into the arena. */
char *arena_strdup(arena_t *a, const char *s);

/**
 * Forget every allocation: the first block is kept (empty) for reuse and all
 * other blocks are freed. The arena stays usable.
 */
void arena_reset(arena_t *a);

/** Free every block. The arena must be initialised again before reuse. */
void arena_free(arena_t *a);

/** Bytes handed out since the last reset (including alignment padding). */
size_t arena_used(const arena_t *a);

#endif /* ARENA_H */
