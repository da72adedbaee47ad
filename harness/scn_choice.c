/*
 * scn_choice.c - names of the scheduler's choice kinds, as the `explore`
 * line and `--choices` write them.
 */
#include <stdio.h>
#include <string.h>

#include "scn.h"

static const char *const choice_names[SIM_CHOICE_KINDS] = {
    [SIM_CHOICE_READY] = "ready",     [SIM_CHOICE_WAKE_ORDER] = "wake",
    [SIM_CHOICE_EXT_ORDER] = "ext",   [SIM_CHOICE_TIMER_TIE] = "tie",
    [SIM_CHOICE_TIMER_EARLY] = "early",
};

unsigned scn_choice_bit(const char *name)
{
    for (unsigned k = 0; k < SIM_CHOICE_KINDS; k++)
        if (strcmp(name, choice_names[k]) == 0)
            return SIM_CHOICE_BIT(k);
    return 0;
}

int scn_choices_parse(const char *list, unsigned *mask)
{
    unsigned m = 0;
    char word[16];
    if (strcmp(list, "all") == 0) {
        *mask = SIM_CHOICES_ALL;
        return 0;
    }
    if (strcmp(list, "default") == 0) {
        *mask = SIM_CHOICES_DEFAULT;
        return 0;
    }
    while (*list) {
        size_t n = strcspn(list, ", ");
        if (n == 0 || n >= sizeof(word))
            return -1;
        memcpy(word, list, n);
        word[n] = '\0';
        unsigned bit = scn_choice_bit(word);
        if (!bit)
            return -1;
        m |= bit;
        list += n;
        while (*list == ',' || *list == ' ')
            list++;
    }
    if (!m)
        return -1;
    *mask = m;
    return 0;
}

void scn_choices_format(unsigned mask, char *buf, size_t n)
{
    size_t len = 0;
    if (n)
        buf[0] = '\0';
    for (unsigned k = 0; k < SIM_CHOICE_KINDS; k++) {
        if (!(mask & SIM_CHOICE_BIT(k)))
            continue;
        int w = snprintf(buf + len, n > len ? n - len : 0, "%s%s",
                         len ? "," : "", choice_names[k]);
        if (w > 0)
            len += (size_t)w;
    }
}
