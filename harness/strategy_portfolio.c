/*
 * strategy_portfolio.c - explore's default: a fixed mix by run index, so
 * run i is the same schedule whichever worker or shard runs it.  Run 0 is
 * fifo (the reference schedule: a scenario that fails as staged fails at
 * once); then, cycling by (i - 1) % 4: random, pct d=1 (random thread
 * priorities, no change point), pct d=2, pct d=3.  dfs is not part of the
 * mix: its schedules depend on the ones before it, which would tie run i to
 * runs 0..i-1.
 */
#include "strategy.h"

void xp_portfolio_pick(uint64_t run, xp_strategy_kind_t *kind,
                       unsigned *depth)
{
    *depth = 0;
    if (run == 0) {
        *kind = XP_FIFO;
        return;
    }
    unsigned r = (unsigned)((run - 1) % 4);
    if (r == 0) {
        *kind = XP_RANDOM;
    } else {
        *kind = XP_PCT;
        *depth = r;
    }
}
