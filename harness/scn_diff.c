/*
 * scn_diff.c - `csim diff A B`: the first event where two runs part, with
 * the events before it (equal in both) and after it (each side's own).
 *
 * A and B are each a replay token (replayed in a child process, so a run
 * that crashes is reported, not fatal) or a trace file: the JSON Lines of
 * `csim run|replay --json --trace` or the text of `--trace`, one scenario
 * each.  With one token and no B, B is the same schedule without its last
 * preemption (the passing run explore's critical pair is computed against);
 * with `--variant NAME`, B is the same token under preset NAME.
 *
 * Two events are equal when their kind, subject, detail, thread name and
 * virtual time are (`--ignore-time`: not the time); seq, step and thread
 * ids are shown, not compared, so a run that spawned one thread more
 * earlier still lines up.  `--only KINDS` compares only those kinds
 * (`lifecycle`: call, log, state, worker, step, as the critical pair).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scn_json.h"
#include "scn_text.h"
#include "scn_view.h"
#include "sim_alloc.h"

static const char usage_diff[] =
    "usage: csim diff A [B] [FILE.scn] [options]\n"
    "\n"
    "Print the first event where two runs diverge, with the events before it\n"
    "and each side's events after it.  A and B are replay tokens or trace\n"
    "files (`--json --trace` JSON Lines, or `--trace` text; one scenario\n"
    "each).  Tokens replay against FILE.scn, else the first *.scn below the\n"
    "current directory whose content hash matches (as `csim replay`).  With\n"
    "one token and no B: B is the same schedule without its last preemption\n"
    "(the passing run the critical pair is computed against).\n"
    "\n"
    "options:\n"
    "  --variant NAME    B is token A replayed under container preset NAME\n"
    "  --context N       events shown before and after the difference\n"
    "                    (default 5)\n"
    "  --only KINDS      compare only these event kinds (comma-separated, or\n"
    "                    `lifecycle`: call,log,state,worker,step)\n"
    "  --ignore-time     do not compare virtual time\n"
    "  -h, --help        this help\n"
    "\n"
    "Events are equal when kind, subject, detail, thread name and virtual\n"
    "time are; seq, step and thread ids are shown but not compared.\n"
    "\n"
    "exit status: 0 the runs are the same, 1 they differ, 2 usage, file,\n"
    "token or replay error (a replay that crashed, a changed scenario)\n";

typedef struct dx_event {
    uint64_t seq, step;
    int64_t time;
    unsigned thread;
    char *tname, *kind, *subject, *detail;
} dx_event_t;

typedef struct dx_trace {
    dx_event_t *ev;
    size_t n, cap;
    char *path;    /* the scenario the events are of */
    char *verdict; /* PASS / FAIL / HUNG / CRASH, or NULL */
    char *why;     /* FAIL: "LINE: expectation", or NULL */
    char *note;    /* how the trace was made (a critical pair), or NULL */
    char label[400];
} dx_trace_t;

static void trace_free(dx_trace_t *t) {
    for (size_t i = 0; i < t->n; i++) {
        sim_free(t->ev[i].tname);
        sim_free(t->ev[i].kind);
        sim_free(t->ev[i].subject);
        sim_free(t->ev[i].detail);
    }
    sim_free(t->ev);
    sim_free(t->path);
    sim_free(t->verdict);
    sim_free(t->why);
    sim_free(t->note);
    memset(t, 0, sizeof(*t));
}

static int trace_add(dx_trace_t *t, const dx_event_t *e) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        dx_event_t *ne = sim_realloc(t->ev, cap * sizeof(*ne));
        if (!ne)
            return -1;
        t->ev = ne;
        t->cap = cap;
    }
    t->ev[t->n++] = *e;
    return 0;
}

static char *dup0(const char *s) {
    return sim_alloc_strdup(s ? s : "");
}

/* ---------------------------------------------------------------- reading */

static const char *jstr(const scn_json_t *o, const char *key) {
    const scn_json_t *v = scn_json_get(o, key);
    return v && v->kind == SCN_JSON_STRING ? v->str : NULL;
}

static int jnum(const scn_json_t *o, const char *key, double *out) {
    const scn_json_t *v = scn_json_get(o, key);
    if (!v || v->kind != SCN_JSON_NUMBER)
        return -1;
    *out = v->num;
    return 0;
}

