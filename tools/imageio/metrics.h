/* Image quality metrics for the tools (`lat compare`, `lat encode
 * --print-psnr`, `lat bench`). MS-SSIM is in msssim.h, BD-rate in bdrate.h.
 *
 * PSNR follows the evaluation protocol of the project: MSE averaged over
 * all pixels and all channels (alpha included when present), peak 255 for
 * 8-bit and 65535 for 16-bit images. */
#ifndef LAT_TOOLS_METRICS_H
#define LAT_TOOLS_METRICS_H
#include <stdint.h>
#include "lat.h"

typedef struct ImageDiff {
    double mse;          /* mean squared error over all samples */
    double psnr;         /* dB; INFINITY when the images are identical */
    uint32_t max_abs;    /* largest absolute sample difference */
    uint64_t differing;  /* number of samples that differ */
} ImageDiff;

/* Compares two images of the same width, height, channels and bit depth.
 * Returns 0, or -1 when their shapes differ. */
int image_diff(const LatImage *a, const LatImage *b, ImageDiff *d);

/* PSNR of two 8-bit buffers of n samples each; INFINITY when equal. */
double psnr_u8(const uint8_t *a, const uint8_t *b, size_t n);
#endif
