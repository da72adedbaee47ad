/*
 * scn_perfetto.c - a run as Chrome trace event JSON (the JSON object
 * format: {"traceEvents":[...],"displayTimeUnit":"ns","otherData":{...}}),
 * which Perfetto and chrome://tracing open.
 *
 *   pid 1   the run: one track per green thread, tid = its id, named by
 *           thread_name metadata and ordered by id; the hub (thread 0)
 *           is tid max id + 1 and sorts first (Perfetto releases before
 *           late 2025 merge a tid 0 track into tid 1)
 *   pid 2   the containers: one track per service (tid = 1 + its index),
 *           one slice per state (started, being_killed, unstarted, dead)
 *
 * On a thread's track: a slice (B/E) from each `call` to its `ret`, a
 * slice from each `block` / `sleep` / `yield` to the thread's next `run`
 * (what it waited on), and an instant ("ph":"i","s":"t") for every other
 * event: spawn, exit, link, kill, send, wake, log, state, worker, managed,
 * mark, step, crash, hung, host.  A slice still open when its thread exits
 * (a hook that never returned: the thread was killed) is closed at the
 * exit, one still open at the end of the run at the end, each with
 * args.unfinished saying so; the slices of a track nest properly.
 *
 * The clock is virtual time: ts (microseconds) = (virtual ns + seq) /
 * 1000, one nanosecond per event so that events of one virtual instant
 * keep their order and slices have width; args.vt is the exact virtual
 * time in ns.  Every event record carries its seq.  A failure adds
 * instants at the events its expectation cites and a global instant with
 * the verdict; a critical pair adds instants at its two events.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "scn_view.h"
#include "sim_alloc.h"

typedef struct slot {
    int wait;  /* 1: a block / sleep / yield slice, 0: a call slice */
    size_t ev; /* the event that opened it */
} slot_t;

typedef struct stack {
    slot_t *s;
    size_t n, cap;
} stack_t;

typedef struct pw {
    FILE *f;
    const scn_view_t *v;
    const scn_result_t *r;
    unsigned hub_tid;
    int first; /* no record written yet */
    int oom;
} pw_t;

static uint64_t ts_of(const scn_event_t *e) {
    return (uint64_t)e->time + e->seq;
}

