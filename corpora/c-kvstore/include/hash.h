/* hash.h - chained hash table mapping short string keys to owned string values. */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

#define HT_MAX_KEY 32
#define HT_MIN_CAP 8

typedef struct ht_entry {
    char key[HT_MAX_KEY + 1];
    char *value; /* owned */
    struct ht_entry *next;
} ht_entry_t;

typedef struct {
    ht_entry_t **buckets;
    size_t cap; /* always a power of two */
    size_t count;
} hashtable_t;

/** 64-bit FNV-1a hash of a NUL-terminated key. */
uint64_t ht_hash(const char *key);

/** Create a table with at least `initial_cap` buckets (rounded up to a power of two, minimum HT_MIN_CAP). NULL on allocation failure. */
hashtable_t *ht_create(size_t initial_cap);

/** Free the table, every key and every value. NULL is allowed. */
void ht_destroy(hashtable_t *ht);

/**
 * Map key to value. The key is copied; it must be 1..HT_MAX_KEY bytes long
 * (callers validate keys before they get here). On success the table takes
 * ownership of `value` and frees the previous value of the key, if any.
 * Returns 0, or -1 on allocation failure (value still belongs to the caller).
 */
int ht_set(hashtable_t *ht, const char *key, char *value);

/** The value of key, or NULL if absent. The table keeps ownership. */
char *ht_get(const hashtable_t *ht, const char *key);

/** Remove key and free its value. Returns 0, or -1 if key is absent. */
int ht_remove(hashtable_t *ht, const char *key);

/** Remove key and hand its value to the caller (who must free it). NULL if absent. */
char *ht_take(hashtable_t *ht, const char *key);

/** Rehash into `new_cap` buckets (a power of two >= HT_MIN_CAP). Every key stays reachable. Returns 0 or -1. */
int ht_resize(hashtable_t *ht, size_t new_cap);

typedef int (*ht_visit_fn)(const char *key, const char *value, void *ctx);

/** Call fn for every entry; stops early and returns fn's result when it is non-zero. */
int ht_foreach(const hashtable_t *ht, ht_visit_fn fn, void *ctx);

#endif /* HASH_H */
