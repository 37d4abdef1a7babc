/* strutil.c - string helpers (see strutil.h). */
#include "strutil.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

size_t str_lcpy(char *dst, const char *src, size_t size)
{
    size_t srclen = strlen(src);
    if (size > 0) {
        size_t n = srclen < size ? srclen : size;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return srclen;
}

size_t str_lcat(char *dst, const char *src, size_t size)
{
    size_t dlen = 0;
    while (dlen < size && dst[dlen] != '\0') {
        dlen++;
    }
    size_t slen = strlen(src);
    if (dlen == size) {
        return size + slen;
    }
    size_t room = size - dlen - 1;
    size_t n = slen < room ? slen : room;
    memcpy(dst + dlen, src, n);
    dst[dlen + n] = '\0';
    return dlen + slen;
}

char *str_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy != NULL) {
        memcpy(copy, s, n);
    }
    return copy;
}

static char *dup_range(const char *start, const char *end)
{
    size_t n = (size_t)(end - start);
    char *copy = malloc(n + 1);
    if (copy != NULL) {
        memcpy(copy, start, n);
        copy[n] = '\0';
    }
    return copy;
}

void str_split_free(char **fields)
{
    if (fields == NULL) {
        return;
    }
    for (size_t i = 0; fields[i] != NULL; i++) {
        free(fields[i]);
    }
    free(fields);
}

char **str_split(const char *s, char sep, size_t max_fields, size_t *count)
{
    char **fields = max_fields < SIZE_MAX ? calloc(max_fields + 1, sizeof *fields) : NULL;
    if (fields == NULL) {
        return NULL;
    }
    size_t n = 0;
    const char *start = s;
    for (;;) {
        const char *end = strchr(start, sep);
        if (end == NULL) {
            end = start + strlen(start);
        }
        if (n == max_fields) {
            free(fields);
            return NULL;
        }
        fields[n] = dup_range(start, end);
        if (fields[n] == NULL) {
            str_split_free(fields);
            return NULL;
        }
        n++;
        if (*end == '\0') {
            break;
        }
        start = end + 1;
    }
    *count = n;
    return fields;
}

char *str_join(const char *const *parts, size_t n, const char *sep)
{
    strbuf_t sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if ((i > 0 && sb_append(&sb, sep) != 0) || sb_append(&sb, parts[i]) != 0) {
            sb_free(&sb);
            return NULL;
        }
    }
    /* For n == 0 this is "": sb_detach never returns NULL for an empty buffer. */
    return sb_detach(&sb);
}

char *str_trim(char *s)
{
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1])) {
        len--;
    }
    s[len] = '\0';
    size_t start = 0;
    while (isspace((unsigned char)s[start])) {
        start++;
    }
    memmove(s, s + start, len - start + 1);
    return s;
}

int str_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int str_ends_with(const char *s, const char *suffix)
{
    size_t slen = strlen(s);
    size_t xlen = strlen(suffix);
    return xlen <= slen && memcmp(s + slen - xlen, suffix, xlen) == 0;
}

char *str_repeat(const char *s, size_t n)
{
    size_t unit = strlen(s);
    size_t total = unit * n;
    strbuf_t sb = STRBUF_INIT;
    /* Reserve everything up front so the doubling below never reallocates. */
    if (sb_reserve(&sb, total) != 0) {
        return NULL;
    }
    if (n > 0 && sb_append(&sb, s) != 0) {
        sb_free(&sb);
        return NULL;
    }
    /* Double the buffer while that does not overshoot; sb_append_n copes
       with a source that points into the buffer itself. */
    while (sb.len > 0 && sb.len * 2 <= total) {
        sb_append_n(&sb, sb.data, sb.len);
    }
    if (sb.len < total) {
        sb_append_n(&sb, sb.data, total - sb.len);
    }
    return sb_detach(&sb);
}
