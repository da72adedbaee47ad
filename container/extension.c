/*
 * extension.c - binding a service definition to a container, and the traced
 * invocation of every extension hook.
 *
 * Binding follows nameko: a declaration bound to a container becomes an
 * instance, its nested declarations are bound with it, and a shared
 * declaration yields the one instance its sharing key already has in this
 * container.  The sets are then dependencies (declared order), entrypoints
 * (declared order) and sub-extensions, collected depth first as nameko's
 * iter_extensions does (an extension's own sub-extensions come before it);
 * an instance belongs to the first set that reaches it.  Each set's order
 * is then passed once through sim_choose(SIM_CHOICE_EXT_ORDER), so the
 * order is fixed per container (as a Python set's) but explorable; fifo
 * keeps the declared order.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MAX_DEPTH 32

static const char *const hook_names[] = {"setup", "start", "stop", "kill"};
static const char *const worker_hook_names[] = {
    "get_dependency", "worker_setup", "worker_result", "worker_teardown"};

const char *ctr__hook_name(ctr__hook_t hook)
{
    return hook_names[hook];
}

static const char *sharing_key(const ctr_ext_decl_t *d)
{
    return d->sharing_key ? d->sharing_key : d->name;
}

static ctr_extension_t *find_shared(const ctr_container_t *c,
                                    const char *key)
{
    for (size_t i = 0; i < c->n_shared; i++)
        if (strcmp(sharing_key(c->shared[i]->decl), key) == 0)
            return c->shared[i];
    return NULL;
}

static const ctr_method_t *find_method(const ctr_service_def_t *def,
                                       const char *name)
{
    for (size_t i = 0; i < def->n_methods; i++)
        if (def->methods[i].name && strcmp(def->methods[i].name, name) == 0)
            return &def->methods[i];
    return NULL;
}

static int bind_decl(ctr_container_t *c, const ctr_ext_decl_t *d, int depth,
                     ctr_extension_t **out)
{
    ctr_extension_t *e;
    int rc;

    if (!d || !d->name || !d->name[0] || depth > MAX_DEPTH)
        return CTR_ECONFIG;
    if (d->n_subs && !d->subs)
        return CTR_ECONFIG;
    if (d->n_expected && !d->expected)
        return CTR_ECONFIG;
    if (d->shared && (*out = find_shared(c, sharing_key(d))) != NULL)
        return 0;
    if (ctr__reserve((void **)&c->bound, &c->cap_bound, c->n_bound + 1,
                     sizeof(*c->bound)))
        return SIM_ENOMEM;
    e = ctr__alloc(sizeof(*e));
    if (!e)
        return SIM_ENOMEM;
    c->bound[c->n_bound++] = e;
    e->c = c;
    e->decl = d;
    for (int h = 0; h < CTR__LIFECYCLE_HOOKS; h++) {
        e->hook_args[h].ext = e;
        e->hook_args[h].hook = (ctr__hook_t)h;
        e->hook_label[h] = ctr__format("%s.%s", d->name, hook_names[h]);
        if (!e->hook_label[h])
            return SIM_ENOMEM;
    }
    /* Only a parallel lifecycle names helper threads after worker hooks. */
    for (int h = 0; c->v.lifecycle != CTR_LIFECYCLE_SEQUENTIAL &&
                    h < CTR__WORKER_HOOKS;
         h++) {
        e->worker_label[h] =
            ctr__format("%s.%s", d->name, worker_hook_names[h]);
        if (!e->worker_label[h])
            return SIM_ENOMEM;
    }
    if (d->kind == CTR_ENTRYPOINT && d->method) {
        e->method = find_method(c->def, d->method);
        if (!e->method)
            return CTR_ECONFIG;
    }
    if (d->collector) {
        rc = sim_event_new(c->w, "last_provider_unregistered",
                           &e->last_unregistered);
        if (rc)
            return rc;
    }
    if (d->n_subs) {
        e->children = ctr__alloc(d->n_subs * sizeof(*e->children));
        if (!e->children)
            return SIM_ENOMEM;
        for (size_t i = 0; i < d->n_subs; i++) {
            rc = bind_decl(c, d->subs[i], depth + 1, &e->children[i]);
            if (rc)
                return rc;
            e->n_children++;
        }
    }
    /* Registered after its children, as SharedExtension.bind does. */
    if (d->shared) {
        if (ctr__reserve((void **)&c->shared, &c->cap_shared,
                         c->n_shared + 1, sizeof(*c->shared)))
            return SIM_ENOMEM;
        c->shared[c->n_shared++] = e;
    }
    *out = e;
    return 0;
}

