/*
 * sim.h - csim's deterministic virtual scheduler.
 *
 * A world holds cooperative green threads, a virtual clock in integer
 * nanoseconds, and the eventlet-faithful primitives the container is built
 * on (spec/container.md section 3.4): spawn, sleep/yield, kill, link, thread
 * wait, Event, Semaphore and Pool.  Everything that could be decided more
 * than one way goes through sim_choose(), answered by the world's strategy,
 * so a run is a pure function of (program, strategy, seed).
 *
 * Error model (as CPython's C API): a function that can "raise" returns a
 * negative code and leaves the error value pending on the current green
 * thread.  SIM_EKILLED means the pending error is the kill condition
 * (GreenletExit); SIM_ERAISED means any other error value.  A thread body
 * that returns either code exits with the pending error; returning 0 is a
 * normal return.  Catching is sim_error_take().  Plain failures that are not
 * raised inside the simulation (bad arguments, out of memory) return
 * SIM_EINVAL, SIM_ENOMEM, ... and leave nothing pending.
 *
 * Nothing here is thread-safe; a world is driven by one OS thread, and
 * several worlds may live in one process (one runs at a time).
 */
#ifndef SIM_H
#define SIM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "sim_alloc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t sim_time_t; /* virtual nanoseconds */

#define SIM_NS(x) ((sim_time_t)(x))
#define SIM_US(x) ((sim_time_t)(x) * 1000)
#define SIM_MS(x) ((sim_time_t)(x) * 1000000)
#define SIM_S(x) ((sim_time_t)(x) * 1000000000)

enum {
    SIM_OK = 0,
    SIM_EKILLED = -1, /* pending error is the kill condition (GreenletExit) */
    SIM_ERAISED = -2, /* pending error is some other error value */
    SIM_ENOMEM = -3,
    SIM_EINVAL = -4,
    SIM_ESTATE = -5,  /* call not allowed here (e.g. blocking from the hub) */
    SIM_EHUNG = -6,   /* sim_run: threads blocked with nothing to wake them */
    SIM_ELIMIT = -7,  /* sim_run: step or virtual-time limit reached */
    SIM_ECRASH = -8,  /* sim_run: a green thread overflowed its stack */
};

const char *sim_strerror(int code);

typedef struct sim_world sim_world_t;
typedef struct sim_thread sim_thread_t;
typedef struct sim_event sim_event_t;
typedef struct sim_sem sim_sem_t;
typedef struct sim_pool sim_pool_t;

/* ---------------------------------------------------------------- errors */

/* Error values are immutable and live as long as their world.  Identity
 * matters (a waiter gets the very object that was raised). */
typedef struct sim_error {
    const char *type;    /* e.g. "Exception", "Boom", "GreenletExit" */
    const char *message; /* never NULL; may be "" */
    unsigned flags;
} sim_error_t;

#define SIM_ERR_BASE 1u /* a BaseException: `except Exception` misses it */

/* The kill condition.  One static object shared by every world. */
extern const sim_error_t sim_error_exit;

/* Copies type and message into the world. NULL on allocation failure. */
const sim_error_t *sim_error_new(sim_world_t *w, const char *type,
                                 const char *message, unsigned flags);

/* Make `e` the current thread's pending error.  Returns SIM_EKILLED when `e`
 * is &sim_error_exit, else SIM_ERAISED. */
int sim_raise(sim_world_t *w, const sim_error_t *e);

/* The pending error of the current thread (NULL if none), and "catch":
 * return it and clear it. */
const sim_error_t *sim_error_pending(sim_world_t *w);
const sim_error_t *sim_error_take(sim_world_t *w);

/* The code sim_raise would return for `e`. */
int sim_error_code(const sim_error_t *e);

/* ---------------------------------------------------------------- world */

typedef enum {
    SIM_STRATEGY_FIFO = 0, /* eventlet's own order: the reference schedule */
    SIM_STRATEGY_RANDOM,   /* seeded, uniform at every choice point */
} sim_strategy_kind_t;

/* What a choice decides; strategies may treat kinds differently and the
 * explorer switches them on and off per kind. */
typedef enum {
    SIM_CHOICE_READY = 0, /* which ready thread runs next */
    SIM_CHOICE_WAKE_ORDER, /* order an Event wakes its waiters */
    SIM_CHOICE_EXT_ORDER,  /* order of extensions in a parallel call */
    SIM_CHOICE_TIMER_TIE,  /* order of timers due at the same instant */
    SIM_CHOICE_TIMER_EARLY, /* the next timer fires while threads are runnable */
    SIM_CHOICE_KINDS
} sim_choice_kind_t;

