/*
 * scn_explore.c - the explorer: plans runs from the strategies, runs and
 * checks them, makes their tokens, verifies replay determinism, shrinks
 * failures and finds their critical pair, and replays tokens.
 */
#include <stdlib.h>
#include <string.h>

#include "scn_explore.h"
#include "sim_alloc.h"

#define XP_PCT_CALIBRATION 4 /* random runs after the fifo one that set k */
#define XP_SHRINK_BUDGET 4000 /* replays per shrink */
#define XP_SHRINK_DFS_BUDGET 2000 /* of them, for the bounded search */

typedef struct xp_root {
    uint32_t *a;
    size_t n;
} xp_root_t;

struct xp_explorer {
    const scn_model_t *m;
    const char *variant; /* the preset every run uses */
    uint64_t hash;
    xp_opts_t o;
    unsigned mask;
    uint64_t pct_k;
    xp_pct_t pct;
    /* dfs */
    xp_dfs_t dfs;
    xp_root_t *roots;
    size_t n_roots, cur_root;
    int dfs_ready, dfs_done;
    /* the next dfs schedule, planned ahead by xp_explorer_gen_token */
    xp_plan_t pend;
    int pend_rc, has_pend;
    /* One set of mapped stacks for every run: mapping, guarding and
     * unmapping them per run cost 3/4 of a dfs search's time. */
    sim_stack_pool_t *stacks;
};

void xp_opts_default(xp_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->strategy = XP_PORTFOLIO;
    o->depth = 3;
    o->preemptions = 2;
    o->runs = 1000;
    o->shard_k = o->shard_n = 1;
    o->shrink = 1;
    o->jobs = 1;
}

const char *xp_opts_variant(const scn_model_t *m, const xp_opts_t *o)
{
    if (o->variant)
        return o->variant;
    return m->variant ? m->variant : "current";
}

void xp_run_free(xp_run_t *r)
{
    sim_free(r->choices);
    r->choices = NULL;
    r->n_choices = 0;
    sim_free(r->sometimes);
    r->sometimes = NULL;
}

/* ---------------------------------------------------------------- one run */

typedef struct xp_exec {
    scn_result_t *res;
    scn_verdict_t v;
    int checked;
} xp_exec_t;

static void exec_free(xp_exec_t *e)
{
    if (e->checked)
        scn_verdict_free(&e->v);
    scn_result_free(e->res);
    memset(e, 0, sizeof(*e));
}

static int execute(const scn_model_t *m, const char *variant, unsigned mask,
                   sim_stack_pool_t *stacks, const xp_plan_t *p, xp_exec_t *e)
{
    memset(e, 0, sizeof(*e));
    scn_run_opts_t ro = {0};
    ro.variant = variant;
    ro.stacks = stacks;
    ro.strategy = p->base;
    ro.seed = p->seed;
    ro.choices = mask;
    ro.prefix = p->prefix;
    ro.n_prefix = p->n_prefix;
    ro.chooser = p->chooser;
    ro.chooser_arg = p->chooser_arg;
    ro.attach = p->attach;
    int rc = scn_run(m, &ro, &e->res);
    if (rc < 0)
        return rc;
    rc = scn_check(m, e->res, &e->v);
    if (rc < 0) {
        scn_result_free(e->res);
        e->res = NULL;
        return rc;
    }
    e->checked = 1;
    return 0;
}

static uint64_t schedule_hash(const scn_choice_t *c, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) {
        unsigned char b[5] = {(unsigned char)c[i].answer,
                              (unsigned char)(c[i].answer >> 8),
                              (unsigned char)(c[i].answer >> 16),
                              (unsigned char)(c[i].answer >> 24), c[i].kind};
        for (int k = 0; k < 5; k++) {
            h ^= b[k];
            h *= UINT64_C(0x100000001b3);
        }
    }
    return h;
}

static uint64_t trace_hash(const scn_result_t *r)
{
    char *t = scn_trace_text(r);
    uint64_t h = t ? scn_fnv1a(t, strlen(t)) : 0;
    sim_free(t);
    return h;
}

/* Dense answers up to the last non-zero one. */
static size_t dense_len(const scn_choice_t *c, size_t n)
{
    while (n > 0 && c[n - 1].answer == 0)
        n--;
    return n;
}

static uint32_t *dense(const scn_choice_t *c, size_t n)
{
    uint32_t *a = sim_malloc((n ? n : 1) * sizeof(*a));
    if (a)
        for (size_t i = 0; i < n; i++)
            a[i] = c[i].answer;
    return a;
}

