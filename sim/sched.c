/*
 * sched.c - the hub: run queue, timers, virtual clock, switching.
 *
 * The hub is sim_run on the caller's stack.  Its run queue is eventlet's
 * list of zero-delay timers: a FIFO of entries that resume a thread (if the
 * thread is still at the generation the entry was made for) or call an
 * internal function (a semaphore's _do_acquire).  A thread's generation is
 * bumped at every suspension and whenever a kill throws into it, so stale
 * entries fire as silent no-ops; they are counted (rq_stale) and never
 * offered as a choice.  When the queue is empty the clock jumps to the
 * earliest live sleep timer and every timer due at that instant joins the
 * queue.  Green threads only ever switch to the hub and back; one step is
 * one such round trip.  A world hosted by another runtime (the libuv one,
 * uv.c) hands sim_run over to it; that runtime's hub is built from the
 * pieces at the end of this file and keeps the same queue and timer rules.
 */
#include "sched-internal.h"

#include <stdio.h>
#include <string.h>

#if defined(SIM_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

#define DEFAULT_STEP_LIMIT 1000000u
#define DEFAULT_TIME_LIMIT SIM_S(3600)

/* ---------------------------------------------------------------- switching */

static inline void switch_hub_to(sim_world_t *w, sim_thread_t *t)
{
#if defined(SIM_ASAN)
    __sanitizer_start_switch_fiber(&w->hub_fake, t->stack->lo, t->stack->size);
#endif
    sim__ctx_switch(&w->hub_ctx, &t->ctx);
#if defined(SIM_ASAN)
    __sanitizer_finish_switch_fiber(w->hub_fake, NULL, NULL);
#endif
}

static inline void switch_to_hub(sim_world_t *w, sim_thread_t *t, int final)
{
#if defined(SIM_ASAN)
    /* A finishing thread passes NULL: its fake stack is gone for good. */
    __sanitizer_start_switch_fiber(final ? NULL : &t->asan_fake,
                                   w->hub_stack_lo, w->hub_stack_size);
#else
    (void)final;
#endif
    w->back = t;
    sim__ctx_switch(&t->ctx, &w->hub_ctx);
#if defined(SIM_ASAN)
    __sanitizer_finish_switch_fiber(t->asan_fake, NULL, NULL);
#endif
}

/* First code run on a thread's own stack. */
void sim__thread_entry(void *arg)
{
    sim_thread_t *t = arg;
    sim_world_t *w = t->w;

#if defined(SIM_ASAN)
    /* Learns the hub's (main) stack bounds for the switches back. */
    __sanitizer_finish_switch_fiber(NULL, &w->hub_stack_lo, &w->hub_stack_size);
#endif
    sim__thread_body(w, t);
    sim__exit_to_hub(w, t);
}

void sim__resume(sim_world_t *w, sim_thread_t *t)
{
    SIM_ASSERT(w->current == NULL);
    SIM_ASSERT(t->state != SIM_THREAD_DEAD && t->state != SIM_THREAD_RUNNING);
    w->steps++;
    if (t->state != SIM_THREAD_EXITING)
        t->state = SIM_THREAD_RUNNING;
    t->suspended = 0;
    t->wait_kind = SIM__WAIT_NONE;
    w->current = t;
    sim__trace_raw(w, "run", t->name, "");
    switch_hub_to(w, t);
    /* After hand-offs the thread coming back need not be t. */
    t = w->back;
    w->current = NULL;
    if (t->state == SIM_THREAD_DEAD && t->stack != NULL) {
        /* Only now is nobody running on that stack any more. */
        sim__stack_put(w->stacks, t->stack);
        t->stack = NULL;
    }
}

static int handoff(sim_world_t *w, sim_thread_t *t);

int sim__suspend(sim_world_t *w, sim_thread_t *t)
{
    const sim_error_t *e;

    SIM_ASSERT(w->current == t);
    t->suspended = 1;
    if (!handoff(w, t))
        switch_to_hub(w, t, 0);
    e = t->throw_err;
    if (SIM_UNLIKELY(e != NULL)) {
        t->throw_err = NULL;
        return sim_raise(w, e);
    }
    return 0;
}

