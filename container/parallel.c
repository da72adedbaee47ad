/*
 * parallel.c - nameko's SpawningProxy: a lifecycle call made on every item
 * of a set at once, each in its own new green thread.
 *
 * Plain mode is `list(GreenPool(n).imap(call, items))`, modelled hop for
 * hop because the hops decide who runs before whom under fifo:
 *   - an empty set returns without yielding;
 *   - the caller spawns one helper thread (eventlet's `_do_map`) and blocks
 *     on a bounded queue (GreenMap's LightQueue, maxsize n);
 *   - the helper spawns the n item threads into a pool of size n, putting
 *     each into the queue (the first put wakes the caller in a later pass),
 *     then spawns a "done" sentinel, which blocks until one item finished
 *     because the pool is full;
 *   - the caller takes the threads in iteration order and waits for each;
 *     the first failure in that order is raised as soon as it is reached,
 *     and the sentinel is awaited last.  Threads not yet reached are neither
 *     killed nor awaited: they run on as orphans, as does the helper.
 * Options on top (ctr__par_opts_t), used only by non-current variants: a
 * deadline bounds the caller's waits (v1.0's Timeout around the
 * dependencies' kill: on expiry the caller returns and everything it did
 * not reach runs on); wait_all (hardened) awaits every item before raising
 * the first failure in order, so no item of the call is still running when
 * it returns; collect_abandoned (the parallel worker lifecycles) ends a
 * helper whose caller left early, instead of leaving it blocked for good
 * on its last put.
 *
 * Fail-fast mode (nameko's fail_fast_imap, runner.wait only): results come
 * back in completion order through a queue fed by each thread's link; the
 * first error kills every still-unfinished thread and is raised.  The loop
 * runs only while unfinished threads remain, so a success and a failure
 * that both complete before the caller runs again can lose the failure,
 * exactly as in the reference; and a thread that completes while the
 * caller's kill loop yields changes the set that loop iterates, so the
 * caller raises RuntimeError instead of the failure.  The hardened `safe`
 * mode closes both: it kills over a snapshot, ignoring completions, and
 * once nothing is unfinished it looks through the results still queued
 * and raises the first error there.
 */
#include <string.h>

#include "internal.h"

typedef struct imap {
    size_t refs; /* the caller and the helper */
    size_t n;
    ctr__item_fn fn;
    void **args;
    const char **names;
    sim_pool_t *pool;
    sim_thread_t **threads; /* n items, then the sentinel */
    size_t put, got;        /* the queue holds threads[got .. put) */
    sim_event_t *getter;    /* the caller's wake-up while it waits */
    sim_event_t *putter;    /* the helper's wake-up while the queue is full */
    int collect;            /* opts->collect_abandoned */
    int abandoned;          /* the caller left before taking every thread */
} imap_t;

static void imap_unref(imap_t *m)
{
    if (--m->refs == 0)
        ctr__owned_free(m);
}

static int imap_done_body(sim_world_t *w, void *arg)
{
    (void)w;
    (void)arg;
    return 0;
}

/* Block on a fresh event stored in *slot until the other side sends it. */
static int imap_block(sim_world_t *w, sim_event_t **slot, const char *name)
{
    int rc = sim_event_new(w, name, slot);

    if (rc < 0)
        return rc == SIM_ENOMEM ? ctr__nomem(w) : rc;
    rc = sim_event_wait(w, *slot, NULL);
    *slot = NULL;
    return rc;
}

static int imap_wake(sim_world_t *w, sim_event_t *e)
{
    if (e && !sim_event_ready(e))
        return sim_event_send(w, e, NULL, NULL);
    return 0;
}

/* LightQueue.put of the next thread: blocks while the queue is full.  A
 * collectable helper whose caller left is garbage once it blocks here for
 * good (nothing can take from the queue): CPython's cycle collector throws
 * GreenletExit into it. */
static int imap_put(sim_world_t *w, imap_t *m)
{
    while (m->put - m->got >= m->n) {
        int rc;

        if (m->collect && m->abandoned)
            return sim_raise(w, &sim_error_exit);
        rc = imap_block(w, &m->putter, "imap.put");
        if (rc < 0)
            return rc;
    }
    m->put++;
    return imap_wake(w, m->getter);
}

