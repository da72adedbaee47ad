/*
 * scn_explore_cli.c - the exploration commands: `csim explore`, `csim
 * replay`, `csim merge` and the hidden `csim explore-worker` (protocol in
 * scn_explore.h).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "scn_explore.h"

static const char usage_explore[] =
    "usage: csim explore FILE [options]\n"
    "\n"
    "Run one scenario under many schedules; every failure prints one\n"
    "`csim replay TOKEN` line after shrinking it.\n"
    "\n"
    "options:\n"
    "  --runs N              schedules to run (default 1000)\n"
    "  --strategy S          portfolio (default), random, pct, dfs, fifo\n"
    "  --seed N              base seed (default 0)\n"
    "  --depth d             pct depth (default 3)\n"
    "  --preemptions c|inf   dfs preemption bound (default 2)\n"
    "  --choices LIST        explorable choices: ready,wake,ext,tie,early, all\n"
    "                        (default: the scenario's `explore` line, else\n"
    "                        ready,wake,ext,tie)\n"
    "  --until first|all     stop at the first failure (default) or collect all\n"
    "  --shard K/N           run only shard K of N\n"
    "  --jobs J              worker processes (default 1: in-process)\n"
    "  --timeout-ms T        wall-clock limit per run (worker processes only)\n"
    "  --verify              run every schedule twice, compare trace hashes\n"
    "  --no-shrink           print failures unshrunk\n"
    "  --out FILE            write a JSON result file (for `csim merge`)\n"
    "  --trace               print each failure's (shrunk) trace\n"
    "\n"
    "exit status: 0 no failure, 1 a failure (or a --verify mismatch), 2 usage\n"
    "or scenario file error\n";

static const char usage_replay[] =
    "usage: csim replay TOKEN [FILE] [--trace] [--continue random]\n"
    "\n"
    "Re-run the schedule a token names and print its verdict.  Without FILE\n"
    "the first *.scn below the current directory (sorted) whose content hash\n"
    "matches is used.  A token made for a different version of FILE is\n"
    "refused unless --continue random: then the recorded prefix is replayed as\n"
    "far as it applies and the run finishes under a seeded random scheduler.\n";

static const char usage_merge[] =
    "usage: csim merge RESULT.json...\n"
    "\n"
    "Combine `csim explore --out` result files (shards) into one summary.\n";

static int parse_u64(const char *s, uint64_t *out)
{
    if (!*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int usage(const char *u, const char *fmt, const char *arg)
{
    fprintf(stderr, "csim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", u);
    return 2;
}

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    while (s) {
        size_t r = fread(s + len, 1, cap - len - 1, f);
        len += r;
        if (r == 0)
            break;
        if (len + 1 == cap) {
            char *ns = realloc(s, cap * 2);
            if (!ns) {
                free(s);
                s = NULL;
                break;
            }
            s = ns;
            cap *= 2;
        }
    }
    fclose(f);
    if (s) {
        s[len] = '\0';
        *n = len;
    }
    return s;
}

/* The scenario: bytes (for the hash) and model.  2 on failure (printed). */
static int load(const char *path, char **bytes, size_t *n, scn_model_t **m)
{
    *bytes = read_all(path, n);
    if (!*bytes) {
        fprintf(stderr, "csim: %s: %s\n", path, strerror(errno));
        return 2;
    }
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    if (scn_parse(path, *bytes, *n, m, &d) < 0) {
        scn_reporter_t rp = {.out = stdout, .err = stderr};
        scn_report_diag(&rp, &d);
        free(*bytes);
        *bytes = NULL;
        return 2;
    }
    return 0;
}

typedef struct cli {
    xp_opts_t o;
    const char *file;
    uint64_t first, count;
    int has_first, has_count;
    const char *shrink;
} cli_t;

