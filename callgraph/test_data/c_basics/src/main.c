#include <stdlib.h>
#include "util.h"

int a_api(int x);
int b_api(int x);
int parity(int n);
int fact(int n);

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 3;
    log_value(a_api(n) + b_api(n) + parity(n) + fact(n));
    return 0;
}
