/*
 * variant.c - the preset table (spec/container.md 2.2) and switch names
 * (2.3).  Each preset is written out in full, so a row reads as the
 * release it models; the test suite checks each against the spec table.
 */
#include <stddef.h>
#include <string.h>

#include "sim.h"
#include "variant.h"

typedef struct switch_desc {
    const char *name;
    size_t offset;
    const char *const *values;
    size_t n_values;
} switch_desc_t;

#define VALUES(...) (const char *const[]){__VA_ARGS__}
#define NVALUES(...) (sizeof(VALUES(__VA_ARGS__)) / sizeof(const char *))
#define SWITCH(field, ...)                                                   \
    {#field, offsetof(ctr_variant_t, field), VALUES(__VA_ARGS__),            \
     NVALUES(__VA_ARGS__)}

static const switch_desc_t switches[] = {
    SWITCH(kill_reentry, "none", "fallthrough", "return"),
    SWITCH(stop_during_kill, "run", "wait"),
    SWITCH(send_guard, "off", "on"),
    SWITCH(spawn_guard, "off", "entry", "admit"),
    SWITCH(kill_arg, "required", "optional"),
    SWITCH(ext_kill_arg, "exc", "none"),
    SWITCH(kill_timeout, "on", "off"),
    SWITCH(kill_order, "A", "B", "C"),
    SWITCH(safe_ext_kill, "off", "on", "all"),
    SWITCH(stop_tail, "none", "active", "active_protected", "managed"),
    SWITCH(hr_pos, "before", "after"),
    SWITCH(hr_returns, "ignored", "replaces"),
    SWITCH(result_form, "exception", "exc_info"),
    SWITCH(lifecycle, "parallel_all", "parallel_deps", "sequential"),
    SWITCH(registry, "set", "set_protected", "dict_protected", "split"),
    SWITCH(killed_log, "warning", "debug"),
    SWITCH(error_log, "error", "critical"),
    SWITCH(runner_wait, "all", "fail_fast", "safe"),
    SWITCH(kill_thread, "caller", "thread"),
    SWITCH(stop_guard, "off", "on"),
};

#define N_SWITCHES (sizeof(switches) / sizeof(switches[0]))

typedef struct preset {
    const char *name;
    const char *summary;
    ctr_variant_t v;
} preset_t;

/* Field order: kill_reentry stop_during_kill send_guard spawn_guard
 * kill_arg ext_kill_arg kill_timeout kill_order safe_ext_kill stop_tail
 * hr_pos hr_returns result_form lifecycle registry killed_log error_log
 * runner_wait kill_thread stop_guard. */