static void token_base(const xp_explorer_t *x, scn_token_t *t)
{
    memset(t, 0, sizeof(*t));
    t->version = 1;
    t->hash = x->hash;
    snprintf(t->variant, sizeof(t->variant), "%s", x->variant);
    t->mask = x->mask;
    t->bound = -1;
}

static void describe_failure(const scn_model_t *m, const xp_exec_t *e,
                             char *exp, size_t n_exp, int *line, char *why,
                             size_t n_why)
{
    exp[0] = why[0] = '\0';
    *line = 0;
    const scn_verdict_t *v = &e->v;
    if (v->kind == SCN_PASS)
        return;
    if (v->failed) {
        *line = v->failed->pos.line;
        snprintf(exp, n_exp, "%s:%d: %s", m->path, v->failed->pos.line,
                 v->failed->text);
    } else {
        /* No expectation to name: a hang, or a FAIL of the run itself (a
         * green thread's stack overflow), which `csim run` words as
         * "run" -- calling it hung would send the reader after a deadlock. */
        snprintf(exp, n_exp, "%s: %s", m->path,
                 v->kind == SCN_HUNG ? "hung" : "run");
    }
    snprintf(why, n_why, "%s", v->why ? v->why : "");
}

/* What run i uses, and its plan.  dfs is handled by the caller. */
static void plan_for(xp_explorer_t *x, uint64_t i, xp_plan_t *plan,
                     scn_token_t *gen)
{
    xp_strategy_kind_t k = x->o.strategy;
    unsigned depth = x->o.depth;
    if (k == XP_PORTFOLIO)
        xp_portfolio_pick(i, &k, &depth);
    token_base(x, gen);
    gen->strategy = k;
    uint64_t seed = xp_run_seed(x->o.seed, i);
    memset(plan, 0, sizeof(*plan));
    if (k == XP_RANDOM) {
        gen->seed = seed;
        xp_random_plan(seed, plan);
    } else if (k == XP_PCT) {
        gen->seed = seed;
        gen->depth = depth;
        gen->k = x->pct_k;
        xp_pct_free(&x->pct);
        xp_pct_init(&x->pct, depth, x->pct_k, seed);
        xp_pct_plan(&x->pct, plan);
    } else {
        gen->strategy = XP_FIFO;
        plan->base = SIM_STRATEGY_FIFO;
    }
}

/* READY decisions of a run: PCT's step count. */
static uint64_t ready_steps(const scn_result_t *r)
{
    uint64_t k = 0;
    for (size_t i = 0; i < r->n_choices; i++)
        k += r->choices[i].kind == SIM_CHOICE_READY;
    return k;
}

/* Calibration run j (0 fifo, then seeded random): its READY steps. */
static int calibration_run(const scn_model_t *m, const char *variant,
                           unsigned mask, sim_stack_pool_t *stacks,
                           uint64_t seed, int j, uint64_t *k)
{
    xp_plan_t p = {0};
    if (j > 0)
        xp_random_plan(xp_run_seed(seed ^ UINT64_C(0xCA11B4A7E), (uint64_t)j), &p);
    xp_exec_t e;
    int rc = execute(m, variant, mask, stacks, &p, &e);
    if (rc < 0)
        return rc;
    *k = ready_steps(e.res);
    exec_free(&e);
    return 0;
}

static int calibrate(xp_explorer_t *x)
{
    x->pct_k = 1;
    for (int j = 0; j <= XP_PCT_CALIBRATION; j++) {
        uint64_t k = 0;
        int rc = calibration_run(x->m, x->variant, x->mask, x->stacks,
                                 x->o.seed, j, &k);
        if (rc < 0)
            return rc;
        if (k > x->pct_k)
            x->pct_k = k;
    }
    return 0;
}

int xp_calibration_runs(void)
{
    return XP_PCT_CALIBRATION + 1;
}

int xp_calibration_run(const scn_model_t *m, const xp_opts_t *o, int j,
                       uint64_t *k)
{
    unsigned mask = o->choices ? o->choices
                               : (m->explore_choices ? m->explore_choices
                                                     : SIM_CHOICES_DEFAULT);
    return calibration_run(m, xp_opts_variant(m, o), mask, NULL, o->seed, j, k);
}

/* dfs shards: the tree split at the shallowest depth with >= N nodes
 * (schedules that end above it are nodes too); shard K takes nodes
 * K-1, K-1+N, ... in tree order. */
