/*
 * fuzz_sink.c - fuzz_sink(): the reporters' output goes nowhere, but every
 * byte of it is still formatted.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

FILE *fuzz_sink(void)
{
    static FILE *sink;
    if (!sink) {
        sink = fopen("/dev/null", "w");
        if (!sink)
            abort();
    }
    return sink;
}
