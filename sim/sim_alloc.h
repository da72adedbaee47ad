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

void *sim_malloc(size_t size);
void *sim_calloc(size_t n, size_t size);
void *sim_realloc(void *p, size_t size);
void sim_free(void *p);
char *sim_alloc_strdup(const char *s);
char *sim_alloc_strndup(const char *s, size_t n);

#endif
