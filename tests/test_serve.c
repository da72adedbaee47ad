/*
 * test_serve.c - the entrypoint kinds csim serve hosts, on the virtual
 * clock and on a libuv world: `timer=D` (nameko's Timer), `tcp` with the
 * `request` step (the reply of each outcome), their parse and validation
 * errors, files without a script (SCN_PARSE_HOST), and a real-time run
 * recording the virtual run's trace.
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

static scn_model_t *parse_ok(const char *text, unsigned flags)
{
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    if (scn_parse_ex("inline.scn", text, strlen(text), flags, &m, &d) != 0)
        fail_msg("parse: %d:%d: %s", d.line, d.col, d.message);
    return m;
}

/* The file's error message, or "" when it parses. */
static void parse_error(const char *text, char *msg, size_t n)
{
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    msg[0] = '\0';
    if (scn_parse("inline.scn", text, strlen(text), &m, &d) != 0)
        snprintf(msg, n, "%d:%d: %s", d.line, d.col, d.message);
    scn_model_free(m);
}

/* Run under fifo (or real time) and assert the verdict is PASS. */
static void assert_passes(const char *text, int realtime)
{
    scn_model_t *m = parse_ok(text, 0);
    scn_run_opts_t opts = {.strategy = SIM_STRATEGY_FIFO, .realtime = realtime};
    scn_result_t *r = NULL;
    assert_int_equal(scn_run(m, &opts, &r), 0);
    scn_verdict_t v;
    assert_int_equal(scn_check(m, r, &v), 0);
    if (v.kind != SCN_PASS) {
        char *t = scn_trace_text(r);
        fprintf(stderr, "%s\n", t ? t : "");
        free(t);
        fail_msg("%s: %s", v.failed ? v.failed->text : "run",
                 v.why ? v.why : "");
    }
    scn_verdict_free(&v);
    scn_result_free(r);
    scn_model_free(m);
}

static void test_timer_ticks_until_stopped(void **s)
{
    (void)s;
    assert_passes("service svc\n"
                  "  entrypoint tick timer=10ms\n"
                  "  method tick: mark tick \"$call\"\n"
                  "actor main: start\n"
                  "actor stopper at 35ms: stop\n"
                  "expect\n"
                  "  exactly 3 mark tick\n"
                  "  mark tick svc.tick.3 then send tick.should_stop then "
                  "managed tick.timer result then state svc dead\n"
                  "  never worker * start after send tick.should_stop\n"
                  "  step stopper.stop returns\n"
                  "  final dead\n"
                  "  no leftover threads\n",
                  0);
}

static void test_timer_stop_mid_interval_returns_at_once(void **s)
{
    (void)s;
    assert_passes("service svc\n"
                  "  entrypoint tick timer=5s\n"
                  "  method tick: mark tick\n"
                  "actor main: start; stop; mark stopped\n"
                  "actor clock at 1s: mark one_second\n"
                  "expect\n"
                  "  mark stopped then mark one_second\n"
                  "  never mark tick\n"
                  "  no leftover threads\n",
                  0);
}

static void test_timer_killed_with_the_container(void **s)
{
    (void)s;
    assert_passes("service svc\n"
                  "  entrypoint tick timer=10ms\n"
                  "  method tick: mark tick\n"
                  "actor main: start\n"
                  "actor killer at 15ms: kill\n"
                  "actor clock at 115ms: mark later\n"
                  "expect\n"
                  "  exactly 1 mark tick\n"
                  "  call tick.kill then kill tick.timer then managed "
                  "tick.timer killed\n"
                  "  never send tick.should_stop\n"
                  "  final dead\n"
                  "  no leftover threads\n",
                  0);
}

static void test_timer_runs_the_written_hooks_too(void **s)
{
    (void)s;
    assert_passes("service svc\n"
                  "  entrypoint tick timer=10ms\n"
                  "    start: mark started\n"
                  "    stop: mark stopped\n"
                  "  method tick: mark tick\n"
                  "actor main: start; sleep 15ms; stop\n"
                  "expect\n"
                  "  managed tick.timer spawn then mark started then mark tick "
                  "then send tick.should_stop then mark stopped\n"
                  "  no leftover threads\n",
                  0);
}

static const char request_outcomes[] =
    "service svc\n"
    "  dependency db\n"
    "    kill: sleep 5ms\n"
    "  entrypoint api method=call tcp\n"
    "  entrypoint bad method=fails tcp\n"
    "  entrypoint slow tcp\n"
    "  method call: return \"got $args\"\n"
    "  method fails: raise Boom(\"no $args\")\n"
    "  method slow: sleep 10ms; return \"late\"\n"
    "actor early: request api \"too soon\"\n"
    "actor main at 1ms: start\n"
    "actor client at 2ms:\n"
    "  request api \"x\"\n"
    "  request bad \"y\"\n"
    "  request svc.api \"two\\nlines\"\n"
    "  request slow\n"
    "actor killer at 5ms: kill\n"
    "actor racer at 5ms: request api \"during the kill\"\n"
    "actor after at 30ms: request api \"z\"\n"
    "expect\n"
    "  reply api \"error: Unavailable: svc.api is not running\" then reply api "
    "\"got x\"\n"
    "  reply bad \"error: Boom: no y\"\n"
    "  reply api \"got two\\\\nlines\"\n"
    "  reply api \"error: ContainerBeingKilled\"\n"
    "  reply slow \"error: GreenletExit\"\n"
    "  exactly 2 reply api \"error: Unavailable: svc.api is not running\"\n"
    "  actor client returns\n"
    "  final dead\n";

