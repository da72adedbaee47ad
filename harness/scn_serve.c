/*
 * scn_serve.c - `csim serve FILE`: the services of a scenario file hosted
 * in a ServiceRunner on a libuv world (sim_uv.h), in real time.
 *
 * One green thread, `serve`, plays nameko run's main (spec/container.md
 * 3.3): it starts the host (ctr_runner_host: start the runner, wait; the
 * first interrupt stops it, a second one during that stop kills it), waits
 * for it, lets the requests in flight answer, and ends the run.  Around the
 * world, on the same loop:
 *  - SIGINT and SIGTERM (sim_uv_on_signal) deliver those interrupts; a
 *    third one ends the process at once;
 *  - one TCP listener serves every tcp entrypoint: each request line
 *    starts a green thread that runs scn__request (one worker through
 *    spawn_worker) and writes its reply line back; a connection's replies
 *    go out in the order of its requests;
 *  - an unref'd prepare handle prints the trace's lifecycle events (log
 *    lines, state changes, host interrupts, marks; at debug also workers,
 *    managed threads, hook calls and replies) to stderr once per loop
 *    iteration, before the loop may block, stamped with the wall clock.
 * Nothing here is a callback of the world that mutates it except through
 * sim_uv's rules: the signal handler (guarded, by sim_uv), and the read
 * callback, which spawns request threads after sim_uv_update_time.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scn_rt.h"
#include "scn_serve.h"
#include "sim_uv.h"
#include "sim_alloc.h"

#define LINE_MAX_BYTES 65536  /* longer request lines end the connection */
#define DRAIN_GRACE SIM_S(2)  /* requests still answering after the stop */
#define CLOSE_GRACE_MS 1000   /* replies still being written at exit */

enum { L_DEBUG = 0, L_INFO, L_WARNING, L_ERROR, L_CRITICAL, L_COUNT };
static const char *const level_names[L_COUNT] = {"debug", "info", "warning",
                                                 "error", "critical"};

static const char usage_serve[] =
    "usage: csim serve FILE [options]\n"
    "\n"
    "Host the services of a scenario file (its `runner` line's, or all of\n"
    "them) in real time: `timer=D` entrypoints tick on the wall clock, `tcp`\n"
    "entrypoints take request lines on one TCP listener (a line starts one\n"
    "worker and gets one reply line).  Actors and expectations are not run.\n"
    "Log lines and state changes go to standard error.\n"
    "\n"
    "options:\n"
    "  --port N         TCP port (default 0: a free port, printed)\n"
    "  --host ADDR      address to listen on (default 127.0.0.1)\n"
    "  --log-level L    debug, info, warning, error or critical\n"
    "                   (default info)\n"
    "  --variant NAME   host the services as container preset NAME (the\n"
    "                   file's switch overrides still apply), e.g. hardened\n"
    "  --duration D     stop by itself after D (e.g. 2s, 500ms); a stop still\n"
    "                   running 10s later is killed, a kill 10s later exits\n"
    "  -h, --help       this help\n"
    "\n"
    "Request lines: `ARGS` when the host has one tcp entrypoint, else\n"
    "`ENTRYPOINT ARGS` (ENTRYPOINT: its name, or SERVICE.NAME).  The first\n"
    "SIGINT or SIGTERM stops the services, a second one while they stop kills\n"
    "them, a third exits at once.\n"
    "\n"
    "exit status: 0 stopped cleanly, 1 killed or a container died, 2 usage,\n"
    "scenario file or listen error\n";

typedef struct serve serve_t;
typedef struct conn conn_t;

/* A tcp entrypoint of a hosted service. */
typedef struct tcp_ep {
    scn_svcrt_t *sr;
    const scn_ext_t *ext;
    char qname[256]; /* SERVICE.ENTRYPOINT */
} tcp_ep_t;

/* One request line, queued on its connection until its reply is out. */
typedef struct req {
    conn_t *conn;
    const tcp_ep_t *ep;
    char *args;
    char *reply; /* NULL only after a failed allocation */
    int done;
    struct req *next;
} req_t;

struct conn {
    uv_tcp_t h;
    serve_t *sv;
    char *buf; /* the unfinished line */
    size_t len, cap;
    req_t *head, *tail;
    int eof;       /* no more lines: shut down once the replies are out */
    int shutting;  /* uv_shutdown requested */
    int closing;   /* uv_close called */
    int refs;      /* the handle, and each queued request */
    conn_t *next;  /* serve_t.conns */
};

