/* Planes of a lossless image (layout.h). */
#include <string.h>
#include "lat.h"
#include "lossless/colour.h"
#include "lossless/layout.h"

void layout_init(Layout *L, uint32_t width, uint32_t height, uint32_t channels,
                 uint32_t bit_depth)
{
    memset(L, 0, sizeof *L);
    L->width = width;
    L->height = height;
    L->channels = channels;
    L->bit_depth = bit_depth;
}

void layout_ranges(Layout *L)
{
    int32_t max = (int32_t)((1u << L->bit_depth) - 1);
    L->planes = L->channels;
    for (uint32_t p = 0; p < L->planes; p++) {
        L->lo[p] = 0;
        L->hi[p] = max;
    }
    if (L->transform) {   /* Co and Cg */
        L->lo[1] = L->lo[2] = -max;
    }
}

/* Row y of the image as planes (after the colour transform). */
void row_to_planes(const Layout *L, const void *pixels, uint32_t y, int32_t **rows)
{
    size_t base = (size_t)y * L->width * L->channels;
    for (uint32_t x = 0; x < L->width; x++) {
        size_t i = base + (size_t)x * L->channels;
        if (L->transform) {
            int32_t r = (int32_t)sample_get(pixels, L->bit_depth, i);
            int32_t g = (int32_t)sample_get(pixels, L->bit_depth, i + 1);
            int32_t b = (int32_t)sample_get(pixels, L->bit_depth, i + 2);
            ycocg_forward(r, g, b, &rows[0][x], &rows[1][x], &rows[2][x]);
            if (L->channels == 4)
                rows[3][x] = (int32_t)sample_get(pixels, L->bit_depth, i + 3);
        } else {
            for (uint32_t c = 0; c < L->channels; c++)
                rows[c][x] = (int32_t)sample_get(pixels, L->bit_depth, i + c);
        }
    }
}

/* Inverse of row_to_planes; fails when corrupt data decodes outside the
 * sample range. */
int planes_to_row(const Layout *L, int32_t *const *rows, uint32_t y, void *pixels)
{
    int32_t max = (int32_t)((1u << L->bit_depth) - 1);
    size_t base = (size_t)y * L->width * L->channels;
    for (uint32_t x = 0; x < L->width; x++) {
        size_t i = base + (size_t)x * L->channels;
        if (L->transform) {
            int32_t r, g, b;
            ycocg_inverse(rows[0][x], rows[1][x], rows[2][x], &r, &g, &b);
            if (r < 0 || r > max || g < 0 || g > max || b < 0 || b > max)
                return LAT_ERR_STREAM_CORRUPT;
            sample_put(pixels, L->bit_depth, i, (uint32_t)r);
            sample_put(pixels, L->bit_depth, i + 1, (uint32_t)g);
            sample_put(pixels, L->bit_depth, i + 2, (uint32_t)b);
            if (L->channels == 4)
                sample_put(pixels, L->bit_depth, i + 3, (uint32_t)rows[3][x]);
        } else {
            for (uint32_t c = 0; c < L->channels; c++)
                sample_put(pixels, L->bit_depth, i + c, (uint32_t)rows[c][x]);
        }
    }
    return LAT_OK;
}

