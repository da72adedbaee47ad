/*
 * main.c - embedding csim's container in a C program, built only against
 * the installed headers and libraries (pkg-config csim-container, or
 * find_package(csim)).
 *
 * The service `ticker` has two extensions of its own:
 *  - `counter`, a dependency: get_dependency hands each worker the shared
 *    tick count, worker_setup and worker_teardown say when a worker begins
 *    and ends (teardown with the count so far);
 *  - `timer`, an entrypoint bound to the method `tick`, shaped like
 *    nameko's Timer: start spawns a managed thread that waits one interval
 *    on a should_stop event (with a timeout), fires a worker through
 *    spawn_worker, waits for that worker's result, and repeats on a
 *    drift-free schedule; stop sends should_stop and waits for the thread;
 *    kill kills it.
 * `tick` itself works for 20 ms (a sleep) and returns.
 *
 * A green thread `main` starts the container, lets it run 350 ms (three
 * ticks at 100, 200 and 300 ms), stops it (or kills it: --kill) and waits.
 * By default the world runs on the virtual clock, so the 350 ms cost
 * nothing and the output is the same on every run; --real-time runs the
 * very same code on a libuv loop in real time (sim_world_new_uv): the same
 * lines (its clock reads the timeline, whose sleeps wake at now + d), then
 * the wall time the run took.  --trace prints the world's whole trace at
 * the end.  A kill reaches the timer's kill hook twice: the container kills
 * its entrypoints first, then every extension, as nameko does (the second
 * kill of a dead thread is a no-op).
 *
 *   embed [--real-time] [--kill] [--trace]     exits 0 when all went well
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* <uv.h> under -std=c11 needs the POSIX types */
#endif

#include <csim/container.h>
#include <csim/sim_uv.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define INTERVAL SIM_MS(100)
#define WORK SIM_MS(20)
#define RUN_FOR SIM_MS(350)

static sim_world_t *W;

