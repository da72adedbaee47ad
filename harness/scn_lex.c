/*
 * scn_lex.c - scenario text to lines of tokens.  Indentation is measured
 * here (spaces only); its structure is the parser's business.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scn_lex.h"

int scn__diag(scn_diag_t *d, const char *path, int line, int col,
              const char *line_text, const char *fmt, ...)
{
    if (!d)
        return SCN_ESYNTAX;
    snprintf(d->path, sizeof(d->path), "%s", path ? path : "<input>");
    d->line = line;
    d->col = col;
    snprintf(d->line_text, sizeof(d->line_text), "%s",
             line_text ? line_text : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof(d->message), fmt, ap);
    va_end(ap);
    return SCN_ESYNTAX;
}

static int is_word_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '*' || c == '?' || c == '$';
}

static int is_word_char(int c)
{
    return is_word_start(c) || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

typedef struct lexer {
    scn_arena_t *a;
    const char *path;
    scn_diag_t *diag;
    scn_tok_t *toks;
    size_t n, cap;
} lexer_t;

static int push(lexer_t *lx, scn_tok_kind_t kind, const char *text, int col)
{
    if (lx->n == lx->cap) {
        size_t cap = lx->cap ? lx->cap * 2 : 16;
        scn_tok_t *t = scn_arena_alloc(lx->a, cap * sizeof(*t));
        if (!t)
            return SCN_ENOMEM;
        if (lx->n)
            memcpy(t, lx->toks, lx->n * sizeof(*t));
        lx->toks = t;
        lx->cap = cap;
    }
    lx->toks[lx->n].kind = kind;
    lx->toks[lx->n].text = text;
    lx->toks[lx->n].col = col;
    lx->n++;
    return 0;
}

/* Tokenise one physical line.  *blank is set when it has no tokens. */
static int lex_line(lexer_t *lx, int lineno, const char *raw, size_t len,
                    scn_line_t *out, int *blank)
{
    size_t i = 0;
    while (i < len && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r')) {
        if (raw[i] == '\t') {
            /* A tab only matters if the line has content. */
            size_t j = i;
            while (j < len && (raw[j] == ' ' || raw[j] == '\t' || raw[j] == '\r'))
                j++;
            if (j < len && raw[j] != '#')
                return scn__diag(lx->diag, lx->path, lineno, (int)i + 1, out->raw,
                                 "tab in indentation (indent with spaces)");
            break;
        }
        i++;
    }
    out->indent = (int)i;
    lx->toks = NULL;
    lx->n = lx->cap = 0;
    size_t stop = len; /* where the tokens end: the line's end or a comment */
    while (i < len) {
        char c = raw[i];
        int col = (int)i + 1;
        if (c == ' ' || c == '\t' || c == '\r') {
            i++;
        } else if (c == '#') {
            stop = i;
            break;
        } else if (c == '"') {
            char *buf = scn_arena_alloc(lx->a, len - i + 1);
            size_t o = 0;
            if (!buf)
                return SCN_ENOMEM;
            i++;
            for (;;) {
                if (i >= len)
                    return scn__diag(lx->diag, lx->path, lineno, col, out->raw,
                                     "unterminated string");
                char d = raw[i];
                if (d == '"') {
                    i++;
                    break;
                }
                if (d == '\\') {
                    if (i + 1 >= len)
                        return scn__diag(lx->diag, lx->path, lineno, col,
                                         out->raw, "unterminated string");
                    char e = raw[i + 1];
                    switch (e) {
                    case '"': buf[o++] = '"'; break;
                    case '\\': buf[o++] = '\\'; break;
                    case 'n': buf[o++] = '\n'; break;
                    case 't': buf[o++] = '\t'; break;
                    default:
                        return scn__diag(lx->diag, lx->path, lineno, (int)i + 1,
                                         out->raw, "unknown escape '\\%c' in string",
                                         e);
                    }
                    i += 2;
                    continue;
                }
                buf[o++] = d;
                i++;
            }
            buf[o] = '\0';
            if (push(lx, SCN_T_STRING, buf, col) < 0)
                return SCN_ENOMEM;
        } else if (is_digit(c) || (c == '-' && i + 1 < len && is_digit(raw[i + 1]))) {
            size_t s = i++;
            while (i < len && is_digit(raw[i]))
                i++;
            while (i < len && ((raw[i] >= 'a' && raw[i] <= 'z') ||
                               (raw[i] >= 'A' && raw[i] <= 'Z')))
                i++;
            if (i < len && is_word_char(raw[i]))
                return scn__diag(lx->diag, lx->path, lineno, col, out->raw,
                                 "bad number or duration '%.*s'",
                                 (int)(i - s + 1), raw + s);
            char *t = scn_arena_strndup(lx->a, raw + s, i - s);
            if (!t || push(lx, SCN_T_NUMBER, t, col) < 0)
                return SCN_ENOMEM;
        } else if (is_word_start(c)) {
            size_t s = i;
            while (i < len && is_word_char(raw[i]))
                i++;
            char *t = scn_arena_strndup(lx->a, raw + s, i - s);
            if (!t || push(lx, SCN_T_WORD, t, col) < 0)
                return SCN_ENOMEM;
        } else if (strchr(":;=,()", c)) {
            char *t = scn_arena_strndup(lx->a, raw + i, 1);
            if (!t || push(lx, SCN_T_PUNCT, t, col) < 0)
                return SCN_ENOMEM;
            i++;
        } else {
            if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
                return scn__diag(lx->diag, lx->path, lineno, col, out->raw,
                                 "unexpected character (byte 0x%02x)",
                                 (unsigned char)c);
            return scn__diag(lx->diag, lx->path, lineno, col, out->raw,
                             "unexpected character '%c'", c);
        }
    }
    *blank = lx->n == 0;
    /* EOL sits one past the last character before any comment, for
     * "expected ..." carets and for the source spans of expectations. */
    size_t end = stop;
    while (end > 0 && (raw[end - 1] == ' ' || raw[end - 1] == '\r'))
        end--;
    if (push(lx, SCN_T_EOL, "", (int)end + 1) < 0)
        return SCN_ENOMEM;
    out->toks = lx->toks;
    out->n = lx->n;
    return 0;
}

int scn__lex(scn_arena_t *a, const char *path, const char *text, size_t len,
             scn_line_t **lines, size_t *n, scn_diag_t *diag)
{
    lexer_t lx = {.a = a, .path = path, .diag = diag};
    size_t cap = 0, count = 0;
    scn_line_t *ls = NULL;
    size_t pos = 0;
    int lineno = 0;
    while (pos < len) {
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        lineno++;
        if (memchr(text + pos, '\0', e - pos))
            return scn__diag(diag, path, lineno, 1, "",
                             "NUL byte in scenario file");
        scn_line_t line = {.lineno = lineno};
        line.raw = scn_arena_strndup(a, text + pos, e - pos);
        if (!line.raw)
            return SCN_ENOMEM;
        int blank = 0;
        int rc = lex_line(&lx, lineno, text + pos, e - pos, &line, &blank);
        if (rc < 0)
            return rc;
        if (!blank) {
            if (count == cap) {
                size_t nc = cap ? cap * 2 : 64;
                scn_line_t *nl = scn_arena_alloc(a, nc * sizeof(*nl));
                if (!nl)
                    return SCN_ENOMEM;
                if (count)
                    memcpy(nl, ls, count * sizeof(*nl));
                ls = nl;
                cap = nc;
            }
            ls[count++] = line;
        }
        pos = e + 1;
    }
    *lines = ls;
    *n = count;
    return 0;
}
