/*
 * worker.c - spawn_worker and the worker lifecycle that runs in each worker
 * thread (spec/container.md 1.6 and 1.8): the sequential V8+ lifecycle,
 * or the older parallel ones, and the variants' handle_result position,
 * log levels and spawn guards (2.2, 2.3).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* isinstance(exc, entrypoint.expected_exceptions).  Errors carry no class
 * hierarchy, so a type matches by name, except that every error reaching
 * the method's `except Exception` is an Exception: listing Exception (or
 * BaseException) expects them all. */
static int is_expected(const ctr_ext_decl_t *d, const sim_error_t *e)
{
    for (size_t i = 0; i < d->n_expected; i++) {
        const char *x = d->expected[i];
        if (x && (strcmp(x, e->type) == 0 || strcmp(x, "Exception") == 0 ||
                  strcmp(x, "BaseException") == 0))
            return 1;
    }
    return 0;
}

/* The argument of one helper thread of a parallel worker hook. */
struct ctr__wk_item {
    ctr_extension_t *ext;
    ctr_worker_ctx_t *ctx;
    ctr__worker_hook_t hook;
    const void *result;
    const sim_error_t *exc;
};

static int call_worker_hook(ctr_extension_t *e, ctr_worker_ctx_t *ctx,
                            ctr__worker_hook_t hook, const void *result,
                            const sim_error_t *exc)
{
    switch (hook) {
    case CTR__GET_DEPENDENCY:
        return ctr__ext_get_dependency(e, ctx, &ctx->values[e->dep_index]);
    case CTR__WORKER_SETUP:
        return ctr__ext_worker_setup(e, ctx);
    case CTR__WORKER_RESULT:
        return ctr__ext_worker_result(e, ctx, result, exc);
    default:
        return ctr__ext_worker_teardown(e, ctx);
    }
}

static int wk_item_body(sim_world_t *w, void *arg)
{
    struct ctr__wk_item *it = arg;

    (void)w;
    return call_worker_hook(it->ext, it->ctx, it->hook, it->result, it->exc);
}

/* v1.x / v2.0-v2.5.0: `<set>.all.<hook>(worker_ctx)`, one parallel call
 * from the worker thread (first failure in order raised, orphans run on,
 * the helper of an abandoned call collected).
 * parallel_all runs worker_setup and worker_teardown over every
 * extension, entrypoints and sub-extensions included. */
static int worker_hook_parallel(ctr_container_t *c, ctr_worker_ctx_t *ctx,
                                ctr__worker_hook_t hook, const void *result,
                                const sim_error_t *exc)
{
    /* A worker killed mid-call abandons it: its helper is garbage. */
    ctr__par_opts_t opts = {.collect_abandoned = 1};
    size_t n = c->n_deps;
    struct ctr__wk_item *items;
    void **args;
    const char **names;
    int rc;

    if (c->v.lifecycle == CTR_LIFECYCLE_PARALLEL_ALL &&
        (hook == CTR__WORKER_SETUP || hook == CTR__WORKER_TEARDOWN))
        n = c->n_exts;
    if (n == 0)
        return 0;
    if (!ctx->par_items) {
        ctx->par_items =
            ctr__alloc(CTR__WORKER_HOOKS * c->n_exts * sizeof(*items));
        if (!ctx->par_items)
            return ctr__nomem(c->w);
    }
    items = ctx->par_items + (size_t)hook * c->n_exts;
    args = ctr__owned_alloc(&c->scratch, n * (sizeof(*args) + sizeof(*names)));
    if (!args)
        return ctr__nomem(c->w);
    names = (const char **)(args + n);
    for (size_t i = 0; i < n; i++) {
        items[i] = (struct ctr__wk_item){c->exts[i], ctx, hook, result, exc};
        args[i] = &items[i];
        names[i] = c->exts[i]->worker_label[hook];
    }
    rc = ctr__parallel_opts(c->w, &c->scratch, wk_item_body, args, names, n,
                            &opts);
    ctr__owned_free(args);
    return rc;
}

/* One worker hook over the dependencies: a loop in the worker thread
 * (v2.5.1+), or a parallel call. */
