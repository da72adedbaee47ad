/*
 * scn_explore_cli.c - the exploration commands: `csim explore`, `csim
 * replay`, `csim merge` and the hidden `csim explore-worker` (protocol in
 * scn_explore.h).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scn_explore.h"
#include "scn_junit.h"
#include "scn_text.h"
#include "scn_view.h"
#include "scn_walk.h"
#include "scn_workers.h"
#include "sim_alloc.h"

#define XP_JOBS_MAX 8

static const char usage_explore[] =
    "usage: csim explore FILE [options]\n"
    "\n"
    "Run one scenario under many schedules; every failure prints one\n"
    "`csim replay TOKEN` line after shrinking it.\n"
    "\n"
    "options:\n"
    "  --runs N              schedules to run (default 1000; dfs: per shard)\n"
    "  --strategy S          portfolio (default), random, pct, dfs, fifo\n"
    "  --seed N              base seed (default 0)\n"
    "  --variant NAME        container preset in place of the file's `variant`\n"
    "                        (its switch overrides still apply); the tokens\n"
    "                        record it\n"
    "  --depth d             pct depth, 1..16 (default 3)\n"
    "  --preemptions c|inf   dfs preemption bound (default 2; inf or none:\n"
    "                        unbounded)\n"
    "  --choices LIST        explorable choices: ready,wake,ext,tie,early, all\n"
    "                        (default: the scenario's `explore` line, else\n"
    "                        ready,wake,ext,tie)\n"
    "  --until first|all     stop at the first failure (default) or collect all\n"
    "  --shard K/N           run only shard K of N (default 1/1): run indices\n"
    "                        i % N == K-1; dfs: every N-th subtree\n"
    "  --jobs J              worker processes (default: online CPUs, at most 8);\n"
    "                        the output is the same for any J\n"
    "  --in-process          run every schedule in this process, no workers\n"
    "                        (faster to start; a run that crashes ends csim)\n"
    "  --timeout-ms T        wall-clock limit per run in a worker, 0 = none\n"
    "                        (default 10000); a run over it is a TIMEOUT\n"
    "  --verify              run every schedule twice, compare trace hashes\n"
    "                        (always in this process)\n"
    "  --no-shrink           print failures unshrunk (default: shrink, in a\n"
    "                        worker process)\n"
    "  --out FILE            write a JSON result file (for `csim merge`)\n"
    "  --junit FILE          write JUnit XML: one testcase, failing with the\n"
    "                        first failure and its replay token, or NEVER HIT\n"
    "  --trace               print each failure's (shrunk) trace\n"
    "  --trace-out FILE      write the first failure's shrunk replay as Chrome\n"
    "                        trace event JSON (Perfetto)\n"
    "  --html FILE           write it as a self-contained HTML timeline\n"
    "\n"
    "A run that kills its worker process (a signal, abort) is a CRASH, one over\n"
    "--timeout-ms a TIMEOUT: printed with the crash and its replay token, not\n"
    "shrunk, counted as failures; every other run still completes.\n"
    "\n"
    "A `sometimes` line of the file is counted: the runs in which it held are\n"
    "printed after the summary, and one that held in none is NEVER HIT.\n"
    "\n"
    "exit status: 0 no failure, 1 a failure, crash or timeout (or a --verify\n"
    "mismatch, or a NEVER HIT), 2 usage or scenario file error, or the workers\n"
    "failed\n";

static const char usage_replay[] =
    "usage: csim replay TOKEN [FILE] [--trace] [--json] [--continue random]\n"
    "                   [--variant NAME] [--in-process]\n"
    "\n"
    "Re-run the schedule a token names and print its verdict, under the\n"
    "container variant the token records (the file's switch overrides on\n"
    "top).  Without FILE the shallowest *.scn below the current directory\n"
    "whose content hash matches is used (the first in byte order at that\n"
    "depth).  A token made for a different version\n"
    "of FILE is refused unless --continue random: then the recorded prefix is\n"
    "replayed as far as it applies and the run finishes under a seeded random\n"
    "scheduler.\n"
    "\n"
    "options:\n"
    "  --trace               print the run's trace (byte-identical to explore's)\n"
    "  --json                the result as JSON\n"
    "  --trace-out FILE      write the run as Chrome trace event JSON (Perfetto)\n"
    "  --html FILE           write the run as a self-contained HTML timeline\n"
    "  --continue random     replay a drifted scenario's prefix, then random\n"
    "                        (default: refuse a changed file)\n"
    "  --variant NAME        the same schedule under another container preset\n"
    "                        (answers that no longer fit its choices are\n"
    "                        clamped), e.g. to see a bug fixed\n"
    "  --in-process          run in this process (default: in a child process,\n"
    "                        so a run that crashes is reported, not fatal)\n"
    "\n"
    "exit status: 0 the run passed, 1 it failed or hung, 2 usage, token or\n"
    "scenario file error (or a changed file without --continue), 3 the run\n"
    "crashed (\"the run crashed: SIGSEGV\")\n";

static const char usage_merge[] =
    "usage: csim merge RESULT.json...\n"
    "\n"
    "Combine `csim explore --out` result files (shards) into one summary: runs,\n"
    "distinct schedules (the union), failures with their replay lines, and\n"
    "whether dfs exhausted the space (all N shards given, each exhausted).\n"
    "Refuses files of different scenarios, variants or options, or a shard\n"
    "given twice; with fewer than N shards it says \"partial: shards 1,3 of\n"
    "4\".  With --until first the totals need not equal an unsharded run's.\n"
    "No options.\n"
    "\n"
    "exit status: 0 no failure, 1 a failure (or a `sometimes` line no shard\n"
    "hit), 2 usage, an unreadable file or files that cannot be merged\n";

static int usage(const char *u, const char *fmt, const char *arg)
{
    fprintf(stderr, "csim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", u);
    return 2;
}

/* The scenario: bytes (for the hash) and model.  2 on failure (printed). */
static int load(const char *cmd, const char *path, char **bytes, size_t *n,
                scn_model_t **m)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "csim: %s is a directory; %s takes one scenario file\n",
                path, cmd);
        return 2;
    }
    if (scn_read_file(path, bytes, n) < 0) {
        fprintf(stderr, "csim: %s: %s\n", path, strerror(errno));
        return 2;
    }
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    if (scn_parse(path, *bytes, *n, m, &d) < 0) {
        scn_reporter_t rp = {.out = stdout, .err = stderr};
        scn_report_diag(&rp, &d);
        sim_free(*bytes);
        *bytes = NULL;
        return 2;
    }
    /* Warnings once, from the command the user typed, not per worker. */
    scn_reporter_t wrp = {.out = stdout, .err = stderr};
    if (strcmp(cmd, "explore-worker") != 0)
        scn_report_warnings(&wrp, *m);
    return 0;
}

typedef struct cli {
    xp_opts_t o;
    const char *file;
    uint64_t first, count;
    int has_first, has_count, has_jobs, has_timeout;
    int in_process; /* --in-process: no worker processes */
    const char *shrink;
    const char *skip; /* explore-worker: runs not to execute (dfs) */
    const char *junit; /* --junit FILE (not the worker's) */
    scn_view_dest_t views; /* --trace-out, --html (not the worker's) */
} cli_t;

