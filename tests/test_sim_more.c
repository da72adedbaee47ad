/*
 * test_sim_more.c - the scheduler's error paths and edge rules: argument
 * checks, the world's configuration checks, out-of-memory inside a run,
 * clamped schedule answers, the run queue growing while it wraps, and two
 * eventlet GreenPool quirks.  One test per behaviour; green threads record,
 * the assertions run on the main stack.  Runs on both context-switch
 * backends (test_sim_more and test_sim_more-ucontext).
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

static int setup(void **state)
{
    (void)state;
    return sim_world_new(NULL, &W);
}

static int teardown(void **state)
{
    (void)state;
    sim_alloc_fail_after(-1);
    sim_world_free(W);
    W = NULL;
    return 0;
}

static int body_nothing(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    return 0;
}

/* ---------------------------------------------------------------- codes */

static void test_strerror_names_every_code(void **state)
{
    static const int codes[] = {SIM_OK,     SIM_EKILLED, SIM_ERAISED,
                                SIM_ENOMEM, SIM_EINVAL,  SIM_ESTATE,
                                SIM_EHUNG,  SIM_ELIMIT,  SIM_ECRASH};
    size_t n = sizeof codes / sizeof codes[0];

    (void)state;
    for (size_t i = 0; i < n; i++) {
        const char *s = sim_strerror(codes[i]);
        assert_non_null(s);
        assert_true(s[0] != '\0');
        assert_string_not_equal(s, "unknown error");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, sim_strerror(codes[j]));
    }
    assert_string_equal(sim_strerror(SIM_OK), "success");
    assert_string_equal(sim_strerror(SIM_ENOMEM), "out of memory");
    assert_string_equal(sim_strerror(-99), "unknown error");
    assert_string_equal(sim_strerror(1), "unknown error");
}

/* ---------------------------------------------------------------- arguments */

