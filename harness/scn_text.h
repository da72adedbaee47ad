/*
 * scn_text.h - small text helpers shared by the CLI commands and the
 * parser: reading a whole file, writing one atomically, parsing an
 * unsigned decimal.
 */
#ifndef SCN_TEXT_H
#define SCN_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The whole file, NUL-terminated (*buf is malloc'd; *len excludes the NUL).
 * 0, SCN_EIO (errno tells why) or SCN_ENOMEM. */
int scn_read_file(const char *path, char **buf, size_t *len);

/* Write path through write(f, arg) into "path.tmp.PID", then rename it
 * over path, so a reader never sees a partial file and a failure leaves
 * none behind.  write returns < 0 to fail.  0, SCN_EIO (errno tells why)
 * or SCN_ENOMEM. */
int scn_write_file_atomic(const char *path, int (*write)(FILE *f, void *arg),
                          void *arg);

/* A plain unsigned decimal that fits in 64 bits: 0, or -1. */
int scn_parse_u64(const char *s, uint64_t *out);

#endif /* SCN_TEXT_H */