#define SIM_CHOICE_BIT(kind) (1u << (kind))
/* What sim_config_t.choices = 0 means: every kind but TIMER_EARLY, which
 * lets virtual time pass while threads could still run (a due timer firing
 * "late" in real time) and so widens the space a great deal. */
#define SIM_CHOICES_DEFAULT                                                    \
    (SIM_CHOICE_BIT(SIM_CHOICE_READY) | SIM_CHOICE_BIT(SIM_CHOICE_WAKE_ORDER) | \
     SIM_CHOICE_BIT(SIM_CHOICE_EXT_ORDER) | SIM_CHOICE_BIT(SIM_CHOICE_TIMER_TIE))
#define SIM_CHOICES_ALL (SIM_CHOICE_BIT(SIM_CHOICE_KINDS) - 1u)

typedef struct sim_config {
    sim_strategy_kind_t strategy;
    uint64_t seed;
    uint64_t step_limit;    /* 0 = default (1,000,000 switches) */
    sim_time_t time_limit;  /* 0 = default (1 hour of virtual time) */
    size_t stack_size;      /* 0 = default (64 KiB; doubled under ASan) */
    /* Added: stacks come from (and return to) this pool when set, so a loop
     * creating many worlds maps its stacks once.  NULL = a private pool. */
    struct sim_stack_pool *stack_pool;
    /* Added: the explorable choice kinds (SIM_CHOICE_BIT mask; 0 means
     * SIM_CHOICES_DEFAULT).  A kind left out is answered 0 (eventlet's
     * order) without asking the strategy and is not recorded. */
    unsigned choices;
} sim_config_t;

/* cfg may be NULL for defaults.  (A world on a libuv loop, in real time:
 * sim_world_new_uv in sim_uv.h.) */
int sim_world_new(const sim_config_t *cfg, sim_world_t **out);
void sim_world_free(sim_world_t *w);

/* Run the hub until nothing is runnable and no timer is pending.
 *   SIM_OK      every thread finished
 *   SIM_EHUNG   threads remain blocked and nothing can wake them
 *   SIM_ELIMIT  step or time limit hit (livelock)
 *   SIM_ECRASH  a green thread overflowed its stack (named in the trace)
 * May be called again after spawning more threads. */
int sim_run(sim_world_t *w);

sim_time_t sim_now(const sim_world_t *w);
uint64_t sim_steps(const sim_world_t *w);

/* The single choice point: an integer in [0, n).  n <= 1 returns 0 and is
 * not recorded.  fifo answers 0. */
unsigned sim_choose(sim_world_t *w, sim_choice_kind_t kind, unsigned n);

/* The recorded answers of every choice with n > 1, in order. */
size_t sim_choices(const sim_world_t *w, const uint32_t **answers);
/* Added: what the i-th recorded choice was about: its kind and its n.
 * Returns 0, or SIM_EINVAL past the end. */
int sim_choice_info(const sim_world_t *w, size_t i, sim_choice_kind_t *kind,
                    unsigned *n);

/* Copy a string into the world; it lives as long as the world. */
const char *sim_strdup(sim_world_t *w, const char *s);

/* ---------------------------------------------------------------- threads */

/* A thread body.  Return 0, or a negative code with an error pending. */
typedef int (*sim_thread_fn)(sim_world_t *w, void *arg);

/* A link: runs in the dying thread (or in the caller when added after the
 * exit), FIFO.  Returning a negative code with an error pending aborts the
 * remaining links and replaces the thread's exit error. */
typedef int (*sim_link_fn)(sim_world_t *w, sim_thread_t *t, void *arg);

typedef enum {
    SIM_THREAD_NEW = 0,   /* spawned, not yet started */
    SIM_THREAD_READY,     /* runnable, queued */
    SIM_THREAD_RUNNING,
    SIM_THREAD_BLOCKED,   /* suspended on a timer, event, semaphore, ... */
    SIM_THREAD_EXITING,   /* exit observable, links running */
    SIM_THREAD_DEAD,
} sim_thread_state_t;

/* Queue a new thread; never switches.  `name` is copied and appears in the
 * trace.  Thread ids count up from 1 in spawn order (0 is the hub). */
int sim_spawn(sim_world_t *w, const char *name, sim_thread_fn fn, void *arg,
              sim_thread_t **out);

