/*
 * scn_junit.h - JUnit XML results (`--junit FILE` on `csim run`, `csim
 * explore` and `csim variants`), in the shape CI systems read (the common
 * Jenkins/Ant junit.xsd; tests/junit.xsd checks it):
 *
 *   <testsuites name tests failures errors time>
 *     <testsuite name tests failures errors skipped time>
 *       <testcase classname name time>
 *         [<failure type message>text</failure> | <error ...> | <skipped .../>]
 *         [<system-out>text</system-out>]
 *
 * A report has a fixed number of test cases, named up front (slot i: file i
 * of `run`, the one scenario of `explore`, cell i of `variants`); a slot
 * never given a result is written as <skipped> with the report's skip
 * message (the command stopped before it, e.g. another file had errors).
 * Text is XML-escaped; control characters and bytes that are not UTF-8
 * are written as `\xNN`, as the trace does.  Everything but the `time`
 * attributes (wall-clock seconds) is deterministic.  The file is written
 * atomically (temp file, then rename).
 */
#ifndef SCN_JUNIT_H
#define SCN_JUNIT_H

#include <stddef.h>

#include "scn.h"
#include "scn_explore.h"

typedef enum {
    SCN_JUNIT_UNSET = 0, /* no result: written as skipped */
    SCN_JUNIT_PASS,
    SCN_JUNIT_FAILURE,
    SCN_JUNIT_ERROR,
    SCN_JUNIT_SKIPPED,
} scn_junit_kind_t;

typedef struct scn_junit_case {
    char *classname, *name;
    double time;
    scn_junit_kind_t kind;
    char *type, *message, *text; /* failure / error / skipped */
    char *out;                   /* system-out, or NULL */
} scn_junit_case_t;

typedef struct scn_junit {
    char *suite;
    char *skip_message;
    scn_junit_case_t *cases;
    size_t n;
    int oom;
} scn_junit_t;

/* n test cases; suite names the testsuite ("csim run"); skip_message is
 * what an unset case says. */
int scn_junit_init(scn_junit_t *j, const char *suite, size_t n,
                   const char *skip_message);
void scn_junit_free(scn_junit_t *j);
/* Name case i (again: renames it). */
void scn_junit_case(scn_junit_t *j, size_t i, const char *classname,
                    const char *name);
/* Its result: PASS, or FAILURE / ERROR / SKIPPED with a type, a one-line
 * message and a text (either may be NULL). */
void scn_junit_result(scn_junit_t *j, size_t i, scn_junit_kind_t kind,
                      const char *type, const char *message, const char *text);
void scn_junit_out(scn_junit_t *j, size_t i, const char *text);
void scn_junit_time(scn_junit_t *j, size_t i, double seconds);
/* Write the report to path, atomically: 0, SCN_EIO (errno says why) or
 * SCN_ENOMEM. */
int scn_junit_write(const scn_junit_t *j, const char *path);

/* Seconds on a monotonic clock, for the time attributes. */
double scn_junit_now(void);

/* ---------------------------------------------------------------- commands */

/* `csim run`: case i is files[i] (classname csim.run). */
int scn_junit_run_init(scn_junit_t *j, char *const *files, size_t n);
/* File i has a scenario file error: an <error> with the diagnostic. */
void scn_junit_run_diag(scn_junit_t *j, size_t i, const scn_diag_t *d);
/* File i ran: PASS, or a <failure> whose text is the verdict as `csim run`
 * prints it and the `csim replay TOKEN` line of the run (its content hash,
 * variant, choice mask and schedule; strategy and seed from o). */
void scn_junit_run_result(scn_junit_t *j, size_t i, const char *path,
                          const scn_model_t *m, const scn_run_opts_t *o,
                          const scn_result_t *r, const scn_verdict_t *v,
                          double seconds);
/* File i could not run (the world could not be built). */
void scn_junit_run_error(scn_junit_t *j, size_t i, const char *path,
                         const char *message);

/* `csim explore`: one case, name as given (FILE, or FILE [VARIANT]).
 * file_error: FILE did not load (re-read here for the diagnostic);
 * otherwise status is explore's exit status for totals t: 2 an <error>,
 * else a <failure> for the first failure (type FAIL, HUNG, CRASH or
 * TIMEOUT; the text every failure's lines and replay line), for a
 * `sometimes` line never hit (type NEVER HIT) or a --verify mismatch
 * (type VERIFY); the summary and `sometimes` lines are its system-out. */
int scn_junit_explore(const char *path, const char *file, const char *name,
                      int file_error, const xp_totals_t *t, int status,
                      double seconds);

#endif /* SCN_JUNIT_H */
