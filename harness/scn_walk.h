/*
 * scn_walk.h - the one directory walk behind `csim run DIR` and `csim
 * replay TOKEN` without FILE: every *.scn below a directory.
 *
 * Order: depth-first, the names at each level in byte order (strcmp, not
 * the locale), so the order is the same everywhere.  Names starting with
 * '.' are skipped.  A directory entry is examined with lstat: a symlink to
 * a directory is never descended into (so a symlink loop cannot repeat a
 * file or hang the walk); a symlink to a regular *.scn file is taken, like
 * the file itself.  Only regular files whose name ends in ".scn" are
 * reported.
 *
 * Bounds: max_dirs directories opened (the root included) and max_depth
 * levels below the root (0 = unlimited each).  When a bound stops the walk
 * scn_walk returns SCN_WALK_LIMIT and says which in msg.
 */
#ifndef SCN_WALK_H
#define SCN_WALK_H

#include <stddef.h>

#define SCN_WALK_LIMIT 1  /* a bound stopped the walk */
#define SCN_WALK_STOP 2   /* the callback asked to stop */

#define SCN_WALK_SEARCH_DIRS 10000 /* replay's search */
#define SCN_WALK_SEARCH_DEPTH 32

typedef struct scn_walk_limits {
    size_t max_dirs;
    unsigned max_depth;
} scn_walk_limits_t;

/* Called for each *.scn file: path (dir joined with the names below it
 * by '/') and its depth (0: directly in dir).  Return 0
 * to go on, > 0 to stop the walk (scn_walk returns SCN_WALK_STOP), < 0 on
 * an error (returned as is). */
typedef int (*scn_walk_fn)(const char *path, unsigned depth, void *arg);

/* 0 when the walk finished; SCN_WALK_LIMIT, SCN_WALK_STOP, or < 0 (-1:
 * a directory could not be opened or out of memory; msg says which). */
int scn_walk(const char *dir, const scn_walk_limits_t *lim, scn_walk_fn fn,
             void *arg, char *msg, size_t n_msg);

#endif /* SCN_WALK_H */
