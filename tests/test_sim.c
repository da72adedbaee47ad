/*
 * test_sim.c - the scheduler's rules, one test per behaviour.
 *
 * Green threads record what they see in a log (one token per entry) and
 * the assertions run on the main stack once sim_run returned.  Every test
 * runs on both context-switch backends (test_sim and test_sim-ucontext).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim.h"

static sim_world_t *W;
static char LOG[8192];

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    size_t n = strlen(LOG);
    va_list ap;

    if (n > 0 && n + 1 < sizeof LOG)
        LOG[n++] = ' ';
    va_start(ap, fmt);
    vsnprintf(LOG + n, sizeof LOG - n, fmt, ap);
    va_end(ap);
}

static const char *cur(sim_world_t *w)
{
    sim_thread_t *t = sim_current(w);
    return t ? sim_thread_name(t) : "hub";
}

static int setup(void **state)
{
    (void)state;
    LOG[0] = '\0';
    return sim_world_new(NULL, &W);
}

static int teardown(void **state)
{
    (void)state;
    sim_world_free(W);
    W = NULL;
    return 0;
}

static sim_thread_t *spawn(const char *name, sim_thread_fn fn, void *arg)
{
    sim_thread_t *t = NULL;
    assert_int_equal(sim_spawn(W, name, fn, arg, &t), 0);
    return t;
}

/* Trace as "kind:subject:detail" lines, "run" events left out. */
static void trace_text(sim_world_t *w, char *buf, size_t size, int with_run)
{
    size_t i, n = 0;

    buf[0] = '\0';
    for (i = 0; i < sim_trace_count(w); i++) {
        const sim_trace_event_t *e = sim_trace_get(w, i);
        if (!with_run && strcmp(e->kind, "run") == 0)
            continue;
        n += (size_t)snprintf(buf + n, size > n ? size - n : 0,
                              "%llu/%lld/%u %s:%s:%s\n",
                              (unsigned long long)e->step, (long long)e->time,
                              e->thread, e->kind, e->subject, e->detail);
    }
}

static int trace_has(const char *kind, const char *subject, const char *detail)
{
    size_t i;

    for (i = 0; i < sim_trace_count(W); i++) {
        const sim_trace_event_t *e = sim_trace_get(W, i);
        if (strcmp(e->kind, kind) == 0 &&
            (subject == NULL || strcmp(e->subject, subject) == 0) &&
            (detail == NULL || strcmp(e->detail, detail) == 0))
            return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- bodies */

static int body_log(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    logf_("%s", cur(w));
    return 0;
}

static int body_yield_n(sim_world_t *w, void *arg)
{
    int i, n = (int)(intptr_t)arg;

    for (i = 0; i < n; i++) {
        logf_("%s%d", cur(w), i);
        assert_int_equal(sim_yield(w), 0);
    }
    logf_("%s$", cur(w));
    return 0;
}

static int body_sleep(sim_world_t *w, void *arg)
{
    char tb[32];

    assert_int_equal(sim_sleep(w, (sim_time_t)(intptr_t)arg), 0);
    sim_time_format(sim_now(w), tb, sizeof tb);
    logf_("%s@%s", cur(w), tb);
    return 0;
}

static int body_wait_event(sim_world_t *w, void *arg)
{
    const void *v = NULL;
    int rc = sim_event_wait(w, arg, &v);

    logf_("%s:%d:%s", cur(w), rc, rc == 0 && v ? (const char *)v : "-");
    return rc;
}

static int link_log(sim_world_t *w, sim_thread_t *t, void *arg)
{
    (void)w;
    logf_("%s(%s)@%s", arg ? (const char *)arg : "L", sim_thread_name(t), cur(w));
    return 0;
}

/* ---------------------------------------------------------------- basics */

static sim_thread_t *g_t;

static int body_spawner(sim_world_t *w, void *arg)
{
    (void)arg;
    assert_int_equal(sim_spawn(w, "child", body_log, NULL, &g_t), 0);
    logf_("spawned:%d", (int)sim_thread_state(g_t));
    return 0;
}

static void test_spawn_never_switches(void **state)
{
    sim_thread_t *a;

    (void)state;
    a = spawn("a", body_log, NULL);
    assert_int_equal(sim_thread_state(a), SIM_THREAD_NEW);
    assert_string_equal(LOG, "");
    assert_null(sim_current(W));
    spawn("parent", body_spawner, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "a spawned:0 child");
    assert_int_equal(sim_thread_id(a), 1);
    assert_int_equal(sim_thread_id(g_t), 3);
    assert_true(trace_has("spawn", "child", "id=3"));
}

static void test_fifo_order(void **state)
{
    (void)state;
    spawn("a", body_yield_n, (void *)2);
    spawn("b", body_yield_n, (void *)2);
    spawn("c", body_yield_n, (void *)1);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "a0 b0 c0 a1 b1 c$ a$ b$");
    assert_int_equal(sim_steps(W), 8);
}

static void test_sleep_ordering_and_clock_jump(void **state)
{
    (void)state;
    spawn("a", body_sleep, (void *)(intptr_t)SIM_MS(5));
    spawn("b", body_sleep, (void *)(intptr_t)SIM_MS(2));
    spawn("c", body_sleep, (void *)(intptr_t)SIM_MS(5));
    spawn("d", body_sleep, (void *)(intptr_t)1500000);
    spawn("e", body_yield_n, (void *)1);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "e0 e$ d@1500us b@2ms a@5ms c@5ms");
    assert_int_equal(sim_now(W), SIM_MS(5));
    assert_true(trace_has("sleep", "d", "1500us"));
    assert_true(trace_has("wake", "a", "timer"));
}

static int body_yield_then_spawn(sim_world_t *w, void *arg)
{
    (void)arg;
    logf_("y0");
    assert_int_equal(sim_spawn(w, "late", body_log, NULL, NULL), 0);
    assert_int_equal(sim_sleep(w, 0), 0); /* sleep(0) is a yield */
    logf_("y1");
    return 0;
}