static int build_roots(xp_explorer_t *x)
{
    size_t n = 1, cap = 1;
    xp_root_t *nodes = sim_calloc(1, sizeof(*nodes));
    if (!nodes)
        return SCN_ENOMEM;
    int rc = 0;
    while (x->o.shard_n > 1 && n < x->o.shard_n) {
        xp_root_t *next = NULL;
        size_t nn = 0, ncap = 0;
        int grew = 0;
        for (size_t j = 0; j < n && rc == 0; j++) {
            xp_plan_t p = {0};
            p.prefix = nodes[j].a;
            p.n_prefix = nodes[j].n;
            xp_exec_t e;
            rc = execute(x->m, x->variant, x->mask, x->stacks, &p, &e);
            if (rc < 0)
                break;
            size_t len = nodes[j].n;
            unsigned width = e.res->n_choices > len ? e.res->choices[len].n : 0;
            size_t used = xp_preemptions(nodes[j].a, len);
            exec_free(&e);
            unsigned kids = width ? width : 1;
            for (unsigned a = 0; a < kids; a++) {
                if (width && a > 0 && x->o.preemptions >= 0 &&
                    (long)used + 1 > x->o.preemptions)
                    break;
                if (nn == ncap) {
                    ncap = ncap ? ncap * 2 : 16;
                    xp_root_t *g = sim_realloc(next, ncap * sizeof(*g));
                    if (!g) {
                        rc = SCN_ENOMEM;
                        break;
                    }
                    next = g;
                }
                xp_root_t *c = &next[nn++];
                c->n = len + (width ? 1 : 0);
                c->a = sim_malloc((c->n ? c->n : 1) * sizeof(*c->a));
                if (!c->a) {
                    rc = SCN_ENOMEM;
                    nn--;
                    break;
                }
                if (len)
                    memcpy(c->a, nodes[j].a, len * sizeof(*c->a));
                if (width) {
                    c->a[len] = a;
                    grew = 1;
                }
            }
        }
        for (size_t j = 0; j < n; j++)
            sim_free(nodes[j].a);
        sim_free(nodes);
        nodes = next;
        n = nn;
        (void)cap;
        if (rc < 0 || !grew)
            break;
    }
    if (rc < 0) {
        for (size_t j = 0; j < n; j++)
            sim_free(nodes[j].a);
        sim_free(nodes);
        return rc;
    }
    /* keep this shard's nodes */
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        if (j % x->o.shard_n == x->o.shard_k - 1)
            nodes[k++] = nodes[j];
        else
            sim_free(nodes[j].a);
    }
    x->roots = nodes;
    x->n_roots = k;
    return 0;
}

int xp_explorer_new(const scn_model_t *m, const char *bytes, size_t n_bytes,
                    const xp_opts_t *o, xp_explorer_t **out)
{
    *out = NULL;
    xp_explorer_t *x = sim_calloc(1, sizeof(*x));
    if (!x)
        return SCN_ENOMEM;
    x->m = m;
    x->o = *o;
    x->variant = xp_opts_variant(m, o);
    if (!x->o.shard_n)
        x->o.shard_k = x->o.shard_n = 1;
    x->hash = scn_content_hash(bytes, n_bytes);
    x->mask = o->choices ? o->choices
                         : (m->explore_choices ? m->explore_choices
                                               : SIM_CHOICES_DEFAULT);
    x->pct_k = 1;
    int rc = sim_stack_pool_new(0, &x->stacks) < 0 ? SCN_ENOMEM : 0;
    if (rc == 0 && (o->strategy == XP_PCT || o->strategy == XP_PORTFOLIO)) {
        if (o->pct_k)
            x->pct_k = o->pct_k;
        else
            rc = calibrate(x);
    }
    if (rc == 0 && o->strategy == XP_DFS)
        rc = build_roots(x);
    if (rc < 0) {
        xp_explorer_free(x);
        return rc;
    }
    *out = x;
    return 0;
}

void xp_explorer_free(xp_explorer_t *x)
{
    if (!x)
        return;
    xp_pct_free(&x->pct);
    xp_dfs_free(&x->dfs);
    for (size_t j = 0; j < x->n_roots; j++)
        sim_free(x->roots[j].a);
    sim_free(x->roots);
    if (x->stacks)
        sim_stack_pool_free(x->stacks);
    sim_free(x);
}

int xp_explorer_exhausted(const xp_explorer_t *x)
{
    return x->dfs_done;
}

/* The next dfs schedule over this shard's roots; 1 when exhausted. */
static int dfs_plan(xp_explorer_t *x, xp_plan_t *plan)
{
    for (;;) {
        if (x->cur_root >= x->n_roots) {
            x->dfs_done = 1;
            return 1;
        }
        if (!x->dfs_ready) {
            xp_dfs_free(&x->dfs);
            const xp_root_t *r = &x->roots[x->cur_root];
            if (xp_dfs_init(&x->dfs, x->o.preemptions, r->a, r->n) < 0)
                return SCN_ENOMEM;
            x->dfs_ready = 1;
        }
        int rc = xp_dfs_next(&x->dfs, plan);
        if (rc <= 0)
            return rc;
        x->dfs_ready = 0;
        x->cur_root++;
    }
}

