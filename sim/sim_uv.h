/*
 * sim_uv.h - hosting a sim world on a libuv loop, in real time.
 *
 * sim_world_new_uv() makes a world whose clock follows real time instead of
 * jumping from timer to timer.  Everything in sim.h works on it unchanged
 * (spawn, sleep, yield, kill, link, events and wait_timeout, semaphores,
 * pools, the trace, hang reports), so the container and any extension code
 * run on it as they are; only the constructor differs.  sim_run() on such a
 * world runs uv_run() on the caller's (main) stack until the world is done
 * and returns what it returns on the virtual clock.
 *
 * How it runs (uv.c has the details):
 *  - the ready queue is drained by a uv_idle_t, started when there is work
 *    and stopped when the queue is empty (an active idle handle makes the
 *    loop spin).  Each idle callback runs the entries queued when it began,
 *    then returns to the loop, so I/O and signals get in between;
 *  - sleeps and event-wait timeouts go into the world's timer heap, as on
 *    the virtual clock; one uv_timer_t per world is armed for the earliest.
 *    Timers fire only when no thread is runnable, in (due, start) order,
 *    exactly as the simulator's fifo schedule does;
 *  - every choice point answers 0 (fifo) and nothing is recorded: a libuv
 *    world has no strategy, prefix or chooser (cfg->strategy must be
 *    SIM_STRATEGY_FIFO; cfg->choices is ignored; sim_world_set_prefix and
 *    sim_world_set_chooser have no effect);
 *  - green threads only ever run from libuv callbacks on the main stack, and
 *    uv_run() is never called from a green thread.
 *
 * Time.  Two clocks, both in ns from the world's first sim_run (events
 * traced before it have time 0):
 *  - trace time (sim_trace_event_t.time) is real elapsed time (uv_hrtime),
 *    read when the hub resumes a thread or enters a callback;
 *  - sim_now() is the world's timeline, which sleeps and deadlines count
 *    from.  It moves to a timer's due time when that timer fires (which is
 *    never before that instant in real time), and up to real time when the
 *    world is entered from outside: sim_run, a signal, or work queued by a
 *    host callback while the world had nothing to do.  Green threads are
 *    taken to cost no time, as in the simulator: sim_sleep(w, d) wakes at
 *    sim_now() + d, so a chain of sleeps does not drift, and a world driven
 *    only by its own timers produces exactly the simulator's fifo trace,
 *    however late the loop fires: the same events, steps and sim_now();
 *    only the trace's time fields differ.  The price: a thread that really
 *    computes for a while shortens its next sleep by that much (never
 *    below zero).  sim_now() <= trace time always.
 *
 * When sim_run returns:
 *    SIM_OK      no green thread is left (all exited);
 *    SIM_EHUNG   threads are alive but nothing can wake them: the ready
 *                queue is empty, no sleep or timeout is pending and no
 *                outside source is registered (a signal handler of
 *                sim_uv_on_signal, or a sim_uv_ref()).  While such a source
 *                exists, blocked threads simply wait for it;
 *    SIM_ELIMIT  cfg->step_limit or cfg->time_limit (real ns) reached;
 *                both default to no limit on a libuv world;
 *    SIM_ECRASH  a green thread overflowed its stack (named on stderr and
 *                in the trace); the loop is left intact;
 *    SIM_ESTATE  called from a green thread, from one of the world's own
 *                callbacks, or uv_run returned early because someone else
 *                called uv_stop(): the world is not done, sim_run may be
 *                called again to go on.
 * "hung" / "limit" trace events name the blocked threads as on the virtual
 * clock.  sim_run may be called again after more threads were spawned.
 *
 * The world's handles are active, and keep the loop alive, only during
 * sim_run; outside it the world never runs a green thread by itself.  The
 * host may use the same loop for its own handles (a TCP server, say), and
 * its callbacks may call sim.h functions from the hub (sim_current() ==
 * NULL), best after sim_uv_update_time(): spawn, event send, semaphore
 * release, even kill (which runs the victim right there, without the
 * stack-overflow guard: prefer sending an event or spawning a killer).
 * Work queued that way runs from the idle handle.  Blocking calls (sleep,
 * waits) are for green threads only; green threads may call non-blocking
 * libuv functions (uv_write, say: the request must not live on the green
 * stack unless the thread waits for its callback).  Never call sim_run, or
 * uv_run on the world's loop, from a libuv callback or a green thread.
 *
 * Freeing: sim_world_free() closes the world's handles and frees the world
 * at once.  The handles' own memory is released by their close callbacks,
 * so run the loop once more (e.g. uv_run(loop, UV_RUN_DEFAULT)) before
 * uv_loop_close(), as for any libuv handle.  Green threads own no handles
 * (the world's single timer serves them all), so nothing of a thread is in
 * use by libuv once the world is freed.
 *
 * Memory: the trace, the thread table and the strings of trace details grow
 * with every event, as on the virtual clock; a long-running host grows
 * without bound unless it makes new worlds.
 */
#ifndef SIM_UV_H
#define SIM_UV_H

#include "sim.h"

#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A world on `loop` (which must outlive it).  cfg may be NULL; its
 * strategy must be SIM_STRATEGY_FIFO (SIM_EINVAL otherwise); step_limit and
 * time_limit 0 mean no limit; stack_size and stack_pool as for
 * sim_world_new.  Everything else of sim.h applies to the result. */
int sim_world_new_uv(const sim_config_t *cfg, uv_loop_t *loop,
                     sim_world_t **out);

/* Whether w is a libuv world; its loop (NULL for a virtual world). */
int sim_world_is_uv(const sim_world_t *w);
uv_loop_t *sim_uv_loop(const sim_world_t *w);

/* Runs on the hub (main stack, sim_current() == NULL) when `signum`
 * arrives.  It may spawn threads, send events, release semaphores and
 * kill threads (the victim runs during the call, with the overflow guard
 * on); work it queues runs once it returns. */
typedef void (*sim_uv_signal_cb)(sim_world_t *w, int signum, void *arg);

/* Handle `signum` through a uv_signal_t of the world's loop: one handler
 * per signal and world (a second call replaces cb and arg; cb NULL removes
 * it).  A registered handler counts as an outside source (see SIM_EHUNG
 * above) and, during sim_run, keeps the loop alive.  The handler is removed
 * by sim_world_free.  Returns 0, SIM_EINVAL (not a libuv world, bad
 * signum) or SIM_ENOMEM. */
int sim_uv_on_signal(sim_world_t *w, int signum, sim_uv_signal_cb cb,
                     void *arg);

/* Bring the trace clock up to real time (and, if the world had nothing to
 * do, its timeline: what the host queues now counts from this instant).
 * sim's own callbacks do this themselves; call it at the start of a host
 * callback that uses the world, so the events it traces carry the real
 * time instead of the time the world last looked.  SIM_EINVAL for a
 * virtual world. */
int sim_uv_update_time(sim_world_t *w);

/* Count an outside source that may wake the world's threads (a host handle
 * whose callbacks send events or spawn threads): while the count is > 0,
 * threads that are all blocked are waiting, not hung.  The host keeps its
 * handle active (and so the loop alive) itself.  sim_uv_unref below zero
 * is SIM_EINVAL. */
int sim_uv_ref(sim_world_t *w);
int sim_uv_unref(sim_world_t *w);

#ifdef __cplusplus
}
#endif
#endif /* SIM_UV_H */
