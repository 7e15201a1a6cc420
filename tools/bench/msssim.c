/* MS-SSIM: separable Gaussian filtering of the five moment planes
 * (x, y, x^2, y^2, (x-y)^2) in float (2.5x faster than double here), window
 * means accumulated in double. tests/test_metrics.c checks it against a
 * direct double-precision implementation. */
#include "msssim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double kWeights[MSSSIM_MAX_SCALES] = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};
static const double kC1 = (0.01 * 255.0) * (0.01 * 255.0);
static const double kC2 = (0.03 * 255.0) * (0.03 * 255.0);
/* Samples are centred (x - 128) before filtering: the moments are then at
 * most 128^2 and variances E[x^2] - E[x]^2 keep ~4 more bits in float. */
static const float kOffset = 128.0f;

int msssim_scales(uint32_t width, uint32_t height)
{
    uint32_t side = width < height ? width : height;
    int scales = 0;
    while (scales < MSSSIM_MAX_SCALES && side >= MSSSIM_WINDOW) {
        scales++;
        side /= 2;
    }
    return scales;
}

static void gaussian_window(float w[MSSSIM_WINDOW])
{
    double sum = 0, tmp[MSSSIM_WINDOW];
    for (int i = 0; i < MSSSIM_WINDOW; i++) {
        double d = i - MSSSIM_WINDOW / 2;
        tmp[i] = exp(-d * d / (2 * 1.5 * 1.5));
        sum += tmp[i];
    }
    for (int i = 0; i < MSSSIM_WINDOW; i++)
        w[i] = (float)(tmp[i] / sum);
}

/* Mean of the SSIM map and of the contrast-structure map of one plane pair
 * (w x h floats each), 'valid' window positions only. scratch holds
 * 5 * w * (h - 10) + 5 * (w - 10) floats. */
static void ssim_means(const float *x, const float *y, int w, int h, float *scratch,
                       double *ssim_mean, double *cs_mean)
{
    float win[MSSSIM_WINDOW];
    gaussian_window(win);
    /* The float weights sum to 1 only within rounding; dividing by their
     * actual 2-D sum keeps flat areas flat (variance 0, cs exactly ~1). */
    double wsum = 0;
    for (int k = 0; k < MSSSIM_WINDOW; k++)
        wsum += win[k];
    const double norm = 1 / (wsum * wsum);
    const int K = MSSSIM_WINDOW, vh = h - K + 1, vw = w - K + 1;
    /* Vertical pass: five moment planes, vh rows of w. */
    float *mx = scratch, *my = mx + (size_t)vh * w, *mxx = my + (size_t)vh * w;
    float *myy = mxx + (size_t)vh * w, *mdd = myy + (size_t)vh * w;
    for (int r = 0; r < vh; r++) {
        float *ox = mx + (size_t)r * w, *oy = my + (size_t)r * w, *oxx = mxx + (size_t)r * w;
        float *oyy = myy + (size_t)r * w, *odd = mdd + (size_t)r * w;
        memset(ox, 0, sizeof(float) * (size_t)w);
        memset(oy, 0, sizeof(float) * (size_t)w);
        memset(oxx, 0, sizeof(float) * (size_t)w);
        memset(oyy, 0, sizeof(float) * (size_t)w);
        memset(odd, 0, sizeof(float) * (size_t)w);
        for (int k = 0; k < K; k++) {
            const float *rx = x + (size_t)(r + k) * w, *ry = y + (size_t)(r + k) * w;
            float g = win[k];
            for (int c = 0; c < w; c++) {
                float a = rx[c], b = ry[c];
                ox[c] += g * a;
                oy[c] += g * b;
                oxx[c] += g * a * a;
                oyy[c] += g * b * b;
                odd[c] += g * (a - b) * (a - b);
            }
        }
    }
    /* Horizontal pass per row, then the SSIM formula per window. */
    float *hrow = mdd + (size_t)vh * w;
    double ssim_sum = 0, cs_sum = 0;
    for (int r = 0; r < vh; r++) {
        const float *planes[5] = {mx + (size_t)r * w, my + (size_t)r * w, mxx + (size_t)r * w,
                                  myy + (size_t)r * w, mdd + (size_t)r * w};
        float *out[5];
        for (int p = 0; p < 5; p++) {
            out[p] = hrow + (size_t)p * vw;
            memset(out[p], 0, sizeof(float) * (size_t)vw);
            for (int k = 0; k < K; k++) {
                const float *src = planes[p] + k;
                float g = win[k];
                for (int c = 0; c < vw; c++)
                    out[p][c] += g * src[c];
            }
        }
        double row_ssim = 0, row_cs = 0;
        for (int c = 0; c < vw; c++) {
            double ux = out[0][c] * norm, uy = out[1][c] * norm;
            double vx = out[2][c] * norm - ux * ux, vy = out[3][c] * norm - uy * uy;
            /* cs = (2 cov + C2) / (vx + vy + C2) with 2 cov = vx + vy - var(x - y):
             * var(x - y) is computed from x - y directly, which keeps its
             * precision when x ~ y (high-quality images), where cov - vx
             * would cancel in float. */
            double vd = out[4][c] * norm - (ux - uy) * (ux - uy);
            double cs = 1 - vd / (vx + vy + kC2);
            ux += kOffset; /* back to the 0..255 scale for the luminance term */
            uy += kOffset;
            double l = (2 * ux * uy + kC1) / (ux * ux + uy * uy + kC1);
            row_cs += cs;
            row_ssim += l * cs;
        }
        ssim_sum += row_ssim;
        cs_sum += row_cs;
    }
    double n = (double)vw * vh;
    *ssim_mean = ssim_sum / n;
    *cs_mean = cs_sum / n;
}

