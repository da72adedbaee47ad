/*
 * alloc.c - the one allocator of sim.
 *
 * Every allocation of the library (heap and stack mappings) passes through
 * here so a test can make the n-th one fail and check that each failure path
 * unwinds cleanly.  The failure hook is the only process-wide knob besides
 * the crash handler; it is a test facility, off by default.
 */
#include "sched-internal.h"
#include "sim_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long fail_after = -1;

void sim_alloc_fail_after(long n)
{
    fail_after = n;
}

int sim__alloc_fails(void)
{
    if (SIM_LIKELY(fail_after < 0))
        return 0;
    if (fail_after == 0)
        return 1;
    fail_after--;
    return 0;
}

void *sim__malloc(size_t size)
{
    if (sim__alloc_fails())
        return NULL;
    return malloc(size ? size : 1);
}

void *sim__calloc(size_t n, size_t size)
{
    if (sim__alloc_fails())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *sim__realloc(void *p, size_t size)
{
    if (sim__alloc_fails())
        return NULL;
    return realloc(p, size ? size : 1);
}

void sim__free(void *p)
{
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
