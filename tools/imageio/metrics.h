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
    uint32_t bit_depth;  /* depth compared at: the deeper of the two images */
} ImageDiff;

/* Compares two images of the same width, height and channels. When one is
 * 8-bit and the other 16-bit (a 16-bit photo against its lossy decode), the
 * 8-bit samples are widened exactly (v * 257) and the comparison is at 16
 * bits, peak 65535, so the error of the reduction counts. Returns 0, or -1
 * when width, height or channels differ. */
int image_diff(const LatImage *a, const LatImage *b, ImageDiff *d);

/* PSNR of two 8-bit buffers of n samples each; INFINITY when equal. */
double psnr_u8(const uint8_t *a, const uint8_t *b, size_t n);
#endif
