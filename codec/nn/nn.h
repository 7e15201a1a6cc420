/* lat NN engine: tensors, layers with forward and backward, Adam.
 *
 * Knows nothing about the container or image formats. Used by the codec
 * (inference) and by the trainer (training). Every layer has a plain
 * reference implementation (*_ref, loops) and a fast one (im2col/col2im +
 * cblas_sgemm, per image and band of rows); tests/checknn.c compares them
 * and checks each backward against finite differences.
 *
 * Conventions
 * - Tensor: NCHW float32, contiguous. Element (n, c, h, w) is at
 *   data[((n*C + c)*H + h)*W + w].
 * - Layers are stateless functions of (parameters, input): the caller keeps
 *   the activations it needs for backward. Output tensors are allocated by
 *   the caller with the shape given by *_out_size.
 * - Backward *accumulates* into parameter gradients (Param.g) and *writes*
 *   the input gradient dx (pass dx = NULL when it is not needed).
 * - Errors: layer functions return 0 or a negative NN_ERR_* (a failed
 *   scratch allocation, tensor shapes that do not fit the layer); nothing
 *   here prints, exits or aborts, and nothing parses untrusted bytes.
 *   NN_ASSERT states a programmer error and is checked in debug builds only.
 * - Parameters hold values only; their gradients (Param.g) are allocated for
 *   training (param_alloc_grad, *_alloc_grads, adam_init), never for
 *   inference.
 * - dx must not alias x or dy; y must not alias x, except in gdn_forward
 *   (y == x works in place: inference keeps fewer activations). An
 *   NnScratch belongs to one thread at a time. Fast paths process one image
 *   and one band of output rows at a time, so scratch stays bounded
 *   whatever the image size (a column band is 10 MiB for a transposed
 *   conv and for a conv, or 4096 GEMM columns when 10 MiB holds fewer
 *   than 1536: 54 MiB for a 128-channel 5x5 conv, twice that in
 *   conv2d_backward).
 * - Results are deterministic for a given OpenBLAS thread count (no
 *   reductions in varying order).
 */
#ifndef LAT_NN_H
#define LAT_NN_H

#include <stddef.h>
#include <stdint.h>

#include <assert.h>

#define NN_ERR_NOMEM (-1)   /* an allocation (scratch, tensor) failed */
#define NN_ERR_SHAPE (-2)   /* tensor shapes do not fit the layer: a caller bug */

/* Programmer errors only (compiled out with NDEBUG); never for allocation
 * results or shapes, which are returned as NN_ERR_*. */
#define NN_ASSERT(cond) assert(cond)

/* ---- threads: the one place that sets OpenBLAS's and our thread count ----
 * nn_set_threads sets the process's count: OpenBLAS's (process-wide by
 * OpenBLAS's design) and that of the threads the deterministic kernels
 * start (det_conv.h). nn_set_local_threads overrides the latter for calls
 * made from the calling thread only (n <= 0: no override) and returns the
 * previous override, so a library call can set its context's count and
 * restore it; it never changes OpenBLAS's. nn_get_threads: the count that
 * applies on the calling thread. nn_set_blas_threads sets OpenBLAS's count
 * alone: for callers that run sgemm on several threads of their own (the
 * trainer's shards), one OpenBLAS thread each. */
void nn_set_threads(int n);   /* n <= 0: all cores */
void nn_set_blas_threads(int n);
int nn_set_local_threads(int n);
int nn_get_threads(void);
int nn_cpu_count(void);       /* online cores, at least 1 */

/* ---- profiling (off by default; for lat bench nn) ----
 * When enabled, every sgemm issued by the layers adds its time and FLOPs
 * (2*M*N*K) to process-wide counters (atomically: sgemm calls from several
 * threads add their threads' times). mode: 0 off, 1 wall clock, 2 process
 * CPU time. Enable, reset and read while no layer call runs. */
#define NN_PROFILE_OFF 0
#define NN_PROFILE_WALL 1
#define NN_PROFILE_CPU 2
void nn_profile_enable(int mode);
void nn_profile_reset(void);
void nn_profile_get(double *gemm_seconds, double *gemm_flop);