static int parse_opts(int argc, char **argv, cli_t *c, int worker)
{
    xp_opts_default(&c->o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_explore, stdout);
            return 0;
        } else if (!strcmp(a, "--verify")) {
            c->o.verify = 1;
        } else if (!strcmp(a, "--trace")) {
            c->o.trace = 1;
        } else if (!strcmp(a, "--no-shrink")) {
            c->o.shrink = 0;
        } else if (!worker && !strcmp(a, "--in-process")) {
            c->in_process = 1;
        } else if (a[0] == '-' && a[1] == '-') {
            if (!v)
                return usage(usage_explore, "option %s needs a value", a);
            i++;
            uint64_t u = 0;
            if (!strcmp(a, "--runs") || !strcmp(a, "--seed") ||
                !strcmp(a, "--depth") || !strcmp(a, "--jobs") ||
                !strcmp(a, "--timeout-ms") ||
                (worker && (!strcmp(a, "--first") || !strcmp(a, "--count") ||
                            !strcmp(a, "--pct-k")))) {
                if (scn_parse_u64(v, &u) < 0)
                    return usage(usage_explore, "bad number '%s'", v);
                if (!strcmp(a, "--runs")) {
                    /* zero runs would pass having checked nothing */
                    if (u < 1)
                        return usage(usage_explore, "--runs must be >= 1, not %s", v);
                    c->o.runs = u;
                } else if (!strcmp(a, "--seed"))
                    c->o.seed = u;
                else if (!strcmp(a, "--depth")) {
                    if (u < 1 || u > XP_PCT_MAX_DEPTH)
                        return usage(usage_explore, "--depth must be 1..16, not %s", v);
                    c->o.depth = (unsigned)u;
                } else if (!strcmp(a, "--jobs")) {
                    if (u < 1)
                        return usage(usage_explore, "--jobs must be >= 1, not %s", v);
                    if (u > 256)
                        return usage(usage_explore, "--jobs must be <= 256, not %s", v);
                    c->o.jobs = (int)u;
                    c->has_jobs = 1;
                } else if (!strcmp(a, "--timeout-ms")) {
                    if (u > 86400000)
                        return usage(usage_explore, "--timeout-ms must be <= 86400000, not %s", v);
                    c->o.timeout_ms = u;
                    c->has_timeout = 1;
                }
                else if (!strcmp(a, "--pct-k"))
                    c->o.pct_k = u;
                else if (!strcmp(a, "--first")) {
                    c->first = u;
                    c->has_first = 1;
                } else {
                    c->count = u;
                    c->has_count = 1;
                }
            } else if (!strcmp(a, "--strategy")) {
                if (xp_strategy_parse(v, &c->o.strategy) < 0)
                    return usage(usage_explore,
                                 "unknown strategy '%s' (portfolio, random, pct, "
                                 "dfs, fifo)", v);
            } else if (!strcmp(a, "--preemptions")) {
                if (!strcmp(v, "inf") || !strcmp(v, "none"))
                    c->o.preemptions = -1;
                else if (scn_parse_u64(v, &u) < 0 || u > 1000000)
                    return usage(usage_explore,
                                 "bad preemption bound '%s' (a number >= 0, or "
                                 "inf / none for no bound)", v);
                else
                    c->o.preemptions = (long)u;
            } else if (!strcmp(a, "--choices")) {
                if (scn_choices_parse(v, &c->o.choices) < 0)
                    return usage(usage_explore,
                                 "bad --choices '%s' (ready,wake,ext,tie,early or all)",
                                 v);
            } else if (!strcmp(a, "--until")) {
                if (!strcmp(v, "first"))
                    c->o.until_all = 0;
                else if (!strcmp(v, "all"))
                    c->o.until_all = 1;
                else
                    return usage(usage_explore, "--until is first or all, not '%s'", v);
            } else if (!strcmp(a, "--shard")) {
                unsigned k = 0, n = 0;
                char tail;
                if (sscanf(v, "%u/%u%c", &k, &n, &tail) != 2 || n < 1 || k < 1 ||
                    k > n)
                    return usage(usage_explore, "bad --shard '%s' (K/N, 1 <= K <= N)", v);
                c->o.shard_k = k;
                c->o.shard_n = n;
            } else if (!strcmp(a, "--out")) {
                c->o.out = v;
            } else if (!worker && !strcmp(a, "--junit")) {
                c->junit = v;
            } else if (!worker && (!strcmp(a, "--trace-out") ||
                                   !strcmp(a, "--html"))) {
                *(a[2] == 't' ? &c->views.trace_out : &c->views.html) = v;
            } else if (!strcmp(a, "--variant")) {
                if (scn_preset_check(v, stderr) < 0)
                    return 2;
                c->o.variant = v;
            } else if (worker && !strcmp(a, "--shrink")) {
                c->shrink = v;
            } else if (worker && !strcmp(a, "--skip")) {
                c->skip = v;
            } else {
                return usage(usage_explore, "unknown option '%s'", a);
            }
        } else if (!c->file) {
            c->file = a;
        } else {
            return usage(usage_explore, "unexpected argument '%s' (one FILE)", a);
        }
    }
    if (!c->file)
        return usage(usage_explore, "%s", "no scenario FILE given");
    return -1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *verdict_name(scn_verdict_kind_t k)
{
    return k == SCN_PASS ? "PASS" : k == SCN_FAIL ? "FAIL" : k == SCN_HUNG ? "HUNG" : "ERROR";
}

/* The trace of a token's replay, through the reporter (as `csim replay
 * --trace` prints it). */
static void print_replay(const scn_model_t *m, const char *bytes, size_t n,
                         const char *token, int trace, int verdict)
{
    scn_token_t t;
    char msg[512];
    if (scn_token_parse(token, &t, msg, sizeof(msg)) < 0)
        return;
    scn_result_t *r = NULL;
    scn_verdict_t v;
    int drifted = 0;
    if (xp_replay(m, bytes, n, &t, 0, &drifted, &r, &v) == 0) {
        scn_reporter_t rp = {.out = stdout, .err = stderr, .trace = trace};
        if (verdict || trace)
            scn_report_result(&rp, m->path, m, r, &v);
        scn_verdict_free(&v);
        scn_result_free(r);
    }
    scn_token_free(&t);
}

/* Run j of this shard (random / pct / portfolio / fifo: the global index
 * of its j-th run; dfs enumerates the shard's own subtree, j is its label). */
static uint64_t global_run(const xp_opts_t *o, uint64_t j)
{
    if (o->strategy == XP_DFS || o->shard_n <= 1)
        return j;
    return j * o->shard_n + (o->shard_k - 1);
}

/* How many runs this shard makes of --runs R (dfs: up to R of its own). */
static uint64_t shard_runs(const xp_opts_t *o)
{
    if (o->strategy == XP_DFS || o->shard_n <= 1)
        return o->runs;
    uint64_t k = o->shard_k - 1;
    return o->runs > k ? (o->runs - k + o->shard_n - 1) / o->shard_n : 0;
}

/* What shrinking gave, from this process or from a worker. */
typedef struct shr {
    int ok;
    size_t preemptions, from;
    char token[SCN_TOKEN_MAX + 1];
    char critical[512];
    char expectation[256];
    char err[600];
} shr_t;

