/* The LossyModel behind lossy.h's opaque handle (internal to codec/lossy
 * and the trainer's validation). */
#ifndef LAT_LOSSY_MODEL_H
#define LAT_LOSSY_MODEL_H
#include <stdint.h>
#include "lossy/lossy.h"
#include "lossy/lossy_net.h"
#include "lossy/model_file.h"

struct LossyModel {
    LossyNet net;
    char id[LATM_ID_LEN + 1];
    uint64_t hash;
};

/* Float passes processed in tiles of at most `tile` latents per side (0:
 * the default, 32), as lossy_analyze / lossy_synthesize
 * do. y becomes [1, M, lh, lw] (unquantized latents, before the gains); x
 * becomes [1, 3, 16*lh, 16*lw] (uncropped, unclamped): a full-image float
 * buffer, which lossy_synthesize avoids (tests compare tilings with it).
 * Return 0 or a LatError. */
int lossy_analysis_float(const LossyModel *m, const uint8_t *pixels, uint32_t width,
                         uint32_t height, uint32_t channels, int tile, Tensor *y);
/* y [1, M, lh, lw] from lossy_analysis_float -> the quantized latents at a
 * level position (LOSSY_LEVEL_OF_QUALITY: the quality's). */
int lossy_quantize(const LossyModel *m, const Tensor *y, int quality, int level,
                   LossyLatents *out);
int lossy_synthesis_float(const LossyModel *m, const LossyLatents *lat, int tile, Tensor *x);

#endif
