/*
 * test_sim_uv.c - the libuv runtime (sim_uv.h): real time, the idle-driven
 * ready queue, hang detection with outside sources, signals on the hub, the
 * overflow guard inside loop callbacks, and closing.
 *
 * The differential tests run one small program (sleeps, kills, links,
 * events with and without timeouts, semaphores, pools, a hang) on the
 * virtual clock and on a libuv loop and require the same trace with the
 * time fields left out: same events, threads, steps, in the same order.
 *
 * Every test ends by itself: sleeps are a few milliseconds, signals are
 * raised by the test, and each run is bounded by a wall-time check.  Every
 * test frees its world, runs the loop once more for the close callbacks and
 * requires uv_loop_close() to succeed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "sim_uv.h"

/* Generous: valgrind runs this suite too. */
#define WALL_MAX_NS (10 * 1000000000LL)

static uv_loop_t LOOP;
static sim_world_t *W;
static struct sigaction sim_segv, sim_bus; /* sim's overflow handler */

static int64_t wall_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int setup(void **state)
{
    (void)state;
    W = NULL;
    return uv_loop_init(&LOOP);
}

static int teardown(void **state)
{
    (void)state;
    sim_world_free(W);
    W = NULL;
    /* The close callbacks release the handles; then the loop is empty. */
    uv_run(&LOOP, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&LOOP), 0);
    return 0;
}

/* Close a host handle that lives on the test's stack, and let its close
 * complete before the stack frame goes. */
static void close_now(uv_handle_t *h)
{
    uv_close(h, NULL);
    uv_run(&LOOP, UV_RUN_DEFAULT);
}

static sim_world_t *new_uv(const sim_config_t *cfg)
{
    assert_int_equal(sim_world_new_uv(cfg, &LOOP, &W), 0);
    return W;
}

static sim_thread_t *spawn(sim_world_t *w, const char *name, sim_thread_fn fn,
                           void *arg)
{
    sim_thread_t *t = NULL;

    assert_int_equal(sim_spawn(w, name, fn, arg, &t), 0);
    return t;
}

static const char *cur(sim_world_t *w)
{
    sim_thread_t *t = sim_current(w);

    return t ? sim_thread_name(t) : "hub";
}

static int trace_has(sim_world_t *w, const char *kind, const char *subject,
                     const char *detail)
{
    for (size_t i = 0; i < sim_trace_count(w); i++) {
        const sim_trace_event_t *e = sim_trace_get(w, i);
        if (strcmp(e->kind, kind) == 0 &&
            (subject == NULL || strcmp(e->subject, subject) == 0) &&
            (detail == NULL || strcmp(e->detail, detail) == 0))
            return 1;
    }
    return 0;
}

static const sim_trace_event_t *trace_find(sim_world_t *w, const char *kind,
                                           const char *subject)
{
    for (size_t i = 0; i < sim_trace_count(w); i++) {
        const sim_trace_event_t *e = sim_trace_get(w, i);
        if (strcmp(e->kind, kind) == 0 && strcmp(e->subject, subject) == 0)
            return e;
    }
    return NULL;
}

/* ---------------------------------------------------------------- bodies */

static int body_sleep(sim_world_t *w, void *arg)
{
    return sim_sleep(w, *(const sim_time_t *)arg);
}

