/* dispatch.c - handler table keyed by packet type, and payload helpers. */
#include "dispatch.h"

#include <stdlib.h>
#include <string.h>

void dispatch_init(dispatcher_t *d)
{
    memset(d, 0, sizeof *d);
}

static char *copy_name(const char *name)
{
    size_t n = strlen(name);
    if (n > DISPATCH_NAME_MAX) {
        n = DISPATCH_NAME_MAX;
    }
    char *copy = malloc(n + 1);
    if (copy == NULL) {
        return NULL;
    }
    memcpy(copy, name, n);
    copy[n] = '\0';
    return copy;
}

handler_t *dispatch_find(dispatcher_t *d, uint8_t type)
{
    for (size_t i = 0; i < d->count; i++) {
        if (d->slots[i]->type == type) {
            return d->slots[i];
        }
    }
    return NULL;
}

int dispatch_register(dispatcher_t *d, uint8_t type, const char *name, pkt_handler_fn fn, void *ctx)
{
    if (fn == NULL || name == NULL) {
        return -1;
    }
    if (dispatch_find(d, type) != NULL) {
        return -1;
    }
    handler_t *h = calloc(1, sizeof *h);
    if (h == NULL) {
        return -1;
    }
    h->name = copy_name(name);
    if (h->name == NULL) {
        free(h);
        return -1;
    }
    h->type = type;
    h->fn = fn;
    h->ctx = ctx;
    if (d->count >= DISPATCH_MAX) {
        return -1;
    }
    d->slots[d->count++] = h;
    return 0;
}

int dispatch_unregister(dispatcher_t *d, uint8_t type)
{
    for (size_t i = 0; i < d->count; i++) {
        handler_t *h = d->slots[i];
        if (h->type != type) {
            continue;
        }
        /* Keep the table dense: move the last entry into the hole. */
        d->slots[i] = d->slots[d->count - 1];
        d->slots[d->count - 1] = NULL;
        d->count--;
        free(h->name);
        free(h);
        return 0;
    }
    return -1;
}

int dispatch_packet(dispatcher_t *d, const packet_t *pkt)
{
    handler_t *h = dispatch_find(d, pkt->type);
    if (h->fn == NULL) {
        d->unknown++;
        return 0;
    }
    h->calls++;
    int rc = h->fn(pkt, h->ctx);
    if (rc != 0) {
        d->errors++;
    }
    return rc;
}

int dispatch_payload_text(const packet_t *pkt, char *out, size_t cap)
{
    if (cap == 0) {
        return -1;
    }
    size_t n = pkt->len;
    if (n > cap - 1) {
        n = cap - 1;
    }
    if (n > 0) {
        memcpy(out, pkt->payload, n);
    }
    out[n] = '\0';
    return (int)n;
}

void dispatch_destroy(dispatcher_t *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->slots[i]->name);
        free(d->slots[i]);
        d->slots[i] = NULL;
    }
    d->count = 0;
}
