/*
 * scn_json.h - a small strict JSON reader (RFC 8259) for what csim reads
 * back: `--json --trace` JSON Lines (csim diff) and the trace event JSON
 * that the trace checker validates.  The whole text becomes one tree;
 * strings are decoded to UTF-8 (\u escapes and surrogate pairs included),
 * numbers keep their text beside the double.  Invalid UTF-8, control
 * characters in strings, trailing commas, leading zeros and nesting deeper
 * than SCN_JSON_MAX_DEPTH are errors.
 */
#ifndef SCN_JSON_H
#define SCN_JSON_H

#include <stddef.h>

#define SCN_JSON_MAX_DEPTH 64

typedef enum {
    SCN_JSON_NULL = 0,
    SCN_JSON_FALSE,
    SCN_JSON_TRUE,
    SCN_JSON_NUMBER,
    SCN_JSON_STRING,
    SCN_JSON_ARRAY,
    SCN_JSON_OBJECT,
} scn_json_kind_t;

typedef struct scn_json {
    scn_json_kind_t kind;
    double num; /* NUMBER */
    char *str;  /* STRING: decoded, NUL-terminated; NUMBER: its text */
    size_t len; /* STRING: bytes (may hold a \u0000) */
    struct scn_json *items; /* ARRAY elements / OBJECT values */
    char **keys;            /* OBJECT keys, decoded */
    size_t n;
} scn_json_t;

/* Parse exactly one value (surrounding whitespace allowed) from text[0..n).
 * 0 and *out (scn_json_free), or -1 with err saying what and at which byte
 * offset. */
int scn_json_parse(const char *text, size_t n, scn_json_t **out, char *err,
                   size_t n_err);
void scn_json_free(scn_json_t *j);

/* The value of key in an object (the first, if repeated), or NULL. */
const scn_json_t *scn_json_get(const scn_json_t *obj, const char *key);
/* Length of the valid UTF-8 sequence at s (at most n > 0 bytes; no
 * overlong forms, surrogates or code points past U+10FFFF), 0 if none. */
size_t scn_utf8_len(const unsigned char *s, size_t n);
/* Kind names for messages: "null", "number", "object", ... */
const char *scn_json_kind_name(scn_json_kind_t k);

#endif /* SCN_JSON_H */