static int body_yield_n(sim_world_t *w, void *arg)
{
    int n = *(const int *)arg;

    for (int i = 0; i < n; i++) {
        int rc = sim_yield(w);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int body_wait_event(sim_world_t *w, void *arg)
{
    return sim_event_wait(w, arg, NULL);
}

static int body_nothing(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    return 0;
}

/* ---------------------------------------------------------------- API */

static void test_new_uv_checks_its_arguments(void **state)
{
    sim_config_t cfg = {0};
    sim_world_t *v = NULL, *w = (sim_world_t *)1;

    (void)state;
    assert_int_equal(sim_world_new_uv(NULL, NULL, &w), SIM_EINVAL);
    assert_null(w);
    assert_int_equal(sim_world_new_uv(NULL, &LOOP, NULL), SIM_EINVAL);
    cfg.strategy = SIM_STRATEGY_RANDOM;
    assert_int_equal(sim_world_new_uv(&cfg, &LOOP, &w), SIM_EINVAL);
    assert_null(w);

    new_uv(NULL);
    assert_true(sim_world_is_uv(W));
    assert_ptr_equal(sim_uv_loop(W), &LOOP);
    assert_int_equal(sim_uv_unref(W), SIM_EINVAL);
    assert_int_equal(sim_uv_on_signal(W, 0, NULL, NULL), SIM_EINVAL);

    assert_int_equal(sim_world_new(NULL, &v), 0);
    assert_false(sim_world_is_uv(v));
    assert_null(sim_uv_loop(v));
    assert_int_equal(sim_uv_ref(v), SIM_EINVAL);
    assert_int_equal(sim_uv_update_time(v), SIM_EINVAL);
    assert_int_equal(sim_uv_on_signal(v, SIGUSR1, NULL, NULL), SIM_EINVAL);
    sim_world_free(v);
}

static void on_nothing(sim_world_t *w, int signum, void *arg)
{
    (void)w;
    (void)signum;
    (void)arg;
}

static void test_allocation_failures_unwind(void **state)
{
    long n;
    int rc;

    (void)state;
    for (n = 0;; n++) {
        sim_alloc_fail_after(n);
        rc = sim_world_new_uv(NULL, &LOOP, &W);
        sim_alloc_fail_after(-1);
        if (rc == 0)
            break;
        assert_int_equal(rc, SIM_ENOMEM);
        assert_null(W);
    }
    assert_true(n > 0);
    sim_alloc_fail_after(0);
    assert_int_equal(sim_uv_on_signal(W, SIGUSR1, on_nothing, NULL),
                     SIM_ENOMEM);
    sim_alloc_fail_after(-1);
    /* Nothing half-made stays behind: teardown's uv_loop_close checks. */
}

static void test_two_worlds_share_one_loop(void **state)
{
    static sim_time_t d = SIM_MS(2);
    sim_world_t *other;

    (void)state;
    new_uv(NULL);
    assert_int_equal(sim_world_new_uv(NULL, &LOOP, &other), 0);
    spawn(W, "here", body_sleep, &d);
    spawn(other, "there", body_sleep, &d);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_false(trace_has(other, "exit", "there", NULL));
    assert_int_equal(sim_run(other), SIM_OK);
    assert_true(trace_has(other, "exit", "there", "ok"));
    sim_world_free(other);
}

static void host_timer_count(uv_timer_t *h)
{
    (*(int *)h->data)++;
}

static void test_empty_world_is_done_at_once(void **state)
{
    uv_timer_t tm;
    int fired = 0;

    (void)state;
    new_uv(NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_int_equal(sim_run(W), SIM_OK);
    /* No stray uv_stop: the host's next uv_run runs its own timer. */
    uv_timer_init(&LOOP, &tm);
    tm.data = &fired;
    uv_timer_start(&tm, host_timer_count, 1, 0);
    uv_run(&LOOP, UV_RUN_DEFAULT);
    assert_int_equal(fired, 1);
    close_now((uv_handle_t *)&tm);
}

static void test_sleep_takes_real_time(void **state)
{
    sim_time_t d = SIM_MS(20);
    const sim_trace_event_t *wake;
    int64_t t0;

    (void)state;
    new_uv(NULL);
    spawn(W, "sleeper", body_sleep, &d);
    t0 = wall_ns();
    assert_int_equal(sim_run(W), SIM_OK);
    assert_true(wall_ns() - t0 >= SIM_MS(20));
    assert_true(wall_ns() - t0 < WALL_MAX_NS);
    wake = trace_find(W, "wake", "sleeper");
    assert_non_null(wake);
    assert_string_equal(wake->detail, "timer");
    /* Trace time is real elapsed time; sim_now the timeline, never ahead. */
    assert_true(wake->time >= SIM_MS(20));
    assert_true(sim_now(W) >= SIM_MS(20));
    assert_true(sim_now(W) <= wake->time);
}

static int body_chain(sim_world_t *w, void *arg)
{
    sim_time_t *elapsed = arg, t0 = sim_now(w);

    for (int i = 0; i < 10; i++) {
        int rc = sim_sleep(w, SIM_MS(2));
        if (rc < 0)
            return rc;
    }
    *elapsed = sim_now(w) - t0;
    return 0;
}

static void test_a_chain_of_sleeps_does_not_drift(void **state)
{
    sim_time_t elapsed = 0;
    int64_t t0;

    (void)state;
    new_uv(NULL);
    spawn(W, "chain", body_chain, &elapsed);
    t0 = wall_ns();
    assert_int_equal(sim_run(W), SIM_OK);
    /* Each sleep counts from the due time of the one before. */
    assert_int_equal(elapsed, SIM_MS(20));
    assert_true(wall_ns() - t0 >= SIM_MS(20));
}

static void count_iteration(uv_check_t *h)
{
    (*(int *)h->data)++;
}

static void test_ready_queue_drains_in_rounds_between_polls(void **state)
{
    uv_check_t chk;
    int n = 50, iterations = 0;

    (void)state;
    new_uv(NULL);
    uv_check_init(&LOOP, &chk);
    chk.data = &iterations;
    uv_check_start(&chk, count_iteration);
    spawn(W, "a", body_yield_n, &n);
    spawn(W, "b", body_yield_n, &n);
    assert_int_equal(sim_run(W), SIM_OK);
    /* One round per loop iteration: a yield waits for the next round. */
    assert_true(iterations >= n);
    assert_int_equal(sim_steps(W), 2 * (n + 1));
    close_now((uv_handle_t *)&chk);
}

static void test_choices_answer_fifo_and_are_not_recorded(void **state)
{
    int n = 5;
    const uint32_t *answers;

    (void)state;
    new_uv(NULL);
    spawn(W, "a", body_yield_n, &n);
    spawn(W, "b", body_yield_n, &n);
    spawn(W, "c", body_yield_n, &n);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_int_equal(sim_choices(W, &answers), 0);
}

/* -------------------------------------------------------------- done / hung */

static void test_blocked_threads_without_outside_sources_are_hung(void **state)
{
    sim_event_t *never;
    int64_t t0;

    (void)state;
    new_uv(NULL);
    assert_int_equal(sim_event_new(W, "never", &never), 0);
    spawn(W, "stuck", body_wait_event, never);
    t0 = wall_ns();
    assert_int_equal(sim_run(W), SIM_EHUNG);
    assert_true(wall_ns() - t0 < WALL_MAX_NS);
    assert_true(trace_has(W, "hung", "stuck", "event never"));
}

typedef struct host_send {
    sim_world_t *w;
    sim_event_t *ev;
    int unref;
    sim_time_t woke; /* sim_now() when the waiter got the event */
} host_send_t;

static void host_send_event(uv_timer_t *h)
{
    host_send_t *hs = h->data;

    assert_null(sim_current(hs->w));
    assert_int_equal(sim_event_send(hs->w, hs->ev, NULL, NULL), 0);
    if (hs->unref)
        assert_int_equal(sim_uv_unref(hs->w), 0);
}

static int body_wait_then_sleep(sim_world_t *w, void *arg)
{
    host_send_t *hs = arg;
    int rc = sim_event_wait(w, hs->ev, NULL);

    if (rc < 0)
        return rc;
    hs->woke = sim_now(w);
    return sim_sleep(w, SIM_MS(5));
}

static void test_a_ref_keeps_blocked_threads_waiting_for_the_host(void **state)
{
    host_send_t hs = {0};
    uv_timer_t tm;
    int64_t t0;

    (void)state;
    new_uv(NULL);
    hs.w = W;
    hs.unref = 1;
    assert_int_equal(sim_event_new(W, "go", &hs.ev), 0);
    spawn(W, "waiter", body_wait_then_sleep, &hs);
    assert_int_equal(sim_uv_ref(W), 0);
    uv_timer_init(&LOOP, &tm);
    tm.data = &hs;
    uv_timer_start(&tm, host_send_event, 30, 0);
    t0 = wall_ns();
    assert_int_equal(sim_run(W), SIM_OK);
    /* libuv's cached millisecond loop time may fire the host timer a
     * little before 30ms of our clock. */
    assert_true(wall_ns() - t0 >= SIM_MS(30));
    /* Work queued by the host while the world was idle brings the
     * timeline up to real time (no timer of the world moved it), so the
     * sleep after it is a real 5ms. */
    assert_true(hs.woke >= SIM_MS(20));
    assert_true(sim_now(W) >= hs.woke + SIM_MS(5));
    close_now((uv_handle_t *)&tm);
}

static void host_spawn(uv_timer_t *h)
{
    sim_world_t *w = h->data;

    assert_int_equal(sim_uv_update_time(w), 0);
    assert_int_equal(sim_spawn(w, "from-host", body_nothing, NULL, NULL), 0);
    assert_int_equal(sim_uv_unref(w), 0);
}

static void test_threads_spawned_by_a_host_callback_run(void **state)
{
    sim_event_t *never;
    uv_timer_t tm;

    (void)state;
    new_uv(NULL);
    assert_int_equal(sim_event_new(W, "never", &never), 0);
    spawn(W, "stuck", body_wait_event, never);
    assert_int_equal(sim_uv_ref(W), 0);
    uv_timer_init(&LOOP, &tm);
    tm.data = W;
    uv_timer_start(&tm, host_spawn, 5, 0);
    /* The host's spawn runs; then nothing can wake "stuck". */
    assert_int_equal(sim_run(W), SIM_EHUNG);
    assert_true(trace_has(W, "exit", "from-host", "ok"));
    /* Traced from the host callback, at the real time of the callback. */
    assert_true(trace_find(W, "spawn", "from-host")->time >= SIM_MS(4));
    assert_true(trace_has(W, "hung", "stuck", NULL));
    close_now((uv_handle_t *)&tm);
}

static void host_stop(uv_timer_t *h)
{
    uv_stop(h->loop);
}

static void test_a_host_uv_stop_interrupts_and_run_resumes(void **state)
{
    /* Far longer than the host's 5 ms timer: with 30 ms a loop running
     * 25 ms late under load fired both in one pass and the sleeper
     * finished first (2 failures in 40 runs). */
    static sim_time_t d = SIM_MS(500);
    uv_timer_t tm;

    (void)state;
    new_uv(NULL);
    spawn(W, "sleeper", body_sleep, &d);
    uv_timer_init(&LOOP, &tm);
    uv_timer_start(&tm, host_stop, 5, 0);
    assert_int_equal(sim_run(W), SIM_ESTATE);
    assert_false(trace_has(W, "exit", "sleeper", NULL));
    assert_int_equal(sim_run(W), SIM_OK);
    assert_true(trace_has(W, "exit", "sleeper", "ok"));
    close_now((uv_handle_t *)&tm);
}

static void test_run_again_after_spawning_more(void **state)
{
    static sim_time_t d = SIM_MS(2);

    (void)state;
    new_uv(NULL);
    spawn(W, "first", body_sleep, &d);
    assert_int_equal(sim_run(W), SIM_OK);
    spawn(W, "second", body_sleep, &d);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_true(trace_has(W, "exit", "second", "ok"));
    assert_true(sim_now(W) >= SIM_MS(4));
}

static int body_run_nested(sim_world_t *w, void *arg)
{
    *(int *)arg = sim_run(w);
    return 0;
}

static void test_run_from_a_green_thread_is_refused(void **state)
{
    int rc = 0;

    (void)state;
    new_uv(NULL);
    spawn(W, "nested", body_run_nested, &rc);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_int_equal(rc, SIM_ESTATE);
}

static int body_spin(sim_world_t *w, void *arg)
{
    (void)arg;
    for (;;) {
        int rc = sim_yield(w);
        if (rc < 0)
            return rc;
    }
}

static void test_step_and_time_limits(void **state)
{
    sim_config_t cfg = {0};
    static sim_time_t hour = SIM_S(3600);
    int64_t t0;

    (void)state;
    cfg.step_limit = 1000;
    new_uv(&cfg);
    spawn(W, "spinner", body_spin, NULL);
    assert_int_equal(sim_run(W), SIM_ELIMIT);
    assert_int_equal(sim_steps(W), 1000);
    assert_true(trace_has(W, "limit", "spinner", "ready"));
    sim_world_free(W);

    /* A spinning world still notices the time limit (real time). */
    memset(&cfg, 0, sizeof cfg);
    cfg.time_limit = SIM_MS(20);
    new_uv(&cfg);
    spawn(W, "spinner", body_spin, NULL);
    t0 = wall_ns(); /* the world's clocks start with its first run */
    assert_int_equal(sim_run(W), SIM_ELIMIT);
    assert_true(wall_ns() - t0 >= SIM_MS(20));
    assert_true(wall_ns() - t0 < WALL_MAX_NS);
    sim_world_free(W);

    /* A sleep past the limit ends the run at the limit. */
    new_uv(&cfg);
    spawn(W, "sleeper", body_sleep, &hour);
    t0 = wall_ns();
    assert_int_equal(sim_run(W), SIM_ELIMIT);
    assert_true(wall_ns() - t0 >= SIM_MS(20));
    assert_true(wall_ns() - t0 < WALL_MAX_NS);
    assert_true(trace_has(W, "limit", "sleeper", "sleep until 3600s"));
}

/* ------------------------------------------------------------- wait_timeout */

static int body_wait_timeout(sim_world_t *w, void *arg)
{
    void **a = arg;
    int *timed_out = a[1];

    return sim_event_wait_timeout(w, a[0], *(sim_time_t *)a[2], NULL,
                                  timed_out);
}

static int body_send_after(sim_world_t *w, void *arg)
{
    int rc = sim_sleep(w, SIM_MS(5));

    return rc < 0 ? rc : sim_event_send(w, arg, NULL, NULL);
}

static void test_wait_timeout_in_real_time(void **state)
{
    sim_event_t *never, *soon;
    sim_time_t twenty = SIM_MS(20), hour = SIM_S(3600);
    int to1 = -1, to2 = -1;
    void *a1[3], *a2[3];
    int64_t t0;

    (void)state;
    new_uv(NULL);
    assert_int_equal(sim_event_new(W, "never", &never), 0);
    assert_int_equal(sim_event_new(W, "soon", &soon), 0);
    a1[0] = never, a1[1] = &to1, a1[2] = &twenty;
    a2[0] = soon, a2[1] = &to2, a2[2] = &hour;
    spawn(W, "times-out", body_wait_timeout, a1);
    spawn(W, "gets-it", body_wait_timeout, a2);
    spawn(W, "sender", body_send_after, soon);
    t0 = wall_ns();
    assert_int_equal(sim_run(W), SIM_OK);
    /* The hour-long timeout lost to the event and was left behind. */
    assert_true(wall_ns() - t0 >= SIM_MS(20));
    assert_true(wall_ns() - t0 < WALL_MAX_NS);
    assert_int_equal(to1, 1);
    assert_int_equal(to2, 0);
    assert_true(trace_has(W, "wake", "times-out", "timeout"));
}

/* ---------------------------------------------------------------- kills */

static int body_kill_after(sim_world_t *w, void *arg)
{
    int rc = sim_sleep(w, SIM_MS(3));

    return rc < 0 ? rc : sim_thread_kill(w, arg, NULL);
}

static void test_killed_sleeper_stops_nothing_else(void **state)
{
    static sim_time_t hour = SIM_S(3600);
    sim_thread_t *victim;
    int64_t t0;

    (void)state;
    new_uv(NULL);
    victim = spawn(W, "victim", body_sleep, &hour);
    spawn(W, "killer", body_kill_after, victim);
    t0 = wall_ns();
    assert_int_equal(sim_run(W), SIM_OK);
    /* The hour-long sleep's timer is stale: the run ends after the kill. */
    assert_true(wall_ns() - t0 < SIM_S(5));
    assert_int_equal(sim_thread_state(victim), SIM_THREAD_DEAD);
    assert_ptr_equal(sim_thread_exit_error(victim), &sim_error_exit);
}

/* ---------------------------------------------------------------- signals */

typedef struct sig_ctx {
    int calls;
    int in_hub;
    int nested_run;
    sim_event_t *ev;
    sim_thread_t *victim;
    const sim_error_t *boom;
    char log[256];
} sig_ctx_t;

static void sig_log(sig_ctx_t *c, const char *s)
{
    size_t n = strlen(c->log);

    snprintf(c->log + n, sizeof c->log - n, "%s%s", n ? " " : "", s);
}

static void on_usr1(sim_world_t *w, int signum, void *arg)
{
    sig_ctx_t *c = arg;

    c->calls++;
    c->in_hub = sim_current(w) == NULL && signum == SIGUSR1;
    c->nested_run = sim_run(w);
    sim_event_send(w, c->ev, NULL, NULL);
}

static int body_raise_and_wait(sim_world_t *w, void *arg)
{
    sig_ctx_t *c = arg;
    int rc;

    raise(SIGUSR1);
    rc = sim_event_wait(w, c->ev, NULL);
    if (rc == 0)
        sig_log(c, "got-event");
    return rc;
}

static void test_signal_handler_runs_on_the_hub(void **state)
{
    sig_ctx_t c = {0};

    (void)state;
    new_uv(NULL);
    assert_int_equal(sim_event_new(W, "sig", &c.ev), 0);
    assert_int_equal(sim_uv_on_signal(W, SIGUSR1, on_usr1, &c), 0);
    spawn(W, "raiser", body_raise_and_wait, &c);
    /* The handler keeps the blocked thread waiting, not hung; once no
     * thread is left the run is over although the handler stays. */
    assert_int_equal(sim_run(W), SIM_OK);
    assert_int_equal(c.calls, 1);
    assert_true(c.in_hub);
    assert_int_equal(c.nested_run, SIM_ESTATE);
    assert_string_equal(c.log, "got-event");
    /* Replacing and removing. */
    assert_int_equal(sim_uv_on_signal(W, SIGUSR1, on_usr1, &c), 0);
    assert_int_equal(sim_uv_on_signal(W, SIGUSR1, NULL, NULL), 0);
    assert_int_equal(sim_uv_on_signal(W, SIGUSR1, NULL, NULL), 0);
}

static void test_removed_signal_handler_keeps_nothing_waiting(void **state)
{
    sig_ctx_t c = {0};

    (void)state;
    new_uv(NULL);
    assert_int_equal(sim_event_new(W, "never", &c.ev), 0);
    assert_int_equal(sim_uv_on_signal(W, SIGUSR2, on_usr1, &c), 0);
    assert_int_equal(sim_uv_on_signal(W, SIGUSR2, NULL, NULL), 0);
    spawn(W, "stuck", body_wait_event, c.ev);
    assert_int_equal(sim_run(W), SIM_EHUNG);
}

/* The two-step interrupt of a command-line host (spec 3.3): the first
 * SIGINT starts a graceful stop, a second one while stopping kills. */
typedef struct host2 {
    sim_world_t *w;
    int sigints;
    sim_event_t *stop;
    sim_thread_t *service;
    const sim_error_t *interrupted;
    char log[256];
} host2_t;

static void h2_log(host2_t *h, const char *s)
{
    size_t n = strlen(h->log);

    snprintf(h->log + n, sizeof h->log - n, "%s%s", n ? " " : "", s);
}

static void on_sigint(sim_world_t *w, int signum, void *arg)
{
    host2_t *h = arg;

    (void)signum;
    if (++h->sigints == 1) {
        h2_log(h, "stop");
        sim_event_send(w, h->stop, NULL, NULL);
    } else {
        h2_log(h, "kill");
        /* From the hub: the victim unwinds right here. */
        sim_thread_kill(w, h->service, h->interrupted);
    }
}

/* The service: runs until told to stop, then needs a long time for it. */
static int body_service(sim_world_t *w, void *arg)
{
    host2_t *h = arg;
    int rc = sim_event_wait(w, h->stop, NULL);

    if (rc < 0)
        return rc;
    h2_log(h, "stopping");
    rc = sim_sleep(w, SIM_S(3600));
    if (rc < 0) {
        h2_log(h, "killed");
        return rc;
    }
    h2_log(h, "stopped");
    return 0;
}

/* The operator: presses Ctrl-C, waits, presses it again. */
static int body_operator(sim_world_t *w, void *arg)
{
    host2_t *h = arg;
    int rc;

    (void)h;
    if ((rc = sim_sleep(w, SIM_MS(5))) < 0)
        return rc;
    kill(getpid(), SIGINT);
    if ((rc = sim_sleep(w, SIM_MS(10))) < 0)
        return rc;
    kill(getpid(), SIGINT);
    return 0;
}

static void test_second_sigint_while_stopping_kills(void **state)
{
    host2_t h = {0};
    int64_t t0;

    (void)state;
    new_uv(NULL);
    h.w = W;
    assert_int_equal(sim_event_new(W, "stop", &h.stop), 0);
    h.interrupted = sim_error_new(W, "KeyboardInterrupt", "second SIGINT", 0);
    assert_int_equal(sim_uv_on_signal(W, SIGINT, on_sigint, &h), 0);
    h.service = spawn(W, "service", body_service, &h);
    spawn(W, "operator", body_operator, &h);
    t0 = wall_ns();
    assert_int_equal(sim_run(W), SIM_OK);
    assert_true(wall_ns() - t0 >= SIM_MS(15));
    assert_true(wall_ns() - t0 < WALL_MAX_NS);
    assert_int_equal(h.sigints, 2);
    assert_string_equal(h.log, "stop stopping kill killed");
    assert_ptr_equal(sim_thread_exit_error(h.service), h.interrupted);
}

/* ---------------------------------------------------------------- overflow */

static int depth;
static volatile int max_depth = 1 << 30;

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
    (void)arg;
    if (sim_yield(w) < 0)
        return -1;
    return recurse(NULL);
}

static void test_stack_overflow_inside_a_loop_callback(void **state)
{
    static sim_time_t d = SIM_MS(2);
    struct sigaction cm_segv, cm_bus;
    sim_thread_t *t;

    (void)state;
    /* cmocka catches SIGSEGV during a test; put sim's handler back. */
    sigaction(SIGSEGV, &sim_segv, &cm_segv);
    sigaction(SIGBUS, &sim_bus, &cm_bus);
    new_uv(NULL);
    spawn(W, "before", body_sleep, &d);
    t = spawn(W, "deep-recursion", body_overflow, NULL);
    spawn(W, "after", body_sleep, &d);
    assert_int_equal(sim_run(W), SIM_ECRASH);
    assert_int_equal(sim_thread_state(t), SIM_THREAD_DEAD);
    assert_true(trace_has(W, "crash", "deep-recursion", "stack overflow"));
    /* The loop survived the jump: the others finish on the next run. */
    assert_int_equal(sim_run(W), SIM_OK);
    assert_true(trace_has(W, "exit", "before", "ok"));
    assert_true(trace_has(W, "exit", "after", "ok"));
    sigaction(SIGSEGV, &cm_segv, NULL);
    sigaction(SIGBUS, &cm_bus, NULL);
}

/* ---------------------------------------------------------------- differential
 *
 * Each program builds its threads in a fresh world.  Its bodies note what
 * they observe in the trace ("note" events), so the trace is the whole
 * outcome. */

typedef void (*program_fn)(sim_world_t *w);

static void note(sim_world_t *w, const char *what, int rc)
{
    const sim_error_t *e = rc < 0 ? sim_error_take(w) : NULL;

    sim_trace(w, "note", cur(w), "%s rc=%d%s%s", what, rc, e ? " " : "",
              e ? e->type : "");
}

/* Sleeps: ties at one instant reached from different starts, yields
 * between them, zero sleeps. */
static int p_sleeps_a(sim_world_t *w, void *arg)
{
    (void)arg;
    note(w, "a1", sim_sleep(w, SIM_MS(3)));
    note(w, "a2", sim_sleep(w, SIM_MS(4))); /* due 7, started third */
    return 0;
}

static int p_sleeps_b(sim_world_t *w, void *arg)
{
    (void)arg;
    note(w, "b1", sim_sleep(w, SIM_MS(7))); /* due 7, started first */
    note(w, "b2", sim_yield(w));
    note(w, "b3", sim_sleep(w, 0));
    return 0;
}

static int p_sleeps_c(sim_world_t *w, void *arg)
{
    (void)arg;
    note(w, "c1", sim_sleep(w, SIM_MS(2)));
    note(w, "c2", sim_yield(w));
    note(w, "c3", sim_sleep(w, SIM_MS(5))); /* due 7, started second */
    note(w, "c4", sim_sleep(w, SIM_MS(1)));
    return 0;
}

static int p_sleeps_d(sim_world_t *w, void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        note(w, "d-yield", sim_yield(w));
    note(w, "d1", sim_sleep(w, SIM_MS(1)));
    note(w, "d2", sim_sleep(w, SIM_MS(6))); /* due 7, started fourth */
    return 0;
}

static void prog_sleeps(sim_world_t *w)
{
    sim_spawn(w, "a", p_sleeps_a, NULL, NULL);
    sim_spawn(w, "b", p_sleeps_b, NULL, NULL);
    sim_spawn(w, "c", p_sleeps_c, NULL, NULL);
    sim_spawn(w, "d", p_sleeps_d, NULL, NULL);
}

/* Kills: suspended (a sleeper and a timed waiter), not started, dead,
 * self; links; waiting on a killed thread. */
typedef struct p_kills {
    sim_thread_t *victim, *timed;
    sim_event_t *never;
    const sim_error_t *boom;
} p_kills_t;

static p_kills_t PK;

static int p_link_note(sim_world_t *w, sim_thread_t *t, void *arg)
{
    (void)arg;
    sim_trace(w, "note", cur(w), "link of %s", sim_thread_name(t));
    return 0;
}

static int p_kills_victim(sim_world_t *w, void *arg)
{
    (void)arg;
    note(w, "victim-sleep", sim_sleep(w, SIM_S(3600)));
    return 0;
}

static int p_kills_timed(sim_world_t *w, void *arg)
{
    int to = 0, rc;

    (void)arg;
    rc = sim_event_wait_timeout(w, PK.never, SIM_S(3600), NULL, &to);
    note(w, to ? "timed-out" : "timed-wait", rc);
    return rc;
}

static int p_kills_killer(sim_world_t *w, void *arg)
{
    sim_thread_t *late;
    const void *res;

    (void)arg;
    note(w, "k-sleep", sim_sleep(w, SIM_MS(2)));
    note(w, "kill-victim", sim_thread_kill(w, PK.victim, PK.boom));
    note(w, "kill-timed", sim_thread_kill(w, PK.timed, NULL));
    sim_spawn(w, "late", p_kills_victim, NULL, &late);
    sim_thread_link(w, late, p_link_note, NULL);
    note(w, "kill-late", sim_thread_kill(w, late, NULL));
    note(w, "kill-dead", sim_thread_kill(w, PK.victim, NULL));
    note(w, "wait-victim", sim_thread_wait(w, PK.victim, &res));
    note(w, "k-sleep2", sim_sleep(w, SIM_MS(1)));
    return sim_thread_kill(w, sim_current(w), PK.boom);
}

static int p_kills_waiter(sim_world_t *w, void *arg)
{
    (void)arg;
    note(w, "wait-victim", sim_thread_wait(w, PK.victim, NULL));
    return 0;
}

static void prog_kills(sim_world_t *w)
{
    memset(&PK, 0, sizeof PK);
    PK.boom = sim_error_new(w, "Boom", "disk on fire", 0);
    sim_event_new(w, "never", &PK.never);
    sim_spawn(w, "victim", p_kills_victim, NULL, &PK.victim);
    sim_thread_link(w, PK.victim, p_link_note, NULL);
    sim_spawn(w, "timed", p_kills_timed, NULL, &PK.timed);
    sim_spawn(w, "waiter", p_kills_waiter, NULL, NULL);
    sim_spawn(w, "killer", p_kills_killer, NULL, NULL);
}

/* Events: several waiters, a timed wait that the send beats and one that
 * times out, a second send, reset, an error sent. */
typedef struct p_events {
    sim_event_t *go, *never;
    const sim_error_t *boom;
} p_events_t;

static p_events_t PE;

static int p_ev_wait(sim_world_t *w, void *arg)
{
    const void *v = NULL;
    int rc = sim_event_wait(w, PE.go, &v);

    (void)arg;
    sim_trace(w, "note", cur(w), "value %s", v ? (const char *)v : "-");
    note(w, "wait", rc);
    return 0;
}

static int p_ev_timed(sim_world_t *w, void *arg)
{
    int to = -1;
    int rc = sim_event_wait_timeout(w, arg ? PE.never : PE.go,
                                    SIM_MS(arg ? 4 : 50), NULL, &to);

    note(w, to ? "timed-out" : "in-time", rc);
    return 0;
}

static int p_ev_sender(sim_world_t *w, void *arg)
{
    (void)arg;
    note(w, "s-sleep", sim_sleep(w, SIM_MS(8)));
    note(w, "send", sim_event_send(w, PE.go, "hello", NULL));
    note(w, "resend", sim_event_send(w, PE.go, "again", NULL));
    note(w, "reset", sim_event_reset(w, PE.go));
    note(w, "s-sleep2", sim_sleep(w, SIM_MS(4)));
    note(w, "send-error", sim_event_send(w, PE.go, NULL, PE.boom));
    return 0;
}

static int p_ev_late(sim_world_t *w, void *arg)
{
    (void)arg;
    note(w, "l-sleep", sim_sleep(w, SIM_MS(10)));
    note(w, "late-wait", sim_event_wait(w, PE.go, NULL));
    return 0;
}

static void prog_events(sim_world_t *w)
{
    memset(&PE, 0, sizeof PE);
    sim_event_new(w, "go", &PE.go);
    sim_event_new(w, "never", &PE.never);
    PE.boom = sim_error_new(w, "Boom", "", 0);
    sim_spawn(w, "w1", p_ev_wait, NULL, NULL);
    sim_spawn(w, "w2", p_ev_wait, NULL, NULL);
    sim_spawn(w, "t-go", p_ev_timed, NULL, NULL);
    sim_spawn(w, "t-never", p_ev_timed, (void *)1, NULL);
    sim_spawn(w, "sender", p_ev_sender, NULL, NULL);
    sim_spawn(w, "late", p_ev_late, NULL, NULL);
}

/* Semaphores: contention in FIFO order, a waiter killed in the queue. */
typedef struct p_sems {
    sim_sem_t *s;
    sim_thread_t *doomed;
} p_sems_t;

static p_sems_t PS;

static int p_sem_user(sim_world_t *w, void *arg)
{
    int rc = sim_sem_acquire(w, PS.s);

    (void)arg;
    note(w, "acquire", rc);
    if (rc < 0)
        return 0;
    note(w, "hold", sim_sleep(w, SIM_MS(2)));
    note(w, "release", sim_sem_release(w, PS.s));
    return 0;
}

static int p_sem_killer(sim_world_t *w, void *arg)
{
    (void)arg;
    note(w, "ks", sim_sleep(w, SIM_MS(1)));
    note(w, "kill-doomed", sim_thread_kill(w, PS.doomed, NULL));
    sim_trace(w, "note", cur(w), "balance %d", sim_sem_balance(PS.s));
    return 0;
}

static void prog_sems(sim_world_t *w)
{
    memset(&PS, 0, sizeof PS);
    sim_sem_new(w, "lock", 1, &PS.s);
    sim_spawn(w, "s1", p_sem_user, NULL, NULL);
    sim_spawn(w, "s2", p_sem_user, NULL, NULL);
    sim_spawn(w, "doomed", p_sem_user, NULL, &PS.doomed);
    sim_spawn(w, "s3", p_sem_user, NULL, NULL);
    sim_spawn(w, "killer", p_sem_killer, NULL, NULL);
}

/* Pools: spawn blocks while full, the inline spawn from inside a full
 * pool, waitall from outside and the assertion from inside. */
typedef struct p_pools {
    sim_pool_t *p;
} p_pools_t;

static p_pools_t PP;

static int p_pool_worker(sim_world_t *w, void *arg)
{
    intptr_t i = (intptr_t)arg;

    note(w, "work", sim_sleep(w, SIM_MS(1 + i % 3)));
    if (i == 1) {
        sim_thread_t *t;
        note(w, "inline", sim_pool_spawn(w, PP.p, "inner", p_pool_worker,
                                         (void *)(intptr_t)10, &t));
        note(w, "waitall-inside", sim_pool_waitall(w, PP.p));
    }
    return 0;
}

static int p_pool_spawner(sim_world_t *w, void *arg)
{
    (void)arg;
    for (intptr_t i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "worker-%d", (int)i);
        note(w, "spawn", sim_pool_spawn(w, PP.p, name, p_pool_worker,
                                        (void *)i, NULL));
    }
    note(w, "waitall", sim_pool_waitall(w, PP.p));
    sim_trace(w, "note", cur(w), "free %d", sim_pool_free(PP.p));
    return 0;
}

static void prog_pools(sim_world_t *w)
{
    memset(&PP, 0, sizeof PP);
    sim_pool_new(w, "pool", 2, &PP.p);
    sim_spawn(w, "spawner", p_pool_spawner, NULL, NULL);
}

/* A hang after some timed work: both backends report the same threads. */
static sim_event_t *PH_never;

static int p_hang_waiter(sim_world_t *w, void *arg)
{
    (void)arg;
    note(w, "hw", sim_sleep(w, SIM_MS(2)));
    return sim_event_wait(w, PH_never, NULL);
}

static void prog_hang(sim_world_t *w)
{
    static sim_time_t d = SIM_MS(3);

    sim_event_new(w, "never", &PH_never);
    sim_spawn(w, "hw", p_hang_waiter, NULL, NULL);
    sim_spawn(w, "sleeper", body_sleep, &d, NULL);
}

/* Trace without the time fields. */
static char *trace_untimed(sim_world_t *w)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);

    assert_non_null(buf);
    buf[0] = '\0';
    for (size_t i = 0; i < sim_trace_count(w); i++) {
        const sim_trace_event_t *e = sim_trace_get(w, i);
        int k;

        for (;;) {
            k = snprintf(buf + n, cap - n, "%llu %llu %u %s:%s:%s\n",
                         (unsigned long long)e->seq,
                         (unsigned long long)e->step, e->thread, e->kind,
                         e->subject, e->detail);
            if ((size_t)k < cap - n)
                break;
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        n += (size_t)k;
    }
    return buf;
}

