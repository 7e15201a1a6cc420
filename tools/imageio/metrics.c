#include "metrics.h"

#include <math.h>
#include <stdlib.h>

static double psnr_from_mse(double mse, double peak)
{
    return mse == 0.0 ? INFINITY : 10.0 * log10(peak * peak / mse);
}

double psnr_u8(const uint8_t *a, const uint8_t *b, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = (double)a[i] - (double)b[i];
        sum += e * e;
    }
    return psnr_from_mse(n ? sum / (double)n : 0.0, 255.0);
}

/* Sample i of img at 16 bits when wide, else at its own depth. */
static int32_t sample(const LatImage *img, size_t i, int wide)
{
    if (img->bit_depth == 16)
        return ((const uint16_t *)img->pixels)[i];
    int32_t v = ((const uint8_t *)img->pixels)[i];
    return wide ? v * 257 : v;
}

int image_diff(const LatImage *a, const LatImage *b, ImageDiff *d)
{
    if (a->width != b->width || a->height != b->height || a->channels != b->channels ||
        (a->bit_depth != 8 && a->bit_depth != 16) || (b->bit_depth != 8 && b->bit_depth != 16))
        return -1;
    const int wide = a->bit_depth == 16 || b->bit_depth == 16;
    size_t n = (size_t)a->width * a->height * a->channels;
    double sum = 0.0;
    uint32_t max_abs = 0;
    uint64_t differing = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t e = (uint32_t)abs(sample(a, i, wide) - sample(b, i, wide));
        if (e) {
            differing++;
            if (e > max_abs)
                max_abs = e;
            sum += (double)e * (double)e;
        }
    }
    d->mse = n ? sum / (double)n : 0.0;
    d->psnr = psnr_from_mse(d->mse, wide ? 65535.0 : 255.0);
    d->max_abs = max_abs;
    d->differing = differing;
    d->bit_depth = wide ? 16 : 8;
    return 0;
}
