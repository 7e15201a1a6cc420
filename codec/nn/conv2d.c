/* 2-D convolution: reference loops and the im2col + sgemm fast path.
 *
 * Fast path, per image and per band of output rows (bounded scratch):
 *   col [K = cin*k*k, P]  = im2col(x)            (P = band pixels)
 *   y   [cout, P]        += W [cout, K] . col      (y pre-filled with bias)
 * Backward per band:
 *   dW  [cout, K]        += dy [cout, P] . col^T
 *   dcol [K, P]           = W^T . dy;  dx += col2im(dcol)
 * A 1x1, stride-1, unpadded conv uses x itself as the column matrix. */
#include "nn.h"
#include "nn_internal.h"

#include <math.h>
#include <string.h>

int conv2d_init(Conv2d *l, int cin, int cout, int k, int stride, int pad, Rng *rng)
{
    memset(l, 0, sizeof *l);
    if (cin <= 0 || cout <= 0 || k <= 0 || stride <= 0 || pad < 0)
        return -1;
    l->cin = cin; l->cout = cout; l->k = k; l->stride = stride; l->pad = pad;
    size_t nw = (size_t)cout * cin * k * k;
    if (param_alloc(&l->w, nw) || param_alloc(&l->b, (size_t)cout)) {
        conv2d_free(l);
        return -1;
    }
    /* PyTorch default (kaiming_uniform, a = sqrt(5)): U(-1/sqrt(fan_in), +). */
    nn_init_uniform(l->w.v, nw, 1.0f / sqrtf((float)(cin * k * k)), rng);
    return 0;
}

void conv2d_free(Conv2d *l)
{
    param_free(&l->w);
    param_free(&l->b);
}

int conv2d_alloc_grads(Conv2d *l)
{
    return param_alloc_grad(&l->w) || param_alloc_grad(&l->b) ? -1 : 0;
}

void conv2d_out_size(const Conv2d *l, int h, int w, int *oh, int *ow)
{
    *oh = (h + 2 * l->pad - l->k) / l->stride + 1;
    *ow = (w + 2 * l->pad - l->k) / l->stride + 1;
}

static int check_shapes(const Conv2d *l, const Tensor *x, const Tensor *y)
{
    int oh, ow;
    conv2d_out_size(l, x->h, x->w, &oh, &ow);
    if (x->c != l->cin || oh <= 0 || ow <= 0)
        return NN_ERR_SHAPE;
    if (y->n != x->n || y->c != l->cout || y->h != oh || y->w != ow)
        return NN_ERR_SHAPE;
    return 0;
}

/* Backward: shapes, the input gradient's shape and the parameter gradients. */
static int check_backward(const Conv2d *l, const Tensor *x, const Tensor *dy, const Tensor *dx)
{
    if (check_shapes(l, x, dy) < 0 || (dx && !nn_same_shape(dx, x)))
        return NN_ERR_SHAPE;
    NN_ASSERT(l->w.g && l->b.g);
    return 0;
}

static NnGeom geom_of(const Conv2d *l, const Tensor *x, const Tensor *y)
{
    NnGeom g = { x->c, x->h, x->w, l->k, l->stride, l->pad, y->h, y->w };
    return g;
}

static int is_pointwise(const Conv2d *l)
{
    return l->k == 1 && l->stride == 1 && l->pad == 0;
}

/* ---- reference ---- */

int conv2d_forward_ref(const Conv2d *l, const Tensor *x, Tensor *y)
{
    if (check_shapes(l, x, y) < 0)
        return NN_ERR_SHAPE;
    const int k = l->k;
    for (int n = 0; n < x->n; n++)
        for (int co = 0; co < l->cout; co++)
            for (int oh = 0; oh < y->h; oh++)
                for (int ow = 0; ow < y->w; ow++) {
                    double acc = l->b.v[co];
                    for (int ci = 0; ci < l->cin; ci++)
                        for (int ki = 0; ki < k; ki++)
                            for (int kj = 0; kj < k; kj++) {
                                int ih = oh * l->stride - l->pad + ki;
                                int iw = ow * l->stride - l->pad + kj;
                                if (ih < 0 || ih >= x->h || iw < 0 || iw >= x->w)
                                    continue;
                                acc += (double)l->w.v[((co * l->cin + ci) * k + ki) * k + kj]
                                     * x->data[(((size_t)n * x->c + ci) * x->h + ih) * x->w + iw];
                            }
                    y->data[(((size_t)n * y->c + co) * y->h + oh) * y->w + ow] = (float)acc;
                }
    return 0;
}

int conv2d_backward_ref(Conv2d *l, const Tensor *x, const Tensor *dy, Tensor *dx)
{
    if (check_backward(l, x, dy, dx) < 0)
        return NN_ERR_SHAPE;
    if (dx)
        tensor_zero(dx);
    const int k = l->k;
    for (int n = 0; n < x->n; n++)
        for (int co = 0; co < l->cout; co++)
            for (int oh = 0; oh < dy->h; oh++)
                for (int ow = 0; ow < dy->w; ow++) {
                    float g = dy->data[(((size_t)n * dy->c + co) * dy->h + oh) * dy->w + ow];
                    l->b.g[co] += g;
                    for (int ci = 0; ci < l->cin; ci++)
                        for (int ki = 0; ki < k; ki++)
                            for (int kj = 0; kj < k; kj++) {
                                int ih = oh * l->stride - l->pad + ki;
                                int iw = ow * l->stride - l->pad + kj;
                                if (ih < 0 || ih >= x->h || iw < 0 || iw >= x->w)
                                    continue;
                                size_t wi = (size_t)((co * l->cin + ci) * k + ki) * k + kj;
                                size_t xi = (((size_t)n * x->c + ci) * x->h + ih) * x->w + iw;
                                l->w.g[wi] += g * x->data[xi];
                                if (dx)
                                    dx->data[xi] += g * l->w.v[wi];
                            }
                }
    return 0;
}

