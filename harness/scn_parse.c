/*
 * scn_parse.c - lines of tokens to a scenario model (syntax only; names are
 * resolved by scn_validate.c).  The first error stops the parse: one precise
 * diagnostic beats a cascade.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scn_lex.h"
#include "scn_text.h"
#include "sim_alloc.h"

const char *const scn_hook_names[SCN_HOOK_COUNT] = {
    "setup",         "start",         "stop",
    "kill",          "get_dependency", "worker_setup",
    "worker_result", "worker_teardown", "handle_result",
};

static const char *const step_names[SCN_S_KINDS] = {
    "mark",         "sleep",       "yield",       "wait",        "send",
    "reset",        "raise",       "return",      "spawn",       "fire",
    "kill thread",  "wait thread", "start",       "stop",        "wait",
    "kill",         "register",    "unregister",  "every",       "repeat",
    "runner.start", "runner.stop", "runner.kill", "runner.wait", "host",
    "interrupt",    "crash",       "request",
};

const char *scn_step_name(scn_step_kind_t k)
{
    return (unsigned)k < SCN_S_KINDS ? step_names[k] : "?";
}

const char *scn_strerror(int code)
{
    switch (code) {
    case SCN_OK: return "ok";
    case SCN_ESYNTAX: return "scenario file error";
    case SCN_ENOMEM: return "out of memory";
    case SCN_EIO: return "cannot read file";
    case SCN_ERUN: return "cannot build the run";
    default: return "unknown error";
    }
}

/* Contexts a step list can be in; some steps are only allowed in some. */
enum {
    CTX_ACTOR = 1,
    CTX_HOOK = 2,   /* an extension hook: register/unregister allowed */
    CTX_SERVICE = 4, /* hooks, methods, their managed threads */
};

typedef struct parser {
    scn_model_t *m;
    scn_arena_t *a;
    const char *path;
    scn_diag_t *diag;
    scn_line_t *lines;
    size_t n;
    size_t li, ti;
    int seen_variant, seen_scenario, seen_explore;
    int list_line; /* line of the statement whose step list is being parsed */
    /* Nesting now: blocks = enclosing spawn/every/repeat steps, levels =
     * the parser's own recursion (indented step lines, sub-extensions).
     * Both are bounded so that neither the parser nor a run of the file
     * (a green thread interprets nested blocks recursively) can overflow
     * a stack, however deep a hostile file nests. */
    int blocks, levels;
    int subs; /* sub-extensions around the one being parsed */
    scn__strset_t event_names, runner_names; /* `event`, `runner` lines */
    size_t errors_cap; /* m->errors grows geometrically */
    size_t x_first; /* token where the expectation starts (after `sometimes`) */
    scn_service_t **svc_tail;
    scn_actor_t **actor_tail;
    scn_expect_t **expect_tail;
} parser_t;

#define NEW(p, T) ((T *)scn_arena_alloc((p)->a, sizeof(T)))

static scn_line_t *line(parser_t *p) { return &p->lines[p->li]; }
static scn_tok_t *tok(parser_t *p) { return &line(p)->toks[p->ti]; }
static scn_tok_t *peek(parser_t *p, size_t k)
{
    size_t i = p->ti + k;
    if (i >= line(p)->n)
        i = line(p)->n - 1; /* the EOL */
    return &line(p)->toks[i];
}
static void advance(parser_t *p)
{
    if (tok(p)->kind != SCN_T_EOL)
        p->ti++;
}
static scn_pos_t pos_of(parser_t *p, const scn_tok_t *t)
{
    scn_pos_t pos = {line(p)->lineno, t->col};
    return pos;
}

static int err_tok(parser_t *p, const scn_tok_t *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int err_tok(parser_t *p, const scn_tok_t *t, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return scn__diag(p->diag, p->path, line(p)->lineno, t->col, line(p)->raw,
                     "%s", msg);
}

/* How a token reads in a message. */
static const char *describe(const scn_tok_t *t, char *buf, size_t n)
{
    switch (t->kind) {
    case SCN_T_EOL: return "end of line";
    case SCN_T_STRING: snprintf(buf, n, "string \"%s\"", t->text); return buf;
    default: snprintf(buf, n, "'%s'", t->text); return buf;
    }
}

static int is_word(const scn_tok_t *t, const char *w)
{
    return t->kind == SCN_T_WORD && strcmp(t->text, w) == 0;
}
static int in_list(const char *w, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(w, list[i]) == 0)
            return 1;
    return 0;
}
static int is_punct(const scn_tok_t *t, char c)
{
    return t->kind == SCN_T_PUNCT && t->text[0] == c;
}
static int at_end(parser_t *p) { return tok(p)->kind == SCN_T_EOL; }

static int expect_punct(parser_t *p, char c, const char *what)
{
    char b[200];
    if (!is_punct(tok(p), c))
        return err_tok(p, tok(p), "expected '%c' %s, found %s", c, what,
                       describe(tok(p), b, sizeof(b)));
    advance(p);
    return 0;
}

static int expect_eol(parser_t *p)
{
    char b[200];
    if (!at_end(p))
        return err_tok(p, tok(p), "unexpected %s at end of line",
                       describe(tok(p), b, sizeof(b)));
    return 0;
}

/* A plain name: letters, digits, '_', '-' (no dots or globs). */
static int valid_name(const char *s)
{
    for (; *s; s++)
        if (strchr(".*?$", *s))
            return 0;
    return 1;
}

static int expect_name(parser_t *p, const char *what, const char **out,
                       scn_pos_t *pos)
{
    char b[200];
    scn_tok_t *t = tok(p);
    if (t->kind != SCN_T_WORD)
        return err_tok(p, t, "expected %s, found %s", what,
                       describe(t, b, sizeof(b)));
    if (!valid_name(t->text))
        return err_tok(p, t, "bad %s '%s' (letters, digits, '_' and '-' only)",
                       what, t->text);
    *out = t->text;
    if (pos)
        *pos = pos_of(p, t);
    advance(p);
    return 0;
}

/* ---------------------------------------------------------------- numbers */

static int parse_uint(parser_t *p, const char *what, uint64_t *out)
{
    char b[200];
    scn_tok_t *t = tok(p);
    if (t->kind != SCN_T_NUMBER)
        return err_tok(p, t, "expected %s, found %s", what,
                       describe(t, b, sizeof(b)));
    const char *s = t->text;
    if (*s == '-')
        return err_tok(p, t, "%s must not be negative", what);
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_C(0x7fffffffffffffff) - d) / 10)
            return err_tok(p, t, "number '%s' is too large", t->text);
        v = v * 10 + d;
    }
    if (*s)
        return err_tok(p, t, "expected %s, found '%s'", what, t->text);
    *out = v;
    advance(p);
    return 0;
}

/* A duration: "0" (when allow_zero), or digits with a unit ns/us/ms/s. */
static int parse_duration(parser_t *p, int allow_zero, sim_time_t *out)
{
    char b[200];
    scn_tok_t *t = tok(p);
    if (t->kind != SCN_T_NUMBER)
        return err_tok(p, t, "expected a duration (e.g. 5ms), found %s",
                       describe(t, b, sizeof(b)));
    const char *s = t->text;
    if (*s == '-')
        return err_tok(p, t, "duration must not be negative: '%s'", t->text);
    uint64_t v = 0;
    int overflow = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_C(0x7fffffffffffffff) - d) / 10)
            overflow = 1;
        else
            v = v * 10 + d;
    }
    uint64_t unit;
    if (*s == '\0') {
        if (v != 0 || overflow)
            return err_tok(p, t,
                           "bad duration '%s' (missing unit: ns, us, ms or s)",
                           t->text);
        unit = 1;
    } else if (strcmp(s, "ns") == 0) {
        unit = 1;
    } else if (strcmp(s, "us") == 0) {
        unit = 1000;
    } else if (strcmp(s, "ms") == 0) {
        unit = 1000000;
    } else if (strcmp(s, "s") == 0) {
        unit = 1000000000;
    } else {
        return err_tok(p, t, "bad duration unit '%s' in '%s' (ns, us, ms or s)",
                       s, t->text);
    }
    if (overflow || v > UINT64_C(0x7fffffffffffffff) / unit)
        return err_tok(p, t, "duration '%s' overflows", t->text);
    if (v == 0 && !allow_zero)
        return err_tok(p, t, "duration must be positive: '%s'", t->text);
    *out = (sim_time_t)(v * unit);
    advance(p);
    return 0;
}

/* ---------------------------------------------------------------- errors */

static int is_error_type(const char *s)
{
    if (!(s[0] >= 'A' && s[0] <= 'Z'))
        return 0;
    return valid_name(s);
}

/* TYPE, TYPE "msg", TYPE("msg") or TYPE(); with allow_ref also NAME, a
 * named error (a lowercase word, resolved by the validator). */
