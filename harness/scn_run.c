/*
 * scn_run.c - one run of a model: build the world, the containers (from the
 * model's services) and the runner, spawn the actors, run the hub to the
 * end, and copy out everything the checker and reporters need before the
 * world is freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_rt.h"
#include "sim_uv.h"
#include "sim_alloc.h"

static ctr_ext_decl_t *build_decl(scn_rt_t *rt, scn_svcrt_t *sr,
                                  const scn_ext_t *e)
{
    scn_arena_t *a = &rt->arena;
    ctr_ext_decl_t *d = scn_arena_alloc(a, sizeof(*d));
    scn_extrt_t *er = scn_arena_alloc(a, sizeof(*er));
    if (!d || !er)
        return NULL;
    er->rt = rt;
    er->svc = sr;
    er->ext = e;
    d->kind = e->kind;
    d->name = e->name;
    d->method = e->kind == CTR_ENTRYPOINT ? e->method : NULL;
    d->shared = e->shared;
    d->sharing_key = e->key;
    d->collector = e->collector;
    d->expected = e->expected;
    d->n_expected = e->n_expected;
    d->ops = &scn__ext_ops;
    d->user = er;
    if (e->timer) {
        char name[256];
        snprintf(name, sizeof(name), "%s.should_stop", e->name);
        if (sim_event_new(rt->w, name, &er->should_stop) < 0)
            return NULL;
    }
    size_t n = 0;
    for (const scn_ext_t *s = e->subs; s; s = s->next)
        n++;
    if (n) {
        const ctr_ext_decl_t **subs = scn_arena_alloc(a, n * sizeof(*subs));
        if (!subs)
            return NULL;
        size_t i = 0;
        for (const scn_ext_t *s = e->subs; s; s = s->next) {
            subs[i] = build_decl(rt, sr, s);
            if (!subs[i])
                return NULL;
            i++;
        }
        d->subs = (const ctr_ext_decl_t *const *)subs;
        d->n_subs = n;
    }
    return d;
}

static int build_list(scn_rt_t *rt, scn_svcrt_t *sr, const scn_ext_t *list,
                      const ctr_ext_decl_t *const **out, size_t *n_out)
{
    size_t n = 0;
    for (const scn_ext_t *e = list; e; e = e->next)
        n++;
    *n_out = n;
    *out = NULL;
    if (!n)
        return 0;
    const ctr_ext_decl_t **arr = scn_arena_alloc(&rt->arena, n * sizeof(*arr));
    if (!arr)
        return SCN_ENOMEM;
    size_t i = 0;
    for (const scn_ext_t *e = list; e; e = e->next) {
        arr[i] = build_decl(rt, sr, e);
        if (!arr[i++])
            return SCN_ENOMEM;
    }
    *out = (const ctr_ext_decl_t *const *)arr;
    return 0;
}

static int build_service(scn_rt_t *rt, scn_svcrt_t *sr)
{
    const scn_service_t *s = sr->svc;
    sr->rt = rt;
    sr->def.name = s->name;
    sr->def.max_workers = s->max_workers;
    if (build_list(rt, sr, s->deps, &sr->def.dependencies,
                   &sr->def.n_dependencies) < 0 ||
        build_list(rt, sr, s->eps, &sr->def.entrypoints,
                   &sr->def.n_entrypoints) < 0)
        return SCN_ENOMEM;
    size_t n = 0;
    for (const scn_method_t *m = s->methods; m; m = m->next)
        n++;
    if (n) {
        ctr_method_t *ms = scn_arena_alloc(&rt->arena, n * sizeof(*ms));
        if (!ms)
            return SCN_ENOMEM;
        size_t i = 0;
        for (const scn_method_t *m = s->methods; m; m = m->next, i++) {
            scn_methrt_t *mr = scn_arena_alloc(&rt->arena, sizeof(*mr));
            if (!mr)
                return SCN_ENOMEM;
            mr->rt = rt;
            mr->svc = sr;
            mr->method = m;
            ms[i].name = m->name;
            ms[i].fn = scn__method;
            ms[i].user = mr;
        }
        sr->def.methods = ms;
        sr->def.n_methods = n;
    }
    return ctr_container_new_variant(rt->w, &sr->def, &rt->variant, &sr->c) < 0
               ? SCN_ERUN
               : 0;
}

static char *dup_or_empty(const char *s) { return sim_alloc_strdup(s ? s : ""); }

typedef struct blocked_acc {
    scn_result_t *r;
    int oom;
} blocked_acc_t;

static void on_blocked(void *arg, const sim_thread_t *t, const char *waiting_on)
{
    blocked_acc_t *acc = arg;
    scn_result_t *r = acc->r;
    scn_blocked_t *nb = sim_realloc(r->blocked, (r->n_blocked + 1) * sizeof(*nb));
    if (!nb) {
        acc->oom = 1;
        return;
    }
    r->blocked = nb;
    scn_blocked_t *b = &nb[r->n_blocked];
    b->id = sim_thread_id(t);
    b->name = dup_or_empty(sim_thread_name(t));
    b->waiting_on = dup_or_empty(waiting_on);
    if (!b->name || !b->waiting_on) {
        sim_free(b->name);
        sim_free(b->waiting_on);
        acc->oom = 1;
        return;
    }
    r->n_blocked++;
}

/* Copy the trace, and learn thread names: ids count up from 1 in spawn
 * order, and each spawn event names the new thread. */
