/*
 * test_container_variants.c - the behaviour switches of variant.h: one
 * scenario per switch, run under each value so the observable difference
 * (a log line, a call order, an error raised, a hang instead of a death)
 * is asserted; the presets against the spec's tables (2.2, 2.3); and each
 * guarantee of the hardened container (container/README.md) under a
 * staged interleaving, where "current" shows the race and "hardened" does
 * not.  Green threads only record; assertions run after sim_run.
 */
#include "test_container_fixture.h"

static struct vt {
    sim_world_t *w;
    svc_t s;
    ctr_ext_decl_t slow;   /* optional second dependency */
    behave_t slow_b;
    ctr_container_t *c;
    ctr_runner_t *r;
    ctr_container_t *ca, *cb, *cc;
    ctr_worker_ctx_t *ctx[4];
    int rc[8];
    const sim_error_t *err[8];
    sim_event_t *ev[4];
    sim_thread_t *t[8];
    const sim_error_t *e1, *e2;
    const sim_error_t *seen_arg[4];
    size_t n_seen_arg;
    sim_time_t when[4];
    int flag;
} T;

/* ---------------------------------------------------------------- setup */

static ctr_variant_t preset(const char *name)
{
    ctr_variant_t v;
    assert_int_equal(ctr_variant_preset(name, &v), 0);
    return v;
}

/* `current` with one switch changed. */
static ctr_variant_t cur(const char *sw, const char *val)
{
    ctr_variant_t v = *ctr_variant_current();
    assert_int_equal(ctr_variant_set(&v, sw, val), 0);
    return v;
}

static ctr_variant_t with(ctr_variant_t v, const char *sw, const char *val)
{
    assert_int_equal(ctr_variant_set(&v, sw, val), 0);
    return v;
}

static void setup(int max_workers)
{
    memset(&T, 0, sizeof(T));
    T.w = new_world();
    svc_init(&T.s, "svc", max_workers);
    T.e1 = sim_error_new(T.w, "Exception", "first", 0);
    T.e2 = sim_error_new(T.w, "Exception", "second", 0);
    for (int i = 0; i < 4; i++)
        sim_event_new(T.w, "ev", &T.ev[i]);
}

/* A second dependency "slow", after spam in iteration order. */
static void add_slow_dep(void)
{
    T.slow = (ctr_ext_decl_t){.kind = CTR_DEPENDENCY, .name = "slow",
                              .ops = &x_ops, .user = &T.slow_b};
    T.s.deps[1] = &T.slow;
    T.s.def.n_dependencies = 2;
}

static void make(ctr_variant_t v)
{
    assert_int_equal(ctr_container_new_variant(T.w, &T.s.def, &v, &T.c), 0);
}

static void teardown(void)
{
    if (getenv("CTR_DUMP"))
        dump_trace(T.w);
    ctr_runner_free(T.r);
    ctr_container_free(T.c);
    ctr_container_free(T.ca);
    ctr_container_free(T.cb);
    ctr_container_free(T.cc);
    sim_world_free(T.w);
    memset(&T, 0, sizeof(T));
}

static int record(int i, int rc)
{
    T.rc[i] = rc;
    T.err[i] = rc < 0 ? sim_error_take(T.w) : NULL;
    return 0;
}

static ctr_extension_t *ext(const char *name)
{
    ctr_extension_t *e = ctr_container_find(T.c, name);
    assert_non_null(e);
    return e;
}

static void act(behave_t *b, act_t a)
{
    behave_add(b, a);
}

#define SLEEP(h, dt) ((act_t){.hook = (h), .kind = ACT_SLEEP, .d = (dt)})
#define RAISE(h, ty, m) \
    ((act_t){.hook = (h), .kind = ACT_RAISE, .type = (ty), .msg = (m)})
#define RAISE_BASE(h, ty) \
    ((act_t){.hook = (h), .kind = ACT_RAISE, .type = (ty), .msg = "", \
             .flags = SIM_ERR_BASE})
#define WAIT(h, e) ((act_t){.hook = (h), .kind = ACT_WAIT, .ev = (e)})

/* ASSERT_BEFORE that shows the trace when it fails. */
#undef ASSERT_BEFORE
#define ASSERT_BEFORE(a, b)                                                 \
    do {                                                                    \
        size_t a_ = (a), b_ = (b);                                          \
        if (a_ == NOT_FOUND || b_ == NOT_FOUND || a_ >= b_) {               \
            dump_trace(T.w);                                                \
            fail_msg("%s (%zd) not before %s (%zd)", #a, (ssize_t)a_, #b,   \
                     (ssize_t)b_);                                          \
        }                                                                   \
    } while (0)

/* Trace helpers. */
/* The container's death: "dead" or "dead:<err>", "" while alive. */
static const char *state_of(const char *svc)
{
    size_t n = sim_trace_count(T.w);
    while (n-- > 0) {
        const sim_trace_event_t *e = sim_trace_get(T.w, n);
        if (match(e, "state", svc, "dead*"))
            return e->detail;
    }
    return "";
}

static size_t idx(const char *kind, const char *subject, const char *detail)
{
    return find(T.w, kind, subject, detail);
}

static size_t last_idx(const char *kind, const char *subject,
                       const char *detail)
{
    size_t n = sim_trace_count(T.w);
    while (n-- > 0)
        if (match(sim_trace_get(T.w, n), kind, subject, detail))
            return n;
    return NOT_FOUND;
}

/* ---------------------------------------------------------------- bodies */

static int b_kill_null(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_container_kill(T.c, NULL));
}

static int b_kill_e1(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_container_kill(T.c, T.e1));
}

static int b_kill_e2(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_container_kill(T.c, T.e2));
}

static int b_stop(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_container_stop(T.c));
}

static int b_wait(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_container_wait(T.c));
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

static int sleep_10ms(sim_world_t *w, void *arg)
{
    (void)arg;
    return sim_sleep(w, SIM_MS(10));
}

static int raise_e1(sim_world_t *w, void *arg)
{
    (void)arg;
    return sim_raise(w, T.e1);
}

static int raise_e2(sim_world_t *w, void *arg)
{
    (void)arg;
    return sim_raise(w, T.e2);
}

/* Methods keyed on the worker's args: "block" waits forever, "sleep"
 * sleeps 10 ms, "kill" kills the container, "stop" stops it (rc in
 * T.rc[6]); anything else returns "ok". */
static int m_script(ctr_worker_ctx_t *ctx, void *user, const void **result)
{
    const char *a = ctr_worker_args(ctx);
    sim_world_t *w = T.w;
    int rc = 0;

    (void)user;
    if (strcmp(a, "block") == 0)
        rc = sim_event_wait(w, T.ev[3], NULL);
    else if (strcmp(a, "sleep") == 0)
        rc = sim_sleep(w, SIM_MS(10));
    else if (strcmp(a, "kill") == 0)
        rc = ctr_container_kill(T.c, NULL);
    else if (strcmp(a, "stop") == 0)
        record(6, ctr_container_stop(T.c));
    *result = "ok";
    return rc;
}

static void use_script_methods(void)
{
    T.s.methods[0].fn = m_script;
    T.s.methods[1].fn = m_script;
}

static int spawn_ham(const char *args, int slot)
{
    return ctr_spawn_worker(T.c, ext("ham"), args, NULL, NULL, &T.ctx[slot]);
}

/* ================================================================ presets */

typedef struct expect_sw {
    const char *preset, *sw, *value;
} expect_sw_t;