static void differential(program_fn prog, int want_rc)
{
    sim_world_t *v;
    char *tv, *tu;
    int rv, ru;
    int64_t t0;

    assert_int_equal(sim_world_new(NULL, &v), 0);
    prog(v);
    rv = sim_run(v);
    tv = trace_untimed(v);

    new_uv(NULL);
    prog(W);
    t0 = wall_ns();
    ru = sim_run(W);
    assert_true(wall_ns() - t0 < WALL_MAX_NS);
    tu = trace_untimed(W);

    assert_int_equal(rv, want_rc);
    assert_int_equal(ru, rv);
    assert_string_equal(tu, tv);
    assert_int_equal(sim_steps(W), sim_steps(v));
    assert_true(sim_trace_count(v) > 10);
    /* The same timeline; real time went at least as far. */
    assert_int_equal(sim_now(W), sim_now(v));
    assert_true(sim_trace_get(W, sim_trace_count(W) - 1)->time >= sim_now(v));
    free(tv);
    free(tu);
    sim_world_free(v);
}

static void test_differential_sleeps(void **state)
{
    (void)state;
    differential(prog_sleeps, SIM_OK);
}

static void test_differential_kills(void **state)
{
    (void)state;
    differential(prog_kills, SIM_OK);
}

static void test_differential_events(void **state)
{
    (void)state;
    differential(prog_events, SIM_OK);
}

