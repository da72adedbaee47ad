/*
 * variant.h - the container's behaviour switches (spec/container.md 2.3)
 * and the named presets (2.2) that combine them into one released version
 * of nameko's ServiceContainer, plus csim's own `hardened` container.
 *
 * A variant is a plain struct of small enums, copied into a container when
 * it is created; every switch is independent, so a scenario can take a
 * preset and change single switches ("v1.5.0 send_guard=on").  The first
 * value of each enum is the oldest behaviour.  Presets and switch names are
 * the words scenario files and the command line use.
 */
#ifndef CTR_VARIANT_H
#define CTR_VARIANT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A second kill while one runs (spec 2.3 KILL_REENTRY). */
typedef enum {
    CTR_REENTRY_NONE = 0,     /* V1: the second kill repeats everything */
    CTR_REENTRY_FALLTHROUGH,  /* v1.0-v1.4: wait for death unprotected (the
                                 first kill's error is raised out of the
                                 second kill), then fall through to the
                                 dead check: "already stopped", return */
    CTR_REENTRY_RETURN,       /* v1.5+: wait, swallow, return */
} ctr_kill_reentry_t;

/* A stop while a kill runs (STOP_DURING_KILL). */
typedef enum {
    CTR_STOP_DURING_KILL_RUN = 0, /* <= v1.4: stop runs its whole sequence */
    CTR_STOP_DURING_KILL_WAIT,    /* v1.5+: wait for death, swallow, return */
} ctr_stop_during_kill_t;

/* The final _died.send of stop and kill (SEND_GUARD). */
typedef enum {
    CTR_SEND_GUARD_OFF = 0, /* <= v1.14: the later finisher's send raises
                               AssertionError out of its stop()/kill() */
    CTR_SEND_GUARD_ON,      /* v2.0+: `if not _died.ready()` */
} ctr_send_guard_t;

/* spawn_worker while being killed (SPAWN_GUARD). */
typedef enum {
    CTR_SPAWN_GUARD_OFF = 0, /* <= v1.6 */
    CTR_SPAWN_GUARD_ENTRY,   /* v1.7+: ContainerBeingKilled, checked only on
                                entry (a spawner blocked on a full pool gets
                                through once kill frees a slot) */
    CTR_SPAWN_GUARD_ADMIT,   /* hardened: checked again when the pool slot
                                is granted, before the worker thread exists */
} ctr_spawn_guard_t;

/* kill's argument (KILL_ARG). */
typedef enum {
    CTR_KILL_ARG_REQUIRED = 0, /* v1.0-v1.4: kill(exc); kill() without one
                                  raises TypeError */
    CTR_KILL_ARG_OPTIONAL,     /* v1.5+: kill(exc_info=None) */
} ctr_kill_arg_t;

/* What extension kill hooks receive (EXT_KILL_ARG). */
typedef enum {
    CTR_EXT_KILL_ARG_EXC = 0, /* v1.0-v1.4: kill(exc): the container's kill
                                 error (ctr_container_kill_arg) */
    CTR_EXT_KILL_ARG_NONE,    /* v1.5+: kill() */
} ctr_ext_kill_arg_t;

/* A timeout around the dependencies' kill (KILL_TIMEOUT). */
typedef enum {
    CTR_KILL_TIMEOUT_ON = 0, /* v1.0-v1.2.1: 3 s; on expiry warn "timeout
                                waiting for dependencies.kill <svc>" and go
                                on (the hooks run on as orphans) */
    CTR_KILL_TIMEOUT_OFF,    /* v1.2.2+ */
} ctr_kill_timeout_t;

/* The kill sequence (KILL_ORDER). */
typedef enum {
    CTR_KILL_ORDER_A = 0, /* v1.0-v1.2.1: all extensions, all tracked threads */
    CTR_KILL_ORDER_B,     /* v1.2.2-v2.3: entrypoints, non-protected threads
                             (workers and managed), all extensions,
                             protected threads */
    CTR_KILL_ORDER_C,     /* v2.4+: entrypoints, workers, all extensions,
                             managed threads */
} ctr_kill_order_t;

