#include <stdio.h>
#include <stdlib.h>

#include "stats.h"

int main(int argc, char **argv)
{
    size_t n = (size_t)(argc - 1);
    if (n == 0) {
        fprintf(stderr, "usage: stats N...\n");
        return 2;
    }
    int *xs = malloc(n * sizeof *xs);
    if (xs == NULL) {
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        xs[i] = atoi(argv[i + 1]);
    }
    /* The mean needs the sum of exactly the n values read. */
    long sum = stats_sum(xs, n);
    int max = stats_max(xs, n);
    printf("sum %ld max %d mean %.2f\n", sum, max, (double)sum / (double)n);
    free(xs);
    return 0;
}
