/* main.c - pktcat: reads framed packets from stdin through a ring buffer and
 * dispatches them to a few built-in handlers, then prints statistics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "packet.h"
#include "ringbuf.h"

#define PKT_TYPE_TEXT 0x01
#define PKT_TYPE_PING 0x02
#define PKT_TYPE_DIGEST 0x03

typedef struct {
    unsigned long texts;
    unsigned long pings;
    uint16_t digest;
} session_t;

static int on_text(const packet_t *pkt, void *ctx)
{
    session_t *s = ctx;
    char line[128];
    /* dispatch_payload_text always NUL-terminates, so printing is safe. */
    if (dispatch_payload_text(pkt, line, sizeof line) < 0) {
        return -1;
    }
    printf("text: %s\n", line);
    s->texts++;
    return 0;
}

static int on_ping(const packet_t *pkt, void *ctx)
{
    session_t *s = ctx;
    uint8_t reply[64];
    packet_t pong = { .type = PKT_TYPE_PING, .len = pkt->len, .payload = pkt->payload };
    /* pkt_encode refuses (PKT_ERR_SPACE) frames that do not fit in reply. */
    int n = pkt_encode(&pong, reply, sizeof reply);
    if (n < 0) {
        fprintf(stderr, "ping too large to echo (%u bytes)\n", (unsigned)pkt->len);
        return -1;
    }
    fwrite(reply, 1, (size_t)n, stderr);
    s->pings++;
    return 0;
}

static int on_digest(const packet_t *pkt, void *ctx)
{
    session_t *s = ctx;
    s->digest ^= pkt_fletcher16(pkt->payload, pkt->len);
    return 0;
}

static size_t parse_capacity(int argc, char **argv)
{
    char *end = NULL;
    unsigned long v = argc > 2 && strcmp(argv[1], "--capacity") == 0 ? strtoul(argv[2], &end, 10) : 4096;
    /* A value that is not all digits ("12kb", "") is invalid: 0, which rb_init rejects. */
    return end != NULL && (end == argv[2] || *end != '\0') ? 0 : (size_t)v;
}

int main(int argc, char **argv)
{
    ringbuf_t rb;
    dispatcher_t d;
    session_t session = { 0 };
    size_t capacity = parse_capacity(argc, argv);

    /* rb_init rejects a zero capacity, so a bad --capacity ends up here. */
    if (rb_init(&rb, capacity) != 0) {
        fprintf(stderr, "invalid capacity %zu\n", capacity);
        return 2;
    }
    dispatch_init(&d);
    if (dispatch_register(&d, PKT_TYPE_TEXT, "text", on_text, &session) != 0
        || dispatch_register(&d, PKT_TYPE_PING, "ping", on_ping, &session) != 0
        || dispatch_register(&d, PKT_TYPE_DIGEST, "digest", on_digest, &session) != 0) {
        fprintf(stderr, "cannot register handlers\n");
        dispatch_destroy(&d);
        rb_free(&rb);
        return 2;
    }

    uint8_t chunk[512];
    size_t got;
    unsigned long corrupt = 0;
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        if (got > rb_space(&rb)) {
            /* Grow so that a whole chunk always fits; rb_resize keeps the order. */
            if (rb_resize(&rb, rb.capacity * 2 + got) != 0) {
                fprintf(stderr, "out of memory\n");
                break;
            }
        }
        rb_write(&rb, chunk, got);
        for (;;) {
            packet_t pkt;
            int rc = pkt_extract(&rb, &pkt);
            if (rc == 0) {
                break;
            }
            if (rc < 0) {
                corrupt++;
                continue;
            }
            dispatch_packet(&d, &pkt);
            pkt_free(&pkt);
        }
    }

    printf("texts=%lu pings=%lu digest=%04x unknown=%lu errors=%lu corrupt=%lu\n",
           session.texts, session.pings, session.digest, d.unknown, d.errors, corrupt);
    dispatch_destroy(&d);
    rb_free(&rb);
    return 0;
}