/* Spec 2.3's switch histories at the release each preset models (2.2). */
static const expect_sw_t spec_table[] = {
    {"V1", "kill_reentry", "none"},
    {"V1", "kill_arg", "required"},
    {"V1", "kill_timeout", "on"},
    {"V1", "kill_order", "A"},
    {"V1", "stop_tail", "active"},
    {"V1", "registry", "set"},
    {"V1", "runner_wait", "all"},
    {"v1.0.0", "kill_reentry", "fallthrough"},
    {"v1.0.0", "stop_during_kill", "run"},
    {"v1.0.0", "send_guard", "off"},
    {"v1.2.2", "kill_order", "B"},
    {"v1.2.2", "kill_timeout", "off"},
    {"v1.2.2", "registry", "set_protected"},
    {"v1.2.2", "stop_tail", "active_protected"},
    {"v1.2.2", "runner_wait", "fail_fast"},
    {"v1.2.2", "hr_pos", "before"},
    {"v1.2.3", "hr_pos", "after"},
    {"v1.5.0", "kill_reentry", "return"},
    {"v1.5.0", "stop_during_kill", "wait"},
    {"v1.5.0", "kill_arg", "optional"},
    {"v1.5.0", "ext_kill_arg", "none"},
    {"v1.5.0", "send_guard", "off"},
    {"v1.5.0", "spawn_guard", "off"},
    {"v1.7.0", "spawn_guard", "entry"},
    {"v1.7.0", "hr_pos", "after"},
    {"v1.7.2", "hr_pos", "before"},
    {"v1.7.2", "hr_returns", "ignored"},
    {"v1.10.0", "hr_returns", "replaces"},
    {"v1.10.0", "result_form", "exc_info"},
    {"v1.11.3", "registry", "dict_protected"},
    {"v1.11.3", "safe_ext_kill", "off"},
    {"v1.13.0", "safe_ext_kill", "on"},
    {"v1.13.0", "lifecycle", "parallel_all"},
    {"v1.13.0", "killed_log", "warning"},
    {"v2.0.0", "send_guard", "on"},
    {"v2.0.0", "lifecycle", "parallel_deps"},
    {"v2.0.0", "killed_log", "debug"},
    {"v2.0.0", "kill_order", "B"},
    {"v2.4.0", "kill_order", "C"},
    {"v2.4.0", "registry", "split"},
    {"v2.4.0", "stop_tail", "managed"},
    {"v2.4.0", "lifecycle", "parallel_deps"},
    {"v2.5.1", "lifecycle", "sequential"},
    {"v2.5.1", "error_log", "error"},
    {"current", "error_log", "critical"},
    {"current", "kill_thread", "caller"},
    {"current", "stop_guard", "off"},
    {"hardened", "spawn_guard", "admit"},
    {"hardened", "safe_ext_kill", "all"},
    {"hardened", "runner_wait", "safe"},
    {"hardened", "kill_thread", "thread"},
    {"hardened", "stop_guard", "on"},
    {"hardened", "error_log", "critical"},
};

static void test_presets_match_spec_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(spec_table) / sizeof(spec_table[0]); i++) {
        const expect_sw_t *x = &spec_table[i];
        ctr_variant_t v = preset(x->preset);
        int sw = ctr_switch_find(x->sw);
        assert_true(sw >= 0);
        if (strcmp(ctr_switch_value_name((size_t)sw,
                                         ctr_variant_get(&v, (size_t)sw)),
                   x->value) != 0)
            fail_msg("%s %s: got %s, spec says %s", x->preset, x->sw,
                     ctr_switch_value_name((size_t)sw,
                                           ctr_variant_get(&v, (size_t)sw)),
                     x->value);
    }
}

static void test_presets_in_release_order(void **state)
{
    static const char *const names[] = {
        "V1",      "v1.0.0",  "v1.2.2",  "v1.2.3", "v1.5.0",
        "v1.7.0",  "v1.7.2",  "v1.10.0", "v1.11.3", "v1.13.0",
        "v2.0.0",  "v2.4.0",  "v2.5.1",  "current", "hardened"};
    (void)state;
    assert_int_equal(ctr_preset_count(), 15);
    for (size_t i = 0; i < 15; i++)
        assert_string_equal(ctr_preset_name(i), names[i]);
    /* hardened differs from current only in its own five switches */
    {
        ctr_variant_t h = preset("hardened"), c = *ctr_variant_current();
        c = with(c, "spawn_guard", "admit");
        c = with(c, "safe_ext_kill", "all");
        c = with(c, "runner_wait", "safe");
        c = with(c, "kill_thread", "thread");
        c = with(c, "stop_guard", "on");
        assert_memory_equal(&h, &c, sizeof(h));
    }
}

static void test_new_container_is_current(void **state)
{
    (void)state;
    setup(0);
    T.c = new_container(T.w, &T.s.def);
    assert_memory_equal(ctr_container_variant(T.c), ctr_variant_current(),
                        sizeof(ctr_variant_t));
    teardown();
}

/* ================================================================ kill_reentry */

/* Two kills overlap: the first yields in its extension kills. */
static void run_double_kill(ctr_variant_t v)
{
    setup(0);
    act(&T.s.spam_b, SLEEP("kill", SIM_MS(1)));
    make(v);
    go(T.w, "k1", b_kill_e1, (void *)0);
    go(T.w, "k2", b_kill_e2, (void *)1);
    go(T.w, "waiter", b_wait, (void *)2);
    assert_int_equal(sim_run(T.w), SIM_OK);
}

static void test_reentry_return_waits_and_swallows(void **state)
{
    (void)state;
    run_double_kill(cur("kill_reentry", "return"));
    assert_int_equal(T.rc[0], 0);
    assert_int_equal(T.rc[1], 0);
    LOGS(T.w, "info", "killing svc due to first");
    assert_int_equal(count(T.w, "call", "spam.kill", NULL), 1);
    assert_ptr_equal(T.err[2], T.e1);
    teardown();
}

static void test_reentry_fallthrough_reraises_first_error(void **state)
{
    (void)state;
    run_double_kill(cur("kill_reentry", "fallthrough"));
    assert_int_equal(T.rc[0], 0);
    /* the first kill's error comes out of the second kill() */
    assert_int_equal(T.rc[1], SIM_ERAISED);
    assert_ptr_equal(T.err[1], T.e1);
    assert_int_equal(count(T.w, "log", "debug",
                           "already killing svc ... waiting for death"),
                     1);
    assert_int_equal(count(T.w, "log", "debug", "already stopped svc"), 0);
    assert_int_equal(count(T.w, "call", "spam.kill", NULL), 1);
    teardown();
}

static int b_kill_null_then_e2(sim_world_t *w, void *arg)
{
    (void)arg;
    go(w, "k2", b_kill_e2, (void *)1);
    return record(0, ctr_container_kill(T.c, NULL));
}

