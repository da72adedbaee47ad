/*
 * test_runner.c - the service runner (spec/container.md 3.3, 4.4, 4.5):
 * parallel lifecycle over containers, the fail-fast wait that stops the
 * peers and re-raises the very error (and its lost-error race), and the
 * `nameko run` host whose first interrupt stops and second kills.
 */
#include "test_container_fixture.h"

static struct rc_state {
    sim_world_t *w;
    svc_t a, b;
    ctr_container_t *ca, *cb, *cc;
    ctr_runner_t *r;
    int rc[8];
    const sim_error_t *err[8];
    const sim_error_t *fixed;
    sim_event_t *ev;
    sim_thread_t *host;
} t;

static void setup_two(void)
{
    memset(&t, 0, sizeof(t));
    t.w = new_world();
    svc_init(&t.a, "foo", 0);
    svc_init(&t.b, "bar", 0);
    t.ca = new_container(t.w, &t.a.def);
    t.cb = new_container(t.w, &t.b.def);
    assert_int_equal(ctr_runner_new(t.w, &t.r), 0);
    assert_int_equal(ctr_runner_add(t.r, t.ca), 0);
    assert_int_equal(ctr_runner_add(t.r, t.cb), 0);
}

static void teardown(void)
{
    if (getenv("CTR_DUMP"))
        dump_trace(t.w);
    ctr_runner_free(t.r);
    ctr_container_free(t.ca);
    ctr_container_free(t.cb);
    ctr_container_free(t.cc);
    sim_world_free(t.w);
}

static int record(int i, int rc)
{
    t.rc[i] = rc;
    t.err[i] = rc < 0 ? sim_error_take(t.w) : NULL;
    return 0;
}

static int body_lifecycle(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    record(0, ctr_runner_start(t.r));
    record(1, ctr_runner_stop(t.r));
    record(2, ctr_runner_kill(t.r));
    record(3, ctr_runner_wait(t.r));
    return 0;
}

static void test_runner_lifecycle(void **state)
{
    (void)state;
    setup_two();
    assert_int_equal(ctr_runner_count(t.r), 2);
    go(t.w, "main", body_lifecycle, NULL);
    assert_int_equal(sim_run(t.w), SIM_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(t.rc[i], 0);
    LOGS(t.w, "info", "starting services: foo, bar",
         "stopping services: foo, bar", "killing services: foo, bar");
    assert_int_equal(count(t.w, "log", "debug", "services started: foo, bar"),
                     1);
    assert_int_equal(count(t.w, "log", "debug", "services stopped: foo, bar"),
                     1);
    /* the reference's line has a trailing space */
    assert_int_equal(count(t.w, "log", "debug", "services killed: foo, bar "),
                     1);
    /* one start, one stop per container; the kill finds them stopped */
    assert_int_equal(count(t.w, "log", "debug", "starting foo"), 1);
    assert_int_equal(count(t.w, "log", "debug", "starting bar"), 1);
    assert_int_equal(count(t.w, "log", "debug", "stopping foo"), 1);
    assert_int_equal(count(t.w, "log", "debug", "stopping bar"), 1);
    assert_int_equal(count(t.w, "log", "debug", "already stopped foo"), 1);
    assert_int_equal(count(t.w, "log", "debug", "already stopped bar"), 1);
    assert_true(ctr_container_dead(t.ca) && ctr_container_dead(t.cb));
    assert_true(ctr_container_being_killed(t.ca));
    teardown();
}

static void test_runner_add_replaces_same_name(void **state)
{
    svc_t again;
    (void)state;
    setup_two();
    svc_init(&again, "foo", 3);
    t.cc = new_container(t.w, &again.def);
    assert_int_equal(ctr_runner_add(t.r, t.cc), 0);
    assert_int_equal(ctr_runner_count(t.r), 2);
    /* a dict keeps the key's position */
    assert_ptr_equal(ctr_runner_container(t.r, 0), t.cc);
    assert_ptr_equal(ctr_runner_container(t.r, 1), t.cb);
    assert_null(ctr_runner_container(t.r, 2));
    teardown();
}

static int raise_fixed(sim_world_t *w, void *arg)
{
    (void)arg;
    return sim_raise(w, t.fixed);
}

static int body_wait_error(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    record(0, ctr_runner_start(t.r));
    ctr_spawn_managed_thread(t.ca, raise_fixed, NULL, "broken", NULL);
    record(1, ctr_runner_wait(t.r));
    return 0;
}

static void test_runner_wait_raises_error_and_stops_peers(void **state)
{
    (void)state;
    setup_two();
    t.fixed = sim_error_new(t.w, "Broken", "error in container", 0);
    go(t.w, "main", body_wait_error, NULL);
    assert_int_equal(sim_run(t.w), SIM_OK);
    assert_int_equal(t.rc[0], 0);
    assert_int_equal(t.rc[1], SIM_ERAISED);
    assert_ptr_equal(t.err[1], t.fixed); /* the same error object */
    /* the peer was stopped exactly once; the dead one only logs */
    assert_int_equal(count(t.w, "log", "debug", "stopping bar"), 1);
    assert_int_equal(count(t.w, "log", "debug", "stopping foo"), 0);
    assert_int_equal(count(t.w, "log", "debug", "already stopped foo"), 1);
    LOGS(t.w, "info", "starting services: foo, bar",
         "killing foo due to error in container",
         "stopping services: foo, bar");
    assert_string_equal(last(t.w, "state", "foo")->detail,
                        "dead:Broken: error in container");
    assert_string_equal(last(t.w, "state", "bar")->detail, "dead");
    teardown();
}

/* Empty containers stop and die without yielding, so both deaths land
 * before the fail-fast caller runs again. */
static const ctr_service_def_t empty_a = {.name = "a"};
static const ctr_service_def_t empty_b = {.name = "b"};

static void setup_empty(void)
{
    memset(&t, 0, sizeof(t));
    t.w = new_world();
    t.ca = new_container(t.w, &empty_a);
    t.cb = new_container(t.w, &empty_b);
    assert_int_equal(ctr_runner_new(t.w, &t.r), 0);
    ctr_runner_add(t.r, t.ca);
    ctr_runner_add(t.r, t.cb);
    t.fixed = sim_error_new(t.w, "Exception", "lost?", 0);
}

static int body_runner_wait(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_runner_wait(t.r));
}

