/* Latent groups coded by the binary adaptive range coder (docs/FORMAT.md
 * section 4.3): group format 5, what the encoder writes, and format 4, its
 * predecessor, kept so that older files still decode. Unlike zstd they see
 * the zero / sign / magnitude structure, the spatial clustering of
 * significant latents and (format 5 more finely) how active a position was
 * in the channels coded before. */
#ifndef LAT_LOSSY_LATENT_AC_H
#define LAT_LOSSY_LATENT_AC_H
#include <stddef.h>
#include <stdint.h>

/* Codes the n planes planes[0..n-1] (each h*w values in raster order, all
 * within +-LOSSY_Q_MAX) as format 5. Returns 0 (*out malloc'd) or a
 * negative LatError. */
int latent_ac_encode(const int32_t *const *planes, int n, int h, int w, uint8_t **out,
                     size_t *size);

/* Decodes a format 5 stream into planes[0..n-1]. Returns 0, or
 * LAT_ERR_STREAM_CORRUPT when the bytes are not exactly such a stream, or
 * LAT_ERR_OUT_OF_MEMORY. */
int latent_ac_decode(const uint8_t *data, size_t size, int32_t *const *planes, int n, int h,
                     int w);

/* The same for format 4 (the encoder only for tests of old files). */
int latent_ac4_encode(const int32_t *const *planes, int n, int h, int w, uint8_t **out,
                      size_t *size);
int latent_ac4_decode(const uint8_t *data, size_t size, int32_t *const *planes, int n, int h,
                      int w);

#endif
