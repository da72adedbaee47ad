/*
 * collector.c - nameko's ProviderCollector mixin: a shared extension whose
 * stop() waits until every provider that registered with it unregistered.
 */
#include "internal.h"

static int valid(const ctr_extension_t *collector, const ctr_extension_t *p)
{
    return collector && p && collector->decl->collector &&
           collector->last_unregistered;
}

int ctr_collector_register(ctr_extension_t *collector,
                           ctr_extension_t *provider)
{
    if (!valid(collector, provider))
        return SIM_EINVAL;
    collector->providers_registered = 1;
    for (size_t i = 0; i < collector->n_providers; i++)
        if (collector->providers[i] == provider)
            return 0; /* a set */
    if (ctr__reserve((void **)&collector->providers,
                     &collector->cap_providers, collector->n_providers + 1,
                     sizeof(*collector->providers)))
        return SIM_ENOMEM;
    collector->providers[collector->n_providers++] = provider;
    return 0;
}

/* The last unregister sends the event; re-registering and emptying the set
 * again re-sends it, which raises AssertionError as in the reference. */
int ctr_collector_unregister(ctr_extension_t *collector,
                             ctr_extension_t *provider)
{
    size_t i;

    if (!valid(collector, provider))
        return SIM_EINVAL;
    for (i = 0; i < collector->n_providers; i++)
        if (collector->providers[i] == provider)
            break;
    if (i == collector->n_providers)
        return 0;
    for (; i + 1 < collector->n_providers; i++)
        collector->providers[i] = collector->providers[i + 1];
    collector->n_providers--;
    if (collector->n_providers == 0)
        return sim_event_send(collector->c->w, collector->last_unregistered,
                              NULL, NULL);
    return 0;
}

int ctr__collector_wait(ctr_extension_t *e)
{
    if (!e->providers_registered)
        return 0;
    return sim_event_wait(e->c->w, e->last_unregistered, NULL);
}
