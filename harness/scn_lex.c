/*
 * scn_lex.c - scenario text to lines of tokens.  Indentation is measured
 * here (spaces only); its structure is the parser's business.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scn_lex.h"

/* Width of the source window a diagnostic shows of a long line. */
enum { WINDOW_BEFORE = 60, WINDOW_AFTER = 60 };

static int is_utf8_cont(const char *s)
{
    return ((unsigned char)*s & 0xc0) == 0x80;
}

/* The source line for d: all of it when short, else about WINDOW_BEFORE
 * bytes before column col and WINDOW_AFTER from it, cut at character
 * boundaries, with "..." where something was left out, so a 1 MiB line
 * prints as one terminal line and the caret stays under its byte. */
static void diag_window(scn_diag_t *d, const char *text, int col)
{
    size_t len = strlen(text);
    size_t at = col > 0 ? (size_t)(col - 1) : 0;
    if (at > len)
        at = len;
    if (len <= WINDOW_BEFORE + WINDOW_AFTER) {
        snprintf(d->line_text, sizeof(d->line_text), "%s", text);
        d->caret = (int)at;
        return;
    }
    size_t start = at > WINDOW_BEFORE ? at - WINDOW_BEFORE : 0;
    while (start > 0 && is_utf8_cont(text + start))
        start--;
    size_t end = at + WINDOW_AFTER < len ? at + WINDOW_AFTER : len;
    while (end < len && is_utf8_cont(text + end))
        end++;
    const char *pre = start > 0 ? "..." : "";
    snprintf(d->line_text, sizeof(d->line_text), "%s%.*s%s", pre,
             (int)(end - start), text + start, end < len ? "..." : "");
    d->caret = (int)(strlen(pre) + (at - start));
}

int scn__diag(scn_diag_t *d, const char *path, int line, int col,
              const char *line_text, const char *fmt, ...)
{
    if (!d)
        return SCN_ESYNTAX;
    snprintf(d->path, sizeof(d->path), "%s", path ? path : "<input>");
    d->line = line;
    d->col = col;
    diag_window(d, line_text ? line_text : "", col);
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

/* The slot where x is, or the empty one where it would go. */
static size_t set_slot(const scn__strset_t *s, const char *x)
{
    size_t mask = s->nslot - 1;
    size_t h = (size_t)scn_fnv1a(x, strlen(x)) & mask;
    while (s->slot[h] && strcmp(s->v[s->slot[h] - 1], x) != 0)
        h = (h + 1) & mask;
    return h;
}

int scn__set_has(const scn__strset_t *s, const char *x)
{
    return s->nslot && s->slot[set_slot(s, x)];
}

long scn__set_index(const scn__strset_t *s, const char *x)
{
    return s->nslot ? (long)s->slot[set_slot(s, x)] - 1 : -1;
}

int scn__set_add(scn_arena_t *a, scn__strset_t *s, const char *x)
{
    if (!x || scn__set_has(s, x))
        return 0;
    if ((s->n + 1) * 2 > s->nslot) {
        size_t ns = s->nslot ? s->nslot * 2 : 32;
        size_t *sl = scn_arena_alloc(a, ns * sizeof(*sl));
        if (!sl)
            return SCN_ENOMEM;
        memset(sl, 0, ns * sizeof(*sl));
        s->slot = sl;
        s->nslot = ns;
        for (size_t i = 0; i < s->n; i++)
            s->slot[set_slot(s, s->v[i])] = i + 1;
    }
    const char **nv = scn_arena_grow(a, s->v, s->n, &s->cap, sizeof(*nv), 16);
    if (!nv)
        return SCN_ENOMEM;
    s->v = nv;
    s->v[s->n++] = x;
    s->slot[set_slot(s, x)] = s->n;
    return 0;
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
    scn_tok_t *t = scn_arena_grow(lx->a, lx->toks, lx->n, &lx->cap,
                                  sizeof(*t), 16);
    if (!t)
        return SCN_ENOMEM;
    lx->toks = t;
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
            /* Room for this string only (up to its closing quote), not the
             * rest of the line: a long line of short strings stays linear. */
            size_t q = i + 1;
            while (q < len && raw[q] != '"')
                q += raw[q] == '\\' && q + 1 < len ? 2 : 1;
            char *buf = scn_arena_alloc(lx->a, q - i + 1);
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

/* Offset of the first byte that does not belong to a well-formed UTF-8
 * sequence (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF, no truncated sequence), or len when all of s is valid. */
static size_t utf8_invalid_at(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned lo = 0x80, hi = 0xbf; /* allowed range of the 2nd byte */
        if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            if (c == 0xe0)
                lo = 0xa0; /* overlong */
            else if (c == 0xed)
                hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            if (c == 0xf0)
                lo = 0x90; /* overlong */
            else if (c == 0xf4)
                hi = 0x8f; /* above U+10FFFF */
        } else {
            return i; /* continuation byte, 0xc0/0xc1 or 0xf5.. */
        }
        if (i + 1 >= len || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k < n; k++)
            if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
                return i;
        i += n;
    }
    return len;
}

