/* Metrics of `lat bench` against hand-computed cases:
 * - PSNR of a known MSE (tools/imageio/metrics.c);
 * - MS-SSIM: identical images give 1; two flat images give the closed form
 *   l^w5 (no structure, so every cs term is 1); a noisy perturbation matches
 *   a direct double-precision implementation written here (2-D window sums,
 *   no separable filter, no float), for 5 scales and for the reduced-scale
 *   rule of small images;
 * - BD-rate / BD-PSNR (both fits): rates x0.8 -> -20%, x1.25 -> +25%,
 *   PSNR +1 dB -> +1 dB, and two straight log-rate lines of different slope
 *   whose BD-rate is sqrt(2) - 1 in closed form;
 * - base64 against the RFC 4648 test vectors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "bdrate.h"
#include "check.h"
#include "metrics.h"
#include "msssim.h"

#define CHECK_NEAR(a, b, tol) \
    CHECK_MSG(fabs((a) - (b)) <= (tol), "%.12g vs %.12g (tolerance %g)", (double)(a), \
              (double)(b), (double)(tol))

static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

static void test_psnr(void)
{
    enum { N = 3000 };
    uint8_t a[N], b[N];
    for (int i = 0; i < N; i++) {
        a[i] = (uint8_t)(rng() & 0xff);
        b[i] = a[i];
    }
    CHECK_MSG(isinf(psnr_u8(a, b, N)), "identical buffers must give infinite PSNR");
    /* Every sample off by 1: MSE 1, PSNR = 20 log10(255). */
    for (int i = 0; i < N; i++)
        b[i] = a[i] < 255 ? a[i] + 1 : a[i] - 1;
    CHECK_NEAR(psnr_u8(a, b, N), 20 * log10(255.0), 1e-9);
    /* One sample in three off by 6: MSE 12. */
    for (int i = 0; i < N; i++)
        b[i] = i % 3 ? a[i] : (a[i] < 128 ? a[i] + 6 : a[i] - 6);
    CHECK_NEAR(psnr_u8(a, b, N), 10 * log10(255.0 * 255.0 / 12.0), 1e-9);
}

/* ---- Reference MS-SSIM: direct, double precision. ---- */

static const double kW[5] = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};

static void ref_ssim(const double *x, const double *y, int w, int h, double *ssim, double *cs)
{
    double g[11][11], gsum = 0;
    for (int i = 0; i < 11; i++)
        for (int j = 0; j < 11; j++) {
            g[i][j] = exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / (2 * 1.5 * 1.5));
            gsum += g[i][j];
        }
    const double c1 = pow(0.01 * 255, 2), c2 = pow(0.03 * 255, 2);
    double ssum = 0, csum = 0;
    int count = 0;
    for (int r = 0; r + 11 <= h; r++)
        for (int c = 0; c + 11 <= w; c++) {
            double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
            for (int i = 0; i < 11; i++)
                for (int j = 0; j < 11; j++) {
                    double wt = g[i][j] / gsum, a = x[(r + i) * w + c + j], b = y[(r + i) * w + c + j];
                    mx += wt * a;
                    my += wt * b;
                    sxx += wt * a * a;
                    syy += wt * b * b;
                    sxy += wt * a * b;
                }
            double vx = sxx - mx * mx, vy = syy - my * my, cov = sxy - mx * my;
            double csv = (2 * cov + c2) / (vx + vy + c2);
            csum += csv;
            ssum += csv * (2 * mx * my + c1) / (mx * mx + my * my + c1);
            count++;
        }
    *ssim = ssum / count;
    *cs = csum / count;
}

