/*
 * test_workers.c - the worker-process layer of `csim explore`
 * (harness/scn_workers.h): results in run order for any number of jobs, a
 * crashing, aborting, overflowing or hanging run reported with its token
 * while every other result still arrives, --until first, workers that exit
 * early, no fd or zombie left behind, the progress line only on a TTY.
 *
 * The worker is this test binary itself: started as `test_workers
 * explore-worker FILE ...` it plays a fake `csim explore-worker` (see
 * fake_worker) that can be told to misbehave at a given run.  The last
 * test runs the real `csim explore-worker` from CSIM_BIN when it exists.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scn_workers.h"

#ifndef CSIM_SOURCE_DIR
#define CSIM_SOURCE_DIR "."
#endif
#define DATA CSIM_SOURCE_DIR "/tests/data/workers/"

/* ------------------------------------------------------------ fake worker */

static void put_all(const char *s, size_t n, int partial) {
    while (n > 0) {
        size_t k = partial && n > 3 ? 3 : n;
        ssize_t w = write(STDOUT_FILENO, s, k);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            _exit(120);
        }
        s += w;
        n -= (size_t)w;
        if (partial)
            usleep(100);
    }
}

static void say(int partial, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    put_all(buf, (size_t)n, partial);
}

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* A fake `csim explore-worker FILE [options] --first I --count K`, and
 * `... FILE --shrink TOKEN`.  Misbehaviour at run X: --fake-segv X,
 * --fake-abort X, --fake-overflow X (sim's message, then exit 3),
 * --fake-overflow-segv X (message, then SIGSEGV), --fake-hang X,
 * --fake-fail X (FAIL, with a `why` full of escapes), --fake-garbage X,
 * --fake-asan X (a sanitizer report, then exit 1);
 * --fake-exit-after N (every process exits without "done" after N runs),
 * --fake-space N (the space ends at run N), --fake-badopt (usage error),
 * --fake-partial (lines written a few bytes at a time). */
static int fake_worker(int argc, char **argv) {
    long first = 0, count = 0, segv = -1, abrt = -1, ovf = -1, ovfsegv = -1,
         hang = -1, failx = -1, asan = -1, garbage = -1, exit_after = -1,
         space = -1;
    int partial = 0, failed = 0;
    const char *shrink = NULL;
    struct rlimit nocore = {0, 0};
    setrlimit(RLIMIT_CORE, &nocore);
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : "0";
        long *dst = NULL;
        if (strcmp(a, "--first") == 0)
            dst = &first;
        else if (strcmp(a, "--count") == 0)
            dst = &count;
        else if (strcmp(a, "--fake-segv") == 0)
            dst = &segv;
        else if (strcmp(a, "--fake-abort") == 0)
            dst = &abrt;
        else if (strcmp(a, "--fake-overflow") == 0)
            dst = &ovf;
        else if (strcmp(a, "--fake-overflow-segv") == 0)
            dst = &ovfsegv;
        else if (strcmp(a, "--fake-hang") == 0)
            dst = &hang;
        else if (strcmp(a, "--fake-asan") == 0)
            dst = &asan;
        else if (strcmp(a, "--fake-fail") == 0)
            dst = &failx;
        else if (strcmp(a, "--fake-garbage") == 0)
            dst = &garbage;
        else if (strcmp(a, "--fake-exit-after") == 0)
            dst = &exit_after;
        else if (strcmp(a, "--fake-space") == 0)
            dst = &space;
        else if (strcmp(a, "--fake-partial") == 0)
            partial = 1;
        else if (strcmp(a, "--shrink") == 0)
            shrink = argv[++i];
        else if (strcmp(a, "--skip") == 0 && i + 1 < argc)
            i++; /* the runs that crashed before (a dfs worker's business) */
        else if (strcmp(a, "--fake-badopt") == 0) {
            fprintf(stderr, "csim: unknown option '--fake-badopt'\n");
            return 2;
        } else {
            fprintf(stderr, "fake worker: unknown option %s\n", a);
            return 2;
        }
        if (dst) {
            *dst = strtol(v, NULL, 10);
            i++;
        }
    }
    if (shrink) {
        if (strcmp(shrink, "crash") == 0) {
            signal(SIGSEGV, SIG_DFL);
            raise(SIGSEGV);
        }
        say(0,
            "{\"type\":\"shrunk\",\"token\":\"%s-s\",\"critical\":\"a "
            "before b\",\"preemptions\":1}\n",
            shrink);
        return 0;
    }
    for (long i = first; i < first + count; i++) {
        if (space >= 0 && i >= space) {
            /* like csim's dfs: the start line, then the space is empty */
            say(partial, "{\"type\":\"start\",\"run\":%ld,\"token\":\"g\"}\n",
                i);
            say(partial,
                "{\"type\":\"done\",\"runs\":%ld,\"exhausted\":true}\n",
                i - first);
            return 0;
        }
        say(partial,
            "{\"type\":\"start\",\"run\":%ld,\"token\":\"fake:%ld\"}\n", i, i);
        if (i == garbage)
            say(0, "this is not JSON\n");
        if (i == segv) {
            /* A real fault would be caught by a sanitizer build's handler. */
            signal(SIGSEGV, SIG_DFL);
            raise(SIGSEGV);
        }
        if (i == asan) {
            fprintf(stderr, "==1==ERROR: AddressSanitizer: heap-use-after-free "
                            "on address 0x602000000010\n");
            return 1;
        }
        if (i == abrt) {
            fprintf(stderr, "fake: worker.c:42: run: Assertion `x' failed.\n");
            abort();
        }
        if (i == ovf || i == ovfsegv) {
            fprintf(stderr,
                    "csim: green thread 'worker-2' overflowed its stack\n");
            if (i == ovfsegv)
                raise(SIGSEGV);
            return 3;
        }
        if (i == hang)
            for (;;)
                pause();
        if (i == failx) {
            failed = 1;
            say(partial,
                "{\"type\":\"run\",\"run\":%ld,\"verdict\":\"FAIL\","
                "\"schedule\":\"%016llx\",\"decisions\":%ld,\"steps\":%ld,"
                "\"token\":\"fake:%ld\",\"extra\":{\"a\":[1,2.5,null]},"
                "\"expectation\":\"a then b\",\"why\":\"line1\\n\\\"q\\\" "
                "\\\\ caf\\u00e9 \\ud83d\\ude00\"}\n",
                i, (unsigned long long)mix((uint64_t)i), 3 * i + 1, 7 * i + 2,
                i);
        } else {
            say(partial,
                "{\"type\":\"run\",\"run\":%ld,\"verdict\":\"PASS\","
                "\"schedule\":\"%016llx\",\"decisions\":%ld,\"steps\":%ld,"
                "\"token\":\"fake:%ld\",\"expectation\":\"\",\"why\":\"\"}\n",
                i, (unsigned long long)mix((uint64_t)i), 3 * i + 1, 7 * i + 2,
                i);
        }
        if (exit_after > 0 && i - first + 1 == exit_after &&
            i + 1 < first + count)
            return 0;
    }
    say(partial, "{\"type\":\"done\",\"runs\":%ld,\"exhausted\":false}\n",
        count);
    return failed; /* like csim: 1 when a run failed */
}

