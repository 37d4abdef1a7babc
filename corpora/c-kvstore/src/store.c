/* store.c - key-value store operations (set/get/del/incr/append/rename) over the hash table. */
#include "store.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_string(const char *s)
{
    size_t n = strlen(s);
    char *copy = malloc(n + 1);
    if (copy != NULL) {
        memcpy(copy, s, n + 1);
    }
    return copy;
}

kvstore_t *store_open(void)
{
    kvstore_t *s = malloc(sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    s->table = ht_create(HT_MIN_CAP);
    if (s->table == NULL) {
        free(s);
        return NULL;
    }
    s->writes = 0;
    return s;
}

void store_close(kvstore_t *s)
{
    if (s == NULL) {
        return;
    }
    ht_destroy(s->table);
    free(s);
}

int store_set(kvstore_t *s, const char *key, const char *value)
{
    if (strlen(value) > KV_MAX_VALUE) {
        return KV_ERANGE;
    }
    char *copy = dup_string(value);
    if (copy == NULL) {
        return KV_ENOMEM;
    }
    if (ht_set(s->table, key, copy) != 0) {
        free(copy);
        return KV_ENOMEM;
    }
    s->writes++;
    return KV_OK;
}

const char *store_get(const kvstore_t *s, const char *key)
{
    return ht_get(s->table, key);
}

int store_del(kvstore_t *s, const char *key)
{
    ht_remove(s->table, key);
    s->writes++;
    return KV_OK;
}

/* Parse a whole string as a long. Returns 0, or -1 if it is not an integer or out of range. */
static int parse_long(const char *text, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE) {
        return -1;
    }
    *out = v;
    return 0;
}

int store_incr(kvstore_t *s, const char *key, long delta, long *out)
{
    long current = 0;
    const char *old = ht_get(s->table, key);
    if (old != NULL && parse_long(old, &current) != 0) {
        return KV_EINVAL;
    }
    long next = current + delta;
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", next);
    int rc = store_set(s, key, buf);
    if (rc != KV_OK) {
        return rc;
    }
    *out = next;
    return KV_OK;
}

int store_append(kvstore_t *s, const char *key, const char *suffix)
{
    const char *old = ht_get(s->table, key);
    size_t old_len = strlen(old);
    size_t add_len = strlen(suffix);
    if (old_len + add_len > KV_MAX_VALUE) {
        return KV_ERANGE;
    }
    char *joined = malloc(old_len + add_len + 1);
    if (joined == NULL) {
        return KV_ENOMEM;
    }
    memcpy(joined, old, old_len);
    memcpy(joined + old_len, suffix, add_len + 1);
    if (ht_set(s->table, key, joined) != 0) {
        free(joined);
        return KV_ENOMEM;
    }
    s->writes++;
    return KV_OK;
}

int store_rename(kvstore_t *s, const char *from, const char *to)
{
    if (strcmp(from, to) == 0) {
        return ht_get(s->table, from) != NULL ? KV_OK : KV_ENOTFOUND;
    }
    char *value = ht_take(s->table, from);
    if (value == NULL) {
        return KV_ENOTFOUND;
    }
    if (ht_get(s->table, to) != NULL) {
        /* Put the value back under its old name so the store is unchanged. */
        if (ht_set(s->table, from, value) != 0) {
            free(value);
            return KV_ENOMEM;
        }
        free(value);
        return KV_EEXIST;
    }
    if (ht_set(s->table, to, value) != 0) {
        free(value);
        return KV_ENOMEM;
    }
    s->writes++;
    return KV_OK;
}

size_t store_count(const kvstore_t *s)
{
    return s->table->count;
}
