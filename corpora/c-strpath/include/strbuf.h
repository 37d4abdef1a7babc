/* strbuf.h - growable, always NUL-terminated string buffer. */
#ifndef STRBUF_H
#define STRBUF_H

#include <stddef.h>

typedef struct {
    char *data; /* NULL until the first append */
    size_t len;
    size_t cap;
} strbuf_t;

#define STRBUF_INIT { NULL, 0, 0 }

void sb_init(strbuf_t *sb);

/** Make room for `extra` more bytes plus the NUL. Returns 0, or -1 on overflow or allocation failure. */
int sb_reserve(strbuf_t *sb, size_t extra);

/**
 * Append n bytes of s. `s` may point into sb's own buffer (appending a part of
 * the buffer to itself is allowed). Returns 0 or -1.
 */
int sb_append_n(strbuf_t *sb, const char *s, size_t n);

/** Append the NUL-terminated string s (which may point into sb's own buffer). Returns 0 or -1. */
int sb_append(strbuf_t *sb, const char *s);

/** Append one character. Returns 0 or -1. */
int sb_append_char(strbuf_t *sb, char c);

/** Insert n bytes of s at byte offset pos (pos <= len). `s` must not point into sb. Returns 0 or -1. */
int sb_insert(strbuf_t *sb, size_t pos, const char *s, size_t n);

/** Shorten the buffer to len bytes (no-op if it is already shorter). */
void sb_truncate(strbuf_t *sb, size_t len);

/**
 * Hand the NUL-terminated contents to the caller (who frees them) and reset sb.
 * An empty buffer yields a newly allocated "" : the result is NULL only if
 * memory runs out.
 */
char *sb_detach(strbuf_t *sb);

/** Free the contents and reset sb. */
void sb_free(strbuf_t *sb);

#endif /* STRBUF_H */
