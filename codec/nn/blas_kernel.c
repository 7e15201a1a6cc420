/* OpenBLAS kernel in use against the best for this CPU (blas_kernel.h). */
#include "blas_kernel.h"
#include "det_conv.h"   /* nn_det_path_supported: the same CPUID checks */

#include <cblas.h>
#include <stddef.h>
#include <strings.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

const char *nn_blas_kernel_in_use(void)
{
    const char *name = openblas_get_corename();
    return name ? name : "";
}

/* AVX512_BF16: CPUID leaf 7 subleaf 1, EAX bit 5 (the OS's AVX-512 state
 * is checked with the rest of AVX-512). */
static int cpu_has_avx512_bf16(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a >> 5 & 1);
#else
    return 0;
#endif
}

/* AMD family 19h (Zen 3 and Zen 4): Zen 4 runs AVX-512 on 256-bit halves. */
static int cpu_is_amd_family_19h(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d) || b != 0x68747541u)   /* "Auth"enticAMD */
        return 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    return ((a >> 8) & 0xF) + ((a >> 20) & 0xFF) == 0x19;
#else
    return 0;
#endif
}

/* The most capable kernel this CPU's instructions allow. */
static const char *cpu_widest_kernel(void)
{
    if (nn_det_path_supported(NN_PATH_AVX512))
        return cpu_has_avx512_bf16() ? "Cooperlake" : "SkylakeX";
    if (nn_det_path_supported(NN_PATH_AVX2))
        return "Haswell";
    return NULL;
}

const char *nn_blas_kernel_best(void)
{
    /* On Zen 4 OpenBLAS 0.3.21 picks Cooperlake, but its Haswell sgemm
     * measured 12% faster there (182 against 162 GFLOP/s in lat bench nn
     * --train-step, 2 threads, EPYC family 19h model 11h). */
    if (nn_det_path_supported(NN_PATH_AVX2) && cpu_is_amd_family_19h())
        return "Haswell";
    return cpu_widest_kernel();
}

/* OpenBLAS's x86 kernel names by the instructions their sgemm uses:
 * 0 SSE-class, 1 AVX2+FMA, 2 AVX-512, 3 AVX-512 with BF16. */
static int kernel_rank(const char *name)
{
    static const struct { const char *name; int rank; } table[] = {
        {"Katmai", 0}, {"Coppermine", 0}, {"Northwood", 0}, {"Prescott", 0}, {"Banias", 0},
        {"Atom", 0}, {"Core2", 0}, {"Penryn", 0}, {"Dunnington", 0}, {"Nehalem", 0},
        {"Athlon", 0}, {"Opteron", 0}, {"Opteron_SSE3", 0}, {"Barcelona", 0}, {"Nano", 0},
        {"Sandybridge", 0}, {"Bobcat", 0}, {"Bulldozer", 0}, {"Piledriver", 0},
        {"Steamroller", 0}, {"Excavator", 0}, {"Haswell", 1}, {"Zen", 1}, {"SkylakeX", 2},
        {"Cooperlake", 3}, {"SapphireRapids", 3},
    };
    for (size_t i = 0; name && i < sizeof table / sizeof table[0]; i++)
        if (strcasecmp(name, table[i].name) == 0)
            return table[i].rank;
    return -1;
}

int nn_blas_kernel_below(const char *name, const char *best)
{
    const int have = kernel_rank(name), want = kernel_rank(best);
    return have >= 0 && want >= 0 && have != want;
}

int nn_blas_kernel_runs_here(const char *name)
{
    const char *widest = cpu_widest_kernel();
    const int rank = kernel_rank(name);
    return rank == 0 || (rank > 0 && widest && rank <= kernel_rank(widest));
}
