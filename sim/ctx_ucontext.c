/*
 * ctx_ucontext.c - portable context switch for sim (see ctx.h), built on
 * getcontext/makecontext/swapcontext.  About 45x slower than the asm
 * backend (one rt_sigprocmask per swap) but available wherever glibc is.
 */
#include "sched-internal.h" /* ctx.h, and SIM_ASAN */

#if defined(SIM_ASAN)
#include <dlfcn.h>
#include <string.h>

/* ASan intercepts swapcontext: the interceptor warns on stderr, with the
 * pid, once in every process (so captured outputs of two runs differ) and
 * clears the shadow of the whole target stack at every switch, which would
 * hide real stack errors.  Neither is needed: sched.c announces each switch
 * with __sanitizer_start/finish_switch_fiber, as for the asm backend, and
 * stack.c unpoisons a stack before it is reused.  So the switch calls
 * glibc's own swapcontext, looked up in libc itself (dlsym from the
 * executable would find the interceptor first).  A per-process constant,
 * cached like the page size in stack.c. */
typedef int swap_fn(ucontext_t *, const ucontext_t *);

static swap_fn *real_swapcontext(void)
{
    static swap_fn *fn;

    if (fn == NULL) {
        void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
        void *sym = libc != NULL ? dlsym(libc, "swapcontext") : NULL;

        if (sym != NULL)
            memcpy(&fn, &sym, sizeof fn); /* object to function pointer */
        else
            fn = swapcontext;
    }
    return fn;
}
#endif

/* makecontext passes only int arguments, so the context pointer travels as
 * two 32-bit halves. */
static void trampoline(unsigned hi, unsigned lo)
{
    sim__ctx_t *c = (sim__ctx_t *)(((uintptr_t)hi << 16 << 16) | lo);

    c->entry(c->arg);
}

void sim__ctx_init(sim__ctx_t *c, void *lo, size_t size, sim__ctx_entry entry,
                   void *arg)
{
    uintptr_t p = (uintptr_t)c;

    c->entry = entry;
    c->arg = arg;
    getcontext(&c->uc);
    c->uc.uc_stack.ss_sp = lo;
    c->uc.uc_stack.ss_size = size;
    c->uc.uc_link = NULL;
    makecontext(&c->uc, (void (*)(void))trampoline, 2,
                (unsigned)(p >> 16 >> 16), (unsigned)(p & 0xffffffffu));
}

void sim__ctx_switch(sim__ctx_t *from, sim__ctx_t *to)
{
#if defined(SIM_ASAN)
    real_swapcontext()(&from->uc, &to->uc);
#else
    swapcontext(&from->uc, &to->uc);
#endif
}