void sim__exit_to_hub(sim_world_t *w, sim_thread_t *t)
{
    t->state = SIM_THREAD_DEAD;
    switch_to_hub(w, t, 1);
    SIM_ASSERT(!"a dead thread was resumed");
    for (;;) {
    }
}

/* ---------------------------------------------------------------- run queue */

static int rq_reserve(sim_world_t *w, size_t need)
{
    size_t old = w->rq_cap, cap = old ? old : 64;
    sim__entry_t *p;

    if (need <= old)
        return 0;
    while (cap < need)
        cap *= 2;
    if (cap < 2 * old)
        cap = 2 * old;
    p = sim__realloc(w->rq, cap * sizeof *p);
    if (p == NULL)
        return SIM_ENOMEM;
    /* Unwrap the ring: the part that wrapped to the front moves behind the
     * old end (there is room, cap >= 2 * old). */
    if (w->rq_head + w->rq_len > old)
        memcpy(p + old, p, (w->rq_head + w->rq_len - old) * sizeof *p);
    w->rq = p;
    w->rq_cap = cap;
    return 0;
}

int sim__rq_reserve(sim_world_t *w, size_t extra)
{
    return rq_reserve(w, w->rq_len + extra);
}

static inline int rq_push_thread(sim_world_t *w, sim_thread_t *t)
{
    sim__entry_t *e;

    SIM_ASSERT(!t->in_runq);
    if (SIM_UNLIKELY(w->rq_len == w->rq_cap) && rq_reserve(w, w->rq_len + 1) < 0)
        return SIM_ENOMEM;
    e = &w->rq[(w->rq_head + w->rq_len) & (w->rq_cap - 1)];
    e->t = t;
    e->gen = t->gen;
    e->fn = NULL;
    w->rq_len++;
    t->in_runq = 1;
    return 0;
}

static inline int rq_push(sim_world_t *w, sim__entry_t e)
{
    if (SIM_UNLIKELY(w->rq_len == w->rq_cap) && rq_reserve(w, w->rq_len + 1) < 0)
        return SIM_ENOMEM;
    w->rq[(w->rq_head + w->rq_len) & (w->rq_cap - 1)] = e;
    w->rq_len++;
    return 0;
}

int sim__rq_push_thread(sim_world_t *w, sim_thread_t *t)
{
    return rq_push_thread(w, t);
}

int sim__rq_push_call(sim_world_t *w, void (*fn)(sim_world_t *, void *),
                      void *arg)
{
    sim__entry_t e;

    e.t = NULL;
    e.gen = 0;
    e.fn = fn;
    e.arg = arg;
    return rq_push(w, e);
}

static inline int entry_live(const sim__entry_t *e)
{
    return e->fn != NULL || (e->t->in_runq && e->gen == e->t->gen);
}

/* Remove and return the i-th live entry (0 = oldest). */
static sim__entry_t rq_take(sim_world_t *w, unsigned i)
{
    size_t mask = w->rq_cap - 1, k, live = 0;
    sim__entry_t e;

    /* Stale entries at the head are dropped on the way. */
    while (w->rq_stale > 0 && !entry_live(&w->rq[w->rq_head])) {
        w->rq_head = (w->rq_head + 1) & mask;
        w->rq_len--;
        w->rq_stale--;
    }
    if (SIM_LIKELY(i == 0)) {
        e = w->rq[w->rq_head];
        w->rq_head = (w->rq_head + 1) & mask;
        w->rq_len--;
        return e;
    }
    for (k = 0;; k++) {
        SIM_ASSERT(k < w->rq_len);
        if (entry_live(&w->rq[(w->rq_head + k) & mask]) && live++ == i)
            break;
    }
    e = w->rq[(w->rq_head + k) & mask];
    for (; k + 1 < w->rq_len; k++)
        w->rq[(w->rq_head + k) & mask] = w->rq[(w->rq_head + k + 1) & mask];
    w->rq_len--;
    return e;
}

