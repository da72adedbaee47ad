/*
 * trace.c - the in-memory trace of scheduler and container events.
 *
 * Events are appended to an array that grows geometrically; strings are
 * world-owned, so the trace never points into caller memory.  If memory
 * runs out the event is dropped and the loss is remembered (trace_lost)
 * rather than failing the operation that was being traced.
 */
#include "sched-internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int sim__trace_grow(sim_world_t *w)
{
    if (sim__grow((void **)&w->trace, &w->trace_cap, w->trace_len + 1,
                  sizeof *w->trace, 1024) < 0) {
        w->trace_lost = 1;
        return SIM_ENOMEM;
    }
    return 0;
}

void sim_vtrace(sim_world_t *w, const char *kind, const char *subject,
                const char *fmt, va_list ap)
{
    const char *s = NULL, *d = "";

    if (w == NULL || kind == NULL)
        return;
    if (subject != NULL && (s = sim__arena_strdup(&w->arena, subject)) == NULL) {
        w->trace_lost = 1;
        return;
    }
    if (fmt != NULL && fmt[0] != '\0') {
        /* The common shapes "%s" and a plain string need no formatting. */
        if (fmt[0] == '%' && fmt[1] == 's' && fmt[2] == '\0')
            d = sim__arena_strdup(&w->arena, va_arg(ap, const char *));
        else if (strchr(fmt, '%') == NULL)
            d = sim__arena_strdup(&w->arena, fmt);
        else
            d = sim__arena_vprintf(&w->arena, fmt, ap);
        if (d == NULL) {
            w->trace_lost = 1;
            return;
        }
    }
    sim__trace_raw(w, kind, s, d);
}

void sim_trace(sim_world_t *w, const char *kind, const char *subject,
               const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sim_vtrace(w, kind, subject, fmt, ap);
    va_end(ap);
}

size_t sim_trace_count(const sim_world_t *w)
{
    return w->trace_len;
}

const sim_trace_event_t *sim_trace_get(const sim_world_t *w, size_t i)
{
    return i < w->trace_len ? &w->trace[i] : NULL;
}

/* The decimal digits of v at the end of buf[0..n), returning where they
 * start: snprintf is too slow for every traced sleep. */
static char *put_u64(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

int sim_time_format(sim_time_t t, char *buf, size_t size)
{
    static const struct {
        int64_t div;
        const char *unit;
    } units[] = {{1000000000, "s"}, {1000000, "ms"}, {1000, "us"}};
    size_t i;

    if (t != 0) {
        for (i = 0; i < sizeof units / sizeof units[0]; i++) {
            if (t % units[i].div == 0)
                return snprintf(buf, size, "%" PRId64 "%s", t / units[i].div,
                                units[i].unit);
        }
    }
    return snprintf(buf, size, "%" PRId64 "ns", t);
}

void sim__format_time(sim_time_t t, char *buf, size_t size)
{
    static const struct {
        int64_t div;
        const char *unit;
    } units[] = {{1000000000, "s"}, {1000000, "ms"}, {1000, "us"}, {1, "ns"}};
    char tmp[32], *p;
    const char *unit = "ns";
    uint64_t v;
    size_t i, len, ulen;

    if (t < 0 || size < sizeof tmp) {
        sim_time_format(t, buf, size);
        return;
    }
    v = (uint64_t)t;
    for (i = 0; t != 0 && i < sizeof units / sizeof units[0]; i++) {
        if (t % units[i].div == 0) {
            v = (uint64_t)(t / units[i].div);
            unit = units[i].unit;
            break;
        }
    }
    p = put_u64(tmp + sizeof tmp, v);
    len = (size_t)(tmp + sizeof tmp - p);
    ulen = strlen(unit);
    memcpy(buf, p, len);
    memcpy(buf + len, unit, ulen + 1);
}

const char *sim__error_detail(sim_world_t *w, const sim_error_t *e)
{
    if (e == NULL)
        return "ok";
    if (e == &sim_error_exit)
        return "killed";
    if (e->message[0] == '\0')
        return sim__arena_printf(&w->arena, "error %s", e->type);
    return sim__arena_printf(&w->arena, "error %s: %s", e->type, e->message);
}