/* The next dfs plan: the one planned ahead, else a new one. */
static int dfs_take(xp_explorer_t *x, xp_plan_t *plan)
{
    if (x->has_pend) {
        x->has_pend = 0;
        *plan = x->pend;
        return x->pend_rc;
    }
    return dfs_plan(x, plan);
}

int xp_explorer_skip(xp_explorer_t *x, uint64_t i)
{
    (void)i;
    if (x->o.strategy != XP_DFS)
        return 0;
    xp_plan_t p;
    int rc = dfs_take(x, &p);
    if (rc != 0)
        return rc;
    /* A leaf: nothing below its forced prefix is known, its siblings are. */
    x->dfs.known = x->dfs.len;
    return 0;
}

void xp_explorer_gen_token(xp_explorer_t *x, uint64_t i, char *buf, size_t n)
{
    scn_token_t t;
    if (x->o.strategy == XP_DFS) {
        if (!x->has_pend) {
            x->pend_rc = dfs_plan(x, &x->pend);
            x->has_pend = 1;
        }
        token_base(x, &t);
        t.strategy = XP_DFS;
        t.bound = x->o.preemptions;
        t.run = i;
        if (x->pend_rc != 0) {
            if (n)
                buf[0] = '\0';
            return;
        }
        /* The forced prefix, the rest fifo: exactly this run, in any shard. */
        size_t k = x->pend.n_prefix;
        while (k > 0 && x->pend.prefix[k - 1] == 0)
            k--;
        t.explicit_seq = 1;
        t.answers = (uint32_t *)x->pend.prefix;
        t.n_answers = k;
        if (scn_token_format(&t, buf, n) >= 0)
            return;
        t.explicit_seq = 0; /* too long: the (unsharded) index */
        t.answers = NULL;
        t.n_answers = 0;
    } else {
        xp_plan_t p;
        plan_for(x, i, &p, &t);
    }
    if (scn_token_format(&t, buf, n) < 0 && n)
        buf[0] = '\0';
}

static void first_divergence(const scn_result_t *a, const scn_result_t *b,
                             char *msg, size_t n)
{
    size_t na = a->n_events, nb = b->n_events, i = 0;
    for (; i < na && i < nb; i++) {
        const scn_event_t *x = &a->events[i], *y = &b->events[i];
        if (x->time != y->time || x->thread != y->thread ||
            x->step != y->step || strcmp(x->kind, y->kind) ||
            strcmp(x->subject, y->subject) || strcmp(x->detail, y->detail))
            break;
    }
    const scn_event_t *x = i < na ? &a->events[i] : NULL;
    const scn_event_t *y = i < nb ? &b->events[i] : NULL;
    snprintf(msg, n,
             "first divergent event #%zu: first run `%s %s %s` (thread %u), "
             "replay `%s %s %s` (thread %u)",
             i, x ? x->kind : "(end)", x ? x->subject : "",
             x ? x->detail : "", x ? x->thread : 0, y ? y->kind : "(end)",
             y ? y->subject : "", y ? y->detail : "", y ? y->thread : 0);
}