static double ref_msssim(const uint8_t *a, const uint8_t *b, int w, int h, int ch)
{
    int scales = 0;
    for (int s = (w < h ? w : h); scales < 5 && s >= 11; s /= 2)
        scales++;
    double wsum = 0, total = 0;
    for (int s = 0; s < scales; s++)
        wsum += kW[s];
    double *x = malloc(sizeof(double) * w * h), *y = malloc(sizeof(double) * w * h);
    for (int c = 0; c < ch; c++) {
        int cw = w, chh = h;
        for (int i = 0; i < w * h; i++) {
            x[i] = a[i * ch + c];
            y[i] = b[i * ch + c];
        }
        double v = 1;
        for (int s = 0; s < scales; s++) {
            double ssim, cs;
            ref_ssim(x, y, cw, chh, &ssim, &cs);
            v *= pow(fmax(s == scales - 1 ? ssim : cs, 0), kW[s] / wsum);
            int nw = cw / 2, nh = chh / 2;
            for (int r = 0; r < nh; r++)
                for (int q = 0; q < nw; q++) {
                    x[r * nw + q] = (x[2 * r * cw + 2 * q] + x[2 * r * cw + 2 * q + 1] +
                                     x[(2 * r + 1) * cw + 2 * q] + x[(2 * r + 1) * cw + 2 * q + 1]) / 4;
                    y[r * nw + q] = (y[2 * r * cw + 2 * q] + y[2 * r * cw + 2 * q + 1] +
                                     y[(2 * r + 1) * cw + 2 * q] + y[(2 * r + 1) * cw + 2 * q + 1]) / 4;
                }
            cw = nw;
            chh = nh;
        }
        total += v;
    }
    free(x);
    free(y);
    return total / ch;
}

/* A smooth colour pattern and a noisy, slightly shifted copy of it. */
static void make_pair(uint8_t *a, uint8_t *b, int w, int h, int noise)
{
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++)
            for (int k = 0; k < 3; k++) {
                double v = 128 + 60 * sin(c * 0.07 * (k + 1)) * cos(r * 0.05) + 30 * sin((r + c) * 0.3);
                int i = (r * w + c) * 3 + k;
                a[i] = (uint8_t)lround(fmin(255, fmax(0, v)));
                int d = (int)(rng() % (2 * noise + 1)) - noise + (k == 1 ? 3 : 0);
                b[i] = (uint8_t)(a[i] + d < 0 ? 0 : a[i] + d > 255 ? 255 : a[i] + d);
            }
}

static void test_msssim(void)
{
    enum { W = 200, H = 180 };
    uint8_t *a = malloc(W * H * 3), *b = malloc(W * H * 3);
    make_pair(a, b, W, H, 20);
    CHECK_MSG(msssim_scales(W, H) == 5, "200x180 has 5 scales");
    CHECK_MSG(msssim_u8(a, a, W, H, 3) == 1.0, "identical images: %.17g", msssim_u8(a, a, W, H, 3));

    /* Flat 100 vs flat 110: cs = 1 at every scale, l is constant. The
     * tolerance is the float filtering's rounding (about 5e-7 here). */
    memset(a, 100, W * H * 3);
    memset(b, 110, W * H * 3);
    const double c1 = pow(0.01 * 255, 2);
    double l = (2 * 100.0 * 110.0 + c1) / (100.0 * 100.0 + 110.0 * 110.0 + c1);
    CHECK_NEAR(msssim_u8(a, b, W, H, 3), pow(l, 0.1333), 1e-6);

    /* Noise of +-20 (and +3 bias on green) on a smooth pattern. */
    make_pair(a, b, W, H, 20);
    double ref = ref_msssim(a, b, W, H, 3), got = msssim_u8(a, b, W, H, 3);
    printf("msssim perturbed 200x180: %.9f (reference %.9f)\n", got, ref);
    CHECK_MSG(ref > 0.5 && ref < 0.99, "the perturbation should be visible: %g", ref);
    CHECK_NEAR(got, ref, 1e-6);
    make_pair(a, b, W, H, 3);
    ref = ref_msssim(a, b, W, H, 3);
    got = msssim_u8(a, b, W, H, 3);
    CHECK_NEAR(got, ref, 1e-6);
    CHECK_MSG(got > 0.9 && got < 1, "mild noise: %g", got);

    /* Small images: 64x40 has 2 scales (40, 20; 10 < 11 stops), 64x44 has 3
     * (44, 22, 11), weights renormalized; 10 pixels is too small. */
    CHECK_MSG(msssim_scales(64, 40) == 2, "64x40: %d scales", msssim_scales(64, 40));
    CHECK_MSG(msssim_scales(64, 44) == 3, "64x44: %d scales", msssim_scales(64, 44));
    make_pair(a, b, 64, 44, 10);
    CHECK_NEAR(msssim_u8(a, b, 64, 44, 3), ref_msssim(a, b, 64, 44, 3), 1e-6);
    CHECK_MSG(msssim_scales(10, 300) == 0, "10 wide: no scale");
    CHECK_MSG(isnan(msssim_u8(a, b, 10, 10, 3)), "too small must be NaN");
    free(a);
    free(b);
}

