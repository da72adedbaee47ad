/*
 * test_token.c - replay tokens: round trip of both forms, at most 100
 * printable bytes, the fallback to a regenerating token, malformed tokens,
 * a changed scenario refused, and --continue random.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_explore.h"

static const char planted[] =
    "service svc\n  dependency db\n    stop: yield\n  entrypoint rpc\n"
    "  method rpc: return \"ok\"\n"
    "actor stopper: stop\n"
    "actor killer: yield; yield; yield; yield; yield; yield; kill Boom(\"late\")\n"
    "actor waiter: wait\nexpect\n  stop returns\n  wait returns\n";

static scn_model_t *parse(const char *text)
{
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    if (scn_parse("t.scn", text, strlen(text), &m, &d) != 0)
        fail_msg("parse: %d:%d: %s", d.line, d.col, d.message);
    return m;
}

static void base(scn_token_t *t)
{
    memset(t, 0, sizeof(*t));
    t->version = 1;
    t->hash = UINT64_C(0xabcdef123456);
    strcpy(t->variant, "current");
    t->mask = SIM_CHOICES_DEFAULT;
    t->bound = -1;
}

static void assert_printable(const char *s)
{
    assert_true(strlen(s) <= SCN_TOKEN_MAX);
    for (; *s; s++)
        assert_true(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                           "0123456789._-", *s) != NULL);
}

static void test_explicit_round_trip(void **state)
{
    (void)state;
    uint32_t ans[] = {0, 3, 0, 0, 0, 1, 200, 0, 0, 7};
    scn_token_t t, u;
    base(&t);
    t.strategy = XP_PCT;
    t.depth = 2;
    t.seed = UINT64_MAX;
    t.explicit_seq = 1;
    t.answers = ans;
    t.n_answers = 10;
    char buf[SCN_TOKEN_MAX + 1];
    assert_true(scn_token_format(&t, buf, sizeof(buf)) > 0);
    assert_printable(buf);
    assert_int_equal(scn_token_parse(buf, &u, NULL, 0), 0);
    assert_true(u.hash == t.hash);
    assert_string_equal(u.variant, "current");
    assert_int_equal(u.mask, t.mask);
    assert_int_equal(u.strategy, XP_PCT);
    assert_int_equal(u.depth, 2);
    assert_true(u.seed == UINT64_MAX);
    assert_int_equal(u.n_answers, 10);
    assert_memory_equal(u.answers, ans, sizeof(ans));
    scn_token_free(&u);
}

static void test_generate_round_trip(void **state)
{
    (void)state;
    scn_token_t t, u;
    base(&t);
    t.strategy = XP_PCT;
    t.depth = 3;
    t.k = 12345;
    t.seed = 42;
    char buf[SCN_TOKEN_MAX + 1];
    assert_true(scn_token_format(&t, buf, sizeof(buf)) > 0);
    assert_printable(buf);
    assert_int_equal(scn_token_parse(buf, &u, NULL, 0), 0);
    assert_false(u.explicit_seq);
    assert_true(u.k == 12345 && u.seed == 42 && u.depth == 3);
    scn_token_free(&u);
}

static void test_too_long_sequence_does_not_fit(void **state)
{
    (void)state;
    uint32_t ans[200];
    for (int i = 0; i < 200; i++)
        ans[i] = 1 + (uint32_t)i % 3;
    scn_token_t t;
    base(&t);
    t.explicit_seq = 1;
    t.answers = ans;
    t.n_answers = 200;
    char buf[SCN_TOKEN_MAX + 1];
    assert_int_equal(scn_token_format(&t, buf, sizeof(buf)), -1);
}

static void test_malformed_tokens_are_rejected(void **state)
{
    (void)state;
    const char *bad[] = {"", "c2.AAAAAAAA.current.0f.f.0.x.", "c1.AAAA.current.0f.f.0.x.",
                         "c1.AAAAAAAA.current.zz.f.0.x.", "c1.AAAAAAAA.current.0f.q.0.x.",
                         "c1.AAAAAAAA.current.0f.f.0.y.", "c1.AAAAAAAA.current.0f.f.0.x.gA"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        scn_token_t t;
        char msg[128];
        assert_int_equal(scn_token_parse(bad[i], &t, msg, sizeof(msg)), -1);
        assert_true(msg[0] != '\0');
    }
}

/* Every preset travels in the VARIANT field, its dots as '_' (a '.'
 * separates the fields), and comes back as its name. */
static void test_variant_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < ctr_preset_count(); i++) {
        const char *name = ctr_preset_name(i);
        scn_token_t t, u;
        base(&t);
        snprintf(t.variant, sizeof(t.variant), "%s", name);
        t.strategy = XP_RANDOM;
        t.seed = 7;
        char buf[SCN_TOKEN_MAX + 1], want[64];
        assert_true(scn_token_format(&t, buf, sizeof(buf)) > 0);
        assert_printable(buf);
        size_t k = 0;
        for (const char *c = name; *c; c++)
            want[k++] = *c == '.' ? '_' : *c;
        want[k] = '\0';
        char field[64];
        const char *f = strchr(strchr(buf, '.') + 1, '.') + 1;
        snprintf(field, sizeof(field), "%.*s", (int)(strchr(f, '.') - f), f);
        assert_string_equal(field, want);
        assert_int_equal(scn_token_parse(buf, &u, NULL, 0), 0);
        assert_string_equal(u.variant, name);
        assert_int_equal(u.strategy, XP_RANDOM);
        assert_true(u.seed == 7);
        scn_token_free(&u);
    }
    /* current's tokens are what they always were */
    scn_token_t t;
    base(&t);
    char buf[SCN_TOKEN_MAX + 1];
    assert_true(scn_token_format(&t, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "c1.q83vEjRW.current.0f.f.0.g.");
}