typedef struct xcx {
    cli_t *c;
    const scn_model_t *m;
    const char *bytes;
    size_t nb;
    xp_totals_t tot;
    int status;
    double shrink_s; /* time spent shrinking (not in runs/s) */
    int quiet;       /* collect the failures in tot, print nothing */
} xcx_t;

#define APPEND(f, ...)                                                       \
    snprintf((f)->text + strlen((f)->text), sizeof((f)->text) - strlen((f)->text), \
             __VA_ARGS__)

/* The replay line of failure f, or, when an earlier failure printed the
 * same token, a line that points at it (each distinct token once). */
static void print_replay_line(FILE *out, const xp_failure_t *f,
                              const xp_failure_t *all, size_t n)
{
    for (size_t j = 0; f->token[0] && j < n; j++)
        if (all[j].run < f->run && strcmp(all[j].token, f->token) == 0) {
            fprintf(out, "  same shrunk schedule as run %" PRIu64 " (its replay "
                         "line above)\n", all[j].run);
            return;
        }
    if (f->token[0])
        fprintf(out, "csim replay %s\n", f->token);
    else
        fprintf(out, "  (no replay token: the worker died before naming the run)\n");
}

/* One FAIL / HUNG: the failure, the shrunk schedule, its critical pair and
 * one replay line (or a pointer to an earlier failure with the same one). */
static void report_bad(xcx_t *cx, uint64_t i, const char *verdict,
                       const char *exp, const char *why, const char *token,
                       const shr_t *s)
{
    xp_failure_t f;
    memset(&f, 0, sizeof(f));
    f.run = i;
    snprintf(f.verdict, sizeof(f.verdict), "%s", verdict);
    snprintf(f.expectation, sizeof(f.expectation), "%s", exp);
    APPEND(&f, "%s run %" PRIu64 ": %s \xe2\x80\x94 %s\n", verdict, i, exp, why);
    if (s && s->ok) {
        APPEND(&f, "  shrunk: %zu preemption%s (from %zu)", s->preemptions,
               s->preemptions == 1 ? "" : "s", s->from);
        if (strcmp(s->expectation, exp) != 0)
            APPEND(&f, ", fails %s", s->expectation);
        APPEND(&f, "\n");
        if (s->critical[0])
            APPEND(&f, "  critical pair: %s\n", s->critical);
        token = s->token;
    } else if (s && s->err[0]) {
        APPEND(&f, "  not shrunk: %s\n", s->err);
    }
    snprintf(f.token, sizeof(f.token), "%s", token);
    if (!cx->quiet) {
        fputs(f.text, stdout);
        int dup = 0;
        for (size_t j = 0; j < cx->tot.n_failures; j++)
            dup |= strcmp(cx->tot.failures[j].token, f.token) == 0;
        print_replay_line(stdout, &f, cx->tot.failures, cx->tot.n_failures);
        if (cx->c->o.trace && !dup)
            print_replay(cx->m, cx->bytes, cx->nb, token, 1, 0);
    }
    xp_totals_add_failure(&cx->tot, &f);
    cx->status = 1;
}

/* One CRASH / TIMEOUT: not shrunk (re-running it would crash again). */
static void report_crash(xcx_t *cx, uint64_t i, const char *verdict,
                         const char *crash, const char *detail,
                         const char *token)
{
    xp_failure_t f;
    memset(&f, 0, sizeof(f));
    f.run = i;
    snprintf(f.verdict, sizeof(f.verdict), "%s", verdict);
    snprintf(f.expectation, sizeof(f.expectation), "%s", crash);
    snprintf(f.token, sizeof(f.token), "%s", token ? token : "");
    APPEND(&f, "%s run %" PRIu64 ": %s", verdict, i, crash);
    if (detail && detail[0] && strstr(detail, crash) == NULL &&
        (strncmp(crash, "stack overflow", 14) != 0))
        APPEND(&f, " \xe2\x80\x94 %s", detail);
    APPEND(&f, "\n");
    if (!cx->quiet) {
        fputs(f.text, stdout);
        print_replay_line(stdout, &f, cx->tot.failures, cx->tot.n_failures);
    }
    xp_totals_add_failure(&cx->tot, &f);
    cx->status = 1;
}

/* ------------------------------------------------ in this process */

static int explore_inproc(xcx_t *cx, int *verify_bad, int *exhausted)
{
    cli_t *c = cx->c;
    xp_explorer_t *x = NULL;
    int rc = xp_explorer_new(cx->m, cx->bytes, cx->nb, &c->o, &x);
    if (rc < 0) {
        fprintf(stderr, "csim: %s: %s\n", c->file, scn_strerror(rc));
        return 2;
    }
    uint64_t n = shard_runs(&c->o);
    for (uint64_t j = 0; j < n; j++) {
        uint64_t i = global_run(&c->o, j);
        xp_run_t r;
        rc = xp_explorer_run(x, i, &r);
        if (rc == 1)
            break;
        if (rc < 0) {
            fprintf(stderr, "csim: run %" PRIu64 ": %s\n", i, scn_strerror(rc));
            cx->status = 2;
            break;
        }
        cx->tot.runs++;
        cx->tot.decisions += r.decisions;
        xp_totals_add_schedule(&cx->tot, r.schedule);
        xp_sometimes_count(&cx->tot, r.sometimes);
        if (r.verify_failed) {
            (*verify_bad)++;
            printf("VERIFY run %" PRIu64 ": replaying the schedule gave a "
                   "different trace; %s\n  token: %s\n",
                   i, r.verify_msg, r.token);
        }
        if (r.verdict != SCN_PASS) {
            shr_t s;
            memset(&s, 0, sizeof(s));
            xp_shrunk_t xs;
            double ts = now_s();
            int shrunk = c->o.shrink && xp_shrink(x, &r, &xs) >= 0;
            cx->shrink_s += now_s() - ts;
            if (shrunk && xs.verdict != SCN_PASS) {
                s.ok = 1;
                s.preemptions = xs.preemptions;
                s.from = xs.from_preemptions;
                snprintf(s.token, sizeof(s.token), "%s", xs.token);
                snprintf(s.critical, sizeof(s.critical), "%s", xs.critical);
                snprintf(s.expectation, sizeof(s.expectation), "%s", xs.expectation);
            }
            report_bad(cx, i, verdict_name(r.verdict), r.expectation, r.why,
                       r.token, &s);
        }
        xp_run_free(&r);
        if (cx->status == 1 && !c->o.until_all)
            break;
    }
    *exhausted = xp_explorer_exhausted(x);
    xp_explorer_free(x);
    return 0;
}

/* ------------------------------------------------ in worker processes */

typedef struct pend {
    uint64_t run;
    scn_run_verdict_t verdict;
    char *token, *expectation, *why, *crash, *detail;
} pend_t;

typedef struct wcx {
    xcx_t *cx;
    pend_t *p;
    size_t n, cap;
    int oom;
} wcx_t;

static char *dup_or_null(const char *s)
{
    return s ? sim_alloc_strdup(s) : NULL;
}

