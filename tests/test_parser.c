/*
 * test_parser.c - the scenario parser: one test per error class, each
 * asserting the exact `file:line:col: error: message`, and the good paths.
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

/* Parse `text`; return the formatted first diagnostic line ("" if ok). */
static const char *diag_of(const char *text, char *buf, size_t n)
{
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    int rc = scn_parse("t.scn", text, strlen(text), &m, &d);
    if (rc == 0) {
        scn_model_free(m);
        snprintf(buf, n, "%s", "");
        return buf;
    }
    assert_null(m);
    assert_int_equal(rc, SCN_ESYNTAX);
    snprintf(buf, n, "%s:%d:%d: error: %s", d.path, d.line, d.col, d.message);
    return buf;
}

#define ERR(text, want)                                                        \
    do {                                                                       \
        char b_[2048];                                                         \
        assert_string_equal(diag_of(text, b_, sizeof(b_)), want);              \
    } while (0)

#define SVC "service svc\n  entrypoint rpc\n  method rpc: mark m\n"
#define ACT "actor a: start\n"
#define EXP "expect\n  final alive\n"

static void test_empty_file(void **s)
{
    (void)s;
    ERR("", "t.scn:1:1: error: empty scenario file");
    ERR("# only a comment\n\n   \n", "t.scn:1:1: error: empty scenario file");
}

static void test_unknown_keyword(void **s)
{
    (void)s;
    ERR(SVC ACT "servise x\n",
        "t.scn:5:1: error: unknown keyword 'servise'; did you mean 'service'?");
}

#define PRESETS                                                                \
    "V1, v1.0.0, v1.2.2, v1.2.3, v1.5.0, v1.7.0, v1.7.2, v1.10.0, v1.11.3, "    \
    "v1.13.0, v2.0.0, v2.4.0, v2.5.1, current, hardened"
#define SWITCHES                                                               \
    "kill_reentry, stop_during_kill, send_guard, spawn_guard, kill_arg, "       \
    "ext_kill_arg, kill_timeout, kill_order, safe_ext_kill, stop_tail, "        \
    "hr_pos, hr_returns, result_form, lifecycle, registry, killed_log, "        \
    "error_log, runner_wait, kill_thread, stop_guard"

static void test_unknown_variant(void **s)
{
    (void)s;
    ERR("variant ancient\n" SVC ACT,
        "t.scn:1:9: error: unknown variant 'ancient' (known: " PRESETS ")");
    ERR("variant v1.5\n" SVC ACT,
        "t.scn:1:9: error: unknown variant 'v1.5' (known: " PRESETS
        "); did you mean 'v1.5.0'?");
    ERR("variant\n" SVC ACT,
        "t.scn:1:8: error: expected a variant name, found end of line");
    ERR("variant current\nvariant v1.5.0\n" SVC ACT,
        "t.scn:2:1: error: duplicate 'variant' line");
    ERR("variant HARDENED\n" SVC ACT,
        "t.scn:1:9: error: unknown variant 'HARDENED' (known: " PRESETS
        "); did you mean 'hardened'?");
    ERR("variant stop_during_kill=wait\n" SVC ACT,
        "t.scn:1:9: error: 'stop_during_kill' is a switch: name a preset "
        "first (`variant current stop_during_kill=...`; presets: " PRESETS
        ")");
}

static void test_variant_switches(void **s)
{
    (void)s;
    ERR("variant v1.5.0 send_gaurd=on\n" SVC ACT,
        "t.scn:1:16: error: unknown switch 'send_gaurd' (known: " SWITCHES
        "); did you mean 'send_guard'?");
    ERR("variant v1.5.0 bogus=on\n" SVC ACT,
        "t.scn:1:16: error: unknown switch 'bogus' (known: " SWITCHES ")");
    ERR("variant v1.5.0 send_guard=of\n" SVC ACT,
        "t.scn:1:27: error: bad value 'of' for switch 'send_guard' (known: "
        "off, on); did you mean 'off'?");
    ERR("variant v1.5.0 kill_order=D\n" SVC ACT,
        "t.scn:1:27: error: bad value 'D' for switch 'kill_order' (known: A, "
        "B, C)");
    ERR("variant v1.5.0 send_guard on\n" SVC ACT,
        "t.scn:1:27: error: expected '=' after switch 'send_guard' "
        "(switch=value), found 'on'");
    ERR("variant v1.5.0 send_guard=\n" SVC ACT,
        "t.scn:1:27: error: expected a value for switch 'send_guard' (known: "
        "off, on), found end of line");
    ERR("variant v1.5.0 send_guard=on send_guard=off\n" SVC ACT,
        "t.scn:1:30: error: duplicate switch 'send_guard'");
    ERR("variant v1.5.0 \"x\"\n" SVC ACT,
        "t.scn:1:16: error: expected a switch (switch=value), found string "
        "\"x\"");
}

/* The model keeps the preset and the overrides; the run's variant is the
 * preset (or --variant in its place) with the overrides on top. */
static void test_variant_model(void **s)
{
    (void)s;
    const char *text = "variant v1.5.0 send_guard=on kill_order=C\n" SVC ACT EXP;
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(scn_parse("t.scn", text, strlen(text), &m, &d), 0);
    assert_string_equal(m->variant, "v1.5.0");
    assert_int_equal(m->n_switches, 2);
    assert_string_equal(m->switches[0].name, "send_guard");
    assert_string_equal(m->switches[0].value, "on");
    assert_int_equal(m->switches[1].pos.line, 1);
    assert_int_equal(m->switches[1].pos.col, 30);
    ctr_variant_t v, want;
    assert_int_equal(scn_model_variant(m, NULL, &v), 0);
    assert_int_equal(ctr_variant_preset("v1.5.0", &want), 0);
    want.send_guard = CTR_SEND_GUARD_ON;
    want.kill_order = CTR_KILL_ORDER_C;
    assert_memory_equal(&v, &want, sizeof(v));
    /* --variant V1: V1 with the same two overrides */
    assert_int_equal(scn_model_variant(m, "V1", &v), 0);
    assert_int_equal(ctr_variant_preset("V1", &want), 0);
    want.send_guard = CTR_SEND_GUARD_ON;
    want.kill_order = CTR_KILL_ORDER_C;
    assert_memory_equal(&v, &want, sizeof(v));
    assert_int_equal(scn_model_variant(m, "v9", &v), SCN_ESYNTAX);
    char label[200];
    scn_variant_label(m, NULL, label, sizeof(label));
    assert_string_equal(label, "v1.5.0 send_guard=on kill_order=C");
    scn_variant_label(m, "current", label, sizeof(label));
    assert_string_equal(label, "current send_guard=on kill_order=C");
    scn_model_free(m);
    /* no variant line: plain current, which verdicts do not name */
    text = SVC ACT EXP;
    assert_int_equal(scn_parse("t.scn", text, strlen(text), &m, &d), 0);
    assert_string_equal(m->variant, "current");
    assert_int_equal(m->n_switches, 0);
    scn_variant_label(m, NULL, label, sizeof(label));
    assert_string_equal(label, "");
    scn_variant_label(m, "hardened", label, sizeof(label));
    assert_string_equal(label, "hardened");
    scn_model_free(m);
    char list[300];
    scn_preset_list(list, sizeof(list));
    assert_string_equal(list, PRESETS);
    assert_true(scn_preset_known("v1.10.0"));
    assert_false(scn_preset_known("v1_10_0"));
}

static void test_spawn_protected(void **s)
{
    (void)s;
    const char *text = SVC "actor a: spawn p protected: yield; spawn q: yield\n" EXP;
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(scn_parse("t.scn", text, strlen(text), &m, &d), 0);
    const scn_step_t *sp = m->actors->body;
    assert_int_equal(sp->kind, SCN_S_SPAWN);
    assert_string_equal(sp->name, "p");
    assert_int_equal(sp->count, 1);
    assert_int_equal(sp->body->next->kind, SCN_S_SPAWN);
    assert_int_equal(sp->body->next->count, 0);
    scn_model_free(m);
    ERR(SVC "actor a: spawn p protect: yield\n" EXP,
        "t.scn:4:18: error: expected ':' after the thread identifier, found "
        "'protect'");
}