static int add_unique(ctr_container_t *c, ctr_extension_t *e)
{
    for (size_t i = 0; i < c->n_exts; i++)
        if (c->exts[i] == e)
            return 0;
    if (ctr__reserve((void **)&c->exts, &c->cap_exts, c->n_exts + 1,
                     sizeof(*c->exts)))
        return SIM_ENOMEM;
    c->exts[c->n_exts++] = e;
    return 1;
}

static int collect_subs(ctr_container_t *c, ctr_extension_t *e, int depth)
{
    int rc;

    if (depth > MAX_DEPTH)
        return CTR_ECONFIG;
    for (size_t i = 0; i < e->n_children; i++) {
        rc = collect_subs(c, e->children[i], depth + 1);
        if (rc < 0)
            return rc;
        rc = add_unique(c, e->children[i]);
        if (rc < 0)
            return rc;
        c->n_subs += (size_t)rc;
    }
    return 0;
}

static void permute(ctr_container_t *c, size_t from, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        size_t j = i + sim_choose(c->w, SIM_CHOICE_EXT_ORDER,
                                  (unsigned)(n - i));
        ctr_extension_t *t = c->exts[from + i];
        c->exts[from + i] = c->exts[from + j];
        c->exts[from + j] = t;
    }
}

int ctr__bind(ctr_container_t *c)
{
    const ctr_service_def_t *def = c->def;
    ctr_extension_t *e;
    size_t top;
    int rc;

    if ((def->n_dependencies && !def->dependencies) ||
        (def->n_entrypoints && !def->entrypoints) ||
        (def->n_methods && !def->methods))
        return CTR_ECONFIG;
    for (size_t i = 0; i < def->n_dependencies; i++) {
        if (!def->dependencies[i] ||
            def->dependencies[i]->kind != CTR_DEPENDENCY)
            return CTR_ECONFIG;
        rc = bind_decl(c, def->dependencies[i], 0, &e);
        if (rc)
            return rc;
        rc = add_unique(c, e);
        if (rc < 0)
            return rc;
        c->n_deps += (size_t)rc;
    }
    for (size_t i = 0; i < def->n_entrypoints; i++) {
        const ctr_ext_decl_t *d = def->entrypoints[i];
        if (!d || d->kind != CTR_ENTRYPOINT || !d->method)
            return CTR_ECONFIG;
        rc = bind_decl(c, d, 0, &e);
        if (rc)
            return rc;
        rc = add_unique(c, e);
        if (rc < 0)
            return rc;
        c->n_eps += (size_t)rc;
    }
    top = c->n_exts;
    for (size_t i = 0; i < top; i++) {
        rc = collect_subs(c, c->exts[i], 0);
        if (rc)
            return rc;
    }
    permute(c, 0, c->n_deps);
    permute(c, c->n_deps, c->n_eps);
    permute(c, c->n_deps + c->n_eps, c->n_subs);
    for (size_t i = 0; i < c->n_deps; i++)
        c->exts[i]->dep_index = i;
    return 0;
}

