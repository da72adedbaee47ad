/*
 * event.c - eventlet.Event, and the FIFO of waiting threads.
 *
 * send never yields: it queues one wake-up per waiter, in an order chosen
 * by SIM_CHOICE_WAKE_ORDER (eventlet iterates a set; fifo = waiting order),
 * and hands each waiter the value and error it sent, so a waiter woken
 * before a reset still sees what woke it.  A thread's exit event is an
 * Event too ("quiet": traced as the thread's "exit", not as "send").
 */
#include "sched-internal.h"

#include <string.h>

static const char resend_msg[] =
    "Trying to re-send() an already-triggered event";

void sim__waitq_push(sim__waitq_t *q, sim_thread_t *t)
{
    SIM_ASSERT(t->wq == NULL);
    t->wq = q;
    t->wnext = NULL;
    t->wprev = q->tail;
    if (q->tail != NULL)
        q->tail->wnext = t;
    else
        q->head = t;
    q->tail = t;
    q->n++;
}

void sim__waitq_remove(sim__waitq_t *q, sim_thread_t *t)
{
    SIM_ASSERT(t->wq == q);
    if (t->wprev != NULL)
        t->wprev->wnext = t->wnext;
    else
        q->head = t->wnext;
    if (t->wnext != NULL)
        t->wnext->wprev = t->wprev;
    else
        q->tail = t->wprev;
    t->wq = NULL;
    t->wnext = t->wprev = NULL;
    q->n--;
}

sim_thread_t *sim__waitq_pop(sim__waitq_t *q)
{
    sim_thread_t *t = q->head;

    if (t != NULL)
        sim__waitq_remove(q, t);
    return t;
}

void sim__event_init(sim_event_t *e, const char *name, const char *desc,
                     int quiet)
{
    memset(e, 0, sizeof *e);
    e->name = name;
    e->desc = desc;
    e->quiet = quiet;
}

int sim_event_new(sim_world_t *w, const char *name, sim_event_t **out)
{
    sim_event_t *e;
    const char *n, *d;

    if (out != NULL)
        *out = NULL;
    if (w == NULL || out == NULL)
        return SIM_EINVAL;
    e = sim__arena_alloc(&w->arena, sizeof *e);
    n = sim__arena_strdup(&w->arena, name ? name : "event");
    d = n ? sim__arena_printf(&w->arena, "event %s", n) : NULL;
    if (e == NULL || d == NULL)
        return SIM_ENOMEM;
    sim__event_init(e, n, d, 0);
    *out = e;
    return 0;
}

int sim__event_send(sim_world_t *w, sim_event_t *e, const void *value,
                    const sim_error_t *err)
{
    unsigned k = 0;

    if (e->ready) {
        const sim_error_t *ae =
            sim_error_new(w, "AssertionError", resend_msg, 0);
        return ae != NULL ? sim_raise(w, ae) : SIM_ENOMEM;
    }
    if (e->waiters.n > 0 &&
        (sim__scratch_reserve(w, e->waiters.n) < 0 ||
         sim__rq_reserve(w, e->waiters.n) < 0))
        return SIM_ENOMEM;
    e->ready = 1;
    e->value = value;
    e->err = err;
    if (!e->quiet)
        sim__trace_raw(w, "send", e->name, err ? sim__error_detail(w, err) : "");
    while (e->waiters.n > 0)
        w->scratch[k++] = sim__waitq_pop(&e->waiters);
    while (k > 0) {
        unsigned j = k > 1 ? sim_choose(w, SIM_CHOICE_WAKE_ORDER, k) : 0;
        sim_thread_t *t = w->scratch[j];
        int rc;

        memmove(&w->scratch[j], &w->scratch[j + 1],
                (k - j - 1) * sizeof *w->scratch);
        k--;
        t->wake_value = value;
        t->wake_err = err;
        rc = sim__wake(w, t, e->desc);
        SIM_ASSERT(rc == 0);
    }
    return 0;
}

int sim_event_send(sim_world_t *w, sim_event_t *e, const void *value,
                   const sim_error_t *err)
{
    if (w == NULL || e == NULL)
        return SIM_EINVAL;
    return sim__event_send(w, e, value, err);
}