/* The hub's next step, taken by a suspending thread itself so that control
 * goes straight to the next thread: one context switch instead of two.
 * It makes exactly the decision, records exactly the choice and traces
 * exactly the events the hub would, so schedules and traces are unchanged;
 * every case the hub handles specially (a kill's direct switch, the step
 * limit, early timers, an empty queue) still goes through the hub.  Off
 * under ASan, whose fiber annotations assume hub <-> thread switches.
 * Returns 1 once t has been resumed again, 0 to switch to the hub. */
static int handoff(sim_world_t *w, sim_thread_t *t)
{
#if defined(SIM_ASAN)
    (void)w;
    (void)t;
    return 0;
#else
    sim__entry_t e;
    sim_thread_t *next;
    size_t n = w->rq_len - w->rq_stale;

    if (w->direct != NULL || n == 0 || w->steps >= w->handoff_limit ||
        (w->cfg.choices & SIM_CHOICE_BIT(SIM_CHOICE_TIMER_EARLY)))
        return 0;
    e = rq_take(w, sim__choose_ready(w, (unsigned)n));
    if (e.fn != NULL) {
        w->pending_fn = e.fn;
        w->pending_arg = e.arg;
        return 0;
    }
    next = e.t;
    next->in_runq = 0;
    SIM_ASSERT(next->state != SIM_THREAD_DEAD);
    w->steps++;
    if (next->state != SIM_THREAD_EXITING)
        next->state = SIM_THREAD_RUNNING;
    next->suspended = 0;
    next->wait_kind = SIM__WAIT_NONE;
    w->current = next;
    sim__trace_raw(w, "run", next->name, "");
    if (next != t)
        sim__ctx_switch(&t->ctx, &next->ctx);
    return 1;
#endif
}

sim_thread_t *sim_ready_at(const sim_world_t *w, unsigned i)
{
    size_t mask = w->rq_cap - 1, live = 0;

    for (size_t k = 0; k < w->rq_len; k++) {
        const sim__entry_t *e = &w->rq[(w->rq_head + k) & mask];
        if (entry_live(e) && live++ == i)
            return e->fn != NULL ? NULL : e->t;
    }
    return NULL;
}

void sim__invalidate(sim_world_t *w, sim_thread_t *t)
{
    t->gen++;
    if (t->in_runq) {
        t->in_runq = 0;
        w->rq_stale++;
    }
}

void sim__begin_wait(sim_world_t *w, sim_thread_t *t, sim__wait_t kind,
                     void *obj)
{
    (void)w;
    t->gen++;
    t->wait_kind = kind;
    t->wait_obj = obj;
    if (t->state != SIM_THREAD_EXITING)
        t->state = kind == SIM__WAIT_READY ? SIM_THREAD_READY : SIM_THREAD_BLOCKED;
}

/* Undo sim__begin_wait when registering the wake-up failed. */
static void cancel_wait(sim_thread_t *t)
{
    t->wait_kind = SIM__WAIT_NONE;
    t->wait_obj = NULL;
    if (t->state != SIM_THREAD_EXITING)
        t->state = SIM_THREAD_RUNNING;
}

int sim__wake(sim_world_t *w, sim_thread_t *t, const char *why)
{
    int rc;

    SIM_ASSERT(t->suspended);
    rc = sim__rq_push_thread(w, t);
    if (rc < 0)
        return rc;
    if (t->state != SIM_THREAD_EXITING)
        t->state = SIM_THREAD_READY;
    t->wait_kind = SIM__WAIT_READY;
    sim__trace_raw(w, "wake", t->name, why);
    return 0;
}

/* ---------------------------------------------------------------- timers */

static inline int timer_less(const sim__timer_t *a, const sim__timer_t *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static int heap_push(sim_world_t *w, sim__timer_t tm)
{
    size_t i;

    if (w->heap_len == w->heap_cap &&
        sim__grow((void **)&w->heap, &w->heap_cap, w->heap_len + 1,
                  sizeof *w->heap, 64) < 0)
        return SIM_ENOMEM;
    i = w->heap_len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_less(&tm, &w->heap[parent]))
            break;
        w->heap[i] = w->heap[parent];
        i = parent;
    }
    w->heap[i] = tm;
    return 0;
}

