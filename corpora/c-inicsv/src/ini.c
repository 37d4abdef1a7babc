/* ini.c - INI parser and typed getters; every node and string lives in the document's arena. */
#include "ini.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ASCII case-insensitive equality. */
static int name_equal(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) {
            return 0;
        }
        a++;
        b++;
    }
    return *a == *b;
}

/* Trim spaces and tabs around [*start, *end). */
static void trim_range(const char **start, const char **end)
{
    while (*start < *end && (**start == ' ' || **start == '\t')) {
        (*start)++;
    }
    while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t' || (*end)[-1] == '\r')) {
        (*end)--;
    }
}

static ini_section_t *find_section(const ini_doc_t *doc, const char *name)
{
    for (ini_section_t *s = doc->sections; s != NULL; s = s->next) {
        if (name_equal(s->name, name)) {
            return s;
        }
    }
    return NULL;
}

static ini_entry_t *find_entry(const ini_section_t *sec, const char *key)
{
    for (ini_entry_t *e = sec->entries; e != NULL; e = e->next) {
        if (strcmp(e->key, key) == 0) {
            return e;
        }
    }
    return NULL;
}

static ini_section_t *add_section(ini_doc_t *doc, const char *name, size_t len)
{
    char *copy = arena_strndup(&doc->arena, name, len);
    if (copy == NULL) {
        return NULL;
    }
    ini_section_t *existing = find_section(doc, copy);
    if (existing != NULL) {
        return existing;
    }
    ini_section_t *sec = arena_alloc(&doc->arena, sizeof *sec);
    if (sec == NULL) {
        return NULL;
    }
    sec->name = copy;
    sec->entries = NULL;
    /* Append so sections keep file order. */
    sec->next = NULL;
    ini_section_t **tail = &doc->sections;
    while (*tail != NULL) {
        tail = &(*tail)->next;
    }
    *tail = sec;
    doc->nsections++;
    return sec;
}

static int add_entry(ini_doc_t *doc, ini_section_t *sec, const char *key, size_t klen, const char *value, size_t vlen)
{
    char *k = arena_strndup(&doc->arena, key, klen);
    char *v = arena_strndup(&doc->arena, value, vlen);
    if (k == NULL || v == NULL) {
        return INI_ENOMEM;
    }
    ini_entry_t *e = find_entry(sec, k);
    if (e != NULL) {
        e->value = v;
        return INI_OK;
    }
    e = arena_alloc(&doc->arena, sizeof *e);
    if (e == NULL) {
        return INI_ENOMEM;
    }
    e->key = k;
    e->value = v;
    e->next = sec->entries;
    sec->entries = e;
    return INI_OK;
}

void ini_free(ini_doc_t *doc)
{
    if (doc == NULL) {
        return;
    }
    arena_free(&doc->arena);
    free(doc);
}

int ini_parse(const char *text, ini_doc_t **out, int *err_line)
{
    *out = NULL;
    ini_doc_t *doc = calloc(1, sizeof *doc);
    if (doc == NULL) {
        return INI_ENOMEM;
    }
    if (arena_init(&doc->arena, INI_ARENA_BLOCK) != 0) {
        free(doc);
        return INI_ENOMEM;
    }
    ini_section_t *current = add_section(doc, "", 0);
    if (current == NULL) {
        ini_free(doc);
        return INI_ENOMEM;
    }

    int lineno = 0;
    const char *p = text;
    while (*p != '\0') {
        const char *eol = strchr(p, '\n');
        const char *end = eol != NULL ? eol : p + strlen(p);
        const char *start = p;
        p = eol != NULL ? eol + 1 : end;
        lineno++;

        trim_range(&start, &end);
        if (start == end || *start == ';' || *start == '#') {
            continue;
        }
        if (*start == '[') {
            if (end[-1] != ']' || end - start < 3) {
                *err_line = lineno;
                return INI_ESYNTAX;
            }
            const char *nstart = start + 1;
            const char *nend = end - 1;
            trim_range(&nstart, &nend);
            current = add_section(doc, nstart, (size_t)(nend - nstart));
            if (current == NULL) {
                ini_free(doc);
                return INI_ENOMEM;
            }
            continue;
        }
        const char *eq = memchr(start, '=', (size_t)(end - start));
        if (eq == NULL) {
            *err_line = lineno;
            ini_free(doc);
            return INI_ESYNTAX;
        }
        const char *kend = eq;
        const char *vstart = eq + 1;
        trim_range(&start, &kend);
        trim_range(&vstart, &end);
        if (start == kend) {
            *err_line = lineno;
            ini_free(doc);
            return INI_ESYNTAX;
        }
        if (add_entry(doc, current, start, (size_t)(kend - start), vstart, (size_t)(end - vstart)) != INI_OK) {
            ini_free(doc);
            return INI_ENOMEM;
        }
    }
    *out = doc;
    return INI_OK;
}

const char *ini_get(const ini_doc_t *doc, const char *section, const char *key)
{
    const ini_section_t *sec = find_section(doc, section);
    if (sec == NULL) {
        return NULL;
    }
    const ini_entry_t *e = find_entry(sec, key);
    return e != NULL ? e->value : NULL;
}

int ini_get_int(const ini_doc_t *doc, const char *section, const char *key, int *out)
{
    const char *v = ini_get(doc, section, key);
    if (v == NULL) {
        return INI_ENOTFOUND;
    }
    int negative = 0;
    if (*v == '-' || *v == '+') {
        negative = *v == '-';
        v++;
    }
    if (!isdigit((unsigned char)*v)) {
        return INI_EINVAL;
    }
    int result = 0;
    for (; *v != '\0'; v++) {
        if (!isdigit((unsigned char)*v)) {
            return INI_EINVAL;
        }
        result = result * 10 + (*v - '0');
    }
    *out = negative ? -result : result;
    return INI_OK;
}

int ini_get_size(const ini_doc_t *doc, const char *section, const char *key, size_t *out)
{
    const char *v = ini_get(doc, section, key);
    if (v == NULL) {
        return INI_ENOTFOUND;
    }
    if (!isdigit((unsigned char)*v)) {
        return INI_EINVAL;
    }
    size_t result = 0;
    for (; isdigit((unsigned char)*v); v++) {
        size_t digit = (size_t)(*v - '0');
        if (result > (SIZE_MAX - digit) / 10) {
            return INI_ERANGE;
        }
        result = result * 10 + digit;
    }
    size_t scale = 1;
    if (*v == 'k' || *v == 'K') {
        scale = 1024;
        v++;
    } else if (*v == 'm' || *v == 'M') {
        scale = 1024 * 1024;
        v++;
    }
    if (*v != '\0') {
        return INI_EINVAL;
    }
    if (result > SIZE_MAX / scale) {
        return INI_ERANGE;
    }
    *out = result * scale;
    return INI_OK;
}

int ini_get_bool(const ini_doc_t *doc, const char *section, const char *key, int def)
{
    const char *v = ini_get(doc, section, key);
    static const char *const truthy[] = { "true", "yes", "on", "1" };
    static const char *const falsy[] = { "false", "no", "off", "0" };
    for (size_t i = 0; i < 4; i++) {
        if (name_equal(v, truthy[i])) {
            return 1;
        }
        if (name_equal(v, falsy[i])) {
            return 0;
        }
    }
    return def;
}

int ini_section_size(const ini_doc_t *doc, const char *section)
{
    const ini_section_t *sec = find_section(doc, section);
    if (sec == NULL) {
        return -1;
    }
    int n = 0;
    for (const ini_entry_t *e = sec->entries; e != NULL; e = e->next) {
        n++;
    }
    return n;
}
