/*
 * scn_text.c - reading a whole file, writing one atomically, parsing an
 * unsigned decimal.
 */
#include "scn_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scn.h"
#include "sim_alloc.h"

int scn_read_file(const char *path, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 4096, n = 0;
    char *s;
    int bad, saved;

    *buf = NULL;
    *len = 0;
    if (!f)
        return SCN_EIO;
    s = sim_malloc(cap);
    while (s) {
        size_t got = fread(s + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
        if (n + 1 == cap) {
            char *ns = sim_realloc(s, cap * 2);
            if (!ns) {
                sim_free(s);
                s = NULL;
                break;
            }
            s = ns;
            cap *= 2;
        }
    }
    bad = ferror(f);
    saved = errno;
    fclose(f);
    if (!s) {
        errno = ENOMEM;
        return SCN_ENOMEM;
    }
    if (bad) {
        sim_free(s);
        errno = saved ? saved : EIO;
        return SCN_EIO;
    }
    s[n] = '\0';
    *buf = s;
    *len = n;
    return 0;
}

int scn_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        unsigned d;

        if (*s < '0' || *s > '9')
            return -1;
        d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int scn_write_file_atomic(const char *path, int (*write)(FILE *f, void *arg),
                          void *arg)
{
    size_t n = strlen(path) + 32;
    char *tmp = sim_malloc(n);
    if (!tmp) {
        errno = ENOMEM;
        return SCN_ENOMEM;
    }
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        sim_free(tmp);
        return SCN_EIO;
    }
    int failed = write(f, arg) < 0;
    failed |= ferror(f);
    int saved = failed ? (errno ? errno : EIO) : 0;
    if (fclose(f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed && rename(tmp, path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed)
        unlink(tmp);
    sim_free(tmp);
    errno = saved;
    return failed ? SCN_EIO : 0;
}