int xp_explorer_run(xp_explorer_t *x, uint64_t i, xp_run_t *r)
{
    memset(r, 0, sizeof(*r));
    r->index = i;
    xp_plan_t plan;
    scn_token_t gen;
    if (x->o.strategy == XP_DFS) {
        int rc = dfs_take(x, &plan);
        if (rc != 0)
            return rc;
        token_base(x, &gen);
        gen.strategy = XP_DFS;
        gen.bound = x->o.preemptions;
        gen.run = i;
    } else {
        plan_for(x, i, &plan, &gen);
    }
    xp_exec_t e;
    int rc = execute(x->m, x->variant, x->mask, x->stacks, &plan, &e);
    if (rc < 0)
        return rc;
    if (x->o.strategy == XP_DFS &&
        xp_dfs_feed(&x->dfs, e.res->choices, e.res->n_choices) < 0) {
        exec_free(&e);
        return SCN_ENOMEM;
    }
    r->verdict = e.v.kind;
    r->schedule = schedule_hash(e.res->choices, e.res->n_choices);
    r->decisions = e.res->n_choices;
    r->steps = e.res->end_steps;
    describe_failure(x->m, &e, r->expectation, sizeof(r->expectation),
                     &r->exp_line, r->why, sizeof(r->why));
    r->sometimes = xp_sometimes_bits(&e.v);
    if (e.v.sometimes && !r->sometimes) {
        exec_free(&e);
        return SCN_ENOMEM;
    }
    if (scn_token_format(&gen, r->gen_token, sizeof(r->gen_token)) < 0)
        r->gen_token[0] = '\0';
    scn_token_t t = gen;
    t.explicit_seq = 1;
    t.n_answers = dense_len(e.res->choices, e.res->n_choices);
    t.answers = dense(e.res->choices, t.n_answers);
    if (!t.answers || scn_token_format(&t, r->token, sizeof(r->token)) < 0)
        memcpy(r->token, r->gen_token, sizeof(r->token));
    sim_free(t.answers);
    r->n_choices = e.res->n_choices;
    r->choices = sim_malloc((r->n_choices ? r->n_choices : 1) * sizeof(*r->choices));
    if (!r->choices) {
        exec_free(&e);
        xp_run_free(r);
        return SCN_ENOMEM;
    }
    if (r->n_choices)
        memcpy(r->choices, e.res->choices, r->n_choices * sizeof(*r->choices));
    if (x->o.verify) {
        /* The second run replays the recorded sequence, as a token does. */
        r->trace_hash = trace_hash(e.res);
        uint32_t *all = dense(r->choices, r->n_choices);
        xp_plan_t p2 = {0};
        p2.prefix = all;
        p2.n_prefix = r->n_choices;
        xp_exec_t e2;
        rc = all ? execute(x->m, x->variant, x->mask, x->stacks, &p2, &e2) : SCN_ENOMEM;
        sim_free(all);
        if (rc < 0) {
            exec_free(&e);
            xp_run_free(r);
            return rc;
        }
        if (trace_hash(e2.res) != r->trace_hash) {
            r->verify_failed = 1;
            first_divergence(e.res, e2.res, r->verify_msg, sizeof(r->verify_msg));
        }
        exec_free(&e2);
    }
    exec_free(&e);
    return 0;
}

/* Run the schedule `a` (n forced answers, the rest fifo). */
static int execute_prefix(const xp_explorer_t *x, const uint32_t *a, size_t n,
                          xp_exec_t *e)
{
    xp_plan_t p = {0};
    p.prefix = a;
    p.n_prefix = n;
    return execute(x->m, x->variant, x->mask, x->stacks, &p, e);
}

/* ---------------------------------------------------------------- shrink */

typedef struct shrink_cx {
    xp_explorer_t *x;
    const scn_expect_t *target; /* NULL: the run hung */
    int replays;
} shrink_cx_t;

/* Does the plan's run fail the same way?  On yes, *rec gets the run's
 * dense recorded answers (malloc'ed).  feed: a dfs enumeration to hand the
 * run's choices to (NULL: none). */
static int plan_fails(shrink_cx_t *c, const xp_plan_t *p, uint32_t **rec,
                      size_t *n_rec, xp_dfs_t *feed, int *err)
{
    if (c->replays >= XP_SHRINK_BUDGET)
        return 0;
    c->replays++;
    xp_exec_t e;
    if (execute(c->x->m, c->x->variant, c->x->mask, c->x->stacks, p, &e) < 0) {
        if (err)
            *err = 1;
        return 0;
    }
    int same = 0;
    if (c->target == NULL) {
        same = e.v.kind == SCN_HUNG;
    } else if (e.v.kind != SCN_PASS) {
        for (size_t i = 0; i < e.v.n_failures; i++)
            if (e.v.failures[i].x == c->target)
                same = 1;
    }
    if (feed && xp_dfs_feed(feed, e.res->choices, e.res->n_choices) < 0 && err)
        *err = 1;
    if (same && rec) {
        *n_rec = dense_len(e.res->choices, e.res->n_choices);
        *rec = dense(e.res->choices, *n_rec);
        if (!*rec)
            same = 0;
    }
    exec_free(&e);
    return same;
}

/* Does the schedule `a` (rest fifo) still fail the same way? */
static int still_fails(shrink_cx_t *c, const uint32_t *a, size_t n,
                       uint32_t **rec, size_t *n_rec)
{
    xp_plan_t p = {0};
    p.prefix = a;
    p.n_prefix = n;
    return plan_fails(c, &p, rec, n_rec, NULL, NULL);
}

/* Whether (a, n) is a strictly smaller schedule than (b, m): fewer
 * preemptions, then shorter. */
static int smaller(const uint32_t *a, size_t n, const uint32_t *b, size_t m)
{
    size_t pa = xp_preemptions(a, n), pb = xp_preemptions(b, m);
    return pa < pb || (pa == pb && n < m);
}

/* Try the candidate; when it still fails and its recorded schedule is
 * smaller, it becomes *cur.  1 when it did. */