/* The running green thread, or NULL on the hub. */
sim_thread_t *sim_current(const sim_world_t *w);

/* Requeue the caller at the tail of the run queue (eventlet sleep(0)). */
int sim_yield(sim_world_t *w);
/* Suspend for d virtual ns (d <= 0 is a yield). */
int sim_sleep(sim_world_t *w, sim_time_t d);

/* Kill `t` with `err` (NULL = the kill condition), eventlet's three cases:
 * dead: no-op, no yield; not started: its links run now in the caller, the
 * body never runs, the caller still yields; suspended: `t` unwinds at once
 * from its suspension point and runs its links, and the caller resumes after
 * the threads queued before it.  Killing the caller itself raises at once.
 * Returns 0, or a negative code if the caller was itself killed. */
int sim_thread_kill(sim_world_t *w, sim_thread_t *t, const sim_error_t *err);

/* Block until `t` exited; *result gets its return value.  Raises the
 * thread's exit error (SIM_EKILLED for a killed thread). */
int sim_thread_wait(sim_world_t *w, sim_thread_t *t, const void **result);

int sim_thread_link(sim_world_t *w, sim_thread_t *t, sim_link_fn fn,
                    void *arg);

/* The value a thread body hands to sim_thread_wait.  Call from the body. */
void sim_thread_set_result(sim_world_t *w, const void *result);

sim_thread_state_t sim_thread_state(const sim_thread_t *t);
unsigned sim_thread_id(const sim_thread_t *t);
const char *sim_thread_name(const sim_thread_t *t);
/* Valid once the thread exited: its error (NULL for a normal return). */
const sim_error_t *sim_thread_exit_error(const sim_thread_t *t);
const void *sim_thread_result(const sim_thread_t *t);

/* ---------------------------------------------------------------- event */

int sim_event_new(sim_world_t *w, const char *name, sim_event_t **out);
/* Never yields; schedules one wake-up per waiter (in waiting order under
 * fifo).  A second send raises AssertionError("Trying to re-send() an
 * already-triggered event"). */
int sim_event_send(sim_world_t *w, sim_event_t *e, const void *value,
                   const sim_error_t *err);
/* Returns at once when ready.  Raises the sent error, if any. */
int sim_event_wait(sim_world_t *w, sim_event_t *e, const void **value);
/* eventlet's `with Timeout(timeout, exception=False): e.wait()`: as
 * sim_event_wait, but a timer armed for `timeout` (> 0) virtual ns ends the
 * wait first if the event is not sent by then; *timed_out (optional) tells
 * which.  A timed-out wait returns 0. */
int sim_event_wait_timeout(sim_world_t *w, sim_event_t *e,
                           sim_time_t timeout, const void **value,
                           int *timed_out);
int sim_event_ready(const sim_event_t *e);
/* Only after a send: makes the event unsent again. */
int sim_event_reset(sim_world_t *w, sim_event_t *e);

/* ---------------------------------------------------------------- semaphore */

/* Fair FIFO counting semaphore (eventlet.Semaphore). */
int sim_sem_new(sim_world_t *w, const char *name, int count, sim_sem_t **out);
int sim_sem_acquire(sim_world_t *w, sim_sem_t *s);
int sim_sem_release(sim_world_t *w, sim_sem_t *s);
/* counter - waiters */
int sim_sem_balance(const sim_sem_t *s);

/* ---------------------------------------------------------------- pool */

/* eventlet.GreenPool(size). */
int sim_pool_new(sim_world_t *w, const char *name, int size,
                 sim_pool_t **out);
/* Blocks while full.  Quirk kept from eventlet: when the pool is full and
 * the caller is one of its threads, fn runs inline in the caller and *out is
 * an already exited, untracked thread (an error from fn propagates). */
int sim_pool_spawn(sim_world_t *w, sim_pool_t *p, const char *name,
                   sim_thread_fn fn, void *arg, sim_thread_t **out);
/* sim_pool_spawn, but once a slot is granted (after any wait for it),
 * admit(w, admit_arg) decides: a negative return gives the slot back and is
 * returned (with whatever error admit raised), and no thread is made.  Not
 * consulted for an inline run (the caller never waited). */
int sim_pool_spawn_if(sim_world_t *w, sim_pool_t *p, const char *name,
                      sim_thread_fn fn, void *arg,
                      int (*admit)(sim_world_t *w, void *admit_arg),
                      void *admit_arg, sim_thread_t **out);
