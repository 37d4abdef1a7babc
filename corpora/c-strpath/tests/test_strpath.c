/* test_strpath.c - unit tests for strbuf, strutil and pathutil. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathutil.h"
#include "strbuf.h"
#include "strutil.h"

static void test_strbuf(void)
{
    strbuf_t sb = STRBUF_INIT;
    assert(sb_append(&sb, "hello") == 0);
    assert(sb_append_char(&sb, ' ') == 0);
    assert(sb_append(&sb, "world") == 0);
    assert(sb.len == 11 && strcmp(sb.data, "hello world") == 0);
    assert(sb_insert(&sb, 5, ",", 1) == 0 && strcmp(sb.data, "hello, world") == 0);
    assert(sb_insert(&sb, 99, "x", 1) == -1);
    sb_truncate(&sb, 5);
    assert(strcmp(sb.data, "hello") == 0);
    assert(sb_append_n(&sb, sb.data, 2) == 0 && strcmp(sb.data, "hellohe") == 0);
    char *s = sb_detach(&sb);
    assert(strcmp(s, "hellohe") == 0 && sb.data == NULL && sb.len == 0);
    free(s);
    sb_free(&sb);
}

static void test_copies(void)
{
    char buf[8];
    assert(str_lcpy(buf, "abc", sizeof buf) == 3 && strcmp(buf, "abc") == 0);
    assert(str_lcat(buf, "def", sizeof buf) == 6 && strcmp(buf, "abcdef") == 0);
    assert(str_lcat(buf, "ghijk", sizeof buf) == 11 && strcmp(buf, "abcdefg") == 0);
    char *d = str_dup("copy");
    assert(strcmp(d, "copy") == 0);
    free(d);
}

static void test_split_join(void)
{
    size_t n = 0;
    char **f = str_split("a,,b", ',', 8, &n);
    assert(f != NULL && n == 3);
    assert(strcmp(f[0], "a") == 0 && strcmp(f[1], "") == 0 && strcmp(f[2], "b") == 0 && f[3] == NULL);
    char *j = str_join((const char *const *)f, n, "+");
    assert(strcmp(j, "a++b") == 0);
    free(j);
    str_split_free(f);

    char text[] = "  padded\t\n";
    assert(strcmp(str_trim(text), "padded") == 0);
    assert(str_starts_with("prefix-rest", "prefix"));
    assert(!str_starts_with("pre", "prefix"));
    assert(str_ends_with("file.c", ".c"));
    assert(!str_ends_with("c", "file.c"));

    char *r = str_repeat("ab", 3);
    assert(strcmp(r, "ababab") == 0);
    free(r);
    r = str_repeat("xyz", 0);
    assert(strcmp(r, "") == 0);
    free(r);
}

static void test_paths(void)
{
    char out[PATH_MAX_LEN];
    assert(path_dirname("a/b", out, sizeof out) == 1 && strcmp(out, "a") == 0);
    assert(path_dirname("a", out, sizeof out) == 1 && strcmp(out, ".") == 0);
    assert(path_dirname("/a", out, sizeof out) == 1 && strcmp(out, "/") == 0);
    assert(path_dirname("/usr//lib/", out, sizeof out) == 4 && strcmp(out, "/usr") == 0);
    assert(strcmp(path_basename("/usr/lib"), "lib") == 0);
    assert(path_basename_copy("dir/name.txt", out, 4) == -1);
    assert(path_basename_copy("dir/name.txt", out, sizeof out) == 8 && strcmp(out, "name.txt") == 0);

    assert(strcmp(path_extension("x.tar.gz"), ".gz") == 0);
    assert(strcmp(path_extension("Makefile"), "") == 0);
    assert(strcmp(path_extension(".bashrc"), "") == 0);

    char *j = path_join("/usr/", "/bin");
    assert(strcmp(j, "/usr/bin") == 0);
    free(j);
    j = path_join("", "rel");
    assert(strcmp(j, "rel") == 0);
    free(j);

    char *n = path_normalize("a//b/./c/../d/");
    assert(strcmp(n, "a/b/d") == 0);
    free(n);
    n = path_normalize("/../x/../y");
    assert(strcmp(n, "/y") == 0);
    free(n);
    n = path_normalize("../../y");
    assert(strcmp(n, "../../y") == 0);
    free(n);

    char *d = NULL;
    char *b = NULL;
    assert(path_split("src/main.c", &d, &b) == 0);
    assert(strcmp(d, "src") == 0 && strcmp(b, "main.c") == 0);
    free(d);
    free(b);
}

int main(void)
{
    test_strbuf();
    test_copies();
    test_split_join();
    test_paths();
    printf("test_strpath: all tests passed\n");
    return 0;
}