static int try_candidate(shrink_cx_t *c, uint32_t **cur, size_t *n,
                         const uint32_t *cand, size_t nc)
{
    uint32_t *rec = NULL;
    size_t nr = 0;
    if (!still_fails(c, cand, nc, &rec, &nr))
        return 0;
    if (!smaller(rec, nr, *cur, *n)) {
        sim_free(rec);
        return 0;
    }
    sim_free(*cur);
    *cur = rec;
    *n = nr;
    return 1;
}

/* One removal step: for each preemption, last first, try the schedule cut
 * just before it (it and every later choice fifo), then the schedule with
 * only it zeroed.  1 when one still failed (and *cur is smaller). */
static int remove_one(shrink_cx_t *c, uint32_t **cur, size_t *n)
{
    uint32_t *cand = sim_malloc((*n ? *n : 1) * sizeof(*cand));
    if (!cand)
        return 0;
    int done = 0;
    for (size_t j = *n; !done && j-- > 0;) {
        if ((*cur)[j] == 0)
            continue;
        memcpy(cand, *cur, *n * sizeof(*cand));
        if (try_candidate(c, cur, n, cand, j)) {
            done = 1;
            break;
        }
        cand[j] = 0;
        if (try_candidate(c, cur, n, cand, *n))
            done = 1;
    }
    sim_free(cand);
    return done;
}

/* Lower each answer to the smallest that still fails (same preemptions,
 * same length).  1 when anything changed. */
static int lower_answers(shrink_cx_t *c, uint32_t **cur, size_t *n)
{
    int changed = 0;
    for (size_t j = 0; j < *n; j++) {
        for (uint32_t a = 1; a < (*cur)[j]; a++) {
            uint32_t keep = (*cur)[j];
            (*cur)[j] = a;
            uint32_t *rec = NULL;
            size_t nr = 0;
            if (still_fails(c, *cur, *n, &rec, &nr) && nr == *n &&
                xp_preemptions(rec, nr) <= xp_preemptions(*cur, *n)) {
                sim_free(*cur);
                *cur = rec;
                changed = 1;
                break;
            }
            sim_free(rec);
            (*cur)[j] = keep;
        }
    }
    return changed;
}

/* Greedy removal to a fixpoint: no single preemption can be removed (cut
 * or zeroed) with the failure kept; answers lowered in between. */
static void greedy_fixpoint(shrink_cx_t *c, uint32_t **cur, size_t *n)
{
    for (;;) {
        while (c->replays < XP_SHRINK_BUDGET && remove_one(c, cur, n))
            ;
        if (c->replays >= XP_SHRINK_BUDGET || !lower_answers(c, cur, n))
            return;
    }
}

/* A greedy fixpoint can be a local minimum (two preemptions that are
 * only needed together).  Search the schedules with fewer preemptions
 * depth-first (bound 0, 1, ... below the current count) within a budget;
 * the first that fails the same way becomes *cur.  1 when one did. */
static int bounded_search(shrink_cx_t *c, uint32_t **cur, size_t *n)
{
    size_t have = xp_preemptions(*cur, *n);
    int start = c->replays;
    for (size_t b = 0; b < have; b++) {
        xp_dfs_t d;
        if (xp_dfs_init(&d, (long)b, NULL, 0) < 0)
            return 0;
        int found = 0, err = 0;
        while (!found && !err && c->replays - start < XP_SHRINK_DFS_BUDGET &&
               c->replays < XP_SHRINK_BUDGET) {
            xp_plan_t q;
            if (xp_dfs_next(&d, &q) != 0)
                break;
            uint32_t *rec = NULL;
            size_t nr = 0;
            if (plan_fails(c, &q, &rec, &nr, &d, &err)) {
                if (smaller(rec, nr, *cur, *n)) {
                    sim_free(*cur);
                    *cur = rec;
                    *n = nr;
                    found = 1;
                } else {
                    sim_free(rec);
                }
            }
        }
        xp_dfs_free(&d);
        if (found)
            return 1;
        if (err || c->replays - start >= XP_SHRINK_DFS_BUDGET)
            return 0;
    }
    return 0;
}

static int is_lifecycle(const char *k)
{
    return strcmp(k, "call") == 0 || strcmp(k, "log") == 0 ||
           strcmp(k, "state") == 0 || strcmp(k, "worker") == 0 ||
           strcmp(k, "step") == 0;
}

static void ev_label(const scn_event_t *e, char *buf, size_t n)
{
    snprintf(buf, n, "%s %s%s%s", e->kind, e->subject, e->detail[0] ? " " : "",
             e->detail);
}

static size_t next_lc(const scn_result_t *r, size_t i)
{
    while (i < r->n_events && !is_lifecycle(r->events[i].kind))
        i++;
    return i;
}

