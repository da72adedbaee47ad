/*
 * main.c - the csim command line as a function, scn_main (csim_main.c
 * calls it; tests call it in-process): `csim run PATH...` parses every scenario
 * file first (any error: nothing runs, exit 2), then runs each one and
 * prints its verdict through the reporter.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scn_text.h"
#include "scn.h"
#include "scn_explore.h"
#include "scn_view.h"
#include "scn_junit.h"
#include "scn_walk.h"
#include "scn_serve.h"
#include "sim_alloc.h"

#define CSIM_VERSION "0.1.0"

static const char usage_main[] =
    "usage: csim [--help] [--version] COMMAND ...\n"
    "\n"
    "commands:\n"
    "  run PATH...      run scenario files (folders: every *.scn inside, sorted)\n"
    "  explore FILE     run one scenario under many schedules\n"
    "  replay TOKEN     re-run the schedule a replay token names\n"
    "  merge FILE...    combine `explore --out` result files\n"
    "  diff A [B]       the first event where two runs (tokens or traces) part\n"
    "  variants PATH... explore scenarios under every container variant:\n"
    "                   a pass/FAIL matrix per scenario and preset\n"
    "  serve FILE       host a scenario file's services in real time (timer\n"
    "                   and tcp entrypoints; Ctrl-C stops, a second kills)\n"
    "\n"
    "run, explore and variants take --variant (a container preset, e.g. v1.5.0,\n"
    "current, hardened); `csim COMMAND --help` for each command's options; the\n"
    "scenario language is described in scenarios/README.md.\n";

static const char usage_run[] =
    "usage: csim run [options] PATH...\n"
    "\n"
    "Run scenario files; a folder means every *.scn below it, in sorted order.\n"
    "Every file is parsed first: if any has an error, nothing runs.\n"
    "\n"
    "options:\n"
    "  --strategy fifo|random   scheduling strategy (default fifo)\n"
    "  --seed N                 seed for the random strategy (default 0)\n"
    "  --variant NAME           container preset in place of each file's\n"
    "                           `variant` line (its switch overrides still\n"
    "                           apply); verdict lines name any variant but\n"
    "                           plain current: PASS  FILE [v1.5.0]  (N events)\n"
    "  --trace                  print each scenario's trace\n"
    "  --json                   JSON Lines output\n"
    "  --hash                   print a 64-bit FNV-1a hash of each trace\n"
    "  --realtime               run on a libuv world in real time instead of\n"
    "                           the virtual clock (fifo only)\n"
    "  --trace-out FILE|DIR/    write each run as Chrome trace event JSON\n"
    "                           (Perfetto); several scenarios need a DIR/\n"
    "  --html FILE|DIR/         write each run as a self-contained HTML\n"
    "                           timeline; several scenarios need a DIR/\n"
    "  --junit FILE             also write JUnit XML: one testcase per file\n"
    "  -h, --help               this help\n"
    "\n"
    "exit status: 0 all passed, 1 a scenario failed or hung, 2 usage or\n"
    "scenario file error, or an error running it (out of memory, an output\n"
    "file that cannot be written); out of memory leaves none of the output\n"
    "files named above\n";

typedef struct paths {
    char **v;
    size_t n, cap;
} paths_t;

static int paths_add(paths_t *p, const char *s)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **nv = sim_realloc(p->v, cap * sizeof(*nv));
        if (!nv)
            return -1;
        p->v = nv;
        p->cap = cap;
    }
    p->v[p->n] = sim_alloc_strdup(s);
    if (!p->v[p->n])
        return -1;
    p->n++;
    return 0;
}

static void paths_free(paths_t *p)
{
    for (size_t i = 0; i < p->n; i++)
        sim_free(p->v[i]);
    sim_free(p->v);
}

static int collect_one(const char *path, unsigned depth, void *arg)
{
    (void)depth;
    return paths_add(arg, path) < 0 ? -1 : 0;
}

/* Every *.scn below dir (scn_walk.h: byte order, symlinked directories
 * not followed, symlinked *.scn files taken). */
static int collect_dir(scn_reporter_t *rp, const char *dir, paths_t *out)
{
    char msg[512];
    int rc = scn_walk(dir, NULL, collect_one, out, msg, sizeof(msg));
    if (rc < 0) {
        scn_report_message(rp, rp->err, "csim: %s\n",
                           msg[0] ? msg : "out of memory");
        return -1;
    }
    return 0;
}

static int usage_error(scn_reporter_t *rp, const char *fmt, const char *arg)
{
    scn_report_message(rp, rp->err, "csim: ");
    scn_report_message(rp, rp->err, fmt, arg);
    scn_report_message(rp, rp->err, "\n%s", usage_run);
    return 2;
}

