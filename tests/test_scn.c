/*
 * test_scn.c - scenarios end to end through the engine (parse, run, check,
 * report): verdicts, failure reasons, expected and unexpected hangs,
 * determinism, and JSON output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"

typedef struct outcome {
    scn_verdict_kind_t kind;
    char why[2048];
    char details[4096];
    int failed_line;
    char *trace;
    size_t n_events;
} outcome_t;

static void run_text(const char *text, sim_strategy_kind_t strategy,
                     uint64_t seed, outcome_t *o)
{
    memset(o, 0, sizeof(*o));
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    if (scn_parse("inline.scn", text, strlen(text), &m, &d) != 0)
        fail_msg("parse: %d:%d: %s", d.line, d.col, d.message);
    scn_run_opts_t opts = {.strategy = strategy, .seed = seed};
    scn_result_t *r = NULL;
    assert_int_equal(scn_run(m, &opts, &r), 0);
    scn_verdict_t v;
    assert_int_equal(scn_check(m, r, &v), 0);
    o->kind = v.kind;
    snprintf(o->why, sizeof(o->why), "%s", v.why);
    for (size_t i = 0; i < v.n_details; i++) {
        strncat(o->details, v.details[i], sizeof(o->details) - strlen(o->details) - 2);
        strcat(o->details, "\n");
    }
    o->failed_line = v.failed ? v.failed->pos.line : 0;
    o->trace = scn_trace_text(r);
    o->n_events = r->n_events;
    scn_verdict_free(&v);
    scn_result_free(r);
    scn_model_free(m);
}

static void done(outcome_t *o) { free(o->trace); }

static const char stop_during_kill[] =
    "event go\n"
    "service svc max_workers=2\n"
    "  dependency db\n"
    "    kill: sleep 5ms\n"
    "  entrypoint rpc method=slow\n"
    "  method slow: wait go; return \"done\"\n"
    "actor runner: start; fire rpc\n"
    "actor killer at 1ms: kill Boom(\"disk on fire\")\n"
    "actor stopper at 2ms: stop\n"
    "actor waiter: wait\n"
    "expect\n"
    "  wait raises Boom \"disk on fire\"\n"
    "  stop returns\n"
    "  log debug \"already being killed svc\"\n"
    "  never db.stop\n"
    "  rpc.kill then worker svc.slow.1 killed then db.kill then state svc dead*\n"
    "  final dead\n";

static void test_pass(void **s)
{
    (void)s;
    outcome_t o;
    run_text(stop_during_kill, SIM_STRATEGY_FIFO, 0, &o);
    assert_int_equal(o.kind, SCN_PASS);
    assert_true(o.n_events > 0);
    done(&o);
}

static void test_failing_expectation_says_why(void **s)
{
    (void)s;
    char text[4096];
    snprintf(text, sizeof(text), "%s  db.stop\n", stop_during_kill);
    outcome_t o;
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    assert_int_equal(o.kind, SCN_FAIL);
    assert_int_equal(o.failed_line, 18);
    assert_string_equal(o.why, "no event matched `db.stop`");
    /* The details list the call events that did happen. */
    assert_non_null(strstr(o.details, "call db.kill"));
    done(&o);
}

static void test_wrong_error_type_fails(void **s)
{
    (void)s;
    char text[4096];
    snprintf(text, sizeof(text), "%s", stop_during_kill);
    char *p = strstr(text, "wait raises Boom \"disk on fire\"");
    memcpy(p, "wait returns                   ", 31);
    outcome_t o;
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    assert_int_equal(o.kind, SCN_FAIL);
    assert_string_equal(o.why, "actor waiter's wait raised Boom: disk on fire "
                               "(expected it to return)");
    done(&o);
}