/* Returns at once when idle; raises AssertionError when called from one of
 * the pool's threads. */
int sim_pool_waitall(sim_world_t *w, sim_pool_t *p);
int sim_pool_running(const sim_pool_t *p);
int sim_pool_free(const sim_pool_t *p);
/* Whether `t` is one of the pool's running threads. */
int sim_pool_contains(const sim_pool_t *p, const sim_thread_t *t);

/* ---------------------------------------------------------------- trace */

typedef struct sim_trace_event {
    uint64_t seq;        /* index in the trace */
    uint64_t step;       /* scheduler switches so far */
    sim_time_t time;     /* virtual ns */
    unsigned thread;     /* id of the thread that was running; 0 = hub */
    const char *kind;    /* short static string: "spawn", "kill", "log", ... */
    const char *subject; /* what it is about (thread name, extension, ...) */
    const char *detail;  /* free text; never NULL */
} sim_trace_event_t;

/* Append an event; subject and the formatted detail are copied.  `kind`
 * must be a string that outlives the world (a literal). */
void sim_trace(sim_world_t *w, const char *kind, const char *subject,
               const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Added: sim_trace with a va_list (for loggers built on the trace). */
void sim_vtrace(sim_world_t *w, const char *kind, const char *subject,
                const char *fmt, va_list ap);

size_t sim_trace_count(const sim_world_t *w);
const sim_trace_event_t *sim_trace_get(const sim_world_t *w, size_t i);

/* Hang report: calls cb once per thread that is not dead, in id order, with
 * what it waits on ("event go", "semaphore pool", "thread worker-3",
 * "sleep until 5ms", "ready", "running").  An exiting thread appears only
 * while it is suspended inside one of its links.  waiting_on is valid during
 * the callback only. */
typedef void (*sim_blocked_cb)(void *arg, const sim_thread_t *t,
                               const char *waiting_on);
void sim_blocked_threads(const sim_world_t *w, sim_blocked_cb cb, void *arg);

/* Name of the context-switch backend compiled in: "asm" or "ucontext". */
const char *sim_backend(void);

/* ---------------------------------------------------------------- additions
 *
 * Everything below was added after the first version of this header; the
 * functions above are unchanged.
 *
 * Steps: sim_steps() counts resumes of green threads by the hub (one step =
 * one hub -> thread -> hub round trip); the step limit counts the same.
 *
 * Durations in trace details are written with the largest unit that divides
 * them exactly: "2s", "5ms", "1500us", "3ns" ("0ns" for zero). */

/* Format a virtual time or duration as above; returns snprintf's result. */
int sim_time_format(sim_time_t t, char *buf, size_t size);

/* A pool of guarded, mmap'ed stacks of one size, shareable by any number of
 * worlds (one at a time; not thread-safe).  Freeing it unmaps the stacks it
 * holds; free it after the worlds that use it. */
typedef struct sim_stack_pool sim_stack_pool_t;
int sim_stack_pool_new(size_t stack_size, sim_stack_pool_t **out);
void sim_stack_pool_free(sim_stack_pool_t *p);

/* Custom strategy: when set, every choice with n > 1 not answered by the
 * prefix is answered by cb (clamped to n - 1).  For pct/dfs/replay
 * strategies living above sim. */
typedef unsigned (*sim_chooser_cb)(void *arg, sim_choice_kind_t kind,
                                   unsigned n);
void sim_world_set_chooser(sim_world_t *w, sim_chooser_cb cb, void *arg);
/* Answer the first n choices (with n > 1) from `answers` (copied; an
 * answer >= the choice's n is clamped), then fall back to the strategy. */
int sim_world_set_prefix(sim_world_t *w, const uint32_t *answers, size_t n);

/* Added: during a SIM_CHOICE_READY choice, the thread answer i would run
 * (NULL for an internal callback entry or past the end), so a strategy can
 * rank candidates by thread (PCT's priorities). */
sim_thread_t *sim_ready_at(const sim_world_t *w, unsigned i);

/* Threads by id (1 ..= count), for reports. */
size_t sim_thread_count(const sim_world_t *w);
sim_thread_t *sim_thread_by_id(const sim_world_t *w, unsigned id);

/* The allocation-failure test hooks (sim_alloc_fail_after, ...) are
 * declared in sim_alloc.h, included above. */

#ifdef __cplusplus
}
#endif
#endif /* SIM_H */
