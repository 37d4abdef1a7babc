/* packet.c - encoding, decoding and extraction of framed packets (see packet.h). */
#include "packet.h"

#include <stdlib.h>
#include <string.h>

uint8_t pkt_checksum(uint8_t type, const uint8_t *payload, size_t len)
{
    /* Two running sums, Fletcher style, folded into one byte. */
    int sum1 = type;
    int sum2 = type;
    for (size_t i = 0; i < len; i++) {
        sum1 += payload[i];
        sum2 += sum1;
    }
    return (uint8_t)((sum1 ^ sum2) & 0xFF);
}

uint16_t pkt_fletcher16(const uint8_t *data, size_t len)
{
    uint32_t sum1 = 0;
    uint32_t sum2 = 0;
    for (size_t i = 0; i < len; i++) {
        sum1 = (sum1 + data[i]) % 255u;
        sum2 = (sum2 + sum1) % 255u;
    }
    return (uint16_t)((sum2 << 8) | sum1);
}

size_t pkt_encoded_size(size_t len)
{
    return PKT_HDR_SIZE + len + PKT_TRAILER_SIZE;
}

int pkt_header_parse(const uint8_t *buf, size_t len, pkt_header_t *h)
{
    if (len == 0) {
        return PKT_ERR_SHORT;
    }
    if (buf[0] != PKT_MAGIC) {
        return PKT_ERR_MAGIC;
    }
    h->type = buf[1];
    h->len = (uint16_t)((buf[2] << 8) | buf[3]);
    return PKT_OK;
}

int pkt_encode(const packet_t *pkt, uint8_t *out, size_t cap)
{
    size_t need = PKT_HDR_SIZE + (size_t)pkt->len;
    if (cap < need) {
        return PKT_ERR_SPACE;
    }
    out[0] = PKT_MAGIC;
    out[1] = pkt->type;
    out[2] = (uint8_t)(pkt->len >> 8);
    out[3] = (uint8_t)(pkt->len & 0xFF);
    if (pkt->len > 0) {
        memcpy(out + PKT_HDR_SIZE, pkt->payload, pkt->len);
    }
    out[PKT_HDR_SIZE + pkt->len] = pkt_checksum(pkt->type, pkt->payload, pkt->len);
    return (int)pkt_encoded_size(pkt->len);
}

int pkt_decode(const uint8_t *buf, size_t len, packet_t *out)
{
    pkt_header_t h;
    out->type = 0;
    out->len = 0;
    out->payload = NULL;

    int rc = pkt_header_parse(buf, len, &h);
    if (rc != PKT_OK) {
        return rc;
    }
    size_t total = pkt_encoded_size(h.len);
    if (len < total) {
        return PKT_ERR_SHORT;
    }
    if (h.len > 0) {
        out->payload = malloc(h.len);
        if (out->payload == NULL) {
            return PKT_ERR_NOMEM;
        }
        memcpy(out->payload, buf + PKT_HDR_SIZE, h.len);
    }
    out->type = h.type;
    out->len = h.len;

    uint8_t expected = buf[PKT_HDR_SIZE + h.len];
    if (pkt_checksum(h.type, out->payload, h.len) != expected) {
        free(out->payload);
        out->len = 0;
        return PKT_ERR_CHECKSUM;
    }
    return (int)total;
}

/* Drop bytes until the oldest one is a magic byte (or the buffer is empty). */
static size_t resync(ringbuf_t *rb)
{
    size_t dropped = 0;
    uint8_t b;
    while (rb_peek(rb, 0, &b) == 0 && b != PKT_MAGIC) {
        rb_skip(rb, 1);
        dropped++;
    }
    return dropped;
}

int pkt_extract(ringbuf_t *rb, packet_t *out)
{
    uint8_t hdr[PKT_HDR_SIZE];
    pkt_header_t h;

    out->payload = NULL;
    out->len = 0;
    resync(rb);
    size_t got = rb_copy_out(rb, hdr, sizeof hdr);
    int rc = pkt_header_parse(hdr, got, &h);
    if (rc == PKT_ERR_SHORT) {
        return 0; /* wait for the rest of the header */
    }
    if (rc != PKT_OK) {
        rb_skip(rb, 1);
        return rc;
    }

    size_t total = pkt_encoded_size(h.len);
    if (rb_available(rb) < total) {
        return 0; /* wait for the rest of the frame */
    }
    uint8_t *frame = malloc(total);
    if (frame == NULL) {
        return PKT_ERR_NOMEM;
    }
    rb_copy_out(rb, frame, total);
    rc = pkt_decode(frame, total, out);
    free(frame);
    if (rc < 0) {
        /* Corrupt frame: drop its magic byte so the next call resyncs past it. */
        pkt_free(out);
        rb_skip(rb, 1);
        return rc;
    }
    rb_skip(rb, total);
    return 1;
}

void pkt_free(packet_t *p)
{
    if (p == NULL) {
        return;
    }
    free(p->payload);
    p->payload = NULL;
    p->len = 0;
}
