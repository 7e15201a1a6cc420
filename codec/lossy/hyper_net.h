/* The hyperprior of model architecture 3: a mean-scale hyperprior (Minnen
 * et al. 2018, without the autoregressive context; CompressAI
 * `mbt2018-mean`) on the latents y of the architecture-2 autoencoder.
 *
 *   h_a: conv3x3/1 (M->N) ReLU, conv5x5/2 (N->N) ReLU, conv5x5/2 (N->Z)
 *   h_s: deconv5x5/2 (Z->M) ReLU, deconv5x5/2 (M->3M/2) ReLU,
 *        conv3x3/1 (3M/2->2M): channels 0..M-1 the mean mu, M..2M-1 the
 *        log-scale s of each latent, both in units of the ungained y.
 *   Z = N. h_a sees y (no gain); z has its own gains per level (natural
 *   logs): zq = round(z * gz_l), h_s input zq * igz_l, with l the nearest
 *   trained level of the level position; zq under a deep factorized prior
 *   per level (lossy/prior.h).
 *   y at level position p, with y gain g(p) and log-gain lg(p):
 *   mu' = mu * g(p), sigma' = max(exp(s + lg(p)), HYPER_SCALE_MIN), symbol
 *   round(y * g(p) - mu'), coded under a Gaussian N(0, sigma') discretised
 *   to integer bins; decoder input (symbol + mu') * ig(p).
 *
 * h_s uses only conv/deconv/ReLU/bias so that it can be computed in
 * fixed-order float arithmetic (what decides a probability must be
 * bit-exact on every machine). */
#ifndef LAT_LOSSY_HYPER_NET_H
#define LAT_LOSSY_HYPER_NET_H
#include "nn/nn.h"
#include "lossy/prior.h"

#define HYPER_TENSORS 17          /* 6 h_a + 6 h_s + 2 z gains + 3 z prior */
#define HYPER_SCALE_MIN 0.11      /* lower bound of sigma' (CompressAI) */

typedef struct HyperNet {
    int z;                  /* channels of z; 0: no hyperprior (architectures 1, 2) */
    int hidden;             /* h_s middle width, 3M/2 */
    Conv2d ha[3];
    Deconv2d hs[2];
    Conv2d hs_out;
    Param zgain, zigain;    /* [levels][z], logs of the z gains */
    Prior zprior;           /* levels * z channels, level-major */
} HyperNet;

/* Allocates h_a, h_s (random init), the z gains (zgain[l] = init_gain[l]
 * for every channel, zigain = -zgain) and the z priors. Returns 0 or -1. */
int hyper_net_init(HyperNet *h, int n, int m, int levels, const float *init_gain, Rng *rng);
void hyper_net_free(HyperNet *h);

/* Prior channel of z channel k at trained level l. */
static inline int hyper_zprior_channel(const HyperNet *h, int level, int k)
{
    return level * h->z + k;
}

/* The trained level whose z gains and prior code z at level position pos. */
int hyper_z_level(int levels, double pos);

/* Batch-1 inference with the nn layers (BLAS; for training validation).
 * y [1, M, h, w] -> z [1, Z, ceil(h/4)..]; zin [1, Z, hz, wz] (zq * igz)
 * -> ms [1, 2M, h, w] (h_s output cropped to the latent grid). tmp: two
 * scratch tensors. Return 0 or -1 (out of memory). */
int hyper_net_analysis(const HyperNet *hn, const Tensor *y, Tensor *z, Tensor *tmp[2],
                       NnScratch *s);
int hyper_net_synthesis(const HyperNet *hn, const Tensor *zin, int h, int w, Tensor *ms,
                        Tensor *tmp[2], NnScratch *s);

#endif