/* ------------------------------------------------------------ helpers */

static char self_path[4096];

typedef struct rec {
    long run;
    scn_run_verdict_t verdict;
    char token[64], schedule[17], crash[128], why[128], detail[128];
    uint64_t decisions, steps;
} rec_t;

typedef struct col {
    rec_t r[512];
    long n;
    long stop_at; /* return 1 from the callback at this run; -1 never */
} col_t;

static void cpy(char *d, size_t n, const char *s) {
    snprintf(d, n, "%s", s ? s : "(null)");
}

static int collect(const scn_run_report_t *r, void *arg) {
    col_t *c = arg;
    rec_t *x;
    assert_true(c->n < 512);
    x = &c->r[c->n++];
    x->run = r->run;
    x->verdict = r->verdict;
    cpy(x->token, sizeof(x->token), r->token);
    cpy(x->schedule, sizeof(x->schedule), r->schedule);
    cpy(x->crash, sizeof(x->crash), r->crash);
    cpy(x->why, sizeof(x->why), r->why);
    cpy(x->detail, sizeof(x->detail), r->detail);
    x->decisions = r->decisions;
    x->steps = r->steps;
    return c->stop_at >= 0 && r->run == c->stop_at;
}

/* Run the fake worker with extra options (NULL-terminated). */
static int supervise(col_t *c, scn_workers_summary_t *sum, long first,
                     long runs, unsigned jobs, long batch, unsigned timeout,
                     int until_first, const char *const *extra) {
    scn_workers_opts_t o;
    size_t n = 0;
    while (extra && extra[n])
        n++;
    memset(&o, 0, sizeof(o));
    o.csim = self_path;
    o.scenario = DATA "lifecycle.scn";
    o.argv = extra;
    o.argc = n;
    o.first = first;
    o.runs = runs;
    o.jobs = jobs;
    o.batch = batch;
    o.timeout_ms = timeout;
    o.until_first = until_first;
    memset(c, 0, sizeof(*c));
    c->stop_at = -1;
    return scn_workers_run(&o, collect, c, sum);
}

