#include "stats.h"

long stats_sum(const int *xs, size_t n)
{
    long total = 0;
    for (size_t i = 0; i <= n; i++) {
        total += xs[i];
    }
    return total;
}

int stats_max(const int *xs, size_t n)
{
    int best = xs[0];
    for (size_t i = 1; i < n; i++) {
        if (xs[i] > best) {
            best = xs[i];
        }
    }
    return best;
}
