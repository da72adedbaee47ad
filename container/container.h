/*
 * container.h - a faithful C port of nameko's ServiceContainer and
 * ServiceRunner (spec/container.md sections 1 and 3.1-3.3), written only
 * against the sim runtime API.
 *
 * Extension behaviour is a callback table (ctr_ext_ops_t), so C programs and
 * the scenario engine both supply it.  Every callback and every lifecycle
 * call follows sim's error model: return 0, or a negative code with an error
 * pending on the current green thread (SIM_EKILLED for the kill condition,
 * SIM_ERAISED for any other error value).  Errors are values, never aborts.
 *
 * Trace events the container appends (kind, subject, detail).  <err> is an
 * error as Python prints it: "Type: message", or "Type" when the message is
 * empty (the kill condition prints "GreenletExit").
 *   "log"     level ("debug", "info", "warning", "error", "critical"),
 *             the formatted line (spec 1.10, modern strings; the timing
 *             lines "started %s in ..." etc. are not emitted).  A container
 *             prints as its service name, a worker context as its call id
 *             "<service>.<method>.<n>" (n counts from 1 per container), a
 *             thread as its sim thread name (a worker's is its call id, a
 *             managed thread's its identifier), an error as its message.
 *   "call"    "<ext>.<hook>" when a hook begins, for every hook whether or
 *             not the ops supply it.  The detail says whose call it is, so
 *             the same extension name in two containers stays apart:
 *               setup start stop kill            the service name
 *                                                ("call spam.stop foo")
 *               get_dependency worker_setup      the worker's call id
 *               worker_result worker_teardown    ("<service>.<method>.<n>",
 *                                                which starts with the
 *                                                service name)
 *             The service method is "<service>.<method>" and a spawn's
 *             result hook "<entrypoint>.handle_result", both with the call
 *             id as detail.  No call event has an empty detail.
 *   "ret"     the same subject when it returned; detail "ok" or <err>
 *             (no service name: pair it with the call before it).  A
 *             collector's "stop" spans its wait for providers.
 *   "state"   service name: "started" / "unstarted" (the started flag set
 *             by start, cleared at the end of stop or kill),
 *             "being_killed" or "being_killed:<err>" (kill set the flag),
 *             "dead" or "dead:<err>" (_died was sent; the error is what
 *             wait raises).
 *   "worker"  call id: "spawn" (spawn_worker passed its check, before the
 *             pool), "start" (the lifecycle began in its thread), then its
 *             fate from the exit link: "result" (returned normally),
 *             "killed" (the kill condition), "error:<Type>".
 *   "managed" identifier: "spawn", then "result" / "killed" / "error:<Type>".
 *   "host"    "runner": "interrupt", "interrupted: stop", "interrupted: kill"
 *             (ctr_runner_host / ctr_runner_interrupt).
 * sim adds its own thread events; parallel helper threads are named
 * "<ext>.<hook>" (runner: "<service>.<op>").
 *
 * Iteration order (every parallel call and every worker-hook loop):
 * dependencies in declared order, entrypoints in declared order, then
 * sub-extensions depth first as nameko's iter_extensions (each extension's
 * sub-extensions, in declared order, before the extension itself); a shared
 * extension (same sharing key, default its name) is bound once per
 * container and appears once, in the first set that reaches it.  Each of
 * the three sets is permuted once at ctr_container_new through
 * sim_choose(SIM_CHOICE_EXT_ORDER) (identity under fifo), so the order is
 * fixed per container, like a Python set's.
 *
 * Memory: a container owns everything it allocates and frees it in
 * ctr_container_free; the runner does not own its containers (free them
 * yourself, after ctr_runner_free).  Free only once no green thread of the
 * world will run container code again (for example after sim_run returned,
 * or together with the world).
 */
#ifndef CTR_CONTAINER_H
#define CTR_CONTAINER_H

