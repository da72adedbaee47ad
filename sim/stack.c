/*
 * stack.c - pooled, guarded green-thread stacks.
 *
 * Each stack is an mmap with one PROT_NONE guard page at its low end (stacks
 * grow down), so an overflow faults instead of corrupting a neighbour.  mm
 * syscalls cost ~10 us on the target VMs against ~5 ns for a free-list pop
 * (c-notes 1b), so stacks are never unmapped while their pool lives.  Each
 * guarded stack costs 2 VMAs: vm.max_map_count (65530) caps a process at
 * about 32k live stacks.
 */
#include "sched-internal.h"

#include <sys/mman.h>
#include <unistd.h>

#if defined(SIM_ASAN)
#include <sanitizer/asan_interface.h>
#endif
#if defined(CSIM_HAVE_VALGRIND_H)
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#endif

size_t sim__page_size(void)
{
    static size_t page; /* a per-process constant, cached */

    if (page == 0) {
        long p = sysconf(_SC_PAGESIZE);
        page = p > 0 ? (size_t)p : 4096;
    }
    return page;
}

size_t sim__stack_default_size(void)
{
#if defined(SIM_ASAN)
    return 128 * 1024; /* ASan frames are about 50% larger, plus redzones */
#else
    return 64 * 1024;
#endif
}

size_t sim__stack_round(size_t size)
{
    size_t page = sim__page_size();

    if (size == 0)
        size = sim__stack_default_size();
    if (size < 4 * page)
        size = 4 * page;
    return (size + page - 1) & ~(page - 1);
}

int sim_stack_pool_new(size_t stack_size, sim_stack_pool_t **out)
{
    sim_stack_pool_t *p;

    if (out == NULL)
        return SIM_EINVAL;
    *out = NULL;
    p = sim__calloc(1, sizeof *p);
    if (p == NULL)
        return SIM_ENOMEM;
    p->stack_size = sim__stack_round(stack_size);
    *out = p;
    return 0;
}

static void stack_unmap(sim__stack_t *s)
{
#if defined(CSIM_HAVE_VALGRIND_H)
    VALGRIND_STACK_DEREGISTER(s->vg_id);
#endif
#if defined(SIM_ASAN)
    /* ASan keeps shadow memory across munmap: clear stale redzones now. */
    __asan_unpoison_memory_region(s->lo, s->size);
#endif
    munmap(s->map, s->map_size);
    sim__alloc_note(s->map, -1);
    sim__free(s);
}

/* Stacks of a pool are unmapped here; a world's private pool is embedded in
 * the world and drained the same way. */
void sim__stack_pool_drain(sim_stack_pool_t *p)
{
    while (p->free != NULL) {
        sim__stack_t *s = p->free;
        p->free = s->next;
        p->nfree--;
        stack_unmap(s);
    }
}

void sim_stack_pool_free(sim_stack_pool_t *p)
{
    if (p == NULL)
        return;
    sim__stack_pool_drain(p);
    sim__free(p);
}

int sim__stack_get(sim_stack_pool_t *p, sim__stack_t **out)
{
    sim__stack_t *s = p->free;
    size_t page = sim__page_size();

    if (s != NULL) {
        p->free = s->next;
        p->nfree--;
#if defined(CSIM_HAVE_VALGRIND_H)
        VALGRIND_MAKE_MEM_UNDEFINED(s->lo, s->size);
#endif
    } else {
        void *map;

        s = sim__malloc(sizeof *s);
        if (s == NULL)
            return SIM_ENOMEM;
        if (sim__alloc_fails()) {
            sim__free(s);
            return SIM_ENOMEM;
        }
        s->map_size = p->stack_size + page;
        map = mmap(NULL, s->map_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (map == MAP_FAILED || mprotect(map, page, PROT_NONE) != 0) {
            if (map != MAP_FAILED)
                munmap(map, s->map_size);
            sim__alloc_note(NULL, 0);
            sim__free(s);
            return SIM_ENOMEM;
        }
        sim__alloc_note(map, 1); /* a mapping is a live block too */
        s->map = map;
        s->lo = (char *)map + page;
        s->size = p->stack_size;
        /* Stack tops all sit at the same page offset, so the hot top frames
         * of many threads would share a few L1 sets; shifting each stack's
         * start by a different multiple of 3 cache lines spreads them. */
        s->color = (p->ncreated++ % 16) * 192;
#if defined(CSIM_HAVE_VALGRIND_H)
        s->vg_id = VALGRIND_STACK_REGISTER(s->lo, s->lo + s->size);
#else
        s->vg_id = 0;
#endif
    }
    s->next = NULL;
    p->nlive++;
    *out = s;
    return 0;
}

void sim__stack_put(sim_stack_pool_t *p, sim__stack_t *s)
{
#if defined(SIM_ASAN)
    /* Frames that never returned (killed or abandoned threads) leave
     * redzones behind; the next user of the stack must not trip on them. */
    __asan_unpoison_memory_region(s->lo, s->size);
#endif
    p->nlive--;
    s->next = p->free;
    p->free = s;
    p->nfree++;
}

void sim__stack_destroy(sim_stack_pool_t *p, sim__stack_t *s)
{
    p->nlive--;
    stack_unmap(s);
}

int sim__stack_in_guard(const sim__stack_t *s, const void *addr)
{
    const char *a = addr;

    return s != NULL && a >= (const char *)s->map && a < s->lo;
}