static int copy_choices(sim_world_t *w, scn_result_t *r)
{
    const uint32_t *ans;
    size_t n = sim_choices(w, &ans);
    r->choices = sim_calloc(n ? n : 1, sizeof(*r->choices));
    if (!r->choices)
        return SCN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        sim_choice_kind_t k = SIM_CHOICE_READY;
        unsigned cn = 0;
        sim_choice_info(w, i, &k, &cn);
        r->choices[i].answer = ans[i];
        r->choices[i].n = cn;
        r->choices[i].kind = (uint8_t)k;
    }
    r->n_choices = n;
    return 0;
}

static int copy_trace(scn_rt_t *rt, scn_result_t *r)
{
    size_t n = sim_trace_count(rt->w);
    r->events = sim_calloc(n ? n : 1, sizeof(*r->events));
    if (!r->events)
        return SCN_ENOMEM;
    size_t spawns = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(sim_trace_get(rt->w, i)->kind, "spawn") == 0)
            spawns++;
    r->thread_names = sim_calloc(spawns + 1, sizeof(char *));
    if (!r->thread_names)
        return SCN_ENOMEM;
    r->n_thread_names = spawns + 1;
    size_t next_id = 1;
    for (size_t i = 0; i < n; i++) {
        const sim_trace_event_t *te = sim_trace_get(rt->w, i);
        scn_event_t *e = &r->events[i];
        e->seq = te->seq;
        e->step = te->step;
        e->time = te->time;
        e->thread = te->thread;
        e->kind = dup_or_empty(te->kind);
        e->subject = dup_or_empty(te->subject);
        e->detail = dup_or_empty(te->detail);
        r->n_events = i + 1;
        if (!e->kind || !e->subject || !e->detail)
            return SCN_ENOMEM;
        if (strcmp(te->kind, "spawn") == 0) {
            /* sim says "id=N"; otherwise assume spawn order. */
            size_t id = next_id++;
            if (strncmp(te->detail, "id=", 3) == 0)
                id = (size_t)strtoul(te->detail + 3, NULL, 10);
            if (id < r->n_thread_names && !r->thread_names[id]) {
                r->thread_names[id] = dup_or_empty(te->subject);
                if (!r->thread_names[id])
                    return SCN_ENOMEM;
            }
        }
    }
    return 0;
}