static int cmd_run(scn_reporter_t *rp, int argc, char **argv)
{
    scn_run_opts_t opts = {.strategy = SIM_STRATEGY_FIFO, .seed = 0};
    paths_t args = {0}, files = {0};
    int status = 0;
    unsigned long failures0 = sim_alloc_failures();
    scn_view_dest_t views = {0}; /* --trace-out, --html */
    const char *junit = NULL; /* --junit FILE */
    scn_junit_t ju = {0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            scn_report_message(rp, rp->out, "%s", usage_run);
            paths_free(&args);
            return 0;
        } else if (strcmp(a, "--trace") == 0) {
            rp->trace = 1;
        } else if (strcmp(a, "--json") == 0) {
            rp->json = 1;
        } else if (strcmp(a, "--hash") == 0) {
            rp->hash = 1;
        } else if (strcmp(a, "--realtime") == 0) {
            opts.realtime = 1;
        } else if (strcmp(a, "--trace-out") == 0 || strcmp(a, "--html") == 0) {
            if (i + 1 >= argc) {
                paths_free(&args);
                return usage_error(rp, "option %s needs a value", a);
            }
            *(a[2] == 't' ? &views.trace_out : &views.html) = argv[++i];
        } else if (strcmp(a, "--junit") == 0) {
            if (i + 1 >= argc) {
                paths_free(&args);
                return usage_error(rp, "option %s needs a value", a);
            }
            junit = argv[++i];
        } else if (strcmp(a, "--variant") == 0) {
            if (i + 1 >= argc) {
                paths_free(&args);
                return usage_error(rp, "option %s needs a value", a);
            }
            const char *val = argv[++i];
            if (scn_preset_check(val, rp->err) < 0) {
                paths_free(&args);
                return 2;
            }
            opts.variant = val;
        } else if (strcmp(a, "--strategy") == 0 || strcmp(a, "--seed") == 0) {
            if (i + 1 >= argc) {
                paths_free(&args);
                return usage_error(rp, "option %s needs a value", a);
            }
            const char *val = argv[++i];
            if (a[2] == 's' && a[3] == 't') {
                if (strcmp(val, "fifo") == 0)
                    opts.strategy = SIM_STRATEGY_FIFO;
                else if (strcmp(val, "random") == 0)
                    opts.strategy = SIM_STRATEGY_RANDOM;
                else {
                    paths_free(&args);
                    return usage_error(rp,
                                       "unknown strategy '%s' (fifo or random)",
                                       val);
                }
            } else if (scn_parse_u64(val, &opts.seed) < 0) {
                paths_free(&args);
                return usage_error(rp, "bad seed '%s' (a non-negative integer)",
                                   val);
            }
        } else if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                if (paths_add(&args, argv[i]) < 0)
                    goto oom;
        } else if (a[0] == '-' && a[1]) {
            paths_free(&args);
            return usage_error(rp, "unknown option '%s'", a);
        } else if (paths_add(&args, a) < 0) {
            goto oom;
        }
    }
    if (args.n == 0) {
        paths_free(&args);
        return usage_error(rp, "%s", "no scenario PATH given");
    }
    if (opts.realtime && opts.strategy != SIM_STRATEGY_FIFO) {
        paths_free(&args);
        return usage_error(rp, "%s", "--realtime runs the fifo schedule only "
                                     "(no --strategy random)");
    }
    for (size_t i = 0; i < args.n; i++) {
        struct stat st;
        if (stat(args.v[i], &st) != 0) {
            scn_report_message(rp, rp->err, "csim: %s: %s\n", args.v[i],
                               strerror(errno));
            status = 2;
        } else if (S_ISDIR(st.st_mode)) {
            if (collect_dir(rp, args.v[i], &files) < 0)
                status = 2;
        } else if (paths_add(&files, args.v[i]) < 0) {
            goto oom;
        }
    }
    if (status == 0 && files.n == 0) {
        /* Only folders can come up empty: a file named is always taken. */
        scn_report_message(rp, rp->err, "csim: no scenario files (*.scn) found in ");
        for (size_t i = 0; i < args.n; i++)
            scn_report_message(rp, rp->err, "%s%s", i ? ", " : "", args.v[i]);
        scn_report_message(rp, rp->err, "\n");
        status = 2;
    }
    if (status == 0 && scn_view_dest_check(&views, files.v, files.n, rp->err))
        status = 2;
    if (status != 0) {
        paths_free(&args);
        paths_free(&files);
        return status;
    }

    /* Parse everything first: a scenario error means nothing runs. */
    scn_model_t **models = sim_calloc(files.n, sizeof(*models));
    if (!models || (junit && scn_junit_run_init(&ju, files.v, files.n) < 0)) {
        sim_free(models);
        goto oom;
    }
    size_t bad = 0;
    for (size_t i = 0; i < files.n; i++) {
        scn_diag_t d;
        memset(&d, 0, sizeof(d));
        int rc = scn_parse_file(files.v[i], &models[i], &d);
        if (rc < 0) {
            scn_report_diag(rp, &d);
            bad++;
            if (junit)
                scn_junit_run_diag(&ju, i, &d);
        } else {
            scn_report_warnings(rp, models[i]);
        }
    }
    if (bad) {
        scn_report_message(rp, rp->err,
                           "csim: %zu scenario file%s with errors; nothing was run\n",
                           bad, bad == 1 ? "" : "s");
        status = 2;
    } else {
        for (size_t i = 0; i < files.n; i++) {
            scn_result_t *r = NULL;
            double t0 = scn_junit_now();
            unsigned long failures_run = sim_alloc_failures();
            int rc = scn_run(models[i], &opts, &r);
            if (rc < 0) {
                scn_report_message(rp, rp->err, "ERROR %s: %s\n", files.v[i],
                                   scn_strerror(rc));
                rp->errors++;
                status = 2;
                if (junit)
                    scn_junit_run_error(&ju, i, files.v[i], scn_strerror(rc));
                continue;
            }
            scn_verdict_t v;
            rc = scn_check(models[i], r, &v);
            if (rc == 0 && sim_alloc_failures() != failures_run) {
                /* Something of the run or its check went without memory:
                 * its verdict may be a damaged world's, never printed. */
                scn_verdict_free(&v);
                rc = SCN_ENOMEM;
            }
            if (rc < 0) {
                scn_report_message(rp, rp->err, "ERROR %s: %s\n", files.v[i],
                                   scn_strerror(rc));
                rp->errors++;
                status = 2;
                if (junit)
                    scn_junit_run_error(&ju, i, files.v[i], scn_strerror(rc));
            } else {
                scn_report_result(rp, files.v[i], models[i], r, &v);
                if (views.trace_out || views.html) {
                    scn_view_t sv;
                    scn_view_init(&sv, files.v[i], models[i], r, &v);
                    if (scn_view_emit(&views, &sv, rp->err) < 0)
                        status = 2;
                }
                if (junit)
                    scn_junit_run_result(&ju, i, files.v[i], models[i], &opts,
                                         r, &v, scn_junit_now() - t0);
                if (v.kind != SCN_PASS && status == 0)
                    status = 1;
                scn_verdict_free(&v);
            }
            scn_result_free(r);
        }
        scn_report_summary(rp);
    }
    if (junit && sim_alloc_failures() == failures0 &&
        scn_junit_write(&ju, junit) < 0) {
        scn_report_message(rp, rp->err, "csim: cannot write %s: %s\n", junit,
                           strerror(errno));
        status = 2;
    }
    if (sim_alloc_failures() != failures0) {
        /* The out-of-memory rule (README, exit codes): no output file named
         * on the command line is left, not even an older one, which a
         * reader would take for this run's. */
        if (junit)
            unlink(junit);
        for (size_t i = 0; i < files.n; i++)
            scn_view_unemit(&views, files.v[i]);
        status = 2;
    }
    scn_junit_free(&ju);
    for (size_t i = 0; i < files.n; i++)
        scn_model_free(models[i]);
    sim_free(models);
    paths_free(&args);
    paths_free(&files);
    fflush(rp->out);
    return status;