/* 2x2 average, in place is not allowed: dst is (w/2) x (h/2). */
static void downsample(const float *src, int w, int h, float *dst)
{
    int dw = w / 2, dh = h / 2;
    for (int r = 0; r < dh; r++) {
        const float *s0 = src + (size_t)(2 * r) * w, *s1 = s0 + w;
        for (int c = 0; c < dw; c++)
            dst[(size_t)r * dw + c] = 0.25f * (s0[2 * c] + s0[2 * c + 1] + s1[2 * c] + s1[2 * c + 1]);
    }
}

double msssim_u8(const uint8_t *a, const uint8_t *b, uint32_t width, uint32_t height,
                 uint32_t channels)
{
    int scales = msssim_scales(width, height);
    if (scales == 0 || channels == 0)
        return NAN;
    size_t n = (size_t)width * height;
    /* Two pyramids' worth of planes (x, y at the current scale and the next)
     * plus the filter scratch. */
    float *x = malloc(sizeof(float) * n), *y = malloc(sizeof(float) * n);
    float *x2 = malloc(sizeof(float) * (n / 4 + 1)), *y2 = malloc(sizeof(float) * (n / 4 + 1));
    float *scratch = malloc(sizeof(float) * (5 * n + 5 * (size_t)width));
    double total = 0;
    if (!x || !y || !x2 || !y2 || !scratch) {
        total = NAN;
        goto done;
    }
    double wsum = 0;
    for (int s = 0; s < scales; s++)
        wsum += kWeights[s];
    for (uint32_t ch = 0; ch < channels; ch++) {
        for (size_t i = 0; i < n; i++) {
            x[i] = (float)a[i * channels + ch] - kOffset;
            y[i] = (float)b[i * channels + ch] - kOffset;
        }
        int w = (int)width, h = (int)height;
        double value = 1;
        float *cx = x, *cy = y, *nx = x2, *ny = y2;
        for (int s = 0; s < scales; s++) {
            double ssim, cs;
            ssim_means(cx, cy, w, h, scratch, &ssim, &cs);
            double term = s == scales - 1 ? ssim : cs;
            if (term < 0)
                term = 0;
            value *= pow(term, kWeights[s] / wsum);
            if (s + 1 < scales) {
                downsample(cx, w, h, nx);
                downsample(cy, w, h, ny);
                w /= 2;
                h /= 2;
                float *t = cx; cx = nx; nx = t;
                t = cy; cy = ny; ny = t;
            }
        }
        total += value;
    }
    total /= channels;
done:
    free(x);
    free(y);
    free(x2);
    free(y2);
    free(scratch);
    return total;
}