static void test_request_replies(void **s)
{
    (void)s;
    assert_passes(request_outcomes, 0);
}

static void test_request_replies_in_real_time(void **s)
{
    (void)s;
    assert_passes(request_outcomes, 1);
}

/* A libuv world records the virtual run's events: all but the time. */
static void test_realtime_trace_equals_fifo(void **s)
{
    (void)s;
    scn_model_t *m = parse_ok(request_outcomes, 0);
    scn_run_opts_t virt = {.strategy = SIM_STRATEGY_FIFO};
    scn_run_opts_t real = {.strategy = SIM_STRATEGY_FIFO, .realtime = 1};
    scn_result_t *a = NULL, *b = NULL;
    assert_int_equal(scn_run(m, &virt, &a), 0);
    assert_int_equal(scn_run(m, &real, &b), 0);
    assert_int_equal(a->n_events, b->n_events);
    for (size_t i = 0; i < a->n_events; i++) {
        const scn_event_t *x = &a->events[i], *y = &b->events[i];
        assert_int_equal(x->seq, y->seq);
        assert_int_equal(x->step, y->step);
        assert_int_equal(x->thread, y->thread);
        assert_string_equal(x->kind, y->kind);
        assert_string_equal(x->subject, y->subject);
        assert_string_equal(x->detail, y->detail);
        assert_true(y->time >= x->time); /* real time never runs behind */
    }
    assert_int_equal(a->end_time, b->end_time); /* the timeline */
    assert_int_equal(a->end_steps, b->end_steps);
    scn_result_free(a);
    scn_result_free(b);
    scn_model_free(m);
}

static void test_realtime_refuses_other_strategies(void **s)
{
    (void)s;
    scn_model_t *m = parse_ok(request_outcomes, 0);
    scn_run_opts_t opts = {.strategy = SIM_STRATEGY_RANDOM, .realtime = 1};
    scn_result_t *r = NULL;
    assert_int_equal(scn_run(m, &opts, &r), SCN_ERUN);
    assert_null(r);
    scn_model_free(m);
}

static void test_host_files_need_no_script(void **s)
{
    (void)s;
    const char *text = "service svc\n"
                       "  entrypoint api tcp\n"
                       "  method api: return \"$args\"\n";
    char msg[600];
    parse_error(text, msg, sizeof(msg));
    assert_string_equal(msg, "1:1: no actor defined (nothing would run)");
    scn_model_t *m = parse_ok(text, SCN_PARSE_HOST);
    assert_int_equal(m->n_actors, 0);
    assert_int_equal(m->services->eps->tcp, 1);
    scn_model_free(m);
}

static void test_entrypoint_option_errors(void **s)
{
    (void)s;
    static const struct {
        const char *line, *want;
    } cases[] = {
        {"  entrypoint e timer=0", "2:22: duration must be positive: '0'"},
        {"  entrypoint e timer=5", "2:22: bad duration '5' (missing unit"},
        {"  entrypoint e timer 1s", "2:22: expected '=' after 'timer'"},
        {"  entrypoint e timer=1s tcp", "2:14: entrypoint 'e' is both 'timer=' "
                                        "and 'tcp' (one kind per entrypoint)"},
        {"  entrypoint e tcp shared", "2:14: a tcp entrypoint cannot be shared "
                                      "or a collector ('e')"},
        {"  entrypoint e timer=1s collector", "2:14: a timer entrypoint cannot "
                                              "be shared or a collector ('e')"},
        {"  dependency e tcp", "2:16: unknown option 'tcp' for dependency 'e'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[400], msg[600];
        snprintf(text, sizeof(text),
                 "service s\n%s\n  method e: yield\nactor a: start\n"
                 "expect\n  final alive\n",
                 cases[i].line);
        parse_error(text, msg, sizeof(msg));
        if (strncmp(msg, cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("'%s': got '%s', want '%s...'", cases[i].line, msg,
                     cases[i].want);
    }
}

static void test_request_errors(void **s)
{
    (void)s;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"service s\n  entrypoint e\n  method e: yield\nactor a: request e\n"
         "expect\n  final alive\n",
         "4:18: entrypoint 'e' takes no requests (add 'tcp' to its line)"},
        {"service s\n  entrypoint e tcp\n  method e: yield\n"
         "actor a: request f\n"
         "expect\n  final alive\n",
         "4:18: undefined entrypoint 'f' in service 's'"},
        {"service s\n  entrypoint e tcp\n  method e: request e\n"
         "actor a: start\n"
         "expect\n  final alive\n",
         "3:13: 'request' is a client's step: only allowed in actors"},
        {"service s\n  entrypoint e tcp\n  method e: yield\nactor a: start\n"
         "expect\n  reply e then rely e\n",
         "6:16: unknown event kind 'rely'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char msg[600];
        parse_error(cases[i].text, msg, sizeof(msg));
        if (strncmp(msg, cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("case %zu: got '%s', want '%s...'", i, msg, cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_ticks_until_stopped),
        cmocka_unit_test(test_timer_stop_mid_interval_returns_at_once),
        cmocka_unit_test(test_timer_killed_with_the_container),
        cmocka_unit_test(test_timer_runs_the_written_hooks_too),
        cmocka_unit_test(test_request_replies),
        cmocka_unit_test(test_request_replies_in_real_time),
        cmocka_unit_test(test_realtime_trace_equals_fifo),
        cmocka_unit_test(test_realtime_refuses_other_strategies),
        cmocka_unit_test(test_host_files_need_no_script),
        cmocka_unit_test(test_entrypoint_option_errors),
        cmocka_unit_test(test_request_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