static int parse_opts(int argc, char **argv, cli_t *c, int worker)
{
    xp_opts_default(&c->o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_explore, stdout);
            return 0;
        } else if (!strcmp(a, "--verify")) {
            c->o.verify = 1;
        } else if (!strcmp(a, "--trace")) {
            c->o.trace = 1;
        } else if (!strcmp(a, "--no-shrink")) {
            c->o.shrink = 0;
        } else if (a[0] == '-' && a[1] == '-') {
            if (!v)
                return usage(usage_explore, "option %s needs a value", a);
            i++;
            uint64_t u = 0;
            if (!strcmp(a, "--runs") || !strcmp(a, "--seed") ||
                !strcmp(a, "--depth") || !strcmp(a, "--jobs") ||
                !strcmp(a, "--timeout-ms") || (worker && (!strcmp(a, "--first") ||
                                                          !strcmp(a, "--count")))) {
                if (parse_u64(v, &u) < 0)
                    return usage(usage_explore, "bad number '%s'", v);
                if (!strcmp(a, "--runs"))
                    c->o.runs = u;
                else if (!strcmp(a, "--seed"))
                    c->o.seed = u;
                else if (!strcmp(a, "--depth")) {
                    if (u < 1 || u > XP_PCT_MAX_DEPTH)
                        return usage(usage_explore, "--depth must be 1..16, not %s", v);
                    c->o.depth = (unsigned)u;
                } else if (!strcmp(a, "--jobs")) {
                    if (u < 1)
                        return usage(usage_explore, "--jobs must be >= 1, not %s", v);
                    c->o.jobs = (int)u;
                } else if (!strcmp(a, "--timeout-ms"))
                    c->o.timeout_ms = u;
                else if (!strcmp(a, "--first")) {
                    c->first = u;
                    c->has_first = 1;
                } else {
                    c->count = u;
                    c->has_count = 1;
                }
            } else if (!strcmp(a, "--strategy")) {
                if (xp_strategy_parse(v, &c->o.strategy) < 0)
                    return usage(usage_explore,
                                 "unknown strategy '%s' (portfolio, random, pct, "
                                 "dfs, fifo)", v);
            } else if (!strcmp(a, "--preemptions")) {
                if (!strcmp(v, "inf") || !strcmp(v, "-1"))
                    c->o.preemptions = -1;
                else if (parse_u64(v, &u) < 0 || u > 1000000)
                    return usage(usage_explore, "bad preemption bound '%s'", v);
                else
                    c->o.preemptions = (long)u;
            } else if (!strcmp(a, "--choices")) {
                if (scn_choices_parse(v, &c->o.choices) < 0)
                    return usage(usage_explore,
                                 "bad --choices '%s' (ready,wake,ext,tie,early or all)",
                                 v);
            } else if (!strcmp(a, "--until")) {
                if (!strcmp(v, "first"))
                    c->o.until_all = 0;
                else if (!strcmp(v, "all"))
                    c->o.until_all = 1;
                else
                    return usage(usage_explore, "--until is first or all, not '%s'", v);
            } else if (!strcmp(a, "--shard")) {
                unsigned k = 0, n = 0;
                char tail;
                if (sscanf(v, "%u/%u%c", &k, &n, &tail) != 2 || n < 1 || k < 1 ||
                    k > n)
                    return usage(usage_explore, "bad --shard '%s' (K/N, 1 <= K <= N)", v);
                c->o.shard_k = k;
                c->o.shard_n = n;
            } else if (!strcmp(a, "--out")) {
                c->o.out = v;
            } else if (worker && !strcmp(a, "--shrink")) {
                c->shrink = v;
            } else {
                return usage(usage_explore, "unknown option '%s'", a);
            }
        } else if (!c->file) {
            c->file = a;
        } else {
            return usage(usage_explore, "unexpected argument '%s' (one FILE)", a);
        }
    }
    if (!c->file)
        return usage(usage_explore, "%s", "no scenario FILE given");
    return -1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *verdict_name(scn_verdict_kind_t k)
{
    return k == SCN_PASS ? "PASS" : k == SCN_FAIL ? "FAIL" : k == SCN_HUNG ? "HUNG" : "ERROR";
}

