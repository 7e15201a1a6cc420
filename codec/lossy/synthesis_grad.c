/* Distortion through g_s and its gradient in the decoder input, by tiles. */
#include "lossy/synthesis_grad.h"

#include <stdlib.h>
#include <string.h>

#include "lat.h"
#include "lossy/lossy_tiles.h"
#include "nn/det_conv.h"
#include "nn/det_threads.h"

/* The refinement's default tile: 48 latents (768 pixels) holds a Kodak
 * image whole, with about 150 MB of activations and gradients. */
#define SYNTH_GRAD_TILE 48

/* g_s's layers for the deterministic kernels: forward deconvs and IGDNs,
 * and each deconv's weights as the conv that is its input gradient. */
struct SynthGradPacked {
    NnDetConv fwd[4], back[4];
    NnDetGdn igdn[3];
};

static void packed_free(SynthGradPacked *p)
{
    if (!p)
        return;
    for (int i = 0; i < 4; i++) {
        nn_det_conv_free(&p->fwd[i]);
        nn_det_conv_free(&p->back[i]);
    }
    for (int i = 0; i < 3; i++)
        nn_det_gdn_free(&p->igdn[i]);
    free(p);
}

static int pack(const LossyNet *net, SynthGradPacked **out)
{
    SynthGradPacked *p = calloc(1, sizeof *p);
    if (!p)
        return LAT_ERR_OUT_OF_MEMORY;
    int err = 0;
    for (int i = 0; i < 4 && !err; i++) {
        const Deconv2d *d = &net->gs[i];
        Conv2d c = {d->cout, d->cin, d->k, d->stride, d->pad, {d->w.v, NULL, d->w.n},
                    {NULL, NULL, 0}};
        err = nn_det_deconv2d_pack(&p->fwd[i], d);
        if (!err && param_alloc(&c.b, (size_t)d->cin) < 0)   /* zero: no bias in a gradient */
            err = NN_ERR_NOMEM;
        if (!err)
            err = nn_det_conv2d_pack(&p->back[i], &c);
        param_free(&c.b);
    }
    for (int i = 0; i < 3 && !err; i++)
        err = nn_det_gdn_pack(&p->igdn[i], &net->gs_gdn[i]);
    if (err) {
        packed_free(p);
        return err == NN_ERR_NOMEM ? LAT_ERR_OUT_OF_MEMORY : LAT_ERR_INTERNAL;
    }
    *out = p;
    return 0;
}

void synth_grad_free(SynthGradWork *w)
{
    tensor_free(w->zt);
    tensor_free(w->dzt);
    for (int i = 0; i < 4; i++)
        tensor_free(w->a[i]);
    tensor_free(w->g);
    tensor_free(w->d[0]);
    tensor_free(w->d[1]);
    for (int t = 0; t < NN_DET_MAX_THREADS; t++)
        nn_scratch_free(&w->s[t]);
    packed_free(w->packed);
    memset(w, 0, sizeof *w);
}

static int work_alloc(const LossyNet *net, SynthGradWork *w)
{
    Tensor **all[] = {&w->zt, &w->dzt, &w->a[0], &w->a[1], &w->a[2], &w->a[3], &w->g,
                      &w->d[0], &w->d[1]};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!*all[i] && !(*all[i] = tensor_new(0, 0, 0, 0)))
            return LAT_ERR_OUT_OF_MEMORY;
    return w->packed ? 0 : pack(net, &w->packed);
}

static int nn_err(int e)
{
    return e == 0 ? 0 : e == NN_ERR_NOMEM ? LAT_ERR_OUT_OF_MEMORY : LAT_ERR_INTERNAL;
}

/* g_s on w->zt, keeping each deconv's output a[i]; IGDN i goes to w->g,
 * the next deconv's input. */
