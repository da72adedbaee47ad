/*
 * scn_json.c - the strict JSON reader of scn_json.h: recursive descent
 * over the whole text, with a depth bound so hostile input cannot exhaust
 * the stack.
 */
#include "scn_json.h"
#include "sim_alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rd {
    const char *s;
    size_t n, i;
    char *err;
    size_t n_err;
    int failed;
} rd_t;

static void fail(rd_t *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void fail(rd_t *r, const char *fmt, ...) {
    if (r->failed)
        return;
    r->failed = 1;
    if (!r->err || !r->n_err)
        return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(r->err, r->n_err, "%s at byte %zu", msg, r->i);
}

static void skip_ws(rd_t *r) {
    while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' ||
                           r->s[r->i] == '\n' || r->s[r->i] == '\r'))
        r->i++;
}

typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf_t;

static int sb_put(sbuf_t *b, const char *p, size_t k) {
    if (b->n + k + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (cap < b->n + k + 1)
            cap *= 2;
        char *ns = sim_realloc(b->s, cap);
        if (!ns)
            return -1;
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->n, p, k);
    b->n += k;
    b->s[b->n] = '\0';
    return 0;
}

static int put_utf8(sbuf_t *b, uint32_t cp) {
    char u[4];
    size_t k;
    if (cp < 0x80) {
        u[0] = (char)cp;
        k = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        k = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        k = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        k = 4;
    }
    return sb_put(b, u, k);
}

