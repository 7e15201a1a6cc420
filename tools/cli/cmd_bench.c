/* `lat bench <kind> ...`: dispatches to the benchmark of that kind. */
#include "bench.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const struct { const char *name; int (*run)(int, char **); } kinds[] = {
    { "nn", bench_nn },
    { "rd", bench_rd },
    { "lossless", bench_lossless },
};

int cmd_bench(int argc, char **argv)
{
    /* argv[0] is "bench" */
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(stderr, "usage: lat bench <kind> [options]   (kinds:");
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            fprintf(stderr, " %s", kinds[i].name);
        fprintf(stderr, ")\n");
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(argv[1], kinds[i].name) == 0)
            return kinds[i].run(argc - 1, argv + 1);
    fprintf(stderr, "lat bench: unknown benchmark '%s' (known:", argv[1]);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        fprintf(stderr, " %s", kinds[i].name);
    fprintf(stderr, ")\n");
    return 2;
}