static int on_worker_run(const scn_run_report_t *r, void *arg)
{
    wcx_t *w = arg;
    xcx_t *cx = w->cx;
    cx->tot.runs++;
    cx->tot.decisions += r->decisions;
    if (r->schedule[0])
        xp_totals_add_schedule(&cx->tot, strtoull(r->schedule, NULL, 16));
    xp_sometimes_count(&cx->tot, r->sometimes);
    if (r->verdict == SCN_RUN_PASS)
        return 0;
    /* Shrinking starts worker processes of its own: after the loop. */
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        pend_t *np = sim_realloc(w->p, cap * sizeof(*np));
        if (!np) {
            w->oom = 1;
            return 1;
        }
        w->p = np;
        w->cap = cap;
    }
    pend_t *p = &w->p[w->n++];
    p->run = global_run(&cx->c->o, (uint64_t)r->run);
    p->verdict = r->verdict;
    p->token = dup_or_null(r->token);
    p->expectation = dup_or_null(r->expectation);
    p->why = dup_or_null(r->why);
    p->crash = dup_or_null(r->crash);
    p->detail = dup_or_null(r->detail);
    return 0;
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "abort (SIGABRT)";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGTRAP: return "SIGTRAP";
    default: return NULL;
    }
}

/* pct's step estimate, calibrated in a child process: a calibration run
 * that crashes ends the calibration there (the estimate is the maximum of
 * the runs before it), not the explorer.  0 when it could not run. */
static uint64_t calibrate_isolated(xcx_t *cx)
{
    const scn_model_t *m = cx->m;
    const xp_opts_t *o = &cx->c->o;
    int fds[2];
    if (pipe(fds) < 0)
        return 0;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return 0;
    }
    if (pid == 0) {
        close(fds[0]);
        int st = 0;
        for (int j = 0; j < xp_calibration_runs() && st == 0; j++) {
            uint64_t k = 0;
            if (xp_calibration_run(m, o, j, &k) < 0 ||
                write(fds[1], &k, sizeof(k)) != (ssize_t)sizeof(k))
                st = 2;
        }
        close(fds[1]);
        xp_totals_free(&cx->tot);
        scn_model_free((scn_model_t *)cx->m);
        sim_free((char *)cx->bytes);
        _exit(st);
    }
    close(fds[1]);
    uint64_t best = 1, k;
    int got = 0, timed_out = 0;
    for (;;) {
        /* each calibration run gets the per-run --timeout-ms too */
        if (o->timeout_ms) {
            struct pollfd pf = {.fd = fds[0], .events = POLLIN};
            int pr = poll(&pf, 1, (int)o->timeout_ms);
            if (pr < 0 && errno == EINTR)
                continue;
            if (pr == 0) {
                timed_out = 1;
                kill(pid, SIGKILL);
                break;
            }
        }
        ssize_t r = read(fds[0], &k, sizeof(k));
        if (r < 0 && errno == EINTR)
            continue;
        if (r != (ssize_t)sizeof(k))
            break;
        got++;
        if (k > best)
            best = k;
    }
    close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        fprintf(stderr,
                "csim: note: pct calibration run %d timed out after %" PRIu64
                " ms; the step estimate comes from the %d run%s before it\n",
                got, o->timeout_ms, got, got == 1 ? "" : "s");
    } else if (WIFSIGNALED(st)) {
        const char *n = signal_name(WTERMSIG(st));
        fprintf(stderr,
                "csim: note: pct calibration run %d crashed (%s%s); the step "
                "estimate comes from the %d run%s before it\n",
                got, n ? n : "signal ", n ? "" : "?", got, got == 1 ? "" : "s");
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        return 0;
    }
    return best;
}

static int explore_workers(xcx_t *cx, int *exhausted)
{
    cli_t *c = cx->c;
    char self[4096];
    ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (k <= 0) {
        fprintf(stderr, "csim: cannot find the csim binary (/proc/self/exe): %s\n",
                strerror(errno));
        return 2;
    }
    self[k] = '\0';
    uint64_t n = shard_runs(&c->o);
    if (n == 0)
        return 0;
    /* The options every worker needs, canonical. */
    char seed[24], depth[16], pre[24], shard[32], choices[64];
    const char *pass[20];
    size_t np = 0;
    pass[np++] = "--strategy";
    pass[np++] = xp_strategy_name(c->o.strategy);
    snprintf(seed, sizeof(seed), "%" PRIu64, c->o.seed);
    pass[np++] = "--seed";
    pass[np++] = seed;
    snprintf(depth, sizeof(depth), "%u", c->o.depth);
    pass[np++] = "--depth";
    pass[np++] = depth;
    if (c->o.preemptions < 0)
        snprintf(pre, sizeof(pre), "inf");
    else
        snprintf(pre, sizeof(pre), "%ld", c->o.preemptions);
    pass[np++] = "--preemptions";
    pass[np++] = pre;
    if (c->o.choices) {
        scn_choices_format(c->o.choices, choices, sizeof(choices));
        pass[np++] = "--choices";
        pass[np++] = choices;
    }
    if (c->o.variant) {
        pass[np++] = "--variant";
        pass[np++] = c->o.variant;
    }
    char pctk[24];
    if (c->o.strategy == XP_PCT || c->o.strategy == XP_PORTFOLIO) {
        uint64_t k = calibrate_isolated(cx);
        if (k) {
            snprintf(pctk, sizeof(pctk), "%" PRIu64, k);
            pass[np++] = "--pct-k";
            pass[np++] = pctk;
        }
    }
    if (c->o.shard_n > 1) {
        snprintf(shard, sizeof(shard), "%u/%u", c->o.shard_k, c->o.shard_n);
        pass[np++] = "--shard";
        pass[np++] = shard;
    }
    if (n > (uint64_t)LONG_MAX)
        n = (uint64_t)LONG_MAX;
    scn_workers_opts_t wo = {
        .csim = self,
        .scenario = c->file,
        .argv = pass,
        .argc = np,
        .first = 0,
        .runs = (long)n,
        .jobs = (unsigned)c->o.jobs,
        .timeout_ms = (unsigned)c->o.timeout_ms,
        .until_first = !c->o.until_all,
        .progress = 1,
        /* dfs runs depend on the ones before: one worker, one batch */
        .batch = c->o.strategy == XP_DFS ? (long)n : 0,
    };
    wcx_t w = {.cx = cx};
    scn_workers_summary_t sum;
    int rc = scn_workers_run(&wo, on_worker_run, &w, &sum);
    fflush(stderr);
    double ts = now_s();
    for (size_t i = 0; i < w.n; i++) {
        pend_t *p = &w.p[i];
        if (p->verdict == SCN_RUN_CRASH || p->verdict == SCN_RUN_TIMEOUT) {
            report_crash(cx, p->run, scn_run_verdict_name(p->verdict),
                         p->crash ? p->crash : "crash", p->detail, p->token);
        } else {
            shr_t s;
            memset(&s, 0, sizeof(s));
            if (c->o.shrink && p->token) {
                scn_shrink_report_t sr;
                memset(&sr, 0, sizeof(sr));
                char err[512];
                if (scn_workers_shrink(self, c->file, p->token,
                                       (unsigned)c->o.timeout_ms * 4, &sr, err,
                                       sizeof(err)) == 0) {
                    if (sr.verdict && strcmp(sr.verdict, "PASS") != 0 && sr.token) {
                        s.ok = 1;
                        s.preemptions = (size_t)sr.preemptions;
                        s.from = (size_t)sr.from_preemptions;
                        snprintf(s.token, sizeof(s.token), "%s", sr.token);
                        snprintf(s.critical, sizeof(s.critical), "%s",
                                 sr.critical ? sr.critical : "");
                        snprintf(s.expectation, sizeof(s.expectation), "%s",
                                 sr.expectation ? sr.expectation : "");
                    }
                    scn_shrink_report_free(&sr);
                } else {
                    snprintf(s.err, sizeof(s.err), "%s", err);
                }
            }
            report_bad(cx, p->run, scn_run_verdict_name(p->verdict),
                       p->expectation ? p->expectation : "",
                       p->why ? p->why : "", p->token ? p->token : "", &s);
        }
        sim_free(p->token);
        sim_free(p->expectation);
        sim_free(p->why);
        sim_free(p->crash);
        sim_free(p->detail);
    }
    sim_free(w.p);
    cx->shrink_s += now_s() - ts;
    *exhausted = sum.exhausted;
    if (w.oom) {
        fprintf(stderr, "csim: out of memory\n");
        return 2;
    }
    if (rc < 0) {
        fprintf(stderr, "csim: workers: %s\n",
                sum.error[0] ? sum.error : scn_workers_strerror(rc));
        return 2;
    }
    return 0;
}

