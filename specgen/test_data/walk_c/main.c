#include <stdio.h>
#include "calc.h"

int main(int argc, char **argv) {
    long v;
    if (argc < 2)
        return 2;
    if (calc_eval(argv[1], &v) != 0) {
        fprintf(stderr, "bad expression\n");
        return 1;
    }
    printf("%ld\n", v);
    return 0;
}