static void test_duplicate_names(void **s)
{
    (void)s;
    ERR(SVC SVC ACT, "t.scn:4:9: error: duplicate service 'svc'");
    ERR(SVC ACT ACT, "t.scn:5:7: error: duplicate actor 'a'");
    ERR("event go go\n" SVC ACT, "t.scn:1:10: error: duplicate event 'go'");
    ERR("service svc\n  dependency db\n  dependency db\n" ACT,
        "t.scn:3:14: error: duplicate extension 'db' in service 'svc'");
    ERR("service svc\n  method m\n  method m\n" ACT,
        "t.scn:3:10: error: duplicate method 'm' in service 'svc'");
}

static void test_undefined_event(void **s)
{
    (void)s;
    ERR(SVC "actor a: wait og\n",
        "t.scn:4:15: error: undefined event 'og' (never sent; declare it with "
        "'event og' to wait forever)");
    ERR(SVC "actor a: reset og\n", "t.scn:4:16: error: undefined event 'og'");
}

static void test_undefined_method(void **s)
{
    (void)s;
    ERR("service svc\n  entrypoint rpc method=slow\n" ACT,
        "t.scn:2:25: error: undefined method 'slow' in service 'svc'");
}

static void test_undefined_entrypoint(void **s)
{
    (void)s;
    ERR(SVC "actor a: fire rcp\n",
        "t.scn:4:15: error: undefined entrypoint 'rcp' in service 'svc'");
}

static void test_undefined_actor(void **s)
{
    (void)s;
    ERR(SVC ACT "expect\n  actor b returns\n",
        "t.scn:6:9: error: undefined actor 'b'");
}

static void test_undefined_error_type(void **s)
{
    (void)s;
    ERR(SVC ACT "expect\n  wait raises Boom\n",
        "t.scn:6:15: error: undefined error type 'Boom' (never raised in this "
        "file and not built in)");
    ERR("service svc\n  entrypoint rpc expected=Late\n  method rpc\n" ACT,
        "t.scn:2:27: error: undefined error type 'Late' (never raised in this "
        "file and not built in)");
}

static void test_undefined_extension(void **s)
{
    (void)s;
    ERR(SVC ACT "expect\n  never db.stop\n",
        "t.scn:6:9: error: undefined extension 'db' in 'db.stop'");
    ERR(SVC ACT "expect\n  rpc.stpo\n",
        "t.scn:6:7: error: unknown hook 'stpo' in 'rpc.stpo'; did you mean "
        "'stop'?");
    ERR("service svc\n  entrypoint rpc\n    start: register coll\n  method rpc\n" ACT,
        "t.scn:3:21: error: undefined extension 'coll'");
}

static void test_not_a_collector(void **s)
{
    (void)s;
    ERR("service svc\n  entrypoint rpc\n    start: register c\n"
        "    extension c shared\n  method rpc\n" ACT,
        "t.scn:3:21: error: extension 'c' is not a collector (add 'collector' "
        "to its line)");
}

static void test_undefined_thread(void **s)
{
    (void)s;
    ERR(SVC "actor a: kill thread t\n",
        "t.scn:4:22: error: undefined thread 't' (name one with 'spawn t:' or "
        "'fire EP as t')");
}

static void test_bad_durations(void **s)
{
    (void)s;
    ERR(SVC "actor a: sleep 5\n",
        "t.scn:4:16: error: bad duration '5' (missing unit: ns, us, ms or s)");
    ERR(SVC "actor a: sleep -5ms\n",
        "t.scn:4:16: error: duration must not be negative: '-5ms'");
    ERR(SVC "actor a: every 0ms: yield\n",
        "t.scn:4:16: error: duration must be positive: '0ms'");
    ERR(SVC "actor a: sleep 99999999999s\n",
        "t.scn:4:16: error: duration '99999999999s' overflows");
    ERR(SVC "actor a: sleep 5min\n",
        "t.scn:4:16: error: bad duration unit 'min' in '5min' (ns, us, ms or s)");
    ERR(SVC "actor a: sleep 99999999999999999999999ns\n",
        "t.scn:4:16: error: duration '99999999999999999999999ns' overflows");
    ERR("limit time 0\n" SVC ACT, "t.scn:1:12: error: duration must be positive: '0'");
}

static void test_unterminated_string(void **s)
{
    (void)s;
    ERR(SVC "actor a: mark x \"open\n", "t.scn:4:17: error: unterminated string");
    ERR(SVC "actor a: mark x \"bad \\q\"\n",
        "t.scn:4:22: error: unknown escape '\\q' in string");
}

/* Parse text into d; the return code. */
static int parse_diag(const char *text, size_t len, scn_diag_t *d)
{
    scn_model_t *m = NULL;
    memset(d, 0, sizeof(*d));
    int rc = scn_parse("t.scn", text, len, &m, d);
    scn_model_free(m);
    return rc;
}

static void test_nul_byte_at_its_column(void **s)
{
    (void)s;
    static const char text[] = "scenario \"ab\0cd\"\n";
    scn_diag_t d;
    assert_int_equal(parse_diag(text, sizeof(text) - 1, &d), SCN_ESYNTAX);
    assert_int_equal(d.line, 1);
    assert_int_equal(d.col, 13);
    assert_string_equal(d.message, "NUL byte in scenario file");
    /* all of the line, the NUL escaped, the caret under the escape */
    assert_string_equal(d.line_text, "scenario \"ab\\0cd\"");
    assert_int_equal(d.caret, 12);
}

/* The echoed line of a bad-byte error keeps every byte visible: invalid
 * bytes as \xHH wherever they are (column 1, after a valid character, at
 * the end of the file), the caret on the first one's escape. */
static void test_bad_bytes_echoed_escaped(void **s)
{
    (void)s;
    scn_diag_t d;
    static const char lead[] = "\xffservice svc\n";
    assert_int_equal(parse_diag(lead, sizeof(lead) - 1, &d), SCN_ESYNTAX);
    assert_int_equal(d.col, 1);
    assert_string_equal(d.line_text, "\\xffservice svc");
    assert_int_equal(d.caret, 0);
    static const char nul0[] = "\0service svc\n";
    assert_int_equal(parse_diag(nul0, sizeof(nul0) - 1, &d), SCN_ESYNTAX);
    assert_string_equal(d.line_text, "\\0service svc");
    assert_int_equal(d.caret, 0);
    static const char tail[] = "service svc\n  method m: return \"\xc3";
    assert_int_equal(parse_diag(tail, sizeof(tail) - 1, &d), SCN_ESYNTAX);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, 21);
    assert_string_equal(d.line_text, "  method m: return \"\\xc3");
    assert_int_equal(d.caret, 20);
    static const char mixed[] = "scenario \"h\xc3\xa9\xff\xfe x\"\n";
    assert_int_equal(parse_diag(mixed, sizeof(mixed) - 1, &d), SCN_ESYNTAX);
    assert_int_equal(d.col, 14); /* bytes */
    assert_string_equal(d.line_text, "scenario \"h\xc3\xa9\\xff\\xfe x\"");
    assert_int_equal(d.caret, 13);
}

