/*
 * test_alloc_sweep.c - allocation failure, swept: the whole csim command
 * line (scn_main, in-process) runs a representative bundled scenario with
 * its 1st, 2nd, ... N-th allocation failing in turn (sim's one allocator
 * covers sim, the container and the scenario engine), until a run needs
 * no failure.  For each N that was reached: no crash, the documented
 * out-of-memory exit (2) with "out of memory" on stderr, no verdict from a
 * damaged world (no FAIL or HUNG), no output file named on the command
 * line and nothing else left in its directory, and the live block count
 * back where it was (a leak check in every build; ASan/valgrind add theirs).
 * The sticky sweeps fail every allocation from the N-th on, which reaches
 * the error paths that allocate.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "scn_explore.h"
#include "sim_alloc.h"

#define SCENARIO CSIM_SOURCE_DIR "/scenarios/container_stop_kills_remaining_managed_threads.scn"
#define SCENARIO_WORKERS CSIM_SOURCE_DIR "/scenarios/kill_container_with_active_workers.scn"
#define EXIT_OOM 2 /* README's exit-code table: an error running it */

static char dir[64];     /* outputs named on the command line, only */
static char capdir[64];  /* captured stdout and stderr */
static char out_path[128], err_path[128], t_path[128], j_path[128], h_path[128];

