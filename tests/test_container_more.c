/*
 * test_container_more.c - the container's error paths and checks: codes
 * and their strings, argument checks of every entry point, hooks that fail
 * without raising, out-of-memory (MemoryError inside lifecycle calls, plain
 * SIM_ENOMEM where the API says so), the collector's provider set, worker
 * accessors, the runner's checks and the variant tables' lookups.  Green
 * threads record, assertions run on the main stack after sim_run.
 */
#include "test_container_fixture.h"

static struct {
    sim_world_t *w;
    svc_t s;
    ctr_container_t *c;
    ctr_worker_ctx_t *ctx;
    int rc[8];
    const sim_error_t *err[8];
} tc;

static void setup_svc(void)
{
    memset(&tc, 0, sizeof tc);
    tc.w = new_world();
    svc_init(&tc.s, "test-service", 0);
}

static void make_container(void)
{
    tc.c = new_container(tc.w, &tc.s.def);
}

static void teardown_all(void)
{
    sim_alloc_fail_nth(0);
    if (getenv("CTR_DUMP"))
        dump_trace(tc.w);
    ctr_container_free(tc.c);
    sim_world_free(tc.w);
    tc.c = NULL;
    tc.w = NULL;
}

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

/* The allocation after the next n (of sim's one allocator, which the
 * container's go through) fails, once: later ones succeed, so the failure
 * path itself can allocate its MemoryError. */
static void fail_after(long n)
{
    sim_alloc_fail_nth((unsigned long)n + 1);
}

/* ---------------------------------------------------------------- codes */

static void test_strerror_names_container_codes(void **state)
{
    (void)state;
    assert_string_equal(ctr_strerror(CTR_EBEINGKILLED), "container being killed");
    assert_string_equal(ctr_strerror(CTR_ENOTFOUND),
                        "no such entrypoint or method");
    assert_string_equal(ctr_strerror(CTR_ECONFIG), "bad service definition");
    /* sim's codes read as sim says */
    assert_string_equal(ctr_strerror(SIM_ENOMEM), sim_strerror(SIM_ENOMEM));
    assert_string_equal(ctr_strerror(SIM_EINVAL), sim_strerror(SIM_EINVAL));
}

/* ---------------------------------------------------------------- checks */

static void test_new_checks_its_arguments(void **state)
{
    ctr_container_t *c = (ctr_container_t *)&c;
    ctr_ext_decl_t nested;

    (void)state;
    setup_svc();
    assert_int_equal(ctr_container_new(tc.w, &tc.s.def, NULL), SIM_EINVAL);
    assert_int_equal(ctr_container_new(NULL, &tc.s.def, &c), SIM_EINVAL);
    assert_null(c);
    /* a count without its array */
    tc.s.spam.n_expected = 1;
    assert_int_equal(ctr_container_new(tc.w, &tc.s.def, &c), CTR_ECONFIG);
    tc.s.spam.n_expected = 0;
    tc.s.spam.n_subs = 1;
    assert_int_equal(ctr_container_new(tc.w, &tc.s.def, &c), CTR_ECONFIG);
    tc.s.spam.n_subs = 0;
    tc.s.def.entrypoints = NULL;
    assert_int_equal(ctr_container_new(tc.w, &tc.s.def, &c), CTR_ECONFIG);
    tc.s.def.entrypoints = tc.s.eps;
    tc.s.def.methods = NULL;
    assert_int_equal(ctr_container_new(tc.w, &tc.s.def, &c), CTR_ECONFIG);
    tc.s.def.methods = tc.s.methods;
    /* an entrypoint without a method; a dependency among entrypoints */
    tc.s.ham.method = NULL;
    assert_int_equal(ctr_container_new(tc.w, &tc.s.def, &c), CTR_ECONFIG);
    tc.s.ham.method = "ham";
    tc.s.eps[0] = &tc.s.spam;
    assert_int_equal(ctr_container_new(tc.w, &tc.s.def, &c), CTR_ECONFIG);
    tc.s.eps[0] = &tc.s.ham;
    /* a sub-extension without a name */
    memset(&nested, 0, sizeof nested);
    nested.kind = CTR_EXTENSION;
    {
        const ctr_ext_decl_t *subs[] = {&nested};
        tc.s.spam.subs = subs;
        tc.s.spam.n_subs = 1;
        assert_int_equal(ctr_container_new(tc.w, &tc.s.def, &c), CTR_ECONFIG);
        nested.name = "sub";
        assert_int_equal(ctr_container_new(tc.w, &tc.s.def, &c), 0);
        assert_int_equal(ctr_container_extension_count(c), 4);
        assert_int_equal(ctr_extension_kind(ctr_container_find(c, "sub")),
                         CTR_EXTENSION);
        ctr_container_free(c);
        tc.s.spam.subs = NULL;
        tc.s.spam.n_subs = 0;
    }
    assert_null(tc.c);
    teardown_all();
}