int xp_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > XP_JOBS_MAX)
        n = XP_JOBS_MAX;
    return (int)n;
}

/* The out-of-memory rule (README, exit codes): no output file named on
 * the command line is left, not even an older one of the same name, which
 * a reader would take for this run's. */
static void drop_outputs(const cli_t *c)
{
    if (c->o.out)
        unlink(c->o.out);
    if (c->junit)
        unlink(c->junit);
    scn_view_unemit(&c->views, c->file);
}

int scn_cmd_explore(int argc, char **argv)
{
    unsigned long failures0 = sim_alloc_failures();
    cli_t c;
    memset(&c, 0, sizeof(c));
    int rc = parse_opts(argc, argv, &c, 0);
    if (rc >= 0)
        return rc;
    if (!c.has_jobs)
        c.o.jobs = xp_default_jobs();
    if (!c.has_timeout)
        c.o.timeout_ms = XP_TIMEOUT_DEFAULT_MS;
    /* Runs are isolated in worker processes, even with one job, so a run
     * that crashes cannot take the exploration down; --verify compares two
     * runs of each schedule in one process. */
    int workers = !c.in_process && !c.o.verify;
    char *bytes;
    size_t nb;
    scn_model_t *m;
    if (load("explore", c.file, &bytes, &nb, &m)) {
        if (sim_alloc_failures() != failures0)
            drop_outputs(&c);
        else if (c.junit && scn_junit_explore(c.junit, c.file, c.file, 1, NULL, 2,
                                         0) < 0)
            fprintf(stderr, "csim: cannot write %s: %s\n", c.junit,
                    strerror(errno));
        return 2;
    }
    if (scn_view_dest_check(&c.views, (char *const *)&c.file, 1, stderr)) {
        scn_model_free(m);
        sim_free(bytes);
        return 2;
    }
    char mask[64];
    scn_choices_format(c.o.choices ? c.o.choices
                       : m->explore_choices ? m->explore_choices
                                            : SIM_CHOICES_DEFAULT,
                       mask, sizeof(mask));
    printf("exploring %s: strategy %s, seed %" PRIu64 ", choices %s", c.file,
           xp_strategy_name(c.o.strategy), c.o.seed, mask);
    if (c.o.strategy == XP_DFS) {
        if (c.o.preemptions < 0)
            printf(", no preemption bound");
        else
            printf(", preemption bound %ld", c.o.preemptions);
    }
    if (c.o.shard_n > 1)
        printf(", shard %u/%u", c.o.shard_k, c.o.shard_n);
    char label[1024];
    scn_variant_label(m, c.o.variant, label, sizeof(label));
    if (label[0])
        printf(", variant %s", label);
    printf("\n");
    fflush(stdout);
    xcx_t cx;
    memset(&cx, 0, sizeof(cx));
    cx.c = &c;
    cx.m = m;
    cx.bytes = bytes;
    cx.nb = nb;
    if (xp_sometimes_init(&cx.tot, m) < 0) {
        fprintf(stderr, "csim: out of memory\n");
        scn_model_free(m);
        sim_free(bytes);
        return 2;
    }
    int verify_bad = 0, exhausted = 0;
    double t0 = now_s();
    rc = workers ? explore_workers(&cx, &exhausted)
                 : explore_inproc(&cx, &verify_bad, &exhausted);
    if (rc == 2) {
        if (sim_alloc_failures() != failures0)
            drop_outputs(&c);
        else if (c.junit && scn_junit_explore(c.junit, c.file, c.file, 0, &cx.tot, 2,
                                         now_s() - t0) < 0)
            fprintf(stderr, "csim: cannot write %s: %s\n", c.junit,
                    strerror(errno));
        xp_totals_free(&cx.tot);
        scn_model_free(m);
        sim_free(bytes);
        return 2;
    }
    int status = cx.status;
    /* runs/s: the exploration, not the shrinking after it */
    cx.tot.seconds = now_s() - t0 - cx.shrink_s;
    cx.tot.hash = scn_content_hash(bytes, nb);
    cx.tot.variant = xp_opts_variant(m, &c.o);
    cx.tot.mask = c.o.choices ? c.o.choices
                  : m->explore_choices ? m->explore_choices : SIM_CHOICES_DEFAULT;
    cx.tot.exhausted = exhausted;
    if (c.o.strategy == XP_DFS) {
        if (exhausted)
            printf("dfs: space exhausted after %zu distinct schedule%s\n",
                   xp_totals_distinct(&cx.tot),
                   xp_totals_distinct(&cx.tot) == 1 ? "" : "s");
        else
            printf("dfs: space not exhausted (stopped after %" PRIu64 " runs)\n",
                   cx.tot.runs);
    }
    if (verify_bad)
        printf("verify: %d run%s replayed differently\n", verify_bad,
               verify_bad == 1 ? "" : "s");
    else if (c.o.verify)
        printf("verify: every replay gave the same trace\n");
    xp_totals_print(&cx.tot, stdout);
    /* a window no explored schedule reached: the exploration proved nothing
     * about it */
    xp_sometimes_print(&cx.tot, stdout);
    if (xp_sometimes_never(&cx.tot) && status == 0)
        status = 1;
    if (c.o.out && xp_totals_write(&cx.tot, c.o.out, c.file, &c.o) < 0) {
        fprintf(stderr, "csim: cannot write %s: %s\n", c.o.out, strerror(errno));
        status = 2;
    }
    if (verify_bad && status == 0)
        status = 1;
    if (c.views.trace_out || c.views.html) {
        /* the first FAIL / HUNG, replayed here (a CRASH would end csim) */
        const xp_failure_t *f = NULL;
        for (size_t i = 0; !f && i < cx.tot.n_failures; i++)
            if ((!strcmp(cx.tot.failures[i].verdict, "FAIL") ||
                 !strcmp(cx.tot.failures[i].verdict, "HUNG")) &&
                cx.tot.failures[i].token[0])
                f = &cx.tot.failures[i];
        if (!f)
            fprintf(stderr, "csim: no failing run to write --trace-out / --html "
                            "of\n");
        else if (scn_view_emit_token(&c.views, c.file, m, bytes, nb, f->token,
                                     stderr) < 0)
            status = 2;
    }
    if (c.junit && sim_alloc_failures() == failures0) {
        char name[1100];
        snprintf(name, sizeof(name), "%s%s%s%s", c.file, label[0] ? " [" : "",
                 label, label[0] ? "]" : "");
        if (scn_junit_explore(c.junit, c.file, name, 0, &cx.tot, status,
                              now_s() - t0) < 0) {
            fprintf(stderr, "csim: cannot write %s: %s\n", c.junit,
                    strerror(errno));
            status = 2;
        }
    }
    if (sim_alloc_failures() != failures0) {
        drop_outputs(&c);
        status = 2;
    }
    fflush(stdout);
    xp_totals_free(&cx.tot);
    scn_model_free(m);
    sim_free(bytes);
    return status;
}

