/*
 * test_container.c - the container's behaviours, rebuilt from the
 * reference's test suite (spec/container.md 4.2 and 4.5) and the races of
 * sections 1.3-1.9.  Each test drives green threads with sim_run, records
 * on the main stack and asserts on the trace afterwards.
 */
#include "test_container_fixture.h"

/* One test's state: green threads write here, the test asserts on it. */
static struct tc {
    sim_world_t *w;
    svc_t s;
    ctr_container_t *c;
    ctr_worker_ctx_t *ctx[4];
    int rc[8];
    const sim_error_t *err[8];
    sim_event_t *ev[4];
    sim_thread_t *t[8];
    const sim_error_t *fixed;
    int flag;
    const char *recorded[8];
    size_t n_recorded;
} tc;

static void setup_svc(const char *name, int max_workers)
{
    memset(&tc, 0, sizeof(tc));
    tc.w = new_world();
    svc_init(&tc.s, name, max_workers);
}

static void make_container(void)
{
    tc.c = new_container(tc.w, &tc.s.def);
}

static void teardown_all(void)
{
    if (getenv("CTR_DUMP"))
        dump_trace(tc.w);
    ctr_container_free(tc.c);
    sim_world_free(tc.w);
    tc.c = NULL;
    tc.w = NULL;
}

static int run_ok(void)
{
    int rc = sim_run(tc.w);
    if (rc != SIM_OK)
        dump_trace(tc.w);
    return rc;
}

/* Take the pending error of a failed call, so a thread records it. */
static int record(int i, int rc)
{
    tc.rc[i] = rc;
    tc.err[i] = rc < 0 ? sim_error_take(tc.w) : NULL;
    return 0;
}

static ctr_extension_t *ext(const char *name)
{
    ctr_extension_t *e = ctr_container_find(tc.c, name);
    assert_non_null(e);
    return e;
}

/* Bodies used by many tests. */
static int body_start(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_container_start(tc.c));
}

static int body_stop(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_container_stop(tc.c));
}

static int body_kill(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_container_kill(tc.c, NULL));
}

static int body_kill_fixed(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_container_kill(tc.c, tc.fixed));
}

static int body_wait(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_container_wait(tc.c));
}

static int sleep_forever(sim_world_t *w, void *arg)
{
    (void)arg;
    for (;;) {
        int rc = sim_sleep(w, SIM_MS(1));
        if (rc < 0)
            return rc;
    }
}

static int raise_foobar(sim_world_t *w, void *arg)
{
    (void)arg;
    return sim_raise(w, sim_error_new(w, "Exception", "foobar", 0));
}

static int raise_fixed(sim_world_t *w, void *arg)
{
    (void)arg;
    return sim_raise(w, tc.fixed);
}

static const void *pass_through_calls[4][3];
static size_t n_hr;

static int hr_record(ctr_worker_ctx_t *ctx, void *arg, const void **result,
                     const sim_error_t **exc)
{
    (void)arg;
    if (n_hr < 4) {
        pass_through_calls[n_hr][0] = ctx;
        pass_through_calls[n_hr][1] = *result;
        pass_through_calls[n_hr][2] = *exc;
        n_hr++;
    }
    return 0;
}

/* ------------------------------------------------------------ 4.2: 1-4 */

static void test_collects_extensions(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    assert_int_equal(ctr_container_extension_count(tc.c), 3);
    assert_string_equal(ctr_extension_name(ctr_container_extension(tc.c, 0)),
                        "spam");
    assert_string_equal(ctr_extension_name(ctr_container_extension(tc.c, 1)),
                        "ham");
    assert_string_equal(ctr_extension_name(ctr_container_extension(tc.c, 2)),
                        "egg");
    assert_null(ctr_container_extension(tc.c, 3));
    assert_int_equal(ctr_extension_kind(ext("spam")), CTR_DEPENDENCY);
    assert_ptr_equal(ctr_extension_container(ext("ham")), tc.c);
    assert_int_equal(ctr_container_max_workers(tc.c), 10);
    assert_string_equal(ctr_container_name(tc.c), "test-service");
    assert_false(ctr_container_started(tc.c));
    assert_false(ctr_container_dead(tc.c));
    teardown_all();
}

static void test_starts_extensions(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    go(tc.w, "main", body_start, (void *)0);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    EXT_CALLS(tc.w, "spam", "setup", "start");
    EXT_CALLS(tc.w, "ham", "setup", "start");
    EXT_CALLS(tc.w, "egg", "setup", "start");
    /* every setup returned before the first start */
    ASSERT_BEFORE(find(tc.w, "ret", "egg.setup", "ok"),
                  find(tc.w, "call", "spam.start", NULL));
    assert_true(ctr_container_started(tc.c));
    LOGS(tc.w, "debug", "starting test-service");
    teardown_all();
}

static void test_stops_extensions(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    go(tc.w, "main", body_stop, (void *)0);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    EXT_CALLS(tc.w, "spam", "stop");
    EXT_CALLS(tc.w, "ham", "stop");
    EXT_CALLS(tc.w, "egg", "stop");
    assert_true(ctr_container_dead(tc.c));
    assert_int_equal(count(tc.w, "state", "test-service", "dead"), 1);
    teardown_all();
}

static void test_stops_entrypoints_before_dependency_providers(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    go(tc.w, "main", body_stop, (void *)0);
    assert_int_equal(run_ok(), SIM_OK);
    ASSERT_BEFORE(find(tc.w, "call", "ham.stop", NULL),
                  find(tc.w, "call", "spam.stop", NULL));
    ASSERT_BEFORE(find(tc.w, "call", "egg.stop", NULL),
                  find(tc.w, "call", "spam.stop", NULL));
    teardown_all();
}

/* ------------------------------------------------------------ 4.2: 5 */

static int body_life_cycle(sim_world_t *w, void *arg)
{
    int rc;
    (void)arg;
    rc = ctr_spawn_worker(tc.c, ext("ham"), "", hr_record, NULL, &tc.ctx[0]);
    if (rc < 0)
        return record(0, rc);
    rc = sim_thread_wait(w, ctr_worker_thread(tc.ctx[0]), NULL);
    if (rc < 0)
        return record(1, rc);
    rc = ctr_spawn_worker(tc.c, ext("egg"), "", hr_record, NULL, &tc.ctx[1]);
    if (rc < 0)
        return record(2, rc);
    rc = sim_thread_wait(w, ctr_worker_thread(tc.ctx[1]), NULL);
    return record(3, rc);
}

