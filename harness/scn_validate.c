/*
 * scn_validate.c - name resolution and cross-checks of a parsed model:
 * every event, service, extension, method, thread, actor and error type a
 * scenario mentions must exist, and names must be unique.  Targets of
 * container operations are resolved here, so the interpreter never looks a
 * name up that might not exist.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scn_lex.h"

int scn__diag_at(const scn_model_t *m, scn_diag_t *d, scn_pos_t pos,
                 const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *text = "";
    if (pos.line >= 1 && (size_t)pos.line <= m->n_src)
        text = m->src[pos.line];
    return scn__diag(d, m->path, pos.line, pos.col, text, "%s", msg);
}

typedef struct strset {
    const char **v;
    size_t n, cap;
} strset_t;

typedef struct vctx {
    scn_model_t *m;
    scn_diag_t *d;
    strset_t raised;
    strset_t threads;
    strset_t sent;
} vctx_t;

static int set_has(const strset_t *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return 1;
    return 0;
}

static int set_add(scn_arena_t *a, strset_t *s, const char *x)
{
    if (!x || set_has(s, x))
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        const char **nv = scn_arena_alloc(a, cap * sizeof(*nv));
        if (!nv)
            return SCN_ENOMEM;
        if (s->n)
            memcpy(nv, s->v, s->n * sizeof(*nv));
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

#define TRY(x)                                                                 \
    do {                                                                       \
        int rc_ = (x);                                                         \
        if (rc_ < 0)                                                           \
            return rc_;                                                        \
    } while (0)

static const char *const builtin_errors[] = {
    "Exception",    "ContainerBeingKilled", "AssertionError", "RuntimeError",
    "GreenletExit", "KeyboardInterrupt",    "SystemExit",     NULL,
};

static int known_error(const vctx_t *v, const char *t)
{
    for (size_t i = 0; builtin_errors[i]; i++)
        if (strcmp(builtin_errors[i], t) == 0)
            return 1;
    return set_has(&v->raised, t);
}

static const scn_service_t *find_service(const scn_model_t *m, const char *n)
{
    for (const scn_service_t *s = m->services; s; s = s->next)
        if (strcmp(s->name, n) == 0)
            return s;
    return NULL;
}

static const scn_ext_t *find_ext_in(const scn_ext_t *e, const char *n)
{
    for (; e; e = e->next) {
        if (strcmp(e->name, n) == 0)
            return e;
        const scn_ext_t *r = find_ext_in(e->subs, n);
        if (r)
            return r;
    }
    return NULL;
}

static const scn_ext_t *find_ext(const scn_service_t *s, const char *n)
{
    const scn_ext_t *e = find_ext_in(s->deps, n);
    return e ? e : find_ext_in(s->eps, n);
}

static int is_event(const vctx_t *v, const char *n)
{
    for (size_t i = 0; i < v->m->n_events; i++)
        if (strcmp(v->m->events[i], n) == 0)
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- pass 1 */

/* Collect what steps define: sent events, raised error types, thread names;
 * decide `kill WORD`. */
static int collect(vctx_t *v, scn_step_t *s)
{
    scn_arena_t *a = &v->m->arena;
    for (; s; s = s->next) {
        if (s->kind == SCN_S_KILL && s->maybe_svc) {
            if (find_service(v->m, s->err.type)) {
                s->svc_name = s->err.type;
                s->err.type = NULL;
            } else if (!(s->err.type[0] >= 'A' && s->err.type[0] <= 'Z')) {
                return scn__diag_at(v->m, v->d, s->err.pos,
                                    "undefined service '%s' (or, for an error "
                                    "type, capitalise it)",
                                    s->err.type);
            }
            s->maybe_svc = 0;
        }
        if (s->kind == SCN_S_SEND)
            TRY(set_add(a, &v->sent, s->name));
        if ((s->kind == SCN_S_RAISE || s->kind == SCN_S_KILL) && s->err.type)
            TRY(set_add(a, &v->raised, s->err.type));
        if (s->kind == SCN_S_SPAWN && s->name)
            TRY(set_add(a, &v->threads, s->name));
        if (s->kind == SCN_S_FIRE && s->as)
            TRY(set_add(a, &v->threads, s->as));
        TRY(collect(v, s->body));
    }
    return 0;
}

static int collect_ext(vctx_t *v, scn_ext_t *e)
{
    for (; e; e = e->next) {
        for (int h = 0; h < SCN_HOOK_COUNT; h++)
            TRY(collect(v, e->hooks[h]));
        TRY(collect_ext(v, e->subs));
    }
    return 0;
}

/* ---------------------------------------------------------------- pass 2 */

