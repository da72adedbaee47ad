/*
 * scn_junit.c - JUnit XML results (scn_junit.h): the report, its XML
 * writer, and what `run` and `explore` put in it.
 */
#include "scn_junit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scn_text.h"
#include "sim_alloc.h"

/* ---------------------------------------------------------------- report */

static char *dup_or_null(scn_junit_t *j, const char *s)
{
    if (!s)
        return NULL;
    char *d = sim_alloc_strdup(s);
    if (!d)
        j->oom = 1;
    return d;
}

static void set_str(scn_junit_t *j, char **dst, const char *s)
{
    sim_free(*dst);
    *dst = dup_or_null(j, s);
}

int scn_junit_init(scn_junit_t *j, const char *suite, size_t n,
                   const char *skip_message)
{
    memset(j, 0, sizeof(*j));
    j->cases = sim_calloc(n ? n : 1, sizeof(*j->cases));
    j->suite = sim_alloc_strdup(suite);
    j->skip_message = sim_alloc_strdup(skip_message);
    if (!j->cases || !j->suite || !j->skip_message) {
        scn_junit_free(j);
        return SCN_ENOMEM;
    }
    j->n = n;
    return 0;
}

void scn_junit_free(scn_junit_t *j)
{
    for (size_t i = 0; j->cases && i < j->n; i++) {
        scn_junit_case_t *c = &j->cases[i];
        sim_free(c->classname);
        sim_free(c->name);
        sim_free(c->type);
        sim_free(c->message);
        sim_free(c->text);
        sim_free(c->out);
    }
    sim_free(j->cases);
    sim_free(j->suite);
    sim_free(j->skip_message);
    memset(j, 0, sizeof(*j));
}

void scn_junit_case(scn_junit_t *j, size_t i, const char *classname,
                    const char *name)
{
    if (i >= j->n)
        return;
    set_str(j, &j->cases[i].classname, classname);
    set_str(j, &j->cases[i].name, name);
}

void scn_junit_result(scn_junit_t *j, size_t i, scn_junit_kind_t kind,
                      const char *type, const char *message, const char *text)
{
    if (i >= j->n)
        return;
    scn_junit_case_t *c = &j->cases[i];
    c->kind = kind;
    set_str(j, &c->type, type);
    set_str(j, &c->message, message);
    set_str(j, &c->text, text);
}

void scn_junit_out(scn_junit_t *j, size_t i, const char *text)
{
    if (i < j->n)
        set_str(j, &j->cases[i].out, text && text[0] ? text : NULL);
}

void scn_junit_time(scn_junit_t *j, size_t i, double seconds)
{
    if (i < j->n)
        j->cases[i].time = seconds > 0 ? seconds : 0;
}

double scn_junit_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- XML */

/* The length of the UTF-8 sequence at s that encodes an XML Char (no
 * overlong forms, surrogates, U+FFFE or U+FFFF), or 0. */
static size_t utf8_char(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
        return 0;
    return n;
}

/* s as XML character data (attr: an attribute value in double quotes,
 * where line breaks and tabs must be character references to survive). */
static void xml_put(FILE *f, const char *str, int attr)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    while (*s) {
        unsigned c = *s;
        if (c == '&')
            fputs("&amp;", f);
        else if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '"' && attr)
            fputs("&quot;", f);
        else if (c == '\n')
            fputs(attr ? "&#10;" : "\n", f);
        else if (c == '\t')
            fputs(attr ? "&#9;" : "\t", f);
        else if (c == '\r')
            fputs("&#13;", f);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c); /* not allowed in XML 1.0 at all */
        else {
            size_t n = utf8_char(s);
            if (n == 0) {
                fprintf(f, "\\x%02x", c);
            } else {
                fwrite(s, 1, n, f);
                s += n;
                continue;
            }
        }
        s++;
    }
}

static void xml_attr(FILE *f, const char *name, const char *value)
{
    fprintf(f, " %s=\"", name);
    xml_put(f, value, 1);
    fputc('"', f);
}

static const char *const elements[] = {
    [SCN_JUNIT_FAILURE] = "failure",
    [SCN_JUNIT_ERROR] = "error",
    [SCN_JUNIT_SKIPPED] = "skipped",
    [SCN_JUNIT_UNSET] = "skipped",
};