static void test_worker_life_cycle(void **state)
{
    const char *id_ham, *id_egg;
    const sim_error_t *e;
    (void)state;

    setup_svc("test-service", 0);
    make_container();
    n_hr = 0;
    go(tc.w, "main", body_life_cycle, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(tc.rc[i], 0);
    id_ham = ctr_worker_call_id(tc.ctx[0]);
    id_egg = ctr_worker_call_id(tc.ctx[1]);
    assert_string_equal(id_ham, "test-service.ham.1");
    assert_string_equal(id_egg, "test-service.egg.2");
    expect_seq(tc.w, "call", NULL, 1,
               SEQ("spam.get_dependency", "spam.worker_setup",
                   "test-service.ham", "ham.handle_result",
                   "spam.worker_result", "spam.worker_teardown",
                   "spam.get_dependency", "spam.worker_setup",
                   "test-service.egg", "egg.handle_result",
                   "spam.worker_result", "spam.worker_teardown"));
    expect_seq(tc.w, "call", "spam.worker_result", 0, SEQ(id_ham, id_egg));
    /* worker_result saw ('ham', None), then (None, egg_error) */
    assert_int_equal(n_seen, 2);
    assert_string_equal(seen[0].result, "ham");
    assert_null(seen[0].exc);
    assert_null(seen[1].result);
    e = seen[1].exc;
    assert_non_null(e);
    assert_string_equal(e->type, "Exception");
    assert_string_equal(e->message, "broken");
    /* handle_result got the same */
    assert_int_equal(n_hr, 2);
    assert_ptr_equal(pass_through_calls[0][0], tc.ctx[0]);
    assert_string_equal(pass_through_calls[0][1], "ham");
    assert_null(pass_through_calls[0][2]);
    assert_ptr_equal(pass_through_calls[1][0], tc.ctx[1]);
    assert_null(pass_through_calls[1][1]);
    assert_ptr_equal(pass_through_calls[1][2], e);
    assert_string_equal(ctr_worker_dependency(tc.ctx[0], "spam"),
                        "spam-attr");
    assert_null(ctr_worker_dependency(tc.ctx[0], "nope"));
    assert_true(ctr_worker_done(tc.ctx[0]));
    assert_ptr_equal(ctr_worker_exc(tc.ctx[1]), e);
    /* egg's error is contained */
    assert_false(ctr_container_dead(tc.c));
    assert_false(ctr_container_being_killed(tc.c));
    LOGS(tc.w, "error", "error handling worker test-service.egg.2: broken");
    LOGS(tc.w, "debug", "spawning test-service.ham.1",
         "setting up test-service.ham.1",
         "call stack for test-service.ham.1: test-service.ham.1",
         "calling handler for test-service.ham.1",
         "handling result for test-service.ham.1",
         "signalling result for test-service.ham.1",
         "spawning test-service.egg.2", "setting up test-service.egg.2",
         "call stack for test-service.egg.2: test-service.egg.2",
         "calling handler for test-service.egg.2",
         "handling result for test-service.egg.2",
         "signalling result for test-service.egg.2");
    expect_seq(tc.w, "worker", id_ham, 0, SEQ("spawn", "start", "result"));
    assert_int_equal(ctr_container_worker_count(tc.c), 0);
    teardown_all();
}

/* ------------------------------------------------------------ 4.2: 6 */

static int body_wait_then_stop(sim_world_t *w, void *arg)
{
    (void)arg;
    tc.t[0] = go(w, "waiter", body_wait, (void *)1);
    sim_yield(w);
    tc.flag = sim_thread_state(tc.t[0]) != SIM_THREAD_DEAD;
    record(0, ctr_container_stop(tc.c));
    sim_sleep(w, SIM_MS(10));
    tc.rc[2] = sim_thread_state(tc.t[0]) == SIM_THREAD_DEAD;
    return 0;
}

static void test_wait_waits_for_container_stopped(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    tc.rc[1] = 99;
    go(tc.w, "main", body_wait_then_stop, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_true(tc.flag);      /* alive before the stop */
    assert_int_equal(tc.rc[2], 1); /* dead after */
    assert_int_equal(tc.rc[1], 0); /* and wait returned normally */
    assert_true(sim_now(tc.w) <= SIM_S(1));
    teardown_all();
}

/* ------------------------------------------------------------ 4.2: 7 */

static int m_spam(ctr_worker_ctx_t *ctx, void *user, const void **result)
{
    sim_world_t *w = tc.w;
    int rc;
    (void)user;
    if (tc.n_recorded < 8)
        tc.recorded[tc.n_recorded++] = ctr_worker_args(ctx);
    rc = sim_event_send(w, tc.ev[0], NULL, NULL);
    if (rc < 0)
        return rc;
    rc = sim_event_wait(w, tc.ev[1], NULL);
    *result = NULL;
    return rc;
}

static int body_spawn_eggs(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    return record(1, ctr_spawn_worker(tc.c, ext("ham"), "eggs", NULL, NULL,
                                      &tc.ctx[1]));
}

static int body_exhaust(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, ctr_spawn_worker(tc.c, ext("ham"), "ham", NULL, NULL,
                               &tc.ctx[0]));
    tc.t[0] = go(w, "spawner", body_spawn_eggs, NULL);
    sim_event_wait(w, tc.ev[0], NULL);
    tc.recorded[4] = tc.recorded[0];
    tc.rc[4] = sim_thread_state(tc.t[0]) != SIM_THREAD_DEAD;
    sim_event_reset(w, tc.ev[0]);
    sim_event_send(w, tc.ev[1], NULL, NULL);
    sim_event_wait(w, tc.ev[0], NULL);
    tc.rc[5] = sim_thread_state(tc.t[0]) == SIM_THREAD_DEAD;
    return 0;
}

static void test_container_doesnt_exhaust_max_workers(void **state)
{
    (void)state;
    setup_svc("test-service", 1);
    tc.s.methods[0].fn = m_spam;
    make_container();
    assert_int_equal(ctr_container_max_workers(tc.c), 1);
    sim_event_new(tc.w, "spam_called", &tc.ev[0]);
    sim_event_new(tc.w, "spam_continue", &tc.ev[1]);
    go(tc.w, "main", body_exhaust, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    assert_int_equal(tc.rc[1], 0);
    assert_string_equal(tc.recorded[4], "ham");
    assert_int_equal(tc.rc[4], 1); /* spawner blocked on the full pool */
    assert_int_equal(tc.n_recorded, 2);
    assert_string_equal(tc.recorded[1], "eggs");
    assert_int_equal(tc.rc[5], 1);
    teardown_all();
}

/* ------------------------------------------------------------ 4.2: 8-9 */

static int body_stop_stop(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    tc.rc[4] = ctr_container_dead(tc.c);
    record(0, ctr_container_stop(tc.c));
    tc.rc[5] = ctr_container_dead(tc.c);
    record(1, ctr_container_stop(tc.c));
    return 0;
}

static void test_stop_already_stopped(void **state)
{
    const sim_trace_event_t *e;
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    go(tc.w, "main", body_stop_stop, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[4], 0);
    assert_int_equal(tc.rc[5], 1);
    assert_int_equal(tc.rc[1], 0);
    e = last(tc.w, "log", "debug");
    assert_string_equal(e->detail, "already stopped test-service");
    EXT_CALLS(tc.w, "spam", "stop");
    teardown_all();
}

static int body_stop_kill_spawn(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    record(0, ctr_container_stop(tc.c));
    record(1, ctr_container_kill(tc.c, NULL));
    tc.rc[6] = sim_trace_count(tc.w) > 0
                   ? strcmp(last(tc.w, "log", "debug")->detail,
                            "already stopped test-service") == 0
                   : 0;
    record(2, ctr_spawn_worker(tc.c, ext("ham"), "", NULL, NULL, NULL));
    return 0;
}

static void test_kill_already_stopped(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    go(tc.w, "main", body_stop_kill_spawn, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[1], 0);
    assert_int_equal(tc.rc[6], 1);
    /* killing a stopped container still flips _being_killed */
    assert_true(ctr_container_being_killed(tc.c));
    assert_int_equal(tc.rc[2], SIM_ERAISED);
    assert_string_equal(tc.err[2]->type, "ContainerBeingKilled");
    LOGS(tc.w, "info", "Worker spawn prevented due to being killed");
    assert_int_equal(count(tc.w, "call", "ham.kill", NULL), 0);
    EXT_CALLS(tc.w, "ham", "stop");
    assert_int_equal(count(tc.w, "state", "test-service", "dead*"), 1);
    teardown_all();
}

/* ------------------------------------------------------------ 4.2: 10-12 */

static int body_kill_managed(sim_world_t *w, void *arg)
{
    (void)arg;
    ctr_spawn_managed_thread(tc.c, sleep_forever, NULL, "sleep_forever",
                             &tc.t[0]);
    tc.rc[4] = (int)ctr_container_managed_count(tc.c);
    record(0, ctr_container_kill(tc.c, NULL));
    record(1, ctr_container_wait(tc.c));
    record(2, sim_thread_wait(w, tc.t[0], NULL));
    return 0;
}

static void test_kill_container_with_managed_threads(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    go(tc.w, "main", body_kill_managed, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[4], 1);
    assert_int_equal(tc.rc[0], 0);
    assert_int_equal(tc.rc[1], 0);
    assert_int_equal(tc.rc[2], SIM_EKILLED);
    assert_ptr_equal(tc.err[2], &sim_error_exit);
    assert_int_equal(ctr_container_managed_count(tc.c), 0);
    assert_true(sim_now(tc.w) < SIM_S(1));
    teardown_all();
}

static int body_kill_active(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, ctr_spawn_worker(tc.c, ext("ham"), "", NULL, NULL, &tc.ctx[0]));
    sim_event_wait(w, tc.ev[0], NULL);
    record(1, ctr_container_kill(tc.c, NULL));
    return 0;
}

static void test_kill_container_with_active_workers(void **state)
{
    (void)state;
    setup_svc("kill-with-active-workers", 0);
    tc.s.methods[0].name = "spam";
    tc.s.ham.method = "spam";
    behave_add(&tc.s.ham_m.b, (act_t){.hook = "method", .kind = ACT_SEND,
                                      .ev = &tc.ev[0]});
    behave_add(&tc.s.ham_m.b, (act_t){.hook = "method", .kind = ACT_WAIT,
                                      .ev = &tc.ev[1]});
    make_container();
    sim_event_new(tc.w, "waiting", &tc.ev[0]);
    sim_event_new(tc.w, "never", &tc.ev[1]);
    go(tc.w, "main", body_kill_active, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[1], 0);
    LOGS(tc.w, "warning", "killing 1 active workers(s)",
         "killing active worker for kill-with-active-workers.spam.1");
    /* a killed worker gets no handle_result, worker_result or teardown */
    EXT_CALLS(tc.w, "spam", "get_dependency", "worker_setup", "kill");
    expect_seq(tc.w, "worker", "kill-with-active-workers.spam.1", 0,
               SEQ("spawn", "start", "killed"));
    assert_true(ctr_container_dead(tc.c));
    teardown_all();
}

static int body_handle_killed(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, ctr_spawn_worker(tc.c, ext("ham"), "sleep", NULL, NULL,
                               &tc.ctx[0]));
    tc.rc[4] = (int)ctr_container_worker_count(tc.c);
    record(1, sim_thread_kill(w, ctr_worker_thread(tc.ctx[0]), NULL));
    return 0;
}

