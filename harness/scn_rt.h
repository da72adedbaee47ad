/*
 * scn_rt.h - private to the runner and the interpreter: one run's state
 * (world, containers, events, named threads) and the step interpreter.
 */
#ifndef SCN_RT_H
#define SCN_RT_H

#include "scn.h"

typedef struct scn_rt scn_rt_t;

typedef struct scn_svcrt {
    const scn_service_t *svc;
    scn_rt_t *rt;
    ctr_service_def_t def;
    ctr_container_t *c;
} scn_svcrt_t;

/* decl->user of every extension, and the handle_result argument. */
typedef struct scn_extrt {
    scn_rt_t *rt;
    scn_svcrt_t *svc;
    const scn_ext_t *ext;
    /* Built-in entrypoints (scn_ext_t.timer / .tcp): the bound extension
     * (set by its start), a timer's should_stop event and loop thread, and
     * whether a tcp entrypoint takes requests (from its start to its stop
     * or kill). */
    ctr_extension_t *bound;
    sim_event_t *should_stop;
    sim_thread_t *timer_loop;
    int accepting;
} scn_extrt_t;

typedef struct scn_methrt {
    scn_rt_t *rt;
    scn_svcrt_t *svc;
    const scn_method_t *method;
} scn_methrt_t;

typedef struct scn_named {
    const char *name;
    sim_thread_t *t;
} scn_named_t;

struct scn_rt {
    const scn_model_t *m;
    sim_world_t *w;
    scn_arena_t arena; /* everything the run allocates */
    scn_svcrt_t *svcs; /* by service index */
    sim_event_t **events; /* by model event index */
    const sim_error_t **errors; /* by model named-error index */
    ctr_runner_t *runner;
    ctr_variant_t variant; /* every container's and the runner's */
    scn_result_t *res;
    scn_named_t *named;
    size_t n_named, cap_named;
    uint64_t ops; /* steps interpreted so far (scn__exec) */
    int oom;
};

/* The execution context of a step list. */
typedef struct scn_cx {
    scn_rt_t *rt;
    scn_svcrt_t *svc;       /* own service (NULL in actors) */
    ctr_extension_t *ext;   /* the extension whose hook runs, or NULL */
    ctr_worker_ctx_t *wctx; /* the worker, or NULL */
    const scn_actor_t *actor;
    const void *result;     /* worker_result / handle_result inputs */
    const sim_error_t *exc;
    int has_result;
    const void *ret;        /* set by `return` */
} scn_cx_t;

/* Build what a run needs on rt->w (rt->m, rt->w, rt->res and rt->variant
 * set): the events, the named errors, a container per service and the
 * runner of the `runner` line.  scn__rt_free frees them, then the world and
 * the arena (a libuv world's loop still has to run its close callbacks). */
int scn__rt_build(scn_rt_t *rt);
void scn__rt_free(scn_rt_t *rt);

/* One request line to a tcp entrypoint, in the calling green thread: the
 * worker's result, `error: Type: message` (the method raised, the worker
 * was killed, spawn_worker refused: `error: ContainerBeingKilled`), or
 * `error: Unavailable: ...` while the entrypoint is not started.  Traced as
 * `reply EP LINE`; *reply is world-owned, one line (newlines escaped).
 * Fails only when the caller itself is killed or memory runs out. */
int scn__request(scn_rt_t *rt, ctr_extension_t *ep, const char *args,
                 const char **reply);

/* Run a step list: 0 when it ran to the end, 1 after `return` (value in
 * cx->ret), or a negative code with an error pending. */
int scn__exec(scn_cx_t *cx, const scn_step_t *s);

/* The index of `e` among the run's named error objects, or -1. */
int scn__named_index(const scn_rt_t *rt, const sim_error_t *e);

/* A new error object; GreenletExit is the kill condition and the base
 * errors get SIM_ERR_BASE.  NULL on allocation failure. */
const sim_error_t *scn__new_error(sim_world_t *w, const char *type,
                                  const char *message);
/* Create a model error as a world error object, with substitutions in its
 * message (a named one is the run's one object).  NULL on OOM. */
const sim_error_t *scn__make_error(scn_cx_t *cx, const scn_errspec_t *e);

extern const ctr_ext_ops_t scn__ext_ops;
int scn__method(ctr_worker_ctx_t *ctx, void *user, const void **result);
int scn__actor_main(sim_world_t *w, void *arg);

#endif /* SCN_RT_H */
