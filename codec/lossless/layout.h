/* Planes of a lossless image, shared by lossless modes v1 and v2
 * (docs/FORMAT.md 3.2): the image shape, the colour transform, each plane's
 * sample range, and rows converted between interleaved pixels and planes. */
#ifndef LAT_LOSSLESS_LAYOUT_H
#define LAT_LOSSLESS_LAYOUT_H
#include <stddef.h>
#include <stdint.h>
#include "lossless/lossless.h"

#define MAX_PLANES 4

/* Everything both directions derive from the params (v1 also its groups). */
typedef struct Layout {
    uint32_t width, height, channels, bit_depth;
    int transform, predictor;
    uint32_t planes;
    int32_t lo[MAX_PLANES], hi[MAX_PLANES];
    uint32_t groups[MAX_PLANES];
    uint32_t thresholds[MAX_PLANES][LOSSLESS_MAX_GROUPS - 1];
} Layout;

/* The image shape; everything else zero (no transform, predictor 0). */
void layout_init(Layout *L, uint32_t width, uint32_t height, uint32_t channels,
                 uint32_t bit_depth);
/* Plane count and ranges from channels, bit depth and transform. */
void layout_ranges(Layout *L);
/* Row y of the image as planes (after the colour transform); rows[p] holds
 * width samples. */
void row_to_planes(const Layout *L, const void *pixels, uint32_t y, int32_t **rows);
/* Inverse of row_to_planes; LAT_ERR_STREAM_CORRUPT when corrupt data
 * decoded outside the sample range. */
int planes_to_row(const Layout *L, int32_t *const *rows, uint32_t y, void *pixels);

static inline uint32_t sample_get(const void *pixels, uint32_t bit_depth, size_t i)
{
    return bit_depth == 8 ? ((const uint8_t *)pixels)[i] : ((const uint16_t *)pixels)[i];
}

static inline void sample_put(void *pixels, uint32_t bit_depth, size_t i, uint32_t v)
{
    if (bit_depth == 8)
        ((uint8_t *)pixels)[i] = (uint8_t)v;
    else
        ((uint16_t *)pixels)[i] = (uint16_t)v;
}

#endif