/* The trace of a token's replay, through the reporter (as `csim replay
 * --trace` prints it). */
static void print_replay(const scn_model_t *m, const char *bytes, size_t n,
                         const char *token, int trace, int verdict)
{
    scn_token_t t;
    char msg[128];
    if (scn_token_parse(token, &t, msg, sizeof(msg)) < 0)
        return;
    scn_result_t *r = NULL;
    scn_verdict_t v;
    int drifted = 0;
    if (xp_replay(m, bytes, n, &t, 0, &drifted, &r, &v) == 0) {
        scn_reporter_t rp = {.out = stdout, .err = stderr, .trace = trace};
        if (verdict || trace)
            scn_report_result(&rp, m->path, m, r, &v);
        scn_verdict_free(&v);
        scn_result_free(r);
    }
    scn_token_free(&t);
}

int scn_cmd_explore(int argc, char **argv)
{
    cli_t c;
    memset(&c, 0, sizeof(c));
    int rc = parse_opts(argc, argv, &c, 0);
    if (rc >= 0)
        return rc;
    /* --jobs > 1 belongs to the worker supervisor (scn_workers.c); until it
     * is linked in, everything runs in this process. */
    if (c.o.jobs > 1)
        fprintf(stderr, "csim: note: --jobs %d: worker processes are not "
                        "available in this build; running in-process\n",
                c.o.jobs);
    char *bytes;
    size_t nb;
    scn_model_t *m;
    if (load(c.file, &bytes, &nb, &m))
        return 2;
    xp_explorer_t *x = NULL;
    rc = xp_explorer_new(m, bytes, nb, &c.o, &x);
    if (rc < 0) {
        fprintf(stderr, "csim: %s: %s\n", c.file, scn_strerror(rc));
        scn_model_free(m);
        free(bytes);
        return 2;
    }
    char mask[64];
    scn_choices_format(c.o.choices ? c.o.choices
                       : m->explore_choices ? m->explore_choices
                                            : SIM_CHOICES_DEFAULT,
                       mask, sizeof(mask));
    printf("exploring %s: strategy %s, seed %" PRIu64 ", choices %s", c.file,
           xp_strategy_name(c.o.strategy), c.o.seed, mask);
    if (c.o.strategy == XP_DFS) {
        if (c.o.preemptions < 0)
            printf(", no preemption bound");
        else
            printf(", preemption bound %ld", c.o.preemptions);
    }
    if (c.o.shard_n > 1)
        printf(", shard %u/%u", c.o.shard_k, c.o.shard_n);
    printf("\n");
    xp_totals_t tot;
    memset(&tot, 0, sizeof(tot));
    int status = 0, verify_bad = 0;
    double t0 = now_s();
    uint64_t done = 0;
    for (uint64_t i = 0; i < c.o.runs; i++) {
        if (c.o.strategy != XP_DFS && c.o.shard_n > 1 &&
            i % c.o.shard_n != c.o.shard_k - 1)
            continue;
        xp_run_t r;
        rc = xp_explorer_run(x, i, &r);
        if (rc == 1)
            break;
        if (rc < 0) {
            fprintf(stderr, "csim: run %" PRIu64 ": %s\n", i, scn_strerror(rc));
            status = 2;
            break;
        }
        done++;
        tot.runs++;
        tot.decisions += r.decisions;
        xp_totals_add_schedule(&tot, r.schedule);
        if (r.verify_failed) {
            verify_bad++;
            printf("VERIFY run %" PRIu64 ": replaying the schedule gave a "
                   "different trace; %s\n  token: %s\n",
                   i, r.verify_msg, r.token);
        }
        if (r.verdict != SCN_PASS) {
            xp_failure_t f;
            memset(&f, 0, sizeof(f));
            f.run = i;
            snprintf(f.verdict, sizeof(f.verdict), "%s", verdict_name(r.verdict));
            snprintf(f.expectation, sizeof(f.expectation), "%s", r.expectation);
            printf("%s run %" PRIu64 ": %s \xe2\x80\x94 %s\n", f.verdict, i,
                   r.expectation, r.why);
            const char *token = r.token;
            xp_shrunk_t s;
            if (c.o.shrink && xp_shrink(x, &r, &s) >= 0 && s.verdict != SCN_PASS) {
                printf("  shrunk: %zu preemption%s (from %zu)", s.preemptions,
                       s.preemptions == 1 ? "" : "s", s.from_preemptions);
                if (strcmp(s.expectation, r.expectation) != 0)
                    printf(", fails %s", s.expectation);
                printf("\n");
                if (s.critical[0])
                    printf("  critical pair: %s\n", s.critical);
                token = s.token;
            }
            snprintf(f.token, sizeof(f.token), "%s", token);
            printf("csim replay %s\n", token);
            if (c.o.trace)
                print_replay(m, bytes, nb, token, 1, 0);
            xp_totals_add_failure(&tot, &f);
            status = 1;
        }
        xp_run_free(&r);
        if (status == 1 && !c.o.until_all)
            break;
    }
    tot.seconds = now_s() - t0;
    tot.exhausted = xp_explorer_exhausted(x);
    if (c.o.strategy == XP_DFS) {
        if (tot.exhausted)
            printf("dfs: space exhausted after %zu distinct schedules\n",
                   xp_totals_distinct(&tot));
        else
            printf("dfs: space not exhausted (stopped after %" PRIu64 " runs)\n",
                   done);
    }
    if (verify_bad)
        printf("verify: %d run%s replayed differently\n", verify_bad,
               verify_bad == 1 ? "" : "s");
    else if (c.o.verify)
        printf("verify: every replay gave the same trace\n");
    xp_totals_print(&tot, stdout);
    if (c.o.out && xp_totals_write(&tot, c.o.out, c.file, &c.o) < 0) {
        fprintf(stderr, "csim: cannot write %s: %s\n", c.o.out, strerror(errno));
        status = 2;
    }
    if (verify_bad && status == 0)
        status = 1;
    fflush(stdout);
    xp_totals_free(&tot);
    xp_explorer_free(x);
    scn_model_free(m);
    free(bytes);
    return status;
}

