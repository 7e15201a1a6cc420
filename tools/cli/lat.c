/* The lat command-line tool: `lat <command> [options]`. Each command is one
 * cmd_*.c file; adding one is a line in the table below (and its source in
 * tools/meson.build). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "lat.h"

typedef struct Command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
} Command;

static const Command commands[] = {
    {"encode", cmd_encode, "compress an image (PNG, JPEG, PPM/PGM) into a .lat file"},
    {"decode", cmd_decode, "decompress a .lat file into PNG or PPM/PGM"},
    {"info", cmd_info, "show what a .lat file contains"},
    {"compare", cmd_compare, "PSNR between two images; JPEG/PNG reference sizes"},
    {"bench", cmd_bench, "benchmarks: nn (engine speed), rd, lossless"},
    {"train", cmd_train, "train the lossy model on folders of photos"},
    {"classify", cmd_classify, "classify images from their compressed latents (Fashion-MNIST)"},
};

static void print_help(FILE *f)
{
    fprintf(f, "lat %s: a learned image codec\n\n"
               "usage: lat <command> [options]   (lat <command> --help for details)\n\n"
               "commands:\n",
            lat_version());
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n  --help, -h     this help\n  --version      print the version (with -v: and the\n"
               "                 OpenBLAS kernel in use and the best for this CPU)\n"
               "\ntrain, bench nn and classify run OpenBLAS's best kernel for the CPU: when\n"
               "OPENBLAS_CORETYPE is not set and OpenBLAS chose a slower one, lat sets it and\n"
               "restarts itself. The other commands run on lat's own threads: unless\n"
               "OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or OMP_NUM_THREADS is set, lat sets\n"
               "OPENBLAS_NUM_THREADS=1 for them the same way.\n");
}

static int verbose_asked(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0)
            return 1;
    return 0;
}

/* The commands that run BLAS (train, bench nn, classify), and --version
 * (which reports their kernel). Encode, decode, info, compare and the
 * other benchmarks run on lat's own kernels and threads. */
static int uses_blas(int argc, char **argv)
{
    static const char *const names[] = {"train", "classify", "--version", "-V"};
    if (strcmp(argv[1], "bench") == 0)
        return argc > 2 && strcmp(argv[2], "nn") == 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(argv[1], names[i]) == 0)
            return 1;
    return 0;
}

static int blas_threads_set(void)
{
    return getenv("OPENBLAS_NUM_THREADS") || getenv("GOTO_NUM_THREADS")
           || getenv("OMP_NUM_THREADS");
}

/* OpenBLAS reads its environment when it loads, before main, so lat sets
 * it and runs itself again (the variables now set stop a second round;
 * explicit ones are always honoured):
 * - the BLAS commands get OPENBLAS_CORETYPE when OpenBLAS chose a kernel
 *   slower than the best for this CPU;
 * - the others get OPENBLAS_NUM_THREADS=1: their few sgemm calls run on
 *   lat's own threads, and an OpenBLAS pool would only spin beside them
 *   (a kodim01 decode at --threads 1 used 1.2 cores' time, not 1). */
static void restart_with_blas_env(int argc, char **argv)
{
    if (argc < 2)
        return;
    const char *var, *value;
    LatBlasKernel k;
    if (!uses_blas(argc, argv)) {
        if (blas_threads_set())
            return;
        var = "OPENBLAS_NUM_THREADS";
        value = "1";
    } else {
        if (lat_blas_kernel(&k) < 0 || k.coretype_set || !k.below_best)
            return;
        var = "OPENBLAS_CORETYPE";
        value = k.best;
    }
    if (setenv(var, value, 1) == 0)
        execv("/proc/self/exe", argv);
    if (verbose_asked(argc, argv))   /* the exec failed: go on as OpenBLAS started */
        fprintf(stderr, "lat: cannot restart with %s=%s (%s); going on without\n", var, value,
                strerror(errno));
    unsetenv(var);
}

static void print_version(int verbose)
{
    printf("lat %s\n", lat_version());
    LatBlasKernel k;
    if (verbose && lat_blas_kernel(&k) == 0)
        printf("OpenBLAS kernel: %s\n", k.text);
}

/* Output lost on stdout (a full disk, `lat info x.lat > /dev/full`) is a
 * failure too: exit 1 with one line, unless the command already failed. */
static int check_stdout(const char *name, int rc)
{
    errno = 0;
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0) {
        fprintf(stderr, "lat %s: cannot write stdout: %s\n", name,
                errno ? strerror(errno) : "write error");
        return 1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    restart_with_blas_env(argc, argv);
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_help(stdout);
        return check_stdout("help", 0);
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        print_version(verbose_asked(argc, argv));
        return check_stdout("version", 0);
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(name, commands[i].name) == 0)
            return check_stdout(name, commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "lat: unknown command '%s' (see lat --help)\n", name);
    return 2;
}
