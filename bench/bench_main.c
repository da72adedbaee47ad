/*
 * bench_main.c - csim's benchmark table (issue 3, "Benchmarks").
 *
 * One process measures every row and prints one table:
 *   switch      raw ctx-layer A <-> B ping-pong and sim_yield ping-pong, for
 *               the backend this executable links and, through a dlopen()ed
 *               module holding a private sim copy, for the other backend
 *   decisions   sim_choose calls with n > 1 per second: 64 threads yielding
 *               under fifo, every choice recorded, tracing on
 *   lifecycle   C scenario against container.h: a service with one
 *               dependency and one entrypoint; start, 3 workers sleeping
 *               1ms, one managed thread sleeping 10s, kill(Boom) after 2ms,
 *               wait raises that very Boom.  A world per run, stacks from
 *               one shared sim_stack_pool
 *   dfs         wall time of `csim explore bench/dfs_race.scn --strategy dfs
 *               --preemptions 2`, when the csim binary has it
 *   memory      VmRSS growth for 10k green threads blocked on one event
 *   timers      100 threads x 1000 sleeps of 1ms: virtual / wall time
 *
 * Every figure is the median of REPS in-process repetitions, timed with
 * CLOCK_MONOTONIC; the process pins itself to one CPU with
 * sched_setaffinity (the csim child of the dfs row gets the original mask
 * back, since explore runs worker processes).
 */
#define _GNU_SOURCE
#include "bench.h"
#include "container.h"
#include "sim.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define REPS 7
#define DASHES "-----------------------------------------------------------------------"

int bench_switch_default(bench_switch_result_t *r, int reps, long raw_n,
                         long sim_n);

static cpu_set_t orig_mask;
static int pinned_cpu = -1;

/* ---------------------------------------------------------------- machine */

static void print_machine(void)
{
    struct utsname u;
    char line[512], model[256] = "unknown";
    FILE *f;

    if (uname(&u) != 0)
        strcpy(u.machine, "?");
    f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "model name", 10) == 0) {
                char *p = strchr(line, ':');
                if (p != NULL) {
                    p++;
                    while (*p == ' ' || *p == '\t')
                        p++;
                    p[strcspn(p, "\n")] = '\0';
                    snprintf(model, sizeof model, "%s", p);
                }
                break;
            }
        }
        fclose(f);
    }
    printf("machine: %s, %s, %ld cores online (kernel %s %s)\n", u.machine,
           model, sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release);
}

static void pin(void)
{
    cpu_set_t one;
    int cpu;

    CPU_ZERO(&orig_mask);
    if (sched_getaffinity(0, sizeof orig_mask, &orig_mask) != 0)
        return;
    /* The highest allowed CPU (taskset -c 1 on a 2-vCPU box, as c-notes). */
    for (cpu = CPU_SETSIZE - 1; cpu >= 0; cpu--) {
        if (CPU_ISSET(cpu, &orig_mask))
            break;
    }
    if (cpu < 0)
        return;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) == 0)
        pinned_cpu = cpu;
}

/* ---------------------------------------------------------------- memory */

static long vm_rss_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

static int body_block(sim_world_t *w, void *arg)
{
    return sim_event_wait(w, arg, NULL);
}

typedef struct mem_result {
    int threads;
    double kib_per_thread;
    double spawn_run_ms;
    size_t stack_kib;
} mem_result_t;

static void bench_memory(mem_result_t *m)
{
    const int n = 10000;
    sim_world_t *w;
    sim_event_t *ev;
    long before, after;
    double t0;
    int i, rc;

    if (sim_world_new(NULL, &w) != 0 || sim_event_new(w, "go", &ev) != 0)
        exit(4);
    before = vm_rss_kib();
    t0 = bench_now_ns();
    for (i = 0; i < n; i++) {
        if (sim_spawn(w, "idle", body_block, ev, NULL) != 0)
            exit(4);
    }
    rc = sim_run(w);
    m->spawn_run_ms = (bench_now_ns() - t0) / 1e6;
    after = vm_rss_kib();
    if (rc != SIM_EHUNG) {
        fprintf(stderr, "memory: sim_run returned %s\n", sim_strerror(rc));
        exit(4);
    }
    m->threads = n;
    m->kib_per_thread = (double)(after - before) / n;
    m->stack_kib = 64;
    sim_world_free(w);
}