static void assert_in_order(const col_t *c, long first, long n) {
    assert_int_equal(c->n, n);
    for (long i = 0; i < n; i++)
        assert_int_equal(c->r[i].run, first + i);
}

static void assert_same(const col_t *a, const col_t *b) {
    assert_int_equal(a->n, b->n);
    for (long i = 0; i < a->n; i++) {
        assert_int_equal(a->r[i].run, b->r[i].run);
        assert_int_equal(a->r[i].verdict, b->r[i].verdict);
        assert_string_equal(a->r[i].token, b->r[i].token);
        assert_string_equal(a->r[i].schedule, b->r[i].schedule);
        assert_string_equal(a->r[i].crash, b->r[i].crash);
        assert_int_equal(a->r[i].decisions, b->r[i].decisions);
    }
}

static int count_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void assert_no_children(void) {
    errno = 0;
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

static col_t ca, cb;

/* ------------------------------------------------------------ tests */

static void test_all_runs_in_order_for_any_jobs(void **st) {
    scn_workers_summary_t sum;
    (void)st;
    for (unsigned j = 1; j <= 3; j++) {
        col_t *c = j == 1 ? &ca : &cb;
        assert_int_equal(supervise(c, &sum, 100, 50, j, 4, 0, 0, NULL), 0);
        assert_in_order(c, 100, 50);
        assert_int_equal(sum.delivered, 50);
        assert_int_equal(sum.pass, 50);
        assert_int_equal(sum.workers, 13);
        assert_int_equal(sum.first_bad, -1);
        assert_string_equal(c->r[0].token, "fake:100");
        assert_int_equal(c->r[0].decisions, 301);
        assert_int_equal(c->r[0].steps, 702);
        assert_int_equal(strlen(c->r[0].schedule), 16);
        if (j > 1)
            assert_same(&ca, &cb);
        assert_no_children();
    }
}

static void test_fail_fields_and_escapes(void **st) {
    scn_workers_summary_t sum;
    const char *const extra[] = {"--fake-fail", "5", NULL};
    (void)st;
    assert_int_equal(supervise(&ca, &sum, 0, 10, 2, 3, 0, 0, extra), 0);
    assert_in_order(&ca, 0, 10);
    assert_int_equal(ca.r[5].verdict, SCN_RUN_FAIL);
    assert_string_equal(ca.r[5].why,
                        "line1\n\"q\" \\ caf\xc3\xa9 \xf0\x9f\x98\x80");
    assert_int_equal(sum.fail, 1);
    assert_int_equal(sum.first_bad, 5);
    assert_int_equal(sum.decisions, 3 * 45 + 10);
}

static void test_partial_lines_across_reads(void **st) {
    scn_workers_summary_t sum;
    const char *const extra[] = {"--fake-partial", "--fake-fail", "2", NULL};
    (void)st;
    assert_int_equal(supervise(&ca, &sum, 0, 6, 2, 3, 0, 0, extra), 0);
    assert_in_order(&ca, 0, 6);
    assert_int_equal(ca.r[2].verdict, SCN_RUN_FAIL);
    assert_string_equal(ca.r[4].token, "fake:4");
}

static void test_segv_is_a_crash_with_its_token(void **st) {
    scn_workers_summary_t sum;
    const char *const extra[] = {"--fake-segv", "6", NULL};
    (void)st;
    for (unsigned j = 1; j <= 3; j++) {
        col_t *c = j == 1 ? &ca : &cb;
        assert_int_equal(supervise(c, &sum, 0, 20, j, 4, 0, 0, extra), 0);
        assert_in_order(c, 0, 20);
        assert_int_equal(c->r[6].verdict, SCN_RUN_CRASH);
        assert_string_equal(c->r[6].token, "fake:6");
        assert_string_equal(c->r[6].crash, "SIGSEGV");
        assert_int_equal(sum.crash, 1);
        assert_int_equal(sum.pass, 19);
        assert_int_equal(sum.workers, 6); /* 5 batches + the rest of run 6's */
        if (j > 1)
            assert_same(&ca, &cb);
    }
    assert_no_children();
}

static void test_abort_is_a_crash(void **st) {
    scn_workers_summary_t sum;
    const char *const extra[] = {"--fake-abort", "3", NULL};
    (void)st;
    assert_int_equal(supervise(&ca, &sum, 0, 8, 2, 4, 0, 0, extra), 0);
    assert_in_order(&ca, 0, 8);
    assert_int_equal(ca.r[3].verdict, SCN_RUN_CRASH);
    assert_string_equal(ca.r[3].token, "fake:3");
    assert_string_equal(ca.r[3].crash, "abort (SIGABRT)");
    assert_string_equal(ca.r[3].detail,
                        "fake: worker.c:42: run: Assertion `x' failed.");
    assert_int_equal(sum.crash, 1);
}

static void test_sanitizer_report_is_named(void **st) {
    scn_workers_summary_t sum;
    const char *const extra[] = {"--fake-asan", "1", NULL};
    (void)st;
    assert_int_equal(supervise(&ca, &sum, 0, 4, 1, 4, 0, 0, extra), 0);
    assert_in_order(&ca, 0, 4);
    assert_int_equal(ca.r[1].verdict, SCN_RUN_CRASH);
    assert_string_equal(ca.r[1].crash, "AddressSanitizer: heap-use-after-free");
}

static void test_stack_overflow_names_the_thread(void **st) {
    scn_workers_summary_t sum;
    const char *const exits[] = {"--fake-overflow", "4", NULL};
    const char *const segv[] = {"--fake-overflow-segv", "4", NULL};
    (void)st;
    assert_int_equal(supervise(&ca, &sum, 0, 8, 2, 3, 0, 0, exits), 0);
    assert_in_order(&ca, 0, 8);
    assert_int_equal(ca.r[4].verdict, SCN_RUN_CRASH);
    assert_string_equal(ca.r[4].token, "fake:4");
    assert_string_equal(ca.r[4].crash,
                        "stack overflow in green thread 'worker-2'");
    assert_int_equal(supervise(&cb, &sum, 0, 8, 2, 3, 0, 0, segv), 0);
    assert_same(&ca, &cb);
}

static void test_hang_is_a_timeout_and_the_rest_arrives(void **st) {
    scn_workers_summary_t sum;
    const char *const extra[] = {"--fake-hang", "5", NULL};
    (void)st;
    assert_int_equal(supervise(&ca, &sum, 0, 12, 2, 4, 300, 0, extra), 0);
    assert_in_order(&ca, 0, 12);
    assert_int_equal(ca.r[5].verdict, SCN_RUN_TIMEOUT);
    assert_string_equal(ca.r[5].token, "fake:5");
    assert_string_equal(ca.r[5].crash, "timeout after 300 ms");
    assert_int_equal(sum.timeout, 1);
    assert_int_equal(sum.pass, 11);
    assert_true(sum.seconds >= 0.29);
    assert_no_children();
}

static void test_until_first_delivers_everything_before_it(void **st) {
    scn_workers_summary_t sum;
    const char *const extra[] = {"--fake-fail", "13", "--fake-segv", "30",
                                 NULL};
    (void)st;
    for (unsigned j = 1; j <= 3; j++) {
        col_t *c = j == 1 ? &ca : &cb;
        assert_int_equal(supervise(c, &sum, 0, 40, j, 4, 0, 1, extra), 0);
        assert_in_order(c, 0, 14);
        assert_int_equal(c->r[13].verdict, SCN_RUN_FAIL);
        assert_int_equal(sum.stopped, 1);
        assert_int_equal(sum.first_bad, 13);
        assert_int_equal(sum.crash, 0);
        if (j > 1)
            assert_same(&ca, &cb);
    }
    assert_no_children();
}

static void test_until_first_with_a_crash(void **st) {
    scn_workers_summary_t sum;
    const char *const extra[] = {"--fake-segv", "9", NULL};
    (void)st;
    assert_int_equal(supervise(&ca, &sum, 0, 40, 3, 4, 0, 1, extra), 0);
    assert_in_order(&ca, 0, 10);
    assert_int_equal(ca.r[9].verdict, SCN_RUN_CRASH);
    assert_string_equal(ca.r[9].token, "fake:9");
}

static void test_callback_can_stop(void **st) {
    scn_workers_summary_t sum;
    scn_workers_opts_t o;
    (void)st;
    memset(&o, 0, sizeof(o));
    o.csim = self_path;
    o.scenario = DATA "lifecycle.scn";
    o.runs = 30;
    o.jobs = 2;
    o.batch = 4;
    memset(&ca, 0, sizeof(ca));
    ca.stop_at = 6;
    assert_int_equal(scn_workers_run(&o, collect, &ca, &sum), 0);
    assert_in_order(&ca, 0, 7);
    assert_int_equal(sum.stopped, 1);
    assert_no_children();
}

static void test_early_exit_reruns_the_missing_runs(void **st) {
    scn_workers_summary_t sum;
    const char *const extra[] = {"--fake-exit-after", "3", NULL};
    (void)st;
    assert_int_equal(supervise(&ca, &sum, 0, 20, 2, 8, 0, 0, extra), 0);
    assert_in_order(&ca, 0, 20);
    assert_int_equal(sum.pass, 20);
    /* batches 0-7, 8-15, 16-19: 3 + 3 + 2 processes */
    assert_int_equal(sum.workers, 8);
    for (long i = 0; i < 20; i++)
        assert_int_equal(ca.r[i].verdict, SCN_RUN_PASS);
}

static void test_exhausted_space_ends_the_runs(void **st) {
    scn_workers_summary_t sum;
    const char *const extra[] = {"--fake-space", "10", NULL};
    (void)st;
    assert_int_equal(supervise(&ca, &sum, 0, 30, 3, 4, 0, 0, extra), 0);
    assert_in_order(&ca, 0, 10);
    assert_int_equal(sum.exhausted, 1);
    assert_no_children();
}

static void test_worker_that_cannot_start_is_an_error(void **st) {
    scn_workers_summary_t sum;
    const char *const bad[] = {"--fake-badopt", NULL};
    scn_workers_opts_t o;
    (void)st;
    assert_int_equal(supervise(&ca, &sum, 0, 10, 2, 4, 0, 0, bad),
                     SCN_WORKERS_EWORKER);
    assert_int_equal(ca.n, 0);
    assert_non_null(strstr(sum.error, "exit status 2"));
    assert_non_null(strstr(sum.error, "unknown option '--fake-badopt'"));

    memset(&o, 0, sizeof(o));
    o.csim = "/nonexistent/csim";
    o.scenario = DATA "lifecycle.scn";
    o.runs = 5;
    assert_int_equal(scn_workers_run(&o, NULL, NULL, &sum),
                     SCN_WORKERS_EWORKER);
    assert_non_null(strstr(sum.error, "cannot start worker"));
    o.runs = 0;
    assert_int_equal(scn_workers_run(&o, NULL, NULL, &sum), SCN_WORKERS_EINVAL);
    assert_no_children();
}

static void test_protocol_garbage_is_an_error(void **st) {
    scn_workers_summary_t sum;
    const char *const extra[] = {"--fake-garbage", "6", NULL};
    (void)st;
    assert_int_equal(supervise(&ca, &sum, 0, 12, 1, 4, 0, 0, extra),
                     SCN_WORKERS_EWORKER);
    assert_in_order(&ca, 0, 6); /* what came before still arrived */
    assert_non_null(strstr(sum.error, "this is not JSON"));
    assert_no_children();
}

static void test_no_fd_leak_across_supervisions(void **st) {
    scn_workers_summary_t sum;
    const char *const extra[] = {"--fake-segv", "2", "--fake-hang", "5", NULL};
    int before;
    (void)st;
    /* A respawned worker that reports no run within the timeout is an
     * error, not the timeout this test wants; under valgrind or ASan
     * (CSIM_TEST_SLOW, set by tests/valgrind.sh and tests/sanitize.sh)
     * forking and starting a worker can take longer than 300 ms. */
    unsigned ms = getenv("CSIM_TEST_SLOW") ? 1500 : 300;
    assert_int_equal(supervise(&ca, &sum, 0, 8, 2, 4, ms, 0, extra), 0);
    before = count_fds();
    for (int i = 0; i < 20; i++) {
        assert_int_equal(supervise(&ca, &sum, 0, 8, 2, 4, ms, 0, extra), 0);
        assert_int_equal(sum.crash, 1);
        assert_int_equal(sum.timeout, 1);
    }
    assert_int_equal(count_fds(), before);
    assert_no_children();
}

static void test_progress_line_only_on_a_tty(void **st) {
    scn_workers_summary_t sum;
    scn_workers_opts_t o;
    const char *const slow[] = {"--fake-partial", NULL};
    char buf[8192];
    FILE *f;
    int m, n;
    (void)st;
    memset(&o, 0, sizeof(o));
    o.csim = self_path;
    o.scenario = DATA "lifecycle.scn";
    o.argv = slow;
    o.argc = 1;
    o.runs = 40;
    o.jobs = 2;
    o.batch = 4;
    o.progress = 1;

    /* not a TTY: nothing */
    f = tmpfile();
    assert_non_null(f);
    o.progress_stream = f;
    assert_int_equal(scn_workers_run(&o, NULL, NULL, &sum), 0);
    assert_int_equal(ftell(f), 0);
    fclose(f);

    /* a pseudo-terminal: the line, then erased */
    m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0)
        skip();
    assert_int_equal(grantpt(m), 0);
    assert_int_equal(unlockpt(m), 0);
    f = fopen(ptsname(m), "w");
    assert_non_null(f);
    o.progress_stream = f;
    assert_int_equal(scn_workers_run(&o, NULL, NULL, &sum), 0);
    assert_true(sum.seconds > 0.1);
    fclose(f);
    n = 0;
    for (;;) {
        ssize_t k = read(m, buf + n, sizeof(buf) - 1 - (size_t)n);
        if (k <= 0)
            break; /* EIO once the slave side is closed and drained */
        n += (int)k;
    }
    close(m);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\r  runs "));
    assert_non_null(strstr(buf, "/40  "));
    assert_non_null(strstr(buf, " runs/s  "));
    assert_non_null(strstr(buf, " failures"));
    assert_true(n >= 4 && strcmp(buf + n - 4, "\r\033[K") == 0);
}

