/* csv.c - CSV line splitting and quote-aware record parsing. */
#include "csv.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int csv_parse_line(char *line, char **fields, size_t max_fields)
{
    line[strcspn(line, "\r\n")] = '\0';
    size_t n = 0;
    char *start = line;
    for (;;) {
        if (n > max_fields) {
            return -1;
        }
        fields[n++] = start;
        char *comma = strchr(start, ',');
        if (comma == NULL) {
            break;
        }
        *comma = '\0';
        start = comma + 1;
    }
    return (int)n;
}

/*
 * Read one field starting at *pp into out (which has room for the raw field
 * length + 1) and advance *pp past the field and its separator. Returns 1 if
 * another field follows, 0 at the end of the line, or -1 for an unterminated
 * quote.
 */
static int read_field(const char **pp, char *out)
{
    const char *p = *pp;
    size_t n = 0;
    if (*p == '"') {
        p++;
        for (;;) {
            if (*p == '\0' || *p == '\n' || *p == '\r') {
                return -1;
            }
            if (*p == '"') {
                if (p[1] == '"') {
                    out[n++] = '"';
                    p += 2;
                    continue;
                }
                p++;
                break;
            }
            out[n++] = *p++;
        }
        /* Anything between the closing quote and the separator is kept verbatim. */
        while (*p != '\0' && *p != ',' && *p != '\n' && *p != '\r') {
            out[n++] = *p++;
        }
    } else {
        while (*p != '\0' && *p != ',' && *p != '\n' && *p != '\r') {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    if (*p == ',') {
        *pp = p + 1;
        return 1;
    }
    *pp = p;
    return 0;
}

void csv_record_free(csv_record_t *rec)
{
    if (rec->fields != NULL) {
        for (size_t i = 0; i < rec->count; i++) {
            free(rec->fields[i]);
        }
        free(rec->fields);
    }
    rec->fields = NULL;
    rec->count = 0;
}

int csv_parse_record(const char *line, csv_record_t *rec)
{
    size_t linelen = strlen(line);
    rec->count = 0;
    rec->fields = calloc(CSV_MAX_FIELDS, sizeof *rec->fields);
    if (rec->fields == NULL) {
        return -1;
    }
    const char *p = line;
    for (;;) {
        if (rec->count == CSV_MAX_FIELDS) {
            csv_record_free(rec);
            return -1;
        }
        /* A field is never longer than the rest of the line. */
        char *field = malloc(linelen + 1);
        if (field == NULL) {
            csv_record_free(rec);
            return -1;
        }
        int more = read_field(&p, field);
        if (more < 0) {
            free(field);
            for (size_t i = 0; i < rec->count; i++) {
                free(rec->fields[i]);
            }
            free(rec->fields);
            rec->count = 0;
            return -1;
        }
        rec->fields[rec->count++] = field;
        if (more == 0) {
            break;
        }
    }
    return (int)rec->count;
}

const char *csv_field(const csv_record_t *rec, size_t idx)
{
    if (idx >= rec->count) {
        return NULL;
    }
    return rec->fields[idx];
}

int csv_field_to_long(const char *field, long *out)
{
    while (isspace((unsigned char)*field)) {
        field++;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(field, &end, 10);
    while (isspace((unsigned char)*end)) {
        end++;
    }
    if (*end != '\0' || errno == ERANGE) {
        return -1;
    }
    *out = v;
    return 0;
}
