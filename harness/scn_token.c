/*
 * scn_token.c - replay tokens (format in scn_explore.h): one printable line
 * of at most 100 bytes that names the scenario by content hash and the
 * schedule by its non-zero answers, or by what regenerates it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_explore.h"
#include "sim_alloc.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

/* At most this many answers in an explicit token's schedule, gaps
 * included (400 MB decoded). */
#define TOKEN_ANSWERS_MAX 100000000
/* The largest dfs run index a generated token may name (explore's --runs
 * can reach it; replaying it enumerates every earlier run). */
#define TOKEN_DFS_RUN_MAX 10000000

uint64_t scn_content_hash(const char *bytes, size_t n)
{
    return scn_fnv1a(bytes, n) & ((UINT64_C(1) << 48) - 1);
}

static int b64_val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

static size_t put_b36(char *o, uint64_t v)
{
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = b36[v % 36];
        v /= 36;
    } while (v);
    for (size_t i = 0; i < n; i++)
        o[i] = tmp[n - 1 - i];
    return n;
}

static int get_b36(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 13)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(b36, s[i]);
        if (!p || !s[i])
            return -1;
        uint64_t d = (uint64_t)(p - b36);
        if (v > (UINT64_MAX - d) / 36)
            return -1;
        v = v * 36 + d;
    }
    *out = v;
    return 0;
}