static void test_never_after_fails_with_events(void **s)
{
    (void)s;
    const char *text = "service svc\n"
                       "  dependency db\n"
                       "actor a: start; stop; mark late\n"
                       "expect\n"
                       "  never mark late after state svc dead\n";
    outcome_t o;
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    assert_int_equal(o.kind, SCN_FAIL);
    assert_non_null(strstr(o.why, "mark late"));
    assert_non_null(strstr(o.why, "came after"));
    assert_non_null(strstr(o.why, "state svc dead"));
    done(&o);
}

static void test_expected_hang_passes(void **s)
{
    (void)s;
    const char *text = "service svc\n"
                       "  entrypoint go method=suicide\n"
                       "  method suicide: kill Boom(\"from inside\")\n"
                       "actor a: start; fire go\n"
                       "actor waiter: wait\n"
                       "expect\n"
                       "  final hung\n"
                       "  actor waiter blocked\n"
                       "  never state svc dead*\n";
    outcome_t o;
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    assert_int_equal(o.kind, SCN_PASS);
    done(&o);
}

static void test_unexpected_hang_is_hung(void **s)
{
    (void)s;
    const char *text = "event go\n"
                       "service svc\n"
                       "actor a: wait go\n"
                       "expect\n"
                       "  final alive\n";
    outcome_t o;
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    assert_int_equal(o.kind, SCN_HUNG);
    assert_non_null(strstr(o.why, "1 thread(s) blocked"));
    assert_non_null(strstr(o.details, "a: event go"));
    done(&o);
}

static void test_expected_hang_that_finishes_fails(void **s)
{
    (void)s;
    const char *text = "service svc\n"
                       "actor a: start; stop\n"
                       "expect\n"
                       "  final hung\n";
    outcome_t o;
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    assert_int_equal(o.kind, SCN_FAIL);
    assert_string_equal(o.why, "expected the run to hang, but every thread finished");
    done(&o);
}

static void test_livelock_hits_limit(void **s)
{
    (void)s;
    const char *text = "limit time 20ms\n"
                       "service svc\n"
                       "actor a: every 1ms: yield\n"
                       "expect\n"
                       "  final alive\n";
    outcome_t o;
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    assert_int_equal(o.kind, SCN_HUNG);
    assert_non_null(strstr(o.why, "limit"));
    done(&o);
}

static void test_managed_thread_error_kills_container(void **s)
{
    (void)s;
    /* spec 4.2 test 13 */
    const char *text = "service svc\n"
                       "actor a: start; spawn boom: raise Exception(\"foobar\")\n"
                       "actor w: wait\n"
                       "expect\n"
                       "  wait raises Exception \"foobar\"\n"
                       "  log critical \"svc thread exited with error\"\n"
                       "  final dead\n";
    outcome_t o;
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    if (o.kind != SCN_PASS)
        fail_msg("%s\n%s", o.why, o.details);
    done(&o);
}

static void test_expected_error_logged_as_warning(void **s)
{
    (void)s;
    const char *text = "service svc\n"
                       "  entrypoint rpc expected=Late\n"
                       "  method rpc: raise Late(\"slow\")\n"
                       "actor a: start; fire rpc as w; wait thread w; stop\n"
                       "expect\n"
                       "  log warning \"(expected) error handling worker svc.rpc.1: slow\"\n"
                       "  at most 0 log error\n"
                       "  actor a returns\n";
    outcome_t o;
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    if (o.kind != SCN_PASS)
        fail_msg("%s\n%s", o.why, o.details);
    done(&o);
}

static void test_collector_stop_waits_for_providers(void **s)
{
    (void)s;
    const char *text =
        "service svc\n"
        "  entrypoint rpc\n"
        "    start: register consumer\n"
        "    stop: sleep 3ms; unregister consumer\n"
        "    extension consumer shared collector\n"
        "      stop: mark consumer-stopped\n"
        "  method rpc\n"
        "actor a: start; stop\n"
        "expect\n"
        "  call rpc.stop then mark consumer-stopped\n"
        "  stop returns\n"
        "  no leftover threads\n";
    outcome_t o;
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    if (o.kind != SCN_PASS)
        fail_msg("%s\n%s", o.why, o.details);
    done(&o);
}

