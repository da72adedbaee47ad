/*
 * uv.c - the libuv runtime: a world hosted on a uv_loop_t in real time.
 *
 * The world keeps its own run queue and timer heap (sched.c); libuv only
 * decides *when* the hub works.  Three handles per world:
 *  - idle: active exactly while the run queue has work.  Its callback runs
 *    the entries that were queued when it began (a yielding thread runs
 *    again in the next round, so I/O and signals get in between) and
 *    returns to the loop.  The order is the queue's, i.e. fifo, so cutting
 *    the queue into rounds changes nothing but where the loop polls;
 *  - timer: armed for the earliest live entry of the timer heap whenever
 *    nothing is runnable.  A heap batch fires only when the run queue is
 *    empty and real time has reached its due time, in (due, start) order:
 *    the virtual hub's rule, so the order of events does not depend on how
 *    late the loop is (one uv_timer_t per thread would fire every overdue
 *    timer in one pass, clamped to "now", and reorder them);
 *  - prepare: runs once per loop iteration before the loop may block.  It
 *    notices work that host callbacks queued (the idle handle is not
 *    running then), arms the timer, and decides when the world is done.
 *    It is unref'd: it never keeps the loop alive by itself.
 * plus one uv_signal_t per handled signal.  None of this depends on the
 * order of loop phases (which changed in libuv 1.45): every callback ends
 * in settle(), which alone starts and stops the idle handle and the timer.
 *
 * Green threads run only from these callbacks, on the main stack; each such
 * callback arms the overflow guard with its own sigsetjmp, since jumping out
 * of uv_run would leave the loop's handle queues broken.
 *
 * The handle block (sim__uv_t) is malloc'd apart from the world: the world
 * is freed at once by sim_world_free, the block by the last close callback.
 */
#include "sched-internal.h"
#include "sim_uv.h"

#include <signal.h>
#include <string.h>

typedef struct sim__uv sim__uv_t;

typedef struct uv_sig {
    uv_signal_t h;
    sim__uv_t *u;
    int signum;
    sim_uv_signal_cb cb;
    void *arg;
    struct uv_sig *next;
} uv_sig_t;

struct sim__uv {
    sim_world_t *w; /* NULL once the world is freed (handles closing) */
    uv_loop_t *loop;
    uv_idle_t idle;
    uv_prepare_t prepare;
    uv_timer_t timer;
    uint64_t t0;   /* uv_hrtime() at the first sim_run: time 0 */
    int started;   /* sim_run was called */
    int open;      /* handles whose close callback has not run yet */
    int refs;      /* sim_uv_ref count */
    int nsigs;     /* signal handlers, outside sources too */
    int running;   /* inside sim_run */
    int in_loop;   /* inside sim_run's uv_run */
    int in_cb;     /* inside a callback that runs host code */
    int waiting;   /* settled with nothing to run or fire */
    int result;    /* sim_run's result once decided; 1 = undecided */
    size_t scan;   /* every thread below this index is dead */
    uv_sig_t *sigs;
};

#define UNDECIDED 1

static sim_time_t real_now(const sim__uv_t *u)
{
    return u->started ? (sim_time_t)(uv_hrtime() - u->t0) : 0;
}

/* An outside event: the world's timeline catches up with real time. */
static void catch_up(sim_world_t *w, sim__uv_t *u)
{
    w->now = real_now(u);
    if (w->now > w->tbase)
        w->tbase = w->now;
}

static int has_work(const sim_world_t *w)
{
    return sim__rq_live(w) > 0 || w->direct != NULL || w->pending_fn != NULL;
}

/* Whether any thread is not dead.  Threads never come back to life, so the
 * dead prefix of the table is skipped once and for all. */
static int any_alive(sim__uv_t *u)
{
    sim_world_t *w = u->w;

    while (u->scan < w->nthreads &&
           w->threads[u->scan]->state == SIM_THREAD_DEAD)
        u->scan++;
    return u->scan < w->nthreads;
}

static void finish(sim__uv_t *u, int rc)
{
    u->result = rc;
    uv_idle_stop(&u->idle);
    uv_timer_stop(&u->timer);
    uv_prepare_stop(&u->prepare);
    /* A stop flag set outside uv_run would end the host's next uv_run. */
    if (u->in_loop)
        uv_stop(u->loop);
}

static void on_idle(uv_idle_t *h);
static void on_timer(uv_timer_t *h);

