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

typedef struct vctx {
    scn_model_t *m;
    scn_diag_t *d;
    scn__strset_t raised;
    scn__strset_t threads;
    scn__strset_t sent;
    scn__strset_t events; /* m->events, for is_event */
    /* What steps can record, for warn_never_matches: mark names (a name
     * with a '$' substitution can be anything), and whether any step
     * catches, crashes, hosts or requests. */
    scn__strset_t marks;
    int mark_any, catches, crashes, hosts, requests;
} vctx_t;

static const char *const builtin_errors[] = {
    "Exception",    "ContainerBeingKilled", "AssertionError", "RuntimeError",
    "GreenletExit", "KeyboardInterrupt",    "SystemExit",     NULL,
};

static int known_error(const vctx_t *v, const char *t)
{
    for (size_t i = 0; builtin_errors[i]; i++)
        if (strcmp(builtin_errors[i], t) == 0)
            return 1;
    return scn__set_has(&v->raised, t);
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

static int find_error(const scn_model_t *m, const char *n)
{
    for (size_t i = 0; i < m->n_errors; i++)
        if (strcmp(m->errors[i].name, n) == 0)
            return (int)i;
    return -1;
}

/* Resolve `e->ref` (a named error) to its index. */
static int resolve_ref(vctx_t *v, scn_errspec_t *e)
{
    if (!e->ref)
        return 0;
    e->ref_index = find_error(v->m, e->ref);
    if (e->ref_index < 0)
        return scn__diag_at(v->m, v->d, e->pos,
                            "undefined error '%s' (declare it with 'error %s = "
                            "Type(\"message\")', or capitalise an error type)",
                            e->ref, e->ref);
    return 0;
}

static int is_event(const vctx_t *v, const char *n)
{
    return scn__set_has(&v->events, n);
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
            } else if (find_error(v->m, s->err.type) >= 0) {
                s->err.ref = s->err.type;
                s->err.type = NULL;
            } else if (!(s->err.type[0] >= 'A' && s->err.type[0] <= 'Z')) {
                return scn__diag_at(v->m, v->d, s->err.pos,
                                    "undefined service or error '%s' (or, for "
                                    "an error type, capitalise it)",
                                    s->err.type);
            }
            s->maybe_svc = 0;
        }
        if (s->kind == SCN_S_SEND)
            TRY(scn__set_add(a, &v->sent, s->name));
        if (s->kind == SCN_S_MARK) {
            if (strchr(s->name, '$'))
                v->mark_any = 1;
            TRY(scn__set_add(a, &v->marks, s->name));
        }
        v->catches |= s->n_catch > 0;
        v->crashes |= s->kind == SCN_S_CRASH;
        v->hosts |= s->kind == SCN_S_HOST;
        v->requests |= s->kind == SCN_S_REQUEST;
        if ((s->kind == SCN_S_RAISE || s->kind == SCN_S_KILL) && s->err.type)
            TRY(scn__set_add(a, &v->raised, s->err.type));
        if (s->kind == SCN_S_SPAWN && s->name)
            TRY(scn__set_add(a, &v->threads, s->name));
        if (s->kind == SCN_S_FIRE && s->as)
            TRY(scn__set_add(a, &v->threads, s->as));
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
        TRY(resolve_ref(v, &s->err));
        switch (s->kind) {
        case SCN_S_WAIT_EVENT:
            if (find_service(v->m, s->name)) {
                if (s->dur)
                    return scn__diag_at(v->m, v->d, s->until_pos,
                                        "'wait %s' waits for a container and "
                                        "takes no timeout (only 'wait EVENT "
                                        "timeout D' does)",
                                        s->name);
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
            if (s->name)
                s->event = (int)scn__set_index(&v->events, s->name) + 1;
            break;
        case SCN_S_SEND: /* every sent event exists (pass 1) */
            s->event = (int)scn__set_index(&v->events, s->name) + 1;
            break;
        case SCN_S_RESET:
            if (!is_event(v, s->name))
                return scn__diag_at(v->m, v->d, s->name_pos,
                                    "undefined event '%s'", s->name);
            s->event = (int)scn__set_index(&v->events, s->name) + 1;
            break;
        case SCN_S_EVERY:
            if (s->until && !is_event(v, s->until))
                return scn__diag_at(v->m, v->d, s->until_pos,
                                    "undefined event '%s' (never sent)", s->until);
            if (s->until)
                s->until_event = (int)scn__set_index(&v->events, s->until) + 1;
            break;
        case SCN_S_START:
        case SCN_S_STOP:
        case SCN_S_WAIT:
        case SCN_S_KILL:
        case SCN_S_SPAWN:
            TRY(resolve_svc(v, s, own));
            break;
        case SCN_S_FIRE:
        case SCN_S_REQUEST: {
            TRY(resolve_svc(v, s, own));
            const scn_ext_t *e = find_ext_in(s->svc->eps, s->name);
            if (!e || e->kind != CTR_ENTRYPOINT)
                return scn__diag_at(v->m, v->d, s->name_pos,
                                    "undefined entrypoint '%s' in service '%s'",
                                    s->name, s->svc->name);
            if (s->kind == SCN_S_REQUEST && !e->tcp)
                return scn__diag_at(v->m, v->d, s->name_pos,
                                    "entrypoint '%s' takes no requests (add "
                                    "'tcp' to its line)",
                                    s->name);
            break;
        }
        case SCN_S_KILL_THREAD:
        case SCN_S_WAIT_THREAD:
            if (!scn__set_has(&v->threads, s->name))
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

/* ------------------------------------------------------- repeated shared */

static int str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int steps_equal(const scn_step_t *a, const scn_step_t *b)
{
    for (; a && b; a = a->next, b = b->next) {
        if (a->kind != b->kind || !str_eq(a->name, b->name) ||
            !str_eq(a->text, b->text) || !str_eq(a->as, b->as) ||
            !str_eq(a->svc_name, b->svc_name) ||
            !str_eq(a->err.type, b->err.type) ||
            !str_eq(a->err.message, b->err.message) ||
            !str_eq(a->err.ref, b->err.ref) || a->dur != b->dur ||
            a->count != b->count || !str_eq(a->until, b->until) ||
            a->n_catch != b->n_catch || !steps_equal(a->body, b->body))
            return 0;
        for (size_t i = 0; i < a->n_catch; i++)
            if (strcmp(a->catch_types[i], b->catch_types[i]) != 0)
                return 0;
    }
    return a == b;
}

static const char *ext_kind_name(ctr_ext_kind_t k)
{
    return k == CTR_DEPENDENCY ? "dependency"
           : k == CTR_ENTRYPOINT ? "entrypoint"
                                 : "extension";
}

/* Whether `b` declares exactly what `a` declares (options, hooks and
 * sub-extensions, recursively); if not, *why says the first difference. */
static int ext_equal(const scn_ext_t *a, const scn_ext_t *b, char *why,
                     size_t n)
{
    if (a->kind != b->kind) {
        snprintf(why, n, "a %s here, a %s there", ext_kind_name(b->kind),
                 ext_kind_name(a->kind));
        return 0;
    }
    if (!str_eq(a->key ? a->key : a->name, b->key ? b->key : b->name)) {
        snprintf(why, n, "sharing key '%s' here, '%s' there",
                 b->key ? b->key : b->name, a->key ? a->key : a->name);
        return 0;
    }
    if (a->shared != b->shared || a->collector != b->collector ||
        !str_eq(a->method, b->method) || a->n_expected != b->n_expected) {
        snprintf(why, n, "different options on '%s'", b->name);
        return 0;
    }
    for (size_t i = 0; i < a->n_expected; i++)
        if (strcmp(a->expected[i], b->expected[i]) != 0) {
            snprintf(why, n, "different options on '%s'", b->name);
            return 0;
        }
    for (int h = 0; h < SCN_HOOK_COUNT; h++)
        if (a->has_hook[h] != b->has_hook[h] ||
            !steps_equal(a->hooks[h], b->hooks[h])) {
            snprintf(why, n, "hook '%s' of '%s' differs", scn_hook_names[h],
                     b->name);
            return 0;
        }
    const scn_ext_t *x = a->subs, *y = b->subs;
    for (; x && y; x = x->next, y = y->next) {
        if (strcmp(x->name, y->name) != 0) {
            snprintf(why, n, "sub-extension '%s' here, '%s' there", y->name,
                     x->name);
            return 0;
        }
        if (!ext_equal(x, y, why, n))
            return 0;
    }
    if (x || y) {
        snprintf(why, n, "sub-extension '%s' only %s", x ? x->name : y->name,
                 x ? "there" : "here");
        return 0;
    }
    return 1;
}

typedef struct seen_ext {
    const scn_ext_t **v;
    size_t n, cap;
    scn__strset_t names; /* names[i] is v[i]->name: found in O(1) */
} seen_ext_t;

/* Names of one service's extensions are unique, except that a shared
 * extension may be declared again under another parent when the repeat is
 * identical (it is the same instance; nameko binds it once).  A repeat is
 * marked with repeat_of and its sub-extensions are not names of their own. */
static int check_repeats(vctx_t *v, const scn_service_t *svc, scn_ext_t *e,
                         seen_ext_t *seen)
{
    for (; e; e = e->next) {
        long k = scn__set_index(&seen->names, e->name);
        const scn_ext_t *o = k >= 0 ? seen->v[k] : NULL;
        if (o) {
            if (!(o->shared && e->shared))
                return scn__diag_at(v->m, v->d, e->pos,
                                    "duplicate extension '%s' in service '%s'",
                                    e->name, svc->name);
            char why[300];
            if (!ext_equal(o, e, why, sizeof(why)))
                return scn__diag_at(v->m, v->d, e->pos,
                                    "shared extension '%s' is declared "
                                    "differently than at line %d (%s); a "
                                    "repeated declaration must be identical",
                                    e->name, o->pos.line, why);
            e->repeat_of = o;
            continue;
        }
        const scn_ext_t **nv = scn_arena_grow(&v->m->arena, seen->v, seen->n,
                                              &seen->cap, sizeof(*nv), 16);
        if (!nv)
            return SCN_ENOMEM;
        seen->v = nv;
        seen->v[seen->n++] = e;
        TRY(scn__set_add(&v->m->arena, &seen->names, e->name));
        TRY(check_repeats(v, svc, e->subs, seen));
    }
    return 0;
}

static int check_ext_tree(vctx_t *v, const scn_service_t *svc, scn_ext_t *e)
{
    for (; e; e = e->next) {
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
            if (e->timer && e->tcp)
                return scn__diag_at(v->m, v->d, e->pos,
                                    "entrypoint '%s' is both 'timer=' and "
                                    "'tcp' (one kind per entrypoint)",
                                    e->name);
            if ((e->timer || e->tcp) && (e->shared || e->collector))
                return scn__diag_at(v->m, v->d, e->pos,
                                    "a %s entrypoint cannot be shared or a "
                                    "collector ('%s')",
                                    e->timer ? "timer" : "tcp", e->name);
        }
        for (int h = 0; h < SCN_HOOK_COUNT; h++)
            TRY(check_steps(v, e->hooks[h], svc, e));
        TRY(check_ext_tree(v, svc, e->subs));
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

/* The extension name nearest to `name` in any service, for a hint. */
static const char *suggest_ext_in(const scn_ext_t *e, const char *name,
                                  const char *best)
{
    for (; e; e = e->next) {
        if (!best) {
            const char *one[2] = {e->name, NULL};
            best = scn__suggest(name, one);
        }
        best = suggest_ext_in(e->subs, name, best);
    }
    return best;
}

static const char *suggest_ext(const scn_model_t *m, const char *name)
{
    const char *best = NULL;
    for (const scn_service_t *s = m->services; s && !best; s = s->next) {
        best = suggest_ext_in(s->deps, name, best);
        best = suggest_ext_in(s->eps, name, best);
    }
    return best;
}

static int check_pattern(vctx_t *v, const scn_expect_t *x,
                         const scn_pattern_t *p)
{
    static const char *const levels[] = {"debug", "info", "warning", "error",
                                         "critical", NULL};
    (void)x;
    char h[80];
    if (!p->subject || has_glob(p->subject))
        return 0;
    /* Carets go under the word each message is about. */
    scn_pos_t spos = p->subject_pos;
    const char *dot0 = strrchr(p->subject, '.');
    scn_pos_t hpos = spos; /* the hook (or method) after the last dot */
    if (dot0)
        hpos.col += (int)(dot0 - p->subject) + 1;
    if (strcmp(p->kind, "log") == 0) {
        for (size_t i = 0; levels[i]; i++)
            if (strcmp(levels[i], p->subject) == 0)
                return 0;
        return scn__diag_at(v->m, v->d, spos,
                            "unknown log level '%s' in '%s' (debug, info, "
                            "warning, error or critical)%s",
                            p->subject, p->text,
                            scn__hint(h, sizeof(h), p->subject, levels));
    }
    if (strcmp(p->kind, "call") == 0 || strcmp(p->kind, "ret") == 0) {
        const char *dot = strrchr(p->subject, '.');
        if (!dot)
            return scn__diag_at(v->m, v->d, spos,
                                "expected EXT.HOOK in '%s'", p->text);
        char ext[256];
        snprintf(ext, sizeof(ext), "%.*s", (int)(dot - p->subject), p->subject);
        const scn_service_t *svc = find_service(v->m, ext);
        if (svc) {
            /* "call SVC.METHOD": the container traces method calls too. */
            for (const scn_method_t *mm = svc->methods; mm; mm = mm->next)
                if (strcmp(mm->name, dot + 1) == 0)
                    return 0;
            return scn__diag_at(v->m, v->d, hpos,
                                "undefined method '%s' in '%s'", dot + 1, p->text);
        }
        if (!any_ext(v->m, ext)) {
            const char *near = suggest_ext(v->m, ext);
            return scn__diag_at(v->m, v->d, spos,
                                "undefined extension '%s' in '%s'%s%s%s", ext,
                                p->text, near ? "; did you mean '" : "",
                                near ? near : "", near ? "'?" : "");
        }
        int ok = 0;
        for (int h = 0; h < SCN_HOOK_COUNT; h++)
            if (strcmp(dot + 1, scn_hook_names[h]) == 0)
                ok = 1;
        if (!ok) {
            static const char *const hooks[] = {
                "setup",         "start",          "stop",
                "kill",          "get_dependency", "worker_setup",
                "worker_result", "worker_teardown", "handle_result",
                NULL};
            return scn__diag_at(v->m, v->d, hpos, "unknown hook '%s' in '%s'%s",
                                dot + 1, p->text,
                                scn__hint(h, sizeof(h), dot + 1, hooks));
        }
        /* `call EXT.HOOK SVC`: a lifecycle hook's detail is its service. */
        const scn_service_t *in = p->detail && strcmp(p->kind, "call") == 0
                                      ? find_service(v->m, p->detail)
                                      : NULL;
        if (in && !has_glob(ext) && !find_ext(in, ext))
            return scn__diag_at(v->m, v->d, p->detail_pos,
                                "service '%s' has no extension '%s' in '%s'",
                                in->name, ext, p->text);
    }
    if (strcmp(p->kind, "state") == 0 && !find_service(v->m, p->subject))
        return scn__diag_at(v->m, v->d, spos, "undefined service '%s' in '%s'",
                            p->subject, p->text);
    return 0;
}

static int check_expect(vctx_t *v, scn_expect_t *x)
{
    for (size_t i = 0; i < x->n_pats; i++)
        TRY(check_pattern(v, x, &x->pats[i]));
    TRY(resolve_ref(v, &x->err));
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

/* Bit (1 << kind) of every extension called name, at any depth. */
static unsigned ext_kinds_in(const scn_ext_t *e, const char *name,
                             int *has_hr)
{
    unsigned k = 0;
    for (; e; e = e->next) {
        if (strcmp(e->name, name) == 0) {
            k |= 1u << e->kind;
            *has_hr |= e->has_hook[SCN_HOOK_HANDLE_RESULT];
        }
        k |= ext_kinds_in(e->subs, name, has_hr);
    }
    return k;
}

/* Why `call EXT.HOOK` / `call SVC.METHOD` (the names exist: check_pattern)
 * is never recorded, or NULL.  The container calls get_dependency and
 * worker_result on dependencies only, handle_result only where it is
 * written, and a method only through an entrypoint bound to it; the
 * worker_setup and worker_teardown of other kinds depend on the variant
 * (lifecycle=parallel_all), so they count as possible. */
static const char *never_called(const scn_model_t *m, const char *subj,
                                char *buf, size_t n)
{
    const char *dot = strrchr(subj, '.');
    char ext[256];
    snprintf(ext, sizeof(ext), "%.*s", (int)(dot - subj), subj);
    const char *hook = dot + 1;
    const scn_service_t *svc = find_service(m, ext);
    if (svc) {
        for (const scn_ext_t *e = svc->eps; e; e = e->next)
            if (e->method && strcmp(e->method, hook) == 0)
                return NULL;
        snprintf(buf, n, "no entrypoint of '%.100s' runs method '%.100s'", ext,
                 hook);
        return buf;
    }
    unsigned kinds = 0;
    int has_hr = 0;
    for (const scn_service_t *s = m->services; s; s = s->next) {
        kinds |= ext_kinds_in(s->deps, ext, &has_hr);
        kinds |= ext_kinds_in(s->eps, ext, &has_hr);
    }
    if ((strcmp(hook, "get_dependency") == 0 ||
         strcmp(hook, "worker_result") == 0) &&
        !(kinds & (1u << CTR_DEPENDENCY))) {
        snprintf(buf, n, "'%.100s' is not a dependency: only dependencies "
                         "get '%s'",
                 ext, hook);
        return buf;
    }
    if (strcmp(hook, "handle_result") == 0 && !has_hr) {
        snprintf(buf, n, "no entrypoint '%.100s' has a handle_result hook",
                 ext);
        return buf;
    }
    return NULL;
}

/* Why pattern p can never match an event of this scenario, or NULL when
 * it might.  Only kinds that steps alone record are judged (mark, crash,
 * host, reply, step), so the answer errs towards "might". */
static const char *never_matches(const vctx_t *v, const scn_pattern_t *p,
                                 char *buf, size_t n)
{
    const char *subj = p->subject;
    if (strcmp(p->kind, "mark") == 0) {
        if (v->mark_any)
            return NULL;
        for (size_t i = 0; i < v->marks.n; i++)
            if (!subj || scn_glob(subj, v->marks.v[i]))
                return NULL;
        if (v->catches && (!subj || scn_glob(subj, "caught")))
            return NULL;
        if (!subj)
            return "no step marks anything";
        snprintf(buf, n, "no step marks '%s'", subj);
        return buf;
    }
    if (strcmp(p->kind, "crash") == 0)
        return v->crashes ? NULL : "no step crashes";
    if (strcmp(p->kind, "host") == 0)
        return v->hosts ? NULL : "no actor runs 'host'";
    if (strcmp(p->kind, "reply") == 0) {
        /* Replies come from `request` steps and csim serve's clients, to
         * tcp entrypoints only. */
        for (const scn_service_t *s = v->m->services; s; s = s->next)
            for (const scn_ext_t *e = s->eps; e; e = e->next)
                if (e->tcp && (!subj || scn_glob(subj, e->name)))
                    return NULL;
        return subj ? "no tcp entrypoint has that name"
                    : "no entrypoint is 'tcp'";
    }
    if ((strcmp(p->kind, "call") == 0 || strcmp(p->kind, "ret") == 0) &&
        subj && !has_glob(subj) && strrchr(subj, '.'))
        return never_called(v->m, subj, buf, n);
    if (strcmp(p->kind, "step") == 0 && subj && !has_glob(subj)) {
        /* ACTOR.OP: the actor must exist. */
        const char *dot = strchr(subj, '.');
        size_t len = dot ? (size_t)(dot - subj) : strlen(subj);
        for (const scn_actor_t *a = v->m->actors; a; a = a->next)
            if (strlen(a->name) == len && strncmp(a->name, subj, len) == 0)
                return NULL;
        snprintf(buf, n, "no actor is called '%.*s'", (int)len, subj);
        return buf;
    }
    return NULL;
}

/* A pattern no event of the run can match makes its expectation fail, or
 * hold, for a reason that has nothing to do with the race: most likely a
 * typo.  Not an error (a file may be written ahead of its steps): one
 * warning per pattern, kept in the model for the reporter, in file order. */
static int warn_never_matches(vctx_t *v)
{
    scn_model_t *m = v->m;
    for (const scn_expect_t *x = m->expects; x; x = x->next)
        for (size_t i = 0; i < x->n_pats; i++) {
            const scn_pattern_t *p = &x->pats[i];
            char buf[300];
            const char *why = never_matches(v, p, buf, sizeof(buf));
            if (!why)
                continue;
            /* The first SCN_MAX_WARNINGS are kept, the rest counted. */
            if (m->n_warnings == SCN_MAX_WARNINGS) {
                m->n_warnings_more++;
                continue;
            }
            if (!m->warnings) {
                m->warnings = scn_arena_alloc(
                    &m->arena, SCN_MAX_WARNINGS * sizeof(*m->warnings));
                if (!m->warnings)
                    return SCN_ENOMEM;
            }
            scn__diag_at(m, &m->warnings[m->n_warnings++],
                         p->subject ? p->subject_pos : p->kind_pos,
                         "'%s' can never match in this scenario (%s)", p->text,
                         why);
        }
    return 0;
}

int scn__validate(scn_model_t *m, scn_diag_t *d)
{
    vctx_t v = {.m = m, .d = d};
    scn_pos_t top = {1, 1};
    if (!m->services)
        return scn__diag_at(m, d, top, "no service defined");
    if (!m->actors && !(m->parse_flags & SCN_PARSE_HOST))
        return scn__diag_at(m, d, top, "no actor defined (nothing would run)");
    /* Unique names (hashed: linear in the number of names). */
    scn__strset_t svcs = {0};
    for (scn_service_t *s = m->services; s; s = s->next) {
        if (scn__set_has(&svcs, s->name))
            return scn__diag_at(m, d, s->pos, "duplicate service '%s'",
                                s->name);
        TRY(scn__set_add(&m->arena, &svcs, s->name));
        scn__strset_t methods = {0};
        for (scn_method_t *mm = s->methods; mm; mm = mm->next) {
            if (scn__set_has(&methods, mm->name))
                return scn__diag_at(m, d, mm->pos,
                                    "duplicate method '%s' in service '%s'",
                                    mm->name, s->name);
            TRY(scn__set_add(&m->arena, &methods, mm->name));
        }
    }
    scn__strset_t actors = {0};
    for (scn_actor_t *a = m->actors; a; a = a->next) {
        if (scn__set_has(&actors, a->name))
            return scn__diag_at(m, d, a->pos, "duplicate actor '%s'", a->name);
        TRY(scn__set_add(&m->arena, &actors, a->name));
    }
    for (size_t i = 0; i < m->n_events; i++) {
        if (scn__set_has(&v.events, m->events[i])) {
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
        TRY(scn__set_add(&m->arena, &v.events, m->events[i]));
    }
    scn__strset_t errors = {0};
    for (size_t i = 0; i < m->n_errors; i++) {
        const scn_named_error_t *ne = &m->errors[i];
        if (scn__set_has(&errors, ne->name))
            return scn__diag_at(m, d, ne->pos, "duplicate error '%s'", ne->name);
        TRY(scn__set_add(&m->arena, &errors, ne->name));
        if (scn__set_has(&svcs, ne->name))
            return scn__diag_at(m, d, ne->pos,
                                "'%s' is both a service and an error (rename "
                                "one)",
                                ne->name);
        TRY(scn__set_add(&m->arena, &v.raised, ne->spec.type));
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
    /* Sent events exist without a declaration: one array for all. */
    if (v.sent.n) {
        const char **ne = scn_arena_alloc(
            &m->arena, (m->n_events + v.sent.n) * sizeof(*ne));
        if (!ne)
            return SCN_ENOMEM;
        if (m->n_events)
            memcpy(ne, m->events, m->n_events * sizeof(*ne));
        m->events = ne;
        for (size_t i = 0; i < v.sent.n; i++)
            if (!is_event(&v, v.sent.v[i])) {
                ne[m->n_events++] = v.sent.v[i];
                TRY(scn__set_add(&m->arena, &v.events, v.sent.v[i]));
            }
    }
    for (size_t i = 0; i < m->n_events; i++)
        if (scn__set_has(&svcs, m->events[i])) {
            const scn_service_t *s = find_service(m, m->events[i]);
            return scn__diag_at(m, d, s->pos,
                                "'%s' is both a service and an event (rename one)",
                                s->name);
        }
    /* Repeated declarations, compared before pass 2 resolves names. */
    for (scn_service_t *s = m->services; s; s = s->next) {
        seen_ext_t seen = {0};
        TRY(check_repeats(&v, s, s->deps, &seen));
        TRY(check_repeats(&v, s, s->eps, &seen));
    }
    /* Pass 2. */
    for (scn_service_t *s = m->services; s; s = s->next) {
        TRY(check_ext_tree(&v, s, s->deps));
        TRY(check_ext_tree(&v, s, s->eps));
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
    /* Not for csim serve: its clients record events no step does. */
    if (!(m->parse_flags & SCN_PARSE_HOST))
        TRY(warn_never_matches(&v));
    /* A scenario must assert something: without expectations every run
     * that does not hang would pass. */
    if (!m->expects && !(m->parse_flags & SCN_PARSE_HOST))
        return scn__diag_at(m, d, top, "no expectations: add an 'expect' section");
    return 0;
}
