/*
 * test_explore.c - the strategies' contracts and the explorer: PCT change
 * points, dfs completeness on a space counted by hand and its exhaustion,
 * the portfolio mix, shrinking, and shards adding up to the unsharded run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scn_explore.h"

/* Three actors yielding once each: 6 segments, each thread's two in order,
 * 6! / (2! 2! 2!) = 90 interleavings; with no preemption only fifo's. */
static const char yield3[] =
    "service svc\n  dependency db\nactor a: yield\nactor b: yield\n"
    "actor c: yield\nexpect\n  final alive\n";

static const char planted[] =
    "service svc\n  dependency db\n    stop: yield\n  entrypoint rpc\n"
    "  method rpc: return \"ok\"\n"
    "actor stopper: stop\n"
    "actor killer: yield; yield; yield; yield; yield; yield; kill Boom(\"late\")\n"
    "actor waiter: wait\nexpect\n  stop returns\n  wait returns\n";

/* The same race with `sometimes` lines: the kill landing before the stop
 * finished, after it, and a window no schedule reaches. */
static const char planted_sometimes[] =
    "service svc\n  dependency db\n    stop: yield\n  entrypoint rpc\n"
    "  method rpc: return \"ok\"\n"
    "actor stopper: stop\n"
    "actor killer: yield; yield; yield; yield; yield; yield; kill Boom(\"late\")\n"
    "actor waiter: wait\nexpect\n  stop returns\n"
    "  sometimes wait raises Boom\n  sometimes wait returns\n"
    "  sometimes final alive\n";

static scn_model_t *parse(const char *text)
{
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    if (scn_parse("t.scn", text, strlen(text), &m, &d) != 0)
        fail_msg("parse: %d:%d: %s", d.line, d.col, d.message);
    return m;
}

/* Run a whole exploration; totals in *t. */
static void explore(const char *text, const xp_opts_t *o, xp_totals_t *t)
{
    scn_model_t *m = parse(text);
    xp_explorer_t *x;
    memset(t, 0, sizeof(*t));
    assert_int_equal(xp_sometimes_init(t, m), 0);
    assert_int_equal(xp_explorer_new(m, text, strlen(text), o, &x), 0);
    for (uint64_t i = 0; i < o->runs; i++) {
        if (o->strategy != XP_DFS && i % o->shard_n != o->shard_k - 1)
            continue;
        xp_run_t r;
        int rc = xp_explorer_run(x, i, &r);
        assert_true(rc >= 0);
        if (rc == 1)
            break;
        t->runs++;
        assert_int_equal(xp_totals_add_schedule(t, r.schedule), 0);
        xp_sometimes_count(t, r.sometimes);
        if (r.verdict != SCN_PASS) {
            xp_failure_t f;
            memset(&f, 0, sizeof(f));
            f.run = i;
            strcpy(f.token, r.token);
            assert_int_equal(xp_totals_add_failure(t, &f), 0);
        }
        xp_run_free(&r);
    }
    t->exhausted = xp_explorer_exhausted(x);
    xp_explorer_free(x);
    scn_model_free(m);
}

static void test_pct_change_points(void **state)
{
    (void)state;
    for (unsigned d = 1; d <= 5; d++)
        for (uint64_t seed = 0; seed < 50; seed++) {
            xp_pct_t a, b;
            xp_pct_init(&a, d, 37, seed);
            xp_pct_init(&b, d, 37, seed);
            assert_int_equal(a.depth, d);
            for (unsigned i = 0; i + 1 < d; i++) {
                assert_true(a.change[i] < 37);
                assert_true(a.change[i] == b.change[i]);
            }
            for (unsigned i = d - 1; i < XP_PCT_MAX_DEPTH; i++)
                assert_true(a.change[i] == 0); /* exactly d-1 drawn */
        }
    /* different seeds spread over [0, k) */
    int seen[10] = {0};
    for (uint64_t seed = 0; seed < 200; seed++) {
        xp_pct_t a;
        xp_pct_init(&a, 2, 10, seed);
        seen[a.change[0]] = 1;
    }
    for (int i = 0; i < 10; i++)
        assert_true(seen[i]);
}

static void test_pct_maps_ready_choices_to_threads(void **state)
{
    (void)state;
    scn_model_t *m = parse(planted);
    xp_pct_t p;
    xp_pct_init(&p, 3, 40, 7);
    xp_plan_t plan;
    xp_pct_plan(&p, &plan);
    scn_run_opts_t ro = {.chooser = plan.chooser, .chooser_arg = plan.chooser_arg,
                         .attach = plan.attach};
    scn_result_t *r;
    assert_int_equal(scn_run(m, &ro, &r), 0);
    assert_true(p.mapped > 0);
    /* the queue is rebuilt from the trace: most choices map to threads */
    assert_true(p.mapped >= 2 * p.unmapped);
    scn_result_free(r);
    xp_pct_free(&p);
    scn_model_free(m);
}