int xp_explore_quiet(const char *file, const scn_model_t *m, const char *bytes,
                     size_t n_bytes, const xp_opts_t *o, int in_process,
                     xp_totals_t *tot)
{
    cli_t c;
    memset(&c, 0, sizeof(c));
    c.o = *o;
    c.file = file;
    c.in_process = in_process;
    xcx_t cx;
    memset(&cx, 0, sizeof(cx));
    cx.c = &c;
    cx.m = m;
    cx.bytes = bytes;
    cx.nb = n_bytes;
    cx.quiet = 1;
    if (xp_sometimes_init(&cx.tot, m) < 0) {
        fprintf(stderr, "csim: out of memory\n");
        *tot = cx.tot;
        return 2;
    }
    int verify_bad = 0, exhausted = 0;
    int rc = !in_process && !o->verify
                 ? explore_workers(&cx, &exhausted)
                 : explore_inproc(&cx, &verify_bad, &exhausted);
    cx.tot.exhausted = exhausted;
    cx.tot.hash = scn_content_hash(bytes, n_bytes);
    cx.tot.variant = xp_opts_variant(m, o);
    *tot = cx.tot;
    return rc == 2 ? 2 : cx.status;
}

/* Whether i is in the comma-separated list (NULL: empty). */
static int in_list(const char *list, uint64_t i)
{
    for (const char *p = list; p && *p;) {
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p)
            return 0;
        if (v == i)
            return 1;
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}