static sim__timer_t heap_pop(sim_world_t *w)
{
    sim__timer_t top = w->heap[0], last = w->heap[--w->heap_len];
    size_t i = 0, n = w->heap_len;

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && timer_less(&w->heap[c + 1], &w->heap[c]))
            c++;
        if (!timer_less(&w->heap[c], &last))
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (n > 0)
        w->heap[i] = last;
    return top;
}

static inline int timer_live(const sim__timer_t *tm)
{
    const sim_thread_t *t = tm->t;

    return t->gen == tm->gen &&
           (t->wait_kind == SIM__WAIT_SLEEP ||
            (t->timed && t->wait_kind == SIM__WAIT_EVENT));
}

int sim__timer_add(sim_world_t *w, sim_thread_t *t, sim_time_t due)
{
    sim__timer_t tm;

    tm.due = due;
    tm.seq = w->timer_seq++;
    tm.t = t;
    tm.gen = t->gen;
    return heap_push(w, tm);
}

/* Whether a live timer is pending (dropping dead ones from the top). */
static int timer_pending(sim_world_t *w)
{
    while (w->heap_len > 0 && !timer_live(&w->heap[0]))
        heap_pop(w);
    return w->heap_len > 0;
}

int sim__scratch_reserve(sim_world_t *w, size_t n)
{
    return sim__grow((void **)&w->scratch, &w->scratch_cap, n,
                     sizeof *w->scratch, 16);
}

/* Move every live timer due at the earliest instant to the run queue, in an
 * order decided by SIM_CHOICE_TIMER_TIE (fifo: scheduling order).  Returns
 * 1 if the clock moved, 0 if no live timer is left, SIM_ELIMIT past the
 * time limit. */
static int fire_timers(sim_world_t *w)
{
    sim_time_t due;
    size_t k = 0;

    while (w->heap_len > 0 && !timer_live(&w->heap[0]))
        heap_pop(w);
    if (w->heap_len == 0)
        return 0;
    due = w->heap[0].due;
    if (due > w->cfg.time_limit)
        return SIM_ELIMIT;
    if (SIM_UNLIKELY(w->rt != NULL)) {
        /* Real time: the timeline catches up with the due time; trace time
         * stays the runtime's real clock. */
        if (due > w->tbase)
            w->tbase = due;
    } else {
        w->now = due;
    }
    while (w->heap_len > 0 && w->heap[0].due == due) {
        sim__timer_t tm = heap_pop(w);
        if (!timer_live(&tm))
            continue;
        if (k == w->scratch_cap && sim__scratch_reserve(w, k + 1) < 0)
            return SIM_ENOMEM;
        w->scratch[k++] = tm.t;
    }
    while (k > 0) {
        unsigned j = k > 1 ? sim_choose(w, SIM_CHOICE_TIMER_TIE, (unsigned)k) : 0;
        sim_thread_t *t = w->scratch[j];
        memmove(&w->scratch[j], &w->scratch[j + 1], (k - j - 1) * sizeof *w->scratch);
        k--;
        if (t->wait_kind == SIM__WAIT_EVENT) {
            /* An event wait's timeout: eventlet's Timeout throws into the
             * waiter, which leaves the event's waiter set. */
            if (t->wq != NULL)
                sim__waitq_remove(t->wq, t);
            t->timed_out = 1;
            if (sim__wake(w, t, "timeout") < 0)
                return SIM_ENOMEM;
            continue;
        }
        if (sim__wake(w, t, "timer") < 0)
            return SIM_ENOMEM;
    }
    return 1;
}

/* ---------------------------------------------------------------- sleep */

int sim_yield(sim_world_t *w)
{
    sim_thread_t *t;

    if (w == NULL)
        return SIM_EINVAL;
    t = w->current;
    if (t == NULL)
        return SIM_ESTATE;
    sim__begin_wait(w, t, SIM__WAIT_READY, NULL);
    if (SIM_UNLIKELY(rq_push_thread(w, t) < 0)) {
        cancel_wait(t);
        return SIM_ENOMEM;
    }
    sim__trace_raw(w, "yield", t->name, "");
    return sim__suspend(w, t);
}

