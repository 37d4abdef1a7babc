/* main.c - kvd: a line-oriented key-value store. Reads commands from stdin,
 * optionally after loading a "key=value" file given with --load FILE, and
 * prints one reply per command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "store.h"

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096;
    size_t len = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) {
            break;
        }
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf != NULL) {
        buf[len] = '\0';
    }
    return buf;
}

int main(int argc, char **argv)
{
    kvstore_t *store = store_open();
    if (store == NULL) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    if (argc > 2 && strcmp(argv[1], "--load") == 0) {
        char *text = read_file(argv[2]);
        int bad_line = 0;
        if (text == NULL) {
            fprintf(stderr, "cannot read %s\n", argv[2]);
            store_close(store);
            return 2;
        }
        /* On error persist_load keeps what it loaded and holds no memory, so carry on. */
        int n = persist_load(store, text, &bad_line);
        if (n < 0) {
            fprintf(stderr, "%s:%d: malformed line, loading stopped\n", argv[2], bad_line);
        }
        free(text);
    }

    char line[512];
    char reply[PROTO_REPLY_MAX];
    while (fgets(line, sizeof line, stdin) != NULL) {
        proto_execute(store, line, reply, sizeof reply);
        /* Every reply is NUL-terminated by the formatter that wrote it. */
        fputs(reply, stdout);
    }
    store_close(store);
    return 0;
}
