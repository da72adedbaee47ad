/*
 * scn_check.c - expectations over a recorded run.  Every expectation is
 * checked; the verdict names the first that failed and says why, with the
 * events that make the "why" checkable by eye, and lists every failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"
#include "sim_alloc.h"

/* ---------------------------------------------------------------- strings */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf_t;

static void sb_printf(sbuf_t *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0,
                          fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = (b->cap + (size_t)k + 1) * 2;
        char *ns = sim_realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
}

static char *sb_take(sbuf_t *b)
{
    if (b->oom) {
        sim_free(b->s);
        return NULL;
    }
    if (!b->s)
        return sim_alloc_strdup("");
    return b->s;
}

/* ---------------------------------------------------------------- matching */

int scn_glob(const char *p, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            resume = s;
        } else if (*p == '?' || *p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

int scn_pattern_match(const scn_pattern_t *p, const scn_event_t *e)
{
    if (strcmp(p->kind, "*") != 0 && strcmp(p->kind, e->kind) != 0)
        return 0;
    if (p->subject && !scn_glob(p->subject, e->subject))
        return 0;
    if (p->detail && !scn_glob(p->detail, e->detail))
        return 0;
    return 1;
}

/* ---------------------------------------------------------------- verdict */

typedef struct checker {
    const scn_model_t *m;
    const scn_result_t *r;
    sbuf_t why;
    char **details;
    size_t n_details;
    int oom;
} checker_t;

static void detail(checker_t *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void detail(checker_t *c, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    char **nd = sim_realloc(c->details, (c->n_details + 1) * sizeof(*nd));
    if (!nd) {
        c->oom = 1;
        return;
    }
    c->details = nd;
    nd[c->n_details] = sim_alloc_strdup(buf);
    if (!nd[c->n_details]) {
        c->oom = 1;
        return;
    }
    c->n_details++;
}

static void event_line(checker_t *c, const char *prefix, const scn_event_t *e)
{
    char t[32];
    scn_format_time(e->time, t, sizeof(t));
    detail(c, "%s#%llu %s %s %s%s%s", prefix, (unsigned long long)e->seq, t,
           e->kind, e->subject, e->detail[0] ? " " : "", e->detail);
}

static void event_text(const scn_event_t *e, char *buf, size_t n)
{
    char t[32];
    scn_format_time(e->time, t, sizeof(t));
    snprintf(buf, n, "#%llu (%s) %s %s%s%s", (unsigned long long)e->seq, t,
             e->kind, e->subject, e->detail[0] ? " " : "", e->detail);
}

#define MAX_LISTED 10

/* List events "like" p (same kind) to help see what happened instead. */
static void similar(checker_t *c, const scn_pattern_t *p, size_t from)
{
    size_t n = 0, shown = 0;
    for (size_t i = from; i < c->r->n_events; i++) {
        const scn_event_t *e = &c->r->events[i];
        if (strcmp(p->kind, "*") != 0 && strcmp(p->kind, e->kind) != 0)
            continue;
        n++;
        if (shown < MAX_LISTED) {
            event_line(c, "seen: ", e);
            shown++;
        }
    }
    if (n > shown)
        detail(c, "... and %zu more %s events", n - shown, p->kind);
    if (n == 0)
        detail(c, "no %s events at all%s", p->kind,
               from ? " after that point" : "");
}

static long find(const scn_result_t *r, const scn_pattern_t *p, size_t from)
{
    for (size_t i = from; i < r->n_events; i++)
        if (scn_pattern_match(p, &r->events[i]))
            return (long)i;
    return -1;
}

static int check_seen(checker_t *c, const scn_expect_t *x)
{
    size_t from = 0;
    long prev = -1;
    for (size_t k = 0; k < x->n_pats; k++) {
        long i = find(c->r, &x->pats[k], from);
        if (i < 0) {
            if (k == 0) {
                sb_printf(&c->why, "no event matched `%s`", x->pats[k].text);
                similar(c, &x->pats[k], 0);
            } else {
                char ev[600];
                event_text(&c->r->events[prev], ev, sizeof(ev));
                long before = find(c->r, &x->pats[k], 0);
                sb_printf(&c->why, "no `%s` after `%s` (%s)", x->pats[k].text,
                          x->pats[k - 1].text, ev);
                if (before >= 0)
                    event_line(c, "only before it: ", &c->r->events[before]);
                else
                    similar(c, &x->pats[k], 0);
            }
            return 0;
        }
        prev = i;
        from = (size_t)i + 1;
    }
    return 1;
}

/* never P; never P after Q (no P after the first Q; none at all if no Q);
 * never P before Q (no P before the first Q; if no Q, no P at all). */
static int check_never(checker_t *c, const scn_expect_t *x)
{
    size_t from = 0, to = c->r->n_events;
    char qev[600] = "";
    long q = -1;
    if (x->kind == SCN_X_NEVER_AFTER) {
        q = find(c->r, &x->pats[1], 0);
        if (q < 0)
            return 1;
        event_text(&c->r->events[q], qev, sizeof(qev));
        from = (size_t)q + 1;
    } else if (x->kind == SCN_X_NEVER_BEFORE) {
        q = find(c->r, &x->pats[1], 0);
        if (q >= 0) {
            event_text(&c->r->events[q], qev, sizeof(qev));
            to = (size_t)q;
        }
    }
    long i = -1;
    for (size_t j = from; j < to && i < 0; j++)
        if (scn_pattern_match(&x->pats[0], &c->r->events[j]))
            i = (long)j;
    if (i < 0)
        return 1;
    char ev[600];
    event_text(&c->r->events[i], ev, sizeof(ev));
    if (x->kind == SCN_X_NEVER_AFTER)
        sb_printf(&c->why, "%s came after %s", ev, qev);
    else if (x->kind == SCN_X_NEVER_BEFORE && q >= 0)
        sb_printf(&c->why, "%s came before %s", ev, qev);
    else if (x->kind == SCN_X_NEVER_BEFORE)
        sb_printf(&c->why, "matched by %s, and no event matched `%s`", ev,
                  x->pats[1].text);
    else
        sb_printf(&c->why, "matched by %s", ev);
    size_t extra = 0;
    for (size_t j = (size_t)i + 1; j < to; j++)
        if (scn_pattern_match(&x->pats[0], &c->r->events[j]) &&
            extra++ < MAX_LISTED)
            event_line(c, "also: ", &c->r->events[j]);
    return 0;
}

static int check_count(checker_t *c, const scn_expect_t *x)
{
    uint64_t n = 0;
    for (size_t i = 0; i < c->r->n_events; i++)
        if (scn_pattern_match(&x->pats[0], &c->r->events[i]))
            n++;
    int ok = x->cmp == SCN_CMP_EQ ? n == x->count
             : x->cmp == SCN_CMP_GE ? n >= x->count
                                    : n <= x->count;
    if (ok)
        return 1;
    static const char *const words[] = {"exactly", "at least", "at most"};
    sb_printf(&c->why, "counted %llu `%s`, expected %s %llu",
              (unsigned long long)n, x->pats[0].text, words[x->cmp],
              (unsigned long long)x->count);
    size_t shown = 0;
    for (size_t i = 0; i < c->r->n_events && shown < MAX_LISTED; i++)
        if (scn_pattern_match(&x->pats[0], &c->r->events[i])) {
            event_line(c, "matched: ", &c->r->events[i]);
            shown++;
        }
    return 0;
}

/* By type (and message glob), or, for a named error, by identity: the
 * very object the run created for that name. */
static int err_matches(const scn_errspec_t *want, const char *type,
                       const char *message, int named)
{
    if (want->ref)
        return named == want->ref_index;
    if (strcmp(want->type, type) != 0)
        return 0;
    return !want->message || scn_glob(want->message, message ? message : "");
}

static void want_text(const checker_t *c, const scn_expect_t *x,
                      char *buf, size_t n)
{
    if (x->res == SCN_R_RETURNS)
        snprintf(buf, n, "to return");
    else if (x->err.ref)
        snprintf(buf, n, "to raise the error object %s = %s(\"%s\")",
                 x->err.ref, c->m->errors[x->err.ref_index].spec.type,
                 c->m->errors[x->err.ref_index].spec.message
                     ? c->m->errors[x->err.ref_index].spec.message
                     : "");
    else if (x->err.message)
        snprintf(buf, n, "to raise %s \"%s\"", x->err.type, x->err.message);
    else
        snprintf(buf, n, "to raise %s", x->err.type);
}

/* "another " when an identity check failed on an error that looks the same. */
static const char *other_object(const checker_t *c, const scn_expect_t *x,
                                const char *type, const char *message, int named)
{
    if (!x->err.ref || named == x->err.ref_index)
        return "";
    const scn_errspec_t *e = &c->m->errors[x->err.ref_index].spec;
    return strcmp(e->type, type) == 0 &&
                   strcmp(e->message ? e->message : "", message) == 0
               ? "another "
               : "";
}

static int check_op(checker_t *c, const scn_expect_t *x)
{
    size_t n = 0;
    char want[300];
    want_text(c, x, want, sizeof(want));
    for (size_t i = 0; i < c->r->n_ops; i++) {
        const scn_opres_t *o = &c->r->ops[i];
        if (o->op != x->op || (x->svc && o->svc != x->svc))
            continue;
        n++;
        int ok = x->res == SCN_R_RETURNS
                     ? !o->raised
                     : o->raised &&
                           err_matches(&x->err, o->type, o->message, o->named);
        if (!ok) {
            if (o->raised)
                sb_printf(&c->why, "actor %s's %s raised %s%s: %s (expected it %s)",
                          o->actor->name, scn_step_name(o->op),
                          other_object(c, x, o->type, o->message, o->named),
                          o->type, o->message, want);
            else
                sb_printf(&c->why, "actor %s's %s returned (expected it %s)",
                          o->actor->name, scn_step_name(o->op), want);
            return 0;
        }
    }
    if (n == 0) {
        sb_printf(&c->why, "no actor's `%s`%s%s completed (expected it %s)",
                  scn_step_name(x->op), x->svc ? " on " : "",
                  x->svc ? x->svc->name : "", want);
        for (size_t i = 0; i < c->r->n_blocked; i++)
            detail(c, "blocked: thread %u %s: %s", c->r->blocked[i].id,
                   c->r->blocked[i].name, c->r->blocked[i].waiting_on);
        return 0;
    }
    return 1;
}

static int check_actor(checker_t *c, const scn_expect_t *x)
{
    const scn_actor_res_t *a = &c->r->actors[x->actor->index];
    const char *name = x->actor->name;
    if (x->res == SCN_R_BLOCKED) {
        if (a->finished == 0)
            return 1;
        if (a->finished == 1)
            sb_printf(&c->why, "actor %s finished (it returned)", name);
        else
            sb_printf(&c->why, "actor %s finished (it raised %s: %s)", name,
                      a->type, a->message);
        return 0;
    }
    char want[300];
    want_text(c, x, want, sizeof(want));
    if (a->finished == 0) {
        sb_printf(&c->why, "actor %s never finished (expected it %s)", name, want);
        for (size_t i = 0; i < c->r->n_blocked; i++)
            if (strcmp(c->r->blocked[i].name, name) == 0)
                detail(c, "blocked: thread %u %s: %s", c->r->blocked[i].id,
                       c->r->blocked[i].name, c->r->blocked[i].waiting_on);
        return 0;
    }
    if (x->res == SCN_R_RETURNS) {
        if (a->finished == 1)
            return 1;
        sb_printf(&c->why, "actor %s raised %s: %s (expected it to return)", name,
                  a->type, a->message);
        return 0;
    }
    if (a->finished == 2 && err_matches(&x->err, a->type, a->message, a->named))
        return 1;
    if (a->finished == 1)
        sb_printf(&c->why, "actor %s returned (expected it %s)", name, want);
    else
        sb_printf(&c->why, "actor %s raised %s%s: %s (expected it %s)", name,
                  other_object(c, x, a->type, a->message, a->named), a->type,
                  a->message, want);
    return 0;
}

static int check_final(checker_t *c, const scn_expect_t *x)
{
    if (x->final == SCN_F_HUNG) {
        if (c->r->hung)
            return 1;
        sb_printf(&c->why, "expected the run to hang, but every thread finished");
        return 0;
    }
    int dead = c->r->svcs[x->svc->index].dead;
    if ((x->final == SCN_F_DEAD) == !!dead)
        return 1;
    sb_printf(&c->why, "container %s is %s at the end", x->svc->name,
              dead ? "dead" : "alive (its _died was never sent)");
    return 0;
}

static int check_leftover(checker_t *c)
{
    int ok = c->r->n_blocked == 0;
    for (const scn_service_t *s = c->m->services; s; s = s->next) {
        const scn_svc_res_t *sr = &c->r->svcs[s->index];
        if (sr->workers || sr->managed) {
            if (ok)
                sb_printf(&c->why, "container %s still tracks %zu worker(s) and "
                                   "%zu managed thread(s)",
                          s->name, sr->workers, sr->managed);
            ok = 0;
        }
    }
    if (c->r->n_blocked) {
        if (ok || !c->why.n)
            sb_printf(&c->why, "%zu thread(s) left blocked", c->r->n_blocked);
        for (size_t i = 0; i < c->r->n_blocked; i++)
            detail(c, "blocked: thread %u %s: %s", c->r->blocked[i].id,
                   c->r->blocked[i].name, c->r->blocked[i].waiting_on);
        ok = 0;
    }
    return ok;
}

static int check_one(checker_t *c, const scn_expect_t *x)
{
    switch (x->kind) {
    case SCN_X_SEEN: return check_seen(c, x);
    case SCN_X_NEVER:
    case SCN_X_NEVER_AFTER:
    case SCN_X_NEVER_BEFORE: return check_never(c, x);
    case SCN_X_COUNT: return check_count(c, x);
    case SCN_X_OP: return check_op(c, x);
    case SCN_X_ACTOR: return check_actor(c, x);
    case SCN_X_FINAL: return check_final(c, x);
    case SCN_X_NO_LEFTOVER: return check_leftover(c);
    }
    return 1;
}

static void clear_details(checker_t *c)
{
    for (size_t i = 0; i < c->n_details; i++)
        sim_free(c->details[i]);
    sim_free(c->details);
    c->details = NULL;
    c->n_details = 0;
    sim_free(c->why.s);
    memset(&c->why, 0, sizeof(c->why));
}

static int add_failure(scn_verdict_t *v, const scn_expect_t *x,
                       const char *why)
{
    scn_failure_t *nf =
        sim_realloc(v->failures, (v->n_failures + 1) * sizeof(*nf));
    if (!nf)
        return SCN_ENOMEM;
    v->failures = nf;
    nf[v->n_failures].x = x;
    nf[v->n_failures].why = sim_alloc_strdup(why ? why : "");
    if (!nf[v->n_failures].why)
        return SCN_ENOMEM;
    v->n_failures++;
    return 0;
}

/* How many of the last scheduler switches a livelock verdict looks at. */
enum { SPIN_WINDOW = 100, SPIN_SHOWN = 4 };

/* The HUNG summary of a run that hit a limit: which limit, and the threads
 * that kept running up to it, i.e. those resumed in the last SPIN_WINDOW
 * switches (the trace's `run` events), most switches first, then by id.
 * At the time limit a thread counts only when it was resumed at three or
 * more virtual times in the window (it kept waking as the clock advanced):
 * one long sleep past the limit, or threads that all ran at one instant
 * and then waited, is not spinning, and the summary names the threads
 * still alive instead.  It depends only on the trace, so it is the same on
 * every replay. */
static void livelock_why(sbuf_t *b, const scn_model_t *m,
                         const scn_result_t *r, const char *at)
{
    uint64_t steps = m->step_limit ? m->step_limit : 1000000;
    int step_limit = r->end_steps >= steps;
    struct spin {
        unsigned id, runs, times;
        sim_time_t last;
    } spin[SPIN_WINDOW];
    size_t n = 0, window = 0;
    for (size_t i = r->n_events; i-- > 0 && window < SPIN_WINDOW;) {
        const scn_event_t *e = &r->events[i];
        if (strcmp(e->kind, "run") != 0)
            continue;
        window++;
        size_t k = 0;
        while (k < n && spin[k].id != e->thread)
            k++;
        if (k == n)
            spin[n++] = (struct spin){e->thread, 0, 0, e->time};
        spin[k].runs++;
        /* backwards, so a thread's times only decrease: a change is new */
        if (spin[k].runs == 1 || e->time != spin[k].last)
            spin[k].times++;
        spin[k].last = e->time;
    }
    if (!step_limit) {
        size_t kept = 0;
        for (size_t i = 0; i < n; i++)
            if (spin[i].times >= 3)
                spin[kept++] = spin[i];
        n = kept;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort: n <= SPIN_WINDOW */
        for (size_t k = i; k > 0 &&
                           (spin[k].runs > spin[k - 1].runs ||
                            (spin[k].runs == spin[k - 1].runs &&
                             spin[k].id < spin[k - 1].id));
             k--) {
            struct spin tmp = spin[k];
            spin[k] = spin[k - 1];
            spin[k - 1] = tmp;
        }
    if (step_limit)
        sb_printf(b, "livelock: step limit reached (%llu switch%s) at %s",
                  (unsigned long long)steps, steps == 1 ? "" : "es", at);
    else {
        char lim[32];
        scn_format_time(m->time_limit ? m->time_limit : SIM_S(3600), lim,
                        sizeof(lim));
        sb_printf(b, "%stime limit reached (%s of virtual time) at step %llu",
                  n ? "livelock: " : "", lim,
                  (unsigned long long)r->end_steps);
        if (n == 0) {
            /* Nothing spun: the clock jumped past the limit to the next
             * wake-up.  Who is left is what to look at. */
            sb_printf(b, "; no thread kept switching");
            for (size_t i = 0; i < r->n_blocked && i < SPIN_SHOWN; i++)
                sb_printf(b, "%s thread %u %s", i ? "," : "; still alive:",
                          r->blocked[i].id, r->blocked[i].name);
            if (r->n_blocked > SPIN_SHOWN)
                sb_printf(b, " and %zu more", r->n_blocked - SPIN_SHOWN);
            return;
        }
    }
    if (n == 0) {
        sb_printf(b, "; no thread ran");
        return;
    }
    sb_printf(b, "; spinning in the last %zu switch%s:", window,
              window == 1 ? "" : "es");
    for (size_t i = 0; i < n && i < SPIN_SHOWN; i++) {
        const char *name = spin[i].id < r->n_thread_names &&
                                   r->thread_names[spin[i].id]
                               ? r->thread_names[spin[i].id]
                               : "?";
        sb_printf(b, "%s thread %u %s (%u)", i ? "," : "", spin[i].id, name,
                  spin[i].runs);
    }
    if (n > SPIN_SHOWN)
        sb_printf(b, " and %zu more", n - SPIN_SHOWN);
}

int scn_check(const scn_model_t *m, const scn_result_t *r, scn_verdict_t *v)
{
    memset(v, 0, sizeof(*v));
    checker_t c = {.m = m, .r = r};
    int hung = r->hung && !m->expects_hung;
    int oom = 0;
    if (m->n_sometimes) {
        v->sometimes = sim_calloc(m->n_sometimes, 1);
        if (!v->sometimes)
            return SCN_ENOMEM;
        v->n_sometimes = m->n_sometimes;
    }
    /* Every expectation is checked, even in a run that hung unexpectedly:
     * what failed (a stop that never returned) says why it hung. */
    for (const scn_expect_t *x = m->expects; x; x = x->next) {
        checker_t one = {.m = m, .r = r};
        if (x->sometimes) {
            /* counted, never failed: whether it held is all that is kept */
            v->sometimes[x->sometimes_index] = (unsigned char)check_one(&one, x);
            oom |= one.oom || one.why.oom;
            clear_details(&one);
            continue;
        }
        if (check_one(&one, x)) {
            clear_details(&one);
            continue;
        }
        v->n_failed++;
        if (one.oom || one.why.oom ||
            add_failure(v, x, one.why.s ? one.why.s : "") < 0)
            oom = 1;
        if (v->failed || hung) {
            clear_details(&one);
            continue;
        }
        v->failed = x;
        c = one;
    }
    if (hung) {
        char t[32];
        scn_format_time(r->end_time, t, sizeof(t));
        v->kind = SCN_HUNG;
        v->failed = NULL;
        if (r->run_rc == SIM_ELIMIT)
            livelock_why(&c.why, m, r, t);
        else
            sb_printf(&c.why, "%zu thread(s) blocked at %s (step %llu), "
                              "nothing can wake them",
                      r->n_blocked, t, (unsigned long long)r->end_steps);
        /* Capped: a 30000-thread deadlock is not read line by line, and the
         * first few (spawn order) show the shape. */
        for (size_t i = 0; i < r->n_blocked && i < SCN_BLOCKED_SHOWN; i++)
            detail(&c, "thread %u %s: %s", r->blocked[i].id, r->blocked[i].name,
                   r->blocked[i].waiting_on);
        if (r->n_blocked > SCN_BLOCKED_SHOWN)
            detail(&c, "... and %zu more blocked thread%s",
                   r->n_blocked - SCN_BLOCKED_SHOWN,
                   r->n_blocked - SCN_BLOCKED_SHOWN == 1 ? "" : "s");
    } else {
        v->kind = v->failed ? SCN_FAIL : SCN_PASS;
        if (r->run_rc == SIM_ECRASH) {
            /* A crashed thread fails the scenario whatever it expected. */
            if (!v->failed) {
                clear_details(&c);
                /* Name the thread: the trace's `crash T stack overflow`. */
                const char *who = NULL;
                for (size_t i = 0; i < r->n_events && !who; i++)
                    if (strcmp(r->events[i].kind, "crash") == 0)
                        who = r->events[i].subject;
                if (who)
                    sb_printf(&c.why, "green thread '%s' crashed (stack "
                                      "overflow)",
                              who);
                else
                    sb_printf(&c.why,
                              "a green thread crashed (stack overflow)");
                v->n_failed++;
            }
            v->kind = SCN_FAIL;
        }
    }
    v->why = sb_take(&c.why);
    v->details = c.details;
    v->n_details = c.n_details;
    if (!v->why || c.oom || oom) {
        scn_verdict_free(v);
        return SCN_ENOMEM;
    }
    return 0;
}

void scn_verdict_free(scn_verdict_t *v)
{
    for (size_t i = 0; i < v->n_failures; i++)
        sim_free(v->failures[i].why);
    sim_free(v->failures);
    for (size_t i = 0; i < v->n_details; i++)
        sim_free(v->details[i]);
    sim_free(v->details);
    sim_free(v->why);
    sim_free(v->sometimes);
    memset(v, 0, sizeof(*v));
}
