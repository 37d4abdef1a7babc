/* ringbuf.c - byte ring buffer: storage, single-byte and bulk access, resizing. */
#include "ringbuf.h"

#include <stdlib.h>
#include <string.h>

int rb_init(ringbuf_t *rb, size_t capacity)
{
    if (rb == NULL) {
        return -1;
    }
    /* malloc(0) may return NULL on some platforms, so always ask for at least one byte. */
    rb->data = malloc(capacity > 0 ? capacity : 1);
    if (rb->data == NULL) {
        return -1;
    }
    rb->capacity = capacity;
    rb->head = 0;
    rb->tail = 0;
    rb->count = 0;
    return 0;
}

void rb_free(ringbuf_t *rb)
{
    if (rb == NULL) {
        return;
    }
    free(rb->data);
    rb->data = NULL;
    rb->capacity = 0;
    rb->head = 0;
    rb->tail = 0;
    rb->count = 0;
}

size_t rb_available(const ringbuf_t *rb)
{
    return rb->count;
}

size_t rb_space(const ringbuf_t *rb)
{
    return rb->capacity - rb->count;
}

int rb_push(ringbuf_t *rb, uint8_t byte)
{
    if (rb->count >= rb->capacity) {
        return -1;
    }
    rb->data[rb->head] = byte;
    rb->head = (rb->head + 1) % rb->capacity;
    rb->count++;
    return 0;
}

int rb_pop(ringbuf_t *rb, uint8_t *out)
{
    if (rb->count == 0) {
        return -1;
    }
    *out = rb->data[rb->tail];
    rb->tail = (rb->tail + 1) % rb->capacity;
    rb->count--;
    return 0;
}

int rb_peek(const ringbuf_t *rb, size_t offset, uint8_t *out)
{
    if (offset >= rb->count) {
        return -1;
    }
    *out = rb->data[(rb->tail + offset) % rb->capacity];
    return 0;
}

int rb_write(ringbuf_t *rb, const uint8_t *src, size_t n)
{
    if (n > rb_space(rb)) {
        return -1;
    }
    if (n == 0) {
        return 0;
    }
    /* First chunk: from head up to the physical end of the storage. */
    size_t first = rb->capacity - rb->head;
    if (first > n) {
        first = n;
    }
    memcpy(rb->data + rb->head, src, first);
    /* Second chunk (if any) wraps around to the start. */
    if (n > first) {
        memcpy(rb->data, src + first, n - first);
    }
    rb->head = (rb->head + n) % rb->capacity;
    rb->count += n;
    return 0;
}

size_t rb_copy_out(const ringbuf_t *rb, uint8_t *dst, size_t n)
{
    if (n > rb->count) {
        n = rb->count;
    }
    if (n == 0) {
        return 0;
    }
    size_t first = rb->capacity - rb->tail;
    if (first > n) {
        first = n;
    }
    memcpy(dst, rb->data + rb->tail, first);
    if (n > first) {
        memcpy(dst + first, rb->data, n - first);
    }
    return n;
}

size_t rb_read(ringbuf_t *rb, uint8_t *dst, size_t n)
{
    size_t copied = rb_copy_out(rb, dst, n);
    rb->tail = (rb->tail + copied) % rb->capacity;
    rb->count -= copied;
    return copied;
}

size_t rb_skip(ringbuf_t *rb, size_t n)
{
    if (n > rb->count) {
        n = rb->count;
    }
    if (n == 0) {
        return 0;
    }
    rb->tail = (rb->tail + n) % rb->capacity;
    rb->count -= n;
    return n;
}

int rb_resize(ringbuf_t *rb, size_t new_capacity)
{
    if (new_capacity == 0 || new_capacity < rb->count) {
        return -1;
    }
    uint8_t *fresh = malloc(new_capacity);
    if (fresh == NULL) {
        return -1;
    }
    size_t n = rb->count;
    size_t first = rb->capacity - rb->tail;
    if (first > n) {
        first = n;
    }
    memcpy(fresh, rb->data + rb->tail, first);
    free(rb->data);
    if (n > first) {
        /* The stored bytes wrapped around: append the part at the start. */
        memcpy(fresh + first, rb->data, n - first);
    }
    rb->data = fresh;
    rb->capacity = new_capacity;
    rb->tail = 0;
    rb->head = n % new_capacity;
    return 0;
}

void rb_clear(ringbuf_t *rb)
{
    rb->head = 0;
    rb->tail = 0;
    rb->count = 0;
}
