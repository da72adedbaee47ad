/*
 * scn_explore.h - exploration: one scenario under many schedules, replay
 * tokens, shrinking, shard result files, and the worker side of the
 * multi-process protocol.
 *
 * ---------------------------------------------------------------- protocol
 * A worker is `csim explore-worker FILE [explore options] --first I
 * --count K`.  It takes the same options as `csim explore` (--strategy,
 * --seed, --depth, --preemptions, --choices, --shard, --runs is ignored)
 * and runs the runs with indices I .. I+K-1, writing JSON Lines to stdout,
 * one object per line, flushed after every line.  Indices count the runs of
 * the worker's shard, consecutively from 0, so a supervisor asks for
 * 0..runs-1 whatever the shard: run j of shard K/N is global run
 * j*N + K-1 for random / pct / portfolio (its seed and its "g" token are the
 * global run's), and the j-th schedule of the shard's own subtree for dfs.
 * Without --shard, j is the global index: the same index is the same
 * schedule in every process.
 *
 *   --pct-k K     pct's step estimate (skips the calibration runs; the
 *                 explorer calibrates once, in a child process, and passes
 *                 it to every worker so they agree on it)
 *   --skip LIST   comma-separated run indices < I that crashed or timed out
 *                 in an earlier worker: a dfs worker re-enumerates runs
 *                 0..I-1 (it needs each run's choice widths) but does not
 *                 execute these; each is taken as a leaf (its subtree, whose
 *                 choices are unknown, is not explored; its siblings are).
 *                 Other strategies ignore it (they never run indices < I).
 *
 *
 *   {"type":"start","run":I,"token":"..."}
 *       before run I; the token regenerates run I (strategy + seed + index;
 *       dfs: the explicit forced prefix of the schedule, valid in any
 *       shard) so a run that crashes or times out can still be reported.
 *   {"type":"run","run":I,"verdict":"PASS|FAIL|HUNG","schedule":"<16 hex>",
 *    "decisions":N,"steps":N,"token":"...","expectation":"...","why":"..."}
 *       after run I.  schedule: FNV-1a 64 of the choice sequence (distinct
 *       schedules = distinct values); decisions: recorded choices; steps:
 *       scheduler steps; token: replays exactly this run (an explicit choice
 *       sequence when it fits in 100 bytes, else the regenerating token);
 *       expectation/why: the first failed expectation ("" on PASS).  A run
 *       that is FAIL or HUNG is NOT shrunk by the worker.  When the file
 *       has `sometimes` lines, also "sometimes":"0110": one digit per line
 *       in file order, 1 when it held in this run (absent otherwise).
 *   {"type":"done","runs":K,"exhausted":true|false}
 *       at the end; exhausted: dfs ran out of schedules before K (always
 *       false for the other strategies).
 *
 * Exit status 0 after "done" (failures are data, not errors), 2 on bad
 * usage / scenario (message on stderr, no JSON).  Anything else (a signal,
 * a missing "done") is a crash of the run announced by the last "start".
 *
 * dfs: runs depend on the ones before them, so a dfs worker enumerates from
 * the start of its tree (the whole tree, or its --shard subtree); runs
 * before I are executed (except --skip ones) but not reported, and
 * I..I+K-1 are the I-th.. schedules of that enumeration.  Give dfs to one
 * worker per shard (--first 0 --count N; `csim explore` uses one batch) and
 * split with --shard.  After a crash at run X the supervisor restarts it
 * with --first X+1 --skip X: runs 0..X-1 are executed again, X is not.
 *
 *   --variant P   the preset of every run (as `csim explore --variant P`)
 *
 * `csim explore-worker FILE [options] --shrink TOKEN` shrinks one failing
 * run and prints one line
 *   {"type":"shrunk","token":"...","critical":"...","preemptions":N,
 *    "from_preemptions":N,"verdict":"FAIL|HUNG|PASS","expectation":"..."}
 * (verdict PASS: the token did not fail; it is echoed unchanged).  The
 * choice mask and the variant are the token's; the other options do not
 * matter.
 *
 * ---------------------------------------------------------------- tokens
 * `c1.HHHHHHHH.VARIANT.MM.STRAT.SEED.FORM.DATA`, at most 100 bytes, only
 * [A-Za-z0-9._-]:
 *   c1        format version 1
 *   HHHHHHHH  48-bit FNV-1a of the scenario file's bytes, base64url
 *   VARIANT   the preset the run used (the file's, or --variant), each
 *             '.' written '_' (v1.5.0 -> v1_5_0); the file's switch
 *             overrides apply on top of it
 *   MM        the choice mask, 2 hex digits (SIM_CHOICE_BIT)
 *   STRAT     the run's strategy: f, r, pD (pct depth D), dC (dfs bound C,
 *             `d-` unbounded)
 *   SEED      the run's seed, base 36
 *   FORM x    DATA = the schedule: base64url of varint pairs (gap, answer)
 *             for every non-zero answer (gap = zero answers skipped); every
 *             later choice is 0 (fifo)
 *   FORM g    DATA = what regenerates it: random "", pct k in base 36,
 *             dfs the run index in base 36 (unsharded enumeration)
 */