static int parse_errspec(parser_t *p, scn_errspec_t *e, int allow_ref)
{
    char b[200];
    scn_tok_t *t = tok(p);
    if (allow_ref && t->kind == SCN_T_WORD && !is_error_type(t->text) &&
        valid_name(t->text) && !(t->text[0] >= 'A' && t->text[0] <= 'Z')) {
        e->ref = t->text;
        e->pos = pos_of(p, t);
        advance(p);
        return 0;
    }
    if (t->kind != SCN_T_WORD || !is_error_type(t->text))
        return err_tok(p, t,
                       "expected an error type (a capitalised word, e.g. "
                       "Boom)%s, found %s",
                       allow_ref ? " or a named error" : "",
                       describe(t, b, sizeof(b)));
    e->type = t->text;
    e->pos = pos_of(p, t);
    advance(p);
    if (tok(p)->kind == SCN_T_STRING) {
        e->message = tok(p)->text;
        advance(p);
    } else if (is_punct(tok(p), '(')) {
        advance(p);
        if (tok(p)->kind == SCN_T_STRING) {
            e->message = tok(p)->text;
            advance(p);
        }
        TRY(expect_punct(p, ')', "after the error message"));
    }
    return 0;
}

static int parse_type_list(parser_t *p, int allow_star, const char ***types,
                           scn_pos_t **poss, size_t *n)
{
    char b[200];
    size_t cap = 8, cnt = 0;
    const char **ts = scn_arena_alloc(p->a, cap * sizeof(*ts));
    scn_pos_t *ps = scn_arena_alloc(p->a, cap * sizeof(*ps));
    if (!ts || !ps)
        return SCN_ENOMEM;
    for (;;) {
        scn_tok_t *t = tok(p);
        if (t->kind != SCN_T_WORD ||
            !(is_error_type(t->text) || (allow_star && strcmp(t->text, "*") == 0)))
            return err_tok(p, t, "expected an error type, found %s",
                           describe(t, b, sizeof(b)));
        if (cnt == cap) {
            const char **nt = scn_arena_alloc(p->a, 2 * cap * sizeof(*nt));
            scn_pos_t *np = scn_arena_alloc(p->a, 2 * cap * sizeof(*np));
            if (!nt || !np)
                return SCN_ENOMEM;
            memcpy(nt, ts, cap * sizeof(*nt));
            memcpy(np, ps, cap * sizeof(*np));
            ts = nt;
            ps = np;
            cap *= 2;
        }
        ps[cnt] = pos_of(p, t);
        ts[cnt++] = t->text;
        advance(p);
        if (!is_punct(tok(p), ','))
            break;
        advance(p);
    }
    *types = ts;
    *poss = ps;
    *n = cnt;
    return 0;
}

/* ---------------------------------------------------------------- lines */

/* Index of the first line after li's indented subtree. */
static size_t block_end(parser_t *p, size_t li)
{
    size_t j = li + 1;
    while (j < p->n && p->lines[j].indent > p->lines[li].indent)
        j++;
    return j;
}

/* Iterate the direct children of line `parent`: returns the indent they
 * must all have, or checks consistency. */
static int check_child(parser_t *p, size_t parent, size_t j, int *child_indent)
{
    (void)parent;
    if (*child_indent < 0)
        *child_indent = p->lines[j].indent;
    if (p->lines[j].indent != *child_indent) {
        scn_line_t *l = &p->lines[j];
        return scn__diag(p->diag, p->path, l->lineno, l->indent + 1, l->raw,
                         "inconsistent indentation (expected column %d)",
                         *child_indent + 1);
    }
    return 0;
}

static int no_children(parser_t *p, size_t li, const char *what)
{
    if (li + 1 < p->n && p->lines[li + 1].indent > p->lines[li].indent) {
        scn_line_t *l = &p->lines[li + 1];
        return scn__diag(p->diag, p->path, l->lineno, l->indent + 1, l->raw,
                         "unexpected indentation (%s takes no indented lines)",
                         what);
    }
    return 0;
}

/* ---------------------------------------------------------------- steps */

static int parse_step_block(parser_t *p, size_t li, size_t ti, int ctx,
                            scn_step_t **slot);

/* One more level of the parser's recursion, for line li. */
static int enter_level(parser_t *p, size_t li)
{
    if (++p->levels <= SCN_MAX_LEVELS)
        return 0;
    scn_line_t *l = &p->lines[li];
    return scn__diag(p->diag, p->path, l->lineno, l->indent + 1, l->raw,
                     "indentation nested too deep (more than %d levels)",
                     SCN_MAX_LEVELS);
}

static int is_block_step(const scn_step_t *s)
{
    return s->kind == SCN_S_SPAWN || s->kind == SCN_S_EVERY ||
           s->kind == SCN_S_REPEAT;
}

/* An optional string argument. */
static const char *opt_string(parser_t *p)
{
    if (tok(p)->kind == SCN_T_STRING) {
        const char *s = tok(p)->text;
        advance(p);
        return s;
    }
    return NULL;
}

/* [SVC.]NAME: splits at the first dot. */
static int parse_qualified(parser_t *p, const char *what, scn_step_t *s)
{
    char b[200];
    scn_tok_t *t = tok(p);
    if (t->kind != SCN_T_WORD)
        return err_tok(p, t, "expected %s, found %s", what,
                       describe(t, b, sizeof(b)));
    const char *dot = strchr(t->text, '.');
    const char *name = t->text;
    s->name_pos = pos_of(p, t);
    if (dot) {
        s->svc_name = scn_arena_strndup(p->a, t->text, (size_t)(dot - t->text));
        name = dot + 1;
        if (!s->svc_name)
            return SCN_ENOMEM;
        s->name_pos.col += (int)(dot - t->text) + 1;
        if (!valid_name(s->svc_name) || !*s->svc_name)
            return err_tok(p, t, "bad service name in '%s'", t->text);
    }
    if (!*name || !valid_name(name))
        return err_tok(p, t, "bad %s '%s'", what, t->text);
    s->name = name;
    advance(p);
    return 0;
}

static int parse_hook_name(const char *w);

/* Whether t starts a deeper-indented line that continues a step list. */
static int continuation_line(parser_t *p, const scn_tok_t *t)
{
    return t == &line(p)->toks[0] && line(p)->lineno != p->list_line &&
           p->list_line > 0;
}

/* `method`, `actor`, a hook ... indented too deep: it reads as a step. */
static int err_continuation(parser_t *p, const scn_tok_t *t, const char *what)
{
    return err_tok(p, t,
                   "%s '%s': this line is indented as a continuation of the "
                   "step list of line %d; dedent it to the column of what it "
                   "belongs to",
                   what, t->text, p->list_line);
}

