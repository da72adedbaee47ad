/*
 * trace_check.c - checks Chrome trace event JSON (the JSON object format)
 * the way a viewer reads it, so the test suite needs no python:
 *
 *   trace_check FILE.json...        "ok FILE: ..." per valid file, else one
 *                                   "FILE: event #I: why" line per problem
 *   trace_check --threads FILE.json the number of named thread tracks of
 *                                   pid 1 (what the HTML timeline draws as
 *                                   lanes)
 *
 * The format's rules: a top-level object with a "traceEvents" array;
 * "displayTimeUnit" "ms" or "ns"; every event an object with a known "ph";
 * every event but metadata with a numeric "ts" >= 0 and integer "pid" and
 * "tid"; "name" on B, X, i, I, C and M; "cat" a string and "args" an
 * object where present; instants' "s" one of g, p, t; X a "dur" >= 0;
 * counters numeric args; metadata one of process_name, process_labels,
 * process_sort_index, thread_name, thread_sort_index with the matching
 * args.  Per track (pid, tid): ts never decreases in file order, B/E nest
 * (an E closes the latest open B of its track, with the same name when it
 * has one, not before it), and nothing is left open at the end.  csim's
 * own rules on top: every track that has events is named by a thread_name
 * and every pid by a process_name, and no pid or tid is 0 (Perfetto gives
 * pid 0 to the swapper and older releases merge tid 0 into tid 1).
 *
 * Exit status: 0 every file valid, 1 a file is not, 2 usage or an
 * unreadable file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_json.h"
#include "scn_text.h"

typedef struct open_b {
    const char *name;
    double ts;
    size_t ev;
} open_b_t;

typedef struct track {
    long pid, tid;
    int named;   /* a thread_name metadata event */
    int used;    /* has non-metadata events */
    double last; /* ts of its last event */
    int has_last;
    open_b_t *open;
    size_t n_open, cap_open;
} track_t;

typedef struct ck {
    const char *file;
    track_t *tracks;
    size_t n_tracks, cap_tracks;
    long *pids_named;
    size_t n_pids_named;
    long *pids_used;
    size_t n_pids_used;
    size_t errors;
    size_t slices, instants, events;
} ck_t;

static void problem(ck_t *c, size_t ev, const char *fmt, const char *arg) {
    if (c->errors++ >= 50)
        return;
    if (ev == (size_t)-1)
        printf("%s: ", c->file);
    else
        printf("%s: event #%zu: ", c->file, ev);
    printf(fmt, arg);
    putchar('\n');
}

static track_t *track(ck_t *c, long pid, long tid) {
    for (size_t i = 0; i < c->n_tracks; i++)
        if (c->tracks[i].pid == pid && c->tracks[i].tid == tid)
            return &c->tracks[i];
    if (c->n_tracks == c->cap_tracks) {
        size_t cap = c->cap_tracks ? c->cap_tracks * 2 : 16;
        track_t *nt = realloc(c->tracks, cap * sizeof(*nt));
        if (!nt) {
            fprintf(stderr, "trace_check: out of memory\n");
            exit(2);
        }
        c->tracks = nt;
        c->cap_tracks = cap;
    }
    track_t *t = &c->tracks[c->n_tracks++];
    memset(t, 0, sizeof(*t));
    t->pid = pid;
    t->tid = tid;
    return t;
}

static void add_pid(long **v, size_t *n, long pid) {
    for (size_t i = 0; i < *n; i++)
        if ((*v)[i] == pid)
            return;
    long *nv = realloc(*v, (*n + 1) * sizeof(*nv));
    if (!nv) {
        fprintf(stderr, "trace_check: out of memory\n");
        exit(2);
    }
    *v = nv;
    (*v)[(*n)++] = pid;
}

static int is_int(const scn_json_t *j, long *out) {
    if (!j || j->kind != SCN_JSON_NUMBER || j->num != floor(j->num) ||
        fabs(j->num) > 2147483647.0)
        return 0;
    *out = (long)j->num;
    return 1;
}

static const char *str_of(const scn_json_t *o, const char *key) {
    const scn_json_t *v = scn_json_get(o, key);
    return v && v->kind == SCN_JSON_STRING ? v->str : NULL;
}

