/* hash.c - chained hash table with power-of-two capacity and automatic growth. */
#include "hash.h"

#include <stdlib.h>
#include <string.h>

uint64_t ht_hash(const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t round_up_pow2(size_t n)
{
    size_t cap = HT_MIN_CAP;
    while (cap < n) {
        cap <<= 1;
    }
    return cap;
}

static size_t bucket_of(const hashtable_t *ht, const char *key)
{
    return (size_t)(ht_hash(key) & (ht->cap - 1));
}

hashtable_t *ht_create(size_t initial_cap)
{
    hashtable_t *ht = malloc(sizeof *ht);
    if (ht == NULL) {
        return NULL;
    }
    ht->cap = round_up_pow2(initial_cap);
    ht->count = 0;
    ht->buckets = calloc(ht->cap, sizeof *ht->buckets);
    if (ht->buckets == NULL) {
        free(ht);
        return NULL;
    }
    return ht;
}

static void free_entry(ht_entry_t *e)
{
    free(e->value);
    free(e);
}

void ht_destroy(hashtable_t *ht)
{
    if (ht == NULL) {
        return;
    }
    for (size_t i = 0; i < ht->cap; i++) {
        ht_entry_t *e = ht->buckets[i];
        while (e != NULL) {
            ht_entry_t *next = e->next;
            free_entry(e);
            e = next;
        }
    }
    free(ht->buckets);
    free(ht);
}

static ht_entry_t *find_entry(const hashtable_t *ht, const char *key)
{
    for (ht_entry_t *e = ht->buckets[bucket_of(ht, key)]; e != NULL; e = e->next) {
        if (strcmp(e->key, key) == 0) {
            return e;
        }
    }
    return NULL;
}

int ht_resize(hashtable_t *ht, size_t new_cap)
{
    if (new_cap < HT_MIN_CAP || (new_cap & (new_cap - 1)) != 0) {
        return -1;
    }
    ht_entry_t **fresh = calloc(new_cap, sizeof *fresh);
    if (fresh == NULL) {
        return -1;
    }
    for (size_t i = 0; i < ht->cap; i++) {
        ht_entry_t *e = ht->buckets[i];
        while (e != NULL) {
            ht_entry_t *next = e->next;
            size_t idx = bucket_of(ht, e->key);
            e->next = fresh[idx];
            fresh[idx] = e;
            e = next;
        }
    }
    free(ht->buckets);
    ht->buckets = fresh;
    ht->cap = new_cap;
    return 0;
}

int ht_set(hashtable_t *ht, const char *key, char *value)
{
    ht_entry_t *existing = find_entry(ht, key);
    if (existing != NULL) {
        free(existing->value);
        existing->value = value;
        return 0;
    }
    /* Keep the load factor at or below 3/4. A failed resize is not fatal. */
    if ((ht->count + 1) * 4 > ht->cap * 3) {
        (void)ht_resize(ht, ht->cap * 2);
    }
    ht_entry_t *e = malloc(sizeof *e);
    if (e == NULL) {
        return -1;
    }
    strcpy(e->key, key);
    e->value = value;
    size_t idx = bucket_of(ht, key);
    e->next = ht->buckets[idx];
    ht->buckets[idx] = e;
    ht->count++;
    return 0;
}

char *ht_get(const hashtable_t *ht, const char *key)
{
    ht_entry_t *e = find_entry(ht, key);
    return e != NULL ? e->value : NULL;
}

int ht_remove(hashtable_t *ht, const char *key)
{
    size_t idx = bucket_of(ht, key);
    ht_entry_t *prev = NULL;
    for (ht_entry_t *e = ht->buckets[idx]; e != NULL; prev = e, e = e->next) {
        if (strcmp(e->key, key) != 0) {
            continue;
        }
        if (prev == NULL) {
            ht->buckets[idx] = e->next;
            free_entry(e);
        } else {
            free_entry(e);
            prev->next = e->next;
        }
        ht->count--;
        return 0;
    }
    return -1;
}

char *ht_take(hashtable_t *ht, const char *key)
{
    size_t idx = bucket_of(ht, key);
    ht_entry_t *prev = NULL;
    for (ht_entry_t *e = ht->buckets[idx]; e != NULL; prev = e, e = e->next) {
        if (strcmp(e->key, key) != 0) {
            continue;
        }
        if (prev == NULL) {
            ht->buckets[idx] = e->next;
        } else {
            prev->next = e->next;
        }
        char *value = e->value;
        free(e);
        ht->count--;
        return value;
    }
    return NULL;
}

int ht_foreach(const hashtable_t *ht, ht_visit_fn fn, void *ctx)
{
    for (size_t i = 0; i < ht->cap; i++) {
        for (const ht_entry_t *e = ht->buckets[i]; e != NULL; e = e->next) {
            int rc = fn(e->key, e->value, ctx);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}
