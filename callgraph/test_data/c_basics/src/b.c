#include "util.h"

static int helper(int x) {
    return x - 1;
}

int b_api(int x) {
    LOG_SQUARE(x);
    NOTHING(x);
    return helper(x);
}
