/* test_kvstore.c - unit tests for the hash table, the store, persistence and the protocol. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "proto.h"
#include "store.h"

static char *dup(const char *s)
{
    char *c = malloc(strlen(s) + 1);
    strcpy(c, s);
    return c;
}

static void test_hash_basic(void)
{
    hashtable_t *ht = ht_create(3);
    assert(ht != NULL && ht->cap == HT_MIN_CAP);
    assert(ht_set(ht, "alpha", dup("1")) == 0);
    assert(ht_set(ht, "beta", dup("2")) == 0);
    assert(ht_set(ht, "alpha", dup("one")) == 0);
    assert(ht->count == 2);
    assert(strcmp(ht_get(ht, "alpha"), "one") == 0);
    assert(ht_get(ht, "gamma") == NULL);

    char *taken = ht_take(ht, "beta");
    assert(taken != NULL && strcmp(taken, "2") == 0);
    free(taken);
    assert(ht_take(ht, "beta") == NULL);
    assert(ht_remove(ht, "alpha") == 0);
    assert(ht_remove(ht, "alpha") == -1);
    assert(ht->count == 0);
    ht_destroy(ht);
}

static int count_entries(const char *key, const char *value, void *ctx)
{
    (void)key;
    (void)value;
    (*(int *)ctx)++;
    return 0;
}

static void test_hash_foreach(void)
{
    hashtable_t *ht = ht_create(8);
    assert(ht_set(ht, "a", dup("1")) == 0);
    assert(ht_set(ht, "b", dup("2")) == 0);
    assert(ht_set(ht, "c", dup("3")) == 0);
    int n = 0;
    assert(ht_foreach(ht, count_entries, &n) == 0 && n == 3);
    assert(ht_resize(ht, 12) == -1); /* not a power of two */
    ht_destroy(ht);
}

static void test_store_ops(void)
{
    kvstore_t *s = store_open();
    long v = 0;
    assert(store_set(s, "name", "vouch") == KV_OK);
    assert(strcmp(store_get(s, "name"), "vouch") == 0);
    assert(store_append(s, "name", "-kv") == KV_OK);
    assert(strcmp(store_get(s, "name"), "vouch-kv") == 0);

    assert(store_incr(s, "hits", 5, &v) == KV_OK && v == 5);
    assert(store_incr(s, "hits", -7, &v) == KV_OK && v == -2);
    assert(store_incr(s, "name", 1, &v) == KV_EINVAL);

    assert(store_rename(s, "hits", "visits") == KV_OK);
    assert(store_get(s, "hits") == NULL);
    assert(strcmp(store_get(s, "visits"), "-2") == 0);
    assert(store_rename(s, "nope", "other") == KV_ENOTFOUND);

    assert(store_del(s, "visits") == KV_OK);
    assert(store_count(s) == 1);
    store_close(s);
}

static void test_persist_roundtrip(void)
{
    kvstore_t *s = store_open();
    int bad = 0;
    assert(persist_load(s, "# config\nhost=example.org\r\n\nport=8080\n", &bad) == 2);
    assert(strcmp(store_get(s, "host"), "example.org") == 0);
    char out[64];
    int n = persist_save(s, out, sizeof out);
    assert(n == (int)strlen("host=example.org\nport=8080\n"));
    assert(strstr(out, "port=8080\n") != NULL);
    assert(persist_save(s, out, 10) == -1);
    store_close(s);
}

static void test_protocol(void)
{
    kvstore_t *s = store_open();
    char reply[PROTO_REPLY_MAX];
    char line[128];

    strcpy(line, "SET greeting hello world\n");
    assert(proto_execute(s, line, reply, sizeof reply) == 0 && strcmp(reply, "OK\n") == 0);
    strcpy(line, "GET greeting\n");
    assert(proto_execute(s, line, reply, sizeof reply) == 0 && strcmp(reply, "VALUE hello world\n") == 0);
    strcpy(line, "GET missing\n");
    assert(proto_execute(s, line, reply, sizeof reply) == 0 && strcmp(reply, "NOT_FOUND\n") == 0);
    strcpy(line, "INCR counter 41\n");
    assert(proto_execute(s, line, reply, sizeof reply) == 0 && strcmp(reply, "VALUE 41\n") == 0);
    strcpy(line, "COUNT\n");
    assert(proto_execute(s, line, reply, sizeof reply) == 0 && strcmp(reply, "VALUE 2\n") == 0);
    strcpy(line, "FLY away\n");
    assert(proto_execute(s, line, reply, sizeof reply) == -1 && strcmp(reply, "ERR bad command\n") == 0);
    strcpy(line, "SET bad$key 1\n");
    assert(proto_execute(s, line, reply, sizeof reply) == -1);

    command_t cmd;
    strcpy(line, "RENAME a b");
    assert(proto_parse_line(line, &cmd) == 0 && cmd.kind == CMD_RENAME);
    assert(strcmp(cmd.key, "a") == 0 && strcmp(cmd.arg, "b") == 0);

    char small[8];
    assert(proto_format_value(small, sizeof small, "too long for it") == -1);
    assert(proto_format_error(small, sizeof small, "oops") == -1);
    assert(proto_format_error(small, sizeof small, "no") == 7 && strcmp(small, "ERR no\n") == 0);
    store_close(s);
}

int main(void)
{
    test_hash_basic();
    test_hash_foreach();
    test_store_ops();
    test_persist_roundtrip();
    test_protocol();
    printf("test_kvstore: all tests passed\n");
    return 0;
}
