/*
 * scn.h - csim's scenario engine: the model of a parsed scenario file, and
 * the four stages that turn it into a verdict (scenarios/README.md is the
 * language reference):
 *
 *   text --scn_parse--> scn_model_t --scn_run--> scn_result_t
 *        --scn_check--> scn_verdict_t --scn_report_*--> text / JSON
 *
 * The model is immutable after parsing and owns all its memory (one arena);
 * a result owns copies of everything it took from the world, so the world
 * is gone by the time the checker and reporters run.
 */
#ifndef SCN_H
#define SCN_H

#include <stdint.h>
#include <stdio.h>

#include "container.h"
#include "sim.h"

enum {
    SCN_OK = 0,
    SCN_ESYNTAX = -200, /* scenario file error; a diagnostic was filled */
    SCN_ENOMEM = -201,
    SCN_EIO = -202,
    SCN_ERUN = -203, /* the world or a container could not be built */
};
const char *scn_strerror(int code);

/* Parse-time nesting limits (scenarios/README.md 1): spawn/every/repeat
 * blocks inside one another, which a run interprets recursively on a green
 * thread's 64 KiB stack; sub-extensions below a dependency or entrypoint,
 * as deep as the container binds them (container/extension.c MAX_DEPTH);
 * and indentation levels, the parser's own recursion. */
enum { SCN_MAX_BLOCKS = 32, SCN_MAX_SUBS = 32, SCN_MAX_LEVELS = 200 };
/* Warnings kept per file (scn_model_t.warnings). */
enum { SCN_MAX_WARNINGS = 20 };

/* ---------------------------------------------------------------- arena */

typedef struct scn_arena {
    struct scn_chunk *head;
} scn_arena_t;

void *scn_arena_alloc(scn_arena_t *a, size_t n); /* zeroed; NULL on OOM */
/* The array v of n elements of elem bytes, with room for one more: v
 * itself while n < *cap, else a copy in a block twice as large (initial
 * elements at first) and *cap updated.  NULL, with v and *cap untouched,
 * when out of memory.  The old block stays in the arena until it is
 * freed; doubling keeps that to the size of the final array. */
void *scn_arena_grow(scn_arena_t *a, void *v, size_t n, size_t *cap,
                     size_t elem, size_t initial);
char *scn_arena_strndup(scn_arena_t *a, const char *s, size_t n);
char *scn_arena_strdup(scn_arena_t *a, const char *s);
void scn_arena_free(scn_arena_t *a);

/* ---------------------------------------------------------------- model */

typedef struct scn_pos {
    int line, col; /* 1-based */
} scn_pos_t;

typedef enum {
    SCN_HOOK_SETUP = 0,
    SCN_HOOK_START,
    SCN_HOOK_STOP,
    SCN_HOOK_KILL,
    SCN_HOOK_GET_DEPENDENCY,
    SCN_HOOK_WORKER_SETUP,
    SCN_HOOK_WORKER_RESULT,
    SCN_HOOK_WORKER_TEARDOWN,
    SCN_HOOK_HANDLE_RESULT,
    SCN_HOOK_COUNT
} scn_hook_t;

extern const char *const scn_hook_names[SCN_HOOK_COUNT];

typedef enum {
    SCN_S_MARK = 0,
    SCN_S_SLEEP,
    SCN_S_YIELD,
    SCN_S_WAIT_EVENT,
    SCN_S_SEND,
    SCN_S_RESET,
    SCN_S_RAISE,
    SCN_S_RETURN,
    SCN_S_SPAWN,
    SCN_S_FIRE,
    SCN_S_KILL_THREAD,
    SCN_S_WAIT_THREAD,
    SCN_S_START,
    SCN_S_STOP,
    SCN_S_WAIT,
    SCN_S_KILL,
    SCN_S_REGISTER,
    SCN_S_UNREGISTER,
    SCN_S_EVERY,
    SCN_S_REPEAT,
    SCN_S_RUNNER_START,
    SCN_S_RUNNER_STOP,
    SCN_S_RUNNER_KILL,
    SCN_S_RUNNER_WAIT,
    SCN_S_HOST,
    SCN_S_INTERRUPT,
    SCN_S_CRASH, /* testing aid: count = SCN_CRASH_* */
    SCN_S_REQUEST, /* a client's request line to a `tcp` entrypoint */
    SCN_S_KINDS
} scn_step_kind_t;

