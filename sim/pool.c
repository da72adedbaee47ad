/*
 * pool.c - eventlet.GreenPool(size).
 *
 * spawn: when the pool is full and the caller is one of its own threads,
 * the function runs inline in the caller (eventlet's quirk); otherwise the
 * semaphore is acquired (blocking FIFO while full), the thread is spawned
 * with _spawn_done as its first link, and a fresh "no threads running"
 * event is made whenever the running set goes from empty to non-empty.
 * _spawn_done releases the slot, leaves the running set and, once
 * balance == size (nothing runs and nobody waits in spawn), sends that
 * event, which is what waitall waits on.
 */
#include "sched-internal.h"

static const char waitall_msg[] =
    "Calling waitall() from within one of the GreenPool's greenthreads will "
    "never terminate.";

static int idle_event_new(sim_world_t *w, sim_pool_t *p, sim_event_t **out)
{
    sim_event_t *e = sim__arena_alloc(&w->arena, sizeof *e);
    const char *d = sim__arena_printf(&w->arena, "pool %s", p->name);

    if (e == NULL || d == NULL)
        return SIM_ENOMEM;
    sim__event_init(e, p->name, d, 0);
    *out = e;
    return 0;
}

int sim_pool_new(sim_world_t *w, const char *name, int size, sim_pool_t **out)
{
    sim_pool_t *p;
    const char *d;

    if (out != NULL)
        *out = NULL;
    if (w == NULL || out == NULL || size < 0)
        return SIM_EINVAL;
    p = sim__arena_alloc(&w->arena, sizeof *p);
    if (p == NULL)
        return SIM_ENOMEM;
    p->name = sim__arena_strdup(&w->arena, name ? name : "pool");
    d = p->name ? sim__arena_printf(&w->arena, "semaphore %s", p->name) : NULL;
    if (d == NULL)
        return SIM_ENOMEM;
    p->size = size;
    p->running = 0;
    sim__sem_init(&p->sem, p->name, d, size);
    if (idle_event_new(w, p, &p->idle) < 0)
        return SIM_ENOMEM;
    *out = p;
    return 0;
}

static int spawn_done(sim_world_t *w, sim_thread_t *t, void *arg)
{
    sim_pool_t *p = arg;
    int rc = sim_sem_release(w, &p->sem);

    if (rc < 0)
        return rc;
    if (t->pool == p) {
        t->pool = NULL;
        p->running--;
    }
    if (sim_sem_balance(&p->sem) == p->size)
        return sim__event_send(w, p->idle, NULL, NULL);
    return 0;
}

int sim_pool_spawn(sim_world_t *w, sim_pool_t *p, const char *name,
                   sim_thread_fn fn, void *arg, sim_thread_t **out)
{
    return sim_pool_spawn_if(w, p, name, fn, arg, NULL, NULL, out);
}

int sim_pool_spawn_if(sim_world_t *w, sim_pool_t *p, const char *name,
                      sim_thread_fn fn, void *arg,
                      int (*admit)(sim_world_t *w, void *admit_arg),
                      void *admit_arg, sim_thread_t **out)
{
    sim_thread_t *cur, *t;
    sim_event_t *fresh = NULL;
    int rc;

    if (out != NULL)
        *out = NULL;
    if (w == NULL || p == NULL || fn == NULL)
        return SIM_EINVAL;
    cur = w->current;
    if (p->sem.counter <= 0 && cur != NULL && cur->pool == p) {
        rc = sim__thread_new_inline(w, name, &t);
        if (rc < 0)
            return rc;
        if (out != NULL)
            *out = t;
        return sim__thread_run_inline(w, t, fn, arg);
    }
    rc = sim_sem_acquire(w, &p->sem);
    if (rc < 0)
        return rc;
    if (admit != NULL && (rc = admit(w, admit_arg)) < 0) {
        /* Releasing may wake the next spawner; the refusal stays ours. */
        int rel = sim_sem_release(w, &p->sem);
        return rel < 0 ? rel : rc;
    }
    /* A fresh event only matters if someone still waits on the old one
     * (eventlet would orphan them); otherwise reusing it is the same. */
    if (p->running == 0 && p->idle->waiters.n > 0 &&
        idle_event_new(w, p, &fresh) < 0) {
        sim_sem_release(w, &p->sem);
        return SIM_ENOMEM;
    }
    rc = sim__spawn(w, name, fn, arg, spawn_done, p, &t);
    if (rc < 0) {
        sim_sem_release(w, &p->sem);
        return rc;
    }
    if (p->running == 0) {
        if (fresh != NULL)
            p->idle = fresh;
        else if (p->idle->ready)
            sim_event_reset(w, p->idle);
    }
    t->pool = p;
    p->running++;
    if (out != NULL)
        *out = t;
    return 0;
}

int sim_pool_waitall(sim_world_t *w, sim_pool_t *p)
{
    sim_thread_t *cur;

    if (w == NULL || p == NULL)
        return SIM_EINVAL;
    cur = w->current;
    if (cur != NULL && cur->pool == p) {
        const sim_error_t *e = sim_error_new(w, "AssertionError", waitall_msg, 0);
        return e != NULL ? sim_raise(w, e) : SIM_ENOMEM;
    }
    if (p->running == 0)
        return 0;
    return sim__event_wait(w, p->idle, NULL);
}

int sim_pool_running(const sim_pool_t *p)
{
    return p->running;
}

int sim_pool_free(const sim_pool_t *p)
{
    return p->sem.counter;
}

int sim_pool_contains(const sim_pool_t *p, const sim_thread_t *t)
{
    return p != NULL && t != NULL && t->pool == p;
}
