/* Fuzz targets (tests/fuzz/, docs/FUZZING.md). Each target file defines
 * both functions below; they are linked either with libFuzzer
 * (fuzzing_engine=libfuzzer) or with fuzz_main.c, a driver that replays
 * corpus files and directories given on the command line (the test suite). */
#ifndef LAT_FUZZ_H
#define LAT_FUZZ_H
#include <stddef.h>
#include <stdint.h>

/* Called once before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
/* Runs one input; any crash, sanitizer report or abort() is a finding. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fuzz targets keep images small so every input runs in milliseconds. */
#define FUZZ_MAX_PIXELS (1u << 18)

#endif
