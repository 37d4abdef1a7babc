/* store.h - the key-value store: string keys and values with a few typed operations on top of the hash table. */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>

#include "hash.h"

#define KV_MAX_KEY HT_MAX_KEY
#define KV_MAX_VALUE 256

enum {
    KV_OK = 0,
    KV_ENOTFOUND = -1,
    KV_EEXIST = -2,
    KV_ERANGE = -3,
    KV_EINVAL = -4,
    KV_ENOMEM = -5
};

typedef struct {
    hashtable_t *table;
    unsigned long writes;
} kvstore_t;

/** A new empty store, or NULL on allocation failure. */
kvstore_t *store_open(void);

/** Free the store and everything in it. NULL is allowed. */
void store_close(kvstore_t *s);

/** Set key to a copy of value. The key must be a valid key (see proto_valid_token). KV_OK, KV_ERANGE if value is longer than KV_MAX_VALUE, or KV_ENOMEM. */
int store_set(kvstore_t *s, const char *key, const char *value);

/** The value of key, or NULL if absent. */
const char *store_get(const kvstore_t *s, const char *key);

/** Delete key. KV_OK, or KV_ENOTFOUND if it was absent. */
int store_del(kvstore_t *s, const char *key);

/**
 * Add delta to the integer stored at key (a missing key counts as 0) and store
 * the result in *out. KV_OK, KV_EINVAL if the value is not an integer, or
 * KV_ERANGE if the result does not fit in a long (the value is unchanged then).
 */
int store_incr(kvstore_t *s, const char *key, long delta, long *out);

/**
 * Append suffix to the value of key, creating the key (as if its value were
 * empty) when it is absent. KV_OK, KV_ERANGE if the result would exceed
 * KV_MAX_VALUE bytes, or KV_ENOMEM.
 */
int store_append(kvstore_t *s, const char *key, const char *suffix);

/**
 * Rename `from` to `to`. KV_OK, KV_ENOTFOUND if `from` is absent, or
 * KV_EEXIST if `to` already exists; on any error the store is unchanged.
 */
int store_rename(kvstore_t *s, const char *from, const char *to);

/** Number of keys. */
size_t store_count(const kvstore_t *s);

/**
 * Load "key=value" lines from text. Blank lines and '#' comments are skipped.
 * Returns the number of keys loaded, or -1 with *bad_line set to the 1-based
 * number of the first malformed line. Keys loaded before the error stay in the
 * store; nothing else is retained.
 */
int persist_load(kvstore_t *s, const char *text, int *bad_line);

/** Write every entry as "key=value\n" into out (NUL-terminated). Returns the length, or -1 if cap is too small. */
int persist_save(const kvstore_t *s, char *out, size_t cap);

#endif /* STORE_H */
