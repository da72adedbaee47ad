/*
 * scn_variants.c - `csim variants PATH...`: every scenario explored under
 * every container preset, exactly as `csim explore FILE --variant P` with
 * default settings would (xp_explore_quiet), printed as a matrix of cells
 * (pass, FAIL@I, HUNG@I, CRASH@I, TIMEOUT@I: I the run index explore
 * prints), then one line per failing cell with its replay token; and the
 * pass/fail comparison with an expectation file (TSV) for the bug suite.
 *
 * Cells run one after the other, each on --jobs workers, so the output
 * does not depend on J.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scn_explore.h"
#include "scn_junit.h"
#include "scn_text.h"
#include "scn_walk.h"
#include "sim_alloc.h"

static const char usage_variants[] =
    "usage: csim variants PATH... [options]\n"
    "       csim variants --list\n"
    "\n"
    "Explore every scenario (folders: every *.scn below, sorted) under each\n"
    "container preset, as `csim explore FILE --variant P` does with default\n"
    "settings (strategy portfolio, until the first failure; the same runs and\n"
    "tokens), and print a matrix: one row per scenario, one column per preset,\n"
    "cells pass or FAIL@I (HUNG@I, CRASH@I, TIMEOUT@I), I the run index that\n"
    "found it; then one line per failing cell with its `csim replay` token.\n"
    "The file's switch overrides apply on top of each preset.\n"
    "\n"
    "options:\n"
    "  --variant LIST        comma-separated presets (default: all, oldest\n"
    "                        first: V1 ... current, hardened)\n"
    "  --runs N              schedules per scenario and preset (default 1000)\n"
    "  --seed N              base seed (default 0)\n"
    "  --jobs J              worker processes (default: online CPUs, at most 8);\n"
    "                        the output is the same for any J\n"
    "  --in-process          run every schedule in this process, no workers\n"
    "  --timeout-ms T        wall-clock limit per run (default 10000; 0 = none)\n"
    "  --expect TSV          compare pass/fail with TSV (header\n"
    "                        `scenario<TAB>PRESET...`, rows `PATH<TAB>pass|fail...`,\n"
    "                        `#` comments); print each MISMATCH\n"
    "  --write-expect TSV    (re)write TSV from this run's cells (atomically)\n"
    "  --junit FILE          write JUnit XML: one testcase per cell, FILE [PRESET];\n"
    "                        a failure is a cell that differs from --expect\n"
    "                        (without --expect: a cell that is not pass)\n"
    "  --list                the presets and the switches, with their values\n"
    "\n"
    "exit status: 0 every cell as expected (without --expect: no error), 1 a\n"
    "cell differs from --expect, 2 usage, scenario file, TSV or worker error\n";

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "csim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage_variants);
    return 2;
}

/* ---------------------------------------------------------------- lists */

typedef struct strv {
    char **v;
    size_t n, cap;
} strv_t;

static int strv_add(strv_t *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **nv = sim_realloc(l->v, cap * sizeof(*nv));
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n] = sim_malloc(len + 1);
    if (!l->v[l->n])
        return -1;
    memcpy(l->v[l->n], s, len);
    l->v[l->n][len] = '\0';
    l->n++;
    return 0;
}

static void strv_free(strv_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        sim_free(l->v[i]);
    sim_free(l->v);
    memset(l, 0, sizeof(*l));
}

static long strv_find(const strv_t *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return (long)i;
    return -1;
}

/* "./x" reads as "x": paths compare as given from the current directory. */
static const char *plain_path(const char *p)
{
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    return p;
}

static int collect_one(const char *path, unsigned depth, void *arg)
{
    (void)depth;
    const char *p = plain_path(path);
    return strv_add(arg, p, strlen(p)) < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- cells */

typedef struct cell {
    int status;        /* xp_explore_quiet: 0 pass, 1 failure, 2 error */
    char text[40];     /* "pass", "FAIL@3", "NEVER", "ERROR" */
    char what[400];    /* the failed expectation's text, or the crash */
    char token[SCN_TOKEN_MAX + 1];
    double seconds;    /* wall clock (--junit) */
} cell_t;

/* The failed expectation as written: "path:LINE: text" -> "text"; "path:
 * hung" -> "hung"; a crash's text stays. */
static const char *strip_location(const char *path, const char *exp)
{
    size_t n = strlen(path);
    if (strncmp(exp, path, n) == 0 && exp[n] == ':') {
        exp += n + 1;
        const char *q = exp;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q > exp && *q == ':')
            exp = q + 1;
        while (*exp == ' ')
            exp++;
    }
    return exp;
}

