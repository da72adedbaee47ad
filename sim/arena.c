/*
 * arena.c - world-owned memory: strings, error values, threads, events.
 *
 * A bump allocator over a list of chunks, freed all at once with the world.
 * Objects handed out never move, so pointers to them (error identity, names
 * in the trace) stay valid for the world's whole life.
 */
#include "sched-internal.h"

#include <limits.h>
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

/* Digits of v ending at `end`; returns where they start. */
static char *put_digits(char *end, unsigned long long v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

static char *put_signed(char *end, long long v)
{
    char *p = put_digits(end, v < 0 ? 0ull - (unsigned long long)v
                                    : (unsigned long long)v);
    if (v < 0)
        *--p = '-';
    return p;
}

/* vsnprintf for the conversions trace details use (%s %d %u %zu %lld
 * %llu %%): glibc's vfprintf was the largest single cost of a container
 * run.  Returns the full length like vsnprintf, or -1 for any other
 * conversion (the caller then uses vsnprintf). */
static int fast_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
    size_t n = 0;
    char num[24];

    for (const char *f = fmt; *f != '\0'; f++) {
        const char *s;
        size_t len;

        if (*f != '%') {
            if (n + 1 < size)
                buf[n] = *f;
            n++;
            continue;
        }
        f++;
        if (*f == 's') {
            s = va_arg(ap, const char *);
            if (s == NULL)
                s = "(null)";
        } else if (*f == 'd') {
            s = put_signed(num + sizeof num, va_arg(ap, int));
        } else if (*f == 'u') {
            s = put_digits(num + sizeof num, va_arg(ap, unsigned));
        } else if (f[0] == 'z' && f[1] == 'u') {
            f++;
            s = put_digits(num + sizeof num, va_arg(ap, size_t));
        } else if (f[0] == 'l' && f[1] == 'l' && f[2] == 'd') {
            f += 2;
            s = put_signed(num + sizeof num, va_arg(ap, long long));
        } else if (f[0] == 'l' && f[1] == 'l' && f[2] == 'u') {
            f += 2;
            s = put_digits(num + sizeof num, va_arg(ap, unsigned long long));
        } else if (*f == '%') {
            s = "%";
        } else {
            return -1;
        }
        if (s >= num && s < num + sizeof num)
            len = (size_t)(num + sizeof num - s);
        else
            len = strlen(s);
        if (n + 1 < size)
            memcpy(buf + n, s, n + len < size ? len : size - 1 - n);
        n += len;
    }
    if (size > 0)
        buf[n < size ? n : size - 1] = '\0';
    return n > INT_MAX ? -1 : (int)n;
}

int sim__vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = fast_vformat(buf, size, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = vsnprintf(buf, size, fmt, ap);
    return n;
}

const char *sim__arena_vprintf(sim__arena_t *a, const char *fmt, va_list ap)
{
    char buf[256];
    va_list ap2;
    int n;
    char *p;

    va_copy(ap2, ap);
    n = sim__vformat(buf, sizeof buf, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return NULL;
    }
    p = sim__arena_alloc(a, (size_t)n + 1);
    if (p != NULL) {
        if ((size_t)n < sizeof buf)
            memcpy(p, buf, (size_t)n + 1);
        else
            sim__vformat(p, (size_t)n + 1, fmt, ap2);
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
