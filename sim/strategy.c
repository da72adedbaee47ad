/*
 * strategy.c - the single choice point and the built-in strategies.
 *
 * fifo answers 0 (eventlet's own order); random draws from a splitmix64
 * stream seeded by the config, so a (program, seed) pair always gives the
 * same schedule.  A replay prefix and a custom chooser sit in front of the
 * strategy.  Every answer with n > 1 is recorded: the sequence is the
 * schedule.
 */
#include "sched-internal.h"

#include <string.h>

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void sim__strategy_init(sim_world_t *w)
{
    w->rng = w->cfg.seed;
}

int sim__choices_reserve(sim_world_t *w, size_t need)
{
    size_t cap = w->choices_cap;

    if (need <= cap)
        return 0;
    if (sim__grow((void **)&w->choice_meta, &cap, need,
                  sizeof *w->choice_meta, 256) < 0)
        return SIM_ENOMEM;
    return sim__grow((void **)&w->choices, &w->choices_cap, need,
                     sizeof *w->choices, 256);
}

unsigned sim_choose(sim_world_t *w, sim_choice_kind_t kind, unsigned n)
{
    unsigned a;

    if (n <= 1 || !(w->cfg.choices & SIM_CHOICE_BIT(kind)))
        return 0;
    if (w->prefix_pos < w->prefix_len) {
        a = w->prefix[w->prefix_pos++];
    } else if (w->chooser != NULL) {
        a = w->chooser(w->chooser_arg, kind, n);
    } else if (w->cfg.strategy == SIM_STRATEGY_RANDOM) {
        /* Multiply-shift maps 32 random bits onto [0, n) without division;
         * its bias is below 2^-32 * n, irrelevant for scheduling. */
        a = (unsigned)(((splitmix64(&w->rng) >> 32) * (uint64_t)n) >> 32);
    } else {
        a = 0;
    }
    if (a >= n)
        a = n - 1;
    if (SIM_UNLIKELY(w->nchoices == w->choices_cap)) {
        if (sim__choices_reserve(w, w->nchoices + 1) < 0) {
            w->trace_lost = 1;
            return a;
        }
    }
    w->choice_meta[w->nchoices] = n << 8 | (unsigned)kind;
    w->choices[w->nchoices++] = a;
    return a;
}

int sim_choice_info(const sim_world_t *w, size_t i, sim_choice_kind_t *kind,
                    unsigned *n)
{
    if (w == NULL || i >= w->nchoices)
        return SIM_EINVAL;
    if (kind != NULL)
        *kind = (sim_choice_kind_t)(w->choice_meta[i] & 0xff);
    if (n != NULL)
        *n = w->choice_meta[i] >> 8;
    return 0;
}

size_t sim_choices(const sim_world_t *w, const uint32_t **answers)
{
    if (answers != NULL)
        *answers = w->choices;
    return w->nchoices;
}

void sim_world_set_chooser(sim_world_t *w, sim_chooser_cb cb, void *arg)
{
    w->chooser = cb;
    w->chooser_arg = arg;
}

int sim_world_set_prefix(sim_world_t *w, const uint32_t *answers, size_t n)
{
    uint32_t *copy = NULL;

    if (n > 0) {
        if (answers == NULL)
            return SIM_EINVAL;
        copy = sim__arena_alloc(&w->arena, n * sizeof *copy);
        if (copy == NULL)
            return SIM_ENOMEM;
        memcpy(copy, answers, n * sizeof *copy);
    }
    w->prefix = copy;
    w->prefix_len = n;
    w->prefix_pos = 0;
    return 0;
}
