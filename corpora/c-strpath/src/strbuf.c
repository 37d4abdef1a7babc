/* strbuf.c - growable string buffer (see strbuf.h). */
#include "strbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void sb_init(strbuf_t *sb)
{
    sb->data = NULL;
    sb->len = 0;
    sb->cap = 0;
}

int sb_reserve(strbuf_t *sb, size_t extra)
{
    if (extra > SIZE_MAX - sb->len - 1) {
        return -1;
    }
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap) {
        return 0;
    }
    size_t cap = sb->cap > 0 ? sb->cap : 16;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *grown = realloc(sb->data, cap);
    if (grown == NULL) {
        return -1;
    }
    if (sb->data == NULL) {
        grown[0] = '\0'; /* a fresh buffer is an empty string, not garbage */
    }
    sb->data = grown;
    sb->cap = cap;
    return 0;
}

int sb_append_n(strbuf_t *sb, const char *s, size_t n)
{
    if (sb_reserve(sb, n) != 0) {
        return -1;
    }
    memmove(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
    return 0;
}

int sb_append(strbuf_t *sb, const char *s)
{
    return sb_append_n(sb, s, strlen(s));
}

int sb_append_char(strbuf_t *sb, char c)
{
    if (sb_reserve(sb, 1) != 0) {
        return -1;
    }
    sb->data[sb->len++] = c;
    sb->data[sb->len] = '\0';
    return 0;
}

int sb_insert(strbuf_t *sb, size_t pos, const char *s, size_t n)
{
    if (pos > sb->len) {
        return -1;
    }
    if (sb_reserve(sb, n) != 0) {
        return -1;
    }
    memmove(sb->data + pos + n, sb->data + pos, sb->len - pos + 1);
    memcpy(sb->data + pos, s, n);
    sb->len += n;
    return 0;
}

void sb_truncate(strbuf_t *sb, size_t len)
{
    if (len < sb->len) {
        sb->len = len;
        sb->data[len] = '\0';
    }
}

char *sb_detach(strbuf_t *sb)
{
    char *out = sb->data;
    sb->data = NULL;
    sb->len = 0;
    sb->cap = 0;
    return out;
}

void sb_free(strbuf_t *sb)
{
    free(sb->data);
    sb_init(sb);
}
