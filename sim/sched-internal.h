/*
 * sched-internal.h - private structures and cross-file helpers of sim.
 *
 * Only the sources of sim/ include this.  The world owns everything: threads, events,
 * semaphores, pools, error values and strings live in its arena and die with
 * it; the run queue, timer heap, trace and choice arrays grow geometrically.
 */
#ifndef SIM_SCHED_INTERNAL_H
#define SIM_SCHED_INTERNAL_H

#include "sim.h"
#include "ctx.h"

#include <setjmp.h>
#include <stdarg.h>

#if defined(__SANITIZE_ADDRESS__)
#define SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#endif

/* Invariants are checked in every build: they are cheap and a broken
 * scheduler must never go on silently. */
#define SIM_ASSERT(c) ((c) ? (void)0 : sim__assert_fail(#c, __FILE__, __LINE__))
_Noreturn void sim__assert_fail(const char *expr, const char *file, int line);

#define SIM_LIKELY(x) __builtin_expect(!!(x), 1)
#define SIM_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---------------------------------------------------------------- alloc.c */

void *sim__malloc(size_t size);
void *sim__calloc(size_t n, size_t size);
void *sim__realloc(void *p, size_t size);
void sim__free(void *p);
/* Consumes one allocation "ticket" of the failure hook: nonzero = fail
 * (counted as a failure).  An allocation made outside sim__malloc (a stack
 * mapping) takes a ticket first, then reports its outcome with
 * sim__alloc_note: p NULL counts a real failure, else live += delta. */
int sim__alloc_fails(void);
void sim__alloc_note(void *p, long delta);
/* Grow *arr (of *cap elements of size elem) to hold at least need. */
int sim__grow(void **arr, size_t *cap, size_t need, size_t elem,
              size_t initial);

/* ---------------------------------------------------------------- arena.c */

typedef struct sim__chunk {
    struct sim__chunk *next;
    size_t used, size;
    /* data follows, max-aligned */
} sim__chunk_t;

typedef struct sim__arena {
    sim__chunk_t *head;
} sim__arena_t;

