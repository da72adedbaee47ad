/*
 * test_variants.c - `csim variants`: the matrix of scenarios x presets, the
 * failing-cell lines with the very token `csim explore --variant P`
 * prints, output independent of --jobs, and the --expect / --write-expect
 * TSV.  Runs the binary named by CSIM_BIN (set by ctest; skipped without).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "variant.h"

#ifndef CSIM_SOURCE_DIR
#define CSIM_SOURCE_DIR "."
#endif

/* Run `csim ARGS` (stderr merged into stdout); returns the exit status. */
static int csim(const char *args, char *out, size_t n)
{
    const char *bin = getenv("CSIM_BIN");
    if (!bin || !*bin)
        skip();
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = '\0';
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* A scenario that passes where extension kill hooks get the kill's error
 * (ext_kill_arg=exc: V1 .. v1.2.3) and fails at run 0 elsewhere. */
static const char kill_arg_scn[] =
    "service svc\n"
    "  dependency db\n"
    "    kill: mark k \"$error\"\n"
    "actor a: start; kill Stop(\"dying\")\n"
    "expect\n"
    "  mark k \"Stop: dying\"\n";

typedef struct tmp {
    char dir[64];
    char file[128];
    char tsv[128];
} tmp_t;

static void tmp_make(tmp_t *t)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/csim-variants-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->file, sizeof(t->file), "%s/kill_arg.scn", t->dir);
    snprintf(t->tsv, sizeof(t->tsv), "%s/expected.tsv", t->dir);
    write_file(t->file, kill_arg_scn);
}

static void tmp_free(tmp_t *t)
{
    unlink(t->file);
    unlink(t->tsv);
    rmdir(t->dir);
}

/* Cells, then the failing cell's line with explore's own token. */
static void test_matrix_and_failing_lines(void **s)
{
    (void)s;
    tmp_t t;
    tmp_make(&t);
    char args[1024], out[16384], ex[16384];
    snprintf(args, sizeof(args), "variants %s --variant v1.2.2,v1.5.0 --runs 20 "
                                 "--jobs 1", t.file);
    int rc = csim(args, out, sizeof(out));
    snprintf(args, sizeof(args), "explore %s --variant v1.5.0 --runs 20 --jobs 1",
             t.file);
    int rc2 = csim(args, ex, sizeof(ex));
    tmp_free(&t);
    assert_int_equal(rc, 0); /* no --expect: failures are data */
    assert_int_equal(rc2, 1);
    const char *tok = strstr(ex, "\ncsim replay ");
    assert_non_null(tok);
    tok += strlen("\ncsim replay ");
    char token[128];
    snprintf(token, sizeof(token), "%.*s", (int)strcspn(tok, "\n"), tok);
    assert_non_null(strstr(token, ".v1_5_0."));
    assert_non_null(strstr(ex, "FAIL run 0: "));
    char want[4096];
    size_t w = strlen(t.file);
    snprintf(want, sizeof(want),
             "%-*s  v1.2.2  v1.5.0\n"
             "%s  pass    FAIL@0\n"
             "\n"
             "%s [v1.5.0] FAIL@0: mark k \"Stop: dying\" \xe2\x80\x94 csim replay %s\n"
             "\n"
             "1 scenario x 2 presets: 1 pass, 1 fail\n",
             (int)w, "scenario", t.file, t.file, token);
    assert_string_equal(out, want);
}

/* Every preset by default, oldest first; the same output for any --jobs
 * and in-process, also when a failure is found past run 0. */
static void test_output_independent_of_jobs(void **s)
{
    (void)s;
    tmp_t t;
    tmp_make(&t);
    static char a[65536], b[65536], c[65536];
    char args[1024];
    const char *planted = CSIM_SOURCE_DIR "/scenarios/explore/planted_order_bug.scn";
    snprintf(args, sizeof(args), "variants %s %s --runs 200 --jobs 1", t.file,
             planted);
    int ra = csim(args, a, sizeof(a));
    snprintf(args, sizeof(args), "variants %s %s --runs 200 --jobs 2", t.file,
             planted);
    int rb = csim(args, b, sizeof(b));
    snprintf(args, sizeof(args), "variants %s %s --runs 200 --in-process", t.file,
             planted);
    int rc = csim(args, c, sizeof(c));
    tmp_free(&t);
    assert_int_equal(ra, 0);
    assert_int_equal(rb, 0);
    assert_int_equal(rc, 0);
    assert_string_equal(a, b);
    assert_string_equal(a, c);
    assert_non_null(strstr(a, "  V1  "));
    assert_non_null(strstr(a, "  current  hardened\n"));
    assert_non_null(strstr(a, "2 scenarios x 15 presets: "));
}