struct serve {
    uv_loop_t loop;
    const scn_model_t *m;
    scn_rt_t rt;
    int level;
    const char *host;
    unsigned port;
    sim_time_t duration;
    /* the listener */
    tcp_ep_t *eps;
    size_t n_eps;
    uv_tcp_t listener;
    int listener_init, listening, listener_ref;
    char addr[300]; /* as printed: 127.0.0.1:PORT */
    conn_t *conns;
    char rbuf[65536];
    /* the log */
    uv_prepare_t printer;
    int printer_init, loop_init;
    size_t printed;
    int64_t wall0; /* CLOCK_REALTIME ns at the world's time 0 */
    /* the run */
    sim_thread_t *host_thread;
    sim_thread_t *duration_thread;
    sim_event_t *drained;
    size_t inflight;
    int draining;
    int host_done, world_done;
    int pending_interrupts;
    int interrupts; /* signals and --duration so far */
    const char *variant; /* --variant: the preset instead of the file's */
    char last_interrupt[64];
    int ready;
    int host_failed;
    char host_err[600];
    char killed_by[200];
    char died_svc[200], died_err[600];
};

/* ---------------------------------------------------------------- log */

static int64_t wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void note(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* A line of csim serve's own, for people: `csim serve: ...`. */
static void note(const char *fmt, ...)
{
    va_list ap;
    fputs("csim serve: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

static void emit(const serve_t *sv, int64_t at, int level, const char *fmt,
                 ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* `2026-12-03T23:59:59.123Z info    line`, when level passes the filter. */
static void emit(const serve_t *sv, int64_t at, int level, const char *fmt,
                 ...)
{
    if (level < sv->level)
        return;
    time_t s = (time_t)(at / 1000000000);
    struct tm tm;
    char line[2048];
    gmtime_r(&s, &tm);
    size_t k = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    k += (size_t)snprintf(line + k, sizeof(line) - k, ".%03dZ %-7s ",
                          (int)(at % 1000000000 / 1000000), level_names[level]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + k, sizeof(line) - k - 1, fmt, ap);
    va_end(ap);
    k = strlen(line);
    line[k] = '\n';
    fwrite(line, 1, k + 1, stderr); /* one write per line */
}

static int level_of(const char *name)
{
    for (int i = 0; i < L_COUNT; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

static int is(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* What the outcome depends on: when the runner has started (the
 * "services started" line of ctr_runner_start), the first container to be
 * killed and the first to die with an error, and a kill by interrupt. */
static void watch(serve_t *sv, const sim_trace_event_t *e)
{
    if (is(e->kind, "log") && is(e->subject, "debug") &&
        strncmp(e->detail, "services started: ", 18) == 0 && !sv->ready) {
        sv->ready = 1;
        if (sv->n_eps)
            note("listening on %s", sv->addr);
        else
            note("running %s (no tcp entrypoint)", e->detail + 18);
    } else if (is(e->kind, "state")) {
        if (!sv->killed_by[0] && strncmp(e->detail, "being_killed", 12) == 0)
            snprintf(sv->killed_by, sizeof(sv->killed_by),
                     "container %s was killed%s%s%s", e->subject,
                     e->detail[12] ? " (" : "",
                     e->detail[12] ? e->detail + 13 : "",
                     e->detail[12] ? ")" : "");
        if (!sv->died_svc[0] && strncmp(e->detail, "dead:", 5) == 0) {
            snprintf(sv->died_svc, sizeof(sv->died_svc), "%s", e->subject);
            snprintf(sv->died_err, sizeof(sv->died_err), "%s", e->detail + 5);
        }
    } else if (is(e->kind, "host") && is(e->detail, "interrupted: kill")) {
        snprintf(sv->killed_by, sizeof(sv->killed_by), "%s during the stop",
                 sv->last_interrupt);
    }
}

static void print_event(const serve_t *sv, const sim_trace_event_t *e)
{
    int64_t at = sv->wall0 + e->time;
    const char *k = e->kind;
    int level = -1;
    if (is(k, "log")) {
        level = level_of(e->subject);
        emit(sv, at, level < 0 ? L_INFO : level, "%s", e->detail);
        return;
    }
    if (is(k, "state"))
        level = strncmp(e->detail, "dead:", 5) == 0 ? L_ERROR : L_INFO;
    else if (is(k, "host") || is(k, "mark"))
        level = L_INFO;
    else if (is(k, "crash"))
        level = L_CRITICAL;
    else if (is(k, "worker") || is(k, "managed") || is(k, "reply") ||
             is(k, "call") || is(k, "ret") || is(k, "hung"))
        level = L_DEBUG;
    if (level >= 0)
        emit(sv, at, level, "%s %s%s%s", k, e->subject, e->detail[0] ? " " : "",
             e->detail);
}

/* Everything traced since the last call. */
static void print_events(serve_t *sv)
{
    sim_world_t *w = sv->rt.w;
    if (!w)
        return;
    size_t n = sim_trace_count(w);
    while (sv->printed < n) {
        const sim_trace_event_t *e = sim_trace_get(w, sv->printed++);
        print_event(sv, e);
        watch(sv, e);
    }
    fflush(stderr);
}

static void on_print(uv_prepare_t *h) { print_events(h->data); }

/* ---------------------------------------------------------- interrupts */

/* One interrupt (a signal, or --duration): the host's KeyboardInterrupt.
 * The first stops the runner, a second during that stop kills it, a third
 * ends the process.  From the hub or a green thread (which yields). */
static int interrupt(serve_t *sv, const char *what)
{
    print_events(sv);
    sv->interrupts++;
    if (sv->interrupts >= 3) {
        note("%s a third time: exiting now", what);
        exit(1);
    }
    if (sv->host_done) {
        note("%s: already stopped, finishing", what);
        return 0;
    }
    snprintf(sv->last_interrupt, sizeof(sv->last_interrupt), "%s", what);
    if (sv->interrupts == 1)
        note("%s: stopping the services (a second interrupt kills them)", what);
    else
        note("%s while stopping: killing the services", what);
    int rc = 0;
    if (!sv->host_thread)
        sv->pending_interrupts++;
    else
        rc = ctr_runner_interrupt(sv->rt.runner);
    print_events(sv);
    return rc;
}

static void on_signal(sim_world_t *w, int signum, void *arg)
{
    (void)w;
    (void)interrupt(arg, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* --duration must end the process even when the stop it starts cannot
 * finish (a service that kills itself from a worker hangs its stop, spec
 * 1.4's self-kill hazard): a stop still running DURATION_GRACE later is
 * escalated like a second Ctrl-C, a kill still running after another
 * grace like a third.  The host kills this thread once it is done. */
#define DURATION_GRACE SIM_MS(10000)

static int duration_main(sim_world_t *w, void *arg)
{
    serve_t *sv = arg;
    int rc = sim_sleep(w, sv->duration);
    if (rc < 0 || sv->interrupts > 0)
        return rc; /* killed, or a signal came first */
    char d[32], what[96];
    sim_time_format(sv->duration, d, sizeof(d));
    snprintf(what, sizeof(what), "--duration %s elapsed", d);
    rc = interrupt(sv, what);
    while (rc == 0 && !sv->host_done) {
        int seen = sv->interrupts;
        rc = sim_sleep(w, DURATION_GRACE);
        if (rc < 0 || sv->host_done)
            break;
        if (sv->interrupts != seen)
            continue; /* a signal escalated meanwhile: a fresh grace */
        snprintf(what, sizeof(what), "--duration %s + %ds, not done,", d,
                 sv->interrupts == 1 ? 10 : 20);
        rc = interrupt(sv, what);
    }
    return rc;
}

/* ---------------------------------------------------------- connections */

static void conn_free(conn_t *c)
{
    serve_t *sv = c->sv;
    for (conn_t **p = &sv->conns; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    sim_free(c->buf);
    sim_free(c);
}

static void on_conn_closed(uv_handle_t *h)
{
    conn_t *c = h->data;
    if (--c->refs == 0)
        conn_free(c);
}

static void conn_close(conn_t *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    uv_close((uv_handle_t *)&c->h, on_conn_closed);
}

static void on_shutdown(uv_shutdown_t *r, int status)
{
    conn_t *c = r->data;
    (void)status;
    sim_free(r);
    conn_close(c);
}

/* After the last reply: the replies queued in the kernel go out first. */
static void conn_shutdown(conn_t *c)
{
    uv_shutdown_t *r = sim_malloc(sizeof(*r));
    c->shutting = 1;
    if (r) {
        r->data = c;
        if (uv_shutdown(r, (uv_stream_t *)&c->h, on_shutdown) == 0)
            return;
        sim_free(r);
    }
    conn_close(c);
}

typedef struct wreq {
    uv_write_t w;
    char data[];
} wreq_t;

static void on_written(uv_write_t *w, int status)
{
    (void)status;
    sim_free(w->data);
}

static void conn_write(conn_t *c, const char *line)
{
    size_t n = strlen(line);
    wreq_t *r = sim_malloc(sizeof(*r) + n + 1);
    if (!r) {
        conn_close(c);
        return;
    }
    memcpy(r->data, line, n);
    r->data[n] = '\n';
    r->w.data = r;
    uv_buf_t b = uv_buf_init(r->data, (unsigned)(n + 1));
    if (uv_write(&r->w, (uv_stream_t *)&c->h, &b, 1, on_written) != 0) {
        sim_free(r);
        conn_close(c);
    }
}

/* Write the replies that are ready, in request order; free c when nothing
 * refers to it any more; shut it down after its last reply. */
static void conn_flush(conn_t *c)
{
    while (c->head && c->head->done) {
        req_t *q = c->head;
        c->head = q->next;
        if (!c->head)
            c->tail = NULL;
        if (!c->closing && !c->shutting)
            conn_write(c, q->reply ? q->reply : "error: MemoryError");
        sim_free(q->args);
        sim_free(q->reply);
        sim_free(q);
        c->refs--;
    }
    if (c->refs == 0)
        conn_free(c);
    else if (c->eof && !c->head && !c->closing && !c->shutting)
        conn_shutdown(c);
}

static void req_done(req_t *q, const char *reply)
{
    q->reply = sim_alloc_strdup(reply);
    q->done = 1;
}

/* A request thread: one worker, one reply. */
static int req_main(sim_world_t *w, void *arg)
{
    req_t *q = arg;
    conn_t *c = q->conn;
    serve_t *sv = c->sv;
    const char *reply = NULL;
    ctr_extension_t *ep = ctr_container_find(q->ep->sr->c, q->ep->ext->name);
    int rc = scn__request(&sv->rt, ep, q->args, &reply);
    if (rc < 0) {
        const sim_error_t *e = sim_error_take(w);
        char msg[700];
        snprintf(msg, sizeof(msg), "error: %s: %s", e ? e->type : "MemoryError",
                 e ? e->message : "");
        req_done(q, msg);
    } else {
        req_done(q, reply);
    }
    conn_flush(c);
    if (--sv->inflight == 0 && sv->draining)
        (void)sim_event_send(w, sv->drained, NULL, NULL);
    return 0;
}

/* The entrypoint a line is for: the only one, or the line's first word
 * (NAME when unique among the hosted tcp entrypoints, else SERVICE.NAME). */
static const tcp_ep_t *route(const serve_t *sv, const char *line,
                             const char **args, char *err, size_t n)
{
    *args = line;
    if (sv->n_eps == 1)
        return &sv->eps[0];
    size_t wl = strcspn(line, " \t");
    const tcp_ep_t *found = NULL;
    size_t by_name = 0;
    for (size_t i = 0; i < sv->n_eps; i++) {
        const tcp_ep_t *ep = &sv->eps[i];
        if (strlen(ep->qname) == wl && strncmp(ep->qname, line, wl) == 0)
            found = ep;
    }
    for (size_t i = 0; !found && i < sv->n_eps; i++) {
        const char *name = sv->eps[i].ext->name;
        if (strlen(name) == wl && strncmp(name, line, wl) == 0 &&
            by_name++ == 0)
            found = &sv->eps[i];
    }
    if (found && by_name <= 1) {
        *args = line + wl + strspn(line + wl, " \t");
        return found;
    }
    size_t k = (size_t)snprintf(err, n, "error: UnknownEntrypoint: '%.*s' "
                                        "(a line starts with one of:",
                                (int)(wl > 100 ? 100 : wl), line);
    for (size_t i = 0; i < sv->n_eps && k < n; i++)
        k += (size_t)snprintf(err + k, n - k, " %s", sv->eps[i].qname);
    if (k < n)
        snprintf(err + k, n - k, ")");
    return NULL;
}

/* A new request at the end of c's queue (NULL: out of memory, c closed). */
static req_t *enqueue(conn_t *c)
{
    req_t *q = sim_calloc(1, sizeof(*q));
    if (!q) {
        conn_close(c);
        return NULL;
    }
    q->conn = c;
    if (c->tail)
        c->tail->next = q;
    else
        c->head = q;
    c->tail = q;
    c->refs++;
    return q;
}

static void take_line(conn_t *c, char *line, size_t len)
{
    serve_t *sv = c->sv;
    char err[1200];
    if (len && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
    req_t *q = enqueue(c);
    if (!q)
        return;
    const char *args;
    q->ep = route(sv, line, &args, err, sizeof(err));
    emit(sv, wall_now(), L_DEBUG, "request %s", line);
    if (!q->ep) {
        req_done(q, err);
        return;
    }
    if (sv->host_done || sv->world_done) {
        req_done(q, "error: Unavailable: the services have stopped");
        return;
    }
    char name[300];
    snprintf(name, sizeof(name), "%s.request", q->ep->ext->name);
    q->args = sim_alloc_strdup(args);
    sim_uv_update_time(sv->rt.w);
    if (!q->args || sim_spawn(sv->rt.w, name, req_main, q, NULL) < 0) {
        req_done(q, "error: MemoryError");
        return;
    }
    sv->inflight++;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    conn_t *c = h->data;
    (void)suggested;
    *buf = uv_buf_init(c->sv->rbuf, sizeof(c->sv->rbuf));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    conn_t *c = s->data;
    if (nread < 0) {
        if (nread != UV_EOF) {
            conn_close(c);
            return;
        }
        uv_read_stop(s);
        if (c->len)
            take_line(c, c->buf, c->len); /* the last line had no newline */
        c->len = 0;
        c->eof = 1;
        conn_flush(c);
        return;
    }
    size_t n = (size_t)nread;
    if (c->len + n + 1 > c->cap) {
        size_t cap = (c->len + n + 1) * 2;
        char *nb = sim_realloc(c->buf, cap);
        if (!nb) {
            conn_close(c);
            return;
        }
        c->buf = nb;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, buf->base, n);
    c->len += n;
    size_t start = 0;
    for (size_t i = 0; i < c->len && !c->closing; i++)
        if (c->buf[i] == '\n') {
            take_line(c, c->buf + start, i - start);
            start = i + 1;
        }
    memmove(c->buf, c->buf + start, c->len - start);
    c->len -= start;
    if (c->len > LINE_MAX_BYTES && !c->closing) {
        req_t *q = enqueue(c);
        if (q)
            req_done(q, "error: LineTooLong: a request line has at most "
                        "65536 bytes");
        c->len = 0;
        c->eof = 1;
        uv_read_stop(s);
    }
    conn_flush(c);
}

static void on_connection(uv_stream_t *server, int status)
{
    serve_t *sv = server->data;
    if (status < 0)
        return;
    conn_t *c = sim_calloc(1, sizeof(*c));
    if (!c || uv_tcp_init(&sv->loop, &c->h) != 0) {
        sim_free(c);
        return;
    }
    c->h.data = c;
    c->sv = sv;
    c->refs = 1;
    c->next = sv->conns;
    sv->conns = c;
    if (uv_accept(server, (uv_stream_t *)&c->h) != 0 ||
        uv_read_start((uv_stream_t *)&c->h, on_alloc, on_read) != 0)
        conn_close(c);
}

static int open_listener(serve_t *sv)
{
    struct sockaddr_storage sa;
    int v6 = 0, rc;
    memset(&sa, 0, sizeof(sa));
    if (uv_ip4_addr(sv->host, (int)sv->port, (struct sockaddr_in *)&sa) != 0) {
        v6 = 1;
        if (uv_ip6_addr(sv->host, (int)sv->port,
                        (struct sockaddr_in6 *)&sa) != 0) {
            note("bad --host '%s' (an IPv4 or IPv6 address, e.g. 127.0.0.1)",
                 sv->host);
            return -1;
        }
    }
    uv_tcp_init(&sv->loop, &sv->listener);
    sv->listener_init = sv->listening = 1;
    sv->listener.data = sv;
    rc = uv_tcp_bind(&sv->listener, (const struct sockaddr *)&sa, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&sv->listener, 128, on_connection);
    if (rc == 0) {
        int len = sizeof(sa);
        rc = uv_tcp_getsockname(&sv->listener, (struct sockaddr *)&sa, &len);
    }
    if (rc != 0) {
        note("cannot listen on %s port %u: %s", sv->host, sv->port,
             uv_strerror(rc));
        return -1;
    }
    unsigned port = ntohs(v6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                             : ((struct sockaddr_in *)&sa)->sin_port);
    snprintf(sv->addr, sizeof(sv->addr), v6 ? "[%s]:%u" : "%s:%u", sv->host,
             port);
    return 0;
}

static void close_listener(serve_t *sv)
{
    if (!sv->listening)
        return;
    sv->listening = 0;
    uv_close((uv_handle_t *)&sv->listener, NULL);
    if (sv->listener_ref) {
        sv->listener_ref = 0;
        sim_uv_unref(sv->rt.w);
    }
}

/* ---------------------------------------------------------- the host */

static int all_dead(const serve_t *sv)
{
    for (size_t i = 0; i < ctr_runner_count(sv->rt.runner); i++)
        if (!ctr_container_dead(ctr_runner_container(sv->rt.runner, i)))
            return 0;
    return 1;
}

/* nameko run's main: the host, then what it leaves behind. */
static int serve_main(sim_world_t *w, void *arg)
{
    serve_t *sv = arg;
    ctr_runner_t *r = sv->rt.runner;
    int rc = ctr_runner_host(r, &sv->host_thread);
    if (rc < 0) {
        sv->host_failed = 1;
        snprintf(sv->host_err, sizeof(sv->host_err), "cannot start: %s",
                 sim_strerror(rc));
    } else {
        if (sv->duration > 0)
            (void)sim_spawn(w, "serve.duration", duration_main, sv,
                            &sv->duration_thread);
        while (sv->pending_interrupts > 0 && rc == 0) {
            sv->pending_interrupts--;
            rc = ctr_runner_interrupt(r);
        }
        if (rc == 0)
            rc = sim_thread_wait(w, sv->host_thread, NULL);
        if (rc < 0) {
            /* runner.wait raised (a container died), or start did */
            const sim_error_t *e = sim_error_take(w);
            sv->host_failed = 1;
            if (e && e->message[0])
                snprintf(sv->host_err, sizeof(sv->host_err), "%s: %s", e->type,
                         e->message);
            else
                snprintf(sv->host_err, sizeof(sv->host_err), "%s",
                         e ? e->type : sim_strerror(rc));
            if (!all_dead(sv) && ctr_runner_kill(r) < 0)
                sim_error_take(w);
        }
    }
    sv->host_done = 1;
    if (sv->duration_thread &&
        sim_thread_kill(w, sv->duration_thread, NULL) < 0)
        sim_error_take(w);
    close_listener(sv);
    for (conn_t *c = sv->conns; c; c = c->next)
        if (!c->closing)
            uv_read_stop((uv_stream_t *)&c->h);
    if (sv->inflight > 0) {
        sv->draining = 1;
        if (sim_event_wait_timeout(w, sv->drained, DRAIN_GRACE, NULL, NULL) < 0)
            sim_error_take(w);
    }
    /* Threads an interrupted stop left behind, or requests that never got a
     * worker, must not keep the process: the run ends here. */
    uv_stop(&sv->loop);
    return 0;
}

/* ---------------------------------------------------------- the command */

static int parse_duration_arg(const char *s, sim_time_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    static const struct {
        const char *unit;
        sim_time_t ns;
    } units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
    if (end == s || *s == '-')
        return -1;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(end, units[i].unit) == 0) {
            if (v == 0 || v > (unsigned long long)(INT64_MAX / units[i].ns))
                return -1;
            *out = (sim_time_t)v * units[i].ns;
            return 0;
        }
    return -1;
}

static int usage(const char *fmt, const char *arg)
{
    fputs("csim: ", stderr);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage_serve);
    return 2;
}

/* Every hosted service's tcp entrypoints, in runner order. */
static int collect_eps(serve_t *sv)
{
    ctr_runner_t *r = sv->rt.runner;
    size_t n = 0;
    for (const scn_service_t *s = sv->m->services; s; s = s->next)
        for (const scn_ext_t *e = s->eps; e; e = e->next)
            n += e->tcp != 0;
    sv->eps = sim_calloc(n ? n : 1, sizeof(*sv->eps));
    if (!sv->eps)
        return -1;
    for (size_t i = 0; i < ctr_runner_count(r); i++) {
        ctr_container_t *c = ctr_runner_container(r, i);
        for (const scn_service_t *s = sv->m->services; s; s = s->next) {
            scn_svcrt_t *sr = &sv->rt.svcs[s->index];
            if (sr->c != c)
                continue;
            for (const scn_ext_t *e = s->eps; e; e = e->next)
                if (e->tcp) {
                    tcp_ep_t *ep = &sv->eps[sv->n_eps++];
                    ep->sr = sr;
                    ep->ext = e;
                    snprintf(ep->qname, sizeof(ep->qname), "%s.%s", s->name,
                             e->name);
                }
        }
    }
    return 0;
}

/* The world, its containers and runner, the listener, signals and printer;
 * nothing runs yet.  0, or the exit status of a failure (said already). */
static int setup(serve_t *sv)
{
    const scn_model_t *m = sv->m;
    scn_result_t *r = sim_calloc(1, sizeof(*r));
    sv->rt.m = m;
    sv->rt.res = r;
    if (!r || !(r->actors = sim_calloc(1, sizeof(*r->actors))) ||
        !(r->svcs = sim_calloc(m->n_services, sizeof(*r->svcs)))) {
        note("out of memory");
        return 2;
    }
    const char *preset = sv->variant ? sv->variant : m->variant;
    snprintf(r->variant, sizeof(r->variant), "%s", preset);
    if (scn_model_variant(m, preset, &sv->rt.variant) < 0 ||
        uv_loop_init(&sv->loop) != 0) {
        note("cannot set up the run");
        return 2;
    }
    sv->loop_init = 1;
    sim_config_t cfg = {0}; /* fifo, no step or time limit: a host runs on */
    int rc = sim_world_new_uv(&cfg, &sv->loop, &sv->rt.w);
    if (rc == 0)
        rc = scn__rt_build(&sv->rt);
    if (rc == 0 && !sv->rt.runner) {
        /* No `runner` line: every service, in file order. */
        rc = ctr_runner_new_variant(sv->rt.w, &sv->rt.variant, &sv->rt.runner);
        for (const scn_service_t *s = m->services; rc == 0 && s; s = s->next)
            rc = ctr_runner_add(sv->rt.runner, sv->rt.svcs[s->index].c);
    }
    if (rc == 0)
        rc = collect_eps(sv);
    if (rc == 0)
        rc = sim_event_new(sv->rt.w, "serve.drained", &sv->drained);
    if (rc == 0)
        rc = sim_uv_on_signal(sv->rt.w, SIGINT, on_signal, sv);
    if (rc == 0)
        rc = sim_uv_on_signal(sv->rt.w, SIGTERM, on_signal, sv);
    if (rc == 0)
        rc = sim_spawn(sv->rt.w, "serve", serve_main, sv, NULL);
    if (rc < 0) {
        note("cannot set up the run: %s", rc <= -200 ? scn_strerror(rc)
                                                     : sim_strerror(rc));
        return 2;
    }
    if (sv->n_eps) {
        if (open_listener(sv) < 0)
            return 2;
        sim_uv_ref(sv->rt.w); /* requests may come: not hung while it listens */
        sv->listener_ref = 1;
    }
    uv_prepare_init(&sv->loop, &sv->printer);
    sv->printer_init = 1;
    sv->printer.data = sv;
    uv_prepare_start(&sv->printer, on_print);
    uv_unref((uv_handle_t *)&sv->printer);
    return 0;
}

static void on_close_grace(uv_timer_t *t)
{
    serve_t *sv = t->data;
    for (conn_t *c = sv->conns; c; c = c->next)
        conn_close(c);
}

/* After the run: the replies still queued in the kernel get a moment, the
 * world and its containers go, every handle closes. */
static void teardown(serve_t *sv)
{
    uv_timer_t grace;
    sv->world_done = 1;
    if (!sv->loop_init) {
        scn__rt_free(&sv->rt);
        return;
    }
    close_listener(sv);
    for (conn_t *c = sv->conns, *next; c; c = next) {
        next = c->next;
        /* Requests whose thread never ended get no reply. */
        for (req_t *q = c->head; q; q = q->next)
            if (!q->done)
                req_done(q, "error: Unavailable: the services have stopped");
        c->eof = 1;
        if (!c->closing)
            uv_read_stop((uv_stream_t *)&c->h);
        conn_flush(c);
    }
    if (sv->printer_init)
        uv_close((uv_handle_t *)&sv->printer, NULL);
    scn__rt_free(&sv->rt);
    uv_timer_init(&sv->loop, &grace);
    grace.data = sv;
    uv_timer_start(&grace, on_close_grace, CLOSE_GRACE_MS, 0);
    uv_unref((uv_handle_t *)&grace);
    while (sv->conns)
        if (uv_run(&sv->loop, UV_RUN_ONCE) == 0 && sv->conns)
            on_close_grace(&grace);
    uv_close((uv_handle_t *)&grace, NULL);
    uv_run(&sv->loop, UV_RUN_DEFAULT);
    (void)uv_loop_close(&sv->loop);
}

int scn_cmd_serve(int argc, char **argv)
{
    serve_t *sv = sim_calloc(1, sizeof(*sv));
    const char *path = NULL;
    uint64_t port = 0;
    if (!sv) {
        note("out of memory");
        return 2;
    }
    sv->level = L_INFO;
    sv->host = "127.0.0.1";
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_serve, stdout);
            sim_free(sv);
            return 0;
        }
        int takes = strcmp(a, "--port") == 0 || strcmp(a, "--host") == 0 ||
                    strcmp(a, "--log-level") == 0 ||
                    strcmp(a, "--duration") == 0 ||
                    strcmp(a, "--variant") == 0;
        if (takes && i + 1 >= argc) {
            sim_free(sv);
            return usage("option %s needs a value", a);
        }
        const char *val = takes ? argv[++i] : NULL;
        int bad = 0;
        if (strcmp(a, "--port") == 0) {
            char *end;
            port = strtoull(val, &end, 10);
            bad = end == val || *end || *val == '-' || port > 65535;
        } else if (strcmp(a, "--host") == 0) {
            sv->host = val;
        } else if (strcmp(a, "--log-level") == 0) {
            sv->level = level_of(val);
            bad = sv->level < 0;
        } else if (strcmp(a, "--duration") == 0) {
            bad = parse_duration_arg(val, &sv->duration) < 0;
        } else if (strcmp(a, "--variant") == 0) {
            if (scn_preset_check(val, stderr) < 0) {
                sim_free(sv);
                return 2;
            }
            sv->variant = val;
        } else if (a[0] == '-' && a[1]) {
            sim_free(sv);
            return usage("unknown option '%s'", a);
        } else if (path) {
            sim_free(sv);
            return usage("one scenario FILE only ('%s' is a second)", a);
        } else {
            path = a;
        }
        if (bad) {
            static const char *const what[] = {
                "bad --port '%s' (0 to 65535)",
                "bad --log-level '%s' (debug, info, warning, error or "
                "critical)",
                "bad --duration '%s' (a positive duration with a unit: ns, us, "
                "ms or s, e.g. 2s)"};
            sim_free(sv);
            return usage(what[a[2] == 'p' ? 0 : a[2] == 'l' ? 1 : 2], val);
        }
    }
    if (!path) {
        sim_free(sv);
        return usage("%s", "no scenario FILE given");
    }
    sv->port = (unsigned)port;

    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    if (scn_parse_file_ex(path, SCN_PARSE_HOST, &m, &d) < 0) {
        scn_reporter_t rp = {.out = stdout, .err = stderr};
        scn_report_diag(&rp, &d);
        sim_free(sv);
        return 2;
    }
    sv->m = m;
    if (m->n_actors || m->expects)
        note("%s: %zu actor(s) and %zu expectation(s) are not run: serve hosts "
             "the services only",
             path, m->n_actors, m->n_expects);

    int status = setup(sv);
    if (status == 0) {
        sv->wall0 = wall_now();
        int rc = sim_run(sv->rt.w);
        print_events(sv);
        if (rc == SIM_ECRASH) {
            note("a green thread overflowed its stack");
            status = 1;
        } else if (sv->host_failed) {
            if (sv->died_svc[0])
                note("container %s died: %s", sv->died_svc, sv->died_err);
            else if (!sv->ready && sv->interrupts)
                note("killed: %s while starting (%s)", sv->last_interrupt,
                     sv->host_err);
            else
                note("the runner failed: %s", sv->host_err);
            status = 1;
        } else if (sv->killed_by[0]) {
            note("killed: %s", sv->killed_by);
            status = 1;
        } else {
            note("stopped");
        }
    }
    teardown(sv);
    scn_result_free(sv->rt.res);
    scn_model_free(m);
    sim_free(sv->eps);
    sim_free(sv);
    return status;
}
