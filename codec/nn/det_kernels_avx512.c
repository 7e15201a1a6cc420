/* AVX-512 deterministic kernels (chosen at run time by CPUID; the file is
 * compiled without -march, each function carries its target). Lanes run
 * across output pixels; a register tile is up to NN_DET_NCO channels x 6
 * vectors of 16 pixels: 24 accumulators, each the fixed fma sequence of
 * det_kernels.h. */
#include "det_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))
#define INLINE static inline __attribute__((always_inline))
#define MAXV 6

TGT INLINE void conv_tile(const int nco, const int npv, int nterms, const float *x,
                          const int32_t *off, const float *w, const float *bias, float *out,
                          size_t ldo)
{
    __m512 acc[NN_DET_NCO][MAXV];
#pragma GCC unroll 4
    for (int c = 0; c < nco; c++)
#pragma GCC unroll 6
        for (int v = 0; v < npv; v++)
            acc[c][v] = bias ? _mm512_set1_ps(bias[c]) : _mm512_loadu_ps(out + c * ldo + 16 * v);
    for (int t = 0; t < nterms; t++) {
        const float *xp = x + off[t];
        const float *wt = w + (size_t)t * nco;
        __m512 xv[MAXV];
#pragma GCC unroll 6
        for (int v = 0; v < npv; v++)
            xv[v] = _mm512_loadu_ps(xp + 16 * v);
#pragma GCC unroll 4
        for (int c = 0; c < nco; c++) {
            const __m512 wc = _mm512_set1_ps(wt[c]);
#pragma GCC unroll 6
            for (int v = 0; v < npv; v++)
                acc[c][v] = _mm512_fmadd_ps(wc, xv[v], acc[c][v]);
        }
    }
#pragma GCC unroll 4
    for (int c = 0; c < nco; c++)
#pragma GCC unroll 6
        for (int v = 0; v < npv; v++)
            _mm512_storeu_ps(out + c * ldo + 16 * v, acc[c][v]);
}

typedef void TileFn(int nterms, const float *x, const int32_t *off, const float *w,
                    const float *bias, float *out, size_t ldo);

#define TILE_FN(C, V)                                                                        \
    TGT static void conv_##C##_##V(int nterms, const float *x, const int32_t *off,          \
                                   const float *w, const float *bias, float *out, size_t ldo) \
    {                                                                                        \
        conv_tile(C, V, nterms, x, off, w, bias, out, ldo);                                  \
    }
#define TILE_ROW(C) TILE_FN(C, 1) TILE_FN(C, 2) TILE_FN(C, 3) TILE_FN(C, 4) TILE_FN(C, 5) TILE_FN(C, 6)
TILE_ROW(1)
TILE_ROW(2)
TILE_ROW(3)
TILE_ROW(4)

#define TILE_REF(C) { conv_##C##_1, conv_##C##_2, conv_##C##_3, conv_##C##_4, conv_##C##_5, conv_##C##_6 }
static TileFn *const conv_tiles[NN_DET_NCO][MAXV] = {
    TILE_REF(1), TILE_REF(2), TILE_REF(3), TILE_REF(4),
};

static void conv_avx512(int nco, int npx, int nterms, const float *x, const int32_t *off,
                        const float *w, const float *bias, float *out, size_t ldo)
{
    for (int p = 0; p < npx; p += 16 * MAXV) {
        int nv = (npx - p + 15) / 16;
        if (nv > MAXV)
            nv = MAXV;
        conv_tiles[nco - 1][nv - 1](nterms, x + p, off, w, bias, out + p, ldo);
    }
}

/* GDN on up to GDN_ROWS channels x 3 vectors of pixels (24 accumulators);
 * the last vector may be partial (mask). g = gamma^T + i0. */
#define GDN_ROWS 8
#define GDN_PX 48

TGT INLINE void gdn_tile(const int ni, const int npv, int c, const float *sq, const float *g,
                         const float *beta, const float *x, size_t ld, int inverse, float *y,
                         __mmask16 last)
{
    __m512 acc[GDN_ROWS][3];
#pragma GCC unroll 8
    for (int ii = 0; ii < ni; ii++)
#pragma GCC unroll 3
        for (int v = 0; v < npv; v++)
            acc[ii][v] = _mm512_set1_ps(beta[ii]);
    for (int j = 0; j < c; j++) {
        __m512 s[3];
#pragma GCC unroll 3
        for (int v = 0; v < npv; v++)
            s[v] = _mm512_loadu_ps(sq + j * 64 + 16 * v);
#pragma GCC unroll 8
        for (int ii = 0; ii < ni; ii++) {
            const __m512 gv = _mm512_set1_ps(g[(size_t)j * c + ii]);
#pragma GCC unroll 3
            for (int v = 0; v < npv; v++)
                acc[ii][v] = _mm512_fmadd_ps(gv, s[v], acc[ii][v]);
        }
    }
#pragma GCC unroll 8
    for (int ii = 0; ii < ni; ii++)
#pragma GCC unroll 3
        for (int v = 0; v < npv; v++) {
            const __mmask16 m = v == npv - 1 ? last : (__mmask16)0xffff;
            const __m512 xv = _mm512_maskz_loadu_ps(m, x + ii * ld + 16 * v);
            const __m512 r = _mm512_sqrt_ps(acc[ii][v]);
            const __m512 yv = inverse ? _mm512_mul_ps(xv, r) : _mm512_div_ps(xv, r);
            _mm512_mask_storeu_ps(y + ii * ld + 16 * v, m, yv);
        }
}