static int imap_helper(sim_world_t *w, void *arg)
{
    imap_t *m = arg;
    int rc = 0;

    for (size_t i = 0; i < m->n && rc == 0; i++) {
        rc = sim_pool_spawn(w, m->pool, m->names[i], m->fn, m->args[i],
                            &m->threads[i]);
        if (rc == 0)
            rc = imap_put(w, m);
    }
    if (rc == 0)
        rc = sim_pool_spawn(w, m->pool, "imap.done", imap_done_body, NULL,
                            &m->threads[m->n]);
    if (rc == 0)
        rc = imap_put(w, m);
    imap_unref(m);
    if (rc == SIM_ENOMEM)
        rc = ctr__nomem(w);
    return rc;
}

/* imap_block bounded by a deadline: *timed_out once it passed. */
static int imap_block_until(sim_world_t *w, sim_event_t **slot,
                            const char *name, sim_time_t deadline,
                            int *timed_out)
{
    sim_time_t left = deadline - sim_now(w);
    int rc;

    if (left <= 0) {
        *timed_out = 1;
        return 0;
    }
    rc = sim_event_new(w, name, slot);
    if (rc < 0)
        return rc == SIM_ENOMEM ? ctr__nomem(w) : rc;
    rc = sim_event_wait_timeout(w, *slot, left, NULL, timed_out);
    *slot = NULL;
    return rc;
}

static int exit_wake(sim_world_t *w, sim_thread_t *t, void *arg)
{
    sim_event_t *e = arg;

    (void)t;
    return sim_event_ready(e) ? 0 : sim_event_send(w, e, NULL, NULL);
}

static int exited(const sim_thread_t *t)
{
    sim_thread_state_t s = sim_thread_state(t);
    return s == SIM_THREAD_EXITING || s == SIM_THREAD_DEAD;
}

/* GreenThread.wait() under a Timeout: sim has no timed thread wait, so a
 * link of the item thread sends an event the caller waits on with the time
 * left; once the thread exited, sim_thread_wait returns its outcome at
 * once. */
static int wait_thread_until(sim_world_t *w, sim_thread_t *t,
                             sim_time_t deadline, int *timed_out)
{
    sim_time_t left = deadline - sim_now(w);
    sim_event_t *e;
    int rc;

    if (!exited(t)) {
        if (left <= 0) {
            *timed_out = 1;
            return 0;
        }
        rc = sim_event_new(w, "imap.wait", &e);
        if (rc == 0)
            rc = sim_thread_link(w, t, exit_wake, e);
        if (rc < 0)
            return rc == SIM_ENOMEM ? ctr__nomem(w) : rc;
        rc = sim_event_wait_timeout(w, e, left, NULL, timed_out);
        if (rc < 0 || *timed_out)
            return rc;
    }
    return sim_thread_wait(w, t, NULL);
}

int ctr__parallel(sim_world_t *w, ctr__owned_t *scratch, ctr__item_fn fn,
                  void *const *args, const char *const *names, size_t n)
{
    return ctr__parallel_opts(w, scratch, fn, args, names, n, NULL);
}

