/* AVX2+FMA deterministic kernels (chosen at run time by CPUID; the file is
 * compiled without -march, each function carries its target). Lanes run
 * across output pixels; a register tile is up to NN_DET_NCO channels x 3
 * vectors of 8 pixels: 12 accumulators of the 16 ymm registers, each the
 * fixed fma sequence of det_kernels.h. */
#include "det_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define TGT __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#define MAXV 3

TGT INLINE void conv_tile(const int nco, const int npv, int nterms, const float *x,
                          const int32_t *off, const float *w, const float *bias, float *out,
                          size_t ldo)
{
    __m256 acc[NN_DET_NCO][MAXV];
#pragma GCC unroll 4
    for (int c = 0; c < nco; c++)
#pragma GCC unroll 3
        for (int v = 0; v < npv; v++)
            acc[c][v] = bias ? _mm256_set1_ps(bias[c]) : _mm256_loadu_ps(out + c * ldo + 8 * v);
    for (int t = 0; t < nterms; t++) {
        const float *xp = x + off[t];
        const float *wt = w + (size_t)t * nco;
        __m256 xv[MAXV];
#pragma GCC unroll 3
        for (int v = 0; v < npv; v++)
            xv[v] = _mm256_loadu_ps(xp + 8 * v);
#pragma GCC unroll 4
        for (int c = 0; c < nco; c++) {
            const __m256 wc = _mm256_broadcast_ss(wt + c);
#pragma GCC unroll 3
            for (int v = 0; v < npv; v++)
                acc[c][v] = _mm256_fmadd_ps(wc, xv[v], acc[c][v]);
        }
    }
#pragma GCC unroll 4
    for (int c = 0; c < nco; c++)
#pragma GCC unroll 3
        for (int v = 0; v < npv; v++)
            _mm256_storeu_ps(out + c * ldo + 8 * v, acc[c][v]);
}

typedef void TileFn(int nterms, const float *x, const int32_t *off, const float *w,
                    const float *bias, float *out, size_t ldo);

#define TILE_FN(C, V)                                                                        \
    TGT static void conv_##C##_##V(int nterms, const float *x, const int32_t *off,          \
                                   const float *w, const float *bias, float *out, size_t ldo) \
    {                                                                                        \
        conv_tile(C, V, nterms, x, off, w, bias, out, ldo);                                  \
    }
#define TILE_ROW(C) TILE_FN(C, 1) TILE_FN(C, 2) TILE_FN(C, 3)
TILE_ROW(1)
TILE_ROW(2)
TILE_ROW(3)
TILE_ROW(4)

#define TILE_REF(C) { conv_##C##_1, conv_##C##_2, conv_##C##_3 }
static TileFn *const conv_tiles[NN_DET_NCO][MAXV] = {
    TILE_REF(1), TILE_REF(2), TILE_REF(3), TILE_REF(4),
};

static void conv_avx2(int nco, int npx, int nterms, const float *x, const int32_t *off,
                      const float *w, const float *bias, float *out, size_t ldo)
{
    for (int p = 0; p < npx; p += 8 * MAXV) {
        int nv = (npx - p + 7) / 8;
        if (nv > MAXV)
            nv = MAXV;
        conv_tiles[nco - 1][nv - 1](nterms, x + p, off, w, bias, out + p, ldo);
    }
}

