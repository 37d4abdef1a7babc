/* test_ringbuf.c - unit tests for the ring buffer, packet codec and dispatcher. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "packet.h"
#include "ringbuf.h"

static void test_push_pop(void)
{
    ringbuf_t rb;
    assert(rb_init(&rb, 3) == 0);
    assert(rb_push(&rb, 1) == 0);
    assert(rb_push(&rb, 2) == 0);
    assert(rb_push(&rb, 3) == 0);
    assert(rb_push(&rb, 4) == -1);
    uint8_t b;
    assert(rb_pop(&rb, &b) == 0 && b == 1);
    assert(rb_push(&rb, 4) == 0);
    assert(rb_peek(&rb, 2, &b) == 0 && b == 4);
    assert(rb_peek(&rb, 3, &b) == -1);
    assert(rb_pop(&rb, &b) == 0 && b == 2);
    assert(rb_pop(&rb, &b) == 0 && b == 3);
    assert(rb_pop(&rb, &b) == 0 && b == 4);
    assert(rb_pop(&rb, &b) == -1);
    rb_free(&rb);
    rb_free(&rb);
}

static void test_write_read_wrap(void)
{
    ringbuf_t rb;
    uint8_t out[8];
    assert(rb_init(&rb, 8) == 0);
    assert(rb_write(&rb, (const uint8_t *)"abcdef", 6) == 0);
    assert(rb_read(&rb, out, 4) == 4 && memcmp(out, "abcd", 4) == 0);
    assert(rb_write(&rb, (const uint8_t *)"ghijkl", 6) == 0); /* wraps */
    assert(rb_write(&rb, (const uint8_t *)"x", 1) == -1);
    assert(rb_available(&rb) == 8 && rb_space(&rb) == 0);
    assert(rb_copy_out(&rb, out, 8) == 8 && memcmp(out, "efghijkl", 8) == 0);
    assert(rb_skip(&rb, 3) == 3);
    assert(rb_read(&rb, out, 8) == 5 && memcmp(out, "hijkl", 5) == 0);
    rb_clear(&rb);
    assert(rb_available(&rb) == 0);
    rb_free(&rb);
}

static void test_resize_linear(void)
{
    ringbuf_t rb;
    uint8_t out[16];
    assert(rb_init(&rb, 4) == 0);
    assert(rb_write(&rb, (const uint8_t *)"wxyz", 4) == 0);
    assert(rb_resize(&rb, 2) == -1);
    assert(rb_resize(&rb, 16) == 0);
    assert(rb_write(&rb, (const uint8_t *)"1234", 4) == 0);
    assert(rb_read(&rb, out, sizeof out) == 8 && memcmp(out, "wxyz1234", 8) == 0);
    rb_free(&rb);
}

static void test_codec_roundtrip(void)
{
    uint8_t frame[32];
    uint8_t payload[] = { 'p', 'i', 'n', 'g' };
    packet_t in = { .type = 2, .len = sizeof payload, .payload = payload };
    int n = pkt_encode(&in, frame, sizeof frame);
    assert(n == (int)pkt_encoded_size(4));
    assert(pkt_encode(&in, frame, 3) == PKT_ERR_SPACE);

    pkt_header_t h;
    assert(pkt_header_parse(frame, (size_t)n, &h) == PKT_OK && h.type == 2 && h.len == 4);

    packet_t out;
    assert(pkt_decode(frame, (size_t)n, &out) == n);
    assert(out.type == 2 && out.len == 4 && memcmp(out.payload, "ping", 4) == 0);
    pkt_free(&out);
    assert(pkt_decode(frame, (size_t)n - 1, &out) == PKT_ERR_SHORT);
    pkt_free(&out);
    frame[0] = 0x00;
    assert(pkt_decode(frame, (size_t)n, &out) == PKT_ERR_MAGIC);
    pkt_free(&out);
    assert(pkt_fletcher16((const uint8_t *)"abcde", 5) == 0xC8F0);
}

static void test_extract_from_stream(void)
{
    ringbuf_t rb;
    uint8_t frame[32];
    uint8_t payload[] = { 'h', 'i' };
    packet_t in = { .type = 1, .len = 2, .payload = payload };
    int n = pkt_encode(&in, frame, sizeof frame);
    assert(n > 0);

    assert(rb_init(&rb, 64) == 0);
    assert(rb_write(&rb, (const uint8_t *)"zz", 2) == 0); /* garbage before the frame */
    assert(rb_write(&rb, frame, 3) == 0);
    packet_t out;
    assert(pkt_extract(&rb, &out) == 0); /* incomplete frame */
    assert(rb_write(&rb, frame + 3, (size_t)n - 3) == 0);
    assert(pkt_extract(&rb, &out) == 1);
    assert(out.type == 1 && out.len == 2 && memcmp(out.payload, "hi", 2) == 0);
    pkt_free(&out);
    assert(rb_available(&rb) == 0);
    rb_free(&rb);
}

static int count_calls(const packet_t *pkt, void *ctx)
{
    (void)pkt;
    (*(int *)ctx)++;
    return 0;
}

static void test_dispatch(void)
{
    dispatcher_t d;
    int calls = 0;
    dispatch_init(&d);
    assert(dispatch_register(&d, 1, "text", count_calls, &calls) == 0);
    assert(dispatch_register(&d, 1, "again", count_calls, &calls) == -1);
    assert(dispatch_register(&d, 2, "a-very-long-handler-name-that-gets-truncated", count_calls, &calls) == 0);
    assert(strlen(dispatch_find(&d, 2)->name) == DISPATCH_NAME_MAX);

    uint8_t payload[] = { 'o', 'k' };
    packet_t pkt = { .type = 1, .len = 2, .payload = payload };
    assert(dispatch_packet(&d, &pkt) == 0);
    assert(calls == 1 && dispatch_find(&d, 1)->calls == 1);

    char text[2];
    assert(dispatch_payload_text(&pkt, text, sizeof text) == 1 && strcmp(text, "o") == 0);
    assert(dispatch_payload_text(&pkt, text, 0) == -1);

    assert(dispatch_unregister(&d, 1) == 0);
    assert(dispatch_unregister(&d, 1) == -1);
    assert(dispatch_find(&d, 1) == NULL);
    dispatch_destroy(&d);
}

int main(void)
{
    test_push_pop();
    test_write_read_wrap();
    test_resize_linear();
    test_codec_roundtrip();
    test_extract_from_stream();
    test_dispatch();
    printf("test_ringbuf: all tests passed\n");
    return 0;
}
