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
 *
 * Registries (variant switch `registry`): the v2.4+ split keeps workers and
 * managed threads apart, each killer with its own log lines.  v1.x kept one
 * set of "active" threads (workers and managed, one insertion order), from
 * v1.2.2 plus a set of protected threads killed separately.  Both live in
 * the same two arrays: every entry carries an insertion number, the v1.x
 * active set is the merge of the workers and the non-protected managed
 * threads, and a protected thread is a managed entry with a flag.  The exit
 * handling (pop, then the common handler) is the same for all.
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
        ctr__log(w,
                 c->v.killed_log == CTR_KILLED_LOG_DEBUG ? "debug" : "warning",
                 "%s thread killed by container", c->name);
        return 0;
    }
    sim_trace(w, kind, label, "error:%s", err->type);
    if (err->flags & SIM_ERR_BASE)
        return sim_raise(w, err);
    ctr__log(w,
             c->v.error_log == CTR_ERROR_LOG_CRITICAL ? "critical" : "error",
             "%s thread exited with error", c->name);
    /* A link that fails (kill_reentry=fallthrough re-raising the first
     * kill's error) skips the thread's later links, as in the reference. */
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

/* A thread spawned but not linked would run outside the container's
 * reach (stop and kill never see it, its exit is never handled): when
 * linking fails it is killed before its body ever runs. */
static void discard_unlinked(ctr_container_t *c, sim_thread_t *t)
{
    if (sim_thread_state(t) == SIM_THREAD_NEW)
        (void)sim_thread_kill(c->w, t, NULL);
}

/* gt.link(...) then _worker_threads[ctx] = gt.  For an inline-spawned
 * worker the link fires at once (popping nothing) and the dead thread is
 * then registered for good, as in the reference. */
