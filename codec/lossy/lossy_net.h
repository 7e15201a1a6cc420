/* The lossy model's network: Balle 2018 factorized-prior autoencoder with
 * gain units for variable rate (docs/FORMAT.md section 5).
 *
 *   g_a: conv5x5/2 (3->N) GDN, conv5x5/2 (N->N) GDN, conv5x5/2 (N->N) GDN,
 *        conv5x5/2 (N->M)
 *   g_s: deconv5x5/2 (M->N) IGDN, deconv (N->N) IGDN, deconv (N->N) IGDN,
 *        deconv5x5/2 (N->3)
 *   level l: y_hat = round(y * gain_l), decoder input = y_hat * igain_l,
 *   gains stored as natural logs ([levels][M]).
 *   The prior has one set of M channels shared by all levels (architecture
 *   1) or one set per level (architecture 2): the levels' latents have very
 *   different spreads, and a shared prior fits their mixture, which
 *   misestimates every level's rate in training.
 *
 * Images are planar float RGB in [0, 1]; H and W of g_a inputs must be
 * multiples of 16 (callers pad). Shared by the codec (inference, batch 1)
 * and the trainer (which runs its own batched forward/backward over the
 * same layers). */
#ifndef LAT_LOSSY_NET_H
#define LAT_LOSSY_NET_H
#include "nn/nn.h"
#include "lossy/prior.h"
#include "lossy/hyper_net.h"

#define LOSSY_MAX_LEVELS 16
#define LOSSY_MAX_N 1024
#define LOSSY_MAX_M 1024
#define LOSSY_TENSORS 33     /* parameter tensors of architectures 1 and 2 */
#define LOSSY_BASE_TENSORS 30   /* transforms and y gains, common to all architectures */
#define LOSSY_MAX_TENSORS (LOSSY_BASE_TENSORS + HYPER_TENSORS)   /* architecture 3 */

typedef struct LossyNet {
    int n, m, levels;
    float lambda[LOSSY_MAX_LEVELS];
    Conv2d ga[4];
    Gdn ga_gdn[3];
    Deconv2d gs[4];
    Gdn gs_gdn[3];          /* inverse GDN */
    Param gain;             /* [levels][m], log of the encoder gains */
    Param igain;            /* [levels][m], log of the decoder (inverse) gains */
    int prior_sets;         /* 1 (shared) or levels (one prior per level); 0 with a hyperprior */
    Prior prior;            /* prior_sets * m channels, set-major */
    HyperNet hyper;         /* architecture 3 (hyper.z > 0): y's entropy model */
} LossyNet;

/* Allocates and initialises all layers (random init from rng). gains are
 * initialised to 0.5*ln(lambda_l / lambda_geomean) so levels start apart,
 * igain = -gain. prior_sets: 1 or levels. Returns 0 or -1 (bad arguments
 * or out of memory; net is freed). */
int lossy_net_init(LossyNet *net, int n, int m, int levels, const float *lambdas, int prior_sets,
                   Rng *rng);

/* Prior channel of latent channel k at rate level `level`. */
static inline int lossy_prior_channel(const LossyNet *net, int level, int k)
{
    return (net->prior_sets > 1 ? level : 0) * net->m + k;
}

/* The prior for latent channel k at a continuous level position: sets
 * *prior_channel and returns the bin scale for prior_bits_scaled. Per-level
 * priors use the nearest level's, with bins scaled by that level's gain
 * over the interpolated gain; a shared prior is used as is (scale 1). */
double lossy_net_prior_at(const LossyNet *net, double pos, int k, int *prior_channel);

/* Turns a shared prior into one copy per level (training a shared-prior
 * model on with per-level priors). Returns 0 or -1 (out of memory; net
 * unchanged). */
int lossy_net_split_prior(LossyNet *net);
void lossy_net_free(LossyNet *net);

/* One parameter tensor in file order: name, shape and storage. */
typedef struct NetTensor {
    char name[16];
    int ndim;
    int dims[4];
    Param *p;
} NetTensor;

/* Turns an architecture 1/2 net into architecture 3: the factorized prior
 * of y is dropped, a fresh hyperprior added (z gains start at each level's
 * mean y log-gain), and levels beyond net->levels (up to `levels`, lambdas
 * given for all) get y gains extrapolated linearly in the log domain from
 * the top two levels. Returns 0 or -1 (bad arguments, out of memory; net
 * unchanged on bad arguments). */
int lossy_net_to_hyper(LossyNet *net, int levels, const float *lambdas, Rng *rng);

/* Fills t[] in the order of the model file and returns the count
 * (LOSSY_TENSORS, or LOSSY_MAX_TENSORS with a hyperprior). The first
 * LOSSY_BASE_TENSORS are the transforms and gains; the last 3 are always
 * a factorized prior (of y, or of z with a hyperprior). */
int lossy_net_tensors(LossyNet *net, NetTensor t[LOSSY_MAX_TENSORS]);
size_t lossy_net_param_count(LossyNet *net);

/* Below the lowest trained level, gains extrapolate this far at most. */
#define LOSSY_MIN_LEVEL_POSITION (-4)
/* Level position the encoder uses for quality q in [0, 100]: q = 0 is
 * LOSSY_EXTRAPOLATED_LEVELS below the lowest trained level (models with at
 * least 2 levels), q = 100 the highest (FORMAT.md 4). */
#define LOSSY_EXTRAPOLATED_LEVELS 2
double lossy_level_position(int levels, int quality);
/* The position files before params version 4 imply: (levels - 1) q / 100. */
double lossy_level_position_v1(int levels, int quality);
/* Encoder gains g[m] and decoder gains ig[m] at a continuous level position
 * in [LOSSY_MIN_LEVEL_POSITION, levels - 1] (log-linear interpolation
 * between adjacent levels, extrapolation from levels 0 and 1 below 0). */
void lossy_net_gains(const LossyNet *net, double pos, float *g, float *ig);
/* The rate-distortion weight lambda at a level position, interpolated as
 * the gains are (log-linearly, extrapolated below level 0). */
double lossy_net_lambda_at(const LossyNet *net, double pos);
/* The same as natural logs: lg[m] = log g, lig[m] = log ig. */
void lossy_net_log_gains(const LossyNet *net, double pos, float *lg, float *lig);

/* What inference calls reuse from one call to the next (e.g. the tiles of
 * an image): two activation buffers, the layers' scratch and the weights
 * packed for the deterministic kernels (nn/det_conv.h) on first use, so
 * the net's weights must not change while a LossyWork is in use. Reuse
 * also keeps the heap from fragmenting (peak memory). Zero-initialise;
 * free with lossy_work_free. */
typedef struct LossyPacked LossyPacked;
typedef struct LossyWork {
    Tensor *act[2];
    NnScratch s;
    LossyPacked *packed;
} LossyWork;
void lossy_work_free(LossyWork *w);

/* Inference, batch 1. x [1, 3, H, W] (H, W multiples of 16) -> y [1, M, H/16,
 * W/16]; y_in [1, M, h, w] -> x [1, 3, 16h, 16w]. y / x are reshaped by the
 * call. Computed by the deterministic kernels (nn/det_conv.h): the same
 * floats on every machine and thread count. Return 0 or NN_ERR_* (NN_ERR_NOMEM:
 * out of memory). */
int lossy_net_analysis(const LossyNet *net, const Tensor *x, Tensor *y, LossyWork *w);
int lossy_net_synthesis(const LossyNet *net, const Tensor *y_in, Tensor *x, LossyWork *w);

#endif
