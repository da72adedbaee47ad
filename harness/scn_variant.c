/*
 * scn_variant.c - a scenario's container variant: the preset of its
 * `variant` line (or the command line's --variant in its place) with the
 * line's switch overrides on top, and how reports name it.
 */
#include <stdio.h>
#include <string.h>

#include "scn.h"

int scn_preset_known(const char *name)
{
    return name && ctr_variant_preset(name, NULL) == 0;
}

void scn_preset_list(char *buf, size_t n)
{
    size_t k = 0;
    if (n)
        buf[0] = '\0';
    for (size_t i = 0; i < ctr_preset_count() && k < n; i++) {
        int w = snprintf(buf + k, n - k, "%s%s", i ? ", " : "",
                         ctr_preset_name(i));
        if (w < 0)
            return;
        k += (size_t)w;
    }
}

int scn_preset_check(const char *name, FILE *err)
{
    if (scn_preset_known(name))
        return 0;
    char known[300];
    scn_preset_list(known, sizeof(known));
    fprintf(err, "csim: unknown variant '%s' (known: %s)\n", name, known);
    return -1;
}

int scn_model_variant(const scn_model_t *m, const char *preset,
                      ctr_variant_t *out)
{
    if (!preset)
        preset = m->variant ? m->variant : "current";
    if (ctr_variant_preset(preset, out) < 0)
        return SCN_ESYNTAX;
    /* The parser checked every name and value. */
    for (size_t i = 0; i < m->n_switches; i++)
        if (ctr_variant_set(out, m->switches[i].name, m->switches[i].value) < 0)
            return SCN_ESYNTAX;
    return 0;
}

void scn_variant_label(const scn_model_t *m, const char *preset, char *buf,
                       size_t n)
{
    if (!preset)
        preset = m->variant ? m->variant : "current";
    if (!n)
        return;
    buf[0] = '\0';
    if (strcmp(preset, "current") == 0 && m->n_switches == 0)
        return;
    size_t k = (size_t)snprintf(buf, n, "%s", preset);
    for (size_t i = 0; i < m->n_switches && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, " %s=%s", m->switches[i].name,
                              m->switches[i].value);
}