#include "sim.h"
#include "variant.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    CTR_EBEINGKILLED = -100, /* never returned: raised as ContainerBeingKilled */
    CTR_ENOTFOUND = -101,    /* no such entrypoint / method */
    CTR_ECONFIG = -102,      /* bad service definition */
};
const char *ctr_strerror(int code);

typedef struct ctr_container ctr_container_t;
typedef struct ctr_extension ctr_extension_t;
typedef struct ctr_worker_ctx ctr_worker_ctx_t;
typedef struct ctr_runner ctr_runner_t;

typedef enum {
    CTR_DEPENDENCY = 0, /* DependencyProvider: gets the worker hooks */
    CTR_ENTRYPOINT,     /* Entrypoint bound to a service method */
    CTR_EXTENSION,      /* plain (sub-)extension */
} ctr_ext_kind_t;

/* All hooks optional (NULL = no-op). */
typedef struct ctr_ext_ops {
    int (*setup)(ctr_extension_t *ext);
    int (*start)(ctr_extension_t *ext);
    int (*stop)(ctr_extension_t *ext);
    int (*kill)(ctr_extension_t *ext);
    /* Dependencies only.  *value is set on the worker under the
     * dependency's name. */
    int (*get_dependency)(ctr_extension_t *ext, ctr_worker_ctx_t *ctx,
                          const void **value);
    int (*worker_setup)(ctr_extension_t *ext, ctr_worker_ctx_t *ctx);
    int (*worker_result)(ctr_extension_t *ext, ctr_worker_ctx_t *ctx,
                         const void *result, const sim_error_t *exc);
    int (*worker_teardown)(ctr_extension_t *ext, ctr_worker_ctx_t *ctx);
} ctr_ext_ops_t;

/* An extension declaration (the "class attribute").  Binding a declaration
 * to a container makes a ctr_extension_t. */
typedef struct ctr_ext_decl {
    ctr_ext_kind_t kind;
    const char *name;   /* attribute name; for an entrypoint, its own name */
    const char *method; /* entrypoints: the service method it starts */
    /* Shared extension: one instance per (container, sharing_key); the key
     * defaults to name. */
    int shared;
    const char *sharing_key;
    /* ProviderCollector mixin: stop() waits until every registered provider
     * unregistered (returns at once if none ever registered); runs before
     * the ops' own stop. */
    int collector;
    /* Entrypoints: error types that count as expected (logged at warning). */
    const char *const *expected;
    size_t n_expected;
    const ctr_ext_ops_t *ops;
    void *user;
    /* Nested sub-extensions, bound depth first. */
    const struct ctr_ext_decl *const *subs;
    size_t n_subs;
} ctr_ext_decl_t;

/* A service method: the worker body.  Return 0 with *result set, or raise. */
typedef int (*ctr_method_fn)(ctr_worker_ctx_t *ctx, void *user,
                             const void **result);

typedef struct ctr_method {
    const char *name;
    ctr_method_fn fn;
    void *user;
} ctr_method_t;

typedef struct ctr_service_def {
    const char *name;
    int max_workers; /* <= 0 means 10 */
    const ctr_ext_decl_t *const *dependencies;
    size_t n_dependencies;
    const ctr_ext_decl_t *const *entrypoints;
    size_t n_entrypoints;
    const ctr_method_t *methods;
    size_t n_methods;
} ctr_service_def_t;

/* ---------------------------------------------------------------- container */

/* Binds every extension (dependencies, entrypoints, then sub-extensions depth
 * first, shared ones once).  The definition must outlive the container.
 * Does not yield; may be called from the hub or a green thread. */
int ctr_container_new(sim_world_t *w, const ctr_service_def_t *def,
                      ctr_container_t **out);
/* The same with a behaviour variant (variant.h; copied, NULL = current).
 * ctr_container_new is this with the "current" preset. */
int ctr_container_new_variant(sim_world_t *w, const ctr_service_def_t *def,
                              const ctr_variant_t *variant,
                              ctr_container_t **out);
