/* main.c - csvsum: sums numeric CSV columns read from stdin. The columns to sum
 * and the parsing options come from an INI file given as the first argument:
 *
 *   [input]
 *   skip_header = yes
 *   max_rows = 1000
 *   [columns]
 *   sum = 2          ; 0-based index of the column to sum
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "csv.h"
#include "ini.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = malloc(65536);
    if (buf == NULL) {
        fclose(f);
        return NULL;
    }
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CONFIG.ini < data.csv\n", argv[0]);
        return 2;
    }
    char *text = slurp(argv[1]);
    if (text == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    ini_doc_t *cfg = NULL;
    int err_line = 0;
    /* ini_parse leaves nothing allocated on error, so only text needs freeing. */
    if (ini_parse(text, &cfg, &err_line) != INI_OK) {
        fprintf(stderr, "%s:%d: syntax error\n", argv[1], err_line);
        free(text);
        return 2;
    }
    free(text);

    int skip_header = ini_get_bool(cfg, "input", "skip_header", 0); /* absent means no */
    int max_rows = 0;
    if (ini_get_int(cfg, "input", "max_rows", &max_rows) != INI_OK || max_rows <= 0) {
        max_rows = 1 << 20;
    }
    int column = 0;
    if (ini_get_int(cfg, "columns", "sum", &column) != INI_OK || column < 0) {
        fprintf(stderr, "[columns] sum must be a column index\n");
        ini_free(cfg);
        return 2;
    }

    arena_t scratch;
    if (arena_init(&scratch, 256) != 0) {
        ini_free(cfg);
        return 2;
    }
    char line[1024];
    long total = 0;
    int rows = 0;
    int skipped = 0;
    while (rows < max_rows && fgets(line, sizeof line, stdin) != NULL) {
        if (skip_header) {
            skip_header = 0;
            continue;
        }
        const char *value = NULL;
        csv_record_t rec = { NULL, 0 };
        char *simple[CSV_MAX_FIELDS];
        if (strchr(line, '"') == NULL) {
            /* Fast path: csv_parse_line never stores more than CSV_MAX_FIELDS pointers. */
            int n = csv_parse_line(line, simple, CSV_MAX_FIELDS);
            if (n > column) {
                value = arena_strdup(&scratch, simple[column]);
            }
        } else if (csv_parse_record(line, &rec) > column) {
            value = arena_strdup(&scratch, csv_field(&rec, (size_t)column));
        }
        csv_record_free(&rec);

        long v = 0;
        /* csv_field_to_long rejects empty fields, which are counted as skipped. */
        if (value != NULL && csv_field_to_long(value, &v) == 0) {
            total += v;
        } else {
            skipped++;
        }
        rows++;
        arena_reset(&scratch); /* the copies of this row are no longer needed */
    }
    printf("rows=%d skipped=%d total=%ld\n", rows, skipped, total);
    arena_free(&scratch);
    ini_free(cfg);
    return 0;
}
