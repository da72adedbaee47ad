/*
 * ctx.h - the two-function context-switch backend of sim.
 *
 * sim__ctx_init prepares a context that, when first switched to, calls
 * entry(arg) on the given stack; entry must never return (it switches away
 * for the last time instead).  sim__ctx_switch saves the running context in
 * `from` and resumes `to`.  One backend is compiled per library:
 * CSIM_CTX_ASM (x86-64 SysV, ctx_x86_64.S) or CSIM_CTX_UCONTEXT
 * (ctx_ucontext.c).  The hub's own context needs no init: the first switch
 * away from it fills it in.
 */
#ifndef SIM_CTX_H
#define SIM_CTX_H

#include <stddef.h>
#include <stdint.h>

typedef void (*sim__ctx_entry)(void *arg);

#if defined(CSIM_CTX_ASM)

typedef struct sim__ctx {
    void *sp; /* saved stack pointer; the frame below it holds the rest */
} sim__ctx_t;

/* Implemented in ctx_x86_64.S. */
void sim__ctx_swap(void **save_sp, void *load_sp);
void sim__ctx_trampoline(void);

/* The initial frame mirrors what sim__ctx_swap pops (c-notes 1.3): FPU
 * control words, r15, r14, r13 (entry), r12 (arg), rbx, rbp, then the
 * address the final `pop %rcx; jmp *%rcx` jumps to.  With `top` 16-aligned,
 * the trampoline runs with rsp == top, so entry starts ABI-aligned. */
static inline void sim__ctx_init(sim__ctx_t *c, void *lo, size_t size,
                                 sim__ctx_entry entry, void *arg)
{
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
    uint64_t *f = (uint64_t *)(top - 64);

    f[0] = (uint64_t)0x037F << 32 | 0x1F80; /* x87 CW at +4, MXCSR at +0 */
    f[1] = 0;                               /* r15 */
    f[2] = 0;                               /* r14 */
    f[3] = (uint64_t)(uintptr_t)entry;      /* r13 */
    f[4] = (uint64_t)(uintptr_t)arg;        /* r12 */
    f[5] = 0;                               /* rbx */
    f[6] = 0;                               /* rbp */
    f[7] = (uint64_t)(uintptr_t)&sim__ctx_trampoline;
    c->sp = f;
}

static inline void sim__ctx_switch(sim__ctx_t *from, sim__ctx_t *to)
{
    sim__ctx_swap(&from->sp, to->sp);
}

#elif defined(CSIM_CTX_UCONTEXT)

#include <ucontext.h>

typedef struct sim__ctx {
    ucontext_t uc;
    sim__ctx_entry entry;
    void *arg;
} sim__ctx_t;

void sim__ctx_init(sim__ctx_t *c, void *lo, size_t size, sim__ctx_entry entry,
                   void *arg);
void sim__ctx_switch(sim__ctx_t *from, sim__ctx_t *to);

#else
#error "define CSIM_CTX_ASM or CSIM_CTX_UCONTEXT"
#endif

#endif /* SIM_CTX_H */
