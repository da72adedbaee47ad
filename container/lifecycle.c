/*
 * lifecycle.c - start, stop, kill and wait: the reference's sequences step
 * by step (spec/container.md 1.2-1.5), and the variants' older sequences
 * and guards (2.2, 2.3; container/README.md for the hardened ones).  Each
 * runs in the calling green thread (a hardened kill in its own) and yields
 * wherever the reference yields (its parallel calls, the pool's waitall,
 * the thread killers, the death event).
 */
#include "internal.h"

static void trace_state(ctr_container_t *c, const char *what,
                        const sim_error_t *err)
{
    char buf[256];

    if (err)
        sim_trace(c->w, "state", c->name, "%s:%s", what,
                  ctr__errstr(err, buf, sizeof(buf)));
    else
        sim_trace(c->w, "state", c->name, "%s", what);
}

static void set_started(ctr_container_t *c, int started)
{
    c->started = started;
    trace_state(c, started ? "started" : "unstarted", NULL);
}

/* _died.send(None, exc_info).  Guarded (v2.0+) the first finisher wins;
 * unguarded the later one's send raises AssertionError out of its stop()
 * or kill(). */
static int send_died(ctr_container_t *c, const sim_error_t *exc)
{
    int rc;

    if (c->v.send_guard == CTR_SEND_GUARD_ON && sim_event_ready(c->died))
        return 0;
    rc = sim_event_send(c->w, c->died, NULL, exc);
    if (rc < 0)
        return rc;
    c->death_err = exc;
    trace_state(c, "dead", exc);
    return 0;
}

/* No guards: an error propagates, the container is not killed and started
 * stays set. */
int ctr_container_start(ctr_container_t *c)
{
    int rc;

    ctr__log(c->w, "debug", "starting %s", c->name);
    set_started(c, 1);
    rc = ctr__container_all(c, CTR__SET_EXTENSIONS, CTR__SETUP);
    if (rc < 0)
        return rc;
    return ctr__container_all(c, CTR__SET_EXTENSIONS, CTR__START);
}

/* `try: self._died.wait() except: pass` - a bare except, so even the kill
 * condition is swallowed. */
static int wait_for_death_swallowing(ctr_container_t *c)
{
    if (sim_event_wait(c->w, c->died, NULL) < 0)
        sim_error_take(c->w);
    return 0;
}

/* The hardened callers' wait: death's own error is swallowed, but an error
 * delivered to the waiting thread itself (it was killed meanwhile)
 * propagates, so the caller still dies as it should. */
static int wait_for_death(ctr_container_t *c)
{
    int ready = sim_event_ready(c->died);
    int rc = sim_event_wait(c->w, c->died, NULL);

    if (rc >= 0)
        return 0;
    if (ready || (sim_event_ready(c->died) &&
                  sim_error_pending(c->w) == c->death_err)) {
        sim_error_take(c->w);
        return 0;
    }
    return rc;
}

/* ---------------------------------------------------------------- threads */

/* The thread killers the kill orders and stop tails name, on any
 * registry. */

/* Workers and ordinary managed threads: the v1.x active set, or the split
 * registries one after the other. */
static int kill_unprotected(ctr_container_t *c)
{
    int rc;

    if (c->v.registry != CTR_REGISTRY_SPLIT)
        return ctr__kill_active_threads(c);
    rc = ctr__kill_worker_threads(c);
    if (rc < 0)
        return rc;
    return ctr__kill_managed_threads(c);
}

/* Everything tracked: the unprotected, then the protected ones (none
 * unless the registry has them). */
static int kill_tracked(ctr_container_t *c)
{
    int rc = kill_unprotected(c);

    if (rc < 0)
        return rc;
    return ctr__kill_protected_threads(c);
}

/* ---------------------------------------------------------------- stop */

static int stop_body(sim_world_t *w, void *arg)
{
    (void)w;
    return ctr_container_stop(arg);
}

/* stop_guard=on, called from one of this container's workers: waitall
 * there would raise AssertionError (the worker waits for itself), so the
 * shutdown runs in its own thread and the worker carries on. */
static int stop_in_thread(ctr_container_t *c)
{
    char *name = ctr__format("%s.stop", c->name);
    int rc;

    if (!name)
        return ctr__nomem(c->w);
    rc = sim_spawn(c->w, name, stop_body, c, NULL);
    ctr__free(name);
    return rc == SIM_ENOMEM ? ctr__nomem(c->w) : rc;
}

/* stop_guard=on: an extension stop (or waitall) raised.  Kill with that
 * error, so death comes whatever the extension did, then raise it to the
 * stop's caller as the reference does. */
static int stop_failed(ctr_container_t *c, int rc)
{
    const sim_error_t *e = sim_error_take(c->w);

    if (!e)
        return rc; /* a plain code (nothing raised): nothing to kill with */
    rc = ctr_container_kill(c, e);
    if (rc < 0)
        return rc;
    return sim_raise(c->w, e);
}

/* stop's steps up to the tail: entrypoints first so running workers can
 * still complete. */
