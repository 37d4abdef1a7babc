/* ini.h - INI configuration files: [sections] of key = value pairs. */
#ifndef INI_H
#define INI_H

#include <stddef.h>

#include "arena.h"

#define INI_MAX_LINE 512
#define INI_ARENA_BLOCK 1024

enum {
    INI_OK = 0,
    INI_ESYNTAX = -1,
    INI_ENOTFOUND = -2,
    INI_EINVAL = -3,
    INI_ERANGE = -4,
    INI_ENOMEM = -5
};

typedef struct ini_entry {
    const char *key;
    const char *value;
    struct ini_entry *next;
} ini_entry_t;

typedef struct ini_section {
    const char *name; /* "" for keys before the first [section] */
    ini_entry_t *entries;
    struct ini_section *next;
} ini_section_t;

typedef struct {
    arena_t arena; /* owns every string and node of the document */
    ini_section_t *sections;
    size_t nsections;
} ini_doc_t;

/**
 * Parse INI text. Lines are "[section]", "key = value", blank, or comments
 * starting with ';' or '#'. A key repeated within a section keeps the last
 * value. Returns INI_OK and sets *out, or INI_ESYNTAX with *err_line set to
 * the 1-based line, or INI_ENOMEM. On error *out is NULL and nothing stays
 * allocated.
 */
int ini_parse(const char *text, ini_doc_t **out, int *err_line);

/** Free a document. NULL is allowed. */
void ini_free(ini_doc_t *doc);

/**
 * The value of key in section ("" for the global section), or NULL if either
 * is absent. Section and key names are compared case-insensitively.
 */
const char *ini_get(const ini_doc_t *doc, const char *section, const char *key);

/**
 * Read an int. INI_OK, INI_ENOTFOUND, INI_EINVAL if the value is not a decimal
 * integer, or INI_ERANGE if it does not fit in an int (*out untouched on error).
 */
int ini_get_int(const ini_doc_t *doc, const char *section, const char *key, int *out);

/**
 * Read a size in bytes with an optional k/m suffix ("64k"). INI_OK,
 * INI_ENOTFOUND, INI_EINVAL or INI_ERANGE (*out untouched on error).
 */
int ini_get_size(const ini_doc_t *doc, const char *section, const char *key, size_t *out);

/**
 * Read a boolean: true/yes/on/1 or false/no/off/0 (any case). Returns 1 or 0,
 * or `def` when the key is absent or the value is none of those.
 */
int ini_get_bool(const ini_doc_t *doc, const char *section, const char *key, int def);

/** Number of entries in section, or -1 if the section is absent. */
int ini_section_size(const ini_doc_t *doc, const char *section);

#endif /* INI_H */
