/*
 * bench_power.c - finding power: how often one run of `pct` (depth d) and
 * one run of `random` hit a bug of known depth d, next to PCT's bound.
 *
 * PCT (Burckhardt et al., ASPLOS 2010) guarantees that ONE run finds a bug
 * of depth d with probability at least 1/(n k^(d-1)), n threads, k steps.
 * The probes (bench/probes/depthD.scn) are scenarios whose expectation
 * fails only under d specific ordering constraints; each file says why its
 * depth is d.  For each probe this program
 *
 *   - runs pct's calibration exactly as `csim explore` does
 *     (xp_calibration_run: the fifo run, then 4 seeded random runs; the
 *     estimate k is the largest READY-step count, at least 1);
 *   - runs R schedules of pct --depth d, of pct --depth d-1 (the depth
 *     check: should be ~0) and of random, in-process through the explorer
 *     (xp_explorer_new / xp_explorer_run: the code path of `csim explore
 *     --in-process`), base seed S, and counts the runs that do not pass;
 *   - measures n, the threads that took part in READY choices (a chooser
 *     that wraps pct's own and asks sim_ready_at for every candidate), over
 *     the fifo run and the same R pct runs (their plans rebuilt as the
 *     explorer builds them; their verdicts must equal the explorer's), and
 *     the largest READY-step count of those runs (PCT's k assumes no run
 *     has more);
 *   - prints one table row.
 *
 * The bound uses k = pct's calibrated estimate (the k its change points
 * are drawn from), not the fifo count.  Everything is a function of
 * (probe, R, S): `csim explore FILE --strategy pct --depth d --runs R
 * --seed S --until all --no-shrink` reports the same failure count.
 *
 * Usage: bench_power [--runs R] [--seed S] [--probes DIR]
 * Exit: 0; 1 when a probe does not pass under fifo, a verdict differs from
 * the explorer's, or pct is below its bound by more than 3 standard errors;
 * 2 on usage / scenario errors.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "scn.h"
#include "scn_explore.h"
#include "sim.h"
#include "strategy.h"

#ifndef BENCH_PROBE_DIR
#define BENCH_PROBE_DIR "bench/probes"
#endif

/* ways: how many tuples of READY steps for pct's d-1 change points hit
 * the bug (the file's comment derives it): given the right initial
 * priority order, pct hits with probability ways / k^(d-1), so exactly
 * ways x the bound when n = 2 and every such step is below k. */
typedef struct probe {
    const char *file;
    unsigned depth;
    unsigned ways;
} probe_t;

static const probe_t probes[] = {
    {"depth1.scn", 1, 1},
    {"depth2.scn", 2, 3},
    {"depth3.scn", 3, 4},
};
#define N_PROBES (sizeof probes / sizeof probes[0])

/* ---------------------------------------------------------------- the tap */

/* Wraps a plan's chooser (NULL = fifo) and records, at every READY choice,
 * which threads were candidates. */
typedef struct tap {
    xp_plan_t inner;
    sim_world_t *w;
    unsigned char seen[256]; /* by thread id */
    unsigned max_id;
    uint64_t ready;    /* READY choices of the current run */
    uint64_t unmapped; /* candidates sim_ready_at could not name */
} tap_t;

static unsigned tap_choose(void *arg, sim_choice_kind_t kind, unsigned n)
{
    tap_t *t = arg;

    if (kind == SIM_CHOICE_READY && t->w != NULL) {
        t->ready++;
        for (unsigned i = 0; i < n; i++) {
            sim_thread_t *th = sim_ready_at(t->w, i);
            unsigned id = th != NULL ? sim_thread_id(th) : 0;
            if (th == NULL || id >= sizeof t->seen) {
                t->unmapped++;
                continue;
            }
            t->seen[id] = 1;
            if (id > t->max_id)
                t->max_id = id;
        }
    }
    if (t->inner.chooser == NULL)
        return 0; /* fifo */
    return t->inner.chooser(t->inner.chooser_arg, kind, n);
}

static void tap_attach(void *arg, sim_world_t *w)
{
    tap_t *t = arg;

    t->w = w;
    if (t->inner.attach != NULL)
        t->inner.attach(t->inner.chooser_arg, w);
}

