/*
 * alloc.c - the one allocator of sim, the container library and the
 * scenario engine.
 *
 * Every allocation passes through here (heap blocks and, through
 * sim__alloc_fails, green-thread stack mappings) so a test can make any one
 * of them fail and check that its failure path unwinds cleanly, and can
 * count what is live to find leaks in any build.  The counters are
 * process-wide plain variables: csim is single-threaded and explore's
 * workers are forked processes, each with its own copy.
 */
#include "sched-internal.h"
#include "sim_alloc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fail_at: the number (1-based, counted over the whole process) of the
 * first allocation that fails; ULONG_MAX when disarmed, so the alloc path
 * is one increment and one never-taken compare. */
static unsigned long n_allocs, fail_at = ULONG_MAX, n_failures;
static int fail_sticky;
static long n_live;

void sim_alloc_fail_after(long n)
{
    fail_sticky = n >= 0;
    fail_at = n >= 0 ? n_allocs + (unsigned long)n + 1 : ULONG_MAX;
}

void sim_alloc_fail_nth(unsigned long n)
{
    fail_sticky = 0;
    fail_at = n > 0 ? n_allocs + n : ULONG_MAX;
}

unsigned long sim_alloc_count(void)
{
    return n_allocs;
}

long sim_alloc_live(void)
{
    return n_live;
}

unsigned long sim_alloc_failures(void)
{
    return n_failures;
}

/* The slow half of the gate: only reached once an armed allocation number
 * is due. */
static int gate_due(void)
{
    if (!fail_sticky)
        fail_at = ULONG_MAX; /* one-shot: later allocations succeed */
    n_failures++;
    return 1;
}

int sim__alloc_fails(void)
{
    if (SIM_UNLIKELY(++n_allocs >= fail_at))
        return gate_due();
    return 0;
}

void sim__alloc_note(void *p, long live)
{
    if (p == NULL)
        n_failures++;
    else
        n_live += live;
}

void *sim__malloc(size_t size)
{
    void *p;

    if (sim__alloc_fails())
        return NULL;
    p = malloc(size ? size : 1);
    sim__alloc_note(p, 1);
    return p;
}

void *sim__calloc(size_t n, size_t size)
{
    void *p;

    if (sim__alloc_fails())
        return NULL;
    p = calloc(n ? n : 1, size ? size : 1);
    sim__alloc_note(p, 1);
    return p;
}

void *sim__realloc(void *p, size_t size)
{
    void *q;

    if (sim__alloc_fails())
        return NULL;
    q = realloc(p, size ? size : 1);
    sim__alloc_note(q, p == NULL);
    return q;
}

void sim__free(void *p)
{
    if (p != NULL)
        n_live--;
    free(p);
}

int sim__grow(void **arr, size_t *cap, size_t need, size_t elem,
              size_t initial)
{
    size_t n = *cap ? *cap : initial;
    void *p;

    if (need <= *cap)
        return 0;
    while (n < need) {
        if (n > ((size_t)-1 / 2) / elem)
            return SIM_ENOMEM;
        n *= 2;
    }
    p = sim__realloc(*arr, n * elem);
    if (p == NULL)
        return SIM_ENOMEM;
    *arr = p;
    *cap = n;
    return 0;
}

void sim__assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "csim: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}

void *sim_malloc(size_t size)
{
    return sim__malloc(size);
}

void *sim_calloc(size_t n, size_t size)
{
    return sim__calloc(n, size);
}

void *sim_realloc(void *p, size_t size)
{
    return sim__realloc(p, size);
}

void sim_free(void *p)
{
    sim__free(p);
}

char *sim_alloc_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = sim__malloc(len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

char *sim_alloc_strdup(const char *s)
{
    return sim_alloc_strndup(s, (size_t)-1);
}