static void test_catch_swallows(void **s)
{
    (void)s;
    const char *text = "service svc\n"
                       "  entrypoint rpc\n"
                       "  method rpc\n"
                       "actor a: start; kill; fire rpc catch ContainerBeingKilled; mark later\n"
                       "expect\n"
                       "  mark caught \"ContainerBeingKilled*\" then mark later\n"
                       "  fire raises ContainerBeingKilled\n"
                       "  actor a returns\n";
    outcome_t o;
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    if (o.kind != SCN_PASS)
        fail_msg("%s\n%s", o.why, o.details);
    done(&o);
}

#define PASSES(text)                                                           \
    do {                                                                       \
        outcome_t o_;                                                          \
        run_text(text, SIM_STRATEGY_FIFO, 0, &o_);                             \
        if (o_.kind != SCN_PASS)                                               \
            fail_msg("%s\n%s", o_.why, o_.details);                            \
        done(&o_);                                                             \
    } while (0)

/* nameko's Timer (spec 4.5 test_stop_while_sleeping): `every D until E`
 * waits for E with timeout D, so a send ends the loop at once instead of
 * after the rest of the interval. */
static const char timer_5s[] =
    "service svc\n"
    "  entrypoint timer method=tick\n"
    "    start: spawn loop: every 5s until halt: fire timer\n"
    "    stop: send halt; wait thread loop\n"
    "    kill: kill thread loop\n"
    "  method tick: mark tick\n"
    "actor main: start; stop\n"
    "actor clock at 1s: mark one_second\n"
    "expect\n"
    "  step main.stop returns then mark one_second\n"
    "  never mark tick\n"
    "  no leftover threads\n";

static void test_every_until_ends_at_once(void **s)
{
    (void)s;
    outcome_t o;
    run_text(timer_5s, SIM_STRATEGY_FIFO, 0, &o);
    if (o.kind != SCN_PASS)
        fail_msg("%s\n%s", o.why, o.details);
    /* The loop's wait was cut short: no timer left at 5s. */
    assert_null(strstr(o.trace, "5s "));
    assert_non_null(strstr(o.trace, "event halt (timeout 5s)"));
    done(&o);
}

static void test_every_until_ticks_on_timeout(void **s)
{
    (void)s;
    PASSES("service svc\n"
           "  entrypoint timer method=tick\n"
           "    start: spawn loop: every 10ms until halt: fire timer\n"
           "    stop: send halt; wait thread loop\n"
           "  method tick: mark tick\n"
           "actor main: start\n"
           "actor stopper at 25ms: stop\n"
           "actor clock at 26ms: mark soon\n"
           "expect\n"
           "  exactly 2 mark tick\n"
           "  step stopper.stop returns then mark soon\n");
}

static void test_wait_timeout_continues(void **s)
{
    (void)s;
    /* Timed out: nothing raised, the list goes on at the timeout. */
    PASSES("event go\n"
           "service svc\n"
           "actor a: wait go timeout 5ms; mark done\n"
           "actor t4 at 4ms: mark t4\n"
           "actor t6 at 6ms: mark t6\n"
           "expect\n"
           "  mark t4 then mark done then mark t6\n"
           "  actor a returns\n");
    /* Sent first: it returns at the send. */
    PASSES("service svc\n"
           "actor a: wait go timeout 5ms; mark done\n"
           "actor b at 1ms: send go; mark sent\n"
           "actor t2 at 2ms: mark t2\n"
           "expect\n"
           "  mark sent then mark done then mark t2\n");
}

static const char identity[] =
    "error broken = Broken(\"foobar\")\n"
    "service svc\n"
    "actor a: start; spawn one: raise %s\n"
    "actor w: wait\n"
    "expect\n"
    "  wait raises broken\n"
    "  wait raises Broken \"foobar\"\n";