/* Every plain failure: the code, *out cleared, nothing raised. */
static void test_calls_check_their_arguments(void **state)
{
    sim_thread_t *t = (sim_thread_t *)&t;
    sim_event_t *e = (sim_event_t *)&e, *ev;
    sim_sem_t *s = (sim_sem_t *)&s;
    sim_pool_t *p = (sim_pool_t *)&p;
    const void *v = &v;
    int timed_out = 7;
    uint32_t one = 1;

    (void)state;
    assert_int_equal(sim_world_new(NULL, NULL), SIM_EINVAL);
    assert_int_equal(sim_run(NULL), SIM_EINVAL);

    assert_int_equal(sim_spawn(NULL, "a", body_nothing, NULL, &t), SIM_EINVAL);
    assert_null(t);
    t = (sim_thread_t *)&t;
    assert_int_equal(sim_spawn(W, "a", NULL, NULL, &t), SIM_EINVAL);
    assert_null(t);

    assert_int_equal(sim_event_new(NULL, "e", &e), SIM_EINVAL);
    assert_null(e);
    assert_int_equal(sim_event_new(W, "e", NULL), SIM_EINVAL);
    assert_int_equal(sim_sem_new(W, "s", -1, &s), SIM_EINVAL);
    assert_null(s);
    assert_int_equal(sim_sem_new(NULL, "s", 1, &s), SIM_EINVAL);
    assert_int_equal(sim_pool_new(W, "p", -1, &p), SIM_EINVAL);
    assert_null(p);
    assert_int_equal(sim_pool_new(W, "p", 1, NULL), SIM_EINVAL);

    assert_int_equal(sim_yield(NULL), SIM_EINVAL);
    assert_int_equal(sim_sleep(NULL, SIM_MS(1)), SIM_EINVAL);
    assert_int_equal(sim_thread_kill(W, NULL, NULL), SIM_EINVAL);
    assert_int_equal(sim_thread_wait(W, NULL, &v), SIM_EINVAL);
    assert_null(v);
    assert_int_equal(sim_thread_link(W, NULL, NULL, NULL), SIM_EINVAL);

    assert_int_equal(sim_event_new(W, NULL, &ev), 0);
    assert_int_equal(sim_event_send(W, NULL, NULL, NULL), SIM_EINVAL);
    v = &v;
    assert_int_equal(sim_event_wait(W, NULL, &v), SIM_EINVAL);
    assert_null(v);
    v = &v;
    assert_int_equal(sim_event_wait_timeout(W, ev, 0, &v, &timed_out),
                     SIM_EINVAL);
    assert_null(v);
    assert_int_equal(timed_out, 0);
    assert_int_equal(sim_event_wait_timeout(W, ev, -5, NULL, NULL), SIM_EINVAL);
    assert_int_equal(sim_event_reset(W, ev), SIM_EINVAL); /* not sent */
    assert_int_equal(sim_event_reset(W, NULL), SIM_EINVAL);

    assert_int_equal(sim_sem_acquire(W, NULL), SIM_EINVAL);
    assert_int_equal(sim_sem_release(NULL, NULL), SIM_EINVAL);
    assert_int_equal(sim_pool_spawn(W, NULL, "x", body_nothing, NULL, &t),
                     SIM_EINVAL);
    assert_null(t);
    assert_int_equal(sim_pool_new(W, "p", 1, &p), 0);
    assert_int_equal(sim_pool_spawn(W, p, "x", NULL, NULL, NULL), SIM_EINVAL);
    assert_int_equal(sim_pool_waitall(W, NULL), SIM_EINVAL);
    assert_false(sim_pool_contains(NULL, NULL));

    assert_int_equal(sim_world_set_prefix(W, NULL, 1), SIM_EINVAL);
    assert_int_equal(sim_world_set_prefix(W, &one, 0), 0);
    assert_int_equal(sim_choice_info(W, 0, NULL, NULL), SIM_EINVAL);
    assert_int_equal(sim_choice_info(NULL, 0, NULL, NULL), SIM_EINVAL);
    assert_null(sim_thread_by_id(W, 0));
    assert_null(sim_thread_by_id(W, 1));
    assert_null(sim_current(NULL));
    assert_null(sim_strdup(NULL, "x"));
    assert_string_equal(sim_strdup(W, NULL), "");
    assert_null(sim_error_new(NULL, "Boom", "x", 0));
    assert_int_equal(sim_stack_pool_new(0, NULL), SIM_EINVAL);

    /* None of it raised, queued or traced anything. */
    assert_null(sim_error_pending(W));
    assert_int_equal(sim_thread_count(W), 0);
    assert_int_equal(sim_trace_count(W), 0);
    assert_int_equal(sim_run(W), SIM_OK);
}

static void test_error_new_defaults(void **state)
{
    const sim_error_t *e = sim_error_new(W, NULL, NULL, SIM_ERR_BASE);

    (void)state;
    assert_non_null(e);
    assert_string_equal(e->type, "Exception");
    assert_string_equal(e->message, "");
    assert_int_equal(e->flags, SIM_ERR_BASE);
    assert_int_equal(sim_error_code(e), SIM_ERAISED);
    assert_int_equal(sim_error_code(&sim_error_exit), SIM_EKILLED);
    /* sim_raise(NULL) is the kill condition. */
    assert_int_equal(sim_raise(W, NULL), SIM_EKILLED);
    assert_ptr_equal(sim_error_take(W), &sim_error_exit);
    assert_null(sim_error_pending(W));
}

/* ---------------------------------------------------------------- config */

