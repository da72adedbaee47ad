/*
 * log.c - log lines and the error text of trace events.  A log line is a
 * trace event of kind "log" whose subject is the level name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

void ctr__log(sim_world_t *w, const char *level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sim_vtrace(w, "log", level, fmt, ap);
    va_end(ap);
}

const char *ctr__errstr(const sim_error_t *e, char *buf, size_t n)
{
    if (!e)
        snprintf(buf, n, "None");
    else if (e->message[0])
        snprintf(buf, n, "%s: %s", e->type, e->message);
    else
        snprintf(buf, n, "%s", e->type);
    return buf;
}

int ctr__checked(sim_world_t *w, int rc, const char *what)
{
    const sim_error_t *e;

    if (rc >= 0)
        return 0;
    if (sim_error_pending(w))
        return rc;
    /* A callback failed without raising: turn the bare code into a value. */
    {
        char msg[160];
        snprintf(msg, sizeof(msg), "%s returned %d (%s) without an error",
                 what, rc, rc <= CTR_EBEINGKILLED ? ctr_strerror(rc)
                                                   : sim_strerror(rc));
        e = sim_error_new(w, "SystemError", msg, 0);
    }
    if (!e)
        return SIM_ENOMEM;
    return sim_raise(w, e);
}

const char *ctr_strerror(int code)
{
    switch (code) {
    case CTR_EBEINGKILLED:
        return "container being killed";
    case CTR_ENOTFOUND:
        return "no such entrypoint or method";
    case CTR_ECONFIG:
        return "bad service definition";
    default:
        return sim_strerror(code);
    }
}

/* "<owner>.<what>" into buf (truncated to fit): a memcpy join, because
 * snprintf here showed up as a large share of a run's cost. */
static const char *join_subject(char *buf, size_t size, const char *owner,
                                const char *what)
{
    size_t a = strlen(owner), b = strlen(what);

    if (a > size - 2)
        a = size - 2;
    if (b > size - 2 - a)
        b = size - 2 - a;
    memcpy(buf, owner, a);
    buf[a] = '.';
    memcpy(buf + a + 1, what, b);
    buf[a + 1 + b] = '\0';
    return buf;
}

void ctr__trace_call(sim_world_t *w, const char *owner, const char *what,
                     const char *detail)
{
    char subject[256];

    sim_trace(w, "call", join_subject(subject, sizeof subject, owner, what),
              "%s", detail);
}

int ctr__trace_ret(sim_world_t *w, const char *owner, const char *what,
                   int rc)
{
    char subject[256], err[256];

    join_subject(subject, sizeof subject, owner, what);
    rc = ctr__checked(w, rc, subject);
    sim_trace(w, "ret", subject, "%s",
              rc < 0 ? ctr__errstr(sim_error_pending(w), err, sizeof(err))
                     : "ok");
    return rc;
}