static void test_invalid_utf8(void **s)
{
    (void)s;
#define BAD(bytes, col, byte)                                                  \
    ERR("scenario \"x" bytes "\"\n" SVC ACT EXP,                              \
        "t.scn:1:" #col ": error: invalid UTF-8 (byte 0x" byte                 \
        "); scenario files are UTF-8 text")
    BAD("\xff", 12, "ff");
    BAD("\x80", 12, "80");             /* a lone continuation byte */
    BAD("\xc0\xaf", 12, "c0");         /* overlong '/' */
    BAD("\xc1\xbf", 12, "c1");
    BAD("\xe0\x80\xaf", 12, "e0");     /* overlong, 3 bytes */
    BAD("\xf0\x80\x80\xaf", 12, "f0"); /* overlong, 4 bytes */
    BAD("\xed\xa0\x80", 12, "ed");     /* U+D800, a surrogate */
    BAD("\xed\xbf\xbf", 12, "ed");     /* U+DFFF */
    BAD("\xf4\x90\x80\x80", 12, "f4"); /* above U+10FFFF */
    BAD("\xf5\x80\x80\x80", 12, "f5");
    BAD("ok\xe2\x82", 14, "e2");       /* truncated by the quote */
    BAD("\xc3", 12, "c3");
#undef BAD
    /* truncated by the end of the file, and in a comment */
    ERR(SVC ACT EXP "# \xe2\x82", "t.scn:7:3: error: invalid UTF-8 (byte "
                                  "0xe2); scenario files are UTF-8 text");
    /* a byte order mark is skipped; columns count from after it */
    ERR("\xef\xbb\xbf" SVC "actor a: strat\n" EXP,
        "t.scn:4:10: error: unknown step 'strat'; did you mean 'start'?");
    /* well-formed: 2, 3 and 4 bytes, U+D7FF, U+E000, U+10FFFF */
    ERR("scenario \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e \xed\x9f\xbf "
        "\xee\x80\x80 \xf4\x8f\xbf\xbf\"\n" SVC ACT EXP,
        "");
}

static void test_long_line_window(void **s)
{
    (void)s;
    size_t n = 100000;
    char *text = malloc(n + 200);
    assert_non_null(text);
    int k = snprintf(text, 200, "scenario \"");
    memset(text + k, 'a', n);
    snprintf(text + k + n, 200, "\" junk\n" SVC ACT EXP);
    scn_diag_t d;
    assert_int_equal(parse_diag(text, strlen(text), &d), SCN_ESYNTAX);
    free(text);
    assert_int_equal(d.line, 1);
    assert_int_equal(d.col, k + (int)n + 3);
    assert_string_equal(d.message, "unexpected 'junk' at end of line");
    /* "..." then 60 bytes before the column, the rest of the line */
    assert_memory_equal(d.line_text, "...aaa", 6);
    assert_true(strlen(d.line_text) < 140);
    assert_string_equal(d.line_text + d.caret, "junk");
    assert_string_equal(d.line_text + strlen(d.line_text) - 6, "\" junk");
}

static void test_nesting_limits(void **s)
{
    (void)s;
    char text[8192], blocks[1024];
    size_t o = 0;
    for (int i = 0; i < 33; i++)
        o += (size_t)snprintf(blocks + o, sizeof(blocks) - o, "repeat 1: ");
    snprintf(text, sizeof(text), SVC "actor a: %smark x\n" EXP, blocks);
    ERR(text, "t.scn:4:330: error: blocks nested too deep (more than 32 "
              "nested spawn, every and repeat steps)");
    blocks[o - 10] = '\0'; /* 32 blocks: fine */
    snprintf(text, sizeof(text), SVC "actor a: %smark x\n" EXP, blocks);
    ERR(text, "");
    /* blocks opened on one line close with its indented lines */
    snprintf(text, sizeof(text),
             SVC "actor a:\n  %smark x\n  %smark y\n" EXP, blocks, blocks);
    ERR(text, "");
    /* indentation: 201 levels of step lines */
    char *deep = malloc(201 * 203 + 256);
    assert_non_null(deep);
    o = (size_t)sprintf(deep, SVC "actor a:\n");
    for (int i = 0; i < 201; i++)
        o += (size_t)sprintf(deep + o, "%*smark x\n", i + 2, "");
    sprintf(deep + o, EXP);
    ERR(deep, "t.scn:204:202: error: indentation nested too deep (more than "
              "200 levels)");
    /* sub-extensions: 32 inside one another bind, a 33rd is an error */
    o = (size_t)sprintf(deep, "service svc\n  dependency db\n");
    for (int i = 0; i < 33; i++)
        o += (size_t)sprintf(deep + o, "%*sextension e%d\n", i + 4, "", i);
    sprintf(deep + o, ACT EXP);
    ERR(deep, "t.scn:35:37: error: extensions nested too deep (more than 32 "
              "sub-extensions inside one another)");
    char *cut = strstr(deep, "\n                                    extension e32");
    assert_non_null(cut);
    sprintf(cut + 1, ACT EXP);
    ERR(deep, "");
    free(deep);
}

static void test_zero_counts(void **s)
{
    (void)s;
    ERR(SVC "actor a: repeat 0: mark x\n" EXP,
        "t.scn:4:17: error: repeat count must be at least 1 (a 'repeat 0' "
        "block would never run)");
    ERR(SVC ACT "expect\n  at least 0 mark m\n",
        "t.scn:6:12: error: 'at least 0' always holds (a count of 0 is only "
        "meaningful as 'exactly 0' or 'at most 0', i.e. never)");
    ERR("service svc max_workers=0\n  method m: return\n" ACT EXP,
        "t.scn:1:25: error: max_workers must be at least 1");
    ERR("limit steps 0\n" SVC ACT EXP,
        "t.scn:1:13: error: step limit must be positive");
    ERR(SVC "actor a: wait go timeout 0ms\n" EXP,
        "t.scn:4:26: error: duration must be positive: '0ms'");
    ERR("service svc\n  entrypoint t timer=0s\n  method t: return\n" ACT EXP,
        "t.scn:2:22: error: duration must be positive: '0s'");
    /* zero where it means something */
    ERR(SVC "actor a at 0: sleep 0; sleep 0s; start\n"
            "expect\n  exactly 0 mark nothing\n  at most 0 mark m\n",
        "");
}

static void test_actor_without_steps(void **s)
{
    (void)s;
    ERR(SVC "actor main:\n" EXP,
        "t.scn:4:7: error: actor 'main' has no steps (give it at least one, "
        "e.g. 'actor main: start')");
    ERR(SVC "actor main at 5ms:   # nothing\n\n" EXP,
        "t.scn:4:7: error: actor 'main' has no steps (give it at least one, "
        "e.g. 'actor main: start')");
}

/* The warnings a parse of text leaves in the model, one per line. */
static const char *warnings_of(const char *text, char *buf, size_t n)
{
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(scn_parse("t.scn", text, strlen(text), &m, &d), 0);
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < m->n_warnings && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%d:%d: %s\n",
                              m->warnings[i].line, m->warnings[i].col,
                              m->warnings[i].message);
    scn_model_free(m);
    return buf;
}

