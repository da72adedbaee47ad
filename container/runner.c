/*
 * runner.c - nameko's ServiceRunner: several containers driven together
 * (spec/container.md 3.3).  The runner does not own its containers; their
 * creator frees them (after the runner, or at least after its last use).
 */
#include <string.h>

#include "internal.h"

struct ctr_runner {
    sim_world_t *w;
    ctr_container_t **cs; /* insertion order, as the service_map dict */
    size_t n, cap;
    ctr__owned_t scratch;
    sim_thread_t *host;
    unsigned char wait_mode; /* ctr_runner_wait_t */
};

int ctr_runner_new(sim_world_t *w, ctr_runner_t **out)
{
    return ctr_runner_new_variant(w, NULL, out);
}

int ctr_runner_new_variant(sim_world_t *w, const ctr_variant_t *variant,
                           ctr_runner_t **out)
{
    ctr_runner_t *r;

    if (!out)
        return SIM_EINVAL;
    *out = NULL;
    if (!w)
        return SIM_EINVAL;
    r = ctr__alloc(sizeof(*r));
    if (!r)
        return SIM_ENOMEM;
    r->w = w;
    r->wait_mode = (variant ? variant : ctr_variant_current())->runner_wait;
    ctr__owned_init(&r->scratch);
    *out = r;
    return 0;
}

void ctr_runner_free(ctr_runner_t *r)
{
    if (!r)
        return;
    ctr__owned_free_all(&r->scratch);
    ctr__free(r->cs);
    ctr__free(r);
}

/* service_map[name] = container: a known name keeps its position. */
int ctr_runner_add(ctr_runner_t *r, ctr_container_t *c)
{
    if (!r || !c || c->w != r->w)
        return SIM_EINVAL;
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->cs[i]->name, c->name) == 0) {
            r->cs[i] = c;
            return 0;
        }
    }
    if (ctr__reserve((void **)&r->cs, &r->cap, r->n + 1, sizeof(*r->cs)))
        return SIM_ENOMEM;
    r->cs[r->n++] = c;
    return 0;
}

size_t ctr_runner_count(const ctr_runner_t *r)
{
    return r->n;
}

ctr_container_t *ctr_runner_container(const ctr_runner_t *r, size_t i)
{
    return i < r->n ? r->cs[i] : NULL;
}

static int start_body(sim_world_t *w, void *arg)
{
    (void)w;
    return ctr_container_start(arg);
}

static int stop_body(sim_world_t *w, void *arg)
{
    (void)w;
    return ctr_container_stop(arg);
}

static int kill_body(sim_world_t *w, void *arg)
{
    (void)w;
    return ctr_container_kill(arg, NULL);
}

static int wait_body(sim_world_t *w, void *arg)
{
    (void)w;
    return ctr_container_wait(arg);
}

/* SpawningProxy(self.containers[, abort_on_error]).<op>(); fail_fast 2 is
 * the hardened fail-fast wait (ctr__parallel_fail_fast's `safe`). */
static int runner_all(ctr_runner_t *r, ctr__item_fn fn, const char *op,
                      int fail_fast)
{
    size_t n = r->n, len = 0;
    void **args;
    const char **names;
    char *p;
    int rc;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(r->cs[i]->name) + strlen(op) + 2;
    args = ctr__owned_alloc(&r->scratch,
                            n * (sizeof(*args) + sizeof(*names)) + len);
    if (!args)
        return ctr__nomem(r->w);
    names = (const char **)(args + n);
    p = (char *)(names + n);
    for (size_t i = 0; i < n; i++) {
        size_t a = strlen(r->cs[i]->name), b = strlen(op);
        args[i] = r->cs[i];
        names[i] = p;
        memcpy(p, r->cs[i]->name, a);
        p[a] = '.';
        memcpy(p + a + 1, op, b + 1);
        p += a + b + 2;
    }
    rc = fail_fast
             ? ctr__parallel_fail_fast(r->w, &r->scratch, fn, args, names, n,
                                       fail_fast == 2)
             : ctr__parallel(r->w, &r->scratch, fn, args, names, n);
    ctr__owned_free(args);
    return rc;
}

/* ', '.join(service_names).  Owned by the runner's scratch list: the
 * caller suspends in the parallel call while holding it, and a world freed
 * then (the run ended with the host blocked) must not leak it. */
static char *service_names(ctr_runner_t *r)
{
    size_t len = 1;
    char *s, *p;

    for (size_t i = 0; i < r->n; i++)
        len += strlen(r->cs[i]->name) + 2;
    s = ctr__owned_alloc(&r->scratch, len);
    if (!s)
        return NULL;
    p = s;
    for (size_t i = 0; i < r->n; i++) {
        size_t a = strlen(r->cs[i]->name);
        if (i) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        memcpy(p, r->cs[i]->name, a);
        p += a;
    }
    *p = '\0';
    return s;
}