/* One run under the tap; *verdict gets its verdict.  < 0 on error. */
static int tap_run(const scn_model_t *m, unsigned mask,
                   sim_stack_pool_t *pool, tap_t *t,
                   scn_verdict_kind_t *verdict)
{
    scn_run_opts_t ro;
    scn_result_t *res = NULL;
    scn_verdict_t v;
    int rc;

    memset(&ro, 0, sizeof ro);
    ro.strategy = t->inner.base;
    ro.seed = t->inner.seed;
    ro.choices = mask;
    ro.chooser = tap_choose;
    ro.chooser_arg = t;
    ro.attach = tap_attach;
    ro.stacks = pool;
    t->w = NULL;
    t->ready = 0;
    rc = scn_run(m, &ro, &res);
    if (rc < 0)
        return rc;
    memset(&v, 0, sizeof v);
    rc = scn_check(m, res, &v);
    if (rc == 0) {
        *verdict = v.kind;
        scn_verdict_free(&v);
    }
    scn_result_free(res);
    return rc;
}

/* ---------------------------------------------------------------- a probe */

typedef struct row {
    const char *file;
    unsigned depth, ways;
    unsigned n;             /* threads in READY choices */
    uint64_t k_fifo, k_pct; /* fifo READY steps; pct's calibrated estimate */
    uint64_t k_seen;        /* most READY steps of any pct run */
    uint64_t unmapped;
    uint64_t hits_pct, hits_pct_lower, hits_random;
    uint64_t mismatches; /* tap verdict != explorer verdict */
    int fifo_pass;
    double bound;
    double seconds;
} row_t;

static int read_all(const char *path, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 4096, n = 0;
    char *b;

    if (f == NULL)
        return -1;
    b = malloc(cap);
    while (b != NULL) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        cap *= 2;
        char *nb = realloc(b, cap);
        if (nb == NULL) {
            free(b);
            b = NULL;
        } else {
            b = nb;
        }
    }
    fclose(f);
    if (b == NULL)
        return -1;
    *buf = b;
    *len = n;
    return 0;
}

/* Failing runs of R explorer runs with these options; verdicts into fail[]
 * when not NULL. */
static int explore_count(const scn_model_t *m, const char *bytes, size_t nb,
                         const xp_opts_t *o, uint64_t runs,
                         unsigned char *fail, uint64_t *hits)
{
    xp_explorer_t *x = NULL;
    int rc = xp_explorer_new(m, bytes, nb, o, &x);

    *hits = 0;
    if (rc < 0)
        return rc;
    for (uint64_t i = 0; i < runs; i++) {
        xp_run_t r;
        rc = xp_explorer_run(x, i, &r);
        if (rc != 0) {
            xp_run_free(&r);
            break;
        }
        int failed = r.verdict != SCN_PASS;
        *hits += (uint64_t)failed;
        if (fail != NULL)
            fail[i] = (unsigned char)failed;
        xp_run_free(&r);
    }
    xp_explorer_free(x);
    return rc < 0 ? rc : 0;
}