static void test_world_config_is_checked(void **state)
{
    sim_stack_pool_t *pool = NULL;
    sim_config_t cfg;
    sim_world_t *w = (sim_world_t *)&w;

    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.strategy = (sim_strategy_kind_t)7;
    assert_int_equal(sim_world_new(&cfg, &w), SIM_EINVAL);
    assert_null(w);

    assert_int_equal(sim_stack_pool_new(64 * 1024, &pool), 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.stack_pool = pool;
    cfg.stack_size = 256 * 1024; /* not the pool's size */
    assert_int_equal(sim_world_new(&cfg, &w), SIM_EINVAL);
    assert_null(w);
    cfg.stack_size = 64 * 1024;
    assert_int_equal(sim_world_new(&cfg, &w), 0);
    sim_world_free(w);
    cfg.stack_size = 0; /* the pool's size */
    assert_int_equal(sim_world_new(&cfg, &w), 0);
    assert_int_equal(sim_spawn(w, "a", body_nothing, NULL, NULL), 0);
    assert_int_equal(sim_run(w), SIM_OK);
    sim_world_free(w);
    sim_stack_pool_free(pool);
    sim_stack_pool_free(NULL);
    sim_world_free(NULL);
}

/* ---------------------------------------------------------------- schedule */

static char ORDER[64];

static int body_mark(sim_world_t *w, void *arg)
{
    size_t n = strlen(ORDER);

    (void)w;
    if (n + 1 < sizeof ORDER) {
        ORDER[n] = *(const char *)arg;
        ORDER[n + 1] = '\0';
    }
    return 0;
}

static unsigned choose_huge(void *arg, sim_choice_kind_t kind, unsigned n)
{
    (void)arg;
    (void)kind;
    (void)n;
    return 1000;
}

/* A prefix answer or a chooser answer >= n picks the last candidate, and
 * is recorded as n - 1. */
static void test_out_of_range_answers_are_clamped(void **state)
{
    static const uint32_t big[] = {9};
    const uint32_t *answers;
    sim_choice_kind_t kind;
    unsigned n;

    (void)state;
    ORDER[0] = '\0';
    assert_int_equal(sim_world_set_prefix(W, big, 1), 0);
    assert_int_equal(sim_spawn(W, "a", body_mark, "a", NULL), 0);
    assert_int_equal(sim_spawn(W, "b", body_mark, "b", NULL), 0);
    assert_int_equal(sim_spawn(W, "c", body_mark, "c", NULL), 0);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(ORDER, "cab");
    assert_true(sim_choices(W, &answers) >= 1);
    assert_int_equal(answers[0], 2);
    assert_int_equal(sim_choice_info(W, 0, &kind, &n), 0);
    assert_int_equal(kind, SIM_CHOICE_READY);
    assert_int_equal(n, 3);

    ORDER[0] = '\0';
    sim_world_set_chooser(W, choose_huge, NULL);
    assert_int_equal(sim_spawn(W, "d", body_mark, "d", NULL), 0);
    assert_int_equal(sim_spawn(W, "e", body_mark, "e", NULL), 0);
    assert_int_equal(sim_spawn(W, "f", body_mark, "f", NULL), 0);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_string_equal(ORDER, "fed"); /* always the last one */
}

/* The run queue is a ring that grows by copying; it must keep FIFO order
 * when it grows while its live part wraps around the end.  K threads
 * yield round after round; thread 1 spawns M more in round R0 (spawn
 * appends, never switches).  The expected order comes from a plain FIFO
 * model of the same program. */
enum { K = 100, ROUNDS = 12, M = 300, MAXLOG = K * ROUNDS + M };

static int RLOG[MAXLOG], NRLOG, R0;

static int body_new(sim_world_t *w, void *arg)
{
    (void)w;
    if (NRLOG < MAXLOG)
        RLOG[NRLOG++] = (int)(intptr_t)arg;
    return 0;
}

static int body_rounds(sim_world_t *w, void *arg)
{
    int id = (int)(intptr_t)arg, rc;

    for (int r = 0; r < ROUNDS; r++) {
        if (NRLOG < MAXLOG)
            RLOG[NRLOG++] = id;
        if (id == 1 && r == R0) {
            for (int j = 0; j < M; j++) {
                rc = sim_spawn(w, "new", body_new, (void *)(intptr_t)(K + 1 + j),
                               NULL);
                if (rc < 0)
                    return rc;
            }
        }
        if (r + 1 < ROUNDS && (rc = sim_yield(w)) < 0)
            return rc;
    }
    return 0;
}

static int model_rounds(int r0, int *out)
{
    /* entries: id, and for old threads the round they run next */
    static int qid[2 * MAXLOG], qround[2 * MAXLOG];
    int head = 0, tail = 0, n = 0;

    for (int id = 1; id <= K; id++) {
        qid[tail] = id;
        qround[tail++] = 0;
    }
    while (head < tail) {
        int id = qid[head], r = qround[head++];
        out[n++] = id;
        if (id > K)
            continue;
        if (id == 1 && r == r0) {
            for (int j = 0; j < M; j++) {
                qid[tail] = K + 1 + j;
                qround[tail++] = 0;
            }
        }
        if (r + 1 < ROUNDS) {
            qid[tail] = id;
            qround[tail++] = r + 1;
        }
    }
    return n;
}

static void test_run_queue_keeps_fifo_order_while_growing(void **state)
{
    static int want[MAXLOG];

    (void)state;
    for (R0 = 0; R0 < ROUNDS; R0 += 3) {
        sim_world_t *w = NULL;
        int n;

        NRLOG = 0;
        assert_int_equal(sim_world_new(NULL, &w), 0);
        for (int id = 1; id <= K; id++)
            assert_int_equal(sim_spawn(w, "old", body_rounds,
                                       (void *)(intptr_t)id, NULL), 0);
        assert_int_equal(sim_run(w), SIM_OK);
        assert_int_equal(sim_thread_count(w), K + M);
        sim_world_free(w);
        n = model_rounds(R0, want);
        assert_int_equal(NRLOG, n);
        for (int i = 0; i < n; i++) {
            if (RLOG[i] != want[i])
                fail_msg("R0=%d: run %d was thread %d, expected %d", R0, i,
                         RLOG[i], want[i]);
        }
    }
}

/* ---------------------------------------------------------------- pool */

static sim_pool_t *P;
static int SPAWN_RC[4];
static int WAITALL_RC;

static int body_sleep_ms(sim_world_t *w, void *arg)
{
    return sim_sleep(w, SIM_MS((intptr_t)arg));
}

static int body_pool_spawner(sim_world_t *w, void *arg)
{
    int i = (int)(intptr_t)arg;

    SPAWN_RC[i] = sim_pool_spawn(w, P, i == 0 ? "b" : "c", body_nothing, NULL,
                                 NULL);
    if (SPAWN_RC[i] < 0)
        sim_error_take(w);
    return 0;
}

static int body_waitall(sim_world_t *w, void *arg)
{
    (void)arg;
    WAITALL_RC = sim_pool_waitall(w, P);
    return WAITALL_RC;
}

static void describe(void *arg, const sim_thread_t *t, const char *waiting_on)
{
    char *buf = arg;
    size_t n = strlen(buf);

    snprintf(buf + n, 256 - n, "%s%s=%s", n ? " " : "", sim_thread_name(t),
             waiting_on);
}

/* eventlet's GreenPool.spawn makes a fresh no_coros_running event when a
 * spawn finds nothing running; a waitall() already waiting on the old one
 * is orphaned when a blocked spawner takes the slot the last thread freed
 * (_spawn_done sends only once nobody waits in spawn).  Faithfully hung. */
static void test_pool_waitall_orphaned_by_blocked_spawner(void **state)
{
    char blocked[256] = "";

    (void)state;
    WAITALL_RC = 99;
    assert_int_equal(sim_pool_new(W, "p", 1, &P), 0);
    assert_int_equal(sim_pool_spawn(W, P, "a", body_sleep_ms, (void *)10, NULL),
                     0);
    assert_int_equal(sim_spawn(W, "spawner", body_pool_spawner, (void *)0, NULL),
                     0);
    assert_int_equal(sim_spawn(W, "waiter", body_waitall, NULL, NULL), 0);
    assert_int_equal(sim_run(W), SIM_EHUNG);
    assert_int_equal(SPAWN_RC[0], 0);
    assert_int_equal(WAITALL_RC, 99); /* never returned */
    assert_int_equal(sim_pool_running(P), 0);
    assert_int_equal(sim_pool_free(P), 1);
    sim_blocked_threads(W, describe, blocked);
    assert_string_equal(blocked, "waiter=pool p");
}

/* The same without a blocked spawner: the waiter wakes. */
static void test_pool_waitall_wakes_when_nobody_waits_to_spawn(void **state)
{
    (void)state;
    WAITALL_RC = 99;
    assert_int_equal(sim_pool_new(W, "p", 1, &P), 0);
    assert_int_equal(sim_pool_spawn(W, P, "a", body_sleep_ms, (void *)10, NULL),
                     0);
    assert_int_equal(sim_spawn(W, "waiter", body_waitall, NULL, NULL), 0);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_int_equal(WAITALL_RC, 0);
    assert_int_equal(sim_now(W), SIM_MS(10));
}

static int body_kill_id(sim_world_t *w, void *arg)
{
    int rc = sim_sleep(w, SIM_MS(1));

    if (rc < 0)
        return rc;
    return sim_thread_kill(w, sim_thread_by_id(w, (unsigned)(intptr_t)arg),
                           NULL);
}

/* A spawner killed while it waits for a pool slot makes no thread, leaves
 * the queue, and the next spawner in line gets the slot. */
static void test_pool_spawner_killed_while_waiting(void **state)
{
    sim_thread_t *s0;

    (void)state;
    SPAWN_RC[0] = SPAWN_RC[1] = 99;
    assert_int_equal(sim_pool_new(W, "p", 1, &P), 0);
    assert_int_equal(sim_pool_spawn(W, P, "a", body_sleep_ms, (void *)10, NULL),
                     0);                                   /* id 1 */
    assert_int_equal(sim_spawn(W, "s0", body_pool_spawner, (void *)0, &s0),
                     0);                                   /* id 2 */
    assert_int_equal(sim_spawn(W, "s1", body_pool_spawner, (void *)1, NULL),
                     0);                                   /* id 3 */
    assert_int_equal(sim_spawn(W, "killer", body_kill_id, (void *)2, NULL), 0);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_int_equal(SPAWN_RC[0], SIM_EKILLED);
    assert_int_equal(SPAWN_RC[1], 0);
    /* a, s0, s1, killer, and only s1's thread "c" */
    assert_int_equal(sim_thread_count(W), 5);
    assert_string_equal(sim_thread_name(sim_thread_by_id(W, 5)), "c");
    assert_int_equal(sim_pool_free(P), 1);
    assert_int_equal(sim_pool_running(P), 0);
}

static int refuse(sim_world_t *w, void *arg)
{
    (void)arg;
    return sim_raise(w, sim_error_new(w, "Refused", "no", 0));
}

static int body_spawn_if_refused(sim_world_t *w, void *arg)
{
    sim_thread_t *t = (sim_thread_t *)&t;
    const sim_error_t *e;

    (void)arg;
    SPAWN_RC[0] = sim_pool_spawn_if(w, P, "x", body_nothing, NULL, refuse, NULL,
                                    &t);
    e = sim_error_take(w);
    SPAWN_RC[1] = e != NULL && strcmp(e->type, "Refused") == 0 && t == NULL;
    SPAWN_RC[2] = sim_pool_free(P);
    return 0;
}

/* admit refusing: its error comes back, the slot is returned, no thread. */
static void test_pool_spawn_if_refusal_returns_the_slot(void **state)
{
    (void)state;
    assert_int_equal(sim_pool_new(W, "p", 2, &P), 0);
    assert_int_equal(sim_spawn(W, "s", body_spawn_if_refused, NULL, NULL), 0);
    assert_int_equal(sim_run(W), SIM_OK);
    assert_int_equal(SPAWN_RC[0], SIM_ERAISED);
    assert_int_equal(SPAWN_RC[1], 1);
    assert_int_equal(SPAWN_RC[2], 2);
    assert_int_equal(sim_thread_count(W), 1);
}

/* ---------------------------------------------------------------- memory */

/* A string too big for the arena's chunks gets a block of its own; it and
 * every string copied before and after stay intact. */
static void test_long_strings_stay_valid(void **state)
{
    static char big[20000];
    const char *small[64], *copy;

    (void)state;
    memset(big, 'x', sizeof big - 1);
    small[0] = sim_strdup(W, "first");
    copy = sim_strdup(W, big);
    for (int i = 1; i < 64; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, "s%d", i);
        small[i] = sim_strdup(W, buf);
    }
    assert_non_null(copy);
    assert_int_equal(strlen(copy), sizeof big - 1);
    assert_memory_equal(copy, big, sizeof big);
    assert_string_equal(small[0], "first");
    for (int i = 1; i < 64; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, "s%d", i);
        assert_string_equal(small[i], buf);
    }
}