/* After anything that may have changed the world: keep the idle handle
 * running while there is work; else fire the due timer batch, or arm the
 * timer for it, or decide that the run is over. */
static void settle(sim__uv_t *u)
{
    sim_world_t *w = u->w;
    sim_time_t due;
    int timer;

    if (!u->running || u->result != UNDECIDED)
        return;
    w->now = real_now(u);
    if (has_work(w)) {
        if (u->waiting) {
            /* Queued by a host callback while the world was idle. */
            u->waiting = 0;
            catch_up(w, u);
        }
        uv_idle_start(&u->idle, on_idle);
        return;
    }
    uv_idle_stop(&u->idle);
    if (w->rq_len > 0)
        sim__rq_clear_stale(w);
    if (w->now > w->cfg.time_limit) {
        finish(u, SIM_ELIMIT);
        return;
    }
    timer = sim__timer_next(w, &due);
    if (timer && due <= w->now) {
        int rc = sim__timer_fire(w);

        u->waiting = 0;
        if (rc < 0) {
            finish(u, rc);
            return;
        }
        uv_idle_start(&u->idle, on_idle);
        return;
    }
    if (timer) {
        /* libuv counts from its cached, millisecond loop time: refresh it,
         * round up, and re-arm should it still fire a little early.  A due
         * time past the limit wakes the hub at the limit instead. */
        sim_time_t at = due <= w->cfg.time_limit ? due : w->cfg.time_limit + 1;
        uint64_t ms = (uint64_t)((at - w->now + 999999) / 1000000);

        uv_update_time(u->loop);
        uv_timer_start(&u->timer, on_timer, ms, 0);
    } else {
        uv_timer_stop(&u->timer);
    }
    u->waiting = 1;
    if (!any_alive(u))
        finish(u, SIM_OK);
    else if (!timer && u->refs == 0 && u->nsigs == 0)
        finish(u, SIM_EHUNG);
}

/* Run fn on the hub with the overflow guard armed.  The jump target is
 * here, inside the libuv callback, not around uv_run.  savemask 0 keeps
 * sigsetjmp free of a syscall, so the faulting signals are unblocked by
 * hand after a jump out of their handler. */
static void guarded(sim__uv_t *u, void (*fn)(sim__uv_t *u, void *arg),
                    void *arg)
{
    sim_world_t *w = u->w;
    sim_world_t *prev = sim__crash_get_world();

    sim__crash_set_world(w);
    if (sigsetjmp(w->crash_jmp, 0) != 0) {
        sigset_t set;

        w->crash_armed = 0;
        sigemptyset(&set);
        sigaddset(&set, SIGSEGV);
        sigaddset(&set, SIGBUS);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        sim__crash_recover(w);
        sim__crash_set_world(prev);
        finish(u, SIM_ECRASH);
        return;
    }
    w->crash_armed = 1;
    fn(u, arg);
    w->crash_armed = 0;
    sim__crash_set_world(prev);
}

/* One round: the entries queued when it began, plus the kills and calls
 * they cause, exactly as the virtual hub takes them. */
static void drain(sim__uv_t *u, void *arg)
{
    sim_world_t *w = u->w;
    size_t budget = sim__rq_live(w);

    (void)arg;
    w->now = real_now(u);
    if (w->now > w->cfg.time_limit) {
        finish(u, SIM_ELIMIT);
        return;
    }
    for (;;) {
        sim_thread_t *t = w->direct;
        sim__entry_t e;

        if (SIM_UNLIKELY(w->pending_fn != NULL)) {
            void (*fn)(sim_world_t *, void *) = w->pending_fn;

            w->pending_fn = NULL;
            fn(w, w->pending_arg);
            continue;
        }
        if (t != NULL) {
            if (w->steps >= w->cfg.step_limit) {
                finish(u, SIM_ELIMIT);
                return;
            }
            w->direct = NULL;
            w->now = real_now(u);
            sim__resume(w, t);
            continue;
        }
        if (budget == 0 || sim__rq_live(w) == 0)
            break;
        if (w->steps >= w->cfg.step_limit) {
            finish(u, SIM_ELIMIT);
            return;
        }
        budget--;
        e = sim__rq_take(w, 0);
        if (e.fn != NULL) {
            e.fn(w, e.arg);
        } else {
            e.t->in_runq = 0;
            w->now = real_now(u);
            sim__resume(w, e.t);
        }
    }
}