static int measure(const char *dir, const probe_t *p, uint64_t runs,
                   uint64_t seed, sim_stack_pool_t *pool, row_t *row)
{
    char path[1024];
    char *bytes = NULL;
    size_t nb = 0;
    scn_model_t *m = NULL;
    scn_diag_t d;
    xp_opts_t o;
    tap_t tap;
    unsigned char *fail = NULL;
    scn_verdict_kind_t v;
    unsigned mask;
    double t0 = bench_now_ns();
    int rc;

    memset(row, 0, sizeof *row);
    row->file = p->file;
    row->depth = p->depth;
    row->ways = p->ways;
    snprintf(path, sizeof path, "%s/%s", dir, p->file);
    if (read_all(path, &bytes, &nb) < 0) {
        fprintf(stderr, "bench_power: cannot read %s\n", path);
        return 2;
    }
    memset(&d, 0, sizeof d);
    if (scn_parse(path, bytes, nb, &m, &d) < 0) {
        fprintf(stderr, "%s:%d:%d: error: %s\n", d.path, d.line, d.col,
                d.message);
        free(bytes);
        return 2;
    }
    mask = m->explore_choices ? m->explore_choices : SIM_CHOICES_DEFAULT;

    /* pct's step estimate, as the explorer computes it. */
    xp_opts_default(&o);
    o.seed = seed;
    o.shrink = 0;
    o.runs = runs;
    row->k_pct = 1;
    for (int j = 0; j < xp_calibration_runs(); j++) {
        uint64_t k = 0;
        if ((rc = xp_calibration_run(m, &o, j, &k)) < 0)
            goto out;
        if (j == 0)
            row->k_fifo = k;
        if (k > row->k_pct)
            row->k_pct = k;
    }
    o.pct_k = row->k_pct;

    /* The fifo run: must pass; its threads count towards n. */
    memset(&tap, 0, sizeof tap);
    tap.inner.base = SIM_STRATEGY_FIFO;
    if ((rc = tap_run(m, mask, pool, &tap, &v)) < 0)
        goto out;
    row->fifo_pass = v == SCN_PASS;

    /* The three counts, through the explorer. */
    fail = calloc(runs ? runs : 1, 1);
    if (fail == NULL) {
        rc = -1;
        goto out;
    }
    o.strategy = XP_PCT;
    o.depth = p->depth;
    rc = explore_count(m, bytes, nb, &o, runs, fail, &row->hits_pct);
    if (rc < 0)
        goto out;
    if (p->depth > 1) {
        o.depth = p->depth - 1;
        if ((rc = explore_count(m, bytes, nb, &o, runs, NULL,
                                &row->hits_pct_lower)) < 0)
            goto out;
    }
    o.strategy = XP_RANDOM;
    rc = explore_count(m, bytes, nb, &o, runs, NULL, &row->hits_random);
    if (rc < 0)
        goto out;

    /* n and the READY steps of the same pct runs, and their verdicts. */
    for (uint64_t i = 0; i < runs; i++) {
        xp_pct_t pct;
        xp_pct_init(&pct, p->depth, row->k_pct, xp_run_seed(seed, i));
        xp_pct_plan(&pct, &tap.inner);
        rc = tap_run(m, mask, pool, &tap, &v);
        xp_pct_free(&pct);
        if (rc < 0)
            goto out;
        row->mismatches += (uint64_t)((v != SCN_PASS) != fail[i]);
        if (tap.ready > row->k_seen)
            row->k_seen = tap.ready;
    }
    for (unsigned id = 0; id <= tap.max_id; id++)
        row->n += tap.seen[id];
    row->unmapped = tap.unmapped;
    row->bound = 1.0 / (row->n ? row->n : 1) /
                 pow((double)row->k_pct, (double)(p->depth - 1));
    rc = 0;
out:
    row->seconds = (bench_now_ns() - t0) / 1e9;
    free(fail);
    scn_model_free(m);
    free(bytes);
    if (rc < 0)
        fprintf(stderr, "bench_power: %s: error %d\n", path, rc);
    return rc < 0 ? 2 : 0;
}

/* ---------------------------------------------------------------- main */

/* 1.96 standard errors of a rate measured over `runs` runs. */
static double ci95(double p, uint64_t runs)
{
    return 1.96 * sqrt(p * (1 - p) / (double)runs);
}