/* Name of a step kind as an operation ("start", "runner.stop", ...). */
enum { SCN_CRASH_SEGV = 0, SCN_CRASH_ABORT, SCN_CRASH_OVERFLOW };

const char *scn_step_name(scn_step_kind_t k);

typedef struct scn_errspec {
    const char *type;    /* NULL = none (or a named error, see ref) */
    const char *message; /* NULL = "" when raising, any when matching */
    const char *ref;     /* a named error (`error NAME = ...`), or NULL */
    int ref_index;       /* its index in scn_model_t.errors (resolved) */
    scn_pos_t pos;
} scn_errspec_t;

/* `error NAME = TYPE("message")`: one error object per run, raised by
 * `raise NAME` and matched by identity in `raises NAME`. */
typedef struct scn_named_error {
    const char *name;
    scn_pos_t pos;
    scn_errspec_t spec; /* type and message */
} scn_named_error_t;

struct scn_service;

typedef struct scn_step {
    scn_step_kind_t kind;
    scn_pos_t pos;
    const char *name;     /* mark, event, identifier, entrypoint, thread, collector */
    scn_pos_t name_pos;
    const char *text;     /* mark detail, send value, return value, fire args */
    const char *as;       /* fire ... as NAME */
    const char *svc_name; /* target service as written (NULL = default) */
    const struct scn_service *svc; /* resolved target; NULL = own service */
    scn_errspec_t err;    /* raise, kill */
    sim_time_t dur;       /* sleep, every, wait EVENT timeout D (0 = none) */
    uint64_t count;       /* repeat; crash: SCN_CRASH_*; spawn: 1 = protected */
    const char *until;    /* every ... until EVENT */
    scn_pos_t until_pos;
    /* 1 + the index in m->events of name (wait, send, reset) and until,
     * set by the validator so a run finds an event in O(1); 0 = not
     * resolved (look it up by name). */
    int event, until_event;
    struct scn_step *body; /* spawn, every, repeat */
    const char **catch_types;
    scn_pos_t *catch_pos;
    size_t n_catch;
    int maybe_svc; /* kill WORD: err.type is a service name or an error type */
    struct scn_step *next;
} scn_step_t;

typedef struct scn_ext {
    ctr_ext_kind_t kind;
    const char *name;
    scn_pos_t pos;
    const char *method; /* entrypoints */
    scn_pos_t method_pos;
    int shared;
    const char *key;
    int collector;
    const char **expected;
    scn_pos_t *expected_pos;
    size_t n_expected;
    /* Entrypoints: `timer=D`, nameko's Timer (a managed loop firing every
     * D until stopped); `tcp`, request lines from csim serve's listener or
     * `request` steps (scenarios/README.md 3.3). */
    sim_time_t timer;
    int tcp;
    scn_step_t *hooks[SCN_HOOK_COUNT];
    int has_hook[SCN_HOOK_COUNT];
    const struct scn_ext *repeat_of; /* an identical earlier declaration of
                                        this shared extension, or NULL */
    struct scn_ext *subs; /* first child */
    struct scn_ext *next; /* sibling */
} scn_ext_t;

typedef struct scn_method {
    const char *name;
    scn_pos_t pos;
    scn_step_t *body;
    struct scn_method *next;
} scn_method_t;

typedef struct scn_service {
    const char *name;
    scn_pos_t pos;
    int index;
    int max_workers; /* 0 = default */
    scn_ext_t *deps;
    scn_ext_t *eps;
    scn_method_t *methods;
    struct scn_service *next;
} scn_service_t;

typedef struct scn_actor {
    const char *name;
    scn_pos_t pos;
    int index;
    sim_time_t at;
    scn_step_t *body;
    struct scn_actor *next;
} scn_actor_t;

typedef struct scn_pattern {
    const char *kind;    /* "*" = any */
    const char *subject; /* NULL = any; glob */
    const char *detail;  /* NULL = any; glob */
    const char *text;    /* canonical text, for messages */
    scn_pos_t kind_pos, subject_pos, detail_pos; /* for diagnostics */
} scn_pattern_t;