static void run_cell(const char *file, const scn_model_t *m, const char *bytes,
                     size_t nb, const xp_opts_t *base, const char *preset,
                     int in_process, cell_t *c)
{
    xp_opts_t o = *base;
    o.variant = preset;
    xp_totals_t tot;
    memset(c, 0, sizeof(*c));
    double t0 = scn_junit_now();
    c->status = xp_explore_quiet(file, m, bytes, nb, &o, in_process, &tot);
    c->seconds = scn_junit_now() - t0;
    if (c->status == 2) {
        snprintf(c->text, sizeof(c->text), "ERROR");
    } else if (tot.n_failures == 0 && xp_sometimes_never(&tot)) {
        /* as explore: a window no run reached fails the cell */
        c->status = 1;
        snprintf(c->text, sizeof(c->text), "NEVER");
        for (size_t i = 0; i < tot.n_sometimes; i++)
            if (tot.sometimes[i].hits == 0) {
                snprintf(c->what, sizeof(c->what),
                         "sometimes %s \xe2\x80\x94 hit in 0 of %" PRIu64 " run%s",
                         strip_location(file, tot.sometimes[i].text), tot.runs,
                         tot.runs == 1 ? "" : "s");
                break;
            }
    } else if (tot.n_failures == 0) {
        c->status = 0;
        snprintf(c->text, sizeof(c->text), "pass");
    } else {
        const xp_failure_t *f = &tot.failures[0];
        c->status = 1;
        snprintf(c->text, sizeof(c->text), "%s@%" PRIu64, f->verdict, f->run);
        snprintf(c->what, sizeof(c->what), "%s",
                 strip_location(file, f->expectation));
        snprintf(c->token, sizeof(c->token), "%s", f->token);
    }
    xp_totals_free(&tot);
}

/* ---------------------------------------------------------------- TSV */

/* expected[file * n_presets + preset]: 0 pass, 1 fail. */
typedef struct expect_tsv {
    const char *path;
    unsigned char *want;
    unsigned char *have; /* which cells the file names */
} expect_tsv_t;

static int tsv_error(const char *path, int line, const char *fmt,
                     const char *arg)
{
    fprintf(stderr, "csim: %s:%d: ", path, line);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 2;
}

/* Split line (len bytes) at tabs into fields. */
static int split_tabs(const char *line, size_t len, strv_t *out)
{
    size_t s = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || line[i] == '\t') {
            if (strv_add(out, line + s, i - s) < 0)
                return -1;
            s = i + 1;
        }
    return 0;
}

/* Read the TSV against the run: every preset and file it names must be in
 * the run, and it must give every cell of the run. */
