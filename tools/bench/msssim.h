/* MS-SSIM (Wang, Simoncelli, Bovik 2003), the standard 5-scale form, for
 * `lat bench` (tools only).
 *
 * Per scale j: SSIM terms from an 11x11 Gaussian window (sigma 1.5, 'valid'
 * filtering, no padding), K1 = 0.01, K2 = 0.03, L = 255. Between scales both
 * images are averaged over 2x2 blocks (odd last row/column dropped).
 *   MS-SSIM = prod_{j=1..4} cs_j^w_j * ssim_5^w_5,
 *   w = 0.0448 0.2856 0.3001 0.2363 0.1333,
 * cs_j and ssim_5 the window means, clamped at 0 before the power (as
 * tf.image.ssim_multiscale does) so a negative mean cannot yield NaN.
 * Multi-channel images: computed per channel, the channel values averaged.
 *
 * Small images: the coarsest scale needs at least 11x11 pixels, so 5 scales
 * need min(width, height) >= 176. Smaller images use the largest number of
 * scales S that fits (the last of them contributes ssim, the others cs) with
 * the first S weights renormalized to sum to 1; below 11 pixels no SSIM
 * window fits and the result is NaN. msssim_scales() tells which case holds. */
#ifndef LAT_TOOLS_MSSSIM_H
#define LAT_TOOLS_MSSSIM_H
#include <stddef.h>
#include <stdint.h>

#define MSSSIM_MAX_SCALES 5
#define MSSSIM_WINDOW 11

/* Number of scales used for a width x height image: 5, fewer, or 0 (NaN). */
int msssim_scales(uint32_t width, uint32_t height);

/* MS-SSIM of two 8-bit interleaved images of the same size and channel
 * count (rows of width*channels bytes, no padding). Returns a value in
 * [0, 1], 1 for identical images; NaN when the image is too small or out of
 * memory. */
double msssim_u8(const uint8_t *a, const uint8_t *b, uint32_t width, uint32_t height,
                 uint32_t channels);
#endif