/* ---- random numbers (deterministic from a seed) ---- */
typedef struct Rng { uint64_t s; } Rng;
void rng_seed(Rng *r, uint64_t seed);
uint32_t rng_u32(Rng *r);
float rng_uniform(Rng *r);           /* [0, 1) */
float rng_normal(Rng *r);            /* N(0, 1) */

/* ---- tensors ---- */
typedef struct Tensor {
    int n, c, h, w;   /* shape [N, C, H, W] */
    size_t cap;       /* allocated floats (>= n*c*h*w) */
    float *data;
} Tensor;

Tensor *tensor_new(int n, int c, int h, int w);    /* zeroed; NULL on failure */
void tensor_free(Tensor *t);
size_t tensor_count(const Tensor *t);
/* Changes the shape, reallocating only when cap is too small (contents are
 * then undefined). Returns 0, or -1 on allocation failure. */
int tensor_reshape(Tensor *t, int n, int c, int h, int w);
void tensor_zero(Tensor *t);

/* ---- parameters ---- */
typedef struct Param {
    float *v;       /* values */
    float *g;       /* gradient, same size; NULL until param_alloc_grad */
    size_t n;
} Param;
int param_alloc(Param *p, size_t n);   /* zeroed v, g = NULL; 0 or -1 */
/* Allocates a zeroed gradient (training; backward needs it). Keeps an
 * existing one. 0 or -1. */
int param_alloc_grad(Param *p);
void param_free(Param *p);

/* Scratch memory reused across calls (im2col buffers). Zero-initialise. */
typedef struct NnScratch { float *buf; size_t cap; } NnScratch;
float *nn_scratch(NnScratch *s, size_t floats);   /* NULL on failure */
void nn_scratch_free(NnScratch *s);

/* ---- layers ----
 * *_init returns 0 or -1 (bad arguments, out of memory); forward and
 * backward return 0 or NN_ERR_*. Backward accumulates the parameter
 * gradients when they are allocated (*_alloc_grads); without them
 * (inference weights) deconv2d_backward and gdn_backward compute dx only,
 * at about half the cost (gradients through a fixed decoder, as the
 * encoder's latent refinement needs). */

/* ---- 2-D convolution ----
 * x [N, cin, H, W] -> y [N, cout, OH, OW], OH = (H + 2*pad - k)/stride + 1.
 * w: [cout, cin, k, k], b: [cout]. */
typedef struct Conv2d {
    int cin, cout, k, stride, pad;
    Param w, b;
} Conv2d;
int conv2d_init(Conv2d *l, int cin, int cout, int k, int stride, int pad, Rng *rng);
void conv2d_free(Conv2d *l);
int conv2d_alloc_grads(Conv2d *l);
void conv2d_out_size(const Conv2d *l, int h, int w, int *oh, int *ow);
int conv2d_forward(const Conv2d *l, const Tensor *x, Tensor *y, NnScratch *s);
int conv2d_backward(Conv2d *l, const Tensor *x, const Tensor *dy, Tensor *dx, NnScratch *s);
int conv2d_forward_ref(const Conv2d *l, const Tensor *x, Tensor *y);
int conv2d_backward_ref(Conv2d *l, const Tensor *x, const Tensor *dy, Tensor *dx);

/* ---- transposed convolution (the adjoint of conv2d) ----
 * x [N, cin, H, W] -> y [N, cout, OH, OW],
 * OH = (H - 1)*stride - 2*pad + k + out_pad.  With k=5, stride=2, pad=2,
 * out_pad=1: OH = 2H.  w: [cin, cout, k, k] (PyTorch layout), b: [cout]. */
