/*
 * scn_sometimes.c - `sometimes EXPECTATION` lines: coverage of the windows
 * a scenario means to reach.  A `sometimes` line is checked like any other
 * expectation but never fails a run; scn_check records whether it held
 * (scn_verdict_t.sometimes).  One run (`csim run`, `csim replay`) reports
 * hit / not hit; an exploration counts, per line, the runs in which it held
 * and fails when a line was never hit (xp_sometimes_*), the counts travel
 * through the worker protocol and the result files, and merge sums them.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"
#include "scn_explore.h"
#include "sim_alloc.h"

const char *scn_sometimes_expr(const scn_expect_t *x)
{
    const char *s = x->text;
    if (x->sometimes && strncmp(s, "sometimes", 9) == 0) {
        s += 9;
        while (*s == ' ' || *s == '\t')
            s++;
    }
    return s;
}

/* ---------------------------------------------------------------- one run */

void scn_report_sometimes(scn_reporter_t *rp, const char *path,
                          const scn_model_t *m, const scn_verdict_t *v)
{
    if (!m || !v->sometimes)
        return;
    for (const scn_expect_t *x = m->expects; x; x = x->next)
        if (x->sometimes)
            fprintf(rp->out, "      sometimes %s:%d: %s \xe2\x80\x94 %s\n", path,
                    x->pos.line, scn_sometimes_expr(x),
                    v->sometimes[x->sometimes_index] ? "hit"
                                                     : "not hit in this run");
}

void scn_report_sometimes_json(FILE *f, const scn_model_t *m,
                               const scn_verdict_t *v)
{
    if (!m || !v->sometimes)
        return;
    fputs(",\"sometimes\":[", f);
    int first = 1;
    for (const scn_expect_t *x = m->expects; x; x = x->next) {
        if (!x->sometimes)
            continue;
        fprintf(f, "%s{\"line\":%d,\"expectation\":", first ? "" : ",",
                x->pos.line);
        scn_report_json_str(f, x->text);
        fprintf(f, ",\"hit\":%s}",
                v->sometimes[x->sometimes_index] ? "true" : "false");
        first = 0;
    }
    fputc(']', f);
}

/* ---------------------------------------------------------------- totals */

int xp_sometimes_init(xp_totals_t *t, const scn_model_t *m)
{
    sim_free(t->sometimes);
    t->sometimes = NULL;
    t->n_sometimes = 0;
    if (!m->n_sometimes)
        return 0;
    t->sometimes = sim_calloc(m->n_sometimes, sizeof(*t->sometimes));
    if (!t->sometimes)
        return SCN_ENOMEM;
    t->n_sometimes = m->n_sometimes;
    for (const scn_expect_t *x = m->expects; x; x = x->next) {
        if (!x->sometimes)
            continue;
        xp_sometimes_t *s = &t->sometimes[x->sometimes_index];
        s->line = x->pos.line;
        snprintf(s->text, sizeof(s->text), "%s:%d: %s", m->path, x->pos.line,
                 scn_sometimes_expr(x));
    }
    return 0;
}

void xp_sometimes_count(xp_totals_t *t, const char *bits)
{
    /* bits: '1' per line that held, in file order (NULL: a run with no
     * trace, a crash or a timeout, holds none) */
    for (size_t i = 0; bits && i < t->n_sometimes && bits[i]; i++)
        t->sometimes[i].hits += bits[i] == '1';
}

char *xp_sometimes_bits(const scn_verdict_t *v)
{
    if (!v->sometimes)
        return NULL;
    char *b = sim_malloc(v->n_sometimes + 1);
    if (!b)
        return NULL;
    for (size_t i = 0; i < v->n_sometimes; i++)
        b[i] = v->sometimes[i] ? '1' : '0';
    b[v->n_sometimes] = '\0';
    return b;
}

size_t xp_sometimes_never(const xp_totals_t *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_sometimes; i++)
        n += t->sometimes[i].hits == 0;
    return n;
}

void xp_sometimes_print(const xp_totals_t *t, FILE *f)
{
    for (size_t i = 0; i < t->n_sometimes; i++) {
        const xp_sometimes_t *s = &t->sometimes[i];
        fprintf(f, "%s %s \xe2\x80\x94 hit in %" PRIu64 " of %" PRIu64 " run%s\n",
                s->hits ? "sometimes" : "NEVER HIT", s->text, s->hits, t->runs,
                t->runs == 1 ? "" : "s");
    }
}

/* ---------------------------------------------------------------- files */

void xp_sometimes_write(const xp_totals_t *t, FILE *f)
{
    if (!t->n_sometimes)
        return;
    fputs(",\n\"sometimes\":[", f);
    for (size_t i = 0; i < t->n_sometimes; i++) {
        fprintf(f, "%s\n{\"line\":%d,\"text\":", i ? "," : "",
                t->sometimes[i].line);
        scn_report_json_str(f, t->sometimes[i].text);
        fprintf(f, ",\"hits\":%" PRIu64 "}", t->sometimes[i].hits);
    }
    fputc(']', f);
}

/* A JSON string at p into out (escapes as scn_report_json_str writes
 * them); the end, or NULL. */
static const char *read_text(const char *p, char *out, size_t n)
{
    size_t k = 0;
    while (*p == ' ')
        p++;
    if (*p != '"')
        return NULL;
    for (p++; *p && *p != '"'; p++) {
        unsigned c = (unsigned char)*p;
        if (c == '\\') {
            p++;
            switch (*p) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                char hex[5] = {0};
                for (int i = 0; i < 4 && p[1]; i++)
                    hex[i] = *++p;
                c = (unsigned)strtoul(hex, NULL, 16) & 0xff;
                break;
            }
            case '\0': return NULL;
            default: c = (unsigned char)*p;
            }
        }
        if (k + 1 < n)
            out[k++] = (char)c;
    }
    if (n)
        out[k] = '\0';
    return *p == '"' ? p + 1 : NULL;
}

int xp_sometimes_read(xp_totals_t *t, const char *s, const char *path,
                      char *msg, size_t n_msg)
{
    const char *p = strstr(s, "\"sometimes\":[");
    size_t n = 0;
    xp_sometimes_t *got = NULL;
    for (const char *q = p; q && (q = strstr(q, "{\"line\":"));) {
        xp_sometimes_t *ng = sim_realloc(got, (n + 1) * sizeof(*ng));
        if (!ng) {
            sim_free(got);
            return SCN_ENOMEM;
        }
        got = ng;
        xp_sometimes_t *e = &got[n++];
        memset(e, 0, sizeof(*e));
        e->line = (int)strtol(q + 8, NULL, 10);
        const char *tx = strstr(q, "\"text\":");
        const char *h = strstr(q, "\"hits\":");
        if (!tx || !h || !read_text(tx + 7, e->text, sizeof(e->text))) {
            snprintf(msg, n_msg, "%s: malformed sometimes entry", path);
            sim_free(got);
            return SCN_EIO;
        }
        e->hits = strtoull(h + 7, NULL, 10);
        q = h;
    }
    if (t->files <= 1) {
        sim_free(t->sometimes);
        t->sometimes = got;
        t->n_sometimes = n;
        return 0;
    }
    /* Files of one content hash have the same lines; others are refused by
     * merge (a different scenario) after reading, so nothing is summed. */
    if (n != t->n_sometimes)
        n = 0;
    for (size_t i = 0; i < n; i++)
        t->sometimes[i].hits += got[i].hits;
    sim_free(got);
    return 0;
}