static void test_yield_requeues_at_tail(void **state)
{
    (void)state;
    spawn("y", body_yield_then_spawn, NULL);
    spawn("other", body_log, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    /* "late" was queued before y's yield, so it runs before y resumes. */
    assert_string_equal(LOG, "y0 other late y1");
    assert_true(trace_has("yield", "y", ""));
}

static void test_hub_cannot_block(void **state)
{
    sim_event_t *e;
    sim_sem_t *s;

    (void)state;
    assert_int_equal(sim_yield(W), SIM_ESTATE);
    assert_int_equal(sim_sleep(W, SIM_MS(1)), SIM_ESTATE);
    assert_int_equal(sim_event_new(W, "go", &e), 0);
    assert_int_equal(sim_event_wait(W, e, NULL), SIM_ESTATE);
    assert_int_equal(sim_sem_new(W, "s", 0, &s), 0);
    assert_int_equal(sim_sem_acquire(W, s), SIM_ESTATE);
    assert_int_equal(sim_run(W), SIM_OK);
}

static void test_run_again_after_more_spawns(void **state)
{
    (void)state;
    spawn("a", body_log, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    spawn("b", body_sleep, (void *)(intptr_t)SIM_MS(1));
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "a b@1ms");
    assert_int_equal(sim_thread_id(sim_thread_by_id(W, 2)), 2);
    assert_int_equal(sim_thread_count(W), 2);
}

/* ---------------------------------------------------------------- kill */

static sim_thread_t *g_victim;
static int g_kill_rc;

static int body_killer(sim_world_t *w, void *arg)
{
    (void)arg;
    logf_("K0");
    g_kill_rc = sim_thread_kill(w, g_victim, NULL);
    logf_("K1");
    return 0;
}

static void test_kill_dead_is_noop_without_yield(void **state)
{
    (void)state;
    g_victim = spawn("d", body_log, NULL);
    spawn("k", body_killer, NULL);
    spawn("x", body_log, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_int_equal(g_kill_rc, 0);
    assert_string_equal(LOG, "d K0 K1 x");
    assert_null(sim_thread_exit_error(g_victim));
    assert_true(trace_has("kill", "d", "dead"));
}

static int body_spawn_and_kill(sim_world_t *w, void *arg)
{
    (void)arg;
    assert_int_equal(sim_spawn(w, "v", body_log, NULL, &g_victim), 0);
    assert_int_equal(sim_thread_link(w, g_victim, link_log, "L1"), 0);
    assert_int_equal(sim_thread_link(w, g_victim, link_log, "L2"), 0);
    g_kill_rc = sim_thread_kill(w, g_victim, NULL);
    logf_("K:%d:%d", g_kill_rc, (int)sim_thread_state(g_victim));
    return 0;
}

static void test_kill_not_started(void **state)
{
    (void)state;
    spawn("k", body_spawn_and_kill, NULL);
    spawn("y", body_log, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    /* Links in the killer before kill returns; body never ran; the killer
     * still yielded, so y (queued before) ran first. */
    assert_string_equal(LOG, "L1(v)@k L2(v)@k y K:0:5");
    assert_ptr_equal(sim_thread_exit_error(g_victim), &sim_error_exit);
    assert_true(trace_has("kill", "v", "not-started"));
    assert_true(trace_has("exit", "v", "killed"));
}

static sim_event_t *g_ev;

static void test_kill_suspended(void **state)
{
    (void)state;
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    g_victim = spawn("v", body_wait_event, g_ev);
    assert_int_equal(sim_thread_link(W, g_victim, link_log, "L"), 0);
    spawn("k", body_killer, NULL);
    spawn("x", body_log, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    /* v unwinds at once (rc -1 = SIM_EKILLED), runs its link in itself,
     * then x (queued before the killer's wake-up), then the killer. */
    assert_string_equal(LOG, "K0 v:-1:- L(v)@v x K1");
    assert_int_equal(g_kill_rc, 0);
    assert_ptr_equal(sim_thread_exit_error(g_victim), &sim_error_exit);
    assert_int_equal(sim_thread_state(g_victim), SIM_THREAD_DEAD);
    assert_true(trace_has("kill", "v", "suspended"));
}

static int body_self_kill(sim_world_t *w, void *arg)
{
    int rc;

    (void)arg;
    rc = sim_thread_kill(w, sim_current(w), NULL);
    logf_("self:%d:%d", rc, sim_error_pending(w) == &sim_error_exit);
    assert_ptr_equal(sim_error_take(w), &sim_error_exit);
    /* The stray wake-up eventlet leaves behind must not disturb us. */
    assert_int_equal(sim_sleep(w, SIM_MS(1)), 0);
    logf_("slept@%lld", (long long)sim_now(w));
    return 0;
}

static void test_kill_self_raises_at_once(void **state)
{
    (void)state;
    spawn("s", body_self_kill, NULL);
    spawn("x", body_log, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "self:-1:1 x slept@1000000");
    assert_true(trace_has("kill", "s", "self"));
}

static const sim_error_t *g_boom;

static int body_kill_boom(sim_world_t *w, void *arg)
{
    (void)arg;
    g_kill_rc = sim_thread_kill(w, g_victim, g_boom);
    return 0;
}

static int body_wait_thread(sim_world_t *w, void *arg)
{
    const void *r = NULL;
    int rc = sim_thread_wait(w, arg, &r);
    const sim_error_t *e = sim_error_take(w);

    logf_("%s:%d:%s:%s", cur(w), rc, r ? (const char *)r : "-",
          e ? e->type : "-");
    if (e != NULL && e == g_boom)
        logf_("same");
    return 0;
}

static void test_kill_with_custom_error(void **state)
{
    (void)state;
    g_boom = sim_error_new(W, "Boom", "disk on fire", 0);
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    g_victim = spawn("v", body_wait_event, g_ev);
    spawn("w", body_wait_thread, g_victim);
    spawn("k", body_kill_boom, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "v:-2:- w:-2:-:Boom same");
    assert_ptr_equal(sim_thread_exit_error(g_victim), g_boom);
    assert_true(trace_has("exit", "v", "error Boom: disk on fire"));
}

static int body_catch_and_block_again(sim_world_t *w, void *arg)
{
    int rc = sim_event_wait(w, arg, NULL);

    logf_("caught:%d", rc);
    sim_error_take(w);
    rc = sim_sleep(w, SIM_MS(3));
    logf_("again:%d@%lld", rc, (long long)sim_now(w));
    return 0;
}

static void test_kill_victim_may_catch_and_block_again(void **state)
{
    (void)state;
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    g_victim = spawn("v", body_catch_and_block_again, g_ev);
    spawn("k", body_killer, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "K0 caught:-1 K1 again:0@3000000");
    assert_null(sim_thread_exit_error(g_victim));
}

static void test_kill_from_hub(void **state)
{
    sim_thread_t *v;

    (void)state;
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    v = spawn("v", body_wait_event, g_ev);
    assert_int_equal(sim_thread_link(W, v, link_log, "L"), 0);
    assert_int_equal(sim_run(W), SIM_EHUNG);
    assert_int_equal(sim_thread_kill(W, v, NULL), 0);
    assert_string_equal(LOG, "v:-1:- L(v)@v");
    assert_int_equal(sim_thread_state(v), SIM_THREAD_DEAD);
    assert_int_equal(sim_run(W), SIM_OK);
}

/* ---------------------------------------------------------------- links */

static int link_wait_target(sim_world_t *w, sim_thread_t *t, void *arg)
{
    const void *r = NULL;
    int rc = sim_thread_wait(w, t, &r);

    (void)arg;
    logf_("L1(%s)@%s:%d:%s:%d", sim_thread_name(t), cur(w), rc,
          r ? (const char *)r : "-", (int)sim_thread_state(t));
    return 0;
}

static int body_result(sim_world_t *w, void *arg)
{
    sim_thread_set_result(w, arg);
    logf_("%s", cur(w));
    return 0;
}

static void test_links_fifo_in_dying_thread(void **state)
{
    sim_thread_t *t;

    (void)state;
    t = spawn("t", body_result, "res");
    assert_int_equal(sim_thread_link(W, t, link_wait_target, NULL), 0);
    assert_int_equal(sim_thread_link(W, t, link_log, "L2"), 0);
    assert_int_equal(sim_run(W), SIM_OK);
    /* The exit is observable in the links (wait returns, state EXITING). */
    assert_string_equal(LOG, "t L1(t)@t:0:res:4 L2(t)@t");
}

static int body_link_late(sim_world_t *w, void *arg)
{
    int rc = sim_thread_link(w, arg, link_log, "late");
    logf_("linked:%d", rc);
    return 0;
}

static void test_link_after_exit_runs_in_caller(void **state)
{
    sim_thread_t *t;

    (void)state;
    t = spawn("t", body_log, NULL);
    spawn("u", body_link_late, t);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "t late(t)@u linked:0");
    assert_int_equal(sim_thread_link(W, t, link_log, "hub"), 0);
    assert_string_equal(LOG, "t late(t)@u linked:0 hub(t)@hub");
}

static int link_adds_link(sim_world_t *w, sim_thread_t *t, void *arg)
{
    (void)arg;
    logf_("L1@%s", cur(w));
    return sim_thread_link(w, t, link_log, "L3");
}

static void test_link_added_during_links_runs_in_same_loop(void **state)
{
    sim_thread_t *t;

    (void)state;
    t = spawn("t", body_log, NULL);
    assert_int_equal(sim_thread_link(W, t, link_adds_link, NULL), 0);
    assert_int_equal(sim_thread_link(W, t, link_log, "L2"), 0);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "t L1@t L2(t)@t L3(t)@t");
}

static int link_raise(sim_world_t *w, sim_thread_t *t, void *arg)
{
    (void)t;
    logf_("raise@%s", cur(w));
    return sim_raise(w, arg);
}

static void test_link_raising_replaces_exit_error(void **state)
{
    sim_thread_t *t;
    const void *r = NULL;

    (void)state;
    g_boom = sim_error_new(W, "Boom", "in link", 0);
    t = spawn("t", body_result, "res");
    assert_int_equal(sim_thread_link(W, t, link_raise, (void *)g_boom), 0);
    assert_int_equal(sim_thread_link(W, t, link_log, "skipped"), 0);
    spawn("w", body_wait_thread, t);
    assert_int_equal(sim_run(W), SIM_OK);
    /* The remaining link is aborted; waiters still see the original
     * outcome, which was observable before the links ran. */
    assert_string_equal(LOG, "t raise@t w:0:res:-");
    assert_ptr_equal(sim_thread_exit_error(t), g_boom);
    assert_int_equal(sim_thread_wait(W, t, &r), 0);
    assert_string_equal(r, "res");
    assert_true(trace_has("link", "t", "error Boom: in link"));
}

/* ---------------------------------------------------------------- wait */

static int body_raise(sim_world_t *w, void *arg)
{
    assert_int_equal(sim_yield(w), 0);
    return sim_raise(w, arg);
}

static void test_thread_wait_result_raise_killed(void **state)
{
    sim_thread_t *a, *b, *c;

    (void)state;
    g_boom = sim_error_new(W, "Boom", "", 0);
    a = spawn("a", body_result, "ra");
    b = spawn("b", body_raise, (void *)g_boom);
    assert_int_equal(sim_event_new(W, "never", &g_ev), 0);
    c = spawn("c", body_wait_event, g_ev);
    spawn("wa", body_wait_thread, a);
    spawn("wb", body_wait_thread, b);
    spawn("wc", body_wait_thread, c);
    assert_int_equal(sim_run(W), SIM_EHUNG);
    assert_int_equal(sim_thread_kill(W, c, NULL), 0);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "a wa:0:ra:- wb:-2:-:Boom same c:-1:- "
                             "wc:-1:-:GreenletExit");
    assert_true(trace_has("block", "wb", "thread b"));
}

static int body_wait_log(sim_world_t *w, void *arg)
{
    assert_int_equal(sim_thread_wait(w, arg, NULL), 0);
    logf_("%s", cur(w));
    return 0;
}

static void test_thread_waiters_wake_in_later_pass_in_order(void **state)
{
    sim_thread_t *t;

    (void)state;
    t = spawn("t", body_yield_n, (void *)1);
    spawn("w1", body_wait_log, t);
    spawn("w2", body_wait_log, t);
    spawn("x", body_yield_n, (void *)1);
    assert_int_equal(sim_run(W), SIM_OK);
    /* t exits; x (queued before the wake-ups) runs first. */
    assert_string_equal(LOG, "t0 x0 t$ x$ w1 w2");
}

/* ---------------------------------------------------------------- event */

static int body_sender(sim_world_t *w, void *arg)
{
    int rc;

    rc = sim_event_send(w, arg, "v", NULL);
    logf_("sent:%d", rc);
    rc = sim_event_send(w, arg, "v2", NULL);
    logf_("again:%d:%s", rc, sim_error_pending(w)->message);
    sim_error_take(w);
    return 0;
}

static void test_event_send_wakes_in_order_in_later_pass(void **state)
{
    (void)state;
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    spawn("w1", body_wait_event, g_ev);
    spawn("w2", body_wait_event, g_ev);
    spawn("w3", body_wait_event, g_ev);
    spawn("s", body_sender, g_ev);
    spawn("x", body_log, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "sent:0 again:-2:Trying to re-send() an "
                             "already-triggered event x w1:0:v w2:0:v w3:0:v");
    assert_true(trace_has("block", "w1", "event go"));
    assert_true(trace_has("send", "go", ""));
    assert_true(trace_has("wake", "w3", "event go"));
}

static void test_event_second_send_raises_assertion(void **state)
{
    const sim_error_t *e;

    (void)state;
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    assert_int_equal(sim_event_send(W, g_ev, NULL, NULL), 0);
    assert_int_equal(sim_event_send(W, g_ev, NULL, NULL), SIM_ERAISED);
    e = sim_error_take(W);
    assert_non_null(e);
    assert_string_equal(e->type, "AssertionError");
    assert_string_equal(e->message,
                        "Trying to re-send() an already-triggered event");
}

static int body_wait_ready(sim_world_t *w, void *arg)
{
    const void *v = NULL;
    int rc;

    logf_("a0");
    rc = sim_event_wait(w, arg, &v);
    logf_("a1:%d:%s:%d", rc, v ? (const char *)v : "-",
          sim_error_pending(w) == g_boom);
    sim_error_take(w);
    return 0;
}

static void test_event_wait_returns_at_once_when_ready(void **state)
{
    sim_event_t *ok;

    (void)state;
    g_boom = sim_error_new(W, "Boom", "x", 0);
    assert_int_equal(sim_event_new(W, "ok", &ok), 0);
    assert_int_equal(sim_event_new(W, "bad", &g_ev), 0);
    assert_int_equal(sim_event_send(W, ok, "val", NULL), 0);
    assert_int_equal(sim_event_send(W, g_ev, NULL, g_boom), 0);
    assert_true(sim_event_ready(ok));
    spawn("a", body_wait_ready, ok);
    spawn("x", body_log, NULL);
    spawn("b", body_wait_ready, g_ev);
    assert_int_equal(sim_run(W), SIM_OK);
    /* No yield: a's two entries are adjacent; the error is the same object. */
    assert_string_equal(LOG, "a0 a1:0:val:0 x a0 a1:-2:-:1");
}

static void test_event_reset_only_after_send(void **state)
{
    (void)state;
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    assert_int_equal(sim_event_reset(W, g_ev), SIM_EINVAL);
    assert_int_equal(sim_event_send(W, g_ev, "1", NULL), 0);
    assert_int_equal(sim_event_reset(W, g_ev), 0);
    assert_false(sim_event_ready(g_ev));
    spawn("w", body_wait_event, g_ev);
    assert_int_equal(sim_run(W), SIM_EHUNG);
    assert_int_equal(sim_event_send(W, g_ev, "2", NULL), 0);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "w:0:2");
}