int scn__rt_build(scn_rt_t *rt)
{
    const scn_model_t *m = rt->m;
    int rc = 0;
    rt->events = scn_arena_alloc(&rt->arena,
                                 (m->n_events + 1) * sizeof(*rt->events));
    rt->svcs = scn_arena_alloc(&rt->arena,
                               (m->n_services + 1) * sizeof(*rt->svcs));
    if (!rt->events || !rt->svcs)
        return SCN_ENOMEM;
    for (size_t i = 0; i < m->n_events; i++)
        if (sim_event_new(rt->w, m->events[i], &rt->events[i]) < 0)
            return SCN_ERUN;
    /* One object per named error per run: identity is what `raises NAME`
     * checks. */
    rt->errors = scn_arena_alloc(&rt->arena,
                                 (m->n_errors + 1) * sizeof(*rt->errors));
    if (!rt->errors)
        return SCN_ENOMEM;
    for (size_t i = 0; i < m->n_errors; i++) {
        const scn_errspec_t *e = &m->errors[i].spec;
        rt->errors[i] = scn__new_error(rt->w, e->type, e->message);
        if (!rt->errors[i])
            return SCN_ENOMEM;
    }
    for (const scn_service_t *s = m->services; rc == 0 && s; s = s->next) {
        rt->svcs[s->index].svc = s;
        rc = build_service(rt, &rt->svcs[s->index]);
    }
    if (rc == 0 && m->has_runner) {
        if (ctr_runner_new_variant(rt->w, &rt->variant, &rt->runner) < 0)
            return SCN_ERUN;
        for (size_t i = 0; i < m->n_runner; i++)
            if (ctr_runner_add(rt->runner,
                               rt->svcs[m->runner_svcs[i]->index].c) < 0)
                return SCN_ERUN;
    }
    return rc;
}

void scn__rt_free(scn_rt_t *rt)
{
    if (rt->runner)
        ctr_runner_free(rt->runner);
    if (rt->svcs)
        for (size_t i = 0; i < rt->m->n_services; i++)
            if (rt->svcs[i].c)
                ctr_container_free(rt->svcs[i].c);
    if (rt->w)
        sim_world_free(rt->w);
    scn_arena_free(&rt->arena);
    rt->runner = NULL;
    rt->svcs = NULL;
    rt->w = NULL;
}

/* A libuv loop for one real-time run (scn_run_opts_t.realtime). */
static uv_loop_t *loop_new(void)
{
    uv_loop_t *loop = sim_malloc(sizeof(*loop));
    if (loop && uv_loop_init(loop) != 0) {
        sim_free(loop);
        loop = NULL;
    }
    return loop;
}

/* After sim_world_free: let the world's handles close, then the loop. */
static void loop_free(uv_loop_t *loop)
{
    if (!loop)
        return;
    uv_run(loop, UV_RUN_DEFAULT);
    (void)uv_loop_close(loop);
    sim_free(loop);
}