static void test_differential_semaphores(void **state)
{
    (void)state;
    differential(prog_sems, SIM_OK);
}

static void test_differential_pools(void **state)
{
    (void)state;
    differential(prog_pools, SIM_OK);
}

static void test_differential_hang(void **state)
{
    (void)state;
    differential(prog_hang, SIM_EHUNG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_new_uv_checks_its_arguments),
        T(test_allocation_failures_unwind),
        T(test_two_worlds_share_one_loop),
        T(test_empty_world_is_done_at_once),
        T(test_sleep_takes_real_time),
        T(test_a_chain_of_sleeps_does_not_drift),
        T(test_ready_queue_drains_in_rounds_between_polls),
        T(test_choices_answer_fifo_and_are_not_recorded),
        T(test_blocked_threads_without_outside_sources_are_hung),
        T(test_a_ref_keeps_blocked_threads_waiting_for_the_host),
        T(test_threads_spawned_by_a_host_callback_run),
        T(test_a_host_uv_stop_interrupts_and_run_resumes),
        T(test_run_again_after_spawning_more),
        T(test_run_from_a_green_thread_is_refused),
        T(test_step_and_time_limits),
        T(test_wait_timeout_in_real_time),
        T(test_killed_sleeper_stops_nothing_else),
        T(test_signal_handler_runs_on_the_hub),
        T(test_removed_signal_handler_keeps_nothing_waiting),
        T(test_second_sigint_while_stopping_kills),
        T(test_stack_overflow_inside_a_loop_callback),
        T(test_differential_sleeps),
        T(test_differential_kills),
        T(test_differential_events),
        T(test_differential_semaphores),
        T(test_differential_pools),
        T(test_differential_hang),
#undef T
    };
    sim_world_t *w;

    /* One run installs sim's overflow handler; keep it for the overflow
     * test, since cmocka installs its own around every test. */
    if (sim_world_new(NULL, &w) != 0 || sim_run(w) != SIM_OK)
        return 1;
    sim_world_free(w);
    sigaction(SIGSEGV, NULL, &sim_segv);
    sigaction(SIGBUS, NULL, &sim_bus);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