static int tsv_read(expect_tsv_t *x, const strv_t *files,
                    const strv_t *presets)
{
    char *buf = NULL;
    size_t len = 0;
    if (scn_read_file(x->path, &buf, &len) < 0) {
        fprintf(stderr, "csim: %s: %s\n", x->path, strerror(errno));
        return 2;
    }
    size_t np = presets->n, nf = files->n;
    x->want = sim_calloc(nf * np + 1, 1);
    x->have = sim_calloc(nf * np + 1, 1);
    long *col = sim_calloc(np + 1, sizeof(*col)); /* TSV column -> run preset */
    int rc = x->want && x->have && col ? 0 : -1;
    int header = 0, lineno = 0;
    size_t ncols = 0;
    unsigned char *row_seen = sim_calloc(nf + 1, 1);
    if (!row_seen)
        rc = -1;
    for (size_t pos = 0; rc == 0 && pos < len;) {
        size_t e = pos;
        while (e < len && buf[e] != '\n')
            e++;
        size_t l = e - pos;
        const char *ln = buf + pos;
        pos = e + 1;
        lineno++;
        if (l && ln[l - 1] == '\r')
            l--;
        if (l == 0 || ln[0] == '#')
            continue;
        strv_t f = {0};
        if (split_tabs(ln, l, &f) < 0) {
            rc = -1;
            break;
        }
        if (!header) {
            header = 1;
            if (strcmp(f.v[0], "scenario") != 0 || f.n < 2) {
                rc = tsv_error(x->path, lineno,
                               "expected the header `scenario<TAB>PRESET...`, "
                               "found '%s'", f.v[0]);
            }
            ncols = f.n - 1;
            long *nc = rc == 0 ? sim_realloc(col, (ncols + 1) * sizeof(*nc)) : NULL;
            if (rc == 0 && !nc)
                rc = -1;
            if (nc)
                col = nc;
            for (size_t k = 1; rc == 0 && k < f.n; k++) {
                long pi = strv_find(presets, f.v[k]);
                if (!scn_preset_known(f.v[k]))
                    rc = tsv_error(x->path, lineno, "unknown variant '%s'",
                                   f.v[k]);
                else if (pi < 0)
                    rc = tsv_error(x->path, lineno,
                                   "preset '%s' is not in this run", f.v[k]);
                for (size_t j = 1; rc == 0 && j < k; j++)
                    if (strcmp(f.v[j], f.v[k]) == 0)
                        rc = tsv_error(x->path, lineno, "duplicate preset '%s'",
                                       f.v[k]);
                col[k - 1] = pi;
            }
        } else if (f.n != ncols + 1) {
            char n[64];
            snprintf(n, sizeof(n), "%zu fields (the header has %zu)", f.n,
                     ncols + 1);
            rc = tsv_error(x->path, lineno, "%s", n);
        } else {
            long fi = strv_find(files, plain_path(f.v[0]));
            if (fi < 0)
                rc = tsv_error(x->path, lineno, "'%s' is not in this run",
                               f.v[0]);
            else if (row_seen[fi])
                rc = tsv_error(x->path, lineno, "duplicate row for '%s'",
                               f.v[0]);
            else
                row_seen[fi] = 1;
            for (size_t k = 1; rc == 0 && k < f.n; k++) {
                int fail = strcmp(f.v[k], "fail") == 0;
                if (!fail && strcmp(f.v[k], "pass") != 0) {
                    rc = tsv_error(x->path, lineno,
                                   "bad cell '%s' (pass or fail)", f.v[k]);
                    break;
                }
                size_t at = (size_t)fi * np + (size_t)col[k - 1];
                x->want[at] = (unsigned char)fail;
                x->have[at] = 1;
            }
        }
        strv_free(&f);
    }
    if (rc == 0 && !header)
        rc = tsv_error(x->path, lineno ? lineno : 1, "%s",
                       "no header line `scenario<TAB>PRESET...`");
    for (size_t fi = 0; rc == 0 && fi < nf; fi++)
        for (size_t pi = 0; rc == 0 && pi < np; pi++)
            if (!x->have[fi * np + pi]) {
                fprintf(stderr, "csim: %s: no expectation for %s [%s] (add "
                                "it, or regenerate with --write-expect)\n",
                        x->path, files->v[fi], presets->v[pi]);
                rc = 2;
            }
    if (rc < 0) {
        fprintf(stderr, "csim: out of memory\n");
        rc = 2;
    }
    sim_free(row_seen);
    sim_free(col);
    sim_free(buf);
    return rc;
}

typedef struct tsv_out {
    const strv_t *files, *presets;
    const cell_t *cells;
} tsv_out_t;

static int write_tsv(FILE *f, void *arg)
{
    const tsv_out_t *w = arg;
    const strv_t *files = w->files, *presets = w->presets;
    const cell_t *cells = w->cells;

    fprintf(f, "# pass or fail per scenario and preset "
               "(csim variants --write-expect)\nscenario");
    for (size_t p = 0; p < presets->n; p++)
        fprintf(f, "\t%s", presets->v[p]);
    fputc('\n', f);
    for (size_t i = 0; i < files->n; i++) {
        fputs(files->v[i], f);
        for (size_t p = 0; p < presets->n; p++)
            fprintf(f, "\t%s",
                    cells[i * presets->n + p].status ? "fail" : "pass");
        fputc('\n', f);
    }
    return 0;
}

