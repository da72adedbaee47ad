/*
 * fuzz.h - what the fuzz targets of tests/fuzz/ share.  Each target is one
 * LLVMFuzzerTestOneInput; it links either with libFuzzer (CSIM_FUZZ=ON,
 * clang: coverage-guided fuzzing) or with replay_main.c (any build: feeds
 * every file of the directories it is given, for ctest).  README.md in this
 * folder says how to build and run them.
 */
#ifndef CSIM_FUZZ_H
#define CSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A sink for reporters: /dev/null, opened once and kept open (a stream
 * that lives as long as the process is not a leak). */
FILE *fuzz_sink(void);

#endif /* CSIM_FUZZ_H */
