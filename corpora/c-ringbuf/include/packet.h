/* packet.h - wire format of the framed packets carried over the byte stream.
 *
 * Frame layout: [0xA5 magic][type u8][len u16 big-endian][payload: len bytes][checksum u8]
 */
#ifndef PACKET_H
#define PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "ringbuf.h"

#define PKT_MAGIC 0xA5u
#define PKT_HDR_SIZE 4u
#define PKT_TRAILER_SIZE 1u
#define PKT_MAX_PAYLOAD 65535u

enum {
    PKT_OK = 0,
    PKT_ERR_SHORT = -1,    /* not enough bytes yet: wait for more */
    PKT_ERR_MAGIC = -2,    /* first byte is not PKT_MAGIC */
    PKT_ERR_CHECKSUM = -3, /* checksum mismatch */
    PKT_ERR_SPACE = -4,    /* output buffer too small */
    PKT_ERR_NOMEM = -5
};

typedef struct {
    uint8_t type;
    uint16_t len;
} pkt_header_t;

typedef struct {
    uint8_t type;
    uint16_t len;
    uint8_t *payload; /* owned, NULL when len == 0 or after pkt_free */
} packet_t;

/** Checksum over the type byte and the payload; defined for every payload up to PKT_MAX_PAYLOAD bytes. */
uint8_t pkt_checksum(uint8_t type, const uint8_t *payload, size_t len);

/** Fletcher-16 over a byte range; used for session digests. */
uint16_t pkt_fletcher16(const uint8_t *data, size_t len);

/** Size of the encoded frame for a payload of `len` bytes. */
size_t pkt_encoded_size(size_t len);

/**
 * Parse the 4-byte header at buf. `len` is how many bytes are valid.
 * Returns PKT_OK, PKT_ERR_SHORT if fewer than PKT_HDR_SIZE bytes are valid,
 * or PKT_ERR_MAGIC.
 */
int pkt_header_parse(const uint8_t *buf, size_t len, pkt_header_t *h);

/**
 * Encode pkt into out (capacity cap). Returns the number of bytes written,
 * or PKT_ERR_SPACE if the whole frame does not fit (nothing is written then).
 */
int pkt_encode(const packet_t *pkt, uint8_t *out, size_t cap);

/**
 * Decode one frame from buf. Returns the frame size on success, or a
 * PKT_ERR_* code. On any error *out holds no payload (out->payload == NULL),
 * so pkt_free(out) is always safe afterwards.
 */
int pkt_decode(const uint8_t *buf, size_t len, packet_t *out);

/**
 * Take the next frame out of rb. Returns 1 and fills *out when a frame was
 * extracted, 0 when more bytes are needed, or a negative PKT_ERR_* code when
 * a corrupt frame was discarded (the caller may simply call again).
 */
int pkt_extract(ringbuf_t *rb, packet_t *out);

/** Free the payload of p and reset it. Safe on an empty packet. */
void pkt_free(packet_t *p);

#endif /* PACKET_H */
