#include <string.h>
#include "calc.h"

long read_number(struct cursor *c);
int accept(struct cursor *c, char want);
static long expr(struct cursor *c);

/* factor := number | '(' expr ')' */
static long factor(struct cursor *c) {
    if (accept(c, '(')) {
        if (c->depth >= MAX_DEPTH)
            return 0;
        c->depth++;
        long v = expr(c);
        c->depth--;
        accept(c, ')');
        return v;
    }
    return read_number(c);
}

static long term(struct cursor *c) {
    long v = factor(c);
    while (accept(c, '*'))
        v *= factor(c);
    return v;
}

static long expr(struct cursor *c) {
    long v = term(c);
    while (accept(c, '+'))
        v += term(c);
    return v;
}

int calc_eval(const char *text, long *out) {
    if (text == NULL || out == NULL)
        return -1;
    struct cursor c = { text, 0, strlen(text), 0 };
    *out = expr(&c);
    return c.pos == c.len ? 0 : -1;
}