static void test_shrink_in_a_worker(void **st) {
    scn_shrink_report_t r;
    char err[256];
    (void)st;
    assert_int_equal(scn_workers_shrink(self_path, DATA "lifecycle.scn", "tok",
                                        2000, &r, err, sizeof(err)),
                     0);
    assert_string_equal(r.token, "tok-s");
    assert_string_equal(r.critical, "a before b");
    assert_int_equal(r.preemptions, 1);
    scn_shrink_report_free(&r);
    assert_int_equal(scn_workers_shrink(self_path, DATA "lifecycle.scn",
                                        "crash", 2000, &r, err, sizeof(err)),
                     SCN_WORKERS_EWORKER);
    assert_non_null(strstr(err, "SIGSEGV"));
    assert_null(r.token);
    assert_no_children();
}

/* The real `csim explore-worker`, once it exists: same results for any J. */
static void test_real_worker_if_present(void **st) {
    const char *bin = getenv("CSIM_BIN");
    scn_workers_summary_t sa, sb;
    scn_workers_opts_t o;
    char cmd[4400];
    int rc;
    (void)st;
    if (!bin || !*bin)
        skip();
    snprintf(cmd, sizeof(cmd),
             "'%s' explore-worker '%s' --first 0 --count 1 >/dev/null 2>&1",
             bin, DATA "lifecycle.scn");
    rc = system(cmd);
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) == 2)
        skip(); /* no explore-worker command (yet) */
    memset(&o, 0, sizeof(o));
    o.csim = bin;
    o.scenario = DATA "lifecycle.scn";
    o.runs = 60;
    o.batch = 8;
    o.timeout_ms = 10000;
    o.jobs = 1;
    memset(&ca, 0, sizeof(ca));
    ca.stop_at = -1;
    assert_int_equal(scn_workers_run(&o, collect, &ca, &sa), 0);
    o.jobs = 3;
    memset(&cb, 0, sizeof(cb));
    cb.stop_at = -1;
    assert_int_equal(scn_workers_run(&o, collect, &cb, &sb), 0);
    assert_in_order(&ca, 0, sa.delivered);
    assert_same(&ca, &cb);
    assert_int_equal(sa.crash + sa.timeout, 0);
    assert_int_equal(sa.delivered, 60);

    /* dfs: one batch (workers enumerate from the start), exhausted */
    const char *const dfs[] = {"--strategy", "dfs", NULL};
    o.argv = dfs;
    o.argc = 2;
    o.runs = 100000;
    o.batch = o.runs;
    o.jobs = 1;
    memset(&ca, 0, sizeof(ca));
    ca.stop_at = -1;
    assert_int_equal(scn_workers_run(&o, NULL, NULL, &sa), 0);
    assert_int_equal(sa.exhausted, 1);
    assert_true(sa.delivered > 0 && sa.delivered < 100000);
    assert_int_equal(sa.crash + sa.timeout, 0);
}