/* `--json --trace` JSON Lines: "event" lines and the "result" line. */
static int read_jsonl(const char *name, const char *text, size_t len,
                      dx_trace_t *t, char *msg, size_t n_msg) {
    size_t line = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        line++;
        size_t k = i;
        while (k < j && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
            k++;
        if (k < j) {
            scn_json_t *o = NULL;
            char err[200];
            if (scn_json_parse(text + i, j - i, &o, err, sizeof(err)) < 0) {
                snprintf(msg, n_msg, "%s:%zu: not JSON: %s", name, line, err);
                return -1;
            }
            const char *type = jstr(o, "type"), *path = jstr(o, "path");
            if (type && path &&
                (!strcmp(type, "event") || !strcmp(type, "result"))) {
                if (!t->path)
                    t->path = dup0(path);
                else if (strcmp(t->path, path) != 0) {
                    snprintf(msg, n_msg,
                             "%s:%zu: holds the runs of %s and %s; diff takes "
                             "one run per side",
                             name, line, t->path, path);
                    scn_json_free(o);
                    return -1;
                }
            }
            if (type && !strcmp(type, "event")) {
                double seq, tm, step, th;
                const char *kind = jstr(o, "kind"), *subj = jstr(o, "subject"),
                           *det = jstr(o, "detail"),
                           *tn = jstr(o, "thread_name");
                if (jnum(o, "seq", &seq) < 0 || jnum(o, "time", &tm) < 0 ||
                    jnum(o, "step", &step) < 0 || jnum(o, "thread", &th) < 0 ||
                    !kind || !subj || !det) {
                    snprintf(msg, n_msg,
                             "%s:%zu: an event without seq, time, "
                             "step, thread, kind, subject or detail",
                             name, line);
                    scn_json_free(o);
                    return -1;
                }
                dx_event_t e = {.seq = (uint64_t)seq,
                                .step = (uint64_t)step,
                                .time = (int64_t)tm,
                                .thread = (unsigned)th};
                e.tname = dup0(tn ? tn : "?");
                e.kind = dup0(kind);
                e.subject = dup0(subj);
                e.detail = dup0(det);
                if (!e.tname || !e.kind || !e.subject || !e.detail ||
                    trace_add(t, &e) < 0) {
                    sim_free(e.tname);
                    sim_free(e.kind);
                    sim_free(e.subject);
                    sim_free(e.detail);
                    snprintf(msg, n_msg, "out of memory");
                    scn_json_free(o);
                    return -1;
                }
            } else if (type && !strcmp(type, "result")) {
                const char *v = jstr(o, "verdict"), *x = jstr(o, "expectation");
                double ln = 0;
                sim_free(t->verdict);
                t->verdict = v ? dup0(v) : NULL;
                if (x) {
                    char buf[400];
                    jnum(o, "line", &ln);
                    snprintf(buf, sizeof(buf), "line %d: %s", (int)ln, x);
                    sim_free(t->why);
                    t->why = dup0(buf);
                }
            } else if (type && !strcmp(type, "critical")) {
                const char *x = jstr(o, "text");
                sim_free(t->note);
                t->note = x ? dup0(x) : NULL;
            }
            scn_json_free(o);
        }
        i = j < len ? j + 1 : j;
    }
    return 0;
}

/* "0", "5ms", "1.5ms", "250us", "7ns", "2s" -> ns; -1 if not a time. */
static int parse_time(const char *s, int64_t *out) {
    if (!strcmp(s, "0")) {
        *out = 0;
        return 0;
    }
    int64_t whole = 0, frac = 0, scale = 1;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9')
        whole = whole * 10 + (*p++ - '0');
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            frac = frac * 10 + (*p++ - '0');
            scale *= 10;
        }
    }
    int64_t unit = !strcmp(p, "ns")   ? 1
                   : !strcmp(p, "us") ? 1000
                   : !strcmp(p, "ms") ? 1000000
                   : !strcmp(p, "s")  ? 1000000000
                                      : 0;
    if (!unit)
        return -1;
    *out = whole * unit + frac * unit / scale;
    return 0;
}