/* One line of output, stamped with the world's clock. */
static void say(const char *who, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const char *who, const char *fmt, ...)
{
    char when[32];
    va_list ap;

    sim_time_format(sim_now(W), when, sizeof when);
    printf("[%6s] %-18s ", when, who);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* An error as Python prints it: "Type: message". */
static const char *errstr(const sim_error_t *e, char *buf, size_t n)
{
    if (e == NULL)
        snprintf(buf, n, "None");
    else if (e->message[0] != '\0')
        snprintf(buf, n, "%s: %s", e->type, e->message);
    else
        snprintf(buf, n, "%s", e->type);
    return buf;
}

/* ---------------------------------------------------------------- counter */

typedef struct counter {
    long ticks;
} counter_t;

static int counter_get_dependency(ctr_extension_t *ext, ctr_worker_ctx_t *ctx,
                                  const void **value)
{
    (void)ctx;
    *value = ctr_extension_user(ext); /* the worker sees the counter_t */
    return 0;
}

static int counter_worker_setup(ctr_extension_t *ext, ctr_worker_ctx_t *ctx)
{
    (void)ext;
    say("counter", "worker_setup %s", ctr_worker_call_id(ctx));
    return 0;
}

static int counter_worker_teardown(ctr_extension_t *ext, ctr_worker_ctx_t *ctx)
{
    const counter_t *cn = ctr_extension_user(ext);

    say("counter", "worker_teardown %s (%ld tick%s so far)",
        ctr_worker_call_id(ctx), cn->ticks, cn->ticks == 1 ? "" : "s");
    return 0;
}

static const ctr_ext_ops_t counter_ops = {
    .get_dependency = counter_get_dependency,
    .worker_setup = counter_worker_setup,
    .worker_teardown = counter_worker_teardown,
};

/* ---------------------------------------------------------------- timer */

typedef struct ticker_timer {
    sim_time_t interval;
    ctr_extension_t *ext;
    sim_event_t *should_stop, *worker_complete;
    sim_thread_t *gt;
} ticker_timer_t;

static int timer_setup(ctr_extension_t *ext)
{
    ticker_timer_t *tm = ctr_extension_user(ext);
    sim_world_t *w = ctr_container_world(ctr_extension_container(ext));
    int rc;

    tm->ext = ext;
    rc = sim_event_new(w, "timer.should_stop", &tm->should_stop);
    if (rc == 0)
        rc = sim_event_new(w, "timer.worker_complete", &tm->worker_complete);
    return rc; /* a plain code: the container raises it as an error */
}

/* The result hook of every tick's worker: report, then let the timer go
 * on (nameko's Timer.handle_result sends worker_complete). */
static int timer_handle_result(ctr_worker_ctx_t *ctx, void *arg,
                               const void **result, const sim_error_t **exc)
{
    ticker_timer_t *tm = arg;
    char buf[128];

    if (*exc != NULL)
        say("timer", "%s raised %s", ctr_worker_call_id(ctx),
            errstr(*exc, buf, sizeof buf));
    else
        say("timer", "%s returned \"%s\"", ctr_worker_call_id(ctx),
            (const char *)*result);
    return sim_event_send(W, tm->worker_complete, NULL, NULL);
}

/* The managed thread: tick k is due at start + k * interval. */
static int timer_run(sim_world_t *w, void *arg)
{
    ticker_timer_t *tm = arg;
    ctr_container_t *c = ctr_extension_container(tm->ext);
    sim_time_t start = sim_now(w);
    long k;
    int rc;

    for (k = 1;; k++) {
        sim_time_t wait = start + k * tm->interval - sim_now(w);

        if (wait > 0) {
            rc = sim_event_wait_timeout(w, tm->should_stop, wait, NULL, NULL);
            if (rc < 0)
                return rc;
        }
        if (sim_event_ready(tm->should_stop))
            return 0;
        rc = ctr_spawn_worker(c, tm->ext, "", timer_handle_result, tm, NULL);
        if (rc < 0)
            return rc;
        rc = sim_event_wait(w, tm->worker_complete, NULL);
        if (rc < 0)
            return rc;
        sim_event_reset(w, tm->worker_complete);
    }
}

static int timer_start(ctr_extension_t *ext)
{
    ticker_timer_t *tm = ctr_extension_user(ext);
    char every[32];

    sim_time_format(tm->interval, every, sizeof every);
    say("timer", "start: a tick every %s", every);
    return ctr_spawn_managed_thread(ctr_extension_container(ext), timer_run, tm,
                                    "timer.run", &tm->gt);
}

static int timer_stop(ctr_extension_t *ext)
{
    ticker_timer_t *tm = ctr_extension_user(ext);
    sim_world_t *w = ctr_container_world(ctr_extension_container(ext));
    int rc;

    say("timer", "stop: should_stop, then wait for timer.run");
    rc = sim_event_send(w, tm->should_stop, NULL, NULL);
    if (rc == 0)
        rc = sim_thread_wait(w, tm->gt, NULL);
    return rc;
}

static int timer_kill(ctr_extension_t *ext)
{
    ticker_timer_t *tm = ctr_extension_user(ext);

    say("timer", "kill: kill timer.run");
    return sim_thread_kill(ctr_container_world(ctr_extension_container(ext)),
                           tm->gt, NULL);
}

static const ctr_ext_ops_t timer_ops = {
    .setup = timer_setup,
    .start = timer_start,
    .stop = timer_stop,
    .kill = timer_kill,
};

/* ---------------------------------------------------------------- service */

static int tick(ctr_worker_ctx_t *ctx, void *user, const void **result)
{
    counter_t *cn = (counter_t *)ctr_worker_dependency(ctx, "counter");
    int rc;

    (void)user;
    cn->ticks++;
    say(ctr_worker_call_id(ctx), "tick %ld: working", cn->ticks);
    rc = sim_sleep(W, WORK);
    if (rc < 0)
        return rc;
    *result = "done";
    return 0;
}

static counter_t counter_state;
static ticker_timer_t timer_state = {.interval = INTERVAL};

static const ctr_ext_decl_t counter_decl = {
    .kind = CTR_DEPENDENCY, .name = "counter", .ops = &counter_ops,
    .user = &counter_state};
static const ctr_ext_decl_t timer_decl = {
    .kind = CTR_ENTRYPOINT, .name = "timer", .method = "tick",
    .ops = &timer_ops, .user = &timer_state};
static const ctr_ext_decl_t *const deps[] = {&counter_decl};
static const ctr_ext_decl_t *const eps[] = {&timer_decl};
static const ctr_method_t methods[] = {{"tick", tick, NULL}};
static const ctr_service_def_t ticker = {
    .name = "ticker", .dependencies = deps, .n_dependencies = 1,
    .entrypoints = eps, .n_entrypoints = 1, .methods = methods,
    .n_methods = 1};

/* ---------------------------------------------------------------- main */

static struct {
    ctr_container_t *c;
    int kill;
    int failed;
} app;

/* Report a failed call (taking its pending error) and remember it. */
static int failed(const char *what, int rc)
{
    char buf[128];

    say("main", "%s failed: %s", what,
        rc == SIM_EKILLED || rc == SIM_ERAISED
            ? errstr(sim_error_take(W), buf, sizeof buf)
            : ctr_strerror(rc));
    app.failed = 1;
    return 0;
}

static int main_body(sim_world_t *w, void *arg)
{
    int rc;

    (void)arg;
    say("main", "start %s", ctr_container_name(app.c));
    if ((rc = ctr_container_start(app.c)) < 0)
        return failed("start", rc);
    say("main", "started; running for a while");
    if ((rc = sim_sleep(w, RUN_FOR)) < 0)
        return failed("sleep", rc);
    say("main", app.kill ? "kill" : "stop");
    rc = app.kill ? ctr_container_kill(app.c, NULL) : ctr_container_stop(app.c);
    if (rc < 0)
        return failed(app.kill ? "kill" : "stop", rc);
    if ((rc = ctr_container_wait(app.c)) < 0)
        return failed("wait", rc);
    say("main", "wait returned; %ld ticks, dead=%d",
        counter_state.ticks, ctr_container_dead(app.c));
    return 0;
}

static void print_trace(void)
{
    size_t i, n = sim_trace_count(W);

    for (i = 0; i < n; i++) {
        const sim_trace_event_t *e = sim_trace_get(W, i);
        char when[32];

        sim_time_format(e->time, when, sizeof when);
        printf("  %4zu %8s %3u %-8s %-24s %s\n", i, when, e->thread, e->kind,
               e->subject, e->detail);
    }
}

int main(int argc, char **argv)
{
    int real_time = 0, trace = 0, rc, i;
    uv_loop_t loop;
    uint64_t t0;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--real-time") == 0) {
            real_time = 1;
        } else if (strcmp(argv[i], "--kill") == 0) {
            app.kill = 1;
        } else if (strcmp(argv[i], "--trace") == 0) {
            trace = 1;
        } else {
            fprintf(stderr, "usage: %s [--real-time] [--kill] [--trace]\n",
                    argv[0]);
            return 2;
        }
    }
    printf("csim %s backend, %s\n", sim_backend(),
           real_time ? "real time on a libuv loop" : "virtual clock");
    if (real_time) {
        if (uv_loop_init(&loop) != 0)
            return 1;
        rc = sim_world_new_uv(NULL, &loop, &W);
    } else {
        rc = sim_world_new(NULL, &W);
    }
    if (rc == 0)
        rc = ctr_container_new(W, &ticker, &app.c);
    if (rc == 0)
        rc = sim_spawn(W, "main", main_body, NULL, NULL);
    if (rc < 0) {
        fprintf(stderr, "embed: setup failed: %s\n", ctr_strerror(rc));
        return 1;
    }
    t0 = uv_hrtime();
    rc = sim_run(W);
    printf("sim_run: %s; %zu trace events\n", sim_strerror(rc),
           sim_trace_count(W));
    if (real_time)
        printf("wall clock: %llu ms\n",
               (unsigned long long)((uv_hrtime() - t0) / 1000000));
    if (trace)
        print_trace();
    ctr_container_free(app.c);
    sim_world_free(W);
    if (real_time) {
        uv_run(&loop, UV_RUN_DEFAULT); /* the world's handles close */
        uv_loop_close(&loop);
    }
    return rc == SIM_OK && !app.failed && counter_state.ticks == 3 ? 0 : 1;
}