typedef enum {
    SCN_X_SEEN = 0,   /* P, or P1 then P2 ... */
    SCN_X_NEVER,      /* never P */
    SCN_X_NEVER_AFTER, /* never P after Q: pats[0] = P, pats[1] = Q */
    SCN_X_NEVER_BEFORE, /* never P before Q: pats[0] = P, pats[1] = Q */
    SCN_X_COUNT,      /* exactly / at least / at most N P */
    SCN_X_OP,         /* OP [SVC] returns | raises T [msg] */
    SCN_X_ACTOR,      /* actor NAME returns | raises | blocked */
    SCN_X_FINAL,      /* final [SVC] dead | alive | hung */
    SCN_X_NO_LEFTOVER, /* no leftover threads */
} scn_expect_kind_t;

typedef enum { SCN_CMP_EQ = 0, SCN_CMP_GE, SCN_CMP_LE } scn_cmp_t;
typedef enum { SCN_R_RETURNS = 0, SCN_R_RAISES, SCN_R_BLOCKED } scn_res_t;
typedef enum { SCN_F_DEAD = 0, SCN_F_ALIVE, SCN_F_HUNG } scn_final_t;

typedef struct scn_expect {
    scn_expect_kind_t kind;
    scn_pos_t pos;
    const char *text; /* the line as written, without comment */
    scn_pattern_t *pats;
    size_t n_pats;
    scn_cmp_t cmp;
    uint64_t count;
    scn_step_kind_t op;
    const char *svc_name;
    const scn_service_t *svc; /* NULL = any / default */
    scn_res_t res;
    scn_errspec_t err;
    const char *actor_name;
    const scn_actor_t *actor;
    scn_final_t final;
    /* `sometimes EXPECTATION`: the expectation is checked and counted
     * (scn_verdict_t.sometimes), never failed; its index among the file's
     * sometimes lines, in file order. */
    int sometimes;
    size_t sometimes_index;
    struct scn_expect *next;
} scn_expect_t;

/* One `switch=value` of the `variant` line (variant.h names). */
typedef struct scn_switch_set {
    const char *name, *value;
    scn_pos_t pos;
} scn_switch_set_t;

typedef struct scn_model {
    scn_arena_t arena;
    const char *path;
    const char *title;
    /* `variant NAME [switch=value ...]`: the preset (default "current")
     * and the switches set on top of it, in file order. */
    const char *variant;
    scn_switch_set_t *switches;
    size_t n_switches;
    uint64_t step_limit;
    sim_time_t time_limit;
    scn_service_t *services;
    size_t n_services;
    scn_actor_t *actors;
    size_t n_actors;
    scn_named_error_t *errors; /* `error NAME = ...`, in file order */
    size_t n_errors;
    const char **events; /* declared or sent anywhere */
    size_t n_events;
    const char **runner; /* service names in the runner */
    const scn_service_t **runner_svcs;
    size_t n_runner;
    int has_runner;
    scn_expect_t *expects;
    size_t n_expects;
    size_t n_sometimes; /* `sometimes` lines among the expects */
    int expects_hung;
    /* `explore CHOICE...`: the explorable choice kinds (SIM_CHOICE_BIT
     * mask); 0 = not given (SIM_CHOICES_DEFAULT). */
    unsigned explore_choices;
    const char **src; /* physical lines by number (src[0] unused) */
    unsigned parse_flags; /* SCN_PARSE_* the file was parsed with */
    size_t n_src;
    /* Warnings (the run goes on): patterns of expectations that can never
     * match an event of this scenario, in file order; at most
     * SCN_MAX_WARNINGS, n_warnings_more counts the others. */
    struct scn_diag *warnings;
    size_t n_warnings, n_warnings_more;
} scn_model_t;

/* A scenario file error, formatted by scn_diag_print. */
typedef struct scn_diag {
    char path[512];
    int line, col;
    char message[512];
    /* The source line, or a window of a long one ("..." marks a cut);
     * line_text[caret] is the byte at column col. */
    char line_text[512];
    int caret; /* byte offset of column col in line_text */
} scn_diag_t;

/* Parse `text` (need not be NUL-terminated).  SCN_ESYNTAX fills *diag. */
int scn_parse(const char *path, const char *text, size_t len,
              scn_model_t **out, scn_diag_t *diag);
/* Read and parse a file; an unreadable file is a diagnostic too. */
int scn_parse_file(const char *path, scn_model_t **out, scn_diag_t *diag);
/* The same with SCN_PARSE_* flags.  SCN_PARSE_HOST: a file to host (csim
 * serve): actors and expectations are optional. */