static void test_named_error_is_one_object(void **s)
{
    (void)s;
    char text[1024];
    snprintf(text, sizeof(text), identity, "broken");
    PASSES(text);
    /* The same type and message, but another object: identity fails, the
     * type+message form still passes. */
    snprintf(text, sizeof(text), identity, "Broken(\"foobar\")");
    outcome_t o;
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    assert_int_equal(o.kind, SCN_FAIL);
    assert_int_equal(o.failed_line, 6);
    assert_string_equal(o.why, "actor w's wait raised another Broken: foobar "
                               "(expected it to raise the error object broken "
                               "= Broken(\"foobar\"))");
    done(&o);
    /* Two threads raising the one object (spec 4.2 test 15). */
    PASSES("error broken = Broken(\"foobar\")\n"
           "service svc\n"
           "  dependency db\n"
           "actor a:\n"
           "  start\n"
           "  spawn one: raise broken\n"
           "  spawn two: raise broken\n"
           "  wait\n"
           "expect\n"
           "  wait raises broken\n"
           "  actor a raises broken\n"
           "  exactly 1 call db.kill\n"
           "  exactly 2 log critical \"svc thread exited with error\"\n");
}

static void test_never_before(void **s)
{
    (void)s;
    const char *head = "service svc\n"
                       "actor a: mark p; mark q; mark p\n"
                       "expect\n";
    char text[1024];
    snprintf(text, sizeof(text), "%s  never mark r before mark q\n"
                                 "  never mark q before mark p\n", head);
    PASSES(text);
    outcome_t o;
    snprintf(text, sizeof(text), "%s  never mark p before mark q\n", head);
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    assert_int_equal(o.kind, SCN_FAIL);
    assert_non_null(strstr(o.why, "mark p came before #"));
    assert_non_null(strstr(o.why, "mark q"));
    /* Only the P before the first Q is listed, not the later one. */
    assert_null(strstr(o.details, "also:"));
    done(&o);
    /* No Q at all: any P fails. */
    snprintf(text, sizeof(text), "%s  never mark p before mark z\n", head);
    run_text(text, SIM_STRATEGY_FIFO, 0, &o);
    assert_int_equal(o.kind, SCN_FAIL);
    assert_non_null(strstr(o.why, "and no event matched `mark z`"));
    done(&o);
}

static void test_repeated_shared_extension_binds_once(void **s)
{
    (void)s;
    PASSES("service svc\n"
           "  dependency d1\n"
           "    extension sh shared\n"
           "      extension inner\n"
           "  dependency d2\n"
           "    extension sh shared\n"
           "      extension inner\n"
           "actor a: start; stop\n"
           "expect\n"
           "  exactly 1 call sh.start\n"
           "  exactly 1 call inner.setup\n"
           "  exactly 1 call inner.start\n"
           "  exactly 1 call inner.stop\n");
}

static void test_hook_detail_tells_services_apart(void **s)
{
    (void)s;
    const char *text = "service s1\n  dependency db\n"
                       "service s2\n  dependency db\n"
                       "actor a: start s1; start s2; stop s2\n"
                       "expect\n"
                       "  exactly 2 call db.start\n"
                       "  exactly 1 call db.stop s2\n"
                       "  db.start s1 then db.start s2 then db.stop s2\n"
                       "  never call db.* \"s1*\" after call db.start s1\n"
                       "  never call db.stop s1\n";
    PASSES(text);
}

static void test_same_inputs_same_trace(void **s)
{
    (void)s;
    outcome_t a, b;
    run_text(stop_during_kill, SIM_STRATEGY_FIFO, 0, &a);
    run_text(stop_during_kill, SIM_STRATEGY_FIFO, 0, &b);
    assert_string_equal(a.trace, b.trace);
    done(&a);
    done(&b);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        run_text(stop_during_kill, SIM_STRATEGY_RANDOM, seed, &a);
        run_text(stop_during_kill, SIM_STRATEGY_RANDOM, seed, &b);
        assert_string_equal(a.trace, b.trace);
        assert_int_equal(scn_fnv1a(a.trace, strlen(a.trace)),
                         scn_fnv1a(b.trace, strlen(b.trace)));
        done(&a);
        done(&b);
    }
}