static void test_expect_tsv(void **s)
{
    (void)s;
    tmp_t t;
    tmp_make(&t);
    char args[1024], out[16384];
    /* --write-expect, then --expect against it: every cell as expected */
    snprintf(args, sizeof(args), "variants %s --variant v1.0.0,v1.5.0 --runs 10 "
                                 "--write-expect %s", t.file, t.tsv);
    int rc = csim(args, out, sizeof(out));
    char want[1024];
    snprintf(want, sizeof(want),
             "# pass or fail per scenario and preset (csim variants "
             "--write-expect)\nscenario\tv1.0.0\tv1.5.0\n%s\tpass\tfail\n",
             t.file);
    static char tsv[8192];
    memcpy(tsv, read_all(t.tsv), sizeof(tsv));
    snprintf(args, sizeof(args), "variants %s --variant v1.0.0,v1.5.0 --runs 10 "
                                 "--expect %s", t.file, t.tsv);
    int rc2 = csim(args, out, sizeof(out));
    char ok[256];
    snprintf(ok, sizeof(ok), "\n%s: every cell as expected\n", t.tsv);
    int as_expected = strstr(out, ok) != NULL;

    /* columns in another order, comments: still as expected; a flipped
     * cell is a MISMATCH (exit 1) */
    char text[1024];
    snprintf(text, sizeof(text),
             "# comment\nscenario\tv1.5.0\tv1.0.0\n# another\n%s\tpass\tpass\n",
             t.file);
    write_file(t.tsv, text);
    int rc3 = csim(args, out, sizeof(out));
    char mism[512];
    snprintf(mism, sizeof(mism),
             "MISMATCH %s [v1.5.0]: expected pass, got FAIL@0 (csim replay c1.",
             t.file);
    int has_mism = strstr(out, mism) != NULL;
    int has_count = strstr(out, ": 1 mismatch\n") != NULL;

    /* a preset or file the run does not have, a missing cell, a bad cell */
    static const char *const bad[][2] = {
        {"scenario\tv1.0.0\tv1.5.0\tcurrent\n%s\tpass\tfail\tfail\n",
         ":1: preset 'current' is not in this run"},
        {"scenario\tv1.0.0\tv9\n%s\tpass\tfail\n", ":1: unknown variant 'v9'"},
        {"scenario\tv1.0.0\tv1.5.0\n%s\tpass\tfail\n/x/other.scn\tpass\tpass\n",
         ":3: '/x/other.scn' is not in this run"},
        {"scenario\tv1.0.0\n%s\tpass\n", ": no expectation for "},
        {"scenario\tv1.0.0\tv1.5.0\n%s\tpass\tmaybe\n",
         ":2: bad cell 'maybe' (pass or fail)"},
        {"scenario\tv1.0.0\tv1.5.0\n%s\tpass\n", ":2: 2 fields (the header has 3)"},
        {"preset\tv1.0.0\n", ":1: expected the header"},
    };
    int bad_ok = 1;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), bad[i][0], t.file);
        write_file(t.tsv, text);
        char o2[16384];
        int r = csim(args, o2, sizeof(o2));
        if (r != 2 || !strstr(o2, bad[i][1]) || strstr(o2, "scenario  ")) {
            fprintf(stderr, "case %zu: exit %d:\n%s\n", i, r, o2);
            bad_ok = 0;
        }
    }
    tmp_free(&t);
    assert_int_equal(rc, 0);
    assert_string_equal(tsv, want);
    assert_int_equal(rc2, 0);
    assert_true(as_expected);
    assert_int_equal(rc3, 1);
    assert_true(has_mism);
    assert_true(has_count);
    assert_true(bad_ok);
}

static void test_usage_and_file_errors(void **s)
{
    (void)s;
    char out[16384];
    assert_int_equal(csim("variants --help", out, sizeof(out)), 0);
    assert_non_null(strstr(out, "usage: csim variants PATH..."));
    assert_non_null(strstr(out, "--expect TSV"));
    assert_int_equal(csim("variants", out, sizeof(out)), 2);
    assert_non_null(strstr(out, "no scenario PATH given"));
    assert_int_equal(csim("variants x.scn --variant v1.5.0,bogus", out,
                          sizeof(out)), 2);
    assert_non_null(strstr(out, "csim: unknown variant 'bogus' (known: V1, "
                                "v1.0.0, "));
    assert_int_equal(csim("variants x.scn --variant v1.5.0,v1.5.0", out,
                          sizeof(out)), 2);
    assert_non_null(strstr(out, "given twice"));
    assert_int_equal(csim("variants " CSIM_SOURCE_DIR
                          "/tests/data/bad/undefined_event.scn",
                          out, sizeof(out)), 2);
    assert_non_null(strstr(out, "error: undefined event 'og'"));
    assert_non_null(strstr(out, "nothing was run"));
    assert_null(strstr(out, "scenario  "));
}

/* scenarios/README.md's switch table names every switch with its values,
 * in variant.h's order. */
static void test_readme_switch_table(void **s)
{
    (void)s;
    FILE *f = fopen(CSIM_SOURCE_DIR "/scenarios/README.md", "r");
    assert_non_null(f);
    char line[2048];
    size_t next = 0;
    while (fgets(line, sizeof(line), f)) {
        if (next >= ctr_switch_count())
            break;
        char want[512];
        int k = snprintf(want, sizeof(want), "| `%s` | ", ctr_switch_name(next));
        for (size_t v = 0; v < ctr_switch_value_count(next); v++)
            k += snprintf(want + k, sizeof(want) - (size_t)k, "%s`%s`",
                          v ? " " : "", ctr_switch_value_name(next, v));
        snprintf(want + k, sizeof(want) - (size_t)k, " | ");
        if (strncmp(line, want, strlen(want)) == 0)
            next++;
    }
    fclose(f);
    if (next < ctr_switch_count())
        fail_msg("scenarios/README.md: no table row `| `%s` | values... |` "
                 "(in variant.h's order)",
                 ctr_switch_name(next));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_and_failing_lines),
        cmocka_unit_test(test_output_independent_of_jobs),
        cmocka_unit_test(test_expect_tsv),
        cmocka_unit_test(test_usage_and_file_errors),
        cmocka_unit_test(test_readme_switch_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