typedef void GdnTileFn(int c, const float *sq, const float *g, const float *beta,
                       const float *x, size_t ld, int inverse, float *y, __mmask16 last);

#define GDN_FN(C, V)                                                                        \
    TGT static void gdn_##C##_##V(int c, const float *sq, const float *g, const float *beta, \
                                  const float *x, size_t ld, int inverse, float *y,          \
                                  __mmask16 last)                                           \
    {                                                                                       \
        gdn_tile(C, V, c, sq, g, beta, x, ld, inverse, y, last);                            \
    }
#define GDN_ROW(C) GDN_FN(C, 1) GDN_FN(C, 2) GDN_FN(C, 3)
GDN_ROW(1)
GDN_ROW(2)
GDN_ROW(3)
GDN_ROW(4)
GDN_ROW(5)
GDN_ROW(6)
GDN_ROW(7)
GDN_ROW(8)

#define GDN_REF(C) { gdn_##C##_1, gdn_##C##_2, gdn_##C##_3 }
static GdnTileFn *const gdn_tiles[GDN_ROWS][3] = {
    GDN_REF(1), GDN_REF(2), GDN_REF(3), GDN_REF(4),
    GDN_REF(5), GDN_REF(6), GDN_REF(7), GDN_REF(8),
};

TGT static void squares(int c, int n, const float *x, size_t ld, float *sq)
{
    const __mmask16 last = (__mmask16)(0xffffu >> (15 - (n - 1) % 16));
    const int nv = (n + 15) / 16;
    for (int j = 0; j < c; j++)
        for (int v = 0; v < nv; v++) {
            const __mmask16 m = v == nv - 1 ? last : (__mmask16)0xffff;
            const __m512 xv = _mm512_maskz_loadu_ps(m, x + j * ld + 16 * v);
            _mm512_storeu_ps(sq + j * 64 + 16 * v, _mm512_mul_ps(xv, xv));
        }
}

static void gdn_avx512(int c, int npx, const float *x, size_t ld, const float *beta,
                       const float *gamma, int inverse, float *y, float *sq)
{
    for (int p0 = 0; p0 < npx; p0 += GDN_PX) {
        const int n = npx - p0 < GDN_PX ? npx - p0 : GDN_PX;
        const int nv = (n + 15) / 16;
        const __mmask16 last = (__mmask16)(0xffffu >> (15 - (n - 1) % 16));
        squares(c, n, x + p0, ld, sq);
        for (int i0 = 0; i0 < c; i0 += GDN_ROWS) {
            const int ni = c - i0 < GDN_ROWS ? c - i0 : GDN_ROWS;
            gdn_tiles[ni - 1][nv - 1](c, sq, gamma + i0, beta + i0, x + i0 * ld + p0, ld,
                                      inverse, y + i0 * ld + p0, last);
        }
    }
}

/* 12 independent accumulators cover the FMA latency on two pipes. */
TGT static float fma_loop_avx512(long n)
{
    __m512 a[12];
    const __m512 m = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(1e-3f);
    for (int i = 0; i < 12; i++)
        a[i] = _mm512_set1_ps((float)i);
    for (long k = 0; k < n; k++)
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++)
            a[i] = _mm512_fmadd_ps(a[i], m, c);
    __m512 s = a[0];
    for (int i = 1; i < 12; i++)
        s = _mm512_add_ps(s, a[i]);
    return _mm512_reduce_add_ps(s);
}

const NnDetKernels nn_det_kernels_avx512 = {
    "avx512", 96, conv_avx512, gdn_avx512, fma_loop_avx512, 12 * 16 * 2,
};

#else
/* Not an x86 build: never chosen (det_conv.c checks the CPU first). */
const NnDetKernels nn_det_kernels_avx512 = { "avx512", 0, 0, 0, 0, 0 };
#endif
