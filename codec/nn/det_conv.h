/* Deterministic inference convolutions, transposed convolutions and GDN:
 * the same floats on every machine.
 *
 * Each output is computed as one fixed sequence of correctly rounded float
 * operations, set by the layer alone (det_kernels.h):
 *   conv2d:   acc = bias; for ci, ki, kj (ascending): acc = fma(w, x, acc)
 *   deconv2d: the same over the taps that reach the output (ci, ki, kj
 *             ascending), i.e. stride^2 phase convolutions
 *   GDN/IGDN: acc = beta_i; for j: acc = fma(gamma_ij, x_j*x_j, acc);
 *             y_i = x_i / sqrt(acc)  (IGDN: x_i * sqrt(acc))
 * Taps in the zero padding take part as fma(w, 0, acc). Vector lanes run
 * across output pixels, so the AVX-512, AVX2+FMA and plain-C paths (chosen
 * by CPUID, or forced) and any thread count give bit-identical results.
 * The sgemm layers of nn.h stay the training path and the reference.
 *
 * Weights are packed once (nn_det_*_pack) from a layer of nn.h; forwards
 * take batch-1 or batch-N NCHW tensors shaped as for the nn.h layer, run on
 * nn_get_threads() threads (output rows split between them) and return 0,
 * NN_ERR_SHAPE on a shape mismatch or NN_ERR_NOMEM on an allocation failure
 * (y is then undefined); packing returns NN_ERR_SHAPE for a layer it does
 * not support. */
#ifndef LAT_NN_DET_CONV_H
#define LAT_NN_DET_CONV_H

#include "nn.h"

/* ---- kernel path ---- */
typedef enum NnDetPath {
    NN_PATH_AUTO = 0,   /* the best this CPU has (or LAT_NN_PATH=c|avx2|avx512) */
    NN_PATH_C,
    NN_PATH_AVX2,
    NN_PATH_AVX512,
} NnDetPath;
/* Forces a path for the whole process (tests, benchmarks). Returns 0, or -1
 * when this CPU lacks it (the path is then unchanged). */
int nn_det_force_path(NnDetPath p);
NnDetPath nn_det_path(void);            /* the path in use */
const char *nn_det_path_name(NnDetPath p);
int nn_det_path_supported(NnDetPath p);
/* Measured FMA throughput of the path in use on nn_get_threads() threads
 * (best of repeated runs for about `seconds`), in GFLOP/s. */
double nn_det_fma_gflops(double seconds);

/* ---- GDN / IGDN with effective parameters computed once ---- */
typedef struct NnDetGdn {
    int c, inverse;
    float *beta;     /* [c] */
    float *gamma;    /* [c*c], packed in row blocks for the kernels */
} NnDetGdn;
int nn_det_gdn_pack(NnDetGdn *g, const Gdn *l);
void nn_det_gdn_free(NnDetGdn *g);
/* y may equal x. */
int nn_det_gdn_forward(const NnDetGdn *g, const Tensor *x, Tensor *y);

/* ---- convolutions ---- */
#define NN_DET_MAX_K 7
#define NN_DET_MAX_STRIDE 4

typedef struct NnDetPhase {
    int nri, ri_k[NN_DET_MAX_K], ri_d[NN_DET_MAX_K];   /* row taps: kernel row, input row offset */
    int ncj, cj_k[NN_DET_MAX_K], cj_d[NN_DET_MAX_K];   /* column taps, likewise */
    size_t wofs;                                       /* its packed weights in w */
} NnDetPhase;

typedef struct NnDetConv {
    int transposed;
    int cin, cout, k, stride, pad, out_pad;
    int nphase;          /* 1, or stride^2 for a transposed conv */
    NnDetPhase ph[NN_DET_MAX_STRIDE * NN_DET_MAX_STRIDE];
    float *w;            /* packed weights */
    float *bias;         /* [cout] */
} NnDetConv;

/* What to apply to the output, in this order, inside the same pass. */
typedef struct NnDetPost {
    int relu;                 /* y = y > 0 ? y : 0 */
    const NnDetGdn *gdn;      /* then GDN/IGDN (its c must be cout) */
} NnDetPost;

/* k <= NN_DET_MAX_K, stride <= NN_DET_MAX_STRIDE, pad < k (else NN_ERR_SHAPE). */
int nn_det_conv2d_pack(NnDetConv *d, const Conv2d *l);
int nn_det_deconv2d_pack(NnDetConv *d, const Deconv2d *l);
void nn_det_conv_free(NnDetConv *d);
/* y shaped as conv2d_out_size / deconv2d_out_size say; post may be NULL. */
int nn_det_conv2d_forward(const NnDetConv *d, const Tensor *x, Tensor *y, const NnDetPost *post);
int nn_det_deconv2d_forward(const NnDetConv *d, const Tensor *x, Tensor *y, const NnDetPost *post);

#endif