static int parse_step(parser_t *p, int ctx, scn_step_t **out)
{
    char b[200];
    scn_tok_t *t = tok(p);
    if (t->kind != SCN_T_WORD)
        return err_tok(p, t, "expected a step, found %s",
                       describe(t, b, sizeof(b)));
    scn_step_t *s = NEW(p, scn_step_t);
    if (!s)
        return SCN_ENOMEM;
    s->pos = pos_of(p, t);
    const char *w = t->text;
    advance(p);
    if (strcmp(w, "mark") == 0) {
        s->kind = SCN_S_MARK;
        if (tok(p)->kind == SCN_T_STRING) {
            s->name = tok(p)->text;
            s->name_pos = pos_of(p, tok(p));
            advance(p);
        } else {
            TRY(expect_name(p, "a mark name", &s->name, &s->name_pos));
        }
        s->text = opt_string(p);
    } else if (strcmp(w, "sleep") == 0) {
        s->kind = SCN_S_SLEEP;
        TRY(parse_duration(p, 1, &s->dur));
    } else if (strcmp(w, "yield") == 0) {
        s->kind = SCN_S_YIELD;
    } else if (strcmp(w, "wait") == 0) {
        if (is_word(tok(p), "thread")) {
            advance(p);
            s->kind = SCN_S_WAIT_THREAD;
            TRY(expect_name(p, "a thread name", &s->name, &s->name_pos));
        } else if (tok(p)->kind == SCN_T_WORD) {
            /* A service (container wait) or an event: resolved later. */
            s->kind = SCN_S_WAIT_EVENT;
            TRY(expect_name(p, "an event or service name", &s->name,
                            &s->name_pos));
            if (is_word(tok(p), "timeout")) {
                advance(p);
                s->until_pos = pos_of(p, tok(p)); /* checked: events only */
                TRY(parse_duration(p, 0, &s->dur));
            }
        } else {
            s->kind = SCN_S_WAIT;
        }
    } else if (strcmp(w, "send") == 0 || strcmp(w, "reset") == 0) {
        s->kind = w[0] == 's' ? SCN_S_SEND : SCN_S_RESET;
        TRY(expect_name(p, "an event name", &s->name, &s->name_pos));
        if (s->kind == SCN_S_SEND)
            s->text = opt_string(p);
    } else if (strcmp(w, "raise") == 0) {
        s->kind = SCN_S_RAISE;
        TRY(parse_errspec(p, &s->err, 1));
    } else if (strcmp(w, "return") == 0) {
        s->kind = SCN_S_RETURN;
        s->text = opt_string(p);
    } else if (strcmp(w, "spawn") == 0) {
        s->kind = SCN_S_SPAWN;
        TRY(parse_qualified(p, "a thread identifier", s));
        if (strcmp(s->name, "_") == 0)
            s->name = NULL;
        if (is_word(tok(p), "protected")) {
            s->count = 1; /* ctr_spawn_protected_thread */
            advance(p);
        }
        TRY(expect_punct(p, ':', "after the thread identifier"));
    } else if (strcmp(w, "fire") == 0) {
        s->kind = SCN_S_FIRE;
        TRY(parse_qualified(p, "an entrypoint name", s));
        s->text = opt_string(p);
        if (is_word(tok(p), "as")) {
            advance(p);
            TRY(expect_name(p, "a thread name", &s->as, NULL));
        }
    } else if (strcmp(w, "kill") == 0) {
        if (is_word(tok(p), "thread")) {
            advance(p);
            s->kind = SCN_S_KILL_THREAD;
            TRY(expect_name(p, "a thread name", &s->name, &s->name_pos));
        } else {
            s->kind = SCN_S_KILL;
            if (tok(p)->kind == SCN_T_WORD) {
                scn_tok_t *n1 = peek(p, 1);
                if (n1->kind == SCN_T_WORD) {
                    TRY(expect_name(p, "a service name", &s->svc_name,
                                    &s->name_pos));
                    TRY(parse_errspec(p, &s->err, 1));
                } else if (n1->kind == SCN_T_STRING || is_punct(n1, '(')) {
                    TRY(parse_errspec(p, &s->err, 0));
                } else {
                    /* kill WORD: a service, a named error or an error
                     * type, decided once every name is known. */
                    if (!valid_name(tok(p)->text))
                        return err_tok(p, tok(p),
                                       "expected a service or an error type, "
                                       "found '%s'",
                                       tok(p)->text);
                    s->maybe_svc = 1;
                    s->err.type = tok(p)->text;
                    s->err.pos = pos_of(p, tok(p));
                    s->name_pos = s->err.pos;
                    advance(p);
                }
            }
        }
    } else if (strcmp(w, "start") == 0 || strcmp(w, "stop") == 0) {
        s->kind = w[2] == 'a' ? SCN_S_START : SCN_S_STOP;
        if (tok(p)->kind == SCN_T_WORD)
            TRY(expect_name(p, "a service name", &s->svc_name, &s->name_pos));
    } else if (strcmp(w, "register") == 0 || strcmp(w, "unregister") == 0) {
        s->kind = w[0] == 'r' ? SCN_S_REGISTER : SCN_S_UNREGISTER;
        if (!(ctx & CTX_HOOK))
            return err_tok(p, t, "'%s' is only allowed in an extension hook", w);
        TRY(expect_name(p, "a collector extension name", &s->name,
                        &s->name_pos));
    } else if (strcmp(w, "every") == 0) {
        s->kind = SCN_S_EVERY;
        TRY(parse_duration(p, 0, &s->dur));
        if (is_word(tok(p), "until")) {
            advance(p);
            TRY(expect_name(p, "an event name", &s->until, &s->until_pos));
        }
        TRY(expect_punct(p, ':', "after the interval"));
    } else if (strcmp(w, "repeat") == 0) {
        s->kind = SCN_S_REPEAT;
        scn_tok_t *ct = tok(p);
        TRY(parse_uint(p, "a repeat count", &s->count));
        if (s->count == 0)
            return err_tok(p, ct, "repeat count must be at least 1 (a "
                                  "'repeat 0' block would never run)");
        TRY(expect_punct(p, ':', "after the repeat count"));
    } else if (strcmp(w, "runner") == 0) {
        static const char *const ops[] = {"start", "stop", "kill", "wait"};
        static const scn_step_kind_t kinds[] = {
            SCN_S_RUNNER_START, SCN_S_RUNNER_STOP, SCN_S_RUNNER_KILL,
            SCN_S_RUNNER_WAIT};
        if (!(ctx & CTX_ACTOR))
            return err_tok(p, t, "runner steps are only allowed in actors");
        size_t i;
        for (i = 0; i < 4; i++)
            if (is_word(tok(p), ops[i]))
                break;
        if (i == 4)
            return err_tok(p, tok(p),
                           "expected start, stop, kill or wait after 'runner', "
                           "found %s",
                           describe(tok(p), b, sizeof(b)));
        s->kind = kinds[i];
        advance(p);
    } else if (strcmp(w, "host") == 0 || strcmp(w, "interrupt") == 0) {
        if (!(ctx & CTX_ACTOR))
            return err_tok(p, t, "'%s' is only allowed in actors", w);
        s->kind = w[0] == 'h' ? SCN_S_HOST : SCN_S_INTERRUPT;
    } else if (strcmp(w, "request") == 0) {
        /* A client's request line to a tcp entrypoint (csim serve). */
        if (!(ctx & CTX_ACTOR))
            return err_tok(p, t, "'request' is a client's step: only allowed "
                                 "in actors");
        s->kind = SCN_S_REQUEST;
        TRY(parse_qualified(p, "an entrypoint name", s));
        s->text = opt_string(p);
    } else if (strcmp(w, "crash") == 0) {
        static const char *const how[] = {"segv", "abort", "overflow"};
        s->kind = SCN_S_CRASH;
        size_t i;
        for (i = 0; i < 3; i++)
            if (is_word(tok(p), how[i]))
                break;
        if (i == 3)
            return err_tok(p, tok(p),
                           "expected segv, abort or overflow after 'crash', "
                           "found %s",
                           describe(tok(p), b, sizeof(b)));
        s->count = i;
        advance(p);
    } else {
        static const char *const structure[] = {
            "method", "dependency", "entrypoint", "extension", "actor",
            "service", "expect", "event", "error", "scenario", "variant",
            "limit", "explore", NULL};
        static const char *const steps[] = {
            "mark",  "sleep", "yield",    "wait",       "send",   "reset",
            "raise", "return", "spawn",   "fire",       "kill",   "start",
            "stop",  "register", "unregister", "every", "repeat", "runner",
            "host",  "interrupt", "crash", "request", NULL};
        char h[80];
        if (continuation_line(p, t) &&
            (in_list(w, structure) ||
             (parse_hook_name(w) >= 0 && is_punct(tok(p), ':'))))
            return err_continuation(p, t, "unknown step");
        return err_tok(p, t, "unknown step '%s'%s", w,
                       scn__hint(h, sizeof(h), w, steps));
    }
    if (!is_block_step(s) && is_word(tok(p), "catch")) {
        advance(p);
        TRY(parse_type_list(p, 1, &s->catch_types, &s->catch_pos, &s->n_catch));
    }
    *out = s;
    return 0;
}

/* Steps from the cursor to the end of the line, appended at *tail.
 * *inner gets the slot where the line's indented children continue: the
 * innermost block still open at the end of the line. */
static int parse_inline(parser_t *p, int ctx, scn_step_t **tail,
                        scn_step_t ***inner)
{
    char b[200];
    while (*tail)
        tail = &(*tail)->next;
    while (!at_end(p)) {
        scn_step_t *s = NULL;
        scn_tok_t *st = tok(p);
        TRY(parse_step(p, ctx, &s));
        *tail = s;
        if (is_block_step(s)) {
            if (++p->blocks > SCN_MAX_BLOCKS)
                return err_tok(p, st,
                               "blocks nested too deep (more than %d nested "
                               "spawn, every and repeat steps)",
                               SCN_MAX_BLOCKS);
            tail = &s->body;
            continue;
        }
        tail = &s->next;
        if (at_end(p))
            break;
        if (!is_punct(tok(p), ';')) {
            const scn_tok_t *first = &line(p)->toks[0];
            if (is_punct(tok(p), ':') && tok(p) == first + 1 &&
                continuation_line(p, first) && parse_hook_name(first->text) >= 0)
                return err_continuation(p, first, "hook");
            return err_tok(p, tok(p), "expected ';' between steps, found %s",
                           describe(tok(p), b, sizeof(b)));
        }
        advance(p);
        if (at_end(p))
            return err_tok(p, tok(p), "expected a step after ';'");
    }
    *inner = tail;
    return 0;
}