const ctr_variant_t *ctr_container_variant(const ctr_container_t *c);
/* What an extension kill hook is given as kill(exc): the running kill's
 * error when the variant has ext_kill_arg=exc, else NULL.  Set when a kill
 * sequence begins, NULL again once it returned normally. */
const sim_error_t *ctr_container_kill_arg(const ctr_container_t *c);
void ctr_container_free(ctr_container_t *c);

/* The lifecycle calls run in the calling green thread and yield as the
 * reference does (spec 1.2-1.5): start has no guards (an error propagates,
 * the container is not killed); stop never raises the kill's error and has
 * no re-entrancy guard; an extension stop error aborts stop and propagates;
 * kill swallows extension kill Exceptions (warning) but not BaseExceptions,
 * and a re-entrant kill or a stop during a kill waits for death and
 * returns 0.  Memory failures inside them raise MemoryError.  That is the
 * `current` preset; a container's variant changes these rules switch by
 * switch (variant.h; container/README.md lists them and the guarantees of
 * `hardened`). */
int ctr_container_start(ctr_container_t *c);
int ctr_container_stop(ctr_container_t *c);
/* exc NULL: kill without exc_info (wait returns normally). */
int ctr_container_kill(ctr_container_t *c, const sim_error_t *exc);
/* Returns 0 after a stop or a plain kill; raises the kill's error. */
int ctr_container_wait(ctr_container_t *c);

/* Result hook of an entrypoint: may replace *result and *exc. */
typedef int (*ctr_handle_result_fn)(ctr_worker_ctx_t *ctx, void *arg,
                                    const void **result,
                                    const sim_error_t **exc);

/* Raises ContainerBeingKilled while the container is being killed (checked
 * only on entry); blocks while the pool is full.  SIM_EINVAL (nothing
 * raised) when `entrypoint` is not an entrypoint of c with a method.  `args` is an opaque argument string handed to
 * the method (ctr_worker_args). */
int ctr_spawn_worker(ctr_container_t *c, ctr_extension_t *entrypoint,
                     const char *args, ctr_handle_result_fn handle_result,
                     void *handle_result_arg, ctr_worker_ctx_t **out);

/* identifier NULL means "<unknown>".  No being-killed check; never yields;
 * callable from the hub (plain SIM_ENOMEM / SIM_EINVAL on failure). */
int ctr_spawn_managed_thread(ctr_container_t *c, sim_thread_fn fn,
                             void *arg, const char *identifier,
                             sim_thread_t **out);
/* spawn_managed_thread(fn, protected=True) of v1.2.2-v2.3 (registry
 * set_protected or dict_protected): killed after the extensions.  With any
 * other registry `protected` is ignored (v1.0 had no such argument; v2.4
 * deprecated it). */
int ctr_spawn_protected_thread(ctr_container_t *c, sim_thread_fn fn,
                               void *arg, const char *identifier,
                               sim_thread_t **out);

const char *ctr_container_name(const ctr_container_t *c);
sim_world_t *ctr_container_world(const ctr_container_t *c);
int ctr_container_started(const ctr_container_t *c);
int ctr_container_dead(const ctr_container_t *c);   /* _died is sent */
int ctr_container_being_killed(const ctr_container_t *c);
int ctr_container_max_workers(const ctr_container_t *c);
size_t ctr_container_worker_count(const ctr_container_t *c);
size_t ctr_container_managed_count(const ctr_container_t *c);

/* Bound extensions in the container's iteration order (dependencies,
 * entrypoints, sub-extensions). */
size_t ctr_container_extension_count(const ctr_container_t *c);
ctr_extension_t *ctr_container_extension(const ctr_container_t *c, size_t i);
/* By name: the first extension whose name matches, or NULL. */
ctr_extension_t *ctr_container_find(const ctr_container_t *c,
                                    const char *name);

/* ---------------------------------------------------------------- extension */

const char *ctr_extension_name(const ctr_extension_t *e);
ctr_ext_kind_t ctr_extension_kind(const ctr_extension_t *e);
const ctr_ext_decl_t *ctr_extension_decl(const ctr_extension_t *e);
ctr_container_t *ctr_extension_container(const ctr_extension_t *e);
void *ctr_extension_user(const ctr_extension_t *e);

