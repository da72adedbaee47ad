/*
 * sem.c - eventlet.Semaphore, fair FIFO.
 *
 * acquire blocks while the counter is <= 0 or other waiters exist, and
 * loops until it finds counter > 0.  release never yields: counter++ and,
 * if anyone waits, a zero-delay _do_acquire entry that, when it fires, pops
 * the oldest waiter (only if the counter is still > 0) and switches to it.
 * A killed waiter takes itself out of the queue.
 */
#include "sched-internal.h"

void sim__sem_init(sim_sem_t *s, const char *name, const char *desc,
                   int count)
{
    s->name = name;
    s->desc = desc;
    s->counter = count;
    s->waiters.head = s->waiters.tail = NULL;
    s->waiters.n = 0;
}

int sim_sem_new(sim_world_t *w, const char *name, int count, sim_sem_t **out)
{
    sim_sem_t *s;
    const char *n, *d;

    if (out != NULL)
        *out = NULL;
    if (w == NULL || out == NULL || count < 0)
        return SIM_EINVAL;
    s = sim__arena_alloc(&w->arena, sizeof *s);
    n = sim__arena_strdup(&w->arena, name ? name : "semaphore");
    d = n ? sim__arena_printf(&w->arena, "semaphore %s", n) : NULL;
    if (s == NULL || d == NULL)
        return SIM_ENOMEM;
    sim__sem_init(s, n, d, count);
    *out = s;
    return 0;
}

static void do_acquire(sim_world_t *w, void *arg)
{
    sim_sem_t *s = arg;
    sim_thread_t *t;

    if (s->waiters.n == 0 || s->counter <= 0)
        return;
    t = sim__waitq_pop(&s->waiters);
    sim__trace_raw(w, "wake", t->name, s->desc);
    sim__resume(w, t);
}

int sim_sem_acquire(sim_world_t *w, sim_sem_t *s)
{
    sim_thread_t *t;

    if (w == NULL || s == NULL)
        return SIM_EINVAL;
    if (s->counter <= 0 || s->waiters.n > 0) {
        t = w->current;
        if (t == NULL)
            return SIM_ESTATE;
        if (t->wq == NULL)
            sim__waitq_push(&s->waiters, t);
        do {
            int rc;

            sim__begin_wait(w, t, SIM__WAIT_SEM, s);
            sim__trace_raw(w, "block", t->name, s->desc);
            rc = sim__suspend(w, t);
            if (rc < 0) {
                if (t->wq != NULL)
                    sim__waitq_remove(t->wq, t);
                return rc;
            }
        } while (s->counter <= 0);
        if (t->wq != NULL)
            sim__waitq_remove(t->wq, t);
    }
    s->counter--;
    return 0;
}

int sim_sem_release(sim_world_t *w, sim_sem_t *s)
{
    if (w == NULL || s == NULL)
        return SIM_EINVAL;
    s->counter++;
    if (s->waiters.n > 0)
        return sim__rq_push_call(w, do_acquire, s);
    return 0;
}

int sim_sem_balance(const sim_sem_t *s)
{
    return s->counter - (int)s->waiters.n;
}
