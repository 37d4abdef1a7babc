/* pathutil.c - lexical path manipulation built on strutil and strbuf. */
#include "pathutil.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "strutil.h"

int path_is_absolute(const char *path)
{
    return path[0] == '/';
}

const char *path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

int path_basename_copy(const char *path, char *out, size_t cap)
{
    const char *base = path_basename(path);
    size_t len = strlen(base);
    if (len + 1 > cap) {
        return -1;
    }
    memcpy(out, base, len + 1);
    return (int)len;
}

int path_dirname(const char *path, char *out, size_t cap)
{
    size_t len = strlen(path);
    /* Ignore trailing slashes, but keep a lone "/". */
    while (len > 1 && path[len - 1] == '/') {
        len--;
    }
    size_t i = len;
    while (i > 0 && path[i - 1] != '/') {
        i--;
    }
    if (i == 0) {
        if (cap < 2) {
            return -1;
        }
        memcpy(out, ".", 2);
        return 1;
    }
    /* i - 1 is the index of the separating slash; drop it (and any run of slashes) unless it is the root. */
    size_t dlen = i - 1;
    while (dlen > 0 && path[dlen - 1] == '/') {
        dlen--;
    }
    if (dlen == 0) {
        dlen = 1;
    }
    memcpy(out, path, dlen);
    out[dlen] = '\0';
    return (int)dlen;
}

const char *path_extension(const char *path)
{
    const char *base = path_basename(path);
    const char *dot = strrchr(base, '.');
    if (dot == NULL || dot == path) {
        return "";
    }
    return dot;
}

char *path_join(const char *base, const char *name)
{
    size_t blen = strlen(base);
    if (blen == 0) {
        return str_dup(name);
    }
    while (*name == '/') {
        name++;
    }
    strbuf_t sb = STRBUF_INIT;
    if (sb_append(&sb, base) != 0) {
        return NULL;
    }
    if (sb.data[sb.len - 1] != '/' && sb_append_char(&sb, '/') != 0) {
        sb_free(&sb);
        return NULL;
    }
    if (sb_append(&sb, name) != 0) {
        sb_free(&sb);
        return NULL;
    }
    return sb_detach(&sb);
}

char *path_normalize(const char *path)
{
    int absolute = path_is_absolute(path);
    size_t count = 0;
    char **parts = str_split(path, '/', PATH_MAX_SEGMENTS, &count);
    if (parts == NULL) {
        return NULL;
    }
    const char *kept[PATH_MAX_SEGMENTS];
    size_t nkept = 0;
    for (size_t i = 0; i < count; i++) {
        const char *seg = parts[i];
        if (seg[0] == '\0' || strcmp(seg, ".") == 0) {
            continue;
        }
        if (strcmp(seg, "..") == 0) {
            if (nkept > 0 && strcmp(kept[nkept - 1], "..") != 0) {
                nkept--;
            } else if (!absolute) {
                kept[nkept++] = seg;
            }
            continue;
        }
        kept[nkept++] = seg;
    }

    char *joined = str_join(kept, nkept, "/");
    str_split_free(parts);
    if (joined == NULL) {
        return NULL;
    }
    if (absolute) {
        char *rooted = malloc(strlen(joined) + 2);
        if (rooted != NULL) {
            rooted[0] = '/';
            strcpy(rooted + 1, joined);
        }
        free(joined);
        return rooted;
    }
    if (joined[0] == '\0') {
        free(joined);
        return str_dup(".");
    }
    return joined;
}

int path_split(const char *path, char **dir, char **base)
{
    char buf[PATH_MAX_LEN];
    *dir = NULL;
    *base = NULL;
    if (path_dirname(path, buf, sizeof buf) < 0) {
        return -1;
    }
    *dir = str_dup(buf);
    if (*dir == NULL) {
        return -1;
    }
    const char *b = path_basename(path);
    if (*b == '\0') {
        free(*dir);
        return -1;
    }
    *base = str_dup(b);
    if (*base == NULL) {
        free(*dir);
        *dir = NULL;
        return -1;
    }
    return 0;
}