int ctr__parallel_opts(sim_world_t *w, ctr__owned_t *scratch,
                       ctr__item_fn fn, void *const *args,
                       const char *const *names, size_t n,
                       ctr__par_opts_t *opts)
{
    const sim_error_t *first = NULL; /* wait_all: first failure in order */
    sim_thread_t *helper;
    imap_t *m;
    int rc;

    if (opts) {
        opts->timed_out = 0;
        opts->item_failed = 0;
    }
    if (n == 0)
        return 0;
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(names[i]) + 1;
    m = ctr__owned_alloc(scratch, sizeof(*m) + n * sizeof(*m->args) +
                                      n * sizeof(*m->names) +
                                      (n + 1) * sizeof(*m->threads) + len);
    if (!m)
        return ctr__nomem(w);
    /* Copied, the names' bytes too: the helper may outlive this call and
     * the caller's buffers (runner_all frees its "a.stop" labels). */
    m->args = (void **)(m + 1);
    m->names = (const char **)(m->args + n);
    m->threads = (sim_thread_t **)(m->names + n);
    char *p = (char *)(m->threads + n + 1);
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(names[i]) + 1;
        m->args[i] = args[i];
        memcpy(p, names[i], k);
        m->names[i] = p;
        p += k;
    }
    m->n = n;
    m->fn = fn;
    m->refs = 1;
    m->collect = opts && opts->collect_abandoned;
    rc = sim_pool_new(w, "imap", (int)n, &m->pool);
    if (rc == 0)
        rc = sim_spawn(w, "imap", imap_helper, m, &helper);
    if (rc < 0) {
        imap_unref(m);
        return rc == SIM_ENOMEM ? ctr__nomem(w) : rc;
    }
    m->refs++;
    for (size_t i = 0; i <= n; i++) {
        int was_exited;

        while (m->put <= i) {
            if (opts && opts->deadline > 0)
                rc = imap_block_until(w, &m->getter, "imap.get",
                                      opts->deadline, &opts->timed_out);
            else
                rc = imap_block(w, &m->getter, "imap.get");
            if (rc < 0 || (opts && opts->timed_out))
                goto out;
        }
        m->got++;
        rc = imap_wake(w, m->putter);
        if (rc < 0)
            goto out;
        if (!opts) {
            rc = sim_thread_wait(w, m->threads[i], NULL);
            if (rc < 0)
                goto out;
            continue;
        }
        was_exited = exited(m->threads[i]);
        if (opts->deadline > 0)
            rc = wait_thread_until(w, m->threads[i], opts->deadline,
                                   &opts->timed_out);
        else
            rc = sim_thread_wait(w, m->threads[i], NULL);
        if (opts->timed_out)
            goto out;
        if (rc >= 0)
            continue;
        /* The item's own exit error, or one delivered to the caller while
         * it waited?  An item that had exited before the wait, or whose
         * exit error is the very one now pending, raised it. */
        if (!exited(m->threads[i]) ||
            (!was_exited && sim_thread_exit_error(m->threads[i]) !=
                                sim_error_pending(w)))
            goto out;
        if (!opts->wait_all) {
            opts->item_failed = 1;
            goto out;
        }
        {
            const sim_error_t *e = sim_error_take(w);
            if (!first)
                first = e;
        }
        rc = 0;
    }
out:
    /* wait_all: the first failure in order, once every item was awaited
     * (or the deadline passed); the caller's own error takes precedence. */
    if (first && rc >= 0) {
        rc = sim_raise(w, first);
        opts->item_failed = 1;
    }
    if (m->collect && m->got <= n) {
        /* Left early: a helper blocked on its put is woken to be collected
         * (waking never yields). */
        m->abandoned = 1;
        if (m->refs > 1)
            (void)imap_wake(w, m->putter); /* fails only without memory */
    }
    imap_unref(m);
    return rc < 0 ? rc : 0;
}

typedef struct fail_fast fail_fast_t;

typedef struct ff_link {
    fail_fast_t *ff;
    size_t index;
} ff_link_t;

struct fail_fast {
    size_t refs;       /* the caller + one per link not yet run */
    size_t n;
    size_t unfinished; /* size of spawned_threads */
    sim_sem_t *items;  /* queue length, LightQueue.get blocks on it */
    size_t head, tail;
    const sim_error_t **queue; /* NULL = a successful result */
    sim_thread_t **threads;
    unsigned char *finished;
    ff_link_t *links;
};

static void ff_unref(fail_fast_t *ff)
{
    if (--ff->refs == 0)
        ctr__owned_free(ff);
}

/* fail_fast_imap's handle_result: `except Exception` only, so a killed
 * thread's GreenletExit (or any BaseException) escapes the link, nothing
 * is queued and the thread stays "unfinished". */