/* eventlet's `with Timeout(5ms, exception=False): ev.wait()` */
static int body_wait_timeout(sim_world_t *w, void *arg)
{
    const void *v = NULL;
    int timed_out = -1;
    char tb[32];
    int rc = sim_event_wait_timeout(w, arg, SIM_MS(5), &v, &timed_out);

    sim_time_format(sim_now(w), tb, sizeof tb);
    logf_("%s:%d:%s:%s@%s", cur(w), rc, timed_out ? "timeout" : "sent",
          rc == 0 && v ? (const char *)v : "-", tb);
    return rc;
}

static int body_send_after(sim_world_t *w, void *arg)
{
    assert_int_equal(sim_sleep(w, (sim_time_t)(intptr_t)arg), 0);
    logf_("send");
    return sim_event_send(w, g_ev, "v", NULL);
}

static void test_event_wait_timeout_expires(void **state)
{
    (void)state;
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    spawn("w", body_wait_timeout, g_ev);
    spawn("s", body_send_after, (void *)(intptr_t)SIM_MS(7));
    assert_int_equal(sim_run(W), SIM_OK);
    /* The waiter left the event's waiters: the later send wakes nobody. */
    assert_string_equal(LOG, "w:0:timeout:-@5ms send");
    assert_true(trace_has("wake", "w", "timeout"));
}

