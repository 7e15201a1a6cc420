/* Coding of quantized latents into lossy streams and back (FORMAT.md 4),
 * without the networks: what lossy_encode/lossy_decode use after analysis
 * and before synthesis. */
#ifndef LAT_LOSSY_LATENTS_H
#define LAT_LOSSY_LATENTS_H
#include <stdint.h>
#include "common/streams.h"
#include "lossy/lossy.h"

#define LOSSY_MAX_GROUPS 16      /* latent streams per image (format limit) */
#define LOSSY_DEFAULT_GROUPS 1   /* what the encoder uses (measured best, FORMAT.md 4.2) */
#define LOSSY_ZSTD_LEVEL 19

/* Appends the params stream and the latent streams of each channel group
 * (two per binarized group: flags, values; one per range-coded group) to
 * out, params first. Each group takes the smaller of the binarized zstd
 * form and the range coder. Returns 0 or a LatError. */
int lossy_latents_to_streams(const LossyLatents *lat, int zstd_level, StreamList *out);

/* The same with the encoder's choices made explicit (tests, experiments). */
typedef struct LatentCodingOptions {
    int groups;   /* channel groups, 1..LOSSY_MAX_GROUPS */
    int order;    /* 1: send the entropy-sorted channel order, 0: natural order, -1: auto */
    int raw;      /* 1: raw int8/int16 groups instead of binarized */
    int coder;    /* LATENT_CODER_*: which form the (non-raw) groups take */
} LatentCodingOptions;
/* AUTO: the smaller of zstd and the range coder (format 5); RANGE4: the
 * older range-coded format 4, only to test that such files still decode. */
enum { LATENT_CODER_AUTO = 0, LATENT_CODER_ZSTD = 1, LATENT_CODER_RANGE = 2,
       LATENT_CODER_RANGE4 = 3 };
int lossy_latents_to_streams_opt(const LossyLatents *lat, int zstd_level,
                                 const LatentCodingOptions *opt, StreamList *out);

/* Parses the lossy streams of `in` for a latent grid of channels x lh x lw,
 * validating every field. out->q is malloc'd; on error out is zeroed. */
int lossy_streams_to_latents(const StreamList *in, int channels, uint32_t lh, uint32_t lw,
                             LossyLatents *out);
#endif