/* ---- fast path ---- */

/* Output rows per im2col band (see NN_CONV_BAND_FLOATS). */
static int conv_band_rows(int K, int ow, int oh)
{
    int rows = nn_band_rows((size_t)K, ow, oh, NN_CONV_BAND_FLOATS, 0);
    if (rows < oh && (size_t)rows * ow < NN_CONV_MIN_COLS)
        rows = nn_band_rows((size_t)K, ow, oh, 0, NN_CONV_WIDE_COLS);
    return rows;
}

int conv2d_forward(const Conv2d *l, const Tensor *x, Tensor *y, NnScratch *s)
{
    if (check_shapes(l, x, y) < 0)
        return NN_ERR_SHAPE;
    const NnGeom g = geom_of(l, x, y);
    const int K = l->cin * l->k * l->k;
    const size_t in_sz = (size_t)x->c * x->h * x->w;
    const size_t out_px = (size_t)y->h * y->w;
    const int pointwise = is_pointwise(l);
    const int band = conv_band_rows(K, y->w, y->h);
    float *col = NULL;
    if (!pointwise) {
        col = nn_scratch(s, (size_t)K * band * y->w);
        if (!col)
            return NN_ERR_NOMEM;
    }
    for (int n = 0; n < x->n; n++) {
        const float *xn = x->data + n * in_sz;
        float *yn = y->data + n * (size_t)l->cout * out_px;
        nn_set_bias(yn, l->b.v, l->cout, out_px);
        if (pointwise) {
            nn_sgemm(0, 0, l->cout, (int)out_px, K,
                        1.0f, l->w.v, K, xn, (int)out_px, 1.0f, yn, (int)out_px);
            continue;
        }
        for (int oh0 = 0; oh0 < y->h; oh0 += band) {
            int oh1 = oh0 + band < y->h ? oh0 + band : y->h;
            int P = (oh1 - oh0) * y->w;
            nn_im2col(&g, xn, oh0, oh1, col);
            nn_sgemm(0, 0, l->cout, P, K,
                        1.0f, l->w.v, K, col, P, 1.0f, yn + (size_t)oh0 * y->w, (int)out_px);
        }
    }
    return 0;
}

int conv2d_backward(Conv2d *l, const Tensor *x, const Tensor *dy, Tensor *dx, NnScratch *s)
{
    if (check_backward(l, x, dy, dx) < 0)
        return NN_ERR_SHAPE;
    const NnGeom g = geom_of(l, x, dy);
    const int K = l->cin * l->k * l->k;
    const size_t in_sz = (size_t)x->c * x->h * x->w;
    const size_t out_px = (size_t)dy->h * dy->w;
    const int pointwise = is_pointwise(l);
    const int band = conv_band_rows(K, dy->w, dy->h);
    float *col = NULL, *dcol = NULL;
    if (!pointwise) {
        size_t cs = (size_t)K * band * dy->w;
        col = nn_scratch(s, 2 * cs);
        if (!col)
            return NN_ERR_NOMEM;
        dcol = col + cs;
    }
    if (dx)
        tensor_zero(dx);
    for (int n = 0; n < x->n; n++) {
        const float *xn = x->data + n * in_sz;
        const float *dyn = dy->data + n * (size_t)l->cout * out_px;
        float *dxn = dx ? dx->data + n * in_sz : NULL;
        nn_accum_bias_grad(dyn, l->b.g, l->cout, out_px);
        if (pointwise) {
            nn_sgemm(0, 1, l->cout, K, (int)out_px,
                        1.0f, dyn, (int)out_px, xn, (int)out_px, 1.0f, l->w.g, K);
            if (dxn)
                nn_sgemm(1, 0, K, (int)out_px, l->cout,
                            1.0f, l->w.v, K, dyn, (int)out_px, 0.0f, dxn, (int)out_px);
            continue;
        }
        for (int oh0 = 0; oh0 < dy->h; oh0 += band) {
            int oh1 = oh0 + band < dy->h ? oh0 + band : dy->h;
            int P = (oh1 - oh0) * dy->w;
            const float *dyb = dyn + (size_t)oh0 * dy->w;
            nn_im2col(&g, xn, oh0, oh1, col);
            nn_sgemm(0, 1, l->cout, K, P,
                        1.0f, dyb, (int)out_px, col, P, 1.0f, l->w.g, K);
            if (dxn) {
                nn_sgemm(1, 0, K, P, l->cout,
                            1.0f, l->w.v, K, dyb, (int)out_px, 0.0f, dcol, P);
                nn_col2im(&g, dcol, oh0, oh1, dxn);
            }
        }
    }
    return 0;
}
