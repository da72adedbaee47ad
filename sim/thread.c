/*
 * thread.c - green threads: spawn, exit and links, wait, kill.
 *
 * Mirrors eventlet's GreenThread.main / link / _resolve_links and
 * greenthread.kill (spec/container.md 3.4.2-3.4.3):
 *  - exit: the exit event is sent first (wait returns from then on), then
 *    links run FIFO in the dying thread under a _resolving_links guard, so
 *    a link added meanwhile runs in the same loop; a link that fails aborts
 *    the rest (they stay registered, as in eventlet, and run with the next
 *    sim_thread_link) and its error replaces the exit error;
 *  - kill: dead = no-op without yield; not started = the exit sequence runs
 *    now in the killer, which then yields; suspended = the killer queues its
 *    own wake-up, then the victim is resumed at once with the error thrown
 *    at its suspension point; self = raise at once.
 */
#include "sched-internal.h"

#include <string.h>

/* "id=N" without printf or string calls: spawn is on the benchmark's hot
 * path. */
static const char *id_detail(sim_world_t *w, unsigned id, int inl)
{
    static const char tail[] = " inline";
    char digits[12], *out, *o;
    int n = 0;
    size_t i;

    do {
        digits[n++] = (char)('0' + id % 10);
        id /= 10;
    } while (id != 0);
    out = sim__arena_alloc(&w->arena, 3 + (size_t)n + sizeof tail);
    if (out == NULL)
        return "";
    o = out;
    *o++ = 'i';
    *o++ = 'd';
    *o++ = '=';
    while (n > 0)
        *o++ = digits[--n];
    for (i = 0; inl && i < sizeof tail - 1; i++)
        *o++ = tail[i];
    *o = '\0';
    return out;
}

/* Allocate and register a thread object (no stack, not queued). */
static int thread_new(sim_world_t *w, const char *name, sim_thread_t **out)
{
    sim_thread_t *t;
    /* Every thread can be queued or be a waiter at once: keep the run queue
     * and the scratch array big enough that wake-ups cannot fail. */
    size_t slack = 2 * (w->nthreads + 1) + 16;

    if (SIM_UNLIKELY(w->nthreads == w->threads_cap ||
                     w->rq_len + slack > w->rq_cap ||
                     w->nthreads + 1 > w->scratch_cap)) {
        if (sim__grow((void **)&w->threads, &w->threads_cap, w->nthreads + 1,
                      sizeof *w->threads, 16) < 0 ||
            sim__rq_reserve(w, slack) < 0 ||
            sim__scratch_reserve(w, w->nthreads + 1) < 0)
            return SIM_ENOMEM;
    }
    t = sim__arena_alloc(&w->arena, sizeof *t);
    if (t == NULL)
        return SIM_ENOMEM;
    memset(t, 0, sizeof *t);
    t->name = sim__arena_strdup(&w->arena, name ? name : "thread");
    if (t->name == NULL)
        return SIM_ENOMEM;
    t->w = w;
    t->state = SIM_THREAD_NEW;
    /* "thread <name>" is built on the first wait (event.c): most threads
     * are never waited on, and spawn is hot. */
    sim__event_init(&t->exit_ev, t->name, NULL, 1);
    *out = t;
    return 0;
}

static void thread_register(sim_world_t *w, sim_thread_t *t, int inl)
{
    t->id = (unsigned)w->nthreads + 1;
    w->threads[w->nthreads++] = t;
    sim__trace_raw(w, "spawn", t->name, id_detail(w, t->id, inl));
}

int sim__spawn(sim_world_t *w, const char *name, sim_thread_fn fn, void *arg,
               sim_link_fn first_link, void *link_arg, sim_thread_t **out)
{
    sim_thread_t *t;
    sim__link_t *l = NULL;
    int rc;

    if (out != NULL)
        *out = NULL;
    if (w == NULL || fn == NULL)
        return SIM_EINVAL;
    rc = thread_new(w, name, &t);
    if (rc < 0)
        return rc;
    if (first_link != NULL) {
        l = sim__arena_alloc(&w->arena, sizeof *l);
        if (l == NULL)
            return SIM_ENOMEM;
        l->next = NULL;
        l->fn = first_link;
        l->arg = link_arg;
        t->links_head = t->links_tail = l;
    }
    rc = sim__stack_get(w->stacks, &t->stack);
    if (rc < 0)
        return rc;
    t->fn = fn;
    t->arg = arg;
    sim__ctx_init(&t->ctx, t->stack->lo, t->stack->size - t->stack->color,
                  sim__thread_entry, t);
    thread_register(w, t, 0);
    rc = sim__rq_push_thread(w, t);
    SIM_ASSERT(rc == 0); /* reserved by thread_new */
    if (out != NULL)
        *out = t;
    return 0;
}