int main(int argc, char **argv) {
    ssize_t n;
    if (argc > 1 && strcmp(argv[1], "explore-worker") == 0)
        return fake_worker(argc, argv);
    n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
    if (n <= 0)
        return 1;
    self_path[n] = '\0';
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_runs_in_order_for_any_jobs),
        cmocka_unit_test(test_fail_fields_and_escapes),
        cmocka_unit_test(test_partial_lines_across_reads),
        cmocka_unit_test(test_segv_is_a_crash_with_its_token),
        cmocka_unit_test(test_abort_is_a_crash),
        cmocka_unit_test(test_sanitizer_report_is_named),
        cmocka_unit_test(test_stack_overflow_names_the_thread),
        cmocka_unit_test(test_hang_is_a_timeout_and_the_rest_arrives),
        cmocka_unit_test(test_until_first_delivers_everything_before_it),
        cmocka_unit_test(test_until_first_with_a_crash),
        cmocka_unit_test(test_callback_can_stop),
        cmocka_unit_test(test_early_exit_reruns_the_missing_runs),
        cmocka_unit_test(test_exhausted_space_ends_the_runs),
        cmocka_unit_test(test_worker_that_cannot_start_is_an_error),
        cmocka_unit_test(test_protocol_garbage_is_an_error),
        cmocka_unit_test(test_no_fd_leak_across_supervisions),
        cmocka_unit_test(test_progress_line_only_on_a_tty),
        cmocka_unit_test(test_shrink_in_a_worker),
        cmocka_unit_test(test_real_worker_if_present),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