static const preset_t presets[] = {
    {"V1", "unreleased first kill (2013-11-08..14): no kill guard",
     {CTR_REENTRY_NONE, CTR_STOP_DURING_KILL_RUN, CTR_SEND_GUARD_OFF,
      CTR_SPAWN_GUARD_OFF, CTR_KILL_ARG_REQUIRED, CTR_EXT_KILL_ARG_EXC,
      CTR_KILL_TIMEOUT_ON, CTR_KILL_ORDER_A, CTR_SAFE_KILL_OFF,
      CTR_STOP_TAIL_ACTIVE, CTR_HR_BEFORE, CTR_HR_IGNORED,
      CTR_RESULT_EXCEPTION, CTR_LIFECYCLE_PARALLEL_ALL, CTR_REGISTRY_SET,
      CTR_KILLED_LOG_WARNING, CTR_ERROR_LOG_ERROR, CTR_RUNNER_WAIT_ALL,
      CTR_KILL_IN_CALLER, CTR_STOP_GUARD_OFF}},
    {"v1.0.0", "V2: kill guard that waits and falls through (#75)",
     {CTR_REENTRY_FALLTHROUGH, CTR_STOP_DURING_KILL_RUN, CTR_SEND_GUARD_OFF,
      CTR_SPAWN_GUARD_OFF, CTR_KILL_ARG_REQUIRED, CTR_EXT_KILL_ARG_EXC,
      CTR_KILL_TIMEOUT_ON, CTR_KILL_ORDER_A, CTR_SAFE_KILL_OFF,
      CTR_STOP_TAIL_ACTIVE, CTR_HR_BEFORE, CTR_HR_IGNORED,
      CTR_RESULT_EXCEPTION, CTR_LIFECYCLE_PARALLEL_ALL, CTR_REGISTRY_SET,
      CTR_KILLED_LOG_WARNING, CTR_ERROR_LOG_ERROR, CTR_RUNNER_WAIT_ALL,
      CTR_KILL_IN_CALLER, CTR_STOP_GUARD_OFF}},
    {"v1.2.2", "V3: kill order B, protected threads, fail-fast runner wait "
               "(#92, #98)",
     {CTR_REENTRY_FALLTHROUGH, CTR_STOP_DURING_KILL_RUN, CTR_SEND_GUARD_OFF,
      CTR_SPAWN_GUARD_OFF, CTR_KILL_ARG_REQUIRED, CTR_EXT_KILL_ARG_EXC,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_B, CTR_SAFE_KILL_OFF,
      CTR_STOP_TAIL_ACTIVE_PROTECTED, CTR_HR_BEFORE, CTR_HR_IGNORED,
      CTR_RESULT_EXCEPTION, CTR_LIFECYCLE_PARALLEL_ALL,
      CTR_REGISTRY_SET_PROTECTED, CTR_KILLED_LOG_WARNING, CTR_ERROR_LOG_ERROR,
      CTR_RUNNER_WAIT_FAIL_FAST, CTR_KILL_IN_CALLER, CTR_STOP_GUARD_OFF}},
    {"v1.2.3", "V3: handle_result after teardown (#99)",
     {CTR_REENTRY_FALLTHROUGH, CTR_STOP_DURING_KILL_RUN, CTR_SEND_GUARD_OFF,
      CTR_SPAWN_GUARD_OFF, CTR_KILL_ARG_REQUIRED, CTR_EXT_KILL_ARG_EXC,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_B, CTR_SAFE_KILL_OFF,
      CTR_STOP_TAIL_ACTIVE_PROTECTED, CTR_HR_AFTER, CTR_HR_IGNORED,
      CTR_RESULT_EXCEPTION, CTR_LIFECYCLE_PARALLEL_ALL,
      CTR_REGISTRY_SET_PROTECTED, CTR_KILLED_LOG_WARNING, CTR_ERROR_LOG_ERROR,
      CTR_RUNNER_WAIT_FAIL_FAST, CTR_KILL_IN_CALLER, CTR_STOP_GUARD_OFF}},
    {"v1.5.0", "V4: optional exc_info, stop waits during a kill, kill guard returns (#118)",
     {CTR_REENTRY_RETURN, CTR_STOP_DURING_KILL_WAIT, CTR_SEND_GUARD_OFF,
      CTR_SPAWN_GUARD_OFF, CTR_KILL_ARG_OPTIONAL, CTR_EXT_KILL_ARG_NONE,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_B, CTR_SAFE_KILL_OFF,
      CTR_STOP_TAIL_ACTIVE_PROTECTED, CTR_HR_AFTER, CTR_HR_IGNORED,
      CTR_RESULT_EXCEPTION, CTR_LIFECYCLE_PARALLEL_ALL,
      CTR_REGISTRY_SET_PROTECTED, CTR_KILLED_LOG_WARNING, CTR_ERROR_LOG_ERROR,
      CTR_RUNNER_WAIT_FAIL_FAST, CTR_KILL_IN_CALLER, CTR_STOP_GUARD_OFF}},
    {"v1.7.0", "V5: ContainerBeingKilled on spawn (#129)",
     {CTR_REENTRY_RETURN, CTR_STOP_DURING_KILL_WAIT, CTR_SEND_GUARD_OFF,
      CTR_SPAWN_GUARD_ENTRY, CTR_KILL_ARG_OPTIONAL, CTR_EXT_KILL_ARG_NONE,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_B, CTR_SAFE_KILL_OFF,
      CTR_STOP_TAIL_ACTIVE_PROTECTED, CTR_HR_AFTER, CTR_HR_IGNORED,
      CTR_RESULT_EXCEPTION, CTR_LIFECYCLE_PARALLEL_ALL,
      CTR_REGISTRY_SET_PROTECTED, CTR_KILLED_LOG_WARNING, CTR_ERROR_LOG_ERROR,
      CTR_RUNNER_WAIT_FAIL_FAST, CTR_KILL_IN_CALLER, CTR_STOP_GUARD_OFF}},
    {"v1.7.2", "V5: handle_result before worker_result again (#132)",
     {CTR_REENTRY_RETURN, CTR_STOP_DURING_KILL_WAIT, CTR_SEND_GUARD_OFF,
      CTR_SPAWN_GUARD_ENTRY, CTR_KILL_ARG_OPTIONAL, CTR_EXT_KILL_ARG_NONE,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_B, CTR_SAFE_KILL_OFF,
      CTR_STOP_TAIL_ACTIVE_PROTECTED, CTR_HR_BEFORE, CTR_HR_IGNORED,
      CTR_RESULT_EXCEPTION, CTR_LIFECYCLE_PARALLEL_ALL,
      CTR_REGISTRY_SET_PROTECTED, CTR_KILLED_LOG_WARNING, CTR_ERROR_LOG_ERROR,
      CTR_RUNNER_WAIT_FAIL_FAST, CTR_KILL_IN_CALLER, CTR_STOP_GUARD_OFF}},
    {"v1.10.0", "V5: exc_info tuples (v1.8.0), handle_result returns (#139)",
     {CTR_REENTRY_RETURN, CTR_STOP_DURING_KILL_WAIT, CTR_SEND_GUARD_OFF,
      CTR_SPAWN_GUARD_ENTRY, CTR_KILL_ARG_OPTIONAL, CTR_EXT_KILL_ARG_NONE,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_B, CTR_SAFE_KILL_OFF,
      CTR_STOP_TAIL_ACTIVE_PROTECTED, CTR_HR_BEFORE, CTR_HR_REPLACES,
      CTR_RESULT_EXC_INFO, CTR_LIFECYCLE_PARALLEL_ALL,
      CTR_REGISTRY_SET_PROTECTED, CTR_KILLED_LOG_WARNING, CTR_ERROR_LOG_ERROR,
      CTR_RUNNER_WAIT_FAIL_FAST, CTR_KILL_IN_CALLER, CTR_STOP_GUARD_OFF}},
    {"v1.11.3", "V5: dict registry, per-worker kill warnings (#158)",
     {CTR_REENTRY_RETURN, CTR_STOP_DURING_KILL_WAIT, CTR_SEND_GUARD_OFF,
      CTR_SPAWN_GUARD_ENTRY, CTR_KILL_ARG_OPTIONAL, CTR_EXT_KILL_ARG_NONE,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_B, CTR_SAFE_KILL_OFF,
      CTR_STOP_TAIL_ACTIVE_PROTECTED, CTR_HR_BEFORE, CTR_HR_REPLACES,
      CTR_RESULT_EXC_INFO, CTR_LIFECYCLE_PARALLEL_ALL,
      CTR_REGISTRY_DICT_PROTECTED, CTR_KILLED_LOG_WARNING,
      CTR_ERROR_LOG_ERROR, CTR_RUNNER_WAIT_FAIL_FAST, CTR_KILL_IN_CALLER,
      CTR_STOP_GUARD_OFF}},
    {"v1.13.0", "V5: safe extension kill (#174)",
     {CTR_REENTRY_RETURN, CTR_STOP_DURING_KILL_WAIT, CTR_SEND_GUARD_OFF,
      CTR_SPAWN_GUARD_ENTRY, CTR_KILL_ARG_OPTIONAL, CTR_EXT_KILL_ARG_NONE,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_B, CTR_SAFE_KILL_ON,
      CTR_STOP_TAIL_ACTIVE_PROTECTED, CTR_HR_BEFORE, CTR_HR_REPLACES,
      CTR_RESULT_EXC_INFO, CTR_LIFECYCLE_PARALLEL_ALL,
      CTR_REGISTRY_DICT_PROTECTED, CTR_KILLED_LOG_WARNING,
      CTR_ERROR_LOG_ERROR, CTR_RUNNER_WAIT_FAIL_FAST, CTR_KILL_IN_CALLER,
      CTR_STOP_GUARD_OFF}},
    {"v2.0.0", "V6: extensions, guarded sends (#200), killed-thread debug",
     {CTR_REENTRY_RETURN, CTR_STOP_DURING_KILL_WAIT, CTR_SEND_GUARD_ON,
      CTR_SPAWN_GUARD_ENTRY, CTR_KILL_ARG_OPTIONAL, CTR_EXT_KILL_ARG_NONE,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_B, CTR_SAFE_KILL_ON,
      CTR_STOP_TAIL_ACTIVE_PROTECTED, CTR_HR_BEFORE, CTR_HR_REPLACES,
      CTR_RESULT_EXC_INFO, CTR_LIFECYCLE_PARALLEL_DEPS,
      CTR_REGISTRY_DICT_PROTECTED, CTR_KILLED_LOG_DEBUG, CTR_ERROR_LOG_ERROR,
      CTR_RUNNER_WAIT_FAIL_FAST, CTR_KILL_IN_CALLER, CTR_STOP_GUARD_OFF}},
    {"v2.4.0", "V7: worker/managed split, kill order C (#324)",
     {CTR_REENTRY_RETURN, CTR_STOP_DURING_KILL_WAIT, CTR_SEND_GUARD_ON,
      CTR_SPAWN_GUARD_ENTRY, CTR_KILL_ARG_OPTIONAL, CTR_EXT_KILL_ARG_NONE,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_C, CTR_SAFE_KILL_ON,
      CTR_STOP_TAIL_MANAGED, CTR_HR_BEFORE, CTR_HR_REPLACES,
      CTR_RESULT_EXC_INFO, CTR_LIFECYCLE_PARALLEL_DEPS, CTR_REGISTRY_SPLIT,
      CTR_KILLED_LOG_DEBUG, CTR_ERROR_LOG_ERROR, CTR_RUNNER_WAIT_FAIL_FAST,
      CTR_KILL_IN_CALLER, CTR_STOP_GUARD_OFF}},
    {"v2.5.1", "V8: sequential worker lifecycle (#394)",
     {CTR_REENTRY_RETURN, CTR_STOP_DURING_KILL_WAIT, CTR_SEND_GUARD_ON,
      CTR_SPAWN_GUARD_ENTRY, CTR_KILL_ARG_OPTIONAL, CTR_EXT_KILL_ARG_NONE,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_C, CTR_SAFE_KILL_ON,
      CTR_STOP_TAIL_MANAGED, CTR_HR_BEFORE, CTR_HR_REPLACES,
      CTR_RESULT_EXC_INFO, CTR_LIFECYCLE_SEQUENTIAL, CTR_REGISTRY_SPLIT,
      CTR_KILLED_LOG_DEBUG, CTR_ERROR_LOG_ERROR, CTR_RUNNER_WAIT_FAIL_FAST,
      CTR_KILL_IN_CALLER, CTR_STOP_GUARD_OFF}},
    {"current", "V9: v2.9.1 up to master: error and critical log levels (#547)",
     {CTR_REENTRY_RETURN, CTR_STOP_DURING_KILL_WAIT, CTR_SEND_GUARD_ON,
      CTR_SPAWN_GUARD_ENTRY, CTR_KILL_ARG_OPTIONAL, CTR_EXT_KILL_ARG_NONE,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_C, CTR_SAFE_KILL_ON,
      CTR_STOP_TAIL_MANAGED, CTR_HR_BEFORE, CTR_HR_REPLACES,
      CTR_RESULT_EXC_INFO, CTR_LIFECYCLE_SEQUENTIAL, CTR_REGISTRY_SPLIT,
      CTR_KILLED_LOG_DEBUG, CTR_ERROR_LOG_CRITICAL,
      CTR_RUNNER_WAIT_FAIL_FAST, CTR_KILL_IN_CALLER, CTR_STOP_GUARD_OFF}},
    {"hardened", "csim's container: current with every race of the spec closed",
     {CTR_REENTRY_RETURN, CTR_STOP_DURING_KILL_WAIT, CTR_SEND_GUARD_ON,
      CTR_SPAWN_GUARD_ADMIT, CTR_KILL_ARG_OPTIONAL, CTR_EXT_KILL_ARG_NONE,
      CTR_KILL_TIMEOUT_OFF, CTR_KILL_ORDER_C, CTR_SAFE_KILL_ALL,
      CTR_STOP_TAIL_MANAGED, CTR_HR_BEFORE, CTR_HR_REPLACES,
      CTR_RESULT_EXC_INFO, CTR_LIFECYCLE_SEQUENTIAL, CTR_REGISTRY_SPLIT,
      CTR_KILLED_LOG_DEBUG, CTR_ERROR_LOG_CRITICAL, CTR_RUNNER_WAIT_SAFE,
      CTR_KILL_IN_THREAD, CTR_STOP_GUARD_ON}},
};