static int tsv_write(const char *path, const strv_t *files,
                     const strv_t *presets, const cell_t *cells)
{
    tsv_out_t w = {files, presets, cells};
    return scn_write_file_atomic(path, write_tsv, &w) < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- output */

static void print_matrix(const strv_t *files, const strv_t *presets,
                         const cell_t *cells)
{
    size_t np = presets->n;
    size_t w0 = strlen("scenario");
    for (size_t i = 0; i < files->n; i++)
        if (strlen(files->v[i]) > w0)
            w0 = strlen(files->v[i]);
    size_t *w = sim_calloc(np ? np : 1, sizeof(*w));
    if (!w)
        return;
    for (size_t p = 0; p < np; p++) {
        w[p] = strlen(presets->v[p]);
        for (size_t i = 0; i < files->n; i++)
            if (strlen(cells[i * np + p].text) > w[p])
                w[p] = strlen(cells[i * np + p].text);
    }
    /* columns two spaces apart, no trailing blanks */
    printf("%-*s", (int)w0, "scenario");
    for (size_t p = 0; p < np; p++)
        printf("  %-*s", p + 1 < np ? (int)w[p] : 0, presets->v[p]);
    putchar('\n');
    for (size_t i = 0; i < files->n; i++) {
        printf("%-*s", (int)w0, files->v[i]);
        for (size_t p = 0; p < np; p++)
            printf("  %-*s", p + 1 < np ? (int)w[p] : 0,
                   cells[i * np + p].text);
        putchar('\n');
    }
    sim_free(w);
}

/* ---------------------------------------------------------------- --list */

/* The presets with their summaries and the switches with their values, in
 * variant.h's order (what the `variant` line and --variant take). */
static void print_list(void)
{
    size_t w = 0;
    for (size_t i = 0; i < ctr_preset_count(); i++)
        if (strlen(ctr_preset_name(i)) > w)
            w = strlen(ctr_preset_name(i));
    printf("presets, oldest first:\n");
    for (size_t i = 0; i < ctr_preset_count(); i++)
        printf("  %-*s  %s\n", (int)w, ctr_preset_name(i), ctr_preset_summary(i));
    w = 0;
    for (size_t i = 0; i < ctr_switch_count(); i++)
        if (strlen(ctr_switch_name(i)) > w)
            w = strlen(ctr_switch_name(i));
    printf("switches, values oldest first:\n");
    for (size_t i = 0; i < ctr_switch_count(); i++) {
        printf("  %-*s ", (int)w, ctr_switch_name(i));
        for (size_t v = 0; v < ctr_switch_value_count(i); v++)
            printf(" %s", ctr_switch_value_name(i, v));
        putchar('\n');
    }
}

/* ---------------------------------------------------------------- --junit */

/* One testcase per cell, `FILE [PRESET]`, named up front (a cell that never
 * ran is written as skipped). */
static int junit_init(scn_junit_t *j, const strv_t *files, const strv_t *presets)
{
    int rc = scn_junit_init(j, "csim variants", files->n * presets->n,
                            "not run: csim variants stopped before the cells "
                            "ran (a scenario file or --expect error; see its "
                            "standard error)");
    char name[1200];
    for (size_t i = 0; rc == 0 && i < files->n; i++)
        for (size_t p = 0; p < presets->n; p++) {
            snprintf(name, sizeof(name), "%s [%s]", files->v[i], presets->v[p]);
            scn_junit_case(j, i * presets->n + p, "csim.variants", name);
        }
    return rc;
}

/* File i did not load: every one of its cells is an <error>. */
static void junit_file_error(scn_junit_t *j, size_t i, size_t np,
                             const char *text)
{
    char msg[1200];
    snprintf(msg, sizeof(msg), "%.*s", (int)strcspn(text, "\n"), text);
    for (size_t p = 0; p < np; p++)
        scn_junit_result(j, i * np + p, SCN_JUNIT_ERROR, "ERROR", msg, text);
}

/* The cells' results: with --expect (want != NULL) a cell fails when it
 * differs from the TSV, without it when it is not pass. */
static void junit_cells(scn_junit_t *j, const strv_t *files,
                        const strv_t *presets, const cell_t *cells,
                        const unsigned char *want)
{
    size_t np = presets->n;
    for (size_t i = 0; i < files->n; i++)
        for (size_t p = 0; p < np; p++) {
            size_t k = i * np + p;
            const cell_t *c = &cells[k];
            char line[1200], msg[600];
            int never = !strcmp(c->text, "NEVER");
            if (never)
                snprintf(line, sizeof(line), "%s [%s] NEVER HIT: %s\n",
                         files->v[i], presets->v[p], c->what);
            else
                snprintf(line, sizeof(line),
                         "%s [%s] %s: %s \xe2\x80\x94 csim replay %s\n",
                         files->v[i], presets->v[p], c->text, c->what,
                         c->token[0] ? c->token : "(no token)");
            scn_junit_time(j, k, c->seconds);
            if (c->status == 2) {
                scn_junit_result(j, k, SCN_JUNIT_ERROR, "ERROR",
                                 "the exploration failed (see csim's standard "
                                 "error)", NULL);
            } else if (want && (c->status == 1) != (want[k] == 1)) {
                snprintf(msg, sizeof(msg), "expected %s, got %s",
                         want[k] ? "fail" : "pass", c->text);
                scn_junit_result(j, k, SCN_JUNIT_FAILURE, "MISMATCH", msg,
                                 c->status == 1 ? line : NULL);
            } else if (!want && c->status == 1) {
                char type[16];
                snprintf(type, sizeof(type), "%.*s",
                         (int)strcspn(c->text, "@"), c->text);
                snprintf(msg, sizeof(msg), "%s: %s", never ? "NEVER HIT" : c->text,
                         c->what);
                scn_junit_result(j, k, SCN_JUNIT_FAILURE,
                                 never ? "NEVER HIT" : type, msg, line);
            } else {
                scn_junit_result(j, k, SCN_JUNIT_PASS, NULL, NULL, NULL);
                if (c->status == 1)
                    scn_junit_out(j, k, line); /* a failure --expect expects */
            }
        }
}

/* ---------------------------------------------------------------- command */

static int parse_presets(const char *list, strv_t *out)
{
    for (const char *p = list;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), p);
        if (n == 0 || n > 63) { /* no preset name is empty or that long */
            char known[300];
            scn_preset_list(known, sizeof(known));
            fprintf(stderr, "csim: unknown variant '%.*s' (known: %s)\n",
                    (int)n, p, known);
            return 2;
        }
        if (scn_preset_check(name, stderr) < 0)
            return 2;
        if (strv_find(out, name) >= 0) {
            fprintf(stderr, "csim: variant '%s' is given twice in --variant\n",
                    name);
            return 2;
        }
        if (strv_add(out, name, strlen(name)) < 0)
            return -1;
        if (!e)
            return 0;
        p = e + 1;
    }
}

