/* strutil.h - string helpers: bounded copies, splitting, joining, trimming, repeating. */
#ifndef STRUTIL_H
#define STRUTIL_H

#include <stddef.h>

/** Copy src into dst (size bytes), always NUL-terminating when size > 0. Returns strlen(src); the copy was truncated if that is >= size. */
size_t str_lcpy(char *dst, const char *src, size_t size);

/** Append src to the NUL-terminated dst (size bytes in total). Returns the length it tried to create; truncated if >= size. */
size_t str_lcat(char *dst, const char *src, size_t size);

/** A newly allocated copy of s, or NULL. */
char *str_dup(const char *s);

/**
 * Split s at every `sep` into newly allocated fields (empty fields are kept, so
 * "a,,b" gives 3). Returns a NULL-terminated array and sets *count, or NULL if s
 * has more than max_fields fields or memory runs out; nothing stays allocated then.
 */
char **str_split(const char *s, char sep, size_t max_fields, size_t *count);

/** Free an array returned by str_split. NULL is allowed. */
void str_split_free(char **fields);

/** Join n strings with sep between them. n == 0 gives "". NULL only if memory runs out. */
char *str_join(const char *const *parts, size_t n, const char *sep);

/** Trim ASCII whitespace at both ends, in place. Returns s. */
char *str_trim(char *s);

int str_starts_with(const char *s, const char *prefix);
int str_ends_with(const char *s, const char *suffix);

/** s repeated n times, newly allocated. NULL if the length would overflow size_t or memory runs out. */
char *str_repeat(const char *s, size_t n);

#endif /* STRUTIL_H */