static void test_handle_killed_worker(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    go(tc.w, "main", body_handle_killed, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[4], 1);
    assert_string_equal(last(tc.w, "log", "debug")->detail,
                        "test-service thread killed by container");
    assert_false(ctr_container_dead(tc.c));
    assert_int_equal(ctr_container_worker_count(tc.c), 0);
    expect_seq(tc.w, "worker", "test-service.ham.1", 0,
               SEQ("spawn", "killed"));
    teardown_all();
}

/* ------------------------------------------------------------ 4.2: 13-15 */

static int body_start_managed_wait(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    record(0, ctr_container_start(tc.c));
    ctr_spawn_managed_thread(tc.c, raise_foobar, NULL, "raise_foobar", NULL);
    record(1, ctr_container_wait(tc.c));
    return 0;
}

static void test_spawned_thread_kills_container(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    go(tc.w, "main", body_start_managed_wait, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[1], SIM_ERAISED);
    assert_string_equal(tc.err[1]->message, "foobar");
    LOGS(tc.w, "critical", "test-service thread exited with error");
    LOGS(tc.w, "info", "killing test-service due to foobar");
    assert_non_null(last(tc.w, "state", "test-service"));
    assert_string_equal(last(tc.w, "state", "test-service")->detail,
                        "dead:Exception: foobar");
    teardown_all();
}

static int wait_forever_then_flag(sim_world_t *w, void *arg)
{
    int rc;
    (void)arg;
    rc = sim_event_wait(w, tc.ev[0], NULL);
    if (rc < 0) {
        tc.flag = 1; /* killed_by_error_raised */
        return rc;
    }
    return 0;
}

static int body_kill_other(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, ctr_container_start(tc.c));
    ctr_spawn_managed_thread(tc.c, wait_forever_then_flag, NULL,
                             "wait_forever", NULL);
    ctr_spawn_managed_thread(tc.c, raise_foobar, NULL, NULL, NULL);
    sim_sleep(w, SIM_MS(1));
    tc.rc[4] = tc.flag;
    return 0;
}

static void test_spawned_thread_causes_container_to_kill_other_thread(
    void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    sim_event_new(tc.w, "never", &tc.ev[0]);
    go(tc.w, "main", body_kill_other, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[4], 1);
    LOGS(tc.w, "warning", "killing 1 managed thread(s)",
         "killing managed thread `wait_forever`");
    LOGS(tc.w, "critical", "test-service thread exited with error");
    teardown_all();
}

static int body_killed_once(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    record(0, ctr_container_start(tc.c));
    ctr_spawn_managed_thread(tc.c, raise_fixed, NULL, "a", NULL);
    ctr_spawn_managed_thread(tc.c, raise_fixed, NULL, "b", NULL);
    record(1, ctr_container_wait(tc.c));
    return 0;
}

static void test_container_only_killed_once(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    tc.fixed = sim_error_new(tc.w, "Broken", "foobar", 0);
    go(tc.w, "main", body_killed_once, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_ptr_equal(tc.err[1], tc.fixed);
    /* kill was called twice with the error; the cleanup ran once */
    LOGS(tc.w, "critical", "test-service thread exited with error",
         "test-service thread exited with error");
    LOGS(tc.w, "info", "killing test-service due to foobar");
    LOGS(tc.w, "debug", "starting test-service",
         "already killing test-service ... waiting for death");
    EXT_CALLS(tc.w, "spam", "setup", "start", "kill");
    EXT_CALLS(tc.w, "ham", "setup", "start", "kill", "kill");
    assert_int_equal(count(tc.w, "state", "test-service", "dead*"), 1);
    teardown_all();
}

/* ------------------------------------------------------------ 4.2: 16-17 */

static int body_remaining_managed(sim_world_t *w, void *arg)
{
    int kill = (int)(intptr_t)arg;
    (void)w;
    record(0, ctr_container_start(tc.c));
    ctr_spawn_managed_thread(tc.c, sleep_forever, NULL, "sleep_forever",
                             NULL);
    ctr_spawn_managed_thread(tc.c, sleep_forever, NULL, "sleep_forever",
                             NULL);
    if (kill)
        record(1, ctr_container_kill(tc.c, NULL));
    else
        record(1, ctr_container_stop(tc.c));
    return 0;
}

static void expect_managed_kill_logs(void)
{
    /* count warning, then per thread its warning and its death */
    size_t a = find(tc.w, "log", "warning", "killing 2 managed thread(s)");
    size_t b = find_from(tc.w, a, "log", "warning",
                         "killing managed thread `sleep_forever`");
    size_t c = find_from(tc.w, b, "log", "debug",
                         "test-service thread killed by container");
    size_t d = find_from(tc.w, c, "log", "warning",
                         "killing managed thread `sleep_forever`");
    size_t e = find_from(tc.w, d, "log", "debug",
                         "test-service thread killed by container");
    assert_true(a != NOT_FOUND && b != NOT_FOUND && c != NOT_FOUND &&
                d != NOT_FOUND && e != NOT_FOUND);
    LOGS(tc.w, "warning", "killing 2 managed thread(s)",
         "killing managed thread `sleep_forever`",
         "killing managed thread `sleep_forever`");
}

static void test_container_stop_kills_remaining_managed_threads(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    go(tc.w, "main", body_remaining_managed, (void *)0);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[1], 0);
    expect_managed_kill_logs();
    LOGS(tc.w, "debug", "starting test-service", "stopping test-service",
         "test-service thread killed by container",
         "test-service thread killed by container");
    teardown_all();
}

static void test_container_kill_kills_remaining_managed_threads(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    go(tc.w, "main", body_remaining_managed, (void *)1);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[1], 0);
    expect_managed_kill_logs();
    LOGS(tc.w, "info", "killing test-service");
    LOGS(tc.w, "debug", "starting test-service",
         "test-service thread killed by container",
         "test-service thread killed by container");
    teardown_all();
}

/* ------------------------------------------------------------ 4.2: 18-19 */

static int body_start_kill_wait(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    record(0, ctr_container_start(tc.c));
    record(1, ctr_container_kill(tc.c, tc.fixed));
    record(2, ctr_container_wait(tc.c));
    return 0;
}

static void test_kill_bad_dependency(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    behave_add(&tc.s.spam_b, (act_t){.hook = "kill", .kind = ACT_RAISE,
                                     .type = "Exception",
                                     .msg = "dependency error"});
    make_container();
    tc.fixed = sim_error_new(tc.w, "Exception", "container error", 0);
    go(tc.w, "main", body_start_kill_wait, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[1], 0);
    assert_int_equal(tc.rc[2], SIM_ERAISED);
    assert_ptr_equal(tc.err[2], tc.fixed);
    assert_string_equal(tc.err[2]->message, "container error");
    LOGS(tc.w, "warning", "Extension raised `dependency error` during kill");
    teardown_all();
}

static int body_stop_during_kill(sim_world_t *w, void *arg)
{
    (void)arg;
    go(w, "killer", body_kill_fixed, (void *)0);
    go(w, "stopper", body_stop, (void *)1);
    go(w, "waiter", body_wait, (void *)2);
    return 0;
}