static int resolve_svc(vctx_t *v, scn_step_t *s, const scn_service_t *own)
{
    if (s->svc_name) {
        s->svc = find_service(v->m, s->svc_name);
        if (!s->svc)
            return scn__diag_at(v->m, v->d, s->name_pos.line ? s->name_pos : s->pos,
                                "undefined service '%s'", s->svc_name);
        return 0;
    }
    if (own) {
        s->svc = own;
        return 0;
    }
    if (v->m->n_services == 1) {
        s->svc = v->m->services;
        return 0;
    }
    return scn__diag_at(v->m, v->d, s->pos,
                        "several services: say which one '%s' is for (e.g. "
                        "'%s %s')",
                        scn_step_name(s->kind), scn_step_name(s->kind),
                        v->m->services->name);
}

static int check_types(vctx_t *v, const char **types, const scn_pos_t *pos,
                       size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(types[i], "*") != 0 && !known_error(v, types[i]))
            return scn__diag_at(v->m, v->d, pos[i],
                                "undefined error type '%s' (never raised in this "
                                "file and not built in)",
                                types[i]);
    return 0;
}

static int check_steps(vctx_t *v, scn_step_t *s, const scn_service_t *own,
                       const scn_ext_t *ext)
{
    for (; s; s = s->next) {
        TRY(check_types(v, s->catch_types, s->catch_pos, s->n_catch));
        switch (s->kind) {
        case SCN_S_WAIT_EVENT:
            if (find_service(v->m, s->name)) {
                s->kind = SCN_S_WAIT;
                s->svc_name = s->name;
                s->name = NULL;
                TRY(resolve_svc(v, s, own));
            } else if (!is_event(v, s->name)) {
                return scn__diag_at(v->m, v->d, s->name_pos,
                                    "undefined event '%s' (never sent; declare "
                                    "it with 'event %s' to wait forever)",
                                    s->name, s->name);
            }
            break;
        case SCN_S_RESET:
            if (!is_event(v, s->name))
                return scn__diag_at(v->m, v->d, s->name_pos,
                                    "undefined event '%s'", s->name);
            break;
        case SCN_S_EVERY:
            if (s->until && !is_event(v, s->until))
                return scn__diag_at(v->m, v->d, s->until_pos,
                                    "undefined event '%s' (never sent)", s->until);
            break;
        case SCN_S_START:
        case SCN_S_STOP:
        case SCN_S_WAIT:
        case SCN_S_KILL:
        case SCN_S_SPAWN:
            TRY(resolve_svc(v, s, own));
            break;
        case SCN_S_FIRE: {
            TRY(resolve_svc(v, s, own));
            const scn_ext_t *e = find_ext_in(s->svc->eps, s->name);
            if (!e || e->kind != CTR_ENTRYPOINT)
                return scn__diag_at(v->m, v->d, s->name_pos,
                                    "undefined entrypoint '%s' in service '%s'",
                                    s->name, s->svc->name);
            break;
        }
        case SCN_S_KILL_THREAD:
        case SCN_S_WAIT_THREAD:
            if (!set_has(&v->threads, s->name))
                return scn__diag_at(v->m, v->d, s->name_pos,
                                    "undefined thread '%s' (name one with "
                                    "'spawn %s:' or 'fire EP as %s')",
                                    s->name, s->name, s->name);
            break;
        case SCN_S_REGISTER:
        case SCN_S_UNREGISTER: {
            const scn_ext_t *c = own ? find_ext(own, s->name) : NULL;
            if (!c)
                return scn__diag_at(v->m, v->d, s->name_pos,
                                    "undefined extension '%s'", s->name);
            if (!c->collector)
                return scn__diag_at(v->m, v->d, s->name_pos,
                                    "extension '%s' is not a collector (add "
                                    "'collector' to its line)",
                                    s->name);
            (void)ext;
            break;
        }
        case SCN_S_RUNNER_START:
        case SCN_S_RUNNER_STOP:
        case SCN_S_RUNNER_KILL:
        case SCN_S_RUNNER_WAIT:
        case SCN_S_HOST:
        case SCN_S_INTERRUPT:
            if (!v->m->has_runner)
                return scn__diag_at(v->m, v->d, s->pos,
                                    "no runner declared (add 'runner SERVICE...')");
            break;
        default:
            break;
        }
        TRY(check_steps(v, s->body, own, ext));
    }
    return 0;
}