static int parse_step_block(parser_t *p, size_t li, size_t ti, int ctx,
                            scn_step_t **slot)
{
    scn_step_t **inner = slot;
    int blocks = p->blocks;
    p->li = li;
    p->ti = ti;
    TRY(enter_level(p, li));
    TRY(parse_inline(p, ctx, slot, &inner));
    size_t end = block_end(p, li);
    int ci = -1;
    for (size_t j = li + 1; j < end; j = block_end(p, j)) {
        TRY(check_child(p, li, j, &ci));
        TRY(parse_step_block(p, j, 0, ctx, inner));
        /* Keep inner at the list's end: each step is passed once, so a
         * list of 100k lines parses in linear time. */
        while (*inner)
            inner = &(*inner)->next;
    }
    /* The blocks this line opened end with its indented lines. */
    p->blocks = blocks;
    p->levels--;
    return 0;
}

/* ---------------------------------------------------------------- services */

/* Hook names, NULL-terminated, for hints; and what an extension's body
 * may hold. */
static const char *const scn_hook_names_list[] = {
    "setup",         "start",           "stop",          "kill",
    "get_dependency", "worker_setup",   "worker_result", "worker_teardown",
    "handle_result", NULL};
static const char *const ext_words[] = {
    "setup",         "start",           "stop",          "kill",
    "get_dependency", "worker_setup",   "worker_result", "worker_teardown",
    "handle_result", "extension",       NULL};

static int parse_hook_name(const char *w)
{
    for (int i = 0; i < SCN_HOOK_COUNT; i++)
        if (strcmp(w, scn_hook_names[i]) == 0)
            return i;
    return -1;
}

static const char *kind_name(ctr_ext_kind_t k)
{
    return k == CTR_DEPENDENCY ? "dependency"
           : k == CTR_ENTRYPOINT ? "entrypoint"
                                 : "extension";
}

static int parse_ext(parser_t *p, size_t li, ctr_ext_kind_t kind,
                     scn_ext_t **out);

static int parse_ext_body(parser_t *p, size_t li, scn_ext_t *e)
{
    char b[200];
    size_t end = block_end(p, li);
    int ci = -1;
    scn_ext_t **sub_tail = &e->subs;
    for (size_t j = li + 1; j < end; j = block_end(p, j)) {
        TRY(check_child(p, li, j, &ci));
        p->li = j;
        p->ti = 0;
        scn_tok_t *t = tok(p);
        if (is_word(t, "extension")) {
            scn_ext_t *sub;
            if (p->subs == SCN_MAX_SUBS)
                return err_tok(p, t,
                               "extensions nested too deep (more than %d "
                               "sub-extensions inside one another)",
                               SCN_MAX_SUBS);
            p->subs++;
            TRY(parse_ext(p, j, CTR_EXTENSION, &sub));
            p->subs--;
            *sub_tail = sub;
            sub_tail = &sub->next;
            continue;
        }
        if (t->kind != SCN_T_WORD)
            return err_tok(p, t, "expected a hook or 'extension', found %s",
                           describe(t, b, sizeof(b)));
        int h = parse_hook_name(t->text);
        if (h < 0) {
            char h[80];
            if (is_punct(peek(p, 1), ':'))
                return err_tok(p, t, "unknown hook '%s'%s", t->text,
                               scn__hint(h, sizeof(h), t->text,
                                         scn_hook_names_list));
            if (strcmp(t->text, "dependency") == 0 ||
                strcmp(t->text, "entrypoint") == 0 ||
                strcmp(t->text, "method") == 0)
                return err_tok(p, t, "'%s' belongs directly under the service",
                               t->text);
            return err_tok(p, t,
                           "unknown keyword '%s' in %s '%s' (expected a hook or "
                           "'extension')%s",
                           t->text, kind_name(e->kind), e->name,
                           scn__hint(h, sizeof(h), t->text, ext_words));
        }
        /* worker_setup / worker_teardown also on entrypoints (called there
         * only under lifecycle=parallel_all, the v1.x containers). */
        int ep_worker_hook =
            h == SCN_HOOK_WORKER_SETUP || h == SCN_HOOK_WORKER_TEARDOWN;
        if (h >= SCN_HOOK_GET_DEPENDENCY && h <= SCN_HOOK_WORKER_TEARDOWN &&
            e->kind != CTR_DEPENDENCY &&
            !(ep_worker_hook && e->kind == CTR_ENTRYPOINT))
            return err_tok(p, t, "'%s' is a dependency%s hook (not for %s '%s')",
                           t->text, ep_worker_hook ? " or entrypoint" : "",
                           kind_name(e->kind), e->name);
        if (h == SCN_HOOK_HANDLE_RESULT && e->kind != CTR_ENTRYPOINT)
            return err_tok(p, t, "'%s' is an entrypoint hook (not for %s '%s')",
                           t->text, kind_name(e->kind), e->name);
        if (e->has_hook[h])
            return err_tok(p, t, "duplicate hook '%s' in %s '%s'", t->text,
                           kind_name(e->kind), e->name);
        e->has_hook[h] = 1;
        advance(p);
        TRY(expect_punct(p, ':', "after the hook name"));
        p->list_line = line(p)->lineno;
        TRY(parse_step_block(p, j, p->ti, CTX_HOOK | CTX_SERVICE, &e->hooks[h]));
    }
    return 0;
}

static int parse_ext(parser_t *p, size_t li, ctr_ext_kind_t kind,
                     scn_ext_t **out)
{
    char b[200];
    p->li = li;
    p->ti = 1;
    TRY(enter_level(p, li));
    scn_ext_t *e = NEW(p, scn_ext_t);
    if (!e)
        return SCN_ENOMEM;
    e->kind = kind;
    TRY(expect_name(p, "an extension name", &e->name, &e->pos));
    while (!at_end(p)) {
        scn_tok_t *t = tok(p);
        if (t->kind != SCN_T_WORD)
            return err_tok(p, t, "expected an option, found %s",
                           describe(t, b, sizeof(b)));
        const char *o = t->text;
        if (strcmp(o, "shared") == 0) {
            e->shared = 1;
            advance(p);
        } else if (strcmp(o, "collector") == 0) {
            e->collector = 1;
            advance(p);
        } else if (strcmp(o, "key") == 0) {
            advance(p);
            TRY(expect_punct(p, '=', "after 'key'"));
            TRY(expect_name(p, "a sharing key", &e->key, NULL));
            e->shared = 1;
        } else if (strcmp(o, "method") == 0 && kind == CTR_ENTRYPOINT) {
            advance(p);
            TRY(expect_punct(p, '=', "after 'method'"));
            TRY(expect_name(p, "a method name", &e->method, &e->method_pos));
        } else if (strcmp(o, "expected") == 0 && kind == CTR_ENTRYPOINT) {
            advance(p);
            TRY(expect_punct(p, '=', "after 'expected'"));
            TRY(parse_type_list(p, 0, &e->expected, &e->expected_pos,
                                &e->n_expected));
        } else if (strcmp(o, "timer") == 0 && kind == CTR_ENTRYPOINT) {
            /* nameko's Timer(interval); scenarios/README.md 3.3 */
            advance(p);
            TRY(expect_punct(p, '=',
                             "after 'timer' (timer=INTERVAL, e.g. timer=1s)"));
            TRY(parse_duration(p, 0, &e->timer));
        } else if (strcmp(o, "tcp") == 0 && kind == CTR_ENTRYPOINT) {
            e->tcp = 1;
            advance(p);
        } else {
            static const char *const ep_opts[] = {"shared", "collector", "key",
                                                  "method", "expected", "timer",
                                                  "tcp", NULL};
            static const char *const ext_opts[] = {"shared", "collector", "key",
                                                   NULL};
            char h[80];
            return err_tok(p, t, "unknown option '%s' for %s '%s'%s", o,
                           kind_name(kind), e->name,
                           scn__hint(h, sizeof(h), o,
                                     kind == CTR_ENTRYPOINT ? ep_opts : ext_opts));
        }
    }
    if (kind == CTR_ENTRYPOINT && !e->method) {
        e->method = e->name;
        e->method_pos = e->pos;
    }
    TRY(parse_ext_body(p, li, e));
    p->levels--;
    *out = e;
    return 0;
}