static void test_stop_during_kill(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    /* a yield late in kill, as the reference's patched
     * _kill_managed_threads = eventlet.sleep */
    behave_add(&tc.s.spam_b, (act_t){.hook = "kill", .kind = ACT_SLEEP,
                                     .d = SIM_MS(1)});
    make_container();
    tc.fixed = sim_error_new(tc.w, "Exception", "error", 0);
    go(tc.w, "main", body_stop_during_kill, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    assert_int_equal(tc.rc[1], 0);    /* stop never raises the kill error */
    assert_ptr_equal(tc.err[2], tc.fixed);
    LOGS(tc.w, "debug", "already being killed test-service");
    assert_int_equal(count(tc.w, "call", "spam.stop", NULL), 0);
    assert_int_equal(count(tc.w, "call", "ham.stop", NULL), 0);
    teardown_all();
}

/* ------------------------------------------------------------ 4.2: 20-21 */

static void test_service_definition_errors(void **state)
{
    sim_world_t *w = new_world();
    ctr_container_t *c = (ctr_container_t *)&c;
    svc_t s;
    (void)state;

    svc_init(&s, NULL, 0);
    assert_int_equal(ctr_container_new(w, &s.def, &c), CTR_ECONFIG);
    assert_null(c);
    svc_init(&s, "", 0);
    assert_int_equal(ctr_container_new(w, &s.def, &c), CTR_ECONFIG);
    svc_init(&s, "svc", 0);
    s.ham.method = "nope"; /* an entrypoint naming an unknown method */
    assert_int_equal(ctr_container_new(w, &s.def, &c), CTR_ECONFIG);
    svc_init(&s, "svc", 0);
    s.spam.name = NULL;
    assert_int_equal(ctr_container_new(w, &s.def, &c), CTR_ECONFIG);
    svc_init(&s, "svc", 0);
    s.spam.kind = CTR_ENTRYPOINT; /* not a dependency provider */
    assert_int_equal(ctr_container_new(w, &s.def, &c), CTR_ECONFIG);
    svc_init(&s, "svc", 0);
    s.def.n_dependencies = 2; /* a NULL declaration */
    assert_int_equal(ctr_container_new(w, &s.def, &c), CTR_ECONFIG);
    assert_int_equal(ctr_container_new(w, NULL, &c), CTR_ECONFIG);
    assert_string_equal(ctr_strerror(CTR_ECONFIG), "bad service definition");
    svc_init(&s, "svc", 0);
    assert_int_equal(ctr_container_new(w, &s.def, &c), 0);
    ctr_container_free(c);
    sim_world_free(w);
}

static int wait_ev0(sim_world_t *w, void *arg)
{
    (void)arg;
    return sim_event_wait(w, tc.ev[0], NULL);
}

static int body_logging_managed(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    ctr_spawn_managed_thread(tc.c, wait_ev0, NULL, "wait", NULL);
    ctr_spawn_managed_thread(tc.c, wait_ev0, NULL, NULL, NULL);
    ctr_spawn_managed_thread(tc.c, wait_ev0, NULL, "named", NULL);
    return record(0, ctr_container_stop(tc.c));
}

static void test_logging_managed_threads(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    sim_event_new(tc.w, "never", &tc.ev[0]);
    go(tc.w, "main", body_logging_managed, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    LOGS(tc.w, "warning", "killing 3 managed thread(s)",
         "killing managed thread `wait`",
         "killing managed thread `<unknown>`",
         "killing managed thread `named`");
    teardown_all();
}

/* ------------------------------------------------------------ 4.5 errors */

static int body_spawn_and_wait(sim_world_t *w, void *arg)
{
    const char *ep = arg;
    int rc;
    (void)w;
    rc = ctr_spawn_worker(tc.c, ext(ep), "", NULL, NULL, &tc.ctx[0]);
    if (rc < 0)
        return record(0, rc);
    return record(1, ctr_container_wait(tc.c));
}

static void check_hook_error_kills(const char *hook, const char *const *calls)
{
    setup_svc("test-service", 0);
    behave_add(&tc.s.spam_b, (act_t){.hook = hook, .kind = ACT_RAISE_E,
                                     .err = &tc.fixed});
    make_container();
    tc.fixed = sim_error_new(tc.w, "Exception", hook, 0);
    go(tc.w, "main", body_spawn_and_wait, "ham");
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    assert_int_equal(tc.rc[1], SIM_ERAISED);
    assert_ptr_equal(tc.err[1], tc.fixed);
    expect_ext_calls(tc.w, "spam", calls);
    expect_seq(tc.w, "worker", "test-service.ham.1", 0,
               SEQ("spawn", "start", "error:Exception"));
    LOGS(tc.w, "critical", "test-service thread exited with error");
    assert_true(ctr_container_dead(tc.c));
    teardown_all();
}

static void test_dependency_call_lifecycle_errors(void **state)
{
    (void)state;
    check_hook_error_kills("get_dependency", SEQ("get_dependency", "kill"));
    check_hook_error_kills("worker_setup",
                           SEQ("get_dependency", "worker_setup", "kill"));
    check_hook_error_kills("worker_result",
                           SEQ("get_dependency", "worker_setup",
                               "worker_result", "kill"));
    check_hook_error_kills("worker_teardown",
                           SEQ("get_dependency", "worker_setup",
                               "worker_result", "worker_teardown", "kill"));
}

static void test_error_in_worker(void **state)
{
    static const char *const expected[] = {"Expected"};
    (void)state;
    setup_svc("test-service", 0);
    tc.s.egg.expected = expected;
    tc.s.egg.n_expected = 1;
    tc.s.ham_m.b.n = 0;
    behave_add(&tc.s.ham_m.b, (act_t){.hook = "method", .kind = ACT_RAISE,
                                      .type = "Exception", .msg = "boom"});
    tc.s.egg_m.b.n = 0;
    behave_add(&tc.s.egg_m.b, (act_t){.hook = "method", .kind = ACT_RAISE,
                                      .type = "Expected", .msg = "fine"});
    make_container();
    go(tc.w, "ham", body_spawn_and_wait, "ham");
    go(tc.w, "egg", body_spawn_and_wait, "egg");
    /* nothing stops the container: the waiters hang, the container lives */
    assert_int_equal(sim_run(tc.w), SIM_EHUNG);
    LOGS(tc.w, "error", "error handling worker test-service.ham.1: boom");
    LOGS(tc.w, "warning",
         "(expected) error handling worker test-service.egg.2: fine");
    assert_false(ctr_container_dead(tc.c));
    assert_false(ctr_container_being_killed(tc.c));
    assert_int_equal(count(tc.w, "log", "critical", NULL), 0);
    teardown_all();
}

static int hr_raise(ctr_worker_ctx_t *ctx, void *arg, const void **result,
                    const sim_error_t **exc)
{
    (void)ctx;
    (void)arg;
    (void)result;
    (void)exc;
    return sim_raise(tc.w, tc.fixed);
}

static int hr_replace(ctr_worker_ctx_t *ctx, void *arg, const void **result,
                      const sim_error_t **exc)
{
    (void)ctx;
    (void)arg;
    *result = "replaced";
    *exc = tc.fixed;
    return 0;
}

static int body_spawn_hr(sim_world_t *w, void *arg)
{
    ctr_handle_result_fn fn = (ctr_handle_result_fn)(uintptr_t)arg;
    int rc;
    rc = ctr_spawn_worker(tc.c, ext("ham"), "", fn, NULL, &tc.ctx[0]);
    if (rc < 0)
        return record(0, rc);
    record(2, sim_thread_wait(w, ctr_worker_thread(tc.ctx[0]), NULL));
    if (fn == hr_raise)
        return record(1, ctr_container_wait(tc.c));
    return 0;
}

static void test_handle_result_error(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    tc.fixed = sim_error_new(tc.w, "Exception", "bad result", 0);
    go(tc.w, "main", body_spawn_hr, (void *)(uintptr_t)hr_raise);
    assert_int_equal(run_ok(), SIM_OK);
    assert_ptr_equal(tc.err[1], tc.fixed);
    EXT_CALLS(tc.w, "spam", "get_dependency", "worker_setup", "kill");
    LOGS(tc.w, "info", "killing test-service due to bad result");
    teardown_all();
}

static void test_handle_result_replaces_worker_result(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    tc.fixed = sim_error_new(tc.w, "Replaced", "by handle_result", 0);
    go(tc.w, "main", body_spawn_hr, (void *)(uintptr_t)hr_replace);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(n_seen, 1);
    assert_string_equal(seen[0].result, "replaced");
    assert_ptr_equal(seen[0].exc, tc.fixed);
    assert_false(ctr_container_dead(tc.c));
    teardown_all();
}

/* ------------------------------------------------------------ collector */

static ctr_ext_decl_t collector_decl = {.kind = CTR_EXTENSION,
                                        .name = "consumer",
                                        .shared = 1,
                                        .collector = 1,
                                        .ops = &x_ops};
static const ctr_ext_decl_t *const collector_subs[] = {&collector_decl};

static int body_collector(sim_world_t *w, void *arg)
{
    ctr_extension_t *col = ext("consumer");
    (void)arg;
    ctr_collector_register(col, ext("ham"));
    ctr_collector_register(col, ext("egg"));
    tc.t[0] = go(w, "stopper", body_stop, (void *)0);
    sim_sleep(w, SIM_MS(1));
    tc.rc[4] = sim_thread_state(tc.t[0]) != SIM_THREAD_DEAD;
    tc.rc[5] = ctr_collector_unregister(col, ext("ham"));
    tc.rc[6] = ctr_collector_unregister(col, ext("ham")); /* no-op */
    sim_sleep(w, SIM_MS(1));
    tc.rc[7] = sim_thread_state(tc.t[0]) != SIM_THREAD_DEAD;
    ctr_collector_unregister(col, ext("egg"));
    sim_sleep(w, SIM_MS(1));
    tc.flag = sim_thread_state(tc.t[0]) == SIM_THREAD_DEAD;
    return 0;
}

static void test_provider_collector(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    tc.s.ham.subs = collector_subs;
    tc.s.ham.n_subs = 1;
    tc.s.egg.subs = collector_subs;
    tc.s.egg.n_subs = 1;
    make_container();
    assert_int_equal(ctr_container_extension_count(tc.c), 4);
    go(tc.w, "main", body_collector, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[4], 1); /* blocked while registered */
    assert_int_equal(tc.rc[5], 0);
    assert_int_equal(tc.rc[6], 0);
    assert_int_equal(tc.rc[7], 1); /* one provider left */
    assert_true(tc.flag);           /* the last unregister released it */
    assert_int_equal(tc.rc[0], 0);
    teardown_all();
}

static void test_provider_collector_never_registered(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    tc.s.ham.subs = collector_subs;
    tc.s.ham.n_subs = 1;
    make_container();
    go(tc.w, "main", body_stop, (void *)0);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    EXT_CALLS(tc.w, "consumer", "stop");
    assert_int_equal(ctr_collector_register(ext("spam"), ext("ham")),
                     SIM_EINVAL);
    teardown_all();
}

/* ------------------------------------------------------------ sharing */

static ctr_ext_decl_t dedicated_decl = {.kind = CTR_EXTENSION,
                                        .name = "dedicated",
                                        .ops = &x_ops};
static const ctr_ext_decl_t *const dedicated_subs[] = {&dedicated_decl};
static ctr_ext_decl_t shared_decl = {.kind = CTR_EXTENSION,
                                     .name = "shared",
                                     .shared = 1,
                                     .ops = &x_ops,
                                     .subs = dedicated_subs,
                                     .n_subs = 1};
static ctr_ext_decl_t keyed_a = {.kind = CTR_EXTENSION, .name = "keyed_a",
                                 .shared = 1, .sharing_key = "k1",
                                 .ops = &x_ops};
static ctr_ext_decl_t keyed_b = {.kind = CTR_EXTENSION, .name = "keyed_b",
                                 .shared = 1, .sharing_key = "k2",
                                 .ops = &x_ops};
static ctr_ext_decl_t keyed_c = {.kind = CTR_EXTENSION, .name = "keyed_c",
                                 .shared = 1, .sharing_key = "k1",
                                 .ops = &x_ops};
static const ctr_ext_decl_t *const ham_subs[] = {&shared_decl, &keyed_a};
static const ctr_ext_decl_t *const egg_subs[] = {&shared_decl, &keyed_b,
                                                 &keyed_c};

static void test_extension_sharing(void **state)
{
    ctr_container_t *other;
    (void)state;
    setup_svc("test-service", 0);
    tc.s.ham.subs = ham_subs;
    tc.s.ham.n_subs = 2;
    tc.s.egg.subs = egg_subs;
    tc.s.egg.n_subs = 3;
    make_container();
    /* spam ham egg | dedicated shared keyed_a keyed_b (keyed_c is k1) */
    assert_int_equal(ctr_container_extension_count(tc.c), 7);
    assert_string_equal(ctr_extension_name(ctr_container_extension(tc.c, 3)),
                        "dedicated");
    assert_string_equal(ctr_extension_name(ctr_container_extension(tc.c, 4)),
                        "shared");
    assert_string_equal(ctr_extension_name(ctr_container_extension(tc.c, 5)),
                        "keyed_a");
    assert_string_equal(ctr_extension_name(ctr_container_extension(tc.c, 6)),
                        "keyed_b");
    assert_null(ctr_container_find(tc.c, "keyed_c"));
    other = new_container(tc.w, &tc.s.def);
    assert_ptr_not_equal(ctr_container_find(other, "shared"), ext("shared"));
    go(tc.w, "main", body_start, (void *)0);
    assert_int_equal(run_ok(), SIM_OK);
    EXT_CALLS(tc.w, "shared", "setup", "start");
    EXT_CALLS(tc.w, "dedicated", "setup", "start");
    ctr_container_free(other);
    teardown_all();
}

/* ------------------------------------------------------------ timer */

/* A Timer-like entrypoint: start spawns a managed loop that fires a worker
 * every interval; stop asks it to stop and waits; kill kills the thread. */
static struct timer {
    ctr_extension_t *ep;
    sim_thread_t *gt;
    int should_stop;
    sim_time_t interval;
    int ticks;
} timer;

static int timer_loop(sim_world_t *w, void *arg)
{
    (void)arg;
    for (;;) {
        sim_time_t slept = 0;
        while (slept < timer.interval) {
            int rc = sim_sleep(w, SIM_MS(1));
            if (rc < 0)
                return rc;
            if (timer.should_stop)
                return 0;
            slept += SIM_MS(1);
        }
        timer.ticks++;
        {
            int rc = ctr_spawn_worker(ctr_extension_container(timer.ep),
                                      timer.ep, "", NULL, NULL, NULL);
            if (rc < 0)
                return rc;
        }
    }
}

static int timer_start(ctr_extension_t *e)
{
    timer.ep = e;
    return ctr_spawn_managed_thread(ctr_extension_container(e), timer_loop,
                                    NULL, "timer", &timer.gt);
}

static int timer_stop(ctr_extension_t *e)
{
    timer.should_stop = 1;
    return sim_thread_wait(ext_world(e), timer.gt, NULL);
}

static int timer_kill(ctr_extension_t *e)
{
    return sim_thread_kill(ext_world(e), timer.gt, NULL);
}

static const ctr_ext_ops_t timer_ops = {.start = timer_start,
                                        .stop = timer_stop,
                                        .kill = timer_kill};

static int body_timer(sim_world_t *w, void *arg)
{
    int kill = (int)(intptr_t)arg;
    record(0, ctr_container_start(tc.c));
    if (kill) {
        sim_sleep(w, timer.interval + SIM_US(500)); /* after the first tick */
        record(1, ctr_container_kill(tc.c, NULL));
        tc.rc[4] = timer.ticks;
        sim_sleep(w, SIM_MS(100));
    } else {
        sim_sleep(w, SIM_MS(1));
        record(1, ctr_container_stop(tc.c));
        tc.rc[5] = (int)(sim_now(w) < SIM_S(1));
    }
    return 0;
}

static void timer_service(sim_time_t interval)
{
    setup_svc("timer-service", 0);
    memset(&timer, 0, sizeof(timer));
    timer.interval = interval;
    tc.s.ham.ops = &timer_ops;
    tc.s.def.n_entrypoints = 1;
    make_container();
}

static void test_kill_stops_timer(void **state)
{
    (void)state;
    timer_service(SIM_MS(10));
    go(tc.w, "main", body_timer, (void *)1);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[1], 0);
    assert_int_equal(tc.rc[4], 1);
    assert_int_equal(timer.ticks, 1); /* no tick after the kill */
    /* Timer.kill ran twice (entrypoints, then all extensions) */
    EXT_CALLS(tc.w, "ham", "setup", "start", "kill", "kill");
    teardown_all();
}

static void test_stop_while_sleeping(void **state)
{
    (void)state;
    timer_service(SIM_S(5));
    go(tc.w, "main", body_timer, (void *)0);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[1], 0);
    assert_int_equal(tc.rc[5], 1);
    assert_int_equal(timer.ticks, 0);
    assert_int_equal(count(tc.w, "call", "timer-service.ham", NULL), 0);
    assert_true(ctr_container_dead(tc.c));
    teardown_all();
}