#ifndef SCN_EXPLORE_H
#define SCN_EXPLORE_H

#include <stdint.h>
#include <stdio.h>

#include "scn.h"
#include "strategy.h"

#define SCN_TOKEN_MAX 100

/* ---------------------------------------------------------------- tokens */

typedef struct scn_token {
    unsigned version;
    uint64_t hash;   /* 48 bits */
    char variant[24];
    unsigned mask;
    xp_strategy_kind_t strategy; /* fifo, random, pct or dfs */
    unsigned depth;  /* pct */
    long bound;      /* dfs; < 0 none */
    uint64_t seed;
    int explicit_seq; /* FORM x */
    uint64_t k;       /* pct, FORM g */
    uint64_t run;     /* dfs, FORM g */
    uint32_t *answers; /* FORM x: dense, up to the last non-zero answer */
    size_t n_answers;
} scn_token_t;

/* 48-bit FNV-1a of a file's bytes. */
uint64_t scn_content_hash(const char *bytes, size_t n);

/* Encode; the dense answers are compressed to (gap, answer) pairs.
 * Returns the length, or -1 when it does not fit in SCN_TOKEN_MAX. */
int scn_token_format(const scn_token_t *t, char *buf, size_t size);
/* Decode; t->answers is malloc'ed (scn_token_free).  -1 on a malformed
 * token (msg says why). */
int scn_token_parse(const char *s, scn_token_t *t, char *msg, size_t n_msg);
void scn_token_free(scn_token_t *t);

/* ---------------------------------------------------------------- explore */

typedef struct xp_opts {
    xp_strategy_kind_t strategy; /* default portfolio */
    uint64_t seed;
    unsigned depth;     /* pct depth (default 3) */
    long preemptions;   /* dfs bound (default 2; < 0 none) */
    uint64_t runs;      /* default 1000 */
    unsigned shard_k, shard_n; /* 1-based K of N (default 1/1) */
    int until_all;
    unsigned choices;   /* 0 = the scenario's `explore` line / default */
    int verify;
    int trace;          /* print the trace of each failure's shrunk replay */
    int shrink;         /* default 1 */
    uint64_t timeout_ms;
    int jobs;
    const char *out;    /* result file (JSON) */
    uint64_t pct_k;     /* pct's step estimate; 0 = calibrate (the fifo
                           run and XP_PCT_CALIBRATION random ones) */
    const char *variant; /* --variant: a preset in place of the file's
                            (NULL = the file's); its overrides still apply */
} xp_opts_t;

void xp_opts_default(xp_opts_t *o);
/* The preset the runs use: o->variant, else the file's. */
const char *xp_opts_variant(const scn_model_t *m, const xp_opts_t *o);

/* pct's calibration one run at a time (so a supervisor can run it in a
 * child process: a calibration run may crash): run j of
 * xp_calibration_runs() sets *k to its READY steps; the estimate is the
 * maximum, at least 1. */
int xp_calibration_runs(void);
int xp_calibration_run(const scn_model_t *m, const xp_opts_t *o, int j,
                       uint64_t *k);

/* The outcome of one run. */
typedef struct xp_run {
    uint64_t index;
    scn_verdict_kind_t verdict;
    uint64_t schedule;  /* FNV-1a 64 of the choice sequence */
    uint64_t trace_hash;
    uint64_t decisions, steps;
    char token[SCN_TOKEN_MAX + 1];     /* replays this run */
    char gen_token[SCN_TOKEN_MAX + 1]; /* regenerates this run */
    char expectation[256];
    int exp_line;
    char why[512];
    scn_choice_t *choices;
    size_t n_choices;
    int verify_failed;
    char verify_msg[1024];
    char *sometimes; /* xp_sometimes_bits of the run, or NULL */
} xp_run_t;

void xp_run_free(xp_run_t *r);

