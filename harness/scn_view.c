/*
 * scn_view.c - what the trace views share: where `--trace-out` / `--html`
 * write (a file, or one file per scenario in a directory), atomic writes,
 * JSON strings, the events a failure cites, and the critical pair of a
 * replayed failure located in its trace.
 */
#include "scn_view.h"
#include "scn_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scn_json.h"
#include "sim_alloc.h"

void scn_view_init(scn_view_t *v, const char *path, const scn_model_t *m,
                   const scn_result_t *r, const scn_verdict_t *verdict) {
    memset(v, 0, sizeof(*v));
    v->path = path;
    v->m = m;
    v->r = r;
    v->v = verdict;
    v->critical_at[0] = v->critical_at[1] = r->n_events;
}

const char *scn_view_thread_name(const scn_result_t *r, unsigned id) {
    if (id == 0)
        return "hub";
    if (id < r->n_thread_names && r->thread_names[id])
        return r->thread_names[id];
    return "?";
}

size_t scn_view_find_seq(const scn_result_t *r, uint64_t seq) {
    /* seq ascends with the index (usually equals it) */
    size_t lo = 0, hi = r->n_events;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->events[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->n_events && r->events[lo].seq == seq ? lo : r->n_events;
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

size_t scn_view_cited(const scn_result_t *r, const char *text, size_t *out,
                      size_t max) {
    size_t n = 0;
    for (const char *p = text; p && (p = strchr(p, '#')) != NULL; p++) {
        const char *q = p + 1;
        uint64_t seq = 0;
        if (*q < '0' || *q > '9')
            continue;
        while (*q >= '0' && *q <= '9' && seq < UINT64_MAX / 10)
            seq = seq * 10 + (uint64_t)(*q++ - '0');
        /* the checker writes "#N (time) ..." and "#N time ..." */
        if (*q != ' ' && *q != '\0')
            continue;
        size_t i = scn_view_find_seq(r, seq);
        if (i == r->n_events)
            continue;
        int dup = 0;
        for (size_t k = 0; k < n; k++)
            dup |= out[k] == i;
        if (!dup && n < max)
            out[n++] = i;
    }
    qsort(out, n, sizeof(*out), cmp_size);
    return n;
}

void scn_view_json_str(FILE *f, const char *s, int html_safe) {
    fputc('"', f);
    size_t len = s ? strlen(s) : 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            fputs("\\\"", f);
            i++;
            continue;
        case '\\':
            fputs("\\\\", f);
            i++;
            continue;
        case '\n':
            fputs("\\n", f);
            i++;
            continue;
        case '\r':
            fputs("\\r", f);
            i++;
            continue;
        case '\t':
            fputs("\\t", f);
            i++;
            continue;
        default:
            break;
        }
        if (c < 0x20 || c == 0x7f ||
            (html_safe && (c == '<' || c == '>' || c == '&'))) {
            fprintf(f, "\\u%04x", c);
            i++;
            continue;
        }
        size_t k = scn_utf8_len((const unsigned char *)s + i, len - i);
        if (k == 0) {
            fputs("\\ufffd", f);
            i++;
            continue;
        }
        fwrite(s + i, 1, k, f);
        i += k;
    }
    fputc('"', f);
}