/* ------------------------------------------------------------ sequences */

static int body_stop_sequence(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, ctr_container_start(tc.c));
    record(1, ctr_spawn_worker(tc.c, ext("ham"), "", NULL, NULL, &tc.ctx[0]));
    ctr_spawn_managed_thread(tc.c, sleep_forever, NULL, "sleeper", NULL);
    sim_yield(w);
    record(2, ctr_container_stop(tc.c));
    return 0;
}

static void test_stop_sequence_order(void **state)
{
    size_t i;
    (void)state;
    setup_svc("test-service", 0);
    tc.s.ham.subs = ham_subs;
    tc.s.ham.n_subs = 1; /* shared, with its dedicated sub */
    behave_add(&tc.s.ham_m.b, (act_t){.hook = "method", .kind = ACT_SLEEP,
                                      .d = SIM_MS(5)});
    make_container();
    go(tc.w, "main", body_stop_sequence, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[2], 0);
    i = find(tc.w, "log", "debug", "stopping test-service");
    i = find_from(tc.w, i, "call", "ham.stop", NULL);
    i = find_from(tc.w, i, "call", "egg.stop", NULL);
    /* waitall: the running worker completes before dependencies stop */
    i = find_from(tc.w, i, "call", "spam.worker_teardown", NULL);
    i = find_from(tc.w, i, "call", "spam.stop", NULL);
    i = find_from(tc.w, i, "call", "dedicated.stop", NULL);
    i = find_from(tc.w, i, "call", "shared.stop", NULL);
    i = find_from(tc.w, i, "log", "warning", "killing 1 managed thread(s)");
    i = find_from(tc.w, i, "log", "warning", "killing managed thread `sleeper`");
    i = find_from(tc.w, i, "log", "debug", "test-service thread killed by container");
    i = find_from(tc.w, i, "state", "test-service", "unstarted");
    i = find_from(tc.w, i, "state", "test-service", "dead");
    assert_true(i != NOT_FOUND);
    /* stop never kills workers and never kills extensions */
    assert_int_equal(count(tc.w, "call", "ham.kill", NULL), 0);
    expect_seq(tc.w, "worker", "test-service.ham.1", 0,
               SEQ("spawn", "start", "result"));
    teardown_all();
}

