#include "util.h"

int fact(int n) {
    if (n <= 1)
        return 1;
    return n * fact(n - 1);
}

static int is_odd(int n);

static int is_even(int n) {
    return n == 0 ? 1 : is_odd(n - 1);
}

static int is_odd(int n) {
    return n == 0 ? 0 : is_even(n - 1);
}

int parity(int n) {
    return APPLY(is_even, n);
}

int apply(struct ops *o, unary_fn f, int x) {
    int (*local)(int) = square;
    return f(x) + o->cb(x) + local(x) + (*f)(x);
}

DEFINE_GETTER(width) {
    return 3;
}