int sim_spawn(sim_world_t *w, const char *name, sim_thread_fn fn, void *arg,
              sim_thread_t **out)
{
    return sim__spawn(w, name, fn, arg, NULL, NULL, out);
}

/* eventlet's _resolve_links: runs in whatever context calls it. */
static int resolve_links(sim_world_t *w, sim_thread_t *t)
{
    sim__link_t *l;

    if (t->resolving)
        return 0;
    t->resolving = 1;
    while ((l = t->links_head) != NULL) {
        int rc;

        t->links_head = l->next;
        if (t->links_head == NULL)
            t->links_tail = NULL;
        sim__trace_raw(w, "link", t->name, "");
        rc = l->fn(w, t, l->arg);
        if (rc < 0) {
            t->resolving = 0;
            return rc;
        }
    }
    t->resolving = 0;
    return 0;
}

/* The exit sequence of GreenThread.main after the function finished with
 * `err` (NULL = returned normally): observable exit, then the links.
 * Runs in the dying thread, or in the killer / the inline spawner. */
static void thread_finish(sim_world_t *w, sim_thread_t *t,
                          const sim_error_t *err)
{
    int rc;

    t->exit_error = err;
    t->state = SIM_THREAD_EXITING;
    sim__trace_raw(w, "exit", t->name, sim__error_detail(w, err));
    rc = sim__event_send(w, &t->exit_ev, err ? NULL : t->result, err);
    SIM_ASSERT(rc == 0); /* sent once; wake-ups were reserved */
    rc = resolve_links(w, t);
    if (rc < 0) {
        t->exit_error = sim__take_exit_error(w, rc);
        sim__trace_raw(w, "link", t->name, sim__error_detail(w, t->exit_error));
    }
}

void sim__thread_body(sim_world_t *w, sim_thread_t *t)
{
    int rc = t->fn(w, t->arg);

    thread_finish(w, t, sim__take_exit_error(w, rc));
}

int sim__thread_new_inline(sim_world_t *w, const char *name,
                           sim_thread_t **out)
{
    int rc = thread_new(w, name, out);

    if (rc == 0)
        thread_register(w, *out, 1);
    return rc;
}

int sim__thread_run_inline(sim_world_t *w, sim_thread_t *t, sim_thread_fn fn,
                           void *arg)
{
    sim_thread_t *host = w->current;
    sim_thread_t *outer;
    const sim_error_t *err;
    int rc;

    SIM_ASSERT(host != NULL);
    outer = host->inline_child;
    host->inline_child = t;
    t->state = SIM_THREAD_RUNNING;
    rc = fn(w, arg);
    host->inline_child = outer;
    err = sim__take_exit_error(w, rc);
    thread_finish(w, t, err);
    t->state = SIM_THREAD_DEAD;
    if (err != NULL)
        return sim_raise(w, err);
    return 0;
}

/* ---------------------------------------------------------------- links */

int sim_thread_link(sim_world_t *w, sim_thread_t *t, sim_link_fn fn,
                    void *arg)
{
    sim__link_t *l;

    if (w == NULL || t == NULL || fn == NULL)
        return SIM_EINVAL;
    l = sim__arena_alloc(&w->arena, sizeof *l);
    if (l == NULL)
        return SIM_ENOMEM;
    l->next = NULL;
    l->fn = fn;
    l->arg = arg;
    if (t->links_tail != NULL)
        t->links_tail->next = l;
    else
        t->links_head = l;
    t->links_tail = l;
    /* Already exited: eventlet resolves at once, in the caller; a link
     * added while the links are being resolved runs in that loop. */
    if (t->state == SIM_THREAD_EXITING || t->state == SIM_THREAD_DEAD)
        return resolve_links(w, t);
    return 0;
}