/* ---------------------------------------------------------------- where */

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* NAME of a scenario path: "./" and ".scn" dropped, '/' written '_'. */
static char *flat_name(const char *path) {
    while (strncmp(path, "./", 2) == 0)
        path += 2;
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".scn") == 0)
        n -= 4;
    char *s = sim_malloc(n + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++)
        s[i] = path[i] == '/' ? '_' : path[i];
    s[n] = '\0';
    return s;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int check_one(const char *opt, const char *dest, int *dir,
                     char *const *paths, size_t n, FILE *err) {
    size_t len = strlen(dest);
    if (len == 0) {
        fprintf(err, "csim: %s needs a file or directory name\n", opt);
        return 2;
    }
    *dir = dest[len - 1] == '/' || is_dir(dest);
    if (!*dir) {
        if (n > 1) {
            fprintf(err,
                    "csim: %s FILE takes one scenario (%zu given); give a "
                    "directory (%s DIR/) for one file per scenario\n",
                    opt, n, opt);
            return 2;
        }
        return 0;
    }
    if (!is_dir(dest) && mkdir(dest, 0777) != 0 && errno != EEXIST) {
        fprintf(err, "csim: %s %s: cannot make the directory: %s\n", opt, dest,
                strerror(errno));
        return 2;
    }
    char **names = sim_calloc(n ? n : 1, sizeof(*names));
    int rc = 0;
    if (!names) {
        fprintf(err, "csim: out of memory\n");
        return 2;
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!(names[i] = flat_name(paths[i]))) {
            fprintf(err, "csim: out of memory\n");
            rc = 2;
        }
    if (rc == 0) {
        qsort(names, n, sizeof(*names), cmp_str);
        for (size_t i = 1; i < n; i++)
            if (strcmp(names[i - 1], names[i]) == 0) {
                fprintf(err, "csim: %s %s: two scenarios would both write %s\n",
                        opt, dest, names[i]);
                rc = 2;
                break;
            }
    }
    for (size_t i = 0; i < n; i++)
        sim_free(names[i]);
    sim_free(names);
    return rc;
}

int scn_view_dest_check(scn_view_dest_t *d, char *const *paths, size_t n,
                        FILE *err) {
    if (d->trace_out &&
        check_one("--trace-out", d->trace_out, &d->trace_dir, paths, n, err))
        return 2;
    if (d->html && check_one("--html", d->html, &d->html_dir, paths, n, err))
        return 2;
    return 0;
}

typedef int (*writer_fn)(FILE *f, const scn_view_t *v);

typedef struct view_out {
    writer_fn fn;
    const scn_view_t *v;
} view_out_t;

static int write_view(FILE *f, void *arg)
{
    const view_out_t *w = arg;
    return w->fn(f, w->v);
}

static int write_atomic(const char *dest, int dir, const char *ext,
                        writer_fn fn, const scn_view_t *v, FILE *err) {
    char *target = NULL;
    if (dir) {
        char *name = flat_name(v->path);
        size_t len = strlen(dest);
        int slash = len > 0 && dest[len - 1] == '/';
        size_t need = len + (name ? strlen(name) : 0) + strlen(ext) + 2;
        target = name ? sim_malloc(need) : NULL;
        if (target)
            snprintf(target, need, "%s%s%s%s", dest, slash ? "" : "/", name,
                     ext);
        sim_free(name);
    } else {
        target = sim_alloc_strdup(dest);
    }
    if (!target) {
        fprintf(err, "csim: out of memory\n");
        return -1;
    }
    view_out_t w = {fn, v};
    int rc = scn_write_file_atomic(target, write_view, &w);
    if (rc == SCN_ENOMEM)
        fprintf(err, "csim: out of memory\n");
    else if (rc < 0)
        fprintf(err, "csim: cannot write %s: %s\n", target, strerror(errno));
    sim_free(target);
    return rc < 0 ? -1 : 0;
}

/* Built in a fixed buffer, as flat_name would: this runs when allocation
 * has failed. */
static void unlink_view(const char *dest, int dir, const char *ext,
                        const char *path) {
    char target[4096];
    if (!dir) {
        unlink(dest);
        return;
    }
    while (strncmp(path, "./", 2) == 0)
        path += 2;
    size_t n = strlen(path), len = strlen(dest);
    if (n > 4 && strcmp(path + n - 4, ".scn") == 0)
        n -= 4;
    int slash = len > 0 && dest[len - 1] == '/';
    int w = snprintf(target, sizeof(target), "%s%s%.*s%s", dest,
                     slash ? "" : "/", (int)n, path, ext);
    if (w < 0 || (size_t)w >= sizeof(target))
        return;
    for (char *c = target + len + !slash; c < target + w - strlen(ext); c++)
        if (*c == '/')
            *c = '_';
    unlink(target);
}

