/*
 * alloc.c - the container library's allocation helpers over sim's one
 * allocator, and the owner lists for memory that must survive a suspension
 * point.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sim_alloc.h"

/* realloc semantics over sim's one allocator (size 0 frees, returns NULL),
 * so sim's failure hook and live-block count cover the container too. */
void *ctr__realloc(void *p, size_t n)
{
    if (n == 0) {
        sim_free(p);
        return NULL;
    }
    return sim_realloc(p, n);
}

void *ctr__alloc(size_t n)
{
    void *p = ctr__realloc(NULL, n ? n : 1);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

void ctr__free(void *p)
{
    if (p)
        ctr__realloc(p, 0);
}

char *ctr__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = ctr__realloc(NULL, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

char *ctr__vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *buf;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    buf = ctr__realloc(NULL, (size_t)n + 1);
    if (buf)
        vsnprintf(buf, (size_t)n + 1, fmt, ap);
    return buf;
}

char *ctr__format(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = ctr__vformat(fmt, ap);
    va_end(ap);
    return s;
}

int ctr__reserve(void **items, size_t *cap, size_t need, size_t size)
{
    size_t ncap;
    void *p;

    if (need <= *cap)
        return 0;
    ncap = *cap ? *cap * 2 : 4;
    while (ncap < need)
        ncap *= 2;
    p = ctr__realloc(*items, ncap * size);
    if (!p)
        return SIM_ENOMEM;
    *items = p;
    *cap = ncap;
    return 0;
}

/* The header sits before the block, padded to the strictest alignment. */
typedef union owned_hdr {
    ctr__owned_t link;
    max_align_t align;
} owned_hdr_t;

void ctr__owned_init(ctr__owned_t *list)
{
    list->prev = list->next = list;
}

void *ctr__owned_alloc(ctr__owned_t *list, size_t n)
{
    owned_hdr_t *h = ctr__alloc(sizeof(*h) + n);
    if (!h)
        return NULL;
    h->link.next = list->next;
    h->link.prev = list;
    list->next->prev = &h->link;
    list->next = &h->link;
    return h + 1;
}

void ctr__owned_free(void *p)
{
    owned_hdr_t *h;

    if (!p)
        return;
    h = (owned_hdr_t *)p - 1;
    h->link.prev->next = h->link.next;
    h->link.next->prev = h->link.prev;
    ctr__free(h);
}

void ctr__owned_free_all(ctr__owned_t *list)
{
    while (list->next != list)
        ctr__owned_free((owned_hdr_t *)list->next + 1);
}

int ctr__nomem(sim_world_t *w)
{
    const sim_error_t *e = sim_error_new(w, "MemoryError", "", 0);
    if (!e)
        return SIM_ENOMEM;
    return sim_raise(w, e);
}