/* ---------------------------------------------------------------- wait */

int sim_thread_wait(sim_world_t *w, sim_thread_t *t, const void **result)
{
    const void *v = NULL;
    int rc;

    if (result != NULL)
        *result = NULL;
    if (w == NULL || t == NULL)
        return SIM_EINVAL;
    rc = sim__event_wait(w, &t->exit_ev, &v);
    if (rc == 0 && result != NULL)
        *result = v;
    return rc;
}

void sim_thread_set_result(sim_world_t *w, const void *result)
{
    sim_thread_t *t = w != NULL ? w->current : NULL;

    if (t == NULL)
        return;
    while (t->inline_child != NULL)
        t = t->inline_child;
    t->result = result;
}

/* ---------------------------------------------------------------- kill */

/* The caller's own wake-up at the tail of the queue, then to the hub. */
static int killer_yield(sim_world_t *w, sim_thread_t *cur)
{
    sim__begin_wait(w, cur, SIM__WAIT_READY, NULL);
    if (sim__rq_push_thread(w, cur) < 0)
        return SIM_ENOMEM;
    return sim__suspend(w, cur);
}

int sim_thread_kill(sim_world_t *w, sim_thread_t *t, const sim_error_t *err)
{
    sim_thread_t *cur;

    if (w == NULL || t == NULL)
        return SIM_EINVAL;
    if (err == NULL)
        err = &sim_error_exit;
    cur = w->current;
    if (t == cur) {
        /* eventlet also leaves a stray wake-up timer for the caller here;
         * it can only ever fire as a no-op, so none is queued. */
        sim__trace_raw(w, "kill", t->name, "self");
        return sim_raise(w, err);
    }
    if (t->state == SIM_THREAD_DEAD ||
        (t->state == SIM_THREAD_EXITING && !t->suspended)) {
        sim__trace_raw(w, "kill", t->name, "dead");
        return 0;
    }
    if (t->state == SIM_THREAD_NEW) {
        const sim_error_t **slot = sim__pending_slot(w);
        const sim_error_t *saved = *slot;

        sim__trace_raw(w, "kill", t->name, "not-started");
        sim__invalidate(w, t);
        /* The links run here, in the killer; their errors are swallowed
         * (eventlet's kill wraps g.main in a bare except). */
        *slot = NULL;
        thread_finish(w, t, err);
        *sim__pending_slot(w) = saved;
        t->state = SIM_THREAD_DEAD;
        if (t->stack != NULL) {
            sim__stack_put(w->stacks, t->stack);
            t->stack = NULL;
        }
        return cur != NULL ? killer_yield(w, cur) : 0;
    }
    SIM_ASSERT(t->suspended);
    sim__trace_raw(w, "kill", t->name, "suspended");
    if (cur != NULL) {
        sim__begin_wait(w, cur, SIM__WAIT_READY, NULL);
        if (sim__rq_push_thread(w, cur) < 0)
            return SIM_ENOMEM;
    }
    sim__invalidate(w, t);
    t->throw_err = err;
    if (cur == NULL) {
        /* From the hub: the victim runs until it switches back. */
        sim__resume(w, t);
        return 0;
    }
    w->direct = t;
    return sim__suspend(w, cur);
}

/* ---------------------------------------------------------------- queries */

sim_thread_state_t sim_thread_state(const sim_thread_t *t)
{
    return t->state;
}

unsigned sim_thread_id(const sim_thread_t *t)
{
    return t->id;
}

const char *sim_thread_name(const sim_thread_t *t)
{
    return t->name;
}

const sim_error_t *sim_thread_exit_error(const sim_thread_t *t)
{
    return t->exit_error;
}

const void *sim_thread_result(const sim_thread_t *t)
{
    return t->result;
}

size_t sim_thread_count(const sim_world_t *w)
{
    return w->nthreads;
}

sim_thread_t *sim_thread_by_id(const sim_world_t *w, unsigned id)
{
    if (id == 0 || id > w->nthreads)
        return NULL;
    return w->threads[id - 1];
}