static void test_json_escapes_strings(void **s)
{
    (void)s;
    const char *text = "service svc\n"
                       "actor a: mark \"q\\\"uote\" \"tab\\there\\nnl\\\\\"\n"
                       "expect\n"
                       "  mark \"q\\\"uote\"\n";
    scn_model_t *m = NULL;
    scn_diag_t d;
    assert_int_equal(scn_parse("j.scn", text, strlen(text), &m, &d), 0);
    scn_result_t *r = NULL;
    assert_int_equal(scn_run(m, NULL, &r), 0);
    scn_verdict_t v;
    assert_int_equal(scn_check(m, r, &v), 0);
    assert_int_equal(v.kind, SCN_PASS);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    scn_reporter_t rp = {.out = f, .err = f, .json = 1, .trace = 1};
    scn_report_result(&rp, "j.scn", m, r, &v);
    fclose(f);
    assert_non_null(strstr(buf, "\"subject\":\"q\\\"uote\",\"detail\":\"tab\\there\\nnl\\\\\""));
    assert_non_null(strstr(buf, "\"verdict\":\"PASS\""));
    free(buf);
    /* The text trace keeps one event per line. */
    char *t = scn_trace_text(r);
    assert_non_null(strstr(t, "tab\\there\\nnl\\"));
    free(t);
    scn_verdict_free(&v);
    scn_result_free(r);
    scn_model_free(m);
}