/* The line (len bytes, NULs included) as a diagnostic echoes it: each NUL
 * as "\0" and each byte outside a well-formed UTF-8 sequence as "\xHH", so
 * the whole line prints (a NUL would end it, a stray byte garble it) and a
 * caret can sit under the escape.  *at, a byte offset into the line,
 * becomes the offset of that byte's escape.  NULL when out of memory. */
static char *escape_bad_bytes(scn_arena_t *a, const char *line, size_t len,
                              size_t *at)
{
    char *out = scn_arena_alloc(a, len * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0, at_out = 0;
    for (size_t i = 0; i < len;) {
        if (i == *at)
            at_out = o;
        unsigned char c = (unsigned char)line[i];
        size_t n = c < 0x80                ? 1
                   : c >= 0xc2 && c <= 0xdf ? 2
                   : c >= 0xe0 && c <= 0xef ? 3
                   : c >= 0xf0 && c <= 0xf4 ? 4
                                            : 0;
        if (c == 0) {
            memcpy(out + o, "\\0", 2);
            o += 2;
            i++;
        } else if (n && n <= len - i && utf8_invalid_at(line + i, n) == n) {
            memcpy(out + o, line + i, n);
            o += n;
            i += n;
        } else {
            o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
            i++;
        }
    }
    if (*at >= len)
        at_out = o;
    out[o] = '\0';
    *at = at_out;
    return out;
}

/* A NUL / invalid UTF-8 diagnostic at byte `at` of the line: the message
 * names the real column, the echoed line is escape_bad_bytes'. */
static int bad_byte_diag(scn_arena_t *a, scn_diag_t *diag, const char *path,
                         int lineno, const char *line, size_t len, size_t at,
                         const char *msg)
{
    size_t esc_at = at;
    char *esc = escape_bad_bytes(a, line, len, &esc_at);
    if (!esc)
        return SCN_ENOMEM;
    scn__diag(diag, path, lineno, (int)at + 1, "", "%s", msg);
    if (diag)
        diag_window(diag, esc, (int)esc_at + 1);
    return SCN_ESYNTAX;
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
        scn_line_t line = {.lineno = lineno};
        line.raw = scn_arena_strndup(a, text + pos, e - pos);
        if (!line.raw)
            return SCN_ENOMEM;
        /* Bytes checked before tokens, so a bad byte in a string or a
         * comment is found too; the diagnostic shows the whole line with
         * the bad bytes escaped and the caret under the first one. */
        const char *nul = memchr(text + pos, '\0', e - pos);
        if (nul)
            return bad_byte_diag(a, diag, path, lineno, text + pos, e - pos,
                                 (size_t)(nul - text - pos),
                                 "NUL byte in scenario file");
        size_t bad = utf8_invalid_at(text + pos, e - pos);
        if (bad < e - pos) {
            char msg[96];
            snprintf(msg, sizeof(msg),
                     "invalid UTF-8 (byte 0x%02x); scenario files are UTF-8 "
                     "text",
                     (unsigned char)text[pos + bad]);
            return bad_byte_diag(a, diag, path, lineno, text + pos, e - pos,
                                 bad, msg);
        }
        int blank = 0;
        int rc = lex_line(&lx, lineno, text + pos, e - pos, &line, &blank);
        if (rc < 0)
            return rc;
        if (!blank) {
            scn_line_t *nl = scn_arena_grow(a, ls, count, &cap,
                                            sizeof(*nl), 64);
            if (!nl)
                return SCN_ENOMEM;
            ls = nl;
            ls[count++] = line;
        }
        pos = e + 1;
    }
    *lines = ls;
    *n = count;
    return 0;
}