static int check_ext_tree(vctx_t *v, const scn_service_t *svc, scn_ext_t *e,
                          strset_t *names)
{
    for (; e; e = e->next) {
        if (set_has(names, e->name)) {
            const scn_ext_t *o = find_ext(svc, e->name);
            const char *k1 = e->key ? e->key : e->name;
            const char *k2 = o && o->key ? o->key : (o ? o->name : "");
            if (!(o && o->shared && e->shared && strcmp(k1, k2) == 0))
                return scn__diag_at(v->m, v->d, e->pos,
                                    "duplicate extension '%s' in service '%s'",
                                    e->name, svc->name);
        }
        TRY(set_add(&v->m->arena, names, e->name));
        if (e->kind == CTR_ENTRYPOINT) {
            const scn_method_t *mm;
            for (mm = svc->methods; mm; mm = mm->next)
                if (strcmp(mm->name, e->method) == 0)
                    break;
            if (!mm)
                return scn__diag_at(v->m, v->d, e->method_pos,
                                    "undefined method '%s' in service '%s'",
                                    e->method, svc->name);
            TRY(check_types(v, e->expected, e->expected_pos, e->n_expected));
        }
        for (int h = 0; h < SCN_HOOK_COUNT; h++)
            TRY(check_steps(v, e->hooks[h], svc, e));
        TRY(check_ext_tree(v, svc, e->subs, names));
    }
    return 0;
}

static int has_glob(const char *s) { return strpbrk(s, "*?") != NULL; }

static int any_ext(const scn_model_t *m, const char *name)
{
    for (const scn_service_t *s = m->services; s; s = s->next)
        if (find_ext(s, name))
            return 1;
    return 0;
}

static int check_pattern(vctx_t *v, const scn_expect_t *x,
                         const scn_pattern_t *p)
{
    static const char *const levels[] = {"debug", "info", "warning", "error",
                                         "critical", NULL};
    if (!p->subject || has_glob(p->subject))
        return 0;
    if (strcmp(p->kind, "log") == 0) {
        for (size_t i = 0; levels[i]; i++)
            if (strcmp(levels[i], p->subject) == 0)
                return 0;
        return scn__diag_at(v->m, v->d, x->pos,
                            "unknown log level '%s' in '%s' (debug, info, "
                            "warning, error or critical)",
                            p->subject, p->text);
    }
    if (strcmp(p->kind, "call") == 0 || strcmp(p->kind, "ret") == 0) {
        const char *dot = strrchr(p->subject, '.');
        if (!dot)
            return scn__diag_at(v->m, v->d, x->pos,
                                "expected EXT.HOOK in '%s'", p->text);
        char ext[256];
        snprintf(ext, sizeof(ext), "%.*s", (int)(dot - p->subject), p->subject);
        const scn_service_t *svc = find_service(v->m, ext);
        if (svc) {
            /* "call SVC.METHOD": the container traces method calls too. */
            for (const scn_method_t *mm = svc->methods; mm; mm = mm->next)
                if (strcmp(mm->name, dot + 1) == 0)
                    return 0;
            return scn__diag_at(v->m, v->d, x->pos,
                                "undefined method '%s' in '%s'", dot + 1, p->text);
        }
        if (!any_ext(v->m, ext))
            return scn__diag_at(v->m, v->d, x->pos,
                                "undefined extension '%s' in '%s'", ext, p->text);
        int ok = 0;
        for (int h = 0; h < SCN_HOOK_COUNT; h++)
            if (strcmp(dot + 1, scn_hook_names[h]) == 0)
                ok = 1;
        if (!ok)
            return scn__diag_at(v->m, v->d, x->pos, "unknown hook '%s' in '%s'",
                                dot + 1, p->text);
    }
    if (strcmp(p->kind, "state") == 0 && !find_service(v->m, p->subject))
        return scn__diag_at(v->m, v->d, x->pos, "undefined service '%s' in '%s'",
                            p->subject, p->text);
    return 0;
}

static int check_expect(vctx_t *v, scn_expect_t *x)
{
    for (size_t i = 0; i < x->n_pats; i++)
        TRY(check_pattern(v, x, &x->pats[i]));
    if (x->err.type && !known_error(v, x->err.type))
        return scn__diag_at(v->m, v->d, x->err.pos,
                            "undefined error type '%s' (never raised in this "
                            "file and not built in)",
                            x->err.type);
    if (x->svc_name) {
        x->svc = find_service(v->m, x->svc_name);
        if (!x->svc)
            return scn__diag_at(v->m, v->d, x->pos, "undefined service '%s'",
                                x->svc_name);
    }
    if (x->kind == SCN_X_ACTOR) {
        for (const scn_actor_t *a = v->m->actors; a; a = a->next)
            if (strcmp(a->name, x->actor_name) == 0)
                x->actor = a;
        if (!x->actor)
            return scn__diag_at(v->m, v->d, x->pos, "undefined actor '%s'",
                                x->actor_name);
    }
    if (x->kind == SCN_X_FINAL && !x->svc && x->final != SCN_F_HUNG) {
        if (v->m->n_services > 1)
            return scn__diag_at(v->m, v->d, x->pos,
                                "several services: say which one (e.g. 'final "
                                "%s dead')",
                                v->m->services->name);
        x->svc = v->m->services;
    }
    return 0;
}

