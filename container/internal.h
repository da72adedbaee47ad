/*
 * internal.h - private structures and the ctr__ functions shared by the
 * container's source files.  Nothing here is part of the public API.
 */
#ifndef CTR_INTERNAL_H
#define CTR_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "container.h"

/* ---------------------------------------------------------------- memory */

/* The single allocation entry point (alloc.c): realloc semantics, size 0
 * frees.  Every byte the container owns goes through it. */
void *ctr__realloc(void *p, size_t n);
void *ctr__alloc(size_t n);  /* zeroed */
void ctr__free(void *p);
char *ctr__strdup(const char *s);
/* printf into fresh memory; NULL on failure. */
char *ctr__vformat(const char *fmt, va_list ap);
char *ctr__format(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Grow *items (of `size` bytes each) to hold at least `need`. */
int ctr__reserve(void **items, size_t *cap, size_t need, size_t size);

/* Memory that must survive a suspension point is owned by a list that its
 * container or runner frees wholesale, so a world freed while green threads
 * are still blocked leaks nothing. */
typedef struct ctr__owned {
    struct ctr__owned *prev, *next;
} ctr__owned_t;

void ctr__owned_init(ctr__owned_t *list);
void *ctr__owned_alloc(ctr__owned_t *list, size_t n); /* zeroed */
void ctr__owned_free(void *p);
void ctr__owned_free_all(ctr__owned_t *list);

/* Raise MemoryError in the current green thread (SIM_ENOMEM if even that
 * fails). */
int ctr__nomem(sim_world_t *w);

/* ---------------------------------------------------------------- log/trace */

void ctr__log(sim_world_t *w, const char *level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The "call" / "ret" trace events of a hook, subject "<owner>.<what>";
 * ctr__trace_ret returns rc, turning a bare negative code into an error
 * value (ctr__checked). */
void ctr__trace_call(sim_world_t *w, const char *owner, const char *what,
                     const char *detail);
int ctr__trace_ret(sim_world_t *w, const char *owner, const char *what,
                   int rc);
/* "Type: message", or "Type" when the message is empty (as Python prints
 * an exception).  Returns buf. */
const char *ctr__errstr(const sim_error_t *e, char *buf, size_t n);
/* A callback returned rc: make sure a negative rc has an error pending
 * (SystemError otherwise), so every failure travels as a value. */
int ctr__checked(sim_world_t *w, int rc, const char *what);

/* ---------------------------------------------------------------- extension */

typedef enum {
    CTR__SETUP = 0,
    CTR__START,
    CTR__STOP,
    CTR__KILL,
    CTR__LIFECYCLE_HOOKS
} ctr__hook_t;

/* The worker hooks, in lifecycle order. */
typedef enum {
    CTR__GET_DEPENDENCY = 0,
    CTR__WORKER_SETUP,
    CTR__WORKER_RESULT,
    CTR__WORKER_TEARDOWN,
    CTR__WORKER_HOOKS
} ctr__worker_hook_t;

struct ctr_extension;

/* The argument of one parallel helper thread: lives in the extension, so
 * orphaned helpers never outlive it. */
typedef struct ctr__hook_arg {
    struct ctr_extension *ext;
    ctr__hook_t hook;
} ctr__hook_arg_t;

struct ctr_extension {
    ctr_container_t *c;
    const ctr_ext_decl_t *decl;
    const ctr_method_t *method; /* entrypoints */
    size_t dep_index;           /* dependencies: slot in a worker's values */
    ctr__hook_arg_t hook_args[CTR__LIFECYCLE_HOOKS];
    char *hook_label[CTR__LIFECYCLE_HOOKS]; /* "<name>.<hook>" */
    /* "<name>.<worker hook>", the helper thread names of a parallel worker
     * lifecycle (ctr__worker_hook_t order); only bound when the variant's
     * lifecycle is not sequential. */
    char *worker_label[CTR__WORKER_HOOKS];
    /* Bound sub-extensions, declared order. */
    ctr_extension_t **children;
    size_t n_children;
    /* ProviderCollector state. */
    ctr_extension_t **providers;
    size_t n_providers, cap_providers;
    int providers_registered;
    sim_event_t *last_unregistered;
};

/* Run one lifecycle hook in the current thread, traced as call/ret. */
int ctr__ext_lifecycle(ctr_extension_t *e, ctr__hook_t hook);
/* The same for the worker hooks: a dependency's, or under
 * lifecycle=parallel_all worker_setup/worker_teardown of any extension. */
int ctr__ext_get_dependency(ctr_extension_t *e, ctr_worker_ctx_t *ctx,
                            const void **value);
int ctr__ext_worker_setup(ctr_extension_t *e, ctr_worker_ctx_t *ctx);
int ctr__ext_worker_result(ctr_extension_t *e, ctr_worker_ctx_t *ctx,
                           const void *result, const sim_error_t *exc);
int ctr__ext_worker_teardown(ctr_extension_t *e, ctr_worker_ctx_t *ctx);
const char *ctr__hook_name(ctr__hook_t hook);

/* Collector part of stop: wait until every provider unregistered. */
int ctr__collector_wait(ctr_extension_t *e);

/* Bind every extension of c->def into c (extension.c). */
int ctr__bind(ctr_container_t *c);
void ctr__ext_free(ctr_extension_t *e);

/* ---------------------------------------------------------------- parallel */

/* One item of a parallel call: fn(w, item) in its own green thread. */
typedef sim_thread_fn ctr__item_fn;

/* SpawningProxy(items).<hook>(): one thread per item in order, wait for
 * each in order, raise the first failure in order; orphans run on.
 * `args[i]` must outlive every helper thread.  `names[i]` names thread i.
 * `scratch` owns the bookkeeping that must survive suspension. */
int ctr__parallel(sim_world_t *w, ctr__owned_t *scratch, ctr__item_fn fn,
                  void *const *args, const char *const *names, size_t n);
/* The variants' options of a plain parallel call.  In: `wait_all` waits
 * for every item thread (no orphans) and raises the first failure in order
 * only after the last; `deadline` (> 0, absolute virtual time) bounds the
 * caller's waits as an eventlet Timeout around the imap would.  Out:
 * `timed_out` (the deadline passed; the call returned 0 and the items run
 * on), `item_failed` (the error raised is an item thread's exit error, not
 * one delivered to the caller itself).  `collect_abandoned`: when the
 * caller leaves early, the imap helper does not block for good on its last
 * put but exits with GreenletExit, as CPython's cycle collector ends it in
 * the reference (used by the parallel worker lifecycles, where a killed
 * worker abandons its call every time). */
typedef struct ctr__par_opts {
    int wait_all;
    int collect_abandoned;
    sim_time_t deadline;
    int timed_out;
    int item_failed;
} ctr__par_opts_t;
/* ctr__parallel with options; opts NULL is exactly ctr__parallel. */
int ctr__parallel_opts(sim_world_t *w, ctr__owned_t *scratch,
                       ctr__item_fn fn, void *const *args,
                       const char *const *names, size_t n,
                       ctr__par_opts_t *opts);
/* SpawningProxy(items, abort_on_error=True): nameko's fail_fast_imap.
 * `safe` (runner_wait=safe) kills over a snapshot (no "Set changed size")
 * and, once nothing is unfinished, still raises an error left in the
 * results queue instead of dropping it. */
int ctr__parallel_fail_fast(sim_world_t *w, ctr__owned_t *scratch,
                            ctr__item_fn fn, void *const *args,
                            const char *const *names, size_t n, int safe);

/* ---------------------------------------------------------------- container */

/* Registry entries carry their insertion number, so the single-set
 * registries of v1.x (workers and managed threads in one insertion order)
 * are the merge of the two arrays. */
typedef struct ctr__worker_entry {
    ctr_worker_ctx_t *ctx;
    sim_thread_t *thread;
    unsigned long seq;
} ctr__worker_entry_t;

typedef struct ctr__managed {
    ctr_container_t *c;
    sim_thread_t *thread;
    char *identifier;
    unsigned long seq;
    int is_protected; /* spawn_managed_thread(protected=True), v1.2.2-v2.3 */
} ctr__managed_t;

struct ctr_worker_ctx {
    ctr_container_t *c;
    ctr_extension_t *entrypoint;
    char *call_id;
    char *args;
    sim_thread_t *thread;
    ctr_handle_result_fn handle_result;
    void *handle_result_arg;
    const void **values; /* one per dependency */
    int done;            /* the lifecycle ran to its end */
    /* Run inline by a full pool's own worker: eventlet's GreenThread for it
     * was never switched to, so greenlet sees it as not started. */
    int inline_run;
    const void *result;  /* what worker_result saw */
    const sim_error_t *exc;
    /* Parallel lifecycles: the helper threads' arguments, one block per
     * worker hook; owned by the context, so orphaned helpers never
     * outlive them. */
    struct ctr__wk_item *par_items;
};

struct ctr_container {
    sim_world_t *w;
    const ctr_service_def_t *def;
    ctr_variant_t v;            /* behaviour switches, fixed at creation */
    const sim_error_t *kill_arg; /* the running kill's error, for
                                    ext_kill_arg=exc */
    const char *name;
    int max_workers;

    /* Iteration order: dependencies, entrypoints, sub-extensions. */
    ctr_extension_t **exts;
    size_t n_exts, cap_exts;
    size_t n_deps, n_eps, n_subs;
    /* Every instance bound (owner of the extensions). */
    ctr_extension_t **bound;
    size_t n_bound, cap_bound;
    /* Every shared instance, looked up by sharing key. */
    ctr_extension_t **shared;
    size_t n_shared, cap_shared;

    sim_pool_t *pool;
    sim_event_t *died;
    const sim_error_t *death_err; /* what _died carries once sent */
    int started;
    int being_killed;
    int stopping; /* stop_guard=on: a stop runs the shutdown */
    unsigned next_call;
    unsigned long next_seq; /* registry insertion numbers */

    /* Live registries, insertion order. */
    ctr__worker_entry_t *workers;
    size_t n_workers, cap_workers;
    ctr__managed_t **managed;
    size_t n_managed, cap_managed;

    /* Everything ever created, freed with the container. */
    ctr_worker_ctx_t **all_ctx;
    size_t n_all_ctx, cap_all_ctx;
    ctr__managed_t **all_managed;
    size_t n_all_managed, cap_all_managed;
    ctr__owned_t scratch;
};

/* The set a parallel call runs over. */
typedef enum {
    CTR__SET_DEPENDENCIES,
    CTR__SET_ENTRYPOINTS,
    CTR__SET_SUBEXTENSIONS,
    CTR__SET_EXTENSIONS
} ctr__set_t;

/* `set`.all.<hook>() on the container. */
int ctr__container_all(ctr_container_t *c, ctr__set_t set, ctr__hook_t hook);
/* The same with parallel options (NULL = ctr__container_all). */
int ctr__container_all_opts(ctr_container_t *c, ctr__set_t set,
                            ctr__hook_t hook, ctr__par_opts_t *opts);

/* threads.c */
int ctr__link_worker(ctr_container_t *c, ctr_worker_ctx_t *ctx,
                     sim_thread_t *t);
/* v2.4+ split killers: every worker; every managed thread (protected
 * ones included). */
int ctr__kill_worker_threads(ctr_container_t *c);
int ctr__kill_managed_threads(ctr_container_t *c);
/* v1.x set killers: workers and non-protected managed threads merged in
 * insertion order; then the protected ones. */
int ctr__kill_active_threads(ctr_container_t *c);
int ctr__kill_protected_threads(ctr_container_t *c);
void ctr__registry_free(ctr_container_t *c);

/* worker.c */
void ctr__worker_ctx_free(ctr_worker_ctx_t *ctx);

#endif /* CTR_INTERNAL_H */