static void test_event_wait_timeout_sent_first(void **state)
{
    (void)state;
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    spawn("w", body_wait_timeout, g_ev);
    spawn("s", body_send_after, (void *)(intptr_t)SIM_MS(2));
    assert_int_equal(sim_run(W), SIM_OK);
    /* The dead timeout timer neither wakes w again nor moves the clock. */
    assert_string_equal(LOG, "send w:0:sent:v@2ms");
    assert_int_equal(sim_now(W), SIM_MS(2));
    assert_int_equal(sim_event_wait_timeout(W, g_ev, 0, NULL, NULL),
                     SIM_EINVAL);
}

static int body_kill_after_1ms(sim_world_t *w, void *arg)
{
    assert_int_equal(sim_sleep(w, SIM_MS(1)), 0);
    return sim_thread_kill(w, arg, NULL);
}

static void test_event_wait_timeout_killed(void **state)
{
    sim_thread_t *t;

    (void)state;
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    t = spawn("w", body_wait_timeout, g_ev);
    spawn("k", body_kill_after_1ms, t);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "w:-1:sent:-@1ms");
    assert_int_equal(sim_now(W), SIM_MS(1));
}

/* ---------------------------------------------------------------- semaphore */

static sim_sem_t *g_sem;

static int body_acquire(sim_world_t *w, void *arg)
{
    int rc = sim_sem_acquire(w, g_sem);

    logf_("%s:acq:%d", cur(w), rc);
    if (rc < 0)
        return rc;
    if (arg != NULL)
        assert_int_equal(sim_sleep(w, (sim_time_t)(intptr_t)arg), 0);
    sim_sem_release(w, g_sem);
    return 0;
}

static int body_holder(sim_world_t *w, void *arg)
{
    (void)arg;
    assert_int_equal(sim_sem_acquire(w, g_sem), 0);
    logf_("h:acq");
    assert_int_equal(sim_yield(w), 0);
    logf_("h:bal=%d", sim_sem_balance(g_sem));
    assert_int_equal(sim_sem_release(w, g_sem), 0);
    /* Waiters exist: a fair semaphore puts the releaser behind them. */
    assert_int_equal(sim_sem_acquire(w, g_sem), 0);
    logf_("h:again");
    return sim_sem_release(w, g_sem);
}

static void test_sem_fifo_fairness(void **state)
{
    (void)state;
    assert_int_equal(sim_sem_new(W, "s", 1, &g_sem), 0);
    spawn("h", body_holder, NULL);
    spawn("b", body_acquire, NULL);
    spawn("c", body_acquire, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "h:acq h:bal=-2 b:acq:0 c:acq:0 h:again");
    assert_int_equal(sim_sem_balance(g_sem), 1);
    assert_true(trace_has("block", "b", "semaphore s"));
}

static int body_release_and_kill(sim_world_t *w, void *arg)
{
    (void)arg;
    assert_int_equal(sim_sem_release(w, g_sem), 0);
    /* The _do_acquire entry is queued; the oldest waiter dies before it
     * fires, so the slot passes on to the next one. */
    assert_int_equal(sim_thread_kill(w, g_victim, NULL), 0);
    logf_("k:bal=%d", sim_sem_balance(g_sem));
    return 0;
}

static void test_sem_killed_waiter_passes_slot_on(void **state)
{
    (void)state;
    assert_int_equal(sim_sem_new(W, "s", 0, &g_sem), 0);
    g_victim = spawn("a", body_acquire, NULL);
    spawn("b", body_acquire, NULL);
    spawn("c", body_acquire, NULL);
    assert_int_equal(sim_run(W), SIM_EHUNG);
    assert_int_equal(sim_sem_balance(g_sem), -3);
    spawn("k", body_release_and_kill, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "a:acq:-1 b:acq:0 k:bal=0 c:acq:0");
    assert_int_equal(sim_sem_balance(g_sem), 1);
}

/* ---------------------------------------------------------------- pool */

static sim_pool_t *g_pool;

static int body_pool_worker(sim_world_t *w, void *arg)
{
    char tb[32];

    assert_int_equal(sim_sleep(w, (sim_time_t)(intptr_t)arg), 0);
    sim_time_format(sim_now(w), tb, sizeof tb);
    logf_("%s@%s", cur(w), tb);
    return 0;
}

