/* pkt.h - frames: a header, a payload of at most PKT_MAX_PAYLOAD bytes, a trailer. */
#ifndef PKT_H
#define PKT_H
#include <stddef.h>
#include <stdint.h>

#define PKT_HDR_SIZE 2
#define PKT_TRAILER_SIZE 1
#define PKT_MAX_PAYLOAD 250
#define PKT_ENCODED_SIZE(n) (PKT_HDR_SIZE + (n) + PKT_TRAILER_SIZE)

typedef int (*pkt_handler)(const uint8_t *payload, size_t len);

/**
 * Encode a payload of len bytes (at most PKT_MAX_PAYLOAD) into out (cap bytes).
 * Returns the frame size, or -1 if it does not fit.
 */
int pkt_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t cap);

/** Register handler for frames; it is called with each frame's payload. */
int pkt_on_frame(pkt_handler handler);

/** Hands one frame's payload to the registered handler. */
int pkt_dispatch(const uint8_t *payload, size_t len);

#endif