static void check_meta(ck_t *c, size_t i, const scn_json_t *e, long pid,
                       long tid, int has_tid) {
    const char *name = str_of(e, "name");
    const scn_json_t *args = scn_json_get(e, "args");
    if (!name) {
        problem(c, i, "%s", "metadata event without a \"name\"");
        return;
    }
    if (!args || args->kind != SCN_JSON_OBJECT) {
        problem(c, i, "metadata event %s without an \"args\" object", name);
        return;
    }
    int thread = !strncmp(name, "thread_", 7);
    if (thread && !has_tid) {
        problem(c, i, "%s without a \"tid\"", name);
        return;
    }
    if (!strcmp(name, "process_name") || !strcmp(name, "thread_name") ||
        !strcmp(name, "process_labels")) {
        const char *key = !strcmp(name, "process_labels") ? "labels" : "name";
        if (!str_of(args, key)) {
            problem(c, i, "%s without a string args.name / args.labels", name);
            return;
        }
        if (!strcmp(name, "thread_name"))
            track(c, pid, tid)->named = 1;
        if (!strcmp(name, "process_name"))
            add_pid(&c->pids_named, &c->n_pids_named, pid);
    } else if (!strcmp(name, "process_sort_index") ||
               !strcmp(name, "thread_sort_index")) {
        long k;
        if (!is_int(scn_json_get(args, "sort_index"), &k))
            problem(c, i, "%s without an integer args.sort_index", name);
    } else {
        problem(c, i, "unknown metadata event '%s'", name);
    }
}

static void check_event(ck_t *c, size_t i, const scn_json_t *e) {
    if (e->kind != SCN_JSON_OBJECT) {
        problem(c, i, "not an object but %s", scn_json_kind_name(e->kind));
        return;
    }
    const char *ph = str_of(e, "ph");
    if (!ph) {
        problem(c, i, "%s", "no \"ph\" (a string)");
        return;
    }
    static const char *const known[] = {"B", "E", "X", "i", "I", "C", "M",
                                        "b", "e", "n", "s", "t", "f", "P",
                                        "O", "N", "D", "R", "c"};
    int ok = 0;
    for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
        ok |= !strcmp(ph, known[k]);
    if (!ok) {
        problem(c, i, "unknown phase \"ph\":\"%s\"", ph);
        return;
    }
    const scn_json_t *cat = scn_json_get(e, "cat"),
                     *args = scn_json_get(e, "args");
    if (cat && cat->kind != SCN_JSON_STRING)
        problem(c, i, "%s", "\"cat\" is not a string");
    if (args && args->kind != SCN_JSON_OBJECT)
        problem(c, i, "%s", "\"args\" is not an object");
    long pid = 0, tid = 0;
    int has_pid = is_int(scn_json_get(e, "pid"), &pid);
    int has_tid = is_int(scn_json_get(e, "tid"), &tid);
    if (!has_pid) {
        problem(c, i, "%s", "no integer \"pid\"");
        return;
    }
    if (pid == 0)
        problem(c, i, "%s", "pid 0 (Perfetto shows it as the swapper)");
    if (has_tid && tid == 0)
        problem(c, i, "%s",
                "tid 0 (older Perfetto releases merge it into tid 1)");
    if (!strcmp(ph, "M")) {
        check_meta(c, i, e, pid, tid, has_tid);
        return;
    }
    c->events++;
    if (!has_tid) {
        problem(c, i, "%s", "no integer \"tid\"");
        return;
    }
    const scn_json_t *tsj = scn_json_get(e, "ts");
    if (!tsj || tsj->kind != SCN_JSON_NUMBER || tsj->num < 0) {
        problem(c, i, "%s", "no \"ts\" (a number >= 0, microseconds)");
        return;
    }
    double ts = tsj->num;
    const char *name = str_of(e, "name");
    if (!name && strcmp(ph, "E") != 0)
        problem(c, i, "\"ph\":\"%s\" without a \"name\"", ph);
    track_t *t = track(c, pid, tid);
    t->used = 1;
    add_pid(&c->pids_used, &c->n_pids_used, pid);
    if (t->has_last && ts < t->last) {
        char msg[120];
        snprintf(msg, sizeof(msg),
                 "ts %.3f before the %.3f of its track's "
                 "previous event",
                 ts, t->last);
        problem(c, i, "%s", msg);
    }
    t->last = ts;
    t->has_last = 1;
    if (!strcmp(ph, "B")) {
        if (t->n_open == t->cap_open) {
            size_t cap = t->cap_open ? t->cap_open * 2 : 8;
            open_b_t *no = realloc(t->open, cap * sizeof(*no));
            if (!no) {
                fprintf(stderr, "trace_check: out of memory\n");
                exit(2);
            }
            t->open = no;
            t->cap_open = cap;
        }
        t->open[t->n_open].name = name ? name : "";
        t->open[t->n_open].ts = ts;
        t->open[t->n_open].ev = i;
        t->n_open++;
    } else if (!strcmp(ph, "E")) {
        if (t->n_open == 0) {
            problem(c, i, "E \"%s\" with no open B on its track",
                    name ? name : "");
            return;
        }
        open_b_t *b = &t->open[--t->n_open];
        if (name && strcmp(name, b->name) != 0) {
            char msg[600];
            snprintf(msg, sizeof(msg),
                     "E \"%.250s\" closes B \"%.250s\" (event #%zu): "
                     "slices do not nest",
                     name, b->name, b->ev);
            problem(c, i, "%s", msg);
        }
        if (ts < b->ts)
            problem(c, i, "%s", "E before its B");
        c->slices++;
    } else if (!strcmp(ph, "X")) {
        const scn_json_t *dur = scn_json_get(e, "dur");
        if (!dur || dur->kind != SCN_JSON_NUMBER || dur->num < 0)
            problem(c, i, "%s", "X without a \"dur\" >= 0");
        c->slices++;
    } else if (!strcmp(ph, "i") || !strcmp(ph, "I")) {
        const char *s = str_of(e, "s");
        if (scn_json_get(e, "s") &&
            (!s || (strcmp(s, "g") && strcmp(s, "p") && strcmp(s, "t"))))
            problem(c, i, "%s", "instant scope \"s\" is not g, p or t");
        c->instants++;
    } else if (!strcmp(ph, "C")) {
        if (!args || args->kind != SCN_JSON_OBJECT)
            problem(c, i, "%s", "counter without \"args\"");
        else
            for (size_t k = 0; k < args->n; k++)
                if (args->items[k].kind != SCN_JSON_NUMBER)
                    problem(c, i, "counter arg '%s' is not a number",
                            args->keys[k]);
    }
}