void scn_view_unemit(const scn_view_dest_t *d, const char *path) {
    if (d->trace_out)
        unlink_view(d->trace_out, d->trace_dir, ".trace.json", path);
    if (d->html)
        unlink_view(d->html, d->html_dir, ".html", path);
}

int scn_view_emit(const scn_view_dest_t *d, const scn_view_t *v, FILE *err) {
    int rc = 0;
    if (d->trace_out && write_atomic(d->trace_out, d->trace_dir, ".trace.json",
                                     scn_perfetto_write, v, err) < 0)
        rc = -1;
    if (d->html &&
        write_atomic(d->html, d->html_dir, ".html", scn_html_write, v, err) < 0)
        rc = -1;
    return rc;
}

/* ---------------------------------------------------------------- critical */

static int is_lifecycle(const char *k) {
    return strcmp(k, "call") == 0 || strcmp(k, "log") == 0 ||
           strcmp(k, "state") == 0 || strcmp(k, "worker") == 0 ||
           strcmp(k, "step") == 0;
}

void scn_view_find_critical(scn_view_t *v, const scn_model_t *m,
                            const char *bytes, size_t n_bytes,
                            const scn_token_t *t, char *text, size_t n) {
    if (!v->v || v->v->kind == SCN_PASS || n == 0)
        return;
    xp_opts_t o;
    xp_opts_default(&o);
    o.strategy = XP_FIFO;
    o.choices = t->mask;
    o.variant = t->variant;
    xp_explorer_t *x = NULL;
    if (xp_explorer_new(m, bytes, n_bytes, &o, &x) < 0)
        return;
    xp_critical_t cp;
    if (xp_critical(x, v->r, &cp) == 0 && cp.text[0]) {
        const scn_result_t *r = v->r;
        snprintf(text, n, "%s", cp.text);
        v->critical = text;
        v->critical_at[0] = cp.fail_at;
        v->critical_at[1] = r->n_events;
        if (cp.fail_at < r->n_events && cp.pass &&
            cp.pass_at < cp.pass->n_events) {
            const scn_event_t *b = &cp.pass->events[cp.pass_at];
            for (size_t i = cp.fail_at + 1; i < r->n_events; i++) {
                const scn_event_t *e = &r->events[i];
                if (is_lifecycle(e->kind) && strcmp(e->kind, b->kind) == 0 &&
                    strcmp(e->subject, b->subject) == 0 &&
                    strcmp(e->detail, b->detail) == 0) {
                    v->critical_at[1] = i;
                    break;
                }
            }
        }
    }
    xp_critical_free(&cp);
    xp_explorer_free(x);
}

int scn_view_emit_token(const scn_view_dest_t *d, const char *path,
                        const scn_model_t *m, const char *bytes, size_t n_bytes,
                        const char *token, FILE *err) {
    scn_token_t t;
    char msg[512];
    if (scn_token_parse(token, &t, msg, sizeof(msg)) < 0) {
        fprintf(err, "csim: bad replay token: %s\n", msg);
        return -1;
    }
    scn_result_t *r = NULL;
    scn_verdict_t verdict;
    int drifted = 0;
    int rc = xp_replay(m, bytes, n_bytes, &t, 0, &drifted, &r, &verdict);
    if (rc < 0) {
        fprintf(err, "csim: cannot replay %s for its trace views: %s\n", token,
                scn_strerror(rc));
        scn_token_free(&t);
        return -1;
    }
    scn_view_t v;
    char crit[512];
    scn_view_init(&v, path, m, r, &verdict);
    v.token = token;
    scn_view_find_critical(&v, m, bytes, n_bytes, &t, crit, sizeof(crit));
    rc = scn_view_emit(d, &v, err);
    scn_verdict_free(&verdict);
    scn_result_free(r);
    scn_token_free(&t);
    return rc;
}
