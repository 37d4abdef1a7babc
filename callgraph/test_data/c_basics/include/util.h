/* util.h: shared helpers. */
#ifndef UTIL_H
#define UTIL_H

/* Returns x squared; never negative for |x| < 46341. */
int square(int x);

void log_value(int v);

/* Logs the square of x (a macro over two functions). */
#define LOG_SQUARE(x) log_value(square(x))
#define NOTHING(x) ((void)0)
#define APPLY(f, x) (f(x))
#define DEFINE_GETTER(field) int get_##field(void)

typedef int (*unary_fn)(int);

struct ops {
    unary_fn cb;
};

#endif
