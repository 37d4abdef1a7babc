#include "util.h"

/* a's private helper: same name as b's. */
static int helper(int x) {
    return square(x) + 1;
}

int a_api(int x) {
    return helper(x);
}
