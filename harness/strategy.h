/*
 * strategy.h - the exploration strategies' common interface.
 *
 * A strategy turns a run index into a plan: the sim-level strategy to fall
 * back on (fifo or seeded random), an optional forced prefix of answers and
 * an optional chooser (sim_world_set_chooser).  Everything is a pure
 * function of the strategy's parameters and the run index (dfs: of the
 * schedules it was fed so far), so a run can always be regenerated.
 *
 *   fifo       every answer 0: eventlet's order, the reference schedule.
 *   random     seeded, uniform at every enabled choice (sim's own random).
 *   pct        PCT (Burckhardt et al., ASPLOS 2010) with depth d; see
 *              strategy_pct.c for the mapping onto READY choices.
 *   dfs        exhaustive depth-first over the recorded choice tree, with a
 *              preemption bound (strategy_dfs.c).
 *   portfolio  a fixed mix by run index (strategy_portfolio.c).
 *
 * Preemption (dfs bound, shrinking, reports): one enabled choice answered
 * with anything other than 0, i.e. a deviation from eventlet's order: a
 * READY choice that runs a thread other than the head of the run queue, or
 * a non-fifo wake / extension / timer-tie order, or an early timer.
 */
#ifndef CSIM_STRATEGY_H
#define CSIM_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "scn.h"
#include "sim.h"

typedef enum {
    XP_FIFO = 0,
    XP_RANDOM,
    XP_PCT,
    XP_DFS,
    XP_PORTFOLIO,
} xp_strategy_kind_t;

const char *xp_strategy_name(xp_strategy_kind_t k);
int xp_strategy_parse(const char *name, xp_strategy_kind_t *out);

/* How one run is scheduled (the chooser's state belongs to the strategy). */
typedef struct xp_plan {
    sim_strategy_kind_t base; /* SIM_STRATEGY_FIFO or SIM_STRATEGY_RANDOM */
    uint64_t seed;            /* for base random */
    const uint32_t *prefix;   /* forced answers first (NULL = none) */
    size_t n_prefix;
    sim_chooser_cb chooser; /* NULL = base strategy */
    void *chooser_arg;
    void (*attach)(void *arg, sim_world_t *w);
} xp_plan_t;

/* splitmix64 step, and the per-run seed derived from the base seed. */
uint64_t xp_mix(uint64_t *state);
uint64_t xp_run_seed(uint64_t base, uint64_t run);

/* Number of non-zero answers (preemptions) in a + n. */
size_t xp_preemptions(const uint32_t *a, size_t n);

/* ---------------------------------------------------------------- random */

void xp_random_plan(uint64_t seed, xp_plan_t *plan);

/* ---------------------------------------------------------------- pct */

#define XP_PCT_MAX_DEPTH 16

typedef struct xp_pct {
    unsigned depth; /* d >= 1 */
    uint64_t k;     /* estimated number of READY steps (>= 1) */
    uint64_t seed;
    uint64_t change[XP_PCT_MAX_DEPTH]; /* d-1 change points in [0, k) */
    /* per run */
    uint64_t rng, step;
    sim_world_t *w;
    uint64_t *prio;       /* by thread id; 0 = not assigned yet */
    size_t n_ids;
    unsigned *cand;       /* scratch: the candidates' thread ids */
    size_t n_cand_cap;
    uint64_t mapped, unmapped; /* READY choices mapped to threads or not */
} xp_pct_t;

/* Draw the d-1 change points for (d, k, seed): uniform in [0, k),
 * deterministic per seed.  d is clamped to [1, XP_PCT_MAX_DEPTH]. */
void xp_pct_init(xp_pct_t *p, unsigned depth, uint64_t k, uint64_t seed);
/* Reset the per-run state and fill the plan (a chooser). */
void xp_pct_plan(xp_pct_t *p, xp_plan_t *plan);
void xp_pct_free(xp_pct_t *p);

/* ---------------------------------------------------------------- dfs */

typedef struct xp_dfs {
    long bound;        /* preemption bound; < 0 = none */
    size_t n_root;     /* the first n_root answers are fixed (a shard) */
    uint32_t *path;    /* the answers of the next / current schedule */
    uint32_t *width;   /* n of each position, known after a run */
    size_t len, known, cap;
    int started, exhausted;
    uint64_t schedules; /* schedules handed out */
} xp_dfs_t;

/* root: the fixed prefix of this enumeration (NULL/0 = the whole tree). */
int xp_dfs_init(xp_dfs_t *d, long bound, const uint32_t *root, size_t n_root);
/* The next schedule's forced prefix (rest fifo); 1 when the space is
 * exhausted, 0 when *plan was filled, < 0 on OOM.  Feed the run's recorded
 * choices back with xp_dfs_feed before asking again. */
int xp_dfs_next(xp_dfs_t *d, xp_plan_t *plan);
int xp_dfs_feed(xp_dfs_t *d, const scn_choice_t *ch, size_t n);
void xp_dfs_free(xp_dfs_t *d);

/* ---------------------------------------------------------------- portfolio */

/* What portfolio run `run` uses: 0 fifo, then by (run - 1) % 4: random,
 * pct d=1, pct d=2, pct d=3. */
void xp_portfolio_pick(uint64_t run, xp_strategy_kind_t *kind,
                       unsigned *depth);

#endif /* CSIM_STRATEGY_H */
