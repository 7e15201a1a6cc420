/* Training of the mean-scale hyperprior (model architecture 3,
 * lossy/hyper_net.h): batched forward and backward of h_a and h_s, the
 * rate of z under its factorized prior and of y under the discretised
 * Gaussian, all with hand-written gradients (tests/test_train_grad.c
 * checks them against finite differences). Internal to codec/train.
 *
 * Per step, for y [B, M, h, w] from g_a and a rate level per sample:
 *   hyper_train_forward   h_a(y) -> z; zr = z*gz + U(-1/2, 1/2) and its
 *                         rate (gradient kept); h_s((zr or round(z*gz)) * igz)
 *                         -> mu, s per latent
 *   hyper_train_y_bits    per plane (sample b, channel k): the rate of the
 *                         noisy gained latents yr under N(mu*g, exp(s + lg)),
 *                         its gradient wrt yr and lg, and (kept) wrt mu, s
 *   hyper_train_backward  through h_s, the z gains and h_a; adds the
 *                         gradient wrt y into d_y. */
#ifndef LAT_TRAIN_HYPER_H
#define LAT_TRAIN_HYPER_H
#include "lossy/lossy_net.h"

typedef struct HyperTrain {
    int batch;
    Tensor *ha_a[3], *ha_r[2];   /* h_a pre-activations (ha_a[2] = z), after ReLU */
    Tensor *zr;                  /* z*gz + noise: the rate's input */
    Tensor *zin;                 /* h_s input */
    Tensor *hs_a[2], *hs_r[2];
    Tensor *ms;                  /* [B, 2M, h, w]: mu, s */
    Tensor *d_ms, *d_hs_r[2], *d_hs_a[2], *d_zin, *d_z, *d_ha_r[2], *d_ha_a[2], *d_y;
    float *d_rate;               /* one z plane */
} HyperTrain;

/* Activations for a batch of crop x crop images (crop a multiple of 64). */
int hyper_train_alloc(HyperTrain *h, const LossyNet *net, int batch, int crop);
void hyper_train_free(HyperTrain *h);

/* Adds the bits of z (all samples) to *bits_z; its gradient (times
 * rate_scale) is kept for hyper_train_backward, and the z gains' and z
 * prior's gradients are accumulated. z's noise comes from a stream of each
 * sample's noise_seed. ste: h_s sees round(z*gz) (straight-through
 * gradient). Returns 0 or an NN_ERR_*. */
int hyper_train_forward(HyperTrain *h, LossyNet *net, const Tensor *y, const int *level, int ste,
                        float rate_scale, const uint64_t *noise_seed, NnScratch *s,
                        double *bits_z);

/* Bits of the n = h*w noisy gained latents yr of sample b, channel k, whose
 * log-gain is lg; writes d_yr[i] = rate_scale * d bits / d yr[i] and
 * returns in *d_lg rate_scale * d bits / d lg through mu' and sigma' (the
 * caller adds the part through yr = y*g + u). */
double hyper_train_y_bits(HyperTrain *h, const LossyNet *net, int b, int k, float lg,
                          const float *yr, size_t n, float rate_scale, float *d_yr, double *d_lg);

/* Backward through h_s, the z gains and h_a; adds the gradient wrt y into
 * d_y and accumulates every hyperprior parameter gradient. Returns 0 or an
 * NN_ERR_*. */
int hyper_train_backward(HyperTrain *h, LossyNet *net, const Tensor *y, const int *level,
                         Tensor *d_y, NnScratch *s);

/* The rate of one Gaussian-coded value: -log2 P(r) with P(r) =
 * Phi((r + 1/2)/sigma) - Phi((r - 1/2)/sigma), floored at PRIOR_P_MIN;
 * *d_r and *d_sigma (may be NULL) receive its derivatives (through the
 * floor when they push P up, as CompressAI's LowerBound). */
double hyper_gaussian_bits(double r, double sigma, double *d_r, double *d_sigma);

/* Validation of one image at level position pos: y [1, M, h, w] from g_a
 * in, replaced by the decoder input; *bits_y, *bits_z the ideal bits of
 * the symbols under the model (exact scales, not yet the coder's table). */
int hyper_val_latents(const LossyNet *net, Tensor *y, double pos, double *bits_y, double *bits_z,
                      NnScratch *s);

#endif