static int forward(const LossyNet *net, SynthGradWork *w)
{
    const Tensor *in = w->zt;
    int oh, ow, err;
    for (int i = 0; i < 4; i++) {
        deconv2d_out_size(&net->gs[i], in->h, in->w, &oh, &ow);
        if (tensor_reshape(w->a[i], 1, net->gs[i].cout, oh, ow) < 0)
            return LAT_ERR_OUT_OF_MEMORY;
        if ((err = nn_err(nn_det_deconv2d_forward(&w->packed->fwd[i], in, w->a[i], NULL))) < 0)
            return err;
        if (i == 3)
            break;
        if (tensor_reshape(w->g, 1, net->n, oh, ow) < 0)
            return LAT_ERR_OUT_OF_MEMORY;
        if ((err = nn_err(nn_det_gdn_forward(&w->packed->igdn[i], w->a[i], w->g))) < 0)
            return err;
        in = w->g;
    }
    return 0;
}

/* IGDN's backward (dx only) in blocks of pixels spread over the threads:
 * the blocks are the same whatever the thread count, so the result is too. */
#define IGDN_BLOCK 4096

typedef struct IgdnJob {
    const Gdn *l;
    const Tensor *x, *dy;
    Tensor *dx;
    size_t b0, b1;   /* blocks [b0, b1) */
    NnScratch *s;
    int err;
} IgdnJob;

static void *igdn_work(void *arg)
{
    IgdnJob *j = arg;
    const size_t hw = (size_t)j->x->h * j->x->w;
    for (size_t b = j->b0; b < j->b1 && !j->err; b++) {
        const size_t p1 = (b + 1) * IGDN_BLOCK < hw ? (b + 1) * IGDN_BLOCK : hw;
        j->err = gdn_backward_dx_pixels(j->l, j->x, j->dy, j->dx, b * IGDN_BLOCK, p1, j->s);
    }
    return NULL;
}

static int igdn_backward(const Gdn *l, const Tensor *x, const Tensor *dy, Tensor *dx,
                         SynthGradWork *w)
{
    const size_t blocks = ((size_t)x->h * x->w + IGDN_BLOCK - 1) / IGDN_BLOCK;
    const int nt = nn_det_threads((long)blocks);
    IgdnJob job[NN_DET_MAX_THREADS];
    for (int t = 0; t < nt; t++)
        job[t] = (IgdnJob){l, x, dy, dx, blocks * t / nt, blocks * (t + 1) / nt, &w->s[t], 0};
    nn_det_run(igdn_work, job, sizeof job[0], nt);
    int err = 0;
    for (int t = 0; t < nt && !err; t++)
        err = job[t].err;
    return err;
}

/* From d sse / d a[3] in w->d[0] back to w->dzt (two gradient buffers
 * taking turns). */
static int backward(const LossyNet *net, SynthGradWork *w)
{
    Tensor *dy = w->d[0], *other = w->d[1];
    int err;
    for (int i = 3; i >= 0; i--) {
        const Tensor *in = i > 0 ? w->a[i - 1] : w->zt;   /* the shape of deconv i's input */
        Tensor *dx = i > 0 ? other : w->dzt;
        if (tensor_reshape(dx, 1, in->c, in->h, in->w) < 0)
            return LAT_ERR_OUT_OF_MEMORY;
        if ((err = nn_err(nn_det_conv2d_forward(&w->packed->back[i], dy, dx, NULL))) < 0)
            return err;
        if (i == 0)
            break;
        /* Through IGDN i-1 (no parameter gradients: dx only) into dy's buffer. */
        if (tensor_reshape(dy, 1, in->c, in->h, in->w) < 0)
            return LAT_ERR_OUT_OF_MEMORY;
        if ((err = nn_err(igdn_backward(&net->gs_gdn[i - 1], w->a[i - 1], dx, dy, w))) < 0)
            return err;
    }
    return 0;
}

/* Squared error of the tile's own pixels (image rows [top, bottom) x
 * columns [left, right), tile pixel (0, 0) at image (y0, x0)) and, with
 * grad, its gradient in a[3] (zero elsewhere). */
