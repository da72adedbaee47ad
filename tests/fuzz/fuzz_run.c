/*
 * fuzz_run.c - fuzz target: parse, and when the text parses, run the
 * scenario (fifo, then seeded random), check it, report it (to a sink;
 * the text and JSON traces only for short runs) and
 * free everything.  Leaks count: run it with -detect_leaks=1 under ASan.
 *
 * Every run gets a small budget: FUZZ_STEP_LIMIT scheduler switches and
 * FUZZ_TIME_LIMIT of virtual time, or the file's own `limit` lines when
 * they are smaller.  Two kinds of input are skipped (parsed, not run):
 *
 *  - a `crash` step anywhere: it is the testing aid that really kills the
 *    process (scenarios/README.md 4.1a);
 *  - more than FUZZ_WORK_LIMIT steps in all, counting every `repeat N`
 *    body N times (see work()).  This was the guard for finding F2
 *    (`repeat` never yielded, so `repeat 9999999999: mark a` ran for
 *    hours); F2 is fixed and the step limit bounds such a run now, but it
 *    still costs 20,000 interpreted steps and a long trace for nothing
 *    new, so the limit stays as a speed budget (tests/fuzz/README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scn.h"
#include "sim_alloc.h"

#define FUZZ_STEP_LIMIT 20000
#define FUZZ_TIME_LIMIT ((sim_time_t)10 * 1000 * 1000 * 1000) /* 10 s */
#define FUZZ_WORK_LIMIT 5000
/* Text and JSON traces are rendered for runs of at most this many events:
 * a long trace takes the formatters through the same code again and again
 * and was most of the target's time (1.1k execs/s). */
#define FUZZ_REPORT_EVENTS 2000

/* Steps a list executes, each `repeat N` body counted N times, saturating
 * at limit + 1; *skip is set by a `crash` step at any depth. */
static uint64_t work(const scn_step_t *s, uint64_t limit, int *skip)
{
    uint64_t n = 0;
    for (; s && n <= limit; s = s->next) {
        if (s->kind == SCN_S_CRASH)
            *skip = 1;
        uint64_t body = s->body ? work(s->body, limit, skip) : 0;
        if (s->kind == SCN_S_REPEAT)
            body = s->count && body > limit / s->count ? limit + 1
                                                       : body * s->count;
        n += 1 + (body > limit ? limit + 1 : body);
    }
    return n > limit ? limit + 1 : n;
}

static uint64_t ext_work(const scn_ext_t *e, uint64_t limit, int *skip)
{
    uint64_t n = 0;
    for (; e; e = e->next) {
        for (int h = 0; h < SCN_HOOK_COUNT; h++)
            n += work(e->hooks[h], limit, skip);
        n += ext_work(e->subs, limit, skip);
        if (n > limit)
            return limit + 1;
    }
    return n;
}

/* Whether m may run: no `crash` step, and at most FUZZ_WORK_LIMIT steps
 * over all its step lists. */
static int runnable(const scn_model_t *m)
{
    const uint64_t limit = FUZZ_WORK_LIMIT;
    uint64_t n = 0;
    int skip = 0;
    for (const scn_service_t *s = m->services; s; s = s->next) {
        n += ext_work(s->deps, limit, &skip);
        n += ext_work(s->eps, limit, &skip);
        for (const scn_method_t *me = s->methods; me; me = me->next)
            n += work(me->body, limit, &skip);
        if (n > limit)
            return 0;
    }
    for (const scn_actor_t *a = m->actors; a; a = a->next)
        n += work(a->body, limit, &skip);
    return !skip && n <= limit;
}

/* CSIM_FUZZ_VERBOSE=1: one line per run on stderr (which inputs ran,
 * and their verdicts), for looking at a corpus with fuzz-replay-run. */
static FILE *verbose(void)
{
    const char *e = getenv("CSIM_FUZZ_VERBOSE");
    return e && *e && strcmp(e, "0") != 0 ? stderr : NULL;
}

/* Set by a run in which a green thread overflowed its stack (a `crash`
 * event): sim abandons that thread with its frames, so a block only those
 * frames held is lost by design, and the leak check below does not apply. */
static int abandoned;

static void run_once(scn_model_t *m, sim_strategy_kind_t strategy,
                     uint64_t seed)
{
    scn_run_opts_t o = {.strategy = strategy, .seed = seed};
    scn_result_t *r = NULL;
    if (scn_run(m, &o, &r) < 0)
        return;
    for (size_t i = 0; i < r->n_events; i++)
        if (strcmp(r->events[i].kind, "crash") == 0)
            abandoned = 1;
    scn_verdict_t v;
    memset(&v, 0, sizeof(v));
    if (scn_check(m, r, &v) == 0) {
        scn_reporter_t rp = {.out = verbose() ? verbose() : fuzz_sink(),
                             .err = fuzz_sink(), .hash = 1};
        scn_report_result(&rp, m->path, m, r, &v);
        if (r->n_events <= FUZZ_REPORT_EVENTS) {
            rp.out = fuzz_sink();
            rp.trace = 1;
            scn_report_result(&rp, m->path, m, r, &v);
            rp.json = 1;
            scn_report_result(&rp, m->path, m, r, &v);
        }
    }
    scn_verdict_free(&v);
    scn_result_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Every input must give back every block it took (sim_alloc.h), so
     * a leak is found in any build, the plain replay test included, not
     * only under LeakSanitizer (finding F5). */
    long live0 = sim_alloc_live();
    scn_model_t *m = NULL;
    abandoned = 0;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    if (scn_parse("fuzz.scn", (const char *)data, size, &m, &d) < 0)
        return 0;
    if (verbose() && !runnable(m))
        fprintf(verbose(), "skipped: a crash step, or too much work\n");
    if (runnable(m)) {
        if (m->step_limit == 0 || m->step_limit > FUZZ_STEP_LIMIT)
            m->step_limit = FUZZ_STEP_LIMIT;
        if (m->time_limit <= 0 || m->time_limit > FUZZ_TIME_LIMIT)
            m->time_limit = FUZZ_TIME_LIMIT;
        run_once(m, SIM_STRATEGY_FIFO, 0);
        run_once(m, SIM_STRATEGY_RANDOM,
                 scn_fnv1a((const char *)data, size));
    }
    scn_model_free(m);
    if (!abandoned && sim_alloc_live() != live0) {
        fprintf(stderr, "fuzz_run: %ld block(s) leaked by this input\n",
                sim_alloc_live() - live0);
        abort();
    }
    return 0;
}
