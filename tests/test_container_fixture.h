/*
 * test_container_fixture.h - shared fixtures of the container and runner
 * suites: scriptable extensions and methods, a world per test, and queries
 * over the trace.  Green threads only record; assertions run on the main
 * stack after sim_run.
 */
#ifndef TEST_CONTAINER_FIXTURE_H
#define TEST_CONTAINER_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "sim.h"

/* ---------------------------------------------------------------- actions */

typedef enum {
    ACT_NONE = 0,
    ACT_RAISE,   /* raise type/msg (flags) */
    ACT_RAISE_E, /* raise *err (a fixed error object) */
    ACT_SLEEP,   /* sim_sleep(d) */
    ACT_WAIT,    /* wait on *ev */
    ACT_SEND,    /* send *ev */
    ACT_KILL_CONTAINER, /* ctr_container_kill(container, NULL) */
    ACT_SLEEP_RAISE,    /* sleep d, then raise */
} act_kind_t;

typedef struct act {
    const char *hook; /* "setup", ..., "worker_setup", "method" */
    act_kind_t kind;
    const char *type;
    const char *msg;
    sim_time_t d;
    sim_event_t **ev;
    const sim_error_t **err;
    unsigned flags;
} act_t;

#define MAX_ACTS 8

typedef struct behave {
    act_t acts[MAX_ACTS];
    size_t n;
} behave_t;

static inline void behave_add(behave_t *b, act_t a)
{
    b->acts[b->n++] = a;
}

static inline int run_act(sim_world_t *w, ctr_container_t *c,
                          const behave_t *b, const char *hook)
{
    int rc;

    if (!b)
        return 0;
    for (size_t i = 0; i < b->n; i++) {
        const act_t *a = &b->acts[i];
        if (strcmp(a->hook, hook) != 0)
            continue;
        switch (a->kind) {
        case ACT_NONE:
            break;
        case ACT_RAISE:
            return sim_raise(w, sim_error_new(w, a->type, a->msg, a->flags));
        case ACT_RAISE_E:
            return sim_raise(w, *a->err);
        case ACT_SLEEP:
            rc = sim_sleep(w, a->d);
            if (rc < 0)
                return rc;
            break;
        case ACT_SLEEP_RAISE:
            rc = sim_sleep(w, a->d);
            if (rc < 0)
                return rc;
            return sim_raise(w, sim_error_new(w, a->type, a->msg, a->flags));
        case ACT_WAIT:
            rc = sim_event_wait(w, *a->ev, NULL);
            if (rc < 0)
                return rc;
            break;
        case ACT_SEND:
            rc = sim_event_send(w, *a->ev, NULL, NULL);
            if (rc < 0)
                return rc;
            break;
        case ACT_KILL_CONTAINER:
            rc = ctr_container_kill(c, NULL);
            if (rc < 0)
                return rc;
            break;
        }
    }
    return 0;
}

/* Worker-hook observations of a dependency, recorded in green threads. */
#define MAX_SEEN 16
typedef struct seen_result {
    ctr_worker_ctx_t *ctx;
    const void *result;
    const sim_error_t *exc;
} seen_result_t;

static seen_result_t seen[MAX_SEEN];
static size_t n_seen;

static inline sim_world_t *ext_world(ctr_extension_t *e)
{
    return ctr_container_world(ctr_extension_container(e));
}