static double tile_error(const SynthTarget *t, const Tensor *xh, Tensor *d, int y0, int x0,
                         int top, int bottom, int left, int right, int grad)
{
    const size_t plane = (size_t)xh->h * xh->w, tplane = (size_t)t->width * t->height;
    if (grad)
        memset(d->data, 0, sizeof(float) * 3 * plane);
    bottom = bottom < t->height ? bottom : t->height;
    right = right < t->width ? right : t->width;
    double sse = 0;
    for (int r = top; r < bottom; r++)
        for (int c = left; c < right; c++) {
            const size_t at = (size_t)(r - y0) * xh->w + (size_t)(c - x0);
            const size_t px = (size_t)r * t->width + c;
            float v[3], dv[3];
            for (int k = 0; k < 3; k++) {
                const float s = xh->data[k * plane + at];
                v[k] = s < 0 ? 0 : s > 1 ? 1 : s;
                dv[k] = s > 0 && s < 1 ? 1.0f : 0.0f;   /* clamped: no gradient */
            }
            if (t->channels == 1) {
                const float e = (v[0] + v[1] + v[2]) * (1.0f / 3.0f) - t->x[px];
                sse += (double)e * e;
                for (int k = 0; k < 3 && grad; k++)
                    d->data[k * plane + at] = 2.0f * e * (1.0f / 3.0f) * dv[k];
                continue;
            }
            for (int k = 0; k < 3; k++) {
                const float e = v[k] - t->x[k * tplane + px];
                sse += (double)e * e;
                if (grad)
                    d->data[k * plane + at] = 2.0f * e * dv[k];
            }
        }
    return sse;
}

int synth_grad_sse(const LossyNet *net, const Tensor *z, const SynthTarget *t, int tile,
                   SynthGradWork *w, double *sse, Tensor *dz)
{
    const int lh = z->h, lw = z->w, M = z->c;
    *sse = 0;
    if (M != net->m || lh != (t->height + 15) / 16 || lw != (t->width + 15) / 16
        || (dz && (dz->c != M || dz->h != lh || dz->w != lw)))
        return LAT_ERR_INVALID_ARGUMENT;
    int err = work_alloc(net, w);
    if (err < 0)
        return err;
    if (dz)
        tensor_zero(dz);
    const int T = tile > 0 ? tile : SYNTH_GRAD_TILE;
    const int TR = tile_step(lh, T), TC = tile_step(lw, T);
    const size_t hw = (size_t)lh * lw;
    for (int r0 = 0; r0 < lh && !err; r0 += TR)
        for (int c0 = 0; c0 < lw && !err; c0 += TC) {
            const Tile tl = tile_at(r0, c0, TR, TC, lh, lw, LOSSY_SYNTHESIS_HALO);
            const int th = tl.tr1 - tl.tr0, tw = tl.tc1 - tl.tc0;
            if (tensor_reshape(w->zt, 1, M, th, tw) < 0)
                return LAT_ERR_OUT_OF_MEMORY;
            for (int k = 0; k < M; k++)
                for (int r = 0; r < th; r++)
                    memcpy(w->zt->data + ((size_t)k * th + r) * tw,
                           z->data + k * hw + (size_t)(tl.tr0 + r) * lw + tl.tc0,
                           sizeof(float) * (size_t)tw);
            if ((err = forward(net, w)) < 0)
                break;
            const Tensor *xh = w->a[3];
            if (dz && tensor_reshape(w->d[0], 1, 3, xh->h, xh->w) < 0)
                return LAT_ERR_OUT_OF_MEMORY;
            *sse += tile_error(t, xh, w->d[0], 16 * tl.tr0, 16 * tl.tc0, 16 * tl.r0, 16 * tl.r1,
                               16 * tl.c0, 16 * tl.c1, dz != NULL);
            if (!dz)
                continue;
            if ((err = backward(net, w)) < 0)
                break;
            for (int k = 0; k < M; k++)
                for (int r = 0; r < th; r++) {
                    float *dst = dz->data + k * hw + (size_t)(tl.tr0 + r) * lw + tl.tc0;
                    const float *src = w->dzt->data + ((size_t)k * th + r) * tw;
                    for (int c = 0; c < tw; c++)
                        dst[c] += src[c];
                }
        }
    return err;
}