static int stop_extensions(ctr_container_t *c)
{
    int rc = ctr__container_all(c, CTR__SET_ENTRYPOINTS, CTR__STOP);

    if (rc < 0)
        return rc;
    rc = sim_pool_waitall(c->w, c->pool);
    if (rc < 0)
        return rc;
    rc = ctr__container_all(c, CTR__SET_DEPENDENCIES, CTR__STOP);
    if (rc < 0)
        return rc;
    return ctr__container_all(c, CTR__SET_SUBEXTENSIONS, CTR__STOP);
}

static int stop_tail(ctr_container_t *c)
{
    int rc;

    switch (c->v.stop_tail) {
    case CTR_STOP_TAIL_NONE:
        return 0;
    case CTR_STOP_TAIL_ACTIVE:
        return kill_unprotected(c);
    case CTR_STOP_TAIL_ACTIVE_PROTECTED:
        rc = kill_unprotected(c);
        if (rc < 0)
            return rc;
        return ctr__kill_protected_threads(c);
    default:
        return ctr__kill_managed_threads(c);
    }
}

/* Graceful stop.  Without stop_guard there is no "being stopped" flag:
 * concurrent stops both run the whole sequence, and an extension error
 * aborts it and leaves _died unsent. */
int ctr_container_stop(ctr_container_t *c)
{
    int guard = c->v.stop_guard == CTR_STOP_GUARD_ON;
    int rc;

    if (guard && sim_pool_contains(c->pool, sim_current(c->w)))
        return stop_in_thread(c);
    if (sim_event_ready(c->died)) {
        ctr__log(c->w, "debug", "already stopped %s", c->name);
        return 0;
    }
    if (c->v.stop_during_kill == CTR_STOP_DURING_KILL_WAIT &&
        c->being_killed) {
        ctr__log(c->w, "debug", "already being killed %s", c->name);
        return wait_for_death_swallowing(c);
    }
    if (guard) {
        if (c->stopping) {
            ctr__log(c->w, "debug", "already stopping %s", c->name);
            return wait_for_death(c);
        }
        c->stopping = 1;
    }
    ctr__log(c->w, "debug", "stopping %s", c->name);
    rc = stop_extensions(c);
    if (rc < 0)
        return guard ? stop_failed(c, rc) : rc;
    rc = stop_tail(c);
    if (rc < 0)
        return rc;
    /* A kill that began meanwhile sends death with its error; sending
     * first would lose it. */
    if (guard && c->being_killed)
        return wait_for_death(c);
    set_started(c, 0);
    /* Kill may have won the race to send. */
    return send_died(c, NULL);
}

/* ---------------------------------------------------------------- kill */

/* safely_kill_extensions around `set`.all.kill().  safe_ext_kill=off: any
 * error aborts kill() (#174: no death); on: an Exception is logged and
 * swallowed, a BaseException (the kill condition included) propagates;
 * all: every hook is awaited and any error an extension raised is logged.
 * `bounded`: the v1.0 Timeout (kill_timeout=on) around the call. */
static int safely_kill(ctr_container_t *c, ctr__set_t set, int bounded)
{
    ctr__par_opts_t opts = {0};
    const sim_error_t *e;
    int rc;

    if (c->v.safe_ext_kill != CTR_SAFE_KILL_ALL &&
        !(bounded && c->v.kill_timeout == CTR_KILL_TIMEOUT_ON)) {
        rc = ctr__container_all(c, set, CTR__KILL);
    } else {
        opts.wait_all = c->v.safe_ext_kill == CTR_SAFE_KILL_ALL;
        if (bounded && c->v.kill_timeout == CTR_KILL_TIMEOUT_ON)
            opts.deadline = sim_now(c->w) + SIM_S(3);
        rc = ctr__container_all_opts(c, set, CTR__KILL, &opts);
        if (opts.timed_out)
            ctr__log(c->w, "warning", "timeout waiting for dependencies.kill %s",
                     c->name);
    }
    if (rc >= 0)
        return 0;
    e = sim_error_pending(c->w);
    switch (c->v.safe_ext_kill) {
    case CTR_SAFE_KILL_OFF:
        return rc;
    case CTR_SAFE_KILL_ALL:
        if (!e || !opts.item_failed)
            return rc;
        break;
    default:
        if (!e || (e->flags & SIM_ERR_BASE))
            return rc;
        break;
    }
    sim_error_take(c->w);
    /* v1.x called them dependencies; the lifecycle switch marks v1.x. */
    if (c->v.lifecycle == CTR_LIFECYCLE_PARALLEL_ALL)
        ctr__log(c->w, "warning", "Dependency raised `%s` during kill",
                 e->message);
    else
        ctr__log(c->w, "warning", "Extension raised `%s` during kill",
                 e->message);
    return 0;
}