static void test_dfs_unbounded_counts_every_interleaving(void **state)
{
    (void)state;
    xp_opts_t o;
    xp_opts_default(&o);
    o.strategy = XP_DFS;
    o.preemptions = -1;
    o.runs = 100000;
    xp_totals_t t;
    explore(yield3, &o, &t);
    assert_int_equal(t.runs, 90);
    assert_int_equal(xp_totals_distinct(&t), 90);
    assert_true(t.exhausted);
    xp_totals_free(&t);
}

static void test_dfs_bound_zero_is_fifo_only(void **state)
{
    (void)state;
    xp_opts_t o;
    xp_opts_default(&o);
    o.strategy = XP_DFS;
    o.preemptions = 0;
    xp_totals_t t;
    explore(yield3, &o, &t);
    assert_int_equal(t.runs, 1);
    assert_true(t.exhausted);
    xp_totals_free(&t);
}

static void test_dfs_not_exhausted_when_capped(void **state)
{
    (void)state;
    xp_opts_t o;
    xp_opts_default(&o);
    o.strategy = XP_DFS;
    o.preemptions = -1;
    o.runs = 10;
    xp_totals_t t;
    explore(yield3, &o, &t);
    assert_int_equal(t.runs, 10);
    assert_false(t.exhausted);
    xp_totals_free(&t);
}

static void test_dfs_respects_the_bound(void **state)
{
    (void)state;
    xp_dfs_t d;
    assert_int_equal(xp_dfs_init(&d, 1, NULL, 0), 0);
    scn_model_t *m = parse(yield3);
    xp_plan_t p;
    size_t runs = 0;
    while (xp_dfs_next(&d, &p) == 0) {
        scn_run_opts_t ro = {.prefix = p.prefix, .n_prefix = p.n_prefix};
        scn_result_t *r;
        assert_int_equal(scn_run(m, &ro, &r), 0);
        size_t nz = 0;
        for (size_t i = 0; i < r->n_choices; i++)
            nz += r->choices[i].answer != 0;
        assert_true(nz <= 1);
        assert_int_equal(xp_dfs_feed(&d, r->choices, r->n_choices), 0);
        scn_result_free(r);
        runs++;
    }
    assert_true(d.exhausted);
    assert_true(runs > 1 && runs < 90);
    xp_dfs_free(&d);
    scn_model_free(m);
}

static void test_portfolio_mix(void **state)
{
    (void)state;
    xp_strategy_kind_t k;
    unsigned d;
    xp_portfolio_pick(0, &k, &d);
    assert_int_equal(k, XP_FIFO);
    xp_portfolio_pick(1, &k, &d);
    assert_int_equal(k, XP_RANDOM);
    for (unsigned i = 2; i <= 4; i++) {
        xp_portfolio_pick(i, &k, &d);
        assert_int_equal(k, XP_PCT);
        assert_int_equal(d, i - 1);
    }
    xp_portfolio_pick(5, &k, &d);
    assert_int_equal(k, XP_RANDOM);
}

static void test_shrinking_keeps_failing_with_no_more_preemptions(void **state)
{
    (void)state;
    scn_model_t *m = parse(planted);
    xp_opts_t o;
    xp_opts_default(&o);
    o.strategy = XP_RANDOM;
    xp_explorer_t *x;
    assert_int_equal(xp_explorer_new(m, planted, strlen(planted), &o, &x), 0);
    int found = 0;
    for (uint64_t i = 0; i < 1000 && found < 3; i++) {
        xp_run_t r;
        assert_int_equal(xp_explorer_run(x, i, &r), 0);
        if (r.verdict != SCN_PASS) {
            found++;
            size_t before = 0;
            for (size_t k = 0; k < r.n_choices; k++)
                before += r.choices[k].answer != 0;
            xp_shrunk_t s;
            assert_true(xp_shrink(x, &r, &s) > 0);
            assert_int_equal(s.verdict, SCN_FAIL);
            assert_true(s.preemptions <= before);
            assert_true(s.critical[0] != '\0');
            /* the shrunk token still fails the same expectation */
            scn_token_t t;
            assert_int_equal(scn_token_parse(s.token, &t, NULL, 0), 0);
            scn_result_t *res;
            scn_verdict_t v;
            int drifted;
            assert_int_equal(xp_replay(m, planted, strlen(planted), &t, 0, &drifted,
                                       &res, &v), 0);
            assert_int_equal(v.kind, SCN_FAIL);
            assert_string_equal(v.failed->text, "wait returns");
            scn_verdict_free(&v);
            scn_result_free(res);
            scn_token_free(&t);
        }
        xp_run_free(&r);
    }
    assert_true(found > 0);
    xp_explorer_free(x);
    scn_model_free(m);
}