/* The first lifecycle event where the failing and the passing traces
 * part: `a` (failing) came before `b`, which the passing run had there.
 * *at_fail / *at_pass: the indices of a in fail and of b in pass
 * (n_events of the trace that has none there). */
static void critical_pair(const scn_result_t *fail, const scn_result_t *pass,
                          char *out, size_t n, size_t *at_fail,
                          size_t *at_pass)
{
    size_t i = next_lc(fail, 0), j = next_lc(pass, 0);
    char a[200], b[200];
    out[0] = '\0';
    for (;;) {
        int ef = i >= fail->n_events, ep = j >= pass->n_events;
        *at_fail = i;
        *at_pass = j;
        if (ef && ep)
            return;
        if (ef || ep) {
            ev_label(ef ? &pass->events[j] : &fail->events[i], a, sizeof(a));
            snprintf(out, n, "`%s` only in the %s run", a,
                     ef ? "passing" : "failing");
            return;
        }
        ev_label(&fail->events[i], a, sizeof(a));
        ev_label(&pass->events[j], b, sizeof(b));
        if (strcmp(a, b) != 0) {
            snprintf(out, n, "`%s` before `%s`", a, b);
            return;
        }
        i = next_lc(fail, i + 1);
        j = next_lc(pass, j + 1);
    }
}

/* The critical pair: the failing run against the same schedule without
 * its last preemption (cut there, the rest fifo); when that run does not
 * pass (it fails another expectation), against the first schedule, last
 * preemption first, that passes without one of the others, which the
 * text names.  "" when no schedule one preemption away passes. */
static void critical_against_pass(shrink_cx_t *c, const uint32_t *cur, size_t n,
                                  const scn_result_t *fail, char *out,
                                  size_t n_out, xp_critical_t *keep)
{
    size_t at_fail = 0, at_pass = 0;
    out[0] = '\0';
    size_t total = xp_preemptions(cur, n), k = total;
    uint32_t *cand = sim_malloc((n ? n : 1) * sizeof(*cand));
    if (!cand)
        return;
    for (size_t j = n; !out[0] && j-- > 0;) {
        if (cur[j] == 0)
            continue;
        for (int form = 0; form < 2 && !out[0]; form++) {
            /* form 0: cut before j; 1: zero only j */
            memcpy(cand, cur, n * sizeof(*cand));
            cand[j] = 0;
            xp_exec_t ep;
            if (execute_prefix(c->x, cand, form == 0 ? j : n, &ep) < 0)
                continue;
            c->replays++;
            if (ep.v.kind == SCN_PASS) {
                critical_pair(fail, ep.res, out, n_out, &at_fail, &at_pass);
                if (out[0] && k != total)
                    snprintf(out + strlen(out), n_out - strlen(out),
                             " (against the run without preemption %zu of %zu)",
                             k, total);
                if (out[0] && keep) {
                    keep->fail_at = at_fail;
                    keep->pass_at = at_pass;
                    keep->pass = ep.res;
                    ep.res = NULL;
                }
            }
            exec_free(&ep);
        }
        k--;
    }
    sim_free(cand);
}

int xp_shrink(xp_explorer_t *x, const xp_run_t *r, xp_shrunk_t *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->token, sizeof(s->token), "%s", r->token);
    s->verdict = r->verdict;
    snprintf(s->expectation, sizeof(s->expectation), "%s", r->expectation);
    s->exp_line = r->exp_line;
    size_t n = dense_len(r->choices, r->n_choices);
    uint32_t *cur = dense(r->choices, n);
    if (!cur)
        return SCN_ENOMEM;
    s->from_preemptions = s->preemptions = xp_preemptions(cur, n);

    /* The failed expectation to keep failing. */
    shrink_cx_t c = {.x = x};
    {
        xp_exec_t e;
        int rc = execute_prefix(x, cur, n, &e);
        if (rc < 0) {
            sim_free(cur);
            return rc;
        }
        c.replays++;
        if (e.v.kind == SCN_PASS) {
            s->verdict = SCN_PASS;
            exec_free(&e);
            sim_free(cur);
            return c.replays;
        }
        c.target = e.v.kind == SCN_HUNG ? NULL : e.v.failed;
        exec_free(&e);
    }
    /* 1. fewest preemptions: remove one preemption at a time (cut the
     * schedule before it, or zero just it) while the same expectation
     * still fails, lowering the remaining answers in between, to a
     * fixpoint; 2. when more than one preemption is left, look for a
     * schedule with fewer (bounded dfs) and shrink that to its fixpoint. */
    greedy_fixpoint(&c, &cur, &n);
    while (xp_preemptions(cur, n) > 1 && c.replays < XP_SHRINK_BUDGET &&
           bounded_search(&c, &cur, &n))
        greedy_fixpoint(&c, &cur, &n);
    /* Re-check, then the critical pair against the schedule without its
     * last preemption. */
    xp_exec_t ef;
    int rc = execute_prefix(x, cur, n, &ef);
    if (rc < 0) {
        sim_free(cur);
        return rc;
    }
    c.replays++;
    s->verdict = ef.v.kind;
    describe_failure(x->m, &ef, s->expectation, sizeof(s->expectation),
                     &s->exp_line, (char[8]){0}, 1);
    if (ef.v.kind != SCN_PASS) {
        s->preemptions = xp_preemptions(cur, n);
        scn_token_t t;
        token_base(x, &t);
        if (scn_token_parse(r->token, &t, NULL, 0) == 0) {
            /* keep the strategy and seed of the run that found it */
            scn_token_free(&t);
        } else {
            token_base(x, &t);
        }
        t.explicit_seq = 1;
        t.answers = cur;
        t.n_answers = n;
        char buf[SCN_TOKEN_MAX + 1];
        if (scn_token_format(&t, buf, sizeof(buf)) >= 0)
            snprintf(s->token, sizeof(s->token), "%s", buf);
        critical_against_pass(&c, cur, n, ef.res, s->critical,
                              sizeof(s->critical), NULL);
    }
    exec_free(&ef);
    sim_free(cur);
    return c.replays;
}