static void jstr(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

int scn_cmd_explore_worker(int argc, char **argv)
{
    char shrink_variant[24];
    cli_t c;
    memset(&c, 0, sizeof(c));
    int rc = parse_opts(argc, argv, &c, 1);
    if (rc >= 0)
        return rc;
    if (!c.shrink && (!c.has_first || !c.has_count))
        return usage(usage_explore, "%s", "explore-worker needs --first I --count K "
                                          "(or --shrink TOKEN)");
    if (c.shrink) {
        /* Shrinking needs no strategy, only the token's choice mask and
         * variant. */
        scn_token_t t0;
        char msg0[512];
        if (scn_token_parse(c.shrink, &t0, msg0, sizeof(msg0)) == 0) {
            c.o.choices = t0.mask;
            snprintf(shrink_variant, sizeof(shrink_variant), "%s", t0.variant);
            c.o.variant = shrink_variant;
            scn_token_free(&t0);
        }
        c.o.strategy = XP_FIFO;
        c.o.shard_k = c.o.shard_n = 1;
    }
    char *bytes;
    size_t nb;
    scn_model_t *m;
    if (load("explore-worker", c.file, &bytes, &nb, &m))
        return 2;
    xp_explorer_t *x = NULL;
    rc = xp_explorer_new(m, bytes, nb, &c.o, &x);
    if (rc < 0) {
        fprintf(stderr, "csim: %s: %s\n", c.file, scn_strerror(rc));
        scn_model_free(m);
        sim_free(bytes);
        return 2;
    }
    int status = 0;
    if (c.shrink) {
        scn_token_t t;
        char msg[512];
        scn_result_t *res = NULL;
        scn_verdict_t v;
        int drifted = 0;
        if (scn_token_parse(c.shrink, &t, msg, sizeof(msg)) < 0) {
            fprintf(stderr, "csim: bad token: %s\n", msg);
            status = 2;
        } else if (xp_replay(m, bytes, nb, &t, 0, &drifted, &res, &v) < 0) {
            fprintf(stderr, "csim: the token does not replay against %s\n", c.file);
            status = 2;
        } else {
            xp_run_t r;
            memset(&r, 0, sizeof(r));
            r.verdict = v.kind;
            snprintf(r.token, sizeof(r.token), "%s", c.shrink);
            r.n_choices = res->n_choices;
            r.choices = sim_malloc((r.n_choices ? r.n_choices : 1) * sizeof(*r.choices));
            if (r.choices && r.n_choices)
                memcpy(r.choices, res->choices, r.n_choices * sizeof(*r.choices));
            xp_shrunk_t s;
            if (r.choices && xp_shrink(x, &r, &s) >= 0) {
                printf("{\"type\":\"shrunk\",\"token\":\"%s\",\"critical\":", s.token);
                jstr(s.critical);
                printf(",\"preemptions\":%zu,\"from_preemptions\":%zu,"
                       "\"verdict\":\"%s\",\"expectation\":",
                       s.preemptions, s.from_preemptions, verdict_name(s.verdict));
                jstr(s.expectation);
                printf("}\n");
            } else {
                status = 2;
            }
            xp_run_free(&r);
            scn_verdict_free(&v);
            scn_result_free(res);
        }
        scn_token_free(&t);
    } else {
        uint64_t ran = 0;
        int exhausted = 0;
        /* dfs: enumerate up to --first again (each run's choice widths
         * decide the next), without executing the runs that crashed. */
        for (uint64_t i = 0; c.o.strategy == XP_DFS && i < c.first; i++) {
            if (in_list(c.skip, i)) {
                rc = xp_explorer_skip(x, i);
            } else {
                xp_run_t r;
                rc = xp_explorer_run(x, i, &r);
                if (rc == 0)
                    xp_run_free(&r);
            }
            if (rc != 0) {
                exhausted = rc == 1;
                break;
            }
        }
        for (uint64_t i = c.first; !exhausted && i < c.first + c.count; i++) {
            /* i counts this shard's runs; g is the run's global index */
            uint64_t g = global_run(&c.o, i);
            char gen[SCN_TOKEN_MAX + 1];
            xp_explorer_gen_token(x, g, gen, sizeof(gen));
            /* (dfs: no token when the space is exhausted, nothing runs) */
            if (gen[0] || c.o.strategy != XP_DFS) {
                printf("{\"type\":\"start\",\"run\":%" PRIu64
                       ",\"token\":\"%s\"}\n",
                       i, gen);
                fflush(stdout);
            }
            xp_run_t r;
            rc = xp_explorer_run(x, g, &r);
            if (rc == 1) {
                exhausted = 1;
                break;
            }
            if (rc < 0) {
                fprintf(stderr, "csim: run %" PRIu64 ": %s\n", i, scn_strerror(rc));
                status = 2;
                break;
            }
            ran++;
            printf("{\"type\":\"run\",\"run\":%" PRIu64 ",\"verdict\":\"%s\","
                   "\"schedule\":\"%016" PRIx64 "\",\"decisions\":%" PRIu64
                   ",\"steps\":%" PRIu64 ",\"token\":\"%s\",\"expectation\":",
                   i, verdict_name(r.verdict), r.schedule, r.decisions, r.steps,
                   r.token);
            jstr(r.expectation);
            printf(",\"why\":");
            jstr(r.why);
            if (r.sometimes)
                printf(",\"sometimes\":\"%s\"", r.sometimes);
            printf("}\n");
            fflush(stdout);
            xp_run_free(&r);
        }
        if (status == 0) {
            printf("{\"type\":\"done\",\"runs\":%" PRIu64 ",\"exhausted\":%s}\n", ran,
                   exhausted ? "true" : "false");
            fflush(stdout);
        }
    }
    xp_explorer_free(x);
    scn_model_free(m);
    sim_free(bytes);
    return status;
}

/* ---------------------------------------------------------------- replay */

typedef struct hash_find {
    uint64_t h;
    char *best;        /* the shallowest match so far (first in walk order) */
    unsigned best_depth;
} hash_find_t;

static int match_hash(const char *path, unsigned depth, void *arg)
{
    hash_find_t *f = arg;
    if (f->best && depth >= f->best_depth)
        return 0;
    size_t nb = 0;
    char *b = NULL;
    scn_read_file(path, &b, &nb);
    if (b && scn_content_hash(b, nb) == f->h) {
        /* "./x.scn" -> "x.scn": paths read as from the current directory */
        const char *p = strncmp(path, "./", 2) == 0 ? path + 2 : path;
        char *c = sim_alloc_strdup(p);
        if (c) {
            sim_free(f->best);
            f->best = c;
            f->best_depth = depth;
        }
    }
    sim_free(b);
    return 0;
}

/* The shallowest *.scn below dir whose content hash is h (at equal depth
 * the first in walk order), within replay's search bounds; NULL when none
 * (msg says why when a bound or an error stopped the search). */
static char *find_by_hash(const char *dir, uint64_t h, char *msg, size_t n_msg)
{
    hash_find_t f = {.h = h};
    scn_walk_limits_t lim = {.max_dirs = SCN_WALK_SEARCH_DIRS,
                             .max_depth = SCN_WALK_SEARCH_DEPTH};
    int rc = scn_walk(dir, &lim, match_hash, &f, msg, n_msg);
    if (f.best || rc == 0)
        msg[0] = '\0';
    return f.best;
}

int scn_cmd_replay(int argc, char **argv)
{
    const char *token = NULL, *file = NULL;
    int trace = 0, cont = 0, json = 0, inproc = 0;
    const char *variant = NULL; /* --variant: another preset, same choices */
    scn_view_dest_t views = {0}; /* --trace-out, --html */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_replay, stdout);
            return 0;
        } else if (!strcmp(a, "--trace")) {
            trace = 1;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--in-process")) {
            inproc = 1;
        } else if (!strcmp(a, "--trace-out") || !strcmp(a, "--html")) {
            if (i + 1 >= argc)
                return usage(usage_replay, "option %s needs a value", a);
            *(a[2] == 't' ? &views.trace_out : &views.html) = argv[++i];
        } else if (!strcmp(a, "--continue")) {
            if (i + 1 >= argc || strcmp(argv[i + 1], "random") != 0)
                return usage(usage_replay, "%s", "--continue takes 'random'");
            cont = 1;
            i++;
        } else if (!strcmp(a, "--variant")) {
            if (i + 1 >= argc)
                return usage(usage_replay, "option %s needs a value", a);
            variant = argv[++i];
            if (scn_preset_check(variant, stderr) < 0)
                return 2;
        } else if (a[0] == '-' && a[1] == '-') {
            return usage(usage_replay, "unknown option '%s'", a);
        } else if (!token) {
            token = a;
        } else if (!file) {
            file = a;
        } else {
            return usage(usage_replay, "unexpected argument '%s'", a);
        }
    }
    if (!token)
        return usage(usage_replay, "%s", "no TOKEN given");
    scn_token_t t;
    char msg[512];
    if (scn_token_parse(token, &t, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "csim: bad replay token: %s\n", msg);
        return 2;
    }
    if (variant && strcmp(variant, t.variant) != 0) {
        /* The same answers, another container: where the preset changes
         * the choice points, answers that no longer fit are clamped. */
        fprintf(stderr, "csim: replaying the token's schedule under variant "
                        "%s (the token was made under %s)\n",
                variant, t.variant);
        snprintf(t.variant, sizeof(t.variant), "%s", variant);
    }
    char *found = NULL;
    if (!file) {
        char why[512];
        found = find_by_hash(".", t.hash, why, sizeof(why));
        if (!found) {
            fprintf(stderr, "csim: no *.scn below the current directory has the "
                            "token's content hash%s%s%s; name the FILE\n",
                    why[0] ? " (search stopped: " : "", why,
                    why[0] ? "; symlinked directories are not followed)" : "");
            scn_token_free(&t);
            return 2;
        }
        fprintf(stderr, "csim: replaying against %s (its content hash matches "
                        "the token)\n", found);
        file = found;
    }
    char *bytes;
    size_t nb;
    scn_model_t *m;
    if (load("replay", file, &bytes, &nb, &m)) {
        sim_free(found);
        scn_token_free(&t);
        return 2;
    }
    if (scn_view_dest_check(&views, (char *const *)&file, 1, stderr)) {
        scn_model_free(m);
        sim_free(bytes);
        sim_free(found);
        scn_token_free(&t);
        return 2;
    }
    /* The run may crash the process (that is what a CRASH token names):
     * run it in a child and report how it died. */
    pid_t child = -1;
    if (!inproc) {
        fflush(stdout);
        fflush(stderr);
        child = fork();
        if (child > 0) {
            int st = 0, status;
            while (waitpid(child, &st, 0) < 0 && errno == EINTR)
                ;
            if (WIFSIGNALED(st)) {
                const char *n = signal_name(WTERMSIG(st));
                char sig[32];
                if (!n) {
                    snprintf(sig, sizeof(sig), "signal %d", WTERMSIG(st));
                    n = sig;
                }
                fflush(stdout);
                if (json) {
                    printf("{\"type\":\"result\",\"path\":");
                    jstr(file);
                    printf(",\"variant\":");
                    jstr(t.variant);
                    printf(",\"verdict\":\"CRASH\",\"crash\":");
                    jstr(n);
                    printf(",\"signal\":%d,\"trace\":null}\n", WTERMSIG(st));
                } else {
                    char label[1024];
                    scn_variant_label(m, t.variant, label, sizeof(label));
                    printf("CRASH  %s%s%s%s  (the run crashed: %s)\n", file,
                           label[0] ? " [" : "", label, label[0] ? "]" : "", n);
                    if (trace)
                        printf("  no trace is available for a crashed run: the "
                               "trace is printed when the run ends, and this "
                               "one killed the replay process first\n");
                }
                status = 3;
            } else {
                status = WIFEXITED(st) ? WEXITSTATUS(st) : 2;
            }
            fflush(stdout);
            scn_model_free(m);
            sim_free(bytes);
            sim_free(found);
            scn_token_free(&t);
            return status;
        }
        if (child < 0)
            fprintf(stderr, "csim: note: cannot fork (%s); replaying in this "
                            "process\n", strerror(errno));
    }
    scn_result_t *r = NULL;
    scn_verdict_t v;
    int drifted = 0, status;
    int rc = xp_replay(m, bytes, nb, &t, cont, &drifted, &r, &v);
    uint64_t fh = scn_content_hash(bytes, nb);
    if (rc == SCN_EIO && drifted) {
        fprintf(stderr,
                "csim: %s is not the file the token was made for, or it "
                "changed since (content hash %012" PRIx64 ", the token's "
                "%012" PRIx64 "); refusing to replay.\n"
                "      `--continue random` replays the recorded prefix as far "
                "as it applies and finishes under a seeded random scheduler\n",
                file, fh, t.hash);
        status = 2;
    } else if (rc < 0) {
        fprintf(stderr, "csim: replay failed: %s\n", scn_strerror(rc));
        status = 2;
    } else {
        if (drifted)
            fprintf(stderr,
                    "csim: note: %s has changed since the token was made; "
                    "replayed the recorded prefix (%zu choice%s, clamped where "
                    "they no longer fit) and finished under random seed %" PRIu64
                    "\n",
                    file, t.n_answers, t.n_answers == 1 ? "" : "s", t.seed);
        scn_reporter_t rp = {.out = stdout, .err = stderr, .trace = trace,
                             .json = json};
        scn_report_result(&rp, file, m, r, &v);
        status = v.kind == SCN_PASS ? 0 : 1;
        if (views.trace_out || views.html) {
            scn_view_t sv;
            char crit[512];
            scn_view_init(&sv, file, m, r, &v);
            sv.token = token;
            if (!drifted)
                scn_view_find_critical(&sv, m, bytes, nb, &t, crit, sizeof(crit));
            if (scn_view_emit(&views, &sv, stderr) < 0)
                status = 2;
        }
        scn_verdict_free(&v);
        scn_result_free(r);
    }
    fflush(stdout);
    fflush(stderr);
    scn_model_free(m);
    sim_free(bytes);
    sim_free(found);
    scn_token_free(&t);
    if (child == 0)
        _exit(status);
    return status;
}