static void on_idle(uv_idle_t *h)
{
    sim__uv_t *u = h->data;

    if (u->result != UNDECIDED)
        return;
    guarded(u, drain, NULL);
    settle(u);
}

static void on_timer(uv_timer_t *h)
{
    settle(h->data);
}

static void on_prepare(uv_prepare_t *h)
{
    settle(h->data);
}

static void call_signal(sim__uv_t *u, void *arg)
{
    uv_sig_t *s = arg;

    s->cb(u->w, s->signum, s->arg);
}

static void on_signal(uv_signal_t *h, int signum)
{
    uv_sig_t *s = h->data;
    sim__uv_t *u = s->u;

    (void)signum;
    if (u->w == NULL || s->cb == NULL)
        return;
    catch_up(u->w, u);
    u->in_cb++;
    guarded(u, call_signal, s);
    u->in_cb--;
    settle(u);
}

/* ---------------------------------------------------------------- run */

static int uv_world_run(sim_world_t *w)
{
    sim__uv_t *u = w->rt_data;
    sim_world_t *prev;
    int rc;

    if (u->in_cb > 0 || u->running)
        return SIM_ESTATE;
    sim__crash_install();
    prev = sim__crash_get_world();
    sim__crash_set_world(w);
    w->in_run = 1;
    u->running = 1;
    u->result = UNDECIDED;
    u->waiting = 0;
    if (!u->started) {
        /* Both clocks start at 0 with the first run, as the virtual one
         * does: a timer-driven world then has the very same timeline. */
        u->started = 1;
        u->t0 = uv_hrtime();
    } else {
        catch_up(w, u);
    }
    for (uv_sig_t *s = u->sigs; s != NULL; s = s->next)
        uv_ref((uv_handle_t *)&s->h);
    uv_prepare_start(&u->prepare, on_prepare);
    settle(u);
    if (u->result == UNDECIDED) {
        u->in_loop = 1;
        uv_run(u->loop, UV_RUN_DEFAULT);
        u->in_loop = 0;
    }
    rc = u->result;
    if (rc == UNDECIDED) {
        /* uv_run came back on its own: stopped from outside, or nothing
         * left in the loop that could wake the world. */
        w->now = real_now(u);
        if (has_work(w) || uv_is_active((uv_handle_t *)&u->timer))
            rc = SIM_ESTATE;
        else
            rc = any_alive(u) ? SIM_EHUNG : SIM_OK;
    }
    uv_idle_stop(&u->idle);
    uv_timer_stop(&u->timer);
    uv_prepare_stop(&u->prepare);
    for (uv_sig_t *s = u->sigs; s != NULL; s = s->next)
        uv_unref((uv_handle_t *)&s->h);
    u->running = 0;
    u->result = UNDECIDED;
    w->in_run = 0;
    sim__crash_set_world(prev);
    if (rc == SIM_EHUNG)
        sim__report_threads(w, "hung");
    else if (rc == SIM_ELIMIT)
        sim__report_threads(w, "limit");
    return rc;
}

/* ---------------------------------------------------------------- lifetime */

static void on_closed(uv_handle_t *h)
{
    sim__uv_t *u = h->data;

    if (--u->open == 0)
        sim__free(u);
}

static void on_sig_closed(uv_handle_t *h)
{
    uv_sig_t *s = h->data;
    sim__uv_t *u = s->u;

    sim__free(s);
    if (--u->open == 0)
        sim__free(u);
}

static void close_handles(sim__uv_t *u)
{
    uv_close((uv_handle_t *)&u->idle, on_closed);
    uv_close((uv_handle_t *)&u->prepare, on_closed);
    uv_close((uv_handle_t *)&u->timer, on_closed);
    while (u->sigs != NULL) {
        uv_sig_t *s = u->sigs;

        u->sigs = s->next;
        uv_close((uv_handle_t *)&s->h, on_sig_closed);
    }
}

static void uv_world_release(sim_world_t *w)
{
    sim__uv_t *u = w->rt_data;

    SIM_ASSERT(!u->running);
    u->w = NULL;
    w->rt_data = NULL;
    close_handles(u);
}

static const sim__rt_t uv_rt = {uv_world_run, uv_world_release};