size_t scn_utf8_len(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t k;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        k = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t j = 1; j < k; j++) {
        if ((s[j] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[j] & 0x3f);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

static int hex4(rd_t *r, uint32_t *out) {
    uint32_t v = 0;
    if (r->i + 4 > r->n) {
        fail(r, "short \\u escape");
        return -1;
    }
    for (int k = 0; k < 4; k++) {
        char c = r->s[r->i++];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else {
            fail(r, "bad hex digit in \\u escape");
            return -1;
        }
    }
    *out = v;
    return 0;
}

/* A string; r->s[r->i] is the opening quote. */
static int read_string(rd_t *r, char **out, size_t *len) {
    sbuf_t b = {0};
    r->i++;
    if (sb_put(&b, "", 0) < 0)
        goto oom;
    for (;;) {
        if (r->i >= r->n) {
            fail(r, "unterminated string");
            goto bad;
        }
        unsigned char c = (unsigned char)r->s[r->i];
        if (c == '"') {
            r->i++;
            break;
        }
        if (c < 0x20) {
            fail(r, "control character in string");
            goto bad;
        }
        if (c == '\\') {
            r->i++;
            if (r->i >= r->n) {
                fail(r, "unterminated escape");
                goto bad;
            }
            char e = r->s[r->i++];
            const char *lit = NULL;
            switch (e) {
            case '"':
                lit = "\"";
                break;
            case '\\':
                lit = "\\";
                break;
            case '/':
                lit = "/";
                break;
            case 'b':
                lit = "\b";
                break;
            case 'f':
                lit = "\f";
                break;
            case 'n':
                lit = "\n";
                break;
            case 'r':
                lit = "\r";
                break;
            case 't':
                lit = "\t";
                break;
            case 'u': {
                uint32_t cp, lo;
                if (hex4(r, &cp) < 0)
                    goto bad;
                if (cp >= 0xdc00 && cp <= 0xdfff) {
                    fail(r, "lone low surrogate in \\u escape");
                    goto bad;
                }
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    if (r->i + 2 > r->n || r->s[r->i] != '\\' ||
                        r->s[r->i + 1] != 'u') {
                        fail(r, "high surrogate without its low half");
                        goto bad;
                    }
                    r->i += 2;
                    if (hex4(r, &lo) < 0)
                        goto bad;
                    if (lo < 0xdc00 || lo > 0xdfff) {
                        fail(r, "high surrogate without its low half");
                        goto bad;
                    }
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
                if (put_utf8(&b, cp) < 0)
                    goto oom;
                continue;
            }
            default:
                r->i--;
                fail(r, "bad escape '\\%c'", e);
                goto bad;
            }
            if (sb_put(&b, lit, 1) < 0)
                goto oom;
            continue;
        }
        size_t k =
            scn_utf8_len((const unsigned char *)r->s + r->i, r->n - r->i);
        if (k == 0) {
            fail(r, "invalid UTF-8 in string");
            goto bad;
        }
        if (sb_put(&b, r->s + r->i, k) < 0)
            goto oom;
        r->i += k;
    }
    *out = b.s;
    *len = b.n;
    return 0;
oom:
    fail(r, "out of memory");
bad:
    sim_free(b.s);
    return -1;
}

static int read_number(rd_t *r, scn_json_t *j) {
    size_t start = r->i;
    if (r->i < r->n && r->s[r->i] == '-')
        r->i++;
    if (r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9') {
        fail(r, "bad number");
        return -1;
    }
    if (r->s[r->i] == '0') {
        r->i++;
        if (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
            fail(r, "leading zero in number");
            return -1;
        }
    } else {
        while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9')
            r->i++;
    }
    if (r->i < r->n && r->s[r->i] == '.') {
        r->i++;
        if (r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9') {
            fail(r, "digits expected after '.'");
            return -1;
        }
        while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9')
            r->i++;
    }
    if (r->i < r->n && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
        r->i++;
        if (r->i < r->n && (r->s[r->i] == '+' || r->s[r->i] == '-'))
            r->i++;
        if (r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9') {
            fail(r, "digits expected in exponent");
            return -1;
        }
        while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9')
            r->i++;
    }
    size_t k = r->i - start;
    j->str = sim_malloc(k + 1);
    if (!j->str) {
        fail(r, "out of memory");
        return -1;
    }
    memcpy(j->str, r->s + start, k);
    j->str[k] = '\0';
    j->len = k;
    j->num = strtod(j->str, NULL);
    j->kind = SCN_JSON_NUMBER;
    return 0;
}

static void clear(scn_json_t *j) {
    for (size_t i = 0; i < j->n; i++) {
        clear(&j->items[i]);
        if (j->keys)
            sim_free(j->keys[i]);
    }
    sim_free(j->items);
    sim_free(j->keys);
    sim_free(j->str);
    memset(j, 0, sizeof(*j));
}

static int read_value(rd_t *r, scn_json_t *j, int depth);

/* One more element (and key) slot in an array or object. */
static scn_json_t *grow(rd_t *r, scn_json_t *j, size_t *cap, int keyed) {
    if (j->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        scn_json_t *ni = sim_realloc(j->items, nc * sizeof(*ni));
        if (!ni) {
            fail(r, "out of memory");
            return NULL;
        }
        j->items = ni;
        if (keyed) {
            char **nk = sim_realloc(j->keys, nc * sizeof(*nk));
            if (!nk) {
                fail(r, "out of memory");
                return NULL;
            }
            j->keys = nk;
        }
        *cap = nc;
    }
    scn_json_t *e = &j->items[j->n];
    memset(e, 0, sizeof(*e));
    if (keyed)
        j->keys[j->n] = NULL;
    j->n++;
    return e;
}

static int read_container(rd_t *r, scn_json_t *j, int depth, int object) {
    char close = object ? '}' : ']';
    size_t cap = 0;
    j->kind = object ? SCN_JSON_OBJECT : SCN_JSON_ARRAY;
    r->i++;
    skip_ws(r);
    if (r->i < r->n && r->s[r->i] == close) {
        r->i++;
        return 0;
    }
    for (;;) {
        skip_ws(r);
        char *key = NULL;
        size_t klen;
        if (object) {
            if (r->i >= r->n || r->s[r->i] != '"') {
                fail(r, "object key (a string) expected");
                return -1;
            }
            if (read_string(r, &key, &klen) < 0)
                return -1;
            skip_ws(r);
            if (r->i >= r->n || r->s[r->i] != ':') {
                sim_free(key);
                fail(r, "':' expected after object key");
                return -1;
            }
            r->i++;
        }
        scn_json_t *e = grow(r, j, &cap, object);
        if (!e) {
            sim_free(key);
            return -1;
        }
        if (object)
            j->keys[j->n - 1] = key;
        if (read_value(r, e, depth + 1) < 0)
            return -1;
        skip_ws(r);
        if (r->i < r->n && r->s[r->i] == ',') {
            r->i++;
            skip_ws(r);
            if (r->i < r->n && r->s[r->i] == close) {
                fail(r, "trailing comma");
                return -1;
            }
            continue;
        }
        if (r->i < r->n && r->s[r->i] == close) {
            r->i++;
            return 0;
        }
        fail(r, object ? "',' or '}' expected" : "',' or ']' expected");
        return -1;
    }
}

static int literal(rd_t *r, const char *word, scn_json_t *j,
                   scn_json_kind_t k) {
    size_t n = strlen(word);
    if (r->n - r->i < n || memcmp(r->s + r->i, word, n) != 0) {
        fail(r, "unexpected character '%c'", r->s[r->i]);
        return -1;
    }
    r->i += n;
    j->kind = k;
    return 0;
}

static int read_value(rd_t *r, scn_json_t *j, int depth) {
    if (depth > SCN_JSON_MAX_DEPTH) {
        fail(r, "nested deeper than %d", SCN_JSON_MAX_DEPTH);
        return -1;
    }
    skip_ws(r);
    if (r->i >= r->n) {
        fail(r, "value expected, end of input");
        return -1;
    }
    switch (r->s[r->i]) {
    case '{':
        return read_container(r, j, depth, 1);
    case '[':
        return read_container(r, j, depth, 0);
    case '"':
        j->kind = SCN_JSON_STRING;
        return read_string(r, &j->str, &j->len);
    case 't':
        return literal(r, "true", j, SCN_JSON_TRUE);
    case 'f':
        return literal(r, "false", j, SCN_JSON_FALSE);
    case 'n':
        return literal(r, "null", j, SCN_JSON_NULL);
    default:
        return read_number(r, j);
    }
}

int scn_json_parse(const char *text, size_t n, scn_json_t **out, char *err,
                   size_t n_err) {
    rd_t r = {.s = text, .n = n, .err = err, .n_err = n_err};
    if (err && n_err)
        err[0] = '\0';
    *out = NULL;
    scn_json_t *j = sim_calloc(1, sizeof(*j));
    if (!j) {
        fail(&r, "out of memory");
        return -1;
    }
    if (read_value(&r, j, 1) == 0) {
        skip_ws(&r);
        if (r.i < r.n)
            fail(&r, "unexpected text after the value");
    }
    if (r.failed) {
        scn_json_free(j);
        return -1;
    }
    *out = j;
    return 0;
}

void scn_json_free(scn_json_t *j) {
    if (!j)
        return;
    clear(j);
    sim_free(j);
}

const scn_json_t *scn_json_get(const scn_json_t *obj, const char *key) {
    if (!obj || obj->kind != SCN_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

const char *scn_json_kind_name(scn_json_kind_t k) {
    static const char *const names[] = {"null",   "false", "true",  "number",
                                        "string", "array", "object"};
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}