static void test_never_matching_warning(void **s)
{
    (void)s;
    char b[2048];
    assert_string_equal(
        warnings_of(SVC ACT "expect\n  exactly 1 mark nosuch\n  final alive\n",
                    b, sizeof(b)),
        "6:18: 'mark nosuch' can never match in this scenario (no step marks "
        "'nosuch')\n");
    assert_string_equal(
        warnings_of("service svc\n  entrypoint rpc\n  method rpc: return\n"
                    "actor a: start\nexpect\n  never crash\n  reply rpc\n"
                    "  never host runner\n  step b.start\n  mark\n",
                    b, sizeof(b)),
        "6:9: 'crash' can never match in this scenario (no step crashes)\n"
        "7:9: 'reply rpc' can never match in this scenario (no tcp entrypoint "
        "has that name)\n"
        "8:14: 'host runner' can never match in this scenario (no actor runs "
        "'host')\n"
        "9:8: 'step b.start' can never match in this scenario (no actor is "
        "called 'b')\n"
        "10:3: 'mark' can never match in this scenario (no step marks "
        "anything)\n");
    /* hooks the container never calls, a method no entrypoint runs */
    assert_string_equal(
        warnings_of("service svc\n  dependency db\n  entrypoint rpc method=m\n"
                    "  method m: return\n  method orphan: return\n"
                    "actor a: start\nexpect\n  call rpc.get_dependency\n"
                    "  never ret rpc.handle_result\n  call svc.orphan\n"
                    "  call db.worker_result\n  call rpc.worker_setup\n"
                    "  call svc.m\n  call db.get_dependency\n",
                    b, sizeof(b)),
        "8:8: 'call rpc.get_dependency' can never match in this scenario "
        "('rpc' is not a dependency: only dependencies get "
        "'get_dependency')\n"
        "9:13: 'ret rpc.handle_result' can never match in this scenario (no "
        "entrypoint 'rpc' has a handle_result hook)\n"
        "10:8: 'call svc.orphan' can never match in this scenario (no "
        "entrypoint of 'svc' runs method 'orphan')\n");
    /* what might match: globs, a mark from a method, '$' names, catch */
    assert_string_equal(
        warnings_of(SVC "actor a: start; mark \"m-$args\"; raise Boom catch *\n"
                        "expect\n  mark rp*\n  mark caught\n  step a.*\n"
                        "  never step *.kill\n",
                    b, sizeof(b)),
        "");
    assert_string_equal(
        warnings_of(SVC "actor a: start; yield catch *\nexpect\n  mark m\n"
                        "  mark caught\n",
                    b, sizeof(b)),
        "");
}

/* The HUNG summary of a run of text (fifo). */
static void why_of(const char *text, char *buf, size_t n)
{
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(scn_parse("t.scn", text, strlen(text), &m, &d), 0);
    scn_result_t *r = NULL;
    assert_int_equal(scn_run(m, NULL, &r), 0);
    scn_verdict_t v;
    assert_int_equal(scn_check(m, r, &v), 0);
    assert_int_equal(v.kind, SCN_HUNG);
    snprintf(buf, n, "%s", v.why);
    scn_verdict_free(&v);
    scn_result_free(r);
    scn_model_free(m);
}

static void test_livelock_names_spinning_threads(void **s)
{
    (void)s;
    char b[512];
    why_of("limit steps 1000\nevent never\n" SVC
           "actor idle: wait never\nactor a: repeat 1000000: yield\n"
           "actor b: repeat 1000000: mark b\n" EXP,
           b, sizeof(b));
    assert_string_equal(b, "livelock: step limit reached (1000 switches) at "
                           "0; spinning in the last 100 switches: thread 2 a "
                           "(50), thread 3 b (50)");
    why_of("limit time 10ms\n" SVC "actor t: every 1ms: mark t\n" EXP, b,
           sizeof(b));
    assert_string_equal(b, "livelock: time limit reached (10ms of virtual "
                           "time) at step 11; spinning in the last 11 "
                           "switches: thread 1 t (11)");
    /* a sleep past the limit, after threads that ran only at time 0:
     * nothing spun, the sleeper is named instead */
    why_of(SVC "actor a: start; sleep 9223372036854775807ns\n"
               "actor b: mark b\n" EXP,
           b, sizeof(b));
    assert_string_equal(b, "time limit reached (3600s of virtual time) at "
                           "step 14; no thread kept switching; still alive: "
                           "thread 1 a");
    why_of("event never\n" SVC "actor w: wait never\n" EXP, b, sizeof(b));
    assert_string_equal(b, "1 thread(s) blocked at 0 (step 1), nothing can "
                        "wake them");
}

static void test_indentation(void **s)
{
    (void)s;
    ERR("service svc\n\tentrypoint rpc\n" ACT,
        "t.scn:2:1: error: tab in indentation (indent with spaces)");
    ERR("service svc\n    dependency db\n  dependency dd\n" ACT,
        "t.scn:3:3: error: inconsistent indentation (expected column 5)");
    ERR("  service svc\n" ACT, "t.scn:1:3: error: unexpected indentation");
    ERR(SVC ACT "expect\n  final dead\n    final alive\n",
        "t.scn:7:5: error: unexpected indentation (an expectation takes no "
        "indented lines)");
}

static void test_hooks(void **s)
{
    (void)s;
    ERR("service svc\n  dependency db\n    stpo: yield\n" ACT,
        "t.scn:3:5: error: unknown hook 'stpo'; did you mean 'stop'?");
    /* worker_setup / worker_teardown on entrypoints (lifecycle=parallel_all);
     * the other worker hooks are the dependencies' */
    ERR(SVC "  entrypoint e2 method=rpc\n    worker_setup: yield\n"
            "    worker_teardown: yield\n" ACT EXP, "");
    ERR(SVC "  entrypoint e2 method=rpc\n    worker_result: yield\n" ACT,
        "t.scn:5:5: error: 'worker_result' is a dependency hook (not for "
        "entrypoint 'e2')");
    ERR(SVC "  entrypoint e2 method=rpc\n    get_dependency: yield\n" ACT,
        "t.scn:5:5: error: 'get_dependency' is a dependency hook (not for "
        "entrypoint 'e2')");
    ERR(SVC "  entrypoint e2 method=rpc\n    extension x\n"
            "      worker_setup: yield\n" ACT,
        "t.scn:6:7: error: 'worker_setup' is a dependency or entrypoint hook "
        "(not for extension 'x')");
    ERR("service svc\n  dependency db\n    kill: yield\n    kill: yield\n" ACT,
        "t.scn:4:5: error: duplicate hook 'kill' in dependency 'db'");
    ERR("service svc\n  extension x\n" ACT,
        "t.scn:2:3: error: a plain extension must be nested under a dependency "
        "or an entrypoint");
}

static void test_unknown_step(void **s)
{
    (void)s;
    ERR(SVC "actor a: start; sleeep 1ms\n",
        "t.scn:4:17: error: unknown step 'sleeep'; did you mean 'sleep'?");
    ERR(SVC "actor a: start stop\n",
        "t.scn:4:16: error: undefined service 'stop'");
    ERR(SVC "actor a: start; \n", "t.scn:4:16: error: expected a step after ';'");
    ERR(SVC "actor a: mark x y z\n",
        "t.scn:4:17: error: expected ';' between steps, found 'y'");
}

static void test_missing_sections(void **s)
{
    (void)s;
    ERR(ACT, "t.scn:1:1: error: no service defined");
    ERR(SVC, "t.scn:1:1: error: no actor defined (nothing would run)");
}

static void test_ambiguous_service(void **s)
{
    (void)s;
    ERR("service a\nservice b\nactor x: stop\n",
        "t.scn:3:10: error: several services: say which one 'stop' is for (e.g. "
        "'stop a')");
}

static void test_expect_errors(void **s)
{
    (void)s;
    ERR(SVC ACT "expect\n  lgo debug \"x\"\n",
        "t.scn:6:3: error: unknown event kind 'lgo' (expected spawn, run, yield, "
        "sleep, block, wake, kill, exit, link, send, hung, log, call, ret, "
        "state, worker, mark, step, or EXT.HOOK); did you mean 'log'?");
    ERR(SVC ACT "expect\n  log verbose \"x\"\n",
        "t.scn:6:7: error: unknown log level 'verbose' in 'log verbose \"x\"' "
        "(debug, info, warning, error or critical)");
    ERR(SVC ACT "expect\n  exactly -1 mark x\n",
        "t.scn:6:11: error: a count must not be negative");
    ERR(SVC ACT "expect\n  final svc sleeping\n",
        "t.scn:6:13: error: expected dead, alive or hung, found 'sleeping'");
    ERR(SVC ACT "expect\n  mark a b c d\n",
        "t.scn:6:12: error: unexpected 'c' in event pattern (at most a kind, a "
        "subject and a detail)");
}

