/* Latent group format 4 (docs/FORMAT.md section 4.3): the quantized latents
 * of a group of channels coded by the binary adaptive range coder, with
 * contexts from each latent's left and upper neighbours in its channel.
 * Unlike zstd it sees the zero / sign / magnitude structure and the spatial
 * clustering of significant latents. */
#ifndef LAT_LOSSY_LATENT_AC_H
#define LAT_LOSSY_LATENT_AC_H
#include <stddef.h>
#include <stdint.h>

/* Codes the n planes planes[0..n-1] (each h*w values in raster order, all
 * within +-LOSSY_Q_MAX). Returns 0 (*out malloc'd) or a negative LatError. */
int latent_ac_encode(const int32_t *const *planes, int n, int h, int w, uint8_t **out,
                     size_t *size);

/* Decodes into planes[0..n-1]. Returns 0, or LAT_ERR_STREAM_CORRUPT when
 * the bytes are not exactly such a stream, or LAT_ERR_OUT_OF_MEMORY. */
int latent_ac_decode(const uint8_t *data, size_t size, int32_t *const *planes, int n, int h,
                     int w);

#endif