int sim_world_new_uv(const sim_config_t *cfg, uv_loop_t *loop,
                     sim_world_t **out)
{
    sim_config_t c;
    sim_world_t *w;
    sim__uv_t *u;
    int rc;

    if (out == NULL)
        return SIM_EINVAL;
    *out = NULL;
    if (loop == NULL || (cfg != NULL && cfg->strategy != SIM_STRATEGY_FIFO))
        return SIM_EINVAL;
    if (cfg != NULL)
        c = *cfg;
    else
        memset(&c, 0, sizeof c);
    /* No kind is explorable: every choice answers 0 unrecorded. */
    c.choices = SIM_CHOICE_BIT(SIM_CHOICE_KINDS);
    if (c.step_limit == 0)
        c.step_limit = UINT64_MAX;
    if (c.time_limit <= 0)
        c.time_limit = INT64_MAX;
    rc = sim_world_new(&c, &w);
    if (rc < 0)
        return rc;
    u = sim__calloc(1, sizeof *u);
    if (u == NULL) {
        sim_world_free(w);
        return SIM_ENOMEM;
    }
    u->loop = loop;
    u->result = UNDECIDED;
    /* On Unix these only fill in the structs; they cannot fail. */
    uv_idle_init(loop, &u->idle);
    uv_prepare_init(loop, &u->prepare);
    uv_timer_init(loop, &u->timer);
    u->open = 3;
    u->idle.data = u->prepare.data = u->timer.data = u;
    uv_unref((uv_handle_t *)&u->prepare);
    u->w = w;
    w->rt = &uv_rt;
    w->rt_data = u;
    w->handoff_limit = 0;
    *out = w;
    return 0;
}

/* ---------------------------------------------------------------- host API */

static sim__uv_t *uv_of(const sim_world_t *w)
{
    return w != NULL && w->rt == &uv_rt ? w->rt_data : NULL;
}

int sim_world_is_uv(const sim_world_t *w)
{
    return uv_of(w) != NULL;
}

uv_loop_t *sim_uv_loop(const sim_world_t *w)
{
    sim__uv_t *u = uv_of(w);

    return u != NULL ? u->loop : NULL;
}

int sim_uv_on_signal(sim_world_t *w, int signum, sim_uv_signal_cb cb,
                     void *arg)
{
    sim__uv_t *u = uv_of(w);
    uv_sig_t **link, *s;

    if (u == NULL || signum <= 0 || signum >= NSIG)
        return SIM_EINVAL;
    for (link = &u->sigs; *link != NULL; link = &(*link)->next) {
        s = *link;
        if (s->signum != signum)
            continue;
        if (cb == NULL) {
            *link = s->next;
            u->nsigs--;
            s->cb = NULL;
            uv_close((uv_handle_t *)&s->h, on_sig_closed);
        } else {
            s->cb = cb;
            s->arg = arg;
        }
        return 0;
    }
    if (cb == NULL)
        return 0;
    s = sim__calloc(1, sizeof *s);
    if (s == NULL)
        return SIM_ENOMEM;
    if (uv_signal_init(u->loop, &s->h) != 0) {
        sim__free(s);
        return SIM_ENOMEM;
    }
    s->h.data = s;
    s->u = u;
    s->signum = signum;
    s->cb = cb;
    s->arg = arg;
    u->open++;
    if (uv_signal_start(&s->h, on_signal, signum) != 0) {
        uv_close((uv_handle_t *)&s->h, on_sig_closed);
        return SIM_EINVAL;
    }
    /* Outside sim_run the world's handles keep nobody's loop alive. */
    if (!u->running)
        uv_unref((uv_handle_t *)&s->h);
    s->next = u->sigs;
    u->sigs = s;
    u->nsigs++;
    return 0;
}

int sim_uv_update_time(sim_world_t *w)
{
    sim__uv_t *u = uv_of(w);

    if (u == NULL)
        return SIM_EINVAL;
    if (u->waiting && u->running) {
        /* What the host queues now is the world's next outside event. */
        u->waiting = 0;
        catch_up(w, u);
    } else {
        w->now = real_now(u);
    }
    return 0;
}

int sim_uv_ref(sim_world_t *w)
{
    sim__uv_t *u = uv_of(w);

    if (u == NULL)
        return SIM_EINVAL;
    u->refs++;
    return 0;
}

int sim_uv_unref(sim_world_t *w)
{
    sim__uv_t *u = uv_of(w);

    if (u == NULL || u->refs <= 0)
        return SIM_EINVAL;
    u->refs--;
    return 0;
}
