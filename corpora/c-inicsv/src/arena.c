/* arena.c - block-based bump allocator (see arena.h). */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t align_up(size_t n)
{
    return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
}

static arena_block_t *new_block(size_t cap)
{
    arena_block_t *b = malloc(sizeof *b + cap);
    if (b == NULL) {
        return NULL;
    }
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

int arena_init(arena_t *a, size_t block_size)
{
    a->head = NULL;
    a->current = NULL;
    a->blocks = 0;
    a->block_size = align_up(block_size);
    if (block_size == 0) {
        return -1;
    }
    a->head = new_block(a->block_size);
    if (a->head == NULL) {
        return -1;
    }
    a->current = a->head;
    a->blocks = 1;
    return 0;
}

void *arena_alloc(arena_t *a, size_t size)
{
    if (size > SIZE_MAX - ARENA_ALIGN) {
        return NULL;
    }
    size_t need = align_up(size == 0 ? 1 : size);
    arena_block_t *b = a->current;
    if (b->used + need > b->cap) {
        arena_block_t *fresh = new_block(a->block_size);
        if (fresh == NULL) {
            return NULL;
        }
        /* Link after the current block so arena_reset can find every block. */
        fresh->next = b->next;
        b->next = fresh;
        a->current = fresh;
        a->blocks++;
        b = fresh;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    char *copy = arena_alloc(a, n + 1);
    if (copy == NULL) {
        return NULL;
    }
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

char *arena_strdup(arena_t *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void arena_reset(arena_t *a)
{
    if (a->head == NULL) {
        return;
    }
    arena_block_t *b = a->head->next;
    while (b != NULL) {
        arena_block_t *next = b->next;
        free(b);
        b = next;
    }
    a->head->next = NULL;
    a->head->used = 0;
    a->blocks = 1;
}

void arena_free(arena_t *a)
{
    arena_block_t *b = a->head;
    while (b != NULL) {
        arena_block_t *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->current = NULL;
    a->blocks = 0;
}

size_t arena_used(const arena_t *a)
{
    size_t total = 0;
    for (const arena_block_t *b = a->head; b != NULL; b = b->next) {
        total += b->used;
    }
    return total;
}