/* Why result files a and b cannot be merged ("" when they can). */
static void meta_mismatch(const xp_meta_t *a, const xp_meta_t *b, char *out,
                          size_t n)
{
    out[0] = '\0';
    if (a->hash != b->hash)
        snprintf(out, n, "a different scenario (content hash %012" PRIx64
                 " of %s, %012" PRIx64 " of %s)", a->hash, a->scenario, b->hash,
                 b->scenario);
    else if (strcmp(a->variant, b->variant))
        snprintf(out, n, "a different variant (%s, %s)", a->variant, b->variant);
    else if (strcmp(a->strategy, b->strategy))
        snprintf(out, n, "a different strategy (%s, %s)", a->strategy, b->strategy);
    else if (a->seed != b->seed)
        snprintf(out, n, "a different seed (%" PRIu64 ", %" PRIu64 ")", a->seed,
                 b->seed);
    else if (a->depth != b->depth)
        snprintf(out, n, "a different pct depth (%u, %u)", a->depth, b->depth);
    else if (a->preemptions != b->preemptions)
        snprintf(out, n, "a different preemption bound (%ld, %ld; -1 = inf)",
                 a->preemptions, b->preemptions);
    else if (a->mask != b->mask)
        snprintf(out, n, "different choices (mask %02x, %02x)", a->mask, b->mask);
    else if (a->budget != b->budget)
        snprintf(out, n, "a different --runs (%" PRIu64 ", %" PRIu64 ")",
                 a->budget, b->budget);
    else if (a->until_all != b->until_all)
        snprintf(out, n, "a different --until (%s, %s)",
                 a->until_all ? "all" : "first", b->until_all ? "all" : "first");
    else if (a->shard_n != b->shard_n)
        snprintf(out, n, "a different shard count (--shard K/%u, K/%u)",
                 a->shard_n, b->shard_n);
}

int scn_cmd_merge(int argc, char **argv)
{
    if (argc == 0)
        return usage(usage_merge, "%s", "no result files given");
    if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        fputs(usage_merge, stdout);
        return 0;
    }
    xp_totals_t tot;
    memset(&tot, 0, sizeof(tot));
    xp_meta_t first;
    memset(&first, 0, sizeof(first));
    unsigned char *have = NULL; /* have[K-1]: shard K given */
    int all_exhausted = 1;
    for (int i = 0; i < argc; i++) {
        char msg[600];
        if (xp_totals_read(&tot, argv[i], msg, sizeof(msg)) < 0) {
            fprintf(stderr, "csim: %s\n", msg);
            goto bad;
        }
        const xp_meta_t *mt = &tot.last;
        if (mt->shard_n < 1 || mt->shard_k < 1 || mt->shard_k > mt->shard_n ||
            !mt->strategy[0] || !mt->variant[0]) {
            fprintf(stderr, "csim: %s: no shard / strategy / variant recorded "
                            "(written by an older csim?)\n", argv[i]);
            goto bad;
        }
        if (i == 0) {
            first = *mt;
            have = sim_calloc(mt->shard_n, 1);
            if (!have) {
                fprintf(stderr, "csim: out of memory\n");
                goto bad;
            }
        } else {
            meta_mismatch(&first, mt, msg, sizeof(msg));
            if (msg[0]) {
                fprintf(stderr, "csim: cannot merge %s with %s: %s\n", argv[i],
                        argv[0], msg);
                goto bad;
            }
        }
        if (have[mt->shard_k - 1]) {
            fprintf(stderr, "csim: cannot merge: shard %u/%u is given twice (%s)\n",
                    mt->shard_k, mt->shard_n, argv[i]);
            goto bad;
        }
        have[mt->shard_k - 1] = 1;
        all_exhausted &= mt->exhausted;
    }
    for (size_t i = 0; i < tot.n_failures; i++) {
        const xp_failure_t *f = &tot.failures[i];
        if (f->text[0])
            fputs(f->text, stdout);
        else
            printf("%s run %" PRIu64 ": %s\n", f->verdict, f->run, f->expectation);
        print_replay_line(stdout, f, tot.failures, tot.n_failures);
    }
    unsigned given = 0;
    for (unsigned k = 0; k < first.shard_n; k++)
        given += have[k];
    if (given < first.shard_n) {
        printf("partial: shards ");
        for (unsigned k = 0, sep = 0; k < first.shard_n; k++)
            if (have[k]) {
                printf("%s%u", sep++ ? "," : "", k + 1);
            }
        printf(" of %u\n", first.shard_n);
    }
    if (!strcmp(first.strategy, "dfs")) {
        size_t d = xp_totals_distinct(&tot);
        if (given == first.shard_n && all_exhausted)
            printf("dfs: space exhausted after %zu distinct schedule%s\n", d,
                   d == 1 ? "" : "s");
        else
            printf("dfs: space not exhausted (%s)\n",
                   given < first.shard_n ? "shards missing"
                                         : "a shard stopped at its --runs");
    }
    xp_totals_print(&tot, stdout);
    xp_sometimes_print(&tot, stdout);
    int status = tot.n_failures || xp_sometimes_never(&tot) ? 1 : 0;
    sim_free(have);
    xp_totals_free(&tot);
    return status;
bad:
    sim_free(have);
    xp_totals_free(&tot);
    return 2;
}

char *xp_find_by_hash(const char *dir, uint64_t h, char *msg, size_t n_msg)
{
    return find_by_hash(dir, h, msg, n_msg);
}