static int body_kill_sequence(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, ctr_container_start(tc.c));
    record(1, ctr_spawn_worker(tc.c, ext("ham"), "", NULL, NULL, &tc.ctx[0]));
    ctr_spawn_managed_thread(tc.c, sleep_forever, NULL, "sleeper", NULL);
    sim_yield(w);
    record(2, ctr_container_kill(tc.c, tc.fixed));
    record(3, ctr_container_wait(tc.c));
    return 0;
}

static void test_kill_sequence_order(void **state)
{
    size_t i, ep2;
    (void)state;
    setup_svc("test-service", 0);
    tc.s.ham.subs = ham_subs;
    tc.s.ham.n_subs = 1;
    behave_add(&tc.s.ham_m.b, (act_t){.hook = "method", .kind = ACT_SLEEP,
                                      .d = SIM_MS(5)});
    make_container();
    tc.fixed = sim_error_new(tc.w, "Boom", "disk on fire", 0);
    go(tc.w, "main", body_kill_sequence, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[2], 0);
    assert_ptr_equal(tc.err[3], tc.fixed);
    i = find(tc.w, "state", "test-service", "being_killed:Boom: disk on fire");
    i = find_from(tc.w, i, "log", "info",
                  "killing test-service due to disk on fire");
    i = find_from(tc.w, i, "call", "ham.kill", NULL);
    i = find_from(tc.w, i, "call", "egg.kill", NULL);
    i = find_from(tc.w, i, "log", "warning", "killing 1 active workers(s)");
    i = find_from(tc.w, i, "log", "warning",
                  "killing active worker for test-service.ham.1");
    i = find_from(tc.w, i, "log", "debug",
                  "test-service thread killed by container");
    ep2 = i;
    i = find_from(tc.w, i, "call", "spam.kill", NULL);
    i = find_from(tc.w, i, "call", "ham.kill", NULL);
    i = find_from(tc.w, i, "call", "egg.kill", NULL);
    i = find_from(tc.w, i, "call", "dedicated.kill", NULL);
    i = find_from(tc.w, i, "call", "shared.kill", NULL);
    i = find_from(tc.w, i, "log", "warning", "killing 1 managed thread(s)");
    i = find_from(tc.w, i, "log", "warning", "killing managed thread `sleeper`");
    i = find_from(tc.w, i, "log", "debug", "test-service thread killed by container");
    i = find_from(tc.w, i, "state", "test-service", "unstarted");
    i = find_from(tc.w, i, "state", "test-service", "dead:Boom: disk on fire");
    assert_true(i != NOT_FOUND);
    assert_true(ep2 != NOT_FOUND);
    /* a killed worker: no handle_result, worker_result, teardown */
    assert_int_equal(count(tc.w, "call", "spam.worker_result", NULL), 0);
    assert_int_equal(count(tc.w, "call", "spam.worker_teardown", NULL), 0);
    EXT_CALLS(tc.w, "ham", "setup", "start", "kill", "kill");
    EXT_CALLS(tc.w, "spam", "setup", "start", "get_dependency",
              "worker_setup", "kill");
    teardown_all();
}

/* ------------------------------------------------------------ races */

static int body_stop_then_kill(sim_world_t *w, void *arg)
{
    (void)arg;
    go(w, "stopper", body_stop, (void *)0);
    go(w, "killer", body_kill_fixed, (void *)1);
    go(w, "waiter", body_wait, (void *)2);
    return 0;
}

static void test_kill_during_stop_stop_finishes_first(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    behave_add(&tc.s.spam_b, (act_t){.hook = "kill", .kind = ACT_SLEEP,
                                     .d = SIM_MS(10)});
    make_container();
    tc.fixed = sim_error_new(tc.w, "Exception", "lost", 0);
    go(tc.w, "main", body_stop_then_kill, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    assert_int_equal(tc.rc[1], 0);
    /* the kill's exception is lost: wait returns normally */
    assert_int_equal(tc.rc[2], 0);
    assert_int_equal(count(tc.w, "state", "test-service", "dead*"), 1);
    assert_int_equal(count(tc.w, "state", "test-service", "dead"), 1);
    EXT_CALLS(tc.w, "spam", "stop", "kill");
    LOGS(tc.w, "info", "killing test-service due to lost");
    teardown_all();
}

static void test_kill_during_stop_kill_finishes_first(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    behave_add(&tc.s.ham_b, (act_t){.hook = "stop", .kind = ACT_SLEEP,
                                    .d = SIM_MS(10)});
    make_container();
    tc.fixed = sim_error_new(tc.w, "Exception", "kept", 0);
    go(tc.w, "main", body_stop_then_kill, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    assert_ptr_equal(tc.err[2], tc.fixed);
    assert_int_equal(count(tc.w, "state", "test-service", "dead*"), 1);
    /* stop carried on afterwards and skipped its send */
    ASSERT_BEFORE(find(tc.w, "state", "test-service", "dead:*"),
                  find(tc.w, "call", "spam.stop", NULL));
    teardown_all();
}

static int body_kill_kill(sim_world_t *w, void *arg)
{
    (void)arg;
    go(w, "killer1", body_kill_fixed, (void *)0);
    go(w, "killer2", body_kill, (void *)1);
    go(w, "waiter", body_wait, (void *)2);
    return 0;
}

static void test_kill_during_kill(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    tc.fixed = sim_error_new(tc.w, "Exception", "first", 0);
    go(tc.w, "main", body_kill_kill, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    assert_int_equal(tc.rc[1], 0); /* swallowed, returns None */
    assert_ptr_equal(tc.err[2], tc.fixed);
    LOGS(tc.w, "debug", "already killing test-service ... waiting for death");
    EXT_CALLS(tc.w, "spam", "kill");
    EXT_CALLS(tc.w, "ham", "kill", "kill");
    teardown_all();
}

static int body_blocked_spawner(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, ctr_spawn_worker(tc.c, ext("ham"), "first", NULL, NULL,
                               &tc.ctx[0]));
    tc.t[0] = go(w, "spawner", body_spawn_eggs, NULL);
    sim_yield(w);
    sim_yield(w);
    record(2, ctr_container_kill(tc.c, NULL));
    sim_sleep(w, SIM_MS(50));
    return 0;
}

static void test_blocked_spawner_starts_worker_during_kill(void **state)
{
    (void)state;
    setup_svc("test-service", 1);
    behave_add(&tc.s.ham_m.b, (act_t){.hook = "method", .kind = ACT_WAIT,
                                      .ev = &tc.ev[0]});
    make_container();
    sim_event_new(tc.w, "never", &tc.ev[0]);
    go(tc.w, "main", body_blocked_spawner, NULL);
    /* the late worker waits on `never` as well, so the run ends hung */
    assert_int_equal(sim_run(tc.w), SIM_EHUNG);
    /* the blocked spawner passed its check before the kill, got the slot
     * the kill freed, and started a worker during the kill */
    assert_int_equal(tc.rc[1], 0);
    assert_non_null(tc.ctx[1]);
    ASSERT_BEFORE(find(tc.w, "state", "test-service", "being_killed"),
                  find(tc.w, "worker", "test-service.ham.2", "start"));
    assert_int_equal(count(tc.w, "log", "info",
                           "Worker spawn prevented due to being killed"), 0);
    assert_true(ctr_container_dead(tc.c));
    /* it was absent from the kill's snapshot: still running */
    assert_int_equal(count(tc.w, "worker", "test-service.ham.2", "killed"),
                     0);
    assert_int_equal(ctr_container_worker_count(tc.c), 1);
    teardown_all();
}

static int body_blocked_spawner_completes(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, ctr_spawn_worker(tc.c, ext("egg"), "first", NULL, NULL,
                               &tc.ctx[0]));
    tc.t[0] = go(w, "spawner", body_spawn_eggs, NULL);
    sim_yield(w);
    sim_yield(w);
    record(2, ctr_container_kill(tc.c, NULL));
    sim_sleep(w, SIM_MS(50));
    return 0;
}

static void test_late_worker_runs_to_completion(void **state)
{
    (void)state;
    setup_svc("test-service", 1);
    /* egg blocks (the victim), ham (spawned late) returns */
    tc.s.egg_m.b.n = 0;
    behave_add(&tc.s.egg_m.b, (act_t){.hook = "method", .kind = ACT_WAIT,
                                      .ev = &tc.ev[0]});
    make_container();
    sim_event_new(tc.w, "never", &tc.ev[0]);
    go(tc.w, "main", body_blocked_spawner_completes, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[1], 0);
    expect_seq(tc.w, "worker", "test-service.egg.1", 0,
               SEQ("spawn", "start", "killed"));
    expect_seq(tc.w, "worker", "test-service.ham.2", 0,
               SEQ("spawn", "start", "result"));
    assert_true(ctr_worker_done(tc.ctx[1]));
    assert_int_equal(count(tc.w, "call", "spam.worker_teardown",
                           "test-service.ham.2"), 1);
    teardown_all();
}

static void test_worker_self_kill_hangs(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    behave_add(&tc.s.ham_m.b, (act_t){.hook = "method",
                                      .kind = ACT_KILL_CONTAINER});
    make_container();
    go(tc.w, "main", body_spawn_and_wait, "ham");
    assert_int_equal(sim_run(tc.w), SIM_EHUNG);
    LOGS(tc.w, "info", "killing test-service");
    LOGS(tc.w, "warning", "killing 1 active workers(s)",
         "killing active worker for test-service.ham.1");
    expect_seq(tc.w, "worker", "test-service.ham.1", 0,
               SEQ("spawn", "start", "killed"));
    /* GreenletExit aborted the kill: _died is never sent */
    assert_false(ctr_container_dead(tc.c));
    assert_true(ctr_container_being_killed(tc.c));
    assert_int_equal(count(tc.w, "call", "spam.kill", NULL), 0);
    teardown_all();
}

/* ------------------------------------------------------------ parallel */

static void test_start_raises_first_failure_in_order(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    /* spam (first) fails late, egg (last) fails at once */
    behave_add(&tc.s.spam_b, (act_t){.hook = "setup", .kind = ACT_SLEEP_RAISE,
                                     .d = SIM_MS(5), .type = "SpamError",
                                     .msg = "late"});
    behave_add(&tc.s.egg_b, (act_t){.hook = "setup", .kind = ACT_RAISE,
                                    .type = "EggError", .msg = "early"});
    behave_add(&tc.s.ham_b, (act_t){.hook = "setup", .kind = ACT_SLEEP,
                                    .d = SIM_MS(20)});
    make_container();
    go(tc.w, "main", body_start, (void *)0);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], SIM_ERAISED);
    assert_string_equal(tc.err[0]->type, "SpamError");
    /* start raised, the container is neither killed nor unstarted */
    assert_true(ctr_container_started(tc.c));
    assert_false(ctr_container_dead(tc.c));
    assert_int_equal(count(tc.w, "call", "spam.start", NULL), 0);
    /* ham's helper was an orphan: it finished after start raised */
    ASSERT_BEFORE(find(tc.w, "ret", "spam.setup", "SpamError: late"),
                  find(tc.w, "ret", "ham.setup", "ok"));
    teardown_all();
}