static void test_name_clash_and_runner(void **s)
{
    (void)s;
    ERR("event svc\n" SVC ACT,
        "t.scn:2:9: error: 'svc' is both a service and an event (rename one)");
    ERR(SVC "actor a: host\n",
        "t.scn:4:10: error: no runner declared (add 'runner SERVICE...')");
    ERR(SVC "runner svc nope\n" ACT, "t.scn:4:12: error: undefined service 'nope'");
    ERR(SVC "actor a: register x\n",
        "t.scn:4:10: error: 'register' is only allowed in an extension hook");
    ERR("service svc max_workers=0\n" ACT,
        "t.scn:1:25: error: max_workers must be at least 1");
}


/* ------------------------------------------------- carets and hints */

static void test_carets_under_the_word(void **s)
{
    (void)s;
    /* The caret goes under the offending word, not the line start. */
    ERR("service svc\n  dependency db\n" ACT "expect\n  never dbb.stop\n",
        "t.scn:5:9: error: undefined extension 'dbb' in 'dbb.stop'; did you "
        "mean 'db'?");
    ERR("service svc\n  dependency db\n" ACT "expect\n  never db.stpo\n",
        "t.scn:5:12: error: unknown hook 'stpo' in 'db.stpo'; did you mean "
        "'stop'?");
    ERR(SVC ACT "expect\n  log dbug \"x\"\n",
        "t.scn:6:7: error: unknown log level 'dbug' in 'log dbug \"x\"' (debug, "
        "info, warning, error or critical); did you mean 'debug'?");
    ERR(SVC ACT "expect\n  state svx dead\n",
        "t.scn:6:9: error: undefined service 'svx' in 'state svx dead'");
    ERR(SVC ACT "expect\n  call svc.nope\n",
        "t.scn:6:12: error: undefined method 'nope' in 'call svc.nope'");
    ERR(SVC ACT "expect\n  mark a then never.stop\n",
        "t.scn:6:15: error: undefined extension 'never' in 'never.stop'");
}

static void test_op_expectation_hints(void **s)
{
    (void)s;
    ERR(SVC ACT "expect\n  wait raisse Boom\n",
        "t.scn:6:8: error: expected 'returns' or 'raises' in 'wait' expectation "
        "(OP [SVC] returns | raises TYPE), found 'raisse'; did you mean "
        "'raises'?");
    ERR(SVC ACT "expect\n  stop svc retrns\n",
        "t.scn:6:12: error: expected 'returns' or 'raises' in 'stop' "
        "expectation (OP [SVC] returns | raises TYPE), found 'retrns'; did you "
        "mean 'returns'?");
    ERR(SVC ACT "expect\n  wait\n",
        "t.scn:6:7: error: expected 'returns' or 'raises' in 'wait' expectation "
        "(OP [SVC] returns | raises TYPE), found end of line");
    /* `kill` is also an event kind: `kill raisse Boom` would be a pattern. */
    ERR(SVC ACT "expect\n  kill raisse Boom\n",
        "t.scn:6:8: error: expected 'returns' or 'raises' in 'kill' expectation "
        "(OP [SVC] returns | raises TYPE), found 'raisse'; did you mean "
        "'raises'?");
    ERR(SVC "runner svc\nactor a: runner stop\nexpect\n  runner stop retruns\n",
        "t.scn:7:15: error: expected 'returns' or 'raises' in 'runner stop' "
        "expectation (OP [SVC] returns | raises TYPE), found 'retruns'; did you "
        "mean 'returns'?");
    /* An actor's name: the `actor NAME` form. */
    ERR(SVC ACT "expect\n  a returns\n",
        "t.scn:6:3: error: 'a' is an actor: write 'actor a returns' (or raises "
        "TYPE, or blocked)");
    ERR(SVC ACT "expect\n  actor a retruns\n",
        "t.scn:6:11: error: expected returns, raises or blocked, found "
        "'retruns'; did you mean 'returns'?");
    ERR(SVC ACT "expect\n  final daed\n",
        "t.scn:6:9: error: expected dead, alive or hung, found 'daed'; did you "
        "mean 'dead'?");
}

static void test_pattern_hints(void **s)
{
    (void)s;
    /* A misspelt `then` is read as a detail; the caret goes under it. */
    ERR("service svc\n  dependency db\n" ACT "expect\n  db.stop than db.kill\n",
        "t.scn:5:11: error: did you mean 'then'? 'than' is read as part of the "
        "event pattern, which leaves 'db.kill' one word too many (at most a "
        "kind, a subject and a detail)");
    ERR(SVC ACT "expect\n  never mark a aftr mark b\n",
        "t.scn:6:16: error: did you mean 'after'? 'aftr' is read as part of the "
        "event pattern, which leaves 'mark' one word too many (at most a kind, "
        "a subject and a detail)");
    /* An unquoted detail with punctuation. */
    ERR(SVC ACT "expect\n  state svc dead:Boom: late\n",
        "t.scn:6:17: error: unexpected ':' in event pattern (to match "
        "\"dead:Boom: late\", quote it)");
    ERR(SVC ACT "expect\n  state svc dead:Boom then mark x\n",
        "t.scn:6:17: error: unexpected ':' in event pattern (to match "
        "\"dead:Boom\", quote it)");
}

static void test_structure_hints(void **s)
{
    (void)s;
    /* Expectations outside `expect`. */
    ERR(SVC ACT "final dead\n",
        "t.scn:5:1: error: unknown keyword 'final' (an expectation: it belongs "
        "on an indented line under 'expect')");
    ERR(SVC ACT "never db.stop\n",
        "t.scn:5:1: error: unknown keyword 'never' (an expectation: it belongs "
        "on an indented line under 'expect')");
    ERR(SVC ACT "stop returns\n",
        "t.scn:5:1: error: unknown keyword 'stop' (an expectation: it belongs "
        "on an indented line under 'expect')");
    ERR(SVC ACT "expcet\n  final dead\n",
        "t.scn:5:1: error: unknown keyword 'expcet'; did you mean 'expect'?");
    /* Over-indented structure reads as a continuation of a step list. */
    ERR("service svc\n  entrypoint rpc\n  method rpc: mark m\n"
        "    method m2: yield\n" ACT,
        "t.scn:4:5: error: unknown step 'method': this line is indented as a "
        "continuation of the step list of line 3; dedent it to the column of "
        "what it belongs to");
    ERR(SVC "actor a: start\n  actor b: stop\n",
        "t.scn:5:3: error: unknown step 'actor': this line is indented as a "
        "continuation of the step list of line 4; dedent it to the column of "
        "what it belongs to");
    ERR("service svc\n  dependency db\n    start: yield\n      stop: yield\n" ACT,
        "t.scn:4:7: error: hook 'stop': this line is indented as a "
        "continuation of the step list of line 3; dedent it to the column of "
        "what it belongs to");
    ERR("service svc\n  stop: yield\n" ACT,
        "t.scn:2:3: error: hook 'stop' must be under a dependency, an "
        "entrypoint or an extension nested in one");
    ERR("service svc\n  dependncy db\n" ACT,
        "t.scn:2:3: error: unknown keyword 'dependncy' in service (expected "
        "dependency, entrypoint or method); did you mean 'dependency'?");
    ERR("service svc\n  dependency db sahred\n" ACT,
        "t.scn:2:17: error: unknown option 'sahred' for dependency 'db'; did "
        "you mean 'shared'?");
    /* No hint when nothing is near. */
    ERR(SVC "actor a: frobnicate\n", "t.scn:4:10: error: unknown step 'frobnicate'");
}