/* A thread's exit event describes itself lazily as "thread <name>". */
static const char *event_desc(sim_world_t *w, sim_event_t *e)
{
    if (e->desc == NULL) {
        size_t n = strlen(e->name);
        char *d = sim__arena_alloc(&w->arena, 7 + n + 1);

        if (d == NULL)
            return e->name;
        memcpy(d, "thread ", 7);
        memcpy(d + 7, e->name, n + 1);
        e->desc = d;
    }
    return e->desc;
}

int sim__event_wait(sim_world_t *w, sim_event_t *e, const void **value)
{
    sim_thread_t *t;
    int rc;

    if (e->ready) {
        if (value != NULL)
            *value = e->value;
        return e->err != NULL ? sim_raise(w, e->err) : 0;
    }
    t = w->current;
    if (t == NULL)
        return SIM_ESTATE;
    sim__trace_raw(w, "block", t->name, event_desc(w, e));
    sim__begin_wait(w, t, SIM__WAIT_EVENT, e);
    sim__waitq_push(&e->waiters, t);
    rc = sim__suspend(w, t);
    if (rc < 0) {
        /* eventlet's `finally: self._waiters.discard(current)` */
        if (t->wq != NULL)
            sim__waitq_remove(t->wq, t);
        return rc;
    }
    if (value != NULL)
        *value = t->wake_value;
    return t->wake_err != NULL ? sim_raise(w, t->wake_err) : 0;
}

int sim_event_wait(sim_world_t *w, sim_event_t *e, const void **value)
{
    if (value != NULL)
        *value = NULL;
    if (w == NULL || e == NULL)
        return SIM_EINVAL;
    return sim__event_wait(w, e, value);
}

int sim_event_wait_timeout(sim_world_t *w, sim_event_t *e,
                           sim_time_t timeout, const void **value,
                           int *timed_out)
{
    sim_thread_t *t;
    char buf[32];
    int rc;

    if (value != NULL)
        *value = NULL;
    if (timed_out != NULL)
        *timed_out = 0;
    if (w == NULL || e == NULL || timeout <= 0)
        return SIM_EINVAL;
    if (e->ready)
        return sim__event_wait(w, e, value);
    t = w->current;
    if (t == NULL)
        return SIM_ESTATE;
    sim__format_time(timeout, buf, sizeof buf);
    sim__trace_raw(w, "block", t->name,
                   sim__arena_printf(&w->arena, "%s (timeout %s)",
                                     event_desc(w, e), buf));
    sim__begin_wait(w, t, SIM__WAIT_EVENT, e);
    /* Saturated, as in sim_sleep: never wraps into the past. */
    t->wait_until = timeout > INT64_MAX - sim__clock(w)
                        ? INT64_MAX
                        : sim__clock(w) + timeout;
    if (sim__timer_add(w, t, t->wait_until) < 0) {
        t->wait_kind = SIM__WAIT_NONE;
        t->wait_obj = NULL;
        if (t->state != SIM_THREAD_EXITING)
            t->state = SIM_THREAD_RUNNING;
        return SIM_ENOMEM;
    }
    t->timed = 1;
    t->timed_out = 0;
    sim__waitq_push(&e->waiters, t);
    rc = sim__suspend(w, t);
    t->timed = 0;
    if (rc < 0) {
        if (t->wq != NULL)
            sim__waitq_remove(t->wq, t);
        t->timed_out = 0;
        return rc;
    }
    if (t->timed_out) {
        t->timed_out = 0;
        if (timed_out != NULL)
            *timed_out = 1;
        return 0;
    }
    if (value != NULL)
        *value = t->wake_value;
    return t->wake_err != NULL ? sim_raise(w, t->wake_err) : 0;
}

int sim_event_ready(const sim_event_t *e)
{
    return e->ready;
}

int sim_event_reset(sim_world_t *w, sim_event_t *e)
{
    (void)w;
    if (e == NULL || !e->ready)
        return SIM_EINVAL;
    e->ready = 0;
    e->value = NULL;
    e->err = NULL;
    return 0;
}