/* The kill sequence after the checks, in the order of the variant. */
static int kill_sequence(ctr_container_t *c, const sim_error_t *exc)
{
    int rc;

    if (exc)
        ctr__log(c->w, "info", "killing %s due to %s", c->name, exc->message);
    else
        ctr__log(c->w, "info", "killing %s", c->name);
    c->kill_arg = exc;
    switch (c->v.kill_order) {
    case CTR_KILL_ORDER_A:
        /* dependencies.all.kill(exc), then every tracked thread. */
        rc = safely_kill(c, CTR__SET_EXTENSIONS, 1);
        if (rc < 0)
            return rc;
        rc = kill_tracked(c);
        if (rc < 0)
            return rc;
        break;
    case CTR_KILL_ORDER_B:
        rc = safely_kill(c, CTR__SET_ENTRYPOINTS, 0);
        if (rc < 0)
            return rc;
        rc = kill_unprotected(c);
        if (rc < 0)
            return rc;
        rc = safely_kill(c, CTR__SET_EXTENSIONS, 1);
        if (rc < 0)
            return rc;
        rc = ctr__kill_protected_threads(c);
        if (rc < 0)
            return rc;
        break;
    default:
        rc = safely_kill(c, CTR__SET_ENTRYPOINTS, 0);
        if (rc < 0)
            return rc;
        rc = ctr__kill_worker_threads(c);
        if (rc < 0)
            return rc;
        /* The union includes the entrypoints: they are killed a second
         * time. */
        rc = safely_kill(c, CTR__SET_EXTENSIONS, 1);
        if (rc < 0)
            return rc;
        rc = ctr__kill_managed_threads(c);
        if (rc < 0)
            return rc;
        break;
    }
    /* Every hook it waited for has run; an aborted kill keeps the value
     * for the hooks of its call still to start. */
    if (c->kill_arg == exc)
        c->kill_arg = NULL;
    set_started(c, 0);
    /* Stop may have won the race to send. */
    return send_died(c, exc);
}

typedef struct kill_job {
    ctr_container_t *c;
    const sim_error_t *exc;
} kill_job_t;

static int kill_body(sim_world_t *w, void *arg)
{
    kill_job_t *job = arg;
    ctr_container_t *c = job->c;
    const sim_error_t *exc = job->exc;

    (void)w;
    ctr__owned_free(job);
    return kill_sequence(c, exc);
}

/* kill_thread=thread: the sequence runs in "<svc>.kill", a thread no
 * killer of the container knows, so killing the caller (a worker calling
 * kill, a crashed managed thread killed by an entrypoint's kill) cannot
 * abort it.  The caller waits for death unless it is the hub. */
static int kill_in_thread(ctr_container_t *c, const sim_error_t *exc)
{
    kill_job_t *job = ctr__owned_alloc(&c->scratch, sizeof(*job));
    char *name = ctr__format("%s.kill", c->name);
    int rc;

    if (!job || !name) {
        ctr__owned_free(job);
        ctr__free(name);
        return ctr__nomem(c->w);
    }
    job->c = c;
    job->exc = exc;
    rc = sim_spawn(c->w, name, kill_body, job, NULL);
    ctr__free(name);
    if (rc < 0) {
        ctr__owned_free(job);
        return rc == SIM_ENOMEM ? ctr__nomem(c->w) : rc;
    }
    if (!sim_current(c->w))
        return 0;
    return wait_for_death(c);
}

static int raise_type_error(sim_world_t *w)
{
    const sim_error_t *e = sim_error_new(
        w, "TypeError", "kill() missing 1 required positional argument: 'exc'",
        0);
    return e ? sim_raise(w, e) : ctr__nomem(w);
}

int ctr_container_kill(ctr_container_t *c, const sim_error_t *exc)
{
    int rc;

    if (!exc && c->v.kill_arg == CTR_KILL_ARG_REQUIRED)
        return raise_type_error(c->w);
    switch (c->v.kill_reentry) {
    case CTR_REENTRY_NONE:
        break;
    case CTR_REENTRY_FALLTHROUGH:
        /* v1.0-v1.4: the wait is unprotected, then the dead check below
         * returns "already stopped". */
        if (c->being_killed) {
            ctr__log(c->w, "debug", "already killing %s ... waiting for death",
                     c->name);
            rc = sim_event_wait(c->w, c->died, NULL);
            if (rc < 0)
                return rc;
        }
        break;
    default:
        if (c->being_killed) {
            ctr__log(c->w, "debug", "already killing %s ... waiting for death",
                     c->name);
            return wait_for_death_swallowing(c);
        }
        break;
    }
    /* Set before the dead check, and never cleared. */
    if (!c->being_killed) {
        c->being_killed = 1;
        trace_state(c, "being_killed", exc);
    }
    if (sim_event_ready(c->died)) {
        ctr__log(c->w, "debug", "already stopped %s", c->name);
        return 0;
    }
    if (c->v.kill_thread == CTR_KILL_IN_THREAD)
        return kill_in_thread(c, exc);
    return kill_sequence(c, exc);
}

int ctr_container_wait(ctr_container_t *c)
{
    int rc = sim_event_wait(c->w, c->died, NULL);
    return rc < 0 ? rc : 0;
}
