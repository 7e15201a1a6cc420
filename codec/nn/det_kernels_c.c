/* Plain-C deterministic kernels: the reference order of det_kernels.h with
 * fmaf (correctly rounded on every machine), for CPUs without AVX2+FMA. */
#include "det_kernels.h"

#include <math.h>

#define TILE 16

static void conv_c(int nco, int npx, int nterms, const float *x, const int32_t *off,
                   const float *w, const float *bias, float *out, size_t ldo)
{
    for (int p0 = 0; p0 < npx; p0 += TILE) {
        float acc[NN_DET_NCO][TILE];
        for (int c = 0; c < nco; c++)
            for (int p = 0; p < TILE; p++)
                acc[c][p] = bias ? bias[c] : out[c * ldo + p0 + p];
        for (int t = 0; t < nterms; t++) {
            const float *xp = x + off[t] + p0;
            const float *wt = w + (size_t)t * nco;
            for (int c = 0; c < nco; c++)
                for (int p = 0; p < TILE; p++)
                    acc[c][p] = fmaf(wt[c], xp[p], acc[c][p]);
        }
        for (int c = 0; c < nco; c++)
            for (int p = 0; p < TILE; p++)
                out[c * ldo + p0 + p] = acc[c][p];
    }
}

static void gdn_c(int c, int npx, const float *x, size_t ld, const float *beta,
                  const float *gamma, int inverse, float *y, float *sq)
{
    for (int p0 = 0; p0 < npx; p0 += 64) {
        const int n = npx - p0 < 64 ? npx - p0 : 64;
        for (int j = 0; j < c; j++)
            for (int p = 0; p < n; p++) {
                float v = x[j * ld + p0 + p];
                sq[j * 64 + p] = v * v;
            }
        for (int i = 0; i < c; i++)
            for (int p = 0; p < n; p++) {
                float acc = beta[i];
                for (int j = 0; j < c; j++)
                    acc = fmaf(gamma[(size_t)j * c + i], sq[j * 64 + p], acc);
                float xv = x[i * ld + p0 + p], r = sqrtf(acc);
                y[i * ld + p0 + p] = inverse ? xv * r : xv / r;
            }
    }
}

static float fma_loop_c(long n)
{
    float a[4] = { 0, 1, 2, 3 };
    for (long k = 0; k < n; k++)
        for (int i = 0; i < 4; i++)
            a[i] = fmaf(a[i], 0.999f, 1e-3f);
    return a[0] + a[1] + a[2] + a[3];
}

const NnDetKernels nn_det_kernels_c = { "c", 32, conv_c, gdn_c, fma_loop_c, 4 * 2 };