typedef struct Deconv2d {
    int cin, cout, k, stride, pad, out_pad;
    Param w, b;
} Deconv2d;
int deconv2d_init(Deconv2d *l, int cin, int cout, int k, int stride, int pad, int out_pad, Rng *rng);
void deconv2d_free(Deconv2d *l);
int deconv2d_alloc_grads(Deconv2d *l);
void deconv2d_out_size(const Deconv2d *l, int h, int w, int *oh, int *ow);
int deconv2d_forward(const Deconv2d *l, const Tensor *x, Tensor *y, NnScratch *s);
int deconv2d_backward(Deconv2d *l, const Tensor *x, const Tensor *dy, Tensor *dx, NnScratch *s);
int deconv2d_forward_ref(const Deconv2d *l, const Tensor *x, Tensor *y);
int deconv2d_backward_ref(Deconv2d *l, const Tensor *x, const Tensor *dy, Tensor *dx);

/* ---- GDN / inverse GDN (Balle et al.), per pixel across channels ----
 * GDN:  y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2)
 * IGDN: y_i = x_i * sqrt(beta_i + sum_j gamma_ij x_j^2)
 * beta and gamma are stored reparameterised (Param holds the raw values):
 *   beta  = max(beta_raw, sqrt(1e-6 + p))^2 - p,  p = 2^-36 (pedestal)
 *   gamma = max(gamma_raw, sqrt(p))^2 - p
 * (the CompressAI LowerBound reparameterisation; the gradient passes through
 * the bound when it would push the value back up). Init: beta = 1,
 * gamma = 0.1 * I. gamma is [C, C] row-major, gamma[i*C + j]. */
typedef struct Gdn {
    int c;
    int inverse;
    Param beta_raw, gamma_raw;
} Gdn;
int gdn_init(Gdn *l, int c, int inverse);
void gdn_free(Gdn *l);
int gdn_alloc_grads(Gdn *l);
/* Effective (positive) beta [c] and gamma [c*c] from the raw parameters. */
void gdn_effective(const Gdn *l, float *beta, float *gamma);
int gdn_forward(const Gdn *l, const Tensor *x, Tensor *y, NnScratch *s);
int gdn_backward(Gdn *l, const Tensor *x, const Tensor *dy, Tensor *dx, NnScratch *s);
/* dx only (inference weights: no gradient buffers), over pixels [p0, p1)
 * of every image, so that threads can share one layer's pixels. */
int gdn_backward_dx_pixels(const Gdn *l, const Tensor *x, const Tensor *dy, Tensor *dx,
                           size_t p0, size_t p1, NnScratch *s);
int gdn_forward_ref(const Gdn *l, const Tensor *x, Tensor *y);
int gdn_backward_ref(Gdn *l, const Tensor *x, const Tensor *dy, Tensor *dx);

/* ---- elementwise ops on float arrays of n elements (y may alias x) ---- */
void nn_relu(const float *x, float *y, size_t n);
void nn_relu_backward(const float *x, const float *dy, float *dx, size_t n);
void nn_leaky_relu(const float *x, float *y, size_t n, float slope);
void nn_leaky_relu_backward(const float *x, const float *dy, float *dx, size_t n, float slope);
float nn_softplus1(float x);     /* log(1 + e^x), stable */
float nn_sigmoid1(float x);      /* stable */
void nn_add(const float *a, const float *b, float *y, size_t n);
void nn_scale(const float *x, float s, float *y, size_t n);

/* ---- Adam (with bias correction, decoupled weight decay, global-norm clipping) ---- */
typedef struct Adam {
    float lr, beta1, beta2, eps, weight_decay;
    float clip_norm;         /* <= 0: no clipping */
    long t;                  /* steps taken */
    size_t count;
    Param **params;          /* not owned */
    float **m, **v;          /* owned moment buffers */
} Adam;
/* Defaults: lr 1e-4, beta1 0.9, beta2 0.999, eps 1e-8, weight_decay 0, clip 1.0.
 * Also allocates the gradients of params that have none (param_alloc_grad). */
int adam_init(Adam *a, Param **params, size_t count);
void adam_free(Adam *a);
/* Clips gradients by global norm, updates values, zeroes the gradients.
 * Returns the gradient norm before clipping. */
float adam_step(Adam *a);

#endif
