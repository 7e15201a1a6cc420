/* Deterministic conv / deconv / GDN kernels (codec/nn/det_conv.h): every
 * path this CPU has (plain C, AVX2+FMA, AVX-512) and 1-3 threads give
 * bit-identical outputs, each within 1e-4 (relative to the largest output)
 * of the reference loops of nn.h; shapes cover remainder channel blocks,
 * pixel tails, 1x1 images, stride 1 and 2, k 1-5, and the fused ReLU/GDN. */
#include "check.h"
#include "nn/det_conv.h"
#include "nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static Rng g_rng;
static const NnDetPath k_paths[3] = { NN_PATH_C, NN_PATH_AVX2, NN_PATH_AVX512 };

static void fill(float *p, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (2.0f * rng_uniform(&g_rng) - 1.0f) * scale;
}

static Tensor *must_tensor(int n, int c, int h, int w)
{
    Tensor *t = tensor_new(n, c, h, w);
    if (!t) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return t;
}

/* max|a - b| / max|b| */
static double rel_err(const Tensor *a, const Tensor *b)
{
    double num = 0.0, den = 1e-30;
    for (size_t i = 0; i < tensor_count(b); i++) {
        double d = fabs((double)a->data[i] - b->data[i]);
        if (d > num || d != d) num = d != d ? INFINITY : d;
        if (fabs(b->data[i]) > den) den = fabs(b->data[i]);
    }
    return num / den;
}

/* Random GDN with a full (non-diagonal) gamma. */
static void rand_gdn(Gdn *g, int c, int inverse)
{
    CHECK(gdn_init(g, c, inverse) == 0);
    for (int i = 0; i < c; i++) {
        g->beta_raw.v[i] = 0.5f + rng_uniform(&g_rng);
        for (int j = 0; j < c; j++)
            g->gamma_raw.v[i * c + j] = 0.3f * rng_uniform(&g_rng);
    }
}

typedef int (*Forward)(const NnDetConv *d, const Tensor *x, Tensor *y, const NnDetPost *post);

/* Runs det forward on every path and thread count: all bit-identical to the
 * first; that first one within 1e-4 of ref. */
static void check_paths(const char *what, const NnDetConv *d, Forward fw, const Tensor *x,
                        const Tensor *ref, const NnDetPost *post)
{
    Tensor *first = NULL;
    for (int pi = 0; pi < 3; pi++) {
        if (nn_det_force_path(k_paths[pi]) < 0)
            continue;
        for (int threads = 1; threads <= 3; threads++) {
            nn_set_threads(threads);
            Tensor *y = must_tensor(ref->n, ref->c, ref->h, ref->w);
            fill(y->data, tensor_count(y), 100.0f);   /* stale contents must not matter */
            CHECK_MSG(fw(d, x, y, post) == 0, "%s: forward failed", what);
            if (!first) {
                first = y;
                double e = rel_err(y, ref);
                CHECK_MSG(e <= 1e-4, "%s: %s relative error %.3g vs reference", what,
                          nn_det_path_name(k_paths[pi]), e);
                continue;
            }
            CHECK_MSG(memcmp(y->data, first->data, tensor_count(y) * sizeof(float)) == 0,
                      "%s: path %s with %d threads differs from the first run", what,
                      nn_det_path_name(k_paths[pi]), threads);
            tensor_free(y);
        }
    }
    tensor_free(first);
    nn_det_force_path(NN_PATH_AUTO);
}

/* post on the reference output: ReLU then GDN (reference loops). */
static void ref_post(Tensor *y, int relu, const Gdn *gdn)
{
    if (relu)
        nn_relu(y->data, y->data, tensor_count(y));
    if (gdn) {
        Tensor *t = must_tensor(y->n, y->c, y->h, y->w);
        gdn_forward_ref(gdn, y, t);
        memcpy(y->data, t->data, tensor_count(y) * sizeof(float));
        tensor_free(t);
    }
}