static void write_xml(const scn_junit_t *j, FILE *f)
{
    size_t failures = 0, errors = 0, skipped = 0;
    double total = 0;
    for (size_t i = 0; i < j->n; i++) {
        const scn_junit_case_t *c = &j->cases[i];
        failures += c->kind == SCN_JUNIT_FAILURE;
        errors += c->kind == SCN_JUNIT_ERROR;
        skipped += c->kind == SCN_JUNIT_SKIPPED || c->kind == SCN_JUNIT_UNSET;
        total += c->time;
    }
    char counts[160], tt[32];
    snprintf(counts, sizeof(counts), " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"",
             j->n, failures, errors);
    snprintf(tt, sizeof(tt), "%.3f", total);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", f);
    xml_attr(f, "name", j->suite);
    fprintf(f, "%s time=\"%s\">\n  <testsuite", counts, tt);
    xml_attr(f, "name", j->suite);
    fprintf(f, "%s skipped=\"%zu\" time=\"%s\">\n", counts, skipped, tt);
    for (size_t i = 0; i < j->n; i++) {
        const scn_junit_case_t *c = &j->cases[i];
        fputs("    <testcase", f);
        xml_attr(f, "classname", c->classname ? c->classname : "csim");
        xml_attr(f, "name", c->name ? c->name : "");
        fprintf(f, " time=\"%.3f\"", c->time);
        if (c->kind == SCN_JUNIT_PASS && !c->out) {
            fputs("/>\n", f);
            continue;
        }
        fputs(">\n", f);
        if (c->kind != SCN_JUNIT_PASS) {
            const char *msg = c->kind == SCN_JUNIT_UNSET ? j->skip_message
                                                         : c->message;
            fprintf(f, "      <%s", elements[c->kind]);
            if (c->type)
                xml_attr(f, "type", c->type);
            if (msg)
                xml_attr(f, "message", msg);
            if (c->text && c->text[0] && c->kind != SCN_JUNIT_UNSET) {
                fputc('>', f);
                xml_put(f, c->text, 0);
                fprintf(f, "</%s>\n", elements[c->kind]);
            } else {
                fputs("/>\n", f);
            }
        }
        if (c->out) {
            fputs("      <system-out>", f);
            xml_put(f, c->out, 0);
            fputs("</system-out>\n", f);
        }
        fputs("    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
}

static int write_xml_file(FILE *f, void *arg)
{
    write_xml(arg, f);
    return 0;
}

int scn_junit_write(const scn_junit_t *j, const char *path)
{
    if (j->oom) {
        errno = ENOMEM;
        return SCN_ENOMEM;
    }
    return scn_write_file_atomic(path, write_xml_file, (void *)j);
}

/* ---------------------------------------------------------------- text */

/* What a printer writes, as a string (open_memstream); NULL on OOM. */
typedef struct mem {
    char *s;
    size_t n;
    FILE *f;
} mem_t;

static FILE *mem_open(mem_t *m)
{
    memset(m, 0, sizeof(*m));
    m->f = open_memstream(&m->s, &m->n);
    return m->f;
}

/* The text as one of sim's blocks: open_memstream's buffer is libc's (it
 * cannot be made to fail nor counted), so it is copied and freed here. */
static char *mem_take(mem_t *m)
{
    char *s = NULL;

    if (!m->f)
        return NULL;
    if (fclose(m->f) == 0)
        s = sim_alloc_strndup(m->s, m->n);
    free(m->s);
    return s;
}

/* The first line of s without its leading word and blanks ("FAIL  x.scn:3:
 * ..." -> "x.scn:3: ..."), into buf. */
static void first_line_rest(const char *s, char *buf, size_t n)
{
    const char *p = s;
    while (*p && *p != ' ' && *p != '\n')
        p++;
    while (*p == ' ')
        p++;
    size_t k = strcspn(p, "\n");
    snprintf(buf, n, "%.*s", (int)k, p);
}

/* ---------------------------------------------------------------- run */

int scn_junit_run_init(scn_junit_t *j, char *const *files, size_t n)
{
    int rc = scn_junit_init(j, "csim run", n,
                            "not run: a scenario file has errors, so nothing "
                            "was run");
    for (size_t i = 0; rc == 0 && i < n; i++)
        scn_junit_case(j, i, "csim.run", files[i]);
    return rc;
}

void scn_junit_run_diag(scn_junit_t *j, size_t i, const scn_diag_t *d)
{
    mem_t m;
    if (!mem_open(&m)) {
        j->oom = 1;
        return;
    }
    scn_reporter_t rp = {.out = m.f, .err = m.f};
    scn_report_diag(&rp, d);
    char *text = mem_take(&m);
    char msg[1200];
    snprintf(msg, sizeof(msg), "%.*s", (int)strcspn(text ? text : "", "\n"),
             text ? text : "");
    scn_junit_result(j, i, SCN_JUNIT_ERROR, "ERROR", msg, text);
    if (!text)
        j->oom = 1;
    sim_free(text);
}

void scn_junit_run_error(scn_junit_t *j, size_t i, const char *path,
                         const char *message)
{
    char msg[1200];
    snprintf(msg, sizeof(msg), "%s: %s", path, message);
    scn_junit_result(j, i, SCN_JUNIT_ERROR, "ERROR", msg, NULL);
}

/* The token that replays run r: its explicit schedule, or when that does
 * not fit, what regenerates it (random: the seed). */
static void run_token(const char *path, const scn_run_opts_t *o,
                      const scn_result_t *r, char *buf, size_t n)
{
    buf[0] = '\0';
    char *bytes = NULL;
    size_t nb = 0;
    if (scn_read_file(path, &bytes, &nb) < 0)
        return;
    scn_token_t t;
    memset(&t, 0, sizeof(t));
    t.version = 1;
    t.hash = scn_content_hash(bytes, nb);
    sim_free(bytes);
    snprintf(t.variant, sizeof(t.variant), "%s",
             r->variant[0] ? r->variant : "current");
    t.mask = r->choice_mask;
    t.strategy = o->strategy == SIM_STRATEGY_RANDOM ? XP_RANDOM : XP_FIFO;
    t.seed = o->strategy == SIM_STRATEGY_RANDOM ? o->seed : 0;
    t.bound = -1;
    size_t k = r->n_choices;
    while (k > 0 && r->choices[k - 1].answer == 0)
        k--;
    t.answers = sim_malloc((k ? k : 1) * sizeof(*t.answers));
    if (!t.answers)
        return;
    for (size_t i = 0; i < k; i++)
        t.answers[i] = r->choices[i].answer;
    t.n_answers = k;
    t.explicit_seq = 1;
    if (scn_token_format(&t, buf, n) < 0) {
        t.explicit_seq = 0;
        if (t.strategy != XP_RANDOM || scn_token_format(&t, buf, n) < 0)
            buf[0] = '\0';
    }
    sim_free(t.answers);
}

void scn_junit_run_result(scn_junit_t *j, size_t i, const char *path,
                          const scn_model_t *m, const scn_run_opts_t *o,
                          const scn_result_t *r, const scn_verdict_t *v,
                          double seconds)
{
    char label[1024], name[2048];
    scn_variant_label(m, r->variant[0] ? r->variant : NULL, label,
                      sizeof(label));
    snprintf(name, sizeof(name), "%s%s%s%s", path, label[0] ? " [" : "",
             label, label[0] ? "]" : "");
    scn_junit_case(j, i, "csim.run", name);
    scn_junit_time(j, i, seconds);
    mem_t mm;
    if (!mem_open(&mm)) {
        j->oom = 1;
        return;
    }
    scn_reporter_t rp = {.out = mm.f, .err = mm.f};
    if (v->kind == SCN_PASS)
        scn_report_sometimes(&rp, path, m, v);
    else
        scn_report_result(&rp, path, m, r, v);
    if (v->kind != SCN_PASS) {
        char token[SCN_TOKEN_MAX + 1];
        run_token(path, o, r, token, sizeof(token));
        if (token[0])
            fprintf(mm.f, "csim replay %s\n", token);
    }
    char *text = mem_take(&mm);
    if (!text) {
        j->oom = 1;
        return;
    }
    if (v->kind == SCN_PASS) {
        scn_junit_result(j, i, SCN_JUNIT_PASS, NULL, NULL, NULL);
        scn_junit_out(j, i, text); /* the `sometimes` lines, if any */
    } else {
        char msg[1200];
        first_line_rest(text, msg, sizeof(msg));
        scn_junit_result(j, i, SCN_JUNIT_FAILURE,
                         v->kind == SCN_HUNG ? "HUNG" : "FAIL", msg, text);
    }
    sim_free(text);
}

/* ---------------------------------------------------------------- explore */

/* The diagnostic of a file that does not load, as `csim explore` printed
 * it (it is read again: a file error is rare and cheap). */
static char *load_error(const char *file)
{
    mem_t m;
    if (!mem_open(&m))
        return NULL;
    char *bytes = NULL;
    size_t nb = 0;
    if (scn_read_file(file, &bytes, &nb) < 0) {
        fprintf(m.f, "%s: %s\n", file, strerror(errno));
    } else {
        scn_diag_t d;
        memset(&d, 0, sizeof(d));
        scn_model_t *mod = NULL;
        if (scn_parse(file, bytes, nb, &mod, &d) < 0) {
            scn_reporter_t rp = {.out = m.f, .err = m.f};
            scn_report_diag(&rp, &d);
        } else {
            fprintf(m.f, "%s: not a scenario file csim explore can run\n", file);
            scn_model_free(mod);
        }
        sim_free(bytes);
    }
    return mem_take(&m);
}

int scn_junit_explore(const char *path, const char *file, const char *name,
                      int file_error, const xp_totals_t *t, int status,
                      double seconds)
{
    scn_junit_t j;
    int rc = scn_junit_init(&j, "csim explore", 1, "not run");
    if (rc < 0)
        return rc;
    scn_junit_case(&j, 0, "csim.explore", name);
    scn_junit_time(&j, 0, seconds);
    char msg[1700];
    if (file_error) {
        char *text = load_error(file);
        snprintf(msg, sizeof(msg), "%.*s", (int)strcspn(text ? text : "", "\n"),
                 text ? text : "");
        scn_junit_result(&j, 0, SCN_JUNIT_ERROR, "ERROR", msg, text);
        if (!text)
            j.oom = 1;
        sim_free(text);
        goto write;
    }
    /* system-out: the summary (without the wall-clock rates) and the
     * `sometimes` counts */
    mem_t so;
    if (!mem_open(&so)) {
        j.oom = 1;
        goto write;
    }
    xp_totals_t quiet = *t;
    quiet.seconds = 0;
    xp_totals_print(&quiet, so.f);
    xp_sometimes_print(t, so.f);
    char *out = mem_take(&so);
    if (!out)
        j.oom = 1;
    scn_junit_out(&j, 0, out);
    if (t->n_failures) {
        mem_t fm;
        if (!mem_open(&fm)) {
            j.oom = 1;
        } else {
            for (size_t i = 0; i < t->n_failures; i++) {
                const xp_failure_t *f = &t->failures[i];
                if (f->text[0])
                    fputs(f->text, fm.f);
                else
                    fprintf(fm.f, "%s run %" PRIu64 ": %s\n", f->verdict, f->run,
                            f->expectation);
                long same = xp_totals_same_as(t, i);
                if (same >= 0)
                    fprintf(fm.f, "  same shrunk schedule as run %" PRIu64 "\n",
                            t->failures[same].run);
                else if (f->token[0])
                    fprintf(fm.f, "csim replay %s\n", f->token);
            }
            char *text = mem_take(&fm);
            if (!text)
                j.oom = 1;
            snprintf(msg, sizeof(msg), "%.*s",
                     (int)strcspn(text ? text : "", "\n"), text ? text : "");
            scn_junit_result(&j, 0, SCN_JUNIT_FAILURE, t->failures[0].verdict,
                             msg, text);
            sim_free(text);
        }
    } else if (status == 2) {
        scn_junit_result(&j, 0, SCN_JUNIT_ERROR, "ERROR",
                         "the exploration failed (the error is on csim's "
                         "standard error)", NULL);
    } else if (xp_sometimes_never(t)) {
        for (size_t i = 0; i < t->n_sometimes; i++)
            if (t->sometimes[i].hits == 0) {
                snprintf(msg, sizeof(msg), "%s \xe2\x80\x94 hit in 0 of %" PRIu64
                         " run%s", t->sometimes[i].text, t->runs,
                         t->runs == 1 ? "" : "s");
                break;
            }
        scn_junit_result(&j, 0, SCN_JUNIT_FAILURE, "NEVER HIT", msg, out);
    } else if (status == 1) {
        scn_junit_result(&j, 0, SCN_JUNIT_FAILURE, "VERIFY",
                         "a --verify replay gave a different trace", NULL);
    } else {
        scn_junit_result(&j, 0, SCN_JUNIT_PASS, NULL, NULL, NULL);
    }
    sim_free(out);
write:
    rc = scn_junit_write(&j, path);
    scn_junit_free(&j);
    return rc;
}