static void make_dirs(void)
{
    strcpy(dir, "/tmp/csim-sweep-XXXXXX");
    strcpy(capdir, "/tmp/csim-sweep-cap-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_non_null(mkdtemp(capdir));
    snprintf(out_path, sizeof out_path, "%s/stdout", capdir);
    snprintf(err_path, sizeof err_path, "%s/stderr", capdir);
    snprintf(t_path, sizeof t_path, "%s/t.json", dir);
    snprintf(j_path, sizeof j_path, "%s/j.xml", dir);
    snprintf(h_path, sizeof h_path, "%s/h.html", dir);
}

static void remove_dirs(void)
{
    unlink(t_path);
    unlink(j_path);
    unlink(h_path);
    unlink(out_path);
    unlink(err_path);
    rmdir(dir);
    rmdir(capdir);
}

/* scn_main with stdout and stderr going to the capture files. */
static int run_cli(int argc, char **argv)
{
    int so, se, fo, fe, rc;

    fflush(stdout);
    fflush(stderr);
    so = dup(1);
    se = dup(2);
    fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(so >= 0 && se >= 0 && fo >= 0 && fe >= 0);
    dup2(fo, 1);
    dup2(fe, 2);
    close(fo);
    close(fe);
    rc = scn_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    return rc;
}

static int file_has(const char *path, const char *needle)
{
    static char buf[1 << 16];
    FILE *f = fopen(path, "r");
    size_t n;

    if (!f)
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static size_t dir_entries(const char *d)
{
    DIR *dp = opendir(d);
    struct dirent *e;
    size_t n = 0;

    assert_non_null(dp);
    while ((e = readdir(dp)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(dp);
    return n;
}

static void remove_outputs(void)
{
    unlink(t_path);
    unlink(j_path);
    unlink(h_path);
}

/* An older file under each output name cmd names: an out-of-memory run
 * must remove it too (a reader would take it for this run's), an ordinary
 * run must replace it. */
static void plant_stale(int outputs)
{
    const char *paths[] = {t_path, j_path, h_path};

    for (int i = 0; i < 3; i++) {
        if (!(outputs & (1 << i)))
            continue;
        FILE *f = fopen(paths[i], "w");
        assert_non_null(f);
        fputs("stale output of an earlier run\n", f);
        fclose(f);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What one sweep runs: argv, and which of the outputs it names. */
typedef struct cmd {
    const char *name;
    char *argv[16];
    int argc;
    int outputs; /* which of T (1), J (2), H (4) are named */
    int verdict_ok_rc; /* the unarmed run's exit status */
} cmd_t;

/* Sweep cmd: sticky = fail every allocation from the N-th on. */
static void sweep(const cmd_t *c, int sticky)
{
    long live0;
    unsigned long n, a0, a1;
    double t0 = now_s();
    /* CSIM_SWEEP_STEP=K: every K-th N only, for slow tools (valgrind) */
    const char *step_env = getenv("CSIM_SWEEP_STEP");
    unsigned long step = step_env && atol(step_env) > 0 ? (unsigned long)atol(step_env) : 1;
    unsigned long swept = 0;

    remove_outputs();
    /* a warm-up run: anything a first run caches for the process is made
     * before the leak baseline is taken */
    assert_int_equal(run_cli(c->argc, (char **)c->argv), c->verdict_ok_rc);
    remove_outputs();
    live0 = sim_alloc_live();
    a0 = sim_alloc_count();
    assert_int_equal(run_cli(c->argc, (char **)c->argv), c->verdict_ok_rc);
    a1 = sim_alloc_count();
    assert_int_equal(sim_alloc_live(), live0);
    remove_outputs();

    for (n = 1;; n += step, swept++) {
        unsigned long f0 = sim_alloc_failures();
        int rc;

        plant_stale(c->outputs);
        if (sticky)
            sim_alloc_fail_after((long)n - 1);
        else
            sim_alloc_fail_nth(n);
        rc = run_cli(c->argc, (char **)c->argv);
        sim_alloc_fail_nth(0);
        if (sim_alloc_failures() == f0) {
            /* the run needed no failure: a whole, ordinary run */
            assert_int_equal(rc, c->verdict_ok_rc);
            assert_int_equal(c->outputs, (exists(t_path) ? 1 : 0) |
                                             (exists(j_path) ? 2 : 0) |
                                             (exists(h_path) ? 4 : 0));
            assert_false(file_has(t_path, "stale output"));
            assert_false(file_has(j_path, "stale output"));
            assert_false(file_has(h_path, "stale output"));
            break;
        }
        if (rc != EXIT_OOM || !file_has(err_path, "out of memory"))
            fail_msg("%s%s: allocation %lu failed: exit %d, stderr %s",
                     c->name, sticky ? " (sticky)" : "", n, rc,
                     file_has(err_path, "out of memory") ? "says out of memory"
                                                          : "without out of memory");
        if (file_has(out_path, "FAIL") || file_has(out_path, "HUNG"))
            fail_msg("%s: allocation %lu failed: a verdict of a damaged run "
                     "was printed", c->name, n);
        if (dir_entries(dir) != 0)
            fail_msg("%s%s: allocation %lu failed: %zu file(s) left in %s",
                     c->name, sticky ? " (sticky)" : "", n, dir_entries(dir), dir);
        if (sim_alloc_live() != live0)
            fail_msg("%s%s: allocation %lu failed: %ld block(s) leaked", c->name,
                     sticky ? " (sticky)" : "", n, sim_alloc_live() - live0);
        remove_outputs();
    }
    remove_outputs();
    print_message("%s%s: %lu failing runs swept (N = 1..%lu step %lu; a run "
                  "makes %lu allocations), %.2f s\n", c->name,
                  sticky ? " (sticky)" : "", swept, n - step, step, a1 - a0,
                  now_s() - t0);
    assert_true(swept > 0);
}

static void cmd_run(cmd_t *c, const char *scn)
{
    memset(c, 0, sizeof *c);
    c->name = "csim run";
    c->argv[c->argc++] = "csim";
    c->argv[c->argc++] = "run";
    c->argv[c->argc++] = "--trace-out";
    c->argv[c->argc++] = t_path;
    c->argv[c->argc++] = "--junit";
    c->argv[c->argc++] = j_path;
    c->argv[c->argc++] = "--html";
    c->argv[c->argc++] = h_path;
    c->argv[c->argc++] = (char *)scn;
    c->outputs = 7;
}

static void test_run_survives_each_failed_allocation(void **state)
{
    cmd_t c;
    (void)state;
    /* SCENARIO's one-shot sweep is left to its sticky one: with stop
     * failing, its every-1ms threads spin to the time limit, 15 ms a run */
    cmd_run(&c, SCENARIO_WORKERS);
    sweep(&c, 0);
}

static void test_explore_survives_each_failed_allocation(void **state)
{
    cmd_t c;
    (void)state;
    memset(&c, 0, sizeof c);
    c.name = "csim explore";
    c.argv[c.argc++] = "csim";
    c.argv[c.argc++] = "explore";
    c.argv[c.argc++] = "--in-process";
    c.argv[c.argc++] = "--runs";
    c.argv[c.argc++] = "3";
    c.argv[c.argc++] = "--junit";
    c.argv[c.argc++] = j_path;
    c.argv[c.argc++] = SCENARIO_WORKERS;
    c.outputs = 2;
    sweep(&c, 0);
}

static void test_run_survives_failing_from_each_allocation_on(void **state)
{
    cmd_t c;
    (void)state;
    cmd_run(&c, SCENARIO);
    sweep(&c, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_survives_each_failed_allocation),
        cmocka_unit_test(test_explore_survives_each_failed_allocation),
        cmocka_unit_test(test_run_survives_failing_from_each_allocation_on),
    };
    int rc;

    make_dirs();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    remove_dirs();
    return rc;
}
