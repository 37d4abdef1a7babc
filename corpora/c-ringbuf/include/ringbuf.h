/* ringbuf.h - fixed-capacity byte ring buffer that stages incoming bytes
 * until the packet layer (packet.h) can frame them. */
#ifndef RINGBUF_H
#define RINGBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *data;
    size_t capacity;
    size_t head;  /* next write position */
    size_t tail;  /* next read position */
    size_t count; /* bytes currently stored */
} ringbuf_t;

/**
 * Initialise rb with room for `capacity` bytes.
 * Returns 0 on success, -1 if capacity is 0 or the allocation fails.
 */
int rb_init(ringbuf_t *rb, size_t capacity);

/** Release the storage of rb. Safe to call twice. */
void rb_free(ringbuf_t *rb);

/** Number of bytes stored. */
size_t rb_available(const ringbuf_t *rb);

/** Number of bytes that can still be written. */
size_t rb_space(const ringbuf_t *rb);

/** Append one byte. Returns 0, or -1 if the buffer is full. */
int rb_push(ringbuf_t *rb, uint8_t byte);

/** Remove the oldest byte into *out. Returns 0, or -1 if the buffer is empty. */
int rb_pop(ringbuf_t *rb, uint8_t *out);

/** Read the byte `offset` positions after the oldest one without consuming it.
 *  Returns 0, or -1 if offset >= rb_available(rb). */
int rb_peek(const ringbuf_t *rb, size_t offset, uint8_t *out);

/**
 * Copy n bytes into the buffer. All or nothing: returns 0, or -1 (writing
 * nothing) if n > rb_space(rb).
 */
int rb_write(ringbuf_t *rb, const uint8_t *src, size_t n);

/** Move up to n bytes out of the buffer; returns the number moved. */
size_t rb_read(ringbuf_t *rb, uint8_t *dst, size_t n);

/** Copy up to n of the oldest bytes into dst without consuming them; returns the number copied. */
size_t rb_copy_out(const ringbuf_t *rb, uint8_t *dst, size_t n);

/** Discard up to n of the oldest bytes; returns the number discarded. */
size_t rb_skip(ringbuf_t *rb, size_t n);

/**
 * Change the capacity to new_capacity, keeping the stored bytes in order.
 * Returns 0, or -1 if new_capacity is 0, smaller than rb_available(rb), or
 * the allocation fails (rb is unchanged then).
 */
int rb_resize(ringbuf_t *rb, size_t new_capacity);

/** Drop all stored bytes. */
void rb_clear(ringbuf_t *rb);

#endif /* RINGBUF_H */
