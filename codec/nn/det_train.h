/* Training on the deterministic kernels (det_conv.h): a conv or deconv
 * layer's forward, and its input gradient as the forward of its adjoint
 * layer (the input gradient of a convolution is the transposed convolution
 * of dy with the same weight array, and the other way round), without
 * im2col or col2im: faster than the sgemm path (lat bench nn). The weights
 * change every step, so pack after every update; the weight gradients stay
 * on the sgemm path (conv2d_backward / deconv2d_backward with dx = NULL). */
#ifndef LAT_NN_DET_TRAIN_H
#define LAT_NN_DET_TRAIN_H

#include "det_conv.h"

typedef struct NnDetTrainLayer {
    NnDetConv fwd;   /* the layer, with its bias */
    NnDetConv adj;   /* its adjoint, bias 0: dx = adj(dy) */
} NnDetTrainLayer;

/* For inputs of h x w pixels (the adjoint of a strided conv needs the
 * output padding that gives back h x w). 0, NN_ERR_SHAPE (a geometry the
 * kernels lack) or NN_ERR_NOMEM; d is then empty. d must be zeroed or
 * packed before: packing again frees the previous packing first. */
int nn_det_train_conv2d_pack(NnDetTrainLayer *d, const Conv2d *l, int h, int w);
int nn_det_train_deconv2d_pack(NnDetTrainLayer *d, const Deconv2d *l);
void nn_det_train_free(NnDetTrainLayer *d);

/* y = layer(x); dx = input gradient for output gradient dy (overwritten). */
int nn_det_train_forward(const NnDetTrainLayer *d, const Tensor *x, Tensor *y);
int nn_det_train_input_grad(const NnDetTrainLayer *d, const Tensor *dy, Tensor *dx);

#endif