void *sim__arena_alloc(sim__arena_t *a, size_t size);
void sim__arena_free(sim__arena_t *a);
const char *sim__arena_strdup(sim__arena_t *a, const char *s);
/* printf into the arena; NULL on allocation failure. */
const char *sim__arena_vprintf(sim__arena_t *a, const char *fmt, va_list ap);
/* vsnprintf, fast for the conversions the trace uses (arena.c). */
int sim__vformat(char *buf, size_t size, const char *fmt, va_list ap);
const char *sim__arena_printf(sim__arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------- stack.c */

typedef struct sim__stack {
    struct sim__stack *next; /* free list of its pool */
    void *map;               /* mapping incl. the guard page */
    size_t map_size;
    char *lo;                /* usable [lo, lo + size) */
    size_t size;
    size_t color;            /* bytes left unused at the top, see stack.c */
    unsigned vg_id;
} sim__stack_t;

struct sim_stack_pool {
    size_t stack_size;
    sim__stack_t *free;
    size_t nfree;
    size_t nlive; /* handed out and not yet returned */
    size_t ncreated;
};

size_t sim__page_size(void);
size_t sim__stack_default_size(void);
/* The usable size a request turns into (0 = default; page multiple). */
size_t sim__stack_round(size_t size);
int sim__stack_get(sim_stack_pool_t *p, sim__stack_t **out);
void sim__stack_put(sim_stack_pool_t *p, sim__stack_t *s);
/* Unmap a stack that must never be reused (a crashed thread's). */
void sim__stack_destroy(sim_stack_pool_t *p, sim__stack_t *s);
int sim__stack_in_guard(const sim__stack_t *s, const void *addr);
void sim__stack_pool_drain(sim_stack_pool_t *p);

/* ---------------------------------------------------------------- objects */

typedef enum {
    SIM__WAIT_NONE = 0,
    SIM__WAIT_READY, /* queued: yield, start, kill wake-up, woken */
    SIM__WAIT_SLEEP,
    SIM__WAIT_EVENT, /* wait_obj: the event (also a thread's exit event) */
    SIM__WAIT_SEM,   /* wait_obj: the semaphore */
} sim__wait_t;

/* FIFO of waiting threads, linked through sim_thread.wnext/wprev. */
typedef struct sim__waitq {
    sim_thread_t *head, *tail;
    unsigned n;
} sim__waitq_t;

typedef struct sim__link {
    struct sim__link *next;
    sim_link_fn fn;
    void *arg;
} sim__link_t;

struct sim_event {
    const char *name;
    const char *desc; /* "event go" or "thread worker-3": what waiters wait on */
    int ready;
    int quiet;        /* a thread's exit event: traced as "exit", not "send" */
    const void *value;
    const sim_error_t *err;
    sim__waitq_t waiters;
};

struct sim_sem {
    const char *name;
    const char *desc; /* "semaphore pool" */
    int counter;
    sim__waitq_t waiters;
};

struct sim_pool {
    const char *name;
    int size;
    int running;       /* threads in the running set (t->pool == this) */
    sim_sem_t sem;
    sim_event_t *idle; /* eventlet's no_coros_running */
};

struct sim_thread {
    sim_world_t *w;
    unsigned id;
    sim_thread_state_t state;
    uint64_t gen;     /* bumped at every suspension and every throw-in */
    int in_runq;      /* has a live entry in the run queue */
    int suspended;    /* switched out after having started */
    int resolving;    /* eventlet's _resolving_links */
    int crashed;
    int timed;        /* an event wait that also has a timeout timer */
    int timed_out;    /* that timer fired first */
    const char *name;
    sim_thread_fn fn;
    void *arg;
    const sim_error_t *pending;
    const sim_error_t *throw_err; /* set by kill: raised at resumption */
    const sim_error_t *exit_error;
    const void *result;
    const void *wake_value;       /* what the event send handed over */
    const sim_error_t *wake_err;
    sim__wait_t wait_kind;
    void *wait_obj;
    sim_time_t wait_until;
    sim_thread_t *wnext, *wprev;
    sim__waitq_t *wq;
    sim__link_t *links_head, *links_tail;
    sim_pool_t *pool;             /* pool whose running set holds it */
    sim_thread_t *inline_child;   /* inline pool spawn running on it */
    sim_event_t exit_ev;
    sim__stack_t *stack;
    void *asan_fake;
    sim__ctx_t ctx;
};

/* A zero-delay timer: resume `t` if still at generation `gen`, or call fn. */
typedef struct sim__entry {
    sim_thread_t *t;
    uint64_t gen;
    void (*fn)(sim_world_t *w, void *arg);
    void *arg;
} sim__entry_t;

typedef struct sim__timer {
    sim_time_t due;
    uint64_t seq;
    sim_thread_t *t;
    uint64_t gen;
} sim__timer_t;

/* A runtime other than the virtual clock (today only libuv, uv.c) hosting
 * a world: sim_run and sim_world_free hand over to it.  NULL on the virtual
 * clock, where nothing below is consulted. */
typedef struct sim__rt {
    int (*run)(sim_world_t *w);
    void (*release)(sim_world_t *w); /* before the world's memory goes */
} sim__rt_t;

struct sim_world {
    sim_config_t cfg;
    sim_time_t now;   /* trace time; the virtual clock itself when rt == NULL */
    uint64_t steps;
    sim_thread_t *current;
    const sim_error_t *hub_pending;
    sim_thread_t *direct; /* kill: resume this one next, bypassing the queue */
    sim_thread_t *back;   /* the thread that last switched to the hub */
    /* A callback entry a hand-off took from the queue: the hub runs it
     * first thing when it regains control. */
    void (*pending_fn)(sim_world_t *w, void *arg);
    void *pending_arg;
    int in_run;

    /* run queue: ring buffer, power-of-two capacity */
    sim__entry_t *rq;
    size_t rq_head, rq_len, rq_cap, rq_stale;

    sim__timer_t *heap;
    size_t heap_len, heap_cap;
    uint64_t timer_seq;

    sim_thread_t **threads; /* by id - 1 */
    size_t nthreads, threads_cap;

    sim_trace_event_t *trace;
    size_t trace_len, trace_cap;
    int trace_lost;

    uint32_t *choices;
    uint32_t *choice_meta; /* n << 8 | kind, in lockstep with choices */
    size_t nchoices, choices_cap;
    uint64_t rng;
    const uint32_t *prefix;
    size_t prefix_len, prefix_pos;
    sim_chooser_cb chooser;
    void *chooser_arg;

    void **scratch; /* temporary arrays of the wake-order / timer-tie choices */
    size_t scratch_cap;

    sim__arena_t arena;
    sim_stack_pool_t *stacks;
    sim_stack_pool_t own_stacks;

    /* Another runtime (sim__rt_t above).  tbase is its timeline, what
     * sim_now, sleeps and deadlines count from (sim__clock). */
    const sim__rt_t *rt;
    void *rt_data;
    sim_time_t tbase;
    /* A suspending thread hands off to the next one only below this many
     * steps (handoff in sched.c): the step limit on the virtual clock, 0 on
     * a runtime whose hub must see every step. */
    uint64_t handoff_limit;

    sim__ctx_t hub_ctx;
    void *hub_fake;
    const void *hub_stack_lo;
    size_t hub_stack_size;
    sigjmp_buf crash_jmp;
    volatile int crash_armed;
    sim_thread_t *volatile crashed;
};

/* ---------------------------------------------------------------- sched.c */

/* Append a zero-delay entry at the tail of the run queue. */
int sim__rq_push_thread(sim_world_t *w, sim_thread_t *t);
/* Make room for `extra` more entries, so the pushes cannot fail. */
int sim__rq_reserve(sim_world_t *w, size_t extra);
int sim__scratch_reserve(sim_world_t *w, size_t n);
/* Arm a timer that wakes the running thread t at `due` (t must already be in
 * its wait: sim__begin_wait). */
int sim__timer_add(sim_world_t *w, sim_thread_t *t, sim_time_t due);
int sim__rq_push_call(sim_world_t *w, void (*fn)(sim_world_t *, void *),
                      void *arg);
/* Forget t's outstanding wake-ups (queue entry, timer): it is being resumed
 * by something else (a kill) or is dying unstarted. */
void sim__invalidate(sim_world_t *w, sim_thread_t *t);
/* Make the running thread wait: bumps its generation and records what it
 * waits on.  Register the wake-up source afterwards, then sim__suspend. */
void sim__begin_wait(sim_world_t *w, sim_thread_t *t, sim__wait_t kind,
                     void *obj);
/* Switch to the hub until resumed.  Returns 0, or SIM_EKILLED/SIM_ERAISED
 * when a kill threw into the suspension (its error is then pending). */
int sim__suspend(sim_world_t *w, sim_thread_t *t);
/* From the hub context: run t until it switches back. */
void sim__resume(sim_world_t *w, sim_thread_t *t);
/* Mark a blocked thread woken: queue it, trace "wake". */
int sim__wake(sim_world_t *w, sim_thread_t *t, const char *why);
/* The thread's body is done: leave its stack for good. */
_Noreturn void sim__exit_to_hub(sim_world_t *w, sim_thread_t *t);
void sim__describe_wait(const sim_thread_t *t, char *buf, size_t size);
int sim__pending_slot_is_hub(const sim_world_t *w);
const sim_error_t **sim__pending_slot(sim_world_t *w);

/* What sleeps and deadlines count from: the virtual clock, or the timeline
 * of another runtime. */
static inline sim_time_t sim__clock(const sim_world_t *w)
{
    return SIM_UNLIKELY(w->rt != NULL) ? w->tbase : w->now;
}

/* The hub's pieces another runtime's hub is built from (uv.c). */
static inline size_t sim__rq_live(const sim_world_t *w)
{
    return w->rq_len - w->rq_stale;
}
/* Remove and return the i-th live run-queue entry (0 = oldest). */
sim__entry_t sim__rq_take(sim_world_t *w, unsigned i);
/* Forget the stale entries of a queue without live ones. */
void sim__rq_clear_stale(sim_world_t *w);
/* The due time of the earliest live timer: 1, or 0 when there is none. */
int sim__timer_next(sim_world_t *w, sim_time_t *due);
/* Queue every thread whose timer is due at the earliest instant (as the
 * virtual hub does when nothing is runnable): 1, 0 without timers, or
 * SIM_ELIMIT / SIM_ENOMEM. */
int sim__timer_fire(sim_world_t *w);
/* Trace one `kind` event ("hung", "limit") per thread not dead. */
void sim__report_threads(sim_world_t *w, const char *kind);
/* After the overflow handler jumped back to the hub: the thread is dead. */
void sim__crash_recover(sim_world_t *w);

/* ---------------------------------------------------------------- crash.c */

void sim__crash_install(void);
void sim__crash_set_world(sim_world_t *w);
sim_world_t *sim__crash_get_world(void);

/* ---------------------------------------------------------------- trace.c */

/* Make room for one more event; negative (event lost) on failure. */
int sim__trace_grow(sim_world_t *w);

/* Append an event whose strings are already world-owned or static.  Inline:
 * two of these happen per yield. */
static inline void sim__trace_raw(sim_world_t *w, const char *kind,
                                  const char *subject, const char *detail)
{
    sim_trace_event_t *ev;

    if (SIM_UNLIKELY(w->trace_len == w->trace_cap) && sim__trace_grow(w) < 0)
        return;
    ev = &w->trace[w->trace_len];
    ev->seq = w->trace_len;
    ev->step = w->steps;
    ev->time = w->now;
    ev->thread = w->current ? w->current->id : 0;
    ev->kind = kind;
    ev->subject = subject ? subject : "";
    ev->detail = detail ? detail : "";
    w->trace_len++;
}
/* "error Type: message" or "killed", in the arena. */
const char *sim__error_detail(sim_world_t *w, const sim_error_t *e);
void sim__format_time(sim_time_t t, char *buf, size_t size);

/* ---------------------------------------------------------------- error.c */

/* Error value standing for a plain failure code returned by a body. */
const sim_error_t *sim__error_for_code(int code);
/* The current context's pending error, taken; a stand-in for a failure code
 * without one. */
const sim_error_t *sim__take_exit_error(sim_world_t *w, int rc);

/* ---------------------------------------------------------------- event.c */

void sim__event_init(sim_event_t *e, const char *name, const char *desc,
                     int quiet);
int sim__event_send(sim_world_t *w, sim_event_t *e, const void *value,
                    const sim_error_t *err);
int sim__event_wait(sim_world_t *w, sim_event_t *e, const void **value);
void sim__waitq_push(sim__waitq_t *q, sim_thread_t *t);
void sim__waitq_remove(sim__waitq_t *q, sim_thread_t *t);
sim_thread_t *sim__waitq_pop(sim__waitq_t *q);

/* ---------------------------------------------------------------- sem.c */

void sim__sem_init(sim_sem_t *s, const char *name, const char *desc,
                   int count);

/* ---------------------------------------------------------------- thread.c */

/* sim_spawn with an optional first link registered before anyone can see
 * the thread (GreenPool's _spawn_done). */
int sim__spawn(sim_world_t *w, const char *name, sim_thread_fn fn, void *arg,
               sim_link_fn first_link, void *link_arg, sim_thread_t **out);
/* Create a thread object that is never scheduled (inline pool spawn). */
int sim__thread_new_inline(sim_world_t *w, const char *name,
                           sim_thread_t **out);
/* Run fn inline in the caller and finish t with its outcome. */
int sim__thread_run_inline(sim_world_t *w, sim_thread_t *t, sim_thread_fn fn,
                           void *arg);
void sim__thread_entry(void *arg);
/* Runs on the thread's own stack: the body, then the exit sequence. */
void sim__thread_body(sim_world_t *w, sim_thread_t *t);

/* ---------------------------------------------------------------- strategy.c */

void sim__strategy_init(sim_world_t *w);
/* Room for `need` recorded choices (answers and their kind / n). */
int sim__choices_reserve(sim_world_t *w, size_t need);

/* sim_choose for the hub's per-step ready choice: the fifo answer is
 * recorded without a call when nothing else can answer. */
static inline unsigned sim__choose_ready(sim_world_t *w, unsigned n)
{
    if (n <= 1)
        return 0;
    if (SIM_LIKELY(w->cfg.strategy == SIM_STRATEGY_FIFO && w->chooser == NULL &&
                   w->prefix_pos >= w->prefix_len &&
                   (w->cfg.choices & SIM_CHOICE_BIT(SIM_CHOICE_READY)) &&
                   w->nchoices < w->choices_cap)) {
        w->choice_meta[w->nchoices] = n << 8 | SIM_CHOICE_READY;
        w->choices[w->nchoices++] = 0;
        return 0;
    }
    return sim_choose(w, SIM_CHOICE_READY, n);
}

#endif /* SIM_SCHED_INTERNAL_H */