/* Lane mask of the first n (1..8) lanes, for maskload/maskstore. */
TGT INLINE __m256i lanes(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* GDN on up to 4 channels x 3 vectors of 8 pixels (12 accumulators); the
 * last vector may be partial (mask). g = gamma^T + i0. */
TGT INLINE void gdn_tile(const int ni, const int npv, int c, const float *sq, const float *g,
                         const float *beta, const float *x, size_t ld, int inverse, float *y,
                         int nlast)
{
    __m256 acc[4][3];
#pragma GCC unroll 4
    for (int ii = 0; ii < ni; ii++)
#pragma GCC unroll 3
        for (int v = 0; v < npv; v++)
            acc[ii][v] = _mm256_set1_ps(beta[ii]);
    for (int j = 0; j < c; j++) {
        __m256 s[3];
#pragma GCC unroll 3
        for (int v = 0; v < npv; v++)
            s[v] = _mm256_loadu_ps(sq + j * 64 + 8 * v);
#pragma GCC unroll 4
        for (int ii = 0; ii < ni; ii++) {
            const __m256 gv = _mm256_broadcast_ss(g + (size_t)j * c + ii);
#pragma GCC unroll 3
            for (int v = 0; v < npv; v++)
                acc[ii][v] = _mm256_fmadd_ps(gv, s[v], acc[ii][v]);
        }
    }
    const __m256i m = lanes(nlast);
#pragma GCC unroll 4
    for (int ii = 0; ii < ni; ii++)
#pragma GCC unroll 3
        for (int v = 0; v < npv; v++) {
            const float *xp = x + ii * ld + 8 * v;
            float *yp = y + ii * ld + 8 * v;
            const __m256 r = _mm256_sqrt_ps(acc[ii][v]);
            if (v == npv - 1 && nlast < 8) {
                const __m256 xv = _mm256_maskload_ps(xp, m);
                _mm256_maskstore_ps(yp, m, inverse ? _mm256_mul_ps(xv, r) : _mm256_div_ps(xv, r));
            } else {
                const __m256 xv = _mm256_loadu_ps(xp);
                _mm256_storeu_ps(yp, inverse ? _mm256_mul_ps(xv, r) : _mm256_div_ps(xv, r));
            }
        }
}

typedef void GdnTileFn(int c, const float *sq, const float *g, const float *beta,
                       const float *x, size_t ld, int inverse, float *y, int nlast);

#define GDN_FN(C, V)                                                                        \
    TGT static void gdn_##C##_##V(int c, const float *sq, const float *g, const float *beta, \
                                  const float *x, size_t ld, int inverse, float *y,          \
                                  int nlast)                                                \
    {                                                                                       \
        gdn_tile(C, V, c, sq, g, beta, x, ld, inverse, y, nlast);                           \
    }
#define GDN_ROW(C) GDN_FN(C, 1) GDN_FN(C, 2) GDN_FN(C, 3)
GDN_ROW(1)
GDN_ROW(2)
GDN_ROW(3)
GDN_ROW(4)

#define GDN_REF(C) { gdn_##C##_1, gdn_##C##_2, gdn_##C##_3 }
static GdnTileFn *const gdn_tiles[4][3] = {
    GDN_REF(1), GDN_REF(2), GDN_REF(3), GDN_REF(4),
};

TGT static void squares(int c, int n, const float *x, size_t ld, float *sq)
{
    const int nv = (n + 7) / 8, nlast = n - 8 * (nv - 1);
    const __m256i m = lanes(nlast);
    for (int j = 0; j < c; j++)
        for (int v = 0; v < nv; v++) {
            const float *xp = x + j * ld + 8 * v;
            const __m256 xv = v == nv - 1 ? _mm256_maskload_ps(xp, m) : _mm256_loadu_ps(xp);
            _mm256_storeu_ps(sq + j * 64 + 8 * v, _mm256_mul_ps(xv, xv));
        }
}

static void gdn_avx2(int c, int npx, const float *x, size_t ld, const float *beta,
                     const float *gamma, int inverse, float *y, float *sq)
{
    for (int p0 = 0; p0 < npx; p0 += 64) {
        const int n = npx - p0 < 64 ? npx - p0 : 64;
        squares(c, n, x + p0, ld, sq);
        for (int i0 = 0; i0 < c; i0 += 4) {
            const int ni = c - i0 < 4 ? c - i0 : 4;
            for (int q = 0; q < n; q += 24) {
                const int nq = n - q < 24 ? n - q : 24;
                const int nv = (nq + 7) / 8;
                gdn_tiles[ni - 1][nv - 1](c, sq + q, gamma + i0, beta + i0,
                                          x + i0 * ld + p0 + q, ld, inverse,
                                          y + i0 * ld + p0 + q, nq - 8 * (nv - 1));
            }
        }
    }
}

/* 12 independent accumulators cover the FMA latency on two pipes. */
TGT static float fma_loop_avx2(long n)
{
    __m256 a[12];
    const __m256 m = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(1e-3f);
    for (int i = 0; i < 12; i++)
        a[i] = _mm256_set1_ps((float)i);
    for (long k = 0; k < n; k++)
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++)
            a[i] = _mm256_fmadd_ps(a[i], m, c);
    __m256 s = a[0];
    for (int i = 1; i < 12; i++)
        s = _mm256_add_ps(s, a[i]);
    float v[8];
    _mm256_storeu_ps(v, s);
    return v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
}

const NnDetKernels nn_det_kernels_avx2 = {
    "avx2", 48, conv_avx2, gdn_avx2, fma_loop_avx2, 12 * 8 * 2,
};

#else
/* Not an x86 build: never chosen (det_conv.c checks the CPU first). */
const NnDetKernels nn_det_kernels_avx2 = { "avx2", 0, 0, 0, 0, 0 };
#endif
