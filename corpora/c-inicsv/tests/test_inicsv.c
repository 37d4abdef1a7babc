/* test_inicsv.c - unit tests for the arena, the INI parser and the CSV parsers. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "csv.h"
#include "ini.h"

static void test_arena(void)
{
    arena_t a;
    assert(arena_init(&a, 0) == -1);
    assert(arena_init(&a, 64) == 0);
    char *s = arena_strdup(&a, "hello");
    assert(strcmp(s, "hello") == 0);
    void *p = arena_alloc(&a, 3);
    assert(((uintptr_t)p % ARENA_ALIGN) == 0);
    assert(arena_used(&a) == 16);
    char *t = arena_strndup(&a, "abcdef", 3);
    assert(strcmp(t, "abc") == 0);
    arena_reset(&a);
    assert(arena_used(&a) == 0);
    char *u = arena_strdup(&a, "again");
    assert(strcmp(u, "again") == 0);
    arena_free(&a);
}

static void test_arena_many_blocks(void)
{
    arena_t a;
    assert(arena_init(&a, 32) == 0);
    for (int i = 0; i < 20; i++) {
        char *s = arena_strdup(&a, "twelve bytes");
        assert(strcmp(s, "twelve bytes") == 0);
    }
    assert(a.blocks > 1);
    arena_free(&a);
}

static const char *CONFIG =
    "; sample\n"
    "name = demo\n"
    "[server]\n"
    "host = example.org\n"
    "port = 8080\n"
    "offset = -12\n"
    "debug = Yes\n"
    "buffer = 64k\n"
    "[SERVER]\n"
    "host = override.example\n"
    "[empty]\n";

static void test_ini(void)
{
    ini_doc_t *doc = NULL;
    int line = 0;
    assert(ini_parse(CONFIG, &doc, &line) == INI_OK && doc != NULL);
    assert(doc->nsections == 3);
    assert(strcmp(ini_get(doc, "", "name"), "demo") == 0);
    assert(strcmp(ini_get(doc, "Server", "host"), "override.example") == 0);
    assert(ini_get(doc, "nope", "host") == NULL);

    int port = 0;
    assert(ini_get_int(doc, "server", "port", &port) == INI_OK && port == 8080);
    assert(ini_get_int(doc, "server", "offset", &port) == INI_OK && port == -12);
    assert(ini_get_int(doc, "server", "host", &port) == INI_EINVAL);
    assert(ini_get_int(doc, "server", "missing", &port) == INI_ENOTFOUND);

    size_t size = 0;
    assert(ini_get_size(doc, "server", "buffer", &size) == INI_OK && size == 65536);
    assert(ini_get_size(doc, "server", "host", &size) == INI_EINVAL);

    assert(ini_get_bool(doc, "server", "debug", 0) == 1);
    assert(ini_get_bool(doc, "server", "host", 7) == 7);
    assert(ini_section_size(doc, "server") == 5);
    assert(ini_section_size(doc, "empty") == 0);
    assert(ini_section_size(doc, "none") == -1);
    ini_free(doc);

    assert(ini_parse("a = 1\njust words\n", &doc, &line) == INI_ESYNTAX);
    assert(doc == NULL && line == 2);
    assert(ini_parse("= value\n", &doc, &line) == INI_ESYNTAX && line == 1);
}

static void test_csv_line(void)
{
    char line[] = "a,b,,d\n";
    char *fields[8];
    assert(csv_parse_line(line, fields, 8) == 4);
    assert(strcmp(fields[0], "a") == 0 && strcmp(fields[2], "") == 0 && strcmp(fields[3], "d") == 0);
}

static void test_csv_record(void)
{
    csv_record_t rec = { NULL, 0 };
    assert(csv_parse_record("1,\"Smith, J\",\"say \"\"hi\"\"\",x\r\n", &rec) == 4);
    assert(strcmp(csv_field(&rec, 0), "1") == 0);
    assert(strcmp(csv_field(&rec, 1), "Smith, J") == 0);
    assert(strcmp(csv_field(&rec, 2), "say \"hi\"") == 0);
    assert(strcmp(csv_field(&rec, 3), "x") == 0);
    assert(csv_field(&rec, 4) == NULL);
    csv_record_free(&rec);

    long v = 0;
    assert(csv_field_to_long(" 42 ", &v) == 0 && v == 42);
    assert(csv_field_to_long("-7", &v) == 0 && v == -7);
    assert(csv_field_to_long("4x", &v) == -1);
    assert(csv_field_to_long("99999999999999999999", &v) == -1);
}

int main(void)
{
    test_arena();
    test_arena_many_blocks();
    test_ini();
    test_csv_line();
    test_csv_record();
    printf("test_inicsv: all tests passed\n");
    return 0;
}