static int body_empty_stop(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    tc.rc[4] = (int)sim_steps(w);
    record(0, ctr_container_stop(tc.c));
    tc.rc[5] = (int)sim_steps(w);
    return 0;
}

static void test_empty_container_stop_does_not_yield(void **state)
{
    static const ctr_service_def_t empty = {.name = "empty"};
    (void)state;
    memset(&tc, 0, sizeof(tc));
    tc.w = new_world();
    tc.c = new_container(tc.w, &empty);
    go(tc.w, "main", body_empty_stop, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    assert_int_equal(tc.rc[4], tc.rc[5]);
    assert_true(ctr_container_dead(tc.c));
    teardown_all();
}

static void test_extension_stop_error_aborts_stop(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    behave_add(&tc.s.ham_b, (act_t){.hook = "stop", .kind = ACT_RAISE,
                                    .type = "Exception", .msg = "no stop"});
    make_container();
    go(tc.w, "main", body_stop, (void *)0);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], SIM_ERAISED);
    assert_string_equal(tc.err[0]->message, "no stop");
    assert_false(ctr_container_dead(tc.c));
    assert_int_equal(count(tc.w, "call", "spam.stop", NULL), 0);
    teardown_all();
}

static int body_two_stops(sim_world_t *w, void *arg)
{
    (void)arg;
    go(w, "stop1", body_stop, (void *)0);
    go(w, "stop2", body_stop, (void *)1);
    return 0;
}

static void test_concurrent_stops_both_run(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    go(tc.w, "main", body_two_stops, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    assert_int_equal(tc.rc[1], 0);
    EXT_CALLS(tc.w, "spam", "stop", "stop");
    assert_int_equal(count(tc.w, "state", "test-service", "dead*"), 1);
    teardown_all();
}

static int waitall_from_worker(ctr_worker_ctx_t *ctx, void *user,
                               const void **result)
{
    (void)user;
    (void)result;
    return ctr_container_stop(ctr_worker_container(ctx));
}

static void test_stop_from_worker_asserts(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    tc.s.methods[0].fn = waitall_from_worker;
    make_container();
    go(tc.w, "main", body_spawn_and_wait, "ham");
    assert_int_equal(sim_run(tc.w), SIM_EHUNG);
    /* the pool's AssertionError came out of stop inside the method */
    assert_int_equal(count(tc.w, "log", "error",
                           "error handling worker test-service.ham.1*"), 1);
    assert_int_equal(count(tc.w, "ret", "test-service.ham", "AssertionError*"),
                     1);
    teardown_all();
}

static void test_allocation_failure_in_new(void **state)
{
    sim_world_t *w = new_world();
    svc_t s;
    int failures = 0;
    (void)state;
    svc_init(&s, "svc", 0);
    for (size_t budget = 0; budget < 200; budget++) {
        ctr_container_t *c = NULL;
        int rc;
        sim_alloc_fail_nth(budget + 1);
        rc = ctr_container_new(w, &s.def, &c);
        sim_alloc_fail_nth(0);
        if (rc == 0) {
            ctr_container_free(c);
            break;
        }
        assert_int_equal(rc, SIM_ENOMEM);
        assert_null(c);
        failures++;
    }
    assert_true(failures > 0);
    sim_world_free(w);
}

/* ------------------------------------------------------------ quirks */

static int m_spawn_inner(ctr_worker_ctx_t *ctx, void *user,
                         const void **result)
{
    (void)user;
    (void)result;
    /* the pool is full and we are its worker: egg runs inline, here */
    record(1, ctr_spawn_worker(ctr_worker_container(ctx), ext("egg"), "",
                               NULL, NULL, &tc.ctx[1]));
    tc.rc[5] = (int)ctr_container_worker_count(tc.c);
    return 0;
}

static int body_inline(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, ctr_spawn_worker(tc.c, ext("ham"), "", NULL, NULL, &tc.ctx[0]));
    sim_thread_wait(w, ctr_worker_thread(tc.ctx[0]), NULL);
    tc.rc[4] = (int)ctr_container_worker_count(tc.c);
    record(2, ctr_container_kill(tc.c, NULL));
    return 0;
}