enum { SCN_PARSE_HOST = 1 };
int scn_parse_ex(const char *path, const char *text, size_t len,
                 unsigned flags, scn_model_t **out, scn_diag_t *diag);
int scn_parse_file_ex(const char *path, unsigned flags, scn_model_t **out,
                      scn_diag_t *diag);
void scn_model_free(scn_model_t *m);

/* ---------------------------------------------------------------- run */

typedef struct scn_event {
    uint64_t seq, step;
    sim_time_t time;
    unsigned thread;
    char *kind, *subject, *detail;
} scn_event_t;

typedef struct scn_blocked {
    unsigned id;
    char *name;
    char *waiting_on;
} scn_blocked_t;

/* How many blocked threads a HUNG verdict lists (its details, --json's
 * "blocked"); the rest are one "... and N more" line / "blocked_more". */
enum { SCN_BLOCKED_SHOWN = 20 };

typedef struct scn_opres {
    const scn_actor_t *actor;
    scn_step_kind_t op;
    const scn_service_t *svc; /* NULL for runner ops */
    int raised;
    char *type, *message;
    int named; /* index of the named error object raised, or -1 */
} scn_opres_t;

typedef struct scn_actor_res {
    int finished; /* 0 = never finished, 1 = returned, 2 = raised */
    char *type, *message;
    int named; /* index of the named error object raised, or -1 */
} scn_actor_res_t;

typedef struct scn_svc_res {
    int dead;
    size_t workers, managed;
} scn_svc_res_t;

typedef struct scn_run_opts {
    sim_strategy_kind_t strategy;
    uint64_t seed;
    /* Added for exploration; zero = as before.  choices: the explorable
     * kinds (0 = the model's `explore` line, else SIM_CHOICES_DEFAULT).
     * prefix: answers forced first (sim_world_set_prefix).  chooser: a
     * custom strategy (sim_world_set_chooser); attach, when set, is called
     * with chooser_arg and the new world before anything runs. */
    unsigned choices;
    const uint32_t *prefix;
    size_t n_prefix;
    sim_chooser_cb chooser;
    void *chooser_arg;
    void (*attach)(void *arg, sim_world_t *w);
    /* Stacks shared by many runs (sim_config_t.stack_pool); NULL = the
     * world's own. */
    sim_stack_pool_t *stacks;
    /* A preset in place of the file's `variant NAME` (NULL = the file's);
     * the file's switch overrides still apply on top of it. */
    const char *variant;
    /* Run on a libuv world in real time (sim_uv.h) instead of the virtual
     * clock; fifo only (no strategy, prefix or chooser). */
    int realtime;
} scn_run_opts_t;

/* One recorded choice (sim_choices + sim_choice_info). */
typedef struct scn_choice {
    uint32_t answer;
    uint32_t n;
    uint8_t kind; /* sim_choice_kind_t */
} scn_choice_t;

typedef struct scn_result {
    int run_rc; /* sim_run's result */
    int hung;   /* SIM_EHUNG or SIM_ELIMIT */
    sim_time_t end_time;
    uint64_t end_steps;
    scn_event_t *events;
    size_t n_events;
    char **thread_names; /* by id; NULL where unknown */
    size_t n_thread_names;
    scn_blocked_t *blocked;
    size_t n_blocked;
    scn_opres_t *ops;
    size_t n_ops, cap_ops;
    scn_actor_res_t *actors; /* by actor index */
    size_t n_actor_slots;
    scn_svc_res_t *svcs;     /* by service index */
    scn_choice_t *choices;   /* the schedule: every recorded choice */
    size_t n_choices;
    unsigned choice_mask;    /* the mask the run used */
    char variant[24];        /* the preset the run used */
} scn_result_t;

int scn_run(const scn_model_t *m, const scn_run_opts_t *opts,
            scn_result_t **out);
void scn_result_free(scn_result_t *r);

/* ---------------------------------------------------------------- variants */

/* Whether name is a preset (variant.h), and the presets as a message lists
 * them: "V1, v1.0.0, ..., hardened". */
int scn_preset_known(const char *name);
void scn_preset_list(char *buf, size_t n);
/* A command line's --variant value: 0 when it is a preset, else -1 after
 * "csim: unknown variant 'NAME' (known: ...)" on err. */
int scn_preset_check(const char *name, FILE *err);
/* The variant a run of m uses: `preset` (NULL = the file's own), then the
 * file's switch overrides.  SCN_ESYNTAX for an unknown preset. */