int main(int argc, char **argv)
{
    uint64_t runs = 10000, seed = 0;
    const char *dir = BENCH_PROBE_DIR;
    sim_stack_pool_t *pool;
    row_t rows[N_PROBES];
    double t0 = bench_now_ns();
    int status = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--probes") == 0 && i + 1 < argc)
            dir = argv[++i];
        else {
            fprintf(stderr, "usage: bench_power [--runs R] [--seed S] "
                            "[--probes DIR]\n");
            return 2;
        }
    }
    if (runs == 0) {
        fprintf(stderr, "bench_power: --runs must be > 0\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sim_stack_pool_new(0, &pool) != 0)
        return 2;
    for (size_t i = 0; i < N_PROBES; i++) {
        int rc = measure(dir, &probes[i], runs, seed, pool, &rows[i]);
        if (rc != 0) {
            sim_stack_pool_free(pool);
            return rc;
        }
    }
    sim_stack_pool_free(pool);

    printf("finding power: %llu runs per strategy and probe, base seed %llu "
           "(probes in %s)\n\n",
           (unsigned long long)runs, (unsigned long long)seed, dir);
    printf("| %-10s | %-2s | %-2s | %-6s | %-5s | %-19s | %-15s | %-16s | "
           "%-12s | %-11s | %-6s |\n",
           "probe", "d", "n", "k fifo", "k pct", "bound 1/(n k^(d-1))",
           "exact c x bound", "pct, depth d", "pct >= bound", "pct, d - 1",
           "random");
    printf("|------------|----|----|--------|-------|---------------------|"
           "-----------------|------------------|--------------|"
           "-------------|--------|\n");
    for (size_t i = 0; i < N_PROBES; i++) {
        const row_t *r = &rows[i];
        double pp = (double)r->hits_pct / (double)runs;
        double pr = (double)r->hits_random / (double)runs;
        double se = sqrt(r->bound * (1 - r->bound) / (double)runs);
        char pct[32], lower[16], bound[32], exact[32];
        const char *verdict;

        snprintf(pct, sizeof pct, "%.4f +- %.4f", pp, ci95(pp, runs));
        if (r->depth > 1)
            snprintf(lower, sizeof lower, "%.4f",
                     (double)r->hits_pct_lower / (double)runs);
        else
            snprintf(lower, sizeof lower, "-");
        snprintf(bound, sizeof bound, "%.4f (1/%.0f)", r->bound,
                 1.0 / r->bound);
        snprintf(exact, sizeof exact, "%u x = %.4f", r->ways,
                 r->ways * r->bound);
        if (pp >= r->bound)
            verdict = "yes";
        else if (pp >= r->bound - 3 * se)
            verdict = "within noise";
        else
            verdict = "NO";
        printf("| %-10s | %-2u | %-2u | %-6llu | %-5llu | %-19s | %-15s | "
               "%-16s | %-12s | %-11s | %-6.4f |\n",
               r->file, r->depth, r->n, (unsigned long long)r->k_fifo,
               (unsigned long long)r->k_pct, bound, exact, pct, verdict,
               lower, pr);
        if (strcmp(verdict, "NO") == 0 || !r->fifo_pass || r->mismatches)
            status = 1;
    }
    printf("\nnotes:\n"
           "  rates: failing runs / %llu, one run = one schedule; +- is the "
           "95%% interval (1.96 standard errors)\n"
           "  n: threads that were candidates of a READY choice (fifo run "
           "and every pct run); k pct: pct's\n"
           "    calibrated step estimate (most READY choices of the fifo run "
           "and 4 seeded random runs),\n"
           "    the k its d-1 change points are drawn from and the k of the "
           "bound; k fifo: READY choices of\n"
           "    the fifo run alone\n"
           "  exact: c = the tuples of READY steps where pct's d-1 change "
           "points hit the bug (derived in each\n"
           "    probe's comment); with n = 2 and those steps below k, pct's "
           "hit rate is exactly c x bound\n"
           "  pct >= bound: 'within noise' = below, by less than 3 standard "
           "errors of the bound\n",
           (unsigned long long)runs);
    for (size_t i = 0; i < N_PROBES; i++) {
        const row_t *r = &rows[i];
        printf("  %s: fifo %s; most READY steps in a pct run %llu "
               "(k pct %llu); %llu unnamed candidates; %llu verdicts differ "
               "from the explorer's; %.2f s\n",
               r->file, r->fifo_pass ? "passes" : "FAILS",
               (unsigned long long)r->k_seen, (unsigned long long)r->k_pct,
               (unsigned long long)r->unmapped,
               (unsigned long long)r->mismatches, r->seconds);
    }
    printf("  same counts: csim explore bench/probes/depthD.scn "
           "--strategy pct --depth D (or random) --runs %llu --seed %llu "
           "--until all --no-shrink\n",
           (unsigned long long)runs, (unsigned long long)seed);
    printf("  whole table: %.1f s\n", (bench_now_ns() - t0) / 1e9);
    return status;
}