#define EXT_HOOK(hookname)                                                  \
    static inline int x_##hookname(ctr_extension_t *e)                      \
    {                                                                       \
        return run_act(ext_world(e), ctr_extension_container(e),            \
                       ctr_extension_user(e), #hookname);                   \
    }
EXT_HOOK(setup)
EXT_HOOK(start)
EXT_HOOK(stop)
EXT_HOOK(kill)

static inline int x_get_dependency(ctr_extension_t *e, ctr_worker_ctx_t *ctx,
                                   const void **value)
{
    (void)ctx;
    *value = "spam-attr";
    return run_act(ext_world(e), ctr_extension_container(e),
                   ctr_extension_user(e), "get_dependency");
}

static inline int x_worker_setup(ctr_extension_t *e, ctr_worker_ctx_t *ctx)
{
    (void)ctx;
    return run_act(ext_world(e), ctr_extension_container(e),
                   ctr_extension_user(e), "worker_setup");
}

static inline int x_worker_result(ctr_extension_t *e, ctr_worker_ctx_t *ctx,
                                  const void *result, const sim_error_t *exc)
{
    if (n_seen < MAX_SEEN) {
        seen[n_seen].ctx = ctx;
        seen[n_seen].result = result;
        seen[n_seen].exc = exc;
        n_seen++;
    }
    return run_act(ext_world(e), ctr_extension_container(e),
                   ctr_extension_user(e), "worker_result");
}

static inline int x_worker_teardown(ctr_extension_t *e, ctr_worker_ctx_t *ctx)
{
    (void)ctx;
    return run_act(ext_world(e), ctr_extension_container(e),
                   ctr_extension_user(e), "worker_teardown");
}

static const ctr_ext_ops_t x_ops = {
    x_setup,          x_start,          x_stop,
    x_kill,           x_get_dependency, x_worker_setup,
    x_worker_result,  x_worker_teardown,
};

/* Methods: user is a behave_t with "method" actions; returns its name. */
typedef struct method_user {
    behave_t b;
    const char *ret;
    sim_world_t *w;
    ctr_container_t **c;
} method_user_t;

static inline int m_generic(ctr_worker_ctx_t *ctx, void *user,
                            const void **result)
{
    method_user_t *mu = user;
    ctr_container_t *c = ctr_worker_container(ctx);
    int rc = run_act(ctr_container_world(c), c, &mu->b, "method");
    if (rc < 0)
        return rc;
    *result = mu->ret;
    return 0;
}

/* ---------------------------------------------------------------- service */

/* The reference's test-service: dependency spam; entrypoints ham (returns
 * "ham") and egg (raises Exception("broken")). */
typedef struct svc {
    behave_t spam_b, ham_b, egg_b;
    method_user_t ham_m, egg_m;
    ctr_ext_decl_t spam, ham, egg;
    const ctr_ext_decl_t *deps[4];
    const ctr_ext_decl_t *eps[4];
    ctr_method_t methods[4];
    ctr_service_def_t def;
} svc_t;

static inline void svc_init(svc_t *s, const char *name, int max_workers)
{
    memset(s, 0, sizeof(*s));
    s->spam = (ctr_ext_decl_t){.kind = CTR_DEPENDENCY, .name = "spam",
                               .ops = &x_ops, .user = &s->spam_b};
    s->ham = (ctr_ext_decl_t){.kind = CTR_ENTRYPOINT, .name = "ham",
                              .method = "ham", .ops = &x_ops,
                              .user = &s->ham_b};
    s->egg = (ctr_ext_decl_t){.kind = CTR_ENTRYPOINT, .name = "egg",
                              .method = "egg", .ops = &x_ops,
                              .user = &s->egg_b};
    s->deps[0] = &s->spam;
    s->eps[0] = &s->ham;
    s->eps[1] = &s->egg;
    s->ham_m.ret = "ham";
    behave_add(&s->egg_m.b, (act_t){.hook = "method", .kind = ACT_RAISE,
                                    .type = "Exception", .msg = "broken"});
    s->methods[0] = (ctr_method_t){"ham", m_generic, &s->ham_m};
    s->methods[1] = (ctr_method_t){"egg", m_generic, &s->egg_m};
    s->def = (ctr_service_def_t){.name = name, .max_workers = max_workers,
                                 .dependencies = s->deps,
                                 .n_dependencies = 1, .entrypoints = s->eps,
                                 .n_entrypoints = 2, .methods = s->methods,
                                 .n_methods = 2};
}

/* ---------------------------------------------------------------- world */

static inline sim_world_t *new_world(void)
{
    sim_world_t *w = NULL;
    assert_int_equal(sim_world_new(NULL, &w), 0);
    n_seen = 0;
    return w;
}

static inline ctr_container_t *new_container(sim_world_t *w,
                                             const ctr_service_def_t *def)
{
    ctr_container_t *c = NULL;
    assert_int_equal(ctr_container_new(w, def, &c), 0);
    assert_non_null(c);
    return c;
}

static inline sim_thread_t *go(sim_world_t *w, const char *name,
                               sim_thread_fn fn, void *arg)
{
    sim_thread_t *t = NULL;
    assert_int_equal(sim_spawn(w, name, fn, arg, &t), 0);
    return t;
}

/* ---------------------------------------------------------------- trace */

static inline void dump_trace(const sim_world_t *w)
{
    size_t n = sim_trace_count(w);
    for (size_t i = 0; i < n; i++) {
        const sim_trace_event_t *e = sim_trace_get(w, i);
        fprintf(stderr, "%4zu t%-3u %-8s %-28s %s\n", i, e->thread, e->kind,
                e->subject, e->detail);
    }
}

/* detail NULL matches any; a detail ending in '*' matches a prefix. */
static inline int match(const sim_trace_event_t *e, const char *kind,
                        const char *subject, const char *detail)
{
    size_t n;

    if (strcmp(e->kind, kind) != 0)
        return 0;
    if (subject && strcmp(e->subject, subject) != 0)
        return 0;
    if (!detail)
        return 1;
    n = strlen(detail);
    if (n && detail[n - 1] == '*')
        return strncmp(e->detail, detail, n - 1) == 0;
    return strcmp(e->detail, detail) == 0;
}

#define NOT_FOUND ((size_t)-1)

static inline size_t find_from(const sim_world_t *w, size_t from,
                               const char *kind, const char *subject,
                               const char *detail)
{
    size_t n = sim_trace_count(w);
    for (size_t i = from; i < n; i++)
        if (match(sim_trace_get(w, i), kind, subject, detail))
            return i;
    return NOT_FOUND;
}

static inline size_t find(const sim_world_t *w, const char *kind,
                          const char *subject, const char *detail)
{
    return find_from(w, 0, kind, subject, detail);
}

static inline size_t count(const sim_world_t *w, const char *kind,
                           const char *subject, const char *detail)
{
    size_t n = sim_trace_count(w), k = 0;
    for (size_t i = 0; i < n; i++)
        if (match(sim_trace_get(w, i), kind, subject, detail))
            k++;
    return k;
}

/* The last event of a kind/subject, or NULL. */
static inline const sim_trace_event_t *last(const sim_world_t *w,
                                            const char *kind,
                                            const char *subject)
{
    size_t n = sim_trace_count(w);
    while (n-- > 0) {
        const sim_trace_event_t *e = sim_trace_get(w, n);
        if (match(e, kind, subject, NULL))
            return e;
    }
    return NULL;
}

/* Assert that the events of (kind, subject filter) are exactly `expected`
 * (NULL-terminated), in order.  subject NULL = any; when `by_subject`, the
 * subject is compared instead of the detail. */
static inline void expect_seq(const sim_world_t *w, const char *kind,
                              const char *subject, int by_subject,
                              const char *const *expected)
{
    size_t n = sim_trace_count(w), k = 0;
    for (size_t i = 0; i < n; i++) {
        const sim_trace_event_t *e = sim_trace_get(w, i);
        const char *got;
        if (!match(e, kind, subject, NULL))
            continue;
        got = by_subject ? e->subject : e->detail;
        if (!expected[k] || strcmp(expected[k], got) != 0) {
            dump_trace(w);
            fail_msg("%s event %zu: got \"%s\", expected \"%s\"", kind, k,
                     got, expected[k] ? expected[k] : "(end)");
        }
        k++;
    }
    if (expected[k]) {
        dump_trace(w);
        fail_msg("%s events: missing \"%s\" at %zu", kind, expected[k], k);
    }
}

#define SEQ(...) ((const char *const[]){__VA_ARGS__, NULL})
#define LOGS(w, level, ...) expect_seq((w), "log", (level), 0, SEQ(__VA_ARGS__))
#define CALLS_MATCHING(w, ...) expect_seq((w), "call", NULL, 1, SEQ(__VA_ARGS__))

/* Hook calls of one extension, in order (subjects "<ext>.<hook>"). */
static inline void expect_ext_calls(const sim_world_t *w, const char *ext,
                                    const char *const *hooks)
{
    size_t n = sim_trace_count(w), k = 0, len = strlen(ext);
    for (size_t i = 0; i < n; i++) {
        const sim_trace_event_t *e = sim_trace_get(w, i);
        if (strcmp(e->kind, "call") != 0 ||
            strncmp(e->subject, ext, len) != 0 || e->subject[len] != '.')
            continue;
        if (!hooks[k] || strcmp(hooks[k], e->subject + len + 1) != 0) {
            dump_trace(w);
            fail_msg("%s call %zu: got %s, expected %s", ext, k, e->subject,
                     hooks[k] ? hooks[k] : "(end)");
        }
        k++;
    }
    if (hooks[k]) {
        dump_trace(w);
        fail_msg("%s calls: missing %s at %zu", ext, hooks[k], k);
    }
}
#define EXT_CALLS(w, ext, ...) expect_ext_calls((w), (ext), SEQ(__VA_ARGS__))
#define NO_EXT_CALLS(w, ext) \
    expect_ext_calls((w), (ext), (const char *const[]){NULL})

#define ASSERT_BEFORE(a, b)                                                 \
    do {                                                                    \
        size_t a_ = (a), b_ = (b);                                          \
        assert_true(a_ != NOT_FOUND);                                       \
        assert_true(b_ != NOT_FOUND);                                       \
        assert_true(a_ < b_);                                               \
    } while (0)

#endif /* TEST_CONTAINER_FIXTURE_H */
