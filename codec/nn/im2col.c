/* im2col / col2im for one image and a band of output rows.
 * The valid output-column range of each kernel tap is computed once per
 * (kj) so the inner loops have no division and no bounds test. */
#include "nn_internal.h"

#include <string.h>

int nn_band_rows(size_t rows_k, int ow, int oh, size_t max_floats, int min_cols)
{
    size_t per_row = rows_k * (size_t)ow;
    size_t rows = per_row ? max_floats / per_row : (size_t)oh;
    size_t min_rows = ow > 0 ? ((size_t)min_cols + ow - 1) / ow : 1;
    if (rows < min_rows)
        rows = min_rows;
    if (rows < 1)
        rows = 1;
    if (rows > (size_t)oh)
        rows = (size_t)oh;
    return (int)rows;
}

/* Output columns ow in [*lo, *hi) read input column ow*stride - pad + kj
 * inside [0, w). */
static void valid_cols(const NnGeom *g, int kj, int *lo, int *hi)
{
    int off = g->pad - kj;                  /* iw = ow*s - off */
    int l = off <= 0 ? 0 : (off + g->stride - 1) / g->stride;
    int last = g->w - 1 + off;              /* ow*s <= last */
    int h = last < 0 ? 0 : last / g->stride + 1;
    if (h > g->ow)
        h = g->ow;
    if (l > h)
        l = h;
    *lo = l;
    *hi = h;
}

void nn_im2col(const NnGeom *g, const float *img, int oh0, int oh1, float *col)
{
    const int k = g->k, s = g->stride, ow = g->ow;
    const size_t band = (size_t)(oh1 - oh0) * ow;
    for (int c = 0; c < g->c; c++) {
        const float *plane = img + (size_t)c * g->h * g->w;
        for (int ki = 0; ki < k; ki++) {
            for (int kj = 0; kj < k; kj++) {
                float *dst = col + ((size_t)(c * k + ki) * k + kj) * band;
                int lo, hi;
                valid_cols(g, kj, &lo, &hi);
                for (int oh = oh0; oh < oh1; oh++, dst += ow) {
                    int ih = oh * s - g->pad + ki;
                    if (ih < 0 || ih >= g->h || lo >= hi) {
                        memset(dst, 0, (size_t)ow * sizeof(float));
                        continue;
                    }
                    /* First valid input column is lo*s - pad + kj >= 0. */
                    const float *src = plane + (size_t)ih * g->w + (lo * s - g->pad + kj);
                    float *d = dst + lo;
                    const int n = hi - lo;
                    for (int x = 0; x < lo; x++)
                        dst[x] = 0.0f;
                    if (s == 1) {
                        memcpy(d, src, (size_t)n * sizeof(float));
                    } else if (s == 2) {
                        for (int x = 0; x < n; x++)
                            d[x] = src[2 * x];
                    } else {
                        for (int x = 0; x < n; x++)
                            d[x] = src[(size_t)x * s];
                    }
                    for (int x = hi; x < ow; x++)
                        dst[x] = 0.0f;
                }
            }
        }
    }
}

void nn_col2im(const NnGeom *g, const float *col, int oh0, int oh1, float *img)
{
    const int k = g->k, s = g->stride, ow = g->ow;
    const size_t band = (size_t)(oh1 - oh0) * ow;
    for (int c = 0; c < g->c; c++) {
        float *plane = img + (size_t)c * g->h * g->w;
        for (int ki = 0; ki < k; ki++) {
            for (int kj = 0; kj < k; kj++) {
                const float *src = col + ((size_t)(c * k + ki) * k + kj) * band;
                int lo, hi;
                valid_cols(g, kj, &lo, &hi);
                if (lo >= hi)
                    continue;
                for (int oh = oh0; oh < oh1; oh++, src += ow) {
                    int ih = oh * s - g->pad + ki;
                    if (ih < 0 || ih >= g->h)
                        continue;
                    float *dst = plane + (size_t)ih * g->w + (lo * s - g->pad + kj);
                    const float *sv = src + lo;
                    const int n = hi - lo;
                    if (s == 1) {
                        for (int x = 0; x < n; x++)
                            dst[x] += sv[x];
                    } else if (s == 2) {
                        for (int x = 0; x < n; x++)
                            dst[2 * x] += sv[x];
                    } else {
                        for (int x = 0; x < n; x++)
                            dst[(size_t)x * s] += sv[x];
                    }
                }
            }
        }
    }
}