/* ---------------------------------------------------------------- decisions */

static int body_yield(sim_world_t *w, void *arg)
{
    long i, n = (long)(intptr_t)arg;

    for (i = 0; i < n; i++) {
        if (sim_yield(w) != 0)
            return -1;
    }
    return 0;
}

/* Decisions per second; *per gets the number of decisions of one run. */
static double decisions_once(sim_stack_pool_t *pool, size_t *per)
{
    const int threads = 64;
    const long yields = 2000;
    sim_config_t cfg = {0};
    sim_world_t *w;
    size_t nch, i;
    double t0, t;
    int k;

    cfg.strategy = SIM_STRATEGY_FIFO;
    cfg.stack_pool = pool;
    cfg.step_limit = (uint64_t)threads * (yields + 4);
    if (sim_world_new(&cfg, &w) != 0)
        exit(5);
    for (k = 0; k < threads; k++)
        sim_spawn(w, "y", body_yield, (void *)(intptr_t)yields, NULL);
    t0 = bench_now_ns();
    if (sim_run(w) != SIM_OK)
        exit(5);
    t = bench_now_ns() - t0;
    nch = sim_choices(w, NULL);
    for (i = 0; i < nch; i += nch / 7 + 1) {
        sim_choice_kind_t kind;
        unsigned n;
        if (sim_choice_info(w, i, &kind, &n) != 0 || n < 2)
            exit(5);
    }
    sim_world_free(w);
    *per = nch;
    return (double)nch / (t / 1e9);
}

/* ---------------------------------------------------------------- baseline */

#if defined(__x86_64__)
/* raw_switch_x86_64.S: callee-saved registers only, no scheduler. */
void bench_raw_swap(void **save_sp, void *load_sp);
void bench_raw_trampoline(void);

static void *base_main, *base_a, *base_b;
static long base_left;

static void base_a_entry(void *arg)
{
    (void)arg;
    for (;;) {
        while (base_left > 0) {
            base_left--;
            bench_raw_swap(&base_a, base_b);
        }
        bench_raw_swap(&base_a, base_main);
    }
}

static void base_b_entry(void *arg)
{
    (void)arg;
    for (;;) {
        base_left--;
        bench_raw_swap(&base_b, base_a);
    }
}

/* The stack bench_raw_swap pops: r15 r14 r13 r12 rbx rbp, then the
 * trampoline's address; r13 = entry, r12 = arg. */
static void *base_init(char *lo, size_t size, void (*entry)(void *))
{
    uintptr_t top = ((uintptr_t)(lo + size)) & ~(uintptr_t)15;
    void **sp = (void **)top;

    *--sp = NULL; /* keeps the entry's stack ABI-aligned */
    *--sp = (void *)(uintptr_t)bench_raw_trampoline;
    *--sp = NULL;                      /* rbp */
    *--sp = NULL;                      /* rbx */
    *--sp = NULL;                      /* r12 = arg */
    *--sp = (void *)(uintptr_t)entry;  /* r13 */
    *--sp = NULL;                      /* r14 */
    *--sp = NULL;                      /* r15 */
    return sp;
}

static double baseline_once(long n)
{
    static char stack_a[64 * 1024] __attribute__((aligned(16)));
    static char stack_b[64 * 1024] __attribute__((aligned(16)));
    double t0, t;

    base_a = base_init(stack_a, sizeof stack_a, base_a_entry);
    base_b = base_init(stack_b, sizeof stack_b, base_b_entry);
    base_left = n;
    t0 = bench_now_ns();
    bench_raw_swap(&base_main, base_a);
    t = bench_now_ns() - t0;
    return t / (double)(n + 2);
}
#endif

/* ---------------------------------------------------------------- lifecycle */

static int dep_get(ctr_extension_t *e, ctr_worker_ctx_t *ctx,
                   const void **value)
{
    (void)e;
    (void)ctx;
    *value = "conn";
    return 0;
}

