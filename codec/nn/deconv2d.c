/* Transposed 2-D convolution (the adjoint of conv2d): reference loops and the
 * sgemm + col2im fast path.
 *
 * W is [cin, Kd = cout*k*k]. The adjoint conv maps an image of y's shape
 * [cout, OH, OW] to x's shape [cin, H, W] with the same k, stride, pad, so
 * with geometry g = (y's shape, k, stride, pad, out = H x W), per image and
 * per band of x rows:
 *   forward   col [Kd, P] = W^T . x;      y += col2im(col)    (y starts at bias)
 *   backward  col [Kd, P] = im2col(dy);   dx = W . col;  dW += x . col^T */
#include "nn.h"
#include "nn_internal.h"

#include <math.h>
#include <string.h>

int deconv2d_init(Deconv2d *l, int cin, int cout, int k, int stride, int pad, int out_pad, Rng *rng)
{
    memset(l, 0, sizeof *l);
    if (cin <= 0 || cout <= 0 || k <= 0 || stride <= 0 || pad < 0 || out_pad < 0
        || out_pad >= stride)
        return -1;
    l->cin = cin; l->cout = cout; l->k = k; l->stride = stride; l->pad = pad; l->out_pad = out_pad;
    size_t nw = (size_t)cin * cout * k * k;
    if (param_alloc(&l->w, nw) || param_alloc(&l->b, (size_t)cout)) {
        deconv2d_free(l);
        return -1;
    }
    /* PyTorch default for ConvTranspose2d: fan_in is computed from weight
     * dim 1, i.e. cout*k*k. */
    nn_init_uniform(l->w.v, nw, 1.0f / sqrtf((float)(cout * k * k)), rng);
    return 0;
}

void deconv2d_free(Deconv2d *l)
{
    param_free(&l->w);
    param_free(&l->b);
}

int deconv2d_alloc_grads(Deconv2d *l)
{
    return param_alloc_grad(&l->w) || param_alloc_grad(&l->b) ? -1 : 0;
}

void deconv2d_out_size(const Deconv2d *l, int h, int w, int *oh, int *ow)
{
    *oh = (h - 1) * l->stride - 2 * l->pad + l->k + l->out_pad;
    *ow = (w - 1) * l->stride - 2 * l->pad + l->k + l->out_pad;
}

static int check_shapes(const Deconv2d *l, const Tensor *x, const Tensor *y)
{
    int oh, ow;
    deconv2d_out_size(l, x->h, x->w, &oh, &ow);
    if (x->c != l->cin || oh <= 0 || ow <= 0)
        return NN_ERR_SHAPE;
    if (y->n != x->n || y->c != l->cout || y->h != oh || y->w != ow)
        return NN_ERR_SHAPE;
    return 0;
}

/* Backward: shapes, the input gradient's shape and the parameter gradients
 * (both or none: none computes dx only). */
static int check_backward(const Deconv2d *l, const Tensor *x, const Tensor *dy, const Tensor *dx)
{
    if (check_shapes(l, x, dy) < 0 || (dx && !nn_same_shape(dx, x)))
        return NN_ERR_SHAPE;
    NN_ASSERT(!l->w.g == !l->b.g && (l->w.g || dx));
    return 0;
}

static NnGeom adjoint_geom(const Deconv2d *l, const Tensor *x, const Tensor *y)
{
    NnGeom g = { y->c, y->h, y->w, l->k, l->stride, l->pad, x->h, x->w };
    return g;
}

/* ---- reference ---- */

int deconv2d_forward_ref(const Deconv2d *l, const Tensor *x, Tensor *y)
{
    if (check_shapes(l, x, y) < 0)
        return NN_ERR_SHAPE;
    const int k = l->k, s = l->stride;
    for (int n = 0; n < x->n; n++)
        for (int co = 0; co < l->cout; co++)
            for (int oh = 0; oh < y->h; oh++)
                for (int ow = 0; ow < y->w; ow++) {
                    /* y[oh] gathers x[ih] with ih*s - pad + ki == oh. */
                    double acc = l->b.v[co];
                    for (int ci = 0; ci < l->cin; ci++)
                        for (int ki = 0; ki < k; ki++)
                            for (int kj = 0; kj < k; kj++) {
                                int th = oh + l->pad - ki, tw = ow + l->pad - kj;
                                if (th < 0 || tw < 0 || th % s || tw % s)
                                    continue;
                                int ih = th / s, iw = tw / s;
                                if (ih >= x->h || iw >= x->w)
                                    continue;
                                acc += (double)l->w.v[((ci * l->cout + co) * k + ki) * k + kj]
                                     * x->data[(((size_t)n * x->c + ci) * x->h + ih) * x->w + iw];
                            }
                    y->data[(((size_t)n * y->c + co) * y->h + oh) * y->w + ow] = (float)acc;
                }
    return 0;
}