/* ProviderCollector: register / unregister `provider` with `collector`
 * (unregistering an unknown provider is a no-op; the last unregister wakes
 * the collector's stop). */
int ctr_collector_register(ctr_extension_t *collector,
                           ctr_extension_t *provider);
int ctr_collector_unregister(ctr_extension_t *collector,
                             ctr_extension_t *provider);

/* ---------------------------------------------------------------- worker */

const char *ctr_worker_call_id(const ctr_worker_ctx_t *ctx);
const char *ctr_worker_method(const ctr_worker_ctx_t *ctx);
const char *ctr_worker_args(const ctr_worker_ctx_t *ctx);
ctr_extension_t *ctr_worker_entrypoint(const ctr_worker_ctx_t *ctx);
ctr_container_t *ctr_worker_container(const ctr_worker_ctx_t *ctx);
sim_thread_t *ctr_worker_thread(const ctr_worker_ctx_t *ctx);
/* The value get_dependency injected under `name`, or NULL. */
const void *ctr_worker_dependency(const ctr_worker_ctx_t *ctx,
                                  const char *name);
/* Added: the result and error that worker_result saw (after handle_result;
 * NULL until then), and whether the lifecycle ran to its end (teardown
 * returned).  A killed worker never gets that far. */
const void *ctr_worker_result(const ctr_worker_ctx_t *ctx);
const sim_error_t *ctr_worker_exc(const ctr_worker_ctx_t *ctx);
int ctr_worker_done(const ctr_worker_ctx_t *ctx);

/* ---------------------------------------------------------------- memory */

/* Every allocation of the container library goes through sim's one
 * allocator (sim_alloc.h), so sim_alloc_fail_nth and friends make the
 * container's allocations fail too. */

/* ---------------------------------------------------------------- runner */

int ctr_runner_new(sim_world_t *w, ctr_runner_t **out);
/* With the runner_wait switch of `variant` (NULL = current). */
int ctr_runner_new_variant(sim_world_t *w, const ctr_variant_t *variant,
                           ctr_runner_t **out);
void ctr_runner_free(ctr_runner_t *r);
/* A second container with the same service name replaces the first. */
int ctr_runner_add(ctr_runner_t *r, ctr_container_t *c);
size_t ctr_runner_count(const ctr_runner_t *r);
ctr_container_t *ctr_runner_container(const ctr_runner_t *r, size_t i);
/* All containers in parallel; logs info "starting services: a, b" then
 * debug "services started: a, b" (stopping/stopped; killing/killed - the
 * reference's killed line ends in a space: "services killed: a, b "). */
int ctr_runner_start(ctr_runner_t *r);
int ctr_runner_stop(ctr_runner_t *r);
int ctr_runner_kill(ctr_runner_t *r);
/* Fail-fast wait over all containers; on the first error it stops every
 * container and re-raises (spec 3.1, 3.3).  runner_wait=all: a plain wait
 * in order, no stop; safe: fail fast without losing an error. */
int ctr_runner_wait(ctr_runner_t *r);
/* The command-line host of `nameko run` (spec 3.3) as a green thread:
 * start the runner, wait on a spawned runner.wait; a KeyboardInterrupt
 * while waiting runs runner.stop() inline, a second one during that stop
 * runs runner.kill().  The thread exits normally once the wait completed
 * (or raises what the wait raised). */
int ctr_runner_host(ctr_runner_t *r, sim_thread_t **out);
/* Deliver one interrupt: raise KeyboardInterrupt (a SIM_ERR_BASE error) in
 * the host thread at its suspension point, like Ctrl-C.  Called from a
 * green thread this yields as sim_thread_kill does.  SIM_ESTATE before
 * ctr_runner_host. */
int ctr_runner_interrupt(ctr_runner_t *r);

#ifdef __cplusplus
}
#endif
#endif /* CTR_CONTAINER_H */