int sim_sleep(sim_world_t *w, sim_time_t d)
{
    sim_thread_t *t;
    sim__timer_t tm;
    char buf[32];

    if (d <= 0)
        return sim_yield(w);
    if (w == NULL)
        return SIM_EINVAL;
    t = w->current;
    if (t == NULL)
        return SIM_ESTATE;
    sim__begin_wait(w, t, SIM__WAIT_SLEEP, NULL);
    /* Saturate: a due time past the end of time is never reached (the
     * time limit ends the run) instead of wrapping into the past. */
    t->wait_until =
        d > INT64_MAX - sim__clock(w) ? INT64_MAX : sim__clock(w) + d;
    tm.due = t->wait_until;
    tm.seq = w->timer_seq++;
    tm.t = t;
    tm.gen = t->gen;
    if (heap_push(w, tm) < 0) {
        cancel_wait(t);
        return SIM_ENOMEM;
    }
    sim__format_time(d, buf, sizeof buf);
    sim__trace_raw(w, "sleep", t->name, sim__arena_strdup(&w->arena, buf));
    return sim__suspend(w, t);
}

/* ---------------------------------------------------------------- hub loop */

void sim__describe_wait(const sim_thread_t *t, char *buf, size_t size)
{
    const char *s = "ready";
    char tb[32];

    if (t->state == SIM_THREAD_DEAD) {
        s = "dead";
    } else if (!t->suspended && t->state != SIM_THREAD_NEW) {
        s = t->wait_kind == SIM__WAIT_READY ? "ready" : "running";
    } else {
        switch (t->wait_kind) {
        case SIM__WAIT_SLEEP:
            sim__format_time(t->wait_until, tb, sizeof tb);
            snprintf(buf, size, "sleep until %s", tb);
            return;
        case SIM__WAIT_EVENT: {
            const sim_event_t *e = t->wait_obj;
            s = e->desc ? e->desc : e->name;
            break;
        }
        case SIM__WAIT_SEM:
            s = ((const sim_sem_t *)t->wait_obj)->desc;
            break;
        default:
            s = "ready";
            break;
        }
    }
    snprintf(buf, size, "%s", s);
}

void sim_blocked_threads(const sim_world_t *w, sim_blocked_cb cb, void *arg)
{
    size_t i;
    char buf[256];

    if (w == NULL || cb == NULL)
        return;
    for (i = 0; i < w->nthreads; i++) {
        const sim_thread_t *t = w->threads[i];
        if (t->state == SIM_THREAD_DEAD)
            continue;
        if (t->state == SIM_THREAD_EXITING && !t->suspended && t != w->current)
            continue;
        sim__describe_wait(t, buf, sizeof buf);
        cb(arg, t, buf);
    }
}

static void report_one(void *arg, const sim_thread_t *t, const char *waiting_on)
{
    void **a = arg;
    sim_world_t *w = a[0];

    sim__trace_raw(w, a[1], t->name, sim__arena_strdup(&w->arena, waiting_on));
}

void sim__report_threads(sim_world_t *w, const char *kind)
{
    void *a[2];

    a[0] = w;
    a[1] = (void *)kind;
    sim_blocked_threads(w, report_one, a);
}

