/* main.c - pathinfo: prints the normalized form and the parts of every path
 * given on the command line. With $PATHINFO_BASE set, relative paths are
 * first joined onto it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathutil.h"
#include "strutil.h"

static int describe(const char *arg)
{
    /* path_join accepts a NULL base (the variable may be unset). */
    char *full = path_is_absolute(arg) ? str_dup(arg) : path_join(getenv("PATHINFO_BASE"), arg);
    if (full == NULL) {
        fprintf(stderr, "out of memory\n");
        return -1;
    }
    char *norm = path_normalize(full);
    char dir[PATH_MAX_LEN];
    char *d = NULL;
    char *b = NULL;

    printf("path:      %s\n", full);
    printf("normal:    %s\n", norm != NULL ? norm : "(too long)");
    if (path_dirname(full, dir, sizeof dir) >= 0) {
        printf("dirname:   %s\n", dir);
    }
    printf("extension: %s\n", path_extension(full));
    if (path_split(full, &d, &b) == 0) {
        printf("split:     [%s] [%s]\n", d, b);
    } else {
        printf("split:     (no base name)\n");
    }
    /* path_split leaves both outputs NULL on failure, so this is safe either way. */
    free(d);
    free(b);

    char label[24];
    if (str_lcpy(label, path_basename(full), sizeof label) >= sizeof label) {
        str_lcpy(label + sizeof label - 4, "...", 4);
    }
    char *rule = str_repeat("-", strlen(label));
    printf("%s\n%s\n\n", label, rule != NULL ? rule : "");
    free(rule);
    free(norm);
    free(full);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH...\n", argv[0]);
        return 2;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        char *arg = str_dup(argv[i]);
        if (arg == NULL) {
            return 2;
        }
        if (describe(str_trim(arg)) != 0) {
            status = 1;
        }
        free(arg);
    }
    return status;
}