static int body_deaths(sim_world_t *w, void *arg)
{
    int error_first = (int)(intptr_t)arg;
    go(w, "runner-wait", body_runner_wait, (void *)0);
    sim_yield(w);
    sim_yield(w);
    if (error_first) {
        record(1, ctr_container_kill(t.cb, t.fixed));
        record(2, ctr_container_stop(t.ca));
    } else {
        record(1, ctr_container_stop(t.ca));
        record(2, ctr_container_kill(t.cb, t.fixed));
    }
    return 0;
}

static void test_runner_wait_loses_error_race(void **state)
{
    (void)state;
    setup_empty();
    go(t.w, "main", body_deaths, (void *)0);
    assert_int_equal(sim_run(t.w), SIM_OK);
    assert_int_equal(t.rc[1], 0);
    assert_int_equal(t.rc[2], 0);
    /* success dequeued first, nothing unfinished: the failure is lost */
    assert_int_equal(t.rc[0], 0);
    assert_int_equal(count(t.w, "log", "info", "stopping services: a, b"), 0);
    teardown();
}

static void test_runner_wait_error_first_is_raised(void **state)
{
    (void)state;
    setup_empty();
    go(t.w, "main", body_deaths, (void *)1);
    assert_int_equal(sim_run(t.w), SIM_OK);
    assert_int_equal(t.rc[0], SIM_ERAISED);
    assert_ptr_equal(t.err[0], t.fixed);
    assert_int_equal(count(t.w, "log", "info", "stopping services: a, b"), 1);
    teardown();
}

/* fail_fast_imap kills the unfinished threads with
 * `for ongoing_thread in spawned_threads: ongoing_thread.kill()`.  Each kill
 * yields; a peer's wait that completes meanwhile removes itself from that
 * very set, so the loop's next step raises RuntimeError("Set changed size
 * during iteration") instead of the container's error, and runner.wait
 * stops everything and raises that. */
static const ctr_service_def_t empty_c = {.name = "c"};

static int body_death_during_fail_fast_kill(sim_world_t *w, void *arg)
{
    (void)arg;
    go(w, "runner-wait", body_runner_wait, (void *)0);
    sim_yield(w);
    sim_yield(w);
    record(1, ctr_container_kill(t.ca, t.fixed));
    sim_yield(w); /* a's waiter fails; the runner's wait is woken */
    record(2, ctr_container_stop(t.cc)); /* c's waiter queued behind it */
    return 0;
}