/* Out of memory, the trace drops events instead of failing the operation
 * being traced; the events kept are intact and tracing resumes after. */
static void test_trace_drops_events_when_out_of_memory(void **state)
{
    size_t before, i, dropped = 0;

    (void)state;
    sim_trace(W, "note", "first", "%d", 1);
    sim_alloc_fail_after(0);
    for (i = 0; i < 5000 && !dropped; i++) {
        before = sim_trace_count(W);
        sim_trace(W, "note", "more", "n=%zu", i);
        dropped = sim_trace_count(W) == before;
    }
    sim_alloc_fail_after(-1);
    assert_true(dropped);
    before = sim_trace_count(W);
    sim_trace(W, "note", "after", "%s", "ok");
    assert_int_equal(sim_trace_count(W), before + 1);
    assert_string_equal(sim_trace_get(W, 0)->subject, "first");
    assert_string_equal(sim_trace_get(W, 0)->detail, "1");
    assert_string_equal(sim_trace_get(W, before)->subject, "after");
    assert_int_equal(sim_trace_get(W, before)->seq, before);
    assert_null(sim_trace_get(W, before + 1));
    /* NULL subject and format are allowed, NULL kind is ignored. */
    sim_trace(W, "note", NULL, NULL);
    sim_trace(W, NULL, "x", "y");
    assert_int_equal(sim_trace_count(W), before + 2);
    assert_string_equal(sim_trace_get(W, before + 1)->subject, "");
    assert_string_equal(sim_trace_get(W, before + 1)->detail, "");
}

