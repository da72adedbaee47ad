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

/* Levenshtein distance, for "did you mean" hints (long words: far). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 63 || nb > 63)
        return 99;
    size_t row[64];
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

const char *scn__suggest(const char *w, const char *const *cands)
{
    const char *best = NULL;
    size_t bd = 3, wl = strlen(w);
    for (size_t i = 0; cands[i]; i++) {
        if (strcmp(w, cands[i]) == 0)
            continue;
        size_t d = edit_distance(w, cands[i]);
        if (d < bd && d < wl) {
            bd = d;
            best = cands[i];
        }
    }
    return best;
}

const char *scn__hint(char *buf, size_t n, const char *w,
                      const char *const *cands)
{
    const char *s = scn__suggest(w, cands);
    if (!s)
        return "";
    snprintf(buf, n, "; did you mean '%s'?", s);
    return buf;
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

/* A number that runs into more word characters ("1.5ms", "5x"): the whole
 * token is quoted, and a fraction gets the whole-number spelling. */
static int bad_number(lexer_t *lx, int lineno, int col, const char *line_raw,
                      const char *s, size_t len)
{
    size_t n = 0;
    while (n < len && is_word_char(s[n]))
        n++;
    size_t k = 0;
    uint64_t whole = 0, frac = 0, scale = 1;
    if (s[k] == '-')
        k++;
    while (k < n && is_digit(s[k]) && whole < UINT64_C(1000000000))
        whole = whole * 10 + (uint64_t)(s[k++] - '0');
    if (k < n && s[k] == '.' && k + 1 < n && is_digit(s[k + 1])) {
        k++;
        while (k < n && is_digit(s[k]) && scale < UINT64_C(1000000000)) {
            frac = frac * 10 + (uint64_t)(s[k++] - '0');
            scale *= 10;
        }
        static const struct {
            const char *unit;
            uint64_t ns;
        } units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000},
                     {"s", 1000000000}};
        uint64_t unit = 0;
        for (size_t u = 0; u < 4; u++)
            if (n - k == strlen(units[u].unit) &&
                strncmp(s + k, units[u].unit, n - k) == 0)
                unit = units[u].ns;
        if (unit == 0)
            return scn__diag(lx->diag, lx->path, lineno, col, line_raw,
                             "bad number '%.*s': fractions are not supported "
                             "(numbers are whole)",
                             (int)n, s);
        if (s[0] != '-' && (frac * unit) % scale == 0) {
            char alt[32];
            scn_format_time((sim_time_t)(whole * unit + frac * unit / scale),
                            alt, sizeof(alt));
            return scn__diag(lx->diag, lx->path, lineno, col, line_raw,
                             "bad duration '%.*s': fractions are not supported "
                             "(use %s)",
                             (int)n, s, alt);
        }
        return scn__diag(lx->diag, lx->path, lineno, col, line_raw,
                         "bad duration '%.*s': fractions are not supported%s",
                         (int)n, s,
                         s[0] == '-' ? "" : " (durations are whole nanoseconds)");
    }
    return scn__diag(lx->diag, lx->path, lineno, col, line_raw,
                     "bad number or duration '%.*s'", (int)n, s);
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
                return bad_number(lx, lineno, col, out->raw, raw + s,
                                  len - s);
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