static void test_reentry_fallthrough_after_plain_death(void **state)
{
    (void)state;
    setup(0);
    act(&T.s.spam_b, SLEEP("kill", SIM_MS(1)));
    make(cur("kill_reentry", "fallthrough"));
    go(T.w, "k1", b_kill_null_then_e2, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
    assert_int_equal(T.rc[1], 0);
    /* the wait returned, so the dead check answers */
    ASSERT_BEFORE(idx("log", "debug",
                      "already killing svc ... waiting for death"),
                  idx("log", "debug", "already stopped svc"));
    assert_string_equal(state_of("svc"), "dead");
    teardown();
}

static void test_reentry_none_reruns_and_resend_raises(void **state)
{
    (void)state;
    run_double_kill(with(cur("kill_reentry", "none"), "send_guard", "off"));
    /* the second kill repeats everything ... */
    assert_int_equal(count(T.w, "log", "info", "killing svc due to*"), 2);
    assert_int_equal(count(T.w, "call", "spam.kill", NULL), 2);
    assert_int_equal(count(T.w, "log", "debug", "already killing*"), 0);
    /* ... and its send finds _died already sent */
    assert_int_equal(T.rc[0] + T.rc[1], SIM_ERAISED);
    {
        const sim_error_t *e = T.rc[0] ? T.err[0] : T.err[1];
        assert_string_equal(e->type, "AssertionError");
        assert_string_equal(e->message,
                            "Trying to re-send() an already-triggered event");
    }
    assert_int_equal(count(T.w, "state", "svc", "dead*"), 1);
    teardown();
}

/* Two managed threads crash together; the second one's exit link runs a
 * kill that finds the first one running.  A later link of that thread
 * tells whether the container's link failed. */
static int later_link(sim_world_t *w, sim_thread_t *t, void *arg)
{
    (void)w;
    (void)t;
    (void)arg;
    T.flag = 1;
    return 0;
}

static int b_two_crashes(sim_world_t *w, void *arg)
{
    (void)arg;
    ctr_spawn_managed_thread(T.c, raise_e1, NULL, "one", &T.t[0]);
    ctr_spawn_managed_thread(T.c, raise_e2, NULL, "two", &T.t[1]);
    sim_thread_link(w, T.t[1], later_link, NULL);
    return record(0, ctr_container_wait(T.c));
}

static void run_two_crashes(ctr_variant_t v)
{
    setup(0);
    act(&T.s.spam_b, SLEEP("kill", SIM_MS(1)));
    make(v);
    go(T.w, "main", b_two_crashes, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_ptr_equal(T.err[0], T.e1);
}

static void test_reentry_fallthrough_error_escapes_exit_link(void **state)
{
    (void)state;
    run_two_crashes(cur("kill_reentry", "fallthrough"));
    assert_int_equal(T.flag, 0); /* later links skipped */
    /* the re-raised error replaced the thread's own */
    assert_ptr_equal(sim_thread_exit_error(T.t[1]), T.e1);
    teardown();
    run_two_crashes(cur("kill_reentry", "return"));
    assert_int_equal(T.flag, 1);
    assert_ptr_equal(sim_thread_exit_error(T.t[1]), T.e2);
    teardown();
}

/* ================================================================ stop_during_kill, send_guard */

/* A kill with a slow extension kill, then a stop while it runs. */
static int b_kill_then_stop(sim_world_t *w, void *arg)
{
    (void)arg;
    go(w, "k", b_kill_e1, (void *)0);
    go(w, "waiter", b_wait, (void *)2);
    sim_sleep(w, SIM_MS(1));
    return record(1, ctr_container_stop(T.c));
}

static void run_kill_then_stop(ctr_variant_t v)
{
    setup(0);
    act(&T.s.spam_b, SLEEP("kill", SIM_MS(5)));
    make(v);
    go(T.w, "main", b_kill_then_stop, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
}

static void test_stop_during_kill_wait_only_waits(void **state)
{
    (void)state;
    run_kill_then_stop(cur("stop_during_kill", "wait"));
    assert_int_equal(T.rc[1], 0);
    LOGS(T.w, "debug", "already being killed svc");
    assert_int_equal(count(T.w, "call", "ham.stop", NULL), 0);
    assert_ptr_equal(T.err[2], T.e1);
    teardown();
}

static void test_stop_during_kill_run_runs_whole_stop(void **state)
{
    (void)state;
    run_kill_then_stop(cur("stop_during_kill", "run"));
    assert_int_equal(T.rc[0], 0);
    assert_int_equal(T.rc[1], 0);
    assert_int_equal(count(T.w, "log", "debug", "stopping svc"), 1);
    EXT_CALLS(T.w, "spam", "kill", "stop");
    /* the stop finished first: the kill's error is lost */
    assert_int_equal(T.rc[2], 0);
    assert_string_equal(state_of("svc"), "dead");
    teardown();
}

static void test_send_guard_off_later_send_raises(void **state)
{
    (void)state;
    run_kill_then_stop(
        with(cur("stop_during_kill", "run"), "send_guard", "off"));
    assert_int_equal(T.rc[1], 0);
    assert_int_equal(T.rc[0], SIM_ERAISED);
    assert_string_equal(T.err[0]->type, "AssertionError");
    assert_string_equal(T.err[0]->message,
                        "Trying to re-send() an already-triggered event");
    teardown();
}

/* ================================================================ spawn_guard */

static int b_kill_then_spawn(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, ctr_container_kill(T.c, NULL));
    record(1, spawn_ham("", 0));
    if (T.ctx[0])
        sim_thread_wait(w, ctr_worker_thread(T.ctx[0]), NULL);
    return 0;
}

static void test_spawn_guard_off_spawns_after_kill(void **state)
{
    (void)state;
    setup(0);
    use_script_methods();
    make(cur("spawn_guard", "off"));
    go(T.w, "main", b_kill_then_spawn, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[1], 0);
    assert_true(ctr_worker_done(T.ctx[0]));
    assert_int_equal(count(T.w, "log", "info",
                           "Worker spawn prevented due to being killed"),
                     0);
    teardown();

    setup(0);
    use_script_methods();
    make(cur("spawn_guard", "entry"));
    go(T.w, "main", b_kill_then_spawn, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[1], SIM_ERAISED);
    assert_string_equal(T.err[1]->type, "ContainerBeingKilled");
    teardown();
}

/* max_workers 1: a worker blocks the pool, a spawner waits for the slot,
 * then a kill frees it by killing the worker. */
static int b_spawner(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    return record(1, spawn_ham("sleep", 1));
}

static int b_blocked_spawner(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, spawn_ham("block", 0));
    go(w, "spawner", b_spawner, NULL);
    sim_yield(w);
    sim_yield(w);
    T.flag = (int)ctr_container_worker_count(T.c);
    record(2, ctr_container_kill(T.c, NULL));
    return 0;
}

static void run_blocked_spawner(ctr_variant_t v)
{
    setup(1);
    use_script_methods();
    make(v);
    go(T.w, "main", b_blocked_spawner, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
    assert_int_equal(T.flag, 1);
    assert_int_equal(T.rc[2], 0);
    assert_true(ctr_container_dead(T.c));
}

static void test_spawn_guard_entry_lets_blocked_spawner_through(void **state)
{
    (void)state;
    run_blocked_spawner(cur("spawn_guard", "entry"));
    assert_int_equal(T.rc[1], 0);
    /* the late worker ran to completion after death */
    expect_seq(T.w, "worker", "svc.ham.2", 0, SEQ("spawn", "start", "result"));
    ASSERT_BEFORE(idx("state", "svc", "dead"),
                  idx("worker", "svc.ham.2", "result"));
    assert_true(ctr_worker_done(T.ctx[1]));
    teardown();
}

static void test_spawn_guard_admit_stops_blocked_spawner(void **state)
{
    (void)state;
    run_blocked_spawner(cur("spawn_guard", "admit"));
    assert_int_equal(T.rc[1], SIM_ERAISED);
    assert_string_equal(T.err[1]->type, "ContainerBeingKilled");
    LOGS(T.w, "info", "killing svc", "Worker spawn prevented due to being killed");
    expect_seq(T.w, "worker", "svc.ham.2", 0, SEQ("spawn"));
    assert_null(T.ctx[1]);
    assert_int_equal(count(T.w, "spawn", "svc.ham.2", NULL), 0);
    teardown();
}

/* ================================================================ kill_arg, ext_kill_arg */

static void test_kill_arg_required_raises_type_error(void **state)
{
    (void)state;
    setup(0);
    make(cur("kill_arg", "required"));
    go(T.w, "main", b_kill_null, (void *)0);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], SIM_ERAISED);
    assert_string_equal(T.err[0]->type, "TypeError");
    assert_string_equal(T.err[0]->message,
                        "kill() missing 1 required positional argument: 'exc'");
    /* nothing else happened, not even the flag */
    assert_false(ctr_container_being_killed(T.c));
    assert_int_equal(count(T.w, "log", NULL, NULL), 0);
    assert_int_equal(count(T.w, "state", NULL, NULL), 0);
    teardown();

    setup(0);
    make(cur("kill_arg", "optional"));
    go(T.w, "main", b_kill_null, (void *)0);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
    assert_string_equal(state_of("svc"), "dead");
    teardown();
}

static int kill_records_arg(ctr_extension_t *e)
{
    if (T.n_seen_arg < 4)
        T.seen_arg[T.n_seen_arg++] =
            ctr_container_kill_arg(ctr_extension_container(e));
    return 0;
}

static const ctr_ext_ops_t arg_ops = {.kill = kill_records_arg};

static void run_ext_kill_arg(const char *value)
{
    setup(0);
    T.s.spam.ops = &arg_ops;
    make(cur("ext_kill_arg", value));
    go(T.w, "main", b_kill_e1, (void *)0);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.n_seen_arg, 1);
    /* only for the duration of the kill */
    assert_null(ctr_container_kill_arg(T.c));
}

static void test_ext_kill_arg_exc_reaches_hooks(void **state)
{
    (void)state;
    run_ext_kill_arg("exc");
    assert_ptr_equal(T.seen_arg[0], T.e1);
    teardown();
    run_ext_kill_arg("none");
    assert_null(T.seen_arg[0]);
    teardown();
}

/* ================================================================ kill_timeout */

static int b_kill_timed(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, ctr_container_kill(T.c, NULL));
    T.when[0] = sim_now(w);
    return 0;
}