static int worker_hook(ctr_container_t *c, ctr_worker_ctx_t *ctx,
                       ctr__worker_hook_t hook, const void *result,
                       const sim_error_t *exc)
{
    int rc;

    if (c->v.lifecycle != CTR_LIFECYCLE_SEQUENTIAL)
        return worker_hook_parallel(c, ctx, hook, result, exc);
    for (size_t i = 0; i < c->n_deps; i++) {
        rc = call_worker_hook(c->exts[i], ctx, hook, result, exc);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* `result, exc_info = handle_result(worker_ctx, result, exc_info)`; before
 * v1.10 the return value was ignored, so the hook gets copies. */
static int run_handle_result(ctr_container_t *c, ctr_worker_ctx_t *ctx,
                             const void **result, const sim_error_t **exc)
{
    sim_world_t *w = c->w;
    const char *ep = ctx->entrypoint->decl->name;
    const void *r = *result;
    const sim_error_t *e = *exc;
    int rc;

    ctr__log(w, "debug", "handling result for %s", ctx->call_id);
    ctr__trace_call(w, ep, "handle_result", ctx->call_id);
    if (c->v.hr_returns == CTR_HR_REPLACES)
        rc = ctx->handle_result(ctx, ctx->handle_result_arg, result, exc);
    else
        rc = ctx->handle_result(ctx, ctx->handle_result_arg, &r, &e);
    return ctr__trace_ret(w, ep, "handle_result", rc);
}

/* Only Exceptions from the method are contained; a BaseException (the kill
 * condition above all) unwinds the whole lifecycle, and an error in any
 * other step escapes the thread, whose exit handler then kills the
 * container. */
static int run_worker(sim_world_t *w, void *arg)
{
    ctr_worker_ctx_t *ctx = arg;
    ctr_container_t *c = ctx->c;
    ctr_extension_t *ep = ctx->entrypoint;
    const ctr_method_t *m = ep->method;
    const void *result = NULL;
    const sim_error_t *exc = NULL;
    int rc;

    sim_trace(w, "worker", ctx->call_id, "start");
    ctr__log(w, "debug", "setting up %s", ctx->call_id);
    ctr__log(w, "debug", "call stack for %s: %s", ctx->call_id, ctx->call_id);
    rc = worker_hook(c, ctx, CTR__GET_DEPENDENCY, NULL, NULL);
    if (rc < 0)
        return rc;
    rc = worker_hook(c, ctx, CTR__WORKER_SETUP, NULL, NULL);
    if (rc < 0)
        return rc;
    ctr__log(w, "debug", "calling handler for %s", ctx->call_id);
    ctr__trace_call(w, c->name, m->name, ctx->call_id);
    rc = m->fn ? m->fn(ctx, m->user, &result) : 0;
    rc = ctr__trace_ret(w, c->name, m->name, rc);
    if (rc < 0) {
        const sim_error_t *e = sim_error_pending(w);
        if (!e || (e->flags & SIM_ERR_BASE))
            return rc;
        sim_error_take(w);
        result = NULL;
        exc = e;
        if (c->v.error_log != CTR_ERROR_LOG_CRITICAL)
            /* Before #547 every method error was a debug line. */
            ctr__log(w, "debug", "error handling worker %s: %s",
                     ctx->call_id, e->message);
        else if (is_expected(ep->decl, e))
            ctr__log(w, "warning", "(expected) error handling worker %s: %s",
                     ctx->call_id, e->message);
        else
            ctr__log(w, "error", "error handling worker %s: %s", ctx->call_id,
                     e->message);
    }
    if (ctx->handle_result && c->v.hr_pos == CTR_HR_BEFORE) {
        rc = run_handle_result(c, ctx, &result, &exc);
        if (rc < 0)
            return rc;
    }
    ctx->result = result;
    ctx->exc = exc;
    ctr__log(w, "debug", "signalling result for %s", ctx->call_id);
    rc = worker_hook(c, ctx, CTR__WORKER_RESULT, result, exc);
    if (rc < 0)
        return rc;
    rc = worker_hook(c, ctx, CTR__WORKER_TEARDOWN, NULL, NULL);
    if (rc < 0)
        return rc;
    /* v1.2.3-v1.7.1: after teardown, still in the worker thread. */
    if (ctx->handle_result && c->v.hr_pos == CTR_HR_AFTER) {
        rc = run_handle_result(c, ctx, &result, &exc);
        if (rc < 0)
            return rc;
    }
    ctx->done = 1;
    return 0;
}

static int raise_being_killed(sim_world_t *w)
{
    const sim_error_t *e = sim_error_new(w, "ContainerBeingKilled", "", 0);
    if (!e)
        return SIM_ENOMEM;
    return sim_raise(w, e);
}

/* spawn_guard=admit: the being-killed check again once the pool granted
 * the slot, so a spawner that blocked on a full pool before a kill began
 * cannot start a worker during it. */
static int admit_worker(sim_world_t *w, void *arg)
{
    ctr_container_t *c = arg;

    if (!c->being_killed)
        return 0;
    ctr__log(w, "info", "Worker spawn prevented due to being killed");
    return raise_being_killed(w);
}

static ctr_worker_ctx_t *new_ctx(ctr_container_t *c, ctr_extension_t *ep,
                                 const char *args)
{
    ctr_worker_ctx_t *ctx;

    if (ctr__reserve((void **)&c->all_ctx, &c->cap_all_ctx, c->n_all_ctx + 1,
                     sizeof(*c->all_ctx)))
        return NULL;
    ctx = ctr__alloc(sizeof(*ctx));
    if (!ctx)
        return NULL;
    ctx->c = c;
    ctx->entrypoint = ep;
    ctx->call_id = ctr__format("%s.%s.%u", c->name, ep->method->name,
                               c->next_call + 1);
    ctx->args = ctr__strdup(args ? args : "");
    ctx->values = ctr__alloc((c->n_deps ? c->n_deps : 1) *
                             sizeof(*ctx->values));
    if (!ctx->call_id || !ctx->args || !ctx->values) {
        ctr__worker_ctx_free(ctx);
        return NULL;
    }
    c->next_call++;
    c->all_ctx[c->n_all_ctx++] = ctx;
    return ctx;
}

int ctr_spawn_worker(ctr_container_t *c, ctr_extension_t *entrypoint,
                     const char *args, ctr_handle_result_fn handle_result,
                     void *handle_result_arg, ctr_worker_ctx_t **out)
{
    ctr_worker_ctx_t *ctx;
    sim_thread_t *t;
    int rc;

    if (out)
        *out = NULL;
    if (!c || !entrypoint || entrypoint->c != c || !entrypoint->method)
        return SIM_EINVAL;
    /* With spawn_guard=entry the only check: a spawner already blocked
     * below gets through. */
    if (c->v.spawn_guard != CTR_SPAWN_GUARD_OFF && c->being_killed) {
        ctr__log(c->w, "info", "Worker spawn prevented due to being killed");
        return raise_being_killed(c->w);
    }
    ctx = new_ctx(c, entrypoint, args);
    if (!ctx)
        return ctr__nomem(c->w);
    ctx->handle_result = handle_result;
    ctx->handle_result_arg = handle_result_arg;
    ctr__log(c->w, "debug", "spawning %s", ctx->call_id);
    sim_trace(c->w, "worker", ctx->call_id, "spawn");
    /* Blocks while the pool is full; when the caller is itself one of the
     * pool's workers the lifecycle runs inline and t has already exited. */
    if (c->v.spawn_guard == CTR_SPAWN_GUARD_ADMIT)
        rc = sim_pool_spawn_if(c->w, c->pool, ctx->call_id, run_worker, ctx,
                               admit_worker, c, &t);
    else
        rc = sim_pool_spawn(c->w, c->pool, ctx->call_id, run_worker, ctx, &t);
    if (rc < 0)
        return rc == SIM_ENOMEM ? ctr__nomem(c->w) : rc;
    ctx->thread = t;
    /* Only an inline run returns an already exited thread. */
    ctx->inline_run = sim_thread_state(t) == SIM_THREAD_DEAD;
    rc = ctr__link_worker(c, ctx, t);
    if (rc < 0)
        return rc;
    if (out)
        *out = ctx;
    return 0;
}

void ctr__worker_ctx_free(ctr_worker_ctx_t *ctx)
{
    ctr__free(ctx->call_id);
    ctr__free(ctx->args);
    ctr__free((void *)ctx->values);
    ctr__free(ctx->par_items);
    ctr__free(ctx);
}

const char *ctr_worker_call_id(const ctr_worker_ctx_t *ctx)
{
    return ctx->call_id;
}

const char *ctr_worker_method(const ctr_worker_ctx_t *ctx)
{
    return ctx->entrypoint->method->name;
}

const char *ctr_worker_args(const ctr_worker_ctx_t *ctx)
{
    return ctx->args;
}

ctr_extension_t *ctr_worker_entrypoint(const ctr_worker_ctx_t *ctx)
{
    return ctx->entrypoint;
}

ctr_container_t *ctr_worker_container(const ctr_worker_ctx_t *ctx)
{
    return ctx->c;
}

sim_thread_t *ctr_worker_thread(const ctr_worker_ctx_t *ctx)
{
    return ctx->thread;
}

const void *ctr_worker_dependency(const ctr_worker_ctx_t *ctx,
                                  const char *name)
{
    const ctr_container_t *c = ctx->c;

    if (!name)
        return NULL;
    for (size_t i = 0; i < c->n_deps; i++)
        if (strcmp(c->exts[i]->decl->name, name) == 0)
            return ctx->values[i];
    return NULL;
}

int ctr_worker_done(const ctr_worker_ctx_t *ctx)
{
    return ctx->done;
}

const void *ctr_worker_result(const ctr_worker_ctx_t *ctx)
{
    return ctx->result;
}

const sim_error_t *ctr_worker_exc(const ctr_worker_ctx_t *ctx)
{
    return ctx->exc;
}
