/*
 * ctx_ucontext.c - portable context switch for sim (see ctx.h), built on
 * getcontext/makecontext/swapcontext.  About 45x slower than the asm
 * backend (one rt_sigprocmask per swap) but available wherever glibc is.
 */
#include "ctx.h"

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
    swapcontext(&from->uc, &to->uc);
}