static int parse_service(parser_t *p, size_t li)
{
    char b[200];
    scn_service_t *s = NEW(p, scn_service_t);
    if (!s)
        return SCN_ENOMEM;
    p->ti = 1;
    TRY(expect_name(p, "a service name", &s->name, &s->pos));
    while (!at_end(p)) {
        scn_tok_t *t = tok(p);
        if (is_word(t, "max_workers")) {
            advance(p);
            TRY(expect_punct(p, '=', "after 'max_workers'"));
            uint64_t n;
            scn_tok_t *nt = tok(p);
            TRY(parse_uint(p, "a worker count", &n));
            if (n < 1)
                return err_tok(p, nt, "max_workers must be at least 1");
            if (n > 1000000)
                return err_tok(p, nt, "max_workers is too large (at most 1000000)");
            s->max_workers = (int)n;
        } else {
            return err_tok(p, t, "unknown option %s for service '%s'",
                           describe(t, b, sizeof(b)), s->name);
        }
    }
    scn_ext_t **dep_tail = &s->deps, **ep_tail = &s->eps;
    scn_method_t **m_tail = &s->methods;
    size_t end = block_end(p, li);
    int ci = -1;
    for (size_t j = li + 1; j < end; j = block_end(p, j)) {
        TRY(check_child(p, li, j, &ci));
        p->li = j;
        p->ti = 0;
        scn_tok_t *t = tok(p);
        if (is_word(t, "dependency")) {
            scn_ext_t *e;
            TRY(parse_ext(p, j, CTR_DEPENDENCY, &e));
            *dep_tail = e;
            dep_tail = &e->next;
        } else if (is_word(t, "entrypoint")) {
            scn_ext_t *e;
            TRY(parse_ext(p, j, CTR_ENTRYPOINT, &e));
            *ep_tail = e;
            ep_tail = &e->next;
        } else if (is_word(t, "method")) {
            scn_method_t *m = NEW(p, scn_method_t);
            if (!m)
                return SCN_ENOMEM;
            p->ti = 1;
            TRY(expect_name(p, "a method name", &m->name, &m->pos));
            if (at_end(p)) {
                TRY(no_children(p, j, "a method without ':'"));
            } else {
                TRY(expect_punct(p, ':', "after the method name"));
                p->list_line = line(p)->lineno;
                TRY(parse_step_block(p, j, p->ti, CTX_SERVICE, &m->body));
            }
            *m_tail = m;
            m_tail = &m->next;
        } else if (is_word(t, "extension")) {
            return err_tok(p, t,
                           "a plain extension must be nested under a dependency "
                           "or an entrypoint");
        } else if (t->kind == SCN_T_WORD && parse_hook_name(t->text) >= 0) {
            return err_tok(p, t,
                           "hook '%s' must be under a dependency, an entrypoint "
                           "or an extension nested in one",
                           t->text);
        } else {
            static const char *const svc_words[] = {"dependency", "entrypoint",
                                                    "method", "extension", NULL};
            char h[80];
            return err_tok(p, t,
                           "unknown keyword %s in service (expected dependency, "
                           "entrypoint or method)%s",
                           describe(t, b, sizeof(b)),
                           t->kind == SCN_T_WORD
                               ? scn__hint(h, sizeof(h), t->text, svc_words)
                               : "");
        }
    }
    s->index = (int)p->m->n_services++;
    *p->svc_tail = s;
    p->svc_tail = &s->next;
    return 0;
}

/* ---------------------------------------------------------------- expect */

static const char *const trace_kinds[] = {
    "spawn", "run",  "yield", "sleep", "block", "wake",  "kill",   "exit",
    "link",  "send", "hung",  "crash", "log",   "call",  "ret",   "state",
    "worker", "managed", "host", "mark", "step", "reply", "*",  NULL,
};

static int is_trace_kind(const char *w)
{
    for (size_t i = 0; trace_kinds[i]; i++)
        if (strcmp(w, trace_kinds[i]) == 0)
            return 1;
    return 0;
}

static int is_stop_word(const scn_tok_t *t)
{
    return is_word(t, "then") || is_word(t, "after") || is_word(t, "before");
}

static int field(parser_t *p, const char **out, scn_pos_t *pos)
{
    scn_tok_t *t = tok(p);
    if ((t->kind == SCN_T_WORD && !is_stop_word(t)) || t->kind == SCN_T_STRING ||
        t->kind == SCN_T_NUMBER) {
        *out = t->text;
        *pos = pos_of(p, t);
        advance(p);
        return 1;
    }
    return 0;
}

static const char *const stop_words[] = {"then", "after", "before", NULL};
static const char *const result_words[] = {"returns", "raises", NULL};
static const char *const op_words[] = {"start", "stop", "kill", "wait",
                                       "fire",  "host", "runner", NULL};

static int is_actor_name(parser_t *p, const char *w)
{
    for (size_t i = 0; i < p->n; i++) {
        const scn_line_t *l = &p->lines[i];
        if (l->indent == 0 && l->n > 2 && is_word(&l->toks[0], "actor") &&
            is_word(&l->toks[1], w))
            return 1;
    }
    return 0;
}

/* `OP ... raisse`: an operation expectation that lacks `returns`/`raises`.
 * The caret goes to the word that should have been one of them. */
static int err_missing_result(parser_t *p, const scn_tok_t *first)
{
    char b[200], h[80];
    p->ti = (size_t)(first - line(p)->toks);
    size_t skip = is_word(first, "runner") ? 2 : 1;
    scn_tok_t *t = peek(p, skip);
    /* `OP SVC returns`: past a service name to a word near a result word. */
    if (t->kind == SCN_T_WORD && !scn__suggest(t->text, result_words) &&
        peek(p, skip + 1)->kind != SCN_T_EOL)
        t = peek(p, skip + 1);
    const char *hint =
        t->kind == SCN_T_WORD ? scn__hint(h, sizeof(h), t->text, result_words) : "";
    return err_tok(p, t,
                   "expected 'returns' or 'raises' in '%s%s' expectation (OP [SVC] "
                   "returns | raises TYPE), found %s%s",
                   skip == 2 ? "runner " : "", first[skip - 1].text,
                   describe(t, b, sizeof(b)), hint);
}

static int parse_pattern(parser_t *p, scn_pattern_t *pat)
{
    char b[200], h[80];
    scn_tok_t *t = tok(p);
    size_t start_col = (size_t)t->col;
    pat->kind_pos = pos_of(p, t);
    if (t->kind != SCN_T_WORD || is_stop_word(t))
        return err_tok(p, t, "expected an event pattern, found %s",
                       describe(t, b, sizeof(b)));
    if (is_trace_kind(t->text)) {
        pat->kind = t->text;
        advance(p);
        if (field(p, &pat->subject, &pat->subject_pos))
            field(p, &pat->detail, &pat->detail_pos);
    } else if (strchr(t->text, '.')) {
        pat->kind = "call";
        pat->subject = t->text;
        pat->subject_pos = pos_of(p, t);
        advance(p);
        field(p, &pat->detail, &pat->detail_pos);
    } else if (p->ti == p->x_first && (is_actor_name(p, t->text))) {
        return err_tok(p, t,
                       "'%s' is an actor: write 'actor %s returns' (or raises "
                       "TYPE, or blocked)",
                       t->text, t->text);
    } else if (p->ti == p->x_first && in_list(t->text, op_words)) {
        return err_missing_result(p, t);
    } else {
        return err_tok(p, t,
                       "unknown event kind '%s' (expected spawn, run, yield, "
                       "sleep, block, wake, kill, exit, link, send, hung, log, "
                       "call, ret, state, worker, mark, step, or EXT.HOOK)%s",
                       t->text,
                       scn__hint(h, sizeof(h), t->text, trace_kinds));
    }
    scn_tok_t *e = tok(p);
    if (t == &line(p)->toks[p->x_first] && strcmp(t->text, "kill") == 0 &&
        pat->subject && scn__suggest(pat->subject, result_words))
        return err_missing_result(p, t); /* `kill raisse Boom` */
    if (!at_end(p) && !is_stop_word(e) && !is_punct(e, ';')) {
        /* A misspelt `then` was taken as a subject or detail. */
        const scn_tok_t *first_tok = &line(p)->toks[p->x_first];
        for (const scn_tok_t *w = t + 1; w <= e && w >= first_tok; w++) {
            const char *near = w->kind == SCN_T_WORD
                                   ? scn__suggest(w->text, stop_words)
                                   : NULL;
            if (near)
                return err_tok(p, w,
                               "did you mean '%s'? '%s' is read as part of the "
                               "event pattern, which leaves %s one word too many "
                               "(at most a kind, a subject and a detail)",
                               near, w->text, describe(e, b, sizeof(b)));
        }
        if (t == first_tok && in_list(t->text, op_words))
            return err_missing_result(p, t);
        if (e->kind == SCN_T_PUNCT && e - 1 != t) {
            /* `state svc dead:Boom: late`: a detail with punctuation. */
            const scn_tok_t *from = e - 1, *to = e;
            while (to->kind != SCN_T_EOL && !is_stop_word(to) &&
                   !is_punct(to, ';'))
                to++;
            const char *raw = line(p)->raw;
            size_t a0 = (size_t)from->col - 1, a1 = (size_t)to->col - 1;
            while (a1 > a0 && raw[a1 - 1] == ' ')
                a1--;
            return err_tok(p, e,
                           "unexpected %s in event pattern (to match \"%.*s\", "
                           "quote it)",
                           describe(e, b, sizeof(b)), (int)(a1 - a0), raw + a0);
        }
        return err_tok(p, e, "unexpected %s in event pattern (at most a kind, "
                             "a subject and a detail)",
                       describe(e, b, sizeof(b)));
    }
    /* Canonical text: the source span of the pattern. */
    size_t end_col = (size_t)e->col;
    const char *raw = line(p)->raw;
    while (end_col > start_col && raw[end_col - 2] == ' ')
        end_col--;
    pat->text = scn_arena_strndup(p->a, raw + start_col - 1, end_col - start_col);
    return pat->text ? 0 : SCN_ENOMEM;
}