static void shard_union(const char *text, xp_strategy_kind_t k, long bound,
                        uint64_t runs)
{
    xp_opts_t o;
    xp_opts_default(&o);
    o.strategy = k;
    o.preemptions = bound;
    o.runs = runs;
    xp_totals_t all, merged;
    explore(text, &o, &all);
    memset(&merged, 0, sizeof(merged));
    char path[64];
    for (unsigned s = 1; s <= 3; s++) {
        xp_opts_t so = o;
        so.shard_k = s;
        so.shard_n = 3;
        xp_totals_t t;
        explore(text, &so, &t);
        /* a fresh name per file: tests may run in parallel (ctest -j) */
        snprintf(path, sizeof(path), "/tmp/csim-test-explore-XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(xp_totals_write(&t, path, "t.scn", &so), 0);
        char msg[256];
        assert_int_equal(xp_totals_read(&merged, path, msg, sizeof(msg)), 0);
        remove(path);
        xp_totals_free(&t);
    }
    assert_int_equal(merged.runs, all.runs);
    assert_int_equal(xp_totals_distinct(&merged), xp_totals_distinct(&all));
    assert_int_equal(merged.n_failures, all.n_failures);
    for (size_t i = 0; i < all.n_failures; i++) {
        assert_int_equal(merged.failures[i].run, all.failures[i].run);
        assert_string_equal(merged.failures[i].token, all.failures[i].token);
    }
    if (k == XP_DFS)
        assert_int_equal(merged.exhausted, all.exhausted);
    assert_int_equal(merged.n_sometimes, all.n_sometimes);
    for (size_t i = 0; i < all.n_sometimes; i++) {
        assert_int_equal(merged.sometimes[i].hits, all.sometimes[i].hits);
        assert_int_equal(merged.sometimes[i].line, all.sometimes[i].line);
        assert_string_equal(merged.sometimes[i].text, all.sometimes[i].text);
    }
    xp_totals_free(&all);
    xp_totals_free(&merged);
}

static void test_shards_add_up_random_portfolio(void **state)
{
    (void)state;
    shard_union(planted, XP_RANDOM, 2, 60);
    shard_union(planted, XP_PORTFOLIO, 2, 60);
}

static void test_shards_add_up_dfs(void **state)
{
    (void)state;
    shard_union(planted, XP_DFS, 1, 100000);
}

/* A `sometimes` line never fails a run: the run passes whatever it says,
 * and the verdict records which held. */
static void test_sometimes_never_fails_a_run(void **state)
{
    (void)state;
    scn_model_t *m = parse(planted_sometimes);
    assert_int_equal(m->n_sometimes, 3);
    scn_run_opts_t ro = {.strategy = SIM_STRATEGY_FIFO};
    scn_result_t *r;
    assert_int_equal(scn_run(m, &ro, &r), 0);
    scn_verdict_t v;
    assert_int_equal(scn_check(m, r, &v), 0);
    assert_int_equal(v.kind, SCN_PASS);
    assert_int_equal(v.n_failures, 0);
    assert_int_equal(v.n_sometimes, 3);
    assert_int_equal(v.sometimes[0], 0); /* fifo: the stop wins */
    assert_int_equal(v.sometimes[1], 1);
    assert_int_equal(v.sometimes[2], 0);
    scn_verdict_free(&v);
    scn_result_free(r);
    scn_model_free(m);
}

/* Counted over an exploration, the hits of each line add up the same
 * whether the runs are split in shards (written, read and merged) or not,
 * and a window no schedule reaches stays at 0. */
static void test_sometimes_counts_add_up_over_shards(void **state)
{
    (void)state;
    shard_union(planted_sometimes, XP_PORTFOLIO, 2, 90);
    shard_union(planted_sometimes, XP_DFS, 2, 100000);
    xp_opts_t o;
    xp_opts_default(&o);
    o.runs = 200;
    xp_totals_t t;
    explore(planted_sometimes, &o, &t);
    assert_int_equal(t.n_sometimes, 3);
    assert_true(t.sometimes[0].hits > 0 && t.sometimes[1].hits > 0);
    assert_int_equal(t.sometimes[0].hits + t.sometimes[1].hits, t.runs);
    assert_int_equal(t.sometimes[2].hits, 0);
    assert_int_equal(xp_sometimes_never(&t), 1);
    assert_int_equal(t.sometimes[2].line, 13);
    assert_string_equal(t.sometimes[2].text, "t.scn:13: final alive");
    xp_totals_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pct_change_points),
        cmocka_unit_test(test_pct_maps_ready_choices_to_threads),
        cmocka_unit_test(test_dfs_unbounded_counts_every_interleaving),
        cmocka_unit_test(test_dfs_bound_zero_is_fifo_only),
        cmocka_unit_test(test_dfs_not_exhausted_when_capped),
        cmocka_unit_test(test_dfs_respects_the_bound),
        cmocka_unit_test(test_portfolio_mix),
        cmocka_unit_test(test_shrinking_keeps_failing_with_no_more_preemptions),
        cmocka_unit_test(test_shards_add_up_random_portfolio),
        cmocka_unit_test(test_shards_add_up_dfs),
        cmocka_unit_test(test_sometimes_never_fails_a_run),
        cmocka_unit_test(test_sometimes_counts_add_up_over_shards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