static void test_fraction_durations(void **s)
{
    (void)s;
    ERR(SVC "actor a: sleep 1.5ms\n",
        "t.scn:4:16: error: bad duration '1.5ms': fractions are not supported "
        "(use 1500us)");
    ERR(SVC "actor a: sleep 2.25s\n",
        "t.scn:4:16: error: bad duration '2.25s': fractions are not supported "
        "(use 2250ms)");
    ERR(SVC "actor a: sleep 1.5ns\n",
        "t.scn:4:16: error: bad duration '1.5ns': fractions are not supported "
        "(durations are whole nanoseconds)");
    ERR(SVC "actor a: repeat 1.5: yield\n",
        "t.scn:4:17: error: bad number '1.5': fractions are not supported "
        "(numbers are whole)");
    ERR(SVC "actor a: sleep 5m.x\n",
        "t.scn:4:16: error: bad number or duration '5m.x'");
}

static void test_no_expectations(void **s)
{
    (void)s;
    ERR(SVC ACT, "t.scn:1:1: error: no expectations: add an 'expect' section");
    ERR(SVC ACT "expect\n", "t.scn:1:1: error: no expectations: add an 'expect' "
                           "section");
    ERR(SVC ACT EXP, "");
}

/* ---------------------------------------------------------------- good */

static const char every_construct[] =
    "scenario \"every construct\"\n"
    "variant v1.11.3 stop_guard=on\n"
    "limit steps 50000\n"
    "limit time 10s\n"
    "event never\n"
    "\n"
    "service svc max_workers=2     # a comment\n"
    "  dependency db\n"
    "    setup: mark setup\n"
    "    start:\n"
    "      yield\n"
    "      sleep 0; sleep 1us\n"
    "    kill: sleep 5ms\n"
    "    get_dependency: return \"conn\"\n"
    "    worker_setup: mark ws \"$call\"\n"
    "    worker_result: mark wr \"$result $error\"\n"
    "    worker_teardown: mark wt\n"
    "    extension pool shared key=p\n"
    "      stop: mark pool-stop\n"
    "  entrypoint rpc method=slow expected=Boom,Exception\n"
    "    start: register consumer\n"
    "    stop: unregister consumer\n"
    "    handle_result: return \"replaced\"\n"
    "    extension consumer shared collector\n"
    "  entrypoint tick\n"
    "    worker_setup: mark ews\n"
    "    start: spawn timer protected: every 5ms until halt: fire tick catch ContainerBeingKilled\n"
    "    stop: send halt\n"
    "    kill: kill thread timer\n"
    "  method slow:\n"
    "    wait go\n"
    "    repeat 3:\n"
    "      mark loop \"$args\"\n"
    "    raise Boom(\"disk on fire\")\n"
    "  method tick: return\n"
    "service other\n"
    "  method m\n"
    "\n"
    "runner svc other\n"
    "\n"
    "actor runner at 0: start svc; fire svc.rpc \"a=1\" as w; wait thread w\n"
    "actor killer at 1ms:\n"
    "  kill svc Boom(\"x\")\n"
    "  kill other\n"
    "  kill svc\n"
    "actor misc at 2ms: send go \"v\"; reset go; spawn svc.bg: wait never\n"
    "actor h: host\n"
    "actor i at 5ms: interrupt; runner stop; runner kill; runner wait; runner start\n"
    "actor s: stop other; wait other; start other; raise Boom catch *\n"
    "\n"
    "expect\n"
    "  wait svc raises Boom \"x*\"\n"
    "  stop returns\n"
    "  runner wait returns\n"
    "  log debug \"already being killed svc\"\n"
    "  never db.stop\n"
    "  never call * after state svc dead*\n"
    "  rpc.kill then worker svc.slow.1 killed then call db.kill then state svc dead*\n"
    "  exactly 2 call rpc.kill\n"
    "  at least 1 mark loop\n"
    "  at most 0 log error\n"
    "  actor killer returns\n"
    "  actor misc raises Boom \"x\"\n"
    "  actor h blocked\n"
    "  final svc dead\n"
    "  final other alive\n"
    "  final hung\n"
    "  no leftover threads\n"
    "  call svc.slow\n"
    "  * * *\n";

static void test_every_construct_parses(void **s)
{
    (void)s;
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    int rc = scn_parse("t.scn", every_construct, strlen(every_construct), &m, &d);
    if (rc != 0)
        fail_msg("%s:%d:%d: %s", d.path, d.line, d.col, d.message);
    assert_string_equal(m->title, "every construct");
    assert_string_equal(m->variant, "v1.11.3");
    assert_int_equal(m->n_switches, 1);
    assert_int_equal(m->step_limit, 50000);
    assert_int_equal(m->time_limit, SIM_S(10));
    assert_int_equal(m->n_services, 2);
    assert_int_equal(m->n_actors, 6);
    assert_int_equal(m->n_expects, 19);
    assert_true(m->expects_hung);
    assert_int_equal(m->n_runner, 2);
    /* Events: declared "never" plus the sent "halt" and "go". */
    assert_int_equal(m->n_events, 3);

    const scn_service_t *svc = m->services;
    assert_int_equal(svc->max_workers, 2);
    const scn_ext_t *db = svc->deps;
    assert_string_equal(db->name, "db");
    assert_non_null(db->hooks[SCN_HOOK_START]);
    assert_int_equal(db->hooks[SCN_HOOK_START]->kind, SCN_S_YIELD);
    assert_int_equal(db->hooks[SCN_HOOK_START]->next->kind, SCN_S_SLEEP);
    assert_int_equal(db->hooks[SCN_HOOK_START]->next->next->dur, SIM_US(1));
    assert_int_equal(db->hooks[SCN_HOOK_KILL]->dur, SIM_MS(5));
    assert_string_equal(db->subs->name, "pool");
    assert_true(db->subs->shared);
    assert_string_equal(db->subs->key, "p");
    const scn_ext_t *rpc = svc->eps;
    assert_string_equal(rpc->method, "slow");
    assert_int_equal(rpc->n_expected, 2);
    assert_true(rpc->subs->collector);
    const scn_ext_t *tick = rpc->next;
    assert_string_equal(tick->method, "tick");
    const scn_step_t *sp = tick->hooks[SCN_HOOK_START];
    assert_int_equal(sp->kind, SCN_S_SPAWN);
    assert_string_equal(sp->name, "timer");
    assert_int_equal(sp->count, 1); /* protected */
    assert_true(tick->has_hook[SCN_HOOK_WORKER_SETUP]);
    assert_int_equal(sp->body->kind, SCN_S_EVERY);
    assert_string_equal(sp->body->until, "halt");
    assert_int_equal(sp->body->body->kind, SCN_S_FIRE);
    assert_int_equal(sp->body->body->n_catch, 1);
    const scn_method_t *slow = svc->methods;
    assert_int_equal(slow->body->kind, SCN_S_WAIT_EVENT);
    assert_int_equal(slow->body->next->kind, SCN_S_REPEAT);
    assert_int_equal(slow->body->next->count, 3);
    assert_int_equal(slow->body->next->next->kind, SCN_S_RAISE);
    assert_string_equal(slow->body->next->next->err.message, "disk on fire");

    const scn_actor_t *a = m->actors;
    assert_int_equal(a->body->kind, SCN_S_START);
    assert_ptr_equal(a->body->svc, svc);
    assert_string_equal(a->body->next->text, "a=1");
    assert_string_equal(a->body->next->as, "w");
    const scn_actor_t *k = a->next;
    assert_int_equal(k->at, SIM_MS(1));
    assert_int_equal(k->body->kind, SCN_S_KILL);
    assert_string_equal(k->body->err.type, "Boom");
    /* `kill other` names a service; `kill svc` too. */
    assert_null(k->body->next->err.type);
    assert_ptr_equal(k->body->next->svc, svc->next);
    const scn_actor_t *s5 = k->next->next->next->next;
    assert_int_equal(s5->body->next->kind, SCN_S_WAIT); /* wait other */
    scn_model_free(m);
}

