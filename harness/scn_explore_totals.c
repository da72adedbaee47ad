/*
 * scn_explore_totals.c - exploration totals: distinct schedules (a hash
 * set), failures, the summary line, and the JSON result file that
 * `csim merge` combines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scn_explore.h"
#include "scn_text.h"
#include "sim_alloc.h"

int xp_totals_add_schedule(xp_totals_t *t, uint64_t h)
{
    if (h == 0) {
        t->has_zero = 1;
        return 0;
    }
    if ((t->n_sched + 1) * 2 > t->cap_sched) {
        size_t cap = t->cap_sched ? t->cap_sched * 2 : 1024;
        uint64_t *ns = sim_calloc(cap, sizeof(*ns));
        if (!ns)
            return SCN_ENOMEM;
        for (size_t i = 0; i < t->cap_sched; i++) {
            uint64_t v = t->schedules[i];
            if (!v)
                continue;
            size_t j = (size_t)(v % cap);
            while (ns[j])
                j = (j + 1) % cap;
            ns[j] = v;
        }
        sim_free(t->schedules);
        t->schedules = ns;
        t->cap_sched = cap;
    }
    size_t j = (size_t)(h % t->cap_sched);
    while (t->schedules[j]) {
        if (t->schedules[j] == h)
            return 0;
        j = (j + 1) % t->cap_sched;
    }
    t->schedules[j] = h;
    t->n_sched++;
    return 0;
}

size_t xp_totals_distinct(const xp_totals_t *t)
{
    return t->n_sched + (t->has_zero ? 1 : 0);
}

int xp_totals_add_failure(xp_totals_t *t, const xp_failure_t *f)
{
    if (t->n_failures == t->cap_failures) {
        size_t cap = t->cap_failures ? t->cap_failures * 2 : 8;
        xp_failure_t *nf = sim_realloc(t->failures, cap * sizeof(*nf));
        if (!nf)
            return SCN_ENOMEM;
        t->failures = nf;
        t->cap_failures = cap;
    }
    /* keep them sorted by run index (shards arrive in any order) */
    size_t i = t->n_failures++;
    while (i > 0 && t->failures[i - 1].run > f->run) {
        t->failures[i] = t->failures[i - 1];
        i--;
    }
    t->failures[i] = *f;
    return 0;
}

long xp_totals_same_as(const xp_totals_t *t, size_t i)
{
    if (!t->failures[i].token[0])
        return -1;
    for (size_t j = 0; j < i; j++)
        if (strcmp(t->failures[j].token, t->failures[i].token) == 0)
            return (long)j;
    return -1;
}

size_t xp_totals_distinct_failures(const xp_totals_t *t)
{
    size_t d = 0;
    for (size_t i = 0; i < t->n_failures; i++)
        d += xp_totals_same_as(t, i) < 0;
    return d;
}

void xp_totals_free(xp_totals_t *t)
{
    sim_free(t->schedules);
    sim_free(t->failures);
    sim_free(t->sometimes);
    memset(t, 0, sizeof(*t));
}

void xp_totals_print(const xp_totals_t *t, FILE *f)
{
    size_t d = xp_totals_distinct(t);
    fprintf(f, "%" PRIu64 " run%s: %zu distinct schedule%s, %zu failure%s",
            t->runs, t->runs == 1 ? "" : "s", d, d == 1 ? "" : "s",
            t->n_failures, t->n_failures == 1 ? "" : "s");
    if (t->n_failures)
        fprintf(f, ", %zu distinct (by shrunk token)", xp_totals_distinct_failures(t));
    if (t->seconds > 0)
        fprintf(f, ", %.0f runs/s, %.0f decisions/s", (double)t->runs / t->seconds,
                (double)t->decisions / t->seconds);
    fputc('\n', f);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

typedef struct totals_out {
    const xp_totals_t *t;
    const char *scenario;
    const xp_opts_t *o;
} totals_out_t;

static int write_totals(FILE *f, void *arg)
{
    const totals_out_t *w = arg;
    const xp_totals_t *t = w->t;
    const char *scenario = w->scenario;
    const xp_opts_t *o = w->o;

    fprintf(f, "{\"csim_explore\":1,\"scenario\":");
    json_str(f, scenario);
    fprintf(f, ",\"hash\":\"%012" PRIx64 "\",\"variant\":", t->hash);
    json_str(f, t->variant ? t->variant : "current");
    fprintf(f, ",\"strategy\":\"%s\",\"seed\":%" PRIu64 ",\"shard\":\"%u/%u\"",
            xp_strategy_name(o->strategy), o->seed, o->shard_k, o->shard_n);
    fprintf(f, ",\"depth\":%u,\"preemptions\":%ld,\"choices\":%u,"
               "\"budget\":%" PRIu64 ",\"until\":\"%s\"",
            o->depth, o->preemptions < 0 ? -1L : o->preemptions, t->mask, o->runs,
            o->until_all ? "all" : "first");
    fprintf(f, ",\"runs\":%" PRIu64 ",\"decisions\":%" PRIu64
               ",\"seconds\":%.6f,\"exhausted\":%s,\"distinct\":%zu",
            t->runs, t->decisions, t->seconds, t->exhausted ? "true" : "false",
            xp_totals_distinct(t));
    fprintf(f, ",\n\"schedules\":[");
    int first = 1;
    if (t->has_zero) {
        fprintf(f, "\"0000000000000000\"");
        first = 0;
    }
    for (size_t i = 0; i < t->cap_sched; i++)
        if (t->schedules[i]) {
            fprintf(f, "%s\"%016" PRIx64 "\"", first ? "" : ",", t->schedules[i]);
            first = 0;
        }
    fprintf(f, "],\n\"failures\":[");
    for (size_t i = 0; i < t->n_failures; i++) {
        const xp_failure_t *x = &t->failures[i];
        fprintf(f, "%s\n{\"run\":%" PRIu64 ",\"verdict\":\"%s\",\"token\":\"%s\","
                   "\"expectation\":",
                i ? "," : "", x->run, x->verdict, x->token);
        json_str(f, x->expectation);
        fprintf(f, ",\"text\":");
        json_str(f, x->text);
        fputc('}', f);
    }
    fputc(']', f);
    xp_sometimes_write(t, f);
    fprintf(f, "}\n");
    return 0;
}

int xp_totals_write(const xp_totals_t *t, const char *path,
                    const char *scenario, const xp_opts_t *o)
{
    totals_out_t w = {t, scenario, o};
    return scn_write_file_atomic(path, write_totals, &w);
}

/* ------------------------------------------------------------ reading */

static const char *key(const char *s, const char *k)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":", k);
    const char *p = strstr(s, pat);
    return p ? p + strlen(pat) : NULL;
}

