/*
 * fuzz_token.c - fuzz target: replay-token decoding (scn_token_parse) on
 * arbitrary bytes, then, for a token that decodes:
 *
 *  - the round trip: scn_token_format of the decoded token, when it fits,
 *    decodes again to the same token (abort() otherwise);
 *  - the replay: xp_replay of the token against a small built-in scenario
 *    with several choice points (content hash drift allowed, as
 *    `csim replay --continue random`), so arbitrary answer prefixes, masks
 *    and presets reach the scheduler.  A dfs "g" token regenerates its run
 *    by enumerating every schedule before it; only small run indexes are
 *    replayed (the enumeration is as long as the index).
 *
 * A token whose schedule data decodes to more than FUZZ_ANSWERS_MAX but
 * at most TOKEN_ANSWERS_MAX answers (the most scn_token_parse accepts) is
 * valid but costs up to 400 MB to decode, so it is not decoded here
 * (decoded_answers() counts first); anything larger must be refused by
 * scn_token_parse at once (finding F3 of README.md, fixed).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scn_explore.h"

#define FUZZ_DFS_RUN_MAX 16
#define FUZZ_ANSWERS_MAX 100000
#define TOKEN_ANSWERS_MAX 100000000 /* harness/scn_token.c */

static const char scenario[] =
    "service svc\n"
    "  dependency db\n"
    "    stop: yield\n"
    "    kill: sleep 1ms\n"
    "  entrypoint rpc\n"
    "  method rpc: yield; return \"ok\"\n"
    "limit steps 5000\n"
    "actor starter: start; fire rpc; fire rpc\n"
    "actor stopper: yield; stop\n"
    "actor killer: yield; yield; yield; kill Boom(\"late\")\n"
    "actor waiter: wait\n"
    "expect\n"
    "  stop returns\n"
    "  wait returns\n";

/* How many answers the schedule data of an explicit ("x") token decodes
 * to, the way scn_token_parse counts them (gap zeros, then the answer),
 * saturating at TOKEN_ANSWERS_MAX + 1; 0 for anything else. */
static uint64_t decoded_answers(const char *s)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                              "vwxyz0123456789-_";
    const char *f = s;
    for (int dots = 0; dots < 6; dots++) {
        f = strchr(f, '.');
        if (!f)
            return 0;
        f++;
    }
    if (f[0] != 'x' || f[1] != '.')
        return 0;
    uint64_t total = 0, x = 0;
    uint32_t acc = 0;
    int bits = 0, sh = 0, k = 0;
    for (f += 2; *f; f++) {
        const char *p = strchr(b64, *f);
        if (!p)
            return 0;
        acc = acc << 6 | (uint32_t)(p - b64);
        bits += 6;
        if (bits < 8)
            continue;
        bits -= 8;
        unsigned b = (acc >> bits) & 0xff;
        acc &= (1u << bits) - 1;
        if (sh <= 56)
            x |= (uint64_t)(b & 0x7f) << sh;
        sh += 7;
        if (b & 0x80)
            continue;
        if (k == 0)
            total += x > TOKEN_ANSWERS_MAX ? TOKEN_ANSWERS_MAX + 1 : x + 1;
        if (total > TOKEN_ANSWERS_MAX)
            return TOKEN_ANSWERS_MAX + 1;
        k ^= 1;
        x = 0;
        sh = 0;
    }
    return total;
}

static scn_model_t *model(void)
{
    static scn_model_t *m;
    if (!m) {
        scn_diag_t d;
        if (scn_parse("token.scn", scenario, sizeof(scenario) - 1, &m, &d) < 0)
            abort();
    }
    return m;
}

static int same(const scn_token_t *a, const scn_token_t *b)
{
    return a->version == b->version && a->hash == b->hash &&
           strcmp(a->variant, b->variant) == 0 && a->mask == b->mask &&
           a->strategy == b->strategy && a->seed == b->seed &&
           a->explicit_seq == b->explicit_seq &&
           (a->strategy != XP_PCT || a->depth == b->depth) &&
           (a->strategy != XP_DFS || a->bound == b->bound) &&
           (a->explicit_seq ||
            ((a->strategy != XP_PCT || a->k == b->k) &&
             (a->strategy != XP_DFS || a->run == b->run))) &&
           a->n_answers == b->n_answers &&
           (!a->n_answers ||
            memcmp(a->answers, b->answers,
                   a->n_answers * sizeof(*a->answers)) == 0);
}

static void round_trip(const scn_token_t *t)
{
    char buf[SCN_TOKEN_MAX + 1];
    if (scn_token_format(t, buf, sizeof(buf)) < 0)
        return;
    scn_token_t u;
    char msg[512];
    if (scn_token_parse(buf, &u, msg, sizeof(msg)) < 0 || !same(t, &u))
        abort();
    scn_token_free(&u);
}

static void replay(const scn_token_t *t)
{
    if (!t->explicit_seq && t->strategy == XP_DFS &&
        t->run > FUZZ_DFS_RUN_MAX)
        return;
    int drifted = 0;
    scn_result_t *r = NULL;
    scn_verdict_t v;
    memset(&v, 0, sizeof(v));
    if (xp_replay(model(), scenario, sizeof(scenario) - 1, t, 1, &drifted,
                  &r, &v) == 0)
        scn_verdict_free(&v);
    scn_result_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * SCN_TOKEN_MAX)
        return 0;
    char s[4 * SCN_TOKEN_MAX + 1];
    memcpy(s, data, size);
    s[size] = '\0';
    uint64_t answers = decoded_answers(s);
    if (answers > FUZZ_ANSWERS_MAX && answers <= TOKEN_ANSWERS_MAX)
        return 0;
    scn_token_t t;
    char msg[512];
    if (scn_token_parse(s, &t, msg, sizeof(msg)) < 0)
        return 0;
    round_trip(&t);
    replay(&t);
    scn_token_free(&t);
    return 0;
}
