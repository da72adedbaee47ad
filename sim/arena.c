/*
 * arena.c - world-owned memory: strings, error values, threads, events.
 *
 * A bump allocator over a list of chunks, freed all at once with the world.
 * Objects handed out never move, so pointers to them (error identity, names
 * in the trace) stay valid for the world's whole life.
 */
#include "sched-internal.h"

#include <stdio.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_CHUNK 8192

static size_t chunk_header(void)
{
    return (sizeof(sim__chunk_t) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

void *sim__arena_alloc(sim__arena_t *a, size_t size)
{
    sim__chunk_t *c = a->head;
    size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    size_t csize;

    if (c != NULL && c->size - c->used >= need) {
        void *p = (char *)c + chunk_header() + c->used;
        c->used += need;
        return p;
    }
    csize = need > ARENA_CHUNK / 2 ? need : ARENA_CHUNK;
    c = sim__malloc(chunk_header() + csize);
    if (c == NULL)
        return NULL;
    c->size = csize;
    c->used = need;
    /* A big block gets a chunk of its own behind the current one, so the
     * current chunk's free tail is not wasted. */
    if (need > ARENA_CHUNK / 2 && a->head != NULL) {
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = a->head;
        a->head = c;
    }
    return (char *)c + chunk_header();
}

void sim__arena_free(sim__arena_t *a)
{
    sim__chunk_t *c = a->head;

    while (c != NULL) {
        sim__chunk_t *next = c->next;
        sim__free(c);
        c = next;
    }
    a->head = NULL;
}

const char *sim__arena_strdup(sim__arena_t *a, const char *s)
{
    size_t n;
    char *p;

    if (s == NULL)
        s = "";
    n = strlen(s) + 1;
    p = sim__arena_alloc(a, n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

const char *sim__arena_vprintf(sim__arena_t *a, const char *fmt, va_list ap)
{
    char buf[256];
    va_list ap2;
    int n;
    char *p;

    va_copy(ap2, ap);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return NULL;
    }
    p = sim__arena_alloc(a, (size_t)n + 1);
    if (p != NULL) {
        if ((size_t)n < sizeof buf)
            memcpy(p, buf, (size_t)n + 1);
        else
            vsnprintf(p, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    return p;
}

const char *sim__arena_printf(sim__arena_t *a, const char *fmt, ...)
{
    va_list ap;
    const char *s;

    va_start(ap, fmt);
    s = sim__arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}