void ctr__ext_free(ctr_extension_t *e)
{
    for (int h = 0; h < CTR__LIFECYCLE_HOOKS; h++)
        ctr__free(e->hook_label[h]);
    for (int h = 0; h < CTR__WORKER_HOOKS; h++)
        ctr__free(e->worker_label[h]);
    ctr__free(e->children);
    ctr__free(e->providers);
    ctr__free(e);
}

/* ---------------------------------------------------------------- hooks */

static void trace_call(ctr_extension_t *e, const char *hook,
                       const char *detail)
{
    ctr__trace_call(e->c->w, e->decl->name, hook, detail);
}

static int trace_ret(ctr_extension_t *e, const char *hook, int rc)
{
    return ctr__trace_ret(e->c->w, e->decl->name, hook, rc);
}

int ctr__ext_lifecycle(ctr_extension_t *e, ctr__hook_t hook)
{
    const ctr_ext_ops_t *ops = e->decl->ops;
    int (*fn)(ctr_extension_t *) = NULL;
    int rc = 0;

    trace_call(e, hook_names[hook], e->c->name);
    if (ops) {
        switch (hook) {
        case CTR__SETUP: fn = ops->setup; break;
        case CTR__START: fn = ops->start; break;
        case CTR__STOP: fn = ops->stop; break;
        default: fn = ops->kill; break;
        }
    }
    /* ProviderCollector.stop: wait_for_providers, then the base stop. */
    if (hook == CTR__STOP && e->decl->collector)
        rc = ctr__collector_wait(e);
    if (rc >= 0 && fn)
        rc = fn(e);
    return trace_ret(e, hook_names[hook], rc);
}

int ctr__ext_get_dependency(ctr_extension_t *e, ctr_worker_ctx_t *ctx,
                            const void **value)
{
    const ctr_ext_ops_t *ops = e->decl->ops;
    int rc = 0;

    *value = NULL;
    trace_call(e, "get_dependency", ctx->call_id);
    if (ops && ops->get_dependency)
        rc = ops->get_dependency(e, ctx, value);
    return trace_ret(e, "get_dependency", rc);
}

int ctr__ext_worker_setup(ctr_extension_t *e, ctr_worker_ctx_t *ctx)
{
    const ctr_ext_ops_t *ops = e->decl->ops;
    int rc = 0;

    trace_call(e, "worker_setup", ctx->call_id);
    if (ops && ops->worker_setup)
        rc = ops->worker_setup(e, ctx);
    return trace_ret(e, "worker_setup", rc);
}

int ctr__ext_worker_result(ctr_extension_t *e, ctr_worker_ctx_t *ctx,
                           const void *result, const sim_error_t *exc)
{
    const ctr_ext_ops_t *ops = e->decl->ops;
    int rc = 0;

    trace_call(e, "worker_result", ctx->call_id);
    if (ops && ops->worker_result)
        rc = ops->worker_result(e, ctx, result, exc);
    return trace_ret(e, "worker_result", rc);
}

int ctr__ext_worker_teardown(ctr_extension_t *e, ctr_worker_ctx_t *ctx)
{
    const ctr_ext_ops_t *ops = e->decl->ops;
    int rc = 0;

    trace_call(e, "worker_teardown", ctx->call_id);
    if (ops && ops->worker_teardown)
        rc = ops->worker_teardown(e, ctx);
    return trace_ret(e, "worker_teardown", rc);
}

/* ---------------------------------------------------------------- accessors */

const char *ctr_extension_name(const ctr_extension_t *e)
{
    return e->decl->name;
}

ctr_ext_kind_t ctr_extension_kind(const ctr_extension_t *e)
{
    return e->decl->kind;
}

const ctr_ext_decl_t *ctr_extension_decl(const ctr_extension_t *e)
{
    return e->decl;
}

ctr_container_t *ctr_extension_container(const ctr_extension_t *e)
{
    return e->c;
}

void *ctr_extension_user(const ctr_extension_t *e)
{
    return e->decl->user;
}
