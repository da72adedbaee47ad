/*
 * sim_alloc.h - csim's one allocator.
 *
 * Every heap block of sim, the container library and the scenario engine
 * comes from these functions (green-thread stacks are mapped by sim and
 * counted by the same failure hook), so a test can make any single
 * allocation fail and check that its failure path unwinds cleanly.  They
 * behave as their libc namesakes: NULL on failure, free(NULL) is a no-op,
 * and a block from any of them may be freed with sim_free.
 */
#ifndef SIM_ALLOC_H
#define SIM_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void *sim_malloc(size_t size);
void *sim_calloc(size_t n, size_t size);
void *sim_realloc(void *p, size_t size);
void sim_free(void *p);
char *sim_alloc_strdup(const char *s);
char *sim_alloc_strndup(const char *s, size_t n);

/*
 * The test facility.  Process-wide plain counters (csim is single-threaded;
 * explore's workers are forked processes with their own copies), off by
 * default; disarmed, the allocation path costs one increment and one
 * never-taken branch, and the scheduler's switch path allocates nothing.
 *
 * An "allocation" is one call of the functions above that may return NULL
 * (sim_free never counts) or one green-thread stack mapping.  A failure is
 * any NULL they return, injected or real.
 *
 * sim_alloc_fail_nth(n): the n-th allocation from now fails, once; later
 * ones succeed again (n = 1: the very next one; 0 disarms).
 * sim_alloc_fail_after(n): sticky: the allocation after the next n fails
 * and every later one too (0: from the very next one), until a negative n
 * disarms.  Either call replaces what the other armed.
 * sim_alloc_count(): allocations attempted since the process started, so a
 * sweep can tell that the allocation it armed was never reached.
 * sim_alloc_failures(): failures returned since the process started.
 * sim_alloc_live(): blocks allocated and not yet freed (heap blocks and
 * stack mappings): a leak check that works in every build is equal values
 * before and after a call that should clean up after itself.
 *
 * Memory that libc or libuv allocate for themselves is not covered and
 * cannot be made to fail: fopen/tmpfile/opendir buffers, uv loop internals,
 * and open_memstream's buffer (scn_junit.c copies it into one of our
 * blocks and frees the original with libc's free, so the copy is counted
 * and can fail).  Those are libc's to release and valgrind's to check.
 */
void sim_alloc_fail_nth(unsigned long n);
void sim_alloc_fail_after(long n);
unsigned long sim_alloc_count(void);
unsigned long sim_alloc_failures(void);
long sim_alloc_live(void);

#ifdef __cplusplus
}
#endif
#endif