static void test_conv(int n, int cin, int cout, int k, int stride, int pad, int h, int w,
                      int relu, int with_gdn)
{
    char what[96];
    snprintf(what, sizeof what, "conv n%d %d->%d k%d/%d p%d %dx%d%s%s", n, cin, cout, k, stride,
             pad, h, w, relu ? " relu" : "", with_gdn ? " gdn" : "");
    Conv2d l;
    CHECK(conv2d_init(&l, cin, cout, k, stride, pad, &g_rng) == 0);
    fill(l.b.v, (size_t)cout, 0.5f);
    Gdn g;
    NnDetGdn dg = { 0 };
    if (with_gdn) {
        rand_gdn(&g, cout, with_gdn == 2);
        CHECK(nn_det_gdn_pack(&dg, &g) == 0);
    }
    int oh, ow;
    conv2d_out_size(&l, h, w, &oh, &ow);
    Tensor *x = must_tensor(n, cin, h, w), *ref = must_tensor(n, cout, oh, ow);
    fill(x->data, tensor_count(x), 1.0f);
    conv2d_forward_ref(&l, x, ref);
    ref_post(ref, relu, with_gdn ? &g : NULL);
    NnDetConv d;
    CHECK(nn_det_conv2d_pack(&d, &l) == 0);
    NnDetPost post = { relu, with_gdn ? &dg : NULL };
    check_paths(what, &d, nn_det_conv2d_forward, x, ref, &post);
    nn_det_conv_free(&d);
    if (with_gdn) {
        nn_det_gdn_free(&dg);
        gdn_free(&g);
    }
    conv2d_free(&l);
    tensor_free(x);
    tensor_free(ref);
}

static void test_deconv(int n, int cin, int cout, int k, int stride, int pad, int out_pad, int h,
                        int w, int relu, int with_gdn)
{
    char what[96];
    snprintf(what, sizeof what, "deconv n%d %d->%d k%d/%d p%d op%d %dx%d%s%s", n, cin, cout, k,
             stride, pad, out_pad, h, w, relu ? " relu" : "", with_gdn ? " gdn" : "");
    Deconv2d l;
    CHECK(deconv2d_init(&l, cin, cout, k, stride, pad, out_pad, &g_rng) == 0);
    fill(l.b.v, (size_t)cout, 0.5f);
    Gdn g;
    NnDetGdn dg = { 0 };
    if (with_gdn) {
        rand_gdn(&g, cout, with_gdn == 2);
        CHECK(nn_det_gdn_pack(&dg, &g) == 0);
    }
    int oh, ow;
    deconv2d_out_size(&l, h, w, &oh, &ow);
    Tensor *x = must_tensor(n, cin, h, w), *ref = must_tensor(n, cout, oh, ow);
    fill(x->data, tensor_count(x), 1.0f);
    deconv2d_forward_ref(&l, x, ref);
    ref_post(ref, relu, with_gdn ? &g : NULL);
    NnDetConv d;
    CHECK(nn_det_deconv2d_pack(&d, &l) == 0);
    NnDetPost post = { relu, with_gdn ? &dg : NULL };
    check_paths(what, &d, nn_det_deconv2d_forward, x, ref, &post);
    nn_det_conv_free(&d);
    if (with_gdn) {
        nn_det_gdn_free(&dg);
        gdn_free(&g);
    }
    deconv2d_free(&l);
    tensor_free(x);
    tensor_free(ref);
}

static int gdn_forward_adapter(const NnDetConv *d, const Tensor *x, Tensor *y,
                               const NnDetPost *post)
{
    (void)d;
    return nn_det_gdn_forward(post->gdn, x, y);
}

static void test_gdn(int n, int c, int h, int w, int inverse)
{
    char what[64];
    snprintf(what, sizeof what, "%s c%d n%d %dx%d", inverse ? "igdn" : "gdn", c, n, h, w);
    Gdn g;
    rand_gdn(&g, c, inverse);
    NnDetGdn dg;
    CHECK(nn_det_gdn_pack(&dg, &g) == 0);
    Tensor *x = must_tensor(n, c, h, w), *ref = must_tensor(n, c, h, w);
    fill(x->data, tensor_count(x), 3.0f);
    gdn_forward_ref(&g, x, ref);
    NnDetPost post = { 0, &dg };
    check_paths(what, NULL, gdn_forward_adapter, x, ref, &post);
    /* in place */
    Tensor *y = must_tensor(n, c, h, w);
    memcpy(y->data, x->data, tensor_count(x) * sizeof(float));
    CHECK(nn_det_gdn_forward(&dg, y, y) == 0);
    CHECK_MSG(rel_err(y, ref) <= 1e-4, "%s in place", what);
    tensor_free(y);
    nn_det_gdn_free(&dg);
    gdn_free(&g);
    tensor_free(x);
    tensor_free(ref);
}

