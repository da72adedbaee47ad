/*
 * error.c - error values and the pending-error slot.
 *
 * An error is pending on the running green thread, or on the hub when no
 * thread runs (links of a thread killed from the hub run there).
 */
#include "sched-internal.h"

const sim_error_t sim_error_exit = {"GreenletExit", "", SIM_ERR_BASE};

/* Stand-ins for a body that returned a plain failure code. */
static const sim_error_t code_errors[] = {
    {"SimError", "out of memory", 0},
    {"SimError", "invalid argument", 0},
    {"SimError", "not allowed here", 0},
    {"SimError", "deadlock", 0},
    {"SimError", "limit reached", 0},
    {"SimError", "stack overflow", 0},
    {"SimError", "unknown error", 0},
};

const char *sim_strerror(int code)
{
    switch (code) {
    case SIM_OK: return "success";
    case SIM_EKILLED: return "killed";
    case SIM_ERAISED: return "error raised";
    case SIM_ENOMEM: return "out of memory";
    case SIM_EINVAL: return "invalid argument";
    case SIM_ESTATE: return "not allowed here";
    case SIM_EHUNG: return "deadlock: threads blocked forever";
    case SIM_ELIMIT: return "step or time limit reached";
    case SIM_ECRASH: return "green thread overflowed its stack";
    default: return "unknown error";
    }
}

const sim_error_t *sim__error_for_code(int code)
{
    if (code <= SIM_ENOMEM && code >= SIM_ECRASH)
        return &code_errors[SIM_ENOMEM - code];
    return &code_errors[6];
}

const sim_error_t *sim_error_new(sim_world_t *w, const char *type,
                                 const char *message, unsigned flags)
{
    sim_error_t *e;

    if (w == NULL)
        return NULL;
    e = sim__arena_alloc(&w->arena, sizeof *e);
    if (e == NULL)
        return NULL;
    e->type = sim__arena_strdup(&w->arena, type ? type : "Exception");
    e->message = sim__arena_strdup(&w->arena, message ? message : "");
    e->flags = flags;
    if (e->type == NULL || e->message == NULL)
        return NULL;
    return e;
}

const sim_error_t **sim__pending_slot(sim_world_t *w)
{
    return w->current ? &w->current->pending : &w->hub_pending;
}

int sim_error_code(const sim_error_t *e)
{
    return e == &sim_error_exit ? SIM_EKILLED : SIM_ERAISED;
}

int sim_raise(sim_world_t *w, const sim_error_t *e)
{
    if (e == NULL)
        e = &sim_error_exit;
    *sim__pending_slot(w) = e;
    return sim_error_code(e);
}

const sim_error_t *sim_error_pending(sim_world_t *w)
{
    return *sim__pending_slot(w);
}

const sim_error_t *sim_error_take(sim_world_t *w)
{
    const sim_error_t **slot = sim__pending_slot(w);
    const sim_error_t *e = *slot;

    *slot = NULL;
    return e;
}

const sim_error_t *sim__take_exit_error(sim_world_t *w, int rc)
{
    const sim_error_t *e = sim_error_take(w);

    if (rc >= 0)
        return NULL;
    if (e == NULL)
        e = rc == SIM_EKILLED ? &sim_error_exit : sim__error_for_code(rc);
    return e;
}