static int method_work(ctr_worker_ctx_t *ctx, void *user, const void **result)
{
    sim_world_t *w = ctr_container_world(ctr_worker_container(ctx));
    int rc;

    (void)user;
    rc = sim_sleep(w, SIM_MS(1));
    if (rc < 0)
        return rc;
    *result = "done";
    return 0;
}

static const ctr_ext_ops_t dep_ops = {.get_dependency = dep_get};
static const ctr_ext_decl_t dep_decl = {
    .kind = CTR_DEPENDENCY, .name = "db", .ops = &dep_ops};
static const ctr_ext_decl_t ep_decl = {
    .kind = CTR_ENTRYPOINT, .name = "rpc", .method = "work"};
static const ctr_ext_decl_t *const svc_deps[] = {&dep_decl};
static const ctr_ext_decl_t *const svc_eps[] = {&ep_decl};
static const ctr_method_t svc_methods[] = {{"work", method_work, NULL}};
static const ctr_service_def_t svc_def = {
    .name = "svc",
    .max_workers = 10,
    .dependencies = svc_deps,
    .n_dependencies = 1,
    .entrypoints = svc_eps,
    .n_entrypoints = 1,
    .methods = svc_methods,
    .n_methods = 1,
};

typedef struct lc_run {
    ctr_container_t *c;
    int ok;
} lc_run_t;

static int managed_sleep(sim_world_t *w, void *arg)
{
    (void)arg;
    return sim_sleep(w, SIM_S(10));
}

static int lc_driver(sim_world_t *w, void *arg)
{
    lc_run_t *lc = arg;
    ctr_container_t *c = lc->c;
    ctr_extension_t *ep;
    const sim_error_t *boom;
    int i, rc;

    if ((rc = ctr_container_start(c)) < 0)
        return rc;
    ep = ctr_container_find(c, "rpc");
    for (i = 0; i < 3; i++) {
        if ((rc = ctr_spawn_worker(c, ep, "", NULL, NULL, NULL)) < 0)
            return rc;
    }
    if ((rc = ctr_spawn_managed_thread(c, managed_sleep, NULL, "sleeper",
                                       NULL)) < 0)
        return rc;
    if ((rc = sim_sleep(w, SIM_MS(2))) < 0) /* the workers finish */
        return rc;
    boom = sim_error_new(w, "Boom", "bench", 0);
    if (boom == NULL)
        return SIM_ENOMEM;
    if ((rc = ctr_container_kill(c, boom)) < 0)
        return rc;
    rc = ctr_container_wait(c);
    if (rc == SIM_ERAISED && sim_error_pending(w) == boom) {
        sim_error_take(w);
        lc->ok = 1;
        return 0;
    }
    return rc < 0 ? rc : 0;
}

typedef struct lc_stats {
    uint64_t steps;
    size_t trace, threads, choices;
} lc_stats_t;

static int lifecycle_once(sim_stack_pool_t *pool, lc_stats_t *st)
{
    sim_config_t cfg = {0};
    sim_world_t *w;
    lc_run_t lc = {0};
    int rc;

    cfg.stack_pool = pool;
    if (sim_world_new(&cfg, &w) != 0)
        return -1;
    if (ctr_container_new(w, &svc_def, &lc.c) != 0)
        return -1;
    if (sim_spawn(w, "driver", lc_driver, &lc, NULL) != 0)
        return -1;
    rc = sim_run(w);
    if (st != NULL) {
        st->steps = sim_steps(w);
        st->trace = sim_trace_count(w);
        st->threads = sim_thread_count(w);
        st->choices = sim_choices(w, NULL);
    }
    ctr_container_free(lc.c);
    sim_world_free(w);
    return rc == SIM_OK && lc.ok ? 0 : -1;
}

static double lifecycle_rate(sim_stack_pool_t *pool, int runs)
{
    double t0 = bench_now_ns(), t;
    int i;

    for (i = 0; i < runs; i++) {
        if (lifecycle_once(pool, NULL) != 0) {
            fprintf(stderr, "lifecycle scenario failed\n");
            exit(6);
        }
    }
    t = bench_now_ns() - t0;
    return runs / (t / 1e9);
}