static size_t put_varint(unsigned char *o, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        o[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    o[n++] = (unsigned char)v;
    return n;
}

int scn_token_format(const scn_token_t *t, char *buf, size_t size)
{
    char s[4 * SCN_TOKEN_MAX];
    size_t n = 0;
    n += (size_t)snprintf(s, sizeof(s), "c1.");
    for (int i = 7; i >= 0; i--)
        s[n++] = b64[(t->hash >> (6 * i)) & 63];
    /* '.' separates the fields: a preset's dots travel as '_' */
    s[n++] = '.';
    for (size_t i = 0; t->variant[i] && i < 20; i++)
        s[n++] = t->variant[i] == '.' ? '_' : t->variant[i];
    int w = snprintf(s + n, sizeof(s) - n, ".%02x.", t->mask & 0xff);
    n += (size_t)w;
    switch (t->strategy) {
    case XP_RANDOM: s[n++] = 'r'; break;
    case XP_PCT: n += (size_t)snprintf(s + n, 8, "p%u", t->depth); break;
    case XP_DFS:
        if (t->bound < 0)
            n += (size_t)snprintf(s + n, 8, "d-");
        else
            n += (size_t)snprintf(s + n, 24, "d%ld", t->bound);
        break;
    default: s[n++] = 'f'; break;
    }
    s[n++] = '.';
    n += put_b36(s + n, t->seed);
    s[n++] = '.';
    if (t->explicit_seq) {
        s[n++] = 'x';
        s[n++] = '.';
        unsigned char bytes[3 * SCN_TOKEN_MAX];
        size_t nb = 0;
        uint64_t gap = 0;
        for (size_t i = 0; i < t->n_answers; i++) {
            if (t->answers[i] == 0) {
                gap++;
                continue;
            }
            if (nb + 20 > sizeof(bytes))
                return -1;
            nb += put_varint(bytes + nb, gap);
            nb += put_varint(bytes + nb, t->answers[i]);
            gap = 0;
        }
        if (n + (nb * 4 + 2) / 3 > SCN_TOKEN_MAX)
            return -1;
        for (size_t i = 0; i < nb; i += 3) {
            uint32_t v = (uint32_t)bytes[i] << 16;
            size_t k = nb - i < 3 ? nb - i : 3;
            if (k > 1)
                v |= (uint32_t)bytes[i + 1] << 8;
            if (k > 2)
                v |= bytes[i + 2];
            s[n++] = b64[(v >> 18) & 63];
            s[n++] = b64[(v >> 12) & 63];
            if (k > 1)
                s[n++] = b64[(v >> 6) & 63];
            if (k > 2)
                s[n++] = b64[v & 63];
        }
    } else {
        s[n++] = 'g';
        s[n++] = '.';
        if (t->strategy == XP_PCT)
            n += put_b36(s + n, t->k);
        else if (t->strategy == XP_DFS)
            n += put_b36(s + n, t->run);
    }
    if (n > SCN_TOKEN_MAX || n + 1 > size)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return (int)n;
}

static int bad(char *msg, size_t n, const char *why)
{
    if (n)
        snprintf(msg, n, "%s", why);
    return -1;
}

int scn_token_parse(const char *s, scn_token_t *t, char *msg, size_t n_msg)
{
    memset(t, 0, sizeof(*t));
    const char *f[8];
    size_t len[8], nf = 0;
    const char *p = s;
    size_t total = strlen(s);
    if (total > SCN_TOKEN_MAX)
        return bad(msg, n_msg, "longer than 100 bytes");
    while (nf < 8) {
        const char *dot = strchr(p, '.');
        f[nf] = p;
        if (!dot || nf == 7) {
            len[nf++] = strlen(p);
            break;
        }
        len[nf++] = (size_t)(dot - p);
        p = dot + 1;
    }
    if (nf != 8 || strchr(f[7], '.'))
        return bad(msg, n_msg, "expected 8 fields separated by '.'");
    if (len[0] != 2 || f[0][0] != 'c' || f[0][1] != '1')
        return bad(msg, n_msg, "unknown token format (this csim reads c1)");
    t->version = 1;
    if (len[1] != 8)
        return bad(msg, n_msg, "bad content hash field");
    for (size_t i = 0; i < 8; i++) {
        int v = b64_val(f[1][i]);
        if (v < 0)
            return bad(msg, n_msg, "bad content hash field");
        t->hash = t->hash << 6 | (uint64_t)v;
    }
    if (len[2] == 0 || len[2] >= sizeof(t->variant))
        return bad(msg, n_msg, "bad variant field");
    for (size_t i = 0; i < len[2]; i++)
        t->variant[i] = f[2][i] == '_' ? '.' : f[2][i];
    t->variant[len[2]] = '\0';
    if (!scn_preset_known(t->variant)) {
        char known[300], m2[400];
        scn_preset_list(known, sizeof(known));
        snprintf(m2, sizeof(m2), "unknown variant '%s' (known: %s; a token "
                 "writes their dots as '_', v1_5_0)", t->variant, known);
        return bad(msg, n_msg, m2);
    }
    char hex[3] = {0};
    if (len[3] != 2)
        return bad(msg, n_msg, "bad choice mask field");
    memcpy(hex, f[3], 2);
    char *end;
    unsigned long mk = strtoul(hex, &end, 16);
    if (*end || mk == 0 || mk > SIM_CHOICES_ALL)
        return bad(msg, n_msg, "bad choice mask field");
    t->mask = (unsigned)mk;
    if (len[4] < 1)
        return bad(msg, n_msg, "bad strategy field");
    char st[24] = {0};
    if (len[4] >= sizeof(st))
        return bad(msg, n_msg, "bad strategy field");
    memcpy(st, f[4], len[4]);
    t->bound = -1;
    if (strcmp(st, "f") == 0) {
        t->strategy = XP_FIFO;
    } else if (strcmp(st, "r") == 0) {
        t->strategy = XP_RANDOM;
    } else if (st[0] == 'p') {
        t->strategy = XP_PCT;
        unsigned long d = strtoul(st + 1, &end, 10);
        if (!st[1] || *end || d < 1 || d > XP_PCT_MAX_DEPTH)
            return bad(msg, n_msg, "bad strategy field");
        t->depth = (unsigned)d;
    } else if (st[0] == 'd') {
        t->strategy = XP_DFS;
        if (strcmp(st + 1, "-") != 0) {
            long c = strtol(st + 1, &end, 10);
            if (!st[1] || *end || c < 0)
                return bad(msg, n_msg, "bad strategy field");
            t->bound = c;
        }
    } else {
        return bad(msg, n_msg, "bad strategy field");
    }
    if (get_b36(f[5], len[5], &t->seed) < 0)
        return bad(msg, n_msg, "bad seed field");
    if (len[6] != 1 || (f[6][0] != 'x' && f[6][0] != 'g'))
        return bad(msg, n_msg, "bad form field (x or g)");
    t->explicit_seq = f[6][0] == 'x';
    if (!t->explicit_seq) {
        if (t->strategy == XP_PCT && get_b36(f[7], len[7], &t->k) < 0)
            return bad(msg, n_msg, "bad pct step estimate");
        if (t->strategy == XP_DFS && get_b36(f[7], len[7], &t->run) < 0)
            return bad(msg, n_msg, "bad dfs run index");
        /* Regenerating dfs run I replays the I runs before it; csim only
         * writes such tokens for runs it explored, so a larger index is
         * not one of ours and would take hours. */
        if (t->strategy == XP_DFS && t->run > TOKEN_DFS_RUN_MAX)
            return bad(msg, n_msg, "dfs run index too large to regenerate");
        if ((t->strategy == XP_RANDOM || t->strategy == XP_FIFO) && len[7])
            return bad(msg, n_msg, "unexpected data after a random/fifo token");
        return 0;
    }
    /* base64url -> bytes -> (gap, answer) pairs -> dense answers */
    unsigned char bytes[SCN_TOKEN_MAX];
    size_t nb = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len[7]; i++) {
        int v = b64_val(f[7][i]);
        if (v < 0)
            return bad(msg, n_msg, "bad schedule data");
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes[nb++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    size_t cap = 0, n = 0;
    uint32_t *ans = NULL;
    size_t i = 0;
    while (i < nb) {
        uint64_t v[2];
        for (int k = 0; k < 2; k++) {
            uint64_t x = 0;
            int sh = 0;
            for (;;) {
                if (i >= nb || sh > 56) {
                    sim_free(ans);
                    return bad(msg, n_msg, "truncated schedule data");
                }
                unsigned char b = bytes[i++];
                x |= (uint64_t)(b & 0x7f) << sh;
                sh += 7;
                if (!(b & 0x80))
                    break;
            }
            v[k] = x;
        }
        /* The sum of the gaps is bounded, not just each gap: 100 bytes
         * must not decode to gigabytes. */
        if (v[0] > TOKEN_ANSWERS_MAX - 1 - n || v[1] == 0 ||
            v[1] > UINT32_MAX) {
            sim_free(ans);
            return bad(msg, n_msg, "bad schedule data");
        }
        size_t need = n + (size_t)v[0] + 1;
        if (need > cap) {
            size_t nc = cap ? cap : 64;
            while (nc < need)
                nc *= 2;
            uint32_t *na = sim_realloc(ans, nc * sizeof(*na));
            if (!na) {
                sim_free(ans);
                return bad(msg, n_msg, "out of memory");
            }
            ans = na;
            cap = nc;
        }
        memset(ans + n, 0, (size_t)v[0] * sizeof(*ans));
        n += (size_t)v[0];
        ans[n++] = (uint32_t)v[1];
    }
    t->answers = ans;
    t->n_answers = n;
    return 0;
}

void scn_token_free(scn_token_t *t)
{
    sim_free(t->answers);
    t->answers = NULL;
    t->n_answers = 0;
}
