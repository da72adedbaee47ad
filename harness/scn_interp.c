/*
 * scn_interp.c - the behaviour interpreter: runs step lists in the calling
 * green thread, as extension hooks (scn__ext_ops), service methods, managed
 * threads and script actors.  Every step follows sim's error model, so an
 * error raised by a step unwinds the list exactly like a Python exception
 * would unwind the hook it stands for.
 */
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "scn_rt.h"
#include "sim_alloc.h"

/* ------------------------------------------------- `crash` (testing aid) */

/* Never reached; a volatile bound the compiler cannot see through, so the
 * recursion below is neither "infinite" to -Winfinite-recursion nor a
 * tail call it could turn into a loop. */
static volatile unsigned crash_depth_limit = ~0u;

static unsigned overflow_stack(volatile char *prev, unsigned n)
{
    volatile char frame[512];
    frame[0] = (char)n;
    frame[sizeof(frame) - 1] = prev ? prev[0] : 0;
    if (n >= crash_depth_limit)
        return frame[0];
    return overflow_stack(frame, n + 1) + (unsigned)frame[sizeof(frame) - 1];
}

/* `crash segv|abort|overflow`: make the process really die (SIGSEGV,
 * abort()), or overflow the running green thread's stack (sim catches that
 * one and abandons the thread).  SIGSEGV is raised with the default action
 * rather than by a write through NULL: that is undefined behaviour, which
 * UBSan builds report instead of dying by the signal. */
static void planted_crash(int how)
{
    fflush(stdout);
    if (how == SCN_CRASH_ABORT)
        abort();
    if (how == SCN_CRASH_OVERFLOW) {
        (void)overflow_stack(NULL, 0);
        return;
    }
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
}

/* ---------------------------------------------------------------- helpers */

static const char *str_or_none(const void *v) { return v ? (const char *)v : "None"; }

/* Python's repr() of a str: single quotes unless the text holds a single
 * quote and no double quote; backslash escapes as Python writes them. */
