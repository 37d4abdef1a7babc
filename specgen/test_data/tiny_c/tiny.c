#include <stdio.h>

/* Divides a by b into *out; returns 0, or -1 when b is 0. */
static int checked_div(int a, int b, int *out) {
    if (b == 0)
        return -1;
    *out = a / b;
    return 0;
}

int main(void) {
    int q;
    if (checked_div(7, 2, &q) != 0)
        return 1;
    printf("%d\n", q);
    return 0;
}