/* ---------------------------------------------------------------- timers */

typedef struct timer_body {
    int sleeps;
    sim_time_t d;
} timer_body_t;

static int body_sleeper(sim_world_t *w, void *arg)
{
    const timer_body_t *b = arg;
    int i, rc;

    for (i = 0; i < b->sleeps; i++) {
        if ((rc = sim_sleep(w, b->d)) < 0)
            return rc;
    }
    return 0;
}

/* virtual/wall ratio; *wall_ns and *virt get the run's figures. */
static double timers_once(sim_stack_pool_t *pool, int threads, int sleeps,
                          sim_time_t d, double *wall_ns, sim_time_t *virt)
{
    static timer_body_t b;
    sim_config_t cfg = {0};
    sim_world_t *w;
    double t0, t;
    int k;

    b.sleeps = sleeps;
    b.d = d;
    cfg.stack_pool = pool;
    cfg.step_limit = (uint64_t)threads * (uint64_t)(sleeps + 4);
    if (sim_world_new(&cfg, &w) != 0)
        exit(7);
    for (k = 0; k < threads; k++)
        sim_spawn(w, "sleeper", body_sleeper, &b, NULL);
    t0 = bench_now_ns();
    if (sim_run(w) != SIM_OK)
        exit(7);
    t = bench_now_ns() - t0;
    *virt = sim_now(w);
    sim_world_free(w);
    *wall_ns = t;
    return (double)*virt / t;
}

/* ---------------------------------------------------------------- dfs */

typedef struct dfs_result {
    int available;
    int rc;         /* exit status of csim explore */
    double seconds;
    int exhausted;  /* csim said the space was exhausted */
    char note[256]; /* why n/a, or the summary line */
} dfs_result_t;

/* Runs argv with stdout+stderr into buf; returns the wait status or -1.
 * The child gets the original CPU mask back.  Killed after timeout_s. */