typedef struct xp_explorer xp_explorer_t;

/* bytes: the scenario file's content (for its hash).  The model must
 * outlive the explorer. */
int xp_explorer_new(const scn_model_t *m, const char *bytes, size_t n_bytes,
                    const xp_opts_t *o, xp_explorer_t **out);
void xp_explorer_free(xp_explorer_t *x);

/* Run global index i (random / pct / portfolio / fifo), or the next dfs
 * schedule (i is then only a label).  Returns 0, 1 when dfs is exhausted
 * (nothing ran), < 0 on error. */
int xp_explorer_run(xp_explorer_t *x, uint64_t i, xp_run_t *r);
/* dfs: take the next schedule without running it and treat it as a leaf
 * (a run that crashed a worker: its choices are unknown); the enumeration
 * goes on with its siblings.  0, 1 when exhausted.  A no-op otherwise. */
int xp_explorer_skip(xp_explorer_t *x, uint64_t i);
/* The token that regenerates run i (what a worker's "start" line says).
 * dfs: i must be the next run; its schedule is planned here (an explicit
 * token of its forced prefix, valid in any shard) and xp_explorer_run
 * runs that plan. */
void xp_explorer_gen_token(xp_explorer_t *x, uint64_t i, char *buf, size_t n);
/* dfs: schedules handed out and whether the space is exhausted. */
int xp_explorer_exhausted(const xp_explorer_t *x);

/* Shrinking (fewest preemptions, then shortest) of a failing run.
 * Fills a shrunk token (or copies r->token when shrinking changes
 * nothing), the preemptions left and the critical pair text ("" when none
 * found).  Returns the replays it used, < 0 on error. */
typedef struct xp_shrunk {
    char token[SCN_TOKEN_MAX + 1];
    size_t preemptions, from_preemptions;
    char critical[512];
    scn_verdict_kind_t verdict;
    char expectation[256];
    int exp_line;
} xp_shrunk_t;
int xp_shrink(xp_explorer_t *x, const xp_run_t *r, xp_shrunk_t *s);

/* The critical pair of a failing run as xp_shrink finds it for the shrunk
 * schedule, for any failing run of x's mask and variant (its recorded
 * choices): text ("" when no schedule one preemption away passes), the
 * index in fail->events of the pair's first event (`a` of "`a` before
 * `b`"; n_events when none), the index in pass->events of the passing
 * run's event there (`b`), and that passing run (xp_critical_free). */
typedef struct xp_critical {
    char text[512];
    size_t fail_at, pass_at;
    scn_result_t *pass;
} xp_critical_t;
int xp_critical(xp_explorer_t *x, const scn_result_t *fail, xp_critical_t *cp);
void xp_critical_free(xp_critical_t *cp);

/* Replay a token against a model; the result and verdict are the caller's
 * (scn_result_free / scn_verdict_free).  continue_random: on a content
 * hash mismatch replay the prefix and finish under seeded random
 * (*drifted set) instead of failing with SCN_EIO. */
int xp_replay(const scn_model_t *m, const char *bytes, size_t n_bytes,
              const scn_token_t *t, int continue_random, int *drifted,
              scn_result_t **res, scn_verdict_t *v);

/* ---------------------------------------------------------------- totals */

typedef struct xp_failure {
    uint64_t run;
    char token[SCN_TOKEN_MAX + 1]; /* the replay token printed (shrunk) */
    char expectation[300];
    char verdict[8];
    char text[1600]; /* the printed lines before `csim replay`: the
                        "VERDICT run I: ... — why" line, shrunk / critical */
} xp_failure_t;

/* What a result file says it is (merge refuses to combine different ones). */
typedef struct xp_meta {
    uint64_t hash;       /* the scenario's content hash */
    char scenario[256];
    char variant[24];
    char strategy[16];
    uint64_t seed, budget; /* budget: --runs */
    unsigned depth, mask;
    long preemptions;
    int until_all;
    unsigned shard_k, shard_n;
    int exhausted;
} xp_meta_t;

/* One `sometimes` line over an exploration: the runs in which it held. */
typedef struct xp_sometimes {
    int line;
    char text[320]; /* "FILE:LINE: EXPR", EXPR what follows `sometimes` */
    uint64_t hits;
} xp_sometimes_t;

