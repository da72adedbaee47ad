/*
 * lifecycle.c - start, stop, kill and wait: the reference's sequences step
 * by step (spec/container.md 1.2-1.5).  Each runs in the calling green
 * thread and yields wherever the reference yields (its parallel calls, the
 * pool's waitall, the thread killers, the death event).
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

/* _died.send(None, exc_info), guarded: the first finisher wins. */
static int send_died(ctr_container_t *c, const sim_error_t *exc)
{
    int rc;

    if (sim_event_ready(c->died))
        return 0;
    rc = sim_event_send(c->w, c->died, NULL, exc);
    if (rc < 0)
        return rc;
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

/* Graceful stop.  No "being stopped" flag: concurrent stops both run the
 * whole sequence.  An extension error aborts it and leaves _died unsent. */
int ctr_container_stop(ctr_container_t *c)
{
    int rc;

    if (sim_event_ready(c->died)) {
        ctr__log(c->w, "debug", "already stopped %s", c->name);
        return 0;
    }
    if (c->being_killed) {
        ctr__log(c->w, "debug", "already being killed %s", c->name);
        return wait_for_death_swallowing(c);
    }
    ctr__log(c->w, "debug", "stopping %s", c->name);
    /* Entrypoints first so running workers can still complete. */
    rc = ctr__container_all(c, CTR__SET_ENTRYPOINTS, CTR__STOP);
    if (rc < 0)
        return rc;
    rc = sim_pool_waitall(c->w, c->pool);
    if (rc < 0)
        return rc;
    rc = ctr__container_all(c, CTR__SET_DEPENDENCIES, CTR__STOP);
    if (rc < 0)
        return rc;
    rc = ctr__container_all(c, CTR__SET_SUBEXTENSIONS, CTR__STOP);
    if (rc < 0)
        return rc;
    rc = ctr__kill_managed_threads(c);
    if (rc < 0)
        return rc;
    set_started(c, 0);
    /* Kill may have won the race to send. */
    return send_died(c, NULL);
}

/* safely_kill_extensions: an Exception is logged and swallowed; a
 * BaseException (the kill condition included) propagates. */
static int safely_kill(ctr_container_t *c, ctr__set_t set)
{
    const sim_error_t *e;
    int rc = ctr__container_all(c, set, CTR__KILL);

    if (rc >= 0)
        return 0;
    e = sim_error_pending(c->w);
    if (!e || (e->flags & SIM_ERR_BASE))
        return rc;
    sim_error_take(c->w);
    ctr__log(c->w, "warning", "Extension raised `%s` during kill", e->message);
    return 0;
}

int ctr_container_kill(ctr_container_t *c, const sim_error_t *exc)
{
    int rc;

    if (c->being_killed) {
        ctr__log(c->w, "debug", "already killing %s ... waiting for death",
                 c->name);
        return wait_for_death_swallowing(c);
    }
    /* Set before the dead check, and never cleared. */
    c->being_killed = 1;
    trace_state(c, "being_killed", exc);
    if (sim_event_ready(c->died)) {
        ctr__log(c->w, "debug", "already stopped %s", c->name);
        return 0;
    }
    if (exc)
        ctr__log(c->w, "info", "killing %s due to %s", c->name, exc->message);
    else
        ctr__log(c->w, "info", "killing %s", c->name);
    rc = safely_kill(c, CTR__SET_ENTRYPOINTS);
    if (rc < 0)
        return rc;
    rc = ctr__kill_worker_threads(c);
    if (rc < 0)
        return rc;
    /* The union includes the entrypoints: they are killed a second time. */
    rc = safely_kill(c, CTR__SET_EXTENSIONS);
    if (rc < 0)
        return rc;
    rc = ctr__kill_managed_threads(c);
    if (rc < 0)
        return rc;
    set_started(c, 0);
    /* Stop may have won the race to send. */
    return send_died(c, exc);
}

int ctr_container_wait(ctr_container_t *c)
{
    int rc = sim_event_wait(c->w, c->died, NULL);
    return rc < 0 ? rc : 0;
}