static void test_unknown_variant_is_refused(void **state)
{
    (void)state;
    scn_token_t t;
    char msg[512];
    assert_int_equal(scn_token_parse("c1.AAAAAAAA.v9_9_9.0f.f.0.x.", &t, msg,
                                     sizeof(msg)),
                     -1);
    assert_string_equal(msg, "unknown variant 'v9.9.9' (known: V1, v1.0.0, "
                             "v1.2.2, v1.2.3, v1.5.0, v1.7.0, v1.7.2, v1.10.0, "
                             "v1.11.3, v1.13.0, v2.0.0, v2.4.0, v2.5.1, "
                             "current, hardened; a token writes their dots "
                             "as '_', v1_5_0)");
    /* a dotted name cannot be written literally: it splits the fields */
    assert_int_equal(scn_token_parse("c1.AAAAAAAA.v1.5.0.0f.f.0.x.", &t, msg,
                                     sizeof(msg)),
                     -1);
}

/* An exploration's tokens record its variant (--variant, else the file's),
 * and a replay runs under the recorded one. */
static void test_explore_records_variant(void **state)
{
    (void)state;
    static const char text[] =
        "variant v1.5.0\n"
        "service svc\n  dependency db\n"
        "actor a: start; stop\nexpect\n  final dead\n";
    scn_model_t *m = parse(text);
    const char *want[] = {"v1.5.0", "V1", "hardened"};
    for (int k = 0; k < 3; k++) {
        xp_opts_t o;
        xp_opts_default(&o);
        o.variant = k ? want[k] : NULL;
        assert_string_equal(xp_opts_variant(m, &o), want[k]);
        xp_explorer_t *x;
        assert_int_equal(xp_explorer_new(m, text, strlen(text), &o, &x), 0);
        xp_run_t r;
        assert_int_equal(xp_explorer_run(x, 0, &r), 0);
        scn_token_t t;
        assert_int_equal(scn_token_parse(r.token, &t, NULL, 0), 0);
        assert_string_equal(t.variant, want[k]);
        scn_result_t *res;
        scn_verdict_t v;
        int drifted = 1;
        assert_int_equal(xp_replay(m, text, strlen(text), &t, 0, &drifted, &res,
                                   &v),
                         0);
        assert_string_equal(res->variant, want[k]);
        scn_verdict_free(&v);
        scn_result_free(res);
        scn_token_free(&t);
        xp_run_free(&r);
        xp_explorer_free(x);
    }
    scn_model_free(m);
}

/* Explore the planted bug, then replay its token: same trace hash. */
static void test_replay_round_trip_and_drift(void **state)
{
    (void)state;
    scn_model_t *m = parse(planted);
    xp_opts_t o;
    xp_opts_default(&o);
    xp_explorer_t *x;
    assert_int_equal(xp_explorer_new(m, planted, strlen(planted), &o, &x), 0);
    xp_run_t r;
    uint64_t i;
    for (i = 0; i < 1000; i++) {
        assert_int_equal(xp_explorer_run(x, i, &r), 0);
        if (r.verdict != SCN_PASS)
            break;
        xp_run_free(&r);
    }
    assert_true(i < 1000);
    assert_printable(r.token);
    scn_token_t t;
    assert_int_equal(scn_token_parse(r.token, &t, NULL, 0), 0);
    scn_result_t *res;
    scn_verdict_t v;
    int drifted = 1;
    assert_int_equal(xp_replay(m, planted, strlen(planted), &t, 0, &drifted, &res, &v), 0);
    assert_false(drifted);
    assert_int_equal(v.kind, r.verdict);
    char *tx = scn_trace_text(res);
    uint64_t h1 = scn_fnv1a(tx, strlen(tx));
    free(tx);
    scn_verdict_free(&v);
    scn_result_free(res);
    assert_int_equal(xp_replay(m, planted, strlen(planted), &t, 0, &drifted, &res, &v), 0);
    tx = scn_trace_text(res);
    assert_true(scn_fnv1a(tx, strlen(tx)) == h1);
    free(tx);
    scn_verdict_free(&v);
    scn_result_free(res);

    /* a changed file: refused, unless --continue random */
    char *changed = malloc(strlen(planted) + 16);
    strcpy(changed, planted);
    strcat(changed, "  final dead\n");
    scn_model_t *m2 = parse(changed);
    assert_int_equal(xp_replay(m2, changed, strlen(changed), &t, 0, &drifted, &res, &v),
                     SCN_EIO);
    assert_true(drifted);
    assert_null(res);
    assert_int_equal(xp_replay(m2, changed, strlen(changed), &t, 1, &drifted, &res, &v), 0);
    assert_true(drifted);
    assert_true(res->n_choices >= t.n_answers);
    for (size_t k = 0; k < t.n_answers; k++)
        assert_int_equal(res->choices[k].answer, t.answers[k]);
    scn_verdict_free(&v);
    scn_result_free(res);
    scn_model_free(m2);
    free(changed);
    scn_token_free(&t);
    xp_run_free(&r);
    xp_explorer_free(x);
    scn_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explicit_round_trip),
        cmocka_unit_test(test_generate_round_trip),
        cmocka_unit_test(test_too_long_sequence_does_not_fit),
        cmocka_unit_test(test_malformed_tokens_are_rejected),
        cmocka_unit_test(test_variant_round_trip),
        cmocka_unit_test(test_unknown_variant_is_refused),
        cmocka_unit_test(test_explore_records_variant),
        cmocka_unit_test(test_replay_round_trip_and_drift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