static void jstr(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

int scn_cmd_explore_worker(int argc, char **argv)
{
    cli_t c;
    memset(&c, 0, sizeof(c));
    int rc = parse_opts(argc, argv, &c, 1);
    if (rc >= 0)
        return rc;
    if (!c.shrink && (!c.has_first || !c.has_count))
        return usage(usage_explore, "%s", "explore-worker needs --first I --count K "
                                          "(or --shrink TOKEN)");
    char *bytes;
    size_t nb;
    scn_model_t *m;
    if (load(c.file, &bytes, &nb, &m))
        return 2;
    xp_explorer_t *x = NULL;
    rc = xp_explorer_new(m, bytes, nb, &c.o, &x);
    if (rc < 0) {
        fprintf(stderr, "csim: %s: %s\n", c.file, scn_strerror(rc));
        scn_model_free(m);
        free(bytes);
        return 2;
    }
    int status = 0;
    if (c.shrink) {
        scn_token_t t;
        char msg[128];
        scn_result_t *res = NULL;
        scn_verdict_t v;
        int drifted = 0;
        if (scn_token_parse(c.shrink, &t, msg, sizeof(msg)) < 0) {
            fprintf(stderr, "csim: bad token: %s\n", msg);
            status = 2;
        } else if (xp_replay(m, bytes, nb, &t, 0, &drifted, &res, &v) < 0) {
            fprintf(stderr, "csim: the token does not replay against %s\n", c.file);
            status = 2;
        } else {
            xp_run_t r;
            memset(&r, 0, sizeof(r));
            r.verdict = v.kind;
            snprintf(r.token, sizeof(r.token), "%s", c.shrink);
            r.n_choices = res->n_choices;
            r.choices = malloc((r.n_choices ? r.n_choices : 1) * sizeof(*r.choices));
            if (r.choices && r.n_choices)
                memcpy(r.choices, res->choices, r.n_choices * sizeof(*r.choices));
            xp_shrunk_t s;
            if (r.choices && xp_shrink(x, &r, &s) >= 0) {
                printf("{\"type\":\"shrunk\",\"token\":\"%s\",\"critical\":", s.token);
                jstr(s.critical);
                printf(",\"preemptions\":%zu,\"verdict\":\"%s\",\"expectation\":",
                       s.preemptions, verdict_name(s.verdict));
                jstr(s.expectation);
                printf("}\n");
            } else {
                status = 2;
            }
            xp_run_free(&r);
            scn_verdict_free(&v);
            scn_result_free(res);
        }
        scn_token_free(&t);
    } else {
        uint64_t ran = 0;
        int exhausted = 0;
        for (uint64_t i = 0; c.o.strategy == XP_DFS && i < c.first; i++) {
            xp_run_t r;
            rc = xp_explorer_run(x, i, &r);
            if (rc != 0) {
                exhausted = rc == 1;
                break;
            }
            xp_run_free(&r);
        }
        for (uint64_t i = c.first; !exhausted && i < c.first + c.count; i++) {
            char gen[SCN_TOKEN_MAX + 1];
            xp_explorer_gen_token(x, i, gen, sizeof(gen));
            printf("{\"type\":\"start\",\"run\":%" PRIu64 ",\"token\":\"%s\"}\n", i,
                   gen);
            fflush(stdout);
            xp_run_t r;
            rc = xp_explorer_run(x, i, &r);
            if (rc == 1) {
                exhausted = 1;
                break;
            }
            if (rc < 0) {
                fprintf(stderr, "csim: run %" PRIu64 ": %s\n", i, scn_strerror(rc));
                status = 2;
                break;
            }
            ran++;
            printf("{\"type\":\"run\",\"run\":%" PRIu64 ",\"verdict\":\"%s\","
                   "\"schedule\":\"%016" PRIx64 "\",\"decisions\":%" PRIu64
                   ",\"steps\":%" PRIu64 ",\"token\":\"%s\",\"expectation\":",
                   i, verdict_name(r.verdict), r.schedule, r.decisions, r.steps,
                   r.token);
            jstr(r.expectation);
            printf(",\"why\":");
            jstr(r.why);
            printf("}\n");
            fflush(stdout);
            xp_run_free(&r);
        }
        if (status == 0) {
            printf("{\"type\":\"done\",\"runs\":%" PRIu64 ",\"exhausted\":%s}\n", ran,
                   exhausted ? "true" : "false");
            fflush(stdout);
        }
    }
    xp_explorer_free(x);
    scn_model_free(m);
    free(bytes);
    return status;
}

/* ---------------------------------------------------------------- replay */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first *.scn below dir (sorted, depth-first) whose content hash is h. */
static char *find_by_hash(const char *dir, uint64_t h)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn)
                break;
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    char *found = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!found) {
            size_t len = strlen(dir) + strlen(names[i]) + 2;
            char *full = malloc(len);
            if (full) {
                if (strcmp(dir, ".") == 0)
                    snprintf(full, len, "%s", names[i]);
                else
                    snprintf(full, len, "%s/%s", dir, names[i]);
                struct stat st;
                size_t k = strlen(names[i]);
                if (stat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
                    found = find_by_hash(full, h);
                } else if (k > 4 && strcmp(names[i] + k - 4, ".scn") == 0) {
                    size_t nb = 0;
                    char *b = read_all(full, &nb);
                    if (b && scn_content_hash(b, nb) == h) {
                        found = full;
                        full = NULL;
                    }
                    free(b);
                }
                free(full);
            }
        }
        free(names[i]);
    }
    free(names);
    return found;
}