static void py_repr(const char *t, char *buf, size_t n)
{
    char q = strchr(t, '\'') && !strchr(t, '"') ? '"' : '\'';
    size_t k = 0;
    if (n < 8) {
        if (n)
            buf[0] = '\0';
        return;
    }
    buf[k++] = q;
    for (; *t && k + 6 < n; t++) {
        unsigned char c = (unsigned char)*t;
        if (c == (unsigned char)q || c == '\\') {
            buf[k++] = '\\';
            buf[k++] = (char)c;
        } else if (c == '\n' || c == '\t' || c == '\r') {
            buf[k++] = '\\';
            buf[k++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
        } else if (c < 0x20 || c == 0x7f) {
            k += (size_t)snprintf(buf + k, n - k, "\\x%02x", c);
        } else {
            buf[k++] = (char)c;
        }
    }
    buf[k++] = q;
    buf[k] = '\0';
}

/* $error: the error a hook was given.  In worker_result / handle_result
 * under result_form=exception (the containers before v1.8) that is the
 * exception instance, printed as Python's repr (`Boom('oops')`, `Boom()`);
 * otherwise (exc_info, and the kill hooks' kill(exc)) "Type: message";
 * "None" when there is none. */
static void format_error(const scn_cx_t *cx, char *buf, size_t n)
{
    const sim_error_t *e = cx->exc;
    if (!e) {
        snprintf(buf, n, "None");
        return;
    }
    ctr_container_t *c = cx->svc ? cx->svc->c : NULL;
    if (cx->has_result && c &&
        ctr_container_variant(c)->result_form == CTR_RESULT_EXCEPTION) {
        char r[400];
        r[0] = '\0';
        if (e->message[0])
            py_repr(e->message, r, sizeof(r));
        snprintf(buf, n, "%s(%s)", e->type, r);
        return;
    }
    snprintf(buf, n, "%s: %s", e->type, e->message);
}

/* Expand $args, $call, $result and $error into a world-owned string. */
static const char *expand(scn_cx_t *cx, const char *s)
{
    if (!s)
        return NULL;
    if (!strchr(s, '$'))
        return s;
    size_t cap = strlen(s) + 64, n = 0;
    char *buf = sim_malloc(cap);
    if (!buf)
        return s;
    char errbuf[512];
    while (*s) {
        const char *rep = NULL;
        size_t skip = 0;
        if (strncmp(s, "$args", 5) == 0) {
            rep = cx->wctx ? ctr_worker_args(cx->wctx) : NULL;
            rep = rep ? rep : "";
            skip = 5;
        } else if (strncmp(s, "$call", 5) == 0) {
            rep = cx->wctx ? ctr_worker_call_id(cx->wctx) : "";
            skip = 5;
        } else if (strncmp(s, "$result", 7) == 0) {
            rep = str_or_none(cx->result);
            skip = 7;
        } else if (strncmp(s, "$error", 6) == 0) {
            format_error(cx, errbuf, sizeof(errbuf));
            rep = errbuf;
            skip = 6;
        }
        size_t add = rep ? strlen(rep) : 1;
        if (n + add + 1 > cap) {
            cap = (n + add + 1) * 2;
            char *nb = sim_realloc(buf, cap);
            if (!nb) {
                sim_free(buf);
                return "";
            }
            buf = nb;
        }
        if (rep) {
            memcpy(buf + n, rep, add);
            n += add;
            s += skip;
        } else {
            buf[n++] = *s++;
        }
    }
    buf[n] = '\0';
    const char *r = sim_strdup(cx->rt->w, buf);
    sim_free(buf);
    return r ? r : "";
}

int scn__named_index(const scn_rt_t *rt, const sim_error_t *e)
{
    for (size_t i = 0; e && i < rt->m->n_errors; i++)
        if (rt->errors[i] == e)
            return (int)i;
    return -1;
}

const sim_error_t *scn__new_error(sim_world_t *w, const char *type,
                                  const char *message)
{
    if (strcmp(type, "GreenletExit") == 0)
        return &sim_error_exit;
    unsigned flags = 0;
    if (strcmp(type, "KeyboardInterrupt") == 0 ||
        strcmp(type, "SystemExit") == 0)
        flags = SIM_ERR_BASE;
    return sim_error_new(w, type, message ? message : "", flags);
}

const sim_error_t *scn__make_error(scn_cx_t *cx, const scn_errspec_t *e)
{
    if (e->ref)
        return cx->rt->errors[e->ref_index];
    return scn__new_error(cx->rt->w, e->type,
                          e->message ? expand(cx, e->message) : "");
}

/* A plain failure (not raised inside the simulation) as a raised error, so
 * the scenario sees it instead of the harness losing it. */
static int raise_plain(scn_cx_t *cx, int rc, const char *what)
{
    if (sim_error_pending(cx->rt->w))
        return rc;
    char msg[256];
    snprintf(msg, sizeof(msg), "%s: %s", what,
             rc <= -100 ? ctr_strerror(rc) : sim_strerror(rc));
    const sim_error_t *e = sim_error_new(cx->rt->w, "RuntimeError", msg, 0);
    return e ? sim_raise(cx->rt->w, e) : rc;
}

static int name_thread(scn_rt_t *rt, const char *name, sim_thread_t *t)
{
    if (!name || !t)
        return 0;
    if (rt->n_named == rt->cap_named) {
        size_t cap = rt->cap_named ? rt->cap_named * 2 : 16;
        scn_named_t *nn = scn_arena_alloc(&rt->arena, cap * sizeof(*nn));
        if (!nn)
            return SIM_ENOMEM;
        if (rt->n_named)
            memcpy(nn, rt->named, rt->n_named * sizeof(*nn));
        rt->named = nn;
        rt->cap_named = cap;
    }
    rt->named[rt->n_named].name = name;
    rt->named[rt->n_named].t = t;
    rt->n_named++;
    return 0;
}

static sim_thread_t *find_thread(scn_rt_t *rt, const char *name)
{
    for (size_t i = rt->n_named; i > 0; i--)
        if (strcmp(rt->named[i - 1].name, name) == 0)
            return rt->named[i - 1].t;
    return NULL;
}

/* hint: the step's 1 + index (scn_step_t.event), 0 = look name up. */
static sim_event_t *find_event(scn_rt_t *rt, const char *name, int hint)
{
    if (hint > 0 && (size_t)hint <= rt->m->n_events)
        return rt->events[hint - 1];
    for (size_t i = 0; i < rt->m->n_events; i++)
        if (strcmp(rt->m->events[i], name) == 0)
            return rt->events[i];
    return NULL;
}

static ctr_container_t *target(scn_cx_t *cx, const scn_step_t *s)
{
    const scn_service_t *svc = s->svc ? s->svc : (cx->svc ? cx->svc->svc : NULL);
    return svc ? cx->rt->svcs[svc->index].c : NULL;
}

/* Record the outcome of an actor's container operation: in the trace (kind
 * "step") and in the result, for `OP returns` / `OP raises` expectations. */
static void record_op(scn_cx_t *cx, const scn_step_t *s, int rc)
{
    if (!cx->actor)
        return;
    scn_rt_t *rt = cx->rt;
    scn_result_t *r = rt->res;
    const sim_error_t *e = rc < 0 ? sim_error_pending(rt->w) : NULL;
    char subject[256];
    snprintf(subject, sizeof(subject), "%s.%s", cx->actor->name,
             scn_step_name(s->kind));
    if (e)
        sim_trace(rt->w, "step", subject, "raises %s: %s", e->type, e->message);
    else
        sim_trace(rt->w, "step", subject, "returns");
    if (r->n_ops == r->cap_ops) {
        size_t cap = r->cap_ops ? r->cap_ops * 2 : 16;
        scn_opres_t *no = sim_realloc(r->ops, cap * sizeof(*no));
        if (!no) {
            rt->oom = 1;
            return;
        }
        r->ops = no;
        r->cap_ops = cap;
    }
    scn_opres_t *o = &r->ops[r->n_ops];
    memset(o, 0, sizeof(*o));
    o->actor = cx->actor;
    o->op = s->kind;
    o->svc = s->kind >= SCN_S_RUNNER_START ? NULL
             : s->svc                       ? s->svc
                                            : (cx->svc ? cx->svc->svc : NULL);
    o->named = scn__named_index(rt, e);
    if (rc < 0) {
        o->raised = 1;
        o->type = sim_alloc_strdup(e ? e->type : "?");
        o->message = sim_alloc_strdup(e ? e->message : sim_strerror(rc));
        if (!o->type || !o->message) {
            sim_free(o->type);
            sim_free(o->message);
            rt->oom = 1;
            return;
        }
    }
    r->n_ops++;
}

static int catches(const scn_step_t *s, const sim_error_t *e)
{
    if (!e)
        return 0;
    for (size_t i = 0; i < s->n_catch; i++) {
        if (strcmp(s->catch_types[i], "*") == 0) {
            if (!(e->flags & SIM_ERR_BASE) && e != &sim_error_exit)
                return 1;
        } else if (strcmp(s->catch_types[i], e->type) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- threads */

typedef struct spawn_arg {
    scn_cx_t cx;
    const scn_step_t *body;
} spawn_arg_t;

static int spawn_main(sim_world_t *w, void *arg)
{
    (void)w;
    spawn_arg_t *sa = arg;
    int rc = scn__exec(&sa->cx, sa->body);
    return rc < 0 ? rc : 0;
}

static int handle_result(ctr_worker_ctx_t *ctx, void *arg,
                         const void **result, const sim_error_t **exc)
{
    scn_extrt_t *er = arg;
    scn_cx_t cx = {.rt = er->rt, .svc = er->svc, .wctx = ctx,
                   .result = *result, .exc = *exc, .has_result = 1};
    int rc = scn__exec(&cx, er->ext->hooks[SCN_HOOK_HANDLE_RESULT]);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        *result = cx.ret;
        *exc = NULL;
    }
    return 0;
}

/* spawn_worker through entrypoint ep, with its handle_result hook. */
static int fire(ctr_extension_t *ep, const char *args, ctr_worker_ctx_t **wc)
{
    const scn_extrt_t *er = ep ? ctr_extension_user(ep) : NULL;
    ctr_handle_result_fn hr = NULL;
    if (er && er->ext->has_hook[SCN_HOOK_HANDLE_RESULT])
        hr = handle_result;
    return ctr_spawn_worker(ep ? ctr_extension_container(ep) : NULL, ep, args,
                            hr, (void *)er, wc);
}

/* ------------------------------------------------ built-in entrypoints */

/* Timer._run: `with Timeout(interval, exception=False): should_stop.wait();
 * break`, then a worker; the handwritten `every D until should_stop: fire
 * EP`.  ContainerBeingKilled is not caught (nameko lets it propagate). */
static int timer_main(sim_world_t *w, void *arg)
{
    scn_extrt_t *er = arg;
    scn_cx_t cx = {.rt = er->rt, .svc = er->svc, .ext = er->bound};
    for (;;) {
        int timed_out = 1;
        int rc = sim_event_wait_timeout(w, er->should_stop, er->ext->timer,
                                        NULL, &timed_out);
        if (rc < 0 || !timed_out)
            return rc < 0 ? rc : 0;
        rc = fire(er->bound, "", NULL);
        if (rc < 0)
            return raise_plain(&cx, rc, "fire");
    }
}

/* What a timer or tcp entrypoint does in start, stop and kill before the
 * hook written in the file: Timer.start spawns the loop as a managed
 * thread, Timer.stop sends should_stop and waits for the loop, Timer.kill
 * kills it; a tcp entrypoint takes requests between its start and its stop
 * or kill. */
static int builtin_hook(ctr_extension_t *ext, scn_extrt_t *er, scn_hook_t h)
{
    sim_world_t *w = er->rt->w;
    if (er->ext->tcp) {
        if (h == SCN_HOOK_START) {
            er->bound = ext;
            er->accepting = 1;
        } else if (h == SCN_HOOK_STOP || h == SCN_HOOK_KILL) {
            er->accepting = 0;
        }
        return 0;
    }
    char ident[256];
    scn_cx_t cx = {.rt = er->rt, .svc = er->svc, .ext = ext};
    int rc = 0;
    switch (h) {
    case SCN_HOOK_START:
        er->bound = ext;
        snprintf(ident, sizeof(ident), "%s.timer", er->ext->name);
        rc = ctr_spawn_managed_thread(ctr_extension_container(ext), timer_main,
                                      er, ident, &er->timer_loop);
        return rc < 0 ? raise_plain(&cx, rc, "spawn") : 0;
    case SCN_HOOK_STOP:
        rc = sim_event_send(w, er->should_stop, NULL, NULL);
        if (rc == 0 && er->timer_loop)
            rc = sim_thread_wait(w, er->timer_loop, NULL);
        return rc;
    case SCN_HOOK_KILL:
        return er->timer_loop ? sim_thread_kill(w, er->timer_loop, NULL) : 0;
    default:
        return 0;
    }
}

/* Python's str() of an error: "Type: message", or "Type" alone. */
static void error_text(const sim_error_t *e, char *buf, size_t n)
{
    if (e->message[0])
        snprintf(buf, n, "%s: %s", e->type, e->message);
    else
        snprintf(buf, n, "%s", e->type);
}

int scn__request(scn_rt_t *rt, ctr_extension_t *ep, const char *args,
                 const char **reply)
{
    sim_world_t *w = rt->w;
    scn_extrt_t *er = ctr_extension_user(ep);
    scn_cx_t cx = {.rt = rt, .svc = er->svc};
    char text[1024], err[900];
    *reply = NULL;
    if (!er->accepting) {
        snprintf(text, sizeof(text), "error: Unavailable: %s.%s is not running",
                 er->svc->svc->name, er->ext->name);
    } else {
        ctr_worker_ctx_t *wc = NULL;
        int rc = fire(ep, args, &wc);
        if (rc == 0)
            rc = sim_thread_wait(w, ctr_worker_thread(wc), NULL);
        if (rc < 0) {
            const sim_error_t *e = sim_error_pending(w);
            sim_thread_t *t = wc ? ctr_worker_thread(wc) : NULL;
            /* The worker's own end (killed, or raised past the method) is
             * the reply; a kill or a base error aimed at the caller, or a
             * plain failure, is the caller's. */
            int workers = t && sim_thread_state(t) == SIM_THREAD_DEAD &&
                          sim_thread_exit_error(t) == e;
            if (!e || (!workers && (e == &sim_error_exit ||
                                    (e->flags & SIM_ERR_BASE))))
                return e ? rc : raise_plain(&cx, rc, "request");
            sim_error_take(w);
            error_text(e, err, sizeof(err));
            snprintf(text, sizeof(text), "error: %s", err);
        } else if (ctr_worker_exc(wc)) {
            error_text(ctr_worker_exc(wc), err, sizeof(err));
            snprintf(text, sizeof(text), "error: %s", err);
        } else {
            snprintf(text, sizeof(text), "%s",
                     str_or_none(ctr_worker_result(wc)));
        }
    }
    /* One line: escape what would end it. */
    char line[2100];
    size_t k = 0;
    for (const char *p = text; *p && k + 3 < sizeof(line); p++) {
        if (*p == '\n' || *p == '\r') {
            line[k++] = '\\';
            line[k++] = *p == '\n' ? 'n' : 'r';
        } else {
            line[k++] = *p;
        }
    }
    line[k] = '\0';
    *reply = sim_strdup(w, line);
    if (!*reply)
        return SIM_ENOMEM;
    sim_trace(w, "reply", er->ext->name, "%s", line);
    return 0;
}

/* ---------------------------------------------------------------- steps */

/* nameko's Timer loop: `while True: with Timeout(interval, exception=False):
 * should_stop.wait(); break` then the tick.  With `until EVENT` the interval
 * is a wait for EVENT with a timeout, so a send ends the loop at once (not
 * after the rest of the interval); without it, a plain sleep. */
static int every(scn_cx_t *cx, const scn_step_t *s)
{
    scn_rt_t *rt = cx->rt;
    sim_event_t *until =
        s->until ? find_event(rt, s->until, s->until_event) : NULL;
    for (;;) {
        int rc, timed_out = 1;
        if (until)
            rc = sim_event_wait_timeout(rt->w, until, s->dur, NULL, &timed_out);
        else
            rc = sim_sleep(rt->w, s->dur);
        if (rc < 0)
            return rc;
        if (!timed_out)
            return 0;
        rc = scn__exec(cx, s->body);
        if (rc != 0)
            return rc;
    }
}

static int exec_one(scn_cx_t *cx, const scn_step_t *s)
{
    scn_rt_t *rt = cx->rt;
    sim_world_t *w = rt->w;
    int rc = 0;
    switch (s->kind) {
    case SCN_S_MARK:
        sim_trace(w, "mark", expand(cx, s->name), "%s",
                  s->text ? expand(cx, s->text) : "");
        return 0;
    case SCN_S_SLEEP:
        return s->dur > 0 ? sim_sleep(w, s->dur) : sim_yield(w);
    case SCN_S_YIELD:
        return sim_yield(w);
    case SCN_S_WAIT_EVENT:
        if (s->dur > 0)
            return sim_event_wait_timeout(w, find_event(rt, s->name, s->event),
                                          s->dur,
                                          NULL, NULL);
        return sim_event_wait(w, find_event(rt, s->name, s->event), NULL);
    case SCN_S_SEND:
        return sim_event_send(w, find_event(rt, s->name, s->event),
                              s->text ? expand(cx, s->text) : NULL, NULL);
    case SCN_S_RESET:
        rc = sim_event_reset(w, find_event(rt, s->name, s->event));
        return rc < 0 ? raise_plain(cx, rc, "reset") : 0;
    case SCN_S_RAISE: {
        const sim_error_t *e = scn__make_error(cx, &s->err);
        return e ? sim_raise(w, e) : SIM_ENOMEM;
    }
    case SCN_S_RETURN:
        cx->ret = s->text ? expand(cx, s->text) : NULL;
        return 1;
    case SCN_S_SPAWN: {
        spawn_arg_t *sa = scn_arena_alloc(&rt->arena, sizeof(*sa));
        if (!sa)
            return SIM_ENOMEM;
        sa->cx = *cx;
        sa->cx.actor = NULL;
        sa->cx.svc = &rt->svcs[s->svc->index];
        if (sa->cx.svc != cx->svc)
            sa->cx.ext = NULL;
        sa->body = s->body;
        sim_thread_t *t = NULL;
        rc = (s->count ? ctr_spawn_protected_thread
                       : ctr_spawn_managed_thread)(target(cx, s), spawn_main,
                                                   sa, s->name, &t);
        if (rc < 0)
            return raise_plain(cx, rc, "spawn");
        return name_thread(rt, s->name, t);
    }
    case SCN_S_FIRE: {
        ctr_container_t *c = target(cx, s);
        ctr_worker_ctx_t *wc = NULL;
        rc = fire(ctr_container_find(c, s->name),
                  s->text ? expand(cx, s->text) : "", &wc);
        if (rc < 0)
            rc = raise_plain(cx, rc, "fire");
        else if (s->as && wc)
            rc = name_thread(rt, s->as, ctr_worker_thread(wc));
        record_op(cx, s, rc);
        return rc;
    }
    case SCN_S_KILL_THREAD:
    case SCN_S_WAIT_THREAD: {
        sim_thread_t *t = find_thread(rt, s->name);
        if (!t) {
            char msg[200];
            snprintf(msg, sizeof(msg), "thread '%s' was not spawned yet", s->name);
            const sim_error_t *e = sim_error_new(w, "RuntimeError", msg, 0);
            return e ? sim_raise(w, e) : SIM_ENOMEM;
        }
        if (s->kind == SCN_S_KILL_THREAD)
            return sim_thread_kill(w, t, NULL);
        return sim_thread_wait(w, t, NULL);
    }
    case SCN_S_START:
        rc = ctr_container_start(target(cx, s));
        break;
    case SCN_S_STOP:
        rc = ctr_container_stop(target(cx, s));
        break;
    case SCN_S_WAIT:
        rc = ctr_container_wait(target(cx, s));
        break;
    case SCN_S_KILL: {
        const sim_error_t *e = NULL;
        if (s->err.type || s->err.ref) {
            e = scn__make_error(cx, &s->err);
            if (!e)
                return SIM_ENOMEM;
        }
        rc = ctr_container_kill(target(cx, s), e);
        break;
    }
    case SCN_S_REGISTER:
    case SCN_S_UNREGISTER: {
        ctr_container_t *c = ctr_extension_container(cx->ext);
        ctr_extension_t *coll = ctr_container_find(c, s->name);
        rc = s->kind == SCN_S_REGISTER ? ctr_collector_register(coll, cx->ext)
                                       : ctr_collector_unregister(coll, cx->ext);
        return rc < 0 ? raise_plain(cx, rc, scn_step_name(s->kind)) : 0;
    }
    case SCN_S_EVERY:
        return every(cx, s);
    case SCN_S_REPEAT:
        for (uint64_t i = 0; i < s->count; i++) {
            rc = scn__exec(cx, s->body);
            if (rc != 0)
                return rc;
        }
        return 0;
    case SCN_S_RUNNER_START:
        rc = ctr_runner_start(rt->runner);
        break;
    case SCN_S_RUNNER_STOP:
        rc = ctr_runner_stop(rt->runner);
        break;
    case SCN_S_RUNNER_KILL:
        rc = ctr_runner_kill(rt->runner);
        break;
    case SCN_S_RUNNER_WAIT:
        rc = ctr_runner_wait(rt->runner);
        break;
    case SCN_S_HOST: {
        sim_thread_t *t = NULL;
        rc = ctr_runner_host(rt->runner, &t);
        if (rc == 0)
            rc = sim_thread_wait(w, t, NULL);
        break;
    }
    case SCN_S_INTERRUPT:
        rc = ctr_runner_interrupt(rt->runner);
        break;
    case SCN_S_CRASH:
        planted_crash((int)s->count);
        break;
    case SCN_S_REQUEST: {
        const char *reply;
        return scn__request(rt, ctr_container_find(target(cx, s), s->name),
                            s->text ? expand(cx, s->text) : "", &reply);
    }
    case SCN_S_KINDS:
        return 0;
    }
    if (rc < 0)
        rc = raise_plain(cx, rc, scn_step_name(s->kind));
    record_op(cx, s, rc);
    return rc;
}

/* `repeat` never yields, so the scheduler's step limit alone does not
 * bound a run: once a run interpreted as many steps as its step limit,
 * every further step yields first, and the step limit ends the run (HUNG,
 * "step or time limit reached") instead of it looping for good. */
static int ops_budget(scn_cx_t *cx)
{
    uint64_t limit = cx->rt->m->step_limit ? cx->rt->m->step_limit : 1000000;
    if (++cx->rt->ops <= limit)
        return 0;
    return sim_yield(cx->rt->w);
}

int scn__exec(scn_cx_t *cx, const scn_step_t *s)
{
    for (; s; s = s->next) {
        int rc = ops_budget(cx);
        if (rc < 0)
            return rc;
        rc = exec_one(cx, s);
        if (rc == 1)
            return 1;
        if (rc < 0) {
            const sim_error_t *e = sim_error_pending(cx->rt->w);
            if (s->n_catch && catches(s, e)) {
                sim_error_take(cx->rt->w);
                sim_trace(cx->rt->w, "mark", "caught", "%s: %s", e->type,
                          e->message);
                continue;
            }
            return rc;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- hooks */

static int run_hook(ctr_extension_t *ext, scn_hook_t h, ctr_worker_ctx_t *ctx,
                    const void *result, const sim_error_t *exc, int has_result,
                    const void **value)
{
    scn_extrt_t *er = ctr_extension_user(ext);
    if (er && (er->ext->timer || er->ext->tcp) && h <= SCN_HOOK_KILL) {
        int rc = builtin_hook(ext, er, h);
        if (rc < 0)
            return rc;
    }
    if (!er || !er->ext->hooks[h])
        return 0;
    /* A kill hook gets kill(exc): the running kill's error under
     * ext_kill_arg=exc (NULL otherwise), which $error shows. */
    if (h == SCN_HOOK_KILL)
        exc = ctr_container_kill_arg(ctr_extension_container(ext));
    scn_cx_t cx = {.rt = er->rt, .svc = er->svc, .ext = ext, .wctx = ctx,
                   .result = result, .exc = exc, .has_result = has_result};
    int rc = scn__exec(&cx, er->ext->hooks[h]);
    if (rc < 0)
        return rc;
    if (rc == 1 && value)
        *value = cx.ret;
    return 0;
}

static int h_setup(ctr_extension_t *e) { return run_hook(e, SCN_HOOK_SETUP, NULL, NULL, NULL, 0, NULL); }
static int h_start(ctr_extension_t *e) { return run_hook(e, SCN_HOOK_START, NULL, NULL, NULL, 0, NULL); }
static int h_stop(ctr_extension_t *e) { return run_hook(e, SCN_HOOK_STOP, NULL, NULL, NULL, 0, NULL); }
static int h_kill(ctr_extension_t *e) { return run_hook(e, SCN_HOOK_KILL, NULL, NULL, NULL, 0, NULL); }

static int h_get_dependency(ctr_extension_t *e, ctr_worker_ctx_t *ctx,
                            const void **value)
{
    return run_hook(e, SCN_HOOK_GET_DEPENDENCY, ctx, NULL, NULL, 0, value);
}

static int h_worker_setup(ctr_extension_t *e, ctr_worker_ctx_t *ctx)
{
    return run_hook(e, SCN_HOOK_WORKER_SETUP, ctx, NULL, NULL, 0, NULL);
}

static int h_worker_result(ctr_extension_t *e, ctr_worker_ctx_t *ctx,
                           const void *result, const sim_error_t *exc)
{
    return run_hook(e, SCN_HOOK_WORKER_RESULT, ctx, result, exc, 1, NULL);
}

static int h_worker_teardown(ctr_extension_t *e, ctr_worker_ctx_t *ctx)
{
    return run_hook(e, SCN_HOOK_WORKER_TEARDOWN, ctx, NULL, NULL, 0, NULL);
}

const ctr_ext_ops_t scn__ext_ops = {
    .setup = h_setup,
    .start = h_start,
    .stop = h_stop,
    .kill = h_kill,
    .get_dependency = h_get_dependency,
    .worker_setup = h_worker_setup,
    .worker_result = h_worker_result,
    .worker_teardown = h_worker_teardown,
};

int scn__method(ctr_worker_ctx_t *ctx, void *user, const void **result)
{
    scn_methrt_t *mr = user;
    scn_cx_t cx = {.rt = mr->rt, .svc = mr->svc, .wctx = ctx};
    int rc = scn__exec(&cx, mr->method->body);
    if (rc < 0)
        return rc;
    *result = rc == 1 ? cx.ret : NULL;
    return 0;
}

/* ---------------------------------------------------------------- actors */

int scn__actor_main(sim_world_t *w, void *arg)
{
    scn_cx_t *cx = arg;
    scn_actor_res_t *ar = &cx->rt->res->actors[cx->actor->index];
    int rc = 0;
    if (cx->actor->at > 0)
        rc = sim_sleep(w, cx->actor->at);
    if (rc == 0)
        rc = scn__exec(cx, cx->actor->body);
    if (rc < 0) {
        const sim_error_t *e = sim_error_take(w);
        ar->finished = 2;
        ar->named = scn__named_index(cx->rt, e);
        ar->type = sim_alloc_strdup(e ? e->type : "?");
        ar->message = sim_alloc_strdup(e ? e->message : sim_strerror(rc));
        if (!ar->type || !ar->message)
            cx->rt->oom = 1;
    } else {
        ar->finished = 1;
    }
    return 0;
}