/* A text field as --trace prints it: \n, \t and \xNN undone. */
static char *unescape(const char *s, size_t n) {
    char *o = sim_malloc(n + 1), *w = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == 'n') {
            *w++ = '\n';
            i++;
        } else if (s[i] == '\\' && i + 1 < n && s[i + 1] == 't') {
            *w++ = '\t';
            i++;
        } else if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x') {
            char hx[3] = {s[i + 2], s[i + 3], 0};
            *w++ = (char)strtol(hx, NULL, 16);
            i += 3;
        } else {
            *w++ = s[i];
        }
    }
    *w = '\0';
    return o;
}

/* The next whitespace-separated word of line from *p. */
static size_t word(const char *line, size_t *p, size_t n, size_t *len) {
    while (*p < n && line[*p] == ' ')
        (*p)++;
    size_t start = *p;
    while (*p < n && line[*p] != ' ')
        (*p)++;
    *len = *p - start;
    return start;
}

/* `--trace` text: the header, "== path" and verdict lines are skipped. */
static int read_text(const char *name, const char *text, size_t len,
                     dx_trace_t *t, char *msg, size_t n_msg) {
    size_t lineno = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        lineno++;
        const char *l = text + i;
        size_t n = j - i, p = 0, wl;
        if (n >= 3 && !strncmp(l, "== ", 3)) {
            char *path = sim_alloc_strndup(l + 3, n - 3);
            char *sp = path ? strstr(path, " [") : NULL;
            if (sp)
                *sp = '\0';
            if (path && t->path && strcmp(t->path, path) != 0) {
                snprintf(msg, n_msg,
                         "%s:%zu: holds the runs of %s and %s; diff "
                         "takes one run per side",
                         name, lineno, t->path, path);
                sim_free(path);
                return -1;
            }
            if (!t->path)
                t->path = path;
            else
                sim_free(path);
        } else if (n >= 6 &&
                   (!strncmp(l, "PASS  ", 6) || !strncmp(l, "FAIL  ", 6) ||
                    !strncmp(l, "HUNG  ", 6))) {
            sim_free(t->verdict);
            t->verdict = sim_alloc_strndup(l, 4);
        } else {
            size_t ws = word(l, &p, n, &wl);
            uint64_t seq, step;
            char num[32];
            if (wl == 0 || wl >= sizeof(num))
                goto next;
            memcpy(num, l + ws, wl);
            num[wl] = '\0';
            if (scn_parse_u64(num, &seq) < 0)
                goto next; /* the column header, a detail line */
            dx_event_t e;
            memset(&e, 0, sizeof(e));
            e.seq = seq;
            char tm[32];
            ws = word(l, &p, n, &wl);
            if (wl == 0 || wl >= sizeof(tm))
                goto bad;
            memcpy(tm, l + ws, wl);
            tm[wl] = '\0';
            if (!strcmp(tm, "passed,"))
                goto next; /* the closing "N passed, N failed" */
            if (parse_time(tm, &e.time) < 0)
                goto bad;
            ws = word(l, &p, n, &wl);
            if (wl == 0 || wl >= sizeof(num))
                goto bad;
            memcpy(num, l + ws, wl);
            num[wl] = '\0';
            if (scn_parse_u64(num, &step) < 0)
                goto bad;
            e.step = step;
            ws = word(l, &p, n, &wl);
            const char *colon = memchr(l + ws, ':', wl);
            if (!colon)
                goto bad;
            e.thread = (unsigned)strtoul(l + ws, NULL, 10);
            e.tname = unescape(colon + 1, wl - (size_t)(colon + 1 - (l + ws)));
            ws = word(l, &p, n, &wl);
            e.kind = unescape(l + ws, wl);
            ws = word(l, &p, n, &wl);
            e.subject = unescape(l + ws, wl);
            while (p < n && l[p] == ' ')
                p++;
            e.detail = unescape(l + p, n - p);
            if (!e.tname || !e.kind || !e.subject || !e.detail || !e.kind[0] ||
                trace_add(t, &e) < 0) {
                sim_free(e.tname);
                sim_free(e.kind);
                sim_free(e.subject);
                sim_free(e.detail);
                goto bad;
            }
        }
    next:
        i = j < len ? j + 1 : j;
        continue;
    bad:
        snprintf(msg, n_msg, "%s:%zu: not a trace line of `csim run --trace`",
                 name, lineno);
        return -1;
    }
    return 0;
}

