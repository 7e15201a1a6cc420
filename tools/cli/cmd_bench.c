/* `lat bench <kind> ...`: dispatches to the benchmark of that kind. */
#include "bench.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const struct { const char *name; int (*run)(int, char **); const char *summary; } kinds[] = {
    { "nn", bench_nn, "engine speed: every layer of the model, GFLOP/s" },
    { "rd", bench_rd, "rate-distortion sweep against JPEG and the other codecs installed" },
    { "lossless", bench_lossless, "lossless mode against PNG, JPEG-LS and JPEG q100" },
};

/* On stdout for --help, as every other command's help; stderr on misuse. */
static void usage(FILE *f)
{
    fprintf(f, "usage: lat bench <kind> [options]   (lat bench <kind> --help for details)\n\n"
               "kinds:\n");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        fprintf(f, "  %-10s %s\n", kinds[i].name, kinds[i].summary);
}

int cmd_bench(int argc, char **argv)
{
    /* argv[0] is "bench" */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(argv[1], kinds[i].name) == 0)
            return kinds[i].run(argc - 1, argv + 1);
    fprintf(stderr, "lat bench: unknown benchmark '%s' (see lat bench --help)\n", argv[1]);
    return 2;
}