static void test_inline_block_rule(void **s)
{
    (void)s;
    /* A block step swallows the rest of its line; indented lines continue
     * the innermost open block. */
    const char *text = SVC "actor a: spawn t: mark x; mark y\n  mark z\n" EXP;
    scn_model_t *m = NULL;
    scn_diag_t d;
    assert_int_equal(scn_parse("t.scn", text, strlen(text), &m, &d), 0);
    const scn_step_t *sp = m->actors->body;
    assert_int_equal(sp->kind, SCN_S_SPAWN);
    assert_null(sp->next);
    assert_string_equal(sp->body->name, "x");
    assert_string_equal(sp->body->next->name, "y");
    assert_string_equal(sp->body->next->next->name, "z");
    scn_model_free(m);
}

/* Parse `text`, which must be valid; the caller frees the model. */
static scn_model_t *parse_ok(const char *text)
{
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    if (scn_parse("t.scn", text, strlen(text), &m, &d) != 0)
        fail_msg("%s:%d:%d: %s", d.path, d.line, d.col, d.message);
    return m;
}

static void test_wait_timeout(void **s)
{
    (void)s;
    scn_model_t *m =
        parse_ok("event go\n" SVC "actor a: wait go timeout 5ms; mark m\n" EXP);
    const scn_step_t *w = m->actors->body;
    assert_int_equal(w->kind, SCN_S_WAIT_EVENT);
    assert_string_equal(w->name, "go");
    assert_int_equal(w->dur, SIM_MS(5));
    scn_model_free(m);
    ERR("event go\n" SVC "actor a: wait go timeout 0\n",
        "t.scn:5:26: error: duration must be positive: '0'");
    ERR(SVC "actor a: wait svc timeout 1s\n",
        "t.scn:4:27: error: 'wait svc' waits for a container and takes no "
        "timeout (only 'wait EVENT timeout D' does)");
}

static void test_named_errors(void **s)
{
    (void)s;
    scn_model_t *m = parse_ok("error broken = Broken(\"foobar\")\n"
                              "service svc\n  entrypoint rpc\n"
                              "  method rpc: raise broken\n"
                              "actor a: start; kill broken\n"
                              "expect\n  wait raises broken\n"
                              "  wait raises Broken \"foobar\"\n");
    assert_int_equal(m->n_errors, 1);
    assert_string_equal(m->errors[0].name, "broken");
    assert_string_equal(m->errors[0].spec.type, "Broken");
    assert_string_equal(m->errors[0].spec.message, "foobar");
    const scn_step_t *r = m->services->methods->body;
    assert_int_equal(r->kind, SCN_S_RAISE);
    assert_null(r->err.type);
    assert_string_equal(r->err.ref, "broken");
    assert_int_equal(r->err.ref_index, 0);
    const scn_step_t *k = m->actors->body->next;
    assert_int_equal(k->kind, SCN_S_KILL);
    assert_string_equal(k->err.ref, "broken");
    assert_ptr_equal(k->svc, m->services);
    assert_string_equal(m->expects->err.ref, "broken");
    assert_null(m->expects->next->err.ref);
    assert_string_equal(m->expects->next->err.type, "Broken");
    scn_model_free(m);

    ERR(SVC "actor a: start; raise brokn\n",
        "t.scn:4:23: error: undefined error 'brokn' (declare it with 'error "
        "brokn = Type(\"message\")', or capitalise an error type)");
    ERR(SVC ACT "expect\n  wait raises brokn\n",
        "t.scn:6:15: error: undefined error 'brokn' (declare it with 'error "
        "brokn = Type(\"message\")', or capitalise an error type)");
    ERR("error b = Boom\nerror b = Boom\n" SVC ACT,
        "t.scn:2:7: error: duplicate error 'b'");
    ERR("error svc = Boom\n" SVC ACT,
        "t.scn:1:7: error: 'svc' is both a service and an error (rename one)");
    ERR("error Broken = Broken(\"x\")\n" SVC ACT,
        "t.scn:1:7: error: an error's name is a lowercase word (the type comes "
        "after '=': error broken = Broken(\"...\"))");
    ERR("error b Boom\n" SVC ACT,
        "t.scn:1:9: error: expected '=' after the error name (error NAME = "
        "TYPE(\"message\")), found 'Boom'");
    ERR("error b = GreenletExit\n" SVC ACT,
        "t.scn:1:11: error: GreenletExit is the kill condition and cannot be "
        "named");
    /* The declared type counts as raised for type-based expectations. */
    assert_string_equal(diag_of("error b = Late(\"x\")\n" SVC ACT
                                "expect\n  wait raises Late\n",
                                (char[256]){0}, 256),
                        "");
}

static void test_never_before(void **s)
{
    (void)s;
    scn_model_t *m = parse_ok(SVC ACT "expect\n  never call * before mark m  # c\n"
                                      "  never mark m after call *\n");
    /* Texts for messages stop before a trailing comment. */
    assert_string_equal(m->expects->text, "never call * before mark m");
    assert_int_equal(m->expects->kind, SCN_X_NEVER_BEFORE);
    assert_int_equal(m->expects->n_pats, 2);
    assert_string_equal(m->expects->pats[0].text, "call *");
    assert_string_equal(m->expects->pats[1].text, "mark m");
    assert_int_equal(m->expects->next->kind, SCN_X_NEVER_AFTER);
    scn_model_free(m);
    ERR(SVC ACT "expect\n  mark a then mark b before mark c\n",
        "t.scn:6:22: error: 'before' only goes with 'never P before Q'");
    ERR(SVC ACT "expect\n  never mark a before\n",
        "t.scn:6:22: error: expected an event pattern, found end of line");
}

static void test_repeated_shared_extension(void **s)
{
    (void)s;
    /* An identical repeat, sub-extensions and hooks included, is one
     * extension; its subs are not duplicates. */
    scn_model_t *m = parse_ok("service svc\n"
                              "  dependency d1\n"
                              "    extension sh shared key=k\n"
                              "      start: sleep 1ms; mark up\n"
                              "      extension inner\n"
                              "        stop: yield\n"
                              "  dependency d2\n"
                              "    extension sh shared key=k\n"
                              "      start: sleep 1ms; mark up\n"
                              "      extension inner\n"
                              "        stop: yield\n" ACT EXP);
    const scn_ext_t *a = m->services->deps->subs;
    const scn_ext_t *b = m->services->deps->next->subs;
    assert_null(a->repeat_of);
    assert_ptr_equal(b->repeat_of, a);
    scn_model_free(m);

    const char *head = "service svc\n"
                       "  dependency d1\n"
                       "    extension sh shared\n"
                       "      extension inner\n"
                       "  dependency d2\n";
    char text[1024];
    snprintf(text, sizeof(text), "%s    extension sh shared\n" ACT, head);
    ERR(text, "t.scn:6:15: error: shared extension 'sh' is declared "
              "differently than at line 3 (sub-extension 'inner' only there); "
              "a repeated declaration must be identical");
    snprintf(text, sizeof(text),
             "%s    extension sh shared\n      extension other\n" ACT, head);
    ERR(text, "t.scn:6:15: error: shared extension 'sh' is declared "
              "differently than at line 3 (sub-extension 'other' here, 'inner' "
              "there); a repeated declaration must be identical");
    snprintf(text, sizeof(text),
             "%s    extension sh shared key=x\n      extension inner\n" ACT, head);
    ERR(text, "t.scn:6:15: error: shared extension 'sh' is declared "
              "differently than at line 3 (sharing key 'x' here, 'sh' there); a "
              "repeated declaration must be identical");
    snprintf(text, sizeof(text),
             "%s    extension sh shared\n      extension inner\n"
             "        start: mark x\n" ACT, head);
    ERR(text, "t.scn:6:15: error: shared extension 'sh' is declared "
              "differently than at line 3 (hook 'start' of 'inner' differs); a "
              "repeated declaration must be identical");
    snprintf(text, sizeof(text),
             "%s    extension sh shared collector\n      extension inner\n" ACT,
             head);
    ERR(text, "t.scn:6:15: error: shared extension 'sh' is declared "
              "differently than at line 3 (different options on 'sh'); a "
              "repeated declaration must be identical");
    /* An unshared sub-extension may not repeat outside its shared parent. */
    snprintf(text, sizeof(text), "%s    extension inner\n" ACT, head);
    ERR(text, "t.scn:6:15: error: duplicate extension 'inner' in service 'svc'");
}