static int read_trace_file(const char *path, dx_trace_t *t, char *msg,
                           size_t n_msg) {
    char *text;
    size_t len;
    if (scn_read_file(path, &text, &len) < 0) {
        snprintf(msg, n_msg, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t k = 0;
    while (k < len && (text[k] == ' ' || text[k] == '\n' || text[k] == '\t'))
        k++;
    int rc = k < len && text[k] == '{'
                 ? read_jsonl(path, text, len, t, msg, n_msg)
                 : read_text(path, text, len, t, msg, n_msg);
    sim_free(text);
    if (rc == 0 && t->n == 0) {
        snprintf(msg, n_msg,
                 "%s: no trace events in it (write one with "
                 "`csim run --json --trace` or `--trace`)",
                 path);
        rc = -1;
    }
    if (rc == 0)
        snprintf(t->label, sizeof(t->label), "%s", path);
    return rc;
}

/* ---------------------------------------------------------------- replays */

typedef struct scen {
    char *path;
    char *bytes;
    size_t nb;
    scn_model_t *m;
} scen_t;

static void scen_free(scen_t *s) {
    scn_model_free(s->m);
    sim_free(s->bytes);
    sim_free(s->path);
    memset(s, 0, sizeof(*s));
}

/* The scenario a token replays against: FILE (whose content hash must be
 * the token's), or the one below "." that has it. */
static int scen_for(const scn_token_t *t, const char *file, scen_t *s) {
    memset(s, 0, sizeof(*s));
    if (file) {
        s->path = sim_alloc_strdup(file);
    } else {
        char why[512];
        s->path = xp_find_by_hash(".", t->hash, why, sizeof(why));
        if (!s->path) {
            fprintf(stderr,
                    "csim: no *.scn below the current directory has the "
                    "token's content hash%s%s%s; name the FILE.scn\n",
                    why[0] ? " (search stopped: " : "", why, why[0] ? ")" : "");
            return -1;
        }
        fprintf(stderr,
                "csim: replaying against %s (its content hash matches "
                "the token)\n",
                s->path);
    }
    if (!s->path || scn_read_file(s->path, &s->bytes, &s->nb) < 0) {
        fprintf(stderr, "csim: %s: %s\n", s->path ? s->path : "?",
                strerror(errno));
        scen_free(s);
        return -1;
    }
    if (scn_content_hash(s->bytes, s->nb) != t->hash) {
        fprintf(stderr,
                "csim: %s has changed since the token was made (content "
                "hash %012" PRIx64 ", the token's %012" PRIx64 ")\n",
                s->path, scn_content_hash(s->bytes, s->nb), t->hash);
        scen_free(s);
        return -1;
    }
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    if (scn_parse(s->path, s->bytes, s->nb, &s->m, &d) < 0) {
        scn_reporter_t rp = {.out = stdout, .err = stderr};
        scn_report_diag(&rp, &d);
        scen_free(s);
        return -1;
    }
    return 0;
}

enum { DX_A = 0, DX_NEIGHBOUR, DX_PASSED = 5 };

/* In a child: replay t against s and write its `--json --trace` lines to
 * fa; DX_NEIGHBOUR: also the passing run one preemption away to fb (with
 * a "critical" line).  Exit status 0, 2 (said why), DX_PASSED. */
static void child_replay(const scen_t *s, const scn_token_t *t, int what,
                         FILE *fa, FILE *fb) {
    scn_result_t *r = NULL;
    scn_verdict_t v;
    int drifted = 0, st = 0;
    int rc = xp_replay(s->m, s->bytes, s->nb, t, 0, &drifted, &r, &v);
    if (rc < 0) {
        fprintf(stderr, "csim: replay failed: %s\n", scn_strerror(rc));
        _exit(2);
    }
    scn_reporter_t rp = {.out = fa, .err = stderr, .json = 1, .trace = 1};
    scn_report_result(&rp, s->path, s->m, r, &v);
    if (what == DX_NEIGHBOUR) {
        if (v.kind == SCN_PASS) {
            st = DX_PASSED;
        } else {
            xp_opts_t o;
            xp_opts_default(&o);
            o.strategy = XP_FIFO;
            o.choices = t->mask;
            o.variant = t->variant;
            xp_explorer_t *x = NULL;
            xp_critical_t cp;
            memset(&cp, 0, sizeof(cp));
            if (xp_explorer_new(s->m, s->bytes, s->nb, &o, &x) < 0 ||
                xp_critical(x, r, &cp) < 0 || !cp.pass) {
                fprintf(stderr,
                        "csim: no schedule one preemption away from the "
                        "token's passes; nothing to compare it with\n");
                st = 2;
            } else {
                scn_verdict_t pv;
                if (scn_check(s->m, cp.pass, &pv) == 0) {
                    scn_reporter_t rb = {
                        .out = fb, .err = stderr, .json = 1, .trace = 1};
                    fputs("{\"type\":\"critical\",\"text\":", fb);
                    scn_view_json_str(fb, cp.text, 0);
                    fputs("}\n", fb);
                    scn_report_result(&rb, s->path, s->m, cp.pass, &pv);
                    scn_verdict_free(&pv);
                } else {
                    st = 2;
                }
            }
            xp_critical_free(&cp);
            xp_explorer_free(x);
        }
    }
    scn_verdict_free(&v);
    scn_result_free(r);
    fflush(fa);
    if (fb)
        fflush(fb);
    _exit(st);
}

static int slurp(FILE *f, char **text, size_t *len) {
    fflush(f);
    if (fseek(f, 0, SEEK_END) != 0)
        return -1;
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
        return -1;
    *text = sim_malloc((size_t)n + 1);
    if (!*text)
        return -1;
    *len = fread(*text, 1, (size_t)n, f);
    (*text)[*len] = '\0';
    return 0;
}

/* Replay t (in a child) into a, and with DX_NEIGHBOUR its neighbour into b. */
static int replay_into(const scen_t *s, const scn_token_t *t, int what,
                       const char *token, dx_trace_t *a, dx_trace_t *b) {
    FILE *fa = tmpfile(), *fb = what == DX_NEIGHBOUR ? tmpfile() : NULL;
    if (!fa || (what == DX_NEIGHBOUR && !fb)) {
        fprintf(stderr, "csim: cannot make a temporary file: %s\n",
                strerror(errno));
        if (fa)
            fclose(fa);
        if (fb)
            fclose(fb);
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "csim: cannot fork: %s\n", strerror(errno));
        fclose(fa);
        if (fb)
            fclose(fb);
        return -1;
    }
    if (pid == 0)
        child_replay(s, t, what, fa, fb);
    int st = 0, rc = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(st)) {
        fprintf(stderr,
                "csim: replaying %s crashed (signal %d: %s); a crashed "
                "run has no trace to compare\n",
                token, WTERMSIG(st), strsignal(WTERMSIG(st)));
        rc = -1;
    } else if (WEXITSTATUS(st) == DX_PASSED) {
        fprintf(stderr,
                "csim: the run of %s passed; give a second token or trace "
                "to compare it with\n",
                token);
        rc = -1;
    } else if (WEXITSTATUS(st) != 0) {
        rc = -1;
    }
    char msg[600];
    for (int side = 0; rc == 0 && side < (fb ? 2 : 1); side++) {
        char *text = NULL;
        size_t len = 0;
        dx_trace_t *t2 = side ? b : a;
        if (slurp(side ? fb : fa, &text, &len) < 0 ||
            read_jsonl(side ? "(neighbour)" : token, text, len, t2, msg,
                       sizeof(msg)) < 0) {
            fprintf(stderr, "csim: reading back the replay: %s\n", msg);
            rc = -1;
        }
        sim_free(text);
    }
    fclose(fa);
    if (fb)
        fclose(fb);
    return rc;
}

