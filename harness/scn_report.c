/*
 * scn_report.c - the one place that prints: verdict lines, traces, JSON
 * Lines, diagnostics and the closing count.  Output depends only on the
 * model and the result, so equal runs print equal bytes.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"
#include "sim_alloc.h"

void scn_format_time(sim_time_t t, char *buf, size_t n)
{
    static const struct {
        sim_time_t div;
        const char *unit;
    } units[] = {{1000000000, "s"}, {1000000, "ms"}, {1000, "us"}};
    if (t == 0) {
        snprintf(buf, n, "0");
        return;
    }
    const char *sign = t < 0 ? "-" : "";
    uint64_t u = t < 0 ? (uint64_t)(-(t + 1)) + 1 : (uint64_t)t;
    for (size_t i = 0; i < 3; i++) {
        uint64_t d = (uint64_t)units[i].div;
        if (u % d == 0) {
            snprintf(buf, n, "%s%" PRIu64 "%s", sign, u / d, units[i].unit);
            return;
        }
    }
    if (u >= 1000000) {
        /* Sub-millisecond precision: milliseconds with a fraction. */
        char frac[16];
        snprintf(frac, sizeof(frac), "%06" PRIu64, u % 1000000);
        size_t k = strlen(frac);
        while (k > 0 && frac[k - 1] == '0')
            frac[--k] = '\0';
        snprintf(buf, n, "%s%" PRIu64 ".%sms", sign, u / 1000000, frac);
        return;
    }
    snprintf(buf, n, "%s%" PRIu64 "ns", sign, u);
}