static void test_bdrate(void)
{
    /* A JPEG-like anchor curve (Kodak-ish numbers). */
    const double rate[] = {0.21, 0.34, 0.52, 0.75, 1.02, 1.45, 2.1};
    const double psnr[] = {25.1, 27.6, 29.8, 31.5, 33.0, 34.9, 37.0};
    enum { N = 7 };
    double r2[N], p2[N];
    for (int fit = BD_FIT_PCHIP; fit <= BD_FIT_CUBIC; fit++) {
        for (int i = 0; i < N; i++)
            r2[i] = rate[i] * 0.8;
        CHECK_NEAR(bd_rate(rate, psnr, N, r2, psnr, N, (BdFit)fit), -20.0, 1e-6);
        for (int i = 0; i < N; i++)
            r2[i] = rate[i] * 1.25;
        CHECK_NEAR(bd_rate(rate, psnr, N, r2, psnr, N, (BdFit)fit), 25.0, 1e-6);
        for (int i = 0; i < N; i++)
            p2[i] = psnr[i] + 1;
        CHECK_NEAR(bd_quality(rate, psnr, N, rate, p2, N, (BdFit)fit), 1.0, 1e-9);
        CHECK_NEAR(bd_quality(rate, p2, N, rate, psnr, N, (BdFit)fit), -1.0, 1e-9);
        /* Same curve, points given in another order: 0. */
        const double rr[] = {2.1, 0.21, 1.02, 0.34, 1.45, 0.75, 0.52};
        const double pr[] = {37.0, 25.1, 33.0, 27.6, 34.9, 31.5, 29.8};
        CHECK_NEAR(bd_rate(rate, psnr, N, rr, pr, N, (BdFit)fit), 0.0, 1e-9);

        /* ln r_a = ln 0.5 + (p - 30) ln2 / 4 and ln r_t = ln 0.5 + (p - 30) ln2 / 2
         * on p in [30, 34]: mean log difference ln2 * mean((p - 30) / 4) = ln2 / 2,
         * BD-rate = sqrt(2) - 1. Straight lines are fitted exactly by both fits. */
        double ra[5], pa[5], rt[5];
        for (int i = 0; i < 5; i++) {
            pa[i] = 30 + i;
            ra[i] = 0.5 * pow(2, i / 4.0);
            rt[i] = 0.5 * pow(2, i / 2.0);
        }
        CHECK_NEAR(bd_rate(ra, pa, 5, rt, pa, 5, (BdFit)fit), (sqrt(2) - 1) * 100, 1e-6);
    }
    /* Too few points, no overlap. */
    CHECK_MSG(isnan(bd_rate(rate, psnr, 1, rate, psnr, N, BD_FIT_PCHIP)), "1 point");
    CHECK_MSG(isnan(bd_rate(rate, psnr, 3, rate, psnr, 3, BD_FIT_CUBIC)), "cubic needs 4 points");
    for (int i = 0; i < N; i++)
        p2[i] = psnr[i] + 20;
    CHECK_MSG(isnan(bd_rate(rate, psnr, N, rate, p2, N, BD_FIT_PCHIP)), "no overlap");

    /* Interpolation: exact at the points, NaN outside, monotone between. */
    CHECK_NEAR(rd_quality_at_rate(rate, psnr, N, 0.52), 29.8, 1e-9);
    CHECK_MSG(isnan(rd_quality_at_rate(rate, psnr, N, 0.2)), "below range");
    CHECK_MSG(isnan(rd_quality_at_rate(rate, psnr, N, 2.2)), "above range");
    double q = rd_quality_at_rate(rate, psnr, N, 0.6);
    CHECK_MSG(q > 29.8 && q < 31.5, "between neighbours: %g", q);
}

static void test_base64(void)
{
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    char buf[32];
    for (int i = 0; i < 7; i++) {
        size_t n = strlen(in[i]);
        CHECK_MSG(base64_encoded_size(n) == strlen(out[i]), "size of '%s'", in[i]);
        base64_encode((const uint8_t *)in[i], n, buf);
        CHECK_MSG(strcmp(buf, out[i]) == 0, "'%s' -> '%s', expected '%s'", in[i], buf, out[i]);
    }
}

int main(void)
{
    test_psnr();
    test_msssim();
    test_bdrate();
    test_base64();
    if (!check_failures)
        printf("all metric checks passed\n");
    return check_report();
}