static void test_kill_timeout_on_warns_and_goes_on(void **state)
{
    (void)state;
    setup(0);
    act(&T.s.spam_b, SLEEP("kill", SIM_S(5)));
    make(cur("kill_timeout", "on"));
    go(T.w, "main", b_kill_timed, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
    assert_int_equal(T.when[0], SIM_S(3));
    LOGS(T.w, "warning", "timeout waiting for dependencies.kill svc");
    /* the hook ran on as an orphan */
    ASSERT_BEFORE(idx("state", "svc", "dead"), idx("ret", "spam.kill", "ok"));
    teardown();

    setup(0);
    act(&T.s.spam_b, SLEEP("kill", SIM_S(5)));
    make(cur("kill_timeout", "off"));
    go(T.w, "main", b_kill_timed, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.when[0], SIM_S(5));
    assert_int_equal(count(T.w, "log", "warning", NULL), 0);
    ASSERT_BEFORE(idx("ret", "spam.kill", "ok"), idx("state", "svc", "dead"));
    teardown();
}

/* The entrypoints' kill is not bounded: only the dependencies' one was. */
static void test_kill_timeout_bounds_only_dependency_kill(void **state)
{
    (void)state;
    setup(0);
    act(&T.s.ham_b, SLEEP("kill", SIM_S(4)));
    make(cur("kill_timeout", "on"));
    go(T.w, "main", b_kill_timed, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    /* 4 s for the entrypoints' kill, then 3 s of the second ham.kill */
    assert_int_equal(T.when[0], SIM_S(7));
    LOGS(T.w, "warning", "timeout waiting for dependencies.kill svc");
    teardown();
}

/* ================================================================ kill_order */

/* A running worker and a managed thread, then a kill; returns the trace
 * indices of the steps. */
typedef struct order_ix {
    size_t ham_kill, spam_kill, worker_killed, managed_killed, dead;
} order_ix_t;

static int b_worker_managed_kill(sim_world_t *w, void *arg)
{
    (void)arg;
    ctr_spawn_managed_thread(T.c, sleep_forever, NULL, "forever", &T.t[0]);
    record(1, spawn_ham("block", 0));
    sim_yield(w);
    return record(0, ctr_container_kill(T.c, T.e1));
}

static order_ix_t run_order(ctr_variant_t v)
{
    order_ix_t o;
    setup(0);
    use_script_methods();
    make(v);
    go(T.w, "main", b_worker_managed_kill, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
    o.ham_kill = idx("call", "ham.kill", NULL);
    o.spam_kill = idx("call", "spam.kill", NULL);
    o.worker_killed = idx("worker", "svc.ham.1", "killed");
    o.managed_killed = idx("managed", "forever", "killed");
    o.dead = idx("state", "svc", "dead*");
    assert_true(o.dead != NOT_FOUND);
    return o;
}

static void test_kill_order_a_extensions_then_all_threads(void **state)
{
    order_ix_t o;
    (void)state;
    o = run_order(cur("kill_order", "A"));
    /* one parallel call over the union: each entrypoint killed once */
    assert_int_equal(count(T.w, "call", "ham.kill", NULL), 1);
    ASSERT_BEFORE(o.spam_kill, o.ham_kill); /* dependencies first in the union */
    ASSERT_BEFORE(last_idx("ret", "egg.kill", NULL), o.worker_killed);
    ASSERT_BEFORE(o.worker_killed, o.managed_killed);
    teardown();
}

static void test_kill_order_b_threads_before_extensions(void **state)
{
    order_ix_t o;
    (void)state;
    o = run_order(cur("kill_order", "B"));
    assert_int_equal(count(T.w, "call", "ham.kill", NULL), 2);
    ASSERT_BEFORE(o.ham_kill, o.worker_killed);
    /* managed threads go with the workers, before the dependencies */
    ASSERT_BEFORE(o.managed_killed, o.spam_kill);
    ASSERT_BEFORE(o.worker_killed, o.managed_killed);
    /* over the split registry: its own log lines, workers first */
    LOGS(T.w, "warning", "killing 1 active workers(s)",
         "killing active worker for svc.ham.1",
         "killing 1 managed thread(s)", "killing managed thread `forever`");
    teardown();
}

static void test_kill_order_c_managed_after_extensions(void **state)
{
    order_ix_t o;
    (void)state;
    o = run_order(cur("kill_order", "C"));
    assert_int_equal(count(T.w, "call", "ham.kill", NULL), 2);
    ASSERT_BEFORE(o.ham_kill, o.worker_killed);
    ASSERT_BEFORE(o.worker_killed, o.spam_kill);
    ASSERT_BEFORE(o.spam_kill, o.managed_killed);
    teardown();
}

/* ================================================================ safe_ext_kill */

static void run_raising_kill(ctr_variant_t v, act_t raise)
{
    setup(0);
    act(&T.s.spam_b, raise);
    make(v);
    go(T.w, "k", b_kill_e1, (void *)0);
    go(T.w, "waiter", b_wait, (void *)1);
}

static void test_safe_kill_off_aborts_kill_and_hangs(void **state)
{
    (void)state;
    run_raising_kill(cur("safe_ext_kill", "off"), RAISE("kill", "Boom", "bad"));
    /* #174: no death, the waiter hangs */
    assert_int_equal(sim_run(T.w), SIM_EHUNG);
    assert_int_equal(T.rc[0], SIM_ERAISED);
    assert_string_equal(T.err[0]->message, "bad");
    assert_false(ctr_container_dead(T.c));
    assert_int_equal(count(T.w, "log", "warning", NULL), 0);
    teardown();
}

static void test_safe_kill_on_warns_for_exceptions(void **state)
{
    (void)state;
    run_raising_kill(cur("safe_ext_kill", "on"), RAISE("kill", "Boom", "bad"));
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
    LOGS(T.w, "warning", "Extension raised `bad` during kill");
    assert_ptr_equal(T.err[1], T.e1);
    teardown();
    /* v1.x wording */
    run_raising_kill(with(cur("safe_ext_kill", "on"), "lifecycle",
                          "parallel_all"),
                     RAISE("kill", "Boom", "bad"));
    assert_int_equal(sim_run(T.w), SIM_OK);
    LOGS(T.w, "warning", "Dependency raised `bad` during kill");
    teardown();
}

static void test_safe_kill_on_base_exception_aborts(void **state)
{
    (void)state;
    run_raising_kill(cur("safe_ext_kill", "on"),
                     RAISE_BASE("kill", "SystemExit"));
    assert_int_equal(sim_run(T.w), SIM_EHUNG);
    assert_int_equal(T.rc[0], SIM_ERAISED);
    assert_string_equal(T.err[0]->type, "SystemExit");
    assert_false(ctr_container_dead(T.c));
    teardown();
}

static void test_safe_kill_all_warns_for_base_exceptions(void **state)
{
    (void)state;
    run_raising_kill(cur("safe_ext_kill", "all"),
                     RAISE_BASE("kill", "SystemExit"));
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
    LOGS(T.w, "warning", "Extension raised `` during kill");
    assert_ptr_equal(T.err[1], T.e1);
    teardown();
}

/* spam's kill fails at once, slow's takes 1 s: with plain imap semantics
 * death comes while slow.kill still runs; `all` waits for it. */
static void run_fail_then_slow(ctr_variant_t v)
{
    setup(0);
    add_slow_dep();
    act(&T.s.spam_b, RAISE("kill", "Boom", "bad"));
    act(&T.slow_b, SLEEP("kill", SIM_S(1)));
    make(v);
    go(T.w, "k", b_kill_e1, (void *)0);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
    LOGS(T.w, "warning", "Extension raised `bad` during kill");
}

static void test_safe_kill_all_waits_for_every_hook(void **state)
{
    (void)state;
    run_fail_then_slow(cur("safe_ext_kill", "on"));
    ASSERT_BEFORE(idx("state", "svc", "dead*"), idx("ret", "slow.kill", "ok"));
    teardown();
    run_fail_then_slow(cur("safe_ext_kill", "all"));
    ASSERT_BEFORE(idx("ret", "slow.kill", "ok"), idx("state", "svc", "dead*"));
    teardown();
}

/* ================================================================ stop_tail */

/* During stop, after waitall, spam.stop spawns a worker (10 ms); a
 * managed and a protected thread (10 ms each) run too. */
static int stop_spawns_worker(ctr_extension_t *e)
{
    (void)e;
    return record(5, spawn_ham("sleep", 0));
}

static const ctr_ext_ops_t stop_spawn_ops = {.stop = stop_spawns_worker};

static int b_tail(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    ctr_spawn_managed_thread(T.c, sleep_10ms, NULL, "managed", NULL);
    ctr_spawn_protected_thread(T.c, sleep_10ms, NULL, "protected", NULL);
    return record(0, ctr_container_stop(T.c));
}

static void run_tail(const char *value)
{
    setup(0);
    use_script_methods();
    T.s.spam.ops = &stop_spawn_ops;
    make(with(cur("stop_tail", value), "registry", "set_protected"));
    go(T.w, "main", b_tail, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
    assert_int_equal(T.rc[5], 0);
}

static void test_stop_tail_none_kills_nothing(void **state)
{
    (void)state;
    run_tail("none");
    assert_int_equal(count(T.w, "log", "warning", NULL), 0);
    expect_seq(T.w, "worker", "svc.ham.1", 0, SEQ("spawn", "start", "result"));
    expect_seq(T.w, "managed", "managed", 0, SEQ("spawn", "result"));
    expect_seq(T.w, "managed", "protected", 0, SEQ("spawn", "result"));
    teardown();
}

static void test_stop_tail_active_kills_workers_too(void **state)
{
    (void)state;
    run_tail("active");
    LOGS(T.w, "warning", "killing 2 active thread(s)");
    expect_seq(T.w, "worker", "svc.ham.1", 0, SEQ("spawn", "start", "killed"));
    expect_seq(T.w, "managed", "managed", 0, SEQ("spawn", "killed"));
    expect_seq(T.w, "managed", "protected", 0, SEQ("spawn", "result"));
    teardown();
}

static void test_stop_tail_active_protected_kills_protected_last(void **state)
{
    (void)state;
    run_tail("active_protected");
    LOGS(T.w, "warning", "killing 2 active thread(s)",
         "killing 1 protected thread(s)");
    expect_seq(T.w, "managed", "protected", 0, SEQ("spawn", "killed"));
    ASSERT_BEFORE(idx("managed", "managed", "killed"),
                  idx("managed", "protected", "killed"));
    teardown();
}

static void test_stop_tail_managed_spares_workers(void **state)
{
    (void)state;
    run_tail("managed");
    /* split-style killer over every managed entry, protected ones too */
    LOGS(T.w, "warning", "killing 2 managed thread(s)",
         "killing managed thread `managed`",
         "killing managed thread `protected`");
    expect_seq(T.w, "worker", "svc.ham.1", 0, SEQ("spawn", "start", "result"));
    ASSERT_BEFORE(idx("state", "svc", "dead"),
                  idx("worker", "svc.ham.1", "result"));
    teardown();
}

/* ================================================================ hr_pos, hr_returns */

static int hr_replace(ctr_worker_ctx_t *ctx, void *arg, const void **result,
                      const sim_error_t **exc)
{
    (void)ctx;
    (void)arg;
    (void)exc;
    *result = "changed";
    return 0;
}

static int hr_raise(ctr_worker_ctx_t *ctx, void *arg, const void **result,
                    const sim_error_t **exc)
{
    (void)ctx;
    (void)arg;
    (void)result;
    (void)exc;
    return sim_raise(T.w, T.e2);
}

static int b_spawn_hr(sim_world_t *w, void *arg)
{
    ctr_handle_result_fn hr = (ctr_handle_result_fn)(uintptr_t)arg;
    record(0, ctr_spawn_worker(T.c, ext("ham"), "", hr, NULL, &T.ctx[0]));
    record(1, sim_thread_wait(w, ctr_worker_thread(T.ctx[0]), NULL));
    return 0;
}

static void run_hr(ctr_variant_t v, ctr_handle_result_fn hr)
{
    setup(0);
    make(v);
    go(T.w, "main", b_spawn_hr, (void *)(uintptr_t)hr);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
}

static void test_hr_before_runs_before_worker_result(void **state)
{
    (void)state;
    run_hr(cur("hr_pos", "before"), hr_replace);
    CALLS_MATCHING(T.w, "spam.get_dependency", "spam.worker_setup", "svc.ham",
                   "ham.handle_result", "spam.worker_result",
                   "spam.worker_teardown");
    teardown();
}

static void test_hr_after_runs_after_teardown(void **state)
{
    (void)state;
    run_hr(cur("hr_pos", "after"), hr_replace);
    CALLS_MATCHING(T.w, "spam.get_dependency", "spam.worker_setup", "svc.ham",
                   "spam.worker_result", "spam.worker_teardown",
                   "ham.handle_result");
    /* worker_result saw the method's own result */
    assert_string_equal(seen[0].result, "ham");
    assert_true(ctr_worker_done(T.ctx[0]));
    teardown();
}

static void test_hr_after_error_escapes_thread(void **state)
{
    (void)state;
    run_hr(cur("hr_pos", "after"), hr_raise);
    assert_int_equal(T.rc[1], SIM_ERAISED);
    assert_ptr_equal(T.err[1], T.e2);
    assert_string_equal(state_of("svc"), "dead:Exception: second");
    assert_false(ctr_worker_done(T.ctx[0]));
    teardown();
}

static void test_hr_returns_ignored_keeps_result(void **state)
{
    (void)state;
    run_hr(cur("hr_returns", "ignored"), hr_replace);
    assert_int_equal(n_seen, 1);
    assert_string_equal(seen[0].result, "ham");
    teardown();
    run_hr(cur("hr_returns", "replaces"), hr_replace);
    assert_string_equal(seen[0].result, "changed");
    teardown();
}

/* ================================================================ lifecycle */

static unsigned thread_of(const char *kind, const char *subject)
{
    size_t i = idx(kind, subject,
                   strcmp(kind, "worker") == 0 ? "start" : NULL);
    assert_true(i != NOT_FOUND);
    return sim_trace_get(T.w, i)->thread;
}

static unsigned tid_named(const char *name)
{
    for (unsigned id = 1; id <= sim_thread_count(T.w); id++)
        if (strcmp(sim_thread_name(sim_thread_by_id(T.w, id)), name) == 0)
            return id;
    fail_msg("no thread %s", name);
    return 0;
}

static void test_lifecycle_sequential_runs_in_worker(void **state)
{
    unsigned wt;
    (void)state;
    run_hr(cur("lifecycle", "sequential"), NULL);
    wt = thread_of("worker", "svc.ham.1");
    assert_int_equal(thread_of("call", "spam.worker_setup"), wt);
    assert_int_equal(thread_of("call", "spam.worker_teardown"), wt);
    assert_int_equal(count(T.w, "spawn", "spam.worker_setup", NULL), 0);
    teardown();
}

static void test_lifecycle_parallel_deps_helper_threads(void **state)
{
    unsigned wt;
    (void)state;
    run_hr(cur("lifecycle", "parallel_deps"), NULL);
    wt = thread_of("worker", "svc.ham.1");
    /* each hook in a helper thread "<ext>.<hook>" */
    assert_int_equal(count(T.w, "spawn", "spam.get_dependency", NULL), 1);
    assert_int_equal(count(T.w, "spawn", "spam.worker_setup", NULL), 1);
    assert_int_equal(count(T.w, "spawn", "spam.worker_result", NULL), 1);
    assert_int_equal(count(T.w, "spawn", "spam.worker_teardown", NULL), 1);
    assert_true(thread_of("call", "spam.worker_setup") != wt);
    assert_int_equal(thread_of("call", "svc.ham"), wt);
    /* dependencies only */
    NO_EXT_CALLS(T.w, "ham");
    assert_string_equal(ctr_worker_dependency(T.ctx[0], "spam"), "spam-attr");
    assert_string_equal(seen[0].result, "ham");
    assert_true(ctr_worker_done(T.ctx[0]));
    teardown();
}

static void test_lifecycle_parallel_all_setup_on_every_extension(void **state)
{
    (void)state;
    run_hr(cur("lifecycle", "parallel_all"), NULL);
    EXT_CALLS(T.w, "ham", "worker_setup", "worker_teardown");
    EXT_CALLS(T.w, "egg", "worker_setup", "worker_teardown");
    EXT_CALLS(T.w, "spam", "get_dependency", "worker_setup", "worker_result",
              "worker_teardown");
    assert_int_equal(count(T.w, "spawn", "ham.worker_setup", NULL), 1);
    assert_int_equal(count(T.w, "call", "ham.worker_setup", "svc.ham.1"), 1);
    teardown();
}

/* First failure in iteration order, the later item runs on. */
static void test_lifecycle_parallel_failure_kills_container(void **state)
{
    (void)state;
    setup(0);
    add_slow_dep();
    act(&T.s.spam_b, RAISE("worker_setup", "Boom", "setup failed"));
    act(&T.slow_b, SLEEP("worker_setup", SIM_MS(5)));
    make(cur("lifecycle", "parallel_deps"));
    go(T.w, "main", b_spawn_hr, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[1], SIM_ERAISED);
    assert_string_equal(state_of("svc"), "dead:Boom: setup failed");
    /* the worker never reached its method; slow's setup was an orphan */
    assert_int_equal(count(T.w, "call", "svc.ham", NULL), 0);
    ASSERT_BEFORE(idx("worker", "svc.ham.1", "error:Boom"),
                  idx("ret", "slow.worker_setup", "ok"));
    teardown();
}

/* A worker killed while it waits for its first parallel hook abandons the
 * call before the imap helper queued anything: the helper, which would
 * block on its last put for good (garbage in the reference), is collected,
 * so nothing is left hanging. */
static int b_kill_worker_thread(sim_world_t *w, void *arg)
{
    (void)arg;
    return record(1, sim_thread_kill(w, ctr_worker_thread(T.ctx[0]), NULL));
}

static int b_spawn_then_killer(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, spawn_ham("", 0));
    go(w, "killer", b_kill_worker_thread, NULL);
    return 0;
}

static void test_lifecycle_parallel_abandoned_helper_collected(void **state)
{
    (void)state;
    setup(0);
    make(cur("lifecycle", "parallel_deps"));
    go(T.w, "main", b_spawn_then_killer, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[1], 0);
    expect_seq(T.w, "worker", "svc.ham.1", 0, SEQ("spawn", "start", "killed"));
    /* the item still ran; its helper ended at the put */
    assert_int_equal(count(T.w, "call", "spam.get_dependency", NULL), 1);
    assert_int_equal(count(T.w, "exit", "imap", "killed"), 1);
    assert_false(ctr_container_dead(T.c));
    teardown();
}

/* ================================================================ registry */

static int b_registry(sim_world_t *w, void *arg)
{
    (void)arg;
    ctr_spawn_managed_thread(T.c, sleep_forever, NULL, "forever", NULL);
    record(1, spawn_ham("block", 0));
    ctr_spawn_protected_thread(T.c, sleep_forever, NULL, "guarded", NULL);
    sim_yield(w);
    return record(0, ctr_container_kill(T.c, T.e1));
}

static void run_registry(const char *value)
{
    setup(0);
    use_script_methods();
    make(with(cur("registry", value), "kill_order", "B"));
    go(T.w, "main", b_registry, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
    assert_int_equal(ctr_container_worker_count(T.c), 0);
    assert_int_equal(ctr_container_managed_count(T.c), 0);
}

static void test_registry_set_one_killer(void **state)
{
    (void)state;
    run_registry("set");
    /* protected means nothing here: three active threads, insertion order */
    LOGS(T.w, "warning", "killing 3 active thread(s)");
    ASSERT_BEFORE(idx("managed", "forever", "killed"),
                  idx("worker", "svc.ham.1", "killed"));
    ASSERT_BEFORE(idx("worker", "svc.ham.1", "killed"),
                  idx("managed", "guarded", "killed"));
    ASSERT_BEFORE(idx("managed", "guarded", "killed"),
                  idx("call", "spam.kill", NULL));
    teardown();
}

static void test_registry_set_protected_kills_protected_last(void **state)
{
    (void)state;
    run_registry("set_protected");
    LOGS(T.w, "warning", "killing 2 active thread(s)",
         "killing 1 protected thread(s)");
    ASSERT_BEFORE(idx("managed", "forever", "killed"),
                  idx("worker", "svc.ham.1", "killed"));
    ASSERT_BEFORE(last_idx("ret", "egg.kill", NULL),
                  idx("managed", "guarded", "killed"));
    teardown();
}

static void test_registry_dict_protected_names_workers(void **state)
{
    (void)state;
    run_registry("dict_protected");
    LOGS(T.w, "warning", "killing 2 active thread(s)",
         "killing active thread for svc.ham", "killing 1 protected thread(s)");
    ASSERT_BEFORE(idx("log", "warning", "killing active thread for svc.ham"),
                  idx("worker", "svc.ham.1", "killed"));
    teardown();
}

static void test_registry_split_workers_then_managed(void **state)
{
    (void)state;
    run_registry("split");
    LOGS(T.w, "warning", "killing 1 active workers(s)",
         "killing active worker for svc.ham.1", "killing 2 managed thread(s)",
         "killing managed thread `forever`",
         "killing managed thread `guarded`");
    teardown();
}

/* Every killed thread's exit link runs before its killer goes on. */
static void test_registry_set_victim_link_before_next_kill(void **state)
{
    size_t k1, k2;
    (void)state;
    run_registry("set");
    k1 = idx("managed", "forever", "killed");
    k2 = idx("worker", "svc.ham.1", "killed");
    ASSERT_BEFORE(idx("kill", "forever", NULL), k1);
    ASSERT_BEFORE(k1, idx("kill", "svc.ham.1", NULL));
    ASSERT_BEFORE(idx("kill", "svc.ham.1", NULL), k2);
    teardown();
}

/* ================================================================ killed_log, error_log */

static int b_killed_worker(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, spawn_ham("block", 0));
    sim_yield(w);
    return record(1, sim_thread_kill(w, ctr_worker_thread(T.ctx[0]), NULL));
}

static void test_killed_log_levels(void **state)
{
    (void)state;
    setup(0);
    use_script_methods();
    make(cur("killed_log", "warning"));
    go(T.w, "main", b_killed_worker, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    LOGS(T.w, "warning", "svc thread killed by container");
    assert_int_equal(count(T.w, "log", "debug", "svc thread killed*"), 0);
    teardown();

    setup(0);
    use_script_methods();
    make(cur("killed_log", "debug"));
    go(T.w, "main", b_killed_worker, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(count(T.w, "log", "warning", NULL), 0);
    assert_int_equal(count(T.w, "log", "debug", "svc thread killed by container"),
                     1);
    teardown();
}

static const char *const all_expected[] = {"Exception"};

static int b_egg_and_crash(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, ctr_spawn_worker(T.c, ext("egg"), "", NULL, NULL, &T.ctx[0]));
    sim_thread_wait(w, ctr_worker_thread(T.ctx[0]), NULL);
    ctr_spawn_managed_thread(T.c, raise_e1, NULL, "crash", NULL);
    return record(1, ctr_container_wait(T.c));
}

static void run_error_log(const char *value, int expected)
{
    setup(0);
    if (expected) {
        T.s.egg.expected = all_expected;
        T.s.egg.n_expected = 1;
    }
    make(cur("error_log", value));
    go(T.w, "main", b_egg_and_crash, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_ptr_equal(T.err[1], T.e1);
}

static void test_error_log_error_levels(void **state)
{
    (void)state;
    run_error_log("error", 1);
    LOGS(T.w, "error", "svc thread exited with error");
    assert_int_equal(count(T.w, "log", "debug",
                           "error handling worker svc.egg.1: broken"),
                     1);
    assert_int_equal(count(T.w, "log", "warning", NULL), 0);
    assert_int_equal(count(T.w, "log", "critical", NULL), 0);
    teardown();

    run_error_log("critical", 0);
    LOGS(T.w, "critical", "svc thread exited with error");
    LOGS(T.w, "error", "error handling worker svc.egg.1: broken");
    teardown();
    run_error_log("critical", 1);
    LOGS(T.w, "warning", "(expected) error handling worker svc.egg.1: broken");
    teardown();
}

/* ================================================================ runner_wait */

static const ctr_service_def_t empty_a = {.name = "a"};
static const ctr_service_def_t empty_b = {.name = "b"};
static const ctr_service_def_t empty_c = {.name = "c"};

static void setup_runner(ctr_variant_t v, int three)
{
    memset(&T, 0, sizeof(T));
    T.w = new_world();
    T.e1 = sim_error_new(T.w, "Exception", "lost?", 0);
    assert_int_equal(ctr_container_new_variant(T.w, &empty_a, &v, &T.ca), 0);
    assert_int_equal(ctr_container_new_variant(T.w, &empty_b, &v, &T.cb), 0);
    assert_int_equal(ctr_runner_new_variant(T.w, &v, &T.r), 0);
    ctr_runner_add(T.r, T.ca);
    ctr_runner_add(T.r, T.cb);
    if (three) {
        assert_int_equal(ctr_container_new_variant(T.w, &empty_c, &v, &T.cc),
                         0);
        ctr_runner_add(T.r, T.cc);
    }
}

static int b_runner_wait(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_runner_wait(T.r));
}

/* Spec 3.1's lost error: a stops, then b is killed, before the fail-fast
 * caller runs again; the success is dequeued first. */
static int b_lost_error(sim_world_t *w, void *arg)
{
    (void)arg;
    go(w, "runner-wait", b_runner_wait, (void *)0);
    sim_yield(w);
    sim_yield(w);
    record(1, ctr_container_stop(T.ca));
    record(2, ctr_container_kill(T.cb, T.e1));
    return 0;
}

static void run_lost_error(ctr_variant_t v)
{
    setup_runner(v, 0);
    go(T.w, "main", b_lost_error, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[1], 0);
    assert_int_equal(T.rc[2], 0);
}

static void test_runner_wait_safe_never_loses_error(void **state)
{
    (void)state;
    run_lost_error(cur("runner_wait", "fail_fast"));
    assert_int_equal(T.rc[0], 0); /* the race */
    teardown();
    run_lost_error(cur("runner_wait", "safe"));
    assert_int_equal(T.rc[0], SIM_ERAISED);
    assert_ptr_equal(T.err[0], T.e1);
    assert_int_equal(count(T.w, "log", "info", "stopping services: a, b"), 1);
    teardown();
}

/* A peer's wait completes while the fail-fast kill loop yields. */
static int b_set_changed(sim_world_t *w, void *arg)
{
    (void)arg;
    go(w, "runner-wait", b_runner_wait, (void *)0);
    sim_yield(w);
    sim_yield(w);
    record(1, ctr_container_kill(T.ca, T.e1));
    sim_yield(w);
    record(2, ctr_container_stop(T.cc));
    return 0;
}

static void test_runner_wait_safe_kill_loop_uses_snapshot(void **state)
{
    (void)state;
    setup_runner(cur("runner_wait", "fail_fast"), 1);
    go(T.w, "main", b_set_changed, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_string_equal(T.err[0]->type, "RuntimeError");
    teardown();

    setup_runner(cur("runner_wait", "safe"), 1);
    go(T.w, "main", b_set_changed, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], SIM_ERAISED);
    assert_ptr_equal(T.err[0], T.e1);
    assert_int_equal(count(T.w, "log", "info", "stopping services: a, b, c"),
                     1);
    assert_true(ctr_container_dead(T.cb));
    teardown();
}

/* v1.0: a plain wait in order; the error is raised, no peer is stopped. */
static int b_wait_all(sim_world_t *w, void *arg)
{
    (void)arg;
    go(w, "runner-wait", b_runner_wait, (void *)0);
    sim_yield(w);
    return record(1, ctr_container_kill(T.ca, T.e1));
}

static void test_runner_wait_all_raises_without_stopping(void **state)
{
    (void)state;
    setup_runner(cur("runner_wait", "all"), 0);
    go(T.w, "main", b_wait_all, NULL);
    /* b never dies: the wait's helper for b hangs */
    assert_int_equal(sim_run(T.w), SIM_EHUNG);
    assert_int_equal(T.rc[0], SIM_ERAISED);
    assert_ptr_equal(T.err[0], T.e1);
    assert_int_equal(count(T.w, "log", "info", "stopping services*"), 0);
    assert_false(ctr_container_dead(T.cb));
    teardown();

    setup_runner(cur("runner_wait", "fail_fast"), 0);
    go(T.w, "main", b_wait_all, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_ptr_equal(T.err[0], T.e1);
    assert_int_equal(count(T.w, "log", "info", "stopping services: a, b"), 1);
    assert_true(ctr_container_dead(T.cb));
    teardown();
}

/* ================================================================ kill_thread */

/* A worker kills its own container from its method (spec 1.4's self-kill
 * hazard). */
static int b_worker_kills(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    go(w, "waiter", b_wait, (void *)1);
    return record(0, spawn_ham("kill", 0));
}

static int run_worker_kills(ctr_variant_t v)
{
    setup(0);
    use_script_methods();
    make(v);
    go(T.w, "main", b_worker_kills, NULL);
    return sim_run(T.w);
}

static void test_kill_thread_survives_killing_its_caller(void **state)
{
    (void)state;
    /* caller: the worker dies inside kill(), death never comes */
    assert_int_equal(run_worker_kills(cur("kill_thread", "caller")), SIM_EHUNG);
    assert_false(ctr_container_dead(T.c));
    expect_seq(T.w, "worker", "svc.ham.1", 0, SEQ("spawn", "start", "killed"));
    teardown();

    assert_int_equal(run_worker_kills(cur("kill_thread", "thread")), SIM_OK);
    assert_true(ctr_container_dead(T.c));
    assert_int_equal(T.rc[1], 0);
    assert_int_equal(count(T.w, "spawn", "svc.kill", NULL), 1);
    /* the worker still died of the kill while it waited */
    expect_seq(T.w, "worker", "svc.ham.1", 0, SEQ("spawn", "start", "killed"));
    /* the sequence ran in the kill thread */
    assert_int_equal(thread_of("log", "info"), tid_named("svc.kill"));
    teardown();
}

static void test_kill_thread_from_hub_spawns(void **state)
{
    (void)state;
    setup(0);
    make(cur("kill_thread", "thread"));
    assert_int_equal(ctr_container_kill(T.c, NULL), 0);
    assert_true(ctr_container_being_killed(T.c));
    assert_false(ctr_container_dead(T.c));
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_true(ctr_container_dead(T.c));
    EXT_CALLS(T.w, "ham", "kill", "kill");
    teardown();
}

/* A crashed managed thread runs kill() in its exit link; the entrypoint's
 * kill kills that very thread (Timer's kill does gt.kill()). */
static int ham_kills_managed(ctr_extension_t *e)
{
    (void)e;
    if (T.t[0])
        return sim_thread_kill(T.w, T.t[0], NULL);
    return 0;
}

static const ctr_ext_ops_t ham_kill_ops = {.kill = ham_kills_managed};

static int b_crash_killed_by_entrypoint(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    ctr_spawn_managed_thread(T.c, raise_e1, NULL, "timer", &T.t[0]);
    return record(0, ctr_container_wait(T.c));
}

static int run_crash_killed_by_entrypoint(ctr_variant_t v)
{
    setup(0);
    T.s.ham.ops = &ham_kill_ops;
    make(v);
    go(T.w, "main", b_crash_killed_by_entrypoint, NULL);
    return sim_run(T.w);
}

static void test_kill_thread_crashed_thread_killed_by_entrypoint(void **state)
{
    (void)state;
    assert_int_equal(
        run_crash_killed_by_entrypoint(cur("kill_thread", "caller")),
        SIM_EHUNG);
    assert_false(ctr_container_dead(T.c));
    teardown();
    assert_int_equal(
        run_crash_killed_by_entrypoint(cur("kill_thread", "thread")), SIM_OK);
    assert_ptr_equal(T.err[0], T.e1);
    assert_string_equal(state_of("svc"), "dead:Exception: first");
    teardown();
}

/* ================================================================ stop_guard */

static int b_two_stops(sim_world_t *w, void *arg)
{
    (void)arg;
    go(w, "s2", b_stop, (void *)1);
    return record(0, ctr_container_stop(T.c));
}

static void run_two_stops(ctr_variant_t v)
{
    setup(0);
    act(&T.s.spam_b, SLEEP("stop", SIM_MS(1)));
    make(v);
    go(T.w, "main", b_two_stops, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
    assert_int_equal(T.rc[1], 0);
    assert_true(ctr_container_dead(T.c));
}

static void test_stop_guard_concurrent_stops_run_once(void **state)
{
    (void)state;
    run_two_stops(cur("stop_guard", "off"));
    assert_int_equal(count(T.w, "log", "debug", "stopping svc"), 2);
    assert_int_equal(count(T.w, "call", "spam.stop", NULL), 2);
    teardown();
    run_two_stops(cur("stop_guard", "on"));
    assert_int_equal(count(T.w, "log", "debug", "stopping svc"), 1);
    LOGS(T.w, "debug", "stopping svc", "already stopping svc");
    assert_int_equal(count(T.w, "call", "spam.stop", NULL), 1);
    /* the second stop returned only once the container was dead */
    ASSERT_BEFORE(idx("state", "svc", "dead"),
                  last_idx("exit", "s2", NULL));
    teardown();
}

/* A stop runs; a kill with an error begins during it and finishes after
 * it (its extension kill is slow). */
static int b_stop_then_kill(sim_world_t *w, void *arg)
{
    (void)arg;
    go(w, "waiter", b_wait, (void *)2);
    go(w, "stopper", b_stop, (void *)0);
    sim_sleep(w, SIM_US(500));
    return record(1, ctr_container_kill(T.c, T.e1));
}

static void run_stop_then_kill(ctr_variant_t v)
{
    setup(0);
    act(&T.s.spam_b, SLEEP("stop", SIM_MS(1)));
    act(&T.s.ham_b, SLEEP("kill", SIM_MS(5)));
    make(v);
    go(T.w, "main", b_stop_then_kill, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], 0);
    assert_int_equal(T.rc[1], 0);
}

static void test_stop_guard_leaves_send_to_kill(void **state)
{
    (void)state;
    run_stop_then_kill(cur("stop_guard", "off"));
    /* the stop finished first and sent death without the error */
    assert_int_equal(T.rc[2], 0);
    assert_string_equal(state_of("svc"), "dead");
    teardown();
    run_stop_then_kill(cur("stop_guard", "on"));
    assert_int_equal(T.rc[2], SIM_ERAISED);
    assert_ptr_equal(T.err[2], T.e1);
    assert_string_equal(state_of("svc"), "dead:Exception: first");
    teardown();
}

static void run_raising_stop(ctr_variant_t v)
{
    setup(0);
    act(&T.s.spam_b, RAISE("stop", "Exception", "stop failed"));
    make(v);
    go(T.w, "stopper", b_stop, (void *)0);
    go(T.w, "waiter", b_wait, (void *)1);
}

static void test_stop_guard_raising_stop_ends_in_kill(void **state)
{
    (void)state;
    run_raising_stop(cur("stop_guard", "off"));
    assert_int_equal(sim_run(T.w), SIM_EHUNG);
    assert_int_equal(T.rc[0], SIM_ERAISED);
    assert_false(ctr_container_dead(T.c));
    teardown();
    run_raising_stop(cur("stop_guard", "on"));
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[0], SIM_ERAISED);
    assert_string_equal(T.err[0]->message, "stop failed");
    assert_ptr_equal(T.err[1], T.err[0]);
    LOGS(T.w, "info", "killing svc due to stop failed");
    teardown();
}

static int b_worker_stops(sim_world_t *w, void *arg)
{
    (void)arg;
    record(0, spawn_ham("stop", 0));
    sim_thread_wait(w, ctr_worker_thread(T.ctx[0]), NULL);
    return 0;
}

static void test_stop_guard_stop_from_worker(void **state)
{
    (void)state;
    setup(0);
    use_script_methods();
    make(cur("stop_guard", "off"));
    go(T.w, "main", b_worker_stops, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[6], SIM_ERAISED);
    assert_string_equal(T.err[6]->type, "AssertionError");
    assert_false(ctr_container_dead(T.c));
    teardown();

    setup(0);
    use_script_methods();
    make(cur("stop_guard", "on"));
    go(T.w, "main", b_worker_stops, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_int_equal(T.rc[6], 0);
    assert_true(ctr_container_dead(T.c));
    assert_int_equal(count(T.w, "spawn", "svc.stop", NULL), 1);
    /* the worker finished its lifecycle; the stop waited for it */
    assert_true(ctr_worker_done(T.ctx[0]));
    ASSERT_BEFORE(idx("worker", "svc.ham.1", "result"),
                  idx("state", "svc", "dead"));
    teardown();
}

/* ================================================================ hardened guarantees */

/* 1. A kill's error is never lost to a concurrent stop. */
static void test_hardened_kill_error_not_lost_to_stop(void **state)
{
    (void)state;
    run_stop_then_kill(preset("current"));
    assert_int_equal(T.rc[2], 0); /* lost */
    teardown();
    run_stop_then_kill(preset("hardened"));
    assert_ptr_equal(T.err[2], T.e1);
    teardown();
}

/* 2. No worker starts once a kill began, a blocked spawner included. */
static void test_hardened_no_worker_after_kill_began(void **state)
{
    (void)state;
    run_blocked_spawner(preset("current"));
    assert_int_equal(count(T.w, "worker", "svc.ham.2", "start"), 1);
    teardown();
    run_blocked_spawner(preset("hardened"));
    assert_int_equal(count(T.w, "worker", "svc.ham.2", "start"), 0);
    assert_string_equal(T.err[1]->type, "ContainerBeingKilled");
    teardown();
}

/* 3. A kill started from a thread the kill itself kills still completes. */
static void test_hardened_self_kill_completes(void **state)
{
    (void)state;
    assert_int_equal(run_worker_kills(preset("current")), SIM_EHUNG);
    teardown();
    assert_int_equal(run_worker_kills(preset("hardened")), SIM_OK);
    assert_true(ctr_container_dead(T.c));
    teardown();
    assert_int_equal(run_crash_killed_by_entrypoint(preset("current")),
                     SIM_EHUNG);
    teardown();
    assert_int_equal(run_crash_killed_by_entrypoint(preset("hardened")),
                     SIM_OK);
    assert_ptr_equal(T.err[0], T.e1);
    teardown();
}

/* 4. Concurrent stops run the shutdown once. */
static void test_hardened_concurrent_stops_once(void **state)
{
    (void)state;
    run_two_stops(preset("current"));
    assert_int_equal(count(T.w, "call", "spam.stop", NULL), 2);
    teardown();
    run_two_stops(preset("hardened"));
    assert_int_equal(count(T.w, "call", "spam.stop", NULL), 1);
    assert_int_equal(count(T.w, "call", "ham.stop", NULL), 1);
    teardown();
}

/* 5. The runner's fail-fast wait never drops an error. */
static void test_hardened_runner_wait_never_drops_error(void **state)
{
    (void)state;
    run_lost_error(preset("hardened"));
    assert_ptr_equal(T.err[0], T.e1);
    teardown();
    setup_runner(preset("hardened"), 1);
    go(T.w, "main", b_set_changed, NULL);
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_ptr_equal(T.err[0], T.e1);
    teardown();
}

/* 6. A raising extension kill never prevents death: a BaseException from
 * one hook, and no hook of the kill still running after death. */
static void test_hardened_raising_extension_kill_still_dies(void **state)
{
    (void)state;
    run_raising_kill(preset("current"), RAISE_BASE("kill", "SystemExit"));
    assert_int_equal(sim_run(T.w), SIM_EHUNG);
    teardown();
    run_raising_kill(preset("hardened"), RAISE_BASE("kill", "SystemExit"));
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_ptr_equal(T.err[1], T.e1);
    teardown();
    run_fail_then_slow(preset("hardened"));
    ASSERT_BEFORE(idx("ret", "slow.kill", "ok"), idx("state", "svc", "dead*"));
    teardown();
    /* a raising stop too */
    run_raising_stop(preset("hardened"));
    assert_int_equal(sim_run(T.w), SIM_OK);
    assert_true(ctr_container_dead(T.c));
    teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presets_match_spec_table),
        cmocka_unit_test(test_presets_in_release_order),
        cmocka_unit_test(test_new_container_is_current),
        /* kill_reentry */
        cmocka_unit_test(test_reentry_return_waits_and_swallows),
        cmocka_unit_test(test_reentry_fallthrough_reraises_first_error),
        cmocka_unit_test(test_reentry_fallthrough_after_plain_death),
        cmocka_unit_test(test_reentry_none_reruns_and_resend_raises),
        cmocka_unit_test(test_reentry_fallthrough_error_escapes_exit_link),
        /* stop_during_kill, send_guard */
        cmocka_unit_test(test_stop_during_kill_wait_only_waits),
        cmocka_unit_test(test_stop_during_kill_run_runs_whole_stop),
        cmocka_unit_test(test_send_guard_off_later_send_raises),
        /* spawn_guard */
        cmocka_unit_test(test_spawn_guard_off_spawns_after_kill),
        cmocka_unit_test(test_spawn_guard_entry_lets_blocked_spawner_through),
        cmocka_unit_test(test_spawn_guard_admit_stops_blocked_spawner),
        /* kill_arg, ext_kill_arg, kill_timeout */
        cmocka_unit_test(test_kill_arg_required_raises_type_error),
        cmocka_unit_test(test_ext_kill_arg_exc_reaches_hooks),
        cmocka_unit_test(test_kill_timeout_on_warns_and_goes_on),
        cmocka_unit_test(test_kill_timeout_bounds_only_dependency_kill),
        /* kill_order */
        cmocka_unit_test(test_kill_order_a_extensions_then_all_threads),
        cmocka_unit_test(test_kill_order_b_threads_before_extensions),
        cmocka_unit_test(test_kill_order_c_managed_after_extensions),
        /* safe_ext_kill */
        cmocka_unit_test(test_safe_kill_off_aborts_kill_and_hangs),
        cmocka_unit_test(test_safe_kill_on_warns_for_exceptions),
        cmocka_unit_test(test_safe_kill_on_base_exception_aborts),
        cmocka_unit_test(test_safe_kill_all_warns_for_base_exceptions),
        cmocka_unit_test(test_safe_kill_all_waits_for_every_hook),
        /* stop_tail */
        cmocka_unit_test(test_stop_tail_none_kills_nothing),
        cmocka_unit_test(test_stop_tail_active_kills_workers_too),
        cmocka_unit_test(test_stop_tail_active_protected_kills_protected_last),
        cmocka_unit_test(test_stop_tail_managed_spares_workers),
        /* hr_pos, hr_returns */
        cmocka_unit_test(test_hr_before_runs_before_worker_result),
        cmocka_unit_test(test_hr_after_runs_after_teardown),
        cmocka_unit_test(test_hr_after_error_escapes_thread),
        cmocka_unit_test(test_hr_returns_ignored_keeps_result),
        /* lifecycle */
        cmocka_unit_test(test_lifecycle_sequential_runs_in_worker),
        cmocka_unit_test(test_lifecycle_parallel_deps_helper_threads),
        cmocka_unit_test(test_lifecycle_parallel_all_setup_on_every_extension),
        cmocka_unit_test(test_lifecycle_parallel_failure_kills_container),
        cmocka_unit_test(test_lifecycle_parallel_abandoned_helper_collected),
        /* registry */
        cmocka_unit_test(test_registry_set_one_killer),
        cmocka_unit_test(test_registry_set_protected_kills_protected_last),
        cmocka_unit_test(test_registry_dict_protected_names_workers),
        cmocka_unit_test(test_registry_split_workers_then_managed),
        cmocka_unit_test(test_registry_set_victim_link_before_next_kill),
        /* killed_log, error_log */
        cmocka_unit_test(test_killed_log_levels),
        cmocka_unit_test(test_error_log_error_levels),
        /* runner_wait */
        cmocka_unit_test(test_runner_wait_safe_never_loses_error),
        cmocka_unit_test(test_runner_wait_safe_kill_loop_uses_snapshot),
        cmocka_unit_test(test_runner_wait_all_raises_without_stopping),
        /* kill_thread */
        cmocka_unit_test(test_kill_thread_survives_killing_its_caller),
        cmocka_unit_test(test_kill_thread_from_hub_spawns),
        cmocka_unit_test(test_kill_thread_crashed_thread_killed_by_entrypoint),
        /* stop_guard */
        cmocka_unit_test(test_stop_guard_concurrent_stops_run_once),
        cmocka_unit_test(test_stop_guard_leaves_send_to_kill),
        cmocka_unit_test(test_stop_guard_raising_stop_ends_in_kill),
        cmocka_unit_test(test_stop_guard_stop_from_worker),
        /* hardened guarantees (container/README.md) */
        cmocka_unit_test(test_hardened_kill_error_not_lost_to_stop),
        cmocka_unit_test(test_hardened_no_worker_after_kill_began),
        cmocka_unit_test(test_hardened_self_kill_completes),
        cmocka_unit_test(test_hardened_concurrent_stops_once),
        cmocka_unit_test(test_hardened_runner_wait_never_drops_error),
        cmocka_unit_test(test_hardened_raising_extension_kill_still_dies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