static int body_pool_spawner(sim_world_t *w, void *arg)
{
    int i;
    char name[16], tb[32];

    (void)arg;
    for (i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "w%d", i);
        assert_int_equal(sim_pool_spawn(w, g_pool, name, body_pool_worker,
                                        (void *)(intptr_t)SIM_MS(1), NULL),
                         0);
        sim_time_format(sim_now(w), tb, sizeof tb);
        logf_("spawned:%s@%s:run=%d:free=%d", name, tb,
              sim_pool_running(g_pool), sim_pool_free(g_pool));
    }
    return 0;
}

static void test_pool_spawn_blocks_when_full(void **state)
{
    (void)state;
    assert_int_equal(sim_pool_new(W, "pool", 2, &g_pool), 0);
    spawn("s", body_pool_spawner, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    /* w0 and w1 both finish at 1ms before the spawner's _do_acquire
     * fires, so two slots are free when it resumes. */
    assert_string_equal(LOG, "spawned:w0@0ns:run=1:free=1 "
                             "spawned:w1@0ns:run=2:free=0 "
                             "w0@1ms w1@1ms spawned:w2@1ms:run=1:free=1 w2@2ms");
    assert_true(trace_has("block", "s", "semaphore pool"));
    assert_int_equal(sim_pool_running(g_pool), 0);
}

static int body_inline_child(sim_world_t *w, void *arg)
{
    logf_("inline@%s", cur(w));
    sim_thread_set_result(w, "ir");
    return arg ? sim_raise(w, arg) : 0;
}

static int body_pool_member(sim_world_t *w, void *arg)
{
    sim_thread_t *t = NULL;
    int rc;

    (void)arg;
    logf_("member:in=%d", sim_pool_contains(g_pool, sim_current(w)));
    rc = sim_pool_spawn(w, g_pool, "c1", body_inline_child, NULL, &t);
    logf_("rc=%d:state=%d:res=%s", rc, (int)sim_thread_state(t),
          (const char *)sim_thread_result(t));
    rc = sim_pool_spawn(w, g_pool, "c2", body_inline_child, (void *)g_boom, &t);
    logf_("rc=%d:err=%d", rc, sim_error_take(w) == g_boom);
    return 0;
}

static void test_pool_inline_spawn_when_full_from_inside(void **state)
{
    (void)state;
    g_boom = sim_error_new(W, "Boom", "", 0);
    assert_int_equal(sim_pool_new(W, "pool", 1, &g_pool), 0);
    assert_int_equal(sim_pool_spawn(W, g_pool, "m", body_pool_member, NULL, NULL), 0);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "member:in=1 inline@m rc=0:state=5:res=ir "
                             "inline@m rc=-2:err=1");
    assert_true(trace_has("spawn", "c1", "id=2 inline"));
}

static int body_waitall(sim_world_t *w, void *arg)
{
    int rc;

    (void)arg;
    logf_("wa0");
    rc = sim_pool_waitall(w, g_pool);
    logf_("wa1:%d", rc);
    return 0;
}

static void test_pool_waitall_returns_at_once_when_idle(void **state)
{
    (void)state;
    assert_int_equal(sim_pool_new(W, "pool", 2, &g_pool), 0);
    assert_int_equal(sim_pool_waitall(W, g_pool), 0);
    spawn("a", body_waitall, NULL);
    spawn("x", body_log, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "wa0 wa1:0 x");
}

static void test_pool_waitall_wakes_after_last_links(void **state)
{
    sim_thread_t *t;

    (void)state;
    assert_int_equal(sim_pool_new(W, "pool", 2, &g_pool), 0);
    assert_int_equal(sim_pool_spawn(W, g_pool, "p1", body_yield_n, (void *)1, &t), 0);
    assert_int_equal(sim_thread_link(W, t, link_log, "L"), 0);
    assert_int_equal(sim_pool_spawn(W, g_pool, "p2", body_yield_n, (void *)2, &t), 0);
    assert_int_equal(sim_thread_link(W, t, link_log, "L"), 0);
    spawn("w", body_waitall, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "p10 p20 wa0 p1$ L(p1)@p1 p21 p2$ L(p2)@p2 wa1:0");
    assert_true(trace_has("block", "w", "pool pool"));
}

static int body_waitall_inside(sim_world_t *w, void *arg)
{
    int rc = sim_pool_waitall(w, g_pool);
    const sim_error_t *e = sim_error_take(w);

    (void)arg;
    logf_("rc=%d:%s:%s", rc, e ? e->type : "-", e ? e->message : "-");
    return 0;
}

static void test_pool_waitall_inside_pool_asserts(void **state)
{
    (void)state;
    assert_int_equal(sim_pool_new(W, "pool", 2, &g_pool), 0);
    assert_int_equal(sim_pool_spawn(W, g_pool, "p", body_waitall_inside, NULL, NULL), 0);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "rc=-2:AssertionError:Calling waitall() from within "
                             "one of the GreenPool's greenthreads will never "
                             "terminate.");
}

/* ---------------------------------------------------------------- hangs, limits */

static void collect_blocked(void *arg, const sim_thread_t *t, const char *on)
{
    (void)arg;
    logf_("%s=%s", sim_thread_name(t), on);
}

static int body_sleep_forever_then_wait(sim_world_t *w, void *arg)
{
    assert_int_equal(sim_sleep(w, SIM_MS(5)), 0);
    return sim_event_wait(w, arg, NULL);
}

static void test_hang_detection_names_blocked_threads(void **state)
{
    sim_thread_t *t;

    (void)state;
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    assert_int_equal(sim_sem_new(W, "lock", 0, &g_sem), 0);
    spawn("a", body_wait_event, g_ev);
    spawn("b", body_acquire, NULL);
    t = spawn("c", body_sleep_forever_then_wait, g_ev);
    spawn("d", body_wait_thread, t);
    spawn("e", body_log, NULL);
    assert_int_equal(sim_run(W), SIM_EHUNG);
    assert_int_equal(sim_now(W), SIM_MS(5));
    LOG[0] = '\0';
    sim_blocked_threads(W, collect_blocked, NULL);
    assert_string_equal(LOG, "a=event go b=semaphore lock c=event go d=thread c");
    assert_true(trace_has("hung", "a", "event go"));
    assert_true(trace_has("hung", "d", "thread c"));
    assert_false(trace_has("hung", "e", NULL));
}

