/*
 * strategy_dfs.c - exhaustive depth-first search over the choice tree with
 * a preemption bound (Musuvathi & Qadeer, "Iterative Context Bounding",
 * PLDI 2007), stateless: every schedule is re-run from the start.
 *
 * A schedule is the sequence of answers of its enabled choices; the run
 * after a forced prefix is fifo (every later answer 0).  After each run the
 * recorded sequence and the width (n) of every choice are fed back; the
 * next schedule increments the deepest answer that can still grow without
 * exceeding the bound and drops everything after it.  Preemption = a
 * non-zero answer (strategy.h); with bound c a schedule has at most c of
 * them, with no bound (c < 0) the whole tree is enumerated.  Every
 * schedule is visited exactly once; the space is exhausted when no answer
 * can grow.  A root prefix restricts the search to one subtree (shards).
 */
#include <stdlib.h>
#include <string.h>

#include "strategy.h"
#include "sim_alloc.h"

static int reserve(xp_dfs_t *d, size_t need)
{
    if (need <= d->cap)
        return 0;
    size_t cap = d->cap ? d->cap : 64;
    while (cap < need)
        cap *= 2;
    uint32_t *a = sim_realloc(d->path, cap * sizeof(*a));
    if (!a)
        return SCN_ENOMEM;
    d->path = a;
    uint32_t *b = sim_realloc(d->width, cap * sizeof(*b));
    if (!b)
        return SCN_ENOMEM;
    d->width = b;
    d->cap = cap;
    return 0;
}

int xp_dfs_init(xp_dfs_t *d, long bound, const uint32_t *root, size_t n_root)
{
    memset(d, 0, sizeof(*d));
    d->bound = bound;
    if (reserve(d, n_root + 1) < 0)
        return SCN_ENOMEM;
    if (n_root)
        memcpy(d->path, root, n_root * sizeof(*root));
    d->n_root = d->len = n_root;
    return 0;
}

static void fill(const xp_dfs_t *d, xp_plan_t *plan)
{
    memset(plan, 0, sizeof(*plan));
    plan->base = SIM_STRATEGY_FIFO;
    plan->prefix = d->path;
    plan->n_prefix = d->len;
}

int xp_dfs_next(xp_dfs_t *d, xp_plan_t *plan)
{
    if (d->exhausted)
        return 1;
    if (!d->started) {
        d->started = 1;
        d->schedules++;
        fill(d, plan);
        return 0;
    }
    for (size_t p = d->known; p-- > d->n_root;) {
        if (d->path[p] + 1 >= d->width[p])
            continue;
        if (d->path[p] == 0 && d->bound >= 0 &&
            (long)xp_preemptions(d->path, p) + 1 > d->bound)
            continue;
        d->path[p]++;
        d->len = p + 1;
        d->known = p;
        d->schedules++;
        fill(d, plan);
        return 0;
    }
    d->exhausted = 1;
    return 1;
}

int xp_dfs_feed(xp_dfs_t *d, const scn_choice_t *ch, size_t n)
{
    if (reserve(d, n + 1) < 0)
        return SCN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        d->path[i] = ch[i].answer;
        d->width[i] = ch[i].n;
    }
    d->len = d->known = n;
    return 0;
}

void xp_dfs_free(xp_dfs_t *d)
{
    sim_free(d->path);
    sim_free(d->width);
    memset(d, 0, sizeof(*d));
}
