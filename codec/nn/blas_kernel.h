/* Which OpenBLAS kernel runs, and the best one for this CPU.
 *
 * OpenBLAS picks its kernel once, when it loads: from OPENBLAS_CORETYPE if
 * set, else from CPUID. Old releases (Debian 12's 0.3.21) do not know new
 * CPUs and fall back to the generic "Prescott" kernel, several times
 * slower than the AVX-512 or AVX2 one the CPU can run. The choice cannot
 * be changed once OpenBLAS is loaded: a process sets OPENBLAS_CORETYPE and
 * re-executes itself (the lat binary does, tools/cli/lat.c). */
#ifndef LAT_NN_BLAS_KERNEL_H
#define LAT_NN_BLAS_KERNEL_H

/* The kernel OpenBLAS uses (openblas_get_corename(), e.g. "Prescott"). */
const char *nn_blas_kernel_in_use(void);

/* The best kernel for this CPU by CPUID (with the OS's register state):
 * "Cooperlake" (AVX-512 F/BW/DQ/VL and BF16), "SkylakeX" (AVX-512
 * F/BW/DQ/VL), "Haswell" (AVX2 and FMA); NULL on other CPUs. Except where
 * a narrower kernel measured faster: "Haswell" on AMD family 19h (Zen 4
 * splits AVX-512 into 256-bit halves). */
const char *nn_blas_kernel_best(void);

/* 1 when `name` (any case) is an OpenBLAS x86 kernel of another class
 * (SSE, AVX2, AVX-512, AVX-512 with BF16) than `best`, hence slower on
 * this CPU; 0 otherwise, also for names this table does not know (a newer
 * OpenBLAS's own choice is kept). */
int nn_blas_kernel_below(const char *name, const char *best);

/* 1 when this CPU has the instructions of kernel `name` (any case): the
 * SSE-class kernels everywhere, the others as CPUID says; 0 for other
 * names. */
int nn_blas_kernel_runs_here(const char *name);

#endif