/* An extension kill that raises (SAFE_EXT_KILL). */
typedef enum {
    CTR_SAFE_KILL_OFF = 0, /* <= v1.12: the error aborts kill(): no death */
    CTR_SAFE_KILL_ON,      /* v1.13+: an Exception is a warning; a
                              BaseException still aborts */
    CTR_SAFE_KILL_ALL,     /* hardened: any error is a warning, and kill
                              waits for every hook of the set */
} ctr_safe_kill_t;

/* What stop does after the extensions stopped (STOP_TAIL). */
typedef enum {
    CTR_STOP_TAIL_NONE = 0,        /* 2013-08..11 */
    CTR_STOP_TAIL_ACTIVE,          /* v1.0-v1.2.1: kill active threads,
                                      workers included */
    CTR_STOP_TAIL_ACTIVE_PROTECTED, /* v1.2.2-v2.3: active, then protected */
    CTR_STOP_TAIL_MANAGED,         /* v2.4+: managed threads only */
} ctr_stop_tail_t;

/* Where handle_result runs (HANDLE_RESULT_POS). */
typedef enum {
    CTR_HR_BEFORE = 0, /* <= v1.2.2 and >= v1.7.2: before worker_result */
    CTR_HR_AFTER,      /* v1.2.3-v1.7.1: after worker_result and teardown */
} ctr_hr_pos_t;

/* What handle_result's return does (HANDLE_RESULT_RETURNS). */
typedef enum {
    CTR_HR_IGNORED = 0, /* < v1.10 */
    CTR_HR_REPLACES,    /* >= v1.10: replaces (result, exc_info) */
} ctr_hr_returns_t;

/* How the result hooks get an error (RESULT_FORM). */
typedef enum {
    CTR_RESULT_EXCEPTION = 0, /* < v1.8: the exception instance */
    CTR_RESULT_EXC_INFO,      /* >= v1.8: an exc_info tuple */
} ctr_result_form_t;

/* How the worker hooks run (LIFECYCLE). */
typedef enum {
    CTR_LIFECYCLE_PARALLEL_ALL = 0, /* v1.x: parallel calls; worker_setup and
                                       worker_teardown on every extension
                                       (entrypoints too), get_dependency and
                                       worker_result on dependencies */
    CTR_LIFECYCLE_PARALLEL_DEPS,    /* v2.0-v2.5.0: parallel calls,
                                       dependencies only */
    CTR_LIFECYCLE_SEQUENTIAL,       /* v2.5.1+: loops in the worker thread */
} ctr_lifecycle_t;

/* How threads are tracked (THREAD_REGISTRY). */
typedef enum {
    CTR_REGISTRY_SET = 0,        /* v1.0: one set of active threads */
    CTR_REGISTRY_SET_PROTECTED,  /* v1.2.2: plus a protected set */
    CTR_REGISTRY_DICT_PROTECTED, /* v1.11.3: per-worker kill warnings */
    CTR_REGISTRY_SPLIT,          /* v2.4+: worker dict and managed dict */
} ctr_registry_t;

/* Level of "thread killed by container" (THREAD_EXIT_LOG, first half). */
typedef enum {
    CTR_KILLED_LOG_WARNING = 0, /* <= v1.14 */
    CTR_KILLED_LOG_DEBUG,       /* v2.0+ */
} ctr_killed_log_t;

/* Levels of error lines (THREAD_EXIT_LOG, second half, and #547). */
typedef enum {
    CTR_ERROR_LOG_ERROR = 0, /* <= v2.9.0: thread errors at error, worker
                                errors at debug */
    CTR_ERROR_LOG_CRITICAL,  /* v2.9.1+: thread errors critical, worker
                                errors error (expected ones warning) */
} ctr_error_log_t;

/* ServiceRunner.wait (spec 3.1, 3.3). */
typedef enum {
    CTR_RUNNER_WAIT_ALL = 0,   /* <= v1.2.1: wait every container in order */
    CTR_RUNNER_WAIT_FAIL_FAST, /* v1.2.2+: fail_fast_imap (can lose an error) */
    CTR_RUNNER_WAIT_SAFE,      /* hardened: fail fast, never loses one */
} ctr_runner_wait_t;