int ctr__link_worker(ctr_container_t *c, ctr_worker_ctx_t *ctx,
                     sim_thread_t *t)
{
    int rc;

    if (ctr__reserve((void **)&c->workers, &c->cap_workers, c->n_workers + 1,
                     sizeof(*c->workers))) {
        discard_unlinked(c, t);
        return ctr__nomem(c->w);
    }
    rc = sim_thread_link(c->w, t, worker_exited, ctx);
    if (rc == SIM_ENOMEM) {
        discard_unlinked(c, t);
        return ctr__nomem(c->w);
    }
    if (rc < 0)
        return rc;
    /* An immediate link may have yielded (a kill) while others spawned. */
    if (ctr__reserve((void **)&c->workers, &c->cap_workers, c->n_workers + 1,
                     sizeof(*c->workers)))
        return ctr__nomem(c->w);
    c->workers[c->n_workers].ctx = ctx;
    c->workers[c->n_workers].thread = t;
    c->workers[c->n_workers].seq = c->next_seq++;
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
static int spawn_managed(ctr_container_t *c, sim_thread_fn fn, void *arg,
                         const char *identifier, int is_protected,
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
    m->is_protected = is_protected;
    m->identifier = ctr__strdup(identifier ? identifier : "<unknown>");
    if (!m->identifier) {
        ctr__free(m);
        return SIM_ENOMEM;
    }
    c->all_managed[c->n_all_managed++] = m;
    rc = sim_spawn(c->w, m->identifier, fn, arg, &m->thread);
    if (rc < 0)
        return rc;
    m->seq = c->next_seq++;
    c->managed[c->n_managed++] = m;
    sim_trace(c->w, "managed", m->identifier, "spawn");
    rc = sim_thread_link(c->w, m->thread, managed_exited, m);
    if (rc < 0) {
        c->n_managed--; /* m is the last: nothing ran since */
        discard_unlinked(c, m->thread);
        return rc;
    }
    if (out)
        *out = m->thread;
    return 0;
}

int ctr_spawn_managed_thread(ctr_container_t *c, sim_thread_fn fn,
                             void *arg, const char *identifier,
                             sim_thread_t **out)
{
    return spawn_managed(c, fn, arg, identifier, 0, out);
}

/* Only the registries of v1.2.2-v2.3 know protected threads; elsewhere the
 * flag is dropped, as v1.0 had no such argument and v2.4 ignored it. */
int ctr_spawn_protected_thread(ctr_container_t *c, sim_thread_fn fn,
                               void *arg, const char *identifier,
                               sim_thread_t **out)
{
    int prot = c && (c->v.registry == CTR_REGISTRY_SET_PROTECTED ||
                     c->v.registry == CTR_REGISTRY_DICT_PROTECTED);

    return spawn_managed(c, fn, arg, identifier, prot, out);
}

/* An inline-run worker's GreenThread is "not started" to greenlet (never
 * switched to), so eventlet's kill re-runs its main(): the exit event's
 * re-send AssertionError is swallowed by kill's bare except before any
 * link runs, then the killer schedules its wake-up and throws into the
 * greenlet, which dies at once and switches to its parent: the worker it
 * ran inside, which sits earlier in the snapshot and so is dead by now,
 * hence the hub.  Net effect: nothing logged, no link, but the killer
 * yields. */
static int kill_worker(ctr_container_t *c, ctr_worker_ctx_t *ctx,
                       sim_thread_t *t)
{
    if (!ctx->inline_run)
        return sim_thread_kill(c->w, t, NULL);
    if (sim_current(c->w))
        return sim_yield(c->w);
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
        rc = kill_worker(c, snap[i].ctx, snap[i].thread);
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

/* One victim of the v1.x killers: a worker (ctx set) or a managed thread. */
typedef struct victim {
    ctr_worker_ctx_t *ctx;
    sim_thread_t *thread;
} victim_t;

/* `for gt in list(self._active_threads): gt.kill()` (v1.0: a set; v1.11.3:
 * a dict whose workers log their entrypoint).  The snapshot merges the
 * workers and the non-protected managed threads by insertion number; both
 * arrays are already in that order. */
int ctr__kill_active_threads(ctr_container_t *c)
{
    size_t nw = c->n_workers, nm = 0, n, i = 0, j = 0, k = 0;
    victim_t *snap;
    int rc = 0;

    for (size_t x = 0; x < c->n_managed; x++)
        nm += !c->managed[x]->is_protected;
    n = nw + nm;
    if (n == 0)
        return 0;
    ctr__log(c->w, "warning", "killing %zu active thread(s)", n);
    snap = ctr__owned_alloc(&c->scratch, n * sizeof(*snap));
    if (!snap)
        return ctr__nomem(c->w);
    while (k < n) {
        while (j < c->n_managed && c->managed[j]->is_protected)
            j++;
        if (i < nw && (j >= c->n_managed ||
                       c->workers[i].seq < c->managed[j]->seq)) {
            snap[k].ctx = c->workers[i].ctx;
            snap[k++].thread = c->workers[i++].thread;
        } else {
            snap[k].ctx = NULL;
            snap[k++].thread = c->managed[j++]->thread;
        }
    }
    for (k = 0; k < n && rc == 0; k++) {
        if (!snap[k].ctx) {
            rc = sim_thread_kill(c->w, snap[k].thread, NULL);
            continue;
        }
        if (c->v.registry == CTR_REGISTRY_DICT_PROTECTED)
            ctr__log(c->w, "warning", "killing active thread for %s.%s",
                     c->name, snap[k].ctx->entrypoint->method->name);
        rc = kill_worker(c, snap[k].ctx, snap[k].thread);
    }
    ctr__owned_free(snap);
    return rc < 0 ? rc : 0;
}

/* `for gt in list(self._protected_threads): gt.kill()` (v1.2.2-v2.3). */
int ctr__kill_protected_threads(ctr_container_t *c)
{
    size_t n = 0, k = 0;
    sim_thread_t **snap;
    int rc = 0;

    for (size_t x = 0; x < c->n_managed; x++)
        n += c->managed[x]->is_protected;
    if (n == 0)
        return 0;
    ctr__log(c->w, "warning", "killing %zu protected thread(s)", n);
    snap = ctr__owned_alloc(&c->scratch, n * sizeof(*snap));
    if (!snap)
        return ctr__nomem(c->w);
    for (size_t x = 0; x < c->n_managed; x++)
        if (c->managed[x]->is_protected)
            snap[k++] = c->managed[x]->thread;
    for (k = 0; k < n && rc == 0; k++)
        rc = sim_thread_kill(c->w, snap[k], NULL);
    ctr__owned_free(snap);
    return rc < 0 ? rc : 0;
}