static void put_ts(FILE *f, uint64_t ns) {
    fprintf(f, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

static void rec_begin(pw_t *w, const char *ph, int pid, unsigned tid) {
    if (pid == 1 && tid == 0)
        tid = w->hub_tid;
    fprintf(w->f, "%s\n{\"ph\":\"%s\",\"pid\":%d,\"tid\":%u",
            w->first ? "" : ",", ph, pid, tid);
    w->first = 0;
}

static void put_name(pw_t *w, const char *a, const char *b, const char *c) {
    /* name = a [" " b] [": " c] */
    size_t n =
        strlen(a) + (b ? strlen(b) + 1 : 0) + (c ? strlen(c) + 2 : 0) + 1;
    char *s = sim_malloc(n);
    if (!s) {
        w->oom = 1;
        fputs(",\"name\":\"\"", w->f);
        return;
    }
    snprintf(s, n, "%s%s%s%s%s", a, b ? " " : "", b ? b : "", c ? ": " : "",
             c ? c : "");
    fputs(",\"name\":", w->f);
    scn_view_json_str(w->f, s, 0);
    sim_free(s);
}

static void put_str(pw_t *w, const char *key, const char *val) {
    fprintf(w->f, ",\"%s\":", key);
    scn_view_json_str(w->f, val, 0);
}

static void put_meta(pw_t *w, int pid, unsigned tid, const char *what,
                     const char *name, long sort) {
    rec_begin(w, "M", pid, tid);
    fprintf(w->f, ",\"name\":\"%s\",\"args\":{", what);
    if (name) {
        fputs("\"name\":", w->f);
        scn_view_json_str(w->f, name, 0);
    } else {
        fprintf(w->f, "\"sort_index\":%ld", sort);
    }
    fputs("}}", w->f);
}

/* The common args of an event: {"seq":..,"vt":..,"step":..  (left open). */
static void put_event_args(pw_t *w, const scn_event_t *e) {
    fprintf(w->f,
            ",\"args\":{\"seq\":%" PRIu64 ",\"vt\":%" PRId64
            ",\"step\":%" PRIu64,
            e->seq, (int64_t)e->time, e->step);
}

static int push(pw_t *w, stack_t *st, int wait, size_t ev) {
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 4;
        slot_t *ns = sim_realloc(st->s, cap * sizeof(*ns));
        if (!ns) {
            w->oom = 1;
            return -1;
        }
        st->s = ns;
        st->cap = cap;
    }
    st->s[st->n].wait = wait;
    st->s[st->n].ev = ev;
    st->n++;
    return 0;
}

/* The name of the slice a slot opened. */
static void slice_name(pw_t *w, const slot_t *s) {
    const scn_event_t *e = &w->r->events[s->ev];
    if (!s->wait)
        put_name(w, e->subject, NULL, NULL);
    else if (strcmp(e->kind, "block") == 0)
        put_name(w, "blocked", NULL, e->detail[0] ? e->detail : NULL);
    else
        put_name(w, e->kind, e->detail[0] ? e->detail : NULL, NULL);
}

static void open_slice(pw_t *w, unsigned tid, const slot_t *s) {
    const scn_event_t *e = &w->r->events[s->ev];
    rec_begin(w, "B", 1, tid);
    fputs(",\"ts\":", w->f);
    put_ts(w->f, ts_of(e));
    fputs(s->wait ? ",\"cat\":\"wait\"" : ",\"cat\":\"call\"", w->f);
    slice_name(w, s);
    put_event_args(w, e);
    put_str(w, "subject", e->subject);
    put_str(w, "detail", e->detail);
    fputs("}}", w->f);
}

/* Close the top slot at ts; e: the event that closes it (ret, run), or
 * NULL with `unfinished` saying why it never did. */
static void close_slice(pw_t *w, unsigned tid, stack_t *st, uint64_t ts,
                        const scn_event_t *e, const char *unfinished) {
    slot_t s = st->s[--st->n];
    rec_begin(w, "E", 1, tid);
    fputs(",\"ts\":", w->f);
    put_ts(w->f, ts);
    fputs(s.wait ? ",\"cat\":\"wait\"" : ",\"cat\":\"call\"", w->f);
    slice_name(w, &s);
    if (e) {
        put_event_args(w, e);
        if (!s.wait)
            put_str(w, "result", e->detail);
    } else {
        fputs(",\"args\":{\"seq\":null", w->f);
        put_str(w, "unfinished", unfinished);
    }
    fputs("}}", w->f);
}

static void instant(pw_t *w, unsigned tid, uint64_t ts, const char *cat,
                    const char *scope, const scn_event_t *e) {
    rec_begin(w, "i", 1, tid);
    fprintf(w->f, ",\"s\":\"%s\",\"ts\":", scope);
    put_ts(w->f, ts);
    put_str(w, "cat", cat);
    put_name(w, e->kind, e->subject, e->detail[0] ? e->detail : NULL);
    put_event_args(w, e);
    put_str(w, "subject", e->subject);
    put_str(w, "detail", e->detail);
    fputs("}}", w->f);
}

/* A csim marker (failure, critical pair) at event e's time on its thread. */
static void marker(pw_t *w, const scn_event_t *e, const char *cat,
                   const char *name, const char *text) {
    rec_begin(w, "i", 1, e->thread);
    fputs(",\"s\":\"t\",\"ts\":", w->f);
    put_ts(w->f, ts_of(e));
    put_str(w, "cat", cat);
    put_str(w, "name", name);
    fprintf(w->f, ",\"args\":{\"seq\":%" PRIu64, e->seq);
    put_str(w, "text", text);
    fputs("}}", w->f);
}

static const char *verdict_word(const scn_verdict_t *v) {
    if (!v)
        return "";
    return v->kind == SCN_PASS   ? "PASS"
           : v->kind == SCN_FAIL ? "FAIL"
           : v->kind == SCN_HUNG ? "HUNG"
                                 : "ERROR";
}

/* "path:LINE: expectation — why" of failure i. */
static char *failure_text(const scn_view_t *v, size_t i) {
    const scn_failure_t *fl = &v->v->failures[i];
    size_t n = strlen(v->path) + strlen(fl->x->text) + strlen(fl->why) + 40;
    char *s = sim_malloc(n);
    if (s)
        snprintf(s, n, "%s:%d: %s \xe2\x80\x94 %s", v->path, fl->x->pos.line,
                 fl->x->text, fl->why);
    return s;
}

/* The services, in the model's order, then any other state subject. */
typedef struct svcs {
    const char **name;
    size_t n, cap;
    size_t *open; /* the state event its open slice began at, or SIZE_MAX */
} svcs_t;

static long svc_index(pw_t *w, svcs_t *s, const char *name, int add) {
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->name[i], name) == 0)
            return (long)i;
    if (!add)
        return -1;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        const char **nn = sim_realloc(s->name, cap * sizeof(*nn));
        if (!nn) {
            w->oom = 1;
            return -1;
        }
        s->name = nn;
        size_t *no = sim_realloc(s->open, cap * sizeof(*no));
        if (!no) {
            w->oom = 1;
            return -1;
        }
        s->open = no;
        s->cap = cap;
    }
    s->name[s->n] = name;
    s->open[s->n] = SIZE_MAX;
    return (long)s->n++;
}