typedef struct xp_totals {
    uint64_t runs, decisions;
    uint64_t *schedules; /* hash set (open addressing, 0 = empty) */
    size_t n_sched, cap_sched;
    int has_zero;        /* the schedule hash 0 was seen */
    xp_failure_t *failures;
    size_t n_failures, cap_failures;
    int exhausted;       /* dfs */
    int files;           /* result files read (merge) */
    double seconds;      /* exploration only (shrinking excluded) */
    /* for xp_totals_write: the scenario's content hash, variant, mask */
    uint64_t hash;
    const char *variant;
    unsigned mask;
    xp_meta_t last;      /* xp_totals_read: the file just read */
    xp_sometimes_t *sometimes; /* per `sometimes` line, file order */
    size_t n_sometimes;
} xp_totals_t;

int xp_totals_add_schedule(xp_totals_t *t, uint64_t h);
size_t xp_totals_distinct(const xp_totals_t *t);
/* Distinct failures: distinct replay (shrunk) tokens; and whether failure
 * i's token was already printed by an earlier failure (its index, or -1). */
size_t xp_totals_distinct_failures(const xp_totals_t *t);
long xp_totals_same_as(const xp_totals_t *t, size_t i);
int xp_totals_add_failure(xp_totals_t *t, const xp_failure_t *f);
void xp_totals_free(xp_totals_t *t);
/* Result file: JSON, written atomically (temp + rename). */
int xp_totals_write(const xp_totals_t *t, const char *path,
                    const char *scenario, const xp_opts_t *o);
int xp_totals_read(xp_totals_t *t, const char *path, char *msg, size_t n_msg);
/* The summary line: "... distinct schedules, F failures[, U distinct (by
 * shrunk token)], R runs/s, D decisions/s" (timing omitted when seconds
 * <= 0; runs/s and decisions/s over the exploration time, shrinking not
 * included). */
void xp_totals_print(const xp_totals_t *t, FILE *f);

/* `sometimes` counts (scn_sometimes.c).  init: one entry per line of m,
 * no hits.  count: add one run's hits, a string of '0'/'1' per line (what
 * xp_sometimes_bits makes of a verdict, malloc'ed, NULL when the file has
 * none; the worker protocol's "sometimes"); NULL adds nothing (a crash).
 * never: the lines hit in no run.  print: one line each after the summary,
 * `sometimes FILE:LINE: EXPR — hit in H of R runs`, or `NEVER HIT ...`.
 * write / read: the result file's "sometimes" array (merge sums the
 * hits). */
int xp_sometimes_init(xp_totals_t *t, const scn_model_t *m);
void xp_sometimes_count(xp_totals_t *t, const char *bits);
char *xp_sometimes_bits(const scn_verdict_t *v);
size_t xp_sometimes_never(const xp_totals_t *t);
void xp_sometimes_print(const xp_totals_t *t, FILE *f);
void xp_sometimes_write(const xp_totals_t *t, FILE *f);
int xp_sometimes_read(xp_totals_t *t, const char *s, const char *path,
                      char *msg, size_t n_msg);

/* ---------------------------------------------------------------- commands */

/* What `csim explore` uses when --jobs / --timeout-ms are not given: the
 * online CPUs (at most 8), and 10 s per run. */
int xp_default_jobs(void);
#define XP_TIMEOUT_DEFAULT_MS 10000

/* One exploration exactly as `csim explore FILE` runs it with options o
 * (the same runs, shrinking and tokens; in worker processes unless
 * in_process), printing nothing: its totals and failures (each with the
 * run index and the printed replay token) land in *tot, for
 * xp_totals_free.  0 no failure, 1 a failure, 2 an error (said on
 * stderr). */
int xp_explore_quiet(const char *file, const scn_model_t *m, const char *bytes,
                     size_t n_bytes, const xp_opts_t *o, int in_process,
                     xp_totals_t *tot);

/* The scenario a token names, as `csim replay TOKEN` without FILE finds
 * it: the shallowest *.scn below dir whose content hash is h (malloc'ed
 * path), or NULL (msg says why when a search bound or an error stopped
 * it, else ""). */
char *xp_find_by_hash(const char *dir, uint64_t h, char *msg, size_t n_msg);

int scn_cmd_explore(int argc, char **argv);
int scn_cmd_variants(int argc, char **argv);
int scn_cmd_explore_worker(int argc, char **argv);
int scn_cmd_replay(int argc, char **argv);
int scn_cmd_merge(int argc, char **argv);
/* The whole csim command line (argv[0] is the program name), in-process:
 * returns the exit status; harness/csim_main.c is only main() around it. */
int scn_main(int argc, char **argv);

#endif /* SCN_EXPLORE_H */
