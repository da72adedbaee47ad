/*
 * container.c - creating and freeing a container, its accessors, and the
 * `<set>.all.<hook>()` parallel calls over its extension sets.
 */
#include <string.h>

#include "internal.h"

int ctr_container_new(sim_world_t *w, const ctr_service_def_t *def,
                      ctr_container_t **out)
{
    return ctr_container_new_variant(w, def, NULL, out);
}

int ctr_container_new_variant(sim_world_t *w, const ctr_service_def_t *def,
                              const ctr_variant_t *variant,
                              ctr_container_t **out)
{
    ctr_container_t *c;
    char *label;
    int rc;

    if (!out)
        return SIM_EINVAL;
    *out = NULL;
    if (!w)
        return SIM_EINVAL;
    /* Service class must define a `name` attribute (and it is a string). */
    if (!def || !def->name || !def->name[0])
        return CTR_ECONFIG;
    c = ctr__alloc(sizeof(*c));
    if (!c)
        return SIM_ENOMEM;
    c->w = w;
    c->def = def;
    c->v = variant ? *variant : *ctr_variant_current();
    c->name = def->name;
    c->max_workers = def->max_workers > 0 ? def->max_workers : 10;
    ctr__owned_init(&c->scratch);
    rc = ctr__bind(c);
    if (rc)
        goto fail;
    rc = sim_pool_new(w, c->name, c->max_workers, &c->pool);
    if (rc)
        goto fail;
    label = ctr__format("%s._died", c->name);
    if (!label) {
        rc = SIM_ENOMEM;
        goto fail;
    }
    rc = sim_event_new(w, label, &c->died);
    ctr__free(label);
    if (rc)
        goto fail;
    *out = c;
    return 0;
fail:
    ctr_container_free(c);
    return rc;
}

void ctr_container_free(ctr_container_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_bound; i++)
        ctr__ext_free(c->bound[i]);
    ctr__free(c->bound);
    ctr__free(c->exts);
    ctr__free(c->shared);
    for (size_t i = 0; i < c->n_all_ctx; i++)
        ctr__worker_ctx_free(c->all_ctx[i]);
    ctr__free(c->all_ctx);
    ctr__registry_free(c);
    ctr__owned_free_all(&c->scratch);
    ctr__free(c);
}

static int lifecycle_body(sim_world_t *w, void *arg)
{
    ctr__hook_arg_t *a = arg;
    (void)w;
    return ctr__ext_lifecycle(a->ext, a->hook);
}

int ctr__container_all(ctr_container_t *c, ctr__set_t set, ctr__hook_t hook)
{
    return ctr__container_all_opts(c, set, hook, NULL);
}

int ctr__container_all_opts(ctr_container_t *c, ctr__set_t set,
                            ctr__hook_t hook, ctr__par_opts_t *opts)
{
    size_t from = 0, n = c->n_exts;
    void **args;
    const char **names;
    int rc;

    switch (set) {
    case CTR__SET_DEPENDENCIES:
        n = c->n_deps;
        break;
    case CTR__SET_ENTRYPOINTS:
        from = c->n_deps;
        n = c->n_eps;
        break;
    case CTR__SET_SUBEXTENSIONS:
        from = c->n_deps + c->n_eps;
        n = c->n_subs;
        break;
    case CTR__SET_EXTENSIONS:
        break;
    }
    if (n == 0) {
        if (opts)
            opts->timed_out = opts->item_failed = 0;
        return 0;
    }
    args = ctr__owned_alloc(&c->scratch, n * (sizeof(*args) + sizeof(*names)));
    if (!args)
        return ctr__nomem(c->w);
    names = (const char **)(args + n);
    for (size_t i = 0; i < n; i++) {
        ctr_extension_t *e = c->exts[from + i];
        args[i] = &e->hook_args[hook];
        names[i] = e->hook_label[hook];
    }
    rc = ctr__parallel_opts(c->w, &c->scratch, lifecycle_body, args, names, n,
                            opts);
    ctr__owned_free(args);
    return rc;
}

const ctr_variant_t *ctr_container_variant(const ctr_container_t *c)
{
    return &c->v;
}

const sim_error_t *ctr_container_kill_arg(const ctr_container_t *c)
{
    return c->v.ext_kill_arg == CTR_EXT_KILL_ARG_EXC ? c->kill_arg : NULL;
}

const char *ctr_container_name(const ctr_container_t *c)
{
    return c->name;
}

sim_world_t *ctr_container_world(const ctr_container_t *c)
{
    return c->w;
}

int ctr_container_started(const ctr_container_t *c)
{
    return c->started;
}

int ctr_container_dead(const ctr_container_t *c)
{
    return sim_event_ready(c->died) ? 1 : 0;
}

int ctr_container_being_killed(const ctr_container_t *c)
{
    return c->being_killed;
}

int ctr_container_max_workers(const ctr_container_t *c)
{
    return c->max_workers;
}

size_t ctr_container_worker_count(const ctr_container_t *c)
{
    return c->n_workers;
}

size_t ctr_container_managed_count(const ctr_container_t *c)
{
    return c->n_managed;
}

size_t ctr_container_extension_count(const ctr_container_t *c)
{
    return c->n_exts;
}

ctr_extension_t *ctr_container_extension(const ctr_container_t *c, size_t i)
{
    return i < c->n_exts ? c->exts[i] : NULL;
}

ctr_extension_t *ctr_container_find(const ctr_container_t *c,
                                    const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < c->n_exts; i++)
        if (strcmp(c->exts[i]->decl->name, name) == 0)
            return c->exts[i];
    return NULL;
}
