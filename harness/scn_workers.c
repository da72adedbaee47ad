/*
 * scn_workers.c - worker processes for `csim explore` (scn_workers.h).
 *
 * The worker protocol: `<csim> explore-worker FILE [options] --first I
 * --count K` writes one JSON object per line on stdout, flushed after each:
 *
 *   {"type":"start","run":I,"token":"..."}               before run I
 *   {"type":"run","run":I,"verdict":"PASS|FAIL|HUNG","schedule":"<16 hex>",
 *    "decisions":N,"steps":N,"token":"...","expectation":"...","why":"...",
 *    "sometimes":"0110"}                                  ("sometimes": optional)
 *   {"type":"done","runs":K,"exhausted":true|false}      at the end
 *
 * and `<csim> explore-worker FILE --shrink TOKEN` prints one
 * {"type":"shrunk","token":"...","critical":"...","preemptions":N}.
 * Unknown keys are ignored.  Runs come in order from I; "done" with
 * "exhausted":true means the schedule space ends where the worker stopped.
 *
 * Each worker process is one heap object owning four handles (the process,
 * its stdout and stderr pipes, its run timer).  It is finished once the
 * process has exited and both pipes reached EOF, then its handles are closed
 * and the object is freed in the last close callback (c-notes 4.2).
 * Results go into the batch they belong to and are delivered from the
 * lowest batch on, so delivery order is run order for any number of jobs.
 */
#include "scn_workers.h"
#include "sim_alloc.h"

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#define ERR_KEEP     16384 /* bytes of a worker's stderr kept (the tail) */
#define LINE_MAX_LEN (1 << 20)

const char *scn_workers_strerror(int code) {
    switch (code) {
    case 0:
        return "success";
    case SCN_WORKERS_EINVAL:
        return "invalid worker options";
    case SCN_WORKERS_ENOMEM:
        return "out of memory";
    case SCN_WORKERS_EWORKER:
        return "a worker process failed";
    default:
        return code < 0 ? uv_strerror(code) : "unknown error";
    }
}

const char *scn_run_verdict_name(scn_run_verdict_t v) {
    switch (v) {
    case SCN_RUN_PASS:
        return "PASS";
    case SCN_RUN_FAIL:
        return "FAIL";
    case SCN_RUN_HUNG:
        return "HUNG";
    case SCN_RUN_CRASH:
        return "CRASH";
    case SCN_RUN_TIMEOUT:
        return "TIMEOUT";
    }
    return "?";
}

long scn_workers_batch_size(long runs) {
    long b = (runs + 63) / 64;
    if (b < 8)
        b = 8;
    if (b > 2048)
        b = 2048;
    return b;
}

/* ------------------------------------------------------------ JSON lines */

typedef struct msg {
    char *type, *token, *verdict, *schedule, *expectation, *why, *critical;
    char *sometimes;
    int64_t run, decisions, steps, runs, preemptions, from_preemptions;
    int has_run, exhausted;
} msg_t;

static void msg_free(msg_t *m) {
    sim_free(m->type);
    sim_free(m->token);
    sim_free(m->verdict);
    sim_free(m->schedule);
    sim_free(m->expectation);
    sim_free(m->why);
    sim_free(m->critical);
    sim_free(m->sometimes);
    memset(m, 0, sizeof(*m));
}