int deconv2d_backward_ref(Deconv2d *l, const Tensor *x, const Tensor *dy, Tensor *dx)
{
    if (check_backward(l, x, dy, dx) < 0)
        return NN_ERR_SHAPE;
    if (dx)
        tensor_zero(dx);
    const int k = l->k, s = l->stride;
    for (int n = 0; n < x->n; n++)
        for (int co = 0; co < l->cout; co++)
            for (int oh = 0; oh < dy->h; oh++)
                for (int ow = 0; ow < dy->w; ow++) {
                    float g = dy->data[(((size_t)n * dy->c + co) * dy->h + oh) * dy->w + ow];
                    if (l->b.g)
                        l->b.g[co] += g;
                    for (int ci = 0; ci < l->cin; ci++)
                        for (int ki = 0; ki < k; ki++)
                            for (int kj = 0; kj < k; kj++) {
                                int th = oh + l->pad - ki, tw = ow + l->pad - kj;
                                if (th < 0 || tw < 0 || th % s || tw % s)
                                    continue;
                                int ih = th / s, iw = tw / s;
                                if (ih >= x->h || iw >= x->w)
                                    continue;
                                size_t wi = (size_t)((ci * l->cout + co) * k + ki) * k + kj;
                                size_t xi = (((size_t)n * x->c + ci) * x->h + ih) * x->w + iw;
                                if (l->w.g)
                                    l->w.g[wi] += g * x->data[xi];
                                if (dx)
                                    dx->data[xi] += g * l->w.v[wi];
                            }
                }
    return 0;
}

/* ---- fast path ---- */

int deconv2d_forward(const Deconv2d *l, const Tensor *x, Tensor *y, NnScratch *s)
{
    if (check_shapes(l, x, y) < 0)
        return NN_ERR_SHAPE;
    const NnGeom g = adjoint_geom(l, x, y);
    const int Kd = l->cout * l->k * l->k;
    const size_t in_px = (size_t)x->h * x->w;
    const size_t out_sz = (size_t)y->c * y->h * y->w;
    const int band = nn_band_rows((size_t)Kd, x->w, x->h, NN_DECONV_BAND_FLOATS, 0);
    float *col = nn_scratch(s, (size_t)Kd * band * x->w);
    if (!col)
        return NN_ERR_NOMEM;
    for (int n = 0; n < x->n; n++) {
        const float *xn = x->data + n * (size_t)l->cin * in_px;
        float *yn = y->data + n * out_sz;
        nn_set_bias(yn, l->b.v, l->cout, (size_t)y->h * y->w);
        for (int h0 = 0; h0 < x->h; h0 += band) {
            int h1 = h0 + band < x->h ? h0 + band : x->h;
            int P = (h1 - h0) * x->w;
            nn_sgemm(1, 0, Kd, P, l->cin,
                        1.0f, l->w.v, Kd, xn + (size_t)h0 * x->w, (int)in_px, 0.0f, col, P);
            nn_col2im(&g, col, h0, h1, yn);
        }
    }
    return 0;
}

int deconv2d_backward(Deconv2d *l, const Tensor *x, const Tensor *dy, Tensor *dx, NnScratch *s)
{
    if (check_backward(l, x, dy, dx) < 0)
        return NN_ERR_SHAPE;
    const NnGeom g = adjoint_geom(l, x, dy);
    const int Kd = l->cout * l->k * l->k;
    const size_t in_px = (size_t)x->h * x->w;
    const size_t out_sz = (size_t)dy->c * dy->h * dy->w;
    const int band = nn_band_rows((size_t)Kd, x->w, x->h, NN_DECONV_BAND_FLOATS, 0);
    float *col = nn_scratch(s, (size_t)Kd * band * x->w);
    if (!col)
        return NN_ERR_NOMEM;
    for (int n = 0; n < x->n; n++) {
        const float *xn = x->data + n * (size_t)l->cin * in_px;
        const float *dyn = dy->data + n * out_sz;
        if (l->b.g)
            nn_accum_bias_grad(dyn, l->b.g, l->cout, (size_t)dy->h * dy->w);
        for (int h0 = 0; h0 < x->h; h0 += band) {
            int h1 = h0 + band < x->h ? h0 + band : x->h;
            int P = (h1 - h0) * x->w;
            nn_im2col(&g, dyn, h0, h1, col);
            if (l->w.g)
                nn_sgemm(0, 1, l->cin, Kd, P,
                            1.0f, xn + (size_t)h0 * x->w, (int)in_px, col, P, 1.0f, l->w.g, Kd);
            if (dx)
                nn_sgemm(0, 0, l->cin, P, Kd,
                            1.0f, l->w.v, Kd, col, P, 0.0f,
                            dx->data + n * (size_t)l->cin * in_px + (size_t)h0 * x->w, (int)in_px);
        }
    }
    return 0;
}