#define N_PRESETS (sizeof(presets) / sizeof(presets[0]))

size_t ctr_preset_count(void)
{
    return N_PRESETS;
}

const char *ctr_preset_name(size_t i)
{
    return i < N_PRESETS ? presets[i].name : NULL;
}

const char *ctr_preset_summary(size_t i)
{
    return i < N_PRESETS ? presets[i].summary : NULL;
}

int ctr_variant_preset(const char *name, ctr_variant_t *out)
{
    for (size_t i = 0; name && i < N_PRESETS; i++) {
        if (strcmp(presets[i].name, name) == 0) {
            if (out)
                *out = presets[i].v;
            return 0;
        }
    }
    return SIM_EINVAL;
}

const ctr_variant_t *ctr_variant_current(void)
{
    for (size_t i = 0; i < N_PRESETS; i++)
        if (strcmp(presets[i].name, "current") == 0)
            return &presets[i].v;
    return NULL; /* unreachable: the table has "current" */
}

size_t ctr_switch_count(void)
{
    return N_SWITCHES;
}

const char *ctr_switch_name(size_t i)
{
    return i < N_SWITCHES ? switches[i].name : NULL;
}

size_t ctr_switch_value_count(size_t i)
{
    return i < N_SWITCHES ? switches[i].n_values : 0;
}

const char *ctr_switch_value_name(size_t i, size_t v)
{
    if (i >= N_SWITCHES || v >= switches[i].n_values)
        return NULL;
    return switches[i].values[v];
}

unsigned ctr_variant_get(const ctr_variant_t *v, size_t i)
{
    if (!v || i >= N_SWITCHES)
        return 0;
    return ((const unsigned char *)v)[switches[i].offset];
}

int ctr_switch_find(const char *name)
{
    for (size_t i = 0; name && i < N_SWITCHES; i++)
        if (strcmp(switches[i].name, name) == 0)
            return (int)i;
    return -1;
}

int ctr_variant_set(ctr_variant_t *v, const char *name, const char *value)
{
    int i = ctr_switch_find(name);

    if (!v || i < 0 || !value)
        return SIM_EINVAL;
    for (size_t k = 0; k < switches[i].n_values; k++) {
        if (strcmp(switches[i].values[k], value) == 0) {
            ((unsigned char *)v)[switches[i].offset] = (unsigned char)k;
            return 0;
        }
    }
    return SIM_EINVAL;
}