/* A JSON string at p (after optional blanks) into out; returns the end. */
static const char *read_str(const char *p, char *out, size_t n)
{
    size_t k = 0;
    while (*p == ' ')
        p++;
    if (*p != '"')
        return NULL;
    for (p++; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\') {
            p++;
            if (*p == 'u') {
                c = (char)strtol((char[5]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
                p += 4;
            } else {
                c = *p;
            }
        }
        if (k + 1 < n)
            out[k++] = c;
    }
    if (n)
        out[k] = '\0';
    return *p == '"' ? p + 1 : NULL;
}

int xp_totals_read(xp_totals_t *t, const char *path, char *msg, size_t n_msg)
{
    size_t n = 0;
    char *s = NULL;
    if (scn_read_file(path, &s, &n) < 0) {
        snprintf(msg, n_msg, "cannot read %s: %s", path, strerror(errno));
        return SCN_EIO;
    }
    int rc = 0;
    const char *p;
    if (!strstr(s, "\"csim_explore\":1") || !(p = key(s, "runs"))) {
        snprintf(msg, n_msg, "%s is not a csim explore result file", path);
        sim_free(s);
        return SCN_EIO;
    }
    t->runs += strtoull(p, NULL, 10);
    xp_meta_t *mt = &t->last;
    memset(mt, 0, sizeof(*mt));
    if ((p = key(s, "scenario")))
        read_str(p, mt->scenario, sizeof(mt->scenario));
    if ((p = key(s, "hash")))
        mt->hash = strtoull(p + (*p == '"'), NULL, 16);
    if ((p = key(s, "variant")))
        read_str(p, mt->variant, sizeof(mt->variant));
    if ((p = key(s, "strategy")))
        read_str(p, mt->strategy, sizeof(mt->strategy));
    if ((p = key(s, "seed")))
        mt->seed = strtoull(p, NULL, 10);
    if ((p = key(s, "budget")))
        mt->budget = strtoull(p, NULL, 10);
    if ((p = key(s, "depth")))
        mt->depth = (unsigned)strtoul(p, NULL, 10);
    if ((p = key(s, "choices")))
        mt->mask = (unsigned)strtoul(p, NULL, 10);
    if ((p = key(s, "preemptions")))
        mt->preemptions = strtol(p, NULL, 10);
    if ((p = key(s, "until")))
        mt->until_all = strncmp(p, "\"all\"", 5) == 0;
    if ((p = key(s, "shard")) &&
        sscanf(p, "\"%u/%u\"", &mt->shard_k, &mt->shard_n) != 2)
        mt->shard_k = mt->shard_n = 0;
    if ((p = key(s, "decisions")))
        t->decisions += strtoull(p, NULL, 10);
    if ((p = key(s, "seconds")))
        t->seconds += strtod(p, NULL);
    p = key(s, "exhausted");
    int ex = p && strncmp(p, "true", 4) == 0;
    mt->exhausted = ex;
    t->exhausted = t->files ? t->exhausted && ex : ex;
    t->files++;
    if ((p = key(s, "schedules"))) {
        p = strchr(p, '[');
        const char *end = p ? strchr(p, ']') : NULL;
        while (p && end && rc == 0) {
            const char *q = strchr(p, '"');
            if (!q || q > end)
                break;
            uint64_t h = strtoull(q + 1, NULL, 16);
            rc = xp_totals_add_schedule(t, h);
            p = strchr(q + 1, '"');
            if (p)
                p++;
        }
    }
    if (rc == 0 && (p = key(s, "failures"))) {
        const char *q = p;
        while (rc == 0 && (q = strstr(q, "{\"run\":"))) {
            xp_failure_t f;
            memset(&f, 0, sizeof(f));
            f.run = strtoull(q + 7, NULL, 10);
            const char *v = key(q, "verdict");
            const char *tk = key(q, "token");
            const char *ex2 = key(q, "expectation");
            const char *txt;
            if (!v || !tk || !ex2 || !read_str(v, f.verdict, sizeof(f.verdict)) ||
                !read_str(tk, f.token, sizeof(f.token)) ||
                !read_str(ex2, f.expectation, sizeof(f.expectation)) ||
                ((txt = key(q, "text")) && !read_str(txt, f.text, sizeof(f.text)))) {
                snprintf(msg, n_msg, "%s: malformed failure entry", path);
                rc = SCN_EIO;
                break;
            }
            rc = xp_totals_add_failure(t, &f);
            q += 7;
        }
    }
    if (rc == 0)
        rc = xp_sometimes_read(t, s, path, msg, n_msg);
    sim_free(s);
    return rc;
}