static int check_file(const char *file, int want_threads) {
    char *text;
    size_t len;
    if (scn_read_file(file, &text, &len) < 0) {
        perror(file);
        return 2;
    }
    scn_json_t *root = NULL;
    char err[256];
    ck_t c = {.file = file};
    if (scn_json_parse(text, len, &root, err, sizeof(err)) < 0) {
        free(text);
        problem(&c, (size_t)-1, "not JSON: %s", err);
        return 1;
    }
    free(text);
    const scn_json_t *evs = scn_json_get(root, "traceEvents");
    const scn_json_t *unit = scn_json_get(root, "displayTimeUnit");
    const scn_json_t *other = scn_json_get(root, "otherData");
    if (root->kind != SCN_JSON_OBJECT)
        problem(&c, (size_t)-1, "%s", "the top level is not an object");
    else if (!evs || evs->kind != SCN_JSON_ARRAY)
        problem(&c, (size_t)-1, "%s", "no \"traceEvents\" array");
    if (unit && (unit->kind != SCN_JSON_STRING ||
                 (strcmp(unit->str, "ms") && strcmp(unit->str, "ns"))))
        problem(&c, (size_t)-1, "%s",
                "\"displayTimeUnit\" is not \"ms\" or \"ns\"");
    if (other && other->kind != SCN_JSON_OBJECT)
        problem(&c, (size_t)-1, "%s", "\"otherData\" is not an object");
    for (size_t i = 0; evs && evs->kind == SCN_JSON_ARRAY && i < evs->n; i++)
        check_event(&c, i, &evs->items[i]);
    size_t threads = 0;
    for (size_t i = 0; i < c.n_tracks; i++) {
        track_t *t = &c.tracks[i];
        char msg[160];
        for (size_t k = 0; k < t->n_open; k++) {
            snprintf(msg, sizeof(msg),
                     "B \"%.100s\" (pid %ld tid %ld) never closed",
                     t->open[k].name, t->pid, t->tid);
            problem(&c, t->open[k].ev, "%s", msg);
        }
        if (t->used && !t->named) {
            snprintf(msg, sizeof(msg),
                     "track pid %ld tid %ld has events but no "
                     "thread_name",
                     t->pid, t->tid);
            problem(&c, (size_t)-1, "%s", msg);
        }
        if (t->pid == 1 && t->named)
            threads++;
        free(t->open);
    }
    for (size_t i = 0; i < c.n_pids_used; i++) {
        int named = 0;
        for (size_t k = 0; k < c.n_pids_named; k++)
            named |= c.pids_named[k] == c.pids_used[i];
        if (!named) {
            char msg[80];
            snprintf(msg, sizeof(msg), "pid %ld has events but no process_name",
                     c.pids_used[i]);
            problem(&c, (size_t)-1, "%s", msg);
        }
    }
    if (c.errors > 50)
        printf("%s: ... %zu problems in all\n", file, c.errors);
    if (want_threads && !c.errors)
        printf("%zu\n", threads);
    else if (!c.errors)
        printf("ok %s: %zu events, %zu threads (pid 1), %zu slices, %zu "
               "instants\n",
               file, c.events, threads, c.slices, c.instants);
    free(c.tracks);
    free(c.pids_named);
    free(c.pids_used);
    scn_json_free(root);
    return c.errors ? 1 : 0;
}

int main(int argc, char **argv) {
    int want_threads = 0, status = 0, first = 1;
    if (argc > 1 && !strcmp(argv[1], "--threads")) {
        want_threads = 1;
        first = 2;
        if (argc != 3) {
            fprintf(stderr, "usage: trace_check --threads FILE.json\n");
            return 2;
        }
    }
    if (argc <= first) {
        fprintf(stderr,
                "usage: trace_check FILE.json... | --threads FILE.json\n");
        return 2;
    }
    for (int i = first; i < argc; i++) {
        int rc = check_file(argv[i], want_threads);
        if (rc > status)
            status = rc;
    }
    return status;
}
