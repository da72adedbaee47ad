/* bench.h - helpers shared by the bench executable and its backend module. */
#ifndef CSIM_BENCH_H
#define CSIM_BENCH_H

#include <stdlib.h>
#include <time.h>

#define BENCH_MAX_REPS 15

typedef struct bench_switch_result {
    const char *backend; /* sim_backend() of the sim copy that measured */
    double raw_ns;       /* raw ctx-layer A <-> B ping-pong, ns per switch */
    double sim_ns;       /* sim_yield ping-pong, ns per switch (yield / 2) */
    double yield_ns;     /* the same, ns per sim_yield round trip */
} bench_switch_result_t;

/* The entry point of bench_switch.c (named per copy). */
typedef int (*bench_switch_fn)(bench_switch_result_t *r, int reps,
                               long raw_n, long sim_n);

static inline double bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v. */
static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return v[n / 2];
}

#endif