static void test_blocked_threads_describes_sleep_and_ready(void **state)
{
    sim_config_t cfg = {0};

    (void)state;
    sim_world_free(W);
    cfg.step_limit = 2;
    assert_int_equal(sim_world_new(&cfg, &W), 0);
    spawn("s", body_sleep, (void *)(intptr_t)SIM_MS(5));
    spawn("y", body_yield_n, (void *)10);
    assert_int_equal(sim_run(W), SIM_ELIMIT);
    LOG[0] = '\0';
    sim_blocked_threads(W, collect_blocked, NULL);
    assert_string_equal(LOG, "s=sleep until 5ms y=ready");
    assert_true(trace_has("limit", "s", "sleep until 5ms"));
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

static void test_step_limit(void **state)
{
    sim_config_t cfg = {0};

    (void)state;
    sim_world_free(W);
    cfg.step_limit = 100;
    assert_int_equal(sim_world_new(&cfg, &W), 0);
    spawn("a", body_spin, NULL);
    spawn("b", body_spin, NULL);
    assert_int_equal(sim_run(W), SIM_ELIMIT);
    assert_int_equal(sim_steps(W), 100);
    assert_true(trace_has("limit", "a", "ready"));
    assert_true(trace_has("limit", "b", "ready"));
}

static int body_tick(sim_world_t *w, void *arg)
{
    (void)arg;
    for (;;) {
        int rc = sim_sleep(w, SIM_S(1));
        if (rc < 0)
            return rc;
    }
}

static void test_time_limit(void **state)
{
    sim_config_t cfg = {0};

    (void)state;
    sim_world_free(W);
    cfg.time_limit = SIM_S(10);
    assert_int_equal(sim_world_new(&cfg, &W), 0);
    spawn("tick", body_tick, NULL);
    assert_int_equal(sim_run(W), SIM_ELIMIT);
    assert_int_equal(sim_now(W), SIM_S(10));
    assert_true(trace_has("limit", "tick", "sleep until 11s"));
}

/* ---------------------------------------------------------------- strategies */

static int body_mixed(sim_world_t *w, void *arg)
{
    int i;

    for (i = 0; i < 3; i++) {
        if (sim_sleep(w, (i + (int)(intptr_t)arg) % 2 ? SIM_MS(1) : 0) < 0)
            return -1;
    }
    if (arg == (void *)0)
        return sim_event_send(w, g_ev, NULL, NULL);
    return sim_event_wait(w, g_ev, NULL);
}

static void run_random(uint64_t seed, char *trace, size_t size,
                       uint32_t *choices, size_t *nchoices)
{
    sim_config_t cfg = {0};
    sim_world_t *w;
    const uint32_t *c;
    int i;

    cfg.strategy = SIM_STRATEGY_RANDOM;
    cfg.seed = seed;
    assert_int_equal(sim_world_new(&cfg, &w), 0);
    assert_int_equal(sim_event_new(w, "go", &g_ev), 0);
    for (i = 0; i < 6; i++) {
        char name[8];
        snprintf(name, sizeof name, "t%d", i);
        assert_int_equal(sim_spawn(w, name, body_mixed, (void *)(intptr_t)i, NULL), 0);
    }
    assert_int_equal(sim_run(w), SIM_OK);
    trace_text(w, trace, size, 1);
    *nchoices = sim_choices(w, &c);
    assert_true(*nchoices > 0 && *nchoices <= 256);
    memcpy(choices, c, *nchoices * sizeof *c);
    sim_world_free(w);
}

static void test_random_same_seed_same_trace(void **state)
{
    static char t1[65536], t2[65536];
    uint32_t c1[256], c2[256];
    size_t n1, n2;

    (void)state;
    run_random(42, t1, sizeof t1, c1, &n1);
    run_random(42, t2, sizeof t2, c2, &n2);
    assert_string_equal(t1, t2);
    assert_int_equal(n1, n2);
    assert_memory_equal(c1, c2, n1 * sizeof *c1);
}

static void test_random_different_seeds_differ(void **state)
{
    static char t1[65536], t2[65536];
    uint32_t c1[256], c2[256];
    size_t n1, n2;
    int differ = 0;
    uint64_t seed;

    (void)state;
    run_random(1, t1, sizeof t1, c1, &n1);
    for (seed = 2; seed < 6 && !differ; seed++) {
        run_random(seed, t2, sizeof t2, c2, &n2);
        differ = n1 != n2 || memcmp(c1, c2, n1 * sizeof *c1) != 0;
        if (differ)
            assert_string_not_equal(t1, t2);
    }
    assert_true(differ);
}

static void test_fifo_choices_are_recorded_as_zero(void **state)
{
    const uint32_t *c;
    size_t n, i;

    (void)state;
    spawn("a", body_yield_n, (void *)2);
    spawn("b", body_yield_n, (void *)2);
    assert_int_equal(sim_run(W), SIM_OK);
    n = sim_choices(W, &c);
    /* a ready choice with 2 candidates before each of the first 5 resumes */
    assert_int_equal(n, 5);
    for (i = 0; i < n; i++)
        assert_int_equal(c[i], 0);
}

static void test_choice_info_records_kind_and_n(void **state)
{
    sim_choice_kind_t kind;
    unsigned n;

    (void)state;
    spawn("a", body_yield_n, (void *)1);
    spawn("b", body_yield_n, (void *)1);
    spawn("c", body_yield_n, (void *)1);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_int_equal(sim_choice_info(W, 0, &kind, &n), 0);
    assert_int_equal(kind, SIM_CHOICE_READY);
    assert_int_equal(n, 3);
    assert_int_equal(sim_choice_info(W, sim_choices(W, NULL), &kind, &n),
                     SIM_EINVAL);
}

static void test_disabled_choice_kind_is_not_asked(void **state)
{
    sim_config_t cfg = {0};
    sim_world_t *w;

    (void)state;
    cfg.strategy = SIM_STRATEGY_RANDOM;
    cfg.seed = 7;
    cfg.choices = SIM_CHOICE_BIT(SIM_CHOICE_WAKE_ORDER);
    assert_int_equal(sim_world_new(&cfg, &w), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(sim_spawn(w, "t", body_yield_n, (void *)3, NULL), 0);
    assert_int_equal(sim_run(w), SIM_OK);
    /* READY is off: eventlet's order, nothing recorded. */
    assert_int_equal(sim_choices(w, NULL), 0);
    sim_world_free(w);
}

static unsigned always_one(void *arg, sim_choice_kind_t kind, unsigned n)
{
    (void)arg;
    (void)n;
    return kind == SIM_CHOICE_TIMER_EARLY ? 1 : 0;
}

static void test_timer_early_fires_before_runnable_threads(void **state)
{
    sim_config_t cfg = {0};
    sim_world_t *w;

    (void)state;
    cfg.choices = SIM_CHOICES_ALL;
    assert_int_equal(sim_world_new(&cfg, &w), 0);
    sim_world_set_chooser(w, always_one, NULL);
    LOG[0] = '\0';
    assert_int_equal(sim_spawn(w, "s", body_sleep, (void *)(intptr_t)SIM_MS(3), NULL), 0);
    assert_int_equal(sim_spawn(w, "y", body_yield_n, (void *)2, NULL), 0);
    assert_int_equal(sim_run(w), SIM_OK);
    /* Under fifo s wakes after y finished; firing early lets it in
     * between y's yields, at 3ms. */
    assert_string_equal(LOG, "y0 s@3ms y1 y$");
    sim_world_free(w);
    /* The same program with the kind off: eventlet's order. */
    assert_int_equal(sim_world_new(NULL, &w), 0);
    sim_world_set_chooser(w, always_one, NULL);
    LOG[0] = '\0';
    assert_int_equal(sim_spawn(w, "s", body_sleep, (void *)(intptr_t)SIM_MS(3), NULL), 0);
    assert_int_equal(sim_spawn(w, "y", body_yield_n, (void *)2, NULL), 0);
    assert_int_equal(sim_run(w), SIM_OK);
    assert_string_equal(LOG, "y0 y1 y$ s@3ms");
    sim_world_free(w);
}

static void test_sleep_durations_traced_in_largest_exact_unit(void **state)
{
    (void)state;
    spawn("a", body_sleep, (void *)(intptr_t)SIM_US(1500));
    spawn("b", body_sleep, (void *)(intptr_t)SIM_S(2));
    spawn("c", body_sleep, (void *)(intptr_t)SIM_NS(3));
    spawn("d", body_sleep, (void *)(intptr_t)SIM_MS(120));
    spawn("e", body_sleep, (void *)(intptr_t)(SIM_S(1) + 1));
    assert_int_equal(sim_run(W), SIM_OK);
    assert_true(trace_has("sleep", "a", "1500us"));
    assert_true(trace_has("sleep", "b", "2s"));
    assert_true(trace_has("sleep", "c", "3ns"));
    assert_true(trace_has("sleep", "d", "120ms"));
    assert_true(trace_has("sleep", "e", "1000000001ns"));
}

static void test_trace_formats_like_printf(void **state)
{
    static char longs[600];
    const sim_trace_event_t *e;

    (void)state;
    sim_trace(W, "mark", "a", "%d|%u|%zu|%lld|%llu|%%|%s", -42, 7u,
              (size_t)123456789, -9000000000ll, 18446744073709551615ull,
              "str");
    sim_trace(W, "mark", "b", "%5s|%x|%.1f", "ab", 255u, 1.25);
    memset(longs, 'x', sizeof longs - 1);
    sim_trace(W, "mark", "c", "<%s>", longs);
    sim_trace(W, "mark", "d", "plain 100%% not a format? no: %s", "yes");
    e = sim_trace_get(W, 0);
    assert_string_equal(e->detail, "-42|7|123456789|-9000000000|"
                                   "18446744073709551615|%|str");
    assert_string_equal(sim_trace_get(W, 1)->detail, "   ab|ff|1.2");
    assert_int_equal(strlen(sim_trace_get(W, 2)->detail), sizeof longs + 1);
    assert_string_equal(sim_trace_get(W, 3)->detail,
                        "plain 100% not a format? no: yes");
}

static void test_prefix_replays_a_schedule(void **state)
{
    const uint32_t pick[] = {1, 1};

    (void)state;
    assert_int_equal(sim_world_set_prefix(W, pick, 2), 0);
    spawn("a", body_log, NULL);
    spawn("b", body_log, NULL);
    spawn("c", body_log, NULL);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(LOG, "b c a");
}

static unsigned last_choice(void *arg, sim_choice_kind_t kind, unsigned n)
{
    (void)arg;
    logf_("k%d/%u", (int)kind, n);
    return n - 1;
}

static void test_chooser_sees_timer_ties_and_wake_order(void **state)
{
    (void)state;
    sim_world_set_chooser(W, last_choice, NULL);
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    spawn("a", body_sleep, (void *)(intptr_t)SIM_MS(1));
    spawn("b", body_sleep, (void *)(intptr_t)SIM_MS(1));
    assert_int_equal(sim_run(W), SIM_OK);
    /* b runs first, so its timer is older; the tie picks a's (last), then
     * the ready choice picks b (last) again. */
    assert_string_equal(LOG, "k0/2 k3/2 k0/2 b@1ms a@1ms");
    LOG[0] = '\0';
    spawn("w1", body_wait_event, g_ev);
    spawn("w2", body_wait_event, g_ev);
    assert_int_equal(sim_run(W), SIM_EHUNG);
    assert_int_equal(sim_event_send(W, g_ev, "v", NULL), 0);
    assert_int_equal(sim_run(W), SIM_OK);
    /* w2 waits first; the wake order picks w1 (last) first; the ready
     * choice then picks w2 (last). */
    assert_string_equal(LOG, "k0/2 k1/2 k0/2 w2:0:v w1:0:v");
}

/* ---------------------------------------------------------------- world */

static void test_trace_copies_strings(void **state)
{
    char subject[16] = "subj", detail[8] = "x";
    const sim_trace_event_t *e;

    (void)state;
    sim_trace(W, "log", subject, "d=%s %d", detail, 7);
    strcpy(subject, "gone");
    e = sim_trace_get(W, 0);
    assert_string_equal(e->kind, "log");
    assert_string_equal(e->subject, "subj");
    assert_string_equal(e->detail, "d=x 7");
    assert_int_equal(e->thread, 0);
    assert_null(sim_trace_get(W, 1));
}

static void test_time_format(void **state)
{
    char b[32];

    (void)state;
    sim_time_format(SIM_S(2), b, sizeof b);
    assert_string_equal(b, "2s");
    sim_time_format(SIM_MS(5), b, sizeof b);
    assert_string_equal(b, "5ms");
    sim_time_format(SIM_US(1500), b, sizeof b);
    assert_string_equal(b, "1500us");
    sim_time_format(3, b, sizeof b);
    assert_string_equal(b, "3ns");
    sim_time_format(0, b, sizeof b);
    assert_string_equal(b, "0ns");
}

static void test_world_free_with_unfinished_threads(void **state)
{
    (void)state;
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    spawn("blocked", body_wait_event, g_ev);
    assert_int_equal(sim_run(W), SIM_EHUNG);
    spawn("never-started", body_log, NULL);
    /* teardown frees the world; neither thread runs again */
}

static void test_several_worlds_interleave(void **state)
{
    sim_world_t *a, *b;
    sim_stack_pool_t *pool;
    sim_config_t cfg = {0};

    (void)state;
    assert_int_equal(sim_stack_pool_new(0, &pool), 0);
    cfg.stack_pool = pool;
    assert_int_equal(sim_world_new(&cfg, &a), 0);
    assert_int_equal(sim_world_new(&cfg, &b), 0);
    assert_int_equal(sim_spawn(a, "a", body_yield_n, (void *)1, NULL), 0);
    assert_int_equal(sim_spawn(b, "b", body_yield_n, (void *)1, NULL), 0);
    assert_int_equal(sim_run(b), SIM_OK);
    assert_int_equal(sim_run(a), SIM_OK);
    sim_world_free(a);
    sim_world_free(b);
    sim_stack_pool_free(pool);
    assert_string_equal(LOG, "b0 b$ a0 a$");
}

static void test_alloc_failures_unwind(void **state)
{
    long n;
    int done = 0;

    (void)state;
    for (n = 0; n < 200 && !done; n++) {
        sim_world_t *w = NULL;
        sim_pool_t *p;
        int rc;

        sim_alloc_fail_after(n);
        rc = sim_world_new(NULL, &w);
        if (rc == 0) {
            rc = sim_pool_new(w, "p", 1, &p);
            if (rc == 0)
                rc = sim_spawn(w, "a", body_yield_n, (void *)1, NULL);
            if (rc == 0)
                rc = sim_pool_spawn(w, p, "b", body_yield_n, (void *)1, NULL);
            if (rc == 0) {
                rc = sim_run(w);
                done = rc == SIM_OK && sim_trace_count(w) > 0;
            }
            sim_world_free(w);
        }
        assert_true(rc == 0 || rc == SIM_ENOMEM || rc == SIM_OK);
    }
    sim_alloc_fail_after(-1);
    assert_true(done);
}

/* One fixed scenario whose full trace must be byte-identical on both
 * backends and from run to run: its digest is pinned here. */
static int body_golden(sim_world_t *w, void *arg)
{
    int i = (int)(intptr_t)arg, rc = 0;

    if (i == 0) {
        rc = sim_sleep(w, SIM_MS(2));
        if (rc == 0)
            rc = sim_event_send(w, g_ev, "go", NULL);
    } else if (i == 1) {
        rc = sim_sem_acquire(w, g_sem);
        if (rc == 0)
            rc = sim_sleep(w, SIM_MS(1));
        sim_sem_release(w, g_sem);
    } else if (i == 2) {
        rc = sim_sem_acquire(w, g_sem);
        if (rc == 0)
            rc = sim_event_wait(w, g_ev, NULL);
        sim_sem_release(w, g_sem);
    } else {
        rc = sim_thread_kill(w, sim_thread_by_id(w, 3), NULL);
        if (rc == 0)
            rc = sim_yield(w);
    }
    return rc;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    while (*s != '\0') {
        h ^= (unsigned char)*s++;
        h *= 1099511628211ull;
    }
    return h;
}

#define GOLDEN_TRACE \
    "0/0/0 spawn:g0:id=1\n" \
    "0/0/0 spawn:g1:id=2\n" \
    "0/0/0 spawn:g2:id=3\n" \
    "0/0/0 spawn:g3:id=4\n" \
    "1/0/1 run:g0:\n" \
    "1/0/1 sleep:g0:2ms\n" \
    "2/0/2 run:g1:\n" \
    "2/0/2 sleep:g1:1ms\n" \
    "3/0/3 run:g2:\n" \
    "3/0/3 block:g2:semaphore s\n" \
    "4/0/4 run:g3:\n" \
    "4/0/4 kill:g2:suspended\n" \
    "5/0/3 run:g2:\n" \
    "5/0/3 exit:g2:killed\n" \
    "6/0/4 run:g3:\n" \
    "6/0/4 yield:g3:\n" \
    "7/0/4 run:g3:\n" \
    "7/0/4 exit:g3:ok\n" \
    "7/1000000/0 wake:g1:timer\n" \
    "8/1000000/2 run:g1:\n" \
    "8/1000000/2 exit:g1:ok\n" \
    "8/2000000/0 wake:g0:timer\n" \
    "9/2000000/1 run:g0:\n" \
    "9/2000000/1 send:go:\n" \
    "9/2000000/1 exit:g0:ok\n" \
    ""

static void test_golden_trace_is_backend_independent(void **state)
{
    static char t[65536];
    int i;

    (void)state;
    assert_int_equal(sim_event_new(W, "go", &g_ev), 0);
    assert_int_equal(sim_sem_new(W, "s", 1, &g_sem), 0);
    for (i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof name, "g%d", i);
        spawn(name, body_golden, (void *)(intptr_t)i);
    }
    assert_int_equal(sim_run(W), SIM_OK);
    trace_text(W, t, sizeof t, 1);
    print_message("backend %s, trace digest %016llx\n", sim_backend(),
                  (unsigned long long)fnv1a(t));
    assert_string_equal(t, GOLDEN_TRACE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_spawn_never_switches),
        T(test_fifo_order),
        T(test_sleep_ordering_and_clock_jump),
        T(test_yield_requeues_at_tail),
        T(test_hub_cannot_block),
        T(test_run_again_after_more_spawns),
        T(test_kill_dead_is_noop_without_yield),
        T(test_kill_not_started),
        T(test_kill_suspended),
        T(test_kill_self_raises_at_once),
        T(test_kill_with_custom_error),
        T(test_kill_victim_may_catch_and_block_again),
        T(test_kill_from_hub),
        T(test_links_fifo_in_dying_thread),
        T(test_link_after_exit_runs_in_caller),
        T(test_link_added_during_links_runs_in_same_loop),
        T(test_link_raising_replaces_exit_error),
        T(test_thread_wait_result_raise_killed),
        T(test_thread_waiters_wake_in_later_pass_in_order),
        T(test_event_send_wakes_in_order_in_later_pass),
        T(test_event_second_send_raises_assertion),
        T(test_event_wait_returns_at_once_when_ready),
        T(test_event_reset_only_after_send),
        T(test_event_wait_timeout_expires),
        T(test_event_wait_timeout_sent_first),
        T(test_event_wait_timeout_killed),
        T(test_sem_fifo_fairness),
        T(test_sem_killed_waiter_passes_slot_on),
        T(test_pool_spawn_blocks_when_full),
        T(test_pool_inline_spawn_when_full_from_inside),
        T(test_pool_waitall_returns_at_once_when_idle),
        T(test_pool_waitall_wakes_after_last_links),
        T(test_pool_waitall_inside_pool_asserts),
        T(test_hang_detection_names_blocked_threads),
        T(test_blocked_threads_describes_sleep_and_ready),
        T(test_step_limit),
        T(test_time_limit),
        T(test_random_same_seed_same_trace),
        T(test_random_different_seeds_differ),
        T(test_fifo_choices_are_recorded_as_zero),
        T(test_choice_info_records_kind_and_n),
        T(test_disabled_choice_kind_is_not_asked),
        T(test_timer_early_fires_before_runnable_threads),
        T(test_sleep_durations_traced_in_largest_exact_unit),
        T(test_trace_formats_like_printf),
        T(test_prefix_replays_a_schedule),
        T(test_chooser_sees_timer_ties_and_wake_order),
        T(test_trace_copies_strings),
        T(test_time_format),
        T(test_world_free_with_unfinished_threads),
        T(test_several_worlds_interleave),
        T(test_alloc_failures_unwind),
        T(test_golden_trace_is_backend_independent),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
