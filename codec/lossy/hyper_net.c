/* The mean-scale hyperprior's layers: construction and the batch-1
 * passes with the nn layers. */
#include "lossy/hyper_net.h"

#include <math.h>
#include <string.h>

int hyper_net_init(HyperNet *h, int n, int m, int levels, const float *init_gain, Rng *rng)
{
    memset(h, 0, sizeof *h);
    h->z = n;
    h->hidden = m + m / 2;
    int err = conv2d_init(&h->ha[0], m, n, 3, 1, 1, rng);
    err |= conv2d_init(&h->ha[1], n, n, 5, 2, 2, rng);
    err |= conv2d_init(&h->ha[2], n, h->z, 5, 2, 2, rng);
    err |= deconv2d_init(&h->hs[0], h->z, m, 5, 2, 2, 1, rng);
    err |= deconv2d_init(&h->hs[1], m, h->hidden, 5, 2, 2, 1, rng);
    err |= conv2d_init(&h->hs_out, h->hidden, 2 * m, 3, 1, 1, rng);
    err |= param_alloc(&h->zgain, (size_t)levels * h->z);
    err |= param_alloc(&h->zigain, (size_t)levels * h->z);
    err |= prior_init(&h->zprior, levels * h->z, rng);
    if (err) {
        hyper_net_free(h);
        return -1;
    }
    for (int l = 0; l < levels; l++)
        for (int k = 0; k < h->z; k++) {
            h->zgain.v[(size_t)l * h->z + k] = init_gain[l];
            h->zigain.v[(size_t)l * h->z + k] = -init_gain[l];
        }
    return 0;
}

void hyper_net_free(HyperNet *h)
{
    for (int i = 0; i < 3; i++)
        conv2d_free(&h->ha[i]);
    for (int i = 0; i < 2; i++)
        deconv2d_free(&h->hs[i]);
    conv2d_free(&h->hs_out);
    param_free(&h->zgain);
    param_free(&h->zigain);
    prior_free(&h->zprior);
    memset(h, 0, sizeof *h);
}

int hyper_z_level(int levels, double pos)
{
    long l = lround(pos);
    return l < 0 ? 0 : (l > levels - 1 ? levels - 1 : (int)l);
}

static int conv_relu(const Conv2d *c, const Tensor *in, Tensor *out, int relu, NnScratch *s)
{
    int oh, ow;
    conv2d_out_size(c, in->h, in->w, &oh, &ow);
    if (tensor_reshape(out, 1, c->cout, oh, ow) < 0)
        return -1;
    if (conv2d_forward(c, in, out, s) < 0)
        return -1;
    if (relu)
        nn_relu(out->data, out->data, tensor_count(out));
    return 0;
}

static int deconv_relu(const Deconv2d *d, const Tensor *in, Tensor *out, NnScratch *s)
{
    int oh, ow;
    deconv2d_out_size(d, in->h, in->w, &oh, &ow);
    if (tensor_reshape(out, 1, d->cout, oh, ow) < 0)
        return -1;
    if (deconv2d_forward(d, in, out, s) < 0)
        return -1;
    nn_relu(out->data, out->data, tensor_count(out));
    return 0;
}

int hyper_net_analysis(const HyperNet *hn, const Tensor *y, Tensor *z, Tensor *tmp[2],
                       NnScratch *s)
{
    if (conv_relu(&hn->ha[0], y, tmp[0], 1, s) < 0
        || conv_relu(&hn->ha[1], tmp[0], tmp[1], 1, s) < 0)
        return -1;
    return conv_relu(&hn->ha[2], tmp[1], z, 0, s);
}

int hyper_net_synthesis(const HyperNet *hn, const Tensor *zin, int h, int w, Tensor *ms,
                        Tensor *tmp[2], NnScratch *s)
{
    if (deconv_relu(&hn->hs[0], zin, tmp[0], s) < 0
        || deconv_relu(&hn->hs[1], tmp[0], tmp[1], s) < 0)
        return -1;
    Tensor *full = tmp[1];
    if (full->h < h || full->w < w)
        return -1;
    /* Crop the 4x-upsampled grid to the latents' (z covers ceil(h/4) rows). */
    if (full->h != h || full->w != w) {
        const int c = full->c, fh = full->h, fw = full->w;
        for (int k = 0; k < c; k++)
            for (int r = 0; r < h; r++)
                memmove(full->data + ((size_t)k * h + r) * w,
                        full->data + ((size_t)k * fh + r) * fw, sizeof(float) * (size_t)w);
        full->h = h;
        full->w = w;
    }
    return conv_relu(&hn->hs_out, full, ms, 0, s);
}