int scn_run(const scn_model_t *m, const scn_run_opts_t *opts,
            scn_result_t **out)
{
    *out = NULL;
    unsigned long failures = sim_alloc_failures();
    scn_result_t *r = sim_calloc(1, sizeof(*r));
    if (!r)
        return SCN_ENOMEM;
    r->actors = sim_calloc(m->n_actors ? m->n_actors : 1, sizeof(*r->actors));
    r->svcs = sim_calloc(m->n_services ? m->n_services : 1, sizeof(*r->svcs));
    r->n_actor_slots = m->n_actors;
    for (size_t i = 0; r->actors && i < m->n_actors; i++)
        r->actors[i].named = -1;
    scn_rt_t rt = {.m = m, .res = r};
    uv_loop_t *loop = NULL;
    int rc = 0;
    if (!r->actors || !r->svcs)
        rc = SCN_ENOMEM;
    const char *preset = opts && opts->variant ? opts->variant : m->variant;
    if (!preset)
        preset = "current";
    snprintf(r->variant, sizeof(r->variant), "%s", preset);
    if (rc == 0 && scn_model_variant(m, preset, &rt.variant) < 0)
        rc = SCN_ERUN; /* an unknown preset: callers check names first */

    sim_config_t cfg = {0};
    cfg.strategy = opts ? opts->strategy : SIM_STRATEGY_FIFO;
    cfg.seed = opts ? opts->seed : 0;
    cfg.step_limit = m->step_limit;
    cfg.time_limit = m->time_limit;
    cfg.choices = opts && opts->choices ? opts->choices : m->explore_choices;
    if (!cfg.choices)
        cfg.choices = SIM_CHOICES_DEFAULT;
    r->choice_mask = cfg.choices;
    cfg.stack_pool = opts ? opts->stacks : NULL;
    if (rc == 0 && opts && opts->realtime) {
        /* The same limits as on the virtual clock (sim.h's defaults), the
         * time one in real time; no choices, nothing recorded. */
        if (!cfg.step_limit)
            cfg.step_limit = 1000000;
        if (!cfg.time_limit)
            cfg.time_limit = SIM_S(3600);
        r->choice_mask = 0;
        loop = loop_new();
        if (!loop || cfg.strategy != SIM_STRATEGY_FIFO || opts->n_prefix ||
            opts->chooser || sim_world_new_uv(&cfg, loop, &rt.w) < 0)
            rc = SCN_ERUN;
    } else if (rc == 0 && sim_world_new(&cfg, &rt.w) < 0) {
        rc = SCN_ERUN;
    }
    if (rc == 0 && opts && opts->n_prefix &&
        sim_world_set_prefix(rt.w, opts->prefix, opts->n_prefix) < 0)
        rc = SCN_ENOMEM;
    if (rc == 0 && opts && opts->chooser)
        sim_world_set_chooser(rt.w, opts->chooser, opts->chooser_arg);
    if (rc == 0 && opts && opts->attach)
        opts->attach(opts->chooser_arg, rt.w);

    if (rc == 0)
        rc = scn__rt_build(&rt);
    for (const scn_actor_t *a = m->actors; rc == 0 && a; a = a->next) {
        scn_cx_t *cx = scn_arena_alloc(&rt.arena, sizeof(*cx));
        if (!cx) {
            rc = SCN_ENOMEM;
            break;
        }
        cx->rt = &rt;
        cx->actor = a;
        if (sim_spawn(rt.w, a->name, scn__actor_main, cx, NULL) < 0)
            rc = SCN_ERUN;
    }
    if (rc == 0) {
        r->run_rc = sim_run(rt.w);
        r->hung = r->run_rc == SIM_EHUNG || r->run_rc == SIM_ELIMIT;
        r->end_time = sim_now(rt.w);
        r->end_steps = sim_steps(rt.w);
        blocked_acc_t acc = {.r = r};
        sim_blocked_threads(rt.w, on_blocked, &acc);
        for (const scn_service_t *s = m->services; s; s = s->next) {
            ctr_container_t *c = rt.svcs[s->index].c;
            r->svcs[s->index].dead = ctr_container_dead(c);
            r->svcs[s->index].workers = ctr_container_worker_count(c);
            r->svcs[s->index].managed = ctr_container_managed_count(c);
        }
        rc = copy_trace(&rt, r);
        if (rc == 0)
            rc = copy_choices(rt.w, r);
        if (rc == 0 && (acc.oom || rt.oom))
            rc = SCN_ENOMEM;
    }

    scn__rt_free(&rt);
    loop_free(loop);
    /* Whatever a failed allocation turned into on its way up (a lost trace
     * event, SCN_ERUN from a constructor, a MemoryError the scenario
     * expected), the run is not the scenario's: out of memory. */
    if (sim_alloc_failures() != failures)
        rc = SCN_ENOMEM;
    if (rc < 0) {
        scn_result_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void scn_result_free(scn_result_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_events; i++) {
        sim_free(r->events[i].kind);
        sim_free(r->events[i].subject);
        sim_free(r->events[i].detail);
    }
    sim_free(r->events);
    for (size_t i = 0; i < r->n_thread_names; i++)
        sim_free(r->thread_names[i]);
    sim_free(r->thread_names);
    for (size_t i = 0; i < r->n_blocked; i++) {
        sim_free(r->blocked[i].name);
        sim_free(r->blocked[i].waiting_on);
    }
    sim_free(r->blocked);
    for (size_t i = 0; i < r->n_ops; i++) {
        sim_free(r->ops[i].type);
        sim_free(r->ops[i].message);
    }
    sim_free(r->ops);
    if (r->actors)
        for (size_t i = 0; i < r->n_actor_slots; i++) {
            sim_free(r->actors[i].type);
            sim_free(r->actors[i].message);
        }
    sim_free(r->actors);
    sim_free(r->svcs);
    sim_free(r->choices);
    sim_free(r);
}