static void test_text_report_lines(void **s)
{
    (void)s;
    char text[4096];
    snprintf(text, sizeof(text), "%s  db.stop\n", stop_during_kill);
    scn_model_t *m = NULL;
    scn_diag_t d;
    assert_int_equal(scn_parse("x.scn", text, strlen(text), &m, &d), 0);
    scn_result_t *r = NULL;
    assert_int_equal(scn_run(m, NULL, &r), 0);
    scn_verdict_t v;
    assert_int_equal(scn_check(m, r, &v), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    scn_reporter_t rp = {.out = f, .err = f};
    scn_report_result(&rp, "x.scn", m, r, &v);
    scn_report_summary(&rp);
    fclose(f);
    assert_true(strncmp(buf, "FAIL  x.scn:18: db.stop \xe2\x80\x94 no event matched `db.stop`\n",
                        strlen("FAIL  x.scn:18: db.stop \xe2\x80\x94 no event matched `db.stop`\n")) == 0);
    assert_non_null(strstr(buf, "\n0 passed, 1 failed\n"));
    free(buf);
    scn_verdict_free(&v);
    scn_result_free(r);
    scn_model_free(m);
}


/* Run `text` through parse, run, check and the reporter; *out gets what was
 * printed (malloc'ed). */
static scn_verdict_kind_t report_text(const char *text, int json, char **out)
{
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    if (scn_parse("x.scn", text, strlen(text), &m, &d) != 0)
        fail_msg("parse: %d:%d: %s", d.line, d.col, d.message);
    scn_result_t *r = NULL;
    assert_int_equal(scn_run(m, NULL, &r), 0);
    scn_verdict_t v;
    assert_int_equal(scn_check(m, r, &v), 0);
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    assert_non_null(f);
    scn_reporter_t rp = {.out = f, .err = f, .json = json};
    scn_report_result(&rp, "x.scn", m, r, &v);
    scn_report_summary(&rp);
    fclose(f);
    scn_verdict_kind_t k = v.kind;
    scn_verdict_free(&v);
    scn_result_free(r);
    scn_model_free(m);
    return k;
}

static void test_every_failure_is_reported(void **s)
{
    (void)s;
    const char *text = "service svc\n"
                       "  dependency db\n"
                       "actor a: start; stop\n"
                       "expect\n"
                       "  mark nope\n"          /* line 5: fails */
                       "  stop returns\n"       /* passes */
                       "  never db.stop\n"      /* line 7: fails */
                       "  final alive\n";       /* line 8: fails */
    char *buf = NULL;
    assert_int_equal(report_text(text, 0, &buf), SCN_FAIL);
    assert_true(strncmp(buf, "FAIL  x.scn:5: mark nope \xe2\x80\x94 no event matched "
                             "`mark nope`\n",
                        strlen("FAIL  x.scn:5: mark nope \xe2\x80\x94 no event "
                               "matched `mark nope`\n")) == 0);
    const char *also =
        "      also failed: x.scn:7: never db.stop \xe2\x80\x94 matched by #";
    assert_non_null(strstr(buf, also));
    assert_non_null(strstr(buf, "\n      also failed: x.scn:8: final alive \xe2\x80\x94 "
                                "container svc is dead at the end\n"
                                "0 passed, 1 failed\n"));
    assert_null(strstr(buf, "the first is shown"));
    free(buf);

    buf = NULL;
    assert_int_equal(report_text(text, 1, &buf), SCN_FAIL);
    assert_non_null(strstr(buf, "\"failed\":3,\"line\":5,"));
    assert_non_null(strstr(buf, ",\"failures\":[{\"line\":5,\"expectation\":"
                                "\"mark nope\",\"why\":\"no event matched "
                                "`mark nope`\"},{\"line\":7,\"expectation\":"
                                "\"never db.stop\",\"why\":\"matched by #"));
    assert_non_null(strstr(buf, "{\"line\":8,\"expectation\":\"final alive\","
                                "\"why\":\"container svc is dead at the end\"}]"));
    free(buf);
}

static void test_hung_reports_failed_expectations(void **s)
{
    (void)s;
    /* stop never returns: the verdict stays HUNG, and the expectations that
     * failed because of it are shown too. */
    const char *text = "event go\n"
                       "service svc\n"
                       "  dependency db\n"
                       "    stop: wait go\n"
                       "actor a: start; stop\n"
                       "expect\n"
                       "  stop returns\n"
                       "  call db.stop\n"
                       "  final dead\n";
    char *buf = NULL;
    assert_int_equal(report_text(text, 0, &buf), SCN_HUNG);
    assert_true(strncmp(buf, "HUNG  x.scn: ", 13) == 0);
    assert_non_null(strstr(buf, "\n      failed: x.scn:7: stop returns \xe2\x80\x94 no "
                                "actor's `stop` completed (expected it to "
                                "return)\n"));
    assert_null(strstr(buf, "x.scn:8:"));
    assert_non_null(strstr(buf, "\n      failed: x.scn:9: final dead \xe2\x80\x94 "
                                "container svc is alive (its _died was never "
                                "sent) at the end\n0 passed, 1 failed\n"));
    free(buf);
    buf = NULL;
    assert_int_equal(report_text(text, 1, &buf), SCN_HUNG);
    assert_non_null(strstr(buf, "\"verdict\":\"HUNG\""));
    assert_non_null(strstr(buf, "\"failures\":[{\"line\":7,\"expectation\":"
                                "\"stop returns\","));
    free(buf);
    /* A hang with every expectation met prints no "failed:" lines. */
    buf = NULL;
    assert_int_equal(report_text("event go\nservice svc\nactor a: wait go\n"
                                 "expect\n  final alive\n",
                                 0, &buf),
                     SCN_HUNG);
    assert_null(strstr(buf, "failed:"));
    free(buf);
}

/* ---------------------------------------------------------------- variants */

/* Run `text` under `variant` (NULL: the file's); report it as x.scn into
 * *out (malloc'ed) when out is given. */
static scn_verdict_kind_t run_variant(const char *text, const char *variant,
                                      int json, char **out)
{
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    if (scn_parse("x.scn", text, strlen(text), &m, &d) != 0)
        fail_msg("parse: %d:%d: %s", d.line, d.col, d.message);
    scn_run_opts_t opts = {.strategy = SIM_STRATEGY_FIFO, .variant = variant};
    scn_result_t *r = NULL;
    assert_int_equal(scn_run(m, &opts, &r), 0);
    assert_string_equal(r->variant, variant ? variant : m->variant);
    scn_verdict_t v;
    assert_int_equal(scn_check(m, r, &v), 0);
    if (out) {
        size_t len = 0;
        FILE *f = open_memstream(out, &len);
        assert_non_null(f);
        scn_reporter_t rp = {.out = f, .err = f, .json = json};
        scn_report_result(&rp, "x.scn", m, r, &v);
        fclose(f);
    } else if (v.kind != SCN_PASS) {
        fail_msg("%s: %s", variant ? variant : m->variant, v.why);
    }
    scn_verdict_kind_t k = v.kind;
    scn_verdict_free(&v);
    scn_result_free(r);
    scn_model_free(m);
    return k;
}

/* $error in worker_result / handle_result: under result_form=exception
 * (before v1.8) Python's repr of the instance, else "Type: message". */
static void test_error_forms_follow_result_form(void **s)
{
    (void)s;
    static const char text[] =
        "variant v1.7.2\n"
        "service svc\n"
        "  dependency db\n"
        "    worker_result: mark wr \"$error\"\n"
        "  entrypoint rpc\n"
        "    handle_result: mark hr \"$error\"\n"
        "  entrypoint e2 method=empty\n"
        "  entrypoint e3 method=quote\n"
        "  method rpc: raise Boom(\"oops\")\n"
        "  method empty: raise Boom\n"
        "  method quote: raise Boom(\"it's\")\n"
        "actor a: start; fire rpc; fire e2; fire e3\n"
        "expect\n"
        "  mark hr \"Boom('oops')\"\n"
        "  mark wr \"Boom('oops')\"\n"
        "  mark wr \"Boom()\"\n"
        "  mark wr \"Boom(\\\"it's\\\")\"\n";
    assert_int_equal(run_variant(text, NULL, 0, NULL), SCN_PASS);
    /* the same file with exc_info tuples (v1.8+) */
    char *buf = NULL;
    assert_int_equal(run_variant(text, "current", 0, &buf), SCN_FAIL);
    assert_non_null(strstr(buf, "seen: #"));
    assert_non_null(strstr(buf, " mark hr Boom: oops\n"));
    assert_non_null(strstr(buf, " mark wr Boom: it's\n"));
    free(buf);
}

/* kill hooks see kill(exc) under ext_kill_arg=exc (v1.0-v1.4); `spawn
 * ... protected` threads are killed after the extensions (v1.2.2-v2.3). */
static void test_kill_arg_and_protected_threads(void **s)
{
    (void)s;
    static const char text[] =
        "variant v1.2.2\n"
        "event never\n"
        "service svc\n"
        "  dependency db\n"
        "    kill: mark k \"$error\"\n"
        "actor a:\n"
        "  start\n"
        "  spawn p protected: wait never\n"
        "  spawn q: wait never\n"
        "  kill Stop(\"dying\")\n"
        "expect\n"
        "  mark k \"Stop: dying\"\n"
        "  managed q killed then db.kill then log warning \"killing 1 protected "
        "thread(s)\" then managed p killed\n";
    assert_int_equal(run_variant(text, NULL, 0, NULL), SCN_PASS);
    char *buf = NULL;
    assert_int_equal(run_variant(text, "v1.5.0", 0, &buf), SCN_FAIL);
    assert_non_null(strstr(buf, " mark k None\n"));
    free(buf);
}

/* Entrypoints' worker_setup / worker_teardown run under
 * lifecycle=parallel_all only. */
static void test_entrypoint_worker_hooks(void **s)
{
    (void)s;
    static const char text[] =
        "variant v1.7.2\n"
        "service svc\n"
        "  dependency db\n"
        "  entrypoint rpc\n"
        "    worker_setup: mark ews \"$call\"\n"
        "    worker_teardown: mark ewt \"$call\"\n"
        "  method rpc: return \"ok\"\n"
        "actor a: start; fire rpc; sleep 1ms; stop\n"
        "expect\n"
        "  call rpc.worker_setup svc.rpc.1 then mark ews svc.rpc.1 then mark "
        "ewt svc.rpc.1\n";
    assert_int_equal(run_variant(text, NULL, 0, NULL), SCN_PASS);
    char *buf = NULL;
    assert_int_equal(run_variant(text, "v2.0.0", 0, &buf), SCN_FAIL);
    free(buf);
}

/* Verdict lines name a variant other than plain current after the path;
 * JSON results always carry it. */
static void test_reports_name_the_variant(void **s)
{
    (void)s;
    static const char pass[] =
        "service svc\nactor a: start\nexpect\n  final alive\n";
    static const char fail[] =
        "variant current send_guard=off\n"
        "service svc\nactor a: start\nexpect\n  final dead\n";
    char *buf = NULL;
    run_variant(pass, NULL, 0, &buf);
    assert_true(strncmp(buf, "PASS  x.scn  (", 14) == 0);
    free(buf);
    run_variant(pass, "v1.5.0", 0, &buf);
    assert_true(strncmp(buf, "PASS  x.scn [v1.5.0]  (", 23) == 0);
    free(buf);
    run_variant(fail, NULL, 0, &buf);
    assert_true(strncmp(buf, "FAIL  x.scn:5 [current send_guard=off]: final "
                             "dead \xe2\x80\x94 ",
                        45) == 0);
    free(buf);
    run_variant(pass, NULL, 1, &buf);
    assert_true(strncmp(buf, "{\"type\":\"result\",\"path\":\"x.scn\","
                             "\"variant\":\"current\",\"verdict\":\"PASS\"",
                        62) == 0);
    free(buf);
    run_variant(fail, "hardened", 1, &buf);
    assert_non_null(strstr(buf, "\"variant\":\"hardened\",\"verdict\":\"FAIL\""));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass),
        cmocka_unit_test(test_failing_expectation_says_why),
        cmocka_unit_test(test_wrong_error_type_fails),
        cmocka_unit_test(test_never_after_fails_with_events),
        cmocka_unit_test(test_expected_hang_passes),
        cmocka_unit_test(test_unexpected_hang_is_hung),
        cmocka_unit_test(test_expected_hang_that_finishes_fails),
        cmocka_unit_test(test_livelock_hits_limit),
        cmocka_unit_test(test_managed_thread_error_kills_container),
        cmocka_unit_test(test_expected_error_logged_as_warning),
        cmocka_unit_test(test_collector_stop_waits_for_providers),
        cmocka_unit_test(test_catch_swallows),
        cmocka_unit_test(test_every_until_ends_at_once),
        cmocka_unit_test(test_every_until_ticks_on_timeout),
        cmocka_unit_test(test_wait_timeout_continues),
        cmocka_unit_test(test_named_error_is_one_object),
        cmocka_unit_test(test_never_before),
        cmocka_unit_test(test_repeated_shared_extension_binds_once),
        cmocka_unit_test(test_hook_detail_tells_services_apart),
        cmocka_unit_test(test_same_inputs_same_trace),
        cmocka_unit_test(test_json_escapes_strings),
        cmocka_unit_test(test_text_report_lines),
        cmocka_unit_test(test_every_failure_is_reported),
        cmocka_unit_test(test_hung_reports_failed_expectations),
        cmocka_unit_test(test_error_forms_follow_result_form),
        cmocka_unit_test(test_kill_arg_and_protected_threads),
        cmocka_unit_test(test_entrypoint_worker_hooks),
        cmocka_unit_test(test_reports_name_the_variant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