/* ---------------------------------------------------------------- compare */

typedef struct dx_opts {
    size_t context;
    int ignore_time;
    const char *only; /* NULL: every kind */
} dx_opts_t;

static int kind_wanted(const dx_opts_t *o, const char *kind) {
    if (!o->only)
        return 1;
    size_t kl = strlen(kind);
    for (const char *p = o->only; *p;) {
        size_t n = strcspn(p, ",");
        if (n == 9 && !strncmp(p, "lifecycle", 9)) {
            if (!strcmp(kind, "call") || !strcmp(kind, "log") ||
                !strcmp(kind, "state") || !strcmp(kind, "worker") ||
                !strcmp(kind, "step"))
                return 1;
        } else if (n == kl && !strncmp(p, kind, n)) {
            return 1;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int same(const dx_opts_t *o, const dx_event_t *a, const dx_event_t *b) {
    return (o->ignore_time || a->time == b->time) &&
           !strcmp(a->tname, b->tname) && !strcmp(a->kind, b->kind) &&
           !strcmp(a->subject, b->subject) && !strcmp(a->detail, b->detail);
}

static void field(FILE *f, const char *s, int width) {
    int w = 0;
    for (; *s; s++, w++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    for (; w < width; w++)
        fputc(' ', f);
}

/* One event in --trace's columns, after a two-character mark. */
static void print_event(const char *mark, const dx_event_t *e) {
    char t[32], th[160];
    scn_format_time(e->time, t, sizeof(t));
    snprintf(th, sizeof(th), "%u:%s", e->thread, e->tname);
    printf("%s%6" PRIu64 " %12s %7" PRIu64 "  ", mark, e->seq, t, e->step);
    field(stdout, th, 20);
    putchar(' ');
    field(stdout, e->kind, 7);
    putchar(' ');
    if (e->detail[0]) {
        field(stdout, e->subject, 28);
        putchar(' ');
        field(stdout, e->detail, 0);
    } else {
        field(stdout, e->subject, 0);
    }
    putchar('\n');
}

static void print_label(const char *side, const dx_trace_t *t, size_t n,
                        int only) {
    printf("%s: %s", side, t->label);
    if (t->verdict)
        printf(": %s", t->verdict);
    if (t->why)
        printf(" (%s)", t->why);
    printf(", %zu event%s", t->n, t->n == 1 ? "" : "s");
    if (only)
        printf(" (%zu of the kinds compared)", n);
    putchar('\n');
}

static size_t *filtered(const dx_opts_t *o, const dx_trace_t *t, size_t *n) {
    size_t *ix = sim_malloc((t->n ? t->n : 1) * sizeof(*ix));
    *n = 0;
    for (size_t i = 0; ix && i < t->n; i++)
        if (kind_wanted(o, t->ev[i].kind))
            ix[(*n)++] = i;
    return ix;
}

static int compare(const dx_opts_t *o, const dx_trace_t *a,
                   const dx_trace_t *b) {
    size_t na, nb;
    size_t *ia = filtered(o, a, &na), *ib = filtered(o, b, &nb);
    if (!ia || !ib) {
        sim_free(ia);
        sim_free(ib);
        fprintf(stderr, "csim: out of memory\n");
        return 2;
    }
    print_label("A", a, na, o->only != NULL);
    print_label("B", b, nb, o->only != NULL);
    printf("compared: %s%sthread name, kind, subject, detail%s%s\n",
           o->ignore_time ? "" : "virtual time", o->ignore_time ? "" : ", ",
           o->only ? "; only kinds " : "", o->only ? o->only : "");
    size_t i = 0;
    while (i < na && i < nb && same(o, &a->ev[ia[i]], &b->ev[ib[i]]))
        i++;
    int status = 0;
    if (i == na && i == nb) {
        printf("identical: %zu event%s\n", na, na == 1 ? "" : "s");
    } else {
        status = 1;
        if (i < na && i < nb)
            printf("first difference: A #%" PRIu64 ", B #%" PRIu64
                   " (after %zu equal event%s)\n",
                   a->ev[ia[i]].seq, b->ev[ib[i]].seq, i, i == 1 ? "" : "s");
        else
            printf(
                "first difference: %s ends after %zu event%s, the other goes "
                "on\n",
                i == na ? "A" : "B", i, i == 1 ? "" : "s");
        printf("  %6s %12s %7s  %-20s %-7s %-28s %s\n", "seq", "time", "step",
               "thread", "kind", "subject", "detail");
        size_t from = i > o->context ? i - o->context : 0;
        for (size_t k = from; k < i; k++)
            print_event("  ", &a->ev[ia[k]]);
        for (size_t k = i; k < na && k < i + o->context + 1; k++)
            print_event("- ", &a->ev[ia[k]]);
        if (i == na)
            printf("- (the end of A)\n");
        for (size_t k = i; k < nb && k < i + o->context + 1; k++)
            print_event("+ ", &b->ev[ib[k]]);
        if (i == nb)
            printf("+ (the end of B)\n");
    }
    sim_free(ia);
    sim_free(ib);
    return status;
}

/* ---------------------------------------------------------------- command */

static int usage(const char *fmt, const char *arg) {
    fprintf(stderr, "csim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage_diff);
    return 2;
}

static int is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int ends_with(const char *s, const char *tail) {
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

int scn_cmd_diff(int argc, char **argv) {
    const char *in[2] = {NULL, NULL}, *file = NULL, *variant = NULL;
    size_t n_in = 0;
    dx_opts_t o = {.context = 5};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_diff, stdout);
            return 0;
        } else if (!strcmp(a, "--ignore-time")) {
            o.ignore_time = 1;
        } else if (!strcmp(a, "--context") || !strcmp(a, "--only") ||
                   !strcmp(a, "--variant")) {
            if (i + 1 >= argc)
                return usage("option %s needs a value", a);
            const char *v = argv[++i];
            uint64_t u;
            if (!strcmp(a, "--context")) {
                if (scn_parse_u64(v, &u) < 0 || u > 100000)
                    return usage("bad --context '%s' (a number of events)", v);
                o.context = (size_t)u;
            } else if (!strcmp(a, "--only")) {
                if (!v[0])
                    return usage("%s", "--only needs a list of kinds");
                o.only = v;
            } else {
                if (scn_preset_check(v, stderr) < 0)
                    return 2;
                variant = v;
            }
        } else if (a[0] == '-' && a[1] == '-') {
            return usage("unknown option '%s'", a);
        } else if (ends_with(a, ".scn")) {
            if (file)
                return usage(
                    "a second scenario FILE '%s' (one FILE.scn for the "
                    "tokens)",
                    a);
            file = a;
        } else if (n_in < 2) {
            in[n_in++] = a;
        } else {
            return usage("unexpected argument '%s' (A and B)", a);
        }
    }
    if (n_in == 0)
        return usage("%s", "nothing to compare: give A and B (tokens or trace "
                           "files), or one token");
    if (variant && n_in == 2)
        return usage("%s", "--variant compares one token with itself under "
                           "another preset: give one token");

    dx_trace_t tr[2];
    memset(tr, 0, sizeof(tr));
    int status = 2;
    scn_token_t tok[2];
    int is_tok[2] = {0, 0};
    for (size_t k = 0; k < n_in; k++) {
        char msg[600];
        if (is_file(in[k])) {
            if (read_trace_file(in[k], &tr[k], msg, sizeof(msg)) < 0) {
                fprintf(stderr, "csim: %s\n", msg);
                goto done;
            }
        } else if (scn_token_parse(in[k], &tok[k], msg, sizeof(msg)) == 0) {
            is_tok[k] = 1;
        } else {
            fprintf(stderr,
                    "csim: %s is neither a trace file nor a replay token "
                    "(%s)\n",
                    in[k], msg);
            goto done;
        }
    }
    if (n_in == 1 && !is_tok[0]) {
        fprintf(stderr,
                "csim: one argument must be a replay token (B is then "
                "its schedule without the last preemption, or --variant)\n");
        goto done;
    }
    for (size_t k = 0; k < n_in; k++) {
        if (!is_tok[k])
            continue;
        scen_t s;
        if (scen_for(&tok[k], file, &s) < 0)
            goto done;
        int rc;
        if (n_in == 1 && !variant) {
            rc = replay_into(&s, &tok[0], DX_NEIGHBOUR, in[0], &tr[0], &tr[1]);
            if (rc == 0)
                snprintf(tr[1].label, sizeof(tr[1].label),
                         "the same schedule without its last preemption "
                         "(critical pair: %s)",
                         tr[1].note ? tr[1].note : "?");
        } else {
            rc = replay_into(&s, &tok[k], DX_A, in[k], &tr[k], NULL);
        }
        if (rc == 0 && n_in == 1 && variant) {
            scn_token_t tb = tok[0];
            snprintf(tb.variant, sizeof(tb.variant), "%s", variant);
            rc = replay_into(&s, &tb, DX_A, in[0], &tr[1], NULL);
            snprintf(tr[1].label, sizeof(tr[1].label),
                     "the same token under "
                     "--variant %s",
                     variant);
        }
        if (rc == 0) {
            char lab[400];
            snprintf(lab, sizeof(lab), "csim replay %s (%s [%s])", in[k],
                     s.path, tok[k].variant);
            snprintf(tr[k].label, sizeof(tr[k].label), "%s", lab);
        }
        scen_free(&s);
        if (rc < 0)
            goto done;
    }
    status = compare(&o, &tr[0], &tr[1]);
done:
    for (size_t k = 0; k < 2; k++) {
        if (is_tok[k])
            scn_token_free(&tok[k]);
        trace_free(&tr[k]);
    }
    return status;
}
