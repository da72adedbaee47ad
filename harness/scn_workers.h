/*
 * scn_workers.h - the multi-process layer of `csim explore`: runs a range of
 * exploration runs in worker processes (`csim explore-worker`), supervised
 * on a private libuv loop, and hands every result back in run order.
 *
 * The range first..first+runs-1 is cut into batches whose boundaries depend
 * only on `runs` (or opts.batch), never on the number of jobs; each of the J
 * worker slots runs one batch per process, `<csim> explore-worker FILE
 * [argv...] --first I --count K`, and takes the next batch when it is done.
 * A worker speaks JSON Lines on stdout ("start", "run", "done"; see
 * scn_workers.c).  A worker that dies during a run (a signal, a non-zero exit,
 * a green thread's stack overflow named on its stderr) turns that run into a
 * CRASH result with the token of its "start" line; one that exceeds the
 * per-run wall clock is killed and the run is a TIMEOUT; either way a fresh
 * worker continues after that run, so no other result is lost (it gets
 * `--skip R1,R2,...`, the runs of its batch that crashed or timed out so
 * far: a dfs worker re-enumerates up to --first and must not execute
 * them again).  Results are
 * delivered to the callback in run order, so the output is the same for any
 * J.  With until_first, the first non-PASS result *in run order* ends the
 * exploration: every run before it is still delivered, nothing after it.
 *
 * scn_workers_run runs its own loop to completion (uv_run on the caller's
 * stack): call it from the main thread, never from a libuv callback.
 */
#ifndef SCN_WORKERS_H
#define SCN_WORKERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    SCN_WORKERS_EINVAL = -280, /* bad options */
    SCN_WORKERS_ENOMEM = -281,
    SCN_WORKERS_EWORKER =
        -282, /* a worker failed outside any run (it could
                 not start, hung before its first run, or
                 broke the protocol); summary.error says how */
};
/* Also knows libuv's error codes (a loop or handle could not be set up). */
const char *scn_workers_strerror(int code);

typedef enum scn_run_verdict {
    SCN_RUN_PASS = 0,
    SCN_RUN_FAIL,
    SCN_RUN_HUNG,
    SCN_RUN_CRASH,   /* the worker died during the run */
    SCN_RUN_TIMEOUT, /* the run exceeded opts.timeout_ms and was killed */
} scn_run_verdict_t;
const char *scn_run_verdict_name(scn_run_verdict_t v); /* "PASS" ... */

/* One run's result.  The strings belong to the supervisor and live only
 * during the callback (copy what you keep); absent ones are NULL. */
typedef struct scn_run_report {
    long run;
    scn_run_verdict_t verdict;
    char schedule[17]; /* 16 hex digits, "" for CRASH / TIMEOUT */
    uint64_t decisions, steps;
    char *token;       /* replays the run: the "run" line's token, or for
                          CRASH / TIMEOUT the "start" line's */
    char *expectation; /* FAIL / HUNG: the failed expectation */
    char *why;
    char *crash;  /* CRASH: "SIGSEGV", "abort (SIGABRT)", "stack overflow
                     in green thread 'x'", "exit status 3" ...;
                     TIMEOUT: "timeout after T ms" */
    char *detail; /* CRASH: the last line the worker wrote on stderr */
    char *sometimes; /* the run's `sometimes` hits, '0'/'1' per line */
} scn_run_report_t;

/* Called once per run, in run order.  Return non-zero to stop: nothing
 * after this run is delivered. */
typedef int (*scn_run_cb)(const scn_run_report_t *r, void *arg);

typedef struct scn_workers_opts {
    const char *csim;        /* path of the csim binary (required) */
    const char *scenario;    /* FILE (required) */
    const char *const *argv; /* options passed through to every worker */
    size_t argc;
    long first;            /* first run index (>= 0) */
    long runs;             /* number of runs (>= 1) */
    unsigned jobs;         /* worker processes at a time (0 = 1) */
    unsigned timeout_ms;   /* per-run wall clock; 0 = none */
    int until_first;       /* stop at the first non-PASS run */
    int progress;          /* progress line, only if the stream is a TTY */
    FILE *progress_stream; /* NULL = stderr */
    long batch;            /* runs per worker process; 0 = from `runs` */
} scn_workers_opts_t;

typedef struct scn_workers_summary {
    long delivered; /* results passed to the callback */
    long pass, fail, hung, crash, timeout;
    long first_bad;            /* run index of the first non-PASS, or -1 */
    uint64_t decisions, steps; /* sums over delivered runs */
    int exhausted;             /* a worker reported the space exhausted */
    int stopped;               /* until_first or the callback ended it early */
    unsigned long workers;     /* worker processes started */
    double seconds;            /* wall clock */
    char error[512];           /* the reason when scn_workers_run fails */
} scn_workers_summary_t;

/* The batch size used for `runs` runs when opts.batch is 0. */
long scn_workers_batch_size(long runs);

/* Run opts->first..first+runs-1 in workers; on_run may be NULL.  Returns 0
 * (whatever the verdicts), or a negative code with out->error set; results
 * that arrived in order before a failure were still delivered.  out may be
 * NULL. */
int scn_workers_run(const scn_workers_opts_t *o, scn_run_cb on_run, void *arg,
                    scn_workers_summary_t *out);

/* `<csim> explore-worker FILE --shrink TOKEN` in a worker process (the
 * shrinker re-runs a failing schedule, which may crash: isolate it). */
typedef struct scn_shrink_report {
    char *token;    /* the shrunk schedule's token */
    char *critical; /* the critical pair of lifecycle events */
    long preemptions;
    long from_preemptions; /* the unshrunk schedule's (0 if not said) */
    char *verdict; /* FAIL / HUNG, PASS if the token did not fail; or NULL */
    char *expectation; /* the expectation that still fails, or NULL */
} scn_shrink_report_t;

/* 0 and *out filled (free with scn_shrink_report_free); SCN_WORKERS_EWORKER
 * with err filled if the worker crashed, timed out (timeout_ms, 0 = none)
 * or printed no "shrunk" line. */
int scn_workers_shrink(const char *csim, const char *scenario,
                       const char *token, unsigned timeout_ms,
                       scn_shrink_report_t *out, char *err, size_t errlen);
void scn_shrink_report_free(scn_shrink_report_t *r);

#endif
