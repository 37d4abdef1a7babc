/* proto.c - parsing of protocol command lines and formatting of replies. */
#include "proto.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int token_char(int c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '-';
}

int proto_valid_token(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (!token_char((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static char *next_word(char **cursor)
{
    char *p = *cursor;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (*p == '\0') {
        *cursor = p;
        return NULL;
    }
    char *start = p;
    while (*p != '\0' && *p != ' ' && *p != '\t') {
        p++;
    }
    if (*p != '\0') {
        *p++ = '\0';
    }
    *cursor = p;
    return start;
}

static const struct {
    const char *name;
    cmd_kind_t kind;
    int needs_arg;
} COMMANDS[] = {
    { "GET", CMD_GET, 0 },       { "SET", CMD_SET, 1 },         { "DEL", CMD_DEL, 0 },
    { "INCR", CMD_INCR, 1 },     { "APPEND", CMD_APPEND, 1 },   { "RENAME", CMD_RENAME, 1 },
    { "COUNT", CMD_COUNT, 0 },
};

int proto_parse_line(char *line, command_t *cmd)
{
    size_t n = strcspn(line, "\r\n");
    line[n] = '\0';

    char *cursor = line;
    char *verb = next_word(&cursor);
    if (verb == NULL) {
        return -1;
    }
    size_t i;
    size_t ncommands = sizeof COMMANDS / sizeof COMMANDS[0];
    for (i = 0; i < ncommands; i++) {
        if (strcmp(verb, COMMANDS[i].name) == 0) {
            break;
        }
    }
    if (i == ncommands) {
        return -1;
    }
    cmd->kind = COMMANDS[i].kind;
    cmd->key = NULL;
    cmd->arg = NULL;
    if (cmd->kind == CMD_COUNT) {
        return 0;
    }

    cmd->key = next_word(&cursor);
    if (cmd->key == NULL || !proto_valid_token(cmd->key, strlen(cmd->key), KV_MAX_VALUE)) {
        return -1;
    }
    if (COMMANDS[i].needs_arg) {
        /* SET and APPEND take the rest of the line (spaces included) as the value. */
        while (*cursor == ' ' || *cursor == '\t') {
            cursor++;
        }
        if (*cursor == '\0') {
            return -1;
        }
        cmd->arg = cursor;
        if (cmd->kind == CMD_RENAME && !proto_valid_token(cmd->arg, strlen(cmd->arg), KV_MAX_KEY)) {
            return -1;
        }
    }
    return 0;
}

int proto_format_value(char *out, size_t cap, const char *value)
{
    static const char prefix[] = "VALUE ";
    size_t plen = sizeof prefix - 1;
    size_t vlen = strlen(value);
    size_t need = plen + vlen + 1; /* prefix, value, newline */
    if (need > cap) {
        return -1;
    }
    memcpy(out, prefix, plen);
    memcpy(out + plen, value, vlen);
    out[plen + vlen] = '\n';
    out[need] = '\0';
    return (int)need;
}

int proto_format_error(char *out, size_t cap, const char *message)
{
    static const char prefix[] = "ERR ";
    size_t plen = sizeof prefix - 1;
    size_t mlen = strlen(message);
    size_t need = plen + mlen + 2; /* prefix, message, newline, NUL */
    if (need > cap) {
        return -1;
    }
    memcpy(out, prefix, plen);
    memcpy(out + plen, message, mlen);
    out[plen + mlen] = '\n';
    out[plen + mlen + 1] = '\0';
    return (int)(need - 1);
}

static void reply_status(char *out, size_t cap, int rc)
{
    switch (rc) {
    case KV_OK:
        snprintf(out, cap, "OK\n");
        break;
    case KV_ENOTFOUND:
        snprintf(out, cap, "NOT_FOUND\n");
        break;
    case KV_EEXIST:
        proto_format_error(out, cap, "key exists");
        break;
    case KV_ERANGE:
        proto_format_error(out, cap, "out of range");
        break;
    case KV_EINVAL:
        proto_format_error(out, cap, "not an integer");
        break;
    default:
        proto_format_error(out, cap, "internal error");
        break;
    }
}

int proto_execute(kvstore_t *s, char *line, char *out, size_t cap)
{
    command_t cmd;
    if (proto_parse_line(line, &cmd) != 0) {
        proto_format_error(out, cap, "bad command");
        return -1;
    }
    switch (cmd.kind) {
    case CMD_GET: {
        const char *v = store_get(s, cmd.key);
        if (v == NULL) {
            reply_status(out, cap, KV_ENOTFOUND);
        } else if (proto_format_value(out, cap, v) < 0) {
            proto_format_error(out, cap, "value too long");
        }
        break;
    }
    case CMD_SET:
        reply_status(out, cap, store_set(s, cmd.key, cmd.arg));
        break;
    case CMD_DEL:
        /* store_del reports KV_ENOTFOUND for absent keys, so clients see NOT_FOUND. */
        reply_status(out, cap, store_del(s, cmd.key));
        break;
    case CMD_INCR: {
        char *end = NULL;
        long delta = strtol(cmd.arg, &end, 10);
        long result = 0;
        if (end == cmd.arg || *end != '\0') {
            reply_status(out, cap, KV_EINVAL);
            break;
        }
        int rc = store_incr(s, cmd.key, delta, &result);
        if (rc == KV_OK) {
            snprintf(out, cap, "VALUE %ld\n", result);
        } else {
            reply_status(out, cap, rc);
        }
        break;
    }
    case CMD_APPEND:
        reply_status(out, cap, store_append(s, cmd.key, cmd.arg));
        break;
    case CMD_RENAME:
        reply_status(out, cap, store_rename(s, cmd.key, cmd.arg));
        break;
    case CMD_COUNT:
        snprintf(out, cap, "VALUE %zu\n", store_count(s));
        break;
    }
    return 0;
}
