/*
 * scn_text.h - small text helpers shared by the CLI commands and the
 * parser: reading a whole file, parsing an unsigned decimal.
 */
#ifndef SCN_TEXT_H
#define SCN_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* The whole file, NUL-terminated (*buf is malloc'd; *len excludes the NUL).
 * 0, SCN_EIO (errno tells why) or SCN_ENOMEM. */
int scn_read_file(const char *path, char **buf, size_t *len);

/* A plain unsigned decimal that fits in 64 bits: 0, or -1. */
int scn_parse_u64(const char *s, uint64_t *out);

#endif /* SCN_TEXT_H */
