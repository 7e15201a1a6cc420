/* Internal interface between the deterministic-kernel driver (det_conv.c,
 * det_gdn.c) and its per-instruction-set kernels (det_kernels_*.c).
 *
 * Every kernel computes each output as one fixed sequence of correctly
 * rounded operations, whatever its vector width:
 *   conv:  acc = bias; for t in 0..nterms-1: acc = fma(w[t], x[off[t] + p], acc)
 *   GDN:   acc = beta_i; for j in 0..c-1: acc = fma(gamma_ij, x_j*x_j, acc);
 *          y_i = x_i / sqrt(acc)  (IGDN: x_i * sqrt(acc))
 * Vector lanes run across output pixels p, never across t or j, so the
 * AVX-512, AVX2 and plain-C kernels return the same floats. */
#ifndef LAT_NN_DET_KERNELS_H
#define LAT_NN_DET_KERNELS_H

#include <stddef.h>
#include <stdint.h>
#include "det_threads.h"

/* Output channels per packed weight block; a layer's last block may be
 * narrower. Weights of a block are packed [nterms][nco]. */
#define NN_DET_NCO 4
/* Floats a conv kernel may read and write past npx (its vector rounding). */
#define NN_DET_SLACK 16

typedef struct NnDetKernels {
    const char *name;
    int chunk;   /* output pixels per conv call the driver should use */
    /* Terms [0, nterms) of one block of nco <= NN_DET_NCO channels over npx
     * consecutive output pixels into out[c*ldo + p], p < npx rounded up to
     * NN_DET_SLACK (out has room; x is readable that far past every
     * x + off[t] + npx). The accumulators start at bias[c], or with
     * bias == NULL at what out holds (the sum so far of earlier terms). */
    void (*conv)(int nco, int npx, int nterms, const float *x, const int32_t *off,
                 const float *w, const float *bias, float *out, size_t ldo);
    /* GDN over npx pixels of c channels (channel stride ld), y may equal x.
     * gamma is transposed: gamma[j*c + i] = gamma_ij.
     * sq: scratch of c * 64 floats. Reads and writes exactly npx pixels. */
    void (*gdn)(int c, int npx, const float *x, size_t ld, const float *beta,
                const float *gamma, int inverse, float *y, float *sq);
    /* n iterations of independent FMAs only, fma_flop float operations each
     * (the FMA ceiling of lat bench nn); returns a value so the work is not
     * optimised away. */
    float (*fma_loop)(long n);
    int fma_flop;
} NnDetKernels;

extern const NnDetKernels nn_det_kernels_c;
extern const NnDetKernels nn_det_kernels_avx2;
extern const NnDetKernels nn_det_kernels_avx512;

/* The kernels of the path in use (det_conv.c). */
const NnDetKernels *nn_det_kernels(void);


struct NnDetGdn;
/* GDN in place on pixels [p0, p1) of one image [c, hw] (det_gdn.c); sq as
 * for NnDetKernels.gdn. */
void nn_det_gdn_pixels(const struct NnDetGdn *g, float *img, size_t hw, size_t p0, size_t p1,
                       float *sq);

#endif

