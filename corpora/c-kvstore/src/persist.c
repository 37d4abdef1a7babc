/* persist.c - loading and saving the store as "key=value" text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "store.h"

int persist_load(kvstore_t *s, const char *text, int *bad_line)
{
    int loaded = 0;
    int lineno = 0;
    const char *p = text;

    while (*p != '\0') {
        const char *eol = strchr(p, '\n');
        size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);
        const char *next = eol != NULL ? eol + 1 : p + len;
        lineno++;

        char *line = malloc(len + 1);
        if (line == NULL) {
            *bad_line = lineno;
            return -1;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        if (len > 0 && line[len - 1] == '\r') {
            line[len - 1] = '\0';
        }
        if (line[0] == '\0' || line[0] == '#') {
            free(line);
            p = next;
            continue;
        }

        char *eq = strchr(line, '=');
        if (eq == NULL || !proto_valid_token(line, (size_t)(eq - line), KV_MAX_KEY)) {
            *bad_line = lineno;
            return -1;
        }
        *eq = '\0';
        int rc = store_set(s, line, eq + 1);
        free(line);
        if (rc != KV_OK) {
            *bad_line = lineno;
            return -1;
        }
        loaded++;
        p = next;
    }
    return loaded;
}

typedef struct {
    char *out;
    size_t cap;
    size_t len;
} save_ctx_t;

static int save_one(const char *key, const char *value, void *ctx)
{
    save_ctx_t *c = ctx;
    size_t klen = strlen(key);
    size_t vlen = strlen(value);
    size_t need = klen + 1 + vlen + 1; /* key '=' value '\n' */
    if (c->len + need + 1 > c->cap) {  /* + 1 for the final NUL */
        return -1;
    }
    memcpy(c->out + c->len, key, klen);
    c->out[c->len + klen] = '=';
    memcpy(c->out + c->len + klen + 1, value, vlen);
    c->out[c->len + need - 1] = '\n';
    c->len += need;
    c->out[c->len] = '\0';
    return 0;
}

int persist_save(const kvstore_t *s, char *out, size_t cap)
{
    if (cap == 0) {
        return -1;
    }
    save_ctx_t ctx = { out, cap, 0 };
    out[0] = '\0';
    if (ht_foreach(s->table, save_one, &ctx) != 0) {
        return -1;
    }
    return (int)ctx.len;
}