int scn_model_variant(const scn_model_t *m, const char *preset,
                      ctr_variant_t *out);
/* How verdict lines name that variant: "" for plain current (the default),
 * else the preset and the file's overrides ("v1.5.0", "current
 * send_guard=off"). */
void scn_variant_label(const scn_model_t *m, const char *preset, char *buf,
                       size_t n);

/* Choice kinds by name: ready wake ext tie early (SIM_CHOICE_BIT; 0 for
 * an unknown name).  scn_choices_parse reads a comma-separated list
 * ("ready,wake", "all", "default"); scn_choices_format writes one. */
unsigned scn_choice_bit(const char *name);
int scn_choices_parse(const char *list, unsigned *mask);
void scn_choices_format(unsigned mask, char *buf, size_t n);

/* ---------------------------------------------------------------- check */

typedef enum {
    SCN_PASS = 0,
    SCN_FAIL,
    SCN_HUNG,
    SCN_ERROR,
} scn_verdict_kind_t;

/* One failed expectation and why, in file order. */
typedef struct scn_failure {
    const scn_expect_t *x;
    char *why;
} scn_failure_t;

typedef struct scn_verdict {
    scn_verdict_kind_t kind;
    const scn_expect_t *failed; /* first failed expectation (FAIL) */
    size_t n_failed;
    scn_failure_t *failures; /* every failed expectation (FAIL and HUNG) */
    size_t n_failures;
    char *why;       /* FAIL: why; HUNG: summary */
    char **details;  /* extra lines (events seen, blocked threads) */
    size_t n_details;
    /* Per `sometimes` line (file order): 1 when it held in this run.  Not
     * part of the verdict: a `sometimes` never fails a run.  NULL when the
     * file has none. */
    unsigned char *sometimes;
    size_t n_sometimes;
} scn_verdict_t;

int scn_check(const scn_model_t *m, const scn_result_t *r, scn_verdict_t *v);
void scn_verdict_free(scn_verdict_t *v);

/* Glob match of the whole string: `*` any run, `?` one character. */
int scn_glob(const char *pat, const char *s);
int scn_pattern_match(const scn_pattern_t *p, const scn_event_t *e);

/* ---------------------------------------------------------------- report */

typedef struct scn_reporter {
    FILE *out;  /* verdicts, traces */
    FILE *err;  /* diagnostics */
    int json;
    int trace;
    int hash;
    size_t passed, failed, errors;
} scn_reporter_t;

/* Formats virtual time the way durations are written ("5ms", "1.5ms"). */
void scn_format_time(sim_time_t t, char *buf, size_t n);

void scn_report_diag(scn_reporter_t *rp, const scn_diag_t *d);
/* The source line of d (windowed) and a caret under its column; nothing
 * when d has no source line. */
void scn_report_source(FILE *f, const scn_diag_t *d);
/* The file's warnings (scn_model_t.warnings), `FILE:LINE:COL: warning: ...`
 * and the source, in file order. */
void scn_report_warnings(scn_reporter_t *rp, const scn_model_t *m);
void scn_report_result(scn_reporter_t *rp, const char *path,
                       const scn_model_t *m, const scn_result_t *r,
                       const scn_verdict_t *v);
void scn_report_summary(scn_reporter_t *rp);
/* Plain message for people (usage, I/O problems). */
void scn_report_message(scn_reporter_t *rp, FILE *to, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* `sometimes` lines of one run (scn_sometimes.c): after the verdict, one
 * indented `sometimes FILE:LINE: EXPR — hit|not hit in this run` line each;
 * in JSON a "sometimes" array.  Nothing when the file has none.  EXPR is
 * the expectation after the word `sometimes`. */
void scn_report_sometimes(scn_reporter_t *rp, const char *path,
                          const scn_model_t *m, const scn_verdict_t *v);
void scn_report_sometimes_json(FILE *f, const scn_model_t *m,
                               const scn_verdict_t *v);
const char *scn_sometimes_expr(const scn_expect_t *x);
/* A JSON string literal of s, as the reporter writes them. */
void scn_report_json_str(FILE *f, const char *s);

/* The trace text as --trace prints it, and its FNV-1a hash. */
char *scn_trace_text(const scn_result_t *r); /* malloc'ed */
uint64_t scn_fnv1a(const char *s, size_t n);

#endif /* SCN_H */
