/*
 * threads.c - the worker and managed-thread registries, the exit handlers
 * linked to every such thread, and the killers used by stop and kill
 * (spec/container.md 1.7 and 1.9).
 *
 * Exit handlers run in the dying thread, after its exit is observable and
 * after the pool's own bookkeeping.  A thread's fate: a normal return does
 * nothing; the kill condition is a debug line; any other Exception is a
 * critical line and then kill(exc) from inside the dying thread; any other
 * BaseException is re-raised by the link (later links are skipped and the
 * container is not killed).
 *
 * The killers iterate snapshots in insertion order, because the registries
 * shrink as the victims' links run; each sim_thread_kill yields and the
 * victim's link completes before the killer resumes.
 */
#include <string.h>

#include "internal.h"

static int handle_thread_exited(ctr_container_t *c, sim_thread_t *t,
                                const char *kind, const char *label)
{
    sim_world_t *w = c->w;
    const sim_error_t *err = sim_thread_exit_error(t);

    if (!err) {
        sim_trace(w, kind, label, "result");
        return 0;
    }
    if (sim_error_code(err) == SIM_EKILLED) {
        sim_trace(w, kind, label, "killed");
        /* The reference formats the container here, not the thread. */
        ctr__log(w, "debug", "%s thread killed by container", c->name);
        return 0;
    }
    sim_trace(w, kind, label, "error:%s", err->type);
    if (err->flags & SIM_ERR_BASE)
        return sim_raise(w, err);
    ctr__log(w, "critical", "%s thread exited with error", c->name);
    return ctr_container_kill(c, err);
}

static int worker_exited(sim_world_t *w, sim_thread_t *t, void *arg)
{
    ctr_worker_ctx_t *ctx = arg;
    ctr_container_t *c = ctx->c;

    (void)w;
    for (size_t i = 0; i < c->n_workers; i++) {
        if (c->workers[i].ctx == ctx) {
            memmove(&c->workers[i], &c->workers[i + 1],
                    (c->n_workers - i - 1) * sizeof(*c->workers));
            c->n_workers--;
            break;
        }
    }
    return handle_thread_exited(c, t, "worker", ctx->call_id);
}

/* gt.link(...) then _worker_threads[ctx] = gt.  For an inline-spawned
 * worker the link fires at once (popping nothing) and the dead thread is
 * then registered for good, as in the reference. */
int ctr__link_worker(ctr_container_t *c, ctr_worker_ctx_t *ctx,
                     sim_thread_t *t)
{
    int rc;

    if (ctr__reserve((void **)&c->workers, &c->cap_workers, c->n_workers + 1,
                     sizeof(*c->workers)))
        return ctr__nomem(c->w);
    rc = sim_thread_link(c->w, t, worker_exited, ctx);
    if (rc == SIM_ENOMEM)
        return ctr__nomem(c->w);
    if (rc < 0)
        return rc;
    /* An immediate link may have yielded (a kill) while others spawned. */
    if (ctr__reserve((void **)&c->workers, &c->cap_workers, c->n_workers + 1,
                     sizeof(*c->workers)))
        return ctr__nomem(c->w);
    c->workers[c->n_workers].ctx = ctx;
    c->workers[c->n_workers].thread = t;
    c->n_workers++;
    return 0;
}

static int managed_exited(sim_world_t *w, sim_thread_t *t, void *arg)
{
    ctr__managed_t *m = arg;
    ctr_container_t *c = m->c;

    (void)w;
    for (size_t i = 0; i < c->n_managed; i++) {
        if (c->managed[i] == m) {
            memmove(&c->managed[i], &c->managed[i + 1],
                    (c->n_managed - i - 1) * sizeof(*c->managed));
            c->n_managed--;
            break;
        }
    }
    return handle_thread_exited(c, t, "managed", m->identifier);
}

/* No being-killed check: managed threads may start during or after a
 * kill.  Never yields; callable from the hub. */
