/* A layer and its adjoint on the deterministic kernels (det_train.h). */
#include "det_train.h"

#include <stdlib.h>
#include <string.h>

void nn_det_train_free(NnDetTrainLayer *d)
{
    nn_det_conv_free(&d->fwd);
    nn_det_conv_free(&d->adj);
}

/* The adjoint's bias: it views the layer's weights and adds nothing. */
static int zero_bias(int c, float **b)
{
    *b = calloc((size_t)c, sizeof(float));
    return *b ? 0 : NN_ERR_NOMEM;
}

int nn_det_train_conv2d_pack(NnDetTrainLayer *d, const Conv2d *l, int h, int w)
{
    nn_det_train_free(d);
    int oh, ow;
    conv2d_out_size(l, h, w, &oh, &ow);
    /* The transposed conv mapping oh x ow back onto h x w. */
    const int op_h = h - ((oh - 1) * l->stride - 2 * l->pad + l->k);
    const int op_w = w - ((ow - 1) * l->stride - 2 * l->pad + l->k);
    if (op_h != op_w)
        return NN_ERR_SHAPE;
    Deconv2d adj = { .cin = l->cout, .cout = l->cin, .k = l->k, .stride = l->stride,
                     .pad = l->pad, .out_pad = op_h, .w = l->w };
    int err = zero_bias(l->cin, &adj.b.v);
    if (err == 0)
        err = nn_det_conv2d_pack(&d->fwd, l);
    if (err == 0)
        err = nn_det_deconv2d_pack(&d->adj, &adj);
    free(adj.b.v);
    if (err < 0)
        nn_det_train_free(d);
    return err;
}

int nn_det_train_deconv2d_pack(NnDetTrainLayer *d, const Deconv2d *l)
{
    nn_det_train_free(d);
    /* A transposed conv's output sizes always map back exactly (out_pad <
     * stride only adds rows its taps reach). */
    Conv2d adj = { .cin = l->cout, .cout = l->cin, .k = l->k, .stride = l->stride,
                   .pad = l->pad, .w = l->w };
    int err = zero_bias(l->cin, &adj.b.v);
    if (err == 0)
        err = nn_det_deconv2d_pack(&d->fwd, l);
    if (err == 0)
        err = nn_det_conv2d_pack(&d->adj, &adj);
    free(adj.b.v);
    if (err < 0)
        nn_det_train_free(d);
    return err;
}

static int run(const NnDetConv *c, const Tensor *x, Tensor *y)
{
    return c->transposed ? nn_det_deconv2d_forward(c, x, y, NULL)
                         : nn_det_conv2d_forward(c, x, y, NULL);
}

int nn_det_train_forward(const NnDetTrainLayer *d, const Tensor *x, Tensor *y)
{
    return run(&d->fwd, x, y);
}

int nn_det_train_input_grad(const NnDetTrainLayer *d, const Tensor *dy, Tensor *dx)
{
    return run(&d->adj, dy, dx);
}
