/* pathutil.h - lexical path manipulation (no file system access). */
#ifndef PATHUTIL_H
#define PATHUTIL_H

#include <stddef.h>

#define PATH_MAX_LEN 256
#define PATH_MAX_SEGMENTS 64

/** Whether path starts with '/'. */
int path_is_absolute(const char *path);

/** The part after the last '/', pointing into path ("" if path ends with '/'). */
const char *path_basename(const char *path);

/**
 * Copy the base name of path into out (cap bytes). Returns its length, or -1
 * if it does not fit (out is untouched then).
 */
int path_basename_copy(const char *path, char *out, size_t cap);

/**
 * Write the directory part of path into out (cap bytes): "a/b" -> "a",
 * "a" -> ".", "/a" -> "/", trailing slashes ignored. Returns its length, or -1
 * if it does not fit (out is untouched then).
 */
int path_dirname(const char *path, char *out, size_t cap);

/**
 * The extension of the base name including the dot ("x.tar.gz" -> ".gz"), or
 * "" if there is none. Dot files such as ".bashrc" have no extension.
 */
const char *path_extension(const char *path);

/**
 * Join base and name with exactly one '/'. base may be NULL or "" meaning the
 * current directory: the result is then a copy of name. A new string, or NULL
 * if memory runs out.
 */
char *path_join(const char *base, const char *name);

/**
 * Normalize lexically: collapse repeated '/', drop "." segments, resolve ".."
 * against the previous segment (kept at the start of a relative path, dropped
 * at the root). A path that reduces to nothing gives "." (or "/" if absolute).
 * A new string, or NULL if memory runs out or the path has more than
 * PATH_MAX_SEGMENTS fields between '/' (empty ones, as in "a//b" or the one
 * before a leading '/', count too).
 */
char *path_normalize(const char *path);

/**
 * Split path into newly allocated directory and base-name strings. Returns 0,
 * or -1 if path has no base name (it is empty or ends with '/') or memory runs
 * out; on failure *dir and *base are both NULL.
 */
int path_split(const char *path, char **dir, char **base);

#endif /* PATHUTIL_H */
