/* Encoder effort (lat.h LatEncodeParams.effort): the quantized latents of
 * g_a and rounding refined by gradient descent on the rate-distortion loss
 * of the file's own level, through the fixed decoder (Yang, Bamler, Mandt
 * 2020, "Improving inference for neural image compression"): Adam on the
 * gained latents u = y g, stochastic Gumbel annealing (SGA: each latent a
 * relaxed random choice between floor(u) and ceil(u), whose temperature is
 * held, then decays), hard rounding at the end. The loss is the trainer's,
 * bits / pixels + lambda 255^2 MSE, with lambda interpolated at the level
 * position: the rate is the prior's differentiable likelihood, the
 * distortion comes from synthesis_grad.h. The refined latents replace the
 * rounded ones only when their loss (hard rounding, the prior's ideal
 * bits) is lower. The format and the decoder do not change.
 *
 * Architecture 2 (factorized per-level prior) only for now; with a
 * hyperprior (architecture 3) the latents are left as they are: its rate
 * term (the mean-scale Gaussians of h_s, with z refined too) plugs into the
 * same loop (RefineRate in lossy_refine.c). */
#ifndef LAT_LOSSY_REFINE_H
#define LAT_LOSSY_REFINE_H
#include "lossy/lossy.h"
#include "lossy/lossy_model.h"

/* Adam iterations of an effort 0..LOSSY_MAX_EFFORT (0: none). */
int lossy_refine_iterations(int effort);

/* What a refinement did (for tests and lat bench). */
typedef struct LossyRefineStats {
    int iterations;
    double first_loss, last_loss;     /* the relaxed loss of the first and last iteration */
    double loss_before, loss_after;   /* hard-rounded: g_a's latents, the refined ones */
    int kept;                         /* 1: the refined latents replaced g_a's */
} LossyRefineStats;

/* Refines lat (quantized from y, lossy_analysis_float's output, at
 * lat->level) for the image `pixels` (8-bit interleaved, channels 1 or 3,
 * width x height) at o->effort with o->seed; calls o->progress. st may be
 * NULL. Returns 0 or a LatError (lat unchanged on error). */
int lossy_refine(const LossyModel *m, const uint8_t *pixels, uint32_t width, uint32_t height,
                 uint32_t channels, const Tensor *y, const LossyEncodeOptions *o,
                 LossyLatents *lat, LossyRefineStats *st);

#endif
