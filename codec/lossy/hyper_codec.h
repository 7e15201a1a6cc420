/* Lossy latents of architecture 3 (docs/FORMAT.md 4.4): the hyper-latents
 * z under the per-level factorized prior and the symbols of y under the
 * mean-scale Gaussians predicted by h_s, range coded. Everything that
 * decides a probability (h_s, the scale index, the frequency tables) is
 * computed here in fixed-order float arithmetic (det_math.h), so that the
 * encoder's and every decoder's tables agree bit for bit. */
#ifndef LAT_LOSSY_HYPER_CODEC_H
#define LAT_LOSSY_HYPER_CODEC_H
#include "common/streams.h"
#include "lossy/lossy.h"
#include "lossy/lossy_model.h"

#define LOSSY_PARAMS_VERSION_HYPER 5
#define HYPER_Z_RADIUS 31   /* z tables: -31..31 and an escape */

/* The trained level that codes z at level position T (1/256 levels):
 * (T + 128) / 256 for T >= 0, else 0, at most L - 1. */
int hyper_z_level_of(int levels, int T);
/* y's log-gains at T as float: lg = fmaf(f, G[b] - G[a], G[a]) (FORMAT.md). */
void hyper_log_gains(const LossyNet *net, int T, float *lg);

/* h_s on the decoded z, deterministically: zq [Z][zh][zw] at level
 * position T -> per latent of the h x w grid the scale index (scale, may
 * be NULL) and the gained mean mu * g (mean). Returns 0 or a LatError. */
int hyper_predict(const LossyNet *net, const int32_t *zq, int h, int w, int T, uint8_t *scale,
                  float *mean);

/* Encoder: y [1, M, h, w] (g_a's output) at level position `level` (quality
 * recorded) -> out (q = symbols round(y g - mean), zq, mean, scale filled). */
int hyper_analyze(const LossyModel *m, const Tensor *y, int quality, int level,
                  LossyLatents *out);
/* The params stream (version 5) and the one latent stream of lat. */
int hyper_latents_to_streams(const LossyModel *m, const LossyLatents *lat, StreamList *out);
/* Decoder: the streams of a version-5 file -> lat (q, zq, mean, scale). */
int hyper_streams_to_latents(const LossyModel *m, const StreamList *in, uint32_t lh, uint32_t lw,
                             LossyLatents *out);
/* -log2 p of lat's z and y under the coding tables (what the range coder
 * approaches). */
double hyper_ideal_bits(const LossyModel *m, const LossyLatents *lat);

#endif