/* sim_error_new under failing allocations: NULL, or a complete value. */
static void test_error_new_out_of_memory_is_null(void **state)
{
    int failures = 0;

    (void)state;
    for (long n = 0; n < 50; n++) {
        sim_world_t *w = NULL;
        const sim_error_t *e;

        assert_int_equal(sim_world_new(NULL, &w), 0);
        sim_alloc_fail_after(n);
        e = sim_error_new(w, "Boom", "message", 0);
        sim_alloc_fail_after(-1);
        if (e == NULL) {
            failures++;
        } else {
            assert_string_equal(e->type, "Boom");
            assert_string_equal(e->message, "message");
            sim_world_free(w);
            break;
        }
        sim_world_free(w);
    }
    assert_true(failures > 0);
}

/* A program that uses every primitive, run with the n-th allocation of the
 * run failing, for every n until a run completes: each failure must be a
 * plain SIM_ENOMEM with nothing pending, and the world must stay usable
 * (sim_run returns, the world frees; ASan and valgrind check the rest). */
static struct {
    sim_event_t *ev;
    sim_sem_t *sem;
    sim_pool_t *pool;
    int violations, done;
} F;

static int check(sim_world_t *w, int rc)
{
    if (rc == SIM_ENOMEM && sim_error_pending(w) != NULL)
        F.violations++;
    return rc;
}

