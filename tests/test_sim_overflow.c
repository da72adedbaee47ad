/*
 * test_sim_overflow.c - a green thread that overflows its stack is named,
 * abandoned, and sim_run returns SIM_ECRASH; the rest of the world and the
 * process survive.  Kept apart from test_sim.c so that a broken guard page
 * cannot take the other tests down with it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim.h"

static int depth;
static volatile int max_depth = 1 << 30; /* never reached: the guard is */

/* Big frames, and a use of each frame after the call, so the compiler can
 * neither shrink the frame nor turn the recursion into a loop. */
static int recurse(volatile char *prev)
{
    volatile char frame[1024];

    frame[0] = prev ? prev[0] : 1;
    frame[sizeof frame - 1] = frame[0];
    if (++depth >= max_depth)
        return 0;
    return recurse(frame) + frame[sizeof frame - 1];
}

static int body_overflow(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    return recurse(NULL);
}

static int body_fine(sim_world_t *w, void *arg)
{
    int *ran = arg;

    if (sim_yield(w) == 0)
        (*ran)++;
    return 0;
}

static int trace_has(sim_world_t *w, const char *kind, const char *subject)
{
    size_t i;

    for (i = 0; i < sim_trace_count(w); i++) {
        const sim_trace_event_t *e = sim_trace_get(w, i);
        if (strcmp(e->kind, kind) == 0 && strcmp(e->subject, subject) == 0)
            return 1;
    }
    return 0;
}

static void test_stack_overflow_is_reported_by_name(void **state)
{
    sim_config_t cfg = {0};
    sim_world_t *w;
    sim_thread_t *t;
    int ran = 0;

    (void)state;
    cfg.stack_size = 64 * 1024;
    assert_int_equal(sim_world_new(&cfg, &w), 0);
    assert_int_equal(sim_spawn(w, "before", body_fine, &ran, NULL), 0);
    assert_int_equal(sim_spawn(w, "deep-recursion", body_overflow, NULL, &t), 0);
    assert_int_equal(sim_spawn(w, "after", body_fine, &ran, NULL), 0);
    assert_int_equal(sim_run(w), SIM_ECRASH);
    assert_true(depth > 16);
    assert_int_equal(sim_thread_state(t), SIM_THREAD_DEAD);
    assert_true(trace_has(w, "crash", "deep-recursion"));
    /* The others are still there and finish on the next run. */
    assert_int_equal(sim_run(w), SIM_OK);
    assert_int_equal(ran, 2);
    sim_world_free(w);

    /* The process stays usable: a fresh world works normally. */
    assert_int_equal(sim_world_new(NULL, &w), 0);
    assert_int_equal(sim_spawn(w, "again", body_fine, &ran, NULL), 0);
    assert_int_equal(sim_run(w), SIM_OK);
    assert_int_equal(ran, 3);
    sim_world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stack_overflow_is_reported_by_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
