/*
 * world.c - creating and freeing a world.
 *
 * A world is self-contained: its threads, primitives, strings, trace and
 * schedule.  Freeing it never runs a thread again; the stacks of threads
 * that never finished simply go back to the pool (a crashed thread's stack
 * is unmapped instead, never reused).
 */
#include "sched-internal.h"

#include <string.h>

int sim_world_new(const sim_config_t *cfg, sim_world_t **out)
{
    sim_world_t *w;
    int rc = SIM_ENOMEM;

    if (out == NULL)
        return SIM_EINVAL;
    *out = NULL;
    if (cfg != NULL && cfg->strategy != SIM_STRATEGY_FIFO &&
        cfg->strategy != SIM_STRATEGY_RANDOM)
        return SIM_EINVAL;
    if (cfg != NULL && cfg->stack_pool != NULL && cfg->stack_size != 0 &&
        sim__stack_round(cfg->stack_size) != cfg->stack_pool->stack_size)
        return SIM_EINVAL;
    w = sim__calloc(1, sizeof *w);
    if (w == NULL)
        return SIM_ENOMEM;
    if (cfg != NULL)
        w->cfg = *cfg;
    if (w->cfg.step_limit == 0)
        w->cfg.step_limit = 1000000;
    if (w->cfg.time_limit <= 0)
        w->cfg.time_limit = SIM_S(3600);
    w->handoff_limit = w->cfg.step_limit;
    if (w->cfg.stack_pool != NULL) {
        w->stacks = w->cfg.stack_pool;
    } else {
        w->own_stacks.stack_size = sim__stack_round(w->cfg.stack_size);
        w->stacks = &w->own_stacks;
    }
    w->cfg.stack_size = w->stacks->stack_size;
    /* Sized for a typical scenario (up to ~64 threads) so that a run does
     * not reallocate; everything grows geometrically past that. */
    if (sim__rq_reserve(w, 256) < 0)
        goto fail;
    if (sim__grow((void **)&w->threads, &w->threads_cap, 64,
                  sizeof *w->threads, 64) < 0)
        goto fail;
    if (sim__scratch_reserve(w, 64) < 0)
        goto fail;
    if (sim__choices_reserve(w, 256) < 0)
        goto fail;
    if (w->cfg.choices == 0)
        w->cfg.choices = SIM_CHOICES_DEFAULT;
    sim__strategy_init(w);
    *out = w;
    return 0;

fail:
    sim_world_free(w);
    return rc;
}

void sim_world_free(sim_world_t *w)
{
    size_t i;

    if (w == NULL)
        return;
    SIM_ASSERT(w->current == NULL);
    if (w->rt != NULL)
        w->rt->release(w);
    for (i = 0; i < w->nthreads; i++) {
        sim_thread_t *t = w->threads[i];
        if (t->stack == NULL)
            continue;
        if (t->crashed)
            sim__stack_destroy(w->stacks, t->stack);
        else
            sim__stack_put(w->stacks, t->stack);
        t->stack = NULL;
    }
    if (w->stacks == &w->own_stacks)
        sim__stack_pool_drain(&w->own_stacks);
    sim__free(w->rq);
    sim__free(w->heap);
    sim__free(w->threads);
    sim__free(w->trace);
    sim__free(w->choices);
    sim__free(w->choice_meta);
    sim__free(w->scratch);
    sim__arena_free(&w->arena);
    sim__free(w);
}

const char *sim_strdup(sim_world_t *w, const char *s)
{
    if (w == NULL)
        return NULL;
    return sim__arena_strdup(&w->arena, s);
}

const char *sim_backend(void)
{
    return CSIM_CTX_NAME;
}