int scn_cmd_replay(int argc, char **argv)
{
    const char *token = NULL, *file = NULL;
    int trace = 0, cont = 0, json = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_replay, stdout);
            return 0;
        } else if (!strcmp(a, "--trace")) {
            trace = 1;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--continue")) {
            if (i + 1 >= argc || strcmp(argv[i + 1], "random") != 0)
                return usage(usage_replay, "%s", "--continue takes 'random'");
            cont = 1;
            i++;
        } else if (a[0] == '-' && a[1] == '-') {
            return usage(usage_replay, "unknown option '%s'", a);
        } else if (!token) {
            token = a;
        } else if (!file) {
            file = a;
        } else {
            return usage(usage_replay, "unexpected argument '%s'", a);
        }
    }
    if (!token)
        return usage(usage_replay, "%s", "no TOKEN given");
    scn_token_t t;
    char msg[128];
    if (scn_token_parse(token, &t, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "csim: bad replay token: %s\n", msg);
        return 2;
    }
    char *found = NULL;
    if (!file) {
        found = find_by_hash(".", t.hash);
        if (!found) {
            fprintf(stderr, "csim: no *.scn below the current directory has the "
                            "token's content hash; name the FILE\n");
            scn_token_free(&t);
            return 2;
        }
        fprintf(stderr, "csim: replaying against %s (its content hash matches "
                        "the token)\n", found);
        file = found;
    }
    char *bytes;
    size_t nb;
    scn_model_t *m;
    if (load(file, &bytes, &nb, &m)) {
        free(found);
        scn_token_free(&t);
        return 2;
    }
    scn_result_t *r = NULL;
    scn_verdict_t v;
    int drifted = 0, status;
    int rc = xp_replay(m, bytes, nb, &t, cont, &drifted, &r, &v);
    uint64_t fh = scn_content_hash(bytes, nb);
    if (rc == SCN_EIO && drifted) {
        fprintf(stderr,
                "csim: %s has changed since the token was made (content hash "
                "%012" PRIx64 ", the token's %012" PRIx64 "); refusing to replay.\n"
                "      `--continue random` replays the recorded prefix as far "
                "as it applies and finishes under a seeded random scheduler\n",
                file, fh, t.hash);
        status = 2;
    } else if (rc < 0) {
        fprintf(stderr, "csim: replay failed: %s\n", scn_strerror(rc));
        status = 2;
    } else {
        if (drifted)
            fprintf(stderr,
                    "csim: note: %s has changed since the token was made; "
                    "replayed the recorded prefix (%zu choices, clamped where "
                    "they no longer fit) and finished under random seed %" PRIu64
                    "\n",
                    file, t.n_answers, t.seed);
        scn_reporter_t rp = {.out = stdout, .err = stderr, .trace = trace,
                             .json = json};
        scn_report_result(&rp, file, m, r, &v);
        status = v.kind == SCN_PASS ? 0 : 1;
        scn_verdict_free(&v);
        scn_result_free(r);
    }
    fflush(stdout);
    scn_model_free(m);
    free(bytes);
    free(found);
    scn_token_free(&t);
    return status;
}

int scn_cmd_merge(int argc, char **argv)
{
    if (argc == 0)
        return usage(usage_merge, "%s", "no result files given");
    if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        fputs(usage_merge, stdout);
        return 0;
    }
    xp_totals_t tot;
    memset(&tot, 0, sizeof(tot));
    for (int i = 0; i < argc; i++) {
        char msg[600];
        if (xp_totals_read(&tot, argv[i], msg, sizeof(msg)) < 0) {
            fprintf(stderr, "csim: %s\n", msg);
            xp_totals_free(&tot);
            return 2;
        }
    }
    for (size_t i = 0; i < tot.n_failures; i++) {
        const xp_failure_t *f = &tot.failures[i];
        printf("%s run %" PRIu64 ": %s\ncsim replay %s\n", f->verdict, f->run,
               f->expectation, f->token);
    }
    if (tot.exhausted)
        printf("dfs: space exhausted after %zu distinct schedules\n",
               xp_totals_distinct(&tot));
    xp_totals_print(&tot, stdout);
    int status = tot.n_failures ? 1 : 0;
    xp_totals_free(&tot);
    return status;
}
