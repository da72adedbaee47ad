/*
 * scn_lex.h - private to the parser: a scenario file as indented lines of
 * tokens, and the diagnostic helper both use.
 */
#ifndef SCN_LEX_H
#define SCN_LEX_H

#include "scn.h"

typedef enum {
    SCN_T_WORD = 0,
    SCN_T_STRING,
    SCN_T_NUMBER, /* digits, optionally followed by unit letters; may start with '-' */
    SCN_T_PUNCT,  /* one of : ; = , ( ) */
    SCN_T_EOL,
} scn_tok_kind_t;

typedef struct scn_tok {
    scn_tok_kind_t kind;
    const char *text; /* strings: unescaped value */
    int col;
} scn_tok_t;

typedef struct scn_line {
    int lineno;
    int indent;
    const char *raw; /* the physical line, without the newline */
    scn_tok_t *toks; /* ends with one SCN_T_EOL */
    size_t n;
} scn_line_t;

/* Split text into non-blank lines of tokens.  Blank and comment-only lines
 * are dropped. */
int scn__lex(scn_arena_t *a, const char *path, const char *text, size_t len,
             scn_line_t **lines, size_t *n, scn_diag_t *diag);

/* Fill a diagnostic; always returns SCN_ESYNTAX. */
int scn__diag(scn_diag_t *d, const char *path, int line, int col,
              const char *line_text, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* The candidate (a NULL-terminated list) nearest to w, within edit
 * distance 2 and nearer than w is long; NULL if none.  scn__hint formats
 * it as "; did you mean 'X'?" into buf, or returns "". */
const char *scn__suggest(const char *w, const char *const *cands);
const char *scn__hint(char *buf, size_t n, const char *w,
                      const char *const *cands);

/* A set of names in insertion order (v[0..n)), hashed, in the arena: a
 * file of 100k distinct names parses and validates in linear time. */
typedef struct scn__strset {
    const char **v;
    size_t n, cap;
    size_t *slot; /* open addressing: index in v + 1, 0 = empty */
    size_t nslot; /* a power of two, at least twice n */
} scn__strset_t;
int scn__set_has(const scn__strset_t *s, const char *x);
/* x's index in s->v, or -1. */
long scn__set_index(const scn__strset_t *s, const char *x);
/* Adds x unless it is there (NULL: nothing); 0 or SCN_ENOMEM. */
int scn__set_add(scn_arena_t *a, scn__strset_t *s, const char *x);

/* Name resolution and cross-checks after a successful parse. */
int scn__validate(scn_model_t *m, scn_diag_t *diag);

/* Diagnostic at a model position (line text from m->src). */
int scn__diag_at(const scn_model_t *m, scn_diag_t *d, scn_pos_t pos,
                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Propagate a negative return code (the parser's and validator's error
 * path: the diagnostic is already recorded). */
#define TRY(x)                                                                 \
    do {                                                                       \
        int rc_ = (x);                                                         \
        if (rc_ < 0)                                                           \
            return rc_;                                                        \
    } while (0)

#endif /* SCN_LEX_H */
