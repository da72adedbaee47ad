/*
 * test_cli.c - the csim binary itself: exit codes, the diagnostic format of
 * a broken scenario file, and that a broken file stops every run.  The
 * binary is found through the CSIM_BIN environment variable (set by ctest);
 * without it the tests are skipped.
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

#ifndef CSIM_SOURCE_DIR
#define CSIM_SOURCE_DIR "."
#endif

/* Run `csim ARGS` with stderr merged into stdout; returns the exit status. */
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

#define BAD CSIM_SOURCE_DIR "/tests/data/bad/"
#define EXAMPLES CSIM_SOURCE_DIR "/scenarios/examples"

static void test_broken_file_exit_2_with_caret(void **s)
{
    (void)s;
    char out[8192];
    assert_int_equal(csim("run " BAD "undefined_event.scn", out, sizeof(out)), 2);
    assert_non_null(strstr(out, BAD "undefined_event.scn:7:8: error: undefined "
                                    "event 'og'"));
    assert_non_null(strstr(out, "\n    wait og\n         ^\n"));
    assert_non_null(strstr(out, "nothing was run"));
}

static void test_each_bad_file_is_an_error(void **s)
{
    (void)s;
    static const char *const files[][2] = {
        {"empty.scn", ":1:1: error: empty scenario file"},
        {"bad_duration.scn", ":2:16: error: bad duration '5'"},
        {"unterminated_string.scn", ":2:17: error: unterminated string"},
        {"unknown_variant.scn", ":1:9: error: unknown variant 'ancient'"},
        {"bad_indentation.scn", ":3:3: error: inconsistent indentation"},
        {"unknown_keyword.scn", ":2:1: error: unknown keyword 'servise'"},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char args[1024], out[8192];
        snprintf(args, sizeof(args), "run %s%s", BAD, files[i][0]);
        assert_int_equal(csim(args, out, sizeof(out)), 2);
        if (!strstr(out, files[i][1]))
            fail_msg("%s: no '%s' in:\n%s", files[i][0], files[i][1], out);
    }
}

static void test_broken_file_stops_all_runs(void **s)
{
    (void)s;
    char out[16384];
    assert_int_equal(csim("run " EXAMPLES " " BAD "empty.scn", out, sizeof(out)), 2);
    assert_null(strstr(out, "PASS"));
    assert_null(strstr(out, "passed,"));
}

static void test_examples_pass(void **s)
{
    (void)s;
    char out[16384];
    assert_int_equal(csim("run " EXAMPLES, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "PASS  "));
    assert_non_null(strstr(out, " passed, 0 failed\n"));
}

static void test_hash_is_deterministic(void **s)
{
    (void)s;
    char a[16384], b[16384];
    assert_int_equal(csim("run --hash --strategy random --seed 7 " EXAMPLES, a,
                          sizeof(a)), 0);
    assert_int_equal(csim("run --hash --strategy random --seed 7 " EXAMPLES, b,
                          sizeof(b)), 0);
    assert_non_null(strstr(a, "HASH  "));
    assert_string_equal(a, b);
}

static void test_usage_errors(void **s)
{
    (void)s;
    char out[8192];
    assert_int_equal(csim("run --bogus x.scn", out, sizeof(out)), 2);
    assert_non_null(strstr(out, "unknown option '--bogus'"));
    assert_int_equal(csim("run --strategy dfs " EXAMPLES, out, sizeof(out)), 2);
    assert_int_equal(csim("run --seed -1 " EXAMPLES, out, sizeof(out)), 2);
    assert_int_equal(csim("run", out, sizeof(out)), 2);
    assert_int_equal(csim("frobnicate", out, sizeof(out)), 2);
    assert_int_equal(csim("run /nonexistent.scn", out, sizeof(out)), 2);
    assert_int_equal(csim("--help", out, sizeof(out)), 0);
    assert_non_null(strstr(out, "usage: csim"));
    assert_int_equal(csim("run --help", out, sizeof(out)), 0);
    assert_non_null(strstr(out, "--strategy"));
    assert_int_equal(csim("--version", out, sizeof(out)), 0);
    assert_true(strncmp(out, "csim ", 5) == 0);
}


static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_empty_folder_is_named(void **s)
{
    (void)s;
    char dir[] = "/tmp/csim-cli-XXXXXX", sub[64], args[512], out[8192];
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(args, sizeof(args), "run %s %s", dir, sub);
    int rc = csim(args, out, sizeof(out));
    char want[256];
    snprintf(want, sizeof(want),
             "csim: no scenario files (*.scn) found in %s, %s\n", dir, sub);
    rmdir(sub);
    rmdir(dir);
    assert_int_equal(rc, 2);
    assert_string_equal(out, want);
}

static void test_folder_walk_takes_only_scn(void **s)
{
    (void)s;
    char dir[] = "/tmp/csim-cli-XXXXXX", a[128], b[128], args[512], out[8192];
    assert_non_null(mkdtemp(dir));
    snprintf(a, sizeof(a), "%s/notes.txt", dir);
    snprintf(b, sizeof(b), "%s/ok.scn", dir);
    write_file(a, "this is not a scenario\n");
    write_file(b, "service svc\nactor a: start\nexpect\n  final alive\n");
    snprintf(args, sizeof(args), "run %s", dir);
    int rc = csim(args, out, sizeof(out));
    /* A file named explicitly is taken whatever its name. */
    char args2[512], out2[8192];
    snprintf(args2, sizeof(args2), "run %s", a);
    int rc2 = csim(args2, out2, sizeof(out2));
    unlink(a);
    unlink(b);
    rmdir(dir);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "1 passed, 0 failed\n"));
    assert_int_equal(rc2, 2);
    assert_non_null(strstr(out2, "notes.txt:1:1: error: unknown keyword 'this'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broken_file_exit_2_with_caret),
        cmocka_unit_test(test_each_bad_file_is_an_error),
        cmocka_unit_test(test_broken_file_stops_all_runs),
        cmocka_unit_test(test_examples_pass),
        cmocka_unit_test(test_hash_is_deterministic),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_empty_folder_is_named),
        cmocka_unit_test(test_folder_walk_takes_only_scn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
