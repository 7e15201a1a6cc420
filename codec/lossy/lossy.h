/* Lossy mode: a learned transform codec (docs/FORMAT.md, "Lossy mode").
 * Called by codec/lat.c; uses nn/ for the transforms. The streams it
 * produces/consumes are opaque to the container. */
#ifndef LAT_LOSSY_H
#define LAT_LOSSY_H
#include <stddef.h>
#include <stdint.h>
#include "common/streams.h"

typedef struct LossyModel LossyModel;

/* Parses and validates a model file held in memory (see FORMAT.md, model
 * files). Returns 0 or a negative LatError (LAT_ERR_BAD_MODEL, ...). */
int lossy_model_load(const uint8_t *data, size_t size, LossyModel **out);
void lossy_model_free(LossyModel *m);
const char *lossy_model_id(const LossyModel *m);   /* <= 32 chars, e.g. "photo-f64m96-v1" */
uint64_t lossy_model_hash(const LossyModel *m);    /* content hash recorded in .lat files */

/* Encodes an 8-bit RGB (channels 3) or gray (channels 1) image, interleaved,
 * at quality 0..100. Appends its streams to out. Returns 0 or a LatError. */
int lossy_encode(const LossyModel *m, const uint8_t *pixels, uint32_t width,
                 uint32_t height, uint32_t channels, int quality, StreamList *out);

/* What lossy_encode_opt is asked for. */
typedef struct LossyEncodeOptions {
    int quality;          /* 0..100, recorded in the file */
    int level;            /* level position in 1/LOSSY_LEVEL_UNIT levels, or
                             LOSSY_LEVEL_OF_QUALITY: the quality's (lossy_quality_level) */
    int effort;           /* 0: g_a and rounding; 1..LOSSY_MAX_EFFORT: refined latents */
    uint32_t seed;        /* the refinement's random stream */
    /* Called now and then during a refinement with the fraction done; may be NULL. */
    void (*progress)(void *ctx, double done);
    void *progress_ctx;
} LossyEncodeOptions;
#define LOSSY_MAX_EFFORT 9
/* quality, the quality's level, effort 0, seed 0, no progress. */
LossyEncodeOptions lossy_encode_options(int quality);
int lossy_encode_opt(const LossyModel *m, const uint8_t *pixels, uint32_t width,
                     uint32_t height, uint32_t channels, const LossyEncodeOptions *o,
                     StreamList *out);

/* Decodes the lossy streams of `in` into an 8-bit interleaved image with
 * `channels` (1 or 3) channels, written to pixels (width*height*channels
 * bytes, caller-allocated). Streams of other types are ignored. Every field
 * read from the streams is validated. Returns 0 or a LatError. */
int lossy_decode(const LossyModel *m, const StreamList *in, uint32_t width,
                 uint32_t height, uint32_t channels, uint8_t *pixels);

/* ---- lower-level pieces (used by lossy_encode/decode, lat info, tests) ---- */

/* Quantized latents of one image: y_hat = round(g_a(x) * gain), channel-major
 * [c][h][w], values clamped to [-LOSSY_Q_MAX, LOSSY_Q_MAX]. */
#define LOSSY_Q_MAX 32767
/* Level positions are stored in 1/256 of a level (docs/FORMAT.md 4). */
#define LOSSY_LEVEL_UNIT 256
#define LOSSY_LEVEL_OF_QUALITY (-32768)
typedef struct LossyLatents {
    int c, h, w;          /* M, ceil(H/16), ceil(W/16) */
    int quality;
    int level;            /* rate-level position in 1/LOSSY_LEVEL_UNIT levels, or
                             LOSSY_LEVEL_OF_QUALITY (files before params version 4:
                             the position follows from the quality) */
    int32_t *q;           /* c*h*w values, malloc'd */
    /* Architecture 3 (hyper_codec.h), else 0 / NULL: q holds the symbols
     * round(y g - mean); zq the hyper-latents [zc][zh][zw]; mean the gained
     * mean mu g and scale the Gaussian table of each latent (from h_s). */
    int zc, zh, zw;
    int32_t *zq;
    float *mean;
    uint8_t *scale;
} LossyLatents;
void lossy_latents_free(LossyLatents *l);
/* The level position (1/LOSSY_LEVEL_UNIT levels) the encoder gives quality q. */
int lossy_quality_level(const LossyModel *m, int quality);
/* The quality (0..100) whose level position is nearest to `level` (what a
 * file coded at a searched level position records). */
int lossy_level_quality(const LossyModel *m, int level);
/* The level position of lat's gains under m (levels, may be fractional or
 * negative); -1 when m cannot decode it (outside [LOSSY_MIN_LEVEL_POSITION,
 * levels - 1]: a corrupt or foreign file). */
int lossy_latents_position(const LossyModel *m, const LossyLatents *lat, double *pos);

/* Analysis: image (channels 1 or 3, 8-bit interleaved) -> latents at a
 * quality. The image is edge-replicated to a multiple of 16. */
int lossy_analyze(const LossyModel *m, const uint8_t *pixels, uint32_t width, uint32_t height,
                  uint32_t channels, int quality, LossyLatents *out);
/* The same at a given level position (LOSSY_LEVEL_OF_QUALITY: the quality's). */
int lossy_analyze_at(const LossyModel *m, const uint8_t *pixels, uint32_t width,
                     uint32_t height, uint32_t channels, int quality, int level,
                     LossyLatents *out);

/* Synthesis: latents -> 8-bit interleaved image of width x height (the
 * latent grid must be ceil(width/16) x ceil(height/16)); gray output is the
 * mean of the three synthesized channels. */
int lossy_synthesize(const LossyModel *m, const LossyLatents *lat, uint32_t width,
                     uint32_t height, uint32_t channels, uint8_t *pixels);

/* Entropy decoding only: the lossy streams of `in` -> the quantized
 * latents of a width x height image (what lossy_decode feeds to
 * lossy_synthesize), every field validated. Used by lat_decode_latents for
 * classification without synthesis. out->q is malloc'd (lossy_latents_free);
 * on error out is zeroed. */
int lossy_decode_latents(const LossyModel *m, const StreamList *in, uint32_t width,
                         uint32_t height, LossyLatents *out);

/* Ideal size of the latents under the model's prior: sum of -log2 p(y_hat)
 * (with per-level priors, the prior of the level nearest the file's quality,
 * rescaled to its gain). */
double lossy_latents_ideal_bits(const LossyModel *m, const LossyLatents *lat);
/* Same, for one channel. */
double lossy_channel_ideal_bits(const LossyModel *m, const LossyLatents *lat, int channel);

int lossy_model_channels(const LossyModel *m);   /* M */
int lossy_model_levels(const LossyModel *m);

#endif