static void skip_ws(const char **p, const char *e) {
    while (*p < e && (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n'))
        (*p)++;
}

static int hex4(const char *p, const char *e, unsigned *out) {
    unsigned v = 0;
    if (e - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A JSON string at *p; *out (if not NULL) gets a malloc'd unescaped copy.
 * The unescaped text is never longer than the escaped one. */
static int parse_string(const char **p, const char *e, char **out) {
    const char *s = *p;
    char *buf = NULL, *o = NULL;
    if (s >= e || *s != '"')
        return -1;
    s++;
    if (out) {
        buf = sim_malloc((size_t)(e - s) + 1);
        if (!buf)
            return -1;
        o = buf;
    }
    while (s < e && *s != '"') {
        unsigned char c = (unsigned char)*s++;
        if (c < 0x20)
            goto bad;
        if (c != '\\') {
            if (o)
                *o++ = (char)c;
            continue;
        }
        if (s >= e)
            goto bad;
        c = (unsigned char)*s++;
        unsigned cp;
        switch (c) {
        case '"':
            cp = '"';
            break;
        case '\\':
            cp = '\\';
            break;
        case '/':
            cp = '/';
            break;
        case 'b':
            cp = '\b';
            break;
        case 'f':
            cp = '\f';
            break;
        case 'n':
            cp = '\n';
            break;
        case 'r':
            cp = '\r';
            break;
        case 't':
            cp = '\t';
            break;
        case 'u':
            if (hex4(s, e, &cp) < 0)
                goto bad;
            s += 4;
            if (cp >= 0xD800 && cp < 0xDC00) {
                unsigned lo;
                if (e - s < 6 || s[0] != '\\' || s[1] != 'u' ||
                    hex4(s + 2, e, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
                    goto bad;
                s += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                goto bad;
            }
            break;
        default:
            goto bad;
        }
        if (o)
            o += put_utf8(o, cp);
    }
    if (s >= e)
        goto bad;
    *p = s + 1;
    if (out) {
        *o = '\0';
        *out = buf;
    }
    return 0;
bad:
    sim_free(buf);
    return -1;
}

/* A JSON number; *is_int says whether it was a plain integer (into *out). */
static int parse_number(const char **p, const char *e, int64_t *out,
                        int *is_int) {
    const char *s = *p;
    int neg = 0, digits = 0;
    uint64_t v = 0;
    *is_int = 1;
    if (s < e && *s == '-') {
        neg = 1;
        s++;
    }
    while (s < e && *s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s++ - '0');
        if (v > (UINT64_MAX - d) / 10)
            *is_int = 0;
        else
            v = v * 10 + d;
        digits++;
    }
    if (!digits)
        return -1;
    if (s < e && (*s == '.' || *s == 'e' || *s == 'E')) {
        *is_int = 0;
        while (s < e && ((*s >= '0' && *s <= '9') || *s == '.' || *s == 'e' ||
                         *s == 'E' || *s == '+' || *s == '-'))
            s++;
    }
    if (*is_int && v > (uint64_t)INT64_MAX)
        *is_int = 0;
    *out = neg ? -(int64_t)v : (int64_t)v;
    *p = s;
    return 0;
}

static int parse_lit(const char **p, const char *e, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(e - *p) < n || memcmp(*p, lit, n) != 0)
        return -1;
    *p += n;
    return 0;
}

static int skip_value(const char **p, const char *e, int depth) {
    int64_t n;
    int is_int;
    skip_ws(p, e);
    if (*p >= e || depth > 32)
        return -1;
    switch (**p) {
    case '"':
        return parse_string(p, e, NULL);
    case 't':
        return parse_lit(p, e, "true");
    case 'f':
        return parse_lit(p, e, "false");
    case 'n':
        return parse_lit(p, e, "null");
    case '{':
    case '[': {
        char close = **p == '{' ? '}' : ']';
        (*p)++;
        skip_ws(p, e);
        if (*p < e && **p == close) {
            (*p)++;
            return 0;
        }
        for (;;) {
            if (close == '}') {
                skip_ws(p, e);
                if (parse_string(p, e, NULL) < 0)
                    return -1;
                skip_ws(p, e);
                if (*p >= e || **p != ':')
                    return -1;
                (*p)++;
            }
            if (skip_value(p, e, depth + 1) < 0)
                return -1;
            skip_ws(p, e);
            if (*p < e && **p == ',') {
                (*p)++;
                continue;
            }
            if (*p < e && **p == close) {
                (*p)++;
                return 0;
            }
            return -1;
        }
    }
    default:
        return parse_number(p, e, &n, &is_int);
    }
}

/* One protocol line: a flat JSON object.  Known keys of the wrong type are
 * errors; unknown keys are skipped. */
static int parse_msg(const char *s, size_t len, msg_t *m) {
    static const struct {
        const char *key;
        size_t off;
    } strs[] = {
        {"type", offsetof(msg_t, type)},
        {"token", offsetof(msg_t, token)},
        {"verdict", offsetof(msg_t, verdict)},
        {"schedule", offsetof(msg_t, schedule)},
        {"expectation", offsetof(msg_t, expectation)},
        {"why", offsetof(msg_t, why)},
        {"critical", offsetof(msg_t, critical)},
        {"sometimes", offsetof(msg_t, sometimes)},
    };
    static const struct {
        const char *key;
        size_t off;
    } nums[] = {
        {"run", offsetof(msg_t, run)},
        {"decisions", offsetof(msg_t, decisions)},
        {"steps", offsetof(msg_t, steps)},
        {"runs", offsetof(msg_t, runs)},
        {"preemptions", offsetof(msg_t, preemptions)},
        {"from_preemptions", offsetof(msg_t, from_preemptions)},
    };
    const char *p = s, *e = s + len;
    memset(m, 0, sizeof(*m));
    skip_ws(&p, e);
    if (p >= e || *p != '{')
        return -1;
    p++;
    skip_ws(&p, e);
    if (p < e && *p == '}') {
        p++;
        goto end;
    }
    for (;;) {
        char *key = NULL;
        size_t i;
        int done = 0;
        skip_ws(&p, e);
        if (parse_string(&p, e, &key) < 0)
            goto bad;
        skip_ws(&p, e);
        if (p >= e || *p != ':') {
            sim_free(key);
            goto bad;
        }
        p++;
        skip_ws(&p, e);
        for (i = 0; !done && i < sizeof(strs) / sizeof(strs[0]); i++) {
            if (strcmp(key, strs[i].key) != 0)
                continue;
            char **dst = (char **)((char *)m + strs[i].off);
            sim_free(*dst);
            *dst = NULL;
            if (p < e && *p == 'n') {
                if (parse_lit(&p, e, "null") < 0) {
                    sim_free(key);
                    goto bad;
                }
            } else if (parse_string(&p, e, dst) < 0) {
                sim_free(key);
                goto bad;
            }
            done = 1;
        }
        for (i = 0; !done && i < sizeof(nums) / sizeof(nums[0]); i++) {
            int is_int;
            if (strcmp(key, nums[i].key) != 0)
                continue;
            if (parse_number(&p, e, (int64_t *)((char *)m + nums[i].off),
                             &is_int) < 0 ||
                !is_int) {
                sim_free(key);
                goto bad;
            }
            if (nums[i].off == offsetof(msg_t, run))
                m->has_run = 1;
            done = 1;
        }
        if (!done && strcmp(key, "exhausted") == 0) {
            if (parse_lit(&p, e, "true") == 0)
                m->exhausted = 1;
            else if (parse_lit(&p, e, "false") == 0)
                m->exhausted = 0;
            else {
                sim_free(key);
                goto bad;
            }
            done = 1;
        }
        sim_free(key);
        if (!done && skip_value(&p, e, 0) < 0)
            goto bad;
        skip_ws(&p, e);
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p < e && *p == '}') {
            p++;
            break;
        }
        goto bad;
    }
end:
    skip_ws(&p, e);
    if (p != e || !m->type)
        goto bad;
    return 0;
bad:
    msg_free(m);
    return -1;
}

/* ------------------------------------------------------------ supervisor */

typedef struct batch {
    struct batch *next;
    long start, end; /* runs start..end-1 */
    long cursor;     /* the next run a worker has to produce */
    long delivered;  /* runs of this batch passed to the callback */
    int refs;        /* workers running it */
    /* Results waiting for delivery: slot k is run start + base + k.  Grown
     * as results arrive and shifted down as they are delivered, so a dfs
     * batch of a billion runs does not reserve a billion slots. */
    scn_run_report_t *reports;
    unsigned char *have;
    long base, cap;
    long *crashed; /* runs of this batch that crashed or timed out, in */
    size_t n_crashed; /* order: a respawned worker skips them (--skip) */
} batch_t;

enum { KILL_NONE, KILL_TIMEOUT, KILL_STOP, KILL_PROTO };

typedef struct sup sup_t;

typedef struct worker {
    sup_t *s;
    batch_t *b; /* NULL when shrinking */
    uv_process_t proc;
    uv_pipe_t out, err;
    uv_timer_t timer;
    int handles; /* still open */
    int spawned, exited, out_eof, err_eof, finished;
    int64_t exit_status;
    int term_signal;
    int kill_reason;
    int done, progressed;
    long first;
    long cur_run; /* run between its "start" and "run" lines, or -1 */
    char *cur_token;
    char *line;
    size_t line_len, line_cap;
    char errbuf[ERR_KEEP];
    size_t err_len;
    char proto[160]; /* what broke the protocol */
} worker_t;

struct sup {
    const scn_workers_opts_t *o;
    scn_run_cb cb;
    void *arg;
    scn_workers_summary_t *sum;
    uv_loop_t loop;
    uv_timer_t progress;
    int progress_on, progress_drawn;
    FILE *pstream;
    uint64_t t0;
    long bs, total_end, next_start, end_run, stop_at, next_deliver;
    long arrived, bad_arrived;
    batch_t *head, *tail;
    worker_t **slots;
    unsigned jobs;
    int alive;   /* worker objects not yet finished */
    int fatal;   /* SCN_WORKERS_* code once something failed */
    int closing; /* the exploration ended: no new workers */
    char rbuf[65536];
    /* --shrink */
    int shrink_mode;
    const char *shrink_token;
    unsigned shrink_timeout;
    scn_shrink_report_t *shrunk;
    int have_shrunk;
};

static void fail(sup_t *s, int code, const char *fmt, ...) {
    va_list ap;
    if (s->fatal)
        return;
    s->fatal = code;
    va_start(ap, fmt);
    vsnprintf(s->sum->error, sizeof(s->sum->error), fmt, ap);
    va_end(ap);
}

static long limit(const sup_t *s) {
    long l = s->total_end;
    if (s->end_run < l)
        l = s->end_run;
    if (s->stop_at != LONG_MAX && s->stop_at + 1 < l)
        l = s->stop_at + 1;
    return l;
}

static void report_clear(scn_run_report_t *r) {
    sim_free(r->token);
    sim_free(r->expectation);
    sim_free(r->why);
    sim_free(r->crash);
    sim_free(r->detail);
    sim_free(r->sometimes);
    memset(r, 0, sizeof(*r));
}

static void batch_free(batch_t *b) {
    for (long i = 0; i < b->cap; i++)
        if (b->have[i] == 1)
            report_clear(&b->reports[i]);
    sim_free(b->reports);
    sim_free(b->have);
    sim_free(b->crashed);
    sim_free(b);
}

static void worker_kill(worker_t *w, int reason) {
    int rc;
    if (!w->spawned || w->exited || w->kill_reason != KILL_NONE)
        return;
    w->kill_reason = reason;
    rc = uv_process_kill(&w->proc, SIGKILL);
    if (rc < 0 && rc != UV_ESRCH)
        fail(w->s, rc, "cannot kill worker %d: %s", w->proc.pid,
             uv_strerror(rc));
}

/* Kill every worker whose next run is past the end of the exploration. */
static void kill_beyond(sup_t *s) {
    long l = limit(s);
    for (unsigned i = 0; i < s->jobs; i++) {
        worker_t *w = s->slots[i];
        if (!w)
            continue;
        if (s->fatal)
            worker_kill(w, KILL_STOP);
        else if (!w->done && w->b->cursor < w->b->end && w->b->cursor >= l)
            worker_kill(w, KILL_STOP);
    }
}

static void set_stop(sup_t *s, long run) {
    if (run < s->stop_at) {
        s->stop_at = run;
        s->sum->stopped = 1;
        kill_beyond(s);
    }
}

static int is_bad(scn_run_verdict_t v) {
    return v != SCN_RUN_PASS;
}

static void progress_draw(sup_t *s, int clear) {
    if (clear) {
        if (s->progress_drawn)
            fputs("\r\033[K", s->pstream);
        s->progress_drawn = 0;
    } else {
        double secs = (double)(uv_hrtime() - s->t0) / 1e9;
        fprintf(s->pstream,
                "\r  runs %ld/%ld  %.0f runs/s  %ld failure%s\033[K",
                s->arrived, s->total_end - s->o->first,
                secs > 0 ? (double)s->arrived / secs : 0.0, s->bad_arrived,
                s->bad_arrived == 1 ? "" : "s");
        s->progress_drawn = 1;
    }
    fflush(s->pstream);
}

static void on_progress(uv_timer_t *t) {
    progress_draw(t->data, 0);
}

/* Pass every result that is next in run order to the callback. */
static void deliver(sup_t *s) {
    while (s->next_deliver < limit(s)) {
        batch_t *b = s->head;
        long i;
        int stop;
        if (!b || s->next_deliver < b->start || s->next_deliver >= b->end)
            break;
        i = s->next_deliver - b->start - b->base;
        if (i >= b->cap || b->have[i] != 1)
            break;
        scn_run_report_t *r = &b->reports[i];
        scn_workers_summary_t *sum = s->sum;
        sum->delivered++;
        switch (r->verdict) {
        case SCN_RUN_PASS:
            sum->pass++;
            break;
        case SCN_RUN_FAIL:
            sum->fail++;
            break;
        case SCN_RUN_HUNG:
            sum->hung++;
            break;
        case SCN_RUN_CRASH:
            sum->crash++;
            break;
        case SCN_RUN_TIMEOUT:
            sum->timeout++;
            break;
        }
        if (is_bad(r->verdict) && sum->first_bad < 0)
            sum->first_bad = r->run;
        sum->decisions += r->decisions;
        sum->steps += r->steps;
        stop = 0;
        if (s->cb) {
            if (s->progress_drawn)
                progress_draw(s, 1);
            stop = s->cb(r, s->arg);
            if (s->progress_on)
                fflush(stdout);
        }
        report_clear(r);
        b->have[i] = 2;
        b->delivered++;
        s->next_deliver++;
        if (i + 1 >= 1024 && i + 1 >= b->cap / 2) {
            long keep = b->cap - (i + 1);
            memmove(b->reports, b->reports + i + 1, (size_t)keep * sizeof(*b->reports));
            memmove(b->have, b->have + i + 1, (size_t)keep);
            memset(b->reports + keep, 0, (size_t)(i + 1) * sizeof(*b->reports));
            memset(b->have + keep, 0, (size_t)(i + 1));
            b->base += i + 1;
        }
        if (b->delivered == b->end - b->start && b->refs == 0) {
            s->head = b->next;
            if (!s->head)
                s->tail = NULL;
            batch_free(b);
        }
        if (stop)
            set_stop(s, s->next_deliver - 1);
    }
}

/* Room for slot i; 0, or -1 when out of memory. */
static int batch_reserve(batch_t *b, long i) {
    long cap = b->cap ? b->cap : 64;
    scn_run_report_t *nr;
    unsigned char *nh;

    if (i < b->cap)
        return 0;
    while (cap <= i)
        cap *= 2;
    nr = sim_realloc(b->reports, (size_t)cap * sizeof(*nr));
    if (!nr)
        return -1;
    b->reports = nr;
    nh = sim_realloc(b->have, (size_t)cap);
    if (!nh)
        return -1;
    b->have = nh;
    memset(b->reports + b->cap, 0, (size_t)(cap - b->cap) * sizeof(*nr));
    memset(b->have + b->cap, 0, (size_t)(cap - b->cap));
    b->cap = cap;
    return 0;
}

static void store(sup_t *s, batch_t *b, scn_run_report_t *r) {
    long i = r->run - b->start - b->base;
    if (batch_reserve(b, i) < 0) {
        report_clear(r);
        fail(s, SCN_WORKERS_ENOMEM, "out of memory");
        kill_beyond(s);
        return;
    }
    b->reports[i] = *r;
    b->have[i] = 1;
    b->cursor = r->run + 1;
    s->arrived++;
    if (is_bad(r->verdict)) {
        s->bad_arrived++;
        if (s->o->until_first)
            set_stop(s, r->run);
    }
    deliver(s);
}

static char *xstrdup(sup_t *s, const char *str) {
    char *d;
    if (!str)
        return NULL;
    d = sim_alloc_strdup(str);
    if (!d)
        fail(s, SCN_WORKERS_ENOMEM, "out of memory");
    return d;
}

static void proto_error(worker_t *w, const char *what, const char *line,
                        size_t len) {
    if (w->proto[0] == '\0')
        snprintf(w->proto, sizeof(w->proto), "%s: %.*s", what,
                 (int)(len > 80 ? 80 : len), line);
    worker_kill(w, KILL_PROTO);
}

static void on_timeout(uv_timer_t *t);

/* The run timer covers one run: it restarts at every protocol line. */
static void timer_restart(worker_t *w) {
    unsigned ms =
        w->s->shrink_mode ? w->s->shrink_timeout : w->s->o->timeout_ms;
    int rc;
    if (!ms)
        return;
    rc = uv_timer_start(&w->timer, on_timeout, ms, 0);
    if (rc < 0)
        fail(w->s, rc, "run timer: %s", uv_strerror(rc));
}

static void handle_line(worker_t *w, const char *line, size_t len) {
    sup_t *s = w->s;
    batch_t *b = w->b;
    msg_t m;
    if (w->kill_reason != KILL_NONE)
        return; /* what a killed worker still says does not count */
    if (parse_msg(line, len, &m) < 0) {
        proto_error(w, "not a protocol line", line, len);
        return;
    }
    if (s->shrink_mode) {
        if (strcmp(m.type, "shrunk") == 0 && m.token && !s->have_shrunk) {
            s->shrunk->token = m.token;
            s->shrunk->critical = m.critical;
            s->shrunk->preemptions = (long)m.preemptions;
            s->shrunk->from_preemptions = (long)m.from_preemptions;
            s->shrunk->verdict = m.verdict;
            s->shrunk->expectation = m.expectation;
            m.token = m.critical = m.verdict = m.expectation = NULL;
            s->have_shrunk = 1;
        }
        msg_free(&m);
        return;
    }
    if (strcmp(m.type, "start") == 0) {
        if (!m.has_run || m.run != b->cursor || w->cur_run >= 0) {
            proto_error(w, "unexpected start", line, len);
        } else {
            w->cur_run = (long)m.run;
            sim_free(w->cur_token);
            w->cur_token = m.token;
            m.token = NULL;
            timer_restart(w);
            if (w->cur_run >= limit(s))
                worker_kill(w, KILL_STOP);
        }
    } else if (strcmp(m.type, "run") == 0) {
        scn_run_report_t r;
        memset(&r, 0, sizeof(r));
        if (!m.has_run || m.run != b->cursor || m.run >= b->end ||
            (w->cur_run >= 0 && w->cur_run != m.run) || !m.verdict) {
            proto_error(w, "unexpected run", line, len);
            msg_free(&m);
            return;
        }
        if (strcmp(m.verdict, "PASS") == 0)
            r.verdict = SCN_RUN_PASS;
        else if (strcmp(m.verdict, "FAIL") == 0)
            r.verdict = SCN_RUN_FAIL;
        else if (strcmp(m.verdict, "HUNG") == 0)
            r.verdict = SCN_RUN_HUNG;
        else if (strcmp(m.verdict, "CRASH") == 0)
            r.verdict = SCN_RUN_CRASH;
        else {
            proto_error(w, "unknown verdict", line, len);
            msg_free(&m);
            return;
        }
        r.run = (long)m.run;
        if (m.schedule)
            snprintf(r.schedule, sizeof(r.schedule), "%s", m.schedule);
        r.decisions = (uint64_t)m.decisions;
        r.steps = (uint64_t)m.steps;
        r.token = m.token ? m.token : w->cur_token;
        if (m.token)
            sim_free(w->cur_token);
        w->cur_token = NULL;
        m.token = NULL;
        r.expectation = m.expectation;
        r.why = m.why;
        r.sometimes = m.sometimes;
        m.expectation = m.why = m.sometimes = NULL;
        if (r.verdict == SCN_RUN_CRASH)
            r.crash = xstrdup(s, r.why ? r.why : "crash");
        w->cur_run = -1;
        w->progressed = 1;
        timer_restart(w);
        store(s, b, &r);
        if (!w->done && b->cursor < b->end && b->cursor >= limit(s))
            worker_kill(w, KILL_STOP);
    } else if (strcmp(m.type, "done") == 0) {
        /* A "start" without its "run" before "done": dfs found the space
         * exhausted at that run; nothing ran. */
        w->done = 1;
        w->cur_run = -1;
        if (m.exhausted) {
            s->sum->exhausted = 1;
            if (b->cursor < s->end_run) {
                s->end_run = b->cursor;
                kill_beyond(s);
                deliver(s);
            }
        }
    }
    /* other types: ignored (forward compatible) */
    msg_free(&m);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
    sup_t *s = ((worker_t *)h->data)->s;
    (void)hint;
    buf->base = s->rbuf;
    buf->len = sizeof(s->rbuf);
}

static void worker_maybe_finish(worker_t *w);

static void on_out(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
    worker_t *w = st->data;
    if (n < 0) {
        /* EOF, or the pipe broke: either way nothing more comes.  A
         * partial last line (the worker died writing it) is dropped. */
        uv_read_stop(st);
        w->out_eof = 1;
        worker_maybe_finish(w);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        char c = buf->base[i];
        if (c == '\n') {
            handle_line(w, w->line, w->line_len);
            w->line_len = 0;
            continue;
        }
        if (w->line_len + 1 >= w->line_cap) {
            size_t cap = w->line_cap ? w->line_cap * 2 : 256;
            char *nl;
            if (cap > LINE_MAX_LEN) {
                proto_error(w, "line too long", w->line, w->line_len);
                w->line_len = 0;
                continue;
            }
            nl = sim_realloc(w->line, cap);
            if (!nl) {
                fail(w->s, SCN_WORKERS_ENOMEM, "out of memory");
                worker_kill(w, KILL_STOP);
                return;
            }
            w->line = nl;
            w->line_cap = cap;
        }
        w->line[w->line_len++] = c;
    }
}

static void on_err(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
    worker_t *w = st->data;
    size_t k;
    if (n < 0) {
        uv_read_stop(st);
        w->err_eof = 1;
        worker_maybe_finish(w);
        return;
    }
    k = (size_t)n;
    if (k >= ERR_KEEP) {
        memcpy(w->errbuf, buf->base + k - ERR_KEEP / 2, ERR_KEEP / 2);
        w->err_len = ERR_KEEP / 2;
        return;
    }
    if (w->err_len + k > ERR_KEEP) {
        size_t drop = w->err_len + k - ERR_KEEP / 2;
        if (drop > w->err_len)
            drop = w->err_len;
        memmove(w->errbuf, w->errbuf + drop, w->err_len - drop);
        w->err_len -= drop;
    }
    if (w->err_len + k > ERR_KEEP)
        k = ERR_KEEP - w->err_len;
    memcpy(w->errbuf + w->err_len, buf->base, k);
    w->err_len += k;
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig) {
    worker_t *w = p->data;
    w->exited = 1;
    w->exit_status = status;
    w->term_signal = sig;
    worker_maybe_finish(w);
}

static void on_timeout(uv_timer_t *t) {
    worker_kill(t->data, KILL_TIMEOUT);
}

static void on_close(uv_handle_t *h) {
    worker_t *w = h->data;
    if (--w->handles == 0) {
        sim_free(w->cur_token);
        sim_free(w->line);
        sim_free(w);
    }
}

/* The last non-empty line of the worker's stderr, malloc'd, or NULL. */
static char *last_err_line(sup_t *s, const worker_t *w) {
    size_t e = w->err_len, b;
    char *d;
    while (e > 0 && (w->errbuf[e - 1] == '\n' || w->errbuf[e - 1] == '\r'))
        e--;
    if (e == 0)
        return NULL;
    b = e;
    while (b > 0 && w->errbuf[b - 1] != '\n')
        b--;
    d = sim_malloc(e - b + 1);
    if (!d) {
        fail(s, SCN_WORKERS_ENOMEM, "out of memory");
        return NULL;
    }
    memcpy(d, w->errbuf + b, e - b);
    d[e - b] = '\0';
    return d;
}

/* Finds the last occurrence of needle in the kept stderr. */
static const char *err_find(const worker_t *w, const char *needle) {
    size_t n = strlen(needle);
    const char *found = NULL;
    for (size_t i = 0; i + n <= w->err_len; i++)
        if (memcmp(w->errbuf + i, needle, n) == 0)
            found = w->errbuf + i;
    return found;
}

static const char *signame(int sig) {
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGABRT:
        return "abort (SIGABRT)";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGILL:
        return "SIGILL";
    case SIGKILL:
        return "SIGKILL";
    case SIGTERM:
        return "SIGTERM";
    case SIGPIPE:
        return "SIGPIPE";
    case SIGTRAP:
        return "SIGTRAP";
    default:
        return NULL;
    }
}

/* How a worker died, for the run it was in: the green thread named by the
 * sim's overflow handler first, then a sanitizer report, then the signal
 * or the exit status. */
static char *describe_crash(sup_t *s, const worker_t *w) {
    static const char ov_head[] = "csim: green thread '";
    static const char ov_tail[] = "' overflowed its stack";
    char buf[320];
    const char *p = err_find(w, ov_head);
    if (p) {
        const char *name = p + strlen(ov_head);
        const char *end = w->errbuf + w->err_len;
        const char *q = name;
        while (q < end && *q != '\n')
            q++;
        /* The name may itself contain a quote: the tail is at the end. */
        size_t tl = strlen(ov_tail);
        if ((size_t)(q - name) >= tl && memcmp(q - tl, ov_tail, tl) == 0) {
            snprintf(buf, sizeof(buf), "stack overflow in green thread '%.*s'",
                     (int)(q - tl - name), name);
            return xstrdup(s, buf);
        }
    }
    p = err_find(w, "ERROR: AddressSanitizer: ");
    if (p) {
        const char *k = p + strlen("ERROR: ");
        size_t n = 0;
        while (k + n < w->errbuf + w->err_len && k[n] != '\n' &&
               strncmp(k + n, " on ", 4) != 0 && n < 120)
            n++;
        snprintf(buf, sizeof(buf), "%.*s", (int)n, k);
        return xstrdup(s, buf);
    }
    p = err_find(w, ": runtime error: ");
    if (p) {
        const char *k = p + 2;
        size_t n = 0;
        while (k + n < w->errbuf + w->err_len && k[n] != '\n' && n < 120)
            n++;
        snprintf(buf, sizeof(buf), "UndefinedBehaviorSanitizer: %.*s", (int)n,
                 k);
        return xstrdup(s, buf);
    }
    if (w->term_signal) {
        const char *name = signame(w->term_signal);
        if (name)
            return xstrdup(s, name);
        snprintf(buf, sizeof(buf), "signal %d", w->term_signal);
        return xstrdup(s, buf);
    }
    snprintf(buf, sizeof(buf), "exit status %lld", (long long)w->exit_status);
    return xstrdup(s, buf);
}

static void dispatch(sup_t *s, unsigned slot);
static void worker_spawn(sup_t *s, unsigned slot, batch_t *b);
static void maybe_end(sup_t *s);

static void close_worker(worker_t *w) {
    uv_handle_t *hs[] = {(uv_handle_t *)&w->proc, (uv_handle_t *)&w->out,
                         (uv_handle_t *)&w->err, (uv_handle_t *)&w->timer};
    for (size_t i = 0; i < 4; i++)
        if (!uv_is_closing(hs[i]))
            uv_close(hs[i], on_close);
}

static unsigned slot_of(const sup_t *s, const worker_t *w) {
    for (unsigned i = 0; i < s->jobs; i++)
        if (s->slots[i] == w)
            return i;
    return 0;
}

/* The process exited and both pipes are drained: account for the run it
 * was in, then give its slot the rest of the batch or the next batch. */
static void worker_finish(worker_t *w) {
    sup_t *s = w->s;
    batch_t *b = w->b;
    unsigned slot;
    w->finished = 1;
    s->alive--;
    if (s->shrink_mode) {
        if (!s->have_shrunk) {
            char *d = last_err_line(s, w);
            if (w->kill_reason == KILL_TIMEOUT)
                fail(s, SCN_WORKERS_EWORKER, "shrinking timed out after %u ms",
                     s->shrink_timeout);
            else if (w->exited && (w->term_signal || w->exit_status)) {
                char *c = describe_crash(s, w);
                fail(s, SCN_WORKERS_EWORKER, "shrinking worker crashed: %s%s%s",
                     c ? c : "?", d ? ": " : "", d ? d : "");
                sim_free(c);
            } else
                fail(s, SCN_WORKERS_EWORKER,
                     "shrinking worker printed no result%s%s", d ? ": " : "",
                     d ? d : "");
            sim_free(d);
        }
        close_worker(w);
        return;
    }
    slot = slot_of(s, w);
    s->slots[slot] = NULL;
    if (w->proto[0]) {
        fail(s, SCN_WORKERS_EWORKER,
             "worker for runs %ld..%ld broke the "
             "protocol (%s)",
             w->first, b->end - 1, w->proto);
    } else if (w->cur_run >= 0 && w->kill_reason != KILL_STOP) {
        scn_run_report_t r;
        memset(&r, 0, sizeof(r));
        r.run = w->cur_run;
        r.token = w->cur_token;
        w->cur_token = NULL;
        if (w->kill_reason == KILL_TIMEOUT) {
            char buf[64];
            r.verdict = SCN_RUN_TIMEOUT;
            snprintf(buf, sizeof(buf), "timeout after %u ms", s->o->timeout_ms);
            r.crash = xstrdup(s, buf);
        } else {
            r.verdict = SCN_RUN_CRASH;
            r.crash = describe_crash(s, w);
            r.detail = last_err_line(s, w);
        }
        w->cur_run = -1;
        {
            long *c = sim_realloc(b->crashed, (b->n_crashed + 1) * sizeof(*c));
            if (c) {
                b->crashed = c;
                c[b->n_crashed++] = r.run;
            } else {
                fail(s, SCN_WORKERS_ENOMEM, "out of memory");
            }
        }
        store(s, b, &r);
    } else if (!w->progressed && w->kill_reason != KILL_STOP && !s->fatal &&
               b->cursor < b->end && b->cursor < limit(s)) {
        /* No run came out of this process: starting another one for the
         * same runs would fail the same way. */
        char *d = last_err_line(s, w);
        if (w->kill_reason == KILL_TIMEOUT)
            fail(s, SCN_WORKERS_EWORKER,
                 "worker for runs %ld..%ld started no run within %u ms",
                 w->first, b->end - 1, s->o->timeout_ms);
        else {
            char *c = describe_crash(s, w);
            fail(s, SCN_WORKERS_EWORKER,
                 "worker for runs %ld..%ld ended (%s) before its first run%s%s",
                 w->first, b->end - 1, c ? c : "?", d ? ": " : "", d ? d : "");
            sim_free(c);
        }
        sim_free(d);
    }
    b->refs--;
    close_worker(w);
    if (s->fatal)
        kill_beyond(s);
    if (!s->fatal && !s->closing && b->cursor < b->end && b->cursor < limit(s))
        worker_spawn(s, slot, b); /* the rest of this batch */
    else
        dispatch(s, slot);
    /* A batch freed only now (a worker still held it). */
    while (s->head && s->head->refs == 0 &&
           s->head->delivered == s->head->end - s->head->start) {
        batch_t *h = s->head;
        s->head = h->next;
        if (!s->head)
            s->tail = NULL;
        batch_free(h);
    }
    deliver(s);
    maybe_end(s);
}

static void worker_maybe_finish(worker_t *w) {
    if (w->exited && w->out_eof && w->err_eof && !w->finished)
        worker_finish(w);
}

static int spawn_process(sup_t *s, worker_t *w, char **args) {
    uv_process_options_t po;
    uv_stdio_container_t io[3];
    int rc;

    memset(&po, 0, sizeof(po));
    io[0].flags = UV_IGNORE;
    io[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    io[1].data.stream = (uv_stream_t *)&w->out;
    io[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    io[2].data.stream = (uv_stream_t *)&w->err;
    po.file = args[0];
    po.args = args;
    po.stdio = io;
    po.stdio_count = 3;
    po.exit_cb = on_exit_cb;

    w->proc.data = w->out.data = w->err.data = w->timer.data = w;
    rc = uv_pipe_init(&s->loop, &w->out, 0);
    if (rc == 0) {
        w->handles++;
        rc = uv_pipe_init(&s->loop, &w->err, 0);
    }
    if (rc == 0) {
        w->handles++;
        rc = uv_timer_init(&s->loop, &w->timer);
    }
    if (rc < 0) {
        /* the handles initialised so far are closed by the caller */
        return rc;
    }
    w->handles++;
    w->proc.data = w;
    rc = uv_spawn(&s->loop, &w->proc, &po);
    w->handles++; /* uv_spawn initialises the handle even when it fails */
    if (rc < 0)
        return rc;
    w->spawned = 1;
    s->sum->workers++;
    rc = uv_read_start((uv_stream_t *)&w->out, on_alloc, on_out);
    if (rc == 0)
        rc = uv_read_start((uv_stream_t *)&w->err, on_alloc, on_err);
    if (rc == 0)
        timer_restart(w);
    return rc;
}

/* Close the handles of a worker that never got going; frees it. */
static void abandon(worker_t *w) {
    uv_handle_t *hs[] = {(uv_handle_t *)&w->out, (uv_handle_t *)&w->err,
                         (uv_handle_t *)&w->timer, (uv_handle_t *)&w->proc};
    int n = w->handles;
    if (n == 0) {
        sim_free(w);
        return;
    }
    for (int i = 0; i < n; i++)
        uv_close(hs[i], on_close);
}

static void worker_spawn(sup_t *s, unsigned slot, batch_t *b) {
    const scn_workers_opts_t *o = s->o;
    size_t na = o->argc + 10, k = 0;
    char first[24], count[24];
    char *skip = NULL;
    char **args = sim_calloc(na, sizeof(*args));
    worker_t *w = sim_calloc(1, sizeof(*w));
    int rc;

    if (!args || !w) {
        sim_free(args);
        sim_free(w);
        fail(s, SCN_WORKERS_ENOMEM, "out of memory");
        return;
    }
    w->s = s;
    w->b = b;
    w->cur_run = -1;
    w->first = b->cursor;
    snprintf(first, sizeof(first), "%ld", b->cursor);
    snprintf(count, sizeof(count), "%ld", b->end - b->cursor);
    args[k++] = (char *)o->csim;
    args[k++] = (char *)"explore-worker";
    args[k++] = (char *)o->scenario;
    for (size_t i = 0; i < o->argc; i++)
        args[k++] = (char *)o->argv[i];
    args[k++] = (char *)"--first";
    args[k++] = first;
    args[k++] = (char *)"--count";
    args[k++] = count;
    if (b->n_crashed) {
        /* The runs of this batch that killed a worker: a dfs worker has to
         * enumerate past them again, and must not execute them. */
        skip = sim_malloc(b->n_crashed * 22 + 1);
        if (skip) {
            size_t len = 0;
            skip[0] = '\0';
            for (size_t i = 0; i < b->n_crashed; i++)
                len += (size_t)sprintf(skip + len, "%s%ld", i ? "," : "",
                                       b->crashed[i]);
            args[k++] = (char *)"--skip";
            args[k++] = skip;
        }
    }
    args[k] = NULL;
    rc = spawn_process(s, w, args);
    sim_free(args);
    sim_free(skip);
    if (!w->spawned) {
        fail(s, SCN_WORKERS_EWORKER, "cannot start worker '%s': %s", o->csim,
             uv_strerror(rc));
        abandon(w);
        return;
    }
    b->refs++;
    s->slots[slot] = w;
    s->alive++;
    if (rc < 0) {
        fail(s, rc, "worker pipes: %s", uv_strerror(rc));
        kill_beyond(s);
    }
}

static void dispatch(sup_t *s, unsigned slot) {
    batch_t *b;
    long n;
    if (s->fatal || s->closing || s->next_start >= limit(s))
        return;
    b = sim_calloc(1, sizeof(*b));
    n = s->bs;
    if (s->next_start + n > s->total_end)
        n = s->total_end - s->next_start;
    if (!b) {
        fail(s, SCN_WORKERS_ENOMEM, "out of memory");
        kill_beyond(s);
        return;
    }
    b->start = b->cursor = s->next_start;
    b->end = s->next_start + n;
    s->next_start = b->end;
    if (s->tail)
        s->tail->next = b;
    else
        s->head = b;
    s->tail = b;
    worker_spawn(s, slot, b);
}

static void maybe_end(sup_t *s) {
    if (s->alive > 0 || s->closing)
        return;
    if (!s->fatal && !s->shrink_mode && s->next_start < limit(s))
        return;
    s->closing = 1;
    if (s->progress_on) {
        int rc = uv_timer_stop(&s->progress);
        (void)rc; /* uv_timer_stop cannot fail */
        progress_draw(s, 1);
        uv_close((uv_handle_t *)&s->progress, NULL);
        s->progress_on = 0;
    }
}

/* Run the loop until every handle is closed, then close the loop. */
static int loop_finish(sup_t *s) {
    int rc;
    for (int tries = 0; tries < 3; tries++) {
        rc = uv_run(&s->loop, UV_RUN_DEFAULT);
        (void)rc;
        rc = uv_loop_close(&s->loop);
        if (rc != UV_EBUSY)
            return rc;
    }
    return rc;
}

static int sup_init(sup_t *s, scn_workers_summary_t *sum) {
    int rc;
    memset(sum, 0, sizeof(*sum));
    sum->first_bad = -1;
    s->sum = sum;
    s->stop_at = LONG_MAX;
    s->end_run = LONG_MAX;
    s->t0 = uv_hrtime();
    rc = uv_loop_init(&s->loop);
    if (rc < 0)
        snprintf(sum->error, sizeof(sum->error), "uv_loop_init: %s",
                 uv_strerror(rc));
    return rc;
}

int scn_workers_run(const scn_workers_opts_t *o, scn_run_cb on_run, void *arg,
                    scn_workers_summary_t *out) {
    scn_workers_summary_t local;
    sup_t *s;
    int rc;

    if (!out)
        out = &local;
    if (!o || !o->csim || !o->scenario || o->runs < 1 || o->first < 0 ||
        o->runs > LONG_MAX - o->first || o->batch < 0 ||
        (o->argc && !o->argv)) {
        memset(out, 0, sizeof(*out));
        out->first_bad = -1;
        snprintf(out->error, sizeof(out->error), "invalid worker options");
        return SCN_WORKERS_EINVAL;
    }
    s = sim_calloc(1, sizeof(*s));
    if (!s) {
        memset(out, 0, sizeof(*out));
        snprintf(out->error, sizeof(out->error), "out of memory");
        return SCN_WORKERS_ENOMEM;
    }
    s->o = o;
    s->cb = on_run;
    s->arg = arg;
    rc = sup_init(s, out);
    if (rc < 0) {
        sim_free(s);
        return rc;
    }
    s->jobs = o->jobs ? o->jobs : 1;
    if ((long)s->jobs > o->runs)
        s->jobs = (unsigned)o->runs;
    s->bs = o->batch ? o->batch : scn_workers_batch_size(o->runs);
    s->total_end = o->first + o->runs;
    s->next_start = s->next_deliver = o->first;
    s->slots = sim_calloc(s->jobs, sizeof(*s->slots));
    if (!s->slots) {
        fail(s, SCN_WORKERS_ENOMEM, "out of memory");
    } else {
        s->pstream = o->progress_stream ? o->progress_stream : stderr;
        if (o->progress && isatty(fileno(s->pstream))) {
            rc = uv_timer_init(&s->loop, &s->progress);
            if (rc == 0) {
                s->progress.data = s;
                s->progress_on = 1;
                rc = uv_timer_start(&s->progress, on_progress, 100, 100);
            }
            if (rc < 0)
                fail(s, rc, "progress timer: %s", uv_strerror(rc));
        }
        for (unsigned i = 0; i < s->jobs && !s->fatal; i++)
            dispatch(s, i);
    }
    maybe_end(s);
    rc = loop_finish(s);
    if (rc < 0 && !s->fatal)
        fail(s, rc, "uv_loop_close: %s", uv_strerror(rc));
    while (s->head) {
        batch_t *b = s->head;
        s->head = b->next;
        batch_free(b);
    }
    out->seconds = (double)(uv_hrtime() - s->t0) / 1e9;
    rc = s->fatal;
    sim_free(s->slots);
    sim_free(s);
    return rc;
}

int scn_workers_shrink(const char *csim, const char *scenario,
                       const char *token, unsigned timeout_ms,
                       scn_shrink_report_t *out, char *err, size_t errlen) {
    scn_workers_summary_t sum;
    scn_workers_opts_t o;
    sup_t *s;
    worker_t *w;
    int rc;
    char *args[] = {(char *)csim,     (char *)"explore-worker",
                    (char *)scenario, (char *)"--shrink",
                    (char *)token,    NULL};

    if (out)
        memset(out, 0, sizeof(*out));
    if (!csim || !scenario || !token || !out) {
        if (err && errlen)
            snprintf(err, errlen, "invalid worker options");
        return SCN_WORKERS_EINVAL;
    }
    s = sim_calloc(1, sizeof(*s));
    w = sim_calloc(1, sizeof(*w));
    if (!s || !w) {
        sim_free(s);
        sim_free(w);
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return SCN_WORKERS_ENOMEM;
    }
    memset(&o, 0, sizeof(o));
    s->o = &o;
    rc = sup_init(s, &sum);
    if (rc < 0) {
        sim_free(s);
        sim_free(w);
        if (err && errlen)
            snprintf(err, errlen, "%s", sum.error);
        return rc;
    }
    s->shrink_mode = 1;
    s->shrink_timeout = timeout_ms;
    s->shrunk = out;
    w->s = s;
    w->cur_run = -1;
    rc = spawn_process(s, w, args);
    if (!w->spawned) {
        fail(s, SCN_WORKERS_EWORKER, "cannot start worker '%s': %s", csim,
             uv_strerror(rc));
        abandon(w);
        s->closing = 1;
    } else {
        s->alive = 1;
        if (rc < 0) {
            fail(s, rc, "worker pipes: %s", uv_strerror(rc));
            worker_kill(w, KILL_STOP);
        }
    }
    rc = loop_finish(s);
    if (rc < 0 && !s->fatal)
        fail(s, rc, "uv_loop_close: %s", uv_strerror(rc));
    rc = s->fatal;
    if (rc < 0)
        scn_shrink_report_free(out);
    if (err && errlen)
        snprintf(err, errlen, "%s", rc < 0 ? sum.error : "");
    sim_free(s);
    return rc;
}

void scn_shrink_report_free(scn_shrink_report_t *r) {
    if (!r)
        return;
    sim_free(r->token);
    sim_free(r->critical);
    sim_free(r->verdict);
    sim_free(r->expectation);
    memset(r, 0, sizeof(*r));
}
