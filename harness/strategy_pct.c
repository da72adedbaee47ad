/*
 * strategy_pct.c - PCT, "A Randomized Scheduler with Probabilistic
 * Guarantees of Finding Bugs" (Burckhardt, Kothari, Musuvathi, Nagarakatte;
 * ASPLOS 2010), on csim's choice points.
 *
 * Depth d: every green thread gets a random priority above d the first
 * time it is a candidate (a uniformly random rank among the threads seen so
 * far, as the paper's random initial priorities); d-1 change points
 * k_1..k_{d-1} are drawn uniformly from [0, k), where k estimates the
 * number of READY steps of a run (explore estimates it from a first fifo
 * run and raises it to the largest count seen in its calibration runs;
 * strategy_pct's caller passes it in).  At READY step s the highest-priority
 * candidate is chosen; if s == k_i its priority drops to i (below every
 * initial priority) and the highest is chosen again.
 *
 * Candidates -> threads: sim_ready_at names the thread behind each ready
 * entry.  A choice that includes an internal callback entry (a semaphore
 * hand-over) has no thread to rank, and that one choice is random.
 * Other choice kinds (wake, ext, tie, early) are random throughout.
 */
#include <stdlib.h>
#include <string.h>

#include "strategy.h"
#include "sim_alloc.h"

void xp_pct_init(xp_pct_t *p, unsigned depth, uint64_t k, uint64_t seed)
{
    memset(p, 0, sizeof(*p));
    if (depth < 1)
        depth = 1;
    if (depth > XP_PCT_MAX_DEPTH)
        depth = XP_PCT_MAX_DEPTH;
    if (k < 1)
        k = 1;
    if (k > UINT32_MAX)
        k = UINT32_MAX;
    p->depth = depth;
    p->k = k;
    p->seed = seed;
    uint64_t s = seed ^ UINT64_C(0x5043545043545043); /* "PCTPCTPC" */
    for (unsigned i = 0; i + 1 < depth; i++)
        p->change[i] = ((xp_mix(&s) >> 32) * k) >> 32;
}

static unsigned below(uint64_t *rng, unsigned n)
{
    return (unsigned)(((xp_mix(rng) >> 32) * (uint64_t)n) >> 32);
}

static int ensure_ids(xp_pct_t *p, size_t need)
{
    if (need <= p->n_ids)
        return 0;
    size_t cap = p->n_ids ? p->n_ids : 16;
    while (cap < need)
        cap *= 2;
    uint64_t *a = sim_realloc(p->prio, cap * sizeof(*a));
    if (!a)
        return -1;
    p->prio = a;
    unsigned *d = sim_realloc(p->cand, cap * sizeof(*d));
    if (!d)
        return -1;
    p->cand = d;
    memset(p->prio + p->n_ids, 0, (cap - p->n_ids) * sizeof(*a));
    p->n_ids = cap;
    return 0;
}

static unsigned pick(const xp_pct_t *p, size_t n)
{
    unsigned best = 0;
    for (unsigned i = 1; i < n; i++)
        if (p->prio[p->cand[i]] > p->prio[p->cand[best]])
            best = i;
    return best;
}

static unsigned pct_choose(void *arg, sim_choice_kind_t kind, unsigned n)
{
    xp_pct_t *p = arg;
    if (kind != SIM_CHOICE_READY || !p->w)
        return below(&p->rng, n);
    uint64_t s = p->step++;
    size_t c = 0;
    if (ensure_ids(p, sim_thread_count(p->w) + 1) == 0 && n <= p->n_ids) {
        for (; c < n; c++) {
            sim_thread_t *t = sim_ready_at(p->w, (unsigned)c);
            if (!t)
                break;
            p->cand[c] = sim_thread_id(t);
        }
    }
    if (c != n) {
        p->unmapped++;
        return below(&p->rng, n);
    }
    p->mapped++;
    for (size_t i = 0; i < c; i++)
        if (p->prio[p->cand[i]] == 0)
            p->prio[p->cand[i]] = (uint64_t)p->depth + 1 + (xp_mix(&p->rng) >> 2);
    unsigned b = pick(p, c);
    for (unsigned i = 0; i + 1 < p->depth; i++)
        if (p->change[i] == s) {
            p->prio[p->cand[b]] = i + 1;
            b = pick(p, c);
        }
    return b;
}

static void pct_attach(void *arg, sim_world_t *w)
{
    xp_pct_t *p = arg;
    p->w = w;
}

void xp_pct_plan(xp_pct_t *p, xp_plan_t *plan)
{
    p->rng = p->seed;
    p->step = 0;
    p->w = NULL;
    p->mapped = p->unmapped = 0;
    if (p->n_ids)
        memset(p->prio, 0, p->n_ids * sizeof(*p->prio));
    memset(plan, 0, sizeof(*plan));
    plan->base = SIM_STRATEGY_FIFO;
    plan->seed = p->seed;
    plan->chooser = pct_choose;
    plan->chooser_arg = p;
    plan->attach = pct_attach;
}

void xp_pct_free(xp_pct_t *p)
{
    sim_free(p->prio);
    sim_free(p->cand);
    p->prio = NULL;
    p->cand = NULL;
    p->n_ids = 0;
}
