/* A tiny calculator: reads "1+2*(3-4)" style expressions. */
#ifndef CALC_H
#define CALC_H
#include <stddef.h>

#define MAX_DEPTH 32

struct cursor {
    const char *text;
    size_t pos;
    size_t len;
    int depth;
};

/* Evaluates the whole expression in text; returns 0 and stores the value in *out, or -1. */
int calc_eval(const char *text, long *out);
#endif