static int parse_op_word(parser_t *p, scn_step_kind_t *op, int *runner)
{
    static const char *const ops[] = {"start", "stop", "kill", "wait", "fire",
                                      "host"};
    static const scn_step_kind_t kinds[] = {SCN_S_START, SCN_S_STOP,
                                            SCN_S_KILL,  SCN_S_WAIT,
                                            SCN_S_FIRE,  SCN_S_HOST};
    static const scn_step_kind_t rkinds[] = {
        SCN_S_RUNNER_START, SCN_S_RUNNER_STOP, SCN_S_RUNNER_KILL,
        SCN_S_RUNNER_WAIT};
    scn_tok_t *t = tok(p);
    *runner = 0;
    if (is_word(t, "runner")) {
        scn_tok_t *n = peek(p, 1);
        for (size_t i = 0; i < 4; i++)
            if (is_word(n, ops[i])) {
                *op = rkinds[i];
                *runner = 1;
                return 1;
            }
        return 0;
    }
    for (size_t i = 0; i < 6; i++)
        if (is_word(t, ops[i])) {
            *op = kinds[i];
            return 1;
        }
    return 0;
}

static int is_result_word(const scn_tok_t *t)
{
    return is_word(t, "returns") || is_word(t, "raises");
}

static int parse_result(parser_t *p, scn_expect_t *x, int allow_blocked)
{
    char b[200];
    scn_tok_t *t = tok(p);
    if (is_word(t, "returns")) {
        x->res = SCN_R_RETURNS;
        advance(p);
    } else if (is_word(t, "raises")) {
        x->res = SCN_R_RAISES;
        advance(p);
        TRY(parse_errspec(p, &x->err, 1));
    } else if (allow_blocked && is_word(t, "blocked")) {
        x->res = SCN_R_BLOCKED;
        advance(p);
    } else {
    {
        static const char *const words[] = {"returns", "raises", "blocked", NULL};
        static const char *const words2[] = {"returns", "raises", NULL};
        char h[80];
        return err_tok(p, t, "expected returns, raises%s, found %s%s",
                       allow_blocked ? " or blocked" : "",
                       describe(t, b, sizeof(b)),
                       t->kind == SCN_T_WORD
                           ? scn__hint(h, sizeof(h), t->text,
                                       allow_blocked ? words : words2)
                           : "");
    }
    }
    return expect_eol(p);
}

static int parse_expect_line(parser_t *p, size_t li)
{
    char b[200];
    p->li = li;
    p->ti = 0;
    p->x_first = 0;
    scn_expect_t *x = NEW(p, scn_expect_t);
    if (!x)
        return SCN_ENOMEM;
    scn_tok_t *t = tok(p);
    x->pos = pos_of(p, t);
    {
        /* The line as written, without indentation or comment. */
        scn_tok_t *last = &line(p)->toks[line(p)->n - 1];
        const char *raw = line(p)->raw;
        size_t s = (size_t)t->col - 1, e = (size_t)last->col - 1;
        while (e > s && raw[e - 1] == ' ')
            e--;
        x->text = scn_arena_strndup(p->a, raw + s, e - s);
        if (!x->text)
            return SCN_ENOMEM;
    }
    TRY(no_children(p, li, "an expectation"));
    if (is_word(t, "sometimes")) {
        /* `sometimes EXPECTATION`: any other form, counted over runs */
        advance(p);
        t = tok(p);
        if (t->kind == SCN_T_EOL)
            return err_tok(p, t, "expected an expectation after 'sometimes' "
                                 "(e.g. 'sometimes P1 then P2')");
        if (is_word(t, "sometimes"))
            return err_tok(p, t, "'sometimes' is given twice");
        x->sometimes = 1;
        x->sometimes_index = p->m->n_sometimes++;
        p->x_first = p->ti;
    }
    scn_step_kind_t op;
    int runner;
    if (is_word(t, "never")) {
        advance(p);
        x->kind = SCN_X_NEVER;
        x->pats = scn_arena_alloc(p->a, 2 * sizeof(scn_pattern_t));
        if (!x->pats)
            return SCN_ENOMEM;
        TRY(parse_pattern(p, &x->pats[0]));
        x->n_pats = 1;
        if (is_word(tok(p), "after") || is_word(tok(p), "before")) {
            x->kind = is_word(tok(p), "after") ? SCN_X_NEVER_AFTER
                                               : SCN_X_NEVER_BEFORE;
            advance(p);
            TRY(parse_pattern(p, &x->pats[1]));
            x->n_pats = 2;
        }
        TRY(expect_eol(p));
    } else if (is_word(t, "exactly") ||
               (is_word(t, "at") && (is_word(peek(p, 1), "least") ||
                                     is_word(peek(p, 1), "most")))) {
        x->kind = SCN_X_COUNT;
        if (is_word(t, "exactly")) {
            x->cmp = SCN_CMP_EQ;
            advance(p);
        } else {
            x->cmp = is_word(peek(p, 1), "least") ? SCN_CMP_GE : SCN_CMP_LE;
            advance(p);
            advance(p);
        }
        scn_tok_t *ct = tok(p);
        TRY(parse_uint(p, "a count", &x->count));
        if (x->count == 0 && x->cmp == SCN_CMP_GE)
            return err_tok(p, ct, "'at least 0' always holds (a count of 0 "
                                  "is only meaningful as 'exactly 0' or 'at "
                                  "most 0', i.e. never)");
        x->pats = scn_arena_alloc(p->a, sizeof(scn_pattern_t));
        if (!x->pats)
            return SCN_ENOMEM;
        TRY(parse_pattern(p, &x->pats[0]));
        x->n_pats = 1;
        TRY(expect_eol(p));
    } else if (is_word(t, "actor")) {
        advance(p);
        x->kind = SCN_X_ACTOR;
        TRY(expect_name(p, "an actor name", &x->actor_name, &x->err.pos));
        x->pos = x->err.pos;
        x->err.pos = (scn_pos_t){0, 0};
        TRY(parse_result(p, x, 1));
    } else if (is_word(t, "final")) {
        advance(p);
        x->kind = SCN_X_FINAL;
        scn_tok_t *f = tok(p);
        if (f->kind == SCN_T_WORD && !is_word(f, "dead") && !is_word(f, "alive") &&
            !is_word(f, "hung") && peek(p, 1)->kind != SCN_T_EOL) {
            TRY(expect_name(p, "a service name", &x->svc_name, &x->pos));
            f = tok(p);
        }
        if (is_word(f, "dead"))
            x->final = SCN_F_DEAD;
        else if (is_word(f, "alive"))
            x->final = SCN_F_ALIVE;
        else if (is_word(f, "hung"))
            x->final = SCN_F_HUNG;
        else {
            static const char *const fw[] = {"dead", "alive", "hung", NULL};
            char h[80];
            return err_tok(p, f, "expected dead, alive or hung, found %s%s",
                           describe(f, b, sizeof(b)),
                           f->kind == SCN_T_WORD
                               ? scn__hint(h, sizeof(h), f->text, fw)
                               : "");
        }
        if (x->final == SCN_F_HUNG && x->svc_name)
            return err_tok(p, f, "'hung' is about the whole run, not a service");
        if (x->final == SCN_F_HUNG && x->sometimes)
            return err_tok(p, f, "'sometimes final hung' cannot be counted: a "
                                 "run that hangs fails unless 'final hung' is "
                                 "expected of every run");
        advance(p);
        if (x->final == SCN_F_HUNG)
            p->m->expects_hung = 1;
        TRY(expect_eol(p));
    } else if (is_word(t, "no")) {
        advance(p);
        if (!is_word(tok(p), "leftover") || !is_word(peek(p, 1), "threads"))
            return err_tok(p, tok(p), "expected 'no leftover threads'");
        advance(p);
        advance(p);
        x->kind = SCN_X_NO_LEFTOVER;
        TRY(expect_eol(p));
    } else if (parse_op_word(p, &op, &runner) &&
               (is_result_word(peek(p, runner ? 2 : 1)) ||
                (!runner && peek(p, 1)->kind == SCN_T_WORD &&
                 is_result_word(peek(p, 2))))) {
        x->kind = SCN_X_OP;
        x->op = op;
        advance(p);
        if (runner)
            advance(p);
        if (!is_result_word(tok(p)))
            TRY(expect_name(p, "a service name", &x->svc_name, &x->pos));
        TRY(parse_result(p, x, 0));
    } else {
        x->kind = SCN_X_SEEN;
        size_t cap = 4;
        x->pats = scn_arena_alloc(p->a, cap * sizeof(scn_pattern_t));
        if (!x->pats)
            return SCN_ENOMEM;
        for (;;) {
            if (x->n_pats == cap) {
                scn_pattern_t *np = scn_arena_alloc(p->a, 2 * cap * sizeof(*np));
                if (!np)
                    return SCN_ENOMEM;
                memcpy(np, x->pats, cap * sizeof(*np));
                x->pats = np;
                cap *= 2;
            }
            TRY(parse_pattern(p, &x->pats[x->n_pats++]));
            if (!is_word(tok(p), "then"))
                break;
            advance(p);
        }
        if (is_word(tok(p), "after") || is_word(tok(p), "before"))
            return err_tok(p, tok(p), "'%s' only goes with 'never P %s Q'",
                           tok(p)->text, tok(p)->text);
        TRY(expect_eol(p));
    }
    p->m->n_expects++;
    *p->expect_tail = x;
    p->expect_tail = &x->next;
    return 0;
}