uint64_t scn_fnv1a(const char *s, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* ---------------------------------------------------------------- text */

typedef struct obuf {
    char *s;
    size_t n, cap;
    int oom;
} obuf_t;

/* Grows b for more bytes plus the terminating NUL; 0, or -1 once out of
 * memory (the buffer then stays as it was and every later write is a
 * no-op, so callers check b->oom once at the end). */
static int ob_reserve(obuf_t *b, size_t more)
{
    if (b->oom)
        return -1;
    if (more < b->cap && b->n < b->cap - more)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - 1 < b->n + more) {
        if (cap > SIZE_MAX / 2 || b->n + more < b->n) {
            b->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    char *ns = sim_realloc(b->s, cap);
    if (!ns) {
        b->oom = 1;
        return -1;
    }
    b->s = ns;
    b->cap = cap;
    return 0;
}

static void ob_write(obuf_t *b, const char *s, size_t n)
{
    if (ob_reserve(b, n) < 0)
        return;
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void ob_putc(obuf_t *b, char c)
{
    ob_write(b, &c, 1);
}

static void ob_puts(obuf_t *b, const char *s)
{
    ob_write(b, s, strlen(s));
}

static void ob_printf(obuf_t *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void ob_printf(obuf_t *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    ob_puts(b, tmp);
}

/* Text fields stay on one line: control characters are escaped.  Runs of
 * plain bytes are copied in one write: a --trace of a long run is mostly
 * this loop. */
static void ob_field(obuf_t *b, const char *s)
{
    while (*s) {
        size_t k = 0;
        while (s[k] && (unsigned char)s[k] >= 0x20 && s[k] != 0x7f)
            k++;
        ob_write(b, s, k);
        s += k;
        if (!*s)
            break;
        unsigned char c = (unsigned char)*s++;
        if (c == '\n')
            ob_write(b, "\\n", 2);
        else if (c == '\t')
            ob_write(b, "\\t", 2);
        else
            ob_printf(b, "\\x%02x", c);
    }
}

static void ob_pad_field(obuf_t *b, const char *s, size_t width)
{
    size_t start = b->n;
    ob_field(b, s);
    size_t w = b->n - start;
    if (w < width && ob_reserve(b, width - w) == 0) {
        memset(b->s + b->n, ' ', width - w);
        b->n += width - w;
        b->s[b->n] = '\0';
    }
}

static const char *thread_name(const scn_result_t *r, unsigned id)
{
    if (id == 0)
        return "hub";
    if (id < r->n_thread_names && r->thread_names[id])
        return r->thread_names[id];
    return "?";
}

char *scn_trace_text(const scn_result_t *r)
{
    obuf_t b = {0};
    ob_printf(&b, "%6s %12s %7s  %-20s %-7s %-28s %s\n", "seq", "time", "step",
              "thread", "kind", "subject", "detail");
    for (size_t i = 0; i < r->n_events; i++) {
        const scn_event_t *e = &r->events[i];
        char t[32], th[128];
        scn_format_time(e->time, t, sizeof(t));
        snprintf(th, sizeof(th), "%u:%s", e->thread, thread_name(r, e->thread));
        ob_printf(&b, "%6" PRIu64 " %12s %7" PRIu64 "  ", e->seq, t, e->step);
        ob_pad_field(&b, th, 20);
        ob_putc(&b, ' ');
        ob_pad_field(&b, e->kind, 7);
        ob_putc(&b, ' ');
        ob_pad_field(&b, e->subject, 28);
        ob_putc(&b, ' ');
        ob_field(&b, e->detail);
        /* No trailing blanks when the detail is empty. */
        while (b.n > 0 && b.s[b.n - 1] == ' ')
            b.s[--b.n] = '\0';
        ob_putc(&b, '\n');
    }
    if (b.oom) {
        sim_free(b.s);
        return NULL;
    }
    if (!b.s)
        return sim_alloc_strdup("");
    return b.s;
}

/* ---------------------------------------------------------------- JSON */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u%04x", c);
            else
                fputc((int)c, f);
        }
    }
    fputc('"', f);
}

static const char *verdict_name(scn_verdict_kind_t k)
{
    switch (k) {
    case SCN_PASS: return "PASS";
    case SCN_FAIL: return "FAIL";
    case SCN_HUNG: return "HUNG";
    default: return "ERROR";
    }
}

/* ---------------------------------------------------------------- reports */

void scn_report_message(scn_reporter_t *rp, FILE *to, const char *fmt, ...)
{
    (void)rp;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(to, fmt, ap);
    va_end(ap);
}

void scn_report_diag(scn_reporter_t *rp, const scn_diag_t *d)
{
    rp->errors++;
    if (rp->json) {
        FILE *f = rp->out;
        fputs("{\"type\":\"result\",\"path\":", f);
        json_str(f, d->path);
        fprintf(f, ",\"verdict\":\"ERROR\",\"line\":%d,\"col\":%d,\"message\":",
                d->line, d->col);
        json_str(f, d->message);
        fputs("}\n", f);
    }
    FILE *f = rp->err;
    if (d->line <= 0) {
        fprintf(f, "%s: error: %s\n", d->path, d->message);
        return;
    }
    fprintf(f, "%s:%d:%d: error: %s\n", d->path, d->line, d->col, d->message);
    scn_report_source(f, d);
}

void scn_report_warnings(scn_reporter_t *rp, const scn_model_t *m)
{
    for (size_t i = 0; m && i < m->n_warnings; i++) {
        const scn_diag_t *d = &m->warnings[i];
        fprintf(rp->err, "%s:%d:%d: warning: %s\n", d->path, d->line, d->col,
                d->message);
        scn_report_source(rp->err, d);
    }
    if (m && m->n_warnings_more)
        fprintf(rp->err,
                "%s: warning: %zu more pattern%s that can never match (not "
                "shown)\n",
                m->path, m->n_warnings_more,
                m->n_warnings_more == 1 ? "" : "s");
}

void scn_report_source(FILE *f, const scn_diag_t *d)
{
    /* Nothing to point into (an empty file): no blank line and caret. */
    if (!d->line_text[0])
        return;
    /* Control bytes print as '?' so the terminal shows one column each. */
    fputs("  ", f);
    for (const char *s = d->line_text; *s; s++)
        fputc((unsigned char)*s < 0x20 && *s != '\t' ? '?'
              : *s == 0x7f                           ? '?'
                                                     : *s,
              f);
    fputs("\n  ", f);
    /* Caret under the column: tabs keep their width, and a multi-byte
     * UTF-8 character takes one column (its continuation bytes none). */
    for (int i = 0; i < d->caret && d->line_text[i]; i++) {
        unsigned char c = (unsigned char)d->line_text[i];
        if ((c & 0xc0) != 0x80)
            fputc(c == '\t' ? '\t' : ' ', f);
    }
    fputs("^\n", f);
}

static void report_json(scn_reporter_t *rp, const char *path,
                        const scn_model_t *m, const scn_result_t *r,
                        const scn_verdict_t *v, uint64_t hash)
{
    const char *variant = r->variant[0] ? r->variant : "current";
    FILE *f = rp->out;
    if (rp->trace) {
        for (size_t i = 0; i < r->n_events; i++) {
            const scn_event_t *e = &r->events[i];
            fputs("{\"type\":\"event\",\"path\":", f);
            json_str(f, path);
            fprintf(f,
                    ",\"seq\":%" PRIu64 ",\"time\":%" PRId64 ",\"step\":%" PRIu64
                    ",\"thread\":%u,\"thread_name\":",
                    e->seq, (int64_t)e->time, e->step, e->thread);
            json_str(f, thread_name(r, e->thread));
            fputs(",\"kind\":", f);
            json_str(f, e->kind);
            fputs(",\"subject\":", f);
            json_str(f, e->subject);
            fputs(",\"detail\":", f);
            json_str(f, e->detail);
            fputs("}\n", f);
        }
    }
    fputs("{\"type\":\"result\",\"path\":", f);
    json_str(f, path);
    fputs(",\"variant\":", f);
    json_str(f, variant);
    fprintf(f, ",\"verdict\":\"%s\",\"events\":%zu,\"time\":%" PRId64
               ",\"steps\":%" PRIu64,
            verdict_name(v->kind), r->n_events, (int64_t)r->end_time,
            r->end_steps);
    if (rp->hash)
        fprintf(f, ",\"hash\":\"%016" PRIx64 "\"", hash);
    if (v->kind == SCN_FAIL) {
        fprintf(f, ",\"failed\":%zu,\"line\":%d,\"expectation\":", v->n_failed,
                v->failed ? v->failed->pos.line : 0);
        json_str(f, v->failed ? v->failed->text : "run");
    }
    fputs(",\"failures\":[", f);
    for (size_t i = 0; i < v->n_failures; i++) {
        if (i)
            fputc(',', f);
        fprintf(f, "{\"line\":%d,\"expectation\":", v->failures[i].x->pos.line);
        json_str(f, v->failures[i].x->text);
        fputs(",\"why\":", f);
        json_str(f, v->failures[i].why);
        fputc('}', f);
    }
    fputc(']', f);
    if (v->kind != SCN_PASS) {
        fputs(",\"why\":", f);
        json_str(f, v->why);
        fputs(",\"details\":[", f);
        for (size_t i = 0; i < v->n_details; i++) {
            if (i)
                fputc(',', f);
            json_str(f, v->details[i]);
        }
        fputc(']', f);
    }
    fputs(",\"blocked\":[", f);
    /* The same threads as the text's capped list; the count of the rest
     * keeps the total known without a 30000-entry array. */
    for (size_t i = 0; i < r->n_blocked && i < SCN_BLOCKED_SHOWN; i++) {
        if (i)
            fputc(',', f);
        fprintf(f, "{\"thread\":%u,\"name\":", r->blocked[i].id);
        json_str(f, r->blocked[i].name);
        fputs(",\"waiting_on\":", f);
        json_str(f, r->blocked[i].waiting_on);
        fputc('}', f);
    }
    fputc(']', f);
    if (r->n_blocked > SCN_BLOCKED_SHOWN)
        fprintf(f, ",\"blocked_more\":%zu", r->n_blocked - SCN_BLOCKED_SHOWN);
    scn_report_sometimes_json(f, m, v);
    fputs("}\n", f);
}

void scn_report_result(scn_reporter_t *rp, const char *path,
                       const scn_model_t *m, const scn_result_t *r,
                       const scn_verdict_t *v)
{
    if (v->kind == SCN_PASS)
        rp->passed++;
    else
        rp->failed++;
    uint64_t hash = 0;
    char *text = NULL;
    if (rp->trace || rp->hash) {
        text = scn_trace_text(r);
        if (text)
            hash = scn_fnv1a(text, strlen(text));
    }
    if (rp->json) {
        report_json(rp, path, m, r, v, hash);
        sim_free(text);
        return;
    }
    FILE *f = rp->out;
    /* A variant other than plain current is named after the path (and
     * after `path:LINE` of a FAIL): " [v1.5.0]". */
    char label[1024], tag[1040];
    tag[0] = '\0';
    if (m) {
        scn_variant_label(m, r->variant[0] ? r->variant : NULL, label,
                          sizeof(label));
        if (label[0])
            snprintf(tag, sizeof(tag), " [%s]", label);
    }
    if (rp->trace && text) {
        fprintf(f, "== %s%s\n", path, tag);
        fputs(text, f);
    }
    sim_free(text);
    switch (v->kind) {
    case SCN_PASS:
        fprintf(f, "PASS  %s%s  (%zu events)\n", path, tag, r->n_events);
        break;
    case SCN_FAIL:
        if (v->failed)
            fprintf(f, "FAIL  %s:%d%s: %s \xe2\x80\x94 %s\n", path,
                    v->failed->pos.line, tag, v->failed->text, v->why);
        else
            fprintf(f, "FAIL  %s%s: run \xe2\x80\x94 %s\n", path, tag, v->why);
        break;
    case SCN_HUNG:
        fprintf(f, "HUNG  %s%s: %s\n", path, tag, v->why);
        break;
    default:
        fprintf(f, "ERROR %s%s: %s\n", path, tag, v->why ? v->why : "");
        break;
    }
    for (size_t i = 0; i < v->n_details; i++)
        fprintf(f, "      %s\n", v->details[i]);
    /* The other failed expectations, one line each: after a FAIL the ones
     * below the first, after a HUNG all of them. */
    for (size_t i = 0; i < v->n_failures; i++) {
        const scn_failure_t *fl = &v->failures[i];
        if (v->kind == SCN_FAIL && fl->x == v->failed)
            continue;
        fprintf(f, "      %s: %s:%d: %s \xe2\x80\x94 %s\n",
                v->kind == SCN_FAIL ? "also failed" : "failed", path,
                fl->x->pos.line, fl->x->text, fl->why);
    }
    scn_report_sometimes(rp, path, m, v);
    if (rp->hash)
        fprintf(f, "HASH  %s%s  %016" PRIx64 "\n", path, tag, hash);
}

void scn_report_json_str(FILE *f, const char *s)
{
    json_str(f, s);
}

void scn_report_summary(scn_reporter_t *rp)
{
    if (rp->json) {
        fprintf(rp->out, "{\"type\":\"summary\",\"passed\":%zu,\"failed\":%zu}\n",
                rp->passed, rp->failed);
        return;
    }
    fprintf(rp->out, "%zu passed, %zu failed\n", rp->passed, rp->failed);
}