int ctr_spawn_managed_thread(ctr_container_t *c, sim_thread_fn fn,
                             void *arg, const char *identifier,
                             sim_thread_t **out)
{
    ctr__managed_t *m;
    int rc;

    if (out)
        *out = NULL;
    if (!c || !fn)
        return SIM_EINVAL;
    if (ctr__reserve((void **)&c->all_managed, &c->cap_all_managed,
                     c->n_all_managed + 1, sizeof(*c->all_managed)) ||
        ctr__reserve((void **)&c->managed, &c->cap_managed, c->n_managed + 1,
                     sizeof(*c->managed)))
        return SIM_ENOMEM;
    m = ctr__alloc(sizeof(*m));
    if (!m)
        return SIM_ENOMEM;
    m->c = c;
    m->identifier = ctr__strdup(identifier ? identifier : "<unknown>");
    if (!m->identifier) {
        ctr__free(m);
        return SIM_ENOMEM;
    }
    c->all_managed[c->n_all_managed++] = m;
    rc = sim_spawn(c->w, m->identifier, fn, arg, &m->thread);
    if (rc < 0)
        return rc;
    c->managed[c->n_managed++] = m;
    sim_trace(c->w, "managed", m->identifier, "spawn");
    rc = sim_thread_link(c->w, m->thread, managed_exited, m);
    if (rc < 0)
        return rc;
    if (out)
        *out = m->thread;
    return 0;
}

int ctr__kill_worker_threads(ctr_container_t *c)
{
    size_t n = c->n_workers;
    ctr__worker_entry_t *snap;
    int rc = 0;

    if (n == 0)
        return 0;
    ctr__log(c->w, "warning", "killing %zu active workers(s)", n);
    snap = ctr__owned_alloc(&c->scratch, n * sizeof(*snap));
    if (!snap)
        return ctr__nomem(c->w);
    memcpy(snap, c->workers, n * sizeof(*snap));
    for (size_t i = 0; i < n && rc == 0; i++) {
        ctr__log(c->w, "warning", "killing active worker for %s",
                 snap[i].ctx->call_id);
        /* An inline-run worker's GreenThread is "not started" to greenlet
         * (never switched to), so eventlet's kill re-runs its main(): the
         * exit event's re-send AssertionError is swallowed by kill's bare
         * except before any link runs, then the killer schedules its
         * wake-up and throws into the greenlet, which dies at once and
         * switches to its parent: the worker it ran inside, which sits
         * earlier in this snapshot and so is dead by now, hence the hub.
         * Net effect: nothing logged, no link, but the killer yields. */
        if (!snap[i].ctx->inline_run)
            rc = sim_thread_kill(c->w, snap[i].thread, NULL);
        else if (sim_current(c->w))
            rc = sim_yield(c->w);
    }
    ctr__owned_free(snap);
    return rc < 0 ? rc : 0;
}

int ctr__kill_managed_threads(ctr_container_t *c)
{
    size_t n = c->n_managed;
    ctr__managed_t **snap;
    int rc = 0;

    if (n == 0)
        return 0;
    ctr__log(c->w, "warning", "killing %zu managed thread(s)", n);
    snap = ctr__owned_alloc(&c->scratch, n * sizeof(*snap));
    if (!snap)
        return ctr__nomem(c->w);
    memcpy(snap, c->managed, n * sizeof(*snap));
    for (size_t i = 0; i < n && rc == 0; i++) {
        ctr__log(c->w, "warning", "killing managed thread `%s`",
                 snap[i]->identifier);
        rc = sim_thread_kill(c->w, snap[i]->thread, NULL);
    }
    ctr__owned_free(snap);
    return rc < 0 ? rc : 0;
}

void ctr__registry_free(ctr_container_t *c)
{
    for (size_t i = 0; i < c->n_all_managed; i++) {
        ctr__free(c->all_managed[i]->identifier);
        ctr__free(c->all_managed[i]);
    }
    ctr__free(c->all_managed);
    ctr__free(c->managed);
    ctr__free(c->workers);
}

/* Placeholder until the registries model protected threads: an ordinary
 * managed thread. */
int ctr_spawn_protected_thread(ctr_container_t *c, sim_thread_fn fn,
                               void *arg, const char *identifier,
                               sim_thread_t **out)
{
    return ctr_spawn_managed_thread(c, fn, arg, identifier, out);
}