static void test_runner_wait_set_changed_during_kill(void **state)
{
    (void)state;
    setup_empty();
    t.cc = new_container(t.w, &empty_c);
    ctr_runner_add(t.r, t.cc);
    go(t.w, "main", body_death_during_fail_fast_kill, NULL);
    assert_int_equal(sim_run(t.w), SIM_OK);
    assert_int_equal(t.rc[1], 0);
    assert_int_equal(t.rc[2], 0);
    assert_int_equal(t.rc[0], SIM_ERAISED);
    assert_string_equal(t.err[0]->type, "RuntimeError");
    assert_string_equal(t.err[0]->message, "Set changed size during iteration");
    assert_int_equal(count(t.w, "log", "info", "stopping services: a, b, c"),
                     1);
    assert_true(ctr_container_dead(t.cb));
    teardown();
}

/* ------------------------------------------------------------ host */

static int body_interrupt(sim_world_t *w, void *arg)
{
    int times = (int)(intptr_t)arg;
    record(0, ctr_runner_host(t.r, &t.host));
    sim_sleep(w, SIM_MS(1));
    record(1, ctr_runner_interrupt(t.r));
    if (times > 1) {
        sim_sleep(w, SIM_MS(1));
        record(2, ctr_runner_interrupt(t.r));
        sim_sleep(w, SIM_MS(1));
        /* let the orphaned stop helper finish */
        sim_event_send(w, t.ev, NULL, NULL);
    }
    return 0;
}

static void test_host_first_interrupt_stops(void **state)
{
    (void)state;
    setup_two();
    go(t.w, "main", body_interrupt, (void *)1);
    assert_int_equal(sim_run(t.w), SIM_OK);
    assert_int_equal(t.rc[0], 0);
    assert_int_equal(t.rc[1], 0);
    assert_int_equal(sim_thread_state(t.host), SIM_THREAD_DEAD);
    assert_null(sim_thread_exit_error(t.host)); /* the wait completed */
    LOGS(t.w, "info", "starting services: foo, bar",
         "stopping services: foo, bar");
    assert_string_equal(last(t.w, "state", "foo")->detail, "dead");
    assert_int_equal(count(t.w, "host", "runner", "interrupted: stop"), 1);
    teardown();
}

static void test_host_second_interrupt_kills(void **state)
{
    (void)state;
    setup_two();
    /* foo's ham entrypoint does not stop until told */
    behave_add(&t.a.ham_b, (act_t){.hook = "stop", .kind = ACT_WAIT,
                                   .ev = &t.ev});
    sim_event_new(t.w, "go", &t.ev);
    go(t.w, "main", body_interrupt, (void *)2);
    assert_int_equal(sim_run(t.w), SIM_OK);
    assert_int_equal(t.rc[2], 0);
    assert_int_equal(sim_thread_state(t.host), SIM_THREAD_DEAD);
    assert_null(sim_thread_exit_error(t.host));
    LOGS(t.w, "info", "starting services: foo, bar",
         "stopping services: foo, bar", "killing services: foo, bar",
         "killing foo");
    assert_int_equal(count(t.w, "host", "runner", "interrupted: kill"), 1);
    /* bar had already stopped: its kill only flips the flag */
    assert_int_equal(count(t.w, "log", "debug", "already stopped bar"), 1);
    /* killed without exc_info; the orphaned stop finished later and
     * skipped its send */
    assert_int_equal(count(t.w, "state", "foo", "dead*"), 1);
    assert_int_equal(count(t.w, "state", "foo", "dead"), 1);
    assert_true(find_from(t.w, find(t.w, "state", "foo", "dead"), "call",
                          "spam.stop", NULL) != NOT_FOUND);
    assert_true(ctr_container_dead(t.ca));
    teardown();
}

static void test_interrupt_without_host(void **state)
{
    (void)state;
    setup_two();
    assert_int_equal(ctr_runner_interrupt(t.r), SIM_ESTATE);
    teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runner_lifecycle),
        cmocka_unit_test(test_runner_add_replaces_same_name),
        cmocka_unit_test(test_runner_wait_raises_error_and_stops_peers),
        cmocka_unit_test(test_runner_wait_loses_error_race),
        cmocka_unit_test(test_runner_wait_error_first_is_raised),
        cmocka_unit_test(test_runner_wait_set_changed_during_kill),
        cmocka_unit_test(test_host_first_interrupt_stops),
        cmocka_unit_test(test_host_second_interrupt_kills),
        cmocka_unit_test(test_interrupt_without_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
