/* proto.h - the line protocol of the store: parsing commands and formatting replies. */
#ifndef PROTO_H
#define PROTO_H

#include <stddef.h>

#include "store.h"

#define PROTO_REPLY_MAX 300

typedef enum { CMD_GET, CMD_SET, CMD_DEL, CMD_INCR, CMD_APPEND, CMD_RENAME, CMD_COUNT } cmd_kind_t;

typedef struct {
    cmd_kind_t kind;
    char *key; /* points into the parsed line */
    char *arg; /* second operand or NULL */
} command_t;

/** Whether s[0..len) is a valid token: 1..max bytes of [A-Za-z0-9_.-]. */
int proto_valid_token(const char *s, size_t len, size_t max);

/**
 * Parse one command line in place (the line is modified). On success returns 0
 * and cmd->key is a valid key of 1..KV_MAX_KEY bytes (and so is cmd->arg for
 * RENAME). Returns -1 for an unknown command, a missing operand or an invalid key.
 */
int proto_parse_line(char *line, command_t *cmd);

/** "VALUE <value>\n" into out, NUL-terminated. Returns the length, or -1 if it does not fit in cap bytes. */
int proto_format_value(char *out, size_t cap, const char *value);

/** "ERR <message>\n" into out, NUL-terminated. Returns the length, or -1 if it does not fit in cap bytes. */
int proto_format_error(char *out, size_t cap, const char *message);

/**
 * Parse and run one command line against s, writing the NUL-terminated reply
 * into out (at least PROTO_REPLY_MAX bytes). Returns 0, or -1 if the line was
 * not a valid command (out then holds an ERR reply).
 */
int proto_execute(kvstore_t *s, char *line, char *out, size_t cap);

#endif /* PROTO_H */
