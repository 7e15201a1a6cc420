/* Which deterministic kernel path runs: the best the CPU has (CPUID, with
 * the OS's register-state support), LAT_NN_PATH=c|avx2|avx512 when set and
 * supported, or whatever nn_det_force_path chose. All paths give the same
 * floats; the choice is only about speed. */
#include "det_conv.h"
#include "det_kernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static NnDetPath g_path = NN_PATH_C;

int nn_det_path_supported(NnDetPath p)
{
    switch (p) {
    case NN_PATH_C:
        return 1;
#if defined(__x86_64__) || defined(__i386__)
    case NN_PATH_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case NN_PATH_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
    default:
        return 0;
    }
}

const char *nn_det_path_name(NnDetPath p)
{
    switch (p) {
    case NN_PATH_C: return "c";
    case NN_PATH_AVX2: return "avx2";
    case NN_PATH_AVX512: return "avx512";
    default: return "auto";
    }
}

static void choose_path(void)
{
    const char *env = getenv("LAT_NN_PATH");
    for (NnDetPath p = NN_PATH_C; env && p <= NN_PATH_AVX512; p++)
        if (strcmp(env, nn_det_path_name(p)) == 0 && nn_det_path_supported(p)) {
            g_path = p;
            return;
        }
    g_path = nn_det_path_supported(NN_PATH_AVX512) ? NN_PATH_AVX512
           : nn_det_path_supported(NN_PATH_AVX2)   ? NN_PATH_AVX2
                                                   : NN_PATH_C;
}

NnDetPath nn_det_path(void)
{
    pthread_once(&g_once, choose_path);
    return g_path;
}

int nn_det_force_path(NnDetPath p)
{
    pthread_once(&g_once, choose_path);
    if (p == NN_PATH_AUTO) {
        choose_path();
        return 0;
    }
    if (!nn_det_path_supported(p))
        return -1;
    g_path = p;
    return 0;
}

const NnDetKernels *nn_det_kernels(void)
{
    switch (nn_det_path()) {
    case NN_PATH_AVX512: return &nn_det_kernels_avx512;
    case NN_PATH_AVX2: return &nn_det_kernels_avx2;
    default: return &nn_det_kernels_c;
    }
}