static void test_errors(void)
{
    Conv2d l;
    CHECK(conv2d_init(&l, 2, 3, 3, 1, 1, &g_rng) == 0);
    NnDetConv d;
    CHECK(nn_det_conv2d_pack(&d, &l) == 0);
    Tensor *x = must_tensor(1, 2, 4, 4), *bad = must_tensor(1, 3, 4, 5), *badc = must_tensor(1, 1, 4, 4);
    CHECK_ERR(nn_det_conv2d_forward(&d, x, bad, NULL), NN_ERR_SHAPE);
    CHECK_ERR(nn_det_conv2d_forward(&d, badc, bad, NULL), NN_ERR_SHAPE);
    CHECK_ERR(nn_det_deconv2d_forward(&d, x, bad, NULL), NN_ERR_SHAPE);
    nn_det_conv_free(&d);
    conv2d_free(&l);
    CHECK(conv2d_init(&l, 2, 3, 9, 1, 1, &g_rng) == 0);   /* k > NN_DET_MAX_K */
    CHECK_ERR(nn_det_conv2d_pack(&d, &l), NN_ERR_SHAPE);
    conv2d_free(&l);
    tensor_free(x);
    tensor_free(bad);
    tensor_free(badc);
    CHECK(nn_det_force_path(NN_PATH_C) == 0);
    CHECK(nn_det_path() == NN_PATH_C);
    nn_det_force_path(NN_PATH_AUTO);
}

int main(void)
{
    rng_seed(&g_rng, 15);
    for (int pi = 0; pi < 3; pi++)
        printf("path %-6s %s\n", nn_det_path_name(k_paths[pi]),
               nn_det_path_supported(k_paths[pi]) ? "tested" : "not on this CPU (skipped)");
    test_errors();
    /* conv: the codec's 5x5/2, the hyperprior's 3x3/1 and 5x5/2, odd sizes */
    test_conv(1, 3, 5, 5, 2, 2, 17, 23, 0, 0);
    test_conv(2, 4, 4, 3, 1, 1, 9, 40, 1, 0);
    test_conv(1, 6, 9, 5, 2, 2, 33, 101, 0, 1);
    test_conv(1, 2, 3, 3, 2, 1, 5, 5, 0, 0);
    test_conv(1, 5, 7, 5, 1, 2, 3, 2, 1, 0);
    test_conv(1, 1, 1, 1, 1, 0, 4, 4, 0, 0);
    test_conv(1, 7, 6, 3, 1, 1, 1, 1, 0, 0);
    test_conv(1, 3, 2, 4, 2, 1, 10, 7, 0, 0);
    test_conv(1, 64, 66, 3, 1, 1, 6, 19, 1, 0);
    test_conv(1, 40, 13, 5, 2, 2, 12, 70, 0, 2);
    /* deconv: the codec's 5x5/2 (out_pad 1) and others */
    test_deconv(1, 5, 3, 5, 2, 2, 1, 7, 9, 0, 0);
    test_deconv(2, 4, 6, 5, 2, 2, 1, 1, 1, 1, 0);
    test_deconv(1, 3, 4, 3, 1, 1, 0, 6, 17, 0, 0);
    test_deconv(1, 6, 5, 4, 2, 1, 0, 5, 8, 0, 2);
    test_deconv(1, 3, 2, 3, 2, 1, 1, 4, 4, 1, 0);
    test_deconv(1, 64, 48, 5, 2, 2, 1, 6, 11, 1, 0);
    test_deconv(1, 24, 7, 5, 2, 2, 1, 13, 61, 0, 2);
    /* GDN alone: channel remainders, pixel tails */
    test_gdn(1, 1, 1, 1, 0);
    test_gdn(1, 3, 3, 5, 1);
    test_gdn(2, 5, 4, 17, 0);
    test_gdn(1, 13, 7, 10, 1);
    test_gdn(1, 8, 9, 23, 0);
    test_gdn(1, 6, 40, 70, 1);   /* enough pixels for several threads */
    return check_report();
}