static int f_link(sim_world_t *w, sim_thread_t *t, void *arg)
{
    (void)w;
    (void)t;
    (void)arg;
    return 0;
}

static int f_child(sim_world_t *w, void *arg)
{
    (void)arg;
    sim_thread_set_result(w, "child");
    return check(w, sim_yield(w));
}

static int f_a(sim_world_t *w, void *arg)
{
    sim_thread_t *child;
    const void *v;
    int rc, timed_out;

    (void)arg;
    if ((rc = check(w, sim_sleep(w, SIM_MS(1)))) < 0)
        return rc;
    if ((rc = check(w, sim_event_wait_timeout(w, F.ev, SIM_MS(5), &v,
                                              &timed_out))) < 0)
        return rc;
    if ((rc = check(w, sim_sem_acquire(w, F.sem))) < 0)
        return rc;
    rc = check(w, sim_yield(w));
    sim_sem_release(w, F.sem);
    if (rc < 0)
        return rc;
    if ((rc = check(w, sim_pool_spawn(w, F.pool, "child", f_child, NULL,
                                      &child))) < 0)
        return rc;
    if ((rc = check(w, sim_thread_link(w, child, f_link, NULL))) < 0)
        return rc;
    if ((rc = check(w, sim_thread_wait(w, child, &v))) < 0)
        return rc;
    if ((rc = check(w, sim_pool_waitall(w, F.pool))) < 0)
        return rc;
    F.done++;
    return 0;
}

