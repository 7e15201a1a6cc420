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

const char *nn_blas_kernel_best(void)
{
    if (nn_det_path_supported(NN_PATH_AVX512))
        return cpu_has_avx512_bf16() ? "Cooperlake" : "SkylakeX";
    if (nn_det_path_supported(NN_PATH_AVX2))
        return "Haswell";
    return NULL;
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
    return have >= 0 && want >= 0 && have < want;
}

int nn_blas_kernel_runs_here(const char *name)
{
    const char *best = nn_blas_kernel_best();
    const int rank = kernel_rank(name);
    return rank == 0 || (rank > 0 && best && rank <= kernel_rank(best));
}
