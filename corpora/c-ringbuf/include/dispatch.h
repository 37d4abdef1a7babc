/* dispatch.h - routes decoded packets to handlers registered per packet type. */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

#define DISPATCH_MAX 8
#define DISPATCH_NAME_MAX 31

typedef int (*pkt_handler_fn)(const packet_t *pkt, void *ctx);

typedef struct {
    uint8_t type;
    char *name;
    pkt_handler_fn fn;
    void *ctx;
    unsigned long calls;
} handler_t;

typedef struct {
    handler_t *slots[DISPATCH_MAX];
    size_t count;
    unsigned long unknown; /* packets whose type has no handler */
    unsigned long errors;  /* handlers that returned non-zero */
} dispatcher_t;

void dispatch_init(dispatcher_t *d);

/**
 * Register fn for packets of `type`. The name is copied (truncated to
 * DISPATCH_NAME_MAX characters). Returns 0, or -1 if the type is already
 * registered, the table is full, or memory runs out. On failure nothing is
 * retained: the dispatcher is unchanged and no memory is held.
 */
int dispatch_register(dispatcher_t *d, uint8_t type, const char *name, pkt_handler_fn fn, void *ctx);

/** Remove the handler for `type`. Returns 0, or -1 if none is registered. */
int dispatch_unregister(dispatcher_t *d, uint8_t type);

/** The handler for `type`, or NULL if none is registered. */
handler_t *dispatch_find(dispatcher_t *d, uint8_t type);

/**
 * Hand pkt to the handler of its type. Packets of a type without a handler
 * are counted in d->unknown and otherwise ignored. Returns the handler's
 * result, or 0 for an ignored packet.
 */
int dispatch_packet(dispatcher_t *d, const packet_t *pkt);

/**
 * Copy the payload of pkt into out as a NUL-terminated string, truncating to
 * cap - 1 bytes. Returns the number of payload bytes copied, or -1 if cap is 0.
 */
int dispatch_payload_text(const packet_t *pkt, char *out, size_t cap);

/** Unregister everything and free all handler memory. */
void dispatch_destroy(dispatcher_t *d);

#endif /* DISPATCH_H */