/* hardened only: where a kill runs. */
typedef enum {
    CTR_KILL_IN_CALLER = 0, /* the reference: in the calling thread, so a
                               kill that kills its caller never finishes */
    CTR_KILL_IN_THREAD,     /* a dedicated thread "<svc>.kill" runs the
                               sequence; the caller waits for death */
} ctr_kill_thread_t;

/* hardened only: how stops combine with each other and with a kill. */
typedef enum {
    CTR_STOP_GUARD_OFF = 0, /* the reference: concurrent stops both run in
                               full; a stop that finishes first sends death
                               without the concurrent kill's error */
    CTR_STOP_GUARD_ON,      /* the first stop runs the shutdown, later ones
                               wait for death; a stop that finishes while a
                               kill runs leaves the send to the kill; a stop
                               whose extension raises ends in kill(error);
                               a stop from one of the container's workers
                               runs in its own thread and returns at once */
} ctr_stop_guard_t;

typedef struct ctr_variant {
    unsigned char kill_reentry;     /* ctr_kill_reentry_t */
    unsigned char stop_during_kill; /* ctr_stop_during_kill_t */
    unsigned char send_guard;       /* ctr_send_guard_t */
    unsigned char spawn_guard;      /* ctr_spawn_guard_t */
    unsigned char kill_arg;         /* ctr_kill_arg_t */
    unsigned char ext_kill_arg;     /* ctr_ext_kill_arg_t */
    unsigned char kill_timeout;     /* ctr_kill_timeout_t */
    unsigned char kill_order;       /* ctr_kill_order_t */
    unsigned char safe_ext_kill;    /* ctr_safe_kill_t */
    unsigned char stop_tail;        /* ctr_stop_tail_t */
    unsigned char hr_pos;           /* ctr_hr_pos_t */
    unsigned char hr_returns;       /* ctr_hr_returns_t */
    unsigned char result_form;      /* ctr_result_form_t */
    unsigned char lifecycle;        /* ctr_lifecycle_t */
    unsigned char registry;         /* ctr_registry_t */
    unsigned char killed_log;       /* ctr_killed_log_t */
    unsigned char error_log;        /* ctr_error_log_t */
    unsigned char runner_wait;      /* ctr_runner_wait_t */
    unsigned char kill_thread;      /* ctr_kill_thread_t */
    unsigned char stop_guard;       /* ctr_stop_guard_t */
} ctr_variant_t;

/* The presets, oldest first: "V1" (the unreleased first kill, 2013-11-08
 * to 11-14), "v1.0.0", "v1.2.2", "v1.2.3", "v1.5.0", "v1.7.0", "v1.7.2",
 * "v1.10.0", "v1.11.3", "v1.13.0", "v2.0.0", "v2.4.0", "v2.5.1",
 * "current", then "hardened". */
size_t ctr_preset_count(void);
const char *ctr_preset_name(size_t i);
/* The spec's summary of preset i (one line). */
const char *ctr_preset_summary(size_t i);
/* 0, or SIM_EINVAL (-22) for an unknown name.  out may be NULL. */
int ctr_variant_preset(const char *name, ctr_variant_t *out);
/* The "current" preset (what ctr_container_new uses). */
const ctr_variant_t *ctr_variant_current(void);

/* Switches by name, in struct order: switch i has ctr_switch_value_count(i)
 * values, named by ctr_switch_value_name(i, v). */
size_t ctr_switch_count(void);
const char *ctr_switch_name(size_t i);
size_t ctr_switch_value_count(size_t i);
const char *ctr_switch_value_name(size_t i, size_t v);
/* The value of switch i in *v. */
unsigned ctr_variant_get(const ctr_variant_t *v, size_t i);
/* Set "name=value" pieces: 0, or SIM_EINVAL for an unknown switch or
 * value (nothing changed). */
int ctr_variant_set(ctr_variant_t *v, const char *name, const char *value);
/* The switch index for a name, or -1. */
int ctr_switch_find(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* CTR_VARIANT_H */