static void state_close(pw_t *w, svcs_t *s, size_t i, uint64_t ts) {
    if (s->open[i] == SIZE_MAX)
        return;
    const scn_event_t *b = &w->r->events[s->open[i]];
    char word[64];
    snprintf(word, sizeof(word), "%.*s", (int)strcspn(b->detail, ":"),
             b->detail);
    rec_begin(w, "E", 2, (unsigned)i + 1);
    fputs(",\"ts\":", w->f);
    put_ts(w->f, ts);
    fputs(",\"cat\":\"state\"", w->f);
    put_str(w, "name", word);
    fputs("}", w->f);
    s->open[i] = SIZE_MAX;
}

static void state_open(pw_t *w, svcs_t *s, size_t i, size_t ev) {
    const scn_event_t *e = &w->r->events[ev];
    char word[64];
    snprintf(word, sizeof(word), "%.*s", (int)strcspn(e->detail, ":"),
             e->detail);
    rec_begin(w, "B", 2, (unsigned)i + 1);
    fputs(",\"ts\":", w->f);
    put_ts(w->f, ts_of(e));
    fputs(",\"cat\":\"state\"", w->f);
    put_str(w, "name", word);
    put_event_args(w, e);
    put_str(w, "detail", e->detail);
    fputs("}}", w->f);
    s->open[i] = ev;
}

