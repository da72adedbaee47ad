/*
 * bench_sim.c - what a context switch and a small scenario cost.
 *
 *   raw switch   the backend alone (ctx.h): main <-> one coroutine
 *   yield        two green threads ping-pong through sim_yield; each yield
 *                is two switches (thread -> hub -> thread), trace included
 *   scenario     create a world, spawn 50 threads that yield 4 times each
 *                (250 resumes = 500 switches), run, free; stacks come from
 *                a shared sim_stack_pool as an exploration loop would do
 *
 * Each figure is the median of REPS in-process repetitions, timed with
 * CLOCK_MONOTONIC.  Targets on the reference VM (c-notes 6.3), asm backend:
 * switch <= 10 ns, scenario >= 100k runs/s.
 */
#include "sim.h"
#include "ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPS 7

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* ---------------------------------------------------------------- raw */

static sim__ctx_t main_ctx, co_ctx;
static long co_left;

static void co_entry(void *arg)
{
    (void)arg;
    for (;;) {
        co_left--;
        sim__ctx_switch(&co_ctx, &main_ctx);
    }
}

static double bench_raw(void)
{
    static char stack[64 * 1024] __attribute__((aligned(16)));
    const long n = 2000000;
    double t0;

    sim__ctx_init(&co_ctx, stack, sizeof stack, co_entry, NULL);
    co_left = n;
    t0 = now_ns();
    while (co_left > 0)
        sim__ctx_switch(&main_ctx, &co_ctx);
    return (now_ns() - t0) / (2.0 * (double)n);
}

/* ---------------------------------------------------------------- yield */

static int body_yield(sim_world_t *w, void *arg)
{
    long i, n = (long)(intptr_t)arg;

    for (i = 0; i < n; i++) {
        if (sim_yield(w) != 0)
            return -1;
    }
    return 0;
}

static double bench_yield(sim_stack_pool_t *pool)
{
    const long n = 100000; /* per thread; the trace of a world stays small */
    sim_config_t cfg = {0};
    sim_world_t *w;
    double t0, t;

    cfg.stack_pool = pool;
    cfg.step_limit = 10 * n;
    if (sim_world_new(&cfg, &w) != 0)
        exit(1);
    sim_spawn(w, "ping", body_yield, (void *)(intptr_t)n, NULL);
    sim_spawn(w, "pong", body_yield, (void *)(intptr_t)n, NULL);
    t0 = now_ns();
    if (sim_run(w) != SIM_OK)
        exit(1);
    t = now_ns() - t0;
    sim_world_free(w);
    /* 2n yields + 2 starts/exits, two switches per resume */
    return t / (2.0 * (2.0 * (double)n + 2.0));
}

/* ---------------------------------------------------------------- scenario */

static int scenario_once(sim_stack_pool_t *pool)
{
    sim_config_t cfg = {0};
    sim_world_t *w;
    int i, rc;

    cfg.stack_pool = pool;
    if (sim_world_new(&cfg, &w) != 0)
        return -1;
    for (i = 0; i < 50; i++) {
        static const char *names[] = {"t0", "t1", "t2", "t3", "t4"};
        if (sim_spawn(w, names[i % 5], body_yield, (void *)4, NULL) != 0)
            return -1;
    }
    rc = sim_run(w);
    sim_world_free(w);
    return rc;
}

static double bench_scenario(sim_stack_pool_t *pool, double *us_per_run)
{
    const int runs = 2000;
    double t0, t;
    int i;

    t0 = now_ns();
    for (i = 0; i < runs; i++) {
        if (scenario_once(pool) != SIM_OK)
            exit(1);
    }
    t = now_ns() - t0;
    *us_per_run = t / runs / 1e3;
    return runs / (t / 1e9);
}

int main(void)
{
    double raw[REPS], yield[REPS], rate[REPS], us[REPS];
    sim_stack_pool_t *pool;
    int i;

    if (sim_stack_pool_new(0, &pool) != 0)
        return 1;
    scenario_once(pool); /* warm the pool and the page cache */
    for (i = 0; i < REPS; i++) {
        raw[i] = bench_raw();
        yield[i] = bench_yield(pool);
        rate[i] = bench_scenario(pool, &us[i]);
    }
    printf("csim bench [%s backend], median of %d\n", sim_backend(), REPS);
    printf("  raw context switch      %8.1f ns/switch\n", median(raw, REPS));
    printf("  sim_yield ping-pong     %8.1f ns/switch (thread->hub->thread = 2 switches, trace on)\n",
           median(yield, REPS));
    printf("  50 threads x 4 yields   %8.0f runs/s   (%.2f us/run, 500 switches)\n",
           median(rate, REPS), median(us, REPS));
    sim_stack_pool_free(pool);
    return 0;
}
