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
 * Candidates -> threads: sim hands the chooser only n, so the run queue is
 * rebuilt from the trace: a thread is queued when its last enqueue event
 * (spawn, wake, yield, or the killer of a "kill suspended/not-started")
 * comes after its last "run".  When the rebuilt queue does not have n
 * entries (a queued semaphore callback, say) that one choice is random.
 * Other choice kinds (wake, ext, tie, early) are random throughout.
 */
#include <stdlib.h>
#include <string.h>

#include "strategy.h"

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
    uint64_t *a = realloc(p->prio, cap * sizeof(*a));
    if (!a)
        return -1;
    p->prio = a;
    uint64_t *b = realloc(p->enq, cap * sizeof(*b));
    if (!b)
        return -1;
    p->enq = b;
    uint64_t *c = realloc(p->ran, cap * sizeof(*c));
    if (!c)
        return -1;
    p->ran = c;
    unsigned *d = realloc(p->cand, cap * sizeof(*d));
    if (!d)
        return -1;
    p->cand = d;
    memset(p->prio + p->n_ids, 0, (cap - p->n_ids) * sizeof(*a));
    memset(p->enq + p->n_ids, 0, (cap - p->n_ids) * sizeof(*b));
    memset(p->ran + p->n_ids, 0, (cap - p->n_ids) * sizeof(*c));
    p->n_ids = cap;
    return 0;
}

static unsigned id_by_name(const xp_pct_t *p, const char *name)
{
    size_t n = sim_thread_count(p->w);
    for (size_t id = n; id >= 1; id--) {
        sim_thread_t *t = sim_thread_by_id(p->w, (unsigned)id);
        if (t && sim_thread_state(t) != SIM_THREAD_DEAD &&
            strcmp(sim_thread_name(t), name) == 0)
            return (unsigned)id;
    }
    return 0;
}

/* Bring the shadow run queue up to date with the trace. */
static int scan(xp_pct_t *p)
{
    size_t n = sim_trace_count(p->w);
    if (ensure_ids(p, sim_thread_count(p->w) + 1) < 0)
        return -1;
    for (; p->scanned < n; p->scanned++) {
        const sim_trace_event_t *e = sim_trace_get(p->w, p->scanned);
        uint64_t mark = e->seq + 1;
        const char *k = e->kind;
        unsigned id = 0;
        if (strcmp(k, "run") == 0) {
            if (e->thread < p->n_ids)
                p->ran[e->thread] = mark;
            continue;
        }
        if (strcmp(k, "spawn") == 0) {
            if (strncmp(e->detail, "id=", 3) == 0 && !strstr(e->detail, "inline"))
                id = (unsigned)strtoul(e->detail + 3, NULL, 10);
        } else if (strcmp(k, "wake") == 0) {
            id = id_by_name(p, e->subject);
        } else if (strcmp(k, "yield") == 0) {
            id = e->thread;
        } else if (strcmp(k, "kill") == 0 &&
                   (strcmp(e->detail, "suspended") == 0 ||
                    strcmp(e->detail, "not-started") == 0)) {
            id = e->thread; /* the killer requeues itself */
            if (e->detail[0] == 'n') {
                unsigned v = id_by_name(p, e->subject);
                if (v && v < p->n_ids)
                    p->enq[v] = 0;
            }
        }
        if (id && id < p->n_ids)
            p->enq[id] = mark;
    }
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
    if (scan(p) == 0) {
        for (unsigned id = 1; id < p->n_ids && id <= sim_thread_count(p->w); id++) {
            if (p->enq[id] <= p->ran[id] || p->enq[id] == 0)
                continue;
            sim_thread_t *t = sim_thread_by_id(p->w, id);
            if (!t || sim_thread_state(t) == SIM_THREAD_DEAD)
                continue;
            /* insertion by enqueue order */
            size_t j = c++;
            while (j > 0 && p->enq[p->cand[j - 1]] > p->enq[id]) {
                p->cand[j] = p->cand[j - 1];
                j--;
            }
            p->cand[j] = id;
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
    p->scanned = 0;
    p->mapped = p->unmapped = 0;
    if (p->n_ids) {
        memset(p->prio, 0, p->n_ids * sizeof(*p->prio));
        memset(p->enq, 0, p->n_ids * sizeof(*p->enq));
        memset(p->ran, 0, p->n_ids * sizeof(*p->ran));
    }
    memset(plan, 0, sizeof(*plan));
    plan->base = SIM_STRATEGY_FIFO;
    plan->seed = p->seed;
    plan->chooser = pct_choose;
    plan->chooser_arg = p;
    plan->attach = pct_attach;
}

void xp_pct_free(xp_pct_t *p)
{
    free(p->prio);
    free(p->enq);
    free(p->ran);
    free(p->cand);
    p->prio = p->enq = p->ran = NULL;
    p->cand = NULL;
    p->n_ids = 0;
}