/* ---------------------------------------------------------------- top level */

/* The names to the end of the line, appended to set (no duplicates);
 * *arr and *n are the set's names in order. */
static int push_names(parser_t *p, scn__strset_t *set, const char ***arr,
                      size_t *n, const char *what)
{
    while (!at_end(p)) {
        const char *name;
        scn_tok_t *t = tok(p);
        TRY(expect_name(p, what, &name, NULL));
        if (scn__set_has(set, name))
            return err_tok(p, t, "duplicate %s '%s'", what, name);
        TRY(scn__set_add(p->a, set, name));
    }
    *arr = set->v;
    *n = set->n;
    return 0;
}

/* A top-level line that reads as an expectation (`final dead`, `never
 * db.stop`, `stop returns`, `db.kill then ...`). */
static int looks_like_expectation(parser_t *p, const scn_tok_t *t)
{
    static const char *const forms[] = {"never", "exactly", "final", "log",
                                        "call",  "ret",     "state", "worker",
                                        "managed", NULL};
    const scn_line_t *l = line(p);
    if (in_list(t->text, forms) || strchr(t->text, '.'))
        return 1;
    if (is_word(t, "no") && l->n > 1 && is_word(&l->toks[1], "leftover"))
        return 1;
    if (is_word(t, "at") && l->n > 1 &&
        (is_word(&l->toks[1], "least") || is_word(&l->toks[1], "most")))
        return 1;
    for (size_t i = 1; i < l->n; i++)
        if (is_word(&l->toks[i], "then") || is_word(&l->toks[i], "returns") ||
            is_word(&l->toks[i], "raises"))
            return 1;
    return 0;
}

/* The presets, or switch i's values, as a NULL-terminated list for hints
 * (at most 32 entries). */
static void preset_names(const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < ctr_preset_count() && n < 32; i++)
        out[n++] = ctr_preset_name(i);
    out[n] = NULL;
}

static void switch_names(const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < ctr_switch_count() && n < 32; i++)
        out[n++] = ctr_switch_name(i);
    out[n] = NULL;
}

static void value_names(size_t sw, const char **out)
{
    size_t n = 0;
    for (size_t v = 0; v < ctr_switch_value_count(sw) && n < 32; v++)
        out[n++] = ctr_switch_value_name(sw, v);
    out[n] = NULL;
}

/* "a, b, c" */
static void join(const char *const *names, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; names[i] && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", names[i]);
}

/* `variant NAME [switch=value ...]`: NAME is a preset (variant.h; preset
 * names contain dots, `v1.5.0`), each override a switch and one of its
 * values. */
static int parse_variant(parser_t *p)
{
    char b[200], h[80], known[400];
    const char *names[33];
    scn_tok_t *v = tok(p);
    if (v->kind != SCN_T_WORD)
        return err_tok(p, v, "expected a variant name, found %s",
                       describe(v, b, sizeof(b)));
    if (ctr_variant_preset(v->text, NULL) < 0) {
        preset_names(names);
        join(names, known, sizeof(known));
        /* `variant stop_during_kill=wait`: the preset was left out. */
        if (ctr_switch_find(v->text) >= 0 && is_punct(peek(p, 1), '='))
            return err_tok(p, v, "'%.60s' is a switch: name a preset first "
                                 "(`variant current %.60s=...`; presets: %s)",
                           v->text, v->text, known);
        /* Case is the likeliest slip (`HARDENED`), and too far for the
         * edit-distance hint. */
        for (size_t i = 0; names[i]; i++)
            if (strcasecmp(names[i], v->text) == 0)
                return err_tok(p, v, "unknown variant '%.60s' (known: %s); "
                                     "did you mean '%s'?",
                               v->text, known, names[i]);
        return err_tok(p, v, "unknown variant '%.60s' (known: %s)%s", v->text,
                       known, scn__hint(h, sizeof(h), v->text, names));
    }
    p->m->variant = v->text;
    advance(p);
    size_t cap = 0;
    while (!at_end(p)) {
        scn_tok_t *st = tok(p);
        if (st->kind != SCN_T_WORD)
            return err_tok(p, st, "expected a switch (switch=value), found %s",
                           describe(st, b, sizeof(b)));
        int sw = ctr_switch_find(st->text);
        if (sw < 0) {
            switch_names(names);
            join(names, known, sizeof(known));
            return err_tok(p, st, "unknown switch '%.60s' (known: %s)%s",
                           st->text, known,
                           scn__hint(h, sizeof(h), st->text, names));
        }
        for (size_t i = 0; i < p->m->n_switches; i++)
            if (strcmp(p->m->switches[i].name, st->text) == 0)
                return err_tok(p, st, "duplicate switch '%s'", st->text);
        advance(p);
        if (!is_punct(tok(p), '='))
            return err_tok(p, tok(p),
                           "expected '=' after switch '%s' (switch=value), "
                           "found %s",
                           st->text, describe(tok(p), b, sizeof(b)));
        advance(p);
        scn_tok_t *vt = tok(p);
        value_names((size_t)sw, names);
        join(names, known, sizeof(known));
        if (vt->kind != SCN_T_WORD)
            return err_tok(p, vt, "expected a value for switch '%s' (known: "
                                  "%s), found %s",
                           st->text, known, describe(vt, b, sizeof(b)));
        int found = 0;
        for (size_t i = 0; names[i]; i++)
            found |= strcmp(names[i], vt->text) == 0;
        if (!found)
            return err_tok(p, vt, "bad value '%.60s' for switch '%s' (known: "
                                  "%s)%s",
                           vt->text, st->text, known,
                           scn__hint(h, sizeof(h), vt->text, names));
        scn_switch_set_t *ns = scn_arena_grow(p->a, p->m->switches,
                                              p->m->n_switches, &cap,
                                              sizeof(*ns), 4);
        if (!ns)
            return SCN_ENOMEM;
        p->m->switches = ns;
        scn_switch_set_t *set = &p->m->switches[p->m->n_switches++];
        set->name = ctr_switch_name((size_t)sw);
        set->value = vt->text;
        set->pos = pos_of(p, st);
        advance(p);
    }
    return 0;
}