int xp_critical(xp_explorer_t *x, const scn_result_t *fail, xp_critical_t *cp)
{
    memset(cp, 0, sizeof(*cp));
    cp->fail_at = fail->n_events;
    size_t n = dense_len(fail->choices, fail->n_choices);
    uint32_t *cur = dense(fail->choices, n);
    if (!cur)
        return SCN_ENOMEM;
    shrink_cx_t c = {.x = x};
    critical_against_pass(&c, cur, n, fail, cp->text, sizeof(cp->text), cp);
    sim_free(cur);
    return 0;
}

void xp_critical_free(xp_critical_t *cp)
{
    scn_result_free(cp->pass);
    cp->pass = NULL;
}

/* ---------------------------------------------------------------- replay */

int xp_replay(const scn_model_t *m, const char *bytes, size_t n_bytes,
              const scn_token_t *t, int continue_random, int *drifted,
              scn_result_t **res, scn_verdict_t *v)
{
    *res = NULL;
    *drifted = scn_content_hash(bytes, n_bytes) != t->hash;
    if (*drifted && !continue_random)
        return SCN_EIO;
    xp_plan_t p = {0};
    xp_pct_t pct;
    memset(&pct, 0, sizeof(pct));
    xp_dfs_t dfs;
    memset(&dfs, 0, sizeof(dfs));
    uint32_t *path = NULL;
    int rc = 0;
    if (t->explicit_seq) {
        p.prefix = t->answers;
        p.n_prefix = t->n_answers;
        if (*drifted) {
            p.base = SIM_STRATEGY_RANDOM;
            p.seed = t->seed;
        }
    } else if (t->strategy == XP_RANDOM) {
        xp_random_plan(t->seed, &p);
    } else if (t->strategy == XP_PCT) {
        xp_pct_init(&pct, t->depth, t->k, t->seed);
        xp_pct_plan(&pct, &p);
    } else if (t->strategy == XP_DFS) {
        /* regenerate: enumerate the (unsharded) tree up to the index */
        rc = xp_dfs_init(&dfs, t->bound, NULL, 0);
        for (uint64_t i = 0; rc == 0; i++) {
            xp_plan_t q;
            rc = xp_dfs_next(&dfs, &q);
            if (rc != 0)
                break;
            if (i == t->run) {
                path = sim_malloc((q.n_prefix ? q.n_prefix : 1) * sizeof(*path));
                if (!path) {
                    rc = SCN_ENOMEM;
                    break;
                }
                if (q.n_prefix)
                    memcpy(path, q.prefix, q.n_prefix * sizeof(*path));
                p.prefix = path;
                p.n_prefix = q.n_prefix;
                break;
            }
            xp_exec_t e;
            rc = execute(m, t->variant, t->mask, NULL, &q, &e);
            if (rc == 0) {
                rc = xp_dfs_feed(&dfs, e.res->choices, e.res->n_choices);
                exec_free(&e);
            }
        }
        if (rc == 1)
            rc = SCN_EIO; /* the index is past the end of the space */
    }
    if (rc == 0) {
        xp_exec_t e;
        rc = execute(m, t->variant, t->mask, NULL, &p, &e);
        if (rc == 0) {
            *res = e.res;
            *v = e.v;
        }
    }
    sim_free(path);
    xp_dfs_free(&dfs);
    xp_pct_free(&pct);
    return rc;
}
