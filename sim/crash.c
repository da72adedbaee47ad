/*
 * crash.c - naming the green thread that overflowed its stack.
 *
 * A SIGSEGV/SIGBUS handler, installed once per process and run on an
 * alternate signal stack (the faulting stack is unusable), checks whether
 * the fault address lies in the guard page of the thread the running world
 * is executing.  If so it names the thread on stderr and siglongjmps back to
 * that world's sim_run, which abandons the thread and returns SIM_ECRASH.
 * Any other fault gets the default action.  The record of which world is
 * running is the only other per-process state of sim.
 */
#include "sched-internal.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static sim_world_t *volatile running_world;
static volatile sig_atomic_t installed;
static char alt_stack[64 * 1024];

void sim__crash_set_world(sim_world_t *w)
{
    running_world = w;
}

sim_world_t *sim__crash_get_world(void)
{
    return running_world;
}

static void put(char *buf, size_t *len, size_t cap, const char *s)
{
    while (*s != '\0' && *len + 1 < cap)
        buf[(*len)++] = *s++;
}

static void on_fault(int sig, siginfo_t *info, void *uctx)
{
    sim_world_t *w = running_world;
    sim_thread_t *t = w != NULL ? w->current : NULL;

    (void)uctx;
    if (w != NULL && w->crash_armed && t != NULL &&
        sim__stack_in_guard(t->stack, info->si_addr)) {
        char msg[256];
        size_t len = 0;
        ssize_t rc;

        put(msg, &len, sizeof msg, "csim: green thread '");
        put(msg, &len, sizeof msg, t->name);
        put(msg, &len, sizeof msg, "' overflowed its stack\n");
        rc = write(STDERR_FILENO, msg, len);
        (void)rc;
        w->crashed = t;
        siglongjmp(w->crash_jmp, 1);
    }
    /* Not ours: fault again with the default action (a real core). */
    signal(sig, SIG_DFL);
    raise(sig);
}

void sim__crash_install(void)
{
    struct sigaction sa;
    stack_t cur;

    if (installed)
        return;
    installed = 1;
    /* Keep an alternate stack the host program already set up. */
    if (sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE)) {
        stack_t ss;

        memset(&ss, 0, sizeof ss);
        ss.ss_sp = alt_stack;
        ss.ss_size = sizeof alt_stack;
        sigaltstack(&ss, NULL);
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}