int scn_cmd_variants(int argc, char **argv)
{
    xp_opts_t o;
    xp_opts_default(&o);
    o.jobs = 0;
    o.timeout_ms = XP_TIMEOUT_DEFAULT_MS;
    int in_process = 0, status = 0;
    const char *expect = NULL, *write_expect = NULL, *vlist = NULL;
    const char *junit = NULL;
    scn_junit_t ju = {0};
    strv_t args = {0}, files = {0}, presets = {0};
    scn_model_t **models = NULL;
    char **bytes = NULL;
    size_t *nbytes = NULL;
    cell_t *cells = NULL;
    expect_tsv_t tsv = {0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t u = 0;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_variants, stdout);
            strv_free(&args);
            return 0;
        } else if (!strcmp(a, "--in-process")) {
            in_process = 1;
        } else if (!strcmp(a, "--list")) {
            print_list();
            strv_free(&args);
            return 0;
        } else if (a[0] == '-' && a[1] == '-') {
            if (!v) {
                strv_free(&args);
                return usage("option %s needs a value", a);
            }
            i++;
            if (!strcmp(a, "--runs") || !strcmp(a, "--seed") ||
                !strcmp(a, "--jobs") || !strcmp(a, "--timeout-ms")) {
                if (scn_parse_u64(v, &u) < 0) {
                    strv_free(&args);
                    return usage("bad number '%s'", v);
                }
                if (!strcmp(a, "--runs")) {
                    /* zero runs would pass every cell having run nothing */
                    if (u < 1) {
                        strv_free(&args);
                        return usage("--runs must be >= 1, not %s", v);
                    }
                    o.runs = u;
                } else if (!strcmp(a, "--seed")) {
                    o.seed = u;
                } else if (!strcmp(a, "--jobs")) {
                    if (u < 1 || u > 256) {
                        strv_free(&args);
                        return usage("--jobs must be 1..256, not %s", v);
                    }
                    o.jobs = (int)u;
                } else {
                    if (u > 86400000) {
                        strv_free(&args);
                        return usage("--timeout-ms must be <= 86400000, not %s",
                                     v);
                    }
                    o.timeout_ms = u;
                }
            } else if (!strcmp(a, "--variant")) {
                vlist = v;
            } else if (!strcmp(a, "--expect")) {
                expect = v;
            } else if (!strcmp(a, "--write-expect")) {
                write_expect = v;
            } else if (!strcmp(a, "--junit")) {
                junit = v;
            } else {
                strv_free(&args);
                return usage("unknown option '%s'", a);
            }
        } else if (strv_add(&args, a, strlen(a)) < 0) {
            goto oom;
        }
    }
    if (args.n == 0)
        return usage("%s", "no scenario PATH given");
    if (!o.jobs)
        o.jobs = xp_default_jobs();
    if (vlist) {
        int rc = parse_presets(vlist, &presets);
        if (rc < 0)
            goto oom;
        if (rc) {
            status = 2;
            goto out;
        }
    } else {
        for (size_t i = 0; i < ctr_preset_count(); i++)
            if (strv_add(&presets, ctr_preset_name(i),
                         strlen(ctr_preset_name(i))) < 0)
                goto oom;
    }

    /* The files: folders walked (scn_walk.h), everything parsed first. */
    for (size_t i = 0; i < args.n; i++) {
        struct stat st;
        char msg[512];
        if (stat(args.v[i], &st) != 0) {
            fprintf(stderr, "csim: %s: %s\n", args.v[i], strerror(errno));
            status = 2;
        } else if (S_ISDIR(st.st_mode)) {
            if (scn_walk(args.v[i], NULL, collect_one, &files, msg,
                         sizeof(msg)) < 0) {
                fprintf(stderr, "csim: %s\n", msg[0] ? msg : "out of memory");
                status = 2;
            }
        } else if (strv_add(&files, plain_path(args.v[i]),
                            strlen(plain_path(args.v[i]))) < 0) {
            goto oom;
        }
    }
    if (status == 0 && files.n == 0) {
        fprintf(stderr, "csim: no scenario files (*.scn) found in ");
        for (size_t i = 0; i < args.n; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", args.v[i]);
        fprintf(stderr, "\n");
        status = 2;
    }
    for (size_t i = 0; status == 0 && i < files.n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(files.v[i], files.v[j]) == 0) {
                fprintf(stderr, "csim: %s is given twice\n", files.v[i]);
                status = 2;
                break;
            }
    if (status)
        goto out;
    models = sim_calloc(files.n, sizeof(*models));
    bytes = sim_calloc(files.n, sizeof(*bytes));
    nbytes = sim_calloc(files.n, sizeof(*nbytes));
    cells = sim_calloc(files.n * presets.n, sizeof(*cells));
    if (!models || !bytes || !nbytes || !cells)
        goto oom;
    if (junit && junit_init(&ju, &files, &presets) < 0)
        goto oom;
    size_t bad = 0;
    for (size_t i = 0; i < files.n; i++) {
        scn_diag_t d;
        memset(&d, 0, sizeof(d));
        int rc = scn_read_file(files.v[i], &bytes[i], &nbytes[i]);
        if (rc == SCN_EIO) {
            char msg[1200];
            snprintf(msg, sizeof(msg), "%s: %s\n", files.v[i], strerror(errno));
            fprintf(stderr, "csim: %s", msg);
            bad++;
            if (junit)
                junit_file_error(&ju, i, presets.n, msg);
            continue;
        }
        if (rc < 0)
            goto oom;
        if (scn_parse(files.v[i], bytes[i], nbytes[i], &models[i], &d) < 0) {
            scn_reporter_t rp = {.out = stdout, .err = stderr};
            scn_report_diag(&rp, &d);
            bad++;
            if (junit) {
                char msg[1200];
                if (d.line > 0)
                    snprintf(msg, sizeof(msg), "%s:%d:%d: error: %s\n", d.path,
                             d.line, d.col, d.message);
                else
                    snprintf(msg, sizeof(msg), "%s: error: %s\n", d.path,
                             d.message);
                junit_file_error(&ju, i, presets.n, msg);
            }
        }
    }
    if (bad) {
        fprintf(stderr, "csim: %zu scenario file%s with errors; nothing was run\n",
                bad, bad == 1 ? "" : "s");
        status = 2;
        goto out;
    }
    if (expect) {
        tsv.path = expect;
        status = tsv_read(&tsv, &files, &presets);
        if (status) {
            /* Nothing ran; a CI reading only the XML must still see why. */
            if (junit && ju.cases) {
                char why[600];
                snprintf(why, sizeof(why), "%s: the --expect file cannot be "
                         "used (csim's standard error says why); nothing was "
                         "run", expect);
                for (size_t i = 0; i < files.n; i++)
                    junit_file_error(&ju, i, presets.n, why);
            }
            goto out;
        }
    }

    for (size_t i = 0; i < files.n; i++)
        for (size_t p = 0; p < presets.n; p++)
            run_cell(files.v[i], models[i], bytes[i], nbytes[i], &o,
                     presets.v[p], in_process, &cells[i * presets.n + p]);

    print_matrix(&files, &presets, cells);
    size_t npass = 0, nfail = 0, nerr = 0;
    for (size_t k = 0; k < files.n * presets.n; k++) {
        npass += cells[k].status == 0;
        nfail += cells[k].status == 1;
        nerr += cells[k].status == 2;
    }
    if (nfail)
        putchar('\n');
    for (size_t i = 0; i < files.n; i++)
        for (size_t p = 0; p < presets.n; p++) {
            const cell_t *c = &cells[i * presets.n + p];
            if (c->status == 1 && !strcmp(c->text, "NEVER"))
                printf("%s [%s] NEVER HIT: %s\n", files.v[i], presets.v[p],
                       c->what);
            else if (c->status == 1)
                printf("%s [%s] %s: %s \xe2\x80\x94 csim replay %s\n",
                       files.v[i], presets.v[p], c->text, c->what,
                       c->token[0] ? c->token : "(no token)");
        }
    printf("\n%zu scenario%s x %zu preset%s: %zu pass, %zu fail", files.n,
           files.n == 1 ? "" : "s", presets.n, presets.n == 1 ? "" : "s",
           npass, nfail);
    if (nerr)
        printf(", %zu error%s", nerr, nerr == 1 ? "" : "s");
    putchar('\n');
    if (nerr)
        status = 2;
    if (expect) {
        size_t mism = 0;
        for (size_t i = 0; i < files.n; i++)
            for (size_t p = 0; p < presets.n; p++) {
                size_t k = i * presets.n + p;
                const cell_t *c = &cells[k];
                if (c->status == 2 || (c->status == 1) == (tsv.want[k] == 1))
                    continue;
                mism++;
                printf("MISMATCH %s [%s]: expected %s, got %s", files.v[i],
                       presets.v[p], tsv.want[k] ? "fail" : "pass", c->text);
                if (c->status == 1 && c->token[0])
                    printf(" (csim replay %s)", c->token);
                putchar('\n');
            }
        if (mism)
            printf("%s: %zu mismatch%s\n", expect, mism, mism == 1 ? "" : "es");
        else
            printf("%s: every cell as expected\n", expect);
        if (mism && status == 0)
            status = 1;
    }
    if (write_expect && !nerr) {
        if (tsv_write(write_expect, &files, &presets, cells) < 0) {
            fprintf(stderr, "csim: cannot write %s: %s\n", write_expect,
                    strerror(errno));
            status = 2;
        }
    } else if (write_expect) {
        fprintf(stderr, "csim: %s not written: some cells had errors\n",
                write_expect);
    }
    if (junit)
        junit_cells(&ju, &files, &presets, cells, expect ? tsv.want : NULL);
    goto out;
oom:
    fprintf(stderr, "csim: out of memory\n");
    status = 2;
out:
    fflush(stdout);
    if (junit && ju.cases && scn_junit_write(&ju, junit) < 0) {
        fprintf(stderr, "csim: cannot write %s: %s\n", junit, strerror(errno));
        status = 2;
    }
    scn_junit_free(&ju);
    if (models)
        for (size_t i = 0; i < files.n; i++)
            scn_model_free(models[i]);
    if (bytes)
        for (size_t i = 0; i < files.n; i++)
            sim_free(bytes[i]);
    sim_free(models);
    sim_free(bytes);
    sim_free(nbytes);
    sim_free(cells);
    sim_free(tsv.want);
    sim_free(tsv.have);
    strv_free(&args);
    strv_free(&files);
    strv_free(&presets);
    return status;
}
