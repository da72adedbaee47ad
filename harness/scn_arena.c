/*
 * scn_arena.c - the bump allocator a model lives in: everything the parser
 * builds is freed at once with the model, so error paths never leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"
#include "sim_alloc.h"

struct scn_chunk {
    struct scn_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

#define SCN_CHUNK_MIN 8192

void *scn_arena_alloc(scn_arena_t *a, size_t n)
{
    size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    struct scn_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > SCN_CHUNK_MIN ? n : SCN_CHUNK_MIN;
        c = sim_malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

void *scn_arena_grow(scn_arena_t *a, void *v, size_t n, size_t *cap,
                     size_t elem, size_t initial)
{
    if (n < *cap)
        return v;
    size_t nc = *cap ? *cap * 2 : initial;
    if (nc < *cap || nc > SIZE_MAX / elem)
        return NULL;
    void *nv = scn_arena_alloc(a, nc * elem);
    if (!nv)
        return NULL;
    if (n)
        memcpy(nv, v, n * elem);
    *cap = nc;
    return nv;
}

char *scn_arena_strndup(scn_arena_t *a, const char *s, size_t n)
{
    char *p = scn_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *scn_arena_strdup(scn_arena_t *a, const char *s)
{
    return scn_arena_strndup(a, s, strlen(s));
}

void scn_arena_free(scn_arena_t *a)
{
    struct scn_chunk *c = a->head;
    while (c) {
        struct scn_chunk *next = c->next;
        sim_free(c);
        c = next;
    }
    a->head = NULL;
}