static int ff_on_exit(sim_world_t *w, sim_thread_t *t, void *arg)
{
    ff_link_t *l = arg;
    fail_fast_t *ff = l->ff;
    const sim_error_t *err = sim_thread_exit_error(t);
    int rc = 0;

    if (err && (err->flags & SIM_ERR_BASE)) {
        rc = sim_raise(w, err);
    } else {
        ff->finished[l->index] = 1;
        ff->unfinished--;
        ff->queue[ff->tail++] = err;
        rc = sim_sem_release(w, ff->items);
    }
    ff_unref(ff);
    return rc;
}

/* `for ongoing_thread in spawned_threads: ongoing_thread.kill()`.  Every
 * kill yields; a thread that completes meanwhile (normally or with an
 * Exception: a killed one's link raises GreenletExit before its remove)
 * removes itself from the set being iterated, and the iterator's next step
 * raises RuntimeError, which replaces the error being handled.  The set's
 * order is its insertion order here. */
static int ff_kill_unfinished(sim_world_t *w, fail_fast_t *ff, int safe)
{
    size_t before = ff->unfinished;
    const sim_error_t *e;

    for (size_t i = 0; i < ff->n; i++) {
        int rc;

        /* `finished` only grows, so safe mode's snapshot is the set as it
         * was on entry minus threads that finished since: killing those
         * would be a no-op anyway. */
        if (ff->finished[i])
            continue;
        rc = sim_thread_kill(w, ff->threads[i], NULL);
        if (rc < 0)
            return rc;
        if (!safe && ff->unfinished != before) {
            e = sim_error_new(w, "RuntimeError",
                              "Set changed size during iteration", 0);
            return e ? sim_raise(w, e) : ctr__nomem(w);
        }
    }
    return 0;
}

int ctr__parallel_fail_fast(sim_world_t *w, ctr__owned_t *scratch,
                            ctr__item_fn fn, void *const *args,
                            const char *const *names, size_t n, int safe)
{
    fail_fast_t *ff;
    unsigned char *mem;
    size_t spawned;
    int rc = 0;

    if (n == 0)
        return 0;
    ff = ctr__owned_alloc(scratch, sizeof(*ff) + n * (sizeof(*ff->queue) +
                                                      sizeof(*ff->threads) +
                                                      sizeof(*ff->links) + 1));
    if (!ff)
        return ctr__nomem(w);
    mem = (unsigned char *)(ff + 1);
    ff->queue = (const sim_error_t **)mem;
    mem += n * sizeof(*ff->queue);
    ff->threads = (sim_thread_t **)mem;
    mem += n * sizeof(*ff->threads);
    ff->links = (ff_link_t *)mem;
    mem += n * sizeof(*ff->links);
    ff->finished = mem;
    ff->n = n;
    ff->refs = 1;
    rc = sim_sem_new(w, "fail_fast_imap", 0, &ff->items);
    if (rc < 0) {
        ctr__owned_free(ff);
        return ctr__nomem(w);
    }
    for (spawned = 0; spawned < n; spawned++) {
        ff->links[spawned].ff = ff;
        ff->links[spawned].index = spawned;
        rc = sim_spawn(w, names[spawned], fn, args[spawned],
                       &ff->threads[spawned]);
        if (rc < 0)
            break;
        ff->unfinished++;
        rc = sim_thread_link(w, ff->threads[spawned], ff_on_exit,
                             &ff->links[spawned]);
        if (rc < 0)
            break;
        ff->refs++;
    }
    if (rc < 0) {
        ff_unref(ff);
        return rc == SIM_ENOMEM ? ctr__nomem(w) : rc;
    }
    while (ff->unfinished > 0) {
        const sim_error_t *err;

        rc = sim_sem_acquire(w, ff->items);
        if (rc < 0)
            break;
        err = ff->queue[ff->head++];
        if (!err)
            continue;
        rc = ff_kill_unfinished(w, ff, safe);
        if (rc == 0)
            rc = sim_raise(w, err);
        break;
    }
    /* Safe: results that completed together with the last success are
     * still queued; an error among them is not dropped. */
    if (safe && rc >= 0 && ff->unfinished == 0) {
        while (ff->head < ff->tail) {
            const sim_error_t *err = ff->queue[ff->head++];
            if (err) {
                rc = sim_raise(w, err);
                break;
            }
        }
    }
    ff_unref(ff);
    return rc < 0 ? rc : 0;
}
