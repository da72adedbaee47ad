/*
 * scn_walk.c - the directory walk (contract in scn_walk.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scn_walk.h"
#include "sim_alloc.h"

typedef struct walk {
    const scn_walk_limits_t *lim;
    scn_walk_fn fn;
    void *arg;
    char *msg;
    size_t n_msg;
    size_t dirs;
} walk_t;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_scn(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".scn") == 0;
}

static int walk_dir(walk_t *w, const char *dir, unsigned depth)
{
    if (w->lim && w->lim->max_dirs && w->dirs >= w->lim->max_dirs) {
        snprintf(w->msg, w->n_msg, "searched %zu directories (the limit)",
                 w->lim->max_dirs);
        return SCN_WALK_LIMIT;
    }
    w->dirs++;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(w->msg, w->n_msg, "cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **nn = sim_realloc(names, nc * sizeof(*nn));
            if (!nn) {
                rc = -1;
                break;
            }
            names = nn;
            cap = nc;
        }
        if (!(names[n] = sim_alloc_strdup(e->d_name))) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc < 0)
        snprintf(w->msg, w->n_msg, "out of memory");
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    int limited = 0;
    for (size_t i = 0; rc >= 0 && rc != SCN_WALK_STOP && i < n; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *full = sim_malloc(len);
        if (!full) {
            snprintf(w->msg, w->n_msg, "out of memory");
            rc = -1;
            break;
        }
        size_t dl = strlen(dir);
        snprintf(full, len, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/",
                 names[i]);
        struct stat st;
        if (lstat(full, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                if (w->lim && w->lim->max_depth && depth + 1 > w->lim->max_depth) {
                    snprintf(w->msg, w->n_msg,
                             "went no deeper than depth %u (the limit) below the "
                             "starting directory",
                             w->lim->max_depth);
                    limited = 1;
                } else {
                    int r = walk_dir(w, full, depth + 1);
                    if (r == SCN_WALK_LIMIT)
                        limited = 1;
                    else
                        rc = r;
                    /* the directory limit ends the whole walk */
                    if (r == SCN_WALK_LIMIT && w->lim->max_dirs &&
                        w->dirs >= w->lim->max_dirs)
                        rc = SCN_WALK_LIMIT;
                }
            } else if (is_scn(names[i]) &&
                       (S_ISREG(st.st_mode) ||
                        (S_ISLNK(st.st_mode) && stat(full, &st) == 0 &&
                         S_ISREG(st.st_mode)))) {
                int r = w->fn(full, depth, w->arg);
                rc = r > 0 ? SCN_WALK_STOP : r;
            }
        }
        sim_free(full);
    }
    for (size_t i = 0; i < n; i++)
        sim_free(names[i]);
    sim_free(names);
    if (rc == 0 && limited)
        rc = SCN_WALK_LIMIT;
    return rc;
}

int scn_walk(const char *dir, const scn_walk_limits_t *lim, scn_walk_fn fn,
             void *arg, char *msg, size_t n_msg)
{
    char dummy[1];
    walk_t w = {.lim = lim, .fn = fn, .arg = arg,
                .msg = msg ? msg : dummy, .n_msg = msg ? n_msg : sizeof(dummy)};
    w.msg[0] = '\0';
    return walk_dir(&w, dir, 0);
}