static void test_hook_detail_names_service(void **s)
{
    (void)s;
    const char *two = "service s1\n  dependency db\n"
                      "service s2\n  dependency cache\n"
                      "actor a: start s1; start s2\n";
    char text[1024];
    snprintf(text, sizeof(text),
             "%sexpect\n  call db.stop s1\n  db.start \"s1*\"\n"
             "  call cache.stop s2\n  call db.worker_setup \"s1.*\"\n", two);
    assert_string_equal(diag_of(text, (char[256]){0}, 256), "");
    snprintf(text, sizeof(text), "%sexpect\n  call db.stop s2\n", two);
    ERR(text, "t.scn:7:16: error: service 's2' has no extension 'db' in "
              "'call db.stop s2'");
    /* A `never` about the wrong service could never fail. */
    snprintf(text, sizeof(text), "%sexpect\n  never db.kill s2\n", two);
    ERR(text, "t.scn:7:17: error: service 's2' has no extension 'db' in "
              "'db.kill s2'");
}

static void test_parse_file_missing(void **s)
{
    (void)s;
    scn_model_t *m = NULL;
    scn_diag_t d;
    assert_int_equal(scn_parse_file("/nonexistent/x.scn", &m, &d), SCN_EIO);
    assert_null(m);
    assert_int_equal(d.line, 0);
}

/* `sometimes EXPECTATION` takes any other form; the flag and the index
 * among the file's sometimes lines are recorded. */
static void test_sometimes(void **s)
{
    (void)s;
    const char *text = SVC ACT
        "expect\n  final alive\n  sometimes rpc.start then rpc.stop\n"
        "  sometimes never rpc.kill after rpc.stop\n  sometimes exactly 1 rpc.start\n"
        "  sometimes start returns\n  sometimes actor a returns\n";
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(scn_parse("t.scn", text, strlen(text), &m, &d), 0);
    assert_int_equal(m->n_expects, 6);
    assert_int_equal(m->n_sometimes, 5);
    const scn_expect_t *x = m->expects;
    assert_false(x->sometimes);
    static const scn_expect_kind_t kinds[] = {SCN_X_SEEN, SCN_X_NEVER_AFTER,
                                              SCN_X_COUNT, SCN_X_OP, SCN_X_ACTOR};
    size_t i = 0;
    for (x = x->next; x; x = x->next, i++) {
        assert_true(x->sometimes);
        assert_int_equal(x->sometimes_index, i);
        assert_int_equal(x->kind, kinds[i]);
        assert_int_equal(x->pos.line, 7 + (int)i);
    }
    assert_string_equal(scn_sometimes_expr(m->expects->next),
                        "rpc.start then rpc.stop");
    assert_int_equal(m->expects_hung, 0);
    scn_model_free(m);
    ERR(SVC ACT "expect\n  sometimes\n",
        "t.scn:6:12: error: expected an expectation after 'sometimes' (e.g. "
        "'sometimes P1 then P2')");
    ERR(SVC ACT "expect\n  sometimes sometimes rpc.stop\n",
        "t.scn:6:13: error: 'sometimes' is given twice");
    ERR(SVC ACT "expect\n  sometimes final hung\n",
        "t.scn:6:19: error: 'sometimes final hung' cannot be counted: a run "
        "that hangs fails unless 'final hung' is expected of every run");
    /* the hints for the first word of a line work after `sometimes` too */
    ERR(SVC ACT "expect\n  sometimes a returns\n",
        "t.scn:6:13: error: 'a' is an actor: write 'actor a returns' (or raises "
        "TYPE, or blocked)");
    ERR(SVC ACT "expect\n  sometimes stop raisse Boom\n",
        "t.scn:6:18: error: expected 'returns' or 'raises' in 'stop' expectation "
        "(OP [SVC] returns | raises TYPE), found 'raisse'; did you mean 'raises'?");
}

static void test_glob(void **s)
{
    (void)s;
    assert_true(scn_glob("*", ""));
    assert_true(scn_glob("dead*", "dead:Boom: x"));
    assert_true(scn_glob("svc.*.1", "svc.slow.1"));
    assert_true(scn_glob("a?c", "abc"));
    assert_false(scn_glob("a?c", "ac"));
    assert_false(scn_glob("dead", "dead:Boom"));
    assert_true(scn_glob("*a*b*", "xxaxxbxx"));
}

static void test_format_time(void **s)
{
    (void)s;
    char b[32];
    scn_format_time(0, b, sizeof(b));
    assert_string_equal(b, "0");
    scn_format_time(SIM_MS(5), b, sizeof(b));
    assert_string_equal(b, "5ms");
    scn_format_time(SIM_US(1500), b, sizeof(b));
    assert_string_equal(b, "1500us");
    scn_format_time(SIM_MS(1) + 1, b, sizeof(b));
    assert_string_equal(b, "1.000001ms");
    scn_format_time(SIM_S(2), b, sizeof(b));
    assert_string_equal(b, "2s");
    scn_format_time(7, b, sizeof(b));
    assert_string_equal(b, "7ns");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_unknown_keyword),
        cmocka_unit_test(test_unknown_variant),
        cmocka_unit_test(test_variant_switches),
        cmocka_unit_test(test_variant_model),
        cmocka_unit_test(test_spawn_protected),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_undefined_event),
        cmocka_unit_test(test_undefined_method),
        cmocka_unit_test(test_undefined_entrypoint),
        cmocka_unit_test(test_undefined_actor),
        cmocka_unit_test(test_undefined_error_type),
        cmocka_unit_test(test_undefined_extension),
        cmocka_unit_test(test_not_a_collector),
        cmocka_unit_test(test_undefined_thread),
        cmocka_unit_test(test_bad_durations),
        cmocka_unit_test(test_unterminated_string),
        cmocka_unit_test(test_nul_byte_at_its_column),
        cmocka_unit_test(test_bad_bytes_echoed_escaped),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_long_line_window),
        cmocka_unit_test(test_nesting_limits),
        cmocka_unit_test(test_zero_counts),
        cmocka_unit_test(test_actor_without_steps),
        cmocka_unit_test(test_never_matching_warning),
        cmocka_unit_test(test_livelock_names_spinning_threads),
        cmocka_unit_test(test_indentation),
        cmocka_unit_test(test_hooks),
        cmocka_unit_test(test_unknown_step),
        cmocka_unit_test(test_missing_sections),
        cmocka_unit_test(test_ambiguous_service),
        cmocka_unit_test(test_expect_errors),
        cmocka_unit_test(test_name_clash_and_runner),
        cmocka_unit_test(test_carets_under_the_word),
        cmocka_unit_test(test_op_expectation_hints),
        cmocka_unit_test(test_pattern_hints),
        cmocka_unit_test(test_structure_hints),
        cmocka_unit_test(test_fraction_durations),
        cmocka_unit_test(test_no_expectations),
        cmocka_unit_test(test_every_construct_parses),
        cmocka_unit_test(test_inline_block_rule),
        cmocka_unit_test(test_wait_timeout),
        cmocka_unit_test(test_named_errors),
        cmocka_unit_test(test_never_before),
        cmocka_unit_test(test_repeated_shared_extension),
        cmocka_unit_test(test_hook_detail_names_service),
        cmocka_unit_test(test_parse_file_missing),
        cmocka_unit_test(test_sometimes),
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_format_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