static void test_inline_spawn_quirk(void **state)
{
    (void)state;
    setup_svc("test-service", 1);
    tc.s.methods[0].fn = m_spawn_inner;
    make_container();
    go(tc.w, "main", body_inline, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    assert_int_equal(tc.rc[1], 0);
    /* egg ran synchronously inside ham's thread */
    assert_int_equal(sim_trace_get(tc.w, find(tc.w, "worker",
                                              "test-service.egg.2",
                                              "start"))->thread,
                     sim_thread_id(ctr_worker_thread(tc.ctx[0])));
    expect_seq(tc.w, "worker", "test-service.egg.2", 0,
               SEQ("spawn", "start", "result"));
    /* the immediate link popped nothing; the dead thread stays listed */
    assert_int_equal(tc.rc[4], 1);
    LOGS(tc.w, "warning", "killing 1 active workers(s)",
         "killing active worker for test-service.egg.2");
    assert_int_equal(tc.rc[2], 0);
    assert_true(ctr_container_dead(tc.c));
    teardown_all();
}

static int raise_system_exit(sim_world_t *w, void *arg)
{
    (void)arg;
    return sim_raise(w, sim_error_new(w, "SystemExit", "", SIM_ERR_BASE));
}

static int body_base_exit(sim_world_t *w, void *arg)
{
    (void)arg;
    ctr_spawn_managed_thread(tc.c, raise_system_exit, NULL, "exiter", NULL);
    sim_sleep(w, SIM_MS(1));
    return 0;
}

static void test_base_exception_escapes_link(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    make_container();
    go(tc.w, "main", body_base_exit, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    expect_seq(tc.w, "managed", "exiter", 0, SEQ("spawn", "error:SystemExit"));
    assert_int_equal(count(tc.w, "log", "critical", NULL), 0);
    assert_false(ctr_container_being_killed(tc.c));
    assert_false(ctr_container_dead(tc.c));
    assert_int_equal(ctr_container_managed_count(tc.c), 0);
    teardown_all();
}

/* Timer's kill() kills its own managed thread; when that thread crashed
 * and is running kill() in its exit link, the kill aborts itself. */
static int crash_loop(sim_world_t *w, void *arg)
{
    (void)arg;
    sim_sleep(w, SIM_MS(1));
    return sim_raise(w, sim_error_new(w, "Exception", "tick failed", 0));
}

static int crash_start(ctr_extension_t *e)
{
    timer.ep = e;
    return ctr_spawn_managed_thread(ctr_extension_container(e), crash_loop,
                                    NULL, "timer", &timer.gt);
}

static const ctr_ext_ops_t crash_ops = {.start = crash_start,
                                        .kill = timer_kill};

static int body_start_wait(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    record(0, ctr_container_start(tc.c));
    return record(1, ctr_container_wait(tc.c));
}

static void test_entrypoint_kill_of_crashing_thread_hangs(void **state)
{
    (void)state;
    setup_svc("test-service", 0);
    memset(&timer, 0, sizeof(timer));
    tc.s.ham.ops = &crash_ops;
    make_container();
    go(tc.w, "main", body_start_wait, NULL);
    tc.rc[7] = sim_run(tc.w);
    if (getenv("CTR_DUMP"))
        dump_trace(tc.w);
    assert_int_equal(tc.rc[7], SIM_EHUNG);
    LOGS(tc.w, "critical", "test-service thread exited with error");
    LOGS(tc.w, "info", "killing test-service due to tick failed");
    /* ham.kill's helper killed the timer thread while that thread ran
     * kill() in its exit link: GreenletExit aborted the kill there */
    assert_int_equal(count(tc.w, "ret", "ham.kill", "ok"), 1);
    assert_int_equal(count(tc.w, "state", "test-service", "dead*"), 0);
    assert_int_equal(count(tc.w, "call", "spam.kill", NULL), 0);
    assert_false(ctr_container_dead(tc.c));
    teardown_all();
}

/* ------------------------------------------------------------ review */

/* Trace scheme: a lifecycle hook's call detail is the container's service
 * name, so two containers' extensions can be told apart; worker hooks keep
 * the call id, and ret keeps "ok" / the error. */
static ctr_container_t *second;

static int body_start_two(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    record(0, ctr_container_start(tc.c));
    record(1, ctr_container_start(second));
    record(2, ctr_spawn_worker(tc.c, ext("ham"), "", NULL, NULL, &tc.ctx[0]));
    return 0;
}

static void test_lifecycle_call_detail_is_service_name(void **state)
{
    svc_t other;
    (void)state;
    setup_svc("foo", 0);
    make_container();
    svc_init(&other, "bar", 0);
    second = new_container(tc.w, &other.def);
    go(tc.w, "main", body_start_two, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tc.rc[i], 0);
    expect_seq(tc.w, "call", "spam.setup", 0, SEQ("foo", "bar"));
    expect_seq(tc.w, "call", "ham.start", 0, SEQ("foo", "bar"));
    expect_seq(tc.w, "ret", "spam.setup", 0, SEQ("ok", "ok"));
    expect_seq(tc.w, "call", "spam.worker_setup", 0, SEQ("foo.ham.1"));
    expect_seq(tc.w, "call", "foo.ham", 0, SEQ("foo.ham.1"));
    assert_int_equal(count(tc.w, "call", NULL, ""), 0);
    ctr_container_free(second);
    second = NULL;
    teardown_all();
}

/* The inline-spawned worker's GreenThread was never switched to: greenlet
 * calls it neither dead nor started, so a later kill takes eventlet's
 * not-started path (main() again, whose re-send AssertionError kill
 * swallows, so no link and no log) and the killer still yields. */
static void test_inline_worker_kill_still_yields(void **state)
{
    size_t at, next_call;
    unsigned killer;
    (void)state;
    setup_svc("test-service", 1);
    tc.s.methods[0].fn = m_spawn_inner;
    make_container();
    go(tc.w, "main", body_inline, NULL);
    assert_int_equal(run_ok(), SIM_OK);
    at = find(tc.w, "log", "warning",
              "killing active worker for test-service.egg.2");
    next_call = find_from(tc.w, at, "call", "spam.kill", NULL);
    ASSERT_BEFORE(at, next_call);
    killer = sim_trace_get(tc.w, at)->thread;
    {
        size_t y = find_from(tc.w, at, "yield", NULL, NULL);
        ASSERT_BEFORE(y, next_call);
        assert_int_equal(sim_trace_get(tc.w, y)->thread, killer);
    }
    /* no second exit link: no "killed by container" line for it */
    assert_int_equal(count(tc.w, "log", "debug",
                           "test-service thread killed by container"), 0);
    assert_int_equal(count(tc.w, "worker", "test-service.egg.2", "killed"), 0);
    assert_true(ctr_container_dead(tc.c));
    teardown_all();
}

/* isinstance(exc, expected_exceptions): every error that reaches the
 * method's `except Exception` is an Exception, so listing Exception makes
 * any of them expected. */
static void test_expected_exception_base_class_matches_all(void **state)
{
    static const char *const expected[] = {"Exception"};
    (void)state;
    setup_svc("test-service", 0);
    tc.s.egg.expected = expected;
    tc.s.egg.n_expected = 1;
    tc.s.egg_m.b.n = 0;
    behave_add(&tc.s.egg_m.b, (act_t){.hook = "method", .kind = ACT_RAISE,
                                      .type = "Boom", .msg = "subclass"});
    make_container();
    go(tc.w, "egg", body_spawn_and_wait, "egg");
    assert_int_equal(sim_run(tc.w), SIM_EHUNG);
    LOGS(tc.w, "warning",
         "(expected) error handling worker test-service.egg.1: subclass");
    assert_int_equal(count(tc.w, "log", "error", NULL), 0);
    teardown_all();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* spec 4.2 */
        cmocka_unit_test(test_collects_extensions),
        cmocka_unit_test(test_starts_extensions),
        cmocka_unit_test(test_stops_extensions),
        cmocka_unit_test(test_stops_entrypoints_before_dependency_providers),
        cmocka_unit_test(test_worker_life_cycle),
        cmocka_unit_test(test_wait_waits_for_container_stopped),
        cmocka_unit_test(test_container_doesnt_exhaust_max_workers),
        cmocka_unit_test(test_stop_already_stopped),
        cmocka_unit_test(test_kill_already_stopped),
        cmocka_unit_test(test_kill_container_with_managed_threads),
        cmocka_unit_test(test_kill_container_with_active_workers),
        cmocka_unit_test(test_handle_killed_worker),
        cmocka_unit_test(test_spawned_thread_kills_container),
        cmocka_unit_test(
            test_spawned_thread_causes_container_to_kill_other_thread),
        cmocka_unit_test(test_container_only_killed_once),
        cmocka_unit_test(test_container_stop_kills_remaining_managed_threads),
        cmocka_unit_test(test_container_kill_kills_remaining_managed_threads),
        cmocka_unit_test(test_kill_bad_dependency),
        cmocka_unit_test(test_stop_during_kill),
        cmocka_unit_test(test_service_definition_errors),
        cmocka_unit_test(test_logging_managed_threads),
        /* spec 4.5 */
        cmocka_unit_test(test_dependency_call_lifecycle_errors),
        cmocka_unit_test(test_error_in_worker),
        cmocka_unit_test(test_handle_result_error),
        cmocka_unit_test(test_handle_result_replaces_worker_result),
        cmocka_unit_test(test_provider_collector),
        cmocka_unit_test(test_provider_collector_never_registered),
        cmocka_unit_test(test_extension_sharing),
        cmocka_unit_test(test_kill_stops_timer),
        cmocka_unit_test(test_stop_while_sleeping),
        /* sequences and races of 1.3-1.9 */
        cmocka_unit_test(test_stop_sequence_order),
        cmocka_unit_test(test_kill_sequence_order),
        cmocka_unit_test(test_kill_during_stop_stop_finishes_first),
        cmocka_unit_test(test_kill_during_stop_kill_finishes_first),
        cmocka_unit_test(test_kill_during_kill),
        cmocka_unit_test(test_blocked_spawner_starts_worker_during_kill),
        cmocka_unit_test(test_late_worker_runs_to_completion),
        cmocka_unit_test(test_worker_self_kill_hangs),
        cmocka_unit_test(test_start_raises_first_failure_in_order),
        cmocka_unit_test(test_empty_container_stop_does_not_yield),
        cmocka_unit_test(test_extension_stop_error_aborts_stop),
        cmocka_unit_test(test_concurrent_stops_both_run),
        cmocka_unit_test(test_stop_from_worker_asserts),
        cmocka_unit_test(test_allocation_failure_in_new),
        cmocka_unit_test(test_inline_spawn_quirk),
        cmocka_unit_test(test_base_exception_escapes_link),
        cmocka_unit_test(test_entrypoint_kill_of_crashing_thread_hangs),
        /* review */
        cmocka_unit_test(test_lifecycle_call_detail_is_service_name),
        cmocka_unit_test(test_inline_worker_kill_still_yields),
        cmocka_unit_test(test_expected_exception_base_class_matches_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