int scn__validate(scn_model_t *m, scn_diag_t *d)
{
    vctx_t v = {.m = m, .d = d};
    scn_pos_t top = {1, 1};
    if (!m->services)
        return scn__diag_at(m, d, top, "no service defined");
    if (!m->actors)
        return scn__diag_at(m, d, top, "no actor defined (nothing would run)");
    /* Unique names. */
    for (scn_service_t *s = m->services; s; s = s->next) {
        for (scn_service_t *o = m->services; o != s; o = o->next)
            if (strcmp(o->name, s->name) == 0)
                return scn__diag_at(m, d, s->pos, "duplicate service '%s'",
                                    s->name);
        for (scn_method_t *mm = s->methods; mm; mm = mm->next)
            for (scn_method_t *o = s->methods; o != mm; o = o->next)
                if (strcmp(o->name, mm->name) == 0)
                    return scn__diag_at(m, d, mm->pos,
                                        "duplicate method '%s' in service '%s'",
                                        mm->name, s->name);
    }
    for (scn_actor_t *a = m->actors; a; a = a->next)
        for (scn_actor_t *o = m->actors; o != a; o = o->next)
            if (strcmp(o->name, a->name) == 0)
                return scn__diag_at(m, d, a->pos, "duplicate actor '%s'", a->name);
    for (size_t i = 0; i < m->n_events; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->events[i], m->events[j]) == 0) {
                /* Find the line of the second declaration for the caret. */
                scn_pos_t pos = top;
                for (size_t l = 1; l <= m->n_src; l++) {
                    const char *t = m->src[l];
                    while (*t == ' ')
                        t++;
                    if (strncmp(t, "event", 5) == 0 && (t[5] == ' ')) {
                        const char *f = strstr(t + 5, m->events[i]);
                        if (f && (pos.line = (int)l, 1))
                            pos.col = (int)(f - m->src[l]) + 1;
                    }
                }
                return scn__diag_at(m, d, pos, "duplicate event '%s'",
                                    m->events[i]);
            }
    /* Pass 1. */
    for (scn_service_t *s = m->services; s; s = s->next) {
        TRY(collect_ext(&v, s->deps));
        TRY(collect_ext(&v, s->eps));
        for (scn_method_t *mm = s->methods; mm; mm = mm->next)
            TRY(collect(&v, mm->body));
    }
    for (scn_actor_t *a = m->actors; a; a = a->next)
        TRY(collect(&v, a->body));
    for (size_t i = 0; i < v.sent.n; i++)
        if (!is_event(&v, v.sent.v[i])) {
            const char **ne = scn_arena_alloc(&m->arena,
                                              (m->n_events + 1) * sizeof(*ne));
            if (!ne)
                return SCN_ENOMEM;
            if (m->n_events)
                memcpy(ne, m->events, m->n_events * sizeof(*ne));
            ne[m->n_events++] = v.sent.v[i];
            m->events = ne;
        }
    for (size_t i = 0; i < m->n_events; i++)
        if (find_service(m, m->events[i])) {
            const scn_service_t *s = find_service(m, m->events[i]);
            return scn__diag_at(m, d, s->pos,
                                "'%s' is both a service and an event (rename one)",
                                s->name);
        }
    /* Pass 2. */
    for (scn_service_t *s = m->services; s; s = s->next) {
        strset_t names = {0};
        TRY(check_ext_tree(&v, s, s->deps, &names));
        TRY(check_ext_tree(&v, s, s->eps, &names));
        for (scn_method_t *mm = s->methods; mm; mm = mm->next)
            TRY(check_steps(&v, mm->body, s, NULL));
    }
    for (scn_actor_t *a = m->actors; a; a = a->next)
        TRY(check_steps(&v, a->body, NULL, NULL));
    if (m->has_runner) {
        m->runner_svcs = scn_arena_alloc(&m->arena,
                                         m->n_runner * sizeof(*m->runner_svcs));
        if (!m->runner_svcs)
            return SCN_ENOMEM;
        for (size_t i = 0; i < m->n_runner; i++) {
            m->runner_svcs[i] = find_service(m, m->runner[i]);
            if (!m->runner_svcs[i]) {
                scn_pos_t pos = top;
                for (size_t l = 1; l <= m->n_src; l++)
                    if (strncmp(m->src[l], "runner", 6) == 0) {
                        const char *f = strstr(m->src[l] + 6, m->runner[i]);
                        pos.line = (int)l;
                        pos.col = f ? (int)(f - m->src[l]) + 1 : 1;
                    }
                return scn__diag_at(m, d, pos, "undefined service '%s'",
                                    m->runner[i]);
            }
        }
    }
    for (scn_expect_t *x = m->expects; x; x = x->next)
        TRY(check_expect(&v, x));
    return 0;
}
