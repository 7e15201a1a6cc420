/* The "deep factorized" entropy model (Balle et al. 2018, appendix 6.1):
 * one monotone cumulative c_k(x) per latent channel k, a tiny MLP with
 * filters 1-3-3-3-3-1:
 *   f_0 = x;  for layer i = 0..4:
 *     f = softplus(H_i) f + b_i;   if i < 4: f += tanh(a_i) * tanh(f)
 *   c(x) = sigmoid(f)   (the logits f are what we evaluate)
 * p(v) = c(v + 1/2) - c(v - 1/2), evaluated with the sign trick
 *   s = -sign(l_lo + l_hi);  p = |sigmoid(s*l_hi) - sigmoid(s*l_lo)|
 * and floored at PRIOR_P_MIN.
 *
 * Parameter layout (all float32, per channel k, channel-major):
 *   matrices [M][PRIOR_NMAT]: H_0 (3x1), H_1..H_3 (3x3), H_4 (1x3), each
 *            row-major [out][in], concatenated; stored raw, softplus applied.
 *   biases   [M][PRIOR_NBIAS]: b_0 (3), b_1 (3), b_2 (3), b_3 (3), b_4 (1).
 *   factors  [M][PRIOR_NFAC]: a_0..a_3 (3 each); tanh applied.
 */
#ifndef LAT_LOSSY_PRIOR_H
#define LAT_LOSSY_PRIOR_H
#include <stddef.h>
#include "nn/nn.h"

#define PRIOR_NMAT 33
#define PRIOR_NBIAS 13
#define PRIOR_NFAC 12
#define PRIOR_P_MIN 1e-9

typedef struct Prior {
    int m;                 /* channels */
    Param matrices;        /* m * PRIOR_NMAT */
    Param biases;          /* m * PRIOR_NBIAS */
    Param factors;         /* m * PRIOR_NFAC */
} Prior;

/* Allocates and initialises as CompressAI's EntropyBottleneck (init_scale
 * 10, biases U(-1/2, 1/2), factors 0). Returns 0 or -1. */
int prior_init(Prior *p, int m, Rng *rng);
void prior_free(Prior *p);

/* Probability mass of the integer-width bin centred on v in channel k,
 * floored at PRIOR_P_MIN. Double precision, deterministic for a given build. */
double prior_prob(const Prior *p, int k, double v);

/* Sum over n values v[i] (all in channel k) of -log2 p(v[i]) (bits). */
double prior_bits(const Prior *p, int k, const float *v, size_t n);
/* The same with bins of width s: p(v) = c((v + 1/2) s) - c((v - 1/2) s), the
 * channel's density seen through a quantizer s times as coarse (a gain
 * between two trained levels). s = 1 is prior_bits. */
double prior_bits_scaled(const Prior *p, int k, const float *v, size_t n, double s);

/* Training: bits = sum -log2 p(v[i]); accumulates scale * d bits / d params
 * into the Param gradients of channel k and writes dv[i] = scale * d bits /
 * d v[i] (dv may be NULL). Returns bits (unscaled). */
double prior_bits_backward(Prior *p, int k, const float *v, size_t n, float scale, float *dv);

/* Bits with bins of width s (as prior_bits_scaled) and dv[i] = scale * d bits
 * / d v[i], the prior held fixed (an encoder refining its latents). */
double prior_bits_dv(const Prior *p, int k, const float *v, size_t n, double s, float scale,
                     float *dv);

#endif