static int hub_loop(sim_world_t *w)
{
    for (;;) {
        sim_thread_t *t = w->direct;
        size_t n;
        sim__entry_t e;

        if (SIM_UNLIKELY(w->pending_fn != NULL)) {
            void (*fn)(sim_world_t *, void *) = w->pending_fn;

            w->pending_fn = NULL;
            fn(w, w->pending_arg);
            continue;
        }
        if (SIM_UNLIKELY(t != NULL)) {
            /* A kill switches straight into its victim. */
            if (w->steps >= w->cfg.step_limit)
                return SIM_ELIMIT;
            w->direct = NULL;
            sim__resume(w, t);
            continue;
        }
        n = w->rq_len - w->rq_stale;
        if (n == 0) {
            int rc = fire_timers(w);
            if (rc < 0)
                return rc;
            if (rc == 0)
                break;
            continue;
        }
        if (SIM_UNLIKELY(w->steps >= w->cfg.step_limit))
            return SIM_ELIMIT;
        if (SIM_UNLIKELY(w->cfg.choices &
                         SIM_CHOICE_BIT(SIM_CHOICE_TIMER_EARLY)) &&
            timer_pending(w) && sim_choose(w, SIM_CHOICE_TIMER_EARLY, 2)) {
            /* As if the runnable threads had taken real time: the next
             * timer is due now and its threads queue behind them. */
            int rc = fire_timers(w);
            if (rc < 0)
                return rc;
            n = w->rq_len - w->rq_stale;
        }
        e = rq_take(w, sim__choose_ready(w, (unsigned)n));
        if (e.fn != NULL) {
            e.fn(w, e.arg);
        } else {
            e.t->in_runq = 0;
            sim__resume(w, e.t);
        }
    }
    /* Drop the stale leftovers so a later sim_run starts clean. */
    w->rq_len = 0;
    w->rq_stale = 0;
    for (size_t i = 0; i < w->nthreads; i++) {
        if (w->threads[i]->state != SIM_THREAD_DEAD)
            return SIM_EHUNG;
    }
    return SIM_OK;
}

void sim__crash_recover(sim_world_t *w)
{
    sim_thread_t *t = w->crashed;

    w->crashed = NULL;
    w->current = NULL;
    if (t == NULL)
        return;
    t->crashed = 1;
    t->suspended = 0;
    t->state = SIM_THREAD_DEAD;
    t->exit_error = sim__error_for_code(SIM_ECRASH);
    sim__trace_raw(w, "crash", t->name, "stack overflow");
    /* Its stack keeps the dead frames and is unmapped with the world,
     * never reused. */
}

int sim_run(sim_world_t *w)
{
    sim_world_t *volatile prev;
    volatile int rc;

    if (w == NULL)
        return SIM_EINVAL;
    if (w->current != NULL || w->in_run)
        return SIM_ESTATE;
    if (w->rt != NULL)
        return w->rt->run(w);
    if (w->cfg.step_limit == 0)
        w->cfg.step_limit = DEFAULT_STEP_LIMIT;
    if (w->cfg.time_limit <= 0)
        w->cfg.time_limit = DEFAULT_TIME_LIMIT;
    sim__crash_install();
    prev = sim__crash_get_world();
    sim__crash_set_world(w);
    w->in_run = 1;
    if (sigsetjmp(w->crash_jmp, 1) != 0) {
        w->crash_armed = 0;
        sim__crash_recover(w);
        rc = SIM_ECRASH;
    } else {
        w->crash_armed = 1;
        rc = hub_loop(w);
        w->crash_armed = 0;
    }
    w->in_run = 0;
    sim__crash_set_world(prev);
    if (rc == SIM_EHUNG)
        sim__report_threads(w, "hung");
    else if (rc == SIM_ELIMIT)
        sim__report_threads(w, "limit");
    return rc;
}

sim_time_t sim_now(const sim_world_t *w)
{
    return sim__clock(w);
}

uint64_t sim_steps(const sim_world_t *w)
{
    return w->steps;
}

sim_thread_t *sim_current(const sim_world_t *w)
{
    return w != NULL ? w->current : NULL;
}

/* ---------------------------------------------------------------- runtimes
 *
 * The hub's pieces for another runtime's hub (uv.c); the virtual hub above
 * uses the static versions directly. */

sim__entry_t sim__rq_take(sim_world_t *w, unsigned i)
{
    return rq_take(w, i);
}

void sim__rq_clear_stale(sim_world_t *w)
{
    SIM_ASSERT(w->rq_len == w->rq_stale);
    w->rq_len = 0;
    w->rq_stale = 0;
}

int sim__timer_next(sim_world_t *w, sim_time_t *due)
{
    if (!timer_pending(w))
        return 0;
    *due = w->heap[0].due;
    return 1;
}

int sim__timer_fire(sim_world_t *w)
{
    return fire_timers(w);
}
