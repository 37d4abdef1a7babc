#ifndef STATS_H
#define STATS_H

#include <stddef.h>

/* Sum of the first n values of xs; xs holds at least n values. */
long stats_sum(const int *xs, size_t n);

/* Largest of the first n values of xs; n is at least 1. */
int stats_max(const int *xs, size_t n);

#endif