static int f_b(sim_world_t *w, void *arg)
{
    int rc;

    (void)arg;
    if ((rc = check(w, sim_sem_acquire(w, F.sem))) < 0)
        return rc;
    rc = check(w, sim_sleep(w, SIM_MS(2)));
    sim_sem_release(w, F.sem);
    if (rc < 0)
        return rc;
    if ((rc = check(w, sim_event_send(w, F.ev, "v", NULL))) < 0)
        return rc;
    F.done++;
    return 0;
}

static int f_k(sim_world_t *w, void *arg)
{
    sim_thread_t *victim;
    int rc;

    (void)arg;
    if ((rc = check(w, sim_spawn(w, "victim", body_sleep_ms, (void *)100,
                                 &victim))) < 0)
        return rc;
    if ((rc = check(w, sim_sleep(w, SIM_US(500)))) < 0)
        return rc;
    if ((rc = check(w, sim_thread_kill(w, victim, NULL))) < 0)
        return rc;
    F.done++;
    return 0;
}

static void test_allocation_failures_inside_a_run(void **state)
{
    int complete = 0, failed_runs = 0;

    (void)state;
    for (long n = 0; n < 2000 && !complete; n++) {
        sim_world_t *w = NULL;
        int rc;

        memset(&F, 0, sizeof F);
        assert_int_equal(sim_world_new(NULL, &w), 0);
        assert_int_equal(sim_event_new(w, "ev", &F.ev), 0);
        assert_int_equal(sim_sem_new(w, "sem", 1, &F.sem), 0);
        assert_int_equal(sim_pool_new(w, "pool", 2, &F.pool), 0);
        assert_int_equal(sim_spawn(w, "a", f_a, NULL, NULL), 0);
        assert_int_equal(sim_spawn(w, "b", f_b, NULL, NULL), 0);
        assert_int_equal(sim_spawn(w, "k", f_k, NULL, NULL), 0);
        sim_alloc_fail_after(n);
        rc = sim_run(w);
        sim_alloc_fail_after(-1);
        assert_int_equal(F.violations, 0);
        assert_true(rc == SIM_OK || rc == SIM_EHUNG || rc == SIM_ENOMEM);
        complete = rc == SIM_OK && F.done == 3;
        if (!complete)
            failed_runs++;
        sim_world_free(w);
    }
    assert_true(complete);
    assert_true(failed_runs > 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_strerror_names_every_code),
        T(test_calls_check_their_arguments),
        T(test_error_new_defaults),
        T(test_world_config_is_checked),
        T(test_out_of_range_answers_are_clamped),
        T(test_run_queue_keeps_fifo_order_while_growing),
        T(test_pool_waitall_orphaned_by_blocked_spawner),
        T(test_pool_waitall_wakes_when_nobody_waits_to_spawn),
        T(test_pool_spawner_killed_while_waiting),
        T(test_pool_spawn_if_refusal_returns_the_slot),
        T(test_long_strings_stay_valid),
        T(test_trace_drops_events_when_out_of_memory),
        T(test_error_new_out_of_memory_is_null),
        T(test_allocation_failures_inside_a_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
