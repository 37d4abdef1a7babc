/* csv.h - comma-separated values: a fast in-place splitter and a quote-aware record parser. */
#ifndef CSV_H
#define CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 32

typedef struct {
    char **fields; /* each malloc'd */
    size_t count;
} csv_record_t;

/**
 * Split a line without quotes in place at ',' (the trailing newline is
 * dropped). Stores at most max_fields pointers into fields and returns the
 * number of fields, or -1 if the line has more than max_fields fields.
 */
int csv_parse_line(char *line, char **fields, size_t max_fields);

/**
 * Parse one line with RFC 4180 quoting ("a ""quoted"" field", commas inside
 * quotes). Returns the number of fields, or -1 for an unterminated quote or
 * too many fields. On error rec->fields is NULL and rec->count is 0, so
 * csv_record_free(rec) is always safe.
 */
int csv_parse_record(const char *line, csv_record_t *rec);

/** Free the fields of rec and reset it. */
void csv_record_free(csv_record_t *rec);

/** Field idx of rec, or NULL if idx >= rec->count. */
const char *csv_field(const csv_record_t *rec, size_t idx);

/**
 * Parse a whole field as a decimal long (surrounding spaces allowed).
 * Returns 0, or -1 if the field is empty, not a number, or out of range.
 */
int csv_field_to_long(const char *field, long *out);

#endif /* CSV_H */
