/* Internal helpers shared by the nn/ layer files (not part of the contract).
 *
 * im2col / col2im operate on one image [C, H, W] and a band of output rows
 * [oh0, oh1) of a convolution with kernel k, stride, pad and output width OW.
 * The column matrix is [C*k*k, (oh1-oh0)*OW] row-major; row index is
 * (c*k + ki)*k + kj, column index (oh-oh0)*OW + ow. */
#ifndef LAT_NN_INTERNAL_H
#define LAT_NN_INTERNAL_H

#include <stddef.h>

#include "nn.h"

typedef struct NnGeom {
    int c, h, w;          /* image being sampled (im2col) / scattered into (col2im) */
    int k, stride, pad;
    int oh, ow;           /* conv output size */
} NnGeom;

/* Writes the column band for output rows [oh0, oh1). */
void nn_im2col(const NnGeom *g, const float *img, int oh0, int oh1, float *col);
/* Adds the column band for output rows [oh0, oh1) back into img. */
void nn_col2im(const NnGeom *g, const float *col, int oh0, int oh1, float *img);

/* Output rows per band so that a [rows_k, band*ow] column buffer holds at
 * most max_floats, but with at least min_cols columns (band*ow) when the
 * image has them; at least 1 and at most oh rows. */
int nn_band_rows(size_t rows_k, int ow, int oh, size_t max_floats, int min_cols);

/* Column band budget of a transposed convolution (10 MiB): the band the GEMM
 * writes stays in L3 until col2im reads it (16 MiB left the 64-channel
 * deconv2 at 65-73% of sgemm, 10 MiB measured 70-80%). */
#define NN_DECONV_BAND_FLOATS (((size_t)10 << 20) / sizeof(float))

/* Convolution bands (conv2d.c), whose column matrix is sgemm's B operand.
 * Preferred: a band of at most NN_CONV_BAND_FLOATS (10 MiB), which im2col
 * writes and sgemm reads back from L3 (32 MiB, shared), if that band still
 * has NN_CONV_MIN_COLS columns: OpenBLAS splits the columns between threads
 * and syncs them on every call, so narrower calls lose time. Otherwise (the
 * 128-channel 5x5 convs, K = 3200) bands of NN_CONV_WIDE_COLS columns, which
 * measured best there. For the 64-channel 5x5 convs (K = 1600) 4096-column
 * bands (26 MiB) made im2col memory-bound (~3x slower) and the layer ~10%
 * slower than 1536-column (10 MiB) bands. */
#define NN_CONV_BAND_FLOATS (((size_t)10 << 20) / sizeof(float))
#define NN_CONV_MIN_COLS 1536
#define NN_CONV_WIDE_COLS 4096

/* Adds b[c] to every element of channel c of one image [C, HW]. */
void nn_add_bias(float *y, const float *b, int c, size_t hw);
/* Sets every element of channel c of one image [C, HW] to b[c]: the start of
 * a layer output that the GEMMs then accumulate into. */
void nn_set_bias(float *y, const float *b, int c, size_t hw);
/* g[c] += sum over the channel's hw elements (double accumulation). */
void nn_accum_bias_grad(const float *dy, float *g, int c, size_t hw);

/* Fills v[n] with uniform samples in [-bound, bound) (weight initialisation). */
void nn_init_uniform(float *v, size_t n, float bound, Rng *rng);

/* Whether a and b have the same shape [N, C, H, W]. */
int nn_same_shape(const Tensor *a, const Tensor *b);

/* cblas_sgemm (row-major) with optional profiling (see nn_profile_enable). */
void nn_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

#endif
