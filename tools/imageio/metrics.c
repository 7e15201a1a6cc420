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

int image_diff(const LatImage *a, const LatImage *b, ImageDiff *d)
{
    if (a->width != b->width || a->height != b->height || a->channels != b->channels ||
        a->bit_depth != b->bit_depth || (a->bit_depth != 8 && a->bit_depth != 16))
        return -1;
    size_t n = (size_t)a->width * a->height * a->channels;
    double sum = 0.0;
    uint32_t max_abs = 0;
    uint64_t differing = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t va, vb;
        if (a->bit_depth == 8) {
            va = ((const uint8_t *)a->pixels)[i];
            vb = ((const uint8_t *)b->pixels)[i];
        } else {
            va = ((const uint16_t *)a->pixels)[i];
            vb = ((const uint16_t *)b->pixels)[i];
        }
        uint32_t e = (uint32_t)abs(va - vb);
        if (e) {
            differing++;
            if (e > max_abs)
                max_abs = e;
            sum += (double)e * (double)e;
        }
    }
    d->mse = n ? sum / (double)n : 0.0;
    d->psnr = psnr_from_mse(d->mse, a->bit_depth == 8 ? 255.0 : 65535.0);
    d->max_abs = max_abs;
    d->differing = differing;
    return 0;
}
