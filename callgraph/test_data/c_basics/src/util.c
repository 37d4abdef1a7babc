#include <stdio.h>
#include "util.h"

int square(int x) {
    return x * x;
}

void log_value(int v) {
    printf("%d\n", v);
}
