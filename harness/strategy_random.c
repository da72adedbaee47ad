/*
 * strategy_random.c - seeded uniform choices (sim's built-in random), the
 * seed helpers every strategy shares, and the strategy names.
 */
#include <string.h>

#include "strategy.h"

static const char *const names[] = {
    [XP_FIFO] = "fifo", [XP_RANDOM] = "random", [XP_PCT] = "pct",
    [XP_DFS] = "dfs",   [XP_PORTFOLIO] = "portfolio",
};

const char *xp_strategy_name(xp_strategy_kind_t k)
{
    return (unsigned)k <= XP_PORTFOLIO ? names[k] : "?";
}

int xp_strategy_parse(const char *name, xp_strategy_kind_t *out)
{
    for (unsigned k = 0; k <= XP_PORTFOLIO; k++)
        if (strcmp(name, names[k]) == 0) {
            *out = (xp_strategy_kind_t)k;
            return 0;
        }
    return -1;
}

uint64_t xp_mix(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Independent of every other run index, so shards and workers agree. */
uint64_t xp_run_seed(uint64_t base, uint64_t run)
{
    uint64_t s = base ^ (run * UINT64_C(0xD1B54A32D192ED03));
    return xp_mix(&s);
}

size_t xp_preemptions(const uint32_t *a, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += a[i] != 0;
    return c;
}

void xp_random_plan(uint64_t seed, xp_plan_t *plan)
{
    memset(plan, 0, sizeof(*plan));
    plan->base = SIM_STRATEGY_RANDOM;
    plan->seed = seed;
}