oom: /* scn_main says "out of memory"; the rule above holds here too */
    if (junit)
        unlink(junit);
    for (size_t i = 0; i < files.n; i++)
        scn_view_unemit(&views, files.v[i]);
    if (files.n == 0) /* no DIR/ known yet: a plain file name is removed */
        scn_view_unemit(&views, "");
    scn_junit_free(&ju);
    paths_free(&args);
    paths_free(&files);
    return 2;
}

static int dispatch(int argc, char **argv)
{
    scn_reporter_t rp = {.out = stdout, .err = stderr};
    if (argc < 2) {
        scn_report_message(&rp, rp.err, "%s", usage_main);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        scn_report_message(&rp, rp.out, "%s", usage_main);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        scn_report_message(&rp, rp.out, "csim %s (%s context switch)\n",
                           CSIM_VERSION, sim_backend());
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(&rp, argc - 2, argv + 2);
    if (strcmp(cmd, "explore") == 0)
        return scn_cmd_explore(argc - 2, argv + 2);
    if (strcmp(cmd, "explore-worker") == 0)
        return scn_cmd_explore_worker(argc - 2, argv + 2);
    if (strcmp(cmd, "replay") == 0)
        return scn_cmd_replay(argc - 2, argv + 2);
    if (strcmp(cmd, "merge") == 0)
        return scn_cmd_merge(argc - 2, argv + 2);
    if (strcmp(cmd, "variants") == 0)
        return scn_cmd_variants(argc - 2, argv + 2);
    if (strcmp(cmd, "serve") == 0)
        return scn_cmd_serve(argc - 2, argv + 2);
    if (strcmp(cmd, "diff") == 0)
        return scn_cmd_diff(argc - 2, argv + 2);
    scn_report_message(&rp, rp.err, "csim: unknown %s '%s'\n%s",
                       cmd[0] == '-' ? "option" : "command", cmd, usage_main);
    return 2;
}

/* Any allocation that failed during a command makes it an out-of-memory
 * error, whatever the command made of it: exit 2 and say so (README's
 * exit codes); the commands themselves leave no output files then. */
int scn_main(int argc, char **argv)
{
    unsigned long failures = sim_alloc_failures();
    int rc = dispatch(argc, argv);

    if (sim_alloc_failures() != failures) {
        fflush(stdout);
        fprintf(stderr, "csim: out of memory\n");
        rc = 2;
    }
    return rc;
}