static int parse_top(parser_t *p, size_t li)
{
    char b[200];
    p->li = li;
    p->ti = 0;
    scn_tok_t *t = tok(p);
    scn_model_t *m = p->m;
    if (line(p)->indent != 0)
        return err_tok(p, t, "unexpected indentation");
    if (t->kind != SCN_T_WORD)
        return err_tok(p, t, "expected a keyword, found %s",
                       describe(t, b, sizeof(b)));
    const char *w = t->text;
    advance(p);
    if (strcmp(w, "service") == 0)
        return parse_service(p, li);
    if (strcmp(w, "scenario") == 0) {
        if (p->seen_scenario)
            return err_tok(p, t, "duplicate 'scenario' line");
        p->seen_scenario = 1;
        if (tok(p)->kind != SCN_T_STRING)
            return err_tok(p, tok(p), "expected the scenario title as a string, "
                                      "found %s",
                           describe(tok(p), b, sizeof(b)));
        m->title = tok(p)->text;
        advance(p);
        TRY(expect_eol(p));
        return no_children(p, li, "'scenario'");
    }
    if (strcmp(w, "variant") == 0) {
        if (p->seen_variant)
            return err_tok(p, t, "duplicate 'variant' line");
        p->seen_variant = 1;
        TRY(parse_variant(p));
        return no_children(p, li, "'variant'");
    }
    if (strcmp(w, "explore") == 0) {
        if (p->seen_explore)
            return err_tok(p, t, "duplicate 'explore' line");
        p->seen_explore = 1;
        if (at_end(p))
            return err_tok(p, tok(p), "expected the choice kinds to explore "
                                      "(ready wake ext tie early)");
        unsigned mask = 0;
        while (!at_end(p)) {
            scn_tok_t *ct = tok(p);
            unsigned bit = ct->kind == SCN_T_WORD ? scn_choice_bit(ct->text) : 0;
            if (!bit)
                return err_tok(p, ct, "unknown choice kind %s (known: ready "
                                      "wake ext tie early)",
                               describe(ct, b, sizeof(b)));
            if (mask & bit)
                return err_tok(p, ct, "duplicate choice kind '%s'", ct->text);
            mask |= bit;
            advance(p);
        }
        m->explore_choices = mask;
        return no_children(p, li, "'explore'");
    }
    if (strcmp(w, "limit") == 0) {
        if (is_word(tok(p), "steps")) {
            advance(p);
            scn_tok_t *nt = tok(p);
            TRY(parse_uint(p, "a step count", &m->step_limit));
            if (m->step_limit == 0)
                return err_tok(p, nt, "step limit must be positive");
        } else if (is_word(tok(p), "time")) {
            advance(p);
            TRY(parse_duration(p, 0, &m->time_limit));
        } else {
            return err_tok(p, tok(p), "expected 'steps' or 'time' after 'limit', "
                                      "found %s",
                           describe(tok(p), b, sizeof(b)));
        }
        TRY(expect_eol(p));
        return no_children(p, li, "'limit'");
    }
    if (strcmp(w, "event") == 0) {
        if (at_end(p))
            return err_tok(p, tok(p), "expected an event name");
        TRY(push_names(p, &p->event_names, &m->events, &m->n_events, "event"));
        return no_children(p, li, "'event'");
    }
    if (strcmp(w, "error") == 0) {
        scn_named_error_t ne;
        memset(&ne, 0, sizeof(ne));
        scn_tok_t *nt = tok(p);
        if (nt->kind == SCN_T_WORD && is_error_type(nt->text))
            return err_tok(p, nt,
                           "an error's name is a lowercase word (the type comes "
                           "after '=': error %c%s = %s(\"...\"))",
                           nt->text[0] - 'A' + 'a', nt->text + 1, nt->text);
        TRY(expect_name(p, "an error name", &ne.name, &ne.pos));
        TRY(expect_punct(p, '=', "after the error name (error NAME = "
                                 "TYPE(\"message\"))"));
        TRY(parse_errspec(p, &ne.spec, 0));
        if (strcmp(ne.spec.type, "GreenletExit") == 0)
            return err_tok(p, &line(p)->toks[3],
                           "GreenletExit is the kill condition and cannot be "
                           "named");
        TRY(expect_eol(p));
        scn_named_error_t *na = scn_arena_grow(p->a, m->errors, m->n_errors,
                                               &p->errors_cap, sizeof(*na), 8);
        if (!na)
            return SCN_ENOMEM;
        m->errors = na;
        m->errors[m->n_errors++] = ne;
        return no_children(p, li, "'error'");
    }
    if (strcmp(w, "runner") == 0) {
        if (m->has_runner)
            return err_tok(p, t, "duplicate 'runner' line (one runner per scenario)");
        m->has_runner = 1;
        if (at_end(p))
            return err_tok(p, tok(p), "expected the runner's service names");
        TRY(push_names(p, &p->runner_names, &m->runner, &m->n_runner,
                       "service"));
        return no_children(p, li, "'runner'");
    }
    if (strcmp(w, "actor") == 0) {
        scn_actor_t *a = NEW(p, scn_actor_t);
        if (!a)
            return SCN_ENOMEM;
        TRY(expect_name(p, "an actor name", &a->name, &a->pos));
        if (is_word(tok(p), "at")) {
            advance(p);
            TRY(parse_duration(p, 1, &a->at));
        }
        TRY(expect_punct(p, ':', "after the actor (actor NAME [at TIME]: steps)"));
        p->list_line = line(p)->lineno;
        TRY(parse_step_block(p, li, p->ti, CTX_ACTOR, &a->body));
        if (!a->body)
            return scn__diag(p->diag, p->path, a->pos.line, a->pos.col,
                             p->lines[li].raw,
                             "actor '%s' has no steps (give it at least one, "
                             "e.g. 'actor %s: start')",
                             a->name, a->name);
        a->index = (int)m->n_actors++;
        *p->actor_tail = a;
        p->actor_tail = &a->next;
        return 0;
    }
    if (strcmp(w, "expect") == 0) {
        if (is_punct(tok(p), ':'))
            advance(p);
        TRY(expect_eol(p));
        size_t end = block_end(p, li);
        int ci = -1;
        for (size_t j = li + 1; j < end; j = block_end(p, j)) {
            TRY(check_child(p, li, j, &ci));
            TRY(parse_expect_line(p, j));
        }
        return 0;
    }
    static const char *const top_words[] = {
        "scenario", "variant", "limit", "event",  "error",
        "service",  "runner",  "actor", "expect", "explore", NULL};
    char h[80];
    if (looks_like_expectation(p, t))
        return err_tok(p, t,
                       "unknown keyword '%s' (an expectation: it belongs on an "
                       "indented line under 'expect')",
                       w);
    return err_tok(p, t, "unknown keyword '%s'%s", w,
                   scn__hint(h, sizeof(h), w, top_words));
}

static int split_source(scn_model_t *m, const char *text, size_t len)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            n++;
    m->src = scn_arena_alloc(&m->arena, (n + 1) * sizeof(*m->src));
    if (!m->src)
        return SCN_ENOMEM;
    size_t pos = 0, k = 1;
    while (pos <= len && k <= n) {
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        m->src[k++] = scn_arena_strndup(&m->arena, text + pos, e - pos);
        pos = e + 1;
    }
    m->n_src = k - 1;
    return 0;
}

int scn_parse(const char *path, const char *text, size_t len,
              scn_model_t **out, scn_diag_t *diag)
{
    return scn_parse_ex(path, text, len, 0, out, diag);
}

int scn_parse_ex(const char *path, const char *text, size_t len,
                 unsigned flags, scn_model_t **out, scn_diag_t *diag)
{
    *out = NULL;
    scn_arena_t arena = {0};
    scn_model_t *m = scn_arena_alloc(&arena, sizeof(*m));
    if (!m)
        return SCN_ENOMEM;
    m->arena = arena;
    m->path = scn_arena_strdup(&m->arena, path ? path : "<input>");
    m->variant = "current";
    m->parse_flags = flags;
    parser_t p = {.m = m, .a = &m->arena, .path = m->path, .diag = diag};
    /* A UTF-8 byte order mark (some editors write one) is not content;
     * columns count from after it, as editors show them. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        len -= 3;
    }
    p.svc_tail = &m->services;
    p.actor_tail = &m->actors;
    p.expect_tail = &m->expects;
    int rc = m->path ? split_source(m, text, len) : SCN_ENOMEM;
    if (rc == 0)
        rc = scn__lex(&m->arena, m->path, text, len, &p.lines, &p.n, diag);
    if (rc == 0 && p.n == 0)
        rc = scn__diag(diag, m->path, 1, 1, m->n_src ? m->src[1] : "",
                       "empty scenario file");
    for (size_t li = 0; rc == 0 && li < p.n; li = block_end(&p, li))
        rc = parse_top(&p, li);
    if (rc == 0)
        rc = scn__validate(m, diag);
    if (rc < 0) {
        if (rc == SCN_ENOMEM && diag)
            scn__diag(diag, path, 0, 0, "", "out of memory");
        scn_model_free(m);
        return rc;
    }
    if (!m->title)
        m->title = m->path;
    *out = m;
    return 0;
}

int scn_parse_file(const char *path, scn_model_t **out, scn_diag_t *diag)
{
    return scn_parse_file_ex(path, 0, out, diag);
}

int scn_parse_file_ex(const char *path, unsigned flags, scn_model_t **out,
                      scn_diag_t *diag)
{
    char *buf;
    size_t len;
    int rc;

    *out = NULL;
    rc = scn_read_file(path, &buf, &len);
    if (rc == SCN_EIO) {
        scn__diag(diag, path, 0, 0, "", "cannot read: %s", strerror(errno));
        return SCN_EIO;
    }
    if (rc < 0)
        return rc;
    rc = scn_parse_ex(path, buf, len, flags, out, diag);
    sim_free(buf);
    return rc;
}

void scn_model_free(scn_model_t *m)
{
    if (!m)
        return;
    scn_arena_t a = m->arena; /* the model lives inside its own arena */
    scn_arena_free(&a);
}