/* The three share one shape: info line, parallel call, debug line.  The
 * reference's kill line has a trailing space ('services killed: %s '). */
static int runner_op(ctr_runner_t *r, ctr__item_fn fn, const char *op,
                     const char *before, const char *after)
{
    char *names = service_names(r);
    int rc;

    if (!names)
        return ctr__nomem(r->w);
    ctr__log(r->w, "info", before, names);
    rc = runner_all(r, fn, op, 0);
    if (rc >= 0)
        ctr__log(r->w, "debug", after, names);
    ctr__owned_free(names);
    return rc < 0 ? rc : 0;
}

int ctr_runner_start(ctr_runner_t *r)
{
    return runner_op(r, start_body, "start", "starting services: %s",
                     "services started: %s");
}

int ctr_runner_stop(ctr_runner_t *r)
{
    return runner_op(r, stop_body, "stop", "stopping services: %s",
                     "services stopped: %s");
}

int ctr_runner_kill(ctr_runner_t *r)
{
    return runner_op(r, kill_body, "kill", "killing services: %s",
                     "services killed: %s ");
}

/* `except Exception: self.stop(); raise` - the very error object is
 * re-raised; a BaseException skips the stop.  Before v1.2.2 (wait=all) it
 * was a plain imap wait: every container in order, the first error in that
 * order raised, the peers left running. */
int ctr_runner_wait(ctr_runner_t *r)
{
    const sim_error_t *e;
    int rc;

    switch (r->wait_mode) {
    case CTR_RUNNER_WAIT_ALL:
        rc = runner_all(r, wait_body, "wait", 0);
        return rc < 0 ? rc : 0;
    case CTR_RUNNER_WAIT_SAFE:
        rc = runner_all(r, wait_body, "wait", 2);
        break;
    default:
        rc = runner_all(r, wait_body, "wait", 1);
        break;
    }
    if (rc >= 0)
        return 0;
    e = sim_error_pending(r->w);
    if (!e || (e->flags & SIM_ERR_BASE))
        return rc;
    sim_error_take(r->w);
    rc = ctr_runner_stop(r);
    if (rc < 0)
        return rc;
    return sim_raise(r->w, e);
}

/* ---------------------------------------------------------------- host */

static int is_interrupt(const sim_error_t *e)
{
    return e && strcmp(e->type, "KeyboardInterrupt") == 0;
}

static int runnlet_body(sim_world_t *w, void *arg)
{
    (void)w;
    return ctr_runner_wait(arg);
}

/* nameko/cli/run.py's main loop.  The EINTR branch has no counterpart:
 * signals are not simulated as OSErrors. */
static int host_body(sim_world_t *w, void *arg)
{
    ctr_runner_t *r = arg;
    sim_thread_t *runnlet;
    int rc;

    rc = ctr_runner_start(r);
    if (rc < 0)
        return rc;
    rc = sim_spawn(w, "runner.wait", runnlet_body, r, &runnlet);
    if (rc < 0)
        return rc == SIM_ENOMEM ? ctr__nomem(w) : rc;
    for (;;) {
        rc = sim_thread_wait(w, runnlet, NULL);
        if (rc >= 0)
            return 0; /* runner.wait completed */
        if (!is_interrupt(sim_error_pending(w)))
            return rc;
        sim_error_take(w);
        sim_trace(w, "host", "runner", "interrupted: stop");
        rc = ctr_runner_stop(r);
        if (rc < 0) {
            if (!is_interrupt(sim_error_pending(w)))
                return rc;
            sim_error_take(w);
            sim_trace(w, "host", "runner", "interrupted: kill");
            rc = ctr_runner_kill(r);
            if (rc < 0)
                return rc;
        }
    }
}

int ctr_runner_host(ctr_runner_t *r, sim_thread_t **out)
{
    int rc;

    if (out)
        *out = NULL;
    if (!r)
        return SIM_EINVAL;
    rc = sim_spawn(r->w, "runner.host", host_body, r, &r->host);
    if (rc < 0)
        return rc;
    if (out)
        *out = r->host;
    return 0;
}

int ctr_runner_interrupt(ctr_runner_t *r)
{
    const sim_error_t *e;

    if (!r || !r->host)
        return SIM_ESTATE;
    e = sim_error_new(r->w, "KeyboardInterrupt", "", SIM_ERR_BASE);
    if (!e)
        return SIM_ENOMEM;
    sim_trace(r->w, "host", "runner", "interrupt");
    return sim_thread_kill(r->w, r->host, e);
}
