/*
 * bench_switch.c - the per-backend part of the bench: context-switch cost.
 *
 * Compiled twice: linked into the bench executable together with the
 * default sim library, and into a dlopen()ed module together with a private
 * copy of sim built for the other backend (bench/CMakeLists.txt), so one
 * process measures both backends.  BENCH_SWITCH_FN names the entry point.
 *
 *   raw   two coroutines A <-> B switching directly through sim's ctx layer
 *         (sim__ctx_init / sim__ctx_switch), no scheduler at all: the
 *         baseline
 *   sim   two green threads ping-ponging through sim_yield, tracing and
 *         choice recording on as always; since the hand-off in sim__suspend
 *         one yield is one switch (thread -> next thread), so "sim switch"
 *         = time per yield: the switch plus the scheduling around it
 */
#include "bench.h"
#include "ctx.h"
#include "sim.h"

#include <stdint.h>
#include <stdlib.h>

#ifndef BENCH_SWITCH_FN
#define BENCH_SWITCH_FN bench_switch_default
#endif

/* ---------------------------------------------------------------- raw */

static sim__ctx_t raw_main, raw_a, raw_b;
static long raw_left;

static void raw_a_entry(void *arg)
{
    (void)arg;
    for (;;) {
        while (raw_left > 0) {
            raw_left--;
            sim__ctx_switch(&raw_a, &raw_b);
        }
        sim__ctx_switch(&raw_a, &raw_main);
    }
}

static void raw_b_entry(void *arg)
{
    (void)arg;
    for (;;) {
        raw_left--;
        sim__ctx_switch(&raw_b, &raw_a);
    }
}

/* ns per switch; n switches between A and B (plus 2 to enter/leave). */
static double raw_pingpong(long n)
{
    static char stack_a[64 * 1024] __attribute__((aligned(16)));
    static char stack_b[64 * 1024] __attribute__((aligned(16)));
    double t0, t;

    sim__ctx_init(&raw_a, stack_a, sizeof stack_a, raw_a_entry, NULL);
    sim__ctx_init(&raw_b, stack_b, sizeof stack_b, raw_b_entry, NULL);
    raw_left = n;
    t0 = bench_now_ns();
    sim__ctx_switch(&raw_main, &raw_a);
    t = bench_now_ns() - t0;
    return t / (double)(n + 2);
}

/* ---------------------------------------------------------------- sim */

static int body_yield(sim_world_t *w, void *arg)
{
    long i, n = (long)(intptr_t)arg;

    for (i = 0; i < n; i++) {
        if (sim_yield(w) != 0)
            return -1;
    }
    return 0;
}

/* ns per yield (= per thread-to-thread switch), timing sim_run only. */
static double sim_pingpong(sim_stack_pool_t *pool, long n, double *ns_yield)
{
    sim_config_t cfg = {0};
    sim_world_t *w;
    double t0, t, yields;

    cfg.stack_pool = pool;
    cfg.step_limit = (uint64_t)(4 * n + 16);
    if (sim_world_new(&cfg, &w) != 0)
        exit(3);
    sim_spawn(w, "ping", body_yield, (void *)(intptr_t)n, NULL);
    sim_spawn(w, "pong", body_yield, (void *)(intptr_t)n, NULL);
    t0 = bench_now_ns();
    if (sim_run(w) != SIM_OK)
        exit(3);
    t = bench_now_ns() - t0;
    sim_world_free(w);
    /* 2n yields, plus the 2 first resumes (start) and 2 exits. */
    yields = 2.0 * (double)n + 2.0;
    *ns_yield = t / yields;
    return t / yields;
}

int BENCH_SWITCH_FN(bench_switch_result_t *r, int reps, long raw_n,
                    long sim_n)
{
    double raw[BENCH_MAX_REPS], simv[BENCH_MAX_REPS], yv[BENCH_MAX_REPS];
    sim_stack_pool_t *pool;
    int i;

    if (reps > BENCH_MAX_REPS)
        reps = BENCH_MAX_REPS;
    if (sim_stack_pool_new(0, &pool) != 0)
        return -1;
    raw_pingpong(raw_n / 10 + 1); /* warm up */
    sim_pingpong(pool, sim_n / 10 + 1, &yv[0]);
    for (i = 0; i < reps; i++) {
        raw[i] = raw_pingpong(raw_n);
        simv[i] = sim_pingpong(pool, sim_n, &yv[i]);
    }
    r->backend = sim_backend();
    r->raw_ns = bench_median(raw, reps);
    r->sim_ns = bench_median(simv, reps);
    r->yield_ns = bench_median(yv, reps);
    sim_stack_pool_free(pool);
    return 0;
}
