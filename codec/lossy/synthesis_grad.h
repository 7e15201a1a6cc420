/* The decoder's distortion and its gradient with respect to the decoder
 * input, through the fixed synthesis g_s, tile by tile: what an encoder
 * needs to refine latents by gradient descent (lossy_refine.c).
 * Independent of the entropy model, so every architecture's refinement can
 * use it. The transposed convolutions run forward on the deterministic
 * kernels (nn/det_conv.h), and backward too: the input gradient of a
 * stride-2 transposed conv is the stride-2 conv of the output gradient with
 * the same weights (same memory layout, [cin][cout][k][k] read as a conv's
 * [cout][cin][k][k]); IGDN's backward is nn's gdn_backward without
 * parameter gradients. */
#ifndef LAT_LOSSY_SYNTHESIS_GRAD_H
#define LAT_LOSSY_SYNTHESIS_GRAD_H
#include "lossy/lossy_net.h"
#include "nn/det_threads.h"

/* The target image as the decoder's output is compared with it: planar
 * float in [0, 1], [channels][height][width], channels 1 (gray: compared
 * with the mean of the three synthesized channels) or 3. */
typedef struct SynthTarget {
    const float *x;
    int width, height, channels;
} SynthTarget;

/* Buffers and packed weights reused from call to call, for one net whose
 * weights do not change (zero-initialise; synth_grad_free). */
typedef struct SynthGradPacked SynthGradPacked;
typedef struct SynthGradWork {
    Tensor *zt, *dzt, *a[4], *g, *d[2];   /* a[i]: deconv i's output, kept for IGDN's backward */
    NnScratch s[NN_DET_MAX_THREADS];   /* one per thread of IGDN's backward */
    SynthGradPacked *packed;
} SynthGradWork;
void synth_grad_free(SynthGradWork *w);

/* z [1, M, h, w] (h, w: the target's latent grid, ceil(size / 16)) ->
 * *sse = the sum over the target's samples of (clamp(x_hat, 0, 1) - x)^2,
 * x_hat = g_s(z) cropped to the image (the decoder's output before its
 * rounding to 8 bits); with dz (same shape as z) dz = d sse / d z (zero
 * where the output is clamped). Tiles of at most `tile` latents (0: 48)
 * with the synthesis halo give the untiled result (each pixel's error is
 * counted in the one tile that holds it). Returns 0 or a LatError. */
int synth_grad_sse(const LossyNet *net, const Tensor *z, const SynthTarget *t, int tile,
                   SynthGradWork *w, double *sse, Tensor *dz);

#endif