int scn_perfetto_write(FILE *f, const scn_view_t *v) {
    const scn_result_t *r = v->r;
    pw_t w = {.f = f, .v = v, .r = r, .first = 1};
    /* threads: every named id, every id that recorded an event, the hub */
    size_t n_tid = r->n_thread_names ? r->n_thread_names : 1;
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].thread >= n_tid)
            n_tid = (size_t)r->events[i].thread + 1;
    unsigned char *present = sim_calloc(n_tid, 1);
    stack_t *stacks = sim_calloc(n_tid, sizeof(*stacks));
    size_t *cited = sim_calloc(r->n_events ? r->n_events : 1, sizeof(*cited));
    unsigned char *is_cited = sim_calloc(r->n_events ? r->n_events : 1, 1);
    svcs_t sv = {0};
    if (!present || !stacks || !cited || !is_cited) {
        sim_free(present);
        sim_free(stacks);
        sim_free(cited);
        sim_free(is_cited);
        return -1;
    }
    present[0] = 1;
    w.hub_tid = (unsigned)n_tid;
    for (size_t i = 1; i < r->n_thread_names; i++)
        present[i] = r->thread_names[i] != NULL;
    for (size_t i = 0; i < r->n_events; i++)
        present[r->events[i].thread] = 1;
    if (v->m)
        for (const scn_service_t *s = v->m->services; s; s = s->next)
            svc_index(&w, &sv, s->name, 1);
    for (size_t i = 0; i < r->n_events; i++)
        if (strcmp(r->events[i].kind, "state") == 0)
            svc_index(&w, &sv, r->events[i].subject, 1);
    /* the events the failed expectations cite */
    char *first_fail = NULL;
    if (v->v && v->v->kind != SCN_PASS) {
        for (size_t i = 0; i < v->v->n_failures; i++) {
            size_t k =
                scn_view_cited(r, v->v->failures[i].why, cited, r->n_events);
            for (size_t j = 0; j < k; j++)
                is_cited[cited[j]] = 1;
        }
        if (v->v->n_failures)
            first_fail = failure_text(v, 0);
    }

    fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{", f);
    fputs("\"scenario\":", f);
    scn_view_json_str(f, v->path, 0);
    if (v->m && v->m->title)
        put_str(&w, "title", v->m->title);
    put_str(&w, "variant", r->variant[0] ? r->variant : "current");
    if (v->v)
        put_str(&w, "verdict", verdict_word(v->v));
    fprintf(f, ",\"events\":%zu,\"end_vt\":%" PRId64 ",\"steps\":%" PRIu64,
            r->n_events, (int64_t)r->end_time, r->end_steps);
    if (first_fail)
        put_str(&w, "failed", first_fail);
    if (v->token)
        put_str(&w, "token", v->token);
    if (v->critical && v->critical[0])
        put_str(&w, "critical_pair", v->critical);
    fputs(",\"clock\":\"ts = (virtual ns + seq) / 1000\"},\n\"traceEvents\":[",
          f);

    char pname[600];
    snprintf(pname, sizeof(pname), "csim %s", v->path);
    put_meta(&w, 1, 0, "process_name", pname, 0);
    put_meta(&w, 1, 0, "process_sort_index", NULL, 1);
    for (size_t t = 0; t < n_tid; t++) {
        if (!present[t])
            continue;
        put_meta(&w, 1, (unsigned)t, "thread_name",
                 t ? scn_view_thread_name(r, (unsigned)t) : "hub (thread 0)",
                 0);
        put_meta(&w, 1, (unsigned)t, "thread_sort_index", NULL, (long)t);
    }
    if (sv.n) {
        put_meta(&w, 2, 1, "process_name", "containers", 0);
        put_meta(&w, 2, 1, "process_sort_index", NULL, 2);
        for (size_t i = 0; i < sv.n; i++) {
            put_meta(&w, 2, (unsigned)i + 1, "thread_name", sv.name[i], 0);
            put_meta(&w, 2, (unsigned)i + 1, "thread_sort_index", NULL,
                     (long)i);
        }
    }

    for (size_t i = 0; i < r->n_events && !w.oom; i++) {
        const scn_event_t *e = &r->events[i];
        stack_t *st = &stacks[e->thread];
        uint64_t ts = ts_of(e);
        const char *k = e->kind;
        if (!strcmp(k, "run")) {
            if (st->n && st->s[st->n - 1].wait)
                close_slice(&w, e->thread, st, ts, e, NULL);
        } else if (!strcmp(k, "block") || !strcmp(k, "sleep") ||
                   !strcmp(k, "yield")) {
            if (st->n && st->s[st->n - 1].wait)
                close_slice(&w, e->thread, st, ts, NULL,
                            "suspended again before it ran");
            if (push(&w, st, 1, i) == 0)
                open_slice(&w, e->thread, &st->s[st->n - 1]);
        } else if (!strcmp(k, "call")) {
            if (st->n && st->s[st->n - 1].wait)
                close_slice(&w, e->thread, st, ts, NULL,
                            "ran without a run event");
            if (push(&w, st, 0, i) == 0)
                open_slice(&w, e->thread, &st->s[st->n - 1]);
        } else if (!strcmp(k, "ret")) {
            size_t j = st->n;
            while (j > 0 &&
                   (st->s[j - 1].wait ||
                    strcmp(r->events[st->s[j - 1].ev].subject, e->subject)))
                j--;
            if (j == 0) {
                instant(&w, e->thread, ts, "ret", "t", e);
            } else {
                while (st->n > j)
                    close_slice(&w, e->thread, st, ts, NULL,
                                "still open when an outer call returned");
                close_slice(&w, e->thread, st, ts, e, NULL);
            }
        } else {
            if (!strcmp(k, "exit")) {
                char why[300];
                snprintf(why, sizeof(why), "the thread exited (%s) first",
                         e->detail);
                while (st->n)
                    close_slice(&w, e->thread, st, ts, NULL, why);
            }
            instant(&w, e->thread, ts, k, "t", e);
            if (!strcmp(k, "state")) {
                long si = svc_index(&w, &sv, e->subject, 0);
                if (si >= 0) {
                    state_close(&w, &sv, (size_t)si, ts);
                    state_open(&w, &sv, (size_t)si, i);
                }
            }
        }
        if (is_cited[i])
            marker(&w, e, "csim.failure", "cited by the failed expectation",
                   first_fail ? first_fail : "");
        for (int c = 0; c < 2; c++)
            if (v->critical && v->critical[0] && v->critical_at[c] == i)
                marker(&w, e, "csim.critical",
                       c == 0 ? "critical pair: first"
                              : "critical pair: second",
                       v->critical);
    }
    /* The end of the run: close what is open, LIFO per track. */
    uint64_t end = (uint64_t)r->end_time + r->n_events;
    if (r->n_events && ts_of(&r->events[r->n_events - 1]) >= end)
        end = ts_of(&r->events[r->n_events - 1]) + 1;
    for (size_t t = 0; t < n_tid && !w.oom; t++)
        while (stacks[t].n)
            close_slice(&w, (unsigned)t, &stacks[t], end, NULL,
                        r->hung ? "the run hung" : "the run ended first");
    for (size_t i = 0; i < sv.n; i++)
        state_close(&w, &sv, i, end);
    if (v->v) {
        rec_begin(&w, "i", 1, 0);
        fputs(",\"s\":\"g\",\"ts\":", f);
        put_ts(f, end);
        fputs(",\"cat\":\"csim.verdict\"", f);
        char head[64];
        snprintf(head, sizeof(head), "%s", verdict_word(v->v));
        put_name(&w, head, NULL,
                 first_fail                  ? first_fail
                 : v->v->why && v->v->why[0] ? v->v->why
                                             : NULL);
        fputs(",\"args\":{\"verdict\":", f);
        scn_view_json_str(f, head, 0);
        fputs(",\"failures\":[", f);
        for (size_t i = 0; v->v->kind != SCN_PASS && i < v->v->n_failures;
             i++) {
            char *s = failure_text(v, i);
            if (i)
                fputc(',', f);
            scn_view_json_str(f, s ? s : "", 0);
            sim_free(s);
        }
        fputs("]}}", f);
    }
    fputs("\n]}\n", f);
    for (size_t t = 0; t < n_tid; t++)
        sim_free(stacks[t].s);
    sim_free(stacks);
    sim_free(present);
    sim_free(cited);
    sim_free(is_cited);
    sim_free(sv.name);
    sim_free(sv.open);
    sim_free(first_fail);
    return w.oom ? -1 : 0;
}