static int body_spawn_checks(sim_world_t *w, void *arg)
{
    ctr_worker_ctx_t *ctx = (ctr_worker_ctx_t *)&ctx;
    sim_thread_t *t = (sim_thread_t *)&t;
    ctr_container_t *other = arg;

    (void)w;
    /* not an entrypoint, another container's entrypoint, nothing */
    tc.rc[0] = ctr_spawn_worker(tc.c, ext("spam"), "", NULL, NULL, &ctx);
    tc.rc[1] = ctr_spawn_worker(tc.c, ctr_container_find(other, "ham"), "",
                                NULL, NULL, &ctx);
    tc.rc[2] = ctr_spawn_worker(tc.c, NULL, "", NULL, NULL, &ctx);
    tc.rc[3] = ctr_spawn_worker(NULL, ext("ham"), "", NULL, NULL, NULL);
    tc.rc[4] = ctx == NULL;
    tc.rc[5] = ctr_spawn_managed_thread(tc.c, NULL, NULL, "x", &t);
    tc.rc[6] = t == NULL && sim_error_pending(w) == NULL;
    return 0;
}

/* spawn_worker and spawn_managed_thread: SIM_EINVAL, nothing raised. */
static void test_spawn_checks_its_arguments(void **state)
{
    ctr_container_t *other;

    (void)state;
    setup_svc();
    make_container();
    other = new_container(tc.w, &tc.s.def);
    go(tc.w, "main", body_spawn_checks, other);
    assert_int_equal(sim_run(tc.w), SIM_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(tc.rc[i], SIM_EINVAL);
    assert_true(tc.rc[4]);
    assert_int_equal(tc.rc[5], SIM_EINVAL);
    assert_true(tc.rc[6]);
    assert_int_equal(count(tc.w, "worker", NULL, NULL), 0);
    assert_int_equal(ctr_container_worker_count(tc.c), 0);
    ctr_container_free(other);
    teardown_all();
}

/* ---------------------------------------------------------------- codes */

static int hook_plain_einval(ctr_extension_t *e)
{
    (void)e;
    return SIM_EINVAL; /* fails, raises nothing */
}

static int hook_plain_notfound(ctr_extension_t *e)
{
    (void)e;
    return CTR_ENOTFOUND;
}

static int method_plain_estate(ctr_worker_ctx_t *ctx, void *user,
                               const void **result)
{
    (void)ctx;
    (void)user;
    (void)result;
    return SIM_ESTATE;
}

static int body_start(sim_world_t *w, void *arg)
{
    (void)w;
    return record((int)(intptr_t)arg, ctr_container_start(tc.c));
}

/* A hook that returns a negative code without raising is turned into an
 * error value: SystemError("<ext>.<hook> returned <rc> (<text>) without an
 * error"), which start raises like any other. */
static void test_hook_failing_without_raising_is_system_error(void **state)
{
    ctr_ext_ops_t ops = x_ops;
    ctr_ext_ops_t ops2 = x_ops;

    (void)state;
    setup_svc();
    ops.start = hook_plain_einval;
    tc.s.spam.ops = &ops;
    make_container();
    go(tc.w, "main", body_start, (void *)0);
    assert_int_equal(sim_run(tc.w), SIM_OK);
    assert_int_equal(tc.rc[0], SIM_ERAISED);
    assert_non_null(tc.err[0]);
    assert_string_equal(tc.err[0]->type, "SystemError");
    assert_string_equal(tc.err[0]->message,
                        "spam.start returned -4 (invalid argument) without an error");
    assert_true(find(tc.w, "ret", "spam.start",
                     "SystemError: spam.start returned -4*") != NOT_FOUND);
    teardown_all();

    /* a container code reads as ctr_strerror says */
    setup_svc();
    ops2.start = hook_plain_notfound;
    tc.s.ham.ops = &ops2;
    make_container();
    go(tc.w, "main", body_start, (void *)0);
    assert_int_equal(sim_run(tc.w), SIM_OK);
    assert_string_equal(tc.err[0]->message,
                        "ham.start returned -101 (no such entrypoint or method) "
                        "without an error");
    teardown_all();
}

static int body_spawn_and_wait(sim_world_t *w, void *arg)
{
    int rc;

    (void)arg;
    rc = ctr_spawn_worker(tc.c, ext("ham"), "some args", NULL, NULL, &tc.ctx);
    if (rc < 0)
        return record(0, rc);
    return record(1, sim_thread_wait(w, ctr_worker_thread(tc.ctx), NULL));
}

/* The same for a service method: the worker's error is the SystemError. */
static void test_method_failing_without_raising_is_system_error(void **state)
{
    (void)state;
    setup_svc();
    tc.s.methods[0].fn = method_plain_estate;
    make_container();
    go(tc.w, "main", body_spawn_and_wait, NULL);
    assert_int_equal(sim_run(tc.w), SIM_OK);
    assert_non_null(ctr_worker_exc(tc.ctx));
    assert_string_equal(ctr_worker_exc(tc.ctx)->type, "SystemError");
    assert_string_equal(ctr_worker_exc(tc.ctx)->message,
                        "test-service.ham returned -5 (not allowed here) "
                        "without an error");
    assert_true(find(tc.w, "log", "error",
                     "error handling worker test-service.ham.1: test-service.ham "
                     "returned -5*") != NOT_FOUND);
    teardown_all();
}

/* ---------------------------------------------------------------- memory */

static int body_spawn_oom(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    fail_after(0);
    record(0, ctr_spawn_worker(tc.c, ext("ham"), "", NULL, NULL, &tc.ctx));
    tc.rc[1] = tc.ctx == NULL;
    sim_alloc_fail_nth(0);
    /* memory is back: the next spawn works, numbered as the first */
    record(2, ctr_spawn_worker(tc.c, ext("ham"), "", NULL, NULL, &tc.ctx));
    return 0;
}

/* Out of memory in spawn_worker raises MemoryError, and no worker exists. */
static void test_spawn_worker_out_of_memory_raises_memory_error(void **state)
{
    (void)state;
    setup_svc();
    make_container();
    go(tc.w, "main", body_spawn_oom, NULL);
    assert_int_equal(sim_run(tc.w), SIM_OK);
    assert_int_equal(tc.rc[0], SIM_ERAISED);
    assert_string_equal(tc.err[0]->type, "MemoryError");
    assert_true(tc.rc[1]);
    assert_int_equal(tc.rc[2], 0);
    assert_string_equal(ctr_worker_call_id(tc.ctx), "test-service.ham.1");
    assert_int_equal(count(tc.w, "worker", NULL, "spawn"), 1);
    assert_int_equal(count(tc.w, "worker", "test-service.ham.1", "result"), 1);
    teardown_all();
}

static int x_noop_thread(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    return 0;
}

/* spawn_managed_thread's failures are plain codes (it is callable from the
 * hub): nothing raised, nothing tracked, nothing spawned. */
static void test_managed_thread_out_of_memory_is_plain(void **state)
{
    sim_thread_t *t = (sim_thread_t *)&t;
    int rc;

    (void)state;
    setup_svc();
    make_container();
    fail_after(0);
    rc = ctr_spawn_managed_thread(tc.c, x_noop_thread, NULL, "job", &t);
    sim_alloc_fail_nth(0);
    assert_int_equal(rc, SIM_ENOMEM);
    assert_null(t);
    assert_null(sim_error_pending(tc.w));
    assert_int_equal(ctr_container_managed_count(tc.c), 0);
    assert_int_equal(sim_thread_count(tc.w), 0);
    assert_int_equal(count(tc.w, "managed", NULL, NULL), 0);
    teardown_all();
}

static int x_ran;

static int x_count_thread(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    x_ran++;
    return 0;
}

/* Each allocation of spawn_managed_thread failing in turn, over many
 * spawns with names of every length (so the world's arena runs out at
 * varying points): a failure leaves nothing tracked and nothing that runs
 * (a thread spawned but not linked would run outside the container's
 * reach). */
static void test_managed_thread_each_allocation_failing_runs_nothing(void **state)
{
    int spawned = 0, failed = 0;

    (void)state;
    setup_svc();
    make_container();
    x_ran = 0;
    for (int i = 0; i < 400; i++) {
        /* names of every length shift where the arena's chunks end */
        char name[64];
        snprintf(name, sizeof name, "%.*s", i % 60 + 1,
                 "jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj");
        for (unsigned long n = 1;; n++) {
            sim_thread_t *t = (sim_thread_t *)&t;
            unsigned long f0 = sim_alloc_failures();
            int rc;

            sim_alloc_fail_nth(n);
            rc = ctr_spawn_managed_thread(tc.c, x_count_thread, NULL, name, &t);
            sim_alloc_fail_nth(0);
            if (rc == 0) {
                assert_non_null(t);
                spawned++;
                if (sim_alloc_failures() == f0)
                    break;
                continue;
            }
            assert_int_equal(rc, SIM_ENOMEM);
            assert_null(t);
            failed++;
            assert_int_equal(ctr_container_managed_count(tc.c), (size_t)spawned);
        }
    }
    assert_int_equal(sim_run(tc.w), SIM_OK);
    assert_int_equal(x_ran, spawned);
    assert_true(failed > 0);
    teardown_all();
}

/* start, a worker, stop and wait with the container's allocations failing
 * after n, for every n until the sequence completes: a lifecycle call
 * either succeeds or raises MemoryError (never returns a bare code), and
 * the run still ends. */
static int body_sequence_oom(sim_world_t *w, void *arg)
{
    int rc;

    fail_after((long)(intptr_t)arg);
    rc = ctr_container_start(tc.c);
    if (rc < 0) {
        sim_alloc_fail_nth(0);
        record(0, rc);
        /* what a failed start leaves behind, killed */
        return record(3, ctr_container_kill(tc.c, NULL));
    }
    rc = ctr_spawn_worker(tc.c, ext("ham"), "", NULL, NULL, &tc.ctx);
    if (rc < 0) {
        record(1, rc);
    } else if ((rc = sim_thread_wait(w, ctr_worker_thread(tc.ctx), NULL)) < 0) {
        record(4, rc);
    }
    rc = ctr_container_stop(tc.c);
    sim_alloc_fail_nth(0);
    if (rc < 0) {
        record(2, rc);
        return record(3, ctr_container_kill(tc.c, NULL));
    }
    return record(5, ctr_container_wait(tc.c));
}

static int is_memory_error(int i)
{
    return tc.rc[i] == 0 ||
           (tc.rc[i] == SIM_ERAISED && tc.err[i] != NULL &&
            strcmp(tc.err[i]->type, "MemoryError") == 0);
}

static void test_lifecycle_out_of_memory_raises_memory_error(void **state)
{
    int complete = 0, memory_errors = 0;

    (void)state;
    for (long n = 0; n < 400 && !complete; n++) {
        int rc;

        setup_svc();
        make_container();
        go(tc.w, "main", body_sequence_oom, (void *)(intptr_t)n);
        rc = sim_run(tc.w);
        sim_alloc_fail_nth(0);
        if (rc != SIM_OK && rc != SIM_EHUNG)
            fail_msg("n=%ld: sim_run returned %d", n, rc);
        for (int i = 0; i < 6; i++) {
            if (!is_memory_error(i))
                fail_msg("n=%ld: call %d returned %d (%s)", n, i, tc.rc[i],
                         tc.err[i] ? tc.err[i]->type : "nothing raised");
            memory_errors += tc.rc[i] != 0;
        }
        complete = rc == SIM_OK && tc.rc[0] == 0 && tc.rc[1] == 0 &&
                   tc.rc[2] == 0 && tc.rc[5] == 0 && tc.ctx != NULL &&
                   ctr_worker_done(tc.ctx) && ctr_container_dead(tc.c);
        teardown_all();
    }
    assert_true(complete);
    assert_true(memory_errors > 0);
}

/* ---------------------------------------------------------------- collector */

static ctr_ext_decl_t coll_decl = {.kind = CTR_EXTENSION, .name = "coll",
                                   .shared = 1, .collector = 1};

static int body_collector(sim_world_t *w, void *arg)
{
    ctr_extension_t *coll = ext("coll"), *spam = ext("spam");

    (void)w;
    (void)arg;
    tc.rc[0] = ctr_collector_register(coll, spam);
    tc.rc[1] = ctr_collector_register(coll, spam); /* a set: once */
    tc.rc[2] = ctr_collector_unregister(coll, ext("ham")); /* unknown */
    tc.rc[3] = ctr_collector_unregister(coll, spam);       /* empties it */
    tc.rc[4] = ctr_collector_register(spam, coll);         /* not a collector */
    tc.rc[5] = ctr_collector_unregister(coll, NULL);
    return record(6, ctr_container_stop(tc.c));
}

/* The collector's providers are a set: one unregister undoes two
 * registers of the same provider, and its stop returns at once. */
static void test_collector_providers_are_a_set(void **state)
{
    const ctr_ext_decl_t *subs[] = {&coll_decl};

    (void)state;
    setup_svc();
    tc.s.spam.subs = subs;
    tc.s.spam.n_subs = 1;
    make_container();
    go(tc.w, "main", body_collector, NULL);
    assert_int_equal(sim_run(tc.w), SIM_OK);
    assert_int_equal(tc.rc[0], 0);
    assert_int_equal(tc.rc[1], 0);
    assert_int_equal(tc.rc[2], 0);
    assert_int_equal(tc.rc[3], 0);
    assert_int_equal(tc.rc[4], SIM_EINVAL);
    assert_int_equal(tc.rc[5], SIM_EINVAL);
    assert_int_equal(tc.rc[6], 0);
    assert_true(ctr_container_dead(tc.c));
    assert_true(find(tc.w, "send", "last_provider_unregistered", NULL) !=
                NOT_FOUND);
    teardown_all();
}

/* ---------------------------------------------------------------- accessors */

static void test_worker_and_extension_accessors(void **state)
{
    ctr_extension_t *ham;

    (void)state;
    setup_svc();
    make_container();
    go(tc.w, "main", body_spawn_and_wait, NULL);
    assert_int_equal(sim_run(tc.w), SIM_OK);
    ham = ext("ham");
    assert_ptr_equal(ctr_extension_decl(ham), &tc.s.ham);
    assert_ptr_equal(ctr_extension_container(ham), tc.c);
    assert_int_equal(ctr_extension_kind(ham), CTR_ENTRYPOINT);
    assert_null(ctr_container_find(tc.c, NULL));
    assert_null(ctr_container_find(tc.c, "nope"));
    assert_null(ctr_container_extension(tc.c, ctr_container_extension_count(tc.c)));
    assert_ptr_equal(ctr_container_world(tc.c), tc.w);
    assert_int_equal(ctr_container_max_workers(tc.c), 10); /* 0 means 10 */

    assert_string_equal(ctr_worker_method(tc.ctx), "ham");
    assert_string_equal(ctr_worker_args(tc.ctx), "some args");
    assert_ptr_equal(ctr_worker_entrypoint(tc.ctx), ham);
    assert_ptr_equal(ctr_worker_container(tc.ctx), tc.c);
    assert_string_equal(ctr_worker_dependency(tc.ctx, "spam"), "spam-attr");
    assert_null(ctr_worker_dependency(tc.ctx, "ham")); /* not a dependency */
    assert_null(ctr_worker_dependency(tc.ctx, NULL));
    assert_string_equal(ctr_worker_result(tc.ctx), "ham");
    assert_null(ctr_worker_exc(tc.ctx));
    assert_true(ctr_worker_done(tc.ctx));
    teardown_all();
}

/* ---------------------------------------------------------------- runner */

static ctr_runner_t *R;

static int body_empty_runner(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    tc.rc[0] = ctr_runner_start(R);
    tc.rc[1] = ctr_runner_wait(R);
    tc.rc[2] = ctr_runner_stop(R);
    tc.rc[3] = ctr_runner_kill(R);
    tc.rc[4] = ctr_runner_interrupt(R); /* no host yet */
    return 0;
}

static void test_runner_checks_and_empty_runner(void **state)
{
    ctr_runner_t *r = (ctr_runner_t *)&r;
    sim_world_t *w2 = new_world();
    ctr_container_t *foreign;

    (void)state;
    setup_svc();
    make_container();
    assert_int_equal(ctr_runner_new(tc.w, NULL), SIM_EINVAL);
    assert_int_equal(ctr_runner_new(NULL, &r), SIM_EINVAL);
    assert_null(r);
    assert_int_equal(ctr_runner_new(tc.w, &R), 0);
    assert_int_equal(ctr_runner_add(R, NULL), SIM_EINVAL);
    assert_int_equal(ctr_runner_add(NULL, tc.c), SIM_EINVAL);
    foreign = new_container(w2, &tc.s.def);
    assert_int_equal(ctr_runner_add(R, foreign), SIM_EINVAL); /* other world */
    assert_int_equal(ctr_runner_count(R), 0);
    assert_null(ctr_runner_container(R, 0));
    assert_int_equal(ctr_runner_host(NULL, NULL), SIM_EINVAL);

    go(tc.w, "main", body_empty_runner, NULL);
    assert_int_equal(sim_run(tc.w), SIM_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(tc.rc[i], 0);
    assert_int_equal(tc.rc[4], SIM_ESTATE);

    assert_int_equal(ctr_runner_add(R, tc.c), 0);
    assert_ptr_equal(ctr_runner_container(R, 0), tc.c);
    assert_null(ctr_runner_container(R, 1));
    ctr_runner_free(R);
    ctr_runner_free(NULL);
    R = NULL;
    ctr_container_free(foreign);
    sim_world_free(w2);
    teardown_all();
}

static void test_runner_new_out_of_memory(void **state)
{
    ctr_runner_t *r = (ctr_runner_t *)&r;

    (void)state;
    setup_svc();
    fail_after(0);
    assert_int_equal(ctr_runner_new(tc.w, &r), SIM_ENOMEM);
    sim_alloc_fail_nth(0);
    assert_null(r);
    teardown_all();
}

/* ---------------------------------------------------------------- variants */

static void test_variant_lookups_check_their_arguments(void **state)
{
    size_t n = ctr_switch_count(), np = ctr_preset_count();
    ctr_variant_t v, before;

    (void)state;
    assert_null(ctr_preset_name(np));
    assert_null(ctr_preset_summary(np));
    assert_null(ctr_switch_name(n));
    assert_int_equal(ctr_switch_value_count(n), 0);
    assert_null(ctr_switch_value_name(n, 0));
    assert_null(ctr_switch_value_name(0, ctr_switch_value_count(0)));
    assert_int_equal(ctr_switch_find(NULL), -1);
    assert_int_equal(ctr_switch_find("no_such_switch"), -1);
    assert_int_equal(ctr_variant_get(NULL, 0), 0);

    assert_int_equal(ctr_variant_preset("v1.5.0", &v), 0);
    assert_int_equal(ctr_variant_preset("v1.5.0", NULL), 0);
    before = v;
    assert_int_equal(ctr_variant_preset("v9.9.9", &v), SIM_EINVAL);
    assert_memory_equal(&v, &before, sizeof v);
    assert_int_equal(ctr_variant_get(&v, n), 0);
    /* unknown switch, unknown value, NULLs: SIM_EINVAL, nothing changed */
    assert_int_equal(ctr_variant_set(&v, "no_such_switch", "on"), SIM_EINVAL);
    assert_int_equal(ctr_variant_set(&v, ctr_switch_name(0), "no_such_value"),
                     SIM_EINVAL);
    assert_int_equal(ctr_variant_set(&v, ctr_switch_name(0), NULL), SIM_EINVAL);
    assert_int_equal(ctr_variant_set(NULL, ctr_switch_name(0),
                                     ctr_switch_value_name(0, 0)),
                     SIM_EINVAL);
    assert_memory_equal(&v, &before, sizeof v);
    /* and a known pair changes exactly that switch */
    for (size_t i = 0; i < n; i++) {
        size_t last = ctr_switch_value_count(i) - 1;
        assert_int_equal(ctr_variant_set(&v, ctr_switch_name(i),
                                         ctr_switch_value_name(i, last)),
                         0);
        assert_int_equal(ctr_variant_get(&v, i), last);
        for (size_t j = 0; j < n; j++)
            if (j != i)
                assert_int_equal(ctr_variant_get(&v, j),
                                 ctr_variant_get(&before, j));
        v = before;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror_names_container_codes),
        cmocka_unit_test(test_new_checks_its_arguments),
        cmocka_unit_test(test_spawn_checks_its_arguments),
        cmocka_unit_test(test_hook_failing_without_raising_is_system_error),
        cmocka_unit_test(test_method_failing_without_raising_is_system_error),
        cmocka_unit_test(test_spawn_worker_out_of_memory_raises_memory_error),
        cmocka_unit_test(test_managed_thread_out_of_memory_is_plain),
        cmocka_unit_test(test_managed_thread_each_allocation_failing_runs_nothing),
        cmocka_unit_test(test_lifecycle_out_of_memory_raises_memory_error),
        cmocka_unit_test(test_collector_providers_are_a_set),
        cmocka_unit_test(test_worker_and_extension_accessors),
        cmocka_unit_test(test_runner_checks_and_empty_runner),
        cmocka_unit_test(test_runner_new_out_of_memory),
        cmocka_unit_test(test_variant_lookups_check_their_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