static int run_child(char *const argv[], char *buf, size_t cap,
                     double timeout_s, double *elapsed_ns)
{
    int fds[2], status = -1;
    size_t len = 0;
    pid_t pid;
    double t0;

    if (pipe(fds) != 0)
        return -1;
    t0 = bench_now_ns();
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        sched_setaffinity(0, sizeof orig_mask, &orig_mask);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    for (;;) {
        char tmp[4096];
        ssize_t r = read(fds[0], tmp, sizeof tmp);
        if (r > 0) {
            size_t k = (size_t)r;
            if (len + k >= cap) { /* keep the tail */
                size_t drop = len + k - (cap - 1);
                if (drop > len)
                    drop = len;
                memmove(buf, buf + drop, len - drop);
                len -= drop;
                if (k > cap - 1 - len)
                    k = cap - 1 - len;
            }
            memcpy(buf + len, tmp, k);
            len += k;
            continue;
        }
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
        if ((bench_now_ns() - t0) / 1e9 > timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        usleep(1000);
    }
    *elapsed_ns = bench_now_ns() - t0;
    for (;;) { /* drain */
        ssize_t r = read(fds[0], buf + len, cap - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fds[0]);
    buf[len] = '\0';
    return status;
}

static void last_line(const char *s, char *out, size_t cap)
{
    const char *end = s + strlen(s), *p;

    while (end > s && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    p = end;
    while (p > s && p[-1] != '\n')
        p--;
    snprintf(out, cap, "%.*s", (int)(end - p), p);
}

static void bench_dfs(dfs_result_t *d)
{
    static char buf[1 << 16];
    char *help_argv[] = {CSIM_BIN, "explore", "--help", NULL};
    char *argv[12];
    double ns;
    int st, a = 0;

    memset(d, 0, sizeof *d);
    st = run_child(help_argv, buf, sizeof buf, 10, &ns);
    if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
        strstr(buf, "--strategy") == NULL || strstr(buf, "dfs") == NULL) {
        snprintf(d->note, sizeof d->note,
                 "`csim explore --help` does not offer --strategy dfs");
        return;
    }
    d->available = 1;
    argv[a++] = CSIM_BIN;
    argv[a++] = "explore";
    argv[a++] = BENCH_DFS_SCN;
    argv[a++] = "--strategy";
    argv[a++] = "dfs";
    argv[a++] = "--preemptions";
    argv[a++] = "2";
    if (strstr(buf, "--runs") != NULL) { /* exhaustive: no run cap */
        argv[a++] = "--runs";
        argv[a++] = "1000000000";
    }
    if (strstr(buf, "--until") != NULL) {
        argv[a++] = "--until";
        argv[a++] = "all";
    }
    argv[a] = NULL;
    st = run_child(argv, buf, sizeof buf, 30, &ns);
    d->seconds = ns / 1e9;
    d->rc = st;
    {
        const char *x = strstr(buf, "exhausted");
        char tail[160];
        d->exhausted = x != NULL;
        last_line(buf, tail, sizeof tail);
        if (x != NULL) { /* "dfs: space exhausted after N distinct schedules" */
            const char *b = x;
            while (b > buf && b[-1] != '\n')
                b--;
            snprintf(d->note, sizeof d->note, "%.*s; %s",
                     (int)strcspn(b, "\n"), b, tail);
        } else {
            snprintf(d->note, sizeof d->note, "NOT exhausted; %s", tail);
        }
    }
    if (st < 0 || !WIFEXITED(st)) {
        d->available = 0;
        snprintf(d->note, sizeof d->note, "csim explore did not finish (%s)",
                 st >= 0 && WIFSIGNALED(st) ? "killed after 30 s" : "?");
    }
}

/* ---------------------------------------------------------------- table */

static void row(const char *metric, const char *measured, const char *target,
                const char *verdict)
{
    printf("| %-62s | %-24s | %-26s | %-6s |\n", metric, measured, target,
           verdict);
}

static const char *ok(int cond)
{
    return cond ? "ok" : "MISSED";
}

/* `bench_csim --profile switch|decisions|lifecycle|timers|memory`: loop
 * one row for about 3 s, print nothing but its figure; for perf record. */
static int profile(const char *what)
{
    sim_stack_pool_t *pool;
    double t0 = bench_now_ns(), v = 0;
    long iters = 0;

    if (sim_stack_pool_new(0, &pool) != 0)
        return 1;
    while (bench_now_ns() - t0 < 3e9) {
        if (strcmp(what, "switch") == 0) {
            bench_switch_result_t r;
            bench_switch_default(&r, 1, 1000, 50000);
            v = r.sim_ns;
        } else if (strcmp(what, "decisions") == 0) {
            size_t per;
            v = decisions_once(pool, &per);
        } else if (strcmp(what, "lifecycle") == 0) {
            v = lifecycle_rate(pool, 2000);
        } else if (strcmp(what, "timers") == 0) {
            double w;
            sim_time_t virt;
            v = timers_once(pool, 100, 1000, SIM_MS(1), &w, &virt);
        } else if (strcmp(what, "memory") == 0) {
            mem_result_t m;
            bench_memory(&m);
            v = m.kib_per_thread;
        } else {
            fprintf(stderr, "unknown row %s\n", what);
            return 2;
        }
        iters++;
    }
    printf("%s: last figure %.2f, %ld iterations\n", what, v, iters);
    sim_stack_pool_free(pool);
    return 0;
}

int main(int argc, char **argv)
{
    bench_switch_result_t sw_self, sw_other;
    int have_other = 0;
    mem_result_t mem;
    dfs_result_t dfs;
    sim_stack_pool_t *pool;
    double dec[REPS], lc[REPS], tr[REPS], twall[REPS], tr10[REPS], tw10[REPS];
    size_t dec_per = 0;
    sim_time_t virt = 0;
    lc_stats_t lst;
    char m[64], t[64], metric[128];
    double t_start = bench_now_ns();
    int i;

    setvbuf(stdout, NULL, _IOLBF, 0);
    pin();
    if (argc == 3 && strcmp(argv[1], "--profile") == 0)
        return profile(argv[2]);

    /* Memory first, while the heap and the pool are still cold. */
    bench_memory(&mem);

    bench_switch_default(&sw_self, REPS, 4000000, 50000);

    if (sim_stack_pool_new(0, &pool) != 0)
        return 1;
    if (lifecycle_once(pool, &lst) != 0) { /* warm-up + correctness */
        fprintf(stderr, "lifecycle scenario failed\n");
        return 6;
    }
    for (i = 0; i < REPS; i++) {
        dec[i] = decisions_once(pool, &dec_per);
        lc[i] = lifecycle_rate(pool, 2000);
        tr[i] = timers_once(pool, 100, 1000, SIM_MS(1), &twall[i], &virt);
        tr10[i] = timers_once(pool, 10, 1000, SIM_MS(10), &tw10[i], &virt);
    }

#if defined(BENCH_MODULE_PATH)
    {
        /* The other backend: a private sim copy in a module (RTLD_LOCAL;
         * the executable exports nothing, so nothing is interposed). */
        void *h = dlopen(BENCH_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
        bench_switch_fn fn =
            h != NULL ? (bench_switch_fn)(uintptr_t)dlsym(h, "bench_switch_module")
                      : NULL;
        if (fn != NULL && fn(&sw_other, REPS, 200000, 50000) == 0)
            have_other = 1;
        else
            fprintf(stderr, "bench: cannot load %s: %s\n", BENCH_MODULE_PATH,
                    dlerror());
    }
#endif
    bench_dfs(&dfs);

    /* ------------------------------------------------------------ print */
    print_machine();
    if (pinned_cpu >= 0)
        printf("pinned to CPU %d with sched_setaffinity; ", pinned_cpu);
    else
        printf("not pinned (sched_setaffinity failed); ");
    printf("median of %d in-process repetitions, CLOCK_MONOTONIC; "
           "default backend: %s\n\n", REPS, sw_self.backend);
    printf("| %-62s | %-24s | %-26s | %-6s |\n", "metric", "measured",
           "target", "");
    printf("|%.64s|%.26s|%.28s|%.8s|\n", DASHES, DASHES, DASHES, DASHES);
    {
        bench_switch_result_t *asm_r = NULL, *uc_r = NULL;
        if (strcmp(sw_self.backend, "asm") == 0)
            asm_r = &sw_self;
        else
            uc_r = &sw_self;
        if (have_other) {
            if (strcmp(sw_other.backend, "asm") == 0)
                asm_r = &sw_other;
            else
                uc_r = &sw_other;
        }
#if defined(__x86_64__)
        double basev[REPS];
        for (int i = 0; i < REPS; i++)
            basev[i] = baseline_once(2000000);
        double base = bench_median(basev, REPS);
        snprintf(m, sizeof m, "%.1f ns", base);
        row("raw baseline: minimal asm ping-pong (no FP control words)", m,
            "-", "");
#else
        double base = 0;
#endif
        if (asm_r != NULL) {
            snprintf(m, sizeof m, "%.1f ns", asm_r->raw_ns);
            snprintf(t, sizeof t, "<= %.1f ns (2x baseline)", 2 * base);
            row("context switch, asm backend (sim__ctx_switch)", m, t,
                base > 0 ? ok(asm_r->raw_ns <= 2 * base) : "-");
        }
        if (uc_r != NULL) {
            snprintf(m, sizeof m, "%.1f ns", uc_r->raw_ns);
            row("context switch, ucontext backend (sim__ctx_switch)", m,
                "(none)", "-");
        }
        if (asm_r != NULL) {
            snprintf(m, sizeof m, "%.1f ns", asm_r->sim_ns);
            row("sim_yield to the next thread, asm (switch+queue+trace)", m,
                "(none)", "-");
        }
        if (uc_r != NULL) {
            snprintf(m, sizeof m, "%.1f ns", uc_r->sim_ns);
            row("sim_yield to the next thread, ucontext", m, "(none)", "-");
        }
        if (asm_r == NULL)
            row("ctx switch / sim switch, asm backend", "n/a (no asm)", "-", "");
        if (uc_r == NULL)
            row("ctx switch / sim switch, ucontext backend", "n/a", "-", "");
    }
    snprintf(metric, sizeof metric,
             "scheduling decisions/s (fifo, 64 thr yielding, trace on)");
    snprintf(m, sizeof m, "%.1f M/s", bench_median(dec, REPS) / 1e6);
    row(metric, m, ">= 10 M/s", ok(bench_median(dec, REPS) >= 10e6));
    snprintf(m, sizeof m, "%.0f runs/s", bench_median(lc, REPS));
    row("lifecycle scenario (container.h, world per run, shared pool)", m,
        ">= 100000 runs/s", ok(bench_median(lc, REPS) >= 100e3));
    if (dfs.available) {
        snprintf(m, sizeof m, "%.3f s", dfs.seconds);
        row("dfs exhaustive, bench/dfs_race.scn, preemptions 2", m,
            "< 1 s (to exhaustion)", ok(dfs.seconds < 1.0 && dfs.exhausted));
    } else {
        row("dfs exhaustive, bench/dfs_race.scn, preemptions 2",
            "n/a (dfs not available)", "< 1 s", "-");
    }
    snprintf(m, sizeof m, "%.2f KiB/thread", mem.kib_per_thread);
    row("VmRSS per idle green thread at 10k threads", m, "(none)", "-");
    /* Ten 100 Hz timers is a timer-heavy service; a hundred 1 kHz ones is
     * a stress case where the ratio is bounded by the cost per sleep. */
    snprintf(m, sizeof m, "%.0fx", bench_median(tr10, REPS));
    row("virtual/wall time, 10 timers x 1000 ticks of 10ms", m, ">= 1000x",
        ok(bench_median(tr10, REPS) >= 1000));
    snprintf(m, sizeof m, "%.0fx", bench_median(tr, REPS));
    row("virtual/wall time, 100 timers x 1000 ticks of 1ms (stress)", m,
        "(none)", "-");

    printf("\nnotes:\n");
    printf("  switch rows: baseline = bench_raw_swap (bench/raw_switch_x86_64.S);"
           " backend rows = two coroutines switching directly\n"
           "    through sim__ctx_switch (the asm one also saves MXCSR and the x87"
           " control word, as the ABI asks);\n"
           "    sim = two green threads ping-ponging via sim_yield "
           "(one switch per yield: the thread hands off to the next),\n"
           "    per sim_yield: asm %.1f ns",
           strcmp(sw_self.backend, "asm") == 0 ? sw_self.yield_ns
                                               : (have_other ? sw_other.yield_ns : 0));
    if (have_other || strcmp(sw_self.backend, "ucontext") == 0)
        printf(", ucontext %.1f ns",
               strcmp(sw_self.backend, "ucontext") == 0 ? sw_self.yield_ns
                                                        : sw_other.yield_ns);
    printf("; the ucontext figures come from a dlopen()ed private sim copy\n");
    printf("  decisions: %zu recorded choices (all n > 1) per run; includes the "
           "yield round trip each decision causes\n", dec_per);
    printf("  lifecycle: %.2f us/run; per run %llu steps, %zu trace events, "
           "%zu threads, %zu choices\n",
           1e6 / bench_median(lc, REPS), (unsigned long long)lst.steps,
           lst.trace, lst.threads, lst.choices);
    printf("  memory: %d threads, 64 KiB stacks (+1 guard page) of which only "
           "the touched top pages are resident;\n"
           "    spawn + run to hang took %.1f ms (fresh mmaps)\n",
           mem.threads, mem.spawn_run_ms);
    {
        double w = bench_median(twall, REPS);
        printf("  timers: virtual %.3f s in %.2f ms wall = %.1f ns per "
               "sleep (100k sleeps); the ratio is\n"
               "    1 ms / (100 threads x wall per sleep), so >= 1000x needs "
               "<= 10 ns per sleep+wake+2 switches\n",
               (double)virt / 1e9, w / 1e6, w / 1e5);
    }
    if (dfs.available)
        printf("  dfs: exit status %d, csim said: %s\n",
               WIFEXITED(dfs.rc) ? WEXITSTATUS(dfs.rc) : -1, dfs.note);
    else
        printf("  dfs: %s\n", dfs.note);
    printf("  whole bench: %.1f s\n", (bench_now_ns() - t_start) / 1e9);
    sim_stack_pool_free(pool);
    return 0;
}
